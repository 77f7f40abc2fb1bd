/* vault_subjects_stub.c - placeholder until the subjects module is merged (same session). */
#include "custody/error.h"
#include "vault/vault_internal.h"
#include "base/banned.h"

int cy_vault__subject_key(cy_vault *v, int64_t subject_id, uint8_t key[32])
{
	(void)v;
	(void)key;
	return cy_error_set(CY_EUNSUPPORTED, "subject %lld: subjects are not built yet", (long long)subject_id);
}
