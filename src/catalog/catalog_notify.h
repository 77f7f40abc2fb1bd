/* catalog_notify.h - the rows of PIPL Art. 22 notices (schema 7, block
 * "notify:"; docs/internals/notify.md).
 *
 * One row per (transfer, customer).  The catalog keeps no personal data in
 * clear here: the response code is a sealed blob (found by its SHA-256),
 * addresses and phones stay in the subject's sealed fields, and the last
 * error is the SMTP status or curl's class of failure, never the server's
 * text (which may echo an address). */
#ifndef CY_CATALOG_NOTIFY_H
#define CY_CATALOG_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

#define CY_NOTICE_CODE_SEALED_MAX 64

/* The entries the notices' ledger view reads (the partial index
 * ledger_notify of schema 7). */
#define CY_LEDGER_NOTIFY_WHERE "instr(entry, CAST('\"action\":\"notify.' AS BLOB)) > 0"

/* Every notify.* entry after seq `after`, in order. */
typedef int (*cy_catalog_notice_entry_fn)(void *arg, uint64_t seq, const char *entry, size_t n);
int cy_catalog_notice_ledger_each(cy_catalog *c, uint64_t after, cy_catalog_notice_entry_fn fn,
				  void *arg);

typedef struct cy_catalog_notice {
	int64_t id, transfer_id, subject_id, fonds_id, epoch;
	char fonds[8];	    /* the subject's fonds code (read) */
	int64_t subject_no; /* its number in the fonds (read) */
	char template_[8];  /* "zh-CN", "en" */
	char channel[8];    /* "email", "sms", "none" */
	uint8_t code_hash[32];
	uint8_t code[CY_NOTICE_CODE_SEALED_MAX]; /* sealed (read) */
	size_t code_len;
	char status[16]; /* pending, sent, failed, bounced */
	int64_t attempts;
	char last_error[128];
	char message_id[128];
	char prepared[32], sent[32], bounced[32], answered[32];
	char answer[16]; /* "" or continue, object, copy, question */
} cy_catalog_notice;

/* A new notice (status pending) with its code's hash; the sealed code is set
 * after the insert (its AAD holds the row id): cy_catalog_notice_set_code.
 * CY_EEXISTS when the customer has a notice for this transfer already. */
int cy_catalog_notice_insert(cy_catalog *c, const cy_catalog_notice *n, int64_t *id);
int cy_catalog_notice_set_code(cy_catalog *c, int64_t id, const void *blob, size_t n);

typedef int (*cy_catalog_notice_fn)(void *arg, const cy_catalog_notice *n);
/* The notices of a transfer in subject order; fn's non-zero result stops
 * (a positive one is returned as 0). */
int cy_catalog_notice_each(cy_catalog *c, int64_t transfer_id, cy_catalog_notice_fn fn, void *arg);
/* One notice, by its code's hash or by the Message-ID it was sent with
 * (within a transfer); CY_ENOTFOUND (no error set) when none. */
int cy_catalog_notice_by_code(cy_catalog *c, int64_t transfer_id, const uint8_t hash[32],
			      cy_catalog_notice *out);
int cy_catalog_notice_by_message(cy_catalog *c, int64_t transfer_id, const char *message_id,
				 cy_catalog_notice *out);
/* Whether the customer has a notice for the transfer: 1, 0, or an error. */
int cy_catalog_notice_exists(cy_catalog *c, int64_t transfer_id, int64_t subject_id);

/* An attempt: sent (status sent, its Message-ID and time, attempts + 1),
 * failed (status failed, attempts + 1, the error), bounced, answered. */
int cy_catalog_notice_sent(cy_catalog *c, int64_t id, const char *message_id, const char *at);
int cy_catalog_notice_failed(cy_catalog *c, int64_t id, const char *error);
int cy_catalog_notice_bounced(cy_catalog *c, int64_t id, const char *at);
int cy_catalog_notice_answer(cy_catalog *c, int64_t id, const char *answer, const char *at);

/* The distinct classes of the records linked to a subject, each once in
 * class order: fn(arg, class) (the kinds of data a notice names). */
typedef int (*cy_catalog_notice_class_fn)(void *arg, const char *klass);
int cy_catalog_notice_classes(cy_catalog *c, int64_t subject_id, cy_catalog_notice_class_fn fn,
			      void *arg);

#endif
