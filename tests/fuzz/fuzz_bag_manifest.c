/* fuzz_bag_manifest.c - libFuzzer target for the parsers a bag's manifests
 * and bagit.txt go through (src/transfer/bagit_parse.c): the input's first
 * byte picks the declared encoding (UTF-8, UTF-16, ISO-8859-1), the rest is
 * decoded as a tag file, parsed as a manifest (each path checked with the
 * path rules and folded as for collisions), and parsed as bagit.txt.  Seed
 * corpus: tests/fuzz/corpus/bag_manifest/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "transfer/bagit_internal.h"

#include "custody/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *ENC[] = {"UTF-8", "UTF-16", "ISO-8859-1", "UTF-16LE"};

static void check_rc(int rc)
{
	if (rc != 0 && rc != CY_EINVALID && rc != CY_EUNSUPPORTED)
		abort();
}

static int on_line(void *arg, size_t lineno, const char *ck, const char *path, size_t len,
		   unsigned flags)
{
	cy_buf *key = arg;
	const char *why;

	(void)flags;
	if (!lineno || !*ck || !len)
		abort(); /* the parser promises a checksum and a path */
	for (const char *c = ck; *c; c++)
		if (!strchr("0123456789abcdefABCDEF", *c))
			abort();
	if (path[len] != '\0')
		abort();
	if (cy_bag__path_clean(path, len, &why)) {
		/* a clean path folds (it is UTF-8) and never climbs out */
		if (cy_bag__fold_key(path, len, key) || path[0] == '/' || strstr(path, "/../"))
			abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cy_buf text = CY_BUF_INIT, key = CY_BUF_INIT;
	cy_bag__decl decl;
	uint8_t *in;
	bool bom;
	char alg[16];
	bool tag;
	int rc;

	if (size < 1)
		return 0;
	/* a copy of exactly size bytes, so ASan sees any read past the end */
	if (!(in = malloc(size - 1 ? size - 1 : 1)))
		return 0;
	memcpy(in, data + 1, size - 1);
	rc = cy_bag__decode_text(in, size - 1, ENC[data[0] % 4], &text, &bom);
	check_rc(rc);
	if (!rc) {
		check_rc(cy_bag__parse_manifest((const char *)text.ptr, text.len, on_line, &key));
		if (text.len < 64 && !memchr(text.ptr, 0, text.len))
			(void)cy_bag__manifest_name((const char *)text.ptr, alg, &tag);
	}
	rc = cy_bag__parse_decl(in, size - 1, &decl, NULL, NULL);
	check_rc(rc);
	if (!rc && (!decl.encoding[0] || decl.major < 0 || decl.minor < 0))
		abort();
	cy_buf_release(&text);
	cy_buf_release(&key);
	free(in);
	return 0;
}
