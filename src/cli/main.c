/* main.c - the custody command: locale set-up and the command table. */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "base/banned.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} COMMANDS[] = {
	{"init", cmd_init, N_("create a vault; its first user is a security administrator")},
	{"user", cmd_user, N_("users, roles and fonds grants (add, list, passwd, grant, revoke)")},
	{"fonds", cmd_fonds, N_("companies whose records are in custody (add, list)")},
	{"subject", cmd_subject, N_("customers whose data is in custody (add, show, list, find)")},
	{"import", cmd_import, N_("import records (files DIR)")},
	{"ls", cmd_ls, N_("list records")},
	{"show", cmd_show, N_("show one record's metadata")},
	{"get", cmd_get, N_("write out a record's original bytes, verified")},
	{"check", cmd_check, N_("verify every object, the catalog and the ledger")},
	{"log", cmd_log, N_("the audit ledger (show, verify, checkpoint, prove, key)")},
};

static void usage(FILE *f)
{
	fprintf(f, _("usage: custody <command> [options]   (custody <command> --help for more)\n\n"
		     "custody keeps the customer records of companies that are sold, merged, split or\n"
		     "wound up: encrypted, numbered, checked and audited.\n"
		     "custody 档案托管：企业转让、合并、分立、解散、注销时客户档案的安全保管。\n\n"
		     "commands:\n"));
	for (size_t i = 0; i < sizeof(COMMANDS) / sizeof(COMMANDS[0]); i++)
		fprintf(f, "  %-8s %s\n", COMMANDS[i].name, _(COMMANDS[i].summary));
	fprintf(f, _("\ncommon options: --vault DIR, --user NAME, --password-file FILE, --help\n"
		     "listing commands take --json (JSON Lines)\n"
		     "environment: CUSTODY_VAULT, CUSTODY_USER, CUSTODY_PASSWORD_FILE\n"
		     "exit codes: 0 ok, 1 error, 2 usage, 3 wrong password or user, 4 not found,\n"
		     "            5 integrity failure, 6 permission denied\n"));
}

int run_subcommand(const char *group, const subcmd *table, int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		FILE *f = argc < 1 ? stderr : stdout;
		fprintf(f, _("usage: custody %s <sub-command> [options]\n\nsub-commands:\n"), group);
		for (const subcmd *s = table; s->name; s++)
			fprintf(f, "  %-11s %s\n", s->name, _(s->summary));
		return argc < 1 ? EXIT_USAGE : EXIT_OK;
	}
	for (const subcmd *s = table; s->name; s++)
		if (!strcmp(s->name, argv[0]))
			return s->fn(argc - 1, argv + 1);
	cli_error(_("'%s' is not a sub-command of '%s' (see 'custody %s --help')"), argv[0], group, group);
	return EXIT_USAGE;
}

static void setup_locale(void)
{
	const char *dir = getenv("CUSTODY_LOCALEDIR");
	struct stat st;

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
	if (!dir || !*dir)
		dir = stat(BUILD_LOCALEDIR, &st) == 0 ? BUILD_LOCALEDIR : LOCALEDIR;
	bindtextdomain("custody", dir);
	bind_textdomain_codeset("custody", "UTF-8");
	textdomain("custody");
}

int main(int argc, char **argv)
{
	setup_locale();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("custody 0.1.0\n");
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(COMMANDS) / sizeof(COMMANDS[0]); i++)
		if (!strcmp(argv[1], COMMANDS[i].name))
			return COMMANDS[i].fn(argc - 2, argv + 2);
	cli_error(_("'%s' is not a custody command (see 'custody --help')"), argv[1]);
	return EXIT_USAGE;
}
