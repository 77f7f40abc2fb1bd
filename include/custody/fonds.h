/* fonds.h - fonds (全宗): the companies whose records are in custody. */
#ifndef CUSTODY_FONDS_H
#define CUSTODY_FONDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/vault.h"

/* ---- fonds ---- */
typedef struct cy_fonds_info {
	char code[8];
	char name[256];
	char uscc[24];
	char status[24];
	char status_date[16]; /* YYYY-MM-DD of the status; "" when never set */
	char created[32];
	int64_t records;
	uint64_t bytes;
	bool held; /* the caller holds its key */
} cy_fonds_info;

/* archivist: create a fonds (random fonds key sealed to the caller and the
 * recovery key); the caller is granted it. */
int cy_fonds_add(cy_vault *v, const char *code, const char *name, const char *uscc);
/* The same with flags: CY_FONDS_SAME_USCC allows a second fonds with the
 * unified social credit code of an existing one (logged with the other
 * fonds' code); without it such an add fails with CY_EEXISTS naming the
 * existing fonds.  cy_fonds_add is cy_fonds_add_ext with flags 0. */
#define CY_FONDS_SAME_USCC 1u
int cy_fonds_add_ext(cy_vault *v, const char *code, const char *name, const char *uscc,
		     unsigned flags);
/* archivist holding the fonds: set its status (operating, transferring,
 * deregistering, deregistered) as of date (YYYY-MM-DD).  Logged as
 * fonds.status with the status, the date and the status before. */
int cy_fonds_set_status(cy_vault *v, const char *code, const char *status, const char *date);
/* The same; for "deregistered", the records a legal period still keeps
 * become store-only in the same transaction (PIPL Art. 47 para. 2), and
 * *restricted says how many. */
int cy_fonds_set_status_ext(cy_vault *v, const char *code, const char *status, const char *date,
			    size_t *restricted);
bool cy_fonds_status_valid(const char *s);
typedef int (*cy_fonds_fn)(void *arg, const cy_fonds_info *f);
/* Content roles see the fonds granted to them; admin roles see all (no records). */
int cy_fonds_list(cy_vault *v, cy_fonds_fn fn, void *arg);
/* GB 32100 unified social credit code check (format and check character). */
bool cy_uscc_valid(const char *s);
/* DA/T 22 fonds code: 4 characters, A-Z and 0-9. */
bool cy_fonds_code_valid(const char *s);

#endif
