/* merkle.h - RFC 6962 Merkle tree hashing and proofs (the ledger's tree).
 *
 * Leaf hash = SHA-256(0x00 || entry); node hash = SHA-256(0x01 || l || r);
 * MTH of the empty tree = SHA-256("").  Proofs are arrays of 32-byte hashes,
 * appended to a cy_buf (len = 32 * count).  Sizes and indices are 0-based
 * counts as in RFC 6962 / RFC 9162. */
#ifndef CUSTODY_MERKLE_H
#define CUSTODY_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"

void cy_merkle_leaf_hash(const void *entry, size_t n, uint8_t out[32]);
void cy_merkle_node_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32]);

/* Root of the tree over the first n leaf hashes (leaves may be NULL when n
 * is 0).  One pass, O(log n) memory. */
int cy_merkle_root(const uint8_t (*leaves)[32], uint64_t n, uint8_t out[32]);

/* Append the inclusion proof of leaf `index` in the tree of the first n
 * leaves (RFC 9162 2.1.3.1).  CY_EINVALID if index >= n. */
int cy_merkle_inclusion_proof(const uint8_t (*leaves)[32], uint64_t n, uint64_t index,
			      cy_buf *proof);
/* 0 if valid, CY_ECORRUPT if the proof does not lead to root, CY_EINVALID if malformed
 * (index >= size, proof_len not the 32 * count that index and size imply). */
int cy_merkle_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[32],
			       const uint8_t *proof, size_t proof_len, const uint8_t root[32]);

/* Append the consistency proof between the trees of the first m and the first
 * n leaves (RFC 9162 2.1.4.1; empty when m == n).  CY_EINVALID unless
 * 0 < m <= n: an empty tree is a prefix of every tree, nothing to prove. */
int cy_merkle_consistency_proof(const uint8_t (*leaves)[32], uint64_t n, uint64_t m, cy_buf *proof);
/* 0 if valid; CY_ECORRUPT if the proof does not lead to both roots (or, for
 * size1 == size2, the roots differ); CY_EINVALID if malformed: size1 == 0,
 * size1 > size2, or a proof length other than the one the sizes imply. */
int cy_merkle_verify_consistency(uint64_t size1, uint64_t size2, const uint8_t root1[32],
				 const uint8_t root2[32], const uint8_t *proof, size_t proof_len);

#endif
