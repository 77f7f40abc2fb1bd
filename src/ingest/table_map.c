/* table_map.c - the layer between a reader's rows of cells and the importer
 * (table.h): the header found below any title rows, columns mapped to fields
 * (built-in Chinese and English headers, a map file), Excel's quirks undone
 * (="0123", trailing empty columns, serial dates, identifiers that became
 * 1.10105E+17), and each row handed over as fields, extras and problems, or
 * as a reject.  Reader-independent: the CSV reader (table.c) and a later
 * XLSX reader feed it the same way.  docs/internals/ingest-table.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <utf8proc.h>

#include "base/jsonsec.h"
#include "crypto/crypto.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/pii.h"
#include "custody/table.h"
#include "ingest/table_internal.h"
#include "custody/banned.h"

#define N_(s) (s) /* marks a message for translation (the front end translates) */

#define MAP_FILE_MAX (1u << 20)
#define MAP_ENTRIES_MAX 4096
#define HEADER_MAX 512	 /* bytes of a header cell */
#define TITLE_ROWS_MAX 3 /* rows above the header that may be skipped */

static const char *const FIELD_NAMES[] = {"customer_no", "name",       "id_type", "id_number",
					  "gender",	 "birth_date", "phone",	  "email",
					  "address",	 "postcode",   "company", "uscc",
					  "bank",	 "account",    "amount",  "currency",
					  "date",	 "txn_type",   "summary", "contract_no",
					  "signed",	 "title",      "note",	  "txn_no"};
_Static_assert(sizeof(FIELD_NAMES) / sizeof(FIELD_NAMES[0]) == CY_TF_COUNT,
	       "a name for every cy_table_field");

const char *cy_table_field_name(cy_table_field f)
{
	return (unsigned)f < CY_TF_COUNT ? FIELD_NAMES[f] : "?";
}

int cy_table_field_parse(const char *s, cy_table_field *out)
{
	for (int i = 0; i < CY_TF_COUNT; i++) {
		if (!strcmp(s, FIELD_NAMES[i])) {
			*out = (cy_table_field)i;
			return 0;
		}
	}
	return cy_error_set(
		CY_EINVALID,
		"unknown field '%s' (fields: customer_no name id_type id_number gender "
		"birth_date phone email address postcode company uscc bank account "
		"amount currency date txn_type summary contract_no signed title note txn_no)",
		s);
}

/* Identifiers: a number in scientific notation there lost its digits. */
static bool is_identifier(int f)
{
	return f == CY_TF_CUSTOMER_NO || f == CY_TF_ID_NUMBER || f == CY_TF_PHONE ||
	       f == CY_TF_ACCOUNT || f == CY_TF_USCC || f == CY_TF_CONTRACT_NO || f == CY_TF_TXN_NO;
}

static bool is_date(int f)
{
	return f == CY_TF_DATE || f == CY_TF_SIGNED || f == CY_TF_BIRTH_DATE;
}

/* ---- header keys ---- */

/* The built-in headers, as keys: NFKC, case-folded, without white space,
 * punctuation or controls (header_key). */
static const struct {
	const char *key;
	cy_table_field f;
} BUILTIN[] = {
	{"客户编号", CY_TF_CUSTOMER_NO},
	{"客户号", CY_TF_CUSTOMER_NO},
	{"客户代码", CY_TF_CUSTOMER_NO},
	{"客户id", CY_TF_CUSTOMER_NO},
	{"customerno", CY_TF_CUSTOMER_NO},
	{"customerid", CY_TF_CUSTOMER_NO},
	{"customernumber", CY_TF_CUSTOMER_NO},
	{"custno", CY_TF_CUSTOMER_NO},
	{"clientno", CY_TF_CUSTOMER_NO},
	{"clientid", CY_TF_CUSTOMER_NO},
	{"客户名称", CY_TF_NAME},
	{"客户姓名", CY_TF_NAME},
	{"姓名", CY_TF_NAME},
	{"名称", CY_TF_NAME},
	{"户名", CY_TF_NAME},
	{"name", CY_TF_NAME},
	{"customername", CY_TF_NAME},
	{"clientname", CY_TF_NAME},
	{"fullname", CY_TF_NAME},
	{"证件类型", CY_TF_ID_TYPE},
	{"idtype", CY_TF_ID_TYPE},
	{"身份证号", CY_TF_ID_NUMBER},
	{"身份证号码", CY_TF_ID_NUMBER},
	{"身份证", CY_TF_ID_NUMBER},
	{"证件号码", CY_TF_ID_NUMBER},
	{"证件号", CY_TF_ID_NUMBER},
	{"证件编号", CY_TF_ID_NUMBER},
	{"idnumber", CY_TF_ID_NUMBER},
	{"idno", CY_TF_ID_NUMBER},
	{"idcardno", CY_TF_ID_NUMBER},
	{"性别", CY_TF_GENDER},
	{"gender", CY_TF_GENDER},
	{"sex", CY_TF_GENDER},
	{"出生日期", CY_TF_BIRTH_DATE},
	{"生日", CY_TF_BIRTH_DATE},
	{"birthdate", CY_TF_BIRTH_DATE},
	{"dateofbirth", CY_TF_BIRTH_DATE},
	{"dob", CY_TF_BIRTH_DATE},
	{"手机", CY_TF_PHONE},
	{"手机号", CY_TF_PHONE},
	{"手机号码", CY_TF_PHONE},
	{"移动电话", CY_TF_PHONE},
	{"电话", CY_TF_PHONE},
	{"电话号码", CY_TF_PHONE},
	{"联系电话", CY_TF_PHONE},
	{"mobile", CY_TF_PHONE},
	{"mobileno", CY_TF_PHONE},
	{"phone", CY_TF_PHONE},
	{"phoneno", CY_TF_PHONE},
	{"phonenumber", CY_TF_PHONE},
	{"telephone", CY_TF_PHONE},
	{"tel", CY_TF_PHONE},
	{"邮箱", CY_TF_EMAIL},
	{"电子邮件", CY_TF_EMAIL},
	{"电子邮箱", CY_TF_EMAIL},
	{"email", CY_TF_EMAIL},
	{"emailaddress", CY_TF_EMAIL},
	{"地址", CY_TF_ADDRESS},
	{"联系地址", CY_TF_ADDRESS},
	{"通讯地址", CY_TF_ADDRESS},
	{"住址", CY_TF_ADDRESS},
	{"家庭住址", CY_TF_ADDRESS},
	{"address", CY_TF_ADDRESS},
	{"邮编", CY_TF_POSTCODE},
	{"邮政编码", CY_TF_POSTCODE},
	{"postcode", CY_TF_POSTCODE},
	{"zipcode", CY_TF_POSTCODE},
	{"单位", CY_TF_COMPANY},
	{"工作单位", CY_TF_COMPANY},
	{"单位名称", CY_TF_COMPANY},
	{"公司名称", CY_TF_COMPANY},
	{"company", CY_TF_COMPANY},
	{"employer", CY_TF_COMPANY},
	{"统一社会信用代码", CY_TF_USCC},
	{"社会信用代码", CY_TF_USCC},
	{"uscc", CY_TF_USCC},
	{"开户行", CY_TF_BANK},
	{"开户银行", CY_TF_BANK},
	{"bank", CY_TF_BANK},
	{"bankname", CY_TF_BANK},
	{"账号", CY_TF_ACCOUNT},
	{"帐号", CY_TF_ACCOUNT},
	{"银行账号", CY_TF_ACCOUNT},
	{"银行帐号", CY_TF_ACCOUNT},
	{"银行卡号", CY_TF_ACCOUNT},
	{"卡号", CY_TF_ACCOUNT},
	{"account", CY_TF_ACCOUNT},
	{"accountno", CY_TF_ACCOUNT},
	{"accountnumber", CY_TF_ACCOUNT},
	{"cardno", CY_TF_ACCOUNT},
	{"cardnumber", CY_TF_ACCOUNT},
	{"金额", CY_TF_AMOUNT},
	{"交易金额", CY_TF_AMOUNT},
	{"合同金额", CY_TF_AMOUNT},
	{"发生额", CY_TF_AMOUNT},
	{"amount", CY_TF_AMOUNT},
	{"币种", CY_TF_CURRENCY},
	{"currency", CY_TF_CURRENCY},
	{"交易日期", CY_TF_DATE},
	{"日期", CY_TF_DATE},
	{"date", CY_TF_DATE},
	{"transactiondate", CY_TF_DATE},
	{"交易类型", CY_TF_TXN_TYPE},
	{"借贷标志", CY_TF_TXN_TYPE},
	{"transactiontype", CY_TF_TXN_TYPE},
	{"摘要", CY_TF_SUMMARY},
	{"交易摘要", CY_TF_SUMMARY},
	{"用途", CY_TF_SUMMARY},
	{"description", CY_TF_SUMMARY},
	{"summary", CY_TF_SUMMARY},
	{"合同编号", CY_TF_CONTRACT_NO},
	{"合同号", CY_TF_CONTRACT_NO},
	{"contractno", CY_TF_CONTRACT_NO},
	{"contractnumber", CY_TF_CONTRACT_NO},
	{"签订日期", CY_TF_SIGNED},
	{"签约日期", CY_TF_SIGNED},
	{"签署日期", CY_TF_SIGNED},
	{"signingdate", CY_TF_SIGNED},
	{"datesigned", CY_TF_SIGNED},
	{"标题", CY_TF_TITLE},
	{"题名", CY_TF_TITLE},
	{"合同名称", CY_TF_TITLE},
	{"title", CY_TF_TITLE},
	{"备注", CY_TF_NOTE},
	{"说明", CY_TF_NOTE},
	{"note", CY_TF_NOTE},
	{"notes", CY_TF_NOTE},
	{"remark", CY_TF_NOTE},
	{"remarks", CY_TF_NOTE},
	{"交易流水号", CY_TF_TXN_NO},
	{"流水号", CY_TF_TXN_NO},
	{"交易编号", CY_TF_TXN_NO},
	{"交易号", CY_TF_TXN_NO},
	{"transactionid", CY_TF_TXN_NO},
	{"transactionno", CY_TF_TXN_NO},
};

static bool drop_in_key(int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
	case UTF8PROC_CATEGORY_PC:
	case UTF8PROC_CATEGORY_PD:
	case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE:
	case UTF8PROC_CATEGORY_PI:
	case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO:
	case UTF8PROC_CATEGORY_CC:
	case UTF8PROC_CATEGORY_CF:
		return true;
	default:
		return false;
	}
}

/* A header as a key: NFKC (full-width forms become ASCII), case-folded,
 * without white space, punctuation (":", "：", "*", "."), or controls. */
static int header_key(const char *s, cy_buf *out)
{
	utf8proc_uint8_t *m = NULL;
	utf8proc_ssize_t len, i = 0;
	size_t n = strlen(s);
	int rc = 0;

	cy_buf_clear(out);
	if (n > HEADER_MAX)
		n = HEADER_MAX; /* a key is compared, not kept: the front is enough */
	len = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &m,
			   UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
				   UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
	if (len < 0)
		return len == UTF8PROC_ERROR_NOMEM ? cy_error_set(CY_ENOMEM, "out of memory")
						   : cy_buf_puts(out, ""); /* matches nothing */
	while (!rc && i < len) {
		int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate(m + i, len - i, &c);
		if (k <= 0)
			break;
		if (!drop_in_key(c))
			rc = cy_buf_put(out, m + i, (size_t)k);
		i += k;
	}
	free(m);
	return rc ? rc : cy_buf_puts(out, "");
}

static int builtin_of_key(const char *key)
{
	for (size_t i = 0; i < sizeof(BUILTIN) / sizeof(BUILTIN[0]); i++)
		if (!strcmp(BUILTIN[i].key, key))
			return (int)BUILTIN[i].f;
	return -1;
}

int cy_table_header_field(const char *header)
{
	cy_buf k = CY_BUF_INIT;
	int f = -1;

	if (header && !header_key(header, &k))
		f = builtin_of_key(cy_buf_cstr(&k));
	cy_buf_release(&k);
	return f;
}

/* ---- map files ---- */

#define MAP_IGNORE (-2)

typedef struct map_entry {
	char *key; /* header_key of the header */
	int field; /* a cy_table_field, or MAP_IGNORE */
} map_entry;

struct cy_table_map {
	map_entry *v;
	size_t n;
	char *constant[CY_TF_COUNT];
};

void cy_table_map_free(cy_table_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].key);
	free(m->v);
	for (int i = 0; i < CY_TF_COUNT; i++) {
		if (m->constant[i])
			cy_wipe(m->constant[i], strlen(m->constant[i]));
		free(m->constant[i]);
	}
	free(m);
}

static int map_add(cy_table_map *m, const char *name, const char *header, int field)
{
	cy_buf k = CY_BUF_INIT;
	map_entry *nv;
	int rc;

	if (!*header || strlen(header) > HEADER_MAX)
		return cy_error_set(CY_EINVALID, "%s: a header is empty or longer than %d bytes",
				    name, HEADER_MAX);
	if (!cy_utf8_valid(header, strlen(header)))
		return cy_error_set(CY_EINVALID, "%s: a header is not UTF-8", name);
	if (m->n >= MAP_ENTRIES_MAX)
		return cy_error_set(CY_EINVALID, "%s: more than %d headers", name, MAP_ENTRIES_MAX);
	if ((rc = header_key(header, &k)))
		goto out;
	if (!k.len) {
		rc = cy_error_set(CY_EINVALID, "%s: header '%s' is only punctuation", name, header);
		goto out;
	}
	for (size_t i = 0; i < m->n; i++) {
		if (!strcmp(m->v[i].key, cy_buf_cstr(&k))) {
			rc = cy_error_set(CY_EINVALID,
					  "%s: header '%s' is given twice (headers are compared "
					  "without case, spaces and punctuation)",
					  name, header);
			goto out;
		}
	}
	if (!(nv = realloc(m->v, sizeof(*nv) * (m->n + 1)))) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	m->v = nv;
	m->v[m->n].field = field;
	m->v[m->n].key = cy_buf_detach(&k);
	m->n++;
out:
	cy_buf_release(&k);
	return rc;
}

static int map_from_json(cy_table_map *m, json_t *j, const char *name)
{
	const char *key;
	json_t *v, *x;
	size_t i;
	int rc;

	if (!json_is_object(j))
		return cy_error_set(CY_EINVALID, "%s: not a JSON object", name);
	json_object_foreach(j, key, v)
	{
		if (strcmp(key, "columns") && strcmp(key, "ignore") && strcmp(key, "constants") &&
		    strcmp(key, "comment"))
			return cy_error_set(CY_EINVALID,
					    "%s: unknown key '%s' (keys: columns, ignore, "
					    "constants, comment)",
					    name, key);
	}
	if ((x = json_object_get(j, "columns"))) {
		if (!json_is_object(x))
			return cy_error_set(CY_EINVALID, "%s: 'columns' is not an object", name);
		json_object_foreach(x, key, v)
		{
			cy_table_field f;
			if (!json_is_string(v))
				return cy_error_set(CY_EINVALID,
						    "%s: column '%s': the field is not a string",
						    name, key);
			if ((rc = cy_table_field_parse(json_string_value(v), &f)))
				return cy_error_set(rc, "%s: column '%s': %s", name, key,
						    cy_error_message());
			if ((rc = map_add(m, name, key, (int)f)))
				return rc;
		}
	}
	if ((x = json_object_get(j, "ignore"))) {
		if (!json_is_array(x))
			return cy_error_set(CY_EINVALID, "%s: 'ignore' is not an array", name);
		json_array_foreach(x, i, v)
		{
			if (!json_is_string(v))
				return cy_error_set(CY_EINVALID,
						    "%s: 'ignore' holds something not a string",
						    name);
			if ((rc = map_add(m, name, json_string_value(v), MAP_IGNORE)))
				return rc;
		}
	}
	if ((x = json_object_get(j, "constants"))) {
		if (!json_is_object(x))
			return cy_error_set(CY_EINVALID, "%s: 'constants' is not an object", name);
		json_object_foreach(x, key, v)
		{
			cy_table_field f;
			const char *s;
			if ((rc = cy_table_field_parse(key, &f)))
				return cy_error_set(rc, "%s: constants: %s", name,
						    cy_error_message());
			if (!json_is_string(v))
				return cy_error_set(CY_EINVALID,
						    "%s: constant '%s' is not a string", name, key);
			s = json_string_value(v);
			if (json_string_length(v) != strlen(s) || strlen(s) > HEADER_MAX ||
			    !cy_utf8_valid(s, strlen(s)))
				return cy_error_set(
					CY_EINVALID,
					"%s: constant '%s' holds a NUL byte or is longer "
					"than %d bytes",
					name, key, HEADER_MAX);
			if (!(m->constant[f] = strdup(s)))
				return cy_error_set(CY_ENOMEM, "out of memory");
		}
	}
	if (!json_object_get(j, "columns") && !json_object_get(j, "ignore") &&
	    !json_object_get(j, "constants"))
		return cy_error_set(CY_EINVALID,
				    "%s: the map says nothing (give columns, ignore or constants)",
				    name);
	return 0;
}

int cy_table_map_parse(const void *data, size_t n, const char *name, cy_table_map **out)
{
	cy_table_map *m;
	json_error_t err;
	json_t *j;
	int rc;

	*out = NULL;
	if (n > MAP_FILE_MAX)
		return cy_error_set(CY_EINVALID, "%s: a map file is at most 1 MiB", name);
	if (!(m = calloc(1, sizeof(*m))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	cy_json_secure_init();
	unsigned long failures = cy_json_alloc_failures();
	j = json_loadb(data, n, JSON_REJECT_DUPLICATES, &err);
	/* jansson does not always report a failed allocation (jsonsec.h) */
	if (cy_json_alloc_failures() != failures ||
	    (!j && json_error_code(&err) == json_error_out_of_memory)) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	if (!j) {
		rc = cy_error_set(CY_EINVALID, "%s, line %d: %s", name, err.line, err.text);
		goto out;
	}
	rc = map_from_json(m, j, name);
out:
	json_decref(j);
	if (rc) {
		cy_table_map_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int cy_table_map_load(const char *path, cy_table_map **out)
{
	cy_buf b = CY_BUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = cy_read_file(path, MAP_FILE_MAX, &b)))
		return rc;
	rc = cy_table_map_parse(b.ptr ? (const char *)b.ptr : "", b.len, path, out);
	cy_buf_release(&b);
	return rc;
}

/* The map's entry for a header key: a field, MAP_IGNORE, or -1. */
static int map_of_key(const cy_table_map *m, const char *key)
{
	if (!m)
		return -1;
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].key, key))
			return m->v[i].field;
	return -1;
}

/* ---- values ---- */

bool cy_table_is_scientific(const char *s)
{
	size_t n = strlen(s);

	/* the form is pii.c's, which also finds the numbers Excel rounded */
	return n && cy_pii_sci_form(s, n, NULL) == n;
}

static bool take_num(const char **p, int min, int max, int *v)
{
	int n = 0, x = 0;

	while (**p >= '0' && **p <= '9' && n < max) {
		x = x * 10 + (**p - '0');
		(*p)++, n++;
	}
	if (n < min || (**p >= '0' && **p <= '9'))
		return false;
	*v = x;
	return true;
}

static bool take(const char **p, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*p, lit, n))
		return false;
	*p += n;
	return true;
}

/* A time after a date ("10:22", "10:22:05", "10:22:05.123"): dropped. */
static bool time_tail(const char *p)
{
	int h, m, s;

	if (!*p)
		return true;
	if (*p != ' ' && *p != 'T')
		return false;
	while (*p == ' ' || *p == 'T')
		p++;
	if (!take_num(&p, 1, 2, &h) || !take(&p, ":") || !take_num(&p, 2, 2, &m) || h > 23 ||
	    m > 59)
		return false;
	if (take(&p, ":")) {
		if (!take_num(&p, 2, 2, &s) || s > 60)
			return false;
		if (take(&p, "."))
			while (*p >= '0' && *p <= '9')
				p++;
	}
	return *p == 0;
}

int cy_table_date(const char *s, char out[11])
{
	const char *p = s;
	int y = 0, m = 0, d = 0, yy, mm, dd;
	size_t nd = strspn(s, "0123456789");
	char buf[16];

	if (nd == 8 && time_tail(s + 8)) { /* 20240305 */
		y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
		m = (s[4] - '0') * 10 + (s[5] - '0');
		d = (s[6] - '0') * 10 + (s[7] - '0');
	} else if (nd >= 1 && nd <= 7 &&
		   (s[nd] == 0 ||
		    (s[nd] == '.' && s[nd + 1 + strspn(s + nd + 1, "0123456789")] == 0))) {
		/* an Excel serial day (1900 date system; a fraction is the time of day) */
		long v = strtol(s, NULL, 10);
		/* 1900..2099 alone reads as a year, not as a day in 1905: refused */
		if (v < 1 || v > 2958465 || v == 60 || (v >= 1900 && v <= 2099))
			goto bad;
		/* Excel counts 1900-02-29, which did not exist (serial 60) */
		cy_civil_from_days(v + (v < 60 ? 1 : 0) - 25569, &y, &m, &d);
	} else if (take_num(&p, 4, 4, &y)) {
		if (take(&p, "年")) {
			if (!take_num(&p, 1, 2, &m) || !take(&p, "月") || !take_num(&p, 1, 2, &d))
				goto bad;
			if (!take(&p, "日"))
				take(&p, "号");
		} else {
			char sep = *p;
			if (sep != '-' && sep != '/' && sep != '.')
				goto bad;
			p++;
			if (!take_num(&p, 1, 2, &m) || *p != sep)
				goto bad;
			p++;
			if (!take_num(&p, 1, 2, &d))
				goto bad;
		}
		if (!time_tail(p))
			goto bad;
	} else {
		goto bad;
	}
	if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
		goto bad;
	buf[0] = (char)('0' + y / 1000), buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10), buf[3] = (char)('0' + y % 10), buf[4] = '-';
	buf[5] = (char)('0' + m / 10), buf[6] = (char)('0' + m % 10), buf[7] = '-';
	buf[8] = (char)('0' + d / 10), buf[9] = (char)('0' + d % 10), buf[10] = 0;
	if (cy_date_parse(buf, &yy, &mm, &dd))
		goto bad;
	memcpy(out, buf, 11);
	return 0;
bad:
	return cy_error_set(CY_EINVALID, "not a date (YYYY-MM-DD, YYYY/M/D, YYYY年M月D日, "
					 "YYYYMMDD or an Excel day number)");
}

static bool is_trim_space(int32_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xa0 || c == 0x3000 ||
	       c == 0xfeff || c == 0x200b;
}

/* The [start, end) of s without white space at either end. */
static void trim(const char *s, size_t *start, size_t *end)
{
	size_t a = 0, b = strlen(s);

	while (a < b) {
		int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate((const uint8_t *)s + a,
						      (utf8proc_ssize_t)(b - a), &c);
		if (k <= 0 || !is_trim_space(c))
			break;
		a += (size_t)k;
	}
	while (b > a) {
		size_t q = b - 1;
		int32_t c;
		while (q > a && ((uint8_t)s[q] & 0xc0) == 0x80)
			q--;
		if (utf8proc_iterate((const uint8_t *)s + q, (utf8proc_ssize_t)(b - q), &c) <= 0 ||
		    !is_trim_space(c))
			break;
		b = q;
	}
	*start = a;
	*end = b;
}

/* Whether s (valid UTF-8) is already in NFC (NFKC when compat) because each
 * of its characters is one that normalisation never changes, decomposes or
 * composes with a neighbour: ASCII, CJK unified ideographs (extension A and
 * the main block), and for NFC also CJK punctuation (not the combining tone
 * marks U+302A..U+302F) and the full-width ASCII forms.  Most values of a
 * Chinese export are so, and skip utf8proc. */
static bool norm_stable(const uint8_t *s, size_t n, bool compat)
{
	size_t i = 0;

	while (i < n) {
		uint32_t c;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xf0) != 0xe0 || i + 3 > n)
			return false; /* outside the BMP's 3-byte range we look at */
		c = (uint32_t)(s[i] & 0x0f) << 12 | (uint32_t)(s[i + 1] & 0x3f) << 6 |
		    (uint32_t)(s[i + 2] & 0x3f);
		i += 3;
		if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf))
			continue;
		if (!compat && ((c >= 0x3001 && c <= 0x3029) || (c >= 0x3030 && c <= 0x303f) ||
				(c >= 0xff01 && c <= 0xff5e)))
			continue;
		return false;
	}
	return true;
}

/* Append the clean form of cell s to out, NUL-terminated: trimmed, ="..."
 * unwrapped, NFC (NFKC when compat).  0, CY_EINVALID (not UTF-8), CY_ENOMEM. */
static int clean_cell(const char *s, bool compat, cy_buf *out)
{
	size_t a, b;
	utf8proc_uint8_t *m = NULL;
	utf8proc_ssize_t len;
	int rc;

	trim(s, &a, &b);
	/* Excel's text-forcing formula: ="0123" keeps the leading zero */
	if (b - a >= 3 && s[a] == '=' && s[a + 1] == '"' && s[b - 1] == '"' &&
	    !memchr(s + a + 2, '"', b - a - 3)) {
		a += 2;
		b -= 1;
	}
	if (norm_stable((const uint8_t *)s + a, b - a, compat)) {
		if ((rc = cy_table__reserve(out, b - a + 1)) ||
		    (rc = cy_buf_put(out, s + a, b - a)))
			return rc;
		return cy_buf_putc(out, 0);
	}
	len = utf8proc_map((const utf8proc_uint8_t *)s + a, (utf8proc_ssize_t)(b - a), &m,
			   UTF8PROC_STABLE | UTF8PROC_COMPOSE | (compat ? UTF8PROC_COMPAT : 0));
	if (len < 0)
		return len == UTF8PROC_ERROR_NOMEM ? cy_error_set(CY_ENOMEM, "out of memory")
						   : CY_EINVALID;
	rc = cy_table__reserve(out, (size_t)len + 1);
	rc = rc ? rc : cy_buf_put(out, m, (size_t)len);
	rc = rc ? rc : cy_buf_putc(out, 0);
	cy_wipe(m, (size_t)len);
	free(m);
	return rc;
}

/* ---- rows ---- */

static void saved_release(cy_table__saved *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->cells[i])
			cy_wipe(s->cells[i], strlen(s->cells[i]));
		free(s->cells[i]);
	}
	free(s->cells);
	cy_buf_wipe(&s->raw);
	memset(s, 0, sizeof(*s));
}

static int saved_set(cy_table__saved *s, uint64_t line, const char *const *cells, size_t n,
		     const void *raw, size_t raw_len)
{
	saved_release(s);
	s->used = true;
	s->line = line;
	if (n && !(s->cells = calloc(n, sizeof(*s->cells))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	s->n = n;
	for (size_t i = 0; i < n; i++)
		if (cells[i] && !(s->cells[i] = strdup(cells[i])))
			return cy_error_set(CY_ENOMEM, "out of memory");
	return raw_len ? cy_buf_put(&s->raw, raw, raw_len) : 0; /* sized once: no copy left */
}

static size_t nonempty(const char *const *cells, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		size_t a, b;
		if (!cells[i])
			continue;
		trim(cells[i], &a, &b);
		k += b > a;
	}
	return k;
}

/* How many cells name a column that the map or the built-in list knows. */
static int recognised(cy_table *t, const char *const *cells, size_t n, size_t *count)
{
	cy_buf k = CY_BUF_INIT;
	int rc = 0;

	*count = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		if (!cells[i] || (rc = header_key(cells[i], &k)))
			continue;
		if (k.len && (map_of_key(t->o.map, cy_buf_cstr(&k)) != -1 ||
			      builtin_of_key(cy_buf_cstr(&k)) >= 0))
			(*count)++;
	}
	cy_buf_release(&k);
	return rc;
}

int cy_table__reject(cy_table *t, uint64_t line, const char *reason, const void *raw,
		     size_t raw_len)
{
	cy_table_reject r = {.line = line, .reason = reason, .raw = raw, .raw_len = raw_len};
	int rc;

	t->counts.rejects++;
	if (t->h.reject && (rc = t->h.reject(t->arg, &r)))
		return t->rc = rc;
	return 0;
}

static int set_header(cy_table *t, const char *const *cells, size_t n, uint64_t line)
{
	cy_buf k = CY_BUF_INIT;
	bool taken[CY_TF_COUNT] = {false};
	size_t ncols = n;
	int *bf = NULL; /* per column: its built-in field, or -1 */
	int rc = 0;

	while (ncols && nonempty(cells + ncols - 1, 1) == 0) /* trailing empty columns */
		ncols--;
	if (ncols > t->o.cols_max)
		return t->rc = cy_error_set(CY_EINVALID,
					    "line %llu: the header has %zu columns; at most %zu",
					    (unsigned long long)line, ncols, t->o.cols_max);
	if (ncols &&
	    (!(t->cols = calloc(ncols, sizeof(*t->cols))) ||
	     !(t->voff = calloc(ncols, sizeof(*t->voff))) ||
	     !(t->extra = calloc(ncols, sizeof(*t->extra))) ||
	     !(t->problem = calloc(ncols, sizeof(*t->problem))) ||
	     !(t->poff = calloc(ncols, sizeof(*t->poff))) || !(bf = calloc(ncols, sizeof(*bf)))))
		return t->rc = cy_error_set(CY_ENOMEM, "out of memory");
	t->ncols = ncols;
	for (size_t i = 0; i < ncols; i++) {
		cy_table_column *c = &t->cols[i];
		size_t a = 0, b = 0;
		int mf;
		char *h;

		if (cells[i])
			trim(cells[i], &a, &b);
		if (b - a > HEADER_MAX) {
			rc = cy_error_set(CY_EINVALID,
					  "line %llu: header of column %zu is longer than %d bytes",
					  (unsigned long long)line, i + 1, HEADER_MAX);
			goto out;
		}
		if (b > a)
			h = strndup(cells[i] + a, b - a);
		else if (asprintf(&h, "column %zu", i + 1) < 0)
			h = NULL;
		if (!h) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			goto out;
		}
		c->header = h;
		c->field = -1;
		c->kind = CY_TABLE_COL_EXTRA;
		bf[i] = -1;
		if (b == a)
			continue;
		if ((rc = header_key(h, &k)))
			goto out;
		/* the map first, wherever its columns are; the built-in list then */
		mf = map_of_key(t->o.map, cy_buf_cstr(&k));
		bf[i] = builtin_of_key(cy_buf_cstr(&k));
		if (mf == MAP_IGNORE) {
			c->kind = CY_TABLE_COL_IGNORED;
		} else if (mf >= 0 && taken[mf]) {
			c->kind = CY_TABLE_COL_DUPLICATE;
		} else if (mf >= 0) {
			taken[mf] = true;
			c->field = mf;
			c->kind = CY_TABLE_COL_MAP;
		}
	}
	for (size_t i = 0; i < ncols; i++) {
		cy_table_column *c = &t->cols[i];
		if (c->kind != CY_TABLE_COL_EXTRA || bf[i] < 0)
			continue;
		if (taken[bf[i]]) {
			c->kind = CY_TABLE_COL_DUPLICATE;
		} else {
			taken[bf[i]] = true;
			c->field = bf[i];
			c->kind = CY_TABLE_COL_BUILTIN;
		}
	}
	t->have_header = true;
	t->counts.header_line = line;
	if (t->h.header && (rc = t->h.header(t->arg, t)))
		goto out;
out:
	free(bf);
	cy_buf_release(&k);
	if (rc)
		t->rc = rc;
	return rc;
}

/* A header for a message: at most 60 bytes, cut between characters. */
static const char *snip(const char *s, char out[64])
{
	size_t n = strlen(s);

	if (n > 60) {
		n = 60;
		while (n && ((uint8_t)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = 0;
	return out;
}

static void vals_clear(cy_table *t)
{
	if (t->vals.ptr)
		explicit_bzero(t->vals.ptr, t->vals.len);
	cy_buf_clear(&t->vals);
}

/* One data row, the header known. */
static int data_row(cy_table *t, uint64_t line, const char *const *cells, size_t n, const void *raw,
		    size_t raw_len)
{
	cy_table_row r;
	char reason[200];
	const char *why = NULL;
	char h[64];
	size_t nextra = 0, nprob = 0;
	int rc = 0;

	if (nonempty(cells, n) == 0) {
		t->counts.empty_rows++;
		return 0;
	}
	if (n > t->ncols && nonempty(cells + t->ncols, n - t->ncols)) {
		snprintf(reason, sizeof(reason),
			 "%zu cells beyond the header's %zu columns (a separator inside an "
			 "unquoted value?)",
			 nonempty(cells + t->ncols, n - t->ncols), t->ncols);
		return cy_table__reject(t, line, reason, raw, raw_len);
	}
	vals_clear(t);
	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < t->ncols; i++) {
		const cy_table_column *c = &t->cols[i];
		const char *s = i < n && cells[i] ? cells[i] : "";
		size_t off = t->vals.len;
		char date[11];

		t->voff[i] = SIZE_MAX;
		if (c->kind == CY_TABLE_COL_IGNORED || !*s)
			continue;
		if (strlen(s) > t->o.field_max) {
			snprintf(reason, sizeof(reason),
				 "column '%s': a value of %zu bytes; at most %zu",
				 snip(c->header, h), strlen(s), t->o.field_max);
			why = reason;
			break;
		}
		rc = clean_cell(s, c->field >= 0 && (is_identifier(c->field) || is_date(c->field)),
				&t->vals);
		if (rc == CY_EINVALID) {
			snprintf(reason, sizeof(reason), "column '%s': not UTF-8 text",
				 snip(c->header, h));
			why = reason;
			rc = 0;
			break;
		}
		if (rc)
			return t->rc = rc;
		if (t->vals.len - off == 1) /* empty once trimmed */
			continue;
		if (c->field >= 0 && is_identifier(c->field) &&
		    cy_table_is_scientific((const char *)t->vals.ptr + off)) {
			snprintf(reason, sizeof(reason),
				 "column '%s' (%s): a number in scientific notation: Excel "
				 "rounded it and its digits are lost; export the column as text",
				 snip(c->header, h), cy_table_field_name(c->field));
			why = reason;
			break;
		}
		if (c->field >= 0 && is_date(c->field)) {
			if (cy_table_date((const char *)t->vals.ptr + off, date)) {
				t->problem[nprob].field = c->field;
				t->problem[nprob].column = c->header;
				t->problem[nprob].reason = N_("not a date");
				t->poff[nprob++] = off;
				continue;
			}
			explicit_bzero(t->vals.ptr + off, t->vals.len - off);
			t->vals.len = off;
			if ((rc = cy_table__reserve(&t->vals, 11)) ||
			    (rc = cy_buf_put(&t->vals, date, 11)))
				return t->rc = rc;
		}
		t->voff[i] = off;
	}
	if (why) {
		vals_clear(t);
		return cy_table__reject(t, line, why, raw, raw_len);
	}
	/* the values are all in: now pointers into vals are stable */
	for (size_t i = 0; i < t->ncols; i++) {
		const cy_table_column *c = &t->cols[i];
		const char *v;
		if (t->voff[i] == SIZE_MAX)
			continue;
		v = (const char *)t->vals.ptr + t->voff[i];
		if (c->kind == CY_TABLE_COL_BUILTIN || c->kind == CY_TABLE_COL_MAP) {
			r.field[c->field] = v;
		} else {
			t->extra[nextra].name = c->header;
			t->extra[nextra++].value = v;
		}
	}
	for (size_t i = 0; i < nprob; i++)
		t->problem[i].value = (const char *)t->vals.ptr + t->poff[i];
	for (int f = 0; f < CY_TF_COUNT; f++)
		if (!r.field[f] && t->constant[f])
			r.field[f] = t->constant[f];
	r.line = line;
	r.number = ++t->counts.rows;
	r.extra = t->extra;
	r.nextra = nextra;
	r.problem = t->problem;
	r.nproblem = nprob;
	r.raw = raw;
	r.raw_len = raw_len;
	t->counts.problems += nprob;
	if (t->h.row && (rc = t->h.row(t->arg, &r)))
		t->rc = rc;
	vals_clear(t);
	return rc;
}

/* A title row (a line of text above the header) rather than the header:
 * one non-empty cell above a wider row, or no known header above a row
 * with some. */
static int is_title(cy_table *t, const cy_table__saved *p, const char *const *cells, size_t n,
		    bool *title)
{
	size_t rp, rn;
	int rc;

	*title = false;
	if (t->counts.title_rows >= TITLE_ROWS_MAX)
		return 0;
	if (nonempty((const char *const *)p->cells, p->n) == 1 && nonempty(cells, n) >= 2) {
		*title = true;
		return 0;
	}
	if ((rc = recognised(t, (const char *const *)p->cells, p->n, &rp)) ||
	    (rc = recognised(t, cells, n, &rn)))
		return rc;
	*title = rp == 0 && rn > 0;
	return 0;
}

int cy_table__row(cy_table *t, uint64_t line, const char *const *cells, size_t n, const void *raw,
		  size_t raw_len, const char *taint)
{
	bool title;
	int rc;

	if (t->rc)
		return t->rc;
	if (t->counts.rows + t->counts.rejects >= t->o.rows_max)
		return t->rc = cy_error_set(CY_EINVALID, "line %llu: more than %llu rows",
					    (unsigned long long)line,
					    (unsigned long long)t->o.rows_max);
	if (taint && !t->have_header && t->pending.used) {
		/* the row below a header candidate: the candidate is the header */
		rc = set_header(t, (const char *const *)t->pending.cells, t->pending.n,
				t->pending.line);
		saved_release(&t->pending);
		if (rc)
			return rc;
	}
	if (taint && !t->have_header)
		/* the header itself, or a title above it: most likely the wrong encoding */
		return t->rc = cy_error_set(CY_EINVALID,
					    "%s, before the header was found (is the encoding "
					    "right? give it)",
					    taint);
	if (taint)
		return cy_table__reject(t, line, taint, raw, raw_len);
	if (t->have_header)
		return data_row(t, line, cells, n, raw, raw_len);
	if (!t->pending.used) {
		if (nonempty(cells, n) == 0) {
			t->counts.empty_rows++;
			return 0;
		}
		return t->rc = saved_set(&t->pending, line, cells, n, raw, raw_len);
	}
	if (nonempty(cells, n) == 0) {
		t->counts.empty_rows++;
		return 0;
	}
	if ((rc = is_title(t, &t->pending, cells, n, &title)))
		return t->rc = rc;
	if (title) {
		t->counts.title_rows++;
		return t->rc = saved_set(&t->pending, line, cells, n, raw, raw_len);
	}
	rc = set_header(t, (const char *const *)t->pending.cells, t->pending.n, t->pending.line);
	saved_release(&t->pending);
	return rc ? rc : data_row(t, line, cells, n, raw, raw_len);
}

int cy_table__map_finish(cy_table *t)
{
	int rc = 0;

	if (t->rc)
		return t->rc;
	if (!t->have_header && t->pending.used)
		rc = set_header(t, (const char *const *)t->pending.cells, t->pending.n,
				t->pending.line);
	saved_release(&t->pending);
	return rc;
}

void cy_table__map_release(cy_table *t)
{
	saved_release(&t->pending);
	for (size_t i = 0; i < t->ncols; i++)
		free((char *)t->cols[i].header);
	free(t->cols);
	free(t->voff);
	free(t->extra);
	free(t->problem);
	free(t->poff);
	cy_buf_wipe(&t->vals);
}

const cy_table_column *cy_table_columns(const cy_table *t, size_t *n)
{
	*n = t->have_header ? t->ncols : 0;
	return t->have_header ? t->cols : NULL;
}

const char *cy_table_constant(const cy_table *t, cy_table_field f)
{
	return (unsigned)f < CY_TF_COUNT ? t->constant[f] : NULL;
}

void cy_table__map_constants(cy_table *t)
{
	if (!t->o.map)
		return;
	for (int f = 0; f < CY_TF_COUNT; f++)
		t->constant[f] = t->o.map->constant[f];
}
