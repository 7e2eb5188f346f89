/*
 * enospc.c - LD_PRELOAD shim for fault tests: write(2) to a file whose
 * name starts with $ENOSPC_PREFIX fails with ENOSPC, as on a full disk.
 * The signer's spool file is unlinked at once, so the name checked is
 * the one /proc shows ("... (deleted)").
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t
write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	const char *prefix = getenv("ENOSPC_PREFIX");
	char link[64], path[4096];
	ssize_t len;

	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (prefix != NULL && *prefix != '\0') {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		len = readlink(link, path, sizeof(path) - 1);
		if (len > 0) {
			path[len] = '\0';
			if (strncmp(path, prefix, strlen(prefix)) == 0) {
				errno = ENOSPC;
				return -1;
			}
		}
	}
	return real(fd, buf, n);
}
