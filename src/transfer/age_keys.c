/* age_keys.c - the key strings and key files of the transfer layer: age
 * recipients and identities (age.h) and custody's Ed25519 signing keys
 * (sigkey.h), all BIP 173 Bech32 (bech32.c), and the files that hold the
 * secret halves, written as age-keygen writes its own (docs/formats/keys-files.md). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "crypto/crypto.h"
#include "custody/age.h"
#include "custody/buf.h"
#include "custody/error.h"
#include "custody/file.h"
#include "custody/sigkey.h"
#include "transfer/bech32.h"

#include "custody/banned.h"

#define KEY_FILE_MAX (64 * 1024)

#define AGE_PUB_HRP "age"
#define AGE_SECRET_HRP "age-secret-key-"
#define SIGN_PUB_HRP "custody-sign"
#define SIGN_SECRET_HRP "custody-signing-key-"

/* Decode a 32-byte key under hrp, in the one case the format allows. */
static int key_parse(const char *s, const char *hrp, bool want_upper, const char *what,
		     uint8_t key[32])
{
	char h[64];
	uint8_t data[40];
	size_t n = 0;
	bool upper = false;
	int rc;

	if (!s || !*s)
		return cy_error_set(CY_EINVALID, "empty %s", what);
	rc = cy_bech32__decode(s, h, sizeof(h), data, sizeof(data), &n, &upper);
	if (rc) {
		rc = cy_error_set(CY_EINVALID, "not %s (%s)", what, cy_error_message());
		goto out;
	}
	if (strcmp(h, hrp) || upper != want_upper || n != 32) {
		rc = cy_error_set(CY_EINVALID, "not %s", what);
		goto out;
	}
	memcpy(key, data, 32);
out:
	cy_wipe(data, sizeof(data));
	return rc;
}

int cy_age_recipient_parse(const char *s, uint8_t pub[32])
{
	return key_parse(s, AGE_PUB_HRP, false, "an age recipient (age1...)", pub);
}

int cy_age_recipient_format(const uint8_t pub[32], char out[CY_AGE_RECIPIENT_MAX])
{
	return cy_bech32__encode(AGE_PUB_HRP, pub, 32, false, out, CY_AGE_RECIPIENT_MAX);
}

int cy_age_identity_parse(const char *s, uint8_t priv[32])
{
	return key_parse(s, AGE_SECRET_HRP, true, "an age identity (AGE-SECRET-KEY-1...)", priv);
}

int cy_age_identity_format(const uint8_t priv[32], char out[CY_AGE_RECIPIENT_MAX])
{
	return cy_bech32__encode(AGE_SECRET_HRP, priv, 32, true, out, CY_AGE_RECIPIENT_MAX);
}

int cy_age_identity_to_recipient(const uint8_t priv[32], uint8_t pub[32])
{
	return cy_x25519_public(priv, pub);
}

int cy_signing_pub_parse(const char *s, uint8_t pub[32])
{
	return key_parse(s, SIGN_PUB_HRP, false, "a custody signing public key (custody-sign1...)",
			 pub);
}

int cy_signing_pub_format(const uint8_t pub[32], char out[CY_SIGKEY_MAX])
{
	return cy_bech32__encode(SIGN_PUB_HRP, pub, 32, false, out, CY_SIGKEY_MAX);
}

int cy_signing_key_parse(const char *s, uint8_t seed[32])
{
	return key_parse(s, SIGN_SECRET_HRP, true,
			 "a custody signing key (CUSTODY-SIGNING-KEY-1...)", seed);
}

int cy_signing_key_format(const uint8_t seed[32], char out[CY_SIGKEY_MAX])
{
	return cy_bech32__encode(SIGN_SECRET_HRP, seed, 32, true, out, CY_SIGKEY_MAX);
}

int cy_signing_key_public(const uint8_t seed[32], uint8_t pub[32])
{
	return cy_ed25519_public(seed, pub);
}

/* ---- key files ----------------------------------------------------------------------------- */

/* Call fn for every line of a key file that is not a comment or empty; lines
 * may end in "\n" or "\r\n".  Stops at the first non-zero return. */
typedef int (*line_fn)(void *arg, const char *line, size_t lineno);

static int key_file_lines(const char *path, line_fn fn, void *arg)
{
	cy_buf b = CY_BUF_INIT;
	size_t lineno = 0;
	int rc = cy_read_file(path, KEY_FILE_MAX, &b);

	if (rc)
		goto out;
	if (memchr(b.ptr, '\0', b.len)) {
		rc = cy_error_set(CY_EINVALID, "%s: not a key file (binary data)", path);
		goto out;
	}
	for (char *p = (char *)b.ptr, *end = p + b.len; p < end && !rc;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;

		lineno++;
		if (e > p && e[-1] == '\r')
			e--;
		*e = '\0';
		if (*p && *p != '#')
			rc = fn(arg, p, lineno);
		p = nl ? nl + 1 : end;
	}
out:
	cy_buf_wipe(&b);
	return rc;
}

struct id_load {
	const char *path;
	uint8_t (*privs)[32];
	size_t n, cap;
};

static int id_line(void *arg, const char *line, size_t lineno)
{
	struct id_load *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		uint8_t(*np)[32];

		if (cap > 1024)
			return cy_error_set(CY_EINVALID, "%s: too many identities", l->path);
		np = cy_secure_alloc(cap * 32);
		if (!np)
			return cy_error_code() ? cy_error_code() : CY_ENOMEM;
		if (l->n)
			memcpy(np, l->privs, l->n * 32);
		cy_secure_free(l->privs, l->cap * 32);
		l->privs = np;
		l->cap = cap;
	}
	if (cy_age_identity_parse(line, l->privs[l->n]))
		return cy_error_set(CY_EINVALID,
				    "%s, line %zu: not an age identity (AGE-SECRET-KEY-1...)",
				    l->path, lineno);
	l->n++;
	return 0;
}

int cy_age_identity_load_all(const char *const *paths, size_t npaths, uint8_t (**privs)[32],
			     size_t *n)
{
	struct id_load l = {NULL, NULL, 0, 0};
	int rc = 0;

	*privs = NULL;
	*n = 0;
	for (size_t i = 0; i < npaths && !rc; i++) {
		size_t before = l.n;

		l.path = paths[i];
		rc = key_file_lines(paths[i], id_line, &l);
		if (!rc && l.n == before)
			rc = cy_error_set(CY_EINVALID,
					  "%s: no age identity (AGE-SECRET-KEY-1...) in it",
					  paths[i]);
	}
	if (!rc && l.n == 0)
		rc = cy_error_set(CY_EINVALID, "no identity file given");
	if (rc) {
		cy_secure_free(l.privs, l.cap * 32);
		return rc;
	}
	/* free with the size the caller knows */
	if (l.cap != l.n) {
		uint8_t(*np)[32] = cy_secure_alloc(l.n * 32);
		if (!np) {
			cy_secure_free(l.privs, l.cap * 32);
			return cy_error_code() ? cy_error_code() : CY_ENOMEM;
		}
		memcpy(np, l.privs, l.n * 32);
		cy_secure_free(l.privs, l.cap * 32);
		l.privs = np;
	}
	*privs = l.privs;
	*n = l.n;
	return 0;
}

int cy_age_identity_load(const char *path, uint8_t (**privs)[32], size_t *n)
{
	return cy_age_identity_load_all(&path, 1, privs, n);
}

void cy_age_identity_free(uint8_t (*privs)[32], size_t n)
{
	cy_secure_free(privs, n * 32);
}

struct sig_load {
	const char *path;
	uint8_t *seed;
	size_t n;
};

static int sig_line(void *arg, const char *line, size_t lineno)
{
	struct sig_load *l = arg;

	if (l->n)
		return cy_error_set(CY_EINVALID, "%s, line %zu: more than one signing key", l->path,
				    lineno);
	if (cy_signing_key_parse(line, l->seed))
		return cy_error_set(
			CY_EINVALID,
			"%s, line %zu: not a custody signing key (CUSTODY-SIGNING-KEY-1...)",
			l->path, lineno);
	l->n++;
	return 0;
}

int cy_signing_key_load(const char *path, uint8_t seed[32])
{
	struct sig_load l = {path, seed, 0};
	int rc = key_file_lines(path, sig_line, &l);

	if (!rc && l.n == 0)
		rc = cy_error_set(CY_EINVALID,
				  "%s: no signing key (CUSTODY-SIGNING-KEY-1...) in it", path);
	if (rc)
		cy_wipe(seed, 32);
	return rc;
}

/* "# created: 2026-12-01T05:43:04Z\n# public key: PUB\nSECRET\n" to path, 0600, O_EXCL. */
static int write_key_file(const char *path, const char *pub, const char *secret)
{
	cy_buf b = CY_BUF_INIT;
	time_t now = time(NULL);
	struct tm tm;
	char when[32] = "";
	int rc;

	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	rc = cy_buf_printf(&b, "# created: %s\n# public key: %s\n%s\n", when, pub, secret);
	if (!rc)
		rc = cy_write_file_excl(path, b.ptr, b.len, 0600);
	cy_buf_wipe(&b);
	return rc;
}

int cy_age_keygen_file(const char *path, char recipient_out[CY_AGE_RECIPIENT_MAX])
{
	uint8_t priv[32], pub[32];
	char secret[CY_AGE_RECIPIENT_MAX];
	int rc = cy_x25519_keygen(priv, pub);

	recipient_out[0] = '\0';
	if (!rc)
		rc = cy_age_identity_format(priv, secret);
	if (!rc)
		rc = cy_age_recipient_format(pub, recipient_out);
	if (!rc)
		rc = write_key_file(path, recipient_out, secret);
	if (rc)
		recipient_out[0] = '\0';
	cy_wipe(priv, sizeof(priv));
	cy_wipe(secret, sizeof(secret));
	return rc;
}

int cy_signing_keygen_file(const char *path, char pub_out[CY_SIGKEY_MAX])
{
	uint8_t seed[32], pub[32];
	char secret[CY_SIGKEY_MAX];
	int rc = cy_ed25519_keygen(seed, pub);

	pub_out[0] = '\0';
	if (!rc)
		rc = cy_signing_key_format(seed, secret);
	if (!rc)
		rc = cy_signing_pub_format(pub, pub_out);
	if (!rc)
		rc = write_key_file(path, pub_out, secret);
	if (rc)
		pub_out[0] = '\0';
	cy_wipe(seed, sizeof(seed));
	cy_wipe(secret, sizeof(secret));
	return rc;
}

int cy_age_key_file_check(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "%s", path);
	if (st.st_mode & 077)
		return cy_error_set(CY_EPERM,
				    "key file %s can be read by others (mode %04o): chmod 600 %s",
				    path, (unsigned)(st.st_mode & 07777), path);
	return 0;
}
