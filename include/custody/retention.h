/* retention.h - retention schedules as data: a retention rule pack (JSON
 * files in rules/retention/, docs/formats/retention-rules.md) says, for a
 * record's class, source kind, classification rule and retention code, from
 * when its period runs (the end of the fiscal year, an event date such as a
 * fixed asset's disposal, or the end of the business), how long it is, what
 * happens at its end (appraise, destroy, store-only), whether the law's
 * period is a minimum, and which article requires it.
 *
 * The date arithmetic (cy_retention_eval) is a pure function of the pack
 * and a record's facts: no vault, no clock.  cy_retention_due walks a
 * vault's records with it.  Overrides of a rule's period are decided by an
 * archivist, logged in the ledger (retention.override) and read back from
 * the ledger, which is the authority (docs/internals/retention.md). */
#ifndef CUSTODY_RETENTION_H
#define CUSTODY_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/record.h"

typedef struct cy_vault cy_vault;
typedef struct cy_retention_pack cy_retention_pack;

/* The rule id of a record that no rule matched: its retention code decides. */
#define CY_RETENTION_CODE_RULE "retention-code"
/* A period that never ends. */
#define CY_RETENTION_PERMANENT (-1)
/* Longest rule id (with the NUL: 48). */
#define CY_RETENTION_ID_MAX 47

/* Parse one pack file (JSON); name is used in messages.  CY_EINVALID with a
 * message naming the line (JSON syntax) or the rule (number and id) and what
 * is wrong; CY_ENOMEM. */
int cy_retention_parse(const void *data, size_t n, const char *name, cy_retention_pack **out);
/* Load the active pack.  spec:
 *   NULL      $CUSTODY_RETENTION if set, else the shipped directory;
 *   a directory: every *.json in it, in byte order of names, except packs
 *             marked "load": "on-request";
 *   a path to a file (contains '/' or ends in .json): that file;
 *   NAME[,NAME...]: the shipped packs of those names (e.g. "gdpr",
 *             "cn-accounting,cn-pipl"), whatever their "load".
 * Rule ids are unique across the files; the files agree on fiscal_year_end. */
int cy_retention_load(const char *spec, cy_retention_pack **out);
/* Where the shipped packs (and packs named in a spec) are:
 * $CUSTODY_RETENTION_DIR if set, else the source tree's rules/retention for
 * the program in its build tree, else $datadir/custody/rules/retention. */
int cy_retention_dir(char *out, size_t outsz);
void cy_retention_free(cy_retention_pack *p);
/* The files the pack came from, for people ("cn-accounting.json, ..."). */
const char *cy_retention_pack_name(const cy_retention_pack *p);
/* The i-th signatory role the pack names for a destruction batch of kind
 * ("accounting", "other", "erasure"; member "signatories"), NULL after the
 * last or when the pack names none (custody then uses its own, destroy.h). */
const char *cy_retention_signatory(const cy_retention_pack *p, const char *kind, size_t i);
/* The fiscal year end, "MM-DD". */
const char *cy_retention_fiscal_year_end(const cy_retention_pack *p);

/* What is known of a record (all strings may be NULL: a condition about a
 * missing fact does not hold). */
typedef struct cy_retention_facts {
	const char *klass;	    /* class name: "accounting", "customer", ... */
	const char *source_kind;    /* "file", "csv", "xlsx", "mail" */
	const char *retention;	    /* the record's code: "Y", "D30", "D10" */
	const char *retention_rule; /* the classification rule that set it */
	const char *title;	    /* for title_words; never copied or kept */
	int year;		    /* the fiscal year (年度) the record belongs to */
	const cy_kv *fields;	    /* the record's free fields (event dates) */
	size_t nfields;
	const char *fonds_status;      /* "operating", ..., "deregistered" */
	const char *fonds_status_date; /* YYYY-MM-DD */
} cy_retention_facts;

typedef struct cy_retention_result {
	char rule[CY_RETENTION_ID_MAX + 1]; /* the rule, or CY_RETENTION_CODE_RULE */
	const char *trigger_kind;	    /* "fiscal-year-end", "event", "business-end" */
	char trigger[16];      /* the date the period runs from; "" when not yet known */
	char due[16];	       /* the first day the action may be taken; "" when never
				   * (permanent) or not yet known (see waiting) */
	const char *action;    /* "appraise", "destroy", "store-only" */
	int period;	       /* years, or CY_RETENTION_PERMANENT */
	char period_text[80];  /* "30 years", "permanent", "5 years from disposal_date" */
	const char *citation;  /* "law article; DOMAIN.md fact" */
	const char *certainty; /* "verified", "partial", "unverified" */
	bool minimum;	       /* the law's period is a minimum (第十五条) */
	bool overridden;       /* period comes from an override */
	int64_t appraisal;     /* the appraisal that kept the record (the new period runs
				* from its date); 0 when none */
	char waiting[96];      /* why there is no due date yet ("" otherwise) */
} cy_retention_result;

/* Evaluate a record against the pack: the first rule that matches (pack
 * order), else the record's retention code (Y: permanent; Dn: n years from
 * the end of the fiscal year, appraise) as rule CY_RETENTION_CODE_RULE.
 * Strings in out are borrowed from the pack (or static).  Pure and
 * thread-safe.  0; CY_EINVALID when neither a rule nor the code gives a
 * period (a record without a valid retention code). */
int cy_retention_eval(const cy_retention_pack *p, const cy_retention_facts *f,
		      cy_retention_result *out);

/* The rules, in the order they are tried. */
typedef struct cy_retention_rule_info {
	const char *id, *match;	  /* match: the conditions as text, for people */
	const char *trigger_kind; /* "fiscal-year-end", "event", "business-end" */
	const char *event_field;  /* for "event"; else NULL */
	int period;		  /* years or CY_RETENTION_PERMANENT (the pack's) */
	const char *action, *citation, *certainty, *source, *note;
	bool minimum;
	bool overridden;
	int override_period; /* when overridden */
} cy_retention_rule_info;
size_t cy_retention_count(const cy_retention_pack *p);
int cy_retention_get(const cy_retention_pack *p, size_t i, cy_retention_rule_info *out);
/* Set (in memory) the period of a rule as overridden.  CY_ENOTFOUND for an
 * unknown rule; CY_EINVALID (naming the article) for a period shorter than
 * a minimum rule's. */
int cy_retention_set_override(cy_retention_pack *p, const char *rule, int period);
/* "permanent" or a number of years 0-1000. */
int cy_retention_period_parse(const char *s, int *period);

/* ---- in a vault ---- */

/* archivist: override a rule's period (years, or CY_RETENTION_PERMANENT)
 * with a reason (1-500 bytes, shown to people; no personal data: a reason
 * in which an ID number, phone, card number or e-mail address is found is
 * refused).  Logged as retention.override (the rule, the period, the period
 * before, the pack's period, and the SHA-256 of the reason).  Refused
 * (CY_EINVALID, with the article) below a minimum rule's period.  The
 * pack's in-memory override is set too. */
int cy_retention_override(cy_vault *v, cy_retention_pack *p, const char *rule, int period,
			  const char *reason);
/* Apply the overrides the ledger holds (the last word per rule) to the
 * pack.  Overrides of rules the pack does not have are skipped. */
int cy_retention_overrides_load(cy_vault *v, cy_retention_pack *p);
/* An override as the catalog lists it (with its reason), after
 * cy_retention_overrides_load; fn is called per override. */
typedef struct cy_retention_override_info {
	const char *rule, *reason, *user, *at;
	int period;
	uint64_t seq;
	bool matches_ledger; /* false: the catalog row was edited */
} cy_retention_override_info;
typedef int (*cy_retention_override_fn)(void *arg, const cy_retention_override_info *o);
int cy_retention_overrides_list(cy_vault *v, cy_retention_override_fn fn, void *arg);
/* For check: each override row of the catalog against the ledger's last
 * word (and each ledger override without its row): problem is called with
 * one line per difference. */
int cy_retention_check(cy_vault *v, void (*problem)(void *arg, const char *msg), void *arg);

/* The records (of one fonds, or all the caller holds) whose due date is on or
 * before as_of (YYYY-MM-DD), with why; records destroyed or transferred are
 * left out.  Overrides are read from the ledger first.  fn is called per due
 * record in the order of cy_record_list; a nonzero return stops the walk and
 * is returned.  seen (may be NULL) is called for every record looked at
 * (progress). */
typedef int (*cy_retention_due_fn)(void *arg, const cy_record_info *r,
				   const cy_retention_result *res);
int cy_retention_due(cy_vault *v, cy_retention_pack *p, const char *fonds, const char *as_of,
		     cy_retention_due_fn fn, void *arg);
/* The same with a callback per record looked at (for progress): a nonzero
 * return stops the walk with CY_ECANCELLED. */
int cy_retention_due_ext(cy_vault *v, cy_retention_pack *p, const char *fonds, const char *as_of,
			 cy_retention_due_fn fn, int (*seen)(void *arg), void *arg);

/* Every record (of one fonds, or all the caller holds) the pack can place,
 * due or not, with its evaluation (due "" when permanent or waiting for its
 * trigger; appraisal keeps applied): for destruction and erasure, which
 * must know each named record's rule. */
int cy_retention_each(cy_vault *v, cy_retention_pack *p, const char *fonds, cy_retention_due_fn fn,
		      void *arg);

/* ---- appraisal (鉴定意见书, 会计档案管理办法 第十六条) ---- */

/* A record of the appraisal: what the register may hold (no title: a title
 * can name a person) and the decision. */
typedef struct cy_appraisal_item {
	char archive_no[64];
	char klass[16];
	int year;
	char retention[8]; /* the record's code */
	char rule[CY_RETENTION_ID_MAX + 1];
	char trigger[16], due[16];
	char decision[16]; /* "destroy", "keep" or "store-only" */
	int new_period;	   /* keep: years from the appraisal's date, or
			    * CY_RETENTION_PERMANENT; else 0 */
} cy_appraisal_item;

typedef struct cy_appraisal_info {
	int64_t id;
	char fonds[8], as_of[16], created[32], user[64];
	uint64_t seq; /* its appraise ledger entry */
	int64_t items;
	char digest[65];
} cy_appraisal_info;

/* A record the appraisers keep, with its new period. */
typedef struct cy_appraisal_keep {
	const char *archive_no; /* as cy_archive_no_normalize gives it */
	int period;		/* years, or CY_RETENTION_PERMANENT */
} cy_appraisal_keep;

/* archivist: appraise the records of `fonds` due on or before as_of
 * (cy_retention_due): each is kept (when keeps names it, with its new
 * period) or, by its rule's action, to be destroyed (destroy, appraise) or
 * kept store-only.  Stored in the catalog and logged as `appraise` with the
 * SHA-256 of its items (docs/internals/retention.md); *id gets its id.
 * CY_ENOTFOUND when nothing is due; CY_EINVALID when a kept record is not
 * due (naming it). */
int cy_appraise(cy_vault *v, cy_retention_pack *p, const char *fonds, const char *as_of,
		const cy_appraisal_keep *keeps, size_t nkeeps, int64_t *id);
/* One appraisal's header, verified against its ledger entry (CY_ECORRUPT
 * when the catalog was edited; CY_ENOTFOUND when there is none). */
int cy_appraisal_get(cy_vault *v, int64_t id, cy_appraisal_info *out);
/* Its items, in order, after the same verification.  For `destroy propose
 * --from-appraisal ID`: the items whose decision is "destroy". */
typedef int (*cy_appraisal_item_fn)(void *arg, const cy_appraisal_item *it);
int cy_appraisal_items(cy_vault *v, int64_t id, cy_appraisal_item_fn fn, void *arg);

#endif
