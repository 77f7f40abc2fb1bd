/* store_backend.h - the object store's backend interface: a table of
 * function pointers that a place to keep packs fills in (libgit2's
 * git_odb_backend).  The local directory (store_local.c) is the first
 * backend; the fault injector (store_fault.c) wraps another one for tests;
 * an S3-compatible backend is the next (docs/internals/store.md says what it
 * does for each operation).
 *
 * A backend knows only named, immutable blobs ("packs") that are written
 * once, from the first byte to the last, and become visible all at once.  It
 * has no operation to modify, truncate or append to a visible pack, and it
 * never asks whether a process is alive: both are impossible on an object
 * store.  Names are 30 lower-case hex digits, checked by the caller
 * (store.c) before any backend sees them.
 *
 * Every operation returns 0 or a negative CY_E code with the detail set
 * (cy_error_set), naming the pack and what failed. */
#ifndef CY_STORE_BACKEND_H
#define CY_STORE_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CY_PACK_NAME_LEN 30

typedef struct cy_store_backend cy_store_backend;
/* One pack being written; owned by the backend between put_begin and
 * put_commit / put_abort. */
typedef struct cy_store_put cy_store_put;

typedef int (*cy_store_sink)(void *arg, const void *data, size_t n);
typedef int (*cy_store_name_fn)(void *arg, const char *name);

struct cy_store_backend {
	const char *kind; /* "local", "fault", ... */

	/* Start writing pack `name` (not visible, not listed, until committed). */
	int (*put_begin)(cy_store_backend *b, const char *name, cy_store_put **out);
	/* Write up to n bytes (n > 0) at the end of the pack.  Returns the
	 * number of bytes taken (1..n: a short write is allowed, the caller
	 * loops) or a negative CY_E code.  After an error the put can only be
	 * aborted. */
	ssize_t (*put_write)(cy_store_backend *b, cy_store_put *p, const void *data, size_t n);
	/* Optional (may be NULL): no more writes follow soon; start making
	 * the bytes durable without waiting (local: writeback). */
	int (*put_flush)(cy_store_backend *b, cy_store_put *p);
	/* Make the pack durable and visible under its name.  Consumes p,
	 * whether it succeeds or not; on failure nothing becomes visible.  The
	 * name's durability may wait for sync_batch (local: the directory
	 * entry). */
	int (*put_commit)(cy_store_backend *b, cy_store_put *p);
	/* Drop an uncommitted pack; consumes p.  Never fails. */
	void (*put_abort)(cy_store_backend *b, cy_store_put *p);

	/* Read exactly length bytes at offset, in pieces, to sink.  CY_ECORRUPT
	 * if the pack is missing or shorter. */
	int (*read_range)(cy_store_backend *b, const char *name, uint64_t offset, uint64_t length,
			  cy_store_sink sink, void *arg);
	/* Size of a visible pack; CY_ENOTFOUND if there is none. */
	int (*stat)(cy_store_backend *b, const char *name, uint64_t *size);
	/* Call fn for every visible pack (any order); stops at fn's non-zero. */
	int (*list)(cy_store_backend *b, cy_store_name_fn fn, void *arg);
	/* Delete a visible pack; CY_ENOTFOUND if there is none. */
	int (*remove)(cy_store_backend *b, const char *name);
	/* Make every commit and remove since the last call durable. */
	int (*sync_batch)(cy_store_backend *b);
	/* Optional: remove the temporaries of writers that are gone (local:
	 * files in tmp/ whose writer's lock is free).  Never fails. */
	void (*clean)(cy_store_backend *b);
	void (*free)(cy_store_backend *b);
};

/* The local directory backend: packs under <vault>/objects (store_local.c). */
int cy_store_local_new(cy_store_backend **out, const char *vault_dir, int create);

/* The fault injector (store_fault.c): wraps inner (and owns it).  Faults are
 * off until cy_store_fault_set; then the nth call (counting from 1 after
 * the set) of each selected operation fails. */
typedef enum cy_fault_op {
	CY_FAULT_WRITE = 1 << 0,
	CY_FAULT_COMMIT = 1 << 1,
	CY_FAULT_SYNC = 1 << 2,
	CY_FAULT_READ = 1 << 3,
	CY_FAULT_REMOVE = 1 << 4,
	CY_FAULT_BEGIN = 1 << 5,
} cy_fault_op;

typedef enum cy_fault_kind {
	CY_FAULT_EIO = 1,    /* the call fails with EIO */
	CY_FAULT_ENOSPC,     /* the call fails with ENOSPC */
	CY_FAULT_SHORT,	     /* writes: take only part of the bytes, then (if
			      * also failing) ENOSPC, as a filling disk does */
	CY_FAULT_SHORT_ONLY, /* writes: every write is short; nothing fails */
} cy_fault_kind;

typedef struct cy_fault_cfg {
	unsigned ops; /* cy_fault_op bits */
	cy_fault_kind kind;
	uint64_t nth; /* the nth selected call fails (1 = the first) */
	int repeat;   /* keep failing every call after the nth */
} cy_fault_cfg;

int cy_store_fault_new(cy_store_backend **out, cy_store_backend *inner);
void cy_store_fault_set(cy_store_backend *fault, const cy_fault_cfg *cfg);
/* Number of faults injected so far. */
uint64_t cy_store_fault_count(const cy_store_backend *fault);
/* Parse "OPS:KIND:N[+]" (e.g. "write:enospc:3", "commit:eio:1+",
 * "write:short:1"); OPS is a comma list of write, commit, sync, read,
 * remove, begin. */
int cy_store_fault_parse(const char *spec, cy_fault_cfg *out);

#endif
