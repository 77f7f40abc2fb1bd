/* store.h - the object store on a local directory.
 *
 * Objects (encrypted, see object.h) are appended to pack files under
 * objects/<2 hex>/<30 hex>.pack.  A pack is written under objects/tmp/, then
 * made durable (fsync), renamed into place, and its directory fsynced, all
 * before the catalog transaction that refers to it commits.  Packs are never
 * modified after that.  A pack left by a killed process is either still in
 * tmp/ (removed by the next writer) or renamed but unreferenced (reported by
 * check as a warning, harmless). */
#ifndef CY_STORE_H
#define CY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"

typedef struct cy_store cy_store;
typedef struct cy_pack cy_pack;

int cy_store_open(cy_store **out, const char *vault_dir, int create);
void cy_store_close(cy_store *s);
/* Remove temporary packs of processes that are gone. */
void cy_store_clean_tmp(cy_store *s);

/* Start a new pack in tmp/. */
int cy_pack_begin(cy_store *s, cy_pack **out);
const char *cy_pack_name(const cy_pack *p);
uint64_t cy_pack_size(const cy_pack *p);
/* Append bytes (a cy_obj_sink). */
int cy_pack_write(void *pack, const void *data, size_t n);
/* Drop everything after offset (an object that turned out to be a duplicate). */
int cy_pack_truncate(cy_pack *p, uint64_t offset);
/* No more writes: flush and start writeback, but do not wait for it (the
 * pack is made durable later by cy_pack_finish). */
int cy_pack_seal(cy_pack *p);
/* fsync and rename into place (the directory is synced by cy_store_sync_dirs). */
int cy_pack_finish(cy_pack *p);
/* Delete the temporary or finished pack and free. */
void cy_pack_discard(cy_pack *p);
void cy_pack_free(cy_pack *p);
/* fsync every objects/ subdirectory touched since the last call. */
int cy_store_sync_dirs(cy_store *s);

/* Read length bytes at offset of a pack, in pieces, to sink. */
typedef int (*cy_store_sink)(void *arg, const void *data, size_t n);
int cy_store_read(cy_store *s, const char *pack, uint64_t offset, uint64_t length,
		  cy_store_sink sink, void *arg);
/* Size of a pack file (CY_ENOTFOUND if missing). */
int cy_store_pack_stat(cy_store *s, const char *pack, uint64_t *size);
/* Delete a finished pack (one the catalog does not refer to). */
int cy_store_remove_pack(cy_store *s, const char *pack);
/* Call fn for every finished pack file name. */
typedef int (*cy_store_name_fn)(void *arg, const char *name);
int cy_store_each_pack(cy_store *s, cy_store_name_fn fn, void *arg);

#endif
