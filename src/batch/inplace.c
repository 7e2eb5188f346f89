/*
 * inplace - re-sign one stored message file in place: the signed copy
 * goes to a temporary file in the same directory, gets the original's
 * owner, mode and times, is made durable (fsync, or one sync with a
 * group of others: syncgroup.c) and only then is renamed over the
 * original, so that a crash or kill -9 at any moment leaves the old file
 * or the new one, never a truncated or missing one. A file that cannot
 * be signed (unreadable, read-only, not a message, refused, or an owner
 * the caller cannot give the copy) is left untouched. With a replace mode, the file's earlier DKIM-Signature
 * fields for the domain being signed (and the selector, with
 * REPLACE_SELECTOR) are dropped first; other domains' are kept. A file
 * that starts with "From " is an mbox (mbox.c). The signing itself is
 * signer.c's; this file knows about files only.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "header.h"
#include "inplace.h"
#include "mbox.h"
#include "io.h"
#include "signer.h"
#include "syncgroup.h"
#include "taglist.h"
#include "xmem.h"

#define CHUNK	(64 * 1024)

static int resize_name(const char *, struct why *);

/* ours - a DKIM-Signature field that one of the chosen keys replaces */
static int
ours(const struct header *h, const struct hfield *f, const struct sigsel *sel,
    size_t nsel, enum replace how)
{
	const char *raw = header_raw(h, f), *v = memchr(raw, ':', f->len);
	char d[DOMAIN_MAX + 1], s[128];
	struct buf list;
	size_t i;
	int hit = 0;

	if (v == NULL || !header_is(h, f, "DKIM-Signature"))
		return 0;
	v++;
	buf_init(&list);
	buf_add(&list, v, f->len - (size_t)(v - raw));	/* NUL-terminated */
	if (taglist_get(list.data, "d", d, sizeof(d)) &&
	    taglist_get(list.data, "s", s, sizeof(s)))
		for (i = 0; i < nsel && !hit; i++)
			hit = strcasecmp(d, sel[i].domain) == 0 &&
			    (how == REPLACE_DOMAIN || strcmp(s, sel[i].key->selector) == 0);
	buf_free(&list);
	return hit;
}

/*
 * header_of - read and parse the header block of fd; *rest is the
 * number of bytes of buf read past it
 */
static int
header_of(int fd, struct header *h, char *buf, size_t *rest, size_t *off,
    struct why *why)
{
	ssize_t r;
	size_t used;

	*rest = *off = 0;
	while (!h->done) {
		if ((r = io_read(fd, buf, CHUNK)) < 0)
			return why_set(why, EX_IOERR, "read error: %m");
		if (r == 0)
			break;
		used = header_feed(h, buf, (size_t)r);
		if (h->done) {
			*off = used;
			*rest = (size_t)r - used;
		}
	}
	h->done = 1;
	return header_parse(h, why);
}

/* filtered - feed the header block without the fields we replace */
static int
feed_header(struct signed_msg *m, const struct conf *cf, const struct header *h,
    enum replace how, struct why *why)
{
	char addr[512], domain[DOMAIN_MAX];
	struct sigsel sel[CONF_MAXSIG];
	size_t i, nsel = 0, end = 0;

	if (how != REPLACE_NONE) {
		if (header_from(h, addr, sizeof(addr), domain, sizeof(domain), why) < 0)
			return -1;
		nsel = conf_select(cf, addr, domain, sel, CONF_MAXSIG);
	}
	for (i = 0; i < h->nf; i++) {
		end = h->f[i].off + h->f[i].len;
		if (nsel > 0 && ours(h, &h->f[i], sel, nsel, how))
			continue;
		signer_feed(m, cf, h->block.data + h->f[i].off, h->f[i].len);
	}
	if (end < h->block.len)		/* the empty line */
		signer_feed(m, cf, h->block.data + end, h->block.len - end);
	conf_sel_free(sel, nsel);
	return 0;
}

/*
 * inplace_sign_fd - sign the message on fd (from its current offset),
 * dropping the fields a replace mode replaces; the signer_end() result
 */
int
inplace_sign_fd(struct signed_msg *m, const struct conf *cf, int fd,
    enum replace how, struct why *why)
{
	struct header h;
	char *buf = xmalloc(CHUNK);
	size_t rest, off;
	ssize_t r;
	int rc = -1;

	header_init(&h);
	if (header_of(fd, &h, buf, &rest, &off, why) < 0 ||
	    feed_header(m, cf, &h, how, why) < 0)
		goto out;
	if (rest > 0)
		signer_feed(m, cf, buf + off, rest);
	while ((r = io_read(fd, buf, CHUNK)) > 0)
		signer_feed(m, cf, buf, (size_t)r);
	if (r < 0) {
		why_set(why, EX_IOERR, "read error: %m");
		goto out;
	}
	rc = signer_end(m, cf, why);
out:
	header_free(&h);
	free(buf);
	return rc;
}

/*
 * inplace_temp - a temporary file in path's directory for the signed
 * copy of path (open on fd, status st); 0 or -1
 */
int
inplace_temp(struct inplace_copy *c, const char *path, int fd,
    const struct stat *st, struct why *why)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (strlcpy(c->path, path, sizeof(c->path)) >= sizeof(c->path))
		return why_set(why, EX_SOFTWARE, "file name too long");
	if (slash != NULL)
		n = snprintf(c->tmp, sizeof(c->tmp), "%.*s/%sXXXXXX",
		    (int)(slash - path), path, INPLACE_TEMP);
	else
		n = snprintf(c->tmp, sizeof(c->tmp), "%sXXXXXX", INPLACE_TEMP);
	if (n < 0 || (size_t)n >= sizeof(c->tmp))
		return why_set(why, EX_SOFTWARE, "file name too long");
	if ((c->t = mkstemp(c->tmp)) < 0)
		return why_set(why, EX_CANTCREAT, "cannot create a temporary file "
		    "beside it: %m");
	c->fd = fd;
	c->st = *st;
	c->sized = 0;
	return 0;
}

/* inplace_discard - the copy is not wanted: closed and removed */
void
inplace_discard(struct inplace_copy *c)
{
	if (c->t >= 0)
		close(c->t);
	c->t = -1;
	(void)unlink(c->tmp);
}

/*
 * inplace_commit - the copy gets the original's owner, mode and times
 * and is made durable, then replaces the original (inplace_finish). With
 * a syncgroup, it waits there instead, for one sync with the others
 * (INPLACE_PENDING). On failure the copy is removed.
 */
enum inplace_result
inplace_commit(struct inplace_copy *c, struct syncgroup *g, struct why *why)
{
	struct timespec times[2];

	times[0] = c->st.st_atim;
	times[1] = c->st.st_mtim;
	if (fchown(c->t, c->st.st_uid, c->st.st_gid) < 0) {	/* never a new owner */
		if (errno == EPERM)
			why_set(why, EX_NOPERM, "cannot keep its owner and group "
			    "(%lu:%lu): sign it as root or as its owner",
			    (unsigned long)c->st.st_uid, (unsigned long)c->st.st_gid);
		else
			why_set(why, EX_IOERR, "cannot write the signed copy: %m");
		inplace_discard(c);
		return INPLACE_FAILED;
	}
	if (fchmod(c->t, c->st.st_mode & 07777) < 0 || futimens(c->t, times) < 0 ||
	    (g == NULL && fsync(c->t) < 0)) {
		why_set(why, EX_IOERR, "cannot write the signed copy: %m");
		inplace_discard(c);
		return INPLACE_FAILED;
	}
	if (g != NULL) {
		syncgroup_add(g, c);
		return INPLACE_PENDING;
	}
	return inplace_finish(c, why) < 0 ? INPLACE_FAILED : INPLACE_SIGNED;
}

/*
 * inplace_finish - the durable copy is renamed over the original, unless
 * the original changed meanwhile; a Maildir name then gets the new
 * sizes. Closes the copy, not the original.
 */
int
inplace_finish(struct inplace_copy *c, struct why *why)
{
	struct stat now;

	if (fstat(c->fd, &now) < 0 || !io_same_file(&c->st, &now)) {
		why_set(why, EX_TEMPFAIL, "file changed while it was being signed");
		inplace_discard(c);
		return -1;
	}
	if (close(c->t) < 0) {
		c->t = -1;
		why_set(why, EX_IOERR, "cannot write the signed copy: %m");
		inplace_discard(c);
		return -1;
	}
	c->t = -1;
	if (rename(c->tmp, c->path) < 0) {
		why_set(why, EX_IOERR, "cannot rename the signed copy over it: %m");
		(void)unlink(c->tmp);
		return -1;
	}
	return c->sized ? resize_name(c->path, why) : 0;
}

/*
 * sized_name - a Maildir name with new ,S=size and ,W=vsize values (the
 * flags after ":2," kept); 0 when the name carries no size
 */
static int
sized_name(const char *path, off_t size, off_t vsize, char *out, size_t osize)
{
	const char *base = strrchr(path, '/'), *p, *end;
	size_t o = 0;
	int n, any = 0;

	base = base ? base + 1 : path;
	end = strstr(base, ":2,");
	end = end ? end : base + strlen(base);
	for (p = path; *p != '\0' && o + 1 < osize; ) {
		if (p >= base && p < end && p[0] == ',' && (p[1] == 'S' || p[1] == 'W') &&
		    p[2] == '=' && p[3] >= '0' && p[3] <= '9') {
			n = snprintf(out + o, osize - o, ",%c=%lld", p[1],
			    (long long)(p[1] == 'S' ? size : vsize));
			if (n < 0 || (size_t)n >= osize - o)
				return 0;
			o += (size_t)n;
			for (p += 3; *p >= '0' && *p <= '9'; p++)
				continue;
			any = 1;
		} else
			out[o++] = *p++;
	}
	out[o] = '\0';
	return any && *p == '\0';
}

/* vsize - the size with CRLF line ends (Dovecot's W=) of the file on fd */
static off_t
vsize(int fd, off_t size)
{
	char buf[CHUNK];
	off_t off = 0, lf = 0;
	ssize_t r, i;
	int prev = 0;

	while ((r = pread(fd, buf, sizeof(buf), off)) > 0) {
		for (i = 0; i < r; i++) {
			if (buf[i] == '\n')
				lf += prev != '\r';
			prev = buf[i];
		}
		off += r;
	}
	return size + lf;
}

/*
 * resize_name - after the signed copy is in place under the old name,
 * give a Maildir file that names its size the new sizes: a crash in
 * between leaves the new message under the old name, never two copies
 */
static int
resize_name(const char *path, struct why *why)
{
	char to[PATH_MAX];
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return why_set(why, EX_IOERR, "signed, but cannot read it back: %m");
	}
	if (sized_name(path, st.st_size, vsize(fd, st.st_size), to, sizeof(to)) &&
	    strcmp(to, path) != 0 && rename(path, to) < 0) {
		close(fd);
		return why_set(why, EX_IOERR, "signed, but cannot rename it to %s: %m", to);
	}
	close(fd);
	return 0;
}

/*
 * replace - write the signed copy beside path, to replace it now or,
 * with a syncgroup, once the group is durable (INPLACE_PENDING)
 */
static enum inplace_result
replace(struct signed_msg *m, const char *path, int fd, const struct stat *st,
    struct syncgroup *g, size_t idx, struct why *why)
{
	struct inplace_copy c;

	if (inplace_temp(&c, path, fd, st, why) < 0)
		return INPLACE_FAILED;
	c.sized = strstr(path, ",S=") != NULL || strstr(path, ",W=") != NULL;
	c.idx = idx;
	if (signer_write(m, c.t, 1, why) < 0) {
		inplace_discard(&c);
		return INPLACE_FAILED;
	}
	return inplace_commit(&c, g, why);
}

/* is_mbox - the file starts with a "From " line; the offset stays 0 */
static int
is_mbox(int fd)
{
	char b[5];

	return pread(fd, b, 5, 0) == 5 && memcmp(b, "From ", 5) == 0;
}

/*
 * inplace_sign - re-sign the file path. With a syncgroup g, a signed
 * copy may wait there (INPLACE_PENDING): the group then holds the
 * original open, and reports the file by idx when it is flushed.
 */
enum inplace_result
inplace_sign(const struct conf *cf, const char *path, enum replace how,
    struct syncgroup *g, size_t idx, struct why *why)
{
	struct signed_msg m;
	struct stat st;
	enum inplace_result res = INPLACE_FAILED;
	int fd;

	why->text[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		why_set(why, EX_NOINPUT, "cannot open: %m");
		return INPLACE_FAILED;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		why_set(why, EX_NOINPUT, "not a regular file");
		close(fd);
		return INPLACE_FAILED;
	}
	if ((st.st_mode & 0222) == 0) {
		why_set(why, EX_NOPERM, "read-only file");
		close(fd);
		return INPLACE_FAILED;
	}
	if (is_mbox(fd)) {
		res = mbox_sign(cf, path, fd, &st, how, g, idx, why);
		if (res != INPLACE_PENDING)
			close(fd);
		return res;
	}
	signer_init(&m, cf);
	if (inplace_sign_fd(&m, cf, fd, how, why) == 0) {
		if (m.outcome == OUT_NOKEY) {
			res = INPLACE_UNCHANGED;
			why_set(why, EX_OK, "no key for domain %s", m.domain);
		} else
			res = replace(&m, path, fd, &st, g, idx, why);
	}
	signer_free(&m);
	if (res != INPLACE_PENDING)
		close(fd);
	return res;
}
