/* vault_ledger_sig.h - signed transaction heads of the ledger: each
 * transaction's actor signs the tree head its last entry produces, with the
 * actor's own certified Ed25519 key (docs/formats/ledger.md section 8). */
#ifndef CY_VAULT_LEDGER_SIG_H
#define CY_VAULT_LEDGER_SIG_H

#include "vault/vault_internal.h"

#define CY_HEAD_CTX "custody/ledger-head/v1"
/* "custody/ledger-head/v1" 0x00 <vault id, 32 hex> 0x00 || size (8, BE) || root (32) */
#define CY_HEAD_MSG_LEN (sizeof(CY_HEAD_CTX) + 32 + 1 + 8 + 32)

/* The message a head signature signs. */
void cy_vault__head_msg(const char *vault_id, uint64_t size, const uint8_t root[32],
			uint8_t out[CY_HEAD_MSG_LEN]);
/* Inside cy_vault__commit: sign the head of v->fr with the caller's own key
 * and store it with the transaction's last entry (seq v->fr.size). */
int cy_vault__sign_head(cy_vault *v);
/* Whether a role receives the checkpoint (ledger) key: auditors and
 * secadmins only (in vaults made before schema 3, every user holds it). */
bool cy_vault__role_signs_checkpoints(cy_role r);
/* Sign a checkpoint of v->fr and store it (vault.c); the caller holds the
 * ledger key (v->sign_seed) and a transaction. */
int cy_vault__sign_checkpoint(cy_vault *v);

/* Verifying heads: certificates looked up by (user id, serial), verified
 * under the admin key this user's slot vouches for, and kept. */
typedef struct cy_head_verifier cy_head_verifier;
int cy_vault__headv_new(cy_vault *v, cy_head_verifier **out);
void cy_vault__headv_free(cy_head_verifier *hv);
/* 0 if sig is user uid's (certificate serial; 0: a key upgraded from schema
 * 2, certified as serial 1) signature of the head (size, root); else
 * CY_ECORRUPT with the reason as the last error. */
int cy_vault__headv_check(cy_head_verifier *hv, int64_t uid, int64_t serial, uint64_t size,
			  const uint8_t root[32], const void *sig, size_t siglen);

/* The actor and the action of an entry in canonical form (ledger.md 1);
 * CY_ECORRUPT if it does not start as one.  actor: 24 bytes, action: 64. */
int cy_vault__entry_actor(const char *e, size_t n, char actor[24], char action[64]);

#endif
