/* vault_import.c - creating records: import batches, sealing objects into
 * packs, numbering, encrypted metadata, subject links, the record.import
 * entry.  One way in for every importer (import.h): files prepared on worker
 * threads (cy_import_prepare + cy_import_add) and records built in memory
 * (cy_record_create) meet in record_finish.
 *
 * A batch is one catalog transaction; each record is a savepoint inside it,
 * so a failed record leaves no row and the batch goes on.  Its object bytes
 * may stay in the pack, unreferenced (packs are never truncated or
 * rewritten in place; compaction reclaims them).
 *
 * A batch holds the catalog's writer lock from its first record to its
 * commit, and every reader that logs its read (ls, show, get) needs that
 * lock for a moment: so a batch is due for commit after
 * CY_IMPORT_COMMIT_SECONDS whatever its size (cy_import_due), far below the
 * 30 s a reader waits (docs/security/hygiene.md). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog_records.h"
#include "crypto/crypto.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "base/fsutil.h"
#include "store/object.h"
#include "store/object_internal.h"
#include "vault/vault_internal.h"
#include "vault/vault_recsig.h"
#include "vault/vault_subjects.h"
#include "vault/vault_holds.h"
#include "custody/banned.h"

#define SMALL_FILE (16u << 20)	/* sealed in memory by prepare; larger ones are streamed */
#define PACK_TARGET (64u << 20) /* start a new pack after this many bytes */
#define READ_BLOCK (1u << 20)
#define MAX_PARTS 16

/* A file on its way in.  Small files are read, hashed and sealed by
 * cy_import_prepare (which may run on another thread); large ones keep their
 * descriptor and are streamed by cy_import_add. */
struct cy_import_item {
	char *rel;
	uint64_t size;
	int fd;	      /* large files: a dup of the caller's descriptor */
	int prepared; /* small file: obj holds the sealed object */
	char format[24];
	uint8_t sha[32];
	uint8_t salt[16];
	uint8_t dkey[32]; /* the object's own data key; wiped when the item is freed */
	uint8_t key_id[8];
	uint8_t nonce[12];	  /* for wrapping dkey: drawn with it, in one call */
	cy_import_sniff_fn sniff; /* no format given: what the first block looks like */
	int compressed;
	cy_buf obj;
};

/* The next item number of a group, read once in the batch's transaction and
 * counted on in memory; stored back before the commit. */
typedef struct counter {
	char grp[96];
	int64_t next;
	int dirty;
} counter;

struct cy_import {
	cy_vault *v;
	cy_fonds_key *fk;
	cy_pack *pack;	 /* current pack being filled */
	int64_t pack_id; /* its row */
	cy_pack **done;	 /* packs finished in this batch */
	size_t ndone;
	uint64_t pending_bytes, pending_files;
	cy_sha256_ctx *sha;
	uint8_t *buf;
	cy_buf meta, sealed;
	cy_aead *meta_aead; /* the fonds' record-meta key */
	cy_aead *wrap_aead; /* the fonds' data-key wrapping key */
	cy_import_sniff_fn sniff;
	counter *counters; /* valid within the open transaction */
	size_t ncounters;
	int swept;
	/* records created in the open transaction, signed at its commit as one
	 * batch (vault_recsig.h): its row, taken with the first record, and the
	 * digest of each record's row, in id order */
	int64_t batch_id;
	cy_buf digests;
	size_t nnew;
	int64_t next_id;	/* the next record's id (0: ask the catalog) */
	cy_buf enc;		/* scratch for a row's encoding */
	double tx_start;	/* when the open transaction began (monotonic seconds) */
	unsigned delay_ms;	/* CUSTODY_TEST_IMPORT_DELAY_MS: a test's slow records */
	cy_import_run *run;	/* vault_import_runs.c */
	int64_t last_record_id; /* the record the last cy_record_create made */
	cy_import_text *text;	/* vault_textindex.c: what goes into the full-text index */
	int64_t owner_id;	/* the subject whose wrapping key owner_aead holds */
	cy_aead *owner_aead;
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An object placed in the pack, before its rows exist. */
typedef struct placed {
	const char *role, *format;
	uint64_t offset, length, size;
	int compressed;
	uint8_t sha[32], salt[16], dkey[32], key_id[8], nonce[12];
} placed;

int cy_import_begin(cy_vault *v, const char *fonds, cy_import **out)
{
	cy_import *im;
	int rc;

	if ((rc = cy_vault__require(v, CY_R(CY_ROLE_ARCHIVIST), N_("import records"))))
		return rc;
	if (!cy_vault__fonds_key(v, fonds))
		return cy_error_code(); /* no such fonds, not granted, or pending */
	if (!(im = calloc(1, sizeof(*im))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	im->v = v;
	im->fk = cy_vault__fonds_key(v, fonds);
	/* records are signed with the fonds' write key at each commit: the key
	 * the ledger recorded, or nothing is imported; and sealed under the
	 * fonds' newest key epoch, which the user must hold */
	if ((rc = cy_vault__recsig_ready(v, im->fk)) ||
	    (rc = cy_vault__epoch_writable(v, im->fk))) {
		free(im);
		return rc;
	}
	{
		/* tests only (trust_hygiene.bats): each record holds the batch this long */
		const char *d = getenv("CUSTODY_TEST_IMPORT_DELAY_MS");
		im->delay_ms = d && *d ? (unsigned)strtoul(d, NULL, 10) % 10000 : 0;
	}
	if ((rc = cy_sha256_new(&im->sha)) ||
	    (rc = cy_aead_new(&im->meta_aead, CY_META_KEY(im->fk))) ||
	    (rc = cy_aead_new(&im->wrap_aead, CY_WRAP_KEY(im->fk))))
		goto fail;
	if (!(im->buf = malloc(READ_BLOCK))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto fail;
	}
	*out = im;
	return 0;
fail:
	cy_import_free(im);
	return rc;
}

void cy_import_set_sniffer(cy_import *im, cy_import_sniff_fn fn)
{
	im->sniff = fn;
}

uint64_t cy_import_pending_bytes(const cy_import *im)
{
	return im->pending_bytes;
}

uint64_t cy_import_pending_files(const cy_import *im)
{
	return im->pending_files;
}

bool cy_import_due(const cy_import *im)
{
	return im->v->in_tx && mono_now() - im->tx_start >= CY_IMPORT_COMMIT_SECONDS;
}

void cy_import_item_free(cy_import_item *it)
{
	if (!it)
		return;
	if (it->fd >= 0)
		close(it->fd);
	free(it->rel);
	cy_buf_wipe(&it->obj);
	cy_wipe(it->dkey, sizeof(it->dkey));
	free(it);
}

uint64_t cy_import_item_memory(const cy_import_item *it)
{
	return it->obj.cap + 256;
}

uint64_t cy_import_item_estimate(uint64_t size)
{
	/* what prepare will hold: the sealed copy (small files) plus a read block */
	return (size <= SMALL_FILE ? size + size / 64 + 4096 : 0) + READ_BLOCK / 16 + 256;
}

static int buf_sink(void *arg, const void *p, size_t n)
{
	return cy_buf_put(arg, p, n);
}

/* Read a file in blocks of bsz, hashing it into sha and sealing it as one
 * object into sink: one pass over the bytes.  Sets the item's SHA-256,
 * salt and compression; *stored is the sealed size.  A file that grows or
 * shrinks while it is read is refused. */
static int seal_file(int fd, cy_import_item *it, uint8_t *blk, size_t bsz, cy_sha256_ctx *sha,
		     cy_obj_sink sink, void *arg, uint64_t *stored)
{
	cy_objw *w = NULL;
	uint64_t total = 0;
	int rc;

	rc = cy_sha256_reset(sha);
	/* the salt was drawn with the data key (cy_import_prepare) */
	rc = rc ? rc
		: cy_store__objw_new_version(&w, 2, it->dkey, it->key_id, it->salt,
					     CY_OBJ_COMPRESS_AUTO, sink, arg);
	while (!rc) {
		ssize_t n = cy_read_full(fd, blk, bsz, it->rel);
		if (n < 0) {
			rc = (int)n;
			break;
		}
		if (n == 0)
			break;
		if (it->sniff && !total)
			snprintf(it->format, sizeof(it->format), "%s",
				 it->sniff(blk, (size_t)n < 1024 ? (size_t)n : 1024, it->rel));
		total += (uint64_t)n;
		if (total > it->size)
			break;
		rc = cy_sha256_update(sha, blk, (size_t)n);
		rc = rc ? rc : cy_objw_write(w, blk, (size_t)n);
	}
	if (!rc && total != it->size)
		rc = cy_error_set(CY_EIO, "%s changed while it was read", it->rel);
	if (!rc && it->sniff && !total)
		snprintf(it->format, sizeof(it->format), "%s", it->sniff(blk, 0, it->rel));
	rc = rc ? rc : cy_objw_finish(w, stored);
	rc = rc ? rc : cy_sha256_final(sha, it->sha);
	if (!rc) {
		it->compressed = cy_objw_compressed(w);
		cy_objw_salt(w, it->salt);
	}
	cy_objw_free(w);
	return rc;
}

int cy_import_prepare(const cy_import *im, int fd, const char *rel, const char *format,
		      cy_import_item **out)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return cy_error_set_errno(CY_EIO, errno, "cannot stat %s", rel);
	if (!S_ISREG(st.st_mode))
		return cy_error_set(CY_EINVALID, "not a regular file");
	return cy_import_prepare_sized(im, fd, (uint64_t)st.st_size, rel, format, out);
}

int cy_import_prepare_sized(const cy_import *im, int fd, uint64_t size, const char *rel,
			    const char *format, cy_import_item **out)
{
	cy_import_item *it;
	uint64_t stored;
	int rc = 0;

	if (!cy_utf8_valid(rel, strlen(rel)))
		return cy_error_set(CY_EINVALID, "file name is not valid UTF-8");
	if (!(it = calloc(1, sizeof(*it))) || !(it->rel = strdup(rel))) {
		free(it);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	it->fd = -1;
	it->size = size;
	snprintf(it->format, sizeof(it->format), "%s", format && *format ? format : "binary");
	if (!format)
		it->sniff = im->sniff;
	{
		/* the data key, the object's salt and the wrapping nonce in one draw */
		uint8_t r[32 + 16 + 12];
		if ((rc = cy_random(r, sizeof(r))))
			goto out;
		memcpy(it->dkey, r, 32);
		memcpy(it->salt, r + 32, 16);
		memcpy(it->nonce, r + 48, 12);
		cy_wipe(r, sizeof(r));
		cy_vault__key_id(it->dkey, it->key_id);
	}
	if (it->size > SMALL_FILE) {
		/* streamed later by cy_import_add */
		if ((it->fd = dup(fd)) < 0)
			rc = cy_error_set_errno(CY_EIO, errno, "cannot keep %s open", rel);
		goto out;
	}
	{
		/* sealed into memory, in blocks: no second copy of the file */
		size_t bsz = it->size < READ_BLOCK ? (size_t)it->size + 1 : READ_BLOCK;
		uint8_t *blk = malloc(bsz);
		cy_sha256_ctx *sha = NULL;
		rc = blk ? 0 : cy_error_set(CY_ENOMEM, "out of memory");
		rc = rc ? rc
			: cy_buf_grow(&it->obj, (size_t)it->size + (size_t)it->size / 64 +
							CY_OBJ_HEADER_LEN + 64);
		rc = rc ? rc : cy_sha256_new(&sha);
		rc = rc ? rc : seal_file(fd, it, blk, bsz, sha, buf_sink, &it->obj, &stored);
		cy_sha256_free(sha);
		if (blk) {
			explicit_bzero(blk, bsz);
			free(blk);
		}
		it->prepared = !rc;
	}
out:
	if (rc) {
		cy_import_item_free(it);
		return rc;
	}
	*out = it;
	return 0;
}

/* ---- packs of the batch ---- */

static int ensure_tx(cy_import *im)
{
	int rc;

	if (im->v->in_tx)
		return 0;
	im->ncounters = 0; /* read afresh in each transaction */
	im->nnew = 0;
	im->batch_id = 0;
	im->next_id = 0;
	cy_buf_clear(&im->digests);
	if ((rc = cy_vault__begin(im->v)))
		return rc;
	im->tx_start = mono_now();
	if (!im->swept) {
		im->swept = 1;
		/* packs a killed import left; never one the ledger says committed records live in */
		if ((rc = cy_vault__sweep_orphan_packs(im->v)))
			cy_vault__rollback(im->v);
	}
	return rc;
}

cy_vault *cy_import__vault(cy_import *im)
{
	return im->v;
}

cy_fonds_key *cy_import__fonds(cy_import *im)
{
	return im->fk;
}

int64_t cy_import_last_record(const cy_import *im)
{
	return im->last_record_id;
}

cy_import_text **cy_import__text(cy_import *im)
{
	return &im->text;
}

cy_import_run *cy_import__run(cy_import *im)
{
	return im->run;
}

void cy_import__set_run(cy_import *im, cy_import_run *r)
{
	im->run = r;
}

int cy_import__ensure_tx(cy_import *im)
{
	return ensure_tx(im);
}

static int ensure_pack(cy_import *im)
{
	int rc;

	if (im->pack)
		return 0;
	if ((rc = cy_pack_begin(im->v->store, &im->pack)))
		return rc;
	if ((rc = cy_catalog_pack_insert(im->v->cat, cy_pack_name(im->pack), &im->pack_id))) {
		cy_pack_discard(im->pack);
		im->pack = NULL;
	}
	return rc;
}

static int close_pack(cy_import *im)
{
	cy_pack **nd;
	int rc;

	if (!im->pack)
		return 0;
	if ((rc = cy_catalog_pack_set_size(im->v->cat, cy_pack_name(im->pack),
					   cy_pack_size(im->pack))))
		return rc;
	/* durable at the batch's commit; until then its writeback overlaps the next files */
	if ((rc = cy_pack_seal(im->pack)))
		return rc;
	nd = realloc(im->done, sizeof(*nd) * (im->ndone + 1));
	if (!nd)
		return cy_error_set(CY_ENOMEM, "out of memory");
	im->done = nd;
	im->done[im->ndone++] = im->pack;
	im->pack = NULL;
	return 0;
}

/* The counter of a group, read on first use in this transaction. */
static int group_counter(cy_import *im, const char *grp, counter **out)
{
	counter *c;
	int rc;

	for (size_t i = 0; i < im->ncounters; i++) {
		if (!strcmp(im->counters[i].grp, grp)) {
			*out = &im->counters[i];
			return 0;
		}
	}
	c = realloc(im->counters, sizeof(*c) * (im->ncounters + 1));
	if (!c)
		return cy_error_set(CY_ENOMEM, "out of memory");
	im->counters = c;
	c = &c[im->ncounters];
	memset(c, 0, sizeof(*c));
	snprintf(c->grp, sizeof(c->grp), "%s", grp);
	rc = cy_catalog_item_peek(im->v->cat, im->fk->fonds_id, grp, &c->next);
	if (rc == CY_ENOTFOUND) {
		c->next = 1; /* a new group */
		cy_error_clear();
		rc = 0;
	}
	if (rc)
		return rc;
	im->ncounters++;
	*out = c;
	return 0;
}

static int store_counters(cy_import *im)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < im->ncounters; i++)
		if (im->counters[i].dirty)
			rc = cy_catalog_item_store(im->v->cat, im->fk->fonds_id,
						   im->counters[i].grp, im->counters[i].next);
	im->ncounters = 0;
	return rc;
}

/* ---- the record ---- */

/* YYYY, YYYY-MM, or a calendar date that exists (cy_date_parse). */
static int valid_date(const char *d)
{
	size_t n = strlen(d);
	int y, m, day;

	if (n == 10)
		return cy_date_parse(d, &y, &m, &day) == 0;
	if ((n != 4 && n != 7) || strspn(d, "0123456789-") != n || (n == 7 && d[4] != '-') ||
	    strchr(d, '-') != (n == 7 ? d + 4 : NULL))
		return 0;
	m = n == 7 ? (d[5] - '0') * 10 + (d[6] - '0') : 1;
	return m >= 1 && m <= 12;
}

static int check_text(const char *s, const char *what)
{
	if (s && !cy_utf8_valid(s, strlen(s)))
		return cy_error_set(CY_EINVALID, "%s is not valid UTF-8", what);
	return 0;
}

int cy_vault__record_check(const cy_record_new *r)
{
	int rc;

	if (r->klass >= CY_CLASS_COUNT)
		return cy_error_set(CY_EINVALID, "unknown class %d", (int)r->klass);
	if (r->year == 0)
		return cy_error_set(
			CY_EINVALID,
			"the record has no year (年度): give the year the document was formed");
	if (r->year < 1900 || r->year > 9999)
		return cy_error_set(CY_EINVALID, "year %d is not valid", r->year);
	if (r->retention && !cy_retention_valid(r->retention))
		return cy_error_set(CY_EINVALID, "retention '%s' is not valid (Y, D30 or D10)",
				    r->retention);
	if (r->org && *r->org && (rc = cy_vault__org_valid(r->org)))
		return rc;
	if (r->date && *r->date && !valid_date(r->date))
		return cy_error_set(CY_EINVALID,
				    "date '%s' is not valid (YYYY, YYYY-MM or YYYY-MM-DD)",
				    r->date);
	if (r->date_end && *r->date_end && !valid_date(r->date_end))
		return cy_error_set(CY_EINVALID,
				    "date '%s' is not valid (YYYY, YYYY-MM or YYYY-MM-DD)",
				    r->date_end);
	if ((rc = check_text(r->title, "title")) || (rc = check_text(r->source_path, "source")) ||
	    (rc = check_text(r->message_id, "message id")))
		return rc;
	for (size_t i = 0; i < r->nlabels; i++)
		if ((rc = check_text(r->labels[i], "label")))
			return rc;
	for (size_t i = 0; i < r->nfields; i++)
		if (!r->fields[i].key || !*r->fields[i].key ||
		    (rc = check_text(r->fields[i].key, "field name")) ||
		    (rc = check_text(r->fields[i].value, "field value")))
			return rc ? rc : cy_error_set(CY_EINVALID, "a field has no name");
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The digest of a new record's catalog row (docs/formats/record-sig.md),
 * from the values its rows are inserted with: the record row, its objects
 * (wrapped[i] the wrapped data key of objs[i]; objs[0] is records.object_id,
 * the others record_objects seq i) and its subjects.  The one place that
 * maps those values onto cy_catalog_recsig_row: a column the digest gains
 * is added here and in cy_catalog_recsig_each. */
static int record_digest(cy_import *im, const cy_cat_record_new *row, const placed *objs,
			 const uint8_t (*wrapped)[CY_DKEY_WRAPPED_LEN], size_t nobjs, int64_t owner,
			 const int64_t *subjects, size_t nsubjects, uint8_t out[32])
{
	cy_catalog_recsig_obj ro[MAX_PARTS];
	cy_catalog_recsig_row r;
	int64_t *subj = NULL;
	int rc;

	if (nsubjects) {
		if (!(subj = malloc(nsubjects * sizeof(*subj))))
			return cy_error_set(CY_ENOMEM, "out of memory");
		memcpy(subj, subjects, nsubjects * sizeof(*subj));
		qsort(subj, nsubjects, sizeof(*subj), cmp_id);
	}
	for (size_t i = 0; i < nobjs; i++)
		ro[i] = (cy_catalog_recsig_obj){.seq = (int64_t)i,
						.role = i ? objs[i].role : "",
						.length = objs[i].length,
						.size = objs[i].size,
						.compressed = objs[i].compressed,
						.owner = owner,
						.dkey = wrapped[i],
						.dkey_len = CY_DKEY_WRAPPED_LEN,
						.present = 1};
	memset(&r, 0, sizeof(r));
	r.id = row->id;
	r.fonds_id = row->fonds_id;
	r.archive_no = row->archive_no;
	r.klass = row->klass;
	r.year = row->year;
	r.retention = row->retention;
	r.org = row->org;
	r.item = row->item;
	r.size = row->size;
	r.dedup = row->dedup;
	r.dedup_len = 32;
	r.meta = row->meta;
	r.meta_len = row->meta_len;
	r.status = row->status;
	r.created = row->created;
	r.created_by = row->created_by;
	r.objs = ro;
	r.nobjs = nobjs;
	r.subjects = subj;
	r.nsubjects = nsubjects;
	rc = cy_vault__recsig_digest(&r, &im->enc, out);
	free(subj);
	return rc;
}

/* The rows, the metadata and the ledger entry of a record whose objects are
 * in the pack.  Runs inside the record's savepoint. */
static int record_finish(cy_import *im, const cy_record_new *r, placed *objs, size_t nobjs,
			 const uint8_t dedup[32], char *archive_no)
{
	cy_vault *v = im->v;
	const char *retention = r->retention ? r->retention : cy_class_default_retention(r->klass);
	const char *org = r->org ? r->org : "";
	int64_t owner = r->nsubjects == 1 ? r->subjects[0] : 0;
	int64_t object_ids[MAX_PARTS], item, record_id;
	counter *ctr = NULL;
	cy_meta_object mo[MAX_PARTS];
	uint8_t(*uids)[16] = NULL;
	uint8_t wk[32], wrapped[MAX_PARTS][CY_DKEY_WRAPPED_LEN], digest[32];
	char grp[96], now[21];
	cy_ledger_entry e;
	int rc;

	if (r->nsubjects && !(uids = calloc(r->nsubjects, sizeof(*uids))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->nsubjects; i++) {
		int64_t fid = 0;
		rc = cy_catalog_record_subject_uid(v->cat, r->subjects[i], &fid, uids[i]);
		if (rc == 0 || (rc == 1 && fid != im->fk->fonds_id))
			rc = cy_error_set(CY_ENOTFOUND, "no subject %lld in fonds %s",
					  (long long)r->subjects[i], im->fk->code);
		if (rc < 0)
			goto out;
	}
	/* the fonds' wrapping key is kept set up; a subject's is made for its record */
	cy_aead *wrap = im->wrap_aead;
	rc = 0;
	if (owner && owner == im->owner_id && im->owner_aead) {
		/* the same subject as the record before (a customer's statements) */
		wrap = im->owner_aead;
	} else if (owner) {
		cy_aead_free(im->owner_aead);
		im->owner_aead = NULL;
		im->owner_id = 0;
		rc = cy_vault__owner_wrap_key(v, im->fk, owner, wk);
		rc = rc ? rc : cy_aead_new(&wrap, wk);
		cy_wipe(wk, sizeof(wk));
		if (!rc) {
			im->owner_aead = wrap;
			im->owner_id = owner;
		}
	}
	for (size_t i = 0; !rc && i < nobjs; i++) {
		cy_cat_object o = {.pack_id = im->pack_id,
				   .offset = objs[i].offset,
				   .length = objs[i].length,
				   .size = objs[i].size,
				   .compressed = objs[i].compressed,
				   .dkey = wrapped[i],
				   .dkey_len = sizeof(wrapped[i]),
				   .owner_subject_id = owner};
		rc = cy_vault__dkey_wrap_with(wrap, objs[i].salt, objs[i].dkey, objs[i].nonce,
					      wrapped[i]);
		rc = rc ? rc : cy_catalog_object_insert(v->cat, &o, &object_ids[i]);
		mo[i] = (cy_meta_object){.role = objs[i].role,
					 .format = objs[i].format,
					 .size = objs[i].size};
		memcpy(mo[i].sha256, objs[i].sha, 32);
		memcpy(mo[i].salt, objs[i].salt, 16);
	}
	if (wrap != im->wrap_aead && wrap != im->owner_aead)
		cy_aead_free(wrap);
	if (rc)
		goto out;

	/* number it in its group: CODE-KL·YEAR-RET[-ORG]-NNNN */
	cy_vault__group(r->klass, r->year, retention, org, grp, sizeof(grp));
	if ((rc = group_counter(im, grp, &ctr)))
		goto out;
	item = ctr->next;
	cy_vault__archive_no(im->fk->code, r->klass, r->year, retention, org, item, archive_no);

	cy_meta m = {.r = r,
		     .retention = retention,
		     .retention_rule = r->retention_rule ? r->retention_rule
				       : r->retention	 ? "user"
							 : "class-default",
		     .status = "held",
		     .objects = mo,
		     .nobjects = nobjs,
		     .subject_uids = (const uint8_t(*)[16])uids,
		     .nsubjects = r->nsubjects};
	cy_buf_clear(&im->meta);
	if ((rc = cy_vault__meta_seal(im->meta_aead, archive_no, &m, &im->meta)))
		goto out;
	cy_vault__now(now);
	cy_cat_record_new row = {.fonds_id = im->fk->fonds_id,
				 .archive_no = archive_no,
				 .klass = cy_class_name(r->klass),
				 .retention = retention,
				 .org = org,
				 .created = now,
				 .year = r->year,
				 .item = item,
				 .object_id = object_ids[0],
				 .created_by = v->user_id,
				 .size = objs[0].size,
				 .dedup = dedup,
				 .meta = im->meta.ptr,
				 .meta_len = im->meta.len,
				 .status = "held",
				 .digest = digest};
	/* inserted signed-to-be: with its batch and its row's digest (the id
	 * the digest covers is the one the insert takes; a failed record's
	 * savepoint gives back both the id and a batch row it took) */
	if (!im->batch_id && (rc = cy_vault__recsig_batch_begin(v, im->fk, &im->batch_id)))
		goto out;
	row.batch_id = im->batch_id;
	if (!im->next_id && (rc = cy_catalog_record_next_id(v->cat, &im->next_id)))
		goto out;
	row.id = im->next_id;
	if ((rc = record_digest(im, &row, objs, (const uint8_t(*)[CY_DKEY_WRAPPED_LEN])wrapped,
				nobjs, owner, r->subjects, r->nsubjects, digest)) ||
	    (rc = cy_catalog_record_insert(v->cat, &row, &record_id)))
		goto out;
	for (size_t i = 1; !rc && i < nobjs; i++)
		rc = cy_catalog_record_object_add(v->cat, record_id, (int)i, object_ids[i],
						  objs[i].role);
	for (size_t i = 0; !rc && i < r->nsubjects; i++)
		rc = cy_vault__subject_link(v, record_id, r->subjects[i]);
	if (rc)
		goto out;
	memset(&e, 0, sizeof(e));
	e.action = "record.import";
	e.targets[0] = archive_no;
	e.ntargets = 1;
	e.details[e.ndetails++] = (cy_ledger_detail){"fonds", im->fk->code, 0};
	e.details[e.ndetails++] = (cy_ledger_detail){"object", NULL, object_ids[0]};
	e.details[e.ndetails++] = (cy_ledger_detail){"size", NULL, (int64_t)objs[0].size};
	e.details[e.ndetails++] = (cy_ledger_detail){"pack", cy_pack_name(im->pack), 0};
	if (nobjs > 1)
		e.details[e.ndetails++] = (cy_ledger_detail){"objects", NULL, (int64_t)nobjs};
	if (r->nsubjects)
		e.details[e.ndetails++] = (cy_ledger_detail){"subjects", NULL,
							     (int64_t)r->nsubjects};
	rc = cy_vault__log(v, &e);
	/* last: nothing after it fails, so the digests are the records made */
	rc = rc ? rc : cy_buf_put(&im->digests, digest, 32);
	if (!rc) {
		/* only now is the number taken: a failed record gives it back */
		ctr->next = item + 1;
		ctr->dirty = 1;
		im->nnew++;
		im->last_record_id = record_id;
		im->next_id = im->next_id < INT64_MAX ? im->next_id + 1 : 0;
	}
out:
	free(uids);
	return rc;
}

/* Run one record inside its own savepoint: a failure leaves no row and no
 * ledger entry, and the batch goes on. */
typedef int (*record_step)(cy_import *im, void *arg, cy_import_outcome *outcome, char *archive_no);

static int in_savepoint(cy_import *im, record_step step, void *arg, cy_import_outcome *outcome,
			char *archive_no)
{
	cy_vault *v = im->v;
	cy_frontier saved;
	uint64_t saved_entries;
	size_t saved_new;
	int64_t saved_batch;
	int rc;

	/* the pack and its row belong to the batch, so they are made outside the savepoint */
	if ((rc = ensure_tx(im)) || (rc = ensure_pack(im)) || (rc = cy_catalog_savepoint(v->cat)))
		return rc;
	saved = v->fr;
	saved_entries = v->tx_entries;
	saved_new = im->nnew;
	saved_batch = im->batch_id;
	rc = step(im, arg, outcome, archive_no);
	if (rc) {
		im->nnew = saved_new;
		im->batch_id = saved_batch;
		im->next_id = 0; /* asked again: whatever failed, the catalog knows */
		if (im->digests.len > 32 * saved_new) {
			im->digests.len = 32 * saved_new;
			im->digests.ptr[im->digests.len] = 0;
		}
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", cy_error_message());
		cy_catalog_savepoint_rollback(v->cat);
		v->fr = saved;
		v->tx_entries = saved_entries;
		return cy_error_set(rc, "%s", msg);
	}
	if ((rc = cy_catalog_savepoint_release(v->cat)))
		return rc;
	if (im->delay_ms) {
		struct timespec d = {im->delay_ms / 1000, (long)(im->delay_ms % 1000) * 1000000L};
		nanosleep(&d, NULL);
	}
	if (*outcome == CY_IMPORTED && cy_pack_size(im->pack) >= PACK_TARGET)
		return close_pack(im);
	return 0;
}

typedef struct add_args {
	cy_import_item *it;
	const cy_record_new *r;
} add_args;

static int add_step(cy_import *im, void *arg, cy_import_outcome *outcome, char *archive_no)
{
	add_args *a = arg;
	cy_import_item *it = a->it;
	placed p = {.role = "original", .format = it->format, .size = it->size};
	uint8_t dedup[32];
	int rc;

	if ((rc = cy_vault__record_check(a->r)))
		return rc;
	p.offset = cy_pack_size(im->pack);
	if (it->prepared) {
		cy_hmac_sha256(CY_INDEX_KEY(im->fk), 32, it->sha, 32, dedup);
		if ((rc = cy_catalog_record_by_dedup(im->v->cat, im->fk->fonds_id, dedup,
						     archive_no))) {
			if (rc == 1)
				*outcome = CY_DUPLICATE;
			return rc == 1 ? 0 : rc;
		}
		p.length = it->obj.len;
		if ((rc = cy_pack_write(im->pack, it->obj.ptr, it->obj.len)))
			return rc;
	} else {
		/* large: a duplicate is only known after the pass; its bytes stay in the
		 * pack unreferenced until compaction */
		if ((rc = seal_file(it->fd, it, im->buf, READ_BLOCK, im->sha, cy_pack_write,
				    im->pack, &p.length)))
			return rc;
		cy_hmac_sha256(CY_INDEX_KEY(im->fk), 32, it->sha, 32, dedup);
		rc = cy_catalog_record_by_dedup(im->v->cat, im->fk->fonds_id, dedup, archive_no);
		if (rc) {
			if (rc == 1)
				*outcome = CY_DUPLICATE;
			return rc == 1 ? 0 : rc;
		}
	}
	p.compressed = it->compressed;
	memcpy(p.sha, it->sha, 32);
	memcpy(p.salt, it->salt, 16);
	memcpy(p.dkey, it->dkey, 32);
	memcpy(p.key_id, it->key_id, 8);
	memcpy(p.nonce, it->nonce, 12);
	rc = record_finish(im, a->r, &p, 1, dedup, archive_no);
	cy_wipe(p.dkey, sizeof(p.dkey));
	if (!rc) {
		*outcome = CY_IMPORTED;
		im->pending_bytes += it->size;
		im->pending_files++;
	}
	return rc;
}

int cy_import_add(cy_import *im, cy_import_item *it, const cy_record_new *r,
		  cy_import_outcome *outcome, char *archive_no)
{
	cy_record_new rr = *r;
	add_args a = {it, &rr};

	if (rr.source_kind == CY_SOURCE_NONE) {
		rr.source_kind = CY_SOURCE_FILE;
		rr.source_path = it->rel;
	}
	return in_savepoint(im, add_step, &a, outcome, archive_no);
}

typedef struct create_args {
	const cy_record_new *r;
	const cy_record_part *parts;
	size_t nparts;
} create_args;

static int create_step(cy_import *im, void *arg, cy_import_outcome *outcome, char *archive_no)
{
	create_args *a = arg;
	placed p[MAX_PARTS];
	uint8_t sha[32], dedup[32];
	uint64_t start;
	int rc;

	if (a->nparts < 1 || a->nparts > MAX_PARTS)
		return cy_error_set(CY_EINVALID, "a record has 1 to %d parts, not %zu", MAX_PARTS,
				    a->nparts);
	if ((rc = cy_vault__record_check(a->r)))
		return rc;
	cy_sha256(a->parts[0].data, a->parts[0].len, sha);
	cy_hmac_sha256(CY_INDEX_KEY(im->fk), 32, sha, 32, dedup);
	if ((rc = cy_catalog_record_by_dedup(im->v->cat, im->fk->fonds_id, dedup, archive_no))) {
		if (rc == 1)
			*outcome = CY_DUPLICATE;
		return rc == 1 ? 0 : rc;
	}
	memset(p, 0, sizeof(p));
	for (size_t i = 0; !rc && i < a->nparts; i++) {
		const cy_record_part *pt = &a->parts[i];
		cy_objw *w = NULL;
		p[i].role = pt->role ? pt->role : i ? "part" : "original";
		p[i].format = pt->format ? pt->format : "binary";
		p[i].size = pt->len;
		cy_sha256(pt->data, pt->len, p[i].sha);
		start = cy_pack_size(im->pack);
		p[i].offset = start;
		cy_buf_clear(&im->sealed);
		rc = cy_vault__dkey_new(p[i].dkey, p[i].key_id);
		rc = rc ? rc : cy_random(p[i].nonce, sizeof(p[i].nonce));
		rc = rc ? rc
			: cy_objw_new(&w, p[i].dkey, p[i].key_id, CY_OBJ_COMPRESS_AUTO, buf_sink,
				      &im->sealed);
		rc = rc ? rc : cy_objw_write(w, pt->data, pt->len);
		rc = rc ? rc : cy_objw_finish(w, &p[i].length);
		if (!rc) {
			p[i].compressed = cy_objw_compressed(w);
			cy_objw_salt(w, p[i].salt);
		}
		cy_objw_free(w);
		rc = rc ? rc : cy_pack_write(im->pack, im->sealed.ptr, im->sealed.len);
	}
	cy_buf_wipe(&im->sealed);
	rc = rc ? rc : record_finish(im, a->r, p, a->nparts, dedup, archive_no);
	for (size_t i = 0; i < a->nparts; i++)
		cy_wipe(p[i].dkey, sizeof(p[i].dkey));
	if (!rc) {
		*outcome = CY_IMPORTED;
		im->pending_files++;
		for (size_t i = 0; i < a->nparts; i++)
			im->pending_bytes += a->parts[i].len;
	}
	return rc;
}

int cy_record_create(cy_import *im, const cy_record_new *r, const cy_record_part *parts,
		     size_t nparts, cy_import_outcome *outcome, char *archive_no)
{
	create_args a = {r, parts, nparts};

	return in_savepoint(im, create_step, &a, outcome, archive_no);
}

typedef struct subject_args {
	const cy_subject_fields *f;
	int64_t *id;
	char *id_out;
	uint8_t *wrap_key;
} subject_args;

static int subject_step(cy_import *im, void *arg, cy_import_outcome *outcome, char *unused)
{
	subject_args *a = arg;

	(void)unused;
	*outcome = CY_DUPLICATE; /* not a record: nothing for the pack or the batch counts */
	return cy_vault__subject_create(im->v, im->fk, a->f, a->id, a->id_out, a->wrap_key);
}

int cy_import_subject(cy_import *im, const cy_subject_fields *f, int64_t *subject_id, char *id_out)
{
	uint8_t *wk = cy_secure_alloc(32);
	subject_args a = {f, subject_id, id_out, wk};
	cy_import_outcome oc;
	cy_aead *wrap = NULL;
	char unused[64];
	int rc;

	if (!wk)
		return CY_ENOMEM;
	rc = in_savepoint(im, subject_step, &a, &oc, unused);
	/* the new customer's records come next: their data keys are wrapped with
	 * the key made here instead of reading the subject back (set only once
	 * the savepoint is released: a rolled-back id may be given again) */
	if (!rc && !cy_aead_new(&wrap, wk)) {
		cy_aead_free(im->owner_aead);
		im->owner_aead = wrap;
		im->owner_id = *subject_id;
	}
	cy_secure_free(wk, 32);
	return rc;
}

typedef struct merge_args {
	int64_t sid;
	const cy_subject_fields *f;
	size_t *added;
	bool *name_differs;
} merge_args;

static int merge_step(cy_import *im, void *arg, cy_import_outcome *outcome, char *unused)
{
	merge_args *a = arg;

	int rc;

	(void)unused;
	*outcome = CY_DUPLICATE;
	if ((rc = cy_vault__epoch_writable(im->v, im->fk)))
		return rc;
	return cy_vault__subject_merge(im->v, im->fk, a->sid, a->f, a->added, a->name_differs);
}

int cy_import_subject_restricted(cy_import *im, int64_t subject_id)
{
	int rc = cy_vault__subject_store_only(im->v, subject_id, "");

	return rc == 1 ? 1 : rc < 0 ? rc : 0;
}

int cy_import_subject_merge(cy_import *im, int64_t subject_id, const cy_subject_fields *f,
			    size_t *added, bool *name_differs)
{
	merge_args a = {subject_id, f, added, name_differs};
	cy_import_outcome oc;
	char unused[64];

	*added = 0;
	return in_savepoint(im, merge_step, &a, &oc, unused);
}

int cy_import_commit(cy_import *im)
{
	int rc = 0;
	bool due;

	if (!im->v->in_tx)
		return 0;
	due = cy_import_due(im);
	if (im->pack && cy_pack_size(im->pack) == 0) {
		rc = cy_catalog_pack_delete(im->v->cat, cy_pack_name(im->pack));
		cy_pack_discard(im->pack);
		im->pack = NULL;
	}
	rc = rc ? rc : close_pack(im);
	rc = rc ? rc : store_counters(im);
	/* objects durable before the catalog says they exist */
	for (size_t i = 0; !rc && i < im->ndone; i++)
		rc = cy_pack_finish(im->done[i]);
	rc = rc ? rc : cy_store_sync_dirs(im->v->store);
	/* one signature over the batch's records (vault_recsig.c) */
	if (!rc && im->nnew)
		rc = cy_vault__recsig_batch_sign(im->v, im->fk, im->batch_id, im->digests.ptr,
						 im->nnew);
	im->nnew = 0;
	im->batch_id = 0;
	cy_buf_clear(&im->digests);
	rc = rc ? rc : cy_vault__commit(im->v);
	if (rc) {
		/* the error is the failure's, not the cleanup's (removing a pack
		 * that a failed step never made sets its own) */
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", cy_error_message());
		cy_vault__rollback(im->v);
		for (size_t i = 0; i < im->ndone; i++)
			cy_pack_discard(im->done[i]);
		cy_pack_discard(im->pack);
		im->pack = NULL;
		/* the batch's records are not in: neither are their texts */
		cy_import__text_discard(im->text);
		cy_error_set(rc, "%s", msg);
	} else {
		for (size_t i = 0; i < im->ndone; i++)
			cy_pack_free(im->done[i]);
		/* the batch's records are in: now to the full-text index's writer
		 * thread (a crash before it commits leaves them out of the index,
		 * never a wrong document in; check reports it, reindex repairs it) */
		cy_import__text_flush(im->v, im->fk, im->text);
		if (due) {
			/* a moment without the lock, for the readers waiting on it (they
			 * poll every 2 ms): else the next record's BEGIN takes it again */
			struct timespec pause = {0, 20000000L};
			nanosleep(&pause, NULL);
		}
	}
	im->ndone = 0;
	im->pending_bytes = im->pending_files = 0;
	return rc;
}

void cy_import_free(cy_import *im)
{
	if (!im)
		return;
	if (im->v->in_tx)
		cy_vault__rollback(im->v);
	for (size_t i = 0; i < im->ndone; i++)
		cy_pack_discard(im->done[i]);
	cy_pack_discard(im->pack);
	free(im->done);
	free(im->counters);
	cy_import__run_free(im->run);
	cy_buf_release(&im->digests);
	cy_buf_release(&im->enc);
	cy_sha256_free(im->sha);
	cy_aead_free(im->meta_aead);
	cy_aead_free(im->wrap_aead);
	cy_aead_free(im->owner_aead);
	cy_import__text_free(im->text);
	free(im->buf);
	cy_buf_release(&im->meta);
	cy_buf_wipe(&im->sealed);
	free(im);
}
