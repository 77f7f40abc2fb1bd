/* fsutil.h - file-system helpers of the library: whole writes, durable
 * renames, directory fsync, recursive mkdir.  Errors are translated from
 * errno once, here.  The few that front ends need too are in custody/file.h. */
#ifndef CY_BASE_FSUTIL_H
#define CY_BASE_FSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "custody/buf.h"
#include "custody/file.h"

/* write(2) until all n bytes are written; CY_ENOSPC / CY_EIO with `what` named. */
int cy_write_all(int fd, const void *p, size_t n, const char *what);
/* read(2) up to n bytes, retrying on EINTR; returns bytes read (< n only at EOF) or a CY_E code. */
ssize_t cy_read_full(int fd, void *p, size_t n, const char *what);
/* pread(2) exactly n bytes; CY_ECORRUPT if the file is shorter. */
int cy_pread_all(int fd, void *p, size_t n, uint64_t off, const char *what);
/* fsync a file descriptor / a directory by path. */
int cy_fsync_fd(int fd, const char *what);
int cy_fsync_dir(const char *path);
/* mkdir -p with the given mode. */
int cy_mkdir_p(const char *path, mode_t mode);
/* True if the directory does not exist or is empty. */
int cy_dir_is_empty(const char *path);
/* Call fn for dir itself (rel ".") and every file or directory below it, at
 * most max_depth levels down, that group or others have any permission on,
 * and for every symbolic link below it (never followed); mode is st_mode,
 * type bits included.  Through descriptors, O_NOFOLLOW. */
typedef void (*cy_mode_fn)(void *arg, const char *rel, unsigned mode);
int cy_fs_open_modes(const char *dir, int max_depth, cy_mode_fn fn, void *arg);

#endif
