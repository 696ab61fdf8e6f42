#pragma once

/* A client for one repository of an OCI distribution (docker registry v2) registry, over libcurl.
 *
 * registry_client_connect() pings /v2/ (HTTPS; with tls_verify off also plain HTTP when HTTPS fails,
 * as podman does for insecure registries), learns the authentication the registry wants from its
 * WWW-Authenticate challenge, and fetches a Bearer token for "repository:NAME:pull" (anonymously or
 * with basic credentials) or prepares Basic credentials. Every later request carries the token; a 401
 * answer re-runs the challenge once (tokens expire, scopes differ).
 *
 * Manifests are fetched with an Accept header naming the OCI manifest and index and the Docker v2
 * schema 2 manifest and manifest list (registries answer 404 for OCI manifests without it). Blobs are
 * streamed to caller-supplied sinks, several at once over one curl multi handle, following redirects
 * (curl drops the Authorization header when a redirect leaves the registry's host).
 *
 * Connection errors, truncated bodies, HTTP 429 and 5xx (but 501/505) are retried with exponential
 * back-off (RegistryClientOptions.max_retries, default 4; Retry-After is honoured up to 10 s). An
 * HTTP error ends in *reterr with the registry's own text from its JSON {"errors":[{"message":…}]}:
 *     fetching manifest 1.0: HTTP 404: manifest unknown (MANIFEST_UNKNOWN)
 *
 * Library code: prints nothing, logs at debug level only. Not thread-safe: one thread per client. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cleanup.h"
#include "image/digest.h"
#include "registry/auth.h"

/* The four manifest types skiff accepts, as sent in Accept. */
#define REGISTRY_MANIFEST_ACCEPT                                                                \
        "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, " \
        "application/vnd.docker.distribution.manifest.v2+json, "                                \
        "application/vnd.docker.distribution.manifest.list.v2+json"

typedef struct RegistryClient RegistryClient;

typedef struct RegistryClientOptions {
        bool tls_verify;            /* false: skip certificate checks and allow plain HTTP */
        const RegistryCreds *creds; /* borrowed; NULL: anonymous */
        unsigned max_retries;       /* 0: the default (4); retries after the first attempt */
        unsigned retry_delay_ms;    /* 0: the default (250 ms), doubled on each retry */
        unsigned max_parallel;      /* blobs fetched at once; 0: the default (6) */
        bool max_retries_set;       /* max_retries as given, 0 included (`pull --retry N`) */
        bool retry_delay_fixed;     /* retry_delay_ms between every retry, not doubled (--retry-delay) */
        const struct RegistryCerts *certs; /* --cert-dir (certs.h), borrowed; NULL: the system's CAs */
} RegistryClientOptions;

/* Makes a client for registry ("quay.io", "127.0.0.1:5000", "docker.io" which means
 * registry-1.docker.io) and repository ("library/busybox"). No I/O yet. Returns 0 or -ENOMEM. */
int registry_client_new(const char *registry, const char *repository, const RegistryClientOptions *opts,
                        RegistryClient **ret);
RegistryClient *registry_client_free(RegistryClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(RegistryClient *, registry_client_free);

/* Pings the registry and authenticates, see above. Returns 0, or -errno with *reterr:
 * -ECONNREFUSED/-EHOSTUNREACH/-ETIMEDOUT/-EPROTO (connection, TLS), -EACCES (credentials refused or
 * required), -EBADMSG (not a registry, bad token answer). Idempotent. */
int registry_client_connect(RegistryClient *c, char **reterr);

/* The base URL chosen by connect ("https://host:port"), borrowed; NULL before. */
const char *registry_client_base_url(const RegistryClient *c);

/* Fetches the manifest for reference (a tag or a digest). With a digest the body must hash to it
 * (-EBADMSG "manifest sha256:…: digest mismatch (got sha256:…)"). Returns 0, the body in *ret_body
 * (NUL-terminated, *ret_len bytes, free()), its media type in *ret_media_type (from the document's
 * mediaType, else Content-Type; free()) and its sha256 digest in ret_digest. Errors: -ENOENT (404),
 * -EACCES (401/403), -EFBIG (over MANIFEST_SIZE_MAX), -EOPNOTSUPP (a media type that is no image
 * manifest or index, -EPROTONOSUPPORT for Docker schema 1), -EIO and others, all with *reterr. */
int registry_get_manifest(RegistryClient *c, const char *reference, char **ret_body, size_t *ret_len,
                          char **ret_media_type, char ret_digest[static DIGEST_STRING_SIZE], char **reterr);

/* HEAD of a manifest: its digest (Docker-Content-Digest) and media type, without the body (what
 * auto-update compares). Same errors as registry_get_manifest(); -EBADMSG when the registry sent no
 * digest. */
int registry_head_manifest(RegistryClient *c, const char *reference,
                           char ret_digest[static DIGEST_STRING_SIZE], char **ret_media_type, char **reterr);

/* ---- Blobs ----------------------------------------------------------------------------------- */

typedef struct RegistryBlobJob RegistryBlobJob;

/* How blob bytes reach their destination. Every callback returns ≥ 0 or -errno; on error it may set
 * *reterr (a new string). */
typedef struct RegistryBlobOps {
        /* Before each attempt (the first and every retry). Returns 0 to download, 1 when the blob need
         * not be downloaded (already stored: the job is done), -EBUSY to be asked again in 100 ms
         * (another process is writing it), or an error that fails the job. */
        int (*open)(RegistryBlobJob *j, char **reterr);
        /* Data as it arrives. An error fails the job (no retry). */
        int (*write)(RegistryBlobJob *j, const void *data, size_t len, char **reterr);
        /* The transfer completed with 2xx: verify and keep. An error fails the job (no retry). */
        int (*commit)(RegistryBlobJob *j, char **reterr);
        /* An attempt failed or the pull is abandoned: throw away what was written. */
        void (*abort)(RegistryBlobJob *j);
} RegistryBlobOps;

struct RegistryBlobJob {
        const char *digest; /* borrowed */
        int64_t size;       /* from the manifest; -1 when unknown */
        void *userdata;     /* the caller's */
        /* set by registry_fetch_blobs(): */
        int64_t received; /* bytes written in the current attempt */
        bool skipped;     /* open() said it is present */
        bool done;        /* committed or skipped */
        unsigned attempts;
        /* private */
        void *priv;
};

/* Fetches every job's blob through ops, up to max_parallel at a time. Stops at the first job that
 * fails for good: the others are aborted. Returns 0 when every job is done, or the failed job's error
 * with *reterr ("blob sha256:…: HTTP 500: …"). */
int registry_fetch_blobs(RegistryClient *c, RegistryBlobJob *jobs, size_t n, const RegistryBlobOps *ops,
                         char **reterr);

/* Fetches a small blob (a config) into memory, verifying its digest. Returns 0, a new buffer
 * (NUL-terminated) and its length, or -errno with *reterr. */
int registry_get_blob(RegistryClient *c, const char *digest, size_t max, char **ret, size_t *ret_len,
                      char **reterr);

/* The repository's tags (GET /v2/NAME/tags/list, one page: what the registry sends without "n").
 * Returns 0 and a strv (maybe empty) in *ret, or -errno with *reterr. */
int registry_list_tags(RegistryClient *c, char ***ret, char **reterr);

/* Turns the JSON error body of a registry ({"errors":[{"code":…,"message":…}]}) into one line:
 * "manifest unknown (MANIFEST_UNKNOWN)", several joined with "; ". Returns a new string, or NULL when
 * body is not such a document. Exposed for tests. */
char *registry_error_text(const char *body, size_t len);
