/* notify_smtp.c - sending notices through SMTP with libcurl: one easy handle
 * per run, so the connection is reused between messages; a connect timeout
 * and a total timeout per message; a refusal (4xx, 5xx) or a timeout is a
 * failure that the caller records and retries later, never a send.  Why
 * libcurl and not our own SMTP client: docs/internals/notify.md. */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "custody/error.h"
#include "transfer/notify_internal.h"
#include "custody/banned.h"

struct cy_smtp {
	CURL *curl;
	char *url;
	long timeout;
	char *password; /* wiped; NULL when none */
};

typedef struct reader {
	const cy_buf *msg;
	size_t off;
} reader;

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static CURLcode g_init;

static void init_curl(void)
{
	g_init = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The SMTP password from $CUSTODY_SMTP_PASSWORD_FILE (its first line), if set. */
static int read_password(cy_smtp *s)
{
	const char *path = getenv("CUSTODY_SMTP_PASSWORD_FILE");
	char line[512];
	FILE *f;
	size_t n;

	if (!path || !*path)
		return 0;
	if (!(f = fopen(path, "re")))
		return cy_error_set_errno(cy_error_from_errno(errno), errno, "cannot open %s",
					  path);
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = 0;
	s->password = n ? strdup(line) : NULL;
	cy_wipe(line, sizeof(line));
	if (n && !s->password)
		return cy_error_set(CY_ENOMEM, "out of memory");
	return 0;
}

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	reader *r = arg;
	size_t room = size * nmemb, left = r->msg->len - r->off;
	size_t n = left < room ? left : room;

	memcpy(buf, r->msg->ptr + r->off, n);
	r->off += n;
	return n;
}

int cy_smtp_open(cy_smtp **out, const char *url, long timeout)
{
	cy_smtp *s;
	int rc;
	const char *auth = strstr(url, "://"), *end;

	*out = NULL;
	if (strncmp(url, "smtp://", 7) && strncmp(url, "smtps://", 8))
		return cy_error_set(CY_EINVALID, "--smtp takes smtp://HOST[:PORT] or smtps://...");
	/* a password never on the command line: user@host only, the password
	 * from the file $CUSTODY_SMTP_PASSWORD_FILE */
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (const char *at = auth; at < end; at++)
		if (*at == '@' && memchr(auth, ':', (size_t)(at - auth)))
			return cy_error_set(
				CY_EINVALID,
				"--smtp must not carry a password: give user@host and the "
				"password in the file named by CUSTODY_SMTP_PASSWORD_FILE");
	pthread_once(&g_once, init_curl);
	if (g_init != CURLE_OK)
		return cy_error_set(CY_EIO, "libcurl: %s", curl_easy_strerror(g_init));
	if (!(s = calloc(1, sizeof(*s))) || !(s->url = strdup(url))) {
		free(s);
		return cy_error_set(CY_ENOMEM, "out of memory");
	}
	if (!(s->curl = curl_easy_init())) {
		free(s->url);
		free(s);
		return cy_error_set(CY_ENOMEM, "libcurl: cannot make a handle");
	}
	s->timeout = timeout > 0 ? timeout : 30;
	if ((rc = read_password(s))) {
		cy_smtp_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

int cy_smtp_send(cy_smtp *s, const char *from, const char *to, const cy_buf *msg, char err[64])
{
	struct curl_slist *rcpt = NULL;
	reader r = {msg, 0};
	long code = 0;
	CURLcode cc;

	err[0] = 0;
	if (!(rcpt = curl_slist_append(NULL, to)))
		return cy_error_set(CY_ENOMEM, "out of memory");
	curl_easy_reset(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(s->curl, CURLOPT_READDATA, &r);
	curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, s->timeout);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, s->timeout);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	/* with a password, TLS or nothing (STARTTLS on smtp://); without, when offered */
	curl_easy_setopt(s->curl, CURLOPT_USE_SSL,
			 (long)(s->password ? CURLUSESSL_ALL : CURLUSESSL_TRY));
	if (s->password)
		curl_easy_setopt(s->curl, CURLOPT_PASSWORD, s->password);
	/* no redirection of any kind, no other protocol than the URL's own */
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	cc = curl_easy_perform(s->curl);
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(rcpt);
	if (cc == CURLE_OK && code >= 200 && code < 400)
		return 0;
	/* the class of failure only: a server's text may echo the address */
	if (cc == CURLE_OPERATION_TIMEDOUT)
		snprintf(err, 64, "timeout");
	else if (code >= 400)
		snprintf(err, 64, "smtp %ld", code);
	else if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST)
		snprintf(err, 64, "connect");
	else
		snprintf(err, 64, "curl %d", (int)cc);
	return cy_error_set(CY_EIO, "%s", err);
}

void cy_smtp_close(cy_smtp *s)
{
	if (!s)
		return;
	curl_easy_cleanup(s->curl);
	if (s->password) {
		cy_wipe(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->url);
	free(s);
}
