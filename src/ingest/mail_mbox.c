/* mail_mbox.c - splitting an mbox file into messages, in pieces, so that
 * memory stays bounded by the message size limit whatever the file's size.
 *
 * Our own splitter rather than GMime's GMIME_FORMAT_MBOX: GMime 3.2 takes
 * every line that begins with "From " as the start of a message, also
 * inside a body; after such a line that is not followed by headers its
 * parser returns no message and stays where it is, so the rest of the file
 * is lost (or a caller that loops until the end never returns); and a file
 * that starts with a UTF-8 byte-order mark loses its first message.  The
 * rules here (docs/internals/ingest-mail.md):
 *  - a UTF-8 byte-order mark at offset 0 is skipped;
 *  - a line "From ..." starts a message when it begins the file, or when it
 *    follows a blank line, looks like a postmark (a time hh:mm and a
 *    four-digit year) and is followed by a header field line: an unescaped
 *    "From " line inside a body meets these only by a rare accident;
 *  - where a message's own Content-Length header (mboxcl) lands exactly on
 *    the next From line (or the end of the file), that frames it, and no
 *    line inside it can start a message; a Content-Length that does not
 *    land there is ignored and noted;
 *  - the blank line before a From line belongs to the separator; lines end
 *    in LF or CRLF; ">From " lines are kept as they are (mboxo and mboxrd
 *    cannot be told apart).
 * This is only framing: each message's bytes are then parsed by GMime. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "custody/error.h"
#include "ingest/mail_internal.h"
#include "custody/banned.h"

#define WIN_SIZE (64u * 1024u)
#define LINE_CAP 4096u /* a longer line is handed on in pieces and never separates */

struct cy_mail__mbox {
	int fd;
	const uint8_t *mem;
	uint64_t size;
	size_t message_max;
	bool use_cl;

	uint8_t *win;
	size_t wpos, wlen;
	uint64_t woff; /* file offset of win[0] */
	bool at_line_start, started, done;

	bool have_cur;
	cy_mail__mbox_msg cur;
	bool in_headers, prev_blank;
	size_t last_blank; /* length of the last line if it was blank */
	int64_t cl_value, cl_end, forced_sep;

	bool pending; /* a From line that separates if a header line follows */
	uint64_t pend_off;
	size_t pend_len;
	uint8_t pend_line[LINE_CAP];
};

int cy_mail__sbuf_put(cy_mail__sbuf *b, const void *data, size_t n)
{
	if (!b->p || n >= b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *q;

		if (n > SIZE_MAX / 2 - b->len)
			return cy_error_set(CY_ENOMEM, "message buffer too large");
		while (cap - b->len < n + 1)
			cap *= 2;
		/* a new block, the old one wiped: realloc would free it unwiped */
		q = malloc(cap);
		if (!q)
			return cy_error_set(CY_ENOMEM, "out of memory");
		if (b->p) {
			memcpy(q, b->p, b->len);
			explicit_bzero(b->p, b->cap);
			free(b->p);
		}
		b->p = q;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

void cy_mail__sbuf_wipe(cy_mail__sbuf *b)
{
	if (b->p) {
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
}

void cy_mail__mbox_msg_release(cy_mail__mbox_msg *m)
{
	cy_mail__sbuf_wipe(&m->raw);
	free(m->envelope);
	memset(m, 0, sizeof(*m));
}

int cy_mail__mbox_new(int fd, const uint8_t *mem, uint64_t size, size_t message_max,
		      bool use_content_length, cy_mail__mbox **out)
{
	cy_mail__mbox *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b || !(b->win = malloc(WIN_SIZE))) {
		free(b);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	b->fd = fd;
	b->mem = mem;
	b->size = size;
	b->message_max = message_max;
	b->use_cl = use_content_length;
	b->at_line_start = true;
	*out = b;
	return 0;
}

void cy_mail__mbox_free(cy_mail__mbox *b)
{
	if (!b)
		return;
	if (b->have_cur)
		cy_mail__mbox_msg_release(&b->cur);
	explicit_bzero(b->win, WIN_SIZE);
	explicit_bzero(b->pend_line, sizeof(b->pend_line));
	free(b->win);
	free(b);
}

/* Up to n bytes at off; the count read, or a CY_E code. */
static ssize_t src_read(cy_mail__mbox *b, uint64_t off, uint8_t *p, size_t n)
{
	size_t got = 0;

	if (off >= b->size)
		return 0;
	if (n > b->size - off)
		n = (size_t)(b->size - off);
	if (b->mem) {
		memcpy(p, b->mem + off, n);
		return (ssize_t)n;
	}
	while (got < n) {
		ssize_t r = pread(b->fd, p + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cy_error_set_errno(CY_EIO, errno, "mbox: read at offset %llu",
						  (unsigned long long)(off + got));
		if (r == 0) { /* the file shrank under us: it ends here */
			b->size = off + got;
			break;
		}
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* The next piece of input: a whole line with its end, or LINE_CAP bytes of a
 * longer one.  1, 0 at the end, or a CY_E code. */
static int next_piece(cy_mail__mbox *b, const uint8_t **p, size_t *n, uint64_t *off,
		      bool *line_start, bool *complete)
{
	size_t avail = b->wlen - b->wpos;
	const uint8_t *nl;

	if (avail < LINE_CAP && b->woff + b->wlen < b->size) {
		ssize_t r;

		memmove(b->win, b->win + b->wpos, avail);
		b->woff += b->wpos;
		b->wpos = 0;
		b->wlen = avail;
		r = src_read(b, b->woff + b->wlen, b->win + b->wlen, WIN_SIZE - b->wlen);
		if (r < 0)
			return (int)r;
		b->wlen += (size_t)r;
		avail = b->wlen;
	}
	if (!avail)
		return 0;
	*p = b->win + b->wpos;
	*off = b->woff + b->wpos;
	*line_start = b->at_line_start;
	nl = memchr(*p, '\n', avail < LINE_CAP ? avail : LINE_CAP);
	if (nl) {
		*n = (size_t)(nl - *p) + 1;
		*complete = true;
	} else if (avail >= LINE_CAP) {
		*n = LINE_CAP;
		*complete = false;
	} else { /* the last line, without an end */
		*n = avail;
		*complete = true;
	}
	b->wpos += *n;
	b->at_line_start = *complete;
	return 1;
}

static bool is_blank(const uint8_t *p, size_t n)
{
	return (n == 1 && p[0] == '\n') || (n == 2 && p[0] == '\r' && p[1] == '\n');
}

static bool is_from(const uint8_t *p, size_t n)
{
	return n >= 5 && memcmp(p, "From ", 5) == 0;
}

/* A postmark: "From SENDER DATE" with a time and a four-digit year in DATE. */
static bool postmark_like(const uint8_t *p, size_t n)
{
	bool has_time = false, has_year = false;
	size_t i, run = 0;

	if (n < 6 || p[5] == ' ' || p[5] == '\t' || p[5] == '\r' || p[5] == '\n')
		return false;
	for (i = 5; i < n; i++) {
		if (i + 3 < n && isdigit(p[i]) && p[i + 1] == ':' && isdigit(p[i + 2]) &&
		    isdigit(p[i + 3]))
			has_time = true;
		if (isdigit(p[i])) {
			run++;
		} else {
			if (run == 4)
				has_year = true;
			run = 0;
		}
	}
	return has_time && (has_year || run == 4);
}

/* A header field line: a name of printable ASCII without ':' or space, then
 * ':' (optionally after blanks). */
static bool looks_header(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] > 0x20 && p[i] < 0x7f && p[i] != ':')
		i++;
	if (i == 0)
		return false;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < n && p[i] == ':';
}

static int start_msg(cy_mail__mbox *b, uint64_t off, const uint8_t *from, size_t n)
{
	memset(&b->cur, 0, sizeof(b->cur));
	b->cur.offset = (int64_t)off;
	if (from) {
		n -= 5, from += 5;
		while (n && (from[n - 1] == '\n' || from[n - 1] == '\r'))
			n--;
		b->cur.envelope = strndup((const char *)from, n);
		if (!b->cur.envelope)
			return cy_error_set(CY_ENOMEM, "out of memory");
	}
	b->have_cur = true;
	b->in_headers = true;
	b->prev_blank = false;
	b->last_blank = 0;
	b->cl_value = b->cl_end = b->forced_sep = -1;
	return 0;
}

static void finish_msg(cy_mail__mbox *b, cy_mail__mbox_msg *out)
{
	if (b->last_blank && b->cur.size >= b->last_blank) {
		b->cur.size -= b->last_blank;
		if (!b->cur.oversize && b->cur.raw.len >= b->last_blank) {
			b->cur.raw.len -= b->last_blank;
			b->cur.raw.p[b->cur.raw.len] = 0;
		}
	}
	*out = b->cur;
	memset(&b->cur, 0, sizeof(b->cur));
	b->have_cur = false;
}

/* Does Content-Length land on the next From line or the end of the file? */
static int check_content_length(cy_mail__mbox *b, uint64_t hend)
{
	uint8_t peek[10];
	uint64_t end;
	ssize_t r;

	if (b->cl_value < 0 || (uint64_t)b->cl_value > b->size - hend)
		goto mismatch;
	end = hend + (uint64_t)b->cl_value;
	if (end == b->size) {
		b->cl_end = (int64_t)end;
		return 0;
	}
	r = src_read(b, end - 1, peek, sizeof(peek));
	if (r < 0)
		return (int)r;
	if (end != hend && (r < 1 || peek[0] != '\n'))
		goto mismatch;
	if (r >= 6 && is_from(peek + 1, (size_t)r - 1)) {
		b->forced_sep = (int64_t)end;
	} else if (r >= 7 && peek[1] == '\n' && is_from(peek + 2, (size_t)r - 2)) {
		b->forced_sep = (int64_t)end + 1;
	} else if (r >= 8 && peek[1] == '\r' && peek[2] == '\n' &&
		   is_from(peek + 3, (size_t)r - 3)) {
		b->forced_sep = (int64_t)end + 2;
	} else if ((r == 2 && peek[1] == '\n') || (r == 3 && peek[1] == '\r' && peek[2] == '\n')) {
		/* only a blank line after it, then the end */
	} else {
		goto mismatch;
	}
	b->cl_end = (int64_t)end;
	return 0;
mismatch:
	b->cur.note = "Content-Length does not frame the message: split at From lines instead";
	return 0;
}

static int parse_cl(cy_mail__mbox *b, const uint8_t *p, size_t n)
{
	size_t i = 15;
	int64_t v = 0;

	if (n < 15 || strncasecmp((const char *)p, "Content-Length:", 15) != 0)
		return 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i == n || !isdigit(p[i]))
		return 0;
	for (; i < n && isdigit(p[i]); i++) {
		if (v > ((int64_t)1 << 50))
			return 0;
		v = v * 10 + (p[i] - '0');
	}
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i == n)
		b->cl_value = v;
	return 0;
}

static int add_line(cy_mail__mbox *b, const uint8_t *p, size_t n, uint64_t off, bool whole)
{
	int rc;

	if (!b->cur.oversize) {
		if (n > b->message_max - b->cur.raw.len) {
			b->cur.oversize = true;
			cy_mail__sbuf_wipe(&b->cur.raw);
		} else if ((rc = cy_mail__sbuf_put(&b->cur.raw, p, n)) < 0) {
			return rc;
		}
	}
	b->cur.size += n;
	if (!whole) {
		b->prev_blank = false;
		b->last_blank = 0;
		return 0;
	}
	b->prev_blank = is_blank(p, n);
	b->last_blank = b->prev_blank ? n : 0;
	if (b->in_headers) {
		if (b->prev_blank) {
			b->in_headers = false;
			if (b->use_cl && b->cl_value >= 0)
				return check_content_length(b, off + n);
		} else if (b->use_cl) {
			return parse_cl(b, p, n);
		}
	}
	return 0;
}

int cy_mail__mbox_next(cy_mail__mbox *b, cy_mail__mbox_msg *out)
{
	memset(out, 0, sizeof(*out));
	while (!b->done) {
		const uint8_t *p = NULL;
		size_t n = 0;
		uint64_t off = 0;
		bool line_start = false, complete = false, whole;
		int rc = next_piece(b, &p, &n, &off, &line_start, &complete);

		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (b->pending) { /* a From line at the very end: an empty message follows */
				b->pending = false;
				finish_msg(b, out);
				if ((rc = start_msg(b, b->pend_off, b->pend_line, b->pend_len)) < 0)
					return rc;
				return 1;
			}
			b->done = true;
			if (!b->have_cur)
				return 0;
			finish_msg(b, out);
			return 1;
		}
		if (!b->started) {
			b->started = true;
			if (off == 0 && n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
				p += 3, n -= 3, off += 3;
				if (!n)
					continue;
			}
			if (line_start && complete && is_from(p, n)) {
				if ((rc = start_msg(b, off, p, n)) < 0)
					return rc;
				continue;
			}
			if ((rc = start_msg(b, off, NULL, 0)) < 0)
				return rc;
		}
		whole = line_start && complete;
		if (b->pending) {
			b->pending = false;
			if (line_start && looks_header(p, n)) {
				finish_msg(b, out);
				if ((rc = start_msg(b, b->pend_off, b->pend_line, b->pend_len)) <
					    0 ||
				    (rc = add_line(b, p, n, off, whole)) < 0)
					return rc;
				return 1;
			}
			/* not a separator after all: the From line is body text */
			if ((rc = add_line(b, b->pend_line, b->pend_len, b->pend_off, true)) < 0)
				return rc;
		}
		if (whole && is_from(p, n)) {
			if (b->forced_sep == (int64_t)off) {
				finish_msg(b, out);
				if ((rc = start_msg(b, off, p, n)) < 0)
					return rc;
				return 1;
			}
			if ((b->cl_end < 0 || off >= (uint64_t)b->cl_end) && b->prev_blank &&
			    postmark_like(p, n)) {
				b->pending = true;
				b->pend_off = off;
				b->pend_len = n;
				memcpy(b->pend_line, p, n);
				continue;
			}
		}
		if ((rc = add_line(b, p, n, off, whole)) < 0)
			return rc;
	}
	return 0;
}
