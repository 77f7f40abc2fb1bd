/* bech32.c - BIP 173 Bech32 encoding and strict decoding (see bech32.h).
 *
 * As age does, the 90-character limit of BIP 173 is not applied (age's
 * post-quantum keys are longer); the decoder caps the input at 1024
 * characters instead.  Everything else is as strict as the BIP: a mixed-case
 * string, a character outside the charset, a bad checksum (including the
 * Bech32m constant) or non-zero padding bits is refused. */
#include <string.h>

#include "custody/error.h"
#include "transfer/bech32.h"

#include "custody/banned.h"

#define BECH32_MAX 1024

static const char CHARSET[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t polymod_step(uint32_t chk, uint8_t v)
{
	static const uint32_t GEN[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
	uint8_t top = (uint8_t)(chk >> 25);

	chk = (chk & 0x1ffffff) << 5 ^ v;
	for (int i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= GEN[i];
	return chk;
}

/* The checksum state after the expanded human-readable part (lower case). */
static uint32_t hrp_polymod(const char *hrp, size_t len)
{
	uint32_t chk = 1;

	for (size_t i = 0; i < len; i++)
		chk = polymod_step(chk, (uint8_t)((unsigned char)hrp[i] >> 5));
	chk = polymod_step(chk, 0);
	for (size_t i = 0; i < len; i++)
		chk = polymod_step(chk, (uint8_t)(hrp[i] & 31));
	return chk;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static char upper_of(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
}

int cy_bech32__encode(const char *hrp, const uint8_t *data, size_t n, bool upper, char *out,
		      size_t outsz)
{
	size_t hlen = strlen(hrp), ngroups = (n * 8 + 4) / 5, need = hlen + 1 + ngroups + 6 + 1;
	char h[128];
	uint32_t chk, acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	if (hlen == 0 || hlen >= sizeof(h) || need > outsz)
		return cy_error_set(CY_EINVALID, "bech32: string would be too long");
	for (size_t i = 0; i < hlen; i++) {
		if (hrp[i] < 33 || hrp[i] > 126)
			return cy_error_set(CY_EINVALID, "bech32: bad human-readable part");
		h[i] = lower(hrp[i]);
	}
	chk = hrp_polymod(h, hlen);
	for (size_t i = 0; i < hlen; i++)
		out[o++] = h[i];
	out[o++] = '1';
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8 | data[i]) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			uint8_t v = (uint8_t)((acc >> (bits - 5)) & 31);
			bits -= 5;
			chk = polymod_step(chk, v);
			out[o++] = CHARSET[v];
		}
	}
	if (bits) {
		uint8_t v = (uint8_t)((acc << (5 - bits)) & 31);
		chk = polymod_step(chk, v);
		out[o++] = CHARSET[v];
	}
	for (int i = 0; i < 6; i++)
		chk = polymod_step(chk, 0);
	chk ^= 1;
	for (int i = 0; i < 6; i++)
		out[o++] = CHARSET[(chk >> (5 * (5 - i))) & 31];
	out[o] = '\0';
	if (upper)
		for (size_t i = 0; i < o; i++)
			out[i] = upper_of(out[i]);
	return 0;
}

int cy_bech32__decode(const char *s, char *hrp, size_t hrpsz, uint8_t *data, size_t datasz,
		      size_t *n, bool *upper)
{
	size_t len = strnlen(s, BECH32_MAX + 1), sep = 0, nd = 0;
	bool has_lower = false, has_upper = false;
	uint32_t chk, acc = 0;
	unsigned bits = 0;

	*n = 0;
	if (len > BECH32_MAX)
		return cy_error_set(CY_EINVALID, "bech32: string too long");
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c < 33 || c > 126)
			return cy_error_set(CY_EINVALID, "bech32: character out of range");
		has_lower |= c >= 'a' && c <= 'z';
		has_upper |= c >= 'A' && c <= 'Z';
		if (c == '1')
			sep = i;
	}
	if (has_lower && has_upper)
		return cy_error_set(CY_EINVALID, "bech32: mixed case");
	if (sep == 0 || sep + 7 > len)
		return cy_error_set(CY_EINVALID, "bech32: no separator or too short");
	if (sep + 1 > hrpsz)
		return cy_error_set(CY_EINVALID, "bech32: human-readable part too long");
	for (size_t i = 0; i < sep; i++)
		hrp[i] = lower(s[i]);
	hrp[sep] = '\0';
	chk = hrp_polymod(hrp, sep);
	for (size_t i = sep + 1; i < len; i++) {
		const char *p = strchr(CHARSET, lower(s[i]));
		uint8_t v;

		if (!p || !*p)
			return cy_error_set(CY_EINVALID, "bech32: invalid character");
		v = (uint8_t)(p - CHARSET);
		chk = polymod_step(chk, v);
		if (i + 6 >= len)
			continue; /* the checksum */
		acc = (acc << 5 | v) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (nd >= datasz)
				return cy_error_set(CY_EINVALID, "bech32: data too long");
			data[nd++] = (uint8_t)(acc >> bits);
		}
	}
	if (chk != 1)
		return cy_error_set(CY_EINVALID, "bech32: bad checksum");
	/* at most 4 padding bits, all zero */
	if (bits >= 5 || (acc & ((1u << bits) - 1)))
		return cy_error_set(CY_EINVALID, "bech32: non-zero padding");
	*n = nd;
	if (upper)
		*upper = has_upper;
	return 0;
}
