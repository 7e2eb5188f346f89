/*
 * setup_instance - the second Postfix instance of "dkimpipe setup --mode
 * transport" (README, "Routed by transport maps"): postfix-out, made with
 * postmulti(1) from Postfix's stock files, with the default instance's
 * names and SMTP client settings, no port 25 and no content filter: only
 * the re-injection smtpd on 127.0.0.1:10028, into which the signer of the
 * default instance re-injects, and whose routing never leads to a signer.
 * Its own notices pass the signer once, through its cleanup-notices. It is
 * made once (an existing one is kept as it is) and started before the
 * default instance is reloaded, the order that works. Undoing stops,
 * disables and destroys it, but only when its queue is empty: mail it
 * holds is never thrown away. Changes go through postmulti and postconf
 * only.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "runcmd.h"
#include "setup_apply.h"
#include "setup_instance.h"
#include "wholefile.h"
#include "xmem.h"

#define POSTMULTI	"/usr/sbin/postmulti"
#define POSTCONF	"/usr/sbin/postconf"
#define CONFIGURE	"/usr/lib/postfix/configure-instance.sh"	/* Debian's */

/* setup_instance_exists - is there an output instance already? */
int
setup_instance_exists(void)
{
	return access(SETUP_INSTANCE_DIR "/main.cf", F_OK) == 0;
}

/* pc - postconf -c the instance's directory, with one option and its value */
static int
pc(const char *opt, const char *arg, int dryrun, struct why *why)
{
	const char *argv[] = { POSTCONF, "-c", SETUP_INSTANCE_DIR, opt, arg, NULL };

	return setup_command(argv, dryrun, why);
}

/* pcf - pc with a formatted argument */
static int
pcf(const char *opt, int dryrun, struct why *why, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
pcf(const char *opt, int dryrun, struct why *why, const char *fmt, ...)
{
	char arg[2048];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(arg, sizeof(arg), fmt, ap);
	va_end(ap);
	return pc(opt, arg, dryrun, why);
}

/* copied - does the default instance's parameter go into the output one? */
static int
copied(const char *name)
{
	static const char *const names[] = { "relayhost",
	    "sender_dependent_relayhost_maps", "myhostname", "mydomain", "myorigin",
	    "inet_protocols", "compatibility_level" };
	size_t i;

	if (strncmp(name, "smtp_", 5) == 0)
		return 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

/* copy_settings - the default instance's names and SMTP client settings */
static int
copy_settings(const struct setup_opts *o, int dryrun, struct why *why)
{
	const char *argv[] = { POSTCONF, "-n", NULL };
	struct buf all;
	char *line, *next, *eq;
	int r = 0;

	buf_init(&all);
	if (runcmd(argv, &all, NULL, 0) != 0) {
		buf_free(&all);
		return why_set(why, EX_CONFIG, "postconf -n failed"), -1;
	}
	buf_addc(&all, '\0');
	for (line = all.data; r == 0 && line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((eq = strstr(line, " = ")) == NULL)
			continue;
		*eq = '\0';
		if (copied(line) && !(o->origin != NULL && strcmp(line, "myorigin") == 0))
			r = pcf("-e", dryrun, why, "%s=%s", line, eq + 3);
	}
	buf_free(&all);
	if (r == 0 && o->origin != NULL)	/* only notices originate there */
		r = pcf("-e", dryrun, why, "myorigin=%s", o->origin);
	return r;
}

/* local_domains - the default instance's own domains, for relay_domains */
static void
local_domains(struct buf *out)
{
	const char *argv[] = { POSTCONF, "-hx", "mydestination",
	    "virtual_alias_domains", "virtual_mailbox_domains", "relay_domains", NULL };
	struct buf v;
	size_t i;
	int space = 1;

	buf_init(&v);
	(void)runcmd(argv, &v, NULL, 0);
	for (i = 0; i < v.len; i++) {
		if (v.data[i] == ',' || v.data[i] == ' ' || v.data[i] == '\n' ||
		    v.data[i] == '\t') {
			if (!space)
				buf_addc(out, ' ');
			space = 1;
			continue;
		}
		buf_addc(out, v.data[i]);
		space = 0;
	}
	if (out->len > 0 && out->data[out->len - 1] == ' ')
		out->len--;
	buf_addc(out, '\0');
	buf_free(&v);
}

/* own_settings - what makes it the output instance */
static int
own_settings(long long size, int dryrun, struct why *why)
{
	static const char *const fixed[] = { "master_service_disable=",
	    "inet_interfaces=loopback-only", "mynetworks=127.0.0.0/8",
	    "mydestination=", "relay_transport=smtp:[127.0.0.1]:25", "alias_maps=",
	    "alias_database=", "authorized_submit_users=",
	    "disable_mime_output_conversion=yes",
	    "dkimsign_destination_recipient_limit=100" };
	struct buf dom;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < sizeof(fixed) / sizeof(fixed[0]); i++)
		r = pc("-e", fixed[i], dryrun, why);
	buf_init(&dom);
	local_domains(&dom);
	if (r == 0)		/* bounces to local users go back to port 25 */
		r = pcf("-e", dryrun, why, "relay_domains=%s", dom.data);
	buf_free(&dom);
	if (r == 0 && size > 0)
		r = pcf("-e", dryrun, why, "message_size_limit=%lld",
		    size + SETUP_SIZE_ROOM);
	return r;
}

/* services - no port 25; the re-injection smtpd; notices through the signer */
static int
services(const struct setup_opts *o, int dryrun, struct why *why)
{
	static const char *const daemons[] = { "bounce", "defer", "trace" };
	struct buf map;
	size_t i;
	int r;

	if (pc("-M#", "smtp/inet", dryrun, why) < 0 ||
	    pcf("-M", dryrun, why, SETUP_INSTANCE_PORT "/inet=" SETUP_INSTANCE_PORT
	    " inet n - n - - smtpd -o syslog_name=" SETUP_INSTANCE "/reinject "
	    "-o content_filter= -o local_header_rewrite_clients= "
	    "-o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters "
	    "-o smtpd_helo_restrictions= -o smtpd_client_restrictions= "
	    "-o smtpd_sender_restrictions= -o smtpd_data_restrictions= "
	    "-o smtpd_end_of_data_restrictions= -o smtpd_tls_security_level=none "
	    "-o smtpd_relay_restrictions=permit_mynetworks,reject "
	    "-o smtpd_recipient_restrictions=permit_mynetworks,reject") < 0)
		return -1;
	buf_init(&map);
	buf_printf(&map, "# %s - written by \"dkimpipe setup\": header_checks of\n"
	    "# cleanup-notices, which only this instance's bounce, defer and trace use.\n"
	    "/^From:/\tFILTER dkimsign:dummy\n", SETUP_NOTICES_MAP);
	printf("write %s/%s\n", SETUP_INSTANCE_DIR, SETUP_NOTICES_MAP);
	r = dryrun ? 0 : wholefile_write(SETUP_INSTANCE_DIR "/" SETUP_NOTICES_MAP,
	    map.data, map.len, 0644, 0, 0, why);
	buf_free(&map);
	if (r < 0 ||
	    pcf("-M", dryrun, why, "dkimsign/unix=dkimsign unix - n n - 10 pipe "
	    "null_sender= user=dkimpipe argv=%s deliver -q ${queue_id} "
	    "-a ${client_address} -u ${sasl_username} -f ${sender} -- ${recipient}",
	    o->binary) < 0 ||
	    pc("-M", "cleanup-notices/unix=cleanup-notices unix n - y - 0 cleanup "
	    "-o header_checks=regexp:" SETUP_INSTANCE_DIR "/" SETUP_NOTICES_MAP " "
	    "-o mime_header_checks= -o nested_header_checks= -o body_checks= "
	    "-o non_smtpd_milters=", dryrun, why) < 0)
		return -1;
	for (i = 0; i < sizeof(daemons) / sizeof(daemons[0]); i++)
		if (pcf("-P", dryrun, why, "%s/unix/cleanup_service_name=cleanup-notices",
		    daemons[i]) < 0 ||
		    pcf("-P", dryrun, why, "%s/unix/internal_mail_filter_classes=bounce",
		    daemons[i]) < 0)
			return -1;
	return 0;
}

/*
 * setup_instance_make - make and start the output instance, unless one
 * exists: 1 made, 0 kept, -1 and why
 */
int
setup_instance_make(const struct setup_opts *o, long long size, int dryrun,
    struct why *why)
{
	const char *init[] = { POSTMULTI, "-e", "init", NULL };
	const char *create[] = { POSTMULTI, "-I", SETUP_INSTANCE, "-e", "create", NULL };
	const char *enable[] = { POSTMULTI, "-i", SETUP_INSTANCE, "-e", "enable", NULL };
	const char *chroot[] = { CONFIGURE, SETUP_INSTANCE, NULL };
	const char *start[] = { POSTMULTI, "-i", SETUP_INSTANCE, "-p", "start", NULL };

	if (setup_instance_exists())
		return 0;
	if (setup_command(init, dryrun, why) < 0 ||
	    setup_command(create, dryrun, why) < 0 ||
	    copy_settings(o, dryrun, why) < 0 ||
	    own_settings(size, dryrun, why) < 0 ||
	    services(o, dryrun, why) < 0 ||
	    setup_command(enable, dryrun, why) < 0 ||
	    (access(CONFIGURE, X_OK) == 0 && setup_command(chroot, dryrun, why) < 0) ||
	    setup_command(start, dryrun, why) < 0)
		return -1;
	return 1;
}

/* queue_empty - does the output instance hold no mail? */
static int
queue_empty(void)
{
	const char *argv[] = { "/usr/sbin/postqueue", "-c", SETUP_INSTANCE_DIR, "-j",
	    NULL };
	struct buf out;
	int empty;

	buf_init(&out);
	empty = runcmd(argv, &out, NULL, 0) == 0 && out.len == 0;
	buf_free(&out);
	return empty;
}

/*
 * setup_instance_undo - stop, disable and destroy the output instance when
 * its queue is empty: 1 gone, 0 left running (it holds mail), -1 and why
 */
int
setup_instance_undo(int dryrun, struct why *why)
{
	const char *status[] = { POSTMULTI, "-i", SETUP_INSTANCE, "-p", "status", NULL };
	const char *stop[] = { POSTMULTI, "-i", SETUP_INSTANCE, "-p", "stop", NULL };
	const char *disable[] = { POSTMULTI, "-i", SETUP_INSTANCE, "-e", "disable", NULL };
	const char *destroy[] = { POSTMULTI, "-i", SETUP_INSTANCE, "-e", "destroy", NULL };

	if (!setup_instance_exists())
		return 1;
	if (!queue_empty()) {
		printf("dkimpipe setup --undo: %s still holds mail; it keeps running "
		    "until it has delivered it. Then: postmulti -i %s -p stop && "
		    "postmulti -i %s -e disable && postmulti -i %s -e destroy\n",
		    SETUP_INSTANCE, SETUP_INSTANCE, SETUP_INSTANCE, SETUP_INSTANCE);
		return 0;
	}
	if ((runcmd(status, NULL, NULL, 0) == 0 && setup_command(stop, dryrun, why) < 0) ||
	    setup_command(disable, dryrun, why) < 0 ||
	    setup_command(destroy, dryrun, why) < 0)
		return -1;
	return 1;
}
