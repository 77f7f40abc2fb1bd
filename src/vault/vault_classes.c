/* vault_classes.c - the record classes (门类) with their DA/T 22 codes and
 * default retention, and the form of an archive number (档号). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "vault/vault_internal.h"
#include "custody/banned.h"

static const struct {
	const char *name, *code, *retention;
} CLASSES[CY_CLASS_COUNT] = {
	{"customer", "KH", "D30"},
	{"contract", "HT", "D30"},
	{"transaction", "JY", "D30"},
	{"accounting", "KJ", "D30"},
	{"correspondence", "WS", "D10"},
	{"other", "QT", "D10"},
	/* DF: 待分类, a code DA/T 22 does not use; D30 so that nothing unreviewed
	 * comes up for destruction early (docs/internals/classification.md) */
	{"unclassified", "DF", "D30"},
};

static const char *const SOURCES[CY_SOURCE_COUNT] = {"", "file", "csv", "mail", "xlsx"};

const char *cy_class_name(cy_class c)
{
	return c < CY_CLASS_COUNT ? CLASSES[c].name : "?";
}

const char *cy_class_code(cy_class c)
{
	return c < CY_CLASS_COUNT ? CLASSES[c].code : "??";
}

const char *cy_class_default_retention(cy_class c)
{
	return c < CY_CLASS_COUNT ? CLASSES[c].retention : "D10";
}

int cy_class_parse(const char *s, cy_class *out)
{
	for (int i = 0; i < CY_CLASS_COUNT; i++) {
		if (!strcmp(s, CLASSES[i].name)) {
			*out = (cy_class)i;
			return 0;
		}
	}
	return cy_error_set(CY_EINVALID,
			    "unknown class '%s' (classes: customer contract transaction accounting "
			    "correspondence other unclassified)",
			    s);
}

bool cy_retention_valid(const char *s)
{
	return !strcmp(s, "Y") || !strcmp(s, "D30") || !strcmp(s, "D10");
}

const char *cy_source_kind_name(cy_source_kind k)
{
	return k < CY_SOURCE_COUNT ? SOURCES[k] : "";
}

int cy_vault__org_valid(const char *org)
{
	size_t n = strlen(org);

	if (n > 3 || strspn(org, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n)
		return cy_error_set(
			CY_EINVALID,
			"organisation code '%s' is not valid: 1-3 upper-case letters or digits",
			org);
	return 0;
}

void cy_vault__group(cy_class klass, int year, const char *retention, const char *org, char *out,
		     size_t n)
{
	snprintf(out, n, "%s/%d/%s/%s", cy_class_name(klass), year, retention, org);
}

void cy_vault__archive_no(const char *fonds, cy_class klass, int year, const char *retention,
			  const char *org, int64_t item, char out[64])
{
	/* CODE-KL·YEAR-RET[-ORG]-NNNN (DA/T 22; U+00B7 between class and year) */
	snprintf(out, 64, "%s-%s\xc2\xb7%04d-%s%s%s-%04lld", fonds, cy_class_code(klass), year,
		 retention, *org ? "-" : "", org, (long long)item);
}

void cy_record_info_release(cy_record_info *r)
{
	free(r->title);
	free(r->source);
	free(r->message_id);
	if (r->meta_json) {
		explicit_bzero(r->meta_json, strlen(r->meta_json));
		free(r->meta_json);
	}
	r->title = r->source = r->message_id = r->meta_json = NULL;
}
