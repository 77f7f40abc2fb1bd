/* holds_tool.c - asks the question destruction asks, for tests/cli/holds.bats:
 *
 *   holds-tool block VAULT USER PWFILE RECORD_ID
 *
 * prints "held HOLD_ID" when cy_vault__holds_block finds an active hold on
 * the record (directly, through a subject, or through its fonds), else
 * "free".  destroy (the integrator's) calls the same function; until it
 * exists, this is how the attack tests show that a hold row deleted or
 * edited with sqlite3 does not free a record.  Built with the tests only; it
 * links the internal library. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/custody.h"
#include "custody/error.h"
#include "custody/file.h"
#include "vault/vault_holds.h"

static int read_pw(const char *path, cy_buf *out)
{
	int rc = cy_read_file(path, 1024, out);

	while (!rc && out->len &&
	       (out->ptr[out->len - 1] == '\n' || out->ptr[out->len - 1] == '\r'))
		out->len--;
	return rc;
}

int main(int argc, char **argv)
{
	cy_vault *v = NULL;
	cy_buf pw = CY_BUF_INIT;
	int64_t hold = 0;
	int rc;

	if (argc != 6 || strcmp(argv[1], "block")) {
		fprintf(stderr, "usage: holds-tool block VAULT USER PWFILE RECORD_ID\n");
		return 2;
	}
	rc = read_pw(argv[4], &pw);
	rc = rc ? rc : cy_vault_open(&v, argv[2], argv[3], (const char *)pw.ptr, pw.len);
	cy_buf_wipe(&pw);
	rc = rc ? rc : cy_vault__holds_block(v, strtoll(argv[5], NULL, 10), &hold);
	if (rc) {
		fprintf(stderr, "holds-tool: %s\n", cy_error_message());
		cy_vault_close(v);
		return 1;
	}
	if (hold)
		printf("held %" PRId64 "\n", hold);
	else
		printf("free\n");
	cy_vault_close(v);
	return 0;
}
