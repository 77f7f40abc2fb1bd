/* fuzz_archive_no.c - libFuzzer target for cy_archive_no_normalize, which
 * takes what people type: any bytes either fail with CY_EINVALID or give a
 * NUL-terminated number that fits, has no control character, and
 * normalises to itself (normalising twice changes nothing).  Seed corpus:
 * tests/fuzz/corpus/archive_no/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "custody/custody.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[512], out[64], again[64];
	size_t n = size < sizeof(in) - 1 ? size : sizeof(in) - 1;
	int rc;

	memcpy(in, data, n);
	in[n] = 0;
	rc = cy_archive_no_normalize(in, out, sizeof(out));
	if (rc == CY_EINVALID)
		return 0;
	if (rc != 0 || strlen(out) >= sizeof(out))
		abort();
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		if (*p < 0x20)
			abort();
	if (cy_archive_no_normalize(out, again, sizeof(again)) != 0 || strcmp(out, again))
		abort();
	return 0;
}
