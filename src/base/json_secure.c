/* json_secure.c - jansson set up so that what it held is wiped when freed.
 *
 * Decrypted record metadata and subject fields pass through jansson (the
 * library made for JSON, rather than a parser of our own); its allocations
 * then hold personal data, so its free zeroes the whole block first.  The
 * setting is process-wide and made once. */
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "custody/jsonsec.h"
#include "base/banned.h"

static void wipe_free(void *p)
{
	if (p) {
		explicit_bzero(p, malloc_usable_size(p));
		free(p);
	}
}

static void setup(void)
{
	json_set_alloc_funcs(malloc, wipe_free);
}

void cy_json_secure_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, setup);
}
