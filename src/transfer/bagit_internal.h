/* bagit_internal.h - what the files of the bag module share: the pure
 * parsers of tag files (bagit_parse.c, fuzzed by tests/fuzz/fuzz_bag_*.c),
 * path rules, a string map (bagit_map.c), and the digests that extraction
 * hands to validation. */
#ifndef CY_TRANSFER_BAGIT_INTERNAL_H
#define CY_TRANSFER_BAGIT_INTERNAL_H

#include <locale.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/bagit.h"
#include "custody/buf.h"

/* ---- paths ---------------------------------------------------------------------------------- */

/* Whether p[0..n) is a clean relative path: non-empty UTF-8, no NUL, C0
 * control or DEL, no backslash, not absolute, no empty, "." or ".."
 * segment.  On failure *why (static text) says what is wrong. */
bool cy_bag__path_clean(const char *p, size_t n, const char **why);

/* The key under which two names collide on a case-insensitive or
 * normalising file system: NFC then Unicode case folding (utf8proc).
 * Replaces out's content.  0, CY_EINVALID (not UTF-8), CY_ENOMEM. */
int cy_bag__fold_key(const char *p, size_t n, cy_buf *out);

/* ---- bagit.txt ------------------------------------------------------------------------------ */

typedef struct cy_bag__decl {
	int major, minor;
	char encoding[32];
	char version[16];
} cy_bag__decl;

/* Parse the bag declaration (bytes as read; LF, CR or CRLF line ends).
 * RFC 8493 2.1.1: exactly "BagIt-Version: M.N" and
 * "Tag-File-Character-Encoding: ENC", no BOM.  Lines in the other order give
 * a warning through warn (may be NULL).  0 or CY_EINVALID with the reason. */
int cy_bag__parse_decl(const uint8_t *buf, size_t n, cy_bag__decl *out,
		       void (*warn)(void *arg, const char *msg), void *arg);

/* ---- tag file text -------------------------------------------------------------------------- */

/* Turn a tag file in the declared encoding (UTF-8, UTF-16 with or without a
 * BOM, ISO-8859-1) into UTF-8 in out (replaced).  A UTF-8 BOM is dropped
 * (*had_bom set).  0, CY_EINVALID (not that encoding), CY_EUNSUPPORTED. */
int cy_bag__decode_text(const uint8_t *in, size_t n, const char *encoding, cy_buf *out,
			bool *had_bom);

/* ---- manifests ------------------------------------------------------------------------------ */

enum {
	CY_BAG__LINE_DOTSLASH = 1, /* the path was written "./data/..." */
	CY_BAG__LINE_STAR = 2,	   /* md5sum's binary marker "*data/..." */
	CY_BAG__LINE_TAB = 4,	   /* separated by tabs or several blanks */
};

/* One manifest line: the checksum as written (hex, not checked here beyond
 * its characters), the path after percent-decoding %0A, %0D and %25 (only
 * those; case-insensitive) and without a leading "./" or '*'.  Both strings
 * are NUL-terminated and valid only during the call.  A non-zero return
 * stops the parse and is returned. */
typedef int (*cy_bag__manifest_fn)(void *arg, size_t lineno, const char *checksum, const char *path,
				   size_t pathlen, unsigned flags);
/* Parse manifest text (UTF-8, LF/CR/CRLF).  RFC 8493 2.1.3: `checksum`,
 * one or more blanks (space or tab), `filepath`.  Blank lines are skipped.
 * CY_EINVALID ("line N: ...") on a line that is not that. */
int cy_bag__parse_manifest(const char *text, size_t n, cy_bag__manifest_fn fn, void *arg);

/* The algorithm of a manifest's file name: "manifest-sha256.txt" -> "sha256"
 * into alg (lower case as written); tag: whether it is a tag manifest.
 * False if name is neither form. */
bool cy_bag__manifest_name(const char *name, char alg[16], bool *tag);

/* ---- bag-info.txt --------------------------------------------------------------------------- */

/* One element: label and value, NUL-terminated, valid during the call; the
 * value's continuation lines are joined with one space. */
typedef int (*cy_bag__info_fn)(void *arg, size_t lineno, const char *label, const char *value);
/* Parse bag-info text (UTF-8).  "Label: value"; white space around the
 * label and after the colon is tolerated (*loose set: RFC 8493 wants none
 * before the colon and exactly one blank after it); a line starting with a
 * blank continues the previous value.  CY_EINVALID ("line N: ...") on a line
 * without a colon, an empty label, or a continuation with nothing before it. */
int cy_bag__parse_info(const char *text, size_t n, cy_bag__info_fn fn, void *arg, bool *loose);

/* Payload-Oxum "octets.streams": 0 or CY_EINVALID. */
int cy_bag__parse_oxum(const char *v, uint64_t *bytes, uint64_t *files);

/* ---- names in tar headers ------------------------------------------------------------------ */

/* libarchive converts names between UTF-8 (pax headers) and the character
 * type of the calling thread's locale; under "C" a non-ASCII name fails
 * (3.6.2 even crashes on it).  Tar headers are read and written between
 * these two calls, which switch this thread (only) to C.UTF-8 and back. */
locale_t cy_bag__utf8_begin(void);
void cy_bag__utf8_end(locale_t old);

/* ---- a map from strings to indexes ---------------------------------------------------------- */

typedef struct cy_bag__map {
	char **keys;
	size_t *vals;
	size_t cap, n; /* slots (a power of two), entries */
} cy_bag__map;

/* The value under key (length n), or SIZE_MAX. */
size_t cy_bag__map_get(const cy_bag__map *m, const char *key, size_t n);
/* Insert; CY_EEXISTS (without setting an error) if the key is there, with
 * *old set to its value when old is not NULL. */
int cy_bag__map_put(cy_bag__map *m, const char *key, size_t n, size_t val, size_t *old);
void cy_bag__map_release(cy_bag__map *m);

/* Claim a name of a tree being built (a writer's, an extraction's) in m:
 * refused if it was claimed before, or collides with a claimed one after NFC
 * and case folding (CY_EEXISTS), or a file would stand where a directory is
 * or the other way round (CY_EINVALID); a directory may be claimed again.
 * Its parent directories are claimed with it.  The error names the path. */
int cy_bag__claim(cy_bag__map *m, const char *path, size_t n, bool dir);

/* ---- digests handed from extraction to validation ------------------------------------------- */

typedef struct cy_bag__digests {
	cy_bag__map index; /* path inside the bag -> entry */
	struct cy_bag__digest {
		uint8_t sha256[32], sha512[64];
		uint64_t size;
	} * e;
	size_t n, cap;
} cy_bag__digests;

/* cy_bag_validate on an open directory; pre (may be NULL) gives SHA-256 and
 * SHA-512 of files already hashed, which are then not read for those. */
int cy_bag__validate_fd(int dirfd, const cy_bag__digests *pre, cy_bag_report *rep);
void cy_bag__digests_release(cy_bag__digests *d);

/* Remove name under dirfd and everything below it, by descriptor, never
 * following a link.  0 or a CY_E code. */
int cy_bag__remove_tree(int parent, const char *name);

#endif
