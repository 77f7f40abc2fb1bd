/* bagit.h - BagIt bags (RFC 8493, v1.0): written as a stream into a tar,
 * validated, and extracted from a tar without trusting it.
 *
 * A transfer package (issue 9) is a bag inside a tar inside age.  The writer
 * never holds the bag on disk: every byte goes through a sink callback (the
 * age encryptor, a file, memory), hashed with SHA-256 and SHA-512 once as it
 * passes.  The receiver extracts the tar into a work directory with
 * cy_bag_extract (refusing links, devices, `..`, names that collide, bombs)
 * and validates it, in one pass with cy_bag_extract_validate.
 *
 * custody's bag profile is docs/formats/bagit.md; the validator's rules and
 * the extraction's defences are docs/internals/bagit.md.
 *
 * An integrity failure (a bag that is not valid, a tar that is hostile or
 * truncated) is CY_ECORRUPT: the brief's CY_EINTEGRITY, exit code 5. */
#ifndef CUSTODY_BAGIT_H
#define CUSTODY_BAGIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- writing -------------------------------------------------------------------------------- */

/* Where the tar's bytes go (the same shape as cy_data_sink of record.h):
 * 0, or a negative CY_E code that stops the writer and is returned as is. */
typedef int (*cy_bag_sink)(void *arg, const void *data, size_t n);

typedef struct cy_bag_writer cy_bag_writer;

/* Start a bag whose entries all lie under `top` (one clean path segment, e.g.
 * "transfer-12") in a POSIX (pax) tar sent to sink.  bagit.txt is written at
 * once.  *out is the caller's, freed with cy_bag_writer_free.
 * 0, CY_EINVALID (top), CY_ENOMEM, or the sink's code. */
int cy_bag_writer_new(cy_bag_writer **out, const char *top, cy_bag_sink sink, void *arg);

/* Begin a file of exactly `size` bytes (a tar header needs the size first).
 * path is "data/..." for payload, or another relative path for a tag file
 * (e.g. "metadata/records.jsonl"), which the tag manifests then cover.
 * Refused with CY_EINVALID: a path that is not clean relative UTF-8 (empty,
 * absolute, `.` or `..` segments, empty segments, a backslash, control
 * characters), a reserved name (bagit.txt, bag-info.txt, fetch.txt,
 * [tag]manifest-*.txt), "data" itself, a path given before or one that
 * collides with one under Unicode NFC and case folding (the receiver refuses
 * such bags), or a call while another file is open.  A '%' in a name is
 * written as %25 in the manifests (RFC 8493 2.1.3).  mtime: seconds since
 * the epoch, for the tar header. */
int cy_bag_file_begin(cy_bag_writer *b, const char *path, uint64_t size, int64_t mtime);
/* Bytes of the open file, hashed as they pass; CY_EINVALID beyond its size. */
int cy_bag_file_write(cy_bag_writer *b, const void *data, size_t n);
/* Close the open file: CY_EINVALID if fewer bytes came than declared (the
 * bag is then unusable: the tar entry is short; free the writer). */
int cy_bag_file_end(cy_bag_writer *b);
/* begin + write + end of a buffer. */
int cy_bag_add_bytes(cy_bag_writer *b, const char *path, const void *data, size_t n, int64_t mtime);
/* A bag-info.txt element, kept in the order given; labels may repeat.  The
 * label is non-empty printable ASCII without ':' or white space; the value
 * UTF-8 without control characters other than '\n' (written as a
 * continuation line).  Payload-Oxum, Bag-Size and Bagging-Date are added by
 * cy_bag_finish unless given here (give Bagging-Date for reproducible bags;
 * Payload-Oxum is always computed and may not be given). */
int cy_bag_info_add(cy_bag_writer *b, const char *label, const char *value);

/* Write manifest-sha256.txt and manifest-sha512.txt (payload, in the order
 * added), bag-info.txt, tagmanifest-sha256.txt and tagmanifest-sha512.txt
 * (bagit.txt, bag-info.txt, both manifests and every tag file), close the tar
 * and flush it to the sink.  tagmanifest_sha256 (may be NULL) receives the
 * SHA-256 of the bytes of tagmanifest-sha256.txt: what a receipt names.
 * After it, only cy_bag_writer_free. */
int cy_bag_finish(cy_bag_writer *b, uint8_t tagmanifest_sha256[32]);
/* Accepts NULL.  Freeing an unfinished writer leaves the sink with a tar
 * that has no end: the caller discards it. */
void cy_bag_writer_free(cy_bag_writer *b);

/* ---- validating ----------------------------------------------------------------------------- */

typedef struct cy_bag_report {
	bool valid;    /* every check passed (no errors) */
	bool complete; /* every file the manifests and fetch.txt name is present */
	char **errors; /* each a reason a user reads (one line, names the file) */
	size_t nerrors;
	char **warnings;
	size_t nwarnings;
	uint64_t files, bytes;		   /* payload present under data/ */
	char **info_labels, **info_values; /* bag-info.txt, in order, UTF-8 */
	size_t ninfo;
	char version[16];		/* BagIt-Version as declared ("1.0"), "" if unread */
	uint8_t tagmanifest_sha256[32]; /* SHA-256 of tagmanifest-sha256.txt's bytes */
	bool has_tagmanifest_sha256;
} cy_bag_report;

/* Validate the bag in directory dir (RFC 8493 and docs/internals/bagit.md):
 * bagit.txt; every manifest and tag manifest of md5, sha1, sha224, sha256,
 * sha384 or sha512 checked, each file read once for all of them; files
 * present but not listed, listed but missing, duplicate entries, paths that
 * escape the bag or the payload directory, Payload-Oxum, fetch.txt.  Inside
 * the bag nothing is followed: a symbolic link or a special file is an error.
 * rep is filled (zero it first or pass a fresh one; release it with
 * cy_bag_report_free) even when the bag is invalid.
 * 0 valid (warnings possible), CY_ECORRUPT invalid (rep->errors says why),
 * CY_ENOTFOUND / CY_EIO when dir cannot be read, CY_ENOMEM.
 * A holey bag (fetch.txt) whose listed files are all present is valid (with
 * a warning); custody never fetches, so one with files missing is invalid
 * and incomplete.  custody's own bags have no fetch.txt. */
int cy_bag_validate(const char *dir, cy_bag_report *rep);
/* The first value of a bag-info label (case-insensitive), or NULL; borrowed. */
const char *cy_bag_info_get(const cy_bag_report *r, const char *label);
/* Release the report's contents (not the struct); it is zeroed. */
void cy_bag_report_free(cy_bag_report *r);

/* ---- extracting ----------------------------------------------------------------------------- */

/* Where the tar's bytes come from: fills buf with up to n bytes and returns
 * how many, 0 at the end, or a negative CY_E code (returned as is). */
typedef long (*cy_bag_source)(void *arg, void *buf, size_t n);

/* Limits of an extraction; 0 means the default (CY_BAG_MAX_*). */
typedef struct cy_bag_limits {
	uint64_t max_total; /* bytes of all files together */
	uint64_t max_files; /* regular files */
	uint64_t max_file;  /* bytes of one file */
} cy_bag_limits;
#define CY_BAG_MAX_TOTAL (UINT64_C(1) << 40) /* 1 TiB */
#define CY_BAG_MAX_FILES UINT64_C(10000000)
#define CY_BAG_MAX_FILE (UINT64_C(1) << 38) /* 256 GiB */

/* Extract the plain tar read from src into workdir, which must exist and be
 * a real directory (not a symbolic link) owned by this user with mode 0700
 * (no group or other bits): the tar's one top directory becomes
 * workdir/<top> (which must not exist yet), *top_out names it (the caller
 * frees it; may be NULL).  Entries are created relative to workdir's
 * descriptor, never following a link: directories 0700, files 0600, no
 * owner, mode or time taken from the tar.
 * Refused before anything of the entry is written: `..`, absolute paths and
 * other unclean names, symbolic and hard links, devices, FIFOs and sockets,
 * sparse files, a second entry of the same name or one that collides after
 * Unicode NFC normalisation and case folding, more than one top directory or
 * an entry beside it, more files or bytes than lim allows (the bytes actually
 * written are counted, not only the declared sizes), a tar that ends early,
 * a compressed tar (only a plain tar is expected; the message names the
 * compression), and anything that is not a tar.  On any failure
 * workdir/<top> is removed again and nothing outside workdir was touched.
 * 0, CY_ECORRUPT (hostile or damaged tar), CY_EINVALID (workdir, limits
 * exceeded), CY_EEXISTS (workdir/<top> exists), CY_EIO, CY_ENOSPC, CY_ENOMEM,
 * or the source's code. */
int cy_bag_extract(cy_bag_source src, void *arg, const char *workdir, const cy_bag_limits *lim,
		   char **top_out);

/* cy_bag_extract, then cy_bag_validate of workdir/<top> in the same pass:
 * SHA-256 and SHA-512 are computed while the files are written, so the
 * payload is not read again (other algorithms are, from the files written).
 * rep as for cy_bag_validate.  A refused tar and an invalid bag leave
 * nothing in workdir (rep says why the bag was invalid).
 * 0 valid, CY_ECORRUPT invalid or refused, or cy_bag_extract's codes. */
int cy_bag_extract_validate(cy_bag_source src, void *arg, const char *workdir,
			    const cy_bag_limits *lim, char **top_out, cy_bag_report *rep);

#endif
