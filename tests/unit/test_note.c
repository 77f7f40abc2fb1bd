/* test_note.c - C2SP signed notes and tlog checkpoints: external vectors
 * (golang.org/x/mod/sumdb/note's PeterNeumann and EnochRoot, the C2SP
 * signed-note and tlog-checkpoint examples), custody's fixed-seed vector that
 * docs/formats/ledger.md shows, and rejection of malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "custody/buf.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "ledger/note.h"
#include "testutil.h"

#include "custody/banned.h"

/* U+2014 EM DASH; kept as its own literal so a following hex letter is not
 * read as part of the escape. */
#define EMDASH "\xe2\x80\x94"

/* golang.org/x/mod/sumdb/note, note_test.go and example_test.go.  The seed
 * is the tail of the Go signer key
 * PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz
 * (base64 of 0x01 || seed). */
#define PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define PETER_SEED "810a1402d5146c8d84f2443330f54080ebf98ee17d9c74f6252fc5d5c7283173"
#define ENOCH_VKEY "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define GO_TEXT                                                                                    \
	"If you think cryptography is the answer to your problem,\n"                               \
	"then you don't know what your problem is.\n"
#define PETER_SIG                                                                                  \
	EMDASH " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2p"         \
	       "ZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define ENOCH_SIG                                                                                  \
	EMDASH " EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGr"           \
	       "Q5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

/* C2SP signed-note: the example key and its note. */
#define SPEC_VKEY "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
#define SPEC_NOTE                                                                                  \
	"This is an example message.\n\n" EMDASH                                                   \
	" example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6T"                                      \
	"fXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"

/* custody's vector (docs/formats/ledger.md): Ed25519 seed of 32 bytes 0x01,
 * key name and origin custody.test/ledger, the RFC 6962 8-leaf tree. */
#define FIX_NAME "custody.test/ledger"
#define FIX_PUB "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"
#define FIX_ROOT "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
#define FIX_VKEY "custody.test/ledger+a1f82e1d+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c"
#define FIX_BODY "custody.test/ledger\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
#define FIX_SIG_HEAD                                                                               \
	"ofguHSWZLTcGj7RQBgcXFm34C5kyXiCk0Cg0hAQZ8KhPSAQfMstktbFP9Ga5zGSiUUXv7BJJAMpH2VZ7JUrZiyW07w"
/* A signature line of custody.test/ledger whose base64 ends in tail; "I=" is the real one. */
#define FIX_SIG(tail) EMDASH " custody.test/ledger " FIX_SIG_HEAD tail "\n"
#define FIX_NOTE FIX_BODY "\n" FIX_SIG("I=")

static void unhex(const char *hex, uint8_t *out, size_t n)
{
	assert_int_equal(tu_unhex(hex, out, n), (long)n);
}

static void vkey(const char *s, cy_note_verifier *v)
{
	if (cy_note_vkey_parse(s, strlen(s), v))
		fail_msg("vkey %s: %s", s, cy_error_message());
}

/* Open a NUL-terminated note; on success check the body. */
static int open_note(const char *note, const cy_note_verifier *v, const char *want_body)
{
	cy_buf body = CY_BUF_INIT;
	int rc = cy_note_open(note, strlen(note), v, &body);

	if (rc == 0 && want_body) {
		assert_int_equal(body.len, strlen(want_body));
		assert_memory_equal(body.ptr, want_body, body.len);
	}
	if (rc)
		assert_int_equal(body.len, 0);
	cy_buf_release(&body);
	return rc;
}

static void expect_open(const char *note, const cy_note_verifier *v, int want)
{
	int rc = open_note(note, v, NULL);

	if (rc != want)
		fail_msg("note open: rc %d (%s), expected %d\n---\n%s---", rc, cy_error_message(),
			 want, note);
}

static void test_note_vkey_format(void **state)
{
	uint8_t pub[32], seed[32];
	cy_note_verifier v, w;
	cy_buf s = CY_BUF_INIT;

	(void)state;
	/* ours: format and parse */
	unhex(FIX_PUB, pub, 32);
	memset(seed, 0x01, 32);
	{
		uint8_t derived[32];

		assert_int_equal(cy_ed25519_public(seed, derived), 0);
		assert_memory_equal(derived, pub, 32);
	}
	assert_int_equal(cy_note_vkey(FIX_NAME, pub, &s), 0);
	assert_string_equal(cy_buf_cstr(&s), FIX_VKEY);
	vkey(FIX_VKEY, &v);
	assert_string_equal(v.name, FIX_NAME);
	assert_int_equal(v.key_id, 0xa1f82e1d);
	assert_memory_equal(v.pub, pub, 32);
	assert_int_equal(cy_note_verifier_init(&w, FIX_NAME, pub), 0);
	assert_memory_equal(&v, &w, sizeof(v));

	/* Go's PeterNeumann key: parse, and rebuild it from the seed */
	vkey(PETER_VKEY, &v);
	assert_string_equal(v.name, "PeterNeumann");
	assert_int_equal(v.key_id, 0xc74f20a3);
	unhex(PETER_SEED, seed, 32);
	assert_int_equal(cy_ed25519_public(seed, pub), 0);
	assert_memory_equal(v.pub, pub, 32);
	cy_buf_clear(&s);
	assert_int_equal(cy_note_vkey("PeterNeumann", pub, &s), 0);
	assert_string_equal(cy_buf_cstr(&s), PETER_VKEY);

	vkey(ENOCH_VKEY, &v);
	assert_int_equal(v.key_id, 0xaf0cfe78);
	vkey(SPEC_VKEY, &v);
	assert_int_equal(v.key_id, 0x530d903a);
	/* transparency-dev/formats: a key whose base64 contains '+' */
	vkey("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6", &v);
	assert_string_equal(v.name, "TEST");

	/* the vkey is appended to what the buffer holds */
	cy_buf_clear(&s);
	cy_buf_puts(&s, "key: ");
	assert_int_equal(cy_note_vkey(FIX_NAME, w.pub, &s), 0);
	assert_string_equal(cy_buf_cstr(&s), "key: " FIX_VKEY);
	cy_buf_release(&s);
}

static void expect_vkey_bad(const char *s, size_t n, int want)
{
	cy_note_verifier v;
	int rc;

	memset(&v, 0x5a, sizeof(v));
	rc = cy_note_vkey_parse(s, n, &v);
	if (rc != want)
		fail_msg("vkey '%.*s': rc %d, expected %d", (int)n, s, rc, want);
	assert_true(strlen(cy_error_message()) > 0);
	assert_int_equal(((uint8_t *)&v)[0], 0x5a); /* untouched */
}

static void test_note_vkey_reject(void **state)
{
	const char *k = PETER_VKEY;
	size_t n = strlen(k);
	char b[128];
	uint8_t pub[32];
	cy_buf s = CY_BUF_INIT;

	(void)state;
	/* every proper substring and every byte changed (as Go's TestNewVerifier) */
	for (size_t i = 0; i <= n; i++) {
		for (size_t j = i + 1; j <= n; j++) {
			cy_note_verifier v;

			if (i == 0 && j == n)
				continue;
			assert_int_not_equal(cy_note_vkey_parse(k + i, j - i, &v), 0);
		}
	}
	for (size_t i = 0; i < n; i++) {
		cy_note_verifier v;

		memcpy(b, k, n);
		b[i]++;
		assert_int_not_equal(cy_note_vkey_parse(b, n, &v), 0);
	}
	expect_vkey_bad("", 0, CY_EINVALID);
	expect_vkey_bad("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", n,
			CY_EINVALID); /* upper-case key id */
	expect_vkey_bad(PETER_VKEY "\n", n + 1, CY_EINVALID);
	expect_vkey_bad(" " PETER_VKEY, n + 1, CY_EINVALID);
	expect_vkey_bad("PeterNeumann+c74f20a3+", 22, CY_EINVALID);
	expect_vkey_bad("PeterNeumann+c74f20a3", 21, CY_EINVALID);
	expect_vkey_bad("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", n - 12,
			CY_EINVALID);
	/* type 0x02 key: well-formed but not ours */
	expect_vkey_bad("PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", n,
			CY_EUNSUPPORTED);
	/* a NUL inside the given length */
	memcpy(b, k, n);
	b[3] = 0;
	expect_vkey_bad(b, n, CY_EINVALID);

	/* names we refuse to make keys for */
	memset(pub, 7, 32);
	assert_int_equal(cy_note_vkey("", pub, &s), CY_EINVALID);
	assert_int_equal(cy_note_vkey("a b", pub, &s), CY_EINVALID);
	assert_int_equal(cy_note_vkey("a+b", pub, &s), CY_EINVALID);
	assert_int_equal(cy_note_vkey("a\xc2\xa0"
				      "b",
				      pub, &s),
			 CY_EINVALID); /* NBSP */
	assert_int_equal(cy_note_vkey("a\xe3\x80\x80"
				      "b",
				      pub, &s),
			 CY_EINVALID); /* U+3000 */
	assert_int_equal(cy_note_vkey("a\tb", pub, &s), CY_EINVALID);
	assert_int_equal(cy_note_vkey("\xff", pub, &s), CY_EINVALID);
	{
		char longname[CY_NOTE_NAME_MAX + 2];

		memset(longname, 'a', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = 0;
		assert_int_equal(cy_note_vkey(longname, pub, &s), CY_EINVALID);
		longname[CY_NOTE_NAME_MAX] = 0;
		assert_int_equal(cy_note_vkey(longname, pub, &s), 0);
	}
	assert_int_equal(cy_note_vkey("\xe6\xa1\xa3\xe6\xa1\x88/ledger", pub, &s), 0); /* 档案 */
	cy_buf_release(&s);
}

static void test_note_go_vector(void **state)
{
	uint8_t seed[32];
	cy_note_verifier peter, enoch;
	cy_buf note = CY_BUF_INIT;

	(void)state;
	unhex(PETER_SEED, seed, 32);
	vkey(PETER_VKEY, &peter);
	vkey(ENOCH_VKEY, &enoch);
	/* Ed25519 is deterministic: our note is byte for byte Go's */
	assert_int_equal(cy_note_sign(GO_TEXT, strlen(GO_TEXT), "PeterNeumann", seed, &note), 0);
	assert_string_equal(cy_buf_cstr(&note), GO_TEXT "\n" PETER_SIG);
	assert_int_equal(open_note(GO_TEXT "\n" PETER_SIG, &peter, GO_TEXT), 0);
	/* two signatures: each verifier finds its own and ignores the other */
	assert_int_equal(open_note(GO_TEXT "\n" PETER_SIG ENOCH_SIG, &peter, GO_TEXT), 0);
	assert_int_equal(open_note(GO_TEXT "\n" PETER_SIG ENOCH_SIG, &enoch, GO_TEXT), 0);
	assert_int_equal(open_note(GO_TEXT "\n" ENOCH_SIG PETER_SIG, &peter, GO_TEXT), 0);
	expect_open(GO_TEXT "\n" ENOCH_SIG, &peter, CY_ECORRUPT);
	cy_buf_release(&note);
}

static void test_note_spec_example(void **state)
{
	cy_note_verifier v;

	(void)state;
	vkey(SPEC_VKEY, &v);
	assert_int_equal(open_note(SPEC_NOTE, &v, "This is an example message.\n"), 0);
}

static void test_note_fixed_vector(void **state)
{
	uint8_t seed[32], root[32];
	cy_checkpoint cp, back;
	cy_buf body = CY_BUF_INIT, note = CY_BUF_INIT, doc = CY_BUF_INIT, b64 = CY_BUF_INIT;
	cy_note_verifier v;

	(void)state;
	memset(seed, 0x01, 32);
	unhex(FIX_ROOT, root, 32);
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "%s", FIX_NAME);
	cp.size = 8;
	memcpy(cp.root, root, 32);
	assert_int_equal(cy_checkpoint_format(&cp, &body), 0);
	assert_string_equal(cy_buf_cstr(&body), FIX_BODY);
	assert_int_equal(cy_note_sign((char *)body.ptr, body.len, FIX_NAME, seed, &note), 0);
	assert_string_equal(cy_buf_cstr(&note), FIX_NOTE);

	vkey(FIX_VKEY, &v);
	cy_buf_clear(&body);
	assert_int_equal(cy_note_open((char *)note.ptr, note.len, &v, &body), 0);
	assert_int_equal(cy_checkpoint_parse((char *)body.ptr, body.len, &back), 0);
	assert_memory_equal(&back, &cp, sizeof(cp));

	/* docs/formats/ledger.md shows exactly this vector */
	assert_int_equal(tu_read_file(CY_SRCDIR "/docs/formats/ledger.md", &doc), 0);
	if (!strstr(cy_buf_cstr(&doc), FIX_NOTE))
		fail_msg("docs/formats/ledger.md does not contain the note\n%s", FIX_NOTE);
	assert_non_null(strstr(cy_buf_cstr(&doc), FIX_VKEY));
	assert_non_null(strstr(cy_buf_cstr(&doc), FIX_PUB));
	assert_non_null(strstr(cy_buf_cstr(&doc), FIX_ROOT));
	assert_int_equal(cy_base64_encode(root, 32, &b64), 0);
	assert_non_null(strstr(cy_buf_cstr(&doc), cy_buf_cstr(&b64)));
	cy_buf_release(&b64);
	cy_buf_release(&doc);
	cy_buf_release(&body);
	cy_buf_release(&note);
}

static void test_note_roundtrip(void **state)
{
	static const char *bodies[] = {
		"a\n",
		("custody/0123456789abcdef0123456789abcdef\n0\n"
		 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"),
		"line one\n\nline three after an empty line\n",
		"\xe5\x85\xa8\xe5\xae\x97 DA/T 22\n\xf0\x9f\x93\x81\n",
		" leading space and trailing space \n",
	};
	uint8_t seed[32], pub[32];
	cy_note_verifier v, other;

	(void)state;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(i * 13 + 5);
	assert_int_equal(cy_ed25519_public(seed, pub), 0);
	assert_int_equal(cy_note_verifier_init(&v, "custody/0123456789abcdef0123456789abcdef", pub),
			 0);
	/* same name, another key: a different key id, so its signature is unknown */
	pub[0] ^= 1;
	assert_int_equal(cy_note_verifier_init(&other, v.name, pub), 0);
	assert_int_not_equal(other.key_id, v.key_id);
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		cy_buf note = CY_BUF_INIT, body = CY_BUF_INIT;

		cy_buf_puts(&note, "prefix kept|");
		assert_int_equal(cy_note_sign(bodies[i], strlen(bodies[i]), v.name, seed, &note),
				 0);
		assert_memory_equal(note.ptr, "prefix kept|", 12);
		assert_int_equal(cy_note_open((char *)note.ptr + 12, note.len - 12, &v, &body), 0);
		assert_string_equal(cy_buf_cstr(&body), bodies[i]);
		assert_int_equal(open_note((char *)note.ptr + 12, &other, NULL), CY_ECORRUPT);
		cy_buf_release(&note);
		cy_buf_release(&body);
	}
}

static void test_note_sign_reject(void **state)
{
	static const char *bad[] = {
		"",
		"no newline",
		"\n",
		"ends in an empty line\n\n",
		"crlf\r\n",
		"tab\there\n",
		"nul\0x\n",
		"bad utf-8 \xc3\x28\n",
		"overlong \xc0\xaf\n",
	};
	static const size_t badlen[] = {0, 10, 1, 23, 6, 9, 6, 13, 12};
	uint8_t seed[32];
	cy_buf out = CY_BUF_INIT;

	(void)state;
	memset(seed, 0x01, 32);
	cy_buf_puts(&out, "keep");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cy_note_sign(bad[i], badlen[i], FIX_NAME, seed, &out) != CY_EINVALID)
			fail_msg("signed bad body %zu", i);
		assert_string_equal(cy_buf_cstr(&out), "keep");
	}
	assert_int_equal(cy_note_sign("ok\n", 3, "bad name", seed, &out), CY_EINVALID);
	assert_int_equal(cy_note_sign("ok\n", 3, "bad+name", seed, &out), CY_EINVALID);
	assert_int_equal(cy_note_sign("ok\n", 3, "", seed, &out), CY_EINVALID);
	assert_string_equal(cy_buf_cstr(&out), "keep");
	cy_buf_release(&out);
}

/* Every note built below is our fixed vector with one thing wrong. */
static void test_note_open_reject(void **state)
{
	cy_note_verifier v, forged;
	cy_buf b = CY_BUF_INIT;
	char *note;
	size_t n = strlen(FIX_NOTE);

	(void)state;
	vkey(FIX_VKEY, &v);
	expect_open(FIX_NOTE, &v, 0);

	/* altered body */
	expect_open(
		"custody.test/ledger\n9\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n" FIX_SIG(
			"I="),
		&v, CY_ECORRUPT);
	/* altered signature (key id intact) */
	expect_open(FIX_BODY "\n" FIX_SIG("A="), &v, CY_ECORRUPT);
	/* wrong key: a verifier of another key under the same name is not matched */
	{
		uint8_t pub[32];

		memset(pub, 9, 32);
		assert_int_equal(cy_note_verifier_init(&forged, FIX_NAME, pub), 0);
		expect_open(FIX_NOTE, &forged, CY_ECORRUPT);
		/* and a key that collides on name and id must verify, and does not */
		forged.key_id = v.key_id;
		expect_open(FIX_NOTE, &forged, CY_ECORRUPT);
	}
	/* missing blank line, two blank lines, blank line only, no signatures */
	expect_open(FIX_BODY FIX_SIG("I="), &v, CY_EINVALID);
	expect_open(FIX_BODY "\n\n" FIX_SIG("I="), &v, CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "more than one blank line"));
	expect_open("\n\n" FIX_SIG("I="), &v, CY_EINVALID);
	expect_open(FIX_BODY "\n", &v, CY_EINVALID);
	expect_open(FIX_BODY, &v, CY_EINVALID);
	expect_open("", &v, CY_EINVALID);
	/* no final newline; something after the signatures */
	expect_open(FIX_BODY "\n" EMDASH " custody.test/ledger " FIX_SIG_HEAD "I=", &v,
		    CY_EINVALID);
	expect_open(FIX_NOTE "\n", &v, CY_EINVALID);
	expect_open(FIX_NOTE "trailing\n", &v, CY_EINVALID);

	/* CRLF line endings */
	cy_buf_clear(&b);
	for (size_t i = 0; i < n; i++) {
		if (FIX_NOTE[i] == '\n')
			cy_buf_putc(&b, '\r');
		cy_buf_putc(&b, FIX_NOTE[i]);
	}
	expect_open(cy_buf_cstr(&b), &v, CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "carriage return"));

	/* bad base64: a stray character, no padding, non-canonical final bits,
	 * empty, two spaces before it, too short */
	expect_open(FIX_BODY "\n" FIX_SIG("*="), &v, CY_EINVALID);
	expect_open(FIX_BODY "\n" FIX_SIG("I"), &v, CY_EINVALID);
	expect_open(FIX_BODY "\n" FIX_SIG("J="), &v, CY_EINVALID);
	expect_open(FIX_BODY "\n" EMDASH " custody.test/ledger \n", &v, CY_EINVALID);
	expect_open(FIX_BODY "\n" EMDASH " custody.test/ledger  " FIX_SIG_HEAD "I=\n", &v,
		    CY_EINVALID);
	expect_open(FIX_BODY "\n" EMDASH " custody.test/ledger AAAA\n", &v, CY_EINVALID);
	/* our name and key id with a signature of the wrong length */
	expect_open(FIX_BODY "\n" EMDASH " custody.test/ledger ofguHQAA\n", &v, CY_ECORRUPT);
	/* duplicate signature lines by our key, even if one of them is good */
	expect_open(FIX_NOTE FIX_SIG("I="), &v, CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "two signatures"));
	expect_open(FIX_NOTE FIX_SIG("A="), &v, CY_EINVALID);

	/* malformed signature lines, even by unknown keys */
	expect_open(FIX_NOTE "- other AAAAAAA=\n", &v, CY_EINVALID);
	expect_open(FIX_NOTE EMDASH "other AAAAAAA=\n", &v, CY_EINVALID);
	expect_open(FIX_NOTE EMDASH " other+x AAAAAAA=\n", &v, CY_EINVALID);
	expect_open(FIX_NOTE EMDASH " \xc2\xa0other AAAAAAA=\n", &v, CY_EINVALID);
	expect_open(FIX_NOTE EMDASH "  AAAAAAA=\n", &v, CY_EINVALID);
	expect_open(FIX_NOTE EMDASH " nospace\n", &v, CY_EINVALID);
	/* unknown keys, well-formed: ignored, including a long name */
	expect_open(FIX_NOTE EMDASH " other AAAAAAA=\n", &v, 0);
	expect_open(EMDASH " other AAAAAAA=\n", &v, CY_EINVALID);
	{
		cy_buf_clear(&b);
		cy_buf_puts(&b, FIX_NOTE EMDASH " ");
		for (int i = 0; i < 300; i++)
			cy_buf_putc(&b, 'n');
		cy_buf_puts(&b, " AAAAAAA=\n");
		expect_open(cy_buf_cstr(&b), &v, 0);
	}
	/* our key id under another name, our name under another key id: unknown */
	expect_open(FIX_BODY "\n" EMDASH " custody.test/ledger2 " FIX_SIG_HEAD "I=\n", &v,
		    CY_ECORRUPT);
	assert_non_null(strstr(cy_error_message(), "not signed"));
	expect_open(FIX_BODY "\n" EMDASH " custody.test/ledger AAAAAAA=\n", &v, CY_ECORRUPT);
	assert_non_null(strstr(cy_error_message(), "not signed"));

	/* not UTF-8, control characters */
	expect_open(FIX_NOTE EMDASH " \xff AAAAAAA=\n", &v, CY_EINVALID);
	expect_open("custody.test/ledger\x01\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
		    "\n" FIX_SIG("I="),
		    &v, CY_EINVALID);
	note = malloc(n);
	assert_non_null(note);
	memcpy(note, FIX_NOTE, n);
	note[3] = 0;
	assert_int_equal(cy_note_open(note, n, &v, &b), CY_EINVALID);

	/* 100 signature lines are fine, 101 are not */
	cy_buf_clear(&b);
	cy_buf_puts(&b, FIX_NOTE);
	for (int i = 0; i < 99; i++)
		cy_buf_puts(&b, EMDASH " other AAAAAAA=\n");
	expect_open(cy_buf_cstr(&b), &v, 0);
	cy_buf_puts(&b, EMDASH " other AAAAAAA=\n");
	expect_open(cy_buf_cstr(&b), &v, CY_EINVALID);

	/* every single changed byte and every truncation fails */
	for (size_t i = 0; i < n; i++) {
		cy_buf out = CY_BUF_INIT;

		memcpy(note, FIX_NOTE, n);
		note[i] ^= 0x01;
		assert_int_not_equal(cy_note_open(note, n, &v, &out), 0);
		assert_int_not_equal(cy_note_open(FIX_NOTE, i, &v, &out), 0);
		assert_int_equal(out.len, 0);
	}
	free(note);
	cy_buf_release(&b);
}

static void expect_cp(const char *body, int want, const char *msg_part)
{
	cy_checkpoint cp;
	int rc;

	memset(&cp, 0x5a, sizeof(cp));
	rc = cy_checkpoint_parse(body, strlen(body), &cp);
	if (rc != want)
		fail_msg("checkpoint: rc %d (%s), expected %d\n---\n%s---", rc, cy_error_message(),
			 want, body);
	if (rc && msg_part && !strstr(cy_error_message(), msg_part))
		fail_msg("checkpoint error '%s' does not mention '%s'", cy_error_message(),
			 msg_part);
	if (rc)
		assert_int_equal(((uint8_t *)&cp)[0], 0x5a);
}

#define ROOT_B64 "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="

static void test_checkpoint(void **state)
{
	cy_checkpoint cp;
	cy_buf b = CY_BUF_INIT;
	const char *ex = "example.com/behind-the-sofa\n20852163\n"
			 "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

	(void)state;
	/* the C2SP tlog-checkpoint example */
	assert_int_equal(cy_checkpoint_parse(ex, strlen(ex), &cp), 0);
	assert_string_equal(cp.origin, "example.com/behind-the-sofa");
	assert_int_equal(cp.size, 20852163);
	assert_int_equal(cy_checkpoint_format(&cp, &b), 0);
	assert_string_equal(cy_buf_cstr(&b), ex);

	expect_cp("o\n0\n" ROOT_B64 "\n", 0, NULL);
	expect_cp("o\n18446744073709551615\n" ROOT_B64 "\n", 0, NULL);
	expect_cp("o\n8\n" ROOT_B64 "\next one\n\xe6\x89\xa9\xe5\xb1\x95\n", 0, NULL);
	expect_cp("o w+x\n8\n" ROOT_B64 "\n", 0, NULL); /* origin format is only a SHOULD */

	expect_cp("", CY_EINVALID, "empty");
	expect_cp("\n8\n" ROOT_B64 "\n", CY_EINVALID, "origin");
	expect_cp("o\n", CY_EINVALID, "size");
	expect_cp("o\n8\n", CY_EINVALID, "root");
	expect_cp("o\n8\n" ROOT_B64, CY_EINVALID, "newline");
	expect_cp("o\n08\n" ROOT_B64 "\n", CY_EINVALID, "leading zero");
	expect_cp("o\n00\n" ROOT_B64 "\n", CY_EINVALID, "leading zero");
	expect_cp("o\n\n" ROOT_B64 "\n", CY_EINVALID, "size");
	expect_cp("o\n+8\n" ROOT_B64 "\n", CY_EINVALID, "decimal");
	expect_cp("o\n-1\n" ROOT_B64 "\n", CY_EINVALID, "decimal");
	expect_cp("o\n8 \n" ROOT_B64 "\n", CY_EINVALID, "decimal");
	expect_cp("o\n 8\n" ROOT_B64 "\n", CY_EINVALID, "decimal");
	expect_cp("o\n0x8\n" ROOT_B64 "\n", CY_EINVALID, "decimal");
	expect_cp("o\n\xd9\xa8\n" ROOT_B64 "\n", CY_EINVALID, "decimal"); /* Arabic-Indic 8 */
	expect_cp("o\n18446744073709551616\n" ROOT_B64 "\n", CY_EINVALID, "64 bits");
	expect_cp("o\n99999999999999999999999\n" ROOT_B64 "\n", CY_EINVALID, "64 bits");
	/* root of 31 and 33 bytes, not base64, unpadded, with a space */
	expect_cp("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQw==\n", CY_EINVALID, "32 bytes");
	expect_cp("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyiq\n", CY_EINVALID, "32 bytes");
	expect_cp("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg*\n", CY_EINVALID, "root");
	expect_cp("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\n", CY_EINVALID, "root");
	expect_cp("o\n8\n" ROOT_B64 " \n", CY_EINVALID, "root");
	expect_cp("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=\n", CY_EINVALID, "root");
	expect_cp("o\n8\n\n", CY_EINVALID, "root");
	/* empty extension lines, CRLF, control characters, bad UTF-8 */
	expect_cp("o\n8\n" ROOT_B64 "\n\n", CY_EINVALID, "extension line 4");
	expect_cp("o\n8\n" ROOT_B64 "\next\n\n", CY_EINVALID, "extension line 5");
	expect_cp("o\r\n8\r\n" ROOT_B64 "\r\n", CY_EINVALID, "carriage return");
	expect_cp("o\t\n8\n" ROOT_B64 "\n", CY_EINVALID, "control");
	expect_cp("o\xff\n8\n" ROOT_B64 "\n", CY_EINVALID, "UTF-8");
	{
		cy_buf_clear(&b);
		for (int i = 0; i < CY_NOTE_NAME_MAX; i++)
			cy_buf_putc(&b, 'o');
		cy_buf_puts(&b, "\n8\n" ROOT_B64 "\n");
		expect_cp(cy_buf_cstr(&b), 0, NULL);
		cy_buf_clear(&b);
		for (int i = 0; i <= CY_NOTE_NAME_MAX; i++)
			cy_buf_putc(&b, 'o');
		cy_buf_puts(&b, "\n8\n" ROOT_B64 "\n");
		expect_cp(cy_buf_cstr(&b), CY_EINVALID, "origin");
	}

	/* format refuses what parse would refuse */
	memset(&cp, 0, sizeof(cp));
	cy_buf_clear(&b);
	assert_int_equal(cy_checkpoint_format(&cp, &b), CY_EINVALID);
	snprintf(cp.origin, sizeof(cp.origin), "a\nb");
	assert_int_equal(cy_checkpoint_format(&cp, &b), CY_EINVALID);
	snprintf(cp.origin, sizeof(cp.origin), "a\rb");
	assert_int_equal(cy_checkpoint_format(&cp, &b), CY_EINVALID);
	memset(cp.origin, 'a', sizeof(cp.origin));
	assert_int_equal(cy_checkpoint_format(&cp, &b), CY_EINVALID);
	assert_int_equal(b.len, 0);
	memset(&cp, 0, sizeof(cp));
	snprintf(cp.origin, sizeof(cp.origin), "custody/0123456789abcdef0123456789abcdef");
	cp.size = UINT64_MAX;
	assert_int_equal(cy_checkpoint_format(&cp, &b), 0);
	{
		cy_checkpoint back;

		assert_int_equal(cy_checkpoint_parse((char *)b.ptr, b.len, &back), 0);
		assert_memory_equal(&back, &cp, sizeof(cp));
	}
	cy_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_note_vkey_format),  cmocka_unit_test(test_note_vkey_reject),
		cmocka_unit_test(test_note_go_vector),	  cmocka_unit_test(test_note_spec_example),
		cmocka_unit_test(test_note_fixed_vector), cmocka_unit_test(test_note_roundtrip),
		cmocka_unit_test(test_note_sign_reject),  cmocka_unit_test(test_note_open_reject),
		cmocka_unit_test(test_checkpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
