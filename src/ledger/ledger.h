/* ledger.h - ledger entries and the append-only tree's right edge.
 *
 * An entry is one line of canonical JSON (docs/formats/ledger.md):
 *   {"seq":N,"time":"...Z","actor":"u1","action":"record.import",
 *    "targets":["..."],"details":{"k":"v","n":1}}
 * with details keys sorted by byte value.  No personal data goes in: ids, not
 * names.  The frontier (compact range) holds the roots of the perfect subtrees
 * on the right edge of the tree, so appending is O(log n) and the root of any
 * size is available without rereading the leaves. */
#ifndef CUSTODY_LEDGER_H
#define CUSTODY_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"

#define CY_LEDGER_MAX_TARGETS 8
#define CY_LEDGER_MAX_DETAILS 12

typedef struct cy_ledger_detail {
	const char *key;
	const char *str; /* string value, or NULL for the integer */
	int64_t num;
} cy_ledger_detail;

typedef struct cy_ledger_entry {
	uint64_t seq;
	int64_t time; /* seconds since the epoch, UTC */
	const char *actor;
	const char *action;
	const char *targets[CY_LEDGER_MAX_TARGETS];
	int ntargets;
	cy_ledger_detail details[CY_LEDGER_MAX_DETAILS];
	int ndetails;
} cy_ledger_entry;

/* Append the canonical encoding (no trailing newline). */
int cy_ledger_entry_encode(const cy_ledger_entry *e, cy_buf *out);
/* Format t as RFC 3339 UTC seconds ("2026-11-27T06:14:38Z"); out >= 21 bytes. */
void cy_time_format(int64_t t, char out[21]);

typedef struct cy_frontier {
	uint64_t size;
	uint8_t hashes[64][32]; /* one per set bit of size, largest subtree first */
	int n;
} cy_frontier;

void cy_frontier_init(cy_frontier *f);
void cy_frontier_append(cy_frontier *f, const uint8_t leaf[32]);
/* Root of the tree of f->size leaves (SHA-256("") when empty). */
void cy_frontier_root(const cy_frontier *f, uint8_t root[32]);
/* Serialise as n*32 bytes; load checks the count matches popcount(size). */
int cy_frontier_save(const cy_frontier *f, cy_buf *out); /* 0 or CY_ENOMEM */
int cy_frontier_load(cy_frontier *f, uint64_t size, const void *data, size_t n);

#endif
