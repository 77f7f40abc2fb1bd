/* old_key.c - what a user whose grant ended can still read with code of her
 * own, for tests/cli/trust_epochs.bats (issue 6, item 7: fonds key epochs).
 *
 *   old-key OLD_VAULT USER PWFILE LIVE_VAULT ARCHIVE_NO...
 *
 * OLD_VAULT is a copy of the vault from while USER was granted the fonds; she
 * opens it with her password as it was then, and keeps every fonds key epoch
 * custody gave her there.  LIVE_VAULT is the vault today, of which she can
 * read the files (catalog.db and the packs).  For each record she tries its
 * metadata and its object's data key with each of those keys, as an attacker
 * with the files would, and prints
 *   ARCHIVE_NO meta:readable|unreadable object:readable|unreadable
 *
 *   old-key plant OLD_VAULT USER PWFILE LIVE_VAULT
 *
 * USER, revoked since but still a user of LIVE_VAULT, opens it with her
 * password and, with the fonds keys of the old copy, makes the fonds' next
 * key epoch herself exactly as custody would (a key she knows, chained to
 * the old one, signed with her own key, logged as fonds.rekey, sealed to the
 * fonds' key holders): what a key holder's log-in must refuse.
 *
 *   old-key write OLD_VAULT USER PWFILE LIVE_VAULT FONDS DIR
 *
 * USER, an archivist whose grant of FONDS ended since, imports DIR into the
 * live vault with the fonds key and write key of the old copy (custody's own
 * import, so the records are signed and logged as hers): what check must
 * name.
 * Built with the tests only; it links the internal library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_records.h"
#include "custody/custody.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/ingest.h"
#include "vault/vault_internal.h"

typedef struct rec {
	cy_buf meta, dkey, pack;
	uint64_t offset, length;
	int64_t fonds_id, owner;
} rec;

static int take(void *arg, const cy_cat_record *r)
{
	rec *t = arg;

	t->fonds_id = r->fonds_id;
	t->offset = r->offset;
	t->length = r->length;
	t->owner = r->owner_subject_id;
	cy_buf_put(&t->dkey, r->dkey, r->dkey_len);
	cy_buf_puts(&t->pack, r->pack);
	return cy_buf_put(&t->meta, r->meta, r->meta_len);
}

static const char *try_meta(cy_vault *v, const char *no, const rec *t)
{
	json_t *j = NULL;
	int layout = 0;

	for (int i = 0; i < v->nkeys; i++) {
		if (!cy_vault__meta_open_json(&v->keys[i], no, t->meta.ptr, t->meta.len, &j,
					      &layout)) {
			json_decref(j);
			return "readable";
		}
		cy_error_clear();
	}
	return "unreadable";
}

static const char *try_object(cy_vault *v, const rec *t)
{
	cy_obj_header oh;
	uint8_t dkey[32];

	if (!t->dkey.len ||
	    cy_vault__read_header(v, cy_buf_cstr((cy_buf *)&t->pack), t->offset, t->length, &oh))
		return "unreadable";
	for (int i = 0; i < v->nkeys; i++)
		for (int e = 0; e <= v->keys[i].epoch; e++)
			if (!cy_vault__dkey_unwrap(CY_EPOCH_WRAP(&v->keys[i], e), oh.salt,
						   t->dkey.ptr, t->dkey.len, dkey)) {
				cy_wipe(dkey, 32);
				return "readable";
			}
	cy_error_clear();
	return "unreadable";
}

static int plant(cy_vault *old, const char *user, const cy_buf *pw, const char *live)
{
	cy_vault *v = NULL;
	int rc = cy_vault_open(&v, live, user, (const char *)pw->ptr, pw->len);

	for (int i = 0; !rc && i < old->nkeys; i++)
		rc = cy_vault__keep_key(v, old->keys[i].fonds_id, old->keys[i].code,
					old->keys[i].key);
	cy_trust_revokes *r = NULL;
	rc = rc ? rc : cy_vault__revokes_load(v, 0, &r);
	rc = rc ? rc : cy_vault__epochs_rotate(v, r);
	cy_vault__revokes_free(r);
	cy_vault_close(v);
	return rc;
}

static int late_write(cy_vault *old, const char *user, const cy_buf *pw, const char *live,
		      const char *fonds, const char *dir)
{
	cy_vault *v = NULL;
	cy_import_opts o = {.fonds = fonds, .klass = CY_CLASS_CUSTOMER, .year = 2019};
	cy_import_summary sum;
	int rc = cy_vault_open(&v, live, user, (const char *)pw->ptr, pw->len);

	for (int i = 0; !rc && i < old->nkeys; i++) {
		const cy_fonds_key *ok = &old->keys[i];
		cy_fonds_key *k;
		rc = cy_vault__keep_key(v, ok->fonds_id, ok->code, ok->key);
		if (!rc && (k = cy_vault__fonds_key_by_id(v, ok->fonds_id)) && ok->writable) {
			memcpy(CY_WRITE_SEED(k), CY_WRITE_SEED(ok), 32);
			memcpy(k->wpub, ok->wpub, 32);
			k->writable = k->wpub_known = 1;
		}
	}
	memset(&sum, 0, sizeof(sum));
	rc = rc ? rc : cy_import_tree(v, dir, &o, NULL, NULL, NULL, NULL, &sum);
	if (!rc && sum.imported == 0)
		rc = cy_error_set(CY_EINVALID, "nothing imported");
	cy_vault_close(v);
	return rc;
}

int main(int argc, char **argv)
{
	cy_vault *v = NULL;
	cy_buf pw = CY_BUF_INIT;
	cy_catalog *live = NULL;
	cy_store *store = NULL;
	int rc;

	if ((argc == 6 && !strcmp(argv[1], "plant")) || (argc == 8 && !strcmp(argv[1], "write"))) {
		rc = cy_read_file(argv[4], 1024, &pw);
		while (!rc && pw.len && (pw.ptr[pw.len - 1] == '\n' || pw.ptr[pw.len - 1] == '\r'))
			pw.len--;
		rc = rc ? rc : cy_vault_open(&v, argv[2], argv[3], (const char *)pw.ptr, pw.len);
		if (argc == 6)
			rc = rc ? rc : plant(v, argv[3], &pw, argv[5]);
		else
			rc = rc ? rc : late_write(v, argv[3], &pw, argv[5], argv[6], argv[7]);
		cy_buf_wipe(&pw);
		if (rc)
			fprintf(stderr, "old-key: %s\n", cy_error_message());
		cy_vault_close(v);
		return rc ? 1 : 0;
	}
	if (argc < 6) {
		fprintf(stderr, "usage: old-key OLD_VAULT USER PWFILE LIVE_VAULT ARCHIVE_NO...\n");
		return 2;
	}
	rc = cy_read_file(argv[3], 1024, &pw);
	while (!rc && pw.len && (pw.ptr[pw.len - 1] == '\n' || pw.ptr[pw.len - 1] == '\r'))
		pw.len--;
	rc = rc ? rc : cy_vault_open(&v, argv[1], argv[2], (const char *)pw.ptr, pw.len);
	cy_buf_wipe(&pw);
	rc = rc ? rc : cy_catalog_open(&live, argv[4], 0);
	rc = rc ? rc : cy_store_open(&store, argv[4], 0);
	if (rc) {
		fprintf(stderr, "old-key: %s\n", cy_error_message());
		cy_vault_close(v);
		return 1;
	}
	/* the live vault's files under the keys of the old one */
	{
		cy_catalog *oc = v->cat;
		cy_store *os = v->store;
		v->cat = live;
		v->store = store;
		for (int a = 5; a < argc; a++) {
			rec t = {CY_BUF_INIT, CY_BUF_INIT, CY_BUF_INIT, 0, 0, 0, 0};
			if (cy_catalog_record_by_no(live, argv[a], take, &t)) {
				printf("%s missing\n", argv[a]);
			} else {
				printf("%s meta:%s object:%s\n", argv[a], try_meta(v, argv[a], &t),
				       try_object(v, &t));
			}
			cy_buf_release(&t.meta);
			cy_buf_release(&t.dkey);
			cy_buf_release(&t.pack);
		}
		v->cat = oc;
		v->store = os;
	}
	cy_catalog_close(live);
	cy_store_close(store);
	cy_vault_close(v);
	return 0;
}
