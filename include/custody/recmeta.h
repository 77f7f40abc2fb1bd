/* recmeta.h - a record's metadata as exports write it (recmeta.c). */
#ifndef CUSTODY_RECMETA_H
#define CUSTODY_RECMETA_H

#include <stdbool.h>

#include "custody/buf.h"
#include "custody/record.h"

/* One record as a JSON object (after a ',' unless first); file: where the
 * export put its original (or NULL); parts: its parts' objects (or NULL). */
void cy_recmeta_json(cy_buf *b, const cy_record_info *r, bool first, const char *file,
		     const cy_buf *parts);
/* One exported part as a JSON object (after a ',' unless i is 0). */
void cy_recmeta_part_json(cy_buf *b, unsigned i, const cy_record_part_info *p, const char *file);
/* The header row of records.csv (English and Chinese names), CRLF-ended. */
void cy_recmeta_csv_header(cy_buf *b);
/* One row of records.csv: a record's part p, exported as file. */
void cy_recmeta_csv(cy_buf *b, const cy_record_info *r, const cy_record_part_info *p,
		    const char *file);
/* One CSV field (RFC 4180; after a ',' unless first), formula-guarded. */
void cy_csv_cell(cy_buf *b, const char *s, bool first);

/* The last path segment of in, made a safe file name (at most 160 bytes,
 * no '/', '\\', controls or leading '.'); empty if in is not UTF-8. */
void cy_recmeta_safe_name(const char *in, cy_buf *out);
/* The name of a record's original in an export: the name it was imported
 * under, else "original" and its format as the extension. */
void cy_recmeta_original_name(const cy_record_info *r, cy_buf *out);
/* The name of part i (i >= 1): its role, numbered when several share it,
 * with its format's extension; "part-I" when that would not do. */
int cy_recmeta_part_name(const cy_record_info *r, unsigned i, const cy_record_part_info *p,
			 const char *orig, cy_buf *out);

#endif
