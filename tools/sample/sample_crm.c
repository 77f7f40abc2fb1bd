/* sample_crm.c - crm/: what the company's CRM exports, with the quirks such
 * exports have (docs/internals/testing.md, "The sample company's CRM").
 *
 *   customers.csv     GBK, CRLF, a title row above the header, Chinese headers
 *   customers.xlsx    the same customers, streamed (sample_xlsx.c)
 *   transactions.csv  GBK, about five per customer over the plan's years
 *   transactions.xlsx the same, only when there are at most 100,000
 *   contracts.csv     UTF-8 with a byte-order mark
 *   manifest.json     counts of rows and of each quirk, for the tests
 *
 * A million customers do not fit in memory as whole records, so each row
 * keeps 16 bytes (its customer-since day, kind, and how many draws its
 * identifiers needed to be unique) and is generated again from its own PRNG
 * stream when the mailbox or a PDF needs it (sample_crm_customer).
 * Identifiers (ID number or USCC, mobile, e-mail) are unique across rows,
 * except in the duplicate rows, which repeat an earlier customer's on
 * purpose. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "sample_people.h"

#include "custody/banned.h"

#define CF_ORG 1
#define CF_DUP 2
#define CF_MINOR 4

#define CHUNK (1u << 20)
#define TXN_XLSX_MAX 100000u

struct cust {
	int32_t since; /* days since 1970 */
	uint32_t ref;  /* a duplicate: the row it repeats */
	uint8_t flags, id_redo, phone_redo, email_redo;
};

struct sample_crm {
	size_t n;
	struct cust *c;
	sample_date export_date;
	sample_crm_contract *pdf;
	size_t npdf;
};

/* ---- a set of 64-bit hashes, for uniqueness ---- */

struct hset {
	uint64_t *slot;
	size_t mask;
};

static void hset_init(struct hset *s, size_t n)
{
	size_t cap = 1024;

	while (cap < n * 2)
		cap *= 2;
	s->slot = sample_calloc(cap, sizeof(*s->slot));
	s->mask = cap - 1;
}

static uint64_t key_of(char tag, const char *v)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint8_t)tag;

	for (; *v; v++)
		h = (h ^ (uint8_t)*v) * 0x100000001b3ULL;
	return h ? h : 1;
}

/* Add; false if it was there. */
static bool hset_add(struct hset *s, uint64_t k)
{
	size_t i = (size_t)(k ^ (k >> 29)) & s->mask;

	for (; s->slot[i]; i = (i + 1) & s->mask)
		if (s->slot[i] == k)
			return false;
	s->slot[i] = k;
	return true;
}

/* ---- where the quirks go ---- */

enum quirk {
	Q_ORG,	    /* an organisation: 3% */
	Q_DUP,	    /* the same ID number again, another phone: 0.1%, at least 3 */
	Q_MINOR,    /* a customer under 14: 0.5%, at least 5 */
	Q_SCI,	    /* the ID number as Excel shows it, 1.10105E+17: 1 per 10,000, at least 1 */
	Q_FORCED,   /* ="00000123": 0.5%, at least 3 */
	Q_NEWLINE,  /* a 备注 over two lines, quoted: 1%, at least 3 */
	Q_TRAILING, /* one to three empty columns after the last: 2%, at least 3 */
	Q_SERIAL,   /* the birth date as an Excel serial number: 1%, at least 3 */
	Q_COUNT
};

static const struct {
	unsigned per100k, min;
} quirk_rate[Q_COUNT] = {
	[Q_ORG] = {3000, 3},	  [Q_DUP] = {100, 3},	  [Q_MINOR] = {500, 5},
	[Q_SCI] = {10, 1},	  [Q_FORCED] = {500, 3},  [Q_NEWLINE] = {1000, 3},
	[Q_TRAILING] = {2000, 3}, [Q_SERIAL] = {1000, 3},
};

static uint64_t mix(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t z = a ^ (b * 0x9e3779b97f4a7c15ULL) ^ (c * 0xc2b2ae3d27d4eb4fULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Row i is where quirk q falls: k rows spread one per segment of n/k. */
static bool quirk_at(uint64_t seed, int q, size_t i, size_t n)
{
	size_t k = (size_t)((uint64_t)n * quirk_rate[q].per100k / 100000);
	size_t seg, len;

	if (k < quirk_rate[q].min)
		k = quirk_rate[q].min;
	if (k > n)
		k = n;
	len = n / k;
	seg = i / len;
	if (seg >= k)
		return false;
	return i % len == mix(seed, (uint64_t)q + 1, seg) % len;
}

/* ---- customers ---- */

static const char *const free_mail[] = {"163.com", "126.com", "qq.com", "sina.com"};

static void email_again(sample_person *p, sample_rng *r)
{
	char local[40], domain[20];
	const char *at = strchr(p->email, '@');
	size_t n = at ? (size_t)(at - p->email) : strlen(p->email);

	snprintf(local, sizeof(local), "%.*s", (int)(n > 36 ? 36 : n), p->email);
	snprintf(domain, sizeof(domain), "%.19s", at ? at + 1 : "163.com");
	snprintf(p->email, sizeof(p->email), "%s%u@%s", local, sample_rng_below(r, 100), domain);
}

static sample_date since_from(const sample_world *w)
{
	sample_date from = {w->plan->first_year - 3, 1, 1};

	return sample_date_cmp(w->company->founded, from) > 0 ? w->company->founded : from;
}

static sample_date since_to(const sample_world *w)
{
	return (sample_date){w->plan->last_year, 10, 31};
}

/* Draw again while the value is taken (first pass, set given), or as many
 * times as the first pass did (set NULL). */
#define UNIQUE(set, tag, value, count, again)                                                      \
	do {                                                                                       \
		if (set) {                                                                         \
			while (!hset_add(set, key_of(tag, value)) && (count) < 255) {              \
				again;                                                             \
				(count)++;                                                         \
			}                                                                          \
		} else {                                                                           \
			for (unsigned k_ = 0; k_ < (count); k_++) {                                \
				again;                                                             \
			}                                                                          \
		}                                                                                  \
	} while (0)

static void make_row(const sample_world *w, size_t i, sample_crm_row *row, struct hset *set)
{
	const struct sample_crm *crm = w->crm;
	struct cust *c = &crm->c[i];
	sample_rng r;

	sample_rng_seed(&r, w->seed, "crm-customer", i);
	if (c->flags & CF_DUP) {
		make_row(w, c->ref, row, NULL);
		row->dup = true;
		UNIQUE(set, 'p', row->p.phone, c->phone_redo, sample_phone_make(&r, row->p.phone));
		goto number;
	}
	memset(row, 0, sizeof(*row));
	if (c->flags & CF_ORG) {
		sample_company co;

		sample_company_make(&co, &r, w->plan->first_year);
		row->org = true;
		snprintf(row->p.name, sizeof(row->p.name), "%.63s", co.name);
		snprintf(row->p.id, sizeof(row->p.id), "%s", co.uscc);
		snprintf(row->p.address, sizeof(row->p.address), "%s", co.address);
		snprintf(row->p.card, sizeof(row->p.card), "%.19s", co.account);
		snprintf(row->p.contact_name, sizeof(row->p.contact_name), "%s", co.legal_rep);
		row->p.bank = co.bank;
		sample_phone_make(&r, row->p.phone);
		snprintf(row->p.email, sizeof(row->p.email), "caiwu%04u@%s",
			 sample_rng_below(&r, 10000), SAMPLE_PICK(&r, free_mail));
		row->p.since = sample_date_between(&r, since_from(w), since_to(w));
		row->p.no = (int)i + 1;
		snprintf(row->p.pinyin, sizeof(row->p.pinyin), "caiwu");
		UNIQUE(set, 'u', row->p.id, c->id_redo, {
			sample_company_make(&co, &r, w->plan->first_year);
			snprintf(row->p.id, sizeof(row->p.id), "%s", co.uscc);
		});
	} else {
		if (i < w->npeople) {
			row->p = w->people[i];
		} else {
			sample_person_make(&row->p, &r, (int)i + 1, since_from(w), since_to(w));
			if (c->flags & CF_MINOR) {
				sample_date e = crm->export_date;
				sample_date lo = {e.y - 13, e.m, e.d}, hi = {e.y - 10, e.m, 1};
				sample_date grown;

				sample_person_set_birth(&row->p, &r,
							sample_date_between(&r, lo, hi));
				row->p.occupation = "学生";
				grown = (sample_date){row->p.birth.y + 8, row->p.birth.m, 1};
				if (sample_date_cmp(row->p.since, grown) < 0)
					row->p.since = grown;
			}
		}
		UNIQUE(set, 'i', row->p.id, c->id_redo, sample_person_new_id(&row->p, &r));
	}
	UNIQUE(set, 'p', row->p.phone, c->phone_redo, sample_phone_make(&r, row->p.phone));
	UNIQUE(set, 'e', row->p.email, c->email_redo, email_again(&row->p, &r));
	if (set)
		c->since = (int32_t)sample_date_to_days(row->p.since);
number:
	row->p.since = sample_date_from_days(c->since);
	snprintf(row->no, sizeof(row->no), "%08zu", i + 1);
}

void sample_crm_customer(const sample_world *w, size_t i, sample_crm_row *out)
{
	make_row(w, i, out, NULL);
}

const sample_crm_contract *sample_crm_pdf_contracts(const sample_world *w, size_t *n)
{
	*n = w->crm ? w->crm->npdf : 0;
	return w->crm ? w->crm->pdf : NULL;
}

const char *const *sample_contract_kinds(void)
{
	static const char *const kinds[] = {"商品购销合同", "分期付款买卖合同"};

	return kinds;
}

/* What Excel shows for an 18-digit number in a General cell: six significant
 * digits, trailing zeros dropped ("1.10105E+17"). */
static void scientific(const char *id, char out[16])
{
	unsigned long v = 0;
	char m[24];
	int i, n;

	for (i = 0; i < 7; i++)
		v = v * 10 + (unsigned long)(id[i] - '0');
	v = (v + 5) / 10;
	snprintf(m, sizeof(m), "%06lu", v);
	for (n = 6; n > 1 && m[n - 1] == '0'; n--)
		;
	if (n == 1)
		snprintf(out, 16, "%cE+17", m[0]);
	else
		snprintf(out, 16, "%c.%.*sE+17", m[0], n - 1, m + 1);
}

struct counts {
	uint64_t persons, orgs, dups, forced, sci, newline, trailing, serial, under14, under18,
		notes, lines, sci_pending;
};

static const char *const notes[] = {
	"VIP客户",	  "老客户推荐",		"已签署个人信息授权书",
	"不接受营销短信", "地址已变更，待核实", "分期客户",
};

static void put_customer(cy_buf *b, sample_xlsx *x, const sample_world *w,
			 const sample_crm_row *row, size_t i, sample_rng *r, struct counts *k)
{
	const sample_person *p = &row->p;
	char birth[16] = "", id[24], no[24], note[256] = "";
	bool forced = false, sci = false, serial = false;
	int trailing = 0, j;

	snprintf(id, sizeof(id), "%s", p->id);
	snprintf(no, sizeof(no), "%s", row->no);
	if (quirk_at(w->seed, Q_FORCED, i, w->crm->n)) {
		snprintf(no, sizeof(no), "=\"%s\"", row->no);
		forced = true;
	}
	/* Only a person's own ID number without an X can look like a number:
	 * the quirk moves on to the next row that has one. */
	if (quirk_at(w->seed, Q_SCI, i, w->crm->n))
		k->sci_pending++;
	if (k->sci_pending && !row->org && !row->dup && p->id[17] != 'X') {
		scientific(p->id, id);
		sci = true;
		k->sci_pending--;
	}
	if (!row->org) {
		if (quirk_at(w->seed, Q_SERIAL, i, w->crm->n)) {
			snprintf(birth, sizeof(birth), "%ld", sample_excel_serial(p->birth));
			serial = true;
		} else {
			snprintf(birth, sizeof(birth), "%04d-%02d-%02d", p->birth.y, p->birth.m,
				 p->birth.d);
		}
	}
	if (quirk_at(w->seed, Q_NEWLINE, i, w->crm->n)) {
		cy_buf t = CY_BUF_INIT;

		sample_puts(&t, "客户来电反映账单有误\n已于");
		sample_put_date(&t, sample_date_from_days(w->crm->c[i].since + 30));
		sample_puts(&t, "回访，已处理");
		snprintf(note, sizeof(note), "%s", cy_buf_cstr(&t));
		cy_buf_release(&t);
		k->newline++;
	} else if (!row->org && sample_age_on(p->birth, w->crm->export_date) < 18 &&
		   p->contact_name[0]) {
		snprintf(note, sizeof(note), "监护人：%s %s", p->contact_name, p->contact_phone);
	} else if (row->dup) {
		snprintf(note, sizeof(note), "重复登记");
	} else if (sample_rng_chance(r, 15)) {
		snprintf(note, sizeof(note), "%s", SAMPLE_PICK(r, notes));
	}
	if (quirk_at(w->seed, Q_TRAILING, i, w->crm->n))
		trailing = sample_rng_range(r, 1, 3);

	/* ="..." as exporters write it: raw, not quoted as RFC 4180 would. */
	sample_puts(b, no);
	sample_puts(b, ",");
	sample_csv_field(b, p->name);
	sample_puts(b, row->org ? ",统一社会信用代码," : ",居民身份证,");
	sample_puts(b, id);
	sample_puts(b, row->org ? ",," : p->male ? ",男," : ",女,");
	sample_puts(b, birth);
	sample_printf(b, ",%s,%s,", p->phone, p->email);
	sample_csv_field(b, p->address);
	sample_printf(b, ",%s,%s,", p->bank, p->card);
	sample_csv_field(b, note);
	for (j = 0; j < trailing; j++)
		sample_puts(b, ",");
	sample_puts(b, "\r\n");

	/* The workbook holds the clean values: Excel keeps a text cell as it is. */
	sample_xlsx_row_begin(x);
	sample_xlsx_str(x, row->no);
	sample_xlsx_str(x, p->name);
	sample_xlsx_shared(x, row->org ? "统一社会信用代码" : "居民身份证");
	sample_xlsx_str(x, p->id);
	sample_xlsx_shared(x, row->org ? "" : p->male ? "男" : "女");
	if (row->org)
		sample_xlsx_str(x, "");
	else
		sample_xlsx_date(x, p->birth);
	sample_xlsx_str(x, p->phone);
	sample_xlsx_str(x, p->email);
	sample_xlsx_str(x, p->address);
	sample_xlsx_shared(x, p->bank);
	sample_xlsx_str(x, p->card);
	sample_xlsx_str(x, note);

	k->lines += 1 + (strchr(note, '\n') != NULL);
	k->orgs += row->org;
	k->persons += !row->org;
	k->dups += row->dup;
	k->forced += forced;
	k->sci += sci;
	k->serial += serial;
	k->trailing += trailing > 0;
	k->notes += note[0] != 0;
	if (!row->org) {
		int age = sample_age_on(p->birth, w->crm->export_date);

		k->under14 += age < 14;
		k->under18 += age < 18;
	}
}

static const char CUSTOMER_HEADER[] = "客户编号,客户名称,证件类型,身份证号,性别,出生日期,"
				      "手机号码,电子邮件,联系地址,开户行,银行卡号,备注";

/* Convert the UTF-8 rows in u to GBK and write them. */
static int flush_gbk(sample_file *f, cy_buf *u, cy_buf *g)
{
	int rc;

	cy_buf_clear(g);
	rc = sample_to_gbk(g, cy_buf_cstr(u), u->len);
	cy_buf_clear(u);
	if (!rc)
		rc = sample_file_flush(f, g);
	return rc;
}

static int write_customers(sample_world *w, struct counts *k)
{
	struct sample_crm *crm = w->crm;
	cy_buf u = CY_BUF_INIT, g = CY_BUF_INIT;
	sample_file f;
	sample_xlsx *x = NULL;
	struct hset set;
	sample_rng r, qr;
	size_t i, persons = 0;
	int rc, y = w->plan->last_year;
	const char *h;

	hset_init(&set, crm->n * 3);
	rc = sample_file_open(&w->out, &f, "crm/customers.csv", SAMPLE_CUSTOMER, y);
	if (rc)
		goto out;
	rc = sample_xlsx_open(&w->out, "crm/customers.xlsx", SAMPLE_CUSTOMER, y, crm->export_date,
			      &x);
	if (rc) {
		sample_file_abort(&f);
		goto out;
	}
	sample_printf(&u, "%s客户清单 导出时间：", w->company->name);
	sample_put_date(&u, crm->export_date);
	sample_puts(&u, " 09:12:33,,,,,,,,,,,\r\n");
	sample_puts(&u, CUSTOMER_HEADER);
	sample_puts(&u, "\r\n");
	k->lines = 2;
	sample_xlsx_row_begin(x);
	for (h = CUSTOMER_HEADER; *h;) {
		char cell[32];
		size_t n = strcspn(h, ",");

		snprintf(cell, sizeof(cell), "%.*s", (int)n, h);
		sample_xlsx_shared(x, cell);
		h += n + (h[n] == ',');
	}
	rc = sample_xlsx_row_end(x);

	sample_rng_seed(&qr, w->seed, "crm-kind", 0);
	sample_rng_seed(&r, w->seed, "crm-rows", 0);
	for (i = 0; !rc && i < crm->n; i++) {
		struct cust *c = &crm->c[i];
		sample_crm_row row;

		if (i >= w->npeople) {
			if (persons > 0 && quirk_at(w->seed, Q_DUP, i, crm->n)) {
				size_t j;

				do
					j = sample_rng_below(&qr, (uint32_t)i);
				while (crm->c[j].flags & (CF_ORG | CF_DUP));
				c->flags = CF_DUP;
				c->ref = (uint32_t)j;
			} else if (quirk_at(w->seed, Q_ORG, i, crm->n)) {
				c->flags = CF_ORG;
			} else if (quirk_at(w->seed, Q_MINOR, i, crm->n)) {
				c->flags = CF_MINOR;
			}
		}
		if (c->flags & CF_DUP)
			c->since = (int32_t)sample_date_to_days(
				sample_date_between(&qr, since_from(w), since_to(w)));
		make_row(w, i, &row, &set);
		persons += !row.org && !row.dup;
		put_customer(&u, x, w, &row, i, &r, k);
		rc = sample_xlsx_row_end(x);
		if (!rc && u.len >= CHUNK)
			rc = flush_gbk(&f, &u, &g);
	}
	if (!rc)
		rc = flush_gbk(&f, &u, &g);
	if (!rc)
		rc = sample_file_close(&f);
	else
		sample_file_abort(&f);
	if (!rc)
		rc = sample_xlsx_close(x, "客户清单");
	else
		sample_xlsx_close(x, "客户清单");
out:
	free(set.slot);
	cy_buf_release(&u);
	cy_buf_release(&g);
	return rc;
}

/* ---- transactions ---- */

static const struct ttype {
	const char *name;
	bool out; /* money back to the customer: a negative amount */
	int lo, hi;
	unsigned weight;
	const char *summary[3];
} ttypes[] = {
	{"消费", false, 20, 30000, 45, {"购买家用电器", "购买家居用品", "线上商城订单"}},
	{"分期还款", false, 300, 8000, 25, {"分期还款", "代扣分期款", "提前还款"}},
	{"服务费", false, 20, 800, 10, {"安装服务费", "延保服务费", "上门维修费"}},
	{"退款", true, 50, 6000, 12, {"退货退款", "差价退款", "订单取消退款"}},
	{"押金退还", true, 500, 5000, 8, {"押金退还", "押金退还", "保证金退还"}},
};

#define NTT (sizeof(ttypes) / sizeof(ttypes[0]))

static const char *const currencies[] = {"人民币", "美元", "港币"};
static const unsigned currency_weights[] = {97, 2, 1};

/* The tables in GBK, converted once: no iconv per row. */
struct gbk_tables {
	cy_buf type[NTT], summary[NTT][3], currency[3];
};

static int gbk_tables_make(struct gbk_tables *t)
{
	size_t i, j;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	for (i = 0; !rc && i < NTT; i++) {
		rc = sample_to_gbk(&t->type[i], ttypes[i].name, strlen(ttypes[i].name));
		for (j = 0; !rc && j < 3; j++)
			rc = sample_to_gbk(&t->summary[i][j], ttypes[i].summary[j],
					   strlen(ttypes[i].summary[j]));
	}
	for (i = 0; !rc && i < 3; i++)
		rc = sample_to_gbk(&t->currency[i], currencies[i], strlen(currencies[i]));
	return rc;
}

static void gbk_tables_release(struct gbk_tables *t)
{
	size_t i, j;

	for (i = 0; i < NTT; i++) {
		cy_buf_release(&t->type[i]);
		for (j = 0; j < 3; j++)
			cy_buf_release(&t->summary[i][j]);
	}
	for (i = 0; i < 3; i++)
		cy_buf_release(&t->currency[i]);
}

static char *put_uint(char *p, uint64_t v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_fen(char *p, int64_t fen)
{
	if (fen < 0) {
		*p++ = '-';
		fen = -fen;
	}
	p = put_uint(p, (uint64_t)fen / 100, 1);
	*p++ = '.';
	return put_uint(p, (uint64_t)fen % 100, 2);
}

static void radix_sort(uint64_t *a, uint64_t *tmp, size_t n)
{
	int pass;

	for (pass = 0; pass < 3; pass++) {
		size_t count[65536 + 1], i;
		int shift = pass * 16;

		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[((a[i] >> shift) & 0xffff) + 1]++;
		for (i = 1; i <= 65536; i++)
			count[i] += count[i - 1];
		for (i = 0; i < n; i++)
			tmp[count[(a[i] >> shift) & 0xffff]++] = a[i];
		memcpy(a, tmp, n * sizeof(*a));
	}
}

static int write_transactions(sample_world *w, uint64_t *ntxn, sample_date *firstd,
			      sample_date *lastd)
{
	struct sample_crm *crm = w->crm;
	size_t n = crm->n * 5, i;
	uint64_t *key = sample_calloc(n, sizeof(*key)), *tmp = sample_calloc(n, sizeof(*tmp));
	long d0 = sample_date_to_days((sample_date){w->plan->first_year, 1, 1});
	long d1 = sample_date_to_days((sample_date){w->plan->last_year, 12, 31});
	unsigned weights[NTT];
	struct gbk_tables gt;
	cy_buf b = CY_BUF_INIT, hdr = CY_BUF_INIT;
	sample_xlsx *x = NULL;
	sample_file f;
	sample_rng r;
	int rc;

	for (i = 0; i < NTT; i++)
		weights[i] = ttypes[i].weight;
	sample_rng_seed(&r, w->seed, "crm-transactions", 0);
	for (i = 0; i < n; i++) {
		uint32_t c = sample_rng_below(&r, (uint32_t)crm->n);
		long from = crm->c[c].since > d0 ? crm->c[c].since : d0;
		long day = from + (long)sample_rng_below(&r, (uint32_t)(d1 - from + 1));
		uint64_t sec = 8 * 3600 + sample_rng_below(&r, 14 * 3600);

		key[i] = (((uint64_t)(day - d0) * 86400 + sec) << 20) | c;
	}
	radix_sort(key, tmp, n);
	free(tmp);

	rc = gbk_tables_make(&gt);
	if (!rc)
		rc = sample_file_open(&w->out, &f, "crm/transactions.csv", SAMPLE_TRANSACTION,
				      w->plan->last_year);
	if (rc)
		goto out;
	if (n <= TXN_XLSX_MAX) {
		rc = sample_xlsx_open(&w->out, "crm/transactions.xlsx", SAMPLE_TRANSACTION,
				      w->plan->last_year, crm->export_date, &x);
		if (rc) {
			sample_file_abort(&f);
			goto out;
		}
		sample_xlsx_row_begin(x);
		sample_xlsx_shared(x, "交易流水号");
		sample_xlsx_shared(x, "客户编号");
		sample_xlsx_shared(x, "交易日期");
		sample_xlsx_shared(x, "交易类型");
		sample_xlsx_shared(x, "金额");
		sample_xlsx_shared(x, "币种");
		sample_xlsx_shared(x, "摘要");
		rc = sample_xlsx_row_end(x);
	}
	sample_puts(&hdr, "交易流水号,客户编号,交易日期,交易类型,金额,币种,摘要\r\n");
	rc = rc ? rc : sample_to_gbk(&b, cy_buf_cstr(&hdr), hdr.len);
	for (i = 0; !rc && i < n; i++) {
		uint64_t t = key[i] >> 20;
		uint32_t c = (uint32_t)(key[i] & 0xfffff);
		long day = d0 + (long)(t / 86400);
		unsigned sec = (unsigned)(t % 86400);
		sample_date d = sample_date_from_days(day);
		size_t ty = sample_rng_weighted(&r, weights, NTT);
		size_t cur = sample_rng_weighted(&r, currency_weights, 3);
		size_t su = sample_rng_below(&r, 3);
		int64_t fen = sample_rng_amount(&r, ttypes[ty].lo, ttypes[ty].hi);
		char line[128], *p = line;

		if (ttypes[ty].out)
			fen = -fen;
		if (i == 0)
			*firstd = d;
		*lastd = d;
		memcpy(p, "JY", 2);
		p = put_uint(p + 2, (uint64_t)d.y * 10000 + (uint64_t)d.m * 100 + (uint64_t)d.d, 8);
		p = put_uint(p, i + 1, 10);
		*p++ = ',';
		p = put_uint(p, c + 1, 8);
		*p++ = ',';
		p = put_uint(p, (uint64_t)d.y, 4);
		*p++ = '-';
		p = put_uint(p, (uint64_t)d.m, 2);
		*p++ = '-';
		p = put_uint(p, (uint64_t)d.d, 2);
		*p++ = ' ';
		p = put_uint(p, sec / 3600, 2);
		*p++ = ':';
		p = put_uint(p, sec / 60 % 60, 2);
		*p++ = ':';
		p = put_uint(p, sec % 60, 2);
		*p++ = ',';
		sample_put(&b, line, (size_t)(p - line));
		sample_put(&b, gt.type[ty].ptr, gt.type[ty].len);
		p = line;
		*p++ = ',';
		p = put_fen(p, fen);
		*p++ = ',';
		sample_put(&b, line, (size_t)(p - line));
		sample_put(&b, gt.currency[cur].ptr, gt.currency[cur].len);
		sample_put(&b, ",", 1);
		sample_put(&b, gt.summary[ty][su].ptr, gt.summary[ty][su].len);
		sample_put(&b, "\r\n", 2);
		if (x) {
			char v[64], *q;

			q = put_uint(v, (uint64_t)d.y * 10000 + (uint64_t)d.m * 100 + (uint64_t)d.d,
				     8);
			q = put_uint(q, i + 1, 10);
			*q = 0;
			sample_xlsx_row_begin(x);
			{
				char id[72];

				snprintf(id, sizeof(id), "JY%s", v);
				sample_xlsx_str(x, id);
			}
			snprintf(v, sizeof(v), "%08u", c + 1);
			sample_xlsx_str(x, v);
			sample_xlsx_date(x, d);
			sample_xlsx_shared(x, ttypes[ty].name);
			*put_fen(v, fen) = 0;
			sample_xlsx_num(x, v, 3);
			sample_xlsx_shared(x, currencies[cur]);
			sample_xlsx_shared(x, ttypes[ty].summary[su]);
			rc = sample_xlsx_row_end(x);
		}
		if (!rc && b.len >= CHUNK)
			rc = sample_file_flush(&f, &b);
	}
	if (!rc)
		rc = sample_file_flush(&f, &b);
	if (!rc)
		rc = sample_file_close(&f);
	else
		sample_file_abort(&f);
	if (x) {
		int rc2 = sample_xlsx_close(x, "交易流水");

		rc = rc ? rc : rc2;
	}
	*ntxn = n;
out:
	gbk_tables_release(&gt);
	cy_buf_release(&b);
	cy_buf_release(&hdr);
	free(key);
	return rc;
}

/* ---- contracts ---- */

static int contract_cmp(const void *a, const void *b)
{
	const sample_crm_contract *x = a, *y = b;
	int c = sample_date_cmp(x->date, y->date);

	if (c)
		return c;
	return x->customer < y->customer ? -1 : x->customer > y->customer;
}

static int write_contracts(sample_world *w, uint64_t *ncontracts)
{
	struct sample_crm *crm = w->crm;
	sample_crm_contract *list = sample_calloc(crm->n * 2, sizeof(*list));
	sample_date last = {w->plan->last_year, 12, 31};
	long first = sample_date_to_days((sample_date){w->plan->first_year, 1, 1});
	cy_buf b = CY_BUF_INIT;
	sample_file f;
	sample_rng r;
	size_t i, n = 0, want, step;
	int rc, year = 0, seq = 0;

	sample_rng_seed(&r, w->seed, "crm-contracts", 0);
	for (i = 0; i < crm->n; i++) {
		unsigned pick = sample_rng_below(&r, 100);
		int copies = pick < 45 ? 0 : pick < 90 ? 1 : 2;
		long from = crm->c[i].since > first ? crm->c[i].since : first;

		while (copies--) {
			sample_crm_contract *k = &list[n++];

			k->customer = i;
			k->date = sample_date_between(&r, sample_date_from_days(from), last);
			k->fen = sample_rng_amount(&r, 3000, 300000);
			k->kind = (int)sample_rng_below(&r, 2);
		}
	}
	qsort(list, n, sizeof(*list), contract_cmp);
	rc = sample_file_open(&w->out, &f, "crm/contracts.csv", SAMPLE_CONTRACT,
			      w->plan->last_year);
	if (rc)
		goto out;
	sample_puts(&b, "\xef\xbb\xbf合同编号,客户编号,合同名称,签订日期,金额\r\n");
	for (i = 0; !rc && i < n; i++) {
		sample_crm_contract *k = &list[i];

		if (k->date.y != year) {
			year = k->date.y;
			seq = 0;
		}
		snprintf(k->no, sizeof(k->no), "HT-%04d-%06d", year, ++seq);
		sample_printf(&b, "%s,%08zu,%s,", k->no, k->customer + 1,
			      sample_contract_kinds()[k->kind]);
		sample_put_date(&b, k->date);
		sample_puts(&b, ",");
		sample_put_amount(&b, k->fen, false);
		sample_puts(&b, "\r\n");
		if (b.len >= CHUNK)
			rc = sample_file_flush(&f, &b);
	}
	if (!rc)
		rc = sample_file_flush(&f, &b);
	if (!rc)
		rc = sample_file_close(&f);
	else
		sample_file_abort(&f);
	if (rc)
		goto out;
	*ncontracts = n;

	/* A sample for PDFs: about one in a hundred, 5 to 200, persons only. */
	want = n / 100 < 5 ? 5 : n / 100 > 200 ? 200 : n / 100;
	step = n / want ? n / want : 1;
	crm->pdf = sample_calloc(want, sizeof(*crm->pdf));
	for (i = 0; i < n && crm->npdf < want; i += step) {
		size_t j = i;

		while (j < n && (crm->c[list[j].customer].flags & CF_ORG))
			j++;
		if (j < n)
			crm->pdf[crm->npdf++] = list[j];
	}
out:
	cy_buf_release(&b);
	free(list);
	return rc;
}

/* ---- the manifest ---- */

static int write_manifest(sample_world *w, const struct counts *k, uint64_t ntxn, sample_date t0,
			  sample_date t1, uint64_t ncontracts)
{
	const struct sample_crm *crm = w->crm;
	cy_buf b = CY_BUF_INIT;
	int rc;

	sample_puts(&b, "{\n  \"export_date\": \"");
	sample_put_date(&b, crm->export_date);
	sample_printf(&b, "\",\n  \"seed\": %llu,\n", (unsigned long long)w->seed);
	sample_printf(&b,
		      "  \"customers\": {\n    \"file\": \"crm/customers.csv\",\n"
		      "    \"encoding\": \"GBK\",\n    \"line_end\": \"CRLF\",\n"
		      "    \"columns\": 12,\n    \"title_rows\": 1,\n    \"header_line\": 2,\n"
		      "    \"rows\": %zu,\n    \"physical_lines\": %llu,\n    \"persons\": %llu,\n"
		      "    \"organisations\": %llu,\n    \"duplicate_rows\": %llu,\n"
		      "    \"text_forced_customer_numbers\": %llu,\n"
		      "    \"scientific_id_numbers\": %llu,\n    \"notes\": %llu,\n"
		      "    \"notes_with_newlines\": %llu,\n"
		      "    \"rows_with_trailing_empty_columns\": %llu,\n"
		      "    \"excel_serial_birth_dates\": %llu,\n"
		      "    \"under_14_at_export\": %llu,\n    \"under_18_at_export\": %llu\n  },\n",
		      crm->n, (unsigned long long)k->lines, (unsigned long long)k->persons,
		      (unsigned long long)k->orgs, (unsigned long long)k->dups,
		      (unsigned long long)k->forced, (unsigned long long)k->sci,
		      (unsigned long long)k->notes, (unsigned long long)k->newline,
		      (unsigned long long)k->trailing, (unsigned long long)k->serial,
		      (unsigned long long)k->under14, (unsigned long long)k->under18);
	sample_printf(&b,
		      "  \"transactions\": {\n    \"file\": \"crm/transactions.csv\",\n"
		      "    \"encoding\": \"GBK\",\n    \"line_end\": \"CRLF\",\n"
		      "    \"header_line\": 1,\n    \"rows\": %llu,\n    \"first_date\": \"",
		      (unsigned long long)ntxn);
	sample_put_date(&b, t0);
	sample_puts(&b, "\",\n    \"last_date\": \"");
	sample_put_date(&b, t1);
	sample_printf(&b,
		      "\"\n  },\n  \"contracts\": {\n    \"file\": \"crm/contracts.csv\",\n"
		      "    \"encoding\": \"UTF-8 with BOM\",\n    \"line_end\": \"CRLF\",\n"
		      "    \"header_line\": 1,\n    \"rows\": %llu,\n    \"pdfs\": %zu\n  },\n",
		      (unsigned long long)ncontracts, w->crm_only ? (size_t)0 : crm->npdf);
	sample_printf(&b,
		      "  \"xlsx\": {\n    \"crm/customers.xlsx\": %zu,\n"
		      "    \"crm/transactions.xlsx\": %llu\n  }\n}\n",
		      crm->n, (unsigned long long)(ntxn <= TXN_XLSX_MAX ? ntxn : 0));
	rc = sample_out_write(&w->out, "crm/manifest.json", SAMPLE_OTHER, w->plan->last_year, b.ptr,
			      b.len);
	cy_buf_release(&b);
	return rc;
}

int sample_write_crm(sample_world *w)
{
	struct counts k;
	uint64_t ntxn = 0, ncontracts = 0;
	sample_date t0 = {0, 0, 0}, t1 = {0, 0, 0};
	int rc;

	memset(&k, 0, sizeof(k));
	w->crm = sample_calloc(1, sizeof(*w->crm));
	w->crm->n = w->crm_customers;
	w->crm->c = sample_calloc(w->crm->n, sizeof(*w->crm->c));
	w->crm->export_date = (sample_date){w->plan->last_year + 1, 1, 5};
	rc = sample_out_mkdir(&w->out, "crm");
	if (!rc)
		rc = write_customers(w, &k);
	if (!rc)
		rc = write_transactions(w, &ntxn, &t0, &t1);
	if (!rc)
		rc = write_contracts(w, &ncontracts);
	if (!rc)
		rc = write_manifest(w, &k, ntxn, t0, t1, ncontracts);
	return rc;
}

void sample_crm_free(sample_world *w)
{
	if (!w->crm)
		return;
	free(w->crm->c);
	free(w->crm->pdf);
	free(w->crm);
	w->crm = NULL;
}
