/* transfer.h - the handover (issue 9): receivers, transfers and their scope,
 * the gates of PIPL Arts. 22, 23, 38, 39, 55, approval, export, receipt.
 * docs/internals/transfer.md.  Notices to customers: notify.h. */
#ifndef CUSTODY_TRANSFER_H
#define CUSTODY_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/vault.h"

/* A receiving party.  Its name, code and contact are the company's public
 * business data (every notice names them), kept in the catalog as given. */
typedef struct cy_receiver {
	int64_t id;
	char name[256];
	char uscc[32];		/* unified social credit code, or "" abroad */
	char contact[512];	/* how customers reach the receiver */
	char jurisdiction[16];	/* "CN" or "OTHER:XX" (ISO 3166 alpha-2) */
	char age_recipient[128]; /* age1... */
	char signing_pub[128];	/* the receiver's receipt key (sigkey format) */
	char created[32];
} cy_receiver;

typedef struct cy_transfer_info {
	int64_t id;
	char fonds[8];
	cy_receiver receiver;
	char reason[16];  /* merger|division|dissolution|bankruptcy|sale|other */
	char purpose[512]; /* decrypted (it may name people) */
	char status[16];  /* planned|approved|exported|confirmed|cancelled */
	char planned_by[64], planned[32];
	char approved_by[64], approved[32];
	int notice_days; /* the notice period (default 30) */
	int64_t records, subjects; /* in scope now */
} cy_transfer_info;

/* The transfer and its receiver (purpose decrypted).  Archivists and
 * viewers of its fonds; CY_ENOTFOUND otherwise. */
int cy_transfer_get(cy_vault *v, int64_t id, cy_transfer_info *out);

/* The customers in a transfer's scope (those linked to its records, less
 * those who objected), in id order: fn(arg, catalog id, display id). */
typedef int (*cy_transfer_subject_fn)(void *arg, int64_t subject_id, const char *display_id);
int cy_transfer_subjects(cy_vault *v, int64_t id, cy_transfer_subject_fn fn, void *arg);

#endif
