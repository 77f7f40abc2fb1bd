/* mail_reader.c - the sources of mail: an mbox file (split by mail_mbox.c),
 * one message file, a folder of .eml files, a Maildir.  Directories are
 * walked by descriptor (openat, O_NOFOLLOW), in byte order of names, so a
 * message's number is the same on every run over the same source. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/error.h"
#include "ingest/mail_internal.h"
#include "custody/banned.h"

#define DEPTH_MAX 64 /* directories below the source */

typedef struct frame {
	int fd;
	char *rel; /* "" or "a/b/" */
	char **names;
	size_t n, i;
	bool maildir_sub; /* cur/ or new/: every file, no descent */
} frame;

struct cy_mail_reader {
	cy_mail_kind kind;
	cy_mail_limits lim;
	uint64_t number, skipped;
	int fd;
	cy_mail__mbox *mbox;
	bool eml_done;
	frame *stack;
	size_t depth;
};

static void frame_release(frame *f)
{
	if (f->fd >= 0)
		close(f->fd);
	for (size_t i = 0; i < f->n; i++)
		free(f->names[i]);
	free(f->names);
	free(f->rel);
	f->fd = -1;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Push the directory fd (taken) with its entries sorted. */
static int push_dir(cy_mail_reader *r, int fd, const char *rel, bool maildir_sub)
{
	frame *f = &r->stack[r->depth];
	DIR *d;
	struct dirent *e;
	size_t cap = 0;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->maildir_sub = maildir_sub;
	if (!(f->rel = strdup(rel)))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	int dfd = rc == 0 ? dup(fd) : -1;
	if (rc == 0 && (dfd < 0 || !(d = fdopendir(dfd)))) {
		if (dfd >= 0)
			close(dfd);
		rc = cy_error_set_errno(CY_EIO, errno, "mail folder '%s'", rel);
	}
	if (rc < 0) {
		frame_release(f);
		return rc;
	}
	while (rc == 0 && (errno = 0, e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (f->n == cap) {
			char **v;
			cap = cap ? cap * 2 : 32;
			if (!(v = realloc(f->names, cap * sizeof(*v)))) {
				rc = cy_error_set(CY_ENOMEM, "out of memory");
				break;
			}
			f->names = v;
		}
		if (!(f->names[f->n] = strdup(e->d_name)))
			rc = cy_error_set(CY_ENOMEM, "out of memory");
		else
			f->n++;
	}
	if (rc == 0 && errno)
		rc = cy_error_set_errno(CY_EIO, errno, "mail folder '%s'", rel);
	closedir(d);
	if (rc < 0) {
		frame_release(f);
		return rc;
	}
	if (f->n)
		qsort(f->names, f->n, sizeof(*f->names), cmp_names);
	r->depth++;
	return 0;
}

static bool ends_eml(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && !strcasecmp(name + n - 4, ".eml");
}

int cy_mail_open(const char *path, const cy_mail_opts *opts, cy_mail_reader **out)
{
	cy_mail_reader *r = calloc(1, sizeof(*r));
	struct stat st;
	int rc = 0;

	*out = NULL;
	cy_mail_init();
	if (!r)
		return cy_error_set(CY_ENOMEM, "out of memory");
	r->fd = -1;
	cy_mail__limits(opts, &r->lim);
	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (r->fd < 0) {
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno, "mail source '%s'",
					path);
		goto out;
	}
	if (fstat(r->fd, &st) < 0) {
		rc = cy_error_set_errno(CY_EIO, errno, "mail source '%s'", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		struct stat cur, nw;
		bool maildir = fstatat(r->fd, "cur", &cur, AT_SYMLINK_NOFOLLOW) == 0 &&
			       S_ISDIR(cur.st_mode) &&
			       fstatat(r->fd, "new", &nw, AT_SYMLINK_NOFOLLOW) == 0 &&
			       S_ISDIR(nw.st_mode);

		r->kind = maildir ? CY_MAIL_MAILDIR : CY_MAIL_EML_DIR;
		if (!(r->stack = calloc(DEPTH_MAX + 2, sizeof(*r->stack)))) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			goto out;
		}
		rc = push_dir(r, r->fd, "", false);
		r->fd = -1; /* the frame has it */
		if (rc == 0 && maildir) {
			/* only cur/ and new/, in that order */
			frame *f = &r->stack[0];
			for (size_t i = 0; i < f->n; i++)
				if (strcmp(f->names[i], "cur") && strcmp(f->names[i], "new")) {
					free(f->names[i]);
					f->names[i] = NULL;
				}
		}
	} else if (S_ISREG(st.st_mode)) {
		uint8_t head[8];
		ssize_t n = pread(r->fd, head, sizeof(head), 0);
		size_t skip = 0;

		if (n < 0) {
			rc = cy_error_set_errno(CY_EIO, errno, "mail source '%s'", path);
			goto out;
		}
		if (n >= 3 && head[0] == 0xef && head[1] == 0xbb && head[2] == 0xbf)
			skip = 3;
		if ((size_t)n >= skip + 5 && !memcmp(head + skip, "From ", 5)) {
			r->kind = CY_MAIL_MBOX;
			rc = cy_mail__mbox_new(r->fd, NULL, (uint64_t)st.st_size,
					       r->lim.message_max,
					       !(opts && opts->ignore_content_length), &r->mbox);
		} else {
			r->kind = CY_MAIL_EML;
		}
	} else {
		rc = cy_error_set(CY_EINVALID, "mail source '%s' is not a file or a directory",
				  path);
	}
out:
	if (rc < 0) {
		cy_mail_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int cy_mail_open_mbox_mem(const void *data, size_t n, const cy_mail_opts *opts,
			  cy_mail_reader **out)
{
	cy_mail_reader *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	cy_mail_init();
	if (!r)
		return cy_error_set(CY_ENOMEM, "out of memory");
	r->fd = -1;
	r->kind = CY_MAIL_MBOX;
	cy_mail__limits(opts, &r->lim);
	rc = cy_mail__mbox_new(-1, data, n, r->lim.message_max,
			       !(opts && opts->ignore_content_length), &r->mbox);
	if (rc < 0) {
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

cy_mail_kind cy_mail_reader_kind(const cy_mail_reader *r)
{
	return r->kind;
}

uint64_t cy_mail_reader_skipped(const cy_mail_reader *r)
{
	return r->skipped;
}

void cy_mail_reader_free(cy_mail_reader *r)
{
	if (!r)
		return;
	cy_mail__mbox_free(r->mbox);
	if (r->fd >= 0)
		close(r->fd);
	while (r->depth)
		frame_release(&r->stack[--r->depth]);
	free(r->stack);
	free(r);
}

/* A whole message file from fd (taken), at most the limit in memory. */
static int message_from_fd(cy_mail_reader *r, int fd, const char *what, cy_mail_message **out)
{
	struct stat st;
	uint8_t *raw = NULL;
	size_t got = 0, size = 0;
	const char *fail = NULL;
	int err = 0, rc;

	*out = NULL;
	if (fstat(fd, &st) < 0) {
		err = errno;
		fail = "cannot be read";
	} else if (!S_ISREG(st.st_mode)) {
		fail = "is not a regular file";
	} else if ((uint64_t)st.st_size > r->lim.message_max) {
		size = 0;
	} else {
		size = (size_t)st.st_size;
		if (!(raw = malloc(size + 1))) {
			close(fd);
			return cy_error_set(CY_ENOMEM, "out of memory");
		}
		while (got < size) {
			ssize_t n = pread(fd, raw + got, size - got, (off_t)got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				err = n < 0 ? errno : 0;
				if (n < 0)
					fail = "cannot be read";
				break;
			}
			got += (size_t)n;
		}
		raw[got] = 0;
	}
	close(fd);
	if (fail && raw) {
		explicit_bzero(raw, size + 1);
		free(raw);
		raw = NULL;
	}
	*out = cy_mail__message_new(raw, got, fail || !raw ? (uint64_t)st.st_size : got);
	if (!*out)
		return cy_error_set(CY_ENOMEM, "out of memory");
	(*out)->number = ++r->number;
	if (fail)
		rc = cy_mail__reject(*out, CY_MAIL_REJECT_UNREADABLE, "%s %s%s%s", what, fail,
				     err ? ": " : "", err ? strerror(err) : "");
	else
		rc = cy_mail__read(*out, &r->lim);
	if (rc < 0) {
		cy_mail_message_free(*out);
		*out = NULL;
	}
	return rc;
}

static int next_mbox(cy_mail_reader *r, cy_mail_message **out)
{
	cy_mail__mbox_msg mm;
	cy_mail_message *m;
	int rc = cy_mail__mbox_next(r->mbox, &mm);

	if (rc <= 0)
		return rc;
	m = cy_mail__message_new(mm.raw.p, mm.raw.len, mm.size);
	mm.raw.p = NULL; /* the message has it (or wiped it) */
	mm.raw.len = mm.raw.cap = 0;
	if (!m) {
		cy_mail__mbox_msg_release(&mm);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	m->number = ++r->number;
	m->offset = mm.offset;
	rc = 0;
	if (mm.envelope && !(m->envelope = cy_mail__strdup(m, mm.envelope, strlen(mm.envelope))))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	if (rc == 0 && !m->raw && !mm.oversize)
		rc = cy_mail__reject(m, CY_MAIL_REJECT_EMPTY, "empty message");
	if (rc == 0)
		rc = cy_mail__read(m, &r->lim);
	if (rc == 0 && mm.note && !m->reject)
		rc = cy_mail__problem(m, "%s", mm.note);
	cy_mail__mbox_msg_release(&mm);
	if (rc < 0) {
		cy_mail_message_free(m);
		return rc;
	}
	*out = m;
	return 1;
}

static int next_dir(cy_mail_reader *r, cy_mail_message **out)
{
	while (r->depth) {
		frame *f = &r->stack[r->depth - 1];
		struct stat st;
		char *name, *rel;
		size_t rl;
		int fd, rc;

		if (f->i == f->n) {
			frame_release(f);
			r->depth--;
			continue;
		}
		name = f->names[f->i++];
		if (!name)
			continue;
		if (name[0] == '.' || fstatat(f->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r->skipped++;
			continue;
		}
		rl = strlen(f->rel) + strlen(name) + 2;
		if (!(rel = malloc(rl)))
			return cy_error_set(CY_ENOMEM, "out of memory");
		memcpy(rel, f->rel, strlen(f->rel));
		memcpy(rel + strlen(f->rel), name, strlen(name) + 1);
		if (S_ISDIR(st.st_mode)) {
			bool sub = r->kind == CY_MAIL_MAILDIR && r->depth == 1;
			if ((r->kind == CY_MAIL_MAILDIR && !sub) || r->depth > DEPTH_MAX) {
				r->skipped++;
				free(rel);
				continue;
			}
			fd = openat(f->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0) {
				rc = cy_error_set_errno(CY_EIO, errno, "mail folder '%s'", rel);
				free(rel);
				return rc;
			}
			rl = strlen(rel);
			rel[rl] = '/';
			rel[rl + 1] = 0;
			rc = push_dir(r, fd, rel, sub);
			free(rel);
			if (rc < 0)
				return rc;
			continue;
		}
		if (!S_ISREG(st.st_mode) || (r->kind == CY_MAIL_EML_DIR && !ends_eml(name)) ||
		    (r->kind == CY_MAIL_MAILDIR && !f->maildir_sub)) {
			r->skipped++;
			free(rel);
			continue;
		}
		fd = openat(f->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			cy_mail_message *m = cy_mail__message_new(NULL, 0, (uint64_t)st.st_size);
			int e = errno;
			if (!m) {
				free(rel);
				return cy_error_set(CY_ENOMEM, "out of memory");
			}
			m->number = ++r->number;
			rc = cy_mail__reject(m, CY_MAIL_REJECT_UNREADABLE, "cannot be opened: %s",
					     strerror(e));
			*out = m;
		} else {
			rc = message_from_fd(r, fd, "file", out);
		}
		if (rc == 0 && !((*out)->path = cy_mail__strdup(*out, rel, strlen(rel))))
			rc = cy_error_set(CY_ENOMEM, "out of memory");
		free(rel);
		if (rc < 0) {
			cy_mail_message_free(*out);
			*out = NULL;
			return rc;
		}
		return 1;
	}
	return 0;
}

int cy_mail_next(cy_mail_reader *r, cy_mail_message **out)
{
	int rc = 0;

	*out = NULL;
	switch (r->kind) {
	case CY_MAIL_MBOX:
		rc = next_mbox(r, out);
		break;
	case CY_MAIL_EML:
		if (r->eml_done)
			return 0;
		r->eml_done = true;
		rc = message_from_fd(r, r->fd, "file", out);
		r->fd = -1;
		break;
	case CY_MAIL_EML_DIR:
	case CY_MAIL_MAILDIR:
		rc = next_dir(r, out);
		break;
	}
	return rc < 0 ? rc : 0;
}
