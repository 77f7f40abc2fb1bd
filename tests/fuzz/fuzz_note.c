/* fuzz_note.c - libFuzzer target for the signed-note and checkpoint parsers:
 * the input is given, as is, to cy_note_vkey_parse, cy_note_open (with the
 * fixed verifier of docs/formats/ledger.md section 7.2) and
 * cy_checkpoint_parse; a note that opens has its body parsed as a checkpoint
 * too.  Seed corpus: tests/fuzz/corpus/note/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "ledger/note.h"

#include "custody/banned.h"

static const char VKEY[] =
	"custody.test/ledger+a1f82e1d+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Results must be one of the documented codes, and outputs untouched on failure. */
static void check_rc(int rc)
{
	if (rc != 0 && rc != CY_EINVALID && rc != CY_ECORRUPT && rc != CY_EUNSUPPORTED)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cy_note_verifier v;
	static int have_v;
	cy_note_verifier parsed;
	cy_checkpoint cp;
	cy_buf body = CY_BUF_INIT;
	/* a copy of exactly size bytes, so ASan sees any read past the end */
	char *in = malloc(size ? size : 1);
	int rc;

	if (!in)
		return 0;
	if (size)
		memcpy(in, data, size);
	if (!have_v) {
		if (cy_note_vkey_parse(VKEY, strlen(VKEY), &v))
			abort();
		have_v = 1;
	}

	rc = cy_note_vkey_parse(in, size, &parsed);
	check_rc(rc);
	if (rc == 0) {
		cy_buf again = CY_BUF_INIT;

		/* a parsed key prints back to the same string */
		if (cy_note_vkey(parsed.name, parsed.pub, &again) || again.len != size ||
		    memcmp(again.ptr, in, size))
			abort();
		cy_buf_release(&again);
	}

	rc = cy_note_open(in, size, &v, &body);
	check_rc(rc);
	if (rc == 0) {
		if (body.len == 0 || body.len >= size || memcmp(body.ptr, in, body.len))
			abort();
		check_rc(cy_checkpoint_parse((const char *)body.ptr, body.len, &cp));
	} else if (body.len) {
		abort();
	}
	cy_buf_release(&body);

	rc = cy_checkpoint_parse(in, size, &cp);
	check_rc(rc);
	if (rc == 0) {
		cy_buf again = CY_BUF_INIT;

		/* a parsed checkpoint formats back to a prefix of the input (only
		 * extension lines can follow) */
		if (cy_checkpoint_format(&cp, &again) || again.len > size ||
		    memcmp(again.ptr, in, again.len))
			abort();
		cy_buf_release(&again);
	}
	free(in);
	return 0;
}
