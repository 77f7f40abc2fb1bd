/* jsonsec.h - make jansson wipe what it frees (call before any jansson use;
 * cheap after the first call). */
#ifndef CUSTODY_JSONSEC_H
#define CUSTODY_JSONSEC_H

void cy_json_secure_init(void);
/* Free what jansson allocated for the caller (json_dumps' result), wiping it. */
void cy_json_free(void *p);

#endif
