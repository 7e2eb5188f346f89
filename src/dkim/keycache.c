/*
 * keycache - decoded private keys kept across messages by a long-lived
 * process (the LMTP mode, and batch re-signing with --config), so that
 * a key is decoded once, not once per message.
 *
 * Every use opens the key file again and applies the safe-key rules to
 * it, exactly as a one-shot run would; the decoded key is reused only
 * while the open file is the one that was decoded: same device, inode,
 * size, modification and change time. A replaced, edited, chmod'ed or
 * chown'ed key file is therefore checked and decoded anew, and a removed
 * or unreadable one fails as it would in deliver. The cache never
 * shrinks below the set of key files ever used, which the configuration
 * bounds. Modes that sign one message do not use it.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "keycache.h"
#include "keys.h"
#include "xmem.h"

void
keycache_init(struct keycache *kc)
{
	kc->e = NULL;
	kc->n = 0;
}

/* find - the entry for path, made empty when new */
static struct keycache_ent *
find(struct keycache *kc, const char *path)
{
	struct keycache_ent *e;
	size_t i;

	for (i = 0; i < kc->n; i++)
		if (strcmp(kc->e[i].path, path) == 0)
			return &kc->e[i];
	kc->e = xreallocarray(kc->e, kc->n + 1, sizeof(*kc->e));
	e = &kc->e[kc->n++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	return e;
}

/*
 * keycache_get - the key in path, checked now and decoded when it is
 * new or changed; a reference the caller frees with EVP_PKEY_free().
 */
EVP_PKEY *
keycache_get(struct keycache *kc, const char *path, int require_safe,
    struct why *why)
{
	struct keycache_ent *e;
	struct stat st;
	EVP_PKEY *pkey;
	int fd;

	if ((fd = keys_open(path, require_safe, &st, why)) < 0)
		return NULL;
	e = find(kc, path);
	if (e->pkey != NULL && io_same_file(&e->st, &st)) {
		close(fd);
		pkey = e->pkey;
	} else {
		if ((pkey = keys_read(fd, path, why)) == NULL)
			return NULL;
		EVP_PKEY_free(e->pkey);
		e->pkey = pkey;
		e->st = st;
	}
	EVP_PKEY_up_ref(pkey);
	return pkey;
}

void
keycache_free(struct keycache *kc)
{
	size_t i;

	for (i = 0; i < kc->n; i++) {
		free(kc->e[i].path);
		EVP_PKEY_free(kc->e[i].pkey);
	}
	free(kc->e);
	keycache_init(kc);
}
