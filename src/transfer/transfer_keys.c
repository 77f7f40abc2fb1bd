/* transfer_keys.c - the keys a receiver is named by: its age recipient
 * (packages are encrypted to it) and its receipt signing key. */
#include "custody/age.h"
#include "custody/error.h"
#include "custody/sigkey.h"
#include "transfer/transfer_internal.h"
#include "custody/banned.h"

int cy_transfer__recipient_parse(const char *s, uint8_t pub[32])
{
	if (cy_age_recipient_parse(s, pub))
		return cy_error_set(CY_EINVALID,
				    "'%s' is not an age X25519 recipient (age1...; age-keygen or "
				    "custody keygen --age prints one)",
				    s ? s : "");
	return 0;
}

int cy_transfer__signing_pub_parse(const char *s, uint8_t pub[32])
{
	if (cy_signing_pub_parse(s, pub))
		return cy_error_set(CY_EINVALID,
				    "'%s' is not a receipt signing key (custody-sign1...; custody "
				    "keygen --signing prints one)",
				    s ? s : "");
	return 0;
}
