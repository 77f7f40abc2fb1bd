/* cli.h - what the command files of the custody CLI share: option tables,
 * opening the vault with a password, messages, progress and JSON output. */
#ifndef CY_CLI_H
#define CY_CLI_H

#include <libintl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "custody/buf.h"
#include "custody/custody.h"

#define _(s) gettext(s)
#define N_(s) (s)
/* A message with a context (xgettext --keyword=NC_:1c,2), looked up with cli_value. */
#define NC_(ctx, s) (ctx "\004" s)

/* Exit codes (custody --help, docs/man/custody.1). */
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
	void *dest;	  /* bool* for flags, const char** for strings, cli_list* for lists */
} cli_opt;

typedef struct cli_cmd {
	const char *usage;   /* "custody import files DIR --fonds CODE ..." */
	const char *summary; /* N_() text */
	const char *details; /* N_() text, may be NULL */
	const cli_opt *opts; /* NULL-terminated; the common options are added */
	int min_args, max_args;
} cli_cmd;

/* Flags of an entry of the command table, checked by the dispatcher (main.c)
 * before the command runs, as git's commands[] does. */
enum {
	/* works on an existing vault: its directory (--vault, $CUSTODY_VAULT,
	 * ./custody-vault) must hold one, checked before any password prompt */
	NEEDS_VAULT = 1 << 0,
	/* needs the vault unlocked: the dispatcher reads the user and password,
	 * opens the vault, hands it to the command and closes it afterwards */
	NEEDS_UNLOCK = 1 << 1 | NEEDS_VAULT,
};

/* One entry of a command table: a command, or a sub-command of a group.
 *
 * A leaf has run and spec: the dispatcher parses argv against spec (the
 * command's options plus the common ones, anywhere on the line), calls
 * prepare (usage checks that must not cost a password prompt), opens the
 * vault as the flags say, and calls run with the open vault (NULL without
 * NEEDS_UNLOCK) and the positional arguments.  run returns an exit code
 * (EXIT_*); it does not close the vault.
 *
 * A group (user, fonds, log, import) has sub instead: a table of its
 * sub-commands ending with an entry whose name is NULL. */
typedef struct cli_command {
	const char *name;
	int (*run)(cy_vault *v, int argc, char **argv);
	const cli_cmd *spec;
	unsigned flags;
	const char *summary; /* N_() one line for the list of commands */
	const struct cli_command *sub;
	int (*prepare)(int argc, char **argv);
} cli_command;

/* Common options every command takes. */
extern const char *g_vault, *g_user, *g_password_file;
extern bool g_json, g_help;

/* Parse argv (after the command words) against cmd's options plus the common
 * ones; positional arguments are collected into args (the caller frees the
 * array, not the strings).  Prints usage errors.
 * Returns 0, EXIT_USAGE, or -1 when --help was printed (exit 0). */
int cli_parse(const cli_cmd *cmd, int argc, char **argv, char ***args, int *nargs);
/* Parse one common option (--vault, --user, --password-file, --help) at
 * argv[*i], as given before the command; advances *i past its value.
 * Returns 1 if it was one, 0 if not, EXIT_USAGE (printed) on a missing value. */
int cli_parse_common(int argc, char **argv, int *i);
void cli_help(const cli_cmd *cmd);
/* The common options' table (for the man pages). */
extern const cli_opt cli_common_opts[];

/* Man pages in roff from the same tables as --help (cli_man.c). */
void cli_man_main(FILE *f, const cli_command *table, const char *version);
void cli_man_command(FILE *f, const cli_command *c, const char *version);

/* Print "custody: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the library's last error and return the exit code for rc. */
int cli_fail(int rc);
int cli_exit_code(int rc);

/* Read a password: from `file`, else $CUSTODY_PASSWORD_FILE, else a no-echo
 * prompt on the terminal (twice when confirm).  Caller wipes the buffer. */
int cli_read_password(const char *file, const char *prompt, bool confirm, cy_buf *out);

/* Open the vault given by --vault / $CUSTODY_VAULT as --user / $CUSTODY_USER
 * (the dispatcher does this for NEEDS_UNLOCK commands). */
int cli_open(cy_vault **out);
const char *cli_vault_dir(void);
const char *cli_user(void);
/* True if the vault directory holds a vault (its marker file, see
 * docs/internals/vault.md); else prints how to make or name one. */
bool cli_vault_present(void);

/* Progress on stderr when it is a terminal (nothing when piped), with an
 * estimate of the time left.  The callback always runs (the bar is drawn
 * only when on) and returns non-zero once Ctrl-C was pressed, which makes
 * the library stop at the next file with CY_ECANCELLED. */
typedef struct cli_progress {
	bool on;
	double start, last;
	const char *label;
	uint64_t files_done, files_total; /* as last reported */
} cli_progress;
void cli_progress_init(cli_progress *p, const char *label);
int cli_progress_cb(void *arg, const cy_progress *pr);
void cli_progress_done(cli_progress *p);

/* Ctrl-C (SIGINT) during a long command: the first press asks to stop at the
 * next file (cli_cancelled() turns true); a second one ends the process at
 * once (the vault is crash-safe either way). */
void cli_cancel_install(void);
bool cli_cancelled(void);
/* A cy_data_sink (record.h) writing everything to fd, EINTR retried; stops
 * with CY_ECANCELLED once Ctrl-C was pressed.  what names fd in messages. */
typedef struct cli_fd_sink {
	int fd;
	const char *what;
} cli_fd_sink;
int cli_write_fd(void *arg, const void *data, size_t n);
/* Exit code of a command stopped by Ctrl-C (128 + SIGINT, as shells do). */
#define EXIT_CANCELLED 130

/* Class, status and role values (stable English in the library and in JSON)
 * as the user reads them: translated (zh_CN: 客户, 在库, 档案管理员, ...).
 * kind is "class", "status" or "role"; unknown values come back unchanged. */
const char *cli_value(const char *kind, const char *value);
/* Print s padded with spaces to `width` terminal columns (CJK characters
 * take two), for table columns that hold translated values. */
void cli_put_padded(FILE *f, const char *s, int width);

/* --year and --org as the import commands take them: 0 (*year 0 when s is
 * NULL), or EXIT_USAGE after saying what is wrong. */
int cli_opt_year(const char *s, int *year);
int cli_opt_org(const char *s);

/* Human-readable byte counts ("1.5 MiB"). */
void cli_bytes(uint64_t n, char out[32]);
double cli_now(void);

/* Write a JSON line (buffer content plus '\n') to stdout. */
void cli_json_line(cy_buf *b);

/* Print a string from outside (the catalog, a file name, a title) through
 * the one sanitiser, cy_text_safe: controls, C1 and bidi controls and bytes
 * that are not UTF-8 shown escaped (\x1b, \u202e), so a name can neither
 * break lines nor steer the terminal nor reorder what is shown.  lines:
 * keep '\n' (a field that may span lines). */
void cli_put_text(FILE *f, const char *s, bool lines);
void cli_put_safe(FILE *f, const char *s); /* one line */
/* The same for a printf argument: s itself when it is safe, else its
 * escaped form in one of 16 buffers used in turn (valid until 16 more
 * calls; wiped at exit). */
const char *cli_safe(const char *s);

/* An archive number as the user typed it, in its DA/T 22 form (a '.' or '-'
 * for the middle dot, lower case; cy_archive_no_normalize).  Prints the
 * problem and returns EXIT_USAGE if it cannot be one. */
int cli_archive_no(const char *typed, char out[64]);
/* Report a failed look-up of archive_no: the library's message, and for a
 * record that is not found the nearest numbers the caller may see.
 * Returns the exit code. */
int cli_fail_record(cy_vault *v, const char *archive_no, int rc);

/* Append a record as one JSON object (cmd_ls.c). */
void cli_record_json(cy_buf *b, const cy_record_info *r);

#endif
