/* fuzz_bounce.c - libFuzzer target for the bounce reader
 * (cy_notify_dsn_each, src/transfer/notify_mime.c): the input is read as an
 * mbox of delivery status notifications; messages must come numbered 1,
 * 2, ..., never more than the input has bytes, each Message-ID a string of
 * bounded length without angle brackets, and failed only with a Message-ID
 * or a status part.  Seed corpus: tests/fuzz/corpus/bounce/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/notify.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
	uint64_t n;
	size_t size;
} seen;

static int each(void *arg, uint64_t index, const char *message_id, bool failed)
{
	seen *s = arg;

	(void)failed;
	if (index != ++s->n || s->n > s->size + 1)
		abort();
	if (strlen(message_id) >= 256 || strchr(message_id, '<') || strchr(message_id, '>'))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	seen s = {0, size};

	if (cy_notify_dsn_each(data, size, each, &s) != 0)
		abort();
	return 0;
}
