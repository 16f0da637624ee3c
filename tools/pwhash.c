/*
 * pwhash: read one password from stdin, print its crypto_pwhash_str()
 * string (Argon2id, "$argon2id$v=19$m=...,t=...,p=1$salt$hash") on stdout.
 *
 *	printf '%s' 'handbook-demo' | build/tools/pwhash
 *
 * scripts/demo-data uses it to give the demo accounts a password: SQL cannot
 * compute Argon2id, so the hash is made here and handed to psql. The
 * parameters must be the server's, so that a login does not "upgrade" (and
 * rewrite) every demo hash: keep HB_PWHASH_OPSLIMIT and HB_PWHASH_MEMLIMIT
 * equal to HB_PW_OPSLIMIT and HB_PW_MEMLIMIT in kore-app/handbook.h (used
 * by kore-app/pwhash.c). That header needs Kore's, so it is not included.
 *
 * The password is the whole of stdin, without one trailing newline (so
 * `echo` works as well as `printf`); it must be 1 to 1024 bytes. The salt
 * is random, so two runs print two different strings that both verify.
 *
 * Build: cc -O2 -Wall -Wextra -Werror -o build/tools/pwhash tools/pwhash.c -lsodium
 */

#include <sodium.h>

#include <stdio.h>
#include <string.h>

/* The same as kore-app/handbook.h: libsodium's "interactive" profile. */
#define HB_PWHASH_OPSLIMIT	crypto_pwhash_OPSLIMIT_INTERACTIVE
#define HB_PWHASH_MEMLIMIT	crypto_pwhash_MEMLIMIT_INTERACTIVE

#define PASSWORD_MAX		1024

int
main(void)
{
	char	password[PASSWORD_MAX + 2];	/* + newline + one too many */
	char	hash[crypto_pwhash_STRBYTES];
	size_t	len;

	if (sodium_init() < 0) {
		fprintf(stderr, "pwhash: libsodium cannot be initialised\n");
		return (1);
	}

	len = fread(password, 1, sizeof(password), stdin);
	if (ferror(stdin)) {
		fprintf(stderr, "pwhash: cannot read stdin\n");
		return (1);
	}
	if (len > 0 && password[len - 1] == '\n')
		len--;
	if (len > 0 && password[len - 1] == '\r')
		len--;
	if (len == 0 || len > PASSWORD_MAX) {
		sodium_memzero(password, sizeof(password));
		fprintf(stderr, "pwhash: the password must be 1 to %d bytes\n",
		    PASSWORD_MAX);
		return (1);
	}

	if (crypto_pwhash_str(hash, password, len, HB_PWHASH_OPSLIMIT,
	    HB_PWHASH_MEMLIMIT) != 0) {
		sodium_memzero(password, sizeof(password));
		fprintf(stderr, "pwhash: out of memory\n");
		return (1);
	}
	sodium_memzero(password, sizeof(password));

	if (printf("%s\n", hash) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "pwhash: cannot write stdout\n");
		return (1);
	}
	return (0);
}
