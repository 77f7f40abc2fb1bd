/* import_files.c - import a directory tree, one record per regular file.
 *
 * A walker thread lists the tree by directory descriptor (names sorted
 * byte-wise in each directory, so numbering is reproducible; the names of the
 * directories on the current path in memory, on a stack of its own, not the
 * C stack), numbers the entries in walk order, and opens each regular file
 * itself, checking that it is the file the listing saw (see "the walk"
 * below).  Preparer threads, one per core, read, hash and seal what the
 * walker opened (cy_import_prepare: the CPU work), in any order.  This thread takes the results in walk order and adds them
 * to the catalog and the pack (cy_import_add), committing in batches:
 * everything of a batch becomes durable and visible together, and a killed
 * import loses at most the batch in progress, which the next run imports
 * again.  Results travel through a bounded ring, so memory stays small
 * whatever the size of the tree.  When progress is shown, a first pass only
 * counts files and bytes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libintl.h>
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
#include "custody/rules.h"
#include "custody/subject.h"
#include "custody/banned.h"

#define N_(s) (s)

#define BATCH_FILES 16384
#define BATCH_BYTES (1024ull << 20)
/* Prepared files waiting for the catalog: at most this many, holding at most this much. */
#define QUEUE_SLOTS 1024
#define QUEUE_BYTES (24ull << 20)

enum kind { K_FILE, K_SKIP, K_REFUSE, K_END };

typedef struct slot {
	char *rel;
	enum kind kind;
	const char *why; /* K_SKIP, K_REFUSE: static text */
	int why_err;	 /* K_REFUSE: an errno that says more, or 0 */
	int fd; /* K_FILE: the file the walk opened and checked, until a preparer takes it */
	uint64_t size;
	int64_t mtime;
	cy_import_item *it;
	cy_doc_date doc;       /* doc.year != 0: the date the document's own metadata gives */
	cy_classification cls; /* classified: what the rules say of the file */
	int classified;
	int rc;
	int state;    /* S_FREE, S_QUEUED (a file to prepare), S_BUSY (being prepared), S_READY */
	uint64_t mem; /* bytes this slot holds (estimated while it is being prepared) */
	cy_buf text;  /* a text file's first 64 KiB, for the full-text index (wiped) */
	const char *format;
	char err[384];
} slot;

enum { S_FREE, S_QUEUED, S_BUSY, S_READY };

#define MAX_PREPARERS 4
/* Files the walker has opened that no preparer has taken yet: at most this many. */
#define MAX_OPEN_FILES 128

/* Slots are numbered in walk order; slot n lives at ring[n % QUEUE_SLOTS].
 * The walker fills slots at `tail`, preparers take queued slots from
 * `next_queued` on and mark them READY in any order, the consumer takes them
 * at `head` in order. */
typedef struct pipeline {
	const char *root_real;
	const cy_import *im;
	const cy_import_opts *o;
	const cy_sidecar *sc; /* read only: shared by the preparers */
	const char *prefix;
	int proc_fd;	     /* /proc/self/fd can name a descriptor's directory */
	struct stat root_st; /* the directory asked for, as stat(2) saw it first */
	pthread_mutex_t mu;
	pthread_cond_t can_put, has_work, has_ready;
	slot ring[QUEUE_SLOTS];
	uint64_t head, tail, next_queued;
	uint64_t bytes;
	unsigned open_files; /* descriptors in queued slots */
	int stop, walk_done;
	int put_waits, work_waits, ready_waits; /* wake the other side only when it sleeps */
	int fd_waits; /* the walker sleeps until preparers have taken some of its files */
	int walk_rc;  /* a failure of the walk itself (out of memory) */
} pipeline;

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

/* ---- the walk: by directory descriptor, never by re-resolving a path ----
 *
 * Each directory is opened with openat(parent, name, O_NOFOLLOW|O_DIRECTORY)
 * from the descriptor of its parent, and each regular file with
 * openat(parent, name, O_NOFOLLOW); what was opened must have the device and
 * inode that fstatat (not following links) saw when the directory was listed,
 * so a directory or file swapped for a symbolic link, or for another one,
 * between the listing and the open is refused, by name, and the import goes
 * on.  The descriptor of an opened file is what the preparers read: the bytes
 * sealed are those of the file the walk saw.  The walk keeps its own stack
 * (no recursion), with descriptors open for the upper KEEP_FDS levels only;
 * a deeper directory whose descriptor was closed is opened again through
 * ".." of its child, or else component by component from the nearest open
 * ancestor, each step checked against the device and inode it had. */

#define KEEP_FDS 64

typedef struct wentry {
	char *name;
	struct stat st;
	int err; /* errno of fstatat; st is valid when 0 */
} wentry;

typedef struct wframe {
	int fd; /* -1: closed to bound the descriptors the walk holds */
	dev_t dev;
	ino_t ino;
	size_t rel_len; /* this directory's path is tw->rel[0 .. rel_len) */
	wentry *e;
	size_t n, i;
} wframe;

enum found { F_END, F_FILE, F_LINK, F_REFUSE };

typedef struct twalk {
	wframe *f;
	size_t depth, cap;
	cy_buf rel;	/* the current directory's path below the root; "" at the root */
	cy_buf child;	/* the path of the entry last returned */
	int open_files; /* open each regular file and return its descriptor */
	/* what tw_next returned */
	const char *name; /* the entry's name in its directory */
	int dirfd;	  /* its directory (borrowed; valid until the next call) */
	struct stat st;	  /* F_FILE: fstat of the opened file (or fstatat's, not opening) */
	int fd;		  /* F_FILE with open_files: the caller's */
	const char *why;  /* F_REFUSE: untranslated static text */
	int err;	  /* F_REFUSE: an errno to add to why, or 0 */
} twalk;

static void buf_cut(cy_buf *b, size_t n)
{
	if (b->ptr && n <= b->len) {
		b->len = n;
		b->ptr[n] = 0;
	}
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const wentry *)a)->name, ((const wentry *)b)->name);
}

static void free_entries(wentry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

/* The names of the directory open at fd, sorted byte-wise, each with what
 * fstatat says of it.  Returns 0, a negative errno, or CY_ENOMEM. */
static int list_dir(int fd, wentry **out, size_t *count)
{
	int dfd = dup(fd);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *de;
	wentry *v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	*out = NULL;
	*count = 0;
	if (!d) {
		rc = -errno;
		if (dfd >= 0)
			close(dfd);
		return rc;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			wentry *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*nv));
			if (!nv) {
				rc = CY_ENOMEM;
				break;
			}
			v = nv;
		}
		if (!(v[n].name = strdup(de->d_name))) {
			rc = CY_ENOMEM;
			break;
		}
		n++;
	}
	if (!rc && errno)
		rc = -errno;
	closedir(d);
	if (rc) {
		free_entries(v, n);
		return rc == CY_ENOMEM ? cy_error_set(CY_ENOMEM, "out of memory") : rc;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_entry);
	for (size_t i = 0; i < n; i++)
		v[i].err = fstatat(fd, v[i].name, &v[i].st, AT_SYMLINK_NOFOLLOW) < 0 ? errno : 0;
	*out = v;
	*count = n;
	return 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* In builds with test hooks, CUSTODY_TEST_WALK_PAUSE=PREFIX: after listing a
 * directory (and looking at its entries), before opening any of them, the
 * walk writes the directory's path ("." for the root) and a newline to the
 * FIFO PREFIX.wait, then waits for a byte from the FIFO PREFIX.go, so that a
 * test can change the tree exactly there (docs/internals/testing.md).  Two
 * FIFOs, so that the test never meets the walk's previous opening of one. */
static void test_pause(const twalk *tw)
{
#ifdef CY_TEST_HOOKS
	const char *prefix = getenv("CUSTODY_TEST_WALK_PAUSE");
	cy_buf path = CY_BUF_INIT;
	char c;
	int fd;

	if (!tw->open_files || !prefix || !*prefix)
		return;
	cy_buf_printf(&path, "%s.wait", prefix);
	if ((fd = open(cy_buf_cstr(&path), O_WRONLY | O_CLOEXEC)) >= 0) {
		cy_buf line = CY_BUF_INIT;
		cy_buf_printf(&line, "%s\n", tw->rel.len ? cy_buf_cstr(&tw->rel) : ".");
		(void)!write(fd, line.ptr, line.len);
		cy_buf_release(&line);
		close(fd);
	}
	cy_buf_clear(&path);
	cy_buf_printf(&path, "%s.go", prefix);
	if ((fd = open(cy_buf_cstr(&path), O_RDONLY | O_CLOEXEC)) >= 0) {
		while (read(fd, &c, 1) < 0 && errno == EINTR)
			;
		close(fd);
	}
	cy_buf_release(&path);
#else
	(void)tw;
#endif
}

/* Push the directory open at fd (taken over) whose path is tw->rel. */
static int push(twalk *tw, int fd, const struct stat *st)
{
	wframe *fr;
	int rc;

	if (tw->depth == tw->cap) {
		size_t cap = tw->cap ? tw->cap * 2 : 32;
		wframe *nf = realloc(tw->f, cap * sizeof(*nf));
		if (!nf) {
			close(fd);
			return cy_error_set(CY_ENOMEM, "out of memory");
		}
		tw->f = nf;
		tw->cap = cap;
	}
	fr = &tw->f[tw->depth];
	memset(fr, 0, sizeof(*fr));
	fr->fd = fd;
	fr->dev = st->st_dev;
	fr->ino = st->st_ino;
	fr->rel_len = tw->rel.len;
	if ((rc = list_dir(fd, &fr->e, &fr->n))) {
		close(fd);
		return rc;
	}
	tw->depth++;
	/* the parent's descriptor is not needed until this directory is done */
	if (tw->depth > KEEP_FDS && tw->depth >= 3) {
		wframe *parent = &tw->f[tw->depth - 2];
		close(parent->fd);
		parent->fd = -1;
	}
	test_pause(tw);
	return 0;
}

static int open_checked(int at, const char *name, const wframe *want)
{
	int fd = openat(at, name, O_RDONLY | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_dev != want->dev || st.st_ino != want->ino)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Open frame k again (its descriptor was closed): through ".." of frame k+1,
 * still open, or else name by name from the nearest open ancestor.  -1 if
 * the directory is no longer where the walk found it. */
static int reopen(twalk *tw, size_t k)
{
	size_t j = k;
	int fd = open_checked(tw->f[k + 1].fd, "..", &tw->f[k]);

	if (fd >= 0)
		return fd;
	while (j > 0 && tw->f[j].fd < 0)
		j--;
	fd = tw->f[j].fd;
	for (size_t m = j + 1; m <= k; m++) {
		/* frame m's name is the entry of frame m-1 the walk descended into */
		const wentry *e = &tw->f[m - 1].e[tw->f[m - 1].i - 1];
		int nfd = open_checked(fd, e->name, &tw->f[m]);
		if (fd != tw->f[j].fd)
			close(fd);
		if ((fd = nfd) < 0)
			return -1;
	}
	return fd;
}

static void tw_release(twalk *tw)
{
	for (size_t i = 0; i < tw->depth; i++) {
		if (tw->f[i].fd >= 0)
			close(tw->f[i].fd);
		free_entries(tw->f[i].e, tw->f[i].n);
	}
	free(tw->f);
	cy_buf_release(&tw->rel);
	cy_buf_release(&tw->child);
	memset(tw, 0, sizeof(*tw));
}

/* Start a walk at the directory `real` (resolved: no symbolic link in it). */
static int tw_open(twalk *tw, const char *real, int open_files)
{
	int fd = open(real, O_RDONLY | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	int rc;

	memset(tw, 0, sizeof(*tw));
	tw->open_files = open_files;
	tw->fd = -1;
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot open '%s'",
					real);
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if ((rc = push(tw, fd, &st))) {
		if (rc != CY_ENOMEM)
			rc = cy_error_set_errno(CY_EIO, -rc, "cannot read '%s'", real);
		tw_release(tw);
	}
	return rc;
}

static int refuse(twalk *tw, const char *why, int err)
{
	tw->why = why;
	tw->err = err;
	return F_REFUSE;
}

/* Done with the top directory: back to its parent, open again if need be. */
static int pop(twalk *tw)
{
	wframe *top = &tw->f[tw->depth - 1];
	int rc = F_END;

	if (tw->depth >= 2 && tw->f[tw->depth - 2].fd < 0) {
		wframe *parent = &tw->f[tw->depth - 2];
		if ((parent->fd = reopen(tw, tw->depth - 2)) < 0) {
			/* moved away while its subdirectory was walked: the rest of it
			 * is no longer below the imported directory for certain */
			parent->i = parent->n;
			cy_buf_clear(&tw->child);
			cy_buf_put(&tw->child, tw->rel.ptr, parent->rel_len);
			rc = refuse(
				tw,
				N_("directory was moved during the import: the rest of it was not "
				   "imported"),
				0);
		}
	}
	close(top->fd);
	free_entries(top->e, top->n);
	tw->depth--;
	buf_cut(&tw->rel, tw->depth ? tw->f[tw->depth - 1].rel_len : 0);
	if (rc == F_REFUSE && !tw->child.len)
		cy_buf_puts(&tw->child, ".");
	return rc;
}

/* The next entry of the walk: F_FILE, F_LINK, F_REFUSE (tw->why, the entry is
 * left out), F_END, or a negative CY_E code (out of memory).  Directories are
 * entered, not returned, unless they are refused.  tw->child is the entry's
 * path below the root. */
static int tw_next(twalk *tw)
{
	tw->fd = -1;
	tw->why = NULL;
	tw->err = 0;
	for (;;) {
		wframe *fr;
		wentry *e;
		int fd, rc;

		if (!tw->depth)
			return F_END;
		fr = &tw->f[tw->depth - 1];
		if (fr->i == fr->n) {
			if ((rc = pop(tw)) != F_END)
				return rc;
			continue;
		}
		e = &fr->e[fr->i++];
		cy_buf_clear(&tw->child);
		if (tw->rel.len)
			cy_buf_printf(&tw->child, "%s/", cy_buf_cstr(&tw->rel));
		if ((rc = cy_buf_puts(&tw->child, e->name)))
			return rc;
		tw->name = e->name;
		tw->dirfd = fr->fd;
		if (e->err)
			return refuse(tw, N_("cannot be read (it vanished?)"), e->err);
		if (!cy_utf8_valid(e->name, strlen(e->name)))
			return refuse(
				tw,
				S_ISDIR(e->st.st_mode)
					? N_("directory name is not valid UTF-8: rename it (for "
					     "example with convmv) and import again")
					: N_("file name is not valid UTF-8: rename it (for example "
					     "with convmv) and import again"),
				0);
		if (S_ISDIR(e->st.st_mode)) {
			struct stat st;
			fd = openat(fr->fd, e->name,
				    O_RDONLY | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				return errno == ELOOP || errno == ENOTDIR
					       ? refuse(tw,
							N_("directory was replaced during the import "
							   "(now a symbolic link or not a directory): "
							   "refused"),
							0)
					       : refuse(tw, N_("directory cannot be read"), errno);
			if (fstat(fd, &st) < 0 || !same_file(&st, &e->st)) {
				close(fd);
				return refuse(tw,
					      N_("directory was replaced during the import (by "
						 "another directory): refused"),
					      0);
			}
			if ((tw->rel.len && (rc = cy_buf_putc(&tw->rel, '/'))) ||
			    (rc = cy_buf_puts(&tw->rel, e->name))) {
				close(fd);
				return rc;
			}
			if ((rc = push(tw, fd, &st))) {
				buf_cut(&tw->rel, tw->f[tw->depth - 1].rel_len);
				if (rc == CY_ENOMEM)
					return rc;
				return refuse(tw, N_("directory cannot be read"), -rc);
			}
			continue;
		}
		if (S_ISREG(e->st.st_mode)) {
			tw->st = e->st;
			if (!tw->open_files)
				return F_FILE;
			fd = openat(fr->fd, e->name,
				    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
			if (fd < 0)
				return errno == ELOOP
					       ? refuse(tw,
							N_("file was replaced by a symbolic link during "
							   "the import: refused"),
							0)
					       : refuse(tw, N_("cannot open"), errno);
			if (fstat(fd, &tw->st) < 0 || !S_ISREG(tw->st.st_mode) ||
			    !same_file(&tw->st, &e->st)) {
				close(fd);
				return refuse(tw,
					      N_("file was replaced during the import (by another "
						 "file): refused"),
					      0);
			}
			tw->fd = fd;
			return F_FILE;
		}
		if (S_ISLNK(e->st.st_mode))
			return F_LINK;
		return refuse(tw, N_("not a regular file (device, FIFO or socket): refused"), 0);
	}
}

/* First pass: regular files and their bytes. */
static void count_tree(const char *real, uint64_t *files, uint64_t *bytes)
{
	twalk tw;
	int k;

	if (tw_open(&tw, real, 0))
		return;
	while ((k = tw_next(&tw)) > F_END) {
		if (k == F_FILE) {
			(*files)++;
			*bytes += (uint64_t)tw.st.st_size;
		}
	}
	tw_release(&tw);
}

/* The walker adds one entry (a file to prepare, or a ready event). */
static int put(pipeline *pl, slot *sl)
{
	pthread_mutex_lock(&pl->mu);
	for (;;) {
		if (!pl->stop && pl->tail - pl->head == QUEUE_SLOTS)
			pl->put_waits = 1;
		else if (!pl->stop && pl->open_files >= MAX_OPEN_FILES)
			pl->fd_waits = 1;
		else
			break;
		pthread_cond_wait(&pl->can_put, &pl->mu);
	}
	if (pl->stop) {
		pthread_mutex_unlock(&pl->mu);
		free(sl->rel);
		if (sl->fd >= 0)
			close(sl->fd);
		return -1;
	}
	pl->ring[pl->tail % QUEUE_SLOTS] = *sl;
	pl->tail++;
	if (sl->fd >= 0)
		pl->open_files++;
	if (sl->state == S_QUEUED && pl->work_waits) {
		pl->work_waits = 0;
		pthread_cond_broadcast(&pl->has_work);
	}
	if (sl->state == S_READY && pl->tail - 1 == pl->head && pl->ready_waits) {
		pl->ready_waits = 0;
		pthread_cond_signal(&pl->has_ready);
	}
	pthread_mutex_unlock(&pl->mu);
	return 0;
}

static int put_entry(pipeline *pl, const char *rel, enum kind k, const char *why, int err)
{
	slot sl;

	memset(&sl, 0, sizeof(sl));
	sl.kind = k;
	sl.why = why;
	sl.why_err = err;
	sl.fd = -1;
	sl.state = S_READY;
	if (!(sl.rel = strdup(rel)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	return put(pl, &sl);
}

/* fd: the opened file, taken over. */
static int put_file(pipeline *pl, const char *rel, const struct stat *st, int fd)
{
	slot sl;

	memset(&sl, 0, sizeof(sl));
	sl.kind = K_FILE;
	sl.fd = fd;
	sl.size = (uint64_t)st->st_size;
	sl.mtime = (int64_t)st->st_mtime;
	sl.state = S_QUEUED;
	if (!(sl.rel = strdup(rel))) {
		close(fd);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	return put(pl, &sl);
}

/* What the rules make of a file: its name, its format and its first KiB
 * as text (wiped after).  format: set to the sniffed format. */
static int classify(const cy_rules *rules, int fd, const char *rel, const char **format,
		    cy_classification *cls)
{
	uint8_t b[CY_RULES_TEXT_MAX];
	cy_buf text = CY_BUF_INIT;
	cy_classify_input in = {.kind = "files", .name = rel};
	ssize_t n;
	int rc;

	do
		n = pread(fd, b, sizeof(b), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cy_error_set_errno(CY_EIO, errno, "cannot read %s", rel);
	*format = in.format = cy_sniff_format(b, (size_t)n, rel);
	if (!strncmp(*format, "text", 4) || !strcmp(*format, "csv") || !strcmp(*format, "eml") ||
	    !strcmp(*format, "xml") || !strcmp(*format, "html")) {
		if ((rc = cy_rules_text_sample(b, (size_t)n, &text)))
			goto out;
		in.text = (const char *)text.ptr;
		in.text_len = text.len;
	}
	rc = cy_rules_classify(rules, &in, cls);
out:
	explicit_bzero(b, sizeof(b));
	cy_buf_wipe(&text);
	return rc;
}

/* The file's format (as prepare would sniff it from its first KiB, unless
 * given) and, for a format whose text the full-text index takes, its first
 * 64 KiB (vault_reindex.c decides what of it is indexed). */
static int text_prefix(int fd, const char *rel, const char **format, cy_buf *text)
{
	ssize_t n;
	int rc;

	if ((rc = cy_buf_grow(text, CY_IMPORT_TEXT_MAX)))
		return rc;
	do
		n = pread(fd, text->ptr, CY_IMPORT_TEXT_MAX, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cy_error_set_errno(CY_EIO, errno, "cannot read %s", rel);
	text->len = (size_t)n;
	if (!*format)
		*format = cy_sniff_format(text->ptr, (size_t)n < 1024 ? (size_t)n : 1024, rel);
	if (!cy_import_indexes_format(*format))
		cy_buf_wipe(text);
	return 0;
}

/* A preparer: opens, reads, hashes and seals files, any number in parallel. */
static void *preparer(void *arg)
{
	pipeline *pl = arg;

	pthread_setname_np(pthread_self(), "custody-prep");
	pthread_mutex_lock(&pl->mu);
	for (;;) {
		uint64_t n;
		slot *sl;
		char *rel;
		uint64_t sl_size;
		cy_doc_date doc = {0};
		cy_classification cls = {0};
		int classified = 0;
		cy_import_item *it = NULL;
		cy_buf text = CY_BUF_INIT;
		const char *text_format = NULL;
		int rc, fd;
		char err[384] = "";

		uint64_t est;

		while (!pl->stop && pl->next_queued < pl->tail &&
		       pl->ring[pl->next_queued % QUEUE_SLOTS].state != S_QUEUED)
			pl->next_queued++;
		if (pl->stop)
			break;
		if (pl->next_queued == pl->tail) {
			if (pl->walk_done)
				break;
			pl->work_waits = 1;
			pthread_cond_wait(&pl->has_work, &pl->mu);
			continue;
		}
		/* memory: a file is sealed in memory, so do not start one that would take the
		 * ring over its budget, unless it is the one the catalog thread waits for */
		sl = &pl->ring[pl->next_queued % QUEUE_SLOTS];
		est = cy_import_item_estimate(sl->size);
		if (pl->next_queued != pl->head && pl->bytes + est > QUEUE_BYTES) {
			pl->work_waits = 1;
			pthread_cond_wait(&pl->has_work, &pl->mu);
			continue;
		}
		n = pl->next_queued++;
		sl->state = S_BUSY;
		sl->mem = est;
		pl->bytes += est;
		rel = sl->rel;
		sl_size = sl->size;
		fd = sl->fd; /* opened and checked by the walk: what it saw is what is read */
		sl->fd = -1;
		pthread_mutex_unlock(&pl->mu);

		{
			const char *format =
				NULL; /* NULL: sniffed from the first block prepare reads */
			const cy_sidecar_entry *e = cy_sidecar_find(pl->sc, pl->prefix, rel);
			rc = 0;
			/* the class from the rules, where the sidecar gives none */
			if (pl->o->rules && (!e || e->klass < 0)) {
				rc = classify(pl->o->rules, fd, rel, &format, &cls);
				classified = !rc;
			}
			/* the document's own date, only where nothing better gives the year */
			if (!rc && !pl->o->year && (!e || !e->year) &&
			    (format || !(rc = cy_sniff_fd(fd, rel, &format))))
				cy_doc_date_fd(fd, format, sl_size, &doc);
			/* the text for the full-text index (the format then is given) */
			rc = rc ? rc : text_prefix(fd, rel, &format, &text);
			text_format = format;
			/* the walk's fstat of fd: a regular file, the one listed */
			rc = rc ? rc
				: cy_import_prepare_sized(pl->im, fd, sl_size, rel, format, &it);
			if (rc)
				snprintf(err, sizeof(err), "%s", cy_error_message());
			close(fd);
		}

		pthread_mutex_lock(&pl->mu);
		pl->open_files--;
		if (pl->fd_waits && pl->open_files <= MAX_OPEN_FILES / 2) {
			pl->fd_waits = 0;
			pthread_cond_signal(&pl->can_put);
		}
		sl = &pl->ring[n % QUEUE_SLOTS];
		sl->it = it;
		sl->text = text;
		sl->format = text_format;
		sl->doc = doc;
		sl->cls = cls;
		sl->classified = classified;
		sl->rc = rc;
		memcpy(sl->err, err, sizeof(err));
		sl->state = S_READY;
		pl->bytes -= sl->mem;
		sl->mem = (it ? cy_import_item_memory(it) : 64) + sl->text.cap;
		pl->bytes += sl->mem;
		if (n == pl->head && pl->ready_waits) {
			pl->ready_waits = 0;
			pthread_cond_signal(&pl->has_ready);
		}
	}
	pthread_mutex_unlock(&pl->mu);
	return NULL;
}

/* Where a symbolic link found by the walk leads: real, resolved (PATH_MAX). */
static char *link_target(const pipeline *pl, const twalk *tw, char *real)
{
	char path[PATH_MAX];
	cy_buf full = CY_BUF_INIT;
	char *r;

	/* through the directory the walk holds, not through a path resolved again */
	if (pl->proc_fd) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", tw->dirfd, tw->name);
		return realpath(path, real);
	}
	cy_buf_printf(&full, "%s/%s", pl->root_real, cy_buf_cstr(&tw->child));
	r = realpath(cy_buf_cstr(&full), real);
	cy_buf_release(&full);
	return r;
}

/* The whole walk, in order; returns -1 when told to stop. */
static int walk(pipeline *pl)
{
	twalk tw;
	int rc, k;

	if ((rc = tw_open(&tw, pl->root_real, 1)))
		return rc == CY_ENOMEM
			       ? rc
			       : put_entry(pl, ".", K_REFUSE, N_("directory cannot be read"), 0);
	/* the resolved root is the directory that was looked at first */
	if (tw.f[0].dev != pl->root_st.st_dev || tw.f[0].ino != pl->root_st.st_ino) {
		tw_release(&tw);
		return put_entry(pl, ".", K_REFUSE,
				 N_("directory was replaced during the import (by another "
				    "directory): refused"),
				 0);
	}
	while (!rc && (k = tw_next(&tw)) != F_END) {
		const char *rel = cy_buf_cstr(&tw.child);
		if (k < 0) {
			rc = k;
		} else if (k == F_FILE) {
			rc = put_file(pl, rel, &tw.st, tw.fd);
		} else if (k == F_REFUSE) {
			rc = put_entry(pl, rel, K_REFUSE, tw.why, tw.err);
		} else {
			char real[PATH_MAX];
			size_t rl = strlen(pl->root_real);
			if (!link_target(pl, &tw, real))
				rc = put_entry(pl, rel, K_SKIP,
					       N_("symbolic link to nothing: skipped"), 0);
			else if (strncmp(real, pl->root_real, rl) ||
				 (real[rl] != '/' && real[rl] != 0))
				rc = put_entry(
					pl, rel, K_REFUSE,
					N_("symbolic link points outside the imported directory: refused"),
					0);
			else
				rc = put_entry(pl, rel, K_SKIP,
					       N_("symbolic link inside the directory: skipped (its "
						  "target is imported itself)"),
					       0);
		}
	}
	tw_release(&tw);
	return rc;
}

static void *walker(void *arg)
{
	pipeline *pl = arg;
	slot end;
	int rc;

	pthread_setname_np(pthread_self(), "custody-walk");
	rc = walk(pl);

	memset(&end, 0, sizeof(end));
	end.kind = K_END;
	end.fd = -1;
	end.state = S_READY;
	put(pl, &end);
	pthread_mutex_lock(&pl->mu);
	if (rc > 0 || rc < -1)
		pl->walk_rc = rc;
	pl->walk_done = 1;
	pthread_cond_broadcast(&pl->has_work);
	pthread_mutex_unlock(&pl->mu);
	return NULL;
}

static slot take(pipeline *pl)
{
	slot sl, *p;

	pthread_mutex_lock(&pl->mu);
	while (pl->head == pl->tail || pl->ring[pl->head % QUEUE_SLOTS].state != S_READY) {
		pl->ready_waits = 1;
		pthread_cond_wait(&pl->has_ready, &pl->mu);
	}
	p = &pl->ring[pl->head % QUEUE_SLOTS];
	sl = *p;
	p->state = S_FREE;
	p->rel = NULL;
	p->it = NULL;
	cy_buf_init(&p->text);
	pl->head++;
	pl->bytes -= sl.mem;
	/* let the walker run ahead again once a quarter of the ring is free */
	if (pl->put_waits && pl->tail - pl->head <= QUEUE_SLOTS * 3 / 4) {
		pl->put_waits = 0;
		pthread_cond_signal(&pl->can_put);
	}
	/* preparers waiting for memory, or for the slot now at the head */
	if (pl->work_waits) {
		pl->work_waits = 0;
		pthread_cond_broadcast(&pl->has_work);
	}
	pthread_mutex_unlock(&pl->mu);
	return sl;
}

static void stop_pipeline(pipeline *pl, pthread_t *threads, int nthreads)
{
	pthread_mutex_lock(&pl->mu);
	pl->stop = 1;
	pthread_cond_broadcast(&pl->can_put);
	pthread_cond_broadcast(&pl->has_work);
	pthread_mutex_unlock(&pl->mu);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	for (; pl->head < pl->tail; pl->head++) {
		slot *p = &pl->ring[pl->head % QUEUE_SLOTS];
		cy_import_item_free(p->it);
		cy_buf_wipe(&p->text);
		free(p->rel);
		if (p->fd >= 0)
			close(p->fd);
	}
}

static void event(cy_file_fn fn, void *arg, const char *rel, cy_file_status st, const char *no,
		  const char *reason)
{
	cy_buf p = CY_BUF_INIT;
	cy_file_event e;

	if (!fn)
		return;
	if (cy_utf8_valid(rel, strlen(rel))) {
		e.path = rel;
	} else {
		printable(rel, &p);
		e.path = cy_buf_cstr(&p);
	}
	e.status = st;
	e.archive_no = no;
	e.reason = reason;
	fn(arg, &e);
	cy_buf_release(&p);
}

/* Files imported into the batch not yet committed: reported once the batch
 * is durable, or as failed if it is undone. */
typedef struct pending {
	char *rel;
	char no[64];
	uint64_t size;
	int unclassified;
} pending;

typedef struct batch {
	pending *v;
	size_t n, cap;
} batch;

static int batch_add(batch *b, char *rel, const char *no, uint64_t size, int unclassified)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		pending *nv = realloc(b->v, cap * sizeof(*nv));
		if (!nv)
			return cy_error_set(CY_ENOMEM, "out of memory");
		b->v = nv;
		b->cap = cap;
	}
	b->v[b->n].rel = rel;
	snprintf(b->v[b->n].no, sizeof(b->v[b->n].no), "%s", no);
	b->v[b->n].size = size;
	b->v[b->n].unclassified = unclassified;
	b->n++;
	return 0;
}

/* Report the batch: imported if it was committed, else failed with why. */
static void batch_flush(batch *b, int committed, const char *why, cy_file_fn fn, void *arg,
			cy_import_summary *sum)
{
	char reason[1024];

	snprintf(reason, sizeof(reason),
		 dgettext("custody", "not imported: the batch was undone (%s)"), why ? why : "");
	for (size_t i = 0; i < b->n; i++) {
		if (committed) {
			sum->imported++;
			sum->unclassified += (uint64_t)b->v[i].unclassified;
			sum->bytes += b->v[i].size;
			event(fn, arg, b->v[i].rel, CY_FILE_IMPORTED, b->v[i].no, NULL);
		} else {
			sum->failed++;
			event(fn, arg, b->v[i].rel, CY_FILE_FAILED, NULL, reason);
		}
		free(b->v[i].rel);
	}
	b->n = 0;
}

/* What a file's record says about itself: the options, then its sidecar
 * entry.  title: a buffer of 256 bytes for the default title (the file name
 * without its extension). */
static int describe(const cy_import_opts *o, const cy_sidecar *sc, const char *prefix,
		    const char *rel, int64_t mtime, const cy_doc_date *doc,
		    const cy_classification *cls, char *title, cy_kv why[2], cy_record_new *r)
{
	const cy_sidecar_entry *e = cy_sidecar_find(sc, prefix, rel);
	const char *bn = strrchr(rel, '/');
	const char *dot;
	size_t tl;

	bn = bn ? bn + 1 : rel;
	dot = strrchr(bn, '.');
	tl = dot && dot != bn ? (size_t)(dot - bn) : strlen(bn);
	if (tl >= 256)
		tl = 255;
	memcpy(title, bn, tl);
	title[tl] = 0;
	/* do not cut a UTF-8 sequence in half */
	while (tl && !cy_utf8_valid(title, tl))
		title[--tl] = 0;
	memset(r, 0, sizeof(*r));
	r->klass = o->klass;
	r->year = o->year;
	r->retention = o->retention;
	r->org = o->org;
	r->title = title;
	r->source_kind = CY_SOURCE_FILE;
	r->source_path = rel;
	r->mtime = mtime;
	if (cls) {
		/* the rule's class and retention, and its id as the reason */
		r->klass = cls->klass;
		if (!o->retention) {
			r->retention = cls->retention;
			r->retention_rule = cls->rule_id;
		}
	}
	if (e) {
		if (e->year)
			r->year = e->year;
		if (e->title)
			r->title = e->title;
		if (e->klass >= 0)
			r->klass = (cy_class)e->klass;
		r->date = e->date;
	}
	/* where the year came from, kept with the record */
	why[0] = (cy_kv){"year_source", e && e->year ? "sidecar" : o->year ? "user" : NULL};
	if (!r->year && doc->year) {
		r->year = doc->year;
		if (!r->date)
			r->date = doc->date;
		why[0].value = doc->source;
	}
	r->fields = why[0].value ? why : why + 1;
	r->nfields = why[0].value ? 1 : 0;
	/* which rule gave the class */
	if (cls && (!e || e->klass < 0)) {
		why[1] = (cy_kv){"class_rule", cls->rule_id};
		r->nfields++;
	}
	if (!r->nfields)
		r->fields = NULL;
	if (!r->year)
		return cy_error_set(
			CY_EINVALID, "%s",
			dgettext("custody",
				 sc ? N_("no year for this file: the sidecar has none for it and "
					 "the file gives no date of its own (add a row with its "
					 "year, or pass --year)")
				    : N_("no year: pass --year YEAR or --sidecar META.csv (the file "
					 "gives no date of its own, and custody does not use file "
					 "times)")));
	return 0;
}

/* The vault's own files are never imported: neither a directory inside the
 * vault nor one that holds it (the walk would read packs and the catalog
 * while they change). */
static int outside_vault(cy_vault *v, const char *real)
{
	char vault[PATH_MAX];
	size_t n, m;

	if (!realpath(cy_vault_dir(v), vault))
		return 0; /* the vault is open: its directory exists; nothing to compare */
	n = strlen(vault);
	m = strlen(real);
	if (!strncmp(real, vault, n) && (real[n] == '/' || !real[n]))
		return cy_error_set(CY_EINVALID,
				    "'%s' is inside the vault: import files from outside it", real);
	if (!strncmp(vault, real, m) && (vault[m] == '/' || !strcmp(real, "/")))
		return cy_error_set(CY_EINVALID,
				    "'%s' holds the vault itself: import a directory that does not "
				    "contain the vault",
				    real);
	return 0;
}

/* Where the imported directory (real: resolved) lies below the sidecar's
 * own directory, as "a/b/"; "" when it does not. */
static int sidecar_prefix(const char *sidecar, const char *real, char *prefix, size_t n)
{
	char path[PATH_MAX], sdir[PATH_MAX];
	char *slash;
	size_t len;

	*prefix = 0;
	if (!realpath(sidecar, path))
		return cy_error_set_errno(CY_EIO, errno, "cannot resolve '%s'", sidecar);
	slash = strrchr(path, '/');
	if (!slash)
		return 0;
	*slash = 0;
	snprintf(sdir, sizeof(sdir), "%s", *path ? path : "/");
	len = strlen(sdir);
	if (!strcmp(sdir, "/"))
		len = 0;
	if (strncmp(real, sdir, len) || real[len] != '/' || !real[len + 1])
		return 0;
	snprintf(prefix, n, "%s/", real + len + 1);
	return 0;
}

/* Failures that end the whole import rather than one file. */
static int fatal(int rc)
{
	return rc == CY_ENOSPC || rc == CY_EDB || rc == CY_EBUSY || rc == CY_ENOMEM ||
	       rc == CY_ECRYPTO;
}

int cy_import_tree(cy_vault *v, const char *dir, const cy_import_opts *o, cy_file_fn fn, void *arg,
		   cy_progress_fn progress, void *parg, cy_import_summary *sum)
{
	cy_import *im = NULL;
	cy_sidecar *sc = NULL;
	char prefix[PATH_MAX] = "";
	cy_progress pr = {0};
	char real[PATH_MAX];
	struct stat st;
	batch bt = {0};
	pipeline pl;
	pthread_t threads[1 + MAX_PREPARERS];
	int nthreads = 0, nprep, rc, cancelled = 0;
	int64_t subject_id = 0; /* --subject */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(sum, 0, sizeof(*sum));
	memset(&pl, 0, sizeof(pl));
	if (stat(dir, &st) < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot read '%s'",
					  dir);
	if (!S_ISDIR(st.st_mode))
		return cy_error_set(CY_EINVALID, "'%s' is not a directory", dir);
	if (!realpath(dir, real))
		return cy_error_set_errno(CY_EIO, errno, "cannot resolve '%s'", dir);
	/* who may import first, then what was asked */
	if ((rc = cy_import_begin(v, o->fonds, &im)))
		return rc;
	cy_import_set_sniffer(im, cy_sniff_format);
	if ((rc = outside_vault(v, real))) {
		cy_import_free(im);
		return rc;
	}
	if (o->year && (o->year < 1900 || o->year > 9999))
		rc = cy_error_set(CY_EINVALID, "year %d is not valid", o->year);
	else if (o->retention && !cy_retention_valid(o->retention))
		rc = cy_error_set(CY_EINVALID, "retention '%s' is not valid (Y, D30 or D10)",
				  o->retention);
	else if (o->org && *o->org && strlen(o->org) > 3)
		rc = cy_error_set(
			CY_EINVALID,
			"organisation code '%s' is not valid: 1-3 upper-case letters or digits",
			o->org);
	else if (o->sidecar && !(rc = cy_sidecar_load(o->sidecar, &sc)))
		rc = sidecar_prefix(o->sidecar, real, prefix, sizeof(prefix));
	if (!rc && o->subject)
		rc = cy_subject_lookup(v, o->fonds, o->subject, &subject_id);
	if (rc) {
		cy_import_free(im);
		cy_sidecar_free(sc);
		return rc;
	}
	pl.proc_fd = access("/proc/self/fd", X_OK) == 0;
	pl.root_st = st;
	/* the totals only serve a progress display: a second walk of the tree costs a
	 * stat per file, so it is made only when asked for (or when the import is
	 * stopped, to say what was not reached) */
	if (progress && o->count_first)
		count_tree(real, &pr.files_total, &pr.bytes_total);
	pl.root_real = real;
	pl.im = im;
	pl.o = o;
	pl.sc = sc;
	pl.prefix = prefix;
	pthread_mutex_init(&pl.mu, NULL);
	pthread_cond_init(&pl.can_put, NULL);
	pthread_cond_init(&pl.has_work, NULL);
	pthread_cond_init(&pl.has_ready, NULL);
	/* one preparer per core: the catalog thread sleeps in fsync and waits for them */
	nprep = ncpu < 1 ? 1 : ncpu > MAX_PREPARERS ? MAX_PREPARERS : (int)ncpu;
	rc = 0;
	if (pthread_create(&threads[nthreads], NULL, walker, &pl) == 0)
		nthreads++;
	else
		rc = cy_error_set(CY_ENOMEM, "cannot start a thread");
	for (int i = 0; !rc && i < nprep; i++) {
		if (pthread_create(&threads[nthreads], NULL, preparer, &pl) == 0)
			nthreads++;
		else if (i == 0)
			rc = cy_error_set(CY_ENOMEM, "cannot start a thread");
	}
	if (rc) {
		stop_pipeline(&pl, threads, nthreads);
		goto out;
	}
	while (!rc) {
		slot sl = take(&pl);
		char no[64] = "";
		cy_import_outcome oc = CY_IMPORTED;
		int frc;

		if (sl.kind == K_END)
			break;
		if (sl.kind != K_FILE) {
			char why[512];
			if (sl.why_err)
				snprintf(why, sizeof(why), "%s: %s", dgettext("custody", sl.why),
					 strerror(sl.why_err));
			else
				snprintf(why, sizeof(why), "%s", dgettext("custody", sl.why));
			if (sl.kind == K_SKIP) {
				sum->skipped++;
				event(fn, arg, sl.rel, CY_FILE_SKIPPED, NULL, why);
			} else {
				sum->failed++;
				event(fn, arg, sl.rel, CY_FILE_FAILED, NULL, why);
			}
			free(sl.rel);
			continue;
		}
		pr.current = sl.rel;
		if (sl.rc) {
			frc = sl.rc;
			cy_error_set(frc, "%s", sl.err);
		} else {
			cy_record_new r;
			cy_kv why[2];
			char title[256];
			frc = describe(o, sc, prefix, sl.rel, sl.mtime, &sl.doc,
				       sl.classified ? &sl.cls : NULL, title, why, &r);
			if (subject_id) {
				r.subjects = &subject_id;
				r.nsubjects = 1;
			}
			if (!frc)
				frc = cy_import_add(im, sl.it, &r, &oc, no);
			/* a text file into the full-text index: its title and first 64 KiB */
			if (!frc && oc == CY_IMPORTED) {
				cy_record_part part = {"original",
						       sl.text.ptr ? (void *)sl.text.ptr : "",
						       sl.text.len, sl.format};
				frc = cy_import_index_record(im, &r, &part, 1);
			}
		}
		cy_buf_wipe(&sl.text);
		cy_import_item_free(sl.it);
		if (frc && fatal(frc)) {
			rc = frc;
		} else if (frc) {
			sum->failed++;
			event(fn, arg, sl.rel, CY_FILE_FAILED, NULL, cy_error_message());
		} else if (oc == CY_DUPLICATE) {
			sum->duplicates++;
			event(fn, arg, sl.rel, CY_FILE_DUPLICATE, no, NULL);
		} else if ((rc = batch_add(&bt, sl.rel, no, sl.size,
					   sl.classified && !sl.cls.matched)) == 0) {
			sl.rel = NULL; /* the batch owns it now */
		}
		if (!rc && (cy_import_pending_files(im) >= BATCH_FILES ||
			    cy_import_pending_bytes(im) >= BATCH_BYTES || cy_import_due(im))) {
			rc = cy_import_commit(im);
			if (!rc)
				batch_flush(&bt, 1, NULL, fn, arg, sum);
		}
		pr.files_done++;
		pr.bytes_done += sl.size;
		if (progress && progress(parg, &pr) && !rc)
			cancelled = 1;
		pr.current = NULL;
		free(sl.rel);
		if (cancelled)
			break;
	}
	{
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", cy_error_message());
		stop_pipeline(&pl, threads, nthreads);
		if (!rc && pl.walk_rc)
			rc = pl.walk_rc;
		else if (rc)
			cy_error_set(rc, "%s", msg);
	}
	/* stopped on request: what was added is kept (committed), the rest not reached */
	if (!rc)
		rc = cy_import_commit(im);
	if (cancelled && !o->count_first) {
		/* what was not reached: the totals, counted now, in a last report */
		count_tree(real, &pr.files_total, &pr.bytes_total);
		pr.current = NULL;
		(void)progress(parg, &pr);
	}
	if (!rc && cancelled) {
		batch_flush(&bt, 1, NULL, fn, arg, sum);
		sum->stopped = 1;
		rc = cy_error_set(CY_ECANCELLED, "import cancelled");
	} else if (rc) {
		/* the batch in progress is undone (cy_import_free); committed batches stay */
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", cy_error_message());
		sum->stopped = 1;
		batch_flush(&bt, 0, msg, fn, arg, sum);
		cy_error_set(rc, "%s", msg);
	} else {
		batch_flush(&bt, 1, NULL, fn, arg, sum);
	}
	free(bt.v);
out:
	pthread_mutex_destroy(&pl.mu);
	pthread_cond_destroy(&pl.can_put);
	pthread_cond_destroy(&pl.has_work);
	pthread_cond_destroy(&pl.has_ready);
	{
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", cy_error_message());
		cy_import_free(im);
		cy_sidecar_free(sc);
		if (rc)
			cy_error_set(rc, "%s", msg);
	}
	return rc;
}
