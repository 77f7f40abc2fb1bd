/* sniff.c - what a file is, from its first bytes and its name: the format
 * recorded in a record's metadata.  (Compression decides for itself.) */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/ingest.h"
#include "custody/banned.h"

#define SNIFF_BYTES 1024

/* Whether the first bytes of a file look like UTF-8 text (a sequence cut at
 * the end of the sample does not count against it). */
static bool sample_utf8(const uint8_t *p, size_t n)
{
	for (size_t cut = 0; cut < 4 && cut <= n; cut++)
		if (cy_utf8_valid((const char *)p, n - cut))
			return true;
	return false;
}

const char *cy_sniff_format(const uint8_t *p, size_t n, const char *name)
{
	const char *dot = strrchr(name, '.');

	if (n >= 4 && !memcmp(p, "%PDF", 4))
		return "pdf";
	if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
		return "png";
	if (n >= 3 && !memcmp(p, "\xff\xd8\xff", 3))
		return "jpeg";
	if (n >= 4 && (!memcmp(p, "GIF8", 4)))
		return "gif";
	if (n >= 4 && !memcmp(p, "PK\x03\x04", 4))
		return "zip";
	if (n >= 4 && (!memcmp(p, "II*\0", 4) || !memcmp(p, "MM\0*", 4)))
		return "tiff";
	if (memchr(p, 0, n) == NULL) {
		if (dot && !strcasecmp(dot, ".csv"))
			return "csv";
		if (dot && (!strcasecmp(dot, ".eml")))
			return "eml";
		if (dot && (!strcasecmp(dot, ".xml")))
			return "xml";
		if (dot && (!strcasecmp(dot, ".html") || !strcasecmp(dot, ".htm")))
			return "html";
		return sample_utf8(p, n) ? "text" : "text-legacy";
	}
	return "binary";
}

int cy_sniff_fd(int fd, const char *name, const char **format)
{
	uint8_t b[SNIFF_BYTES];
	ssize_t n;

	do
		n = pread(fd, b, sizeof(b), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cy_error_set_errno(CY_EIO, errno, "cannot read %s", name);
	*format = cy_sniff_format(b, (size_t)n, name);
	return 0;
}
