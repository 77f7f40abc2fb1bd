/* retention.c - the retention rule pack (docs/formats/retention-rules.md):
 * loading and checking a pack (JSON through jansson, as strict as the
 * classification pack of src/ingest/rules.c: unknown members, duplicate
 * keys and duplicate ids are errors), matching a record's facts to a rule,
 * and the date arithmetic of its due date (cy_retention_eval, pure).
 * docs/internals/retention.md. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <utf8proc.h>

#include "base/jsonsec.h"
#include "custody/buf.h"
#include "custody/datetime.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/retention.h"
#include "retention/retention_internal.h"
#include "retention/retention_paths.h"
#include "custody/banned.h"

/* the same limits as the classification pack (docs/formats/rules.md) */
#define PACK_FILE_MAX (1u << 20)
#define RULES_MAX 4096
#define VALUES_MAX 256	 /* per condition */
#define VALUE_MAX 256	 /* bytes of one value */
#define CITATION_MAX 512 /* bytes of the joined citation */
#define FILES_MAX 256	 /* *.json files in a directory */
#define ALTS_MAX 16	 /* alternatives of one match */
#define PERIOD_MAX 1000	 /* years */

enum cond { C_CLASS, C_SOURCE_KIND, C_RETENTION_RULE, C_RETENTION, C_TITLE_WORDS, C_COUNT };
static const char *const COND_NAMES[C_COUNT] = {"class", "source_kind", "retention_rule",
						"retention", "title_words"};
static const char *const SOURCE_KINDS[] = {"file", "csv", "xlsx", "mail"};
static const char *const CERTAINTY[] = {"verified", "partial", "unverified"};
static const char *const ACTIONS[] = {"appraise", "destroy", "store-only"};
static const char *const TRIGGERS[] = {"fiscal-year-end", "event", "business-end"};
enum { T_FYE, T_EVENT, T_BUSINESS_END };

typedef struct plist {
	char **v;
	size_t n;
} plist;

typedef struct alt {
	plist cond[C_COUNT];
} alt;

typedef struct rule {
	char id[CY_RETENTION_ID_MAX + 1];
	alt *alts;
	size_t nalts;
	char *match_text;
	int trigger;
	char event_field[48];
	int period;
	const char *action, *certainty; /* static */
	bool minimum;
	char *citation, *source, *note;
	bool overridden;
	int override_period;
} rule;

/* The signatories of a destruction batch by its kind (会计档案管理办法
 * 第十八条): "accounting", "other", "erasure". */
#define SIG_KINDS 3
#define SIG_ROLES_MAX 12
static const char *const SIG_KIND[SIG_KINDS] = {"accounting", "other", "erasure"};

struct cy_retention_pack {
	rule *v;
	size_t n, cap;
	char sig[SIG_KINDS][SIG_ROLES_MAX][32];
	size_t nsig[SIG_KINDS];
	int fye_month, fye_day; /* fiscal year end */
	char fye[6];
	bool fye_set;
	cy_buf names; /* the files, for people */
};

/* ---- helpers ---- */

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

static const char *find_static(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(s, list[i]))
			return list[i];
	return NULL;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* NFKC and case folding, as the classification pack compares words; NULL
 * when s is not UTF-8 or memory ran out (*oom). */
static char *fold(const char *s, size_t n, bool *oom)
{
	utf8proc_uint8_t *f = NULL;
	utf8proc_ssize_t len;

	if (!cy_utf8_valid(s, n))
		return NULL;
	len = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &f,
			   UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
				   UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
	if (len < 0) {
		if (len == UTF8PROC_ERROR_NOMEM)
			*oom = true;
		return NULL;
	}
	return (char *)f;
}

static bool id_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= CY_RETENTION_ID_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

int cy_retention_period_parse(const char *s, int *period)
{
	char *end;
	long v;

	if (s && !strcmp(s, "permanent")) {
		*period = CY_RETENTION_PERMANENT;
		return 0;
	}
	if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 4)
		goto bad;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > PERIOD_MAX)
		goto bad;
	*period = (int)v;
	return 0;
bad:
	return cy_error_set(CY_EINVALID,
			    "'%s' is not a retention period: give a number of years (0-%d) or "
			    "'permanent'",
			    s ? s : "", PERIOD_MAX);
}

static void period_text(int period, const char *from, char *out, size_t n)
{
	if (period == CY_RETENTION_PERMANENT)
		snprintf(out, n, "permanent");
	else
		snprintf(out, n, "%d year%s from %s", period, period == 1 ? "" : "s", from);
}

/* "signatories": {"accounting": ["unit-head", ...], "other": [...],
 * "erasure": [...]}: each kind 2-12 distinct role ids of lower-case letters,
 * digits and '-' (1-31 characters), defined in one file of the pack only. */
static int parse_signatories(cy_retention_pack *p, json_t *val, const char *name)
{
	const char *key;
	json_t *arr;

	if (!json_is_object(val))
		return cy_error_set(CY_EINVALID,
				    "%s: 'signatories' must be an object of kinds (accounting, "
				    "other, erasure), each a list of roles",
				    name);
	json_object_foreach(val, key, arr)
	{
		size_t k = 0, n;
		while (k < SIG_KINDS && strcmp(SIG_KIND[k], key))
			k++;
		if (k == SIG_KINDS)
			return cy_error_set(CY_EINVALID,
					    "%s: signatories: unknown kind '%s' (accounting, other, "
					    "erasure)",
					    name, key);
		if (p->nsig[k])
			return cy_error_set(CY_EINVALID,
					    "%s: signatories of '%s' are defined in another file of "
					    "the pack too",
					    name, key);
		n = json_is_array(arr) ? json_array_size(arr) : 0;
		if (n < 2 || n > SIG_ROLES_MAX)
			return cy_error_set(
				CY_EINVALID,
				"%s: signatories of '%s' must be a list of 2 to %d roles "
				"(one person never signs alone)",
				name, key, SIG_ROLES_MAX);
		for (size_t i = 0; i < n; i++) {
			const char *r = json_string_value(json_array_get(arr, i));
			size_t len = r ? strlen(r) : 0;
			bool ok = len >= 1 && len <= 31;
			for (size_t c = 0; ok && c < len; c++)
				ok = (r[c] >= 'a' && r[c] <= 'z') || (r[c] >= '0' && r[c] <= '9') ||
				     r[c] == '-';
			for (size_t q = 0; ok && q < i; q++)
				ok = strcmp(p->sig[k][q], r) != 0;
			if (!ok) {
				p->nsig[k] = 0;
				return cy_error_set(CY_EINVALID,
						    "%s: signatories of '%s', role %zu: a role is "
						    "1-31 lower-case letters, digits or '-', each "
						    "named once",
						    name, key, i + 1);
			}
			snprintf(p->sig[k][i], sizeof(p->sig[k][i]), "%s", r);
		}
		p->nsig[k] = n;
	}
	return 0;
}

/* ---- the pack ---- */

static void plist_release(plist *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
}

static void rule_release(rule *r)
{
	for (size_t a = 0; a < r->nalts; a++)
		for (int c = 0; c < C_COUNT; c++)
			plist_release(&r->alts[a].cond[c]);
	free(r->alts);
	free(r->match_text);
	free(r->citation);
	free(r->source);
	free(r->note);
}

void cy_retention_free(cy_retention_pack *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		rule_release(&p->v[i]);
	free(p->v);
	cy_buf_release(&p->names);
	free(p);
}

#define RULE_ERR(fmt, ...)                                                                         \
	cy_error_set(CY_EINVALID, "%s: rule %zu%s%s%s: " fmt, name, num, *r->id ? " ('" : "",      \
		     r->id, *r->id ? "')" : "", __VA_ARGS__)

static int parse_values(rule *r, alt *a, int c, json_t *j, cy_buf *text, const char *name,
			size_t num)
{
	plist *p = &a->cond[c];
	size_t n = json_is_array(j) ? json_array_size(j) : 1;

	if (!json_is_array(j) && !json_is_string(j))
		return RULE_ERR("'%s' must be a string or an array of strings", COND_NAMES[c]);
	if (n == 0)
		return RULE_ERR("'%s' is empty: give at least one value, or leave it out",
				COND_NAMES[c]);
	if (n > VALUES_MAX)
		return RULE_ERR("'%s' has %zu values; at most %d", COND_NAMES[c], n, VALUES_MAX);
	if (!(p->v = calloc(n, sizeof(*p->v))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	cy_buf_printf(text, "%s%s=", text->len && text->ptr[text->len - 1] != '(' ? " " : "",
		      COND_NAMES[c]);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_is_array(j) ? json_array_get(j, i) : j;
		const char *s;
		size_t len;
		bool oom = false;
		cy_class k;

		if (!json_is_string(e))
			return RULE_ERR("'%s' value %zu is not a string", COND_NAMES[c], i + 1);
		s = json_string_value(e);
		len = json_string_length(e);
		if (len == 0 || len > VALUE_MAX || strlen(s) != len || !cy_utf8_valid(s, len))
			return RULE_ERR("'%s' value %zu must be 1-%d bytes of UTF-8 with no NUL",
					COND_NAMES[c], i + 1, VALUE_MAX);
		switch (c) {
		case C_CLASS:
			if (cy_class_parse(s, &k))
				return RULE_ERR("unknown class '%s' (classes: customer contract "
						"transaction accounting correspondence other "
						"unclassified)",
						s);
			break;
		case C_SOURCE_KIND:
			if (!in_list(s, SOURCE_KINDS, NELEM(SOURCE_KINDS)))
				return RULE_ERR("unknown source_kind '%s' (file csv xlsx mail)", s);
			break;
		case C_RETENTION:
			if (!cy_retention_valid(s))
				return RULE_ERR("unknown retention code '%s' (Y D30 D10)", s);
			break;
		case C_RETENTION_RULE:
			if (!id_valid(s))
				return RULE_ERR("'retention_rule' value '%s' is not a rule id", s);
			break;
		}
		cy_buf_printf(text, "%s%s", i ? "|" : "", s);
		if (c == C_TITLE_WORDS) {
			p->v[i] = fold(s, len, &oom);
			p->n++;
			if (oom)
				return cy_error_set(CY_ENOMEM, "out of memory");
			if (!p->v[i] || !*p->v[i])
				return RULE_ERR("'%s' value %zu is empty once folded",
						COND_NAMES[c], i + 1);
		} else {
			p->v[i] = strdup(s);
			p->n++;
			if (!p->v[i])
				return cy_error_set(CY_ENOMEM, "out of memory");
		}
	}
	return 0;
}

static int parse_alt(rule *r, alt *a, json_t *j, cy_buf *text, const char *name, size_t num)
{
	const char *key;
	json_t *val;
	bool any = false;
	int rc;

	if (!json_is_object(j))
		return RULE_ERR("%s", "'match' must be an object, or an array of objects (any "
				      "of them)");
	cy_buf_puts(text, r->nalts > 1 ? " or (" : "(");
	json_object_foreach(j, key, val)
	{
		int c = -1;
		for (int k = 0; k < C_COUNT; k++)
			if (!strcmp(key, COND_NAMES[k]))
				c = k;
		if (c < 0)
			return RULE_ERR("unknown condition '%s' (class source_kind retention_rule "
					"retention title_words)",
					key);
		if ((rc = parse_values(r, a, c, val, text, name, num)))
			return rc;
		any = true;
	}
	cy_buf_putc(text, ')');
	if (!any)
		return RULE_ERR("%s", "'match' is empty: a rule must say what it applies to");
	return 0;
}

static int parse_match(rule *r, json_t *j, const char *name, size_t num)
{
	size_t n = json_is_array(j) ? json_array_size(j) : 1;
	cy_buf text = CY_BUF_INIT;
	int rc = 0;

	if (!j || (!json_is_array(j) && !json_is_object(j)))
		return RULE_ERR("%s", "needs a 'match' object (what the rule applies to)");
	if (n == 0 || n > ALTS_MAX)
		return RULE_ERR("'match' must have 1-%d alternatives", ALTS_MAX);
	if (!(r->alts = calloc(n, sizeof(*r->alts))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < n; i++) {
		r->nalts++;
		rc = parse_alt(r, &r->alts[i], json_is_array(j) ? json_array_get(j, i) : j, &text,
			       name, num);
	}
	if (!rc && cy_buf_failed(&text))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	if (!rc && !(r->match_text = cy_buf_detach(&text)))
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	cy_buf_release(&text);
	return rc;
}

static const char *str_member(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);

	return json_is_string(j) && strlen(json_string_value(j)) == json_string_length(j)
		       ? json_string_value(j)
		       : NULL;
}

static int parse_citation(rule *r, json_t *j, const char *name, size_t num)
{
	static const char *const KEYS[] = {"law", "article", "domain"};
	const char *v[3], *key;
	json_t *val;
	cy_buf b = CY_BUF_INIT;

	if (!json_is_object(j))
		return RULE_ERR("%s", "'citation' must be an object with law, article and domain");
	json_object_foreach(j, key, val)
	{
		if (!in_list(key, KEYS, 3))
			return RULE_ERR("unknown citation member '%s' (law article domain)", key);
	}
	for (int i = 0; i < 3; i++)
		if (!(v[i] = str_member(j, KEYS[i])) || !*v[i])
			return RULE_ERR("the citation needs '%s' (a non-empty string)", KEYS[i]);
	cy_buf_printf(&b, "%s %s; %s", v[0], v[1], v[2]);
	if (cy_buf_failed(&b))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if (b.len > CITATION_MAX) {
		cy_buf_release(&b);
		return RULE_ERR("the citation is longer than %d bytes", CITATION_MAX);
	}
	r->citation = cy_buf_detach(&b);
	return r->citation ? 0 : cy_error_set(CY_ENOMEM, "out of memory");
}

static int parse_rule(cy_retention_pack *p, json_t *j, const char *name, size_t num)
{
	static const char *const KEYS[] = {"id",     "match",	"trigger",  "event_field", "period",
					   "action", "minimum", "citation", "certainty",   "note"};
	rule *r = &p->v[p->n];
	const char *key, *s;
	json_t *val;
	int rc;

	memset(r, 0, sizeof(*r));
	p->n++; /* owned by the pack from here: freed with it on failure */
	if (!json_is_object(j))
		return RULE_ERR("%s", "a rule must be an object");
	s = str_member(j, "id");
	if (!s || !id_valid(s) || !strcmp(s, CY_RETENTION_CODE_RULE))
		return RULE_ERR("%s", "needs an 'id': 1-47 letters, digits, '.', '_' or '-' (and "
				      "not 'retention-code')");
	memcpy(r->id, s, strlen(s) + 1);
	for (size_t i = 0; i + 1 < p->n; i++)
		if (!strcmp(p->v[i].id, r->id))
			return RULE_ERR("the id is also that of %s", p->v[i].source);
	if (!(r->source = malloc(strlen(name) + 64)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	snprintf(r->source, strlen(name) + 64, "%s: rule %zu", name, num);
	json_object_foreach(j, key, val)
	{
		if (!in_list(key, KEYS, NELEM(KEYS)))
			return RULE_ERR("unknown member '%s' (id match trigger event_field period "
					"action minimum citation certainty note)",
					key);
	}
	if ((rc = parse_match(r, json_object_get(j, "match"), name, num)))
		return rc;
	s = str_member(j, "trigger");
	r->trigger = -1;
	for (size_t i = 0; s && i < NELEM(TRIGGERS); i++)
		if (!strcmp(s, TRIGGERS[i]))
			r->trigger = (int)i;
	if (r->trigger < 0)
		return RULE_ERR("%s", "needs a 'trigger': fiscal-year-end, event or business-end");
	val = json_object_get(j, "event_field");
	if (r->trigger == T_EVENT) {
		s = str_member(j, "event_field");
		if (!s || !*s || strlen(s) >= sizeof(r->event_field) ||
		    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(s))
			return RULE_ERR("%s", "an 'event' trigger needs 'event_field': the record "
					      "field (a-z, 0-9, _) that holds the date, e.g. "
					      "disposal_date");
		memcpy(r->event_field, s, strlen(s) + 1);
	} else if (val) {
		return RULE_ERR("%s", "'event_field' is only for the trigger 'event'");
	}
	val = json_object_get(j, "period");
	if (json_is_string(val) && !strcmp(json_string_value(val), "permanent")) {
		r->period = CY_RETENTION_PERMANENT;
	} else if (json_is_integer(val) && json_integer_value(val) >= 0 &&
		   json_integer_value(val) <= PERIOD_MAX) {
		r->period = (int)json_integer_value(val);
	} else {
		return RULE_ERR("'period' must be a number of years (0-%d) or \"permanent\"",
				PERIOD_MAX);
	}
	if (r->period == CY_RETENTION_PERMANENT && r->trigger != T_FYE)
		return RULE_ERR("%s", "a permanent period needs no trigger but fiscal-year-end");
	if (!(r->action = find_static(str_member(j, "action"), ACTIONS, NELEM(ACTIONS))))
		return RULE_ERR("%s", "needs an 'action': appraise, destroy or store-only");
	val = json_object_get(j, "minimum");
	if (val && !json_is_boolean(val))
		return RULE_ERR("%s", "'minimum' must be true or false");
	r->minimum = json_is_true(val);
	if ((rc = parse_citation(r, json_object_get(j, "citation"), name, num)))
		return rc;
	if (!(r->certainty = find_static(str_member(j, "certainty"), CERTAINTY, NELEM(CERTAINTY))))
		return RULE_ERR("%s", "needs a 'certainty': verified, partial or unverified (the "
				      "mark DOMAIN.md gives the fact)");
	val = json_object_get(j, "note");
	if (val && !json_is_string(val))
		return RULE_ERR("%s", "'note' must be a string");
	if (val && !(r->note = strdup(json_string_value(val))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	return 0;
}

static int parse_fye(cy_retention_pack *p, json_t *val, const char *name)
{
	const char *s = json_is_string(val) ? json_string_value(val) : "";
	int m = 0, d = 0;

	if (strlen(s) != 5 || s[2] != '-' || strspn(s, "0123456789-") != 5 ||
	    sscanf(s, "%2d-%2d", &m, &d) != 2 || m < 1 || m > 12 || d < 1 ||
	    d > cy_days_in_month(2001, m))
		return cy_error_set(CY_EINVALID,
				    "%s: 'fiscal_year_end' must be a day that every year has, as "
				    "MM-DD (e.g. 12-31 or 06-30; not 02-29)",
				    name);
	if (p->fye_set && (p->fye_month != m || p->fye_day != d))
		return cy_error_set(CY_EINVALID,
				    "%s: 'fiscal_year_end' %s differs from %s in another pack: a "
				    "company has one fiscal year",
				    name, s, p->fye);
	p->fye_month = m;
	p->fye_day = d;
	p->fye_set = true;
	snprintf(p->fye, sizeof(p->fye), "%02d-%02d", m, d);
	return 0;
}

/* Add the rules of one JSON text to the pack; skip_on_request: add nothing
 * from a pack marked "load": "on-request" (a directory's). */
static int parse_into(cy_retention_pack *p, const void *data, size_t n, const char *name,
		      bool skip_on_request)
{
	json_error_t err;
	json_t *j = NULL, *arr, *val;
	const char *key;
	unsigned long failures;
	int rc = 0;

	if (n > PACK_FILE_MAX)
		return cy_error_set(CY_EINVALID, "%s: a retention pack is at most 1 MiB", name);
	cy_json_secure_init();
	failures = cy_json_alloc_failures();
	j = json_loadb(data, n, JSON_REJECT_DUPLICATES, &err);
	if (cy_json_alloc_failures() != failures ||
	    (!j && json_error_code(&err) == json_error_out_of_memory)) {
		rc = cy_error_set(CY_ENOMEM, "out of memory");
		goto out;
	}
	if (!j) {
		rc = cy_error_set(CY_EINVALID, "%s, line %d, column %d: %s", name, err.line,
				  err.column, err.text);
		goto out;
	}
	if (!json_is_object(j) || !json_is_integer(json_object_get(j, "custody_retention")) ||
	    json_integer_value(json_object_get(j, "custody_retention")) != 1) {
		rc = cy_error_set(CY_EINVALID,
				  "%s: not a custody retention pack (an object with "
				  "\"custody_retention\": 1 and \"rules\": [...])",
				  name);
		goto out;
	}
	json_object_foreach(j, key, val)
	{
		if (strcmp(key, "custody_retention") && strcmp(key, "rules") &&
		    strcmp(key, "note") && strcmp(key, "load") && strcmp(key, "fiscal_year_end") &&
		    strcmp(key, "signatories")) {
			rc = cy_error_set(CY_EINVALID,
					  "%s: unknown member '%s' (custody_retention load "
					  "fiscal_year_end signatories rules note)",
					  name, key);
			goto out;
		}
	}
	if ((val = json_object_get(j, "note")) && !json_is_string(val)) {
		rc = cy_error_set(CY_EINVALID, "%s: 'note' must be a string", name);
		goto out;
	}
	if ((val = json_object_get(j, "load"))) {
		const char *s = json_is_string(val) ? json_string_value(val) : "";
		if (strcmp(s, "default") && strcmp(s, "on-request")) {
			rc = cy_error_set(CY_EINVALID,
					  "%s: 'load' must be \"default\" or \"on-request\"", name);
			goto out;
		}
		if (skip_on_request && !strcmp(s, "on-request"))
			goto out; /* not part of this pack, nor its fiscal year end */
	}
	if ((val = json_object_get(j, "fiscal_year_end")) && (rc = parse_fye(p, val, name)))
		goto out;
	if ((val = json_object_get(j, "signatories")) && (rc = parse_signatories(p, val, name)))
		goto out;
	arr = json_object_get(j, "rules");
	if (!json_is_array(arr)) {
		rc = cy_error_set(CY_EINVALID, "%s: \"rules\" must be an array of rules", name);
		goto out;
	}
	if (json_array_size(arr) > RULES_MAX - p->n) {
		rc = cy_error_set(CY_EINVALID, "%s: too many rules (at most %d in a pack)", name,
				  RULES_MAX);
		goto out;
	}
	if (p->n + json_array_size(arr) > p->cap) {
		size_t cap = p->n + json_array_size(arr);
		rule *v = realloc(p->v, (cap ? cap : 1) * sizeof(*v));
		if (!v) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			goto out;
		}
		p->v = v;
		p->cap = cap;
	}
	for (size_t i = 0; !rc && i < json_array_size(arr); i++)
		rc = parse_rule(p, json_array_get(arr, i), name, i + 1);
	if (!rc && cy_json_alloc_failures() != failures)
		rc = cy_error_set(CY_ENOMEM, "out of memory");
	if (!rc) {
		const char *base = strrchr(name, '/');
		cy_buf_printf(&p->names, "%s%s", p->names.len ? ", " : "", base ? base + 1 : name);
		if (cy_buf_failed(&p->names))
			rc = cy_error_set(CY_ENOMEM, "out of memory");
	}
out:
	json_decref(j);
	return rc;
}

static int pack_new(cy_retention_pack **out)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	(*out)->fye_month = 12;
	(*out)->fye_day = 31;
	snprintf((*out)->fye, sizeof((*out)->fye), "12-31");
	return 0;
}

static int pack_done(cy_retention_pack *p, int rc, cy_retention_pack **out)
{
	if (rc) {
		cy_retention_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int cy_retention_parse(const void *data, size_t n, const char *name, cy_retention_pack **out)
{
	cy_retention_pack *p;
	int rc;

	*out = NULL;
	if ((rc = pack_new(&p)))
		return rc;
	return pack_done(p, parse_into(p, data ? data : "", n, name, false), out);
}

/* One file; skip_on_request: leave out a pack marked "on-request". */
static int load_file(cy_retention_pack *p, const char *path, bool skip_on_request)
{
	cy_buf b = CY_BUF_INIT;
	int rc;

	if ((rc = cy_read_file(path, PACK_FILE_MAX, &b)))
		return rc;
	rc = parse_into(p, b.ptr ? (const char *)b.ptr : "", b.len, path, skip_on_request);
	cy_buf_release(&b);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(cy_retention_pack *p, const char *path, DIR *d)
{
	char *names[FILES_MAX];
	size_t n = 0;
	struct dirent *e;
	int rc = 0;

	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		if (n == FILES_MAX) {
			rc = cy_error_set(CY_EINVALID, "%s: more than %d pack files", path,
					  FILES_MAX);
			goto out;
		}
		if (!(names[n] = strdup(e->d_name))) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			goto out;
		}
		n++;
	}
	if (n == 0) {
		rc = cy_error_set(CY_ENOTFOUND, "%s: no retention packs (*.json) in this directory",
				  path);
		goto out;
	}
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; !rc && i < n; i++) {
		cy_buf f = CY_BUF_INIT;
		if ((rc = cy_path_join(&f, path, names[i])) == 0)
			rc = load_file(p, cy_buf_cstr(&f), true);
		cy_buf_release(&f);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return rc;
}

int cy_retention_dir(char *out, size_t outsz)
{
	const char *path = CY_RETENTION_DIR, *env = getenv("CUSTODY_RETENTION_DIR");
	char self[PATH_MAX], root[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		path = env;
	} else if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0 &&
		   realpath(CY_RETENTION_BUILD_ROOT, root)) {
		/* the program in the build tree uses the packs of its source tree */
		char *slash;
		self[n] = 0;
		if ((slash = strrchr(self, '/'))) {
			*slash = 0;
			if (!strcmp(self, root) && access(CY_SOURCE_RETENTION_DIR, R_OK) == 0)
				path = CY_SOURCE_RETENTION_DIR;
		}
	}
	if ((size_t)snprintf(out, outsz, "%s", path) >= outsz)
		return cy_error_set(CY_EINVALID, "the path of the retention packs is too long");
	return 0;
}

/* A path (a file or a directory) or a list of shipped pack names. */
static int load_spec(cy_retention_pack *p, const char *spec)
{
	char dir[PATH_MAX];
	DIR *d;
	int rc;

	if ((d = opendir(spec))) {
		rc = load_dir(p, spec, d);
		closedir(d);
		return rc;
	}
	if (strchr(spec, '/') || (strlen(spec) > 5 && !strcmp(spec + strlen(spec) - 5, ".json")))
		return errno == ENOTDIR || errno == ENOENT
			       ? (errno == ENOENT ? cy_error_set(CY_ENOTFOUND,
								 "no retention pack '%s'", spec)
						  : load_file(p, spec, false))
			       : cy_error_set_errno(cy_error_from_errno(errno), errno,
						    "cannot read the retention pack '%s'", spec);
	if ((rc = cy_retention_dir(dir, sizeof(dir))))
		return rc;
	for (const char *s = spec; *s;) {
		size_t len = strcspn(s, ",");
		char name[64];
		cy_buf f = CY_BUF_INIT;

		if (len == 0 || len >= sizeof(name) - 5) {
			return cy_error_set(CY_EINVALID,
					    "'%s' is not a list of retention pack names (e.g. "
					    "gdpr or cn-accounting,cn-pipl)",
					    spec);
		}
		memcpy(name, s, len);
		name[len] = 0;
		if (strspn(name,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
		    len)
			return cy_error_set(CY_EINVALID, "'%s' is not a retention pack name", name);
		memcpy(name + len, ".json", 6);
		rc = cy_path_join(&f, dir, name);
		if (!rc && access(cy_buf_cstr(&f), R_OK))
			rc = cy_error_set(CY_ENOTFOUND,
					  "no retention pack '%.*s' in %s (see 'custody retention "
					  "rules --help')",
					  (int)len, s, dir);
		rc = rc ? rc : load_file(p, cy_buf_cstr(&f), false);
		cy_buf_release(&f);
		if (rc)
			return rc;
		s += len;
		if (*s == ',')
			s++;
	}
	return 0;
}

int cy_retention_load(const char *spec, cy_retention_pack **out)
{
	cy_retention_pack *p;
	char dir[PATH_MAX];
	int rc;

	*out = NULL;
	if (!spec || !*spec)
		spec = getenv("CUSTODY_RETENTION");
	if (!spec || !*spec) {
		if ((rc = cy_retention_dir(dir, sizeof(dir))))
			return rc;
		spec = dir;
	}
	if ((rc = pack_new(&p)))
		return rc;
	return pack_done(p, load_spec(p, spec), out);
}

const char *cy_retention_pack_name(const cy_retention_pack *p)
{
	return p && p->names.ptr ? cy_buf_cstr(&p->names) : "";
}

const char *cy_retention_signatory(const cy_retention_pack *p, const char *kind, size_t i)
{
	for (size_t k = 0; p && k < SIG_KINDS; k++)
		if (!strcmp(SIG_KIND[k], kind))
			return i < p->nsig[k] ? p->sig[k][i] : NULL;
	return NULL;
}

const char *cy_retention_fiscal_year_end(const cy_retention_pack *p)
{
	return p->fye;
}

/* ---- listing and overrides ---- */

size_t cy_retention_count(const cy_retention_pack *p)
{
	return p ? p->n : 0;
}

int cy_retention_get(const cy_retention_pack *p, size_t i, cy_retention_rule_info *out)
{
	const rule *r;

	if (!p || i >= p->n)
		return cy_error_set(CY_ENOTFOUND, "no rule %zu", i);
	r = &p->v[i];
	memset(out, 0, sizeof(*out));
	out->id = r->id;
	out->match = r->match_text;
	out->trigger_kind = TRIGGERS[r->trigger];
	out->event_field = r->trigger == T_EVENT ? r->event_field : NULL;
	out->period = r->period;
	out->action = r->action;
	out->citation = r->citation;
	out->certainty = r->certainty;
	out->source = r->source;
	out->note = r->note;
	out->minimum = r->minimum;
	out->overridden = r->overridden;
	out->override_period = r->override_period;
	return 0;
}

static rule *find_rule(const cy_retention_pack *p, const char *id)
{
	for (size_t i = 0; p && i < p->n; i++)
		if (!strcmp(p->v[i].id, id))
			return &p->v[i];
	return NULL;
}

/* Is period a shorter than b?  (permanent is the longest) */
static bool shorter(int a, int b)
{
	if (a == CY_RETENTION_PERMANENT)
		return false;
	return b == CY_RETENTION_PERMANENT || a < b;
}

int cy_retention__override_allowed(const cy_retention_pack *p, const char *id, int period,
				   int *pack_period)
{
	const rule *r = find_rule(p, id);
	char want[32], law[32];

	if (!r)
		return cy_error_set(CY_ENOTFOUND,
				    "no rule '%s' in the retention pack %s (see 'custody retention "
				    "rules')",
				    id, cy_retention_pack_name(p));
	if (pack_period)
		*pack_period = r->period;
	if (r->minimum && shorter(period, r->period)) {
		period_text(period, "", want, sizeof(want));
		period_text(r->period, "", law, sizeof(law));
		/* "N years from " without its end, for the message */
		for (char *q = want; (q = strstr(q, " from ")); *q = 0)
			;
		for (char *q = law; (q = strstr(q, " from ")); *q = 0)
			;
		return cy_error_set(CY_EINVALID,
				    "rule '%s' is a minimum period (%s): %s is shorter, and a "
				    "minimum may not be shortened (会计档案管理办法 第十五条; %s)",
				    id, law, want, r->citation);
	}
	return 0;
}

int cy_retention_set_override(cy_retention_pack *p, const char *id, int period)
{
	rule *r;
	int rc;

	if ((rc = cy_retention__override_allowed(p, id, period, NULL)))
		return rc;
	r = find_rule(p, id);
	r->overridden = true;
	r->override_period = period;
	return 0;
}

/* ---- evaluation ---- */

static bool any_value(const plist *p, const char *s)
{
	return s && in_list(s, (const char *const *)p->v, p->n);
}

static bool alt_matches(const alt *a, const cy_retention_facts *f, const char *title)
{
	if (a->cond[C_CLASS].n && !any_value(&a->cond[C_CLASS], f->klass))
		return false;
	if (a->cond[C_SOURCE_KIND].n && !any_value(&a->cond[C_SOURCE_KIND], f->source_kind))
		return false;
	if (a->cond[C_RETENTION_RULE].n &&
	    !any_value(&a->cond[C_RETENTION_RULE], f->retention_rule))
		return false;
	if (a->cond[C_RETENTION].n && !any_value(&a->cond[C_RETENTION], f->retention))
		return false;
	if (a->cond[C_TITLE_WORDS].n) {
		const plist *p = &a->cond[C_TITLE_WORDS];
		bool hit = false;
		for (size_t i = 0; title && !hit && i < p->n; i++)
			hit = strstr(title, p->v[i]) != NULL;
		if (!hit)
			return false;
	}
	return true;
}

static const char *field_of(const cy_retention_facts *f, const char *key)
{
	for (size_t i = 0; i < f->nfields; i++)
		if (f->fields[i].key && !strcmp(f->fields[i].key, key))
			return f->fields[i].value;
	return NULL;
}

static void fmt_date(char out[16], int y, int m, int d)
{
	snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
}

/* The day after the fiscal year labelled `year` ends (it ends in calendar
 * year `year` on the pack's MM-DD). */
static void fy_start(const cy_retention_pack *p, int year, int *y, int *m, int *d)
{
	int64_t days = cy_days_from_civil(year, p->fye_month, p->fye_day) + 1;

	cy_civil_from_days(days, y, m, d);
}

static void set_due(cy_retention_result *out, int y, int m, int d, int period)
{
	if (y > 9999) {
		/* the fiscal year 9999 ends on 9999-12-31: its period would start in 10000 */
		snprintf(out->waiting, sizeof(out->waiting), "the period starts after 9999");
		return;
	}
	fmt_date(out->trigger, y, m, d);
	if (period == CY_RETENTION_PERMANENT)
		return;
	cy_date_add_years(&y, &m, &d, period);
	if (y > 9999) {
		snprintf(out->waiting, sizeof(out->waiting), "the due date is after 9999");
		return;
	}
	fmt_date(out->due, y, m, d);
}

int cy_retention_eval(const cy_retention_pack *p, const cy_retention_facts *f,
		      cy_retention_result *out)
{
	const rule *r = NULL;
	char *title = NULL;
	bool oom = false;
	int y, m, d;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; p && i < p->n && !r; i++) {
		const rule *x = &p->v[i];
		for (size_t a = 0; a < x->nalts && !r; a++) {
			if (x->alts[a].cond[C_TITLE_WORDS].n && !title && f->title && !oom)
				title = fold(f->title, strlen(f->title), &oom);
			if (oom)
				break;
			if (alt_matches(&x->alts[a], f, title))
				r = x;
		}
	}
	if (title) {
		explicit_bzero(title, strlen(title));
		free(title);
	}
	if (oom)
		return cy_error_set(CY_ENOMEM, "out of memory");
	if (!r) {
		/* no rule: the record's own retention code (第十四条: periods run from the
		 * day after the fiscal year ends) */
		const char *code = f->retention ? f->retention : "";
		snprintf(out->rule, sizeof(out->rule), "%s", CY_RETENTION_CODE_RULE);
		out->trigger_kind = TRIGGERS[T_FYE];
		out->action = "appraise";
		out->citation = "会计档案管理办法 第十四条 (periods run from the day after the "
				"fiscal year ends); DA/T 22 保管期限代码 of the record";
		out->certainty = "verified";
		if (!strcmp(code, "Y"))
			out->period = CY_RETENTION_PERMANENT;
		else if (!strcmp(code, "D30"))
			out->period = 30;
		else if (!strcmp(code, "D10"))
			out->period = 10;
		else
			return cy_error_set(CY_EINVALID,
					    "no retention rule matches and the retention code '%s' "
					    "is not Y, D30 or D10",
					    code);
		period_text(out->period, "the end of the fiscal year", out->period_text,
			    sizeof(out->period_text));
		if (f->year < 1000 || f->year > 9999)
			return cy_error_set(CY_EINVALID, "the year %d is not a fiscal year",
					    f->year);
		fy_start(p ? p : &(cy_retention_pack){.fye_month = 12, .fye_day = 31}, f->year, &y,
			 &m, &d);
		set_due(out, y, m, d, out->period);
		return 0;
	}
	snprintf(out->rule, sizeof(out->rule), "%s", r->id);
	out->trigger_kind = TRIGGERS[r->trigger];
	out->action = r->action;
	out->citation = r->citation;
	out->certainty = r->certainty;
	out->minimum = r->minimum;
	out->overridden = r->overridden;
	out->period = r->overridden ? r->override_period : r->period;
	switch (r->trigger) {
	case T_FYE:
		period_text(out->period, "the end of the fiscal year", out->period_text,
			    sizeof(out->period_text));
		if (f->year < 1000 || f->year > 9999)
			return cy_error_set(CY_EINVALID, "the year %d is not a fiscal year",
					    f->year);
		fy_start(p, f->year, &y, &m, &d);
		set_due(out, y, m, d, out->period);
		break;
	case T_EVENT: {
		const char *v = field_of(f, r->event_field);
		char what[64];
		snprintf(what, sizeof(what), "%s", r->event_field);
		period_text(out->period, what, out->period_text, sizeof(out->period_text));
		if (!v || !*v) {
			snprintf(out->waiting, sizeof(out->waiting), "no %s yet", r->event_field);
			break;
		}
		if (strlen(v) != 10 || cy_date_parse(v, &y, &m, &d)) {
			snprintf(out->waiting, sizeof(out->waiting),
				 "%s is not a date (YYYY-MM-DD)", r->event_field);
			cy_error_clear();
			break;
		}
		set_due(out, y, m, d, out->period);
		break;
	}
	case T_BUSINESS_END:
		period_text(out->period, "the end of business", out->period_text,
			    sizeof(out->period_text));
		if (!f->fonds_status || strcmp(f->fonds_status, "deregistered") ||
		    !f->fonds_status_date || cy_date_parse(f->fonds_status_date, &y, &m, &d)) {
			cy_error_clear();
			snprintf(out->waiting, sizeof(out->waiting),
				 "the business has not ended (fonds not deregistered)");
			break;
		}
		set_due(out, y, m, d, out->period);
		break;
	}
	return 0;
}
