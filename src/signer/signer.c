/*
 * signer - sign one message read from a file descriptor.
 *
 * The whole input goes to the spool, unchanged. Everything else sees it
 * through the eol filter (bare CRs become line endings, RFC 6376 5.3):
 * the header block is collected and parsed as soon as it is complete,
 * then the keys for the From address are chosen and the body is
 * canonicalized and hashed while it streams in; signer_each() applies the
 * same filter to what is sent on. When the message cannot be signed (refusal, no key) the
 * rest of the input is still spooled, so that a caller can pass the
 * message on unsigned. Nothing is written anywhere until signer_write().
 * This module does not decide exit codes or log; it reports an outcome
 * and a reason.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "addfields.h"
#include "canon.h"
#include "eol.h"
#include "io.h"
#include "keysel.h"
#include "sign.h"
#include "signer.h"
#include "xmem.h"

#define READ_CHUNK	(64 * 1024)

/* form_init - the filters for one pass over the message */
static void
form_init(struct form *f, size_t line_limit)
{
	eol_init(&f->eol);
	wrap_init(&f->wrap, line_limit);
	buf_init(&f->tmp);
}

static void
form_free(struct form *f)
{
	wrap_free(&f->wrap);
	buf_free(&f->tmp);
}

/* form_run - the next piece of the message, as it is signed and sent */
static void
form_run(struct form *f, const char *p, size_t n, struct buf *out)
{
	if (f->wrap.limit == 0) {
		eol_run(&f->eol, p, n, out);
		return;
	}
	buf_reset(&f->tmp);
	eol_run(&f->eol, p, n, &f->tmp);
	wrap_run(&f->wrap, f->tmp.data, f->tmp.len, out);
}

/* form_end - the message is over: what the filters still hold */
static void
form_end(struct form *f, struct buf *out)
{
	buf_reset(&f->tmp);
	eol_end(&f->eol, &f->tmp);
	wrap_run(&f->wrap, f->tmp.data, f->tmp.len, out);
	wrap_end(&f->wrap, out);
}

/*
 * signer_init - ready for one message; keys, when not NULL, is the
 * process's cache of decoded keys (lmtp, sign -I): not configuration
 */
void
signer_init(struct signed_msg *m, const struct conf *cf, struct keycache *keys)
{
	memset(m, 0, sizeof(*m));
	spool_init(&m->spool, cf->tmpdir);
	header_init(&m->hdr);
	buf_init(&m->sigs);
	buf_init(&m->norm);
	buf_init(&m->added);
	m->keys = keys;
	m->line_limit = cf->line_limit;
	form_init(&m->form, m->line_limit);
	bodyhash_init(&m->bh, cf->sp.bcanon);
}

void
signer_free(struct signed_msg *m)
{
	conf_sel_free(m->sel, m->nsel);
	spool_free(&m->spool);
	header_free(&m->hdr);
	buf_free(&m->sigs);
	buf_free(&m->norm);
	buf_free(&m->added);
	form_free(&m->form);
	bodyhash_free(&m->bh);
}

/* add_missing - Date and Message-ID, when the message has none */
static int
add_missing(struct signed_msg *m, const struct conf *cf, struct why *why)
{
	char host[256];

	addfields_host(cf->myhostname, host, sizeof(host));
	if (addfields(&m->hdr, host, cf->now ? cf->now : time(NULL), &m->added,
	    why) < 0) {
		buf_reset(&m->added);
		m->outcome = OUT_REFUSED;
		return -1;
	}
	return 0;
}

/* begin_body - header complete: check it and choose the keys */
static int
begin_body(struct signed_msg *m, const struct conf *cf, struct why *why)
{
	struct why ignored;

	if (m->outside[0] != '\0') {	/* passed on as it came, never refused */
		(void)header_parse(&m->hdr, &ignored);
		m->outcome = OUT_OUTSIDE;
		return 0;
	}
	if (header_parse(&m->hdr, why) < 0 ||
	    header_from(&m->hdr, m->addr, sizeof(m->addr), m->domain,
	    sizeof(m->domain), why) < 0) {
		m->outcome = OUT_REFUSED;
		return -1;
	}
	m->nsel = conf_select(cf, m->addr, m->domain, m->sel, CONF_MAXSIG);
	m->outcome = m->nsel > 0 ? OUT_SIGNED : OUT_NOKEY;
	if (m->outcome == OUT_SIGNED && cf->add_missing != 0)
		return add_missing(m, cf, why);
	return 0;
}

/* load_keys - load the chosen keys that are not loaded yet */
static int
load_keys(struct signed_msg *m, const struct conf *cf, struct why *why)
{
	size_t i;

	for (i = 0; i < m->nsel; i++)
		if (conf_sel_key(&m->sel[i], cf, m->keys, why) < 0)
			return -1;
	return 0;
}

/* make_sigs - one signature field per selected key */
static int
make_sigs(struct signed_msg *m, const struct conf *cf,
    const unsigned char bh[32], struct why *why)
{
	time_t t = cf->now ? cf->now : time(NULL);
	struct signkey k;
	size_t i;

	for (i = 0; i < m->nsel; i++) {
		k.domain = m->sel[i].domain;
		k.selector = m->sel[i].key->selector;
		k.identity = m->sel[i].identity;
		k.keyfile = m->sel[i].key->keyfile;
		k.pkey = m->sel[i].pkey;
		k.alg = m->sel[i].alg;
		if (sign_field(&m->sigs, &cf->sp, &k, &m->hdr, bh, t, why) < 0)
			return -1;
	}
	return 0;
}

/* take - the next piece with normalized line endings */
static void
take(struct signed_msg *m, const struct conf *cf, const char *p, size_t n)
{
	size_t off = 0;

	if (!m->hdr.done) {
		off = header_feed(&m->hdr, p, n);
		if (m->hdr.done && begin_body(m, cf, &m->refusal) == 0) {
			if (load_keys(m, cf, &m->fail) < 0) {
				m->failed = 1;
				return;
			}
			m->hashing = m->outcome == OUT_SIGNED;
		}
	}
	if (m->hashing && off < n)
		bodyhash_update(&m->bh, p + off, n - off);
}

/*
 * signer_feed - take the next piece of the message: spool it, parse the
 * header block once it is complete, hash the body when there are keys.
 * After a failure the rest is ignored; signer_end() reports it.
 */
void
signer_feed(struct signed_msg *m, const struct conf *cf, const char *p,
    size_t n)
{
	if (m->failed || n == 0)
		return;
	if (spool_write(&m->spool, p, n, &m->fail) < 0) {
		m->failed = 1;
		return;
	}
	buf_reset(&m->norm);
	form_run(&m->form, p, n, &m->norm);
	if (m->norm.len > 0)
		take(m, cf, m->norm.data, m->norm.len);
}

/*
 * signer_end - the whole message is in: make the signatures. Returns 0
 * when the outcome is OUT_SIGNED, OUT_NOKEY or OUT_OUTSIDE, else -1 with
 * the reason.
 */
int
signer_end(struct signed_msg *m, const struct conf *cf, struct why *why)
{
	unsigned char digest[32];
	int rc = 0;

	buf_reset(&m->norm);
	form_end(&m->form, &m->norm);
	if (!m->failed && m->norm.len > 0)
		take(m, cf, m->norm.data, m->norm.len);
	if (m->failed) {
		*why = m->fail;
		rc = -1;
	} else if (!m->hdr.done) {
		m->hdr.done = 1;
		if (begin_body(m, cf, &m->refusal) == 0 &&
		    load_keys(m, cf, why) < 0)
			rc = -1;
	}
	if (rc == 0 && m->outcome == OUT_REFUSED) {
		*why = m->refusal;
		return -1;
	}
	if (rc == 0 && m->outcome == OUT_SIGNED) {
		bodyhash_final(&m->bh, digest);
		rc = make_sigs(m, cf, digest, why);
	}
	if (rc < 0) {
		m->outcome = OUT_FAILED;
		buf_reset(&m->sigs);
	}
	return rc;
}

/*
 * signer_run - read a whole message from fd and sign it. Returns 0 when
 * the outcome is OUT_SIGNED or OUT_NOKEY, else -1 with the reason.
 */
int
signer_run(struct signed_msg *m, int fd, const struct conf *cf,
    struct why *why)
{
	char *chunk = xmalloc(READ_CHUNK);
	ssize_t r;

	spool_borrow(&m->spool, fd);
	while ((r = io_read(fd, chunk, READ_CHUNK)) > 0 && !m->failed)
		signer_feed(m, cf, chunk, (size_t)r);
	free(chunk);
	if (r < 0 && !m->failed) {
		why_set(&m->fail, EX_IOERR, "cannot read message: %s", strerror(errno));
		m->failed = 1;
	}
	return signer_end(m, cf, why);
}

struct each {
	struct form	 form;
	struct buf	 out;
	spool_out	 fn;
	void		*arg;
};

/* each_chunk - one spooled piece through the filter to the caller */
static int
each_chunk(void *arg, const char *p, size_t n)
{
	struct each *e = arg;

	buf_reset(&e->out);
	form_run(&e->form, p, n, &e->out);
	return e->out.len > 0 ? e->fn(e->arg, e->out.data, e->out.len) : 0;
}

/*
 * signer_each - hand the message as it is to be sent (line endings and
 * lengths as they were signed, added fields in front) to out(arg,
 * bytes, n) in pieces
 */
int
signer_each(struct signed_msg *m, spool_out out, void *arg, struct why *why)
{
	struct each e;
	int rc = 0;

	if (m->added.len > 0 && out(arg, m->added.data, m->added.len) < 0)
		return why_set(why, EX_IOERR, "write error: %s", strerror(errno));
	form_init(&e.form, m->line_limit);
	buf_init(&e.out);
	e.fn = out;
	e.arg = arg;
	rc = spool_each(&m->spool, each_chunk, &e, why);
	if (rc == 0) {
		buf_reset(&e.out);
		form_end(&e.form, &e.out);
		if (e.out.len > 0 && out(arg, e.out.data, e.out.len) < 0)
			rc = why_set(why, EX_IOERR, "write error: %s", strerror(errno));
	}
	buf_free(&e.out);
	form_free(&e.form);
	return rc;
}

static int
to_fd(void *arg, const char *p, size_t n)
{
	return io_write_all(*(int *)arg, p, n);
}

/*
 * signer_write - write the message to fd: with the signature fields in
 * front when with_sigs is set, else as it was read (but for bare CRs).
 */
int
signer_write(struct signed_msg *m, int fd, int with_sigs, struct why *why)
{
	if (with_sigs && m->sigs.len > 0 &&
	    io_write_all(fd, m->sigs.data, m->sigs.len) < 0)
		return why_set(why, EX_IOERR, "write error: %s", strerror(errno));
	return signer_each(m, to_fd, &fd, why);
}
