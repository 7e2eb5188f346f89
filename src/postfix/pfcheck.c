/*
 * pfcheck - the Postfix side of "dkimpipe check". Would Postfix route
 * the copies the signer re-injects back to the signer? Two set-ups do,
 * whatever the signer decides: a content filter on pickup with sendmail
 * re-injection, and a route to the signer by sender
 * (sender_dependent_default_transport_maps) with re-injection into the
 * same instance. And with internal_hosts, does every master.cf entry
 * that runs "dkimpipe deliver" pass the client on (-a)? Does one that
 * has master(8) run dkimpipe itself find it in daemon_directory? Asks postconf(1)
 * and postmap(1) of the instance MAIL_CONFIG names; what it cannot ask
 * it does not judge (transport_maps, keyed by recipient, cannot be
 * enumerated).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "diag.h"
#include "header.h"
#include "pfcheck.h"
#include "postconf.h"
#include "xmem.h"

#define PFCHECK_MASTER_MAX	POSTCONF_MASTER_MAX

/*
 * check_pickup - with a content filter on pickup (signing what sendmail(1)
 * submits), the signed copies must not come back through pickup: only
 * SMTP re-injection is loop-free then
 */
static void
check_pickup(const struct conf *cf, struct diag *d)
{
	char filter[256];

	if (cf->reinject == NULL &&
	    postconf_service("pickup/unix/content_filter", filter, sizeof(filter)) == 0 &&
	    filter[0] != '\0')
		diag(d, EX_CONFIG, "pickup has content_filter = %s but reinject is "
		    "sendmail: the signed copies would come back through pickup and "
		    "loop; set reinject = smtp:[127.0.0.1]:10026", filter);
}

/*
 * is_signer - does the route "transport:nexthop" lead to dkimpipe: a
 * master.cf service that runs it, or an LMTP client whose nexthop is
 * such a service (dkimlmtp:unix:private/dkimspawn)
 */
static int
is_signer(const char *route)
{
	char name[128], line[2048];
	const char *p;
	size_t n = strcspn(route, ":");

	if (n == 0 || n >= sizeof(name) - 6)
		return 0;
	memcpy(name, route, n);
	strlcpy(name + n, "/unix", sizeof(name) - n);
	if (postconf_master(name, line, sizeof(line)) == 0 &&
	    strstr(line, "dkimpipe") != NULL)
		return 1;
	if ((p = strstr(route, "unix:private/")) == NULL)
		return 0;
	p += strlen("unix:private/");
	if (strlen(p) >= sizeof(name) - 6)
		return 0;
	snprintf(name, sizeof(name), "%s/unix", p);
	return postconf_master(name, line, sizeof(line)) == 0 &&
	    strstr(line, "dkimpipe") != NULL;
}

/* own_port - is the re-injection address a listener of this instance */
static int
own_port(const struct conf *cf)
{
	const char *port = strrchr(cf->reinject, ':');
	char name[64], line[2048];

	if (port == NULL)
		return 0;
	port++;
	snprintf(name, sizeof(name), "127.0.0.1:%s/inet", port);
	if (postconf_master(name, line, sizeof(line)) == 0 && line[0] != '\0')
		return 1;
	snprintf(name, sizeof(name), "%s/inet", port);
	return postconf_master(name, line, sizeof(line)) == 0 && line[0] != '\0';
}

/*
 * check_transport_loop - mail routed to the signer by its sender
 * (sender_dependent_default_transport_maps) comes back to it when the
 * signer re-injects into the same instance: routing depends on the
 * addresses only. Asks the map for each signing domain and <>.
 */
static void
check_transport_loop(const struct conf *cf, struct diag *d)
{
	char maps[1024], route[256], key[DOMAIN_MAX + 2];
	size_t i;

	if (postconf_param("sender_dependent_default_transport_maps", maps,
	    sizeof(maps)) < 0 || maps[0] == '\0')
		return;
	if (cf->reinject != NULL && !own_port(cf))
		return;
	for (i = 0; i <= cf->nkeys; i++) {
		if (i == cf->nkeys)
			strlcpy(key, "<>", sizeof(key));
		else if (strcmp(cf->keys[i].domain, "%") == 0)
			continue;
		else
			snprintf(key, sizeof(key), "@%s", cf->keys[i].domain);
		if (postmap_query(key, maps, route, sizeof(route)) < 0 ||
		    !is_signer(route))
			continue;
		diag(d, EX_CONFIG, "sender_dependent_default_transport_maps routes "
		    "%s to the signer (%s), but reinject goes back into this same "
		    "instance: the copies would be routed to the signer again and "
		    "loop; re-inject into a second instance "
		    "(scripts/postfix-out-instance.sh, reinject = smtp:[127.0.0.1]:10028)",
		    key, route);
		return;
	}
}

/*
 * check_client - with internal_hosts, a deliver entry without -a would
 * make every message look locally submitted, and so ours
 */
static void
check_client(const struct conf *cf, struct diag *d)
{
	char *all, *line, *p;

	if (!cf->internal.set)
		return;
	all = xmalloc(PFCHECK_MASTER_MAX);
	if (postconf_all("-M", all, PFCHECK_MASTER_MAX) == 0)
		for (p = all; (line = strsep(&p, "\n")) != NULL; )
			if (strstr(line, "dkimpipe deliver") != NULL &&
			    strstr(line, " -a ") == NULL)
				diag(d, EX_CONFIG, "master.cf service %.*s runs dkimpipe "
				    "deliver without -a ${client_address}: internal_hosts "
				    "would count all its mail as local", (int)strcspn(line, " \t"),
				    line);
	free(all);
}

/*
 * check_daemon_link - a master.cf entry that has master(8) run dkimpipe
 * itself (the proxy) needs daemon_directory/dkimpipe; without it master
 * only logs "bad command startup -- throttling" and the clients wait
 */
static void
check_daemon_link(struct diag *d)
{
	char name[256], dir[1024], path[1100];

	if (postconf_daemon_entry(NULL, name, sizeof(name)) != 1 ||
	    postconf_param("daemon_directory", dir, sizeof(dir)) < 0)
		return;
	snprintf(path, sizeof(path), "%s/dkimpipe", dir);
	if (access(path, X_OK) < 0)
		diag(d, EX_CONFIG, "master.cf service %s has master(8) run dkimpipe, "
		    "but %s is missing or dangling: master runs commands from "
		    "daemon_directory only (ln -sf the dkimpipe binary there)", name,
		    path);
}

/* pfcheck - report each set-up that would loop, hide the client or not run */
void
pfcheck(const struct conf *cf, struct diag *d)
{
	check_pickup(cf, d);
	check_transport_loop(cf, d);
	check_client(cf, d);
	check_daemon_link(d);
}
