/* transfer_stub.c - TEMPORARY (worker "notify"): the two functions of
 * transfer.h that the notices call, until the integrator's transfer*.c
 * lands; they say that transfers are not built.  Delete on merging main. */
#include "custody/error.h"
#include "custody/transfer.h"
#include "custody/banned.h"

int cy_transfer_get(cy_vault *v, int64_t id, cy_transfer_info *out)
{
	(void)v;
	(void)out;
	return cy_error_set(CY_ENOTFOUND, "no transfer %lld (transfers are not built yet)",
			    (long long)id);
}

int cy_transfer_subjects(cy_vault *v, int64_t id, cy_transfer_subject_fn fn, void *arg)
{
	(void)v;
	(void)fn;
	(void)arg;
	return cy_error_set(CY_ENOTFOUND, "no transfer %lld (transfers are not built yet)",
			    (long long)id);
}
