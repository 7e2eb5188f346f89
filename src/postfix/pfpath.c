/*
 * pfpath - the path of a message around the signer, for "dkimpipe
 * check": does each piece the signer relies on exist and answer? It runs
 * only when a Postfix instance runs the signer (a master.cf entry of the
 * default instance, MAIL_CONFIG or /etc/postfix, or of one that
 * "postmulti -l -a" lists, runs "dkimpipe deliver" or "dkimpipe lmtp").
 *
 *  - reinject = smtp:[ADDR]:PORT: an smtpd entry for ADDR:PORT (PORT,
 *    *:PORT) in some instance's master.cf, without a content_filter
 *    (error: missing, or filtered again, which loops), and a 220
 *    greeting there (loopback only, 5 s; QUIT at once). Nothing
 *    answering an existing entry is a warning in the default instance
 *    (check runs before "postfix reload" in the README) and an error in
 *    a second instance that is not running ("start it").
 *  - Postfix's notices routed to the signer (bounce, defer and trace
 *    with a cleanup whose header_checks FILTER to it, or <> in
 *    sender_dependent_default_transport_maps): MAILER-DAEMON@$myorigin
 *    must select a key (conf_select), else an error.
 *  - Where the signer's log lines go (log.c's choice: postlogd socket,
 *    set-gid postlog(1), syslog): one info line, and a warning when they
 *    would be lost.
 *
 * It asks postconf(1), postmap(1) and postmulti(1) (postconf.c) and
 * reads no lookup table itself beyond one postmap query per question.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "diag.h"
#include "keysel.h"
#include "log.h"
#include "monotime.h"
#include "pfpath.h"
#include "postconf.h"
#include "xmem.h"

#define PFPATH_DUMP_MAX		(256 * 1024)	/* bytes of one postconf answer */
#define PFPATH_INSTANCES	8
#define PFPATH_TIMEOUT_MS	5000		/* connect + greeting */
#define PFPATH_DEVLOG		"/dev/log"

struct inst {
	char	 name[64];	/* "-" for the default instance */
	char	 dir[256];	/* its config_directory */
	int	 enabled;
	char	*master;	/* postconf -c DIR -M */
	char	*over;		/* postconf -c DIR -P */
};

struct path {
	const struct conf *cf;
	struct inst	 in[PFPATH_INSTANCES];
	size_t		 n;
};

/* entry_next - the next "postconf -M" line at *pp: name, type, command */
static int
entry_next(const char **pp, char name[128], char type[16], char cmd[64],
    const char **line)
{
	char buf[512];
	const char *p;
	size_t n;

	for (p = *pp; *p != '\0'; p = *pp) {
		n = strcspn(p, "\n");
		*pp = p + n + (p[n] == '\n');
		*line = p;
		snprintf(buf, sizeof(buf), "%.*s", (int)n, p);
		if (sscanf(buf, "%127s %15s %*s %*s %*s %*s %*s %63s", name, type,
		    cmd) == 3)
			return 1;
	}
	return 0;
}

/* runs_signer - does this master.cf entry ("name", type unix) run dkimpipe */
static int
runs_signer(const struct inst *in, const char *svc, size_t len)
{
	char name[128], type[16], cmd[64];
	const char *p = in->master, *line;

	while (entry_next(&p, name, type, cmd, &line))
		if (strlen(name) == len && strncmp(name, svc, len) == 0 &&
		    strcmp(type, "unix") == 0) {
			size_t n = strcspn(line, "\n");

			return memmem(line, n, "dkimpipe deliver", 16) != NULL ||
			    memmem(line, n, "dkimpipe lmtp", 13) != NULL;
		}
	return 0;
}

/* route_signer - does "transport:nexthop" lead to the signer in this instance */
static int
route_signer(const struct inst *in, const char *route)
{
	const char *p;

	route += strspn(route, " \t");
	if (runs_signer(in, route, strcspn(route, ":")))
		return 1;
	if ((p = strstr(route, "unix:private/")) == NULL)
		return 0;
	p += strlen("unix:private/");
	return runs_signer(in, p, strcspn(p, " \t"));
}

/* service_param - name's value for svc ("bounce/unix"): -o, else main.cf */
static void
service_param(const struct inst *in, const char *svc, const char *name,
    char *out, size_t size)
{
	char key[256];

	snprintf(key, sizeof(key), "%s/%s", svc, name);
	if (postconf_dump_get(in->over, key, out, size) == 0)
		return;
	if (postconf_dir_param(in->dir, name, out, size) < 0)
		out[0] = '\0';
}

/* add_instance - read one instance's master.cf and its -o overrides */
static int
add_instance(struct path *p, const char *name, const char *dir, int enabled)
{
	struct inst *in = &p->in[p->n];
	char *buf = xmalloc(PFPATH_DUMP_MAX);

	if (p->n >= PFPATH_INSTANCES || strlen(dir) >= sizeof(in->dir) ||
	    postconf_dir_all(dir, "-M", buf, PFPATH_DUMP_MAX) < 0) {
		free(buf);
		return -1;
	}
	in->master = xstrdup(buf);
	if (postconf_dir_all(dir, "-P", buf, PFPATH_DUMP_MAX) < 0)
		buf[0] = '\0';
	in->over = xstrdup(buf);
	free(buf);
	strlcpy(in->name, name, sizeof(in->name));
	strlcpy(in->dir, dir, sizeof(in->dir));
	in->enabled = enabled;
	p->n++;
	return 0;
}

/* load - the default instance, then the others postmulti(1) lists */
static int
load(struct path *p)
{
	const char *dflt = getenv("MAIL_CONFIG");
	char *list, *s, *line, name[64], group[64], en[8], dir[256];

	if (dflt == NULL || dflt[0] != '/')
		dflt = "/etc/postfix";
	if (add_instance(p, "-", dflt, 1) < 0)
		return -1;
	list = xmalloc(PFPATH_DUMP_MAX);
	if (postmulti_list(list, PFPATH_DUMP_MAX) == 0)
		for (s = list; (line = strsep(&s, "\n")) != NULL; )
			if (sscanf(line, "%63s %63s %7s %255s", name, group, en, dir) == 4 &&
			    strcmp(dir, dflt) != 0)
				(void)add_instance(p, name, dir, strcmp(en, "y") == 0);
	free(list);
	return 0;
}

/* any_signer - does some instance's master.cf run dkimpipe */
static int
any_signer(const struct path *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strstr(p->in[i].master, "dkimpipe deliver") != NULL ||
		    strstr(p->in[i].master, "dkimpipe lmtp") != NULL)
			return 1;
	return 0;
}

/* reinject_where - the reinject address as "127.0.0.1" / "[::1]", and its port */
static int
reinject_where(const struct conf *cf, char *host, size_t size, void *addr)
{
	const struct sockaddr_storage *ss = &cf->reinject_addr;
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		memcpy(addr, &s6->sin6_addr, sizeof(s6->sin6_addr));
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(host, size, "[%s]", a);
		return ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		memcpy(addr, &s4->sin_addr, sizeof(s4->sin_addr));
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(host, size, "%s", a);
		return ntohs(s4->sin_port);
	}
}

/* listens_there - does a master.cf inet name ("ADDR:PORT", "PORT") cover reinject */
static int
listens_there(const struct conf *cf, const char *name)
{
	const char *colon = strrchr(name, ':'), *port = colon ? colon + 1 : name;
	unsigned char want[16], got[16];
	char host[128], dummy[64];
	const struct servent *se;
	const char *err;
	long long n;

	n = strtonum(port, 1, 65535, &err);
	if (err != NULL)
		n = (se = getservbyname(port, "tcp")) != NULL ? ntohs(se->s_port) : -1;
	if (n != reinject_where(cf, dummy, sizeof(dummy), want))
		return 0;
	if (colon == NULL)
		return 1;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - name), name);
	if (strcmp(host, "*") == 0)
		return 1;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	return inet_pton(cf->reinject_addr.ss_family, host, got) == 1 &&
	    memcmp(got, want, cf->reinject_addr.ss_family == AF_INET6 ? 16 : 4) == 0;
}

/* find_owner - the instance and smtpd entry listening on reinject, or NULL */
static struct inst *
find_owner(struct path *p, char *svc, size_t size)
{
	char name[128], type[16], cmd[64];
	const char *s, *line;
	size_t i;

	for (i = 0; i < p->n; i++)
		for (s = p->in[i].master; entry_next(&s, name, type, cmd, &line); )
			if (strcmp(type, "inet") == 0 && strcmp(cmd, "smtpd") == 0 &&
			    listens_there(p->cf, name)) {
				snprintf(svc, size, "%s/inet", name);
				return &p->in[i];
			}
	return NULL;
}

/* ms_left - milliseconds until the deadline, at least 0 */
static int
ms_left(long long end)
{
	long long ms = end - monotime_ms();

	return ms < 0 ? 0 : (int)ms;
}

/* greet - read the greeting on fd until its last line, by the deadline */
static int
greet(int fd, long long end, char *text, size_t size)
{
	char buf[1024];
	size_t got = 0;
	const char *last;
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t n;

	for (;;) {
		if (poll(&pfd, 1, ms_left(end)) <= 0) {
			snprintf(text, size, "no greeting within 5 seconds");
			return -1;
		}
		if ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) <= 0) {
			snprintf(text, size, "the connection closed before a greeting");
			return -1;
		}
		got += (size_t)n;
		buf[got] = '\0';
		for (last = buf; strchr(last, '\n') != NULL &&
		    strchr(last, '\n')[1] != '\0'; last = strchr(last, '\n') + 1)
			;
		if (strchr(last, '\n') != NULL && (strlen(last) < 4 || last[3] != '-'))
			break;
		if (got + 1 >= sizeof(buf))
			break;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strncmp(buf, "220", 3) == 0 && (buf[3] == ' ' || buf[3] == '-' ||
	    buf[3] == '\0'))
		return 0;
	snprintf(text, size, "it answered \"%.100s\" instead of a 220 greeting", buf);
	return -1;
}

/*
 * probe - connect to the reinject address (loopback, set_reinject sees
 * to it), read the 220 greeting, say QUIT: 0, or -1 with what happened
 * (connected set when the connection itself was made)
 */
static int
probe(const struct conf *cf, char *text, size_t size, int *connected)
{
	struct pollfd pfd;
	long long end;
	socklen_t len = sizeof(int);
	int fd, err = 0, rc;

	*connected = 0;
	end = monotime_ms() + PFPATH_TIMEOUT_MS;
	if ((fd = socket(cf->reinject_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0) {
		snprintf(text, size, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)&cf->reinject_addr,
	    cf->reinject_len) < 0 && errno != EINPROGRESS)
		err = errno;
	else {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, ms_left(end)) <= 0)
			err = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
	}
	if (err != 0) {
		snprintf(text, size, "connect: %s", strerror(err));
		close(fd);
		return -1;
	}
	*connected = 1;
	rc = greet(fd, end, text, size);
	(void)send(fd, "QUIT\r\n", 6, MSG_NOSIGNAL);
	close(fd);
	return rc;
}

/*
 * pid_alive - does the master pid file under the instance's queue name
 * a live process: 1, 0, or -1 when this user may not read it (0600 root)
 */
static int
pid_alive(const struct inst *in)
{
	char q[256], path[300], buf[64];
	const char *err;
	long long pid;
	ssize_t n;
	int fd;

	if (postconf_dir_param(in->dir, "queue_directory", q, sizeof(q)) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/pid/master.pid", q);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strspn(buf, " 0123456789")] = '\0';
	pid = strtonum(buf + strspn(buf, " "), 1, INT32_MAX, &err);
	return err == NULL && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/*
 * running - is this instance's Postfix running: 1, 0, or -1 when this
 * user cannot tell (postmulti's status and the pid file are root's)
 */
static int
running(const struct inst *in)
{
	if (geteuid() == 0 && strcmp(in->name, "-") != 0)
		return postmulti_status(in->name) == 0;
	return pid_alive(in);
}

/* reinject_missing - no instance has an smtpd there: add one (or warn) */
static void
reinject_missing(const struct path *p, struct diag *d, const char *host,
    int port, int answered)
{
	char looked[512] = "";
	size_t i, n;

	for (i = 0; i < p->n; i++) {
		n = strlen(looked);
		snprintf(looked + n, sizeof(looked) - n, "%s%s", n ? ", " : "",
		    p->in[i].dir);
	}
	if (answered)
		log_warn("reinject = %s: something answers there, but no Postfix "
		    "instance has an smtpd for %s:%d in its master.cf (looked in "
		    "%s), so check cannot tell whether the copies come back to the "
		    "signer", p->cf->reinject, host, port, looked);
	else
		diag(d, EX_CONFIG, "reinject = %s: no Postfix instance has an smtpd "
		    "for %s:%d in its master.cf (looked in %s) and nothing answers "
		    "there, so every signed copy would wait in the queue; add the "
		    "re-injection smtpd of examples/master.cf to %s/master.cf "
		    "(%s:%d inet n - n - - smtpd -o content_filter= -o "
		    "receive_override_options=no_unknown_recipient_checks,"
		    "no_header_body_checks,no_milters) and run postfix reload",
		    p->cf->reinject, host, port, looked, p->in[0].dir, host, port);
}

/* reinject_filtered - a content filter on the re-injection smtpd loops */
static int
reinject_filtered(const struct inst *in, const struct conf *cf,
    const char *svc, struct diag *d)
{
	char key[200], v[1024];
	const char *where = "master.cf";

	snprintf(key, sizeof(key), "%s/content_filter", svc);
	if (postconf_dump_get(in->over, key, v, sizeof(v)) < 0) {
		where = "main.cf";
		if (postconf_dir_param(in->dir, "content_filter", v, sizeof(v)) < 0)
			return 0;
	}
	if (v[0] == '\0')
		return 0;
	return diag(d, EX_CONFIG, "reinject = %s goes to master.cf service %s of "
	    "%s, which has content_filter = %s (%s): the signed copies would be "
	    "filtered again and loop; set -o content_filter= on %s", cf->reinject,
	    svc, in->dir, v, where, svc);
}

/*
 * check_reinject - the smtpd that reinject names exists in an
 * instance's master.cf, has no content filter, and answers with 220;
 * an instance of its own (not the default one) must be running
 */
static void
check_reinject(struct path *p, struct diag *d)
{
	char host[80], svc[160], why[256], hint[128] = "";
	unsigned char addr[16];
	struct inst *in;
	int port, ok, connected, state;

	if (p->cf->reinject == NULL)
		return;
	port = reinject_where(p->cf, host, sizeof(host), addr);
	ok = probe(p->cf, why, sizeof(why), &connected) == 0;
	if ((in = find_owner(p, svc, sizeof(svc))) == NULL) {
		reinject_missing(p, d, host, port, ok);
		return;
	}
	if (reinject_filtered(in, p->cf, svc, d) < 0 || ok)
		return;
	if ((state = running(in)) != 1 && in != &p->in[0]) {
		if (state < 0)
			snprintf(hint, sizeof(hint), " (if it does run: postmulti -i %s "
			    "-p reload)", in->name);
		diag(d, EX_CONFIG, "reinject = %s goes to master.cf service %s of "
		    "the Postfix instance %s (%s), which %s, so every signed copy "
		    "would wait in the queue; %sstart it: postmulti -i %s -p start%s",
		    p->cf->reinject, svc, in->name, in->dir, state == 0 ?
		    "is not running" : "does not answer there and is most likely not "
		    "running", in->enabled ? "" : "enable and ", in->name, hint);
	}
	else if (connected)
		diag(d, EX_CONFIG, "reinject = %s: master.cf service %s of %s "
		    "accepts the connection but %s", p->cf->reinject, svc, in->dir,
		    why);
	else if (in == &p->in[0])
		log_warn("reinject = %s: nothing answers on %s:%d (%s), though "
		    "master.cf service %s of %s defines it; run postfix %s",
		    p->cf->reinject, host, port, why, svc, in->dir, state == 1 ?
		    "reload" : state == 0 ? "start" :
		    "reload (postfix start if it is not running)");
	else
		log_warn("reinject = %s: nothing answers on %s:%d (%s), though "
		    "the running instance %s defines it (master.cf service %s); "
		    "run postmulti -i %s -p reload", p->cf->reinject, host, port, why,
		    in->name, svc, in->name);
}

/* filters_to_signer - does a header_checks list FILTER a notice to the signer */
static int
filters_to_signer(const struct inst *in, const char *maps, char *route,
    size_t size)
{
	static const char notice[] =
	    "From: Mail Delivery System <MAILER-DAEMON@localhost>";
	char map[512], v[512];
	const char *p = maps;
	size_t len;

	while (*(p += strspn(p, ", \t")) != '\0') {
		len = strcspn(p, ", \t");
		snprintf(map, sizeof(map), "%.*s", (int)len, p);
		p += len;
		if (postmap_query(notice, map, v, sizeof(v)) < 0)
			continue;
		if (strncasecmp(v, "FILTER ", 7) == 0 && route_signer(in, v + 7)) {
			snprintf(route, size, "header_checks %.200s: %.200s", map, v);
			return 1;
		}
		return 0;		/* the first match decides */
	}
	return 0;
}

/*
 * notices_route - are Postfix's notices sent to the signer in this
 * instance: bounce, defer or trace with a cleanup whose header_checks
 * FILTER them there, or <> routed there by sender; how, in route
 */
static int
notices_route(const struct inst *in, char *route, size_t size, char *cleanup,
    size_t csize)
{
	static const char *const daemons[] = { "bounce", "defer", "trace" };
	char svc[160], v[1024], how[600];
	size_t i;

	cleanup[0] = '\0';

	for (i = 0; i < sizeof(daemons) / sizeof(daemons[0]); i++) {
		snprintf(svc, sizeof(svc), "%s/unix", daemons[i]);
		service_param(in, svc, "internal_mail_filter_classes", v, sizeof(v));
		if (!postconf_has_word(v, "bounce"))
			continue;
		service_param(in, svc, "cleanup_service_name", v, sizeof(v));
		snprintf(svc, sizeof(svc), "%.120s/unix", v[0] ? v : "cleanup");
		service_param(in, svc, "header_checks", v, sizeof(v));
		if (filters_to_signer(in, v, how, sizeof(how))) {
			snprintf(route, size, "%s/unix through %.150s, %.400s", daemons[i], svc,
			    how);
			snprintf(cleanup, csize, "%s", svc);
			return 1;
		}
	}
	if (postconf_dir_param(in->dir, "sender_dependent_default_transport_maps",
	    v, sizeof(v)) == 0 && v[0] != '\0' &&
	    postmap_query("<>", v, how, sizeof(how)) == 0 && route_signer(in, how)) {
		snprintf(route, size, "sender_dependent_default_transport_maps "
		    "routes <> to %.400s", how);
		/* the bounce daemon's cleanup qualifies MAILER-DAEMON */
		service_param(in, "bounce/unix", "cleanup_service_name", v, sizeof(v));
		snprintf(cleanup, csize, "%.120s/unix", v[0] ? v : "cleanup");
		return 1;
	}
	return 0;
}

/*
 * notices_origin - the domain MAILER-DAEMON is qualified with in the
 * notices: myorigin of the trivial-rewrite service their cleanup uses
 * (its -o, else main.cf's), read from the file it names when it is a path
 * (Debian's /etc/mailname)
 */
static void
notices_origin(const struct inst *in, const char *cleanup, char *dom, size_t size)
{
	char rewrite[160], v[256];
	FILE *f;

	dom[0] = '\0';
	if (cleanup[0] != '\0') {
		service_param(in, cleanup, "rewrite_service_name", v, sizeof(v));
		snprintf(rewrite, sizeof(rewrite), "%.120s/unix", v[0] ? v : "rewrite");
		service_param(in, rewrite, "myorigin", dom, size);
	} else if (postconf_dir_param(in->dir, "myorigin", dom, size) < 0)
		dom[0] = '\0';
	if (dom[0] != '/')
		return;
	if ((f = fopen(dom, "r")) == NULL || fgets(v, sizeof(v), f) == NULL)
		v[0] = '\0';
	if (f != NULL)
		fclose(f);
	v[strcspn(v, " \t\r\n")] = '\0';
	snprintf(dom, size, "%s", v);
}

/* check_notices - notices sent to the signer need a key for MAILER-DAEMON@$myorigin */
static void
check_notices(const struct path *p, struct diag *d)
{
	struct sigsel sel[CONF_MAXSIG];
	char route[1024], dom[256], addr[300], cleanup[160];
	size_t i, j, n;

	for (i = 0; i < p->n; i++) {
		if (!notices_route(&p->in[i], route, sizeof(route), cleanup,
		    sizeof(cleanup)))
			continue;
		notices_origin(&p->in[i], cleanup, dom, sizeof(dom));
		if (dom[0] == '\0')
			continue;
		for (j = 0; dom[j] != '\0'; j++)
			dom[j] = (char)tolower((unsigned char)dom[j]);
		snprintf(addr, sizeof(addr), "MAILER-DAEMON@%s", dom);
		memset(sel, 0, sizeof(sel));
		n = conf_select(p->cf, addr, dom, sel, CONF_MAXSIG);
		conf_sel_free(sel, n);
		if (n == 0)
			diag(d, EX_CONFIG, "%s sends Postfix's notices to the signer (%s), "
			    "but notices from MAILER-DAEMON@%s would go unsigned: set "
			    "myorigin = <a signing domain> in main.cf, or add a "
			    "SigningTable line for %s", p->in[i].dir, route, dom, dom);
	}
}

/* dgram_reach - connect a datagram socket to path: 0, or an errno */
static int
dgram_reach(const char *path)
{
	struct sockaddr_un sun;
	int fd, err = 0;

	if (strlen(path) >= sizeof(sun.sun_path))
		return ENAMETOOLONG;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return errno;
	if (connect(fd, (struct sockaddr *)(void *)&sun, sizeof(sun)) < 0)
		err = errno;
	close(fd);
	return err;
}

/*
 * signer_ids - the user and group of the instance's first master.cf
 * entry that runs dkimpipe ("user=NAME" or "user=NAME:GROUP"); -1
 * when there is none
 */
static int
signer_ids(const struct inst *in, uid_t *uid, gid_t *gid)
{
	char name[128] = "", type[16], cmd[64], user[128];
	const char *s = in->master, *line, *u;
	const struct passwd *pw;
	const struct group *gr;
	size_t n;

	while (entry_next(&s, name, type, cmd, &line)) {
		n = strcspn(line, "\n");
		if ((memmem(line, n, "dkimpipe deliver", 16) != NULL ||
		    memmem(line, n, "dkimpipe lmtp", 13) != NULL) &&
		    (u = memmem(line, n, " user=", 6)) != NULL) {
			snprintf(user, sizeof(user), "%.*s", (int)strcspn(u + 6, " \t\n"),
			    u + 6);
			u = strchr(user, ':');
			if (u != NULL)
				user[u - user] = '\0';
			if ((pw = getpwnam(user)) == NULL)
				return -1;
			*uid = pw->pw_uid;
			*gid = pw->pw_gid;
			if (u != NULL && (gr = getgrnam(u + 1)) != NULL)
				*gid = gr->gr_gid;
			return 0;
		}
	}
	return -1;
}

/* may - may uid/gid (no supplementary groups) do "bits" (a 0-7 mask) on path */
static int
may(const char *path, uid_t uid, gid_t gid, unsigned bits)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	if (st.st_uid == uid)
		return ((st.st_mode >> 6) & bits) == bits;
	if (st.st_gid == gid)
		return ((st.st_mode >> 3) & bits) == bits;
	return (st.st_mode & bits) == bits;
}

/*
 * signer_reach - can the signer reach the socket: as this process when
 * not root; as root, connect for the socket's life and judge the modes
 * for the signer's master.cf user (its directory, the socket)
 */
static int
signer_reach(const struct path *p, const char *path)
{
	char dir[512];
	uid_t uid;
	gid_t gid;
	int err;

	if ((err = dgram_reach(path)) != 0 || geteuid() != 0 ||
	    signer_ids(&p->in[0], &uid, &gid) < 0)
		return err;
	snprintf(dir, sizeof(dir), "%s", path);
	if (strrchr(dir, '/') != NULL)
		*strrchr(dir, '/') = '\0';
	return may(dir, uid, gid, 1) && may(path, uid, gid, 2) ? 0 : EACCES;
}

/* postlog_path - the postlogd socket the signer will use (log.c's choice) */
static void
postlog_path(const struct path *p, char *out, size_t size)
{
	char env[1024], q[256], svc[128];

	if (p->cf->postlog_socket != NULL) {
		snprintf(out, size, "%s", p->cf->postlog_socket);
		return;
	}
	/* POSTLOG_SERVICE reaches the signer only through export_environment */
	if (postconf_dir_param(p->in[0].dir, "export_environment", env,
	    sizeof(env)) == 0 && postconf_has_word(env, "POSTLOG_SERVICE") &&
	    postconf_dir_param(p->in[0].dir, "queue_directory", q, sizeof(q)) == 0 &&
	    postconf_dir_param(p->in[0].dir, "postlog_service_name", svc,
	    sizeof(svc)) == 0) {
		snprintf(out, size, "%s/public/%s", q, svc);
		return;
	}
	snprintf(out, size, "%s", POSTLOG_SOCKET);
}

/* setgid_postlog - is cmd an executable set-gid postlog(1), as log.c wants */
static int
setgid_postlog(const char *cmd)
{
	struct stat st;

	return stat(cmd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & S_ISGID) && access(cmd, X_OK) == 0;
}

/* via_postlog - log_to = postlog: 1 when the lines get there, else 0 (syslog next) */
static int
via_postlog(const struct path *p)
{
	const char *cmd = p->cf->postlog_command ? p->cf->postlog_command :
	    POSTLOG_COMMAND;
	char sock[512];
	int err;

	postlog_path(p, sock, sizeof(sock));
	if ((err = signer_reach(p, sock)) == 0) {
		log_info("logs: postlogd socket %s", sock);
		return 1;
	}
	if (setgid_postlog(cmd)) {
		log_info("logs: postlogd through %s (set-gid postdrop; the signer "
		    "cannot reach %s: %s)", cmd, sock, strerror(err));
		return 1;
	}
	log_warn("logs: log_to = postlog, but the signer cannot reach the postlogd "
	    "socket %s (%s) and %s is not set-gid postdrop, so its lines go to "
	    "syslog instead; %s", sock, strerror(err), cmd, err == EACCES ?
	    "give the spawn(8) signer the group postdrop (user=dkimpipe:postdrop), "
	    "or make postlog(1) set-gid postdrop (dpkg-statoverride --update --add "
	    "root postdrop 2755 /usr/sbin/postlog)" :
	    "set maillog_file in main.cf so that postlogd runs, or name its socket "
	    "with postlog_socket");
	return 0;
}

/*
 * check_logs - where the signer's log lines go, as log.c chooses: the
 * postlogd socket, postlog(1), syslog; a warning when nothing takes them
 */
static void
check_logs(const struct path *p)
{
	int to = p->cf->log_to ? p->cf->log_to : LOG_TO_SYSLOG, err;

	if ((to & LOG_TO_POSTLOG) && !via_postlog(p))
		to |= LOG_TO_SYSLOG;
	if (!(to & LOG_TO_SYSLOG)) {
		if (!(to & LOG_TO_POSTLOG))
			log_info("logs: stderr only (log_to = stderr)");
		return;
	}
	if ((err = dgram_reach(PFPATH_DEVLOG)) == 0)
		log_info("logs: syslog (%s)", PFPATH_DEVLOG);
	else
		log_warn("logs: %s, but nothing listens on %s (%s): the signer's log "
		    "lines are lost; start a syslog daemon (rsyslog), or with "
		    "Postfix's maillog_file set log_to = postlog (README \"Logs\")",
		    p->cf->log_to == 0 ? "log_to = syslog (the default)" :
		    (p->cf->log_to & LOG_TO_SYSLOG) ? "log_to includes syslog" :
		    "the lines fall back to syslog", PFPATH_DEVLOG, strerror(err));
}

/* pfpath - check the path around the signer, when Postfix runs it */
void
pfpath(const struct conf *cf, struct diag *d)
{
	struct path p;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.cf = cf;
	if (load(&p) == 0 && any_signer(&p)) {
		check_reinject(&p, d);
		check_notices(&p, d);
		check_logs(&p);
	}
	for (i = 0; i < p.n; i++) {
		free(p.in[i].master);
		free(p.in[i].over);
	}
}
