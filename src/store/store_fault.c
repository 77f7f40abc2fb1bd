/* store_fault.c - a backend that wraps another and makes chosen calls fail,
 * as SQLite's faultsim and curl's torture mode do: the nth write, commit,
 * sync, read, remove or begin fails with EIO or ENOSPC, or writes come back
 * short.  Used by the tests (tests/unit/test_store_conformance.c, and the
 * CLI through CUSTODY_STORE_FAULT in builds with test hooks); with faults
 * off it passes every call through unchanged, and runs the conformance
 * suite like any backend. */
#include <errno.h>
#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "store/store_backend.h"
#include "custody/banned.h"

/* the verbs are translated where they are used */
#define N_(s) (s)
#define CY_TR(s) dgettext("custody", s)

typedef struct fault {
	cy_store_backend b;
	cy_store_backend *inner;
	cy_fault_cfg cfg;
	int on;
	uint64_t calls;	   /* selected calls since cy_store_fault_set */
	uint64_t injected; /* faults injected */
	int fail_next;	   /* after a short write: the next write fails */
} fault;

/* Whether this call of op fails (counts it). */
static int hit(fault *f, cy_fault_op op)
{
	if (!f->on || !(f->cfg.ops & op))
		return 0;
	f->calls++;
	return f->calls == f->cfg.nth || (f->cfg.repeat && f->calls > f->cfg.nth);
}

static int inject(fault *f, const char *verb, const char *name)
{
	const char *what = CY_TR(verb);

	f->injected++;
	if (!name)
		return cy_error_set(f->cfg.kind == CY_FAULT_EIO ? CY_EIO : CY_ENOSPC,
				    "cannot %s the object store: %s (injected fault)", what,
				    strerror(f->cfg.kind == CY_FAULT_EIO ? EIO : ENOSPC));
	if (f->cfg.kind == CY_FAULT_EIO)
		return cy_error_set(CY_EIO, "cannot %s object pack %s: %s (injected fault)", what,
				    name ? name : "", strerror(EIO));
	return cy_error_set(CY_ENOSPC, "cannot %s object pack %s (disk full): %s (injected fault)",
			    what, name, strerror(ENOSPC));
}

struct cy_store_put {
	cy_store_put *inner;
	char name[CY_PACK_NAME_LEN + 1];
};

static int f_put_begin(cy_store_backend *b, const char *name, cy_store_put **out)
{
	fault *f = (fault *)b;
	cy_store_put *p;
	int rc;

	if (hit(f, CY_FAULT_BEGIN))
		return inject(f, N_("create"), name);
	if (!(p = calloc(1, sizeof(*p))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	snprintf(p->name, sizeof(p->name), "%s", name);
	if ((rc = f->inner->put_begin(f->inner, name, &p->inner))) {
		free(p);
		return rc;
	}
	*out = p;
	return 0;
}

static ssize_t f_put_write(cy_store_backend *b, cy_store_put *p, const void *data, size_t n)
{
	fault *f = (fault *)b;

	if (f->fail_next) {
		f->fail_next = 0;
		f->injected++;
		return cy_error_set(CY_ENOSPC,
				    "cannot write object pack %s (disk full): %s (injected fault)",
				    p->name, strerror(ENOSPC));
	}
	if (f->on && (f->cfg.ops & CY_FAULT_WRITE) && f->cfg.kind == CY_FAULT_SHORT_ONLY) {
		/* every write is short: the caller must loop */
		f->calls++;
		if (f->calls >= f->cfg.nth && n > 1) {
			f->injected++;
			n = n / 2;
		}
		return f->inner->put_write(f->inner, p->inner, data, n);
	}
	if (hit(f, CY_FAULT_WRITE)) {
		if (f->cfg.kind == CY_FAULT_SHORT && n > 1) {
			/* some bytes reach the disk, then it is full */
			f->fail_next = 1;
			return f->inner->put_write(f->inner, p->inner, data, n / 2);
		}
		return inject(f, N_("write"), p->name);
	}
	return f->inner->put_write(f->inner, p->inner, data, n);
}

static int f_put_flush(cy_store_backend *b, cy_store_put *p)
{
	fault *f = (fault *)b;

	return f->inner->put_flush ? f->inner->put_flush(f->inner, p->inner) : 0;
}

static int f_put_commit(cy_store_backend *b, cy_store_put *p)
{
	fault *f = (fault *)b;
	int rc;

	if (hit(f, CY_FAULT_COMMIT)) {
		rc = inject(f, N_("sync"), p->name);
		f->inner->put_abort(f->inner, p->inner);
	} else {
		rc = f->inner->put_commit(f->inner, p->inner);
	}
	free(p);
	return rc;
}

static void f_put_abort(cy_store_backend *b, cy_store_put *p)
{
	fault *f = (fault *)b;

	if (!p)
		return;
	f->inner->put_abort(f->inner, p->inner);
	free(p);
}

static int f_read_range(cy_store_backend *b, const char *name, uint64_t offset, uint64_t length,
			cy_store_sink sink, void *arg)
{
	fault *f = (fault *)b;

	if (hit(f, CY_FAULT_READ))
		return inject(f, N_("read"), name);
	return f->inner->read_range(f->inner, name, offset, length, sink, arg);
}

static int f_stat(cy_store_backend *b, const char *name, uint64_t *size)
{
	fault *f = (fault *)b;

	return f->inner->stat(f->inner, name, size);
}

static int f_list(cy_store_backend *b, cy_store_name_fn fn, void *arg)
{
	fault *f = (fault *)b;

	return f->inner->list(f->inner, fn, arg);
}

static int f_remove(cy_store_backend *b, const char *name)
{
	fault *f = (fault *)b;

	if (hit(f, CY_FAULT_REMOVE))
		return inject(f, N_("remove"), name);
	return f->inner->remove(f->inner, name);
}

static int f_sync_batch(cy_store_backend *b)
{
	fault *f = (fault *)b;

	if (hit(f, CY_FAULT_SYNC))
		return inject(f, N_("sync"), NULL);
	return f->inner->sync_batch(f->inner);
}

static void f_clean(cy_store_backend *b)
{
	fault *f = (fault *)b;

	if (f->inner->clean)
		f->inner->clean(f->inner);
}

static void f_free(cy_store_backend *b)
{
	fault *f = (fault *)b;

	if (!f)
		return;
	f->inner->free(f->inner);
	free(f);
}

int cy_store_fault_new(cy_store_backend **out, cy_store_backend *inner)
{
	fault *f = calloc(1, sizeof(*f));

	if (!f)
		return cy_error_set(CY_ENOMEM, "out of memory");
	f->b = (cy_store_backend){
		.kind = "fault",
		.put_begin = f_put_begin,
		.put_write = f_put_write,
		.put_flush = f_put_flush,
		.put_commit = f_put_commit,
		.put_abort = f_put_abort,
		.read_range = f_read_range,
		.stat = f_stat,
		.list = f_list,
		.remove = f_remove,
		.sync_batch = f_sync_batch,
		.clean = f_clean,
		.free = f_free,
	};
	f->inner = inner;
	*out = &f->b;
	return 0;
}

void cy_store_fault_set(cy_store_backend *b, const cy_fault_cfg *cfg)
{
	fault *f = (fault *)b;

	f->on = cfg != NULL && cfg->ops != 0;
	if (cfg)
		f->cfg = *cfg;
	f->calls = 0;
	f->fail_next = 0;
}

uint64_t cy_store_fault_count(const cy_store_backend *b)
{
	return ((const fault *)b)->injected;
}

int cy_store_fault_parse(const char *spec, cy_fault_cfg *out)
{
	static const struct {
		const char *name;
		unsigned op;
	} OPS[] = {{"write", CY_FAULT_WRITE},	{"commit", CY_FAULT_COMMIT},
		   {"sync", CY_FAULT_SYNC},	{"read", CY_FAULT_READ},
		   {"remove", CY_FAULT_REMOVE}, {"begin", CY_FAULT_BEGIN}};
	char ops[128], kind[16];
	unsigned long long nth;
	char plus = 0;
	int n;

	memset(out, 0, sizeof(*out));
	n = sscanf(spec, "%127[a-z,]:%15[a-z_]:%llu%c", ops, kind, &nth, &plus);
	if (n < 3 || (n == 4 && plus != '+') || nth == 0)
		return cy_error_set(CY_EINVALID, "fault spec '%s' is not OPS:KIND:N[+]", spec);
	out->nth = nth;
	out->repeat = plus == '+';
	for (char *t = ops, *e; *t; t = e) {
		size_t len = strcspn(t, ",");
		size_t i;
		e = t + len + (t[len] == ',');
		for (i = 0; i < sizeof(OPS) / sizeof(OPS[0]); i++)
			if (strlen(OPS[i].name) == len && !strncmp(t, OPS[i].name, len))
				break;
		if (i == sizeof(OPS) / sizeof(OPS[0]))
			return cy_error_set(CY_EINVALID, "fault spec '%s': unknown operation",
					    spec);
		out->ops |= OPS[i].op;
	}
	if (!strcmp(kind, "eio"))
		out->kind = CY_FAULT_EIO;
	else if (!strcmp(kind, "enospc"))
		out->kind = CY_FAULT_ENOSPC;
	else if (!strcmp(kind, "short"))
		out->kind = CY_FAULT_SHORT;
	else if (!strcmp(kind, "short_only"))
		out->kind = CY_FAULT_SHORT_ONLY;
	else
		return cy_error_set(CY_EINVALID,
				    "fault spec '%s': kind is eio, enospc, short or short_only",
				    spec);
	return 0;
}
