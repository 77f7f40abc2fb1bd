/* catalog_epochs.h - fonds key epochs (docs/security/grants.md "Fonds key
 * epochs", docs/formats/keys.md "Fonds key epochs"): the keys a fonds moved
 * to after a revocation or a password reset.  Epoch 0 is the fonds' first
 * key (fonds.key_id, fonds.recovery_slot); each later epoch is a row here. */
#ifndef CY_CATALOG_EPOCHS_H
#define CY_CATALOG_EPOCHS_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

typedef struct cy_catalog_epoch {
	int64_t fonds_id, epoch;
	const void *key_id; /* 8 bytes: the first 8 of the epoch key's id hash */
	size_t key_id_len;
	const void *prev; /* the previous epoch's key, sealed under this one */
	size_t prev_len;
	const void *rslot; /* this epoch's key sealed to the recovery key */
	size_t rslot_len;
	uint64_t seq; /* its fonds.rekey ledger entry */
	int64_t signer, signer_serial;
	const void *sig; /* 64: the signer's Ed25519 signature */
	size_t sig_len;
	const char *created;
} cy_catalog_epoch;

int cy_catalog_epoch_insert(cy_catalog *c, const cy_catalog_epoch *e);
typedef int (*cy_catalog_epoch_fn)(void *arg, const cy_catalog_epoch *e);
/* The epochs of one fonds (fonds_id > 0) or of every fonds (0), by fonds
 * and epoch; the pointers are valid during the call only. */
int cy_catalog_epoch_each(cy_catalog *c, int64_t fonds_id, cy_catalog_epoch_fn fn, void *arg);

#endif
