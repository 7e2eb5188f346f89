/*
 * setup_undo - "dkimpipe setup --undo": main.cf and master.cf back to what
 * they were before the first setup. A file nothing else changed since the
 * last setup gets its old bytes back; in one that was changed, only the
 * settings setup owns go back to their old values (with postconf), and the
 * lines that differ from what setup left are shown. The tables setup wrote
 * in Postfix's directory are removed, Postfix is reloaded (then the
 * link in daemon_directory it made for the proxy goes), and the mail
 * queued for the signer (a content_filter record naming dkimsign or
 * dkimlmtp) is requeued with postsuper -r, which drops that record, so it
 * is delivered once, unsigned. Postfix need not be running (then it is
 * not reloaded; it starts with the old files). Keys and dkimpipe.conf stay.
 */
#include <sys/stat.h>

#include <dirent.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "runcmd.h"
#include "setup_apply.h"
#include "setup_instance.h"
#include "setup_link.h"
#include "setup_undo.h"
#include "wholefile.h"
#include "xmem.h"

#define POSTCAT		"/usr/sbin/postcat"
#define POSTSUPER	"/usr/sbin/postsuper"
#define POSTKICK	"/usr/sbin/postkick"

/* has_line - does text hold line (len bytes, no newline) as a whole line? */
static int
has_line(const struct buf *text, const char *line, size_t len)
{
	const char *p = text->data, *end = text->data + text->len, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if ((size_t)(nl - p) == len && memcmp(p, line, len) == 0)
			return 1;
		p = nl + 1;
	}
	return 0;
}

/* show_missing - each line of a that b lacks, after mark */
static void
show_missing(const struct buf *a, const struct buf *b, const char *name,
    const char *mark)
{
	const char *p = a->data, *end = a->data + a->len, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (!has_line(b, p, (size_t)(nl - p)))
			printf("%s: %s %.*s\n", name, mark, (int)(nl - p), p);
		p = nl + 1;
	}
}

/* show_diff - the lines of a file that differ from what setup left */
static void
show_diff(const char *confdir, const char *name)
{
	char cur[4096], done[4096];
	struct buf a, b;
	struct why why;

	snprintf(cur, sizeof(cur), "%s/%s", confdir, name);
	snprintf(done, sizeof(done), "%s/%s.done", SETUP_STATE_DIR, name);
	buf_init(&a);
	buf_init(&b);
	if (wholefile_read(cur, &a, &why) == 0 && wholefile_read(done, &b, &why) == 0) {
		printf("%s was changed since dkimpipe setup; only its own settings "
		    "go back. Lines that differ (+ now, - as setup left it):\n", name);
		show_missing(&a, &b, name, "+");
		show_missing(&b, &a, name, "-");
	}
	buf_free(&a);
	buf_free(&b);
}

/* restore_bytes - the file exactly as it was before the first setup */
static int
restore_bytes(const char *confdir, const char *name, int dryrun, struct why *why)
{
	char cur[4096], orig[4096];
	struct stat st;
	struct buf b;
	int r;

	snprintf(cur, sizeof(cur), "%s/%s", confdir, name);
	snprintf(orig, sizeof(orig), "%s/%s", SETUP_STATE_ORIG, name);
	printf("restore %s from %s\n", cur, orig);
	if (dryrun)
		return 0;
	if (stat(cur, &st) < 0)
		return why_set(why, EX_IOERR, "%s: %s", cur, strerror(errno)), -1;
	buf_init(&b);
	r = wholefile_read(orig, &b, why) < 0 ? -1 :
	    wholefile_write(cur, b.data, b.len, st.st_mode & 07777, st.st_uid,
	    st.st_gid, why);
	buf_free(&b);
	return r;
}

/* restore_file - one of main.cf and master.cf back as it was */
static int
restore_file(const char *confdir, const struct setup_owned *o, int main_cf,
    int unchanged, int dryrun, struct why *why)
{
	const char *name = main_cf ? "main.cf" : "master.cf";
	struct setup_changes c;
	struct setup_plan none;
	int r;

	if (unchanged)
		return restore_bytes(confdir, name, dryrun, why);
	show_diff(confdir, name);
	memset(&c, 0, sizeof(c));
	memset(&none, 0, sizeof(none));
	if ((r = setup_restore(&c, o, SETUP_STATE_ORIG, main_cf, why)) == 0) {
		setup_show(&c, &none);
		if (!dryrun)
			r = setup_apply(&c, &none, why);
	}
	setup_changes_free(&c);
	return r;
}

/* remove_files - the tables setup wrote */
static int
remove_files(const struct setup_owned *o, int dryrun, struct why *why)
{
	size_t i;

	for (i = 0; i < o->nfiles; i++) {
		if (access(o->files[i], F_OK) < 0)
			continue;
		printf("rm %s\n", o->files[i]);
		if (!dryrun && unlink(o->files[i]) < 0)
			return why_set(why, EX_IOERR, "%s: %s", o->files[i],
			    strerror(errno)), -1;
	}
	return 0;
}

/* for_signer - is the message id queued with the signer as its content filter? */
static int
for_signer(const char *id)
{
	const char *argv[] = { POSTCAT, "-e", "-q", id, NULL };
	struct buf out;
	const char *p;
	int yes = 0;

	buf_init(&out);
	if (runcmd(argv, &out, NULL, 0) == 0) {
		buf_addc(&out, '\0');
		for (p = out.data; (p = strstr(p, "content_filter: ")) != NULL; p++) {
			p += 16;
			if (strncmp(p, "dkimsign:", 9) == 0 || strncmp(p, "dkimlmtp:", 9) == 0)
				yes = 1;
		}
	}
	buf_free(&out);
	return yes;
}

/* walk - the names of the files under dir (hashed queue subdirectories), into ids */
static void
walk(const char *dir, int depth, struct buf *ids)
{
	char path[4096];
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (depth > 4 || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(path, depth + 1, ids);
		else if (S_ISREG(st.st_mode) && strlen(e->d_name) < 64 &&
		    e->d_name[strspn(e->d_name, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz")] == '\0')
			buf_printf(ids, "%s\n", e->d_name);
	}
	closedir(d);
}

/*
 * queue_ids - the ids of the messages in the incoming, active and deferred
 * queues, one per line, read from the queue directory itself (so it works
 * with Postfix stopped, and has no size limit): 0, or -1
 */
static int
queue_ids(struct buf *ids, struct why *why)
{
	static const char *const queues[] = { "incoming", "active", "deferred" };
	char dir[4096];
	struct buf q;
	size_t i;

	buf_init(&q);
	if (pfedit_effective(NULL, "queue_directory", &q, why) < 0) {
		buf_free(&q);
		return -1;
	}
	for (i = 0; i < 3; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", q.data, queues[i]);
		walk(dir, 0, ids);
	}
	buf_free(&q);
	buf_addc(ids, '\0');
	return 0;
}

/*
 * quiet_config - with Postfix stopped, postsuper writes Postfix's
 * maillog_file itself and dies when it cannot open it: a copy of the
 * configuration in dir without it (0), or -1 when none is needed or made
 */
static int
quiet_config(const char *confdir, char *dir, size_t size)
{
	const char *clear[] = { "/usr/sbin/postconf", "-c", dir, "-e",
	    "maillog_file=", NULL };
	char from[4096], to[4096];
	struct buf b, v;
	struct why why;
	int r = 0;

	buf_init(&v);
	if (pfedit_effective(NULL, "maillog_file", &v, &why) < 0 || v.data[0] == '\0') {
		buf_free(&v);
		return -1;
	}
	buf_free(&v);
	snprintf(dir, size, "/tmp/dkimpipe-requeue.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	buf_init(&b);
	snprintf(from, sizeof(from), "%s/main.cf", confdir);
	snprintf(to, sizeof(to), "%s/main.cf", dir);
	if (wholefile_read(from, &b, &why) < 0 ||
	    wholefile_write(to, b.data, b.len, 0644, 0, 0, &why) < 0 ||
	    runcmd(clear, NULL, NULL, 0) != 0)
		r = -1;
	buf_free(&b);
	if (r < 0) {
		(void)unlink(to);
		(void)rmdir(dir);
	}
	return r;
}

/*
 * setup_requeue - requeue every message waiting for the signer: postsuper
 * -r drops its content_filter record, and the filter-free Postfix delivers
 * it once, unsigned (when Postfix is stopped: once it is started). Returns
 * how many, or -1 and why.
 */
int
setup_requeue(const char *confdir, int running, int dryrun, struct why *why)
{
	const char *requeue[] = { POSTSUPER, "-r", NULL, "incoming", "active",
	    "deferred", NULL, NULL, NULL };	/* not hold: the admin's own decision */
	const char *wake[] = { POSTKICK, "public", "pickup", "W", NULL };
	char quiet[64], *p, *nl, path[128];
	struct buf ids;
	int n = 0, r = 0, q = -1;

	buf_init(&ids);
	if (queue_ids(&ids, why) < 0) {
		buf_free(&ids);
		return -1;
	}
	if (!running && !dryrun && (q = quiet_config(confdir, quiet, sizeof(quiet))) == 0) {
		requeue[1] = "-c";	/* postsuper -c DIR -r ID queue... */
		requeue[2] = quiet;
		requeue[3] = "-r";
		requeue[5] = "incoming";
		requeue[6] = "active";
		requeue[7] = "deferred";
	}
	for (p = ids.data; r == 0 && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if (!for_signer(p))
			continue;
		requeue[q == 0 ? 4 : 2] = p;
		if ((r = setup_command(requeue, dryrun, why)) == 0)
			n++;
	}
	buf_free(&ids);
	if (q == 0) {
		snprintf(path, sizeof(path), "%s/main.cf", quiet);
		(void)unlink(path);
		(void)rmdir(quiet);
	}
	if (r < 0)
		return -1;
	if (n > 0 && running && setup_command(wake, dryrun, why) < 0)
		return -1;	/* pickup looks at maildrop only once a minute */
	return n;
}

/*
 * setup_undo - undo what setup did to the instance in confdir: 0 (also
 * when there was nothing to undo), or -1 and why
 */
int
setup_undo(const char *confdir, int dryrun, struct why *why)
{
	const char *reload[] = { "/usr/sbin/postfix", "reload", NULL };
	const char *status[] = { "/usr/sbin/postfix", "status", NULL };
	struct setup_owned o;
	int r, n = 0, running, same[2], gone = 1;

	if ((r = setup_state_load(&o, why)) <= 0) {
		if (r == 0)
			printf("dkimpipe setup --undo: no set-up to undo\n");
		return r;
	}
	r = -1;
	running = runcmd(status, NULL, NULL, 0) == 0;	/* else no reload */
	/* as setup left them: before postmulti edits main.cf destroying postfix-out */
	same[0] = !o.edited[0] && setup_state_unchanged(confdir, "main.cf");
	same[1] = !o.edited[1] && setup_state_unchanged(confdir, "master.cf");
	if (o.instance && (gone = setup_instance_undo(dryrun, why)) < 0)
		goto out;
	if (gone == 0)
		same[0] = 0;	/* it runs on: main.cf keeps naming it */
	if (restore_file(confdir, &o, 1, same[0], dryrun, why) < 0 ||
	    restore_file(confdir, &o, 0, same[1], dryrun, why) < 0 ||
	    remove_files(&o, dryrun, why) < 0 ||
	    (running && setup_command(reload, dryrun, why) < 0) ||
	    (n = setup_requeue(confdir, running, dryrun, why)) < 0 ||
	    (o.link[0] != '\0' && setup_link_remove(o.link, o.link_to, confdir,
	    dryrun, why) < 0))
		goto out;
	if (!dryrun && setup_state_forget(why) < 0)
		goto out;
	printf("dkimpipe setup --undo: Postfix no longer signs; %d queued "
	    "message%s requeued; keys and dkimpipe.conf kept\n", n, n == 1 ? "" : "s");
	r = 0;
out:
	setup_owned_free(&o);
	return r;
}
