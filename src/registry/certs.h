#pragma once

/* `pull --cert-dir DIR`, as podman (containers/image's certs.d layout): every DIR/ *.crt is a CA
 * certificate trusted besides the system's, and DIR/NAME.cert with DIR/NAME.key is the client
 * certificate and key presented to the registry. Loaded once, handed to libcurl by the registry client
 * (CURLOPT_CAINFO_BLOB with the system bundle and the extra CAs, CURLOPT_SSLCERT/SSLKEY).
 *
 * Library code: prints nothing. */

#include <stddef.h>

#include "common/cleanup.h"

typedef struct RegistryCerts {
        char *ca_pem;       /* the system bundle followed by DIR's *.crt, PEM; NULL when DIR has none */
        size_t ca_len;
        char *client_cert;  /* DIR/NAME.cert, or NULL */
        char *client_key;   /* DIR/NAME.key, or NULL */
} RegistryCerts;

/* Reads dir. system_bundle: the CA bundle the extra CAs are added to (NULL: Debian's
 * /etc/ssl/certs/ca-certificates.crt, or the first of the usual places that exists). Returns 0, or
 * -errno with *reterr naming the file: "--cert-dir /d: client.key has no client.cert", "--cert-dir
 * /d: No such file or directory". */
int registry_certs_load(const char *dir, const char *system_bundle, RegistryCerts **ret, char **reterr);
RegistryCerts *registry_certs_free(RegistryCerts *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(RegistryCerts *, registry_certs_free);
