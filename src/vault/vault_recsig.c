/* vault_recsig.c - record signatures: the fonds write key and signed
 * batches of records (docs/formats/record-sig.md, docs/security/records.md).
 *
 * A viewer holds the fonds key (she reads, and so can re-seal metadata),
 * but never the fonds' write key: that Ed25519 key is sealed only to the
 * archivists granted the fonds (grants.wslot) and to the recovery key
 * (fonds.sign_rslot).  Every transaction that creates or changes records
 * signs, once per fonds, the digests of those records' catalog rows; the
 * write key's fingerprint is in the ledger (fonds.add or, for a fonds made
 * before schema 3, fonds.signkey), so replacing the public key in the
 * catalog is seen too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_packs.h" /* cy_catalog_ledger_mentions */
#include "catalog/catalog_recsig.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "vault/vault_recsig.h"
#include "catalog/catalog_destroy.h"
#include "custody/banned.h"

/* ---- formats ---- */

static void put_u64(cy_buf *b, uint64_t v)
{
	cy_buf_put_u64be(b, v);
}

static void put_bytes(cy_buf *b, const void *p, size_t n)
{
	cy_buf_put_u32be(b, (uint32_t)n);
	if (n)
		cy_buf_put(b, p, n);
}

static void put_str(cy_buf *b, const char *s)
{
	put_bytes(b, s, s ? strlen(s) : 0);
}

static int encode_row(const cy_catalog_recsig_row *r, cy_buf *b)
{
	cy_buf_clear(b);
	cy_buf_put(b, CY_RECORD_DIGEST_TAG, sizeof(CY_RECORD_DIGEST_TAG)); /* with its NUL */
	put_u64(b, (uint64_t)r->id);
	put_u64(b, (uint64_t)r->fonds_id);
	put_str(b, r->archive_no);
	put_str(b, r->klass);
	put_u64(b, (uint64_t)r->year);
	put_str(b, r->retention);
	put_str(b, r->org);
	put_u64(b, (uint64_t)r->item);
	put_u64(b, r->size);
	put_bytes(b, r->dedup, r->dedup_len);
	put_bytes(b, r->meta, r->meta_len);
	put_str(b, r->status);
	put_str(b, r->created);
	put_u64(b, (uint64_t)r->created_by);
	cy_buf_put_u32be(b, (uint32_t)r->nobjs);
	for (size_t i = 0; i < r->nobjs; i++) {
		const cy_catalog_recsig_obj *o = &r->objs[i];
		put_u64(b, (uint64_t)o->seq);
		put_str(b, o->role);
		cy_buf_put_u8(b, (uint8_t)(o->present != 0));
		put_u64(b, o->length);
		put_u64(b, o->size);
		put_u64(b, (uint64_t)o->compressed);
		put_bytes(b, o->dkey, o->dkey_len);
		put_u64(b, (uint64_t)o->owner);
	}
	cy_buf_put_u32be(b, (uint32_t)r->nsubjects);
	for (size_t i = 0; i < r->nsubjects; i++)
		put_u64(b, (uint64_t)r->subjects[i]);
	return cy_buf_failed(b) ? cy_error_set(CY_ENOMEM, "out of memory") : 0;
}

static int digest_with(const cy_catalog_recsig_row *r, cy_buf *b, uint8_t out[32])
{
	int rc = encode_row(r, b);

	if (!rc)
		cy_sha256(b->ptr, b->len, out);
	return rc;
}

int cy_vault__recsig_digest(const cy_catalog_recsig_row *r, cy_buf *scratch, uint8_t out[32])
{
	cy_buf b = CY_BUF_INIT;
	int rc = digest_with(r, scratch ? scratch : &b, out);

	cy_buf_release(&b);
	return rc;
}

int cy_vault__recsig_batch_msg(const char *vault_id, const char *code, uint64_t seq,
			       const uint8_t *digests, size_t n, cy_buf *out)
{
	uint8_t h[32];

	cy_sha256(digests, n * 32, h);
	cy_buf_clear(out);
	cy_buf_put(out, CY_RECORD_BATCH_TAG, sizeof(CY_RECORD_BATCH_TAG));
	cy_buf_put(out, vault_id, strlen(vault_id) + 1);
	cy_buf_put(out, code, strlen(code) + 1);
	cy_buf_put_u64be(out, seq);
	cy_buf_put(out, h, 32);
	return cy_buf_failed(out) ? cy_error_set(CY_ENOMEM, "out of memory") : 0;
}

static void hex16(const uint8_t h[32], char hex[33])
{
	static const char x[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		hex[2 * i] = x[h[i] >> 4];
		hex[2 * i + 1] = x[h[i] & 15];
	}
	hex[32] = 0;
}

void cy_vault__recsig_fingerprint(const uint8_t pub[32], char hex[33])
{
	uint8_t h[32];

	cy_sha256(pub, 32, h);
	hex16(h, hex);
}

void cy_vault__recsig_fonds_row(const char *code, const char *name, const char *uscc,
				const char *created, char hex[33])
{
	cy_buf b = CY_BUF_INIT;
	uint8_t h[32];

	cy_buf_put(&b, CY_FONDS_ROW_TAG, sizeof(CY_FONDS_ROW_TAG));
	cy_buf_put(&b, code, strlen(code) + 1);
	cy_buf_put(&b, name, strlen(name) + 1);
	cy_buf_put(&b, uscc ? uscc : "", uscc ? strlen(uscc) + 1 : 1);
	cy_buf_put(&b, created, strlen(created));
	cy_sha256(b.ptr, b.len, h);
	cy_buf_release(&b);
	hex16(h, hex);
}

static int ctx_write(const char *vault_id, const char *code, cy_buf *out)
{
	cy_buf_clear(out);
	return cy_buf_printf(out, "%s/%s/%s", CY_CTX_WRITE_KEY, vault_id, code);
}

/* wslot = the grantee's X25519 public key || the seed sealed to it */
static int seal_write(cy_vault *v, const cy_fonds_key *k, const uint8_t pub[32], cy_buf *out)
{
	cy_buf ctx = CY_BUF_INIT;
	int rc = ctx_write(v->vault_id, k->code, &ctx);

	cy_buf_clear(out);
	rc = rc ? rc : cy_buf_put(out, pub, 32);
	rc = rc ? rc : cy_seal(pub, cy_buf_cstr(&ctx), CY_WRITE_SEED(k), 32, out);
	cy_buf_release(&ctx);
	return rc;
}

/* ---- the ledger's word on a write key ---- */

typedef struct key_entry {
	char target[24];
	uint64_t seq;
} key_entry;

static int is_key_entry(const char *e, size_t n, const char *target)
{
	return (memmem(e, n, "\"action\":\"fonds.add\"", 20) ||
		memmem(e, n, "\"action\":\"fonds.signkey\"", 24)) &&
	       memmem(e, n, target, strlen(target));
}

static int key_entry_fn(void *arg, uint64_t seq, const char *entry, size_t n)
{
	key_entry *ke = arg;

	if (is_key_entry(entry, n, ke->target) && !ke->seq)
		ke->seq = seq;
	return 0;
}

int cy_vault__recsig_key_entry(cy_vault *v, const char *code, const uint8_t pub[32], uint64_t *seq)
{
	key_entry ke = {{0}, 0};
	char fp[33], needle[64];
	int rc;

	cy_vault__recsig_fingerprint(pub, fp);
	snprintf(needle, sizeof(needle), "\"signkey\":\"%s\"", fp);
	snprintf(ke.target, sizeof(ke.target), "\"targets\":[\"%s\"]", code);
	rc = cy_catalog_ledger_mentions(v->cat, needle, key_entry_fn, &ke);
	*seq = ke.seq;
	return rc < 0 ? rc : 0;
}

/* 1 if ledger entry seq is a fonds.add / fonds.signkey of fonds code that
 * recorded this key, 0 if not, < 0 on error. */
static int entry_records_key(cy_vault *v, uint64_t seq, const char *code, const uint8_t pub[32])
{
	cy_buf e = CY_BUF_INIT;
	char fp[33], needle[64], target[24];
	int rc;

	if (!seq)
		return 0;
	rc = cy_catalog_ledger_entry_get(v->cat, seq, &e);
	if (rc == CY_ENOTFOUND) {
		cy_error_clear();
		rc = 0;
	} else if (!rc) {
		cy_vault__recsig_fingerprint(pub, fp);
		snprintf(needle, sizeof(needle), "\"signkey\":\"%s\"", fp);
		snprintf(target, sizeof(target), "\"targets\":[\"%s\"]", code);
		rc = is_key_entry((const char *)e.ptr, e.len, target) &&
		     memmem(e.ptr, e.len, needle, strlen(needle)) != NULL;
	}
	cy_buf_release(&e);
	return rc;
}

/* Whether the ledger ever recorded a write key for this fonds. */
static int any_key_fn(void *arg, uint64_t seq, const char *entry, size_t n)
{
	key_entry *ke = arg;

	if (is_key_entry(entry, n, ke->target) && memmem(entry, n, "\"signkey\":", 10))
		ke->seq = seq;
	return 0;
}

static int ledger_has_key(cy_vault *v, const char *code, uint64_t *seq)
{
	key_entry ke = {{0}, 0};
	int rc;

	snprintf(ke.target, sizeof(ke.target), "\"targets\":[\"%s\"]", code);
	rc = cy_catalog_ledger_mentions(v->cat, ke.target, any_key_fn, &ke);
	*seq = ke.seq;
	return rc < 0 ? rc : 0;
}

/* The fonds' write public key as the catalog says, and whether the ledger
 * recorded it; cached in k once known. */
typedef struct sign_pub {
	uint8_t pub[32];
	int has;
	char code[8];
	uint64_t seq;
} sign_pub;

static int take_pub(void *arg, const cy_catalog_fonds_sign *f)
{
	sign_pub *sp = arg;

	snprintf(sp->code, sizeof(sp->code), "%s", f->code);
	sp->seq = f->sign_seq;
	if (f->sign_pub && f->sign_pub_len == 32) {
		memcpy(sp->pub, f->sign_pub, 32);
		sp->has = 1;
	}
	return 0;
}

static int trusted_pub(cy_vault *v, cy_fonds_key *k, int64_t fonds_id, uint8_t pub[32])
{
	sign_pub sp;
	uint64_t seq = 0;
	int rc;

	if (k && k->wpub_known) {
		memcpy(pub, k->wpub, 32);
		return 0;
	}
	memset(&sp, 0, sizeof(sp));
	rc = cy_catalog_fonds_sign_each(v->cat, fonds_id, take_pub, &sp);
	if (rc < 0)
		return rc;
	if (!sp.has)
		return cy_error_set(CY_ECORRUPT,
				    "fonds '%s' has no write key in the catalog: its records cannot "
				    "be verified (run custody check)",
				    sp.code);
	if (k && k->writable && !cy_memeq(k->wpub, sp.pub, 32))
		return cy_error_set(
			CY_ECORRUPT,
			"the write key of fonds '%s' in the catalog is not the one sealed "
			"to user '%s': the catalog was edited (run custody check)",
			sp.code, v->user);
	/* the entry the catalog points at, else a search of the whole ledger */
	if ((rc = entry_records_key(v, sp.seq, sp.code, sp.pub)) < 0)
		return rc;
	if (rc == 1)
		seq = sp.seq;
	else if ((rc = cy_vault__recsig_key_entry(v, sp.code, sp.pub, &seq)))
		return rc;
	if (!seq)
		return cy_error_set(CY_ECORRUPT,
				    "the write key of fonds '%s' in the catalog is not the one the "
				    "ledger recorded: the catalog was edited (run custody check)",
				    sp.code);
	memcpy(pub, sp.pub, 32);
	if (k) {
		memcpy(k->wpub, sp.pub, 32);
		k->wpub_known = 1;
	}
	return 0;
}

/* ---- a new fonds ---- */

int cy_vault__recsig_fonds_new(cy_vault *v, cy_fonds_key *k, const char *name, const char *uscc,
			       const char *created, char fp[33], char row[33])
{
	cy_buf ctx = CY_BUF_INIT, rslot = CY_BUF_INIT, wslot = CY_BUF_INIT;
	uint8_t pub[32];
	int rc;

	rc = cy_ed25519_keygen(CY_WRITE_SEED(k), pub);
	rc = rc ? rc : ctx_write(v->vault_id, k->code, &ctx);
	/* sealed to the recovery key too: a fonds recovered after every archivist
	 * is gone can be written again (docs/security/records.md) */
	rc = rc ? rc : cy_seal(v->recovery_pub, cy_buf_cstr(&ctx), CY_WRITE_SEED(k), 32, &rslot);
	rc = rc ? rc : cy_catalog_fonds_sign_set(v->cat, k->fonds_id, pub, rslot.ptr, rslot.len);
	rc = rc ? rc : seal_write(v, k, v->pub, &wslot);
	rc = rc ? rc : cy_catalog_wslot_put(v->cat, v->user_id, k->fonds_id, wslot.ptr, wslot.len);
	if (!rc) {
		memcpy(k->wpub, pub, 32);
		k->writable = k->wpub_known = 1;
		cy_vault__recsig_fingerprint(pub, fp);
		cy_vault__recsig_fonds_row(k->code, name, uscc, created, row);
	}
	cy_buf_release(&ctx);
	cy_buf_release(&rslot);
	cy_buf_release(&wslot);
	return rc;
}

int cy_vault__recsig_require(cy_vault *v, const cy_fonds_key *k)
{
	if (k->writable)
		return 0;
	return cy_error_set(CY_EPERM,
			    "user '%s' does not hold the write key of fonds '%s' yet: it is "
			    "sealed to an archivist granted the fonds the next time another "
			    "archivist of the fonds opens the vault",
			    v->user, k->code);
}

/* ---- signing ---- */

typedef struct collect {
	const int64_t *ids; /* NULL: every row given */
	size_t nids;
	cy_buf enc;
	cy_buf digests;
	int64_t *rows;
	size_t n, cap;
	int64_t skip_batch_check; /* resign: the batch the rows must verify against */
	int bad;		  /* resign: a row of the old batch no longer matches */
	int64_t changed;	  /* resign: the record whose row changed */
	char bad_no[64];
} collect;

static int in_ids(const collect *c, int64_t id)
{
	size_t lo = 0, hi = c->nids;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->ids[mid] == id)
			return 1;
		if (c->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int collect_row(void *arg, const cy_catalog_recsig_row *r)
{
	collect *c = arg;
	uint8_t d[32];
	int rc;

	if (c->ids && !in_ids(c, r->id))
		return 0;
	if ((rc = digest_with(r, &c->enc, d)))
		return rc;
	if (c->skip_batch_check && r->id != c->changed &&
	    (r->digest_len != 32 || !cy_memeq(r->digest, d, 32)) && !c->bad) {
		c->bad = 1;
		snprintf(c->bad_no, sizeof(c->bad_no), "%s", r->archive_no);
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		void *nr = realloc(c->rows, cap * sizeof(*c->rows));
		if (!nr)
			return cy_error_set(CY_ENOMEM, "out of memory");
		c->rows = nr;
		c->cap = cap;
	}
	c->rows[c->n++] = r->id;
	return cy_buf_put(&c->digests, d, 32);
}

static void collect_release(collect *c)
{
	cy_buf_release(&c->enc);
	cy_buf_release(&c->digests);
	free(c->rows);
}

/* Sign the collected rows as one batch of fonds k at the transaction's last
 * ledger seq, and store each row's digest and batch. */
static int sign_collected(cy_vault *v, cy_fonds_key *k, collect *c)
{
	cy_buf msg = CY_BUF_INIT;
	uint8_t sig[64];
	int64_t bid;
	int rc;

	if (!c->n)
		return 0;
	if (!v->in_tx || !v->tx_entries)
		return cy_error_set(CY_EINVALID, "records signed outside a logged transaction");
	rc = cy_vault__recsig_batch_msg(v->vault_id, k->code, v->fr.size, c->digests.ptr, c->n,
					&msg);
	rc = rc ? rc : cy_ed25519_sign(CY_WRITE_SEED(k), msg.ptr, msg.len, sig);
	rc = rc ? rc
		: cy_catalog_batch_insert(v->cat, k->fonds_id, v->fr.size, (int64_t)c->n, sig,
					  &bid);
	for (size_t i = 0; !rc && i < c->n; i++)
		rc = cy_catalog_record_sig_set(v->cat, c->rows[i], c->digests.ptr + 32 * i, bid);
	cy_buf_release(&msg);
	return rc;
}

/* The write key must be the one the ledger recorded before it signs. */
int cy_vault__recsig_ready(cy_vault *v, cy_fonds_key *k)
{
	uint8_t pub[32];
	int rc;

	if ((rc = cy_vault__recsig_require(v, k)))
		return rc;
	return trusted_pub(v, k, k->fonds_id, pub);
}

int cy_vault__recsig_batch_begin(cy_vault *v, cy_fonds_key *k, int64_t *batch_id)
{
	int rc;

	if (!v->in_tx)
		return cy_error_set(CY_EINVALID, "records signed outside a logged transaction");
	rc = cy_vault__recsig_ready(v, k);
	return rc ? rc : cy_catalog_batch_reserve(v->cat, k->fonds_id, batch_id);
}

int cy_vault__recsig_batch_sign(cy_vault *v, cy_fonds_key *k, int64_t batch_id,
				const uint8_t *digests, size_t n)
{
	cy_buf msg = CY_BUF_INIT;
	uint8_t sig[64];
	int rc;

	if (!n)
		return cy_error_set(CY_EINVALID, "an empty batch of records to sign");
	if (!v->in_tx || !v->tx_entries)
		return cy_error_set(CY_EINVALID, "records signed outside a logged transaction");
	rc = cy_vault__recsig_batch_msg(v->vault_id, k->code, v->fr.size, digests, n, &msg);
	rc = rc ? rc : cy_ed25519_sign(CY_WRITE_SEED(k), msg.ptr, msg.len, sig);
	rc = rc ? rc : cy_catalog_batch_seal(v->cat, batch_id, v->fr.size, (int64_t)n, sig);
	cy_buf_release(&msg);
	return rc;
}

/* Verify a batch: its count, and its signature over the given digests:
 * 1 if it holds, 0 if not, < 0 on error. */
static int batch_ok(cy_vault *v, const char *code, const uint8_t pub[32], const cy_catalog_batch *b,
		    const uint8_t *digests, int64_t n)
{
	cy_buf msg = CY_BUF_INIT;
	int rc;

	if (n != b->count || !b->sig_ok)
		return 0;
	rc = cy_vault__recsig_batch_msg(v->vault_id, code, b->seq, digests, (size_t)n, &msg);
	if (!rc) {
		rc = cy_ed25519_verify(pub, msg.ptr, msg.len, b->sig) == 0;
		cy_error_clear();
	}
	cy_buf_release(&msg);
	return rc;
}

static int fonds_of_fn(void *arg, const cy_catalog_recsig_row *r)
{
	*(int64_t *)arg = r->fonds_id;
	return 0;
}

static int batch_of_fn(void *arg, const cy_catalog_recsig_row *r)
{
	*(int64_t *)arg = r->batch_id;
	return 0;
}

/* Before a record of batch `batch` changes (or goes): the batch must verify
 * as it was signed, and each of its other records must still match its
 * signed digest, so that signing the batch again launders nothing. */
static int verify_batch(cy_vault *v, cy_fonds_key *k, int64_t batch, int64_t changed)
{
	collect c;
	cy_catalog_batch b;
	cy_buf stored = CY_BUF_INIT;
	int64_t n = 0;
	int rc, ok = 0;

	memset(&c, 0, sizeof(c));
	rc = cy_catalog_batch_get(v->cat, batch, &b);
	rc = rc ? rc : cy_catalog_batch_digests(v->cat, batch, &stored, &n);
	if (!rc && b.fonds_id == k->fonds_id)
		rc = ok = batch_ok(v, k->code, k->wpub, &b, stored.ptr, n);
	if (rc >= 0 && !ok)
		rc = cy_error_set(CY_ECORRUPT,
				  "the signed batch of this record in fonds '%s' does not verify: "
				  "the catalog was edited (run custody check)",
				  k->code);
	if (rc == 1) {
		c.skip_batch_check = batch;
		c.changed = changed;
		rc = cy_catalog_recsig_each(v->cat, 0, 0, 0, batch, collect_row, &c);
		if (!rc && c.bad)
			rc = cy_error_set(CY_ECORRUPT,
					  "record %s: its catalog row was changed after it was "
					  "signed (run custody check)",
					  c.bad_no);
	}
	collect_release(&c);
	cy_buf_release(&stored);
	return rc < 0 ? rc : 0;
}

/* Sign the records now in batch `batch` as a new batch, and drop the old. */
static int resign_batch(cy_vault *v, cy_fonds_key *k, int64_t batch)
{
	collect c;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = cy_catalog_recsig_each(v->cat, 0, 0, 0, batch, collect_row, &c);
	rc = rc ? rc : sign_collected(v, k, &c);
	rc = rc ? rc : cy_catalog_batch_delete(v->cat, batch);
	collect_release(&c);
	return rc;
}

int cy_vault__recsig_resign(cy_vault *v, cy_fonds_key *k, int64_t record_id)
{
	collect c;
	int64_t batch = 0, ids[1] = {record_id};
	int rc;

	if ((rc = cy_vault__recsig_ready(v, k)))
		return rc;
	rc = cy_catalog_recsig_each(v->cat, k->fonds_id, record_id, record_id, 0, batch_of_fn,
				    &batch);
	if (rc)
		return rc;
	if (batch) {
		rc = verify_batch(v, k, batch, record_id);
		return rc ? rc : resign_batch(v, k, batch);
	}
	/* a record never signed: only itself */
	memset(&c, 0, sizeof(c));
	c.ids = ids;
	c.nids = 1;
	rc = cy_catalog_recsig_each(v->cat, k->fonds_id, record_id, record_id, 0, collect_row, &c);
	rc = rc ? rc : sign_collected(v, k, &c);
	collect_release(&c);
	return rc;
}

/* The batch and fonds of one record. */
typedef struct where {
	int64_t batch, fonds, id;
} where;

static int where_fn(void *arg, const cy_catalog_recsig_row *r)
{
	where *w = arg;

	w->batch = r->batch_id;
	w->fonds = r->fonds_id;
	return 0;
}

static int cmp_where(const void *a, const void *b)
{
	const where *x = a, *y = b;

	return (x->batch > y->batch) - (x->batch < y->batch);
}

int cy_vault__recsig_change_many(cy_vault *v, const int64_t *ids, size_t n,
				 int (*change)(void *arg, int64_t id), void *arg)
{
	where *w = calloc(n ? n : 1, sizeof(*w));
	int rc = w ? 0 : cy_error_set(CY_ENOMEM, "out of memory");

	for (size_t i = 0; !rc && i < n; i++) {
		cy_fonds_key *k;
		w[i].id = ids[i];
		rc = cy_catalog_recsig_each(v->cat, 0, ids[i], ids[i], 0, where_fn, &w[i]);
		if (!rc && !(k = cy_vault__fonds_key_by_id(v, w[i].fonds)))
			rc = cy_error_set(CY_EPERM, "user '%s' holds no key for a record to change",
					  v->user);
		if (!rc && (i == 0 || w[i].fonds != w[i - 1].fonds))
			rc = cy_vault__recsig_ready(v, k);
	}
	/* by batch: each batch verified as signed, once, before any row changes */
	if (!rc)
		qsort(w, n, sizeof(*w), cmp_where);
	for (size_t i = 0; !rc && i < n; i++)
		if (w[i].batch && (i == 0 || w[i].batch != w[i - 1].batch))
			rc = verify_batch(v, cy_vault__fonds_key_by_id(v, w[i].fonds), w[i].batch,
					  0);
	for (size_t i = 0; !rc && i < n; i++)
		rc = change(arg, ids[i]);
	/* then each batch signed again once, with its rows as they are now */
	for (size_t i = 0; !rc && i < n; i++) {
		cy_fonds_key *k = cy_vault__fonds_key_by_id(v, w[i].fonds);
		if (!w[i].batch) {
			/* a record never signed: only itself */
			collect c;
			int64_t one[1] = {w[i].id};
			memset(&c, 0, sizeof(c));
			c.ids = one;
			c.nids = 1;
			rc = cy_catalog_recsig_each(v->cat, k->fonds_id, w[i].id, w[i].id, 0,
						    collect_row, &c);
			rc = rc ? rc : sign_collected(v, k, &c);
			collect_release(&c);
		} else if (i == 0 || w[i].batch != w[i - 1].batch) {
			rc = resign_batch(v, k, w[i].batch);
		}
	}
	free(w);
	return rc;
}

int cy_vault__record_remove(cy_vault *v, const char *archive_no, const char *reason)
{
	cy_fonds_key *k = NULL;
	cy_ledger_entry e;
	int64_t id = 0, batch = 0, fid = 0;
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("remove records"))))
		return rc;
	rc = cy_catalog_record_batch_of(v->cat, archive_no, &id, &batch);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no record '%s'", archive_no);
	if ((rc = cy_catalog_recsig_each(v->cat, 0, id, id, 0, fonds_of_fn, &fid)))
		return rc;
	if (!(k = cy_vault__fonds_key_by_id(v, fid)))
		return cy_error_set(CY_EPERM, "user '%s' holds no key for record '%s'", v->user,
				    archive_no);
	if ((rc = cy_vault__recsig_ready(v, k)))
		return rc;
	if ((rc = cy_vault__begin(v)))
		return rc;
	rc = batch ? verify_batch(v, k, batch, 0) : 0;
	rc = rc ? rc : cy_catalog_record_remove(v->cat, id);
	memset(&e, 0, sizeof(e));
	e.action = "record.destroy";
	e.targets[0] = archive_no;
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", k->code, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"reason", reason, 0};
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc || !batch ? rc : resign_batch(v, k, batch);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}

/* The distinct signed batches of records ids (of fonds k), each verified
 * once: its signature over its stored digests, and every record of it
 * still matching its digest.  A record never signed is an error (check
 * names it).  The ids stay in the catalog's temporary table for the
 * caller (cy_catalog_tmp_ids_*). */
static int verify_batches_of(cy_vault *v, cy_fonds_key *k, const int64_t *ids, size_t n,
			     cy_buf *batches)
{
	int rc = cy_catalog_tmp_ids_set(v->cat, ids, n);
	size_t nb;

	rc = rc ? rc : cy_catalog_tmp_ids_batches(v->cat, batches);
	nb = batches->len / sizeof(int64_t);
	for (size_t i = 0; !rc && i < nb; i++) {
		int64_t b;
		memcpy(&b, batches->ptr + i * sizeof(b), sizeof(b));
		if (!b)
			rc = cy_error_set(CY_ECORRUPT,
					  "a record of fonds %s to be changed was never signed (run "
					  "custody check)",
					  k->code);
		else
			rc = verify_batch(v, k, b, 0);
	}
	return rc;
}

int cy_vault__records_verify(cy_vault *v, cy_fonds_key *k, const int64_t *ids, size_t n)
{
	cy_buf batches = CY_BUF_INIT;
	int rc = verify_batches_of(v, k, ids, n, &batches);

	cy_buf_release(&batches);
	return rc;
}

int cy_vault__records_remove(cy_vault *v, cy_fonds_key *k, const int64_t *ids, size_t n,
			     cy_vault_removed_fn logged, void *arg, cy_buf *subjects)
{
	cy_buf batches = CY_BUF_INIT;
	int rc = 0;

	if (!v->in_tx)
		return cy_error_set(CY_EINVALID, "records removed outside a transaction");
	/* every signed batch they are in verifies before anything goes */
	rc = verify_batches_of(v, k, ids, n, &batches);
	if (!rc && subjects)
		rc = cy_catalog_tmp_ids_subjects(v->cat, subjects);
	rc = rc ? rc : cy_catalog_tmp_ids_remove(v->cat);
	for (size_t i = 0; !rc && logged && i < n; i++)
		rc = logged(arg, i);
	/* and is signed again with what is left of it */
	for (size_t i = 0; !rc && i < batches.len / sizeof(int64_t); i++) {
		int64_t b;
		memcpy(&b, batches.ptr + i * sizeof(b), sizeof(b));
		rc = resign_batch(v, k, b);
	}
	cy_buf_release(&batches);
	return rc;
}

/* ---- one record, for show and get ---- */

typedef struct one {
	uint8_t digest[32];
	int64_t id, batch_id, fonds_id;
	int match; /* the stored digest is the row's */
	int found;
} one;

static int one_fn(void *arg, const cy_catalog_recsig_row *r)
{
	one *o = arg;
	int rc = cy_vault__recsig_digest(r, NULL, o->digest);

	o->found = 1;
	o->batch_id = r->batch_id;
	o->fonds_id = r->fonds_id;
	o->match = !rc && r->digest_len == 32 && cy_memeq(r->digest, o->digest, 32);
	return rc;
}

/* 1 if the fonds was made before schema 3 and was never given a write key
 * (its records are signed when an archivist of it next opens the vault;
 * until then they are read as they are: trust on first use), 0 if not. */
static int legacy_unsigned(cy_vault *v, int64_t fonds_id)
{
	sign_pub sp;
	uint64_t seq = 0;
	int rc;

	memset(&sp, 0, sizeof(sp));
	rc = cy_catalog_fonds_sign_each(v->cat, fonds_id, take_pub, &sp);
	if (rc < 0)
		return rc;
	if (sp.has || !*sp.code)
		return 0;
	if ((rc = ledger_has_key(v, sp.code, &seq)))
		return rc;
	return seq == 0;
}

/* The last batch whose signature verified in full: its row as it was (seq,
 * count, signature), the key, and its records' digests, sorted.  A read of
 * many records of one batch (a transfer's export: an import of 10,000 files
 * is one batch) then checks each record's digest against this signed list,
 * instead of fetching and verifying the whole batch once per record, which
 * made the export quadratic in the batch's size.  The row is read again for
 * each record: a batch signed again or dropped since is verified anew (or
 * refused) as before. */
struct cy_vault__recsig_seen {
	int64_t fonds_id;
	cy_catalog_batch b;
	uint8_t pub[32];
	uint8_t *digests;
	size_t n;
};

void cy_vault__recsig_seen_free(cy_vault *v)
{
	if (v->recsig_seen)
		free(v->recsig_seen->digests);
	free(v->recsig_seen);
	v->recsig_seen = NULL;
}

static int cmp_digest(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* 1 if batch b of fonds_id is the one that verified last under pub and
 * lists digest, else 0. */
static int seen_lists(const cy_vault *v, int64_t fonds_id, const cy_catalog_batch *b,
		      const uint8_t pub[32], const uint8_t digest[32])
{
	const struct cy_vault__recsig_seen *s = v->recsig_seen;

	return s && s->b.id == b->id && s->fonds_id == fonds_id && b->fonds_id == fonds_id &&
	       s->b.seq == b->seq && s->b.count == b->count && b->sig_ok &&
	       cy_memeq(s->b.sig, b->sig, 64) && cy_memeq(s->pub, pub, 32) &&
	       bsearch(digest, s->digests, s->n, 32, cmp_digest) != NULL;
}

/* Keep batch b (just verified, its stored digests in stored) for the next
 * records; a failure to keep it only costs speed. */
static void seen_keep(cy_vault *v, int64_t fonds_id, const cy_catalog_batch *b,
		      const uint8_t pub[32], const cy_buf *stored, int64_t n)
{
	struct cy_vault__recsig_seen *s = calloc(1, sizeof(*s));

	cy_vault__recsig_seen_free(v);
	if (!s || n <= 0 || (size_t)n != stored->len / 32 || !(s->digests = malloc(stored->len))) {
		free(s);
		return;
	}
	memcpy(s->digests, stored->ptr, stored->len);
	qsort(s->digests, (size_t)n, 32, cmp_digest);
	s->n = (size_t)n;
	s->fonds_id = fonds_id;
	s->b = *b;
	memcpy(s->pub, pub, 32);
	v->recsig_seen = s;
}

int cy_vault__recsig_verify(cy_vault *v, const char *archive_no)
{
	one o;
	cy_catalog_batch b;
	cy_buf stored = CY_BUF_INIT;
	uint8_t pub[32];
	int64_t n = 0, id = 0, batch = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = cy_catalog_record_batch_of(v->cat, archive_no, &id, &batch);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return cy_error_set(CY_ENOTFOUND, "no record '%s'", archive_no);
	rc = cy_catalog_recsig_each(v->cat, 0, id, id, 0, one_fn, &o);
	if (rc < 0)
		return rc;
	if (!o.found)
		return cy_error_set(CY_ENOTFOUND, "no record '%s'", archive_no);
	if (!o.batch_id && (rc = legacy_unsigned(v, o.fonds_id)) != 0)
		return rc < 0 ? rc : 0;
	if (!o.batch_id)
		return cy_error_set(
			CY_ECORRUPT,
			"record %s is not signed: it was added or changed behind the "
			"vault's back, or its fonds has no write key yet; it is not shown "
			"(run custody check)",
			archive_no);
	if (!o.match)
		return cy_error_set(CY_ECORRUPT,
				    "record %s: its catalog row was changed after it was signed "
				    "(title/metadata, objects or status); it is not shown (run "
				    "custody check, restore the catalog from a backup)",
				    archive_no);
	rc = trusted_pub(v, cy_vault__fonds_key_by_id(v, o.fonds_id), o.fonds_id, pub);
	rc = rc ? rc : cy_catalog_batch_get(v->cat, o.batch_id, &b);
	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_ECORRUPT, "record %s: its signed batch is gone", archive_no);
	if (!rc && seen_lists(v, o.fonds_id, &b, pub, o.digest))
		return 0;
	rc = rc ? rc : cy_catalog_batch_digests(v->cat, o.batch_id, &stored, &n);
	if (!rc) {
		char code[8];
		size_t cn = strcspn(archive_no, "-");
		int ok = 0;
		snprintf(code, sizeof(code), "%.*s", (int)(cn < 7 ? cn : 7), archive_no);
		if (b.fonds_id == o.fonds_id)
			rc = ok = batch_ok(v, code, pub, &b, stored.ptr, n);
		if (rc > 0) {
			seen_keep(v, o.fonds_id, &b, pub, &stored, n);
			rc = 0;
		} else if (!rc && !ok)
			rc = cy_error_set(
				CY_ECORRUPT,
				"record %s: the signature of its batch does not verify "
				"(a record of the batch was changed or deleted); it is not "
				"shown (run custody check)",
				archive_no);
	}
	cy_buf_release(&stored);
	return rc;
}

/* ---- at open ---- */

typedef struct wk {
	int64_t fonds_id;
	char code[8];
	cy_buf wslot;
	int has_pub;
	uint8_t pub[32];
} wk;

typedef struct wks {
	wk *v;
	size_t n;
} wks;

static int collect_wslot(void *arg, const cy_catalog_wslot *w)
{
	wks *ws = arg;
	wk *nv = realloc(ws->v, sizeof(*nv) * (ws->n + 1));

	if (!nv)
		return cy_error_set(CY_ENOMEM, "out of memory");
	ws->v = nv;
	nv = &ws->v[ws->n++];
	memset(nv, 0, sizeof(*nv));
	nv->fonds_id = w->fonds_id;
	snprintf(nv->code, sizeof(nv->code), "%s", w->code);
	if (w->sign_pub && w->sign_pub_len == 32) {
		nv->has_pub = 1;
		memcpy(nv->pub, w->sign_pub, 32);
	}
	return cy_buf_put(&nv->wslot, w->wslot, w->wslot_len);
}

/* Give a fonds made before schema 3 its write key and sign its records as
 * they are now (trust on first use, docs/security/records.md). */
static int first_key(cy_vault *v, cy_fonds_key *k)
{
	cy_catalog_fonds f;
	collect c;
	cy_ledger_entry e;
	char fp[33], row[33];
	uint64_t seen = 0;
	sign_pub sp;
	int rc, own_tx = 0;

	memset(&c, 0, sizeof(c));
	memset(&f, 0, sizeof(f));
	memset(&sp, 0, sizeof(sp));
	if ((rc = cy_vault__begin(v)))
		return rc;
	own_tx = 1;
	/* under the write lock: another archivist may have been first; and a
	 * fonds the ledger gave a write key keeps it (a catalog that lost it was
	 * edited, and check says so) */
	rc = cy_catalog_fonds_sign_each(v->cat, k->fonds_id, take_pub, &sp);
	rc = rc < 0 ? rc : ledger_has_key(v, k->code, &seen);
	if (rc < 0 || sp.has || seen)
		goto out;
	if ((rc = cy_catalog_fonds_get(v->cat, k->code, &f)))
		goto out;
	rc = cy_vault__recsig_fonds_new(v, k, f.name, f.uscc, f.created, fp, row);
	if (!rc) {
		memset(&e, 0, sizeof(e));
		e.action = "fonds.signkey";
		e.targets[0] = k->code;
		e.ntargets = 1;
		e.details[e.ndetails++] = (cy_ledger_detail){"signkey", fp, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"row", row, 0};
		e.details[e.ndetails++] = (cy_ledger_detail){"trust", "first-use", 0};
		rc = cy_vault__log(v, &e);
		rc = rc ? rc : cy_catalog_fonds_sign_seq_set(v->cat, k->fonds_id, e.seq);
	}
	rc = rc ? rc : cy_catalog_recsig_each(v->cat, k->fonds_id, 0, 0, 0, collect_row, &c);
	rc = rc ? rc : sign_collected(v, k, &c);
	rc = rc ? rc : cy_vault__commit(v);
	if (!rc)
		own_tx = 0;
out:
	if (own_tx) {
		cy_vault__rollback(v);
		k->writable = k->wpub_known = 0;
	}
	collect_release(&c);
	cy_catalog_fonds_release(&f);
	return rc;
}

typedef struct writer {
	int64_t id;
	uint8_t pub[32];
} writer;

typedef struct writers {
	cy_vault *v;
	writer *w;
	size_t n;
} writers;

static int collect_writer(void *arg, const cy_catalog_writer *w)
{
	writers *ws = arg;
	writer *nw;

	/* only a user the admin key certified as an archivist with this key */
	if (w->pub_len != 32 || strcmp(w->role, "archivist") ||
	    cy_vault__verify_cert(ws->v, w->user_id, w->name, w->role, w->pub,
				  w->upub_len == 32 ? w->upub : NULL, w->serial, w->cert,
				  w->cert_len))
		return 0;
	if (!(nw = realloc(ws->w, sizeof(*nw) * (ws->n + 1))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	ws->w = nw;
	ws->w[ws->n].id = w->user_id;
	memcpy(ws->w[ws->n].pub, w->pub, 32);
	ws->n++;
	return 0;
}

/* Seal k's write key to every archivist granted the fonds who lacks it. */
static int share(cy_vault *v, cy_fonds_key *k)
{
	writers ws = {v, NULL, 0};
	cy_buf slot = CY_BUF_INIT;
	int rc = cy_catalog_writers_missing(v->cat, k->fonds_id, collect_writer, &ws);

	if (rc < 0 || !ws.n)
		goto out;
	if ((rc = cy_vault__begin(v)))
		goto out;
	for (size_t i = 0; !rc && i < ws.n; i++) {
		char target[24];
		cy_ledger_entry e;
		snprintf(target, sizeof(target), "u%lld", (long long)ws.w[i].id);
		rc = seal_write(v, k, ws.w[i].pub, &slot);
		rc = rc ? rc
			: cy_catalog_wslot_put(v->cat, ws.w[i].id, k->fonds_id, slot.ptr, slot.len);
		memset(&e, 0, sizeof(e));
		e.action = "grant.write";
		e.targets[0] = target;
		e.targets[1] = k->code;
		e.ntargets = 2;
		rc = rc ? rc : cy_vault__log(v, &e);
	}
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	free(ws.w);
	cy_buf_release(&slot);
	return rc < 0 ? rc : 0;
}

int cy_vault__recsig_open(cy_vault *v)
{
	wks ws = {NULL, 0};
	cy_buf ctx = CY_BUF_INIT;
	int rc;

	if (v->role != CY_ROLE_ARCHIVIST || !v->nkeys)
		return 0;
	rc = cy_catalog_wslot_each_user(v->cat, v->user_id, collect_wslot, &ws);
	for (size_t i = 0; rc >= 0 && i < ws.n; i++) {
		cy_fonds_key *k = cy_vault__fonds_key_by_id(v, ws.v[i].fonds_id);
		uint8_t pub[32];
		rc = 0;
		if (!k)
			continue;
		if (!ws.v[i].has_pub) {
			/* a fonds made before schema 3 */
			rc = first_key(v, k);
			continue;
		}
		if (ws.v[i].wslot.len <= 32 || !cy_memeq(ws.v[i].wslot.ptr, v->pub, 32))
			continue; /* not sealed to this user's current key: shared later */
		if ((rc = ctx_write(v->vault_id, k->code, &ctx)))
			break;
		rc = cy_seal_open(v->priv, cy_buf_cstr(&ctx), ws.v[i].wslot.ptr + 32,
				  ws.v[i].wslot.len - 32, CY_WRITE_SEED(k), 32);
		if (rc == CY_ENOMEM)
			break;
		if (rc || cy_ed25519_public(CY_WRITE_SEED(k), pub)) {
			/* a damaged slot only costs this user the right to write */
			cy_wipe(CY_WRITE_SEED(k), 32);
			cy_error_clear();
			rc = 0;
			continue;
		}
		memcpy(k->wpub, pub, 32);
		k->writable = 1;
	}
	for (int i = 0; rc >= 0 && i < v->nkeys; i++)
		if (v->keys[i].writable)
			rc = share(v, &v->keys[i]);
	for (size_t i = 0; i < ws.n; i++)
		cy_buf_release(&ws.v[i].wslot);
	free(ws.v);
	cy_buf_release(&ctx);
	return rc < 0 ? rc : 0;
}

/* ---- recovery ---- */

int cy_vault__recsig_recover(cy_vault *v, const uint8_t recovery_priv[32], int64_t fonds_id,
			     const char *code, int64_t user_id, const uint8_t user_pub[32])
{
	cy_buf rslot = CY_BUF_INIT, ctx = CY_BUF_INIT, wslot = CY_BUF_INIT;
	uint8_t *seed = cy_secure_alloc(32), pub[32];
	int rc;

	if (!seed)
		return CY_ENOMEM;
	rc = cy_catalog_fonds_sign_rslot(v->cat, fonds_id, &rslot);
	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_ENOTFOUND, "fonds '%s' has no write key yet", code);
	rc = rc ? rc : ctx_write(v->vault_id, code, &ctx);
	rc = rc ? rc
		: cy_seal_open(recovery_priv, cy_buf_cstr(&ctx), rslot.ptr, rslot.len, seed, 32);
	if (rc == CY_EAUTH || rc == CY_EINVALID)
		rc = cy_error_set(
			CY_EAUTH,
			"the write key of fonds '%s' does not open with this recovery key", code);
	rc = rc ? rc : cy_ed25519_public(seed, pub);
	if (!rc) {
		/* the seed must be the key the catalog and the ledger name */
		sign_pub sp;
		memset(&sp, 0, sizeof(sp));
		rc = cy_catalog_fonds_sign_each(v->cat, fonds_id, take_pub, &sp);
		if (rc >= 0 && (!sp.has || !cy_memeq(sp.pub, pub, 32)))
			rc = cy_error_set(
				CY_ECORRUPT,
				"the write key of fonds '%s' sealed to the recovery key is "
				"not the fonds' write key: the catalog was edited",
				code);
	}
	if (!rc) {
		cy_buf_clear(&wslot);
		rc = cy_buf_put(&wslot, user_pub, 32);
		rc = rc ? rc : cy_seal(user_pub, cy_buf_cstr(&ctx), seed, 32, &wslot);
		rc = rc ? rc
			: cy_catalog_wslot_put(v->cat, user_id, fonds_id, wslot.ptr, wslot.len);
	}
	cy_secure_free(seed, 32);
	cy_buf_release(&rslot);
	cy_buf_release(&ctx);
	cy_buf_release(&wslot);
	return rc < 0 ? rc : 0;
}
