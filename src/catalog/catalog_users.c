/* catalog_users.c - users and grants.
 *
 * A user row holds a name, a role, a public key, the sealed private key and
 * the admin key's certificate; a grant row holds a fonds key sealed to its
 * user (active) or, until a key holder completes it, only the admin key's
 * signature (pending).  Nothing here is personal data: user names are login
 * names chosen by the secadmin, and every key is sealed. */
#include <string.h>

#include "catalog/catalog_sql.h"
#include "crypto/crypto.h"
#include "custody/error.h"
#include "custody/banned.h"

#define USER_COLS                                                                                  \
	"u.id, u.name, u.role, u.created, u.disabled, u.pub, u.slot, u.sign_slot, "                \
	"u.admin_slot, u.cert, u.upub, u.serial"

void cy_catalog_user_release(cy_catalog_user *u)
{
	cy_buf_release(&u->pub);
	cy_buf_wipe(&u->slot);
	cy_buf_wipe(&u->sign_slot);
	cy_buf_wipe(&u->admin_slot);
	cy_buf_release(&u->cert);
	cy_buf_release(&u->upub);
	cy_buf_release(&u->grants);
}

/* Columns 0-11 of USER_COLS into u. */
static int user_row(cy_stmt *s, cy_catalog_user *u)
{
	int rc;

	u->id = cy_stmt_int(s, 0);
	cy_catalog__text(s, 1, u->name, sizeof(u->name));
	cy_catalog__text(s, 2, u->role, sizeof(u->role));
	cy_catalog__text(s, 3, u->created, sizeof(u->created));
	u->disabled = cy_stmt_int(s, 4) != 0;
	rc = cy_catalog__blob(s, 5, &u->pub);
	rc = rc ? rc : cy_catalog__blob(s, 6, &u->slot);
	rc = rc ? rc : cy_catalog__blob(s, 7, &u->sign_slot);
	rc = rc ? rc : cy_catalog__blob(s, 8, &u->admin_slot);
	rc = rc ? rc : cy_catalog__blob(s, 9, &u->cert);
	cy_buf_clear(&u->upub);
	rc = rc ? rc : (cy_stmt_is_null(s, 10) ? 0 : cy_catalog__blob(s, 10, &u->upub));
	u->serial = cy_stmt_int(s, 11);
	return rc;
}

int cy_catalog_user_insert(cy_catalog *c, const char *name, const char *role, const char *created,
			   int64_t *id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO users (name, role, pub, slot, sign_slot, cert, created) "
		"VALUES (?, ?, x'', x'', x'', x'', ?)",
		&s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, name);
	rc = rc ? rc : cy_stmt_bind_text(s, 2, role);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, created);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	*id = cy_catalog_last_id(c);
	return 0;
}

int cy_catalog_user_get(cy_catalog *c, const char *name, cy_catalog_user *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "SELECT " USER_COLS " FROM users u WHERE u.name = ?", &s);

	rc = rc ? rc : cy_stmt_bind_text(s, 1, name);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no user '%s'", name);
	if (rc < 0)
		return rc;
	rc = user_row(s, out);
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_user_list(cy_catalog *c, cy_catalog_user_fn fn, void *arg)
{
	cy_catalog_user u;
	cy_stmt *s;
	int rc;

	memset(&u, 0, sizeof(u));
	rc = cy_catalog_prepare(
		c,
		"SELECT " USER_COLS ", "
		" (SELECT group_concat(f.code || CASE WHEN g.slot IS NULL THEN '*' ELSE '' END, ',')"
		"  FROM grants g JOIN fonds f ON f.id = g.fonds_id WHERE g.user_id = u.id)"
		" FROM users u ORDER BY u.id",
		&s);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		rc = user_row(s, &u);
		cy_buf_clear(&u.grants);
		rc = rc ? rc : cy_buf_puts(&u.grants, cy_stmt_text(s, 12));
		rc = rc ? rc : fn(arg, &u);
	}
	cy_stmt_reset(s);
	cy_catalog_user_release(&u);
	return rc;
}

int cy_catalog_user_set_keys(cy_catalog *c, int64_t id, const void *pub, size_t publen,
			     const cy_buf *slot, const cy_buf *sign_slot, const cy_buf *admin_slot,
			     const void *cert, size_t certlen)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"UPDATE users SET pub = ?, slot = ?, sign_slot = ?, admin_slot = ?, "
		"cert = ? WHERE id = ?",
		&s);

	rc = rc ? rc : cy_stmt_bind_blob(s, 1, pub, publen);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, slot->ptr, slot->len);
	rc = rc ? rc : cy_stmt_bind_blob(s, 3, sign_slot->ptr, sign_slot->len);
	rc = rc ? rc
		: (admin_slot && admin_slot->len
			   ? cy_stmt_bind_blob(s, 4, admin_slot->ptr, admin_slot->len)
			   : cy_stmt_bind_null(s, 4));
	rc = rc ? rc : cy_stmt_bind_blob(s, 5, cert, certlen);
	rc = rc ? rc : cy_stmt_bind_int(s, 6, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0 && cy_catalog_changes(c) == 0)
		rc = cy_error_set(CY_ENOTFOUND, "no user %lld", (long long)id);
	return rc < 0 ? rc : 0;
}

int cy_catalog_user_set_slot(cy_catalog *c, int64_t id, const void *slot, size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE users SET slot = ? WHERE id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_blob(s, 1, slot, n);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0 && cy_catalog_changes(c) == 0)
		rc = cy_error_set(CY_ENOTFOUND, "no user %lld", (long long)id);
	return rc < 0 ? rc : 0;
}

int cy_catalog_user_certify(cy_catalog *c, int64_t id, int64_t serial, const char *role,
			    const void *pub, const void *upub, const void *cert, size_t certlen,
			    const char *created)
{
	cy_stmt *s;
	int rc =
		cy_catalog_prepare(c,
				   "INSERT INTO user_certs (user_id, serial, role, pub, upub, cert,"
				   " created) VALUES (?, ?, ?, ?, ?, ?, ?)",
				   &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, serial);
	rc = rc ? rc : cy_stmt_bind_text(s, 3, role);
	rc = rc ? rc : cy_stmt_bind_blob(s, 4, pub, 32);
	rc = rc ? rc : cy_stmt_bind_blob(s, 5, upub, 32);
	rc = rc ? rc : cy_stmt_bind_blob(s, 6, cert, certlen);
	rc = rc ? rc : cy_stmt_bind_text(s, 7, created);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc < 0)
		return rc;
	rc = cy_catalog_prepare(c, "UPDATE users SET cert = ?, serial = ?, upub = ? WHERE id = ?",
				&s);
	rc = rc ? rc : cy_stmt_bind_blob(s, 1, cert, certlen);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, serial);
	rc = rc ? rc : cy_stmt_bind_blob(s, 3, upub, 32);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0 && cy_catalog_changes(c) == 0)
		rc = cy_error_set(CY_ENOTFOUND, "no user %lld", (long long)id);
	return rc < 0 ? rc : 0;
}

void cy_catalog_cert_release(cy_catalog_cert *c)
{
	cy_buf_release(&c->cert);
}

int cy_catalog_user_cert_get(cy_catalog *c, int64_t id, int64_t serial, cy_catalog_cert *out)
{
	cy_stmt *s;
	const void *p;
	size_t n1 = 0, n2 = 0;
	int rc = cy_catalog_prepare(c,
				    "SELECT role, created, pub, upub, cert FROM user_certs"
				    " WHERE user_id = ? AND serial = ?",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, serial);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no certificate %lld of user %lld",
				    (long long)serial, (long long)id);
	if (rc < 0)
		return rc;
	out->user_id = id;
	out->serial = serial;
	cy_catalog__text(s, 0, out->role, sizeof(out->role));
	cy_catalog__text(s, 1, out->created, sizeof(out->created));
	p = cy_stmt_blob(s, 2, &n1);
	if (n1 == 32)
		memcpy(out->pub, p, 32);
	p = cy_stmt_blob(s, 3, &n2);
	if (n2 == 32)
		memcpy(out->upub, p, 32);
	rc = cy_catalog__blob(s, 4, &out->cert);
	cy_stmt_reset(s);
	if (!rc && (n1 != 32 || n2 != 32))
		rc = cy_error_set(CY_ECORRUPT, "certificate %lld of user %lld is damaged",
				  (long long)serial, (long long)id);
	return rc;
}

int cy_catalog_user_set_upgrade(cy_catalog *c, int64_t id, const void *slot, size_t n,
				const void *upub)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE users SET slot = ?, upub = ? WHERE id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_blob(s, 1, slot, n);
	rc = rc ? rc : cy_stmt_bind_blob(s, 2, upub, 32);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0 && cy_catalog_changes(c) == 0)
		rc = cy_error_set(CY_ENOTFOUND, "no user %lld", (long long)id);
	return rc < 0 ? rc : 0;
}

int cy_catalog_user_set_disabled(cy_catalog *c, int64_t id, int disabled)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, "UPDATE users SET disabled = ? WHERE id = ?", &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, disabled ? 1 : 0);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0 && cy_catalog_changes(c) == 0)
		rc = cy_error_set(CY_ENOTFOUND, "no user %lld", (long long)id);
	return rc < 0 ? rc : 0;
}

/* ---- grants ---- */

#define GRANT_COLS "g.user_id, g.fonds_id, g.granted_by, f.code, g.created, g.slot, g.auth"

void cy_catalog_grant_release(cy_catalog_grant *g)
{
	cy_buf_release(&g->slot);
	cy_buf_release(&g->auth);
	cy_buf_release(&g->user_pub);
	cy_buf_release(&g->user_cert);
	cy_buf_release(&g->user_upub);
}

static int grant_row(cy_stmt *s, cy_catalog_grant *g)
{
	int rc;

	g->user_id = cy_stmt_int(s, 0);
	g->fonds_id = cy_stmt_int(s, 1);
	g->granted_by = cy_stmt_int(s, 2);
	cy_catalog__text(s, 3, g->fonds_code, sizeof(g->fonds_code));
	cy_catalog__text(s, 4, g->created, sizeof(g->created));
	g->active = !cy_stmt_is_null(s, 5);
	rc = cy_catalog__blob(s, 5, &g->slot);
	rc = rc ? rc : cy_catalog__blob(s, 6, &g->auth);
	return rc;
}

int cy_catalog_grant_get(cy_catalog *c, int64_t user_id, int64_t fonds_id, cy_catalog_grant *out)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "SELECT " GRANT_COLS
				    " FROM grants g JOIN fonds f ON f.id = g.fonds_id "
				    "WHERE g.user_id = ? AND g.fonds_id = ?",
				    &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, user_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, fonds_id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no grant of fonds %lld to user %lld",
				    (long long)fonds_id, (long long)user_id);
	if (rc < 0)
		return rc;
	rc = grant_row(s, out);
	cy_stmt_reset(s);
	return rc;
}

int cy_catalog_grant_list_user(cy_catalog *c, int64_t user_id, cy_catalog_grant_fn fn, void *arg)
{
	cy_catalog_grant g;
	cy_stmt *s;
	int rc;

	memset(&g, 0, sizeof(g));
	rc = cy_catalog_prepare(c,
				"SELECT " GRANT_COLS
				" FROM grants g JOIN fonds f ON f.id = g.fonds_id "
				"WHERE g.user_id = ? ORDER BY f.code",
				&s);
	rc = rc ? rc : cy_stmt_bind_int(s, 1, user_id);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		rc = grant_row(s, &g);
		rc = rc ? rc : fn(arg, &g);
	}
	cy_stmt_reset(s);
	cy_catalog_grant_release(&g);
	return rc;
}

int cy_catalog_grant_list_pending(cy_catalog *c, cy_catalog_grant_fn fn, void *arg)
{
	cy_catalog_grant g;
	cy_stmt *s;
	int rc;

	memset(&g, 0, sizeof(g));
	rc = cy_catalog_prepare(
		c,
		"SELECT " GRANT_COLS
		", u.name, u.role, u.pub, u.cert, u.upub, u.serial FROM grants g "
		"JOIN users u ON u.id = g.user_id JOIN fonds f ON f.id = g.fonds_id "
		"WHERE g.slot IS NULL AND u.disabled = 0 ORDER BY g.user_id, g.fonds_id",
		&s);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		rc = grant_row(s, &g);
		cy_catalog__text(s, 7, g.user_name, sizeof(g.user_name));
		cy_catalog__text(s, 8, g.user_role, sizeof(g.user_role));
		rc = rc ? rc : cy_catalog__blob(s, 9, &g.user_pub);
		rc = rc ? rc : cy_catalog__blob(s, 10, &g.user_cert);
		cy_buf_clear(&g.user_upub);
		rc = rc ? rc : (cy_stmt_is_null(s, 11) ? 0 : cy_catalog__blob(s, 11, &g.user_upub));
		g.user_serial = cy_stmt_int(s, 12);
		rc = rc ? rc : fn(arg, &g);
	}
	cy_stmt_reset(s);
	cy_catalog_grant_release(&g);
	return rc;
}

int cy_catalog_grant_put_slot(cy_catalog *c, int64_t user_id, int64_t fonds_id, const void *slot,
			      size_t n, int64_t granted_by, const char *created)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO grants (user_id, fonds_id, slot, granted_by, created) "
		"VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, fonds_id) "
		"DO UPDATE SET slot = excluded.slot",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, user_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, fonds_id);
	rc = rc ? rc : cy_stmt_bind_blob(s, 3, slot, n);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, granted_by);
	rc = rc ? rc : cy_stmt_bind_text(s, 5, created);
	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_grant_put_pending(cy_catalog *c, int64_t user_id, int64_t fonds_id, const void *auth,
				 size_t n, int64_t granted_by, const char *created)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(
		c,
		"INSERT INTO grants (user_id, fonds_id, slot, auth, granted_by, "
		"created) VALUES (?, ?, NULL, ?, ?, ?) "
		"ON CONFLICT (user_id, fonds_id) DO UPDATE SET auth = excluded.auth",
		&s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, user_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, fonds_id);
	rc = rc ? rc : cy_stmt_bind_blob(s, 3, auth, n);
	rc = rc ? rc : cy_stmt_bind_int(s, 4, granted_by);
	rc = rc ? rc : cy_stmt_bind_text(s, 5, created);
	rc = rc ? rc : cy_stmt_step(s);
	return rc < 0 ? rc : 0;
}

int cy_catalog_grant_set_pending(cy_catalog *c, int64_t user_id, int64_t fonds_id, const void *auth,
				 size_t n)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c,
				    "UPDATE grants SET slot = NULL, auth = ? "
				    "WHERE user_id = ? AND fonds_id = ?",
				    &s);

	rc = rc ? rc : cy_stmt_bind_blob(s, 1, auth, n);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, user_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 3, fonds_id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0 && cy_catalog_changes(c) == 0)
		rc = cy_error_set(CY_ENOTFOUND, "no grant of fonds %lld to user %lld",
				  (long long)fonds_id, (long long)user_id);
	return rc < 0 ? rc : 0;
}

static int grant_delete(cy_catalog *c, const char *sql, int64_t user_id, int64_t fonds_id)
{
	cy_stmt *s;
	int rc = cy_catalog_prepare(c, sql, &s);

	rc = rc ? rc : cy_stmt_bind_int(s, 1, user_id);
	rc = rc ? rc : cy_stmt_bind_int(s, 2, fonds_id);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 0 && cy_catalog_changes(c) == 0)
		rc = cy_error_set(CY_ENOTFOUND, "no grant of fonds %lld to user %lld",
				  (long long)fonds_id, (long long)user_id);
	return rc < 0 ? rc : 0;
}

int cy_catalog_grant_delete(cy_catalog *c, int64_t user_id, int64_t fonds_id)
{
	return grant_delete(c, "DELETE FROM grants WHERE user_id = ? AND fonds_id = ?", user_id,
			    fonds_id);
}

int cy_catalog_grant_delete_pending(cy_catalog *c, int64_t user_id, int64_t fonds_id)
{
	return grant_delete(
		c, "DELETE FROM grants WHERE user_id = ? AND fonds_id = ? AND slot IS NULL",
		user_id, fonds_id);
}
