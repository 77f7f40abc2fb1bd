/* test_faultsim.c - allocation failure torture, as curl's torture mode does:
 * run a scenario once counting libcustody's allocations (K), then again for
 * each N in 1..K on a fresh copy of a prepared vault with the N-th allocation
 * failing.  Every run must end in success or in a clean failure (CY_ENOMEM,
 * with a message that says so), with no crash, sanitizer report, leak or
 * hang; and the vault, reopened with allocations working, must check clean,
 * its ledger must verify, and every committed record must read back byte for
 * byte.  Each run is a child process, so that a crash, a hang (alarm) or a
 * leak (LeakSanitizer at the child's exit) names its N.
 *
 * The binary is linked with --wrap for the allocation functions (see
 * tests/unit/meson.build and faultsim.h).  CY_TORTURE_STEP=1 in the
 * environment tests every N even when K is large (see run_torture);
 * CY_TORTURE_ONLY=N runs only that N; CY_FAULTSIM_TRACE=1 prints the stack of
 * each injected failure (sanitizer builds). */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "custody/subject.h"
#include "custody/custody.h"
#include "faultsim.h"
#include "testutil.h"

#define PW "torture horse battery"
#define NPRE 2 /* records of the earlier, committed batch */
#define NNEW 4 /* records the scenario imports in one batch */
#define MAXDATA (96 * 1024)

typedef struct fixture {
	char *dir;
	cy_buf prep; /* the prepared vault */
	cy_buf src;  /* files the scenario imports through prepare/add */
	char pre_no[NPRE][64];
	int64_t subject; /* catalog id of the prepared subject */
} fixture;

/* Deterministic contents of record i (0..NPRE+NNEW-1). */
static size_t record_data(int i, uint8_t *out)
{
	static const size_t len[NPRE + NNEW] = {300, 5000, 700, 1200, 70000, 90000};
	for (size_t k = 0; k < len[i]; k++)
		out[k] = (uint8_t)((k * 131 + (size_t)i * 7 + (k >> 8)) & 0xff);
	return len[i];
}

static const char *const TITLES[NPRE + NNEW] = {"earlier one",	"earlier two", "客户 王某",
						"contract two", "voucher.bin", "ledger.bin"};

/* a/b into out (cleared first) */
static int join(cy_buf *out, const char *a, const char *b)
{
	cy_buf_clear(out);
	return cy_buf_printf(out, "%s/%s", a, b);
}

static int write_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ssize_t w = fd < 0 ? -1 : write(fd, data, n);

	if (fd >= 0)
		close(fd);
	return w == (ssize_t)n ? 0 : CY_EIO;
}

/* ---- reading back ---- */

typedef struct sink {
	uint8_t *buf;
	size_t len, cap;
	int over;
} sink;

static int sink_put(void *arg, const void *data, size_t n)
{
	sink *s = arg;

	if (n > s->cap - s->len) {
		s->over = 1;
		return 0;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return 0;
}

/* 0 if record i reads back under no byte for byte; else an error code, with
 * a message in why. */
static int read_back(cy_vault *v, const char *no, int i, char *why, size_t whylen)
{
	static uint8_t want[MAXDATA], got[MAXDATA];
	size_t n = record_data(i, want);
	sink s = {got, 0, sizeof(got), 0};
	int rc = cy_record_get(v, no, sink_put, &s);

	if (rc) {
		snprintf(why, whylen, "get %s: %s (%d)", no, cy_error_message(), rc);
		return rc;
	}
	if (s.over || s.len != n || memcmp(want, got, n)) {
		cy_error_clear();
		snprintf(why, whylen, "get %s: %zu bytes read back differ from the %zu imported",
			 no, s.len, n);
		return CY_ECORRUPT;
	}
	return 0;
}

/* ---- the scenario ---- */

typedef struct outcome {
	int rc;		/* of the first step that failed */
	char msg[1024]; /* its message */
	int err_code;	/* cy_error_code() then */
	const char *step;
	int committed; /* the batch's commit returned 0 */
	char no[NNEW][64];
	char subject[CY_SUBJECT_ID_MAX];
	int subject_added;
	char why[512]; /* a step returned 0 but did the wrong thing */
} outcome;

static int fail_step(outcome *o, const char *step, int rc)
{
	o->rc = rc;
	o->step = step;
	o->err_code = cy_error_code();
	snprintf(o->msg, sizeof(o->msg), "%s", cy_error_message());
	return rc;
}

#define STEP(name, call)                                                                           \
	do {                                                                                       \
		if ((rc = (call)))                                                                 \
			return fail_step(o, name, rc);                                             \
	} while (0)

static int seen_subject(void *arg, const cy_subject_info *s)
{
	outcome *o = arg;

	if (!strcmp(s->id, o->subject))
		o->subject_added = 2;
	return 0;
}

static int import_batch(const fixture *fx, cy_vault *v, outcome *o)
{
	static uint8_t data[MAXDATA];
	cy_import *im = NULL;
	cy_import_outcome oc;
	cy_buf path = CY_BUF_INIT;
	int rc = 0, fd = -1;
	static const cy_kv fields[] = {{"row", "7"}};
	static const char *labels[] = {"pii"};

	if ((rc = cy_import_begin(v, "Z109", &im)))
		return fail_step(o, "import begin", rc);
	for (int i = 0; i < NNEW; i++) {
		int k = NPRE + i;
		cy_record_new r = {.klass = i % 2 ? CY_CLASS_CONTRACT : CY_CLASS_CUSTOMER,
				   .year = 2019 + i % 2,
				   .title = TITLES[k]};
		const char *step = i < 2 ? "record create" : "import add";
		if (i == 0) {
			r.subjects = &fx->subject;
			r.nsubjects = 1;
			r.fields = fields;
			r.nfields = 1;
			r.labels = labels;
			r.nlabels = 1;
			r.source_kind = CY_SOURCE_CSV;
			r.source_path = "customers.csv";
			r.source_line = 7;
			r.date = "2019-03-01";
		}
		if (i < 2) {
			cy_record_part parts[2] = {{"original", data, record_data(k, data), "csv"},
						   {"text", "text of it", 10, "text"}};
			rc = cy_record_create(im, &r, parts, i == 0 ? 2 : 1, &oc, o->no[i]);
		} else {
			cy_import_item *it = NULL;
			char name[16];
			snprintf(name, sizeof(name), "f%d.bin", i);
			if ((rc = join(&path, cy_buf_cstr(&fx->src), name))) {
				fail_step(o, "path join", rc);
				break;
			}
			if ((fd = open(cy_buf_cstr(&path), O_RDONLY)) < 0) {
				rc = cy_error_set(CY_EIO, "cannot open %s", cy_buf_cstr(&path));
				break;
			}
			r.source_kind = CY_SOURCE_FILE;
			r.source_path = name;
			rc = cy_import_prepare(im, fd, name, "binary", &it);
			if (rc)
				step = "import prepare";
			rc = rc ? rc : cy_import_add(im, it, &r, &oc, o->no[i]);
			cy_import_item_free(it);
			close(fd);
			fd = -1;
		}
		if (rc) {
			fail_step(o, step, rc);
			break;
		}
		if (oc != CY_IMPORTED) {
			snprintf(o->why, sizeof(o->why), "record %d: not imported (%d)", i,
				 (int)oc);
			break;
		}
	}
	if (!rc && !*o->why) {
		if ((rc = cy_import_commit(im)))
			fail_step(o, "import commit", rc);
		else
			o->committed = 1;
	}
	cy_import_free(im);
	cy_buf_release(&path);
	return rc;
}

/* Open, import, read back, amend, add and find a subject.  Returns the code
 * of the first failing step (0 if all succeed); o says which. */
static int scenario(const fixture *fx, const char *vault, outcome *o)
{
	cy_vault *v = NULL;
	int rc;

	if ((rc = cy_vault_open(&v, vault, "li", PW, strlen(PW))))
		return fail_step(o, "vault open", rc);
	if ((rc = import_batch(fx, v, o)) || *o->why)
		goto out;
	for (int i = 0; i < NNEW; i++) {
		cy_record_info info;
		if ((rc = read_back(v, o->no[i], NPRE + i, o->why, sizeof(o->why)))) {
			if (rc == CY_ECORRUPT && !cy_error_code())
				goto out; /* get said 0, the bytes differ */
			*o->why = 0;
			fail_step(o, "record get", rc);
			goto out;
		}
		memset(&info, 0, sizeof(info));
		if ((rc = cy_record_show(v, o->no[i], &info))) {
			cy_record_info_release(&info);
			fail_step(o, "record show", rc);
			goto out;
		}
		if (!info.title || strcmp(info.title, TITLES[NPRE + i]))
			snprintf(o->why, sizeof(o->why), "show %s: title '%s'", o->no[i],
				 info.title ? info.title : "(null)");
		cy_record_info_release(&info);
		if (*o->why)
			goto out;
	}
	{
		cy_record_amend a = {.year = 2021, .klass = -1, .title = "amended"};
		char moved[64];
		if ((rc = cy_record_amend_apply(v, o->no[1], &a, moved))) {
			fail_step(o, "record amend", rc);
			goto out;
		}
	}
	{
		static const char *phones[] = {"138 0013 8000"};
		cy_subject_fields f = {
			.kind = "person", .name = "李四", .phones = phones, .nphones = 1};
		if ((rc = cy_subject_add(v, "Z109", &f, o->subject))) {
			fail_step(o, "subject add", rc);
			goto out;
		}
		o->subject_added = 1;
		if ((rc = cy_subject_find(v, "Z109", "phone", "13800138000", CY_SUBJECT_NAMES,
					  seen_subject, o))) {
			fail_step(o, "subject find", rc);
			goto out;
		}
		if (o->subject_added != 2)
			snprintf(o->why, sizeof(o->why), "subject %s not found", o->subject);
	}
out:
	cy_vault_close(v);
	return rc;
}

/* ---- after the run: the vault is consistent ---- */

typedef struct counts {
	uint64_t problems, records;
	char first[256];
} counts;

static void on_problem(void *arg, const cy_check_problem *p)
{
	counts *c = arg;

	if (!c->problems++)
		snprintf(c->first, sizeof(c->first), "%s: %s", p->archive_no ? p->archive_no : "-",
			 p->problem);
}

static int count_record(void *arg, const cy_record_info *r)
{
	(void)r;
	((counts *)arg)->records++;
	return 0;
}

static int count_subject(void *arg, const cy_subject_info *s)
{
	(void)s;
	(*(int *)arg)++;
	return 0;
}

/* 0 if the vault is consistent with what the run reported; else a message. */
static int verify(const fixture *fx, const char *vault, const outcome *o, char *why, size_t whylen)
{
	cy_vault *v = NULL;
	counts c = {0};
	cy_check_stats st;
	uint64_t bad = 0, entries, cps;
	int rc, hits = 0;

	if ((rc = cy_vault_open(&v, vault, "li", PW, strlen(PW)))) {
		snprintf(why, whylen, "reopen: %s (%d)", cy_error_message(), rc);
		return rc;
	}
	if ((rc = cy_vault_check(v, on_problem, NULL, &c, NULL, NULL, &st)) || c.problems) {
		snprintf(why, whylen, "check: %d, %llu problems, first: %s", rc,
			 (unsigned long long)c.problems, c.first);
		rc = rc ? rc : CY_ECORRUPT;
		goto out;
	}
	if ((rc = cy_log_verify(v, &bad, &entries, &cps))) {
		snprintf(why, whylen, "log verify: entry %llu: %s (%d)", (unsigned long long)bad,
			 cy_error_message(), rc);
		goto out;
	}
	for (int i = 0; i < NPRE; i++)
		if ((rc = read_back(v, fx->pre_no[i], i, why, whylen)))
			goto out;
	if (o->committed)
		for (int i = 0; i < NNEW; i++)
			if ((rc = read_back(v, o->no[i], NPRE + i, why, whylen)))
				goto out;
	/* the batch is one transaction: all of it or none */
	if ((rc = cy_record_list(v, "Z109", count_record, &c))) {
		snprintf(why, whylen, "record list: %s (%d)", cy_error_message(), rc);
		goto out;
	}
	if (c.records != NPRE + NNEW && (o->committed || c.records != NPRE)) {
		snprintf(why, whylen, "%llu records after a batch that %s",
			 (unsigned long long)c.records, o->committed ? "committed" : "failed");
		rc = CY_ECORRUPT;
		goto out;
	}
	if (o->subject_added) {
		if ((rc = cy_subject_find(v, "Z109", "name", "李四", 0, count_subject, &hits)) ||
		    hits != 1) {
			snprintf(why, whylen, "added subject: find gives %d, %d hits", rc, hits);
			rc = rc ? rc : CY_ECORRUPT;
			goto out;
		}
	}
out:
	cy_vault_close(v);
	return rc;
}

/* ---- the prepared vault ---- */

static int prepare(fixture *f)
{
	static uint8_t data[MAXDATA];
	cy_buf rec = CY_BUF_INIT, p = CY_BUF_INIT;
	cy_vault *v = NULL;
	cy_import *im = NULL;
	cy_import_outcome oc;
	char sid[CY_SUBJECT_ID_MAX], fonds[8];
	int rc;

	if (join(&f->prep, f->dir, "prep") || join(&f->src, f->dir, "src"))
		return CY_ENOMEM;
	if (mkdir(cy_buf_cstr(&f->src), 0700))
		return CY_EIO;
	for (int i = 2; i < NNEW; i++) {
		char name[16];
		size_t n = record_data(NPRE + i, data);
		snprintf(name, sizeof(name), "f%d.bin", i);
		if ((rc = join(&p, cy_buf_cstr(&f->src), name)) ||
		    (rc = write_file(cy_buf_cstr(&p), data, n)))
			goto out;
	}
	if ((rc = cy_vault_init(cy_buf_cstr(&f->prep), "sec", PW, strlen(PW), 10, &rec)))
		goto out;
	if ((rc = cy_vault_open(&v, cy_buf_cstr(&f->prep), "sec", PW, strlen(PW))) ||
	    (rc = cy_user_add(v, "li", CY_ROLE_ARCHIVIST, PW, strlen(PW))))
		goto out;
	cy_vault_close(v);
	v = NULL;
	{
		cy_subject_fields sf = {.kind = "person",
					.name = "王某",
					.id_type = "resident-id",
					.id_number = "11010519491231002X"};
		if ((rc = cy_vault_open(&v, cy_buf_cstr(&f->prep), "li", PW, strlen(PW))) ||
		    (rc = cy_fonds_add(v, "Z109", "Test Co", NULL)) ||
		    (rc = cy_subject_add(v, "Z109", &sf, sid)) ||
		    (rc = cy_subject_id_parse(sid, fonds, &f->subject)))
			goto out;
	}
	/* the display number is the row id in a fresh fonds */
	if ((rc = cy_import_begin(v, "Z109", &im)))
		goto out;
	for (int i = 0; i < NPRE; i++) {
		cy_record_new r = {.klass = CY_CLASS_ACCOUNTING, .year = 2018, .title = TITLES[i]};
		cy_record_part part = {"original", data, record_data(i, data), NULL};
		if ((rc = cy_record_create(im, &r, &part, 1, &oc, f->pre_no[i])))
			goto out;
	}
	rc = cy_import_commit(im);
out:
	if (rc)
		fprintf(stderr, "# prepare: %s\n", cy_error_message());
	cy_import_free(im);
	cy_vault_close(v);
	cy_buf_wipe(&rec);
	cy_buf_release(&p);
	return rc;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (!f || !(f->dir = tu_tmpdir()))
		return -1;
	*state = f;
	return prepare(f) ? -1 : 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	cy_buf_release(&f->prep);
	cy_buf_release(&f->src);
	free(f);
	return 0;
}

/* ---- the runs ---- */

static int copy_vault(const fixture *f, const char *dst)
{
	char cmd[4096];

	tu_rmrf(dst);
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", cy_buf_cstr(&f->prep), dst);
	return system(cmd) == 0 ? 0 : CY_EIO;
}

static const int SIGS[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
#define NSIGS (sizeof(SIGS) / sizeof(SIGS[0]))
static struct sigaction saved_sig[NSIGS];

/* In the child: run the scenario with allocation n failing (0: none) and
 * judge the outcome; the exit status says whether it was right. */
static void child(const fixture *f, const char *vault, uint64_t n, bool persistent)
{
	outcome o;
	char why[512] = "";
	uint64_t failed;
	int rc, soft = 0;

	/* cmocka's handlers would jump back into the runner inside this child:
	 * put back what was there before main (AddressSanitizer's, or none) */
	for (size_t i = 0; i < NSIGS; i++)
		sigaction(SIGS[i], &saved_sig[i], NULL);
	alarm(60); /* a hang is a failure too */
	memset(&o, 0, sizeof(o));
	cy_error_clear();
	faultsim_fail_at(n, persistent);
	rc = scenario(f, vault, &o);
	failed = faultsim_failed();
	faultsim_off();
	if (*o.why) {
		fprintf(stderr, "# N=%llu: wrong result: %s\n", (unsigned long long)n, o.why);
		exit(1);
	}
	if (rc > 0 || (rc && !failed)) {
		fprintf(stderr, "# N=%llu: %s: returned %d with no allocation failed: '%s'\n",
			(unsigned long long)n, o.step, rc, o.msg);
		exit(1);
	}
	if (rc && (rc != CY_ENOMEM || o.err_code != rc || !strstr(o.msg, "memory"))) {
		/* a clean failure, but not said as what it was */
		fprintf(stderr, "# N=%llu: %s: wrong error: %d, last error %d '%s'\n",
			(unsigned long long)n, o.step, rc, o.err_code, o.msg);
		soft = 1;
	}
	if ((rc = verify(f, vault, &o, why, sizeof(why)))) {
		fprintf(stderr, "# N=%llu (%s: '%s'): vault inconsistent: %s\n",
			(unsigned long long)n, o.step ? o.step : "success", o.msg, why);
		exit(1);
	}
	exit(soft ? 3 : 0); /* not _exit: LeakSanitizer checks at exit */
}

/* One run in a child on a fresh copy; 0 if it went right, 1 if the only
 * fault was a wrong error code or message, -1 for anything worse. */
static int run_one(const fixture *f, const char *vault, uint64_t n, bool persistent)
{
	pid_t pid;
	int status;

	if (copy_vault(f, vault))
		return -1;
	fflush(NULL);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0)
		child(f, vault, n, persistent);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "# N=%llu%s: killed by signal %d%s\n", (unsigned long long)n,
			persistent ? " (persistent)" : "", WTERMSIG(status),
			WTERMSIG(status) == SIGALRM ? " (hang)" : "");
		return -1;
	}
	if (WEXITSTATUS(status) == 3)
		return 1;
	if (WEXITSTATUS(status))
		fprintf(stderr, "# N=%llu%s: exit status %d\n", (unsigned long long)n,
			persistent ? " (persistent)" : "", WEXITSTATUS(status));
	return WEXITSTATUS(status) ? -1 : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every N up to dense, then every step-th (step chosen so that about
 * sparse more runs cover the rest), and always K itself: the whole test
 * stays under a minute on a loaded 2-core machine.  CY_TORTURE_STEP=1 runs
 * every N (a few minutes). */
static void run_torture(void **state, bool persistent, uint64_t dense, uint64_t sparse)
{
	fixture *f = *state;
	cy_buf vault = CY_BUF_INIT;
	outcome o;
	char why[512] = "";
	uint64_t k, step = 1, runs = 0, bad = 0, soft = 0;
	const char *all = getenv("CY_TORTURE_STEP"), *only = getenv("CY_TORTURE_ONLY");
	double t0 = now_s();

	assert_true(faultsim_linked());
	assert_int_equal(join(&vault, f->dir, "run"), 0);
	/* counting: the scenario succeeds, and K allocations are made */
	assert_int_equal(copy_vault(f, cy_buf_cstr(&vault)), 0);
	memset(&o, 0, sizeof(o));
	faultsim_count();
	int rc = scenario(f, cy_buf_cstr(&vault), &o);
	k = faultsim_calls();
	faultsim_off();
	if (rc || *o.why)
		fail_msg("scenario without faults: %s: %s %s", o.step, o.msg, o.why);
	if (verify(f, cy_buf_cstr(&vault), &o, why, sizeof(why)))
		fail_msg("scenario without faults: %s", why);
	assert_true(k > 100); /* the wraps do see libcustody's allocations */
	if (only && *only) {
		/* one N alone (CY_TORTURE_ONLY=N), for a debugger */
		uint64_t n = strtoull(only, NULL, 10);
		bad = run_one(f, cy_buf_cstr(&vault), n, persistent) ? 1 : 0;
		cy_buf_release(&vault);
		assert_int_equal(bad, 0);
		return;
	}
	if (all && *all)
		step = strtoull(all, NULL, 10);
	else if (k > dense)
		step = (k - dense + sparse - 1) / sparse;
	if (!step)
		step = 1;
	/* every N to dense, then every step-th, and K itself last, once (the old loop ran
	 * K forever when K was not a multiple of step past dense) */
	for (uint64_t n = 1, next; n <= k; n = next) {
		int r;
		runs++;
		r = run_one(f, cy_buf_cstr(&vault), n, persistent);
		bad += r < 0;
		soft += r > 0;
		if (n == k)
			break;
		next = n < dense ? n + 1 : n + step;
		if (next > k)
			next = k;
	}
	fprintf(stderr,
		"# %s: K=%llu allocations; %llu runs (every N to %d, then every %llu, and "
		"K); %llu failed; %llu of them only by a wrong error code or message; %.1f s\n",
		persistent ? "persistent" : "one failure", (unsigned long long)k,
		(unsigned long long)runs, (int)dense, (unsigned long long)step,
		(unsigned long long)(bad + soft), (unsigned long long)soft, now_s() - t0);
	cy_buf_release(&vault);
	assert_int_equal(bad + soft, 0);
}

/* The N-th allocation fails, the rest succeed (curl's torture mode). */
static void test_faultsim_torture(void **state)
{
	run_torture(state, false, 150, 120);
}

/* The N-th and every later allocation fail (SQLite's persistent faultsim):
 * the cleanup paths must not need memory. */
static void test_faultsim_torture_persistent(void **state)
{
	run_torture(state, true, 50, 70);
}

/* The shim itself: counts, fails the chosen call, goes back to normal. */
static void test_faultsim_shim(void **state)
{
	void *p[4];

	(void)state;
	assert_true(faultsim_linked());
	faultsim_fail_at(3, false);
	p[0] = malloc(8);
	p[1] = calloc(2, 8);
	p[2] = strdup("x");
	p[3] = realloc(p[0], 64);
	assert_non_null(p[0]);
	assert_non_null(p[1]);
	assert_null(p[2]);
	assert_non_null(p[3]);
	assert_int_equal(faultsim_calls(), 4);
	assert_int_equal(faultsim_failed(), 1);
	free(p[1]);
	free(p[3]);
	faultsim_fail_at(2, true);
	p[0] = malloc(8);
	p[1] = strndup("abc", 2);
	p[2] = malloc(8);
	assert_non_null(p[0]);
	assert_null(p[1]);
	assert_null(p[2]);
	assert_int_equal(faultsim_failed(), 2);
	free(p[0]);
	faultsim_off();
	p[0] = malloc(8);
	assert_non_null(p[0]);
	assert_int_equal(faultsim_calls(), 0);
	free(p[0]);
	/* a failed allocation inside libcustody comes back as CY_ENOMEM */
	cy_buf b = CY_BUF_INIT;
	faultsim_fail_at(1, false);
	assert_int_equal(cy_buf_put(&b, "abc", 3), CY_ENOMEM);
	faultsim_off();
	assert_int_equal(faultsim_failed(), 0);
	cy_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faultsim_shim),
		cmocka_unit_test_setup_teardown(test_faultsim_torture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faultsim_torture_persistent, setup, teardown),
	};
	for (size_t i = 0; i < NSIGS; i++)
		sigaction(SIGS[i], NULL, &saved_sig[i]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
