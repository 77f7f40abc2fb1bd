/* recsig_tool.c - a test-only tool for tests/cli/trust_records.bats and
 * bench/check_sigs.sh: what an insider with file access and her own
 * password can compute with the vault's own code, and a populate/bench mode.
 * Built only with the tests; it writes nothing itself (the tests apply what
 * it prints with sqlite3, as the insider would).
 *
 *   recsig-tool meta  VAULT USER PWFILE ARCHIVE_NO TITLE
 *       the record's metadata re-sealed with a new title (hex): what a
 *       viewer holding the fonds key can make
 *   recsig-tool forge VAULT USER PWFILE ARCHIVE_NO TITLE
 *       the same, plus what she needs to sign it with a key of her own:
 *       lines "meta HEX", "digest HEX", "pub HEX", "sig HEX", "batch ID"
 *   recsig-tool populate VAULT USER PWFILE FONDS N
 *       create N small records (cy_record_create), a commit per 5,000
 *   recsig-tool bench VAULT USER PWFILE
 *       time check's record-signature pass; prints records and records/s */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog_records.h"
#include "catalog/catalog_recsig.h"
#include "custody/custody.h"
#include "custody/import.h"
#include "vault/vault_internal.h"
#include "vault/vault_recsig.h"

static void die(const char *what)
{
	fprintf(stderr, "recsig-tool: %s: %s\n", what, cy_error_message());
	exit(1);
}

static void hex(const char *label, const void *p, size_t n)
{
	const uint8_t *b = p;

	if (label)
		printf("%s ", label);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

static cy_vault *open_vault(const char *dir, const char *user, const char *pwfile)
{
	char pw[256];
	FILE *f = fopen(pwfile, "r");
	cy_vault *v;
	size_t n;

	if (!f || !fgets(pw, sizeof(pw), f)) {
		fprintf(stderr, "recsig-tool: cannot read %s\n", pwfile);
		exit(1);
	}
	fclose(f);
	n = strcspn(pw, "\r\n");
	pw[n] = 0;
	if (cy_vault_open(&v, dir, user, pw, n))
		die("open");
	return v;
}

typedef struct target {
	int64_t id, fonds_id, batch_id;
	cy_buf meta;
} target;

static int take(void *arg, const cy_cat_record *r)
{
	target *t = arg;

	t->id = r->id;
	t->fonds_id = r->fonds_id;
	return cy_buf_put(&t->meta, r->meta, r->meta_len);
}

/* The metadata re-sealed with a new title, by the fonds key the user holds. */
static void retitle(cy_vault *v, const char *no, const char *title, target *t, cy_buf *out)
{
	cy_fonds_key *k;
	json_t *j = NULL;
	int layout;

	if (cy_catalog_record_by_no(v->cat, no, take, t))
		die("no such record");
	if (!(k = cy_vault__fonds_key_by_id(v, t->fonds_id)))
		die("fonds key not held");
	if (cy_vault__meta_open_json(k, no, t->meta.ptr, t->meta.len, &j, &layout))
		die("open metadata");
	json_object_set_new(j, "title", json_string(title));
	if (cy_vault__meta_seal_json(k, no, j, out))
		die("seal metadata");
	json_decref(j);
}

typedef struct forge {
	int64_t id;
	const cy_buf *meta;
	uint8_t digest[32];
	cy_buf digests;
	int64_t batch_id;
} forge;

static int forge_row(void *arg, const cy_catalog_recsig_row *r)
{
	forge *f = arg;
	uint8_t d[32];

	if (r->id == f->id) {
		cy_catalog_recsig_row copy = *r;
		copy.meta = f->meta->ptr;
		copy.meta_len = f->meta->len;
		if (cy_vault__recsig_digest(&copy, NULL, d))
			return -1;
		memcpy(f->digest, d, 32);
		f->batch_id = r->batch_id;
	} else {
		memcpy(d, r->digest, 32);
	}
	return cy_buf_put(&f->digests, d, 32);
}

static int batch_fn(void *arg, const cy_catalog_recsig_row *r)
{
	*(int64_t *)arg = r->batch_id;
	return 0;
}

static int mode_forge(cy_vault *v, const char *no, const char *title, int sign)
{
	target t = {0, 0, 0, CY_BUF_INIT};
	cy_buf meta = CY_BUF_INIT, msg = CY_BUF_INIT;
	forge f;
	cy_catalog_batch b;
	uint8_t seed[32], pub[32], sig[64];
	cy_fonds_key *k;

	retitle(v, no, title, &t, &meta);
	hex("meta", meta.ptr, meta.len);
	if (!sign) {
		cy_buf_release(&meta);
		cy_buf_release(&t.meta);
		return 0;
	}
	memset(&f, 0, sizeof(f));
	f.id = t.id;
	f.meta = &meta;
	if (cy_catalog_recsig_each(v->cat, 0, t.id, t.id, 0, batch_fn, &t.batch_id))
		die("read the record");
	if (cy_catalog_recsig_each(v->cat, 0, 0, 0, t.batch_id, forge_row, &f))
		die("read the batch");
	if (cy_catalog_batch_get(v->cat, t.batch_id, &b))
		die("read the batch row");
	k = cy_vault__fonds_key_by_id(v, t.fonds_id);
	/* her own key: she holds no write key of the fonds */
	if (cy_ed25519_keygen(seed, pub) ||
	    cy_vault__recsig_batch_msg(v->vault_id, k->code, b.seq, f.digests.ptr,
				       f.digests.len / 32, &msg) ||
	    cy_ed25519_sign(seed, msg.ptr, msg.len, sig))
		die("sign");
	hex("digest", f.digest, 32);
	hex("pub", pub, 32);
	hex("sig", sig, 64);
	printf("batch %lld\n", (long long)t.batch_id);
	printf("writable %d\n", k->writable);
	cy_buf_release(&f.digests);
	cy_buf_release(&msg);
	cy_buf_release(&meta);
	cy_buf_release(&t.meta);
	return 0;
}

static int mode_populate(cy_vault *v, const char *fonds, long n)
{
	cy_import *im = NULL;
	char no[64], title[64], body[128];

	if (cy_import_begin(v, fonds, &im))
		die("import");
	for (long i = 0; i < n; i++) {
		cy_import_outcome oc;
		snprintf(title, sizeof(title), "bench record %ld", i);
		snprintf(body, sizeof(body), "record body %ld of the signature benchmark", i);
		cy_record_new r = {.klass = CY_CLASS_OTHER, .year = 2024, .title = title};
		cy_record_part p = {.data = body, .len = strlen(body)};
		if (cy_record_create(im, &r, &p, 1, &oc, no))
			die("create");
		if ((i + 1) % 5000 == 0 && cy_import_commit(im))
			die("commit");
	}
	if (cy_import_commit(im))
		die("commit");
	cy_import_free(im);
	return 0;
}

static void count_problem(void *arg, const cy_check_problem *p)
{
	(*(uint64_t *)arg)++;
	if (*(uint64_t *)arg <= 5)
		fprintf(stderr, "problem: %s\n", p->problem);
}

static int mode_bench(cy_vault *v)
{
	struct timespec a, b;
	uint64_t verified = 0, problems = 0;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &a);
	if (cy_check_records(v, count_problem, NULL, &problems, NULL, &verified))
		die("check");
	clock_gettime(CLOCK_MONOTONIC, &b);
	s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("records %llu problems %llu seconds %.3f records/s %.0f\n",
	       (unsigned long long)verified, (unsigned long long)problems, s,
	       s > 0 ? (double)verified / s : 0.0);
	return problems ? 1 : 0;
}

int main(int argc, char **argv)
{
	cy_vault *v;
	int rc = 2;

	if (argc < 5) {
		fprintf(stderr,
			"usage: recsig-tool meta|forge|populate|bench VAULT USER PWFILE ...\n");
		return 2;
	}
	v = open_vault(argv[2], argv[3], argv[4]);
	if (!strcmp(argv[1], "meta") && argc == 7)
		rc = mode_forge(v, argv[5], argv[6], 0);
	else if (!strcmp(argv[1], "forge") && argc == 7)
		rc = mode_forge(v, argv[5], argv[6], 1);
	else if (!strcmp(argv[1], "populate") && argc == 7)
		rc = mode_populate(v, argv[5], strtol(argv[6], NULL, 10));
	else if (!strcmp(argv[1], "bench") && argc == 5)
		rc = mode_bench(v);
	cy_vault_close(v);
	return rc;
}
