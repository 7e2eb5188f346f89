/*
 * fuzz_verify - dkimpipe verify on hostile messages: the DKIM-Signature
 * tag lists, h= lists, l=, canonicalization, with one fixed Ed25519 key
 * record standing in for DNS (RFC 8463 Appendix A's public key).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "verify.h"

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct vresult res[VERIFY_MAXSIG];
	struct keysrc ks;
	struct why why;
	size_t nres = 0, skip;
	int fd;

	if ((fd = memfd_create("fuzz", 0)) < 0)
		return 0;
	if (write(fd, d, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	memset(&ks, 0, sizeof(ks));
	ks.record = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
	ks.now = 1528637909;
	(void)verify_fd(fd, &ks, res, &nres, &skip, &why);
	close(fd);
	return 0;
}
