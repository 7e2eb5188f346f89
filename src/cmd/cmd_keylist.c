/*
 * cmd_keylist - "dkimpipe keys [-c config] [--json]": every configured
 * key with its place in rotation, as the signer sees it now: its state
 * (active, scheduled, waiting for its record, retired, idle), since
 * when, what its record looked like at the last lookup (from the state
 * file: this command looks nothing up itself; testkey does) and the
 * next step and when. With --json, one JSON array for scripts.
 *
 * It decides nothing: the states come from keysel.c (conf_signs_now,
 * conf_gate, conf_successor), the same functions that choose the keys
 * for a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include "cmds.h"
#include "conf.h"
#include "conffile.h"
#include "diag.h"
#include "keys.h"
#include "keysel.h"
#include "keystate.h"
#include "log.h"
#include "usage.h"

/* one key, as shown */
struct row {
	const char	*state;
	time_t		 since;		/* 0: unknown */
	const char	*record;	/* keystate word, or "not watched" */
	time_t		 checked;
	char		 next[256];	/* "" for none */
	time_t		 next_at;
};

static const char *
stamp(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (t == 0)
		return "-";
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
	return buf;
}

/* entry - what the state file says of k's record; NULL if nothing */
static const struct keyst *
entry(const struct conf *cf, const struct sigkey *k)
{
	char name[320];

	if (cf->state == NULL || !cf->state->usable || strcmp(k->domain, "%") == 0)
		return NULL;
	keystate_name(name, sizeof(name), k->selector, k->domain);
	return keystate_find(cf->state, name);
}

/* rot - the schedule's record of k, NULL when k does not rotate */
static const struct rotkey *
rot(const struct conf *cf, const struct sigkey *k)
{
	size_t i;

	if (cf->nrotate == 0 || cf->state == NULL)
		return NULL;
	for (i = 0; i < cf->state->nrk; i++)
		if (strcasecmp(cf->state->rk[i].domain, k->domain) == 0 &&
		    strcmp(cf->state->rk[i].selector, k->selector) == 0)
			return &cf->state->rk[i];
	return NULL;
}

/* schedule - the next step of a rotating key, when one is known */
static void
schedule(const struct conf *cf, const struct sigkey *k, struct row *r)
{
	const struct rotkey *rk = rot(cf, k);
	size_t i;

	if (rk == NULL || cf->state == NULL)
		return;
	if (strcmp(r->state, "active") == 0) {
		for (i = 0; i < cf->state->nrk; i++)
			if (strcasecmp(cf->state->rk[i].domain, k->domain) == 0 &&
			    cf->state->rk[i].ed25519 == rk->ed25519 &&
			    cf->state->rk[i].activate > rk->activate)
				return;		/* its successor shows its own */
		snprintf(r->next, sizeof(r->next), "its successor is made "
		    "(rotate_lead before it takes over)");
		r->next_at = rk->activate + cf->rotate_every - cf->rotate_lead;
	} else if (strcmp(r->state, "waiting") == 0 ||
	    strcmp(r->state, "scheduled") == 0) {
		if (rk->published != 0)
			snprintf(r->next, sizeof(r->next), "%s (record published "
			    "by publish_command; then DNS must serve it for "
			    "publish_delay)", strcmp(r->state, "waiting") == 0 ?
			    "takes over" : "activates");
		else if (cf->publish_command != NULL)
			snprintf(r->next, sizeof(r->next), "publish_command add, "
			    "at the next check");
		if (rk->published != 0 && r->next_at == 0)
			r->next_at = rk->activate;
	}
}

/* place - the row of key k at now */
static void
place(const struct conf *cf, const struct sigkey *k, time_t now,
    struct row *r)
{
	const struct keyst *e = entry(cf, k);
	const struct sigkey *next;

	memset(r, 0, sizeof(*r));
	r->record = e ? keystate_word(e->status) : cf->state ? "unknown" :
	    "not watched";
	r->checked = e ? e->checked : 0;
	if (conf_signs_now(cf, k, now)) {
		r->state = "active";
		r->since = e && e->active ? e->active : k->activate;
	} else if (k->activate > now) {
		r->state = "scheduled";
		snprintf(r->next, sizeof(r->next), "activates%s",
		    cf->gate ? ", once its record is seen" : "");
		r->next_at = k->activate;
	} else if (k->activate != 0 && !conf_gate(cf, k, now)) {
		r->state = "waiting";
		r->since = k->activate;
		if (e != NULL && e->seen != 0) {
			snprintf(r->next, sizeof(r->next),
			    "takes over (record seen, publish_delay)");
			r->next_at = e->seen + conf_publish_delay(cf, e);
		} else
			snprintf(r->next, sizeof(r->next), "publish its record: "
			    "dkimpipe dnsrecord -k %s -s %s -d %s", k->keyfile,
			    k->selector, k->domain);
	} else if ((next = conf_successor(cf, k)) != NULL) {
		const struct keyst *ne = entry(cf, next);

		r->state = "retired";
		r->since = ne && ne->active ? ne->active : next->activate;
		snprintf(r->next, sizeof(r->next), "replaced by %s; its record "
		    "can be withdrawn once mail signed with it is verified",
		    next->selector);
	} else
		r->state = "idle";
}

/* json_str - s as a JSON string (our own names and paths: no control bytes) */
static void
json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
	putchar('"');
}

/* json_retired - the schedule's keys no longer in cf, after n others */
static void
json_retired(const struct conf *cf, size_t n)
{
	const struct rotkey *r;
	size_t i;

	for (i = 0; cf->nrotate > 0 && cf->state != NULL && i < cf->state->nrk;
	    i++) {
		r = &cf->state->rk[i];
		if (r->withdrawn == 0 || conf_key_of(cf, r->domain, r->selector) != NULL)
			continue;
		printf("%s\n  {\"name\": null, \"domain\": ", n++ ? "," : "");
		json_str(r->domain);
		printf(", \"selector\": ");
		json_str(r->selector);
		printf(", \"activate\": %lld, \"state\": \"%s\", \"since\": %lld, "
		    "\"withdrawn\": %lld, \"revealed\": %lld}",
		    (long long)r->activate, r->revealed ? "revealed" : "withdrawn",
		    (long long)(r->revealed ? r->revealed : r->withdrawn),
		    (long long)r->withdrawn, (long long)r->revealed);
	}
}

static void
show_json(const struct conf *cf, const struct row *rows)
{
	const struct rotkey *r;
	size_t i;

	printf("[");
	for (i = 0; i < cf->nkeys; i++) {
		const struct sigkey *k = &cf->keys[i];

		printf("%s\n  {\"name\": ", i ? "," : "");
		json_str(k->name);
		printf(", \"domain\": ");
		json_str(k->domain);
		printf(", \"selector\": ");
		json_str(k->selector);
		printf(", \"keyfile\": ");
		json_str(k->keyfile);
		printf(", \"activate\": %lld, \"state\": \"%s\", \"since\": %lld, "
		    "\"record\": \"%s\", \"checked\": %lld, \"next\": ",
		    (long long)k->activate, rows[i].state, (long long)rows[i].since,
		    rows[i].record, (long long)rows[i].checked);
		json_str(rows[i].next);
		r = cf->state == NULL ? NULL :
		    keystate_rotkey(cf->state, k->domain, k->selector, 0);
		printf(", \"next_at\": %lld, \"withdrawn\": %lld, \"revealed\": %lld}",
		    (long long)rows[i].next_at, (long long)(r ? r->withdrawn : 0),
		    (long long)(r ? r->revealed : 0));
	}
	json_retired(cf, cf->nkeys);
	printf("\n]\n");
}

static void
show_text(const struct conf *cf, const struct row *rows)
{
	char t1[32], t2[32], t3[32];
	size_t i;

	for (i = 0; i < cf->nkeys; i++) {
		const struct sigkey *k = &cf->keys[i];
		const struct row *r = &rows[i];

		printf("%s %s: %s since %s; record: %s (looked %s)", k->domain,
		    k->selector, r->state, stamp(r->since, t1, sizeof(t1)), r->record,
		    stamp(r->checked, t2, sizeof(t2)));
		if (r->next[0] != '\0')
			printf("; next: %s%s%s", r->next, r->next_at ? " at " : "",
			    r->next_at ? stamp(r->next_at, t3, sizeof(t3)) : "");
		printf("\n");
	}
}

/* withdrawn - the schedule's keys whose records were withdrawn */
static void
withdrawn(const struct conf *cf)
{
	char t[32];
	size_t i;

	if (cf->nrotate == 0 || cf->state == NULL)
		return;
	for (i = 0; i < cf->state->nrk; i++) {
		const struct rotkey *r = &cf->state->rk[i];

		if (r->withdrawn == 0)
			continue;
		printf("%s %s: withdrawn since %s", r->domain, r->selector,
		    stamp(r->withdrawn, t, sizeof(t)));
		if (r->revealed != 0)
			printf("; revealed since %s in %s/%s/", stamp(r->revealed, t,
			    sizeof(t)), cf->reveal_dir, r->domain);
		printf("\n");
	}
}

int
cmd_keylist(int argc, char **argv)
{
	const char *cfpath = CONF_DEFAULT_PATH;
	struct why why = { 0, "" };
	struct conf cf;
	struct diag d;
	struct row *rows;
	time_t now = time(NULL);
	int i, json = 0;
	size_t n;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			cfpath = argv[++i];
		else
			return usage_error("keys");
	}
	conf_defaults(&cf);
	diag_init(&d, &why, 0);
	if (conffile_read(&cf, cfpath, &d) < 0)
		log_fatal(EX_CONFIG, "%s", why.text);
	if (cf.state != NULL && !cf.state->usable)
		log_warn("%s", cf.state->why.text);
	rows = calloc(cf.nkeys ? cf.nkeys : 1, sizeof(*rows));
	if (rows == NULL)
		log_fatal(EX_OSERR, "out of memory");
	for (n = 0; n < cf.nkeys; n++) {
		place(&cf, &cf.keys[n], now, &rows[n]);
		schedule(&cf, &cf.keys[n], &rows[n]);
	}
	if (json)
		show_json(&cf, rows);
	else {
		show_text(&cf, rows);
		withdrawn(&cf);
	}
	free(rows);
	conf_free(&cf);
	return EX_OK;
}
