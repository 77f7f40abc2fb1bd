/* cli_common.c - option parsing, passwords, messages, progress (see cli.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "cli.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/banned.h"

const char *g_vault, *g_user, *g_password_file;
bool g_json, g_help;

const cli_opt cli_common_opts[] = {
	{"vault", OPT_STRING, "DIR",
	 N_("the vault directory (default: $CUSTODY_VAULT, else ./custody-vault)"), &g_vault},
	{"user", OPT_STRING, "NAME", N_("the user to act as (default: $CUSTODY_USER)"), &g_user},
	{"password-file", OPT_STRING, "FILE",
	 N_("read the password from FILE (default: $CUSTODY_PASSWORD_FILE, else ask)"),
	 &g_password_file},
	{"help", OPT_FLAG, NULL, N_("show this help"), &g_help},
	{NULL, 0, NULL, NULL, NULL},
};

void cli_error(const char *fmt, ...)
{
	va_list ap;
	char small[1024], *msg = small;
	int n;

	/* the arguments may hold names from the catalog or the file system:
	 * the whole message goes through the sanitiser (new lines kept) */
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(small) && (msg = malloc((size_t)n + 1))) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
	} else if (n >= (int)sizeof(small) || n < 0) {
		msg = small;
	}
	fputs("custody: ", stderr);
	cli_put_text(stderr, msg, true);
	fputc('\n', stderr);
	if (msg != small)
		free(msg);
}

int cli_exit_code(int rc)
{
	switch (rc) {
	case 0:
		return EXIT_OK;
	case CY_EAUTH:
		return EXIT_AUTH;
	case CY_ENOTFOUND:
		return EXIT_NOTFOUND;
	case CY_ECORRUPT:
		return EXIT_INTEGRITY;
	case CY_EPERM:
		return EXIT_PERM;
	case CY_EINVALID:
		return EXIT_ERR;
	default:
		return EXIT_ERR;
	}
}

int cli_fail(int rc)
{
	const char *m = cy_error_message();

	if (rc == CY_EBUSY && !*m)
		m = _("the vault is busy (another custody is writing); try again");
	cli_error("%s", *m ? m : cy_error_name(rc));
	return cli_exit_code(rc);
}

int cli_archive_no(const char *typed, char out[64])
{
	int rc = cy_archive_no_normalize(typed, out, 64);

	if (rc) {
		cli_fail(rc);
		return EXIT_USAGE;
	}
	return 0;
}

int cli_fail_record(cy_vault *v, const char *archive_no, int rc)
{
	char near[3][64];
	int n, code = cli_fail(rc);

	if (rc != CY_ENOTFOUND || (n = cy_record_suggest(v, archive_no, near, 3)) <= 0)
		return code;
	fprintf(stderr, "%s",
		ngettext("custody: the nearest number you may see:",
			 "custody: the nearest numbers you may see:", (unsigned long)n));
	for (int i = 0; i < n; i++) {
		fputs(i ? ", " : " ", stderr);
		cli_put_safe(stderr, near[i]);
	}
	fputc('\n', stderr);
	return code;
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
		snprintf(left, sizeof(left), "--%s%s%s", t->name, t->arg ? " " : "",
			 t->arg ? t->arg : "");
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
	print_opts(cli_common_opts);
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

/* The arrays of repeated options, freed at exit whether or not the command ran. */
static cli_list *g_lists[32];
static size_t g_nlists;

static void free_lists(void)
{
	for (size_t i = 0; i < g_nlists; i++) {
		free(g_lists[i]->v);
		g_lists[i]->v = NULL;
		g_lists[i]->n = 0;
	}
}

static void keep_list(cli_list *l)
{
	if (!g_nlists)
		atexit(free_lists);
	if (g_nlists < sizeof(g_lists) / sizeof(g_lists[0]))
		g_lists[g_nlists++] = l;
}

/* "-o", "-r", "-i" as "--output", "--recipient", "--identity", for a command
 * that has the long option (age's own tools spell them so); else NULL. */
static const char *short_alias(const cli_cmd *cmd, const char *a)
{
	static const char *const longs[] = {"--output", "--recipient", "--identity"};

	for (size_t k = 0; k < sizeof(longs) / sizeof(longs[0]); k++)
		if (a[0] == '-' && a[1] == longs[k][2] && !a[2] &&
		    find_opt(cmd->opts, longs[k] + 2, strlen(longs[k] + 2)))
			return longs[k];
	return NULL;
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
		if (!only_pos && short_alias(cmd, a))
			a = short_alias(cmd, a);
		if (!only_pos && a[0] == '-' && a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t n = eq ? (size_t)(eq - name) : strlen(name);
			const cli_opt *o = find_opt(cmd->opts, name, n);
			if (!o)
				o = find_opt(cli_common_opts, name, n);
			if (!o) {
				char cname[64];
				cmd_name(cmd, cname, sizeof(cname));
				cli_error(_("unknown option '--%.*s' (see '%s --help')"), (int)n,
					  name, cname);
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
					cli_error(_("option '--%s' needs a value (%s)"), o->name,
						  o->arg);
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
					if (!l->v)
						keep_list(l);
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

int cli_parse_common(int argc, char **argv, int *i)
{
	const char *a = argv[*i], *name, *eq;
	const cli_opt *o;
	size_t n;

	if (!strcmp(a, "-h"))
		a = "--help";
	if (a[0] != '-' || a[1] != '-' || !a[2])
		return 0;
	name = a + 2;
	eq = strchr(name, '=');
	n = eq ? (size_t)(eq - name) : strlen(name);
	if (!(o = find_opt(cli_common_opts, name, n)))
		return 0;
	if (o->kind == OPT_FLAG) {
		if (eq) {
			cli_error(_("option '--%s' takes no value"), o->name);
			return EXIT_USAGE;
		}
		*(bool *)o->dest = true;
		return 1;
	}
	if (!eq && *i + 1 >= argc) {
		cli_error(_("option '--%s' needs a value (%s)"), o->name, o->arg);
		return EXIT_USAGE;
	}
	*(const char **)o->dest = eq ? eq + 1 : argv[++*i];
	return 1;
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

bool cli_vault_present(void)
{
	cy_buf marker = CY_BUF_INIT;
	bool ok;

	/* the marker file names a vault (docs/internals/vault.md) */
	cy_path_join(&marker, cli_vault_dir(), "CUSTODY-VAULT");
	ok = access(cy_buf_cstr(&marker), F_OK) == 0;
	cy_buf_release(&marker);
	if (!ok)
		cli_error(
			_("no vault at '%s': create one with 'custody init', or name it with --vault DIR "
			  "or CUSTODY_VAULT"),
			cli_vault_dir());
	return ok;
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
				return cy_error_set(CY_EINVALID, "password file '%s' is too large",
						    file);
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
		return cy_error_set(CY_EINVALID,
				    "no user given: use --user NAME or set CUSTODY_USER");
	snprintf(prompt, sizeof(prompt), _("Password for %s: "), user);
	rc = cli_read_password(g_password_file, prompt, false, &pw);
	if (!rc)
		rc = cy_vault_open(out, cli_vault_dir(), user, (const char *)pw.ptr, pw.len);
	cy_buf_wipe(&pw);
	if (!rc && cy_vault_failed_logins(*out)) {
		unsigned long long n = (unsigned long long)cy_vault_failed_logins(*out);
		fputs("custody: ", stderr);
		fprintf(stderr,
			ngettext("%llu failed log-in attempt since your last log-in\n",
				 "%llu failed log-in attempts since your last log-in\n",
				 (unsigned long)n),
			n);
	}
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
	memset(p, 0, sizeof(*p));
	p->on = isatty(2) && !getenv("CUSTODY_NO_PROGRESS");
	p->start = cli_now();
	p->label = label;
}

/* "1:02:03", "4:05" or "12s". */
static void duration(double s, char out[32])
{
	unsigned long t = s < 0 ? 0 : s > 359999 ? 359999 : (unsigned long)(s + 0.5);

	if (t >= 3600)
		snprintf(out, 32, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else if (t >= 60)
		snprintf(out, 32, "%lu:%02lu", t / 60, t % 60);
	else
		snprintf(out, 32, "%lus", t);
}

int cli_progress_cb(void *arg, const cy_progress *pr)
{
	cli_progress *p = arg;
	double now, el, pct;
	char done[32], rate[32], eta[32];
	int bar = 30, fill;

	p->files_done = pr->files_done;
	p->files_total = pr->files_total;
	if (cli_cancelled())
		return 1;
	if (!p->on)
		return 0;
	now = cli_now();
	if (now - p->last < 0.1 && pr->files_done < pr->files_total)
		return 0;
	p->last = now;
	el = now - p->start;
	pct = pr->bytes_total	? (double)pr->bytes_done / (double)pr->bytes_total
	      : pr->files_total ? (double)pr->files_done / (double)pr->files_total
				: 1.0;
	if (pct > 1)
		pct = 1;
	fill = (int)(pct * bar);
	cli_bytes(pr->bytes_done, done);
	cli_bytes(el > 0 ? (uint64_t)((double)pr->bytes_done / el) : 0, rate);
	/* the time left at the rate so far; none until there is a rate to go by */
	if (pct >= 1)
		duration(0, eta);
	else if (pct > 0 && el >= 1)
		duration(el * (1 - pct) / pct, eta);
	else
		snprintf(eta, sizeof(eta), "--");
	fprintf(stderr, "\r%s [", p->label);
	for (int i = 0; i < bar; i++)
		fputc(i < fill ? '#' : '.', stderr);
	fprintf(stderr, _("] %3d%%  %llu/%llu  %s  %s/s  ETA %s "), (int)(pct * 100),
		(unsigned long long)pr->files_done, (unsigned long long)pr->files_total, done, rate,
		eta);
	fputs("\033[K", stderr);
	fflush(stderr);
	return 0;
}

void cli_progress_done(cli_progress *p)
{
	if (p->on && p->last > 0)
		fputs("\n", stderr);
}

static volatile sig_atomic_t cancel_requested;

static void on_sigint(int sig)
{
	static const char msg[] = "\ncustody: stopping after the current file (Ctrl-C again to "
				  "stop at once)\n";

	(void)sig;
	if (cancel_requested) {
		signal(SIGINT, SIG_DFL);
		raise(SIGINT);
		return;
	}
	cancel_requested = 1;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		cancel_requested = 1;
}

void cli_cancel_install(void)
{
	struct sigaction sa, old;

	/* an ignored SIGINT (nohup, a background job of a script) stays ignored */
	if (sigaction(SIGINT, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
}

bool cli_cancelled(void)
{
	return cancel_requested != 0;
}

int cli_write_fd(void *arg, const void *data, size_t n)
{
	cli_fd_sink *s = arg;
	const char *c = data;

	if (cli_cancelled())
		return cy_error_set(CY_ECANCELLED, "stopped by Ctrl-C");
	while (n > 0) {
		ssize_t w = write(s->fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return cy_error_set_errno(cy_error_from_errno(errno), errno,
						  "cannot write to %s", s->what);
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The values the library and JSON keep in English, marked for translation
 * with their kind as context (a "customer" class is not a "customer" role). */
static const char *const VALUES[] = {
	NC_("class", "customer"),
	NC_("class", "contract"),
	NC_("class", "transaction"),
	NC_("class", "accounting"),
	NC_("class", "correspondence"),
	NC_("class", "other"),
	NC_("class", "unclassified"),
	NC_("class", "ledger"),
	NC_("class", "report"),
	/* records */
	NC_("status", "held"),
	NC_("status", "store-only"),
	NC_("status", "on hold"),
	NC_("status", "on-hold"),
	NC_("status", "transferred"),
	NC_("status", "destroyed"),
	/* fonds */
	NC_("status", "operating"),
	NC_("status", "transferring"),
	NC_("status", "deregistering"),
	NC_("status", "deregistered"),
	NC_("status", "sold"),
	NC_("status", "merged"),
	NC_("status", "split"),
	NC_("status", "dissolved"),
	NC_("role", "sysadmin"),
	NC_("role", "secadmin"),
	NC_("role", "auditor"),
	NC_("role", "archivist"),
	NC_("role", "viewer"),
};

const char *cli_value(const char *kind, const char *value)
{
	char key[96];
	const char *t;
	int n;

	if (!value)
		return "";
	n = snprintf(key, sizeof(key), "%s%c%s", kind, 4, value);
	if (n < 0 || (size_t)n >= sizeof(key))
		return value;
	/* only known values: a value from the catalog is not a message id */
	for (size_t i = 0; i < sizeof(VALUES) / sizeof(VALUES[0]); i++) {
		if (strcmp(VALUES[i], key))
			continue;
		t = gettext(VALUES[i]);
		return t == VALUES[i] || !strcmp(t, key) ? value : t;
	}
	return value;
}

void cli_put_padded(FILE *f, const char *s, int width)
{
	mbstate_t st;
	const char *p = s;
	int cols = 0;

	memset(&st, 0, sizeof(st));
	while (*p) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, p, strlen(p), &st);
		int w;
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof(st));
			k = 1;
			w = 1;
		} else {
			w = wcwidth(wc);
			if (w < 0)
				w = 1;
		}
		p += k;
		cols += w;
	}
	cli_put_safe(f, s);
	for (; cols < width; cols++)
		fputc(' ', f);
}

void cli_json_line(cy_buf *b)
{
	/* JSON escapes C0 controls already; what could still steer a terminal that
	 * shows the line (DEL, C1 controls, bidi controls) can only stand inside
	 * strings, where \uNNNN means the same character */
	if (!cy_text_is_safe((const char *)b->ptr, b->len)) {
		cy_buf esc = CY_BUF_INIT;
		cy_text_safe(&esc, (const char *)b->ptr, b->len, CY_TEXT_JSON);
		cy_buf_putc(&esc, '\n');
		fwrite(esc.ptr, 1, esc.len, stdout);
		cy_buf_wipe(&esc);
	} else {
		cy_buf_putc(b, '\n');
		fwrite(b->ptr, 1, b->len, stdout);
	}
	cy_buf_clear(b);
}

void cli_put_text(FILE *f, const char *s, bool lines)
{
	cy_buf b = CY_BUF_INIT;
	size_t n = s ? strlen(s) : 0;

	if (cy_text_is_safe(s, n)) {
		fwrite(s, 1, n, f);
		return;
	}
	if (cy_text_safe(&b, s, n, lines ? CY_TEXT_LINES : 0) == 0)
		fwrite(b.ptr, 1, b.len, f);
	cy_buf_wipe(&b); /* a title may name a person */
}

void cli_put_safe(FILE *f, const char *s)
{
	cli_put_text(f, s, false);
}

/* Buffers of cli_safe, in turn; wiped at exit (titles name people). */
#define SAFE_SLOTS 16
static cy_buf g_safe[SAFE_SLOTS];
static unsigned g_safe_next;

static void safe_release(void)
{
	for (int i = 0; i < SAFE_SLOTS; i++)
		cy_buf_wipe(&g_safe[i]);
}

const char *cli_safe(const char *s)
{
	cy_buf *b;
	size_t n = s ? strlen(s) : 0;

	if (!s)
		return "";
	if (cy_text_is_safe(s, n))
		return s;
	if (!g_safe_next)
		atexit(safe_release);
	b = &g_safe[g_safe_next++ % SAFE_SLOTS];
	if (!g_safe_next)
		g_safe_next = 1;
	cy_buf_wipe(b);
	if (cy_text_safe(b, s, n, 0) || !b->ptr)
		return "?";
	return cy_buf_cstr(b);
}

int cli_opt_year(const char *s, int *year)
{
	char *end;
	long y;

	*year = 0;
	if (!s)
		return 0;
	errno = 0;
	y = strtol(s, &end, 10);
	if (errno || end == s || *end || y < 1900 || y > 9999) {
		cli_error(_("--year must be a four-digit year"));
		return EXIT_USAGE;
	}
	*year = (int)y;
	return 0;
}

int cli_opt_org(const char *s)
{
	if (s && (!*s || strlen(s) > 3 ||
		  strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(s))) {
		cli_error(_("--org must be 1-3 upper-case letters or digits"));
		return EXIT_USAGE;
	}
	return 0;
}
