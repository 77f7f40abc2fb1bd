/* vault_admin.c - administration: disabling and enabling users, the user
 * list with structured grants, a fonds' status, and the one message for a
 * fonds key the caller does not hold.
 *
 * The SQL lives in src/catalog/catalog_admin.c.  The disabled flag and the
 * fonds status are plain catalog columns: nothing authenticates them yet, so
 * a person who can write catalog.db can change them (docs/internals/admin.md);
 * the ledger keeps what was decided. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_admin.h"
#include "custody/datetime.h"
#include "custody/error.h"
#include "vault/vault_internal.h"
#include "vault/vault_holds.h"
#include "vault/vault_recsig.h"
#include "custody/banned.h"

/* ---- the user list ---- */

typedef struct list_ctx {
	cy_user_fn fn;
	void *arg;
	cy_catalog *cat;
	cy_grant_info *g;
	size_t n, cap;
} list_ctx;

static int add_grant(void *arg, const char *code, int pending)
{
	list_ctx *c = arg;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 8;
		cy_grant_info *g = realloc(c->g, cap * sizeof(*g));
		if (!g)
			return cy_error_set(CY_ENOMEM, "out of memory");
		c->g = g;
		c->cap = cap;
	}
	memset(&c->g[c->n], 0, sizeof(c->g[c->n]));
	snprintf(c->g[c->n].fonds, sizeof(c->g[c->n].fonds), "%s", code);
	c->g[c->n].pending = pending != 0;
	c->n++;
	return 0;
}

static int list_user(void *arg, const cy_catalog_adm_user *cu)
{
	list_ctx *c = arg;
	cy_user_info u;
	int rc;

	c->n = 0;
	if ((rc = cy_catalog_adm_user_grants(c->cat, cu->id, add_grant, c)))
		return rc;
	memset(&u, 0, sizeof(u));
	u.id = cu->id;
	snprintf(u.name, sizeof(u.name), "%s", cu->name);
	if (cy_role_parse(cu->role, &u.role)) {
		u.role = CY_ROLE_COUNT; /* shown as "?": not a role this version knows */
		cy_error_clear();
	}
	snprintf(u.created, sizeof(u.created), "%s", cu->created);
	u.disabled = cu->disabled != 0;
	u.grants = c->g;
	u.ngrants = c->n;
	return c->fn(c->arg, &u);
}

int cy_user_list(cy_vault *v, cy_user_fn fn, void *arg)
{
	list_ctx c = {fn, arg, v->cat, NULL, 0, 0};
	int rc;

	if ((rc = cy_vault__require(
		     v, CY_R(CY_ROLE_SECADMIN) | CY_R(CY_ROLE_AUDITOR) | CY_R(CY_ROLE_SYSADMIN),
		     N_("list users"))))
		return rc;
	rc = cy_catalog_adm_user_each(v->cat, list_user, &c);
	free(c.g);
	return rc < 0 ? rc : 0;
}

/* ---- disable / enable ---- */

int cy_user_set_disabled(cy_vault *v, const char *name, bool disabled, bool *changed)
{
	cy_catalog_adm_user u;
	char target[24];
	int64_t n;
	int rc;

	*changed = false;
	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_SECADMIN),
				    disabled ? N_("disable users") : N_("enable users"))))
		return rc;
	if ((rc = cy_vault__begin(v)))
		return rc;
	rc = cy_catalog_adm_user_get(v->cat, name, &u);
	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_ENOTFOUND, "no user '%s' (see 'custody user list')", name);
	if (rc)
		goto out;
	{
		/* the state is the ledger's as much as the flag's (an edited flag):
		 * nothing to do only when both already say so */
		cy_trust_revokes *r = NULL;
		int in_ledger;
		if ((rc = cy_vault__revokes_load(v, 0, &r)))
			goto out;
		in_ledger = cy_vault__revokes_disabled(r, u.id) != 0;
		cy_vault__revokes_free(r);
		if (!u.disabled == !disabled && !in_ledger == !disabled)
			goto out;
	}
	if (disabled && u.id == v->user_id) {
		rc = cy_error_set(CY_EPERM,
				  "user '%s' cannot disable its own account: another security "
				  "administrator must",
				  name);
		goto out;
	}
	if (disabled && !strcmp(u.role, cy_role_name(CY_ROLE_SECADMIN))) {
		rc = cy_catalog_adm_user_count_enabled(v->cat, u.role, &n);
		if (!rc && n <= 1)
			rc = cy_error_set(CY_EPERM,
					  "'%s' is the last enabled security administrator: add or "
					  "enable another one first",
					  name);
		if (rc)
			goto out;
	}
	rc = cy_catalog_user_set_disabled(v->cat, u.id, disabled);
	snprintf(target, sizeof(target), "u%lld", (long long)u.id);
	rc = rc ? rc : cy_vault__log1(v, disabled ? "user.disable" : "user.enable", target);
	if (!rc)
		*changed = true;
out:
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		*changed = false;
	}
	return rc;
}

/* ---- fonds status ---- */

static const char *const FONDS_STATUSES[] = {"operating", "transferring", "deregistering",
					     "deregistered"};

bool cy_fonds_status_valid(const char *s)
{
	for (size_t i = 0; i < sizeof(FONDS_STATUSES) / sizeof(FONDS_STATUSES[0]); i++)
		if (s && !strcmp(s, FONDS_STATUSES[i]))
			return true;
	return false;
}

int cy_fonds_set_status(cy_vault *v, const char *code, const char *status, const char *date)
{
	size_t n;

	return cy_fonds_set_status_ext(v, code, status, date, &n);
}

int cy_fonds_set_status_ext(cy_vault *v, const char *code, const char *status, const char *date,
			    size_t *restricted)
{
	cy_catalog_adm_fonds f;
	cy_ledger_entry e;
	int64_t *keep = NULL;
	size_t nkeep = 0;
	int y, m, d, rc;

	*restricted = 0;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST),
				    N_("change the status of a fonds"))))
		return rc;
	if (!cy_fonds_status_valid(status))
		return cy_error_set(CY_EINVALID,
				    "unknown fonds status '%s' (statuses: operating transferring "
				    "deregistering deregistered)",
				    status);
	if ((rc = cy_date_parse(date, &y, &m, &d)))
		return rc;
	if (!cy_vault__fonds_key(v, code))
		return cy_error_code();
	/* the end of business (PIPL Art. 47(2)): personal data whose legal
	 * period still runs becomes store-only (para. 2); customer data with no
	 * legal period becomes due (the retention rules) and stays readable */
	if ((rc = cy_catalog_adm_fonds_get(v->cat, code, &f)))
		return rc;
	if (!strcmp(f.status, status) && !strcmp(f.status_date, date))
		return 0; /* nothing changes: nothing to log */
	if (!strcmp(status, "deregistered") &&
	    (rc = cy_vault__legal_keep_ids(v, code, date, &keep, &nkeep)))
		return rc;
	if ((rc = cy_vault__begin(v))) {
		free(keep);
		return rc;
	}
	rc = cy_catalog_adm_fonds_get(v->cat, code, &f);
	if (rc || (!strcmp(f.status, status) && !strcmp(f.status_date, date)))
		goto out; /* nothing changes: nothing to log */
	rc = cy_catalog_fonds_set_status(v->cat, f.id, status, date);
	memset(&e, 0, sizeof(e));
	e.action = "fonds.status";
	e.targets[0] = code;
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"status", status, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"date", date, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"from", f.status, 0};
	rc = rc ? rc : cy_vault__log(v, &e);
	if (!rc && nkeep) {
		rc = cy_vault__restrict_records(v, keep, nkeep, "art47-2");
		*restricted = nkeep;
	}
out:
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		*restricted = 0;
	}
	free(keep);
	return rc;
}

/* ---- a fonds key the caller does not hold ---- */

int cy_vault__no_key_error(cy_vault *v, const char *code)
{
	int state = CY_GRANT_NONE;
	int rc = cy_catalog_adm_grant_state(v->cat, v->user_id, code, &state);

	if (rc == CY_ENOTFOUND)
		return cy_error_set(CY_ENOTFOUND, "no fonds '%s' (see 'custody fonds list')", code);
	if (rc)
		return rc;
	if (!cy_role_holds_content(v->role))
		return cy_error_set(CY_EPERM,
				    "user '%s' (%s) holds no fonds key: administrative roles never "
				    "read records",
				    v->user, cy_role_name(v->role));
	switch (state) {
	case CY_GRANT_NONE:
		return cy_error_set(
			CY_EPERM,
			"user '%s' is not granted fonds '%s': a security administrator can "
			"grant it (custody user grant %s %s)",
			v->user, code, v->user, code);
	case CY_GRANT_PENDING:
		return cy_error_set(
			CY_EPERM,
			"the grant of fonds '%s' to user '%s' is pending until a holder of "
			"the fonds key opens the vault",
			code, v->user);
	default:
		/* a grant the ledger does not back is never used: say why */
		{
			cy_catalog_grant g;
			cy_catalog_adm_fonds f;
			cy_trust_revokes *r = NULL;
			memset(&g, 0, sizeof(g));
			rc = cy_catalog_adm_fonds_get(v->cat, code, &f);
			rc = rc ? rc : cy_catalog_grant_get(v->cat, v->user_id, f.id, &g);
			rc = rc ? rc : cy_vault__revokes_load(v, g.seq, &r);
			rc = rc ? rc : cy_vault__grant_verify(v, r, &g, v->user);
			cy_vault__revokes_free(r);
			cy_catalog_grant_release(&g);
			if (rc == CY_ECORRUPT) {
				char why[512];
				snprintf(why, sizeof(why), "%s", cy_error_message());
				return cy_error_set(CY_EPERM, "%s; %s", why, CY_TR(N_("not used")));
			}
			if (rc == CY_ENOMEM)
				return rc;
		}
		/* completed by another process after this one opened the vault */
		return cy_error_set(
			CY_EPERM,
			"user '%s' was granted fonds '%s' after this command started: run "
			"it again",
			v->user, code);
	}
}

/* ---- a second fonds with the same credit code ---- */

int cy_vault__same_uscc(cy_vault *v, const char *code, const char *uscc, unsigned flags,
			char same[8])
{
	int rc = cy_catalog_adm_fonds_by_uscc(v->cat, uscc, same, 8);

	if (rc == CY_ENOTFOUND || (!rc && !strcmp(same, code))) {
		/* none, or the same code: the insert says it exists */
		cy_error_clear();
		same[0] = 0;
		return 0;
	}
	if (rc || (flags & CY_FONDS_SAME_USCC))
		return rc;
	return cy_error_set(CY_EEXISTS,
			    "fonds '%s' already has the unified social credit code %s: if '%s' is "
			    "another fonds of the same company, add it again with --force; else "
			    "check the code",
			    same, uscc, code);
}
