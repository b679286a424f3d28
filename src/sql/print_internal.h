/*
 * print_internal.h — pieces of the SQL printer (print.c) that the column
 * naming (colname.c) shares. Not part of the public API in sql.h.
 */
#ifndef SB_SQL_PRINT_INTERNAL_H
#define SB_SQL_PRINT_INTERNAL_H

#include "sql/sql.h"

/* A type as Spark's DataType.sql writes it: INT, DECIMAL(10,2),
 * ARRAY<STRING>, STRUCT<a: INT>, INTERVAL DAY TO SECOND. */
void sb_sql_print_type_sql(sb_buf *out, const sb_type *t);
/* Bytes as upper-case hexadecimal digits. */
void sb_sql_put_hex(sb_buf *out, const char *s, size_t n);

#endif
