/* fuzz_notify_csv.c - libFuzzer target for the answers CSV reader
 * (cy_notify_csv_each, src/transfer/notify.c, over libcsv): rows come with
 * non-decreasing line numbers within the input's line count, and each code and
 * answer handed out is a string the input could hold (no longer than the
 * input).  Seed corpus: tests/fuzz/corpus/notify_csv/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "custody/notify.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
	uint64_t last, lines;
	size_t size;
} seen;

static int each(void *arg, uint64_t line, const char *code, const char *answer, bool shape)
{
	seen *s = arg;

	(void)shape;
	if (line < s->last || line > s->lines)
		abort();
	if (strlen(code) > s->size || strlen(answer) > s->size)
		abort();
	s->last = line;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	seen s = {0, 0, size};
	int rc;

	for (size_t i = 0; i < size; i++)
		s.lines += data[i] == '\n';
	s.lines++;
	rc = cy_notify_csv_each(data, size, each, &s);
	if (rc != 0 && rc != CY_EINVALID && rc != CY_ENOMEM)
		abort();
	return 0;
}
