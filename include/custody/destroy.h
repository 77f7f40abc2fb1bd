/* destroy.h - supervised destruction (会计档案管理办法 第十六-十九条; PIPL
 * Art. 47): a batch of records is proposed, signed by the signatories its
 * kind needs, reconciled (every listed record present, intact and as
 * recorded), then executed: the records' rows and wrapped data keys go
 * (crypto-shredding), subjects left with nothing lose their keys and
 * blind-index rows, the packs that held the objects are compacted, the
 * full-text index is rebuilt without them, and a register (销毁清册) signed
 * with the fonds' write key is kept in the vault, itself a permanent record.
 * docs/internals/destruction.md, docs/formats/destruction-register.md. */
#ifndef CUSTODY_DESTROY_H
#define CUSTODY_DESTROY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"
#include "custody/vault.h"

/* custody's own signatory roles of a batch's kind ("accounting": the five
 * of 第十八条 and the supervisors from archives, accounting and IT; "other"
 * and "erasure": the proposer and a second person), NULL-terminated: used
 * when the retention pack names none ("signatories",
 * docs/formats/retention-rules.md).  A batch keeps the roles it was
 * proposed with (its destroy.propose entry names them). */
const char *const *cy_destroy_roles(const char *kind);
/* The Chinese name of a role, for the register ("" if unknown). */
const char *cy_destroy_role_zh(const char *role);

typedef struct cy_destroy_item {
	char archive_no[64];
	char class_name[16];
	int year;
	char retention[8];
	char rule[48];
	char trigger[11], due[11]; /* ISO dates */
	char created[21];	   /* when the record came into custody */
} cy_destroy_item;

typedef struct cy_destroy_sig {
	char role[32];
	char user[64];
	char at[21];
} cy_destroy_sig;

typedef struct cy_destroy_info {
	int64_t id;
	char fonds[8];
	char kind[16];	 /* accounting, other */
	char status[16]; /* proposed, executing, executed */
	char proposer[64];
	char proposed[21], reconciled[21], executed[21]; /* "" when not yet */
	char hash[65];					 /* the item list's SHA-256 */
	cy_destroy_item *items;
	size_t nitems;
	cy_destroy_sig *sigs;
	size_t nsigs;
	char needed[16][32]; /* roles still to sign */
	size_t nneeded;
	char *reg;	   /* the register's JSON after execution, else NULL */
	char reg_sig[129]; /* its signature, hex ("" before execution) */
	char signkey[65];  /* the fonds write key's public half, hex */
} cy_destroy_info;
void cy_destroy_info_release(cy_destroy_info *d);

/* archivist: a batch of these records (one fonds), each due for
 * destruction today under its retention, none permanent, on hold, already
 * destroyed or in another open batch.  Logged destroy.propose.  Proposing
 * is not signing. */
int cy_destroy_propose(cy_vault *v, const char *const *archive_nos, size_t n, int64_t *batch_id);
/* The same for the records an appraisal (custody appraise) decided to
 * destroy; the batch names the appraisal. */
int cy_destroy_propose_appraisal(cy_vault *v, int64_t appraisal, int64_t *batch_id);
/* Any user with a certificate: sign batch as role (one of its kind's
 * roles not yet signed; one user signs one role per batch; "proposer" only
 * by the proposer, "approver" not by the proposer).  Logged destroy.sign. */
int cy_destroy_sign(cy_vault *v, int64_t batch, const char *role);
/* Holder of the fonds key: the pre-destruction check.  Each record present,
 * its row as signed and as the batch recorded it, every object decrypting
 * to its recorded SHA-256.  Logged destroy.reconcile; if any record fails,
 * nothing is logged and CY_ECORRUPT names how many and the first. */
int cy_destroy_reconcile(cy_vault *v, int64_t batch, cy_progress_fn progress, void *parg);

typedef struct cy_destroy_result {
	uint64_t records, objects, subjects; /* destroyed */
	uint64_t packs_rewritten, packs_removed, bytes_freed;
	char register_no[64]; /* the register's own archive number */
} cy_destroy_result;
/* archivist holding the write key: execute a signed, reconciled batch with
 * no record on hold; or finish one that was interrupted after its records
 * went (status executing). */
int cy_destroy_execute(cy_vault *v, int64_t batch, cy_progress_fn progress, void *parg,
		       cy_destroy_result *out);
int cy_destroy_show(cy_vault *v, int64_t batch, cy_destroy_info *out);
typedef int (*cy_destroy_fn)(void *arg, const cy_destroy_info *d);
/* Every batch (items and signatures not filled). */
int cy_destroy_list(cy_vault *v, cy_destroy_fn fn, void *arg);
/* Whether archive_no names a destroyed record: 1 (and its batch and the
 * time of execution), 0 if not. */
int cy_destroy_lookup(cy_vault *v, const char *archive_no, int64_t *batch, char executed[21]);

/* The records destroyed in the fonds the caller holds (fonds, or all when
 * NULL): each with its batch, fonds and when (for ls --all). */
typedef int (*cy_destroy_tomb_fn)(void *arg, const cy_destroy_item *it, int64_t batch,
				  const char *fonds, const char *executed);
int cy_destroy_tombstones(cy_vault *v, const char *fonds, cy_destroy_tomb_fn fn, void *arg);

/* The hash that binds a batch's item list to its ledger entries (docs/
 * formats/destruction-register.md), items in record id order. */
typedef struct cy_destroy_hash_item {
	const char *archive_no;
	const uint8_t *digest; /* the record row's signed digest */
	size_t digest_len;
	const char *due;
} cy_destroy_hash_item;
int cy_destroy_batch_hash(const char *vault_id, const char *code, int64_t batch, const char *kind,
			  const cy_destroy_hash_item *items, size_t n, uint8_t out[32]);

/* The message the register's signature covers (docs/formats/
 * destruction-register.md): "custody/destruction-register/v1" 00 vault id 00
 * fonds code 00 SHA-256(register JSON). */
int cy_destroy_register_msg(const char *vault_id, const char *code, const char *reg, cy_buf *msg);

/* A customer's deletion (PIPL Art. 47), archivists.  reason: art47-1 ...
 * art47-5 (the five cases of Art. 47).  The customer's records that no
 * legal period keeps go into an erasure batch (printed id in out->batch, 0
 * if none), which then needs a second person's signature (approver), the
 * reconciliation and the execution as any batch; once executed, the
 * customer's identifiers (their blind-index hashes, never the name) are
 * kept so that importing the same person again is refused.  Records a
 * legal period still keeps are counted in out->kept (the latest end in
 * kept_until) and stay, store-only (para. 2).  request: the request's
 * reference (only its hash is logged). */
typedef struct cy_erase_result {
	int64_t batch;
	size_t erase, kept;
	char kept_until[11];
} cy_erase_result;
int cy_subject_erase(cy_vault *v, const char *id, const char *reason, const char *request,
		     cy_erase_result *out);
/* An explicit decision to let the customers of erasure batch `id` be
 * imported again: their kept identifiers go; logged subject.readmit. */
int cy_subject_readmit(cy_vault *v, int64_t id, const char *reason, int64_t *count);

#endif
