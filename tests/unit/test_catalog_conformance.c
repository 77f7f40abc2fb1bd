/* test_catalog_conformance.c - what every catalog backend must do.
 *
 * The same tests run against each backend of BACKENDS (today SQLite; a
 * PostgreSQL backend adds a row).  They use only the named functions of
 * catalog/catalog.h, never SQL: insert, read, update and delete semantics,
 * CY_EEXISTS on a uniqueness rule, CY_ENOTFOUND on a missing row, rollback
 * leaving nothing, and two processes taking item numbers and appending to
 * the ledger at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "catalog/catalog.h"
#include "custody/error.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "testutil.h"

/* ---- backends ---- */

typedef struct backend {
	const char *name;
	/* a fresh, empty place for a catalog (freed by the caller), and its removal */
	char *(*make)(void);
	void (*destroy)(const char *where);
	/* open the catalog at where: create=1 the first time, 0 for another
	 * connection (another process) to the same catalog */
	int (*open)(cy_catalog **out, const char *where, int create);
} backend;

static const backend BACKENDS[] = {
	{"sqlite", tu_tmpdir, tu_rmrf, cy_catalog_open},
};

typedef struct fixture {
	const backend *b;
	char *where;
	cy_catalog *c;
} fixture;

static const backend *current;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->b = current;
	f->where = f->b->make();
	if (!f->where || f->b->open(&f->c, f->where, 1)) {
		free(f->where);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	cy_catalog_close(f->c);
	f->b->destroy(f->where);
	free(f->where);
	free(f);
	return 0;
}

/* ---- helpers ---- */

static int64_t add_user(cy_catalog *c, const char *name, const char *role)
{
	int64_t id = 0;

	assert_int_equal(cy_catalog_user_insert(c, name, role, "2026-01-01T00:00:00Z", &id), 0);
	assert_true(id > 0);
	return id;
}

static int64_t add_fonds(cy_catalog *c, const char *code)
{
	cy_catalog_fonds f;
	int64_t id = 0;

	memset(&f, 0, sizeof(f));
	snprintf(f.code, sizeof(f.code), "%s", code);
	snprintf(f.name, sizeof(f.name), "Company %s", code);
	snprintf(f.status, sizeof(f.status), "operating");
	snprintf(f.created, sizeof(f.created), "2026-01-02T00:00:00Z");
	assert_int_equal(cy_buf_put(&f.key_id, "KEYID-01", 8), 0);
	assert_int_equal(cy_buf_put(&f.recovery_slot, "rslot", 5), 0);
	assert_int_equal(cy_catalog_fonds_insert(c, &f, &id), 0);
	cy_catalog_fonds_release(&f);
	assert_true(id > 0);
	return id;
}

/* ---- meta ---- */

static void test_catalog_meta(void **state)
{
	fixture *f = *state;
	cy_buf b = CY_BUF_INIT;

	assert_int_equal(cy_catalog_meta_get(f->c, "vault_id", &b), CY_ENOTFOUND);
	assert_int_equal(cy_catalog_meta_put(f->c, "vault_id", "abc", 3), 0);
	assert_int_equal(cy_catalog_meta_get(f->c, "vault_id", &b), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.ptr, "abc", 3);
	/* put replaces; get clears the buffer first */
	assert_int_equal(cy_catalog_meta_put(f->c, "vault_id", "\x00\x01", 2), 0);
	assert_int_equal(cy_catalog_meta_get(f->c, "vault_id", &b), 0);
	assert_int_equal(b.len, 2);
	assert_memory_equal(b.ptr, "\x00\x01", 2);
	assert_int_equal(cy_catalog_meta_get(f->c, "other", &b), CY_ENOTFOUND);
	cy_buf_release(&b);
}

/* ---- users ---- */

typedef struct seen_users {
	int n;
	int64_t ids[8];
	char grants[8][64];
} seen_users;

static int count_user(void *arg, const cy_catalog_user *u)
{
	seen_users *s = arg;

	if (s->n < 8) {
		s->ids[s->n] = u->id;
		snprintf(s->grants[s->n], sizeof(s->grants[0]), "%s", cy_buf_cstr(&u->grants));
	}
	s->n++;
	return 0;
}

static int stop_user(void *arg, const cy_catalog_user *u)
{
	(void)arg;
	(void)u;
	return 42;
}

static void test_catalog_users(void **state)
{
	fixture *f = *state;
	cy_catalog_user u;
	cy_buf pub = CY_BUF_INIT, slot = CY_BUF_INIT, sslot = CY_BUF_INIT, aslot = CY_BUF_INIT;
	seen_users seen = {0};
	int64_t a, b, id;

	memset(&u, 0, sizeof(u));
	a = add_user(f->c, "li", "secadmin");
	b = add_user(f->c, "wang", "archivist");
	assert_true(b != a);
	/* a name is unique */
	assert_int_equal(cy_catalog_user_insert(f->c, "li", "viewer", "t", &id), CY_EEXISTS);
	/* a new user has empty keys */
	assert_int_equal(cy_catalog_user_get(f->c, "wang", &u), 0);
	assert_int_equal(u.id, b);
	assert_string_equal(u.name, "wang");
	assert_string_equal(u.role, "archivist");
	assert_string_equal(u.created, "2026-01-01T00:00:00Z");
	assert_int_equal(u.disabled, 0);
	assert_int_equal(u.pub.len + u.slot.len + u.sign_slot.len + u.admin_slot.len + u.cert.len,
			 0);
	assert_int_equal(cy_catalog_user_get(f->c, "zhao", &u), CY_ENOTFOUND);

	/* keys: set, read back; no admin slot reads as empty */
	cy_buf_put(&pub, "P", 1);
	cy_buf_put(&slot, "SLOT", 4);
	cy_buf_put(&sslot, "SSLOT", 5);
	assert_int_equal(cy_catalog_user_set_keys(f->c, b, "0123456789abcdef0123456789abcdef", 32,
						  &slot, &sslot, NULL, "CERT", 4),
			 0);
	assert_int_equal(cy_catalog_user_get(f->c, "wang", &u), 0);
	assert_int_equal(u.pub.len, 32);
	assert_memory_equal(u.pub.ptr, "0123456789abcdef0123456789abcdef", 32);
	assert_int_equal(u.slot.len, 4);
	assert_memory_equal(u.slot.ptr, "SLOT", 4);
	assert_int_equal(u.sign_slot.len, 5);
	assert_int_equal(u.admin_slot.len, 0);
	assert_int_equal(u.cert.len, 4);
	cy_buf_put(&aslot, "ASLOT", 5);
	assert_int_equal(cy_catalog_user_set_keys(f->c, a, pub.ptr, pub.len, &slot, &sslot, &aslot,
						  "C", 1),
			 0);
	assert_int_equal(cy_catalog_user_get(f->c, "li", &u), 0);
	assert_int_equal(u.admin_slot.len, 5);
	assert_memory_equal(u.admin_slot.ptr, "ASLOT", 5);
	/* the password slot alone, and disabling */
	assert_int_equal(cy_catalog_user_set_slot(f->c, b, "NEW", 3), 0);
	assert_int_equal(cy_catalog_user_set_disabled(f->c, b, 1), 0);
	assert_int_equal(cy_catalog_user_get(f->c, "wang", &u), 0);
	assert_int_equal(u.slot.len, 3);
	assert_memory_equal(u.slot.ptr, "NEW", 3);
	assert_int_equal(u.sign_slot.len, 5); /* untouched */
	assert_int_equal(u.disabled, 1);
	assert_int_equal(cy_catalog_user_set_disabled(f->c, b, 0), 0);
	assert_int_equal(cy_catalog_user_get(f->c, "wang", &u), 0);
	assert_int_equal(u.disabled, 0);
	/* updates of a missing user */
	assert_int_equal(cy_catalog_user_set_slot(f->c, 999, "x", 1), CY_ENOTFOUND);
	assert_int_equal(cy_catalog_user_set_disabled(f->c, 999, 1), CY_ENOTFOUND);
	assert_int_equal(cy_catalog_user_set_keys(f->c, 999, "p", 1, &slot, &sslot, NULL, "c", 1),
			 CY_ENOTFOUND);

	/* list: by id, with grants (pending marked) */
	{
		int64_t z = add_fonds(f->c, "Z109"), y = add_fonds(f->c, "Y200");
		assert_int_equal(cy_catalog_grant_put_slot(f->c, b, z, "S", 1, a, "t"), 0);
		assert_int_equal(cy_catalog_grant_put_pending(f->c, b, y, "A", 1, a, "t"), 0);
	}
	assert_int_equal(cy_catalog_user_list(f->c, count_user, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.ids[0], a);
	assert_int_equal(seen.ids[1], b);
	assert_string_equal(seen.grants[0], "");
	assert_true(!strcmp(seen.grants[1], "Z109,Y200*") || !strcmp(seen.grants[1], "Y200*,Z109"));
	/* a callback's non-zero stops the list and is returned */
	assert_int_equal(cy_catalog_user_list(f->c, stop_user, NULL), 42);

	cy_catalog_user_release(&u);
	cy_buf_release(&pub);
	cy_buf_release(&slot);
	cy_buf_release(&sslot);
	cy_buf_release(&aslot);
}

/* ---- fonds ---- */

typedef struct seen_fonds {
	int n;
	char codes[4][8];
	int64_t records;
} seen_fonds;

static int count_fonds(void *arg, const cy_catalog_fonds *f)
{
	seen_fonds *s = arg;

	if (s->n < 4)
		snprintf(s->codes[s->n], 8, "%s", f->code);
	s->records += f->records;
	s->n++;
	return 0;
}

static void test_catalog_fonds(void **state)
{
	fixture *f = *state;
	cy_catalog_fonds row;
	seen_fonds seen = {0};
	int64_t z, a, id;

	memset(&row, 0, sizeof(row));
	z = add_fonds(f->c, "Z109");
	a = add_fonds(f->c, "A001");
	assert_true(z != a);
	/* the code is unique */
	snprintf(row.code, sizeof(row.code), "Z109");
	snprintf(row.name, sizeof(row.name), "again");
	snprintf(row.status, sizeof(row.status), "operating");
	snprintf(row.created, sizeof(row.created), "t");
	assert_int_equal(cy_catalog_fonds_insert(f->c, &row, &id), CY_EEXISTS);
	cy_catalog_fonds_release(&row);

	memset(&row, 0, sizeof(row));
	assert_int_equal(cy_catalog_fonds_get(f->c, "Z109", &row), 0);
	assert_int_equal(row.id, z);
	assert_string_equal(row.name, "Company Z109");
	assert_string_equal(row.uscc, "");
	assert_string_equal(row.status, "operating");
	assert_string_equal(row.status_date, "");
	assert_string_equal(row.created, "2026-01-02T00:00:00Z");
	assert_int_equal(row.key_id.len, 8);
	assert_memory_equal(row.key_id.ptr, "KEYID-01", 8);
	assert_int_equal(row.recovery_slot.len, 5);
	assert_int_equal(cy_catalog_fonds_get(f->c, "Q000", &row), CY_ENOTFOUND);

	/* status with its date, and back to no date */
	assert_int_equal(cy_catalog_fonds_set_status(f->c, z, "deregistering", "2026-03-01"), 0);
	assert_int_equal(cy_catalog_fonds_get(f->c, "Z109", &row), 0);
	assert_string_equal(row.status, "deregistering");
	assert_string_equal(row.status_date, "2026-03-01");
	assert_int_equal(cy_catalog_fonds_set_status(f->c, z, "operating", NULL), 0);
	assert_int_equal(cy_catalog_fonds_get(f->c, "Z109", &row), 0);
	assert_string_equal(row.status_date, "");
	assert_int_equal(cy_catalog_fonds_set_status(f->c, 999, "operating", NULL), CY_ENOTFOUND);

	/* list: by code, no records yet */
	assert_int_equal(cy_catalog_fonds_list(f->c, count_fonds, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.codes[0], "A001");
	assert_string_equal(seen.codes[1], "Z109");
	assert_int_equal(seen.records, 0);
	cy_catalog_fonds_release(&row);
}

/* ---- grants ---- */

typedef struct seen_grants {
	int n;
	char codes[4][8];
	int active[4];
	char user[4][64];
	size_t pub_len[4];
} seen_grants;

static int count_grant(void *arg, const cy_catalog_grant *g)
{
	seen_grants *s = arg;

	if (s->n < 4) {
		snprintf(s->codes[s->n], 8, "%s", g->fonds_code);
		s->active[s->n] = g->active;
		snprintf(s->user[s->n], 64, "%s", g->user_name);
		s->pub_len[s->n] = g->user_pub.len;
	}
	s->n++;
	return 0;
}

static void test_catalog_grants(void **state)
{
	fixture *f = *state;
	cy_catalog_grant g;
	seen_grants seen;
	int64_t sec = add_user(f->c, "sec", "secadmin"), u = add_user(f->c, "li", "viewer");
	int64_t z = add_fonds(f->c, "Z109"), a = add_fonds(f->c, "A001");
	cy_buf pub = CY_BUF_INIT, slot = CY_BUF_INIT;

	memset(&g, 0, sizeof(g));
	assert_int_equal(cy_catalog_grant_get(f->c, u, z, &g), CY_ENOTFOUND);
	/* active */
	assert_int_equal(cy_catalog_grant_put_slot(f->c, u, z, "SLOT", 4, sec, "t1"), 0);
	assert_int_equal(cy_catalog_grant_get(f->c, u, z, &g), 0);
	assert_int_equal(g.user_id, u);
	assert_int_equal(g.fonds_id, z);
	assert_int_equal(g.granted_by, sec);
	assert_string_equal(g.fonds_code, "Z109");
	assert_string_equal(g.created, "t1");
	assert_true(g.active);
	assert_int_equal(g.slot.len, 4);
	assert_memory_equal(g.slot.ptr, "SLOT", 4);
	/* pending */
	assert_int_equal(cy_catalog_grant_put_pending(f->c, u, a, "AUTH", 4, sec, "t2"), 0);
	assert_int_equal(cy_catalog_grant_get(f->c, u, a, &g), 0);
	assert_false(g.active);
	assert_int_equal(g.slot.len, 0);
	assert_int_equal(g.auth.len, 4);
	/* a second put_pending replaces the auth, keeps one row */
	assert_int_equal(cy_catalog_grant_put_pending(f->c, u, a, "AUTH2", 5, sec, "t3"), 0);
	assert_int_equal(cy_catalog_grant_get(f->c, u, a, &g), 0);
	assert_int_equal(g.auth.len, 5);
	/* a user's grants by fonds code */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(cy_catalog_grant_list_user(f->c, u, count_grant, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.codes[0], "A001");
	assert_false(seen.active[0]);
	assert_string_equal(seen.codes[1], "Z109");
	assert_true(seen.active[1]);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(cy_catalog_grant_list_user(f->c, sec, count_grant, &seen), 0);
	assert_int_equal(seen.n, 0);
	/* pending grants come with their grantee's row */
	cy_buf_put(&pub, "0123456789abcdef0123456789abcdef", 32);
	cy_buf_put(&slot, "S", 1);
	assert_int_equal(
		cy_catalog_user_set_keys(f->c, u, pub.ptr, 32, &slot, &slot, NULL, "CERT", 4), 0);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(cy_catalog_grant_list_pending(f->c, count_grant, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.codes[0], "A001");
	assert_string_equal(seen.user[0], "li");
	assert_int_equal(seen.pub_len[0], 32);
	/* completing: put_slot on the pending row makes it active */
	assert_int_equal(cy_catalog_grant_put_slot(f->c, u, a, "SLOT2", 5, sec, "t4"), 0);
	assert_int_equal(cy_catalog_grant_get(f->c, u, a, &g), 0);
	assert_true(g.active);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(cy_catalog_grant_list_pending(f->c, count_grant, &seen), 0);
	assert_int_equal(seen.n, 0);
	/* back to pending (password reset), only for an existing grant */
	assert_int_equal(cy_catalog_grant_set_pending(f->c, u, z, "NEWAUTH", 7), 0);
	assert_int_equal(cy_catalog_grant_get(f->c, u, z, &g), 0);
	assert_false(g.active);
	assert_int_equal(g.auth.len, 7);
	assert_int_equal(cy_catalog_grant_set_pending(f->c, sec, z, "x", 1), CY_ENOTFOUND);
	/* delete_pending leaves an active grant alone */
	assert_int_equal(cy_catalog_grant_delete_pending(f->c, u, a), CY_ENOTFOUND);
	assert_int_equal(cy_catalog_grant_get(f->c, u, a, &g), 0);
	assert_int_equal(cy_catalog_grant_delete_pending(f->c, u, z), 0);
	assert_int_equal(cy_catalog_grant_get(f->c, u, z, &g), CY_ENOTFOUND);
	assert_int_equal(cy_catalog_grant_delete(f->c, u, a), 0);
	assert_int_equal(cy_catalog_grant_delete(f->c, u, a), CY_ENOTFOUND);
	/* a grant names an existing user and fonds */
	assert_int_equal(cy_catalog_grant_put_slot(f->c, 999, z, "S", 1, sec, "t"), CY_EINVALID);
	assert_int_equal(cy_catalog_grant_put_slot(f->c, u, 999, "S", 1, sec, "t"), CY_EINVALID);
	cy_catalog_grant_release(&g);
	cy_buf_release(&pub);
	cy_buf_release(&slot);
}

/* ---- transactions ---- */

static void test_catalog_rollback(void **state)
{
	fixture *f = *state;
	cy_catalog_user u;
	cy_catalog_fonds fo;
	cy_buf b = CY_BUF_INIT;
	uint64_t size;
	int64_t item, fid;

	memset(&u, 0, sizeof(u));
	memset(&fo, 0, sizeof(fo));
	assert_int_equal(cy_catalog_begin(f->c), 0);
	add_user(f->c, "li", "viewer");
	fid = add_fonds(f->c, "Z109");
	assert_int_equal(cy_catalog_meta_put(f->c, "k", "v", 1), 0);
	assert_int_equal(cy_catalog_ledger_state_lock(f->c, &size, &b), 0);
	assert_int_equal(
		cy_catalog_ledger_append(f->c, 1, "{}", 2,
					 (const uint8_t *)"0123456789abcdef0123456789abcdef"),
		0);
	assert_int_equal(
		cy_catalog_ledger_state_update(f->c, 1, "0123456789abcdef0123456789abcdef", 32), 0);
	assert_int_equal(cy_catalog_checkpoint_insert(f->c, 1, "note"), 0);
	assert_int_equal(cy_catalog_item_next(f->c, fid, "g", &item), 0);
	cy_catalog_rollback(f->c);
	/* nothing of it is left */
	assert_int_equal(cy_catalog_user_get(f->c, "li", &u), CY_ENOTFOUND);
	assert_int_equal(cy_catalog_fonds_get(f->c, "Z109", &fo), CY_ENOTFOUND);
	assert_int_equal(cy_catalog_meta_get(f->c, "k", &b), CY_ENOTFOUND);
	assert_int_equal(cy_catalog_checkpoint_latest(f->c, &size, NULL), CY_ENOTFOUND);
	assert_int_equal(cy_catalog_item_peek(f->c, fid, "g", &item), CY_ENOTFOUND);
	assert_int_equal(cy_catalog_begin(f->c), 0);
	assert_int_equal(cy_catalog_ledger_state_lock(f->c, &size, &b), 0);
	assert_int_equal(size, 0);
	assert_int_equal(b.len, 0);
	cy_catalog_rollback(f->c);
	/* a commit keeps everything */
	assert_int_equal(cy_catalog_begin(f->c), 0);
	add_user(f->c, "li", "viewer");
	assert_int_equal(cy_catalog_commit(f->c), 0);
	assert_int_equal(cy_catalog_user_get(f->c, "li", &u), 0);
	/* rollback with no transaction open does nothing */
	cy_catalog_rollback(f->c);
	assert_int_equal(cy_catalog_user_get(f->c, "li", &u), 0);
	cy_catalog_user_release(&u);
	cy_catalog_fonds_release(&fo);
	cy_buf_release(&b);
}

/* ---- item numbers ---- */

static void test_catalog_item_numbers(void **state)
{
	fixture *f = *state;
	int64_t z = add_fonds(f->c, "Z109"), a = add_fonds(f->c, "A001"), item, next;

	/* only inside a transaction: outside, a number could not be given back */
	assert_int_equal(cy_catalog_item_next(f->c, z, "KJ/2023/D30/", &item), CY_EINVALID);
	assert_int_equal(cy_catalog_begin(f->c), 0);
	for (int64_t i = 1; i <= 3; i++) {
		assert_int_equal(cy_catalog_item_next(f->c, z, "KJ/2023/D30/", &item), 0);
		assert_int_equal(item, i);
	}
	/* groups and fonds count apart */
	assert_int_equal(cy_catalog_item_next(f->c, z, "KJ/2024/D30/", &item), 0);
	assert_int_equal(item, 1);
	assert_int_equal(cy_catalog_item_next(f->c, a, "KJ/2023/D30/", &item), 0);
	assert_int_equal(item, 1);
	assert_int_equal(cy_catalog_commit(f->c), 0);
	assert_int_equal(cy_catalog_item_peek(f->c, z, "KJ/2023/D30/", &next), 0);
	assert_int_equal(next, 4);
	assert_int_equal(cy_catalog_item_peek(f->c, z, "WS/2023/D30/", &next), CY_ENOTFOUND);
	/* a rolled-back number is given back */
	assert_int_equal(cy_catalog_begin(f->c), 0);
	assert_int_equal(cy_catalog_item_next(f->c, z, "KJ/2023/D30/", &item), 0);
	assert_int_equal(item, 4);
	cy_catalog_rollback(f->c);
	assert_int_equal(cy_catalog_begin(f->c), 0);
	assert_int_equal(cy_catalog_item_next(f->c, z, "KJ/2023/D30/", &item), 0);
	assert_int_equal(item, 4);
	assert_int_equal(cy_catalog_commit(f->c), 0);
	/* a counter names an existing fonds */
	assert_int_equal(cy_catalog_begin(f->c), 0);
	assert_int_equal(cy_catalog_item_next(f->c, 999, "KJ/2023/D30/", &item), CY_EINVALID);
	cy_catalog_rollback(f->c);
}

/* ---- the ledger ---- */

static void leaf_of(const char *entry, uint8_t leaf[32])
{
	cy_merkle_leaf_hash(entry, strlen(entry), leaf);
}

/* One append as the vault does it: lock the state, append, store the state. */
static int append_one(cy_catalog *c, const char *entry, uint64_t *seq)
{
	cy_buf fb = CY_BUF_INIT;
	cy_frontier fr;
	uint64_t size;
	uint8_t leaf[32];
	int rc;

	rc = cy_catalog_ledger_state_lock(c, &size, &fb);
	rc = rc ? rc : cy_frontier_load(&fr, size, fb.ptr, fb.len);
	if (!rc) {
		leaf_of(entry, leaf);
		rc = cy_catalog_ledger_append(c, size + 1, entry, strlen(entry), leaf);
	}
	if (!rc) {
		cy_frontier_append(&fr, leaf);
		cy_buf_clear(&fb);
		cy_frontier_save(&fr, &fb);
		rc = cy_catalog_ledger_state_update(c, fr.size, fb.ptr, fb.len);
		*seq = fr.size;
	}
	cy_buf_release(&fb);
	return rc;
}

typedef struct seen_cps {
	int n;
	uint64_t sizes[4];
} seen_cps;

static int count_cp(void *arg, uint64_t size, const char *note)
{
	seen_cps *s = arg;

	(void)note;
	if (s->n < 4)
		s->sizes[s->n] = size;
	s->n++;
	return 0;
}

static void test_catalog_ledger(void **state)
{
	fixture *f = *state;
	cy_buf b = CY_BUF_INIT;
	cy_catalog_ledger_iter *it;
	cy_catalog_ledger_row row = {0};
	seen_cps cps = {0};
	uint64_t size, seq;
	uint8_t leaf[32];
	const char *entries[] = {"{\"seq\":1}", "{\"seq\":2}", "{\"seq\":3}"};

	/* the state is read under the writer's lock: inside a transaction only */
	assert_int_equal(cy_catalog_ledger_state_lock(f->c, &size, &b), CY_EINVALID);
	assert_int_equal(cy_catalog_begin(f->c), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(append_one(f->c, entries[i], &seq), 0);
		assert_int_equal(seq, (uint64_t)i + 1);
	}
	/* a sequence number is taken once */
	leaf_of("dup", leaf);
	assert_int_equal(cy_catalog_ledger_append(f->c, 2, "dup", 3, leaf), CY_EEXISTS);
	assert_int_equal(cy_catalog_ledger_append(f->c, 0, "zero", 4, leaf), CY_EINVALID);
	assert_int_equal(cy_catalog_checkpoint_insert(f->c, 2, "note two"), 0);
	assert_int_equal(cy_catalog_checkpoint_insert(f->c, 3, "note three"), 0);
	assert_int_equal(cy_catalog_checkpoint_insert(f->c, 3, "again"), CY_EEXISTS);
	assert_int_equal(cy_catalog_commit(f->c), 0);

	/* the state as committed */
	assert_int_equal(cy_catalog_begin(f->c), 0);
	assert_int_equal(cy_catalog_ledger_state_lock(f->c, &size, &b), 0);
	assert_int_equal(size, 3);
	assert_int_equal(b.len, 64); /* popcount(3) hashes */
	cy_catalog_rollback(f->c);

	/* iterate: everything, from, to */
	assert_int_equal(cy_catalog_ledger_iter_open(f->c, 1, 0, &it), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cy_catalog_ledger_iter_next(it, &row), 1);
		assert_int_equal(row.seq, (uint64_t)i + 1);
		assert_int_equal(row.entry.len, strlen(entries[i]));
		assert_memory_equal(row.entry.ptr, entries[i], row.entry.len);
		leaf_of(entries[i], leaf);
		assert_int_equal(row.leaf.len, 32);
		assert_memory_equal(row.leaf.ptr, leaf, 32);
		/* other catalog functions may run while an iterator is open */
		assert_int_equal(cy_catalog_checkpoint_latest(f->c, &size, NULL), 0);
	}
	assert_int_equal(cy_catalog_ledger_iter_next(it, &row), 0);
	cy_catalog_ledger_iter_free(it);
	assert_int_equal(cy_catalog_ledger_iter_open(f->c, 2, 2, &it), 0);
	assert_int_equal(cy_catalog_ledger_iter_next(it, &row), 1);
	assert_int_equal(row.seq, 2);
	assert_int_equal(cy_catalog_ledger_iter_next(it, &row), 0);
	cy_catalog_ledger_iter_free(it);
	assert_int_equal(cy_catalog_ledger_iter_open(f->c, 4, 0, &it), 0);
	assert_int_equal(cy_catalog_ledger_iter_next(it, &row), 0);
	cy_catalog_ledger_iter_free(it);

	/* checkpoints: the latest, and all by size */
	cy_buf_clear(&b);
	assert_int_equal(cy_catalog_checkpoint_latest(f->c, &size, &b), 0);
	assert_int_equal(size, 3);
	assert_string_equal(cy_buf_cstr(&b), "note three");
	assert_int_equal(cy_catalog_checkpoint_list(f->c, count_cp, &cps), 0);
	assert_int_equal(cps.n, 2);
	assert_int_equal(cps.sizes[0], 2);
	assert_int_equal(cps.sizes[1], 3);
	cy_catalog_ledger_row_release(&row);
	cy_buf_release(&b);
}

/* ---- what check reads, on an empty catalog; integrity ---- */

static int count_any(void *arg, const void *row)
{
	(void)row;
	(*(int *)arg)++;
	return 0;
}

static int count_pack(void *arg, const char *name, uint64_t size)
{
	(void)size;
	return count_any(arg, name);
}

static int count_group(void *arg, const cy_catalog_item_group *g)
{
	return count_any(arg, g);
}

static int count_record(void *arg, const cy_catalog_check_record *r)
{
	return count_any(arg, r);
}

static void count_problem(void *arg, const char *problem)
{
	(void)problem;
	(*(int *)arg)++;
}

static void test_catalog_check_reads(void **state)
{
	fixture *f = *state;
	uint64_t count = 1, bytes = 1;
	int n = 0;

	add_fonds(f->c, "Z109");
	assert_int_equal(cy_catalog_check_packs(f->c, count_pack, &n), 0);
	assert_int_equal(cy_catalog_check_item_groups(f->c, count_group, &n), 0);
	assert_int_equal(cy_catalog_check_records(f->c, 0, 1000, count_record, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cy_catalog_check_record_totals(f->c, &count, &bytes), 0);
	assert_int_equal(count, 0);
	assert_int_equal(bytes, 0);
	assert_int_equal(cy_catalog_integrity(f->c, count_problem, &n), 0);
	assert_int_equal(n, 0);
}

/* ---- two writers at once ---- */

#define WRITERS 2
#define ROUNDS 150

/* Run body(c, k, fd) in WRITERS processes, each on its own connection;
 * each writes what it committed to its pipe.  Returns the bytes read from
 * each pipe in out[k]. */
typedef int (*writer_fn)(cy_catalog *c, int k, int fd, void *arg);

static void run_writers(fixture *f, writer_fn body, void *arg, cy_buf out[WRITERS])
{
	pid_t pid[WRITERS];
	int fds[WRITERS][2];

	/* no connection is carried across fork */
	cy_catalog_close(f->c);
	f->c = NULL;
	for (int k = 0; k < WRITERS; k++) {
		assert_int_equal(pipe(fds[k]), 0);
		pid[k] = fork();
		assert_true(pid[k] >= 0);
		if (pid[k] == 0) {
			cy_catalog *c;
			int rc;
			close(fds[k][0]);
			rc = f->b->open(&c, f->where, 0);
			rc = rc ? rc : body(c, k, fds[k][1], arg);
			if (rc)
				fprintf(stderr, "writer %d: %s\n", k, cy_error_message());
			cy_catalog_close(c);
			_exit(rc ? 1 : 0);
		}
		close(fds[k][1]);
	}
	for (int k = 0; k < WRITERS; k++) {
		char chunk[4096];
		ssize_t r;
		while ((r = read(fds[k][0], chunk, sizeof(chunk))) > 0)
			cy_buf_put(&out[k], chunk, (size_t)r);
		close(fds[k][0]);
	}
	for (int k = 0; k < WRITERS; k++) {
		int st;
		assert_int_equal(waitpid(pid[k], &st, 0), pid[k]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	assert_int_equal(f->b->open(&f->c, f->where, 0), 0);
}

static int write_all(int fd, const void *p, size_t n)
{
	return write(fd, p, n) == (ssize_t)n ? 0 : CY_EIO;
}

static int number_writer(cy_catalog *c, int k, int fd, void *arg)
{
	int64_t fonds = *(int64_t *)arg, item;
	int rc = 0;

	for (int i = 0; !rc && i < ROUNDS; i++) {
		rc = cy_catalog_begin(c);
		rc = rc ? rc : cy_catalog_item_next(c, fonds, "KJ/2023/D30/", &item);
		if (rc)
			break;
		if ((i + k) % 7 == 3) {
			/* some give their number back */
			cy_catalog_rollback(c);
			continue;
		}
		rc = cy_catalog_commit(c);
		rc = rc ? rc : write_all(fd, &item, sizeof(item));
	}
	if (rc)
		cy_catalog_rollback(c);
	return rc;
}

static void test_catalog_concurrent_numbering(void **state)
{
	fixture *f = *state;
	int64_t fonds = add_fonds(f->c, "Z109"), next;
	cy_buf got[WRITERS] = {CY_BUF_INIT, CY_BUF_INIT};
	size_t total = 0;
	uint8_t *seen;

	run_writers(f, number_writer, &fonds, got);
	for (int k = 0; k < WRITERS; k++)
		total += got[k].len / sizeof(int64_t);
	/* every committed number once, and no gap: exactly 1..total */
	seen = calloc(total + 1, 1);
	assert_non_null(seen);
	for (int k = 0; k < WRITERS; k++) {
		for (size_t i = 0; i + sizeof(int64_t) <= got[k].len; i += sizeof(int64_t)) {
			int64_t item;
			memcpy(&item, got[k].ptr + i, sizeof(item));
			assert_true(item >= 1 && (size_t)item <= total);
			assert_int_equal(seen[item], 0);
			seen[item] = 1;
		}
		cy_buf_release(&got[k]);
	}
	assert_true(total > ROUNDS); /* both wrote */
	assert_int_equal(cy_catalog_item_peek(f->c, fonds, "KJ/2023/D30/", &next), 0);
	assert_int_equal(next, (int64_t)total + 1);
	free(seen);
}

static int ledger_writer(cy_catalog *c, int k, int fd, void *arg)
{
	char entry[64];
	uint64_t seq;
	int rc = 0;

	(void)arg;
	for (int i = 0; !rc && i < ROUNDS; i++) {
		rc = cy_catalog_begin(c);
		if (rc)
			break;
		/* sometimes two entries in one transaction, sometimes one rolled back */
		snprintf(entry, sizeof(entry), "{\"writer\":%d,\"n\":%d}", k, i);
		rc = append_one(c, entry, &seq);
		if (!rc && i % 5 == 1) {
			snprintf(entry, sizeof(entry), "{\"writer\":%d,\"n\":%d,\"second\":1}", k,
				 i);
			rc = append_one(c, entry, &seq);
		}
		if (!rc && i % 11 == 4) {
			cy_catalog_rollback(c);
			continue;
		}
		rc = rc ? rc : cy_catalog_commit(c);
		rc = rc ? rc : write_all(fd, &i, sizeof(i));
	}
	if (rc)
		cy_catalog_rollback(c);
	return rc;
}

static void test_catalog_concurrent_ledger(void **state)
{
	fixture *f = *state;
	cy_buf got[WRITERS] = {CY_BUF_INIT, CY_BUF_INIT}, fb = CY_BUF_INIT;
	cy_catalog_ledger_iter *it;
	cy_catalog_ledger_row row = {0};
	cy_frontier fr, stored;
	uint8_t leaf[32], root[32], sroot[32];
	int committed[WRITERS][ROUNDS] = {{0}}, found[WRITERS][ROUNDS][2];
	uint64_t size, expect_entries = 0;
	int rc;

	memset(found, 0, sizeof(found));
	run_writers(f, ledger_writer, NULL, got);
	for (int k = 0; k < WRITERS; k++) {
		for (size_t i = 0; i + sizeof(int) <= got[k].len; i += sizeof(int)) {
			int n;
			memcpy(&n, got[k].ptr + i, sizeof(n));
			assert_true(n >= 0 && n < ROUNDS);
			committed[k][n] = 1;
			expect_entries += n % 5 == 1 ? 2 : 1;
		}
		cy_buf_release(&got[k]);
	}
	/* read back: seq 1..N without a gap, each leaf the hash of its entry,
	 * each committed entry exactly once, nothing of a rolled-back one */
	cy_frontier_init(&fr);
	assert_int_equal(cy_catalog_ledger_iter_open(f->c, 1, 0, &it), 0);
	while ((rc = cy_catalog_ledger_iter_next(it, &row)) == 1) {
		int k, n, second = 0;
		char text[64];
		assert_int_equal(row.seq, fr.size + 1);
		assert_true(row.entry.len < sizeof(text));
		memcpy(text, row.entry.ptr, row.entry.len);
		text[row.entry.len] = 0;
		assert_true(sscanf(text, "{\"writer\":%d,\"n\":%d", &k, &n) == 2);
		second = strstr(text, "second") != NULL;
		assert_true(k >= 0 && k < WRITERS && n >= 0 && n < ROUNDS);
		assert_true(committed[k][n]);
		assert_int_equal(found[k][n][second], 0);
		found[k][n][second] = 1;
		cy_merkle_leaf_hash(row.entry.ptr, row.entry.len, leaf);
		assert_int_equal(row.leaf.len, 32);
		assert_memory_equal(row.leaf.ptr, leaf, 32);
		cy_frontier_append(&fr, leaf);
	}
	assert_int_equal(rc, 0);
	cy_catalog_ledger_iter_free(it);
	assert_int_equal(fr.size, expect_entries);
	assert_true(fr.size > ROUNDS); /* both wrote */
	/* the stored tree state is the tree of exactly these entries */
	assert_int_equal(cy_catalog_begin(f->c), 0);
	assert_int_equal(cy_catalog_ledger_state_lock(f->c, &size, &fb), 0);
	cy_catalog_rollback(f->c);
	assert_int_equal(size, fr.size);
	assert_int_equal(cy_frontier_load(&stored, size, fb.ptr, fb.len), 0);
	cy_frontier_root(&fr, root);
	cy_frontier_root(&stored, sroot);
	assert_memory_equal(root, sroot, 32);
	cy_catalog_ledger_row_release(&row);
	cy_buf_release(&fb);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_catalog_meta),
		T(test_catalog_users),
		T(test_catalog_fonds),
		T(test_catalog_grants),
		T(test_catalog_rollback),
		T(test_catalog_item_numbers),
		T(test_catalog_ledger),
		T(test_catalog_check_reads),
		T(test_catalog_concurrent_numbering),
		T(test_catalog_concurrent_ledger),
	};
	int failed = 0;

	for (size_t i = 0; i < sizeof(BACKENDS) / sizeof(BACKENDS[0]); i++) {
		current = &BACKENDS[i];
		failed += cmocka_run_group_tests_name(BACKENDS[i].name, tests, NULL, NULL);
	}
	return failed;
}
