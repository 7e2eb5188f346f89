/*
 * postconf - ask Postfix's own postconf(1) and postmap(1) about its
 * configuration (execv, no shell; MAIL_CONFIG in the environment picks
 * the instance, as it does for Postfix) and return the first line of the
 * answer. Used by check to catch a set-up that would loop; it decides
 * nothing itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "postconf.h"
#include "runcmd.h"
#include "xmem.h"

/*
 * unconfigured - no main.cf where these arguments point Postfix's tools
 * (-c DIR, else MAIL_CONFIG, else /etc/postfix): they could only fail,
 * and each would sleep a second first, as Postfix's fatal errors do
 */
static int
unconfigured(const char *const argv[8])
{
	const char *dir = getenv("MAIL_CONFIG");
	char path[4096];
	int i;

	for (i = 1; argv[i] != NULL && argv[i + 1] != NULL; i++)
		if (strcmp(argv[i], "-c") == 0)
			dir = argv[i + 1];
	if (dir == NULL || *dir == '\0')
		dir = "/etc/postfix";
	snprintf(path, sizeof(path), "%s/main.cf", dir);
	return access(path, F_OK) < 0;
}

/*
 * run_args - what a[0] prints when run with the arguments that follow it
 * (up to six, the list ending at a NULL): its first line only, unless
 * all, in out (nothing kept when out is NULL); 0 when it exits 0, else -1
 */
static int
run_args(const char *const a[7], char *out, size_t size, int all)
{
	const char *argv[8];
	struct buf b;
	size_t n;
	int i, rc;

	memset(argv, 0, sizeof(argv));	/* argv ends at the first NULL */
	for (i = 0; i < 7 && a[i] != NULL; i++)
		argv[i] = a[i];
	if (access(argv[0], X_OK) < 0 || unconfigured(argv))
		return -1;
	buf_init(&b);
	rc = runcmd(argv, &b, NULL, 0) == 0 ? 0 : -1;
	if (out != NULL && size > 0) {
		n = b.len < size - 1 ? b.len : size - 1;
		if (n > 0)
			memcpy(out, b.data, n);
		out[n] = '\0';
		if (!all)
			out[strcspn(out, "\n")] = '\0';
	}
	buf_free(&b);
	return rc;
}

/*
 * run_cmd - what a0 prints (its first line only, unless all), in out:
 * 0, or -1 on failure
 */
static int
run_cmd(const char *a0, const char *a1, const char *a2, const char *a3,
    char *out, size_t size, int all)
{
	const char *a[7] = { a0, a1, a2, a2 != NULL ? a3 : NULL, NULL, NULL, NULL };

	if (size == 0)
		return -1;
	return run_args(a, out, size, all);
}

static int
run(const char *a0, const char *a1, const char *a2, const char *a3,
    char *out, size_t size)
{
	return run_cmd(a0, a1, a2, a3, out, size, 0);
}

/* postconf_all - all that "postconf OPTION" prints ("-M": master.cf) */
int
postconf_all(const char *option, char *out, size_t size)
{
	return run_cmd(POSTCONF_PATH, option, NULL, NULL, out, size, 1);
}

/*
 * postconf_service - the master.cf value of key ("pickup/unix/
 * content_filter") in out: 0, or -1 when postconf cannot say
 */
int
postconf_service(const char *key, char *out, size_t size)
{
	return run(POSTCONF_PATH, "-h", "-P", key, out, size);
}

/* postconf_param - the main.cf value of a parameter */
int
postconf_param(const char *name, char *out, size_t size)
{
	return run(POSTCONF_PATH, "-h", name, NULL, out, size);
}

/* postconf_master - the master.cf entry "name/type" on one line, "" if none */
int
postconf_master(const char *service, char *out, size_t size)
{
	return run(POSTCONF_PATH, "-M", service, NULL, out, size);
}

/* postmap_query - the value of key in a Postfix lookup table; -1 if none */
int
postmap_query(const char *key, const char *map, char *out, size_t size)
{
	return run(POSTMAP_PATH, "-q", key, map, out, size);
}

/*
 * postconf_dir_all - all that "postconf -c DIR OPTION" prints, for the
 * instance whose configuration is in DIR
 */
int
postconf_dir_all(const char *dir, const char *option, char *out, size_t size)
{
	const char *a[7] = { POSTCONF_PATH, "-c", dir, option, NULL, NULL, NULL };

	return run_args(a, out, size, 1);
}

/* command_of - the command field (the 8th) of a master.cf line, or NULL */
static const char *
command_of(const char *line, size_t *len)
{
	const char *p = line;
	int field;

	for (field = 0; field < 7; field++) {
		p += strcspn(p, " \t");
		p += strspn(p, " \t");
	}
	*len = strcspn(p, " \t");
	return *len > 0 ? p : NULL;
}

/*
 * postconf_daemon_entry - the first master.cf entry of the instance in
 * dir (NULL: MAIL_CONFIG's) that has master(8) run dkimpipe itself (its
 * command field is "dkimpipe"): 1 and its service name in name, 0 when
 * there is none, -1 when postconf cannot say
 */
int
postconf_daemon_entry(const char *dir, char *name, size_t size)
{
	char *all, *line, *p;
	const char *cmd;
	size_t n;
	int r;

	all = xmalloc(POSTCONF_MASTER_MAX);
	r = dir != NULL ? postconf_dir_all(dir, "-M", all, POSTCONF_MASTER_MAX) :
	    postconf_all("-M", all, POSTCONF_MASTER_MAX);
	if (r == 0) {
		for (p = all; (line = strsep(&p, "\n")) != NULL; )
			if ((cmd = command_of(line, &n)) != NULL && n == 8 &&
			    strncmp(cmd, "dkimpipe", 8) == 0)
				break;
		r = line != NULL;
		if (r)
			snprintf(name, size, "%.*s", (int)strcspn(line, " \t"), line);
	} else
		r = -1;
	free(all);
	return r;
}

/* postconf_dir_param - a main.cf value of the instance in DIR, $names expanded */
int
postconf_dir_param(const char *dir, const char *name, char *out, size_t size)
{
	const char *a[7] = { POSTCONF_PATH, "-c", dir, "-hx", name, NULL, NULL };

	return run_args(a, out, size, 0);
}

/* postmulti_list - "postmulti -l -a": one line per instance */
int
postmulti_list(char *out, size_t size)
{
	const char *a[7] = { POSTMULTI_PATH, "-l", "-a", NULL, NULL, NULL, NULL };

	return run_args(a, out, size, 1);
}

/* postmulti_status - "postmulti -i NAME -p status": 0 when it runs, else -1 */
int
postmulti_status(const char *name)
{
	const char *a[7] = { POSTMULTI_PATH, "-i", name, "-p", "status", NULL,
	    NULL };

	return run_args(a, NULL, 0, 0);
}

/*
 * postconf_has_word - is word in a Postfix list (words separated by
 * commas or white space), compared without case
 */
int
postconf_has_word(const char *list, const char *word)
{
	size_t n = strlen(word), len;
	const char *p = list;

	while (*(p += strspn(p, ", \t")) != '\0') {
		len = strcspn(p, ", \t");
		if (len == n && strncasecmp(p, word, n) == 0)
			return 1;
		p += len;
	}
	return 0;
}

/*
 * postconf_dump_get - the value of key in a "key = value" listing (what
 * postconf -n or -P prints) in out: 0, or -1 ("" in out) when absent
 */
int
postconf_dump_get(const char *dump, const char *key, char *out, size_t size)
{
	size_t n = strlen(key);
	const char *p, *end;

	for (p = dump; *p != '\0'; p = end + (*end == '\n')) {
		end = p + strcspn(p, "\n");
		if ((size_t)(end - p) < n + 2 || strncmp(p, key, n) != 0 ||
		    p[n] != ' ' || p[n + 1] != '=')
			continue;
		p += n + 2;
		if (*p == ' ')
			p++;
		snprintf(out, size, "%.*s", (int)(end - p), p);
		return 0;
	}
	out[0] = '\0';
	return -1;
}
