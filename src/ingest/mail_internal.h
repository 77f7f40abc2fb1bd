/* mail_internal.h - shared between the files of the mail reader
 * (src/ingest/mail*.c): the mbox splitter, the message under construction. */
#ifndef CY_INGEST_MAIL_INTERNAL_H
#define CY_INGEST_MAIL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/mail.h"

#define CY_MAIL_MESSAGE_MAX_DEFAULT ((size_t)64 << 20)
#define CY_MAIL_MESSAGE_MAX_CEIL ((size_t)1 << 30)
#define CY_MAIL_ATTACHMENT_MAX_DEFAULT ((size_t)64 << 20)
#define CY_MAIL_PARTS_MAX_DEFAULT 1000u
#define CY_MAIL_DEPTH_MAX_DEFAULT 32u

/* The limits of opts (may be NULL) with the defaults filled in. */
void cy_mail__limits(const cy_mail_opts *opts, cy_mail_limits *out);

/* A byte buffer whose every allocation is wiped before it is freed, also
 * when it grows (it holds plaintext). */
typedef struct cy_mail__sbuf {
	uint8_t *p;
	size_t len, cap;
} cy_mail__sbuf;
int cy_mail__sbuf_put(cy_mail__sbuf *b, const void *data, size_t n);
void cy_mail__sbuf_wipe(cy_mail__sbuf *b);

/* ---- the mbox splitter (mail_mbox.c) ---- */
typedef struct cy_mail__mbox cy_mail__mbox;
typedef struct cy_mail__mbox_msg {
	int64_t offset;	   /* of the From line, or of the first byte */
	cy_mail__sbuf raw; /* empty when over the limit */
	uint64_t size;	   /* bytes of the message in the file */
	bool oversize;
	char *envelope;	  /* the From line after "From ", or NULL */
	const char *note; /* a framing remark (static text), or NULL */
} cy_mail__mbox_msg;
/* Over fd (borrowed, read with pread, size bytes) or over mem[0..size). */
int cy_mail__mbox_new(int fd, const uint8_t *mem, uint64_t size, size_t message_max,
		      bool use_content_length, cy_mail__mbox **out);
/* 1 and *m filled (the caller's: cy_mail__mbox_msg_release), 0 at the end,
 * or a CY_E code. */
int cy_mail__mbox_next(cy_mail__mbox *b, cy_mail__mbox_msg *m);
void cy_mail__mbox_msg_release(cy_mail__mbox_msg *m);
void cy_mail__mbox_free(cy_mail__mbox *b);

/* ---- one message (mail.c) ---- */
/* A new message taking raw[0..len) (malloc'ed; wiped and freed with the
 * message; NULL for an oversize one).  NULL on ENOMEM (raw then wiped and
 * freed). */
cy_mail_message *cy_mail__message_new(uint8_t *raw, size_t len, uint64_t size);
/* A copy of s[0..n) (NUL added) owned by m; NULL on ENOMEM. */
char *cy_mail__strdup(cy_mail_message *m, const char *s, size_t n);
/* Mark m a reject with a printf reason; CY_OK or CY_ENOMEM. */
int cy_mail__reject(cy_mail_message *m, cy_mail_reject_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Add a problem line; CY_OK or CY_ENOMEM. */
int cy_mail__problem(cy_mail_message *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Parse m->raw with GMime and fill the fields, or mark m a reject.  CY_OK
 * (read or rejected) or CY_ENOMEM. */
int cy_mail__read(cy_mail_message *m, const cy_mail_limits *lim);

#endif
