/* sample_rng.c - the generator's PRNG: xoshiro256** (Blackman and Vigna),
 * seeded through splitmix64.  rand() and the clock are never used, so a seed
 * names one tree on every platform. */
#include <string.h>

#include "sample.h"

#include "custody/banned.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void sample_rng_seed(sample_rng *r, uint64_t seed, const char *stream, uint64_t index)
{
	/* FNV-1a of the stream name keeps streams apart without a registry. */
	uint64_t h = 0xcbf29ce484222325ULL;
	uint64_t x;
	size_t i, n = strlen(stream);

	for (i = 0; i < n; i++) {
		h ^= (uint8_t)stream[i];
		h *= 0x100000001b3ULL;
	}
	x = seed;
	x = splitmix64(&x) ^ h;
	x = splitmix64(&x) ^ index;
	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

uint64_t sample_rng_next(sample_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

uint32_t sample_rng_below(sample_rng *r, uint32_t n)
{
	/* Lemire's multiply-shift; the bias (< n / 2^32) does not matter here. */
	return (uint32_t)(((sample_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

int sample_rng_range(sample_rng *r, int lo, int hi)
{
	return lo + (int)sample_rng_below(r, (uint32_t)(hi - lo + 1));
}

bool sample_rng_chance(sample_rng *r, unsigned percent)
{
	return sample_rng_below(r, 100) < percent;
}

size_t sample_rng_weighted(sample_rng *r, const unsigned *weights, size_t n)
{
	uint32_t total = 0, pick;
	size_t i;

	for (i = 0; i < n; i++)
		total += weights[i];
	pick = sample_rng_below(r, total);
	for (i = 0; i + 1 < n; i++) {
		if (pick < weights[i])
			return i;
		pick -= weights[i];
	}
	return n - 1;
}

int64_t sample_rng_amount(sample_rng *r, int lo, int hi)
{
	/* Integers only, so that the tree does not depend on the platform's
	 * floating point: pick an order of magnitude, then a value within it. */
	int64_t a = lo, b, yuan;

	while (a * 10 <= hi && sample_rng_chance(r, 55))
		a *= 10;
	b = a * 10 < hi ? a * 10 : hi;
	yuan = a + (int64_t)sample_rng_below(r, (uint32_t)(b - a + 1));
	if (sample_rng_chance(r, 60))
		return yuan * 100;
	return yuan * 100 + sample_rng_below(r, 100);
}
