/* encvfs.h - the encrypting SQLite VFS under the search index (internal).
 *
 * One VFS instance per open index: it holds the index key and is registered
 * under a unique name ("cy-enc-<n>") that sindex.c passes to the open, so the
 * key is in place before SQLite's first read of the main file (which happens
 * during the open) and never travels as URI text.  It wraps the default VFS
 * and seals every page of the main file and every page image of the rollback
 * journal (docs/formats/index-page.md); it refuses to open any other kind of
 * file (WAL, temporary files, super-journals), so none can hold plaintext.
 * docs/internals/search.md explains the choices. */
#ifndef CUSTODY_SEARCH_ENCVFS_H
#define CUSTODY_SEARCH_ENCVFS_H

#include <stdint.h>

#include "crypto/crypto.h"

typedef struct cy_encvfs cy_encvfs;

/* Make and register a VFS holding key (copied; wiped at free). */
int cy_encvfs_new(const uint8_t key[CY_KEY_LEN], cy_encvfs **out);
/* Its registered name; borrowed. */
const char *cy_encvfs_name(const cy_encvfs *v);
/* Unregister and free (accepts NULL).  Only after the database is closed. */
void cy_encvfs_free(cy_encvfs *v);

/* What went wrong last, for the error message: the page number whose
 * authentication failed (0 if none), its file kind (CY_ENCPAGE_KIND_*), and
 * whether SQLite asked for a file this VFS refuses. */
typedef struct cy_encvfs_fault {
	uint32_t pgno;
	int kind;
	int refused_open;
} cy_encvfs_fault;
void cy_encvfs_fault_get(const cy_encvfs *v, cy_encvfs_fault *out);
void cy_encvfs_fault_clear(cy_encvfs *v);

#endif
