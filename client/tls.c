/*
 * tls.c: one TLS 1.2 connection on mbedTLS 2.28, the way a phone on a bad
 * network needs it. The policy matches what HAProxy offers
 * (conf/haproxy/haproxy.cfg.in) and nothing weaker: TLS 1.2 only (Debian's
 * mbedTLS 2.28 has no usable TLS 1.3 client), ECDHE with AES-GCM or
 * ChaCha20-Poly1305, curves X25519 and P-256. The server is checked
 * against a CA file (or the system store) with its host name (SNI and the
 * certificate's names), and, when a pin is configured, the SHA-256 of the
 * leaf certificate's SubjectPublicKeyInfo is compared after the handshake:
 * a pin survives a certificate renewal that keeps the key, and protects
 * against a CA that signs for someone else. The socket is non-blocking
 * and every wait is a poll() with a timeout, so a dead network costs at
 * most the configured time instead of the kernel's minutes. Each client
 * has its own entropy, DRBG and configuration: no global state.
 */

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <sodium.h>

#include "client_internal.h"

#define SYSTEM_CA	"/etc/ssl/certs/ca-certificates.crt"

static const int suites[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	0
};

static const mbedtls_ecp_group_id curves[] = {
	MBEDTLS_ECP_DP_CURVE25519,
	MBEDTLS_ECP_DP_SECP256R1,
	MBEDTLS_ECP_DP_NONE
};

static const char *alpn[] = { "http/1.1", NULL };

static int	bio_send(void *, const unsigned char *, size_t);
static int	bio_recv(void *, unsigned char *, size_t);
static int	wait_fd(int, short, int);
static void	tls_error(struct hb_tls *, const char *, int);

enum hb_status
hb_tls_init(struct hb_tls *t, const char *ca_file, const unsigned char *pin,
    int verify_ca)
{
	static const char pers[] = "handbook-client";
	int		rc;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	mbedtls_ssl_init(&t->ssl);
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_x509_crt_init(&t->ca);
	mbedtls_ctr_drbg_init(&t->drbg);
	mbedtls_entropy_init(&t->entropy);
	t->verify_ca = verify_ca;
	if (pin != NULL) {
		memcpy(t->pin, pin, sizeof(t->pin));
		t->have_pin = 1;
	}

	if ((rc = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func,
	    &t->entropy, (const unsigned char *)pers, sizeof(pers) - 1)) != 0) {
		tls_error(t, "seeding the random generator", rc);
		return (HB_ERR_TLS);
	}
	if (verify_ca) {
		rc = mbedtls_x509_crt_parse_file(&t->ca,
		    ca_file != NULL ? ca_file : SYSTEM_CA);
		/* A positive rc: some certificates of a bundle were skipped. */
		if (rc < 0 || t->ca.version == 0) {
			tls_error(t, "reading the CA file", rc);
			return (HB_ERR_ARGUMENT);
		}
		t->have_ca = 1;
	}
	if ((rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
		tls_error(t, "TLS configuration", rc);
		return (HB_ERR_TLS);
	}
	mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ciphersuites(&t->conf, suites);
	mbedtls_ssl_conf_curves(&t->conf, curves);
	mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
	/* Pin only (no CA file given with a pin): the pin is the trust. */
	mbedtls_ssl_conf_authmode(&t->conf, verify_ca ?
	    MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_OPTIONAL);
	if (t->have_ca)
		mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
	if ((rc = mbedtls_ssl_conf_alpn_protocols(&t->conf, alpn)) != 0) {
		tls_error(t, "ALPN", rc);
		return (HB_ERR_TLS);
	}
	return (HB_OK);
}

void
hb_tls_cleanup(struct hb_tls *t)
{
	hb_tls_close(t);
	mbedtls_ssl_free(&t->ssl);
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_x509_crt_free(&t->ca);
	mbedtls_ctr_drbg_free(&t->drbg);
	mbedtls_entropy_free(&t->entropy);
}

/* TCP with a deadline: non-blocking connect, poll for writability. */
static enum hb_status
tcp_connect(struct hb_tls *t, const char *host, const char *port,
    int timeout_ms)
{
	struct addrinfo	hints, *res, *ai;
	enum hb_status	st = HB_ERR_NETWORK;
	int		fd, rc, soerr, one = 1;
	socklen_t	slen;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(t->err, sizeof(t->err), "cannot resolve %s: %s", host,
		    gai_strerror(rc));
		return (HB_ERR_NETWORK);
	}
	snprintf(t->err, sizeof(t->err), "cannot connect to %s:%s", host,
	    port);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
		    errno != EINPROGRESS) {
			snprintf(t->err, sizeof(t->err),
			    "cannot connect to %s:%s: %s", host, port,
			    strerror(errno));
			close(fd);
			continue;
		}
		rc = wait_fd(fd, POLLOUT, timeout_ms);
		if (rc == 0) {
			snprintf(t->err, sizeof(t->err),
			    "connecting to %s:%s timed out", host, port);
			st = HB_ERR_TIMEOUT;
			close(fd);
			continue;
		}
		slen = sizeof(soerr);
		if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
		    &slen) == -1 || soerr != 0) {
			snprintf(t->err, sizeof(t->err),
			    "cannot connect to %s:%s: %s", host, port,
			    strerror(rc < 0 ? errno : soerr));
			close(fd);
			continue;
		}
		/* Requests are small and written whole: no Nagle delay. */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		t->fd = fd;
		st = HB_OK;
		break;
	}
	freeaddrinfo(res);
	return (st);
}

enum hb_status
hb_tls_connect(struct hb_tls *t, const char *host, const char *port,
    int connect_timeout_ms, int io_timeout_ms)
{
	const mbedtls_x509_crt *peer;
	unsigned char	spki[32];
	enum hb_status	st;
	uint32_t	flags;
	int		rc;

	hb_tls_close(t);
	if ((st = tcp_connect(t, host, port, connect_timeout_ms)) != HB_OK)
		return (st);
	mbedtls_ssl_free(&t->ssl);
	mbedtls_ssl_init(&t->ssl);
	if ((rc = mbedtls_ssl_setup(&t->ssl, &t->conf)) != 0 ||
	    (rc = mbedtls_ssl_set_hostname(&t->ssl, host)) != 0) {
		tls_error(t, "TLS setup", rc);
		hb_tls_close(t);
		return (HB_ERR_TLS);
	}
	/* The handshake is bounded by the connect timeout. */
	t->io_timeout_ms = connect_timeout_ms;
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
	while ((rc = mbedtls_ssl_handshake(&t->ssl)) != 0) {
		if (rc == MBEDTLS_ERR_SSL_WANT_READ ||
		    rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (rc == MBEDTLS_ERR_SSL_TIMEOUT) {
			snprintf(t->err, sizeof(t->err),
			    "the TLS handshake with %s timed out", host);
			hb_tls_close(t);
			return (HB_ERR_TIMEOUT);
		}
		if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
			char	why[160];

			flags = mbedtls_ssl_get_verify_result(&t->ssl);
			mbedtls_x509_crt_verify_info(why, sizeof(why), "",
			    flags);
			why[strcspn(why, "\n")] = '\0';
			snprintf(t->err, sizeof(t->err),
			    "the certificate of %s is refused: %s", host, why);
			hb_tls_close(t);
			return (HB_ERR_CERTIFICATE);
		}
		tls_error(t, "TLS handshake", rc);
		hb_tls_close(t);
		return (rc == MBEDTLS_ERR_NET_CONN_RESET ? HB_ERR_NETWORK :
		    HB_ERR_TLS);
	}
	t->io_timeout_ms = io_timeout_ms;

	if (t->have_pin) {
		if ((peer = mbedtls_ssl_get_peer_cert(&t->ssl)) == NULL ||
		    hb_spki_sha256(peer, spki) != 0 ||
		    sodium_memcmp(spki, t->pin, sizeof(spki)) != 0) {
			snprintf(t->err, sizeof(t->err),
			    "the public key of %s does not match the pin", host);
			hb_tls_close(t);
			return (HB_ERR_CERTIFICATE);
		}
	}
	t->connected = 1;
	t->used = 0;
	return (HB_OK);
}

void
hb_tls_close(struct hb_tls *t)
{
	if (t->fd != -1) {
		/* A close_notify is a courtesy: never wait for it. */
		if (t->connected) {
			t->io_timeout_ms = 0;
			(void)mbedtls_ssl_close_notify(&t->ssl);
		}
		close(t->fd);
	}
	t->fd = -1;
	t->connected = 0;
	t->used = 0;
}

int
hb_tls_stale(struct hb_tls *t)
{
	struct pollfd	pfd;

	if (!t->connected)
		return (1);
	/*
	 * An idle connection has nothing to read: readable means the peer
	 * closed it (HAProxy drops idle keep-alives after 10 s) or sent
	 * something we never asked for. Either way, start afresh.
	 */
	pfd.fd = t->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (mbedtls_ssl_get_bytes_avail(&t->ssl) > 0)
		return (1);
	return (poll(&pfd, 1, 0) != 0);
}

enum hb_status
hb_tls_write(struct hb_tls *t, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	int		rc;

	while (len > 0) {
		rc = mbedtls_ssl_write(&t->ssl, p, len);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ ||
		    rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (rc == MBEDTLS_ERR_SSL_TIMEOUT) {
			snprintf(t->err, sizeof(t->err), "sending timed out");
			return (HB_ERR_TIMEOUT);
		}
		if (rc < 0) {
			tls_error(t, "sending", rc);
			return (HB_ERR_NETWORK);
		}
		p += rc;
		len -= (size_t)rc;
	}
	t->used = 1;
	return (HB_OK);
}

ssize_t
hb_tls_read(struct hb_tls *t, void *buf, size_t len, enum hb_status *st)
{
	int		rc;

	for (;;) {
		rc = mbedtls_ssl_read(&t->ssl, buf, len);
		if (rc == MBEDTLS_ERR_SSL_WANT_READ ||
		    rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
		    rc == MBEDTLS_ERR_NET_CONN_RESET || rc == 0)
			return (0);
		if (rc == MBEDTLS_ERR_SSL_TIMEOUT) {
			snprintf(t->err, sizeof(t->err), "receiving timed out");
			*st = HB_ERR_TIMEOUT;
			return (-1);
		}
		if (rc < 0) {
			tls_error(t, "receiving", rc);
			*st = HB_ERR_NETWORK;
			return (-1);
		}
		return (rc);
	}
}

int
hb_spki_sha256(const mbedtls_x509_crt *crt, unsigned char out[32])
{
	unsigned char	der[1024];
	int		n;

	/*
	 * mbedtls writes the DER at the end of the buffer. Its 2.28 prototype
	 * takes a non-const context although it only reads it.
	 */
	n = mbedtls_pk_write_pubkey_der((mbedtls_pk_context *)(uintptr_t)
	    &crt->pk, der, sizeof(der));
	if (n <= 0)
		return (-1);
	crypto_hash_sha256(out, der + sizeof(der) - n, (size_t)n);
	return (0);
}

/* 1 ready, 0 timed out, -1 error. */
static int
wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd	pfd;
	int		rc;

	pfd.fd = fd;
	pfd.events = events;
	do {
		pfd.revents = 0;
		rc = poll(&pfd, 1, timeout_ms);
	} while (rc == -1 && errno == EINTR);
	if (rc > 0)
		return (1);
	return (rc);
}

static int
bio_send(void *arg, const unsigned char *buf, size_t len)
{
	struct hb_tls	*t = arg;
	ssize_t		n;
	int		rc;

	for (;;) {
		n = send(t->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return ((int)n);
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return (MBEDTLS_ERR_NET_SEND_FAILED);
		if ((rc = wait_fd(t->fd, POLLOUT, t->io_timeout_ms)) == 0)
			return (MBEDTLS_ERR_SSL_TIMEOUT);
		if (rc < 0)
			return (MBEDTLS_ERR_NET_SEND_FAILED);
	}
}

static int
bio_recv(void *arg, unsigned char *buf, size_t len)
{
	struct hb_tls	*t = arg;
	ssize_t		n;
	int		rc;

	for (;;) {
		n = recv(t->fd, buf, len, 0);
		if (n > 0)
			return ((int)n);
		if (n == 0)
			return (MBEDTLS_ERR_NET_CONN_RESET);
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET || errno == EPIPE)
			return (MBEDTLS_ERR_NET_CONN_RESET);
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return (MBEDTLS_ERR_NET_RECV_FAILED);
		if ((rc = wait_fd(t->fd, POLLIN, t->io_timeout_ms)) == 0)
			return (MBEDTLS_ERR_SSL_TIMEOUT);
		if (rc < 0)
			return (MBEDTLS_ERR_NET_RECV_FAILED);
	}
}

static void
tls_error(struct hb_tls *t, const char *what, int rc)
{
	char	buf[160];

	mbedtls_strerror(rc, buf, sizeof(buf));
	snprintf(t->err, sizeof(t->err), "%s: %s", what, buf);
}
