/* catalog_ledger.c - the audit ledger's rows: entries with their leaf
 * hashes, the tree state (size and frontier) and the signed checkpoints.
 *
 * Appending is correct with several writers because the state is read under
 * the writer's lock inside the appending transaction (see
 * cy_catalog_ledger_state_lock and docs/internals/catalog.md): the next
 * writer reads the state this one committed, never the one before it. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

int cy_catalog_ledger_state_lock(cy_catalog *c, uint64_t *size, cy_buf *frontier)
{
	cy_stmt *s;
	int64_t n;
	int rc;

	/* SQLite: BEGIN IMMEDIATE already holds the only write lock.
	 * PostgreSQL: SELECT size, frontier FROM ledger_state WHERE id = 1 FOR UPDATE */
	if (!cy_catalog__in_tx(c))
		return cy_error_set(CY_EINVALID,
				    "catalog: the ledger is appended inside a transaction");
	rc = cy_catalog_prepare(c, "SELECT size, frontier FROM ledger_state WHERE id = 1", &s);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ECORRUPT, "catalog has no ledger state");
	if (rc < 0)
		return rc;
	n = cy_stmt_int(s, 0);
	rc = cy_catalog__blob(s, 1, frontier);
	cy_stmt_reset(s);
	if (rc)
		return rc;
	if (n < 0)
		return cy_error_set(CY_ECORRUPT, "catalog: the ledger state is damaged");
	*size = (uint64_t)n;
	return 0;
}

int cy_catalog_ledger_state_update(cy_catalog *c, uint64_t size, const void *frontier, size_t n)
{
	cy_stmt *s;
	int rc;

	if (size > INT64_MAX)
		return cy_error_set(CY_EINVALID, "catalog: ledger size out of range");
	rc = cy_catalog_prepare(c, "UPDATE ledger_state SET size = ?, frontier = ? WHERE id = 1",
				&s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, (int64_t)size);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, frontier, n);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0 && cy_catalog_changes(c) == 0)
		rc = cy_error_set(CY_ECORRUPT, "catalog has no ledger state");
	return rc < 0 ? rc : 0;
}

int cy_catalog_ledger_append(cy_catalog *c, uint64_t seq, const void *entry, size_t n,
			     const uint8_t leaf[32])
{
	cy_stmt *s;
	int rc;

	if (seq == 0 || seq > INT64_MAX)
		return cy_error_set(CY_EINVALID, "catalog: ledger sequence number out of range");
	rc = cy_catalog_prepare(c, "INSERT INTO ledger (seq, entry, leaf) VALUES (?, ?, ?)", &s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, (int64_t)seq);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, entry, n);
	rc = rc ? rc : cy_stmt_bind_blob(s, 3, leaf, 32);
	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}

void cy_catalog_ledger_row_release(cy_catalog_ledger_row *r)
{
	cy_buf_release(&r->entry);
	cy_buf_release(&r->leaf);
	cy_buf_release(&r->sig);
}

struct cy_catalog_ledger_iter {
	cy_stmt *s;
};

int cy_catalog_ledger_iter_open(cy_catalog *c, uint64_t from, uint64_t to,
				cy_catalog_ledger_iter **out)
{
	cy_catalog_ledger_iter *it = calloc(1, sizeof(*it));
	int rc;

	if (!it)
		return cy_error_set(CY_ENOMEM, "out of memory");
	if (from > INT64_MAX)
		from = INT64_MAX;
	if (to == 0 || to > INT64_MAX)
		to = INT64_MAX;
	rc = cy_catalog__stmt_new(c,
				  "SELECT seq, entry, leaf, sig, signer_serial FROM ledger "
				  "WHERE seq >= ? AND seq <= ? "
				  "ORDER BY seq",
				  &it->s);
	rc = rc ? rc : cy_stmt_bind_int(it->s, 1, (int64_t)from);
	rc = rc ? rc : cy_stmt_bind_int(it->s, 2, (int64_t)to);
	if (rc) {
		cy_catalog_ledger_iter_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

int cy_catalog_ledger_iter_next(cy_catalog_ledger_iter *it, cy_catalog_ledger_row *row)
{
	int rc = cy_stmt_step(it->s);

	if (rc != 1)
		return rc;
	row->seq = (uint64_t)cy_stmt_int(it->s, 0);
	rc = cy_catalog__blob(it->s, 1, &row->entry);
	rc = rc ? rc : cy_catalog__blob(it->s, 2, &row->leaf);
	rc = rc ? rc : cy_catalog__blob(it->s, 3, &row->sig);
	row->signer_serial = cy_stmt_is_null(it->s, 4) ? -1 : cy_stmt_int(it->s, 4);
	return rc ? rc : 1;
}

void cy_catalog_ledger_iter_free(cy_catalog_ledger_iter *it)
{
	if (!it)
		return;
	cy_stmt_free(it->s);
	free(it);
}

int cy_catalog_ledger_size(cy_catalog *c, uint64_t *size)
{
	cy_stmt *s;
	int64_t n;
	int rc = cy_catalog_prepare(c, "SELECT size FROM ledger_state WHERE id = 1", &s);

	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ECORRUPT, "catalog has no ledger state");
	if (rc < 0)
		return rc;
	n = cy_stmt_int(s, 0);
	cy_stmt_reset(s);
	if (n < 0)
		return cy_error_set(CY_ECORRUPT, "catalog: the ledger state is damaged");
	*size = (uint64_t)n;
	return 0;
}

int cy_catalog_ledger_sign(cy_catalog *c, uint64_t seq, const uint8_t sig[64], int64_t serial)
{
	cy_stmt *s;
	int rc;

	if (seq == 0 || seq > INT64_MAX)
		return cy_error_set(CY_EINVALID, "catalog: ledger sequence number out of range");
	rc = cy_catalog_prepare(c, "UPDATE ledger SET sig = ?, signer_serial = ? WHERE seq = ?",
				&s);
	rc = rc ? rc : cy_stmt_bind_blob(s, 1, sig, 64);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, serial);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, (int64_t)seq);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0 && cy_catalog_changes(c) == 0)
		rc = cy_error_set(CY_ENOTFOUND, "catalog: no ledger entry %llu to sign",
				  (unsigned long long)seq);
	return rc < 0 ? rc : 0;
}

int cy_catalog_witness_add(cy_catalog *c, const char *name, const char *vkey, const char *added)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "INSERT INTO witnesses (name, vkey, added) VALUES (?, ?, ?)",
				    &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, name);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, vkey);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, added);
	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_witness_list(cy_catalog *c, cy_catalog_witness_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT name, vkey, added FROM witnesses ORDER BY name", &s);

	while (!rc && (rc = cy_stmt_step(s)) == 1)
		rc = fn(arg, cy_stmt_text(s, 0), cy_stmt_text(s, 1), cy_stmt_text(s, 2));
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_checkpoint_insert(cy_catalog *c, uint64_t size, const char *note)
{
	cy_stmt *s;
	int rc;

	if (size > INT64_MAX)
		return cy_error_set(CY_EINVALID, "catalog: checkpoint size out of range");
	rc = cy_catalog_prepare(c, "INSERT INTO checkpoints (size, note) VALUES (?, ?)", &s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, (int64_t)size);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, note);
	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_checkpoint_latest(cy_catalog *c, uint64_t *size, cy_buf *note)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
				    &s);

	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "the ledger has no checkpoint yet");
	if (rc < 0)
		return rc;
	*size = (uint64_t)cy_stmt_int(s, 0);
	rc = note ? cy_buf_puts(note, cy_stmt_text(s, 1)) : 0;
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_checkpoint_list(cy_catalog *c, cy_catalog_checkpoint_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT size, note FROM checkpoints ORDER BY size", &s);

	while (!rc && (rc = cy_stmt_step(s)) == 1)
		rc = fn(arg, (uint64_t)cy_stmt_int(s, 0), cy_stmt_text(s, 1));
	cy_stmt_reset(s);
	return rc;
}
