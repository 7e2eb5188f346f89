/*
 * setup_state - what "dkimpipe setup" did, in SETUP_STATE_DIR: a copy of
 * main.cf and master.cf as they were before the first setup (orig/, a
 * config directory postconf -c can read), the two files as the last setup
 * left them (*.done, to tell whether anything else changed them since),
 * the list of settings and files it owns (owned), and a dated copy of
 * both files before each run that changed them (backup/). Files are
 * replaced atomically. It does not decide what to change.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "setup_state.h"
#include "wholefile.h"
#include "xmem.h"

#define OWNED	SETUP_STATE_DIR "/owned"

static const char *const kind_word[] = { "main", "entry", "param" };
static const char *const cf_files[] = { "main.cf", "master.cf", "dynamicmaps.cf" };

/* mkdirs - SETUP_STATE_DIR and a subdirectory, 0700 */
static int
mkdirs(const char *sub, struct why *why)
{
	const char *dirs[] = { "/var/lib/dkimpipe", SETUP_STATE_DIR, sub };
	size_t i;

	for (i = 0; i < 3; i++)
		if (dirs[i] != NULL && mkdir(dirs[i], i == 0 ? 0755 : 0700) < 0 &&
		    errno != EEXIST)
			return why_set(why, EX_CANTCREAT, "%s: %s", dirs[i],
			    strerror(errno)), -1;
	return 0;
}

/* copy - confdir/name to dir/name, when it exists (dynamicmaps.cf may not) */
static int
copy(const char *confdir, const char *dir, const char *name, int must,
    struct why *why)
{
	char from[4096], to[4096];
	struct buf b;
	struct stat st;
	int r;

	snprintf(from, sizeof(from), "%s/%s", confdir, name);
	snprintf(to, sizeof(to), "%s/%s", dir, name);
	if (stat(from, &st) < 0 && !must)
		return 0;
	buf_init(&b);
	r = wholefile_read(from, &b, why) < 0 ? -1 :
	    wholefile_write(to, b.data, b.len, 0600, 0, 0, why);
	buf_free(&b);
	return r;
}

/* copy_all - main.cf and master.cf (and dynamicmaps.cf) into dir */
static int
copy_all(const char *confdir, const char *dir, struct why *why)
{
	size_t i;

	for (i = 0; i < 3; i++)
		if (copy(confdir, dir, cf_files[i], i < 2, why) < 0)
			return -1;
	return 0;
}

/* setup_state_snapshot - keep the files as they are now, unless kept before */
int
setup_state_snapshot(const char *confdir, struct why *why)
{
	if (access(SETUP_STATE_ORIG "/master.cf", F_OK) == 0)
		return 0;
	if (mkdirs(SETUP_STATE_ORIG, why) < 0)
		return -1;
	return copy_all(confdir, SETUP_STATE_ORIG, why);
}

/* setup_state_backup - a dated copy of both files; its name in dir */
int
setup_state_backup(const char *confdir, char *dir, size_t size, struct why *why)
{
	char stamp[32];
	time_t now = time(NULL);

	int n;

	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&now));
	if (mkdirs(NULL, why) < 0)
		return -1;
	for (n = 1; n < 100; n++) {	/* two runs in one second keep both */
		if (n == 1)
			snprintf(dir, size, "%s/backup-%s", SETUP_STATE_DIR, stamp);
		else
			snprintf(dir, size, "%s/backup-%s.%d", SETUP_STATE_DIR, stamp, n);
		if (mkdir(dir, 0700) == 0)
			return copy_all(confdir, dir, why);
		if (errno != EEXIST)
			break;
	}
	return why_set(why, EX_CANTCREAT, "%s: %s", dir, strerror(errno)), -1;
}

/* done_name - SETUP_STATE_DIR/NAME.done */
static void
done_name(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s.done", SETUP_STATE_DIR, name);
}

/* setup_state_done - remember both files as this run left them */
int
setup_state_done(const char *confdir, struct why *why)
{
	char from[4096], to[4096];
	struct buf b;
	size_t i;
	int r = 0;

	buf_init(&b);
	for (i = 0; i < 2 && r == 0; i++) {
		snprintf(from, sizeof(from), "%s/%s", confdir, cf_files[i]);
		done_name(to, sizeof(to), cf_files[i]);
		r = wholefile_read(from, &b, why) < 0 ? -1 :
		    wholefile_write(to, b.data, b.len, 0600, 0, 0, why);
	}
	buf_free(&b);
	return r;
}

/* setup_state_unchanged - is confdir/name as the last setup left it? */
int
setup_state_unchanged(const char *confdir, const char *name)
{
	char cur[4096], done[4096];
	struct buf b;
	struct why why;
	int same;

	snprintf(cur, sizeof(cur), "%s/%s", confdir, name);
	done_name(done, sizeof(done), name);
	buf_init(&b);
	same = wholefile_read(done, &b, &why) == 0 && wholefile_same(cur, b.data, b.len);
	buf_free(&b);
	return same;
}

/*
 * setup_state_edited - note in o which of main.cf and master.cf something
 * else changed since the last setup: their old bytes can no longer simply
 * be put back by --undo
 */
void
setup_state_edited(const char *confdir, struct setup_owned *o)
{
	char done[4096];
	size_t i;

	for (i = 0; i < 2; i++) {
		done_name(done, sizeof(done), cf_files[i]);
		if (access(done, F_OK) == 0 && !setup_state_unchanged(confdir, cf_files[i]))
			o->edited[i] = 1;
	}
}

/* setup_owned_add - one more setting it owns (once) */
void
setup_owned_add(struct setup_owned *o, enum pfkind kind, const char *key)
{
	if (setup_owned_has(o, kind, key))
		return;
	o->set = xreallocarray(o->set, o->nset + 1, sizeof(*o->set));
	o->set[o->nset].kind = kind;
	o->set[o->nset].key = xstrdup(key);
	o->set[o->nset].value = NULL;
	o->nset++;
}

/* setup_owned_file - one more file it owns (once) */
void
setup_owned_file(struct setup_owned *o, const char *path)
{
	size_t i;

	for (i = 0; i < o->nfiles; i++)
		if (strcmp(o->files[i], path) == 0)
			return;
	o->files = xreallocarray(o->files, o->nfiles + 1, sizeof(*o->files));
	o->files[o->nfiles++] = xstrdup(path);
}

/* setup_owned_has - does it own the setting? */
int
setup_owned_has(const struct setup_owned *o, enum pfkind kind, const char *key)
{
	size_t i;

	for (i = 0; i < o->nset; i++)
		if (o->set[i].kind == kind && strcmp(o->set[i].key, key) == 0)
			return 1;
	return 0;
}

/* owned_line - one line of the owned file into o; -1 if it is not one */
static int
owned_line(struct setup_owned *o, char *line)
{
	char *arg;
	size_t k;

	line[strcspn(line, "\n")] = '\0';
	if ((arg = strchr(line, ' ')) == NULL)
		return -1;
	*arg++ = '\0';
	for (k = 0; k < 3; k++)
		if (strcmp(line, kind_word[k]) == 0) {
			setup_owned_add(o, (enum pfkind)k, arg);
			return 0;
		}
	if (strcmp(line, "file") == 0)
		setup_owned_file(o, arg);
	else if (strcmp(line, "selector") == 0)
		strlcpy(o->selector, arg, sizeof(o->selector));
	else if (strcmp(line, "statoverride") == 0)
		o->statoverride = 1;
	else if (strcmp(line, "instance") == 0)
		o->instance = 1;
	else if (strcmp(line, "link") == 0)
		strlcpy(o->link, arg, sizeof(o->link));
	else if (strcmp(line, "link_to") == 0)
		strlcpy(o->link_to, arg, sizeof(o->link_to));
	else if (strcmp(line, "edited") == 0)
		o->edited[strcmp(arg, "master.cf") == 0] = 1;
	else
		return -1;
	return 0;
}

/*
 * setup_state_load - what an earlier setup owns: 1, 0 when there was
 * none (o empty), -1 on failure
 */
int
setup_state_load(struct setup_owned *o, struct why *why)
{
	char line[4096];
	size_t n = 0;
	FILE *f;

	memset(o, 0, sizeof(*o));
	if ((f = fopen(OWNED, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		return why_set(why, EX_IOERR, "%s: %s", OWNED, strerror(errno)), -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		n++;
		if (owned_line(o, line) < 0) {
			fclose(f);
			return why_set(why, EX_DATAERR, "%s:%zu: not a setting", OWNED, n), -1;
		}
	}
	fclose(f);
	return 1;
}

/* setup_state_save - write the owned list */
int
setup_state_save(const struct setup_owned *o, struct why *why)
{
	struct buf b;
	size_t i;
	int r;

	if (mkdirs(NULL, why) < 0)
		return -1;
	buf_init(&b);
	if (o->selector[0] != '\0')
		buf_printf(&b, "selector %s\n", o->selector);
	if (o->statoverride)
		buf_printf(&b, "statoverride yes\n");
	if (o->instance)
		buf_printf(&b, "instance postfix-out\n");
	if (o->link[0] != '\0')
		buf_printf(&b, "link %s\nlink_to %s\n", o->link, o->link_to);
	for (i = 0; i < 2; i++)
		if (o->edited[i])
			buf_printf(&b, "edited %s\n", cf_files[i]);
	for (i = 0; i < o->nset; i++)
		buf_printf(&b, "%s %s\n", kind_word[o->set[i].kind], o->set[i].key);
	for (i = 0; i < o->nfiles; i++)
		buf_printf(&b, "file %s\n", o->files[i]);
	r = wholefile_write(OWNED, b.data, b.len, 0600, 0, 0, why);
	buf_free(&b);
	return r;
}

/* setup_state_forget - remove all but the dated backups */
int
setup_state_forget(struct why *why)
{
	char path[4096];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", SETUP_STATE_ORIG, cf_files[i]);
		(void)unlink(path);
		if (i < 2) {
			done_name(path, sizeof(path), cf_files[i]);
			(void)unlink(path);
		}
	}
	(void)rmdir(SETUP_STATE_ORIG);
	if (unlink(OWNED) < 0 && errno != ENOENT)
		return why_set(why, EX_IOERR, "%s: %s", OWNED, strerror(errno)), -1;
	return 0;
}

void
setup_owned_free(struct setup_owned *o)
{
	size_t i;

	for (i = 0; i < o->nset; i++)
		free(o->set[i].key);
	for (i = 0; i < o->nfiles; i++)
		free(o->files[i]);
	free(o->set);
	free(o->files);
	memset(o, 0, sizeof(*o));
}
