/* catalog.c - the SQLite catalog (see catalog.h).
 *
 * WAL journal, foreign keys on, STRICT tables, temp_store in memory (so no
 * temporary file can hold catalog content), schema version in
 * PRAGMA user_version with forward migrations.
 *
 * Whoever can write catalog.db can also write its schema.  So the catalog is
 * opened defensively (SQLITE_DBCONFIG_DEFENSIVE, trusted_schema off,
 * triggers and views disabled: custody creates neither), and at open its
 * schema is compared with the one custody's own migrations make: every
 * table, index, trigger and view must be one of those, with the same SQL
 * text (whitespace aside), and none may be missing (schema_check).  The
 * expected schema is built once per process by running the same migrate()
 * on an in-memory database, so a new migration is covered without a list to
 * keep up to date.  docs/security/hygiene.md. */
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "catalog/catalog_admin.h" /* CY_LEDGER_TRUST_WHERE */
#include "catalog/catalog_holds.h"     /* CY_LEDGER_HOLDS_WHERE */
#include "catalog/catalog_notify.h"    /* CY_LEDGER_NOTIFY_WHERE */
#include "catalog/catalog_retention.h" /* CY_LEDGER_RETENTION_WHERE */
#include "catalog/catalog_sql.h"
#include "custody/buf.h"
#include "custody/error.h"
#include "base/fsutil.h"
#include "custody/banned.h"

#define STMT_BUCKETS 256

/* A cached statement: in a hash bucket by its SQL text, and in the LRU list
 * (mru first).  Statements made by cy_catalog__stmt_new are in neither. */
struct cy_stmt {
	sqlite3_stmt *st;
	cy_catalog *cat;
	char *sql;
	uint32_t hash;
	int cached;
	struct cy_stmt *hnext, *prev, *next;
};

struct cy_catalog {
	sqlite3 *db;
	struct cy_stmt *buckets[STMT_BUCKETS];
	struct cy_stmt *mru, *lru;
	size_t ncache;
	int busy_ms;	   /* how long to wait for another process's lock */
	double busy_since; /* when the current wait began (monotonic ms) */
};

static const char *SCHEMA_V1 =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT;"
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
	"  pub BLOB NOT NULL, slot BLOB NOT NULL, sign_slot BLOB NOT NULL,"
	"  admin_slot BLOB, cert BLOB NOT NULL,"
	"  created TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0) STRICT;"
	"CREATE TABLE fonds ("
	"  id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  uscc TEXT, status TEXT NOT NULL, key_id BLOB NOT NULL,"
	"  recovery_slot BLOB NOT NULL, created TEXT NOT NULL) STRICT;"
	"CREATE TABLE grants ("
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  fonds_id INTEGER NOT NULL REFERENCES fonds(id),"
	"  slot BLOB, auth BLOB, granted_by INTEGER NOT NULL REFERENCES users(id),"
	"  created TEXT NOT NULL, PRIMARY KEY (user_id, fonds_id)) STRICT;"
	"CREATE TABLE packs ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, size INTEGER NOT NULL) STRICT;"
	"CREATE TABLE objects ("
	"  id INTEGER PRIMARY KEY, pack_id INTEGER NOT NULL REFERENCES packs(id),"
	"  offset INTEGER NOT NULL, length INTEGER NOT NULL, size INTEGER NOT NULL,"
	"  compressed INTEGER NOT NULL) STRICT;"
	"CREATE TABLE records ("
	"  id INTEGER PRIMARY KEY, fonds_id INTEGER NOT NULL REFERENCES fonds(id),"
	"  archive_no TEXT NOT NULL UNIQUE, class TEXT NOT NULL, year INTEGER NOT NULL,"
	"  retention TEXT NOT NULL, org TEXT NOT NULL DEFAULT '', item INTEGER NOT NULL,"
	"  object_id INTEGER NOT NULL REFERENCES objects(id), size INTEGER NOT NULL,"
	"  dedup BLOB NOT NULL, meta BLOB NOT NULL, status TEXT NOT NULL DEFAULT 'held',"
	"  created TEXT NOT NULL, created_by INTEGER NOT NULL REFERENCES users(id),"
	"  UNIQUE (fonds_id, dedup), UNIQUE (fonds_id, class, year, retention, org, item)) STRICT;"
	"CREATE TABLE ledger (seq INTEGER PRIMARY KEY, entry BLOB NOT NULL, leaf BLOB NOT NULL) STRICT;"
	"CREATE TABLE checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL) STRICT;"
	"CREATE TABLE ledger_state ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, frontier BLOB NOT NULL) STRICT;"
	"INSERT INTO ledger_state VALUES (1, 0, x'');";

/* Version 2 (docs/internals/catalog.md): records with several objects (the
 * first in records.object_id, the others in record_objects) and
 * subjects, subjects (customers) with blind indexes, per-object data keys
 * (object format 2), item counters that a row lock can serialise, aliases of
 * archive numbers that moved, a fonds' status date. */
static const char *SCHEMA_V2 =
	"ALTER TABLE objects ADD COLUMN dkey BLOB;"
	"ALTER TABLE objects ADD COLUMN owner_subject_id INTEGER;"
	"ALTER TABLE fonds ADD COLUMN status_date TEXT;"
	"CREATE TABLE subjects ("
	"  id INTEGER PRIMARY KEY, fonds_id INTEGER NOT NULL REFERENCES fonds(id),"
	"  no INTEGER NOT NULL, uid BLOB NOT NULL UNIQUE, kind TEXT NOT NULL,"
	"  wkey BLOB NOT NULL, fields BLOB NOT NULL, status TEXT NOT NULL DEFAULT 'held',"
	"  created TEXT NOT NULL, created_by INTEGER NOT NULL REFERENCES users(id),"
	"  UNIQUE (fonds_id, no)) STRICT;"
	"CREATE TABLE subject_index ("
	"  fonds_id INTEGER NOT NULL REFERENCES fonds(id), field TEXT NOT NULL, hash BLOB NOT NULL,"
	"  subject_id INTEGER NOT NULL REFERENCES subjects(id),"
	"  PRIMARY KEY (fonds_id, field, hash, subject_id)) STRICT, WITHOUT ROWID;"
	"CREATE INDEX subject_index_subject ON subject_index (subject_id);"
	"CREATE TABLE record_objects ("
	"  record_id INTEGER NOT NULL REFERENCES records(id), seq INTEGER NOT NULL,"
	"  object_id INTEGER NOT NULL REFERENCES objects(id), role TEXT NOT NULL,"
	"  PRIMARY KEY (record_id, seq)) STRICT;"
	"CREATE INDEX record_objects_object ON record_objects (object_id);"
	"CREATE TABLE record_subjects ("
	"  record_id INTEGER NOT NULL REFERENCES records(id),"
	"  subject_id INTEGER NOT NULL REFERENCES subjects(id),"
	"  PRIMARY KEY (record_id, subject_id)) STRICT;"
	"CREATE INDEX record_subjects_subject ON record_subjects (subject_id);"
	"CREATE TABLE archive_aliases ("
	"  old_no TEXT PRIMARY KEY, record_id INTEGER NOT NULL REFERENCES records(id),"
	"  moved TEXT NOT NULL) STRICT;"
	"CREATE TABLE item_counters ("
	"  fonds_id INTEGER NOT NULL REFERENCES fonds(id), grp TEXT NOT NULL, next INTEGER NOT NULL,"
	"  PRIMARY KEY (fonds_id, grp)) STRICT;"
	"INSERT INTO item_counters (fonds_id, grp, next)"
	"  SELECT fonds_id, class || '/' || year || '/' || retention || '/' || org, max(item) + 1"
	"  FROM records GROUP BY fonds_id, class, year, retention, org;";

/* CY_CATALOG_BUSY_MS, or for tests CUSTODY_TEST_BUSY_MS (trust_hygiene.bats
 * waits 5 s, not 30). */
static int busy_ms(void)
{
	const char *t = getenv("CUSTODY_TEST_BUSY_MS");
	long ms = t && *t ? strtol(t, NULL, 10) : 0;

	return ms > 0 && ms <= CY_CATALOG_BUSY_MS ? (int)ms : CY_CATALOG_BUSY_MS;
}

/* Waiting for another process's lock: poll every 2 ms (SQLite's own
 * handler backs off to 100 ms, and a writer that commits and begins again
 * within that time would starve it), up to busy_ms in all. */
static int busy_wait(void *arg, int count)
{
	struct timespec now, pause = {0, 2000000L};
	struct cy_catalog *c = arg;
	double t;

	clock_gettime(CLOCK_MONOTONIC, &now);
	t = (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
	if (count == 0)
		c->busy_since = t;
	else if (t - c->busy_since >= c->busy_ms)
		return 0;
	nanosleep(&pause, NULL);
	return 1;
}

/* Version 3 (issue 6, trust; docs/security.md): every fact that matters is
 * authenticated by a key that only the roles allowed to change it hold.
 * Each part of the work appends to its own block below. */
static const char *SCHEMA_V3 =
	/* core: each user's Ed25519 key (signs the user's ledger entries), the
	 * serial of the user's current certificate (0: a certificate of schema 2
	 * or older), and every certificate ever issued, so that old signatures
	 * still verify after a password change */
	"ALTER TABLE users ADD COLUMN upub BLOB;"
	"ALTER TABLE users ADD COLUMN serial INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE user_certs ("
	"  user_id INTEGER NOT NULL REFERENCES users(id), serial INTEGER NOT NULL,"
	"  role TEXT NOT NULL, pub BLOB NOT NULL, upub BLOB NOT NULL, cert BLOB NOT NULL,"
	"  created TEXT NOT NULL, PRIMARY KEY (user_id, serial)) STRICT;"
	/* hygiene: failed log-ins.  One row per failed log-in: the user's id
	 * (NULL for a name that is no user) and the time; never the typed
	 * password or anything derived from it.  The next successful log-in of
	 * that user turns its rows into one user.login_failed ledger entry and
	 * deletes them (catalog_audit.c, vault_logins.c) */
	"CREATE TABLE login_failures ("
	"  id INTEGER PRIMARY KEY, user_id INTEGER, time TEXT NOT NULL) STRICT;"
	"CREATE INDEX login_failures_user ON login_failures (user_id);"
	/* ledger: (worker "ledger") */
	/* each transaction's last entry carries its actor's signature of the tree
	 * head it produced and the serial of the signer's certificate (NULL on the
	 * other entries and on entries made before schema 3); the witnesses whose
	 * cosignatures log verify --witness accepts (docs/formats/ledger.md) */
	"ALTER TABLE ledger ADD COLUMN sig BLOB;"
	"ALTER TABLE ledger ADD COLUMN signer_serial INTEGER;"
	"CREATE TABLE witnesses (name TEXT PRIMARY KEY, vkey TEXT NOT NULL,"
	"  added TEXT NOT NULL) STRICT;"
	/* grants: (worker "grants") */
	/* each grant bound to its ledger entry (docs/formats/keys.md "Grants,
	 * version 2"): a serial, the seq and leaf hash of its grant.add (or
	 * fonds.add, grant.recover, grant.upgrade) entry; and an index of the
	 * user and grant entries, so that opening finds a user's key events and
	 * revocations without reading every record entry */
	"ALTER TABLE grants ADD COLUMN serial INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE grants ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE grants ADD COLUMN leaf BLOB;"
	"CREATE INDEX ledger_trust ON ledger (seq) WHERE " CY_LEDGER_TRUST_WHERE ";"
	/* records: (worker "records") each fonds' Ed25519 write key (its public
	 * half, its seed sealed to the recovery key, and the seq of the ledger
	 * entry that recorded it: a hint, the entry is what is trusted), the
	 * seed sealed to
	 * each archivist granted the fonds (grants.wslot: the grantee's X25519
	 * public key || the sealed seed), and the signed batches of records
	 * (docs/formats/record-sig.md) */
	"ALTER TABLE fonds ADD COLUMN sign_pub BLOB;"
	"ALTER TABLE fonds ADD COLUMN sign_rslot BLOB;"
	"ALTER TABLE fonds ADD COLUMN sign_seq INTEGER;"
	"ALTER TABLE grants ADD COLUMN wslot BLOB;"
	"ALTER TABLE records ADD COLUMN digest BLOB;"
	"ALTER TABLE records ADD COLUMN batch_id INTEGER;"
	"CREATE TABLE record_batches ("
	"  id INTEGER PRIMARY KEY, fonds_id INTEGER NOT NULL REFERENCES fonds(id),"
	"  seq INTEGER NOT NULL, count INTEGER NOT NULL, sig BLOB NOT NULL) STRICT;"
	"CREATE INDEX records_batch ON records (batch_id);"
	"";

static int db_error(cy_catalog *c, int code, const char *what)
{
	int ext = sqlite3_extended_errcode(c->db);
	int cy = CY_EDB;

	if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
		cy = CY_EEXISTS;
	else if ((ext & 0xff) == SQLITE_CONSTRAINT)
		cy = CY_EINVALID; /* foreign key, type, not null, check */
	else if ((ext & 0xff) == SQLITE_FULL)
		cy = CY_ENOSPC;
	else if ((ext & 0xff) == SQLITE_BUSY || (ext & 0xff) == SQLITE_LOCKED)
		cy = CY_EBUSY;
	else if ((ext & 0xff) == SQLITE_CORRUPT || (ext & 0xff) == SQLITE_NOTADB)
		cy = CY_ECORRUPT;
	else if ((ext & 0xff) == SQLITE_NOMEM)
		cy = CY_ENOMEM; /* sqlite3_errmsg says "out of memory" */
	(void)code;
	if (cy == CY_EBUSY)
		return cy_error_set(CY_EBUSY,
				    "the vault is busy (another custody is writing); waited %d s; "
				    "try again",
				    (busy_ms() + 999) / 1000);
	if ((ext & 0xff) == SQLITE_FULL || (ext & 0xff) == SQLITE_IOERR)
		return cy_error_set((ext & 0xff) == SQLITE_FULL ? CY_ENOSPC : CY_EIO,
				    "cannot write the catalog (is the disk full?): %s",
				    sqlite3_errmsg(c->db));
	return cy_error_set(cy, "catalog: %s: %s", what, sqlite3_errmsg(c->db));
}

int cy_catalog_exec(cy_catalog *c, const char *sql)
{
	if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(c, 0, "exec");
	return 0;
}

/* Version 4 (docs/security/grants.md "Fonds key epochs"): the keys a fonds
 * moved to after a revocation or a password reset.  Each epoch's key opens
 * the one before it (prev), is sealed to the recovery key (rslot), and is
 * signed by the key holder who made it (signer, signer_serial, sig) over its
 * fonds.rekey ledger entry (seq, and its leaf hash inside the message). */
static const char *SCHEMA_V4 =
	"CREATE TABLE fonds_epochs ("
	"  fonds_id INTEGER NOT NULL REFERENCES fonds(id), epoch INTEGER NOT NULL,"
	"  key_id BLOB NOT NULL, prev BLOB NOT NULL, rslot BLOB NOT NULL, seq INTEGER NOT NULL,"
	"  signer INTEGER NOT NULL, signer_serial INTEGER NOT NULL, sig BLOB NOT NULL,"
	"  created TEXT NOT NULL, PRIMARY KEY (fonds_id, epoch)) STRICT;";

/* Schema 5 (issue 7): table imports.  Each run of `import csv|xlsx|mail` is
 * a row of import_runs (its source's name sealed); what it refused is in
 * import_rejects, each row's line, reason and bytes sealed under the run's
 * fonds key epoch (docs/formats/import-rejects.md). */
static const char *SCHEMA_V5 =
	"CREATE TABLE import_runs ("
	"  id INTEGER PRIMARY KEY, fonds_id INTEGER NOT NULL REFERENCES fonds(id),"
	"  kind TEXT NOT NULL, epoch INTEGER NOT NULL, source BLOB NOT NULL,"
	"  user_id INTEGER NOT NULL, started TEXT NOT NULL, finished TEXT,"
	"  rows INTEGER NOT NULL DEFAULT 0, imported INTEGER NOT NULL DEFAULT 0,"
	"  duplicates INTEGER NOT NULL DEFAULT 0, rejects INTEGER NOT NULL DEFAULT 0,"
	"  subjects INTEGER NOT NULL DEFAULT 0) STRICT;"
	"CREATE TABLE import_rejects ("
	"  run_id INTEGER NOT NULL REFERENCES import_runs(id), seq INTEGER NOT NULL,"
	"  body BLOB NOT NULL, PRIMARY KEY (run_id, seq)) STRICT;";

/* Schema 6 (issue 8): retention, holds, appraisal and destruction.  Each
 * part appends to its own block below; the ledger stays the authority (a
 * row here is a cache or a working copy of what the ledger entries say). */
static const char *SCHEMA_V6 =
	/* retention: (worker "retention") overrides of rule-pack rules (a working
	 * copy: the retention.override ledger entries are the authority, read
	 * through the partial index ledger_retention; docs/internals/retention.md) */
	"CREATE TABLE retention_overrides ("
	"  rule TEXT PRIMARY KEY, period INTEGER NOT NULL, reason TEXT NOT NULL,"
	"  user_id INTEGER NOT NULL, at TEXT NOT NULL, seq INTEGER NOT NULL) STRICT;"
	"CREATE INDEX ledger_retention ON ledger (seq) WHERE " CY_LEDGER_RETENTION_WHERE ";"
	/* appraisals (鉴定意见书, 第十六条): the opinion and its items, each sealed by
	 * the SHA-256 (digest) that its `appraise` ledger entry carries */
	"CREATE TABLE appraisals ("
	"  id INTEGER PRIMARY KEY, fonds TEXT NOT NULL, as_of TEXT NOT NULL, created TEXT NOT NULL,"
	"  user_id INTEGER NOT NULL, seq INTEGER NOT NULL, digest TEXT NOT NULL,"
	"  items INTEGER NOT NULL) STRICT;"
	"CREATE TABLE appraisal_items ("
	"  appraisal_id INTEGER NOT NULL REFERENCES appraisals(id), n INTEGER NOT NULL,"
	"  archive_no TEXT NOT NULL, class TEXT NOT NULL, year INTEGER NOT NULL,"
	"  retention TEXT NOT NULL, rule TEXT NOT NULL, trigger TEXT NOT NULL, due TEXT NOT NULL,"
	"  decision TEXT NOT NULL, new_period INTEGER NOT NULL,"
	"  PRIMARY KEY (appraisal_id, n)) STRICT;"
	/* holds: (worker "holds") legal holds, store-only exceptions
	 * (docs/internals/holds.md).  A hold is a row of holds (its reason
	 * sealed under the fonds key of epoch `epoch`) and its targets (record
	 * ids, one subject id or none for the whole fonds); the ledger's
	 * hold.add / hold.release entries are the authority, and the partial
	 * index finds them (and the restriction and access entries) without
	 * reading every record entry.  restrictions: when and why a record or a
	 * subject became store-only (the status itself is in the signed row).
	 * access_requests: exceptions to store-only, approved by a second user. */
	"CREATE TABLE holds ("
	"  id INTEGER PRIMARY KEY, fonds_id INTEGER NOT NULL REFERENCES fonds(id),"
	"  kind TEXT NOT NULL, epoch INTEGER NOT NULL, reason BLOB NOT NULL,"
	"  until TEXT NOT NULL DEFAULT '', unsettled INTEGER NOT NULL DEFAULT 0,"
	"  created TEXT NOT NULL, created_by INTEGER NOT NULL,"
	"  released TEXT NOT NULL DEFAULT '', released_by INTEGER NOT NULL DEFAULT 0,"
	"  release_reason BLOB) STRICT;"
	"CREATE TABLE hold_targets ("
	"  hold_id INTEGER NOT NULL REFERENCES holds(id), target_id INTEGER NOT NULL,"
	"  PRIMARY KEY (hold_id, target_id)) STRICT, WITHOUT ROWID;"
	"CREATE INDEX ledger_holds ON ledger (seq) WHERE " CY_LEDGER_HOLDS_WHERE ";"
	"CREATE TABLE restrictions ("
	"  kind TEXT NOT NULL, target_id INTEGER NOT NULL, reason TEXT NOT NULL,"
	"  since TEXT NOT NULL, user_id INTEGER NOT NULL,"
	"  PRIMARY KEY (kind, target_id)) STRICT;"
	"CREATE TABLE access_requests ("
	"  id INTEGER PRIMARY KEY, record_id INTEGER NOT NULL REFERENCES records(id),"
	"  user_id INTEGER NOT NULL, epoch INTEGER NOT NULL, reason BLOB NOT NULL,"
	"  created TEXT NOT NULL, approved_by INTEGER NOT NULL DEFAULT 0,"
	"  approved TEXT NOT NULL DEFAULT '', until TEXT NOT NULL DEFAULT '',"
	"  used INTEGER NOT NULL DEFAULT 0) STRICT;"
	/* destroy: (integrator) destruction batches (docs/internals/destruction.md):
	 * a batch, its items (what the register keeps of each record: no personal
	 * value; the row stays after the record is gone, as its tombstone), and
	 * the signatures; each row has the ledger entry (seq) that is its
	 * authority.  `hash` is the SHA-256 of the batch's item list, named in
	 * every destroy.* entry; `register` is the signed register's JSON. */
	"CREATE TABLE destruction_batches ("
	"  id INTEGER PRIMARY KEY, fonds_id INTEGER NOT NULL REFERENCES fonds(id),"
	"  kind TEXT NOT NULL, status TEXT NOT NULL, hash BLOB NOT NULL,"
	"  proposed_by INTEGER NOT NULL REFERENCES users(id), proposed TEXT NOT NULL,"
	"  seq INTEGER NOT NULL, appraisal_id INTEGER, reconciled TEXT, reconcile_seq INTEGER,"
	"  executed TEXT, execute_seq INTEGER, register TEXT, register_sig BLOB,"
	"  reason TEXT NOT NULL DEFAULT '', roles TEXT NOT NULL DEFAULT '') STRICT;"
	"CREATE TABLE destruction_items ("
	"  batch_id INTEGER NOT NULL REFERENCES destruction_batches(id),"
	"  record_id INTEGER NOT NULL, archive_no TEXT NOT NULL, class TEXT NOT NULL,"
	"  year INTEGER NOT NULL, retention TEXT NOT NULL, org TEXT NOT NULL, item INTEGER NOT NULL,"
	"  rule TEXT NOT NULL,"
	"  trigger TEXT NOT NULL, due TEXT NOT NULL, created TEXT NOT NULL, digest BLOB NOT NULL,"
	"  PRIMARY KEY (batch_id, record_id)) STRICT;"
	"CREATE INDEX destruction_items_no ON destruction_items (archive_no);"
	/* deleting an object row checks records.object_id (foreign keys): without
	 * this index each delete scans every record */
	"CREATE INDEX records_object ON records (object_id);"
	"CREATE TABLE destruction_signatures ("
	"  batch_id INTEGER NOT NULL REFERENCES destruction_batches(id), role TEXT NOT NULL,"
	"  user_id INTEGER NOT NULL REFERENCES users(id), at TEXT NOT NULL, seq INTEGER NOT NULL,"
	"  PRIMARY KEY (batch_id, role)) STRICT;"
	/* customers erased at their request (PIPL Art. 47): the blind-index
	 * hashes of their identifiers (never the name), so that an import of
	 * the same person is refused until someone decides otherwise */
	"CREATE TABLE erased_subjects ("
	"  fonds_id INTEGER NOT NULL REFERENCES fonds(id), field TEXT NOT NULL, hash BLOB NOT NULL,"
	"  batch_id INTEGER NOT NULL REFERENCES destruction_batches(id),"
	"  PRIMARY KEY (fonds_id, field, hash)) STRICT, WITHOUT ROWID;"
	"";

/* Schema 7 (issue 9): the handover.  Each part appends to its own block. */
static const char *SCHEMA_V7 =
	/* transfer: (integrator) receivers, transfers and their scope, approvals,
	 * PIAs, exports and receipts (docs/internals/transfer.md) */
	"CREATE TABLE receivers ("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, uscc TEXT NOT NULL,"
	"  contact TEXT NOT NULL, jurisdiction TEXT NOT NULL, age_recipient TEXT NOT NULL,"
	"  signing_pub TEXT NOT NULL, created TEXT NOT NULL, created_by INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL DEFAULT 0) STRICT;"
	"CREATE TABLE transfers ("
	"  id INTEGER PRIMARY KEY, fonds_id INTEGER NOT NULL REFERENCES fonds(id),"
	"  receiver_id INTEGER NOT NULL REFERENCES receivers(id), reason TEXT NOT NULL,"
	"  epoch INTEGER NOT NULL, purpose BLOB NOT NULL DEFAULT x'', status TEXT NOT NULL,"
	"  notice_days INTEGER NOT NULL, scope BLOB NOT NULL, records INTEGER NOT NULL,"
	"  subjects INTEGER NOT NULL, sensitive INTEGER NOT NULL DEFAULT 0,"
	"  ciio INTEGER NOT NULL DEFAULT 0, important INTEGER NOT NULL DEFAULT 0,"
	"  planned_by INTEGER NOT NULL, planned TEXT NOT NULL, seq INTEGER NOT NULL DEFAULT 0,"
	"  approved_by INTEGER NOT NULL DEFAULT 0, approved TEXT NOT NULL DEFAULT '',"
	"  approve_seq INTEGER NOT NULL DEFAULT 0, exported TEXT NOT NULL DEFAULT '',"
	"  export_seq INTEGER NOT NULL DEFAULT 0, tag_digest TEXT NOT NULL DEFAULT '',"
	"  confirmed TEXT NOT NULL DEFAULT '', confirm_seq INTEGER NOT NULL DEFAULT 0,"
	"  receipt TEXT NOT NULL DEFAULT '', mechanism TEXT NOT NULL DEFAULT '',"
	"  mechanism_seq INTEGER NOT NULL DEFAULT 0) STRICT;"
	"CREATE TABLE transfer_items ("
	"  transfer_id INTEGER NOT NULL REFERENCES transfers(id), record_id INTEGER NOT NULL,"
	"  archive_no TEXT NOT NULL, left TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (transfer_id, record_id)) STRICT, WITHOUT ROWID;"
	"CREATE TABLE transfer_subjects ("
	"  transfer_id INTEGER NOT NULL REFERENCES transfers(id), subject_id INTEGER NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'in',"
	"  PRIMARY KEY (transfer_id, subject_id)) STRICT, WITHOUT ROWID;"
	"CREATE TABLE transfer_pias ("
	"  id INTEGER PRIMARY KEY, transfer_id INTEGER NOT NULL REFERENCES transfers(id),"
	"  epoch INTEGER NOT NULL, body BLOB NOT NULL, digest TEXT NOT NULL,"
	"  user_id INTEGER NOT NULL, at TEXT NOT NULL, seq INTEGER NOT NULL DEFAULT 0) STRICT;"
	/* notify: (worker "notify") notices to customers and their answers
	 * (docs/internals/notify.md).  No personal data in clear: the response
	 * code is sealed under the fonds key of `epoch` and found by its
	 * SHA-256; addresses and phones are read from the subject at send time. */
	"CREATE TABLE notices ("
	"  id INTEGER PRIMARY KEY, transfer_id INTEGER NOT NULL,"
	"  subject_id INTEGER NOT NULL REFERENCES subjects(id),"
	"  fonds_id INTEGER NOT NULL REFERENCES fonds(id), epoch INTEGER NOT NULL,"
	"  template TEXT NOT NULL,"
	"  channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'none')),"
	"  code_hash BLOB NOT NULL UNIQUE, code BLOB NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (status IN ('pending', 'sent', 'failed', 'bounced')),"
	"  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',"
	"  message_id TEXT NOT NULL DEFAULT '', prepared TEXT NOT NULL,"
	"  sent TEXT NOT NULL DEFAULT '', bounced TEXT NOT NULL DEFAULT '',"
	"  answered TEXT NOT NULL DEFAULT '', answer TEXT NOT NULL DEFAULT ''"
	"    CHECK (answer IN ('', 'continue', 'object', 'copy', 'question')),"
	"  UNIQUE (transfer_id, subject_id)) STRICT;"
	"CREATE INDEX notices_message ON notices (message_id) WHERE message_id <> '';"
	/* the notify.* entries, which the gates read (the rows are a working copy) */
	"CREATE INDEX ledger_notify ON ledger (seq) WHERE " CY_LEDGER_NOTIFY_WHERE ";"
	"";

static int migrate(cy_catalog *c)
{
	sqlite3_stmt *st;
	int version = 0, rc;

	if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return db_error(c, 0, "read schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > CY_CATALOG_VERSION)
		return cy_error_set(
			CY_EUNSUPPORTED,
			"catalog schema version %d is newer than this custody supports (%d); "
			"upgrade custody",
			version, CY_CATALOG_VERSION);
	if (version == CY_CATALOG_VERSION)
		return 0;
	if ((rc = cy_catalog_exec(c, "BEGIN IMMEDIATE")))
		return rc;
	if (version < 1 && (rc = cy_catalog_exec(c, SCHEMA_V1)))
		goto fail;
	if (version < 2 && (rc = cy_catalog_exec(c, SCHEMA_V2)))
		goto fail;
	if (version < 3 && (rc = cy_catalog_exec(c, SCHEMA_V3)))
		goto fail;
	if (version < 4 && (rc = cy_catalog_exec(c, SCHEMA_V4)))
		goto fail;
	if (version < 5 && (rc = cy_catalog_exec(c, SCHEMA_V5)))
		goto fail;
	if (version < 6 && *SCHEMA_V6 && (rc = cy_catalog_exec(c, SCHEMA_V6)))
		goto fail;
	if (version < 7 && *SCHEMA_V7 && (rc = cy_catalog_exec(c, SCHEMA_V7)))
		goto fail;
	/* future migrations: if (version < 8) ... */
	if ((rc = cy_catalog_exec(c, "PRAGMA user_version = 7")))
		goto fail;
	return cy_catalog_exec(c, "COMMIT");
fail:
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* A connection that trusts nothing the file says about itself: no SQL
 * function with side effects from the schema, no writes to the schema or
 * the file's pages through SQL, no trigger and no view runs. */
static int harden(cy_catalog *c)
{
	static const struct {
		int op, value;
	} SETTINGS[] = {
		{SQLITE_DBCONFIG_DEFENSIVE, 1},
		{SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0},
		{SQLITE_DBCONFIG_ENABLE_TRIGGER, 0},
		{SQLITE_DBCONFIG_ENABLE_VIEW, 0},
	};

	for (size_t i = 0; i < sizeof(SETTINGS) / sizeof(SETTINGS[0]); i++) {
		int now = -1;
		if (sqlite3_db_config(c->db, SETTINGS[i].op, SETTINGS[i].value, &now) !=
			    SQLITE_OK ||
		    now != SETTINGS[i].value)
			return cy_error_set(CY_EDB,
					    "catalog: this SQLite cannot open the catalog "
					    "defensively (setting %d)",
					    SETTINGS[i].op);
	}
	return cy_catalog_exec(c, "PRAGMA trusted_schema=OFF;");
}

/* ---- the schema custody made, against the one in the file ---- */

typedef struct schema_obj {
	char *type, *name, *sql; /* sql: whitespace runs as one space; "" when NULL */
} schema_obj;

typedef struct schema {
	schema_obj *o;
	size_t n;
} schema;

static void schema_release(schema *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->o[i].type);
		free(s->o[i].name);
		free(s->o[i].sql);
	}
	free(s->o);
	s->o = NULL;
	s->n = 0;
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* s with every run of white space as one space, none at either end. */
static char *squeeze(const char *s)
{
	char *out = malloc(strlen(s) + 1), *q = out;
	int space = 0;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (is_space(*s)) {
			space = q != out;
			continue;
		}
		if (space)
			*q++ = ' ';
		space = 0;
		*q++ = *s;
	}
	*q = 0;
	return out;
}

static int schema_load(cy_catalog *c, schema *out)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, step;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(c->db, "SELECT type, name, sql FROM sqlite_schema", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_error(c, 0, "read the schema");
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		schema_obj *grown = realloc(out->o, (out->n + 1) * sizeof(*grown)), *o;
		const unsigned char *t = sqlite3_column_text(st, 0),
				    *n = sqlite3_column_text(st, 1),
				    *q = sqlite3_column_text(st, 2);
		if (!grown) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			break;
		}
		out->o = grown;
		o = &out->o[out->n];
		memset(o, 0, sizeof(*o));
		o->type = strdup(t ? (const char *)t : "");
		o->name = strdup(n ? (const char *)n : "");
		o->sql = squeeze(q ? (const char *)q : "");
		out->n++;
		if (!o->type || !o->name || !o->sql) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			break;
		}
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_error(c, 0, "read the schema");
	sqlite3_finalize(st);
	if (rc)
		schema_release(out);
	return rc;
}

static int migrate(cy_catalog *c);

static schema g_expected;
static int g_expected_built;
static pthread_mutex_t g_expected_lock = PTHREAD_MUTEX_INITIALIZER;

/* What custody's migrations make, from those migrations themselves (under
 * g_expected_lock; a failure, out of memory, is tried again next time). */
static int build_expected(void)
{
	cy_catalog mem;
	int rc;

	memset(&mem, 0, sizeof(mem));
	if (sqlite3_open_v2(":memory:", &mem.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	else
		rc = migrate(&mem);
	if (!rc)
		rc = schema_load(&mem, &g_expected);
	sqlite3_close(mem.db);
	return rc;
}

/* A message naming an object of the schema that custody did not make as it is. */
static void schema_problem(cy_catalog_problem_fn fn, void *arg, int *first_rc, const char *fmt,
			   const char *type, const char *name)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, type, name);
	if (fn)
		fn(arg, msg);
	else if (!*first_rc)
		*first_rc = cy_error_set(CY_ECORRUPT, "%s", msg);
}

/* Whether raw, with its runs of white space squeezed as squeeze does, is sq
 * (no allocation: this runs for every object at every open). */
static int same_sql(const char *sq, const char *raw)
{
	int started = 0;

	while (*raw) {
		if (is_space(*raw)) {
			while (is_space(*raw))
				raw++;
			if (!*raw)
				break;
			if (started && *sq++ != ' ')
				return 0;
		}
		if (*sq++ != *raw++)
			return 0;
		started = 1;
	}
	return *sq == 0;
}

/* Compare the file's schema with the expected one: each difference goes to
 * fn, or (fn NULL) the first one is returned as CY_ECORRUPT. */
static int schema_check(cy_catalog *c, cy_catalog_problem_fn fn, void *arg)
{
	sqlite3_stmt *st = NULL;
	unsigned char *seen;
	int rc = 0, step, first = 0;

	pthread_mutex_lock(&g_expected_lock);
	if (!g_expected_built && !(rc = build_expected()))
		g_expected_built = 1;
	pthread_mutex_unlock(&g_expected_lock);
	if (rc)
		return rc;
	if (!(seen = calloc(g_expected.n + 1, 1)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(c->db, "SELECT type, name, sql FROM sqlite_schema", -1, &st, NULL) !=
	    SQLITE_OK) {
		free(seen);
		return db_error(c, 0, "read the schema");
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0),
				    *n = sqlite3_column_text(st, 1),
				    *q = sqlite3_column_text(st, 2);
		const char *type = t ? (const char *)t : "", *name = n ? (const char *)n : "";
		schema_obj *e = NULL;
		size_t j;
		for (j = 0; j < g_expected.n; j++)
			if (!strcmp(g_expected.o[j].type, type) &&
			    !strcmp(g_expected.o[j].name, name)) {
				e = &g_expected.o[j];
				break;
			}
		if (!e)
			schema_problem(fn, arg, &first,
				       "the catalog has a %s '%s' that custody did not create: the "
				       "vault was tampered with; restore the catalog from a backup",
				       type, name);
		else if (!same_sql(e->sql, q ? (const char *)q : ""))
			schema_problem(fn, arg, &first,
				       "the catalog's %s '%s' is not the one custody created (its "
				       "definition was changed): the vault was tampered with; "
				       "restore the catalog from a backup",
				       type, name);
		if (e)
			seen[j] = 1;
	}
	if (step != SQLITE_DONE)
		rc = db_error(c, 0, "read the schema");
	sqlite3_finalize(st);
	for (size_t j = 0; !rc && j < g_expected.n; j++)
		if (!seen[j])
			schema_problem(fn, arg, &first,
				       "the catalog has no %s '%s', which custody creates: the "
				       "vault was tampered with or damaged; restore the catalog "
				       "from a backup",
				       g_expected.o[j].type, g_expected.o[j].name);
	free(seen);
	return rc ? rc : first;
}

int cy_catalog_open(cy_catalog **out, const char *dir, int create)
{
	cy_catalog *c = calloc(1, sizeof(*c));
	cy_buf path = CY_BUF_INIT;
	int rc, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	if (!c)
		return cy_error_set(CY_ENOMEM, "out of memory");
	if ((rc = cy_path_join(&path, dir, CY_CATALOG_FILE)))
		goto fail;
	if (create) {
		/* created here, 0600, before SQLite sees it: SQLite gives -wal and -shm
		 * the database file's mode, so all three are private */
		int fd = open((char *)path.ptr,
			      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) {
			rc = cy_error_set_errno(cy_error_from_errno(errno), errno,
						"cannot create %s", (char *)path.ptr);
			goto fail;
		}
		if (fd >= 0)
			close(fd);
		flags |= SQLITE_OPEN_CREATE;
	}
	if (sqlite3_open_v2((char *)path.ptr, &c->db, flags, NULL) != SQLITE_OK) {
		rc = cy_error_set(create ? CY_EIO : CY_ENOTFOUND, "no vault at %s (%s)", dir,
				  c->db ? sqlite3_errmsg(c->db) : "cannot open");
		goto fail;
	}
	c->busy_ms = busy_ms();
	sqlite3_busy_handler(c->db, busy_wait, c);
	sqlite3_extended_result_codes(c->db, 1);
	if ((rc = harden(c)))
		goto fail;
	if ((rc = cy_catalog_exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
				     "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
				     /* deleted rows are zeroed, so a destroyed record's
				      * (encrypted) rows leave nothing behind in free pages */
				     "PRAGMA secure_delete=ON; PRAGMA cache_size=-131072;")))
		goto fail;
	if ((rc = migrate(c)))
		goto fail;
	if ((rc = schema_check(c, NULL, NULL)))
		goto fail;
	cy_buf_release(&path);
	*out = c;
	return 0;
fail:
	cy_buf_release(&path);
	cy_catalog_close(c);
	return rc;
}

void cy_catalog_close(cy_catalog *c)
{
	if (!c)
		return;
	while (c->mru) {
		struct cy_stmt *s = c->mru;
		c->mru = s->next;
		sqlite3_finalize(s->st);
		free(s->sql);
		free(s);
	}
	sqlite3_close(c->db);
	free(c);
}

int cy_catalog_begin(cy_catalog *c)
{
	return cy_catalog_exec(c, "BEGIN IMMEDIATE");
}

int cy_catalog_commit(cy_catalog *c)
{
	return cy_catalog_exec(c, "COMMIT");
}

void cy_catalog_rollback(cy_catalog *c)
{
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

static uint32_t sql_hash(const char *sql)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

static void lru_unlink(cy_catalog *c, struct cy_stmt *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		c->mru = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		c->lru = s->prev;
	s->prev = s->next = NULL;
}

static void lru_push(cy_catalog *c, struct cy_stmt *s)
{
	s->prev = NULL;
	s->next = c->mru;
	if (c->mru)
		c->mru->prev = s;
	c->mru = s;
	if (!c->lru)
		c->lru = s;
}

/* Finalize the least recently used statement that is not mid-step; none
 * (the cache grows) if every one is. */
static void evict_one(cy_catalog *c)
{
	struct cy_stmt *s, **pp;

	for (s = c->lru; s && sqlite3_stmt_busy(s->st); s = s->prev)
		;
	if (!s)
		return;
	lru_unlink(c, s);
	for (pp = &c->buckets[s->hash % STMT_BUCKETS]; *pp != s; pp = &(*pp)->hnext)
		;
	*pp = s->hnext;
	sqlite3_finalize(s->st);
	free(s->sql);
	free(s);
	c->ncache--;
}

int cy_catalog_prepare(cy_catalog *c, const char *sql, cy_stmt **out)
{
	uint32_t h = sql_hash(sql);
	struct cy_stmt *s;

	*out = NULL; /* callers reset the statement on every path, failures too */
	for (s = c->buckets[h % STMT_BUCKETS]; s; s = s->hnext) {
		if (s->hash == h && !strcmp(s->sql, sql)) {
			sqlite3_reset(s->st);
			sqlite3_clear_bindings(s->st);
			if (c->mru != s) {
				lru_unlink(c, s);
				lru_push(c, s);
			}
			*out = s;
			return 0;
		}
	}
	if (!(s = calloc(1, sizeof(*s))) || !(s->sql = strdup(sql))) {
		free(s);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL) !=
	    SQLITE_OK) {
		free(s->sql);
		free(s);
		return db_error(c, 0, "prepare");
	}
	while (c->ncache >= CY_CATALOG_STMT_CACHE) {
		size_t before = c->ncache;
		evict_one(c);
		if (c->ncache == before)
			break;
	}
	s->cat = c;
	s->hash = h;
	s->cached = 1;
	s->hnext = c->buckets[h % STMT_BUCKETS];
	c->buckets[h % STMT_BUCKETS] = s;
	lru_push(c, s);
	c->ncache++;
	*out = s;
	return 0;
}

int cy_catalog__stmt_new(cy_catalog *c, const char *sql, cy_stmt **out)
{
	struct cy_stmt *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return cy_error_set(CY_ENOMEM, "out of memory");
	if (sqlite3_prepare_v2(c->db, sql, -1, &s->st, NULL) != SQLITE_OK) {
		free(s);
		return db_error(c, 0, "prepare");
	}
	s->cat = c;
	*out = s;
	return 0;
}

void cy_stmt_free(cy_stmt *s)
{
	if (!s || s->cached)
		return;
	sqlite3_finalize(s->st);
	free(s);
}

size_t cy_catalog__cached(cy_catalog *c)
{
	return c->ncache;
}

int cy_catalog__in_tx(cy_catalog *c)
{
	return !sqlite3_get_autocommit(c->db);
}

void cy_catalog__text(cy_stmt *s, int col, char *dst, size_t cap)
{
	snprintf(dst, cap, "%s", cy_stmt_text(s, col));
}

int cy_catalog__blob(cy_stmt *s, int col, cy_buf *dst)
{
	size_t n;
	const void *p = cy_stmt_blob(s, col, &n);

	cy_buf_clear(dst);
	return n ? cy_buf_put(dst, p, n) : 0;
}

static int bind_rc(cy_stmt *s, int rc)
{
	return rc == SQLITE_OK ? 0 : db_error(s->cat, rc, "bind");
}

/* A statement whose prepare failed (NULL): a clean error, never a crash, if
 * a caller goes on with it (prepare already set the error). */
static int no_stmt(void)
{
	char why[512];

	snprintf(why, sizeof(why), "%s", cy_error_message());
	return cy_error_set(CY_EDB, "catalog: a statement could not be prepared (%s)", why);
}

int cy_stmt_bind_int(cy_stmt *s, int i, int64_t v)
{
	return s ? bind_rc(s, sqlite3_bind_int64(s->st, i, v)) : no_stmt();
}

int cy_stmt_bind_text(cy_stmt *s, int i, const char *t)
{
	return s ? bind_rc(s, sqlite3_bind_text(s->st, i, t, -1, SQLITE_TRANSIENT)) : no_stmt();
}

int cy_stmt_bind_blob(cy_stmt *s, int i, const void *p, size_t n)
{
	return s ? bind_rc(s, sqlite3_bind_blob64(s->st, i, p ? p : "", n, SQLITE_TRANSIENT))
		 : no_stmt();
}

int cy_stmt_bind_null(cy_stmt *s, int i)
{
	return s ? bind_rc(s, sqlite3_bind_null(s->st, i)) : no_stmt();
}

int cy_stmt_step(cy_stmt *s)
{
	int rc;

	if (!s)
		return no_stmt();
	rc = sqlite3_step(s->st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	rc = db_error(s->cat, rc, "step");
	sqlite3_reset(s->st);
	return rc;
}

void cy_stmt_reset(cy_stmt *s)
{
	if (!s)
		return;
	sqlite3_reset(s->st);
	sqlite3_clear_bindings(s->st);
}

int64_t cy_stmt_int(cy_stmt *s, int col)
{
	return sqlite3_column_int64(s->st, col);
}

const char *cy_stmt_text(cy_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s->st, col);

	return t ? (const char *)t : "";
}

const void *cy_stmt_blob(cy_stmt *s, int col, size_t *n)
{
	const void *p = sqlite3_column_blob(s->st, col);

	*n = (size_t)sqlite3_column_bytes(s->st, col);
	return p;
}

int cy_stmt_is_null(cy_stmt *s, int col)
{
	return sqlite3_column_type(s->st, col) == SQLITE_NULL;
}

int64_t cy_catalog_changes(cy_catalog *c)
{
	return sqlite3_changes64(c->db);
}

int64_t cy_catalog_last_id(cy_catalog *c)
{
	return sqlite3_last_insert_rowid(c->db);
}

static int run_check(cy_catalog *c, const char *sql, cy_catalog_problem_fn fn, void *arg,
		     int skip_ok)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(c, 0, "integrity check");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cy_buf line = CY_BUF_INIT;
		int n = sqlite3_column_count(st);
		for (int i = 0; i < n; i++) {
			const unsigned char *t = sqlite3_column_text(st, i);
			cy_buf_printf(&line, "%s%s", i ? " " : "", t ? (const char *)t : "NULL");
		}
		if (!(skip_ok && !strcmp(cy_buf_cstr(&line), "ok")))
			fn(arg, cy_buf_cstr(&line));
		cy_buf_release(&line);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fn(arg, sqlite3_errmsg(c->db));
		return 0;
	}
	return 0;
}

int cy_catalog_integrity(cy_catalog *c, cy_catalog_problem_fn fn, void *arg)
{
	int rc = run_check(c, "PRAGMA integrity_check", fn, arg, 1);

	if (!rc)
		rc = run_check(c, "PRAGMA foreign_key_check", fn, arg, 0);
	if (!rc)
		rc = schema_check(c, fn, arg);
	return rc;
}
