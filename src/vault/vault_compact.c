/* vault_compact.c - physical deletion: pack compaction, and the rule by
 * which an unreferenced pack is judged (for the import's sweep and check).
 *
 * Packs are never modified.  Compaction writes a new pack holding only the
 * live objects of an old one (their ciphertext as is: no key is needed), and
 * swaps it in with this order, which is what makes a crash at any point
 * safe (docs/internals/store.md):
 *   1. the new pack is written and made durable (fsync, rename, directory
 *      fsync), while this process holds the catalog's write lock;
 *   2. one catalog transaction adds the new pack's row, points every moved
 *      object at it, deletes the old pack's row and appends `store.compact`
 *      (old_pack, new_pack, objects, freed); it commits;
 *   3. only then is the old pack's file deleted.
 * Killed before 2 commits: the new pack is unreferenced and no ledger entry
 * names it (harmless, swept).  Killed after 2: the old pack is unreferenced
 * and the ledger names it as retired (safe to remove, swept). */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_packs.h"
#include "custody/error.h"
#include "vault/vault_recsig.h"
#include "custody/banned.h"

/* In builds with test hooks, CUSTODY_CRASH_AT=NAME kills the process with
 * SIGKILL at that step, so that the tests can stop it exactly there. */
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

/* ---- the fate of an unreferenced pack ---- */

typedef struct fate_ctx {
	char retired[64], committed[2][64]; /* "old_pack":"N", "pack":"N", "new_pack":"N" */
	cy_pack_fate fate;
	uint64_t seq;
} fate_ctx;

static int has(const char *p, size_t n, const char *needle)
{
	return memmem(p, n, needle, strlen(needle)) != NULL;
}

static int fate_fn(void *arg, uint64_t seq, const char *entry, size_t n)
{
	fate_ctx *f = arg;

	/* entries are canonical JSON: a quote inside a string is escaped, so
	 * "key":"value" matches only a real detail */
	if (has(entry, n, f->retired) && has(entry, n, "\"action\":\"store.compact\"")) {
		f->fate = CY_PACK_RETIRED;
		f->seq = seq;
		return 1; /* retired is final: a name is never reused */
	}
	if (has(entry, n, f->committed[0]) || has(entry, n, f->committed[1])) {
		f->fate = CY_PACK_COMMITTED;
		f->seq = seq;
	}
	return 0;
}

int cy_vault__pack_fate(cy_vault *v, const char *name, cy_pack_fate *fate, uint64_t *seq)
{
	fate_ctx f = {.fate = CY_PACK_UNNAMED};
	int rc;

	snprintf(f.retired, sizeof(f.retired), "\"old_pack\":\"%s\"", name);
	snprintf(f.committed[0], sizeof(f.committed[0]), "\"pack\":\"%s\"", name);
	snprintf(f.committed[1], sizeof(f.committed[1]), "\"new_pack\":\"%s\"", name);
	rc = cy_catalog_ledger_mentions(v->cat, name, fate_fn, &f);
	if (rc < 0)
		return rc;
	*fate = f.fate;
	if (seq)
		*seq = f.seq;
	return 0;
}

const char *cy_vault__pack_fate_text(cy_pack_fate fate)
{
	switch (fate) {
	case CY_PACK_RETIRED:
		return N_(
			"object pack %s is not referenced by the catalog (left by compaction, safe to "
			"remove)");
	case CY_PACK_COMMITTED:
		return N_(
			"object pack %s is not referenced by the catalog, but the ledger says committed "
			"records live in it: the catalog was rolled back or edited");
	default:
		return N_("object pack %s is not referenced by the catalog (left by an interrupted "
			  "import; harmless)");
	}
}

int cy_vault__pack_fate_is_problem(cy_pack_fate fate)
{
	return fate == CY_PACK_COMMITTED;
}

/* ---- the sweep ---- */

typedef struct orphans {
	cy_vault *v;
	char (*names)[CY_PACK_NAME_LEN + 1];
	size_t n;
	int rc;
} orphans;

static int orphan_collect(void *arg, const char *name)
{
	orphans *o = arg;
	int rc = cy_catalog_pack_known(o->v->cat, name);
	void *nv;

	if (rc < 0)
		return rc;
	if (rc == 1)
		return 0;
	nv = realloc(o->names, sizeof(*o->names) * (o->n + 1));
	if (!nv)
		return cy_error_set(CY_ENOMEM, "out of memory");
	o->names = nv;
	snprintf(o->names[o->n++], CY_PACK_NAME_LEN + 1, "%s", name);
	return 0;
}

int cy_vault__sweep_orphan_packs(cy_vault *v)
{
	orphans o = {.v = v};
	uint64_t removed = 0;
	int rc = cy_store_each_pack(v->store, orphan_collect, &o);

	/* the ledger is read only when there is an orphan: a normal import pays
	 * one catalog look-up per pack and nothing more */
	for (size_t i = 0; !rc && i < o.n; i++) {
		cy_pack_fate fate;
		if ((rc = cy_vault__pack_fate(v, o.names[i], &fate, NULL)))
			break;
		if (fate != CY_PACK_COMMITTED && cy_store_remove_pack(v->store, o.names[i]) == 0)
			removed++;
	}
	if (!rc && removed) {
		cy_ledger_entry e;
		rc = cy_store_sync_dirs(v->store);
		memset(&e, 0, sizeof(e));
		e.action = "store.sweep";
		e.details[0] = (cy_ledger_detail){"packs", NULL, (int64_t)removed};
		e.ndetails = 1;
		rc = rc ? rc : cy_vault__log(v, &e);
	}
	free(o.names);
	return rc;
}

/* ---- compaction ---- */

typedef struct cand {
	int64_t id;
	uint64_t live;
} cand;

typedef struct cands {
	cand *v;
	size_t n;
	uint64_t live;
} cands;

static int cand_fn(void *arg, const cy_catalog_pack_use *u)
{
	cands *c = arg;
	void *nv = realloc(c->v, sizeof(*c->v) * (c->n + 1));

	if (!nv)
		return cy_error_set(CY_ENOMEM, "out of memory");
	c->v = nv;
	c->v[c->n++] = (cand){u->id, u->live};
	c->live += u->live;
	return 0;
}

typedef struct copy_ctx {
	cy_pack *to;
	cy_progress *pr;
	cy_progress_fn progress;
	void *parg;
} copy_ctx;

static int copy_sink(void *arg, const void *p, size_t n)
{
	copy_ctx *c = arg;
	int rc = cy_pack_write(c->to, p, n);

	c->pr->bytes_done += n;
	if (!rc && c->progress)
		c->progress(c->parg, c->pr);
	return rc;
}

/* Compact one pack inside an open transaction; on success the transaction
 * is committed and *retired names the pack to delete. */
static int compact_one(cy_vault *v, int64_t id, cy_progress *pr, cy_progress_fn progress,
		       void *parg, cy_compact_stats *st, char retired[31])
{
	char old[31];
	cy_catalog_pack_use u;
	cy_catalog_object_loc *objs = NULL;
	size_t nobjs = 0;
	cy_pack *np = NULL;
	int64_t new_id = 0;
	uint64_t have, newsize = 0;
	cy_ledger_entry e;
	int rc, committed = 0;

	*retired = 0;
	/* read afresh under the write lock: an import or another compaction may have run */
	rc = cy_catalog_pack_use_get(v->cat, id, old, &u);
	if (rc == CY_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (u.live >= u.size)
		return 0;
	if ((rc = cy_store_pack_stat(v->store, old, &have)))
		return cy_error_set(CY_ECORRUPT, "object pack %s is missing; run check", old);
	if (have != u.size)
		return cy_error_set(CY_ECORRUPT,
				    "object pack %s has %" PRIu64
				    " bytes, the catalog says %" PRIu64 "; run check",
				    old, have, u.size);
	if ((rc = cy_catalog_pack_objects(v->cat, id, &objs, &nobjs)))
		return rc;
	pr->current = old;
	for (size_t i = 0; i < nobjs; i++) {
		if (objs[i].length > u.size || objs[i].offset > u.size - objs[i].length) {
			rc = cy_error_set(CY_ECORRUPT,
					  "object %lld lies outside pack %s; run check",
					  (long long)objs[i].id, old);
			goto out;
		}
	}
	if (nobjs) {
		copy_ctx cc = {NULL, pr, progress, parg};
		if ((rc = cy_pack_begin(v->store, &np)))
			goto out;
		cc.to = np;
		for (size_t i = 0; i < nobjs; i++) {
			uint64_t at = cy_pack_size(np);
			if ((rc = cy_store_read(v->store, old, objs[i].offset, objs[i].length,
						copy_sink, &cc)))
				goto out;
			objs[i].offset = at; /* its new place */
		}
		newsize = cy_pack_size(np);
		crash_point("compact-written");
		if ((rc = cy_pack_finish(np)) || (rc = cy_store_sync_dirs(v->store)))
			goto out;
		crash_point("compact-durable");
		if ((rc = cy_catalog_pack_add(v->cat, cy_pack_name(np), newsize, &new_id)))
			goto out;
		for (size_t i = 0; i < nobjs; i++)
			if ((rc = cy_catalog_object_move(v->cat, objs[i].id, new_id,
							 objs[i].offset)))
				goto out;
	}
	if ((rc = cy_catalog_pack_remove(v->cat, id)))
		goto out;
	memset(&e, 0, sizeof(e));
	e.action = "store.compact";
	e.details[e.ndetails++] = (cy_ledger_detail){"old_pack", old, 0};
	if (np)
		e.details[e.ndetails++] = (cy_ledger_detail){"new_pack", cy_pack_name(np), 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"objects", NULL, (int64_t)nobjs};
	e.details[e.ndetails++] = (cy_ledger_detail){"freed", NULL, (int64_t)(u.size - newsize)};
	if ((rc = cy_vault__log(v, &e)))
		goto out;
	rc = cy_vault__commit(v);
	/* whatever commit said, the new pack stays: if the commit did land, the
	 * catalog points at it; if not, no ledger entry names it and the next
	 * sweep removes it */
	committed = 1;
	if (rc)
		goto out;
	crash_point("compact-committed");
	snprintf(retired, 31, "%s", old);
	st->freed += u.size - newsize;
	st->objects += nobjs;
	if (np)
		st->rewritten++;
	else
		st->removed++;
out:
	if (np) {
		if (committed)
			cy_pack_free(np);
		else
			cy_pack_discard(np);
	}
	free(objs);
	return rc;
}

static void count_problem(void *arg, const cy_check_problem *p)
{
	(void)p;
	(*(uint64_t *)arg)++;
}

int cy_vault_compact(cy_vault *v, cy_progress_fn progress, void *parg, cy_compact_stats *stats)
{
	cy_compact_stats local;
	cy_compact_stats *st = stats ? stats : &local;
	cands c = {0};
	cy_progress pr = {0};
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_SYSADMIN) | CY_R(CY_ROLE_ARCHIVIST),
				    N_("compact the object store"))))
		return rc;
	/* first what earlier runs (or killed imports) left behind */
	if ((rc = cy_vault__begin(v)))
		return rc;
	rc = cy_vault__sweep_orphan_packs(v);
	rc = rc ? rc : cy_catalog_packs_with_dead_bytes(v->cat, cand_fn, &c);
	rc = rc ? rc : cy_vault__commit(v);
	if (rc) {
		cy_vault__rollback(v);
		goto out;
	}
	/* dead bytes are dropped for good: only when every record the ledger
	 * says is committed is in the catalog as signed, so that a record
	 * deleted (or changed) behind the vault's back is never made a
	 * permanent loss (vault_recsig.c, docs/security/records.md) */
	if (c.n) {
		uint64_t problems = 0;
		rc = cy_check_records(v, count_problem, NULL, &problems, NULL, NULL);
		if (!rc && problems)
			rc = cy_error_set(CY_ECORRUPT,
					  "compaction refused: %llu records do not match what the "
					  "ledger and their signatures say (run custody check); "
					  "compacting now could make a loss permanent",
					  (unsigned long long)problems);
		if (rc)
			goto out;
	}
	st->packs = c.n;
	pr.files_total = c.n;
	pr.bytes_total = c.live;
	for (size_t i = 0; i < c.n; i++) {
		char retired[31];
		/* one pack per transaction: the write lock is held while it is copied
		 * (at most one pack's worth), so no sweep can take the new pack for
		 * an orphan before it is committed */
		if ((rc = cy_vault__begin(v)))
			break;
		rc = compact_one(v, c.v[i].id, &pr, progress, parg, st, retired);
		if (v->in_tx) {
			/* nothing to do for this pack, or it failed */
			if (rc)
				cy_vault__rollback(v);
			else
				rc = cy_vault__commit(v);
		}
		if (rc)
			break;
		if (*retired) {
			/* the catalog no longer refers to it, and the ledger says it retired */
			if (cy_store_remove_pack(v->store, retired) || cy_store_sync_dirs(v->store))
				st->leftover++;
		}
		pr.files_done++;
		if (progress)
			progress(parg, &pr);
	}
out:
	free(c.v);
	return rc;
}
