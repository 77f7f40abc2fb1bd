/* sample_people.h - the fictional company and its customers: Chinese names,
 * GB 11643 resident ID numbers, GB 32100 unified social credit codes, mobile
 * numbers, addresses, e-mail addresses and Luhn-valid bank card numbers.
 * The check-character functions are exact (docs: DOMAIN.md section 6); the
 * rest is only meant to look real. */
#ifndef CUSTODY_SAMPLE_PEOPLE_H
#define CUSTODY_SAMPLE_PEOPLE_H

#include <stdbool.h>
#include <stddef.h>

#include "sample.h"

typedef struct sample_region {
	const char *code;      /* GB/T 2260 county-level code, e.g. "310104" */
	const char *place;     /* "上海市徐汇区" */
	const char *city;      /* "上海" */
	const char *area_code; /* landline prefix "021" */
} sample_region;

typedef struct sample_person {
	int no;		 /* 1-based customer number */
	char code[16];	 /* "KH000123" */
	char name[64];	 /* "王伟"; an organisation's name in the CRM */
	char pinyin[48]; /* "wang wei", for e-mail addresses */
	bool male;
	sample_date birth;
	const sample_region *region; /* of the ID number */
	char id[19];		     /* GB 11643 */
	char phone[12];
	char email[64];
	char address[192];
	const char *bank;
	char card[20]; /* 16 to 19 digits, Luhn */
	const char *occupation;
	const char *risk;      /* "C2 稳健型" */
	sample_date since;     /* became a customer */
	char contact_name[32]; /* emergency contact or guardian; "" if none */
	const char *contact_relation;
	char contact_phone[12];
} sample_person;

typedef struct sample_company {
	char name[128];	      /* "上海恒瑞贸易有限公司" */
	char trade[16];	      /* "恒瑞" */
	const char *industry; /* "贸易" */
	const sample_region *region;
	char uscc[19]; /* GB 32100 */
	char address[192];
	char phone[20]; /* "021-64871234" */
	char legal_rep[32];
	const char *bank;
	char account[24]; /* the basic deposit account */
	sample_date founded;
	char staff[6][32]; /* 0 accountant, 1 auditor, 2 cashier, 3.. account managers */
} sample_company;

/* GB 11643: the check character of the first 17 digits ('0'-'9' or 'X'). */
char sample_id_check(const char *first17);
bool sample_id_valid(const char *id);
/* GB 32100: the check character of the first 17 characters; 0 if one is not in
 * the code's character set. */
char sample_uscc_check(const char *first17);
bool sample_uscc_valid(const char *code);
/* Luhn: the check digit to append to digits; and whether number is valid. */
char sample_luhn_digit(const char *digits);
bool sample_luhn_valid(const char *number);

/* A Chinese name for the given sex, and its pinyin. */
void sample_name_make(sample_rng *r, bool male, char *name, size_t namelen, char *pinyin,
		      size_t pinyinlen);
/* A customer who joined between since_from and since_to. */
void sample_person_make(sample_person *p, sample_rng *r, int no, sample_date since_from,
			sample_date since_to);
/* Another ID number for p (a collision); p with another birth date and the ID
 * number that goes with it. */
void sample_person_new_id(sample_person *p, sample_rng *r);
void sample_person_set_birth(sample_person *p, sample_rng *r, sample_date birth);
/* Age in whole years on a date. */
int sample_age_on(sample_date birth, sample_date on);
/* The company, founded some years before first_year. */
void sample_company_make(sample_company *c, sample_rng *r, int first_year);

/* Picks shared with the documents. */
const char *sample_pick(sample_rng *r, const char *const *list, size_t n);
#define SAMPLE_PICK(r, list) sample_pick((r), (list), sizeof(list) / sizeof((list)[0]))
void sample_phone_make(sample_rng *r, char out[12]);

/* ---- the CRM's customers (sample_crm.c), for the mailbox and the PDFs ---- */

typedef struct sample_crm_row {
	char no[12]; /* 客户编号, "00000123" */
	bool org;    /* an organisation: p.id holds its USCC, p.card its account */
	bool dup;    /* a second registration of an earlier customer */
	sample_person p;
} sample_crm_row;

typedef struct sample_crm_contract {
	char no[20]; /* "HT-2023-000123" */
	size_t customer;
	sample_date date;
	int64_t fen;
	int kind; /* 0 商品购销合同, 1 分期付款买卖合同 */
} sample_crm_contract;

/* Customer i (0-based row of crm/customers.csv) again, as it was written. */
void sample_crm_customer(const sample_world *w, size_t i, sample_crm_row *out);
/* The contracts of crm/contracts.csv chosen for PDFs (persons only). */
const sample_crm_contract *sample_crm_pdf_contracts(const sample_world *w, size_t *n);
const char *const *sample_contract_kinds(void);

/* One contract as a PDF (sample_pdf.c); kind < 0 and fen 0 are drawn. */
void sample_contract_pdf(cy_buf *out, const sample_world *w, const sample_person *p, const char *no,
			 sample_date date, int64_t fen, int kind, uint64_t index);

#endif
