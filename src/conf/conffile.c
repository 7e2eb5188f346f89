/*
 * conffile - read dkimpipe.conf.
 *
 * Syntax as in Postfix's main.cf: "name = value"; a line starting with
 * white space continues the previous one; lines starting with # are
 * comments; blank lines are skipped. Unknown names, bad values and
 * inconsistent combinations are reported as "FILE:LINE: ...". After
 * the file, the key source is set up: either the single-key form
 * (domain, selector, keyfile) or OpenDKIM's keytable and signingtable.
 * Keys themselves are loaded only when a message needs them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "buf.h"
#include "conffile.h"
#include "log.h"
#include "smtpout.h"
#include "table.h"
#include "xmem.h"

#define HOSTNAME_CHARS \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"

struct raw {			/* values that need the whole file first */
	char	*domain, *selector, *keyfile, *keytable, *signingtable;
	size_t	 line_single, line_tables;
};

struct ctx {
	struct conf	*cf;
	struct raw	*raw;
	const char	*path;
	size_t		 lineno;
	struct diag	*d;
};

static int
bad(struct ctx *c, const char *name, const char *value, const char *want)
{
	return diag(c->d, EX_CONFIG, "%s:%zu: bad %s value \"%s\" (%s)", c->path,
	    c->lineno, name, value, want);
}

static int
set_bool(struct ctx *c, const char *name, const char *v, int *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0)
		*out = 1;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0)
		*out = 0;
	else
		return bad(c, name, v, "yes or no");
	return 0;
}

/* set_time - seconds, with an optional s, m, h, d or w suffix */
static int
set_time(struct ctx *c, const char *name, const char *v, long *out)
{
	char *end;
	long n, unit = 1;

	errno = 0;
	n = strtol(v, &end, 10);
	switch (*end) {
	case '\0': case 's': break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return bad(c, name, v, "a time like 3600, 60m, 7d");
	}
	if (errno != 0 || end == v || (*end != '\0' && end[1] != '\0') || n < 0 ||
	    n > LONG_MAX / unit / 2)
		return bad(c, name, v, "a time like 3600, 60m, 7d");
	*out = n * unit;
	return 0;
}

/* set_count - a decimal number from 0 to max */
static int
set_count(struct ctx *c, const char *name, const char *v, long long max,
    long long *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 0 || n > max)
		return bad(c, name, v, "a number");
	*out = n;
	return 0;
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

/* param - apply one "name = value" */
static int
param(struct ctx *c, const char *name, const char *v)
{
	struct conf *cf = c->cf;
	long long n = 0;
	long t = 0;

	if (strcmp(name, "domain") == 0) {
		set_str(&c->raw->domain, v);
		c->raw->line_single = c->lineno;
	} else if (strcmp(name, "selector") == 0) {
		set_str(&c->raw->selector, v);
		c->raw->line_single = c->lineno;
	} else if (strcmp(name, "keyfile") == 0) {
		set_str(&c->raw->keyfile, v);
		c->raw->line_single = c->lineno;
	} else if (strcmp(name, "keytable") == 0) {
		set_str(&c->raw->keytable, v);
		c->raw->line_tables = c->lineno;
	} else if (strcmp(name, "signingtable") == 0) {
		set_str(&c->raw->signingtable, v);
		c->raw->line_tables = c->lineno;
	} else if (strcmp(name, "multiple_signatures") == 0) {
		return set_bool(c, name, v, &cf->multisig);
	} else if (strcmp(name, "subdomains") == 0) {
		return set_bool(c, name, v, &cf->subdomains);
	} else if (strcmp(name, "require_safe_keys") == 0) {
		return set_bool(c, name, v, &cf->require_safe_keys);
	} else if (strcmp(name, "canonicalization") == 0) {
		if (conf_set_canon(cf, v) < 0)
			return bad(c, name, v, "relaxed, simple, relaxed/simple, ...");
	} else if (strcmp(name, "sign_headers") == 0) {
		conf_set_list(&cf->hdrs, &cf->nhdrs, v);
	} else if (strcmp(name, "oversign_headers") == 0) {
		conf_set_list(&cf->over, &cf->nover, v);
	} else if (strcmp(name, "signature_lifetime") == 0) {
		if (set_time(c, name, v, &t) < 0)
			return -1;
		cf->expire = t;
	} else if (strcmp(name, "time_limit") == 0) {
		if (set_time(c, name, v, &t) < 0)
			return -1;
		if (t < 1 || t > 86400)
			return bad(c, name, v, "between 1s and 1d");
		cf->timeout = (int)t;
	} else if (strcmp(name, "message_size_limit") == 0) {
		if (set_count(c, name, v, LLONG_MAX / 2, &n) < 0)
			return -1;
		cf->size_limit = (off_t)n;
	} else if (strcmp(name, "lmtp_max_messages") == 0) {
		if (set_count(c, name, v, 1000000, &n) < 0 || n < 1)
			return bad(c, name, v, "between 1 and 1000000");
		cf->lmtp_messages = (int)n;
	} else if (strcmp(name, "lmtp_idle_time") == 0 ||
	    strcmp(name, "lmtp_lifetime") == 0 ||
	    strcmp(name, "lmtp_timeout") == 0) {
		if (set_time(c, name, v, &t) < 0)
			return -1;
		if (t < 1 || t > 86400)
			return bad(c, name, v, "between 1s and 1d");
		if (name[5] == 'i')
			cf->lmtp_idle = (int)t;
		else if (name[5] == 'l')
			cf->lmtp_lifetime = (int)t;
		else
			cf->lmtp_timeout = (int)t;
	} else if (strcmp(name, "reinject") == 0) {
		free(cf->reinject);
		cf->reinject = NULL;
		if (strcmp(v, "sendmail") == 0)
			return 0;
		if (smtpout_parse(v, cf) < 0)
			return bad(c, name, v, "sendmail, or smtp:[address]:port on loopback");
		cf->reinject = xstrdup(v);
	} else if (strcmp(name, "sendmail_path") == 0) {
		if (v[0] != '/')
			return bad(c, name, v, "an absolute path");
		set_str(&cf->sendmail_path, v);
	} else if (strcmp(name, "tmpdir") == 0) {
		set_str(&cf->tmpdir, v);
	} else if (strcmp(name, "on_refusal") == 0) {
		if (strcmp(v, "unsigned") == 0)
			cf->on_refusal = REFUSAL_UNSIGNED;
		else if (strcmp(v, "bounce") == 0)
			cf->on_refusal = REFUSAL_BOUNCE;
		else
			return bad(c, name, v, "unsigned or bounce");
	} else if (strcmp(name, "internal_hosts") == 0) {
		if (origin_parse(&cf->internal, v) < 0)
			return bad(c, name, v, "addresses and networks (192.0.2.0/24, ::1)");
	} else if (strcmp(name, "nameservers") == 0) {
		set_str(&cf->nameservers, v);
	} else if (strcmp(name, "log_to") == 0) {
		if (strcmp(v, "syslog") == 0)
			cf->log_to = LOG_TO_SYSLOG;
		else if (strcmp(v, "stderr") == 0)
			cf->log_to = LOG_TO_STDERR;
		else if (strcmp(v, "syslog,stderr") == 0 || strcmp(v, "both") == 0)
			cf->log_to = LOG_TO_SYSLOG | LOG_TO_STDERR;
		else if (strcmp(v, "postlog") == 0)
			cf->log_to = LOG_TO_POSTLOG;
		else
			return bad(c, name, v, "syslog, stderr, both or postlog");
	} else if (strcmp(name, "smtp_line_length_limit") == 0) {
		if (set_count(c, name, v, 1000000, &n) < 0 || (n > 0 && n < 80))
			return bad(c, name, v, "0, or between 80 and 1000000");
		cf->line_limit = (size_t)n;
	} else if (strcmp(name, "add_missing_headers") == 0) {
		return set_bool(c, name, v, &cf->add_missing);
	} else if (strcmp(name, "myhostname") == 0) {
		if (v[0] == '\0' || v[strspn(v, HOSTNAME_CHARS)] != '\0' ||
		    strlen(v) > 253)
			return bad(c, name, v, "a host name");
		set_str(&cf->myhostname, v);
	} else if (strcmp(name, "postlog_socket") == 0) {
		set_str(&cf->postlog_socket, v);
	} else if (strcmp(name, "postlog_command") == 0) {
		set_str(&cf->postlog_command, v);
	} else
		return diag(c->d, EX_CONFIG, "%s:%zu: unknown parameter %s", c->path,
		    c->lineno, name);
	return 0;
}

/* entry - split one logical line into name and value */
static void
entry(struct ctx *c, char *s)
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
	(void)param(c, name, v);
}

/* keysource - set up keys from the single-key form or the tables */
static void
keysource(struct ctx *c)
{
	struct raw *r = c->raw;
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

/* conffile_read - read the file; 0, or -1 when any problem was found */
int
conffile_read(struct conf *cf, const char *path, struct diag *d)
{
	struct raw raw;
	struct ctx c = { cf, &raw, path, 0, d };
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
			entry(&c, logical.data);
			c.lineno = here;
		}
		buf_reset(&logical);
		buf_adds(&logical, line);
		start = c.lineno;
	}
	if (logical.len > 0) {
		c.lineno = start;
		entry(&c, logical.data);
	}
	fclose(fp);
	buf_free(&logical);
	keysource(&c);
	free(raw.domain);
	free(raw.selector);
	free(raw.keyfile);
	free(raw.keytable);
	free(raw.signingtable);
	return d->count > 0 ? -1 : 0;
}
