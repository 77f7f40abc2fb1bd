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
