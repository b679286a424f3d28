/*
 * gems.h — reading gem blocks (internal to spec/).
 */
#ifndef SB_SPEC_GEMS_H
#define SB_SPEC_GEMS_H

#include "spec/reader.h"

/* Fill the kind-specific fields of gem (kind already set) from its block g,
 * and its output ports. */
void sb_spec_read_gem_fields(sb_reader *r, sb_gem *gem, const sb_json *g);

#endif
