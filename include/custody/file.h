/* file.h - the file helpers front ends need as well as the library: read a
 * small file (a password file, a checkpoint), create a new one exclusively
 * (a recovery key), join paths.  The rest of the library's file helpers are
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
/* Join two path parts into out (cleared first). */
int cy_path_join(cy_buf *out, const char *a, const char *b);

#endif
