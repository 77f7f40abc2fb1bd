/* rules.c - the classification rule pack (docs/formats/rules.md): loading
 * and checking a pack (JSON, through jansson), and the matcher that gives
 * incoming material its class, retention and citation.  Patterns are folded
 * once at load time (NFKC and Unicode case folding, so full-width letters
 * and "Contract" match "contract"); an input is folded once per call.
 * Matching only reads the pack: preparer threads share one.
 * docs/internals/classification.md. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <iconv.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <utf8proc.h>

#include "base/jsonsec.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/rules.h"
#include "ingest/rules_paths.h"
#include "custody/banned.h"

#define RULES_FILE_MAX (1u << 20)
#define RULES_MAX 4096
#define PATTERNS_MAX 256 /* per condition */
#define PATTERN_MAX 256	 /* bytes of one pattern */
#define CITATION_MAX 512 /* bytes of the joined citation */
#define PRIORITY_LIMIT 1000000
#define FILES_MAX 256 /* *.json files in a rules directory */

enum cond {
	C_KIND,
	C_HEADERS,     /* any of these headers */
	C_HEADERS_ALL, /* all of them */
	C_NAME,	       /* globs on the file's last name component */
	C_NAME_WORDS,  /* words in the file's path */
	C_FORMAT,
	C_MAIL_FOLDER, /* words in the mail folder's name */
	C_TEXT_WORDS,  /* words in the first KiB of text */
	C_COUNT
};

static const char *const COND_NAMES[C_COUNT] = {"kind",	       "headers",    "headers_all",
						"name",	       "name_words", "format",
						"mail_folder", "text_words"};

static const char *const KINDS[] = {"customers", "transactions", "contracts",
				    "records",	 "mail",	 "files"};

static const char *const CERTAINTY[] = {"verified", "partial", "unverified"};

typedef struct plist {
	char **v; /* folded patterns */
	size_t n;
} plist;

typedef struct rule {
	char id[CY_RULE_ID_MAX + 1];
	int priority;
	size_t order; /* position in the pack, for a stable sort */
	cy_class klass;
	char retention[4];
	char *citation;
	const char *certainty; /* static */
	char *source;	       /* "FILE: rule N" */
	plist cond[C_COUNT];
} rule;

struct cy_rules {
	rule *v;
	size_t n, cap;
};

/* ---- folding ---- */

/* s folded for comparison (NFKC, case folded); for headers also without
 * white space, punctuation and controls, as table headers are compared.
 * NULL for text that is not UTF-8; *oom set when memory ran out. */
static char *fold(const char *s, size_t n, bool header, bool *oom)
{
	utf8proc_uint8_t *f = NULL;
	utf8proc_ssize_t len;
	char *out;
	size_t o = 0;

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
	if (!header)
		return (char *)f;
	out = (char *)f;
	for (utf8proc_ssize_t i = 0; i < len;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(f + i, len - i, &cp);
		utf8proc_category_t cat;

		if (k <= 0)
			break;
		cat = utf8proc_category(cp);
		if (!(cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO) &&
		    !(cat >= UTF8PROC_CATEGORY_ZS && cat <= UTF8PROC_CATEGORY_CO)) {
			memmove(out + o, f + i, (size_t)k);
			o += (size_t)k;
		}
		i += k;
	}
	out[o] = 0;
	return out;
}

/* ---- the pack ---- */

static void rule_release(rule *r)
{
	for (int c = 0; c < C_COUNT; c++) {
		for (size_t i = 0; i < r->cond[c].n; i++)
			free(r->cond[c].v[i]);
		free(r->cond[c].v);
	}
	free(r->citation);
	free(r->source);
}

void cy_rules_free(cy_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		rule_release(&r->v[i]);
	free(r->v);
	free(r);
}

static bool id_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= CY_RULE_ID_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		       n &&
	       strcmp(s, CY_RULE_UNCLASSIFIED) && strcmp(s, "class-default") && strcmp(s, "user");
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

/* Every error about a rule names the file, the rule's number and its id. */
#define RULE_ERR(fmt, ...)                                                                         \
	cy_error_set(CY_EINVALID, "%s: rule %zu%s%s%s: " fmt, name, num, *r->id ? " ('" : "",      \
		     r->id, *r->id ? "')" : "", __VA_ARGS__)

/* One condition's patterns: a string or an array of strings. */
static int parse_patterns(rule *r, int c, json_t *j, const char *name, size_t num)
{
	plist *p = &r->cond[c];
	json_t *one[1] = {j};
	size_t n = json_is_array(j) ? json_array_size(j) : 1;

	if (!json_is_array(j) && !json_is_string(j))
		return RULE_ERR("'%s' must be a string or an array of strings", COND_NAMES[c]);
	if (n == 0)
		return RULE_ERR("'%s' is empty: give at least one value, or leave it out",
				COND_NAMES[c]);
	if (n > PATTERNS_MAX)
		return RULE_ERR("'%s' has %zu values; at most %d", COND_NAMES[c], n, PATTERNS_MAX);
	if (!(p->v = calloc(n, sizeof(*p->v))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_is_array(j) ? json_array_get(j, i) : one[0];
		const char *s;
		size_t len;
		bool oom = false;

		if (!json_is_string(e))
			return RULE_ERR("'%s' value %zu is not a string", COND_NAMES[c], i + 1);
		s = json_string_value(e);
		len = json_string_length(e);
		if (len == 0 || len > PATTERN_MAX || strlen(s) != len)
			return RULE_ERR("'%s' value %zu must be 1-%d bytes with no NUL",
					COND_NAMES[c], i + 1, PATTERN_MAX);
		if (c == C_KIND && !in_list(s, KINDS, sizeof(KINDS) / sizeof(KINDS[0])))
			return RULE_ERR("unknown kind '%s' (kinds: customers transactions contracts "
					"records mail files)",
					s);
		p->v[i] = fold(s, len, c == C_HEADERS || c == C_HEADERS_ALL, &oom);
		p->n++; /* owned by the rule from here, whatever follows */
		if (oom)
			return cy_error_set(CY_ENOMEM, "out of memory");
		if (!p->v[i] || !*p->v[i])
			return RULE_ERR("'%s' value %zu is empty once folded", COND_NAMES[c],
					i + 1);
	}
	return 0;
}

static const char *str_member(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);

	return json_is_string(j) ? json_string_value(j) : NULL;
}

static int parse_citation(rule *r, json_t *j, const char *name, size_t num)
{
	static const char *const KEYS[] = {"law", "article", "domain"};
	const char *v[3];
	const char *key;
	json_t *val;
	cy_buf b = CY_BUF_INIT;

	if (!json_is_object(j))
		return RULE_ERR("%s", "'citation' must be an object with law, article and domain");
	json_object_foreach(j, key, val)
	{
		if (!in_list(key, KEYS, 3))
			return RULE_ERR("unknown citation member '%s' (law article domain)", key);
	}
	for (int i = 0; i < 3; i++) {
		v[i] = str_member(j, KEYS[i]);
		if (!v[i] || !*v[i] ||
		    strlen(v[i]) != json_string_length(json_object_get(j, KEYS[i])))
			return RULE_ERR("the citation needs '%s' (a non-empty string)", KEYS[i]);
	}
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

static int parse_rule(cy_rules *rs, json_t *j, const char *name, size_t num)
{
	static const char *const KEYS[] = {"id",	"priority", "match",	 "class",
					   "retention", "citation", "certainty", "note"};
	rule *r = &rs->v[rs->n];
	const char *key, *s;
	json_t *val, *match;
	bool any = false;
	int rc;

	memset(r, 0, sizeof(*r));
	r->order = rs->n;
	rs->n++; /* owned by the pack from here: freed with it on failure */
	if (!json_is_object(j))
		return RULE_ERR("%s", "a rule must be an object");
	/* the id first, so that every other message can name it */
	s = str_member(j, "id");
	if (!s || !id_valid(s))
		return RULE_ERR("%s",
				"needs an 'id': 1-47 letters, digits, '.', '_' or '-' (and not "
				"'unclassified', 'class-default' or 'user')");
	memcpy(r->id, s, strlen(s) + 1);
	for (size_t i = 0; i + 1 < rs->n; i++)
		if (!strcmp(rs->v[i].id, r->id))
			return RULE_ERR("the id is also that of %s", rs->v[i].source);
	if (!(r->source = malloc(strlen(name) + 64)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	snprintf(r->source, strlen(name) + 64, "%s: rule %zu", name, num);
	json_object_foreach(j, key, val)
	{
		if (!in_list(key, KEYS, sizeof(KEYS) / sizeof(KEYS[0])))
			return RULE_ERR("unknown member '%s' (id priority match class retention "
					"citation certainty note)",
					key);
	}
	val = json_object_get(j, "priority");
	if (val) {
		if (!json_is_integer(val) || json_integer_value(val) < -PRIORITY_LIMIT ||
		    json_integer_value(val) > PRIORITY_LIMIT)
			return RULE_ERR("'priority' must be an integer from %d to %d",
					-PRIORITY_LIMIT, PRIORITY_LIMIT);
		r->priority = (int)json_integer_value(val);
	}
	s = str_member(j, "class");
	if (!s)
		return RULE_ERR("%s", "needs a 'class'");
	if (cy_class_parse(s, &r->klass)) {
		char why[256]; /* the message is rewritten from itself: copy it first */
		snprintf(why, sizeof(why), "%s", cy_error_message());
		return RULE_ERR("%s", why);
	}
	s = str_member(j, "retention");
	if (!s || !cy_retention_valid(s))
		return RULE_ERR("%s", "needs a 'retention': Y, D30 or D10");
	memcpy(r->retention, s, strlen(s) + 1);
	if ((rc = parse_citation(r, json_object_get(j, "citation"), name, num)))
		return rc;
	s = str_member(j, "certainty");
	for (size_t i = 0; s && i < sizeof(CERTAINTY) / sizeof(CERTAINTY[0]); i++)
		if (!strcmp(s, CERTAINTY[i]))
			r->certainty = CERTAINTY[i];
	if (!r->certainty)
		return RULE_ERR("%s", "needs a 'certainty': verified, partial or unverified (the "
				      "mark DOMAIN.md gives the fact)");
	val = json_object_get(j, "note");
	if (val && !json_is_string(val))
		return RULE_ERR("%s", "'note' must be a string");
	match = json_object_get(j, "match");
	if (!json_is_object(match))
		return RULE_ERR("%s", "needs a 'match' object (what the rule applies to)");
	json_object_foreach(match, key, val)
	{
		int c = -1;
		for (int k = 0; k < C_COUNT; k++)
			if (!strcmp(key, COND_NAMES[k]))
				c = k;
		if (c < 0)
			return RULE_ERR("unknown condition '%s' (kind headers headers_all name "
					"name_words format mail_folder text_words)",
					key);
		if ((rc = parse_patterns(r, c, val, name, num)))
			return rc;
		any = true;
	}
	if (!any)
		return RULE_ERR("%s", "'match' is empty: a rule must say what it applies to");
	return 0;
}

/* Add the rules of one JSON text to the pack. */
static int parse_into(cy_rules *rs, const void *data, size_t n, const char *name)
{
	json_error_t err;
	json_t *j = NULL, *arr, *val;
	const char *key;
	unsigned long failures;
	int rc = 0;

	if (n > RULES_FILE_MAX)
		return cy_error_set(CY_EINVALID, "%s: a rule file is at most 1 MiB", name);
	cy_json_secure_init();
	failures = cy_json_alloc_failures();
	j = json_loadb(data, n, JSON_REJECT_DUPLICATES, &err);
	/* jansson does not always report a failed allocation (jsonsec.h) */
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
	if (!json_is_object(j) || json_integer_value(json_object_get(j, "custody_rules")) != 1) {
		rc = cy_error_set(CY_EINVALID,
				  "%s: not a custody rule pack (an object with \"custody_rules\": 1 "
				  "and \"rules\": [...])",
				  name);
		goto out;
	}
	json_object_foreach(j, key, val)
	{
		if (strcmp(key, "custody_rules") && strcmp(key, "rules") && strcmp(key, "note")) {
			rc = cy_error_set(CY_EINVALID,
					  "%s: unknown member '%s' (custody_rules rules note)",
					  name, key);
			goto out;
		}
	}
	arr = json_object_get(j, "rules");
	if (!json_is_array(arr)) {
		rc = cy_error_set(CY_EINVALID, "%s: \"rules\" must be an array of rules", name);
		goto out;
	}
	if (json_array_size(arr) > RULES_MAX - rs->n) {
		rc = cy_error_set(CY_EINVALID, "%s: too many rules (at most %d in a pack)", name,
				  RULES_MAX);
		goto out;
	}
	if (rs->n + json_array_size(arr) > rs->cap) {
		size_t cap = rs->n + json_array_size(arr);
		rule *v = realloc(rs->v, (cap ? cap : 1) * sizeof(*v));
		if (!v) {
			rc = cy_error_set(CY_ENOMEM, "out of memory");
			goto out;
		}
		rs->v = v;
		rs->cap = cap;
	}
	for (size_t i = 0; !rc && i < json_array_size(arr); i++)
		rc = parse_rule(rs, json_array_get(arr, i), name, i + 1);
	if (!rc && cy_json_alloc_failures() != failures)
		rc = cy_error_set(CY_ENOMEM, "out of memory");
out:
	json_decref(j);
	return rc;
}

/* Highest priority first; equal priorities in pack order. */
static int cmp_rule(const void *a, const void *b)
{
	const rule *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int pack_new(cy_rules **out)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	return 0;
}

static int pack_done(cy_rules *rs, int rc, cy_rules **out)
{
	if (rc) {
		cy_rules_free(rs);
		return rc;
	}
	if (rs->n)
		qsort(rs->v, rs->n, sizeof(*rs->v), cmp_rule);
	*out = rs;
	return 0;
}

int cy_rules_parse(const void *data, size_t n, const char *name, cy_rules **out)
{
	cy_rules *rs;
	int rc;

	*out = NULL;
	if ((rc = pack_new(&rs)))
		return rc;
	return pack_done(rs, parse_into(rs, data ? data : "", n, name), out);
}

static int load_file(cy_rules *rs, const char *path)
{
	cy_buf b = CY_BUF_INIT;
	int rc;

	if ((rc = cy_read_file(path, RULES_FILE_MAX, &b)))
		return rc;
	rc = parse_into(rs, b.ptr ? (const char *)b.ptr : "", b.len, path);
	cy_buf_release(&b);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(cy_rules *rs, const char *path, DIR *d)
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
			rc = cy_error_set(CY_EINVALID, "%s: more than %d rule files", path,
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
		rc = cy_error_set(CY_ENOTFOUND, "%s: no rule files (*.json) in this directory",
				  path);
		goto out;
	}
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; !rc && i < n; i++) {
		cy_buf p = CY_BUF_INIT;
		if ((rc = cy_path_join(&p, path, names[i])) == 0)
			rc = load_file(rs, cy_buf_cstr(&p));
		cy_buf_release(&p);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return rc;
}

int cy_rules_load(const char *path, cy_rules **out)
{
	cy_rules *rs;
	DIR *d;
	int rc;

	*out = NULL;
	if ((rc = pack_new(&rs)))
		return rc;
	if ((d = opendir(path))) {
		rc = load_dir(rs, path, d);
		closedir(d);
	} else if (errno == ENOTDIR) {
		rc = load_file(rs, path);
	} else {
		rc = cy_error_set_errno(cy_error_from_errno(errno), errno,
					"cannot read the rules '%s'", path);
	}
	return pack_done(rs, rc, out);
}

int cy_rules_default_path(char *out, size_t outsz)
{
	const char *env = getenv("CUSTODY_RULES");
	const char *path = CY_RULES_DIR;
	char self[PATH_MAX], root[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		path = env;
	} else if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0 &&
		   realpath(CY_BUILD_ROOT, root)) {
		/* the program in the build tree uses the rules of its source tree */
		char *slash;
		self[n] = 0;
		if ((slash = strrchr(self, '/'))) {
			*slash = 0;
			if (!strcmp(self, root) && access(CY_SOURCE_RULES_DIR, R_OK) == 0)
				path = CY_SOURCE_RULES_DIR;
		}
	}
	if ((size_t)snprintf(out, outsz, "%s", path) >= outsz)
		return cy_error_set(CY_EINVALID, "the path of the rules is too long");
	return 0;
}

int cy_rules_load_default(cy_rules **out)
{
	char path[PATH_MAX];
	int rc;

	*out = NULL;
	if ((rc = cy_rules_default_path(path, sizeof(path))))
		return rc;
	return cy_rules_load(path, out);
}

/* ---- matching ---- */

typedef struct folded {
	char *name, *path, *mail_folder, *text;
	char **headers;
	size_t nheaders;
} folded;

static void folded_release(folded *f)
{
	free(f->name);
	free(f->path);
	free(f->mail_folder);
	if (f->text) {
		explicit_bzero(f->text, strlen(f->text));
		free(f->text);
	}
	for (size_t i = 0; i < f->nheaders; i++)
		free(f->headers[i]);
	free(f->headers);
}

static int fold_input(const cy_classify_input *in, folded *f)
{
	bool oom = false;

	memset(f, 0, sizeof(*f));
	if (in->name) {
		const char *bn = strrchr(in->name, '/');
		bn = bn ? bn + 1 : in->name;
		f->path = fold(in->name, strlen(in->name), false, &oom);
		f->name = fold(bn, strlen(bn), false, &oom);
	}
	if (in->mail_folder)
		f->mail_folder = fold(in->mail_folder, strlen(in->mail_folder), false, &oom);
	if (in->text && in->text_len) {
		size_t n = in->text_len < CY_RULES_TEXT_MAX ? in->text_len : CY_RULES_TEXT_MAX;
		/* a cut at the end of the sample does not make it unreadable */
		for (int cut = 0; n && cut < 3 && !cy_utf8_valid(in->text, n); cut++)
			n--;
		/* a NUL would end the folded text early: text samples have none */
		if (n && !memchr(in->text, 0, n))
			f->text = fold(in->text, n, false, &oom);
	}
	if (in->nheaders && in->headers) {
		if (!(f->headers = calloc(in->nheaders, sizeof(*f->headers))))
			return cy_error_set(CY_ENOMEM, "out of memory");
		for (size_t i = 0; i < in->nheaders; i++) {
			if (!in->headers[i])
				continue;
			f->headers[f->nheaders++] = fold(in->headers[i], strlen(in->headers[i]),
							 true, &oom);
		}
	}
	return oom ? cy_error_set(CY_ENOMEM, "out of memory") : 0;
}

static bool any_word(const plist *p, const char *s)
{
	if (!s)
		return false;
	for (size_t i = 0; i < p->n; i++)
		if (strstr(s, p->v[i]))
			return true;
	return false;
}

static bool has_header(const folded *f, const char *h)
{
	for (size_t i = 0; i < f->nheaders; i++)
		if (f->headers[i] && !strcmp(f->headers[i], h))
			return true;
	return false;
}

static bool cond_holds(const rule *r, int c, const cy_classify_input *in, const folded *f)
{
	const plist *p = &r->cond[c];

	switch (c) {
	case C_KIND:
		return in->kind && in_list(in->kind, (const char *const *)p->v, p->n);
	case C_FORMAT:
		return in->format && in_list(in->format, (const char *const *)p->v, p->n);
	case C_HEADERS:
		for (size_t i = 0; i < p->n; i++)
			if (has_header(f, p->v[i]))
				return true;
		return false;
	case C_HEADERS_ALL:
		for (size_t i = 0; i < p->n; i++)
			if (!has_header(f, p->v[i]))
				return false;
		return true;
	case C_NAME:
		for (size_t i = 0; f->name && i < p->n; i++)
			if (fnmatch(p->v[i], f->name, FNM_PERIOD) == 0)
				return true;
		return false;
	case C_NAME_WORDS:
		return any_word(p, f->path);
	case C_MAIL_FOLDER:
		return any_word(p, f->mail_folder);
	case C_TEXT_WORDS:
		return any_word(p, f->text);
	}
	return false;
}

static bool rule_matches(const rule *r, const cy_classify_input *in, const folded *f)
{
	for (int c = 0; c < C_COUNT; c++)
		if (r->cond[c].n && !cond_holds(r, c, in, f))
			return false;
	return true;
}

static void unclassified(cy_classification *out)
{
	out->klass = CY_CLASS_UNCLASSIFIED;
	out->retention = cy_class_default_retention(CY_CLASS_UNCLASSIFIED);
	out->rule_id = CY_RULE_UNCLASSIFIED;
	out->citation = "会计档案管理办法 第十五条 (a document not in 附表1 takes the period of "
			"the most similar item): kept until someone reviews it";
	out->certainty = "verified";
	out->matched = false;
}

int cy_rules_classify(const cy_rules *r, const cy_classify_input *in, cy_classification *out)
{
	folded f;
	int rc;

	unclassified(out);
	if (!r || !r->n)
		return 0;
	if ((rc = fold_input(in, &f)) == 0) {
		for (size_t i = 0; i < r->n; i++) {
			const rule *x = &r->v[i];
			if (rule_matches(x, in, &f)) {
				out->klass = x->klass;
				out->retention = x->retention;
				out->rule_id = x->id;
				out->citation = x->citation;
				out->certainty = x->certainty;
				out->matched = true;
				break;
			}
		}
	}
	folded_release(&f);
	return rc;
}

/* ---- text samples ---- */

int cy_rules_text_sample(const uint8_t *p, size_t n, cy_buf *out)
{
	iconv_t cd;
	char *in, *o;
	size_t inl, ol, cut;

	cy_buf_clear(out);
	if (n > CY_RULES_TEXT_MAX)
		n = CY_RULES_TEXT_MAX;
	if (!n || memchr(p, 0, n))
		return 0;
	for (cut = 0; cut < 4 && cut < n; cut++) {
		if (cy_utf8_valid((const char *)p, n - cut)) {
			if (cy_buf_put(out, p, n - cut) || cy_buf_putc(out, 0))
				return cy_error_set(CY_ENOMEM, "out of memory");
			out->len--;
			return 0;
		}
	}
	/* GB18030 (a superset of GBK and GB2312) turns at most 4 bytes into 4 */
	if (cy_buf_grow(out, 2 * n + 1))
		return cy_error_set(CY_ENOMEM, "out of memory");
	if ((cd = iconv_open("UTF-8", "GB18030")) == (iconv_t)-1)
		return 0; /* no converter: no sample, the other conditions still apply */
	in = (char *)p;
	inl = n;
	o = (char *)out->ptr;
	ol = 2 * n;
	if (iconv(cd, &in, &inl, &o, &ol) == (size_t)-1 && errno != EINVAL) {
		/* not GB18030 either (EINVAL: a sequence cut at the end, kept out) */
		explicit_bzero(out->ptr, 2 * n - ol);
		o = (char *)out->ptr;
	}
	iconv_close(cd);
	out->len = (size_t)(o - (char *)out->ptr);
	out->ptr[out->len] = 0;
	if (!cy_utf8_valid((const char *)out->ptr, out->len)) {
		explicit_bzero(out->ptr, out->len);
		out->len = 0;
		out->ptr[0] = 0;
	}
	return 0;
}

/* ---- listing ---- */

size_t cy_rules_count(const cy_rules *r)
{
	return r ? r->n : 0;
}

int cy_rules_get(const cy_rules *r, size_t i, cy_rule_info *out)
{
	const rule *x;

	if (!r || i >= r->n)
		return cy_error_set(CY_ENOTFOUND, "no rule %zu", i);
	x = &r->v[i];
	out->id = x->id;
	out->klass = cy_class_name(x->klass);
	out->retention = x->retention;
	out->citation = x->citation;
	out->certainty = x->certainty;
	out->source = x->source;
	out->priority = x->priority;
	return 0;
}
