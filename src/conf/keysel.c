/*
 * keysel - which keys sign a message: SigningTable lookup (OpenDKIM's
 * plain and refile orders), rotation by activation time, and loading
 * the chosen keys for one message.
 *
 * It reads key files only to tell a key's type before loading it
 * (rotation groups keys by domain and type) and to load the chosen keys;
 * it parses no configuration (conffile.c, table.c) and signs nothing.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "conf.h"
#include "keycache.h"
#include "keys.h"
#include "keysel.h"

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
 * parents - user@.parent, then .parent, for each parent domain of
 * domain, nearest first (OpenDKIM's dkimf_apply_signtable order)
 */
static size_t
parents(const struct conf *cf, const char *user, const char *domain,
    struct sigsel *out, size_t n, size_t max)
{
	char key[600];
	const char *d;

	for (d = domain; (d = strchr(d, '.')) != NULL && (n == 0 || cf->multisig);
	    d++) {
		snprintf(key, sizeof(key), "%s@%s", user, d);
		n = sig_lookup(cf, key, domain, out, n, max);
		if (n == 0 || cf->multisig)
			n = sig_lookup(cf, d, domain, out, n, max);
	}
	return n;
}

/*
 * plain_select - OpenDKIM's order for non-regex tables: user@host, host,
 * user@.parent and .parent for each parent domain, user@*, *. Only the
 * first match counts unless multiple_signatures is set.
 */
static size_t
plain_select(const struct conf *cf, const char *addr, const char *domain,
    struct sigsel *out, size_t max)
{
	char key[600], user[512];
	size_t n = 0, ulen = strcspn(addr, "@"), pass;

	snprintf(user, sizeof(user), "%.*s", (int)ulen, addr);
	for (pass = 0; pass < 5 && (n == 0 || cf->multisig); pass++) {
		switch (pass) {
		case 0:
			n = sig_lookup(cf, addr, domain, out, n, max);
			break;
		case 1:
			n = sig_lookup(cf, domain, domain, out, n, max);
			break;
		case 2:
			n = parents(cf, user, domain, out, n, max);
			break;
		case 3:
			snprintf(key, sizeof(key), "%s@*", user);
			n = sig_lookup(cf, key, domain, out, n, max);
			break;
		case 4:
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
int
keysel_wildmatch(const char *p, const char *s)
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
 * key_kind - a key's type, 1 Ed25519, 0 otherwise, known before any key
 * is loaded (selection comes first): from the loaded key when there is
 * one, else from the PEM text (keys_kind(), with the safe-key checks),
 * so that no key is decoded for this. A key that cannot be read counts
 * as RSA here; loading it fails later with the reason.
 */
static int
key_kind(const struct conf *cf, const struct sigkey *k)
{
	struct why why;
	enum alg alg;

	if (k->pkey != NULL)
		return k->alg == ALG_ED25519_SHA256;
	return keys_kind(k->keyfile, cf->require_safe_keys, &alg, &why) == 0 &&
	    alg == ALG_ED25519_SHA256;
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
			if (keysel_wildmatch(cf->sigs[i].pattern, addr))
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

/*
 * conf_sel_key - make sure a chosen key is loaded, for this message:
 * from kc, a long-lived process's cache of decoded keys, when given
 */
int
conf_sel_key(struct sigsel *sel, const struct conf *cf, struct keycache *kc,
    struct why *why)
{
	if (sel->pkey != NULL)
		return 0;
	if (sel->key->pkey != NULL) {
		sel->pkey = sel->key->pkey;
		sel->alg = sel->key->alg;
		return 0;
	}
	if (kc != NULL)
		sel->pkey = keycache_get(kc, sel->key->keyfile,
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
