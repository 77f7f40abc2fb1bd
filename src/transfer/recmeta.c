/* recmeta.c - a record's metadata as JSON and as CSV rows, the one layout
 * of every export that hands records out: a customer's own data (PIPL
 * Art. 45, subject export) and a transfer package (metadata/records.jsonl,
 * records.csv).  docs/formats/subject-export.md. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "custody/encoding.h"
#include "custody/recmeta.h"
#include "custody/banned.h"

/* The record's labels, from its decrypted metadata (record-meta.md), into a
 * JSON array (json) and ';'-separated (csv); either may be NULL.  jansson
 * parses with the wiping allocator the library installed when it decrypted
 * the metadata. */
static void record_labels(const cy_record_info *r, cy_buf *json, cy_buf *csv)
{
	json_t *j = r->meta_json ? json_loads(r->meta_json, JSON_REJECT_DUPLICATES, NULL) : NULL;
	json_t *l = j ? json_object_get(j, "labels") : NULL;
	size_t i, k = 0;
	json_t *e;

	if (json)
		cy_buf_putc(json, '[');
	json_array_foreach(l, i, e)
	{
		if (!json_is_string(e))
			continue;
		if (json) {
			if (k)
				cy_buf_putc(json, ',');
			cy_json_cstr(json, json_string_value(e));
		}
		if (csv) {
			if (k)
				cy_buf_putc(csv, ';');
			cy_buf_puts(csv, json_string_value(e));
		}
		k++;
	}
	if (json)
		cy_buf_putc(json, ']');
	json_decref(j);
}

/* One linked record as a JSON object (appended, after a ',' unless first);
 * file: where an export put its original, or NULL. */
void cy_recmeta_json(cy_buf *b, const cy_record_info *r, bool first, const char *file,
		     const cy_buf *parts)
{
	if (!first)
		cy_buf_putc(b, ',');
	cy_buf_puts(b, "{\"archive_no\":");
	cy_json_cstr(b, r->archive_no);
	cy_buf_puts(b, ",\"class\":");
	cy_json_cstr(b, r->class_name);
	cy_buf_printf(b, ",\"year\":%d,\"title\":", r->year);
	cy_json_cstr(b, r->title ? r->title : "");
	cy_buf_puts(b, ",\"date\":");
	cy_json_cstr(b, r->date);
	if (*r->date_end) {
		cy_buf_puts(b, ",\"date_end\":");
		cy_json_cstr(b, r->date_end);
	}
	cy_buf_puts(b, ",\"retention\":");
	cy_json_cstr(b, r->retention);
	cy_buf_puts(b, ",\"labels\":");
	record_labels(r, b, NULL);
	cy_buf_puts(b, ",\"status\":");
	cy_json_cstr(b, r->status);
	cy_buf_puts(b, ",\"format\":");
	cy_json_cstr(b, r->format);
	cy_buf_printf(b, ",\"size\":%llu,\"sha256\":\"%s\"", (unsigned long long)r->size,
		      r->sha256);
	cy_buf_puts(b, ",\"source\":");
	cy_json_cstr(b, r->source ? r->source : "");
	if (file) {
		cy_buf_puts(b, ",\"file\":");
		cy_json_cstr(b, file);
	}
	if (parts) {
		cy_buf_puts(b, ",\"parts\":[");
		cy_buf_put(b, parts->ptr, parts->len);
		cy_buf_putc(b, ']');
	}
	cy_buf_putc(b, '}');
}

/* One exported part as a JSON object (after a ',' unless the first). */
void cy_recmeta_part_json(cy_buf *b, unsigned i, const cy_record_part_info *p, const char *file)
{
	if (i)
		cy_buf_putc(b, ',');
	cy_buf_printf(b, "{\"part\":%u,\"role\":", i);
	cy_json_cstr(b, p->role);
	cy_buf_puts(b, ",\"format\":");
	cy_json_cstr(b, p->format);
	cy_buf_printf(b, ",\"size\":%llu,\"sha256\":\"%s\",\"file\":", (unsigned long long)p->size,
		      p->sha256);
	cy_json_cstr(b, file);
	cy_buf_putc(b, '}');
}

/* One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF.
 * A value a spreadsheet would take for a formula (=, +, -, @ first) is
 * prefixed with an apostrophe; subject.json has it as it is. */
void cy_csv_cell(cy_buf *b, const char *s, bool first)
{
	bool guard = strchr("=+-@\t\r", *s) && *s;
	bool quote = guard || strpbrk(s, ",\"\r\n");

	if (!first)
		cy_buf_putc(b, ',');
	if (quote)
		cy_buf_putc(b, '"');
	if (guard)
		cy_buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			cy_buf_putc(b, '"');
		cy_buf_putc(b, *s);
	}
	if (quote)
		cy_buf_putc(b, '"');
}

/* The header row: English names (for programs) and Chinese (for people). */
static const char *const CSV_HEADER[] = {
	"archive_no 档号",    "class 门类",  "year 年度",   "date 形成日期", "date_end 截止日期",
	"retention 保管期限", "title 题名",  "labels 标签", "status 状态",   "part 部分",
	"format 格式",	      "size 字节数", "sha256",	    "file 文件",
};

/* One line of records.csv: a record's part p, exported as file. */
void cy_recmeta_csv(cy_buf *b, const cy_record_info *r, const cy_record_part_info *p,
		    const char *file)
{
	cy_buf t = CY_BUF_INIT;
	char n[32];

	cy_csv_cell(b, r->archive_no, true);
	cy_csv_cell(b, r->class_name, false);
	snprintf(n, sizeof(n), "%d", r->year);
	cy_csv_cell(b, n, false);
	cy_csv_cell(b, r->date, false);
	cy_csv_cell(b, r->date_end, false);
	cy_csv_cell(b, r->retention, false);
	cy_csv_cell(b, r->title ? r->title : "", false);
	record_labels(r, NULL, &t);
	cy_csv_cell(b, cy_buf_cstr(&t), false);
	cy_csv_cell(b, r->status, false);
	cy_csv_cell(b, p->role, false);
	cy_csv_cell(b, p->format, false);
	snprintf(n, sizeof(n), "%llu", (unsigned long long)p->size);
	cy_csv_cell(b, n, false);
	cy_csv_cell(b, p->sha256, false);
	cy_csv_cell(b, file, false);
	cy_buf_puts(b, "\r\n");
	cy_buf_wipe(&t);
}

void cy_recmeta_csv_header(cy_buf *b)
{
	for (size_t i = 0; i < sizeof(CSV_HEADER) / sizeof(CSV_HEADER[0]); i++)
		cy_csv_cell(b, CSV_HEADER[i], i == 0);
	cy_buf_puts(b, "\r\n");
}

/* A file or directory name made from a value that is not ours (an archive
 * number, the name a file was imported under): its last path component, with
 * '/', '\', controls, C1 and bidi characters as '_', a leading '.' as '_', at
 * most 160 bytes (so "." and ".." cannot come out); "" when the name is not
 * UTF-8 or empty. */
void cy_recmeta_safe_name(const char *in, cy_buf *out)
{
	const char *base = strrchr(in, '/');
	const unsigned char *p;
	size_t n;

	cy_buf_clear(out);
	base = base ? base + 1 : in;
	if (!cy_utf8_valid(base, strlen(base)))
		return;
	for (p = (const unsigned char *)base; *p; p += n) {
		n = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
		if (out->len + n > 160)
			break;
		if (*p == '/' || *p == '\\' || !cy_text_is_safe((const char *)p, n) ||
		    (*p == '.' && out->len == 0))
			cy_buf_putc(out, '_');
		else
			cy_buf_put(out, p, n);
	}
}

/* The extension of a file in the format named: "" for binary data or a
 * format name that is not a plain word. */
static const char *format_ext(const char *format)
{
	if (!strcmp(format, "text"))
		return "txt";
	if (!*format || !strcmp(format, "binary") ||
	    strspn(format, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(format))
		return "";
	return format;
}

/* The name of a record's original in the export: the name it was imported
 * under, else "original" and its format as the extension. */
void cy_recmeta_original_name(const cy_record_info *r, cy_buf *out)
{
	if (!strcmp(r->source_kind, "file") && r->source)
		cy_recmeta_safe_name(r->source, out);
	else
		cy_buf_clear(out);
	if (out->len)
		return;
	cy_buf_puts(out, "original");
	if (*format_ext(r->format))
		cy_buf_printf(out, ".%s", format_ext(r->format));
}

/* A role that can be a file name as it is (the importers' words). */
static bool plain_role(const char *role)
{
	return *role && strspn(role, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(role);
}

/* The name of part i (i >= 1) of a record in the export: its role, numbered
 * when the record has several parts of that role ("attachment-2"), with its
 * format's extension ("fields.json", "text.txt"); "part-I" instead of a role
 * that is not a plain word or a name the original already has. */
int cy_recmeta_part_name(const cy_record_info *r, unsigned i, const cy_record_part_info *p,
			 const char *orig, cy_buf *out)
{
	unsigned same = 0, nth = 0;
	int rc = 0;

	cy_buf_clear(out);
	for (unsigned j = 1; !rc && j < r->nobjects && plain_role(p->role); j++) {
		cy_record_part_info q;
		if (!(rc = cy_record_part_describe(r, j, &q)) && !strcmp(q.role, p->role)) {
			same++;
			if (j <= i)
				nth++;
		}
	}
	if (rc)
		return rc;
	if (plain_role(p->role))
		cy_buf_puts(out, p->role);
	if (out->len && same > 1)
		cy_buf_printf(out, "-%u", nth);
	if (*format_ext(p->format))
		cy_buf_printf(out, ".%s", format_ext(p->format));
	if (!plain_role(p->role) || !strcmp(cy_buf_cstr(out), orig)) {
		cy_buf_clear(out);
		cy_buf_printf(out, "part-%u", i);
		if (*format_ext(p->format))
			cy_buf_printf(out, ".%s", format_ext(p->format));
	}
	return 0;
}
