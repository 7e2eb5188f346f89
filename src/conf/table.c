/*
 * table - read OpenDKIM's KeyTable and SigningTable files.
 *
 * KeyTable lines:      keyname  domain:selector:/path/to/key
 *                      [activate=TIME]   (dkimpipe extension, rotation)
 * SigningTable lines:  pattern  keyname  [signer-identity]
 * Blank lines and lines starting with # are skipped. A dataset may be
 * named as "file:PATH" or "PATH"; the SigningTable also as
 * "refile:PATH", whose patterns are wildcards matched against the From
 * address. Keys given inline (not as a path) and other dataset types
 * (db:, ldap:, ...) are refused with a clear message. Problems carry
 * "FILE:LINE:". This module does not load keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "table.h"
#include "xmem.h"

#define LINE_MAX_LEN	4096

/* dataset - strip a "file:"/"refile:" prefix; refuse other kinds */
static const char *
dataset(const char *spec, int *refile, struct diag *d)
{
	const char *colon = strchr(spec, ':');

	*refile = 0;
	if (strncmp(spec, "file:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "refile:", 7) == 0) {
		*refile = 1;
		return spec + 7;
	}
	if (colon != NULL && strchr(spec, '/') > colon) {
		diag(d, EX_CONFIG, "unsupported table type in %s (only file: and refile:)",
		    spec);
		return NULL;
	}
	return spec;
}

/* fields - split a line into up to max white-space separated fields */
static size_t
fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line, *t;

	while (n < max && (t = strsep(&p, " \t\r\n")) != NULL)
		if (*t != '\0')
			f[n++] = t;
	while (p != NULL && (t = strsep(&p, " \t\r\n")) != NULL)
		if (*t != '\0')
			return max + 1;
	return n;
}

/* each_line - call fn for each meaningful line of a table file */
static int
each_line(const char *path, struct diag *d, void *ctx,
    void (*fn)(void *, char **, size_t, const char *, size_t, struct diag *),
    size_t max)
{
	char line[LINE_MAX_LEN], *f[4];
	size_t lineno = 0, n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		return diag(d, EX_CONFIG, "cannot open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			diag(d, EX_CONFIG, "%s:%zu: line too long", path, lineno);
			break;
		}
		n = fields(line, f, max);
		if (n == 0 || f[0][0] == '#')
			continue;
		fn(ctx, f, n, path, lineno, d);
	}
	fclose(fp);
	return 0;
}

/* key_line - one KeyTable line */
static void
key_line(void *ctx, char **f, size_t n, const char *path, size_t lineno,
    struct diag *d)
{
	struct conf *cf = ctx;
	struct sigkey *k;
	char *dom, *sel, *file;
	time_t act = 0;

	if (n == 3 && (strncmp(f[2], "activate=", 9) != 0 ||
	    conf_parse_time(f[2] + 9, &act) < 0)) {
		diag(d, EX_CONFIG, "%s:%zu: expected activate=YYYY-MM-DD[THH:MM:SSZ] "
		    "or activate=@UNIXTIME, not \"%s\"", path, lineno, f[2]);
		return;
	}
	if (n != 2 && n != 3) {
		diag(d, EX_CONFIG, "%s:%zu: expected \"name domain:selector:keyfile\"",
		    path, lineno);
		return;
	}
	dom = f[1];
	if ((sel = strchr(dom, ':')) == NULL || (file = strchr(sel + 1, ':')) == NULL) {
		diag(d, EX_CONFIG, "%s:%zu: expected \"domain:selector:keyfile\" for key %s",
		    path, lineno, f[0]);
		return;
	}
	*sel++ = '\0';
	*file++ = '\0';
	if (*dom == '\0' || *sel == '\0' || *file == '\0') {
		diag(d, EX_CONFIG, "%s:%zu: empty domain, selector or key file", path,
		    lineno);
		return;
	}
	if (file[0] != '/' && strncmp(file, "./", 2) != 0 &&
	    strncmp(file, "../", 3) != 0) {
		diag(d, EX_CONFIG, "%s:%zu: key %s: inline keys are not supported; "
		    "give the path of a key file", path, lineno, f[0]);
		return;
	}
	if (conf_find_key(cf, f[0]) != NULL) {
		diag(d, EX_CONFIG, "%s:%zu: key %s defined twice", path, lineno, f[0]);
		return;
	}
	k = conf_add_key(cf, f[0], dom, sel, file);
	k->activate = act;
}

/* sig_line - one SigningTable line */
static void
sig_line(void *ctx, char **f, size_t n, const char *path, size_t lineno,
    struct diag *d)
{
	struct conf *cf = ctx;
	struct signent *s;

	if (n < 2 || n > 3) {
		diag(d, EX_CONFIG, "%s:%zu: expected \"pattern keyname [identity]\"",
		    path, lineno);
		return;
	}
	cf->sigs = xreallocarray(cf->sigs, cf->nsigs + 1, sizeof(*cf->sigs));
	s = &cf->sigs[cf->nsigs++];
	s->pattern = xstrdup(f[0]);
	s->keyname = xstrdup(f[1]);
	s->identity = n == 3 ? xstrdup(f[2]) : NULL;
	s->lineno = lineno;
}

int
table_read_keys(struct conf *cf, const char *spec, struct diag *d)
{
	const char *path;
	int refile;

	if ((path = dataset(spec, &refile, d)) == NULL)
		return -1;
	if (refile)
		return diag(d, EX_CONFIG, "keytable %s cannot be a refile: table", spec);
	free(cf->keytable);
	cf->keytable = xstrdup(path);
	return each_line(path, d, cf, key_line, 3);
}

int
table_read_signing(struct conf *cf, const char *spec, struct diag *d)
{
	const char *path;

	if ((path = dataset(spec, &cf->refile, d)) == NULL)
		return -1;
	free(cf->signingtable);
	cf->signingtable = xstrdup(path);
	return each_line(path, d, cf, sig_line, 3);
}

/* table_check_names - every SigningTable key name is in the KeyTable */
int
table_check_names(const struct conf *cf, struct diag *d)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < cf->nsigs; i++)
		if (conf_find_key(cf, cf->sigs[i].keyname) == NULL)
			rc = diag(d, EX_CONFIG, "%s:%zu: unknown key %s (not in %s)",
			    cf->signingtable, cf->sigs[i].lineno, cf->sigs[i].keyname,
			    cf->keytable ? cf->keytable : "the KeyTable");
	return rc;
}
