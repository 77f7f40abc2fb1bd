/* merkle.c - the ledger's Merkle tree: RFC 6962 hashing, and inclusion and
 * consistency proofs as RFC 9162 section 2.1 defines them.
 *
 * Roots are computed in one pass over the leaf hashes with a stack of at most
 * 64 perfect subtrees (O(n) time, O(log n) memory), so a ledger of millions of
 * entries needs no tree in memory.  Proof generation walks down from the root
 * and hashes each sibling subtree once, so it too is O(n).  Verification
 * follows transparency-dev/merkle: the expected proof length is computed from
 * the sizes first, so a proof of the wrong shape is CY_EINVALID and only a
 * proof of the right shape that leads elsewhere is CY_ECORRUPT.  Details in
 * docs/formats/ledger.md. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "custody/error.h"
#include "ledger/merkle.h"

#include "custody/banned.h"

#define HLEN 32
/* A uint64_t size has at most 64 levels above its leaves. */
#define MAX_DEPTH 64
/* Entries up to this size are hashed from a stack copy; larger ones stream. */
#define LEAF_STACK_MAX 2048

void cy_merkle_leaf_hash(const void *entry, size_t n, uint8_t out[32])
{
	uint8_t tmp[1 + LEAF_STACK_MAX];
	cy_sha256_ctx *c = NULL;
	static const uint8_t prefix = 0x00;

	if (n <= LEAF_STACK_MAX) {
		tmp[0] = prefix;
		if (n)
			memcpy(tmp + 1, entry, n);
		cy_sha256(tmp, n + 1, out);
		return;
	}
	/* The streaming context can only fail to allocate.  This interface is void
	 * like cy_sha256, so it does what cy_sha256 does: a wrong leaf hash would
	 * be worse than stopping. */
	if (cy_sha256_new(&c) || cy_sha256_update(c, &prefix, 1) || cy_sha256_update(c, entry, n) ||
	    cy_sha256_final(c, out))
		abort();
	cy_sha256_free(c);
}

void cy_merkle_node_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
	uint8_t tmp[1 + 2 * HLEN];

	tmp[0] = 0x01;
	memcpy(tmp + 1, l, HLEN);
	memcpy(tmp + 1 + HLEN, r, HLEN);
	cy_sha256(tmp, sizeof(tmp), out);
}

/* Number of significant bits of x (0 for 0). */
static unsigned bit_len(uint64_t x)
{
	return x ? 64 - (unsigned)__builtin_clzll(x) : 0;
}

/* The largest power of two strictly less than n (n >= 2): RFC 6962's split k. */
static uint64_t split_point(uint64_t n)
{
	return (uint64_t)1 << (bit_len(n - 1) - 1);
}

/* MTH of leaves[0..n), n >= 1.  Leaf i is pushed, then the stack is merged
 * once for every trailing zero bit of i + 1, so the stack holds exactly one
 * perfect subtree per set bit of the count so far; folding it from the right
 * gives the RFC 6962 split (largest power of two on the left) at every level. */
static void subtree_root(const uint8_t (*leaves)[32], uint64_t n, uint8_t out[32])
{
	uint8_t stack[MAX_DEPTH + 1][HLEN];
	unsigned top = 0;

	for (uint64_t i = 0; i < n; i++) {
		memcpy(stack[top++], leaves[i], HLEN);
		for (uint64_t c = i + 1; !(c & 1); c >>= 1) {
			top--;
			cy_merkle_node_hash(stack[top - 1], stack[top], stack[top - 1]);
		}
	}
	while (top > 1) {
		top--;
		cy_merkle_node_hash(stack[top - 1], stack[top], stack[top - 1]);
	}
	memcpy(out, stack[0], HLEN);
}

int cy_merkle_root(const uint8_t (*leaves)[32], uint64_t n, uint8_t out[32])
{
	if (n == 0) {
		cy_sha256("", 0, out);
		return 0;
	}
	if (!leaves)
		return cy_error_set(CY_EINVALID, "merkle root: no leaves given for a tree of %llu",
				    (unsigned long long)n);
	subtree_root(leaves, n, out);
	return 0;
}

/* Append count hashes of path to proof in reverse order (the walks below
 * collect hashes root first; proofs list them leaf first). */
static int put_reversed(cy_buf *proof, uint8_t (*path)[HLEN], unsigned count)
{
	int rc = cy_buf_grow(proof, (size_t)count * HLEN);

	if (rc)
		return rc;
	while (count--)
		cy_buf_put(proof, path[count], HLEN);
	return 0;
}

int cy_merkle_inclusion_proof(const uint8_t (*leaves)[32], uint64_t n, uint64_t index,
			      cy_buf *proof)
{
	uint8_t path[MAX_DEPTH][HLEN];
	unsigned depth = 0;
	uint64_t off = 0, size = n, m = index;

	if (!proof || (!leaves && n))
		return cy_error_set(CY_EINVALID, "inclusion proof: missing argument");
	if (index >= n)
		return cy_error_set(CY_EINVALID,
				    "inclusion proof: leaf %llu is not in a tree of %llu",
				    (unsigned long long)index, (unsigned long long)n);
	/* PATH(m, D[n]) of RFC 9162 2.1.3.1, iteratively: the sibling subtree at
	 * each level, from the root down. */
	while (size > 1) {
		uint64_t k = split_point(size);

		if (m < k) {
			subtree_root(leaves + off + k, size - k, path[depth++]);
			size = k;
		} else {
			subtree_root(leaves + off, k, path[depth++]);
			off += k;
			m -= k;
			size -= k;
		}
	}
	return put_reversed(proof, path, depth);
}

int cy_merkle_consistency_proof(const uint8_t (*leaves)[32], uint64_t n, uint64_t m, cy_buf *proof)
{
	uint8_t path[MAX_DEPTH + 1][HLEN];
	unsigned depth = 0;
	uint64_t off = 0, size = n;
	bool whole = true; /* b of SUBPROOF: m is still the original old size */

	if (!proof || (!leaves && n))
		return cy_error_set(CY_EINVALID, "consistency proof: missing argument");
	if (m == 0 || m > n)
		return cy_error_set(CY_EINVALID,
				    "consistency proof: old size %llu is not in 1..%llu",
				    (unsigned long long)m, (unsigned long long)n);
	/* SUBPROOF(m, D[n], true) of RFC 9162 2.1.4.1: each level appends its
	 * other subtree after the recursive part, so collect and reverse. */
	while (m != size) {
		uint64_t k = split_point(size);

		if (m <= k) {
			subtree_root(leaves + off + k, size - k, path[depth++]);
			size = k;
		} else {
			subtree_root(leaves + off, k, path[depth++]);
			off += k;
			m -= k;
			size -= k;
			whole = false;
		}
	}
	if (!whole)
		subtree_root(leaves + off, size, path[depth++]);
	return put_reversed(proof, path, depth);
}

/* Fold the inner part of a proof: at level i the proof hash is the left
 * sibling when bit i of index is set, else the right one. */
static void chain_inner(uint8_t h[HLEN], const uint8_t *proof, unsigned count, uint64_t index)
{
	for (unsigned i = 0; i < count; i++) {
		if ((index >> i) & 1)
			cy_merkle_node_hash(proof + (size_t)i * HLEN, h, h);
		else
			cy_merkle_node_hash(h, proof + (size_t)i * HLEN, h);
	}
}

/* Same, keeping only the left siblings: the root of the smaller tree. */
static void chain_inner_right(uint8_t h[HLEN], const uint8_t *proof, unsigned count, uint64_t index)
{
	for (unsigned i = 0; i < count; i++) {
		if ((index >> i) & 1)
			cy_merkle_node_hash(proof + (size_t)i * HLEN, h, h);
	}
}

/* The border part: the path has reached the right edge of the tree, where
 * every remaining sibling is on the left. */
static void chain_border_right(uint8_t h[HLEN], const uint8_t *proof, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		cy_merkle_node_hash(proof + (size_t)i * HLEN, h, h);
}

/* Split the inclusion proof of index in a tree of size (index < size) into
 * the levels below the point where the path meets the right border (inner)
 * and the levels on the border that have a left sibling (border). */
static void decomp_inclusion(uint64_t index, uint64_t size, unsigned *inner, unsigned *border)
{
	*inner = bit_len(index ^ (size - 1));
	*border = *inner >= 64 ? 0 : (unsigned)__builtin_popcountll(index >> *inner);
}

int cy_merkle_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[32],
			       const uint8_t *proof, size_t proof_len, const uint8_t root[32])
{
	uint8_t h[HLEN];
	unsigned inner, border;

	if (!leaf || !root || (!proof && proof_len))
		return cy_error_set(CY_EINVALID, "inclusion proof: missing argument");
	if (index >= size)
		return cy_error_set(CY_EINVALID,
				    "inclusion proof: leaf %llu is not in a tree of %llu",
				    (unsigned long long)index, (unsigned long long)size);
	decomp_inclusion(index, size, &inner, &border);
	if (proof_len % HLEN || proof_len / HLEN != (size_t)inner + border)
		return cy_error_set(
			CY_EINVALID,
			"inclusion proof for leaf %llu of %llu is %zu bytes, expected %u hashes",
			(unsigned long long)index, (unsigned long long)size, proof_len,
			inner + border);
	memcpy(h, leaf, HLEN);
	chain_inner(h, proof, inner, index);
	chain_border_right(h, proof + (size_t)inner * HLEN, border);
	if (!cy_memeq(h, root, HLEN))
		return cy_error_set(
			CY_ECORRUPT,
			"inclusion proof for leaf %llu of %llu does not lead to the root",
			(unsigned long long)index, (unsigned long long)size);
	return 0;
}

int cy_merkle_verify_consistency(uint64_t size1, uint64_t size2, const uint8_t root1[32],
				 const uint8_t root2[32], const uint8_t *proof, size_t proof_len)
{
	uint8_t h1[HLEN], h2[HLEN];
	const uint8_t *seed;
	unsigned inner, border, shift, start;
	uint64_t mask;

	if (!root1 || !root2 || (!proof && proof_len))
		return cy_error_set(CY_EINVALID, "consistency proof: missing argument");
	if (size1 > size2)
		return cy_error_set(CY_EINVALID, "consistency proof: old size %llu > new size %llu",
				    (unsigned long long)size1, (unsigned long long)size2);
	/* An empty tree is a prefix of every tree; there is nothing to prove and
	 * a proof that claims otherwise is malformed (transparency-dev policy). */
	if (size1 == 0)
		return cy_error_set(CY_EINVALID, "consistency proof: old size is 0");
	if (size1 == size2) {
		if (proof_len)
			return cy_error_set(CY_EINVALID,
					    "consistency proof between equal sizes must be empty");
		if (!cy_memeq(root1, root2, HLEN))
			return cy_error_set(CY_ECORRUPT,
					    "consistency: two different roots for size %llu",
					    (unsigned long long)size1);
		return 0;
	}
	decomp_inclusion(size1 - 1, size2, &inner, &border);
	shift = (unsigned)__builtin_ctzll(size1);
	inner -= shift; /* size1 < size2 implies shift < inner */
	/* The proof starts with the root of the subtree of size 2^shift ending
	 * at size1, unless that subtree is the whole old tree. */
	start = size1 == (uint64_t)1 << shift ? 0 : 1;
	if (proof_len % HLEN || proof_len / HLEN != (size_t)start + inner + border)
		return cy_error_set(
			CY_EINVALID,
			"consistency proof %llu -> %llu is %zu bytes, expected %u hashes",
			(unsigned long long)size1, (unsigned long long)size2, proof_len,
			start + inner + border);
	seed = start ? proof : root1;
	proof += (size_t)start * HLEN;
	mask = (size1 - 1) >> shift;

	memcpy(h1, seed, HLEN);
	chain_inner_right(h1, proof, inner, mask);
	chain_border_right(h1, proof + (size_t)inner * HLEN, border);
	if (!cy_memeq(h1, root1, HLEN))
		return cy_error_set(CY_ECORRUPT,
				    "consistency proof %llu -> %llu does not match the old root",
				    (unsigned long long)size1, (unsigned long long)size2);
	memcpy(h2, seed, HLEN);
	chain_inner(h2, proof, inner, mask);
	chain_border_right(h2, proof + (size_t)inner * HLEN, border);
	if (!cy_memeq(h2, root2, HLEN))
		return cy_error_set(CY_ECORRUPT,
				    "consistency proof %llu -> %llu does not match the new root",
				    (unsigned long long)size1, (unsigned long long)size2);
	return 0;
}
