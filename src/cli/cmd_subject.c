/* cmd_subject.c - custody subject add | show | list | find: the customers
 * (persons and organisations) whose data is in custody. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/normalize.h"
#include "custody/subject.h"
#include "custody/banned.h"

static const char *o_fonds, *o_kind, *o_name, *o_id_number, *o_id_type, *o_address, *o_uscc;
static const char *o_phone, *o_email, *o_account, *o_customer_no;
static cli_list o_phones, o_emails, o_accounts, o_fields;
static bool o_json, o_names;

static const cli_opt ADD_OPTS[] = {
	{"fonds", OPT_STRING, "CODE", N_("the fonds the subject belongs to"), &o_fonds},
	{"kind", OPT_STRING, "KIND", N_("person or org"), &o_kind},
	{"name", OPT_STRING, "NAME", N_("the person's or organisation's name"), &o_name},
	{"id-number", OPT_STRING, "NO", N_("identity document number"), &o_id_number},
	{"id-type", OPT_STRING, "TYPE",
	 N_("identity document type (default for persons: resident-id)"), &o_id_type},
	{"phone", OPT_LIST, "PHONE", N_("a phone number (repeatable)"), &o_phones},
	{"email", OPT_LIST, "ADDR", N_("an e-mail address (repeatable)"), &o_emails},
	{"address", OPT_STRING, "TEXT", N_("postal address"), &o_address},
	{"account", OPT_LIST, "NO", N_("a bank account or card number (repeatable)"), &o_accounts},
	{"uscc", OPT_STRING, "CODE", N_("organisations: unified social credit code (GB 32100)"),
	 &o_uscc},
	{"field", OPT_LIST, "KEY=VALUE", N_("a free field (repeatable)"), &o_fields},
	{"json", OPT_FLAG, NULL, N_("print the new id as a JSON object"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd ADD = {
	"custody subject add --fonds CODE --kind person|org --name NAME [options]",
	N_("Add a subject (a customer whose data is in custody) to a fonds (archivists).\n"
	   "Its fields are encrypted under its own key; name, ID number, phones, e-mails,\n"
	   "credit code and accounts can be looked up exactly with 'subject find'."),
	N_("Values given on the command line are visible to other local users while the\n"
	   "command runs; the importers are the way to add many subjects."),
	ADD_OPTS,
	0,
	0,
};
static const cli_opt SHOW_OPTS[] = {
	{"json", OPT_FLAG, NULL, N_("one JSON object"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd SHOW = {
	"custody subject show ID [--json]",
	N_("Show a subject's fields (decrypted; the read is logged)."),
	NULL,
	SHOW_OPTS,
	1,
	1,
};
static const cli_opt LIST_OPTS[] = {
	{"fonds", OPT_STRING, "CODE", N_("only this fonds (default: every fonds you hold)"),
	 &o_fonds},
	{"names", OPT_FLAG, NULL, N_("also show names (decrypted; the read is logged)"), &o_names},
	{"json", OPT_FLAG, NULL, N_("JSON Lines output"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd LIST = {
	"custody subject list [--fonds CODE] [--names] [--json]",
	N_("List subjects: id, kind, status and number of linked records."),
	NULL,
	LIST_OPTS,
	0,
	0,
};
static const cli_opt FIND_OPTS[] = {
	{"fonds", OPT_STRING, "CODE", N_("only this fonds (default: every fonds you hold)"),
	 &o_fonds},
	{"name", OPT_STRING, "NAME", N_("find by name"), &o_name},
	{"id-number", OPT_STRING, "NO", N_("find by identity document number"), &o_id_number},
	{"phone", OPT_STRING, "PHONE", N_("find by phone number"), &o_phone},
	{"email", OPT_STRING, "ADDR", N_("find by e-mail address"), &o_email},
	{"uscc", OPT_STRING, "CODE", N_("find by unified social credit code"), &o_uscc},
	{"account", OPT_STRING, "NO", N_("find by account number"), &o_account},
	{"customer-no", OPT_STRING, "NO", N_("find by the company's customer number (客户编号)"),
	 &o_customer_no},
	{"names", OPT_FLAG, NULL, N_("also show names (decrypted; the read is logged)"), &o_names},
	{"json", OPT_FLAG, NULL, N_("JSON Lines output"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd FIND = {
	"custody subject find [--fonds CODE] (--name N | --id-number N | --phone P | --email E | "
	"--uscc C | --account A | --customer-no N) [--names] [--json]",
	N_("Find subjects by an exact value, through the blind index (spaces, +86, case and\n"
	   "full-width characters do not matter; see docs/formats/subject.md)."),
	NULL,
	FIND_OPTS,
	0,
	0,
};

/* Warnings that do not stop an add: identifiers that fail their check. */
static void warn_identifiers(const cy_subject_fields *f)
{
	cy_buf n = CY_BUF_INIT;

	if (f->id_number && f->id_type && !strcmp(f->id_type, "resident-id") &&
	    !cy_normalize(CY_NORM_ID_NUMBER, f->id_number, strlen(f->id_number), &n)) {
		cy_id_check c = cy_resident_id_check(cy_buf_cstr(&n));
		if (c != CY_ID_OK)
			cli_error(_("warning: the resident ID number fails its GB 11643 check (%s); "
				    "it is kept and indexed as given"),
				  cy_id_check_name(c));
	}
	if (f->uscc && !cy_normalize(CY_NORM_USCC, f->uscc, strlen(f->uscc), &n) &&
	    !cy_uscc_valid(cy_buf_cstr(&n)))
		cli_error(_("warning: the unified social credit code fails its GB 32100 check; "
			    "it is kept and indexed as given"));
	cy_buf_wipe(&n);
}

/* Usage checks, before any password prompt. */
static int subject_add_prepare(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!o_fonds || !o_kind || !o_name) {
		cli_error(_("give --fonds, --kind (person or org) and --name"));
		return EXIT_USAGE;
	}
	if (strcmp(o_kind, "person") && strcmp(o_kind, "org")) {
		cli_error(_("--kind is 'person' or 'org', not '%s'"), o_kind);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < o_fields.n; i++) {
		const char *eq = strchr(o_fields.v[i], '=');
		if (!eq || eq == o_fields.v[i]) {
			cli_error(_("--field takes KEY=VALUE"));
			return EXIT_USAGE;
		}
	}
	return 0;
}

static int subject_add(cy_vault *v, int argc, char **argv)
{
	char id[CY_SUBJECT_ID_MAX];
	int rc;
	cy_subject_fields f;
	cy_subject_kv *kv = NULL;
	cy_buf b = CY_BUF_INIT;

	(void)argc;
	(void)argv;
	rc = EXIT_USAGE;
	if (o_fields.n && !(kv = calloc(o_fields.n, sizeof(*kv)))) {
		rc = EXIT_ERR;
		goto out;
	}
	for (size_t i = 0; i < o_fields.n; i++) {
		const char *eq = strchr(o_fields.v[i], '=');
		if (!eq || eq == o_fields.v[i]) {
			cli_error(_("--field takes KEY=VALUE"));
			goto out;
		}
		kv[i].key = strndup(o_fields.v[i], (size_t)(eq - o_fields.v[i]));
		kv[i].value = eq + 1;
		if (!kv[i].key) {
			rc = EXIT_ERR;
			goto out;
		}
	}
	memset(&f, 0, sizeof(f));
	f.kind = o_kind;
	f.name = o_name;
	f.id_number = o_id_number;
	f.id_type = o_id_type ? o_id_type
			      : (o_id_number && !strcmp(o_kind, "person") ? "resident-id" : NULL);
	f.uscc = o_uscc;
	f.address = o_address;
	f.phones = o_phones.v;
	f.nphones = o_phones.n;
	f.emails = o_emails.v;
	f.nemails = o_emails.n;
	f.accounts = o_accounts.v;
	f.naccounts = o_accounts.n;
	f.extra = kv;
	f.nextra = o_fields.n;
	if ((rc = cy_subject_add(v, o_fonds, &f, id))) {
		rc = cli_fail(rc);
		goto out;
	}
	warn_identifiers(&f);
	if (o_json) {
		cy_buf_puts(&b, "{\"id\":");
		cy_json_cstr(&b, id);
		cy_buf_putc(&b, '}');
		cli_json_line(&b);
	} else {
		printf(_("added subject %s\n"), id);
	}
	rc = EXIT_OK;
out:
	for (size_t i = 0; kv && i < o_fields.n; i++)
		free((char *)kv[i].key);
	free(kv);
	cy_buf_release(&b);
	return rc;
}

static const char *id_check(const cy_subject_fields *f)
{
	static char name[24];
	cy_buf n = CY_BUF_INIT;

	name[0] = 0;
	if (f->id_number && f->id_type && !strcmp(f->id_type, "resident-id") &&
	    !cy_normalize(CY_NORM_ID_NUMBER, f->id_number, strlen(f->id_number), &n))
		snprintf(name, sizeof(name), "%s",
			 cy_id_check_name(cy_resident_id_check(cy_buf_cstr(&n))));
	cy_buf_wipe(&n);
	return name;
}

static void json_list(cy_buf *b, const char *key, const char **v, size_t n)
{
	cy_buf_printf(b, ",\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		if (i)
			cy_buf_putc(b, ',');
		cy_json_cstr(b, v[i]);
	}
	cy_buf_putc(b, ']');
}

static void json_opt(cy_buf *b, const char *key, const char *v)
{
	if (!v)
		return;
	cy_buf_printf(b, ",\"%s\":", key);
	cy_json_cstr(b, v);
}

/* One subject as a JSON object: what the listing shows, and the fields when decrypted. */
static void subject_json(cy_buf *b, const cy_subject_info *s, bool full)
{
	cy_buf_puts(b, "{\"id\":");
	cy_json_cstr(b, s->id);
	cy_buf_printf(b, ",\"fonds\":\"%s\",\"kind\":\"%s\",\"status\":", s->fonds, s->kind);
	cy_json_cstr(b, s->status);
	cy_buf_printf(b, ",\"records\":%lld", (long long)s->records);
	if (s->decrypted)
		json_opt(b, "name", s->f.name);
	if (full && s->decrypted) {
		json_opt(b, "id_type", s->f.id_type);
		json_opt(b, "id_number", s->f.id_number);
		if (*id_check(&s->f))
			json_opt(b, "id_check", id_check(&s->f));
		json_opt(b, "uscc", s->f.uscc);
		json_opt(b, "address", s->f.address);
		json_list(b, "phones", s->f.phones, s->f.nphones);
		json_list(b, "emails", s->f.emails, s->f.nemails);
		json_list(b, "accounts", s->f.accounts, s->f.naccounts);
		cy_buf_puts(b, ",\"fields\":{");
		for (size_t i = 0; i < s->f.nextra; i++) {
			if (i)
				cy_buf_putc(b, ',');
			cy_json_cstr(b, s->f.extra[i].key);
			cy_buf_putc(b, ':');
			cy_json_cstr(b, s->f.extra[i].value);
		}
		cy_buf_putc(b, '}');
		cy_buf_puts(b, ",\"created\":");
		cy_json_cstr(b, s->created);
		cy_buf_puts(b, ",\"created_by\":");
		cy_json_cstr(b, s->created_by);
	}
	cy_buf_putc(b, '}');
}

/* A label padded to 16 terminal columns (CJK characters take two). */
static void label(const char *l)
{
	int w = 0;

	for (const unsigned char *p = (const unsigned char *)l; *p; p++)
		if ((*p & 0xc0) != 0x80)
			w += *p >= 0xe1 ? 2 : 1; /* U+1100 and up: wide enough for labels */
	fputs(l, stdout);
	for (; w < 16; w++)
		putchar(' ');
}

static void line(const char *l, const char *value)
{
	if (!value || !*value)
		return;
	label(l);
	cli_put_safe(stdout, value);
	putchar('\n');
}

static int subject_show(cy_vault *v, int argc, char **argv)
{
	int rc;
	cy_subject_info s;
	cy_buf b = CY_BUF_INIT;

	(void)argc;
	rc = cy_subject_show(v, argv[0], &s);
	if (!rc) {
		if (o_json) {
			subject_json(&b, &s, true);
			cli_json_line(&b);
		} else {
			line(_("subject"), s.id);
			line(_("fonds"), s.fonds);
			line(_("kind"), s.kind);
			line(_("status"), s.status);
			line(_("name"), s.f.name);
			line(_("id type"), s.f.id_type);
			line(_("id number"), s.f.id_number);
			line(_("id check"), id_check(&s.f));
			line(_("uscc"), s.f.uscc);
			for (size_t i = 0; i < s.f.nphones; i++)
				line(_("phone"), s.f.phones[i]);
			for (size_t i = 0; i < s.f.nemails; i++)
				line(_("e-mail"), s.f.emails[i]);
			line(_("address"), s.f.address);
			for (size_t i = 0; i < s.f.naccounts; i++)
				line(_("account"), s.f.accounts[i]);
			for (size_t i = 0; i < s.f.nextra; i++) {
				label(_("field"));
				cli_put_safe(stdout, s.f.extra[i].key);
				fputs(" = ", stdout);
				cli_put_safe(stdout, s.f.extra[i].value);
				putchar('\n');
			}
			label(_("records"));
			printf("%lld\n", (long long)s.records);
			label(_("added"));
			printf("%s %s %s\n", cli_safe(s.created), _("by"), cli_safe(s.created_by));
		}
		cy_subject_info_release(&s);
	}
	cy_buf_wipe(&b);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int print_subject(void *arg, const cy_subject_info *s)
{
	cy_buf *b = arg;

	if (o_json) {
		subject_json(b, s, false);
		cli_json_line(b);
		return 0;
	}
	printf("%-14s %-6s %-10s %7lld", cli_safe(s->id), cli_safe(s->kind), cli_safe(s->status),
	       (long long)s->records);
	if (s->decrypted) {
		fputs("  ", stdout);
		cli_put_safe(stdout, s->f.name);
	}
	putchar('\n');
	return 0;
}

static void list_header(void)
{
	if (!o_json)
		printf("%-14s %-6s %-10s %7s%s\n", _("ID"), _("KIND"), _("STATUS"), _("RECORDS"),
		       o_names ? _("  NAME") : "");
}

static int subject_list(cy_vault *v, int argc, char **argv)
{
	int rc;
	cy_buf b = CY_BUF_INIT;

	(void)argc;
	(void)argv;
	list_header();
	rc = cy_subject_list(v, o_fonds, o_names ? CY_SUBJECT_NAMES : 0, print_subject, &b);
	cy_buf_wipe(&b);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static const char *find_field, *find_value;

static int subject_find_prepare(int argc, char **argv)
{
	int given = 0;
	const struct {
		const char *field, **opt;
	} by[] = {{"name", &o_name},
		  {"id_number", &o_id_number},
		  {"phone", &o_phone},
		  {"email", &o_email},
		  {"uscc", &o_uscc},
		  {"account", &o_account},
		  {"customer_no", &o_customer_no}};

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(by) / sizeof(by[0]); i++) {
		if (*by[i].opt) {
			given++;
			find_field = by[i].field;
			find_value = *by[i].opt;
		}
	}
	if (given != 1) {
		cli_error(_(
			"give exactly one of --name, --id-number, --phone, --email, --uscc, --account, "
			"--customer-no"));
		return EXIT_USAGE;
	}
	return 0;
}

static int subject_find(cy_vault *v, int argc, char **argv)
{
	int rc;
	cy_buf b = CY_BUF_INIT;

	(void)argc;
	(void)argv;
	list_header();
	rc = cy_subject_find(v, o_fonds, find_field, find_value, o_names ? CY_SUBJECT_NAMES : 0,
			     print_subject, &b);
	cy_buf_wipe(&b);
	return rc ? cli_fail(rc) : EXIT_OK;
}

const cli_command cmd_subject_sub[] = {
	{"add", subject_add, &ADD, NEEDS_UNLOCK, N_("add a subject (customer) to a fonds"), NULL,
	 subject_add_prepare},
	{"show", subject_show, &SHOW, NEEDS_UNLOCK, N_("show a subject's fields"), NULL, NULL},
	{"list", subject_list, &LIST, NEEDS_UNLOCK, N_("list subjects"), NULL, NULL},
	{"find", subject_find, &FIND, NEEDS_UNLOCK,
	 N_("find subjects by name, ID number, phone, e-mail, ..."), NULL, subject_find_prepare},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
