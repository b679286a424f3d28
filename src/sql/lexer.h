/*
 * lexer.h — tokens of Spark SQL text (internal to src/sql).
 *
 * The lexer turns an expression or query into a flat array of tokens that
 * the parser (parser.c) walks with unlimited lookahead. Keywords are not
 * separate token kinds: in Spark's default (non-ANSI) mode almost every
 * keyword can also be an identifier, so the parser decides by context and
 * compares words case-insensitively.
 *
 * Lexing never fails hard: a malformed token (an unterminated string, a bad
 * number) becomes an SB_TK_ERROR token carrying its message, and the token
 * stream ends there. The parser reports it only if it gets that far, so the
 * user sees the first problem in reading order.
 */
#ifndef SB_SQL_LEXER_H
#define SB_SQL_LEXER_H

#include "base/diag.h"

typedef enum sb_tok_kind {
    SB_TK_EOF,
    SB_TK_ERROR,   /* message in .text; the stream ends after it */
    SB_TK_WORD,    /* unquoted identifier or keyword, text as written */
    SB_TK_QIDENT,  /* `back-quoted` identifier, text decoded */
    SB_TK_STRING,  /* 'string' or "string", text decoded (may contain NUL) */
    SB_TK_NUMBER,  /* digits, see number fields */
    SB_TK_CONFIG,  /* ${name}: text is the name */
    SB_TK_LPAREN, SB_TK_RPAREN, SB_TK_LBRACKET, SB_TK_RBRACKET,
    SB_TK_COMMA, SB_TK_DOT, SB_TK_SEMI, SB_TK_COLON,
    SB_TK_PLUS, SB_TK_MINUS, SB_TK_STAR, SB_TK_SLASH, SB_TK_PERCENT,
    SB_TK_TILDE, SB_TK_AMP, SB_TK_PIPE, SB_TK_CONCAT, SB_TK_CARET,
    SB_TK_EQ,     /* = or == */
    SB_TK_NSEQ,   /* <=> */
    SB_TK_NE,     /* <> or != */
    SB_TK_LT, SB_TK_LE, SB_TK_GT, SB_TK_GE, /* also !> (<=) and !< (>=) */
    SB_TK_BANG,   /* ! (logical not) */
    SB_TK_ARROW,  /* -> */
    SB_TK_FAT_ARROW, /* => */
} sb_tok_kind;

/* The words the parser gives a meaning somewhere (in alphabetical order,
 * for reading). The lexer classifies every word once, case-
 * insensitively, so that the parser compares ids instead of strings; a word
 * is a keyword only where the parser looks for one, anywhere else it is a
 * name. Add a word here before testing for it in the parser. */
#define SB_SQL_KEYWORDS(K) \
    K(ALL) K(AND) K(ANTI) K(ANY) K(AS) K(ASC) K(AUTHORIZATION) K(BETWEEN) K(BOTH) K(BY) \
    K(CASE) K(CAST) K(CHECK) K(CLUSTER) K(COLLATE) K(COLUMN) K(CONSTRAINT) K(CREATE) K(CROSS) \
    K(CUBE) K(CURRENT) K(DATE) K(DATEADD) K(DATEDIFF) K(DAY) K(DAYOFYEAR) K(DESC) K(DISTINCT) \
    K(DISTRIBUTE) K(DIV) K(ELSE) K(END) K(ESCAPE) K(EXCEPT) K(EXISTS) K(EXTRACT) K(FALSE) \
    K(FETCH) K(FILTER) K(FIRST) K(FOLLOWING) K(FOR) K(FOREIGN) K(FROM) K(FULL) K(GRANT) \
    K(GROUP) K(GROUPING) K(HAVING) K(HOUR) K(IGNORE) K(ILIKE) K(IN) K(INNER) K(INTERSECT) \
    K(INTERVAL) K(INTO) K(IS) K(JOIN) K(LAST) K(LATERAL) K(LEADING) K(LEFT) K(LIKE) K(LIMIT) \
    K(MICROSECOND) K(MILLISECOND) K(MINUS) K(MINUTE) K(MONTH) K(NAME) K(NATURAL) K(NOT) \
    K(NULL) K(NULLS) K(OFFSET) K(ON) K(ONLY) K(OR) K(ORDER) K(OUTER) K(OVER) K(OVERLAPS) \
    K(OVERLAY) K(PARTITION) K(PIVOT) K(PLACING) K(POSITION) K(PRECEDING) K(PRIMARY) K(QUARTER) \
    K(RANGE) K(RECURSIVE) K(REFERENCES) K(REGEXP) K(RESPECT) K(RIGHT) K(RLIKE) K(ROLLUP) \
    K(ROW) K(ROWS) K(SECOND) K(SELECT) K(SEMI) K(SETMINUS) K(SETS) K(SOME) K(SORT) K(SUBSTR) \
    K(SUBSTRING) K(SYSTEM_TIME) K(SYSTEM_VERSION) K(TABLE) K(TABLESAMPLE) K(THEN) K(TIME) \
    K(TIMESTAMP) K(TIMESTAMPADD) K(TIMESTAMPDIFF) K(TIMESTAMP_LTZ) K(TIMESTAMP_NTZ) K(TO) \
    K(TRAILING) K(TRIM) K(TRUE) K(TRY_CAST) K(UNBOUNDED) K(UNION) K(UNIQUE) K(UNKNOWN) \
    K(UNPIVOT) K(USING) K(VALUES) K(VERSION) K(VIEW) K(WEEK) K(WHEN) K(WHERE) K(WINDOW) \
    K(WITH) K(X) K(YEAR)

typedef enum sb_kw {
    SB_KW_NONE,
#define SB_KW_ENUM_(k) SB_KW_##k,
    SB_SQL_KEYWORDS(SB_KW_ENUM_)
#undef SB_KW_ENUM_
    SB_KW_COUNT
} sb_kw;

typedef struct sb_token {
    sb_tok_kind kind;
    sb_span span;       /* bytes of the token in the source */
    const char *text;   /* NUL-terminated arena copy (decoded for strings/quoted) */
    size_t len;         /* length of text (strings may contain NUL) */
    bool space_before;  /* whitespace or a comment precedes the token */
    uint16_t kw;        /* SB_TK_WORD: its keyword (sb_kw), SB_KW_NONE for other words */
    /* SB_TK_NUMBER: text is the digits without suffix, e.g. "1.5E3" */
    bool has_dot, has_exp;
    char suffix; /* 'L','S','Y','D','F','B' (BD) or 0 */
    bool raw;    /* SB_TK_STRING: r'...' raw literal (no escapes) */
} sb_token;

typedef struct sb_token_list {
    sb_token *items;
    size_t len;
} sb_token_list;

/* Tokenize text[0..len). Always ends with an SB_TK_EOF or SB_TK_ERROR token.
 * Warnings (such as an escape Spark silently drops) are added to d. */
sb_token_list sb_sql_lex(sb_arena *a, const char *text, size_t len, sb_diags *d);

/* The keyword a word is (any case), SB_KW_NONE when it is none. */
sb_kw sb_sql_keyword(const char *word, size_t len);
/* A keyword's upper-case text. */
const char *sb_sql_keyword_text(sb_kw kw);

/* A short description of a token for messages: "')'", "end of input",
 * "keyword FROM", "identifier foo", "string literal", "number 12". */
const char *sb_sql_token_desc(sb_arena *a, const sb_token *t);

#endif
