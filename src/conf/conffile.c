/*
 * conffile - read dkimpipe.conf.
 *
 * Syntax as in Postfix's main.cf: "name = value"; a line starting with
 * white space continues the previous one; lines starting with # are
 * comments; blank lines are skipped. Each value goes through the
 * parameter table (params.c), which knows the names, types, defaults and
 * bounds and reports unknown names and bad values as "FILE:LINE: ...".
 * After the file, the key source is set up here: either the single-key
 * form (domain, selector, keyfile) or OpenDKIM's keytable and
 * signingtable (read by table.c). Keys themselves are loaded only when a
 * message needs them.
 *
 * A parameter given twice: the signer takes the last value, as Postfix
 * does in main.cf; conffile_check() (dkimpipe check) also reports it as
 * "FILE:LINE: NAME given twice (first at line N)".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "conffile.h"
#include "keyrotate.h"
#include "params.h"
#include "table.h"
#include "xmem.h"

/*
 * twice - with first (check), report a parameter given before; first[i]
 * is the line of params[i]'s first occurrence
 */
static void
twice(struct params_ctx *c, size_t *first, const char *name)
{
	const struct param *p;

	if (first == NULL || (p = params_find(name)) == NULL)
		return;
	if (first[p - params] != 0)
		diag(c->d, EX_CONFIG, "%s:%zu: %s given twice (first at line %zu)",
		    c->path, c->lineno, name, first[p - params]);
	else
		first[p - params] = c->lineno;
}

/* entry - split one logical line into name and value */
static void
entry(struct params_ctx *c, size_t *first, char *s)
{
	char *eq, *name, *v, *end;

	for (v = s; *v != '\0'; v++)
		if (*v == '\r' || *v == '\n')
			*v = ' ';
	if ((eq = strchr(s, '=')) == NULL) {
		diag(c->d, EX_CONFIG, "%s:%zu: expected \"name = value\"", c->path,
		    c->lineno);
		return;
	}
	*eq = '\0';
	name = s + strspn(s, " \t");
	for (end = eq; end > name && strchr(" \t", end[-1]); end--)
		;
	*end = '\0';
	v = eq + 1 + strspn(eq + 1, " \t\r\n");
	for (end = v + strlen(v); end > v && strchr(" \t\r\n", end[-1]); end--)
		;
	*end = '\0';
	if (*name == '\0' || name[strcspn(name, " \t")] != '\0') {
		diag(c->d, EX_CONFIG, "%s:%zu: bad parameter name", c->path, c->lineno);
		return;
	}
	twice(c, first, name);
	(void)params_set(c, name, v);
}

/* keysource - set up keys from the single-key form or the tables */
static void
keysource(struct params_ctx *c)
{
	struct params_raw *r = c->raw;
	struct conf *cf = c->cf;
	int single = r->domain || r->selector || r->keyfile;
	int tables = r->keytable || r->signingtable;

	c->lineno = single ? r->line_single : r->line_tables;
	if (single && tables) {
		diag(c->d, EX_CONFIG, "%s: use either domain/selector/keyfile or "
		    "keytable/signingtable, not both", c->path);
	} else if (single) {
		if (!r->domain || !r->selector || !r->keyfile) {
			diag(c->d, EX_CONFIG, "%s: domain, selector and keyfile go together",
			    c->path);
			return;
		}
		conf_add_key(cf, "default", r->domain, r->selector, r->keyfile);
		c->cf->refile = 0;
		cf->sigs = xcalloc(2, sizeof(*cf->sigs));
		cf->sigs[0].pattern = xstrdup(r->domain);
		cf->sigs[0].keyname = xstrdup("default");
		cf->nsigs = 1;
		if (cf->subdomains) {
			cf->sigs[1].pattern = xcalloc(1, strlen(r->domain) + 2);
			cf->sigs[1].pattern[0] = '.';
			memcpy(cf->sigs[1].pattern + 1, r->domain, strlen(r->domain) + 1);
			cf->sigs[1].keyname = xstrdup("default");
			cf->nsigs = 2;
		}
	} else if (tables) {
		if (!r->keytable || !r->signingtable) {
			diag(c->d, EX_CONFIG, "%s: keytable and signingtable go together",
			    c->path);
			return;
		}
		if (table_read_keys(cf, r->keytable, c->d) == 0 &&
		    table_read_signing(cf, r->signingtable, c->d) == 0)
			(void)table_check_names(cf, c->d);
	} else
		diag(c->d, EX_CONFIG, "%s: no keys: set domain, selector and keyfile, "
		    "or keytable and signingtable", c->path);
}

/* read_conf - read the file (first: see twice); 0, or -1 on any problem */
static int
read_conf(struct conf *cf, const char *path, struct diag *d, size_t *first)
{
	struct params_raw raw;
	struct params_ctx c = { cf, &raw, path, 0, d };
	struct buf logical;
	char line[4096];
	size_t start = 0;
	FILE *fp;

	memset(&raw, 0, sizeof(raw));
	cf->path = path;
	if ((fp = fopen(path, "r")) == NULL)
		return diag(d, EX_CONFIG, "cannot open %s: %s", path, strerror(errno));
	buf_init(&logical);
	while (fgets(line, sizeof(line), fp) != NULL) {
		c.lineno++;
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (line[0] == ' ' || line[0] == '\t') {
			if (logical.len == 0)
				diag(d, EX_CONFIG, "%s:%zu: continuation line without a "
				    "parameter", path, c.lineno);
			else
				buf_adds(&logical, line);
			continue;
		}
		if (logical.len > 0) {
			size_t here = c.lineno;

			c.lineno = start;
			entry(&c, first, logical.data);
			c.lineno = here;
		}
		buf_reset(&logical);
		buf_adds(&logical, line);
		start = c.lineno;
	}
	if (logical.len > 0) {
		c.lineno = start;
		entry(&c, first, logical.data);
	}
	fclose(fp);
	buf_free(&logical);
	keysource(&c);
	params_raw_free(&raw);
	conf_load_state(cf);
	keyrotate_keys(cf);
	return d->count > 0 ? -1 : 0;
}

/* conffile_read - read the file; 0, or -1 when any problem was found */
int
conffile_read(struct conf *cf, const char *path, struct diag *d)
{
	return read_conf(cf, path, d, NULL);
}

/*
 * conffile_check - conffile_read, also reporting each parameter given
 * twice (dkimpipe check; the signer itself takes the last value)
 */
int
conffile_check(struct conf *cf, const char *path, struct diag *d)
{
	size_t *first = xcalloc(params_count, sizeof(*first));
	int rc;

	rc = read_conf(cf, path, d, first);
	free(first);
	return rc;
}
