/*
 * dkimpipe - DKIM signer for Postfix pipe(8) and for shell scripts.
 *
 * main only dispatches to a subcommand; see dkimpipe(8).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cmds.h"
#include "log.h"
#include "masterchild.h"
#include "usage.h"

#ifndef VERSION
#define VERSION "dev"
#endif

static const struct {
	const char	*name;
	int		(*run)(int, char **);
} cmds[] = {
	{ "sign", cmd_sign },
	{ "deliver", cmd_deliver },
	{ "lmtp", cmd_lmtp },
	{ "proxy", cmd_proxy },
	{ "check", cmd_check },
	{ "keygen", cmd_keygen },
	{ "dnsrecord", cmd_dnsrecord },
	{ "keys", cmd_keylist },
	{ "verify", cmd_verify },
	{ "testkey", cmd_testkey },
	{ "setup", cmd_setup },
};

/*
 * crypto_init - OpenSSL set up for a short-lived signer: no openssl.cnf
 * (dkimpipe uses only the default provider's SHA-256, RSA and Ed25519),
 * no name tables or error strings it never uses, no clean-up at exit,
 * and the SP 800-90A Hash_DRBG (seeded as usual) for RSA blinding
 * instead of the default CTR-DRBG, whose AES set-up costs more.
 */
static void
crypto_init(void)
{
	(void)OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG |
	    OPENSSL_INIT_NO_ATEXIT | OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
	    OPENSSL_INIT_NO_ADD_ALL_DIGESTS | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS,
	    NULL);
	(void)RAND_set_DRBG_type(NULL, "HASH-DRBG", NULL, NULL, "SHA256");
}

int
main(int argc, char **argv)
{
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	crypto_init();
	if (argc < 2)
		return usage_all();
	/* master(8) puts its own options (-n NAME -t TYPE ...) first */
	if (argv[1][0] == '-' && masterchild_is()) {
		for (i = 1; i < (size_t)argc && argv[i][0] == '-'; i++)
			if (strchr("ntso", argv[i][1]) != NULL && argv[i][2] == '\0')
				i++;		/* the option's value */
		if (i < (size_t)argc && strcmp(argv[i], "proxy") == 0)
			return cmd_proxy(argc - (int)i, argv + i);
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("dkimpipe %s\n", VERSION);
		return EX_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	log_error("unknown command %s", argv[1]);
	return usage_all();
}
