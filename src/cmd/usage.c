/*
 * usage - the synopsis of every command, in one table: "dkimpipe" alone
 * prints them all, and a command given a bad option or a missing
 * operand prints its own ("dkimpipe CMD -h" shows it too). Reported
 * through log_usage(), the one way a usage error is said: stderr on the
 * command line, syslog for lmtp (its stderr is the socket). It parses
 * no option; the commands do.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "usage.h"

static const struct {
	const char	*cmd;
	const char	*text;
} usages[] = {
	{ "sign", "sign [-d domain -s selector -k keyfile [-a alg]]... [--config file]\n"
	    "\t[-c canon] [-h headers] [-o oversign] [-i identity] [-x seconds]\n"
	    "\t[-t time] [-T tmpdir] [-U] [-L limit] [-D] [file]" },
	{ "sign -I", "sign -I [sign options] [-j jobs] [-q] [--replace | --replace-selector]\n"
	    "\t[--files-from file [-0]] [file | directory]..." },
	{ "deliver", "deliver [-c config] [-q queue_id] [-a client_address] "
	    "[-u sasl_username] -f sender -- recipient..." },
	{ "lmtp", "lmtp [-c config]" },
	{ "proxy", "proxy [-c config]" },
	{ "check", "check [-c config]" },
	{ "keygen", "keygen -d domain -s selector [-t rsa|ed25519] [-b bits] [-D dir]" },
	{ "keys", "keys [-c config] [--json]" },
	{ "dnsrecord", "dnsrecord -k keyfile -s selector [-d domain] [-1] [-U]" },
	{ "verify", "verify [-K keysfile] [-n nameserver[:port]] [-t time] [file]" },
	{ "testkey", "testkey [-c config] [-d domain -s selector -k keyfile]\n"
	    "\t[-n nameserver[:port]] [-U]" },
	{ "setup", "setup [--dry-run] [--mode pipe|spawn|transport|proxy] [--reinject smtp|sendmail]\n"
	    "\t[--paths submission,smtp,sendmail,notices] [--selector S]\n"
	    "\t[--key rsa|ed25519|both] domain..." },
	{ "setup --undo", "setup --undo [--dry-run]" },
	{ "version", "version" },
};

#define NUSAGES	(sizeof(usages) / sizeof(usages[0]))

/* usage_text - the synopsis of cmd, without "dkimpipe "; "" if unknown */
const char *
usage_text(const char *cmd)
{
	size_t i;

	for (i = 0; i < NUSAGES; i++)
		if (strcmp(usages[i].cmd, cmd) == 0)
			return usages[i].text;
	return "";
}

/* usage_error - say how cmd is used (sign: both forms); EX_USAGE */
int
usage_error(const char *cmd)
{
	log_usage("dkimpipe %s", usage_text(cmd));
	if (strcmp(cmd, "sign") == 0)
		log_usage("dkimpipe %s", usage_text("sign -I"));
	return EX_USAGE;
}

/* usage_all - every command's synopsis; EX_USAGE */
int
usage_all(void)
{
	size_t i;

	for (i = 0; i < NUSAGES; i++)
		log_usage("dkimpipe %s", usages[i].text);
	return EX_USAGE;
}
