/* object_internal.h - deterministic writer construction, for the object format's test vector.
 *
 * cy_objw_new draws the header salt from the CSPRNG; this takes it as an argument so that
 * docs/formats/object.md can carry a vector that tests/unit/test_object.c reproduces.  A salt
 * must never be used twice under one master key: production code must not call this. */
#ifndef CY_STORE_OBJECT_INTERNAL_H
#define CY_STORE_OBJECT_INTERNAL_H

#include <stdint.h>

#include "store/object.h"

#define CY_OBJ_SALT_LEN 16

/* Version 1 (the foundation's format, whose vector the tests keep). */
int cy_store__objw_new_with_salt(cy_objw **out, const uint8_t master[32],
				 const uint8_t key_id[CY_OBJ_KEYID_LEN],
				 const uint8_t salt[CY_OBJ_SALT_LEN], int compress,
				 cy_obj_sink sink, void *arg);

/* Any version (1 or 2): for the vectors of docs/formats/object.md. */
int cy_store__objw_new_version(cy_objw **out, unsigned version, const uint8_t master[32],
			       const uint8_t key_id[CY_OBJ_KEYID_LEN],
			       const uint8_t salt[CY_OBJ_SALT_LEN], int compress, cy_obj_sink sink,
			       void *arg);

#endif
