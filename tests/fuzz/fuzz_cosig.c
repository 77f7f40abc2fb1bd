/* fuzz_cosig.c - libFuzzer target for the witness cosignature parsers: the
 * input is given, as is, to cy_cosig_vkey_parse, cy_cosig_skey_parse and
 * cy_cosig_open (with the witness key of docs/formats/ledger.md section 7.5),
 * and, when it opens as a note of the vault key of section 7.2, cosigned
 * again.  Seed corpus: tests/fuzz/corpus/cosig/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "ledger/cosig.h"
#include "ledger/note.h"

#include "custody/banned.h"

static const char WKEY[] =
	"witness.example/w+54610131+BO1JKMYo0cLG6ukDOJBZlWEpWSc6XGP5NjbBRhSshzfR";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rc(int rc)
{
	if (rc != 0 && rc != CY_EINVALID && rc != CY_ECORRUPT && rc != CY_EUNSUPPORTED &&
	    rc != CY_EEXISTS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cy_note_verifier w;
	static int have_w;
	cy_note_verifier parsed;
	char name[CY_NOTE_NAME_MAX + 1];
	uint8_t seed[32];
	uint64_t t;
	cy_buf out = CY_BUF_INIT;
	char *in = malloc(size ? size : 1);

	if (!in)
		return 0;
	memcpy(in, data, size);
	if (!have_w) {
		if (cy_cosig_vkey_parse(WKEY, strlen(WKEY), &w))
			abort();
		have_w = 1;
	}
	check_rc(cy_cosig_vkey_parse(in, size, &parsed));
	check_rc(cy_cosig_skey_parse(in, size, name, seed));
	check_rc(cy_cosig_open(in, size, &w, &t));
	memset(seed, 7, sizeof(seed));
	check_rc(cy_cosig_add(in, size, "fuzz", seed, 1, &out));
	cy_buf_release(&out);
	free(in);
	return 0;
}
