/* transfer_receive.c - the receiver's side (custody receive): decrypt the
 * package, extract it safely into the work directory it was given, validate
 * the bag item by item, check its counts, sign a receipt; and the sender's
 * side of the receipt (custody transfer confirm).  docs/internals/transfer.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "catalog/catalog_holds.h"
#include "catalog/catalog_packs.h"
#include "crypto/crypto.h"
#include "custody/age.h"
#include "custody/bagit.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/receipt.h"
#include "custody/sigkey.h"
#include "ledger/ledger.h"
#include "transfer/bagit_internal.h"
#include "transfer/transfer_internal.h"
#include "vault/vault_recsig.h"
#include "custody/banned.h"

typedef struct pkg_src {
	int fd;
	cy_age_dec *dec;
} pkg_src;

static long read_fd(void *arg, void *buf, size_t n)
{
	pkg_src *p = arg;
	ssize_t r;

	do
		r = read(p->fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return cy_error_set(CY_EIO, "cannot read the package: %s", strerror(errno));
	return (long)r;
}

static long read_age(void *arg, void *buf, size_t n)
{
	pkg_src *p = arg;
	return cy_age_dec_read(p->dec, buf, n);
}

/* The work directory: created with mode 0700, or an existing real
 * directory of ours (not a symbolic link), made 0700. */
static int work_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return cy_error_set(CY_EIO, "cannot create %s: %s", dir, strerror(errno));
	if (lstat(dir, &st) || !S_ISDIR(st.st_mode))
		return cy_error_set(CY_EINVALID,
				    "%s exists and is not a directory (a symbolic link "
				    "is not followed)",
				    dir);
	if (st.st_uid != geteuid())
		return cy_error_set(CY_EPERM, "%s belongs to another user", dir);
	if (chmod(dir, 0700))
		return cy_error_set(CY_EIO, "cannot make %s private: %s", dir, strerror(errno));
	return 0;
}

/* Count the lines of a tag file in the bag (a JSON Lines file). */
static int count_lines(const char *bagdir, const char *name, uint64_t *n)
{
	cy_buf path = CY_BUF_INIT, data = CY_BUF_INIT;
	int rc = cy_path_join(&path, bagdir, name);

	*n = 0;
	rc = rc ? rc : cy_read_file(cy_buf_cstr(&path), (size_t)1 << 31, &data);
	for (size_t i = 0; !rc && i < data.len; i++)
		*n += data.ptr[i] == '\n';
	cy_buf_wipe(&data);
	cy_buf_release(&data);
	cy_buf_release(&path);
	return rc;
}

static int info_u64(const cy_bag_report *rep, const char *label, uint64_t *out)
{
	const char *s = cy_bag_info_get(rep, label);
	char *end;

	if (!s || !*s)
		return cy_error_set(CY_ECORRUPT, "the package's bag-info.txt has no %s", label);
	/* digits only: strtoull takes "-1" (as 2^64 - 1), spaces and a sign */
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end || *s < '0' || *s > '9')
		return cy_error_set(CY_ECORRUPT, "the package's %s is not a number: '%s'", label,
				    s);
	return 0;
}

int cy_receive(const cy_receive_opts *o, cy_receive_result *res, cy_bag_report *rep)
{
	pkg_src src = {-1, NULL};
	uint8_t(*ids)[32] = NULL;
	size_t nids = 0;
	uint8_t *seed = NULL;
	cy_bag_limits lim = {CY_BAG_MAX_TOTAL, CY_BAG_MAX_FILES, CY_BAG_MAX_FILE};
	cy_buf tmp = CY_BUF_INIT, bag = CY_BUF_INIT, final = CY_BUF_INIT, out = CY_BUF_INIT;
	char *top = NULL;
	cy_receipt r;
	uint64_t n;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(rep, 0, sizeof(*rep));
	memset(&r, 0, sizeof(r));
	if (!(seed = cy_secure_alloc(32)))
		return CY_ENOMEM;
	/* the keys first: a wrong key file costs nothing */
	rc = cy_signing_key_load(o->sign_key, seed);
	rc = rc ? rc : cy_age_identity_load(o->identity, &ids, &nids);
	rc = rc ? rc : cy_outfile_check(o->receipt, 0);
	if (rc)
		goto out;
	if ((src.fd = open(o->package, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = cy_error_set(errno == ENOENT ? CY_ENOTFOUND : CY_EIO, "cannot open %s: %s",
				  o->package, strerror(errno));
		goto out;
	}
	if ((rc = cy_age_dec_new(&src.dec, (const uint8_t(*)[32])ids, nids, read_fd, &src)))
		goto out;
	if ((rc = work_dir(o->to)))
		goto out;
	/* into a fresh directory inside the work directory, renamed to the
	 * bag's name only when all of it is there and valid */
	rc = cy_path_join(&tmp, o->to, ".receiving-XXXXXX");
	if (!rc && !mkdtemp((char *)tmp.ptr))
		rc = cy_error_set(CY_EIO, "cannot create a directory in %s: %s", o->to,
				  strerror(errno));
	if (rc)
		goto out;
	rc = cy_bag_extract_validate(read_age, &src, cy_buf_cstr(&tmp), &lim, &top, rep);
	if (rc && !rep->nerrors)
		goto out;
	if (!rc && (!rep->valid || !rep->complete))
		rc = cy_error_set(CY_ECORRUPT, "the bag in the package is not valid");
	if (rc)
		goto out;
	rc = cy_path_join(&bag, cy_buf_cstr(&tmp), top);
	/* the counts the package declares, against what is in it */
	uint64_t records = 0, subjects = 0, files = 0, size = 0;
	rc = rc ? rc : info_u64(rep, "Record-Count", &records);
	rc = rc ? rc : info_u64(rep, "Subject-Count", &subjects);
	rc = rc ? rc : info_u64(rep, "File-Count", &files);
	rc = rc ? rc : info_u64(rep, "Sender-Ledger-Size", &size);
	rc = rc ? rc : count_lines(cy_buf_cstr(&bag), "metadata/records.jsonl", &n);
	if (!rc && n != records)
		rc = cy_error_set(CY_ECORRUPT,
				  "the package declares %" PRIu64
				  " records; its records.jsonl lists "
				  "%" PRIu64,
				  records, n);
	rc = rc ? rc : count_lines(cy_buf_cstr(&bag), "metadata/subjects.jsonl", &n);
	if (!rc && n != subjects)
		rc = cy_error_set(CY_ECORRUPT,
				  "the package declares %" PRIu64
				  " customers; subjects.jsonl lists "
				  "%" PRIu64,
				  subjects, n);
	if (!rc && files != rep->files)
		rc = cy_error_set(CY_ECORRUPT,
				  "the package declares %" PRIu64 " files; it holds %" PRIu64,
				  files, rep->files);
	if (!rc && (!rep->has_tagmanifest_sha256 || !cy_bag_info_get(rep, "Transfer-Id") ||
		    !cy_bag_info_get(rep, "Sender-Ledger-Root")))
		rc = cy_error_set(CY_ECORRUPT,
				  "the package is not a custody transfer (no Transfer-Id, ledger "
				  "checkpoint or sha256 tag manifest)");
	if (rc)
		goto out;
	/* the bag under its own name in the work directory */
	rc = cy_path_join(&final, o->to, top);
	if (!rc && rename(cy_buf_cstr(&bag), cy_buf_cstr(&final)))
		rc = cy_error_set(errno == EEXIST || errno == ENOTEMPTY ? CY_EEXISTS : CY_EIO,
				  "cannot put the bag at %s: %s (received already?)",
				  cy_buf_cstr(&final), strerror(errno));
	if (rc)
		goto out;
	rmdir(cy_buf_cstr(&tmp));
	snprintf(r.transfer, sizeof(r.transfer), "%s", cy_bag_info_get(rep, "Transfer-Id"));
	cy_hex_encode(rep->tagmanifest_sha256, 32, r.tag_manifest);
	r.records = records;
	r.subjects = subjects;
	r.files = rep->files;
	r.bytes = rep->bytes;
	{
		char now[21];
		cy_time_format((int64_t)time(NULL), now);
		snprintf(r.received, sizeof(r.received), "%s", now);
	}
	r.ledger_size = size;
	snprintf(r.ledger_root, sizeof(r.ledger_root), "%s",
		 cy_bag_info_get(rep, "Sender-Ledger-Root"));
	rc = cy_receipt_sign(&r, seed, &out);
	rc = rc ? rc : cy_outfile_write(o->receipt, out.ptr, out.len, 0644);
	if (!rc) {
		snprintf(res->transfer, sizeof(res->transfer), "%s", r.transfer);
		snprintf(res->bag, sizeof(res->bag), "%s", cy_buf_cstr(&final));
		memcpy(res->tag_manifest, r.tag_manifest, 65);
		res->records = records;
		res->subjects = subjects;
		res->files = rep->files;
		res->bytes = rep->bytes;
	}
out:
	if (rc && tmp.len) {
		/* what this run extracted, and nothing else (the bag validator
		 * already removed an invalid bag) */
		int dfd = open(cy_buf_cstr(&tmp), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (top && dfd >= 0)
			cy_bag__remove_tree(dfd, top);
		if (dfd >= 0)
			close(dfd);
		rmdir(cy_buf_cstr(&tmp));
	}
	if (src.fd >= 0)
		close(src.fd);
	cy_age_dec_free(src.dec);
	cy_age_identity_free(ids, nids);
	cy_secure_free(seed, 32);
	free(top);
	cy_buf_release(&tmp);
	cy_buf_release(&bag);
	cy_buf_release(&final);
	cy_buf_release(&out);
	return rc;
}

/* ---- confirm (the sender) ---- */

typedef struct status_ctx {
	cy_vault *v;
	int64_t *ids;
	size_t n, cap;
} status_ctx;

static int collect_item(void *arg, int64_t record_id, const char *archive_no, const char *left)
{
	status_ctx *x = arg;
	(void)archive_no;
	if (*left)
		return 0;
	if (x->n == x->cap) {
		size_t nc = x->cap ? x->cap * 2 : 256;
		int64_t *ni = realloc(x->ids, nc * sizeof(*ni));
		if (!ni)
			return cy_error_set(CY_ENOMEM, "out of memory");
		x->ids = ni;
		x->cap = nc;
	}
	x->ids[x->n++] = record_id;
	return 0;
}

static int set_transferred(void *arg, int64_t id)
{
	status_ctx *x = arg;
	return cy_catalog_hold_record_set_status(x->v->cat, id, "transferred");
}

/* The last transfer.exported entry of a transfer: a row pointed back at an
 * earlier export (with its digest) must not let that export's receipt in. */
typedef struct last_export {
	const char *target;
	uint64_t seq;
} last_export;

static int take_export(void *arg, uint64_t seq, const char *entry, size_t n)
{
	last_export *x = arg;
	json_t *j = json_loadb(entry, n, 0, NULL);
	const char *act = json_string_value(json_object_get(j, "action"));
	const char *t0 = json_string_value(json_array_get(json_object_get(j, "targets"), 0));

	if (act && t0 && !strcmp(act, "transfer.exported") && !strcmp(t0, x->target) &&
	    seq > x->seq)
		x->seq = seq;
	json_decref(j);
	return 0;
}

int cy_transfer_confirm(cy_vault *v, int64_t id, const void *receipt, size_t n, cy_receipt *out)
{
	static const char *const A[] = {"transfer.exported", NULL};
	cy_transfer__t t;
	cy_receipt r;
	json_t *e = NULL, *d;
	status_ctx x = {v, NULL, 0, 0};
	uint8_t pub[32], h[32];
	cy_ledger_entry le;
	char want[160], tid[24], rid[24], hex[65], now[21];
	int rc;

	if ((rc = cy_transfer__load(v, id, CY_R(CY_ROLE_ARCHIVIST), &t)))
		return rc;
	if (strcmp(t.row.status, "exported")) {
		rc = cy_error_set(CY_EINVALID,
				  "transfer %" PRId64 " is %s: only an exported transfer is "
				  "confirmed",
				  id, t.row.status);
		goto out;
	}
	if ((rc = cy_receipt_parse(receipt, n, &r)))
		goto out;
	/* signed by this receiver's key, for this transfer's last package */
	rc = cy_transfer__signing_pub_parse(t.receiver.signing_pub, pub);
	if (!rc && strcmp(r.receiver_key, t.receiver.signing_pub))
		rc = cy_error_set(CY_ECORRUPT,
				  "the receipt is signed by %s, not by receiver '%s' (%s)",
				  r.receiver_key, t.receiver.name, t.receiver.signing_pub);
	snprintf(tid, sizeof(tid), "t%" PRId64, id);
	rc = rc ? rc : cy_transfer__entry(v, t.row.export_seq, A, tid, &e);
	if (!rc) {
		char needle[32];
		last_export le_ = {tid, 0};
		snprintf(needle, sizeof(needle), "\"%s\"", tid);
		rc = cy_catalog_ledger_mentions(v->cat, needle, take_export, &le_);
		if (!rc && le_.seq != (uint64_t)t.row.export_seq)
			rc = cy_error_set(CY_ECORRUPT,
					  "transfer %" PRId64
					  " was exported again later (ledger entry "
					  "%" PRIu64
					  "), its row names an earlier export: the catalog "
					  "was altered",
					  id, le_.seq);
	}
	d = json_object_get(e, "details");
	snprintf(want, sizeof(want), "%s/t%" PRId64, v->vault_id, id);
	if (!rc && strcmp(r.transfer, want))
		rc = cy_error_set(CY_ECORRUPT, "the receipt is for transfer %s, not %s", r.transfer,
				  want);
	if (!rc && (strcmp(r.tag_manifest, cy_transfer__detail(e, "tag_manifest")) ||
		    strcmp(r.tag_manifest, t.row.tag_digest)))
		rc = cy_error_set(
			CY_ECORRUPT,
			"the receipt names tag manifest %.16s..., the package exported was "
			"%.16s...: not the same package",
			r.tag_manifest, cy_transfer__detail(e, "tag_manifest"));
	if (!rc && (r.records != (uint64_t)json_integer_value(json_object_get(d, "records")) ||
		    r.files != (uint64_t)json_integer_value(json_object_get(d, "files")) ||
		    r.bytes != (uint64_t)json_integer_value(json_object_get(d, "bytes")) ||
		    r.subjects != (uint64_t)t.row.subjects))
		rc = cy_error_set(CY_ECORRUPT,
				  "the receipt's counts (%" PRIu64 " records, %" PRIu64
				  " files, %" PRIu64 " bytes) differ from what was exported",
				  r.records, r.files, r.bytes);
	if (!rc &&
	    (r.ledger_size != (uint64_t)json_integer_value(json_object_get(d, "ledger_size")) ||
	     strcmp(r.ledger_root, cy_transfer__detail(e, "ledger_root"))))
		rc = cy_error_set(CY_ECORRUPT,
				  "the receipt names a ledger checkpoint (size %" PRIu64
				  ") other than the one the package carried",
				  r.ledger_size);
	if (rc)
		goto out;
	/* the records leave custody: status transferred, signed again */
	rc = cy_catalog_titem_each(v->cat, id, collect_item, &x);
	cy_sha256(receipt, n, h);
	cy_hex_encode(h, 32, hex);
	cy_vault__now(now);
	rc = rc ? rc : cy_vault__begin(v);
	if (rc)
		goto out;
	snprintf(rid, sizeof(rid), "r%" PRId64, t.receiver.id);
	memset(&le, 0, sizeof(le));
	le.action = "transfer.confirm";
	le.targets[le.ntargets++] = tid;
	le.targets[le.ntargets++] = t.row.fonds;
	le.targets[le.ntargets++] = rid;
	le.details[le.ndetails++] = (cy_ledger_detail){"receipt", hex, 0};
	le.details[le.ndetails++] = (cy_ledger_detail){"records", NULL, (int64_t)x.n};
	le.details[le.ndetails++] = (cy_ledger_detail){"received", r.received, 0};
	le.details[le.ndetails++] = (cy_ledger_detail){"tag_manifest", r.tag_manifest, 0};
	/* the entry first: the records' batches are signed again at the ledger
	 * position it makes */
	rc = rc ? rc : cy_vault__log(v, &le);
	rc = rc ? rc : cy_vault__recsig_change_many(v, x.ids, x.n, set_transferred, &x);
	if (!rc) {
		cy_buf rec = CY_BUF_INIT;
		rc = cy_buf_put(&rec, receipt, n);
		rc = rc ? rc : cy_buf_putc(&rec, 0);
		rc = rc ? rc
			: cy_catalog_transfer_confirmed(v->cat, id, now, (int64_t)le.seq,
							(const char *)rec.ptr);
		cy_buf_release(&rec);
	}
	rc = rc ? rc : cy_vault__commit(v);
	if (rc)
		cy_vault__rollback(v);
	else if (out)
		*out = r;
out:
	json_decref(e);
	free(x.ids);
	cy_wipe(t.purpose, sizeof(t.purpose));
	return rc;
}
