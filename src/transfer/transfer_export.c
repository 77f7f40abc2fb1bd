/* transfer_export.c - the package: the records in scope as a BagIt bag,
 * streamed into a tar and through age to the receiver's key, so that the
 * plaintext bag never exists on the sender's disk (docs/formats/package.md).
 *
 * The export is on the ledger before a byte leaves (transfer.export, with
 * the scope and counts), and once the package is complete and durable,
 * transfer.exported names its tag-manifest digest: the receipt must name the
 * same.  A failed or interrupted export leaves no file (the package is
 * written to an unnamed file in the target's directory and linked under its
 * name once complete, so that even SIGKILL leaves nothing; where the file
 * system has no O_TMPFILE, to a temporary name and renamed) and no change of
 * status; it can be run again. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "catalog/catalog_holds.h"
#include "custody/age.h"
#include "custody/bagit.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/fonds.h"
#include "custody/recmeta.h"
#include "custody/subject.h"
#include "ledger/ledger.h"
#include "transfer/transfer_internal.h"
#include "vault/vault_subjects.h"
#include "custody/banned.h"

typedef struct subj_no {
	int64_t id, no;
} subj_no;

typedef struct export_ctx {
	cy_vault *v;
	cy_transfer__t *t;
	/* the package: fd, unnamed in dfd (anon) or cy_outfile's temporary */
	int fd, dfd;
	bool anon, of_open;
	char *base;
	cy_outfile of;
	cy_age_enc *age;
	cy_bag_writer *bag;
	int64_t mtime;
	/* the tag files, built as the records pass */
	cy_buf jsonl, csv, html, parts, first;
	cy_buf dir, orig, name, path;
	bool first_part;
	const cy_record_info *cur;
	int64_t record_id;
	int year_min, year_max, this_year; /* 起止年度; the year of the export */
	char approver[64];
	subj_no *subj;
	size_t nsubj;
	uint64_t files, bytes, records, done_bytes;
	cy_transfer_progress_fn progress;
	void *parg;
} export_ctx;

static int to_file(void *arg, const void *data, size_t n)
{
	export_ctx *x = arg;
	return cy_write_all(x->fd, data, n, "the package");
}

/* ---- the package's file ---- */

static int pkg_open(export_ctx *x, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int rc;

	/* what is at the target now: a link, a directory, a file are refused */
	if ((rc = cy_outfile_check(path, 0)))
		return rc;
	dir = slash ? (slash == path ? strdup("/") : strndup(path, (size_t)(slash - path)))
		    : strdup(".");
	x->base = strdup(slash ? slash + 1 : path);
	if (!dir || !x->base) {
		free(dir);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	x->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (x->dfd >= 0)
		x->fd = openat(x->dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (x->fd >= 0) {
		x->anon = true;
		return 0;
	}
	/* no O_TMPFILE on this file system: a temporary name (cy_outfile also
	 * says why a directory cannot be opened) */
	if (x->dfd >= 0)
		close(x->dfd);
	x->dfd = -1;
	if ((rc = cy_outfile_open(&x->of, path, 0600, 0)))
		return rc;
	x->of_open = true;
	x->fd = x->of.fd;
	return 0;
}

/* Synced, then named: linkat never replaces what appeared meanwhile. */
static int pkg_commit(export_ctx *x, const char *path)
{
	char proc[64];
	int e;

	if (!x->anon) {
		x->of_open = false;
		x->fd = -1;
		return cy_outfile_commit(&x->of);
	}
	if (fsync(x->fd) < 0)
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot write '%s'",
					  path);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", x->fd);
	if (linkat(AT_FDCWD, proc, x->dfd, x->base, AT_SYMLINK_FOLLOW) < 0) {
		e = errno;
		/* no /proc: AT_EMPTY_PATH (needs CAP_DAC_READ_SEARCH) */
		if (e != ENOENT || linkat(x->fd, "", x->dfd, x->base, AT_EMPTY_PATH) < 0) {
			e = e == ENOENT ? errno : e;
			if (e == EEXIST)
				return cy_error_set(
					CY_EEXISTS,
					"'%s' was created while the package was written", path);
			return cy_error_set_errno(cy_error_from_errno(e), e, "cannot name '%s'",
						  path);
		}
	}
	(void)fsync(x->dfd);
	return 0;
}

/* Close what is open; an unnamed package that was not linked vanishes. */
static void pkg_close(export_ctx *x)
{
	if (x->anon && x->fd >= 0)
		close(x->fd);
	if (x->dfd >= 0)
		close(x->dfd);
	if (x->of_open)
		cy_outfile_abort(&x->of);
	x->fd = x->dfd = -1;
	x->anon = x->of_open = false;
	free(x->base);
	x->base = NULL;
}

static int to_age(void *arg, const void *data, size_t n)
{
	export_ctx *x = arg;
	return cy_age_enc_write(x->age, data, n);
}

static int cmp_subj(const void *a, const void *b)
{
	int64_t x = ((const subj_no *)a)->id, y = ((const subj_no *)b)->id;
	return (x > y) - (x < y);
}

static int collect_subject(void *arg, int64_t sid, int64_t no, const char *state)
{
	export_ctx *x = arg;
	subj_no *n;

	if (strcmp(state, "in"))
		return 0;
	if (!(n = realloc(x->subj, (x->nsubj + 1) * sizeof(*n))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	x->subj = n;
	x->subj[x->nsubj++] = (subj_no){sid, no};
	return 0;
}

/* ---- each record ---- */

static int on_record(void *arg, const cy_record_info *r)
{
	export_ctx *x = arg;

	x->cur = r;
	x->first_part = true;
	cy_buf_clear(&x->parts);
	cy_buf_clear(&x->first);
	cy_recmeta_safe_name(r->archive_no, &x->dir);
	if (!x->dir.len)
		return cy_error_set(CY_ECORRUPT,
				    "record '%s': its number cannot be a directory name",
				    r->archive_no);
	cy_recmeta_original_name(r, &x->orig);
	return 0;
}

static int on_begin(void *arg, const cy_record_info *r, unsigned part,
		    const cy_record_part_info *pi)
{
	export_ctx *x = arg;
	int rc = 0;

	if (part == 0) {
		cy_buf_clear(&x->name);
		cy_buf_puts(&x->name, cy_buf_cstr(&x->orig));
	} else if ((rc = cy_recmeta_part_name(r, part, pi, cy_buf_cstr(&x->orig), &x->name))) {
		return rc;
	}
	cy_buf_clear(&x->path);
	cy_buf_printf(&x->path, "data/records/%s/%s", cy_buf_cstr(&x->dir), cy_buf_cstr(&x->name));
	if (part == 0)
		cy_buf_puts(&x->first, cy_buf_cstr(&x->path) + 5);
	cy_recmeta_part_json(&x->parts, part, pi, cy_buf_cstr(&x->path) + 5);
	cy_recmeta_csv(&x->csv, r, pi, cy_buf_cstr(&x->path) + 5);
	x->files++;
	x->bytes += pi->size;
	return cy_bag_file_begin(x->bag, cy_buf_cstr(&x->path), pi->size, x->mtime);
}

static int on_data(void *arg, const void *p, size_t n)
{
	export_ctx *x = arg;
	x->done_bytes += n;
	return cy_bag_file_write(x->bag, p, n);
}

static int on_end(void *arg)
{
	export_ctx *x = arg;
	return cy_bag_file_end(x->bag);
}

/* the customers of a record as display ids, for its JSON line */
static int record_subjects(export_ctx *x, int64_t record_id, cy_buf *out)
{
	int64_t *ids = NULL;
	char(*st)[16] = NULL;
	size_t n = 0, k = 0;
	int rc = cy_catalog_hold_record_subjects(x->v->cat, record_id, &ids, &st, &n);

	cy_buf_puts(out, "[");
	for (size_t i = 0; !rc && i < n; i++) {
		subj_no key = {ids[i], 0}, *s;
		char id[CY_SUBJECT_ID_MAX];
		if (!(s = bsearch(&key, x->subj, x->nsubj, sizeof(*s), cmp_subj)))
			continue; /* a customer who left the scope */
		snprintf(id, sizeof(id), "%s-C%06" PRId64, x->t->row.fonds, s->no);
		if (k++)
			cy_buf_putc(out, ',');
		cy_json_cstr(out, id);
	}
	cy_buf_puts(out, "]");
	free(ids);
	free(st);
	return rc;
}

static void html_cell(cy_buf *b, const char *s)
{
	cy_buf_puts(b, "<td>");
	cy_html_text(b, s);
	cy_buf_puts(b, "</td>");
}

static int on_done(void *arg, const cy_record_info *r)
{
	export_ctx *x = arg;
	cy_buf one = CY_BUF_INIT, subj = CY_BUF_INIT;
	char n[32];
	int rc = record_subjects(x, x->record_id, &subj);

	cy_recmeta_json(&one, r, true, cy_buf_cstr(&x->first), &x->parts);
	if (!rc && one.len && one.ptr[one.len - 1] == '}') {
		one.len--;
		cy_buf_puts(&one, ",\"subjects\":");
		cy_buf_put(&one, subj.ptr, subj.len);
		cy_buf_puts(&one, "}\n");
		rc = cy_buf_put(&x->jsonl, one.ptr, one.len);
	}
	/* the handover list: 档号, 题名, 年度, 保管期限, 文件数, 字节数 */
	x->records++;
	cy_buf_printf(&x->html, "<tr><td>%" PRIu64 "</td>", x->records);
	html_cell(&x->html, r->archive_no);
	html_cell(&x->html, r->title ? r->title : "");
	snprintf(n, sizeof(n), "%d", r->year);
	html_cell(&x->html, n);
	html_cell(&x->html, r->retention);
	snprintf(n, sizeof(n), "%d", x->this_year > r->year ? x->this_year - r->year : 0);
	html_cell(&x->html, n);
	if (!x->year_min || r->year < x->year_min)
		x->year_min = r->year;
	if (r->year > x->year_max)
		x->year_max = r->year;
	snprintf(n, sizeof(n), "%u", r->nobjects);
	html_cell(&x->html, n);
	snprintf(n, sizeof(n), "%llu", (unsigned long long)r->size);
	html_cell(&x->html, n);
	cy_buf_puts(&x->html, "</tr>\n");
	cy_buf_wipe(&one);
	cy_buf_release(&one);
	cy_buf_release(&subj);
	return rc;
}

static const cy_vault__export_cb EXPORT_CB = {on_record, on_begin, on_data, on_end, on_done};

static int export_item(void *arg, int64_t record_id, const char *archive_no, const char *left)
{
	export_ctx *x = arg;
	int rc;

	if (*left)
		return 0;
	x->record_id = record_id;
	rc = cy_vault__export_record(x->v, archive_no, &EXPORT_CB, x);
	if (!rc && x->progress)
		rc = x->progress(x->parg, x->records, (uint64_t)x->t->row.records, x->done_bytes);
	return rc;
}

/* ---- the customers ---- */

static void json_list(cy_buf *b, const char *key, const char *const *v, size_t n)
{
	cy_buf_printf(b, ",\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		if (i)
			cy_buf_putc(b, ',');
		cy_json_cstr(b, v[i]);
	}
	cy_buf_putc(b, ']');
}

static void json_field(cy_buf *b, const char *key, const char *v)
{
	if (!v || !*v)
		return;
	cy_buf_printf(b, ",\"%s\":", key);
	cy_json_cstr(b, v);
}

static int subjects_file(export_ctx *x, cy_buf *out)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < x->nsubj; i++) {
		cy_subject_info s;
		int64_t row;
		char id[CY_SUBJECT_ID_MAX];
		snprintf(id, sizeof(id), "%s-C%06" PRId64, x->t->row.fonds, x->subj[i].no);
		if ((rc = cy_vault__subject_read(x->v, id, &s, &row)))
			break;
		cy_buf_puts(out, "{\"id\":");
		cy_json_cstr(out, s.id);
		json_field(out, "kind", s.f.kind);
		json_field(out, "name", s.f.name);
		json_field(out, "id_type", s.f.id_type);
		json_field(out, "id_number", s.f.id_number);
		json_field(out, "uscc", s.f.uscc);
		json_field(out, "address", s.f.address);
		json_list(out, "phones", s.f.phones, s.f.nphones);
		json_list(out, "emails", s.f.emails, s.f.nemails);
		json_list(out, "accounts", s.f.accounts, s.f.naccounts);
		json_list(out, "customer_nos", s.f.customer_nos, s.f.ncustomer_nos);
		json_list(out, "labels", s.f.labels, s.f.nlabels);
		cy_buf_puts(out, "}\n");
		cy_subject_info_release(&s);
	}
	return rc;
}

/* ---- the handover list (移交清单, 会计档案管理办法 第二十四条) ---- */

static void html_head(export_ctx *x, const cy_fonds_info *f, const char *now, cy_buf *b)
{
	const cy_receiver *r = &x->t->receiver;
	char n[32];

	cy_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
		       "<title>档案移交清单 Handover list</title>"
		       "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
		       "td,th{border:1px solid #888;padding:2px 6px}</style></head><body>\n"
		       "<h1>档案移交清单 Handover list</h1>\n<table>\n");
#define ROW(label, value)                                                                          \
	do {                                                                                       \
		cy_buf_puts(b, "<tr><th>" label "</th>");                                          \
		html_cell(b, value);                                                               \
		cy_buf_puts(b, "</tr>\n");                                                         \
	} while (0)
	ROW("移交单位 Sender", f->name);
	ROW("统一社会信用代码 USCC", f->uscc);
	ROW("全宗号 Fonds", f->code);
	ROW("接收单位 Receiver", r->name);
	ROW("接收单位代码 Receiver USCC", r->uscc);
	ROW("接收单位联系方式 Receiver contact", r->contact);
	ROW("移交原因 Reason", x->t->row.reason);
	ROW("移交目的 Purpose", x->t->purpose);
	snprintf(n, sizeof(n), "t%" PRId64, x->t->row.id);
	ROW("移交编号 Transfer", n);
	snprintf(n, sizeof(n), "%" PRId64, x->t->row.records);
	ROW("档案数量（件）Records", n);
	snprintf(n, sizeof(n), "%" PRId64, x->t->row.subjects);
	ROW("涉及客户数 Customers", n);
	snprintf(n, sizeof(n), "%d-%d", x->year_min, x->year_max);
	ROW("起止年度 Years", n);
	ROW("移交时间 Exported", now);
	ROW("移交人 Handed over by", x->v->user);
	ROW("批准人 Approved by", x->approver);
	ROW("接收人（签字）Received by (signature)", "");
	ROW("监交人（签字）Supervised by (signature)", "");
#undef ROW
	cy_buf_puts(b,
		    "</table>\n<h2>档案目录 Records</h2>\n<table>\n<tr><th>序号 No.</th>"
		    "<th>档号 Archive no.</th><th>题名 Title</th><th>年度 Year</th>"
		    "<th>应保管期限 Retention</th><th>已保管期限 Kept (years)</th>"
		    "<th>文件数 Files</th><th>字节数 Bytes</th></tr>\n");
}

typedef struct fonds_find {
	const char *code;
	cy_fonds_info *out;
	int found;
} fonds_find;

static int find_fonds(void *arg, const cy_fonds_info *f)
{
	fonds_find *ff = arg;
	if (!strcmp(f->code, ff->code)) {
		*ff->out = *f;
		ff->found = 1;
	}
	return 0;
}

/* ---- export ---- */

static int log_export(cy_vault *v, const cy_transfer__t *t, const char *action,
		      const cy_ledger_detail *d, int nd, uint64_t *seq)
{
	cy_ledger_entry e;
	char tid[24], rid[24];
	int rc;

	snprintf(tid, sizeof(tid), "t%" PRId64, t->row.id);
	snprintf(rid, sizeof(rid), "r%" PRId64, t->receiver.id);
	memset(&e, 0, sizeof(e));
	e.action = action;
	e.targets[e.ntargets++] = tid;
	e.targets[e.ntargets++] = t->row.fonds;
	e.targets[e.ntargets++] = rid;
	for (int i = 0; i < nd; i++)
		e.details[e.ndetails++] = d[i];
	rc = cy_vault__log(v, &e);
	if (!rc && seq)
		*seq = e.seq;
	return rc;
}

int cy_transfer_export(cy_vault *v, int64_t id, const char *as_of, const char *path,
		       cy_transfer_progress_fn progress, void *parg, cy_transfer_export_result *res)
{
	cy_transfer__t t;
	export_ctx x;
	cy_fonds_info f;
	fonds_find ff = {NULL, &f, 0};
	cy_buf subjects = CY_BUF_INIT, info = CY_BUF_INIT, note = CY_BUF_INIT;
	uint8_t pub[32], tag[32], root[32];
	char tag_hex[65], root_hex[65], now[21], scope_hex[65], ext[96], num[32];
	uint64_t ledger_size = 0, seq = 0;
	bool started = false;
	int rc;

	memset(&x, 0, sizeof(x));
	memset(res, 0, sizeof(*res));
	x.fd = x.dfd = -1;
	x.v = v;
	x.t = &t;
	x.progress = progress;
	x.parg = parg;
	if ((rc = cy_transfer__load(v, id, CY_R(CY_ROLE_ARCHIVIST), &t)))
		return rc;
	if (strcmp(t.row.status, "approved") && strcmp(t.row.status, "exported")) {
		rc = cy_error_set(CY_EPERM,
				  "transfer %" PRId64 " is %s: only an approved transfer is "
				  "exported (custody transfer show %" PRId64
				  " says what blocks it)",
				  id, t.row.status, id);
		goto out;
	}
	/* every gate once more, at the date of the export, and the scope the
	 * approver saw */
	if ((rc = cy_transfer__ready(v, &t, as_of, true, x.approver)))
		goto out;
	if ((rc = cy_transfer__recipient_parse(t.receiver.age_recipient, pub)))
		goto out;
	ff.code = t.row.fonds;
	if ((rc = cy_fonds_list(v, find_fonds, &ff)))
		goto out;
	if ((rc = cy_catalog_tsubject_each(v->cat, id, collect_subject, &x)))
		goto out;
	if (x.nsubj)
		qsort(x.subj, x.nsubj, sizeof(*x.subj), cmp_subj);
	/* on the ledger before a byte leaves: what, to whom, how much */
	cy_hex_encode(t.row.scope, 32, scope_hex);
	{
		cy_ledger_detail d[] = {{"records", NULL, t.row.records},
					{"scope", scope_hex, 0},
					{"subjects", NULL, t.row.subjects}};
		rc = cy_vault__begin(v);
		rc = rc ? rc : log_export(v, &t, "transfer.export", d, 3, NULL);
		rc = rc ? rc : cy_vault__commit(v);
		if (rc) {
			cy_vault__rollback(v);
			goto out;
		}
	}
	started = true;
	/* the sender's ledger as the package carries it */
	ledger_size = v->fr.size;
	cy_frontier_root(&v->fr, root);
	cy_hex_encode(root, 32, root_hex);
	cy_vault__now(now);
	x.mtime = (int64_t)time(NULL);
	x.this_year = (now[0] - '0') * 1000 + (now[1] - '0') * 100 + (now[2] - '0') * 10 + (now[3] - '0');
	if ((rc = pkg_open(&x, path)))
		goto out;
	rc = cy_age_enc_new(&x.age, (const uint8_t(*)[32])pub, 1, to_file, &x);
	snprintf(ext, sizeof(ext), "transfer-%s-%" PRId64, t.row.fonds, id);
	rc = rc ? rc : cy_bag_writer_new(&x.bag, ext, to_age, &x);
	if (rc)
		goto out;
	cy_recmeta_csv_header(&x.csv);
	rc = cy_catalog_titem_each(v->cat, id, export_item, &x);
	/* the tag files */
	if (!rc) {
		cy_buf h = CY_BUF_INIT;
		html_head(&x, &f, now, &h);
		cy_buf_put(&h, x.html.ptr, x.html.len);
		cy_buf_puts(&h, "</table>\n</body></html>\n");
		rc = cy_bag_add_bytes(x.bag, "metadata/handover-list.html", h.ptr, h.len, x.mtime);
		cy_buf_wipe(&h);
		cy_buf_release(&h);
	}
	rc = rc ? rc : subjects_file(&x, &subjects);
	rc = rc ? rc
		: cy_bag_add_bytes(x.bag, "metadata/records.jsonl", x.jsonl.ptr, x.jsonl.len,
				   x.mtime);
	if (!rc) {
		cy_buf bom = CY_BUF_INIT;
		cy_buf_puts(&bom, "\xef\xbb\xbf");
		cy_buf_put(&bom, x.csv.ptr, x.csv.len);
		rc = cy_bag_add_bytes(x.bag, "metadata/records.csv", bom.ptr, bom.len, x.mtime);
		cy_buf_wipe(&bom);
		cy_buf_release(&bom);
	}
	rc = rc ? rc
		: cy_bag_add_bytes(x.bag, "metadata/subjects.jsonl", subjects.ptr, subjects.len,
				   x.mtime);
	if (!rc) {
		cy_buf_printf(&note,
			      "custody ledger checkpoint\nvault %s\nsize %" PRIu64 "\nroot %s\n",
			      v->vault_id, ledger_size, root_hex);
		rc = cy_bag_add_bytes(x.bag, "metadata/ledger-checkpoint.txt", note.ptr, note.len,
				      x.mtime);
	}
	/* bag-info (RFC 8493 2.2.2 and custody's own labels: docs/formats/package.md) */
	snprintf(ext, sizeof(ext), "%s/t%" PRId64, v->vault_id, id);
	rc = rc ? rc : cy_bag_info_add(x.bag, "Source-Organization", f.name);
	rc = rc ? rc : cy_bag_info_add(x.bag, "External-Identifier", ext);
	rc = rc ? rc : cy_bag_info_add(x.bag, "Transfer-Id", ext);
	rc = rc ? rc : cy_bag_info_add(x.bag, "Sender", f.name);
	rc = rc ? rc : cy_bag_info_add(x.bag, "Sender-USCC", f.uscc);
	rc = rc ? rc : cy_bag_info_add(x.bag, "Sender-Fonds", f.code);
	rc = rc ? rc : cy_bag_info_add(x.bag, "Receiver", t.receiver.name);
	if (!rc && *t.receiver.uscc)
		rc = cy_bag_info_add(x.bag, "Receiver-USCC", t.receiver.uscc);
	rc = rc ? rc : cy_bag_info_add(x.bag, "Transfer-Reason", t.row.reason);
	snprintf(num, sizeof(num), "%" PRIu64, x.records);
	rc = rc ? rc : cy_bag_info_add(x.bag, "Record-Count", num);
	snprintf(num, sizeof(num), "%zu", x.nsubj);
	rc = rc ? rc : cy_bag_info_add(x.bag, "Subject-Count", num);
	snprintf(num, sizeof(num), "%" PRIu64, x.files);
	rc = rc ? rc : cy_bag_info_add(x.bag, "File-Count", num);
	snprintf(num, sizeof(num), "%" PRIu64, ledger_size);
	rc = rc ? rc : cy_bag_info_add(x.bag, "Sender-Ledger-Size", num);
	rc = rc ? rc : cy_bag_info_add(x.bag, "Sender-Ledger-Root", root_hex);
	rc = rc ? rc : cy_bag_finish(x.bag, tag);
	rc = rc ? rc : cy_age_enc_finish(x.age);
	if (!rc && x.records != (uint64_t)t.row.records)
		rc = cy_error_set(CY_ECORRUPT,
				  "transfer %" PRId64 ": %" PRIu64 " records exported, %" PRId64
				  " in scope",
				  id, x.records, t.row.records);
	rc = rc ? rc : pkg_commit(&x, path);
	if (rc)
		goto out;
	cy_hex_encode(tag, 32, tag_hex);
	{
		cy_ledger_detail d[] = {{"bytes", NULL, (int64_t)x.bytes},
					{"files", NULL, (int64_t)x.files},
					{"ledger_root", root_hex, 0},
					{"ledger_size", NULL, (int64_t)ledger_size},
					{"records", NULL, (int64_t)x.records},
					{"tag_manifest", tag_hex, 0}};
		rc = cy_vault__begin(v);
		rc = rc ? rc : log_export(v, &t, "transfer.exported", d, 6, &seq);
		rc = rc ? rc : cy_catalog_transfer_exported(v->cat, id, now, (int64_t)seq, tag_hex);
		rc = rc ? rc : cy_vault__commit(v);
		if (rc)
			cy_vault__rollback(v);
	}
	if (!rc) {
		res->records = x.records;
		res->subjects = x.nsubj;
		res->files = x.files;
		res->bytes = x.bytes;
		memcpy(res->tag_manifest, tag_hex, sizeof(tag_hex));
	}
out:
	pkg_close(&x);
	(void)started;
	cy_bag_writer_free(x.bag);
	cy_age_enc_free(x.age);
	free(x.subj);
	cy_buf_wipe(&x.jsonl);
	cy_buf_wipe(&x.csv);
	cy_buf_wipe(&x.html);
	cy_buf_wipe(&subjects);
	cy_buf_release(&x.jsonl);
	cy_buf_release(&x.csv);
	cy_buf_release(&x.html);
	cy_buf_release(&x.parts);
	cy_buf_release(&x.first);
	cy_buf_release(&x.dir);
	cy_buf_release(&x.orig);
	cy_buf_release(&x.name);
	cy_buf_release(&x.path);
	cy_buf_release(&subjects);
	cy_buf_release(&info);
	cy_buf_release(&note);
	cy_wipe(t.purpose, sizeof(t.purpose));
	return rc;
}
