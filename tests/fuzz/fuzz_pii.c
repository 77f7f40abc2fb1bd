/* fuzz_pii.c - libFuzzer target for the personal-data scanner
 * (src/ingest/pii.c), which reads titles, CSV fields and e-mail bodies from
 * outside.  The input is the text, any bytes.
 * Properties: no read outside the text; matches come in text order without
 * overlapping, inside the text; each has a known kind and a NUL-terminated
 * value; a value is cy_normalize of the bytes it covers (the blind index
 * would find it), and classifying those bytes alone gives the same kind;
 * a stopping callback stops the scan.
 * Seed corpus: tests/fuzz/corpus/pii/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/buf.h"
#include "custody/datetime.h"
#include "custody/normalize.h"
#include "custody/pii.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct state {
	const char *text;
	size_t n, next;
	int count;
	cy_buf norm;
} state;

static int check(void *arg, const cy_pii_match *m)
{
	state *s = arg;
	cy_pii_match again;
	int field;

	if (m->kind <= CY_PII_NONE || m->kind >= CY_PII_KIND_COUNT)
		abort();
	if (m->length == 0 || m->offset < s->next || m->offset > s->n ||
	    m->length > s->n - m->offset)
		abort();
	if (!memchr(m->value, 0, sizeof(m->value)) || !m->value[0])
		abort();
	s->next = m->offset + m->length;
	field = cy_pii_norm_field(m->kind);
	if (field >= 0) {
		if (cy_normalize((cy_norm_field)field, s->text + m->offset, m->length, &s->norm) ||
		    strcmp(cy_buf_cstr(&s->norm), m->value))
			abort();
	}
	cy_pii_classify(s->text + m->offset, m->length, cy_days_from_civil(2026, 11, 30), &again);
	if (again.kind != m->kind || strcmp(again.value, m->value))
		abort();
	s->count++;
	return 0;
}

static int stop(void *arg, const cy_pii_match *m)
{
	(void)m;
	++*(int *)arg;
	return 7;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	state s = {0};
	char *text;
	int calls = 0, rc;

	/* exactly size bytes, so ASan sees any read past the end */
	if (!(text = malloc(size ? size : 1)))
		return 0;
	memcpy(text, data, size);
	s.text = text;
	s.n = size;
	cy_buf_init(&s.norm);
	if (cy_pii_scan(text, size, cy_days_from_civil(2026, 11, 30), check, &s) != 0)
		abort();
	rc = cy_pii_scan(text, size, cy_days_from_civil(2026, 11, 30), stop, &calls);
	if ((s.count && (rc != 7 || calls != 1)) || (!s.count && (rc != 0 || calls != 0)))
		abort();
	cy_buf_wipe(&s.norm);
	free(text);
	return 0;
}
