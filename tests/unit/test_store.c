/* test_store.c - packs over the store backends: write, finish, read back;
 * temporaries judged by their writer's lock; the fault injector (EIO,
 * ENOSPC, short writes) at the pack level and under a whole vault (import
 * and compaction): the vault stays as it was and the error says what
 * failed. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmocka.h>

#include "catalog/catalog.h"
#include "custody/buf.h"
#include "custody/error.h"
#include "base/fsutil.h"
#include "custody/custody.h"
#include "store/store.h"
#include "testutil.h"
#include "catalog/catalog_sql.h"
#include "vault/vault_internal.h"
#include "vault/vault_recsig.h"

static int collect(void *arg, const void *p, size_t n)
{
	return cy_buf_put(arg, p, n);
}

static int count_fn(void *arg, const char *name)
{
	(void)name;
	(*(int *)arg)++;
	return 0;
}

static int count_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_store_pack_roundtrip(void **state)
{
	char *dir = tu_tmpdir();
	cy_store *s;
	cy_pack *p;
	cy_buf out = CY_BUF_INIT, big = CY_BUF_INIT;
	char name[64];
	uint64_t size;
	int n = 0;

	(void)state;
	assert_int_equal(cy_store_open(&s, dir, 1), 0);
	assert_string_equal(cy_store_backend_of(s)->kind, "local");
	assert_int_equal(cy_pack_begin(s, &p), 0);
	snprintf(name, sizeof(name), "%s", cy_pack_name(p));
	assert_int_equal(strlen(name), 30);
	assert_true(cy_store_name_valid(name));
	assert_int_equal(cy_pack_write(p, "hello ", 6), 0);
	for (int i = 0; i < (3 << 20); i++)
		cy_buf_putc(&big, (char)i);
	assert_int_equal(cy_pack_write(p, big.ptr, big.len), 0);
	assert_int_equal(cy_pack_size(p), 6 + big.len);
	assert_int_equal(cy_pack_seal(p), 0);
	/* not visible before it is finished */
	assert_int_equal(cy_store_pack_stat(s, name, &size), CY_ENOTFOUND);
	assert_int_equal(cy_pack_finish(p), 0);
	assert_int_equal(cy_store_sync_dirs(s), 0);
	/* a finished pack takes no more bytes */
	assert_int_not_equal(cy_pack_write(p, big.ptr, big.len), 0);
	cy_pack_free(p);
	assert_int_equal(cy_store_pack_stat(s, name, &size), 0);
	assert_int_equal(size, 6 + big.len);
	assert_int_equal(cy_store_read(s, name, 0, 6, collect, &out), 0);
	assert_string_equal(cy_buf_cstr(&out), "hello ");
	cy_buf_clear(&out);
	assert_int_equal(cy_store_read(s, name, 6, big.len, collect, &out), 0);
	assert_int_equal(out.len, big.len);
	assert_memory_equal(out.ptr, big.ptr, big.len);
	/* reading past the end is an integrity failure, not garbage */
	assert_int_equal(cy_store_read(s, name, 6, big.len + 1, collect, &out), CY_ECORRUPT);
	assert_int_equal(cy_store_read(s, name, UINT64_MAX - 2, 8, collect, &out), CY_ECORRUPT);
	/* malformed names never reach the backend */
	assert_int_equal(cy_store_read(s, "../../etc/passwd", 0, 1, collect, &out), CY_ECORRUPT);
	assert_int_equal(cy_store_remove_pack(s, "../catalog.db"), CY_ECORRUPT);
	assert_int_equal(cy_store_pack_stat(s, "ABCDEF0123456789abcdef01234567", &size),
			 CY_ECORRUPT);
	assert_int_equal(cy_store_each_pack(s, count_fn, &n), 0);
	assert_int_equal(n, 1);
	/* discarding a finished pack removes it */
	assert_int_equal(cy_pack_begin(s, &p), 0);
	snprintf(name, sizeof(name), "%s", cy_pack_name(p));
	assert_int_equal(cy_pack_write(p, "x", 1), 0);
	assert_int_equal(cy_pack_finish(p), 0);
	assert_int_equal(cy_store_pack_stat(s, name, &size), 0);
	cy_pack_discard(p);
	assert_int_equal(cy_store_pack_stat(s, name, &size), CY_ENOTFOUND);
	cy_store_close(s);
	tu_rmrf(dir);
	free(dir);
	cy_buf_release(&out);
	cy_buf_release(&big);
}

/* Temporaries: one whose writer still holds its lock survives a clean;
 * one nobody holds is removed.  No process id is involved. */
static void test_store_tmp_locks(void **state)
{
	char *dir = tu_tmpdir();
	cy_store *s;
	cy_pack *p, *live;
	cy_buf tmp = CY_BUF_INIT, f = CY_BUF_INIT, g = CY_BUF_INIT;
	uint64_t size;
	int n = 0, fd;

	(void)state;
	assert_int_equal(cy_store_open(&s, dir, 1), 0);
	cy_buf_printf(&tmp, "%s/objects/tmp", dir);
	/* a dropped pack leaves nothing */
	assert_int_equal(cy_pack_begin(s, &p), 0);
	assert_int_equal(cy_pack_write(p, "x", 1), 0);
	assert_int_equal(count_dir(cy_buf_cstr(&tmp)), 1);
	cy_pack_discard(p);
	assert_int_equal(count_dir(cy_buf_cstr(&tmp)), 0);
	/* a pack still being written */
	assert_int_equal(cy_pack_begin(s, &live), 0);
	assert_int_equal(cy_pack_write(live, "live", 4), 0);
	/* one left by a writer that is gone (no lock), one under an old
	 * version's pid-name, and one whose writer (another open file: another
	 * process, as far as flock is concerned) still holds it */
	cy_buf_printf(&f, "%s/0123456789abcdef0123456789abcd.pack", cy_buf_cstr(&tmp));
	assert_int_equal(cy_write_file_excl(cy_buf_cstr(&f), "y", 1, 0600), 0);
	cy_buf_clear(&f);
	cy_buf_printf(&f, "%s/999999999-abc.pack", cy_buf_cstr(&tmp));
	assert_int_equal(cy_write_file_excl(cy_buf_cstr(&f), "y", 1, 0600), 0);
	cy_buf_printf(&g, "%s/fedcba9876543210fedcba98765432.pack", cy_buf_cstr(&tmp));
	assert_int_equal(cy_write_file_excl(cy_buf_cstr(&g), "z", 1, 0600), 0);
	fd = open(cy_buf_cstr(&g), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(count_dir(cy_buf_cstr(&tmp)), 4);
	cy_store_clean_tmp(s);
	assert_int_equal(count_dir(cy_buf_cstr(&tmp)), 2);
	assert_int_equal(access(cy_buf_cstr(&g), F_OK), 0);
	close(fd); /* its writer dies */
	cy_store_clean_tmp(s);
	assert_int_equal(count_dir(cy_buf_cstr(&tmp)), 1);
	/* the live writer was not disturbed */
	assert_int_equal(cy_pack_finish(live), 0);
	assert_int_equal(cy_store_pack_stat(s, cy_pack_name(live), &size), 0);
	assert_int_equal(size, 4);
	cy_pack_free(live);
	assert_int_equal(count_dir(cy_buf_cstr(&tmp)), 0);
	assert_int_equal(cy_store_each_pack(s, count_fn, &n), 0);
	assert_int_equal(n, 1);
	cy_store_close(s);
	tu_rmrf(dir);
	free(dir);
	cy_buf_release(&tmp);
	cy_buf_release(&f);
	cy_buf_release(&g);
}

static void test_store_fault_parse(void **state)
{
	cy_fault_cfg c;

	(void)state;
	assert_int_equal(cy_store_fault_parse("write:enospc:3", &c), 0);
	assert_int_equal(c.ops, CY_FAULT_WRITE);
	assert_int_equal(c.kind, CY_FAULT_ENOSPC);
	assert_int_equal(c.nth, 3);
	assert_int_equal(c.repeat, 0);
	assert_int_equal(cy_store_fault_parse("commit,sync:eio:1+", &c), 0);
	assert_int_equal(c.ops, CY_FAULT_COMMIT | CY_FAULT_SYNC);
	assert_int_equal(c.kind, CY_FAULT_EIO);
	assert_int_equal(c.repeat, 1);
	assert_int_equal(cy_store_fault_parse("write:short_only:1", &c), 0);
	assert_int_equal(c.kind, CY_FAULT_SHORT_ONLY);
	assert_int_equal(cy_store_fault_parse("write:enospc:0", &c), CY_EINVALID);
	assert_int_equal(cy_store_fault_parse("frobnicate:eio:1", &c), CY_EINVALID);
	assert_int_equal(cy_store_fault_parse("write:melt:1", &c), CY_EINVALID);
	assert_int_equal(cy_store_fault_parse("write:eio:1x", &c), CY_EINVALID);
	assert_int_equal(cy_store_fault_parse("", &c), CY_EINVALID);
}

/* Write 3 MiB (several backend writes) into a pack under a fault; returns
 * the first error of write, seal or finish. */
static int faulty_pack(cy_store *s, cy_store_backend *fb, const cy_fault_cfg *cfg, char name[31],
		       const cy_buf *big)
{
	cy_pack *p;
	int rc;

	cy_store_fault_set(fb, cfg);
	rc = cy_pack_begin(s, &p);
	if (rc)
		return rc;
	snprintf(name, 31, "%s", cy_pack_name(p));
	for (size_t off = 0; !rc && off < big->len; off += 4096)
		rc = cy_pack_write(p, big->ptr + off, 4096);
	rc = rc ? rc : cy_pack_seal(p);
	rc = rc ? rc : cy_pack_finish(p);
	rc = rc ? rc : cy_store_sync_dirs(s);
	if (rc)
		cy_pack_discard(p);
	else
		cy_pack_free(p);
	cy_store_fault_set(fb, NULL);
	return rc;
}

static void test_store_fault_pack(void **state)
{
	char *dir = tu_tmpdir();
	cy_store *s;
	cy_store_backend *fb;
	cy_buf big = CY_BUF_INIT, out = CY_BUF_INIT, tmp = CY_BUF_INIT;
	char name[31];
	uint64_t size;
	int n;
	static const struct {
		cy_fault_cfg cfg;
		int rc;
		const char *says;
	} CASES[] = {
		{{CY_FAULT_WRITE, CY_FAULT_ENOSPC, 1, 0}, CY_ENOSPC, "(disk full)"},
		{{CY_FAULT_WRITE, CY_FAULT_EIO, 2, 0}, CY_EIO, "cannot write object pack"},
		{{CY_FAULT_WRITE, CY_FAULT_SHORT, 2, 0}, CY_ENOSPC, "cannot write object pack"},
		{{CY_FAULT_COMMIT, CY_FAULT_EIO, 1, 0}, CY_EIO, "cannot sync object pack"},
		{{CY_FAULT_BEGIN, CY_FAULT_ENOSPC, 1, 1}, CY_ENOSPC, "cannot create object pack"},
		{{CY_FAULT_SYNC, CY_FAULT_EIO, 1, 0}, CY_EIO, "cannot sync the object store"},
	};

	(void)state;
	for (int i = 0; i < (3 << 20); i++)
		cy_buf_putc(&big, (char)(i * 7));
	assert_int_equal(cy_store_open(&s, dir, 1), 0);
	assert_int_equal(cy_store_fault_attach(s, &fb), 0);
	cy_buf_printf(&tmp, "%s/objects/tmp", dir);
	for (size_t c = 0; c < sizeof(CASES) / sizeof(CASES[0]); c++) {
		int rc = faulty_pack(s, fb, &CASES[c].cfg, name, &big);
		if (rc != CASES[c].rc || !strstr(cy_error_message(), CASES[c].says))
			print_error("case %zu: %d %s\n", c, rc, cy_error_message());
		assert_int_equal(rc, CASES[c].rc);
		assert_non_null(strstr(cy_error_message(), CASES[c].says));
		/* nothing is left, visible or temporary */
		assert_int_equal(cy_store_pack_stat(s, name, &size), CY_ENOTFOUND);
		assert_int_equal(count_dir(cy_buf_cstr(&tmp)), 0);
	}
	assert_int_equal(cy_store_fault_count(fb), sizeof(CASES) / sizeof(CASES[0]));
	/* a failed write is sticky: no later write can make a pack with a hole */
	{
		cy_fault_cfg c = {CY_FAULT_WRITE, CY_FAULT_EIO, 1, 0};
		cy_pack *p;
		cy_store_fault_set(fb, &c);
		assert_int_equal(cy_pack_begin(s, &p), 0);
		assert_int_equal(cy_pack_write(p, big.ptr, big.len), CY_EIO);
		cy_store_fault_set(fb, NULL);
		assert_int_equal(cy_pack_write(p, "x", 1), CY_EIO);
		assert_int_equal(cy_pack_finish(p), CY_EIO);
		cy_pack_discard(p);
	}
	/* short writes alone are no error: the pack layer loops */
	{
		cy_fault_cfg c = {CY_FAULT_WRITE, CY_FAULT_SHORT_ONLY, 1, 0};
		uint64_t before = cy_store_fault_count(fb);
		assert_int_equal(faulty_pack(s, fb, &c, name, &big), 0);
		assert_true(cy_store_fault_count(fb) > before + 10);
		assert_int_equal(cy_store_read(s, name, 0, big.len, collect, &out), 0);
		assert_int_equal(out.len, big.len);
		assert_memory_equal(out.ptr, big.ptr, big.len);
	}
	/* a read fault is an error, not short data */
	{
		cy_fault_cfg c = {CY_FAULT_READ, CY_FAULT_EIO, 1, 0};
		cy_store_fault_set(fb, &c);
		cy_buf_clear(&out);
		assert_int_equal(cy_store_read(s, name, 0, 10, collect, &out), CY_EIO);
		assert_int_equal(out.len, 0);
		cy_store_fault_set(fb, NULL);
	}
	n = 0;
	assert_int_equal(cy_store_each_pack(s, count_fn, &n), 0);
	assert_int_equal(n, 1);
	cy_store_close(s);
	tu_rmrf(dir);
	free(dir);
	cy_buf_release(&big);
	cy_buf_release(&out);
	cy_buf_release(&tmp);
}

/* ---- a whole vault on the fault injector ---- */

#define PW "correct horse"
#define PW2 "battery staple"
#define NBASE 4

typedef struct fixture {
	char *dir;
	cy_buf vault, src;
	char nos[NBASE + 8][64];
	int nrec;
} fixture;

static cy_vault *open_as(fixture *f, const char *user, const char *pw)
{
	cy_vault *v = NULL;
	int rc = cy_vault_open(&v, cy_buf_cstr(&f->vault), user, pw, strlen(pw));

	if (rc)
		print_error("open as %s: %s\n", user, cy_error_message());
	assert_int_equal(rc, 0);
	return v;
}

/* Import the named files of f->src in one batch; the error of the first
 * failure (the batch goes on to the commit, as the CLI does). */
static int import_batch(cy_vault *v, fixture *f, const char *const *names, int n, int record)
{
	cy_record_new r = {.klass = CY_CLASS_CONTRACT, .year = 2019};
	cy_import *im = NULL;
	cy_buf p = CY_BUF_INIT;
	char msg[512] = "";
	int rc, first = 0;

	if ((rc = cy_import_begin(v, "Z109", &im)))
		return rc;
	for (int i = 0; i < n; i++) {
		cy_import_outcome oc;
		cy_import_item *it = NULL;
		char no[64];
		int fd;
		cy_path_join(&p, cy_buf_cstr(&f->src), names[i]);
		fd = open(cy_buf_cstr(&p), O_RDONLY);
		assert_true(fd >= 0);
		r.title = names[i];
		rc = cy_import_prepare(im, fd, names[i], "binary", &it);
		rc = rc ? rc : cy_import_add(im, it, &r, &oc, no);
		cy_import_item_free(it);
		close(fd);
		if (rc && !first) {
			first = rc;
			snprintf(msg, sizeof(msg), "%s", cy_error_message());
		}
		if (!rc && record && oc == CY_IMPORTED)
			snprintf(f->nos[f->nrec++], 64, "%s", no);
	}
	rc = cy_import_commit(im);
	cy_import_free(im);
	cy_buf_release(&p);
	if (first)
		return cy_error_set(first, "%s", msg);
	return rc;
}

static void write_src(fixture *f, const char *name, size_t n, unsigned seed)
{
	cy_buf p = CY_BUF_INIT, d = CY_BUF_INIT;

	for (size_t i = 0; i < n; i++)
		cy_buf_putc(&d, (char)((i * 31 + seed * 17 + (i >> 9)) & 0xff));
	cy_path_join(&p, cy_buf_cstr(&f->src), name);
	assert_int_equal(cy_write_file_excl(cy_buf_cstr(&p), d.ptr, d.len, 0600), 0);
	cy_buf_release(&p);
	cy_buf_release(&d);
}

static const char *const BASE[NBASE] = {"a.txt", "b.bin", "c.bin", "gone.bin"};
static const char *const MORE[] = {"m1.bin", "m2.txt", "m3.bin"};

static int vsetup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	cy_buf rec = CY_BUF_INIT;
	cy_vault *v;
	bool pending;

	f->dir = tu_tmpdir();
	cy_path_join(&f->vault, f->dir, "v");
	cy_path_join(&f->src, f->dir, "src");
	assert_int_equal(cy_mkdir_p(cy_buf_cstr(&f->src), 0700), 0);
	write_src(f, "a.txt", 1000, 1);
	write_src(f, "b.bin", 3u << 20, 2);
	write_src(f, "c.bin", 70000, 3);
	write_src(f, "gone.bin", 2u << 20, 4);
	write_src(f, "m1.bin", 2u << 20, 5);
	write_src(f, "m2.txt", 500, 6);
	write_src(f, "m3.bin", 300000, 7);
	assert_int_equal(cy_vault_init(cy_buf_cstr(&f->vault), "sec", PW, strlen(PW), 10, &rec), 0);
	cy_buf_wipe(&rec);
	v = open_as(f, "sec", PW);
	assert_int_equal(cy_user_add(v, "li", CY_ROLE_ARCHIVIST, PW2, strlen(PW2)), 0);
	assert_int_equal(cy_user_add(v, "ops", CY_ROLE_SYSADMIN, PW2, strlen(PW2)), 0);
	cy_vault_close(v);
	v = open_as(f, "li", PW2);
	assert_int_equal(cy_fonds_add(v, "Z109", "Test Co", NULL), 0);
	assert_int_equal(import_batch(v, f, BASE, NBASE, 1), 0);
	assert_int_equal(f->nrec, NBASE);
	cy_vault_close(v);
	(void)pending;
	*state = f;
	return 0;
}

static int vteardown(void **state)
{
	fixture *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	cy_buf_release(&f->vault);
	cy_buf_release(&f->src);
	free(f);
	return 0;
}

static void count_problem(void *arg, const cy_check_problem *p)
{
	print_error("check: %s %s\n", p->archive_no ? p->archive_no : "", p->problem);
	(void)arg;
}

/* Every record of f->nos reads back, check finds no problem and no warning,
 * and the vault holds exactly f->nrec records. */
static void vault_intact(fixture *f, cy_vault *v)
{
	cy_check_stats st;
	cy_buf out = CY_BUF_INIT;

	for (int i = 0; i < f->nrec; i++) {
		cy_buf_clear(&out);
		if (cy_record_get(v, f->nos[i], collect, &out))
			print_error("get %s: %s\n", f->nos[i], cy_error_message());
		assert_int_equal(cy_record_get(v, f->nos[i], collect, &out), 0);
	}
	assert_int_equal(cy_vault_check(v, count_problem, count_problem, NULL, NULL, NULL, &st), 0);
	assert_int_equal(st.problems, 0);
	assert_int_equal(st.warnings, 0);
	assert_int_equal(st.records, (uint64_t)f->nrec);
	assert_int_equal(st.verified, (uint64_t)f->nrec);
	cy_buf_release(&out);
}

static void test_store_fault_import(void **state)
{
	fixture *f = *state;
	static const struct {
		cy_fault_cfg cfg;
		int rc;
		const char *says;
	} CASES[] = {
		{{CY_FAULT_WRITE, CY_FAULT_ENOSPC, 1, 0}, CY_ENOSPC, "(disk full)"},
		{{CY_FAULT_WRITE, CY_FAULT_ENOSPC, 2, 1}, CY_ENOSPC, "(disk full)"},
		{{CY_FAULT_WRITE, CY_FAULT_EIO, 1, 0}, CY_EIO, "cannot write object pack"},
		{{CY_FAULT_WRITE, CY_FAULT_SHORT, 1, 0}, CY_ENOSPC, "cannot write object pack"},
		{{CY_FAULT_WRITE, CY_FAULT_SHORT, 2, 0}, CY_ENOSPC, "cannot write object pack"},
		{{CY_FAULT_COMMIT, CY_FAULT_EIO, 1, 0}, CY_EIO, "cannot sync object pack"},
		{{CY_FAULT_COMMIT, CY_FAULT_ENOSPC, 1, 0}, CY_ENOSPC, "(disk full)"},
		{{CY_FAULT_SYNC, CY_FAULT_EIO, 1, 0}, CY_EIO, "cannot sync the object store"},
		{{CY_FAULT_BEGIN, CY_FAULT_ENOSPC, 1, 1}, CY_ENOSPC, "cannot create object pack"},
	};
	cy_store_backend *fb;
	cy_vault *v = open_as(f, "li", PW2);

	assert_int_equal(cy_store_fault_attach(v->store, &fb), 0);
	for (size_t c = 0; c < sizeof(CASES) / sizeof(CASES[0]); c++) {
		int rc;
		cy_store_fault_set(fb, &CASES[c].cfg);
		rc = import_batch(v, f, MORE, 3, 0);
		cy_store_fault_set(fb, NULL);
		if (rc != CASES[c].rc || !strstr(cy_error_message(), CASES[c].says))
			print_error("case %zu: %d %s\n", c, rc, cy_error_message());
		assert_int_equal(rc, CASES[c].rc);
		assert_non_null(strstr(cy_error_message(), CASES[c].says));
		/* the vault is as it was: every earlier record, nothing half-imported */
		vault_intact(f, v);
	}
	/* short writes without a failure import correctly */
	{
		cy_fault_cfg c = {CY_FAULT_WRITE, CY_FAULT_SHORT_ONLY, 1, 0};
		cy_store_fault_set(fb, &c);
		assert_int_equal(import_batch(v, f, MORE, 3, 1), 0);
		cy_store_fault_set(fb, NULL);
		assert_true(cy_store_fault_count(fb) > 0);
		assert_int_equal(f->nrec, NBASE + 3);
		vault_intact(f, v);
	}
	cy_vault_close(v);
}

/* Destroy the last-numbered record by editing the catalog, as destruction
 * will: its object's bytes become dead space in its pack. */
static void drop_last_record(fixture *f, cy_vault *v)
{
	/* the record's rows go, its batch is signed again without it, and the
	 * ledger says so (vault_recsig.c) */
	assert_int_equal(cy_vault__record_remove(v, f->nos[f->nrec - 1], "test"), 0);
	f->nrec--;
}

static int pack_count(cy_vault *v)
{
	int n = 0;

	assert_int_equal(cy_store_each_pack(v->store, count_fn, &n), 0);
	return n;
}

static void test_store_fault_compact(void **state)
{
	fixture *f = *state;
	static const struct {
		cy_fault_cfg cfg;
		int rc;
		const char *says;
	} CASES[] = {
		{{CY_FAULT_WRITE, CY_FAULT_ENOSPC, 1, 0}, CY_ENOSPC, "(disk full)"},
		{{CY_FAULT_WRITE, CY_FAULT_EIO, 2, 0}, CY_EIO, "cannot write object pack"},
		{{CY_FAULT_WRITE, CY_FAULT_SHORT, 1, 0}, CY_ENOSPC, "cannot write object pack"},
		{{CY_FAULT_COMMIT, CY_FAULT_EIO, 1, 0}, CY_EIO, "cannot sync object pack"},
		{{CY_FAULT_SYNC, CY_FAULT_EIO, 1, 0}, CY_EIO, "cannot sync the object store"},
		{{CY_FAULT_READ, CY_FAULT_EIO, 2, 0}, CY_EIO, "cannot read object pack"},
		{{CY_FAULT_BEGIN, CY_FAULT_ENOSPC, 1, 1}, CY_ENOSPC, "cannot create object pack"},
	};
	cy_compact_stats st;
	cy_store_backend *fb;
	cy_vault *v = open_as(f, "li", PW2);
	cy_vault *ops;

	drop_last_record(f, v);
	assert_int_equal(pack_count(v), 1);
	assert_int_equal(cy_store_fault_attach(v->store, &fb), 0);
	for (size_t c = 0; c < sizeof(CASES) / sizeof(CASES[0]); c++) {
		int rc;
		cy_store_fault_set(fb, &CASES[c].cfg);
		rc = cy_vault_compact(v, NULL, NULL, &st);
		cy_store_fault_set(fb, NULL);
		if (rc != CASES[c].rc || !strstr(cy_error_message(), CASES[c].says))
			print_error("case %zu: %d %s\n", c, rc, cy_error_message());
		assert_int_equal(rc, CASES[c].rc);
		assert_non_null(strstr(cy_error_message(), CASES[c].says));
		assert_int_equal(st.rewritten, 0);
		assert_int_equal(pack_count(v), 1);
		vault_intact(f, v);
	}
	cy_vault_close(v);
	/* the sysadmin compacts (no key needed): the dead bytes go, every record stays */
	ops = open_as(f, "ops", PW2);
	assert_int_equal(cy_vault_compact(ops, NULL, NULL, &st), 0);
	assert_int_equal(st.packs, 1);
	assert_int_equal(st.rewritten, 1);
	assert_int_equal(st.objects, NBASE - 1);
	assert_true(st.freed >= (2u << 20));
	assert_int_equal(st.leftover, 0);
	assert_int_equal(pack_count(ops), 1);
	/* nothing left to do */
	assert_int_equal(cy_vault_compact(ops, NULL, NULL, &st), 0);
	assert_int_equal(st.packs, 0);
	cy_vault_close(ops);
	v = open_as(f, "li", PW2);
	vault_intact(f, v);
	/* a pack whose every object is gone is removed without a new one */
	for (int i = f->nrec; i > 0; i--)
		drop_last_record(f, v);
	assert_int_equal(cy_vault_compact(v, NULL, NULL, &st), 0);
	assert_int_equal(st.removed, 1);
	assert_int_equal(pack_count(v), 0);
	vault_intact(f, v);
	/* viewers may not compact */
	cy_vault_close(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_pack_roundtrip),
		cmocka_unit_test(test_store_tmp_locks),
		cmocka_unit_test(test_store_fault_parse),
		cmocka_unit_test(test_store_fault_pack),
		cmocka_unit_test_setup_teardown(test_store_fault_import, vsetup, vteardown),
		cmocka_unit_test_setup_teardown(test_store_fault_compact, vsetup, vteardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
