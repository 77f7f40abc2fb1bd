/* mail.c - one mail message read with GMime 3: headers decoded to UTF-8
 * (RFC 2047, and raw 8-bit headers through GMime's fallback charsets
 * utf-8, gb18030, big5), the text body converted to UTF-8, the attachments
 * with their decoded names, and what did not decode cleanly as problems.
 *
 * GMime parses the message from our own memory (a GMime memory stream over
 * the raw bytes, not copied); nothing touches the disk.  What we hand out is
 * held in allocations that are wiped when the message is freed.  GMime's own
 * internal copies (decoded header strings, its buffers) are freed by GLib
 * without wiping: GLib has no hook for that (docs/internals/ingest-mail.md). */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "custody/buf.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "ingest/mail_internal.h"
#include "custody/banned.h"

#define PROBLEMS_MAX 32
#define ITEM_MAX 120 /* bytes of an offending value quoted in a problem */

typedef struct alloc {
	void *p;
	size_t n;
} alloc;

typedef struct msg {
	cy_mail_message pub; /* first: a cy_mail_message * is a msg * */
	alloc *allocs;
	size_t nallocs, capallocs;
	const char **problems;
	bool problems_full;
} msg;

static const char *FALLBACK[] = {"utf-8", "gb18030", "big5", NULL};
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_gmime(void)
{
	g_mime_init();
	/* also for values GMime decodes later with its default options */
	g_mime_parser_options_set_fallback_charsets(g_mime_parser_options_get_default(), FALLBACK);
}

void cy_mail_init(void)
{
	pthread_once(&init_once, init_gmime);
}

void cy_mail__limits(const cy_mail_opts *opts, cy_mail_limits *out)
{
	cy_mail_limits l = {0};

	if (opts)
		l = opts->limits;
	if (!l.message_max)
		l.message_max = CY_MAIL_MESSAGE_MAX_DEFAULT;
	if (l.message_max > CY_MAIL_MESSAGE_MAX_CEIL)
		l.message_max = CY_MAIL_MESSAGE_MAX_CEIL;
	if (!l.attachment_max)
		l.attachment_max = CY_MAIL_ATTACHMENT_MAX_DEFAULT;
	if (!l.parts_max)
		l.parts_max = CY_MAIL_PARTS_MAX_DEFAULT;
	if (!l.depth_max)
		l.depth_max = CY_MAIL_DEPTH_MAX_DEFAULT;
	*out = l;
}

/* Remember p (n bytes to wipe) for cy_mail_message_free; frees p on failure. */
static void *track(msg *m, void *p, size_t n)
{
	if (!p)
		return NULL;
	if (m->nallocs == m->capallocs) {
		size_t cap = m->capallocs ? m->capallocs * 2 : 16;
		alloc *a = realloc(m->allocs, cap * sizeof(*a));
		if (!a) {
			explicit_bzero(p, n);
			free(p);
			return NULL;
		}
		m->allocs = a;
		m->capallocs = cap;
	}
	m->allocs[m->nallocs].p = p;
	m->allocs[m->nallocs].n = n;
	m->nallocs++;
	return p;
}

static void *tcalloc(msg *m, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	return track(m, calloc(count ? count : 1, size ? size : 1), count * size);
}

cy_mail_message *cy_mail__message_new(uint8_t *raw, size_t len, uint64_t size)
{
	msg *m = calloc(1, sizeof(*m));

	if (!m) {
		if (raw) {
			explicit_bzero(raw, len);
			free(raw);
		}
		return NULL;
	}
	if (raw && !track(m, raw, len)) {
		free(m);
		return NULL;
	}
	m->pub.raw = raw;
	m->pub.raw_len = raw ? len : 0;
	m->pub.size = size;
	m->pub.offset = -1;
	m->pub.number = 1;
	return &m->pub;
}

void cy_mail_message_free(cy_mail_message *pub)
{
	msg *m = (msg *)pub;

	if (!m)
		return;
	for (size_t i = 0; i < m->nallocs; i++) {
		explicit_bzero(m->allocs[i].p, m->allocs[i].n);
		free(m->allocs[i].p);
	}
	free(m->allocs);
	free(m); /* pointers and counts only: what they pointed to is wiped above */
}

char *cy_mail__strdup(cy_mail_message *pub, const char *s, size_t n)
{
	msg *m = (msg *)pub;
	char *p;

	if (n == SIZE_MAX)
		return NULL;
	p = track(m, malloc(n + 1), n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

static char *vformat(cy_mail_message *pub, const char *fmt, va_list ap)
{
	cy_buf b = CY_BUF_INIT, safe = CY_BUF_INIT;
	char *s = NULL;

	/* a reason may quote what the message said (a charset's name, a
	 * header): escaped, so that it is UTF-8 and harmless on a terminal */
	if (cy_buf_vprintf(&b, fmt, ap) == 0 &&
	    cy_text_safe(&safe, (const char *)b.ptr, b.len, 0) == 0)
		s = cy_mail__strdup(pub, (const char *)safe.ptr, safe.len);
	cy_buf_wipe(&b);
	cy_buf_wipe(&safe);
	return s;
}

int cy_mail__reject(cy_mail_message *pub, cy_mail_reject_kind kind, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(pub, fmt, ap);
	va_end(ap);
	if (!s)
		return cy_error_set(CY_ENOMEM, "out of memory");
	pub->reject = s;
	pub->reject_kind = kind;
	return 0;
}

int cy_mail__problem(cy_mail_message *pub, const char *fmt, ...)
{
	msg *m = (msg *)pub;
	va_list ap;
	char *s;

	if (m->problems_full)
		return 0;
	if (!m->problems && !(m->problems = tcalloc(m, PROBLEMS_MAX + 1, sizeof(char *))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if (pub->nproblems == PROBLEMS_MAX) {
		m->problems[pub->nproblems++] = "more problems, not listed";
		m->problems_full = true;
		return 0;
	}
	va_start(ap, fmt);
	s = vformat(pub, fmt, ap);
	va_end(ap);
	if (!s)
		return cy_error_set(CY_ENOMEM, "out of memory");
	m->problems[pub->nproblems++] = s;
	pub->problems = m->problems;
	return 0;
}

/* ---- text ---- */

/* Length of the valid UTF-8 sequence at p, 0 if there is none. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
	size_t k = p[0] < 0x80	 ? 1
		   : p[0] < 0xc2 ? 0
		   : p[0] < 0xe0 ? 2
		   : p[0] < 0xf0 ? 3
		   : p[0] < 0xf5 ? 4
				 : 0;

	return k && k <= n && cy_utf8_valid((const char *)p, k) ? k : 0;
}

/* Append s[0..n) to b as valid UTF-8: each byte that is not becomes U+FFFD
 * (counted in *bad). */
static int put_utf8(cy_mail__sbuf *b, const char *s, size_t n, size_t *bad)
{
	int rc = 0;

	*bad = 0;
	for (size_t i = 0; i < n && rc == 0;) {
		size_t k = utf8_seq((const uint8_t *)s + i, n - i);
		if (k) {
			rc = cy_mail__sbuf_put(b, s + i, k);
			i += k;
		} else {
			rc = cy_mail__sbuf_put(b, "\xef\xbf\xbd", 3);
			(*bad)++;
			i++;
		}
	}
	return rc;
}

/* A copy of s owned by m, as valid UTF-8: a byte that is not becomes U+FFFD
 * and a problem names `what`.  NULL s gives NULL (*ok stays true). */
static int dup_text(msg *m, const char *s, const char *what, const char **out)
{
	size_t n, i;
	cy_mail__sbuf b = {0};
	int rc = 0;

	*out = NULL;
	if (!s)
		return 0;
	n = strlen(s);
	if (cy_utf8_valid(s, n)) {
		if (!(*out = cy_mail__strdup(&m->pub, s, n)))
			return cy_error_set(CY_ENOMEM, "out of memory");
		return 0;
	}
	rc = put_utf8(&b, s, n, &i);
	if (rc == 0 && !(*out = cy_mail__strdup(&m->pub, (const char *)b.p, b.len)))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	if (rc == 0)
		rc = cy_mail__problem(&m->pub, "%s: bytes that are not UTF-8 after decoding", what);
	cy_mail__sbuf_wipe(&b);
	return rc;
}

/* A decoded header value: also notes replacement characters and encoded
 * words that GMime left as they were. */
static int header_text(msg *m, const char *s, const char *what, const char **out)
{
	int rc = dup_text(m, s, what, out);

	if (rc < 0 || !*out)
		return rc;
	if (strstr(*out, "\xef\xbf\xbd"))
		rc = cy_mail__problem(&m->pub, "%s: characters that could not be decoded", what);
	else if (strstr(*out, "=?") && strstr(*out, "?="))
		rc = cy_mail__problem(&m->pub, "%s: encoded words left undecoded", what);
	return rc;
}

/* The name iconv should use for a declared charset: the labels that mail
 * in Chinese really carries, widened to their supersets (as WHATWG does),
 * since a "gb2312" message usually holds GBK characters. */
static const char *charset_alias(const char *cs)
{
	static const char *const gb[] = {"gb2312",   "gbk",	 "x-gbk",      "cp936",	  "euc-cn",
					 "x-euc-cn", "csgb2312", "gb_2312-80", "chinese", "ms936"};
	static const char *const big5[] = {"big5", "x-big5", "cn-big5", "csbig5", "big5-hkscs"};

	for (size_t i = 0; i < sizeof(gb) / sizeof(gb[0]); i++)
		if (!strcasecmp(cs, gb[i]))
			return "GB18030";
	for (size_t i = 0; i < sizeof(big5) / sizeof(big5[0]); i++)
		if (!strcasecmp(cs, big5[i]))
			return "BIG5-HKSCS";
	return cs;
}

static bool is_utf8_label(const char *cs)
{
	return !strcasecmp(cs, "utf-8") || !strcasecmp(cs, "utf8") || !strcasecmp(cs, "us-ascii") ||
	       !strcasecmp(cs, "ascii");
}

/* iconv's output from `start` on, made valid UTF-8: some of glibc's
 * converters (a "UTF-8" reached through an odd label among them) pass
 * through sequences beyond U+10FFFF.  Each byte that is not valid becomes
 * U+FFFD and is added to *bad. */
static int recheck_utf8(cy_mail__sbuf *out, size_t start, size_t *bad)
{
	cy_mail__sbuf copy = {0};
	size_t more = 0;
	int rc;

	if (cy_utf8_valid((const char *)out->p + start, out->len - start))
		return 0;
	if ((rc = cy_mail__sbuf_put(&copy, out->p + start, out->len - start)) == 0) {
		explicit_bzero(out->p + start, out->len - start);
		out->len = start;
		rc = put_utf8(out, (const char *)copy.p, copy.len, &more);
		*bad += more;
	}
	cy_mail__sbuf_wipe(&copy);
	return rc;
}

/* Convert in[0..n) from cs to UTF-8 with iconv (GMime's charset names);
 * each byte that does not convert becomes U+FFFD and is counted.
 * CY_EUNSUPPORTED when iconv does not know cs. */
static int convert(const char *cs, const uint8_t *in, size_t n, cy_mail__sbuf *out, size_t *bad)
{
	iconv_t cd = g_mime_iconv_open("UTF-8", cs);
	char tmp[4096];
	char *ip = (char *)in;
	size_t il = n, start = out->len;
	int rc = 0;

	*bad = 0;
	if (cd == (iconv_t)-1)
		return CY_EUNSUPPORTED;
	while (il && rc == 0) {
		char *op = tmp;
		size_t ol = sizeof(tmp);
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		int e = errno;

		rc = cy_mail__sbuf_put(out, tmp, (size_t)(op - tmp));
		if (rc < 0 || r != (size_t)-1 || e == E2BIG)
			continue;
		/* EILSEQ, or EINVAL (cut short at the end): one byte lost */
		(*bad)++;
		ip++, il--;
		rc = cy_mail__sbuf_put(out, "\xef\xbf\xbd", 3);
	}
	if (rc == 0) { /* the shift state's end (ISO-2022-JP and the like) */
		char *op = tmp;
		size_t ol = sizeof(tmp);
		iconv(cd, NULL, NULL, &op, &ol);
		rc = cy_mail__sbuf_put(out, tmp, (size_t)(op - tmp));
	}
	explicit_bzero(tmp, sizeof(tmp));
	g_mime_iconv_close(cd);
	if (rc == 0)
		rc = recheck_utf8(out, start, bad);
	return rc;
}

/* in[0..n) of a text part, declared charset cs (may be NULL), as UTF-8 in
 * out.  What did not convert cleanly is a problem naming `what`. */
static int text_to_utf8(msg *m, GMimeParserOptions *po, const uint8_t *in, size_t n, const char *cs,
			const char *what, cy_mail__sbuf *out)
{
	bool valid = cy_utf8_valid((const char *)in, n);
	size_t bad = 0, len;
	char *guess;
	int rc;

	if (valid && (!cs || !*cs || is_utf8_label(cs)))
		return cy_mail__sbuf_put(out, in, n);
	if (cs && *cs && !is_utf8_label(cs)) {
		rc = convert(charset_alias(cs), in, n, out, &bad);
		if (rc == 0 && !bad)
			return 0;
		if (rc < 0 && rc != CY_EUNSUPPORTED)
			return rc;
		if (rc == 0 && !valid) /* keep the declared charset's reading */
			return cy_mail__problem(&m->pub,
						"%s: %zu bytes are not valid in its charset %s",
						what, bad, cs);
		cy_mail__sbuf_wipe(out);
		if (rc == 0) { /* UTF-8 under a wrong label */
			rc = cy_mail__problem(&m->pub, "%s: declared %s, read as UTF-8", what, cs);
			return rc < 0 ? rc : cy_mail__sbuf_put(out, in, n);
		}
		if ((rc = cy_mail__problem(&m->pub, "%s: unknown charset %s", what, cs)) < 0)
			return rc;
		if (valid)
			return cy_mail__sbuf_put(out, in, n);
	} else if (cs && *cs) {
		if ((rc = cy_mail__problem(&m->pub, "%s: declared %s but it is not", what, cs)) < 0)
			return rc;
	}
	/* no usable charset: the fallback charsets in order, the first that reads
	 * every byte (as GMime does for raw 8-bit headers) */
	for (size_t i = 1; FALLBACK[i]; i++) {
		if ((rc = convert(FALLBACK[i], in, n, out, &bad)) < 0 && rc != CY_EUNSUPPORTED)
			return rc;
		if (rc == 0 && !bad)
			return 0;
		cy_mail__sbuf_wipe(out);
	}
	/* none: GMime's guess (its last resort is ISO-8859-1), said so */
	guess = g_mime_utils_decode_8bit(po, (const char *)in, n);
	if (!guess)
		return cy_error_set(CY_ENOMEM, "out of memory");
	len = strlen(guess);
	rc = put_utf8(out, guess, len, &bad);
	explicit_bzero(guess, len);
	g_free(guess);
	if (rc == 0)
		rc = cy_mail__problem(
			&m->pub,
			"%s: not in any of utf-8, gb18030, big5; its characters are a guess", what);
	return rc;
}

/* ---- parts ---- */

typedef struct leaf {
	GMimeObject *obj;
	GMimeObject *alt; /* the multipart/alternative it sits directly in, or NULL */
} leaf;

typedef struct walk {
	msg *m;
	const cy_mail_limits *lim;
	GMimeParserOptions *po;
	unsigned parts;
	leaf *leaves;
	size_t nleaves, capleaves;
} walk;

static int walk_obj(walk *w, GMimeObject *o, GMimeObject *alt, unsigned depth)
{
	if (depth > w->lim->depth_max)
		return cy_mail__reject(&w->m->pub, CY_MAIL_REJECT_DEPTH,
				       "MIME parts nested deeper than %u levels",
				       w->lim->depth_max);
	if (++w->parts > w->lim->parts_max)
		return cy_mail__reject(&w->m->pub, CY_MAIL_REJECT_PARTS, "more than %u MIME parts",
				       w->lim->parts_max);
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = (GMimeMultipart *)o;
		bool is_alt = g_mime_content_type_is_type(g_mime_object_get_content_type(o),
							  "multipart", "alternative");
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n && !w->m->pub.reject; i++) {
			int rc = walk_obj(w, g_mime_multipart_get_part(mp, i), is_alt ? o : NULL,
					  depth + 1);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	if (w->nleaves == w->capleaves) {
		size_t cap = w->capleaves ? w->capleaves * 2 : 8;
		leaf *l = realloc(w->leaves, cap * sizeof(*l));
		if (!l)
			return cy_error_set(CY_ENOMEM, "out of memory");
		w->leaves = l;
		w->capleaves = cap;
	}
	w->leaves[w->nleaves].obj = o;
	w->leaves[w->nleaves].alt = alt;
	w->nleaves++;
	return 0;
}

/* The content of a leaf with its transfer encoding undone (an embedded
 * message: as it was written), into out. */
static int leaf_bytes(walk *w, GMimeObject *o, cy_mail__sbuf *out, size_t max, bool *over)
{
	GByteArray *ba = g_byte_array_new();
	GMimeStream *ms = g_mime_stream_mem_new_with_byte_array(ba); /* frees ba */
	ssize_t r = 0;
	int rc = 0;

	*over = false;
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *em = g_mime_message_part_get_message((GMimeMessagePart *)o);
		if (em)
			r = g_mime_object_write_to_stream((GMimeObject *)em, NULL, ms);
	} else if (GMIME_IS_PART(o)) {
		GMimeDataWrapper *dw = g_mime_part_get_content((GMimePart *)o);
		if (dw)
			r = g_mime_data_wrapper_write_to_stream(dw, ms);
	}
	if (r < 0)
		rc = cy_mail__problem(&w->m->pub, "a part could not be decoded; it is left empty");
	else if (ba->len > max)
		*over = true;
	else
		rc = cy_mail__sbuf_put(out, ba->data, ba->len);
	if (ba->len)
		explicit_bzero(ba->data, ba->len);
	g_object_unref(ms);
	return rc;
}

static int set_body(walk *w, GMimeObject *o)
{
	msg *m = w->m;
	cy_mail__sbuf raw = {0}, text = {0};
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	bool over;
	int rc = leaf_bytes(w, o, &raw, w->lim->message_max, &over);

	if (rc == 0)
		rc = text_to_utf8(m, w->po, raw.p ? raw.p : (const uint8_t *)"", raw.len,
				  g_mime_object_get_content_type_parameter(o, "charset"), "body",
				  &text);
	if (rc == 0) {
		m->pub.body = cy_mail__strdup(&m->pub, text.p ? (const char *)text.p : "",
					      text.len);
		m->pub.body_len = text.len;
		m->pub.body_type = g_mime_content_type_is_type(ct, "text", "html") ? "text/html"
										   : "text/plain";
		if (!m->pub.body)
			rc = cy_error_set(CY_ENOMEM, "out of memory");
	}
	cy_mail__sbuf_wipe(&raw);
	cy_mail__sbuf_wipe(&text);
	return rc;
}

static int set_attachment(walk *w, GMimeObject *o, cy_mail_attachment *a)
{
	msg *m = w->m;
	cy_mail__sbuf data = {0};
	const char *name = NULL;
	char *type = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(o));
	bool over = false;
	int rc;

	if (GMIME_IS_PART(o))
		name = g_mime_part_get_filename((GMimePart *)o);
	else
		name = g_mime_object_get_content_disposition_parameter(o, "filename");
	rc = header_text(m, name, "attachment name", &a->filename);
	if (rc == 0 && type) {
		for (char *p = type; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		rc = dup_text(m, type, "content type", &a->content_type);
	}
	if (rc == 0 && !a->content_type &&
	    !(a->content_type = cy_mail__strdup(&m->pub, "application/octet-stream", 24)))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	g_free(type);
	if (rc == 0 && GMIME_IS_PART(o)) {
		const char *cte = g_mime_object_get_header(o, "Content-Transfer-Encoding");
		if (cte && g_mime_part_get_content_encoding((GMimePart *)o) ==
				   GMIME_CONTENT_ENCODING_DEFAULT)
			rc = cy_mail__problem(
				&m->pub, "unknown Content-Transfer-Encoding; a part is kept as "
					 "it is");
	}
	if (rc == 0)
		rc = leaf_bytes(w, o, &data, w->lim->attachment_max, &over);
	if (rc == 0 && over)
		rc = cy_mail__reject(&m->pub, CY_MAIL_REJECT_ATTACHMENT_SIZE,
				     "an attachment is larger than the limit of %zu bytes",
				     w->lim->attachment_max);
	if (rc == 0 && !m->pub.reject) {
		uint8_t *p = track(m, malloc(data.len + 1), data.len + 1);
		if (!p) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
		} else {
			if (data.len)
				memcpy(p, data.p, data.len);
			p[data.len] = 0;
			a->data = p;
			a->size = data.len;
		}
	}
	cy_mail__sbuf_wipe(&data);
	return rc;
}

static bool is_attachment_disp(GMimeObject *o)
{
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(o);

	return d && g_mime_content_disposition_is_attachment(d);
}

static int body_and_attachments(walk *w, GMimeObject *top)
{
	msg *m = w->m;
	size_t body = SIZE_MAX, n = 0;
	cy_mail_attachment *att;
	int rc = walk_obj(w, top, NULL, 0);

	if (rc < 0 || m->pub.reject)
		return rc;
	for (int pass = 0; pass < 2 && body == SIZE_MAX; pass++)
		for (size_t i = 0; i < w->nleaves && body == SIZE_MAX; i++) {
			GMimeObject *o = w->leaves[i].obj;
			if (GMIME_IS_PART(o) && !is_attachment_disp(o) &&
			    g_mime_content_type_is_type(g_mime_object_get_content_type(o), "text",
							pass ? "html" : "plain"))
				body = i;
		}
	if (body != SIZE_MAX && (rc = set_body(w, w->leaves[body].obj)) < 0)
		return rc;
	att = tcalloc(m, w->nleaves, sizeof(*att));
	if (!att)
		return cy_error_set(CY_ENOMEM, "out of memory");
	for (size_t i = 0; i < w->nleaves && !m->pub.reject; i++) {
		if (i == body || (body != SIZE_MAX && w->leaves[i].alt &&
				  w->leaves[i].alt == w->leaves[body].alt))
			continue;
		if ((rc = set_attachment(w, w->leaves[i].obj, &att[n])) < 0)
			return rc;
		n++;
	}
	m->pub.attachments = att;
	m->pub.nattachments = n;
	return 0;
}

/* ---- headers ---- */

static size_t count_addresses(InternetAddressList *l, int depth)
{
	size_t n = 0;
	int len = l ? internet_address_list_length(l) : 0;

	for (int i = 0; i < len; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_GROUP(a))
			n += depth < 4 ? count_addresses(internet_address_group_get_members(
								 (InternetAddressGroup *)a),
							 depth + 1)
				       : 0;
		else if (INTERNET_ADDRESS_IS_MAILBOX(a))
			n++;
	}
	return n;
}

static int fill_addresses(msg *m, InternetAddressList *l, cy_mail_address *v, size_t *n, int depth)
{
	int len = l ? internet_address_list_length(l) : 0;
	int rc = 0;

	for (int i = 0; i < len && rc == 0; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			if (depth < 4)
				rc = fill_addresses(m,
						    internet_address_group_get_members(
							    (InternetAddressGroup *)a),
						    v, n, depth + 1);
		} else if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *name = internet_address_get_name(a);
			const char *addr = internet_address_mailbox_get_addr(
				(InternetAddressMailbox *)a);
			rc = header_text(m, name && *name ? name : NULL, "address name",
					 &v[*n].name);
			if (rc == 0)
				rc = dup_text(m, addr ? addr : "", "address", &v[*n].addr);
			(*n)++;
		}
	}
	return rc;
}

static int addresses(msg *m, InternetAddressList *l, const cy_mail_address **out, size_t *n)
{
	size_t count = count_addresses(l, 0);
	cy_mail_address *v;

	*out = NULL;
	*n = 0;
	if (!count)
		return 0;
	if (!(v = tcalloc(m, count, sizeof(*v))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	*out = v;
	return fill_addresses(m, l, v, n, 0);
}

static int date(msg *m, GMimeMessage *gm)
{
	const char *raw = g_mime_object_get_header((GMimeObject *)gm, "Date");
	GDateTime *dt = g_mime_message_get_date(gm);
	int rc;

	if (!raw)
		return 0;
	if (dt && g_date_time_get_year(dt) >= 1000 && g_date_time_get_year(dt) <= 9999) {
		gchar *s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S%:z");
		if (!s)
			return cy_error_set(CY_ENOMEM, "out of memory");
		m->pub.date = cy_mail__strdup(&m->pub, s, strlen(s));
		g_free(s);
		if (!m->pub.date)
			return cy_error_set(CY_ENOMEM, "out of memory");
		m->pub.date_valid = true;
		m->pub.time = g_date_time_to_unix(dt);
		return 0;
	}
	while (*raw == ' ' || *raw == '\t')
		raw++;
	if ((rc = dup_text(m, raw, "date", &m->pub.date)) < 0)
		return rc;
	return cy_mail__problem(&m->pub, "the Date header could not be read as a date");
}

/* ---- GMime's parser warnings ---- */

typedef struct warn_ctx {
	msg *m;
	int rc;
} warn_ctx;

static void on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer arg)
{
	warn_ctx *c = arg;
	const char *what;
	cy_buf b = CY_BUF_INIT;

	switch (code) {
	case GMIME_WARN_INVALID_CONTENT_TYPE:
		what = "invalid content type, taken as application/octet-stream";
		break;
	case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
		what = "a header's encoded words are not valid RFC 2047";
		break;
	case GMIME_WARN_MALFORMED_MULTIPART:
		what = "a multipart without parts";
		break;
	case GMIME_WARN_TRUNCATED_MESSAGE:
		what = "the message is truncated";
		break;
	case GMIME_WARN_MALFORMED_MESSAGE:
		what = "the message is malformed";
		break;
	case GMIME_WARN_INVALID_ADDRESS_LIST:
		what = "an address list that does not parse";
		break;
	case GMIME_CRIT_INVALID_HEADER_NAME:
		what = "an invalid header name";
		break;
	case GMIME_CRIT_CONFLICTING_HEADER:
		what = "conflicting headers";
		break;
	case GMIME_CRIT_CONFLICTING_PARAMETER:
		what = "conflicting header parameters";
		break;
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
		what = "a multipart without a boundary";
		break;
	case GMIME_CRIT_NESTING_OVERFLOW:
		what = "MIME parts nested too deep for GMime";
		break;
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		what = "a MIME part without headers or content";
		break;
	default: /* duplicated headers, raw 8-bit headers (decoded), ... */
		return;
	}
	if (c->rc < 0)
		return;
	if (item && *item) {
		size_t n = strlen(item);
		if (cy_text_safe(&b, item, n > ITEM_MAX ? ITEM_MAX : n, 0) < 0) {
			c->rc = CY_ENOMEM;
			return;
		}
	}
	c->rc = cy_mail__problem(&c->m->pub, "%s (byte %lld)%s%s", what, (long long)offset,
				 b.len ? ": " : "", cy_buf_cstr(&b));
	cy_buf_wipe(&b);
}

/* ---- the message ---- */

int cy_mail__read(cy_mail_message *pub, const cy_mail_limits *lim)
{
	msg *m = (msg *)pub;
	GByteArray *ba = NULL;
	GMimeStream *st = NULL;
	GMimeParser *parser = NULL;
	GMimeParserOptions *po = NULL;
	GMimeMessage *gm = NULL;
	warn_ctx wc = {m, 0};
	walk w = {0};
	size_t i;
	int rc = 0;

	cy_mail_init();
	if (!pub->raw)
		return pub->reject ? 0
				   : cy_mail__reject(pub, CY_MAIL_REJECT_SIZE,
						     "the message is larger than the limit "
						     "of %zu bytes",
						     lim->message_max);
	for (i = 0; i < pub->raw_len; i++)
		if (pub->raw[i] != '\n' && pub->raw[i] != '\r' && pub->raw[i] != ' ' &&
		    pub->raw[i] != '\t')
			break;
	if (i == pub->raw_len)
		return cy_mail__reject(pub, CY_MAIL_REJECT_EMPTY, "empty message");
	if (pub->raw_len > UINT32_MAX / 2)
		return cy_mail__reject(pub, CY_MAIL_REJECT_SIZE,
				       "the message is larger than the limit of %zu bytes",
				       lim->message_max);

	/* a GMime stream over our bytes, not a copy: the array is ours to free */
	ba = g_byte_array_new_take((guint8 *)pub->raw, pub->raw_len);
	st = g_mime_stream_mem_new_with_byte_array(ba);
	g_mime_stream_mem_set_owner((GMimeStreamMem *)st, FALSE);
	po = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(po, FALLBACK);
	g_mime_parser_options_set_warning_callback(po, on_warning, &wc);
	parser = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	gm = g_mime_parser_construct_message(parser, po);
	if ((rc = wc.rc) < 0)
		goto out;
	if (!gm ||
	    g_mime_header_list_get_count(g_mime_object_get_header_list((GMimeObject *)gm)) == 0) {
		rc = cy_mail__reject(pub, CY_MAIL_REJECT_NOT_MAIL,
				     "no header fields: not a mail message");
		goto out;
	}

	if ((rc = dup_text(m, g_mime_message_get_message_id(gm), "Message-ID", &pub->message_id)) <
		    0 ||
	    (rc = date(m, gm)) < 0 ||
	    (rc = header_text(m, g_mime_message_get_subject(gm), "subject", &pub->subject)) < 0 ||
	    (rc = addresses(m, g_mime_message_get_from(gm), &pub->from, &pub->nfrom)) < 0 ||
	    (rc = addresses(m, g_mime_message_get_addresses(gm, GMIME_ADDRESS_TYPE_TO), &pub->to,
			    &pub->nto)) < 0 ||
	    (rc = addresses(m, g_mime_message_get_addresses(gm, GMIME_ADDRESS_TYPE_CC), &pub->cc,
			    &pub->ncc)) < 0)
		goto out;
	w.m = m;
	w.lim = lim;
	w.po = po;
	if (g_mime_message_get_mime_part(gm))
		rc = body_and_attachments(&w, g_mime_message_get_mime_part(gm));
	if (rc == 0)
		rc = wc.rc;
out:
	free(w.leaves);
	if (gm)
		g_object_unref(gm);
	if (parser)
		g_object_unref(parser);
	if (st)
		g_object_unref(st);
	if (ba)
		g_byte_array_free(ba, FALSE); /* the bytes stay: the message owns them */
	if (po)
		g_mime_parser_options_free(po);
	return rc;
}

int cy_mail_parse(const void *data, size_t n, const cy_mail_opts *opts, cy_mail_message **out)
{
	cy_mail_limits lim;
	cy_mail_message *m;
	uint8_t *raw = NULL;
	int rc;

	*out = NULL;
	cy_mail__limits(opts, &lim);
	if (n <= lim.message_max) {
		if (!(raw = malloc(n + 1)))
			return cy_error_set(CY_ENOMEM, "out of memory");
		if (n)
			memcpy(raw, data, n);
		raw[n] = 0;
	}
	if (!(m = cy_mail__message_new(raw, n, n)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if ((rc = cy_mail__read(m, &lim)) < 0) {
		cy_mail_message_free(m);
		return rc;
	}
	*out = m;
	return 0;
}
