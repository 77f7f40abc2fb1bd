/* test_vault.c - the vault facade through its public API: init, unlock,
 * users and roles, grants through key slots, fonds, import, get, check,
 * ledger verification, GB 32100 codes. */
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

#include "custody/buf.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "base/fsutil.h"
#include "custody/custody.h"
#include "testutil.h"
#include "catalog/catalog_sql.h"
#include "vault/vault_internal.h"

#define PW "correct horse"
#define PW2 "battery staple"

typedef struct fixture {
	char *dir;
	cy_buf vault;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	cy_buf rec = CY_BUF_INIT;

	f->dir = tu_tmpdir();
	cy_path_join(&f->vault, f->dir, "v");
	if (cy_vault_init(cy_buf_cstr(&f->vault), "sec", PW, strlen(PW), 10, &rec))
		return -1;
	cy_buf_wipe(&rec);
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

static cy_vault *open_as(fixture *f, const char *user, const char *pw)
{
	cy_vault *v = NULL;
	int rc = cy_vault_open(&v, cy_buf_cstr(&f->vault), user, pw, strlen(pw));

	if (rc)
		print_error("open as %s: %s\n", user, cy_error_message());
	assert_int_equal(rc, 0);
	return v;
}

static void add_user(fixture *f, const char *name, cy_role role)
{
	cy_vault *v = open_as(f, "sec", PW);

	assert_int_equal(cy_user_add(v, name, role, PW2, strlen(PW2)), 0);
	cy_vault_close(v);
}

static void write_file(const char *dir, const char *name, const char *data, size_t n)
{
	cy_buf p = CY_BUF_INIT;

	cy_path_join(&p, dir, name);
	assert_int_equal(cy_write_file_excl(cy_buf_cstr(&p), data, n, 0600), 0);
	cy_buf_release(&p);
}

static int import_one(cy_vault *v, const char *fonds, const char *dir, const char *name,
		      cy_import_outcome *oc, char *no)
{
	char title[64];
	cy_record_new r = {.klass = CY_CLASS_CONTRACT, .year = 2019, .title = title};
	cy_import *im = NULL;
	cy_import_item *it = NULL;
	cy_buf p = CY_BUF_INIT;
	int fd, rc;

	snprintf(title, sizeof(title), "%.*s", (int)strcspn(name, "."), name);
	rc = cy_import_begin(v, fonds, &im);
	if (rc)
		return rc;
	cy_path_join(&p, dir, name);
	fd = open(cy_buf_cstr(&p), O_RDONLY);
	rc = cy_import_prepare(im, fd, name, "text", &it);
	if (!rc)
		rc = cy_import_add(im, it, &r, oc, no);
	cy_import_item_free(it);
	close(fd);
	if (!rc)
		rc = cy_import_commit(im);
	cy_import_free(im);
	cy_buf_release(&p);
	return rc;
}

static int collect(void *arg, const void *p, size_t n)
{
	return cy_buf_put(arg, p, n);
}

static void test_vault_open_wrong_password(void **state)
{
	fixture *f = *state;
	cy_vault *v = NULL;

	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&f->vault), "sec", "nope-nope", 9),
			 CY_EAUTH);
	assert_string_equal(cy_error_message(), "wrong user name or password");
	assert_null(v);
	/* an unknown name: the same words (docs/security/hygiene.md) */
	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&f->vault), "nobody", PW, strlen(PW)),
			 CY_EAUTH);
	assert_string_equal(cy_error_message(), "wrong user name or password");
	v = open_as(f, "sec", PW);
	assert_int_equal(cy_vault_role(v), CY_ROLE_SECADMIN);
	/* the failed log-in is counted at the next one */
	assert_int_equal(cy_vault_failed_logins(v), 1);
	cy_vault_close(v);
}

static void test_vault_init_refuses_nonempty(void **state)
{
	fixture *f = *state;
	cy_buf rec = CY_BUF_INIT;

	assert_int_equal(cy_vault_init(cy_buf_cstr(&f->vault), "x", PW, strlen(PW), 10, &rec),
			 CY_EEXISTS);
	assert_int_equal(rec.len, 0);
	assert_int_equal(cy_vault_init(f->dir, "x", "short", 5, 10, &rec), CY_EINVALID);
}

static void test_vault_roles_and_grants(void **state)
{
	fixture *f = *state;
	cy_vault *v;
	bool pending;
	char no[64];
	cy_import_outcome oc;
	cy_buf out = CY_BUF_INIT;

	add_user(f, "li", CY_ROLE_ARCHIVIST);
	add_user(f, "aud", CY_ROLE_AUDITOR);
	add_user(f, "vv", CY_ROLE_VIEWER);

	/* secadmin cannot create a fonds; the archivist can */
	v = open_as(f, "sec", PW);
	assert_int_equal(cy_fonds_add(v, "Z109", "Test Co", NULL), CY_EPERM);
	cy_vault_close(v);
	v = open_as(f, "li", PW2);
	assert_int_equal(cy_fonds_add(v, "z10", "bad code", NULL), CY_EINVALID);
	assert_int_equal(cy_fonds_add(v, "Z109", "Test Co", "91350200M000000510"), CY_EINVALID);
	assert_int_equal(cy_fonds_add(v, "Z109", "Test Co", "91350100M000100Y43"), 0);
	assert_int_equal(cy_fonds_add(v, "Z109", "Again", NULL), CY_EEXISTS);
	write_file(f->dir, "a.txt", "contract of Zhang Wei", 21);
	assert_int_equal(import_one(v, "Z109", f->dir, "a.txt", &oc, no), 0);
	assert_int_equal(oc, CY_IMPORTED);
	assert_string_equal(no, "Z109-HT\xc2\xb7"
				"2019-D30-0001");
	cy_vault_close(v);

	/* administrative roles never hold fonds keys: a grant to them is refused */
	v = open_as(f, "sec", PW);
	assert_int_equal(cy_user_grant(v, "aud", "Z109", &pending), CY_EPERM);
	assert_int_equal(cy_user_grant(v, "vv", "Z109", &pending), 0);
	assert_true(pending);
	cy_vault_close(v);

	/* pending: the viewer sees nothing yet, and is told why */
	v = open_as(f, "vv", PW2);
	assert_int_equal(cy_record_get(v, no, collect, &out), CY_EPERM);
	assert_non_null(strstr(cy_error_message(), "is pending until a holder of the fonds key"));
	assert_int_equal(out.len, 0);
	cy_vault_close(v);
	/* a key holder opens the vault: the grant is completed */
	cy_vault_close(open_as(f, "li", PW2));
	v = open_as(f, "vv", PW2);
	if (cy_record_get(v, no, collect, &out))
		print_error("get: %s\n", cy_error_message());
	assert_int_equal(out.len, 21);
	assert_int_equal(out.len, 21);
	assert_memory_equal(out.ptr, "contract of Zhang Wei", 21);
	/* a viewer may not import */
	assert_int_equal(import_one(v, "Z109", f->dir, "a.txt", &oc, no), CY_EPERM);
	cy_vault_close(v);

	/* the auditor reads no records, but verifies the ledger */
	v = open_as(f, "aud", PW2);
	cy_buf_clear(&out);
	assert_int_equal(cy_record_get(v,
				       "Z109-HT\xc2\xb7"
				       "2019-D30-0001",
				       collect, &out),
			 CY_EPERM);
	uint64_t bad, n, ncp;
	assert_int_equal(cy_log_verify(v, &bad, &n, &ncp), 0);
	assert_true(n >= 8);
	assert_true(ncp >= 5);
	cy_vault_close(v);

	/* revoke: the viewer's key slot is gone */
	v = open_as(f, "sec", PW);
	assert_int_equal(cy_user_revoke(v, "vv", "Z109"), 0);
	assert_int_equal(cy_user_revoke(v, "vv", "Z109"), CY_ENOTFOUND);
	cy_vault_close(v);
	v = open_as(f, "vv", PW2);
	assert_int_equal(cy_record_get(v,
				       "Z109-HT\xc2\xb7"
				       "2019-D30-0001",
				       collect, &out),
			 CY_EPERM);
	assert_non_null(strstr(cy_error_message(), "is not granted fonds 'Z109'"));
	cy_vault_close(v);
	cy_buf_release(&out);
}

static void test_vault_import_dedup_and_numbering(void **state)
{
	fixture *f = *state;
	cy_vault *v;
	char no[64];
	cy_import_outcome oc;
	cy_record_info r;
	cy_buf big = CY_BUF_INIT, out = CY_BUF_INIT;
	uint8_t sha[32];
	char hex[65];

	add_user(f, "li", CY_ROLE_ARCHIVIST);
	v = open_as(f, "li", PW2);
	assert_int_equal(cy_fonds_add(v, "A001", "Co", NULL), 0);
	write_file(f->dir, "1.txt", "one", 3);
	write_file(f->dir, "2.txt", "two", 3);
	write_file(f->dir, "3.txt", "one", 3);
	/* 5 MiB + 3: the large-file path */
	for (int i = 0; i < (5 << 20) + 3; i++)
		cy_buf_putc(&big, (char)(i * 7 + (i >> 9)));
	write_file(f->dir, "big.bin", (char *)big.ptr, big.len);
	assert_int_equal(import_one(v, "A001", f->dir, "1.txt", &oc, no), 0);
	assert_string_equal(no, "A001-HT\xc2\xb7"
				"2019-D30-0001");
	assert_int_equal(import_one(v, "A001", f->dir, "2.txt", &oc, no), 0);
	assert_string_equal(no, "A001-HT\xc2\xb7"
				"2019-D30-0002");
	assert_int_equal(import_one(v, "A001", f->dir, "3.txt", &oc, no), 0);
	assert_int_equal(oc, CY_DUPLICATE);
	assert_string_equal(no, "A001-HT\xc2\xb7"
				"2019-D30-0001");
	assert_int_equal(import_one(v, "A001", f->dir, "big.bin", &oc, no), 0);
	assert_int_equal(oc, CY_IMPORTED);
	assert_int_equal(import_one(v, "A001", f->dir, "big.bin", &oc, no), 0);
	assert_int_equal(oc, CY_DUPLICATE);
	assert_string_equal(no, "A001-HT\xc2\xb7"
				"2019-D30-0003");

	assert_int_equal(cy_record_show(v, no, &r), 0);
	cy_sha256(big.ptr, big.len, sha);
	cy_hex_encode(sha, 32, hex);
	assert_string_equal(r.sha256, hex);
	assert_int_equal(r.size, big.len);
	assert_string_equal(r.title, "big");
	assert_string_equal(r.source, "big.bin");
	cy_record_info_release(&r);
	assert_int_equal(cy_record_get(v, no, collect, &out), 0);
	assert_int_equal(out.len, big.len);
	assert_memory_equal(out.ptr, big.ptr, big.len);

	cy_check_stats st;
	assert_int_equal(cy_vault_check(v, NULL, NULL, NULL, NULL, NULL, &st), 0);
	assert_int_equal(st.problems, 0);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.verified, 3);
	cy_vault_close(v);
	cy_buf_release(&big);
	cy_buf_release(&out);
}

static void test_vault_passwd(void **state)
{
	fixture *f = *state;
	cy_vault *v = open_as(f, "sec", PW), *w = NULL;

	assert_int_equal(cy_user_passwd(v, "tiny", 4), CY_EINVALID);
	assert_int_equal(cy_user_passwd(v, "a new password", 14), 0);
	cy_vault_close(v);
	assert_int_equal(cy_vault_open(&w, cy_buf_cstr(&f->vault), "sec", PW, strlen(PW)),
			 CY_EAUTH);
	cy_vault_close(open_as(f, "sec", "a new password"));
}

/* GB 32100 check characters, against the shared third-party list. */
static void test_vault_uscc_vectors(void **state)
{
	cy_buf data = CY_BUF_INIT;
	int checked = 0;

	(void)state;
	assert_true(cy_uscc_valid("91350100M000100Y43"));
	assert_true(cy_uscc_valid("91110000802100433B"));
	assert_false(cy_uscc_valid("91350200M000000510"));
	assert_false(cy_uscc_valid("91350100M000100Y4"));
	assert_int_equal(tu_read_file(CY_TESTDATA "/ids/cn_ids.tsv", &data), 0);
	for (char *line = (char *)data.ptr, *next; line && *line; line = next) {
		char *col[8] = {0};
		int nc = 0;
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		for (char *c = line; nc < 8 && c; nc++) {
			col[nc] = c;
			c = strchr(c, '\t');
			if (c)
				*c++ = 0;
		}
		if (nc < 7 || strncmp(col[0], "cn_uscc", 7))
			continue;
		/* the checksum column is the pure GB 32100 verdict */
		bool want = !strcmp(col[5], "true");
		char norm[64];
		size_t k = 0;
		/* the list's verdicts are on the normalised code: no spaces or dashes, upper case */
		for (const char *c = col[1]; *c && k < sizeof(norm) - 1; c++)
			if (*c != ' ' && *c != '-')
				norm[k++] = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
		norm[k] = 0;
		if (cy_uscc_valid(norm) != want)
			print_error("USCC %s: expected %d\n", col[1], want);
		assert_int_equal(cy_uscc_valid(norm), want);
		checked++;
	}
	assert_true(checked >= 20);
	cy_buf_release(&data);
}

static void test_vault_classes(void **state)
{
	cy_class c;
	cy_role r;

	(void)state;
	assert_int_equal(cy_class_parse("accounting", &c), 0);
	assert_string_equal(cy_class_code(c), "KJ");
	assert_int_equal(cy_class_parse("nope", &c), CY_EINVALID);
	assert_int_equal(cy_role_parse("auditor", &r), 0);
	assert_false(cy_role_holds_content(r));
	assert_true(cy_role_holds_content(CY_ROLE_VIEWER));
	assert_true(cy_retention_valid("D30"));
	assert_false(cy_retention_valid("D5"));
	assert_true(cy_fonds_code_valid("Z109"));
	assert_false(cy_fonds_code_valid("z109"));
	assert_false(cy_fonds_code_valid("Z1090"));
}

/* The certificate and grant messages of docs/formats/keys.md, byte for byte,
 * and a certificate that stops verifying when the role is changed. */
static void test_vault_cert_construction(void **state)
{
	fixture *f = *state;
	cy_buf m = CY_BUF_INIT;
	uint8_t pub[32];
	cy_vault *v;

	for (int i = 0; i < 32; i++)
		pub[i] = (uint8_t)i;
	cy_vault__cert_msg("00112233445566778899aabbccddeeff", 7, "li", "archivist", pub, NULL, 0,
			   &m);
	assert_int_equal(m.len, 20 + 1 + 32 + 1 + 1 + 1 + 2 + 1 + 9 + 1 + 32);
	assert_memory_equal(m.ptr,
			    "custody/user-cert/v1\0"
			    "00112233445566778899aabbccddeeff\0"
			    "7\0li\0archivist\0",
			    m.len - 32);
	assert_memory_equal(m.ptr + m.len - 32, pub, 32);
	{
		uint8_t upub[32];
		for (int i = 0; i < 32; i++)
			upub[i] = (uint8_t)(0x80 + i);
		cy_vault__cert_msg("00112233445566778899aabbccddeeff", 7, "li", "archivist", pub,
				   upub, 3, &m);
		assert_int_equal(m.len, 20 + 1 + 32 + 1 + 1 + 1 + 2 + 1 + 9 + 1 + 1 + 1 + 64);
		assert_memory_equal(m.ptr,
				    "custody/user-cert/v2\0"
				    "00112233445566778899aabbccddeeff\0"
				    "7\0li\0archivist\0"
				    "3\0",
				    m.len - 64);
		assert_memory_equal(m.ptr + m.len - 64, pub, 32);
		assert_memory_equal(m.ptr + m.len - 32, upub, 32);
	}
	/* the grant message (version 2): test_vault_grant_v2_vector */

	/* a vault's own first user verifies; the same row with another role does not */
	v = open_as(f, "sec", PW);
	{
		cy_stmt *s;
		size_t pn, cn;
		const void *p, *c;
		assert_int_equal(
			cy_catalog_prepare(v->cat, "SELECT pub, cert FROM users WHERE name = 'sec'",
					   &s),
			0);
		assert_int_equal(cy_stmt_step(s), 1);
		p = cy_stmt_blob(s, 0, &pn);
		c = cy_stmt_blob(s, 1, &cn);
		assert_int_equal(v->serial, 1);
		assert_int_equal(cy_vault__verify_cert(v, v->user_id, "sec", "secadmin", p, v->upub,
						       1, c, cn),
				 0);
		assert_int_equal(cy_vault__verify_cert(v, v->user_id, "sec", "viewer", p, v->upub,
						       1, c, cn),
				 CY_ECORRUPT);
		assert_int_equal(cy_vault__verify_cert(v, v->user_id + 1, "sec", "secadmin", p,
						       v->upub, 1, c, cn),
				 CY_ECORRUPT);
		/* another serial, or the version-1 form of the same row, does not verify */
		assert_int_equal(cy_vault__verify_cert(v, v->user_id, "sec", "secadmin", p, v->upub,
						       2, c, cn),
				 CY_ECORRUPT);
		assert_int_equal(cy_vault__verify_cert(v, v->user_id, "sec", "secadmin", p, NULL, 0,
						       c, cn),
				 CY_ECORRUPT);
		cy_stmt_reset(s);
	}
	cy_vault_close(v);
	cy_buf_release(&m);
}

/* docs/formats/keys.md "Key slots, version 2": the settings layout, byte for
 * byte as the document gives it, and back. */
static void test_vault_settings_vector(void **state)
{
	cy_vault_settings in, out;
	uint8_t enc[CY_SETTINGS_LEN];
	char hex[2 * CY_SETTINGS_LEN + 1];
	cy_buf doc = CY_BUF_INIT;

	(void)state;
	for (int i = 0; i < 16; i++)
		in.vault_id[i] = (uint8_t)i;
	for (int i = 0; i < 32; i++) {
		in.admin_pub[i] = (uint8_t)(0x20 + i);
		in.ledger_pub[i] = (uint8_t)(0x40 + i);
		in.recovery_pub[i] = (uint8_t)(0x60 + i);
	}
	in.kdf_min = 15;
	cy_vault__settings_encode(&in, enc);
	cy_hex_encode(enc, sizeof(enc), hex);
	assert_int_equal(tu_read_file(CY_SRCDIR "/docs/formats/keys.md", &doc), 0);
	assert_int_equal(cy_buf_put(&doc, "", 1), 0);
	assert_non_null(strstr((char *)doc.ptr, hex));
	assert_int_equal(cy_vault__settings_decode(enc, &out), 0);
	assert_memory_equal(&in, &out, sizeof(in));
	enc[0] = 2;
	assert_int_equal(cy_vault__settings_decode(enc, &out), CY_ECORRUPT);
	cy_buf_release(&doc);
}

/* Item 1 of issue 6: the recovery key or the scrypt cost replaced in the
 * catalog stops every user at the door, naming the setting. */
static void test_vault_settings_edit_refused(void **state)
{
	fixture *f = *state;
	cy_vault *v = open_as(f, "sec", PW), *w = NULL;
	static const char *edits[] = {
		"UPDATE meta SET value = zeroblob(32) WHERE key = 'recovery_pub'",
		"UPDATE meta SET value = CAST('12' AS BLOB) WHERE key = 'kdf_log2n'",
		"UPDATE meta SET value = zeroblob(32) WHERE key = 'admin_pub'",
	};
	static const char *names[] = {"recovery key", "key-derivation cost", "admin key"};

	assert_int_equal(cy_catalog_exec(v->cat, "CREATE TEMP TABLE saved AS SELECT * FROM meta"),
			 0);
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		assert_int_equal(cy_catalog_exec(v->cat, edits[i]), 0);
		assert_int_equal(cy_vault_open(&w, cy_buf_cstr(&f->vault), "sec", PW, strlen(PW)),
				 CY_ECORRUPT);
		if (!strstr(cy_error_message(), names[i]))
			print_error("%s: %s\n", names[i], cy_error_message());
		assert_non_null(strstr(cy_error_message(), names[i]));
		assert_int_equal(cy_catalog_exec(v->cat,
						 "UPDATE meta SET value = (SELECT value FROM"
						 " temp.saved s WHERE s.key = meta.key)"),
				 0);
		cy_vault_close(open_as(f, "sec", PW));
	}
	cy_vault_close(v);
}

/* docs/formats/keys.md "Grants, version 2" and "Key roll-over": the messages
 * byte for byte and their Ed25519 signatures, as printed there. */
static void test_vault_grant_v2_vector(void **state)
{
	uint8_t seed[32], useed[32], leaf[32], pub[32], upub[32], sig[64];
	char hex[2 * 256 + 1];
	cy_buf m = CY_BUF_INIT, doc = CY_BUF_INIT;
	const char *vid = "000102030405060708090a0b0c0d0e0f";

	(void)state;
	for (int i = 0; i < 32; i++) {
		seed[i] = (uint8_t)i;
		useed[i] = (uint8_t)(0x40 + i);
		pub[i] = (uint8_t)(0x60 + i);
		upub[i] = (uint8_t)(0x80 + i);
		leaf[i] = (uint8_t)(0xa0 + i);
	}
	assert_int_equal(tu_read_file(CY_SRCDIR "/docs/formats/keys.md", &doc), 0);
	assert_int_equal(cy_buf_put(&doc, "", 1), 0);
	assert_int_equal(cy_vault__grant_msg2(vid, 7, "Z109", 3, 42, leaf, &m), 0);
	assert_int_equal(m.len, 17 + 33 + 2 + 5 + 2 + 3 + 32);
	assert_memory_equal(m.ptr,
			    "custody/grant/v2\0"
			    "000102030405060708090a0b0c0d0e0f\0"
			    "7\0Z109\0"
			    "3\0"
			    "42\0",
			    m.len - 32);
	cy_hex_encode(m.ptr, m.len, hex);
	assert_non_null(strstr((char *)doc.ptr, hex));
	assert_int_equal(cy_ed25519_sign(seed, m.ptr, m.len, sig), 0);
	cy_hex_encode(sig, 64, hex);
	assert_non_null(strstr((char *)doc.ptr, hex));
	assert_int_equal(cy_vault__rollover_msg(vid, 7, "li", "archivist", 1, 2, pub, upub, &m), 0);
	cy_hex_encode(m.ptr, m.len, hex);
	assert_non_null(strstr((char *)doc.ptr, hex));
	assert_int_equal(cy_ed25519_sign(useed, m.ptr, m.len, sig), 0);
	cy_hex_encode(sig, 64, hex);
	assert_non_null(strstr((char *)doc.ptr, hex));
	cy_buf_release(&m);
	cy_buf_release(&doc);
}

/* docs/formats/keys.md "Fonds key epochs": the previous epoch's key sealed
 * under the new one, the key id, and the message its maker signs, with the
 * values computed by an independent implementation (Python's cryptography
 * package) and printed in the document. */
/* docs/formats/import-rejects.md: the vector, computed with Python's cryptography */
static void test_vault_reject_vector(void **state)
{
	uint8_t ek[32], nonce[12], h[32];
	char hex[2 * 104 + 1];
	const char raw[] = "C0006,,\xbe\xd3\xc3\xf1\xc9\xed\xb7\xdd\xd6\xa4,,13800138006\n";
	cy_buf pt = CY_BUF_INIT, out = CY_BUF_INIT, doc = CY_BUF_INIT;

	(void)state;
	for (int i = 0; i < 32; i++)
		ek[i] = (uint8_t)(i + 1);
	memset(nonce, 0x42, sizeof(nonce));
	assert_int_equal(cy_vault__reject_body(9, "the row has no customer name", raw,
					       sizeof(raw) - 1, &pt),
			 0);
	cy_hex_encode(pt.ptr, pt.len, hex);
	assert_string_equal(hex, "00000000000000090000001c74686520726f7720686173206e6f2063757374"
				 "6f6d6572206e616d65000000001f43303030362c2cbed3c3f1c9edb7ddd6a4"
				 "2c2c31333830303133383030360a");
	assert_int_equal(cy_vault__reject_seal(ek, "0123456789abcdef0123456789abcdef", "Z109", 7, 1,
					       &pt, nonce, &out),
			 0);
	assert_int_equal(out.len, 104);
	cy_sha256(out.ptr, out.len, h);
	cy_hex_encode(h, 32, hex);
	assert_string_equal(hex,
			    "a336b6f641f32b76bab7b6c86bd84d4e1195b3c29d01541343acf9f14f30ec65");
	/* and the document says so */
	assert_int_equal(tu_read_file(CY_SRCDIR "/docs/formats/import-rejects.md", &doc), 0);
	assert_int_equal(cy_buf_put(&doc, "", 1), 0);
	assert_non_null(strstr((char *)doc.ptr, hex));
	/* a body sealed for seq 1 does not open as seq 2 */
	cy_buf other = CY_BUF_INIT;
	assert_int_equal(cy_vault__reject_seal(ek, "0123456789abcdef0123456789abcdef", "Z109", 7, 2,
					       &pt, nonce, &other),
			 0);
	assert_memory_not_equal(other.ptr, out.ptr, out.len);
	cy_buf_release(&other);
	cy_buf_release(&pt);
	cy_buf_release(&out);
	cy_buf_release(&doc);
}

static void test_vault_epoch_vector(void **state)
{
	uint8_t key[32], prev_key[32], seed[32], nonce[12], prev[CY_EPOCH_PREV_LEN], kid[8];
	uint8_t rslot[80], leaf[32], ph[32], rh[32], mh[32], sig[64];
	char hex[2 * 64 + 1];
	cy_buf m = CY_BUF_INIT, doc = CY_BUF_INIT;
	const char *vid = "0123456789abcdef0123456789abcdef";

	(void)state;
	for (int i = 0; i < 32; i++) {
		key[i] = (uint8_t)i;
		prev_key[i] = (uint8_t)(32 + i);
		seed[i] = (uint8_t)(64 + i);
		leaf[i] = 0x44;
	}
	memset(nonce, 0x22, sizeof(nonce));
	memset(rslot, 0x33, sizeof(rslot));
	assert_int_equal(tu_read_file(CY_SRCDIR "/docs/formats/keys.md", &doc), 0);
	assert_int_equal(cy_buf_put(&doc, "", 1), 0);
	assert_int_equal(cy_vault__epoch_prev_seal(vid, "Z109", 1, key, nonce, prev_key, prev), 0);
	cy_hex_encode(prev, sizeof(prev), hex);
	assert_string_equal(hex, "222222222222222222222222"
				 "1b2fa52fe3cd7a1a564e404e0e03322e11a0d8ac1f470c80c97333982749d997"
				 "b1babc409a462bec14337e62d7f79f49");
	assert_non_null(strstr((char *)doc.ptr, hex + 24 + 64)); /* the tag */
	hex[24 + 64] = 0;
	assert_non_null(strstr((char *)doc.ptr, hex + 24)); /* the encrypted key */
	cy_vault__key_id(key, kid);
	cy_hex_encode(kid, 8, hex);
	assert_string_equal(hex, "e469debdbd91c2b3");
	cy_sha256(prev, sizeof(prev), ph);
	cy_sha256(rslot, sizeof(rslot), rh);
	assert_int_equal(cy_vault__epoch_msg(vid, "Z109", 1, 18, kid, ph, rh, leaf, &m), 0);
	assert_int_equal(m.len, 170);
	assert_memory_equal(m.ptr,
			    "custody/fonds-epoch/v1\0"
			    "0123456789abcdef0123456789abcdef\0"
			    "Z109\0"
			    "1\0"
			    "18\0",
			    23 + 33 + 5 + 2 + 3);
	cy_sha256(m.ptr, m.len, mh);
	cy_hex_encode(mh, 32, hex);
	assert_string_equal(hex,
			    "3f726342847e03117690e1ef71efcba6a46a9a5bea986c5a8e5d62ef03798b6e");
	assert_non_null(strstr((char *)doc.ptr, hex));
	assert_int_equal(cy_ed25519_sign(seed, m.ptr, m.len, sig), 0);
	cy_hex_encode(sig, 64, hex);
	assert_string_equal(hex,
			    "92bbd5eec15a33a10afd28a26b48c7025fa6e720cf628a589c0192e549f90e91"
			    "4957a6c69a05b2a06619d3f44aee20dd481b5564763755b3ebaca70801eada0f");
	assert_non_null(strstr((char *)doc.ptr, hex + 64));
	hex[64] = 0;
	assert_non_null(strstr((char *)doc.ptr, hex));
	/* the new key opens the old one; a flipped bit or another epoch number does not */
	{
		cy_aead *a = NULL;
		uint8_t out[32];
		const char aad[] = "custody/fonds-epoch-prev/v1\0"
				   "0123456789abcdef0123456789abcdef\0Z109\0"
				   "1";
		assert_int_equal(cy_aead_new(&a, key), 0);
		assert_int_equal(cy_aead_open(a, prev, aad, sizeof(aad) - 1, prev + 12, 48, out),
				 0);
		assert_memory_equal(out, prev_key, 32);
		assert_int_not_equal(
			cy_aead_open(a, prev, aad, sizeof(aad) - 2, prev + 12, 48, out), 0);
		prev[20] ^= 1;
		assert_int_not_equal(
			cy_aead_open(a, prev, aad, sizeof(aad) - 1, prev + 12, 48, out), 0);
		cy_aead_free(a);
	}
	cy_buf_release(&m);
	cy_buf_release(&doc);
}

static void grant_problem(void *arg, const cy_check_problem *p)
{
	(void)p;
	(*(int *)arg)++;
}

/* Issue 6 items 3 and 7 through the API: a revoked grant's row restored is
 * not loaded and check names it; a password change rolls the keys over
 * (serial 2), the old row restored is refused at open, and a secadmin's
 * log-in certifies the new keys. */
static void test_vault_grant_ledger_and_rollover(void **state)
{
	fixture *f = *state;
	cy_vault *v, *w = NULL;
	bool pending = false;
	cy_check_stats st;

	add_user(f, "li", CY_ROLE_ARCHIVIST);
	add_user(f, "vv", CY_ROLE_VIEWER);
	v = open_as(f, "li", PW2);
	assert_int_equal(cy_fonds_add(v, "Z109", "A Co", NULL), 0);
	cy_vault_close(v);
	v = open_as(f, "sec", PW);
	assert_int_equal(cy_user_grant(v, "vv", "Z109", &pending), 0);
	assert_true(pending);
	cy_vault_close(v);
	cy_vault_close(open_as(f, "li", PW2)); /* completes it */
	v = open_as(f, "vv", PW2);
	assert_true(cy_vault__holds(v, "Z109"));
	{
		/* the insider keeps a copy of the rows outside the catalog */
		cy_buf sql = CY_BUF_INIT;
		cy_buf_printf(
			&sql,
			"ATTACH '%s/keep.db' AS k; CREATE TABLE k.keep AS SELECT * FROM grants;"
			" DETACH k",
			f->dir);
		cy_buf path = CY_BUF_INIT;
		FILE *fp;
		cy_buf_printf(&path, "%s/keep.db", f->dir);
		assert_non_null(fp = fopen(cy_buf_cstr(&path), "w")); /* ATTACH does not create */
		fclose(fp);
		cy_buf_release(&path);
		assert_int_equal(cy_catalog_exec(v->cat, cy_buf_cstr(&sql)), 0);
		cy_buf_release(&sql);
	}
	cy_vault_close(v);
	v = open_as(f, "sec", PW);
	assert_int_equal(cy_user_revoke(v, "vv", "Z109"), 0);
	{
		cy_buf sql = CY_BUF_INIT;
		cy_buf_printf(
			&sql,
			"ATTACH '%s/keep.db' AS k; INSERT INTO grants SELECT * FROM k.keep x"
			" WHERE x.user_id = (SELECT id FROM users WHERE name = 'vv'); DETACH k",
			f->dir);
		assert_int_equal(cy_catalog_exec(v->cat, cy_buf_cstr(&sql)), 0);
		cy_buf_release(&sql);
	}
	cy_vault_close(v);
	v = open_as(f, "vv", PW2);
	assert_false(cy_vault__holds(v, "Z109"));
	assert_null(cy_vault__fonds_key(v, "Z109"));
	assert_non_null(strstr(cy_error_message(), "(grant.revoke)"));
	cy_vault_close(v);
	{
		int problems = 0;
		v = open_as(f, "sec", PW);
		assert_int_equal(cy_vault_check(v, grant_problem, NULL, &problems, NULL, NULL, &st),
				 0);
		assert_true(problems >= 1);
		assert_true(st.problems >= 1);
		assert_int_equal(cy_user_revoke(v, "vv", "Z109"), 0);
		cy_vault_close(v);
	}

	/* a password change: serial 2, a roll-over until a secadmin logs in */
	v = open_as(f, "li", PW2);
	assert_int_equal(v->serial, 1);
	{
		cy_buf sql = CY_BUF_INIT;
		cy_buf_printf(
			&sql,
			"ATTACH '%s/keep.db' AS k; CREATE TABLE k.old_li AS SELECT * FROM users"
			" WHERE name = 'li'; DETACH k",
			f->dir);
		assert_int_equal(cy_catalog_exec(v->cat, cy_buf_cstr(&sql)), 0);
		cy_buf_release(&sql);
	}
	assert_int_equal(cy_user_passwd(v, "a new password", 14), 0);
	assert_int_equal(v->serial, 2);
	cy_vault_close(v);
	assert_int_equal(cy_vault_open(&w, cy_buf_cstr(&f->vault), "li", PW2, strlen(PW2)),
			 CY_EAUTH);
	v = open_as(f, "li", "a new password");
	assert_true(cy_vault__holds(v, "Z109")); /* its fonds key sealed to the new key */
	cy_vault_close(v);
	cy_vault_close(open_as(f, "sec", PW)); /* certifies serial 2 */
	v = open_as(f, "li", "a new password");
	assert_int_equal(v->serial, 2);
	/* the old row back: old slot, keys, certificate and serial */
	{
		cy_buf sql = CY_BUF_INIT;
		cy_buf_printf(&sql,
			      "ATTACH '%s/keep.db' AS k; "
			      "UPDATE users SET pub = (SELECT pub FROM k.old_li), slot = "
			      "(SELECT slot FROM k.old_li), sign_slot = (SELECT sign_slot FROM "
			      "k.old_li), cert = (SELECT cert FROM k.old_li), upub = (SELECT upub "
			      "FROM k.old_li), serial = (SELECT serial FROM k.old_li) WHERE name = "
			      "'li'; DETACH k",
			      f->dir);
		assert_int_equal(cy_catalog_exec(v->cat, cy_buf_cstr(&sql)), 0);
		cy_buf_release(&sql);
	}
	cy_vault_close(v);
	assert_int_equal(cy_vault_open(&w, cy_buf_cstr(&f->vault), "li", PW2, strlen(PW2)),
			 CY_ECORRUPT);
	assert_non_null(strstr(cy_error_message(), "not the current ones"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vault_open_wrong_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vault_init_refuses_nonempty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vault_roles_and_grants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vault_import_dedup_and_numbering, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vault_passwd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vault_cert_construction, setup, teardown),
		cmocka_unit_test(test_vault_uscc_vectors),
		cmocka_unit_test(test_vault_settings_vector),
		cmocka_unit_test_setup_teardown(test_vault_settings_edit_refused, setup, teardown),
		cmocka_unit_test(test_vault_classes),
		cmocka_unit_test(test_vault_grant_v2_vector),
		cmocka_unit_test(test_vault_epoch_vector),
		cmocka_unit_test(test_vault_reject_vector),
		cmocka_unit_test_setup_teardown(test_vault_grant_ledger_and_rollover, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
