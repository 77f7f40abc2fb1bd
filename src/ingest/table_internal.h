/* table_internal.h - what table.c (the CSV reader: encodings, libcsv, lines)
 * and table_map.c (header, fields, Excel's quirks) share: the table itself.
 * Not API (include/custody/table.h is). */
#ifndef CY_TABLE_INTERNAL_H
#define CY_TABLE_INTERNAL_H

#include <iconv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <csv.h>

#include "custody/buf.h"
#include "custody/table.h"

/* A row kept back while the header is not settled (a possible title row). */
typedef struct cy_table__saved {
	bool used;
	uint64_t line;
	char **cells;
	size_t n;
	cy_buf raw;
} cy_table__saved;

struct cy_table {
	cy_table_opts o;
	cy_table_handler h;
	void *arg;
	int rc; /* sticky: the first error; nothing is taken after it */
	bool finished;
	cy_table_counts counts;

	/* ---- the mapping layer (table_map.c) ---- */
	cy_table__saved pending;
	cy_table_column *cols;
	size_t ncols;
	bool have_header;
	bool header_reported;
	const char *constant[CY_TF_COUNT]; /* borrowed from the map */
	cy_buf vals;			   /* a row's values (personal data: wiped) */
	size_t *voff;			   /* per column: offset in vals, or SIZE_MAX */
	cy_table_value *extra;
	cy_table_problem *problem;
	size_t *poff; /* per problem: offset of its value in vals */

	/* ---- the CSV reader (table.c) ---- */
	bool csv_started;
	bool cells_started; /* fed by cy_table_feed_cells: no CSV bytes then */
	bool settled;	    /* the encoding is known */
	const char *enc;
	const char *enc_source;
	char enc_name[40];
	unsigned unit; /* 1, or 2 for UTF-16 */
	bool big_endian;
	bool utf8; /* the UTF-8 fast path: validate, do not convert */
	iconv_t cd;
	struct csv_parser cp;
	bool cp_init;
	cy_buf sample;	/* the first bytes, until the encoding is settled */
	cy_buf pend;	/* bytes of lines not yet complete */
	cy_buf raw;	/* the current row's bytes as in the file */
	cy_buf u8;	/* one line, decoded */
	cy_buf cellbuf; /* the current row's cells, NUL-separated */
	size_t *celloff;
	const char **cellptr;
	size_t ncells, cellcap;
	bool cols_over;
	char taint[160]; /* why the current row is a reject, if it is */
	uint64_t line;	 /* the physical line being fed (1-based) */
	uint64_t row_start;
	bool row_ended;
	bool seg_crlf; /* the line being parsed is the LF of a CRLF */
	bool prev_cr;  /* the last line ended with CR (a CRLF's LF is not a new line) */
};

/* Room for extra more bytes in b (personal data): when it must grow, the
 * contents move to a new block and the old one is wiped, unlike realloc. */
int cy_table__reserve(cy_buf *b, size_t extra);
/* realloc and free for a parser library's buffers that hold plaintext
 * (libcsv, expat): the old block is wiped. */
void *cy_table__wipe_realloc(void *p, size_t n);
void cy_table__wipe_free(void *p);

/* One row of cells from a reader, with the physical line it starts on.
 * taint: NULL, or why the reader could not take it (then it is a reject). */
int cy_table__row(cy_table *t, uint64_t line, const char *const *cells, size_t n, const void *raw,
		  size_t raw_len, const char *taint);
/* The end: a header still pending is settled. */
int cy_table__map_finish(cy_table *t);
void cy_table__map_release(cy_table *t);
/* Take the map's constants (at cy_table_new). */
void cy_table__map_constants(cy_table *t);
int cy_table__reject(cy_table *t, uint64_t line, const char *reason, const void *raw,
		     size_t raw_len);

#endif
