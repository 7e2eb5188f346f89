/*
 * keysel - which keys sign a message: SigningTable lookup (OpenDKIM's
 * plain and refile orders), rotation by activation time and, with
 * activation_check = dns, by what the state file says was seen in DNS
 * (keystate.c; keywatch.c looks), and loading the chosen keys for one
 * message.
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
#include "keystate.h"
#include "xmem.h"

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

/* conf_publish_delay - how long a record must be seen before its key signs */
time_t
conf_publish_delay(const struct conf *cf, const struct keyst *e)
{
	if (cf->publish_delay > 0)
		return cf->publish_delay;
	return e != NULL && e->ttl > 300 ? (time_t)e->ttl : 300;
}

/*
 * conf_gate - whether key k may take over from another (activation_check
 * = dns): its record has been seen in DNS holding its public key for at
 * least publish_delay, or it took over once already (a record that goes
 * away later is an error to log, not a reason to go back). A key whose
 * d= is the From domain has no one record to look at and is not gated.
 */
int
conf_gate(const struct conf *cf, const struct sigkey *k, time_t now)
{
	const struct keyst *e;
	char name[320];

	if (!cf->gate || strcmp(k->domain, "%") == 0)
		return 1;
	if (cf->state == NULL || !cf->state->usable)
		return 0;
	keystate_name(name, sizeof(name), k->selector, k->domain);
	if ((e = keystate_find(cf->state, name)) == NULL)
		return 0;
	return e->active != 0 ||
	    (e->seen != 0 && now - e->seen >= conf_publish_delay(cf, e));
}

/* a set of candidate keys for one d=: the keys, their d= and types */
struct cands {
	const struct sigkey	**k;
	const char		**dom;
	int			 *kind;
	size_t			  n;
};

/* same - i and j rotate together: the same d= and key type */
static int
same(const struct cands *c, size_t i, size_t j)
{
	return j != i && strcasecmp(c->dom[i], c->dom[j]) == 0 &&
	    c->kind[i] == c->kind[j];
}

/*
 * eligible - candidate i may sign now: its time has come and, when it
 * replaces an older candidate, it passed the DNS gate
 */
static int
eligible(const struct conf *cf, const struct cands *c, size_t i, time_t now)
{
	time_t a = c->k[i]->activate;
	size_t j;

	if (a > now)
		return 0;
	if (a == 0 || conf_gate(cf, c->k[i], now))
		return 1;
	for (j = 0; j < c->n; j++)
		if (same(c, i, j) && c->k[j]->activate <= now &&
		    (c->k[j]->activate < a || (j < i && c->k[j]->activate == a)))
			return 0;	/* an older one signs until the gate opens */
	return 1;
}

/*
 * pick - which candidates sign now: the eligible ones that no newer
 * eligible candidate of the same d= and type replaces (keys without an
 * activation time do not replace each other)
 */
static void
pick(const struct conf *cf, const struct cands *c, time_t now, int *keep)
{
	int *ok = xcalloc(c->n, sizeof(*ok));
	size_t i, j;

	for (i = 0; i < c->n; i++)
		ok[i] = eligible(cf, c, i, now);
	for (i = 0; i < c->n; i++) {
		time_t a = c->k[i]->activate;

		keep[i] = ok[i];
		for (j = 0; j < c->n && keep[i]; j++)
			if (same(c, i, j) && ok[j] && (a || c->k[j]->activate) &&
			    (c->k[j]->activate > a ||
			    (j < i && c->k[j]->activate == a)))
				keep[i] = 0;
	}
	free(ok);
}

/* conf_key_ed25519 - k is an Ed25519 key (known without decoding it) */
int
conf_key_ed25519(const struct conf *cf, const struct sigkey *k)
{
	return key_kind(cf, k);
}

/*
 * rotate - key rotation without cron: of the keys chosen for a message,
 * drop those that pick() does not keep. Key types are read once per
 * chosen key, and only when rotation is in play.
 */
static size_t
rotate(const struct conf *cf, struct sigsel *out, size_t n, time_t now)
{
	const struct sigkey *k[CONF_MAXSIG];
	const char *dom[CONF_MAXSIG];
	int kind[CONF_MAXSIG], keep[CONF_MAXSIG], any = 0;
	struct cands c = { k, dom, kind, 0 };
	size_t i, o = 0;

	if (n > CONF_MAXSIG)
		n = CONF_MAXSIG;
	for (i = 0; i < n; i++)
		any |= out[i].key->activate != 0;
	if (!any)
		return n;
	for (i = 0; i < n; i++) {
		k[i] = out[i].key;
		dom[i] = out[i].domain;
		kind[i] = key_kind(cf, out[i].key);
	}
	c.n = n;
	pick(cf, &c, now, keep);
	for (i = 0; i < n; i++)
		if (keep[i])
			out[o++] = out[i];
	return o;
}

/*
 * conf_signs_now - whether key k is the one of its d= and type that
 * signs now, among all the configured keys (for the record watch and
 * for "dkimpipe keys"; a message's own choice is conf_select's)
 */
int
conf_signs_now(const struct conf *cf, const struct sigkey *k, time_t now)
{
	struct cands c;
	int *keep, r = 0;
	size_t i, me = 0;

	c.k = xcalloc(cf->nkeys, sizeof(*c.k));
	c.dom = xcalloc(cf->nkeys, sizeof(*c.dom));
	c.kind = xcalloc(cf->nkeys, sizeof(*c.kind));
	keep = xcalloc(cf->nkeys, sizeof(*keep));
	c.n = 0;
	for (i = 0; i < cf->nkeys; i++) {
		if (strcasecmp(cf->keys[i].domain, k->domain) != 0)
			continue;
		if (&cf->keys[i] == k)
			me = c.n;
		c.k[c.n] = &cf->keys[i];
		c.dom[c.n] = cf->keys[i].domain;
		c.kind[c.n++] = key_kind(cf, &cf->keys[i]);
	}
	if (c.n > 0) {
		pick(cf, &c, now, keep);
		r = keep[me];
	}
	free(c.k);
	free(c.dom);
	free(c.kind);
	free(keep);
	return r;
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
 * time that has already come and that passed the DNS gate; NULL if none.
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
		    !conf_gate(cf, o, now) || key_kind(cf, o) != key_kind(cf, k))
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
