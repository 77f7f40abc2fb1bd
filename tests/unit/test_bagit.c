/* test_bagit.c - src/transfer/bagit*.c and tar_safe.c: the tag-file parsers
 * (manifests, bag-info, bagit.txt, encodings, paths), SHA-512, the writer
 * (its refusals, a round trip through a memory tar, extraction and
 * validation in one pass), the vector of docs/formats/bagit.md, and
 * extraction's refusals of tars built here with libarchive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "crypto/crypto.h"
#include "custody/bagit.h"
#include "custody/buf.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "testutil.h"
#include "transfer/bagit_internal.h"

#include "custody/banned.h"

/* ---- parsers -------------------------------------------------------------------------------- */

struct lines {
	int n;
	char ck[8][140], path[8][64];
	size_t len[8];
	unsigned flags[8];
};

static int on_line(void *arg, size_t lineno, const char *ck, const char *path, size_t len,
		   unsigned flags)
{
	struct lines *l = arg;

	(void)lineno;
	assert_true(l->n < 8);
	snprintf(l->ck[l->n], sizeof(l->ck[0]), "%s", ck);
	memcpy(l->path[l->n], path, len < 63 ? len : 63);
	l->len[l->n] = len;
	l->flags[l->n++] = flags;
	return 0;
}

static void test_bagit_manifest_parse(void **state)
{
	static const char T[] = "abc12 data/a.txt\r\n"
				"\n"
				"DEF  data/with space.txt\n"
				"0a\t./data/b\r"
				"ff *data/c%0A%0d%25%7E%zz\n";
	struct lines l = {0};

	(void)state;
	assert_int_equal(cy_bag__parse_manifest(T, sizeof(T) - 1, on_line, &l), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.ck[0], "abc12");
	assert_string_equal(l.path[0], "data/a.txt");
	assert_int_equal(l.flags[0], 0);
	assert_string_equal(l.path[1], "data/with space.txt");
	assert_true(l.flags[1] & CY_BAG__LINE_TAB);
	assert_string_equal(l.path[2], "data/b");
	assert_true(l.flags[2] & CY_BAG__LINE_DOTSLASH);
	/* only %0A, %0D and %25 are decoded (RFC 8493 2.1.3) */
	assert_int_equal(l.len[3], strlen("data/c\n\r%%7E%zz"));
	assert_memory_equal(l.path[3], "data/c\n\r%%7E%zz", l.len[3]);
	assert_true(l.flags[3] & CY_BAG__LINE_STAR);

	memset(&l, 0, sizeof(l));
	assert_int_equal(cy_bag__parse_manifest(" ab data/x\n", 11, on_line, &l), CY_EINVALID);
	assert_int_equal(cy_bag__parse_manifest("abdata/x\n", 9, on_line, &l), CY_EINVALID);
	assert_int_equal(cy_bag__parse_manifest("ab \n", 4, on_line, &l), CY_EINVALID);
	assert_int_equal(cy_bag__parse_manifest("xyz data/x\n", 11, on_line, &l), CY_EINVALID);
	assert_non_null(strstr(cy_error_message(), "line 1"));
}

struct kv {
	int n;
	char label[8][32], value[8][128];
};

static int on_kv(void *arg, size_t lineno, const char *label, const char *value)
{
	struct kv *k = arg;

	(void)lineno;
	assert_true(k->n < 8);
	snprintf(k->label[k->n], 32, "%s", label);
	snprintf(k->value[k->n++], 128, "%s", value);
	return 0;
}

static void test_bagit_info_parse(void **state)
{
	static const char T[] = "Source-Organization: 示例公司\r\n"
				"External-Description: a long\r\n"
				"   value over\r\n"
				"\tthree lines\r\n"
				"Test: 1\n"
				"Test: 2\n";
	struct kv k = {0};
	bool loose;

	(void)state;
	assert_int_equal(cy_bag__parse_info(T, sizeof(T) - 1, on_kv, &k, &loose), 0);
	assert_false(loose);
	assert_int_equal(k.n, 4);
	assert_string_equal(k.value[0], "示例公司");
	assert_string_equal(k.label[1], "External-Description");
	assert_string_equal(k.value[1], "a long value over three lines");
	assert_string_equal(k.label[3], "Test");
	assert_string_equal(k.value[3], "2");

	memset(&k, 0, sizeof(k));
	assert_int_equal(cy_bag__parse_info("A :  x\nB:y", 11, on_kv, &k, &loose), 0);
	assert_true(loose);
	assert_string_equal(k.label[0], "A");
	assert_string_equal(k.value[0], "x");
	assert_string_equal(k.value[1], "y");

	assert_int_equal(cy_bag__parse_info("no colon\n", 9, on_kv, &k, &loose), CY_EINVALID);
	assert_int_equal(cy_bag__parse_info("  first\n", 8, on_kv, &k, &loose), CY_EINVALID);
	assert_int_equal(cy_bag__parse_info(": x\n", 4, on_kv, &k, &loose), CY_EINVALID);
}

static void test_bagit_decl_parse(void **state)
{
	cy_bag__decl d;
	uint64_t a, b;

	(void)state;
	assert_int_equal(cy_bag__parse_decl((const uint8_t *)"BagIt-Version: 1.0\r\n"
							     "Tag-File-Character-Encoding: UTF-8",
					    54, &d, NULL, NULL),
			 0);
	assert_int_equal(d.major, 1);
	assert_int_equal(d.minor, 0);
	assert_string_equal(d.encoding, "UTF-8");
	assert_string_equal(d.version, "1.0");
	assert_int_equal(cy_bag__parse_decl((const uint8_t *)"\xef\xbb\xbf"
							     "BagIt-Version: 1.0\n"
							     "Tag-File-Character-Encoding: UTF-8\n",
					    57, &d, NULL, NULL),
			 CY_EINVALID);
	assert_int_equal(cy_bag__parse_decl((const uint8_t *)"BagIt-Version : 1.0\n"
							     "Tag-File-Character-Encoding: UTF-8\n",
					    55, &d, NULL, NULL),
			 CY_EINVALID);
	assert_int_equal(cy_bag__parse_decl((const uint8_t *)"BagIt-Version: .97\n"
							     "Tag-File-Character-Encoding: UTF-8\n",
					    54, &d, NULL, NULL),
			 CY_EINVALID);
	assert_int_equal(cy_bag__parse_decl((const uint8_t *)"BagIt-Version: 0.97\n", 20, &d, NULL,
					    NULL),
			 CY_EINVALID);

	assert_int_equal(cy_bag__parse_oxum("58.2", &a, &b), 0);
	assert_true(a == 58 && b == 2);
	assert_int_equal(cy_bag__parse_oxum("58", &a, &b), CY_EINVALID);
	assert_int_equal(cy_bag__parse_oxum("5.8.2", &a, &b), CY_EINVALID);
	assert_int_equal(cy_bag__parse_oxum("99999999999999999999.1", &a, &b), CY_EINVALID);
}

static void test_bagit_decode_and_paths(void **state)
{
	static const uint8_t U16[] = {0xff, 0xfe, 'A', 0, ':', 0, ' ', 0, 0x3d, 0xd8, 0x00, 0xde};
	static const uint8_t L1[] = {'N', 0xfa, 0xf1, 'e', 'z'};
	cy_buf out = CY_BUF_INIT;
	const char *why;
	bool bom;

	(void)state;
	assert_int_equal(cy_bag__decode_text(U16, sizeof(U16), "UTF-16", &out, &bom), 0);
	assert_true(bom);
	assert_string_equal(cy_buf_cstr(&out), "A: \xf0\x9f\x98\x80");
	assert_int_equal(cy_bag__decode_text(U16, 11, "UTF-16", &out, &bom), CY_EINVALID);
	assert_int_equal(cy_bag__decode_text(L1, sizeof(L1), "ISO-8859-1", &out, &bom), 0);
	assert_string_equal(cy_buf_cstr(&out), "Núñez");
	assert_int_equal(cy_bag__decode_text(L1, sizeof(L1), "UTF-8", &out, &bom), CY_EINVALID);
	assert_int_equal(cy_bag__decode_text(L1, sizeof(L1), "EBCDIC", &out, &bom),
			 CY_EUNSUPPORTED);

	assert_true(cy_bag__path_clean("data/档案/a b.txt", strlen("data/档案/a b.txt"), &why));
	assert_true(cy_bag__path_clean("data/..a/b..", 12, &why));
	assert_false(cy_bag__path_clean("data/../x", 9, &why));
	assert_false(cy_bag__path_clean("/etc/passwd", 11, &why));
	assert_false(cy_bag__path_clean("data//x", 7, &why));
	assert_false(cy_bag__path_clean("data/./x", 8, &why));
	assert_false(cy_bag__path_clean("data/x/", 7, &why));
	assert_false(cy_bag__path_clean("data\\x", 6, &why));
	assert_false(cy_bag__path_clean("data/a\nb", 8, &why));
	assert_false(cy_bag__path_clean("data/\xff", 6, &why));
	assert_false(cy_bag__path_clean("", 0, &why));

	/* NFC and case folding: "Núñez" composed and decomposed, "A" and "a" */
	{
		cy_buf a = CY_BUF_INIT, b = CY_BUF_INIT;
		assert_int_equal(cy_bag__fold_key("data/N\xc3\xba\xc3\xb1"
						  "ez",
						  12, &a),
				 0);
		assert_int_equal(cy_bag__fold_key("data/NU\xcc\x81n\xcc\x83"
						  "ez",
						  14, &b),
				 0);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.ptr, b.ptr, a.len);
		cy_buf_release(&a);
		cy_buf_release(&b);
	}
	cy_buf_release(&out);
}

static void test_bagit_sha512(void **state)
{
	static const char *ABC = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
				 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
	uint8_t one[64], two[64];
	char hex[129];
	cy_sha512_ctx *c;

	(void)state;
	cy_sha512("abc", 3, one);
	cy_hex_encode(one, 64, hex);
	assert_string_equal(hex, ABC);
	assert_int_equal(cy_sha512_new(&c), 0);
	assert_int_equal(cy_sha512_update(c, "a", 1), 0);
	assert_int_equal(cy_sha512_update(c, "bc", 2), 0);
	assert_int_equal(cy_sha512_final(c, two), 0);
	assert_memory_equal(one, two, 64);
	cy_sha512_free(c);
	{
		cy_digest *d;
		assert_int_equal(cy_digest_new(&d, "md5"), 0);
		assert_int_equal(cy_digest_len(d), 16);
		assert_int_equal(cy_digest_update(d, "abc", 3), 0);
		assert_int_equal(cy_digest_final(d, one), 0);
		cy_hex_encode(one, 16, hex);
		assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
		cy_digest_free(d);
		assert_int_equal(cy_digest_new(&d, "sha3"), CY_EUNSUPPORTED);
	}
}

/* ---- writer --------------------------------------------------------------------------------- */

static int to_buf(void *arg, const void *data, size_t n)
{
	return cy_buf_put(arg, data, n);
}

struct mem {
	const uint8_t *p;
	size_t n, at, chunk;
};

static long from_mem(void *arg, void *buf, size_t n)
{
	struct mem *m = arg;
	size_t k = m->n - m->at;

	if (k > n)
		k = n;
	if (m->chunk && k > m->chunk)
		k = m->chunk;
	memcpy(buf, m->p + m->at, k);
	m->at += k;
	return (long)k;
}

static void test_bagit_writer_refuses(void **state)
{
	cy_buf tar = CY_BUF_INIT;
	cy_bag_writer *b;

	(void)state;
	assert_int_equal(cy_bag_writer_new(&b, "a/b", to_buf, &tar), CY_EINVALID);
	assert_int_equal(cy_bag_writer_new(&b, "..", to_buf, &tar), CY_EINVALID);
	assert_int_equal(cy_bag_writer_new(&b, "t", to_buf, &tar), 0);
	assert_int_equal(cy_bag_add_bytes(b, "../x", "", 0, 0), CY_EINVALID);
	assert_int_equal(cy_bag_add_bytes(b, "/etc/x", "", 0, 0), CY_EINVALID);
	assert_int_equal(cy_bag_add_bytes(b, "data//x", "", 0, 0), CY_EINVALID);
	assert_int_equal(cy_bag_add_bytes(b, "data/a\nb", "", 0, 0), CY_EINVALID);
	assert_int_equal(cy_bag_add_bytes(b, "bagit.txt", "", 0, 0), CY_EINVALID);
	assert_int_equal(cy_bag_add_bytes(b, "manifest-md5.txt", "", 0, 0), CY_EINVALID);
	assert_int_equal(cy_bag_add_bytes(b, "data", "", 0, 0), CY_EINVALID);
	assert_int_equal(cy_bag_add_bytes(b, "data/Straße", "x", 1, 0), 0);
	assert_int_equal(cy_bag_add_bytes(b, "data/Straße", "x", 1, 0), CY_EEXISTS);
	assert_int_equal(cy_bag_add_bytes(b, "data/STRASSE", "x", 1, 0), CY_EEXISTS);
	assert_int_equal(cy_bag_add_bytes(b, "data/Straße/x", "x", 1, 0), CY_EINVALID);
	assert_int_equal(cy_bag_info_add(b, "Payload-Oxum", "1.1"), CY_EINVALID);
	assert_int_equal(cy_bag_info_add(b, "Bad Label", "x"), CY_EINVALID);
	assert_int_equal(cy_bag_info_add(b, "Label", "a\x1b[31m"), CY_EINVALID);
	assert_int_equal(cy_bag_file_begin(b, "data/big", 4, 0), 0);
	assert_int_equal(cy_bag_file_write(b, "abc", 3), 0);
	assert_int_equal(cy_bag_file_end(b), CY_EINVALID); /* 3 of 4 bytes */
	cy_bag_writer_free(b);

	cy_buf_clear(&tar);
	assert_int_equal(cy_bag_writer_new(&b, "t", to_buf, &tar), 0);
	assert_int_equal(cy_bag_file_begin(b, "data/big", 2, 0), 0);
	assert_int_equal(cy_bag_file_write(b, "abc", 3), CY_EINVALID);
	cy_bag_writer_free(b);
	cy_buf_release(&tar);
}

/* The bag of docs/formats/bagit.md ("A small bag"). */
static int write_vector(cy_buf *tar, uint8_t tm[32])
{
	static const char REC[] = "{\"archive_no\":\"Z109-KH\xc2\xb7"
				  "2019-D30-0001\"}\n";
	cy_bag_writer *b;
	int rc;

	if ((rc = cy_bag_writer_new(&b, "transfer-1", to_buf, tar)))
		return rc;
	if ((rc = cy_bag_info_add(b, "Source-Organization", "示例贸易有限公司")) ||
	    (rc = cy_bag_info_add(b, "External-Identifier", "transfer-1")) ||
	    (rc = cy_bag_info_add(b, "Bagging-Date", "2026-01-01")) ||
	    (rc = cy_bag_add_bytes(b, "data/Z109/客户档案 1.txt", "hello\n", 6, 1767225600)) ||
	    (rc = cy_bag_add_bytes(b, "data/Z109/100%.csv", "a,b\n", 4, 1767225600)) ||
	    (rc = cy_bag_add_bytes(b, "metadata/records.jsonl", REC, sizeof(REC) - 1,
				   1767225600)) ||
	    (rc = cy_bag_finish(b, tm))) {
		cy_bag_writer_free(b);
		return rc;
	}
	cy_bag_writer_free(b);
	return 0;
}

static char *read_in(const char *dir, const char *rel)
{
	cy_buf p = CY_BUF_INIT, out = CY_BUF_INIT;

	cy_buf_printf(&p, "%s/%s", dir, rel);
	assert_int_equal(tu_read_file(cy_buf_cstr(&p), &out), 0);
	cy_buf_release(&p);
	return cy_buf_detach(&out);
}

static void test_bagit_round_trip(void **state)
{
	cy_buf tar = CY_BUF_INIT;
	uint8_t tm[32];
	char *dir = tu_tmpdir(), *top = NULL, *s;
	struct mem m;
	cy_bag_report rep, rep2;

	(void)state;
	assert_int_equal(write_vector(&tar, tm), 0);
	/* a plain tar: ustar magic in the first header, two zero blocks at the end */
	assert_true(tar.len % 512 == 0 && tar.len > 2048);
	assert_memory_equal(tar.ptr + 257, "ustar", 5);

	m = (struct mem){tar.ptr, tar.len, 0, 7777}; /* odd reads */
	assert_int_equal(cy_bag_extract_validate(from_mem, &m, dir, NULL, &top, &rep), 0);
	assert_string_equal(top, "transfer-1");
	assert_true(rep.valid && rep.complete);
	assert_int_equal(rep.nerrors, 0);
	assert_int_equal(rep.nwarnings, 0);
	assert_int_equal(rep.files, 2);
	assert_int_equal(rep.bytes, 10);
	assert_string_equal(rep.version, "1.0");
	assert_true(rep.has_tagmanifest_sha256);
	assert_memory_equal(rep.tagmanifest_sha256, tm, 32);
	assert_string_equal(cy_bag_info_get(&rep, "source-organization"), "示例贸易有限公司");
	assert_string_equal(cy_bag_info_get(&rep, "Payload-Oxum"), "10.2");
	assert_string_equal(cy_bag_info_get(&rep, "Bagging-Date"), "2026-01-01");
	assert_null(cy_bag_info_get(&rep, "Nothing"));

	/* the same verdict from the directory alone, reading every file */
	{
		cy_buf p = CY_BUF_INIT;
		cy_buf_printf(&p, "%s/%s", dir, top);
		assert_int_equal(cy_bag_validate(cy_buf_cstr(&p), &rep2), 0);
		assert_memory_equal(rep2.tagmanifest_sha256, tm, 32);
		cy_bag_report_free(&rep2);
		/* a flipped byte in the payload, then in a tag file: invalid, and said why */
		cy_buf_clear(&p);
		cy_buf_printf(&p, "%s/%s/data/Z109/客户档案 1.txt", dir, top);
		{
			FILE *f = fopen(cy_buf_cstr(&p), "r+");
			assert_non_null(f);
			fputc('j', f);
			fclose(f);
		}
		cy_buf_clear(&p);
		cy_buf_printf(&p, "%s/%s", dir, top);
		assert_int_equal(cy_bag_validate(cy_buf_cstr(&p), &rep2), CY_ECORRUPT);
		assert_false(rep2.valid);
		assert_int_equal(rep2.nerrors, 2); /* sha256 and sha512 */
		assert_non_null(strstr(rep2.errors[0], "客户档案 1.txt"));
		cy_bag_report_free(&rep2);
		cy_buf_release(&p);
	}
	/* the files of the vector */
	s = read_in(dir, "transfer-1/bagit.txt");
	assert_string_equal(s, "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n");
	free(s);
	s = read_in(dir, "transfer-1/manifest-sha256.txt");
	assert_string_equal(s, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  "
			       "data/Z109/客户档案 1.txt\n"
			       "5be08c9684a1d25efcee09318204824278b08bbfb4aef973ffefd0b9d7478313  "
			       "data/Z109/100%25.csv\n");
	free(s);
	s = read_in(dir, "transfer-1/bag-info.txt");
	assert_string_equal(s, "Source-Organization: 示例贸易有限公司\n"
			       "External-Identifier: transfer-1\n"
			       "Bagging-Date: 2026-01-01\n"
			       "Bag-Size: 10 B\n"
			       "Payload-Oxum: 10.2\n");
	free(s);
	cy_bag_report_free(&rep);
	free(top);
	tu_rmrf(dir);
	free(dir);
	cy_buf_release(&tar);
}

static void test_bagit_vector(void **state)
{
	static const char *TM = "d01e5d8aa2d31aa63744c5f954586d903b98247c19906948c2f39ced833b4d34";
	cy_buf tar = CY_BUF_INIT;
	uint8_t tm[32];
	char hex[65];

	(void)state;
	assert_int_equal(write_vector(&tar, tm), 0);
	cy_hex_encode(tm, 32, hex);
	assert_string_equal(hex, TM);
	cy_buf_release(&tar);
	/* docs/formats/bagit.md carries the same vector */
	{
		cy_buf doc = CY_BUF_INIT;
		assert_int_equal(tu_read_file(CY_SRCDIR "/docs/formats/bagit.md", &doc), 0);
		assert_non_null(strstr(cy_buf_cstr(&doc), TM));
		assert_non_null(
			strstr(cy_buf_cstr(&doc),
			       "5be08c9684a1d25efcee09318204824278b08bbfb4aef973ffefd0b9d7478313"
			       "  data/Z109/100%25.csv\n"));
		assert_non_null(strstr(cy_buf_cstr(&doc), "Bag-Size: 10 B\nPayload-Oxum: 10.2\n"));
		cy_buf_release(&doc);
	}
}

/* ---- hostile tars --------------------------------------------------------------------------- */

struct ent {
	const char *path;
	unsigned type;
	const char *data; /* regular files */
	const char *link; /* symlink target or hard link */
	int64_t declared; /* -1: the data's length */
};

static la_ssize_t la_to_buf(struct archive *a, void *c, const void *p, size_t n)
{
	(void)a;
	return cy_buf_put(c, p, n) ? -1 : (la_ssize_t)n;
}

static void make_tar(cy_buf *out, const struct ent *e, size_t n)
{
	struct archive *a = archive_write_new();
	struct archive_entry *en = archive_entry_new();
	locale_t old = cy_bag__utf8_begin(); /* non-ASCII names (see bagit_internal.h) */

	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open2(a, out, NULL, la_to_buf, NULL, NULL), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		archive_entry_clear(en);
		archive_entry_set_pathname_utf8(en, e[i].path);
		archive_entry_set_filetype(en, e[i].type);
		archive_entry_set_perm(en, 0644);
		if (e[i].type == AE_IFLNK)
			archive_entry_set_symlink(en, e[i].link);
		else if (e[i].link)
			archive_entry_set_hardlink(en, e[i].link);
		if (e[i].type == AE_IFREG && !e[i].link)
			archive_entry_set_size(en, e[i].data ? (la_int64_t)strlen(e[i].data) : 0);
		assert_int_equal(archive_write_header(a, en), ARCHIVE_OK);
		if (e[i].data)
			archive_write_data(a, e[i].data, strlen(e[i].data));
	}
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(en);
	cy_bag__utf8_end(old);
}

static int try_extract(const cy_buf *tar, const char *dir, const cy_bag_limits *lim)
{
	struct mem m = {tar->ptr, tar->len, 0, 0};

	return cy_bag_extract(from_mem, &m, dir, lim, NULL);
}

static bool empty_dir(const char *dir)
{
	cy_buf p = CY_BUF_INIT;
	int rc;

	cy_buf_printf(&p, "ls -A %s | grep -q .", dir);
	rc = system(cy_buf_cstr(&p));
	cy_buf_release(&p);
	return rc != 0;
}

static void test_bagit_extract_refuses(void **state)
{
	static const struct {
		struct ent e[3];
		size_t n;
		const char *reason;
	} C[] = {
		{{{"b/../x", AE_IFREG, "x", NULL, -1}}, 1, "'..'"},
		{{{"/tmp/x", AE_IFREG, "x", NULL, -1}}, 1, "absolute"},
		{{{"b/data/l", AE_IFLNK, NULL, "/etc/passwd", -1}}, 1, "symbolic link"},
		{{{"b/data/a", AE_IFREG, "x", NULL, -1},
		  {"b/data/h", AE_IFREG, NULL, "b/data/a", -1}},
		 2,
		 "hard link"},
		{{{"b/data/f", AE_IFIFO, NULL, NULL, -1}}, 1, "FIFO"},
		{{{"b/data/d", AE_IFCHR, NULL, NULL, -1}}, 1, "device"},
		{{{"b/data/A.txt", AE_IFREG, "x", NULL, -1},
		  {"b/data/a.txt", AE_IFREG, "y", NULL, -1}},
		 2,
		 "case folding"},
		{{{"b/data/N\xc3\xba\xc3\xb1"
		   "ez",
		   AE_IFREG, "x", NULL, -1},
		  {"b/data/Nu\xcc\x81n\xcc\x83"
		   "ez",
		   AE_IFREG, "y", NULL, -1}},
		 2,
		 "normalisation"},
		{{{"b/data/x", AE_IFREG, "x", NULL, -1}, {"c/data/y", AE_IFREG, "y", NULL, -1}},
		 2,
		 "outside the top"},
		{{{"x", AE_IFREG, "x", NULL, -1}}, 1, "top directory"},
		{{{"b/data/x", AE_IFREG, "x", NULL, -1}, {"b/data/x", AE_IFREG, "y", NULL, -1}},
		 2,
		 "twice"},
	};
	char *dir = tu_tmpdir();
	cy_buf tar = CY_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(C) / sizeof(C[0]); i++) {
		cy_buf_clear(&tar);
		make_tar(&tar, C[i].e, C[i].n);
		assert_int_equal(try_extract(&tar, dir, NULL), CY_ECORRUPT);
		if (!strstr(cy_error_message(), C[i].reason))
			fail_msg("case %zu: '%s' does not say '%s'", i, cy_error_message(),
				 C[i].reason);
		assert_true(empty_dir(dir));
	}

	/* limits: files, bytes per file, bytes in total */
	{
		struct ent e[2] = {{"b/data/x", AE_IFREG, "0123456789", NULL, -1},
				   {"b/data/y", AE_IFREG, "0123456789", NULL, -1}};
		cy_bag_limits l1 = {0, 1, 0}, l2 = {0, 0, 9}, l3 = {15, 0, 0};
		cy_buf_clear(&tar);
		make_tar(&tar, e, 2);
		assert_int_equal(try_extract(&tar, dir, &l1), CY_EINVALID);
		assert_int_equal(try_extract(&tar, dir, &l2), CY_EINVALID);
		assert_int_equal(try_extract(&tar, dir, &l3), CY_EINVALID);
		assert_true(empty_dir(dir));
		/* a tar cut short, in an entry and at an entry's end */
		{
			cy_buf cut = CY_BUF_INIT;
			cy_buf_put(&cut, tar.ptr, 512 + 5);
			assert_int_equal(try_extract(&cut, dir, NULL), CY_ECORRUPT);
			assert_true(empty_dir(dir));
			cy_buf_clear(&cut);
			cy_buf_put(&cut, tar.ptr, 1024); /* header and block of the first file */
			assert_int_equal(try_extract(&cut, dir, NULL), CY_ECORRUPT);
			assert_non_null(strstr(cy_error_message(), "ends early"));
			assert_true(empty_dir(dir));
			cy_buf_release(&cut);
		}
		assert_int_equal(try_extract(&tar, dir, NULL), 0);
		/* a second time: the top exists already */
		assert_int_equal(try_extract(&tar, dir, NULL), CY_EEXISTS);
	}
	/* a gzip-compressed tar is named as such */
	{
		cy_buf gz = CY_BUF_INIT;
		cy_buf_put(&gz, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
		cy_buf_put(&gz, tar.ptr, 600);
		assert_int_equal(try_extract(&gz, dir, NULL), CY_ECORRUPT);
		assert_non_null(strstr(cy_error_message(), "gzip"));
		cy_buf_release(&gz);
	}
	/* the work directory: not 0700, or a link */
	{
		cy_buf p = CY_BUF_INIT;
		chmod(dir, 0750);
		assert_int_equal(try_extract(&tar, dir, NULL), CY_EINVALID);
		chmod(dir, 0700);
		cy_buf_printf(&p, "%s.link", dir);
		assert_int_equal(symlink(dir, cy_buf_cstr(&p)), 0);
		assert_int_equal(try_extract(&tar, cy_buf_cstr(&p), NULL), CY_EINVALID);
		unlink(cy_buf_cstr(&p));
		cy_buf_release(&p);
	}
	cy_buf_release(&tar);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bagit_manifest_parse),
		cmocka_unit_test(test_bagit_info_parse),
		cmocka_unit_test(test_bagit_decl_parse),
		cmocka_unit_test(test_bagit_decode_and_paths),
		cmocka_unit_test(test_bagit_sha512),
		cmocka_unit_test(test_bagit_writer_refuses),
		cmocka_unit_test(test_bagit_round_trip),
		cmocka_unit_test(test_bagit_vector),
		cmocka_unit_test(test_bagit_extract_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
