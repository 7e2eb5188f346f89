/*
 * cmd_testkey - "dkimpipe testkey": for every configured key (or the
 * one given with -d -s -k), fetch SELECTOR._domainkey.DOMAIN TXT from
 * DNS, parse it, check that it holds the private key's public half, and
 * sign a test message with the key and verify it against the fetched
 * record. One line per key:
 *	DOMAIN SELECTOR: OK | not published | mismatch | testing mode (t=y)
 *	                 | malformed | revoked | DNS error | ...
 * plus rotation notes (not yet active, record missing before
 * activation, retired key whose record can go). Exit 1 if any key
 * fails; a key in testing mode works and does not count as failing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "usage.h"
#include "conf.h"
#include "keysel.h"
#include "conffile.h"
#include "dns.h"
#include "dnsrec.h"
#include "keys.h"
#include "log.h"
#include "signer.h"
#include "verify.h"
#include "xmem.h"

#define WEEK	(7 * 86400)

static const char testmsg[] =
    "From: dkimpipe testkey <testkey@%s>\n"
    "To: testkey@%s\n"
    "Subject: dkimpipe testkey\n\n"
    "This message tests a DKIM key.\n";

/* roundtrip - sign a test message with k, verify it against record */
static int
roundtrip(const struct conf *cf, const struct sigkey *k, const char *record,
    char *why_text, size_t size)
{
	struct conf tc;
	struct signed_msg m;
	struct keysrc ks = { record, NULL, NULL, 0 };
	struct vresult res[VERIFY_MAXSIG];
	struct why why;
	FILE *in = tmpfile(), *out = tmpfile();
	size_t n = 0, skip;
	int rc = -1;

	if (in == NULL || out == NULL) {
		snprintf(why_text, size, "cannot create temporary files");
		goto done;
	}
	fprintf(in, testmsg, k->domain, k->domain);
	fflush(in);
	rewind(in);
	conf_defaults(&tc);
	tc.sign_all = 1;
	tc.require_safe_keys = cf->require_safe_keys;
	conf_add_key(&tc, k->name, k->domain, k->selector, k->keyfile);
	signer_init(&m, &tc, NULL);
	if (signer_run(&m, fileno(in), &tc, &why) < 0 ||
	    signer_write(&m, fileno(out), 1, &why) < 0)
		snprintf(why_text, size, "cannot sign: %s", why.text);
	else if (lseek(fileno(out), 0, SEEK_SET) < 0 ||
	    verify_fd(fileno(out), &ks, res, &n, &skip, &why) < 0 || n != 1)
		snprintf(why_text, size, "cannot verify the test message");
	else if (strcmp(res[0].result, "pass") != 0)
		snprintf(why_text, size, "test message: dkim=%s (%s)", res[0].result,
		    res[0].reason);
	else
		rc = 0;
	signer_free(&m);
	conf_free(&tc);
done:
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return rc;
}

/* when - a time as YYYY-MM-DD HH:MM UTC */
static const char *
when(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
	return buf;
}

/* verdict - test one key; returns 0 when OK */
static int
verdict(const struct conf *cf, const struct sigkey *k, time_t now)
{
	char name[512], text[600], t1[32], t2[32];
	const struct sigkey *next;
	struct keyrec kr;
	struct buf rec;
	struct why why;
	EVP_PKEY *priv = NULL;
	enum dns_result r;
	int ok = 0;

	printf("%s %s: ", k->domain, k->selector);
	if (strcmp(k->domain, "%") == 0) {
		printf("skipped (d= is the From domain; test it with -d -s -k)\n");
		return 0;
	}
	snprintf(name, sizeof(name), "%s._domainkey.%s", k->selector, k->domain);
	buf_init(&rec);
	memset(&kr, 0, sizeof(kr));
	r = dns_txt(name, cf->nameservers, &rec, &why);
	if (r == DNS_TEMP)
		printf("DNS error (%s)", why.text);
	else if (r == DNS_NONE)
		printf("not published (%s has no TXT record)", name);
	else if (dnsrec_parse(&kr, rec.data, &why) < 0)
		printf("malformed (%s)", why.text);
	else if (kr.revoked)
		printf("revoked (empty p=)");
	else if ((priv = keys_load(k->keyfile, cf->require_safe_keys, &why)) == NULL)
		printf("unusable private key (%s)", why.text);
	else if (!dnsrec_same_key(priv, kr.pkey))
		printf("mismatch (the record's key is not %s's public key)", k->keyfile);
	else if (roundtrip(cf, k, rec.data, text, sizeof(text)) < 0)
		printf("sign/verify failed (%s)", text);
	else if (kr.testing) {
		printf("testing mode (t=y): key matches, but verifiers may treat "
		    "its signatures as unsigned");
		ok = 2;
	} else
		ok = 1;
	if (ok == 1)
		printf("OK");
	if (k->activate > now) {
		printf("; not active until %s", when(k->activate, t1, sizeof(t1)));
		if (r != DNS_FOUND && k->activate - now < WEEK)
			printf("; warning: activates within 7 days but is not published");
		if (r != DNS_FOUND)
			ok = 1;		/* not needed yet */
	}
	if ((next = conf_successor(cf, k)) != NULL) {
		printf("; retired since %s (by %s)", when(next->activate, t2, sizeof(t2)),
		    next->selector);
		if (r == DNS_FOUND && now - next->activate >= WEEK)
			printf("; its record can be removed");
		if (r != DNS_FOUND)
			ok = 1;		/* no longer needed */
	}
	printf("\n");
	EVP_PKEY_free(priv);
	dnsrec_free(&kr);
	buf_free(&rec);
	return ok ? 0 : -1;
}

/* settings_from - nameservers and require_safe_keys of a config file */
static void
settings_from(struct conf *cf, const char *path)
{
	struct why why = { 0, "" };
	struct conf tmp;
	struct diag dg;

	conf_defaults(&tmp);
	diag_init(&dg, &why, 0);
	if (conffile_read(&tmp, path, &dg) < 0)
		log_fatal(EX_CONFIG, "%s", why.text);
	if (tmp.nameservers != NULL) {
		free(cf->nameservers);
		cf->nameservers = xstrdup(tmp.nameservers);
	}
	if (!tmp.require_safe_keys)
		cf->require_safe_keys = 0;
	conf_free(&tmp);
}

int
cmd_testkey(int argc, char **argv)
{
	const char *cfpath = NULL, *d = NULL, *s = NULL, *k = NULL, *ns = NULL;
	struct why why = { 0, "" };
	struct conf cf;
	struct diag dg;
	size_t i;
	int ch, bad = 0;

	conf_defaults(&cf);
	while ((ch = getopt(argc, argv, "c:d:k:n:s:U")) != -1) {
		switch (ch) {
		case 'c': cfpath = optarg; break;
		case 'd': d = optarg; break;
		case 'k': k = optarg; break;
		case 'n': ns = optarg; break;
		case 's': s = optarg; break;
		case 'U': cf.require_safe_keys = 0; break;
		default:
			return usage_error("testkey");
		}
	}
	if (d || s || k) {
		if (!d || !s || !k)
			log_fatal(EX_USAGE, "-d, -s and -k go together");
		if (cfpath != NULL)	/* its settings, not its keys */
			settings_from(&cf, cfpath);
		conf_add_key(&cf, k, d, s, k);
	} else {
		diag_init(&dg, &why, 0);
		if (conffile_read(&cf, cfpath ? cfpath : CONF_DEFAULT_PATH, &dg) < 0)
			log_fatal(EX_CONFIG, "%s", why.text);
	}
	if (ns != NULL) {
		free(cf.nameservers);
		cf.nameservers = xstrdup(ns);
	}
	for (i = 0; i < cf.nkeys; i++)
		bad += verdict(&cf, &cf.keys[i], time(NULL)) < 0;
	conf_free(&cf);
	return bad ? 1 : EX_OK;
}
