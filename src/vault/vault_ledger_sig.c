/* vault_ledger_sig.c - signed transaction heads: at commit, the committing
 * user signs the tree head the transaction produced with the user's own
 * Ed25519 key (certified by the admin key); log verify checks every head
 * against the signer's certificate.  One signature per commit, not per
 * entry.  Format: docs/formats/ledger.md section 8. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "custody/encoding.h"
#include "custody/error.h"
#include "vault/vault_ledger_sig.h"
#include "custody/banned.h"

void cy_vault__head_msg(const char *vault_id, uint64_t size, const uint8_t root[32],
			uint8_t out[CY_HEAD_MSG_LEN])
{
	uint8_t *p = out;

	memcpy(p, CY_HEAD_CTX, sizeof(CY_HEAD_CTX)); /* with its NUL */
	p += sizeof(CY_HEAD_CTX);
	memcpy(p, vault_id, 32);
	p += 32;
	*p++ = 0;
	cy_store_u64be(p, size);
	memcpy(p + 8, root, 32);
}

int cy_vault__sign_head(cy_vault *v)
{
	uint8_t msg[CY_HEAD_MSG_LEN], root[32], sig[64];
	int rc;

	if (!v->useed)
		return cy_error_set(CY_EPERM, "user '%s' has no signing key for the ledger",
				    v->user);
	cy_frontier_root(&v->fr, root);
	cy_vault__head_msg(v->vault_id, v->fr.size, root, msg);
	if ((rc = cy_ed25519_sign(v->useed, msg, sizeof(msg), sig)))
		return rc;
	return cy_catalog_ledger_sign(v->cat, v->fr.size, sig, v->serial);
}

bool cy_vault__role_signs_checkpoints(cy_role r)
{
	return r == CY_ROLE_AUDITOR || r == CY_ROLE_SECADMIN;
}

typedef struct signer {
	int64_t uid, serial; /* serial as stored (0 for an upgraded key) */
	uint8_t upub[32];
	int rc; /* 0: a valid certificate; else CY_ECORRUPT / CY_ENOTFOUND */
	char why[160];
} signer;

typedef struct user_name {
	int64_t id;
	char name[64];
	int64_t serial;	  /* of the current certificate */
	uint8_t upub[32]; /* the catalog's word: used only for a key not yet certified */
	int has_upub;
} user_name;

struct cy_head_verifier {
	cy_vault *v;
	user_name *users;
	size_t nusers;
	signer *signers;
	size_t nsigners;
};

static int collect_user(void *arg, const cy_catalog_user *u)
{
	cy_head_verifier *hv = arg;
	user_name *nu = realloc(hv->users, sizeof(*nu) * (hv->nusers + 1));

	if (!nu)
		return cy_error_set(CY_ENOMEM, "out of memory");
	hv->users = nu;
	nu[hv->nusers].id = u->id;
	snprintf(nu[hv->nusers].name, sizeof(nu->name), "%s", u->name);
	nu[hv->nusers].serial = u->serial;
	nu[hv->nusers].has_upub = u->upub.len == 32;
	if (u->upub.len == 32)
		memcpy(nu[hv->nusers].upub, u->upub.ptr, 32);
	hv->nusers++;
	return 0;
}

int cy_vault__headv_new(cy_vault *v, cy_head_verifier **out)
{
	cy_head_verifier *hv = calloc(1, sizeof(*hv));
	int rc;

	if (!hv)
		return cy_error_set(CY_ENOMEM, "out of memory");
	hv->v = v;
	rc = cy_catalog_user_list(v->cat, collect_user, hv);
	if (rc < 0) {
		cy_vault__headv_free(hv);
		return rc;
	}
	*out = hv;
	return 0;
}

void cy_vault__headv_free(cy_head_verifier *hv)
{
	if (!hv)
		return;
	free(hv->users);
	free(hv->signers);
	free(hv);
}

/* Look up and verify the certificate of (uid, serial) once. */
static int find_signer(cy_head_verifier *hv, int64_t uid, int64_t serial, signer **out)
{
	cy_catalog_cert cert;
	const char *name = NULL;
	const user_name *un = NULL;
	signer *s = NULL;
	int rc;

	for (size_t i = 0; i < hv->nsigners; i++) {
		if (hv->signers[i].uid == uid && hv->signers[i].serial == serial) {
			*out = &hv->signers[i];
			return 0;
		}
	}
	if (!(s = realloc(hv->signers, sizeof(*s) * (hv->nsigners + 1))))
		return cy_error_set(CY_ENOMEM, "out of memory");
	hv->signers = s;
	s = &hv->signers[hv->nsigners++];
	memset(s, 0, sizeof(*s));
	s->uid = uid;
	s->serial = serial;
	for (size_t i = 0; i < hv->nusers; i++)
		if (hv->users[i].id == uid) {
			un = &hv->users[i];
			name = un->name;
		}
	memset(&cert, 0, sizeof(cert));
	/* a key upgraded from schema 2 signs as serial 0 until a secadmin
	 * certifies that same key as serial 1 (cy_vault__certify_pending) */
	rc = name ? cy_catalog_user_cert_get(hv->v->cat, uid, serial > 0 ? serial : 1, &cert)
		  : CY_ENOTFOUND;
	if (rc == CY_ENOMEM) {
		hv->nsigners--;
		return rc;
	}
	if (rc == CY_ENOTFOUND && serial == 0 && un->serial == 0 && un->has_upub) {
		/* a key upgraded from schema 2 that no secadmin has certified yet:
		 * trusted on first use, as the slot upgrade itself is
		 * (docs/security/ledger.md "Vaults made before schema 3") */
		memcpy(s->upub, un->upub, 32);
	} else if (rc == CY_ENOTFOUND) {
		s->rc = CY_ENOTFOUND;
		if (!name)
			snprintf(s->why, sizeof(s->why), "there is no user u%" PRId64, uid);
		else if (serial == 0)
			snprintf(s->why, sizeof(s->why),
				 "the key of u%" PRId64 " upgraded from schema 2 is not certified "
				 "yet (a security administrator's log-in certifies it)",
				 uid);
		else
			snprintf(s->why, sizeof(s->why),
				 "u%" PRId64 " has no certificate with serial %" PRId64, uid,
				 serial);
	} else if (rc) {
		s->rc = CY_ECORRUPT;
		snprintf(s->why, sizeof(s->why), "the certificate of u%" PRId64 " is unreadable",
			 uid);
	} else if (cy_vault__verify_cert(hv->v, uid, name, cert.role, cert.pub, cert.upub,
					 serial > 0 ? serial : 1, cert.cert.ptr, cert.cert.len)) {
		s->rc = CY_ECORRUPT;
		snprintf(s->why, sizeof(s->why),
			 "the certificate of u%" PRId64 " (serial %" PRId64
			 ") is not signed by the admin key",
			 uid, serial > 0 ? serial : 1);
	} else {
		memcpy(s->upub, cert.upub, 32);
	}
	cy_catalog_cert_release(&cert);
	cy_error_clear();
	*out = s;
	return 0;
}

int cy_vault__headv_check(cy_head_verifier *hv, int64_t uid, int64_t serial, uint64_t size,
			  const uint8_t root[32], const void *sig, size_t siglen)
{
	uint8_t msg[CY_HEAD_MSG_LEN];
	signer *s = NULL;
	int rc;

	if (siglen != 64)
		return cy_error_set(CY_ECORRUPT, "the head signature is %zu bytes, not 64", siglen);
	if (serial < 0)
		return cy_error_set(CY_ECORRUPT, "the head signature has no signer serial");
	if ((rc = find_signer(hv, uid, serial, &s)))
		return rc;
	if (s->rc)
		return cy_error_set(CY_ECORRUPT, "%s", s->why);
	cy_vault__head_msg(hv->v->vault_id, size, root, msg);
	if (cy_ed25519_verify(s->upub, msg, sizeof(msg), sig))
		return cy_error_set(CY_ECORRUPT,
				    "the signature of u%" PRId64
				    " over the tree head at entry %" PRIu64 " does not verify",
				    uid, size);
	return 0;
}

/* A JSON string's raw content up to its closing quote (no escapes: actors
 * and actions never need one). */
static int read_str(const char **p, const char *end, char *out, size_t outn)
{
	size_t i = 0;

	while (*p < end && **p != '"') {
		if (**p == '\\' || i + 1 >= outn)
			return CY_ECORRUPT;
		out[i++] = *(*p)++;
	}
	if (*p >= end)
		return CY_ECORRUPT;
	out[i] = 0;
	(*p)++;
	return 0;
}

static int expect(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *p) < n || memcmp(*p, lit, n))
		return CY_ECORRUPT;
	*p += n;
	return 0;
}

int cy_vault__entry_actor(const char *e, size_t n, char actor[24], char action[64])
{
	const char *p = e, *end = e + n;
	char tmp[32];

	if (expect(&p, end, "{\"seq\":"))
		return CY_ECORRUPT;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (expect(&p, end, ",\"time\":\"") || read_str(&p, end, tmp, sizeof(tmp)) ||
	    expect(&p, end, ",\"actor\":\"") || read_str(&p, end, actor, 24) ||
	    expect(&p, end, ",\"action\":\"") || read_str(&p, end, action, 64))
		return CY_ECORRUPT;
	return 0;
}
