/* test_subject.c - subjects: the vectors of docs/formats/subject.md byte for
 * byte; a wrong fonds key, a moved wkey and a flipped bit fail authentication;
 * blind indexes equal for equivalent spellings and different across fonds;
 * add/show/list/find through the vault with its roles; a catalog edited with
 * SQL (an index row pointed elsewhere, numbers swapped, kind changed) is
 * refused; the ledger holds ids, never names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalog/catalog_sql.h"
#include "catalog/catalog_subjects.h"
#include "custody/buf.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "base/fsutil.h"
#include "custody/normalize.h"
#include "custody/subject.h"
#include "custody/custody.h"
#include "testutil.h"
#include "vault/vault_subjects.h"

#include "custody/banned.h"

#define SUBJECT_MD CY_SRCDIR "/docs/formats/subject.md"
#define PW "correct horse"
#define PW2 "battery staple"

/* ---- the vectors ---- */

static const char *V_VAULT = "00112233445566778899aabbccddeeff";
static const char *V_WRAPKEY = "37810a740b21c33a2f76bfdd817d7e5a741ec39db28f5d46c42dca10394289db";
static const char *V_INDEXKEY = "27f831a7b89529afd00697640d14b7faef4648f7ca79a71f56d5ec38932d680e";
static const char *V_WKEY =
	"101112131415161718191a1bfd170064d8bad9bff46fbefae24542ccd819a2c8609bdda4da05ea8d53dac5e54a"
	"90be7d26592319cde906d4acb70870";
static const char *V_JSON =
	"{\"kind\":\"person\",\"name\":\"张伟明\",\"id_type\":\"resident-id\",\"id_number\":"
	"\"11010519491231002X\",\"address\":\"福州市鼓楼区五一北路1号\",\"phones\":[\"+86 "
	"139-1234-5678\"],\"emails\":[\"Zhang.WeiMing@Example.CN\"],\"accounts\":[\"6222 0202 0000 "
	"1234\"],\"fields\":{\"crm_id\":\"C-88\"}}";
static const char *V_FIELDS =
	"202122232425262728292a2b68dc95ff60864a84ab28e22bcbd618676992f51686e87c5c96ebc7c027400ac03e"
	"dcdaf75a2516c67783ceefb9be9f873cc03c31b7c93dbab0d5df2c7bea60f689d03621c50826fcb5792e728a9fb"
	"d3f807462c190ba8c0cd12d76aaf5645f3c13d4d2835ec4a50ac3d6aab83bcfa644a90d1e78fc1f05e1216157d2"
	"b2134085318ae77df5285c5077b1abb2c96aed31b9508bfa3051edd9db56d535e7b89ae0887d6b4bed29fec6f71"
	"a0639eedacc56407febb400a17257044c1ab31661e4c1aa08874f7b2ad890bdd276e7a349c23be9bb38efd57932"
	"09bb9c0d2baa7cec18e106e30cc1d2735ace2c8bb4422baaa1d59a213db89610b39d96afbda802f08d4563d2740"
	"15ed80657bf380303210995c2cd5e23e15bebfec6448cbba8746c";

static const struct {
	cy_norm_field f;
	const char *raw, *hash;
} V_INDEX[] = {
	{CY_NORM_NAME, "张 伟明",
	 "99a4395d757fac62e71c2235c02c6bd66d9c207cbefb72b51746737a618f309b"},
	{CY_NORM_ID_NUMBER, "11010519491231002x",
	 "1de8768106f05aaad26909ffae1d483bea10ade145f22b173e940fc677254c7a"},
	{CY_NORM_PHONE, "+86 139-1234-5678",
	 "311325615cbe5df802d977cd9ac6acaab7fc5e119d23ed76b5feda9dfc44b52f"},
	{CY_NORM_EMAIL, " Zhang.WeiMing@Example.CN ",
	 "1d82a84024d9907499c8a5652ae2847b77316fd0f74fc4b0363852d39d151de1"},
	{CY_NORM_ACCOUNT, "6222 0202 0000 1234",
	 "a1b1c56f6da45dda35b008dfbd422995c42f1cfd70ab26588efecc418ba07755"},
};
static const char *V_PHONE_OTHER_FONDS =
	"d13e10d815cdd3f117d020003472e94687b70afa3e80ba42db4809a4d503e247";

static uint8_t fkey[32], fkey2[32], uid[16], skey[32], n1[12], n2[12];

static void vector_inputs(void)
{
	for (int i = 0; i < 32; i++) {
		fkey[i] = (uint8_t)i;
		fkey2[i] = (uint8_t)(i + 1);
		skey[i] = (uint8_t)(0x40 + i);
	}
	for (int i = 0; i < 16; i++)
		uid[i] = (uint8_t)(0xa0 + i);
	for (int i = 0; i < 12; i++) {
		n1[i] = (uint8_t)(0x10 + i);
		n2[i] = (uint8_t)(0x20 + i);
	}
}

static const char *PHONES[] = {"+86 139-1234-5678"};
static const char *EMAILS[] = {"Zhang.WeiMing@Example.CN"};
static const char *ACCOUNTS[] = {"6222 0202 0000 1234"};
static const cy_subject_kv EXTRA[] = {{"crm_id", "C-88"}};

static cy_subject_fields vector_fields(void)
{
	cy_subject_fields f;

	memset(&f, 0, sizeof(f));
	f.kind = "person";
	f.name = "张伟明";
	f.id_type = "resident-id";
	f.id_number = "11010519491231002X";
	f.address = "福州市鼓楼区五一北路1号";
	f.phones = PHONES;
	f.nphones = 1;
	f.emails = EMAILS;
	f.nemails = 1;
	f.accounts = ACCOUNTS;
	f.naccounts = 1;
	f.extra = EXTRA;
	f.nextra = 1;
	return f;
}

static void assert_in_doc(const char *text)
{
	cy_buf doc = CY_BUF_INIT;

	assert_int_equal(tu_read_file(SUBJECT_MD, &doc), 0);
	if (!strstr(cy_buf_cstr(&doc), text))
		fail_msg("%s does not contain %s", SUBJECT_MD, text);
	cy_buf_release(&doc);
}

static void assert_hex(const void *p, size_t n, const char *want)
{
	char *hex = malloc(2 * n + 1);

	cy_hex_encode(p, n, hex);
	assert_string_equal(hex, want);
	free(hex);
}

static void test_subject_vectors(void **state)
{
	cy_subject_fields f = vector_fields();
	cy_buf json = CY_BUF_INIT, w = CY_BUF_INIT, fl = CY_BUF_INIT, norm = CY_BUF_INIT;
	uint8_t k[32], h[32];

	(void)state;
	vector_inputs();
	assert_int_equal(cy_vault__subkey(fkey, CY_SUBJECT_WRAP_LABEL, k), 0);
	assert_hex(k, 32, V_WRAPKEY);
	assert_int_equal(cy_vault__subkey(fkey, "custody blind index v1", k), 0);
	assert_hex(k, 32, V_INDEXKEY);
	assert_int_equal(cy_vault__subject_wrap(fkey, V_VAULT, "Z109", uid, skey, n1, &w), 0);
	assert_hex(w.ptr, w.len, V_WKEY);
	assert_int_equal(cy_vault__subject_json(&f, &json), 0);
	assert_string_equal(cy_buf_cstr(&json), V_JSON);
	assert_int_equal(
		cy_vault__subject_seal(skey, uid, "Z109-C000001", json.ptr, json.len, n2, &fl), 0);
	assert_hex(fl.ptr, fl.len, V_FIELDS);
	for (size_t i = 0; i < sizeof(V_INDEX) / sizeof(V_INDEX[0]); i++) {
		assert_int_equal(cy_normalize(V_INDEX[i].f, V_INDEX[i].raw, strlen(V_INDEX[i].raw),
					      &norm),
				 0);
		assert_int_equal(cy_vault__blind_index(k, cy_norm_field_name(V_INDEX[i].f),
						       (const char *)norm.ptr, norm.len, h),
				 0);
		assert_hex(h, 32, V_INDEX[i].hash);
		assert_in_doc(V_INDEX[i].hash);
	}
	/* the same phone in another fonds */
	assert_int_equal(cy_vault__subkey(fkey2, "custody blind index v1", k), 0);
	assert_int_equal(cy_vault__blind_index(k, "phone", "13912345678", 11, h), 0);
	assert_hex(h, 32, V_PHONE_OTHER_FONDS);
	assert_string_not_equal(V_PHONE_OTHER_FONDS, V_INDEX[2].hash);
	assert_in_doc(V_WRAPKEY);
	assert_in_doc(V_INDEXKEY);
	assert_in_doc(V_WKEY);
	assert_in_doc(V_JSON);
	assert_in_doc(V_FIELDS);
	assert_in_doc(V_PHONE_OTHER_FONDS);
	cy_buf_release(&json);
	cy_buf_release(&w);
	cy_buf_release(&fl);
	cy_buf_wipe(&norm);
}

/* Wrong key, moved wkey, any flipped bit: authentication fails and nothing leaks out. */
static void test_subject_tamper(void **state)
{
	cy_buf w = CY_BUF_INIT, fl = CY_BUF_INIT, pt = CY_BUF_INIT;
	uint8_t got[32], uid2[16];

	(void)state;
	vector_inputs();
	assert_int_equal(cy_vault__subject_wrap(fkey, V_VAULT, "Z109", uid, skey, n1, &w), 0);
	assert_int_equal(cy_vault__subject_unwrap(fkey, V_VAULT, "Z109", uid, w.ptr, w.len, got),
			 0);
	assert_memory_equal(got, skey, 32);
	/* the wrong fonds key; the right key but another fonds, vault or subject */
	memcpy(uid2, uid, 16);
	uid2[15] ^= 1;
	assert_int_equal(cy_vault__subject_unwrap(fkey2, V_VAULT, "Z109", uid, w.ptr, w.len, got),
			 CY_ECORRUPT);
	assert_int_equal(cy_vault__subject_unwrap(fkey, V_VAULT, "Z110", uid, w.ptr, w.len, got),
			 CY_ECORRUPT);
	assert_int_equal(cy_vault__subject_unwrap(fkey, "00112233445566778899aabbccddeefe", "Z109",
						  uid, w.ptr, w.len, got),
			 CY_ECORRUPT);
	assert_int_equal(cy_vault__subject_unwrap(fkey, V_VAULT, "Z109", uid2, w.ptr, w.len, got),
			 CY_ECORRUPT);
	for (size_t i = 0; i < w.len * 8; i++) {
		w.ptr[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(cy_vault__subject_unwrap(fkey, V_VAULT, "Z109", uid, w.ptr, w.len,
							  got),
				 CY_ECORRUPT);
		w.ptr[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	assert_int_equal(cy_vault__subject_unwrap(fkey, V_VAULT, "Z109", uid, w.ptr, w.len - 1,
						  got),
			 CY_ECORRUPT);

	assert_int_equal(cy_vault__subject_seal(skey, uid, "Z109-C000001", V_JSON, strlen(V_JSON),
						n2, &fl),
			 0);
	assert_int_equal(cy_vault__subject_open(skey, uid, "Z109-C000001", fl.ptr, fl.len, &pt), 0);
	assert_string_equal(cy_buf_cstr(&pt), V_JSON);
	/* under another display id (numbers swapped in the catalog) or uid */
	assert_int_equal(cy_vault__subject_open(skey, uid, "Z109-C000002", fl.ptr, fl.len, &pt),
			 CY_ECORRUPT);
	assert_int_equal(cy_vault__subject_open(skey, uid2, "Z109-C000001", fl.ptr, fl.len, &pt),
			 CY_ECORRUPT);
	assert_int_equal(pt.len, 0);
	for (size_t i = 0; i < fl.len * 8; i += 7) {
		fl.ptr[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(cy_vault__subject_open(skey, uid, "Z109-C000001", fl.ptr, fl.len,
							&pt),
				 CY_ECORRUPT);
		fl.ptr[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	assert_int_equal(cy_vault__subject_open(skey, uid, "Z109-C000001", fl.ptr, 20, &pt),
			 CY_ECORRUPT);
	cy_buf_release(&w);
	cy_buf_release(&fl);
	cy_buf_wipe(&pt);
}

static void test_subject_json_checks(void **state)
{
	cy_subject_fields f = vector_fields();
	cy_buf j = CY_BUF_INIT;
	const char *many[CY_SUBJECT_MAX_LIST + 1];
	char big[CY_SUBJECT_MAX_STR + 2];
	cy_subject_kv dup[2] = {{"a", "1"}, {"a", "2"}};

	(void)state;
	f.kind = "company";
	assert_int_equal(cy_vault__subject_json(&f, &j), CY_EINVALID);
	f = vector_fields();
	f.name = "";
	assert_int_equal(cy_vault__subject_json(&f, &j), CY_EINVALID);
	f = vector_fields();
	f.name = "张\x01伟明";
	assert_int_equal(cy_vault__subject_json(&f, &j), CY_EINVALID);
	f = vector_fields();
	f.name = "\xff";
	assert_int_equal(cy_vault__subject_json(&f, &j), CY_EINVALID);
	f = vector_fields();
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	f.address = big;
	assert_int_equal(cy_vault__subject_json(&f, &j), CY_EINVALID);
	f = vector_fields();
	for (int i = 0; i <= CY_SUBJECT_MAX_LIST; i++)
		many[i] = "139";
	f.phones = many;
	f.nphones = CY_SUBJECT_MAX_LIST + 1;
	assert_int_equal(cy_vault__subject_json(&f, &j), CY_EINVALID);
	f.nphones = CY_SUBJECT_MAX_LIST;
	assert_int_equal(cy_vault__subject_json(&f, &j), 0);
	f = vector_fields();
	f.extra = dup;
	f.nextra = 2;
	assert_int_equal(cy_vault__subject_json(&f, &j), CY_EINVALID);
	/* an organisation, multi-line address, minimal */
	memset(&f, 0, sizeof(f));
	f.kind = "org";
	f.name = "福州测试贸易有限公司";
	f.uscc = "91350100M000100Y43";
	f.address = "福州市\n鼓楼区";
	assert_int_equal(cy_vault__subject_json(&f, &j), 0);
	assert_string_equal(cy_buf_cstr(&j),
			    "{\"kind\":\"org\",\"name\":\"福州测试贸易有限公司\","
			    "\"uscc\":\"91350100M000100Y43\",\"address\":\"福州市\\n鼓楼区\"}");
	cy_buf_wipe(&j);
}

static void test_subject_id_parse(void **state)
{
	char fonds[8], id[CY_SUBJECT_ID_MAX];
	int64_t no;

	(void)state;
	assert_int_equal(cy_subject_id_parse("Z109-C000001", fonds, &no), 0);
	assert_string_equal(fonds, "Z109");
	assert_int_equal(no, 1);
	assert_int_equal(cy_subject_id_parse("Z109-c1234567", fonds, &no), 0);
	assert_int_equal(no, 1234567);
	cy_vault__subject_id("Z109", 1234567, id);
	assert_string_equal(id, "Z109-C1234567");
	cy_vault__subject_id("A001", 42, id);
	assert_string_equal(id, "A001-C000042");
	assert_int_equal(cy_subject_id_parse("Z109-C000000", fonds, &no), CY_EINVALID);
	assert_int_equal(cy_subject_id_parse("Z109-C", fonds, &no), CY_EINVALID);
	assert_int_equal(cy_subject_id_parse("z109-C000001", fonds, &no), CY_EINVALID);
	assert_int_equal(cy_subject_id_parse("Z109-X000001", fonds, &no), CY_EINVALID);
	assert_int_equal(cy_subject_id_parse("Z109-C00000a", fonds, &no), CY_EINVALID);
	assert_int_equal(cy_subject_id_parse("Z109-C99999999999999999999", fonds, &no),
			 CY_EINVALID);
}

/* ---- through the vault ---- */

typedef struct fixture {
	char *dir;
	cy_buf vault;
} fixture;

static cy_vault *open_as(fixture *f, const char *user, const char *pw)
{
	cy_vault *v = NULL;
	int rc = cy_vault_open(&v, cy_buf_cstr(&f->vault), user, pw, strlen(pw));

	if (rc)
		fail_msg("open as %s: %s", user, cy_error_message());
	return v;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	cy_buf rec = CY_BUF_INIT;
	cy_vault *v;
	bool pending;

	f->dir = tu_tmpdir();
	cy_path_join(&f->vault, f->dir, "v");
	if (cy_vault_init(cy_buf_cstr(&f->vault), "sec", PW, strlen(PW), 10, &rec))
		return -1;
	cy_buf_wipe(&rec);
	if (cy_vault_open(&v, cy_buf_cstr(&f->vault), "sec", PW, strlen(PW)))
		return -1;
	if (cy_user_add(v, "li", CY_ROLE_ARCHIVIST, PW2, strlen(PW2)) ||
	    cy_user_add(v, "vv", CY_ROLE_VIEWER, PW2, strlen(PW2)) ||
	    cy_user_add(v, "aud", CY_ROLE_AUDITOR, PW2, strlen(PW2)))
		return -1;
	cy_vault_close(v);
	if (cy_vault_open(&v, cy_buf_cstr(&f->vault), "li", PW2, strlen(PW2)) ||
	    cy_fonds_add(v, "Z109", "Test Co", NULL) || cy_fonds_add(v, "Z110", "Other Co", NULL))
		return -1;
	cy_vault_close(v);
	if (cy_vault_open(&v, cy_buf_cstr(&f->vault), "sec", PW, strlen(PW)) ||
	    cy_user_grant(v, "vv", "Z109", &pending))
		return -1;
	cy_vault_close(v);
	/* a key holder completes the viewer's grant */
	if (cy_vault_open(&v, cy_buf_cstr(&f->vault), "li", PW2, strlen(PW2)))
		return -1;
	cy_vault_close(v);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	cy_buf_release(&f->vault);
	free(f);
	return 0;
}

struct seen {
	int n;
	char ids[8][CY_SUBJECT_ID_MAX];
	char names[8][64];
};

static int collect(void *arg, const cy_subject_info *s)
{
	struct seen *c = arg;

	if (c->n < 8) {
		snprintf(c->ids[c->n], CY_SUBJECT_ID_MAX, "%s", s->id);
		snprintf(c->names[c->n], 64, "%s", s->decrypted && s->f.name ? s->f.name : "");
	}
	c->n++;
	return 0;
}

static int find(cy_vault *v, const char *fonds, const char *field, const char *value,
		struct seen *c)
{
	memset(c, 0, sizeof(*c));
	return cy_subject_find(v, fonds, field, value, 0, collect, c);
}

static void add_two(cy_vault *v, char id1[CY_SUBJECT_ID_MAX], char id2[CY_SUBJECT_ID_MAX])
{
	cy_subject_fields f = vector_fields();
	static const char *p2[] = {"010-6552 9988"};

	assert_int_equal(cy_subject_add(v, "Z109", &f, id1), 0);
	assert_string_equal(id1, "Z109-C000001");
	memset(&f, 0, sizeof(f));
	f.kind = "org";
	f.name = "福州测试贸易有限公司";
	f.uscc = "91350100M000100Y43";
	f.phones = p2;
	f.nphones = 1;
	assert_int_equal(cy_subject_add(v, "Z109", &f, id2), 0);
	assert_string_equal(id2, "Z109-C000002");
}

static void test_subject_vault(void **state)
{
	fixture *fx = *state;
	cy_vault *v = open_as(fx, "li", PW2);
	cy_subject_fields f = vector_fields();
	cy_subject_info s;
	struct seen c;
	char id1[CY_SUBJECT_ID_MAX], id2[CY_SUBJECT_ID_MAX], id3[CY_SUBJECT_ID_MAX];

	add_two(v, id1, id2);
	/* the same person in another fonds: its own number and its own index */
	assert_int_equal(cy_subject_add(v, "Z110", &f, id3), 0);
	assert_string_equal(id3, "Z110-C000001");
	assert_int_equal(cy_subject_add(v, "Z111", &f, id3), CY_EPERM);
	f.emails = (const char *[]){"no-at-sign"};
	assert_int_equal(cy_subject_add(v, "Z109", &f, id3), CY_EINVALID);
	f = vector_fields();
	f.name = "\xe3\x80\x80 ";
	assert_int_equal(cy_subject_add(v, "Z109", &f, id3), CY_EINVALID);

	assert_int_equal(cy_subject_show(v, id1, &s), 0);
	assert_true(s.decrypted);
	assert_string_equal(s.f.name, "张伟明");
	assert_string_equal(s.f.id_number, "11010519491231002X");
	assert_int_equal(s.f.nphones, 1);
	assert_string_equal(s.f.phones[0], "+86 139-1234-5678");
	assert_string_equal(s.f.emails[0], "Zhang.WeiMing@Example.CN");
	assert_string_equal(s.f.accounts[0], "6222 0202 0000 1234");
	assert_string_equal(s.f.address, "福州市鼓楼区五一北路1号");
	assert_int_equal(s.f.nextra, 1);
	assert_string_equal(s.f.extra[0].key, "crm_id");
	assert_string_equal(s.kind, "person");
	assert_string_equal(s.status, "held");
	assert_string_equal(s.created_by, "li");
	cy_subject_info_release(&s);
	assert_int_equal(cy_subject_show(v, "Z109-C000009", &s), CY_ENOTFOUND);
	assert_int_equal(cy_subject_show(v, "Z111-C000001", &s), CY_ENOTFOUND);

	/* equivalent spellings find the same subject */
	assert_int_equal(find(v, "Z109", "phone", "13912345678", &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], id1);
	assert_string_equal(c.names[0], ""); /* no names unless asked */
	assert_int_equal(find(v, "Z109", "phone", "＋８６　１３９　１２３４　５６７８", &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(find(v, "Z109", "id_number", "110105 19491231 002x", &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(find(v, "Z109", "email", "ZHANG.weiming@example.cn", &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(find(v, "Z109", "name", "张\xe3\x80\x80伟 明", &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(find(v, "Z109", "account", "6222-0202-0000-1234", &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(find(v, "Z109", "uscc", "91 350100 M000100Y43", &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], id2);
	assert_int_equal(find(v, "Z109", "phone", "+86 10 6552 9988", &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], id2);
	/* no near misses */
	assert_int_equal(find(v, "Z109", "phone", "13912345679", &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(find(v, "Z109", "name", "张伟", &c), 0);
	assert_int_equal(c.n, 0);
	/* all held fonds: both customers named 张伟明 */
	assert_int_equal(find(v, NULL, "phone", "13912345678", &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.ids[0], "Z109-C000001");
	assert_string_equal(c.ids[1], "Z110-C000001");
	assert_int_equal(find(v, "Z109", "telephone", "1", &c), CY_EINVALID);
	assert_int_equal(find(v, "Z109", "phone", " - ", &c), CY_EINVALID);
	/* with names, on request */
	memset(&c, 0, sizeof(c));
	assert_int_equal(cy_subject_find(v, "Z109", "uscc", "91350100M000100Y43", CY_SUBJECT_NAMES,
					 collect, &c),
			 0);
	assert_string_equal(c.names[0], "福州测试贸易有限公司");

	memset(&c, 0, sizeof(c));
	assert_int_equal(cy_subject_list(v, "Z109", 0, collect, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.names[0], "");
	memset(&c, 0, sizeof(c));
	assert_int_equal(cy_subject_list(v, NULL, CY_SUBJECT_NAMES, collect, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.ids[2], "Z110-C000001");
	assert_string_equal(c.names[1], "福州测试贸易有限公司");
	cy_vault_close(v);

	/* a viewer reads what it is granted, and only that; an auditor nothing */
	v = open_as(fx, "vv", PW2);
	assert_int_equal(cy_subject_show(v, id1, &s), 0);
	cy_subject_info_release(&s);
	assert_int_equal(cy_subject_show(v, "Z110-C000001", &s), CY_ENOTFOUND);
	assert_int_equal(cy_subject_add(v, "Z109", &f, id3), CY_EPERM);
	assert_int_equal(find(v, NULL, "phone", "13912345678", &c), 0);
	assert_int_equal(c.n, 1);
	cy_vault_close(v);
	v = open_as(fx, "aud", PW2);
	assert_int_equal(cy_subject_show(v, id1, &s), CY_EPERM);
	assert_int_equal(cy_subject_list(v, NULL, 0, collect, &c), CY_EPERM);
	assert_int_equal(find(v, NULL, "phone", "13912345678", &c), CY_EPERM);
	assert_int_equal(cy_subject_add(v, "Z109", &f, id3), CY_EPERM);
	cy_vault_close(v);
	v = open_as(fx, "sec", PW);
	assert_int_equal(cy_subject_show(v, id1, &s), CY_EPERM);
	cy_vault_close(v);
}

struct ledger_scan {
	int add, read, list, find;
	int leaked;
};

static int scan_entry(void *arg, uint64_t seq, const char *entry, size_t n)
{
	struct ledger_scan *l = arg;
	static const char *secrets[] = {"张伟明",      "11010519491231002",
					"13912345678", "1391234",
					"zhang",       "Zhang",
					"6222",	       "福州测试"};
	char *e = strndup(entry, n);

	(void)seq;
	l->add += strstr(e, "\"subject.add\"") != NULL;
	l->read += strstr(e, "\"subject.read\"") != NULL;
	l->list += strstr(e, "\"subject.list\"") != NULL;
	l->find += strstr(e, "\"subject.find\"") != NULL;
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (strstr(e, secrets[i]))
			l->leaked++;
	free(e);
	return 0;
}

static void test_subject_ledger(void **state)
{
	fixture *fx = *state;
	cy_vault *v = open_as(fx, "li", PW2);
	cy_subject_info s;
	struct seen c;
	struct ledger_scan l;
	char id1[CY_SUBJECT_ID_MAX], id2[CY_SUBJECT_ID_MAX];
	uint64_t bad, entries, cps;

	add_two(v, id1, id2);
	assert_int_equal(cy_subject_show(v, id1, &s), 0);
	cy_subject_info_release(&s);
	assert_int_equal(cy_subject_list(v, "Z109", CY_SUBJECT_NAMES, collect, &c), 0);
	assert_int_equal(find(v, "Z109", "phone", "13912345678", &c), 0);
	cy_vault_close(v);
	v = open_as(fx, "aud", PW2);
	memset(&l, 0, sizeof(l));
	assert_int_equal(cy_log_list(v, 1, scan_entry, &l), 0);
	assert_int_equal(l.add, 2);
	assert_int_equal(l.read, 1);
	assert_int_equal(l.list, 1);
	assert_int_equal(l.find, 1);
	assert_int_equal(l.leaked, 0);
	assert_int_equal(cy_log_verify(v, &bad, &entries, &cps), 0);
	cy_vault_close(v);
}

/* Importers: create inside their own transaction; the subject key unwraps. */
static void test_subject_internal(void **state)
{
	fixture *fx = *state;
	cy_vault *v = open_as(fx, "li", PW2);
	cy_subject_fields f = vector_fields();
	cy_fonds_key *k = cy_vault__fonds_key(v, "Z109");
	uint8_t key[32];
	int64_t sid = 0, sid2 = 0;
	char id[CY_SUBJECT_ID_MAX];
	cy_subject_info s;

	assert_non_null(k);
	assert_int_equal(cy_vault__subject_create(v, k, &f, &sid, id, NULL),
			 CY_EINVALID); /* no transaction */
	assert_int_equal(cy_vault__begin(v), 0);
	assert_int_equal(cy_vault__subject_create(v, k, &f, &sid, id, NULL), 0);
	assert_int_equal(cy_vault__subject_create(v, k, &f, &sid2, id, NULL), 0);
	assert_string_equal(id, "Z109-C000002");
	assert_int_equal(cy_vault__commit(v), 0);
	assert_int_equal(cy_vault__subject_key(v, sid, key), 0);
	assert_int_equal(cy_vault__subject_key(v, 999, key), CY_ENOTFOUND);
	/* a rolled-back batch leaves no subject and no number used */
	assert_int_equal(cy_vault__begin(v), 0);
	assert_int_equal(cy_vault__subject_create(v, k, &f, &sid2, id, NULL), 0);
	assert_string_equal(id, "Z109-C000003");
	cy_vault__rollback(v);
	assert_int_equal(cy_subject_show(v, "Z109-C000003", &s), CY_ENOTFOUND);
	assert_int_equal(cy_subject_add(v, "Z109", &f, id), 0);
	assert_string_equal(id, "Z109-C000003");
	cy_wipe(key, sizeof(key));
	cy_vault_close(v);
}

static void problem(void *arg, const char *id, const char *text)
{
	int *n = arg;

	(void)id;
	(void)text;
	(*n)++;
}

/* What a person with sqlite3 can do to the catalog, and what custody answers. */
static void test_subject_catalog_edits(void **state)
{
	fixture *fx = *state;
	cy_vault *v = open_as(fx, "li", PW2);
	cy_subject_info s;
	struct seen c;
	char id1[CY_SUBJECT_ID_MAX], id2[CY_SUBJECT_ID_MAX];
	uint64_t n;
	int problems = 0;

	add_two(v, id1, id2);
	assert_int_equal(cy_vault__subject_check(v, problem, &problems, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(problems, 0);

	/* the phone's index row now points at the organisation: refused, not answered */
	assert_int_equal(cy_catalog_exec(v->cat, "UPDATE subject_index SET subject_id = 2"
						 " WHERE subject_id = 1 AND field = 'phone'"),
			 0);
	assert_int_equal(find(v, "Z109", "phone", "13912345678", &c), CY_ECORRUPT);
	assert_non_null(strstr(cy_error_message(), "Z109-C000002"));
	assert_int_equal(c.n, 0);
	/* other look-ups still work */
	assert_int_equal(find(v, "Z109", "email", "zhang.weiming@example.cn", &c), 0);
	assert_int_equal(c.n, 1);
	/* check sees both sides: a foreign row on 2, a missing row on 1 */
	problems = 0;
	assert_int_equal(cy_vault__subject_check(v, problem, &problems, &n), 0);
	assert_int_equal(problems, 2);
	assert_int_equal(cy_catalog_exec(v->cat, "DELETE FROM subject_index WHERE subject_id = 2"
						 " AND field = 'phone'"),
			 0);
	/* a deleted row only makes the search miss; check reports it */
	assert_int_equal(find(v, "Z109", "phone", "13912345678", &c), 0);
	assert_int_equal(c.n, 0);
	problems = 0;
	assert_int_equal(cy_vault__subject_check(v, problem, &problems, &n), 0);
	assert_int_equal(problems, 2); /* 1 lacks its phone row, so does 2 */

	/* numbers swapped: both fail authentication instead of showing the other's data */
	assert_int_equal(cy_catalog_exec(v->cat, "UPDATE subjects SET no = -1 WHERE no = 1;"
						 "UPDATE subjects SET no = 1 WHERE no = 2;"
						 "UPDATE subjects SET no = 2 WHERE no = -1;"),
			 0);
	assert_int_equal(cy_subject_show(v, id1, &s), CY_ECORRUPT);
	assert_int_equal(cy_subject_show(v, id2, &s), CY_ECORRUPT);
	assert_int_equal(cy_catalog_exec(v->cat, "UPDATE subjects SET no = -1 WHERE no = 1;"
						 "UPDATE subjects SET no = 1 WHERE no = 2;"
						 "UPDATE subjects SET no = 2 WHERE no = -1;"),
			 0);
	assert_int_equal(cy_subject_show(v, id1, &s), 0);
	cy_subject_info_release(&s);
	/* one subject's wkey copied onto another */
	assert_int_equal(cy_catalog_exec(v->cat,
					 "UPDATE subjects SET wkey = (SELECT wkey FROM subjects"
					 " WHERE no = 1) WHERE no = 2"),
			 0);
	assert_int_equal(cy_subject_show(v, id2, &s), CY_ECORRUPT);
	/* the kind in clear changed */
	assert_int_equal(cy_catalog_exec(v->cat, "UPDATE subjects SET kind = 'org' WHERE no = 1"),
			 0);
	assert_int_equal(cy_subject_show(v, id1, &s), CY_ECORRUPT);
	cy_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subject_vectors),
		cmocka_unit_test(test_subject_tamper),
		cmocka_unit_test(test_subject_json_checks),
		cmocka_unit_test(test_subject_id_parse),
		cmocka_unit_test_setup_teardown(test_subject_vault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subject_ledger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subject_internal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subject_catalog_edits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
