/* cmd_retention.c - custody retention rules | due | override: the active
 * retention rule pack with its overrides, what is due for appraisal or
 * destruction and why, and an archivist's override of a rule's period
 * (docs/formats/retention-rules.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/fonds.h"
#include "custody/pii.h"
#include "custody/record.h"
#include "custody/retention.h"
#include "custody/banned.h"

static const char *o_pack, *o_as_of, *o_fonds, *o_period, *o_reason, *o_output;
static bool o_json;
static cli_list o_keep;

#define PACK_OPT                                                                                              \
	{                                                                                                     \
		"pack", OPT_STRING, "NAME|FILE|DIR",                                                          \
			N_("the retention pack (default: $CUSTODY_RETENTION, else the shipped cn-accounting " \
			   "and cn-pipl; gdpr for the English mode)"),                                        \
			&o_pack                                                                               \
	}

static const cli_opt RULES_OPTS[] = {
	PACK_OPT,
	{"json", OPT_FLAG, NULL, N_("JSON Lines: one object per rule"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd RULES = {
	"custody retention rules [--pack NAME|FILE|DIR] [--json]",
	N_("Show the active retention rule pack: for each rule what it matches, from when its\n"
	   "period runs (the end of the fiscal year, an event date, the end of business), how\n"
	   "long, what happens at its end (appraise, destroy, store-only), the article that\n"
	   "requires it and how sure that fact is, and any override. The first rule that matches\n"
	   "a record applies; a record that none matches keeps its retention code (rule\n"
	   "retention-code: Y permanent, Dn n years from the end of the fiscal year)."),
	NULL,
	RULES_OPTS,
	0,
	0,
};

static const cli_opt DUE_OPTS[] = {
	{"as-of", OPT_STRING, "YYYY-MM-DD", N_("the day to look at (default: today, China time)"),
	 &o_as_of},
	{"fonds", OPT_STRING, "CODE", N_("only this fonds"), &o_fonds},
	PACK_OPT,
	{"json", OPT_FLAG, NULL,
	 N_("JSON Lines: archive_no, rule, trigger, due, action, ... per record"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd DUE = {
	"custody retention due [--as-of DATE] [--fonds CODE] [--pack NAME|FILE|DIR] [--json]",
	N_("List the records whose retention period has ended on or before --as-of (due on that\n"
	   "day or earlier), with the rule, the date the period runs from, the due date and the\n"
	   "action: appraise (会计档案管理办法 第十六条), destroy or store-only. Records already\n"
	   "destroyed or transferred are left out; permanent ones are never due."),
	NULL,
	DUE_OPTS,
	0,
	0,
};

static const cli_opt OVERRIDE_OPTS[] = {
	{"period", OPT_STRING, "YEARS|permanent", N_("the new period"), &o_period},
	{"reason", OPT_STRING, "TEXT",
	 N_("why (kept in the catalog, its digest in the ledger; no personal data)"), &o_reason},
	PACK_OPT,
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd OVERRIDE = {
	"custody retention override RULE --period YEARS|permanent --reason TEXT",
	N_("Change the period of a rule of the pack (archivist). Logged in the ledger as\n"
	   "retention.override; shown by 'retention rules'. A rule whose period the law sets as a\n"
	   "minimum (会计档案管理办法 第十五条) may be lengthened, never shortened."),
	NULL,
	OVERRIDE_OPTS,
	1,
	1,
};

static int load_pack(cy_retention_pack **p)
{
	int rc = cy_retention_load(o_pack, p);

	if (rc)
		cli_fail(rc);
	return rc;
}

static void period_str(int period, char *out, size_t n)
{
	if (period == CY_RETENTION_PERMANENT)
		snprintf(out, n, "%s", _("permanent"));
	else
		snprintf(out, n, ngettext("%d year", "%d years", (unsigned long)period), period);
}

static void json_period(cy_buf *b, int period)
{
	if (period == CY_RETENTION_PERMANENT)
		cy_buf_puts(b, "\"permanent\"");
	else
		cy_buf_printf(b, "%d", period);
}

/* ---- rules ---- */

typedef struct override_row {
	char rule[48], user[64], at[32];
	char *reason;
	int period;
	bool matches;
} override_row;

typedef struct overrides {
	override_row *v;
	size_t n, cap;
} overrides;

static int collect_override(void *arg, const cy_retention_override_info *o)
{
	overrides *ov = arg;
	override_row *r;

	if (ov->n == ov->cap) {
		size_t cap = ov->cap ? ov->cap * 2 : 8;
		override_row *nv = realloc(ov->v, cap * sizeof(*nv));
		if (!nv)
			return cy_error_set(CY_ENOMEM, "out of memory");
		ov->v = nv;
		ov->cap = cap;
	}
	r = &ov->v[ov->n];
	memset(r, 0, sizeof(*r));
	snprintf(r->rule, sizeof(r->rule), "%s", o->rule);
	snprintf(r->user, sizeof(r->user), "%s", o->user);
	snprintf(r->at, sizeof(r->at), "%s", o->at);
	r->period = o->period;
	r->matches = o->matches_ledger;
	if (!(r->reason = strdup(o->reason)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	ov->n++;
	return 0;
}

static const override_row *override_of(const overrides *ov, const char *rule)
{
	for (size_t i = 0; i < ov->n; i++)
		if (!strcmp(ov->v[i].rule, rule))
			return &ov->v[i];
	return NULL;
}

static void rule_json(cy_buf *b, const cy_retention_rule_info *r, const override_row *o)
{
	cy_buf_clear(b);
	cy_buf_puts(b, "{\"id\":");
	cy_json_cstr(b, r->id);
	cy_buf_puts(b, ",\"match\":");
	cy_json_cstr(b, r->match);
	cy_buf_puts(b, ",\"trigger\":");
	cy_json_cstr(b, r->trigger_kind);
	if (r->event_field) {
		cy_buf_puts(b, ",\"event_field\":");
		cy_json_cstr(b, r->event_field);
	}
	cy_buf_puts(b, ",\"period\":");
	json_period(b, r->period);
	cy_buf_puts(b, ",\"action\":");
	cy_json_cstr(b, r->action);
	cy_buf_printf(b, ",\"minimum\":%s,\"citation\":", r->minimum ? "true" : "false");
	cy_json_cstr(b, r->citation);
	cy_buf_puts(b, ",\"certainty\":");
	cy_json_cstr(b, r->certainty);
	cy_buf_puts(b, ",\"source\":");
	cy_json_cstr(b, r->source);
	cy_buf_puts(b, ",\"override\":");
	if (!r->overridden && !o) {
		cy_buf_puts(b, "null");
	} else {
		/* the period in force is the ledger's (r->override_period) */
		cy_buf_puts(b, "{\"period\":");
		if (r->overridden)
			json_period(b, r->override_period);
		else
			cy_buf_puts(b, "null");
		if (o) {
			cy_buf_puts(b, ",\"reason\":");
			cy_json_cstr(b, o->reason);
			cy_buf_puts(b, ",\"user\":");
			cy_json_cstr(b, o->user);
			cy_buf_puts(b, ",\"at\":");
			cy_json_cstr(b, o->at);
		}
		cy_buf_printf(b, ",\"matches_ledger\":%s}", o && o->matches ? "true" : "false");
	}
	cy_buf_putc(b, '}');
	cli_json_line(b);
}

static void rule_human(const cy_retention_rule_info *r, const override_row *o)
{
	char per[48], trig[80];

	period_str(r->period, per, sizeof(per));
	if (r->event_field)
		snprintf(trig, sizeof(trig), "event:%s", r->event_field);
	else
		snprintf(trig, sizeof(trig), "%s", r->trigger_kind);
	printf("%-34s %-22s %-10s %-10s %-10s%s\n", cli_safe(r->id), cli_safe(trig), per, r->action,
	       r->certainty, r->minimum ? _(" minimum") : "");
	printf("    %s ", _("matches:"));
	cli_put_safe(stdout, r->match);
	printf("\n    %s ", _("citation:"));
	cli_put_safe(stdout, r->citation);
	putchar('\n');
	if (r->overridden) {
		period_str(r->override_period, per, sizeof(per));
		printf(_("    override: %s"), per);
		if (o && o->matches) {
			printf(_(" (by %s, %s): "), cli_safe(o->user), cli_safe(o->at));
			cli_put_safe(stdout, o->reason);
		} else {
			printf(_(" (from the ledger; the catalog's copy differs or is missing: run "
				 "custody check)"));
		}
		putchar('\n');
	} else if (o) {
		printf(_("    override in the catalog that the ledger does not back: not used (run "
			 "custody check)\n"));
	}
}

static int retention_rules(cy_vault *v, int n, char **args)
{
	cy_retention_pack *p = NULL;
	overrides ov = {0};
	cy_buf b = CY_BUF_INIT;
	int rc;

	(void)n;
	(void)args;
	if (load_pack(&p))
		return EXIT_ERR;
	rc = cy_retention_overrides_load(v, p);
	rc = rc ? rc : cy_retention_overrides_list(v, collect_override, &ov);
	if (rc)
		goto out;
	if (!o_json) {
		printf(_("pack: %s (fiscal year ends %s)\n"), cli_safe(cy_retention_pack_name(p)),
		       cy_retention_fiscal_year_end(p));
		printf("%-34s %-22s %-10s %-10s %s\n", _("RULE"), _("TRIGGER"), _("PERIOD"),
		       _("ACTION"), _("CERTAINTY"));
	}
	for (size_t i = 0; i < cy_retention_count(p); i++) {
		cy_retention_rule_info r;
		if ((rc = cy_retention_get(p, i, &r)))
			goto out;
		if (o_json)
			rule_json(&b, &r, override_of(&ov, r.id));
		else
			rule_human(&r, override_of(&ov, r.id));
	}
	if (o_json) {
		cy_buf_clear(&b);
		cy_buf_puts(&b, "{\"id\":\"" CY_RETENTION_CODE_RULE "\",\"fallback\":true,"
				"\"match\":\"records no rule matches\",\"trigger\":"
				"\"fiscal-year-end\",\"period\":\"the record's retention code\","
				"\"action\":\"appraise\"}");
		cli_json_line(&b);
	} else {
		printf(_("%-34s records no rule matches keep their retention code: Y permanent, D30 "
			 "and D10 30 and 10 years from the end of the fiscal year; appraise\n"),
		       CY_RETENTION_CODE_RULE);
	}
out:
	for (size_t i = 0; i < ov.n; i++)
		free(ov.v[i].reason);
	free(ov.v);
	cy_buf_release(&b);
	cy_retention_free(p);
	return rc ? cli_fail(rc) : EXIT_OK;
}

/* ---- due ---- */

typedef struct due_out {
	cy_buf b;
	uint64_t n;
	cli_progress prog;
	cy_progress pr;
} due_out;

static int due_seen(void *arg)
{
	due_out *d = arg;

	d->pr.files_done++;
	return cli_progress_cb(&d->prog, &d->pr);
}

static int due_print(void *arg, const cy_record_info *r, const cy_retention_result *res)
{
	due_out *d = arg;

	d->n++;
	if (o_json) {
		cy_buf *b = &d->b;
		cy_buf_clear(b);
		cy_buf_puts(b, "{\"archive_no\":");
		cy_json_cstr(b, r->archive_no);
		cy_buf_puts(b, ",\"fonds\":");
		cy_json_cstr(b, r->fonds);
		cy_buf_puts(b, ",\"rule\":");
		cy_json_cstr(b, res->rule);
		cy_buf_puts(b, ",\"trigger\":");
		cy_json_cstr(b, res->trigger);
		cy_buf_puts(b, ",\"due\":");
		cy_json_cstr(b, res->due);
		cy_buf_puts(b, ",\"action\":");
		cy_json_cstr(b, res->action);
		cy_buf_puts(b, ",\"period\":");
		json_period(b, res->period);
		cy_buf_printf(b, ",\"overridden\":%s,\"minimum\":%s,\"appraisal\":",
			      res->overridden ? "true" : "false", res->minimum ? "true" : "false");
		if (res->appraisal)
			cy_buf_printf(b, "%lld", (long long)res->appraisal);
		else
			cy_buf_puts(b, "null");
		cy_buf_puts(b, ",\"citation\":");
		cy_json_cstr(b, res->citation);
		cy_buf_puts(b, ",\"certainty\":");
		cy_json_cstr(b, res->certainty);
		cy_buf_putc(b, '}');
		cli_json_line(b);
	} else {
		if (d->prog.on && d->prog.last > 0)
			fputs("\r\033[K", stderr);
		cli_put_padded(stdout, cli_safe(r->archive_no), 26);
		printf(" %-10s %-10s %-10s %s: ", res->trigger, res->due, res->action,
		       cli_safe(res->rule));
		cli_put_safe(stdout, res->period_text);
		if (res->overridden)
			printf(_(" (overridden)"));
		putchar('\n');
	}
	return 0;
}

static int count_fonds(void *arg, const cy_fonds_info *f)
{
	due_out *d = arg;

	if (f->held && (!o_fonds || !strcmp(o_fonds, f->code)))
		d->pr.files_total += (uint64_t)f->records;
	return 0;
}

static int due_prepare(int n, char **args)
{
	int y, m, d;

	(void)n;
	(void)args;
	if (o_as_of && cy_date_parse(o_as_of, &y, &m, &d)) {
		cli_fail(CY_EINVALID);
		return EXIT_USAGE;
	}
	return 0;
}

static int retention_due(cy_vault *v, int n, char **args)
{
	cy_retention_pack *p = NULL;
	due_out d;
	char today[16];
	int y, m, dd, rc;

	(void)n;
	(void)args;
	memset(&d, 0, sizeof(d));
	if (load_pack(&p))
		return EXIT_ERR;
	if (!o_as_of) {
		cy_civil_from_days(cy_pii_today(), &y, &m, &dd);
		snprintf(today, sizeof(today), "%04d-%02d-%02d", y % 10000, m % 100, dd % 100);
	}
	cli_cancel_install();
	cli_progress_init(&d.prog, _("retention due"));
	if ((rc = cy_fonds_list(v, count_fonds, &d)))
		goto out;
	if (!o_json)
		printf("%-26s %-10s %-10s %-10s %s\n", _("ARCHIVE NO"), _("FROM"), _("DUE"),
		       _("ACTION"), _("RULE: PERIOD"));
	rc = cy_retention_due_ext(v, p, o_fonds, o_as_of ? o_as_of : today, due_print, due_seen,
				  &d);
	cli_progress_done(&d.prog);
	if (!rc && !o_json)
		printf(ngettext("%llu record due on or before %s (pack %s)\n",
				"%llu records due on or before %s (pack %s)\n", (unsigned long)d.n),
		       (unsigned long long)d.n, o_as_of ? o_as_of : today,
		       cli_safe(cy_retention_pack_name(p)));
out:
	cy_buf_release(&d.b);
	cy_retention_free(p);
	if (rc == CY_ECANCELLED) {
		cli_error(_("stopped by Ctrl-C: the list above is incomplete"));
		return EXIT_CANCELLED;
	}
	return rc ? cli_fail(rc) : EXIT_OK;
}

/* ---- override ---- */

static int override_prepare(int n, char **args)
{
	int period;

	(void)n;
	(void)args;
	if (!o_period || !o_reason) {
		cli_error(_(
			"give the new period with --period YEARS|permanent and why with --reason"));
		return EXIT_USAGE;
	}
	if (cy_retention_period_parse(o_period, &period)) {
		cli_fail(CY_EINVALID);
		return EXIT_USAGE;
	}
	return 0;
}

static int retention_override(cy_vault *v, int n, char **args)
{
	cy_retention_pack *p = NULL;
	char per[48];
	int period = 0, rc;

	(void)n;
	if (load_pack(&p))
		return EXIT_ERR;
	rc = cy_retention_period_parse(o_period, &period);
	rc = rc ? rc : cy_retention_overrides_load(v, p);
	rc = rc ? rc : cy_retention_override(v, p, args[0], period, o_reason);
	if (!rc) {
		period_str(period, per, sizeof(per));
		printf(_("rule %s: period now %s (logged as retention.override)\n"),
		       cli_safe(args[0]), per);
	}
	cy_retention_free(p);
	return rc ? cli_fail(rc) : EXIT_OK;
}

const cli_command cmd_retention_sub[] = {
	{"rules", retention_rules, &RULES, NEEDS_UNLOCK,
	 N_("the active retention rule pack and its overrides"), NULL, NULL},
	{"due", retention_due, &DUE, NEEDS_UNLOCK,
	 N_("records due for appraisal or destruction, and why"), NULL, due_prepare},
	{"override", retention_override, &OVERRIDE, NEEDS_UNLOCK,
	 N_("change a rule's period (archivist; logged)"), NULL, override_prepare},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};

/* ---- appraise ---- */

static const cli_opt APPRAISE_OPTS[] = {
	{"fonds", OPT_STRING, "CODE", N_("the fonds to appraise"), &o_fonds},
	{"as-of", OPT_STRING, "YYYY-MM-DD",
	 N_("appraise what is due on or before this day (default: today, China time)"), &o_as_of},
	{"keep", OPT_LIST, "ARCHIVE_NO=YEARS|permanent",
	 N_("keep a due record, with its new period from the appraisal's date (repeatable)"),
	 &o_keep},
	{"output", OPT_STRING, "OPINION.html",
	 N_("write the opinion as HTML, in English and Chinese (-o FILE)"), &o_output},
	PACK_OPT,
	{"json", OPT_FLAG, NULL, N_("one JSON object: id, fonds, as_of and the items"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
const cli_cmd cmd_appraise_spec = {
	"custody appraise --fonds CODE [--as-of DATE] [--keep ARCHIVE_NO=PERIOD]... "
	"[-o OPINION.html] [--json]",
	N_("Appraise the records of a fonds whose retention period has ended (archivist;\n"
	   "会计档案鉴定意见书, 会计档案管理办法 第十六条): each due record is kept with a new period\n"
	   "(--keep) or, by its rule, to be destroyed or kept store-only. The opinion is stored\n"
	   "and logged (appraise); its id is the first line of the output. The HTML opinion holds\n"
	   "archive numbers, classes, years and periods, never titles (a title can name a person)."),
	NULL,
	APPRAISE_OPTS,
	0,
	0,
};

typedef struct keep_arg {
	cy_appraisal_keep *v;
	char (*nos)[64];
	size_t n;
} keep_arg;

static int parse_keeps(keep_arg *k)
{
	k->n = 0;
	if (!o_keep.n)
		return 0;
	k->v = calloc(o_keep.n, sizeof(*k->v));
	k->nos = calloc(o_keep.n, sizeof(*k->nos));
	if (!k->v || !k->nos) {
		cli_error(_("out of memory"));
		return EXIT_ERR;
	}
	for (size_t i = 0; i < o_keep.n; i++) {
		const char *eq = strrchr(o_keep.v[i], '=');
		char no[256];
		int period;
		if (!eq || eq == o_keep.v[i] || (size_t)(eq - o_keep.v[i]) >= sizeof(no)) {
			cli_error(
				_("--keep takes ARCHIVE_NO=YEARS or ARCHIVE_NO=permanent, not '%s'"),
				cli_safe(o_keep.v[i]));
			return EXIT_USAGE;
		}
		memcpy(no, o_keep.v[i], (size_t)(eq - o_keep.v[i]));
		no[eq - o_keep.v[i]] = 0;
		if (cli_archive_no(no, k->nos[i]))
			return EXIT_USAGE;
		if (cy_retention_period_parse(eq + 1, &period) || period == 0) {
			cli_error(_("--keep %s: the new period is 1-1000 years or permanent"),
				  cli_safe(o_keep.v[i]));
			return EXIT_USAGE;
		}
		k->v[i] = (cy_appraisal_keep){k->nos[i], period};
		k->n++;
	}
	return 0;
}

int cmd_appraise_prepare(int argc, char **argv)
{
	keep_arg k = {0};
	int y, m, d, rc;

	(void)argc;
	(void)argv;
	if (!o_fonds) {
		cli_error(_("give the fonds to appraise with --fonds CODE"));
		return EXIT_USAGE;
	}
	if (o_as_of && cy_date_parse(o_as_of, &y, &m, &d)) {
		cli_fail(CY_EINVALID);
		return EXIT_USAGE;
	}
	if (o_output && cy_outfile_check(o_output, 0)) {
		cli_fail(cy_error_code());
		return EXIT_USAGE;
	}
	rc = parse_keeps(&k);
	free(k.v);
	free(k.nos);
	return rc;
}

typedef struct appraise_out {
	cy_buf html, json;
	int64_t n, destroy, keep, store_only;
} appraise_out;

static const char *decision_zh(const char *d)
{
	return !strcmp(d, "keep") ? "继续保存" : !strcmp(d, "destroy") ? "销毁" : "仅存储";
}

static int appraise_item(void *arg, const cy_appraisal_item *it)
{
	appraise_out *o = arg;
	char per[48] = "";
	cy_buf *h = &o->html, *j = &o->json;

	o->n++;
	if (!strcmp(it->decision, "keep"))
		o->keep++;
	else if (!strcmp(it->decision, "destroy"))
		o->destroy++;
	else
		o->store_only++;
	if (!strcmp(it->decision, "keep")) {
		if (it->new_period == CY_RETENTION_PERMANENT)
			snprintf(per, sizeof(per), "permanent 永久");
		else
			snprintf(per, sizeof(per), "%d years 年", it->new_period);
	}
	cy_buf_puts(h, "<tr><td>");
	cy_html_text(h, it->archive_no);
	cy_buf_puts(h, "</td><td>");
	cy_html_text(h, it->klass);
	cy_buf_printf(h, "</td><td>%d</td><td>", it->year);
	cy_html_text(h, it->retention);
	cy_buf_puts(h, "</td><td>");
	cy_html_text(h, it->rule);
	cy_buf_puts(h, "</td><td>");
	cy_html_text(h, it->trigger);
	cy_buf_puts(h, "</td><td>");
	cy_html_text(h, it->due);
	cy_buf_puts(h, "</td><td>");
	cy_html_text(h, it->decision);
	cy_buf_puts(h, " ");
	cy_html_text(h, decision_zh(it->decision));
	cy_buf_puts(h, "</td><td>");
	cy_html_text(h, per);
	cy_buf_puts(h, "</td></tr>\n");
	if (o_json) {
		cy_buf_puts(j, o->n > 1 ? ",{\"archive_no\":" : "{\"archive_no\":");
		cy_json_cstr(j, it->archive_no);
		cy_buf_puts(j, ",\"class\":");
		cy_json_cstr(j, it->klass);
		cy_buf_printf(j, ",\"year\":%d,\"retention\":", it->year);
		cy_json_cstr(j, it->retention);
		cy_buf_puts(j, ",\"rule\":");
		cy_json_cstr(j, it->rule);
		cy_buf_puts(j, ",\"trigger\":");
		cy_json_cstr(j, it->trigger);
		cy_buf_puts(j, ",\"due\":");
		cy_json_cstr(j, it->due);
		cy_buf_puts(j, ",\"decision\":");
		cy_json_cstr(j, it->decision);
		cy_buf_puts(j, ",\"new_period\":");
		if (strcmp(it->decision, "keep"))
			cy_buf_puts(j, "null");
		else
			json_period(j, it->new_period);
		cy_buf_putc(j, '}');
	}
	return 0;
}

int cmd_appraise(cy_vault *v, int argc, char **argv)
{
	cy_retention_pack *p = NULL;
	keep_arg k = {0};
	appraise_out o;
	cy_appraisal_info info;
	cy_buf page = CY_BUF_INIT;
	char today[16];
	int64_t id = 0;
	int y, m, d, rc;

	(void)argc;
	(void)argv;
	memset(&o, 0, sizeof(o));
	if ((rc = parse_keeps(&k)))
		goto done;
	if (load_pack(&p)) {
		rc = EXIT_ERR;
		goto done;
	}
	if (!o_as_of) {
		cy_civil_from_days(cy_pii_today(), &y, &m, &d);
		snprintf(today, sizeof(today), "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
	}
	rc = cy_appraise(v, p, o_fonds, o_as_of ? o_as_of : today, k.v, k.n, &id);
	/* read back through the ledger check, as destroy propose will */
	rc = rc ? rc : cy_appraisal_get(v, id, &info);
	rc = rc ? rc : cy_appraisal_items(v, id, appraise_item, &o);
	if (rc) {
		rc = cli_fail(rc);
		goto done;
	}
	printf("%lld\n", (long long)id);
	if (o_json) {
		cy_buf b = CY_BUF_INIT;
		cy_buf_printf(&b, "{\"id\":%lld,\"fonds\":", (long long)id);
		cy_json_cstr(&b, info.fonds);
		cy_buf_puts(&b, ",\"as_of\":");
		cy_json_cstr(&b, info.as_of);
		cy_buf_puts(&b, ",\"created\":");
		cy_json_cstr(&b, info.created);
		cy_buf_puts(&b, ",\"user\":");
		cy_json_cstr(&b, info.user);
		cy_buf_printf(&b, ",\"ledger_seq\":%llu,\"digest\":\"%s\",\"items\":[",
			      (unsigned long long)info.seq, info.digest);
		cy_buf_put(&b, o.json.ptr ? (const void *)o.json.ptr : "", o.json.len);
		cy_buf_puts(&b, "]}");
		cli_json_line(&b);
		cy_buf_release(&b);
	} else {
		printf(_("appraisal %lld of fonds %s as of %s: %lld records: %lld to destroy, %lld "
			 "kept, %lld store-only (logged as appraise, ledger entry %llu)\n"),
		       (long long)id, info.fonds, info.as_of, (long long)o.n, (long long)o.destroy,
		       (long long)o.keep, (long long)o.store_only, (unsigned long long)info.seq);
	}
	if (o_output) {
		cy_buf_puts(&page,
			    "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta "
			    "charset=\"utf-8\"><title>会计档案鉴定意见书 Appraisal opinion ");
		cy_buf_printf(&page, "%lld</title></head><body>\n", (long long)id);
		cy_buf_printf(
			&page,
			"<h1>会计档案鉴定意见书<br>Appraisal opinion on accounting archives</h1>\n"
			"<p>编号 No. %lld · 全宗 Fonds ",
			(long long)id);
		cy_html_text(&page, info.fonds);
		cy_buf_puts(&page, " · 鉴定基准日 As of ");
		cy_html_text(&page, info.as_of);
		cy_buf_puts(&page, " · 鉴定人 Appraiser ");
		cy_html_text(&page, info.user);
		cy_buf_puts(&page, " · ");
		cy_html_text(&page, info.created);
		cy_buf_puts(&page,
			    "</p>\n<p>依据 Under: 会计档案管理办法 第十六条; 保管期限表 Retention "
			    "pack: ");
		cy_html_text(&page, cy_retention_pack_name(p));
		cy_buf_puts(&page, "</p>\n");
		cy_buf_printf(&page,
			      "<p>共 %lld 件 records: 销毁 destroy %lld, 继续保存 keep %lld, 仅存储 "
			      "store-only %lld</p>\n",
			      (long long)o.n, (long long)o.destroy, (long long)o.keep,
			      (long long)o.store_only);
		cy_buf_puts(&page,
			    "<table border=\"1\">\n<tr><th>档案号 Archive no.</th><th>门类 "
			    "Class</th><th>年度 Year</th><th>保管期限 Retention</th><th>规则 "
			    "Rule</th><th>起算日 From</th><th>到期日 Due</th><th>鉴定意见 "
			    "Decision</th><th>新保管期限 New period</th></tr>\n");
		cy_buf_put(&page, o.html.ptr ? (const void *)o.html.ptr : "", o.html.len);
		cy_buf_printf(
			&page,
			"</table>\n<p>账本记录 Ledger entry %llu · SHA-256 %s</p>\n"
			"<p>题名不列入本意见书（题名可能含有个人信息）。Titles are left out: a "
			"title can name a person.</p>\n</body></html>\n",
			(unsigned long long)info.seq, info.digest);
		if (cy_buf_failed(&page)) {
			rc = cli_fail(cy_error_set(CY_ENOMEM, "out of memory"));
			goto done;
		}
		if ((rc = cy_outfile_write(o_output, page.ptr, page.len, 0644))) {
			cli_error(
				_("appraisal %lld is stored, but the opinion could not be written"),
				(long long)id);
			rc = cli_fail(rc);
			goto done;
		}
		if (!o_json)
			printf(_("opinion written to %s\n"), cli_safe(o_output));
	}
	rc = EXIT_OK;
done:
	cy_buf_release(&page);
	cy_buf_release(&o.html);
	cy_buf_release(&o.json);
	free(k.v);
	free(k.nos);
	cy_retention_free(p);
	return rc;
}
