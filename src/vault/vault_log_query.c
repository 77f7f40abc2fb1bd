/* vault_log_query.c - reading the ledger back: entries by user, action,
 * record and time, with the names of the users they mention (cy_log_query),
 * and the ledger's last word on users' disabled flags and fonds statuses,
 * against the catalog, for check (cy_vault__check_admin).
 *
 * Entries are matched on their canonical form (docs/formats/ledger.md): the
 * fields come in a fixed order, so a strict scan finds the raw JSON string
 * tokens of time, actor, action and targets without a general parser, and a
 * filter value is compared in its own canonical JSON encoding (the same
 * encoder wrote the entries).  An entry that does not scan matches no filter;
 * `log verify` is what names a damaged entry.
 *
 * Entries hold ids ("u3"), never names (ledger.h).  Names are joined here at
 * read time for the roles that may see them: every role that may read the
 * ledger (auditor, secadmin, sysadmin) may also list the users, and user
 * names are staff accounts, not customers' personal data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_admin.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

#define QUERY_TARGETS 8

typedef struct tok {
	const char *p; /* the raw token, quotes included */
	size_t n;
} tok;

typedef struct scanned {
	tok time, actor, action;
	tok targets[QUERY_TARGETS];
	int ntargets;
	const char *details, *end; /* the details object to the end of the entry */
} scanned;

typedef struct user_name {
	int64_t id;
	char idtok[24]; /* "u3" */
	char name[64];
} user_name;

typedef struct query {
	cy_log_item_fn fn;
	void *arg;
	bool names;
	user_name *users;
	size_t nusers, cap;
	/* the filters, encoded */
	cy_buf actor, action, record;
	bool has_actor, has_action, has_record, has_since, has_until;
	int64_t since, until;
} query;

static const char *skip_str(const char *p, const char *end)
{
	if (p >= end || *p != '"')
		return NULL;
	for (p++; p < end; p++) {
		if (*p == '\\') {
			p++;
			continue;
		}
		if (*p == '"')
			return p + 1;
	}
	return NULL;
}

static int lit(const char **p, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *p) < n || memcmp(*p, s, n))
		return -1;
	*p += n;
	return 0;
}

static int str_tok(const char **p, const char *end, tok *t)
{
	const char *q = skip_str(*p, end);

	if (!q)
		return -1;
	t->p = *p;
	t->n = (size_t)(q - *p);
	*p = q;
	return 0;
}

/* {"seq":N,"time":"..","actor":"..","action":"..","targets":[..],"details":{..}} */
static int scan(const char *e, size_t n, scanned *out)
{
	const char *p = e, *end = e + n;

	memset(out, 0, sizeof(*out));
	if (lit(&p, end, "{\"seq\":"))
		return -1;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (lit(&p, end, ",\"time\":") || str_tok(&p, end, &out->time) ||
	    lit(&p, end, ",\"actor\":") || str_tok(&p, end, &out->actor) ||
	    lit(&p, end, ",\"action\":") || str_tok(&p, end, &out->action) ||
	    lit(&p, end, ",\"targets\":["))
		return -1;
	if (p < end && *p != ']') {
		for (;;) {
			if (out->ntargets == QUERY_TARGETS ||
			    str_tok(&p, end, &out->targets[out->ntargets]))
				return -1;
			out->ntargets++;
			if (p < end && *p == ',') {
				p++;
				continue;
			}
			break;
		}
	}
	if (lit(&p, end, "],\"details\":"))
		return -1;
	out->details = p;
	out->end = end;
	return 0;
}

/* The raw value of details key `key`, if there is one: a string token
 * (quotes included; *is_str set) or the characters of an integer. */
static int detail_value(const scanned *sc, const char *key, tok *out, bool *is_str)
{
	const char *p = sc->details, *end = sc->end;
	size_t kn = strlen(key);
	tok k, val;
	bool str;

	if (lit(&p, end, "{"))
		return -1;
	while (p < end && *p != '}') {
		if (str_tok(&p, end, &k) || lit(&p, end, ":"))
			return -1;
		str = p < end && *p == '"';
		if (str) {
			if (str_tok(&p, end, &val))
				return -1;
		} else {
			val.p = p;
			while (p < end && (*p == '-' || (*p >= '0' && *p <= '9')))
				p++;
			val.n = (size_t)(p - val.p);
			if (!val.n)
				return -1;
		}
		if (k.n == kn + 2 && !memcmp(k.p + 1, key, kn)) {
			*out = val;
			*is_str = str;
			return 0;
		}
		if (p < end && *p == ',')
			p++;
	}
	return -1;
}

/* The string value of details key `key` (quotes included), if there is one. */
static int detail_str(const scanned *sc, const char *key, tok *out)
{
	bool str;

	return detail_value(sc, key, out, &str) || !str ? -1 : 0;
}

static bool tok_eq(const tok *t, const cy_buf *b)
{
	return t->n == b->len && !memcmp(t->p, b->ptr, b->len);
}

/* The user named by a token "u<digits>", or NULL. */
static const user_name *tok_user(const query *q, const tok *t)
{
	int64_t id = 0;
	size_t lo = 0, hi = q->nusers;

	if (t->n < 4 || t->n > 21 || t->p[1] != 'u')
		return NULL;
	for (size_t i = 2; i + 1 < t->n; i++) {
		if (t->p[i] < '0' || t->p[i] > '9')
			return NULL;
		id = id * 10 + (t->p[i] - '0');
	}
	/* the users come ordered by id */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (q->users[mid].id == id)
			return &q->users[mid];
		if (q->users[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int tok_time(const tok *t, int64_t *out)
{
	char s[40];

	if (t->n < 3 || t->n - 2 >= sizeof(s))
		return -1;
	memcpy(s, t->p + 1, t->n - 2);
	s[t->n - 2] = 0;
	if (cy_time_parse(s, out, NULL)) {
		cy_error_clear();
		return -1;
	}
	return 0;
}

static bool matches(const query *q, const scanned *sc)
{
	if (q->has_actor && !tok_eq(&sc->actor, &q->actor))
		return false;
	/* the prefix without its closing quote */
	if (q->has_action && (sc->action.n < q->action.len - 1 ||
			      memcmp(sc->action.p, q->action.ptr, q->action.len - 1)))
		return false;
	if (q->has_record) {
		int i;
		for (i = 0; i < sc->ntargets && !tok_eq(&sc->targets[i], &q->record); i++)
			;
		if (i == sc->ntargets)
			return false;
	}
	if (q->has_since || q->has_until) {
		int64_t t;
		if (tok_time(&sc->time, &t) || (q->has_since && t < q->since) ||
		    (q->has_until && t > q->until))
			return false;
	}
	return true;
}

static int on_entry(void *arg, uint64_t seq, const char *entry, size_t n)
{
	query *q = arg;
	scanned sc;
	cy_log_item it;
	bool ok = scan(entry, n, &sc) == 0;
	bool filtered = q->has_actor || q->has_action || q->has_record || q->has_since ||
			q->has_until;

	if (filtered && (!ok || !matches(q, &sc)))
		return 0;
	memset(&it, 0, sizeof(it));
	it.seq = seq;
	it.entry = entry;
	it.len = n;
	if (ok && q->names) {
		const user_name *u = tok_user(q, &sc.actor);
		it.actor_name = u ? u->name : NULL;
		for (int i = 0; i < sc.ntargets &&
				it.nusers < (int)(sizeof(it.user_ids) / sizeof(it.user_ids[0]));
		     i++) {
			if ((u = tok_user(q, &sc.targets[i]))) {
				it.user_ids[it.nusers] = u->idtok;
				it.user_names[it.nusers] = u->name;
				it.nusers++;
			}
		}
	}
	return q->fn(q->arg, &it);
}

static int keep_user(void *arg, const cy_catalog_adm_user *u)
{
	query *q = arg;

	if (q->nusers == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		user_name *nu = realloc(q->users, cap * sizeof(*nu));
		if (!nu)
			return cy_error_set(CY_ENOMEM, "out of memory");
		q->users = nu;
		q->cap = cap;
	}
	q->users[q->nusers].id = u->id;
	snprintf(q->users[q->nusers].idtok, sizeof(q->users[q->nusers].idtok), "u%lld",
		 (long long)u->id);
	snprintf(q->users[q->nusers].name, sizeof(q->users[q->nusers].name), "%s", u->name);
	q->nusers++;
	return 0;
}

/* Which roles see user names next to the ids (see the file comment). */
static bool names_visible(cy_role r)
{
	return r == CY_ROLE_AUDITOR || r == CY_ROLE_SECADMIN || r == CY_ROLE_SYSADMIN;
}

static int time_bound(const char *s, bool end_of_day, int64_t *out)
{
	bool date_only = false;
	int rc = cy_time_parse(s, out, &date_only);

	if (!rc && end_of_day && date_only)
		*out += 86399;
	return rc;
}

int cy_log_query(cy_vault *v, const cy_log_filter *f, cy_log_item_fn fn, void *arg)
{
	cy_log_filter none;
	query q;
	int rc = 0;

	if (!f) {
		memset(&none, 0, sizeof(none));
		f = &none;
	}
	/* before any look-up, so that a role without the ledger learns nothing */
	if ((rc = cy_vault__require(
		     v, CY_R(CY_ROLE_AUDITOR) | CY_R(CY_ROLE_SECADMIN) | CY_R(CY_ROLE_SYSADMIN),
		     N_("read the ledger"))))
		return rc;
	memset(&q, 0, sizeof(q));
	q.fn = fn;
	q.arg = arg;
	q.names = names_visible(v->role);
	if (f->since && (rc = time_bound(f->since, false, &q.since)))
		return rc;
	if (f->until && (rc = time_bound(f->until, true, &q.until)))
		return rc;
	q.has_since = f->since != NULL;
	q.has_until = f->until != NULL;
	if (q.has_since && q.has_until && q.since > q.until)
		return cy_error_set(CY_EINVALID, "--since %s is after --until %s", f->since,
				    f->until);
	if (f->actor) {
		cy_catalog_adm_user u;
		rc = cy_catalog_adm_user_get(v->cat, f->actor, &u);
		if (rc == CY_ENOTFOUND)
			return cy_error_set(CY_ENOTFOUND,
					    "no user '%s' in this vault (see 'custody user list')",
					    f->actor);
		if (rc)
			return rc;
		cy_buf_printf(&q.actor, "\"u%lld\"", (long long)u.id);
		q.has_actor = true;
	}
	if (f->action) {
		rc = cy_json_cstr(&q.action, f->action);
		q.has_action = true;
	}
	if (!rc && f->record) {
		rc = cy_json_cstr(&q.record, f->record);
		q.has_record = true;
	}
	if (!rc && q.names)
		rc = cy_catalog_adm_user_each(v->cat, keep_user, &q);
	/* cy_log_list checks that the caller may read the ledger */
	rc = rc ? rc : cy_log_list(v, f->from ? f->from : 1, on_entry, &q);
	free(q.users);
	cy_buf_release(&q.actor);
	cy_buf_release(&q.action);
	cy_buf_release(&q.record);
	return rc;
}

/* ---- what the ledger says about users and fonds, against the catalog ---- */

typedef struct user_state {
	int64_t id;
	uint64_t seq;
	int disabled;
} user_state;

typedef struct fonds_state {
	char code[8];
	uint64_t seq;
	char status[24], date[16];
} fonds_state;

typedef struct admin_scan {
	user_state *u;
	size_t nu, capu;
	fonds_state *f;
	size_t nf, capf;
	cy_catalog_problem_fn problem;
	void *arg;
} admin_scan;

static bool tok_is(const tok *t, const char *s)
{
	size_t n = strlen(s);

	return t->n == n + 2 && !memcmp(t->p + 1, s, n);
}

/* The text inside a token without escapes into out; -1 if it has any or does not fit. */
static int tok_plain(const tok *t, char *out, size_t n)
{
	if (t->n < 2 || t->n - 2 >= n || memchr(t->p, '\\', t->n))
		return -1;
	memcpy(out, t->p + 1, t->n - 2);
	out[t->n - 2] = 0;
	return 0;
}

/* v with room for n + 1 elements (NULL, the old block kept, when out of memory). */
static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	void *nv;

	if (n < *cap)
		return v;
	if (!(nv = realloc(v, (*cap ? *cap * 2 : 16) * size))) {
		cy_error_set(CY_ENOMEM, "out of memory");
		return NULL;
	}
	*cap = *cap ? *cap * 2 : 16;
	return nv;
}

static int admin_entry(void *arg, uint64_t seq, const char *entry, size_t n)
{
	admin_scan *a = arg;
	scanned sc;

	if (scan(entry, n, &sc))
		return 0; /* log verify reports it */
	if (tok_is(&sc.action, "user.disable") || tok_is(&sc.action, "user.enable")) {
		for (int i = 0; i < sc.ntargets; i++) {
			char idt[24], *e;
			size_t k;
			long long id;
			if (tok_plain(&sc.targets[i], idt, sizeof(idt)) || idt[0] != 'u')
				continue;
			id = strtoll(idt + 1, &e, 10);
			if (*e || e == idt + 1)
				continue;
			for (k = 0; k < a->nu && a->u[k].id != id; k++)
				;
			if (k == a->nu) {
				user_state *nu = grow(a->u, &a->capu, a->nu, sizeof(*a->u));
				if (!nu)
					return CY_ENOMEM;
				a->u = nu;
				a->u[a->nu++].id = id;
			}
			a->u[k].seq = seq;
			a->u[k].disabled = tok_is(&sc.action, "user.disable");
		}
	} else if (tok_is(&sc.action, "fonds.status") && sc.ntargets == 1) {
		char code[8];
		tok st, dt;
		size_t k;
		if (tok_plain(&sc.targets[0], code, sizeof(code)) ||
		    detail_str(&sc, "status", &st) || detail_str(&sc, "date", &dt))
			return 0;
		for (k = 0; k < a->nf && strcmp(a->f[k].code, code); k++)
			;
		if (k == a->nf) {
			fonds_state *nf = grow(a->f, &a->capf, a->nf, sizeof(*a->f));
			if (!nf)
				return CY_ENOMEM;
			a->f = nf;
			memset(&a->f[k], 0, sizeof(a->f[k]));
			snprintf(a->f[k].code, sizeof(a->f[k].code), "%s", code);
			a->nf++;
		}
		a->f[k].seq = seq;
		if (tok_plain(&st, a->f[k].status, sizeof(a->f[k].status)))
			snprintf(a->f[k].status, sizeof(a->f[k].status), "?");
		if (tok_plain(&dt, a->f[k].date, sizeof(a->f[k].date)))
			snprintf(a->f[k].date, sizeof(a->f[k].date), "?");
	}
	return 0;
}

static int admin_user(void *arg, const cy_catalog_adm_user *u)
{
	admin_scan *a = arg;
	const user_state *st = NULL;
	char msg[512];

	for (size_t k = 0; k < a->nu; k++)
		if (a->u[k].id == u->id)
			st = &a->u[k];
	if (!u->disabled == !(st && st->disabled))
		return 0;
	if (!u->disabled)
		snprintf(msg, sizeof(msg),
			 "user '%s' is enabled in the catalog, but ledger entry %llu disabled it: the "
			 "catalog was edited (custody user disable %s restores it)",
			 u->name, (unsigned long long)st->seq, u->name);
	else if (st)
		snprintf(msg, sizeof(msg),
			 "user '%s' is disabled in the catalog, but ledger entry %llu enabled it: the "
			 "catalog was edited",
			 u->name, (unsigned long long)st->seq);
	else
		snprintf(msg, sizeof(msg),
			 "user '%s' is disabled in the catalog, but the ledger never disabled it: the "
			 "catalog was edited",
			 u->name);
	a->problem(a->arg, msg);
	return 0;
}

static int admin_fonds(void *arg, const cy_catalog_adm_fonds *f)
{
	admin_scan *a = arg;
	const fonds_state *st = NULL;
	const char *status = "operating", *date = "";
	char msg[512], at[48] = "";

	for (size_t k = 0; k < a->nf; k++)
		if (!strcmp(a->f[k].code, f->code))
			st = &a->f[k];
	if (st) {
		status = st->status;
		date = st->date;
		snprintf(at, sizeof(at), " at entry %llu", (unsigned long long)st->seq);
	}
	if (!strcmp(f->status, status) && !strcmp(f->status_date, date))
		return 0;
	snprintf(msg, sizeof(msg),
		 "fonds '%s' has the status %s (%s) in the catalog, but the ledger says %s (%s)%s: "
		 "the catalog was edited",
		 f->code, f->status, *f->status_date ? f->status_date : "no date", status,
		 *date ? date : "no date", at);
	a->problem(a->arg, msg);
	return 0;
}

int cy_vault__check_admin(cy_vault *v, cy_catalog_problem_fn problem, void *arg)
{
	admin_scan a;
	int rc;

	memset(&a, 0, sizeof(a));
	a.problem = problem;
	a.arg = arg;
	rc = cy_catalog_adm_ledger_each(v->cat, 1, admin_entry, &a);
	rc = rc ? rc : cy_catalog_adm_user_each(v->cat, admin_user, &a);
	rc = rc ? rc : cy_catalog_adm_fonds_each(v->cat, admin_fonds, &a);
	free(a.u);
	free(a.f);
	return rc < 0 ? rc : 0;
}

/* ---- the fields of one entry, for the trust checks (vault_trust_users.c) ---- */

/* The integer value of details key `key`, if there is one. */
static int detail_num(const scanned *sc, const char *key, int64_t *out)
{
	tok val;
	bool str, neg;
	int64_t n = 0;
	size_t i = 0;

	if (detail_value(sc, key, &val, &str) || str)
		return -1;
	neg = val.p[0] == '-';
	i = neg;
	if (i == val.n)
		return -1;
	for (; i < val.n; i++) {
		if (val.p[i] < '0' || val.p[i] > '9' || n > (INT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (val.p[i] - '0');
	}
	*out = neg ? -n : n;
	return 0;
}

int cy_vault__entry_fields(const char *entry, size_t n, cy_entry_fields *out)
{
	scanned sc;
	tok t;

	memset(out, 0, sizeof(*out));
	if (scan(entry, n, &sc) || tok_plain(&sc.action, out->action, sizeof(out->action)) ||
	    tok_plain(&sc.actor, out->actor, sizeof(out->actor)))
		return -1;
	for (int i = 0; i < sc.ntargets && i < 2; i++)
		if (tok_plain(&sc.targets[i], out->targets[i], sizeof(out->targets[i])))
			return -1;
	out->ntargets = sc.ntargets;
	out->has_serial = detail_num(&sc, "serial", &out->serial) == 0;
	if (!detail_str(&sc, "upub", &t) && tok_plain(&t, out->upub, sizeof(out->upub)))
		out->upub[0] = 0;
	if (!detail_str(&sc, "key", &t) && tok_plain(&t, out->key, sizeof(out->key)))
		out->key[0] = 0;
	return 0;
}
