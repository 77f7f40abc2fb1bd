/* cli_common.c - option parsing, passwords, messages, progress (see cli.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "custody/error.h"
#include "custody/fsutil.h"
#include "base/banned.h"

const char *g_vault, *g_user, *g_password_file;
bool g_json, g_help;

static const cli_opt COMMON[] = {
	{"vault", OPT_STRING, "DIR", N_("the vault directory (default: $CUSTODY_VAULT, else ./custody-vault)"), &g_vault},
	{"user", OPT_STRING, "NAME", N_("the user to act as (default: $CUSTODY_USER)"), &g_user},
	{"password-file", OPT_STRING, "FILE", N_("read the password from FILE (default: $CUSTODY_PASSWORD_FILE, else ask)"), &g_password_file},
	{"help", OPT_FLAG, NULL, N_("show this help"), &g_help},
	{NULL, 0, NULL, NULL, NULL},
};

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("custody: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_exit_code(int rc)
{
	switch (rc) {
	case 0: return EXIT_OK;
	case CY_EAUTH: return EXIT_AUTH;
	case CY_ENOTFOUND: return EXIT_NOTFOUND;
	case CY_ECORRUPT: return EXIT_INTEGRITY;
	case CY_EPERM: return EXIT_PERM;
	case CY_EINVALID: return EXIT_ERR;
	default: return EXIT_ERR;
	}
}

int cli_fail(int rc)
{
	const char *m = cy_error_message();

	cli_error("%s", *m ? m : cy_error_name(rc));
	return cli_exit_code(rc);
}

static const cli_opt *find_opt(const cli_opt *t, const char *name, size_t n)
{
	for (; t && t->name; t++)
		if (strlen(t->name) == n && !strncmp(t->name, name, n))
			return t;
	return NULL;
}

static void print_opts(const cli_opt *t)
{
	for (; t && t->name; t++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s%s%s", t->name, t->arg ? " " : "", t->arg ? t->arg : "");
		fprintf(stdout, "  %-26s %s\n", left, _(t->help));
	}
}

void cli_help(const cli_cmd *cmd)
{
	printf(_("usage: %s\n\n"), cmd->usage);
	printf("%s\n", _(cmd->summary));
	if (cmd->details)
		printf("\n%s\n", _(cmd->details));
	printf(_("\noptions:\n"));
	print_opts(cmd->opts);
	print_opts(COMMON);
}

/* "custody user add" from "custody user add NAME --role ROLE ...". */
static void cmd_name(const cli_cmd *cmd, char *out, size_t n)
{
	size_t k = 0;

	for (const char *p = cmd->usage; *p && k + 1 < n; p++) {
		if (*p == ' ' && !(p[1] >= 'a' && p[1] <= 'z'))
			break;
		out[k++] = *p;
	}
	out[k] = 0;
}

int cli_parse(const cli_cmd *cmd, int argc, char **argv, char ***args, int *nargs)
{
	char cname0[64];
	char **pos = calloc((size_t)argc + 1, sizeof(*pos));
	int np = 0, only_pos = 0;

	if (!pos)
		return EXIT_ERR;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!only_pos && !strcmp(a, "--")) {
			only_pos = 1;
			continue;
		}
		if (!only_pos && (!strcmp(a, "-h")))
			a = "--help";
		if (!only_pos && a[0] == '-' && a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t n = eq ? (size_t)(eq - name) : strlen(name);
			const cli_opt *o = find_opt(cmd->opts, name, n);
			if (!o)
				o = find_opt(COMMON, name, n);
			if (!o) {
				char cname[64];
				cmd_name(cmd, cname, sizeof(cname));
				cli_error(_("unknown option '--%.*s' (see '%s --help')"), (int)n, name,
					  cname);
				free(pos);
				return EXIT_USAGE;
			}
			if (o->kind == OPT_FLAG) {
				if (eq) {
					cli_error(_("option '--%s' takes no value"), o->name);
					free(pos);
					return EXIT_USAGE;
				}
				*(bool *)o->dest = true;
			} else {
				const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
				if (!val) {
					cli_error(_("option '--%s' needs a value (%s)"), o->name, o->arg);
					free(pos);
					return EXIT_USAGE;
				}
				if (o->kind == OPT_LIST) {
					cli_list *l = o->dest;
					const char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
					if (!nv) {
						free(pos);
						return EXIT_ERR;
					}
					nv[l->n++] = val;
					l->v = nv;
				} else {
					*(const char **)o->dest = val;
				}
			}
			continue;
		}
		if (!only_pos && a[0] == '-' && a[1] && a[1] != '-' && strcmp(a, "-") &&
		    strcmp(a, "-o")) {
			cmd_name(cmd, cname0, sizeof(cname0));
			cli_error(_("unknown option '%s' (see '%s --help')"), a, cname0);
			free(pos);
			return EXIT_USAGE;
		}
		if (!only_pos && !strcmp(a, "-o")) {
			const cli_opt *o = find_opt(cmd->opts, "output", 6);
			if (!o || i + 1 >= argc) {
				cli_error(_("option '-o' needs a file name"));
				free(pos);
				return EXIT_USAGE;
			}
			*(const char **)o->dest = argv[++i];
			continue;
		}
		pos[np++] = argv[i];
	}
	if (g_help) {
		cli_help(cmd);
		free(pos);
		return -1;
	}
	if (np < cmd->min_args || np > cmd->max_args) {
		cli_error(_("wrong number of arguments\nusage: %s"), cmd->usage);
		free(pos);
		return EXIT_USAGE;
	}
	*args = pos;
	*nargs = np;
	return 0;
}

const char *cli_vault_dir(void)
{
	const char *v = g_vault ? g_vault : getenv("CUSTODY_VAULT");

	return v && *v ? v : "custody-vault";
}

const char *cli_user(void)
{
	const char *u = g_user ? g_user : getenv("CUSTODY_USER");

	return u && *u ? u : NULL;
}

static int read_tty_line(const char *prompt, cy_buf *out)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	struct termios old, quiet;
	char c;
	int rc = 0;

	if (fd < 0)
		return cy_error_set(CY_EINVALID, "no password given and no terminal to ask on: use "
						 "--password-file or CUSTODY_PASSWORD_FILE");
	if (write(fd, prompt, strlen(prompt)) < 0) {
		close(fd);
		return cy_error_set(CY_EIO, "cannot write to the terminal");
	}
	tcgetattr(fd, &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO);
	quiet.c_lflag |= ICANON;
	tcsetattr(fd, TCSAFLUSH, &quiet);
	for (;;) {
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		cy_buf_putc(out, c);
	}
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		rc = 0;
	close(fd);
	return rc;
}

int cli_read_password(const char *file, const char *prompt, bool confirm, cy_buf *out)
{
	int rc, use_env = file == NULL;

	if (file && !*file)
		file = NULL; /* "": ask, never the environment */
	if (!file && use_env) {
		const char *env = getenv("CUSTODY_PASSWORD_FILE");
		if (env && *env)
			file = env;
	}
	cy_buf_clear(out);
	if (file) {
		if ((rc = cy_read_file(file, 4096, out))) {
			if (rc == CY_EINVALID)
				return cy_error_set(CY_EINVALID, "password file '%s' is too large", file);
			return cy_error_set(rc, "cannot read password file '%s': %s", file,
					    strerror(errno));
		}
		/* the password is the first line */
		for (size_t i = 0; i < out->len; i++) {
			if (out->ptr[i] == '\n' || out->ptr[i] == '\r') {
				memset(out->ptr + i, 0, out->len - i);
				out->len = i;
				break;
			}
		}
		if (out->len == 0)
			return cy_error_set(CY_EINVALID, "password file '%s' is empty", file);
		return 0;
	}
	if ((rc = read_tty_line(prompt, out)))
		return rc;
	if (confirm) {
		cy_buf again = CY_BUF_INIT;
		rc = read_tty_line(_("Repeat the password: "), &again);
		if (!rc && (again.len != out->len || memcmp(again.ptr, out->ptr, out->len)))
			rc = cy_error_set(CY_EINVALID, "the passwords do not match");
		cy_buf_wipe(&again);
	}
	return rc;
}

int cli_open(cy_vault **out)
{
	cy_buf pw = CY_BUF_INIT;
	char prompt[128];
	const char *user = cli_user();
	int rc;

	if (!user)
		return cy_error_set(CY_EINVALID, "no user given: use --user NAME or set CUSTODY_USER");
	snprintf(prompt, sizeof(prompt), _("Password for %s: "), user);
	rc = cli_read_password(g_password_file, prompt, false, &pw);
	if (!rc)
		rc = cy_vault_open(out, cli_vault_dir(), user, (const char *)pw.ptr, pw.len);
	cy_buf_wipe(&pw);
	return rc;
}

double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_bytes(uint64_t n, char out[32])
{
	const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double d = (double)n;
	int i = 0;

	while (d >= 1024 && i < 4) {
		d /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(out, 32, "%llu B", (unsigned long long)n);
	else
		snprintf(out, 32, "%.1f %s", d, u[i]);
}

void cli_progress_init(cli_progress *p, const char *label)
{
	p->on = isatty(2) && !getenv("CUSTODY_NO_PROGRESS");
	p->start = cli_now();
	p->last = 0;
	p->label = label;
}

void cli_progress_cb(void *arg, const cy_progress *pr)
{
	cli_progress *p = arg;
	double now, el, pct;
	char done[32], rate[32];
	int bar = 30, fill;

	if (!p->on)
		return;
	now = cli_now();
	if (now - p->last < 0.1 && pr->files_done < pr->files_total)
		return;
	p->last = now;
	el = now - p->start;
	pct = pr->bytes_total ? (double)pr->bytes_done / (double)pr->bytes_total
	      : pr->files_total ? (double)pr->files_done / (double)pr->files_total : 1.0;
	fill = (int)(pct * bar);
	cli_bytes(pr->bytes_done, done);
	cli_bytes(el > 0 ? (uint64_t)((double)pr->bytes_done / el) : 0, rate);
	fprintf(stderr, "\r%s [", p->label);
	for (int i = 0; i < bar; i++)
		fputc(i < fill ? '#' : '.', stderr);
	fprintf(stderr, "] %3d%%  %llu/%llu  %s  %s/s ", (int)(pct * 100),
		(unsigned long long)pr->files_done, (unsigned long long)pr->files_total, done, rate);
	fflush(stderr);
}

void cli_progress_done(cli_progress *p)
{
	if (p->on && p->last > 0)
		fputs("\n", stderr);
}

void cli_json_line(cy_buf *b)
{
	cy_buf_putc(b, '\n');
	fwrite(b->ptr, 1, b->len, stdout);
	cy_buf_clear(b);
}

void cli_put_safe(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}
