/* OCI distribution client over libcurl: ping and authentication, manifests, blobs through a multi
 * handle with retries. See registry.h. */

#include "registry/registry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "common/base64.h"
#include "common/json-util.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "config.h"
#include "image/manifest.h"
#include "registry/certs.h"
#include "registry/dlopen-curl.h"
#include "registry/www-auth.h"

#define USER_AGENT "skiff/" SKIFF_VERSION
#define DEFAULT_RETRIES 4U
#define DEFAULT_RETRY_DELAY_MS 250U
#define DEFAULT_PARALLEL 6U
#define RETRY_DELAY_MAX_MS 10000U
/* Error bodies and token answers are small; keep at most this much of them. */
#define ERROR_BODY_MAX (64U * 1024U)
#define TOKEN_BODY_MAX (1024U * 1024U)
/* How often a job whose blob another process is writing asks again. */
#define BUSY_POLL_MS 100U

DEFINE_VOID_CLEANUP_FUNC(CURL *, curl_easy_cleanup);

struct RegistryClient {
        char *registry; /* as named: "docker.io" */
        char *host;     /* where to connect: "registry-1.docker.io" */
        char *repository;
        RegistryClientOptions opts;
        RegistryCreds creds;
        bool have_creds;
        char *base_url; /* "https://host" after connect */
        char *auth;     /* "Authorization: …" header, or NULL */
        bool auth_is_bearer;
        uint64_t token_expiry_usec; /* CLOCK_MONOTONIC; 0: does not expire */
        AuthChallenge *challenge;   /* the Bearer challenge the token came from, for refreshes */
        size_t n_challenge;
        CURLM *multi;
        bool connected;
};

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
}

static int set_error(char **reterr, int r, const char *fmt, ...) _printf_(3, 4);
static int set_error(char **reterr, int r, const char *fmt, ...) {
        va_list ap;

        if (!reterr)
                return r;
        free(*reterr);
        va_start(ap, fmt);
        if (vasprintf(reterr, fmt, ap) < 0)
                *reterr = NULL;
        va_end(ap);
        return r;
}

static void global_init(void) {
        static bool done = false;
        /* curl_global_init() is not thread-safe in old libcurl; skiff calls it from one thread. */
        if (!done) {
                curl_global_init(CURL_GLOBAL_DEFAULT);
                done = true;
        }
}

int registry_client_new(const char *registry, const char *repository, const RegistryClientOptions *opts,
                        RegistryClient **ret) {
        RegistryClient *c;

        c = calloc(1, sizeof(RegistryClient));
        if (!c)
                return -ENOMEM;
        c->opts = *opts;
        if (c->opts.max_retries == 0 && !c->opts.max_retries_set)
                c->opts.max_retries = DEFAULT_RETRIES;
        if (c->opts.retry_delay_ms == 0)
                c->opts.retry_delay_ms = DEFAULT_RETRY_DELAY_MS;
        if (c->opts.max_parallel == 0)
                c->opts.max_parallel = DEFAULT_PARALLEL;
        c->opts.creds = NULL;
        c->registry = strdup(registry);
        /* docker.io is a name; its API lives at registry-1.docker.io (as in every docker client). */
        c->host = strdup(streq(registry, "docker.io") ? "registry-1.docker.io" : registry);
        c->repository = strdup(repository);
        /* libcurl is loaded here; without it the client is still made, and its first request
         * (registry_client_connect(), run_transfers()) reports the missing library with a reterr. */
        if (dlopen_libcurl(NULL) >= 0) {
                global_init();
                c->multi = curl_multi_init();
                if (!c->multi) {
                        registry_client_free(c);
                        return -ENOMEM;
                }
        }
        if (opts->creds && opts->creds->username) {
                c->creds.username = strdup(opts->creds->username);
                c->creds.password = strdup(strempty(opts->creds->password));
                c->have_creds = true;
        }
        if (!c->registry || !c->host || !c->repository
            || (c->have_creds && (!c->creds.username || !c->creds.password))) {
                registry_client_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

RegistryClient *registry_client_free(RegistryClient *c) {
        if (!c)
                return NULL;
        free(c->registry);
        free(c->host);
        free(c->repository);
        registry_creds_done(&c->creds);
        free(c->base_url);
        if (c->auth)
                explicit_bzero(c->auth, strlen(c->auth));
        free(c->auth);
        auth_challenges_free(c->challenge, c->n_challenge);
        if (c->multi)
                curl_multi_cleanup(c->multi);
        free(c);
        return NULL;
}

const char *registry_client_base_url(const RegistryClient *c) {
        return c->base_url;
}

/* ---- One HTTP exchange ---------------------------------------------------------------------- */

typedef enum TransferState {
        T_WAITING, /* to be started at next_usec */
        T_RUNNING,
        T_DONE,
        T_FAILED,
} TransferState;

typedef struct Transfer {
        RegistryClient *c;
        char *what; /* "manifest 1.0", "blob sha256:…": for messages */
        char *url;
        bool head;
        const char *accept;
        bool no_auth;  /* the ping before authentication */
        bool no_retry; /* one attempt only (the HTTPS probe of an insecure registry) */

        /* memory sink */
        StrBuf body;
        size_t body_max;
        bool body_too_big;
        /* blob sink */
        RegistryBlobJob *job;
        const RegistryBlobOps *ops;
        int sink_error;
        char *sink_reterr;

        /* the current response */
        CURL *easy;
        struct curl_slist *headers;
        long status;
        StrBuf errbody;
        char *content_type;
        char *docker_digest;
        char *retry_after;
        AuthChallenge *chal;
        size_t n_chal;
        char errbuf[CURL_ERROR_SIZE];

        TransferState state;
        uint64_t next_usec;
        unsigned attempts;
        unsigned auth_retries;
        int result;
        char *error;
} Transfer;

static void transfer_reset_response(Transfer *t) {
        t->status = 0;
        strbuf_release(&t->errbody);
        free(t->content_type);
        free(t->docker_digest);
        free(t->retry_after);
        t->content_type = t->docker_digest = t->retry_after = NULL;
        auth_challenges_free(t->chal, t->n_chal);
        t->chal = NULL;
        t->n_chal = 0;
}

static void transfer_release_easy(Transfer *t) {
        if (t->easy) {
                if (t->state == T_RUNNING)
                        curl_multi_remove_handle(t->c->multi, t->easy);
                curl_easy_cleanup(t->easy);
                t->easy = NULL;
        }
        if (t->headers) /* no libcurl call without headers: it may not be loaded (dlopen-curl.h) */
                curl_slist_free_all(t->headers);
        t->headers = NULL;
}

static void transfer_done(Transfer *t) {
        transfer_release_easy(t);
        transfer_reset_response(t);
        free(t->what);
        free(t->url);
        strbuf_release(&t->body);
        free(t->sink_reterr);
        free(t->error);
}

static char *header_value(const char *line, size_t len, const char *name) {
        size_t nl = strlen(name);
        const char *v, *end = line + len;

        if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
                return NULL;
        v = line + nl + 1;
        while (v < end && (*v == ' ' || *v == '\t'))
                v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
                end--;
        return strndup(v, (size_t) (end - v));
}

static size_t header_cb(char *buf, size_t size, size_t nitems, void *userdata) {
        Transfer *t = userdata;
        size_t len = size * nitems;
        char *v;

        if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
                /* a new response (after a redirect or a 100 Continue): forget the previous one */
                const char *sp = memchr(buf, ' ', len);
                transfer_reset_response(t);
                if (sp)
                        t->status = strtol(sp + 1, NULL, 10);
                return len;
        }
        if ((v = header_value(buf, len, "Content-Type"))) {
                free(t->content_type);
                t->content_type = v;
        } else if ((v = header_value(buf, len, "Docker-Content-Digest"))) {
                free(t->docker_digest);
                t->docker_digest = v;
        } else if ((v = header_value(buf, len, "Retry-After"))) {
                free(t->retry_after);
                t->retry_after = v;
        } else if ((v = header_value(buf, len, "WWW-Authenticate"))) {
                if (www_authenticate_parse(v, &t->chal, &t->n_chal) < 0)
                        log_debug("%s: ignoring a malformed WWW-Authenticate header: %s", t->what, v);
                free(v);
        }
        return len;
}

static size_t write_cb(char *buf, size_t size, size_t nmemb, void *userdata) {
        Transfer *t = userdata;
        size_t len = size * nmemb;
        int r;

        if (t->status < 200 || t->status >= 300) {
                /* an error document: keep its start for the message */
                if (t->errbody.len < ERROR_BODY_MAX)
                        (void) strbuf_add(&t->errbody, buf, MIN(len, ERROR_BODY_MAX - t->errbody.len));
                return len;
        }
        if (t->job) {
                r = t->ops->write(t->job, buf, len, &t->sink_reterr);
                if (r < 0) {
                        t->sink_error = r;
                        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
                }
                t->job->received += (int64_t) len;
                return len;
        }
        if (t->body.len + len > t->body_max) {
                t->body_too_big = true;
                return 0;
        }
        if (strbuf_add(&t->body, buf, len) < 0) {
                t->sink_error = -ENOMEM;
                return 0;
        }
        return len;
}

static int transfer_setup(Transfer *t) {
        RegistryClient *c = t->c;
        CURL *e;
        bool http = startswith(t->url, "http://");

        transfer_release_easy(t);
        transfer_reset_response(t);
        strbuf_release(&t->body);
        t->body_too_big = false;
        t->errbuf[0] = 0;
        e = t->easy = curl_easy_init();
        if (!e)
                return -ENOMEM;
        if (t->accept) {
                _cleanup_free_ char *h = NULL;
                if (asprintf(&h, "Accept: %s", t->accept) < 0)
                        return -ENOMEM;
                t->headers = curl_slist_append(t->headers, h);
                if (!t->headers)
                        return -ENOMEM;
        }
        if (c->auth && !t->no_auth) {
                /* A custom Authorization header: curl (≥ 7.58) does not send it on a redirect to another
                 * host (or, ≥ 7.83.1, another port or scheme), which is what blob storage redirects need. */
                struct curl_slist *l = curl_slist_append(t->headers, c->auth);
                if (!l)
                        return -ENOMEM;
                t->headers = l;
        }
        curl_easy_setopt(e, CURLOPT_URL, t->url);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
        curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 0L);
        /* Plain HTTP only where the user allowed it; redirects never leave HTTP(S). */
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, c->opts.tls_verify ? "https" : "http,https");
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR,
                         c->opts.tls_verify && !http ? "https" : "http,https");
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, c->opts.tls_verify ? 1L : 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, c->opts.tls_verify ? 2L : 0L);
        if (c->opts.certs) {
                /* --cert-dir: the system's CAs and the directory's, and a client certificate */
                if (c->opts.certs->ca_pem) {
                        struct curl_blob blob = {.data = c->opts.certs->ca_pem,
                                                 .len = c->opts.certs->ca_len,
                                                 .flags = CURL_BLOB_NOCOPY};
                        curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
                }
                if (c->opts.certs->client_cert) {
                        curl_easy_setopt(e, CURLOPT_SSLCERT, c->opts.certs->client_cert);
                        curl_easy_setopt(e, CURLOPT_SSLKEY, c->opts.certs->client_key);
                }
        }
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 30L);
        /* A stalled connection (no byte for 60 s) is an error, then retried. */
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, NULL);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
        curl_easy_setopt(e, CURLOPT_PRIVATE, t);
        curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 256L * 1024L);
        if (t->head)
                curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        return 0;
}

char *registry_error_text(const char *body, size_t len) {
        _cleanup_json_ json_object *o = NULL;
        json_object *errors;
        StrBuf sb = STRBUF_INIT;
        size_t n;

        if (!body || len == 0)
                return NULL;
        o = json_tokener_parse(body);
        if (!o || !json_object_object_get_ex(o, "errors", &errors)
            || !json_object_is_type(errors, json_type_array))
                return NULL;
        n = json_object_array_length(errors);
        for (size_t i = 0; i < n && i < 8; i++) {
                json_object *e = json_object_array_get_idx(errors, i), *m = NULL, *code = NULL;
                const char *ms, *cs;

                if (!json_object_is_type(e, json_type_object))
                        continue;
                json_object_object_get_ex(e, "message", &m);
                json_object_object_get_ex(e, "code", &code);
                ms = json_object_is_type(m, json_type_string) ? json_object_get_string(m) : NULL;
                cs = json_object_is_type(code, json_type_string) ? json_object_get_string(code) : NULL;
                if (!ms && !cs)
                        continue;
                if (sb.len > 0)
                        strbuf_puts(&sb, "; ");
                /* registry text goes into a terminal: keep it on one line and printable */
                for (const char *p = ms ?: cs; *p && sb.len < 512; p++)
                        strbuf_putc(&sb, (unsigned char) *p < 0x20 || *p == 0x7f ? '?' : *p);
                if (ms && cs)
                        strbuf_addf(&sb, " (%s)", cs);
        }
        if (sb.len == 0) {
                strbuf_release(&sb);
                return NULL;
        }
        return strbuf_detach(&sb);
}

/* "HTTP 500: blob upload unknown (BLOB_UPLOAD_UNKNOWN)" or "HTTP 500 (no details)". */
static char *http_error_text(Transfer *t) {
        _cleanup_free_ char *reg = registry_error_text(t->errbody.buf, t->errbody.len);
        char *s = NULL;

        if (!reg && t->errbody.len > 0 && t->content_type && startswith(t->content_type, "text/plain")) {
                /* a short plain-text answer is worth showing too */
                StrBuf sb = STRBUF_INIT;
                for (size_t i = 0; i < t->errbody.len && i < 200; i++) {
                        char ch = t->errbody.buf[i];
                        if (ch == '\n' || ch == '\r')
                                break;
                        strbuf_putc(&sb, (unsigned char) ch < 0x20 || ch == 0x7f ? '?' : ch);
                }
                reg = strbuf_detach(&sb);
                if (reg && !*reg) {
                        free(reg);
                        reg = NULL;
                }
        }
        if (asprintf(&s, "HTTP %ld%s%s", t->status, reg ? ": " : "", strempty(reg)) < 0)
                return NULL;
        return s;
}

static int curl_to_errno(CURLcode res) {
        switch (res) {
        case CURLE_COULDNT_CONNECT:
                return -ECONNREFUSED;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
                return -EHOSTUNREACH;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_UNSUPPORTED_PROTOCOL:
                return -EPROTO;
        case CURLE_PARTIAL_FILE:
                return -EPIPE;
        case CURLE_OUT_OF_MEMORY:
                return -ENOMEM;
        default:
                return -EIO;
        }
}

static bool curl_retryable(CURLcode res) {
        return IN_SET(res, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR,
                      CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2,
                      CURLE_HTTP2_STREAM);
}

static bool status_retryable(long status) {
        return status == 429 || (status >= 500 && status <= 599 && status != 501 && status != 505);
}

static int fetch_token(RegistryClient *c, const AuthChallenge *chal, char **reterr);

/* Decides what happens after an attempt ended with res. Returns 0 when the transfer is done, 1 when it
 * will be tried again (state T_WAITING, next_usec set), or the error (t->error set). */
static int transfer_evaluate(Transfer *t, CURLcode res) {
        RegistryClient *c = t->c;
        bool retry = false;
        int r;

        if (res == CURLE_WRITE_ERROR && t->sink_error < 0) {
                r = t->sink_error;
                if (t->sink_reterr)
                        return set_error(&t->error, r, "%s", t->sink_reterr);
                return set_error(&t->error, r, "%s: %s", t->what, strerror(-r));
        }
        if (res == CURLE_WRITE_ERROR && t->body_too_big)
                return set_error(&t->error, -EFBIG, "%s: the registry's answer is larger than %zu bytes",
                                 t->what, t->body_max);
        if (res != CURLE_OK) {
                const char *msg = t->errbuf[0] ? t->errbuf : curl_easy_strerror(res);

                r = curl_to_errno(res);
                if (!t->no_retry && curl_retryable(res) && t->attempts <= c->opts.max_retries)
                        retry = true;
                else if (res == CURLE_PARTIAL_FILE)
                        return set_error(&t->error, r, "%s: truncated: %s", t->what, msg);
                else
                        return set_error(&t->error, r, "%s: %s", t->what, msg);
                log_debug("%s: %s, retrying", t->what, msg);
        } else if (t->status == 401 && !t->no_auth && t->auth_retries < 2) {
                /* expired token, another scope, or Basic wanted: answer the challenge and try again */
                const AuthChallenge *b = auth_challenges_find(t->chal, t->n_chal, "Bearer");
                _cleanup_free_ char *err = NULL;

                t->auth_retries++;
                if (b) {
                        r = fetch_token(c, b, &err);
                        if (r < 0)
                                return set_error(&t->error, r, "%s: %s", t->what, strempty(err));
                } else if (auth_challenges_find(t->chal, t->n_chal, "Basic") && c->have_creds && !c->auth) {
                        _cleanup_free_ char *up = NULL, *b64 = NULL;
                        if (asprintf(&up, "%s:%s", c->creds.username, c->creds.password) < 0)
                                return -ENOMEM;
                        b64 = base64_encode(up, strlen(up));
                        explicit_bzero(up, strlen(up));
                        if (!b64 || asprintf(&c->auth, "Authorization: Basic %s", b64) < 0)
                                return -ENOMEM;
                        explicit_bzero(b64, strlen(b64));
                } else {
                        _cleanup_free_ char *h = http_error_text(t);
                        return set_error(&t->error, -EACCES, "%s: authentication required%s: %s", t->what,
                                         c->have_creds ? " (credentials refused)"
                                                       : " (no credentials; use --creds or an auth file)",
                                         strempty(h));
                }
                t->state = T_WAITING;
                t->next_usec = 0;
                t->attempts--; /* an authentication round is not a failed attempt */
                return 1;
        } else if (t->status >= 200 && t->status < 300) {
                if (t->job) {
                        r = t->ops->commit(t->job, &t->sink_reterr);
                        if (r < 0) {
                                if (t->sink_reterr)
                                        return set_error(&t->error, r, "%s", t->sink_reterr);
                                return set_error(&t->error, r, "%s: %s", t->what, strerror(-r));
                        }
                }
                return 0;
        } else {
                _cleanup_free_ char *h = http_error_text(t);

                if (!t->no_retry && status_retryable(t->status) && t->attempts <= c->opts.max_retries) {
                        retry = true;
                        log_debug("%s: %s, retrying", t->what, strempty(h));
                } else {
                        r = t->status == 404                         ? -ENOENT
                            : (t->status == 401 || t->status == 403) ? -EACCES
                            : t->status == 429 || t->status >= 500   ? -EIO
                                                                     : -EBADMSG;
                        return set_error(&t->error, r, "%s: %s", t->what, h ? h : "HTTP error");
                }
        }
        if (retry) {
                uint64_t delay_ms = c->opts.retry_delay_fixed
                                            ? c->opts.retry_delay_ms
                                            : (uint64_t) c->opts.retry_delay_ms << MIN(t->attempts - 1, 16U);

                if (t->retry_after) {
                        char *end;
                        unsigned long s = strtoul(t->retry_after, &end, 10);
                        if (!*end && end != t->retry_after)
                                delay_ms = MAX(delay_ms, (uint64_t) s * 1000U);
                }
                delay_ms = MIN(delay_ms, (uint64_t) RETRY_DELAY_MAX_MS);
                t->state = T_WAITING;
                t->next_usec = now_usec() + delay_ms * 1000U;
                return 1;
        }
        return 0;
}

static void job_abort(Transfer *t) {
        if (t->job && t->ops && t->ops->abort)
                t->ops->abort(t->job);
}

/* Runs transfers to completion, at most max_parallel at once. Stops at the first failure (the rest are
 * aborted) and returns its error with *reterr. */
static int run_transfers(RegistryClient *c, Transfer **ts, size_t n, char **reterr) {
        size_t left = n, running = 0;
        int r = 0;

        if (!c->multi)
                return dlopen_libcurl(reterr) ?: -EIO;
        for (size_t i = 0; i < n; i++) {
                ts[i]->state = T_WAITING;
                ts[i]->next_usec = 0;
        }
        while (left > 0) {
                uint64_t now = now_usec(), wake = UINT64_MAX;
                int still = 0, numfds = 0;
                CURLMsg *msg;

                /* Start what may start. */
                for (size_t i = 0; i < n && running < c->opts.max_parallel; i++) {
                        Transfer *t = ts[i];

                        if (t->state != T_WAITING)
                                continue;
                        if (t->next_usec > now) {
                                wake = MIN(wake, t->next_usec);
                                continue;
                        }
                        if (c->token_expiry_usec > 0 && now >= c->token_expiry_usec && c->challenge
                            && !t->no_auth) {
                                _cleanup_free_ char *err = NULL;
                                r = fetch_token(c, c->challenge, &err);
                                if (r < 0) {
                                        set_error(&t->error, r, "%s: %s", t->what, strempty(err));
                                        t->state = T_FAILED;
                                        goto fail;
                                }
                        }
                        if (t->job) {
                                t->job->received = 0;
                                free(t->sink_reterr);
                                t->sink_reterr = NULL;
                                t->sink_error = 0;
                                r = t->ops->open(t->job, &t->sink_reterr);
                                if (r == -EBUSY) {
                                        t->next_usec = now + BUSY_POLL_MS * 1000U;
                                        wake = MIN(wake, t->next_usec);
                                        continue;
                                }
                                if (r < 0) {
                                        set_error(&t->error, r, "%s", t->sink_reterr ?: strerror(-r));
                                        t->state = T_FAILED;
                                        goto fail;
                                }
                                if (r > 0) {
                                        t->job->skipped = t->job->done = true;
                                        t->state = T_DONE;
                                        left--;
                                        continue;
                                }
                        }
                        r = transfer_setup(t);
                        if (r < 0) {
                                job_abort(t);
                                set_error(&t->error, r, "%s: %s", t->what, strerror(-r));
                                t->state = T_FAILED;
                                goto fail;
                        }
                        t->attempts++;
                        if (t->job)
                                t->job->attempts = t->attempts;
                        if (curl_multi_add_handle(c->multi, t->easy) != CURLM_OK) {
                                job_abort(t);
                                r = set_error(&t->error, -ENOMEM, "%s: cannot start the transfer", t->what);
                                t->state = T_FAILED;
                                goto fail;
                        }
                        t->state = T_RUNNING;
                        running++;
                }
                if (left == 0)
                        break;

                if (curl_multi_perform(c->multi, &still) != CURLM_OK) {
                        r = set_error(reterr, -EIO, "curl_multi_perform() failed");
                        goto fail_nomsg;
                }
                while ((msg = curl_multi_info_read(c->multi, &still))) {
                        Transfer *t = NULL;

                        if (msg->msg != CURLMSG_DONE)
                                continue;
                        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &t);
                        curl_multi_remove_handle(c->multi, t->easy);
                        running--;
                        t->state = T_WAITING; /* not running any more, whatever comes next */
                        r = transfer_evaluate(t, msg->data.result);
                        if (r == 1) {
                                job_abort(t);
                                continue;
                        }
                        curl_easy_cleanup(t->easy);
                        t->easy = NULL;
                        if (r < 0) {
                                job_abort(t);
                                t->state = T_FAILED;
                                goto fail;
                        }
                        t->state = T_DONE;
                        if (t->job)
                                t->job->done = true;
                        left--;
                }
                if (left == 0)
                        break;
                {
                        int timeout_ms = 1000;
                        uint64_t n2 = now_usec();

                        if (wake != UINT64_MAX)
                                timeout_ms = wake <= n2 ? 0 : (int) MIN((wake - n2) / 1000U + 1, 1000U);
                        for (size_t i = 0; i < n; i++)
                                if (ts[i]->state == T_WAITING && ts[i]->next_usec <= n2
                                    && running < c->opts.max_parallel)
                                        timeout_ms = 0;
                        if (running > 0 || timeout_ms > 0)
                                curl_multi_poll(c->multi, NULL, 0, timeout_ms, &numfds);
                }
        }
        return 0;

fail:
        for (size_t i = 0; i < n; i++)
                if (ts[i]->state == T_FAILED) {
                        r = set_error(reterr, r, "%s", strempty(ts[i]->error));
                        break;
                }
fail_nomsg:
        for (size_t i = 0; i < n; i++)
                if (ts[i]->state == T_RUNNING) {
                        job_abort(ts[i]);
                        transfer_release_easy(ts[i]);
                        ts[i]->state = T_FAILED;
                }
        return r;
}

static int run_one(RegistryClient *c, Transfer *t, char **reterr) {
        Transfer *ts[1] = {t};
        return run_transfers(c, ts, 1, reterr);
}

/* ---- Authentication -------------------------------------------------------------------------- */

static int fetch_token(RegistryClient *c, const AuthChallenge *chal, char **reterr) {
        _cleanup_(curl_easy_cleanupp) CURL *e = NULL;
        _cleanup_free_ char *url = NULL, *scope = NULL, *esc_service = NULL, *esc_scope = NULL;
        _cleanup_json_ json_object *o = NULL;
        const char *realm = auth_challenge_param(chal, "realm"),
                   *service = auth_challenge_param(chal, "service"),
                   *cscope = auth_challenge_param(chal, "scope");
        Transfer t = {.c = c, .what = (char *) "token", .body_max = TOKEN_BODY_MAX};
        json_object *tok = NULL, *exp = NULL;
        CURLcode res;
        long status = 0;
        int64_t expires_in = 60;
        int r;

        if (isempty(realm))
                return set_error(reterr, -EBADMSG, "Bearer challenge without a realm");
        if (!startswith(realm, "https://") && !(startswith(realm, "http://") && !c->opts.tls_verify))
                return set_error(
                        reterr, -EBADMSG,
                        "token realm '%s' is not https:// (plain HTTP needs --tls-verify=false or insecure = true)",
                        realm);
        /* Our own repository's pull scope; a challenge from a request names the one it wants. */
        if (cscope)
                scope = strdup(cscope);
        else if (asprintf(&scope, "repository:%s:pull", c->repository) < 0)
                scope = NULL;
        if (!scope)
                return -ENOMEM;
        e = curl_easy_init();
        if (!e)
                return -ENOMEM;
        esc_scope = curl_easy_escape(e, scope, 0);
        esc_service = service ? curl_easy_escape(e, service, 0) : NULL;
        if (!esc_scope || (service && !esc_service))
                return -ENOMEM;
        if (asprintf(&url, "%s%s%s%s%sscope=%s", realm, strchr(realm, '?') ? "&" : "?",
                     service ? "service=" : "", strempty(esc_service), service ? "&" : "", esc_scope)
            < 0)
                return -ENOMEM;
        log_debug("Fetching a token from %s", url);

        for (unsigned attempt = 0;; attempt++) {
                t.url = url;
                t.no_auth = true;
                r = transfer_setup(&t);
                if (r < 0)
                        goto out;
                if (c->have_creds) {
                        curl_easy_setopt(t.easy, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
                        curl_easy_setopt(t.easy, CURLOPT_USERNAME, c->creds.username);
                        curl_easy_setopt(t.easy, CURLOPT_PASSWORD, c->creds.password);
                }
                res = curl_easy_perform(t.easy);
                status = t.status;
                if ((res != CURLE_OK && curl_retryable(res))
                    || (res == CURLE_OK && status_retryable(status))) {
                        if (attempt < c->opts.max_retries) {
                                struct timespec ts = {
                                        .tv_nsec = (long) (c->opts.retry_delay_fixed
                                                                   ? c->opts.retry_delay_ms
                                                                   : MIN((uint64_t) c->opts.retry_delay_ms << attempt,
                                                                         2000U))
                                                   * 1000000L};
                                if (ts.tv_nsec >= 1000000000L) {
                                        ts.tv_sec = ts.tv_nsec / 1000000000L;
                                        ts.tv_nsec %= 1000000000L;
                                }
                                nanosleep(&ts, NULL);
                                continue;
                        }
                }
                break;
        }
        if (res != CURLE_OK) {
                r = set_error(reterr, curl_to_errno(res), "token service %s: %s", realm,
                              t.errbuf[0] ? t.errbuf : curl_easy_strerror(res));
                goto out;
        }
        if (status < 200 || status >= 300) {
                _cleanup_free_ char *h = http_error_text(&t);
                r = set_error(reterr, status == 401 || status == 403 ? -EACCES : -EIO,
                              "token service %s: %s%s", realm, strempty(h),
                              status == 401 && c->have_creds ? " (credentials refused)" : "");
                goto out;
        }
        o = json_tokener_parse(t.body.buf ?: "");
        if (!o || !json_object_is_type(o, json_type_object)) {
                r = set_error(reterr, -EBADMSG, "token service %s: the answer is not a JSON object", realm);
                goto out;
        }
        if (!json_object_object_get_ex(o, "token", &tok) || !json_object_is_type(tok, json_type_string)
            || isempty(json_object_get_string(tok)))
                if (!json_object_object_get_ex(o, "access_token", &tok)
                    || !json_object_is_type(tok, json_type_string) || isempty(json_object_get_string(tok))) {
                        r = set_error(reterr, -EBADMSG,
                                      "token service %s: no \"token\" or \"access_token\" in the answer",
                                      realm);
                        goto out;
                }
        if (json_object_object_get_ex(o, "expires_in", &exp) && json_object_is_type(exp, json_type_int)) {
                int64_t v = json_object_get_int64(exp);
                if (v > 0)
                        expires_in = v;
        }
        {
                const char *s = json_object_get_string(tok);
                char *h = NULL;

                /* a token is sent in a header: refuse line breaks */
                if (strpbrk(s, "\r\n")) {
                        r = set_error(reterr, -EBADMSG, "token service %s: the token contains a line break",
                                      realm);
                        goto out;
                }
                if (asprintf(&h, "Authorization: Bearer %s", s) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
                if (c->auth)
                        explicit_bzero(c->auth, strlen(c->auth));
                free(c->auth);
                c->auth = h;
                c->auth_is_bearer = true;
                /* refresh a little early: the clock of the token service is not ours */
                c->token_expiry_usec = now_usec() + (uint64_t) MAX(expires_in - 5, (int64_t) 1) * 1000000U;
        }
        /* remember the challenge (without a request-specific scope) for refreshes */
        if (chal != c->challenge) {
                AuthChallenge *copy = NULL;
                size_t n = 0;
                _cleanup_free_ char *hdr = NULL;

                if (asprintf(&hdr, "Bearer realm=\"%s\"%s%s%s", realm, service ? ",service=\"" : "",
                             strempty(service), service ? "\"" : "")
                            >= 0
                    && www_authenticate_parse(hdr, &copy, &n) >= 0) {
                        auth_challenges_free(c->challenge, c->n_challenge);
                        c->challenge = copy;
                        c->n_challenge = n;
                }
        }
        r = 0;
out:
        if (t.easy) {
                curl_easy_cleanup(t.easy);
                t.easy = NULL;
        }
        t.what = NULL;
        t.url = NULL;
        transfer_done(&t);
        return r;
}

static int ping(RegistryClient *c, const char *scheme, bool once, long *ret_status, AuthChallenge **ret_chal,
                size_t *ret_n, char **reterr) {
        Transfer t = {.c = c, .no_auth = true, .no_retry = once, .body_max = ERROR_BODY_MAX};
        int r;

        if (asprintf(&t.url, "%s://%s/v2/", scheme, c->host) < 0
            || asprintf(&t.what, "ping %s://%s/v2/", scheme, c->host) < 0) {
                transfer_done(&t);
                return -ENOMEM;
        }
        r = run_one(c, &t, reterr);
        if (r == -ENOENT || r == -EACCES || r == -EBADMSG || r == -EIO) {
                /* an HTTP answer: the caller decides */
                if (t.status > 0) {
                        if (reterr) {
                                free(*reterr);
                                *reterr = NULL;
                        }
                        r = 0;
                }
        }
        if (r >= 0) {
                *ret_status = t.status;
                *ret_chal = TAKE_PTR(t.chal);
                *ret_n = t.n_chal;
                t.n_chal = 0;
        }
        transfer_done(&t);
        return r;
}

int registry_client_connect(RegistryClient *c, char **reterr) {
        AuthChallenge *chal = NULL;
        size_t n = 0;
        long status = 0;
        const char *scheme = "https";
        int r;

        if (c->connected)
                return 0;
        if (!c->multi)
                return dlopen_libcurl(reterr) ?: -EIO;
        r = ping(c, "https", !c->opts.tls_verify, &status, &chal, &n, reterr);
        if (r < 0 && !c->opts.tls_verify) {
                _cleanup_free_ char *https_err = reterr ? TAKE_PTR(*reterr) : NULL;

                /* as podman does for an insecure registry: HTTPS without checks first, then HTTP */
                log_debug("%s, trying plain HTTP", strempty(https_err));
                scheme = "http";
                r = ping(c, "http", false, &status, &chal, &n, reterr);
        }
        if (r < 0)
                return r;
        if (asprintf(&c->base_url, "%s://%s", scheme, c->host) < 0) {
                c->base_url = NULL;
                auth_challenges_free(chal, n);
                return -ENOMEM;
        }
        if (status == 401) {
                const AuthChallenge *b = auth_challenges_find(chal, n, "Bearer");

                if (b)
                        r = fetch_token(c, b, reterr);
                else if (auth_challenges_find(chal, n, "Basic")) {
                        if (c->have_creds) {
                                _cleanup_free_ char *up = NULL, *b64 = NULL;

                                if (asprintf(&up, "%s:%s", c->creds.username, c->creds.password) < 0) {
                                        r = -ENOMEM;
                                } else {
                                        b64 = base64_encode(up, strlen(up));
                                        explicit_bzero(up, strlen(up));
                                        if (!b64 || asprintf(&c->auth, "Authorization: Basic %s", b64) < 0) {
                                                c->auth = NULL;
                                                r = -ENOMEM;
                                        }
                                        if (b64)
                                                explicit_bzero(b64, strlen(b64));
                                }
                        }
                        /* without credentials the first request says "authentication required" */
                } else
                        r = set_error(reterr, -EACCES,
                                      "%s/v2/: HTTP 401 without a Bearer or Basic challenge", c->base_url);
        } else if (status < 200 || status >= 300)
                r = set_error(reterr, status == 404 ? -EBADMSG : -EIO,
                              "%s/v2/: HTTP %ld: not an OCI distribution registry", c->base_url, status);
        auth_challenges_free(chal, n);
        if (r < 0) {
                free(c->base_url);
                c->base_url = NULL;
                return r;
        }
        log_debug("Registry %s: %s, %s", c->registry, c->base_url,
                  c->auth ? (c->auth_is_bearer ? "Bearer token" : "Basic credentials") : "anonymous");
        c->connected = true;
        return 0;
}

/* ---- Manifests and blobs ----------------------------------------------------------------------- */

static bool manifest_type_known(const char *t) {
        return streq(t, MEDIA_TYPE_OCI_MANIFEST) || streq(t, MEDIA_TYPE_OCI_INDEX)
               || streq(t, MEDIA_TYPE_DOCKER_MANIFEST) || streq(t, MEDIA_TYPE_DOCKER_LIST);
}

/* The media type without parameters ("application/json; charset=utf-8" → "application/json"). */
static char *media_type_bare(const char *ct) {
        size_t l = strcspn(ct, "; \t");
        return strndup(ct, l);
}

static int manifest_request(RegistryClient *c, const char *reference, bool head, Transfer *t,
                            char **reterr) {
        int r;

        r = registry_client_connect(c, reterr);
        if (r < 0)
                return r;
        t->c = c;
        t->head = head;
        t->accept = REGISTRY_MANIFEST_ACCEPT;
        t->body_max = MANIFEST_SIZE_MAX;
        if (asprintf(&t->url, "%s/v2/%s/manifests/%s", c->base_url, c->repository, reference) < 0
            || asprintf(&t->what, "manifest %s", reference) < 0)
                return -ENOMEM;
        return run_one(c, t, reterr);
}

int registry_get_manifest(RegistryClient *c, const char *reference, char **ret_body, size_t *ret_len,
                          char **ret_media_type, char ret_digest[static DIGEST_STRING_SIZE], char **reterr) {
        Transfer t = {};
        _cleanup_free_ char *media_type = NULL;
        _cleanup_json_ json_object *o = NULL;
        json_object *mt = NULL;
        char digest[DIGEST_STRING_SIZE];
        int r;

        r = manifest_request(c, reference, false, &t, reterr);
        if (r < 0)
                goto out;
        if (!t.body.buf || t.body.len == 0) {
                r = set_error(reterr, -EBADMSG, "manifest %s: empty answer", reference);
                goto out;
        }
        r = digest_buffer(t.body.buf, t.body.len, digest);
        if (r < 0)
                goto out;
        if (startswith(reference, "sha256:") && !streq(reference, digest)) {
                r = set_error(reterr, -EBADMSG, "manifest %s: digest mismatch (got %s)", reference, digest);
                goto out;
        }
        if (!startswith(reference, "sha256:") && t.docker_digest && !streq(t.docker_digest, digest))
                log_debug(
                        "manifest %s: Docker-Content-Digest %s differs from the body's %s, using the body's",
                        reference, t.docker_digest, digest);
        /* The document says what it is; Content-Type is the fallback (OCI documents may omit mediaType). */
        o = json_tokener_parse(t.body.buf);
        if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "mediaType", &mt)
            && json_object_is_type(mt, json_type_string))
                media_type = strdup(json_object_get_string(mt));
        else if (t.content_type)
                media_type = media_type_bare(t.content_type);
        else
                media_type = strdup("");
        if (!media_type) {
                r = -ENOMEM;
                goto out;
        }
        if (streq(media_type, MEDIA_TYPE_DOCKER_SCHEMA1)
            || streq(media_type, MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED)) {
                r = set_error(reterr, -EPROTONOSUPPORT,
                              "manifest %s: Docker schema 1 manifests (%s) are not supported", reference,
                              media_type);
                goto out;
        }
        if (!manifest_type_known(media_type)) {
                ManifestKind kind;
                /* an OCI document without mediaType served as application/json still is one */
                if (!(isempty(media_type) || streq(media_type, "application/json"))
                    || manifest_detect_kind(t.body.buf, t.body.len, &kind, NULL) < 0) {
                        r = set_error(
                                reterr, -EOPNOTSUPP,
                                "manifest %s: unsupported media type '%s' (not an image manifest or index)",
                                reference, media_type);
                        goto out;
                }
                free(media_type);
                media_type =
                        strdup(kind == MANIFEST_KIND_INDEX ? MEDIA_TYPE_OCI_INDEX : MEDIA_TYPE_OCI_MANIFEST);
                if (!media_type) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        memcpy(ret_digest, digest, DIGEST_STRING_SIZE);
        *ret_len = t.body.len;
        *ret_body = strbuf_detach(&t.body);
        if (!*ret_body) {
                r = -ENOMEM;
                goto out;
        }
        *ret_media_type = TAKE_PTR(media_type);
        r = 0;
out:
        transfer_done(&t);
        return r;
}

int registry_head_manifest(RegistryClient *c, const char *reference,
                           char ret_digest[static DIGEST_STRING_SIZE], char **ret_media_type,
                           char **reterr) {
        Transfer t = {};
        int r;

        r = manifest_request(c, reference, true, &t, reterr);
        if (r < 0)
                goto out;
        if (!t.docker_digest || !digest_is_valid(t.docker_digest)) {
                r = set_error(reterr, -EBADMSG,
                              "manifest %s: the registry sent no valid Docker-Content-Digest", reference);
                goto out;
        }
        if (startswith(reference, "sha256:") && !streq(reference, t.docker_digest)) {
                r = set_error(reterr, -EBADMSG, "manifest %s: digest mismatch (got %s)", reference,
                              t.docker_digest);
                goto out;
        }
        strncpy(ret_digest, t.docker_digest, DIGEST_STRING_SIZE - 1);
        ret_digest[DIGEST_STRING_SIZE - 1] = 0;
        if (ret_media_type) {
                *ret_media_type = t.content_type ? media_type_bare(t.content_type) : strdup("");
                if (!*ret_media_type)
                        r = -ENOMEM;
        }
out:
        transfer_done(&t);
        return r;
}

int registry_get_blob(RegistryClient *c, const char *digest, size_t max, char **ret, size_t *ret_len,
                      char **reterr) {
        Transfer t = {.c = c, .body_max = max};
        char got[DIGEST_STRING_SIZE];
        int r;

        r = registry_client_connect(c, reterr);
        if (r < 0)
                return r;
        if (asprintf(&t.url, "%s/v2/%s/blobs/%s", c->base_url, c->repository, digest) < 0
            || asprintf(&t.what, "blob %s", digest) < 0) {
                r = -ENOMEM;
                goto out;
        }
        r = run_one(c, &t, reterr);
        if (r < 0)
                goto out;
        r = digest_buffer(t.body.buf ?: "", t.body.len, got);
        if (r < 0)
                goto out;
        if (!streq(got, digest)) {
                r = set_error(reterr, -EBADMSG, "blob %s: digest mismatch (got %s)", digest, got);
                goto out;
        }
        *ret_len = t.body.len;
        if (!t.body.buf)
                strbuf_puts(&t.body, "");
        *ret = strbuf_detach(&t.body);
        r = *ret ? 0 : -ENOMEM;
out:
        transfer_done(&t);
        return r;
}

int registry_list_tags(RegistryClient *c, char ***ret, char **reterr) {
        Transfer t = {.c = c, .body_max = 16U * 1024U * 1024U};
        _cleanup_strv_free_ char **tags = NULL;
        json_object *o = NULL, *a;
        int r;

        r = registry_client_connect(c, reterr);
        if (r < 0)
                return r;
        if (asprintf(&t.url, "%s/v2/%s/tags/list", c->base_url, c->repository) < 0
            || asprintf(&t.what, "tags of %s", c->repository) < 0) {
                r = -ENOMEM;
                goto out;
        }
        r = run_one(c, &t, reterr);
        if (r < 0)
                goto out;
        o = json_tokener_parse(t.body.buf ?: "");
        if (!o || !json_object_is_type(o, json_type_object)) {
                r = set_error(reterr, -EBADMSG, "tags of %s: the answer is not a JSON object", c->repository);
                goto out;
        }
        if (json_object_object_get_ex(o, "tags", &a) && a) {
                if (!json_object_is_type(a, json_type_array)) {
                        r = set_error(reterr, -EBADMSG, "tags of %s: \"tags\" is not an array", c->repository);
                        goto out;
                }
                for (size_t i = 0; i < json_object_array_length(a); i++) {
                        json_object *e = json_object_array_get_idx(a, i);
                        if (!json_object_is_type(e, json_type_string)) {
                                r = set_error(reterr, -EBADMSG, "tags of %s: a tag is not a string", c->repository);
                                goto out;
                        }
                        if (strv_extend(&tags, json_object_get_string(e)) < 0) {
                                r = -ENOMEM;
                                goto out;
                        }
                }
        }
        if (!tags && !(tags = calloc(1, sizeof(char *)))) {
                r = -ENOMEM;
                goto out;
        }
        *ret = TAKE_PTR(tags);
        r = 0;
out:
        json_object_put(o);
        transfer_done(&t);
        return r;
}

int registry_fetch_blobs(RegistryClient *c, RegistryBlobJob *jobs, size_t n, const RegistryBlobOps *ops,
                         char **reterr) {
        _cleanup_free_ Transfer *ts = NULL;
        _cleanup_free_ Transfer **tp = NULL;
        int r;

        r = registry_client_connect(c, reterr);
        if (r < 0)
                return r;
        if (n == 0)
                return 0;
        ts = calloc(n, sizeof(Transfer));
        tp = calloc(n, sizeof(Transfer *));
        if (!ts || !tp)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                ts[i] = (Transfer){.c = c, .job = &jobs[i], .ops = ops};
                tp[i] = &ts[i];
                if (asprintf(&ts[i].url, "%s/v2/%s/blobs/%s", c->base_url, c->repository, jobs[i].digest) < 0
                    || asprintf(&ts[i].what, "blob %s", jobs[i].digest) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        r = run_transfers(c, tp, n, reterr);
out:
        for (size_t i = 0; i < n; i++)
                transfer_done(&ts[i]);
        return r;
}
