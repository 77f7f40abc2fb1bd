/* notify_internal.h - what the files of the notices (src/transfer/notify*.c)
 * share: template look-ups and the SMTP session. */
#ifndef CY_NOTIFY_INTERNAL_H
#define CY_NOTIFY_INTERNAL_H

#include <stddef.h>

#include "custody/buf.h"
#include "custody/notify.h"

/* The value of header `key` of a template ("Subject", "Reason-merger", ...)
 * into out (cleared first); CY_ENOTFOUND (no error set) when absent. */
int cy_notify__header(const char *tmpl, size_t n, const char *key, cy_buf *out);
/* Expand {{var}} and sections in text (as cy_notify_render's body). */
int cy_notify__expand(const char *text, size_t n, const char *const *vars, const char *const *flags,
		      cy_buf *out);
/* Read the shipped template of a language ("zh-CN", "en") into out. */
int cy_notify__template_load(const char *name, cy_buf *out);

/* One SMTP connection reused for every message of a run (notify_smtp.c). */
typedef struct cy_smtp cy_smtp;
int cy_smtp_open(cy_smtp **out, const char *url, long timeout);
/* Send one message: 0, or CY_EIO with a short reason in err ("smtp 550",
 * "timeout", "connect"), never the server's own text. */
int cy_smtp_send(cy_smtp *s, const char *from, const char *to, const cy_buf *msg, char err[64]);
void cy_smtp_close(cy_smtp *s);

#endif
