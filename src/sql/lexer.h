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

typedef struct sb_token {
    sb_tok_kind kind;
    sb_span span;       /* bytes of the token in the source */
    const char *text;   /* NUL-terminated arena copy (decoded for strings/quoted) */
    size_t len;         /* length of text (strings may contain NUL) */
    bool space_before;  /* whitespace or a comment precedes the token */
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

/* A short description of a token for messages: "')'", "end of input",
 * "keyword FROM", "identifier foo", "string literal", "number 12". */
const char *sb_sql_token_desc(sb_arena *a, const sb_token *t);

#endif
