/* store.h - the object store as the vault uses it: packs of encrypted
 * objects (see object.h), written once through a backend (store_backend.h:
 * the local directory today, an S3-compatible store later).
 *
 * A pack is written from first byte to last, made durable and visible at
 * once (cy_pack_finish), its name made durable with the rest of the batch
 * (cy_store_sync_dirs), all before the catalog transaction that refers to it
 * commits.  Packs are never modified afterwards: bytes that no object refers
 * to any more (a duplicate found after it was written, a failed file, a
 * destroyed record) stay until compaction (src/vault/vault_compact.c)
 * rewrites the pack without them.  A pack being written when its process
 * died is a temporary that cy_store_clean_tmp removes; one that was made
 * visible but never committed is unreferenced, and check / the import's
 * sweep tell it apart from one compaction retired by reading the ledger.
 * docs/internals/store.md has the details. */
#ifndef CY_STORE_H
#define CY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"
#include "store/store_backend.h"

typedef struct cy_store cy_store;
typedef struct cy_pack cy_pack;

/* The vault's store on its directory (the local backend).  In builds with
 * test hooks (CY_TEST_HOOKS), CUSTODY_STORE_FAULT=SPEC wraps it in the fault
 * injector (cy_store_fault_parse). */
int cy_store_open(cy_store **out, const char *vault_dir, int create);
/* A store over any backend; takes ownership of b (freed on failure too). */
int cy_store_open_backend(cy_store **out, cy_store_backend *b);
void cy_store_close(cy_store *s);
/* The backend in use (borrowed). */
cy_store_backend *cy_store_backend_of(cy_store *s);
/* Wrap the store's backend in the fault injector, faults off; *fault
 * (borrowed, optional) is the wrapper to configure with cy_store_fault_set. */
int cy_store_fault_attach(cy_store *s, cy_store_backend **fault);
/* Remove temporary packs whose writers are gone. */
void cy_store_clean_tmp(cy_store *s);

/* Start a new pack under a fresh random name. */
int cy_pack_begin(cy_store *s, cy_pack **out);
const char *cy_pack_name(const cy_pack *p);
uint64_t cy_pack_size(const cy_pack *p);
/* Append bytes (a cy_obj_sink).  A failure is sticky: the pack can then
 * only be discarded. */
int cy_pack_write(void *pack, const void *data, size_t n);
/* No more writes: flush and start writeback, but do not wait for it (the
 * pack is made durable later by cy_pack_finish). */
int cy_pack_seal(cy_pack *p);
/* Make durable and visible under its name (the name itself is made durable
 * by cy_store_sync_dirs). */
int cy_pack_finish(cy_pack *p);
/* Drop the pack, finished or not, and free. */
void cy_pack_discard(cy_pack *p);
/* Free; an unfinished pack is dropped, a finished one stays. */
void cy_pack_free(cy_pack *p);
/* Make every pack finished and removed since the last call durable. */
int cy_store_sync_dirs(cy_store *s);

/* Read length bytes at offset of a pack, in pieces, to sink. */
int cy_store_read(cy_store *s, const char *pack, uint64_t offset, uint64_t length,
		  cy_store_sink sink, void *arg);
/* Size of a pack (CY_ENOTFOUND if missing). */
int cy_store_pack_stat(cy_store *s, const char *pack, uint64_t *size);
/* Delete a finished pack (one the catalog does not refer to). */
int cy_store_remove_pack(cy_store *s, const char *pack);
/* Call fn for every finished pack's name. */
int cy_store_each_pack(cy_store *s, cy_store_name_fn fn, void *arg);
/* Whether name is a well-formed pack name (30 lower-case hex digits). */
int cy_store_name_valid(const char *name);

#endif
