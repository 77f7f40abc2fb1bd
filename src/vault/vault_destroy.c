/* vault_destroy.c - supervised destruction (destroy.h;
 * docs/internals/destruction.md).
 *
 * The ledger is the authority: a batch's item list is bound by its hash to
 * its destroy.propose entry, each signature row to its destroy.sign entry
 * (signed, as every transaction's head, by the signer's own key), the
 * reconciliation to its destroy.reconcile entry.  Execution checks each of
 * them against the ledger before anything goes, and then works in two
 * steps that each survive a kill:
 *   1. one catalog transaction: the records' rows and wrapped data keys go
 *      (what remains of their signed batches is signed again), subjects
 *      left with no record lose their key and blind-index rows, one
 *      record.destroy entry per record, subject.destroy per subject,
 *      destroy.execute; the register, signed with the fonds' write key over
 *      the ledger head this transaction produces, is stored with the batch
 *      (status "executing").  Killed before the commit: nothing happened.
 *   2. the packs that held the objects are compacted, the fonds' full-text
 *      index is rebuilt without them, the WAL emptied, the absence of every
 *      record verified, the register imported as a permanent record, and
 *      destroy.verified logged (status "executed").  Killed in between:
 *      `destroy execute` again finishes it (each step is idempotent).
 * So no record is ever half-destroyed, none is destroyed without its
 * register, and no register names a record still readable. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_destroy.h"
#include "catalog/catalog_packs.h"
#include "catalog/catalog_subjects.h"
#include "check/check_internal.h"
#include "crypto/crypto.h"
#include "custody/check.h"
#include "custody/destroy.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/hold.h"
#include "custody/import.h"
#include "custody/record.h"
#include "custody/retention.h"
#include "custody/search.h"
#include "custody/subject.h"
#include "ledger/ledger.h"
#include "vault/vault_holds.h"
#include "vault/vault_recsig.h"
#include "custody/banned.h"

/* In builds with test hooks, CUSTODY_CRASH_AT=NAME kills the process there. */
static void crash_point(const char *name)
{
#ifdef CY_TEST_HOOKS
	const char *at = getenv("CUSTODY_CRASH_AT");
	if (at && !strcmp(at, name))
		raise(SIGKILL);
#else
	(void)name;
#endif
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* ---- signatories (会计档案管理办法 第十八条) ---- */

static const char *const ROLES_ACCOUNTING[] = {"unit-head",
					       "archives-head",
					       "accounting-head",
					       "archives-clerk",
					       "accounting-clerk",
					       "archives-supervisor",
					       "accounting-supervisor",
					       "it-supervisor",
					       NULL};
static const char *const ROLES_OTHER[] = {"proposer", "approver", NULL};

static const struct {
	const char *role, *zh;
} ROLE_ZH[] = {
	{"unit-head", "单位负责人"},
	{"archives-head", "档案管理机构负责人"},
	{"accounting-head", "会计管理机构负责人"},
	{"archives-clerk", "档案管理机构经办人"},
	{"accounting-clerk", "会计管理机构经办人"},
	{"archives-supervisor", "监销人（档案管理机构）"},
	{"accounting-supervisor", "监销人（会计管理机构）"},
	{"it-supervisor", "监销人（信息系统管理机构）"},
	{"proposer", "提议人"},
	{"approver", "批准人"},
};

const char *const *cy_destroy_roles(const char *kind)
{
	return kind && !strcmp(kind, "accounting") ? ROLES_ACCOUNTING : ROLES_OTHER;
}

const char *cy_destroy_role_zh(const char *role)
{
	for (size_t i = 0; i < sizeof(ROLE_ZH) / sizeof(ROLE_ZH[0]); i++)
		if (!strcmp(ROLE_ZH[i].role, role))
			return ROLE_ZH[i].zh;
	return "";
}

/* Role i of a batch's comma-separated list into out (32 bytes): false
 * after the last. */
static bool role_at(const char *roles, size_t i, char out[32])
{
	const char *p = roles;

	for (; i && *p; p++)
		if (*p == ',')
			i--;
	if (!*p || i)
		return false;
	snprintf(out, 32, "%.*s", (int)strcspn(p, ","), p);
	return *out != 0;
}

static bool role_of(const char *roles, const char *role)
{
	char r[32];

	for (size_t i = 0; role_at(roles, i, r); i++)
		if (!strcmp(r, role))
			return true;
	return false;
}

/* The roles a new batch of this kind needs: the retention pack's
 * ("signatories"), else custody's own (cy_destroy_roles). */
static int batch_roles(const char *kind, char out[400])
{
	cy_retention_pack *p = NULL;
	const char *r;
	size_t n = 0;
	int rc = cy_retention_load(NULL, &p);

	*out = 0;
	if (rc)
		return rc;
	for (size_t i = 0; (r = cy_retention_signatory(p, kind, i)); i++)
		n += (size_t)snprintf(out + n, 400 - n, "%s%s", i ? "," : "", r);
	if (!*out)
		for (const char *const *d = cy_destroy_roles(kind); *d; d++)
			n += (size_t)snprintf(out + n, 400 - n, "%s%s", n ? "," : "", *d);
	cy_retention_free(p);
	return 0;
}

/* ---- due dates ---- */

static void today(char out[11])
{
	char now[21];

	cy_vault__now(now);
	memcpy(out, now, 10);
	out[10] = 0;
}

/* When a record may go under its retention code: the period runs from the
 * day after its (calendar) fiscal year ends (第十四条).  Permanent: never. */
static int item_due(const char *archive_no, const char *retention, int64_t year, char rule[48],
		    char trigger[11], char due[11])
{
	char *end;
	long n;

	if (!strcmp(retention, "Y"))
		return cy_error_set(CY_EPERM,
				    "record %s is kept permanently (retention Y): it is never "
				    "destroyed",
				    archive_no);
	n = retention[0] == 'D' ? strtol(retention + 1, &end, 10) : 0;
	if (n <= 0 || n > 200 || *end || year < 1000 || year > 9000)
		return cy_error_set(CY_EINVALID, "record %s: retention '%s' names no period",
				    archive_no, retention);
	snprintf(rule, 48, "retention-code");
	snprintf(trigger, 11, "%04d-01-01", (int)year + 1);
	snprintf(due, 11, "%04d-01-01", (int)(year + 1 + n));
	return 0;
}

/* What the retention rules say of each record of a fonds (retention.h):
 * the rule, its trigger and due date, its action, whether its period is a
 * legal minimum; sorted by archive number. */
typedef struct placed {
	char archive_no[64];
	char rule[CY_RETENTION_ID_MAX + 1];
	char trigger[16], due[16], period_text[80], waiting[96];
	char action[16];
	char klass[16];
	int period;
	bool minimum;
} placed;

typedef struct placements {
	placed *v;
	size_t n, cap;
} placements;

static int place_one(void *arg, const cy_record_info *r, const cy_retention_result *res)
{
	placements *p = arg;
	placed *o;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		placed *nv = realloc(p->v, cap * sizeof(*nv));
		if (!nv)
			return cy_error_set(CY_ENOMEM, "out of memory");
		p->v = nv;
		p->cap = cap;
	}
	o = &p->v[p->n++];
	memset(o, 0, sizeof(*o));
	snprintf(o->archive_no, sizeof(o->archive_no), "%s", r->archive_no);
	snprintf(o->rule, sizeof(o->rule), "%s", res->rule);
	snprintf(o->trigger, sizeof(o->trigger), "%s", res->trigger);
	snprintf(o->due, sizeof(o->due), "%s", res->due);
	snprintf(o->period_text, sizeof(o->period_text), "%s", res->period_text);
	snprintf(o->waiting, sizeof(o->waiting), "%s", res->waiting);
	snprintf(o->action, sizeof(o->action), "%s", res->action ? res->action : "");
	snprintf(o->klass, sizeof(o->klass), "%s", r->class_name);
	o->period = res->period;
	o->minimum = res->minimum;
	return 0;
}

static int cmp_placed(const void *a, const void *b)
{
	return strcmp(((const placed *)a)->archive_no, ((const placed *)b)->archive_no);
}

/* The active rule pack (with the ledger's overrides) over fonds `code`. */
static int place_fonds(cy_vault *v, const char *code, placements *out)
{
	cy_retention_pack *p = NULL;
	int rc = cy_retention_load(NULL, &p);

	memset(out, 0, sizeof(*out));
	rc = rc ? rc : cy_retention_each(v, p, code, place_one, out);
	cy_retention_free(p);
	if (!rc && out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_placed);
	return rc;
}

static const placed *placed_find(const placements *p, const char *no)
{
	placed key;

	if (!p->n)
		return NULL;
	snprintf(key.archive_no, sizeof(key.archive_no), "%s", no);
	return bsearch(&key, p->v, p->n, sizeof(*p->v), cmp_placed);
}

/* When record `no` may be destroyed: its rule's due date, or its own
 * retention code's when that is later (a period the archivist chose longer
 * than the rule's is kept: 第十五条 makes the table's periods minimums).  A
 * refusal names the rule and what is missing. */
static int item_when(const placements *pl, const char *no, const char *retention, int64_t year,
		     const char *day, char rule[48], char trigger[11], char due[11])
{
	const placed *p = placed_find(pl, no);
	char crule[48], ctrig[11], cdue[11];

	if (!strcmp(retention, "Y"))
		return cy_error_set(CY_EPERM,
				    "record %s is kept permanently (retention Y): it is never "
				    "destroyed",
				    no);
	if (!p)
		return cy_error_set(CY_EINVALID,
				    "record %s: the retention rules give it no period (custody "
				    "retention rules)",
				    no);
	if (p->period == CY_RETENTION_PERMANENT)
		return cy_error_set(CY_EPERM,
				    "record %s is kept permanently under rule %s: it is never "
				    "destroyed",
				    no, p->rule);
	if (!*p->due)
		return cy_error_set(CY_EPERM, "record %s is not due for destruction: %s (rule %s)",
				    no, *p->waiting ? p->waiting : "its period has not begun",
				    p->rule);
	if (!strcmp(p->action, "store-only"))
		return cy_error_set(CY_EPERM,
				    "record %s: rule %s keeps it store-only at the end of its "
				    "period; it is not destroyed",
				    no, p->rule);
	snprintf(rule, 48, "%s", p->rule);
	snprintf(trigger, 11, "%.10s", p->trigger);
	snprintf(due, 11, "%.10s", p->due);
	if (!item_due(no, retention, year, crule, ctrig, cdue) && strcmp(cdue, due) > 0) {
		snprintf(rule, 48, "%s", crule);
		snprintf(trigger, 11, "%s", ctrig);
		snprintf(due, 11, "%s", cdue);
	}
	cy_error_clear();
	if (strcmp(due, day) > 0)
		return cy_error_set(CY_EPERM,
				    "record %s is not due for destruction until %s (rule %s: %s "
				    "from %s)",
				    no, due, rule, p->period_text, trigger);
	return 0;
}

/* ---- the batch's hash ---- */

static int put_str(cy_buf *b, const char *s)
{
	size_t n = strlen(s);
	int rc = cy_buf_put_u32be(b, (uint32_t)n);
	return rc ? rc : cy_buf_put(b, s, n);
}

typedef struct hash_ctx {
	cy_buf enc;
	uint64_t n;
	int rc;
} hash_ctx;

static int hash_item(void *arg, const cy_catalog_ditem *it)
{
	hash_ctx *h = arg;
	int rc = put_str(&h->enc, it->archive_no);

	rc = rc ? rc : cy_buf_put_u32be(&h->enc, (uint32_t)it->digest_len);
	rc = rc ? rc : cy_buf_put(&h->enc, it->digest, it->digest_len);
	rc = rc ? rc : put_str(&h->enc, it->due);
	h->n++;
	return rc;
}

/* SHA-256 of "custody/destroy-batch/v1" 00 vault id 00 fonds code 00
 * u64 batch id, str kind, u64 count, then the items' encoding (by record
 * id: str archive number, blob digest, str due; docs/formats/
 * destruction-register.md). */
static int hash_finish(const char *vault_id, const char *code, int64_t batch, const char *kind,
		       uint64_t n, const cy_buf *enc, uint8_t out[32])
{
	cy_buf all = CY_BUF_INIT;
	int rc = cy_buf_put(&all, "custody/destroy-batch/v1", 24);

	rc = rc ? rc : cy_buf_putc(&all, 0);
	rc = rc ? rc : cy_buf_puts(&all, vault_id);
	rc = rc ? rc : cy_buf_putc(&all, 0);
	rc = rc ? rc : cy_buf_puts(&all, code);
	rc = rc ? rc : cy_buf_putc(&all, 0);
	rc = rc ? rc : cy_buf_put_u64be(&all, (uint64_t)batch);
	rc = rc ? rc : put_str(&all, kind);
	rc = rc ? rc : cy_buf_put_u64be(&all, n);
	rc = rc ? rc : cy_buf_put(&all, enc->ptr, enc->len);
	if (!rc)
		cy_sha256(all.ptr, all.len, out);
	cy_buf_release(&all);
	return rc;
}

int cy_destroy_batch_hash(const char *vault_id, const char *code, int64_t batch, const char *kind,
			  const cy_destroy_hash_item *items, size_t n, uint8_t out[32])
{
	hash_ctx h = {CY_BUF_INIT, 0, 0};
	int rc = 0;

	for (size_t i = 0; !rc && i < n; i++)
		rc = hash_item(&h, &(cy_catalog_ditem){.archive_no = items[i].archive_no,
						       .digest = items[i].digest,
						       .digest_len = items[i].digest_len,
						       .due = items[i].due});
	rc = rc ? rc : hash_finish(vault_id, code, batch, kind, h.n, &h.enc, out);
	cy_buf_release(&h.enc);
	return rc;
}

static int batch_hash(cy_vault *v, int64_t batch, const char *code, const char *kind,
		      uint8_t out[32])
{
	hash_ctx h = {CY_BUF_INIT, 0, 0};
	int rc = cy_catalog_ditem_each(v->cat, batch, hash_item, &h);

	rc = rc ? rc : hash_finish(v->vault_id, code, batch, kind, h.n, &h.enc, out);
	cy_buf_release(&h.enc);
	return rc;
}

/* ---- loading a batch ---- */

typedef struct batch {
	int64_t id, fonds_id, proposed_by;
	char kind[16], status[16], code[8];
	uint8_t hash[32];
	int hash_ok;
	char proposed[21], reconciled[21], executed[21];
	uint64_t seq, reconcile_seq, execute_seq;
	char *reg;
	uint8_t reg_sig[64];
	int has_sig;
	int found;
	char reason[16]; /* erasure: art47-N */
	char roles[400]; /* the signatory roles it needs, comma-separated */
} batch;

static int take_batch(void *arg, const cy_catalog_dbatch *b)
{
	batch *o = arg;

	o->found = 1;
	o->id = b->id;
	o->fonds_id = b->fonds_id;
	o->proposed_by = b->proposed_by;
	snprintf(o->kind, sizeof(o->kind), "%s", b->kind);
	snprintf(o->status, sizeof(o->status), "%s", b->status);
	o->hash_ok = b->hash_len == 32;
	if (o->hash_ok)
		memcpy(o->hash, b->hash, 32);
	snprintf(o->proposed, sizeof(o->proposed), "%s", b->proposed);
	snprintf(o->reconciled, sizeof(o->reconciled), "%s", b->reconciled);
	snprintf(o->executed, sizeof(o->executed), "%s", b->executed);
	o->seq = b->seq;
	o->reconcile_seq = b->reconcile_seq;
	o->execute_seq = b->execute_seq;
	free(o->reg);
	o->reg = *b->reg ? strdup(b->reg) : NULL;
	if (*b->reg && !o->reg)
		return cy_error_set(CY_ENOMEM, "out of memory");
	snprintf(o->reason, sizeof(o->reason), "%s", b->reason);
	snprintf(o->roles, sizeof(o->roles), "%s", b->roles);
	o->has_sig = b->reg_sig_len == 64;
	if (o->has_sig)
		memcpy(o->reg_sig, b->reg_sig, 64);
	return 0;
}

static int code_of(void *arg, const cy_catalog_fonds_sign *f)
{
	snprintf(arg, 8, "%s", f->code);
	return 0;
}

static int load_batch(cy_vault *v, int64_t id, batch *b)
{
	int rc;

	memset(b, 0, sizeof(*b));
	rc = cy_catalog_dbatch_each(v->cat, id, take_batch, b);
	if (!rc && !b->found)
		rc = cy_error_set(CY_ENOTFOUND, "no destruction batch %lld (custody destroy list)",
				  (long long)id);
	rc = rc ? rc : cy_catalog_fonds_sign_each(v->cat, b->fonds_id, code_of, b->code);
	return rc;
}

static void batch_release(batch *b)
{
	free(b->reg);
	b->reg = NULL;
}

/* The ledger entry at seq, as a string (cleared first). */
static int entry_at(cy_vault *v, uint64_t seq, cy_buf *e)
{
	int rc;

	cy_buf_clear(e);
	if (!seq)
		return CY_ENOTFOUND;
	rc = cy_catalog_ledger_entry_get(v->cat, seq, e);
	return rc ? rc : cy_buf_putc(e, 0) ? CY_ENOMEM : (e->len--, 0);
}

static bool has(const cy_buf *e, const char *needle)
{
	return e->len && strstr((const char *)e->ptr, needle) != NULL;
}

/* Whether the entry at seq is `action` of this batch with its hash, made by
 * actor (NULL: anyone), and (role non-NULL) for that role. */
static int entry_is(cy_vault *v, uint64_t seq, const char *action, const batch *b, int64_t actor,
		    const char *role)
{
	cy_buf e = CY_BUF_INIT;
	char want[160], hex[65];
	int rc = entry_at(v, seq, &e), ok = 0;

	if (rc == CY_ENOTFOUND) {
		cy_buf_release(&e);
		return 0;
	}
	if (rc)
		goto out;
	cy_hex_encode(b->hash, 32, hex);
	snprintf(want, sizeof(want), "\"action\":\"%s\"", action);
	ok = has(&e, want);
	snprintf(want, sizeof(want), "\"targets\":[\"%lld\"", (long long)b->id);
	ok = ok && has(&e, want);
	snprintf(want, sizeof(want), "\"hash\":\"%s\"", hex);
	ok = ok && has(&e, want);
	if (actor) {
		snprintf(want, sizeof(want), "\"actor\":\"u%lld\"", (long long)actor);
		ok = ok && has(&e, want);
	}
	if (role) {
		snprintf(want, sizeof(want), "\"role\":\"%s\"", role);
		ok = ok && has(&e, want);
	}
	rc = ok;
out:
	cy_buf_release(&e);
	return rc;
}

/* The batch's roles as its destroy.propose entry names them. */
static int entry_has_roles(cy_vault *v, const batch *b)
{
	cy_buf e = CY_BUF_INIT, want = CY_BUF_INIT;
	int rc = entry_at(v, b->seq, &e);

	if (!rc) {
		cy_buf_puts(&want, "\"roles\":");
		cy_json_cstr(&want, b->roles);
		rc = cy_buf_failed(&want) ? CY_ENOMEM : has(&e, cy_buf_cstr(&want));
	}
	cy_buf_release(&e);
	cy_buf_release(&want);
	return rc == CY_ENOTFOUND ? 0 : rc;
}

/* The batch's items, as the ledger bound them: the recomputed hash must be
 * the one in the destroy.propose entry. */
static int verify_items(cy_vault *v, const batch *b)
{
	uint8_t h[32];
	int rc = batch_hash(v, b->id, b->code, b->kind, h);

	if (rc)
		return rc;
	if (!b->hash_ok || !cy_memeq(h, b->hash, 32) || !*b->roles ||
	    (rc = entry_is(v, b->seq, "destroy.propose", b, b->proposed_by, NULL)) == 0 ||
	    (rc = entry_has_roles(v, b)) == 0)
		return cy_error_set(CY_ECORRUPT,
				    "destruction batch %lld does not match its destroy.propose "
				    "ledger entry: the catalog was edited (run custody check)",
				    (long long)b->id);
	return rc < 0 ? rc : 0;
}

/* ---- signatures ---- */

typedef struct sigs {
	cy_vault *v;
	const batch *b;
	struct {
		char role[32];
		int64_t user;
		char at[21];
		uint64_t seq;
		int ok;
	} s[16];
	size_t n;
	int rc;
} sigs;

static int take_sig(void *arg, const cy_catalog_dsig *g)
{
	sigs *s = arg;

	if (s->n >= sizeof(s->s) / sizeof(s->s[0]))
		return 0;
	snprintf(s->s[s->n].role, sizeof(s->s[s->n].role), "%s", g->role);
	s->s[s->n].user = g->user_id;
	snprintf(s->s[s->n].at, sizeof(s->s[s->n].at), "%s", g->at);
	s->s[s->n].seq = g->seq;
	s->n++;
	return 0;
}

/* The batch's signature rows, each checked against its destroy.sign entry. */
static int load_sigs(cy_vault *v, const batch *b, sigs *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->v = v;
	s->b = b;
	rc = cy_catalog_dsig_each(v->cat, b->id, take_sig, s);
	for (size_t i = 0; !rc && i < s->n; i++) {
		int ok = entry_is(v, s->s[i].seq, "destroy.sign", b, s->s[i].user, s->s[i].role);
		if (ok < 0)
			return ok;
		s->s[i].ok = ok && role_of(b->roles, s->s[i].role);
	}
	return rc;
}

static bool signed_role(const sigs *s, const char *role)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->s[i].ok && !strcmp(s->s[i].role, role))
			return true;
	return false;
}

typedef struct uname {
	int64_t id;
	char *out;
} uname;

static int take_name(void *arg, const cy_catalog_user *u)
{
	uname *n = arg;

	if (u->id == n->id)
		snprintf(n->out, 64, "%s", u->name);
	return 0;
}

static void user_name(cy_vault *v, int64_t id, char out[64])
{
	uname n = {id, out};

	snprintf(out, 64, "u%lld", (long long)id);
	if (cy_catalog_user_list(v->cat, take_name, &n))
		cy_error_clear();
}

/* ---- propose ---- */

typedef struct rowinfo {
	int64_t id, fonds_id, year, item;
	char klass[16], retention[8], status[16], created[21], archive_no[64], org[8];
	uint8_t digest[32];
	int digest_ok;
	int64_t subjects[64];
	size_t nsubjects;
	int found;
} rowinfo;

static int take_row(void *arg, const cy_catalog_recsig_row *r)
{
	rowinfo *o = arg;

	o->found = 1;
	o->id = r->id;
	o->fonds_id = r->fonds_id;
	o->year = r->year;
	snprintf(o->klass, sizeof(o->klass), "%s", r->klass);
	snprintf(o->retention, sizeof(o->retention), "%s", r->retention);
	snprintf(o->org, sizeof(o->org), "%s", r->org);
	o->item = r->item;
	snprintf(o->status, sizeof(o->status), "%s", r->status);
	snprintf(o->created, sizeof(o->created), "%s", r->created);
	snprintf(o->archive_no, sizeof(o->archive_no), "%s", r->archive_no);
	o->digest_ok = r->digest_len == 32;
	if (o->digest_ok)
		memcpy(o->digest, r->digest, 32);
	o->nsubjects = 0;
	for (size_t i = 0; i < r->nsubjects && o->nsubjects < 64; i++)
		o->subjects[o->nsubjects++] = r->subjects[i];
	for (size_t i = 0; i < r->nobjs && o->nsubjects < 64; i++)
		if (r->objs[i].owner)
			o->subjects[o->nsubjects++] = r->objs[i].owner;
	return 0;
}

static int row_by_id(cy_vault *v, int64_t id, rowinfo *o)
{
	memset(o, 0, sizeof(*o));
	return cy_catalog_recsig_each(v->cat, 0, id, id, 0, take_row, o);
}

typedef struct open_ctx {
	cy_vault *v;
	int64_t in_batch;
	int destroyed;
	char executed[21];
} open_ctx;

static int open_item(void *arg, const cy_catalog_ditem *it)
{
	open_ctx *o = arg;
	batch b;
	int rc = load_batch(o->v, it->batch_id, &b);

	if (!rc && !strcmp(b.status, "proposed") && !o->in_batch)
		o->in_batch = b.id;
	if (!rc && strcmp(b.status, "proposed") && !o->destroyed) {
		o->destroyed = 1;
		snprintf(o->executed, sizeof(o->executed), "%s", b.executed);
		if (!o->in_batch)
			o->in_batch = b.id;
	}
	batch_release(&b);
	return rc;
}

int cy_destroy_lookup(cy_vault *v, const char *archive_no, int64_t *batch_id, char executed[21])
{
	open_ctx o = {v, 0, 0, ""};
	int rc = cy_catalog_ditem_by_no(v->cat, archive_no, open_item, &o);

	if (rc)
		return rc;
	if (!o.destroyed)
		return 0;
	*batch_id = o.in_batch;
	snprintf(executed, 21, "%s", o.executed);
	return 1;
}

typedef struct propose_opts {
	const char *reason;  /* erasure: art47-N (PIPL Art. 47); NULL: by retention */
	const char *request; /* erasure: the request's reference (only its hash is logged) */
	int64_t appraisal;   /* the appraisal that decided these records go, or 0 */
} propose_opts;

static int propose(cy_vault *v, const char *const *nos, size_t n, const propose_opts *po,
		   int64_t *batch_id);

int cy_destroy_propose(cy_vault *v, const char *const *nos, size_t n, int64_t *batch_id)
{
	propose_opts po = {NULL, NULL, 0};

	return propose(v, nos, n, &po, batch_id);
}

typedef struct appr_ctx {
	cy_buf text;
	size_t n;
} appr_ctx;

static int appr_item(void *arg, const cy_appraisal_item *it)
{
	appr_ctx *a = arg;

	if (strcmp(it->decision, "destroy"))
		return 0;
	a->n++;
	return cy_buf_put(&a->text, it->archive_no, strlen(it->archive_no) + 1);
}

int cy_destroy_propose_appraisal(cy_vault *v, int64_t appraisal, int64_t *batch_id)
{
	appr_ctx a = {CY_BUF_INIT, 0};
	const char **nos = NULL;
	propose_opts po = {NULL, NULL, appraisal};
	int rc = cy_appraisal_items(v, appraisal, appr_item, &a);

	*batch_id = 0;
	if (!rc && !a.n)
		rc = cy_error_set(CY_ENOTFOUND,
				  "appraisal %lld decided to destroy no record: nothing to propose",
				  (long long)appraisal);
	if (!rc && !(nos = calloc(a.n, sizeof(*nos))))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	for (size_t i = 0, off = 0; !rc && i < a.n; i++) {
		nos[i] = (const char *)a.text.ptr + off;
		off += strlen(nos[i]) + 1;
	}
	rc = rc ? rc : propose(v, nos, a.n, &po, batch_id);
	free(nos);
	cy_buf_release(&a.text);
	return rc;
}

static int propose(cy_vault *v, const char *const *nos, size_t n, const propose_opts *po,
		   int64_t *batch_id)
{
	cy_catalog_ditem *items = NULL;
	cy_fonds_key *k = NULL;
	cy_ledger_entry e;
	char now[21], day[11], hex[65], idtxt[24], reqhex[33];
	cy_holds_view *hv = NULL;
	placements pl = {NULL, 0, 0};
	bool pl_done = false;
	char roles[400];
	const char *kind = "other";
	uint8_t h[32];
	int64_t id = 0;
	bool accounting = false;
	int rc = 0;
	struct itemtxt {
		char no[64], klass[16], retention[8], org[8], rule[48], trigger[11], due[11],
			created[21];
		uint8_t digest[32];
	} *t = NULL;

	*batch_id = 0;
	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("propose destructions"))))
		return rc;
	if (!n)
		return cy_error_set(CY_EINVALID, "name at least one record to destroy");
	if (!(items = calloc(n, sizeof(*items))) || !(t = calloc(n, sizeof(*t)))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	cy_vault__now(now);
	today(day);
	for (size_t i = 0; !rc && i < n; i++) {
		char no[64];
		int64_t rid = 0, sb = 0, dbatch = 0;
		char when[21];
		rowinfo r;

		if (cy_archive_no_normalize(nos[i], no, sizeof(no)))
			snprintf(no, sizeof(no), "%s", nos[i]);
		rc = cy_catalog_record_batch_of(v->cat, no, &rid, &sb);
		if (rc == 0) {
			rc = cy_destroy_lookup(v, no, &dbatch, when);
			if (rc == 1)
				rc = cy_error_set(CY_ENOTFOUND,
						  "record %s was destroyed already (batch %lld, %s)",
						  no, (long long)dbatch, when);
			else if (rc == 0)
				rc = cy_error_set(CY_ENOTFOUND, "no record '%s'", no);
			break;
		}
		if (rc < 0 || (rc = row_by_id(v, rid, &r)))
			break;
		if (!k) {
			if (!(k = cy_vault__fonds_key_by_id(v, r.fonds_id))) {
				rc = cy_error_set(CY_EPERM, "user '%s' holds no key for record %s",
						  v->user, no);
				break;
			}
		} else if (k->fonds_id != r.fonds_id) {
			rc = cy_error_set(CY_EINVALID,
					  "records %s and %s are of different fonds: a destruction "
					  "batch holds the records of one fonds",
					  t[0].no, no);
			break;
		}
		{
			int64_t hold = 0;
			if (!hv && (rc = cy_vault__holds_load(v, &hv)))
				break;
			if ((rc = cy_vault__holds_covers(v, hv, rid, &hold)))
				break;
			if (hold) {
				rc = cy_error_set(
					CY_EPERM,
					"record %s is on hold h%lld (custody hold list): it "
					"cannot enter a destruction batch",
					no, (long long)hold);
				break;
			}
		}
		if (!strcmp(r.status, "destroyed") || !strcmp(r.status, "transferred")) {
			rc = cy_error_set(CY_EINVALID, "record %s is %s", no, r.status);
			break;
		}
		{
			open_ctx o = {v, 0, 0, ""};
			if ((rc = cy_catalog_ditem_by_no(v->cat, r.archive_no, open_item, &o)))
				break;
			if (o.in_batch && !o.destroyed) {
				rc = cy_error_set(CY_EEXISTS,
						  "record %s is already in destruction batch %lld",
						  no, (long long)o.in_batch);
				break;
			}
		}
		snprintf(t[i].no, sizeof(t[i].no), "%s", r.archive_no);
		snprintf(t[i].klass, sizeof(t[i].klass), "%s", r.klass);
		snprintf(t[i].retention, sizeof(t[i].retention), "%s", r.retention);
		snprintf(t[i].created, sizeof(t[i].created), "%s", r.created);
		snprintf(t[i].org, sizeof(t[i].org), "%s", r.org);
		if (po->reason) {
			/* erasure: due now, by the customer's request (PIPL Art. 47) */
			snprintf(t[i].rule, sizeof(t[i].rule), "pipl-%s", po->reason);
			snprintf(t[i].trigger, sizeof(t[i].trigger), "%s", day);
			snprintf(t[i].due, sizeof(t[i].due), "%s", day);
		} else {
			if (!pl_done && (rc = place_fonds(v, k->code, &pl)))
				break;
			pl_done = true;
			if ((rc = item_when(&pl, r.archive_no, r.retention, r.year, day, t[i].rule,
					    t[i].trigger, t[i].due)))
				break;
		}
		if (!r.digest_ok) {
			rc = cy_error_set(CY_ECORRUPT,
					  "record %s is not signed (run custody check)", no);
			break;
		}
		memcpy(t[i].digest, r.digest, 32);
		accounting = accounting || !strcmp(r.klass, "accounting");
		items[i] = (cy_catalog_ditem){.record_id = rid,
					      .archive_no = t[i].no,
					      .klass = t[i].klass,
					      .year = r.year,
					      .retention = t[i].retention,
					      .org = t[i].org,
					      .item = r.item,
					      .rule = t[i].rule,
					      .trigger = t[i].trigger,
					      .due = t[i].due,
					      .created = t[i].created,
					      .digest = t[i].digest,
					      .digest_len = 32};
	}
	if (rc)
		goto out;
	kind = po->reason ? "erasure" : accounting ? "accounting" : "other";
	if ((rc = batch_roles(kind, roles)))
		goto out;
	/* each as its archivist signed it: one pass per signed batch */
	{
		int64_t *ids = malloc(n * sizeof(*ids));
		if (!ids) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			ids[i] = items[i].record_id;
		qsort(ids, n, sizeof(*ids), cmp_i64);
		for (size_t i = 1; !rc && i < n; i++)
			for (size_t j = 0; ids[i] == ids[i - 1] && j < n; j++)
				if (items[j].record_id == ids[i]) {
					rc = cy_error_set(CY_EINVALID, "record %s is named twice",
							  t[j].no);
					break;
				}
		rc = rc ? rc : cy_vault__records_verify(v, k, ids, n);
		free(ids);
		if (rc)
			goto out;
	}
	if ((rc = cy_vault__begin(v)))
		goto out;
	{
		cy_catalog_dbatch b = {.fonds_id = k->fonds_id,
				       .kind = kind,
				       .roles = roles,
				       .reason = po->reason,
				       .appraisal_id = po->appraisal,
				       .status = "proposed",
				       .hash = h,
				       .hash_len = 32,
				       .proposed_by = v->user_id,
				       .proposed = now};
		memset(h, 0, sizeof(h));
		rc = cy_catalog_dbatch_insert(v->cat, &b, &id);
	}
	for (size_t i = 0; !rc && i < n; i++) {
		items[i].batch_id = id;
		rc = cy_catalog_ditem_insert(v->cat, &items[i]);
	}
	rc = rc ? rc : batch_hash(v, id, k->code, kind, h);
	if (!rc) {
		cy_hex_encode(h, 32, hex);
		snprintf(idtxt, sizeof(idtxt), "%lld", (long long)id);
		memset(&e, 0, sizeof(e));
		e.action = "destroy.propose";
		e.targets[e.ntargets++] = idtxt;
		e.targets[e.ntargets++] = k->code;
		e.details[e.ndetails++] = (cy_ledger_detail){"hash", hex, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"kind", kind, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"roles", roles, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"records", NULL, (int64_t)n};
		if (po->reason)
			e.details[e.ndetails++] = (cy_ledger_detail){"reason", po->reason, 0};
		if (po->appraisal)
			e.details[e.ndetails++] = (cy_ledger_detail){"appraisal", NULL,
								     po->appraisal};
		if (po->request && *po->request) {
			uint8_t rh[32];
			cy_sha256(po->request, strlen(po->request), rh);
			cy_hex_encode(rh, 16, reqhex);
			e.details[e.ndetails++] = (cy_ledger_detail){"request", reqhex, 0};
		}
		rc = cy_vault__log(v, &e);
	}
	rc = rc ? rc : cy_catalog_dbatch_set_seq(v->cat, id, e.seq, h, 32);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	else
		*batch_id = id;
out:
	cy_vault__holds_free(hv);
	free(pl.v);
	free(items);
	free(t);
	return rc;
}

/* ---- sign ---- */

int cy_destroy_sign(cy_vault *v, int64_t id, const char *role)
{
	cy_ledger_entry e;
	char hex[65], idtxt[24], now[21], who[64];
	batch b;
	sigs s;
	int rc;

	if ((rc = load_batch(v, id, &b)))
		return rc;
	if (strcmp(b.status, "proposed")) {
		rc = cy_error_set(CY_EINVALID, "destruction batch %lld is %s: nothing to sign",
				  (long long)id, b.status);
		goto out;
	}
	if (!role_of(b.roles, role)) {
		rc = cy_error_set(
			CY_EINVALID,
			"'%s' is not a signatory of batch %lld (%s records); the roles are: "
			"%s",
			role, (long long)id, b.kind, b.roles);
		goto out;
	}
	if ((rc = verify_items(v, &b)) || (rc = load_sigs(v, &b, &s)))
		goto out;
	for (size_t i = 0; i < s.n; i++) {
		if (!strcmp(s.s[i].role, role)) {
			user_name(v, s.s[i].user, who);
			rc = cy_error_set(CY_EEXISTS, "role %s of batch %lld was signed by %s",
					  role, (long long)id, who);
			goto out;
		}
		if (s.s[i].user == v->user_id) {
			rc = cy_error_set(CY_EPERM,
					  "you signed batch %lld as %s already: one person signs "
					  "one role",
					  (long long)id, s.s[i].role);
			goto out;
		}
	}
	if (!strcmp(role, "proposer") && v->user_id != b.proposed_by) {
		rc = cy_error_set(CY_EPERM, "only the proposer signs as proposer");
		goto out;
	}
	if (!strcmp(role, "approver") && v->user_id == b.proposed_by) {
		rc = cy_error_set(CY_EPERM,
				  "the proposer cannot approve their own batch: a second person "
				  "signs as approver");
		goto out;
	}
	cy_hex_encode(b.hash, 32, hex);
	snprintf(idtxt, sizeof(idtxt), "%lld", (long long)id);
	cy_vault__now(now);
	if ((rc = cy_vault__begin(v)))
		goto out;
	memset(&e, 0, sizeof(e));
	e.action = "destroy.sign";
	e.targets[e.ntargets++] = idtxt;
	e.targets[e.ntargets++] = b.code;
	e.details[e.ndetails++] = (cy_ledger_detail){"hash", hex, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"role", role, 0};
	rc = cy_vault__log(v, &e);
	if (!rc) {
		cy_catalog_dsig g = {id, v->user_id, role, now, e.seq};
		rc = cy_catalog_dsig_insert(v->cat, &g);
	}
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	batch_release(&b);
	return rc;
}

/* ---- reconcile ---- */

typedef struct items {
	cy_catalog_ditem *v;
	char (*no)[64];
	uint8_t (*digest)[32];
	size_t n, cap;
} items;

static int take_item(void *arg, const cy_catalog_ditem *it)
{
	items *s = arg;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		void *a = realloc(s->v, cap * sizeof(*s->v));
		if (!a)
			return cy_error_set(CY_ENOMEM, "out of memory");
		s->v = a;
		if (!(a = realloc(s->no, cap * sizeof(*s->no))))
			return cy_error_set(CY_ENOMEM, "out of memory");
		s->no = a;
		if (!(a = realloc(s->digest, cap * sizeof(*s->digest))))
			return cy_error_set(CY_ENOMEM, "out of memory");
		s->digest = a;
		s->cap = cap;
	}
	s->v[s->n] = *it;
	snprintf(s->no[s->n], 64, "%s", it->archive_no);
	s->v[s->n].archive_no = NULL; /* borrowed: use no[] */
	memset(s->digest[s->n], 0, 32);
	if (it->digest_len == 32)
		memcpy(s->digest[s->n], it->digest, 32);
	/* the text fields are not kept (register() reads them again) */
	s->v[s->n].klass = s->v[s->n].retention = s->v[s->n].rule = NULL;
	s->v[s->n].trigger = s->v[s->n].due = s->v[s->n].created = NULL;
	s->v[s->n].digest = NULL;
	s->n++;
	return 0;
}

static void items_release(items *s)
{
	free(s->v);
	free(s->no);
	free(s->digest);
}

/* Record i of the batch is there, as the batch recorded it and as signed. */
static int present_as_recorded(cy_vault *v, const items *s, size_t i, rowinfo *r)
{
	int64_t rid = 0, sb = 0;
	int rc = cy_catalog_record_batch_of(v->cat, s->no[i], &rid, &sb);

	if (rc < 0)
		return rc;
	if (rc == 0 || rid != s->v[i].record_id)
		return cy_error_set(CY_ENOTFOUND, "record %s is not in the vault any more",
				    s->no[i]);
	if ((rc = row_by_id(v, rid, r)))
		return rc;
	if (!r->digest_ok || !cy_memeq(r->digest, s->digest[i], 32))
		return cy_error_set(CY_ECORRUPT,
				    "record %s changed after the batch was proposed (propose a new "
				    "batch)",
				    s->no[i]);
	return 0; /* its signature: cy_vault__records_verify, once per signed batch */
}

int cy_destroy_reconcile(cy_vault *v, int64_t id, cy_progress_fn progress, void *parg)
{
	cy_ledger_entry e;
	cy_progress pr = {0};
	char hex[65], idtxt[24], now[21];
	items s = {0};
	batch b;
	size_t bad = 0;
	cy_buf first = CY_BUF_INIT;
	int rc;

	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("reconcile destruction batches"))))
		return rc;
	if ((rc = load_batch(v, id, &b)))
		return rc;
	if (strcmp(b.status, "proposed")) {
		rc = cy_error_set(CY_EINVALID, "destruction batch %lld is %s already",
				  (long long)id, b.status);
		goto out;
	}
	if (!cy_vault__fonds_key_by_id(v, b.fonds_id)) {
		rc = cy_vault__no_key_error(v, b.code);
		goto out;
	}
	if ((rc = verify_items(v, &b)) || (rc = cy_catalog_ditem_each(v->cat, id, take_item, &s)))
		goto out;
	pr.files_total = s.n;
	for (size_t i = 0; i < s.n; i++) {
		rowinfo r;
		int one = present_as_recorded(v, &s, i, &r);
		if (one == 0)
			one = cy_check__record(v, s.v[i].record_id);
		if (one == CY_ENOMEM) {
			rc = one;
			goto out;
		}
		if (one) {
			if (!bad++)
				cy_buf_puts(&first, cy_error_message());
			cy_error_clear();
		}
		pr.files_done = i + 1;
		pr.current = s.no[i];
		if (progress)
			progress(parg, &pr);
	}
	if (!bad) {
		int64_t *ids = malloc((s.n ? s.n : 1) * sizeof(*ids));
		if (!ids) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < s.n; i++)
			ids[i] = s.v[i].record_id;
		if (cy_vault__records_verify(v, cy_vault__fonds_key_by_id(v, b.fonds_id), ids,
					     s.n)) {
			bad = s.n;
			cy_buf_puts(&first, cy_error_message());
			cy_error_clear();
		}
		free(ids);
	}
	if (bad) {
		rc = cy_error_set(CY_ECORRUPT,
				  "reconciliation of batch %lld failed: %zu of %zu records are not "
				  "present, intact and as recorded; the first: %s",
				  (long long)id, bad, s.n, cy_buf_cstr(&first));
		goto out;
	}
	cy_hex_encode(b.hash, 32, hex);
	snprintf(idtxt, sizeof(idtxt), "%lld", (long long)id);
	cy_vault__now(now);
	if ((rc = cy_vault__begin(v)))
		goto out;
	memset(&e, 0, sizeof(e));
	e.action = "destroy.reconcile";
	e.targets[e.ntargets++] = idtxt;
	e.targets[e.ntargets++] = b.code;
	e.details[e.ndetails++] = (cy_ledger_detail){"hash", hex, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"records", NULL, (int64_t)s.n};
	rc = cy_vault__log(v, &e);
	rc = rc ? rc : cy_catalog_dbatch_reconciled(v->cat, id, now, e.seq);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	cy_buf_release(&first);
	items_release(&s);
	batch_release(&b);
	return rc;
}

/* ---- the register ---- */

typedef struct reg_ctx {
	cy_buf *b;
	const char *day;
	size_t n;
} reg_ctx;

static int reg_item(void *arg, const cy_catalog_ditem *it)
{
	reg_ctx *r = arg;
	cy_buf *b = r->b;
	int kept = (int)strtol(r->day, NULL, 10) - (int)strtol(it->trigger, NULL, 10);

	if (strncmp(r->day + 4, it->trigger + 4, 6) < 0)
		kept--;
	/* keys in byte order: the register is canonical JSON */
	cy_buf_puts(b, r->n++ ? ",{\"archive_no\":" : "{\"archive_no\":");
	cy_json_cstr(b, it->archive_no);
	cy_buf_puts(b, ",\"class\":");
	cy_json_cstr(b, it->klass);
	cy_buf_puts(b, ",\"due\":");
	cy_json_cstr(b, it->due);
	cy_buf_puts(b, ",\"in_custody_since\":");
	cy_json_cstr(b, it->created);
	cy_buf_printf(b, ",\"kept_years\":%d,\"retention\":", kept < 0 ? 0 : kept);
	cy_json_cstr(b, it->retention);
	cy_buf_puts(b, ",\"rule\":");
	cy_json_cstr(b, it->rule);
	cy_buf_puts(b, ",\"trigger\":");
	cy_json_cstr(b, it->trigger);
	cy_buf_printf(b, ",\"year\":%lld}", (long long)it->year);
	return cy_buf_failed(b) ? CY_ENOMEM : 0;
}

static void put_kv(cy_buf *b, const char *key, const char *value)
{
	cy_buf_printf(b, ",\"%s\":", key);
	cy_json_cstr(b, value);
}

/* The register's JSON (compact, keys in byte order at every level: one
 * text for one register) for batch b as executed now, with the ledger head
 * the execution produced (docs/formats/destruction-register.md). */
static int make_register(cy_vault *v, const batch *b, const sigs *s, const char *now, char **out)
{
	cy_buf j = CY_BUF_INIT;
	reg_ctx r = {&j, NULL, 0};
	char day[11], hex[65], who[64], root_hex[65];
	uint8_t root[32];
	size_t nsig = 0;
	int rc;

	*out = NULL;
	memcpy(day, now, 10);
	day[10] = 0;
	r.day = day;
	cy_hex_encode(b->hash, 32, hex);
	cy_frontier_root(&v->fr, root);
	cy_hex_encode(root, 32, root_hex);
	cy_buf_printf(&j, "{\"batch\":%lld,\"custody_register\":1", (long long)b->id);
	put_kv(&j, "executed", now);
	put_kv(&j, "executed_by", v->user);
	put_kv(&j, "fonds", b->code);
	put_kv(&j, "hash", hex);
	put_kv(&j, "kind", b->kind);
	cy_buf_printf(&j, ",\"ledger\":{\"root\":\"%s\",\"size\":%llu}", root_hex,
		      (unsigned long long)v->fr.size);
	put_kv(&j, "method",
	       "crypto-shredding: data keys and subject keys destroyed; packs compacted; "
	       "full-text index rebuilt");
	put_kv(&j, "proposed", b->proposed);
	user_name(v, b->proposed_by, who);
	put_kv(&j, "proposed_by", who);
	if (*b->reason)
		put_kv(&j, "reason", b->reason);
	put_kv(&j, "reconciled", b->reconciled);
	cy_buf_puts(&j, ",\"records\":[");
	rc = cy_catalog_ditem_each(v->cat, b->id, reg_item, &r);
	cy_buf_puts(&j, "],\"signatures\":[");
	for (size_t i = 0; !rc && i < s->n; i++) {
		if (!s->s[i].ok)
			continue;
		user_name(v, s->s[i].user, who);
		cy_buf_puts(&j, nsig++ ? ",{\"at\":" : "{\"at\":");
		cy_json_cstr(&j, s->s[i].at);
		put_kv(&j, "role", s->s[i].role);
		put_kv(&j, "role_zh", cy_destroy_role_zh(s->s[i].role));
		put_kv(&j, "user", who);
		cy_buf_putc(&j, '}');
	}
	cy_buf_puts(&j, "]");
	put_kv(&j, "title", "会计档案销毁清册 / Destruction register");
	put_kv(&j, "vault", v->vault_id);
	cy_buf_putc(&j, '}');
	if (!rc && cy_buf_failed(&j))
		rc = CY_ENOMEM;
	if (!rc)
		*out = cy_buf_detach(&j);
	cy_buf_release(&j);
	return rc;
}

/* "custody/destruction-register/v1" 00 vault id 00 fonds code 00 SHA-256(register) */
static int register_msg(const char *vault_id, const char *code, const char *reg, cy_buf *msg)
{
	uint8_t h[32];
	int rc;

	cy_sha256(reg, strlen(reg), h);
	cy_buf_clear(msg);
	rc = cy_buf_put(msg, "custody/destruction-register/v1", 31);
	rc = rc ? rc : cy_buf_putc(msg, 0);
	rc = rc ? rc : cy_buf_puts(msg, vault_id);
	rc = rc ? rc : cy_buf_putc(msg, 0);
	rc = rc ? rc : cy_buf_puts(msg, code);
	rc = rc ? rc : cy_buf_putc(msg, 0);
	rc = rc ? rc : cy_buf_put(msg, h, 32);
	return rc;
}

int cy_destroy_register_msg(const char *vault_id, const char *code, const char *reg, cy_buf *msg)
{
	return register_msg(vault_id, code, reg, msg);
}

typedef struct html_ctx {
	cy_buf *b;
	const char *day;
} html_ctx;

static int html_item(void *arg, const cy_catalog_ditem *it)
{
	html_ctx *h = arg;
	cy_buf *b = h->b;
	int kept = (int)strtol(h->day, NULL, 10) - (int)strtol(it->trigger, NULL, 10);

	if (strncmp(h->day + 4, it->trigger + 4, 6) < 0)
		kept--;
	cy_buf_puts(b, "<tr><td>");
	cy_html_text(b, it->archive_no);
	cy_buf_puts(b, "</td><td>");
	cy_html_text(b, it->klass);
	cy_buf_printf(b, "</td><td>%lld</td><td>", (long long)it->year);
	cy_html_text(b, it->retention);
	cy_buf_printf(b, "</td><td>%d</td><td>", kept < 0 ? 0 : kept);
	cy_html_text(b, it->due);
	cy_buf_puts(b, "</td></tr>\n");
	return cy_buf_failed(b) ? CY_ENOMEM : 0;
}

/* The register as a page people read (both languages), from the same rows
 * as its JSON. */
static int register_html(cy_vault *v, const batch *b, const sigs *s, const char *sig_hex,
			 cy_buf *out)
{
	html_ctx h = {out, NULL};
	char day[11], who[64];
	int rc;

	memcpy(day, b->executed, 10);
	day[10] = 0;
	h.day = day;
	cy_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
			 "<title>会计档案销毁清册 / Destruction register</title>"
			 "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
			 "td,th{border:1px solid #888;padding:2px 6px}</style></head><body>\n"
			 "<h1>会计档案销毁清册 / Destruction register</h1>\n<p>全宗 / Fonds: ");
	cy_html_text(out, b->code);
	cy_buf_printf(out, " &middot; 批次 / Batch: %lld &middot; 销毁时间 / Destroyed: ",
		      (long long)b->id);
	cy_html_text(out, b->executed);
	cy_buf_puts(out, "<br>销毁方式 / Method: crypto-shredding: data keys and subject keys "
			 "destroyed; packs compacted; full-text index rebuilt</p>\n"
			 "<table><tr><th>档号 / Archive no.</th><th>门类 / Class</th>"
			 "<th>年度 / Year</th><th>应保管期限 / Retention</th>"
			 "<th>已保管期限 / Kept (years)</th><th>到期 / Due</th></tr>\n");
	rc = cy_catalog_ditem_each(v->cat, b->id, html_item, &h);
	cy_buf_puts(out, "</table>\n<h2>签署 / Signatures</h2>\n<table><tr><th>角色 / Role</th>"
			 "<th>签署人 / Signed by</th><th>时间 / At</th></tr>\n");
	for (size_t i = 0; i < s->n; i++) {
		if (!s->s[i].ok)
			continue;
		user_name(v, s->s[i].user, who);
		cy_buf_puts(out, "<tr><td>");
		cy_html_text(out, cy_destroy_role_zh(s->s[i].role));
		cy_buf_puts(out, " / ");
		cy_html_text(out, s->s[i].role);
		cy_buf_puts(out, "</td><td>");
		cy_html_text(out, who);
		cy_buf_puts(out, "</td><td>");
		cy_html_text(out, s->s[i].at);
		cy_buf_puts(out, "</td></tr>\n");
	}
	cy_buf_puts(out, "</table>\n<p>签名 / Signature (Ed25519, the fonds' write key, over the "
			 "register's JSON: docs/formats/destruction-register.md): ");
	cy_html_text(out, sig_hex);
	cy_buf_puts(out, "</p>\n</body></html>\n");
	return rc ? rc : cy_buf_failed(out) ? CY_ENOMEM : 0;
}

static int holds_check(cy_vault *v, const items *s);

/* ---- execute ---- */

typedef struct exec_ctx {
	cy_vault *v;
	cy_fonds_key *k;
	const items *s;
	const char *idtxt;
	cy_progress *pr;
	cy_progress_fn progress;
	void *parg;
} exec_ctx;

static int log_destroyed(void *arg, size_t i)
{
	exec_ctx *x = arg;
	cy_ledger_entry e;

	memset(&e, 0, sizeof(e));
	e.action = "record.destroy";
	e.targets[e.ntargets++] = x->s->no[i];
	e.details[e.ndetails++] = (cy_ledger_detail){"batch", x->idtxt, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", x->k->code, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"reason", "destruction", 0};
	if (x->progress && (i % 256 == 0 || i + 1 == x->s->n)) {
		x->pr->files_done = i + 1;
		x->pr->current = x->s->no[i];
		x->progress(x->parg, x->pr);
	}
	return cy_vault__log(x->v, &e);
}

/* Step 1: the one transaction that destroys (see the top of the file). */
static int execute_records(cy_vault *v, batch *b, cy_fonds_key *k, const items *s, const sigs *sg,
			   cy_progress_fn progress, void *parg, cy_destroy_result *res)
{
	cy_buf subj = CY_BUF_INIT, orphans = CY_BUF_INIT, msg = CY_BUF_INIT;
	cy_ledger_entry e;
	cy_progress pr = {0};
	char idtxt[24], hex[65], now[21];
	uint8_t sig[64];
	char *reg = NULL;
	int64_t *ids = NULL;
	size_t nsubj = 0;
	int rc = 0;

	if (!(ids = malloc((s->n ? s->n : 1) * sizeof(*ids))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	/* each record still there, under its number, as the batch recorded it
	 * (its signature: verified with its signed batch when it is removed) */
	for (size_t i = 0; i < s->n && !rc; i++) {
		char no[64];
		ids[i] = s->v[i].record_id;
		rc = cy_catalog_record_digest(v->cat, ids[i], no, &msg);
		if (rc == 0 || (rc == 1 && strcmp(no, s->no[i])))
			rc = cy_error_set(CY_ENOTFOUND, "record %s is not in the vault any more",
					  s->no[i]);
		else if (rc == 1 && (msg.len != 32 || !cy_memeq(msg.ptr, s->digest[i], 32)))
			rc = cy_error_set(
				CY_ECORRUPT,
				"record %s changed after the batch was proposed (propose a "
				"new batch)",
				s->no[i]);
		else if (rc == 1)
			rc = 0;
	}
	if (rc)
		goto out;
	snprintf(idtxt, sizeof(idtxt), "%lld", (long long)b->id);
	cy_hex_encode(b->hash, 32, hex);
	pr.files_total = s->n;
	if ((rc = cy_vault__begin(v)))
		goto out;
	{
		exec_ctx x = {v, k, s, idtxt, &pr, progress, parg};
		rc = cy_vault__records_remove(v, k, ids, s->n, log_destroyed, &x, &subj);
	}
	nsubj = subj.len / sizeof(int64_t);
	/* subjects with nothing left: their key (which wraps their data keys)
	 * and blind-index rows go */
	rc = rc ? rc : cy_catalog_subjects_orphaned(v->cat, (int64_t *)subj.ptr, nsubj, &orphans);
	for (size_t i = 0; !rc && i < orphans.len / sizeof(int64_t); i++) {
		int64_t sid;
		memcpy(&sid, orphans.ptr + i * sizeof(sid), sizeof(sid));
		/* an erased customer stays erased: an import of the same person is
		 * refused until someone decides otherwise (subject readmit) */
		if (*b->reason)
			rc = cy_catalog_erased_keep(v->cat, sid, b->id);
		rc = rc ? rc : cy_catalog_subject_remove(v->cat, sid);
		memset(&e, 0, sizeof(e));
		e.action = "subject.destroy";
		e.targets[e.ntargets++] = k->code;
		e.details[e.ndetails++] = (cy_ledger_detail){"batch", idtxt, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"subject", NULL, sid};
		rc = rc ? rc : cy_vault__log(v, &e);
	}
	if (!rc) {
		memset(&e, 0, sizeof(e));
		e.action = "destroy.execute";
		e.targets[e.ntargets++] = idtxt;
		e.targets[e.ntargets++] = k->code;
		e.details[e.ndetails++] = (cy_ledger_detail){"hash", hex, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"records", NULL, (int64_t)s->n};
		e.details[e.ndetails++] = (cy_ledger_detail){
			"subjects", NULL, (int64_t)(orphans.len / sizeof(int64_t))};
		rc = cy_vault__log(v, &e);
	}
	cy_vault__now(now); /* the register's time: when the records went */
	snprintf(b->executed, sizeof(b->executed), "%s", now);
	rc = rc ? rc : make_register(v, b, sg, now, &reg);
	rc = rc ? rc : register_msg(v->vault_id, k->code, reg, &msg);
	rc = rc ? rc : cy_ed25519_sign(CY_WRITE_SEED(k), msg.ptr, msg.len, sig);
	rc = rc ? rc : cy_catalog_dbatch_executing(v->cat, b->id, now, e.seq, reg, sig, 64);
	crash_point("destroy-before-commit");
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		goto out;
	}
	res->records = s->n;
	res->subjects = orphans.len / sizeof(int64_t);
	snprintf(b->status, sizeof(b->status), "executing");
	crash_point("destroy-after-commit");
out:
	free(reg);
	free(ids);
	cy_buf_release(&subj);
	cy_buf_release(&orphans);
	cy_buf_release(&msg);
	return rc;
}

/* Step 2: compaction, index, proof, the register as a record. */
static int execute_finish(cy_vault *v, batch *b, cy_fonds_key *k, const items *s,
			  cy_progress_fn progress, void *parg, cy_destroy_result *res)
{
	cy_compact_stats cs;
	cy_reindex_stats rs;
	cy_import *im = NULL;
	cy_import_outcome oc;
	cy_ledger_entry e;
	cy_buf html = CY_BUF_INIT;
	batch nb;
	sigs sg;
	char idtxt[24], hex[65], sig_hex[129], title[96], regno[64] = "";
	int rc;

	/* the bytes: every pack that held one of the objects is rewritten */
	if ((rc = cy_vault_compact(v, progress, parg, &cs)))
		return rc;
	res->packs_rewritten = cs.rewritten;
	res->packs_removed = cs.removed;
	res->bytes_freed = cs.freed;
	if (cs.leftover)
		return cy_error_set(CY_EIO,
				    "%llu packs that held destroyed objects could not be removed "
				    "(see custody check); run custody destroy execute %lld again",
				    (unsigned long long)cs.leftover, (long long)b->id);
	crash_point("destroy-after-compact");
	/* the words: the fonds' full-text index rebuilt from what is left */
	if ((rc = cy_search_reindex(v, k->code, progress, parg, &rs)))
		return rc;
	if ((rc = cy_catalog_wal_truncate(v->cat)))
		return rc;
	/* the proof: no item is a record any more */
	for (size_t i = 0; i < s->n; i++) {
		int64_t rid = 0, sb = 0;
		rc = cy_catalog_record_batch_of(v->cat, s->no[i], &rid, &sb);
		if (rc < 0)
			return rc;
		if (rc == 1 && rid == s->v[i].record_id)
			return cy_error_set(CY_ECORRUPT,
					    "record %s of batch %lld is still in the catalog",
					    s->no[i], (long long)b->id);
	}
	/* the register, a permanent record of the fonds (附表1 #15) */
	if ((rc = load_batch(v, b->id, &nb)))
		return rc;
	if (!nb.reg || !nb.has_sig) {
		batch_release(&nb);
		return cy_error_set(CY_ECORRUPT, "destruction batch %lld has no register",
				    (long long)b->id);
	}
	cy_hex_encode(nb.reg_sig, 64, sig_hex);
	rc = load_sigs(v, &nb, &sg);
	rc = rc ? rc : register_html(v, &nb, &sg, sig_hex, &html);
	snprintf(title, sizeof(title), "会计档案销毁清册 / Destruction register %s-%lld", k->code,
		 (long long)b->id);
	if (!rc) {
		cy_record_part parts[2] = {
			{"original", nb.reg, strlen(nb.reg), "json"},
			{"rendering", html.ptr, html.len, "html"},
		};
		char now[21];
		cy_record_new r;
		memset(&r, 0, sizeof(r));
		cy_vault__now(now);
		r.klass = strcmp(b->kind, "accounting") ? CY_CLASS_OTHER : CY_CLASS_ACCOUNTING;
		r.year = (int)strtol(now, NULL, 10);
		r.retention = "Y";
		r.retention_rule = "destruction-register";
		r.title = title;
		rc = cy_import_begin(v, k->code, &im);
		rc = rc ? rc : cy_record_create(im, &r, parts, 2, &oc, regno);
		rc = rc ? rc : cy_import_commit(im);
		cy_import_free(im);
	}
	batch_release(&nb);
	cy_buf_release(&html);
	if (rc)
		return rc;
	snprintf(res->register_no, sizeof(res->register_no), "%s", regno);
	snprintf(idtxt, sizeof(idtxt), "%lld", (long long)b->id);
	cy_hex_encode(b->hash, 32, hex);
	if ((rc = cy_vault__begin(v)))
		return rc;
	memset(&e, 0, sizeof(e));
	e.action = "destroy.verified";
	e.targets[e.ntargets++] = idtxt;
	e.targets[e.ntargets++] = k->code;
	e.details[e.ndetails++] = (cy_ledger_detail){"hash", hex, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"register", regno, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"packs_rewritten", NULL,
						     (int64_t)cs.rewritten};
	e.details[e.ndetails++] = (cy_ledger_detail){"packs_removed", NULL, (int64_t)cs.removed};
	rc = cy_vault__log(v, &e);
	rc = rc ? rc : cy_catalog_dbatch_status(v->cat, b->id, "executed");
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		return rc;
	}
	return cy_catalog_wal_truncate(v->cat);
}

int cy_destroy_execute(cy_vault *v, int64_t id, cy_progress_fn progress, void *parg,
		       cy_destroy_result *res)
{
	cy_fonds_key *k;
	items s = {0};
	batch b;
	sigs sg;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("execute destructions"))))
		return rc;
	if ((rc = load_batch(v, id, &b)))
		return rc;
	if (!(k = cy_vault__fonds_key_by_id(v, b.fonds_id))) {
		rc = cy_vault__no_key_error(v, b.code);
		goto out;
	}
	if (!strcmp(b.status, "executed")) {
		rc = cy_error_set(CY_EEXISTS, "destruction batch %lld was executed on %s",
				  (long long)id, b.executed);
		goto out;
	}
	if ((rc = cy_vault__recsig_ready(v, k)) || (rc = verify_items(v, &b)) ||
	    (rc = cy_catalog_ditem_each(v->cat, id, take_item, &s)))
		goto out;
	if (!strcmp(b.status, "proposed")) {
		cy_buf missing = CY_BUF_INIT;
		if ((rc = load_sigs(v, &b, &sg)))
			goto out;
		char r[32];
		for (size_t i = 0; role_at(b.roles, i, r); i++)
			if (!signed_role(&sg, r))
				cy_buf_printf(&missing, "%s%s", missing.len ? ", " : "", r);
		if (missing.len)
			rc = cy_error_set(CY_EPERM,
					  "destruction batch %lld is not signed by every signatory; "
					  "still to sign: %s (custody destroy sign %lld --as ROLE)",
					  (long long)id, cy_buf_cstr(&missing), (long long)id);
		cy_buf_release(&missing);
		if (rc)
			goto out;
		if (!b.reconcile_seq ||
		    (rc = entry_is(v, b.reconcile_seq, "destroy.reconcile", &b, 0, NULL)) == 0) {
			rc = cy_error_set(CY_EPERM,
					  "destruction batch %lld has not been reconciled: run "
					  "custody destroy reconcile %lld first",
					  (long long)id, (long long)id);
			goto out;
		}
		if (rc < 0)
			goto out;
		if ((rc = holds_check(v, &s)))
			goto out;
		if ((rc = execute_records(v, &b, k, &s, &sg, progress, parg, res)))
			goto out;
	}
	rc = execute_finish(v, &b, k, &s, progress, parg, res);
	if (!res->records)
		res->records = s.n;
out:
	items_release(&s);
	batch_release(&b);
	return rc;
}

/* No record of the batch may be on hold (第十九条: unsettled items are
 * never destroyed; a legal hold stops destruction). */
static int holds_check(cy_vault *v, const items *s)
{
	cy_holds_view *hv = NULL;
	int rc = cy_vault__holds_load(v, &hv);

	for (size_t i = 0; !rc && i < s->n; i++) {
		int64_t hold = 0;
		if ((rc = cy_vault__holds_covers(v, hv, s->v[i].record_id, &hold)))
			break;
		if (hold)
			rc = cy_error_set(CY_EPERM,
					  "record %s is on hold h%lld (custody hold list): a record "
					  "on hold is not destroyed until the hold is released",
					  s->no[i], (long long)hold);
	}
	cy_vault__holds_free(hv);
	return rc;
}

/* ---- show and list ---- */

static int fill_info(cy_vault *v, const batch *b, cy_destroy_info *d, bool full)
{
	char who[64];
	int rc = 0;

	memset(d, 0, sizeof(*d));
	d->id = b->id;
	snprintf(d->fonds, sizeof(d->fonds), "%s", b->code);
	snprintf(d->kind, sizeof(d->kind), "%s", b->kind);
	snprintf(d->status, sizeof(d->status), "%s", b->status);
	user_name(v, b->proposed_by, who);
	snprintf(d->proposer, sizeof(d->proposer), "%s", who);
	snprintf(d->proposed, sizeof(d->proposed), "%s", b->proposed);
	snprintf(d->reconciled, sizeof(d->reconciled), "%s", b->reconciled);
	snprintf(d->executed, sizeof(d->executed), "%s", b->executed);
	if (b->hash_ok)
		cy_hex_encode(b->hash, 32, d->hash);
	if (!full)
		return 0;
	return rc;
}

typedef struct show_items {
	cy_destroy_info *d;
	size_t cap;
} show_items;

static int show_item(void *arg, const cy_catalog_ditem *it)
{
	show_items *s = arg;
	cy_destroy_item *o;

	if (s->d->nitems == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		void *a = realloc(s->d->items, cap * sizeof(*s->d->items));
		if (!a)
			return cy_error_set(CY_ENOMEM, "out of memory");
		s->d->items = a;
		s->cap = cap;
	}
	o = &s->d->items[s->d->nitems++];
	memset(o, 0, sizeof(*o));
	snprintf(o->archive_no, sizeof(o->archive_no), "%s", it->archive_no);
	snprintf(o->class_name, sizeof(o->class_name), "%s", it->klass);
	o->year = (int)it->year;
	snprintf(o->retention, sizeof(o->retention), "%s", it->retention);
	snprintf(o->rule, sizeof(o->rule), "%s", it->rule);
	snprintf(o->trigger, sizeof(o->trigger), "%s", it->trigger);
	snprintf(o->due, sizeof(o->due), "%s", it->due);
	snprintf(o->created, sizeof(o->created), "%s", it->created);
	return 0;
}

/* The fonds' write public key as the catalog has it (hex): the register
 * names the key whose fingerprint the fonds.add ledger entry carries. */
static int take_signkey(void *arg, const cy_catalog_fonds_sign *f)
{
	if (f->sign_pub && f->sign_pub_len == 32)
		cy_hex_encode(f->sign_pub, 32, arg);
	return 0;
}

int cy_destroy_show(cy_vault *v, int64_t id, cy_destroy_info *d)
{
	show_items si = {d, 0};
	batch b;
	sigs sg;
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = load_batch(v, id, &b)))
		return rc;
	fill_info(v, &b, d, true);
	si.d = d;
	rc = cy_catalog_ditem_each(v->cat, id, show_item, &si);
	rc = rc ? rc : load_sigs(v, &b, &sg);
	if (!rc && sg.n && !(d->sigs = calloc(sg.n, sizeof(*d->sigs))))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < sg.n; i++) {
		if (!sg.s[i].ok)
			continue;
		cy_destroy_sig *o = &d->sigs[d->nsigs++];
		snprintf(o->role, sizeof(o->role), "%s", sg.s[i].role);
		user_name(v, sg.s[i].user, o->user);
		snprintf(o->at, sizeof(o->at), "%s", sg.s[i].at);
	}
	{
		char r[32];
		for (size_t i = 0; !rc && role_at(b.roles, i, r); i++)
			if (!signed_role(&sg, r) &&
			    d->nneeded < sizeof(d->needed) / sizeof(d->needed[0]))
				snprintf(d->needed[d->nneeded++], sizeof(d->needed[0]), "%s", r);
	}
	if (!rc && b.reg) {
		d->reg = b.reg;
		b.reg = NULL;
		if (b.has_sig)
			cy_hex_encode(b.reg_sig, 64, d->reg_sig);
		rc = cy_catalog_fonds_sign_each(v->cat, b.fonds_id, take_signkey, d->signkey);
	}
	batch_release(&b);
	if (rc)
		cy_destroy_info_release(d);
	return rc;
}

void cy_destroy_info_release(cy_destroy_info *d)
{
	free(d->items);
	free(d->sigs);
	free(d->reg);
	d->items = NULL;
	d->sigs = NULL;
	d->reg = NULL;
	d->nitems = d->nsigs = 0;
}

typedef struct list_ctx {
	cy_vault *v;
	int64_t *ids;
	size_t n, cap;
} list_ctx;

static int list_id(void *arg, const cy_catalog_dbatch *b)
{
	list_ctx *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		int64_t *a = realloc(l->ids, cap * sizeof(*a));
		if (!a)
			return cy_error_set(CY_ENOMEM, "out of memory");
		l->ids = a;
		l->cap = cap;
	}
	l->ids[l->n++] = b->id;
	return 0;
}

int cy_destroy_list(cy_vault *v, cy_destroy_fn fn, void *arg)
{
	list_ctx l = {v, NULL, 0, 0};
	int rc = cy_catalog_dbatch_each(v->cat, 0, list_id, &l);

	for (size_t i = 0; !rc && i < l.n; i++) {
		cy_destroy_info d;
		if ((rc = cy_destroy_show(v, l.ids[i], &d)))
			break;
		rc = fn(arg, &d);
		cy_destroy_info_release(&d);
	}
	free(l.ids);
	return rc;
}

/* ---- check ---- */

typedef struct gone_ctx {
	cy_vault *v;
	cy_destroy_problem_fn fn;
	void *arg;
	int64_t batch;
} gone_ctx;

static int still_there(void *arg, const cy_catalog_ditem *it)
{
	gone_ctx *g = arg;
	int64_t rid = 0, sb = 0;
	char msg[256];
	int rc = cy_catalog_record_batch_of(g->v->cat, it->archive_no, &rid, &sb);

	if (rc < 0)
		return rc;
	if (rc == 1 && rid == it->record_id) {
		snprintf(msg, sizeof(msg),
			 "record %s is in the register of destruction batch %lld but still in the "
			 "catalog",
			 it->archive_no, (long long)g->batch);
		g->fn(g->arg, 0, msg);
	}
	return 0;
}

int cy_vault__destroy_check(cy_vault *v, cy_destroy_problem_fn fn, void *arg, int *interrupted)
{
	list_ctx d = {v, NULL, 0, 0};
	cy_buf msgb = CY_BUF_INIT;
	char msg[512], pubhex[65];
	int rc = cy_catalog_dbatch_each(v->cat, 0, list_id, &d);

	*interrupted = 0;
	for (size_t i = 0; !rc && i < d.n; i++) {
		batch b;
		if ((rc = load_batch(v, d.ids[i], &b)))
			break;
		if (verify_items(v, &b)) {
			snprintf(msg, sizeof(msg), "destruction batch %lld: %s", (long long)b.id,
				 cy_error_message());
			cy_error_clear();
			fn(arg, 0, msg);
		}
		if (strcmp(b.status, "proposed")) {
			gone_ctx g = {v, fn, arg, b.id};
			uint8_t pub[32];
			*pubhex = 0;
			if (!b.execute_seq ||
			    entry_is(v, b.execute_seq, "destroy.execute", &b, 0, NULL) != 1) {
				snprintf(msg, sizeof(msg),
					 "destruction batch %lld is marked %s but the ledger has no "
					 "destroy.execute entry for it (the catalog was edited)",
					 (long long)b.id, b.status);
				fn(arg, 0, msg);
			}
			rc = cy_catalog_ditem_each(v->cat, b.id, still_there, &g);
			rc = rc ? rc
				: cy_catalog_fonds_sign_each(v->cat, b.fonds_id, take_signkey,
							     pubhex);
			if (!rc && (!b.reg || !b.has_sig || strlen(pubhex) != 64 ||
				    cy_hex_decode(pubhex, 64, pub, 32) ||
				    register_msg(v->vault_id, b.code, b.reg, &msgb) ||
				    cy_ed25519_verify(pub, msgb.ptr, msgb.len, b.reg_sig))) {
				cy_error_clear();
				snprintf(msg, sizeof(msg),
					 "the register of destruction batch %lld does not verify with "
					 "the write key of fonds %s",
					 (long long)b.id, b.code);
				fn(arg, 0, msg);
			}
		}
		if (!rc && !strcmp(b.status, "executing")) {
			*interrupted = 1;
			snprintf(msg, sizeof(msg),
				 "destruction batch %lld was interrupted after its records were "
				 "destroyed: run custody destroy execute %lld to finish it (compaction, "
				 "index, register)",
				 (long long)b.id, (long long)b.id);
			fn(arg, 1, msg);
		}
		batch_release(&b);
	}
	cy_buf_release(&msgb);
	free(d.ids);
	return rc;
}

/* ---- a customer's deletion (PIPL Art. 47) ---- */

static const char *const ERASE_REASONS[] = {"art47-1", "art47-2", "art47-3",
					    "art47-4", "art47-5", NULL};

/* Whether a record must be kept although its customer asked for deletion:
 * a legal period still runs (PIPL Art. 47 para. 2): its rule's period is a
 * legal minimum (第十五条) and is not over, or the rules cannot place it
 * (kept: the careful reading). */
static int legal_period_runs(const placements *pl, const char *no, const char *day, char until[11])
{
	const placed *p = placed_find(pl, no);

	*until = 0;
	if (!p) {
		snprintf(until, 11, "unknown");
		return 1;
	}
	/* accounting archives and transactions carry a legal period whichever
	 * rule placed them (会计档案管理办法 第十四条) */
	if (!p->minimum && strcmp(p->klass, "accounting") && strcmp(p->klass, "transaction"))
		return 0;
	if (p->period == CY_RETENTION_PERMANENT) {
		snprintf(until, 11, "permanent");
		return 1;
	}
	if (!*p->due) {
		snprintf(until, 11, "unknown");
		return 1;
	}
	snprintf(until, 11, "%.10s", p->due);
	return strcmp(until, day) > 0;
}

int cy_subject_erase(cy_vault *v, const char *id, const char *reason, const char *request,
		     cy_erase_result *out)
{
	cy_buf nos = CY_BUF_INIT, go = CY_BUF_INIT;
	const char **list = NULL;
	char code[8], day[11];
	int64_t no, sid = 0;
	size_t n = 0, ngo = 0;
	placements pl = {NULL, 0, 0};
	bool pl_done = false;
	int rc;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	for (const char *const *r = ERASE_REASONS; *r; r++)
		ok = ok || (reason && !strcmp(reason, *r));
	if (!ok)
		return cy_error_set(
			CY_EINVALID,
			"the reason must be one of art47-1 (purpose achieved or no longer "
			"needed), art47-2 (service stopped or period ended), art47-3 "
			"(consent withdrawn), art47-4 (unlawful processing), art47-5 "
			"(other), as PIPL Art. 47 lists them");
	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("erase customers"))))
		return rc;
	if ((rc = cy_subject_id_parse(id, code, &no)) ||
	    (rc = cy_subject_lookup(v, code, id, &sid)))
		return rc;
	today(day);
	if ((rc = cy_catalog_subject_record_nos(v->cat, sid, &nos, &n)))
		goto out;
	for (size_t off = 0, i = 0; i < n; i++, off += strlen((char *)nos.ptr + off) + 1) {
		const char *rn = (const char *)nos.ptr + off;
		int64_t rid = 0, sb = 0;
		char until[11];
		rowinfo r;

		if ((rc = cy_catalog_record_batch_of(v->cat, rn, &rid, &sb)) < 0)
			goto out;
		if ((rc = row_by_id(v, rid, &r)))
			goto out;
		if (!pl_done && (rc = place_fonds(v, code, &pl)))
			goto out;
		pl_done = true;
		if (legal_period_runs(&pl, r.archive_no, day, until)) {
			out->kept++;
			if (strcmp(until, out->kept_until) > 0)
				snprintf(out->kept_until, sizeof(out->kept_until), "%s", until);
			continue;
		}
		if ((rc = cy_buf_put(&go, &off, sizeof(off))))
			goto out;
		ngo++;
	}
	/* what a legal period keeps stays, for storage only (Art. 47 para. 2):
	 * the customer and every record of theirs store-only first, so that
	 * the batch below records the rows as they now are */
	if (out->kept && (rc = cy_subject_restrict(v, id, reason)))
		goto out;
	if (ngo) {
		if (!(list = calloc(ngo, sizeof(*list)))) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < ngo; i++) {
			size_t off;
			memcpy(&off, go.ptr + i * sizeof(off), sizeof(off));
			list[i] = (const char *)nos.ptr + off;
		}
		propose_opts po = {reason, request, 0};
		rc = propose(v, list, ngo, &po, &out->batch);
	}
	out->erase = ngo;
out:
	free(pl.v);
	free(list);
	cy_buf_release(&nos);
	cy_buf_release(&go);
	return rc;
}

int cy_subject_readmit(cy_vault *v, int64_t id, const char *reason, int64_t *count)
{
	cy_ledger_entry e;
	char idtxt[24];
	batch b;
	int rc;

	*count = 0;
	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("readmit erased customers"))))
		return rc;
	if (!reason || !*reason)
		return cy_error_set(CY_EINVALID,
				    "say why the erased customers may come back (--reason)");
	if ((rc = load_batch(v, id, &b)))
		return rc;
	if (!*b.reason) {
		batch_release(&b);
		return cy_error_set(CY_EINVALID, "batch %lld is not an erasure", (long long)id);
	}
	snprintf(idtxt, sizeof(idtxt), "%lld", (long long)id);
	if ((rc = cy_vault__begin(v)))
		goto out;
	rc = cy_catalog_erased_forget(v->cat, id, count);
	memset(&e, 0, sizeof(e));
	e.action = "subject.readmit";
	e.targets[e.ntargets++] = idtxt;
	e.targets[e.ntargets++] = b.code;
	e.details[e.ndetails++] = (cy_ledger_detail){"identifiers", NULL, *count};
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	batch_release(&b);
	return rc;
}

/* ---- tombstones, for ls --all ---- */

typedef struct tomb_ctx {
	cy_destroy_tomb_fn fn;
	void *arg;
	const batch *b;
	show_items si;
} tomb_ctx;

static int tomb_item(void *arg, const cy_catalog_ditem *it)
{
	tomb_ctx *t = arg;
	cy_destroy_info d;
	int rc;

	memset(&d, 0, sizeof(d));
	t->si.d = &d;
	t->si.cap = 0;
	rc = show_item(&t->si, it);
	if (!rc)
		rc = t->fn(t->arg, &d.items[0], t->b->id, t->b->code, t->b->executed);
	free(d.items);
	return rc;
}

int cy_destroy_tombstones(cy_vault *v, const char *fonds, cy_destroy_tomb_fn fn, void *arg)
{
	list_ctx l = {v, NULL, 0, 0};
	int rc = cy_catalog_dbatch_each(v->cat, 0, list_id, &l);

	for (size_t i = 0; !rc && i < l.n; i++) {
		batch b;
		if ((rc = load_batch(v, l.ids[i], &b)))
			break;
		if (strcmp(b.status, "proposed") && (!fonds || !strcmp(fonds, b.code)) &&
		    cy_vault__holds(v, b.code)) {
			tomb_ctx t = {fn, arg, &b, {NULL, 0}};
			rc = cy_catalog_ditem_each(v->cat, b.id, tomb_item, &t);
		}
		batch_release(&b);
	}
	free(l.ids);
	return rc;
}

/* ---- the end of business (fonds status deregistered) ---- */

int cy_vault__legal_keep_ids(cy_vault *v, const char *code, const char *date, int64_t **ids,
			     size_t *n)
{
	placements pl = {NULL, 0, 0};
	int rc = place_fonds(v, code, &pl);
	size_t k = 0;

	*ids = NULL;
	*n = 0;
	if (!rc && pl.n && !(*ids = malloc(pl.n * sizeof(**ids))))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < pl.n; i++) {
		char until[11];
		int64_t rid = 0, sb = 0;
		if (!legal_period_runs(&pl, pl.v[i].archive_no, date, until))
			continue;
		rc = cy_catalog_record_batch_of(v->cat, pl.v[i].archive_no, &rid, &sb);
		if (rc == 1) {
			(*ids)[k++] = rid;
			rc = 0;
		}
	}
	free(pl.v);
	if (rc) {
		free(*ids);
		*ids = NULL;
		return rc;
	}
	*n = k;
	return 0;
}
