/* test_notify.c - the pure parts of the notices (notify.h): response codes,
 * MIME as it arrives (parsed back with GMime), SMS segments, templates (the
 * shipped ones too), the answers CSV and delivery status notifications. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmime/gmime.h>

#include "base/fsutil.h"
#include "custody/custody.h"
#include "custody/import_table.h"
#include "custody/notify.h"
#include "custody/sigkey.h"
#include "custody/transfer.h"
#include "testutil.h"
#include "transfer/notify_internal.h"

static const char CROCKFORD[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void test_notify_code_format(void **state)
{
	char code[CY_NOTIFY_CODE_LEN + 1], canon[21], first[CY_NOTIFY_CODE_LEN + 1];
	int seen[20][32];

	(void)state;
	memset(seen, 0, sizeof(seen));
	for (int n = 0; n < 2000; n++) {
		assert_int_equal(cy_notify_code_new(code), 0);
		assert_int_equal(strlen(code), 23);
		for (int i = 0, k = 0; i < 23; i++) {
			if (i == 5 || i == 11 || i == 17) {
				assert_int_equal(code[i], '-');
				continue;
			}
			assert_non_null(strchr(CROCKFORD, code[i]));
			seen[k++][strchr(CROCKFORD, code[i]) - CROCKFORD]++;
		}
		if (!n)
			memcpy(first, code, sizeof(code));
		else
			assert_string_not_equal(code, first);
		assert_int_equal(cy_notify_code_canon(code, canon), 0);
		assert_int_equal(strlen(canon), 20);
	}
	/* every position takes (nearly) every value: 100 bits, not a few */
	for (int p = 0; p < 20; p++) {
		int values = 0;
		for (int v = 0; v < 32; v++)
			values += seen[p][v] > 0;
		assert_true(values >= 30);
	}
}

static void test_notify_code_canon(void **state)
{
	char out[21];

	(void)state;
	assert_int_equal(cy_notify_code_canon("7KQ2M-ZX0RT-A1B2C-D3E4F", out), 0);
	assert_string_equal(out, "7KQ2MZX0RTA1B2CD3E4F");
	/* as people type it: lower case, spaces, I/L for 1 and O for 0 */
	assert_int_equal(cy_notify_code_canon(" 7kq2m zxort aib2c d3e4f", out), 0);
	assert_string_equal(out, "7KQ2MZX0RTA1B2CD3E4F");
	assert_int_equal(cy_notify_code_canon("7kq2m-zx0rt-alb2c-d3e4f", out), 0);
	assert_string_equal(out, "7KQ2MZX0RTA1B2CD3E4F");
	/* U is not Crockford; lengths other than 20; other characters */
	assert_int_equal(cy_notify_code_canon("7KQ2M-ZX0RT-A1B2C-D3E4U", out), CY_EINVALID);
	assert_int_equal(cy_notify_code_canon("7KQ2M-ZX0RT-A1B2C-D3E4", out), CY_EINVALID);
	assert_int_equal(cy_notify_code_canon("7KQ2M-ZX0RT-A1B2C-D3E4FF", out), CY_EINVALID);
	assert_int_equal(cy_notify_code_canon("7KQ2M_ZX0RT-A1B2C-D3E4F", out), CY_EINVALID);
	assert_int_equal(cy_notify_code_canon("", out), CY_EINVALID);
}

/* ---- MIME ---- */

static const char *BODY =
	"尊敬的张三：\n\n您的个人信息将转移至甲公司。\n答复码：7KQ2M-ZX0RT-A1B2C-D3E4F\n";
static const char *SUBJECT = "个人信息转移告知：乙公司的客户信息将转移至甲公司";

static void test_notify_mime(void **state)
{
	cy_notify_mail m = {"乙公司", "notices@example.com",	   "zhang@example.cn", SUBJECT,
			    BODY,     "abc123.notice@example.com", 1796083200};
	cy_buf out = CY_BUF_INIT;
	GMimeStream *st;
	GMimeParser *p;
	GMimeMessage *msg;
	GMimeObject *part;
	GMimeContentType *ct;
	GMimeDataWrapper *w;
	GMimeStream *mem;
	GByteArray *ba;
	const char *raw_subject;
	InternetAddressList *to;

	(void)state;
	assert_int_equal(cy_notify_mime(&m, &out), 0);
	/* CRLF throughout, and no raw 8-bit byte: the message is 7-bit clean */
	for (size_t i = 0; i < out.len; i++) {
		if (out.ptr[i] == '\n')
			assert_true(i > 0 && out.ptr[i - 1] == '\r');
		assert_true(out.ptr[i] < 0x80);
	}
	assert_non_null(strstr((char *)out.ptr, "MIME-Version: 1.0\r\n"));
	assert_non_null(strstr((char *)out.ptr, "Message-Id: <abc123.notice@example.com>") ||
			strstr((char *)out.ptr, "Message-ID: <abc123.notice@example.com>"));
	assert_non_null(strstr((char *)out.ptr, "Content-Transfer-Encoding: base64"));
	assert_non_null(
		strstr((char *)out.ptr, "=?utf-8?b?") || strstr((char *)out.ptr, "=?UTF-8?b?") ||
		strstr((char *)out.ptr, "=?utf-8?B?") || strstr((char *)out.ptr, "=?UTF-8?B?"));

	/* encoded words of at most 75 characters, lines well under 78 */
	for (const char *l = (const char *)out.ptr; *l;) {
		const char *e = strstr(l, "\r\n");
		assert_non_null(e);
		assert_true(e - l <= 78);
		for (const char *tok = l; tok < e;) {
			const char *sp = memchr(tok, ' ', (size_t)(e - tok));
			const char *te = sp ? sp : e;
			if (te - tok >= 2 && !memcmp(tok, "=?", 2))
				assert_true(te - tok <= 75);
			tok = te + 1;
		}
		l = e + 2;
	}
	st = g_mime_stream_mem_new_with_buffer((const char *)out.ptr, out.len);
	p = g_mime_parser_new_with_stream(st);
	msg = g_mime_parser_construct_message(p, NULL);
	assert_non_null(msg);
	assert_string_equal(g_mime_message_get_subject(msg), SUBJECT);
	raw_subject = g_mime_object_get_header(GMIME_OBJECT(msg), "Subject");
	assert_non_null(raw_subject);
	assert_string_equal(g_mime_message_get_message_id(msg), "abc123.notice@example.com");
	assert_non_null(g_mime_message_get_date(msg));
	assert_int_equal(g_date_time_to_unix(g_mime_message_get_date(msg)), 1796083200);
	to = g_mime_message_get_to(msg);
	assert_int_equal(internet_address_list_length(to), 1);
	assert_string_equal(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(
				    internet_address_list_get_address(to, 0))),
			    "zhang@example.cn");
	assert_string_equal(internet_address_get_name(internet_address_list_get_address(
				    g_mime_message_get_from(msg), 0)),
			    "乙公司");
	part = g_mime_message_get_mime_part(msg);
	ct = g_mime_object_get_content_type(part);
	assert_true(g_mime_content_type_is_type(ct, "text", "plain"));
	assert_true(!g_ascii_strcasecmp(g_mime_content_type_get_parameter(ct, "charset"), "utf-8"));
	w = g_mime_part_get_content(GMIME_PART(part));
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	/* the body as sent: the text with CRLF line ends */
	{
		cy_buf want = CY_BUF_INIT;
		for (const char *s = BODY; *s; s++) {
			if (*s == '\n')
				cy_buf_putc(&want, '\r');
			cy_buf_putc(&want, *s);
		}
		assert_int_equal(ba->len, want.len);
		assert_memory_equal(ba->data, want.ptr, want.len);
		cy_buf_release(&want);
	}
	g_object_unref(mem);
	g_object_unref(msg);
	g_object_unref(p);
	g_object_unref(st);

	/* a line break in a header is refused: no header injection from a field */
	m.subject = "hello\r\nBcc: x@example.com";
	assert_int_equal(cy_notify_mime(&m, &out), CY_EINVALID);
	m.subject = SUBJECT;
	m.to = "a@example.com\nBcc: x@example.com";
	assert_int_equal(cy_notify_mime(&m, &out), CY_EINVALID);
	m.to = "zhang@example.cn";
	m.body = "\xff\xfe not utf-8";
	assert_int_equal(cy_notify_mime(&m, &out), CY_EINVALID);
	cy_buf_release(&out);
}

/* ---- SMS ---- */

static size_t units(const char *s, size_t n)
{
	size_t u = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xc0) != 0x80)
			u += c >= 0xf0 ? 2 : 1;
	}
	return u;
}

/* Each line at most max units, numbered (i/n) when more than one; returns n. */
static size_t check_segments(const char *text, size_t max, cy_buf *out)
{
	size_t n = 0, total = 0;
	const char *p;

	assert_int_equal(cy_notify_sms_segments(text, max, out), 0);
	for (p = (const char *)out->ptr; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		assert_true(units(p, len) <= max);
		assert_true(len > 0);
		n++;
		p = nl ? nl + 1 : p + len;
	}
	if (n > 1) {
		char pre[48];
		p = (const char *)out->ptr;
		sscanf(p, "(1/%zu)", &total);
		assert_int_equal(total, n);
		snprintf(pre, sizeof(pre), "(%zu/%zu)", n, n);
		assert_non_null(strstr(p, pre));
	}
	return n;
}

static void test_notify_sms_segments(void **state)
{
	cy_buf out = CY_BUF_INIT;
	const char *zh =
		"【乙公司】因合并，您的个人信息将转移至甲科技有限公司，联系方式：400-800-1234 "
		"service@jia.example.cn。如有异议或要副本，请在30日内回复答复码 "
		"7KQ2M-ZX0RT-A1B2C-D3E4F 及 continue（同意继续）、object（反对）、copy（"
		"要副本）或 question（咨询）。";
	size_t n;

	(void)state;
	/* a short text is one segment, unnumbered */
	assert_int_equal(check_segments("短信：您好。", 70, &out), 1);
	assert_string_equal((char *)out.ptr, "短信：您好。");
	cy_buf_clear(&out);
	n = check_segments(zh, 70, &out);
	assert_true(n >= 2 && n <= 4);
	/* the code, the address and the phone are never cut */
	assert_non_null(strstr((char *)out.ptr, "7KQ2M-ZX0RT-A1B2C-D3E4F"));
	assert_non_null(strstr((char *)out.ptr, "service@jia.example.cn"));
	assert_non_null(strstr((char *)out.ptr, "400-800-1234"));
	/* nothing but blanks lost: the text without the prefixes is the same */
	{
		cy_buf a = CY_BUF_INIT, b = CY_BUF_INIT;
		const char *p = (const char *)out.ptr;
		for (const char *s = zh; *s; s++)
			if (*s != ' ')
				cy_buf_putc(&a, *s);
		while (*p) {
			if (*p == '(' && strchr(p, ')') && strchr(p, '/') < strchr(p, ')') &&
			    (p == (const char *)out.ptr || p[-1] == '\n'))
				p = strchr(p, ')') + 1;
			if (*p != ' ' && *p != '\n')
				cy_buf_putc(&b, *p);
			p++;
		}
		assert_string_equal((char *)a.ptr, (char *)b.ptr);
		cy_buf_release(&a);
		cy_buf_release(&b);
	}
	cy_buf_clear(&out);
	/* an ASCII word longer than a segment is cut, still within the limit */
	{
		char longword[200];
		memset(longword, 'x', sizeof(longword) - 1);
		longword[sizeof(longword) - 1] = 0;
		n = check_segments(longword, 70, &out);
		assert_true(n >= 3);
	}
	cy_buf_clear(&out);
	/* characters outside the BMP count two units (UTF-16) */
	{
		cy_buf t = CY_BUF_INIT;
		for (int i = 0; i < 60; i++)
			cy_buf_puts(&t, "\xf0\x9f\x98\x80"); /* U+1F600 */
		n = check_segments((char *)t.ptr, 70, &out);
		assert_true(n >= 2);
		cy_buf_release(&t);
	}
	assert_int_equal(cy_notify_sms_segments("x", 8, &out), CY_EINVALID);
	cy_buf_release(&out);
}

/* ---- templates ---- */

static void test_notify_render(void **state)
{
	const char *t = "Subject: To {{name}}\nX-Other: y\n\nHello {{name}}.{{#a}} A{{/a}}{{^a}} "
			"not-A{{/a}}{{#b}} B{{#a}} AB{{/a}}{{/b}}\n";
	const char *vars[] = {"name", "Li\nBcc: x", NULL};
	const char *none[] = {NULL};
	const char *ab[] = {"a", "b", NULL};
	cy_buf s = CY_BUF_INIT, b = CY_BUF_INIT;

	(void)state;
	assert_int_equal(cy_notify_render(t, strlen(t), vars, none, &s, &b), 0);
	assert_string_equal((char *)s.ptr, "To Li Bcc: x"); /* one line */
	assert_string_equal((char *)b.ptr, "Hello Li\nBcc: x. not-A\n");
	assert_int_equal(cy_notify_render(t, strlen(t), vars, ab, &s, &b), 0);
	assert_string_equal((char *)b.ptr, "Hello Li\nBcc: x. A B AB\n");
	assert_int_equal(cy_notify__header(t, strlen(t), "X-Other", &s), 0);
	assert_string_equal((char *)s.ptr, "y");
	assert_int_equal(cy_notify__header(t, strlen(t), "X-None", &s), CY_ENOTFOUND);
	/* errors: an unknown field, a section left open, one closed wrongly */
	/* a section tag alone on its line leaves no blank line behind */
	t = "Subject: x\n\nA\n{{#a}}\nin a\n{{/a}}\nB\n";
	assert_int_equal(cy_notify_render(t, strlen(t), vars, none, &s, &b), 0);
	assert_string_equal((char *)b.ptr, "A\nB\n");
	assert_int_equal(cy_notify_render(t, strlen(t), vars, ab, &s, &b), 0);
	assert_string_equal((char *)b.ptr, "A\nin a\nB\n");
	t = "Subject: x\n\n{{nobody}}";
	assert_int_equal(cy_notify_render(t, strlen(t), vars, none, &s, &b), CY_EINVALID);
	t = "Subject: x\n\n{{#a}}open";
	assert_int_equal(cy_notify_render(t, strlen(t), vars, none, &s, &b), CY_EINVALID);
	t = "Subject: x\n\n{{#a}}x{{/b}}";
	assert_int_equal(cy_notify_render(t, strlen(t), vars, none, &s, &b), CY_EINVALID);
	t = "Subject: x\n\n{{name";
	assert_int_equal(cy_notify_render(t, strlen(t), vars, none, &s, &b), CY_EINVALID);
	t = "No-Subject: x\n\nbody";
	assert_int_equal(cy_notify_render(t, strlen(t), vars, none, &s, &b), CY_EINVALID);
	cy_buf_release(&s);
	cy_buf_release(&b);
}

/* The shipped templates: every field they use is known, every flag combination
 * renders, and the notice carries what Arts. 17 and 22 require. */
static void test_notify_templates(void **state)
{
	const char *names[] = {"zh-CN", "en"};
	const char *vars[] = {"fonds",
			      "乙贸易有限公司",
			      "fonds_code",
			      "Z109",
			      "receiver",
			      "甲科技有限公司",
			      "receiver_contact",
			      "400-800-1234 service@jia.example.cn",
			      "receiver_uscc",
			      "91350100M000100Y43",
			      "jurisdiction",
			      "OTHER:SG",
			      "reason",
			      "REASON",
			      "purpose",
			      "售后服务",
			      "data",
			      "合同、会计资料",
			      "days",
			      "30",
			      "customer",
			      "Z109-C000001",
			      "name",
			      "张三",
			      "code",
			      "7KQ2M-ZX0RT-A1B2C-D3E4F",
			      "transfer",
			      "12",
			      NULL};
	const char *flagsets[][6] = {
		{"art22", NULL},
		{"consent", "abroad", "purpose", "uscc", NULL},
		{"art22", "abroad", NULL},
	};
	cy_buf t = CY_BUF_INIT, s = CY_BUF_INIT, b = CY_BUF_INIT, h = CY_BUF_INIT;

	(void)state;
	setenv("CUSTODY_TEMPLATE_DIR", CY_SRCDIR "/templates/notice", 1);
	assert_int_equal(cy_notify__template_load("fr", &t), CY_EINVALID);
	for (size_t i = 0; i < 2; i++) {
		const char *reasons[] = {"merger",     "division", "dissolution",
					 "bankruptcy", "sale",	   "other"};
		const char *classes[] = {"customer",	   "contract", "transaction", "accounting",
					 "correspondence", "other",    "unclassified"};
		char key[48];
		assert_int_equal(cy_notify__template_load(names[i], &t), 0);
		for (size_t r = 0; r < 6; r++) {
			snprintf(key, sizeof(key), "Reason-%s", reasons[r]);
			assert_int_equal(cy_notify__header((char *)t.ptr, t.len, key, &h), 0);
		}
		for (size_t c = 0; c < 7; c++) {
			snprintf(key, sizeof(key), "Class-%s", classes[c]);
			assert_int_equal(cy_notify__header((char *)t.ptr, t.len, key, &h), 0);
		}
		for (size_t f = 0; f < 3; f++) {
			assert_int_equal(cy_notify_render((char *)t.ptr, t.len, vars, flagsets[f],
							  &s, &b),
					 0);
			assert_non_null(strstr((char *)s.ptr, "甲科技有限公司"));
			assert_non_null(strstr((char *)b.ptr, "甲科技有限公司"));
			assert_non_null(
				strstr((char *)b.ptr, "400-800-1234 service@jia.example.cn"));
			assert_non_null(strstr((char *)b.ptr, "7KQ2M-ZX0RT-A1B2C-D3E4F"));
			assert_non_null(strstr((char *)b.ptr, "REASON"));
			assert_non_null(strstr((char *)b.ptr, "合同、会计资料"));
			assert_non_null(strstr((char *)b.ptr, "乙贸易有限公司"));
			for (const char *a = "continue\0object\0copy\0question\0"; *a;
			     a += strlen(a) + 1)
				assert_non_null(strstr((char *)b.ptr, a));
			/* Art. 23 and 39 only where they apply */
			assert_true((strstr((char *)b.ptr, i ? "Article 23" : "第二十三条") !=
				     NULL) == (f == 1));
			assert_true((strstr((char *)b.ptr, i ? "Article 39" : "第三十九条") !=
				     NULL) == (f >= 1));
			assert_null(strstr((char *)b.ptr, "{{"));
		}
		assert_int_equal(cy_notify__header((char *)t.ptr, t.len, "SMS", &h), 0);
		assert_int_equal(cy_notify__expand((char *)h.ptr, h.len, vars, flagsets[0], &b), 0);
		assert_non_null(strstr((char *)b.ptr, "7KQ2M-ZX0RT-A1B2C-D3E4F"));
		cy_buf_clear(&b);
	}
	cy_buf_release(&t);
	cy_buf_release(&s);
	cy_buf_release(&b);
	cy_buf_release(&h);
}

/* ---- the answers CSV ---- */

typedef struct rows {
	char text[1024];
} rows;

static int take_row(void *arg, uint64_t line, const char *code, const char *answer, bool shape)
{
	rows *r = arg;
	size_t l = strlen(r->text);

	snprintf(r->text + l, sizeof(r->text) - l, "%llu:%s:%s:%d|", (unsigned long long)line, code,
		 answer, shape);
	return 0;
}

static void test_notify_csv(void **state)
{
	rows r;
	const char *good =
		"\xef\xbb\xbf"
		"code,answer\r\nAAAAA-BBBBB-CCCCC-DDDDD,continue\r\n\r\n\"x\ny\",object\nz\n"
		"a,b,c\n  q , copy \n";

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(cy_notify_csv_each(good, strlen(good), take_row, &r), 0);
	assert_string_equal(r.text, "2:AAAAA-BBBBB-CCCCC-DDDDD:continue:1|5:x\ny:object:1|6:z::0|"
				    "7:a:b:0|8:q:copy:1|");
	memset(&r, 0, sizeof(r));
	assert_int_equal(cy_notify_csv_each("answer,code\nx,y\n", 16, take_row, &r), CY_EINVALID);
	assert_int_equal(cy_notify_csv_each("", 0, take_row, &r), CY_EINVALID);
	assert_int_equal(cy_notify_csv_each("code,answer\n\xff,x\n", 16, take_row, &r),
			 CY_EINVALID);
}

/* ---- delivery status notifications ---- */

static const char *DSN_MBOX =
	"From MAILER-DAEMON Tue Dec  1 06:00:00 2026\n"
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.cn>\n"
	"To: notices@example.com\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\n"
	"\n"
	"--B1\n"
	"Content-Type: text/plain\n"
	"\n"
	"Your message could not be delivered.\n"
	"--B1\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.cn\n"
	"\n"
	"Final-Recipient: rfc822; nobody@example.cn\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"--B1\n"
	"Content-Type: text/rfc822-headers\n"
	"\n"
	"From: notices@example.com\n"
	"To: nobody@example.cn\n"
	"Message-ID:\n <first.notice@example.com>\n"
	"Subject: x\n"
	"--B1--\n"
	"\n"
	"From MAILER-DAEMON Tue Dec  1 06:00:01 2026\n"
	"From: postmaster@mx.example.cn\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B2\"\n"
	"\n"
	"--B2\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.cn\n"
	"\n"
	"Final-Recipient: rfc822; late@example.cn\n"
	"Action: delayed\n"
	"--B2\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"Message-ID: <second.notice@example.com>\n"
	"Subject: y\n"
	"\n"
	"body\n"
	"--B2--\n"
	"\n"
	"From someone Tue Dec  1 06:00:02 2026\n"
	"From: someone@example.cn\n"
	"Subject: re: notice\n"
	"Message-ID: <third@example.cn>\n"
	"\n"
	"just a reply\n"
	"\n"
	"From MAILER-DAEMON Tue Dec  1 06:00:03 2026\n"
	"From: postmaster@mx.example.cn\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B3\"\n"
	"\n"
	"--B3\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.cn\n"
	"\n"
	"Final-Recipient: rfc822; gone@example.cn\n"
	"Action: FAILED\n"
	"--B3\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"Message-ID: <fourth.notice@example.com>\n"
	"\n"
	"body\n"
	"--B3--\n";

static int take_dsn(void *arg, uint64_t index, const char *message_id, bool failed)
{
	rows *r = arg;
	size_t l = strlen(r->text);

	snprintf(r->text + l, sizeof(r->text) - l, "%llu:%s:%d|", (unsigned long long)index,
		 message_id, failed);
	return 0;
}

static void test_notify_dsn(void **state)
{
	rows r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(cy_notify_dsn_each(DSN_MBOX, strlen(DSN_MBOX), take_dsn, &r), 0);
	assert_string_equal(r.text, "1:first.notice@example.com:1|2:second.notice@example.com:0|"
				    "3::0|4:fourth.notice@example.com:1|");
	/* an id with brackets or blanks inside is no id (found by the fuzzer) */
	{
		const char *bad = "From x Tue Dec  1 06:00:00 2026\n"
				  "Content-Type: multipart/report; boundary=\"Q\"\n\n"
				  "--Q\nContent-Type: message/delivery-status\n\nAction: failed\n"
				  "--Q\nContent-Type: text/rfc822-headers\n\nMessage-ID: <<a>\n"
				  "--Q--\n";
		memset(&r, 0, sizeof(r));
		assert_int_equal(cy_notify_dsn_each(bad, strlen(bad), take_dsn, &r), 0);
		assert_string_equal(r.text, "1::1|");
	}
	/* garbage is no message, not a crash */
	memset(&r, 0, sizeof(r));
	assert_int_equal(cy_notify_dsn_each("\0\1\2garbage", 10, take_dsn, &r), 0);
}

/* ---- the gates' functions on a vault ---- */

#define PW "correct horse"
#define PW2 "battery staple"

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static bool has_id(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* Three customers with a phone each, notified by SMS; their answers read
 * back: the counts and the lists the transfer's gates read. */
static void test_notify_gates(void **state)
{
	char *dir = tu_tmpdir();
	cy_buf vp = CY_BUF_INIT, csv = CY_BUF_INIT, sms = CY_BUF_INIT, ans = CY_BUF_INIT,
	       rec = CY_BUF_INIT, data = CY_BUF_INIT, text = CY_BUF_INIT;
	cy_vault *v = NULL;
	cy_table_import_opts io;
	cy_table_import_summary sum;
	cy_receiver r;
	cy_transfer_plan_req pr;
	cy_transfer_plan_result pres;
	cy_notify_prepared prep;
	cy_notify_send_opts so;
	cy_notify_sent sent;
	cy_notify_read rd;
	cy_notify_counts c;
	int64_t tid = 0, rid = 0, *ids = NULL;
	size_t n = 0;
	char codes[3][CY_NOTIFY_CODE_LEN + 1];
	const char *p;

	(void)state;
	setenv("CUSTODY_TEMPLATE_DIR", CY_SRCDIR "/templates/notice", 1);
	cy_path_join(&vp, dir, "v");
	assert_int_equal(cy_vault_init(cy_buf_cstr(&vp), "sec", PW, strlen(PW), 10, &rec), 0);
	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&vp), "sec", PW, strlen(PW)), 0);
	assert_int_equal(cy_user_add(v, "li", CY_ROLE_ARCHIVIST, PW2, strlen(PW2)), 0);
	cy_vault_close(v);
	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&vp), "li", PW2, strlen(PW2)), 0);
	assert_int_equal(cy_fonds_add(v, "Z109", "乙贸易有限公司", NULL), 0);
	cy_path_join(&csv, dir, "c.csv");
	put_file(cy_buf_cstr(&csv), "客户编号,客户名称,手机号码\nC1,王一,13800000001\n"
				    "C2,王二,13800000002\nC3,王三,13800000003\n");
	memset(&io, 0, sizeof(io));
	io.fonds = "Z109";
	io.kind = CY_TABLE_CUSTOMERS;
	io.path = cy_buf_cstr(&csv);
	assert_int_equal(cy_import_table(v, &io, NULL, &sum), 0);
	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "甲科技有限公司");
	snprintf(r.uscc, sizeof(r.uscc), "91110000802100433B");
	snprintf(r.contact, sizeof(r.contact), "400-800-1234");
	snprintf(r.jurisdiction, sizeof(r.jurisdiction), "CN");
	snprintf(r.age_recipient, sizeof(r.age_recipient),
		 "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p");
	{
		uint8_t seed[32], pub[32];
		char spub[CY_SIGKEY_MAX];
		memset(seed, 7, sizeof(seed));
		assert_int_equal(cy_signing_key_public(seed, pub), 0);
		assert_int_equal(cy_signing_pub_format(pub, spub), 0);
		snprintf(r.signing_pub, sizeof(r.signing_pub), "%s", spub);
	}
	assert_int_equal(cy_receiver_add(v, &r, &rid), 0);
	memset(&pr, 0, sizeof(pr));
	pr.fonds = "Z109";
	pr.receiver = "甲科技有限公司";
	pr.reason = "merger";
	assert_int_equal(cy_transfer_plan(v, &pr, &tid, &pres), 0);
	assert_int_equal(pres.subjects, 3);

	assert_int_equal(cy_notify_prepare(v, tid, "zh-CN", NULL, NULL, &prep), 0);
	assert_int_equal(prep.added, 3);
	assert_int_equal(prep.sms, 3);
	assert_int_equal(cy_notify_counts_get(v, tid, &c), 0);
	assert_int_equal(c.total, 3);
	assert_int_equal(c.pending, 3);
	assert_string_equal(c.last_sent, "");

	cy_path_join(&sms, dir, "sms.csv");
	memset(&so, 0, sizeof(so));
	so.sms_csv = cy_buf_cstr(&sms);
	assert_int_equal(cy_notify_send(v, tid, &so, &sent), 0);
	assert_int_equal(sent.sent, 3);
	assert_int_equal(cy_notify_counts_get(v, tid, &c), 0);
	assert_int_equal(c.sent, 3);
	assert_int_equal(c.pending, 0);
	assert_int_equal(strlen(c.last_sent), 20);
	/* the codes, in row order (subjects 1, 2, 3) */
	assert_int_equal(tu_read_file(cy_buf_cstr(&sms), &data), 0);
	p = (const char *)data.ptr;
	for (int i = 0; i < 3; i++) {
		const char *q = p;
		/* a code: 5 + '-' + 5 + '-' + 5 + '-' + 5 */
		while (*q &&
		       !(q[5] == '-' && q[11] == '-' && q[17] == '-' && strchr(CROCKFORD, q[0]) &&
			 strchr(CROCKFORD, q[22]) && q[0] && q[22]))
			q++;
		assert_true(*q);
		memcpy(codes[i], q, 23);
		codes[i][23] = 0;
		p = q + 23;
	}
	cy_buf_printf(&text, "code,answer\n%s,continue\n%s,object\n%s,copy\n%s,continue\n",
		      codes[0], codes[1], codes[2], codes[2]);
	cy_path_join(&ans, dir, "a.csv");
	put_file(cy_buf_cstr(&ans), cy_buf_cstr(&text));
	assert_int_equal(cy_notify_responses(v, tid, cy_buf_cstr(&ans), NULL, NULL, &rd), 0);
	assert_int_equal(rd.recorded, 4);
	assert_int_equal(cy_notify_counts_get(v, tid, &c), 0);
	assert_int_equal(c.total, 3);
	assert_int_equal(c.answered, 3);
	assert_int_equal(c.sent, 0);
	assert_int_equal(c.consented, 2);
	assert_int_equal(c.objected, 1);
	assert_int_equal(c.copy, 0); /* replaced by the later continue */
	assert_int_equal(cy_notify_objectors(v, tid, &ids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], 2); /* the catalog ids of a fresh vault: 1, 2, 3 */
	free(ids);
	assert_int_equal(cy_notify_consenters(v, tid, &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_true(has_id(ids, n, 1) && has_id(ids, n, 3) && !has_id(ids, n, 2));
	free(ids);
	assert_int_equal(cy_notify_counts_get(v, tid + 1, &c), CY_ENOTFOUND);
	cy_vault_close(v);
	tu_rmrf(dir);
	free(dir);
	cy_buf_release(&vp);
	cy_buf_release(&csv);
	cy_buf_release(&sms);
	cy_buf_release(&ans);
	cy_buf_wipe(&rec);
	cy_buf_release(&data);
	cy_buf_release(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify_code_format),
		cmocka_unit_test(test_notify_code_canon),
		cmocka_unit_test(test_notify_mime),
		cmocka_unit_test(test_notify_sms_segments),
		cmocka_unit_test(test_notify_render),
		cmocka_unit_test(test_notify_templates),
		cmocka_unit_test(test_notify_csv),
		cmocka_unit_test(test_notify_dsn),
		cmocka_unit_test(test_notify_gates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
