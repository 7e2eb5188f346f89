/*
 * setup_plan - what "dkimpipe setup" wants Postfix to look like, as a
 * list of settings (main.cf parameters, master.cf entries and their -o
 * parameters) and of the small lookup tables it needs: the README's
 * recipes for submission (587), port 25 from the listed networks,
 * sendmail(1) and Postfix's own notices, with the pipe(8) or spawn(8)
 * signer and sendmail or SMTP re-injection, or before the queue (the
 * proxy: submission's smtpd_proxy_filter). It is computed from the
 * Postfix configuration as it was before the first setup (a saved copy),
 * so that running setup again gives the same plan. It refuses what it
 * cannot make loop-free: an existing content filter on a path it would
 * sign, and a filter on pickup with sendmail re-injection. Applying the
 * plan, and undoing it, is the caller's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "origin.h"
#include "runcmd.h"
#include "setup_link.h"
#include "setup_plan.h"
#include "xmem.h"

struct ctx {
	struct setup_plan	*p;
	const struct setup_opts	*o;
	const char		*orig;		/* config dir as it was */
	struct why		*why;
	struct buf		 v;		/* scratch value */
};

/* add - a setting of the plan; fmt NULL: absent */
static void
add(struct ctx *c, enum pfkind kind, const char *key, const char *fmt, ...)
{
	struct setup_plan *p = c->p;
	struct pfset *s;
	va_list ap;
	int n;

	p->set = xreallocarray(p->set, p->nset + 1, sizeof(*p->set));
	s = &p->set[p->nset++];
	s->kind = kind;
	s->key = xstrdup(key);
	s->value = NULL;
	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s->value = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
	va_start(ap, fmt);
	(void)vsnprintf(s->value, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	va_end(ap);
}

/* add_file - a file of the plan in Postfix's directory */
static void
add_file(struct ctx *c, const char *name, const char *content)
{
	struct setup_plan *p = c->p;
	struct buf path;

	buf_init(&path);
	buf_printf(&path, "%s/%s", c->o->confdir, name);
	p->files = xreallocarray(p->files, p->nfiles + 1, sizeof(*p->files));
	p->files[p->nfiles].path = path.data;
	p->files[p->nfiles].content = xstrdup(content);
	p->nfiles++;
}

/* orig - a setting as it was: 1 present (value in c->v), 0 absent, -1 */
static int
orig(struct ctx *c, enum pfkind kind, const char *key)
{
	return pfedit_get(c->orig, kind, key, &c->v, c->why);
}

/* setup_signer - the transport that content filters name */
const char *
setup_signer(const struct setup_opts *o)
{
	return o->mode == SETUP_SPAWN ? "dkimlmtp:unix:private/dkimspawn" :
	    "dkimsign:dummy";	/* pipe(8), also for transport: -a and -u */
}

/* setup_signer_entry - is s one of the signer's own master.cf services? */
int
setup_signer_entry(const struct pfset *s)
{
	static const char *const names[] = { "dkimsign/unix", "dkimspawn/unix",
	    "dkimlmtp/unix", SETUP_REINJECT "/inet", SETUP_PROXY_PORT "/inet" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (s->kind == PF_ENTRY && strcmp(s->key, names[i]) == 0)
			return 1;
	return 0;
}

/* ours - does a content filter name one of the signer's transports? */
static int
ours(const char *filter)
{
	return strncmp(filter, "dkimlmtp:", 9) == 0 ||
	    strncmp(filter, "dkimsign:", 9) == 0;
}

/* no_filter - refuse a service that already has a content filter */
static int
no_filter(struct ctx *c, const char *service)
{
	struct buf key;
	int r;

	buf_init(&key);
	buf_printf(&key, "%s/content_filter", service);
	r = orig(c, PF_PARAM, key.data);
	buf_free(&key);
	if (r < 0)
		return -1;
	if (r > 0 && c->v.data[0] != '\0' && !ours(c->v.data))
		return why_set(c->why, EX_CONFIG, "%s already has content_filter = %s: "
		    "sign behind that filter instead (README, \"Behind an existing "
		    "content filter\")", service, c->v.data), -1;
	return 0;
}

/* no_proxy - refuse a submission service with a proxy filter of its own */
static int
no_proxy(struct ctx *c)
{
	int r;

	if ((r = orig(c, PF_PARAM, "submission/inet/smtpd_proxy_filter")) < 0 ||
	    (r == 0 && (r = orig(c, PF_MAIN, "smtpd_proxy_filter")) < 0))
		return -1;
	if (r > 0 && c->v.data[0] != '\0')
		return why_set(c->why, EX_CONFIG, "submission already has "
		    "smtpd_proxy_filter = %s: setup will not put a filter of its "
		    "own in front of it", c->v.data), -1;
	return 0;
}

/* size_limit - main.cf's message_size_limit as it was (0: no limit) */
static int
size_limit(struct ctx *c, long long *limit)
{
	const char *err;

	if (pfedit_effective(c->orig, "message_size_limit", &c->v, c->why) < 0)
		return -1;
	*limit = strtonum(c->v.data, 0, 1LL << 40, &err);
	if (err != NULL)
		return why_set(c->why, EX_CONFIG, "message_size_limit = %s is %s",
		    c->v.data, err), -1;
	return 0;
}

/* plan_submission - port 587 signs everything it accepts */
static int
plan_submission(struct ctx *c, long long size)
{
	int r;

	int proxy = c->o->mode == SETUP_PROXY;
	char route[128];

	if ((r = orig(c, PF_ENTRY, "submission/inet")) < 0 ||
	    (r > 0 && (no_filter(c, "submission/inet") < 0 || no_proxy(c) < 0)))
		return -1;
	if (proxy)
		snprintf(route, sizeof(route), "smtpd_proxy_filter=%s "
		    "-o smtpd_proxy_options=speed_adjust -o smtpd_proxy_timeout=400s",
		    SETUP_PROXY_PORT);
	else
		snprintf(route, sizeof(route), "content_filter=%s", setup_signer(c->o));
	if (r == 0) {	/* a new entry, with the -o parameters of Debian's commented one */
		char limit[64] = "";

		if (size > 0)
			snprintf(limit, sizeof(limit), " -o message_size_limit=%lld", size);
		add(c, PF_ENTRY, "submission/inet", "submission inet n - y - - smtpd "
		    "-o syslog_name=postfix/submission "
		    "-o smtpd_client_restrictions=permit_mynetworks,permit_sasl_authenticated,reject "
		    "-o smtpd_relay_restrictions=permit_mynetworks,permit_sasl_authenticated,reject "
		    "-o %s%s", route, limit);
		return 0;
	}
	if (proxy) {
		add(c, PF_PARAM, "submission/inet/smtpd_proxy_filter", "%s", SETUP_PROXY_PORT);
		add(c, PF_PARAM, "submission/inet/smtpd_proxy_options", "speed_adjust");
		/* longer than smtpout's wait for any reply: never a copy queued
		   after the client was told 4xx */
		add(c, PF_PARAM, "submission/inet/smtpd_proxy_timeout", "400s");
	} else
		add(c, PF_PARAM, "submission/inet/content_filter", "%s", setup_signer(c->o));
	if (size > 0)
		add(c, PF_PARAM, "submission/inet/message_size_limit", "%lld", size);
	return 0;
}

/* is_network - an address or network ("[::1]/128" as mynetworks writes it) */
static int
is_network(const char *w)
{
	struct origin_list l = { NULL, 0, 0 };
	char plain[128];
	const char *close;
	int ok;

	if (*w == '[' && (close = strchr(w, ']')) != NULL &&
	    (size_t)(close - w) < sizeof(plain)) {
		memcpy(plain, w + 1, (size_t)(close - w - 1));
		plain[close - w - 1] = '\0';
		strlcat(plain, close + 1, sizeof(plain));
	} else if (strlcpy(plain, w, sizeof(plain)) >= sizeof(plain))
		return 0;
	ok = origin_parse(&l, plain) == 0 && l.n == 1;
	origin_free(&l);
	return ok;
}

/*
 * setup_networks - the networks of mynetworks (as it was, in orig), for
 * internal_hosts: "127.0.0.0/8, ::1/128"; 0, or -1 and why
 */
int
setup_networks(const char *orig_dir, struct buf *out, struct why *why)
{
	struct buf v;
	char *list, *w, *save, *close;

	buf_init(&v);
	if (pfedit_effective(orig_dir, "mynetworks", &v, why) < 0) {
		buf_free(&v);
		return -1;
	}
	list = xstrdup(v.data);
	for (w = strtok_r(list, " ,\t", &save); w != NULL;
	    w = strtok_r(NULL, " ,\t", &save)) {
		if (*w == '!' || !is_network(w))
			continue;
		if (out->len > 0)
			buf_adds(out, ", ");
		if (*w == '[' && (close = strchr(w, ']')) != NULL) {
			buf_add(out, w + 1, (size_t)(close - w - 1));
			buf_adds(out, close + 1);
		} else
			buf_adds(out, w);
	}
	buf_addc(out, '\0');
	out->len--;
	free(list);
	buf_free(&v);
	return 0;
}

/* clients - the cidr table: mynetworks' addresses get their mail signed */
static int
clients(struct ctx *c, struct buf *table)
{
	char *list, *w, *save;
	size_t n = 0;

	if (pfedit_effective(c->orig, "mynetworks", &c->v, c->why) < 0)
		return -1;
	buf_printf(table, "# %s - written by \"dkimpipe setup\" from mynetworks:\n"
	    "# mail from these clients on port 25 is signed.\n", SETUP_CLIENTS);
	list = xstrdup(c->v.data);
	for (w = strtok_r(list, " ,\t", &save); w != NULL;
	    w = strtok_r(NULL, " ,\t", &save)) {
		if (*w == '!') {
			why_set(c->why, EX_CONFIG, "mynetworks excludes %s: setup "
			    "cannot write exclusions; list the networks to sign in %s/%s "
			    "by hand (README)", w + 1, c->o->confdir, SETUP_CLIENTS);
			free(list);
			return -1;
		}
		if (!is_network(w)) {	/* a host name or a table: not a network */
			printf("setup: mynetworks entry %s is not an address or network; "
			    "its mail on port 25 is not signed\n", w);
			continue;
		}
		buf_printf(table, "%s\tFILTER %s\n", w, setup_signer(c->o));
		n++;
	}
	free(list);
	if (n == 0)
		return why_set(c->why, EX_CONFIG, "mynetworks (%s) lists no network "
		    "address: list your networks there, or leave out the smtp path "
		    "(--paths)", c->v.data), -1;
	return 0;
}

/* commas - a restriction list written with commas only (-o takes no spaces) */
static void
commas(char *list)
{
	char *w = list, *r = list;
	int sep = 0;

	r += strspn(r, ", \t");
	for (; *r != '\0'; r++) {
		if (*r == ',' || *r == ' ' || *r == '\t') {
			sep = 1;
			continue;
		}
		if (sep)
			*w++ = ',';
		sep = 0;
		*w++ = *r;
	}
	*w = '\0';
}

/* plan_smtp - port 25 signs mail from the networks in the cidr table */
static int
plan_smtp(struct ctx *c, long long size)
{
	struct buf table, key;
	const char *svc = "smtp/inet";
	int r;

	if ((r = orig(c, PF_ENTRY, svc)) < 0)
		return -1;
	if (r == 0)
		return why_set(c->why, EX_CONFIG, "master.cf has no smtp/inet service: "
		    "leave out the smtp path (--paths)"), -1;
	if (strstr(c->v.data, " postscreen") != NULL)
		svc = "smtpd/pass";	/* postscreen hands clients to smtpd */
	if (no_filter(c, svc) < 0)
		return -1;
	buf_init(&table);
	buf_init(&key);
	if (clients(c, &table) < 0) {
		buf_free(&table);
		return -1;
	}
	add_file(c, SETUP_CLIENTS, table.data);
	buf_printf(&key, "%s/smtpd_data_restrictions", svc);
	if ((r = orig(c, PF_PARAM, key.data)) == 0)	/* the service's, else main.cf's */
		r = orig(c, PF_MAIN, "smtpd_data_restrictions");
	if (r > 0 && strchr(c->v.data, '{') != NULL) {
		why_set(c->why, EX_CONFIG, "smtpd_data_restrictions = %s: setup cannot "
		    "add to a list with { }; add check_client_access cidr:%s/%s to it "
		    "by hand (README)", c->v.data, c->o->confdir, SETUP_CLIENTS);
		r = -1;
	} else if (r > 0 && c->v.data[strspn(c->v.data, ", \t")] != '\0') {
		commas(c->v.data);
		add(c, PF_PARAM, key.data, "check_client_access,cidr:%s/%s,%s",
		    c->o->confdir, SETUP_CLIENTS, c->v.data);
	} else if (r >= 0)
		add(c, PF_PARAM, key.data, "check_client_access,cidr:%s/%s",
		    c->o->confdir, SETUP_CLIENTS);
	buf_reset(&key);
	buf_printf(&key, "%s/message_size_limit", svc);
	if (size > 0)
		add(c, PF_PARAM, key.data, "%lld", size);
	buf_free(&table);
	buf_free(&key);
	return r < 0 ? -1 : 0;
}

/*
 * plan_pickup - with the sendmail path, pickup's content filter is the
 * signer (loop-free only with SMTP re-injection); without it, the copies
 * sendmail re-injects pass pickup with no filter and no milters
 */
static int
plan_pickup(struct ctx *c)
{
	if (no_filter(c, "pickup/unix") < 0)
		return -1;
	if (c->o->paths & SETUP_SENDMAIL) {
		if (!c->o->smtp)
			return why_set(c->why, EX_USAGE, "the sendmail path needs "
			    "--reinject smtp: with sendmail re-injection the signed "
			    "copies would come back through pickup and loop"), -1;
		add(c, PF_PARAM, "pickup/unix/content_filter", "%s", setup_signer(c->o));
	} else if (!c->o->smtp) {
		add(c, PF_PARAM, "pickup/unix/content_filter", "%s", "");
		add(c, PF_PARAM, "pickup/unix/receive_override_options", "no_milters");
	}
	return 0;
}

/* plan_notices - bounce, defer and trace write through a signing cleanup */
static int
plan_notices(struct ctx *c)
{
	static const char *const daemons[] = { "bounce", "defer", "trace" };
	struct buf map, key;
	size_t i;

	buf_init(&map);
	buf_printf(&map, "# %s - written by \"dkimpipe setup\": header_checks of\n"
	    "# cleanup-notices, which only Postfix's bounce, defer and trace use.\n"
	    "/^From:/\tFILTER %s\n", SETUP_NOTICES_MAP, setup_signer(c->o));
	add_file(c, SETUP_NOTICES_MAP, map.data);
	buf_free(&map);
	/*
	 * Only header_checks: a content check of the admin's must not drop a
	 * notice that quotes the message. Notices are from MAILER-DAEMON,
	 * qualified with myorigin; when that is not a signing domain, the
	 * notices' own trivial-rewrite qualifies it with one, leaving main.cf's
	 * myorigin (and so every other local address) alone.
	 */
	add(c, PF_ENTRY, "cleanup-notices/unix", "cleanup-notices unix n - y - 0 "
	    "cleanup -o header_checks=regexp:%s/%s -o mime_header_checks= "
	    "-o nested_header_checks= -o body_checks= -o non_smtpd_milters=%s",
	    c->o->confdir, SETUP_NOTICES_MAP,
	    c->o->origin != NULL ? " -o rewrite_service_name=rewrite-notices" : "");
	if (c->o->origin != NULL)
		add(c, PF_ENTRY, "rewrite-notices/unix", "rewrite-notices unix - - y - - "
		    "trivial-rewrite -o myorigin=%s", c->o->origin);
	buf_init(&key);
	for (i = 0; i < sizeof(daemons) / sizeof(daemons[0]); i++) {
		buf_reset(&key);
		buf_printf(&key, "%s/unix/cleanup_service_name", daemons[i]);
		add(c, PF_PARAM, key.data, "cleanup-notices");
		buf_reset(&key);
		buf_printf(&key, "%s/unix/internal_mail_filter_classes", daemons[i]);
		add(c, PF_PARAM, key.data, "bounce");
	}
	buf_free(&key);
	return 0;
}

/* plan_signer - the signer's own services */
static void
plan_signer(struct ctx *c)
{
	const char *group = c->o->postlog ? ":postdrop" : "";

	if (c->o->mode == SETUP_PROXY)	/* run by master(8): setup_link.c */
		add(c, PF_ENTRY, SETUP_PROXY_PORT "/inet", SETUP_PROXY_PORT " inet n - n - "
		    "20 " SETUP_LINK_NAME " proxy user=dkimpipe%s", group);
	else if (c->o->mode == SETUP_SPAWN) {
		add(c, PF_ENTRY, "dkimspawn/unix", "dkimspawn unix - n n - 20 spawn "
		    "user=dkimpipe%s argv=%s lmtp", group, c->o->binary);
		add(c, PF_ENTRY, "dkimlmtp/unix", "dkimlmtp unix - - n - 10 lmtp "
		    "-o syslog_name=postfix/$service_name "
		    "-o lmtp_send_xforward_command=yes "
		    "-o disable_mime_output_conversion=yes "
		    "-o lmtp_line_length_limit=0 "
		    "-o lmtp_connection_cache_destinations=static:all");
	} else {
		add(c, PF_ENTRY, "dkimsign/unix", "dkimsign unix - n n - 10 pipe "
		    "null_sender= user=dkimpipe argv=%s deliver -q ${queue_id} "
		    "-a ${client_address} -u ${sasl_username} -f ${sender} -- "
		    "${recipient}", c->o->binary);
		add(c, PF_MAIN, "dkimsign_destination_recipient_limit", "100");
	}
	if (c->o->smtp && c->o->mode != SETUP_TRANSPORT)
		add(c, PF_ENTRY, SETUP_REINJECT "/inet", SETUP_REINJECT " inet n - n - - smtpd "
		    "-o syslog_name=postfix/dkimpipe-reinject "
		    "-o content_filter= %s"
		    "-o local_header_rewrite_clients= "
		    "-o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters "
		    "-o smtpd_helo_restrictions= "
		    "-o smtpd_client_restrictions= "
		    "-o smtpd_sender_restrictions= "
		    "-o smtpd_data_restrictions= "
		    "-o smtpd_end_of_data_restrictions= "
		    "-o smtpd_tls_security_level=none "
		    "-o smtpd_relay_restrictions=permit_mynetworks,reject "
		    "-o smtpd_recipient_restrictions=permit_mynetworks,reject "
		    "-o mynetworks=127.0.0.0/8", c->o->mode != SETUP_PROXY ? "" :
		    "-o smtpd_proxy_filter= -o smtpd_authorized_xforward_hosts=127.0.0.0/8 ");
}

/*
 * plan_transport - route mail from the domains (and the null sender, for
 * notices) to the signer by its envelope sender; the signer re-injects it
 * into the output instance (setup_instance), whose routing never leads to
 * a signer. Notices are qualified with a signing domain by their own
 * trivial-rewrite when myorigin is none.
 */
static int
plan_transport(struct ctx *c, char *const domains[], int ndomains)
{
	struct buf map;
	int i, r;

	if ((r = orig(c, PF_MAIN, "sender_dependent_default_transport_maps")) < 0)
		return -1;
	if (r > 0 && c->v.data[0] != '\0')
		return why_set(c->why, EX_CONFIG, "main.cf already has "
		    "sender_dependent_default_transport_maps = %s: add the signer's "
		    "lines to it by hand (README, \"Routed by transport maps\")",
		    c->v.data), -1;
	buf_init(&map);
	buf_printf(&map, "# %s - written by \"dkimpipe setup\": mail from these "
	    "senders\n# to remote destinations goes to the signer.\n", SETUP_SENDERS);
	for (i = 0; i < ndomains; i++)
		buf_printf(&map, "@%s\tdkimsign:dummy\n", domains[i]);
	if (c->o->paths & SETUP_NOTICES)
		buf_printf(&map, "<>\t\tdkimsign:dummy\n");
	add_file(c, SETUP_SENDERS, map.data);
	buf_free(&map);
	add(c, PF_MAIN, "sender_dependent_default_transport_maps", "texthash:%s/%s",
	    c->o->confdir, SETUP_SENDERS);
	if ((c->o->paths & SETUP_NOTICES) && c->o->origin != NULL) {
		static const char *const daemons[] = { "bounce", "defer", "trace" };
		char key[64];
		size_t k;

		add(c, PF_ENTRY, "cleanup-notices/unix", "cleanup-notices unix n - y - 0 "
		    "cleanup -o rewrite_service_name=rewrite-notices");
		add(c, PF_ENTRY, "rewrite-notices/unix", "rewrite-notices unix - - y - - "
		    "trivial-rewrite -o myorigin=%s", c->o->origin);
		for (k = 0; k < 3; k++) {
			snprintf(key, sizeof(key), "%s/unix/cleanup_service_name", daemons[k]);
			add(c, PF_PARAM, key, "cleanup-notices");
		}
	}
	return 0;
}

/*
 * free_names - refuse when master.cf already has, of its own, a service
 * name setup adds or a listener on the re-injection port
 */
static int
free_names(struct ctx *c)
{
	static const char *const names[] = { "dkimsign/unix", "dkimspawn/unix",
	    "dkimlmtp/unix", "cleanup-notices/unix", "rewrite-notices/unix" };
	const char *ports[] = { strchr(SETUP_REINJECT, ':') + 1,	/* not for transport */
	    c->o->mode == SETUP_PROXY ? strchr(SETUP_PROXY_PORT, ':') + 1 : NULL };
	const char *argv[] = { "/usr/sbin/postconf", "-c", c->orig, "-M", NULL };
	const char *p, *port;
	struct buf all;
	size_t i, k, n;
	int r;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((r = orig(c, PF_ENTRY, names[i])) < 0)
			return -1;
		if (r > 0)
			return why_set(c->why, EX_CONFIG, "master.cf already has a service "
			    "%s: remove or rename it first", names[i]), -1;
	}
	if (c->o->mode == SETUP_TRANSPORT)
		return 0;	/* its smtpd is the output instance's */
	buf_init(&all);
	if (c->orig == NULL) {		/* the instance's own */
		argv[1] = "-M";
		argv[2] = NULL;
	}
	if (runcmd(argv, &all, NULL, 0) != 0) {
		buf_free(&all);
		return why_set(c->why, EX_CONFIG, "postconf -M failed"), -1;
	}
	buf_addc(&all, '\0');
	for (k = 0; k < 2 && (port = ports[k]) != NULL; k++)
	for (n = strlen(port), p = all.data; p != NULL && *p != '\0';
	    p = strchr(p, '\n'), p = p ? p + 1 : p) {
		const char *end = p + strcspn(p, " \t\n");
		const char *colon = memrchr(p, ':', (size_t)(end - p));
		const char *num = colon != NULL ? colon + 1 : p;

		if ((size_t)(end - num) == n && strncmp(num, port, n) == 0 &&
		    strstr(p, " inet ") != NULL) {
			why_set(c->why, EX_CONFIG, "master.cf already has a service on port "
			    "%s (%.*s): setup needs it for its %s", port, (int)(end - p), p,
			    k == 0 ? "re-injection smtpd" : "proxy");
			buf_free(&all);
			return -1;
		}
	}
	buf_free(&all);
	return 0;
}

/*
 * mailbox_room - local(8) and virtual(8) refuse to run with a mailbox
 * limit below message_size_limit: refuse a raise that would stop them
 */
static int
mailbox_room(struct ctx *c, long long size)
{
	static const char *const limits[] = { "mailbox_size_limit",
	    "virtual_mailbox_limit" };
	const char *err;
	long long v;
	size_t i;

	for (i = 0; i < 2; i++) {
		if (pfedit_effective(c->orig, limits[i], &c->v, c->why) < 0)
			return -1;
		v = strtonum(c->v.data, 0, 1LL << 50, &err);
		if (err == NULL && v != 0 && v < size + SETUP_SIZE_ROOM)
			return why_set(c->why, EX_CONFIG, "%s = %lld is below the "
			    "message_size_limit setup needs (%lld, %d bytes above yours "
			    "for the signatures): raise %s first", limits[i], v,
			    size + SETUP_SIZE_ROOM, SETUP_SIZE_ROOM, limits[i]), -1;
	}
	return 0;
}

/*
 * setup_plan - the plan for o, from the configuration in orig (a config
 * directory; NULL: the instance's own): 0, or -1 and why
 */
int
setup_plan(struct setup_plan *p, const struct setup_opts *o, char *const domains[],
    int ndomains, const char *orig_dir, struct why *why)
{
	struct ctx c = { p, o, orig_dir, why, { NULL, 0, 0 } };
	long long size;
	int r = -1;

	memset(p, 0, sizeof(*p));
	buf_init(&c.v);
	if (pfedit_effective(orig_dir, "content_filter", &c.v, why) < 0)
		goto out;
	if (c.v.data[0] != '\0') {
		why_set(why, EX_CONFIG, "main.cf has content_filter = %s: sign behind "
		    "that filter instead (README, \"Behind an existing content "
		    "filter\")", c.v.data);
		goto out;
	}
	if (size_limit(&c, &size) < 0)
		goto out;
	if (free_names(&c) < 0 || (size > 0 && mailbox_room(&c, size) < 0))
		goto out;
	plan_signer(&c);
	add(&c, PF_MAIN, "disable_mime_output_conversion", "yes");
	if (size > 0 && o->mode != SETUP_TRANSPORT)	/* there: the output instance's */
		add(&c, PF_MAIN, "message_size_limit", "%lld", size + SETUP_SIZE_ROOM);
	p->size = size;
	if (o->mode == SETUP_TRANSPORT) {
		if (plan_transport(&c, domains, ndomains) < 0)
			goto out;
	} else if (((o->paths & SETUP_SUBMISSION) && plan_submission(&c, size) < 0) ||
	    ((o->paths & SETUP_SMTP) && plan_smtp(&c, size) < 0) ||
	    plan_pickup(&c) < 0 ||
	    ((o->paths & SETUP_NOTICES) && plan_notices(&c) < 0))
		goto out;
	r = 0;
out:
	buf_free(&c.v);
	if (r < 0)
		setup_plan_free(p);
	return r;
}

void
setup_plan_free(struct setup_plan *p)
{
	size_t i;

	for (i = 0; i < p->nset; i++) {
		free(p->set[i].key);
		free(p->set[i].value);
	}
	for (i = 0; i < p->nfiles; i++) {
		free(p->files[i].path);
		free(p->files[i].content);
	}
	free(p->set);
	free(p->files);
	memset(p, 0, sizeof(*p));
}
