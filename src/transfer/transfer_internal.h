/* transfer_internal.h - what the files of src/transfer/ share. */
#ifndef CY_TRANSFER_INTERNAL_H
#define CY_TRANSFER_INTERNAL_H

#include <jansson.h>

#include "catalog/catalog_transfer.h"
#include "custody/transfer.h"
#include "vault/vault_internal.h"

/* A transfer as loaded and checked against the ledger (cy_transfer__load). */
typedef struct cy_transfer__t {
	cy_catalog_transfer row;
	cy_receiver receiver;
	int64_t receiver_seq;
	cy_fonds_key *k;
	char purpose[4097];
} cy_transfer__t;

/* Load transfer id of a fonds the caller holds (roles `allowed`), checking
 * its scope and its receiver against their ledger entries. */
int cy_transfer__load(cy_vault *v, int64_t id, unsigned allowed, cy_transfer__t *out);
int cy_transfer__scope_hash(cy_vault *v, int64_t tid, uint8_t out[32], int64_t *n);
/* The digest (hex) of what a transfer row decides beyond its scope: fonds,
 * receiver, reason, notice period, counts and the Art. 38 flags; in its
 * transfer.plan and transfer.scope entries ("terms"). */
int cy_transfer__terms(const cy_catalog_transfer *r, char hex[65]);
int cy_transfer__receiver_digest(const cy_receiver *r, uint8_t out[32]);
int cy_transfer__entry(cy_vault *v, int64_t seq, const char *const *actions, const char *target0,
		       json_t **out);
const char *cy_transfer__detail(json_t *entry, const char *key);
/* the PIAs of a transfer, each checked against its entry */
int cy_transfer__pias(cy_vault *v, int64_t tid, int64_t *n);
void cy_transfer__info(const cy_transfer__t *t, cy_vault *v, cy_transfer_info *out);

int cy_transfer__mechanism_check(cy_vault *v, int64_t tid, const char *mech, char out[64]);
int cy_transfer__subject_display(cy_vault *v, int64_t sid, char out[32]);
int cy_transfer__gates(cy_vault *v, cy_transfer__t *t, const char *as_of, cy_transfer_gate *g,
		       size_t *n);
int cy_transfer__ready(cy_vault *v, cy_transfer__t *t, const char *as_of, bool export,
		       char approver[64]);

/* Keys named by a receiver (age.h, sigkey formats). */
int cy_transfer__recipient_parse(const char *s, uint8_t pub[32]);
int cy_transfer__signing_pub_parse(const char *s, uint8_t pub[32]);

#endif
