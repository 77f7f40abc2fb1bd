/* fuzz_mail.c - libFuzzer target for one mail message read with GMime
 * (src/ingest/mail.c): the input is parsed as a message with small limits;
 * whatever comes out must be a reject with a reason or a message whose text
 * is valid UTF-8 and whose sizes stay within the limits.
 * Seed corpus: tests/fuzz/corpus/mail/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/mail.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void utf8(const char *s)
{
	if (s && !cy_utf8_valid(s, strlen(s)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cy_mail_opts o = {0};
	cy_mail_message *m = NULL;
	int rc;

	o.limits.message_max = 1 << 20;
	o.limits.attachment_max = 1 << 16;
	o.limits.parts_max = 64;
	o.limits.depth_max = 8;
	rc = cy_mail_parse(data, size, &o, &m);
	if (rc != 0 && rc != CY_ENOMEM)
		abort();
	if (rc != 0) {
		if (m)
			abort();
		return 0;
	}
	if (!m || m->number != 1 || m->raw_len != size)
		abort();
	if (m->reject) {
		if (!*m->reject)
			abort();
	} else {
		utf8(m->subject);
		utf8(m->date);
		utf8(m->message_id);
		if (m->body && !cy_utf8_valid(m->body, m->body_len))
			abort();
		for (size_t i = 0; i < m->nfrom; i++)
			utf8(m->from[i].name), utf8(m->from[i].addr);
		for (size_t i = 0; i < m->nto; i++)
			utf8(m->to[i].name), utf8(m->to[i].addr);
		for (size_t i = 0; i < m->nattachments; i++) {
			utf8(m->attachments[i].filename);
			if (!m->attachments[i].content_type || m->attachments[i].size > (1 << 16))
				abort();
		}
		if (m->nattachments > 64 || m->nproblems > 33)
			abort();
		for (size_t i = 0; i < m->nproblems; i++)
			utf8(m->problems[i]);
	}
	cy_mail_message_free(m);
	return 0;
}
