/* vault_holds.c - legal holds, the store-only state of PIPL Art. 47 ¶2, and
 * the exceptions to it (hold.h, vault_holds.h, docs/internals/holds.md).
 *
 * The ledger is the authority.  A hold is placed by a transaction that
 * writes its row (reason sealed under the fonds key) and hold.add entries
 * carrying the hold's id, fonds, kind, target ids, dates and the digest of
 * the row; hold.release carries the digest of the release.  The question
 * destruction asks (cy_vault__holds_block) is answered from those entries
 * alone, read through the partial index ledger_holds, so that a hold row
 * deleted or edited by hand changes no answer; check compares the rows
 * with the entries and names each difference.  The entries themselves are
 * signed in their transaction's head (log verify).
 *
 * Store-only is a record's status, which is in the record's signed digest
 * (record-sig.md): a change is signed again with the fonds' write key, and
 * a status edited by hand fails the record's signature. */
#include <inttypes.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_holds.h"
#include "catalog/catalog_records.h"
#include "crypto/crypto.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/fonds.h"
#include "custody/hold.h"
#include "custody/subject.h"
#include "vault/vault_holds.h"
#include "vault/vault_recsig.h"
#include "custody/banned.h"

#define HOLD_LABEL "custody hold reason v1"
#define HOLD_ROW_TAG "custody/hold/v1"
#define HOLD_RELEASE_TAG "custody/hold-release/v1"
/* archive numbers per hold.add entry (targets: the hold, the fonds, these) */
#define HOLD_PER_ENTRY (CY_LEDGER_MAX_TARGETS - 2)
#define REASON_MAX 4096

/* ---- what the ledger says ---- */

typedef struct hold_state {
	int64_t id;
	char fonds[8];
	char kind[8];
	int64_t *ids;
	size_t nids, capids;
	char (*names)[64]; /* the targets as named in the entries (archive numbers, ...) */
	size_t nnames, capnames;
	char until[16];
	int unsettled;
	char row[33];
	char actor[24];
	uint64_t seq;	   /* the first hold.add */
	uint64_t released; /* the hold.release, 0 */
	char rrow[33];
	char ractor[24];
	int found; /* check: its row was seen */
} hold_state;

typedef struct restricted {
	char kind; /* 'r': record (name = archive number), 's': subject (name = its id) */
	char name[64];
	char reason[16];
	uint64_t seq;
} restricted;

/* access.request ('q': actor = the requester), access.approve ('a': actor =
 * the approver, requester as the approver saw it), access.use ('u') */
typedef struct approval {
	char kind;
	int64_t request, record; /* record: the record's row id (requests) */
	char actor[24], requester[24];
	char until[16];
	uint64_t seq;
} approval;

struct cy_holds_view {
	hold_state *h;
	size_t n, cap;
	restricted *r;
	size_t nr, capr;
	approval *a;
	size_t na, capa;
};

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	void *np;
	size_t nc;

	if (n < *cap)
		return p;
	nc = *cap ? *cap * 2 : 8;
	if (!(np = realloc(p, nc * size))) {
		cy_error_set(CY_ENOMEM, "out of memory");
		return NULL;
	}
	*cap = nc;
	return np;
}

void cy_vault__holds_free(cy_holds_view *hv)
{
	if (!hv)
		return;
	for (size_t i = 0; i < hv->n; i++) {
		free(hv->h[i].ids);
		free(hv->h[i].names);
	}
	free(hv->h);
	free(hv->r);
	free(hv->a);
	free(hv);
}

static hold_state *find_hold(const cy_holds_view *hv, int64_t id)
{
	for (size_t i = 0; i < hv->n; i++)
		if (hv->h[i].id == id)
			return &hv->h[i];
	return NULL;
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static int copy_str(char *dst, size_t n, const char *s)
{
	if (strlen(s) >= n)
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

/* "h12" -> 12; -1 if it is not a hold's name. */
static int64_t hold_no(const char *t)
{
	char *e;
	long long id;

	if (t[0] != 'h' || t[1] < '1' || t[1] > '9')
		return -1;
	id = strtoll(t + 1, &e, 10);
	return *e ? -1 : (int64_t)id;
}

static int add_ids(hold_state *h, const char *list)
{
	const char *p = list;

	while (*p) {
		char *e;
		long long id = strtoll(p, &e, 10);
		int64_t *ni;
		if (e == p || id <= 0)
			return 0; /* log verify names a damaged entry; take what scans */
		if (!(ni = grow(h->ids, &h->capids, h->nids, sizeof(*ni))))
			return CY_ENOMEM;
		h->ids = ni;
		h->ids[h->nids++] = id;
		p = *e == ',' ? e + 1 : e;
		if (*e && *e != ',')
			return 0;
	}
	return 0;
}

static int add_name(hold_state *h, const char *s)
{
	char(*nn)[64];

	if (!(nn = grow(h->names, &h->capnames, h->nnames, sizeof(*nn))))
		return CY_ENOMEM;
	h->names = nn;
	snprintf(h->names[h->nnames++], 64, "%s", s);
	return 0;
}

static int on_hold_add(cy_holds_view *hv, uint64_t seq, const char *actor, json_t *targets,
		       json_t *details)
{
	const char *t0 = json_string_value(json_array_get(targets, 0));
	const char *t1 = json_string_value(json_array_get(targets, 1));
	int64_t id = t0 ? hold_no(t0) : -1;
	hold_state *h;
	int rc;

	if (id <= 0 || !t1)
		return 0;
	if (!(h = find_hold(hv, id))) {
		hold_state *nh = grow(hv->h, &hv->cap, hv->n, sizeof(*nh));
		if (!nh)
			return CY_ENOMEM;
		hv->h = nh;
		h = &hv->h[hv->n++];
		memset(h, 0, sizeof(*h));
		h->id = id;
		h->seq = seq;
		if (copy_str(h->fonds, sizeof(h->fonds), t1) ||
		    copy_str(h->kind, sizeof(h->kind), jstr(details, "kind")) ||
		    copy_str(h->until, sizeof(h->until), jstr(details, "until")) ||
		    copy_str(h->row, sizeof(h->row), jstr(details, "row")))
			h->kind[0] = 0; /* does not scan: matches nothing */
		h->unsettled = json_integer_value(json_object_get(details, "unsettled")) != 0;
		snprintf(h->actor, sizeof(h->actor), "%s", actor);
	}
	if ((rc = add_ids(h, jstr(details, "ids"))))
		return rc;
	for (size_t i = 2; i < json_array_size(targets); i++) {
		const char *t = json_string_value(json_array_get(targets, i));
		if (t && (rc = add_name(h, t)))
			return rc;
	}
	return 0;
}

static int on_entry(void *arg, uint64_t seq, const char *entry, size_t n)
{
	cy_holds_view *hv = arg;
	json_error_t err;
	json_t *j = json_loadb(entry, n, 0, &err), *targets, *details;
	const char *action, *actor;
	int rc = 0;

	if (!j)
		return 0; /* log verify names a damaged entry */
	action = jstr(j, "action");
	actor = jstr(j, "actor");
	targets = json_object_get(j, "targets");
	details = json_object_get(j, "details");
	if (!json_is_array(targets) || !json_is_object(details))
		goto out;
	if (!strcmp(action, "hold.add")) {
		rc = on_hold_add(hv, seq, actor, targets, details);
	} else if (!strcmp(action, "hold.release")) {
		const char *t0 = json_string_value(json_array_get(targets, 0));
		hold_state *h = t0 ? find_hold(hv, hold_no(t0)) : NULL;
		if (h && !h->released) {
			h->released = seq;
			snprintf(h->rrow, sizeof(h->rrow), "%.32s", jstr(details, "row"));
			snprintf(h->ractor, sizeof(h->ractor), "%s", actor);
		}
	} else if (!strcmp(action, "record.restrict") || !strcmp(action, "subject.restrict")) {
		const char *t0 = json_string_value(json_array_get(targets, 0));
		restricted *nr;
		if (!t0)
			goto out;
		if (!(nr = grow(hv->r, &hv->capr, hv->nr, sizeof(*nr)))) {
			rc = CY_ENOMEM;
			goto out;
		}
		hv->r = nr;
		nr = &hv->r[hv->nr++];
		memset(nr, 0, sizeof(*nr));
		nr->kind = action[0] == 'r' ? 'r' : 's';
		snprintf(nr->name, sizeof(nr->name), "%s", t0);
		snprintf(nr->reason, sizeof(nr->reason), "%s", jstr(details, "reason"));
		nr->seq = seq;
	} else if (!strncmp(action, "access.", 7)) {
		approval *na = grow(hv->a, &hv->capa, hv->na, sizeof(*na));
		if (!na) {
			rc = CY_ENOMEM;
			goto out;
		}
		hv->a = na;
		na = &hv->a[hv->na++];
		memset(na, 0, sizeof(*na));
		na->kind = !strcmp(action, "access.request")   ? 'q'
			   : !strcmp(action, "access.approve") ? 'a'
			   : !strcmp(action, "access.use")     ? 'u'
							       : 0;
		na->request = json_integer_value(json_object_get(details, "request"));
		na->record = json_integer_value(json_object_get(details, "record"));
		snprintf(na->actor, sizeof(na->actor), "%s", actor);
		snprintf(na->requester, sizeof(na->requester), "%s", jstr(details, "requester"));
		snprintf(na->until, sizeof(na->until), "%s", jstr(details, "until"));
		na->seq = seq;
	}
out:
	json_decref(j);
	return rc;
}

int cy_vault__holds_load(cy_vault *v, cy_holds_view **out)
{
	cy_holds_view *hv = calloc(1, sizeof(*hv));
	int rc;

	*out = NULL;
	if (!hv)
		return cy_error_set(CY_ENOMEM, "out of memory");
	if ((rc = cy_catalog_hold_ledger_each(v->cat, 0, on_entry, hv))) {
		cy_vault__holds_free(hv);
		return rc;
	}
	*out = hv;
	return 0;
}

static void today(char out[11])
{
	char now[21];

	cy_vault__now(now);
	memcpy(out, now, 10);
	out[10] = 0;
}

static bool active(const hold_state *h, const char *day)
{
	return h->kind[0] && !h->released && (!h->until[0] || strcmp(day, h->until) <= 0);
}

static bool has_id(const hold_state *h, int64_t id)
{
	for (size_t i = 0; i < h->nids; i++)
		if (h->ids[i] == id)
			return true;
	return false;
}

int cy_vault__holds_covers(cy_vault *v, const cy_holds_view *hv, int64_t record_id,
			   int64_t *hold_id)
{
	cy_catalog_hold_rec r;
	int64_t *subs = NULL;
	char(*sst)[16] = NULL;
	size_t ns = 0;
	char day[11];
	int rc;

	*hold_id = 0;
	if (!hv->n)
		return 0;
	rc = cy_catalog_hold_record(v->cat, record_id, NULL, &r);
	if (rc == CY_ENOTFOUND)
		return cy_error_set(CY_ENOTFOUND, "no record with id %" PRId64, record_id);
	if (rc || (rc = cy_catalog_hold_record_subjects(v->cat, record_id, &subs, &sst, &ns)))
		return rc;
	today(day);
	for (size_t i = 0; i < hv->n && !*hold_id; i++) {
		const hold_state *h = &hv->h[i];
		if (!active(h, day) || strcmp(h->fonds, r.fonds))
			continue;
		if (!strcmp(h->kind, "fonds"))
			*hold_id = h->id;
		else if (!strcmp(h->kind, "records") && has_id(h, record_id))
			*hold_id = h->id;
		else if (!strcmp(h->kind, "subject"))
			for (size_t k = 0; k < ns && !*hold_id; k++)
				if (has_id(h, subs[k]))
					*hold_id = h->id;
	}
	free(subs);
	free(sst);
	return 0;
}

int cy_vault__holds_block(cy_vault *v, int64_t record_id, int64_t *hold_id)
{
	cy_holds_view *hv;
	int rc = cy_vault__holds_load(v, &hv);

	*hold_id = 0;
	if (rc)
		return rc;
	rc = cy_vault__holds_covers(v, hv, record_id, hold_id);
	cy_vault__holds_free(hv);
	return rc;
}

int cy_vault__record_status(cy_vault *v, const cy_holds_view *hv, int64_t record_id,
			    const char *row_status, char out[16])
{
	int64_t hold = 0;
	char st[16];
	int rc = 0;

	snprintf(st, sizeof(st), "%s", row_status); /* out may be row_status */
	snprintf(out, 16, "%s", st);
	if (strcmp(st, "held"))
		return 0;
	rc = hv ? cy_vault__holds_covers(v, hv, record_id, &hold)
		: cy_vault__holds_block(v, record_id, &hold);
	if (!rc && hold)
		snprintf(out, 16, "on-hold");
	return rc;
}

/* ---- the row's digest (what its hold.add entry carries) ---- */

static void put_u64(cy_buf *b, uint64_t x)
{
	cy_buf_put_u64be(b, x);
}

static void put_blob(cy_buf *b, const void *p, size_t n)
{
	cy_buf_put_u32be(b, (uint32_t)n);
	cy_buf_put(b, p ? p : "", p ? n : 0);
}

static void put_str(cy_buf *b, const char *s)
{
	put_blob(b, s, s ? strlen(s) : 0);
}

static int hex_digest(cy_buf *b, char hex[33])
{
	uint8_t d[32];

	if (cy_buf_failed(b))
		return cy_error_set(CY_ENOMEM, "out of memory");
	cy_sha256(b->ptr, b->len, d);
	cy_hex_encode(d, 16, hex);
	return 0;
}

int cy_vault__hold_row_digest(const cy_catalog_hold *h, const int64_t *ids, size_t n, char hex[33])
{
	cy_buf b = CY_BUF_INIT;
	int rc;

	cy_buf_put(&b, HOLD_ROW_TAG, sizeof(HOLD_ROW_TAG));
	put_u64(&b, (uint64_t)h->id);
	put_str(&b, h->fonds_code);
	put_str(&b, h->kind);
	put_u64(&b, (uint64_t)h->epoch);
	put_blob(&b, h->reason, h->reason_len);
	put_str(&b, h->until);
	cy_buf_put_u8(&b, h->unsettled != 0);
	put_str(&b, h->created);
	put_u64(&b, (uint64_t)h->created_by);
	cy_buf_put_u32be(&b, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		put_u64(&b, (uint64_t)ids[i]);
	rc = hex_digest(&b, hex);
	cy_buf_release(&b);
	return rc;
}

int cy_vault__hold_release_digest(int64_t id, const char *at, int64_t by, const void *blob,
				  size_t n, char hex[33])
{
	cy_buf b = CY_BUF_INIT;
	int rc;

	cy_buf_put(&b, HOLD_RELEASE_TAG, sizeof(HOLD_RELEASE_TAG));
	put_u64(&b, (uint64_t)id);
	put_str(&b, at);
	put_u64(&b, (uint64_t)by);
	put_blob(&b, blob, blob ? n : 0);
	rc = hex_digest(&b, hex);
	cy_buf_release(&b);
	return rc;
}

/* ---- sealed reasons ---- */

static int note_aead(const cy_fonds_key *k, int64_t epoch, const cy_note_kind *kind, cy_aead **out)
{
	uint8_t key[32];
	int rc;

	if (epoch < 0 || epoch > k->epoch)
		return cy_error_set(CY_ECORRUPT,
				    "a sealed text of fonds %s names key epoch %" PRId64
				    ", which the fonds does not have (the catalog was altered)",
				    k->code, epoch);
	rc = cy_hkdf_sha256(CY_EPOCH_RAW(k, epoch), 32, NULL, 0, kind->label, strlen(kind->label),
			    key, sizeof(key));
	rc = rc ? rc : cy_aead_new(out, key);
	cy_wipe(key, sizeof(key));
	return rc;
}

/* AAD: "<prefix>/<vault>/<fonds>/<what>/<id>" */
int cy_vault__note_seal(cy_vault *v, const cy_fonds_key *k, int64_t epoch, const cy_note_kind *kind,
			const char *what, int64_t id, const void *text, size_t n, cy_buf *out)
{
	cy_aead *a = NULL;
	cy_buf aad = CY_BUF_INIT;
	cy_buf pt = {(uint8_t *)text, n, n};
	uint8_t nonce[12];
	int rc = note_aead(k, epoch, kind, &a);

	rc = rc ? rc
		: cy_buf_printf(&aad, "%s/%s/%s/%s/%" PRId64, kind->prefix, v->vault_id, k->code,
				what, id);
	rc = rc ? rc : cy_random(nonce, sizeof(nonce));
	cy_buf_clear(out);
	rc = rc ? rc : cy_vault__meta_seal_raw(a, nonce, &aad, &pt, out);
	cy_aead_free(a);
	cy_buf_release(&aad);
	return rc;
}

int cy_vault__note_open(cy_vault *v, const cy_fonds_key *k, int64_t epoch, const cy_note_kind *kind,
			const char *what, int64_t id, const void *blob, size_t n, cy_buf *pt)
{
	cy_aead *a = NULL;
	cy_buf aad = CY_BUF_INIT;
	int rc;

	cy_buf_wipe(pt);
	if (n < 12 + 16 || n > kind->max + 28)
		return cy_error_set(CY_ECORRUPT, "the %s of %" PRId64 " is damaged", what, id);
	rc = note_aead(k, epoch, kind, &a);
	rc = rc ? rc
		: cy_buf_printf(&aad, "%s/%s/%s/%s/%" PRId64, kind->prefix, v->vault_id, k->code,
				what, id);
	rc = rc ? rc : cy_buf_grow(pt, n - 28 + 1);
	if (!rc &&
	    cy_aead_open(a, blob, aad.ptr, aad.len, (const uint8_t *)blob + 12, n - 12, pt->ptr))
		rc = cy_error_set(CY_ECORRUPT,
				  "the %s of %" PRId64
				  " fails authentication (the catalog was altered)",
				  what, id);
	if (!rc) {
		pt->len = n - 28;
		pt->ptr[pt->len] = 0;
	}
	cy_aead_free(a);
	cy_buf_release(&aad);
	return rc;
}

static const cy_note_kind HOLD_NOTE = {HOLD_LABEL, "custody/hold/v1", REASON_MAX};

static int seal_reason(cy_vault *v, const cy_fonds_key *k, int64_t epoch, const char *what,
		       int64_t id, const char *text, cy_buf *out)
{
	return cy_vault__note_seal(v, k, epoch, &HOLD_NOTE, what, id, text, strlen(text), out);
}

static int open_reason(cy_vault *v, const cy_fonds_key *k, int64_t epoch, const char *what,
		       int64_t id, const void *blob, size_t n, cy_buf *pt)
{
	return cy_vault__note_open(v, k, epoch, &HOLD_NOTE, what, id, blob, n, pt);
}

static int check_reason(const char *reason, bool required)
{
	if (!reason || !*reason)
		return required ? cy_error_set(CY_EINVALID, "a reason is required (--reason TEXT)")
				: 0;
	if (strlen(reason) > REASON_MAX)
		return cy_error_set(CY_EINVALID, "a reason is at most %d bytes", REASON_MAX);
	if (!cy_utf8_valid(reason, strlen(reason)))
		return cy_error_set(CY_EINVALID, "the reason is not UTF-8 text");
	return 0;
}

/* ---- hold add / release ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The record of archive number `no` (or the one it moved to). */
static int record_of(cy_vault *v, const char *no, cy_catalog_hold_rec *r)
{
	char current[64];
	int rc = cy_catalog_hold_record(v->cat, 0, no, r);

	if (rc == CY_ENOTFOUND && cy_catalog_alias_resolve(v->cat, no, current) == 1)
		rc = cy_catalog_hold_record(v->cat, 0, current, r);
	if (rc == CY_ENOTFOUND)
		return cy_error_set(CY_ENOTFOUND, "no record '%s'", no);
	return rc;
}

int cy_hold_add(cy_vault *v, const cy_hold_new *hn, int64_t *hold_id)
{
	cy_catalog_hold h;
	cy_fonds_key *k = NULL;
	int64_t *ids = NULL;
	char(*names)[64] = NULL;
	size_t n = 0;
	cy_buf sealed = CY_BUF_INIT;
	char now[21], row[33], hid[24], code[8] = "", list[8 * 24];
	int kinds = (hn->n > 0) + (hn->subject != NULL) + (hn->fonds != NULL), y, m, d, rc;

	*hold_id = 0;
	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("place holds"))))
		return rc;
	if (kinds != 1)
		return cy_error_set(
			CY_EINVALID,
			"a hold covers archive numbers, or --subject ID, or --fonds CODE: "
			"give exactly one of them");
	if ((rc = check_reason(hn->reason, true)))
		return rc;
	if (hn->until && (rc = cy_date_parse(hn->until, &y, &m, &d)))
		return rc;
	memset(&h, 0, sizeof(h));
	if (hn->n) {
		if (!(ids = calloc(hn->n, sizeof(*ids))) ||
		    !(names = calloc(hn->n, sizeof(*names)))) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < hn->n; i++) {
			cy_catalog_hold_rec r;
			if ((rc = record_of(v, hn->archive_nos[i], &r)))
				goto out;
			if (!*code)
				snprintf(code, sizeof(code), "%s", r.fonds);
			else if (strcmp(code, r.fonds)) {
				rc = cy_error_set(CY_EINVALID,
						  "one hold covers records of one fonds: %s is of "
						  "fonds %s, not %s",
						  r.archive_no, r.fonds, code);
				goto out;
			}
			for (size_t j = 0; j < n; j++)
				if (ids[j] == r.id)
					goto dup;
			ids[n] = r.id;
			snprintf(names[n], 64, "%s", r.archive_no);
			n++;
dup:;
		}
		h.kind = "records";
	} else if (hn->subject) {
		int64_t no, sid;
		char st[16];
		if ((rc = cy_subject_id_parse(hn->subject, code, &no)))
			goto out;
		if (!(k = cy_vault__fonds_key(v, code))) {
			rc = cy_error_set(CY_ENOTFOUND, "no subject '%s'", hn->subject);
			goto out;
		}
		rc = cy_catalog_hold_subject(v->cat, k->fonds_id, no, &sid, st);
		if (rc == CY_ENOTFOUND)
			rc = cy_error_set(CY_ENOTFOUND, "no subject '%s'", hn->subject);
		if (rc)
			goto out;
		if (!(ids = calloc(1, sizeof(*ids))) || !(names = calloc(1, sizeof(*names)))) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			goto out;
		}
		ids[0] = sid;
		snprintf(names[0], 64, "%s", hn->subject);
		n = 1;
		h.kind = "subject";
	} else {
		snprintf(code, sizeof(code), "%s", hn->fonds);
		if (!(ids = calloc(1, sizeof(*ids)))) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			goto out;
		}
		h.kind = "fonds";
	}
	if (!k && !(k = cy_vault__fonds_key(v, code))) {
		rc = cy_error_code();
		goto out;
	}
	if (!strcmp(h.kind, "fonds")) {
		ids[0] = k->fonds_id;
		n = 1;
	}
	qsort(ids, n, sizeof(*ids), cmp_i64);
	h.fonds_id = k->fonds_id;
	h.fonds_code = k->code;
	h.epoch = k->epoch;
	h.until = hn->until ? hn->until : "";
	h.unsettled = hn->unsettled;
	cy_vault__now(now);
	h.created = now;
	h.created_by = v->user_id;
	if ((rc = cy_vault__begin(v)))
		goto out;
	rc = cy_catalog_hold_insert(v->cat, &h, &h.id);
	rc = rc ? rc : seal_reason(v, k, h.epoch, "reason", h.id, hn->reason, &sealed);
	rc = rc ? rc : cy_catalog_hold_set_reason(v->cat, h.id, sealed.ptr, sealed.len);
	for (size_t i = 0; !rc && i < n; i++)
		rc = cy_catalog_hold_target_add(v->cat, h.id, ids[i]);
	h.reason = sealed.ptr;
	h.reason_len = sealed.len;
	rc = rc ? rc : cy_vault__hold_row_digest(&h, ids, n, row);
	snprintf(hid, sizeof(hid), "h%" PRId64, h.id);
	/* one entry per HOLD_PER_ENTRY records (at least one entry): each names
	 * its records by number (targets) and by row id (details "ids") */
	for (size_t i = 0; !rc && (i < n || i == 0); i += HOLD_PER_ENTRY) {
		cy_ledger_entry e;
		size_t len = 0;
		memset(&e, 0, sizeof(e));
		e.action = "hold.add";
		e.targets[e.ntargets++] = hid;
		e.targets[e.ntargets++] = k->code;
		list[0] = 0;
		for (size_t j = i; j < n && j < i + HOLD_PER_ENTRY; j++) {
			if (names)
				e.targets[e.ntargets++] = names[j];
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%" PRId64,
						j > i ? "," : "", ids[j]);
		}
		e.details[e.ndetails++] = (cy_ledger_detail){"ids", list, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"kind", h.kind, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"row", row, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"unsettled", NULL, h.unsettled != 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"until", h.until, 0};
		rc = cy_vault__log(v, &e);
		if (!n)
			break;
	}
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	else
		*hold_id = h.id;
out:
	free(ids);
	free(names);
	cy_buf_release(&sealed);
	return rc;
}

typedef struct one_hold {
	int64_t id, fonds_id, epoch;
	char fonds[8];
	int found;
} one_hold;

static int take_hold(void *arg, const cy_catalog_hold *h)
{
	one_hold *o = arg;

	o->id = h->id;
	o->fonds_id = h->fonds_id;
	o->epoch = h->epoch;
	snprintf(o->fonds, sizeof(o->fonds), "%s", h->fonds_code);
	o->found = 1;
	return 1;
}

int cy_hold_release(cy_vault *v, int64_t hold_id, const char *reason)
{
	cy_holds_view *hv = NULL;
	hold_state *hs;
	cy_fonds_key *k;
	cy_buf sealed = CY_BUF_INIT;
	one_hold o;
	cy_ledger_entry e;
	char me[24], now[21], rrow[33], hid[24];
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("release holds"))))
		return rc;
	if ((rc = check_reason(reason, false)))
		return rc;
	if ((rc = cy_vault__holds_load(v, &hv)))
		return rc;
	/* the ledger says what the hold is and who placed it, not the row */
	if (!(hs = find_hold(hv, hold_id)) || !hs->kind[0]) {
		rc = cy_error_set(CY_ENOTFOUND, "no hold %" PRId64, hold_id);
		goto out;
	}
	if (!(k = cy_vault__fonds_key(v, hs->fonds))) {
		rc = cy_error_code();
		goto out;
	}
	if (hs->released) {
		rc = cy_error_set(CY_EINVALID,
				  "hold %" PRId64 " was released already (entry %" PRIu64 ")",
				  hold_id, hs->released);
		goto out;
	}
	snprintf(me, sizeof(me), "u%" PRId64, v->user_id);
	if (!strcmp(me, hs->actor)) {
		rc = cy_error_set(CY_EPERM,
				  "hold %" PRId64 " was placed by you ('%s'): another archivist of "
				  "fonds %s must release it",
				  hold_id, v->user, hs->fonds);
		goto out;
	}
	memset(&o, 0, sizeof(o));
	if ((rc = cy_catalog_hold_each(v->cat, 0, hold_id, take_hold, &o)))
		goto out;
	if (!o.found || strcmp(o.fonds, hs->fonds)) {
		rc = cy_error_set(CY_ECORRUPT,
				  "hold %" PRId64
				  " is on the ledger but its row is missing or altered "
				  "(run custody check)",
				  hold_id);
		goto out;
	}
	cy_vault__now(now);
	if (reason && *reason &&
	    (rc = seal_reason(v, k, o.epoch, "release", hold_id, reason, &sealed)))
		goto out;
	if ((rc = cy_vault__begin(v)))
		goto out;
	rc = cy_catalog_hold_release(v->cat, hold_id, now, v->user_id,
				     sealed.len ? sealed.ptr : NULL, sealed.len);
	rc = rc ? rc
		: cy_vault__hold_release_digest(hold_id, now, v->user_id,
						sealed.len ? sealed.ptr : NULL, sealed.len, rrow);
	snprintf(hid, sizeof(hid), "h%" PRId64, hold_id);
	memset(&e, 0, sizeof(e));
	e.action = "hold.release";
	e.targets[e.ntargets++] = hid;
	e.targets[e.ntargets++] = k->code;
	e.details[e.ndetails++] = (cy_ledger_detail){"row", rrow, 0};
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	cy_vault__holds_free(hv);
	cy_buf_release(&sealed);
	return rc;
}

/* ---- hold list ---- */

typedef struct list_ctx {
	cy_vault *v;
	cy_holds_view *hv;
	const char *fonds;
	bool all;
	cy_hold_fn fn;
	void *arg;
	char day[11];
	/* rows collected first: the callback may use the catalog */
	struct lrow {
		int64_t id, fonds_id, epoch, created_by, released_by;
		char fonds[8], kind[8], until[16], created[24], released[24];
		int unsettled, altered;
		cy_buf reason, rreason;
	} * rows;
	size_t n, cap;
} list_ctx;

static int collect_row(void *arg, const cy_catalog_hold *h)
{
	list_ctx *l = arg;
	struct lrow *r;
	hold_state *hs;
	int64_t *ids = NULL;
	size_t n = 0;
	char row[33], rrow[33];
	int rc;

	if (!cy_vault__holds(l->v, h->fonds_code))
		return 0;
	if (!(r = grow(l->rows, &l->cap, l->n, sizeof(*r))))
		return CY_ENOMEM;
	l->rows = r;
	r = &l->rows[l->n++];
	memset(r, 0, sizeof(*r));
	r->id = h->id;
	r->fonds_id = h->fonds_id;
	r->epoch = h->epoch;
	r->created_by = h->created_by;
	r->released_by = h->released_by;
	snprintf(r->fonds, sizeof(r->fonds), "%s", h->fonds_code);
	snprintf(r->kind, sizeof(r->kind), "%s", h->kind);
	snprintf(r->until, sizeof(r->until), "%s", h->until);
	snprintf(r->created, sizeof(r->created), "%s", h->created);
	snprintf(r->released, sizeof(r->released), "%s", h->released);
	r->unsettled = h->unsettled;
	cy_buf_put(&r->reason, h->reason, h->reason_len);
	if (h->release_reason)
		cy_buf_put(&r->rreason, h->release_reason, h->release_reason_len);
	hs = find_hold(l->hv, h->id);
	if ((rc = cy_catalog_hold_targets(l->v->cat, h->id, &ids, &n)))
		return rc;
	rc = cy_vault__hold_row_digest(h, ids, n, row);
	free(ids);
	if (rc)
		return rc;
	r->altered = !hs || strcmp(hs->row, row) || !hs->released != !*h->released;
	if (!r->altered && hs->released) {
		if ((rc = cy_vault__hold_release_digest(h->id, h->released, h->released_by,
							h->release_reason, h->release_reason_len,
							rrow)))
			return rc;
		r->altered = strcmp(rrow, hs->rrow) != 0;
	}
	return 0;
}

static int emit(list_ctx *l, struct lrow *r)
{
	cy_hold_info hi;
	hold_state *hs = find_hold(l->hv, r->id);
	cy_fonds_key *k = cy_vault__fonds_key_by_id(l->v, r->fonds_id);
	cy_buf pt = CY_BUF_INIT, rpt = CY_BUF_INIT;
	const char **targets = NULL;
	char code[8];
	int rc = 0;

	memset(&hi, 0, sizeof(hi));
	hi.id = r->id;
	snprintf(hi.fonds, sizeof(hi.fonds), "%s", r->fonds);
	snprintf(hi.kind, sizeof(hi.kind), "%s", hs ? hs->kind : r->kind);
	snprintf(hi.until, sizeof(hi.until), "%s", hs ? hs->until : r->until);
	hi.unsettled = hs ? hs->unsettled : r->unsettled;
	snprintf(hi.created, sizeof(hi.created), "%s", r->created);
	snprintf(hi.released, sizeof(hi.released), "%s", r->released);
	cy_catalog_hold_user_name(l->v->cat, r->created_by, hi.created_by);
	if (r->released_by)
		cy_catalog_hold_user_name(l->v->cat, r->released_by, hi.released_by);
	hi.altered = r->altered;
	/* the ledger's word on whether it holds */
	if (hs && hs->released)
		snprintf(hi.status, sizeof(hi.status), "released");
	else if (hs && !active(hs, l->day))
		snprintf(hi.status, sizeof(hi.status), "expired");
	else
		snprintf(hi.status, sizeof(hi.status), "active");
	if (!l->all && strcmp(hi.status, "active"))
		return 0;
	if (!k)
		return 0;
	if (open_reason(l->v, k, r->epoch, "reason", r->id, r->reason.ptr, r->reason.len, &pt)) {
		hi.altered = true;
		cy_error_clear();
	}
	if (r->rreason.len && open_reason(l->v, k, r->epoch, "release", r->id, r->rreason.ptr,
					  r->rreason.len, &rpt)) {
		hi.altered = true;
		cy_error_clear();
	}
	hi.reason = pt.len ? (const char *)pt.ptr : "";
	hi.release_reason = rpt.len ? (const char *)rpt.ptr : "";
	if (hs && !strcmp(hs->kind, "fonds")) {
		snprintf(code, sizeof(code), "%s", hs->fonds);
		targets = calloc(1, sizeof(*targets));
		if (targets) {
			targets[0] = code;
			hi.ntargets = 1;
		}
	} else if (hs && hs->nnames) {
		targets = calloc(hs->nnames, sizeof(*targets));
		for (size_t i = 0; targets && i < hs->nnames; i++)
			targets[hi.ntargets++] = hs->names[i];
	}
	hi.targets = targets;
	rc = l->fn(l->arg, &hi);
	free(targets);
	cy_buf_wipe(&pt);
	cy_buf_wipe(&rpt);
	return rc;
}

int cy_hold_list(cy_vault *v, const char *fonds, bool all, cy_hold_fn fn, void *arg)
{
	list_ctx l;
	cy_fonds_key *k = NULL;
	cy_ledger_entry e;
	int rc;

	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("list holds"))))
		return rc;
	if (fonds && !(k = cy_vault__fonds_key(v, fonds)))
		return cy_error_code();
	memset(&l, 0, sizeof(l));
	l.v = v;
	l.fonds = fonds;
	l.all = all;
	l.fn = fn;
	l.arg = arg;
	today(l.day);
	if ((rc = cy_vault__holds_load(v, &l.hv)))
		return rc;
	rc = cy_catalog_hold_each(v->cat, k ? k->fonds_id : 0, 0, collect_row, &l);
	if (!rc) {
		/* the reasons may name people: the listing is on the ledger first */
		memset(&e, 0, sizeof(e));
		e.action = "hold.list";
		e.targets[e.ntargets++] = fonds ? fonds : "*";
		e.details[e.ndetails++] = (cy_ledger_detail){"holds", NULL, (int64_t)l.n};
		rc = cy_vault__begin(v);
		rc = rc ? rc : cy_vault__log(v, &e);
		rc = rc ? rc : cy_vault__commit(v);
		if (rc)
			cy_vault__rollback(v);
	}
	for (size_t i = 0; !rc && i < l.n; i++)
		rc = emit(&l, &l.rows[i]);
	for (size_t i = 0; i < l.n; i++) {
		cy_buf_wipe(&l.rows[i].reason);
		cy_buf_wipe(&l.rows[i].rreason);
	}
	free(l.rows);
	cy_vault__holds_free(l.hv);
	return rc < 0 ? rc : 0;
}

/* ---- store-only (PIPL Art. 47 ¶2) ---- */

static int subject_why(cy_vault *v, int64_t subject_id, const char *display, char reason[32],
		       char since[32]);

static const restricted *find_restricted(const cy_holds_view *hv, char kind, const char *name)
{
	for (size_t i = 0; i < hv->nr; i++)
		if (hv->r[i].kind == kind && !strcmp(hv->r[i].name, name))
			return &hv->r[i];
	return NULL;
}

bool cy_restrict_reason_valid(const char *reason)
{
	return reason && !strncmp(reason, "art47-", 6) && reason[6] >= '1' && reason[6] <= '5' &&
	       !reason[7];
}

/* Whether record r is store-only, itself or through a subject: 1 and why
 * (reason, since), or 0. */
static int store_only_why(cy_vault *v, const cy_catalog_hold_rec *r, char reason[32],
			  char since[32])
{
	int64_t *subs = NULL;
	char(*st)[16] = NULL;
	size_t ns = 0;
	int rc, hit = 0;

	snprintf(reason, 32, "?");
	snprintf(since, 32, "?");
	if (!strcmp(r->status, "store-only")) {
		rc = cy_catalog_restriction_get(v->cat, "record", r->id, reason, since);
		return rc && rc != CY_ENOTFOUND ? rc : 1;
	}
	if ((rc = cy_catalog_hold_record_subjects(v->cat, r->id, &subs, &st, &ns)))
		return rc;
	for (size_t i = 0; i < ns && !hit; i++) {
		if (strcmp(st[i], "store-only"))
			continue;
		hit = 1;
		rc = cy_catalog_restriction_get(v->cat, "subject", subs[i], reason, since);
		if (rc == CY_ENOTFOUND)
			rc = 0;
	}
	free(subs);
	free(st);
	return rc ? rc : hit;
}

int cy_vault__store_only(cy_vault *v, int64_t record_id)
{
	cy_catalog_hold_rec r;
	char reason[32], since[32];
	int rc = cy_catalog_hold_record(v->cat, record_id, NULL, &r);

	if (rc == CY_ENOTFOUND)
		return 0;
	return rc ? rc : store_only_why(v, &r, reason, since);
}

/* An approved exception of the caller for this record that is still good:
 * its id, or 0.  Only the ledger counts: the request's own entry (made by
 * the caller), an approval by another user, and for a one-time exception
 * no access.use yet. */
static int64_t exception_of(cy_vault *v, const cy_holds_view *hv, int64_t record_id,
			    const char *day, bool *once)
{
	char me[24];

	snprintf(me, sizeof(me), "u%" PRId64, v->user_id);
	for (size_t i = 0; i < hv->na; i++) {
		const approval *a = &hv->a[i], *q = NULL;
		size_t uses = 0;
		if (a->kind != 'a' || strcmp(a->requester, me) || !strcmp(a->actor, me))
			continue;
		for (size_t j = 0; j < hv->na; j++) {
			if (hv->a[j].request != a->request)
				continue;
			if (hv->a[j].kind == 'q' && hv->a[j].seq < a->seq)
				q = &hv->a[j];
			if (hv->a[j].kind == 'u')
				uses++;
		}
		if (!q || strcmp(q->actor, me) || q->record != record_id)
			continue;
		if (a->until[0] ? strcmp(day, a->until) > 0 : uses > 0)
			continue;
		*once = !a->until[0];
		return a->request;
	}
	return 0;
}

/* The refusal every reader gives for a store-only record. */
static int refuse(const cy_catalog_hold_rec *r, const char *reason, const char *since,
		  const char *op)
{
	return cy_error_set(
		CY_EPERM,
		CY_TR(N_("record %s is store-only since %.10s (PIPL Art. 47 ¶2; deletion trigger "
			 "%s): it is kept, backed up and checked, but not %s; to read it, request "
			 "an exception (custody access request %s --reason TEXT) and have another "
			 "archivist approve it")),
		r->archive_no, since, reason, op, r->archive_no);
}

int cy_vault__may_read(cy_vault *v, int64_t record_id, const char *op)
{
	cy_catalog_hold_rec r;
	cy_holds_view *hv = NULL;
	char reason[32], since[32], day[11];
	int64_t ex;
	bool once = false;
	cy_ledger_entry e;
	int rc = cy_catalog_hold_record(v->cat, record_id, NULL, &r);

	if (rc == CY_ENOTFOUND)
		return 0; /* the caller's own look-up says what is missing */
	if (rc)
		return rc;
	if ((rc = store_only_why(v, &r, reason, since)) <= 0)
		return rc;
	if ((rc = cy_vault__holds_load(v, &hv)))
		return rc;
	today(day);
	ex = exception_of(v, hv, record_id, day, &once);
	cy_vault__holds_free(hv);
	if (!ex)
		return refuse(&r, reason, since, op);
	/* the exception is used up, on the ledger, before the read */
	memset(&e, 0, sizeof(e));
	e.action = "access.use";
	e.targets[e.ntargets++] = r.archive_no;
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", r.fonds, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"request", NULL, ex};
	e.details[e.ndetails++] = (cy_ledger_detail){"op", op, 0};
	rc = cy_vault__begin(v);
	rc = rc ? rc : (once ? cy_catalog_access_use(v->cat, ex) : 0);
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}

int cy_vault__may_read_subject(cy_vault *v, int64_t subject_id, const char *display_id,
			       const char *op)
{
	char reason[32], since[32];
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = subject_why(v, subject_id, display_id, reason, since);

	if (rc > 0)
		return cy_error_set(
			CY_EPERM,
			CY_TR(N_(
				"subject %s is store-only since %.10s (PIPL Art. 47 ¶2; deletion "
				"trigger %s): its data is kept, backed up and checked, but not %s")),
			display_id, since, reason, op);
	if (rc < 0)
		return rc;
	/* a record of the subject that is store-only keeps the export from
	 * carrying it */
	if ((rc = cy_catalog_hold_subject_records(v->cat, subject_id, &ids, &n)))
		return rc;
	/* (an exception is for one record: it never opens a whole customer) */
	for (size_t i = 0; !rc && i < n; i++) {
		cy_catalog_hold_rec r;
		if ((rc = cy_catalog_hold_record(v->cat, ids[i], NULL, &r)))
			break;
		if (!strcmp(r.status, "store-only") &&
		    (rc = store_only_why(v, &r, reason, since)) > 0)
			rc = refuse(&r, reason, since, op);
	}
	free(ids);
	return rc == CY_ENOTFOUND ? 0 : rc;
}

typedef struct restrict_ctx {
	cy_vault *v;
	const char *reason, *now;
} restrict_ctx;

/* One record made store-only inside the open transaction (its batch is
 * signed again afterwards by cy_vault__recsig_change_many). */
static int restrict_change(void *arg, int64_t id)
{
	restrict_ctx *x = arg;
	cy_catalog_hold_rec r;
	cy_ledger_entry e;
	int rc = cy_catalog_hold_record(x->v->cat, id, NULL, &r);

	rc = rc ? rc : cy_catalog_hold_record_set_status(x->v->cat, id, "store-only");
	rc = rc ? rc
		: cy_catalog_restriction_set(x->v->cat, "record", id, x->reason, x->now,
					     x->v->user_id);
	memset(&e, 0, sizeof(e));
	e.action = "record.restrict";
	e.targets[e.ntargets++] = r.archive_no;
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", r.fonds, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"reason", x->reason, 0};
	return rc ? rc : cy_vault__log(x->v, &e);
}

static int check_restrict(cy_vault *v, const char *reason)
{
	int rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("restrict records"));

	if (!rc && !cy_restrict_reason_valid(reason))
		rc = cy_error_set(CY_EINVALID,
				  "--reason must be art47-1 ... art47-5: the deletion trigger of "
				  "PIPL Art. 47 ¶1 that applies while a legal period still runs");
	return rc;
}

int cy_vault__restrict_records(cy_vault *v, const int64_t *ids, size_t n, const char *reason)
{
	bool own = !v->in_tx;
	restrict_ctx x = {v, reason, NULL};
	int64_t *pending = NULL;
	size_t m = 0;
	char now[21];
	int rc;

	if ((rc = check_restrict(v, reason)))
		return rc;
	if (!(pending = calloc(n ? n : 1, sizeof(*pending))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	memcpy(pending, ids, n * sizeof(*ids));
	qsort(pending, n, sizeof(*pending), cmp_i64);
	cy_vault__now(now);
	x.now = now;
	if (own && (rc = cy_vault__begin(v)))
		goto out;
	/* those not store-only yet, once each; a record transferred or destroyed
	 * cannot become store-only */
	for (size_t i = 0; !rc && i < n; i++) {
		cy_catalog_hold_rec r;
		if (i && pending[i] == pending[i - 1])
			continue;
		rc = cy_catalog_hold_record(v->cat, pending[i], NULL, &r);
		if (rc == CY_ENOTFOUND)
			rc = cy_error_set(CY_ENOTFOUND, "no record with id %" PRId64, pending[i]);
		else if (!rc && !cy_vault__fonds_key_by_id(v, r.fonds_id))
			rc = cy_error_set(CY_EPERM, "user '%s' holds no key for record '%s'",
					  v->user, r.archive_no);
		else if (!rc && strcmp(r.status, "held") && strcmp(r.status, "store-only"))
			rc = cy_error_set(CY_EINVALID,
					  "record %s is %s: it cannot become store-only",
					  r.archive_no, r.status);
		else if (!rc && !strcmp(r.status, "held"))
			pending[m++] = pending[i];
	}
	/* the status is in the signed row: the batches are verified, changed and
	 * signed again with the fonds' write key (archivists of the fonds only) */
	rc = rc ? rc : cy_vault__recsig_change_many(v, pending, m, restrict_change, &x);
	if (own) {
		rc = rc ? rc : cy_vault__commit(v);
		if (rc)
			cy_vault__rollback(v);
	}
out:
	free(pending);
	return rc;
}

int cy_record_restrict(cy_vault *v, const char *const *archive_nos, size_t n, const char *reason)
{
	int64_t *ids;
	int rc;

	if ((rc = check_restrict(v, reason)))
		return rc;
	if (!n)
		return cy_error_set(CY_EINVALID, "no archive number given");
	if (!(ids = calloc(n, sizeof(*ids))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < n; i++) {
		cy_catalog_hold_rec r;
		rc = record_of(v, archive_nos[i], &r);
		if (!rc && !cy_vault__fonds_key_by_id(v, r.fonds_id))
			rc = cy_vault__no_key_error(v, r.fonds);
		if (!rc)
			ids[i] = r.id;
	}
	rc = rc ? rc : cy_vault__restrict_records(v, ids, n, reason);
	free(ids);
	return rc;
}

int cy_subject_restrict(cy_vault *v, const char *subject_id, const char *reason)
{
	cy_fonds_key *k;
	cy_ledger_entry e;
	int64_t no, sid, *ids = NULL;
	size_t n = 0;
	char code[8], st[16], now[21];
	int rc;

	if ((rc = check_restrict(v, reason)))
		return rc;
	if ((rc = cy_subject_id_parse(subject_id, code, &no)))
		return rc;
	if (!(k = cy_vault__fonds_key(v, code)))
		return cy_error_set(CY_ENOTFOUND, "no subject '%s'", subject_id);
	rc = cy_catalog_hold_subject(v->cat, k->fonds_id, no, &sid, st);
	if (rc == CY_ENOTFOUND)
		return cy_error_set(CY_ENOTFOUND, "no subject '%s'", subject_id);
	if (rc)
		return rc;
	if ((rc = cy_vault__recsig_ready(v, k)))
		return rc;
	if ((rc = cy_catalog_hold_subject_records(v->cat, sid, &ids, &n)))
		return rc;
	cy_vault__now(now);
	if ((rc = cy_vault__begin(v)))
		goto out;
	if (strcmp(st, "store-only")) {
		rc = cy_catalog_hold_subject_set_status(v->cat, sid, "store-only");
		rc = rc ? rc
			: cy_catalog_restriction_set(v->cat, "subject", sid, reason, now,
						     v->user_id);
		memset(&e, 0, sizeof(e));
		e.action = "subject.restrict";
		e.targets[e.ntargets++] = subject_id;
		e.details[e.ndetails++] = (cy_ledger_detail){"fonds", k->code, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"reason", reason, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"records", NULL, (int64_t)n};
		rc = rc ? rc : cy_vault__log(v, &e);
	}
	rc = rc ? rc : cy_vault__restrict_records(v, ids, n, reason);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	free(ids);
	return rc;
}

/* ---- exceptions: access request / approve ---- */

int cy_access_request(cy_vault *v, const char *archive_no, const char *reason, int64_t *id)
{
	cy_catalog_hold_rec r;
	cy_catalog_access a;
	cy_fonds_key *k;
	cy_buf sealed = CY_BUF_INIT;
	cy_ledger_entry e;
	char now[21], why[32], since[32];
	int rc;

	*id = 0;
	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("request access"))))
		return rc;
	if ((rc = check_reason(reason, true)))
		return rc;
	if ((rc = record_of(v, archive_no, &r)))
		return rc;
	if (!(k = cy_vault__fonds_key_by_id(v, r.fonds_id)))
		return cy_vault__no_key_error(v, r.fonds);
	if ((rc = store_only_why(v, &r, why, since)) < 0)
		return rc;
	if (!rc)
		return cy_error_set(CY_EINVALID,
				    "record %s is not store-only: no exception is needed",
				    r.archive_no);
	memset(&a, 0, sizeof(a));
	a.record_id = r.id;
	a.user_id = v->user_id;
	a.epoch = k->epoch;
	cy_vault__now(now);
	a.created = now;
	if ((rc = cy_vault__begin(v)))
		return rc;
	rc = cy_catalog_access_insert(v->cat, &a, id);
	rc = rc ? rc : seal_reason(v, k, a.epoch, "access", *id, reason, &sealed);
	rc = rc ? rc : cy_catalog_access_set_reason(v->cat, *id, sealed.ptr, sealed.len);
	memset(&e, 0, sizeof(e));
	e.action = "access.request";
	e.targets[e.ntargets++] = r.archive_no;
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", r.fonds, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"record", NULL, r.id};
	e.details[e.ndetails++] = (cy_ledger_detail){"request", NULL, *id};
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		*id = 0;
	}
	cy_buf_release(&sealed);
	return rc;
}

typedef struct one_access {
	int64_t id, record_id, user_id;
	int approved;
} one_access;

static int take_access(void *arg, const cy_catalog_access *a)
{
	one_access *o = arg;

	o->id = a->id;
	o->record_id = a->record_id;
	o->user_id = a->user_id;
	o->approved = a->approved[0] != 0;
	return 1;
}

int cy_access_approve(cy_vault *v, int64_t id, const char *until)
{
	cy_holds_view *hv = NULL;
	const approval *q = NULL;
	cy_catalog_hold_rec r;
	one_access o;
	cy_ledger_entry e;
	char me[24], now[21];
	int y, m, d, rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("approve access"))))
		return rc;
	if (until && (rc = cy_date_parse(until, &y, &m, &d)))
		return rc;
	memset(&o, 0, sizeof(o));
	if ((rc = cy_catalog_access_each(v->cat, id, 0, 0, take_access, &o)))
		return rc;
	if (!o.id)
		return cy_error_set(CY_ENOTFOUND, "no access request %" PRId64, id);
	if ((rc = cy_catalog_hold_record(v->cat, o.record_id, NULL, &r)))
		return rc == CY_ENOTFOUND
			       ? cy_error_set(CY_ENOTFOUND, "no access request %" PRId64, id)
			       : rc;
	if (!cy_vault__fonds_key_by_id(v, r.fonds_id))
		return cy_vault__no_key_error(v, r.fonds);
	if ((rc = cy_vault__holds_load(v, &hv)))
		return rc;
	/* the requester as the ledger says, not as the row says */
	for (size_t i = 0; i < hv->na; i++)
		if (hv->a[i].kind == 'q' && hv->a[i].request == id)
			q = &hv->a[i];
	snprintf(me, sizeof(me), "u%" PRId64, v->user_id);
	if (!q)
		rc = cy_error_set(CY_ECORRUPT,
				  "access request %" PRId64 " has no access.request entry in the "
				  "ledger (run custody check)",
				  id);
	else if (!strcmp(q->actor, me))
		rc = cy_error_set(CY_EPERM,
				  "access request %" PRId64 " is your own: another archivist must "
				  "approve it",
				  id);
	else if (o.approved)
		rc = cy_error_set(CY_EINVALID, "access request %" PRId64 " was approved already",
				  id);
	if (rc)
		goto out;
	cy_vault__now(now);
	memset(&e, 0, sizeof(e));
	e.action = "access.approve";
	e.targets[e.ntargets++] = r.archive_no;
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", r.fonds, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"request", NULL, id};
	e.details[e.ndetails++] = (cy_ledger_detail){"requester", q->actor, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"until", until ? until : "", 0};
	if ((rc = cy_vault__begin(v)))
		goto out;
	rc = cy_catalog_access_approve(v->cat, id, v->user_id, now, until);
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	cy_vault__holds_free(hv);
	return rc;
}

/* ---- check ---- */

typedef struct hcheck {
	cy_vault *v;
	cy_holds_view *hv;
	cy_catalog_problem_fn problem;
	void *arg;
} hcheck;

static void say(hcheck *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(hcheck *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->problem(c->arg, msg);
}

static int check_hold_row(void *arg, const cy_catalog_hold *h)
{
	hcheck *c = arg;
	hold_state *hs = find_hold(c->hv, h->id);
	int64_t *ids = NULL;
	size_t n = 0;
	char row[33], rrow[33];
	int rc;

	if (!hs) {
		say(c,
		    "hold %" PRId64 " (fonds %s) is in the catalog but not on the ledger: it was "
		    "added behind the vault's back",
		    h->id, h->fonds_code);
		return 0;
	}
	hs->found = 1;
	if ((rc = cy_catalog_hold_targets(c->v->cat, h->id, &ids, &n)))
		return rc;
	rc = cy_vault__hold_row_digest(h, ids, n, row);
	free(ids);
	if (rc)
		return rc;
	if (strcmp(row, hs->row))
		say(c,
		    "hold %" PRId64 " (fonds %s): its row is not what its hold.add entry %" PRIu64
		    " recorded (what it covers, its reason, dates or fonds were changed): the "
		    "catalog was edited; the ledger's hold applies",
		    h->id, hs->fonds, hs->seq);
	if (!*h->released != !hs->released) {
		if (hs->released)
			say(c,
			    "hold %" PRId64 " (fonds %s) was released by ledger entry %" PRIu64
			    " but its row says it holds: the catalog was edited",
			    h->id, hs->fonds, hs->released);
		else
			say(c,
			    "hold %" PRId64
			    " (fonds %s) is released in the catalog, but the ledger "
			    "has no hold.release of it: the catalog was edited; the hold still "
			    "applies",
			    h->id, hs->fonds);
	} else if (hs->released) {
		if ((rc = cy_vault__hold_release_digest(h->id, h->released, h->released_by,
							h->release_reason, h->release_reason_len,
							rrow)))
			return rc;
		if (strcmp(rrow, hs->rrow))
			say(c,
			    "hold %" PRId64 " (fonds %s): its release is not what ledger entry "
			    "%" PRIu64 " recorded: the catalog was edited",
			    h->id, hs->fonds, hs->released);
	}
	return 0;
}

static int check_status_row(void *arg, const char *kind, int64_t id, const char *fonds,
			    const char *name, const char *status)
{
	hcheck *c = arg;
	char sid[CY_SUBJECT_ID_MAX];

	(void)id;
	if (strcmp(status, "store-only"))
		return 0; /* other statuses are destruction's and transfer's */
	if (kind[0] == 's') {
		snprintf(sid, sizeof(sid), "%s-C%06lld", fonds, strtoll(name, NULL, 10));
		name = sid;
	}
	if (!find_restricted(c->hv, kind[0] == 'r' ? 'r' : 's', name))
		say(c,
		    "%s %s is store-only in the catalog, but the ledger never restricted it: the "
		    "catalog was edited",
		    kind, name);
	return 0;
}

int cy_vault__holds_check(cy_vault *v, cy_catalog_problem_fn problem, void *arg)
{
	hcheck c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.v = v;
	c.problem = problem;
	c.arg = arg;
	if ((rc = cy_vault__holds_load(v, &c.hv)))
		return rc;
	rc = cy_catalog_hold_each(v->cat, 0, 0, check_hold_row, &c);
	for (size_t i = 0; !rc && i < c.hv->n; i++) {
		const hold_state *hs = &c.hv->h[i];
		if (!hs->found)
			say(&c,
			    "hold %" PRId64 " (fonds %s) is on the ledger (entry %" PRIu64
			    ") but its row is gone from the catalog: the catalog was edited; the "
			    "hold still applies",
			    hs->id, hs->fonds, hs->seq);
	}
	rc = rc ? rc : cy_catalog_hold_status_each(v->cat, check_status_row, &c);
	/* what the ledger restricted must still be store-only (nothing lifts it) */
	for (size_t i = 0; !rc && i < c.hv->nr; i++) {
		const restricted *r = &c.hv->r[i];
		char st[16] = "";
		if (r->kind == 'r') {
			cy_catalog_hold_rec rec;
			int x = cy_catalog_hold_record(v->cat, 0, r->name, &rec);
			if (x == CY_ENOTFOUND)
				continue; /* removed or moved: check_records says which */
			if (x) {
				rc = x;
				break;
			}
			snprintf(st, sizeof(st), "%s", rec.status);
		} else {
			char code[8];
			int64_t no, sid;
			const cy_fonds_key *k;
			int x;
			if (cy_subject_id_parse(r->name, code, &no)) {
				cy_error_clear();
				continue;
			}
			if (!(k = cy_vault__fonds_key(v, code))) {
				/* a role without the fonds' key: look it up by code anyway */
				cy_error_clear();
				continue;
			}
			x = cy_catalog_hold_subject(v->cat, k->fonds_id, no, &sid, st);
			if (x == CY_ENOTFOUND)
				continue;
			if (x) {
				rc = x;
				break;
			}
		}
		if (strcmp(st, "store-only") && strcmp(st, "destroyed"))
			say(&c,
			    "%s %s was made store-only by ledger entry %" PRIu64
			    " but the catalog says '%s': the catalog was edited",
			    r->kind == 'r' ? "record" : "subject", r->name, r->seq, st);
	}
	cy_vault__holds_free(c.hv);
	return rc < 0 ? rc : 0;
}

static void wipe_str(char **s)
{
	if (*s) {
		cy_wipe(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

static int withhold(int rc, cy_record_info *r)
{
	if (rc <= 0)
		return rc;
	wipe_str(&r->title);
	wipe_str(&r->source);
	wipe_str(&r->message_id);
	wipe_str(&r->meta_json);
	r->date[0] = r->date_end[0] = 0;
	snprintf(r->status, sizeof(r->status), "store-only");
	return 0;
}

int cy_vault__store_only_no(cy_vault *v, const char *archive_no)
{
	cy_catalog_hold_rec r;
	char reason[32], since[32];
	int rc = cy_catalog_hold_record(v->cat, 0, archive_no, &r);

	if (rc == CY_ENOTFOUND)
		return 0;
	return rc ? rc : store_only_why(v, &r, reason, since);
}

/* Whether subject subject_id (display id `display`) is store-only: its
 * restriction row or a subject.restrict entry of the ledger says so (the
 * row can be deleted by hand, the entry cannot).  1 and why, or 0. */
static int subject_why(cy_vault *v, int64_t subject_id, const char *display, char reason[32],
		       char since[32])
{
	cy_holds_view *hv = NULL;
	const restricted *r;
	int rc = cy_catalog_restriction_get(v->cat, "subject", subject_id, reason, since);

	if (rc != CY_ENOTFOUND)
		return rc ? rc : 1;
	if ((rc = cy_vault__holds_load(v, &hv)))
		return rc;
	if ((r = find_restricted(hv, 's', display))) {
		snprintf(reason, 32, "%s", r->reason);
		snprintf(since, 32, "?");
		rc = 1;
	}
	cy_vault__holds_free(hv);
	return rc;
}

int cy_vault__subject_store_only(cy_vault *v, int64_t subject_id, const char *display)
{
	char reason[32], since[32];

	return subject_why(v, subject_id, display, reason, since);
}

int cy_vault__withhold_store_only(cy_vault *v, int64_t record_id, cy_record_info *r)
{
	return withhold(cy_vault__store_only(v, record_id), r);
}

int cy_vault__withhold_store_only_no(cy_vault *v, cy_record_info *r)
{
	return withhold(cy_vault__store_only_no(v, r->archive_no), r);
}
