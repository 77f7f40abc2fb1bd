/* test_receipt.c - src/transfer/receipt.c: the vector of
 * docs/formats/receipt.md (the signed message's bytes and an Ed25519
 * signature computed outside custody), the strict parser, and tampering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "custody/buf.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/receipt.h"
#include "custody/sigkey.h"

#include "custody/banned.h"

static void vector(cy_receipt *r, uint8_t seed[32])
{
	memset(r, 0, sizeof(*r));
	memset(seed, 0x42, 32);
	snprintf(r->transfer, sizeof(r->transfer), "%s", "6106779602d813a4850cbd0a3049c404/t1");
	memset(r->tag_manifest, 'a', 64);
	r->records = 4;
	r->subjects = 3;
	r->files = 7;
	r->bytes = 1234;
	snprintf(r->received, sizeof(r->received), "%s", "2026-12-01T06:04:07Z");
	r->ledger_size = 38;
	memset(r->ledger_root, 'b', 64);
}

/* the message and the signature of docs/formats/receipt.md */
#define VECTOR_KEY "custody-sign1y9f035vm0ywjg3fjgts47t4tdjmul7nmdf0dxqyhjc8qdxypmvfq4956xl"
#define VECTOR_MSG                                                                                          \
	"custody-receipt/v1\n{\"counts\":{\"bytes\":1234,\"files\":7,\"records\":4,\"subjects\":3},"        \
	"\"received\":\"2026-12-01T06:04:07Z\",\"receiver_key\":\"" VECTOR_KEY "\","                        \
	"\"sender_ledger\":{\"root\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"," \
	"\"size\":38},\"tag_manifest_sha256\":"                                                             \
	"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","                             \
	"\"transfer\":\"6106779602d813a4850cbd0a3049c404/t1\",\"version\":\"custody-receipt/v1\"}"
#define VECTOR_SIG                                                                                                \
	"67653f5f4c1189ce74aad4b87071bec20dc269af62649ad94b189f05c6f8dd0d9b252fe3407f52e7c307223c4a599283e96e36f" \
	"44278d9afd101b7736ef65601"

static void test_receipt_vector(void **state)
{
	cy_receipt r, p;
	uint8_t seed[32];
	cy_buf file = CY_BUF_INIT, msg = CY_BUF_INIT;
	char sig[129];

	(void)state;
	vector(&r, seed);
	assert_int_equal(cy_receipt_sign(&r, seed, &file), 0);
	assert_int_equal(cy_receipt_message(&r, &msg), 0);
	cy_hex_encode(r.signature, 64, sig);
	assert_string_equal(r.receiver_key, VECTOR_KEY);
	assert_int_equal(msg.len, strlen(VECTOR_MSG));
	assert_memory_equal(msg.ptr, VECTOR_MSG, msg.len);
	assert_string_equal(sig, VECTOR_SIG);
	/* the file parses and verifies to the same receipt */
	assert_int_equal(cy_receipt_parse(file.ptr, file.len, &p), 0);
	assert_string_equal(p.transfer, r.transfer);
	assert_int_equal(p.records, 4);
	assert_int_equal(p.ledger_size, 38);
	assert_memory_equal(p.signature, r.signature, 64);
	cy_buf_release(&file);
	cy_buf_release(&msg);
}

/* one change to the signed file: a count, a digest, the key, a member */
static int parse_edit(const char *from, const char *to)
{
	cy_receipt r;
	uint8_t seed[32];
	cy_buf file = CY_BUF_INIT, edited = CY_BUF_INIT;
	const char *s, *at;
	int rc;

	vector(&r, seed);
	assert_int_equal(cy_receipt_sign(&r, seed, &file), 0);
	assert_int_equal(cy_buf_putc(&file, 0), 0);
	s = (const char *)file.ptr;
	at = strstr(s, from);
	assert_non_null(at);
	cy_buf_put(&edited, s, (size_t)(at - s));
	cy_buf_puts(&edited, to);
	cy_buf_puts(&edited, at + strlen(from));
	rc = cy_receipt_parse(edited.ptr, edited.len, &r);
	cy_buf_release(&file);
	cy_buf_release(&edited);
	return rc;
}

static void test_receipt_tampered(void **state)
{
	(void)state;
	assert_int_equal(parse_edit("\"records\": 4", "\"records\": 5"), CY_ECORRUPT);
	assert_int_equal(parse_edit("\"size\": 38", "\"size\": 37"), CY_ECORRUPT);
	assert_int_equal(parse_edit("aaaa", "aaab"), CY_ECORRUPT);
	assert_int_equal(parse_edit("2026-12-01", "2026-12-02"), CY_ECORRUPT);
	/* strict: an extra member, a missing one, a wrong type, not JSON */
	assert_int_equal(parse_edit("\"records\": 4", "\"records\": 4, \"x\": 1"), CY_EINVALID);
	assert_int_equal(parse_edit("\"records\": 4,", ""), CY_EINVALID);
	assert_int_equal(parse_edit("\"records\": 4", "\"records\": \"4\""), CY_EINVALID);
	assert_int_equal(parse_edit("{", "["), CY_EINVALID);
	assert_int_equal(parse_edit("custody-receipt/v1", "custody-receipt/v2"), CY_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_receipt_vector),
		cmocka_unit_test(test_receipt_tampered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
