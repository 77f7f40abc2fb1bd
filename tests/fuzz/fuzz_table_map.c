/* fuzz_table_map.c - libFuzzer target for table map files
 * (docs/formats/table-map.md): the input is parsed as a map; a map that
 * parses is used to read a small CSV, whose columns must then each have a
 * field or a kind that says why not.  Seed corpus: tests/fuzz/corpus/table_map/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/table.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_row(void *arg, const cy_table_row *r)
{
	(void)arg;
	for (int f = 0; f < CY_TF_COUNT; f++)
		if (r->field[f] && !cy_utf8_valid(r->field[f], strlen(r->field[f])))
			abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char csv[] = "序号,客户代码,客户名称,证件号,Remarks,a,b\n1,K1,甲,X,note,1,2\n";
	cy_table_handler h = {NULL, on_row, NULL};
	cy_table_map *m = NULL;
	cy_table *t = NULL;
	uint8_t *in = malloc(size ? size : 1);
	int rc;

	if (!in)
		return 0;
	memcpy(in, data, size);
	rc = cy_table_map_parse(in, size, "fuzz.json", &m);
	if (rc != 0 && rc != CY_EINVALID && rc != CY_ENOMEM)
		abort();
	if (rc) {
		if (m)
			abort(); /* nothing handed out on failure */
		free(in);
		return 0;
	}
	cy_table_opts o = {.map = m};
	if (cy_table_new(&o, &h, NULL, &t))
		abort();
	rc = cy_table_csv_feed(t, csv, sizeof(csv) - 1);
	rc = rc ? rc : cy_table_finish(t);
	if (rc && rc != CY_ENOMEM)
		abort();
	if (!rc) {
		size_t n;
		const cy_table_column *c = cy_table_columns(t, &n);
		for (size_t i = 0; c && i < n; i++) {
			bool mapped = c[i].kind == CY_TABLE_COL_BUILTIN ||
				      c[i].kind == CY_TABLE_COL_MAP;
			if (mapped != (c[i].field >= 0 && c[i].field < CY_TF_COUNT))
				abort();
		}
	}
	cy_table_free(t);
	cy_table_map_free(m);
	free(in);
	return 0;
}
