/* check.c - `custody check`: every object present, decrypting and
 * matching its recorded SHA-256; the catalog consistent; the ledger verified.
 *
 * Content roles verify the records of the fonds they hold end to end.  For
 * fonds the caller holds no key for (always the case for administrative
 * roles) the object is checked for presence, length and a header naming that
 * fonds' key, and counted as unverifiable. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/retention.h"
#include "base/fsutil.h"
#include "check/check_internal.h"
#include "store/object.h"
#include "catalog/catalog_records.h"
#include "vault/vault_internal.h"
#include "vault/vault_recsig.h"
#include "vault/vault_subjects.h"
#include "vault/vault_holds.h"
#include "custody/transfer.h"
#include "custody/banned.h"

typedef struct check_ctx {
	cy_problem_fn problem, warning;
	void *arg;
	cy_check_stats *st;
	cy_catalog *cat;
} check_ctx;

static void report(check_ctx *c, int warn, const char *archive_no, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report(check_ctx *c, int warn, const char *archive_no, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cy_check__vreport(c->problem, c->warning, c->arg, c->st, warn, archive_no, fmt, ap);
	va_end(ap);
}

void cy_check__vreport(cy_problem_fn problem, cy_problem_fn warning, void *arg, cy_check_stats *st,
		       int warn, const char *archive_no, const char *fmt, va_list ap)
{
	char msg[768];
	cy_check_problem p;

	vsnprintf(msg, sizeof(msg), CY_TR(fmt), ap);
	p.archive_no = archive_no;
	p.problem = msg;
	if (warn) {
		if (st)
			st->warnings++;
		if (warning)
			warning(arg, &p);
	} else {
		if (st)
			st->problems++;
		if (problem)
			problem(arg, &p);
	}
}

static void catalog_problem(void *arg, const char *problem)
{
	report(arg, 0, NULL, "catalog: %s", problem);
}

static void admin_problem(void *arg, const char *problem)
{
	report(arg, 0, NULL, "%s", problem);
}

static void subject_problem(void *arg, const char *id, const char *problem)
{
	report(arg, 0, id, "subject: %s", problem);
}

static void run_problem(void *arg, const char *id, const char *problem)
{
	report(arg, 0, id, "import: %s", problem);
}

static void text_problem(void *arg, int warn, const char *msg)
{
	report(arg, warn, NULL, "%s", msg);
}

static void text_warning(void *arg, int warn, const char *msg)
{
	(void)warn;
	report(arg, 1, NULL, "%s", msg);
}

static void mode_problem(void *arg, const char *rel, unsigned mode)
{
	if (S_ISLNK(mode))
		report(arg, 0, NULL,
		       "vault file %s is a symbolic link: custody never makes one; the vault was "
		       "tampered with",
		       rel);
	else
		report(arg, 0, NULL,
		       "vault file %s can be used by group or others (mode %04o): other accounts "
		       "may read password slots or packs; run chmod -R go= on the vault",
		       rel, mode & 07777);
}

/* pack names seen in the catalog, sorted, for the orphan scan */
typedef struct names {
	char (*v)[31];
	size_t n;
} names;

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int orphan_fn(void *arg, const char *name)
{
	void **a = arg;
	names *known = a[0];
	check_ctx *c = a[1];

	cy_pack_fate fate = CY_PACK_UNNAMED;

	if (!known->n || !bsearch(name, known->v, known->n, sizeof(*known->v), cmp_name)) {
		/* the ledger tells a killed import's pack from one compaction retired,
		 * and both from one that committed records live in */
		if (cy_vault__pack_fate(a[2], name, &fate, NULL))
			report(c, 0, NULL, "object pack %s: %s", name, cy_error_message());
		else
			report(c, !cy_vault__pack_fate_is_problem(fate), NULL,
			       cy_vault__pack_fate_text(fate), name);
	}
	return 0;
}

typedef struct pack_ctx {
	cy_vault *v;
	check_ctx *c;
	names *known;
} pack_ctx;

/* packs: present and as long as recorded */
static int check_pack(void *arg, const char *name, uint64_t want)
{
	pack_ctx *pc = arg;
	names *known = pc->known;
	uint64_t have;
	void *nv = realloc(known->v, sizeof(*known->v) * (known->n + 1));

	if (!nv)
		return cy_error_set(CY_ENOMEM, "out of memory");
	known->v = nv;
	snprintf(known->v[known->n++], 31, "%s", name);
	pc->c->st->packs++;
	if (cy_store_pack_stat(pc->v->store, name, &have))
		report(pc->c, 0, NULL, "object pack %s is missing", name);
	else if (have != want)
		report(pc->c, 0, NULL,
		       "object pack %s has %" PRIu64 " bytes, the catalog says %" PRIu64, name,
		       have, want);
	return 0;
}

typedef struct user_ctx {
	cy_vault *v;
	check_ctx *c;
} user_ctx;

/* users: each row must carry the admin key's certificate of its name, role and key */
static int check_user(void *arg, const cy_catalog_user *u)
{
	user_ctx *uc = arg;

	if (u->pub.len != 32 || cy_vault__verify_cert(uc->v, u->id, u->name, u->role, u->pub.ptr,
						      u->upub.len == 32 ? u->upub.ptr : NULL,
						      u->serial, u->cert.ptr, u->cert.len))
		report(uc->c, 0, NULL,
		       "user '%s': role or key altered (certificate does not match)", u->name);
	return 0;
}

/* numbering: 件号 continuous from 1 in every group (DA/T 22; DA/T 70 GD-2-6) */
static int check_group(void *arg, const cy_catalog_item_group *g)
{
	check_ctx *c = arg;
	char prefix[64];
	int64_t moved = 0, moved_max = 0, top = g->max_item;
	int rc;

	/* a number whose record moved (record amend) stays taken: a gap it left is no gap */
	snprintf(prefix, sizeof(prefix), "%s", g->first_no);
	if (strrchr(prefix, '-'))
		strrchr(prefix, '-')[1] = 0;
	if ((rc = cy_catalog_alias_group(c->cat, prefix, &moved, &moved_max)))
		return rc;
	if (moved_max > top)
		top = moved_max;
	if (g->count + moved != top)
		report(arg, 0, NULL,
		       "item numbers of %s %s %lld %s%s%s are not continuous: %lld records, "
		       "numbers %lld to %lld",
		       g->fonds_code, g->klass, (long long)g->year, g->retention,
		       *g->org ? " " : "", g->org, (long long)g->count, (long long)g->min_item,
		       (long long)g->max_item);
	return 0;
}

typedef struct rrow {
	char archive_no[64], fonds[8], klass[16], retention[8], org[8], pack[32];
	int64_t fonds_id, year, item;
	uint64_t offset, length, size;
	void *meta;
	size_t metan;
	uint8_t key_id[8];
	uint8_t dkey[CY_DKEY_WRAPPED_LEN];
	size_t dkeyn;
	int64_t owner;
	int64_t id;
} rrow;

/* A record's parts after the first (a profile's fields, a message's text and
 * attachments): each read and checked against the SHA-256 and salt its
 * sealed metadata names, as the first part is. */
typedef struct part_check {
	cy_vault *v;
	const cy_fonds_key *k;
	const char *archive_no, *sha;
	uint8_t salt[16];
	uint64_t size;
} part_check;

static int check_part(void *arg, const cy_cat_record *p)
{
	part_check *pc = arg;

	return cy_vault__read_object(pc->v, pc->k, pc->archive_no,
				     &(cy_obj_ref){.pack = p->pack,
						   .offset = p->offset,
						   .length = p->length,
						   .size = pc->size,
						   .dkey = p->dkey_len ? p->dkey : NULL,
						   .dkey_len = p->dkey_len,
						   .owner_subject_id = p->owner_subject_id},
				     pc->sha, pc->salt, NULL, NULL);
}

static int check_later_parts(cy_vault *v, const cy_fonds_key *k, const rrow *r)
{
	json_t *j = NULL, *objs;
	int layout = 0,
	    rc = cy_vault__meta_open_json(k, r->archive_no, r->meta, r->metan, &j, &layout);

	objs = rc ? NULL : json_object_get(j, "objects");
	for (size_t i = 1; !rc && json_is_array(objs) && i < json_array_size(objs); i++) {
		json_t *o = json_array_get(objs, i), *size = json_object_get(o, "size");
		const char *sha = json_string_value(json_object_get(o, "sha256"));
		const char *salt = json_string_value(json_object_get(o, "salt"));
		part_check pc = {v, k, r->archive_no, sha, {0}, 0};

		if (!sha || strlen(sha) != 64 || !salt || strlen(salt) != 32 ||
		    cy_hex_decode(salt, 32, pc.salt, sizeof(pc.salt)) || !json_is_integer(size) ||
		    json_integer_value(size) < 0) {
			rc = cy_error_set(CY_ECORRUPT, "record %s: its metadata names no part %zu",
					  r->archive_no, i);
			break;
		}
		pc.size = (uint64_t)json_integer_value(size);
		rc = cy_catalog_record_part(v->cat, r->id, (int)i, check_part, &pc);
		if (rc == CY_ENOTFOUND)
			rc = cy_error_set(CY_ECORRUPT, "record %s: part %zu is not in the catalog",
					  r->archive_no, i);
	}
	json_decref(j);
	return rc;
}

/* A record's objects, every one: its own decrypts to the SHA-256 its
 * metadata records, and so does each later part.  0, or the error (set). */
static int row_intact(cy_vault *v, const cy_fonds_key *k, const rrow *r)
{
	char sha[65];
	uint8_t salt[16];
	int rc = cy_vault__meta_sha(v, k, r->archive_no, r->meta, r->metan, sha, salt);

	rc = rc ? rc
		: cy_vault__read_object(v, k, r->archive_no,
					&(cy_obj_ref){.pack = r->pack,
						      .offset = r->offset,
						      .length = r->length,
						      .size = r->size,
						      .dkey = r->dkeyn ? r->dkey : NULL,
						      .dkey_len = r->dkeyn,
						      .owner_subject_id = r->owner},
					sha, salt, NULL, NULL);
	return rc ? rc : check_later_parts(v, k, r);
}

typedef struct rrows {
	rrow *rows;
	size_t nrows;
	int64_t last_id;
} rrows;

static int collect_record(void *arg, const cy_catalog_check_record *cr)
{
	rrows *rs = arg;
	rrow *nr = realloc(rs->rows, sizeof(*nr) * (rs->nrows + 1));

	if (!nr)
		return cy_error_set(CY_ENOMEM, "out of memory");
	rs->rows = nr;
	rrow *r = &rs->rows[rs->nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->archive_no, sizeof(r->archive_no), "%s", cr->archive_no);
	snprintf(r->fonds, sizeof(r->fonds), "%s", cr->fonds_code);
	snprintf(r->klass, sizeof(r->klass), "%s", cr->klass);
	snprintf(r->retention, sizeof(r->retention), "%s", cr->retention);
	snprintf(r->org, sizeof(r->org), "%s", cr->org);
	snprintf(r->pack, sizeof(r->pack), "%s", cr->pack);
	r->fonds_id = cr->fonds_id;
	r->year = cr->year;
	r->item = cr->item;
	r->offset = cr->offset;
	r->length = cr->length;
	r->size = cr->size;
	r->meta = malloc(cr->meta.len ? cr->meta.len : 1);
	if (r->meta && cr->meta.len)
		memcpy(r->meta, cr->meta.ptr, cr->meta.len);
	r->metan = cr->meta.len;
	if (cr->key_id.len == 8)
		memcpy(r->key_id, cr->key_id.ptr, 8);
	/* a wrapped key of another length is kept as its length, so the read fails on it */
	r->dkeyn = cr->dkey.len;
	if (cr->dkey.len == sizeof(r->dkey))
		memcpy(r->dkey, cr->dkey.ptr, sizeof(r->dkey));
	r->owner = cr->owner_subject_id;
	r->id = cr->id;
	rs->last_id = cr->id;
	return 0;
}

int cy_check__record(cy_vault *v, int64_t record_id)
{
	rrows rs = {NULL, 0, 0};
	cy_fonds_key *k;
	int rc = cy_catalog_check_records(v->cat, record_id - 1, 1, collect_record, &rs);

	if (!rc && (rs.nrows != 1 || rs.rows[0].id != record_id))
		rc = cy_error_set(CY_ENOTFOUND, "no record with id %lld", (long long)record_id);
	if (!rc && !*rs.rows[0].pack)
		rc = cy_error_set(CY_ECORRUPT, "record %s has no object in the catalog",
				  rs.rows[0].archive_no);
	if (!rc && !(k = cy_vault__fonds_key_by_id(v, rs.rows[0].fonds_id)))
		rc = cy_error_set(CY_EPERM, "no key for record %s", rs.rows[0].archive_no);
	if (!rc && (rc = row_intact(v, k, &rs.rows[0])) && rc != CY_ENOMEM) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", cy_error_message());
		rc = cy_error_set(CY_ECORRUPT, "record %s: %s", rs.rows[0].archive_no, msg);
	}
	for (size_t i = 0; i < rs.nrows; i++)
		free(rs.rows[i].meta);
	free(rs.rows);
	return rc;
}

int cy_vault_check(cy_vault *v, cy_problem_fn problem, cy_problem_fn warning, void *arg,
		   cy_progress_fn progress, void *parg, cy_check_stats *stats)
{
	check_ctx c = {problem, warning, arg, stats, v->cat};
	names known = {0};
	cy_progress pr = {0};
	int rc, interrupted = 0;

	memset(stats, 0, sizeof(*stats));
	if ((rc = cy_vault__require(v, CY_R_ALL, N_("check the vault"))))
		return rc;
	if ((rc = cy_catalog_integrity(v->cat, catalog_problem, &c)))
		return rc;
	/* file modes: the vault's files are its owner's alone (objects/xx/pack: 3 levels) */
	(void)cy_fs_open_modes(cy_vault_dir(v), 3, mode_problem, &c);

	/* packs: present and as long as recorded */
	{
		pack_ctx pc = {v, &c, &known};
		rc = cy_catalog_check_packs(v->cat, check_pack, &pc);
	}
	if (rc < 0)
		goto out;
	rc = 0;
	if (known.n)
		qsort(known.v, known.n, sizeof(*known.v), cmp_name);
	{
		void *a[3] = {&known, &c, v};
		cy_store_each_pack(v->store, orphan_fn, a);
	}

	/* users: each row must carry the admin key's certificate of its name, role and key */
	{
		user_ctx uc = {v, &c};
		rc = cy_catalog_user_list(v->cat, check_user, &uc);
	}
	if (rc < 0)
		goto out;
	/* disabled users and fonds statuses: the catalog against the ledger's last word */
	if ((rc = cy_vault__check_admin(v, admin_problem, &c)))
		goto out;
	/* retention overrides: the catalog's rows against the ledger (retention_vault.c) */
	if ((rc = cy_retention_check(v, admin_problem, &c)))
		goto out;
	/* users and grants: each backed by its ledger entries (vault_trust_users.c) */
	if ((rc = cy_vault__check_users_grants(v, admin_problem, &c)))
		goto out;
	/* holds: every hold row as its ledger entries say; store-only as restricted (vault_holds.c) */
	if ((rc = cy_vault__holds_check(v, admin_problem, &c)))
		goto out;
	/* fonds key epochs: each made by a key holder (vault_epochs.c) */
	{
		uint64_t nepochs = 0;
		if ((rc = cy_vault__epochs_check(v, admin_problem, &c, &nepochs)))
			goto out;
	}
	rc = 0;

	/* numbering: 件号 continuous from 1 in every group (DA/T 22; DA/T 70 GD-2-6) */
	rc = cy_catalog_check_item_groups(v->cat, check_group, &c);
	if (rc < 0)
		goto out;
	rc = 0;

	/* records */
	rc = cy_catalog_check_record_totals(v->cat, &pr.files_total, &pr.bytes_total);
	if (rc)
		goto out;
	{
		/* collect first: reading objects while stepping would hold the statement */
		rrows rs = {NULL, 0, 0};
		rrow *rows;
		size_t nrows;
page:
		/* a page at a time, so memory does not grow with the vault */
		rs.nrows = 0;
		rc = cy_catalog_check_records(v->cat, rs.last_id, 1000, collect_record, &rs);
		rows = rs.rows;
		nrows = rs.nrows;
		if (rc < 0) {
			for (size_t i = 0; i < nrows; i++)
				free(rows[i].meta);
			free(rows);
			goto out;
		}
		rc = 0;
		for (size_t i = 0; i < nrows; i++) {
			rrow *r = &rows[i];
			cy_fonds_key *k = cy_vault__fonds_key_by_id(v, r->fonds_id);
			cy_class kl;
			char expect[64];
			stats->records++;
			pr.current = r->archive_no;
			if (cy_class_parse(r->klass, &kl) == 0) {
				snprintf(expect, sizeof(expect),
					 "%s-%s\xc2\xb7%04lld-%s%s%s-%04lld", r->fonds,
					 cy_class_code(kl), (long long)r->year, r->retention,
					 *r->org ? "-" : "", r->org, (long long)r->item);
				if (strcmp(expect, r->archive_no))
					report(&c, 0, r->archive_no,
					       "archive number does not match the record's fields (expected %s)",
					       expect);
			} else {
				report(&c, 0, r->archive_no, "unknown class '%s'", r->klass);
			}
			if (!*r->pack) {
				report(&c, 0, r->archive_no, "record has no object in the catalog");
			} else if (k) {
				if (row_intact(v, k, r))
					report(&c, 0, r->archive_no, "%s", cy_error_message());
				else
					stats->verified++;
			} else {
				cy_obj_header oh;
				uint64_t have;
				stats->unverifiable++;
				if (cy_store_pack_stat(v->store, r->pack, &have) ||
				    have < r->offset + r->length)
					report(&c, 0, r->archive_no,
					       "object is missing or cut short");
				else if (cy_vault__read_header(v, r->pack, r->offset, r->length,
							       &oh) ||
					 (oh.version == 1 && memcmp(oh.key_id, r->key_id, 8)) ||
					 (oh.version == 1) != (r->dkeyn == 0))
					report(&c, 0, r->archive_no,
					       "object header is damaged or names another key");
			}
			stats->objects++;
			stats->bytes += r->size;
			pr.files_done++;
			pr.bytes_done += r->size;
			free(r->meta);
			if (progress && progress(parg, &pr)) {
				for (size_t j = i + 1; j < nrows; j++)
					free(rows[j].meta);
				free(rows);
				rc = cy_error_set(CY_ECANCELLED, "check cancelled");
				goto out;
			}
		}
		if (nrows == 1000)
			goto page;
		free(rows);
	}

	/* records: signed rows and batches, and the catalog against the ledger (check_records.c) */
	if ((rc = cy_check_records(v, problem, warning, arg, stats, NULL)))
		goto out;

	/* destructions: each batch as the ledger bound it, executed ones gone and signed */
	if ((rc = cy_vault__destroy_check(v, text_problem, &c, &interrupted)))
		goto out;
	/* subjects of held fonds: each opens, and its blind-index rows are what its fields give */
	if (cy_role_holds_content(v->role)) {
		uint64_t ns;
		if ((rc = cy_vault__subject_check(v, subject_problem, &c, &ns)))
			goto out;
		/* receivers and transfers: their rows as their ledger entries say (transfer.c) */
		if ((rc = cy_transfer_check(v, admin_problem, &c, NULL)))
			goto out;
		/* import runs: their refused rows are all there and authenticate */
		if ((rc = cy_vault__import_runs_check(v, run_problem, &c, NULL)))
			goto out;
		/* full-text indexes: they open, authenticate, and hold what the records give
		 * (while a destruction is unfinished, its records are still in the index: a
		 * warning, which the destruction's own warning explains) */
		for (int i = 0; i < v->nkeys; i++)
			if ((rc = cy_vault__text_check(v, &v->keys[i],
						       interrupted ? text_warning : text_problem,
						       &c)))
				goto out;
	}

	/* ledger */
	{
		uint64_t bad, n, ncp;
		if (cy_log_verify(v, &bad, &n, &ncp))
			report(&c, 0, NULL, "ledger: %s", cy_error_message());
		stats->ledger_entries = n;
		stats->checkpoints = ncp;
	}
	rc = 0;
out:
	free(known.v);
	return rc;
}
