/*
 * mbox - re-sign each message of an mbox file (mboxrd quoting) and
 * write the whole file again into one new copy (atomic.c), which the
 * caller commits or discards: this file does not replace the original,
 * nor open it, nor choose a sync (inplace.c, syncgroup.c do). Every
 * "From " line separates messages and is kept byte for byte. A message
 * is signed as a reader will see it, unquoted (">From " lines lose one
 * '>'), and stored quoted again, so the bytes of every message that is
 * not signed come out exactly as they went in. A message that cannot be
 * signed is kept as it was and named in a warning; the file fails only
 * when no message could be signed. Each message passes through an
 * anonymous memory file (memfd), one at a time.
 */
#include <sys/mman.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "mbox.h"
#include "signer.h"

/* reopen - a stream on a duplicate of fd; NULL (errno kept), none leaked */
static FILE *
reopen(int fd, const char *mode)
{
	FILE *fp;
	int d, e;

	if ((d = dup(fd)) < 0)
		return NULL;
	if ((fp = fdopen(d, mode)) == NULL) {
		e = errno;
		close(d);
		errno = e;
	}
	return fp;
}

/* a ">*From " line: quoted in the mbox, one '>' less in the message */
static int
from_line(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] == '>')
		i++;
	return n - i >= 5 && memcmp(s + i, "From ", 5) == 0;
}

/* requote - copy fd (from its start) to out, quoting as mboxrd does */
static int
requote(int fd, FILE *out)
{
	FILE *in;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (lseek(fd, 0, SEEK_SET) < 0 || (in = reopen(fd, "r")) == NULL)
		return -1;
	while ((n = getline(&line, &cap, in)) > 0)
		if ((from_line(line, (size_t)n) && fputc('>', out) == EOF) ||
		    fwrite(line, 1, (size_t)n, out) != (size_t)n)
			rc = -1;
	if (ferror(in))
		rc = -1;
	free(line);
	fclose(in);
	return rc;
}

struct mbox {
	const struct conf	*cf;
	struct keycache		*keys;		/* the worker's decoded keys, or NULL */
	const char		*path;
	enum replace		 how;
	FILE			*out;
	int			 msg;		/* memfd of the current message */
	size_t			 n, signed_, refused;
	int			 failed;	/* write trouble: give up */
	struct why		 fail;
};

/* finish - sign the message collected in b->msg and write it out */
static void
finish(struct mbox *b)
{
	struct signed_msg m;
	struct why why;
	int sig, rc;

	if (b->msg < 0)
		return;
	b->n++;
	if (lseek(b->msg, 0, SEEK_SET) < 0 || (sig = memfd_create("dkimpipe",
	    MFD_CLOEXEC)) < 0) {
		why_set(&b->fail, EX_OSERR, "memory file: %s", strerror(errno));
		b->failed = 1;
		close(b->msg);
		b->msg = -1;
		return;
	}
	signer_init(&m, b->cf, b->keys);
	rc = resign_fd(&m, b->cf, b->msg, b->how, &why);
	if (rc == 0 && m.outcome == OUT_SIGNED && signer_write(&m, sig, 1, &why) == 0) {
		b->signed_++;
		rc = requote(sig, b->out);
	} else {
		if (m.outcome != OUT_NOKEY) {
			log_warn("%s: message %zu kept unsigned: %s", b->path, b->n,
			    why.text);
			b->refused++;
		}
		rc = requote(b->msg, b->out);
	}
	if (rc < 0) {
		why_set(&b->fail, EX_IOERR, "cannot write the signed copy: %s", strerror(errno));
		b->failed = 1;
	}
	signer_free(&m);
	close(sig);
	close(b->msg);
	b->msg = -1;
}

/* split - read the mbox, one message at a time through finish() */
static int
split(struct mbox *b, int fd)
{
	FILE *in;
	char *line = NULL;
	size_t cap = 0, q;
	ssize_t n;

	if ((in = reopen(fd, "r")) == NULL)
		return why_set(&b->fail, EX_OSERR, "cannot read: %s", strerror(errno));
	while (!b->failed && (n = getline(&line, &cap, in)) > 0) {
		if (n >= 5 && memcmp(line, "From ", 5) == 0) {
			finish(b);
			if (fwrite(line, 1, (size_t)n, b->out) != (size_t)n ||
			    (b->msg = memfd_create("dkimpipe", MFD_CLOEXEC)) < 0) {
				why_set(&b->fail, EX_IOERR, "cannot write: %s", strerror(errno));
				b->failed = 1;
			}
			continue;
		}
		q = from_line(line, (size_t)n) ? 1 : 0;	/* unquote */
		if (write(b->msg, line + q, (size_t)n - q) != n - (ssize_t)q) {
			why_set(&b->fail, EX_IOERR, "memory file: %s", strerror(errno));
			b->failed = 1;
		}
	}
	if (ferror(in) && !b->failed) {
		why_set(&b->fail, EX_IOERR, "read error: %s", strerror(errno));
		b->failed = 1;
	}
	if (!b->failed)
		finish(b);
	free(line);
	fclose(in);
	return b->failed ? -1 : 0;
}

/*
 * mbox_sign - re-sign the mbox path, open on fd (status st), into the new
 * copy c: 1, c written and open for the caller to commit; 0, no message
 * had a key (why says so); -1 (why says). With 0 or -1, c is removed.
 */
int
mbox_sign(const struct conf *cf, struct keycache *keys, const char *path,
    int fd, const struct stat *st, enum replace how, struct atomic_copy *c,
    struct why *why)
{
	struct mbox b = { cf, keys, path, how, NULL, -1, 0, 0, 0, 0, { 0, "" } };

	if (atomic_temp(c, path, fd, st, why) < 0)
		return -1;
	if ((b.out = reopen(c->t, "w")) == NULL) {
		why_set(why, EX_OSERR, "cannot write: %s", strerror(errno));
		goto fail;
	}
	if (split(&b, fd) < 0 || fflush(b.out) == EOF) {
		*why = b.fail;
		if (why->text[0] == '\0')
			why_set(why, EX_IOERR, "cannot write the signed copy: %s", strerror(errno));
		goto fail;
	}
	fclose(b.out);
	b.out = NULL;
	if (b.signed_ == 0 && b.refused == 0) {
		why_set(why, EX_OK, "no key for any of its %zu messages", b.n);
		atomic_discard(c);
		return 0;
	}
	if (b.signed_ == 0) {
		why_set(why, EX_DATAERR, "mbox with %zu messages, none signed", b.n);
		goto fail;
	}
	return 1;
fail:
	if (b.out != NULL)
		fclose(b.out);
	if (b.msg >= 0)
		close(b.msg);
	atomic_discard(c);
	return -1;
}
