/*
 * conf - the configuration record shared by every mode: freeing it,
 * its header lists, key list and activation times. Its defaults are the
 * parameter table's (conf_defaults() is in params.c).
 *
 * The file formats (dkimpipe.conf, OpenDKIM KeyTable and SigningTable)
 * are read by conffile.c and table.c; which keys sign a message is
 * keysel.c's. It does no I/O except loading key files in
 * conf_load_keys().
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include "conf.h"
#include "keystate.h"
#include "xmem.h"

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

	free_list(cf->sp.hdrs, cf->sp.nhdrs);
	free_list(cf->sp.over, cf->sp.nover);
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
	free(cf->state_file);
	free_list(cf->rotate, cf->nrotate);
	free(cf->rotate_selector);
	free(cf->rotate_dir);
	free(cf->publish_command);
	free(cf->reveal_dir);
	if (cf->state != NULL)
		keystate_free(cf->state);
	free(cf->state);
	memset(cf, 0, sizeof(*cf));
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

/* conf_key_of - the configured key of domain and selector, or NULL */
const struct sigkey *
conf_key_of(const struct conf *cf, const char *domain, const char *selector)
{
	size_t i;

	for (i = 0; i < cf->nkeys; i++)
		if (strcasecmp(cf->keys[i].domain, domain) == 0 &&
		    strcmp(cf->keys[i].selector, selector) == 0)
			return &cf->keys[i];
	return NULL;
}

/* time_shape - "YYYY-MM-DD", optionally "THH:MM:SS", optionally "Z" */
static int
time_shape(const char *s)
{
	static const char date[] = "dddd-dd-dd", clock[] = "Tdd:dd:dd";
	size_t i, n = strlen(s);

	if (n > 0 && s[n - 1] == 'Z')
		n--;
	if (n != 10 && n != 19)
		return 0;
	for (i = 0; i < n; i++) {
		char want = i < 10 ? date[i] : clock[i - 10];

		if (want == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != want)
			return 0;
	}
	return 1;
}

/*
 * conf_parse_time - "2026-12-01", "2026-12-01T08:00:00Z" (UTC; the Z
 * may go) or "@unixtime"; a date that does not exist (February 30,
 * hour 24) or lies before 1970 is refused, not moved
 */
int
conf_parse_time(const char *s, time_t *t)
{
	struct tm tm, want;
	const char *err;
	long long v;

	if (s[0] == '@') {
		v = strtonum(s + 1, 0, 253402300799LL, &err);
		if (err != NULL || !isdigit((unsigned char)s[1]))
			return -1;
		*t = (time_t)v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if (!time_shape(s) || strptime(s, strlen(s) >= 19 ? "%Y-%m-%dT%H:%M:%S" :
	    "%Y-%m-%d", &tm) == NULL)
		return -1;
	want = tm;
	if ((v = (long long)timegm(&tm)) < 0 || tm.tm_mday != want.tm_mday ||
	    tm.tm_mon != want.tm_mon || tm.tm_hour != want.tm_hour ||
	    tm.tm_min != want.tm_min || tm.tm_sec != want.tm_sec)
		return -1;		/* timegm() moved it: no such time */
	*t = (time_t)v;
	return 0;
}

/*
 * conf_rotating - rotation is in play: a key has an activation time, or
 * a domain rotates on a schedule
 */
int
conf_rotating(const struct conf *cf)
{
	size_t i;

	if (cf->nrotate > 0)
		return 1;
	for (i = 0; i < cf->nkeys; i++)
		if (cf->keys[i].activate != 0)
			return 1;
	return 0;
}

/*
 * conf_load_state - read the DNS gate's state file when rotation is in
 * play and gated; one that cannot be used holds every successor back
 * (keysel.c), and keywatch.c says why
 */
void
conf_load_state(struct conf *cf)
{
	if (!cf->gate || !conf_rotating(cf) || cf->state != NULL)
		return;
	cf->state = xmalloc(sizeof(*cf->state));
	keystate_init(cf->state);
	(void)keystate_read(cf->state, cf->state_file);
}
