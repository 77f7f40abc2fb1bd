/* fuzz_age.c - libFuzzer target for the age layer (src/transfer/age.c,
 * bech32.c): the input is decrypted as an age file with the fixed identity
 * of docs/formats/age.md, read in pieces of a size the input's length picks,
 * so that the header parser, the stanza checks, the MAC and the STREAM
 * reader all see hostile bytes; its first line is also parsed as a recipient
 * and an identity.  Only the documented error codes may come back, and a
 * file that decrypts must give no more bytes than it holds.
 * Seed corpus: tests/fuzz/corpus/age/ (files custody made for that identity). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/age.h"
#include "custody/error.h"

#include "custody/banned.h"

static const char IDENTITY[] =
	"AGE-SECRET-KEY-1430SHQ8GQAKRMEU6XF820JYV08YG7T57W5HTYQLX040UFGEKNMLSHAV957";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p;
	size_t n, pos, step;
};

static long rd(void *arg, void *buf, size_t n)
{
	struct in *in = arg;
	size_t take = in->n - in->pos;

	if (take > n)
		take = n;
	if (take > in->step)
		take = in->step;
	memcpy(buf, in->p + in->pos, take);
	in->pos += take;
	return (long)take;
}

static void check_rc(int rc)
{
	if (rc != 0 && rc != CY_EINVALID && rc != CY_ECORRUPT && rc != CY_EAUTH &&
	    rc != CY_EUNSUPPORTED)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t priv[1][32];
	static int have;
	static uint8_t buf[70000];
	struct in in = {data, size, 0, size % 7 == 0 ? 1 : 1 + size % 65600};
	cy_age_dec *d = NULL;
	uint8_t key[32];
	char line[256];
	size_t out = 0;
	long got = 0;
	int rc;

	if (!have) {
		if (cy_age_identity_parse(IDENTITY, priv[0]))
			abort();
		have = 1;
	}
	/* the first line as a key string */
	size_t l = 0;
	while (l < size && l + 1 < sizeof(line) && data[l] != '\n') {
		line[l] = (char)data[l];
		l++;
	}
	line[l] = '\0';
	check_rc(cy_age_recipient_parse(line, key));
	check_rc(cy_age_identity_parse(line, key));

	rc = cy_age_dec_new(&d, (const uint8_t(*)[32])priv, 1, rd, &in);
	check_rc(rc);
	if (rc)
		return 0;
	while ((got = cy_age_dec_read(d, buf, (size % 3) ? sizeof(buf) : 1000)) > 0)
		out += (size_t)got;
	check_rc((int)got);
	if (out > size)
		abort();
	cy_age_dec_free(d);
	return 0;
}
