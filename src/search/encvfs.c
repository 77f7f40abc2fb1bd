/* encvfs.c - the encrypting VFS of the search index (see encvfs.h).
 *
 * Main file: SQLite reads and writes whole pages at page-aligned offsets,
 * except for small reads of page 1 (the 100-byte header, the change counter);
 * every read decrypts the whole pages it touches and returns the slice asked
 * for.  Rollback journal: a page record is pgno (4 bytes), the page image
 * (page size), a checksum (4 bytes), each written and read by its own call;
 * the image is sealed with the page number of its record, the rest (journal
 * header, page numbers, checksums) passes through as it is.  The page images
 * in a journal start at offsets = 4 (mod 8) (header sizes are multiples of
 * 512, records are page size + 8), which is how an image is told from a
 * header of the same length. */
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "search/encpage.h"
#include "search/encvfs.h"
#include "custody/banned.h"

struct cy_encvfs {
	sqlite3_vfs base; /* first: SQLite passes this pointer back */
	sqlite3_vfs *root;
	cy_aead *aead;
	uint8_t id[CY_ENCPAGE_ID_LEN];
	int have_id;
	cy_encvfs_fault fault;
	char name[32];
};

typedef struct encfile {
	sqlite3_file base;
	cy_encvfs *vfs;
	int kind;
	/* journal: the last 4-byte write (the page number of the next image) */
	sqlite3_int64 last4_off;
	uint32_t last4_val;
	uint8_t page[CY_ENCPAGE_SIZE]; /* plaintext passes here: wiped at close */
	uint8_t raw[CY_ENCPAGE_SIZE];
} encfile;

/* the wrapped file follows the struct, aligned */
#define REAL_OFF ((sizeof(encfile) + 15) & ~(size_t)15)
static sqlite3_file *real_of(encfile *f)
{
	return (sqlite3_file *)((char *)f + REAL_OFF);
}

static atomic_uint vfs_counter;

static void fault_set(cy_encvfs *v, uint32_t pgno, int kind)
{
	v->fault.pgno = pgno;
	v->fault.kind = kind;
}

static int enc_close(sqlite3_file *file)
{
	encfile *f = (encfile *)file;
	sqlite3_file *r = real_of(f);
	int rc = r->pMethods ? r->pMethods->xClose(r) : SQLITE_OK;
	cy_wipe(f->page, sizeof f->page);
	return rc;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Read and open main-file page pgno into f->page.  SQLITE_IOERR_SHORT_READ
 * with a zeroed page when the page lies wholly beyond the end of the file. */
static int read_db_page(encfile *f, uint32_t pgno)
{
	sqlite3_file *r = real_of(f);
	cy_encvfs *v = f->vfs;
	sqlite3_int64 off = (sqlite3_int64)(pgno - 1) * CY_ENCPAGE_SIZE;
	int rc = r->pMethods->xRead(r, f->raw, CY_ENCPAGE_SIZE, off);

	if (rc == SQLITE_IOERR_SHORT_READ && all_zero(f->raw, CY_ENCPAGE_SIZE)) {
		memset(f->page, 0, CY_ENCPAGE_SIZE);
		return SQLITE_IOERR_SHORT_READ;
	}
	if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
		return rc;
	/* a torn last page (SHORT_READ with bytes in it) cannot authenticate */
	if (pgno == 1) {
		/* page 1 is the authority on the database id */
		if (cy_encpage_open(v->aead, NULL, CY_ENCPAGE_KIND_DB, 1, f->raw, f->page) < 0)
			goto bad;
		memcpy(v->id, f->page + CY_ENCPAGE_OFF_ID, CY_ENCPAGE_ID_LEN);
		v->have_id = 1;
		return SQLITE_OK;
	}
	if (!v->have_id ||
	    cy_encpage_open(v->aead, v->id, CY_ENCPAGE_KIND_DB, pgno, f->raw, f->page) < 0)
		goto bad;
	return SQLITE_OK;
bad:
	fault_set(v, pgno, CY_ENCPAGE_KIND_DB);
	return SQLITE_IOERR_DATA;
}

static int is_journal_image(int amt, sqlite3_int64 off)
{
	return amt == CY_ENCPAGE_SIZE && off >= 4 && off % 8 == 4;
}

static int journal_pgno(encfile *f, sqlite3_int64 off, uint32_t *pgno)
{
	sqlite3_file *r = real_of(f);
	uint8_t b[4];
	int rc;

	if (f->last4_off == off - 4) {
		*pgno = f->last4_val;
		return SQLITE_OK;
	}
	rc = r->pMethods->xRead(r, b, 4, off - 4);
	if (rc != SQLITE_OK)
		return rc;
	*pgno = get32(b);
	return SQLITE_OK;
}

static int enc_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
	encfile *f = (encfile *)file;
	sqlite3_file *r = real_of(f);
	uint8_t *out = buf;
	int rc, short_read = 0;

	if (amt <= 0 || off < 0)
		return SQLITE_IOERR_READ;
	if (f->kind == CY_ENCPAGE_KIND_JOURNAL) {
		uint32_t pgno;
		if (!is_journal_image(amt, off))
			return r->pMethods->xRead(r, buf, amt, off);
		rc = journal_pgno(f, off, &pgno);
		if (rc != SQLITE_OK)
			return rc;
		rc = r->pMethods->xRead(r, f->raw, amt, off);
		if (rc != SQLITE_OK) {
			memset(buf, 0, (size_t)amt);
			return rc;
		}
		if (!f->vfs->have_id || pgno == 0 ||
		    cy_encpage_open(f->vfs->aead, f->vfs->id, CY_ENCPAGE_KIND_JOURNAL, pgno, f->raw,
				    out) < 0) {
			fault_set(f->vfs, pgno, CY_ENCPAGE_KIND_JOURNAL);
			return SQLITE_IOERR_DATA;
		}
		return SQLITE_OK;
	}
	while (amt > 0) {
		uint32_t pgno = (uint32_t)(off / CY_ENCPAGE_SIZE) + 1;
		size_t in_page = (size_t)(off % CY_ENCPAGE_SIZE);
		size_t n = CY_ENCPAGE_SIZE - in_page;
		if (n > (size_t)amt)
			n = (size_t)amt;
		rc = read_db_page(f, pgno);
		if (rc == SQLITE_IOERR_SHORT_READ) {
			short_read = 1;
		} else if (rc != SQLITE_OK) {
			cy_wipe(f->page, sizeof f->page);
			return rc;
		}
		memcpy(out, f->page + in_page, n);
		out += n;
		off += (sqlite3_int64)n;
		amt -= (int)n;
	}
	cy_wipe(f->page, sizeof f->page);
	return short_read ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

static int seal_into_raw(encfile *f, int kind, uint32_t pgno, const void *buf)
{
	cy_encvfs *v = f->vfs;
	uint8_t nonce[CY_AEAD_NONCE_LEN];

	if (!v->have_id) {
		if (cy_random(v->id, sizeof v->id) < 0)
			return SQLITE_IOERR_WRITE;
		v->have_id = 1;
	}
	if (cy_random(nonce, sizeof nonce) < 0 ||
	    cy_encpage_seal(v->aead, v->id, kind, pgno, nonce, buf, f->raw) < 0)
		return SQLITE_IOERR_WRITE;
	return SQLITE_OK;
}

static int enc_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off)
{
	encfile *f = (encfile *)file;
	sqlite3_file *r = real_of(f);
	uint32_t pgno;
	int rc;

	if (f->kind == CY_ENCPAGE_KIND_JOURNAL) {
		if (amt == 4) {
			f->last4_off = off;
			f->last4_val = get32(buf);
		}
		if (!is_journal_image(amt, off))
			return r->pMethods->xWrite(r, buf, amt, off);
		rc = journal_pgno(f, off, &pgno);
		if (rc != SQLITE_OK)
			return rc;
		if (pgno == 0)
			return SQLITE_IOERR_WRITE;
		rc = seal_into_raw(f, CY_ENCPAGE_KIND_JOURNAL, pgno, buf);
		if (rc != SQLITE_OK)
			return rc;
		return r->pMethods->xWrite(r, f->raw, amt, off);
	}
	/* the main file: whole pages only, or plaintext could be written */
	if (amt != CY_ENCPAGE_SIZE || off % CY_ENCPAGE_SIZE != 0)
		return SQLITE_IOERR_WRITE;
	pgno = (uint32_t)(off / CY_ENCPAGE_SIZE) + 1;
	rc = seal_into_raw(f, CY_ENCPAGE_KIND_DB, pgno, buf);
	if (rc != SQLITE_OK)
		return rc;
	return r->pMethods->xWrite(r, f->raw, amt, off);
}

static int enc_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	sqlite3_file *r = real_of((encfile *)file);
	return r->pMethods->xTruncate(r, size);
}
static int enc_sync(sqlite3_file *file, int flags)
{
	sqlite3_file *r = real_of((encfile *)file);
	return r->pMethods->xSync(r, flags);
}
static int enc_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	sqlite3_file *r = real_of((encfile *)file);
	return r->pMethods->xFileSize(r, size);
}
static int enc_lock(sqlite3_file *file, int lock)
{
	sqlite3_file *r = real_of((encfile *)file);
	return r->pMethods->xLock(r, lock);
}
static int enc_unlock(sqlite3_file *file, int lock)
{
	sqlite3_file *r = real_of((encfile *)file);
	return r->pMethods->xUnlock(r, lock);
}
static int enc_check_reserved(sqlite3_file *file, int *out)
{
	sqlite3_file *r = real_of((encfile *)file);
	return r->pMethods->xCheckReservedLock(r, out);
}
static int enc_file_control(sqlite3_file *file, int op, void *arg)
{
	sqlite3_file *r = real_of((encfile *)file);
	return r->pMethods->xFileControl(r, op, arg);
}
static int enc_sector_size(sqlite3_file *file)
{
	sqlite3_file *r = real_of((encfile *)file);
	return r->pMethods->xSectorSize(r);
}
static int enc_device(sqlite3_file *file)
{
	sqlite3_file *r = real_of((encfile *)file);
	/* never let SQLite skip the journal or write partial pages: every
	 * write must pass through the sealing paths above */
	return r->pMethods->xDeviceCharacteristics(r) &
	       ~(SQLITE_IOCAP_ATOMIC | SQLITE_IOCAP_ATOMIC512 | SQLITE_IOCAP_ATOMIC1K |
		 SQLITE_IOCAP_ATOMIC2K | SQLITE_IOCAP_ATOMIC4K | SQLITE_IOCAP_ATOMIC8K |
		 SQLITE_IOCAP_ATOMIC16K | SQLITE_IOCAP_ATOMIC32K | SQLITE_IOCAP_ATOMIC64K |
		 SQLITE_IOCAP_SAFE_APPEND | SQLITE_IOCAP_BATCH_ATOMIC);
}

/* version 1: no shared memory (no WAL) and no memory-mapped reads, which
 * would bypass decryption */
static const sqlite3_io_methods enc_io = {
	1,
	enc_close,
	enc_read,
	enc_write,
	enc_truncate,
	enc_sync,
	enc_file_size,
	enc_lock,
	enc_unlock,
	enc_check_reserved,
	enc_file_control,
	enc_sector_size,
	enc_device,
	NULL,
	NULL,
	NULL,
	NULL,
	NULL,
	NULL,
};

static int enc_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
		    int *out_flags)
{
	cy_encvfs *v = (cy_encvfs *)vfs;
	encfile *f = (encfile *)file;
	sqlite3_file *r = real_of(f);
	int rc;

	memset(f, 0, sizeof *f);
	if (flags & SQLITE_OPEN_MAIN_DB) {
		f->kind = CY_ENCPAGE_KIND_DB;
	} else if (flags & SQLITE_OPEN_MAIN_JOURNAL) {
		f->kind = CY_ENCPAGE_KIND_JOURNAL;
	} else {
		v->fault.refused_open = 1;
		return SQLITE_CANTOPEN;
	}
	f->vfs = v;
	f->last4_off = -1;
	memset(r, 0, (size_t)v->root->szOsFile);
	rc = v->root->xOpen(v->root, name, r, flags, out_flags);
	if (rc != SQLITE_OK) {
		if (r->pMethods)
			r->pMethods->xClose(r);
		return rc;
	}
	f->base.pMethods = &enc_io;
	if (f->kind == CY_ENCPAGE_KIND_DB && !v->have_id) {
		/* learn the database id from page 1's reserved bytes; it is
		 * authenticated when page 1 is first decrypted */
		sqlite3_int64 size = 0;
		if (r->pMethods->xFileSize(r, &size) == SQLITE_OK && size >= CY_ENCPAGE_SIZE &&
		    r->pMethods->xRead(r, v->id, CY_ENCPAGE_ID_LEN, CY_ENCPAGE_OFF_ID) == SQLITE_OK)
			v->have_id = 1;
	}
	return SQLITE_OK;
}

static int enc_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	sqlite3_vfs *root = ((cy_encvfs *)vfs)->root;
	return root->xDelete(root, name, sync_dir);
}
static int enc_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	sqlite3_vfs *root = ((cy_encvfs *)vfs)->root;
	return root->xAccess(root, name, flags, out);
}
static int enc_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	sqlite3_vfs *root = ((cy_encvfs *)vfs)->root;
	return root->xFullPathname(root, name, n, out);
}
static int enc_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	sqlite3_vfs *root = ((cy_encvfs *)vfs)->root;
	return root->xRandomness(root, n, out);
}
static int enc_sleep(sqlite3_vfs *vfs, int us)
{
	sqlite3_vfs *root = ((cy_encvfs *)vfs)->root;
	return root->xSleep(root, us);
}
static int enc_current_time(sqlite3_vfs *vfs, double *out)
{
	sqlite3_vfs *root = ((cy_encvfs *)vfs)->root;
	return root->xCurrentTime(root, out);
}
static int enc_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	sqlite3_vfs *root = ((cy_encvfs *)vfs)->root;
	return root->xGetLastError ? root->xGetLastError(root, n, out) : 0;
}
static int enc_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	sqlite3_vfs *root = ((cy_encvfs *)vfs)->root;
	return root->xCurrentTimeInt64(root, out);
}

int cy_encvfs_new(const uint8_t key[CY_KEY_LEN], cy_encvfs **out)
{
	cy_encvfs *v = NULL;
	sqlite3_vfs *root;
	int rc;

	*out = NULL;
	if (sqlite3_initialize() != SQLITE_OK)
		return cy_error_set(CY_EDB, "search index: sqlite3_initialize failed");
	root = sqlite3_vfs_find(NULL);
	if (!root || root->iVersion < 2)
		return cy_error_set(CY_EUNSUPPORTED, "search index: no usable default VFS");
	v = calloc(1, sizeof *v);
	if (!v)
		return cy_error_set(CY_ENOMEM, "out of memory");
	rc = cy_aead_new(&v->aead, key);
	if (rc < 0)
		goto out;
	v->root = root;
	snprintf(v->name, sizeof v->name, "cy-enc-%u", atomic_fetch_add(&vfs_counter, 1));
	v->base.iVersion = 2;
	v->base.szOsFile = (int)(REAL_OFF + (size_t)root->szOsFile);
	v->base.mxPathname = root->mxPathname;
	v->base.zName = v->name;
	v->base.pAppData = v;
	v->base.xOpen = enc_open;
	v->base.xDelete = enc_delete;
	v->base.xAccess = enc_access;
	v->base.xFullPathname = enc_full_pathname;
	/* no loadable extensions through this VFS */
	v->base.xDlOpen = NULL;
	v->base.xDlError = NULL;
	v->base.xDlSym = NULL;
	v->base.xDlClose = NULL;
	v->base.xRandomness = enc_randomness;
	v->base.xSleep = enc_sleep;
	v->base.xCurrentTime = enc_current_time;
	v->base.xGetLastError = enc_last_error;
	v->base.xCurrentTimeInt64 = enc_current_time64;
	if (sqlite3_vfs_register(&v->base, 0) != SQLITE_OK) {
		rc = cy_error_set(CY_EDB, "search index: cannot register the encrypting VFS");
		goto out;
	}
	*out = v;
	v = NULL;
	rc = 0;
out:
	if (v) {
		cy_aead_free(v->aead);
		free(v);
	}
	return rc;
}

const char *cy_encvfs_name(const cy_encvfs *v)
{
	return v->name;
}

void cy_encvfs_free(cy_encvfs *v)
{
	if (!v)
		return;
	sqlite3_vfs_unregister(&v->base);
	cy_aead_free(v->aead);
	cy_wipe(v, sizeof *v);
	free(v);
}

void cy_encvfs_fault_get(const cy_encvfs *v, cy_encvfs_fault *out)
{
	*out = v->fault;
}

void cy_encvfs_fault_clear(cy_encvfs *v)
{
	memset(&v->fault, 0, sizeof v->fault);
}
