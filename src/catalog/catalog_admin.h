/* catalog_admin.h - the catalog's named statements for administration: user
 * accounts (enabled or disabled), grants and their state, a fonds' status and
 * its unified social credit code.  Only src/vault/ uses them.
 *
 * Each function is one statement (or a short fixed sequence) so that another
 * catalog backend can implement it without knowing SQLite.  Functions that
 * look one row up return 0 when found and CY_ENOTFOUND (with a plain message
 * the vault usually replaces) when not. */
#ifndef CY_CATALOG_ADMIN_H
#define CY_CATALOG_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

/* ---- users ---- */

typedef struct cy_catalog_adm_user {
	int64_t id;
	char name[64];
	char role[16]; /* as stored; certified by the admin key (vault.c) */
	char created[32];
	int disabled; /* not authenticated: see docs/internals/admin.md */
} cy_catalog_adm_user;

/* The user called name. */
int cy_catalog_adm_user_get(cy_catalog *c, const char *name, cy_catalog_adm_user *out);
/* The user with this id. */
int cy_catalog_adm_user_get_id(cy_catalog *c, int64_t id, cy_catalog_adm_user *out);
/* Every user, by id.  fn's non-zero return stops the walk and is returned. */
typedef int (*cy_catalog_adm_user_fn)(void *arg, const cy_catalog_adm_user *u);
int cy_catalog_adm_user_each(cy_catalog *c, cy_catalog_adm_user_fn fn, void *arg);
/* Setting the disabled flag: cy_catalog_user_set_disabled (catalog.h). */
/* How many users of this role are not disabled. */
int cy_catalog_adm_user_count_enabled(cy_catalog *c, const char *role, int64_t *n);

/* ---- grants ---- */

/* A user's grants by fonds code; pending = no key slot yet (a secadmin's
 * grant that a key holder has not completed). */
typedef int (*cy_catalog_adm_grant_fn)(void *arg, const char *fonds_code, int pending);
int cy_catalog_adm_user_grants(cy_catalog *c, int64_t user_id, cy_catalog_adm_grant_fn fn,
			       void *arg);

enum {
	CY_GRANT_NONE = 0,    /* the fonds exists, the user has no grant of it */
	CY_GRANT_PENDING = 1, /* granted, no key slot yet */
	CY_GRANT_ACTIVE = 2,  /* granted with a key slot */
};
/* The state of user_id's grant of the fonds with this code; CY_ENOTFOUND if
 * there is no such fonds. */
int cy_catalog_adm_grant_state(cy_catalog *c, int64_t user_id, const char *fonds_code, int *state);

/* ---- fonds ---- */

typedef struct cy_catalog_adm_fonds {
	int64_t id;
	char code[8];
	char uscc[24]; /* "" when none */
	char status[24];
	char status_date[16]; /* YYYY-MM-DD, "" when never set */
} cy_catalog_adm_fonds;

int cy_catalog_adm_fonds_get(cy_catalog *c, const char *code, cy_catalog_adm_fonds *out);
/* The first fonds (by code) with this unified social credit code: its code
 * into code_out (>= 8 bytes). */
int cy_catalog_adm_fonds_by_uscc(cy_catalog *c, const char *uscc, char *code_out, size_t n);
/* Setting a status: cy_catalog_fonds_set_status (catalog.h). */
/* Every fonds, by code. */
typedef int (*cy_catalog_adm_fonds_fn)(void *arg, const cy_catalog_adm_fonds *f);
int cy_catalog_adm_fonds_each(cy_catalog *c, cy_catalog_adm_fonds_fn fn, void *arg);
/* The status date of a fonds ("" when never set) into out. */
int cy_catalog_adm_fonds_status_date(cy_catalog *c, int64_t id, char *out, size_t n);

/* ---- the ledger, read back ---- */

/* Every ledger entry from seq `from` on, in order, as stored. */
typedef int (*cy_catalog_adm_entry_fn)(void *arg, uint64_t seq, const char *entry, size_t n);
int cy_catalog_adm_ledger_each(cy_catalog *c, uint64_t from, cy_catalog_adm_entry_fn fn, void *arg);

/* The user and grant entries (user.*, grant.*): the condition of the partial
 * index ledger_trust, repeated word for word in the query so that SQLite uses
 * it.  A quoted key with its quoted value cannot occur inside a JSON string
 * (its quotes would be escaped), so this matches the entry's action only.
 * Both operands are blobs, so instr compares bytes without converting the
 * entry to text: about 0.5 us per ledger insert instead of 3. */
#define CY_LEDGER_TRUST_WHERE                                                                      \
	"(instr(entry, CAST('\"action\":\"user.' AS BLOB)) > 0 OR "                                \
	"instr(entry, CAST('\"action\":\"grant.' AS BLOB)) > 0)"
/* Every user and grant entry after seq `after`, in order (through the index:
 * cheap however many record entries the ledger holds). */
int cy_catalog_adm_ledger_trust_each(cy_catalog *c, uint64_t after, cy_catalog_adm_entry_fn fn,
				     void *arg);
/* Entry number seq and its leaf hash (leaf: 32 bytes); CY_ENOTFOUND if none. */
int cy_catalog_adm_ledger_get(cy_catalog *c, uint64_t seq, cy_buf *entry, uint8_t leaf[32]);

/* How many users of a content role (archivist, viewer), not disabled, hold
 * an active grant (a key slot) of the fonds. */
int cy_catalog_adm_fonds_holders(cy_catalog *c, int64_t fonds_id, int64_t *n);

#endif
