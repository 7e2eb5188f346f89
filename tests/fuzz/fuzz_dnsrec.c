/*
 * fuzz_dnsrec - DKIM key records (RFC 6376 section 3.6.1) as they come
 * from DNS TXT answers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsrec.h"

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct keyrec kr;
	struct why why;
	char *s = malloc(n + 1);

	memcpy(s, d, n);
	s[n] = '\0';
	memset(&kr, 0, sizeof(kr));
	if (dnsrec_parse(&kr, s, &why) == 0)
		dnsrec_free(&kr);
	free(s);
	return 0;
}
