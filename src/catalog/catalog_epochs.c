/* catalog_epochs.c - the rows of fonds_epochs (catalog_epochs.h). */
#include <string.h>

#include "catalog/catalog_epochs.h"
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

int cy_catalog_epoch_insert(cy_catalog *c, const cy_catalog_epoch *e)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO fonds_epochs (fonds_id, epoch, key_id, prev, rslot, "
		"seq, signer, signer_serial, sig, created) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, e->fonds_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, e->epoch);
	rc = rc ? rc : cy_stmt_bind_blob(s, 3, e->key_id, e->key_id_len);
	rc = rc ? rc : cy_stmt_bind_blob(s, 4, e->prev, e->prev_len);
	rc = rc ? rc : cy_stmt_bind_blob(s, 5, e->rslot, e->rslot_len);
	rc = rc ? rc : cy_stmt_bind_int(s, 6, (int64_t)e->seq);
	rc = rc ? rc : cy_stmt_bind_int(s, 7, e->signer);
	rc = rc ? rc : cy_stmt_bind_int(s, 8, e->signer_serial);
	rc = rc ? rc : cy_stmt_bind_blob(s, 9, e->sig, e->sig_len);
	rc = rc ? rc : cy_stmt_bind_text(s, 10, e->created);
	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_epoch_each(cy_catalog *c, int64_t fonds_id, cy_catalog_epoch_fn fn, void *arg)
{
	cy_catalog_epoch e;
	cy_stmt *s;
	int rc = cy_catalog__stmt_new(c,
				      "SELECT fonds_id, epoch, key_id, prev, rslot, seq, signer, "
				      "signer_serial, sig, created FROM fonds_epochs "
				      "WHERE ?1 = 0 OR fonds_id = ?1 ORDER BY fonds_id, epoch",
				      &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, fonds_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		memset(&e, 0, sizeof(e));
		e.fonds_id = cy_stmt_int(s, 0);
		e.epoch = cy_stmt_int(s, 1);
		e.key_id = cy_stmt_blob(s, 2, &e.key_id_len);
		e.prev = cy_stmt_blob(s, 3, &e.prev_len);
		e.rslot = cy_stmt_blob(s, 4, &e.rslot_len);
		e.seq = (uint64_t)cy_stmt_int(s, 5);
		e.signer = cy_stmt_int(s, 6);
		e.signer_serial = cy_stmt_int(s, 7);
		e.sig = cy_stmt_blob(s, 8, &e.sig_len);
		e.created = cy_stmt_text(s, 9);
		rc = fn(arg, &e);
	}
	cy_stmt_free(s);
	return rc < 0 ? rc : 0;
}
