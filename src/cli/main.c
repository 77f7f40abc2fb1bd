/* main.c - the custody command: locale set-up, the command table and the
 * dispatcher.
 *
 * As git's commands[] does, the table says what each command needs
 * (NEEDS_VAULT, NEEDS_UNLOCK); the dispatcher parses the options (the common
 * ones may stand before the command, between a group and its sub-command, or
 * after), resolves the vault, reads the user and password, opens the vault
 * once, runs the command and closes the vault, so that each cmd_*.c holds
 * only its own work. */
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "custody/banned.h"

#ifndef CUSTODY_VERSION
#error "CUSTODY_VERSION comes from the build (meson project version)"
#endif

static const cli_command COMMANDS[] = {
	{"init", cmd_init, &cmd_init_spec, 0,
	 N_("create a vault; its first user is a security administrator"), NULL, NULL},
	{"user", NULL, NULL, 0,
	 N_("users, roles and fonds grants (add, list, passwd, grant, revoke, disable, enable)"),
	 cmd_user_sub, NULL},
	{"fonds", NULL, NULL, 0, N_("companies whose records are in custody (add, list, status)"),
	 cmd_fonds_sub, NULL},
	{"import", NULL, NULL, 0,
	 N_("import records (files DIR, csv FILE, xlsx FILE, mail MBOX|DIR; rejects: what was "
	    "refused)"),
	 cmd_import_sub, NULL},
	{"ls", cmd_ls, &cmd_ls_spec, NEEDS_UNLOCK, N_("list records"), NULL, NULL},
	{"show", cmd_show, &cmd_show_spec, NEEDS_UNLOCK, N_("show one record's metadata"), NULL,
	 NULL},
	{"get", cmd_get, &cmd_get_spec, NEEDS_UNLOCK,
	 N_("write out a record's original bytes, verified"), NULL, cmd_get_prepare},
	{"search", cmd_search, &cmd_search_spec, NEEDS_UNLOCK,
	 N_("find records by words, or a customer's by ID number, phone, e-mail, name"), NULL,
	 cmd_search_prepare},
	{"record", NULL, NULL, 0,
	 N_("correct a record (amend), make records store-only (restrict)"), cmd_record_sub, NULL},
	{"hold", NULL, NULL, 0,
	 N_("legal holds: records that must not be destroyed (add, release, list)"), cmd_hold_sub,
	 NULL},
	{"access", NULL, NULL, 0,
	 N_("exceptions to store-only, approved by a second user (request, approve)"),
	 cmd_access_sub, NULL},
	{"subject", NULL, NULL, 0, N_("customers whose data is in custody (add, show, list, find)"),
	 cmd_subject_sub, NULL},
	{"check", cmd_check, &cmd_check_spec, NEEDS_UNLOCK,
	 N_("verify every object, the catalog and the ledger"), NULL, NULL},
	{"log", NULL, NULL, 0, N_("the audit ledger (show, verify, checkpoint, prove, key)"),
	 cmd_log_sub, NULL},
	{"destroy", NULL, NULL, 0,
	 N_("supervised destruction (propose, sign, reconcile, execute, show, list)"),
	 cmd_destroy_sub, NULL},
	{"store", NULL, NULL, 0, N_("the object store's upkeep (compact)"), cmd_store_sub, NULL},
	{"recovery", NULL, NULL, 0, N_("the recovery key: grant a fonds no one holds (grant)"),
	 cmd_recovery_sub, NULL},
	{"retention", NULL, NULL, 0, N_("retention schedules: rules, what is due, overrides"),
	 cmd_retention_sub, NULL},
	{"notify", NULL, NULL, 0,
	 N_("notices to customers before a handover (prepare, send, status, responses, bounces)"),
	 cmd_notify_sub, NULL},
	{"appraise", cmd_appraise, &cmd_appraise_spec, NEEDS_UNLOCK,
	 N_("appraise what is due: keep longer or destroy (鉴定意见书)"), NULL,
	 cmd_appraise_prepare},
	{"receiver", NULL, NULL, 0, N_("receiving parties of handovers (add, list)"),
	 cmd_receiver_sub, NULL},
	{"transfer", NULL, NULL, 0,
	 N_("hand records over: plan, show, approve, export, confirm (PIPL Art. 22)"),
	 cmd_transfer_sub, NULL},
	{"receive", cmd_receive_run, &cmd_receive_spec, 0,
	 N_("the receiver: decrypt, validate and sign a receipt for a transfer package"), NULL,
	 cmd_receive_prepare},
	{"pia", NULL, NULL, 0, N_("personal-information impact assessments of transfers (add)"),
	 cmd_pia_sub, NULL},
	{"keygen", cmd_keygen, &cmd_keygen_spec, 0,
	 N_("make a key pair for a transfer: an age key (--age) or a receipt signing key "
	    "(--signing)"),
	 NULL, NULL},
	{"age", NULL, NULL, 0,
	 N_("age v1 encryption on its own, as the age tool does it (encrypt, "
	    "decrypt)"),
	 cmd_age_sub, NULL},
	{"bag", NULL, NULL, 0, N_("BagIt bags: validate one (no vault needed)"), cmd_bag_sub, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};

static void usage(FILE *f)
{
	fprintf(f,
		_("usage: custody <command> [options]\n"
		  "       custody [--vault DIR] [--user NAME] [--password-file FILE] <command> [options]\n"
		  "       custody help <command>   (the same as custody <command> --help)\n\n"
		  "custody keeps the customer records of companies that are sold, merged, split or\n"
		  "wound up: encrypted, numbered, checked and audited.\n"
		  "custody 档案托管：企业转让、合并、分立、解散、注销时客户档案的安全保管。\n\n"
		  "commands:\n"));
	for (const cli_command *c = COMMANDS; c->name; c++) {
		fputs("  ", f);
		cli_put_padded(f, c->name, 8);
		fprintf(f, " %s\n", _(c->summary));
	}
	fprintf(f,
		_("\ncommon options (before or after the command): --vault DIR, --user NAME,\n"
		  "--password-file FILE, --help; custody --version\n"
		  "listing commands take --json (JSON Lines)\n"
		  "environment: CUSTODY_VAULT, CUSTODY_USER, CUSTODY_PASSWORD_FILE\n"
		  "exit codes: 0 ok, 1 error, 2 usage, 3 wrong password or user, 4 not found,\n"
		  "            5 integrity failure, 6 permission denied, 130 stopped by Ctrl-C\n"));
}

static void group_usage(FILE *f, const cli_command *g)
{
	fprintf(f, _("usage: custody %s <sub-command> [options]\n\nsub-commands:\n"), g->name);
	for (const cli_command *s = g->sub; s->name; s++) {
		fputs("  ", f);
		cli_put_padded(f, s->name, 11);
		fprintf(f, " %s\n", _(s->summary));
	}
}

static const cli_command *find(const cli_command *t, const char *name)
{
	for (; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/* Run a leaf: parse, check, open the vault as its flags say, run, clean up. */
static int run_leaf(const cli_command *c, int argc, char **argv)
{
	char **args = NULL;
	int n = 0, rc;
	cy_vault *v = NULL;

	if ((rc = cli_parse(c->spec, argc, argv, &args, &n)))
		return rc < 0 ? EXIT_OK : rc;
	if (c->prepare && (rc = c->prepare(n, args)))
		goto out;
	if ((c->flags & NEEDS_VAULT) && !cli_vault_present()) {
		rc = EXIT_NOTFOUND;
		goto out;
	}
	if ((c->flags & NEEDS_UNLOCK) == NEEDS_UNLOCK && (rc = cli_open(&v))) {
		rc = cli_fail(rc);
		goto out;
	}
	rc = c->run(v, n, args);
out:
	cy_vault_close(v);
	free(args);
	return rc;
}

/* Common options may stand before a group's sub-command too. */
static int skip_common(int argc, char **argv, int *i)
{
	int r;

	while (*i < argc && argv[*i][0] == '-' && strcmp(argv[*i], "--help") &&
	       strcmp(argv[*i], "-h")) {
		if ((r = cli_parse_common(argc, argv, i)) == 1) {
			(*i)++;
			continue;
		}
		if (r == 0)
			cli_error(_("unknown option '%s' here (see 'custody --help')"), argv[*i]);
		return EXIT_USAGE;
	}
	return 0;
}

static int dispatch(const cli_command *c, int argc, char **argv)
{
	const cli_command *s;
	int i = 0, rc;

	if (!c->sub)
		return run_leaf(c, argc, argv);
	if ((rc = skip_common(argc, argv, &i)))
		return rc;
	if (i == argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
		bool asked = i < argc || g_help;
		group_usage(asked ? stdout : stderr, c);
		return asked ? EXIT_OK : EXIT_USAGE;
	}
	if (!(s = find(c->sub, argv[i]))) {
		cli_error(_("'%s' is not a sub-command of '%s' (see 'custody %s --help')"), argv[i],
			  c->name, c->name);
		return EXIT_USAGE;
	}
	return dispatch(s, argc - i - 1, argv + i + 1);
}

/* custody help [COMMAND [SUB-COMMAND]] */
static int help(int argc, char **argv)
{
	const cli_command *c;

	if (argc < 1) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!(c = find(COMMANDS, argv[0]))) {
		cli_error(_("'%s' is not a custody command (see 'custody --help')"), argv[0]);
		return EXIT_USAGE;
	}
	if (c->sub && argc > 1) {
		const cli_command *s = find(c->sub, argv[1]);
		if (!s) {
			cli_error(_("'%s' is not a sub-command of '%s' (see 'custody %s --help')"),
				  argv[1], c->name, c->name);
			return EXIT_USAGE;
		}
		c = s;
	}
	if (c->sub)
		group_usage(stdout, c);
	else
		cli_help(c->spec);
	return EXIT_OK;
}

/* custody --man-page [--list | COMMAND]: roff on stdout, in English (no
 * locale is set up), from the same tables as --help; see tools/man/. */
static int man_page(int argc, char **argv)
{
	const cli_command *c;

	if (argc < 1) {
		cli_man_main(stdout, COMMANDS, CUSTODY_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[0], "--list")) {
		for (c = COMMANDS; c->name; c++)
			printf("%s\n", c->name);
		return EXIT_OK;
	}
	if (!(c = find(COMMANDS, argv[0]))) {
		cli_error("'%s' is not a custody command", argv[0]);
		return EXIT_USAGE;
	}
	cli_man_command(stdout, c, CUSTODY_VERSION);
	return EXIT_OK;
}

int run_subcommand(const char *group, const subcmd *table, int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		FILE *f = argc < 1 ? stderr : stdout;
		fprintf(f, _("usage: custody %s <sub-command> [options]\n\nsub-commands:\n"),
			group);
		for (const subcmd *s = table; s->name; s++)
			fprintf(f, "  %-11s %s\n", s->name, _(s->summary));
		return argc < 1 ? EXIT_USAGE : EXIT_OK;
	}
	for (const subcmd *s = table; s->name; s++)
		if (!strcmp(s->name, argv[0]))
			return s->fn(argc - 1, argv + 1);
	cli_error(_("'%s' is not a sub-command of '%s' (see 'custody %s --help')"), argv[0], group,
		  group);
	return EXIT_USAGE;
}

/* The translations: $CUSTODY_LOCALEDIR, else the build tree's when this is
 * the program in the build tree, else the installed ones. */
static const char *locale_dir(void)
{
	const char *dir = getenv("CUSTODY_LOCALEDIR");
	char self[PATH_MAX], root[PATH_MAX];
	ssize_t n;
	struct stat st;

	if (dir && *dir)
		return dir;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0 && realpath(BUILD_ROOT, root)) {
		char *slash;
		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			if (!strcmp(self, root) && stat(BUILD_LOCALEDIR, &st) == 0)
				return BUILD_LOCALEDIR;
		}
	}
	return LOCALEDIR;
}

static void setup_locale(void)
{
	if (!setlocale(LC_ALL, "")) {
		/* The asked-for locale is not installed (Debian has only C.UTF-8 by
		 * default): keep UTF-8 and let gettext still pick the language. */
		const char *want = getenv("LC_ALL");
		if (!want || !*want)
			want = getenv("LC_MESSAGES");
		if (!want || !*want)
			want = getenv("LANG");
		setlocale(LC_ALL, "C.UTF-8");
		if (want && *want && strcmp(want, "C") && strcmp(want, "POSIX") &&
		    !getenv("LANGUAGE")) {
			char lang[32];
			size_t n = strcspn(want, ".@");
			snprintf(lang, sizeof(lang), "%.*s", (int)(n < 31 ? n : 31), want);
			setenv("LANGUAGE", lang, 1);
		}
	}
	bindtextdomain("custody", locale_dir());
	bind_textdomain_codeset("custody", "UTF-8");
	textdomain("custody");
}

/* No core dump and no ptrace by another process of the same user while
 * keys and plaintext may be in memory: done first, before any key is
 * unsealed (docs/security/hygiene.md).  PR_SET_DUMPABLE 0 also makes
 * /proc/PID/mem and the other per-process files root's. */
static void no_core_dumps(void)
{
	struct rlimit none = {0, 0};

	if (setrlimit(RLIMIT_CORE, &none) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		cli_error(_("cannot turn core dumps off; keys could end up in one"));
}

int main(int argc, char **argv)
{
	const cli_command *c;
	int i = 1, r;

	no_core_dumps();
	/* every file and directory custody creates is its user's alone */
	umask(077);
	if (argc > 1 && !strcmp(argv[1], "--man-page"))
		return man_page(argc - 2, argv + 2);
	setup_locale();
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("custody %s\n", CUSTODY_VERSION);
			return EXIT_OK;
		}
		if ((r = cli_parse_common(argc, argv, &i)) == 1)
			continue;
		if (r == 0)
			cli_error(_("unknown option '%s' (see 'custody --help')"), argv[i]);
		return EXIT_USAGE;
	}
	if (i == argc) {
		usage(g_help ? stdout : stderr);
		return g_help ? EXIT_OK : EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help"))
		return help(argc - i - 1, argv + i + 1);
	if (!(c = find(COMMANDS, argv[i]))) {
		cli_error(_("'%s' is not a custody command (see 'custody --help')"), argv[i]);
		return EXIT_USAGE;
	}
	return dispatch(c, argc - i - 1, argv + i + 1);
}
