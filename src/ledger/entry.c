/* entry.c - canonical ledger entry encoding and the tree frontier
 * (see src/ledger/ledger.h and docs/formats/ledger.md). */
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "custody/banned.h"

void cy_time_format(int64_t t, char out[21])
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cy_ledger_entry_encode(const cy_ledger_entry *e, cy_buf *out)
{
	char ts[21];
	int idx[CY_LEDGER_MAX_DETAILS];
	int rc;

	if (e->ntargets > CY_LEDGER_MAX_TARGETS || e->ndetails > CY_LEDGER_MAX_DETAILS)
		return cy_error_set(CY_EINVALID, "ledger entry has too many fields");
	cy_time_format(e->time, ts);
	rc = cy_buf_printf(out,
			   "{\"seq\":%llu,\"time\":\"%s\",\"actor\":", (unsigned long long)e->seq,
			   ts);
	rc = rc ? rc : cy_json_cstr(out, e->actor);
	rc = rc ? rc : cy_buf_puts(out, ",\"action\":");
	rc = rc ? rc : cy_json_cstr(out, e->action);
	rc = rc ? rc : cy_buf_puts(out, ",\"targets\":[");
	for (int i = 0; !rc && i < e->ntargets; i++) {
		if (i)
			rc = cy_buf_putc(out, ',');
		rc = rc ? rc : cy_json_cstr(out, e->targets[i]);
	}
	rc = rc ? rc : cy_buf_puts(out, "],\"details\":{");
	/* insertion sort of the detail keys by byte value */
	for (int i = 0; i < e->ndetails; i++) {
		int j = i;
		while (j > 0 && strcmp(e->details[idx[j - 1]].key, e->details[i].key) > 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = i;
	}
	for (int k = 0; !rc && k < e->ndetails; k++) {
		const cy_ledger_detail *d = &e->details[idx[k]];
		if (k)
			rc = cy_buf_putc(out, ',');
		rc = rc ? rc : cy_json_cstr(out, d->key);
		rc = rc ? rc : cy_buf_putc(out, ':');
		if (!rc)
			rc = d->str ? cy_json_cstr(out, d->str)
				    : cy_buf_printf(out, "%lld", (long long)d->num);
	}
	return rc ? rc : cy_buf_puts(out, "}}");
}

void cy_frontier_init(cy_frontier *f)
{
	memset(f, 0, sizeof(*f));
}

void cy_frontier_append(cy_frontier *f, const uint8_t leaf[32])
{
	uint8_t carry[32];
	uint64_t s = f->size;

	memcpy(carry, leaf, 32);
	/* each trailing set bit of size is a perfect subtree that merges with the carry */
	while (s & 1) {
		cy_merkle_node_hash(f->hashes[f->n - 1], carry, carry);
		f->n--;
		s >>= 1;
	}
	memcpy(f->hashes[f->n++], carry, 32);
	f->size++;
}

void cy_frontier_root(const cy_frontier *f, uint8_t root[32])
{
	uint8_t acc[32];

	if (f->n == 0) {
		cy_sha256("", 0, root);
		return;
	}
	memcpy(acc, f->hashes[f->n - 1], 32);
	for (int i = f->n - 2; i >= 0; i--)
		cy_merkle_node_hash(f->hashes[i], acc, acc);
	memcpy(root, acc, 32);
}

int cy_frontier_save(const cy_frontier *f, cy_buf *out)
{
	return cy_buf_put(out, f->hashes, (size_t)f->n * 32);
}

int cy_frontier_load(cy_frontier *f, uint64_t size, const void *data, size_t n)
{
	int bits = __builtin_popcountll(size);

	if (n != (size_t)bits * 32)
		return cy_error_set(CY_ECORRUPT, "ledger state does not match its size %llu",
				    (unsigned long long)size);
	cy_frontier_init(f);
	f->size = size;
	f->n = bits;
	if (n)
		memcpy(f->hashes, data, n);
	return 0;
}
