/*
 * fuzz_spec_load.c — libFuzzer target for the project file loader.
 *
 * The first byte picks the kind of file (manifest, pipeline, subgraph,
 * dataset, configuration); the rest is its text. Pipelines and subgraphs
 * that load are also planned (graph checks, type checking of every
 * expression, schema propagation) without reading data files. Canonical
 * text must format to itself.
 */
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned kind = data[0] % 5;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    sb_project *p = sb_project_new(a, "/nonexistent");
    switch (kind) {
    case 0: sb_project_parse_manifest(a, p, "sibyl.json", text, len, &d); break;
    case 1:
    case 2: {
        sb_pipeline *pl = sb_spec_parse_pipeline(a, kind == 1 ? "p" : "s",
                                                 kind == 1 ? "pipelines/p.json" : "subgraphs/s.json",
                                                 text, len, kind == 2, &d);
        sb_plan_options opt = {.no_infer = true};
        if (pl) sb_plan_pipeline(a, p, pl, &opt, &d);
        break;
    }
    case 3: sb_spec_parse_dataset(a, "d", "datasets/d.json", text, len, &d); break;
    case 4: sb_spec_parse_config(a, p, "c", "configs/c.json", text, len, &d); break;
    }
    /* Every diagnostic must be printable. */
    sb_buf out = SB_BUF_INIT;
    for (size_t i = 0; i < sb_diags_count(&d); i++) sb_diag_format(&out, sb_diags_at(&d, i));
    sb_diags_format_json(&out, &d);
    sb_buf_reset(&out);
    /* Canonical form is a fixed point. */
    sb_diags d2;
    sb_diags_init(&d2, a);
    if (sb_spec_format(text, len, &out, &d2) == 0) {
        sb_buf again = SB_BUF_INIT;
        if (sb_spec_format(out.data, out.len, &again, &d2) != 0 || again.len != out.len ||
            memcmp(again.data, out.data, out.len) != 0)
            abort();
        sb_buf_free(&again);
    }
    sb_buf_free(&out);
    sb_arena_free(a);
    return 0;
}
