/*
 * pwhash-helper: the test fixtures' way to make password hashes
 * (tests/lib/fixtures.sh compiles it once per test run). It reads
 * passwords from stdin, one per line (UTF-8 as is, no trailing newline
 * kept), and prints for each the crypto_pwhash_str() string (Argon2id)
 * with the server's parameters (kore-app/handbook.h: HB_PW_OPSLIMIT and
 * HB_PW_MEMLIMIT, libsodium's INTERACTIVE profile), one per line in the
 * same order. The passwords travel on stdin, never in argv.
 *
 * With the argument "moderate" it uses libsodium's MODERATE profile
 * instead: a hash the server should upgrade ("rehash") at the next login.
 *
 *	printf '%s\n' 'first password' 'second one' | pwhash-helper
 *
 * Build: cc -O2 -o pwhash-helper tests/lib/pwhash-helper.c -lsodium
 */

#include <sodium.h>

#include <stdio.h>
#include <string.h>

#define LINE_MAX_BYTES	4096

int
main(int argc, char **argv)
{
	char			line[LINE_MAX_BYTES + 2];
	char			hash[crypto_pwhash_STRBYTES];
	unsigned long long	ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	size_t			mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	size_t			len;

	if (argc > 1 && strcmp(argv[1], "moderate") == 0) {
		ops = crypto_pwhash_OPSLIMIT_MODERATE;
		mem = crypto_pwhash_MEMLIMIT_MODERATE;
	} else if (argc > 1) {
		fprintf(stderr, "usage: pwhash-helper [moderate] <passwords\n");
		return (2);
	}

	if (sodium_init() < 0) {
		fprintf(stderr, "pwhash-helper: libsodium cannot start\n");
		return (1);
	}

	while (fgets(line, sizeof(line), stdin) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(stdin)) {
			fprintf(stderr, "pwhash-helper: a line is longer than "
			    "%d bytes\n", LINE_MAX_BYTES);
			return (1);
		}
		if (crypto_pwhash_str(hash, line, len, ops, mem) != 0) {
			fprintf(stderr, "pwhash-helper: out of memory\n");
			return (1);
		}
		sodium_memzero(line, sizeof(line));
		if (printf("%s\n", hash) < 0)
			return (1);
	}
	if (ferror(stdin) || fflush(stdout) != 0) {
		fprintf(stderr, "pwhash-helper: read or write error\n");
		return (1);
	}

	return (0);
}
