/* vault_check.c - `custody check`: every object present, decrypting and
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

#include "custody/error.h"
#include "custody/object.h"
#include "vault/vault_internal.h"
#include "base/banned.h"


typedef struct check_ctx {
	cy_problem_fn problem, warning;
	void *arg;
	cy_check_stats *st;
} check_ctx;

static void report(check_ctx *c, int warn, const char *archive_no, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report(check_ctx *c, int warn, const char *archive_no, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	cy_check_problem p;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), CY_TR(fmt), ap);
	va_end(ap);
	p.archive_no = archive_no;
	p.problem = msg;
	if (warn) {
		c->st->warnings++;
		if (c->warning)
			c->warning(c->arg, &p);
	} else {
		c->st->problems++;
		if (c->problem)
			c->problem(c->arg, &p);
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

	if (!known->n || !bsearch(name, known->v, known->n, sizeof(*known->v), cmp_name))
		report(c, 1, NULL,
		       "object pack %s is not referenced by the catalog (left by an interrupted import; "
		       "harmless)",
		       name);
	return 0;
}

int cy_vault_check(cy_vault *v, cy_problem_fn problem, cy_problem_fn warning, void *arg,
		   cy_progress_fn progress, void *parg, cy_check_stats *stats)
{
	check_ctx c = {problem, warning, arg, stats};
	cy_stmt *s;
	names known = {0};
	cy_progress pr = {0};
	int rc;

	memset(stats, 0, sizeof(*stats));
	if ((rc = cy_vault__require(v, CY_R_ALL, N_("check the vault"))))
		return rc;
	if ((rc = cy_catalog_integrity(v->cat, catalog_problem, &c)))
		return rc;

	/* packs: present and as long as recorded */
	rc = cy_catalog_prepare(v->cat, "SELECT name, size FROM packs ORDER BY name", &s);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		rc = 0; /* a row */
		const char *name = cy_stmt_text(s, 0);
		uint64_t want = (uint64_t)cy_stmt_int(s, 1), have;
		void *nv = realloc(known.v, sizeof(*known.v) * (known.n + 1));
		if (!nv) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			break;
		}
		known.v = nv;
		snprintf(known.v[known.n++], 31, "%s", name);
		stats->packs++;
		if (cy_store_pack_stat(v->store, name, &have))
			report(&c, 0, NULL, "object pack %s is missing", name);
		else if (have != want)
			report(&c, 0, NULL, "object pack %s has %" PRIu64 " bytes, the catalog says %" PRIu64,
			       name, have, want);
	}
	cy_stmt_reset(s);
	if (rc < 0)
		goto out;
	rc = 0;
	if (known.n)
		qsort(known.v, known.n, sizeof(*known.v), cmp_name);
	{
		void *a[2] = {&known, &c};
		cy_store_each_pack(v->store, orphan_fn, a);
	}

	/* users: each row must carry the admin key's certificate of its name, role and key */
	rc = cy_catalog_prepare(v->cat, "SELECT id, name, role, pub, cert FROM users ORDER BY id", &s);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		size_t pn, cn;
		const void *pub = cy_stmt_blob(s, 3, &pn);
		const void *cert = cy_stmt_blob(s, 4, &cn);
		rc = 0;
		if (pn != 32 || cy_vault__verify_cert(v, cy_stmt_int(s, 0), cy_stmt_text(s, 1),
						      cy_stmt_text(s, 2), pub, cert, cn))
			report(&c, 0, NULL, "user '%s': role or key altered (certificate does not match)",
			       cy_stmt_text(s, 1));
	}
	cy_stmt_reset(s);
	if (rc < 0)
		goto out;
	/* disabled users and fonds statuses: the catalog against the ledger's last word */
	if ((rc = cy_vault__check_admin(v, admin_problem, &c)))
		goto out;
	rc = 0;

	/* numbering: 件号 continuous from 1 in every group (DA/T 22; DA/T 70 GD-2-6) */
	rc = cy_catalog_prepare(v->cat,
				"SELECT f.code, r.class, r.year, r.retention, r.org, count(*), max(r.item),"
				" min(r.item) FROM records r JOIN fonds f ON f.id = r.fonds_id"
				" GROUP BY r.fonds_id, r.class, r.year, r.retention, r.org",
				&s);
	while (!rc && (rc = cy_stmt_step(s)) == 1) {
		rc = 0; /* a row */
		if (cy_stmt_int(s, 5) != cy_stmt_int(s, 6) || cy_stmt_int(s, 7) != 1)
			report(&c, 0, NULL,
			       "item numbers of %s %s %lld %s%s%s are not continuous: %lld records, "
			       "numbers %lld to %lld",
			       cy_stmt_text(s, 0), cy_stmt_text(s, 1), (long long)cy_stmt_int(s, 2),
			       cy_stmt_text(s, 3), *cy_stmt_text(s, 4) ? " " : "", cy_stmt_text(s, 4),
			       (long long)cy_stmt_int(s, 5), (long long)cy_stmt_int(s, 7),
			       (long long)cy_stmt_int(s, 6));
	}
	cy_stmt_reset(s);
	if (rc < 0)
		goto out;
	rc = 0;

	/* records */
	rc = cy_catalog_prepare(v->cat, "SELECT count(*), coalesce(sum(size), 0) FROM records", &s);
	rc = rc ? rc : cy_stmt_step(s);
	if (rc == 1) {
		pr.files_total = (uint64_t)cy_stmt_int(s, 0);
		pr.bytes_total = (uint64_t)cy_stmt_int(s, 1);
		cy_stmt_reset(s);
		rc = 0;
	}
	if (rc)
		goto out;
	{
		/* collect first: reading objects while stepping would hold the statement */
		typedef struct rrow {
			char archive_no[64], fonds[8], klass[16], retention[8], org[8], pack[32];
			int64_t fonds_id, year, item;
			uint64_t offset, length, size;
			void *meta;
			size_t metan;
			uint8_t key_id[8];
		} rrow;
		rrow *rows = NULL;
		size_t nrows = 0;
		int64_t last_id = 0;
	page:
		/* a page at a time, so memory does not grow with the vault */
		nrows = 0;
		rc = cy_catalog_prepare(
			v->cat,
			"SELECT r.archive_no, f.code, r.class, r.retention, r.org, p.name, r.fonds_id,"
			" r.year, r.item, o.offset, o.length, r.size, r.meta, f.key_id, r.id FROM records r"
			" JOIN fonds f ON f.id = r.fonds_id LEFT JOIN objects o ON o.id = r.object_id"
			" LEFT JOIN packs p ON p.id = o.pack_id WHERE r.id > ? ORDER BY r.id LIMIT 1000",
			&s);
		rc = rc ? rc : cy_stmt_bind_int(s, 1, last_id);
		while (!rc && (rc = cy_stmt_step(s)) == 1) {
		rc = 0; /* a row */
			rrow *nr = realloc(rows, sizeof(*nr) * (nrows + 1));
			size_t n;
			const void *p;
			if (!nr) {
				rc = cy_error_set(CY_ENOMEM, "out of memory");
				break;
			}
			rows = nr;
			rrow *r = &rows[nrows++];
			memset(r, 0, sizeof(*r));
			snprintf(r->archive_no, sizeof(r->archive_no), "%s", cy_stmt_text(s, 0));
			snprintf(r->fonds, sizeof(r->fonds), "%s", cy_stmt_text(s, 1));
			snprintf(r->klass, sizeof(r->klass), "%s", cy_stmt_text(s, 2));
			snprintf(r->retention, sizeof(r->retention), "%s", cy_stmt_text(s, 3));
			snprintf(r->org, sizeof(r->org), "%s", cy_stmt_text(s, 4));
			snprintf(r->pack, sizeof(r->pack), "%s", cy_stmt_text(s, 5));
			r->fonds_id = cy_stmt_int(s, 6);
			r->year = cy_stmt_int(s, 7);
			r->item = cy_stmt_int(s, 8);
			r->offset = (uint64_t)cy_stmt_int(s, 9);
			r->length = (uint64_t)cy_stmt_int(s, 10);
			r->size = (uint64_t)cy_stmt_int(s, 11);
			p = cy_stmt_blob(s, 12, &n);
			r->meta = malloc(n ? n : 1);
			if (r->meta)
				memcpy(r->meta, p, n);
			r->metan = n;
			p = cy_stmt_blob(s, 13, &n);
			if (n == 8)
				memcpy(r->key_id, p, 8);
			last_id = cy_stmt_int(s, 14);
		}
		cy_stmt_reset(s);
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
				snprintf(expect, sizeof(expect), "%s-%s\xc2\xb7%04lld-%s%s%s-%04lld", r->fonds,
					 cy_class_code(kl), (long long)r->year, r->retention, *r->org ? "-" : "",
					 r->org, (long long)r->item);
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
				char sha[65];
				uint8_t salt[16];
				if (cy_vault__meta_sha(v, k, r->archive_no, r->meta, r->metan, sha, salt))
					report(&c, 0, r->archive_no, "%s", cy_error_message());
				else if (cy_vault__read_object(v, k, r->archive_no, r->pack, r->offset,
							       r->length, r->size, sha, salt, NULL, NULL))
					report(&c, 0, r->archive_no, "%s", cy_error_message());
				else
					stats->verified++;
			} else {
				cy_obj_header oh;
				uint64_t have;
				stats->unverifiable++;
				if (cy_store_pack_stat(v->store, r->pack, &have) ||
				    have < r->offset + r->length)
					report(&c, 0, r->archive_no, "object is missing or cut short");
				else if (cy_vault__read_header(v, r->pack, r->offset, r->length, &oh) ||
					 memcmp(oh.key_id, r->key_id, 8))
					report(&c, 0, r->archive_no,
					       "object header is damaged or names another key");
			}
			stats->objects++;
			stats->bytes += r->size;
			pr.files_done++;
			pr.bytes_done += r->size;
			if (progress)
				progress(parg, &pr);
			free(r->meta);
		}
		if (nrows == 1000)
			goto page;
		free(rows);
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
