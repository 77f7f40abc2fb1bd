/* error.c - the per-thread last error (see include/custody/error.h). */
#include <errno.h>
#include <libintl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "custody/error.h"
#include "custody/banned.h"

static _Thread_local char last_msg[1024];
static _Thread_local int last_code;

int cy_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), dgettext("custody", fmt), ap);
	va_end(ap);
	last_code = code;
	return code;
}

int cy_error_set_errno(int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), dgettext("custody", fmt), ap);
	va_end(ap);
	len = strlen(last_msg);
	snprintf(last_msg + len, sizeof(last_msg) - len, ": %s", strerror(errnum));
	last_code = code;
	return code;
}

int cy_error_from_errno(int errnum)
{
	switch (errnum) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return CY_ENOSPC;
	case ENOENT:
	case ENOTDIR:
		return CY_ENOTFOUND;
	case EEXIST:
	case ENOTEMPTY:
		return CY_EEXISTS;
	case EACCES:
	case EPERM:
		return CY_EPERM;
	case ENOMEM:
		return CY_ENOMEM;
	case EINVAL:
		return CY_EINVALID;
	default:
		return CY_EIO;
	}
}

const char *cy_error_message(void)
{
	return last_msg;
}

int cy_error_code(void)
{
	return last_code;
}

void cy_error_clear(void)
{
	last_msg[0] = '\0';
	last_code = 0;
}

const char *cy_error_name(int code)
{
	switch (code) {
	case CY_OK:
		return "ok";
	case CY_ENOMEM:
		return "out of memory";
	case CY_EINVALID:
		return "invalid";
	case CY_ENOTFOUND:
		return "not found";
	case CY_EEXISTS:
		return "exists";
	case CY_EAUTH:
		return "authentication failed";
	case CY_EPERM:
		return "permission denied";
	case CY_ECORRUPT:
		return "integrity failure";
	case CY_EIO:
		return "i/o error";
	case CY_ENOSPC:
		return "no space";
	case CY_EBUSY:
		return "busy";
	case CY_ECRYPTO:
		return "crypto failure";
	case CY_EDB:
		return "catalog failure";
	case CY_EUNSUPPORTED:
		return "unsupported";
	case CY_ECANCELLED:
		return "cancelled";
	default:
		return "error";
	}
}
