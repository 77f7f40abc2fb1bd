/* sample_mbox.c - mail/: the customer service mailbox as one mbox file
 * (customers.mbox) and a manifest of what is in it (manifest.json).
 *
 * Customers write complaints and requests from the e-mail addresses that
 * crm/customers.csv gives them, and the company's service desk replies, so
 * that an importer can attach each message to its customer.  The messages
 * have what real mailboxes of Chinese customers have: bodies in UTF-8, GBK,
 * GB2312, GB18030 (with a character only GB18030 has) and Big5 (in
 * traditional characters), Subjects and display names in RFC 2047 encoded
 * words (B and Q), base64, quoted-printable and 8bit bodies,
 * multipart/alternative with an HTML part, attachments (a contract PDF, a
 * GBK CSV with an RFC 2047 file name, or RFC 2231 for the PDF), some
 * messages with CRLF line ends, and "From " lines in bodies: escaped as
 * ">From " (mboxrd) in a few, and once unescaped after a non-blank line,
 * where only a careful splitter sees that it starts no message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "sample_people.h"

#include "custody/banned.h"

#define MAIL_MAX 20000
#define DOMAIN "service.example.cn"

enum cs { CS_UTF8, CS_GBK, CS_GB2312, CS_GB18030, CS_BIG5, CS_COUNT };
static const char *const cs_name[CS_COUNT] = {"UTF-8", "GBK", "GB2312", "GB18030", "Big5"};
static const unsigned cs_weight[CS_COUNT] = {40, 20, 15, 10, 15};

enum te { TE_BASE64, TE_QP, TE_8BIT, TE_COUNT };
static const char *const te_name[TE_COUNT] = {"base64", "quoted-printable", "8bit"};
static const unsigned te_weight[TE_COUNT] = {50, 35, 15};

struct mail_counts {
	uint64_t messages, from_customers, replies, cs[CS_COUNT], te[TE_COUNT], subject_b,
		subject_q, alternative, pdf, csv, crlf, escaped_from, unescaped_from, gb18030_only;
};

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of data; wrap > 0 breaks lines after that many characters. */
static void put_base64(cy_buf *b, const uint8_t *p, size_t n, size_t wrap)
{
	size_t i, col = 0;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = B64[v >> 18 & 63];
		q[1] = B64[v >> 12 & 63];
		q[2] = i + 1 < n ? B64[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? B64[v & 63] : '=';
		sample_put(b, q, 4);
		col += 4;
		if (wrap && col >= wrap && i + 3 < n) {
			sample_puts(b, "\n");
			col = 0;
		}
	}
	if (wrap)
		sample_puts(b, "\n");
}

/* Quoted-printable (RFC 2045) of text whose lines end in "\n". */
static void put_qp(cy_buf *b, const uint8_t *p, size_t n)
{
	size_t i, col = 0;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];
		char enc[4];
		size_t len;

		if (c == '\n') {
			sample_puts(b, "\n");
			col = 0;
			continue;
		}
		if (c >= 0x80 || c == '=' || c < 0x20 ||
		    ((c == ' ' || c == '\t') && (i + 1 == n || p[i + 1] == '\n'))) {
			snprintf(enc, sizeof(enc), "=%02X", c);
			len = 3;
		} else {
			enc[0] = (char)c;
			len = 1;
		}
		if (col + len > 75) {
			sample_puts(b, "=\n");
			col = 0;
		}
		sample_put(b, enc, len);
		col += len;
	}
	if (col)
		sample_puts(b, "\n");
}

/* An RFC 2047 encoded word per few characters, so that none passes 75. */
static void put_encoded_words(cy_buf *b, const char *text, const char *cs, bool q)
{
	const char *s = text;
	bool first = true;

	while (*s) {
		const char *start = s;
		cy_buf piece = CY_BUF_INIT;
		int k;

		for (k = 0; k < 8 && *s; k++)
			sample_utf8_next(&s);
		if (sample_convert(&piece, cs, start, (size_t)(s - start)))
			sample_convert(&piece, "UTF-8", start, (size_t)(s - start));
		sample_printf(b, "%s=?%s?%c?", first ? "" : "\n ", cs, q ? 'Q' : 'B');
		if (q) {
			size_t i;

			for (i = 0; i < piece.len; i++) {
				uint8_t c = piece.ptr[i];

				if (c == ' ')
					sample_puts(b, "_");
				else if (c >= 0x80 || c < 0x20 || strchr("=?_\"(),.:;<>@[\\]", c))
					sample_printf(b, "=%02X", c);
				else
					sample_put(b, &c, 1);
			}
		} else {
			put_base64(b, piece.ptr, piece.len, 0);
		}
		sample_puts(b, "?=");
		cy_buf_release(&piece);
		first = false;
	}
}

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const wdays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};

struct msg {
	sample_crm_row row;
	size_t customer;
	bool reply, alternative, pdf, csv, crlf, escaped, unescaped, big5;
	enum cs cs;
	enum te te;
	sample_date date;
	int sec;
	cy_buf text; /* the body, UTF-8 */
	cy_buf subject;
};

static const char *const complaints[] = {
	"我于%s购买的商品至今未送达，多次致电客服无人处理，请尽快给予答复。",
	"收到的商品有质量问题，申请退货退款，订单日期%s。",
	"本月账单中有一笔%s的扣款我并未授权，请核实并退回。",
};
static const char *const requests[] = {
	"本人联系地址已变更，请将地址更新为：%s。",
	"请为%s的订单开具增值税普通发票，抬头为个人。",
	"根据《个人信息保护法》，本人要求查阅并复制贵公司保存的我的个人信息，截至%s。",
	"本人已不再使用贵公司服务，请删除我的个人信息，包括身份证号和银行卡号（%s起）。",
};

static void make_text(struct msg *m, const sample_world *w, sample_rng *r)
{
	const sample_person *p = &m->row.p;
	cy_buf d = CY_BUF_INIT, t = CY_BUF_INIT;

	sample_put_date_zh(&d, m->date);
	if (m->big5) {
		sample_puts(&m->subject, m->reply ? "回覆：您的來信" : "關於訂單的查詢");
		sample_puts(&m->text, "您好：\n\n");
		if (m->reply)
			sample_puts(&m->text, "您的來信已收到，我們將於三個工作日內處理並回覆。\n");
		else
			sample_printf(&m->text,
				      "本人於%s訂購的商品至今仍未收到，請盡快處理並回覆。\n"
				      "聯絡電話：%s\n客戶編號：%s\n",
				      cy_buf_cstr(&d), p->phone, m->row.no);
		sample_puts(&m->text, "\n順頌商祺\n");
	} else if (m->reply) {
		sample_printf(&m->subject, "回复：关于客户编号%s的来信", m->row.no);
		sample_printf(&m->text,
			      "尊敬的%s：\n\n您好！您于%s的来信已收到。我们已核实您的账户"
			      "（手机号%s），相关问题将在三个工作日内处理完毕。\n\n"
			      "%s客户服务中心\n",
			      p->name, cy_buf_cstr(&d), p->phone, w->company->name);
	} else {
		bool complaint = sample_rng_chance(r, 45);

		sample_puts(&m->subject, complaint ? "投诉：" : "申请：");
		sample_printf(&m->subject, "%s（客户编号%s）",
			      complaint ? "商品与服务问题" : "个人信息与账户", m->row.no);
		sample_puts(&m->text, "客服中心您好：\n\n");
		sample_printf(&m->text, "我是贵公司客户%s，客户编号%s，手机号%s", p->name,
			      m->row.no, p->phone);
		if (!m->row.org)
			sample_printf(&m->text, "，身份证号%s", p->id);
		sample_puts(&m->text, "。\n");
		if (complaint) {
			sample_printf(&t, SAMPLE_PICK(r, complaints), cy_buf_cstr(&d));
		} else {
			const char *f = SAMPLE_PICK(r, requests);

			sample_printf(&t, f,
				      strstr(f, "地址") && !strstr(f, "删除") ? p->address
									      : cy_buf_cstr(&d));
		}
		sample_printf(&m->text, "%s\n", cy_buf_cstr(&t));
		if (m->cs == CS_GB18030)
			sample_puts(&m->text,
				    "另：我的姓名中有生僻字“𠮷”，贵公司系统显示为问号，请更正。\n");
		if (m->escaped)
			sample_puts(&m->text,
				    "\nFrom now on, please send letters to my new address.\n");
		if (m->unescaped)
			sample_printf(&m->text,
				      "\n以下是我上次发出的邮件，一直没有回复：\n"
				      "From %s Mon Mar  6 10:21:07 2023\n"
				      "Subject: 上次的投诉\n\n"
				      "请处理。\n",
				      p->email);
		sample_printf(&m->text, "\n%s\n", p->name);
	}
	cy_buf_release(&d);
	cy_buf_release(&t);
}

/* The body part (text/plain, or its HTML), headers and encoded content. */
static void put_text_part(cy_buf *b, struct msg *m, bool html)
{
	cy_buf src = CY_BUF_INIT, enc = CY_BUF_INIT;
	const char *cs = cs_name[m->cs];

	if (html) {
		const char *s;

		sample_printf(&src, "<html><head><meta charset=\"%s\"></head><body><p>", cs);
		for (s = cy_buf_cstr(&m->text); *s; s++) {
			if (*s == '\n')
				sample_puts(&src, "<br>\n");
			else if (*s == '<')
				sample_puts(&src, "&lt;");
			else
				sample_put(&src, s, 1);
		}
		sample_puts(&src, "</p></body></html>\n");
	} else {
		sample_put(&src, m->text.ptr, m->text.len);
	}
	/* The charset was chosen so that the text converts (sample_write_mail). */
	if (sample_convert(&enc, cs, cy_buf_cstr(&src), src.len))
		sample_put(&enc, src.ptr, src.len);
	sample_printf(b, "Content-Type: text/%s; charset=\"%s\"\nContent-Transfer-Encoding: %s\n\n",
		      html ? "html" : "plain", cs, te_name[m->te]);
	if (m->te == TE_BASE64)
		put_base64(b, enc.ptr, enc.len, 76);
	else if (m->te == TE_QP)
		put_qp(b, enc.ptr, enc.len);
	else
		sample_put(b, enc.ptr, enc.len);
	cy_buf_release(&src);
	cy_buf_release(&enc);
}

static void put_message(cy_buf *out, const sample_world *w, struct msg *m, size_t index)
{
	const sample_person *p = &m->row.p;
	const char *cs = cs_name[m->cs];
	long days = sample_date_to_days(m->date);
	const char *wd = wdays[((days % 7) + 7) % 7];
	cy_buf b = CY_BUF_INIT;
	char boundary[48], alt[48];
	bool q = index % 2 == 1, mixed = m->pdf || m->csv;
	const char *from_addr = m->reply ? "kefu@" DOMAIN : p->email;
	size_t i;

	snprintf(boundary, sizeof(boundary), "----=_Part_%zu_mixed", index);
	snprintf(alt, sizeof(alt), "----=_Part_%zu_alt", index);
	sample_printf(&b, "From %s %s %s %2d %02d:%02d:%02d %d\n", from_addr, wd,
		      months[m->date.m - 1], m->date.d, m->sec / 3600, m->sec / 60 % 60,
		      m->sec % 60, m->date.y);
	sample_puts(&b, "From: ");
	if (m->reply)
		put_encoded_words(&b, "客户服务中心", cs, q);
	else if (m->big5)
		sample_printf(&b, "\"%s\"", p->pinyin);
	else
		put_encoded_words(&b, p->name, cs, q);
	sample_printf(&b, " <%s>\nTo: ", from_addr);
	if (m->reply) {
		put_encoded_words(&b, p->name, m->big5 ? "UTF-8" : cs, q);
		sample_printf(&b, " <%s>\n", p->email);
	} else {
		sample_puts(&b, "kefu@" DOMAIN "\n");
	}
	sample_puts(&b, "Subject: ");
	put_encoded_words(&b, cy_buf_cstr(&m->subject), cs, q);
	sample_printf(&b, "\nDate: %s, %02d %s %d %02d:%02d:%02d +0800\n", wd, m->date.d,
		      months[m->date.m - 1], m->date.y, m->sec / 3600, m->sec / 60 % 60,
		      m->sec % 60);
	sample_printf(&b, "Message-ID: <%04d%02d%02d%05d.%zu@%s>\n", m->date.y, m->date.m,
		      m->date.d, m->sec, index, m->reply ? DOMAIN : strchr(p->email, '@') + 1);
	sample_puts(&b,
		    m->reply ? "X-Mailer: Microsoft Outlook 16.0\n" : "X-Mailer: Foxmail 7.2\n");
	sample_puts(&b, "MIME-Version: 1.0\n");
	if (mixed)
		sample_printf(&b,
			      "Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
			      "This is a multi-part message in MIME format.\n\n--%s\n",
			      boundary, boundary);
	if (m->alternative) {
		sample_printf(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\n\n--%s\n",
			      alt, alt);
		put_text_part(&b, m, false);
		sample_printf(&b, "\n--%s\n", alt);
		put_text_part(&b, m, true);
		sample_printf(&b, "\n--%s--\n", alt);
	} else {
		put_text_part(&b, m, false);
	}
	if (m->pdf) {
		cy_buf pdf = CY_BUF_INIT, no = CY_BUF_INIT;

		sample_printf(&no, "HT-%04d-9%05zu", m->date.y, index);
		sample_contract_pdf(&pdf, w, p, cy_buf_cstr(&no), m->date, 0, -1, index);
		sample_printf(&b,
			      "\n--%s\nContent-Type: application/pdf; name=\"contract.pdf\"\n"
			      "Content-Transfer-Encoding: base64\n"
			      "Content-Disposition: attachment; filename*=UTF-8''",
			      boundary);
		{
			/* RFC 2231: 合同_<no>.pdf, percent-encoded UTF-8 */
			cy_buf fn = CY_BUF_INIT;

			sample_printf(&fn, "合同_%s.pdf", cy_buf_cstr(&no));
			for (i = 0; i < fn.len; i++) {
				uint8_t c = fn.ptr[i];

				if (c >= 0x80 || c == '%' || c == '\'' || c == ' ')
					sample_printf(&b, "%%%02X", c);
				else
					sample_put(&b, &c, 1);
			}
			cy_buf_release(&fn);
		}
		sample_puts(&b, "\n\n");
		put_base64(&b, pdf.ptr, pdf.len, 76);
		cy_buf_release(&pdf);
		cy_buf_release(&no);
	}
	if (m->csv) {
		cy_buf csv = CY_BUF_INIT, gbk = CY_BUF_INIT, name = CY_BUF_INIT;

		sample_printf(&csv, "字段,原值,新值\r\n客户编号,%s,%s\r\n手机号码,%s,%s\r\n",
			      m->row.no, m->row.no, p->phone, p->phone);
		sample_puts(&csv, "联系地址,");
		sample_csv_field(&csv, p->address);
		sample_puts(&csv, ",\r\n");
		if (sample_to_gbk(&gbk, cy_buf_cstr(&csv), csv.len))
			sample_die_nomem();
		sample_printf(&b, "\n--%s\nContent-Type: text/csv; charset=\"GBK\"; name=\"",
			      boundary);
		put_encoded_words(&name, "账户信息变更申请.csv", "GBK", false);
		sample_printf(&b,
			      "%s\"\nContent-Transfer-Encoding: base64\n"
			      "Content-Disposition: attachment; filename=\"%s\"\n\n",
			      cy_buf_cstr(&name), cy_buf_cstr(&name));
		put_base64(&b, gbk.ptr, gbk.len, 76);
		cy_buf_release(&csv);
		cy_buf_release(&gbk);
		cy_buf_release(&name);
	}
	if (mixed)
		sample_printf(&b, "\n--%s--\n", boundary);
	sample_puts(&b, "\n"); /* the blank line before the next From line */

	/* mboxrd: a body line that begins "From " (or ">From ") gets one more '>'. */
	{
		const char *s = cy_buf_cstr(&b), *line;
		bool first = true;

		for (line = s; *line;) {
			const char *nl = strchr(line, '\n');
			size_t len = nl ? (size_t)(nl - line) : strlen(line);
			const char *t = line;

			while (t < line + len && *t == '>')
				t++;
			/* The one unescaped line is left as it is, on purpose. */
			if (!first && !m->unescaped && len - (size_t)(t - line) >= 5 &&
			    !strncmp(t, "From ", 5)) {
				sample_puts(out, ">");
				m->escaped = true;
			}
			sample_put(out, line, len);
			sample_puts(out, m->crlf ? "\r\n" : "\n");
			first = false;
			line += len + (nl != NULL);
		}
	}
	cy_buf_release(&b);
}

int sample_write_mail(sample_world *w)
{
	size_t n = 100 + w->crm_customers / 50, i;
	size_t unescaped_at;
	struct mail_counts k;
	cy_buf out = CY_BUF_INIT, man = CY_BUF_INIT;
	sample_date first = {w->plan->first_year, 1, 1}, last = {w->plan->last_year, 12, 31};
	sample_file f;
	int rc;

	if (n > MAIL_MAX)
		n = MAIL_MAX;
	unescaped_at = n / 2;
	memset(&k, 0, sizeof(k));
	rc = sample_out_mkdir(&w->out, "mail");
	if (!rc)
		rc = sample_file_open(&w->out, &f, "mail/customers.mbox", SAMPLE_CORRESPONDENCE,
				      w->plan->last_year);
	if (rc)
		return rc;
	for (i = 0; !rc && i < n; i++) {
		struct msg m;
		sample_rng r;
		long since;

		memset(&m, 0, sizeof(m));
		sample_rng_seed(&r, w->seed, "mail", i);
		m.customer = sample_rng_below(&r, (uint32_t)w->crm_customers);
		sample_crm_customer(w, m.customer, &m.row);
		m.reply = i != unescaped_at && sample_rng_chance(&r, 30);
		m.cs = (enum cs)sample_rng_weighted(&r, cs_weight, CS_COUNT);
		m.te = (enum te)sample_rng_weighted(&r, te_weight, TE_COUNT);
		m.alternative = sample_rng_chance(&r, 20);
		m.pdf = !m.row.org && sample_rng_chance(&r, 8);
		m.csv = !m.pdf && sample_rng_chance(&r, 8);
		m.crlf = sample_rng_chance(&r, 5);
		since = sample_date_to_days(m.row.p.since);
		if (since < sample_date_to_days(first))
			since = sample_date_to_days(first);
		m.date = sample_date_between(&r, sample_date_from_days(since), last);
		m.sec = 8 * 3600 + (int)sample_rng_below(&r, 14 * 3600);
		/* A "From " line in the body survives only unencoded. */
		m.escaped = !m.reply && m.cs == CS_UTF8 && m.te == TE_8BIT && !m.alternative &&
			    sample_rng_chance(&r, 50);
		if (i == unescaped_at) {
			m.cs = CS_UTF8;
			m.te = TE_8BIT;
			m.alternative = m.crlf = m.escaped = false;
			m.unescaped = true;
		}
		m.big5 = m.cs == CS_BIG5;
		make_text(&m, w, &r);
		/* GB2312 lacks some characters of names: such a message goes out as
		 * GBK (and anything that will not convert, as UTF-8). */
		while (m.cs != CS_UTF8) {
			cy_buf t = CY_BUF_INIT;
			bool bad = sample_convert(&t, cs_name[m.cs], cy_buf_cstr(&m.text),
						  m.text.len) ||
				   sample_convert(&t, cs_name[m.cs], cy_buf_cstr(&m.subject),
						  m.subject.len) ||
				   (!m.big5 && sample_convert(&t, cs_name[m.cs], m.row.p.name,
							      strlen(m.row.p.name)));

			cy_buf_release(&t);
			if (!bad)
				break;
			m.cs = m.cs == CS_GB2312 ? CS_GBK : CS_UTF8;
		}
		put_message(&out, w, &m, i);
		k.messages++;
		k.replies += m.reply;
		k.from_customers += !m.reply;
		k.cs[m.cs]++;
		k.te[m.te]++;
		k.subject_q += i % 2 == 1;
		k.subject_b += i % 2 == 0;
		k.alternative += m.alternative;
		k.pdf += m.pdf;
		k.csv += m.csv;
		k.crlf += m.crlf;
		k.escaped_from += m.escaped && !m.unescaped;
		k.unescaped_from += m.unescaped;
		k.gb18030_only += m.cs == CS_GB18030 && !m.reply && !m.big5;
		cy_buf_release(&m.text);
		cy_buf_release(&m.subject);
		if (out.len >= (1u << 20))
			rc = sample_file_flush(&f, &out);
	}
	if (!rc)
		rc = sample_file_flush(&f, &out);
	if (!rc)
		rc = sample_file_close(&f);
	else
		sample_file_abort(&f);
	if (rc)
		goto out;
	sample_printf(&man,
		      "{\n  \"file\": \"mail/customers.mbox\",\n  \"messages\": %llu,\n"
		      "  \"from_customers\": %llu,\n  \"replies\": %llu,\n  \"charsets\": {",
		      (unsigned long long)k.messages, (unsigned long long)k.from_customers,
		      (unsigned long long)k.replies);
	for (i = 0; i < CS_COUNT; i++)
		sample_printf(&man, "%s\"%s\": %llu", i ? ", " : "", cs_name[i],
			      (unsigned long long)k.cs[i]);
	sample_puts(&man, "},\n  \"transfer_encodings\": {");
	for (i = 0; i < TE_COUNT; i++)
		sample_printf(&man, "%s\"%s\": %llu", i ? ", " : "", te_name[i],
			      (unsigned long long)k.te[i]);
	sample_printf(&man,
		      "},\n  \"subjects_rfc2047_b\": %llu,\n  \"subjects_rfc2047_q\": %llu,\n"
		      "  \"multipart_alternative\": %llu,\n  \"pdf_attachments\": %llu,\n"
		      "  \"csv_attachments\": %llu,\n  \"crlf_messages\": %llu,\n"
		      "  \"escaped_from_lines\": %llu,\n  \"unescaped_from_lines\": %llu,\n"
		      "  \"unescaped_from_message\": %zu,\n"
		      "  \"gb18030_four_byte_messages\": %llu\n}\n",
		      (unsigned long long)k.subject_b, (unsigned long long)k.subject_q,
		      (unsigned long long)k.alternative, (unsigned long long)k.pdf,
		      (unsigned long long)k.csv, (unsigned long long)k.crlf,
		      (unsigned long long)k.escaped_from, (unsigned long long)k.unescaped_from,
		      unescaped_at + 1, (unsigned long long)k.gb18030_only);
	rc = sample_out_write(&w->out, "mail/manifest.json", SAMPLE_OTHER, w->plan->last_year,
			      man.ptr, man.len);
out:
	cy_buf_release(&out);
	cy_buf_release(&man);
	return rc;
}
