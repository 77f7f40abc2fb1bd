/* subject.h - subjects: the customers (persons and organisations) whose data
 * is in custody.
 *
 * Each subject belongs to one fonds and has its own random subject key,
 * wrapped by the fonds key; its personal fields are one JSON object encrypted
 * under that key; exact look-ups go through blind indexes (HMAC-SHA-256 of the
 * normalised value under the fonds' index key).  Formats, with test vectors:
 * docs/formats/subject.md.
 *
 * A subject's display id is its fonds code, "-C", and its number in the fonds
 * with at least six digits: "Z109-C000001".
 *
 * Archivists add subjects; archivists and viewers show, list and find them in
 * the fonds granted to them; administrative roles get CY_EPERM.  Reading a
 * subject's fields is logged in the ledger (subject.read, with the id only).
 * Archivists export a subject's data with its records (cy_subject_export). */
#ifndef CUSTODY_SUBJECT_H
#define CUSTODY_SUBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/record.h"
#include "custody/vault.h"

#define CY_SUBJECT_ID_MAX 32

typedef struct cy_subject_kv {
	const char *key, *value;
} cy_subject_kv;

/* A subject's personal fields (UTF-8).  NULL or "" means absent. */
typedef struct cy_subject_fields {
	const char *kind;    /* "person" or "org"; required */
	const char *name;    /* required */
	const char *id_type; /* e.g. "resident-id", "passport" */
	const char *id_number;
	const char *uscc; /* organisations: unified social credit code */
	const char *address;
	const char **phones;
	size_t nphones;
	const char **emails;
	size_t nemails;
	const char **accounts; /* bank accounts, card numbers */
	size_t naccounts;
	const char **customer_nos; /* the company's own customer numbers (客户编号) */
	size_t ncustomer_nos;
	/* sensitivity labels (PIPL Art. 28; pii.h names): "id_number",
	 * "minor_under_14", "financial_account" */
	const char **labels;
	size_t nlabels;
	const cy_subject_kv *extra; /* free key-values an importer adds */
	size_t nextra;
} cy_subject_fields;

typedef struct cy_subject_info {
	char id[CY_SUBJECT_ID_MAX]; /* "Z109-C000001" */
	char fonds[8];
	char kind[8];
	char status[16];
	char created[32];
	char created_by[64];
	int64_t records; /* linked records */
	/* decrypted: set by cy_subject_show (and list/find with CY_SUBJECT_NAMES:
	 * only kind and name); the strings are owned by the struct */
	bool decrypted;
	cy_subject_fields f;
	void *priv_; /* owns the strings above */
} cy_subject_info;
/* Free (and wipe) what the struct owns. */
void cy_subject_info_release(cy_subject_info *s);

/* archivist: add a subject to a fonds the caller holds.  Validates the fields
 * (kind, a name, sizes, UTF-8), seals them, writes the blind indexes and logs
 * subject.add.  id_out receives the display id.  Invalid identifiers (a wrong
 * GB 11643 check digit) are kept and indexed as given: see cy_resident_id_check. */
int cy_subject_add(cy_vault *v, const char *fonds, const cy_subject_fields *f,
		   char id_out[CY_SUBJECT_ID_MAX]);

/* Decrypt one subject (by display id) into out; the read is logged
 * (subject.read) before the fields are returned.  CY_ENOTFOUND when there is
 * no such subject or it is in a fonds the caller does not hold; CY_ECORRUPT
 * when its key or fields fail authentication. */
int cy_subject_show(cy_vault *v, const char *id, cy_subject_info *out);

/* The records linked to a subject (by display id), in archive order, with
 * their metadata decrypted: fn(arg, r) for each (r is valid during the
 * call; fn may use the vault, e.g. cy_record_get).  Same access as
 * cy_subject_show.  The listing is logged before the first record is
 * returned (subject.records: the id, fonds and number of records). */
int cy_subject_records(cy_vault *v, const char *id, cy_record_fn fn, void *arg);

/* archivist: everything held about a subject, for handing it over (PIPL
 * Art. 45): its fields decrypted into out (as cy_subject_show; release with
 * cy_subject_info_release) and fn for each linked record (as
 * cy_subject_records).  Logged once before anything is returned:
 * subject.export (the id, fonds and number of records).  The records'
 * bytes are read by the caller with cy_record_get (each logged as
 * record.read).  CY_EPERM for any role but archivist; CY_ENOTFOUND for an
 * unknown subject and for one of a fonds the caller does not hold.  If fn
 * fails, its code is returned and out is released. */
int cy_subject_export(cy_vault *v, const char *id, cy_subject_info *out, cy_record_fn fn,
		      void *arg);

typedef int (*cy_subject_fn)(void *arg, const cy_subject_info *s);

#define CY_SUBJECT_NAMES 1u /* list/find: decrypt kind and name too (logged) */

/* The subjects of one fonds (or of all held fonds when fonds is NULL): id,
 * kind, status, record count.  With CY_SUBJECT_NAMES, also the names, and the
 * reading is logged (subject.list) before the first is returned. */
int cy_subject_list(cy_vault *v, const char *fonds, unsigned flags, cy_subject_fn fn, void *arg);

/* Exact look-up through the blind index: field is "name", "id_number",
 * "phone", "email", "uscc", "account" or "customer_no"; value is normalised first.  fonds
 * NULL: every held fonds.  Each hit is confirmed against the subject's own
 * (decrypted) fields, so an index row edited to point elsewhere is refused
 * (CY_ECORRUPT).  The look-up is logged (subject.find: field and number of
 * hits, never the value). */
int cy_subject_find(cy_vault *v, const char *fonds, const char *field, const char *value,
		    unsigned flags, cy_subject_fn fn, void *arg);

/* The catalog id of a subject (by display id) for cy_record_new.subjects,
 * checking that it belongs to fonds: CY_EINVALID when the id names another
 * fonds, CY_ENOTFOUND when there is no such subject in a fonds the caller
 * holds (nothing is decrypted or logged). */
int cy_subject_lookup(cy_vault *v, const char *fonds, const char *id, int64_t *subject_id);

/* Parse a display id: fonds code (4 characters) and number. */
int cy_subject_id_parse(const char *id, char fonds[8], int64_t *no);

#endif
