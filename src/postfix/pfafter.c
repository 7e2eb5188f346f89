/*
 * pfafter - the Postfix side of "dkimpipe check" after the signer: what
 * would Postfix change in a signed copy on its way out, and so break its
 * signature? Asks postconf(1) three questions, once each: "-M"
 * (master.cf), "-Px" (its -o overrides) and "-x" (main.cf, defaults
 * included, $names expanded). Then it follows the copy: into the
 * re-injection service (pickup for sendmail re-injection, or the smtpd
 * that listens on the reinject address), through that service's
 * cleanup(8), and out through the smtp(8) and lmtp(8) client transports.
 * Each setting that would change the copy is one warning, naming the
 * parameter, where it is set and what to change; none is an error.
 *
 * It judges an instance only when the signed copy enters it: its
 * master.cf runs dkimpipe and re-injection is through sendmail, or it
 * has a listener on the reinject address (MAIL_CONFIG names a second
 * instance). It does not read lookup tables (what a header_checks or
 * generic map matches) and cannot see transport_maps routes; of the
 * client transports it skips those that run before the signer: a
 * content filter's, and an LMTP client that no routing parameter names
 * (dkimlmtp, which feeds the signer).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "log.h"
#include "pfafter.h"
#include "postconf.h"
#include "xmem.h"

#define PFAFTER_DUMP_MAX	(256 * 1024)	/* bytes of one postconf answer */
#define PFAFTER_CLIENTS		32		/* client transports judged */
#define PFAFTER_VALUE		1024		/* bytes of one parameter value */
#define PFAFTER_WHERE		256		/* "main.cf; used by smtp/unix, ..." */

struct client {
	char	 name[160];	/* "relay/unix" */
	char	 prefix[8];	/* its parameters' prefix: "smtp" or "lmtp" */
};

struct after {
	const struct conf *cf;
	char	*master;	/* postconf -M */
	char	*over;		/* postconf -Px */
	char	*main;		/* postconf -x */
	char	 rcv[160];	/* the re-injection service, "pickup/unix" */
	char	 clean[160];	/* its cleanup service, "cleanup/unix" */
	char	 opts[PFAFTER_VALUE];	/* its receive_override_options */
	char	 rewriter[PFAFTER_VALUE + 64]; /* why its cleanup rewrites headers */
	int	 first_ctx;	/* the first cleanup rewrites every client's headers */
	struct client clients[PFAFTER_CLIENTS];
	size_t	 nclients;
};

/* one master.cf entry: the fields used here */
struct entry {
	char		 name[128];
	char		 type[16];
	char		 cmd[64];
	const char	*line;		/* the whole line, not terminated */
	size_t		 len;
};

/*
 * param - name's value for service svc (its -o override, else main.cf;
 * svc NULL: main.cf) in out, and where it is set in where
 */
static void
param(const struct after *a, const char *svc, const char *name, char *out,
    size_t size, char *where, size_t wsize)
{
	char key[256];

	if (svc != NULL) {
		snprintf(key, sizeof(key), "%s/%s", svc, name);
		if (postconf_dump_get(a->over, key, out, size) == 0) {
			snprintf(where, wsize, "master.cf %s", svc);
			return;
		}
	}
	snprintf(where, wsize, "main.cf");
	(void)postconf_dump_get(a->main, name, out, size);
}

/* oversigned - is a header field name in dkimpipe's oversign_headers */
static int
oversigned(const struct conf *cf, const char *name)
{
	size_t i;

	for (i = 0; i < cf->sp.nover; i++)
		if (strcasecmp(cf->sp.over[i], name) == 0)
			return 1;
	return 0;
}

/* master_next - the next entry of "postconf -M" at *pp: 1, or 0 at the end */
static int
master_next(const char **pp, struct entry *e)
{
	char line[512];
	const char *p;
	size_t n;

	for (p = *pp; *p != '\0'; p = *pp) {
		n = strcspn(p, "\n");
		*pp = p + n + (p[n] == '\n');
		e->line = p;
		e->len = n;
		/* the first eight fields are all we read */
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (sscanf(line, "%127s %15s %*s %*s %*s %*s %*s %63s", e->name,
		    e->type, e->cmd) == 3)
			return 1;
	}
	return 0;
}

/* find_entry - the first entry of this type and command, as "name/type" */
static int
find_entry(const struct after *a, const char *name, const char *type,
    const char *cmd, char *out, size_t size)
{
	const char *p = a->master;
	struct entry e;

	while (master_next(&p, &e))
		if ((name == NULL || strcmp(e.name, name) == 0) &&
		    strcmp(e.type, type) == 0 && strcmp(e.cmd, cmd) == 0) {
			snprintf(out, size, "%s/%s", e.name, e.type);
			return 0;
		}
	return -1;
}

/* runs_signer - does an entry of this master.cf run dkimpipe */
static int
runs_signer(const struct after *a)
{
	const char *p = a->master;
	struct entry e;

	while (master_next(&p, &e))
		if (memmem(e.line, e.len, "dkimpipe deliver", 16) != NULL ||
		    memmem(e.line, e.len, "dkimpipe lmtp", 13) != NULL)
			return 1;
	return 0;
}

/*
 * find_listener - the smtpd on the reinject address "smtp:[addr]:port":
 * "addr:port" ("[addr]:port" for IPv6) or "port" in master.cf
 */
static int
find_listener(struct after *a)
{
	const char *r = a->cf->reinject, *port = strrchr(r, ':');
	char want[160];
	int n;

	if (strncmp(r, "smtp:[", 6) != 0 || port == NULL || port - r < 8 ||
	    port[-1] != ']')
		return -1;
	n = (int)(port - r - 7);
	if (memchr(r + 6, ':', (size_t)n) != NULL)
		snprintf(want, sizeof(want), "[%.*s]%s", n, r + 6, port);
	else
		snprintf(want, sizeof(want), "%.*s%s", n, r + 6, port);
	if (find_entry(a, want, "inet", "smtpd", a->rcv, sizeof(a->rcv)) == 0)
		return 0;
	return find_entry(a, port + 1, "inet", "smtpd", a->rcv, sizeof(a->rcv));
}

/*
 * find_path - the service the signed copy re-enters this instance
 * through, its cleanup and its receive_override_options: 0, or -1 when
 * the copy does not enter this instance
 */
static int
find_path(struct after *a)
{
	char v[PFAFTER_VALUE], where[PFAFTER_WHERE];

	if (a->cf->reinject == NULL) {
		if (!runs_signer(a) ||
		    find_entry(a, NULL, "unix", "pickup", a->rcv, sizeof(a->rcv)) < 0)
			return -1;
	} else if (find_listener(a) < 0)
		return -1;
	param(a, a->rcv, "cleanup_service_name", v, sizeof(v), where, sizeof(where));
	snprintf(a->clean, sizeof(a->clean), "%.120s/unix",
	    v[0] != '\0' ? v : "cleanup");
	param(a, a->rcv, "receive_override_options", a->opts, sizeof(a->opts),
	    where, sizeof(where));
	return 0;
}

/* append - add ", NAME = VALUE (WHERE)" to a list */
static void
append(char *list, size_t size, const char *name, const char *v,
    const char *where)
{
	size_t n = strlen(list);

	snprintf(list + n, size - n, "%s%s = %.200s (%s)", n ? ", " : "", name,
	    v, where);
}

/*
 * check_content - header and body checks at the re-injection's cleanup
 * (and message_strip_characters, which they enable): a PREPEND, REPLACE
 * or IGNORE there changes the signed copy
 */
static void
check_content(const struct after *a)
{
	static const char *const names[] = { "header_checks",
	    "mime_header_checks", "nested_header_checks", "body_checks",
	    "message_strip_characters" };
	char v[PFAFTER_VALUE], hc[PFAFTER_VALUE], where[PFAFTER_WHERE];
	char list[2048] = "";
	size_t i;

	if (postconf_has_word(a->opts, "no_header_body_checks"))
		return;
	param(a, a->clean, names[0], hc, sizeof(hc), where, sizeof(where));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		param(a, a->clean, names[i], v, sizeof(v), where, sizeof(where));
		/* mime_ and nested_header_checks default to $header_checks */
		if (v[0] == '\0' || ((i == 1 || i == 2) && strcmp(v, hc) == 0))
			continue;
		append(list, sizeof(list), names[i], v, where);
	}
	if (list[0] != '\0')
		log_warn("%s: applied again at the re-injection's cleanup (%s, "
		    "mail from %s), where a PREPEND, REPLACE or IGNORE action "
		    "changes signed mail; add no_header_body_checks to "
		    "receive_override_options on %s", list, a->clean, a->rcv, a->rcv);
}

/* check_milters - milters on the re-injection see and may change signed mail */
static void
check_milters(const struct after *a)
{
	char v[PFAFTER_VALUE], where[PFAFTER_WHERE], list[2048] = "";

	if (postconf_has_word(a->opts, "no_milters"))
		return;
	if (a->cf->reinject != NULL) {
		param(a, a->rcv, "smtpd_milters", v, sizeof(v), where, sizeof(where));
		if (v[0] != '\0')
			append(list, sizeof(list), "smtpd_milters", v, where);
		param(a, a->rcv, "smtpd_milter_maps", v, sizeof(v), where,
		    sizeof(where));
		if (v[0] != '\0')
			append(list, sizeof(list), "smtpd_milter_maps", v, where);
	} else {
		param(a, a->clean, "non_smtpd_milters", v, sizeof(v), where,
		    sizeof(where));
		if (v[0] != '\0')
			append(list, sizeof(list), "non_smtpd_milters", v, where);
	}
	if (list[0] != '\0')
		log_warn("%s: run on the signed copy re-injected through %s, where "
		    "a milter that changes header fields or the body breaks the "
		    "signature; add no_milters to receive_override_options on %s",
		    list, a->rcv, a->rcv);
}

/*
 * check_rewrite - does the re-injection's cleanup rewrite addresses in
 * header fields: for a local client (local_header_rewrite_clients on the
 * re-injection smtpd; sendmail -G is never one) or with a
 * remote_header_rewrite_domain. The first cleanup, before the signer,
 * did so for local clients, and for all with that domain in main.cf.
 */
static void
check_rewrite(struct after *a)
{
	char v[PFAFTER_VALUE], where[PFAFTER_WHERE];

	a->rewriter[0] = '\0';
	param(a, NULL, "remote_header_rewrite_domain", v, sizeof(v), where,
	    sizeof(where));
	a->first_ctx = v[0] != '\0';
	if (a->cf->reinject != NULL) {
		param(a, a->rcv, "local_header_rewrite_clients", v, sizeof(v), where,
		    sizeof(where));
		if (v[0] != '\0') {
			snprintf(a->rewriter, sizeof(a->rewriter),
			    "local_header_rewrite_clients = %.200s (%s)", v, where);
			log_warn("%s: the re-injection smtpd %s treats the signer as a "
			    "local client, so its cleanup rewrites addresses in signed "
			    "header fields (completes them, applies canonical maps and "
			    "masquerading) and adds missing ones; set "
			    "local_header_rewrite_clients= (empty) on %s", a->rewriter,
			    a->rcv, a->rcv);
			return;
		}
	}
	param(a, a->clean, "remote_header_rewrite_domain", v, sizeof(v), where,
	    sizeof(where));
	if (v[0] == '\0')
		return;
	snprintf(a->rewriter, sizeof(a->rewriter),
	    "remote_header_rewrite_domain = %.200s (%s)", v, where);
	if (!a->first_ctx)
		log_warn("%s: only the re-injection's cleanup rewrites addresses in "
		    "the signed header fields of remote clients' mail and adds "
		    "missing ones; remove it there", a->rewriter);
}

/*
 * check_maps - canonical maps and masquerading rewrite header fields
 * again where the re-injection's cleanup rewrites headers at all
 */
static void
check_maps(const struct after *a)
{
	static const char *const maps[][2] = {
		{ "canonical_maps", "canonical_classes" },
		{ "sender_canonical_maps", "sender_canonical_classes" },
		{ "recipient_canonical_maps", "recipient_canonical_classes" },
		{ "masquerade_domains", "masquerade_classes" },
	};
	char v[PFAFTER_VALUE], cl[PFAFTER_VALUE], where[PFAFTER_WHERE];
	char list[2048] = "";
	size_t i;

	if (a->rewriter[0] == '\0' || postconf_has_word(a->opts, "no_address_mappings"))
		return;
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		param(a, a->clean, maps[i][1], cl, sizeof(cl), where, sizeof(where));
		param(a, a->clean, maps[i][0], v, sizeof(v), where, sizeof(where));
		if (v[0] != '\0' && strstr(cl, "header_") != NULL)
			append(list, sizeof(list), maps[i][0], v, where);
	}
	if (list[0] != '\0')
		log_warn("%s: with %s, the re-injection's cleanup (%s) maps "
		    "addresses in signed header fields again; add "
		    "no_address_mappings to receive_override_options on %s (the "
		    "first cleanup has mapped them)", list, a->rewriter, a->clean,
		    a->rcv);
}

/*
 * check_added - header fields the re-injection's cleanup adds when
 * missing where the first one did not (a header rewriting context, or
 * always_add_missing_headers, that only the re-injection has): an
 * oversigned one added after signing breaks the signature
 */
static void
check_added(const struct after *a)
{
	static const char *const ours[] = { "Date", "Message-ID" };
	char v[PFAFTER_VALUE], where[PFAFTER_WHERE], cause[PFAFTER_VALUE + 64];
	char name[64];
	size_t i, n;

	param(a, NULL, "always_add_missing_headers", v, sizeof(v), where,
	    sizeof(where));
	if (a->first_ctx || strcasecmp(v, "yes") == 0)
		return;			/* the first cleanup added them already */
	if (a->rewriter[0] != '\0')
		strlcpy(cause, a->rewriter, sizeof(cause));
	else {
		param(a, a->clean, "always_add_missing_headers", v, sizeof(v), where,
		    sizeof(where));
		if (strcasecmp(v, "yes") != 0)
			return;
		snprintf(cause, sizeof(cause), "always_add_missing_headers = yes (%s)",
		    where);
	}
	param(a, a->clean, "undisclosed_recipients_header", v, sizeof(v), where,
	    sizeof(where));
	if ((n = strcspn(v, ":")) > 0 && v[n] == ':' && n < sizeof(name)) {
		snprintf(name, sizeof(name), "%.*s", (int)n, v);
		if (oversigned(a->cf, name))
			log_warn("undisclosed_recipients_header = %.200s (%s) with %s: "
			    "the re-injection's cleanup (%s) adds it to a signed copy "
			    "without To or Cc that the first cleanup left without, and %s "
			    "is oversigned (oversign_headers), so the signature breaks; "
			    "undo the cause, leave undisclosed_recipients_header empty "
			    "(Postfix's default) or remove %s from oversign_headers", v,
			    where, cause, a->clean, name, name);
	}
	for (i = 0; a->cf->add_missing == 0 && i < 2; i++)
		if (oversigned(a->cf, ours[i]))
			log_warn("%s: the re-injection's cleanup (%s) adds %s to a "
			    "signed copy without one, and %s is oversigned "
			    "(oversign_headers); set add_missing_headers = yes (dkimpipe "
			    "then adds it before signing) or remove %s from "
			    "oversign_headers", cause, a->clean, ours[i], ours[i], ours[i]);
}

/* the client settings that change a signed copy on its way out */
enum kind { SET, NO, LIMIT };

static const struct client_check {
	const char	*name;		/* after "smtp_"/"lmtp_", if prefixed */
	int		 prefixed;
	enum kind	 bad;		/* SET: non-empty; NO: "no"; LIMIT: differs */
	const char	*text;		/* what it does, and the fix */
} client_checks[] = {
	{ "generic_maps", 1, SET, "rewrites addresses in signed header fields "
	    "after signing, which breaks the signature; leave it empty and "
	    "rewrite before the signer (canonical_maps)" },
	{ "header_checks", 1, SET, "a PREPEND, REPLACE or IGNORE action there "
	    "changes signed header fields after signing; leave it empty and make "
	    "such changes before the signer" },
	{ "mime_header_checks", 1, SET, "a REPLACE or IGNORE action there "
	    "changes the signed body after signing; leave it empty" },
	{ "nested_header_checks", 1, SET, "a REPLACE or IGNORE action there "
	    "changes the signed body after signing; leave it empty" },
	{ "body_checks", 1, SET, "a REPLACE or IGNORE action there changes the "
	    "signed body after signing; leave it empty" },
	{ "disable_mime_output_conversion", 0, NO, "8-bit bodies are converted "
	    "to quoted-printable after signing when the next hop lacks "
	    "8BITMIME, which breaks the signature; set "
	    "disable_mime_output_conversion = yes" },
	{ "line_length_limit", 1, LIMIT, NULL },
};

/* limit_text - what a line length limit that differs from ours does */
static void
limit_text(const struct after *a, const char *v, char *out, size_t size)
{
	const char *err;
	unsigned long long pf = (unsigned long long)strtonum(v, 0, LLONG_MAX, &err);
	size_t ours = a->cf->line_limit;

	if (pf != 0 && (ours == 0 || pf < ours))
		snprintf(out, size, "Postfix breaks longer lines after signing, "
		    "but dkimpipe signs them whole (smtp_line_length_limit = %zu in "
		    "dkimpipe.conf%s), so the signature breaks; set both to the "
		    "same value", ours, ours == 0 ? ", off" : "");
	else
		snprintf(out, size, "dkimpipe breaks lines before signing "
		    "(smtp_line_length_limit = %zu in dkimpipe.conf) that Postfix "
		    "would send whole; set both to the same value", ours);
}

/* client_bad - does this value change a signed copy */
static int
client_bad(const struct after *a, const struct client_check *ck,
    const char *v)
{
	const char *err;

	switch (ck->bad) {
	case SET:
		return v[0] != '\0';
	case NO:
		return strcasecmp(v, "no") == 0;
	case LIMIT:
		return v[0] != '\0' && v[strspn(v, "0123456789")] == '\0' &&
		    strtonum(v, 0, LLONG_MAX, &err) != (long long)a->cf->line_limit;
	}
	return 0;
}

/* client_warn - one warning for one setting in one place */
static void
client_warn(const struct after *a, const struct client_check *ck,
    const char *name, const char *v, const char *where)
{
	char text[512];

	if (ck->text != NULL)
		strlcpy(text, ck->text, sizeof(text));
	else
		limit_text(a, v, text, sizeof(text));
	log_warn("%s = %.200s (%s): %s", name, v, where, text);
}

/*
 * check_client - one setting of the clients with this prefix (NULL: all):
 * each bad -o override on its own, then the main.cf value once for all
 * the clients that use it
 */
static void
check_client(const struct after *a, const struct client_check *ck,
    const char *prefix)
{
	char name[64], key[PFAFTER_WHERE + 32], v[PFAFTER_VALUE], users[PFAFTER_WHERE] = "";
	const struct client *c;
	size_t i, n;

	snprintf(name, sizeof(name), "%s%s%s", prefix != NULL ? prefix : "",
	    prefix != NULL ? "_" : "", ck->name);
	for (i = 0; i < a->nclients; i++) {
		c = &a->clients[i];
		if (prefix != NULL && strcmp(c->prefix, prefix) != 0)
			continue;
		snprintf(key, sizeof(key), "%s/%s", c->name, name);
		if (postconf_dump_get(a->over, key, v, sizeof(v)) < 0) {
			n = strlen(users);
			snprintf(users + n, sizeof(users) - n, "%s%s", n ? ", " : "",
			    c->name);
		} else if (client_bad(a, ck, v)) {
			snprintf(key, sizeof(key), "master.cf %s", c->name);
			client_warn(a, ck, name, v, key);
		}
	}
	if (users[0] == '\0' || postconf_dump_get(a->main, name, v, sizeof(v)) < 0 ||
	    !client_bad(a, ck, v))
		return;
	snprintf(key, sizeof(key), "main.cf; used by %s", users);
	client_warn(a, ck, name, v, key);
}

/* route_transport - does a route "transport:nexthop" use this transport */
static int
route_transport(const char *route, const char *name)
{
	size_t n = strlen(name);

	return strncmp(route, name, n) == 0 && route[n] == ':';
}

/* routed - does a routing parameter of main.cf name this transport */
static int
routed(const struct after *a, const char *name)
{
	static const char *const params[] = { "default_transport",
	    "relay_transport", "local_transport", "virtual_transport",
	    "mailbox_transport", "fallback_transport" };
	char v[PFAFTER_VALUE];
	size_t i;

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		if (postconf_dump_get(a->main, params[i], v, sizeof(v)) == 0 &&
		    (strcmp(v, name) == 0 || route_transport(v, name)))
			return 1;
	return 0;
}

/* filters - is this transport a content_filter (main.cf or master.cf) */
static int
filters(const struct after *a, const char *name)
{
	char v[PFAFTER_VALUE];
	const char *p, *end, *q;

	if (postconf_dump_get(a->main, "content_filter", v, sizeof(v)) == 0 &&
	    route_transport(v, name))
		return 1;
	for (p = a->over; *p != '\0'; p = end + (*end == '\n')) {
		end = p + strcspn(p, "\n");
		q = memmem(p, (size_t)(end - p), "/content_filter = ", 18);
		if (q != NULL) {
			snprintf(v, sizeof(v), "%.*s", (int)(end - q - 18), q + 18);
			if (route_transport(v, name))
				return 1;
		}
	}
	return 0;
}

/*
 * find_clients - the transports a signed copy may leave by: the smtp(8)
 * clients but a content filter's, and the lmtp(8) clients that main.cf
 * routes to or the stock "lmtp"; an LMTP client of another name feeds a
 * filter or the signer (dkimlmtp)
 */
static void
find_clients(struct after *a)
{
	const char *p = a->master;
	struct client *c;
	struct entry e;

	a->nclients = 0;
	while (master_next(&p, &e) && a->nclients < PFAFTER_CLIENTS) {
		if (strcmp(e.type, "unix") != 0 || (strcmp(e.cmd, "smtp") != 0 &&
		    strcmp(e.cmd, "lmtp") != 0))
			continue;
		if (!routed(a, e.name) && (filters(a, e.name) ||
		    (strcmp(e.cmd, "lmtp") == 0 && strcmp(e.name, "lmtp") != 0)))
			continue;
		c = &a->clients[a->nclients++];
		snprintf(c->name, sizeof(c->name), "%s/unix", e.name);
		strlcpy(c->prefix, e.cmd, sizeof(c->prefix));
	}
}

/* pfafter - warn about each setting that would change a signed copy */
void
pfafter(const struct conf *cf)
{
	struct after a;
	size_t i;

	memset(&a, 0, sizeof(a));
	a.cf = cf;
	a.master = xmalloc(PFAFTER_DUMP_MAX);
	a.over = xmalloc(PFAFTER_DUMP_MAX);
	a.main = xmalloc(PFAFTER_DUMP_MAX);
	if (postconf_all("-M", a.master, PFAFTER_DUMP_MAX) == 0 &&
	    postconf_all("-Px", a.over, PFAFTER_DUMP_MAX) == 0 &&
	    postconf_all("-x", a.main, PFAFTER_DUMP_MAX) == 0 &&
	    find_path(&a) == 0) {
		check_content(&a);
		check_milters(&a);
		check_rewrite(&a);
		check_maps(&a);
		check_added(&a);
		find_clients(&a);
		for (i = 0; i < sizeof(client_checks) / sizeof(client_checks[0]); i++)
			if (client_checks[i].prefixed) {
				check_client(&a, &client_checks[i], "smtp");
				check_client(&a, &client_checks[i], "lmtp");
			} else
				check_client(&a, &client_checks[i], NULL);
	}
	free(a.master);
	free(a.over);
	free(a.main);
}
