/* import_files.c - import a directory tree, one record per regular file.
 *
 * First a scan (lstat only) collects the files in a stable order and their
 * total size, so progress can be shown; then each file is opened without
 * following links, checked to be the regular file the scan saw, and handed to
 * the vault.  Work is committed in batches: everything of a batch becomes
 * durable and visible together, and a killed import loses at most the batch
 * in progress, which the next run imports again. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/ingest.h"
#include "base/banned.h"

#define BATCH_FILES 4096
#define BATCH_BYTES (512ull << 20)
/* Prepared files waiting for the catalog: at most this many, holding at most this much. */
#define QUEUE_SLOTS 256
#define QUEUE_BYTES (24ull << 20)

typedef struct entry {
	char *rel;
	uint64_t size;
	int64_t mtime;
	int kind; /* 0 file, 1 symlink, 2 special, 3 bad name, 4 unreadable dir */
	const char *why;
} entry;

typedef struct walk {
	const char *root;
	char *root_real;
	entry *v;
	size_t n, cap;
	uint64_t bytes;
} walk;

static int add(walk *w, const char *rel, int kind, uint64_t size, int64_t mtime, const char *why)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		entry *nv = realloc(w->v, cap * sizeof(*nv));
		if (!nv)
			return cy_error_set(CY_ENOMEM, "out of memory");
		w->v = nv;
		w->cap = cap;
	}
	w->v[w->n] = (entry){strdup(rel), size, mtime, kind, why};
	if (!w->v[w->n].rel)
		return cy_error_set(CY_ENOMEM, "out of memory");
	w->n++;
	if (kind == 0)
		w->bytes += size;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A printable form of a path: valid UTF-8 as is, other bytes as \xNN. */
static void printable(const char *s, cy_buf *out)
{
	cy_buf_clear(out);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t k = 1;
		while (k <= 4 && p[k - 1] && !cy_utf8_valid((const char *)p, k))
			k++;
		if (k <= 4 && p[k - 1]) {
			cy_buf_put(out, p, k);
			p += k;
		} else {
			cy_buf_printf(out, "\\x%02x", *p);
			p++;
		}
	}
}

static int scan(walk *w, const char *rel)
{
	cy_buf path = CY_BUF_INIT, child = CY_BUF_INIT;
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	cy_buf_puts(&path, w->root);
	if (*rel) {
		cy_buf_putc(&path, '/');
		cy_buf_puts(&path, rel);
	}
	if (!(d = opendir(cy_buf_cstr(&path)))) {
		rc = add(w, *rel ? rel : ".", 4, 0, 0, "directory cannot be read");
		goto out;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*nn));
			if (!nn) {
				rc = cy_error_set(CY_ENOMEM, "out of memory");
				break;
			}
			names = nn;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (rc)
		goto out;
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; !rc && i < n; i++) {
		struct stat st;
		cy_buf_clear(&child);
		if (*rel)
			cy_buf_printf(&child, "%s/", rel);
		cy_buf_puts(&child, names[i]);
		cy_buf_clear(&path);
		cy_buf_printf(&path, "%s/%s", w->root, cy_buf_cstr(&child));
		if (lstat(cy_buf_cstr(&path), &st) < 0) {
			rc = add(w, cy_buf_cstr(&child), 2, 0, 0, "cannot be read (it vanished?)");
			continue;
		}
		if (!cy_utf8_valid(names[i], strlen(names[i]))) {
			rc = add(w, cy_buf_cstr(&child), 3, 0, 0,
				 S_ISDIR(st.st_mode)
					 ? "directory name is not valid UTF-8: rename it (for example with "
					   "convmv) and import again"
					 : "file name is not valid UTF-8: rename it (for example with convmv) "
					   "and import again");
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = scan(w, cy_buf_cstr(&child));
		} else if (S_ISREG(st.st_mode)) {
			rc = add(w, cy_buf_cstr(&child), 0, (uint64_t)st.st_size, (int64_t)st.st_mtime, NULL);
		} else if (S_ISLNK(st.st_mode)) {
			char real[PATH_MAX];
			size_t rl = strlen(w->root_real);
			if (!realpath(cy_buf_cstr(&path), real))
				rc = add(w, cy_buf_cstr(&child), 1, 0, 0, "symbolic link to nothing: skipped");
			else if (strncmp(real, w->root_real, rl) || (real[rl] != '/' && real[rl] != 0))
				rc = add(w, cy_buf_cstr(&child), 2, 0, 0,
					 "symbolic link points outside the imported directory: refused");
			else
				rc = add(w, cy_buf_cstr(&child), 1, 0, 0,
					 "symbolic link inside the directory: skipped (its target is imported "
					 "itself)");
		} else {
			rc = add(w, cy_buf_cstr(&child), 2, 0, 0,
				 "not a regular file (device, FIFO or socket): refused");
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	cy_buf_release(&path);
	cy_buf_release(&child);
	return rc;
}

static void event(cy_file_fn fn, void *arg, const char *rel, cy_file_status st, const char *no,
		  const char *reason)
{
	cy_buf p = CY_BUF_INIT;
	cy_file_event e;

	if (!fn)
		return;
	printable(rel, &p);
	e.path = cy_buf_cstr(&p);
	e.status = st;
	e.archive_no = no;
	e.reason = reason;
	fn(arg, &e);
	cy_buf_release(&p);
}

/* The pipeline: a second thread opens, reads, hashes and seals files (the
 * CPU work) while this thread adds them to the catalog and the pack in file
 * order.  Results travel through a bounded ring, so memory stays small
 * whatever the tree's size. */
typedef struct slot {
	cy_import_item *it;
	int rc;
	char err[512];
} slot;

typedef struct pipeline {
	walk *w;
	const cy_import *im;
	int dfd;
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_take;
	slot ring[QUEUE_SLOTS];
	size_t head, count; /* head: next slot to take */
	uint64_t bytes;
	int stop;
} pipeline;

static void *producer(void *arg)
{
	pipeline *pl = arg;

	for (size_t i = 0; i < pl->w->n; i++) {
		entry *e = &pl->w->v[i];
		slot sl = {NULL, 0, ""};
		uint64_t mem;
		int fd;

		if (e->kind != 0)
			continue;
		fd = openat(pl->dfd, e->rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			sl.rc = CY_EIO;
			snprintf(sl.err, sizeof(sl.err), "cannot open: %s", strerror(errno));
		} else {
			sl.rc = cy_import_prepare(pl->im, fd, e->rel, e->mtime, &sl.it);
			if (sl.rc)
				snprintf(sl.err, sizeof(sl.err), "%s", cy_error_message());
			close(fd);
		}
		mem = sl.it ? cy_import_item_memory(sl.it) : 64;
		pthread_mutex_lock(&pl->mu);
		while (!pl->stop && (pl->count == QUEUE_SLOTS || (pl->count && pl->bytes + mem > QUEUE_BYTES)))
			pthread_cond_wait(&pl->can_put, &pl->mu);
		if (pl->stop) {
			pthread_mutex_unlock(&pl->mu);
			cy_import_item_free(sl.it);
			break;
		}
		pl->ring[(pl->head + pl->count) % QUEUE_SLOTS] = sl;
		pl->count++;
		pl->bytes += mem;
		pthread_cond_signal(&pl->can_take);
		pthread_mutex_unlock(&pl->mu);
	}
	return NULL;
}

static slot take(pipeline *pl)
{
	slot sl;

	pthread_mutex_lock(&pl->mu);
	while (pl->count == 0)
		pthread_cond_wait(&pl->can_take, &pl->mu);
	sl = pl->ring[pl->head];
	pl->head = (pl->head + 1) % QUEUE_SLOTS;
	pl->count--;
	pl->bytes -= sl.it ? cy_import_item_memory(sl.it) : 64;
	pthread_cond_signal(&pl->can_put);
	pthread_mutex_unlock(&pl->mu);
	return sl;
}

static void stop_pipeline(pipeline *pl, pthread_t th)
{
	pthread_mutex_lock(&pl->mu);
	pl->stop = 1;
	pthread_cond_broadcast(&pl->can_put);
	pthread_mutex_unlock(&pl->mu);
	pthread_join(th, NULL);
	while (pl->count) {
		cy_import_item_free(pl->ring[pl->head].it);
		pl->head = (pl->head + 1) % QUEUE_SLOTS;
		pl->count--;
	}
	pthread_mutex_destroy(&pl->mu);
	pthread_cond_destroy(&pl->can_put);
	pthread_cond_destroy(&pl->can_take);
}

/* Failures that end the whole import rather than one file. */
static int fatal(int rc)
{
	return rc == CY_ENOSPC || rc == CY_EDB || rc == CY_EBUSY || rc == CY_ENOMEM || rc == CY_ECRYPTO;
}

int cy_import_tree(cy_vault *v, const char *dir, const cy_import_opts *o, cy_file_fn fn, void *arg,
		   cy_progress_fn progress, void *parg, cy_import_summary *sum)
{
	walk w = {0};
	cy_import *im = NULL;
	cy_progress pr = {0};
	char real[PATH_MAX];
	struct stat st;
	uint64_t batch = 0; /* imported in the batch not yet committed */
	int rc, dfd = -1;

	memset(sum, 0, sizeof(*sum));
	if (stat(dir, &st) < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot read '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return cy_error_set(CY_EINVALID, "'%s' is not a directory", dir);
	if (!realpath(dir, real))
		return cy_error_set_errno(CY_EIO, errno, "cannot resolve '%s'", dir);
	w.root = dir;
	w.root_real = real;
	if ((rc = cy_import_begin(v, o, &im)))
		return rc;
	if ((rc = scan(&w, "")))
		goto out;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = cy_error_set_errno(CY_EIO, errno, "cannot open '%s'", dir);
		goto out;
	}
	pr.files_total = 0;
	for (size_t i = 0; i < w.n; i++)
		pr.files_total += w.v[i].kind == 0;
	pr.bytes_total = w.bytes;
	pipeline pl;
	pthread_t th;
	memset(&pl, 0, sizeof(pl));
	pl.w = &w;
	pl.im = im;
	pl.dfd = dfd;
	pthread_mutex_init(&pl.mu, NULL);
	pthread_cond_init(&pl.can_put, NULL);
	pthread_cond_init(&pl.can_take, NULL);
	if (pthread_create(&th, NULL, producer, &pl)) {
		rc = cy_error_set(CY_ENOMEM, "cannot start a thread");
		goto out;
	}
	for (size_t i = 0; i < w.n && !rc; i++) {
		entry *e = &w.v[i];
		char no[64] = "";
		cy_import_outcome oc;
		slot sl;
		int frc;

		if (e->kind != 0) {
			if (e->kind == 1) {
				sum->skipped++;
				event(fn, arg, e->rel, CY_FILE_SKIPPED, NULL, e->why);
			} else {
				sum->failed++;
				event(fn, arg, e->rel, CY_FILE_FAILED, NULL, e->why);
			}
			continue;
		}
		pr.current = e->rel;
		sl = take(&pl);
		if (sl.rc) {
			frc = sl.rc;
			cy_error_set(frc, "%s", sl.err);
		} else {
			frc = cy_import_add(im, sl.it, &oc, no);
		}
		cy_import_item_free(sl.it);
		if (frc) {
			if (fatal(frc)) {
				rc = frc;
				break;
			}
			sum->failed++;
			event(fn, arg, e->rel, CY_FILE_FAILED, NULL, cy_error_message());
		} else if (oc == CY_DUPLICATE) {
			sum->duplicates++;
			event(fn, arg, e->rel, CY_FILE_DUPLICATE, no, NULL);
		} else {
			sum->imported++;
			sum->bytes += e->size;
			batch++;
			event(fn, arg, e->rel, CY_FILE_IMPORTED, no, NULL);
		}
		if (cy_import_pending_files(im) >= BATCH_FILES ||
		    cy_import_pending_bytes(im) >= BATCH_BYTES) {
			rc = cy_import_commit(im);
			if (!rc)
				batch = 0;
		}
		pr.files_done++;
		pr.bytes_done += e->size;
		if (progress)
			progress(parg, &pr);
	}
	{
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", cy_error_message());
		stop_pipeline(&pl, th);
		if (rc)
			cy_error_set(rc, "%s", msg);
	}
	if (!rc)
		rc = cy_import_commit(im);
	if (rc) {
		/* the batch in progress is undone (cy_import_free); committed batches stay */
		sum->stopped = 1;
		sum->imported -= batch;
	}
out:
	if (dfd >= 0)
		close(dfd);
	{
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", cy_error_message());
		cy_import_free(im);
		if (rc)
			cy_error_set(rc, "%s", msg);
	}
	for (size_t i = 0; i < w.n; i++)
		free(w.v[i].rel);
	free(w.v);
	return rc;
}
