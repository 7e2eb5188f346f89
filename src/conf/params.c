/*
 * params - the dkimpipe.conf parameters: one table holds each one's name,
 * type, default (as text, the way a user writes it), bounds and target
 * field; params_set() reads one value through it and conf_defaults()
 * applies every default, so that "dkimpipe sign" without a file and a
 * file that sets nothing start from the same record.
 *
 * It does not read files or split lines (conffile.c), set up keys from
 * the key-source values it keeps aside (conffile.c) or read the KeyTable
 * and SigningTable (table.c). A bad value is reported as
 * "FILE:LINE: bad NAME value "VALUE" (what is wanted)", through diag.
 * Invariant: every default parses with its own type without a message
 * (tests/unit/params_test.c checks it, and that the defaults are the
 * documented ones).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "canon.h"
#include "hostport.h"
#include "log.h"
#include "params.h"
#include "wrap.h"
#include "xmem.h"

#define HOSTNAME_CHARS \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"

#define TEXT(n)		TEXT_(n)
#define TEXT_(n)	#n
#define WANT_TIME	"a time like 3600, 60m, 7d"
#define TIME_1S_1D	.lo = 1, .hi = 86400, .want = "between 1s and 1d"

/* the target: a number's offset and size, a list's vector and count */
#define NUM(f)		.off = offsetof(struct conf, f), \
			.aux = sizeof(((struct conf *)0)->f)
#define STR(f)		.off = offsetof(struct conf, f)
#define LIST(v, n)	.off = offsetof(struct conf, v), \
			.aux = offsetof(struct conf, n)
#define RAW(f)		.off = offsetof(struct params_raw, f)

static int	key_single(struct params_ctx *, const struct param *,
		    const char *);
static int	key_tables(struct params_ctx *, const struct param *,
		    const char *);
static int	set_canon(struct params_ctx *, const struct param *,
		    const char *);
static int	set_reinject(struct params_ctx *, const struct param *,
		    const char *);
static int	set_internal(struct params_ctx *, const struct param *,
		    const char *);
static int	set_hostname(struct params_ctx *, const struct param *,
		    const char *);

static const struct param_word refusal_words[] = {
	{ "unsigned", REFUSAL_UNSIGNED },
	{ "bounce", REFUSAL_BOUNCE },
	{ NULL, 0 }
};

static const struct param_word gate_words[] = {
	{ "dns", 1 },
	{ "time", 0 },
	{ NULL, 0 }
};

static const struct param_word rotkey_words[] = {
	{ "rsa", ROTATE_RSA },
	{ "ed25519", ROTATE_ED25519 },
	{ "both", ROTATE_RSA | ROTATE_ED25519 },
	{ NULL, 0 }
};

static const struct param_word log_words[] = {
	{ "syslog", LOG_TO_SYSLOG },
	{ "stderr", LOG_TO_STDERR },
	{ "syslog,stderr", LOG_TO_SYSLOG | LOG_TO_STDERR },
	{ "both", LOG_TO_SYSLOG | LOG_TO_STDERR },
	{ "postlog", LOG_TO_POSTLOG },
	{ NULL, 0 }
};

/*
 * In the order of dkimpipe.conf(5). Header names signed by default (and
 * oversigned: none may be added later). Not Date and Message-ID among
 * the oversigned: Postfix's cleanup adds them to a message that lacks
 * them wherever it is resubmitted (sendmail without -G, a local SMTP
 * client), which must not break the signature.
 */
const struct param params[] = {
	{ "domain", PARAM_SPECIAL, NULL, RAW(domain), .set = key_single },
	{ "selector", PARAM_SPECIAL, NULL, RAW(selector), .set = key_single },
	{ "keyfile", PARAM_SPECIAL, NULL, RAW(keyfile), .set = key_single },
	{ "subdomains", PARAM_BOOL, "no", NUM(subdomains) },
	{ "keytable", PARAM_SPECIAL, NULL, RAW(keytable), .set = key_tables },
	{ "signingtable", PARAM_SPECIAL, NULL, RAW(signingtable),
	  .set = key_tables },
	{ "multiple_signatures", PARAM_BOOL, "no", NUM(multisig) },
	{ "canonicalization", PARAM_SPECIAL, "relaxed/relaxed",
	  .want = "relaxed, simple, relaxed/simple, ...", .set = set_canon },
	{ "sign_headers", PARAM_LIST,
	  "From:Reply-To:Subject:Date:To:Cc:Resent-Date:Resent-From:Resent-To:"
	  "Resent-Cc:In-Reply-To:References:Message-ID:MIME-Version:"
	  "Content-Type:Content-Transfer-Encoding:Content-ID:"
	  "Content-Description:Content-Disposition:Content-Language:Sender:"
	  "List-Id:List-Help:List-Unsubscribe:List-Unsubscribe-Post:"
	  "List-Subscribe:List-Post:List-Owner:List-Archive:Autocrypt:Openpgp",
	  LIST(sp.hdrs, sp.nhdrs) },
	{ "oversign_headers", PARAM_LIST,
	  "From:Reply-To:Subject:To:Cc:In-Reply-To:References:"
	  "MIME-Version:Content-Type:Content-Transfer-Encoding",
	  LIST(sp.over, sp.nover) },
	{ "smtp_line_length_limit", PARAM_COUNT, TEXT(WRAP_DEFAULT), .lo = 80,
	  .hi = 1000000, .zero_ok = 1, .want = "0, or between 80 and 1000000",
	  NUM(line_limit) },
	{ "add_missing_headers", PARAM_BOOL, NULL, NUM(add_missing) },
	{ "myhostname", PARAM_SPECIAL, NULL, .want = "a host name",
	  .set = set_hostname },
	{ "signature_lifetime", PARAM_TIME, "0", .hi = LONG_MAX,
	  NUM(sp.expire) },
	{ "on_refusal", PARAM_ENUM, "unsigned", .want = "unsigned or bounce",
	  NUM(on_refusal), .words = refusal_words },
	{ "internal_hosts", PARAM_SPECIAL, NULL,
	  .want = "addresses and networks (192.0.2.0/24, ::1)",
	  .set = set_internal },
	{ "require_safe_keys", PARAM_BOOL, "yes", NUM(require_safe_keys) },
	{ "sendmail_path", PARAM_PATH, "/usr/sbin/sendmail",
	  STR(sendmail_path) },
	{ "tmpdir", PARAM_STRING, NULL, STR(tmpdir) },
	{ "time_limit", PARAM_TIME, "600s", TIME_1S_1D, NUM(timeout) },
	{ "reinject", PARAM_SPECIAL, "sendmail",
	  .want = "sendmail, or smtp:[address]:port on loopback",
	  .set = set_reinject },
	{ "message_size_limit", PARAM_COUNT, "0", .hi = LLONG_MAX / 2,
	  NUM(size_limit) },
	{ "lmtp_max_messages", PARAM_COUNT, "1000", .lo = 1, .hi = 1000000,
	  .want = "between 1 and 1000000", NUM(lmtp_messages) },
	{ "lmtp_idle_time", PARAM_TIME, "60s", TIME_1S_1D, NUM(lmtp_idle) },
	{ "lmtp_lifetime", PARAM_TIME, "300s", TIME_1S_1D, NUM(lmtp_lifetime) },
	{ "lmtp_timeout", PARAM_TIME, "300s", TIME_1S_1D, NUM(lmtp_timeout) },
	{ "nameservers", PARAM_STRING, NULL, STR(nameservers) },
	{ "activation_check", PARAM_ENUM, "dns", .want = "dns or time",
	  NUM(gate), .words = gate_words },
	{ "state_file", PARAM_PATH, "/var/lib/dkimpipe/rotation/state",
	  STR(state_file) },
	{ "dns_check_interval", PARAM_TIME, "10m", TIME_1S_1D,
	  NUM(check_interval) },
	{ "publish_delay", PARAM_TIME, "0", .hi = 30 * 86400,
	  .want = "at most 30d", NUM(publish_delay) },
	{ "rotate", PARAM_LIST, "", LIST(rotate, nrotate) },
	{ "rotate_every", PARAM_TIME, "90d", .lo = 3600, .hi = 3650 * 86400,
	  .want = "between 1h and 3650d", NUM(rotate_every) },
	{ "rotate_lead", PARAM_TIME, "14d", .lo = 60, .hi = 3650 * 86400,
	  .want = "between 1m and 3650d", NUM(rotate_lead) },
	{ "rotate_keep", PARAM_TIME, "7d", .lo = 60, .hi = 3650 * 86400,
	  .want = "between 1m and 3650d", NUM(rotate_keep) },
	{ "rotate_selector", PARAM_STRING, "%Y%m", STR(rotate_selector) },
	{ "rotate_keys", PARAM_ENUM, "rsa", .want = "rsa, ed25519 or both",
	  NUM(rotate_keys), .words = rotkey_words },
	{ "rotate_dir", PARAM_PATH, "/etc/dkimpipe/keys", STR(rotate_dir) },
	{ "publish_command", PARAM_STRING, NULL, STR(publish_command) },
	{ "publish_timeout", PARAM_TIME, "30s", .lo = 1, .hi = 3600,
	  .want = "between 1s and 1h", NUM(publish_timeout) },
	{ "reveal", PARAM_BOOL, "no", NUM(reveal) },
	{ "reveal_dir", PARAM_PATH, "/var/lib/dkimpipe/revealed",
	  STR(reveal_dir) },
	{ "log_to", PARAM_ENUM, NULL, .want = "syslog, stderr, both or postlog",
	  NUM(log_to), .words = log_words },
	{ "postlog_socket", PARAM_STRING, NULL, STR(postlog_socket) },
	{ "postlog_command", PARAM_STRING, NULL, STR(postlog_command) },
};
const size_t params_count = sizeof(params) / sizeof(params[0]);

/* bad - report a bad value; -1 */
static int
bad(struct params_ctx *c, const struct param *p, const char *v,
    const char *want)
{
	return diag(c->d, EX_CONFIG, "%s:%zu: bad %s value \"%s\" (%s)", c->path,
	    c->lineno, p->name, v, want);
}

/* at - the target field of p */
static void *
at(struct params_ctx *c, const struct param *p)
{
	return (char *)c->cf + p->off;
}

/* store - a number into p's field, an int or one as wide as long long */
static void
store(struct params_ctx *c, const struct param *p, long long n)
{
	int i = (int)n;

	if (p->aux == sizeof(int))
		memcpy(at(c, p), &i, sizeof(i));
	else if (p->aux == sizeof(n))
		memcpy(at(c, p), &n, sizeof(n));
	else
		abort();	/* a field the table cannot describe */
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static int
set_bool(struct params_ctx *c, const struct param *p, const char *v)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0)
		store(c, p, 1);
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0)
		store(c, p, 0);
	else
		return bad(c, p, v, "yes or no");
	return 0;
}

/* set_time - seconds, with an optional s, m, h, d or w suffix */
static int
set_time(struct params_ctx *c, const struct param *p, const char *v)
{
	static const char suffix[] = "smhdw";
	static const long unit[] = { 1, 60, 3600, 86400, 7 * 86400 };
	size_t len = strlen(v);
	const char *s, *err;
	char *num;
	long long n;
	long u = 1;

	if (len > 0 && (s = strchr(suffix, v[len - 1])) != NULL) {
		u = unit[s - suffix];
		len--;
	}
	num = xstrndup(v, len);
	n = strtonum(num, 0, LONG_MAX / u / 2, &err);
	free(num);
	if (err != NULL)
		return bad(c, p, v, WANT_TIME);
	n *= u;
	if (n < p->lo || n > p->hi)
		return bad(c, p, v, p->want);
	store(c, p, n);
	return 0;
}

/*
 * set_count - a decimal number from 0 to hi, then at least lo (or 0 when
 * zero_ok); one that is no number at all is also told the range
 */
static int
set_count(struct params_ctx *c, const struct param *p, const char *v)
{
	const char *err;
	long long n;

	n = strtonum(v, 0, p->hi, &err);
	if (err != NULL) {
		bad(c, p, v, "a number");
		return p->want != NULL ? bad(c, p, v, p->want) : -1;
	}
	if (n < p->lo && !(n == 0 && p->zero_ok))
		return bad(c, p, v, p->want);
	store(c, p, n);
	return 0;
}

static int
set_enum(struct params_ctx *c, const struct param *p, const char *v)
{
	const struct param_word *w;

	for (w = p->words; w->word != NULL; w++)
		if (strcmp(v, w->word) == 0) {
			store(c, p, w->value);
			return 0;
		}
	return bad(c, p, v, p->want);
}

/* key_single - domain, selector, keyfile: kept for conffile's keysource */
static int
key_single(struct params_ctx *c, const struct param *p, const char *v)
{
	set_str((char **)(void *)((char *)c->raw + p->off), v);
	c->raw->line_single = c->lineno;
	return 0;
}

/* key_tables - keytable, signingtable: the same */
static int
key_tables(struct params_ctx *c, const struct param *p, const char *v)
{
	set_str((char **)(void *)((char *)c->raw + p->off), v);
	c->raw->line_tables = c->lineno;
	return 0;
}

static int
set_canon(struct params_ctx *c, const struct param *p, const char *v)
{
	(void)p;
	return canon_parse(v, &c->cf->sp.hcanon, &c->cf->sp.bcanon);
}

/* set_reinject - "sendmail" (NULL), or "smtp:" and [address]:port on loopback */
static int
set_reinject(struct params_ctx *c, const struct param *p, const char *v)
{
	struct conf *cf = c->cf;
	struct sockaddr_storage ss;
	socklen_t len;

	(void)p;
	free(cf->reinject);
	cf->reinject = NULL;
	if (strcmp(v, "sendmail") == 0)
		return 0;
	if (strncmp(v, "smtp:", 5) != 0 ||
	    hostport_parse(v + 5, strlen(v + 5), 0, &ss, &len) < 0 ||
	    !hostport_loopback(&ss))
		return -1;
	memcpy(&cf->reinject_addr, &ss, sizeof(ss));
	cf->reinject_len = len;
	cf->reinject = xstrdup(v);
	return 0;
}

static int
set_internal(struct params_ctx *c, const struct param *p, const char *v)
{
	(void)p;
	return origin_parse(&c->cf->internal, v);
}

static int
set_hostname(struct params_ctx *c, const struct param *p, const char *v)
{
	(void)p;
	if (v[0] == '\0' || v[strspn(v, HOSTNAME_CHARS)] != '\0' ||
	    strlen(v) > 253)
		return -1;
	set_str(&c->cf->myhostname, v);
	return 0;
}

/* apply - value v for parameter p, by its type */
static int
apply(struct params_ctx *c, const struct param *p, const char *v)
{
	switch (p->type) {
	case PARAM_BOOL:
		return set_bool(c, p, v);
	case PARAM_TIME:
		return set_time(c, p, v);
	case PARAM_COUNT:
		return set_count(c, p, v);
	case PARAM_PATH:
		if (v[0] != '/')
			return bad(c, p, v, "an absolute path");
		/* FALLTHROUGH */
	case PARAM_STRING:
		set_str(at(c, p), v);
		return 0;
	case PARAM_ENUM:
		return set_enum(c, p, v);
	case PARAM_LIST:
		conf_set_list(at(c, p), (size_t *)(void *)((char *)c->cf + p->aux), v);
		return 0;
	case PARAM_SPECIAL:
		return p->set(c, p, v) < 0 ? bad(c, p, v, p->want) : 0;
	}
	abort();
}

/* params_find - the table entry named name, or NULL */
const struct param *
params_find(const char *name)
{
	size_t i;

	for (i = 0; i < params_count; i++)
		if (strcmp(params[i].name, name) == 0)
			return &params[i];
	return NULL;
}

/* params_set - apply one "name = value"; 0, or -1 after a diagnostic */
int
params_set(struct params_ctx *c, const char *name, const char *v)
{
	const struct param *p;

	if ((p = params_find(name)) == NULL)
		return diag(c->d, EX_CONFIG, "%s:%zu: unknown parameter %s", c->path,
		    c->lineno, name);
	return apply(c, p, v);
}

/* params_raw_free - the key-source values */
void
params_raw_free(struct params_raw *r)
{
	free(r->domain);
	free(r->selector);
	free(r->keyfile);
	free(r->keytable);
	free(r->signingtable);
	memset(r, 0, sizeof(*r));
}

/*
 * conf_defaults - a record holding every parameter's default (declared
 * in conf.h; here because the defaults are the table's)
 */
void
conf_defaults(struct conf *cf)
{
	struct params_ctx c;
	struct diag d;
	struct why why;
	size_t i;

	memset(cf, 0, sizeof(*cf));
	diag_init(&d, &why, 0);
	memset(&c, 0, sizeof(c));
	c.cf = cf;
	c.path = "defaults";
	c.d = &d;
	for (i = 0; i < params_count; i++) {
		if (params[i].def != NULL)
			(void)apply(&c, &params[i], params[i].def);
		else if (params[i].type == PARAM_BOOL)
			store(&c, &params[i], -1);
	}
}
