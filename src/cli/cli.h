/* cli.h - what the command files of the custody CLI share: option tables,
 * opening the vault with a password, messages, progress and JSON output. */
#ifndef CY_CLI_H
#define CY_CLI_H

#include <libintl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "custody/buf.h"
#include "custody/vault.h"

#define _(s) gettext(s)
#define N_(s) (s)

/* Exit codes (docs/man/custody.md). */
enum {
	EXIT_OK = 0,
	EXIT_ERR = 1,
	EXIT_USAGE = 2,
	EXIT_AUTH = 3,
	EXIT_NOTFOUND = 4,
	EXIT_INTEGRITY = 5,
	EXIT_PERM = 6,
};

typedef enum { OPT_FLAG, OPT_STRING, OPT_LIST } opt_kind;

/* Where an OPT_LIST option (one that may be given several times) collects its values. */
typedef struct cli_list {
	const char **v;
	size_t n;
} cli_list;

typedef struct cli_opt {
	const char *name; /* long name without "--" */
	opt_kind kind;
	const char *arg;  /* argument name shown in help, e.g. "DIR" */
	const char *help; /* N_() text */
	void *dest;       /* bool* for flags, const char** for strings, cli_list* for lists */
} cli_opt;

typedef struct cli_cmd {
	const char *usage;   /* "custody import files DIR --fonds CODE ..." */
	const char *summary; /* N_() text */
	const char *details; /* N_() text, may be NULL */
	const cli_opt *opts; /* NULL-terminated; the common options are added */
	int min_args, max_args;
} cli_cmd;

/* Common options every command takes. */
extern const char *g_vault, *g_user, *g_password_file;
extern bool g_json, g_help;

/* Parse argv (after the command words) against cmd's options plus the common
 * ones; positional arguments are collected into args.  Prints usage errors.
 * Returns 0, EXIT_USAGE, or -1 when --help was printed (exit 0). */
int cli_parse(const cli_cmd *cmd, int argc, char **argv, char ***args, int *nargs);
void cli_help(const cli_cmd *cmd);

/* Print "custody: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the library's last error and return the exit code for rc. */
int cli_fail(int rc);
int cli_exit_code(int rc);

/* Read a password: from `file`, else $CUSTODY_PASSWORD_FILE, else a no-echo
 * prompt on the terminal (twice when confirm).  Caller wipes the buffer. */
int cli_read_password(const char *file, const char *prompt, bool confirm, cy_buf *out);

/* Open the vault given by --vault / $CUSTODY_VAULT as --user / $CUSTODY_USER. */
int cli_open(cy_vault **out);
const char *cli_vault_dir(void);
const char *cli_user(void);

/* Progress on stderr when it is a terminal (nothing when piped). */
typedef struct cli_progress {
	bool on;
	double start, last;
	const char *label;
} cli_progress;
void cli_progress_init(cli_progress *p, const char *label);
void cli_progress_cb(void *arg, const cy_progress *pr);
void cli_progress_done(cli_progress *p);

/* Human-readable byte counts ("1.5 MiB"). */
void cli_bytes(uint64_t n, char out[32]);
double cli_now(void);

/* Write a JSON line (buffer content plus '\n') to stdout. */
void cli_json_line(cy_buf *b);

/* Print a name from outside (a file name, a title) with control characters
 * shown as '?', so a name cannot break lines or steer the terminal. */
void cli_put_safe(FILE *f, const char *s);

/* Append a record as one JSON object (cmd_ls.c). */
void cli_record_json(cy_buf *b, const cy_record_info *r);

#endif
