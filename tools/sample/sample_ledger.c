/* sample_ledger.c - transactions/ and accounting/: the bank statement of the
 * company's customer receipts and payments as one CSV per year
 * (交易流水_YYYY.csv), and the books: balanced journal vouchers as one CSV per
 * month (记账凭证_YYYY-MM.csv) with a yearly summary of debits and credits per
 * account (科目发生额汇总表_YYYY.txt).  Customers appear by name, ID number
 * and card number, as they do in real statements. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "sample_people.h"

#include "custody/banned.h"

/* ---- transactions ---- */

struct txn {
	long day;
	int sec;
	int type;
	int channel;
	size_t person;
	int64_t fen;
};

static const struct txn_type {
	const char *name;
	bool income;
	int lo, hi; /* yuan */
	unsigned weight;
} txn_types[] = {
	{"货款收入", true, 200, 60000, 40}, {"分期还款", true, 300, 8000, 30},
	{"服务费", true, 20, 800, 10},	    {"退款", false, 50, 6000, 12},
	{"押金退还", false, 500, 5000, 8},
};

static const char *const channels[] = {"网银转账", "POS刷卡",  "快捷支付",
				       "柜台存入", "手机银行", "代扣"};

static int txn_cmp(const void *a, const void *b)
{
	const struct txn *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	return x->person < y->person ? -1 : x->person > y->person;
}

static int write_year(sample_world *w, int year, struct txn *rows, size_t n)
{
	unsigned weights[sizeof(txn_types) / sizeof(txn_types[0])];
	size_t *eligible = sample_calloc(w->npeople, sizeof(*eligible));
	sample_date first = {year, 1, 1}, last = {year, 12, 31};
	cy_buf b = CY_BUF_INIT;
	char path[96];
	sample_rng r;
	size_t i, neligible = 0;
	int rc;

	for (i = 0; i < sizeof(weights) / sizeof(weights[0]); i++)
		weights[i] = txn_types[i].weight;
	/* Only customers who had joined by the end of the year trade in it. */
	for (i = 0; i < w->npeople; i++)
		if (w->people[i].since.y <= year)
			eligible[neligible++] = i;
	if (!neligible)
		for (i = 0; i < w->npeople; i++)
			eligible[neligible++] = i;
	sample_rng_seed(&r, w->seed, "transactions", (uint64_t)year);
	for (i = 0; i < n; i++) {
		struct txn *t = &rows[i];
		const sample_person *p;

		t->person = eligible[sample_rng_below(&r, (uint32_t)neligible)];
		p = &w->people[t->person];
		t->day = sample_date_to_days(sample_date_between(
			&r, sample_date_cmp(p->since, first) > 0 ? p->since : first, last));
		t->sec = sample_rng_range(&r, 8 * 3600, 22 * 3600 - 1);
		t->type = (int)sample_rng_weighted(&r, weights,
						   sizeof(weights) / sizeof(weights[0]));
		t->channel = (int)sample_rng_below(&r, sizeof(channels) / sizeof(channels[0]));
		t->fen = sample_rng_amount(&r, txn_types[t->type].lo, txn_types[t->type].hi);
	}
	free(eligible);
	qsort(rows, n, sizeof(*rows), txn_cmp);

	sample_puts(&b, "\xef\xbb\xbf交易日期,交易时间,交易流水号,客户编号,客户姓名,身份证号,"
			"银行卡号,开户银行,交易类型,收入金额,支出金额,交易渠道\r\n");
	for (i = 0; i < n; i++) {
		const struct txn *t = &rows[i];
		const sample_person *p = &w->people[t->person];
		const struct txn_type *ty = &txn_types[t->type];
		sample_date d = sample_date_from_days(t->day);

		sample_put_date(&b, d);
		sample_printf(&b, ",%02d:%02d:%02d,LS%04d%02d%02d%06zu,%s,", t->sec / 3600,
			      t->sec / 60 % 60, t->sec % 60, d.y, d.m, d.d, i + 1, p->code);
		sample_csv_field(&b, p->name);
		sample_printf(&b, ",%s,%s,%s,%s,", p->id, p->card, p->bank, ty->name);
		if (ty->income)
			sample_put_amount(&b, t->fen, false);
		sample_puts(&b, ",");
		if (!ty->income)
			sample_put_amount(&b, t->fen, false);
		sample_printf(&b, ",%s\r\n", channels[t->channel]);
	}
	snprintf(path, sizeof(path), "transactions/交易流水_%d.csv", year);
	rc = sample_out_write(&w->out, path, SAMPLE_TRANSACTION, year, b.ptr, b.len);
	cy_buf_release(&b);
	return rc;
}

int sample_write_transactions(sample_world *w)
{
	const sample_plan *p = w->plan;
	size_t cap = (size_t)p->transactions_per_year * 6 / 5 + 1;
	struct txn *rows = sample_calloc(cap, sizeof(*rows));
	sample_rng r;
	int year, rc;

	rc = sample_out_mkdir(&w->out, "transactions");
	for (year = p->first_year; !rc && year <= p->last_year; year++) {
		/* Business grows a little every year, with some noise. */
		size_t growth = 90 + (size_t)(year - p->first_year) * 3;
		size_t n = (size_t)p->transactions_per_year * growth / 100;

		sample_rng_seed(&r, w->seed, "transactions-count", (uint64_t)year);
		n = n * (95 + sample_rng_below(&r, 11)) / 100;
		if (n > cap)
			n = cap;
		rc = write_year(w, year, rows, n);
	}
	free(rows);
	return rc;
}

/* ---- accounting ---- */

enum {
	A_CASH,
	A_BANK,
	A_RECEIVABLE,
	A_GOODS,
	A_PAYABLE,
	A_WAGES,
	A_VAT_OUT,
	A_VAT_IN,
	A_REVENUE,
	A_COST,
	A_SELLING,
	A_ADMIN,
	A_FINANCE,
	A_COUNT
};

static const struct account {
	const char *code, *name;
} accounts[A_COUNT] = {
	[A_CASH] = {"1001", "库存现金"},
	[A_BANK] = {"1002", "银行存款"},
	[A_RECEIVABLE] = {"1122", "应收账款"},
	[A_GOODS] = {"1405", "库存商品"},
	[A_PAYABLE] = {"2202", "应付账款"},
	[A_WAGES] = {"2211", "应付职工薪酬"},
	[A_VAT_OUT] = {"22210102", "应交税费—应交增值税（销项税额）"},
	[A_VAT_IN] = {"22210101", "应交税费—应交增值税（进项税额）"},
	[A_REVENUE] = {"6001", "主营业务收入"},
	[A_COST] = {"6401", "主营业务成本"},
	[A_SELLING] = {"6601", "销售费用"},
	[A_ADMIN] = {"6602", "管理费用"},
	[A_FINANCE] = {"6603", "财务费用"},
};

static const char *const suppliers[] = {
	"佛山市美达家居制品有限公司", "宁波市海丰电器有限公司",	  "义乌市佳和日用品有限公司",
	"东莞市恒通包装材料有限公司", "苏州市远航物流有限公司",	  "温州市瑞安纸业有限公司",
	"中山市光华灯饰有限公司",     "厦门市鼎泰进出口有限公司",
};

static const char *const expenses[] = {"办公费", "差旅费", "业务招待费", "水电费",
				       "房租",	 "通讯费", "快递费"};

struct line {
	int account;
	char sub[128];
	int64_t debit, credit;
};

struct voucher {
	int nlines;
	struct line l[4];
	char summary[160];
	int attachments;
};

struct totals {
	int64_t debit[A_COUNT], credit[A_COUNT];
};

static void add_line(struct voucher *v, int account, const char *sub, int64_t debit, int64_t credit)
{
	struct line *l = &v->l[v->nlines++];

	l->account = account;
	snprintf(l->sub, sizeof(l->sub), "%s", sub ? sub : "");
	l->debit = debit;
	l->credit = credit;
}

/* One balanced voucher; kind < 0 picks a routine one at random. */
static void make_voucher(struct voucher *v, sample_world *w, sample_rng *r, int kind)
{
	const sample_person *p = &w->people[sample_rng_below(r, (uint32_t)w->npeople)];
	const char *supplier = SAMPLE_PICK(r, suppliers);
	static const unsigned weights[] = {30, 25, 12, 10, 15, 5, 3};
	int64_t net, tax, amt;

	memset(v, 0, sizeof(*v));
	v->attachments = sample_rng_range(r, 1, 4);
	if (kind < 0)
		kind = (int)sample_rng_weighted(r, weights, sizeof(weights) / sizeof(weights[0]));
	switch (kind) {
	case 0:
		net = sample_rng_amount(r, 500, 80000);
		tax = (net * 13 + 50) / 100;
		snprintf(v->summary, sizeof(v->summary), "销售商品给%s", p->name);
		add_line(v, A_RECEIVABLE, p->name, net + tax, 0);
		add_line(v, A_REVENUE, NULL, 0, net);
		add_line(v, A_VAT_OUT, NULL, 0, tax);
		break;
	case 1:
		amt = sample_rng_amount(r, 300, 60000);
		snprintf(v->summary, sizeof(v->summary), "收到%s货款（卡号尾号%s）", p->name,
			 p->card + strlen(p->card) - 4);
		add_line(v, A_BANK, w->company->bank, amt, 0);
		add_line(v, A_RECEIVABLE, p->name, 0, amt);
		break;
	case 2:
		net = sample_rng_amount(r, 2000, 200000);
		tax = (net * 13 + 50) / 100;
		snprintf(v->summary, sizeof(v->summary), "采购商品 %s", supplier);
		add_line(v, A_GOODS, NULL, net, 0);
		add_line(v, A_VAT_IN, NULL, tax, 0);
		add_line(v, A_PAYABLE, supplier, 0, net + tax);
		break;
	case 3:
		amt = sample_rng_amount(r, 2000, 150000);
		snprintf(v->summary, sizeof(v->summary), "支付%s货款", supplier);
		add_line(v, A_PAYABLE, supplier, amt, 0);
		add_line(v, A_BANK, w->company->bank, 0, amt);
		break;
	case 4: {
		const char *e = SAMPLE_PICK(r, expenses);
		bool cash = sample_rng_chance(r, 30);

		amt = sample_rng_amount(r, 50, cash ? 2000 : 30000);
		snprintf(v->summary, sizeof(v->summary), "报销%s（经办人：%s）", e,
			 w->company->staff[3 + sample_rng_below(r, 3)]);
		add_line(v, A_ADMIN, e, amt, 0);
		if (cash)
			add_line(v, A_CASH, NULL, 0, amt);
		else
			add_line(v, A_BANK, w->company->bank, 0, amt);
		break;
	}
	case 5:
		amt = sample_rng_amount(r, 5, 300);
		snprintf(v->summary, sizeof(v->summary), "支付银行手续费");
		add_line(v, A_FINANCE, "手续费", amt, 0);
		add_line(v, A_BANK, w->company->bank, 0, amt);
		break;
	case 6:
		amt = (int64_t)sample_rng_range(r, 1, 20) * 100000;
		snprintf(v->summary, sizeof(v->summary), "提取备用金");
		add_line(v, A_CASH, NULL, amt, 0);
		add_line(v, A_BANK, w->company->bank, 0, amt);
		break;
	case 7: {
		int64_t admin = sample_rng_amount(r, 20000, 90000);
		int64_t selling = sample_rng_amount(r, 20000, 90000);

		snprintf(v->summary, sizeof(v->summary), "计提本月工资");
		v->attachments = 1;
		add_line(v, A_ADMIN, "工资", admin, 0);
		add_line(v, A_SELLING, "工资", selling, 0);
		add_line(v, A_WAGES, "工资", 0, admin + selling);
		break;
	}
	default:
		amt = sample_rng_amount(r, 20000, 400000);
		snprintf(v->summary, sizeof(v->summary), "结转本月销售成本");
		v->attachments = 1;
		add_line(v, A_COST, NULL, amt, 0);
		add_line(v, A_GOODS, NULL, 0, amt);
		break;
	}
}

static int write_month(sample_world *w, int year, int month, struct totals *t)
{
	const sample_company *c = w->company;
	cy_buf b = CY_BUF_INIT;
	int days[256];
	int n, i, j, rc, mdays = sample_days_in_month(year, month);
	int64_t sum_d = 0, sum_c = 0;
	char path[96];
	sample_rng r;

	sample_rng_seed(&r, w->seed, "vouchers", (uint64_t)(year * 12 + month));
	n = w->plan->vouchers_per_month * (80 + (int)sample_rng_below(&r, 41)) / 100;
	if (n < 3)
		n = 3;
	if (n > 256)
		n = 256;
	for (i = 0; i < n; i++)
		days[i] = sample_rng_range(&r, 1, mdays);
	/* Sort the days (insertion sort: n is small); the last two vouchers are the
	 * month-end wages and cost of sales, dated on the last day. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && days[j - 1] > days[j]; j--) {
			int tmp = days[j];

			days[j] = days[j - 1];
			days[j - 1] = tmp;
		}
	days[n - 2] = days[n - 1] = mdays;

	sample_puts(&b, "\xef\xbb\xbf日期,凭证字号,摘要,科目编码,科目名称,借方金额,贷方金额,"
			"附单据数,制单人,审核人\r\n");
	for (i = 0; i < n; i++) {
		struct voucher v;

		make_voucher(&v, w, &r, i == n - 2 ? 7 : i == n - 1 ? 8 : -1);
		for (j = 0; j < v.nlines; j++) {
			const struct line *l = &v.l[j];
			char name[192];

			if (l->sub[0])
				snprintf(name, sizeof(name), "%s—%s", accounts[l->account].name,
					 l->sub);
			else
				snprintf(name, sizeof(name), "%s", accounts[l->account].name);
			sample_printf(&b, "%04d-%02d-%02d,记-%03d,", year, month, days[i], i + 1);
			sample_csv_field(&b, v.summary);
			sample_printf(&b, ",%s,", accounts[l->account].code);
			sample_csv_field(&b, name);
			sample_puts(&b, ",");
			if (l->debit)
				sample_put_amount(&b, l->debit, false);
			sample_puts(&b, ",");
			if (l->credit)
				sample_put_amount(&b, l->credit, false);
			sample_puts(&b, ",");
			if (j == 0)
				sample_printf(&b, "%d", v.attachments);
			sample_printf(&b, ",%s,%s\r\n", c->staff[0], c->staff[1]);
			t->debit[l->account] += l->debit;
			t->credit[l->account] += l->credit;
			sum_d += l->debit;
			sum_c += l->credit;
		}
	}
	sample_puts(&b, ",,合计,,,");
	sample_put_amount(&b, sum_d, false);
	sample_puts(&b, ",");
	sample_put_amount(&b, sum_c, false);
	sample_puts(&b, ",,,\r\n");
	snprintf(path, sizeof(path), "accounting/记账凭证_%04d-%02d.csv", year, month);
	rc = sample_out_write(&w->out, path, SAMPLE_ACCOUNTING, year, b.ptr, b.len);
	cy_buf_release(&b);
	return rc;
}

static int write_summary(sample_world *w, int year, const struct totals *t)
{
	cy_buf b = CY_BUF_INIT;
	int64_t sd = 0, sc = 0;
	char path[96];
	int i, rc;

	sample_printf(&b, "%s\n科目发生额汇总表\n会计期间：%d年01月至%d年12月    单位：元\n\n",
		      w->company->name, year, year);
	sample_puts(&b, "科目编码\t科目名称\t借方发生额\t贷方发生额\n");
	for (i = 0; i < A_COUNT; i++) {
		sample_printf(&b, "%s\t%s\t", accounts[i].code, accounts[i].name);
		sample_put_amount(&b, t->debit[i], true);
		sample_puts(&b, "\t");
		sample_put_amount(&b, t->credit[i], true);
		sample_puts(&b, "\n");
		sd += t->debit[i];
		sc += t->credit[i];
	}
	sample_puts(&b, "合计：借方 ");
	sample_put_amount(&b, sd, true);
	sample_puts(&b, "  贷方 ");
	sample_put_amount(&b, sc, true);
	sample_printf(&b, "\n\n会计主管：%s    制表：%s\n", w->company->staff[1],
		      w->company->staff[0]);
	snprintf(path, sizeof(path), "accounting/科目发生额汇总表_%04d.txt", year);
	rc = sample_out_write(&w->out, path, SAMPLE_ACCOUNTING, year, b.ptr, b.len);
	cy_buf_release(&b);
	return rc;
}

int sample_write_accounting(sample_world *w)
{
	const sample_plan *p = w->plan;
	int year, month, rc;

	rc = sample_out_mkdir(&w->out, "accounting");
	for (year = p->accounting_first_year; !rc && year <= p->last_year; year++) {
		struct totals t;

		memset(&t, 0, sizeof(t));
		for (month = 1; !rc && month <= 12; month++)
			rc = write_month(w, year, month, &t);
		if (!rc)
			rc = write_summary(w, year, &t);
	}
	return rc;
}
