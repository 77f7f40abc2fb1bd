/* jsonsec.h - make jansson wipe what it frees (call before any jansson use;
 * cheap after the first call). */
#ifndef CUSTODY_JSONSEC_H
#define CUSTODY_JSONSEC_H

#include <stddef.h>

void cy_json_secure_init(void);
/* Free what jansson allocated for the caller (json_dumps' result), wiping it. */
void cy_json_free(void *p);
/* json_dumps, but NULL unless the text is whole: jansson 2.14 can return a
 * text with a piece missing when an allocation fails while it dumps, so the
 * length is checked against json_dumpb's (which needs no buffer of its own).
 * Free with cy_json_free.  json is a json_t (void here: no jansson header). */
char *cy_json_dumps_whole(const void *json, size_t flags);

#endif
