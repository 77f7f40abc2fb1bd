/* test_ledger_sig.c - the ledger's signed transaction heads and witness
 * cosignatures (C2SP cosignature/v1): the fixed vectors that
 * docs/formats/ledger.md shows (computed independently with Python's
 * cryptography package), round trips, and rejection of damaged input. */
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
#include "ledger/cosig.h"
#include "ledger/note.h"
#include "vault/vault_ledger_sig.h"
#include "testutil.h"

#include "custody/banned.h"

#define EMDASH "\xe2\x80\x94"

/* Head vector: vault id, size 8, the RFC 6962 8-leaf root, seed 32 x 0x02. */
#define HEAD_VAULT "0123456789abcdef0123456789abcdef"
#define HEAD_ROOT "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
#define HEAD_MSG                                                                                   \
	"637573746f64792f6c65646765722d686561642f76310030313233343536373839616263646566303132"     \
	"333435363738396162636465660000000000000000085dc9da79a70659a9ad559cb701ded9a2ab9d823a"     \
	"ad2f4960cfe370eff4604328"
#define HEAD_PUB "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394"
#define HEAD_SIG                                                                                   \
	"c6d4b18f66789f41823e8b2c879a9b226a035c75169e571b9622b536682bc2c9fd38bf2b59ee03ef651da9"   \
	"977d78721a2a9eb5f3ea7498128f2de7e5f1871e06"

/* Cosignature vector: witness.example/w, seed 32 x 0x03, time 1764489600,
 * over the checkpoint note of ledger.md section 7.2. */
#define W_NAME "witness.example/w"
#define W_VKEY "witness.example/w+54610131+BO1JKMYo0cLG6ukDOJBZlWEpWSc6XGP5NjbBRhSshzfR"
#define W_SKEY "PRIVATE+KEY+witness.example/w+54610131+BAMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMD"
#define W_TIME 1764489600
#define CP_BODY "custody.test/ledger\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
#define CP_NOTE                                                                                         \
	CP_BODY "\n" EMDASH " custody.test/ledger "                                                     \
		"ofguHSWZLTcGj7RQBgcXFm34C5kyXiCk0Cg0hAQZ8KhPSAQfMstktbFP9Ga5zGSiUUXv7BJJAMpH2VZ7JUrZi" \
		"yW07wI=\n"
#define W_LINE                                                                                       \
	EMDASH " witness.example/w VGEBMQAAAABpK/mAXcVzi1lwTJSmjHbP9nPSVhC0in9u9EWxCYLdnCcVXH7D3Z5q" \
	       "2rTPzexgiTwJDShtv+N/6ZbXKSmvOUniCEjjDg==\n"

static void unhex(const char *hex, uint8_t *out, size_t n)
{
	assert_int_equal(tu_unhex(hex, out, n), (long)n);
}

static void doc_has(const char *s)
{
	cy_buf doc = CY_BUF_INIT;

	assert_int_equal(tu_read_file(CY_SRCDIR "/docs/formats/ledger.md", &doc), 0);
	if (!strstr(cy_buf_cstr(&doc), s))
		fail_msg("docs/formats/ledger.md does not contain\n%s", s);
	cy_buf_release(&doc);
}

static void test_ledger_sig_head_vector(void **state)
{
	uint8_t seed[32], pub[32], root[32], msg[CY_HEAD_MSG_LEN], want[CY_HEAD_MSG_LEN];
	uint8_t sig[64], wsig[64];
	char hex[2 * CY_HEAD_MSG_LEN + 1];

	(void)state;
	assert_int_equal(CY_HEAD_MSG_LEN, 96);
	memset(seed, 2, 32);
	unhex(HEAD_ROOT, root, 32);
	cy_vault__head_msg(HEAD_VAULT, 8, root, msg);
	unhex(HEAD_MSG, want, sizeof(want));
	assert_memory_equal(msg, want, sizeof(msg));
	assert_int_equal(cy_ed25519_public(seed, pub), 0);
	cy_hex_encode(pub, 32, hex);
	assert_string_equal(hex, HEAD_PUB);
	assert_int_equal(cy_ed25519_sign(seed, msg, sizeof(msg), sig), 0);
	unhex(HEAD_SIG, wsig, 64);
	assert_memory_equal(sig, wsig, 64);
	assert_int_equal(cy_ed25519_verify(pub, msg, sizeof(msg), sig), 0);
	/* another size or root is another message */
	cy_vault__head_msg(HEAD_VAULT, 9, root, msg);
	assert_int_not_equal(cy_ed25519_verify(pub, msg, sizeof(msg), sig), 0);
	root[31] ^= 1;
	cy_vault__head_msg(HEAD_VAULT, 8, root, msg);
	assert_int_not_equal(cy_ed25519_verify(pub, msg, sizeof(msg), sig), 0);
	doc_has(HEAD_MSG);
	doc_has(HEAD_PUB);
	doc_has(HEAD_SIG);
}

static void test_ledger_sig_cosig_vector(void **state)
{
	uint8_t seed[32], pub[32], got_seed[32];
	char name[CY_NOTE_NAME_MAX + 1];
	cy_buf vk = CY_BUF_INIT, sk = CY_BUF_INIT, out = CY_BUF_INIT, again = CY_BUF_INIT;
	cy_note_verifier w, log, other;
	uint64_t t = 0;

	(void)state;
	memset(seed, 3, 32);
	assert_int_equal(cy_ed25519_public(seed, pub), 0);
	assert_int_equal(cy_cosig_vkey(W_NAME, pub, &vk), 0);
	assert_string_equal(cy_buf_cstr(&vk), W_VKEY);
	assert_int_equal(cy_cosig_skey(W_NAME, seed, &sk), 0);
	assert_string_equal(cy_buf_cstr(&sk), W_SKEY "\n");
	assert_int_equal(cy_cosig_skey_parse((char *)sk.ptr, sk.len, name, got_seed), 0);
	assert_string_equal(name, W_NAME);
	assert_memory_equal(got_seed, seed, 32);
	assert_int_equal(cy_cosig_vkey_parse(W_VKEY, strlen(W_VKEY), &w), 0);
	assert_memory_equal(w.pub, pub, 32);
	assert_int_equal(w.key_id, 0x54610131);

	/* the exact cosigned note */
	assert_int_equal(cy_cosig_add(CP_NOTE, strlen(CP_NOTE), W_NAME, seed, W_TIME, &out), 0);
	assert_string_equal(cy_buf_cstr(&out), CP_NOTE W_LINE);
	assert_int_equal(cy_cosig_open((char *)out.ptr, out.len, &w, &t), 0);
	assert_int_equal(t, W_TIME);
	/* the log's own signature still opens, the cosignature ignored by it */
	{
		const char *lk = "custody.test/ledger+a1f82e1d+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/"
				 "N0iAG0D29c";
		assert_int_equal(cy_note_vkey_parse(lk, strlen(lk), &log), 0);
	}
	{
		cy_buf body = CY_BUF_INIT;
		assert_int_equal(cy_note_open((char *)out.ptr, out.len, &log, &body), 0);
		assert_string_equal(cy_buf_cstr(&body), CP_BODY);
		cy_buf_release(&body);
	}
	/* a second cosignature by the same key is refused */
	assert_int_equal(cy_cosig_add((char *)out.ptr, out.len, W_NAME, seed, W_TIME, &again),
			 CY_EEXISTS);
	/* no cosignature by this witness in the bare note */
	assert_int_equal(cy_cosig_open(CP_NOTE, strlen(CP_NOTE), &w, &t), CY_ECORRUPT);
	/* another witness's key */
	memset(seed, 4, 32);
	assert_int_equal(cy_ed25519_public(seed, pub), 0);
	assert_int_equal(cy_note_verifier_init(&other, W_NAME, pub), 0);
	other.key_id = w.key_id; /* same name and id, another key: must fail */
	assert_int_equal(cy_cosig_open((char *)out.ptr, out.len, &other, &t), CY_ECORRUPT);
	/* every byte of the body or of the cosignature flipped fails */
	for (size_t i = 0; i < out.len; i++) {
		cy_buf bad = CY_BUF_INIT;
		size_t line = strlen(CP_NOTE), sigat = line + strlen(EMDASH " " W_NAME " ");
		if (i >= strlen(CP_BODY) && i < sigat)
			continue; /* the log's signature line and the name: not covered */
		if (i == out.len - 1)
			continue;
		cy_buf_put(&bad, out.ptr, out.len);
		bad.ptr[i] ^= 0x01;
		int rc = cy_cosig_open((char *)bad.ptr, bad.len, &w, &t);
		if (rc == 0)
			fail_msg("a flipped byte %zu still verifies", i);
		cy_buf_release(&bad);
	}
	/* malformed keys */
	{
		const char *ed = "a+00000000+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c";
		assert_int_equal(cy_cosig_vkey_parse(ed, strlen(ed), &other), CY_EUNSUPPORTED);
	}
	assert_int_equal(
		cy_cosig_vkey_parse("witness.example/w+54610130+BO1JKMYo0cLG6ukDOJBZlWEpWSc6"
				    "XGP5NjbBRhSshzfR",
				    strlen(W_VKEY), &other),
		CY_EINVALID);
	assert_int_equal(cy_cosig_skey_parse("PRIVATE+KEY+x", 13, name, got_seed), CY_EINVALID);
	doc_has(W_VKEY);
	doc_has(W_SKEY);
	doc_has(W_LINE);
	cy_buf_release(&vk);
	cy_buf_wipe(&sk);
	cy_buf_release(&out);
	cy_buf_release(&again);
}

static void test_ledger_sig_entry_actor(void **state)
{
	char actor[24], action[64];
	const char *e = "{\"seq\":42,\"time\":\"2025-03-01T08:30:00Z\",\"actor\":\"u3\",\"action\":"
			"\"record.read\",\"targets\":[],\"details\":{}}";

	(void)state;
	assert_int_equal(cy_vault__entry_actor(e, strlen(e), actor, action), 0);
	assert_string_equal(actor, "u3");
	assert_string_equal(action, "record.read");
	assert_int_equal(cy_vault__entry_actor(e, 30, actor, action), CY_ECORRUPT);
	assert_int_equal(cy_vault__entry_actor("{\"seq\":1,\"actor\":\"u1\"}", 22, actor, action),
			 CY_ECORRUPT);
	assert_true(cy_vault__role_signs_checkpoints(CY_ROLE_AUDITOR));
	assert_true(cy_vault__role_signs_checkpoints(CY_ROLE_SECADMIN));
	assert_false(cy_vault__role_signs_checkpoints(CY_ROLE_VIEWER));
	assert_false(cy_vault__role_signs_checkpoints(CY_ROLE_ARCHIVIST));
	assert_false(cy_vault__role_signs_checkpoints(CY_ROLE_SYSADMIN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ledger_sig_head_vector),
		cmocka_unit_test(test_ledger_sig_cosig_vector),
		cmocka_unit_test(test_ledger_sig_entry_actor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
