/* json_secure.c - jansson set up so that what it held is wiped when freed.
 *
 * Decrypted record metadata and subject fields pass through jansson (the
 * library made for JSON, rather than a parser of our own); its allocations
 * then hold personal data, so its free zeroes the whole block first.  Each
 * block carries its size in a small header.  jansson's allocator is
 * process-wide, so it is set before main (a constructor: no jansson object
 * can be allocated by one pair of functions and freed by the other), and
 * again, harmlessly, by cy_json_secure_init, which every user of jansson in
 * libcustody calls (that also makes the linker keep this file). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/jsonsec.h"
#include "custody/banned.h"

#define J_HDR 16 /* keeps the block's alignment */

/* allocations jansson asked for and did not get, on this thread: jansson
 * 2.14 does not always report them (see cy_json_alloc_failures) */
static _Thread_local unsigned long j_failures;

static void *j_malloc(size_t n)
{
	uint8_t *p;

	if (n > SIZE_MAX - J_HDR || !(p = malloc(n + J_HDR))) {
		j_failures++;
		return NULL;
	}
	memcpy(p, &n, sizeof(n));
	return p + J_HDR;
}

static void j_free(void *q)
{
	uint8_t *p;
	size_t n;

	if (!q)
		return;
	p = (uint8_t *)q - J_HDR;
	memcpy(&n, p, sizeof(n));
	explicit_bzero(q, n);
	free(p);
}

__attribute__((constructor)) static void j_setup(void)
{
	json_set_alloc_funcs(j_malloc, j_free);
}

void cy_json_secure_init(void)
{
	json_malloc_t m = NULL;
	json_free_t f = NULL;

	json_get_alloc_funcs(&m, &f);
	if (m != j_malloc || f != j_free)
		j_setup();
}

void cy_json_free(void *p)
{
	j_free(p);
}

unsigned long cy_json_alloc_failures(void)
{
	return j_failures;
}

char *cy_json_dumps_whole(const void *json, size_t flags)
{
	unsigned long before = j_failures;
	char *text = json_dumps(json, flags);

	if (text && j_failures != before) {
		j_free(text);
		text = NULL;
	}
	return text;
}
