/* jsonsec.h - make jansson wipe what it frees (call before any jansson use;
 * cheap after the first call). */
#ifndef CUSTODY_JSONSEC_H
#define CUSTODY_JSONSEC_H

#include <stddef.h>

void cy_json_secure_init(void);
/* Free what jansson allocated for the caller (json_dumps' result), wiping it. */
void cy_json_free(void *p);
/* How many allocations jansson asked for and did not get on this thread so
 * far.  jansson 2.14 does not always report a failed allocation: its lexer
 * drops a character (akheron/jansson#362) and json_load* can return a value
 * with a truncated string; json_dumps can return a text with a piece
 * missing.  A caller compares the count before and after, and treats a
 * change as CY_ENOMEM whatever jansson returned. */
unsigned long cy_json_alloc_failures(void);
/* json_dumps, but NULL when an allocation failed during it (see above).
 * Free with cy_json_free.  json is a json_t (void here: no jansson header). */
char *cy_json_dumps_whole(const void *json, size_t flags);

#endif
