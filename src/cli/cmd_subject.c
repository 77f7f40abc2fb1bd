/* cmd_subject.c - custody subject add | show | list | find | export: the
 * customers (persons and organisations) whose data is in custody.
 *
 * export writes everything held about one customer (PIPL Art. 45) into a new
 * private directory: subject.json, records.csv, README.txt and the original
 * files; the layout is docs/formats/subject-export.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "commands.h"
#include "custody/encoding.h"
#include "custody/recmeta.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/normalize.h"
#include "custody/subject.h"
#include "custody/banned.h"

static const char *o_fonds, *o_kind, *o_name, *o_id_number, *o_id_type, *o_address, *o_uscc;
static const char *o_phone, *o_email, *o_account, *o_customer_no, *o_output;
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
	N_("Show a subject's fields and the records linked to it (decrypted; the read is logged)."),
	NULL,
	SHOW_OPTS,
	1,
	1,
};
static const cli_opt EXPORT_OPTS[] = {
	{"output", OPT_STRING, "DIR", N_("the directory to write (new, or empty): -o DIR"),
	 &o_output},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd EXPORT = {
	"custody subject export ID -o DIR",
	N_("Write everything held about a subject into DIR (archivists; PIPL Art. 45): its fields\n"
	   "and linked records as subject.json, the records as records.csv (UTF-8 with BOM),\n"
	   "each record's original file under records/ARCHIVE_NO/, and a README.txt.  DIR must\n"
	   "not exist or be empty; it is made 0700 and every file 0600.  Logged as\n"
	   "subject.export, and each record's bytes as record.read."),
	N_("DIR holds personal data: hand it over safely and delete it afterwards.\n"
	   "The layout: docs/formats/subject-export.md."),
	EXPORT_OPTS,
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

/* One subject as a JSON object: what the listing shows, and the fields when
 * decrypted; records: the linked records as a JSON array, or NULL. */
static void subject_json(cy_buf *b, const cy_subject_info *s, bool full, const cy_buf *records)
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
		json_list(b, "customer_nos", s->f.customer_nos, s->f.ncustomer_nos);
		json_list(b, "labels", s->f.labels, s->f.nlabels);
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
	if (records) {
		cy_buf_puts(b, ",\"linked_records\":[");
		cy_buf_put(b, records->ptr, records->len);
		cy_buf_putc(b, ']');
	}
	cy_buf_putc(b, '}');
}

/* ---- a record linked to a subject: JSON, CSV, text ---- */

struct show_ctx {
	cy_buf json; /* --json: the records, comma-separated */
	size_t n;
};

static int show_record(void *arg, const cy_record_info *r)
{
	struct show_ctx *c = arg;

	if (o_json) {
		cy_recmeta_json(&c->json, r, c->n == 0, NULL, NULL);
	} else {
		fputs("  ", stdout);
		cli_put_safe(stdout, r->archive_no);
		printf("  %-10s  ", cli_safe(r->date));
		cli_put_safe(stdout, r->title ? r->title : "");
		putchar('\n');
	}
	c->n++;
	return 0;
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
	struct show_ctx c = {CY_BUF_INIT, 0};

	(void)argc;
	rc = cy_subject_show(v, argv[0], &s);
	if (!rc) {
		/* the records after the fields: their listing is logged too */
		if (o_json) {
			rc = cy_subject_records(v, s.id, show_record, &c);
			if (!rc) {
				subject_json(&b, &s, true, &c.json);
				cli_json_line(&b);
			}
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
			for (size_t i = 0; i < s.f.ncustomer_nos; i++)
				line(_("customer no"), s.f.customer_nos[i]);
			for (size_t i = 0; i < s.f.nlabels; i++)
				line(_("sensitive"), s.f.labels[i]);
			for (size_t i = 0; i < s.f.nextra; i++) {
				label(_("field"));
				cli_put_safe(stdout, s.f.extra[i].key);
				fputs(" = ", stdout);
				cli_put_safe(stdout, s.f.extra[i].value);
				putchar('\n');
			}
			label(_("added"));
			printf("%s %s %s\n", cli_safe(s.created), _("by"), cli_safe(s.created_by));
			label(_("records"));
			printf("%lld\n", (long long)s.records);
			rc = cy_subject_records(v, s.id, show_record, &c);
		}
		cy_subject_info_release(&s);
	}
	cy_buf_wipe(&b);
	cy_buf_wipe(&c.json);
	return rc ? cli_fail(rc) : EXIT_OK;
}

static int print_subject(void *arg, const cy_subject_info *s)
{
	cy_buf *b = arg;

	if (o_json) {
		subject_json(b, s, false, NULL);
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

/* ---- export ---- */

struct export_ctx {
	cy_vault *v;
	int dfd, recs;	 /* DIR and DIR/records */
	cy_buf json;	 /* the records for subject.json, comma-separated */
	cy_buf csv;	 /* records.csv */
	cy_buf made;	 /* what was created, relative to DIR, NUL after each (for clean-up) */
	size_t n;	 /* records written */
	const char *dir; /* for messages */
};

static void made(struct export_ctx *c, const char *rel)
{
	cy_buf_put(&c->made, rel, strlen(rel) + 1);
}

/* On failure: remove what was written, newest first (files, then their directories). */
static void export_undo(struct export_ctx *c)
{
	const char *start = (const char *)c->made.ptr;
	size_t len = c->made.len;

	while (len > 0) {
		size_t i = len - 1;
		while (i > 0 && start[i - 1])
			i--;
		const char *rel = start + i;
		size_t l = strlen(rel);
		if (l && rel[l - 1] == '/')
			unlinkat(c->dfd, rel, AT_REMOVEDIR);
		else
			unlinkat(c->dfd, rel, 0);
		len = i;
	}
}

/* Create name in the directory at. exclusively, mode 0600, never through a
 * symbolic link; the descriptor in *fd. */
static int create_new(int at, const char *name, const char *what, int *fd)
{
	*fd = openat(at, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*fd < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot create %s",
					  what);
	return 0;
}

static int close_synced(int fd, const char *what)
{
	int rc = 0;

	if (fsync(fd) < 0)
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot write %s", what);
	if (close(fd) < 0 && !rc)
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot write %s", what);
	return rc;
}

/* A new file of DIR holding data. */
static int write_new(struct export_ctx *c, const char *name, const void *data, size_t n)
{
	cy_buf what = CY_BUF_INIT;
	cli_fd_sink s = {-1, NULL};
	int rc;

	cy_path_join(&what, c->dir, name);
	s.what = cy_buf_cstr(&what);
	if ((rc = create_new(c->dfd, name, s.what, &s.fd)))
		goto out;
	made(c, name);
	rc = cli_write_fd(&s, data, n);
	if (rc)
		close(s.fd);
	else
		rc = close_synced(s.fd, s.what);
out:
	cy_buf_wipe(&what);
	return rc;
}

/* Part i of record r into the record's directory (rfd) as name (rel: the
 * path relative to DIR), read and verified by cy_record_get_part (which logs
 * record.read). */
static int export_part(struct export_ctx *c, int rfd, const cy_record_info *r, unsigned i,
		       const char *name, const char *rel)
{
	cy_buf what = CY_BUF_INIT;
	cli_fd_sink s = {-1, NULL};
	int rc;

	cy_path_join(&what, c->dir, rel);
	s.what = cy_buf_cstr(&what);
	if ((rc = create_new(rfd, name, s.what, &s.fd)))
		goto out;
	made(c, rel);
	rc = cy_record_get_part(c->v, r->archive_no, i, cli_write_fd, &s);
	if (rc)
		close(s.fd);
	else
		rc = close_synced(s.fd, s.what);
out:
	cy_buf_wipe(&what);
	return rc;
}

/* One linked record: every part of it into records/ARCHIVE_NO/ (the
 * original under NAME, the others by role), a line per part in records.csv
 * and the record with its parts in subject.json. */
static int export_record(void *arg, const cy_record_info *r)
{
	struct export_ctx *c = arg;
	cy_buf dir = CY_BUF_INIT, name = CY_BUF_INIT, orig = CY_BUF_INIT, rel = CY_BUF_INIT,
	       first = CY_BUF_INIT, what = CY_BUF_INIT, parts = CY_BUF_INIT;
	int rfd = -1, rc;

	cy_recmeta_safe_name(r->archive_no, &dir);
	if (!dir.len) {
		rc = cy_error_set(CY_ECORRUPT, "record '%s': its number cannot be a directory name",
				  r->archive_no);
		goto out;
	}
	cy_buf_printf(&rel, "records/%s/", cy_buf_cstr(&dir));
	cy_path_join(&what, c->dir, cy_buf_cstr(&rel));
	if (mkdirat(c->recs, cy_buf_cstr(&dir), 0700) < 0) {
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot create %s",
					cy_buf_cstr(&what));
		goto out;
	}
	made(c, cy_buf_cstr(&rel));
	rfd = openat(c->recs, cy_buf_cstr(&dir), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd < 0) {
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot open %s",
					cy_buf_cstr(&what));
		goto out;
	}
	cy_recmeta_original_name(r, &orig);
	for (unsigned i = 0; i < r->nobjects; i++) {
		cy_record_part_info p;
		if ((rc = cy_record_part_describe(r, i, &p)))
			goto out;
		if (i == 0) {
			cy_buf_clear(&name);
			cy_buf_puts(&name, cy_buf_cstr(&orig));
		} else if ((rc = cy_recmeta_part_name(r, i, &p, cy_buf_cstr(&orig), &name))) {
			goto out;
		}
		cy_buf_clear(&rel);
		cy_buf_printf(&rel, "records/%s/%s", cy_buf_cstr(&dir), cy_buf_cstr(&name));
		if ((rc = export_part(c, rfd, r, i, cy_buf_cstr(&name), cy_buf_cstr(&rel))))
			goto out;
		if (i == 0)
			cy_buf_puts(&first, cy_buf_cstr(&rel));
		cy_recmeta_part_json(&parts, i, &p, cy_buf_cstr(&rel));
		cy_recmeta_csv(&c->csv, r, &p, cy_buf_cstr(&rel));
	}
	cy_recmeta_json(&c->json, r, c->n == 0, cy_buf_cstr(&first), &parts);
	c->n++;
out:
	if (rfd >= 0)
		close(rfd);
	/* names of files can be personal data too */
	cy_buf_wipe(&dir);
	cy_buf_wipe(&name);
	cy_buf_wipe(&orig);
	cy_buf_wipe(&rel);
	cy_buf_wipe(&first);
	cy_buf_wipe(&what);
	cy_buf_wipe(&parts);
	return rc;
}

/* Before the password prompt: DIR is new, or an empty directory (not a link). */
static int subject_export_prepare(int argc, char **argv)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	(void)argc;
	(void)argv;
	if (!o_output || !*o_output) {
		cli_error(_("give the directory to write: -o DIR"));
		return EXIT_USAGE;
	}
	if (lstat(o_output, &st) < 0)
		return 0;
	if (S_ISLNK(st.st_mode)) {
		cli_error(_("'%s' is a symbolic link: give a new or empty directory"), o_output);
		return EXIT_ERR;
	}
	if (!S_ISDIR(st.st_mode)) {
		cli_error(_("'%s' exists and is not a directory: give a new or empty directory"),
			  o_output);
		return EXIT_ERR;
	}
	if ((d = opendir(o_output))) {
		while ((e = readdir(d)) && (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")))
			;
		closedir(d);
		if (e) {
			cli_error(_("'%s' is not empty: give a new or empty directory"), o_output);
			return EXIT_ERR;
		}
	}
	return 0;
}

/* DIR, new or empty, ours, made 0700, opened without following a link. */
static int export_dir_open(const char *dir, int *out, bool *created)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int fd, dup_fd;

	*out = -1;
	*created = mkdir(dir, 0700) == 0;
	if (!*created && errno != EEXIST)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot create %s",
					  dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return cy_error_set(CY_EINVALID,
				    "%s is not a directory (or is a symbolic link): give a new or "
				    "empty directory",
				    dir);
	if (fd < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot open %s", dir);
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid()) {
		close(fd);
		return cy_error_set(CY_EPERM, "%s belongs to another user", dir);
	}
	if ((dup_fd = dup(fd)) < 0 || !(d = fdopendir(dup_fd))) {
		if (dup_fd >= 0)
			close(dup_fd);
		close(fd);
		return cy_error_set_errno(CY_EIO, errno, "cannot read %s", dir);
	}
	while ((e = readdir(d)) && (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")))
		;
	closedir(d);
	if (e) {
		close(fd);
		return cy_error_set(CY_EEXISTS, "%s is not empty: give a new or empty directory",
				    dir);
	}
	if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0) {
		close(fd);
		return cy_error_set_errno(cy_error_from_errno(errno), errno,
					  "cannot change the mode of %s", dir);
	}
	*out = fd;
	return 0;
}

static void readme(cy_buf *b, const cy_subject_info *s, size_t n)
{
	cy_buf_printf(
		b,
		"Subject %s (fonds %s): the personal data held about this subject and the records\r\n"
		"linked to it, exported by custody at the subject's request (PIPL Art. 45).\r\n"
		"\r\n"
		"  subject.json   the subject's fields and the %zu linked records (JSON, UTF-8)\r\n"
		"  records.csv    one line per file (CSV, UTF-8 with BOM; opens in Excel/WPS)\r\n"
		"  records/       each record's files: records/ARCHIVE_NO/NAME (the original)\r\n"
		"                 and its other parts by role (fields.json, text.txt, ...)\r\n"
		"\r\n"
		"These files hold personal data: hand them over safely and delete any copy that\r\n"
		"is not the subject's own.\r\n"
		"\r\n"
		"主体 %s（全宗 %s）：本系统保存的该主体个人信息及与其关联的档案，\r\n"
		"应本人请求导出（《个人信息保护法》第四十五条）。\r\n"
		"\r\n"
		"  subject.json   主体信息及关联的 %zu 件档案（JSON，UTF-8）\r\n"
		"  records.csv    每个文件一行（CSV，带 BOM 的 UTF-8，可用 Excel/WPS 打开）\r\n"
		"  records/       每件档案的文件：records/档号/文件名（原件）\r\n"
		"                 及按作用命名的其他部分（fields.json、text.txt 等）\r\n"
		"\r\n"
		"以上文件含有个人信息：请安全交付，并删除非本人持有的副本。\r\n",
		s->id, s->fonds, n, s->id, s->fonds, n);
}

static int subject_export(cy_vault *v, int argc, char **argv)
{
	struct export_ctx c;
	cy_subject_info s;
	cy_buf b = CY_BUF_INIT;
	bool created = false, have_s = false;
	int rc;

	(void)argc;
	memset(&c, 0, sizeof(c));
	c.v = v;
	c.dfd = c.recs = -1;
	c.dir = o_output;
	if ((rc = export_dir_open(o_output, &c.dfd, &created)))
		goto out;
	if (mkdirat(c.dfd, "records", 0700) < 0) {
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno,
					"cannot create %s/records", o_output);
		goto out;
	}
	made(&c, "records/");
	c.recs = openat(c.dfd, "records", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.recs < 0) {
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot open %s/records",
					o_output);
		goto out;
	}
	cy_buf_puts(&c.csv, "\xef\xbb\xbf");
	cy_recmeta_csv_header(&c.csv);
	cli_cancel_install();
	rc = cy_subject_export(v, argv[0], &s, export_record, &c);
	if (rc)
		goto out;
	have_s = true;
	subject_json(&b, &s, true, &c.json);
	cy_buf_putc(&b, '\n');
	rc = write_new(&c, "subject.json", b.ptr, b.len);
	rc = rc ? rc : write_new(&c, "records.csv", c.csv.ptr, c.csv.len);
	cy_buf_wipe(&b);
	readme(&b, &s, c.n);
	rc = rc ? rc : write_new(&c, "README.txt", b.ptr, b.len);
	if (rc)
		goto out;
	if (fsync(c.recs) < 0 || fsync(c.dfd) < 0) {
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot write %s",
					o_output);
		goto out;
	}
	cli_error(_("warning: %s holds personal data of subject %s: hand it over safely and "
		    "delete it afterwards"),
		  o_output, s.id);
	printf(ngettext("exported subject %s and %zu record to %s\n",
			"exported subject %s and %zu records to %s\n", (unsigned long)c.n),
	       s.id, c.n, cli_safe(o_output));
out:
	if (rc && c.dfd >= 0) {
		export_undo(&c);
		if (created)
			rmdir(o_output);
	}
	if (c.recs >= 0)
		close(c.recs);
	if (c.dfd >= 0)
		close(c.dfd);
	if (have_s)
		cy_subject_info_release(&s);
	cy_buf_wipe(&b);
	cy_buf_wipe(&c.json);
	cy_buf_wipe(&c.csv);
	cy_buf_wipe(&c.made);
	if (rc == CY_ECANCELLED) {
		cli_error(_("export stopped by Ctrl-C: nothing was left in %s"), o_output);
		return EXIT_CANCELLED;
	}
	return rc ? cli_fail(rc) : EXIT_OK;
}

/* ---- subject restrict (store-only, PIPL Art. 47 ¶2) ---- */

static const char *o_restrict_reason;
static const cli_opt RESTRICT_OPTS[] = {
	{"reason", OPT_STRING, "art47-1..art47-5",
	 N_("the deletion trigger of PIPL Art. 47 ¶1 that applies"), &o_restrict_reason},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd RESTRICT = {
	"custody subject restrict ID --reason art47-N",
	N_("Make a customer and every record linked to it store-only (archivist): kept, backed up\n"
	   "and checked, but not shown, searched or exported except through an approved exception."),
	NULL,
	RESTRICT_OPTS,
	1,
	1,
};

static int subject_restrict(cy_vault *v, int argc, char **argv)
{
	int rc;

	(void)argc;
	if (!cy_restrict_reason_valid(o_restrict_reason)) {
		cli_error(_("--reason must be one of art47-1 ... art47-5"));
		return EXIT_USAGE;
	}
	if ((rc = cy_subject_restrict(v, argv[0], o_restrict_reason)))
		return cli_fail(rc);
	printf(_("subject %s and its records are store-only (%s)\n"), cli_safe(argv[0]),
	       o_restrict_reason);
	return EXIT_OK;
}

const cli_command cmd_subject_sub[] = {
	{"restrict", subject_restrict, &RESTRICT, NEEDS_UNLOCK,
	 N_("make a subject and its records store-only (PIPL Art. 47 ¶2)"), NULL, NULL},
	{"add", subject_add, &ADD, NEEDS_UNLOCK, N_("add a subject (customer) to a fonds"), NULL,
	 subject_add_prepare},
	{"show", subject_show, &SHOW, NEEDS_UNLOCK, N_("show a subject's fields"), NULL, NULL},
	{"list", subject_list, &LIST, NEEDS_UNLOCK, N_("list subjects"), NULL, NULL},
	{"export", subject_export, &EXPORT, NEEDS_UNLOCK,
	 N_("write everything held about a subject into a directory (PIPL Art. 45)"), NULL,
	 subject_export_prepare},
	{"find", subject_find, &FIND, NEEDS_UNLOCK,
	 N_("find subjects by name, ID number, phone, e-mail, ..."), NULL, subject_find_prepare},
	{"erase", cmd_subject_erase, &cmd_subject_erase_spec, NEEDS_UNLOCK,
	 N_("a customer's deletion (PIPL Art. 47): erase, or keep store-only what the law keeps"),
	 NULL, NULL},
	{"readmit", cmd_subject_readmit, &cmd_subject_readmit_spec, NEEDS_UNLOCK,
	 N_("let erased customers be imported again (an explicit, logged decision)"), NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
