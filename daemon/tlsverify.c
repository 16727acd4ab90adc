/* tlsverify.c: peer verification for libetpan streams, with GnuTLS.
 *
 * libetpan hands us the peer chain as DER blobs; we import them, build a
 * trust list from ca_file or the system store and let GnuTLS check the
 * chain and the host name (DNS name or IP address SAN) in one call. */
#include <string.h>
#include <glib.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>
#include "tlsverify.h"

#define CHAIN_MAX 16	/* longer chains are refused, not truncated */

/* Imports the DER chain; returns the number of certificates or -1. */
static int
chain_import(carray *chain, gnutls_x509_crt_t *crts, char **error_r)
{
	unsigned i, n = carray_count(chain);

	if (n == 0 || n > CHAIN_MAX) {
		*error_r = g_strdup_printf("peer sent %u certificates", n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = { (unsigned char *)der->str,
		    (unsigned)der->len };

		if (gnutls_x509_crt_init(&crts[i]) < 0)
			goto fail;
		if (gnutls_x509_crt_import(crts[i], &d,
		    GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(crts[i]);
			goto fail;
		}
	}
	return (int)n;
fail:
	while (i-- > 0)
		gnutls_x509_crt_deinit(crts[i]);
	*error_r = g_strdup("cannot parse the peer certificate");
	return -1;
}

static gnutls_x509_trust_list_t
trust_load(const char *ca_file, char **error_r)
{
	gnutls_x509_trust_list_t tl;
	int r;

	if (gnutls_x509_trust_list_init(&tl, 0) < 0) {
		*error_r = g_strdup("cannot create a trust list");
		return NULL;
	}
	if (ca_file != NULL)
		r = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL,
		    GNUTLS_X509_FMT_PEM, 0, 0);
	else
		r = gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (r <= 0) {
		*error_r = g_strdup_printf("no CA certificate loaded from %s",
		    ca_file ? ca_file : "the system store");
		gnutls_x509_trust_list_deinit(tl, 1);
		return NULL;
	}
	return tl;
}

static char *
status_text(unsigned status, const char *host)
{
	gnutls_datum_t out = { NULL, 0 };
	char *s;

	if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
		return g_strdup_printf("certificate does not match host %s",
		    host);
	if (gnutls_certificate_verification_status_print(status,
	    GNUTLS_CRT_X509, &out, 0) < 0)
		return g_strdup_printf("certificate of %s not trusted", host);
	s = g_strdup_printf("certificate of %s not trusted: %s", host,
	    (char *)out.data);
	gnutls_free(out.data);
	return s;
}

static int
chain_verify(gnutls_x509_crt_t *crts, int n, const char *host,
    const char *ca_file, char **error_r)
{
	gnutls_x509_trust_list_t tl;
	gnutls_typed_vdata_st vd;
	unsigned status = 0;
	int r;

	if ((tl = trust_load(ca_file, error_r)) == NULL)
		return -1;
	memset(&vd, 0, sizeof vd);
	vd.type = GNUTLS_DT_DNS_HOSTNAME;
	vd.data = (unsigned char *)host;
	r = gnutls_x509_trust_list_verify_crt2(tl, crts, (unsigned)n, &vd, 1,
	    0, &status, NULL);
	gnutls_x509_trust_list_deinit(tl, 1);
	if (r < 0) {
		*error_r = g_strdup_printf("certificate check of %s failed: %s",
		    host, gnutls_strerror(r));
		return -1;
	}
	if (status != 0) {
		*error_r = status_text(status, host);
		return -1;
	}
	return 0;
}

int
tls_verify_stream(struct _mailstream *stream, const char *host,
    const char *ca_file, char **error_r)
{
	gnutls_x509_crt_t crts[CHAIN_MAX];
	carray *chain;
	int n, r;

	*error_r = NULL;
	if (stream == NULL || host == NULL || *host == '\0') {
		*error_r = g_strdup("no TLS stream or host to verify");
		return -1;
	}
	if ((chain = mailstream_get_certificate_chain(stream)) == NULL) {
		*error_r = g_strdup_printf("%s sent no certificate", host);
		return -1;
	}
	n = chain_import(chain, crts, error_r);
	mailstream_certificate_chain_free(chain);
	if (n < 0)
		return -1;
	r = chain_verify(crts, n, host, ca_file, error_r);
	while (n-- > 0)
		gnutls_x509_crt_deinit(crts[n]);
	return r;
}
