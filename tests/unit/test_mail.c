/* test_mail.c - the mail reader (include/custody/mail.h): every message of
 * the shared mikel_mail corpus read or rejected with a reason, known decoded
 * subjects, bodies and attachments from it; generated mboxes for the quirks
 * (From lines in bodies, a byte-order mark, CRLF, Content-Length framing,
 * Chinese charsets, a broken message among good ones, the limits); a
 * Maildir and a folder of .eml files. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "custody/buf.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/mail.h"
#include "testutil.h"

#define MIKEL CY_TESTDATA "/email/mikel_mail"

static bool has_problem(const cy_mail_message *m, const char *needle)
{
	for (size_t i = 0; i < m->nproblems; i++)
		if (strstr(m->problems[i], needle))
			return true;
	return false;
}

static bool body_starts(const cy_mail_message *m, const char *s)
{
	return m->body && m->body_len >= strlen(s) && !memcmp(m->body, s, strlen(s));
}

/* Read one file of the corpus as a single message. */
static cy_mail_message *parse_file(const char *rel)
{
	cy_buf b = CY_BUF_INIT;
	cy_mail_message *m = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", MIKEL, rel);
	assert_int_equal(tu_read_file(path, &b), 0);
	assert_int_equal(cy_mail_parse(b.ptr, b.len, NULL, &m), 0);
	assert_non_null(m);
	cy_buf_release(&b);
	return m;
}

/* Every message of an mbox in memory, in order; *n set. */
static cy_mail_message **read_mbox(const char *data, size_t len, const cy_mail_opts *o, size_t *n)
{
	cy_mail_reader *r = NULL;
	cy_mail_message **v = NULL, *m;

	*n = 0;
	assert_int_equal(cy_mail_open_mbox_mem(data, len, o, &r), 0);
	assert_int_equal(cy_mail_reader_kind(r), CY_MAIL_MBOX);
	while (assert_int_equal(cy_mail_next(r, &m), 0), m) {
		v = realloc(v, (*n + 1) * sizeof(*v));
		assert_non_null(v);
		assert_int_equal(m->number, *n + 1);
		v[(*n)++] = m;
	}
	cy_mail_reader_free(r);
	return v;
}

static void free_all(cy_mail_message **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cy_mail_message_free(v[i]);
	free(v);
}

static void check_utf8(const char *s)
{
	if (s)
		assert_true(cy_utf8_valid(s, strlen(s)));
}

/* ---- the shared corpus ---- */

static void test_mail_mikel_every_message(void **state)
{
	cy_mail_reader *r = NULL;
	cy_mail_message *m;
	uint64_t n = 0, read = 0, rejected = 0;
	char last[512] = "";

	(void)state;
	assert_int_equal(cy_mail_open(MIKEL, NULL, &r), 0);
	assert_int_equal(cy_mail_reader_kind(r), CY_MAIL_EML_DIR);
	while (assert_int_equal(cy_mail_next(r, &m), 0), m) {
		n++;
		assert_int_equal(m->number, n);
		assert_non_null(m->path);
		assert_true(strcmp(last, m->path) < 0); /* byte order, each once */
		snprintf(last, sizeof(last), "%s", m->path);
		assert_int_equal(m->offset, -1);
		if (m->reject) {
			rejected++;
			assert_true(strlen(m->reject) > 0);
			print_message("# reject %s: %s\n", m->path, m->reject);
		} else {
			struct stat st;
			char path[600];

			read++;
			snprintf(path, sizeof(path), "%s/%s", MIKEL, m->path);
			assert_int_equal(stat(path, &st), 0);
			assert_int_equal(m->raw_len, (size_t)st.st_size);
			check_utf8(m->subject);
			check_utf8(m->date);
			check_utf8(m->message_id);
			if (m->body) {
				assert_true(cy_utf8_valid(m->body, m->body_len));
				assert_true(!strcmp(m->body_type, "text/plain") ||
					    !strcmp(m->body_type, "text/html"));
			}
			for (size_t i = 0; i < m->nfrom; i++)
				check_utf8(m->from[i].name), assert_non_null(m->from[i].addr);
			for (size_t i = 0; i < m->nattachments; i++) {
				check_utf8(m->attachments[i].filename);
				assert_non_null(m->attachments[i].content_type);
				assert_true(m->attachments[i].size == 0 || m->attachments[i].data);
			}
			for (size_t i = 0; i < m->nproblems; i++)
				check_utf8(m->problems[i]);
		}
		cy_mail_message_free(m);
	}
	/* every .eml file below the folder (103), and the one file that is not */
	assert_int_equal(n, 103);
	assert_int_equal(cy_mail_reader_skipped(r), 1);
	print_message("# mikel_mail: %llu messages, %llu read, %llu rejected\n",
		      (unsigned long long)n, (unsigned long long)read,
		      (unsigned long long)rejected);
	cy_mail_reader_free(r);
}

static void test_mail_mikel_charsets(void **state)
{
	cy_mail_message *m;

	(void)state;
	m = parse_file("multi_charset/japanese.eml");
	assert_string_equal(m->subject, "まみむめも");
	assert_true(body_starts(m, "かきくえこ\n"));
	assert_string_equal(m->body_type, "text/plain");
	cy_mail_message_free(m);

	m = parse_file("multi_charset/japanese_iso_2022.eml");
	assert_string_equal(m->subject, "まみむめも");
	assert_true(body_starts(m, "すみません。"));
	cy_mail_message_free(m);

	m = parse_file("multi_charset/japanese_shift_jis.eml");
	assert_true(body_starts(m, "あいうえお"));
	assert_non_null(strstr(m->body, "このメールはテスト用のメールです。"));
	assert_int_equal(m->nproblems, 0);
	cy_mail_message_free(m);

	m = parse_file("multi_charset/ks_c_5601-1987.eml");
	assert_true(body_starts(m, "스티해"));
	cy_mail_message_free(m);

	m = parse_file("plain_emails/raw_email_with_partially_quoted_subject.eml");
	assert_string_equal(m->subject, "Re: Test: \"漢字\" mid \"漢字\" tail");
	cy_mail_message_free(m);

	m = parse_file("rfc2822/example14.eml");
	assert_string_equal(m->subject, "Re: TEST \tテストテスト");
	cy_mail_message_free(m);

	m = parse_file("rfc6532/utf8_headers.eml");
	assert_string_equal(m->subject, "Säying Hello");
	cy_mail_message_free(m);
}

static void test_mail_mikel_attachments(void **state)
{
	cy_mail_message *m;

	(void)state;
	m = parse_file("multi_charset/japanese_attachment.eml");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].filename, "てすと.txt");
	assert_string_equal(m->attachments[0].content_type, "text/plain");
	assert_int_equal(m->attachments[0].size, 33);
	assert_true(body_starts(m, "testing"));
	cy_mail_message_free(m);

	m = parse_file("multi_charset/japanese_attachment_long_name.eml");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].filename,
			    "かきくけこかきくけこかきくけこかきくけこかきくけこ.txt");
	assert_int_equal(m->attachments[0].size, 19);
	cy_mail_message_free(m);

	m = parse_file("attachment_emails/attachment_nonascii_filename.eml");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].filename, "ciële.txt");
	assert_int_equal(m->attachments[0].size, 11);
	cy_mail_message_free(m);

	m = parse_file("attachment_emails/attachment_with_quoted_filename.eml");
	assert_string_equal(m->subject, "Eelanalüüsi päring");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].filename, "Eelanalüüsi päring.jpg");
	assert_string_equal(m->attachments[0].content_type, "image/jpeg");
	assert_int_equal(m->attachments[0].size, 1952);
	assert_memory_equal(m->attachments[0].data, "\xff\xd8\xff", 3); /* a JPEG */
	cy_mail_message_free(m);

	m = parse_file("attachment_emails/attachment_pdf.eml");
	assert_string_equal(m->subject, "Another PDF with 🎉 Unicode chars in it 🍿");
	assert_int_equal(m->nto, 2);
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].filename, "broken.pdf");
	assert_string_equal(m->attachments[0].content_type, "application/pdf");
	assert_int_equal(m->attachments[0].size, 1026);
	assert_memory_equal(m->attachments[0].data, "%PDF", 4);
	cy_mail_message_free(m);

	/* an RFC 2231 name in iso-2022-jp with a byte that is not: a problem */
	m = parse_file("attachment_emails/attachment_with_encoded_name.eml");
	assert_null(m->reject);
	assert_int_equal(m->nattachments, 1);
	assert_true(has_problem(m, "attachment name"));
	check_utf8(m->attachments[0].filename);
	cy_mail_message_free(m);

	/* a forwarded message is an attachment of its own */
	m = parse_file("attachment_emails/attachment_message_rfc822.eml");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].content_type, "message/rfc822");
	assert_true(m->attachments[0].size > 1000);
	cy_mail_message_free(m);
}

static void test_mail_mikel_headers(void **state)
{
	cy_mail_message *m;
	cy_mail_reader *r = NULL;

	(void)state;
	m = parse_file("rfc2822/example01.eml");
	assert_string_equal(m->date, "1997-11-21T09:55:06-06:00");
	assert_true(m->date_valid);
	assert_int_equal(m->time, 880127706);
	assert_string_equal(m->message_id, "1234@local.machine.example");
	assert_int_equal(m->nfrom, 1);
	assert_string_equal(m->from[0].name, "John Doe");
	assert_string_equal(m->from[0].addr, "jdoe@machine.example");
	cy_mail_message_free(m);

	m = parse_file("plain_emails/raw_email_with_bad_date.eml");
	assert_false(m->date_valid);
	assert_string_equal(m->date, "Pn, 29 paX 2007 21:13:00 +0100");
	assert_true(has_problem(m, "Date"));
	cy_mail_message_free(m);

	/* a file that starts with a From line is an mbox of one */
	assert_int_equal(cy_mail_open(MIKEL "/plain_emails/raw_email.eml", NULL, &r), 0);
	assert_int_equal(cy_mail_reader_kind(r), CY_MAIL_MBOX);
	assert_int_equal(cy_mail_next(r, &m), 0);
	assert_non_null(m);
	assert_int_equal(m->offset, 0);
	assert_non_null(m->envelope);
	assert_string_equal(m->subject, "NOTE: 한국말로 하는 것");
	assert_true(body_starts(m, "대부분의 마찬가지로, 우리는 하나님을 믿습니다."));
	cy_mail_message_free(m);
	assert_int_equal(cy_mail_next(r, &m), 0);
	assert_null(m);
	cy_mail_reader_free(r);

	assert_int_equal(cy_mail_parse("this is not mail\n", 17, NULL, &m), 0);
	assert_non_null(m->reject);
	assert_non_null(m->raw); /* kept for the caller */
	assert_int_equal(m->reject_kind, CY_MAIL_REJECT_NOT_MAIL);
	cy_mail_message_free(m);
	assert_int_equal(cy_mail_parse("\r\n\n", 3, NULL, &m), 0);
	assert_string_equal(m->reject, "empty message");
	cy_mail_message_free(m);
}

/* ---- generated mboxes ---- */

#define PM(s) "From " s " Mon Jan  1 00:00:00 2024\n"

static void test_mail_mbox_from_lines(void **state)
{
	static const char box[] = PM(
		"a@example.cn") "Subject: one\n\n"
				"line\n"
				"From here on, unescaped, no blank line before\n"
				"\n"
				"From the desk of Li: a blank line before, no date\n"
				"\n"
				"From li@example.cn Mon Jan  1 00:00:00 2024 (a postmark, but body text after)\n"
				"and so on\n"
				">From escaped\n"
				"\n" PM("b@example.cn") "Subject: two\n\nsecond\n"
							"\n" PM("c@example.cn") "Subject: three\n\nthird\n";
	size_t n;
	cy_mail_message **v = read_mbox(box, sizeof(box) - 1, NULL, &n);

	(void)state;
	assert_int_equal(n, 3);
	assert_string_equal(v[0]->subject, "one");
	assert_string_equal(v[0]->envelope, "a@example.cn Mon Jan  1 00:00:00 2024");
	assert_int_equal(v[0]->offset, 0);
	assert_string_equal(v[0]->body,
			    "line\n"
			    "From here on, unescaped, no blank line before\n"
			    "\n"
			    "From the desk of Li: a blank line before, no date\n"
			    "\n"
			    "From li@example.cn Mon Jan  1 00:00:00 2024 (a postmark, but body text "
			    "after)\n"
			    "and so on\n"
			    ">From escaped\n");
	assert_string_equal(v[1]->subject, "two");
	assert_string_equal(v[1]->body, "second\n");
	assert_int_equal(v[1]->offset, strstr(box, "From b@example.cn") - box);
	/* raw: without the From line and the blank line that ends the message */
	assert_int_equal(v[1]->raw_len, strlen("Subject: two\n\nsecond\n"));
	assert_memory_equal(v[1]->raw, "Subject: two\n\nsecond\n", v[1]->raw_len);
	assert_string_equal(v[2]->subject, "three");
	assert_int_equal(v[2]->offset, strstr(box, "From c@example.cn") - box);
	free_all(v, n);
}

static void test_mail_mbox_bom_crlf(void **state)
{
	static const char box[] = "\xef\xbb\xbf"
				  "From a@b Mon Jan  1 00:00:00 2024\r\n"
				  "Subject: one\r\n\r\nbody one\r\n\r\n"
				  "From b@c Tue Jan  2 10:00:00 2024\r\n"
				  "Subject: two\r\n\r\nbody two\r\n";
	size_t n;
	cy_mail_message **v = read_mbox(box, sizeof(box) - 1, NULL, &n);

	(void)state;
	assert_int_equal(n, 2);
	assert_int_equal(v[0]->offset, 3);
	assert_string_equal(v[0]->subject, "one");
	assert_string_equal(v[0]->envelope, "a@b Mon Jan  1 00:00:00 2024");
	assert_true(body_starts(v[0], "body one"));
	assert_int_equal(v[0]->raw_len, strlen("Subject: one\r\n\r\nbody one\r\n"));
	assert_string_equal(v[1]->subject, "two");
	assert_int_equal(v[1]->offset, strstr(box, "From b@c") - box);
	free_all(v, n);
}

static void test_mail_mbox_content_length(void **state)
{
	/* the body holds what would otherwise start a message */
	static const char box[] = PM("a@b") "Subject: framed\nContent-Length: 64\n\n"
					    "hello\n"
					    "\n" PM("x@y") "Subject: not a message\n"
							   "\n" PM("b@c") "Subject: next\n\nbye\n";
	static const char wrong[] = PM("a@b") "Subject: wrong\nContent-Length: 3\n\nhello\n"
					      "\n" PM("b@c") "Subject: next\n\nbye\n";
	cy_mail_opts o = {0};
	cy_mail_message **v;
	size_t n;

	(void)state;
	assert_int_equal(strlen("hello\n\n" PM("x@y") "Subject: not a message\n"), 64);
	v = read_mbox(box, sizeof(box) - 1, NULL, &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0]->subject, "framed");
	assert_non_null(strstr(v[0]->body, "Subject: not a message"));
	assert_int_equal(v[0]->nproblems, 0);
	assert_string_equal(v[1]->subject, "next");
	free_all(v, n);

	o.ignore_content_length = true;
	v = read_mbox(box, sizeof(box) - 1, &o, &n);
	assert_int_equal(n, 3);
	assert_string_equal(v[1]->subject, "not a message");
	free_all(v, n);

	/* a Content-Length that lands elsewhere is ignored, and said so */
	v = read_mbox(wrong, sizeof(wrong) - 1, NULL, &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0]->body, "hello\n");
	assert_true(has_problem(v[0], "Content-Length"));
	assert_string_equal(v[1]->subject, "next");
	free_all(v, n);
}

static void test_mail_mbox_chinese(void **state)
{
	static const char box[] =
		/* a raw GB2312 subject: 客户来信 */
		PM("a@b") "Subject: \xbf\xcd\xbb\xa7\xc0\xb4\xd0\xc5\n"
			  "Content-Type: text/plain; charset=gb2312\n\n"
			  /* 朱镕基: 镕 is GBK, not GB2312 */
			  "\xd6\xec\xe9\x46\xbb\xf9\n"
			  "\n" PM("b@c") "Subject: =?GB18030?B?us/NrND4x6kglTKCNiCi4w==?=\n"
					 "Content-Type: text/plain; charset=big5\n\n"
					 /* 客戶資料：王小明 */
					 "\xab\xc8\xa4\xe1\xb8\xea\xae\xc6\xa1\x47\xa4\xfd\xa4\x70\xa9\xfa\n"
					 "\n" PM("c@d") "Subject: attached\n"
							"MIME-Version: 1.0\n"
							"Content-Type: multipart/mixed; boundary=XX\n\n"
							"--XX\n"
							"Content-Type: text/plain; charset=utf-8\n\n"
							"见附件\n"
							"--XX\n"
							"Content-Type: application/pdf; "
							"name=\"=?gb18030?B?us/NrC5wZGY=?=\"\n"
							"Content-Disposition: attachment\n"
							"Content-Transfer-Encoding: base64\n\n"
							"JVBERi0xLjQK\n"
							"--XX--\n";
	size_t n;
	cy_mail_message **v = read_mbox(box, sizeof(box) - 1, NULL, &n);

	(void)state;
	assert_int_equal(n, 3);
	assert_string_equal(v[0]->subject, "客户来信");
	assert_string_equal(v[0]->body, "朱镕基\n");
	assert_int_equal(v[0]->nproblems, 0);
	assert_string_equal(v[1]->subject, "合同续签 𠀀 €");
	assert_string_equal(v[1]->body, "客戶資料：王小明\n");
	assert_string_equal(v[2]->body,
			    "见附件"); /* the line end before a boundary is the boundary's */
	assert_int_equal(v[2]->nattachments, 1);
	assert_string_equal(v[2]->attachments[0].filename, "合同.pdf");
	assert_string_equal(v[2]->attachments[0].content_type, "application/pdf");
	assert_int_equal(v[2]->attachments[0].size, 9);
	assert_memory_equal(v[2]->attachments[0].data, "%PDF-1.4\n", 9);
	free_all(v, n);

	/* RFC 2047 words labelled gb2312 holding GBK (镕), a Big5 display name */
	static const char one[] = "Subject: =?gb2312?B?1uzpRrv5?=\n"
				  "From: =?big5?B?pP2kcKn6?= <wang@example.tw>\n\nx\n";
	cy_mail_message *m;
	assert_int_equal(cy_mail_parse(one, sizeof(one) - 1, NULL, &m), 0);
	assert_string_equal(m->subject, "朱镕基");
	assert_int_equal(m->nfrom, 1);
	assert_string_equal(m->from[0].name, "王小明");
	assert_string_equal(m->from[0].addr, "wang@example.tw");
	assert_int_equal(m->nproblems, 0);
	cy_mail_message_free(m);
}

static void test_mail_mbox_broken_among_good(void **state)
{
	cy_buf box = CY_BUF_INIT;
	cy_mail_opts o = {0};
	cy_mail_message **v;
	size_t n;

	(void)state;
	o.limits.message_max = 2000;
	o.limits.parts_max = 4;
	o.limits.depth_max = 3;
	assert_int_equal(cy_buf_puts(&box, PM("a@b") "Subject: good 1\n\nok\n\n"), 0);
	/* 2: too large */
	assert_int_equal(cy_buf_puts(&box, PM("a@b") "Subject: big\n\n"), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(cy_buf_puts(&box, "0123456789012345678901234567890123456789\n"),
				 0);
	assert_int_equal(cy_buf_puts(&box, "\n" PM("a@b") "Subject: good 3\n\nok\n\n"), 0);
	/* 4: too many parts */
	assert_int_equal(cy_buf_puts(&box,
				     PM("a@b") "Subject: parts\n"
					       "Content-Type: multipart/mixed; boundary=B\n\n"),
			 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(cy_buf_puts(&box, "--B\nContent-Type: text/plain\n\nx\n"), 0);
	assert_int_equal(cy_buf_puts(&box, "--B--\n\n"), 0);
	/* 5: nested too deep */
	assert_int_equal(cy_buf_puts(&box, PM("a@b") "Subject: deep\n"), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(
			cy_buf_printf(&box,
				      "Content-Type: multipart/mixed; boundary=D%d\n\n--D%d\n", i,
				      i),
			0);
	assert_int_equal(cy_buf_puts(&box, "Content-Type: text/plain\n\ndeep\n\n"), 0);
	assert_int_equal(cy_buf_puts(&box, PM("a@b") "Subject: good 6\n\nok\n\n"), 0);
	/* 7: an empty message at the end */
	assert_int_equal(cy_buf_puts(&box, PM("a@b")), 0);

	v = read_mbox((const char *)box.ptr, box.len, &o, &n);
	assert_int_equal(n, 7);
	assert_string_equal(v[0]->subject, "good 1");
	assert_null(v[0]->reject);
	assert_non_null(v[1]->reject);
	assert_non_null(strstr(v[1]->reject, "larger than the limit of 2000 bytes"));
	assert_null(v[1]->raw);
	assert_int_equal(v[1]->size, strlen("Subject: big\n\n") + 100 * 41);
	assert_string_equal(v[2]->subject, "good 3");
	assert_string_equal(v[3]->reject, "more than 4 MIME parts");
	assert_int_equal(v[3]->reject_kind, CY_MAIL_REJECT_PARTS);
	assert_int_equal(v[1]->reject_kind, CY_MAIL_REJECT_SIZE);
	assert_non_null(v[3]->raw);
	assert_string_equal(v[4]->reject, "MIME parts nested deeper than 3 levels");
	assert_int_equal(v[4]->reject_kind, CY_MAIL_REJECT_DEPTH);
	assert_int_equal(v[0]->reject_kind, CY_MAIL_REJECT_NONE);
	assert_string_equal(v[5]->subject, "good 6");
	assert_string_equal(v[6]->reject, "empty message");
	assert_int_equal(v[6]->reject_kind, CY_MAIL_REJECT_EMPTY);
	free_all(v, n);
	cy_buf_release(&box);
}

static void test_mail_attachment_limit(void **state)
{
	static const char msg[] = "Subject: a\nContent-Type: multipart/mixed; boundary=B\n\n"
				  "--B\nContent-Type: text/plain\n\nhi\n"
				  "--B\nContent-Type: application/octet-stream\n"
				  "Content-Transfer-Encoding: base64\n\nAAAAAAAAAAAAAAAA\n--B--\n";
	cy_mail_opts o = {0};
	cy_mail_message *m;

	(void)state;
	o.limits.attachment_max = 11;
	assert_int_equal(cy_mail_parse(msg, sizeof(msg) - 1, &o, &m), 0);
	assert_non_null(m->reject);
	assert_non_null(strstr(m->reject, "attachment is larger than the limit of 11 bytes"));
	assert_int_equal(m->reject_kind, CY_MAIL_REJECT_ATTACHMENT_SIZE);
	cy_mail_message_free(m);
	o.limits.attachment_max = 12;
	assert_int_equal(cy_mail_parse(msg, sizeof(msg) - 1, &o, &m), 0);
	assert_null(m->reject);
	assert_int_equal(m->nattachments, 1);
	assert_int_equal(m->attachments[0].size, 12);
	cy_mail_message_free(m);
}

/* bytes in no charset at all still come out as UTF-8, with a problem */
static void test_mail_undecodable_body(void **state)
{
	static const char msg[] = "Subject: x\n\nab\xff\xfe\xff"
				  "cd\n";
	cy_mail_message *m;

	(void)state;
	assert_int_equal(cy_mail_parse(msg, sizeof(msg) - 1, NULL, &m), 0);
	assert_null(m->reject);
	assert_true(cy_utf8_valid(m->body, m->body_len));
	assert_true(body_starts(m, "ab"));
	assert_true(has_problem(m, "body"));
	cy_mail_message_free(m);
}

/* A charset label that iconv reads as a UTF-8 that passes sequences beyond
 * U+10FFFF through: the body still comes out valid UTF-8, with a problem
 * (found by fuzz_mail; tests/fuzz/corpus/mail/charset-utf-odd-label.eml). */
static void test_mail_odd_utf8_label(void **state)
{
	static const char msg[] = "Subject: x\nContent-Type: text/html; charset=utf\x80\x80-8\n\n"
				  "ab\xf5\xbc\x90\x88"
				  "cd\n";
	cy_mail_message *m;

	(void)state;
	assert_int_equal(cy_mail_parse(msg, sizeof(msg) - 1, NULL, &m), 0);
	assert_null(m->reject);
	assert_true(cy_utf8_valid(m->body, m->body_len));
	assert_true(body_starts(m, "ab"));
	assert_true(has_problem(m, "body"));
	cy_mail_message_free(m);
}

/* ---- files: a big mbox read in pieces, a Maildir, a folder ---- */

static void write_file(const char *dir, const char *rel, const void *p, size_t n)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void mkdir_in(const char *dir, const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(mkdir(path, 0700), 0);
}

static void test_mail_mbox_file_in_pieces(void **state)
{
	char *dir = tu_tmpdir(), path[1024];
	cy_buf box = CY_BUF_INIT, longline = CY_BUF_INIT;
	cy_mail_reader *r = NULL;
	cy_mail_message *m;
	uint64_t n = 0;

	(void)state;
	for (int i = 0; i < 20000; i++) /* a line far longer than a piece */
		assert_int_equal(cy_buf_putc(&longline, (char)('a' + i % 26)), 0);
	for (int i = 1; i <= 400; i++) {
		assert_int_equal(cy_buf_printf(&box, PM("n%d@b") "Subject: message %d\n\n", i, i),
				 0);
		if (i % 50 == 0)
			assert_int_equal(cy_buf_printf(&box, "%s\n", cy_buf_cstr(&longline)), 0);
		assert_int_equal(cy_buf_puts(&box, "text\n\nFrom nobody, in the body\n\n"), 0);
	}
	write_file(dir, "box.mbox", box.ptr, box.len);
	snprintf(path, sizeof(path), "%s/box.mbox", dir);
	assert_int_equal(cy_mail_open(path, NULL, &r), 0);
	assert_int_equal(cy_mail_reader_kind(r), CY_MAIL_MBOX);
	while (assert_int_equal(cy_mail_next(r, &m), 0), m) {
		char want[64];

		n++;
		snprintf(want, sizeof(want), "message %llu", (unsigned long long)n);
		assert_null(m->reject);
		assert_string_equal(m->subject, want);
		assert_int_equal(m->body_len, (n % 50 == 0 ? longline.len + 1 : 0) +
						      strlen("text\n\nFrom nobody, in the body\n"));
		assert_memory_equal(box.ptr + m->offset, "From ", 5);
		cy_mail_message_free(m);
	}
	assert_int_equal(n, 400);
	cy_mail_reader_free(r);
	tu_rmrf(dir);
	free(dir);
	cy_buf_release(&box);
	cy_buf_release(&longline);
}

static void test_mail_maildir(void **state)
{
	char *dir = tu_tmpdir();
	cy_mail_reader *r = NULL;
	cy_mail_message *m;
	const char *want[] = {"cur/1700000000.1.host:2,S", "cur/1700000001.2.host:2,",
			      "new/1700000002.3.host"};
	size_t n = 0;

	(void)state;
	mkdir_in(dir, "cur");
	mkdir_in(dir, "new");
	mkdir_in(dir, "tmp");
	write_file(dir, "new/1700000002.3.host", "Subject: c\n\nthree\n", 18);
	write_file(dir, "cur/1700000001.2.host:2,", "Subject: b\n\ntwo\n", 16);
	write_file(dir, "cur/1700000000.1.host:2,S", "Subject: a\n\none\n", 16);
	write_file(dir, "tmp/1700000003.4.host", "Subject: d\n\nunfinished\n", 23);
	write_file(dir, "cur/.hidden", "Subject: e\n\nno\n", 15);
	assert_int_equal(cy_mail_open(dir, NULL, &r), 0);
	assert_int_equal(cy_mail_reader_kind(r), CY_MAIL_MAILDIR);
	while (assert_int_equal(cy_mail_next(r, &m), 0), m) {
		assert_true(n < 3);
		assert_string_equal(m->path, want[n]);
		assert_int_equal(m->number, n + 1);
		assert_int_equal(m->subject[0], 'a' + (int)n);
		n++;
		cy_mail_message_free(m);
	}
	assert_int_equal(n, 3);
	assert_int_equal(cy_mail_reader_skipped(r), 1); /* .hidden */
	cy_mail_reader_free(r);
	tu_rmrf(dir);
	free(dir);
}

static void test_mail_eml_folder(void **state)
{
	char *dir = tu_tmpdir(), target[1024], link[1024];
	cy_mail_reader *r = NULL;
	cy_mail_message *m;
	const char *want[] = {"a.eml", "b/c.EML", "b/d/e.eml"}, *subject[] = {"a", "c", "e"};
	size_t n = 0;

	(void)state;
	mkdir_in(dir, "b");
	mkdir_in(dir, "b/d");
	write_file(dir, "b/d/e.eml", "Subject: e\n\nx\n", 14);
	write_file(dir, "a.eml", "Subject: a\n\nx\n", 14);
	write_file(dir, "b/c.EML", "Subject: c\n\nx\n", 14);
	write_file(dir, "notes.txt", "Subject: no\n\nx\n", 15);
	snprintf(target, sizeof(target), "%s/a.eml", dir);
	snprintf(link, sizeof(link), "%s/link.eml", dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(cy_mail_open(dir, NULL, &r), 0);
	assert_int_equal(cy_mail_reader_kind(r), CY_MAIL_EML_DIR);
	while (assert_int_equal(cy_mail_next(r, &m), 0), m) {
		assert_true(n < 3);
		assert_string_equal(m->path, want[n]);
		assert_string_equal(m->subject, subject[n]);
		n++;
		cy_mail_message_free(m);
	}
	assert_int_equal(n, 3);
	assert_int_equal(cy_mail_reader_skipped(r), 2); /* notes.txt, link.eml */
	cy_mail_reader_free(r);

	/* a file over the size limit is a reject with its path, its bytes not read */
	{
		cy_mail_opts o = {0};
		o.limits.message_max = 14;
		write_file(dir, "b/big.eml", "Subject: big\n\nx\n", 17);
		assert_int_equal(cy_mail_open(dir, &o, &r), 0);
		n = 0;
		while (assert_int_equal(cy_mail_next(r, &m), 0), m) {
			n++;
			if (!strcmp(m->path, "b/big.eml")) {
				assert_int_equal(m->reject_kind, CY_MAIL_REJECT_SIZE);
				assert_null(m->raw);
				assert_int_equal(m->size, 17);
			} else {
				assert_null(m->reject);
			}
			cy_mail_message_free(m);
		}
		assert_int_equal(n, 4);
		cy_mail_reader_free(r);
	}

	assert_int_equal(cy_mail_open("/nonexistent/mail", NULL, &r), CY_ENOTFOUND);
	assert_null(r);
	tu_rmrf(dir);
	free(dir);
}

/* A problem that quotes what the message said (here a charset name that is
 * not UTF-8) is escaped: every problem text is UTF-8 without controls
 * (found by fuzz_mail; tests/fuzz/corpus/mail/charset-name-not-utf8.eml). */
static void test_mail_problem_text_is_safe(void **state)
{
	static const char msg[] = "From: a@b.example\nSubject: x\nContent-Type: text/plain; "
				  "charset=\"gb\xf6\xbc\x1b[2J\"\n\nbody\n";
	cy_mail_message *m = NULL;
	int found = 0;

	(void)state;
	assert_int_equal(cy_mail_parse(msg, sizeof(msg) - 1, NULL, &m), 0);
	assert_null(m->reject);
	for (size_t i = 0; i < m->nproblems; i++) {
		assert_true(cy_utf8_valid(m->problems[i], strlen(m->problems[i])));
		assert_true(cy_text_is_safe(m->problems[i], strlen(m->problems[i])));
		if (strstr(m->problems[i], "unknown charset") &&
		    strstr(m->problems[i], "\\x1b[2J"))
			found = 1;
	}
	assert_true(found);
	cy_mail_message_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mail_mikel_every_message),
		cmocka_unit_test(test_mail_problem_text_is_safe),
		cmocka_unit_test(test_mail_mikel_charsets),
		cmocka_unit_test(test_mail_mikel_attachments),
		cmocka_unit_test(test_mail_mikel_headers),
		cmocka_unit_test(test_mail_mbox_from_lines),
		cmocka_unit_test(test_mail_mbox_bom_crlf),
		cmocka_unit_test(test_mail_mbox_content_length),
		cmocka_unit_test(test_mail_mbox_chinese),
		cmocka_unit_test(test_mail_mbox_broken_among_good),
		cmocka_unit_test(test_mail_attachment_limit),
		cmocka_unit_test(test_mail_undecodable_body),
		cmocka_unit_test(test_mail_odd_utf8_label),
		cmocka_unit_test(test_mail_mbox_file_in_pieces),
		cmocka_unit_test(test_mail_maildir),
		cmocka_unit_test(test_mail_eml_folder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
