/* docdate.c - the date a document says it was made, from its own metadata:
 * a PDF's /CreationDate (read with qpdf) and a JPEG's EXIF DateTimeOriginal
 * (read with libexif): the libraries made for those formats, not parsers of
 * our own.  Used for a record's year only when neither a sidecar row nor
 * --year gives it (a scan's creation date is when it was scanned, which an
 * archivist's --year rightly overrides). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libexif/exif-data.h>
#include <qpdf/qpdf-c.h>

#include "custody/datetime.h"
#include "custody/error.h"
#include "custody/ingest.h"
#include "custody/banned.h"

#define EXIF_HEAD (128u << 10) /* the APP1 segment is at the start of a JPEG */

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* YYYY, then optional MM and DD, each checked; sep is what may stand between
 * them ("" for PDF's D:YYYYMMDD, ":" for EXIF's YYYY:MM:DD). */
static int take_date(const char *s, const char *sep, cy_doc_date *out)
{
	size_t seplen = strlen(sep);
	int y = digits(s, 4), m, d;

	if (y < 1900 || y > 9999)
		return -1;
	memset(out, 0, sizeof(*out));
	out->year = y;
	snprintf(out->date, sizeof(out->date), "%04d", y);
	s += 4;
	if (strncmp(s, sep, seplen))
		return 0;
	s += seplen;
	m = digits(s, 2);
	if (m < 1 || m > 12)
		return 0;
	snprintf(out->date, sizeof(out->date), "%04d-%02d", y, m);
	s += 2;
	if (strncmp(s, sep, seplen))
		return 0;
	s += seplen;
	d = digits(s, 2);
	if (d >= 1 && d <= 31) {
		/* only a day that exists (a damaged 31 February stays 2019-02) */
		char full[16];
		int yy, mm, dd;
		snprintf(full, sizeof(full), "%04d-%02d-%02d", y, m, d);
		if (cy_date_parse(full, &yy, &mm, &dd) == 0)
			memcpy(out->date, full, 11); /* YYYY-MM-DD and its NUL */
		else
			cy_error_clear();
	}
	return 0;
}

/* data == NULL: read the file at path (qpdf reads what it needs, not all). */
static int pdf_date(const char *path, const void *data, size_t n, cy_doc_date *out)
{
	qpdf_data q = qpdf_init();
	const char *cd;
	QPDF_ERROR_CODE e;
	int rc = -1;

	if (!q)
		return -1;
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);
	e = data ? qpdf_read_memory(q, "pdf", data, (unsigned long long)n, NULL)
		 : qpdf_read(q, path, NULL);
	if (!(e & QPDF_ERRORS)) {
		cd = qpdf_get_info_key(q, "/CreationDate");
		if (cd && !strncmp(cd, "D:", 2))
			cd += 2;
		if (cd && strlen(cd) >= 4 && take_date(cd, "", out) == 0) {
			out->source = "pdf-creation-date";
			rc = 0;
		}
	}
	qpdf_cleanup(&q);
	return rc;
}

int cy_doc_date_pdf(const void *data, size_t n, cy_doc_date *out)
{
	return pdf_date(NULL, data, n, out);
}

int cy_doc_date_jpeg(const void *data, size_t n, cy_doc_date *out)
{
	ExifData *ed = exif_data_new_from_data(data,
					       (unsigned int)(n > 0xffffffffu ? 0xffffffffu : n));
	ExifEntry *e;
	char val[64];
	int rc = -1;

	if (!ed)
		return -1;
	e = exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_DATE_TIME_ORIGINAL);
	if (e) {
		exif_entry_get_value(e, val, sizeof(val));
		if (strlen(val) >= 4 && take_date(val, ":", out) == 0) {
			out->source = "exif-date-original";
			rc = 0;
		}
	}
	exif_data_unref(ed);
	return rc;
}

/* Read up to max bytes from the start of fd (all of it if max is 0 and the
 * size is known).  *buf is malloc'd. */
static int read_head(int fd, uint64_t size, size_t max, uint8_t **buf, size_t *n)
{
	size_t want = max && size > max ? max : (size_t)size;
	uint8_t *b = malloc(want ? want : 1);
	size_t got = 0;

	if (!b)
		return cy_error_set(CY_ENOMEM, "out of memory");
	while (got < want) {
		ssize_t r = pread(fd, b + got, want - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	*buf = b;
	*n = got;
	return 0;
}

int cy_doc_date_fd(int fd, const char *format, uint64_t size, cy_doc_date *out)
{
	uint8_t *b = NULL;
	size_t n = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!strcmp(format, "pdf")) {
		/* through the descriptor already opened without following links */
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		rc = pdf_date(path, NULL, 0, out);
	} else if (!strcmp(format, "jpeg")) {
		if (read_head(fd, size, EXIF_HEAD, &b, &n) == 0)
			rc = cy_doc_date_jpeg(b, n, out);
	}
	free(b);
	return rc;
}
