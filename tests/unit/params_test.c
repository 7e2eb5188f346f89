/*
 * params_test - the dkimpipe.conf parameter table of params.c. Checks
 * that every entry's default parses with the entry's own type without a
 * message and gives what conf_defaults() holds; that those defaults are
 * the ones dkimpipe has always had (the golden column below: what
 * "dkimpipe sign" starts from without a file); and that values, good and
 * bad, give the field or the message they always gave. With --names it
 * checks nothing and prints every parameter name, one a line, for
 * tests/06-params.bats to compare with dkimpipe.conf(5).
 * Prints "not ok N: case: got X want Y" for every mismatch, "ok N cases"
 * at the end, and exits 1 on any.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "params.h"

#define LIST_HDRS \
    "From:Reply-To:Subject:Date:To:Cc:Resent-Date:Resent-From:Resent-To:" \
    "Resent-Cc:In-Reply-To:References:Message-ID:MIME-Version:" \
    "Content-Type:Content-Transfer-Encoding:Content-ID:Content-Description:" \
    "Content-Disposition:Content-Language:Sender:List-Id:List-Help:" \
    "List-Unsubscribe:List-Unsubscribe-Post:List-Subscribe:List-Post:" \
    "List-Owner:List-Archive:Autocrypt:Openpgp"
#define LIST_OVER \
    "From:Reply-To:Subject:To:Cc:In-Reply-To:References:" \
    "MIME-Version:Content-Type:Content-Transfer-Encoding"

/* every parameter's default, as render() shows it */
static const struct dcase {
	const char	*name;
	const char	*want;
} defaults[] = {
	{ "domain", "(unset)" },
	{ "selector", "(unset)" },
	{ "keyfile", "(unset)" },
	{ "subdomains", "0" },
	{ "keytable", "(unset)" },
	{ "signingtable", "(unset)" },
	{ "multiple_signatures", "0" },
	{ "canonicalization", "relaxed/relaxed" },
	{ "sign_headers", LIST_HDRS },
	{ "oversign_headers", LIST_OVER },
	{ "smtp_line_length_limit", "998" },
	{ "add_missing_headers", "-1" },
	{ "myhostname", "(unset)" },
	{ "signature_lifetime", "0" },
	{ "on_refusal", "0" },
	{ "internal_hosts", "unset" },
	{ "require_safe_keys", "1" },
	{ "sendmail_path", "/usr/sbin/sendmail" },
	{ "tmpdir", "(unset)" },
	{ "time_limit", "600" },
	{ "reinject", "(unset)" },
	{ "message_size_limit", "0" },
	{ "lmtp_max_messages", "1000" },
	{ "lmtp_idle_time", "60" },
	{ "lmtp_lifetime", "300" },
	{ "lmtp_timeout", "300" },
	{ "nameservers", "(unset)" },
	{ "activation_check", "1" },
	{ "state_file", "/var/lib/dkimpipe/rotation/state" },
	{ "dns_check_interval", "600" },
	{ "publish_delay", "0" },
	{ "rotate", "" },
	{ "rotate_every", "7776000" },
	{ "rotate_lead", "1209600" },
	{ "rotate_keep", "604800" },
	{ "rotate_selector", "%Y%m" },
	{ "rotate_keys", "1" },
	{ "rotate_dir", "/etc/dkimpipe/keys" },
	{ "publish_command", "(unset)" },
	{ "publish_timeout", "30" },
	{ "reveal", "0" },
	{ "reveal_dir", "/var/lib/dkimpipe/revealed" },
	{ "log_to", "0" },
	{ "postlog_socket", "(unset)" },
	{ "postlog_command", "(unset)" },
};

#define BAD(n, v, w)	"t.conf:7: bad " n " value \"" v "\" (" w ")"
#define TIME		"a time like 3600, 60m, 7d"
#define DAY		"between 1s and 1d"
#define REINJ		"sendmail, or smtp:[address]:port on loopback"

/* one value: the field it gives (NULL: refused), the messages it gives */
static const struct vcase {
	const char	*name;
	const char	*value;
	const char	*want;		/* render(); NULL: refused */
	int		 count;		/* messages */
	const char	*msg;		/* the first one */
} values[] = {
	{ "subdomains", "YES", "1", 0, NULL },
	{ "subdomains", "False", "0", 0, NULL },
	{ "subdomains", "perhaps", NULL, 1, BAD("subdomains", "perhaps", "yes or no") },
	{ "time_limit", "1d", "86400", 0, NULL },
	{ "time_limit", "10m", "600", 0, NULL },
	{ "time_limit", "1s", "1", 0, NULL },
	{ "time_limit", "86401", NULL, 1, BAD("time_limit", "86401", DAY) },
	{ "time_limit", "0", NULL, 1, BAD("time_limit", "0", DAY) },
	{ "time_limit", "5x", NULL, 1, BAD("time_limit", "5x", TIME) },
	{ "time_limit", "-1", NULL, 1, BAD("time_limit", "-1", TIME) },
	{ "time_limit", "", NULL, 1, BAD("time_limit", "", TIME) },
	{ "time_limit", "m", NULL, 1, BAD("time_limit", "m", TIME) },
	{ "lmtp_idle_time", "2h", "7200", 0, NULL },
	{ "lmtp_lifetime", "1h", "3600", 0, NULL },
	{ "lmtp_timeout", "30s", "30", 0, NULL },
	{ "lmtp_timeout", "2d", NULL, 1, BAD("lmtp_timeout", "2d", DAY) },
	{ "signature_lifetime", "7d", "604800", 0, NULL },
	{ "signature_lifetime", "1w", "604800", 0, NULL },
	{ "signature_lifetime", "+5", "5", 0, NULL },
	{ "signature_lifetime", "4611686018427387903", "4611686018427387903", 0, NULL },
	{ "signature_lifetime", "4611686018427387904", NULL, 1,
	  BAD("signature_lifetime", "4611686018427387904", TIME) },
	{ "signature_lifetime", "5ss", NULL, 1, BAD("signature_lifetime", "5ss", TIME) },
	{ "signature_lifetime", "0x10", NULL, 1, BAD("signature_lifetime", "0x10", TIME) },
	{ "message_size_limit", "10485760", "10485760", 0, NULL },
	{ "message_size_limit", "1e3", NULL, 1, BAD("message_size_limit", "1e3", "a number") },
	{ "message_size_limit", "-1", NULL, 1, BAD("message_size_limit", "-1", "a number") },
	{ "lmtp_max_messages", "1000000", "1000000", 0, NULL },
	{ "lmtp_max_messages", "0", NULL, 1,
	  BAD("lmtp_max_messages", "0", "between 1 and 1000000") },
	{ "lmtp_max_messages", "many", NULL, 2, BAD("lmtp_max_messages", "many", "a number") },
	{ "smtp_line_length_limit", "0", "0", 0, NULL },
	{ "smtp_line_length_limit", "80", "80", 0, NULL },
	{ "smtp_line_length_limit", "79", NULL, 1,
	  BAD("smtp_line_length_limit", "79", "0, or between 80 and 1000000") },
	{ "smtp_line_length_limit", "1000001", NULL, 2,
	  BAD("smtp_line_length_limit", "1000001", "a number") },
	{ "canonicalization", "simple", "simple/simple", 0, NULL },
	{ "canonicalization", "relaxed/simple", "relaxed/simple", 0, NULL },
	{ "canonicalization", "wobbly", NULL, 1,
	  BAD("canonicalization", "wobbly", "relaxed, simple, relaxed/simple, ...") },
	{ "sign_headers", "From, To  Cc", "From:To:Cc", 0, NULL },
	{ "oversign_headers", "", "", 0, NULL },
	{ "reinject", "sendmail", "(unset)", 0, NULL },
	{ "reinject", "smtp:[127.0.0.1]:10026", "smtp:[127.0.0.1]:10026 127.0.0.1 10026", 0, NULL },
	{ "reinject", "smtp:127.0.0.2:25", "smtp:127.0.0.2:25 127.0.0.2 25", 0, NULL },
	{ "reinject", "smtp:[::1]:25", "smtp:[::1]:25 ::1 25", 0, NULL },
	{ "reinject", "smtp:::1:25", "smtp:::1:25 ::1 25", 0, NULL },
	{ "reinject", "smtp:[192.0.2.1]:25", NULL, 1, BAD("reinject", "smtp:[192.0.2.1]:25", REINJ) },
	{ "reinject", "smtp:[127.0.0.1]", NULL, 1, BAD("reinject", "smtp:[127.0.0.1]", REINJ) },
	{ "reinject", "smtp:127.0.0.1", NULL, 1, BAD("reinject", "smtp:127.0.0.1", REINJ) },
	{ "reinject", "smtp:[127.0.0.1]:0", NULL, 1, BAD("reinject", "smtp:[127.0.0.1]:0", REINJ) },
	{ "reinject", "smtp:localhost:25", NULL, 1, BAD("reinject", "smtp:localhost:25", REINJ) },
	{ "reinject", "SMTP:[127.0.0.1]:25", NULL, 1, BAD("reinject", "SMTP:[127.0.0.1]:25", REINJ) },
	{ "reinject", "Sendmail", NULL, 1, BAD("reinject", "Sendmail", REINJ) },
	{ "sendmail_path", "/usr/lib/sendmail", "/usr/lib/sendmail", 0, NULL },
	{ "sendmail_path", "sendmail", NULL, 1, BAD("sendmail_path", "sendmail", "an absolute path") },
	{ "tmpdir", "/var/tmp", "/var/tmp", 0, NULL },
	{ "on_refusal", "bounce", "1", 0, NULL },
	{ "on_refusal", "Bounce", NULL, 1, BAD("on_refusal", "Bounce", "unsigned or bounce") },
	{ "log_to", "stderr", "1", 0, NULL },
	{ "log_to", "syslog", "2", 0, NULL },
	{ "log_to", "both", "3", 0, NULL },
	{ "log_to", "syslog,stderr", "3", 0, NULL },
	{ "log_to", "postlog", "4", 0, NULL },
	{ "log_to", "stderr,syslog", NULL, 1,
	  BAD("log_to", "stderr,syslog", "syslog, stderr, both or postlog") },
	{ "myhostname", "mail.example.com", "mail.example.com", 0, NULL },
	{ "myhostname", "mail_x", NULL, 1, BAD("myhostname", "mail_x", "a host name") },
	{ "myhostname", "", NULL, 1, BAD("myhostname", "", "a host name") },
	{ "internal_hosts", "192.0.2.0/24, ::1", "2 ranges", 0, NULL },
	{ "internal_hosts", "garbage", NULL, 1,
	  BAD("internal_hosts", "garbage", "addresses and networks (192.0.2.0/24, ::1)") },
	{ "domain", "example.com", "example.com", 0, NULL },
	{ "signingtable", "refile:/etc/x", "refile:/etc/x", 0, NULL },
	{ "no_such_parameter", "1", NULL, 1, "t.conf:7: unknown parameter no_such_parameter" },
	{ "Domain", "example.com", NULL, 1, "t.conf:7: unknown parameter Domain" },
};

static int fails, cases;

static long long
number(const struct conf *cf, const struct param *p)
{
	const char *at = (const char *)cf + p->off;
	long long n = 0;
	int i;

	if (p->aux == sizeof(int)) {
		memcpy(&i, at, sizeof(i));
		return i;
	}
	memcpy(&n, at, sizeof(n));
	return n;
}

static void
text(char *out, size_t n, const char *s)
{
	snprintf(out, n, "%s", s != NULL ? s : "(unset)");
}

static void
special(const struct conf *cf, const struct params_raw *raw,
    const struct param *p, char *out, size_t n)
{
	static const char *canon[] = { "simple", "relaxed" };
	char host[64], port[8];

	if (strcmp(p->name, "canonicalization") == 0)
		snprintf(out, n, "%s/%s", canon[cf->sp.hcanon], canon[cf->sp.bcanon]);
	else if (strcmp(p->name, "myhostname") == 0)
		text(out, n, cf->myhostname);
	else if (strcmp(p->name, "internal_hosts") == 0 && !cf->internal.set)
		snprintf(out, n, "unset");
	else if (strcmp(p->name, "internal_hosts") == 0)
		snprintf(out, n, "%zu ranges", cf->internal.n);
	else if (strcmp(p->name, "reinject") == 0 && cf->reinject == NULL)
		text(out, n, NULL);
	else if (strcmp(p->name, "reinject") == 0 &&
	    getnameinfo((const struct sockaddr *)&cf->reinject_addr,
	    cf->reinject_len, host, sizeof(host), port, sizeof(port),
	    NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(out, n, "%s %s %s", cf->reinject, host, port);
	else if (strcmp(p->name, "reinject") == 0)
		snprintf(out, n, "%s (no address)", cf->reinject);
	else
		text(out, n, *(char *const *)(const void *)((const char *)raw + p->off));
}

/* render - parameter p's value in cf (or raw) as text */
static void
render(const struct conf *cf, const struct params_raw *raw,
    const struct param *p, char *out, size_t n)
{
	char *const *v;
	size_t i, count;

	switch (p->type) {
	case PARAM_STRING:
	case PARAM_PATH:
		text(out, n, *(char *const *)(const void *)((const char *)cf + p->off));
		break;
	case PARAM_LIST:
		v = *(char **const *)(const void *)((const char *)cf + p->off);
		memcpy(&count, (const char *)cf + p->aux, sizeof(count));
		out[0] = '\0';
		for (i = 0; i < count; i++) {
			if (i > 0)
				strlcat(out, ":", n);
			strlcat(out, v[i], n);
		}
		break;
	case PARAM_SPECIAL:
		special(cf, raw, p, out, n);
		break;
	default:
		snprintf(out, n, "%lld", number(cf, p));
	}
}

static void
check(const char *what, const char *name, const char *got, const char *want)
{
	cases++;
	if (strcmp(got, want) == 0)
		return;
	fails++;
	printf("not ok %d: %s %s: got \"%s\" want \"%s\"\n", cases, what, name,
	    got, want);
}

/* golden - conf_defaults() holds the defaults dkimpipe always had */
static void
golden(void)
{
	struct params_raw raw;
	const struct param *p;
	struct conf cf;
	char got[1024];
	size_t i;

	memset(&raw, 0, sizeof(raw));
	conf_defaults(&cf);
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if ((p = params_find(defaults[i].name)) == NULL) {
			check("default of", defaults[i].name, "no such parameter", "");
			continue;
		}
		render(&cf, &raw, p, got, sizeof(got));
		check("default of", p->name, got, defaults[i].want);
	}
	for (i = 0; i < params_count; i++) {
		size_t j;

		for (j = 0; j < sizeof(defaults) / sizeof(defaults[0]); j++)
			if (strcmp(defaults[j].name, params[i].name) == 0)
				break;
		check("golden default for", params[i].name,
		    j < sizeof(defaults) / sizeof(defaults[0]) ? "there" : "missing", "there");
	}
	conf_free(&cf);
}

/* parse - value into a zeroed record: the messages, the field */
static int
parse(const char *name, const char *value, struct diag *d, struct why *why,
    char *got, size_t n)
{
	struct params_raw raw;
	struct conf cf;
	struct params_ctx c = { &cf, &raw, "t.conf", 7, d };
	const struct param *p;
	int r;

	memset(&cf, 0, sizeof(cf));
	memset(&raw, 0, sizeof(raw));
	memset(why, 0, sizeof(*why));
	diag_init(d, why, 0);
	r = params_set(&c, name, value);
	if ((p = params_find(name)) != NULL)
		render(&cf, &raw, p, got, n);
	else
		snprintf(got, n, "(none)");
	conf_free(&cf);
	params_raw_free(&raw);
	return r;
}

/* own_type - each default parses with its own type, as conf_defaults has it */
static void
own_type(void)
{
	struct params_raw raw;
	struct conf def;
	struct diag d;
	struct why why;
	char got[1024], want[1024], msgs[16];
	size_t i;

	memset(&raw, 0, sizeof(raw));
	conf_defaults(&def);
	for (i = 0; i < params_count; i++) {
		if (params[i].def == NULL)
			continue;
		render(&def, &raw, &params[i], want, sizeof(want));
		(void)parse(params[i].name, params[i].def, &d, &why, got, sizeof(got));
		snprintf(msgs, sizeof(msgs), "%d", d.count);
		check("messages from the default of", params[i].name, msgs, "0");
		check("parsed default of", params[i].name, got, want);
	}
	conf_free(&def);
}

static void
value_cases(void)
{
	const struct vcase *v;
	struct diag d;
	struct why why;
	char got[1024], what[256], msgs[16], want[16];
	size_t i;
	int r;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		v = &values[i];
		snprintf(what, sizeof(what), "%s = \"%s\":", v->name, v->value);
		r = parse(v->name, v->value, &d, &why, got, sizeof(got));
		check(what, "result", r == 0 ? "accepted" : "refused",
		    v->want != NULL ? "accepted" : "refused");
		if (v->want != NULL)
			check(what, "field", got, v->want);
		snprintf(msgs, sizeof(msgs), "%d", d.count);
		snprintf(want, sizeof(want), "%d", v->count);
		check(what, "messages", msgs, want);
		check(what, "first message", d.count > 0 ? why.text : "",
		    v->msg != NULL ? v->msg : "");
	}
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc > 1 && strcmp(argv[1], "--names") == 0) {
		for (i = 0; i < params_count; i++)
			printf("%s\n", params[i].name);
		return 0;
	}
	golden();
	own_type();
	value_cases();
	printf("ok %d cases\n", cases);
	return fails > 0 ? 1 : 0;
}
