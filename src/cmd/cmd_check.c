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
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "dns.h"
#include "conf.h"
#include "keysel.h"
#include "keystate.h"
#include "dnsrec.h"
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
 * gate_state - what the DNS gate's state file says of k: a rotation that
 * is stuck (k's time has come, its record has not been seen, the key it
 * replaces still signs) with the record to publish, or a key that signs
 * while its record was missing at the last lookup
 */
static void
gate_state(const struct conf *cf, const struct sigkey *k, time_t now)
{
	const struct keyst *e = NULL;
	char name[320];
	struct buf rec;
	EVP_PKEY *pk;
	struct why why;

	if (!cf->gate || cf->state == NULL || strcmp(k->domain, "%") == 0)
		return;
	if (!cf->state->usable) {
		log_warn("key %s: rotation waits: %s", k->name, cf->state->why.text);
		return;
	}
	keystate_name(name, sizeof(name), k->selector, k->domain);
	e = keystate_find(cf->state, name);
	if (conf_signs_now(cf, k, now)) {
		if (e != NULL && (e->status == KS_MISSING || e->status == KS_MISMATCH))
			log_warn("key %s signs, but its record %s was %s at the last "
			    "lookup", k->name, name, keystate_word(e->status));
		return;
	}
	if (k->activate == 0 || k->activate > now || conf_gate(cf, k, now) ||
	    (e != NULL && e->seen != 0))
		return;
	buf_init(&rec);
	if ((pk = keys_load(k->keyfile, cf->require_safe_keys, &why)) != NULL)
		dnsrec_value(&rec, pk);
	log_warn("key %s has been due for %lld hours but waits for its record "
	    "in DNS; the key it replaces signs until then. Publish %s TXT \"%s\"",
	    k->name, (long long)(now - k->activate) / 3600, name,
	    rec.len ? rec.data : "(dkimpipe dnsrecord shows it)");
	EVP_PKEY_free(pk);
	buf_free(&rec);
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
		gate_state(cf, k, now);
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
