/* catalog_packs.c - packs and object locations (see catalog_packs.h). */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_packs.h"
#include "catalog/catalog_sql.h"
#include "custody/error.h"
#include "custody/banned.h"

int cy_catalog_pack_known(cy_catalog *c, const char *name)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT 1 FROM packs WHERE name = ?", &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, name);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1)
		cy_stmt_reset(s);
	return rc;
}

static int bad_row(const char *what)
{
	return cy_error_set(CY_ECORRUPT, "catalog: %s has a negative size or offset", what);
}

int cy_catalog_packs_with_dead_bytes(cy_catalog *c, cy_catalog_pack_use_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"SELECT p.id, p.name, p.size, coalesce(sum(o.length), 0), count(o.id)"
		" FROM packs p LEFT JOIN objects o ON o.pack_id = p.id"
		" GROUP BY p.id HAVING coalesce(sum(o.length), 0) < p.size"
		" ORDER BY p.id",
		&s);

	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		cy_catalog_pack_use u;
		rc = 0; /* a row */
		if (cy_stmt_int(s, 2) < 0 || cy_stmt_int(s, 3) < 0) {
			rc = bad_row("a pack");
			break;
		}
		u.id = cy_stmt_int(s, 0);
		u.name = cy_stmt_text(s, 1);
		u.size = (uint64_t)cy_stmt_int(s, 2);
		u.live = (uint64_t)cy_stmt_int(s, 3);
		u.objects = (uint64_t)cy_stmt_int(s, 4);
		rc = fn(arg, &u);
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_pack_use_get(cy_catalog *c, int64_t id, char name[31], cy_catalog_pack_use *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "SELECT p.name, p.size, coalesce(sum(o.length), 0), count(o.id)"
				    " FROM packs p LEFT JOIN objects o ON o.pack_id = p.id"
				    " WHERE p.id = ? GROUP BY p.id",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "pack %lld is gone", (long long)id);
	if (rc < 0)
		return rc;
	size_t len = strlen(cy_stmt_text(s, 0));
	if (len > 30 || cy_stmt_int(s, 1) < 0 || cy_stmt_int(s, 2) < 0) {
		cy_stmt_reset(s);
		return bad_row("a pack");
	}
	memcpy(name, cy_stmt_text(s, 0), len + 1);
	out->id = id;
	out->name = name;
	out->size = (uint64_t)cy_stmt_int(s, 1);
	out->live = (uint64_t)cy_stmt_int(s, 2);
	out->objects = (uint64_t)cy_stmt_int(s, 3);
	cy_stmt_reset(s);
	return 0;
}

int cy_catalog_pack_objects(cy_catalog *c, int64_t pack_id, cy_catalog_object_loc **out, size_t *n)
{
	cy_catalog_object_loc *v = NULL;
	size_t cnt = 0, cap = 0;
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "SELECT id, offset, length FROM objects WHERE pack_id = ? ORDER BY offset, id",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, pack_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		rc = 0; /* a row */
		if (cy_stmt_int(s, 1) < 0 || cy_stmt_int(s, 2) < 0) {
			rc = bad_row("an object");
			break;
		}
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 64;
			void *nv = nc > SIZE_MAX / sizeof(*v) ? NULL : realloc(v, nc * sizeof(*v));
			if (!nv) {
				rc = cy_error_set(CY_ENOMEM, "out of memory");
				break;
			}
			v = nv;
			cap = nc;
		}
		v[cnt].id = cy_stmt_int(s, 0);
		v[cnt].offset = (uint64_t)cy_stmt_int(s, 1);
		v[cnt].length = (uint64_t)cy_stmt_int(s, 2);
		cnt++;
	}
	cy_stmt_reset(s);
	if (rc < 0) {
		free(v);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int cy_catalog_pack_add(cy_catalog *c, const char *name, uint64_t size, int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "INSERT INTO packs (name, size) VALUES (?, ?)", &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, name);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, (int64_t)size);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	*id = cy_catalog_last_id(c);
	return 0;
}

int cy_catalog_object_move(cy_catalog *c, int64_t object_id, int64_t pack_id, uint64_t offset)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE objects SET pack_id = ?, offset = ? WHERE id = ?",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, pack_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, (int64_t)offset);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, object_id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	if (cy_catalog_changes(c) != 1)
		return cy_error_set(CY_ENOTFOUND, "object %lld is gone", (long long)object_id);
	return 0;
}

int cy_catalog_pack_remove(cy_catalog *c, int64_t pack_id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "DELETE FROM packs WHERE id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, pack_id);
	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_ledger_mentions(cy_catalog *c, const char *needle, cy_catalog_entry_fn fn, void *arg)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c, "SELECT seq, entry FROM ledger WHERE instr(entry, ?) > 0 ORDER BY seq", &s);

	/* a blob needle: instr then compares bytes, whatever the entry's type */
	rc = rc ? rc : cy_stmt_bind_blob(s, 1, needle, strlen(needle));
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		size_t n;
		const void *p = cy_stmt_blob(s, 1, &n);
		rc = fn(arg, (uint64_t)cy_stmt_int(s, 0), p, n);
	}
	cy_stmt_reset(s);
	return rc < 0 ? rc : 0;
}
