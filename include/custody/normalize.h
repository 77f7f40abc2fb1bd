/* normalize.h - the normal forms of personal values that blind indexes hash.
 *
 * Two spellings of one value ("+86 139-1234-5678" and "13912345678", a name
 * typed with a full-width space or none) must give the same normal form, so
 * that an exact look-up through a blind index finds the subject whichever way
 * the value was written.  The rules of each field are in
 * docs/formats/subject.md ("Normalisation"); they are part of the index
 * format: changing one changes every hash.
 *
 * Input is UTF-8 from outside (CSV exports, the command line).  Invalid UTF-8,
 * a NUL byte, or more than CY_NORM_MAX_INPUT bytes is CY_EINVALID.  The output
 * holds personal data: release it with cy_buf_wipe. */
#ifndef CUSTODY_NORMALIZE_H
#define CUSTODY_NORMALIZE_H

#include <stddef.h>

#include "custody/buf.h"

#define CY_NORM_MAX_INPUT 4096

typedef enum cy_norm_field {
	CY_NORM_NAME = 0,  /* NFKC, case-folded, white space removed, middle dots unified */
	CY_NORM_ID_NUMBER, /* NFKC, white space removed, upper case; 15-digit resident IDs to 18 */
	CY_NORM_PHONE,	   /* NFKC, separators removed, +86 / 0086 removed */
	CY_NORM_EMAIL,	   /* NFKC, trimmed, ASCII lower case */
	CY_NORM_USCC,	   /* NFKC, white space and dashes removed, upper case */
	CY_NORM_ACCOUNT,   /* NFKC, white space and dashes removed, upper case */
	CY_NORM_CUSTOMER_NO, /* a company's own customer number: as ACCOUNT */
	CY_NORM_COUNT
} cy_norm_field;

/* The field's name as used in the blind index ("name", "id_number", "phone",
 * "email", "uscc", "account"); "?" for an unknown value. */
const char *cy_norm_field_name(cy_norm_field f);
/* CY_EINVALID (with the list of names) if s names no field. */
int cy_norm_field_parse(const char *s, cy_norm_field *out);

/* Replace out's content with the normal form of in[0..n).  The normal form
 * may be empty (a value of only white space): callers do not index it.
 * 0, CY_EINVALID (bad UTF-8, NUL, too long), CY_ENOMEM. */
int cy_normalize(cy_norm_field f, const char *in, size_t n, cy_buf *out);

/* GB 11643-1999 check of a resident ID number in normal form. */
typedef enum cy_id_check {
	CY_ID_OK = 0,
	CY_ID_BAD_LENGTH, /* not 18 characters */
	CY_ID_BAD_FORMAT, /* not 17 digits then a digit or X */
	CY_ID_BAD_DATE,	  /* the birth date is not a real date, or is in the future */
	CY_ID_BAD_CHECK,  /* the check character is wrong */
} cy_id_check;
cy_id_check cy_resident_id_check(const char *normal);
/* The GB 11643 check character ('0'-'9' or 'X') of the first 17 characters
 * of s, which must be ASCII digits (the caller checks). */
char cy_resident_id_check_char(const char *s17);
/* "ok", "bad-length", "bad-format", "bad-date", "bad-check-digit". */
const char *cy_id_check_name(cy_id_check c);

#endif
