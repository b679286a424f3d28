/*
 * names.c — the names of gem kinds, formats and modes as written in files,
 * and the rule for valid names.
 */
#include "spec/spec.h"

#include <string.h>

static const char *const gem_kind_names[SB_GEM_KIND_COUNT] = {
    [SB_GEM_SOURCE] = "Source",
    [SB_GEM_SEED] = "Seed",
    [SB_GEM_TARGET] = "Target",
    [SB_GEM_REFORMAT] = "Reformat",
    [SB_GEM_SCHEMA_TRANSFORM] = "SchemaTransform",
    [SB_GEM_FILTER] = "Filter",
    [SB_GEM_ORDER_BY] = "OrderBy",
    [SB_GEM_LIMIT] = "Limit",
    [SB_GEM_DEDUPLICATE] = "Deduplicate",
    [SB_GEM_AGGREGATE] = "Aggregate",
    [SB_GEM_JOIN] = "Join",
    [SB_GEM_SET_OPERATION] = "SetOperation",
    [SB_GEM_WINDOW_FUNCTION] = "WindowFunction",
    [SB_GEM_ROW_DISTRIBUTOR] = "RowDistributor",
    [SB_GEM_SQL_STATEMENT] = "SQLStatement",
    [SB_GEM_SCRIPT] = "Script",
    [SB_GEM_SUBGRAPH] = "Subgraph",
};

const char *sb_gem_kind_name(sb_gem_kind k)
{
    return k < SB_GEM_KIND_COUNT ? gem_kind_names[k] : "?";
}

bool sb_gem_kind_parse(const char *name, sb_gem_kind *out)
{
    for (int k = 0; k < SB_GEM_KIND_COUNT; k++) {
        if (strcmp(name, gem_kind_names[k]) == 0) {
            *out = (sb_gem_kind)k;
            return true;
        }
    }
    return false;
}

const char *sb_data_format_name(sb_data_format f)
{
    switch (f) {
    case SB_FORMAT_CSV: return "csv";
    case SB_FORMAT_JSON: return "json";
    case SB_FORMAT_PARQUET: return "parquet";
    }
    return "?";
}

const char *sb_write_mode_name(sb_write_mode m)
{
    switch (m) {
    case SB_WRITE_ERROR: return "error";
    case SB_WRITE_OVERWRITE: return "overwrite";
    case SB_WRITE_APPEND: return "append";
    case SB_WRITE_IGNORE: return "ignore";
    }
    return "?";
}

const char *sb_setop_kind_name(sb_setop_kind k)
{
    switch (k) {
    case SB_SETOP_UNION_ALL: return "unionAll";
    case SB_SETOP_UNION_BY_NAME: return "unionByName";
    case SB_SETOP_INTERSECT: return "intersect";
    case SB_SETOP_INTERSECT_ALL: return "intersectAll";
    case SB_SETOP_EXCEPT: return "except";
    case SB_SETOP_EXCEPT_ALL: return "exceptAll";
    }
    return "?";
}

/* Python keywords cannot name gems: gems become Python functions and modules. */
static const char *const python_keywords[] = {
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
    "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
    "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
    "return", "try", "while", "with", "yield",
};

bool sb_spec_is_name(const char *s)
{
    if (!s || !*s) return false;
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return false;
    size_t n = 0;
    for (const char *p = s; *p; p++, n++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    if (n > 128) return false;
    for (size_t i = 0; i < SB_COUNTOF(python_keywords); i++)
        if (strcmp(s, python_keywords[i]) == 0) return false;
    return true;
}
