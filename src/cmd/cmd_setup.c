/*
 * cmd_setup - "dkimpipe setup": wire dkimpipe into the Postfix it runs
 * on, as the README's recipes do by hand, and "dkimpipe setup --undo".
 *
 * It makes the keys (never over an existing one), writes dkimpipe.conf
 * (and KeyTable/SigningTable for more than one key), changes Postfix
 * only through postconf(1) after keeping a copy of main.cf and master.cf,
 * reloads Postfix, and prints the DNS records to publish. Running it
 * again with the same arguments changes nothing; with other arguments it
 * changes what differs. It refuses, changing nothing, when it is not
 * root, Postfix is missing or stopped, master.cf does not parse, a path
 * already has a content filter, or a domain is not a domain. What to
 * change is setup_plan's; how, setup_apply's; undoing, setup_undo's.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cmds.h"
#include "conffile.h"
#include "deadline.h"
#include "dnsrec.h"
#include "keys.h"
#include "log.h"
#include "runcmd.h"
#include "setup_apply.h"
#include "setup_instance.h"
#include "setup_link.h"
#include "setup_undo.h"
#include "usage.h"
#include "wholefile.h"
#include "xmem.h"

#define KEYS_DIR	"/etc/dkimpipe/keys"
#define ROTATION_DIR	"/var/lib/dkimpipe/rotation"
#define KEYTABLE	"/etc/dkimpipe/KeyTable"
#define SIGNINGTABLE	"/etc/dkimpipe/SigningTable"
#define MARK		"written by \"dkimpipe setup\""
#define SIGNER_USER	"dkimpipe"
#define POSTLOG		"/usr/sbin/postlog"
#define STATOVERRIDE	"/usr/bin/dpkg-statoverride"

struct key {
	char		 domain[254];
	char		 selector[64];
	enum alg	 alg;
	char		 path[PATH_MAX];
	int		 make;		/* does not exist yet */
};

struct args {
	struct setup_opts o;
	int		 dryrun, undo, rsa, ed;
	const char	*selector;
	char		**domains;
	int		 ndomains;
	struct key	*keys;
	size_t		 nkeys;
	char		 confdir[PATH_MAX];
	char		 binary[PATH_MAX];
	char		 link[PATH_MAX];	/* --mode proxy: daemon_directory/dkimpipe */
	int		 linkmake;	/* it is to be made (or pointed here) */
	struct buf	 conf, keytable, signingtable;
	struct buf	 networks;	/* internal_hosts, for --mode transport */
};

/* fail - the one line a refusal or failure says; its exit status */
static int
fail(const struct why *why)
{
	log_error("setup: %s", why->text);
	return why->status != 0 ? why->status : EX_SOFTWARE;
}

/* is_domain - a DNS name of two or more LDH labels, lower-cased in place */
static int
is_domain(char *d)
{
	size_t len = strlen(d), label = 0, labels = 1, i;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		d[i] = (char)tolower((unsigned char)d[i]);
		if (d[i] == '.') {
			if (label == 0 || d[i - 1] == '-')
				return 0;
			label = 0;
			labels++;
		} else if (isalnum((unsigned char)d[i]) || (d[i] == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return label > 0 && d[len - 1] != '-' && labels >= 2;
}

/* parse_paths - "submission,smtp,sendmail,notices" */
static int
parse_paths(const char *list, unsigned *paths)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "submission", SETUP_SUBMISSION }, { "smtp", SETUP_SMTP },
		{ "sendmail", SETUP_SENDMAIL }, { "notices", SETUP_NOTICES },
	};
	char *copy = xstrdup(list), *p = copy, *w;
	size_t i;

	*paths = 0;
	while ((w = strsep(&p, ",")) != NULL) {
		for (i = 0; i < 4 && strcmp(w, names[i].name) != 0; i++)
			;
		if (i == 4) {
			free(copy);
			return -1;
		}
		*paths |= names[i].bit;
	}
	free(copy);
	return *paths != 0 ? 0 : -1;
}

/* parse - the command line into a: 0, or an exit status */
static int
parse(struct args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "undo", no_argument, NULL, 'U' },
		{ "mode", required_argument, NULL, 'm' },
		{ "reinject", required_argument, NULL, 'r' },
		{ "paths", required_argument, NULL, 'p' },
		{ "selector", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, paths = 0;

	a->o.mode = SETUP_SPAWN;
	a->o.smtp = 1;
	a->o.paths = SETUP_SUBMISSION | SETUP_SMTP | SETUP_SENDMAIL | SETUP_NOTICES;
	a->rsa = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n': a->dryrun = 1; break;
		case 'U': a->undo = 1; break;
		case 'm':
			if (strcmp(optarg, "pipe") == 0)
				a->o.mode = SETUP_PIPE;
			else if (strcmp(optarg, "spawn") == 0)
				a->o.mode = SETUP_SPAWN;
			else if (strcmp(optarg, "transport") == 0)
				a->o.mode = SETUP_TRANSPORT;
			else if (strcmp(optarg, "proxy") == 0)
				a->o.mode = SETUP_PROXY;
			else
				return log_usage("setup: --mode is pipe, spawn, transport or "
				    "proxy"), EX_USAGE;
			break;
		case 'r':
			if (strcmp(optarg, "smtp") != 0 && strcmp(optarg, "sendmail") != 0)
				return log_usage("setup: --reinject is smtp or sendmail"), EX_USAGE;
			a->o.smtp = strcmp(optarg, "smtp") == 0;
			break;
		case 'p':
			if (parse_paths(optarg, &a->o.paths) < 0)
				return log_usage("setup: --paths is a list of submission, "
				    "smtp, sendmail and notices"), EX_USAGE;
			paths = 1;
			break;
		case 's': a->selector = optarg; break;
		case 'k':
			a->rsa = strcmp(optarg, "rsa") == 0 || strcmp(optarg, "both") == 0;
			a->ed = strcmp(optarg, "ed25519") == 0 || strcmp(optarg, "both") == 0;
			if (!a->rsa && !a->ed)
				return log_usage("setup: --key is rsa, ed25519 or both"), EX_USAGE;
			break;
		default:
			return usage_error("setup");
		}
	}
	a->domains = argv + optind;
	a->ndomains = argc - optind;
	if (a->o.mode == SETUP_TRANSPORT && !a->o.smtp)
		return log_usage("setup: --mode transport re-injects over SMTP into "
		    "its second instance (no --reinject sendmail)"), EX_USAGE;
	if (a->o.mode == SETUP_PROXY && !a->o.smtp)
		return log_usage("setup: --mode proxy passes each message over SMTP "
		    "to the re-injection smtpd (no --reinject sendmail)"), EX_USAGE;
	if (a->o.mode == SETUP_PROXY && paths && a->o.paths != SETUP_SUBMISSION)
		return log_usage("setup: --mode proxy signs submission only; sign "
		    "the other paths with --mode spawn"), EX_USAGE;
	if (a->o.mode == SETUP_PROXY)
		a->o.paths = SETUP_SUBMISSION;
	if (a->undo != (a->ndomains == 0))
		return usage_error("setup");
	return 0;
}

/* preflight - root, Postfix installed and running, master.cf readable */
static int
preflight(struct args *a, struct why *why)
{
	const char *status[] = { "/usr/sbin/postfix", "status", NULL };
	const char *master[] = { "/usr/sbin/postconf", "-M", NULL };
	struct buf v;
	char err[512];
	ssize_t n;
	int i, j;

	if (geteuid() != 0)
		return why_set(why, EX_NOPERM, "must be run as root");
	if (access("/usr/sbin/postconf", X_OK) < 0)
		return why_set(why, EX_UNAVAILABLE, "Postfix is not installed "
		    "(no /usr/sbin/postconf)");
	for (i = 0; i < a->ndomains; i++) {
		if (!is_domain(a->domains[i]))
			return why_set(why, EX_USAGE, "%s is not a domain name",
			    a->domains[i]);
		for (j = 0; j < i; j++)
			if (strcmp(a->domains[i], a->domains[j]) == 0)
				return why_set(why, EX_USAGE, "%s is given twice",
				    a->domains[i]);
	}
	if (!a->undo && runcmd(master, NULL, err, sizeof(err)) != 0)
		return why_set(why, EX_CONFIG, "cannot parse master.cf: %s",
		    err[0] != '\0' ? err : "postconf -M failed");
	if (!a->undo && runcmd(status, NULL, err, sizeof(err)) != 0)
		return why_set(why, EX_UNAVAILABLE, "Postfix is not running: "
		    "start it first (postfix start)");
	buf_init(&v);
	if (pfedit_effective(NULL, "config_directory", &v, why) < 0) {
		buf_free(&v);
		return why->status;
	}
	strlcpy(a->confdir, v.data, sizeof(a->confdir));
	buf_free(&v);
	if ((n = readlink("/proc/self/exe", a->binary, sizeof(a->binary) - 1)) < 0)
		return why_set(why, EX_OSERR, "/proc/self/exe: %s", strerror(errno));
	a->binary[n] = '\0';
	return 0;
}

/* add_key - one key to sign with: its file, made unless it exists */
static int
add_key(struct args *a, const char *domain, const char *sel, enum alg alg,
    struct why *why)
{
	struct passwd *pw;
	struct stat st;
	struct key *k;
	enum alg have;

	a->keys = xreallocarray(a->keys, a->nkeys + 1, sizeof(*a->keys));
	k = &a->keys[a->nkeys++];
	memset(k, 0, sizeof(*k));
	strlcpy(k->domain, domain, sizeof(k->domain));
	strlcpy(k->selector, sel, sizeof(k->selector));
	k->alg = alg;
	snprintf(k->path, sizeof(k->path), "%s/%s/%s.private", KEYS_DIR, domain, sel);
	if (access(k->path, F_OK) < 0) {
		k->make = 1;
		return 0;
	}
	if (keys_kind(k->path, 0, &have, why) < 0)
		return why->status;
	if (have != alg)
		return why_set(why, EX_CONFIG, "%s is an %s key, not %s: choose another "
		    "--selector", k->path, keys_alg_name(have), keys_alg_name(alg));
	if (stat(k->path, &st) == 0 && ((st.st_mode & 07777) != 0600 ||
	    ((pw = getpwnam(SIGNER_USER)) != NULL && st.st_uid != pw->pw_uid)))
		log_warn("setup: %s is kept as it is (mode %04o, uid %u); the signer "
		    "needs it 0600 and owned by %s", k->path, (unsigned)(st.st_mode & 07777),
		    (unsigned)st.st_uid, SIGNER_USER);
	return 0;
}

/* plan_keys - per domain, an rsa key "S" and/or an ed25519 key ("S-ed" beside rsa) */
static int
plan_keys(struct args *a, const char *sel, struct why *why)
{
	char ed[64];
	int i, r;

	if (strlen(sel) > 50 ||
	    strspn(sel, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(sel) ||
	    sel[0] == '-' || sel[0] == '\0')
		return why_set(why, EX_USAGE, "selector %s: use letters, digits and "
		    "hyphens", sel);
	snprintf(ed, sizeof(ed), a->rsa ? "%s-ed" : "%s", sel);
	for (i = 0; i < a->ndomains; i++) {
		if (a->rsa && (r = add_key(a, a->domains[i], sel, ALG_RSA_SHA256, why)) != 0)
			return r;
		if (a->ed && (r = add_key(a, a->domains[i], ed, ALG_ED25519_SHA256, why)) != 0)
			return r;
	}
	return 0;
}

/* write_conf - dkimpipe.conf, and the tables when there is more than one key */
static void
write_conf(struct args *a)
{
	size_t i;

	buf_printf(&a->conf, "# %s - " MARK " (dkimpipe.conf(5)).\n"
	    "# \"dkimpipe setup\" rewrites it; \"dkimpipe setup --undo\" keeps it.\n",
	    CONF_DEFAULT_PATH);
	if (a->nkeys == 1)
		buf_printf(&a->conf, "domain = %s\nselector = %s\nkeyfile = %s\n",
		    a->keys[0].domain, a->keys[0].selector, a->keys[0].path);
	else {
		buf_printf(&a->conf, "keytable = %s\nsigningtable = refile:%s\n",
		    KEYTABLE, SIGNINGTABLE);
		if (a->rsa && a->ed)
			buf_printf(&a->conf, "multiple_signatures = yes\n");
		buf_printf(&a->keytable, "# %s - " MARK "\n", KEYTABLE);
		buf_printf(&a->signingtable, "# %s - " MARK "\n", SIGNINGTABLE);
		for (i = 0; i < a->nkeys; i++) {
			buf_printf(&a->keytable, "%s._domainkey.%s %s:%s:%s\n",
			    a->keys[i].selector, a->keys[i].domain, a->keys[i].domain,
			    a->keys[i].selector, a->keys[i].path);
			buf_printf(&a->signingtable, "*@%s %s._domainkey.%s\n",
			    a->keys[i].domain, a->keys[i].selector, a->keys[i].domain);
		}
	}
	if (a->o.mode == SETUP_TRANSPORT)
		buf_printf(&a->conf, "reinject = smtp:[127.0.0.1]:%s\n"
		    "internal_hosts = %s\n", strchr(SETUP_INSTANCE_PORT, ':') + 1,
		    a->networks.len > 0 ? a->networks.data : "127.0.0.1, ::1");
	else if (a->o.smtp)
		buf_printf(&a->conf, "reinject = smtp:[127.0.0.1]:%s\n",
		    strchr(SETUP_REINJECT, ':') + 1);
	if (a->o.postlog)
		buf_printf(&a->conf, "log_to = postlog\n");
}

/* ours - may setup (re)write path: absent, only comments, or written by setup */
static int
ours(const char *path, struct why *why)
{
	struct buf b;
	const char *p;
	int mine;

	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	buf_init(&b);
	if (wholefile_read(path, &b, why) < 0) {
		buf_free(&b);
		return why->status;
	}
	buf_addc(&b, '\0');
	mine = strstr(b.data, MARK) != NULL;
	for (p = b.data; !mine && *p != '\0'; p += strcspn(p, "\n"), p += *p == '\n') {
		p += strspn(p, " \t");
		if (*p != '#' && *p != '\n' && *p != '\0')
			break;
	}
	mine = mine || *p == '\0';
	buf_free(&b);
	if (!mine)
		return why_set(why, EX_CONFIG, "%s has settings of its own: move it "
		    "away, or set Postfix up by hand (README)", path);
	return 0;
}

/* show_files - the dkimpipe files a run writes, when they differ */
static int
show_files(struct args *a, const char *const paths[], const struct buf *const texts[])
{
	int i, n = 0;

	for (i = 0; i < 3; i++)
		if (texts[i]->len > 0 && !wholefile_same(paths[i], texts[i]->data,
		    texts[i]->len)) {
			printf("write %s\n", paths[i]);
			n++;
		}
	for (size_t k = 0; k < a->nkeys; k++)
		if (a->keys[k].make) {
			printf("%s keygen -t %s -d %s -s %s -D %s/%s\n", a->binary,
			    a->keys[k].alg == ALG_RSA_SHA256 ? "rsa" : "ed25519",
			    a->keys[k].domain, a->keys[k].selector, KEYS_DIR,
			    a->keys[k].domain);
			n++;
		}
	return n;
}

/*
 * key_dir - a directory for keys, 0750, group the signer's; owned by the
 * signer too when it runs with the group postdrop (own)
 */
static int
key_dir(const char *dir, const struct passwd *pw, int own, struct why *why)
{
	if (mkdir(dir, 0750) == 0) {
		if (chown(dir, own ? pw->pw_uid : 0, pw->pw_gid) < 0)
			return why_set(why, EX_OSERR, "%s: %s", dir, strerror(errno));
	} else if (errno != EEXIST)
		return why_set(why, EX_CANTCREAT, "%s: %s", dir, strerror(errno));
	else if (own && chown(dir, pw->pw_uid, pw->pw_gid) < 0)
		return why_set(why, EX_OSERR, "%s: %s", dir, strerror(errno));
	return 0;
}

/*
 * state_dir - the directory of the DNS gate's state file (state_file's
 * default), 0700, the signer's own: it writes there when a KeyTable key
 * has activate=
 */
static int
state_dir(const struct passwd *pw, struct why *why)
{
	if (mkdir("/var/lib/dkimpipe", 0755) < 0 && errno != EEXIST)
		return why_set(why, EX_CANTCREAT, "/var/lib/dkimpipe: %s",
		    strerror(errno));
	if (mkdir(ROTATION_DIR, 0700) == 0) {
		if (chown(ROTATION_DIR, pw->pw_uid, pw->pw_gid) < 0)
			return why_set(why, EX_OSERR, "%s: %s", ROTATION_DIR,
			    strerror(errno));
	} else if (errno != EEXIST)
		return why_set(why, EX_CANTCREAT, "%s: %s", ROTATION_DIR,
		    strerror(errno));
	return 0;
}

/*
 * spawned - the signer is a long-lived process (spawn(8) lmtp, or the
 * proxy run by master(8)) that logs to postlogd itself with the group
 * postdrop, not through postlog(1)
 */
static int
spawned(const struct args *a)
{
	return a->o.mode == SETUP_SPAWN || a->o.mode == SETUP_PROXY;
}

/* make_keys - every missing key, owned by the signer's user, mode 0600 */
static int
make_keys(struct args *a, const struct passwd *pw, struct why *why)
{
	char dir[PATH_MAX];
	int own = a->o.postlog && spawned(a);	/* group is postdrop */
	size_t i;

	if (mkdir("/etc/dkimpipe", 0755) < 0 && errno != EEXIST)
		return why_set(why, EX_CANTCREAT, "/etc/dkimpipe: %s", strerror(errno));
	if (key_dir(KEYS_DIR, pw, own, why) != 0 || state_dir(pw, why) != 0)
		return -1;
	for (i = 0; i < a->nkeys; i++) {
		const char *argv[] = { a->binary, "keygen", "-t",
		    a->keys[i].alg == ALG_RSA_SHA256 ? "rsa" : "ed25519",
		    "-d", a->keys[i].domain, "-s", a->keys[i].selector, "-D", dir, NULL };

		snprintf(dir, sizeof(dir), "%s/%s", KEYS_DIR, a->keys[i].domain);
		if (key_dir(dir, pw, own, why) != 0)
			return -1;
		if (!a->keys[i].make)
			continue;
		if (runcmd(argv, NULL, NULL, 0) != 0)
			return why_set(why, EX_CANTCREAT, "cannot make %s", a->keys[i].path);
		if (chown(a->keys[i].path, pw->pw_uid, pw->pw_gid) < 0)
			return why_set(why, EX_OSERR, "%s: %s", a->keys[i].path,
			    strerror(errno));
	}
	return 0;
}

/* signer_user - the user the signer runs as, made when missing */
static struct passwd *
signer_user(int dryrun, struct why *why)
{
	const char *argv[] = { "/usr/sbin/useradd", "--system", "--user-group",
	    "--no-create-home", "--home-dir", "/nonexistent", "--shell",
	    "/usr/sbin/nologin", SIGNER_USER, NULL };
	struct passwd *pw;

	if ((pw = getpwnam(SIGNER_USER)) != NULL)
		return pw;
	if (setup_command(argv, dryrun, why) < 0)
		return NULL;
	if (dryrun) {
		static struct passwd none;

		return &none;
	}
	if ((pw = getpwnam(SIGNER_USER)) == NULL)
		why_set(why, EX_NOUSER, "no user %s after useradd", SIGNER_USER);
	return pw;
}

/* postlog_setgid - with pipe(8) and maillog_file, postlog(1) set-gid postdrop */
static int
postlog_setgid(int dryrun, struct why *why)
{
	const char *list[] = { STATOVERRIDE, "--list", POSTLOG, NULL };
	const char *add[] = { STATOVERRIDE, "--update", "--add", "root", "postdrop",
	    "2755", POSTLOG, NULL };
	struct stat st;

	if (stat(POSTLOG, &st) == 0 && (st.st_mode & S_ISGID))
		return 0;
	if (access(STATOVERRIDE, X_OK) < 0 || runcmd(list, NULL, NULL, 0) == 0)
		return 0;	/* not Debian, or the admin's own override */
	return setup_command(add, dryrun, why) < 0 ? -1 : 1;
}

/* records - the DNS records to publish, and what to run then */
static void
records(const struct args *a)
{
	struct buf rec;
	struct why why;
	EVP_PKEY *k;
	size_t i;

	buf_init(&rec);
	printf("\nPublish %s in DNS:\n\n", a->nkeys == 1 ? "this record" : "these records");
	for (i = 0; i < a->nkeys; i++) {
		if ((k = keys_load(a->keys[i].path, 0, &why)) == NULL) {
			log_error("setup: %s", why.text);
			continue;
		}
		buf_reset(&rec);
		dnsrec_zone(&rec, k, a->keys[i].selector, a->keys[i].domain);
		printf("%.*s\n", (int)rec.len, rec.data);
		EVP_PKEY_free(k);
	}
	printf("Then check %s with: runuser -u %s -- dkimpipe testkey\n",
	    a->nkeys == 1 ? "it" : "them", SIGNER_USER);
	buf_free(&rec);
}

/*
 * origin_domain - myorigin's value, read from the file it names when it
 * is a path (Debian's "myorigin = /etc/mailname")
 */
static void
origin_domain(struct buf *v)
{
	struct buf f;
	struct why why;
	size_t n;

	if (v->data[0] != '/')
		return;
	buf_init(&f);
	if (wholefile_read(v->data, &f, &why) == 0) {
		n = strcspn(f.data != NULL ? f.data : "", "\r\n");
		buf_reset(v);
		buf_add(v, f.data, n < f.len ? n : f.len);
		buf_addc(v, '\0');
		v->len--;
	}
	buf_free(&f);
}

/* orig_view - the options that depend on the configuration before setup */
static int
orig_view(struct args *a, const char *orig, struct why *why)
{
	struct buf v;
	int i, ours_origin = 0;

	buf_init(&v);
	if (pfedit_effective(orig, "maillog_file", &v, why) < 0 ||
	    (a->o.postlog = v.data[0] != '\0', 0) ||
	    pfedit_effective(orig, "myorigin", &v, why) < 0) {
		buf_free(&v);
		return -1;
	}
	origin_domain(&v);
	for (i = 0; i < a->ndomains; i++)
		ours_origin |= strcasecmp(v.data, a->domains[i]) == 0;
	if ((a->o.paths & SETUP_NOTICES) && !ours_origin)
		a->o.origin = a->domains[0];	/* so that a bounce is signed */
	buf_free(&v);
	return 0;
}

/* write_all - the dkimpipe files that differ */
static int
write_all(const char *const paths[], const struct buf *const texts[], struct why *why)
{
	int i;

	for (i = 0; i < 3; i++)
		if (texts[i]->len > 0 && !wholefile_same(paths[i], texts[i]->data,
		    texts[i]->len) && wholefile_write(paths[i], texts[i]->data,
		    texts[i]->len, 0644, 0, 0, why) < 0)
			return -1;
	return 0;
}

/* own - the owned list: the plan's settings and files, and the selector */
static void
own(struct setup_owned *o, const struct setup_plan *p, const char *sel)
{
	size_t i;

	for (i = 0; i < p->nset; i++)
		setup_owned_add(o, p->set[i].kind, p->set[i].key);
	for (i = 0; i < p->nfiles; i++)
		setup_owned_file(o, p->files[i].path);
	strlcpy(o->selector, sel, sizeof(o->selector));
}

/*
 * keep_signers - the signer services an earlier run made stay, and stay
 * owned, when the plan no longer names them (another --mode): mail
 * already queued for them must still find them; --undo removes them
 */
static void
keep_signers(struct setup_owned *now, const struct setup_owned *prev,
    const struct setup_plan *p)
{
	size_t i;

	for (i = 0; i < prev->nset; i++)
		if (setup_signer_entry(&prev->set[i]))
			setup_owned_add(now, PF_ENTRY, prev->set[i].key);
	(void)p;
}

/* has_line_prefix - does a line of the file start with prefix? */
static int
has_line_prefix(const char *path, const char *prefix)
{
	struct buf b;
	struct why why;
	const char *p;
	int yes = 0;

	buf_init(&b);
	if (wholefile_read(path, &b, &why) == 0) {
		buf_addc(&b, '\0');
		for (p = b.data; p != NULL && !yes; p = strchr(p, '\n'), p = p ? p + 1 : p)
			yes = strncmp(p, prefix, strlen(prefix)) == 0;
	}
	buf_free(&b);
	return yes;
}

/* apply - make the set-up; a failure leaves what it owns undoable */
static int
apply(struct args *a, struct setup_plan *p, struct setup_changes *c,
    struct setup_owned *prev, const char *sel, struct why *why)
{
	const char *reload[] = { "/usr/sbin/postfix", "reload", NULL };
	const char *paths[] = { CONF_DEFAULT_PATH, KEYTABLE, SIGNINGTABLE };
	const struct buf *texts[] = { &a->conf, &a->keytable, &a->signingtable };
	struct setup_owned now;
	struct passwd *pw;
	char backup[PATH_MAX];
	int so, late, made;

	memset(&now, 0, sizeof(now));
	deadline_shield();	/* a ^C or a lost ssh session must not stop it half-way */
	setup_state_edited(a->confdir, prev);	/* changed by others since? */
	/*
	 * The signer reads dkimpipe.conf as it goes. A conf that gives up SMTP
	 * re-injection comes only after Postfix's pickup has lost its filter
	 * (else signed copies re-injected by sendmail would meet it and loop);
	 * any other before Postfix routes mail to what it names.
	 */
	late = !a->o.smtp && has_line_prefix(CONF_DEFAULT_PATH, "reinject = smtp:");
	if ((pw = signer_user(0, why)) == NULL || make_keys(a, pw, why) < 0 ||
	    (!late && write_all(paths, texts, why) < 0) ||
	    setup_state_snapshot(a->confdir, why) < 0 ||
	    setup_state_backup(a->confdir, backup, sizeof(backup), why) < 0)
		return -1;
	own(prev, p, sel);		/* all it may have touched, in case of failure */
	if (setup_state_save(prev, why) < 0)
		return -1;
	if (a->linkmake) {	/* owned first; a failure leaves Postfix as it was */
		strlcpy(prev->link, a->link, sizeof(prev->link));
		strlcpy(prev->link_to, a->binary, sizeof(prev->link_to));
		if (setup_state_save(prev, why) < 0 ||
		    setup_link_make(a->link, a->binary, 0, why) < 0)
			return -1;
	}
	if (setup_apply(c, p, why) < 0)
		return -1;
	so = a->o.postlog && !spawned(a) ? postlog_setgid(0, why) : 0;
	if (so < 0)
		return -1;
	if (a->o.mode == SETUP_TRANSPORT) {	/* started before the reload routes to it */
		if ((made = setup_instance_make(&a->o, p->size, 0, why)) < 0)
			return -1;
		prev->instance |= made;
		if (made && setup_state_save(prev, why) < 0)
			return -1;
	}
	own(&now, p, sel);
	keep_signers(&now, prev, p);
	now.statoverride = prev->statoverride || so > 0;
	now.edited[0] = prev->edited[0];
	now.edited[1] = prev->edited[1];
	now.instance = prev->instance;
	strlcpy(now.link, prev->link, sizeof(now.link));
	strlcpy(now.link_to, prev->link_to, sizeof(now.link_to));
	if (setup_state_save(&now, why) < 0 || setup_state_done(a->confdir, why) < 0 ||
	    setup_command(reload, 0, why) < 0 ||
	    (late && write_all(paths, texts, why) < 0)) {
		setup_owned_free(&now);
		return -1;
	}
	setup_owned_free(&now);
	printf("dkimpipe setup: done; main.cf and master.cf as they were are in %s\n",
	    backup);
	return 0;
}

/* dry_rest - the commands a run would add to the shown changes */
static void
dry_rest(struct args *a, const struct setup_plan *p)
{
	const char *reload[] = { "/usr/sbin/postfix", "reload", NULL };
	struct why why;

	(void)signer_user(1, &why);
	if (a->o.postlog && !spawned(a))
		(void)postlog_setgid(1, &why);
	if (a->o.mode == SETUP_TRANSPORT)
		(void)setup_instance_make(&a->o, p->size, 1, &why);
	if (a->linkmake)
		(void)setup_link_make(a->link, a->binary, 1, &why);
	(void)setup_command(reload, 1, &why);
}

/* setup - plan, show, and apply unless dry-run */
static int
setup(struct args *a, struct why *why)
{
	const char *paths[] = { CONF_DEFAULT_PATH, KEYTABLE, SIGNINGTABLE };
	const struct buf *texts[] = { &a->conf, &a->keytable, &a->signingtable };
	const char *orig = access(SETUP_STATE_ORIG "/master.cf", F_OK) == 0 ?
	    SETUP_STATE_ORIG : NULL;
	struct setup_owned prev;
	struct setup_plan p;
	struct setup_changes c;
	char sel[64];
	time_t now = time(NULL);
	int r, n, link = 1;

	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	if (setup_state_load(&prev, why) < 0)
		return -1;
	if (a->selector != NULL)
		strlcpy(sel, a->selector, sizeof(sel));
	else if (prev.selector[0] != '\0')
		strlcpy(sel, prev.selector, sizeof(sel));	/* the same as last time */
	else
		strftime(sel, sizeof(sel), "%Y%m", localtime(&now));
	a->o.binary = a->binary;
	a->o.confdir = a->confdir;
	r = -1;
	if (orig_view(a, orig, why) < 0 || plan_keys(a, sel, why) != 0 ||
	    (a->o.mode == SETUP_TRANSPORT && setup_networks(orig, &a->networks, why) < 0) ||
	    ours(CONF_DEFAULT_PATH, why) != 0 || (a->nkeys > 1 &&
	    (ours(KEYTABLE, why) != 0 || ours(SIGNINGTABLE, why) != 0)) ||
	    (a->o.mode == SETUP_PROXY && (setup_link_path(a->link,
	    sizeof(a->link), why) < 0 || (link = setup_link_there(a->link,
	    a->binary, strcmp(prev.link, a->link) == 0, why)) < 0)) ||
	    setup_plan(&p, &a->o, a->domains, a->ndomains, orig, why) < 0 ||
	    setup_changes(&c, &p, &prev, orig != NULL ? orig : a->confdir, why) < 0)
		goto out;
	write_conf(a);
	n = show_files(a, paths, texts);
	setup_show(&c, &p);
	if (a->o.mode == SETUP_TRANSPORT && !setup_instance_exists())
		n++;		/* the output instance is still to be made */
	a->linkmake = a->o.mode == SETUP_PROXY && link == 0;
	if (a->linkmake)
		n++;		/* the link for master(8) is still to be made */
	if (n == 0 && c.nset == 0 && c.nwrite == 0 && c.nremove == 0) {
		printf("dkimpipe setup: nothing to change\n");
		records(a);
		r = 0;
	} else if (a->dryrun) {
		dry_rest(a, &p);
		printf("dkimpipe setup: dry run, nothing changed\n");
		r = 0;
	} else if ((r = apply(a, &p, &c, &prev, sel, why)) == 0)
		records(a);
out:
	setup_changes_free(&c);
	setup_plan_free(&p);
	setup_owned_free(&prev);
	return r;
}

/*
 * undo - Postfix's files, then the statoverride setup made (last: a
 * failed undo can be run again)
 */
static int
undo(struct args *a, struct why *why)
{
	const char *list[] = { STATOVERRIDE, "--list", POSTLOG, NULL };
	const char *rm[] = { STATOVERRIDE, "--remove", POSTLOG, NULL };
	struct setup_owned o;
	struct group *gr;
	int so;

	if (setup_state_load(&o, why) < 0)
		return -1;
	so = o.statoverride;
	setup_owned_free(&o);
	if (!a->dryrun)
		deadline_shield();
	if (setup_undo(a->confdir, a->dryrun, why) < 0)
		return -1;
	if (!so || runcmd(list, NULL, NULL, 0) != 0)
		return 0;		/* none, or removed by hand */
	if (setup_command(rm, a->dryrun, why) < 0)
		return -1;
	if (!a->dryrun && (chown(POSTLOG, 0, (gr = getgrnam("root")) ?
	    gr->gr_gid : 0) < 0 || chmod(POSTLOG, 0755) < 0))
		log_warn("setup: %s: %s", POSTLOG, strerror(errno));
	return 0;
}

int
cmd_setup(int argc, char **argv)
{
	struct why why = { 0, "" };
	struct args a;
	int r;

	memset(&a, 0, sizeof(a));
	buf_init(&a.conf);
	buf_init(&a.keytable);
	buf_init(&a.signingtable);
	buf_init(&a.networks);
	if ((r = parse(&a, argc, argv)) != 0)
		return r;
	if (preflight(&a, &why) != 0)
		return fail(&why);
	r = a.undo ? undo(&a, &why) : setup(&a, &why);
	free(a.keys);
	buf_free(&a.conf);
	buf_free(&a.keytable);
	buf_free(&a.signingtable);
	buf_free(&a.networks);
	return r < 0 ? fail(&why) : EX_OK;
}
