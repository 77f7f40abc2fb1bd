/* fuzz_table.c - libFuzzer target for the CSV path of table.h (encoding
 * detection and conversion, line cutting, libcsv, header mapping, Excel's
 * quirks).  The first input byte picks the options (the encoding, small
 * limits, the size of the pieces the rest is fed in); the rest is the file.
 * Every row handed out is checked against what table.h promises: UTF-8
 * values without NUL, line numbers that never go back and lie within the
 * lines read, dates as YYYY-MM-DD, no identifier in scientific notation.
 * Seed corpus: tests/fuzz/corpus/table/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/table.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
	uint64_t last_line;
	uint64_t rows, rejects;
} seen;

static void check_str(const char *s)
{
	if (!s || !cy_utf8_valid(s, strlen(s)))
		abort();
}

static int on_row(void *arg, const cy_table_row *r)
{
	seen *s = arg;

	if (r->line < s->last_line || r->line == 0 || r->number != ++s->rows)
		abort();
	s->last_line = r->line;
	for (int f = 0; f < CY_TF_COUNT; f++) {
		const char *v = r->field[f];
		if (!v)
			continue;
		check_str(v);
		if (!*v)
			abort(); /* empty values are NULL */
		if ((f == CY_TF_DATE || f == CY_TF_SIGNED || f == CY_TF_BIRTH_DATE) &&
		    (strlen(v) != 10 || v[4] != '-' || v[7] != '-'))
			abort();
		if ((f == CY_TF_ID_NUMBER || f == CY_TF_PHONE || f == CY_TF_ACCOUNT ||
		     f == CY_TF_CUSTOMER_NO) &&
		    cy_table_is_scientific(v))
			abort();
	}
	for (size_t i = 0; i < r->nextra; i++) {
		check_str(r->extra[i].name);
		check_str(r->extra[i].value);
	}
	for (size_t i = 0; i < r->nproblem; i++) {
		check_str(r->problem[i].value);
		check_str(r->problem[i].reason);
	}
	if (r->raw_len && !r->raw)
		abort();
	return 0;
}

static int on_reject(void *arg, const cy_table_reject *r)
{
	seen *s = arg;

	if (r->line < s->last_line || r->line == 0)
		abort();
	s->last_line = r->line;
	s->rejects++;
	check_str(r->reason);
	if (r->raw_len && !r->raw)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ENC[] = {NULL,	      "utf-8",	  "gb18030", "big5",
					  "utf-16le", "utf-16be", "auto",    NULL};
	static const size_t PIECE[] = {0, 1, 2, 3, 7, 64, 4096, 0};
	cy_table_handler h = {NULL, on_row, on_reject};
	cy_table_opts o = {0};
	cy_table *t = NULL;
	seen s = {0};
	uint8_t *in;
	size_t piece;
	int rc = 0;

	if (size < 1)
		return 0;
	o.encoding = ENC[data[0] & 7];
	piece = PIECE[(data[0] >> 3) & 7];
	if (data[0] & 0x40) {
		o.field_max = 32;
		o.row_max = 256;
		o.cols_max = 8;
		o.rows_max = 50;
	}
	if (data[0] & 0x80)
		o.delimiter = ';';
	data++, size--;
	/* a copy of exactly size bytes, so ASan sees any read past the end */
	if (!(in = malloc(size ? size : 1)))
		return 0;
	memcpy(in, data, size);
	if (cy_table_new(&o, &h, &s, &t))
		abort();
	if (!piece)
		piece = size ? size : 1;
	rc = cy_table_csv_feed(t, in, 0); /* an empty file is a CSV file too */
	for (size_t i = 0; i < size && !rc; i += piece)
		rc = cy_table_csv_feed(t, in + i, size - i < piece ? size - i : piece);
	if (!rc)
		rc = cy_table_finish(t);
	if (rc && rc != CY_EINVALID && rc != CY_ENOMEM && rc != CY_EUNSUPPORTED)
		abort();
	if (!rc) {
		const cy_table_counts *c = cy_table_get_counts(t);
		size_t n;
		const cy_table_column *cols = cy_table_columns(t, &n);
		if (!cy_table_encoding(t) || c->rows != s.rows || c->rejects != s.rejects)
			abort();
		if (s.last_line > c->lines + 1)
			abort();
		for (size_t i = 0; cols && i < n; i++)
			check_str(cols[i].header);
	}
	cy_table_free(t);
	free(in);
	return 0;
}
