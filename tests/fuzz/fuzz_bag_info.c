/* fuzz_bag_info.c - libFuzzer target for bag-info.txt (src/transfer/
 * bagit_parse.c): the input is parsed as bag-info text; every element's label
 * must be non-empty and without a line break, every value without one, and a
 * Payload-Oxum value goes through cy_bag__parse_oxum.  Seed corpus:
 * tests/fuzz/corpus/bag_info/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "custody/error.h"
#include "transfer/bagit_internal.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_kv(void *arg, size_t lineno, const char *label, const char *value)
{
	uint64_t bytes, files;
	int rc;

	(void)arg;
	if (!lineno || !*label || strpbrk(label, "\r\n:") || strpbrk(value, "\r\n"))
		abort();
	if (!strcasecmp(label, "Payload-Oxum")) {
		rc = cy_bag__parse_oxum(value, &bytes, &files);
		if (rc != 0 && rc != CY_EINVALID)
			abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size ? size : 1);
	bool loose;
	int rc;

	if (!in)
		return 0;
	memcpy(in, data, size);
	rc = cy_bag__parse_info(in, size, on_kv, NULL, &loose);
	if (rc != 0 && rc != CY_EINVALID)
		abort();
	free(in);
	return 0;
}
