/* test_age.c - the age v1 layer (src/transfer/age*.c, bech32.c):
 * every C2SP vector in ../shared/testdata/age/testdata/ with an X25519
 * identity, read in place (armored, scrypt-only and post-quantum-only vectors
 * are counted and reported as not run: those parts of age are out of scope,
 * docs/formats/age.md); Bech32 vectors; key round trips; streaming round
 * trips with odd write sizes across the 64 KiB chunk boundary; streams cut
 * at and around every chunk boundary, extended, or with a flipped byte; the
 * documented vector of docs/formats/age.md; key files. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "custody/age.h"
#include "custody/buf.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/sigkey.h"
#include "testutil.h"
#include "transfer/bech32.h"

#include "custody/banned.h"

#define VECTORS CY_TESTDATA "/age/testdata"
#define CHUNK 65536
#define ENC_CHUNK (CHUNK + 16)

/* the vectors of docs/formats/keys-files.md and docs/formats/age.md (the age file
 * made by custody and checked with age 1.1.1: age -d -i KEY gives the payload) */
#define SIGN_DOC_SECRET                                                                            \
	"CUSTODY-SIGNING-KEY-1QQQSYQCYQ5RQWZQFPG9SCRGWPUGPZYSNZS23V9CCRYDPK8QARC0SQF079U"
#define SIGN_DOC_PUBLIC "custody-sign1qwss00lnecgtu8tsm5vwwj7qn9n7f43snwjs6hcamjrxgyj4xxuqzh4za2"
#define DOC_IDENTITY "AGE-SECRET-KEY-1430SHQ8GQAKRMEU6XF820JYV08YG7T57W5HTYQLX040UFGEKNMLSHAV957"
#define DOC_RECIPIENT "age1e83mfm5u0mtxv4038kshl7l6mdw5u5hera60h438d2wudg84x40szs7gcx"
#define DOC_PAYLOAD "hello, custody\n"
#define DOC_FILE_HEX                                                                               \
	"6167652d656e6372797074696f6e2e6f72672f76310a2d3e2058323535313920716669422f307051"         \
	"71726a445a6746585066576e6a73513333716370512f596c553236596e34617642676b0a4c4b5446"         \
	"77637835596d32524f615a78564c77555546434173646b7a5845777967377256386938674b39490a"         \
	"2d2d2d202f6d666159714d70387059455947515048626231746d4b776d71364c4d6d576d33796c36"         \
	"556d30753833630a2d154949d7d29af2f2d054e7ca44dfb9ca7ae089224b4d814969f4779284f528"         \
	"6f289fcc2d9a6db5daa538f7b24e9e"

/* ---- reading and writing through memory -------------------------------------------------- */

struct mem_in {
	const uint8_t *p;
	size_t n, pos;
	size_t max_read; /* 0: no limit; else at most this per call */
};

static long mem_read(void *arg, void *buf, size_t n)
{
	struct mem_in *m = arg;
	size_t take = m->n - m->pos < n ? m->n - m->pos : n;

	if (m->max_read && take > m->max_read)
		take = m->max_read;
	memcpy(buf, m->p + m->pos, take);
	m->pos += take;
	return (long)take;
}

static int buf_write(void *arg, const void *data, size_t n)
{
	return cy_buf_put(arg, data, n);
}

/* Decrypt in[0..n) with privs; the plaintext released goes to out (read in
 * pieces of `step`).  Returns the first error (dec_new or read) or 0. */
static int decrypt_all(const uint8_t (*privs)[32], size_t np, const uint8_t *in, size_t n,
		       size_t step, cy_buf *out, int *stage)
{
	struct mem_in m = {in, n, 0, 0};
	cy_age_dec *d = NULL;
	uint8_t *buf = malloc(step);
	long got;
	int rc;

	assert_non_null(buf);
	*stage = 0;
	rc = cy_age_dec_new(&d, privs, np, mem_read, &m);
	if (rc)
		goto out;
	*stage = 1;
	while ((got = cy_age_dec_read(d, buf, step)) > 0)
		assert_int_equal(cy_buf_put(out, buf, (size_t)got), 0);
	rc = (int)got;
	if (rc) /* sticky */
		assert_int_equal(cy_age_dec_read(d, buf, step), rc);
out:
	cy_age_dec_free(d);
	free(buf);
	return rc;
}

static void encrypt_to(const uint8_t (*pubs)[32], size_t n, const uint8_t *pt, size_t len,
		       const size_t *steps, size_t nsteps, cy_buf *out)
{
	cy_age_enc *e = NULL;
	size_t pos = 0, k = 0;

	assert_int_equal(cy_age_enc_new(&e, pubs, n, buf_write, out), 0);
	while (pos < len) {
		size_t s = nsteps ? steps[k++ % nsteps] : len;
		if (s > len - pos)
			s = len - pos;
		assert_int_equal(cy_age_enc_write(e, pt + pos, s), 0);
		pos += s;
	}
	assert_int_equal(cy_age_enc_finish(e), 0);
	assert_int_not_equal(cy_age_enc_write(e, "x", 1), 0);
	cy_age_enc_free(e);
}

static void pattern(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* ---- the C2SP vectors ---------------------------------------------------------------------- */

static int inflate_all(const uint8_t *in, size_t n, cy_buf *out)
{
	z_stream z;
	uint8_t tmp[65536];
	int zr;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return -1;
	z.next_in = (uint8_t *)in;
	z.avail_in = (uInt)n;
	do {
		z.next_out = tmp;
		z.avail_out = sizeof(tmp);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			inflateEnd(&z);
			return -1;
		}
		if (cy_buf_put(out, tmp, sizeof(tmp) - z.avail_out)) {
			inflateEnd(&z);
			return -1;
		}
	} while (zr != Z_STREAM_END);
	inflateEnd(&z);
	return 0;
}

struct vector {
	char expect[32];
	char payload[65];
	bool armored, compressed;
	uint8_t ids[4][32];
	size_t nids, other_ids, passphrases;
	cy_buf body;
};

static void load_vector(const char *path, struct vector *v)
{
	cy_buf raw = CY_BUF_INIT;
	const char *p, *end;

	memset(v, 0, sizeof(*v));
	cy_buf_init(&v->body);
	assert_int_equal(tu_read_file(path, &raw), 0);
	p = (const char *)raw.ptr;
	end = p + raw.len;
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len;

		assert_non_null(nl);
		len = (size_t)(nl - p);
		if (len == 0) {
			p = nl + 1;
			break;
		}
		char line[256];
		assert_true(len < sizeof(line));
		memcpy(line, p, len);
		line[len] = '\0';
		if (!strncmp(line, "expect: ", 8))
			snprintf(v->expect, sizeof(v->expect), "%s", line + 8);
		else if (!strncmp(line, "payload: ", 9))
			snprintf(v->payload, sizeof(v->payload), "%s", line + 9);
		else if (!strcmp(line, "armored: yes"))
			v->armored = true;
		else if (!strcmp(line, "compressed: zlib"))
			v->compressed = true;
		else if (!strncmp(line, "passphrase: ", 12))
			v->passphrases++;
		else if (!strncmp(line, "identity: AGE-SECRET-KEY-1", 26)) {
			assert_true(v->nids < 4);
			assert_int_equal(cy_age_identity_parse(line + 10, v->ids[v->nids]), 0);
			v->nids++;
		} else if (!strncmp(line, "identity: ", 10))
			v->other_ids++;
		p = nl + 1;
	}
	if (v->compressed)
		assert_int_equal(inflate_all((const uint8_t *)p, (size_t)(end - p), &v->body), 0);
	else
		assert_int_equal(cy_buf_put(&v->body, p, (size_t)(end - p)), 0);
	cy_buf_release(&raw);
}

static void test_age_c2sp_vectors(void **state)
{
	DIR *dir = opendir(VECTORS);
	struct dirent *de;
	size_t run = 0, not_armor = 0, not_scrypt = 0, not_pq = 0, total = 0;
	static const size_t steps[] = {1, 4096, 65536, 100000};

	(void)state;
	assert_non_null(dir);
	while ((de = readdir(dir))) {
		char path[1024];
		struct vector v;

		if (de->d_name[0] == '.')
			continue;
		total++;
		snprintf(path, sizeof(path), "%s/%s", VECTORS, de->d_name);
		load_vector(path, &v);
		if (v.armored || !v.nids) {
			if (v.armored)
				not_armor++;
			else if (v.passphrases)
				not_scrypt++;
			else if (v.other_ids)
				not_pq++;
			else if (!strcmp(v.expect, "header failure"))
				goto run_it; /* "empty": no identity needed to fail */
			else
				fail_msg("%s: no identity and not classified", de->d_name);
			cy_buf_release(&v.body);
			continue;
		}
run_it:
		run++;
		for (size_t si = 0; si < sizeof(steps) / sizeof(steps[0]); si++) {
			cy_buf out = CY_BUF_INIT;
			uint8_t hash[32], want[32];
			char hex[65];
			static const uint8_t dummy[1][32];
			int stage, rc = decrypt_all(v.nids ? (const uint8_t(*)[32])v.ids : dummy,
						    v.nids ? v.nids : 1, v.body.ptr, v.body.len,
						    steps[si], &out, &stage);

			if (!strcmp(v.expect, "success")) {
				if (rc)
					fail_msg("%s: expected success, got %d (%s)", de->d_name,
						 rc, cy_error_message());
			} else if (!strcmp(v.expect, "no match")) {
				if (rc != CY_EAUTH || stage != 0)
					fail_msg("%s: expected no match, got %d at %d (%s)",
						 de->d_name, rc, stage, cy_error_message());
			} else if (!strcmp(v.expect, "HMAC failure")) {
				if (rc != CY_ECORRUPT || stage != 0)
					fail_msg("%s: expected HMAC failure, got %d at %d (%s)",
						 de->d_name, rc, stage, cy_error_message());
			} else if (!strcmp(v.expect, "header failure")) {
				if ((rc != CY_EINVALID && rc != CY_EUNSUPPORTED) || stage != 0)
					fail_msg("%s: expected header failure, got %d at %d (%s)",
						 de->d_name, rc, stage, cy_error_message());
			} else if (!strcmp(v.expect, "payload failure")) {
				if (rc != CY_ECORRUPT || stage != 1)
					fail_msg("%s: expected payload failure, got %d at %d (%s)",
						 de->d_name, rc, stage, cy_error_message());
			} else {
				fail_msg("%s: unknown expectation '%s'", de->d_name, v.expect);
			}
			/* everything released must match the payload hash */
			if (v.payload[0]) {
				cy_sha256(out.ptr, out.len, hash);
				cy_hex_encode(hash, 32, hex);
				assert_int_equal(tu_unhex(v.payload, want, 32), 32);
				if (memcmp(hash, want, 32))
					fail_msg("%s: released plaintext (%zu bytes, step %zu) does "
						 "not match the payload hash",
						 de->d_name, out.len, steps[si]);
			}
			cy_buf_wipe(&out);
		}
		cy_buf_release(&v.body);
	}
	closedir(dir);
	print_message("age vectors: %zu in all, %zu run; not run: %zu armored, %zu scrypt, "
		      "%zu post-quantum (out of scope)\n",
		      total, run, not_armor, not_scrypt, not_pq);
	assert_int_equal(run + not_armor + not_scrypt + not_pq, total);
	/* the set as shipped: 69 with X25519 identities or none needed */
	assert_true(run >= 69);
}

/* ---- Bech32 and keys ----------------------------------------------------------------------- */

static void test_age_bech32_bip173(void **state)
{
	static const char *valid[] = {
		"A12UEL5L",
		"a12uel5l",
		"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
		"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
		"11"
		"qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
		"c8247j",
		"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
		"?1ezyfcl",
	};
	static const char *invalid[] = {
		"\x20"
		"1nwldj5", /* HRP character out of range */
		"\x7f"
		"1axkwrx",
		"pzry9x0s0muk",	 /* no separator */
		"1pzry9x0s0muk", /* empty HRP */
		"x1b4n0q5v",	 /* invalid data character */
		"li1dgmt3",	 /* too short checksum */
		"de1lg7wt\xff",	 /* invalid character in checksum */
		"A1G7SGD8",	 /* checksum calculated with upper-case HRP */
		"10a06t8",	 /* empty HRP */
		"1qzzfhee",	 /* empty HRP */
		"a12UEL5L",	 /* mixed case */
		"A1LQFN3A",	 /* bech32m checksum (BIP 350 vector), not bech32 */
	};
	char hrp[100];
	uint8_t data[100];
	size_t n;
	bool upper;

	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		if (cy_bech32__decode(valid[i], hrp, sizeof(hrp), data, sizeof(data), &n, &upper))
			fail_msg("valid %s refused: %s", valid[i], cy_error_message());
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		if (!cy_bech32__decode(invalid[i], hrp, sizeof(hrp), data, sizeof(data), &n,
				       &upper))
			fail_msg("invalid %s accepted", invalid[i]);
	/* "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw" holds the 32 5-bit values 0..31 */
	assert_int_equal(
		cy_bech32__decode(valid[3], hrp, sizeof(hrp), data, sizeof(data), &n, &upper), 0);
	assert_int_equal(n, 20);
	assert_string_equal(hrp, "abcdef");
	char again[128];
	assert_int_equal(cy_bech32__encode("abcdef", data, n, false, again, sizeof(again)), 0);
	assert_string_equal(again, valid[3]);
}

/* The identity of the C2SP vectors and its recipient as age-keygen -y prints it. */
static const char ID1[] =
	"AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0";
static const char PUB1[] = "age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryef";

static void test_age_keys(void **state)
{
	uint8_t priv[32], pub[32], pub2[32];
	char s[CY_AGE_RECIPIENT_MAX];

	(void)state;
	assert_int_equal(cy_age_identity_parse(ID1, priv), 0);
	assert_int_equal(cy_age_identity_to_recipient(priv, pub), 0);
	assert_int_equal(cy_age_recipient_format(pub, s), 0);
	assert_string_equal(s, PUB1);
	assert_int_equal(cy_age_recipient_parse(PUB1, pub2), 0);
	assert_memory_equal(pub, pub2, 32);
	assert_int_equal(cy_age_identity_format(priv, s), 0);
	assert_string_equal(s, ID1);

	/* strict: case, prefix, checksum, length */
	char low[sizeof(ID1)];
	for (size_t i = 0; i < sizeof(ID1); i++)
		low[i] = (char)(ID1[i] >= 'A' && ID1[i] <= 'Z' ? ID1[i] + 32 : ID1[i]);
	assert_int_equal(cy_age_identity_parse(low, priv), CY_EINVALID);
	char up[sizeof(PUB1)];
	for (size_t i = 0; i < sizeof(PUB1); i++)
		up[i] = (char)(PUB1[i] >= 'a' && PUB1[i] <= 'z' ? PUB1[i] - 32 : PUB1[i]);
	assert_int_equal(cy_age_recipient_parse(up, pub), CY_EINVALID);
	assert_int_equal(cy_age_recipient_parse(ID1, pub), CY_EINVALID);
	assert_int_equal(cy_age_identity_parse(PUB1, priv), CY_EINVALID);
	char bad[sizeof(PUB1)];
	memcpy(bad, PUB1, sizeof(PUB1));
	bad[20] = bad[20] == 'q' ? 'p' : 'q';
	assert_int_equal(cy_age_recipient_parse(bad, pub), CY_EINVALID);
	assert_int_equal(cy_age_recipient_parse(
				 "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", pub),
			 CY_EINVALID);
	assert_int_equal(cy_age_recipient_parse("", pub), CY_EINVALID);
	/* a 31-byte key under the right prefix */
	uint8_t short_key[31] = {1};
	assert_int_equal(cy_bech32__encode("age", short_key, 31, false, s, sizeof(s)), 0);
	assert_int_equal(cy_age_recipient_parse(s, pub), CY_EINVALID);

	/* signing keys round trip, and the public key matches Ed25519 of the seed */
	uint8_t seed[32], spub[32], spub2[32], seed2[32];
	char sk[CY_SIGKEY_MAX], pk[CY_SIGKEY_MAX];
	pattern(seed, 32, 7);
	assert_int_equal(cy_signing_key_format(seed, sk), 0);
	assert_int_equal(strncmp(sk, "CUSTODY-SIGNING-KEY-1", 21), 0);
	assert_int_equal(cy_signing_key_parse(sk, seed2), 0);
	assert_memory_equal(seed, seed2, 32);
	assert_int_equal(cy_signing_key_public(seed, spub), 0);
	assert_int_equal(cy_signing_pub_format(spub, pk), 0);
	assert_int_equal(strncmp(pk, "custody-sign1", 13), 0);
	assert_int_equal(cy_signing_pub_parse(pk, spub2), 0);
	assert_memory_equal(spub, spub2, 32);
	assert_int_equal(cy_signing_pub_parse(PUB1, spub2), CY_EINVALID);
	assert_int_equal(cy_signing_key_parse(ID1, seed2), CY_EINVALID);
}

/* The signing-key vector of docs/formats/keys-files.md: seed 00 01 .. 1f. */
static void test_age_signing_key_doc_vector(void **state)
{
	uint8_t seed[32], pub[32];
	char sk[CY_SIGKEY_MAX], pk[CY_SIGKEY_MAX];

	(void)state;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	assert_int_equal(cy_signing_key_format(seed, sk), 0);
	assert_int_equal(cy_signing_key_public(seed, pub), 0);
	assert_int_equal(cy_signing_pub_format(pub, pk), 0);
	print_message("signing vector: %s %s\n", sk, pk);
	assert_string_equal(sk, SIGN_DOC_SECRET);
	assert_string_equal(pk, SIGN_DOC_PUBLIC);
}

static void test_age_key_files(void **state)
{
	char *dir = tu_tmpdir(), path[512], rec[CY_AGE_RECIPIENT_MAX], spk[CY_SIGKEY_MAX];
	uint8_t(*privs)[32] = NULL, pub[32], seed[32], spub[32], spub2[32];
	size_t n = 0;
	struct stat st;
	cy_buf b = CY_BUF_INIT;

	(void)state;
	snprintf(path, sizeof(path), "%s/key.txt", dir);
	assert_int_equal(cy_age_keygen_file(path, rec), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(cy_age_key_file_check(path), 0);
	/* never overwritten */
	char rec2[CY_AGE_RECIPIENT_MAX];
	assert_int_equal(cy_age_keygen_file(path, rec2), CY_EEXISTS);
	assert_int_equal(tu_read_file(path, &b), 0);
	assert_non_null(strstr(cy_buf_cstr(&b), "# created: "));
	assert_non_null(strstr(cy_buf_cstr(&b), "# public key: age1"));
	assert_int_equal(cy_age_identity_load(path, &privs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cy_age_identity_to_recipient(privs[0], pub), 0);
	cy_age_identity_free(privs, n);
	char fmt[CY_AGE_RECIPIENT_MAX];
	assert_int_equal(cy_age_recipient_format(pub, fmt), 0);
	assert_string_equal(fmt, rec);
	assert_non_null(strstr(cy_buf_cstr(&b), rec));
	cy_buf_release(&b);

	/* two identities, comments, CRLF, blank lines */
	snprintf(path, sizeof(path), "%s/two.txt", dir);
	cy_buf_printf(&b,
		      "# a comment\r\n\r\n%s\r\n\n# another\nAGE-SECRET-KEY-1"
		      "43WN7DCXU4G8R5AXQSSYD9AEPYDNT3HXSLWSPK36CDU6E8M59SSSAGZ3KG\n",
		      ID1);
	assert_int_equal(cy_write_file_excl(path, b.ptr, b.len, 0644), 0);
	cy_buf_release(&b);
	assert_int_equal(cy_age_key_file_check(path), CY_EPERM);
	int rc = cy_age_identity_load(path, &privs, &n);
	if (rc)
		fail_msg("%s", cy_error_message());
	assert_int_equal(n, 2);
	cy_age_identity_free(privs, n);

	/* a bad line is refused with its number; no identity at all is refused */
	snprintf(path, sizeof(path), "%s/bad.txt", dir);
	cy_buf_printf(&b, "# ok\n%s\nAGE-SECRET-KEY-1NOPE\n", ID1);
	assert_int_equal(cy_write_file_excl(path, b.ptr, b.len, 0600), 0);
	cy_buf_release(&b);
	assert_int_equal(cy_age_identity_load(path, &privs, &n), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "line 3"));
	assert_null(privs);
	snprintf(path, sizeof(path), "%s/none.txt", dir);
	assert_int_equal(cy_write_file_excl(path, "# nothing\n", 10, 0600), 0);
	assert_int_equal(cy_age_identity_load(path, &privs, &n), CY_EINVALID);

	/* signing keys */
	snprintf(path, sizeof(path), "%s/sign.txt", dir);
	assert_int_equal(cy_signing_keygen_file(path, spk), 0);
	char spk2[CY_SIGKEY_MAX];
	assert_int_equal(cy_signing_keygen_file(path, spk2), CY_EEXISTS);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	if (cy_signing_key_load(path, seed))
		fail_msg("%s", cy_error_message());
	assert_int_equal(cy_signing_key_public(seed, spub), 0);
	assert_int_equal(cy_signing_pub_parse(spk, spub2), 0);
	assert_memory_equal(spub, spub2, 32);
	/* an age identity is not a signing key */
	snprintf(path, sizeof(path), "%s/key.txt", dir);
	assert_int_equal(cy_signing_key_load(path, seed), CY_EINVALID);
	tu_rmrf(dir);
	free(dir);
}

/* ---- streaming ----------------------------------------------------------------------------- */

static void test_age_round_trips(void **state)
{
	static const size_t sizes[] = {
		0, 1, 15, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 1, 3 * CHUNK + 12345};
	static const size_t odd_steps[] = {1, 7, 4093, CHUNK - 3, CHUNK + 5, 2 * CHUNK + 1, 333};
	static const size_t read_steps[] = {1, 1000, CHUNK, CHUNK + 1, 3 * CHUNK};
	uint8_t priv[2][32], pub[2][32];
	uint8_t *pt = malloc(3 * CHUNK + 12345);

	(void)state;
	assert_non_null(pt);
	pattern(pt, 3 * CHUNK + 12345, 42);
	for (int i = 0; i < 2; i++)
		assert_int_equal(cy_x25519_keygen(priv[i], pub[i]), 0);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		cy_buf ct = CY_BUF_INIT;
		size_t len = sizes[s], chunks = len ? (len + CHUNK - 1) / CHUNK : 1;

		/* odd write sizes, to both recipients */
		encrypt_to((const uint8_t(*)[32])pub, 2, pt, len, odd_steps,
			   sizeof(odd_steps) / sizeof(odd_steps[0]), &ct);
		/* the payload is nonce + one sealed chunk per 64 KiB (one for empty) */
		const char *mac = strstr((const char *)ct.ptr, "\n--- ");
		assert_non_null(mac);
		size_t hdr = (size_t)((const uint8_t *)strchr(mac + 1, '\n') + 1 - ct.ptr);
		assert_int_equal(ct.len - hdr, 16 + len + 16 * chunks);
		for (size_t r = 0; r < sizeof(read_steps) / sizeof(read_steps[0]); r++)
			for (int k = 0; k < 2; k++) {
				cy_buf out = CY_BUF_INIT;
				int stage;
				assert_int_equal(decrypt_all((const uint8_t(*)[32])priv[k], 1,
							     ct.ptr, ct.len, read_steps[r], &out,
							     &stage),
						 0);
				assert_int_equal(out.len, len);
				if (len)
					assert_memory_equal(out.ptr, pt, len);
				cy_buf_wipe(&out);
			}
		cy_buf_release(&ct);
		/* one write of everything */
		encrypt_to((const uint8_t(*)[32])pub, 1, pt, len, NULL, 0, &ct);
		cy_buf out = CY_BUF_INIT;
		int stage;
		assert_int_equal(decrypt_all((const uint8_t(*)[32])priv[0], 1, ct.ptr, ct.len,
					     CHUNK, &out, &stage),
				 0);
		assert_int_equal(out.len, len);
		/* the other key alone does not match */
		cy_buf_clear(&out);
		assert_int_equal(decrypt_all((const uint8_t(*)[32])priv[1], 1, ct.ptr, ct.len,
					     CHUNK, &out, &stage),
				 CY_EAUTH);
		assert_int_equal(out.len, 0);
		cy_buf_wipe(&out);
		cy_buf_release(&ct);
	}
	free(pt);
}

/* A reader that hands out one byte at a time still decrypts. */
static void test_age_slow_reader(void **state)
{
	uint8_t priv[32], pub[32], *pt = malloc(CHUNK + 100), buf[CHUNK];
	cy_buf ct = CY_BUF_INIT, out = CY_BUF_INIT;
	struct mem_in m;
	cy_age_dec *d = NULL;
	long got;

	(void)state;
	pattern(pt, CHUNK + 100, 3);
	assert_int_equal(cy_x25519_keygen(priv, pub), 0);
	encrypt_to((const uint8_t(*)[32])pub, 1, pt, CHUNK + 100, NULL, 0, &ct);
	m = (struct mem_in){ct.ptr, ct.len, 0, 1};
	assert_int_equal(cy_age_dec_new(&d, (const uint8_t(*)[32])priv, 1, mem_read, &m), 0);
	while ((got = cy_age_dec_read(d, buf, sizeof(buf))) > 0)
		cy_buf_put(&out, buf, (size_t)got);
	assert_int_equal(got, 0);
	assert_int_equal(out.len, CHUNK + 100);
	assert_memory_equal(out.ptr, pt, CHUNK + 100);
	cy_age_dec_free(d);
	cy_buf_release(&ct);
	cy_buf_wipe(&out);
	free(pt);
}

/* Cut the file at and around every chunk boundary: never success, never a
 * byte of a chunk that did not verify, the right error. */
static void test_age_truncated(void **state)
{
	const size_t len = 3 * CHUNK + 100;
	uint8_t priv[32], pub[32], *pt = malloc(len);
	cy_buf ct = CY_BUF_INIT;
	size_t hdr;

	(void)state;
	pattern(pt, len, 9);
	assert_int_equal(cy_x25519_keygen(priv, pub), 0);
	encrypt_to((const uint8_t(*)[32])pub, 1, pt, len, NULL, 0, &ct);
	hdr = (size_t)((const uint8_t *)strchr(strstr((const char *)ct.ptr, "\n--- ") + 1, '\n') +
		       1 - ct.ptr);
	for (size_t c = 0; c <= 4; c++) {
		size_t boundary = hdr + 16 + c * ENC_CHUNK;
		long deltas[] = {-17, -16, -1, 0, 1, 15, 16, 17};
		for (size_t k = 0; k < sizeof(deltas) / sizeof(deltas[0]); k++) {
			long cut = (long)boundary + deltas[k];
			cy_buf out = CY_BUF_INIT;
			int stage, rc;

			if (cut < 0 || (size_t)cut >= ct.len)
				continue;
			rc = decrypt_all((const uint8_t(*)[32])priv, 1, ct.ptr, (size_t)cut, CHUNK,
					 &out, &stage);
			if (rc == 0)
				fail_msg("cut at %ld accepted", cut);
			/* only whole verified chunks came out, and they are the right ones */
			assert_int_equal(out.len % CHUNK, 0);
			assert_true(out.len <= (size_t)cut);
			if (out.len)
				assert_memory_equal(out.ptr, pt, out.len);
			if ((size_t)cut >= hdr + 16)
				assert_int_equal(rc, CY_ECORRUPT);
			else
				assert_int_equal(rc, CY_EINVALID);
			cy_buf_wipe(&out);
		}
	}
	/* a full last chunk with its flag, then cut after a full chunk: "cut short" */
	{
		cy_buf two = CY_BUF_INIT, out = CY_BUF_INIT;
		int stage;
		encrypt_to((const uint8_t(*)[32])pub, 1, pt, 2 * CHUNK, NULL, 0, &two);
		assert_int_equal(decrypt_all((const uint8_t(*)[32])priv, 1, two.ptr,
					     two.len - ENC_CHUNK, CHUNK, &out, &stage),
				 CY_ECORRUPT);
		assert_non_null(strstr(cy_error_message(), "cut short"));
		/* the first chunk verified (as a non-final one) and came out */
		assert_int_equal(out.len, CHUNK);
		/* trailing data */
		cy_buf_put(&two, "x", 1);
		cy_buf_clear(&out);
		assert_int_equal(decrypt_all((const uint8_t(*)[32])priv, 1, two.ptr, two.len, CHUNK,
					     &out, &stage),
				 CY_ECORRUPT);
		assert_non_null(strstr(cy_error_message(), "after the end"));
		/* the verified final chunk came out (as age does), then the error */
		assert_int_equal(out.len, 2 * CHUNK);
		cy_buf_release(&two);
		cy_buf_wipe(&out);
	}
	/* a flipped byte anywhere fails; in the payload only later chunks come out */
	for (size_t pos = 0; pos < ct.len; pos += pos < hdr + 64 ? 1 : 4099) {
		cy_buf out = CY_BUF_INIT;
		int stage, rc;
		ct.ptr[pos] ^= 0x40;
		rc = decrypt_all((const uint8_t(*)[32])priv, 1, ct.ptr, ct.len, CHUNK, &out,
				 &stage);
		ct.ptr[pos] ^= 0x40;
		if (rc == 0)
			fail_msg("flipped byte at %zu accepted", pos);
		if (pos >= hdr + 16) {
			assert_int_equal(rc, CY_ECORRUPT);
			assert_true(out.len <= pos - hdr - 16);
		}
		assert_int_equal(out.len % CHUNK, 0);
		cy_buf_wipe(&out);
	}
	cy_buf_release(&ct);
	free(pt);
}

static int failing_write(void *arg, const void *data, size_t n)
{
	size_t *left = arg;

	(void)data;
	if (*left < n)
		return cy_error_set(CY_ENOSPC, "disk full");
	*left -= n;
	return 0;
}

/* A write error is passed up unchanged and sticks; bad arguments are refused. */
static void test_age_errors(void **state)
{
	uint8_t priv[32], pub[32], zero[1][32] = {{0}};
	uint8_t *pt = calloc(1, 3 * CHUNK);
	size_t left = 2000;
	cy_age_enc *e = NULL;
	cy_buf ct = CY_BUF_INIT;

	(void)state;
	assert_int_equal(cy_x25519_keygen(priv, pub), 0);
	assert_int_equal(cy_age_enc_new(&e, (const uint8_t(*)[32])pub, 1, failing_write, &left), 0);
	assert_int_equal(cy_age_enc_write(e, pt, 3 * CHUNK), CY_ENOSPC);
	assert_int_equal(cy_age_enc_write(e, pt, 1), CY_ENOSPC);
	assert_int_equal(cy_age_enc_finish(e), CY_ENOSPC);
	cy_age_enc_free(e);
	assert_int_equal(cy_age_enc_new(&e, NULL, 0, buf_write, &ct), CY_EINVALID);
	assert_null(e);
	/* a small-order recipient (all zero) is refused */
	assert_int_equal(cy_age_enc_new(&e, (const uint8_t(*)[32])zero, 1, buf_write, &ct),
			 CY_EINVALID);
	assert_null(e);
	cy_buf_release(&ct);
	free(pt);
}

/* The vector of docs/formats/age.md (made by custody, decrypted by age 1.1.1). */
static void test_age_doc_vector(void **state)
{
	static const char id[] = DOC_IDENTITY;
	uint8_t priv[32], ct[1024];
	long n = tu_unhex(DOC_FILE_HEX, ct, sizeof(ct));
	cy_buf out = CY_BUF_INIT;
	int stage;

	(void)state;
	assert_true(n > 0);
	assert_int_equal(cy_age_identity_parse(id, priv), 0);
	/* the identity's recipient, as documented */
	uint8_t pub[32];
	char rec[CY_AGE_RECIPIENT_MAX];
	assert_int_equal(cy_age_identity_to_recipient(priv, pub), 0);
	assert_int_equal(cy_age_recipient_format(pub, rec), 0);
	assert_string_equal(rec, DOC_RECIPIENT);
	/* the layout: header text, 16-byte nonce, one sealed chunk of 15 + 16 bytes */
	const char *end = strstr((const char *)ct, "\n--- ");
	assert_non_null(end);
	size_t hdr = (size_t)((const uint8_t *)strchr(end + 1, '\n') + 1 - ct);
	assert_int_equal((size_t)n, hdr + 16 + strlen(DOC_PAYLOAD) + 16);
	assert_int_equal(memcmp(ct, "age-encryption.org/v1\n-> X25519 ", 32), 0);
	assert_int_equal(
		decrypt_all((const uint8_t(*)[32])priv, 1, ct, (size_t)n, 100, &out, &stage), 0);
	assert_int_equal(out.len, strlen(DOC_PAYLOAD));
	assert_memory_equal(out.ptr, DOC_PAYLOAD, out.len);
	cy_buf_wipe(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_age_c2sp_vectors),
		cmocka_unit_test(test_age_bech32_bip173),
		cmocka_unit_test(test_age_keys),
		cmocka_unit_test(test_age_signing_key_doc_vector),
		cmocka_unit_test(test_age_key_files),
		cmocka_unit_test(test_age_round_trips),
		cmocka_unit_test(test_age_slow_reader),
		cmocka_unit_test(test_age_truncated),
		cmocka_unit_test(test_age_errors),
		cmocka_unit_test(test_age_doc_vector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
