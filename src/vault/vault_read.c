/* vault_read.c - listing, showing, reading and amending records.
 *
 * Every read of personal data is on the ledger before the data leaves the
 * library: a listing (titles, sources) appends one record.list entry with
 * the fonds and the count, a record shown one record.show, a record's bytes
 * one record.read (docs/security/hygiene.md).  Entries carry ids and counts,
 * never titles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_audit.h"
#include "catalog/catalog_records.h"
#include "crypto/crypto.h"
#include "custody/error.h"
#include "vault/vault_holds.h"
#include "vault/vault_recsig.h"
#include "custody/destroy.h"
#include "custody/banned.h"

/* The catalog row's clear fields, then the decrypted metadata. */
int cy_vault__record_fill(cy_vault *v, const cy_cat_record *c, cy_record_info *r)
{
	cy_fonds_key *k;

	memset(r, 0, sizeof(*r));
	snprintf(r->archive_no, sizeof(r->archive_no), "%s", c->archive_no);
	snprintf(r->fonds, sizeof(r->fonds), "%s", c->fonds_code);
	snprintf(r->class_name, sizeof(r->class_name), "%s", c->klass);
	r->year = c->year;
	snprintf(r->retention, sizeof(r->retention), "%s", c->retention);
	snprintf(r->org, sizeof(r->org), "%s", c->org);
	r->item = c->item;
	r->size = c->size;
	r->stored = c->length;
	r->compressed = c->compressed != 0;
	snprintf(r->status, sizeof(r->status), "%s", c->status);
	snprintf(r->created, sizeof(r->created), "%s", c->created);
	snprintf(r->created_by, sizeof(r->created_by), "%s", c->created_by);
	k = cy_vault__fonds_key_by_id(v, c->fonds_id);
	if (!k)
		return cy_error_set(CY_EPERM, "user '%s' holds no key for fonds '%s'", v->user,
				    r->fonds);
	return cy_vault__meta_open(k, r->archive_no, c->meta, c->meta_len, r);
}

typedef struct list_ctx {
	cy_vault *v;
	cy_record_fn fn;
	void *arg;
	int64_t max_id;	   /* the records counted by the listing's ledger entry */
	cy_holds_view *hv; /* the ledger's holds, for the status (vault_holds.c) */
} list_ctx;

static int list_one(void *arg, const cy_cat_record *c)
{
	list_ctx *l = arg;
	cy_record_info r;
	int rc;

	/* a record added after the entry was written is not in this listing */
	if (c->id > l->max_id || !cy_vault__fonds_key_by_id(l->v, c->fonds_id))
		return 0;
	rc = cy_vault__record_fill(l->v, c, &r);
	/* the status as readers see it: on-hold, and store-only without its title */
	rc = rc ? rc : cy_vault__record_status(l->v, l->hv, c->id, c->status, r.status);
	rc = rc ? rc : cy_vault__withhold_store_only(l->v, c->id, &r);
	if (!rc)
		rc = l->fn(l->arg, &r);
	cy_record_info_release(&r);
	return rc;
}

static int cmp_key_code(const void *a, const void *b)
{
	return strcmp((*(cy_fonds_key *const *)a)->code, (*(cy_fonds_key *const *)b)->code);
}

/* The listing's ledger entry, committed before any title is shown: the fonds
 * listed (every held one when k is NULL; "*" when more than an entry holds)
 * and how many records they hold now.  *max_id: the largest of their record
 * ids, so the listing shows no record the entry did not count. */
static int log_listing(cy_vault *v, cy_fonds_key *k, int64_t *max_id)
{
	cy_fonds_key **ks = NULL;
	cy_ledger_entry e;
	uint64_t count = 0, n;
	int64_t id;
	int nk = k ? 1 : v->nkeys, rc;

	*max_id = 0;
	if (!(ks = calloc((size_t)nk + 1, sizeof(*ks))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	for (int i = 0; i < nk; i++)
		ks[i] = k ? k : &v->keys[i];
	qsort(ks, (size_t)nk, sizeof(*ks), cmp_key_code);
	memset(&e, 0, sizeof(e));
	e.action = "record.list";
	if (nk > CY_LEDGER_MAX_TARGETS)
		e.targets[e.ntargets++] = "*";
	else
		for (int i = 0; i < nk; i++)
			e.targets[e.ntargets++] = ks[i]->code;
	if ((rc = cy_vault__begin(v)))
		goto out;
	for (int i = 0; !rc && i < nk; i++) {
		rc = cy_catalog_record_count(v->cat, ks[i]->fonds_id, &n, &id);
		count += n;
		if (id > *max_id)
			*max_id = id;
	}
	e.details[e.ndetails++] = (cy_ledger_detail){"count", NULL, (int64_t)count};
	if (nk > CY_LEDGER_MAX_TARGETS)
		e.details[e.ndetails++] = (cy_ledger_detail){"fonds", NULL, nk};
	rc = rc ? rc : cy_vault__log(v, &e);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	free(ks);
	return rc;
}

int cy_record_list(cy_vault *v, const char *fonds, cy_record_fn fn, void *arg)
{
	list_ctx l = {v, fn, arg, 0, NULL};
	cy_fonds_key *k = NULL;
	int rc;

	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("list records"))))
		return rc;
	if (fonds && !(k = cy_vault__fonds_key(v, fonds)))
		return cy_error_code(); /* no such fonds, not granted, or pending */
	if ((rc = log_listing(v, k, &l.max_id)))
		return rc;
	if ((rc = cy_vault__holds_load(v, &l.hv)))
		return rc;
	rc = cy_catalog_record_each(v->cat, k ? k->fonds_id : 0, list_one, &l);
	cy_vault__holds_free(l.hv);
	return rc;
}

/* A record the caller may read, by number or by a number it had before it
 * moved.  The row is copied into the caller's struct (valid until the next
 * catalog call) through the callback. */
typedef struct found {
	cy_vault *v;
	cy_record_info info;
	int64_t record_id, fonds_id;
	char pack[64];
	cy_obj_ref ref;
	uint8_t dkey[CY_DKEY_WRAPPED_LEN];
	cy_buf meta; /* the encrypted metadata as stored */
	int rc;
} found;

/* Where f's object is: the row's object (the first, or the part asked for). */
static int take_ref(found *f, const cy_cat_record *c)
{
	snprintf(f->pack, sizeof(f->pack), "%s", c->pack);
	f->ref = (cy_obj_ref){.pack = f->pack,
			      .offset = c->offset,
			      .length = c->length,
			      .size = c->size,
			      .owner_subject_id = c->owner_subject_id};
	if (c->dkey) {
		if (c->dkey_len != sizeof(f->dkey))
			return cy_error_set(CY_ECORRUPT,
					    "record %s: its object's data key is damaged",
					    c->archive_no);
		memcpy(f->dkey, c->dkey, sizeof(f->dkey));
		f->ref.dkey = f->dkey;
		f->ref.dkey_len = sizeof(f->dkey);
	}
	return 0;
}

static int take(void *arg, const cy_cat_record *c)
{
	found *f = arg;
	int rc;

	f->record_id = c->id;
	f->fonds_id = c->fonds_id;
	if (!cy_vault__fonds_key_by_id(f->v, c->fonds_id))
		return 1;
	if ((rc = take_ref(f, c)))
		return rc;
	cy_buf_clear(&f->meta);
	if ((f->rc = cy_buf_put(&f->meta, c->meta, c->meta_len)))
		return 0;
	f->rc = cy_vault__record_fill(f->v, c, &f->info);
	return 0;
}

static int take_part(void *arg, const cy_cat_record *c)
{
	return take_ref(arg, c);
}

static void found_release(found *f)
{
	cy_record_info_release(&f->info);
	cy_buf_release(&f->meta);
}

/* Why a record cannot be read, decided from the fonds code its number starts
 * with, never from whether such a record exists: no such fonds, not granted,
 * grant pending, or (the caller holds that fonds) no such record. */
static int not_found(cy_vault *v, const char *archive_no)
{
	size_t n = strcspn(archive_no, "-");
	char code[8];

	if (n > 0 && n < sizeof(code)) {
		memcpy(code, archive_no, n);
		code[n] = 0;
		if (cy_fonds_code_valid(code) && !cy_vault__holds(v, code))
			return cy_vault__no_key_error(v, code);
	}
	{
		int64_t batch = 0;
		char when[21];
		if (cy_destroy_lookup(v, archive_no, &batch, when) == 1)
			return cy_error_set(CY_ENOTFOUND,
					    "record %s was destroyed on %s in destruction batch "
					    "%lld (custody destroy show %lld)",
					    archive_no, when, (long long)batch, (long long)batch);
		cy_error_clear();
	}
	return cy_error_set(CY_ENOTFOUND, "no record '%s'", archive_no);
}

static int lookup(cy_vault *v, const char *archive_no, found *f)
{
	char current[64];
	int rc;

	memset(f, 0, sizeof(*f));
	f->v = v;
	if ((rc = cy_vault__require(v, CY_R_CONTENT, N_("read records"))))
		return rc;
	rc = cy_catalog_record_by_no(v->cat, archive_no, take, f);
	if (rc == CY_ENOTFOUND && cy_catalog_alias_resolve(v->cat, archive_no, current) == 1)
		rc = cy_catalog_record_by_no(v->cat, current, take, f);
	if (rc == 1 || rc == CY_ENOTFOUND)
		return not_found(v, archive_no);
	if (!rc)
		rc = f->rc;
	/* a record is shown only as its archivist signed it (vault_recsig.c) */
	if (!rc)
		rc = cy_vault__recsig_verify(v, f->info.archive_no);
	if (rc)
		found_release(f);
	return rc;
}

/* One read of one record on the ledger, committed (record.show: its
 * metadata; record.read: its bytes, with the part's number after the first). */
static int log_read(cy_vault *v, const char *action, const cy_record_info *info, unsigned part)
{
	cy_ledger_entry e;
	int rc = cy_vault__begin(v);

	if (rc)
		return rc;
	memset(&e, 0, sizeof(e));
	e.action = action;
	e.targets[e.ntargets++] = info->archive_no;
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", info->fonds, 0};
	if (part)
		e.details[e.ndetails++] = (cy_ledger_detail){"part", NULL, (int64_t)part};
	rc = cy_vault__log(v, &e);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	return rc;
}

int cy_record_show(cy_vault *v, const char *archive_no, cy_record_info *out)
{
	found f;
	int rc = lookup(v, archive_no, &f);

	if (rc)
		return rc;
	/* store-only (PIPL Art. 47 ¶2): refused unless an exception was approved */
	rc = cy_vault__may_read(v, f.record_id, CY_TR(N_("shown")));
	rc = rc ? rc : cy_vault__record_status(v, NULL, f.record_id, f.info.status, f.info.status);
	/* the metadata (title, source) is on the ledger before it leaves */
	if (rc || (rc = log_read(v, "record.show", &f.info, 0))) {
		found_release(&f);
		return rc;
	}
	*out = f.info;
	cy_buf_release(&f.meta);
	return 0;
}

/* Point f at part `part` of its record: the object (f->ref) and the SHA-256
 * and salt the metadata records for it. */
static int locate_part(cy_vault *v, found *f, unsigned part, char sha[65], uint8_t salt[16])
{
	cy_record_part_info pi;
	int rc;

	if (part >= f->info.nobjects)
		return cy_error_set(CY_ENOTFOUND, "record %s has no part %u", f->info.archive_no,
				    part);
	if (part == 0) {
		memcpy(sha, f->info.sha256, 65);
		memcpy(salt, f->info.salt, 16);
		return 0;
	}
	rc = cy_vault__meta_part(f->info.archive_no, f->info.meta_json, part, &pi, salt);
	if (!rc)
		memcpy(sha, pi.sha256, 65);
	rc = rc ? rc : cy_catalog_record_part(v->cat, f->record_id, (int)part, take_part, f);
	if (rc == CY_ENOTFOUND)
		rc = cy_error_set(CY_ECORRUPT, "record %s: part %u is not in the catalog",
				  f->info.archive_no, part);
	/* the row's size is the record's (its original's): the part's is in the metadata */
	f->ref.size = pi.size;
	return rc;
}

int cy_record_get_part(cy_vault *v, const char *archive_no, unsigned part, cy_data_sink sink,
		       void *arg)
{
	found f;
	char sha[65];
	uint8_t salt[16];
	bool reading = false;
	int rc = lookup(v, archive_no, &f);

	if (rc)
		return rc;
	rc = cy_vault__may_read(v, f.record_id, CY_TR(N_("read")));
	rc = rc ? rc : locate_part(v, &f, part, sha, salt);
	/* the read is on the record before a byte leaves the vault */
	rc = rc ? rc : log_read(v, "record.read", &f.info, part);
	if (!rc) {
		reading = true;
		rc = cy_vault__read_object(v, cy_vault__fonds_key_by_id(v, f.fonds_id),
					   f.info.archive_no, &f.ref, sha, salt, sink, arg);
	}
	if (reading && rc == CY_ENOTFOUND) {
		/* a compaction may have moved the object and removed its old pack between
		 * the look-up and the read: look it up once more (no byte was released) */
		found g;
		char pack[64];
		snprintf(pack, sizeof(pack), "%s", f.pack);
		if (lookup(v, f.info.archive_no, &g) == 0) {
			if (locate_part(v, &g, part, sha, salt) == 0 && strcmp(g.pack, pack))
				rc = cy_vault__read_object(v,
							   cy_vault__fonds_key_by_id(v, g.fonds_id),
							   g.info.archive_no, &g.ref, sha, salt,
							   sink, arg);
			found_release(&g);
		}
	}
	found_release(&f);
	return rc;
}

int cy_record_get(cy_vault *v, const char *archive_no, cy_data_sink sink, void *arg)
{
	return cy_record_get_part(v, archive_no, 0, sink, arg);
}

/* For a handover (transfer.c): a record's metadata and every part's bytes,
 * verified as cy_record_get verifies them, and not logged one by one: the
 * caller logged the export of the whole scope before (transfer.export). */
int cy_vault__export_record(cy_vault *v, const char *archive_no, const cy_vault__export_cb *cb,
			    void *arg)
{
	found f;
	int rc = lookup(v, archive_no, &f);

	if (rc)
		return rc;
	/* store-only records never leave; neither do those on hold */
	rc = cy_vault__may_read(v, f.record_id, CY_TR(N_("handed over")));
	rc = rc ? rc : cy_vault__record_status(v, NULL, f.record_id, f.info.status, f.info.status);
	if (!rc && strcmp(f.info.status, "held"))
		rc = cy_error_set(CY_EPERM, "record %s is %s: it cannot be handed over",
				  f.info.archive_no, f.info.status);
	rc = rc ? rc : cb->record(arg, &f.info);
	for (unsigned part = 0; !rc && part < f.info.nobjects; part++) {
		cy_record_part_info pi;
		char sha[65];
		uint8_t salt[16];
		rc = cy_record_part_describe(&f.info, part, &pi);
		rc = rc ? rc : locate_part(v, &f, part, sha, salt);
		rc = rc ? rc : cb->begin(arg, &f.info, part, &pi);
		rc = rc ? rc
			: cy_vault__read_object(v, cy_vault__fonds_key_by_id(v, f.fonds_id),
						f.info.archive_no, &f.ref, sha, salt, cb->data, arg);
		rc = rc ? rc : cb->end(arg);
	}
	rc = rc ? rc : cb->done(arg, &f.info);
	found_release(&f);
	return rc;
}

/* ---- amend ---- */

static int set_text(json_t *o, const char *key, const char *val)
{
	if (!*val)
		return json_object_del(o, key), 0;
	if (json_object_set_new(o, key, json_string(val)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	return 0;
}

int cy_record_amend_apply(cy_vault *v, const char *archive_no, const cy_record_amend *a,
			  char new_no[64])
{
	found f;
	cy_fonds_key *k;
	cy_class klass;
	json_t *j = NULL;
	cy_buf meta = CY_BUF_INIT;
	char grp[96], now[21], old_no[64], changed[96] = "";
	const char *retention;
	int layout = 0, year, moved, rc;
	int64_t item;
	cy_ledger_entry e;
	cy_record_new check;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("amend records"))))
		return rc;
	if (!a->title && !a->date && !a->year && a->klass < 0 && !a->retention)
		return cy_error_set(CY_EINVALID,
				    "nothing to amend: give --year, --class, --title or --date");
	if ((rc = lookup(v, archive_no, &f)))
		return rc;
	snprintf(old_no, sizeof(old_no), "%s", f.info.archive_no);
	k = cy_vault__fonds_key_by_id(v, f.fonds_id);
	if ((rc = cy_vault__epoch_writable(v, k)))
		goto out;
	if ((rc = cy_class_parse(f.info.class_name, &klass)))
		goto out;
	if (a->klass >= 0)
		klass = (cy_class)a->klass;
	year = a->year ? a->year : f.info.year;
	retention = a->retention ? a->retention : f.info.retention;
	memset(&check, 0, sizeof(check));
	check.klass = klass;
	check.year = year;
	check.retention = retention;
	check.title = a->title;
	check.date = a->date;
	if ((rc = cy_vault__record_check(&check)))
		goto out;
	if (a->title && !*a->title) {
		rc = cy_error_set(CY_EINVALID, "a title cannot be empty");
		goto out;
	}
	if ((rc = cy_vault__meta_open_json(k, old_no, f.meta.ptr, f.meta.len, &j, &layout)))
		goto out;
	if (a->title && (rc = set_text(j, "title", a->title)))
		goto out;
	if (a->date && (rc = set_text(j, "date", a->date)))
		goto out;
	/* class, year and retention live in the archive number (the seal's AAD) and the
	 * row, never in the metadata; an old layout-2 copy of them is dropped */
	json_object_del(j, "class");
	json_object_del(j, "year");
	json_object_del(j, "retention");
	if (a->retention && json_object_set_new(j, "retention_rule", json_string("user"))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	moved = year != f.info.year || strcmp(cy_class_name(klass), f.info.class_name) ||
		strcmp(retention, f.info.retention);
	if ((rc = cy_vault__begin(v)))
		goto out;
	item = f.info.item;
	if (moved) {
		cy_vault__group(klass, year, retention, f.info.org, grp, sizeof(grp));
		rc = cy_catalog_item_next(v->cat, f.fonds_id, grp, &item);
	}
	cy_vault__archive_no(f.info.fonds, klass, year, retention, f.info.org, item, new_no);
	rc = rc ? rc : cy_vault__meta_seal_json(k, new_no, j, &meta);
	if (!rc) {
		cy_cat_record_move m = {.record_id = f.record_id,
					.archive_no = new_no,
					.klass = cy_class_name(klass),
					.retention = retention,
					.org = f.info.org,
					.year = year,
					.item = item,
					.meta = meta.ptr,
					.meta_len = meta.len};
		rc = cy_catalog_record_update(v->cat, &m);
	}
	cy_vault__now(now);
	if (!rc && moved)
		rc = cy_catalog_alias_add(v->cat, old_no, f.record_id, now);
	/* which fields changed, never their values (a title may name a person) */
	snprintf(changed, sizeof(changed), "%s%s%s%s%s", a->title ? "title " : "",
		 a->date ? "date " : "", year != f.info.year ? "year " : "",
		 strcmp(cy_class_name(klass), f.info.class_name) ? "class " : "",
		 strcmp(retention, f.info.retention) ? "retention " : "");
	if (*changed)
		changed[strlen(changed) - 1] = 0;
	memset(&e, 0, sizeof(e));
	e.action = "record.amend";
	e.targets[e.ntargets++] = old_no;
	if (moved)
		e.targets[e.ntargets++] = new_no;
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", f.info.fonds, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"fields", changed, 0};
	rc = rc ? rc : cy_vault__log(v, &e);
	/* the changed row signed again with its batch (vault_recsig.c) */
	rc = rc ? rc : cy_vault__recsig_resign(v, k, f.record_id);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
out:
	json_decref(j);
	cy_buf_release(&meta);
	found_release(&f);
	return rc;
}
