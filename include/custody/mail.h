/* mail.h - reading mail as a company hands it over: an mbox file, a folder of
 * .eml files, a Maildir, or one message in memory.
 *
 * A reader yields the messages of a source one at a time, numbered from 1 in
 * the order of the source (mbox: file order; folders: byte order of the
 * relative paths).  Each message is either read (headers decoded to UTF-8,
 * the text body, the attachments) or a reject that says why it could not be
 * read; a reject never stops the reader.  Every message, read or rejected,
 * carries its raw bytes (unless it was larger than the limit), so the caller
 * can keep the original.  Parsing is GMime's (docs/internals/ingest-mail.md).
 *
 * Nothing is written anywhere: the module only reads.  The decoded text and
 * the attachments are plaintext of records: cy_mail_message_free wipes them.
 *
 * Threads: a cy_mail_reader belongs to one thread at a time; a
 * cy_mail_message is the caller's and may be handed to another thread;
 * cy_mail_parse may run on any number of threads at once. */
#ifndef CUSTODY_MAIL_H
#define CUSTODY_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits against hostile input; a message over one is a reject that names it.
 * A field left 0 takes its default. */
typedef struct cy_mail_limits {
	size_t message_max;    /* raw bytes of one message (default 64 MiB, at most 1 GiB) */
	size_t attachment_max; /* decoded bytes of one attachment (default 64 MiB) */
	unsigned parts_max;    /* MIME parts in one message, containers included (default 1000) */
	unsigned depth_max;    /* nesting of multiparts (default 32) */
} cy_mail_limits;

typedef struct cy_mail_opts {
	cy_mail_limits limits;
	/* mbox: split by From lines only, even where a Content-Length header
	 * frames the message exactly (by default such framing is followed). */
	bool ignore_content_length;
} cy_mail_opts;

typedef enum cy_mail_kind {
	CY_MAIL_MBOX = 1, /* one file of messages separated by "From " lines */
	CY_MAIL_EML,	  /* one file holding one message */
	CY_MAIL_EML_DIR,  /* a directory: every *.eml file below it */
	CY_MAIL_MAILDIR,  /* a directory with cur/ and new/: every file in them */
} cy_mail_kind;

/* Why a message is a reject, for a front end that words it in its own
 * language (the reject text itself is English). */
typedef enum cy_mail_reject_kind {
	CY_MAIL_REJECT_NONE = 0,
	CY_MAIL_REJECT_NOT_MAIL,	/* no header field could be read */
	CY_MAIL_REJECT_EMPTY,		/* nothing but blank lines */
	CY_MAIL_REJECT_SIZE,		/* over limits.message_max */
	CY_MAIL_REJECT_ATTACHMENT_SIZE, /* an attachment over limits.attachment_max */
	CY_MAIL_REJECT_PARTS,		/* over limits.parts_max */
	CY_MAIL_REJECT_DEPTH,		/* over limits.depth_max */
	CY_MAIL_REJECT_UNREADABLE,	/* the file could not be opened or read */
} cy_mail_reject_kind;

typedef struct cy_mail_address {
	const char *name; /* display name, decoded; NULL if none */
	const char *addr; /* addr-spec as written ("li@example.cn"); may be "" */
} cy_mail_address;

typedef struct cy_mail_attachment {
	const char *filename;	  /* decoded (RFC 2231, RFC 2047, raw 8-bit); NULL if unnamed */
	const char *content_type; /* "type/subtype", lower case */
	const uint8_t *data;	  /* the content, transfer encoding undone */
	size_t size;
} cy_mail_attachment;

typedef struct cy_mail_message {
	uint64_t number;      /* 1-based within the source */
	int64_t offset;	      /* mbox: byte offset of the message's From line (or of its
			       * first byte when it has none); -1 for other sources */
	const char *path;     /* folders: the file, relative to the directory; NULL otherwise */
	const char *envelope; /* mbox: the From line after "From " (sender and date); or NULL */
	const uint8_t *raw;   /* the message as found (mbox: without its From line and the
			       * blank line that ends it; ">From " lines kept as they are);
			       * NULL when it was over the size limit */
	size_t raw_len;
	uint64_t size; /* its size in the source, also when raw is NULL */

	/* Non-NULL: the message could not be read, and this says why.  Only the
	 * fields above are then set. */
	const char *reject;
	cy_mail_reject_kind reject_kind;

	const char *message_id; /* without the angle brackets; NULL if none */
	/* The Date header: RFC 3339 with the message's own offset
	 * ("2024-03-01T09:30:00+08:00") when it parsed (date_valid, and time in
	 * UTC seconds), else the header as written; NULL if there is none. */
	const char *date;
	bool date_valid;
	int64_t time;
	const char *subject; /* decoded to UTF-8; NULL if none */
	const cy_mail_address *from, *to, *cc;
	size_t nfrom, nto, ncc;
	/* The text body in UTF-8: the first text/plain part that is not an
	 * attachment; without one, the first such text/html part, kept as HTML
	 * (not converted).  body_type says which; both NULL when there is no text
	 * body.  The other alternatives of the chosen body are not repeated;
	 * every other leaf part is an attachment. */
	const char *body;
	size_t body_len;
	const char *body_type;
	const cy_mail_attachment *attachments;
	size_t nattachments;
	/* What could not be decoded cleanly (a header, a charset, a part), one
	 * line each, in English; the message is still read. */
	const char *const *problems;
	size_t nproblems;
} cy_mail_message;

typedef struct cy_mail_reader cy_mail_reader;

/* Open a mail source: a directory with cur/ and new/ is a Maildir, another
 * directory a folder of .eml files (searched recursively, symbolic links not
 * followed), a file that starts with "From " (after an optional UTF-8
 * byte-order mark) an mbox, any other file one message.  opts may be NULL.
 * An mbox is read in pieces: memory stays bounded by the message size limit.
 * CY_ENOTFOUND, CY_EIO, CY_EINVALID (not a file or directory). */
int cy_mail_open(const char *path, const cy_mail_opts *opts, cy_mail_reader **out);

/* An mbox held in memory (not copied: data must outlive the reader). */
int cy_mail_open_mbox_mem(const void *data, size_t n, const cy_mail_opts *opts,
			  cy_mail_reader **out);

cy_mail_kind cy_mail_reader_kind(const cy_mail_reader *r);
/* Folders: files that were not taken as messages (not *.eml, symbolic links,
 * special files), counted so far. */
uint64_t cy_mail_reader_skipped(const cy_mail_reader *r);

/* The next message (read or rejected) in *out, the caller's; *out NULL at the
 * end.  A negative code (CY_EIO, CY_ENOMEM) means the source itself could
 * not be read on; the reader should then be freed. */
int cy_mail_next(cy_mail_reader *r, cy_mail_message **out);

void cy_mail_reader_free(cy_mail_reader *r);

/* Read one message held in memory (copied).  *out is set also when the
 * message is a reject (then CY_OK too); number 1, offset -1.
 * CY_ENOMEM only. */
int cy_mail_parse(const void *data, size_t n, const cy_mail_opts *opts, cy_mail_message **out);

/* Wipe and free; NULL is fine. */
void cy_mail_message_free(cy_mail_message *m);

/* Set GMime up for the whole process (once; every function above calls it,
 * so calling it is never needed, only allowed, e.g. before starting threads). */
void cy_mail_init(void);

#endif
