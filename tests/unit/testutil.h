/* testutil.h - small helpers shared by the cmocka unit tests. */
#ifndef CY_TESTUTIL_H
#define CY_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"

/* Read a whole file into buf (appended); 0 or CY_E code. */
int tu_read_file(const char *path, cy_buf *out);
/* Decode hex (any length, even) into out; returns bytes, or -1. */
long tu_unhex(const char *hex, uint8_t *out, size_t cap);
/* A fresh temporary directory (mkdtemp under $TMPDIR); caller frees the string. */
char *tu_tmpdir(void);
/* rm -rf path. */
void tu_rmrf(const char *path);

#endif
