/* transfer_keys.c - TEMPORARY until the age layer lands: format checks only. */
#include <string.h>

#include "custody/error.h"
#include "transfer/transfer_internal.h"
#include "custody/banned.h"

int cy_transfer__recipient_parse(const char *s, uint8_t pub[32])
{
	memset(pub, 0, 32);
	if (!s || strncmp(s, "age1", 4) || strlen(s) != 62)
		return cy_error_set(CY_EINVALID, "'%s' is not an age X25519 recipient (age1...)",
				    s ? s : "");
	return 0;
}

int cy_transfer__signing_pub_parse(const char *s, uint8_t pub[32])
{
	memset(pub, 0, 32);
	if (!s || !*s)
		return cy_error_set(CY_EINVALID, "a receiver needs its receipt signing key");
	return 0;
}
