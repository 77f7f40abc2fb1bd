/* cmd_destroy.c - custody destroy: supervised destruction (propose, sign,
 * reconcile, execute, show, list; include/custody/destroy.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/destroy.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/banned.h"

static bool o_json;
static const char *o_as, *o_from, *o_reason, *o_request, *o_appraisal;

static const cli_opt PROPOSE_OPTS[] = {
	{"from", OPT_STRING, "FILE",
	 N_("read the archive numbers from FILE, one per line ('-': standard input)"), &o_from},
	{"from-appraisal", OPT_STRING, "ID",
	 N_("the records an appraisal (custody appraise) decided to destroy"), &o_appraisal},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd PROPOSE = {
	"custody destroy propose (ARCHIVE_NO... | --from FILE | --from-appraisal ID)",
	N_("Propose a destruction batch: records of one fonds whose retention has ended. Each must be\n"
	   "due (its period, counted from the day after its fiscal year ends, is over), not permanent,\n"
	   "not on hold, not in another open batch. Prints the batch id as the first line, then what\n"
	   "the batch still needs. Proposing is not signing. Archivists."),
	NULL,
	PROPOSE_OPTS,
	0,
	100000,
};

static const cli_opt SIGN_OPTS[] = {
	{"as", OPT_STRING, "ROLE", N_("the signatory role you sign as"), &o_as},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd SIGN = {
	"custody destroy sign BATCH --as ROLE",
	N_("Sign a destruction batch as one of its signatories (custody destroy show BATCH lists the\n"
	   "roles still to sign). With the shipped rules a batch of accounting records needs unit-head,\n"
	   "archives-head, accounting-head, archives-clerk, accounting-clerk and the supervisors\n"
	   "archives-supervisor, accounting-supervisor and it-supervisor (会计档案管理办法 第十八条);\n"
	   "other records need the proposer and an approver; a rule pack may name others. Each role\n"
	   "is signed by a different person. Logged."),
	NULL,
	SIGN_OPTS,
	1,
	1,
};

static const cli_cmd RECONCILE = {
	"custody destroy reconcile BATCH",
	N_("The supervisors' check before destruction (清点核对): every record of the batch is present,\n"
	   "intact (every object decrypts to its recorded SHA-256) and as the batch recorded it.\n"
	   "Logged when it passes; a failure names the records. Needs the fonds key."),
	NULL,
	NULL,
	1,
	1,
};

static const cli_cmd EXECUTE = {
	"custody destroy execute BATCH",
	N_("Destroy a signed, reconciled batch with no record on hold: the records' data keys and rows\n"
	   "go (crypto-shredding), customers with nothing left lose their keys and index entries, the\n"
	   "packs that held the objects are rewritten without them, the full-text index is rebuilt,\n"
	   "and the signed register (销毁清册) is kept as a permanent record. Interrupted, run it again:\n"
	   "it finishes what was begun. Archivists."),
	NULL,
	NULL,
	1,
	1,
};

static const cli_opt SHOW_OPTS[] = {
	{"json", OPT_FLAG, NULL, N_("one JSON object"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd SHOW = {
	"custody destroy show BATCH [--json]",
	N_("A destruction batch: its records, who signed, which roles still must sign, its status,\n"
	   "and after execution the signed register."),
	NULL,
	SHOW_OPTS,
	1,
	1,
};
static const cli_cmd LIST = {
	"custody destroy list [--json]",
	N_("Every destruction batch with its status."),
	NULL,
	SHOW_OPTS,
	0,
	0,
};

static int batch_arg(const char *s, int64_t *id)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || *end || end == s || n <= 0) {
		cli_error(_("'%s' is not a batch id (a number; custody destroy list shows them)"),
			  s);
		return EXIT_USAGE;
	}
	*id = n;
	return 0;
}

static int read_list(const char *path, cy_buf *text, const char ***v, size_t *n)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char line[256];
	size_t cap = 0;

	*v = NULL;
	*n = 0;
	if (!f) {
		cli_error(_("cannot read %s: %s"), path, strerror(errno));
		return EXIT_USAGE;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\r\n");
		line[len] = 0;
		if (!len || line[0] == '#')
			continue;
		if (cy_buf_put(text, line, len + 1))
			break;
	}
	if (f != stdin)
		fclose(f);
	if (cy_buf_failed(text))
		return cli_fail(CY_ENOMEM);
	for (size_t off = 0; off < text->len; off += strlen((char *)text->ptr + off) + 1) {
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			const char **nv = realloc(*v, nc * sizeof(*nv));
			if (!nv)
				return cli_fail(CY_ENOMEM);
			*v = nv;
			cap = nc;
		}
		(*v)[(*n)++] = (const char *)text->ptr + off;
	}
	return 0;
}

static void print_needed(const cy_destroy_info *d)
{
	if (!d->nneeded)
		return;
	printf(_("to sign: "));
	for (size_t i = 0; i < d->nneeded; i++)
		printf("%s%s", i ? ", " : "", d->needed[i]);
	printf(" (custody destroy sign %lld --as ROLE)\n", (long long)d->id);
}

static int destroy_propose(cy_vault *v, int n, char **args)
{
	cy_buf text = CY_BUF_INIT;
	const char **nos = NULL;
	size_t count = (size_t)n;
	cy_destroy_info d;
	int64_t id;
	int rc;

	if (o_appraisal) {
		int64_t aid;
		char *end;
		errno = 0;
		aid = strtoll(o_appraisal, &end, 10);
		if (errno || *end || end == o_appraisal || aid <= 0) {
			cli_error(
				_("'%s' is not an appraisal id (custody appraise prints it first)"),
				o_appraisal);
			rc = EXIT_USAGE;
			goto out;
		}
		if ((rc = cy_destroy_propose_appraisal(v, aid, &id))) {
			rc = cli_fail(rc);
			goto out;
		}
		goto proposed;
	}
	if (o_from) {
		if ((rc = read_list(o_from, &text, &nos, &count)))
			goto out;
	} else {
		nos = (const char **)args;
	}
	if (!count) {
		cli_error(_("name the records to destroy (archive numbers, or --from FILE)"));
		rc = EXIT_USAGE;
		goto out;
	}
	if ((rc = cy_destroy_propose(v, nos, count, &id))) {
		rc = cli_fail(rc);
		goto out;
	}
proposed:
	printf("%lld\n", (long long)id);
	if (!cy_destroy_show(v, id, &d)) {
		printf(_("destruction batch %lld proposed: %zu records of fonds %s (%s)\n"),
		       (long long)id, d.nitems, d.fonds, d.kind);
		print_needed(&d);
		printf(_("then: custody destroy reconcile %lld; custody destroy execute %lld\n"),
		       (long long)id, (long long)id);
		cy_destroy_info_release(&d);
	}
	rc = EXIT_OK;
out:
	if (o_from)
		free(nos);
	cy_buf_wipe(&text);
	return rc;
}

static int destroy_sign(cy_vault *v, int n, char **args)
{
	cy_destroy_info d;
	int64_t id;
	int rc;

	(void)n;
	if ((rc = batch_arg(args[0], &id)))
		return rc;
	if (!o_as) {
		cli_error(_("say which role you sign as: --as ROLE (custody destroy show %s lists "
			    "the roles still to sign)"),
			  args[0]);
		return EXIT_USAGE;
	}
	if ((rc = cy_destroy_sign(v, id, o_as)))
		return cli_fail(rc);
	printf(_("signed destruction batch %lld as %s\n"), (long long)id, o_as);
	if (!cy_destroy_show(v, id, &d)) {
		if (d.nneeded)
			print_needed(&d);
		else
			printf(_("every signatory has signed\n"));
		cy_destroy_info_release(&d);
	}
	return EXIT_OK;
}

static int destroy_reconcile(cy_vault *v, int n, char **args)
{
	cli_progress prog;
	int64_t id;
	int rc;

	(void)n;
	if ((rc = batch_arg(args[0], &id)))
		return rc;
	cli_progress_init(&prog, _("reconciling"));
	rc = cy_destroy_reconcile(v, id, cli_progress_cb, &prog);
	cli_progress_done(&prog);
	if (rc)
		return cli_fail(rc);
	printf(_("destruction batch %lld reconciled: every record present, intact and as "
		 "recorded\n"),
	       (long long)id);
	return EXIT_OK;
}

static int destroy_execute(cy_vault *v, int n, char **args)
{
	cy_destroy_result r;
	cli_progress prog;
	char freed[32];
	int64_t id;
	int rc;

	(void)n;
	if ((rc = batch_arg(args[0], &id)))
		return rc;
	cli_progress_init(&prog, _("destroying"));
	rc = cy_destroy_execute(v, id, cli_progress_cb, &prog, &r);
	cli_progress_done(&prog);
	if (rc)
		return cli_fail(rc);
	cli_bytes(r.bytes_freed, freed);
	printf(_("destruction batch %lld executed: %llu records and %llu customers destroyed; "
		 "%llu packs rewritten, %llu removed, %s freed\n"),
	       (long long)id, (unsigned long long)r.records, (unsigned long long)r.subjects,
	       (unsigned long long)r.packs_rewritten, (unsigned long long)r.packs_removed, freed);
	printf(_("register: %s (custody get %s)\n"), r.register_no, r.register_no);
	return EXIT_OK;
}

static void info_json(cy_buf *b, const cy_destroy_info *d, bool full)
{
	cy_buf_printf(b, "{\"id\":%lld,\"fonds\":", (long long)d->id);
	cy_json_cstr(b, d->fonds);
	cy_buf_puts(b, ",\"kind\":");
	cy_json_cstr(b, d->kind);
	cy_buf_puts(b, ",\"status\":");
	cy_json_cstr(b, d->status);
	cy_buf_puts(b, ",\"proposer\":");
	cy_json_cstr(b, d->proposer);
	cy_buf_puts(b, ",\"proposed\":");
	cy_json_cstr(b, d->proposed);
	cy_buf_puts(b, ",\"reconciled\":");
	if (*d->reconciled)
		cy_json_cstr(b, d->reconciled);
	else
		cy_buf_puts(b, "null");
	cy_buf_puts(b, ",\"executed\":");
	if (*d->executed)
		cy_json_cstr(b, d->executed);
	else
		cy_buf_puts(b, "null");
	cy_buf_printf(b, ",\"hash\":\"%s\",\"count\":%zu", d->hash, d->nitems);
	cy_buf_puts(b, ",\"signatures\":[");
	for (size_t i = 0; i < d->nsigs; i++) {
		cy_buf_puts(b, i ? ",{\"role\":" : "{\"role\":");
		cy_json_cstr(b, d->sigs[i].role);
		cy_buf_puts(b, ",\"user\":");
		cy_json_cstr(b, d->sigs[i].user);
		cy_buf_puts(b, ",\"at\":");
		cy_json_cstr(b, d->sigs[i].at);
		cy_buf_putc(b, '}');
	}
	cy_buf_puts(b, "],\"needed\":[");
	for (size_t i = 0; i < d->nneeded; i++) {
		if (i)
			cy_buf_putc(b, ',');
		cy_json_cstr(b, d->needed[i]);
	}
	cy_buf_putc(b, ']');
	if (full) {
		cy_buf_puts(b, ",\"records\":[");
		for (size_t i = 0; i < d->nitems; i++) {
			const cy_destroy_item *it = &d->items[i];
			cy_buf_puts(b, i ? ",{\"archive_no\":" : "{\"archive_no\":");
			cy_json_cstr(b, it->archive_no);
			cy_buf_puts(b, ",\"class\":");
			cy_json_cstr(b, it->class_name);
			cy_buf_printf(b, ",\"year\":%d,\"retention\":", it->year);
			cy_json_cstr(b, it->retention);
			cy_buf_puts(b, ",\"rule\":");
			cy_json_cstr(b, it->rule);
			cy_buf_printf(b, ",\"trigger\":\"%s\",\"due\":\"%s\"}", it->trigger,
				      it->due);
		}
		cy_buf_puts(b, "],\"register\":");
		/* the register is canonical JSON that custody made and signed */
		cy_buf_puts(b, d->reg ? d->reg : "null");
		cy_buf_puts(b, ",\"register_sig\":");
		if (*d->reg_sig)
			cy_buf_printf(b, "\"%s\"", d->reg_sig);
		else
			cy_buf_puts(b, "null");
		cy_buf_puts(b, ",\"signkey\":");
		if (*d->signkey)
			cy_buf_printf(b, "\"%s\"", d->signkey);
		else
			cy_buf_puts(b, "null");
	}
	cy_buf_putc(b, '}');
}

static int destroy_show(cy_vault *v, int n, char **args)
{
	cy_destroy_info d;
	int64_t id;
	int rc;

	(void)n;
	if ((rc = batch_arg(args[0], &id)))
		return rc;
	if ((rc = cy_destroy_show(v, id, &d)))
		return cli_fail(rc);
	if (o_json) {
		cy_buf b = CY_BUF_INIT;
		info_json(&b, &d, true);
		cli_json_line(&b);
		cy_buf_release(&b);
	} else {
		printf(_("destruction batch %lld of fonds %s (%s records): %s\n"), (long long)d.id,
		       d.fonds, d.kind, cli_value("status", d.status));
		printf(_("proposed by %s on %s\n"), cli_safe(d.proposer), d.proposed);
		if (*d.reconciled)
			printf(_("reconciled on %s\n"), d.reconciled);
		if (*d.executed)
			printf(_("executed on %s\n"), d.executed);
		for (size_t i = 0; i < d.nsigs; i++)
			printf(_("signed as %s (%s) by %s on %s\n"), d.sigs[i].role,
			       cy_destroy_role_zh(d.sigs[i].role), cli_safe(d.sigs[i].user),
			       d.sigs[i].at);
		print_needed(&d);
		printf(_("%zu records:\n"), d.nitems);
		for (size_t i = 0; i < d.nitems; i++)
			printf("  %s  %s %d %s  due %s\n", d.items[i].archive_no,
			       d.items[i].class_name, d.items[i].year, d.items[i].retention,
			       d.items[i].due);
	}
	cy_destroy_info_release(&d);
	return EXIT_OK;
}

static int print_batch(void *arg, const cy_destroy_info *d)
{
	(void)arg;
	if (o_json) {
		cy_buf b = CY_BUF_INIT;
		info_json(&b, d, false);
		cli_json_line(&b);
		cy_buf_release(&b);
	} else {
		printf("%-6lld %-6s %-10s %-9s %7zu  %s\n", (long long)d->id, d->fonds, d->kind,
		       d->status, d->nitems, *d->executed ? d->executed : d->proposed);
	}
	return 0;
}

static int destroy_list(cy_vault *v, int n, char **args)
{
	int rc;

	(void)n;
	(void)args;
	if (!o_json)
		printf("%-6s %-6s %-10s %-9s %7s  %s\n", _("BATCH"), _("FONDS"), _("KIND"),
		       _("STATUS"), _("RECORDS"), _("DATE"));
	rc = cy_destroy_list(v, print_batch, NULL);
	return rc ? cli_fail(rc) : EXIT_OK;
}

/* ---- subject erase / readmit ---- */

static const cli_opt ERASE_OPTS[] = {
	{"reason", OPT_STRING, "art47-N",
	 N_("why, as PIPL Art. 47 lists it: art47-1 purpose achieved or no longer needed, art47-2 "
	    "service stopped or period ended, art47-3 consent withdrawn, art47-4 unlawful, "
	    "art47-5 other"),
	 &o_reason},
	{"request", OPT_STRING, "REF", N_("the request's reference (only its hash is logged)"),
	 &o_request},
	{NULL, 0, NULL, NULL, NULL},
};
const cli_cmd cmd_subject_erase_spec = {
	"custody subject erase ID --reason art47-1|art47-2|art47-3|art47-4|art47-5 [--request REF]",
	N_("A customer's deletion (个人信息删除, PIPL Art. 47). The customer's records that no legal\n"
	   "period keeps go into an erasure batch (its id is printed first), which a second person\n"
	   "approves (custody destroy sign BATCH --as approver) before it is reconciled and\n"
	   "executed like any destruction; once executed, importing the same person again is\n"
	   "refused. Records a legal period still keeps (accounting, contracts, transactions) are\n"
	   "named and stay, for storage only (Art. 47 para. 2)."),
	NULL,
	ERASE_OPTS,
	1,
	1,
};

static const cli_opt READMIT_OPTS[] = {
	{"reason", OPT_STRING, "TEXT", N_("why the erased customers may come back"), &o_reason},
	{NULL, 0, NULL, NULL, NULL},
};
const cli_cmd cmd_subject_readmit_spec = {
	"custody subject readmit BATCH --reason TEXT",
	N_("Let the customers erased by an erasure batch be imported again: an explicit decision,\n"
	   "logged. Until then an import that meets one of them refuses the row and says so."),
	NULL,
	READMIT_OPTS,
	1,
	1,
};

int cmd_subject_erase(cy_vault *v, int n, char **args)
{
	cy_erase_result r;
	int rc;

	(void)n;
	if (!o_reason) {
		cli_error(_("say why with --reason art47-1 ... art47-5 (PIPL Art. 47)"));
		return EXIT_USAGE;
	}
	if ((rc = cy_subject_erase(v, args[0], o_reason, o_request, &r)))
		return cli_fail(rc);
	if (r.batch) {
		printf("%lld\n", (long long)r.batch);
		printf(_("erasure batch %lld proposed: %zu records of %s\n"), (long long)r.batch,
		       r.erase, args[0]);
		printf(_("then: you sign as proposer and a second person as approver (custody destroy "
			 "sign %lld --as ROLE), custody destroy reconcile %lld, custody destroy execute "
			 "%lld\n"),
		       (long long)r.batch, (long long)r.batch, (long long)r.batch);
	} else {
		printf(_("nothing of %s can be erased now\n"), args[0]);
	}
	if (r.kept)
		printf(_("%zu records are kept because a legal period still runs (until %s): for "
			 "storage only (PIPL Art. 47 para. 2)\n"),
		       r.kept, r.kept_until);
	return EXIT_OK;
}

int cmd_subject_readmit(cy_vault *v, int n, char **args)
{
	int64_t id, count;
	int rc;

	(void)n;
	if ((rc = batch_arg(args[0], &id)))
		return rc;
	if ((rc = cy_subject_readmit(v, id, o_reason, &count)))
		return cli_fail(rc);
	printf(_("the customers erased by batch %lld may be imported again (%lld identifiers "
		 "released)\n"),
	       (long long)id, (long long)count);
	return EXIT_OK;
}

const cli_command cmd_destroy_sub[] = {
	{"propose", destroy_propose, &PROPOSE, NEEDS_UNLOCK,
	 N_("propose a batch of records whose retention has ended"), NULL, NULL},
	{"sign", destroy_sign, &SIGN, NEEDS_UNLOCK, N_("sign a batch as one of its signatories"),
	 NULL, NULL},
	{"reconcile", destroy_reconcile, &RECONCILE, NEEDS_UNLOCK,
	 N_("check every record of a batch before destruction"), NULL, NULL},
	{"execute", destroy_execute, &EXECUTE, NEEDS_UNLOCK,
	 N_("destroy a signed, reconciled batch and keep its signed register"), NULL, NULL},
	{"show", destroy_show, &SHOW, NEEDS_UNLOCK, N_("one batch, its signatures and register"),
	 NULL, NULL},
	{"list", destroy_list, &LIST, NEEDS_UNLOCK, N_("every destruction batch"), NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
