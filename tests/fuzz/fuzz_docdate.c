/* fuzz_docdate.c - libFuzzer target for reading a document's own date: the
 * input is given, as is, to the PDF reader (qpdf) and the EXIF reader
 * (libexif) behind cy_doc_date_pdf and cy_doc_date_jpeg.  A date found must be
 * a valid year with a well-formed date string.  Seed corpus:
 * tests/fuzz/corpus/docdate/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/ingest.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int rc, const cy_doc_date *d)
{
	size_t n;

	if (rc != 0 && rc != -1)
		abort();
	if (rc)
		return;
	n = strlen(d->date);
	if (d->year < 1900 || d->year > 9999 || (n != 4 && n != 7 && n != 10) || !d->source)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, so ASan sees any read past the end */
	uint8_t *in = malloc(size ? size : 1);
	cy_doc_date d;

	if (!in)
		return 0;
	memcpy(in, data, size);
	check(cy_doc_date_pdf(in, size, &d), &d);
	check(cy_doc_date_jpeg(in, size, &d), &d);
	free(in);
	return 0;
}
