/*
 * conf - defaults, key list and key selection shared by every mode.
 *
 * The file formats (dkimpipe.conf, OpenDKIM KeyTable and SigningTable)
 * are read by conffile.c and table.c; this module holds the result and
 * answers "which keys sign mail from this address". It does no I/O
 * except loading key files in conf_load_keys().
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "conf.h"
#include "keycache.h"
#include "wrap.h"
#include "xmem.h"

static const char def_hdrs[] =
    "From:Reply-To:Subject:Date:To:Cc:Resent-Date:Resent-From:Resent-To:"
    "Resent-Cc:In-Reply-To:References:Message-ID:MIME-Version:"
    "Content-Type:Content-Transfer-Encoding:Content-ID:Content-Description:"
    "Content-Disposition:Content-Language:Sender:List-Id:List-Help:"
    "List-Unsubscribe:List-Unsubscribe-Post:List-Subscribe:List-Post:"
    "List-Owner:List-Archive:Autocrypt:Openpgp";
/*
 * Oversigned: none may be added later. Not Date and Message-ID: Postfix's
 * cleanup adds them to a message that lacks them wherever it is
 * resubmitted (sendmail without -G, a local SMTP client), which must not
 * break the signature.
 */
static const char def_over[] =
    "From:Reply-To:Subject:To:Cc:In-Reply-To:References:"
    "MIME-Version:Content-Type:Content-Transfer-Encoding";

void
conf_defaults(struct conf *cf)
{
	memset(cf, 0, sizeof(*cf));
	cf->hcanon = CANON_RELAXED;
	cf->bcanon = CANON_RELAXED;
	conf_set_list(&cf->hdrs, &cf->nhdrs, def_hdrs);
	conf_set_list(&cf->over, &cf->nover, def_over);
	cf->require_safe_keys = 1;
	cf->sendmail_path = xstrdup("/usr/sbin/sendmail");
	cf->on_refusal = REFUSAL_UNSIGNED;
	cf->timeout = 600;
	cf->lmtp_messages = 1000;
	cf->lmtp_idle = 60;
	cf->lmtp_lifetime = 300;
	cf->lmtp_timeout = 300;
	cf->line_limit = WRAP_DEFAULT;
	cf->add_missing = -1;		/* yes, unless the mode says otherwise */
}

static void
free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
conf_free(struct conf *cf)
{
	size_t i;

	free_list(cf->hdrs, cf->nhdrs);
	free_list(cf->over, cf->nover);
	for (i = 0; i < cf->nkeys; i++) {
		free(cf->keys[i].name);
		free(cf->keys[i].domain);
		free(cf->keys[i].selector);
		free(cf->keys[i].keyfile);
		EVP_PKEY_free(cf->keys[i].pkey);
	}
	free(cf->keys);
	for (i = 0; i < cf->nsigs; i++) {
		free(cf->sigs[i].pattern);
		free(cf->sigs[i].keyname);
		free(cf->sigs[i].identity);
	}
	free(cf->keytable);
	free(cf->signingtable);
	free(cf->sigs);
	free(cf->identity);
	free(cf->tmpdir);
	free(cf->sendmail_path);
	free(cf->nameservers);
	free(cf->reinject);
	origin_free(&cf->internal);
	free(cf->postlog_socket);
	free(cf->postlog_command);
	free(cf->myhostname);
	memset(cf, 0, sizeof(*cf));
}

/* conf_set_canon - parse "relaxed", "simple/relaxed", ... (c= syntax) */
int
conf_set_canon(struct conf *cf, const char *s)
{
	const char *slash = strchr(s, '/');
	const char *body = slash ? slash + 1 : "simple";
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	enum canon hc, bc;

	if (hlen == 6 && strncmp(s, "simple", 6) == 0)
		hc = CANON_SIMPLE;
	else if (hlen == 7 && strncmp(s, "relaxed", 7) == 0)
		hc = CANON_RELAXED;
	else
		return -1;
	if (strcmp(body, "simple") == 0)
		bc = CANON_SIMPLE;
	else if (strcmp(body, "relaxed") == 0)
		bc = CANON_RELAXED;
	else
		return -1;
	cf->hcanon = hc;
	cf->bcanon = bc;
	return 0;
}

/* conf_set_list - replace a list of header names from "a:b, c d" */
void
conf_set_list(char ***v, size_t *n, const char *s)
{
	size_t len;

	free_list(*v, *n);
	*v = NULL;
	*n = 0;
	while (*s != '\0') {
		len = strcspn(s, ":, \t");
		if (len > 0) {
			*v = xreallocarray(*v, *n + 1, sizeof(**v));
			(*v)[(*n)++] = xstrndup(s, len);
		}
		s += len;
		if (*s != '\0')
			s++;
	}
}

/* conf_add_key - append a key description; loaded later */
struct sigkey *
conf_add_key(struct conf *cf, const char *name, const char *domain,
    const char *selector, const char *keyfile)
{
	struct sigkey *k;

	cf->keys = xreallocarray(cf->keys, cf->nkeys + 1, sizeof(*cf->keys));
	k = &cf->keys[cf->nkeys++];
	memset(k, 0, sizeof(*k));
	k->name = xstrdup(name);
	k->domain = xstrdup(domain);
	k->selector = xstrdup(selector);
	k->keyfile = xstrdup(keyfile);
	return k;
}

/* conf_load_keys - load every key file; stop at the first failure */
int
conf_load_keys(struct conf *cf, struct why *why)
{
	size_t i;

	for (i = 0; i < cf->nkeys; i++) {
		if (cf->keys[i].pkey != NULL)
			continue;
		cf->keys[i].pkey = keys_load(cf->keys[i].keyfile,
		    cf->require_safe_keys, why);
		if (cf->keys[i].pkey == NULL ||
		    keys_alg(cf->keys[i].pkey, cf->keys[i].keyfile,
		    &cf->keys[i].alg, why) < 0)
			return -1;
	}
	return 0;
}

/* conf_find_key - a key by KeyTable name */
struct sigkey *
conf_find_key(const struct conf *cf, const char *name)
{
	size_t i;

	for (i = 0; i < cf->nkeys; i++)
		if (strcmp(cf->keys[i].name, name) == 0)
			return &cf->keys[i];
	return NULL;
}

/* sel_add - choose key k for this message; "%" means the From domain */
static size_t
sel_add(struct sigsel *out, size_t n, size_t max, const struct sigkey *k,
    const char *ident, const char *domain)
{
	char *pct;
	size_t i;

	if (k == NULL || n >= max)
		return n;
	for (i = 0; i < n; i++)
		if (out[i].key == k)
			return n;	/* one signature per key */
	memset(&out[n], 0, sizeof(out[n]));
	out[n].key = k;
	out[n].domain = strcmp(k->domain, "%") == 0 ? domain : k->domain;
	if (ident != NULL) {
		strlcpy(out[n].identity, ident, sizeof(out[n].identity));
		if ((pct = strchr(out[n].identity, '%')) != NULL) {
			*pct = '\0';
			strlcat(out[n].identity, domain, sizeof(out[n].identity));
			strlcat(out[n].identity, ident + (pct - out[n].identity) + 1,
			    sizeof(out[n].identity));
		}
	}
	return n + 1;
}

/* sig_lookup - plain-table lookup of one key string, in file order */
static size_t
sig_lookup(const struct conf *cf, const char *key, const char *domain,
    struct sigsel *out, size_t n, size_t max)
{
	size_t i;

	for (i = 0; i < cf->nsigs && n < max; i++) {
		if (strcasecmp(cf->sigs[i].pattern, key) != 0)
			continue;
		n = sel_add(out, n, max, conf_find_key(cf, cf->sigs[i].keyname),
		    cf->sigs[i].identity, domain);
		if (!cf->multisig)
			break;
	}
	return n;
}

/*
 * plain_select - OpenDKIM's order for non-regex tables: user@host, host,
 * user@.parent for each parent domain, .parent for each, user@*, *.
 * Only the first match counts unless multiple_signatures is set.
 */
static size_t
plain_select(const struct conf *cf, const char *addr, const char *domain,
    struct sigsel *out, size_t max)
{
	char key[600], user[512];
	const char *d;
	size_t n = 0, ulen = strcspn(addr, "@"), pass;

	snprintf(user, sizeof(user), "%.*s", (int)ulen, addr);
	for (pass = 0; pass < 6 && (n == 0 || cf->multisig); pass++) {
		switch (pass) {
		case 0:
			n = sig_lookup(cf, addr, domain, out, n, max);
			break;
		case 1:
			n = sig_lookup(cf, domain, domain, out, n, max);
			break;
		case 2:
		case 3:
			for (d = domain; (d = strchr(d, '.')) != NULL &&
			    (n == 0 || cf->multisig); d++) {
				snprintf(key, sizeof(key), "%s%s", pass == 2 ? user : "", pass == 2 ? "@" : "");
				strlcat(key, d, sizeof(key));
				n = sig_lookup(cf, key, domain, out, n, max);
			}
			break;
		case 4:
			snprintf(key, sizeof(key), "%s@*", user);
			n = sig_lookup(cf, key, domain, out, n, max);
			break;
		case 5:
			n = sig_lookup(cf, "*", domain, out, n, max);
			break;
		}
	}
	return n;
}

/*
 * wildmatch - OpenDKIM refile patterns: '*' matches any run of bytes,
 * everything else matches itself, ASCII case-insensitively.
 */
static int
wildmatch(const char *p, const char *s)
{
	const char *star = NULL, *retry = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = ++p;
			retry = s;
		} else if (*p != '\0' && tolower((unsigned char)*p) ==
		    tolower((unsigned char)*s)) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star;
			s = ++retry;
		} else
			return 0;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/*
 * key_kind - a key's type, read from its PEM label without loading it
 * (selection happens before keys are loaded): 1 Ed25519, 0 otherwise.
 */
static int
key_kind(const struct conf *cf, const struct sigkey *k)
{
	struct why why;
	EVP_PKEY *p;
	FILE *fp;
	int kind = 0;

	if (k->pkey != NULL)
		return k->alg == ALG_ED25519_SHA256;
	if (cf->keycache != NULL) {	/* long-lived: decoded once */
		if ((p = keycache_get(cf->keycache, k->keyfile,
		    cf->require_safe_keys, &why)) != NULL)
			kind = EVP_PKEY_get_base_id(p) == EVP_PKEY_ED25519;
		EVP_PKEY_free(p);
		return kind;
	}
	if ((fp = fopen(k->keyfile, "r")) == NULL)
		return 0;
	if ((p = PEM_read_PrivateKey(fp, NULL, NULL, (void *)"")) != NULL)
		kind = EVP_PKEY_get_base_id(p) == EVP_PKEY_ED25519;
	EVP_PKEY_free(p);
	ERR_clear_error();
	fclose(fp);
	return kind;
}

/*
 * rotate - key rotation without cron: drop keys whose activation time
 * has not come; among keys for the same d= and key type of which any
 * has an activation time, keep only the newest active one. Key types
 * are read once per chosen key, and only when rotation is in play.
 */
static size_t
rotate(const struct conf *cf, struct sigsel *out, size_t n, time_t now)
{
	int kind[CONF_MAXSIG], keep, any = 0;
	size_t i, j, o = 0;

	if (n > CONF_MAXSIG)
		n = CONF_MAXSIG;
	for (i = 0; i < n; i++)
		any |= out[i].key->activate != 0;
	if (!any)
		return n;
	for (i = 0; i < n; i++)
		kind[i] = key_kind(cf, out[i].key);
	for (i = 0; i < n; i++) {
		keep = out[i].key->activate <= now;
		for (j = 0; j < n && keep; j++)
			if (j != i && out[j].key->activate <= now &&
			    (out[i].key->activate || out[j].key->activate) &&
			    strcasecmp(out[i].domain, out[j].domain) == 0 &&
			    kind[i] == kind[j] &&
			    (out[j].key->activate > out[i].key->activate ||
			    (j < i && out[j].key->activate == out[i].key->activate)))
				keep = 0;
		if (keep)
			out[o++] = out[i];
	}
	return o;
}

/*
 * conf_select - the keys that sign mail from addr (domain is its
 * lower-case domain), at most max; returns how many. All matching
 * entries are collected, rotation is applied, and then only the first
 * is kept unless multiple_signatures is set. Keys are not loaded here
 * (see conf_sel_key).
 */
size_t
conf_select(const struct conf *cf, const char *addr, const char *domain,
    struct sigsel *out, size_t max)
{
	struct conf all = *cf;
	time_t now = cf->now ? cf->now : time(NULL);
	size_t i, n = 0;

	if (cf->sign_all) {
		for (i = 0; i < cf->nkeys; i++)
			n = sel_add(out, n, max, &cf->keys[i], cf->identity, domain);
		return n;
	}
	all.multisig = 1;
	if (!cf->refile)
		n = plain_select(&all, addr, domain, out, max);
	else
		for (i = 0; i < cf->nsigs; i++)
			if (wildmatch(cf->sigs[i].pattern, addr))
				n = sel_add(out, n, max, conf_find_key(cf, cf->sigs[i].keyname),
				    cf->sigs[i].identity, domain);
	n = rotate(cf, out, n, now);
	return cf->multisig || n == 0 ? n : 1;
}

/*
 * conf_successor - the key that took over from k: the newest key of the
 * same domain and selector-independent group with a later activation
 * time that has already come; NULL if none.
 */
const struct sigkey *
conf_successor(const struct conf *cf, const struct sigkey *k)
{
	const struct sigkey *best = NULL;
	time_t now = cf->now ? cf->now : time(NULL);
	size_t i;

	for (i = 0; i < cf->nkeys; i++) {
		const struct sigkey *o = &cf->keys[i];

		if (o == k || strcasecmp(o->domain, k->domain) != 0 ||
		    o->activate <= k->activate || o->activate > now ||
		    key_kind(cf, o) != key_kind(cf, k))
			continue;
		if (best == NULL || o->activate > best->activate)
			best = o;
	}
	return best;
}

/* conf_parse_time - "2026-12-01", "2026-12-01T08:00:00Z" or "@unixtime" */
int
conf_parse_time(const char *s, time_t *t)
{
	struct tm tm;
	const char *end;
	char *e;
	long long v;

	if (s[0] == '@') {
		v = strtoll(s + 1, &e, 10);
		if (*e != '\0' || e == s + 1 || v < 0)
			return -1;
		*t = (time_t)v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		return -1;
	if (*end == 'T' && (end = strptime(end + 1, "%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*end == 'Z')
		end++;
	if (*end != '\0')
		return -1;
	*t = timegm(&tm);
	return 0;
}

/* conf_sel_key - make sure a chosen key is loaded, for this message */
int
conf_sel_key(struct sigsel *sel, const struct conf *cf, struct why *why)
{
	if (sel->pkey != NULL)
		return 0;
	if (sel->key->pkey != NULL) {
		sel->pkey = sel->key->pkey;
		sel->alg = sel->key->alg;
		return 0;
	}
	if (cf->keycache != NULL)
		sel->pkey = keycache_get(cf->keycache, sel->key->keyfile,
		    cf->require_safe_keys, why);
	else
		sel->pkey = keys_load(sel->key->keyfile, cf->require_safe_keys, why);
	if (sel->pkey == NULL)
		return -1;
	sel->owned = 1;
	return keys_alg(sel->pkey, sel->key->keyfile, &sel->alg, why);
}

void
conf_sel_free(struct sigsel *sel, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (sel[i].owned)
			EVP_PKEY_free(sel[i].pkey);
		sel[i].pkey = NULL;
		sel[i].owned = 0;
	}
}
