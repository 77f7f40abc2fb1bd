/* ledger_forge.c - the attacker of tests/cli/trust_ledger.bats: a user with
 * write access to the vault's files and her own password rewrites the
 * ledger as well as she can.  She unseals her own keys (as custody would),
 * edits the ledger rows with SQLite directly, recomputes every leaf hash and
 * the tree state, re-signs every transaction head that is hers with her own
 * key, and re-signs the checkpoints if she can unseal the ledger key (in a
 * vault made before schema 3 every user could); else she deletes them.
 *
 *   ledger-forge VAULT USER PASSWORD_FILE delete SEQ      remove entry SEQ, renumber the rest
 *   ledger-forge VAULT USER PASSWORD_FILE actor SEQ ACTOR change entry SEQ's actor
 *   ledger-forge VAULT USER PASSWORD_FILE append ACTION   append an unsigned entry of hers
 *   ledger-forge VAULT USER PASSWORD_FILE checkpoint      sign a checkpoint of the ledger
 *
 * It prints what it did ("re-signed N heads", "no ledger key: ...") and
 * exits 0 when the forgery was written, 1 on an error, 3 when she holds no
 * ledger key for `checkpoint`.  Built only with the tests; not installed. */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "custody/error.h"
#include "custody/file.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "vault/vault_internal.h"
#include "vault/vault_ledger_sig.h"

typedef struct row {
	uint64_t seq;
	cy_buf entry;
	cy_buf sig;
	int64_t serial; /* -1: NULL */
} row;

static sqlite3 *db;
static row *rows;
static size_t nrows;

static void die(const char *what)
{
	fprintf(stderr, "ledger-forge: %s: %s\n", what,
		db ? sqlite3_errmsg(db) : cy_error_message());
	exit(1);
}

static void load_rows(void)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT seq, entry, sig, signer_serial FROM ledger ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK)
		die("read the ledger");
	while (sqlite3_step(st) == SQLITE_ROW) {
		row *r;
		rows = realloc(rows, sizeof(*rows) * (nrows + 1));
		r = &rows[nrows++];
		memset(r, 0, sizeof(*r));
		r->seq = (uint64_t)sqlite3_column_int64(st, 0);
		cy_buf_put(&r->entry, sqlite3_column_blob(st, 1),
			   (size_t)sqlite3_column_bytes(st, 1));
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			cy_buf_put(&r->sig, sqlite3_column_blob(st, 2),
				   (size_t)sqlite3_column_bytes(st, 2));
		r->serial = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1
								      : sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
}

/* Rewrite the "seq" of an entry. */
static void renumber(row *r, uint64_t seq)
{
	const char *e = (const char *)r->entry.ptr;
	const char *comma = memchr(e, ',', r->entry.len);
	cy_buf nb = CY_BUF_INIT;

	cy_buf_printf(&nb, "{\"seq\":%" PRIu64, seq);
	cy_buf_put(&nb, comma, r->entry.len - (size_t)(comma - e));
	cy_buf_release(&r->entry);
	r->entry = nb;
	r->seq = seq;
}

static void set_actor(row *r, const char *actor)
{
	const char *e = (const char *)r->entry.ptr, *k = strstr(e, "\"actor\":\""), *end;
	cy_buf nb = CY_BUF_INIT;

	if (!k)
		die("no actor in the entry");
	k += 9;
	end = strchr(k, '"');
	cy_buf_put(&nb, e, (size_t)(k - e));
	cy_buf_puts(&nb, actor);
	cy_buf_puts(&nb, end);
	cy_buf_release(&r->entry);
	r->entry = nb;
}

static int actor_is(const row *r, const char *actor)
{
	char a[24], act[64];

	return !cy_vault__entry_actor((const char *)r->entry.ptr, r->entry.len, a, act) &&
	       !strcmp(a, actor);
}

int main(int argc, char **argv)
{
	cy_vault *v;
	cy_buf pw = CY_BUF_INIT, path = CY_BUF_INIT, ver = CY_BUF_INIT;
	uint8_t useed[32], lseed[32], both[64];
	int have_ledger = 0, resigned = 0, rc;
	int64_t serial;
	char actor[24], vault_id[33];
	cy_frontier fr;
	uint64_t *cp_sizes = NULL;
	size_t ncp = 0;
	sqlite3_stmt *st;

	if (argc < 5) {
		fprintf(stderr, "usage: ledger-forge VAULT USER PASSWORD_FILE "
				"delete SEQ | actor SEQ ACTOR | append ACTION | checkpoint\n");
		return 2;
	}
	if (cy_read_file(argv[3], 4096, &pw))
		die("read the password file");
	while (pw.len && (pw.ptr[pw.len - 1] == '\n' || pw.ptr[pw.len - 1] == '\r'))
		pw.ptr[--pw.len] = 0;
	/* her own keys, as custody unseals them */
	if (cy_vault_open(&v, argv[1], argv[2], (const char *)pw.ptr, pw.len))
		die("open the vault");
	memcpy(useed, v->useed, 32);
	serial = v->serial;
	snprintf(actor, sizeof(actor), "%s", v->actor);
	snprintf(vault_id, sizeof(vault_id), "%s", v->vault_id);
	{
		/* the ledger key if her own slot holds it (every user of a vault made
		 * before schema 3; auditors and secadmins now) */
		cy_catalog_user u;
		memset(&u, 0, sizeof(u));
		if (!cy_catalog_user_get(v->cat, argv[2], &u) && u.sign_slot.len &&
		    !cy_seal_open(v->priv, CY_CTX_LEDGER_KEY, u.sign_slot.ptr, u.sign_slot.len,
				  both, 64)) {
			memcpy(lseed, both, 32);
			have_ledger = 1;
		}
		cy_catalog_user_release(&u);
	}
	cy_vault_close(v);

	cy_path_join(&path, argv[1], "catalog.db");
	if (sqlite3_open(cy_buf_cstr(&path), &db) != SQLITE_OK)
		die("open the catalog");
	sqlite3_busy_timeout(db, 10000);
	if (!strcmp(argv[4], "checkpoint")) {
		if (!have_ledger) {
			printf("no ledger key: user '%s' cannot sign a checkpoint\n", argv[2]);
			sqlite3_close(db);
			cy_buf_release(&path);
			cy_buf_wipe(&pw);
			return 3;
		}
	}
	load_rows();
	if (!strcmp(argv[4], "delete") && argc == 6) {
		uint64_t seq = strtoull(argv[5], NULL, 10);
		if (seq == 0 || seq > nrows)
			die("no such entry");
		cy_buf_release(&rows[seq - 1].entry);
		cy_buf_release(&rows[seq - 1].sig);
		memmove(&rows[seq - 1], &rows[seq], sizeof(*rows) * (nrows - seq));
		nrows--;
		for (size_t i = seq - 1; i < nrows; i++)
			renumber(&rows[i], i + 1);
	} else if (!strcmp(argv[4], "actor") && argc == 7) {
		uint64_t seq = strtoull(argv[5], NULL, 10);
		if (seq == 0 || seq > nrows)
			die("no such entry");
		set_actor(&rows[seq - 1], argv[6]);
	} else if (!strcmp(argv[4], "append") && argc == 6) {
		cy_ledger_entry e;
		row *r;
		memset(&e, 0, sizeof(e));
		e.seq = nrows + 1;
		e.time = 1764489600;
		e.actor = actor;
		e.action = argv[5];
		rows = realloc(rows, sizeof(*rows) * (nrows + 1));
		r = &rows[nrows++];
		memset(r, 0, sizeof(*r));
		r->seq = e.seq;
		r->serial = -1;
		if (cy_ledger_entry_encode(&e, &r->entry))
			die("encode");
	} else if (strcmp(argv[4], "checkpoint")) {
		fprintf(stderr, "ledger-forge: unknown command or arguments\n");
		return 2;
	}

	/* the checkpoints' sizes, to re-sign them at the same sizes */
	if (sqlite3_prepare_v2(db, "SELECT size FROM checkpoints ORDER BY size", -1, &st, NULL))
		die("read checkpoints");
	while (sqlite3_step(st) == SQLITE_ROW) {
		cp_sizes = realloc(cp_sizes, sizeof(*cp_sizes) * (ncp + 1));
		cp_sizes[ncp++] = (uint64_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);

	if (sqlite3_exec(db, "BEGIN IMMEDIATE; DELETE FROM ledger;", NULL, NULL, NULL))
		die("begin");
	if (have_ledger && sqlite3_exec(db, "DELETE FROM checkpoints", NULL, NULL, NULL))
		die("delete checkpoints");
	if (!have_ledger && strcmp(argv[4], "checkpoint") &&
	    sqlite3_exec(db, "DELETE FROM checkpoints", NULL, NULL, NULL))
		die("delete checkpoints");
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO ledger (seq, entry, leaf, sig, signer_serial) "
			       "VALUES (?, ?, ?, ?, ?)",
			       -1, &st, NULL))
		die("insert");
	cy_frontier_init(&fr);
	size_t ci = 0;
	for (size_t i = 0; i < nrows; i++) {
		row *r = &rows[i];
		uint8_t leaf[32], root[32];
		cy_merkle_leaf_hash(r->entry.ptr, r->entry.len, leaf);
		cy_frontier_append(&fr, leaf);
		/* her own heads: re-signed over the new tree */
		if (r->sig.len && actor_is(r, actor)) {
			uint8_t msg[CY_HEAD_MSG_LEN], sig[64];
			cy_frontier_root(&fr, root);
			cy_vault__head_msg(vault_id, fr.size, root, msg);
			cy_ed25519_sign(useed, msg, sizeof(msg), sig);
			cy_buf_clear(&r->sig);
			cy_buf_put(&r->sig, sig, 64);
			r->serial = serial;
			resigned++;
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (int64_t)r->seq);
		sqlite3_bind_blob(st, 2, r->entry.ptr, (int)r->entry.len, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 3, leaf, 32, SQLITE_TRANSIENT);
		if (r->sig.len)
			sqlite3_bind_blob(st, 4, r->sig.ptr, (int)r->sig.len, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, 4);
		if (r->serial >= 0)
			sqlite3_bind_int64(st, 5, r->serial);
		else
			sqlite3_bind_null(st, 5);
		if (sqlite3_step(st) != SQLITE_DONE)
			die("insert a row");
		/* checkpoints at their old sizes, over the new tree */
		while (have_ledger && ci < ncp && cp_sizes[ci] <= fr.size) {
			if (cp_sizes[ci] == fr.size) {
				cy_checkpoint cp;
				cy_buf body = CY_BUF_INIT, note = CY_BUF_INIT;
				sqlite3_stmt *cs;
				memset(&cp, 0, sizeof(cp));
				snprintf(cp.origin, sizeof(cp.origin), "custody/%s", vault_id);
				cp.size = fr.size;
				cy_frontier_root(&fr, cp.root);
				cy_checkpoint_format(&cp, &body);
				if (cy_note_sign((char *)body.ptr, body.len, cp.origin, lseed,
						 &note))
					die("sign a checkpoint");
				sqlite3_prepare_v2(
					db, "INSERT INTO checkpoints (size, note) VALUES (?, ?)",
					-1, &cs, NULL);
				sqlite3_bind_int64(cs, 1, (int64_t)fr.size);
				sqlite3_bind_text(cs, 2, cy_buf_cstr(&note), -1, SQLITE_TRANSIENT);
				if (sqlite3_step(cs) != SQLITE_DONE)
					die("insert a checkpoint");
				sqlite3_finalize(cs);
				cy_buf_release(&body);
				cy_buf_release(&note);
			}
			ci++;
		}
	}
	sqlite3_finalize(st);
	if (have_ledger && !strcmp(argv[4], "checkpoint")) {
		/* a new checkpoint of the whole ledger (replacing one of that size) */
		cy_checkpoint cp;
		cy_buf body = CY_BUF_INIT, note = CY_BUF_INIT;
		sqlite3_stmt *cs;
		memset(&cp, 0, sizeof(cp));
		snprintf(cp.origin, sizeof(cp.origin), "custody/%s", vault_id);
		cp.size = fr.size;
		cy_frontier_root(&fr, cp.root);
		cy_checkpoint_format(&cp, &body);
		if (cy_note_sign((char *)body.ptr, body.len, cp.origin, lseed, &note))
			die("sign a checkpoint");
		sqlite3_prepare_v2(db,
				   "INSERT OR REPLACE INTO checkpoints (size, note) VALUES (?, ?)",
				   -1, &cs, NULL);
		sqlite3_bind_int64(cs, 1, (int64_t)fr.size);
		sqlite3_bind_text(cs, 2, cy_buf_cstr(&note), -1, SQLITE_TRANSIENT);
		if (sqlite3_step(cs) != SQLITE_DONE)
			die("insert a checkpoint");
		sqlite3_finalize(cs);
		printf("signed a checkpoint of %" PRIu64 " entries\n", fr.size);
		cy_buf_release(&body);
		cy_buf_release(&note);
	}
	cy_frontier_save(&fr, &ver);
	if (sqlite3_prepare_v2(db, "UPDATE ledger_state SET size = ?, frontier = ? WHERE id = 1",
			       -1, &st, NULL))
		die("state");
	sqlite3_bind_int64(st, 1, (int64_t)fr.size);
	sqlite3_bind_blob(st, 2, ver.ptr, (int)ver.len, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		die("state");
	sqlite3_finalize(st);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL))
		die("commit");
	printf("re-signed %d heads of %s\n", resigned, actor);
	if (strcmp(argv[4], "checkpoint"))
		printf(have_ledger ? "re-signed %zu checkpoints with the ledger key\n"
				   : "no ledger key: %zu checkpoints deleted\n",
		       ncp);
	rc = sqlite3_close(db);
	for (size_t i = 0; i < nrows; i++) {
		cy_buf_release(&rows[i].entry);
		cy_buf_release(&rows[i].sig);
	}
	free(rows);
	free(cp_sizes);
	cy_buf_release(&path);
	cy_buf_release(&ver);
	cy_wipe(useed, 32);
	cy_wipe(lseed, 32);
	cy_wipe(both, 64);
	cy_buf_wipe(&pw);
	return rc == SQLITE_OK ? 0 : 1;
}
