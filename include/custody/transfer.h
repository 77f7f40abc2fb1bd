/* transfer.h - the handover (issue 9): receivers, transfers and their scope,
 * the gates of PIPL Arts. 22, 23, 38, 39, 55, approval, export, receipt.
 * docs/internals/transfer.md.  Notices to customers: notify.h. */
#ifndef CUSTODY_TRANSFER_H
#define CUSTODY_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/vault.h"

/* A receiving party.  Its name, code and contact are the company's public
 * business data (every notice names them), kept in the catalog as given. */
typedef struct cy_receiver {
	int64_t id;
	char name[256];
	char uscc[32];		 /* unified social credit code, or "" abroad */
	char contact[512];	 /* how customers reach the receiver */
	char jurisdiction[16];	 /* "CN" or "OTHER:XX" (ISO 3166 alpha-2) */
	char age_recipient[128]; /* age1... */
	char signing_pub[128];	 /* the receiver's receipt key (sigkey format) */
	char created[32];
} cy_receiver;

typedef struct cy_transfer_info {
	int64_t id;
	char fonds[8];
	cy_receiver receiver;
	char reason[16];    /* merger|division|dissolution|bankruptcy|sale|other */
	char purpose[4097]; /* decrypted (it may name people) */
	char status[16];    /* planned|approved|exported|confirmed|cancelled */
	char planned_by[64], planned[32];
	char approved_by[64], approved[32];
	int notice_days;	   /* the notice period (default 30) */
	int64_t records, subjects; /* in scope now */
} cy_transfer_info;

/* The transfer and its receiver (purpose decrypted).  Archivists and
 * viewers of its fonds; CY_ENOTFOUND otherwise. */
int cy_transfer_get(cy_vault *v, int64_t id, cy_transfer_info *out);

/* The customers in a transfer's scope (those linked to its records, less
 * those who objected), in id order: fn(arg, catalog id, display id). */
typedef int (*cy_transfer_subject_fn)(void *arg, int64_t subject_id, const char *display_id);
int cy_transfer_subjects(cy_vault *v, int64_t id, cy_transfer_subject_fn fn, void *arg);

/* archivist: add a receiver (its row digest logged: receiver.add). */
int cy_receiver_add(cy_vault *v, const cy_receiver *r, int64_t *id);
int cy_receiver_get(cy_vault *v, const char *name, cy_receiver *out);
int cy_receiver_list(cy_vault *v, int (*fn)(void *arg, const cy_receiver *r), void *arg);

bool cy_transfer_reason_valid(const char *reason);
/* merger, division, dissolution, bankruptcy: PIPL Art. 22 (notice); sale and
 * other need separate consent (Art. 23) */
bool cy_transfer_reason_art22(const char *reason);

typedef struct cy_transfer_plan_req {
	const char *fonds, *receiver, *reason, *purpose;
	const char **classes; /* class names; none: every class */
	size_t nclasses;
	int year_from, year_to; /* 0: open */
	const char **subjects;	/* display ids; none: every customer */
	size_t nsubjects;
	int notice_days;
	bool ciio, important; /* Art. 38 thresholds (DOMAIN.md 7) */
} cy_transfer_plan_req;

typedef struct cy_transfer_plan_result {
	int64_t records, subjects;
	int64_t skipped_status, skipped_hold; /* store-only/transferred; on hold */
} cy_transfer_plan_result;

/* archivist: plan a transfer of the records of a fonds that match the scope
 * (only records in custody, not store-only, not on hold).  Logged:
 * transfer.plan with the scope's hash. */
int cy_transfer_plan(cy_vault *v, const cy_transfer_plan_req *p, int64_t *id,
		     cy_transfer_plan_result *res);

typedef int (*cy_transfer_fn)(void *arg, const cy_transfer_info *t);
/* The transfers of the fonds granted to the caller (fonds NULL: all of them). */
int cy_transfer_list(cy_vault *v, const char *fonds, cy_transfer_fn fn, void *arg);

/* archivist: attach the personal-information impact assessment (PIPL
 * Arts. 55-56; Markdown text, sealed; its SHA-256 in digest and the ledger). */
int cy_transfer_pia_add(cy_vault *v, int64_t id, const void *text, size_t n, char digest[65]);
/* archivist: record the Art. 38 mechanism of a transfer abroad: kind
 * cac-assessment, standard-contract, certification or exempt; ref names the
 * filing (no personal data). */
int cy_transfer_mechanism(cy_vault *v, int64_t id, const char *kind, const char *ref);

/* A condition a transfer must meet before it leaves, with its article. */
typedef struct cy_transfer_gate {
	const char *name;    /* "notice", "notice-period", "consent", "mechanism",
				"consent-abroad", "pia", "approval" */
	const char *article; /* "PIPL Art. 22", or the rule's own citation */
	const char *what;    /* N_(): what must hold */
	bool ok;
	const char *fmt; /* N_(): where it stands, with up to four %lld */
	long long a, b, c, d;
} cy_transfer_gate;
#define CY_TRANSFER_GATES_MAX 8
/* The gates of a transfer as of a date (YYYY-MM-DD; NULL: today), and the
 * transfer itself (info may be NULL).  Archivists and viewers. */
int cy_transfer_gates(cy_vault *v, int64_t id, const char *as_of, cy_transfer_gate *g, size_t *n,
		      cy_transfer_info *info);

typedef struct cy_transfer_approve_result {
	int64_t records, subjects;	/* in scope after the objections */
	int64_t objected, records_left; /* customers who objected, their records */
	int64_t store_only, to_erase;	/* what became of those customers */
} cy_transfer_approve_result;
/* An archivist other than the planner approves: customers who objected
 * leave the scope (store-only where a legal period keeps their records,
 * else marked to erase), then every other gate must hold at as_of.
 * Logged: transfer.scope (when someone objected), transfer.approve. */
int cy_transfer_approve(cy_vault *v, int64_t id, const char *as_of,
			cy_transfer_approve_result *res);

typedef int (*cy_transfer_progress_fn)(void *arg, uint64_t records, uint64_t total, uint64_t bytes);
typedef struct cy_transfer_export_result {
	uint64_t records, subjects, files, bytes;
	char tag_manifest[65]; /* SHA-256 of tagmanifest-sha256.txt, hex */
} cy_transfer_export_result;
/* archivist: write the package of an approved transfer to path: a BagIt
 * bag in a tar, encrypted to the receiver's age key, streamed (no
 * plaintext on disk).  Every gate is checked again at as_of.  Logged:
 * transfer.export before the first byte, transfer.exported after. */
int cy_transfer_export(cy_vault *v, int64_t id, const char *as_of, const char *path,
		       cy_transfer_progress_fn progress, void *parg,
		       cy_transfer_export_result *res);

/* ---- the receiver's side (no vault needed) ---- */
typedef struct cy_receive_opts {
	const char *package;  /* PKG.tar.age */
	const char *identity; /* the receiver's age identity file */
	const char *to;	      /* the work directory (created, mode 0700) */
	const char *sign_key; /* the receiver's receipt signing key file */
	const char *receipt;  /* where the signed receipt goes */
} cy_receive_opts;
typedef struct cy_receive_result {
	char transfer[160];
	char bag[4096]; /* the bag's directory */
	char tag_manifest[65];
	uint64_t records, subjects, files, bytes;
} cy_receive_result;
struct cy_bag_report;
/* Decrypt the package, extract it into a fresh directory inside o->to
 * (refusing hostile entries), validate the bag item by item and the counts
 * it declares, move it to o->to/<bag name>, and write the receipt signed
 * with the receiver's key.  rep gets the validator's errors and warnings
 * (release with cy_bag_report_free).  Nothing is written outside o->to but
 * the receipt; on failure what was extracted is removed. */
int cy_receive(const cy_receive_opts *o, cy_receive_result *res, struct cy_bag_report *rep);

struct cy_receipt;
/* archivist: check the receiver's receipt against the export (its key,
 * transfer id, tag-manifest digest, counts, ledger checkpoint) and mark the
 * records transferred.  Logged: transfer.confirm with the receipt's digest. */
int cy_transfer_confirm(cy_vault *v, int64_t id, const void *receipt, size_t n,
			struct cy_receipt *out);

typedef struct cy_receive_import_result {
	uint64_t records, duplicates; /* records added; already in the fonds */
	uint64_t subjects, subjects_added;
} cy_receive_import_result;
/* archivist of the receiver's vault: take a bag cy_receive validated into
 * fonds: its customers (merged with those the fonds has by ID number or
 * credit code) and records (each file checked against its SHA-256 again;
 * fields sender_archive_no and transfer).  Logged: transfer.receive. */
int cy_receive_import(cy_vault *v, const char *fonds, const cy_receive_result *rcv,
		      cy_receive_import_result *res);

#endif
