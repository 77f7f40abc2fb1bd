/* fuzz_normalize.c - libFuzzer target for the normalisation of personal
 * values (src/base/normalize.c), which takes text from CSV exports and the
 * command line.  The first input byte picks the field, the rest is the value.
 * Properties: only the documented codes; a normal form is valid UTF-8 without
 * NUL; it is its own normal form (the blind index must not depend on how many
 * times a value went through); names, ID numbers and phones hold no white
 * space; the resident ID check never reads past the string.
 * Seed corpus: tests/fuzz/corpus/normalize/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/buf.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/normalize.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cy_buf out = CY_BUF_INIT, again = CY_BUF_INIT;
	cy_norm_field f;
	char *in, *z;
	int rc;

	if (size < 1)
		return 0;
	f = (cy_norm_field)(data[0] % CY_NORM_COUNT);
	/* exactly size - 1 bytes, so ASan sees any read past the end */
	if (!(in = malloc(size)))
		return 0;
	memcpy(in, data + 1, size - 1);
	rc = cy_normalize(f, in, size - 1, &out);
	if (rc != 0 && rc != CY_EINVALID)
		abort();
	if (rc == 0) {
		if (memchr(out.ptr, 0, out.len) || !cy_utf8_valid((const char *)out.ptr, out.len))
			abort();
		if (f == CY_NORM_NAME || f == CY_NORM_ID_NUMBER || f == CY_NORM_PHONE)
			if (memchr(out.ptr, ' ', out.len) || memchr(out.ptr, '\t', out.len))
				abort();
		if (cy_normalize(f, (const char *)out.ptr, out.len, &again) != 0 ||
		    again.len != out.len || (out.len && memcmp(again.ptr, out.ptr, out.len)))
			abort();
		if (f == CY_NORM_ID_NUMBER) {
			/* a C string of exactly the normal form */
			if (!(z = malloc(out.len + 1)))
				abort();
			memcpy(z, out.ptr, out.len);
			z[out.len] = 0;
			if (cy_resident_id_check(z) > CY_ID_BAD_CHECK)
				abort();
			free(z);
		}
	}
	cy_buf_wipe(&out);
	cy_buf_wipe(&again);
	free(in);
	return 0;
}
