/*
 * cmd_check - "dkimpipe check": validate the configuration file, the
 * OpenDKIM tables and every key (readable, PEM, RSA >= 1024 bits or
 * Ed25519, safe file mode), like "postfix check". Prints every problem
 * with its file and line (a parameter given twice too); exits EX_CONFIG
 * if there was any. Postfix settings that would change a signed message
 * after the signer (pfafter) are warnings only; the path around the
 * signer (pfpath: the re-injection smtpd and its instance, the key for
 * Postfix's notices, where the log lines go) has both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "dns.h"
#include "conf.h"
#include "keysel.h"
#include "conffile.h"
#include "keys.h"
#include "log.h"
#include "pfafter.h"
#include "pfcheck.h"
#include "pfpath.h"
#include "usage.h"

/* check_keys - load each key once, reporting every failure */
static void
check_keys(const struct conf *cf, struct diag *d)
{
	struct why why;
	EVP_PKEY *k;
	size_t i;

	for (i = 0; i < cf->nkeys; i++) {
		if ((k = keys_load(cf->keys[i].keyfile, cf->require_safe_keys,
		    &why)) == NULL)
			diag(d, why.status, "key %s: %s", cf->keys[i].name, why.text);
		EVP_PKEY_free(k);
	}
}

/* published - does the key's record exist in DNS (1), not (0), unknown (-1) */
static int
published(const struct conf *cf, const struct sigkey *k)
{
	char name[512];
	struct buf rec;
	struct why why;
	enum dns_result r;

	snprintf(name, sizeof(name), "%s._domainkey.%s", k->selector, k->domain);
	buf_init(&rec);
	r = dns_txt(name, cf->nameservers, &rec, &why);
	buf_free(&rec);
	return r == DNS_FOUND ? 1 : r == DNS_NONE ? 0 : -1;
}

/*
 * check_rotation - warn when a key activates within 7 days but its
 * record is not published, and when a retired key's record can go
 * (its successor has signed for 7 days). Warnings, not errors.
 */
static void
check_rotation(const struct conf *cf, time_t now)
{
	const struct sigkey *k, *next;
	size_t i;

	for (i = 0; i < cf->nkeys; i++) {
		k = &cf->keys[i];
		if (k->activate > now && k->activate - now < 7 * 86400 &&
		    published(cf, k) == 0)
			log_warn("key %s activates in %lld hours but %s._domainkey.%s "
			    "is not published", k->name,
			    (long long)(k->activate - now) / 3600, k->selector, k->domain);
		if ((next = conf_successor(cf, k)) != NULL &&
		    now - next->activate >= 7 * 86400 && published(cf, k) == 1)
			log_warn("key %s was replaced by %s %lld days ago; its record "
			    "%s._domainkey.%s can be removed", k->name, next->name,
			    (long long)(now - next->activate) / 86400, k->selector,
			    k->domain);
	}
}

int
cmd_check(int argc, char **argv)
{
	const char *cfpath = CONF_DEFAULT_PATH;
	struct why why = { 0, "" };
	struct conf cf;
	struct diag d;
	int ch;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c') {
			return usage_error("check");
		}
		cfpath = optarg;
	}
	conf_defaults(&cf);
	diag_init(&d, &why, 1);
	(void)conffile_check(&cf, cfpath, &d);
	check_keys(&cf, &d);
	if (access(cf.sendmail_path, X_OK) < 0)
		diag(&d, EX_CONFIG, "sendmail_path %s is not executable",
		    cf.sendmail_path);
	if (cf.tmpdir != NULL && access(cf.tmpdir, W_OK | X_OK) < 0)
		diag(&d, EX_CONFIG, "tmpdir %s is not writable", cf.tmpdir);
	pfcheck(&cf, &d);
	pfafter(&cf);
	pfpath(&cf, &d);
	if (d.count == 0)
		check_rotation(&cf, time(NULL));
	if (d.count == 0)
		printf("%s: OK: %zu key%s, %zu signing rule%s\n", cfpath, cf.nkeys,
		    cf.nkeys == 1 ? "" : "s", cf.nsigs, cf.nsigs == 1 ? "" : "s");
	conf_free(&cf);
	return d.count ? EX_CONFIG : EX_OK;
}
