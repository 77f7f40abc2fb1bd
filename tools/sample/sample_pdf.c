/* sample_pdf.c - contracts/: one PDF per contract, 合同_HT<year>-<nnnn>_<name>.pdf.
 *
 * The PDF 1.4 is written by hand: a catalog, a page tree, one or two pages of
 * uncompressed text and an xref table with exact byte offsets.  Chinese text
 * uses the predefined CJK font STSong-Light (Adobe-GB1) as a Type0 font with
 * the UniGB-UCS2-H CMap, which viewers supply themselves, so nothing is
 * embedded and strings are UCS-2 in hex.  The document info carries the
 * customer's name, as office software writes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "sample_people.h"

#include "custody/banned.h"

#define PAGE_W 595
#define PAGE_H 842
#define MARGIN 72
#define MAX_PAGES 4

struct contract {
	size_t person;
	sample_date date;
	int seq; /* within the year */
	char no[24];
	int64_t fen; /* 0: drawn */
	int kind;    /* -1: drawn */
};

/* Text laid out top-down over as many pages as it needs. */
struct doc {
	cy_buf page[MAX_PAGES];
	int npages;
	int y; /* baseline of the next line, in points */
};

static void put_hex_text(cy_buf *b, const char *s)
{
	sample_puts(b, "<");
	while (*s)
		sample_printf(b, "%04X", (unsigned)(sample_utf8_next(&s) & 0xffff));
	sample_puts(b, ">");
}

/* Width in thousandths of the font size: 1000 for CJK, 500 for ASCII (/W). */
static int char_width(uint32_t c)
{
	return c < 0x80 ? 500 : 1000;
}

static int text_width(const char *s, int size)
{
	long w = 0;

	while (*s)
		w += char_width(sample_utf8_next(&s));
	return (int)(w * size / 1000);
}

static cy_buf *cur(struct doc *d)
{
	return &d->page[d->npages - 1];
}

static void need(struct doc *d, int height)
{
	if (d->y - height >= MARGIN || d->npages == MAX_PAGES)
		return;
	d->npages++;
	d->y = PAGE_H - MARGIN;
}

static void text_at(struct doc *d, int size, int x, const char *s)
{
	sample_printf(cur(d), "BT /F1 %d Tf %d %d Td ", size, x, d->y);
	put_hex_text(cur(d), s);
	sample_puts(cur(d), " Tj ET\n");
}

static void line(struct doc *d, int size, const char *s)
{
	need(d, size + 7);
	text_at(d, size, MARGIN, s);
	d->y -= size + 7;
}

static void centered(struct doc *d, int size, const char *s)
{
	need(d, size + 12);
	text_at(d, size, (PAGE_W - text_width(s, size)) / 2, s);
	d->y -= size + 12;
}

/* Closing punctuation never starts a line (避头): it hangs in the margin. */
static bool is_closing(uint32_t c)
{
	static const uint32_t list[] = {0xff0c, 0x3002, 0x3001, 0xff1b, 0xff1a,
					0xff09, 0x300b, 0x201d, 0xff01, 0xff1f};
	size_t i;

	for (i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		if (c == list[i])
			return true;
	return false;
}

/* The next unit that may not be split: a run of ASCII (a number, an e-mail
 * address, a card number) or one other character.  Returns its length in
 * bytes and sets *width and *closing. */
static size_t next_token(const char *s, int *width, bool *closing)
{
	const char *p = s;
	uint32_t c = sample_utf8_next(&p);

	*width = char_width(c);
	*closing = is_closing(c);
	if (c < 0x80 && c != ' ') {
		while (*p && (uint8_t)*p < 0x80 && *p != ' ') {
			p++;
			*width += 500;
		}
	}
	return (size_t)(p - s);
}

/* A paragraph wrapped to the text width, its first line indented by two
 * characters as Chinese typesetting does. */
static void para(struct doc *d, int size, const char *s)
{
	int limit = (PAGE_W - 2 * MARGIN) * 1000 / size;
	cy_buf row = CY_BUF_INIT;
	int w = 2000;

	sample_puts(&row, "　　");
	while (*s) {
		int tw;
		bool closing;
		size_t n = next_token(s, &tw, &closing);

		if (w + tw > limit && !closing && row.len) {
			line(d, size, cy_buf_cstr(&row));
			cy_buf_clear(&row);
			w = 0;
		}
		sample_put(&row, s, n);
		w += tw;
		s += n;
	}
	if (row.len)
		line(d, size, cy_buf_cstr(&row));
	cy_buf_release(&row);
}

static void gap(struct doc *d, int points)
{
	d->y -= points;
}

/* The company seal: a red ring with the seal's name across it. */
static void seal(struct doc *d, int cx, int cy)
{
	const int r = 40, k = 22; /* k = r * 0.5523, the Bezier circle constant */
	cy_buf *b = cur(d);

	sample_printf(b, "q 0.85 0.1 0.1 RG 0.85 0.1 0.1 rg 2.5 w\n%d %d m\n", cx + r, cy);
	sample_printf(b, "%d %d %d %d %d %d c\n", cx + r, cy + k, cx + k, cy + r, cx, cy + r);
	sample_printf(b, "%d %d %d %d %d %d c\n", cx - k, cy + r, cx - r, cy + k, cx - r, cy);
	sample_printf(b, "%d %d %d %d %d %d c\n", cx - r, cy - k, cx - k, cy - r, cx, cy - r);
	sample_printf(b, "%d %d %d %d %d %d c S\n", cx + k, cy - r, cx + r, cy - k, cx + r, cy);
	sample_printf(b, "BT /F1 9 Tf %d %d Td ", cx - 22, cy - 3);
	put_hex_text(b, "合同专用章");
	sample_puts(b, " Tj ET Q\n");
}

static const char *const goods[] = {
	"家用电器一批", "实木家具一套", "空气净化器", "智能家居设备一套", "厨房电器套装",
	"办公家具一批", "中央空调系统", "净水设备",   "按摩椅",		  "全屋定制衣柜",
};

static void amount_text(cy_buf *b, int64_t fen)
{
	sample_put_amount(b, fen, true);
}

static void write_body(struct doc *d, const sample_world *w, const sample_person *p,
		       const struct contract *k, sample_rng *r, bool *long_form)
{
	const sample_company *c = w->company;
	static const char *const kinds[] = {"商品购销合同", "分期付款买卖合同"};
	static const int periods[] = {6, 12, 24, 36};
	cy_buf t = CY_BUF_INIT, s = CY_BUF_INIT;
	/* Drawn in any case, so that the draws after them stay where they were. */
	bool drawn_kind = sample_rng_chance(r, 55);
	int64_t drawn_total = sample_rng_amount(r, 3000, 300000);
	bool instalments = k->kind >= 0 ? k->kind == 1 : drawn_kind;
	int64_t total = k->fen > 0 ? k->fen : drawn_total;
	int n = periods[sample_rng_below(r, 4)];
	int64_t down = total * sample_rng_range(r, 20, 30) / 100 / 100 * 100;
	int64_t per = (total - down + n - 1) / n;
	sample_date start = k->date;
	sample_date delivery = sample_date_from_days(sample_date_to_days(start) +
						     sample_rng_range(r, 7, 30));
	sample_date end = sample_date_from_days(sample_date_to_days(start) +
						(instalments ? n * 30 + 30 : 365));

	*long_form = sample_rng_chance(r, 60);
	centered(d, 20, kinds[instalments]);
	sample_printf(&t, "合同编号：%s", k->no);
	line(d, 11, cy_buf_cstr(&t));
	gap(d, 8);

#define LINEF(...)                                                                                 \
	do {                                                                                       \
		cy_buf_clear(&t);                                                                  \
		sample_printf(&t, __VA_ARGS__);                                                    \
		line(d, 11, cy_buf_cstr(&t));                                                      \
	} while (0)
	LINEF("甲方（卖方）：%s", c->name);
	LINEF("统一社会信用代码：%s", c->uscc);
	LINEF("住所：%s", c->address);
	LINEF("法定代表人：%s    联系电话：%s", c->legal_rep, c->phone);
	gap(d, 8);
	LINEF("乙方（买方）：%s", p->name);
	LINEF("身份证号码：%s", p->id);
	LINEF("住址：%s", p->address);
	LINEF("联系电话：%s    电子邮箱：%s", p->phone, p->email);
	gap(d, 8);

	para(d, 11,
	     "根据《中华人民共和国民法典》及有关法律法规的规定，甲乙双方在平等、自愿、"
	     "协商一致的基础上，就乙方向甲方购买商品事宜订立本合同，共同遵守。");
	line(d, 11, "第一条  商品与价款");
	cy_buf_clear(&s);
	sample_printf(&s, "乙方向甲方购买%s，合同总价款为人民币", SAMPLE_PICK(r, goods));
	amount_text(&s, total);
	sample_puts(&s, "元（大写：");
	sample_put_amount_zh(&s, total);
	sample_puts(&s, "），含增值税。");
	para(d, 11, cy_buf_cstr(&s));

	line(d, 11, "第二条  付款方式");
	cy_buf_clear(&s);
	if (instalments) {
		sample_puts(&s, "乙方于");
		sample_put_date_zh(&s, start);
		sample_puts(&s, "支付首付款人民币");
		amount_text(&s, down);
		sample_puts(&s, "元，余款人民币");
		amount_text(&s, total - down);
		sample_printf(&s, "元分%d期支付，每期人民币", n);
		amount_text(&s, per);
		sample_printf(&s, "元，由甲方于每月%d日从乙方名下%s账户（卡号：%s）代扣。",
			      sample_rng_range(r, 1, 28), p->bank, p->card);
	} else {
		sample_printf(&s,
			      "乙方应于合同签订之日起五个工作日内一次性支付全部价款，付款账户"
			      "为乙方名下%s账户（卡号：%s）。",
			      p->bank, p->card);
	}
	para(d, 11, cy_buf_cstr(&s));

	line(d, 11, "第三条  交付");
	cy_buf_clear(&s);
	sample_puts(&s, "甲方应于");
	sample_put_date_zh(&s, delivery);
	sample_printf(&s, "前将商品送达乙方指定地址：%s，收货人：%s，联系电话：%s。", p->address,
		      p->name, p->phone);
	para(d, 11, cy_buf_cstr(&s));

	line(d, 11, "第四条  质量与售后");
	para(d, 11,
	     "商品质量符合国家标准及生产厂家的企业标准。自交付之日起一年内，商品出现非人为"
	     "损坏的质量问题，甲方负责免费维修或更换。");
	if (*long_form) {
		line(d, 11, "第五条  违约责任");
		para(d, 11,
		     "乙方逾期付款的，每逾期一日，应按逾期金额的万分之五向甲方支付违约金；"
		     "甲方逾期交货的，每逾期一日，应按合同总价款的万分之五向乙方支付违约金。"
		     "逾期超过三十日的，守约方有权解除合同。");
		line(d, 11, "第六条  个人信息保护");
		para(d, 11,
		     "甲方因履行本合同收集的乙方姓名、身份证号码、联系方式及银行账户等个人"
		     "信息，仅用于合同履行、售后服务及依法留存。甲方按照《中华人民共和国个人"
		     "信息保护法》的规定采取必要措施保障其安全，保存期限届满后予以删除"
		     "或匿名化处理。");
		line(d, 11, "第七条  争议解决");
		para(d, 11,
		     "因本合同引起的争议，双方应协商解决；协商不成的，任何一方均可向甲方住所"
		     "地人民法院提起诉讼。");
	}
	line(d, 11, *long_form ? "第八条  其他" : "第五条  其他");
	cy_buf_clear(&s);
	sample_puts(&s, "本合同一式两份，甲乙双方各执一份，自双方签字（盖章）之日起生效，有效期自");
	sample_put_date_zh(&s, start);
	sample_puts(&s, "起至");
	sample_put_date_zh(&s, end);
	sample_puts(&s, "止。");
	para(d, 11, cy_buf_cstr(&s));

	need(d, 110);
	gap(d, 24);
	cy_buf_clear(&t);
	sample_printf(&t, "甲方（盖章）：%s", c->name);
	text_at(d, 11, MARGIN, cy_buf_cstr(&t));
	cy_buf_clear(&t);
	sample_printf(&t, "乙方（签字）：%s", p->name);
	text_at(d, 11, 340, cy_buf_cstr(&t));
	seal(d, MARGIN + 120, d->y + 4);
	gap(d, 22);
	cy_buf_clear(&t);
	sample_printf(&t, "授权代表：%s", c->staff[3 + p->no % 3]);
	text_at(d, 11, MARGIN, cy_buf_cstr(&t));
	gap(d, 22);
	cy_buf_clear(&t);
	sample_puts(&t, "签订日期：");
	sample_put_date_zh(&t, start);
	text_at(d, 11, MARGIN, cy_buf_cstr(&t));
	text_at(d, 11, 340, cy_buf_cstr(&t));
#undef LINEF
	cy_buf_release(&t);
	cy_buf_release(&s);
}

static void put_utf16_string(cy_buf *b, const char *s)
{
	sample_puts(b, "<FEFF");
	while (*s)
		sample_printf(b, "%04X", (unsigned)(sample_utf8_next(&s) & 0xffff));
	sample_puts(b, ">");
}

/* Assemble the file: objects 1-6 fixed, then a page and its content per page. */
static void assemble(cy_buf *out, struct doc *d, const sample_world *w, const sample_person *p,
		     const struct contract *k, sample_rng *r)
{
	size_t offsets[6 + 2 * MAX_PAGES + 1];
	int nobj = 6 + 2 * d->npages, i;
	size_t xref;
	uint8_t id[16];
	char idhex[33], title[64];

	sample_puts(out, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
	offsets[1] = out->len;
	sample_puts(out, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	offsets[2] = out->len;
	sample_puts(out, "2 0 obj\n<< /Type /Pages /Kids [");
	for (i = 0; i < d->npages; i++)
		sample_printf(out, "%s%d 0 R", i ? " " : "", 7 + 2 * i);
	sample_printf(out, "] /Count %d >>\nendobj\n", d->npages);
	offsets[3] = out->len;
	sample_puts(out, "3 0 obj\n<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light "
			 "/Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] >>\nendobj\n");
	offsets[4] = out->len;
	sample_puts(out, "4 0 obj\n<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
			 "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
			 "/FontDescriptor 5 0 R /DW 1000 /W [1 95 500] >>\nendobj\n");
	offsets[5] = out->len;
	sample_puts(out, "5 0 obj\n<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
			 "/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
			 "/CapHeight 880 /StemV 93 >>\nendobj\n");
	offsets[6] = out->len;
	snprintf(title, sizeof(title), "合同 %s", k->no);
	sample_puts(out, "6 0 obj\n<< /Title ");
	put_utf16_string(out, title);
	sample_puts(out, " /Author ");
	put_utf16_string(out, w->company->name);
	sample_puts(out, " /Subject ");
	put_utf16_string(out, p->name);
	sample_printf(out,
		      " /Creator (custody-sample) /Producer (custody-sample) "
		      "/CreationDate (D:%04d%02d%02d%02d%02d%02d+08'00') >>\nendobj\n",
		      k->date.y, k->date.m, k->date.d, sample_rng_range(r, 9, 17),
		      sample_rng_range(r, 0, 59), sample_rng_range(r, 0, 59));
	for (i = 0; i < d->npages; i++) {
		offsets[7 + 2 * i] = out->len;
		sample_printf(out,
			      "%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
			      "/Resources << /Font << /F1 3 0 R >> /ProcSet [/PDF /Text] >> "
			      "/Contents %d 0 R >>\nendobj\n",
			      7 + 2 * i, PAGE_W, PAGE_H, 8 + 2 * i);
		offsets[8 + 2 * i] = out->len;
		sample_printf(out, "%d 0 obj\n<< /Length %zu >>\nstream\n", 8 + 2 * i,
			      d->page[i].len);
		sample_put(out, d->page[i].ptr, d->page[i].len);
		sample_puts(out, "\nendstream\nendobj\n");
	}
	xref = out->len;
	sample_printf(out, "xref\n0 %d\n0000000000 65535 f \n", nobj + 1);
	for (i = 1; i <= nobj; i++)
		sample_printf(out, "%010zu 00000 n \n", offsets[i]);
	for (i = 0; i < 16; i++)
		id[i] = (uint8_t)sample_rng_next(r);
	cy_hex_encode(id, sizeof(id), idhex);
	sample_printf(out,
		      "trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R /ID [<%s> <%s>] >>\n"
		      "startxref\n%zu\n%%%%EOF\n",
		      nobj + 1, idhex, idhex, xref);
}

static void make_pdf(cy_buf *out, const sample_world *w, const sample_person *p,
		     const struct contract *k, const char *stream, uint64_t index)
{
	struct doc d;
	bool long_form;
	sample_rng r;
	int j;

	memset(&d, 0, sizeof(d));
	d.npages = 1;
	d.y = PAGE_H - MARGIN;
	sample_rng_seed(&r, w->seed, stream, index);
	write_body(&d, w, p, k, &r, &long_form);
	assemble(out, &d, w, p, k, &r);
	for (j = 0; j < MAX_PAGES; j++)
		cy_buf_release(&d.page[j]);
}

void sample_contract_pdf(cy_buf *out, const sample_world *w, const sample_person *p, const char *no,
			 sample_date date, int64_t fen, int kind, uint64_t index)
{
	struct contract k;

	memset(&k, 0, sizeof(k));
	k.date = date;
	snprintf(k.no, sizeof(k.no), "%s", no);
	k.fen = fen;
	k.kind = kind;
	make_pdf(out, w, p, &k, "crm-contract-pdf", index);
}

/* contracts/HT-YYYY-NNNNNN.pdf: the PDFs of a sample of crm/contracts.csv. */
int sample_write_crm_contracts(sample_world *w)
{
	const sample_crm_contract *list;
	cy_buf out = CY_BUF_INIT, name = CY_BUF_INIT;
	size_t i, n;
	int rc;

	list = sample_crm_pdf_contracts(w, &n);
	rc = sample_out_mkdir(&w->out, "contracts");
	for (i = 0; !rc && i < n; i++) {
		sample_crm_row row;

		sample_crm_customer(w, list[i].customer, &row);
		cy_buf_clear(&out);
		sample_contract_pdf(&out, w, &row.p, list[i].no, list[i].date, list[i].fen,
				    list[i].kind, i);
		cy_buf_clear(&name);
		sample_printf(&name, "contracts/%s.pdf", list[i].no);
		rc = sample_out_write(&w->out, cy_buf_cstr(&name), SAMPLE_CONTRACT, list[i].date.y,
				      out.ptr, out.len);
	}
	cy_buf_release(&out);
	cy_buf_release(&name);
	return rc;
}

static int contract_cmp(const void *a, const void *b)
{
	const struct contract *x = a, *y = b;
	int c = sample_date_cmp(x->date, y->date);

	if (c)
		return c;
	return x->person < y->person ? -1 : x->person > y->person;
}

int sample_write_contracts(sample_world *w)
{
	const sample_plan *plan = w->plan;
	struct contract *list = sample_calloc(w->npeople * 2, sizeof(*list));
	sample_date first = {plan->first_year, 1, 1}, last = {plan->last_year, 12, 31};
	cy_buf out = CY_BUF_INIT, name = CY_BUF_INIT;
	size_t i, n = 0;
	int rc, seq = 0, year = 0;
	sample_rng r;

	sample_rng_seed(&r, w->seed, "contracts", 0);
	for (i = 0; i < w->npeople; i++) {
		const sample_person *p = &w->people[i];
		sample_date from = sample_date_cmp(p->since, first) > 0 ? p->since : first;
		int copies = sample_rng_chance(&r, (unsigned)plan->second_contract_pct) ? 2 : 1;

		while (copies--) {
			list[n].person = i;
			list[n].date = sample_date_between(&r, from, last);
			n++;
		}
	}
	qsort(list, n, sizeof(*list), contract_cmp);

	rc = sample_out_mkdir(&w->out, "contracts");
	for (i = 0; !rc && i < n; i++) {
		struct contract *k = &list[i];
		const sample_person *p = &w->people[k->person];

		if (k->date.y != year) {
			year = k->date.y;
			seq = 0;
		}
		k->seq = ++seq;
		snprintf(k->no, sizeof(k->no), "HT%d-%04d", k->date.y, k->seq);
		k->fen = 0;
		k->kind = -1;
		cy_buf_clear(&out);
		make_pdf(&out, w, p, k, "contract", i);
		cy_buf_clear(&name);
		sample_printf(&name, "contracts/合同_HT%d-%04d_%s.pdf", k->date.y, k->seq, p->name);
		rc = sample_out_write(&w->out, cy_buf_cstr(&name), SAMPLE_CONTRACT, k->date.y,
				      out.ptr, out.len);
	}
	cy_buf_release(&out);
	cy_buf_release(&name);
	free(list);
	return rc;
}
