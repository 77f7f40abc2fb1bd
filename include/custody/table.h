/* table.h - tables that come from outside (a CRM's CSV export today, an XLSX
 * sheet later): decoded to UTF-8, their header recognised, each row handed
 * over as named fields.  Only reads its input; writes nothing to disk.
 *
 * Two layers (docs/internals/ingest-table.md):
 *  - a reader turns bytes into rows of cells, each with the physical line it
 *    starts on: cy_table_csv_feed / cy_table_csv_file for CSV (encoding
 *    detection, iconv, libcsv);
 *  - the mapping layer (cy_table_feed_cells, which an XLSX reader can call
 *    directly) finds the header below any title rows, maps columns to fields
 *    (built-in Chinese and English headers, then a map file:
 *    docs/formats/table-map.md), undoes Excel's quirks and calls the
 *    handler once per data row or reject.
 *
 * Every value handed out is personal data: the handler gets borrowed
 * pointers valid only during the call; the module wipes its buffers. */
#ifndef CUSTODY_TABLE_H
#define CUSTODY_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- fields ---- */
typedef enum cy_table_field {
	CY_TF_CUSTOMER_NO = 0, /* 客户编号: an identifier (scientific notation is a reject) */
	CY_TF_NAME,	       /* 客户名称, 姓名 */
	CY_TF_ID_TYPE,	       /* 证件类型 */
	CY_TF_ID_NUMBER,       /* 身份证号, 证件号码: an identifier */
	CY_TF_GENDER,	       /* 性别 */
	CY_TF_BIRTH_DATE,      /* 出生日期: a date */
	CY_TF_PHONE,	       /* 手机, 电话: an identifier */
	CY_TF_EMAIL,	       /* 邮箱 */
	CY_TF_ADDRESS,	       /* 地址 */
	CY_TF_POSTCODE,	       /* 邮编 */
	CY_TF_COMPANY,	       /* 单位, 公司, 工作单位 */
	CY_TF_USCC,	       /* 统一社会信用代码: an identifier */
	CY_TF_BANK,	       /* 开户行 */
	CY_TF_ACCOUNT,	       /* 账号, 银行卡号: an identifier */
	CY_TF_AMOUNT,	       /* 金额 */
	CY_TF_CURRENCY,	       /* 币种 */
	CY_TF_DATE,	       /* 交易日期, 日期: a date */
	CY_TF_TXN_TYPE,	       /* 交易类型, 借贷标志 */
	CY_TF_SUMMARY,	       /* 摘要, 用途 */
	CY_TF_CONTRACT_NO,     /* 合同编号 */
	CY_TF_SIGNED,	       /* 签订日期: a date */
	CY_TF_TITLE,	       /* 标题, 合同名称 */
	CY_TF_NOTE,	       /* 备注 */
	CY_TF_TXN_NO,	       /* 交易流水号: an identifier */
	CY_TF_COUNT
} cy_table_field;

/* "customer_no", "name", "id_type", "id_number", "gender", "birth_date",
 * "phone", "email", "address", "postcode", "company", "uscc", "bank",
 * "account", "amount", "currency", "date", "txn_type", "summary",
 * "contract_no", "signed", "title", "note", "txn_no"; "?" for a bad value.
 * Fields are appended, never renumbered. */
const char *cy_table_field_name(cy_table_field f);
/* CY_EINVALID (naming the fields) if s is none of them. */
int cy_table_field_parse(const char *s, cy_table_field *out);

/* ---- map files (docs/formats/table-map.md) ---- */
typedef struct cy_table_map cy_table_map;
/* Parse a map (JSON) from memory; name is used in messages. */
int cy_table_map_parse(const void *data, size_t n, const char *name, cy_table_map **out);
int cy_table_map_load(const char *path, cy_table_map **out);
void cy_table_map_free(cy_table_map *m);

/* ---- options ---- */
#define CY_TABLE_FIELD_MAX_DEFAULT (64u << 10) /* bytes of one field (UTF-8) */
#define CY_TABLE_ROW_MAX_DEFAULT (1u << 20)    /* bytes of one row as in the file */
#define CY_TABLE_COLS_MAX_DEFAULT 1024u
#define CY_TABLE_ROWS_MAX_DEFAULT 100000000u

typedef struct cy_table_opts {
	/* NULL or "auto": detected (a byte-order mark, else valid UTF-8, else
	 * uchardet); or "utf-8", "gb18030" ("gbk", "gb2312" are read as
	 * GB18030, their superset), "big5", "utf-16le", "utf-16be". */
	const char *encoding;
	const cy_table_map *map; /* NULL: built-in headers only; borrowed, outlives the table */
	/* 0: the commonest of ',', '\t', ';' in the first 64 KiB (',' on a tie);
	 * the one used is cy_table_delimiter() */
	char delimiter;
	size_t field_max; /* 0: the defaults above */
	size_t row_max;
	size_t cols_max;
	uint64_t rows_max;
} cy_table_opts;

/* ---- what the handler gets ---- */
typedef struct cy_table_value {
	const char *name;  /* the column's header as given (UTF-8), or "column N" when empty */
	const char *value; /* UTF-8, trimmed, NUL-terminated (values never hold a NUL) */
} cy_table_value;

typedef struct cy_table_problem {
	int field;	    /* a cy_table_field */
	const char *column; /* the header it came from */
	const char *value;  /* the value as given (personal data) */
	const char *reason; /* English, safe to show: names no value */
} cy_table_problem;

typedef struct cy_table_row {
	uint64_t line;	 /* physical line the row starts on (1-based; line 1 is the file's first) */
	uint64_t number; /* 1-based count of data rows */
	/* mapped fields: NULL when absent or empty.  Values are trimmed,
	 * Unicode NFC (identifiers NFKC: full-width digits become ASCII),
	 * Excel's ="..." unwrapped, dates as YYYY-MM-DD. */
	const char *field[CY_TF_COUNT];
	const cy_table_value *extra; /* columns no field took, in column order */
	size_t nextra;
	/* values that could not be taken for their field (a date that is not a
	 * date): the field is NULL and the value is here, not lost */
	const cy_table_problem *problem;
	size_t nproblem;
	const void *raw; /* the row's bytes as in the file (its lines, original encoding) */
	size_t raw_len;
} cy_table_row;

typedef struct cy_table_reject {
	uint64_t line;	    /* physical line the row starts on */
	const char *reason; /* English, safe to show: names no value */
	const void *raw;    /* the row's bytes as in the file: personal data */
	size_t raw_len;
} cy_table_reject;

typedef enum cy_table_col_kind {
	CY_TABLE_COL_BUILTIN = 0, /* recognised by the built-in header list */
	CY_TABLE_COL_MAP,	  /* named by the map file */
	CY_TABLE_COL_EXTRA,	  /* unknown: kept as an extra value */
	CY_TABLE_COL_DUPLICATE,	  /* a field an earlier column already has: kept as extra */
	CY_TABLE_COL_IGNORED,	  /* the map file says to ignore it */
} cy_table_col_kind;

typedef struct cy_table_column {
	const char *header; /* as given, trimmed (UTF-8); "column N" when empty */
	int field;	    /* a cy_table_field, or -1 */
	cy_table_col_kind kind;
} cy_table_column;

typedef struct cy_table_counts {
	uint64_t rows;	      /* data rows handed to the row callback */
	uint64_t rejects;     /* rows handed to the reject callback */
	uint64_t problems;    /* values reported as problems in those rows */
	uint64_t title_rows;  /* rows above the header that were skipped */
	uint64_t empty_rows;  /* blank rows skipped */
	uint64_t lines;	      /* physical lines read */
	uint64_t header_line; /* 0: no header found yet */
} cy_table_counts;

typedef struct cy_table cy_table;

/* A callback returns 0 to go on; anything else stops the table, and the
 * feed or finish call that was running returns it (CY_ECANCELLED, say). */
typedef struct cy_table_handler {
	int (*header)(void *arg, const cy_table *t); /* optional: once the header is known */
	int (*row)(void *arg, const cy_table_row *r);
	int (*reject)(void *arg, const cy_table_reject *r);
} cy_table_handler;

/* A new table.  o may be NULL (all defaults); h and arg are kept. */
int cy_table_new(const cy_table_opts *o, const cy_table_handler *h, void *arg, cy_table **out);
void cy_table_free(cy_table *t);

/* CSV: feed the file's bytes in pieces of any size, then cy_table_finish.
 * The encoding is settled on the first 64 KiB (or at finish, for a smaller
 * file).  0, or CY_EINVALID for what stops the whole file (a row longer
 * than row_max: a quote never closed; more rows than rows_max; an encoding
 * that cannot be told or converted), CY_ENOMEM, or a handler's code.  After
 * an error the table takes nothing more. */
int cy_table_csv_feed(cy_table *t, const void *data, size_t n);
/* The end of the input: the last row, a header-only table. */
int cy_table_finish(cy_table *t);
/* Read a whole CSV file in 64 KiB pieces (never all of it in memory) and finish. */
int cy_table_csv_file(cy_table *t, const char *path);

/* Any other reader (XLSX): one row of cells, already UTF-8, with the
 * physical position it came from (for XLSX, the sheet's row number) and its
 * bytes as stored (may be NULL).  cells[i] is NUL-terminated; a NULL cell is
 * empty.  Then cy_table_finish. */
int cy_table_feed_cells(cy_table *t, uint64_t line, const char *const *cells, size_t n,
			const void *raw, size_t raw_len);
/* A row the reader could not make cells of (reason: English, names no value). */
int cy_table_feed_reject(cy_table *t, uint64_t line, const char *reason, const void *raw,
			 size_t raw_len);

/* The encoding the CSV was read in ("UTF-8", "GB18030", "BIG5", "UTF-16LE",
 * "UTF-16BE", or another name uchardet gave), how it was chosen ("bom",
 * "utf-8", "uchardet", "given"), or NULL before it is settled. */
const char *cy_table_encoding(const cy_table *t);
const char *cy_table_encoding_source(const cy_table *t);
/* The delimiter in use (0 before the encoding is settled). */
char cy_table_delimiter(const cy_table *t);
/* "builtin", "map", "extra", "duplicate", "ignored" (for a --dry-run summary). */
const char *cy_table_col_kind_name(cy_table_col_kind k);
/* The header's columns (borrowed; n set); NULL before the header is known. */
const cy_table_column *cy_table_columns(const cy_table *t, size_t *n);
/* Fields the map gives a constant value (NULL if none). */
const char *cy_table_constant(const cy_table *t, cy_table_field f);
const cy_table_counts *cy_table_get_counts(const cy_table *t);

/* ---- helpers the mapping layer uses, for other importers too ---- */
/* The built-in field of a header ("手机号码：", "Customer No.", full-width
 * forms): -1 when none. */
int cy_table_header_field(const char *header);
/* A date as spreadsheets write it ("2024-03-05", "2024/3/5", "2024.3.5",
 * "2024年3月5日", "20240305", an Excel serial day number such as 45123
 * (1900 date system), optionally followed by a time that is dropped) as
 * YYYY-MM-DD into out[11].  0 or CY_EINVALID. */
int cy_table_date(const char *s, char out[11]);
/* Whether s is a number in scientific notation ("1.10105E+17"). */
bool cy_table_is_scientific(const char *s);

/* ---- XLSX (src/ingest/xlsx.c; docs/internals/ingest-table.md, "XLSX") ----
 * A sheet of an Office Open XML workbook, streamed: the zip is read entry by
 * entry with libarchive and each part's XML parsed with expat as it is
 * decompressed.  Each <row> becomes one cy_table_feed_cells call (line: the
 * sheet's 1-based row number; cells placed by their column letters, missing
 * cells empty; raw: the row's cell texts joined by tabs, UTF-8), so the
 * header detection, mapping and Excel quirks are the CSV ones.  Cells are
 * handed over as stored: numbers as written ("1.10105E+17" stays that, and
 * is a reject in an identifier column), date-styled numbers as their serial
 * day number, shared and inline strings as their text (rich-text runs
 * joined), booleans as TRUE/FALSE. */

/* Limits against hostile workbooks; 0 in a member means its default. */
#define CY_TABLE_XLSX_SHEET_MAX_DEFAULT (1ull << 30)	/* decompressed bytes of the sheet */
#define CY_TABLE_XLSX_STRINGS_MAX_DEFAULT (256ull << 20) /* of sharedStrings.xml */
#define CY_TABLE_XLSX_STRINGS_COUNT_DEFAULT (16u << 20)	/* shared strings */
#define CY_TABLE_XLSX_PART_MAX_DEFAULT (16ull << 20)	/* workbook, rels, styles */
#define CY_TABLE_XLSX_RATIO_DEFAULT 250u /* decompressed : file bytes, past 1 MiB */
#define CY_TABLE_XLSX_XML_MEM_DEFAULT (64ull << 20) /* expat's memory for one part */

typedef struct cy_table_xlsx_limits {
	uint64_t sheet_max;
	uint64_t strings_max;
	uint64_t strings_count_max;
	uint64_t part_max;
	unsigned ratio_max;
	uint64_t xml_mem_max; /* expat holds a whole tag: one huge tag stops here */
} cy_table_xlsx_limits;

/* Read one sheet of the XLSX file at path into t, then cy_table_finish.
 * sheet: NULL for the first sheet in workbook order, else its name as in
 * xl/workbook.xml (exact, else ignoring ASCII case).  lim may be NULL (the
 * defaults).  0; CY_ENOTFOUND (no such sheet: the message names the sheets
 * there are; or no such file); CY_EINVALID for a file that is not an XLSX
 * workbook or breaks a limit, or for malformed XML (the message names the
 * part and the row); CY_EIO, CY_ENOMEM, or a handler's code.  A row that
 * cannot be read when the rest can (a bad cell reference, a shared string
 * that does not exist, a row longer than row_max) is a reject. */
int cy_table_xlsx_file(cy_table *t, const char *path, const char *sheet);
int cy_table_xlsx_file_limits(cy_table *t, const char *path, const char *sheet,
			      const cy_table_xlsx_limits *lim);
/* The same from a workbook in memory (data borrowed; name used in messages). */
int cy_table_xlsx_memory(cy_table *t, const void *data, size_t n, const char *name,
			 const char *sheet, const cy_table_xlsx_limits *lim);
/* The sheet names of the workbook at path, in workbook order: *names is the
 * caller's, freed with cy_table_xlsx_sheets_free.  0 or as above. */
int cy_table_xlsx_sheets(const char *path, char ***names, size_t *n);
void cy_table_xlsx_sheets_free(char **names, size_t n);

#endif
