/* sample_main.c - custody-sample: write a fictional company's records.
 *
 *   custody-sample --out DIR [--seed N] [--size small|medium|large] [--force]
 *
 * The options come from one table, which also prints --help.  Exit codes:
 * 0 done, 1 error, 2 usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "sample_people.h"

#include "custody/banned.h"

/* name, customers, first and last year, first year of vouchers, % of customers
 * with a second contract, transactions a year, vouchers a month, letters, and
 * the CRM's customers (crm/, unless --customers says otherwise).
 * Letters make most of the bytes (about 250 KB each); tuned for about 50, 500
 * and 4400 files of 2, 30 and 300 MB. */
static const sample_plan plans[] = {
	{"small", 10, 2021, 2023, 2023, 20, 80, 25, 8, 1000},
	{"medium", 130, 2019, 2023, 2019, 30, 2000, 40, 120, 10000},
	{"large", 1300, 2018, 2023, 2018, 35, 25000, 80, 1200, 100000},
};

enum opt_id { OPT_OUT, OPT_SEED, OPT_SIZE, OPT_CUSTOMERS, OPT_CRM_ONLY, OPT_FORCE, OPT_HELP };

#define CUSTOMERS_MIN 1000
#define CUSTOMERS_MAX 1000000

static const struct option_def {
	enum opt_id id;
	const char *name;
	const char *arg; /* NULL for a flag */
	const char *help_en, *help_zh;
} options[] = {
	{OPT_OUT, "out", "DIR", "write the files into DIR (created if missing)",
	 "输出目录（不存在则创建）"},
	{OPT_SEED, "seed", "N", "seed of the generator, 0 to 2^64-1 (default 1)",
	 "随机种子，相同种子生成完全相同的文件（默认 1）"},
	{OPT_SIZE, "size", "SIZE", "small (default), medium or large: 50, 500 or 4400 files",
	 "规模：small（默认）、medium 或 large，约 50、500 或 4400 个文件"},
	{OPT_CUSTOMERS, "customers", "N",
	 "customers in the CRM export crm/, 1000 to 1000000 (default 1000, 10000 or 100000 by "
	 "size), about 5 transactions each",
	 "CRM 导出（crm/）的客户数，1000 至 1000000（默认按规模 1000、10000 或 100000），"
	 "每位客户约 5 笔交易"},
	{OPT_CRM_ONLY, "crm-only", NULL,
	 "write only the CRM exports (crm/) and the mailbox (mail/): no profiles, PDFs or scans",
	 "只生成 CRM 导出（crm/）和邮箱（mail/），不生成档案文件、PDF 和扫描件"},
	{OPT_FORCE, "force", NULL, "write into DIR even if it is not empty",
	 "目录非空时仍然写入（覆盖同名文件）"},
	{OPT_HELP, "help", NULL, "show this help", "显示本帮助"},
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static void usage_line(FILE *f)
{
	fputs("usage: custody-sample --out DIR [--seed N] [--size small|medium|large]\n"
	      "                     [--customers N] [--crm-only] [--force]\n",
	      f);
}

static void help(void)
{
	size_t i;

	usage_line(stdout);
	fputs("用法：custody-sample --out 目录 [--seed N] [--size small|medium|large]\n"
	      "                     [--customers N] [--crm-only] [--force]\n\n"
	      "Write a fictional company's records (customer profiles, contracts, bank\n"
	      "statements, vouchers, scanned letters), its CRM's exports (CSV and XLSX) and a\n"
	      "mailbox of customer correspondence, with valid-looking personal data, the\n"
	      "same files for the same seed and size.\n"
	      "生成一家虚构公司的档案（客户档案、合同、交易流水、记账凭证、来函扫描件）、\n"
	      "CRM 导出文件（CSV 和 XLSX）和客户往来邮件，\n"
	      "其中的个人信息均为虚构；相同的种子和规模生成完全相同的文件。\n\n",
	      stdout);
	for (i = 0; i < NOPTIONS; i++) {
		char left[32];

		snprintf(left, sizeof(left), "--%s%s%s", options[i].name, options[i].arg ? " " : "",
			 options[i].arg ? options[i].arg : "");
		printf("  %-14s %s\n  %-14s %s\n", left, options[i].help_en, "",
		       options[i].help_zh);
	}
	fputs("\nExit status: 0 done, 1 error, 2 usage.\n退出码：0 成功，1 出错，2 用法错误。\n",
	      stdout);
}

static int usage_error(const char *fmt, const char *what)
{
	fputs("custody-sample: ", stderr);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	usage_line(stderr);
	return 2;
}

struct args {
	const char *out;
	uint64_t seed;
	const sample_plan *plan;
	long customers; /* 0: the plan's */
	bool crm_only;
	bool force;
	bool help;
};

static int set_option(struct args *a, const struct option_def *o, const char *val)
{
	size_t i;

	switch (o->id) {
	case OPT_OUT:
		if (!*val)
			return usage_error("%s", "--out needs a directory");
		a->out = val;
		return 0;
	case OPT_SEED: {
		char *end;

		errno = 0;
		a->seed = strtoull(val, &end, 10);
		if (errno || end == val || *end || *val == '-' || *val == '+')
			return usage_error("invalid seed '%s': use a number from 0 to 2^64-1", val);
		return 0;
	}
	case OPT_SIZE:
		for (i = 0; i < sizeof(plans) / sizeof(plans[0]); i++)
			if (!strcmp(val, plans[i].name)) {
				a->plan = &plans[i];
				return 0;
			}
		return usage_error("invalid size '%s': use small, medium or large", val);
	case OPT_CUSTOMERS: {
		char *end;

		errno = 0;
		a->customers = strtol(val, &end, 10);
		if (errno || end == val || *end || a->customers < CUSTOMERS_MIN ||
		    a->customers > CUSTOMERS_MAX)
			return usage_error("invalid number of customers '%s': use 1000 to 1000000",
					   val);
		return 0;
	}
	case OPT_CRM_ONLY:
		a->crm_only = true;
		return 0;
	case OPT_FORCE:
		a->force = true;
		return 0;
	case OPT_HELP:
		a->help = true;
		return 0;
	}
	return 0;
}

static int parse_args(struct args *a, int argc, char **argv)
{
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq, *val = NULL;
		const struct option_def *o = NULL;
		size_t k, len;

		if (!strcmp(arg, "-h"))
			arg = "--help";
		if (strncmp(arg, "--", 2) != 0 || !arg[2])
			return usage_error("unexpected argument '%s'", arg);
		eq = strchr(arg, '=');
		len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		for (k = 0; k < NOPTIONS; k++) {
			const char *name = options[k].name;

			if (strlen(name) == len && !strncmp(arg + 2, name, len))
				o = &options[k];
		}
		if (!o)
			return usage_error("unknown option '%s'", arg);
		if (o->arg) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return usage_error("option '%s' needs a value", arg);
		} else if (eq) {
			return usage_error("option '%s' takes no value", arg);
		}
		rc = set_option(a, o, val);
		if (rc)
			return rc;
	}
	return 0;
}

/* The customers, with names and ID numbers unique so that file names are. */
static sample_person *make_people(sample_world *w)
{
	const sample_plan *p = w->plan;
	sample_person *people = sample_calloc((size_t)p->customers, sizeof(*people));
	sample_date from = {p->first_year - 3, 1, 1}, to = {p->last_year, 10, 31};
	sample_rng r;
	int i, j;

	/* No customer before the company existed. */
	if (sample_date_cmp(w->company->founded, from) > 0)
		from = w->company->founded;
	sample_rng_seed(&r, w->seed, "people", 0);
	for (i = 0; i < p->customers; i++) {
		bool dup;

		do {
			sample_person_make(&people[i], &r, i + 1, from, to);
			dup = false;
			for (j = 0; j < i && !dup; j++)
				dup = !strcmp(people[j].name, people[i].name) ||
				      !strcmp(people[j].id, people[i].id);
		} while (dup);
	}
	return people;
}

static int generate(sample_world *w)
{
	int rc;

	rc = sample_write_company(w);
	if (!rc && !w->crm_only)
		rc = sample_write_customers(w);
	if (!rc && !w->crm_only)
		rc = sample_write_contracts(w);
	if (!rc && !w->crm_only)
		rc = sample_write_transactions(w);
	if (!rc && !w->crm_only)
		rc = sample_write_accounting(w);
	if (!rc && !w->crm_only)
		rc = sample_write_letters(w);
	if (!rc)
		rc = sample_write_crm(w);
	if (!rc && !w->crm_only)
		rc = sample_write_crm_contracts(w);
	if (!rc)
		rc = sample_write_mail(w);
	if (!rc)
		rc = sample_out_finish(&w->out);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = {NULL, 1, &plans[0], 0, false, false, false};
	sample_company company;
	sample_world w;
	sample_rng r;
	int rc;

	rc = parse_args(&a, argc, argv);
	if (rc)
		return rc;
	if (a.help) {
		help();
		return 0;
	}
	if (!a.out)
		return usage_error("%s", "missing --out DIR");

	memset(&w, 0, sizeof(w));
	w.seed = a.seed;
	w.plan = a.plan;
	rc = sample_out_open(&w.out, a.out, a.force);
	if (rc)
		goto out;
	sample_rng_seed(&r, w.seed, "company", 0);
	sample_company_make(&company, &r, w.plan->first_year);
	w.company = &company;
	w.people = make_people(&w);
	w.npeople = (size_t)w.plan->customers;
	w.crm_customers = (size_t)(a.customers ? a.customers : w.plan->crm_customers);
	w.crm_only = a.crm_only;
	rc = generate(&w);
	if (!rc) {
		printf("wrote %zu files, %llu bytes to %s\n", w.out.files,
		       (unsigned long long)w.out.bytes, w.out.root);
		printf("已写入 %zu 个文件，共 %llu 字节，目录 %s\n", w.out.files,
		       (unsigned long long)w.out.bytes, w.out.root);
	}
out:
	if (rc)
		fprintf(stderr, "custody-sample: %s\n", cy_error_message());
	free(w.people);
	sample_crm_free(&w);
	sample_out_release(&w.out);
	return rc ? 1 : 0;
}
