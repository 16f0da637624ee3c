/*
 * hbkey: makes an Ed25519 signing key for content bundles.
 *
 *	hbkey new DIR	writes DIR/<key id>.sk (the secret key, hex, mode
 *			0600) and prints "<key id> <public key, base64>"
 *
 * The key id is "ed25519-" and the UTC time of creation, so that ids sort
 * in the order keys were made and the newest is the one the server signs
 * with (kore-app/bundle.c). The public key goes to the signing_keys table
 * (scripts/signing-key does both), from which GET /api/v1/keys lists it
 * for as long as bundles signed with it may be around.
 */

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

int
main(int argc, char **argv)
{
	unsigned char	pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char	sk[crypto_sign_SECRETKEYBYTES];
	char		hex[crypto_sign_SECRETKEYBYTES * 2 + 2];
	char		b64[sodium_base64_ENCODED_LEN(crypto_sign_PUBLICKEYBYTES,
			    sodium_base64_VARIANT_ORIGINAL)];
	char		id[64], path[1024];
	struct tm	tm;
	time_t		now;
	int		fd;
	size_t		len;

	if (argc != 3 || strcmp(argv[1], "new") != 0) {
		fprintf(stderr, "usage: hbkey new DIR\n");
		return (2);
	}
	if (sodium_init() < 0)
		return (1);

	now = time(NULL);
	(void)gmtime_r(&now, &tm);
	(void)strftime(id, sizeof(id), "ed25519-%Y%m%dT%H%M%SZ", &tm);
	(void)snprintf(path, sizeof(path), "%s/%s.sk", argv[2], id);

	crypto_sign_keypair(pk, sk);
	(void)sodium_bin2hex(hex, sizeof(hex) - 1, sk, sizeof(sk));
	len = strlen(hex);
	hex[len++] = '\n';

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1) {
		perror(path);
		return (1);
	}
	if (write(fd, hex, len) != (ssize_t)len || fsync(fd) != 0 ||
	    close(fd) != 0) {
		perror(path);
		(void)unlink(path);
		return (1);
	}
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(hex, sizeof(hex));

	(void)sodium_bin2base64(b64, sizeof(b64), pk, sizeof(pk),
	    sodium_base64_VARIANT_ORIGINAL);
	printf("%s %s\n", id, b64);

	return (0);
}
