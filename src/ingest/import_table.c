/* import_table.c - a CRM's table (CSV, or an XLSX sheet) into customers and
 * records (docs/internals/import-table.md):
 *
 *   customers     each row a customer (a subject, de-duplicated within the
 *                 fonds by ID number or credit code, then customer number,
 *                 phone, e-mail) and one profile record (客户资料) of it;
 *   transactions  rows grouped by customer and year: one statement record
 *                 (交易流水) per customer and year;
 *   contracts     each row one contract record, linked to its customer;
 *   records       each row one record of class "other", linked if it names
 *                 a customer.
 *
 * A row that cannot be taken is kept, sealed, as a reject of the run with its
 * line and reason (vault_import_runs.c): nothing vanishes.  A record's first
 * part is the row's bytes as in the file (for a statement, its rows'), so
 * importing the same file again finds every record already there; a killed
 * import resumes by being run again. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "custody/buf.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/import_table.h"
#include "custody/pii.h"
#include "custody/rules.h"
#include "custody/subject.h"
#include "custody/banned.h"

#define GROUP_MEMORY_DEFAULT (256u << 20)
/* transactions: rows set aside in sealed scratch buckets by customer, so that
 * one statement per customer and year holds at any file size */
#define SPILL_BUCKETS 64u
#define SPILL_CHUNK (1u << 20)
#define BATCH_RECORDS 2000

static const char *const KIND_NAMES[CY_TABLE_KIND_COUNT] = {"customers", "transactions",
							    "contracts", "records"};

const char *cy_table_kind_name(cy_table_kind k)
{
	return (unsigned)k < CY_TABLE_KIND_COUNT ? KIND_NAMES[k] : "?";
}

int cy_table_kind_parse(const char *s, cy_table_kind *out)
{
	for (int i = 0; i < CY_TABLE_KIND_COUNT; i++)
		if (!strcmp(s, KIND_NAMES[i])) {
			*out = (cy_table_kind)i;
			return 0;
		}
	return cy_error_set(CY_EINVALID,
			    "unknown kind '%s': customers, transactions, contracts or records", s);
}

/* ---- a string -> int64 map (open addressing); its keys are personal data ---- */

typedef struct smap {
	char **keys;
	int64_t *vals;
	size_t cap, n;
} smap;

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static void smap_free(smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			cy_wipe(m->keys[i], strlen(m->keys[i]));
			free(m->keys[i]);
		}
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static bool smap_get(const smap *m, const char *k, int64_t *v)
{
	if (!m->cap)
		return false;
	for (size_t i = fnv(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return false;
		if (!strcmp(m->keys[i], k)) {
			*v = m->vals[i];
			return true;
		}
	}
}

static int smap_put(smap *m, const char *k, int64_t v)
{
	if ((m->n + 1) * 10 > m->cap * 7) {
		smap g = {0};
		g.cap = m->cap ? m->cap * 2 : 1024;
		g.keys = calloc(g.cap, sizeof(char *));
		g.vals = calloc(g.cap, sizeof(int64_t));
		if (!g.keys || !g.vals) {
			free(g.keys);
			free(g.vals);
			return cy_error_set(CY_ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->keys[i])
				continue;
			size_t j = fnv(m->keys[i]) & (g.cap - 1);
			while (g.keys[j])
				j = (j + 1) & (g.cap - 1);
			g.keys[j] = m->keys[i];
			g.vals[j] = m->vals[i];
		}
		g.n = m->n;
		free(m->keys);
		free(m->vals);
		*m = g;
	}
	size_t i = fnv(k) & (m->cap - 1);
	while (m->keys[i]) {
		if (!strcmp(m->keys[i], k)) {
			m->vals[i] = v;
			return 0;
		}
		i = (i + 1) & (m->cap - 1);
	}
	if (!(m->keys[i] = strdup(k)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	m->vals[i] = v;
	m->n++;
	return 0;
}

/* ---- transaction statements: rows grouped by customer and year ---- */

typedef struct group {
	int64_t subject;
	int year;
	unsigned part; /* statements already made of this group (a flush under memory pressure) */
	char subject_id[CY_SUBJECT_ID_MAX];
	uint64_t first_line, last_line, rows;
	char first_date[11], last_date[11];
	cy_buf raw;  /* the rows' bytes as in the file */
	cy_buf json; /* "[{...},{...}" */
} group;

typedef struct ctx {
	cy_vault *v;
	const cy_table_import_opts *o;
	const cy_table_import_events *ev;
	cy_table_import_summary *sum;
	cy_import *im;
	cy_table *t;
	int64_t as_of; /* today, days */
	int year_now;
	char source[512];	    /* the file's name for record metadata */
	cy_source_kind source_kind; /* CY_SOURCE_CSV or CY_SOURCE_XLSX: what was read */
	smap customers;		    /* "field\x1fvalue" -> subject id, for rows naming customers */
	smap renamed;		    /* subject ids (decimal) whose later rows differ in name */
	group *groups;
	size_t ngroups, capgroups;
	smap group_index; /* "subject/year" -> index in groups */
	uint64_t group_bytes;
	cy_classification cls; /* the table's class by the rules (on_header) */
	bool classified;
	cy_spill *bucket[SPILL_BUCKETS];
	cy_buf bucket_buf[SPILL_BUCKETS];
	cy_buf scratch, json, title;
	cy_buf text; /* the row's values, for the full-text index */
	uint64_t since_commit;
	int fatal; /* an error that ends the import (the vault's, not a row's) */
} ctx;

static void group_release(group *g)
{
	cy_buf_wipe(&g->raw);
	cy_buf_wipe(&g->json);
}

/* ---- helpers ---- */

/* A record's class and retention: what the rules made of the table (its
 * kind, name and headers), else the kind's own class with its default. */
static void classify(ctx *x, cy_record_new *rec, cy_class fallback)
{
	if (x->classified && x->cls.matched) {
		rec->klass = x->cls.klass;
		rec->retention = x->cls.retention;
		rec->retention_rule = x->cls.rule_id;
	} else {
		rec->klass = fallback;
	}
}

static bool present(const char *s)
{
	return s && *s;
}

/* A row-level failure is a reject; the vault's own failures stop the import. */
static bool row_level(int rc)
{
	return rc == CY_EINVALID || rc == CY_ENOTFOUND || rc == CY_EEXISTS;
}

static int reject(ctx *x, uint64_t line, const char *reason, const void *raw, size_t n)
{
	int rc = 0;

	x->sum->counts.rejects++;
	if (x->ev && x->ev->reject)
		x->ev->reject(x->ev->arg, line, reason);
	if (!x->o->dry_run && (rc = cy_import_reject(x->im, line, reason, raw, n)))
		x->fatal = rc;
	return rc;
}

static int progress(ctx *x, uint64_t line)
{
	cy_progress p;

	if (!x->ev || !x->ev->progress)
		return 0;
	memset(&p, 0, sizeof(p));
	p.files_done = x->sum->counts.rows;
	p.bytes_done = line;
	return x->ev->progress(x->ev->arg, &p) ? CY_ECANCELLED : 0;
}

static int maybe_commit(ctx *x)
{
	int rc;

	if (x->o->dry_run)
		return 0;
	if (++x->since_commit < BATCH_RECORDS && !cy_import_due(x->im))
		return 0;
	x->since_commit = 0;
	if ((rc = cy_import_commit(x->im)))
		x->fatal = rc;
	return rc;
}

/* The mapped fields and the extra columns of a row as one JSON object. */
static int row_json(ctx *x, const cy_table_row *r, cy_buf *out)
{
	bool first = true;
	int rc = cy_buf_puts(out, "{\"line\":");

	rc = rc ? rc : cy_buf_printf(out, "%" PRIu64, r->line);
	rc = rc ? rc : cy_buf_puts(out, ",\"fields\":{");
	for (int f = 0; !rc && f < CY_TF_COUNT; f++) {
		if (!present(r->field[f]))
			continue;
		rc = first ? 0 : cy_buf_puts(out, ",");
		first = false;
		rc = rc ? rc : cy_json_cstr(out, cy_table_field_name((cy_table_field)f));
		rc = rc ? rc : cy_buf_puts(out, ":");
		rc = rc ? rc : cy_json_cstr(out, r->field[f]);
	}
	rc = rc ? rc : cy_buf_puts(out, "},\"columns\":{");
	for (size_t i = 0; !rc && i < r->nextra; i++) {
		rc = i ? cy_buf_puts(out, ",") : 0;
		rc = rc ? rc : cy_json_cstr(out, r->extra[i].name);
		rc = rc ? rc : cy_buf_puts(out, ":");
		rc = rc ? rc : cy_json_cstr(out, r->extra[i].value);
	}
	rc = rc ? rc : cy_buf_puts(out, "}");
	if (!rc && r->nproblem) {
		rc = cy_buf_puts(out, ",\"problems\":[");
		for (size_t i = 0; !rc && i < r->nproblem; i++) {
			rc = i ? cy_buf_puts(out, ",") : 0;
			rc = rc ? rc : cy_buf_puts(out, "{\"column\":");
			rc = rc ? rc : cy_json_cstr(out, r->problem[i].column);
			rc = rc ? rc : cy_buf_puts(out, ",\"value\":");
			rc = rc ? rc : cy_json_cstr(out, r->problem[i].value);
			rc = rc ? rc : cy_buf_puts(out, ",\"reason\":");
			rc = rc ? rc : cy_json_cstr(out, r->problem[i].reason);
			rc = rc ? rc : cy_buf_puts(out, "}");
		}
		rc = rc ? rc : cy_buf_puts(out, "]");
	}
	(void)x;
	return rc ? rc : cy_buf_puts(out, "}");
}

/* Labels a row earns (PIPL Art. 28, pii.md): always "pii"; an ID number
 * (policy), a bank card, a birth date under 14. */
static size_t row_labels(ctx *x, const cy_table_row *r, const char *labels[4])
{
	size_t n = 0;
	cy_pii_id id;
	const char *v;
	bool minor = false;

	labels[n++] = "pii";
	if ((v = r->field[CY_TF_ID_NUMBER]) && cy_pii_id_number(v, strlen(v), x->as_of, &id)) {
		labels[n++] = cy_pii_label_name(CY_PII_SENS_ID_NUMBER);
		minor = cy_pii_under_14(id.year, id.month, id.day, x->as_of);
		cy_wipe(&id, sizeof(id));
	}
	if (!minor && (v = r->field[CY_TF_BIRTH_DATE])) {
		int y, m, d;
		if (!cy_date_parse(v, &y, &m, &d) && m && d)
			minor = cy_pii_under_14(y, m, d, x->as_of);
	}
	if (minor)
		labels[n++] = cy_pii_label_name(CY_PII_SENS_MINOR_UNDER_14);
	if ((v = r->field[CY_TF_ACCOUNT]) && cy_pii_bank_card(v, strlen(v), NULL, NULL))
		labels[n++] = cy_pii_label_name(CY_PII_SENS_FINANCIAL_ACCOUNT);
	return n;
}

/* The customer a row names: by customer number, ID number, credit code,
 * phone, e-mail, in that order.  0 and *sid, CY_ENOTFOUND when the row names
 * none that is in the fonds (*named: whether it named one at all). */
static int row_customer(ctx *x, const cy_table_row *r, int64_t *sid, char *id_out, bool *named)
{
	static const struct {
		cy_table_field tf;
		const char *field;
	} by[] = {
		{CY_TF_CUSTOMER_NO, "customer_no"},
		{CY_TF_ID_NUMBER, "id_number"},
		{CY_TF_USCC, "uscc"},
		{CY_TF_PHONE, "phone"},
		{CY_TF_EMAIL, "email"},
	};
	int rc = CY_ENOTFOUND;

	*named = false;
	for (size_t i = 0; rc == CY_ENOTFOUND && i < sizeof(by) / sizeof(by[0]); i++) {
		const char *val = r->field[by[i].tf];
		if (!present(val))
			continue;
		*named = true;
		cy_buf_clear(&x->scratch);
		if ((rc = cy_buf_printf(&x->scratch, "%s\x1f%s", by[i].field, val)))
			return rc;
		if (smap_get(&x->customers, (const char *)x->scratch.ptr, sid)) {
			rc = 0;
			if (id_out)
				*id_out = 0;
			break;
		}
		rc = cy_import_find_subject(x->im, by[i].field, val, sid, id_out);
		if (rc == CY_EINVALID) /* a value that does not normalise names nobody */
			rc = CY_ENOTFOUND;
		/* a customer restricted to storage (PIPL Art. 47 para. 2) takes
		 * nothing new in silently: the row is refused, saying so */
		if (!rc && (rc = cy_import_subject_restricted(x->im, *sid)) == 1)
			rc = cy_error_set(CY_EPERM,
					  "this customer is restricted to storage (PIPL Art. 47 "
					  "para. 2): the row is not taken in; an archivist decides "
					  "(custody subject show, custody access request)");
		if (!rc)
			rc = smap_put(&x->customers, (const char *)x->scratch.ptr, *sid);
	}
	cy_buf_wipe(&x->scratch);
	return rc;
}

static int year_of(const char *date)
{
	int y = 0, m, d;

	return date && !cy_date_parse(date, &y, &m, &d) ? y : 0;
}

/* Create one record; counts it. */
static int make_record(ctx *x, const cy_record_new *rec, const cy_record_part *parts, size_t nparts,
		       uint64_t line, const void *raw, size_t raw_len)
{
	cy_import_outcome oc;
	char no[64];
	int rc = cy_record_create(x->im, rec, parts, nparts, &oc, no);

	if (rc) {
		if (row_level(rc) || rc == CY_ECORRUPT) {
			char why[600];
			snprintf(why, sizeof(why), "the record could not be made: %s",
				 cy_error_message());
			return reject(x, line, why, raw, raw_len);
		}
		x->fatal = rc;
		return rc;
	}
	if (oc == CY_DUPLICATE) {
		x->sum->counts.duplicates++;
	} else {
		x->sum->counts.imported++;
		/* its title and the values of its "fields" part (vault_reindex.c) */
		if ((rc = cy_import_index_record(x->im, rec, parts, nparts)))
			return x->fatal = rc;
	}
	if (rec->nsubjects)
		x->sum->linked++;
	return maybe_commit(x);
}

/* ---- customers ---- */

static bool is_org(const cy_table_row *r)
{
	const char *t = r->field[CY_TF_ID_TYPE];

	if (present(r->field[CY_TF_USCC]) && !present(r->field[CY_TF_ID_NUMBER]))
		return true;
	return t && (strstr(t, "营业执照") || strstr(t, "信用代码") || strstr(t, "组织机构") ||
		     strstr(t, "business") || strstr(t, "Business") || strstr(t, "USCC"));
}

/* A customer whose later row brings another name (a name change, a typo
 * fixed): the first name is kept; the customer is counted once. */
static int count_renamed(ctx *x, int64_t sid)
{
	char k[24];
	int64_t seen;

	snprintf(k, sizeof(k), "%lld", (long long)sid);
	if (smap_get(&x->renamed, k, &seen))
		return 0;
	x->sum->names_differ++;
	return smap_put(&x->renamed, k, sid);
}

static int customer_row(ctx *x, const cy_table_row *r)
{
	const char *name = r->field[CY_TF_NAME];
	const char *labels[4];
	cy_subject_fields f;
	cy_subject_kv kv[CY_TF_COUNT + 8];
	const char *phone[1], *email[1], *account[1], *custno[1];
	int64_t sid = 0;
	char sid_text[CY_SUBJECT_ID_MAX] = "";
	bool org = is_org(r), named;
	int rc;

	if (!present(name))
		return reject(x, r->line, "the row has no customer name (客户名称/姓名)", r->raw,
			      r->raw_len);
	if (x->o->dry_run)
		return 0;
	/* the same customer: by ID number or credit code first; then, only for a
	 * row that has neither, by customer number, phone or e-mail */
	if (present(r->field[org ? CY_TF_USCC : CY_TF_ID_NUMBER])) {
		rc = cy_import_find_subject(x->im, org ? "uscc" : "id_number",
					    r->field[org ? CY_TF_USCC : CY_TF_ID_NUMBER], &sid,
					    sid_text);
		if (rc == CY_EINVALID)
			rc = CY_ENOTFOUND;
		if (!rc && (rc = cy_import_subject_restricted(x->im, sid)) == 1)
			rc = cy_error_set(CY_EPERM,
					  "this customer is restricted to storage (PIPL Art. 47 "
					  "para. 2): the row is not taken in; an archivist decides "
					  "(custody subject show, custody access request)");
	} else {
		rc = row_customer(x, r, &sid, sid_text, &named);
	}
	if (rc == CY_EPERM)
		return reject(x, r->line, cy_error_message(), r->raw, r->raw_len);
	if (rc && rc != CY_ENOTFOUND) {
		x->fatal = rc;
		return rc;
	}
	/* a new customer is added; one the fonds has gets what this row brings
	 * that it lacks (a new phone, e-mail, account or customer number) */
	{
		bool found = rc == 0;
		size_t nkv = 0, added = 0;
		bool renamed = false;
		static const cy_table_field extra[] = {CY_TF_GENDER,   CY_TF_BIRTH_DATE,
						       CY_TF_POSTCODE, CY_TF_COMPANY,
						       CY_TF_BANK,     CY_TF_NOTE};
		memset(&f, 0, sizeof(f));
		f.kind = org ? "org" : "person";
		f.name = name;
		f.id_type = r->field[CY_TF_ID_TYPE];
		if (!org)
			f.id_number = r->field[CY_TF_ID_NUMBER];
		f.uscc = r->field[CY_TF_USCC];
		f.address = r->field[CY_TF_ADDRESS];
		if (present(r->field[CY_TF_CUSTOMER_NO])) {
			custno[0] = r->field[CY_TF_CUSTOMER_NO];
			f.customer_nos = custno;
			f.ncustomer_nos = 1;
		}
		if (present(r->field[CY_TF_PHONE])) {
			phone[0] = r->field[CY_TF_PHONE];
			f.phones = phone;
			f.nphones = 1;
		}
		if (present(r->field[CY_TF_EMAIL])) {
			email[0] = r->field[CY_TF_EMAIL];
			f.emails = email;
			f.nemails = 1;
		}
		if (present(r->field[CY_TF_ACCOUNT])) {
			account[0] = r->field[CY_TF_ACCOUNT];
			f.accounts = account;
			f.naccounts = 1;
		}
		for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
			if (present(r->field[extra[i]]))
				kv[nkv++] = (cy_subject_kv){cy_table_field_name(extra[i]),
							    r->field[extra[i]]};
		/* columns no field took; a name given twice keeps its first */
		for (size_t i = 0; i < r->nextra && nkv < 64; i++) {
			bool dup = false;
			for (size_t j = 0; j < nkv; j++)
				dup = dup || !strcmp(kv[j].key, r->extra[i].name);
			if (!dup && present(r->extra[i].value) && strlen(r->extra[i].name) <= 64)
				kv[nkv++] = (cy_subject_kv){r->extra[i].name, r->extra[i].value};
		}
		f.extra = kv;
		f.nextra = nkv;
		{
			const char *rl[4];
			size_t n = row_labels(x, r, rl);
			/* the subject's labels: those of its first row, without "pii" */
			f.labels = rl + 1;
			f.nlabels = n - 1;
			rc = found ? cy_import_subject_merge(x->im, sid, &f, &added, &renamed)
				   : cy_import_subject(x->im, &f, &sid, sid_text);
		}
		if (rc && row_level(rc)) {
			char why[600];
			snprintf(why, sizeof(why), "the customer could not be %s: %s",
				 found ? "updated" : "added", cy_error_message());
			return reject(x, r->line, why, r->raw, r->raw_len);
		}
		if (rc) {
			x->fatal = rc;
			return rc;
		}
		if (!found)
			x->sum->counts.subjects++;
		else if (added)
			x->sum->subjects_updated++;
		if (found && renamed && (rc = count_renamed(x, sid)))
			return x->fatal = rc;
	}
	/* the profile record */
	cy_buf_clear(&x->json);
	cy_buf_clear(&x->title);
	rc = row_json(x, r, &x->json);
	rc = rc ? rc : cy_buf_printf(&x->title, "客户资料 %s", name);
	if (rc)
		return x->fatal = rc;
	cy_record_part parts[2] = {
		{"original", r->raw, r->raw_len, "csv"},
		{"fields", x->json.ptr, x->json.len, "json"},
	};
	cy_record_new rec;
	memset(&rec, 0, sizeof(rec));
	classify(x, &rec, CY_CLASS_CUSTOMER);
	rec.year = x->o->year ? x->o->year : x->year_now;
	rec.org = x->o->org;
	rec.title = (const char *)x->title.ptr;
	rec.source_kind = x->source_kind;
	rec.source_path = x->source;
	rec.source_line = (int64_t)r->line;
	rec.nlabels = row_labels(x, r, labels);
	rec.labels = labels;
	rec.subjects = &sid;
	rec.nsubjects = 1;
	rc = make_record(x, &rec, parts, 2, r->line, r->raw, r->raw_len);
	cy_buf_wipe(&x->json);
	cy_buf_wipe(&x->title);
	return rc;
}

/* ---- transactions ---- */

static int flush_group(ctx *x, group *g)
{
	const char *labels[2] = {"pii", cy_pii_label_name(CY_PII_SENS_FINANCIAL_ACCOUNT)};
	cy_record_new rec;
	int rc;

	/* what the group holds now, before the closing "]" below: group_bytes
	 * counted exactly this (subtracting more made it wrap around, and every
	 * later row flushed every statement: one statement per row) */
	size_t held = g->raw.len + g->json.len;

	if (!g->rows)
		return 0;
	g->part++;
	cy_buf_clear(&x->title);
	rc = cy_buf_printf(&x->title, "交易流水 %d %s", g->year, g->subject_id);
	if (!rc && g->part > 1)
		rc = cy_buf_printf(&x->title, " (%u)", g->part);
	rc = rc ? rc : cy_buf_puts(&g->json, "]");
	if (rc)
		return x->fatal = rc;
	cy_record_part parts[2] = {
		{"original", g->raw.ptr, g->raw.len, "csv"},
		{"fields", g->json.ptr, g->json.len, "json"},
	};
	memset(&rec, 0, sizeof(rec));
	classify(x, &rec, CY_CLASS_TRANSACTION);
	rec.year = g->year;
	rec.date = g->first_date;
	rec.date_end = strcmp(g->first_date, g->last_date) ? g->last_date : NULL;
	rec.org = x->o->org;
	rec.title = (const char *)x->title.ptr;
	rec.source_kind = x->source_kind;
	rec.source_path = x->source;
	rec.source_line = (int64_t)g->first_line;
	rec.labels = labels;
	rec.nlabels = 2;
	rec.subjects = &g->subject;
	rec.nsubjects = 1;
	x->sum->grouped_rows += g->rows;
	cy_buf_wipe(&x->text);
	rc = make_record(x, &rec, parts, 2, g->first_line, NULL, 0);
	x->group_bytes -= held;
	cy_buf_wipe(&g->raw);
	cy_buf_wipe(&g->json);
	g->rows = 0;
	return rc;
}

static int cmp_group(const void *a, const void *b)
{
	const group *g = a, *h = b;

	if (g->subject != h->subject)
		return g->subject < h->subject ? -1 : 1;
	return g->year < h->year ? -1 : g->year > h->year;
}

/* Every group a statement, by customer and year (a customer's statements one
 * after the other: numbered together, and its key is set up once). */
static int flush_groups(ctx *x)
{
	int rc = 0;

	qsort(x->groups, x->ngroups, sizeof(*x->groups), cmp_group);
	/* the positions changed: the index again (a group flushed under memory
	 * pressure goes on, as a further part, with the rows still to come) */
	for (size_t i = 0; !rc && i < x->ngroups; i++) {
		char key[48];
		snprintf(key, sizeof(key), "%" PRId64 "/%d", x->groups[i].subject,
			 x->groups[i].year);
		rc = smap_put(&x->group_index, key, (int64_t)i);
	}
	for (size_t i = 0; !rc && i < x->ngroups; i++)
		rc = flush_group(x, &x->groups[i]);
	return rc;
}

/* Add a row to its customer's statement of the year. */
static int group_add(ctx *x, int64_t sid, int year, uint64_t line, const char *date,
		     const void *raw, size_t raw_len, const void *json, size_t json_len)
{
	char key[48];
	int64_t gi;
	group *g;
	int rc;

	snprintf(key, sizeof(key), "%" PRId64 "/%d", sid, year);
	if (!smap_get(&x->group_index, key, &gi)) {
		if (x->ngroups == x->capgroups) {
			size_t cap = x->capgroups ? x->capgroups * 2 : 256;
			group *ng = realloc(x->groups, cap * sizeof(*ng));
			if (!ng)
				return x->fatal = cy_error_set(CY_ENOMEM, "out of memory");
			x->groups = ng;
			x->capgroups = cap;
		}
		gi = (int64_t)x->ngroups;
		g = &x->groups[x->ngroups++];
		memset(g, 0, sizeof(*g));
		g->subject = sid;
		g->year = year;
		cy_import_subject_display(x->im, sid, g->subject_id);
		if ((rc = smap_put(&x->group_index, key, gi)))
			return x->fatal = rc;
	}
	g = &x->groups[gi];
	size_t before = g->raw.len + g->json.len;
	if (!g->rows) {
		g->first_line = line;
		snprintf(g->first_date, sizeof(g->first_date), "%s", date);
		snprintf(g->last_date, sizeof(g->last_date), "%s", date);
	}
	if (strcmp(date, g->first_date) < 0)
		snprintf(g->first_date, sizeof(g->first_date), "%s", date);
	if (strcmp(date, g->last_date) > 0)
		snprintf(g->last_date, sizeof(g->last_date), "%s", date);
	g->last_line = line;
	rc = cy_buf_put(&g->raw, raw, raw_len);
	if (!rc && raw_len && ((const char *)raw)[raw_len - 1] != '\n')
		rc = cy_buf_puts(&g->raw, "\n");
	rc = rc ? rc : cy_buf_puts(&g->json, g->rows ? "," : "[");
	rc = rc ? rc : cy_buf_put(&g->json, json, json_len);
	if (rc)
		return x->fatal = rc;
	g->rows++;
	x->group_bytes += g->raw.len + g->json.len - before;
	/* more than the memory allowed (a bucket larger than memory): every
	 * statement so far is made now, later rows of the same customer and
	 * year go into a further part */
	if (x->group_bytes > (x->o->group_memory ? x->o->group_memory : GROUP_MEMORY_DEFAULT))
		return flush_groups(x);
	return 0;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A row set aside in its bucket (a customer's rows all go to one bucket):
 * subject id (8), year (4), line (8), date (10), raw length (4), raw, JSON
 * length (4), JSON; a bucket's buffer goes to its sealed scratch file when
 * it is full. */
static int bucket_put(ctx *x, int64_t sid, int year, uint64_t line, const char *date,
		      const cy_table_row *r)
{
	unsigned b = (unsigned)((uint64_t)sid % SPILL_BUCKETS);
	cy_buf *bb = &x->bucket_buf[b];
	uint8_t hdr[34];
	size_t mark;
	int rc = 0;

	if (!x->bucket[b] && (rc = cy_import_spill_new(x->im, b, &x->bucket[b])))
		return x->fatal = rc;
	for (int i = 0; i < 8; i++)
		hdr[i] = (uint8_t)((uint64_t)sid >> (56 - 8 * i));
	put_u32(hdr + 8, (uint32_t)year);
	for (int i = 0; i < 8; i++)
		hdr[12 + i] = (uint8_t)(line >> (56 - 8 * i));
	memset(hdr + 20, 0, 10);
	memcpy(hdr + 20, date, strlen(date) < 10 ? strlen(date) : 10);
	put_u32(hdr + 30, (uint32_t)r->raw_len);
	rc = cy_buf_put(bb, hdr, sizeof(hdr));
	rc = rc ? rc : cy_buf_put(bb, r->raw, r->raw_len);
	mark = bb->len;
	rc = rc ? rc : cy_buf_put(bb, "\0\0\0\0", 4);
	rc = rc ? rc : row_json(x, r, bb);
	if (rc)
		return x->fatal = rc;
	put_u32(bb->ptr + mark, (uint32_t)(bb->len - mark - 4));
	if (bb->len >= SPILL_CHUNK) {
		rc = cy_spill_write(x->bucket[b], bb->ptr, bb->len);
		cy_buf_wipe(bb);
		if (rc)
			return x->fatal = rc;
	}
	return 0;
}

/* Every bucket in turn: its rows grouped in memory, each group a statement. */
static int flush_buckets(ctx *x)
{
	int rc = 0;

	for (unsigned b = 0; !rc && b < SPILL_BUCKETS; b++) {
		const uint8_t *p;
		size_t n;

		if (!x->bucket[b])
			continue;
		if (x->bucket_buf[b].len) {
			rc = cy_spill_write(x->bucket[b], x->bucket_buf[b].ptr,
					    x->bucket_buf[b].len);
			cy_buf_wipe(&x->bucket_buf[b]);
		}
		rc = rc ? rc : cy_spill_rewind(x->bucket[b]);
		while (!rc && !(rc = cy_spill_read(x->bucket[b], &p, &n)) && n) {
			size_t off = 0;
			while (!rc && off < n) {
				int64_t sid = 0;
				uint64_t line = 0;
				char date[11];
				uint32_t rl, jl;

				if (n - off < 34 + 4)
					goto bad;
				for (int i = 0; i < 8; i++)
					sid = (int64_t)((uint64_t)sid << 8 | p[off + (size_t)i]);
				for (int i = 0; i < 8; i++)
					line = line << 8 | p[off + 12 + (size_t)i];
				memcpy(date, p + off + 20, 10);
				date[10] = 0;
				rl = get_u32(p + off + 30);
				if (n - off - 34 < (size_t)rl + 4)
					goto bad;
				jl = get_u32(p + off + 34 + rl);
				if (n - off - 38 - rl < jl)
					goto bad;
				rc = group_add(x, sid, (int)get_u32(p + off + 8), line, date,
					       p + off + 34, rl, p + off + 38 + rl, jl);
				off += 38 + (size_t)rl + jl;
			}
		}
		rc = rc ? rc : flush_groups(x);
		/* the next bucket's groups start afresh */
		for (size_t i = 0; i < x->ngroups; i++)
			group_release(&x->groups[i]);
		x->ngroups = 0;
		smap_free(&x->group_index);
		cy_spill_free(x->bucket[b]);
		x->bucket[b] = NULL;
	}
	if (rc && !x->fatal)
		x->fatal = rc;
	return rc;
bad:
	return x->fatal = cy_error_set(CY_ECORRUPT,
				       "a scratch file does not hold what was written");
}

static int transaction_row(ctx *x, const cy_table_row *r)
{
	const char *date = r->field[CY_TF_DATE];
	int64_t sid = 0;
	char sid_text[CY_SUBJECT_ID_MAX] = "";
	bool named;
	int year = year_of(date), rc;

	if (!year)
		return reject(x, r->line, "the row has no transaction date (交易日期)", r->raw,
			      r->raw_len);
	if (x->o->dry_run)
		return 0;
	rc = row_customer(x, r, &sid, sid_text, &named);
	if (rc == CY_EPERM)
		return reject(x, r->line, cy_error_message(), r->raw, r->raw_len);
	if (rc == CY_ENOTFOUND)
		return reject(x, r->line,
			      named ? "no customer of the fonds has the customer number, ID "
				      "number, phone or e-mail the row names: import the "
				      "customers first, then this file again"
				    : "the row names no customer (客户编号, 证件号码, 手机 or 邮箱)",
			      r->raw, r->raw_len);
	if (rc)
		return x->fatal = rc;
	return bucket_put(x, sid, year, r->line, date, r);
}

/* ---- contracts and other rows ---- */

static int item_row(ctx *x, const cy_table_row *r, bool contract)
{
	const char *labels[4];
	const char *date = r->field[contract ? CY_TF_SIGNED : CY_TF_DATE];
	int64_t sid = 0;
	char sid_text[CY_SUBJECT_ID_MAX] = "";
	bool named = false;
	int year = year_of(date), rc;

	if (!date && !contract)
		date = r->field[CY_TF_SIGNED], year = year_of(date);
	if (!year)
		year = x->o->year;
	if (!year)
		return reject(x, r->line,
			      contract ? "the row has no signing date (签订日期), and no --year "
					 "was given"
				       : "the row has no date (日期), and no --year was given",
			      r->raw, r->raw_len);
	if (x->o->dry_run)
		return 0;
	rc = row_customer(x, r, &sid, sid_text, &named);
	if (rc == CY_EPERM)
		return reject(x, r->line, cy_error_message(), r->raw, r->raw_len);
	if (rc && rc != CY_ENOTFOUND)
		return x->fatal = rc;
	if (rc == CY_ENOTFOUND && named)
		x->sum->unlinked++;
	cy_buf_clear(&x->json);
	cy_buf_clear(&x->title);
	rc = row_json(x, r, &x->json);
	if (!rc) {
		const char *t = r->field[CY_TF_TITLE];
		const char *no = r->field[CY_TF_CONTRACT_NO];
		if (present(t) && present(no))
			rc = cy_buf_printf(&x->title, "%s %s", no, t);
		else if (present(t) || present(no))
			rc = cy_buf_puts(&x->title, present(t) ? t : no);
		else
			rc = cy_buf_printf(&x->title, "%s %" PRIu64, contract ? "合同" : "第",
					   r->line);
	}
	if (rc)
		return x->fatal = rc;
	cy_record_part parts[2] = {
		{"original", r->raw, r->raw_len, "csv"},
		{"fields", x->json.ptr, x->json.len, "json"},
	};
	cy_record_new rec;
	memset(&rec, 0, sizeof(rec));
	classify(x, &rec, contract ? CY_CLASS_CONTRACT : CY_CLASS_UNCLASSIFIED);
	rec.year = year;
	rec.date = year_of(date) ? date : NULL;
	rec.org = x->o->org;
	rec.title = (const char *)x->title.ptr;
	rec.source_kind = x->source_kind;
	rec.source_path = x->source;
	rec.source_line = (int64_t)r->line;
	rec.nlabels = row_labels(x, r, labels);
	rec.labels = labels;
	if (!rc && sid) {
		rec.subjects = &sid;
		rec.nsubjects = 1;
	}
	rc = make_record(x, &rec, parts, 2, r->line, r->raw, r->raw_len);
	cy_buf_wipe(&x->json);
	cy_buf_wipe(&x->title);
	return rc;
}

/* ---- the table's callbacks ---- */

static int on_header(void *arg, const cy_table *t)
{
	ctx *x = arg;
	size_t n, mapped = 0;
	const cy_table_column *c = cy_table_columns(t, &n);

	x->sum->header_line = cy_table_get_counts(t)->header_line;
	for (size_t i = 0; i < n; i++)
		mapped += c[i].field >= 0;
	if (mapped && x->o->rules) {
		const char **h = calloc(n ? n : 1, sizeof(*h));
		if (!h)
			return cy_error_set(CY_ENOMEM, "out of memory");
		for (size_t i = 0; i < n; i++)
			h[i] = c[i].header;
		cy_classify_input in = {.kind = cy_table_kind_name(x->o->kind),
					.name = x->source,
					.format = x->o->format ? x->o->format : "csv",
					.headers = h,
					.nheaders = n};
		int rc = cy_rules_classify(x->o->rules, &in, &x->cls);
		free(h);
		if (rc)
			return rc;
		x->classified = true;
		snprintf(x->sum->class_rule, sizeof(x->sum->class_rule), "%s", x->cls.rule_id);
	}
	if (!mapped)
		return cy_error_set(
			CY_EINVALID,
			"%s: no header row was recognised (no column is one custody "
			"knows, such as 客户编号, 客户名称, 身份证号 or 手机号码); give a "
			"--map file for other headers",
			x->source);
	if (x->ev && x->ev->header)
		x->ev->header(x->ev->arg, t);
	return 0;
}

static int on_row(void *arg, const cy_table_row *r)
{
	ctx *x = arg;
	int rc;

	x->sum->counts.rows++;
	x->sum->problems += r->nproblem;
	switch (x->o->kind) {
	case CY_TABLE_CUSTOMERS:
		rc = customer_row(x, r);
		break;
	case CY_TABLE_TRANSACTIONS:
		rc = transaction_row(x, r);
		break;
	case CY_TABLE_CONTRACTS:
		rc = item_row(x, r, true);
		break;
	default:
		rc = item_row(x, r, false);
		break;
	}
	if (rc)
		return x->fatal ? x->fatal : rc;
	return progress(x, r->line);
}

static int on_reject(void *arg, const cy_table_reject *r)
{
	ctx *x = arg;
	int rc;

	x->sum->counts.rows++;
	rc = reject(x, r->line, r->reason, r->raw, r->raw_len);
	return rc ? rc : progress(x, r->line);
}

/* ---- the import ---- */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

int cy_import_table(cy_vault *v, const cy_table_import_opts *o, const cy_table_import_events *ev,
		    cy_table_import_summary *sum)
{
	ctx x;
	cy_table_handler h = {on_header, on_row, on_reject};
	char kind[48];
	int rc;
	time_t now = time(NULL);
	struct tm tm;

	memset(sum, 0, sizeof(*sum));
	memset(&x, 0, sizeof(x));
	x.v = v;
	x.o = o;
	x.ev = ev;
	x.sum = sum;
	x.as_of = cy_pii_today();
	gmtime_r(&now, &tm);
	x.year_now = tm.tm_year + 1900;
	snprintf(x.source, sizeof(x.source), "%s", base_name(o->path));
	if ((unsigned)o->kind >= CY_TABLE_KIND_COUNT)
		return cy_error_set(CY_EINVALID, "unknown kind of table");
	bool xlsx = o->format && !strcmp(o->format, "xlsx");
	if (o->format && !xlsx && strcmp(o->format, "csv"))
		return cy_error_set(CY_EINVALID, "format '%s' is not one custody reads (csv, xlsx)",
				    o->format);
	x.source_kind = xlsx ? CY_SOURCE_XLSX : CY_SOURCE_CSV;
	if (!o->dry_run) {
		snprintf(kind, sizeof(kind), "%s-%s", o->format ? o->format : "csv",
			 cy_table_kind_name(o->kind));
		if ((rc = cy_import_begin(v, o->fonds, &x.im)))
			return rc;
		if ((rc = cy_import_run_start(x.im, kind, o->path, &sum->run)))
			goto out;
	}
	if ((rc = cy_table_new(&o->table, &h, &x, &x.t)))
		goto out;
	rc = xlsx ? cy_table_xlsx_file(x.t, o->path, o->sheet) : cy_table_csv_file(x.t, o->path);
	if (!rc && x.o->kind == CY_TABLE_TRANSACTIONS && !o->dry_run)
		rc = flush_buckets(&x);
	if (x.fatal)
		rc = x.fatal;
	if (cy_table_encoding(x.t)) {
		snprintf(sum->encoding, sizeof(sum->encoding), "%s", cy_table_encoding(x.t));
		snprintf(sum->encoding_source, sizeof(sum->encoding_source), "%s",
			 cy_table_encoding_source(x.t));
		sum->delimiter = cy_table_delimiter(x.t);
	}
	sum->title_rows = cy_table_get_counts(x.t)->title_rows;
	if (!cy_table_get_counts(x.t)->header_line && !rc)
		rc = cy_error_set(CY_EINVALID,
				  "%s: no header row was recognised (no column is one custody "
				  "knows, such as 客户编号, 客户名称, 身份证号 or 手机号码); give a "
				  "--map file for other headers",
				  x.source);
	if (!o->dry_run) {
		/* what was done is kept, also when the import stops early: the
		 * counts say how far it came; a rerun takes up the rest */
		if (!rc || rc == CY_ECANCELLED || row_level(rc))
			rc = cy_import_run_end(x.im, &sum->counts, rc);
	}
out:
	sum->stopped = rc;
	cy_table_free(x.t);
	cy_import_free(x.im);
	smap_free(&x.customers);
	smap_free(&x.renamed);
	smap_free(&x.group_index);
	for (size_t i = 0; i < x.ngroups; i++)
		group_release(&x.groups[i]);
	free(x.groups);
	for (unsigned b = 0; b < SPILL_BUCKETS; b++) {
		cy_spill_free(x.bucket[b]);
		cy_buf_wipe(&x.bucket_buf[b]);
	}
	cy_buf_wipe(&x.scratch);
	cy_buf_wipe(&x.text);
	cy_buf_wipe(&x.json);
	cy_buf_wipe(&x.title);
	return rc;
}
