/*
 * conf - defaults, key list and key selection shared by every mode.
 *
 * The file formats (dkimpipe.conf, OpenDKIM KeyTable and SigningTable)
 * are read by conffile.c and table.c; this module holds the result and
 * answers "which keys sign mail from this address". It does no I/O
 * except loading key files in conf_load_keys().
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "conf.h"
#include "xmem.h"

static const char def_hdrs[] =
    "From:Reply-To:Subject:Date:To:Cc:Resent-Date:Resent-From:Resent-To:"
    "Resent-Cc:In-Reply-To:References:Message-ID:MIME-Version:"
    "Content-Type:Content-Transfer-Encoding:Content-ID:Content-Description:"
    "Content-Disposition:Content-Language:Sender:List-Id:List-Help:"
    "List-Unsubscribe:List-Unsubscribe-Post:List-Subscribe:List-Post:"
    "List-Owner:List-Archive:Autocrypt:Openpgp";
static const char def_over[] =
    "From:Reply-To:Subject:Date:To:Cc:In-Reply-To:References:Message-ID:"
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
	}
	free(cf->sigs);
	free(cf->identity);
	free(cf->tmpdir);
	free(cf->sendmail_path);
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

/* find_key - a key by KeyTable name */
static struct sigkey *
find_key(const struct conf *cf, const char *name)
{
	size_t i;

	for (i = 0; i < cf->nkeys; i++)
		if (strcmp(cf->keys[i].name, name) == 0)
			return &cf->keys[i];
	return NULL;
}

/*
 * sig_match - does a SigningTable pattern match this address? Without
 * refile: the full address, then the domain, then (with subdomains) each
 * parent domain, like OpenDKIM's plain-file lookups. With refile: a
 * glob matched against the whole address, case-insensitively.
 */
static int
sig_match(const struct conf *cf, const char *pat, const char *addr,
    const char *domain)
{
	const char *d;

	if (cf->refile)
		return fnmatch(pat, addr, FNM_CASEFOLD) == 0;
	if (strcasecmp(pat, addr) == 0 || strcasecmp(pat, domain) == 0)
		return 1;
	if (!cf->subdomains)
		return 0;
	for (d = strchr(domain, '.'); d != NULL; d = strchr(d + 1, '.'))
		if (strcasecmp(pat, d + 1) == 0 ||
		    (pat[0] == '.' && strcasecmp(pat, d) == 0))
			return 1;
	return 0;
}

/*
 * conf_select - the keys that sign mail from addr@domain, at most max,
 * each with its d=: a KeyTable "%" domain is replaced by the From
 * domain. Returns how many.
 */
size_t
conf_select(const struct conf *cf, const char *addr, const char *domain,
    struct sigsel *out, size_t max)
{
	const struct sigkey *k;
	size_t i, n = 0;

	if (cf->sign_all) {
		for (i = 0; i < cf->nkeys && n < max; i++, n++) {
			out[n].key = &cf->keys[i];
			out[n].domain = cf->keys[i].domain;
		}
		return n;
	}
	for (i = 0; i < cf->nsigs && n < max; i++) {
		if (!sig_match(cf, cf->sigs[i].pattern, addr, domain) ||
		    (k = find_key(cf, cf->sigs[i].keyname)) == NULL)
			continue;
		out[n].key = k;
		out[n].domain = strcmp(k->domain, "%") == 0 ? domain : k->domain;
		n++;
	}
	return n;
}
