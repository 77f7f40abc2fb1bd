/* pii.h - finding personal data in values and in free text: mainland
 * resident ID numbers (GB 11643), unified social credit codes (GB 32100),
 * mainland mobile numbers, bank card numbers (Luhn and a known issuer
 * prefix), e-mail addresses, and numbers that Excel rounded into scientific
 * notation; the facts derived from an ID number (birth date, sex, under 14 on
 * a date) and the PIPL Art. 28 sensitivity labels that what was found earns.
 *
 * Pure functions over memory, without global state (safe from any thread):
 * nothing is allocated, logged or written.  The
 * matches hold personal data (the normal form of the value): a caller that
 * copies one wipes its copy when done.  The rules, the standards they come
 * from, how false positives are kept down and the limits are in
 * docs/internals/pii.md.
 *
 * Dates are days since 1970-01-01 (cy_days_from_civil in datetime.h): the
 * "as of" date decides what is "in the future" and who is under 14, so a
 * result does not change with the clock unless the caller asks it to
 * (cy_pii_today). */
#ifndef CUSTODY_PII_H
#define CUSTODY_PII_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/normalize.h"

typedef enum cy_pii_kind {
	CY_PII_NONE = 0,
	CY_PII_ID_NUMBER, /* mainland resident ID number, 18 or 15 digits */
	CY_PII_USCC,	  /* unified social credit code (an organisation, or a 个体工商户) */
	CY_PII_MOBILE,	  /* mainland mobile number */
	CY_PII_BANK_CARD, /* bank card number */
	CY_PII_EMAIL,	  /* e-mail address */
	CY_PII_EXCEL_ROUNDED, /* "1.10105E+17": a number Excel rounded; never a value */
	CY_PII_KIND_COUNT
} cy_pii_kind;

/* "none", "id_number", "uscc", "mobile", "bank_card", "email",
 * "excel_rounded"; "?" for an unknown value. */
const char *cy_pii_kind_name(cy_pii_kind k);
/* The blind-index field whose normal form a match's value is (id_number,
 * uscc, phone, account, email); -1 for CY_PII_NONE and CY_PII_EXCEL_ROUNDED,
 * which are not indexed. */
int cy_pii_norm_field(cy_pii_kind k);

/* Room for the longest value: an e-mail address (254 bytes, RFC 5321 §4.5.3.1.3) and its NUL. */
#define CY_PII_VALUE_MAX 256

typedef struct cy_pii_match {
	cy_pii_kind kind;
	size_t offset, length; /* the bytes of the scanned text (or value) it covers */
	/* The normal form, NUL-terminated, equal to cy_normalize() of the covered
	 * text for the field cy_pii_norm_field(kind): what the blind index hashes.
	 * A 15-digit ID number is given in its 18-digit form.  For
	 * CY_PII_EXCEL_ROUNDED, the number as written (ASCII digits). */
	char value[CY_PII_VALUE_MAX];
	/* ID numbers: the birth date, 'M' or 'F', and 18 or 15 (the form written) */
	int birth_year, birth_month, birth_day;
	char sex;
	int id_digits;
	/* bank cards: "unionpay", "visa", "mastercard", "jcb" or "cn-domestic" */
	const char *card_network;
} cy_pii_match;

/* ---- one value ---- */

/* What a resident ID number check found, part by part (cy_pii_id_number). */
typedef struct cy_pii_id {
	bool valid;	     /* an ID number: the verdict the scanner uses (below) */
	int digits;	     /* 18 or 15 when the shape is right (17 digits and a digit or
				X; 15 digits), else 0 and nothing below is set */
	bool checksum_ok;    /* 18: the GB 11643 check character is right; 15: no check character */
	bool date_ok;	     /* the birth date is a day that exists */
	bool date_plausible; /* and lies between 1800-01-01 and the as-of date */
	bool region_ok;	     /* the first two digits are a province-level code (GB/T 2260) */
	int year, month, day;
	char sex;	 /* 'M' (odd 17th digit) or 'F' (even) */
	char normal[19]; /* the 18-character normal form (a 15-digit number upgraded) */
} cy_pii_id;

/* Check one value as a resident ID number: full-width digits and white
 * space are allowed, as cy_normalize allows them (dashes are not: the
 * normal form would keep them).  The verdict:
 *   18 digits: checksum_ok && date_ok && date_plausible;
 *   15 digits (first generation, issued until 2004, year 19YY): date_ok &&
 *   date_plausible && region_ok.
 * The 18-digit verdict does not look at the region: foreigners' permanent
 * residence IDs (9...) and the residence permits of Hong Kong, Macau and
 * Taiwan residents (81, 82, 83) use the same check.  out may be NULL;
 * it holds personal data. */
bool cy_pii_id_number(const char *s, size_t n, int64_t as_of, cy_pii_id *out);

/* GB 32100 unified social credit code, with white space, dashes and
 * full-width forms allowed (cy_uscc_valid on the normal form).  normal
 * (may be NULL) gets the 18-character normal form. */
bool cy_pii_uscc(const char *s, size_t n, char normal[19]);

/* Mainland mobile number: 11 digits, "1", a digit 3-9, then 9 more digits, with an optional +86,
 * 0086 or 86 before it, and spaces, dashes, dots or brackets between the
 * groups.  normal (may be NULL) gets the 11 digits. */
bool cy_pii_mobile(const char *s, size_t n, char normal[12]);

/* Bank card number: 16 to 19 digits (spaces and dashes allowed) that pass
 * the Luhn check and start with an issuer prefix custody knows (pii.md).
 * network (may be NULL) gets the network's name; normal (may be NULL) the
 * digits. */
bool cy_pii_bank_card(const char *s, size_t n, char normal[20], const char **network);

/* E-mail address: dot-atom local part (RFC 5321 §4.1.2, at most 64 bytes), a
 * host name of at least two labels (letters, digits, inner hyphens, at most
 * 63 bytes each) with an alphabetic top-level label, at most 254 bytes in
 * all; white space around it and full-width forms allowed.  No quoted local
 * parts, no address literals, no non-ASCII (RFC 6531) addresses.  normal
 * (may be NULL) gets the address with ASCII letters in lower case. */
bool cy_pii_email(const char *s, size_t n, char normal[CY_PII_VALUE_MAX]);

/* A number in scientific notation at the start of s (n bytes): an optional
 * sign, digits with an optional '.' or ',' and more digits (at least one
 * digit in all), E or e, an optional sign, digits ("1.10105E+17", "-2e-3",
 * "4,5E3").  Returns the length read (0: none); sci (may be NULL) gets its
 * parts.  The one reader of the form: cy_table_is_scientific takes any whole
 * value of it, cy_pii_excel_rounded the ones Excel writes for long numbers. */
typedef struct cy_pii_sci {
	bool sign;			/* a sign before the mantissa */
	char point;			/* '.', ',' or 0 */
	size_t int_digits, frac_digits; /* digits before and after the point */
	char exp_sign;			/* '+', '-' or 0 */
	size_t exp_digits;
} cy_pii_sci;
size_t cy_pii_sci_form(const char *s, size_t n, cy_pii_sci *sci);

/* A number Excel showed, and then saved, in scientific notation with 11 or
 * more digits ("1.10105E+17", "6.22202E+18"): the digits it had are lost.
 * A column meant to hold ID numbers, phones or card numbers must reject such
 * a value rather than store it. */
bool cy_pii_excel_rounded(const char *s, size_t n);

/* Classify one value (a CSV field, a header-less cell) as any of the kinds
 * above, in the order ID number, USCC, mobile, bank card, e-mail, Excel
 * rounded: the value must be the whole field (white space around it
 * allowed).  out->kind is CY_PII_NONE when it is none; offset and length
 * cover the whole field. */
void cy_pii_classify(const char *s, size_t n, int64_t as_of, cy_pii_match *out);

/* ---- free text ---- */

/* Called for each match in text order; a nonzero return stops the scan and
 * is returned by cy_pii_scan.  m is valid during the call only and wiped
 * after it. */
typedef int (*cy_pii_fn)(void *arg, const cy_pii_match *m);

/* Find the personal values in UTF-8 text (a title, a CSV field, an e-mail
 * body).  Full-width digits, letters and signs count as their ASCII forms;
 * bytes that are not UTF-8 are skipped as separators.  A digit run that is
 * part of a longer run of digits or letters (an order number, a decimal, a
 * hyphenated code) is not a match.  0, or the callback's nonzero return. */
int cy_pii_scan(const char *text, size_t n, int64_t as_of, cy_pii_fn fn, void *arg);

/* ---- derived facts ---- */

/* Today in China Standard Time (UTC+8), as days since 1970-01-01. */
int64_t cy_pii_today(void);

/* True when a person born on y-m-d is under 14 (不满十四周岁) on as_of: the
 * person reaches 14 on the day after the 14th birthday (pii.md). */
bool cy_pii_under_14(int y, int m, int d, int64_t as_of);

/* Sensitivity labels (PIPL Art. 28 and the policy in pii.md). */
#define CY_PII_SENS_FINANCIAL_ACCOUNT 0x1u /* 金融账户: a bank card number */
#define CY_PII_SENS_MINOR_UNDER_14 0x2u /* 不满十四周岁未成年人 (from an ID's birth date) */
#define CY_PII_SENS_ID_NUMBER 0x4u	/* 身份证 (GB/T 35273-2020 附录B; policy) */

/* Policy bits for cy_pii_labels. */
#define CY_PII_POLICY_ID_NUMBER_SENSITIVE 0x1u /* label ID numbers CY_PII_SENS_ID_NUMBER */
#define CY_PII_POLICY_DEFAULT CY_PII_POLICY_ID_NUMBER_SENSITIVE

/* The labels one match earns as of a date; a record's or a subject's labels
 * are the union over everything found in it. */
unsigned cy_pii_labels(const cy_pii_match *m, int64_t as_of, unsigned policy);
/* "financial_account", "minor_under_14", "id_number" for one bit; "?" otherwise. */
const char *cy_pii_label_name(unsigned label);

#endif
