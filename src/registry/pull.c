/* image_pull(): reference → candidates → manifest → config → layers (fetched in parallel, unpacked on
 * worker threads while they arrive) → image record. See pull.h. */

#include "registry/pull.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "image/manifest.h"
#include "image/reference.h"
#include "registry/registry.h"

#define UNPACK_THREADS_MAX 4U
#define PARALLEL_DEFAULT 6U /* blobs downloaded at once */

const char *pull_host_architecture(const char **ret_variant) {
        static const struct {
                const char *machine, *arch, *variant;
        } table[] = {
                {"x86_64", "amd64", NULL},    {"amd64", "amd64", NULL},     {"aarch64", "arm64", NULL},
                {"arm64", "arm64", NULL},     {"armv8l", "arm", "v7"},      {"armv7l", "arm", "v7"},
                {"armv7", "arm", "v7"},       {"armv6l", "arm", "v6"},      {"armv5tel", "arm", "v5"},
                {"i386", "386", NULL},        {"i486", "386", NULL},        {"i586", "386", NULL},
                {"i686", "386", NULL},        {"ppc64le", "ppc64le", NULL}, {"s390x", "s390x", NULL},
                {"riscv64", "riscv64", NULL}, {"mips64", "mips64", NULL},   {"loongarch64", "loong64", NULL},
        };
        static struct utsname u;
        static bool have = false;

        if (!have) {
                if (uname(&u) < 0)
                        strcpy(u.machine, "x86_64");
                have = true;
        }
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(u.machine, table[i].machine)) {
                        if (ret_variant)
                                *ret_variant = table[i].variant;
                        return table[i].arch;
                }
        if (ret_variant)
                *ret_variant = NULL;
        return u.machine;
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

typedef struct Pull Pull;

typedef struct LayerJob {
        Pull *pull;
        unsigned index;                 /* first position in the manifest */
        const ManifestDescriptor *desc; /* borrowed from the Manifest */
        const char *diff_id;            /* borrowed from the config */
        BlobWriter *writer;
        bool streaming; /* the current attempt's bytes are unpacked as they arrive */
} LayerJob;

/* What an unpack worker does: unpack a layer from its stream (queued when its download starts) or
 * from the stored blob (queued once the blob is stored). */
typedef struct UnpackItem {
        unsigned job;
        LayerStream *stream; /* owned by the queue, then by the worker; NULL: from the stored blob */
} UnpackItem;

struct Pull {
        ImageStore *store;
        const PullOptions *opts;
        const char *name;
        unsigned n_layers;

        pthread_mutex_t progress_lock;

        /* unpack queue, guarded by lock */
        pthread_mutex_t lock;
        pthread_cond_t cond;
        UnpackItem *queue;
        size_t q_head, q_tail, q_alloc;
        bool closed;
        int error; /* the first unpack error */
        char *error_text;
        LayerJob *jobs;
        size_t n_jobs;
        pthread_t *threads;
        unsigned n_threads;
};

static void emit(Pull *p, const PullEvent *ev) {
        if (!p->opts->progress)
                return;
        pthread_mutex_lock(&p->progress_lock);
        p->opts->progress(ev, p->opts->userdata);
        pthread_mutex_unlock(&p->progress_lock);
}

static bool pull_failed(Pull *p) {
        bool f;
        pthread_mutex_lock(&p->lock);
        f = p->error < 0;
        pthread_mutex_unlock(&p->lock);
        return f;
}

static void *unpack_worker(void *userdata) {
        Pull *p = userdata;

        pthread_mutex_lock(&p->lock);
        for (;;) {
                _cleanup_(layer_stream_freep) LayerStream *stream = NULL;
                _cleanup_free_ char *err = NULL;
                char diff_id[DIGEST_STRING_SIZE];
                LayerJob *j;
                int r;

                while (p->q_head == p->q_tail && !p->closed)
                        pthread_cond_wait(&p->cond, &p->lock);
                if (p->q_head == p->q_tail)
                        break;
                j = &p->jobs[p->queue[p->q_head].job];
                stream = TAKE_PTR(p->queue[p->q_head].stream);
                p->q_head++;
                if (p->error < 0) {
                        /* the pull failed: do not start more work */
                        pthread_mutex_unlock(&p->lock);
                        stream = layer_stream_free(stream);
                        pthread_mutex_lock(&p->lock);
                        continue;
                }
                pthread_mutex_unlock(&p->lock);

                if (stream) {
                        r = layer_stream_run(stream, NULL, diff_id, &err);
                        stream = layer_stream_free(stream);
                } else
                        r = image_store_layer_ensure(p->store, j->desc->digest, j->desc->media_type,
                                                     j->diff_id, NULL, diff_id, &err);
                if (r >= 0)
                        emit(p, &(PullEvent){.type = PULL_EVENT_LAYER_DONE,
                                             .name = p->name,
                                             .digest = j->desc->digest,
                                             .index = j->index,
                                             .n_layers = p->n_layers,
                                             .size = j->desc->size});

                pthread_mutex_lock(&p->lock);
                /* -ECANCELED from a stream: that download attempt was not committed; its retry unpacks
                 * again, or the download's own error ends the pull. */
                if (r < 0 && r != -ECANCELED && p->error >= 0) {
                        p->error = r;
                        if (err)
                                p->error_text = TAKE_PTR(err);
                        else if (asprintf(&p->error_text, "layer %s: unpacking: %s", j->desc->digest,
                                          strerror(-r))
                                 < 0)
                                p->error_text = NULL;
                }
        }
        pthread_mutex_unlock(&p->lock);
        return NULL;
}

/* Queues an unpack; takes over stream. */
static int queue_unpack(Pull *p, LayerJob *j, LayerStream *stream) {
        int r = 0;

        pthread_mutex_lock(&p->lock);
        if (p->q_tail == p->q_alloc) {
                /* a retried download queues its layer again */
                size_t n = MAX(p->q_alloc * 2, (size_t) 8);
                UnpackItem *q = reallocarray(p->queue, n, sizeof(UnpackItem));

                if (!q)
                        r = -ENOMEM;
                else {
                        p->queue = q;
                        p->q_alloc = n;
                }
        }
        if (r >= 0) {
                p->queue[p->q_tail++] = (UnpackItem){.job = (unsigned) (j - p->jobs), .stream = stream};
                pthread_cond_signal(&p->cond);
        }
        pthread_mutex_unlock(&p->lock);
        if (r < 0)
                layer_stream_free(stream);
        return r;
}

/* Frees the streams of items no worker took (the pull failed before they ran). */
static void queue_free(Pull *p) {
        for (size_t i = p->q_head; i < p->q_tail; i++)
                layer_stream_free(p->queue[i].stream);
        free(p->queue);
        p->queue = NULL;
        p->q_head = p->q_tail = p->q_alloc = 0;
}

/* ---- blob sinks: the store's verifying writer ---------------------------------------------- */

static int job_open(RegistryBlobJob *bj, char **reterr) {
        LayerJob *j = bj->userdata;
        Pull *p = j->pull;
        _cleanup_free_ char *err = NULL;
        LayerStream *stream = NULL;
        int r;

        if (pull_failed(p))
                return -ECANCELED;
        r = blob_writer_begin(p->store, j->desc->digest, j->desc->size, BLOB_WRITER_NONBLOCK, &j->writer,
                              reterr);
        if (r == -EEXIST) {
                /* stored already (or just now by another process): only unpack */
                emit(p, &(PullEvent){.type = PULL_EVENT_BLOB_DONE,
                                     .name = p->name,
                                     .digest = j->desc->digest,
                                     .index = j->index,
                                     .n_layers = p->n_layers,
                                     .size = j->desc->size,
                                     .received = j->desc->size,
                                     .skipped = true});
                r = queue_unpack(p, j, NULL);
                return r < 0 ? r : 1;
        }
        if (r < 0)
                return r;

        /* Unpack while the bytes arrive. When that cannot start (the layer is unpacked already, or
         * being unpacked by another pull, or anything else), the layer is unpacked from the stored
         * blob after the commit, which also reports a real problem properly. */
        r = layer_stream_begin(j->writer, j->desc->media_type, j->diff_id, &stream, &err);
        j->streaming = r >= 0;
        if (r < 0) {
                log_debug("layer %s: unpacking after the download: %s", j->desc->digest,
                          err ?: strerror(-r));
                return 0;
        }
        return queue_unpack(p, j, stream);
}

static int job_write(RegistryBlobJob *bj, const void *data, size_t len, char **reterr) {
        LayerJob *j = bj->userdata;
        Pull *p = j->pull;
        int r;

        if (pull_failed(p))
                return -ECANCELED; /* an unpack failed: stop downloading */
        r = blob_writer_write(j->writer, data, len, reterr);
        if (r < 0)
                return r;
        emit(p, &(PullEvent){.type = PULL_EVENT_BLOB_PROGRESS,
                             .name = p->name,
                             .digest = j->desc->digest,
                             .index = j->index,
                             .n_layers = p->n_layers,
                             .size = j->desc->size,
                             .received = bj->received + (int64_t) len});
        return 0;
}

static int job_commit(RegistryBlobJob *bj, char **reterr) {
        LayerJob *j = bj->userdata;
        Pull *p = j->pull;
        int r;

        char got[DIGEST_STRING_SIZE];

        r = blob_writer_commit(j->writer, got, reterr);
        j->writer = blob_writer_free(j->writer);
        if (r < 0)
                return r;
        emit(p, &(PullEvent){.type = PULL_EVENT_BLOB_DONE,
                             .name = p->name,
                             .digest = j->desc->digest,
                             .index = j->index,
                             .n_layers = p->n_layers,
                             .size = j->desc->size,
                             .received = j->desc->size});
        if (j->streaming)
                return 0; /* its unpack runs already, and publishes the layer now */
        return queue_unpack(p, j, NULL);
}

static void job_abort(RegistryBlobJob *bj) {
        LayerJob *j = bj->userdata;

        /* Also tells this attempt's streaming unpack to throw its work away. */
        j->writer = blob_writer_free(j->writer);
        j->streaming = false;
}

static const RegistryBlobOps blob_ops = {
        .open = job_open,
        .write = job_write,
        .commit = job_commit,
        .abort = job_abort,
};

/* ---- one candidate ------------------------------------------------------------------------------ */

static int diag_error(char **reterr, int r, const char *what, Diag *d) {
        _cleanup_free_ char *s = d ? diag_format(d) : NULL;
        return set_error(reterr, r, "%s: %s", what, s ? s : strerror(-r));
}

static char *platform_string(const char *os, const char *arch, const char *variant) {
        char *s;
        if (asprintf(&s, "%s/%s%s%s", os, arch, variant ? "/" : "", strempty(variant)) < 0)
                return NULL;
        return s;
}

/* Resolves an index to the image manifest for the wanted platform: fetches it by digest. */
static int resolve_index(RegistryClient *client, const PullOptions *opts, char **body, size_t *len,
                         char **media_type, char digest[static DIGEST_STRING_SIZE], char **reterr) {
        _cleanup_(manifest_index_freep) ManifestIndex *index = NULL;
        _cleanup_(diag_freep) Diag *d = NULL;
        _cleanup_free_ char *want = NULL, *child_body = NULL, *child_type = NULL;
        const ManifestDescriptor *desc = NULL;
        const char *host_variant = NULL, *os = opts->os ?: "linux",
                   *arch = opts->architecture ?: pull_host_architecture(&host_variant),
                   *variant = opts->variant ?: (opts->architecture ? NULL : host_variant);
        char child_digest[DIGEST_STRING_SIZE];
        size_t child_len = 0;
        int r;

        r = manifest_index_parse(*body, *len, &index, &d);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                _cleanup_free_ char *what = NULL;
                if (asprintf(&what, "manifest list %s", digest) < 0)
                        return -ENOMEM;
                return diag_error(reterr, r, what, d);
        }
        want = platform_string(os, arch, variant);
        if (!want)
                return -ENOMEM;
        r = manifest_index_select(index, os, arch, variant, &desc);
        if (r < 0) {
                StrBuf sb = STRBUF_INIT;
                _cleanup_free_ char *have = NULL;

                for (size_t i = 0; i < index->n_manifests; i++) {
                        const ManifestPlatform *pl = &index->manifests[i].platform;
                        strbuf_addf(&sb, "%s%s/%s%s%s", i ? ", " : "", strempty(pl->os),
                                    strempty(pl->architecture), pl->variant ? "/" : "",
                                    strempty(pl->variant));
                }
                have = strbuf_detach(&sb);
                return set_error(reterr, -ENOENT, "manifest list %s: no image for %s (it has: %s)", digest,
                                 want, have ? (*have ? have : "nothing") : "?");
        }
        log_debug("Manifest list %s: %s → %s", digest, want, desc->digest);
        r = registry_get_manifest(client, desc->digest, &child_body, &child_len, &child_type, child_digest,
                                  reterr);
        if (r < 0)
                return r;
        if (desc->size >= 0 && (int64_t) child_len != desc->size)
                return set_error(reterr, -EBADMSG,
                                 "manifest %s: size mismatch (the list says %" PRIi64 " bytes, got %zu)",
                                 desc->digest, desc->size, child_len);
        if (streq(child_type, MEDIA_TYPE_OCI_INDEX) || streq(child_type, MEDIA_TYPE_DOCKER_LIST))
                return set_error(reterr, -EBADMSG, "manifest %s: a manifest list inside a manifest list",
                                 desc->digest);
        free(*body);
        free(*media_type);
        *body = TAKE_PTR(child_body);
        *len = child_len;
        *media_type = TAKE_PTR(child_type);
        memcpy(digest, child_digest, DIGEST_STRING_SIZE);
        return 0;
}

static int fetch_config(Pull *p, RegistryClient *client, const Manifest *m, char **ret, size_t *ret_len,
                        char **reterr) {
        int r;

        r = image_store_has_blob(p->store, m->config.digest, reterr);
        if (r < 0)
                return r;
        if (r > 0)
                return image_store_read_blob(p->store, m->config.digest, 0, ret, ret_len, reterr);
        if (m->config.size > (int64_t) MANIFEST_SIZE_MAX)
                return set_error(reterr, -EFBIG, "config %s: %" PRIi64 " bytes is too large",
                                 m->config.digest, m->config.size);
        r = registry_get_blob(client, m->config.digest, MANIFEST_SIZE_MAX, ret, ret_len, reterr);
        if (r < 0)
                return r;
        if ((int64_t) *ret_len != m->config.size) {
                free(*ret);
                *ret = NULL;
                return set_error(reterr, -EBADMSG,
                                 "config %s: size mismatch (expected %" PRIi64 " bytes, got %zu)",
                                 m->config.digest, m->config.size, *ret_len);
        }
        char got[DIGEST_STRING_SIZE];
        return image_store_put_blob(p->store, m->config.digest, *ret, *ret_len, got, reterr);
}

static int start_workers(Pull *p) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        unsigned downloads = p->opts->max_parallel ?: PARALLEL_DEFAULT;
        /* One per download in flight: a streaming unpack waits whenever it has caught up with its
         * download, and a waiting thread must not leave a CPU idle while another layer's bytes are
         * there to unpack. At least one per CPU (at most 4) for unpacks of stored blobs. */
        unsigned n = p->opts->unpack_threads;

        if (n == 0)
                n = MAX((unsigned) MAX(1L, MIN(cpus, (long) UNPACK_THREADS_MAX)), downloads);

        n = MIN(n, (unsigned) MAX(p->n_jobs, (size_t) 1));
        p->threads = calloc(n, sizeof(pthread_t));
        if (!p->threads)
                return -ENOMEM;
        for (unsigned i = 0; i < n; i++) {
                int r = pthread_create(&p->threads[i], NULL, unpack_worker, p);
                if (r != 0) {
                        if (i == 0)
                                return -r;
                        break;
                }
                p->n_threads++;
        }
        return 0;
}

static void stop_workers(Pull *p, bool abandon) {
        pthread_mutex_lock(&p->lock);
        p->closed = true;
        if (abandon && p->error >= 0)
                p->error = -ECANCELED; /* skip what is still queued */
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        /* The downloads are over: the pulling thread has nothing else to do, so it unpacks what is
         * still queued alongside the workers instead of only waiting for them. */
        if (!abandon && p->n_threads > 0)
                (void) unpack_worker(p);
        for (unsigned i = 0; i < p->n_threads; i++)
                pthread_join(p->threads[i], NULL);
        p->n_threads = 0;
}

/* Pulls everything the (image) manifest names and records the image. */
static int pull_image(Pull *p, RegistryClient *client, const char *body, size_t len, const char *digest,
                      char *const *names, char ret_id[static DIGEST_SHA256_HEX_LEN + 1], char **reterr) {
        _cleanup_(manifest_freep) Manifest *m = NULL;
        _cleanup_(image_config_freep) ImageConfig *config = NULL;
        _cleanup_(diag_freep) Diag *d = NULL;
        _cleanup_free_ char *config_body = NULL, *what = NULL;
        _cleanup_free_ RegistryBlobJob *bjobs = NULL;
        size_t config_len = 0, n_diff;
        char got[DIGEST_STRING_SIZE];
        int64_t total = 0;
        int r;

        if (asprintf(&what, "manifest %s", digest) < 0)
                return -ENOMEM;
        r = manifest_parse(body, len, &m, &d);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return diag_error(reterr, r, what, d);
        for (size_t i = 0; i < m->n_layers; i++)
                total += m->layers[i].size;
        p->n_layers = (unsigned) m->n_layers;
        emit(p, &(PullEvent){.type = PULL_EVENT_RESOLVED,
                             .name = p->name,
                             .digest = digest,
                             .n_layers = p->n_layers,
                             .size = total});

        r = fetch_config(p, client, m, &config_body, &config_len, reterr);
        if (r < 0)
                return r;
        r = image_config_parse(config_body, config_len, &config, &d);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                free(what);
                if (asprintf(&what, "config %s", m->config.digest) < 0)
                        return -ENOMEM;
                return diag_error(reterr, r, what, d);
        }
        n_diff = strv_length(config->diff_ids);
        if (n_diff != m->n_layers)
                return set_error(reterr, -EBADMSG, "config %s: %zu rootfs.diff_ids for %zu layers",
                                 m->config.digest, n_diff, m->n_layers);

        /* One job per distinct layer blob (a manifest may repeat one). */
        p->jobs = calloc(MAX(m->n_layers, (size_t) 1), sizeof(LayerJob));
        p->q_alloc = MAX(m->n_layers, (size_t) 1);
        p->queue = calloc(p->q_alloc, sizeof(UnpackItem));
        bjobs = calloc(MAX(m->n_layers, (size_t) 1), sizeof(RegistryBlobJob));
        if (!p->jobs || !p->queue || !bjobs)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_layers; i++) {
                bool dup = false;
                for (size_t k = 0; k < p->n_jobs; k++)
                        if (streq(p->jobs[k].desc->digest, m->layers[i].digest))
                                dup = true;
                if (dup)
                        continue;
                p->jobs[p->n_jobs] = (LayerJob){.pull = p,
                                                .index = (unsigned) i,
                                                .desc = &m->layers[i],
                                                .diff_id = config->diff_ids[i]};
                bjobs[p->n_jobs] = (RegistryBlobJob){.digest = m->layers[i].digest,
                                                     .size = m->layers[i].size,
                                                     .userdata = &p->jobs[p->n_jobs]};
                p->n_jobs++;
        }

        r = start_workers(p);
        if (r < 0)
                return set_error(reterr, r, "starting unpack threads: %s", strerror(-r));
        r = registry_fetch_blobs(client, bjobs, p->n_jobs, &blob_ops, reterr);
        /* Every writer is committed or freed by now; make sure, since a streaming unpack waits for
         * its writer's end. */
        for (size_t i = 0; i < p->n_jobs; i++)
                p->jobs[i].writer = blob_writer_free(p->jobs[i].writer);
        stop_workers(p, r < 0);
        if (p->error < 0 && p->error != -ECANCELED) {
                /* an unpack failed: that is the cause, the cancelled downloads only followed from it */
                r = p->error;
                if (p->error_text)
                        set_error(reterr, r, "%s", p->error_text);
                else
                        set_error(reterr, r, "unpacking: %s", strerror(-r));
                return r;
        }
        if (r < 0)
                return r;

        r = image_store_put_blob(p->store, digest, body, len, got, reterr);
        if (r < 0)
                return r;
        return image_store_image_commit(p->store, digest, names, ret_id, reterr);
}

static int pull_candidate(Pull *p, const PullCandidate *cand, char ret_id[static DIGEST_SHA256_HEX_LEN + 1],
                          char **reterr) {
        _cleanup_(registry_client_freep) RegistryClient *client = NULL;
        _cleanup_(registry_creds_done) RegistryCreds found = {};
        _cleanup_(diag_freep) Diag *d = NULL;
        _cleanup_free_ char *body = NULL, *media_type = NULL, *name = NULL;
        _cleanup_strv_free_ char **names = NULL;
        const PullOptions *o = p->opts;
        RegistryClientOptions copts = {
                .tls_verify = o->tls_verify >= 0 ? o->tls_verify > 0 : !cand->insecure,
                .creds = o->creds,
                .max_parallel = o->max_parallel ?: PARALLEL_DEFAULT,
                .max_retries = o->max_retries,
                .retry_delay_ms = o->retry_delay_ms,
                .max_retries_set = o->max_retries_set,
                .retry_delay_fixed = o->retry_delay_fixed,
                .certs = o->certs,
        };
        char digest[DIGEST_STRING_SIZE];
        size_t len = 0;
        int r;

        if (!copts.creds) {
                r = auth_lookup(o->authfile, cand->registry, cand->repository, &found, &d);
                if (r < 0)
                        return diag_error(reterr, r, "reading credentials", d);
                if (r > 0)
                        copts.creds = &found;
        }
        r = registry_client_new(cand->registry, cand->repository, &copts, &client);
        if (r < 0)
                return r;
        r = registry_get_manifest(client, cand->reference, &body, &len, &media_type, digest, reterr);
        if (r < 0)
                return r;
        if (streq(media_type, MEDIA_TYPE_OCI_INDEX) || streq(media_type, MEDIA_TYPE_DOCKER_LIST)) {
                r = resolve_index(client, o, &body, &len, &media_type, digest, reterr);
                if (r < 0)
                        return r;
        }
        /* The name the image gets: what the user asked for; "reg/repo:tag@digest" is recorded as the
         * tag, "reg/repo@digest" as a digest reference (shown with tag <none>, as podman does). */
        name = strdup(cand->name);
        if (!name)
                return -ENOMEM;
        if (cand->digest) {
                char *at = strrchr(name, '@'), *colon;
                if (at) {
                        *at = 0;
                        colon = strrchr(name, ':');
                        if (!colon || colon < strrchr(name, '/'))
                                *at = '@'; /* no tag: keep the digest reference */
                }
        }
        if (*name) {
                r = strv_extend(&names, name);
                if (r < 0)
                        return r;
        }
        return pull_image(p, client, body, len, digest, names, ret_id, reterr);
}

int image_pull(ImageStore *store, const char *input, const PullOptions *opts,
               char ret_id[static DIGEST_SHA256_HEX_LEN + 1], char **ret_name, char **reterr) {
        PullCandidate *cands = NULL;
        size_t n = 0;
        StrBuf errors = STRBUF_INIT;
        int r, last = 0;

        r = registries_conf_resolve(opts->conf, input, &cands, &n, reterr);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *err = NULL;
                Pull p = {
                        .store = store,
                        .opts = opts,
                        .name = cands[i].name,
                        .progress_lock = PTHREAD_MUTEX_INITIALIZER,
                        .lock = PTHREAD_MUTEX_INITIALIZER,
                        .cond = PTHREAD_COND_INITIALIZER,
                };

                if (opts->progress)
                        opts->progress(&(PullEvent){.type = PULL_EVENT_TRYING, .name = cands[i].name},
                                       opts->userdata);
                r = pull_candidate(&p, &cands[i], ret_id, &err);
                stop_workers(&p, true);
                queue_free(&p);
                free(p.jobs);
                free(p.threads);
                free(p.error_text);
                if (r >= 0) {
                        if (opts->progress) {
                                char id[DIGEST_STRING_SIZE];
                                snprintf(id, sizeof(id), "sha256:%s", ret_id);
                                opts->progress(&(PullEvent){.type = PULL_EVENT_COMMITTED,
                                                            .name = cands[i].name,
                                                            .digest = id},
                                               opts->userdata);
                        }
                        if (ret_name) {
                                *ret_name = strdup(cands[i].name);
                                if (!*ret_name)
                                        r = -ENOMEM;
                        }
                        strbuf_release(&errors);
                        pull_candidates_free(cands, n);
                        return r;
                }
                if (r == -ENOMEM) {
                        strbuf_release(&errors);
                        pull_candidates_free(cands, n);
                        return r;
                }
                last = r;
                log_debug("Pulling %s failed: %s", cands[i].name, err ? err : strerror(-r));
                if (n == 1)
                        strbuf_puts(&errors, err ? err : strerror(-r));
                else
                        strbuf_addf(&errors, "%s%s: %s", i ? "; " : "", cands[i].name,
                                    err ? err : strerror(-r));
                /* Only a name the registry does not know (or cannot be reached) makes the next search
                 * registry worth a try; a broken or hostile answer stops here. */
                if (!IN_SET(r, -ENOENT, -ECONNREFUSED, -EHOSTUNREACH, -ETIMEDOUT, -EPROTO, -EACCES))
                        break;
        }
        pull_candidates_free(cands, n);
        if (reterr) {
                free(*reterr);
                *reterr = strbuf_detach(&errors);
        } else
                strbuf_release(&errors);
        return last;
}

int image_pull_list_tags(const char *input, const PullOptions *o, char ***ret, char **reterr) {
        PullCandidate *cands = NULL;
        size_t n = 0;
        int r;

        r = registries_conf_resolve(o->conf, input, &cands, &n, reterr);
        if (r < 0)
                return r;
        r = -ENOENT;
        for (size_t i = 0; i < n; i++) {
                _cleanup_(registry_client_freep) RegistryClient *client = NULL;
                _cleanup_(registry_creds_done) RegistryCreds found = {};
                _cleanup_(diag_freep) Diag *d = NULL;
                _cleanup_strv_free_ char **tags = NULL, **names = NULL;
                _cleanup_free_ char *base = NULL;
                const PullCandidate *cand = &cands[i];
                RegistryClientOptions copts = {
                        .tls_verify = o->tls_verify >= 0 ? o->tls_verify > 0 : !cand->insecure,
                        .creds = o->creds,
                        .max_retries = o->max_retries,
                        .retry_delay_ms = o->retry_delay_ms,
                        .max_retries_set = o->max_retries_set,
                        .retry_delay_fixed = o->retry_delay_fixed,
                        .certs = o->certs,
                };
                char *colon, *slash;

                if (reterr) {
                        free(*reterr);
                        *reterr = NULL;
                }
                if (cand->digest) {
                        r = set_error(reterr, -EINVAL, "%s: --all-tags takes a name without a tag or digest", input);
                        break;
                }
                if (!copts.creds) {
                        r = auth_lookup(o->authfile, cand->registry, cand->repository, &found, &d);
                        if (r < 0) {
                                r = diag_error(reterr, r, "reading credentials", d);
                                break;
                        }
                        if (r > 0)
                                copts.creds = &found;
                }
                r = registry_client_new(cand->registry, cand->repository, &copts, &client);
                if (r < 0)
                        break;
                r = registry_list_tags(client, &tags, reterr);
                if (r < 0) {
                        if (r == -ENOMEM)
                                break;
                        continue; /* the next search registry */
                }
                base = strdup(cand->name);
                if (!base) {
                        r = -ENOMEM;
                        break;
                }
                colon = strrchr(base, ':');
                slash = strrchr(base, '/');
                if (colon && (!slash || colon > slash))
                        *colon = 0;
                STRV_FOREACH(t, tags)
                        if (strv_extendf(&names, "%s:%s", base, *t) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                if (r == -ENOMEM)
                        break;
                if (!names && !(names = calloc(1, sizeof(char *)))) {
                        r = -ENOMEM;
                        break;
                }
                *ret = TAKE_PTR(names);
                r = 0;
                break;
        }
        pull_candidates_free(cands, n);
        return r;
}
