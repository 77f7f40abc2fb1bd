/* cmd_bag.c - custody bag: BagIt bags (RFC 8493) without a vault (validate). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "custody/bagit.h"
#include "custody/banned.h"

static bool o_json;

static const cli_opt VALIDATE_OPTS[] = {
	{"json", OPT_FLAG, NULL,
	 N_("one JSON object: valid, complete, counts, errors, warnings, bag-info"), &o_json},
	{NULL, 0, NULL, NULL, NULL},
};
static const cli_cmd VALIDATE = {
	"custody bag validate DIR [--json]",
	N_("Validate the BagIt bag in DIR (RFC 8493, versions 0.93 to 1.0): bagit.txt, every\n"
	   "manifest and tag manifest (md5, sha1, sha224, sha256, sha384, sha512; each file read\n"
	   "once), files present but not listed or listed but missing, duplicate entries, paths that\n"
	   "leave the bag, Payload-Oxum, fetch.txt (custody does not fetch: a holey bag is valid only\n"
	   "when every file it names is present). Links inside the bag are reported, never followed.\n"
	   "Exit 0 when valid (warnings on stderr), 5 when not, with every reason. No vault needed."),
	NULL,
	VALIDATE_OPTS,
	1,
	1,
};

static void put_list(cy_buf *b, const char *name, char **v, size_t n)
{
	cy_buf_printf(b, ",\"%s\":[", name);
	for (size_t i = 0; i < n; i++) {
		if (i)
			cy_buf_putc(b, ',');
		cy_json_cstr(b, v[i]);
	}
	cy_buf_putc(b, ']');
}

static int bag_validate(cy_vault *v, int argc, char **argv)
{
	cy_bag_report rep;
	int rc;

	(void)v;
	(void)argc;
	rc = cy_bag_validate(argv[0], &rep);
	if (rc && rc != CY_ECORRUPT) {
		cy_bag_report_free(&rep);
		return cli_fail(rc);
	}
	if (o_json) {
		cy_buf b = CY_BUF_INIT;
		char hex[65];

		cy_buf_printf(&b, "{\"valid\":%s,\"complete\":%s,\"version\":",
			      rep.valid ? "true" : "false", rep.complete ? "true" : "false");
		cy_json_cstr(&b, rep.version);
		cy_buf_printf(&b, ",\"files\":%llu,\"bytes\":%llu", (unsigned long long)rep.files,
			      (unsigned long long)rep.bytes);
		put_list(&b, "errors", rep.errors, rep.nerrors);
		put_list(&b, "warnings", rep.warnings, rep.nwarnings);
		cy_buf_puts(&b, ",\"info\":[");
		for (size_t i = 0; i < rep.ninfo; i++) {
			cy_buf_puts(&b, i ? ",{\"label\":" : "{\"label\":");
			cy_json_cstr(&b, rep.info_labels[i]);
			cy_buf_puts(&b, ",\"value\":");
			cy_json_cstr(&b, rep.info_values[i]);
			cy_buf_putc(&b, '}');
		}
		cy_buf_putc(&b, ']');
		if (rep.has_tagmanifest_sha256) {
			cy_hex_encode(rep.tagmanifest_sha256, 32, hex);
			cy_buf_printf(&b, ",\"tagmanifest_sha256\":\"%s\"", hex);
		}
		cy_buf_putc(&b, '}');
		cli_json_line(&b);
		cy_buf_release(&b);
	} else {
		for (size_t i = 0; i < rep.nwarnings; i++)
			cli_error(_("warning: %s"), cli_safe(rep.warnings[i]));
		for (size_t i = 0; i < rep.nerrors; i++)
			cli_error("%s: %s", cli_safe(argv[0]), cli_safe(rep.errors[i]));
		if (rep.valid)
			printf(_("%s: a valid bag (BagIt %s), %llu payload files, %llu bytes\n"),
			       cli_safe(argv[0]), cli_safe(rep.version),
			       (unsigned long long)rep.files, (unsigned long long)rep.bytes);
		else
			cli_error(ngettext("%s is not a valid bag: %zu error",
					   "%s is not a valid bag: %zu errors", rep.nerrors),
				  cli_safe(argv[0]), rep.nerrors);
	}
	rc = rep.valid ? EXIT_OK : EXIT_INTEGRITY;
	cy_bag_report_free(&rep);
	return rc;
}

const cli_command cmd_bag_sub[] = {
	{"validate", bag_validate, &VALIDATE, 0,
	 N_("validate a BagIt bag in a directory (no vault needed)"), NULL, NULL},
	{NULL, NULL, NULL, 0, NULL, NULL, NULL},
};
