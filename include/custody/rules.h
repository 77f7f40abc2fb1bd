/* rules.h - classification as data: a rule pack (JSON files in rules/,
 * docs/formats/rules.md) maps what is known of incoming material (the import
 * kind, the file name, the sniffed format, a table's headers, a mail folder,
 * the first KiB of text) to a record class, a retention code and the article
 * that requires it.  The first rule that matches wins (rules tried by
 * priority, highest first; equal priorities in file order).  Material that no
 * rule matches is classed "unclassified" for review (CY_CLASS_UNCLASSIFIED),
 * never dropped.  docs/internals/classification.md. */
#ifndef CUSTODY_RULES_H
#define CUSTODY_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "custody/buf.h"
#include "custody/record.h"

typedef struct cy_rules cy_rules;

/* The longest rule id: it is kept as a record's retention_rule (48 bytes in
 * cy_record_info, with the NUL). */
#define CY_RULE_ID_MAX 47
/* The id given to material that no rule matched. */
#define CY_RULE_UNCLASSIFIED "unclassified"

/* Parse a rule pack (JSON, docs/formats/rules.md); name is used in messages.
 * CY_EINVALID with a message naming the line (JSON syntax) or the rule (its
 * number and id) and what is wrong; CY_ENOMEM. */
int cy_rules_parse(const void *data, size_t n, const char *name, cy_rules **out);
/* Load a pack from a file, or from a directory: every *.json file in it, in
 * byte order of names, as one pack (rule ids unique across the files). */
int cy_rules_load(const char *path, cy_rules **out);
/* Where the pack custody uses comes from: $CUSTODY_RULES if set, else the
 * source tree's rules/ when the running program is the one in its build tree,
 * else the installed $datadir/custody/rules.  Writes the path to out;
 * CY_EINVALID if it does not fit. */
int cy_rules_default_path(char *out, size_t outsz);
/* cy_rules_load(cy_rules_default_path()). */
int cy_rules_load_default(cy_rules **out);
void cy_rules_free(cy_rules *r);

/* What is known of the material to classify; every member may be NULL/0
 * (a condition about a missing input does not match).  Strings UTF-8. */
typedef struct cy_classify_input {
	const char *kind;	    /* "customers", "transactions", "contracts", "records",
				      * "mail" or "files" */
	const char *name;	    /* file name or path (path rules see the whole path,
				      * name rules its last component) */
	const char *format;	    /* cy_sniff_format's name: "pdf", "text", "csv", ... */
	const char *const *headers; /* a table's header cells, as they are */
	size_t nheaders;
	const char *mail_folder; /* the folder (mailbox) a message came from */
	const char *text;	 /* the first bytes of the text content, UTF-8 */
	size_t text_len;	 /* only the first CY_RULES_TEXT_MAX bytes are looked at */
} cy_classify_input;
#define CY_RULES_TEXT_MAX 1024

/* The result; its strings are borrowed from the pack (static for
 * unclassified) and live as long as it. */
typedef struct cy_classification {
	cy_class klass;
	const char *retention; /* "Y", "D30" or "D10" */
	const char *rule_id;   /* at most CY_RULE_ID_MAX bytes; CY_RULE_UNCLASSIFIED if none */
	const char *citation;  /* "law, article; DOMAIN.md fact" */
	const char *certainty; /* "verified", "partial" or "unverified" (DOMAIN.md's marks) */
	bool matched;	       /* false: no rule matched (unclassified, for review) */
} cy_classification;

/* Classify: the first matching rule, or unclassified.  r may be NULL (then
 * everything is unclassified).  Thread-safe: the pack is only read.  0, or
 * CY_ENOMEM (out is then unclassified too). */
int cy_rules_classify(const cy_rules *r, const cy_classify_input *in, cy_classification *out);

/* A UTF-8 text sample of a file's first bytes for cy_classify_input.text:
 * the bytes themselves when they are UTF-8 (a sequence cut at the end is
 * dropped), else their GB18030 decoding when that works, else nothing (0
 * with out empty).  At most CY_RULES_TEXT_MAX bytes are read from p.  The
 * sample is document content: the caller wipes it (cy_buf_wipe). */
int cy_rules_text_sample(const uint8_t *p, size_t n, cy_buf *out);

/* The pack's rules, in the order they are tried (for listing them). */
typedef struct cy_rule_info {
	const char *id, *klass, *retention, *citation, *certainty, *source;
	int priority;
} cy_rule_info;
size_t cy_rules_count(const cy_rules *r);
int cy_rules_get(const cy_rules *r, size_t i, cy_rule_info *out);

#endif
