/* fuzz_mbox.c - libFuzzer target for the mbox splitter
 * (src/ingest/mail_mbox.c) and the reader over it: the input is read as an
 * mbox held in memory; the messages must come numbered 1, 2, ... at rising
 * offsets inside the input, each raw slice lying in the input, and the
 * reader must end.  Seed corpus: tests/fuzz/corpus/mbox/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "custody/mail.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cy_mail_opts o = {0};
	cy_mail_reader *r = NULL;
	cy_mail_message *m;
	uint64_t n = 0, total = 0;
	int64_t last = -1;
	int rc;

	o.limits.message_max = 4096; /* small: oversize messages are exercised too */
	o.limits.parts_max = 32;
	o.limits.depth_max = 6;
	o.ignore_content_length = size && (data[0] & 1); /* both framings */
	if (cy_mail_open_mbox_mem(data, size, &o, &r) != 0)
		return 0;
	while ((rc = cy_mail_next(r, &m)) == 0 && m) {
		n++;
		if (m->number != n || m->offset <= last || (uint64_t)m->offset > size)
			abort();
		if (m->raw && (m->raw_len > 4096 || m->raw_len != m->size))
			abort();
		if (!m->raw && !m->reject)
			abort();
		total += m->size;
		last = m->offset;
		cy_mail_message_free(m);
		if (n > size + 1)
			abort(); /* more messages than bytes: the splitter does not advance */
	}
	if (rc != 0 && rc != CY_ENOMEM)
		abort();
	if (total > size)
		abort();
	cy_mail_reader_free(r);
	return 0;
}
