/* test_record.c - records: the metadata format's vector (record-meta.md),
 * data-key wrapping and object format 2 (keys.md, object.md), records with
 * several parts, amending, the sidecar parser, and a vault made by the
 * foundation's code opened and read after the upgrade. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libexif/exif-data.h>

#include "custody/buf.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "base/fsutil.h"
#include "custody/ingest.h"
#include "base/jsonsec.h"
#include "store/object.h"
#include "custody/subject.h"
#include "custody/custody.h"
#include "catalog/catalog_sql.h"
#include "store/object_internal.h"
#include "testutil.h"
#include "vault/vault_internal.h"
#include "catalog/catalog_packs.h"
#include "catalog/catalog_records.h"
#include "vault/vault_recsig.h"
#include "vault/vault_subjects.h"

#define PW "correct horse"

static void hex_of(const uint8_t *p, size_t n, cy_buf *out)
{
	char h[3];

	for (size_t i = 0; i < n; i++) {
		snprintf(h, sizeof(h), "%02x", p[i]);
		cy_buf_puts(out, h);
	}
}

/* ---- the vectors of docs/formats ---- */

static void test_record_meta_vector(void **state)
{
	static const char *labels[] = {"pii"};
	static const cy_kv fields[] = {{"contract_no", "HT2019-0007"}};
	cy_record_new r = {.klass = CY_CLASS_CONTRACT,
			   .year = 2019,
			   .date = "2019-03-01",
			   .title = "购销合同 HT2019-0007",
			   .source_kind = CY_SOURCE_FILE,
			   .source_path = "contracts/HT2019-0007.pdf",
			   .labels = labels,
			   .nlabels = 1,
			   .fields = fields,
			   .nfields = 1};
	cy_meta_object mo = {.role = "original", .format = "pdf", .size = 5};
	cy_meta m = {.r = &r,
		     .retention = "D30",
		     .retention_rule = "class-default",
		     .status = "held",
		     .objects = &mo,
		     .nobjects = 1};
	uint8_t key[32], nonce[12];
	json_t *j = NULL;
	char *text;
	cy_buf pt = CY_BUF_INIT, aad = CY_BUF_INIT, out = CY_BUF_INIT, hex = CY_BUF_INIT;
	cy_aead *a = NULL;
	cy_record_info info;
	int layout = 0;

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x40 + i);
	for (int i = 0; i < 12; i++)
		nonce[i] = (uint8_t)i;
	cy_sha256("hello", 5, mo.sha256);
	for (int i = 0; i < 16; i++)
		mo.salt[i] = (uint8_t)(0xa0 + i);
	cy_buf jt = CY_BUF_INIT;
	assert_int_equal(cy_vault__meta_write(&m, &jt), 0);
	text = strdup(cy_buf_cstr(&jt));
	cy_buf_release(&jt);
	/* what custody writes, jansson reads and writes back the same */
	json_error_t jerr;
	j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	assert_non_null(j);
	char *again = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(again, text);
	cy_json_free(again);
	json_decref(j);
	j = NULL;
	assert_string_equal(
		text,
		"{\"title\":\"购销合同 HT2019-0007\",\"date\":\"2019-03-01\","
		"\"source\":{\"kind\":\"file\",\"path\":\"contracts/HT2019-0007.pdf\"},"
		"\"objects\":[{\"format\":\"pdf\",\"size\":5,"
		"\"sha256\":\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\","
		"\"salt\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\"}],\"labels\":[\"pii\"],"
		"\"fields\":{\"contract_no\":\"HT2019-0007\"}}");
	cy_buf_put_u8(&pt, 2);
	cy_buf_puts(&pt, text);
	free(text);
	cy_buf_printf(&aad, "custody/record-meta/v1/%s",
		      "Z109-HT\xc2\xb7"
		      "2019-D30-0007");
	assert_int_equal(cy_aead_new(&a, key), 0);
	assert_int_equal(cy_vault__meta_seal_raw(a, nonce, &aad, &pt, &out), 0);
	assert_int_equal(out.len, 12 + pt.len + 16);
	hex_of(out.ptr + out.len - 16, 16, &hex);
	printf("# record-meta vector: %zu bytes, tag %s\n", out.len, cy_buf_cstr(&hex));
	assert_string_equal(cy_buf_cstr(&hex), "4ea8c631b7ccd94b3a852940a7b15225");

	/* it opens with the fonds key whose record-meta key this is, and a flipped bit fails */
	cy_fonds_key fk = {.fonds_id = 1};
	uint8_t keys[CY_FONDS_KEYS_LEN] = {0}, epoch0[CY_EPOCH_LEN] = {0};
	fk.key = keys;
	fk.ekeys = epoch0; /* one key epoch, 0 */
	memcpy(CY_META_KEY(&fk), key, 32);
	memcpy(CY_EPOCH_META(&fk, 0), key, 32);
	assert_int_equal(cy_vault__meta_open_json(&fk,
						  "Z109-HT\xc2\xb7"
						  "2019-D30-0007",
						  out.ptr, out.len, &j, &layout) == 0
				 ? 0
				 : 1,
			 0);
	memset(&info, 0, sizeof(info));
	assert_int_equal(layout, 2);
	assert_int_equal(cy_vault__meta_to_info("x", j, layout, &info), 0);
	assert_string_equal(info.title, "购销合同 HT2019-0007");
	assert_string_equal(info.date, "2019-03-01");
	assert_string_equal(info.format, "pdf");
	assert_string_equal(info.sha256,
			    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
	assert_int_equal(info.nlabels, 1);
	cy_record_info_release(&info);
	json_decref(j);
	j = NULL;
	/* another archive number (the AAD) fails: metadata cannot be moved to another record */
	assert_int_equal(cy_vault__meta_open_json(&fk,
						  "Z109-HT\xc2\xb7"
						  "2019-D30-0008",
						  out.ptr, out.len, &j, &layout),
			 CY_ECORRUPT);
	out.ptr[20] ^= 1;
	assert_int_equal(cy_vault__meta_open_json(&fk,
						  "Z109-HT\xc2\xb7"
						  "2019-D30-0007",
						  out.ptr, out.len, &j, &layout),
			 CY_ECORRUPT);
	cy_aead_free(a);
	cy_buf_release(&pt);
	cy_buf_release(&aad);
	cy_buf_release(&out);
	cy_buf_release(&hex);
}

static void test_record_dkey_vector(void **state)
{
	uint8_t fonds_key[32], wrap[32], salt[16], dkey[32], nonce[12], w[CY_DKEY_WRAPPED_LEN];
	uint8_t back[32], kid[8];
	cy_buf hex = CY_BUF_INIT;

	(void)state;
	for (int i = 0; i < 32; i++) {
		fonds_key[i] = (uint8_t)i;
		dkey[i] = (uint8_t)(0x80 + i);
	}
	for (int i = 0; i < 16; i++)
		salt[i] = (uint8_t)(0xa0 + i);
	memset(nonce, 0x11, sizeof(nonce));
	assert_int_equal(cy_vault__subkey(fonds_key, CY_WRAP_LABEL, wrap), 0);
	hex_of(wrap, 32, &hex);
	printf("# wrap key %s\n", cy_buf_cstr(&hex));
	assert_string_equal(cy_buf_cstr(&hex),
			    "6820e46a4c1c270bea12b87e4af65ee09d330cab49fde318311c015981fea65b");
	cy_buf_clear(&hex);
	assert_int_equal(cy_vault__dkey_wrap_nonce(wrap, salt, dkey, nonce, w), 0);
	hex_of(w, sizeof(w), &hex);
	printf("# wrapped data key %s\n", cy_buf_cstr(&hex));
	assert_string_equal(cy_buf_cstr(&hex),
			    "111111111111111111111111"
			    "7d5c0cf10407efd3f581f55734d6edf3e84fcc387aa008213426f4de4605fd91"
			    "7402a4bb02f43f91a48976c3f186906e");
	assert_int_equal(cy_vault__dkey_unwrap(wrap, salt, w, sizeof(w), back), 0);
	assert_memory_equal(back, dkey, 32);
	/* bound to the object's salt, and to its wrapping key */
	salt[0] ^= 1;
	assert_int_equal(cy_vault__dkey_unwrap(wrap, salt, w, sizeof(w), back), CY_ECORRUPT);
	salt[0] ^= 1;
	wrap[0] ^= 1;
	assert_int_equal(cy_vault__dkey_unwrap(wrap, salt, w, sizeof(w), back), CY_ECORRUPT);
	wrap[0] ^= 1;
	w[30] ^= 1;
	assert_int_equal(cy_vault__dkey_unwrap(wrap, salt, w, sizeof(w), back), CY_ECORRUPT);
	assert_int_equal(cy_vault__dkey_unwrap(wrap, salt, w, sizeof(w) - 1, back), CY_ECORRUPT);
	/* the key id in an object's header: HMAC of the data key (keys.md) */
	cy_vault__key_id(dkey, kid);
	cy_buf_clear(&hex);
	hex_of(kid, 8, &hex);
	printf("# data key id %s\n", cy_buf_cstr(&hex));
	assert_string_equal(cy_buf_cstr(&hex), "903a7aa27505b3eb");
	cy_buf_release(&hex);
}

static int buf_sink(void *arg, const void *p, size_t n)
{
	return cy_buf_put(arg, p, n);
}

static void test_record_object_v2_vector(void **state)
{
	uint8_t dkey[32], kid[8], salt[16], sha[32];
	cy_buf obj = CY_BUF_INIT, back = CY_BUF_INIT, hex = CY_BUF_INIT;
	cy_objw *w = NULL;
	cy_obj_header h;

	(void)state;
	for (int i = 0; i < 32; i++)
		dkey[i] = (uint8_t)(0x80 + i);
	for (int i = 0; i < 16; i++)
		salt[i] = (uint8_t)(0xc0 + i);
	cy_vault__key_id(dkey, kid);
	assert_int_equal(cy_store__objw_new_version(&w, 2, dkey, kid, salt, CY_OBJ_COMPRESS_NO,
						    buf_sink, &obj),
			 0);
	assert_int_equal(cy_objw_write(w, "hello, custody", 14), 0);
	assert_int_equal(cy_objw_finish(w, NULL), 0);
	cy_objw_free(w);
	assert_int_equal(obj.len, 48 + 14 + 16);
	assert_int_equal(cy_object_header_parse(obj.ptr, obj.len, &h), 0);
	assert_int_equal(h.version, 2);
	hex_of(obj.ptr, obj.len, &hex);
	printf("# object v2 vector %s\n", cy_buf_cstr(&hex));
	cy_sha256(obj.ptr, obj.len, sha);
	cy_buf_clear(&hex);
	hex_of(sha, 32, &hex);
	assert_string_equal(cy_buf_cstr(&hex),
			    "42edb09bdc3bf07387b0a9990b787482872ce811bf2975cf43bf896dbd2859a2");
	assert_int_equal(cy_object_open(dkey, 0, obj.ptr, obj.len, &back), 0);
	assert_int_equal(back.len, 14);
	assert_memory_equal(back.ptr, "hello, custody", 14);
	/* version 2 derives with its own label: the same bytes as version 1 do not open */
	obj.ptr[8] = 1;
	cy_buf_clear(&back);
	assert_int_equal(cy_object_open(dkey, 0, obj.ptr, obj.len, &back), CY_ECORRUPT);
	cy_buf_release(&obj);
	cy_buf_release(&back);
	cy_buf_release(&hex);
}

/* ---- a vault ---- */

typedef struct fixture {
	char *dir;
	cy_buf vault;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	cy_buf rec = CY_BUF_INIT;
	cy_vault *v = NULL;
	bool pending;

	f->dir = tu_tmpdir();
	cy_path_join(&f->vault, f->dir, "v");
	if (cy_vault_init(cy_buf_cstr(&f->vault), "sec", PW, strlen(PW), 10, &rec))
		return -1;
	cy_buf_wipe(&rec);
	if (cy_vault_open(&v, cy_buf_cstr(&f->vault), "sec", PW, strlen(PW)) ||
	    cy_user_add(v, "li", CY_ROLE_ARCHIVIST, PW, strlen(PW)))
		return -1;
	cy_vault_close(v);
	if (cy_vault_open(&v, cy_buf_cstr(&f->vault), "li", PW, strlen(PW)) ||
	    cy_fonds_add(v, "A001", "Test Co", NULL))
		return -1;
	(void)pending;
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

static int collect(void *arg, const void *p, size_t n)
{
	return cy_buf_put(arg, p, n);
}

static void test_record_create_parts_and_amend(void **state)
{
	fixture *f = *state;
	static const char *labels[] = {"pii", "id-number"};
	static const cy_kv fields[] = {{"row", "7"}, {"source_sheet", "客户"}};
	cy_record_new r = {.klass = CY_CLASS_CUSTOMER,
			   .year = 2020,
			   .title = "客户 王某",
			   .source_kind = CY_SOURCE_CSV,
			   .source_path = "customers.csv",
			   .source_line = 7,
			   .labels = labels,
			   .nlabels = 2,
			   .fields = fields,
			   .nfields = 2};
	cy_record_part parts[2] = {{"original", "name,phone\n王某,138\n", 23, "csv"},
				   {"text", "王某 138", 10, "text"}};
	cy_vault *v = NULL;
	cy_import *im = NULL;
	cy_import_outcome oc;
	cy_record_info info;
	cy_buf out = CY_BUF_INIT;
	char no[64], no2[64], moved[64];
	cy_check_stats st;

	(void)state;
	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&f->vault), "li", PW, strlen(PW)), 0);
	assert_int_equal(cy_import_begin(v, "A001", &im), 0);
	assert_int_equal(cy_record_create(im, &r, parts, 2, &oc, no), 0);
	assert_int_equal(oc, CY_IMPORTED);
	assert_string_equal(no, "A001-KH\xc2\xb7"
				"2020-D30-0001");
	/* the same first part again: recognised */
	assert_int_equal(cy_record_create(im, &r, parts, 1, &oc, no2), 0);
	assert_int_equal(oc, CY_DUPLICATE);
	assert_string_equal(no2, no);
	/* a record without a year fails alone; the batch goes on */
	cy_record_new bad = r;
	bad.year = 0;
	cy_record_part other = {"original", "x", 1, NULL};
	assert_int_equal(cy_record_create(im, &bad, &other, 1, &oc, no2), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "no year"));
	bad.year = 2020;
	bad.date = "2020-13-01";
	assert_int_equal(cy_record_create(im, &bad, &other, 1, &oc, no2), CY_EINVALID);
	bad.date = "2019-02-29"; /* not a leap year */
	assert_int_equal(cy_record_create(im, &bad, &other, 1, &oc, no2), CY_EINVALID);
	bad.date = "2019-2";
	assert_int_equal(cy_record_create(im, &bad, &other, 1, &oc, no2), CY_EINVALID);
	/* an unknown subject is refused */
	int64_t nosuch = 999;
	bad.date = NULL;
	bad.subjects = &nosuch;
	bad.nsubjects = 1;
	assert_int_equal(cy_record_create(im, &bad, &other, 1, &oc, no2), CY_ENOTFOUND);
	bad.subjects = NULL;
	bad.nsubjects = 0;
	assert_int_equal(cy_record_create(im, &bad, &other, 1, &oc, no2), 0);
	assert_string_equal(no2, "A001-KH\xc2\xb7"
				 "2020-D30-0002");
	assert_int_equal(cy_import_commit(im), 0);
	cy_import_free(im);

	assert_int_equal(cy_record_show(v, no, &info), 0);
	assert_int_equal(info.meta_version, 2);
	assert_int_equal(info.nobjects, 2);
	assert_int_equal(info.nlabels, 2);
	assert_int_equal(info.nfields, 2);
	assert_int_equal(info.source_line, 7);
	assert_string_equal(info.source_kind, "csv");
	/* a sheet's rows say so; "csv" stays what it was (kinds are appended) */
	assert_string_equal(cy_source_kind_name(CY_SOURCE_XLSX), "xlsx");
	assert_string_equal(cy_source_kind_name(CY_SOURCE_CSV), "csv");
	assert_int_equal(CY_SOURCE_CSV, 2);
	assert_int_equal(CY_SOURCE_MAIL, 3);
	assert_string_equal(info.format, "csv");
	assert_non_null(strstr(info.meta_json, "\"labels\":[\"pii\",\"id-number\"]"));
	cy_record_info_release(&info);
	assert_int_equal(cy_record_get(v, no, collect, &out), 0);
	assert_int_equal(out.len, 23);
	assert_memory_equal(out.ptr, "name,phone\n王某,138\n", 23);

	/* amend: a new year moves it; the old number still finds it */
	cy_record_amend a = {.year = 2018, .klass = -1, .title = "客户档案 王某"};
	assert_int_equal(cy_record_amend_apply(v, no, &a, moved), 0);
	assert_string_equal(moved, "A001-KH\xc2\xb7"
				   "2018-D30-0001");
	assert_int_equal(cy_record_show(v, no, &info), 0);
	assert_string_equal(info.archive_no, moved);
	assert_string_equal(info.title, "客户档案 王某");
	assert_int_equal(info.year, 2018);
	assert_int_equal(info.nobjects, 2);
	cy_record_info_release(&info);
	cy_buf_clear(&out);
	assert_int_equal(cy_record_get(v, moved, collect, &out), 0);
	assert_int_equal(out.len, 23);
	cy_record_amend none = {.klass = -1};
	assert_int_equal(cy_record_amend_apply(v, moved, &none, no2), CY_EINVALID);
	/* the gap the move left is explained: check holds */
	assert_int_equal(cy_vault_check(v, NULL, NULL, NULL, NULL, NULL, &st), 0);
	assert_int_equal(st.problems, 0);
	assert_int_equal(st.verified, 2);
	cy_buf_release(&out);
	cy_vault_close(v);
}

/* A record of one customer: its object's data key is wrapped by the
 * customer's key, so destroying that key (crypto-shredding the customer)
 * makes exactly the customer's objects unreadable. */
/* Fonds key epochs and subject-owned objects (docs/formats/keys.md "Fonds
 * key epochs"): a subject's key does not rotate, so from epoch 1 on its data
 * keys are wrapped under the subject key bound to the epoch.  Someone who
 * learnt the subject key before her grant ended (li2 here) unwraps the
 * subject's objects written then, not those written after the rotation;
 * the key holders read both. */
typedef struct dk {
	cy_buf dkey, pack;
	uint64_t offset, length;
} dk;

static int take_dkey(void *arg, const cy_cat_record *r)
{
	dk *d = arg;

	d->offset = r->offset;
	d->length = r->length;
	cy_buf_puts(&d->pack, r->pack);
	return cy_buf_put(&d->dkey, r->dkey, r->dkey_len);
}

static int old_subject_key_opens(cy_vault *v, const char *no, const uint8_t sk[32])
{
	dk d = {CY_BUF_INIT, CY_BUF_INIT, 0, 0};
	cy_obj_header oh;
	uint8_t wk[32], key[32];
	int rc;

	assert_int_equal(cy_catalog_record_by_no(v->cat, no, take_dkey, &d), 0);
	assert_int_equal(cy_vault__read_header(v, cy_buf_cstr(&d.pack), d.offset, d.length, &oh),
			 0);
	assert_int_equal(cy_vault__subkey(sk, CY_WRAP_LABEL, wk), 0); /* as in epoch 0 */
	rc = cy_vault__dkey_unwrap(wk, oh.salt, d.dkey.ptr, d.dkey.len, key);
	cy_error_clear();
	cy_buf_release(&d.dkey);
	cy_buf_release(&d.pack);
	return rc == 0;
}

static void test_record_subject_objects_across_epochs(void **state)
{
	fixture *f = *state;
	const char *dir = cy_buf_cstr(&f->vault);
	cy_subject_fields sf = {.kind = "person", .name = "王小明"};
	cy_vault *v = NULL;
	cy_import *im = NULL;
	cy_import_outcome oc;
	cy_buf out = CY_BUF_INIT;
	int64_t sid = 0;
	uint8_t sk[32];
	char subj[CY_SUBJECT_ID_MAX], before[64], after[64];
	bool pending;

	assert_int_equal(cy_vault_open(&v, dir, "sec", PW, strlen(PW)), 0);
	assert_int_equal(cy_user_add(v, "li2", CY_ROLE_ARCHIVIST, PW, strlen(PW)), 0);
	assert_int_equal(cy_user_grant(v, "li2", "A001", &pending), 0);
	cy_vault_close(v);
	assert_int_equal(cy_vault_open(&v, dir, "li", PW, strlen(PW)), 0); /* completes */
	assert_int_equal(cy_import_begin(v, "A001", &im), 0);
	assert_int_equal(cy_import_subject(im, &sf, &sid, subj), 0);
	cy_record_new r = {.klass = CY_CLASS_CUSTOMER,
			   .year = 2021,
			   .title = "before",
			   .subjects = &sid,
			   .nsubjects = 1};
	cy_record_part p = {"original", "written before the revocation", 29, "text"};
	assert_int_equal(cy_record_create(im, &r, &p, 1, &oc, before), 0);
	assert_int_equal(cy_import_commit(im), 0);
	cy_import_free(im);
	cy_vault_close(v);
	/* li2 learns the subject key while she holds the fonds */
	assert_int_equal(cy_vault_open(&v, dir, "li2", PW, strlen(PW)), 0);
	assert_int_equal(cy_vault__subject_key(v, sid, sk), 0);
	assert_true(old_subject_key_opens(v, before, sk));
	cy_vault_close(v);
	assert_int_equal(cy_vault_open(&v, dir, "sec", PW, strlen(PW)), 0);
	assert_int_equal(cy_user_revoke(v, "li2", "A001"), 0);
	cy_vault_close(v);
	/* li's log-in moves the fonds to epoch 1; a record for the same subject */
	assert_int_equal(cy_vault_open(&v, dir, "li", PW, strlen(PW)), 0);
	assert_int_equal(cy_vault__fonds_key(v, "A001")->epoch, 1);
	assert_int_equal(cy_import_begin(v, "A001", &im), 0);
	r.title = "after";
	cy_record_part p2 = {"original", "written after the revocation", 28, "text"};
	assert_int_equal(cy_record_create(im, &r, &p2, 1, &oc, after), 0);
	assert_int_equal(cy_import_commit(im), 0);
	cy_import_free(im);
	/* the holder reads both; the old subject key opens only the first */
	assert_int_equal(cy_record_get(v, after, collect, &out), 0);
	assert_int_equal(out.len, 28);
	assert_memory_equal(out.ptr, "written after the revocation", 28);
	cy_buf_clear(&out);
	assert_int_equal(cy_record_get(v, before, collect, &out), 0);
	assert_int_equal(out.len, 29);
	assert_true(old_subject_key_opens(v, before, sk));
	assert_false(old_subject_key_opens(v, after, sk));
	cy_wipe(sk, sizeof(sk));
	cy_buf_release(&out);
	cy_vault_close(v);
}

static void test_record_subject_owned_object(void **state)
{
	fixture *f = *state;
	const char *phones[] = {"138 0013 8000"};
	cy_subject_fields sf = {.kind = "person",
				.name = "王小明",
				.id_number = "11010519491231002X",
				.id_type = "resident-id",
				.phones = phones,
				.nphones = 1};
	cy_vault *v = NULL;
	cy_import *im = NULL;
	cy_import_outcome oc;
	cy_record_info info;
	cy_subject_info si;
	cy_buf out = CY_BUF_INIT;
	cy_check_stats st;
	int64_t sid = 0;
	char subj[CY_SUBJECT_ID_MAX], mine[64], other[64];
	cy_stmt *s;

	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&f->vault), "li", PW, strlen(PW)), 0);
	assert_int_equal(cy_import_begin(v, "A001", &im), 0);
	assert_int_equal(cy_import_subject(im, &sf, &sid, subj), 0);
	assert_true(sid > 0);
	assert_string_equal(subj, "A001-C000001");
	cy_record_new r = {.klass = CY_CLASS_CUSTOMER,
			   .year = 2021,
			   .title = "客户档案",
			   .subjects = &sid,
			   .nsubjects = 1};
	cy_record_part p = {"original", "客户档案：王小明 138 0013 8000", 37, "text"};
	assert_int_equal(cy_record_create(im, &r, &p, 1, &oc, mine), 0);
	cy_record_new r2 = {.klass = CY_CLASS_CUSTOMER, .year = 2021, .title = "无关"};
	cy_record_part p2 = {"original", "unrelated", 9, "text"};
	assert_int_equal(cy_record_create(im, &r2, &p2, 1, &oc, other), 0);
	assert_int_equal(cy_import_commit(im), 0);
	cy_import_free(im);

	assert_int_equal(cy_record_show(v, mine, &info), 0);
	assert_int_equal(info.nsubjects, 1);
	cy_record_info_release(&info);
	assert_int_equal(cy_subject_show(v, subj, &si), 0);
	assert_int_equal(si.records, 1);
	cy_subject_info_release(&si);
	/* owned by the subject: its object's row names the subject */
	assert_int_equal(
		cy_catalog_prepare(v->cat,
				   "SELECT count(*) FROM objects WHERE owner_subject_id = ?", &s),
		0);
	assert_int_equal(cy_stmt_bind_int(s, 1, sid), 0);
	assert_int_equal(cy_stmt_step(s), 1);
	assert_int_equal(cy_stmt_int(s, 0), 1);
	cy_stmt_reset(s);
	assert_int_equal(cy_record_get(v, mine, collect, &out), 0);
	assert_int_equal(out.len, 37);
	/* pointing the object at the fonds key instead does not open it */
	assert_int_equal(
		cy_catalog_exec(
			v->cat,
			"UPDATE objects SET owner_subject_id = NULL WHERE owner_subject_id IS NOT NULL"),
		0);
	cy_buf_clear(&out);
	assert_int_equal(cy_record_get(v, mine, collect, &out), CY_ECORRUPT);
	assert_int_equal(out.len, 0);
	cy_vault_close(v);

	/* crypto-shred the customer: its wrapped key is gone */
	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&f->vault), "li", PW, strlen(PW)), 0);
	assert_int_equal(
		cy_catalog_exec(
			v->cat,
			"UPDATE objects SET owner_subject_id = (SELECT id FROM subjects)"
			" WHERE dkey IS NOT NULL AND id = (SELECT object_id FROM records WHERE archive_no LIKE '%0001')"),
		0);
	assert_int_equal(cy_catalog_exec(v->cat, "UPDATE subjects SET wkey = zeroblob(60)"), 0);
	cy_buf_clear(&out);
	assert_int_not_equal(cy_record_get(v, mine, collect, &out), 0);
	assert_int_equal(out.len, 0);
	cy_buf_clear(&out);
	assert_int_equal(cy_record_get(v, other, collect, &out), 0);
	assert_int_equal(out.len, 9);
	assert_int_equal(cy_vault_check(v, NULL, NULL, NULL, NULL, NULL, &st), 0);
	assert_true(st.problems >= 1);
	assert_int_equal(st.verified, 1);
	cy_buf_release(&out);
	cy_vault_close(v);
}

/* Copy a file tree (the fixture) with cp. */
static void copy_tree(const char *from, const char *to)
{
	cy_buf cmd = CY_BUF_INIT;

	/* a checkout does not keep modes: make the copy private, as a vault is */
	cy_buf_printf(&cmd, "cp -r '%s' '%s' && chmod -R go= '%s'", from, to, to);
	assert_int_equal(system(cy_buf_cstr(&cmd)), 0);
	cy_buf_release(&cmd);
}

static void test_record_foundation_vault_upgrades(void **state)
{
	static const char *files[] = {"letter.txt", "sub/big.txt", "sub/scan.bin"};
	char *tmp = tu_tmpdir();
	cy_buf dir = CY_BUF_INIT, want = CY_BUF_INIT, out = CY_BUF_INIT, path = CY_BUF_INIT;
	cy_vault *v = NULL;
	cy_import *im = NULL;
	cy_import_outcome oc;
	cy_record_info info;
	cy_check_stats st;
	char no[64], moved[64];
	const char *pw = "li-pass-1";

	(void)state;
	cy_path_join(&dir, tmp, "vault");
	copy_tree(CY_SRCDIR "/tests/fixtures/vault-v1/vault", cy_buf_cstr(&dir));
	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&dir), "li", pw, strlen(pw)), 0);
	for (int i = 0; i < 3; i++) {
		snprintf(no, sizeof(no),
			 "Z109-WS\xc2\xb7"
			 "2019-D10-%04d",
			 i + 1);
		cy_buf_clear(&path);
		cy_buf_printf(&path, CY_SRCDIR "/tests/fixtures/vault-v1/files/%s", files[i]);
		cy_buf_clear(&want);
		assert_int_equal(tu_read_file(cy_buf_cstr(&path), &want), 0);
		cy_buf_clear(&out);
		assert_int_equal(cy_record_get(v, no, collect, &out), 0);
		assert_int_equal(out.len, want.len);
		assert_memory_equal(out.ptr, want.ptr, want.len);
		assert_int_equal(cy_record_show(v, no, &info), 0);
		assert_int_equal(info.meta_version, 1);
		assert_string_equal(info.source, files[i]);
		cy_record_info_release(&info);
	}
	/* new records go in beside them, numbered after them, in format 2 */
	cy_record_new r = {.klass = CY_CLASS_CORRESPONDENCE, .year = 2019, .title = "new"};
	cy_record_part p = {"original", "a new letter", 12, "text"};
	assert_int_equal(cy_import_begin(v, "Z109", &im), 0);
	assert_int_equal(cy_record_create(im, &r, &p, 1, &oc, no), 0);
	assert_string_equal(no, "Z109-WS\xc2\xb7"
				"2019-D10-0004");
	assert_int_equal(cy_import_commit(im), 0);
	cy_import_free(im);
	/* a version-1 record amended gets layout-2 metadata and still reads */
	cy_record_amend a = {.klass = -1, .date = "2019-07-01"};
	assert_int_equal(cy_record_amend_apply(v,
					       "Z109-WS\xc2\xb7"
					       "2019-D10-0001",
					       &a, moved),
			 0);
	assert_int_equal(cy_record_show(v, moved, &info), 0);
	assert_int_equal(info.meta_version, 2);
	assert_string_equal(info.date, "2019-07-01");
	assert_string_equal(info.title, "letter");
	cy_record_info_release(&info);
	cy_buf_clear(&out);
	assert_int_equal(cy_record_get(v, moved, collect, &out), 0);
	assert_int_equal(out.len, 43);
	assert_int_equal(cy_vault_check(v, NULL, NULL, NULL, NULL, NULL, &st), 0);
	assert_int_equal(st.problems, 0);
	assert_int_equal(st.verified, 4);
	cy_vault_close(v);
	tu_rmrf(tmp);
	free(tmp);
	cy_buf_release(&dir);
	cy_buf_release(&want);
	cy_buf_release(&out);
	cy_buf_release(&path);
}

/* ---- record signatures (docs/formats/record-sig.md) ---- */

static void test_record_sig_vector(void **state)
{
	static const char *DIGEST =
		"f3dae0c8495a3739f01df7826083f7508418ab13bfe3e6619d7425ac267751a2";
	static const char *PUB = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
	static const char *SIG = "cfccf3503f5154992c7b6a7ff89158be5e67283681bf669aa57008ff47ba5540"
				 "870e95d8e306d2fc6eb266f393261d25c1c191c61a8ef28b21b598247a6bfa0a";
	uint8_t dedup[32], meta[64], dk1[60], dk2[60], d[32], d2[32], digests[64], seed[32],
		pub[32], sig[64];
	int64_t subjects[2] = {5, 9};
	cy_catalog_recsig_obj objs[2] = {{.seq = 0,
					  .role = "",
					  .length = 1300,
					  .size = 1234,
					  .compressed = 0,
					  .owner = 0,
					  .dkey = dk1,
					  .dkey_len = 60,
					  .present = 1},
					 {.seq = 1,
					  .role = "text",
					  .length = 100,
					  .size = 80,
					  .compressed = 1,
					  .owner = 5,
					  .dkey = dk2,
					  .dkey_len = 60,
					  .present = 1}};
	cy_catalog_recsig_row r = {.id = 7,
				   .fonds_id = 1,
				   .year = 2019,
				   .item = 3,
				   .created_by = 2,
				   .size = 1234,
				   .archive_no = "Z109-WS\xc2\xb7"
						 "2019-D10-0003",
				   .klass = "correspondence",
				   .retention = "D10",
				   .org = "",
				   .status = "held",
				   .created = "2026-11-30T12:00:00Z",
				   .meta = meta,
				   .meta_len = 64,
				   .dedup = dedup,
				   .dedup_len = 32,
				   .objs = objs,
				   .nobjs = 2,
				   .subjects = subjects,
				   .nsubjects = 2};
	cy_buf hex = CY_BUF_INIT, msg = CY_BUF_INIT;
	char fp[33], row[33];

	(void)state;
	memset(dedup, 0xdd, 32);
	memset(dk1, 0xaa, 60);
	memset(dk2, 0xbb, 60);
	for (int i = 0; i < 64; i++)
		meta[i] = (uint8_t)i;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(i + 1);
	assert_int_equal(cy_vault__recsig_digest(&r, NULL, d), 0);
	hex_of(d, 32, &hex);
	assert_string_equal(cy_buf_cstr(&hex), DIGEST);
	memcpy(digests, d, 32);
	memset(digests + 32, 0x11, 32);
	assert_int_equal(cy_vault__recsig_batch_msg("0123456789abcdef0123456789abcdef", "Z109", 57,
						    digests, 2, &msg),
			 0);
	assert_int_equal(cy_ed25519_public(seed, pub), 0);
	cy_buf_clear(&hex);
	hex_of(pub, 32, &hex);
	assert_string_equal(cy_buf_cstr(&hex), PUB);
	assert_int_equal(cy_ed25519_sign(seed, msg.ptr, msg.len, sig), 0);
	cy_buf_clear(&hex);
	hex_of(sig, 64, &hex);
	assert_string_equal(cy_buf_cstr(&hex), SIG);
	assert_int_equal(cy_ed25519_verify(pub, msg.ptr, msg.len, sig), 0);
	cy_vault__recsig_fingerprint(pub, fp);
	assert_string_equal(fp, "65b60673d6ed884bf01c2c222d82ada0");
	cy_vault__recsig_fonds_row(
		"Z109",
		"\xe4\xb8\x8a\xe6\xb5\xb7\xe6\x81\x92\xe7\x91\x9e\xe8\xb4"
		"\xb8\xe6\x98\x93\xe6\x9c\x89\xe9\x99\x90\xe5\x85\xac\xe5\x8f\xb8",
		"91350100M000100Y43", "2026-11-30T12:00:00Z", row);
	assert_string_equal(row, "0ce5223a6249f464ba3014bf11aa08d5");
	/* every covered field counts: a flipped bit of the metadata, another
	 * status, creator or creation time, a swapped data key, a dropped subject */
	meta[10] ^= 1;
	assert_int_equal(cy_vault__recsig_digest(&r, NULL, d2), 0);
	assert_memory_not_equal(d, d2, 32);
	meta[10] ^= 1;
	r.status = "destroyed";
	assert_int_equal(cy_vault__recsig_digest(&r, NULL, d2), 0);
	assert_memory_not_equal(d, d2, 32);
	r.status = "held";
	r.created_by = 3;
	assert_int_equal(cy_vault__recsig_digest(&r, NULL, d2), 0);
	assert_memory_not_equal(d, d2, 32);
	r.created_by = 2;
	dk2[0] ^= 1;
	assert_int_equal(cy_vault__recsig_digest(&r, NULL, d2), 0);
	assert_memory_not_equal(d, d2, 32);
	dk2[0] ^= 1;
	r.nsubjects = 1;
	assert_int_equal(cy_vault__recsig_digest(&r, NULL, d2), 0);
	assert_memory_not_equal(d, d2, 32);
	r.nsubjects = 2;
	assert_int_equal(cy_vault__recsig_digest(&r, NULL, d2), 0);
	assert_memory_equal(d, d2, 32);
	/* the signature binds the seq and the fonds */
	assert_int_equal(cy_vault__recsig_batch_msg("0123456789abcdef0123456789abcdef", "Z109", 58,
						    digests, 2, &msg),
			 0);
	assert_int_not_equal(cy_ed25519_verify(pub, msg.ptr, msg.len, sig), 0);
	assert_int_equal(cy_vault__recsig_batch_msg("0123456789abcdef0123456789abcdef", "Z110", 57,
						    digests, 2, &msg),
			 0);
	assert_int_not_equal(cy_ed25519_verify(pub, msg.ptr, msg.len, sig), 0);
	cy_error_clear();
	cy_buf_release(&hex);
	cy_buf_release(&msg);
}

static void count_check(void *arg, const cy_check_problem *p)
{
	print_message("# %s\n", p->problem);
	(*(int *)arg)++;
}

static int count_batches(void *arg, const cy_catalog_batch *b)
{
	int64_t *n = arg;

	n[0]++;
	n[1] += b->count;
	return 0;
}

static int ledger_has(void *arg, uint64_t seq, const char *entry, size_t n)
{
	(void)seq;
	if (memmem(entry, n, "\"action\":\"fonds.signkey\"", 24) &&
	    memmem(entry, n, "\"trust\":\"first-use\"", 19))
		(*(int *)arg)++;
	return 0;
}

/* A vault of schema 1: a viewer reads its unsigned records; the first
 * archivist of the fonds to open it makes the write key, logs it and signs
 * every record in one batch (trust on first use); check then verifies all. */
static void test_record_sig_legacy_first_use(void **state)
{
	char *tmp = tu_tmpdir();
	cy_buf dir = CY_BUF_INIT;
	cy_vault *v = NULL;
	cy_record_info info;
	int problems = 0, logged = 0;
	int64_t batches[2] = {0, 0};
	uint64_t verified = 0;
	const char *no = "Z109-WS\xc2\xb7"
			 "2019-D10-0002";

	(void)state;
	cy_path_join(&dir, tmp, "vault");
	copy_tree(CY_SRCDIR "/tests/fixtures/vault-v1/vault", cy_buf_cstr(&dir));
	/* li first, so that vv's pending grant is completed */
	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&dir), "li", "li-pass-1", 9), 0);
	assert_int_equal(cy_catalog_batch_each(v->cat, count_batches, batches), 0);
	assert_int_equal(batches[0], 1);
	assert_int_equal(batches[1], 3);
	assert_int_equal(cy_catalog_ledger_mentions(v->cat, "fonds.signkey", ledger_has, &logged),
			 0);
	assert_int_equal(logged, 1);
	assert_int_equal(cy_check_records(v, count_check, count_check, &problems, NULL, &verified),
			 0);
	assert_int_equal(problems, 0);
	assert_int_equal(verified, 3);
	cy_vault_close(v);
	/* opened again: nothing more is signed or logged */
	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&dir), "li", "li-pass-1", 9), 0);
	batches[0] = batches[1] = 0;
	logged = 0;
	assert_int_equal(cy_catalog_batch_each(v->cat, count_batches, batches), 0);
	assert_int_equal(batches[0], 1);
	assert_int_equal(cy_catalog_ledger_mentions(v->cat, "fonds.signkey", ledger_has, &logged),
			 0);
	assert_int_equal(logged, 1);
	cy_vault_close(v);
	tu_rmrf(tmp);
	free(tmp);

	/* a viewer before any archivist: the records read as they are, check warns */
	tmp = tu_tmpdir();
	cy_buf_clear(&dir);
	cy_path_join(&dir, tmp, "vault");
	copy_tree(CY_SRCDIR "/tests/fixtures/vault-v1/vault", cy_buf_cstr(&dir));
	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&dir), "vv", "vv-pass-1", 9), 0);
	assert_true(cy_vault__holds(v, "Z109"));
	assert_int_equal(cy_record_show(v, no, &info), 0);
	cy_record_info_release(&info);
	problems = 0;
	assert_int_equal(cy_check_records(v, count_check, count_check, &problems, NULL, &verified),
			 0);
	assert_int_equal(problems, 1); /* the warning: no write key yet */
	cy_vault_close(v);
	tu_rmrf(tmp);
	free(tmp);
	cy_buf_release(&dir);
}

/* Import signs a batch from the digests it computes as it inserts each row
 * (vault_import.c record_digest), never reading the rows back: those digests
 * must be what check computes from the catalog, for records with several
 * parts, several subjects (given out of order), an object a subject owns; a
 * failed record in the batch leaves neither its row nor its digest, and a
 * transaction whose only record failed leaves no batch. */
static void test_record_sig_import_batch(void **state)
{
	fixture *f = *state;
	cy_subject_fields sf1 = {.kind = "person", .name = "王小明"};
	cy_subject_fields sf2 = {.kind = "person", .name = "李四"};
	cy_vault *v = NULL;
	cy_import *im = NULL;
	cy_import_outcome oc;
	int64_t sid[2] = {0, 0}, both[2], batches[2] = {0, 0};
	char id[CY_SUBJECT_ID_MAX], no[64];
	cy_record_part parts[3] = {{"original", "合同正文", 12, "text"},
				   {"scan", "\x89PNG....", 8, "png"},
				   {"text", "contract text", 13, "text"}};
	cy_record_part one = {"original", "owned by one customer", 21, "text"};
	cy_record_part lone = {"original", "a later batch", 13, "text"};
	uint64_t verified = 0;
	int problems = 0;

	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&f->vault), "li", PW, strlen(PW)), 0);
	assert_int_equal(cy_import_begin(v, "A001", &im), 0);
	assert_int_equal(cy_import_subject(im, &sf1, &sid[0], id), 0);
	assert_int_equal(cy_import_subject(im, &sf2, &sid[1], id), 0);
	assert_true(sid[0] < sid[1]);
	both[0] = sid[1];
	both[1] = sid[0];
	cy_record_new r = {.klass = CY_CLASS_CONTRACT,
			   .year = 2022,
			   .title = "合同",
			   .subjects = both,
			   .nsubjects = 2};
	assert_int_equal(cy_record_create(im, &r, parts, 3, &oc, no), 0);
	assert_int_equal(oc, CY_IMPORTED);
	cy_record_new bad = {.klass = CY_CLASS_CONTRACT, .year = 0, .title = "no year"};
	assert_int_equal(cy_record_create(im, &bad, &one, 1, &oc, no), CY_EINVALID);
	cy_record_new owned = {
		.klass = CY_CLASS_CUSTOMER, .year = 2022, .subjects = &sid[0], .nsubjects = 1};
	assert_int_equal(cy_record_create(im, &owned, &one, 1, &oc, no), 0);
	assert_int_equal(cy_import_commit(im), 0);
	/* a transaction whose only record fails */
	assert_int_equal(cy_record_create(im, &bad, &lone, 1, &oc, no), CY_EINVALID);
	assert_int_equal(cy_import_commit(im), 0);
	cy_record_new later = {.klass = CY_CLASS_OTHER, .year = 2023};
	assert_int_equal(cy_record_create(im, &later, &lone, 1, &oc, no), 0);
	assert_int_equal(cy_import_commit(im), 0);
	cy_import_free(im);

	assert_int_equal(cy_catalog_batch_each(v->cat, count_batches, batches), 0);
	assert_int_equal(batches[0], 2);
	assert_int_equal(batches[1], 3);
	assert_int_equal(cy_vault__recsig_verify(v, no), 0);
	assert_int_equal(cy_check_records(v, count_check, count_check, &problems, NULL, &verified),
			 0);
	assert_int_equal(problems, 0);
	assert_int_equal(verified, 3);
	/* and a row changed behind the vault's back is caught */
	assert_int_equal(
		cy_catalog_exec(v->cat, "UPDATE record_objects SET role = 'x' WHERE seq = 2"), 0);
	assert_int_equal(cy_check_records(v, count_check, count_check, &problems, NULL, &verified),
			 0);
	assert_int_equal(problems, 1);
	assert_int_equal(verified, 2);
	cy_vault_close(v);

	/* a write key in the catalog that is not the one the ledger recorded:
	 * nothing is imported (the import does not begin) */
	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&f->vault), "li", PW, strlen(PW)), 0);
	assert_int_equal(cy_catalog_exec(v->cat, "UPDATE fonds SET sign_pub = randomblob(32)"), 0);
	assert_int_equal(cy_import_begin(v, "A001", &im), CY_ECORRUPT);
	assert_non_null(strstr(cy_error_message(), "write key"));
	cy_vault_close(v);
}

typedef struct row_digest {
	uint8_t d[32];
	int n;
} row_digest;

static int take_row_digest(void *arg, const cy_catalog_recsig_row *r)
{
	row_digest *rd = arg;

	rd->n++;
	return cy_vault__recsig_digest(r, NULL, rd->d);
}

/* Change a record's row and set its stored digest to match, as someone with
 * sqlite3 (and no write key) can: only the batch's signature can tell. */
static void forge_row(cy_vault *v, const char *no, const char *created)
{
	char sql[256], hex[65];
	int64_t id = 0, batch = 0;
	row_digest rd = {{0}, 0};

	assert_int_equal(cy_catalog_record_batch_of(v->cat, no, &id, &batch), 1);
	snprintf(sql, sizeof(sql), "UPDATE records SET created = '%s' WHERE id = %lld", created,
		 (long long)id);
	assert_int_equal(cy_catalog_exec(v->cat, sql), 0);
	assert_int_equal(cy_catalog_recsig_each(v->cat, 0, id, id, 0, take_row_digest, &rd), 0);
	assert_int_equal(rd.n, 1);
	cy_hex_encode(rd.d, 32, hex);
	snprintf(sql, sizeof(sql), "UPDATE records SET digest = X'%s' WHERE id = %lld", hex,
		 (long long)id);
	assert_int_equal(cy_catalog_exec(v->cat, sql), 0);
}

/* Reading many records of one batch verifies the batch's signature once and
 * then checks each record against the signed digests it kept
 * (vault_recsig.c "seen"): that must still refuse a record whose row was
 * forged after the batch verified, and a batch whose signature changed. */
static void test_record_sig_batch_seen(void **state)
{
	fixture *f = *state;
	cy_vault *v = NULL;
	cy_import *im = NULL;
	cy_import_outcome oc;
	char no[5][64], sql[160];
	int64_t id = 0, batch = 0;
	cy_record_part part[5] = {{"original", "one", 3, "text"},
				  {"original", "two", 3, "text"},
				  {"original", "three", 5, "text"},
				  {"original", "four", 4, "text"},
				  {"original", "five", 4, "text"}};

	/* two batches: records 0-2, and 3-4 */
	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&f->vault), "li", PW, strlen(PW)), 0);
	assert_int_equal(cy_import_begin(v, "A001", &im), 0);
	for (int i = 0; i < 5; i++) {
		cy_record_new r = {.klass = CY_CLASS_OTHER, .year = 2022};
		assert_int_equal(cy_record_create(im, &r, &part[i], 1, &oc, no[i]), 0);
		if (i == 2)
			assert_int_equal(cy_import_commit(im), 0);
	}
	assert_int_equal(cy_import_commit(im), 0);
	cy_import_free(im);
	cy_vault_close(v);

	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&f->vault), "li", PW, strlen(PW)), 0);
	/* the first verifies its batch in full, the second is checked against it */
	assert_int_equal(cy_vault__recsig_verify(v, no[0]), 0);
	assert_int_equal(cy_vault__recsig_verify(v, no[1]), 0);
	/* a row forged after its batch verified: its digest is not a signed one */
	forge_row(v, no[2], "2001-01-01T00:00:00Z");
	assert_int_equal(cy_vault__recsig_verify(v, no[2]), CY_ECORRUPT);
	/* the other batch, kept; then its signature replaced: verified anew, refused */
	assert_int_equal(cy_vault__recsig_verify(v, no[3]), 0);
	assert_int_equal(cy_catalog_record_batch_of(v->cat, no[4], &id, &batch), 1);
	snprintf(sql, sizeof(sql), "UPDATE record_batches SET sig = randomblob(64) WHERE id = %lld",
		 (long long)batch);
	assert_int_equal(cy_catalog_exec(v->cat, sql), 0);
	assert_int_equal(cy_vault__recsig_verify(v, no[4]), CY_ECORRUPT);
	assert_int_equal(cy_vault__recsig_verify(v, no[3]), CY_ECORRUPT);
	cy_vault_close(v);

	/* verified in full, the first batch's stored digests no longer match its
	 * signature: none of its records is read */
	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&f->vault), "li", PW, strlen(PW)), 0);
	assert_int_equal(cy_vault__recsig_verify(v, no[1]), CY_ECORRUPT);
	assert_int_equal(cy_vault__recsig_verify(v, no[0]), CY_ECORRUPT);
	cy_vault_close(v);
}

static cy_vault *open_user(const char *dir, const char *user, const char *pw)
{
	cy_vault *v = NULL;

	if (cy_vault_open(&v, dir, user, pw, strlen(pw)))
		print_error("open %s: %s\n", user, cy_error_message());
	assert_non_null(v);
	return v;
}

/* A fonds whose archivists lost the write key: the recovery key's holder
 * seals it to an archivist again (cy_vault__recsig_recover, for `recovery
 * grant`); another recovery key opens nothing. */
static void test_record_sig_recovery(void **state)
{
	char *tmp = tu_tmpdir();
	cy_buf dir = CY_BUF_INIT, rec = CY_BUF_INIT;
	cy_vault *v;
	cy_import *im = NULL;
	uint8_t priv[32], other[32];
	bool pending = false;
	int64_t uid;
	uint8_t upub[32];
	cy_fonds_key *k;
	const char *p;

	(void)state;
	cy_path_join(&dir, tmp, "vault");
	assert_int_equal(cy_vault_init(cy_buf_cstr(&dir), "sec", PW, strlen(PW), 10, &rec), 0);
	p = strrchr(cy_buf_cstr(&rec), '-');
	assert_non_null(p);
	assert_int_equal(cy_hex_decode(p + 1, 64, priv, 32), 0);
	v = open_user(cy_buf_cstr(&dir), "sec", PW);
	assert_int_equal(cy_user_add(v, "li", CY_ROLE_ARCHIVIST, "li-pass-12", 10), 0);
	assert_int_equal(cy_user_add(v, "li2", CY_ROLE_ARCHIVIST, "li2-pass-12", 11), 0);
	cy_vault_close(v);
	v = open_user(cy_buf_cstr(&dir), "li", "li-pass-12");
	assert_int_equal(cy_fonds_add(v, "Z109", "Test Co", NULL), 0);
	cy_vault_close(v);
	v = open_user(cy_buf_cstr(&dir), "sec", PW);
	assert_int_equal(cy_user_grant(v, "li2", "Z109", &pending), 0);
	cy_vault_close(v);
	v = open_user(cy_buf_cstr(&dir), "li", "li-pass-12"); /* completes li2's grant, shares */
	/* the write key lost to li2, as if every archivist holding it were gone */
	assert_int_equal(cy_catalog_exec(v->cat, "UPDATE grants SET wslot = NULL"), 0);
	cy_vault_close(v);
	v = open_user(cy_buf_cstr(&dir), "li2", "li2-pass-12");
	assert_int_equal(cy_import_begin(v, "Z109", &im), CY_EPERM);
	k = cy_vault__fonds_key(v, "Z109");
	assert_non_null(k);
	uid = v->user_id;
	memcpy(upub, v->pub, 32);
	memcpy(other, priv, 32);
	other[1] ^= 1; /* not bit 0 of byte 0: X25519 clamps it */
	assert_int_equal(cy_vault__begin(v), 0);
	assert_int_equal(cy_vault__recsig_recover(v, other, k->fonds_id, "Z109", uid, upub),
			 CY_EAUTH);
	assert_int_equal(cy_vault__recsig_recover(v, priv, k->fonds_id, "Z109", uid, upub), 0);
	assert_int_equal(cy_vault__commit(v), 0);
	cy_vault_close(v);
	v = open_user(cy_buf_cstr(&dir), "li2", "li2-pass-12");
	assert_int_equal(cy_import_begin(v, "Z109", &im), 0);
	cy_import_free(im);
	cy_vault_close(v);
	cy_buf_wipe(&rec);
	cy_buf_release(&dir);
	tu_rmrf(tmp);
	free(tmp);
}

/* ---- the sidecar ---- */

static void test_record_sidecar(void **state)
{
	static const char good[] = "\xef\xbb\xbf"
				   "File, Year ,题名,门类,形成日期\r\n"
				   "a/x.pdf,2019,\"A, quoted\ntitle\",contract,2019-05\r\n"
				   "y.jpg,2020,,,\r\n"
				   "\r\n";
	cy_sidecar *s = NULL;
	const cy_sidecar_entry *e;

	(void)state;
	assert_int_equal(cy_sidecar_parse(good, sizeof(good) - 1, "m.csv", &s), 0);
	assert_int_equal(cy_sidecar_count(s), 2);
	e = cy_sidecar_find(s, NULL, "a/x.pdf");
	assert_non_null(e);
	assert_int_equal(e->year, 2019);
	assert_string_equal(e->title, "A, quoted\ntitle");
	assert_int_equal(e->klass, CY_CLASS_CONTRACT);
	assert_string_equal(e->date, "2019-05");
	e = cy_sidecar_find(s, NULL, "deep/dir/y.jpg"); /* by base name */
	assert_non_null(e);
	assert_int_equal(e->year, 2020);
	assert_null(e->title);
	assert_int_equal(e->klass, -1);
	assert_non_null(cy_sidecar_find(s, "a/", "x.pdf")); /* below the sidecar's directory */
	assert_null(cy_sidecar_find(s, NULL, "x.pdf"));
	cy_sidecar_free(s);
	/* a header and no rows: a sidecar describing nothing (found by the fuzzer) */
	assert_int_equal(cy_sidecar_parse("file,year\n", 10, "m.csv", &s), 0);
	assert_int_equal(cy_sidecar_count(s), 0);
	assert_null(cy_sidecar_find(s, "a/", "x.pdf"));
	cy_sidecar_free(s);

	static const struct {
		const char *csv, *msg;
	} bad[] = {
		{"", "is empty"},
		{"year\n2019\n", "no 'file' column"},
		{"file,year,file\n", "named twice"},
		{"file,year\nx,2019,extra\n", "more fields than columns"},
		{"file,year\nx,1800\n", "row 2: year is not a year"},
		{"file,year\nx,2019x\n", "year is not a year"},
		{"file,year\n,2019\n", "no file name"},
		{"file,year\n\"x,2019\n", "malformed CSV"},
		{"file,year\nx\xff,2019\n", "not UTF-8"},
		{"file,class\nx,nonsense\n", "unknown class"},
		{"file,year\nx,2019\nx,2020\n", "described twice"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = NULL;
		assert_int_equal(cy_sidecar_parse(bad[i].csv, strlen(bad[i].csv), "m.csv", &s),
				 CY_EINVALID);
		assert_null(s);
		if (!strstr(cy_error_message(), bad[i].msg))
			fail_msg("case %zu: '%s' does not say '%s'", i, cy_error_message(),
				 bad[i].msg);
	}
}

/* ---- document dates ---- */

static void test_record_doc_dates(void **state)
{
	static const char pdf[] = "%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
				  "2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
				  "3 0 obj <</CreationDate (D:20190301120000+08'00')>> endobj\n"
				  "trailer <</Size 4 /Root 1 0 R /Info 3 0 R>>\n%%EOF\n";
	static const char pdf_nodate[] = "%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\n"
					 "trailer <</Root 1 0 R>>\n%%EOF\n";
	cy_doc_date d;
	ExifData *ed;
	ExifEntry *e;
	unsigned char *raw = NULL;
	unsigned int rawn = 0;
	cy_buf jpg = CY_BUF_INIT;

	(void)state;
	assert_int_equal(cy_doc_date_pdf(pdf, sizeof(pdf) - 1, &d), 0);
	assert_int_equal(d.year, 2019);
	assert_string_equal(d.date, "2019-03-01");
	assert_string_equal(d.source, "pdf-creation-date");
	assert_int_equal(cy_doc_date_pdf(pdf_nodate, sizeof(pdf_nodate) - 1, &d), -1);
	assert_int_equal(cy_doc_date_pdf("not a pdf", 9, &d), -1);

	/* a JPEG whose APP1 segment carries EXIF DateTimeOriginal, made with libexif */
	ed = exif_data_new();
	assert_non_null(ed);
	exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_INTEL);
	e = exif_entry_new();
	exif_content_add_entry(ed->ifd[EXIF_IFD_EXIF], e);
	exif_entry_initialize(e, EXIF_TAG_DATE_TIME_ORIGINAL);
	assert_int_equal(e->size, 20);
	memcpy(e->data, "2021:07:15 09:30:00", 20);
	exif_data_save_data(ed, &raw, &rawn);
	assert_non_null(raw);
	cy_buf_put(&jpg, "\xff\xd8\xff\xe1", 4);
	cy_buf_put_u8(&jpg, (uint8_t)((rawn + 2) >> 8));
	cy_buf_put_u8(&jpg, (uint8_t)(rawn + 2));
	cy_buf_put(&jpg, raw, rawn);
	cy_buf_put(&jpg, "\xff\xd9", 2);
	assert_int_equal(cy_doc_date_jpeg(jpg.ptr, jpg.len, &d), 0);
	assert_int_equal(d.year, 2021);
	assert_string_equal(d.date, "2021-07-15");
	assert_string_equal(d.source, "exif-date-original");
	/* a day that does not exist keeps only the month */
	memcpy(e->data, "2019:02:31 10:00:00", 20);
	free(raw);
	raw = NULL;
	exif_data_save_data(ed, &raw, &rawn);
	jpg.len = 6;
	cy_buf_put(&jpg, raw, rawn);
	assert_int_equal(cy_doc_date_jpeg(jpg.ptr, jpg.len, &d), 0);
	assert_int_equal(d.year, 2019);
	assert_string_equal(d.date, "2019-02");
	/* a nonsense date is not a date */
	memcpy(e->data, "0000:00:00 00:00:00", 20);
	free(raw);
	raw = NULL;
	exif_data_save_data(ed, &raw, &rawn);
	jpg.len = 6;
	cy_buf_put(&jpg, raw, rawn);
	assert_int_equal(cy_doc_date_jpeg(jpg.ptr, jpg.len, &d), -1);
	assert_int_equal(cy_doc_date_jpeg("\xff\xd8\xff\xe0", 4, &d), -1);
	exif_entry_unref(e);
	exif_data_unref(ed);
	free(raw);
	cy_buf_release(&jpg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_meta_vector),
		cmocka_unit_test(test_record_dkey_vector),
		cmocka_unit_test(test_record_object_v2_vector),
		cmocka_unit_test_setup_teardown(test_record_create_parts_and_amend, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_record_subject_owned_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_subject_objects_across_epochs, setup,
						teardown),
		cmocka_unit_test(test_record_foundation_vault_upgrades),
		cmocka_unit_test(test_record_sig_vector),
		cmocka_unit_test(test_record_sig_legacy_first_use),
		cmocka_unit_test_setup_teardown(test_record_sig_import_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_sig_batch_seen, setup, teardown),
		cmocka_unit_test(test_record_sig_recovery),
		cmocka_unit_test(test_record_sidecar),
		cmocka_unit_test(test_record_doc_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
