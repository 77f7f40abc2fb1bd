/* testutil.c - helpers shared by the unit tests (see testutil.h). */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "testutil.h"

int tu_read_file(const char *path, cy_buf *out)
{
	char tmp[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return cy_error_set(CY_ENOTFOUND, "cannot open %s", path);
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		cy_buf_put(out, tmp, (size_t)n);
	close(fd);
	return n < 0 ? CY_EIO : 0;
}

long tu_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > cap)
		return -1;
	if (cy_hex_decode(hex, n, out, n / 2))
		return -1;
	return (long)(n / 2);
}

char *tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *p;
	size_t n;

	if (!base || !*base)
		base = "/tmp";
	n = strlen(base) + 32;
	p = malloc(n);
	snprintf(p, n, "%s/cytest.XXXXXX", base);
	if (!mkdtemp(p)) {
		free(p);
		return NULL;
	}
	return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_rmrf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
