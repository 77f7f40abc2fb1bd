/* cmd_hold.c - custody hold add|release|list (legal holds, 会计档案管理办法
 * 第十九条) and custody access request|approve (exceptions to store-only,
 * PIPL Art. 47 ¶2).  docs/internals/holds.md. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/banned.h"

static const char *o_subject, *o_fonds, *o_reason, *o_until;
static bool o_unsettled, o_all, o_json;

static const cli_opt ADD_OPTS[] = {
	{"subject", OPT_STRING, "ID", N_("hold every record of this customer (Z109-C000001)"),
	 &o_subject},
	{"fonds", OPT_STRING, "CODE", N_("hold every record of this fonds"), &o_fonds},
	{"reason", OPT_STRING, "TEXT", N_("why (required; kept encrypted)"), &o_reason},
	{"until", OPT_STRING, "DATE", N_("the last day the hold applies (YYYY-MM-DD)"), &o_until},
	{"unsettled", OPT_FLAG, NULL,
	 N_("an unsettled claim or debt, or another unfinished matter (未结清的债权债务, 第十九条)"),
	 &o_unsettled},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd ADD = {
	"custody hold add (ARCHIVE_NO... | --subject ID | --fonds CODE) --reason TEXT [--until DATE] [--unsettled]",
	N_("Place a legal hold (archivist): the records it covers cannot enter a destruction batch\n"
	   "until it is released or its --until date has passed. Prints the hold's id on the first\n"
	   "line."),
	NULL,
	ADD_OPTS,
	0,
	1 << 20,
};

static const cli_opt RELEASE_OPTS[] = {
	{"reason", OPT_STRING, "TEXT", N_("why (kept encrypted)"), &o_reason},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd RELEASE = {
	"custody hold release HOLD_ID [--reason TEXT]",
	N_("Release a hold (an archivist of its fonds other than the one who placed it)."),
	NULL,
	RELEASE_OPTS,
	1,
	1,
};

static const cli_opt LIST_OPTS[] = {
	{"fonds", OPT_STRING, "CODE", N_("only this fonds"), &o_fonds},
	{"all", OPT_FLAG, NULL, N_("also released and expired holds"), &o_all},
	{"json", OPT_FLAG, NULL, N_("JSON Lines: one object per hold"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd LIST = {
	"custody hold list [--fonds CODE] [--all] [--json]",
	N_("List the holds of the fonds granted to you (active ones unless --all)."),
	NULL,
	LIST_OPTS,
	0,
	0,
};

static int hold_add_prepare(int argc, char **argv)
{
	(void)argv;
	if (!argc == !(o_subject || o_fonds) || (o_subject && o_fonds)) {
		cli_error(
			_("give archive numbers, or --subject ID, or --fonds CODE (one of them)"));
		return EXIT_USAGE;
	}
	if (!o_reason || !*o_reason) {
		cli_error(_("--reason TEXT is required"));
		return EXIT_USAGE;
	}
	return 0;
}

static int hold_add(cy_vault *v, int argc, char **argv)
{
	cy_hold_new h;
	char(*nos)[64] = NULL;
	const char **ptrs = NULL;
	int64_t id = 0;
	int rc = 0;

	memset(&h, 0, sizeof(h));
	if (argc) {
		nos = calloc((size_t)argc, sizeof(*nos));
		ptrs = calloc((size_t)argc, sizeof(*ptrs));
		if (!nos || !ptrs) {
			cli_error(_("out of memory"));
			rc = EXIT_ERR;
			goto out;
		}
		for (int i = 0; i < argc; i++) {
			if ((rc = cli_archive_no(argv[i], nos[i])))
				goto out;
			ptrs[i] = nos[i];
		}
	}
	h.archive_nos = ptrs;
	h.n = (size_t)argc;
	h.subject = o_subject;
	h.fonds = o_fonds;
	h.reason = o_reason;
	h.until = o_until;
	h.unsettled = o_unsettled;
	if ((rc = cy_hold_add(v, &h, &id))) {
		rc = argc == 1 ? cli_fail_record(v, nos[0], rc) : cli_fail(rc);
		goto out;
	}
	/* the id first, alone on its line: scripts read it */
	printf("%" PRId64 "\n", id);
	printf(_("hold %" PRId64 " placed%s\n"), id,
	       o_unsettled ? _(" (unsettled matter: 第十九条)") : "");
out:
	free(nos);
	free(ptrs);
	return rc;
}

static int parse_id(const char *s, int64_t *id)
{
	char *e;
	long long n = strtoll(s, &e, 10);

	if (*s == 'h' || *s == 'H')
		n = strtoll(s + 1, &e, 10);
	if (!*s || *e || n <= 0) {
		cli_error(_("'%s' is not an id (a number)"), cli_safe(s));
		return EXIT_USAGE;
	}
	*id = n;
	return 0;
}

static int hold_release(cy_vault *v, int argc, char **argv)
{
	int64_t id;
	int rc;

	(void)argc;
	if ((rc = parse_id(argv[0], &id)))
		return rc;
	if ((rc = cy_hold_release(v, id, o_reason)))
		return cli_fail(rc);
	printf(_("hold %" PRId64 " released\n"), id);
	return EXIT_OK;
}

static int print_hold(void *arg, const cy_hold_info *h)
{
	cy_buf *b = arg;

	if (o_json || g_json) {
		cy_buf_clear(b);
		cy_buf_printf(b, "{\"id\":%" PRId64 ",\"fonds\":", h->id);
		cy_json_cstr(b, h->fonds);
		cy_buf_printf(b, ",\"kind\":\"%s\",\"status\":\"%s\",\"targets\":[", h->kind,
			      h->status);
		for (size_t i = 0; i < h->ntargets; i++) {
			if (i)
				cy_buf_putc(b, ',');
			cy_json_cstr(b, h->targets[i]);
		}
		cy_buf_puts(b, "],\"reason\":");
		cy_json_cstr(b, h->reason);
		cy_buf_puts(b, ",\"until\":");
		cy_json_cstr(b, h->until);
		cy_buf_printf(b, ",\"unsettled\":%s,\"created\":", h->unsettled ? "true" : "false");
		cy_json_cstr(b, h->created);
		cy_buf_puts(b, ",\"created_by\":");
		cy_json_cstr(b, h->created_by);
		if (*h->released) {
			cy_buf_puts(b, ",\"released\":");
			cy_json_cstr(b, h->released);
			cy_buf_puts(b, ",\"released_by\":");
			cy_json_cstr(b, h->released_by);
			cy_buf_puts(b, ",\"release_reason\":");
			cy_json_cstr(b, h->release_reason);
		}
		cy_buf_printf(b, ",\"altered\":%s}", h->altered ? "true" : "false");
		cli_json_line(b);
		return 0;
	}
	printf("%-6" PRId64 " %-5s %-8s %-8s", h->id, cli_safe(h->fonds), h->kind, h->status);
	for (size_t i = 0; i < h->ntargets; i++)
		printf(" %s", cli_safe(h->targets[i]));
	if (*h->until)
		printf(_("  until %s"), h->until);
	if (h->unsettled)
		printf(_("  unsettled"));
	printf("  ");
	cli_put_safe(stdout, h->reason);
	if (h->altered)
		printf(_("  (the catalog row was altered: run custody check)"));
	putchar('\n');
	return 0;
}

static int hold_list(cy_vault *v, int argc, char **argv)
{
	cy_buf b = CY_BUF_INIT;
	int rc;

	(void)argc;
	(void)argv;
	rc = cy_hold_list(v, o_fonds, o_all, print_hold, &b);
	cy_buf_release(&b);
	return rc ? cli_fail(rc) : EXIT_OK;
}

const cli_command cmd_hold_sub[] = {
	{"add", hold_add, &ADD, NEEDS_UNLOCK, N_("place a legal hold"), NULL, hold_add_prepare},
	{"release", hold_release, &RELEASE, NEEDS_UNLOCK, N_("release a hold"), NULL, NULL},
	{"list", hold_list, &LIST, NEEDS_UNLOCK, N_("list holds"), NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};

/* ---- access request / approve ---- */

static const cli_opt REQUEST_OPTS[] = {
	{"reason", OPT_STRING, "TEXT", N_("why the record must be read (required; kept encrypted)"),
	 &o_reason},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd REQUEST = {
	"custody access request ARCHIVE_NO --reason TEXT",
	N_("Ask to read a store-only record (PIPL Art. 47 ¶2). Another archivist of its fonds\n"
	   "approves; then you may read it once (or until the approval's date). Prints the\n"
	   "request's id on the first line."),
	NULL,
	REQUEST_OPTS,
	1,
	1,
};

static const cli_opt APPROVE_OPTS[] = {
	{"until", OPT_STRING, "DATE",
	 N_("the requester may read it until this day (YYYY-MM-DD); default: once"), &o_until},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd APPROVE = {
	"custody access approve REQUEST_ID [--until DATE]",
	N_("Approve another user's access request (archivist of the record's fonds)."),
	NULL,
	APPROVE_OPTS,
	1,
	1,
};

static int access_request(cy_vault *v, int argc, char **argv)
{
	char no[64];
	int64_t id;
	int rc;

	(void)argc;
	if (!o_reason || !*o_reason) {
		cli_error(_("--reason TEXT is required"));
		return EXIT_USAGE;
	}
	if ((rc = cli_archive_no(argv[0], no)))
		return rc;
	if ((rc = cy_access_request(v, no, o_reason, &id)))
		return cli_fail_record(v, no, rc);
	printf("%" PRId64 "\n", id);
	printf(_("access request %" PRId64 " for %s: another archivist approves it with "
		 "'custody access approve %" PRId64 "'\n"),
	       id, no, id);
	return EXIT_OK;
}

static int access_approve(cy_vault *v, int argc, char **argv)
{
	int64_t id;
	int rc;

	(void)argc;
	if ((rc = parse_id(argv[0], &id)))
		return rc;
	if ((rc = cy_access_approve(v, id, o_until)))
		return cli_fail(rc);
	printf(_("access request %" PRId64 " approved\n"), id);
	return EXIT_OK;
}

const cli_command cmd_access_sub[] = {
	{"request", access_request, &REQUEST, NEEDS_UNLOCK, N_("ask to read a store-only record"),
	 NULL, NULL},
	{"approve", access_approve, &APPROVE, NEEDS_UNLOCK, N_("approve another user's request"),
	 NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
