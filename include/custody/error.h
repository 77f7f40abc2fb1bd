/* error.h - custody's error codes and the per-thread last error.
 *
 * Every libcustody function that can fail returns an int: 0 on success, a
 * negative CY_E... code on failure.  The human-readable detail is kept in a
 * per-thread buffer set where the failure happened (cy_error_set) and read
 * by the front end (cy_error_message).  Codes are appended, never renumbered. */
#ifndef CUSTODY_ERROR_H
#define CUSTODY_ERROR_H

enum {
	CY_OK = 0,
	CY_ERROR = -1,	  /* generic failure */
	CY_ENOMEM = -2,	  /* out of memory */
	CY_EINVALID = -3, /* invalid argument or input */
	CY_ENOTFOUND = -4,
	CY_EEXISTS = -5,
	CY_EAUTH = -6,	  /* wrong password or key */
	CY_EPERM = -7,	  /* role or grant does not allow this */
	CY_ECORRUPT = -8, /* integrity failure: data does not match */
	CY_EIO = -9,
	CY_ENOSPC = -10,
	CY_EBUSY = -11,	  /* vault locked by another process */
	CY_ECRYPTO = -12, /* crypto library failure (not an auth failure) */
	CY_EDB = -13,	  /* catalog database failure */
	CY_EUNSUPPORTED = -14,
	CY_ECANCELLED = -15,
};

/* Set the last error of this thread: code and printf-style detail.
 * Returns code, so callers can write `return cy_error_set(...)`. */
int cy_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Same, appending strerror(errnum). */
int cy_error_set_errno(int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Map an errno value to a CY_E code (ENOSPC -> CY_ENOSPC, ENOENT -> CY_ENOTFOUND, ...). */
int cy_error_from_errno(int errnum);

/* The detail of the last error on this thread ("" if none); borrowed. */
const char *cy_error_message(void);

/* The code of the last error on this thread (0 if none). */
int cy_error_code(void);

/* Clear the last error. */
void cy_error_clear(void);

/* A short name for a code ("corrupt", "not found", ...); static string. */
const char *cy_error_name(int code);

#endif
