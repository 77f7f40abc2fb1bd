/* import_files.c - import a directory tree, one record per regular file.
 *
 * A walker thread lists the tree (names sorted byte-wise in each directory,
 * so numbering is reproducible; one directory's names in memory at a time)
 * and numbers the entries in walk order.  Preparer threads, one per core,
 * open each file without following links, check it is the regular file it
 * looked like, and read, hash and seal it (cy_import_prepare: the CPU work),
 * in any order.  This thread takes the results in walk order and adds them
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
	uint64_t size;
	int64_t mtime;
	cy_import_item *it;
	cy_doc_date doc; /* doc.year != 0: the date the document's own metadata gives */
	int rc;
	int state;    /* S_FREE, S_QUEUED (a file to prepare), S_BUSY (being prepared), S_READY */
	uint64_t mem; /* bytes this slot holds (estimated while it is being prepared) */
	char err[384];
} slot;

enum { S_FREE, S_QUEUED, S_BUSY, S_READY };

#define MAX_PREPARERS 4

/* Slots are numbered in walk order; slot n lives at ring[n % QUEUE_SLOTS].
 * The walker fills slots at `tail`, preparers take queued slots from
 * `next_queued` on and mark them READY in any order, the consumer takes them
 * at `head` in order. */
typedef struct pipeline {
	const char *root;
	const char *root_real;
	const cy_import *im;
	const cy_import_opts *o;
	const cy_sidecar *sc; /* read only: shared by the preparers */
	const char *prefix;
	int dfd;
	pthread_mutex_t mu;
	pthread_cond_t can_put, has_work, has_ready;
	slot ring[QUEUE_SLOTS];
	uint64_t head, tail, next_queued;
	uint64_t bytes;
	int stop, walk_done;
	int put_waits, work_waits, ready_waits; /* wake the other side only when it sleeps */
	int walk_rc;				/* a failure of the walk itself (out of memory) */
} pipeline;

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

/* The sorted names of a directory (NULL-terminated; caller frees). */
static char **list_dir(const char *path, size_t *count)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	*count = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n + 1 >= cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*nn));
			if (!nn)
				break;
			names = nn;
		}
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	closedir(d);
	if (!names && !(names = calloc(1, sizeof(*names))))
		return NULL;
	names[n] = NULL;
	qsort(names, n, sizeof(*names), cmp_str);
	*count = n;
	return names;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* First pass: regular files and their bytes. */
static void count_tree(const char *path, uint64_t *files, uint64_t *bytes)
{
	size_t n;
	char **names = list_dir(path, &n);
	cy_buf child = CY_BUF_INIT;

	for (size_t i = 0; names && i < n; i++) {
		struct stat st;
		cy_buf_clear(&child);
		cy_buf_printf(&child, "%s/%s", path, names[i]);
		if (lstat(cy_buf_cstr(&child), &st) < 0 ||
		    !cy_utf8_valid(names[i], strlen(names[i])))
			continue;
		if (S_ISDIR(st.st_mode)) {
			count_tree(cy_buf_cstr(&child), files, bytes);
		} else if (S_ISREG(st.st_mode)) {
			(*files)++;
			*bytes += (uint64_t)st.st_size;
		}
	}
	free_names(names, n);
	cy_buf_release(&child);
}

/* The walker adds one entry (a file to prepare, or a ready event). */
static int put(pipeline *pl, slot *sl)
{
	pthread_mutex_lock(&pl->mu);
	while (!pl->stop && pl->tail - pl->head == QUEUE_SLOTS) {
		pl->put_waits = 1;
		pthread_cond_wait(&pl->can_put, &pl->mu);
	}
	if (pl->stop) {
		pthread_mutex_unlock(&pl->mu);
		free(sl->rel);
		return -1;
	}
	pl->ring[pl->tail % QUEUE_SLOTS] = *sl;
	pl->tail++;
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

static int put_entry(pipeline *pl, const char *rel, enum kind k, const char *why)
{
	slot sl;

	memset(&sl, 0, sizeof(sl));
	sl.kind = k;
	sl.why = why;
	sl.state = S_READY;
	if (!(sl.rel = strdup(rel)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	return put(pl, &sl);
}

static int put_file(pipeline *pl, const char *rel, const struct stat *st)
{
	slot sl;

	memset(&sl, 0, sizeof(sl));
	sl.kind = K_FILE;
	sl.size = (uint64_t)st->st_size;
	sl.mtime = (int64_t)st->st_mtime;
	sl.state = S_QUEUED;
	if (!(sl.rel = strdup(rel)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	return put(pl, &sl);
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
		cy_import_item *it = NULL;
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
		pthread_mutex_unlock(&pl->mu);

		fd = openat(pl->dfd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			rc = CY_EIO;
			snprintf(err, sizeof(err), dgettext("custody", "cannot open: %s"),
				 strerror(errno));
		} else {
			const char *format =
				NULL; /* NULL: sniffed from the first block prepare reads */
			const cy_sidecar_entry *e;
			rc = 0;
			/* the document's own date, only where nothing better gives the year */
			if (!pl->o->year &&
			    (!(e = cy_sidecar_find(pl->sc, pl->prefix, rel)) || !e->year) &&
			    !(rc = cy_sniff_fd(fd, rel, &format)))
				cy_doc_date_fd(fd, format, sl_size, &doc);
			rc = rc ? rc : cy_import_prepare(pl->im, fd, rel, format, &it);
			if (rc)
				snprintf(err, sizeof(err), "%s", cy_error_message());
			close(fd);
		}

		pthread_mutex_lock(&pl->mu);
		sl = &pl->ring[n % QUEUE_SLOTS];
		sl->it = it;
		sl->doc = doc;
		sl->rc = rc;
		memcpy(sl->err, err, sizeof(err));
		sl->state = S_READY;
		pl->bytes -= sl->mem;
		sl->mem = it ? cy_import_item_memory(it) : 64;
		pl->bytes += sl->mem;
		if (n == pl->head && pl->ready_waits) {
			pl->ready_waits = 0;
			pthread_cond_signal(&pl->has_ready);
		}
	}
	pthread_mutex_unlock(&pl->mu);
	return NULL;
}

/* Walk one directory (rel "" is the root); returns -1 when told to stop. */
static int walk(pipeline *pl, const char *rel)
{
	cy_buf path = CY_BUF_INIT, child = CY_BUF_INIT;
	size_t n;
	char **names;
	int rc = 0;

	cy_buf_puts(&path, pl->root);
	if (*rel)
		cy_buf_printf(&path, "/%s", rel);
	names = list_dir(cy_buf_cstr(&path), &n);
	if (!names) {
		rc = put_entry(pl, *rel ? rel : ".", K_REFUSE, N_("directory cannot be read"));
		goto out;
	}
	for (size_t i = 0; !rc && i < n; i++) {
		struct stat st;
		cy_buf_clear(&child);
		if (*rel)
			cy_buf_printf(&child, "%s/", rel);
		cy_buf_puts(&child, names[i]);
		cy_buf_clear(&path);
		cy_buf_printf(&path, "%s/%s", pl->root, cy_buf_cstr(&child));
		if (lstat(cy_buf_cstr(&path), &st) < 0) {
			rc = put_entry(pl, cy_buf_cstr(&child), K_REFUSE,
				       N_("cannot be read (it vanished?)"));
		} else if (!cy_utf8_valid(names[i], strlen(names[i]))) {
			rc = put_entry(
				pl, cy_buf_cstr(&child), K_REFUSE,
				S_ISDIR(st.st_mode)
					? N_("directory name is not valid UTF-8: rename it (for "
					     "example with convmv) and import again")
					: N_("file name is not valid UTF-8: rename it (for example "
					     "with convmv) and import again"));
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk(pl, cy_buf_cstr(&child));
		} else if (S_ISREG(st.st_mode)) {
			rc = put_file(pl, cy_buf_cstr(&child), &st);
		} else if (S_ISLNK(st.st_mode)) {
			char real[PATH_MAX];
			size_t rl = strlen(pl->root_real);
			if (!realpath(cy_buf_cstr(&path), real))
				rc = put_entry(pl, cy_buf_cstr(&child), K_SKIP,
					       N_("symbolic link to nothing: skipped"));
			else if (strncmp(real, pl->root_real, rl) ||
				 (real[rl] != '/' && real[rl] != 0))
				rc = put_entry(
					pl, cy_buf_cstr(&child), K_REFUSE,
					N_("symbolic link points outside the imported directory: refused"));
			else
				rc = put_entry(pl, cy_buf_cstr(&child), K_SKIP,
					       N_("symbolic link inside the directory: skipped (its "
						  "target is imported itself)"));
		} else {
			rc = put_entry(pl, cy_buf_cstr(&child), K_REFUSE,
				       N_("not a regular file (device, FIFO or socket): refused"));
		}
	}
out:
	free_names(names, n);
	cy_buf_release(&path);
	cy_buf_release(&child);
	return rc;
}

static void *walker(void *arg)
{
	pipeline *pl = arg;
	slot end;
	int rc;

	pthread_setname_np(pthread_self(), "custody-walk");
	rc = walk(pl, "");

	memset(&end, 0, sizeof(end));
	end.kind = K_END;
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
		free(p->rel);
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
} pending;

typedef struct batch {
	pending *v;
	size_t n, cap;
} batch;

static int batch_add(batch *b, char *rel, const char *no, uint64_t size)
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
		    const char *rel, int64_t mtime, const cy_doc_date *doc, char *title, cy_kv *why,
		    cy_record_new *r)
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
	*why = (cy_kv){"year_source", e && e->year ? "sidecar" : o->year ? "user" : NULL};
	if (!r->year && doc->year) {
		r->year = doc->year;
		if (!r->date)
			r->date = doc->date;
		why->value = doc->source;
	}
	if (why->value) {
		r->fields = why;
		r->nfields = 1;
	}
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
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(sum, 0, sizeof(*sum));
	memset(&pl, 0, sizeof(pl));
	pl.dfd = -1;
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
	if (rc) {
		cy_import_free(im);
		cy_sidecar_free(sc);
		return rc;
	}
	if ((pl.dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = cy_error_set_errno(CY_EIO, errno, "cannot open '%s'", dir);
		cy_import_free(im);
		cy_sidecar_free(sc);
		return rc;
	}
	/* the totals only serve a progress display: a second walk of the tree costs a
	 * stat per file, so it is made only when asked for (or when the import is
	 * stopped, to say what was not reached) */
	if (progress && o->count_first)
		count_tree(dir, &pr.files_total, &pr.bytes_total);
	pl.root = dir;
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
			if (sl.kind == K_SKIP) {
				sum->skipped++;
				event(fn, arg, sl.rel, CY_FILE_SKIPPED, NULL,
				      dgettext("custody", sl.why));
			} else {
				sum->failed++;
				event(fn, arg, sl.rel, CY_FILE_FAILED, NULL,
				      dgettext("custody", sl.why));
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
			cy_kv why;
			char title[256];
			frc = describe(o, sc, prefix, sl.rel, sl.mtime, &sl.doc, title, &why, &r);
			if (!frc)
				frc = cy_import_add(im, sl.it, &r, &oc, no);
		}
		cy_import_item_free(sl.it);
		if (frc && fatal(frc)) {
			rc = frc;
		} else if (frc) {
			sum->failed++;
			event(fn, arg, sl.rel, CY_FILE_FAILED, NULL, cy_error_message());
		} else if (oc == CY_DUPLICATE) {
			sum->duplicates++;
			event(fn, arg, sl.rel, CY_FILE_DUPLICATE, no, NULL);
		} else if ((rc = batch_add(&bt, sl.rel, no, sl.size)) == 0) {
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
		count_tree(dir, &pr.files_total, &pr.bytes_total);
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
	close(pl.dfd);
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
