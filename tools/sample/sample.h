/* sample.h - what the parts of custody-sample share: the seeded PRNG, the
 * output tree with its manifest, text helpers, and the generator entry points.
 *
 * custody-sample writes a fictional company's records so that custody can be
 * tried and tested on files that look real and carry personal information.
 * Everything derives from the seed: the same seed and size give a
 * byte-identical tree.  Each generator draws from its own named PRNG stream,
 * so adding draws to one generator does not change the files of another. */
#ifndef CUSTODY_SAMPLE_H
#define CUSTODY_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"

/* ---- PRNG: xoshiro256**, seeded through splitmix64 (sample_rng.c) ---- */

typedef struct sample_rng {
	uint64_t s[4];
} sample_rng;

/* Seed a stream from the run's seed, a stream name and an index within it. */
void sample_rng_seed(sample_rng *r, uint64_t seed, const char *stream, uint64_t index);
uint64_t sample_rng_next(sample_rng *r);
/* Uniform in [0, n); n > 0. */
uint32_t sample_rng_below(sample_rng *r, uint32_t n);
/* Uniform in [lo, hi], both inclusive. */
int sample_rng_range(sample_rng *r, int lo, int hi);
/* True with probability percent/100. */
bool sample_rng_chance(sample_rng *r, unsigned percent);
/* Index into a table of n weights, drawn in proportion to the weights. */
size_t sample_rng_weighted(sample_rng *r, const unsigned *weights, size_t n);
/* A money amount in fen between lo and hi yuan, spread over orders of
 * magnitude; most are whole yuan. */
int64_t sample_rng_amount(sample_rng *r, int lo, int hi);

/* ---- dates (sample_format.c) ---- */

typedef struct sample_date {
	int y, m, d;
} sample_date;

int sample_days_in_month(int y, int m);
/* Days since 1970-01-01 and back. */
long sample_date_to_days(sample_date d);
sample_date sample_date_from_days(long days);
/* A uniformly drawn date in [from, to]. */
sample_date sample_date_between(sample_rng *r, sample_date from, sample_date to);
int sample_date_cmp(sample_date a, sample_date b);
/* Excel's serial day number (1900 date system) of a date after 1900-03-01. */
long sample_excel_serial(sample_date d);

/* ---- text helpers (sample_format.c) ----
 * Growing a buffer fails only when memory runs out; the generator then has
 * nothing to roll back, so these print "custody-sample: out of memory" and
 * exit 1 instead of making every caller check (git's strbuf does the same). */

void sample_put(cy_buf *b, const void *data, size_t n);
void sample_puts(cy_buf *b, const char *s);
void sample_printf(cy_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sample_die_nomem(void) __attribute__((noreturn));
void *sample_calloc(size_t n, size_t size);

/* Append a CSV field (RFC 4180): quoted when it holds a comma, quote or newline. */
void sample_csv_field(cy_buf *b, const char *s);
/* Append "YYYY-MM-DD" / "YYYY年MM月DD日". */
void sample_put_date(cy_buf *b, sample_date d);
void sample_put_date_zh(cy_buf *b, sample_date d);
/* Append an amount in fen as "1234.56" or, with group, "1,234.56". */
void sample_put_amount(cy_buf *b, int64_t fen, bool group);
/* Append an amount in fen in Chinese capitals: "壹拾贰万叁仟肆佰伍拾陆元整". */
void sample_put_amount_zh(cy_buf *b, int64_t fen);
/* Decode one UTF-8 character at *s (advancing it); well-formed input assumed. */
uint32_t sample_utf8_next(const char **s);
/* Append the UTF-8 bytes of s converted with iconv(3) to GBK; 0 or CY_EINVALID. */
int sample_to_gbk(cy_buf *out, const char *s, size_t n);
/* The same to any iconv(3) encoding; on CY_EINVALID (a character the
 * encoding lacks) out is left as it was. */
int sample_convert(cy_buf *out, const char *to, const char *s, size_t n);

/* ---- the output tree (sample_out.c) ---- */

enum sample_class {
	SAMPLE_CUSTOMER,
	SAMPLE_CONTRACT,
	SAMPLE_TRANSACTION,
	SAMPLE_ACCOUNTING,
	SAMPLE_CORRESPONDENCE,
	SAMPLE_OTHER,
};

typedef struct sample_entry {
	char *path; /* relative, '/'-separated, UTF-8 */
	enum sample_class cls;
	int year;
	size_t bytes;
	uint8_t sha256[32];
} sample_entry;

typedef struct sample_out {
	char *root;
	bool force; /* replace files that exist */
	sample_entry *entries;
	size_t nentries, cap;
	size_t files;	/* written, manifest included */
	uint64_t bytes; /* written, manifest included */
} sample_out;

/* Prepare root: create it (and its parents) if missing; refuse a non-empty
 * directory unless force.  0 or a CY_E code with the error set. */
int sample_out_open(sample_out *o, const char *root, bool force);
/* Create the directory rel under root. */
int sample_out_mkdir(sample_out *o, const char *rel);
/* Write one file at rel under root and record it for the manifest. */
int sample_out_write(sample_out *o, const char *rel, enum sample_class cls, int year,
		     const void *data, size_t n);
/* A file written in pieces (the CRM exports are too large to hold): open,
 * write any number of times, close, which records it for the manifest;
 * sample_file_abort on a failure path (closes, records nothing). */
typedef struct sample_file {
	sample_out *o;
	int fd;
	char *rel;
	cy_buf path;
	enum sample_class cls;
	int year;
	uint64_t bytes;
	struct cy_sha256_ctx *sha;
} sample_file;

int sample_file_open(sample_out *o, sample_file *f, const char *rel, enum sample_class cls,
		     int year);
int sample_file_write(sample_file *f, const void *data, size_t n);
/* Write b's bytes and clear b. */
int sample_file_flush(sample_file *f, cy_buf *b);
int sample_file_close(sample_file *f);
void sample_file_abort(sample_file *f);
/* Write manifest.csv (every file, sorted by path) at the root. */
int sample_out_finish(sample_out *o);
void sample_out_release(sample_out *o);

/* ---- XLSX, streamed (sample_xlsx.c) ---- */

typedef struct sample_xlsx sample_xlsx;

/* A workbook of one sheet at rel; date stamps the zip entries. */
int sample_xlsx_open(sample_out *o, const char *rel, enum sample_class cls, int year,
		     sample_date date, sample_xlsx **out);
void sample_xlsx_row_begin(sample_xlsx *x);
/* Cells, left to right: an inline string, a shared string (for values that
 * repeat), a number with a style (0 general, 2 text, 3 "0.00"), a date.
 * An empty string leaves its cell empty. */
void sample_xlsx_str(sample_xlsx *x, const char *s);
void sample_xlsx_shared(sample_xlsx *x, const char *s);
void sample_xlsx_num(sample_xlsx *x, const char *number, int style);
void sample_xlsx_date(sample_xlsx *x, sample_date d);
int sample_xlsx_row_end(sample_xlsx *x);
uint64_t sample_xlsx_rows(const sample_xlsx *x);
/* Finish the sheet and the zip and record the file; frees x in any case. */
int sample_xlsx_close(sample_xlsx *x, const char *sheet_name);

/* ---- the run ---- */

typedef struct sample_plan {
	const char *name;
	int customers;
	int first_year, last_year; /* of contracts, transactions, letters */
	int accounting_first_year; /* vouchers from January of this year */
	int second_contract_pct;   /* customers with a second contract */
	int transactions_per_year;
	int vouchers_per_month;
	int letters;
	int crm_customers; /* default of --customers */
} sample_plan;

struct sample_company;
struct sample_person;

typedef struct sample_world {
	uint64_t seed;
	const sample_plan *plan;
	struct sample_company *company;
	struct sample_person *people;
	size_t npeople;
	sample_out out;
	size_t crm_customers; /* rows of crm/customers.csv */
	bool crm_only;	      /* only the company sheet, crm/ and mail/ */
	struct sample_crm *crm;
} sample_world;

/* Generators, each writing one part of the tree; 0 or a CY_E code. */
int sample_write_company(sample_world *w);	 /* sample_customers.c */
int sample_write_customers(sample_world *w);	 /* sample_customers.c */
int sample_write_contracts(sample_world *w);	 /* sample_pdf.c */
int sample_write_transactions(sample_world *w);	 /* sample_ledger.c */
int sample_write_accounting(sample_world *w);	 /* sample_ledger.c */
int sample_write_letters(sample_world *w);	 /* sample_image.c */
int sample_write_crm(sample_world *w);		 /* sample_crm.c: crm/ */
int sample_write_crm_contracts(sample_world *w); /* sample_pdf.c: contracts/HT-*.pdf */
int sample_write_mail(sample_world *w);		 /* sample_mbox.c: mail/ */
void sample_crm_free(sample_world *w);

#endif
