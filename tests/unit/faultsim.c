/* faultsim.c - the allocation wrappers behind faultsim.h.  The linker sends
 * the binary's calls of malloc etc. to __wrap_malloc etc. and binds
 * __real_malloc to the real one (AddressSanitizer's, in a sanitizer build,
 * so its checks and LeakSanitizer keep working on every block). */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "faultsim.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define HAVE_STACK_TRACE 1
#endif

void *__real_malloc(size_t n);
void *__real_calloc(size_t nmemb, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t nmemb, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static atomic_int on;	 /* 0 off, 1 counting */
static atomic_bool seen; /* a wrapper ran: the wraps are linked */
static _Atomic uint64_t calls, failed, fail_at, spared;
static atomic_bool persistent;

bool faultsim_linked(void)
{
	void *p;

	seen = false;
	p = malloc(1);
	free(p);
	return seen;
}

void faultsim_off(void)
{
	on = 0;
	calls = failed = fail_at = spared = 0;
	persistent = false;
}

void faultsim_count(void)
{
	faultsim_fail_at(0, false);
}

void faultsim_fail_at(uint64_t n, bool pers)
{
	on = 0;
	calls = failed = spared = 0;
	fail_at = n;
	persistent = pers;
	on = 1;
}

uint64_t faultsim_calls(void)
{
	return calls;
}

uint64_t faultsim_failed(void)
{
	return failed;
}

uint64_t faultsim_spared(void)
{
	return spared;
}

/* Whether this allocation is made by jansson's parser (json_load*): its
 * lexer does not survive a failed allocation (akheron/jansson#362: lex_save
 * drops the failure, then asserts or reads past its buffer), which no code
 * of ours can mend.  Only reached for a call that is about to fail. */
static bool in_jansson_parser(void)
{
	void *frames[24];
	int n = backtrace(frames, 24);

	for (int i = 1; i < n; i++) {
		Dl_info info;
		if (dladdr(frames[i], &info) && info.dli_sname &&
		    !strncmp(info.dli_sname, "json_load", 9))
			return true;
	}
	return false;
}

/* Counts this call; true if it is to fail. */
static bool fail_now(void)
{
	uint64_t c, at;

	seen = true;
	if (!on)
		return false;
	c = ++calls;
	at = fail_at;
	if (!at || (c != at && !(persistent && c > at)))
		return false;
	if (in_jansson_parser()) {
		/* not this one: the next allocation fails in its place */
		spared++;
		if (c == at)
			fail_at = at + 1;
		return false;
	}
	failed++;
#ifdef HAVE_STACK_TRACE
	/* CY_FAULTSIM_TRACE=1: where each injected failure landed */
	if (getenv("CY_FAULTSIM_TRACE"))
		__sanitizer_print_stack_trace();
#endif
	errno = ENOMEM;
	return true;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t nmemb, size_t size)
{
	return fail_now() ? NULL : __real_calloc(nmemb, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	/* a failed realloc leaves the block as it was */
	return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fail_now() ? NULL : __real_strndup(s, n);
}
