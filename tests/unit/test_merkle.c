/* test_merkle.c - the ledger's Merkle tree against the RFC 6962 vectors of
 * transparency-dev/merkle (read in place from ../shared/testdata/merkle), and
 * property checks over random trees against a direct transcription of the
 * RFC 9162 recursive definitions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "custody/buf.h"
#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "ledger/merkle.h"
#include "json_mini.h"
#include "testutil.h"

#include "custody/banned.h"

#define VECTORS CY_TESTDATA "/merkle/rfc6962_vectors.json"
#define MAXLEAVES 300

static jm_value *vectors;
static uint8_t rfc_leaves[8][32]; /* leaf hashes of the 8 RFC 6962 leaves */

static int load_vectors(void **state)
{
	cy_buf b = CY_BUF_INIT;
	char err[128];
	const jm_value *lh;

	(void)state;
	if (tu_read_file(VECTORS, &b)) {
		fprintf(stderr, "cannot read %s\n", VECTORS);
		return -1;
	}
	vectors = jm_parse((const char *)b.ptr, b.len, err, sizeof(err));
	cy_buf_release(&b);
	if (!vectors) {
		fprintf(stderr, "%s: %s\n", VECTORS, err);
		return -1;
	}
	lh = jm_get(vectors, "leaf_hashes_hex");
	if (jm_len(lh) != 8)
		return -1;
	for (size_t i = 0; i < 8; i++) {
		if (tu_unhex(jm_str(jm_at(lh, i)), rfc_leaves[i], 32) != 32)
			return -1;
	}
	return 0;
}

static int free_vectors(void **state)
{
	(void)state;
	jm_free(vectors);
	vectors = NULL;
	return 0;
}

/* A hash field of the vectors as a fixed 32-byte value.  Some cases carry
 * placeholder hashes of other lengths ("" or 12-byte strings); they are
 * zero-padded, which keeps them distinct from every real hash.  Returns the
 * decoded length. */
static long hash32(const jm_value *v, uint8_t out[32])
{
	uint8_t tmp[64];
	long n;

	memset(out, 0, 32);
	assert_non_null(jm_str(v));
	n = tu_unhex(jm_str(v), tmp, sizeof(tmp));
	assert_true(n >= 0 && n <= 32);
	memcpy(out, tmp, (size_t)n);
	return n;
}

static void unhex_ok(const char *hex, uint8_t out[32])
{
	assert_int_equal(tu_unhex(hex, out, 32), 32);
}

/* The proof list of a case, each element as a 32-byte hash (see hash32). */
static void proof_of(const jm_value *c, cy_buf *proof)
{
	const jm_value *p = jm_get(c, "proof");

	for (size_t i = 0; i < jm_len(p); i++) {
		uint8_t h[32];

		hash32(jm_at(p, i), h);
		assert_int_equal(cy_buf_put(proof, h, 32), 0);
	}
}

static uint64_t u64_of(const jm_value *c, const char *key)
{
	const jm_value *v = jm_get(c, key);

	assert_non_null(v);
	assert_true(v->type == JM_NUMBER && v->is_u64);
	return v->u64;
}

static bool bool_of(const jm_value *c, const char *key)
{
	const jm_value *v = jm_get(c, key);

	assert_non_null(v);
	assert_int_equal(v->type, JM_BOOL);
	return v->boolean;
}

static void test_merkle_leaf_hashes(void **state)
{
	const jm_value *leaves = jm_get(vectors, "leaves_hex");
	const jm_value *levels = jm_get(vectors, "node_hashes_by_level");

	(void)state;
	assert_int_equal(jm_len(leaves), 8);
	for (size_t i = 0; i < 8; i++) {
		uint8_t data[64], h[32];
		long n = tu_unhex(jm_str(jm_at(leaves, i)), data, sizeof(data));

		assert_true(n >= 0);
		cy_merkle_leaf_hash(data, (size_t)n, h);
		assert_memory_equal(h, rfc_leaves[i], 32);
	}
	/* every interior node of the 8-leaf tree */
	assert_int_equal(jm_len(levels), 4);
	for (size_t l = 1; l < 4; l++) {
		const jm_value *below = jm_at(levels, l - 1), *here = jm_at(levels, l);

		assert_int_equal(jm_len(here) * 2, jm_len(below));
		for (size_t j = 0; j < jm_len(here); j++) {
			uint8_t a[32], b[32], want[32], got[32];

			hash32(jm_at(below, 2 * j), a);
			hash32(jm_at(below, 2 * j + 1), b);
			hash32(jm_at(here, j), want);
			cy_merkle_node_hash(a, b, got);
			assert_memory_equal(got, want, 32);
		}
	}
}

static void test_merkle_roots(void **state)
{
	const jm_value *roots = jm_get(vectors, "root_hash_by_tree_size");

	(void)state;
	assert_int_equal(jm_len(roots), 9);
	for (uint64_t n = 0; n <= 8; n++) {
		char key[8];
		uint8_t want[32], got[32];

		snprintf(key, sizeof(key), "%llu", (unsigned long long)n);
		assert_int_equal(hash32(jm_get(roots, key), want), 32);
		assert_int_equal(cy_merkle_root((const uint8_t(*)[32])rfc_leaves, n, got), 0);
		assert_memory_equal(got, want, 32);
	}
	/* the empty tree needs no leaves at all */
	{
		uint8_t got[32], want[32];

		assert_int_equal(cy_merkle_root(NULL, 0, got), 0);
		cy_sha256("", 0, want);
		assert_memory_equal(got, want, 32);
	}
}

static void test_merkle_inclusion_vectors(void **state)
{
	const jm_value *cases = jm_get(vectors, "inclusion_proofs");
	size_t valid = 0, compared = 0;

	(void)state;
	assert_int_equal(jm_len(cases), 103);
	for (size_t i = 0; i < jm_len(cases); i++) {
		const jm_value *c = jm_at(cases, i);
		const jm_value *note = jm_get(c, "policy_note");
		uint64_t index = u64_of(c, "leaf_index"), size = u64_of(c, "tree_size");
		bool expect = bool_of(c, "expected_valid");
		uint8_t leaf[32], root[32];
		cy_buf proof = CY_BUF_INIT;
		long leaf_len;
		int rc;

		leaf_len = hash32(jm_get(c, "leaf_hash"), leaf);
		hash32(jm_get(c, "root"), root);
		proof_of(c, &proof);
		/* The vectors' convention: a leaf hash that is not 32 bytes is
		 * rejected before any hashing.  Our API takes uint8_t[32], so such
		 * a leaf cannot even be passed. */
		if (leaf_len != 32) {
			assert_false(expect);
			cy_buf_release(&proof);
			continue;
		}
		rc = cy_merkle_verify_inclusion(index, size, leaf, proof.ptr, proof.len, root);
		if ((rc == 0) != expect)
			fail_msg("inclusion case %zu (%s, leaf %llu of %llu): rc %d, expected "
				 "%s: %s",
				 i, jm_str(jm_get(c, "desc")), (unsigned long long)index,
				 (unsigned long long)size, rc, expect ? "valid" : "invalid",
				 cy_error_message());
		if (!expect)
			assert_true(rc == CY_EINVALID || rc == CY_ECORRUPT);
		if (note && strstr(jm_str(note), "leaf_index >= tree_size"))
			assert_int_equal(rc, CY_EINVALID);
		if (expect) {
			cy_buf gen = CY_BUF_INIT;

			valid++;
			if (size <= 8 && !memcmp(leaf, rfc_leaves[index], 32)) {
				assert_int_equal(
					cy_merkle_inclusion_proof((const uint8_t(*)[32])rfc_leaves,
								  size, index, &gen),
					0);
			} else {
				/* a one-leaf tree of an arbitrary hash */
				assert_int_equal(size, 1);
				assert_int_equal(cy_merkle_inclusion_proof(
							 (const uint8_t(*)[32])leaf, 1, 0, &gen),
						 0);
			}
			assert_int_equal(gen.len, proof.len);
			if (proof.len)
				assert_memory_equal(gen.ptr, proof.ptr, proof.len);
			compared++;
			cy_buf_release(&gen);
		}
		cy_buf_release(&proof);
	}
	assert_int_equal(valid, 11);
	assert_int_equal(compared, valid);
}

static void test_merkle_consistency_vectors(void **state)
{
	const jm_value *cases = jm_get(vectors, "consistency_proofs");
	size_t valid = 0;

	(void)state;
	assert_int_equal(jm_len(cases), 103);
	for (size_t i = 0; i < jm_len(cases); i++) {
		const jm_value *c = jm_at(cases, i);
		const jm_value *note = jm_get(c, "policy_note");
		uint64_t size1 = u64_of(c, "size1"), size2 = u64_of(c, "size2");
		bool expect = bool_of(c, "expected_valid");
		uint8_t root1[32], root2[32];
		cy_buf proof = CY_BUF_INIT;
		int rc;

		hash32(jm_get(c, "root1"), root1);
		hash32(jm_get(c, "root2"), root2);
		proof_of(c, &proof);
		rc = cy_merkle_verify_consistency(size1, size2, root1, root2, proof.ptr, proof.len);
		if ((rc == 0) != expect)
			fail_msg("consistency case %zu (%s, %llu -> %llu): rc %d, expected %s: %s",
				 i, jm_str(jm_get(c, "desc")), (unsigned long long)size1,
				 (unsigned long long)size2, rc, expect ? "valid" : "invalid",
				 cy_error_message());
		if (!expect)
			assert_true(rc == CY_EINVALID || rc == CY_ECORRUPT);
		if (note || size1 > size2 || size1 == 0)
			assert_int_equal(rc, CY_EINVALID);
		if (expect) {
			cy_buf gen = CY_BUF_INIT;

			valid++;
			/* every valid case is about the RFC tree (or two equal sizes,
			 * whose proof is empty whatever the leaves) */
			assert_true(size2 <= 8);
			assert_int_equal(
				cy_merkle_consistency_proof((const uint8_t(*)[32])rfc_leaves, size2,
							    size1, &gen),
				0);
			assert_int_equal(gen.len, proof.len);
			if (proof.len)
				assert_memory_equal(gen.ptr, proof.ptr, proof.len);
			cy_buf_release(&gen);
		}
		cy_buf_release(&proof);
	}
	assert_int_equal(valid, 11);
}

/* --- RFC 9162 section 2.1, transcribed recursively ------------------------ */

static uint64_t ref_split(uint64_t n)
{
	uint64_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

static void ref_mth(const uint8_t (*d)[32], uint64_t n, uint8_t out[32])
{
	uint8_t l[32], r[32];
	uint64_t k;

	if (n == 0) {
		cy_sha256("", 0, out);
		return;
	}
	if (n == 1) {
		memcpy(out, d[0], 32);
		return;
	}
	k = ref_split(n);
	ref_mth(d, k, l);
	ref_mth(d + k, n - k, r);
	cy_merkle_node_hash(l, r, out);
}

static void ref_path(uint64_t m, const uint8_t (*d)[32], uint64_t n, cy_buf *out)
{
	uint8_t h[32];
	uint64_t k;

	if (n <= 1)
		return;
	k = ref_split(n);
	if (m < k) {
		ref_path(m, d, k, out);
		ref_mth(d + k, n - k, h);
	} else {
		ref_path(m - k, d + k, n - k, out);
		ref_mth(d, k, h);
	}
	cy_buf_put(out, h, 32);
}

static void ref_subproof(uint64_t m, const uint8_t (*d)[32], uint64_t n, bool b, cy_buf *out)
{
	uint8_t h[32];
	uint64_t k;

	if (m == n) {
		if (!b) {
			ref_mth(d, n, h);
			cy_buf_put(out, h, 32);
		}
		return;
	}
	k = ref_split(n);
	if (m <= k) {
		ref_subproof(m, d, k, b, out);
		ref_mth(d + k, n - k, h);
	} else {
		ref_subproof(m - k, d + k, n - k, false, out);
		ref_mth(d, k, h);
	}
	cy_buf_put(out, h, 32);
}

/* Deterministic pseudo-random leaf hashes (splitmix64). */
static void fill_leaves(uint8_t (*d)[32], uint64_t n, uint64_t seed)
{
	for (uint64_t i = 0; i < n; i++) {
		for (int j = 0; j < 4; j++) {
			uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);

			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
			z ^= z >> 31;
			cy_store_u64be(d[i] + 8 * j, z);
		}
	}
}

/* Tree sizes for the property checks: every size up to 70 (all shapes of the
 * small trees) and sizes around powers of two up to 300. */
static const uint64_t big_sizes[] = {127, 128, 129, 200, 255, 256, 257, 299, 300};

static void check_tree(const uint8_t (*d)[32], uint64_t n)
{
	uint8_t root[32], want[32], old[32];
	cy_buf proof = CY_BUF_INIT, ref = CY_BUF_INIT;

	assert_int_equal(cy_merkle_root(d, n, root), 0);
	ref_mth(d, n, want);
	assert_memory_equal(root, want, 32);

	for (uint64_t i = 0; i < n; i++) {
		cy_buf_clear(&proof);
		cy_buf_clear(&ref);
		assert_int_equal(cy_merkle_inclusion_proof(d, n, i, &proof), 0);
		ref_path(i, d, n, &ref);
		assert_int_equal(proof.len, ref.len);
		if (ref.len)
			assert_memory_equal(proof.ptr, ref.ptr, ref.len);
		assert_int_equal(cy_merkle_verify_inclusion(i, n, d[i], proof.ptr, proof.len, root),
				 0);
		/* a flipped byte anywhere in the proof, the leaf or the root */
		for (size_t j = 0; j < proof.len; j++) {
			proof.ptr[j] ^= 0x01;
			assert_int_equal(cy_merkle_verify_inclusion(i, n, d[i], proof.ptr,
								    proof.len, root),
					 CY_ECORRUPT);
			proof.ptr[j] ^= 0x01;
		}
		{
			uint8_t leaf[32], other[32];

			memcpy(leaf, d[i], 32);
			leaf[i % 32] ^= 0x80;
			assert_int_equal(cy_merkle_verify_inclusion(i, n, leaf, proof.ptr,
								    proof.len, root),
					 CY_ECORRUPT);
			memcpy(other, root, 32);
			other[31 - i % 32] ^= 0x04;
			assert_int_equal(cy_merkle_verify_inclusion(i, n, d[i], proof.ptr,
								    proof.len, other),
					 CY_ECORRUPT);
		}
		/* wrong shape */
		if (proof.len) {
			assert_int_equal(cy_merkle_verify_inclusion(i, n, d[i], proof.ptr,
								    proof.len - 32, root),
					 CY_EINVALID);
			assert_int_equal(cy_merkle_verify_inclusion(i, n, d[i], proof.ptr,
								    proof.len - 1, root),
					 CY_EINVALID);
		}
		assert_int_equal(cy_buf_put(&proof, root, 32), 0);
		assert_int_equal(cy_merkle_verify_inclusion(i, n, d[i], proof.ptr, proof.len, root),
				 CY_EINVALID);
		proof.len -= 32;
		assert_int_equal(cy_merkle_verify_inclusion(n, n, d[i], proof.ptr, proof.len, root),
				 CY_EINVALID);
		if (n > 1)
			assert_int_not_equal(cy_merkle_verify_inclusion((i ^ 1) < n ? i ^ 1 : i - 1,
									n, d[i], proof.ptr,
									proof.len, root),
					     0);
	}

	for (uint64_t m = 1; m <= n; m++) {
		cy_buf_clear(&proof);
		cy_buf_clear(&ref);
		assert_int_equal(cy_merkle_consistency_proof(d, n, m, &proof), 0);
		ref_subproof(m, d, n, true, &ref);
		assert_int_equal(proof.len, ref.len);
		if (ref.len)
			assert_memory_equal(proof.ptr, ref.ptr, ref.len);
		assert_int_equal(cy_merkle_root(d, m, old), 0);
		assert_int_equal(
			cy_merkle_verify_consistency(m, n, old, root, proof.ptr, proof.len), 0);
		for (size_t j = 0; j < proof.len; j++) {
			proof.ptr[j] ^= 0x01;
			assert_int_equal(cy_merkle_verify_consistency(m, n, old, root, proof.ptr,
								      proof.len),
					 CY_ECORRUPT);
			proof.ptr[j] ^= 0x01;
		}
		old[m % 32] ^= 0x10;
		assert_int_equal(cy_merkle_verify_consistency(m, n, old, root, proof.ptr,
							      proof.len),
				 CY_ECORRUPT);
		old[m % 32] ^= 0x10;
		root[m % 32] ^= 0x10;
		assert_int_equal(cy_merkle_verify_consistency(m, n, old, root, proof.ptr,
							      proof.len),
				 CY_ECORRUPT);
		root[m % 32] ^= 0x10;
		if (proof.len) {
			assert_int_equal(cy_merkle_verify_consistency(m, n, old, root, proof.ptr,
								      proof.len - 32),
					 CY_EINVALID);
			assert_int_equal(cy_merkle_verify_consistency(
						 m, n, old, root, proof.ptr + 32, proof.len - 32),
					 CY_EINVALID);
		}
		assert_int_equal(cy_buf_put(&proof, old, 32), 0);
		assert_int_equal(cy_merkle_verify_consistency(m, n, old, root, proof.ptr,
							      proof.len),
				 CY_EINVALID);
		proof.len -= 32;
		/* swapped roots are wrong unless the trees are the same */
		if (m < n)
			assert_int_not_equal(cy_merkle_verify_consistency(m, n, root, old,
									  proof.ptr, proof.len),
					     0);
		assert_int_equal(cy_merkle_verify_consistency(n, m, root, old, proof.ptr,
							      proof.len),
				 m == n ? 0 : CY_EINVALID);
	}
	cy_buf_release(&proof);
	cy_buf_release(&ref);
}

static void test_merkle_random_trees(void **state)
{
	uint8_t(*d)[32] = malloc(MAXLEAVES * sizeof(*d));

	(void)state;
	assert_non_null(d);
	for (uint64_t n = 1; n <= 70; n++) {
		fill_leaves(d, n, n * 7919);
		check_tree((const uint8_t(*)[32])d, n);
	}
	for (size_t i = 0; i < sizeof(big_sizes) / sizeof(big_sizes[0]); i++) {
		fill_leaves(d, big_sizes[i], big_sizes[i]);
		check_tree((const uint8_t(*)[32])d, big_sizes[i]);
	}
	free(d);
}

static void test_merkle_bad_arguments(void **state)
{
	uint8_t d[4][32], root[32], z[64 * 32];
	cy_buf proof = CY_BUF_INIT;

	(void)state;
	fill_leaves(d, 4, 1);
	assert_int_equal(cy_merkle_root((const uint8_t(*)[32])d, 4, root), 0);
	assert_int_equal(cy_merkle_inclusion_proof((const uint8_t(*)[32])d, 4, 4, &proof),
			 CY_EINVALID);
	assert_int_equal(cy_merkle_inclusion_proof((const uint8_t(*)[32])d, 0, 0, &proof),
			 CY_EINVALID);
	assert_int_equal(cy_merkle_consistency_proof((const uint8_t(*)[32])d, 4, 0, &proof),
			 CY_EINVALID);
	assert_int_equal(cy_merkle_consistency_proof((const uint8_t(*)[32])d, 4, 5, &proof),
			 CY_EINVALID);
	assert_int_equal(cy_merkle_root(NULL, 3, root), CY_EINVALID);
	assert_int_equal(proof.len, 0);

	/* proofs are appended to what the buffer already holds */
	assert_int_equal(cy_buf_puts(&proof, "x"), 0);
	assert_int_equal(cy_merkle_inclusion_proof((const uint8_t(*)[32])d, 4, 1, &proof), 0);
	assert_int_equal(proof.len, 1 + 2 * 32);
	assert_memory_equal(proof.ptr + 1, d[0], 32);
	assert_int_equal(cy_merkle_verify_inclusion(1, 4, d[1], proof.ptr + 1, 64, root), 0);
	cy_buf_release(&proof);

	/* huge sizes: shapes computed without overflow, mismatches reported */
	memset(z, 0, sizeof(z));
	assert_int_equal(cy_merkle_verify_inclusion(0, UINT64_MAX, d[0], z, 64 * 32, root),
			 CY_ECORRUPT);
	assert_int_equal(cy_merkle_verify_inclusion(0, UINT64_MAX, d[0], z, 63 * 32, root),
			 CY_EINVALID);
	assert_int_equal(cy_merkle_verify_inclusion(UINT64_MAX - 1, UINT64_MAX, d[0], z, 63 * 32,
						    root),
			 CY_ECORRUPT);
	assert_int_equal(cy_merkle_verify_inclusion(UINT64_MAX, UINT64_MAX, d[0], z, 0, root),
			 CY_EINVALID);
	assert_int_equal(cy_merkle_verify_consistency(1, UINT64_MAX, d[0], root, z, 64 * 32),
			 CY_ECORRUPT);
	assert_int_equal(cy_merkle_verify_consistency((uint64_t)1 << 63, UINT64_MAX, d[0], root, z,
						      32),
			 CY_ECORRUPT);
	assert_int_equal(cy_merkle_verify_consistency((uint64_t)1 << 63, UINT64_MAX, d[0], root, z,
						      64),
			 CY_EINVALID);
	assert_int_equal(cy_merkle_verify_consistency(UINT64_MAX - 1, UINT64_MAX, d[0], root, z,
						      64 * 32),
			 CY_ECORRUPT);
	assert_int_equal(cy_merkle_verify_consistency(3, 2, d[0], root, NULL, 0), CY_EINVALID);
	assert_int_equal(cy_merkle_verify_consistency(0, 0, root, root, NULL, 0), CY_EINVALID);
	assert_int_equal(cy_merkle_verify_consistency(4, 4, root, root, NULL, 0), 0);
	assert_int_equal(cy_merkle_verify_consistency(4, 4, root, d[0], NULL, 0), CY_ECORRUPT);
	assert_int_equal(cy_merkle_verify_consistency(4, 4, root, root, z, 32), CY_EINVALID);
	assert_int_equal(cy_merkle_verify_consistency(3, 4, d[0], root, NULL, 0), CY_EINVALID);
	assert_int_equal(cy_merkle_verify_consistency(3, 4, d[0], root, z, 31), CY_EINVALID);
}

/* Entries above the stack-copy limit take the streaming path: same hash. */
static void test_merkle_leaf_hash_long(void **state)
{
	size_t sizes[] = {0, 1, 2047, 2048, 2049, 4096, 100000};
	uint8_t *buf = malloc(100001);

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < 100001; i++)
		buf[i] = (uint8_t)(i * 31 + 7);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t got[32], want[32];

		buf[0] = 0x00;
		cy_merkle_leaf_hash(buf + 1, sizes[i], got);
		cy_sha256(buf, sizes[i] + 1, want);
		assert_memory_equal(got, want, 32);
	}
	free(buf);
}

/* The entry example of docs/formats/ledger.md section 1. */
static void test_merkle_entry_example(void **state)
{
	static const char entry[] =
		"{\"seq\":42,\"time\":\"2025-03-01T08:30:00Z\",\"actor\":\"u3\",\"action\":"
		"\"record.import\",\"targets\":[\"F001\",\"F001-KJ\xc2\xb7"
		"2024-Y-CW-0001\"],"
		"\"details\":{\"files\":2,\"source\":\"csv\"}}";
	uint8_t got[32], want[32];

	(void)state;
	assert_int_equal(strlen(entry), 160);
	cy_merkle_leaf_hash(entry, strlen(entry), got);
	unhex_ok("1bcdc7cbc561ccb3181187a15579b235a5fae1f1633ad6165abc55df68b57d59", want);
	assert_memory_equal(got, want, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merkle_leaf_hashes),
		cmocka_unit_test(test_merkle_roots),
		cmocka_unit_test(test_merkle_inclusion_vectors),
		cmocka_unit_test(test_merkle_consistency_vectors),
		cmocka_unit_test(test_merkle_random_trees),
		cmocka_unit_test(test_merkle_bad_arguments),
		cmocka_unit_test(test_merkle_leaf_hash_long),
		cmocka_unit_test(test_merkle_entry_example),
	};

	return cmocka_run_group_tests(tests, load_vectors, free_vectors);
}
