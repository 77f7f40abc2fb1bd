/* json_mini.h - a small JSON reader for the unit tests' vector files.
 *
 * Test-only code: parses a whole document (RFC 8259) into a tree of jm_value.
 * Strings are decoded to UTF-8 (\u escapes and surrogate pairs included);
 * numbers keep their text and, when they are non-negative integers that fit,
 * their uint64_t value.  The library has its own JSON writer in src/base;
 * nothing in libcustody reads JSON through this. */
#ifndef CY_JSON_MINI_H
#define CY_JSON_MINI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { JM_NULL, JM_BOOL, JM_NUMBER, JM_STRING, JM_ARRAY, JM_OBJECT } jm_type;

typedef struct jm_value jm_value;
struct jm_value {
	jm_type type;
	bool boolean;	 /* JM_BOOL */
	bool is_u64;	 /* JM_NUMBER: a non-negative integer that fits */
	uint64_t u64;	 /* JM_NUMBER when is_u64 */
	char *str;	 /* JM_STRING (decoded, NUL-terminated) or JM_NUMBER (its text) */
	size_t len;	 /* bytes of str; items of an array or object */
	jm_value *items; /* JM_ARRAY elements, JM_OBJECT values */
	char **keys;	 /* JM_OBJECT keys, NUL-terminated */
};

/* Parse text[0..n).  NULL on a syntax error, with a message in err. The
 * result is freed with jm_free. */
jm_value *jm_parse(const char *text, size_t n, char *err, size_t errlen);
void jm_free(jm_value *v);

/* The member `key` of an object, or NULL (also when v is not an object). */
const jm_value *jm_get(const jm_value *v, const char *key);
/* Element i of an array, or NULL. */
const jm_value *jm_at(const jm_value *v, size_t i);
/* Elements of an array or members of an object; 0 otherwise. */
size_t jm_len(const jm_value *v);
/* The string of a JM_STRING value, or NULL. */
const char *jm_str(const jm_value *v);

#endif
