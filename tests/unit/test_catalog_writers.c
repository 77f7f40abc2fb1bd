/* test_catalog_writers.c - two processes writing to one vault at once,
 * through the vault's own operations: every operation appends to the ledger
 * under the catalog's writer lock, so at the end the ledger verifies (every
 * entry once, no gap, every checkpoint signed over the right tree) and holds
 * exactly the entries both committed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "custody/buf.h"
#include "custody/error.h"
#include "custody/custody.h"
#include "testutil.h"

#define PW "correct horse battery"
#define ROUNDS 40

typedef struct count_ctx {
	uint64_t passwd[2], other;
} count_ctx;

static int count_entry(void *arg, uint64_t seq, const char *entry, size_t n)
{
	count_ctx *cc = arg;
	char text[512];

	(void)seq;
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	memcpy(text, entry, n);
	text[n] = 0;
	if (strstr(text, "\"user.passwd\"") && strstr(text, "\"u2\""))
		cc->passwd[0]++;
	else if (strstr(text, "\"user.passwd\"") && strstr(text, "\"u3\""))
		cc->passwd[1]++;
	else
		cc->other++;
	return 0;
}

static void test_catalog_two_vault_writers(void **state)
{
	char *dir = tu_tmpdir();
	cy_buf vault = CY_BUF_INIT, rec = CY_BUF_INIT;
	const char *users[2] = {"a1", "a2"};
	cy_vault *v;
	pid_t pid[2];
	uint64_t bad, entries, checkpoints;
	count_ctx cc = {{0, 0}, 0};

	(void)state;
	cy_buf_printf(&vault, "%s/v", dir);
	assert_int_equal(cy_vault_init(cy_buf_cstr(&vault), "sec", PW, strlen(PW), 10, &rec), 0);
	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&vault), "sec", PW, strlen(PW)), 0);
	assert_int_equal(cy_user_add(v, users[0], CY_ROLE_ARCHIVIST, PW, strlen(PW)), 0);
	assert_int_equal(cy_user_add(v, users[1], CY_ROLE_ARCHIVIST, PW, strlen(PW)), 0);
	cy_vault_close(v);

	/* each process: its own user, ROUNDS password changes, each one
	 * operation with its own ledger entry and signed checkpoint */
	for (int k = 0; k < 2; k++) {
		pid[k] = fork();
		assert_true(pid[k] >= 0);
		if (pid[k] == 0) {
			cy_vault *w;
			int rc = cy_vault_open(&w, cy_buf_cstr(&vault), users[k], PW, strlen(PW));
			for (int i = 0; !rc && i < ROUNDS; i++)
				rc = cy_user_passwd(w, PW, strlen(PW));
			if (rc)
				fprintf(stderr, "writer %d: %s\n", k, cy_error_message());
			if (!rc)
				cy_vault_close(w);
			_exit(rc ? 1 : 0);
		}
	}
	for (int k = 0; k < 2; k++) {
		int st;
		assert_int_equal(waitpid(pid[k], &st, 0), pid[k]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}

	assert_int_equal(cy_vault_open(&v, cy_buf_cstr(&vault), "sec", PW, strlen(PW)), 0);
	if (cy_log_verify(v, &bad, &entries, &checkpoints))
		print_error("verify: %s\n", cy_error_message());
	assert_int_equal(bad, 0);
	/* vault.init, user.add sec, user.add a1, user.add a2, then both writers',
	 * then the secadmin's log-in certifying both writers' last keys */
	assert_int_equal(entries, 4 + 2 * ROUNDS + 2);
	/* archivists hold no ledger key: their commits sign heads, not
	 * checkpoints; the secadmin's does */
	assert_int_equal(checkpoints, 4);
	assert_int_equal(cy_log_list(v, 1, count_entry, &cc), 0);
	assert_int_equal(cc.passwd[0], ROUNDS);
	assert_int_equal(cc.passwd[1], ROUNDS);
	assert_int_equal(cc.other, 6);
	cy_vault_close(v);
	cy_buf_release(&vault);
	cy_buf_wipe(&rec);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_two_vault_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
