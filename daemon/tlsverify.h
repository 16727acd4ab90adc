/* tlsverify.h: certificate and host-name checks that libetpan skips.
 *
 * libetpan 1.9.4 built with GnuTLS performs the TLS handshake but never
 * verifies the peer; every TLS connection of ours goes through this right
 * after connect or STARTTLS and before any credential is sent. */
#ifndef PD_TLSVERIFY_H
#define PD_TLSVERIFY_H

struct _mailstream;

/* Verifies the peer chain of stream against ca_file (PEM; NULL = the system
 * trust store) and host.  Returns 0 when trusted; -1 otherwise with a
 * g_malloc'd reason in *error_r ("certificate does not match host x", ...). */
int tls_verify_stream(struct _mailstream *stream, const char *host,
    const char *ca_file, char **error_r);

#endif
