/* file.h - the file helpers front ends need as well as the library: read a
 * small file (a password file, a checkpoint), create a new one exclusively,
 * write an output file a user named (a record's bytes, a recovery key), join
 * paths.  The rest of the library's file helpers are
 * internal (src/base/fsutil.h). */
#ifndef CUSTODY_FILE_H
#define CUSTODY_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "custody/buf.h"

/* Read a whole (small) file; CY_ENOTFOUND if missing. max bounds the size. */
int cy_read_file(const char *path, size_t max, cy_buf *out);
/* Create `path` with O_EXCL and mode, write data, fsync, close. */
int cy_write_file_excl(const char *path, const void *data, size_t n, mode_t mode);
/* If dir is an existing, empty directory of the caller's, make it 0700
 * (through a descriptor opened with O_NOFOLLOW).  0 also when dir does not
 * exist; CY_EEXISTS if it is not empty, CY_EPERM if it is someone else's. */
int cy_dir_make_private(const char *dir);
/* Join two path parts into out (cleared first). */
int cy_path_join(cy_buf *out, const char *a, const char *b);

/* An output file a user named (get -o FILE, init --recovery-file FILE): the
 * one way the CLI writes one.  The bytes go to a new file with a random name
 * in FILE's directory (openat, O_CREAT|O_EXCL|O_NOFOLLOW, the given mode),
 * renamed to FILE by cy_outfile_commit once all is written and synced, so FILE
 * never holds a part and a failure leaves nothing behind.  FILE itself:
 *   missing         created;
 *   a regular file  CY_EEXISTS unless CY_OUT_FORCE, then replaced (renamed
 *                   over: whoever held the old file does not see the new bytes);
 *   a symbolic link CY_EINVALID: never followed, never replaced;
 *   a directory     CY_EINVALID;
 *   a device, FIFO  CY_EEXISTS unless CY_OUT_FORCE, then written into directly
 *   or socket       (O_WRONLY|O_NOFOLLOW, no O_CREAT, no O_TRUNC), never replaced.
 * Usage: cy_outfile_open, write to of->fd, then cy_outfile_commit (which
 * closes), or cy_outfile_abort on any failure.  Both accept an outfile that
 * failed to open. */
#define CY_OUT_FORCE 1u
/* The caller has a --force option: refusals say to use it. */
#define CY_OUT_HINT_FORCE 2u

typedef struct cy_outfile {
	int fd;	      /* write here */
	int dfd;      /* the target's directory */
	int direct;   /* writing into a special file, no temporary */
	char tmp[64]; /* the temporary's name in dfd; "" when none */
	char *base;   /* the target's name in dfd */
	char *path;   /* the target as given, for messages */
	unsigned flags;
} cy_outfile;

int cy_outfile_open(cy_outfile *of, const char *path, mode_t mode, unsigned flags);
/* What cy_outfile_open would refuse, without creating anything (to refuse
 * before asking for a password). */
int cy_outfile_check(const char *path, unsigned flags);
int cy_outfile_commit(cy_outfile *of);
void cy_outfile_abort(cy_outfile *of);
/* Create path with data through a cy_outfile (new file only: no CY_OUT_FORCE). */
int cy_outfile_write(const char *path, const void *data, size_t n, mode_t mode);

#endif
