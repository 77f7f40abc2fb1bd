/* notify_mime.c - e-mail notices as MIME, and delivery status notifications
 * read back, both with GMime (already custody's mail library; why not our
 * own: docs/internals/notify.md). */
#include <gmime/gmime.h>
#include <string.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/mail.h"
#include "custody/notify.h"
#include "custody/banned.h"

/* LF -> CRLF where the CR is missing: SMTP wants CRLF throughout, and
 * GMime's DOS newline option covers headers but not every body encoder. */
static int crlf(const uint8_t *p, size_t n, cy_buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			cy_buf_putc(out, '\r');
		cy_buf_putc(out, (char)p[i]);
	}
	return cy_buf_failed(out) ? cy_error_set(CY_ENOMEM, "out of memory") : 0;
}

static bool header_safe(const char *s)
{
	for (; s && *s; s++)
		if (*s == '\r' || *s == '\n')
			return false;
	return true;
}

/* "Subject: " in RFC 2047 encoded words of at most 75 characters (45 bytes
 * of UTF-8 each, 36 on the line with "Subject:", never a character split), one per folded line: GMime
 * writes a long subject as one encoded word longer than RFC 2047 allows. */
static int subject_header(const char *s, cy_buf *out)
{
	size_t n = strlen(s), i = 0;
	bool ascii = true;

	for (size_t k = 0; k < n; k++)
		if ((unsigned char)s[k] >= 0x80 || (s[k] == '=' && s[k + 1] == '?'))
			ascii = false;
	cy_buf_puts(out, "Subject:");
	if (ascii && n <= 900) {
		cy_buf_putc(out, ' ');
		cy_buf_puts(out, s);
	}
	while (!(ascii && n <= 900) && i < n) {
		size_t room = i ? 45 : 36, take = n - i < room ? n - i : room;
		/* back off to the start of a character */
		while (take < n - i && take > 0 && ((unsigned char)s[i + take] & 0xc0) == 0x80)
			take--;
		if (i)
			cy_buf_puts(out, "\r\n");
		cy_buf_puts(out, " =?UTF-8?B?");
		cy_base64_encode((const uint8_t *)s + i, take, out);
		cy_buf_puts(out, "?=");
		i += take;
	}
	cy_buf_puts(out, "\r\n");
	return cy_buf_failed(out) ? cy_error_set(CY_ENOMEM, "out of memory") : 0;
}

int cy_notify_mime(const cy_notify_mail *m, cy_buf *out)
{
	GMimeMessage *msg = NULL;
	GMimeTextPart *part = NULL;
	GMimeFormatOptions *fo = NULL;
	GMimeStream *mem = NULL;
	GDateTime *dt = NULL;
	GByteArray *ba;
	cy_buf canon = CY_BUF_INIT;
	int rc = 0;

	if (!m->from || !m->to || !m->subject || !m->body || !m->message_id || !*m->from ||
	    !*m->to || !*m->message_id)
		return cy_error_set(CY_EINVALID,
				    "a notice needs From, To, Subject, body, Message-ID");
	if (!header_safe(m->from) || !header_safe(m->to) || !header_safe(m->subject) ||
	    !header_safe(m->message_id) || !header_safe(m->from_name))
		return cy_error_set(CY_EINVALID, "a header of a notice holds a line break");
	if (!g_utf8_validate(m->subject, -1, NULL) || !g_utf8_validate(m->body, -1, NULL) ||
	    (m->from_name && !g_utf8_validate(m->from_name, -1, NULL)))
		return cy_error_set(CY_EINVALID, "a notice is not UTF-8 text");
	cy_mail_init();
	msg = g_mime_message_new(TRUE);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, m->from_name, m->from);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL, m->to);
	if (!(dt = g_date_time_new_from_unix_utc(m->date))) {
		rc = cy_error_set(CY_EINVALID, "a notice's date is out of range");
		goto out;
	}
	g_mime_message_set_date(msg, dt);
	g_mime_message_set_message_id(msg, m->message_id);
	/* text in its canonical form (RFC 2045 §6.4): CRLF line ends before base64 */
	if ((rc = crlf((const uint8_t *)m->body, strlen(m->body), &canon)))
		goto out;
	part = g_mime_text_part_new_with_subtype("plain");
	g_mime_text_part_set_text(part, (const char *)canon.ptr);
	g_mime_text_part_set_charset(part, "utf-8");
	/* base64: Chinese text is mostly non-ASCII, where quoted-printable triples it */
	g_mime_part_set_content_encoding(GMIME_PART(part), GMIME_CONTENT_ENCODING_BASE64);
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(part));
	fo = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	mem = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, mem) < 0) {
		rc = cy_error_set(CY_EIO, "cannot write the notice as MIME");
		goto out;
	}
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	cy_buf_clear(out);
	rc = subject_header(m->subject, out);
	rc = rc ? rc : crlf(ba->data, ba->len, out);
out:
	cy_buf_release(&canon);
	if (dt)
		g_date_time_unref(dt);
	if (part)
		g_object_unref(part);
	if (msg)
		g_object_unref(msg);
	if (mem)
		g_object_unref(mem);
	if (fo)
		g_mime_format_options_free(fo);
	return rc;
}

/* ---- delivery status notifications (RFC 3464) ---- */

typedef struct dsn {
	char message_id[256];
	bool failed, has_status;
} dsn;

static bool ci_prefix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	return n >= k && !g_ascii_strncasecmp(s, p, k);
}

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
		(*n)--;
}

/* The per-message and per-recipient fields: any "Action: failed" line. */
static void scan_status(dsn *d, const char *t, size_t n)
{
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(t + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (t + i)) : n - i;
		if (ci_prefix(t + i, len, "action:")) {
			const char *v = t + i + 7;
			size_t vn = len - 7;
			trim(&v, &vn);
			if (vn >= 6 && !g_ascii_strncasecmp(v, "failed", 6))
				d->failed = true;
		}
		i += len + 1;
	}
}

static void set_id(dsn *d, const char *v, size_t n)
{
	const char *lt, *gt;

	trim(&v, &n);
	if ((lt = memchr(v, '<', n)) && (gt = memchr(lt, '>', n - (size_t)(lt - v)))) {
		v = lt + 1;
		n = (size_t)(gt - v);
	}
	/* a Message-ID holds no brackets, blanks or controls: anything else is
	 * no id (and matches no notice) */
	for (size_t i = 0; i < n; i++)
		if (v[i] == '<' || v[i] == '>' || (unsigned char)v[i] <= ' ' || v[i] == 0x7f)
			return;
	if (n && n < sizeof(d->message_id) && !d->message_id[0]) {
		memcpy(d->message_id, v, n);
		d->message_id[n] = 0;
	}
}

/* text/rfc822-headers: the Message-ID line, unfolded */
static void scan_headers(dsn *d, const char *t, size_t n)
{
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(t + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (t + i)) : n - i;
		if (len <= 1 || (len == 1 && t[i] == '\r'))
			break; /* the end of the headers */
		if (ci_prefix(t + i, len, "message-id:")) {
			char v[256];
			size_t vn = 0, j = i + 11;
			/* the value, with its continuation lines */
			for (;;) {
				for (; j < n && t[j] != '\n'; j++)
					if (vn < sizeof(v) - 1 && t[j] != '\r')
						v[vn++] = t[j];
				if (j + 1 < n && (t[j + 1] == ' ' || t[j + 1] == '\t'))
					j++;
				else
					break;
			}
			set_id(d, v, vn);
			return;
		}
		i += len + 1;
	}
}

static void part_text(GMimeObject *o, cy_buf *out)
{
	GMimeDataWrapper *w;
	GMimeStream *mem;
	GByteArray *ba;

	cy_buf_clear(out);
	if (!GMIME_IS_PART(o) || !(w = g_mime_part_get_content(GMIME_PART(o))))
		return;
	mem = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(w, mem) >= 0) {
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
		/* a status part is small; anything beyond 1 MiB is not one */
		cy_buf_put(out, ba->data, ba->len < (1u << 20) ? ba->len : (1u << 20));
	}
	g_object_unref(mem);
}

typedef struct walk {
	dsn *d;
	cy_buf text;
} walk;

static void each_part(GMimeObject *parent, GMimeObject *part, gpointer arg)
{
	walk *w = arg;
	GMimeContentType *ct = g_mime_object_get_content_type(part);

	(void)parent;
	if (!ct)
		return;
	if (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
	    g_mime_content_type_is_type(ct, "message", "global-delivery-status")) {
		w->d->has_status = true;
		if (GMIME_IS_PART(part)) {
			part_text(part, &w->text);
			scan_status(w->d, (const char *)w->text.ptr, w->text.len);
		} else {
			char *s = g_mime_object_to_string(part, NULL);
			if (s) {
				scan_status(w->d, s, strlen(s));
				g_free(s);
			}
		}
	} else if (GMIME_IS_MESSAGE_PART(part)) {
		GMimeMessage *orig = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
		const char *id = orig ? g_mime_message_get_message_id(orig) : NULL;
		if (id)
			set_id(w->d, id, strlen(id));
	} else if (g_mime_content_type_is_type(ct, "text", "rfc822-headers") ||
		   g_mime_content_type_is_type(ct, "message", "global-headers")) {
		part_text(part, &w->text);
		scan_headers(w->d, (const char *)w->text.ptr, w->text.len);
	}
}

int cy_notify_dsn_each(const void *data, size_t n, cy_notify_dsn_fn fn, void *arg)
{
	GMimeStream *st;
	GMimeParser *p;
	uint64_t index = 0;
	walk w = {NULL, CY_BUF_INIT};
	int rc = 0;

	cy_mail_init();
	st = g_mime_stream_mem_new_with_buffer(data, n);
	p = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(p, GMIME_FORMAT_MBOX);
	while (!rc && !g_mime_parser_eos(p)) {
		GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
		dsn d;
		if (!m)
			break;
		memset(&d, 0, sizeof(d));
		w.d = &d;
		g_mime_message_foreach(m, each_part, &w);
		g_object_unref(m);
		rc = fn(arg, ++index, d.has_status ? d.message_id : "", d.has_status && d.failed);
	}
	g_object_unref(p);
	g_object_unref(st);
	cy_buf_release(&w.text);
	return rc;
}
