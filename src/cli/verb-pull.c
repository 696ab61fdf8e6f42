/* skiff pull: images from a registry into the store, with a progress display. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli/verbs.h"
#include "common/log.h"
#include "common/strv.h"
#include "image/store.h"
#include "registry/auth.h"
#include "registry/certs.h"
#include "runtime/health.h"
#include "registry/pull.h"
#include "registry/registries-conf.h"

static void pull_usage(FILE *f) {
        fputs("Usage: skiff pull [OPTIONS] IMAGE...\n"
              "\n"
              "Pull images from a registry into the store. IMAGE is [REGISTRY[:PORT]/]NAME[:TAG][@DIGEST];\n"
              "a short name is looked up in the unqualified-search-registries of registries.conf.\n"
              "\n"
              "Options:\n"
              "      --platform OS/ARCH[/VARIANT]  Pick this platform from a manifest list (default: the host's)\n"
              "      --arch ARCH          Override the architecture (amd64, arm64, arm, ...)\n"
              "      --os OS              Override the operating system (default linux)\n"
              "      --variant VARIANT    Override the architecture variant (v7, v8, ...)\n"
              "      --tls-verify[=BOOL]  Require HTTPS with a verified certificate (default true, or false\n"
              "                           for registries marked insecure in registries.conf)\n"
              "      --authfile FILE      Read credentials from FILE (default: $REGISTRY_AUTH_FILE,\n"
              "                           $XDG_RUNTIME_DIR/containers/auth.json, ~/.docker/config.json)\n"
              "      --creds USER[:PASS]  Use these credentials\n"
              "      --retry N            Retry a failed transfer N times (default 4)\n"
              "      --retry-delay D      Wait D between retries (e.g. 2s; default: 250ms doubling)\n"
              "      --policy POLICY      always (default), missing (only when not stored), never (use\n"
              "                           the stored image, never pull), newer (ask the registry; nothing\n"
              "                           is fetched when the stored image is current)\n"
              "      --all-tags           Pull every tag of the repository (IMAGE without tag)\n"
              "      --cert-dir DIR       CA certificates (*.crt) and a client certificate (NAME.cert,\n"
              "                           NAME.key) for the registry's TLS\n"
              "      --decryption-key KEY[:PASS]  Accepted; an encrypted layer is refused (skiff cannot\n"
              "                           decrypt ocicrypt layers)\n"
              "  -q, --quiet              Print only the image id\n"
              "  -h, --help               Show this help\n"
              "\n"
              "Exit status: 0 when every image was pulled, 1 on a usage error, 125 when a pull failed.\n",
              f);
}

static int parse_bool(const char *s, bool *ret) {
        /* what podman (Go's strconv.ParseBool) accepts */
        static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"}, *const no[] = {
                                                                                          "0",     "f",
                                                                                          "F",     "false",
                                                                                          "FALSE", "False"};
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (streq(s, yes[i])) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (streq(s, no[i])) {
                        *ret = false;
                        return 0;
                }
        return -EINVAL;
}

/* ---- Progress ------------------------------------------------------------------------------- */

typedef struct LayerLine {
        char *digest;
        int64_t size, received;
        bool done, skipped, unpacked;
        uint64_t start_usec, done_usec;
} LayerLine;

typedef struct Progress {
        bool tty, quiet;
        FILE *f;
        LayerLine *layers;
        unsigned n;
        unsigned drawn; /* lines drawn last time (tty) */
        uint64_t last_draw_usec;
} Progress;

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
}

static void format_bytes(char *buf, size_t len, double b) {
        static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        size_t u = 0;

        while (b >= 1024.0 && u + 1 < ELEMENTSOF(units)) {
                b /= 1024.0;
                u++;
        }
        if (u == 0)
                snprintf(buf, len, "%.0f%s", b, units[u]);
        else
                snprintf(buf, len, "%.1f%s", b, units[u]);
}

static const char *short_digest(const char *d) {
        static char buf[16];
        const char *hex = strchr(d, ':');
        snprintf(buf, sizeof(buf), "%.12s", hex ? hex + 1 : d);
        return buf;
}

static void layer_line(const LayerLine *l, uint64_t now, char *buf, size_t len) {
        char got[32], total[32], rate[32];

        if (l->skipped) {
                snprintf(buf, len, "Copying blob %s skipped: already exists%s", short_digest(l->digest),
                         l->unpacked ? "" : "");
                return;
        }
        format_bytes(total, sizeof(total), (double) MAX(l->size, (int64_t) 0));
        if (l->done) {
                double secs = (double) (l->done_usec - l->start_usec) / 1e6;
                format_bytes(rate, sizeof(rate), secs > 0 ? (double) l->size / secs : 0);
                snprintf(buf, len, "Copying blob %s done   %s (%s/s)%s", short_digest(l->digest), total,
                         rate, l->unpacked ? ", unpacked" : "");
                return;
        }
        format_bytes(got, sizeof(got), (double) l->received);
        {
                double secs = (double) (now - l->start_usec) / 1e6;
                format_bytes(rate, sizeof(rate), secs > 0.05 ? (double) l->received / secs : 0);
        }
        snprintf(buf, len, "Copying blob %s %s / %s (%s/s)", short_digest(l->digest), got, total, rate);
}

static void draw(Progress *p, bool force) {
        uint64_t now = now_usec();
        char line[256];

        if (!force && now - p->last_draw_usec < 100000U)
                return;
        p->last_draw_usec = now;
        if (p->drawn > 0)
                fprintf(p->f, "\r\033[%uA", p->drawn);
        for (unsigned i = 0; i < p->n; i++) {
                if (!p->layers[i].digest) {
                        fputs("\033[K\n", p->f);
                        continue;
                }
                layer_line(&p->layers[i], now, line, sizeof(line));
                fprintf(p->f, "%s\033[K\n", line);
        }
        p->drawn = p->n;
        fflush(p->f);
}

static void progress_done(Progress *p) {
        for (unsigned i = 0; i < p->n; i++)
                free(p->layers[i].digest);
        free(p->layers);
        p->layers = NULL;
        p->n = p->drawn = 0;
}

static LayerLine *layer_get(Progress *p, const PullEvent *ev) {
        LayerLine *l;

        if (ev->index >= p->n)
                return NULL;
        l = &p->layers[ev->index];
        if (!l->digest) {
                l->digest = strdup(ev->digest);
                l->size = ev->size;
                l->start_usec = now_usec();
        }
        return l->digest ? l : NULL;
}

static void on_progress(const PullEvent *ev, void *userdata) {
        Progress *p = userdata;
        char buf[256];
        LayerLine *l;

        if (p->quiet)
                return;
        switch (ev->type) {
        case PULL_EVENT_TRYING:
                fprintf(p->f, "Trying to pull %s...\n", ev->name);
                break;
        case PULL_EVENT_RESOLVED:
                progress_done(p);
                p->layers = calloc(MAX(ev->n_layers, 1U), sizeof(LayerLine));
                p->n = p->layers ? ev->n_layers : 0;
                fprintf(p->f, "Getting image source signatures\n");
                break;
        case PULL_EVENT_BLOB_PROGRESS:
                if (!(l = layer_get(p, ev)))
                        break;
                l->received = ev->received;
                if (p->tty)
                        draw(p, false);
                break;
        case PULL_EVENT_BLOB_DONE:
                if (!(l = layer_get(p, ev)))
                        break;
                l->done = true;
                l->skipped = ev->skipped;
                l->received = ev->size;
                l->done_usec = now_usec();
                if (p->tty)
                        draw(p, true);
                else {
                        layer_line(l, l->done_usec, buf, sizeof(buf));
                        fprintf(p->f, "%s\n", buf);
                }
                break;
        case PULL_EVENT_LAYER_DONE:
                if (!(l = layer_get(p, ev)))
                        break;
                l->unpacked = true;
                if (p->tty)
                        draw(p, true);
                break;
        case PULL_EVENT_COMMITTED:
                if (p->tty)
                        draw(p, true);
                fprintf(p->f, "Writing manifest to image destination\n");
                progress_done(p);
                break;
        default:
                break;
        }
        fflush(p->f);
}

int verb_pull(SkiffContext *ctx, int argc, char *argv[]) {
        enum {
                ARG_PLATFORM = 0x100,
                ARG_ARCH,
                ARG_OS,
                ARG_VARIANT,
                ARG_TLS_VERIFY,
                ARG_AUTHFILE,
                ARG_CREDS,
                ARG_RETRY,
                ARG_RETRY_DELAY,
                ARG_POLICY,
                ARG_ALL_TAGS,
                ARG_CERT_DIR,
                ARG_DECRYPTION_KEY,
        };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"quiet", no_argument, NULL, 'q'},
                {"platform", required_argument, NULL, ARG_PLATFORM},
                {"arch", required_argument, NULL, ARG_ARCH},
                {"os", required_argument, NULL, ARG_OS},
                {"variant", required_argument, NULL, ARG_VARIANT},
                {"tls-verify", optional_argument, NULL, ARG_TLS_VERIFY},
                {"authfile", required_argument, NULL, ARG_AUTHFILE},
                {"creds", required_argument, NULL, ARG_CREDS},
                {"retry", required_argument, NULL, ARG_RETRY},
                {"retry-delay", required_argument, NULL, ARG_RETRY_DELAY},
                {"policy", required_argument, NULL, ARG_POLICY},
                {"all-tags", no_argument, NULL, ARG_ALL_TAGS},
                {"cert-dir", required_argument, NULL, ARG_CERT_DIR},
                {"decryption-key", required_argument, NULL, ARG_DECRYPTION_KEY},
                {},
        };
        _cleanup_free_ char *p_os = NULL, *p_arch = NULL, *p_variant = NULL;
        _cleanup_(registries_conf_freep) RegistriesConf *conf = NULL;
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_(diag_freep) Diag *d = NULL;
        _cleanup_free_ char *store_err = NULL;
        RegistryCreds creds = {};
        const char *os = NULL, *arch = NULL, *variant = NULL, *authfile = NULL, *creds_arg = NULL;
        bool quiet = false, have_creds = false, all_tags = false, retries_set = false, delay_set = false;
        _cleanup_(registry_certs_freep) RegistryCerts *certs = NULL;
        _cleanup_strv_free_ char **images = NULL;
        const char *policy = "always", *cert_dir = NULL, *decryption_key = NULL;
        unsigned retries = 0;
        uint64_t retry_delay_usec = 0;
        int tls_verify = -1, c, r, ret = 0;
        Progress progress = {};

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        pull_usage(stdout);
                        return 0;
                case 'q':
                        quiet = true;
                        break;
                case ARG_PLATFORM: {
                        _cleanup_free_ char *copy = strdup(optarg);
                        char *a, *v;

                        if (!copy)
                                return log_oom(), 125;
                        a = strchr(copy, '/');
                        if (!a || a == copy || !a[1]) {
                                log_error(
                                        "pull: invalid --platform '%s': use OS/ARCH[/VARIANT], e.g. linux/arm64",
                                        optarg);
                                return 1;
                        }
                        *a++ = 0;
                        v = strchr(a, '/');
                        if (v) {
                                *v++ = 0;
                                if (!*v || strchr(v, '/')) {
                                        log_error("pull: invalid --platform '%s': use OS/ARCH[/VARIANT]",
                                                  optarg);
                                        return 1;
                                }
                        }
                        free(p_os);
                        free(p_arch);
                        free(p_variant);
                        p_os = strdup(copy);
                        p_arch = strdup(a);
                        p_variant = v ? strdup(v) : NULL;
                        if (!p_os || !p_arch || (v && !p_variant))
                                return log_oom(), 125;
                        break;
                }
                case ARG_ARCH:
                        arch = optarg;
                        break;
                case ARG_OS:
                        os = optarg;
                        break;
                case ARG_VARIANT:
                        variant = optarg;
                        break;
                case ARG_TLS_VERIFY: {
                        bool b = true;
                        if (optarg && parse_bool(optarg, &b) < 0) {
                                log_error("pull: invalid --tls-verify value '%s': use true or false",
                                          optarg);
                                return 1;
                        }
                        tls_verify = b;
                        break;
                }
                case ARG_AUTHFILE:
                        authfile = optarg;
                        break;
                case ARG_CREDS:
                        creds_arg = optarg;
                        break;
                case ARG_RETRY: {
                        char *end;
                        unsigned long v;
                        errno = 0;
                        v = strtoul(optarg, &end, 10);
                        if (!*optarg || *end || errno || optarg[0] == '-' || v > 100) {
                                log_error("pull: --retry %s: expected a number from 0 to 100", optarg);
                                return 1;
                        }
                        retries = (unsigned) v;
                        retries_set = true;
                        break;
                }
                case ARG_RETRY_DELAY:
                        if (health_duration_parse(optarg, &retry_delay_usec) < 0
                            || retry_delay_usec > 3600ULL * 1000000ULL) {
                                log_error("pull: --retry-delay %s: expected a duration up to 1h (e.g. 2s, 500ms)",
                                          optarg);
                                return 1;
                        }
                        delay_set = true;
                        break;
                case ARG_POLICY:
                        if (!streq(optarg, "always") && !streq(optarg, "missing") && !streq(optarg, "never")
                            && !streq(optarg, "newer")) {
                                log_error("pull: --policy %s: expected always, missing, never or newer", optarg);
                                return 1;
                        }
                        policy = optarg;
                        break;
                case ARG_ALL_TAGS:
                        all_tags = true;
                        break;
                case ARG_CERT_DIR:
                        cert_dir = optarg;
                        break;
                case ARG_DECRYPTION_KEY:
                        decryption_key = optarg; /* checked after the options */
                        break;
                default:
                        fputs("See 'skiff pull --help'.\n", stderr);
                        return 1;
                }
        }
        if (optind >= argc) {
                log_error("pull: an image name is required. See 'skiff pull --help'.");
                return 1;
        }
        if (creds_arg) {
                r = registry_creds_parse(creds_arg, &creds);
                if (r == -ENOMEM)
                        return log_oom(), 125;
                if (r < 0 && !strchr(creds_arg, ':') && *creds_arg) {
                        log_error("pull: --creds '%s': the password is missing (USER:PASSWORD)", creds_arg);
                        return 1;
                }
                if (r < 0) {
                        log_error("pull: invalid --creds: use USER:PASSWORD");
                        return 1;
                }
                have_creds = true;
        }
        if (decryption_key) {
                /* KEY[:PASSPHRASE]: the key must exist; it is needed only by encrypted layers, which the
                 * manifest check refuses by name (no ocicrypt here). */
                _cleanup_free_ char *key = strndup(decryption_key, strcspn(decryption_key, ":"));
                if (!key)
                        return log_oom(), 125;
                if (access(key, R_OK) < 0) {
                        log_error_errno(-errno, "pull: --decryption-key %s: %m", key);
                        return 1;
                }
        }
        if (all_tags && argc - optind != 1) {
                log_error("pull: --all-tags takes exactly one image name");
                return 1;
        }
        if (cert_dir) {
                _cleanup_free_ char *cerr = NULL;
                r = registry_certs_load(cert_dir, NULL, &certs, &cerr);
                if (r < 0) {
                        if (r == -ENOMEM)
                                return log_oom(), 125;
                        log_error("pull: %s", cerr ?: strerror(-r));
                        return 1;
                }
        }
        if (authfile && access(authfile, R_OK) < 0) {
                log_error_errno(-errno, "pull: --authfile %s: %m", authfile);
                registry_creds_done(&creds);
                return 1;
        }
        if (ctx->paths_error < 0) {
                log_error_errno(ctx->paths_error,
                                "pull: cannot determine the storage directory (set HOME or --root): %m");
                registry_creds_done(&creds);
                return 125;
        }
        r = registries_conf_load(&conf, &d);
        if (r < 0) {
                _cleanup_free_ char *msg = d ? diag_format(d) : NULL;
                if (msg)
                        log_error("%s", msg);
                else
                        log_error_errno(r, "Failed to read registries.conf: %m");
                registry_creds_done(&creds);
                return 125;
        }
        r = image_store_open(ctx->paths.root, 0, &store, &store_err);
        if (r < 0) {
                if (store_err)
                        log_error("pull: %s", store_err);
                else
                        log_error_errno(r, "pull: cannot open the image store %s: %m", ctx->paths.root);
                registry_creds_done(&creds);
                return 125;
        }

        progress = (Progress){.tty = isatty(STDERR_FILENO), .quiet = quiet, .f = stderr};
        PullOptions o = {
                .os = os ?: p_os,
                .architecture = arch ?: p_arch,
                .variant = variant ?: p_variant,
                .tls_verify = tls_verify,
                .authfile = authfile,
                .creds = have_creds ? &creds : NULL,
                .conf = conf,
                .max_retries = retries,
                .max_retries_set = retries_set,
                .retry_delay_ms = delay_set ? (unsigned) (retry_delay_usec / 1000) : 0,
                .retry_delay_fixed = delay_set,
                .certs = certs,
                .progress = on_progress,
                .userdata = &progress,
        };
        if (all_tags) {
                _cleanup_free_ char *err = NULL;
                r = image_pull_list_tags(argv[optind], &o, &images, &err);
                if (r < 0) {
                        if (r == -ENOMEM)
                                log_oom();
                        else
                                log_error("pull %s: --all-tags: %s", argv[optind], err ?: strerror(-r));
                        registry_creds_done(&creds);
                        return r == -EINVAL ? 1 : 125;
                }
        } else if (strv_copy(argv + optind, &images) < 0) {
                registry_creds_done(&creds);
                return log_oom(), 125;
        }
        STRV_FOREACH(img, images) {
                _cleanup_free_ char *err = NULL, *name = NULL;
                char id[DIGEST_SHA256_HEX_LEN + 1];

                if (!streq(policy, "always") && !streq(policy, "newer")) {
                        /* missing/never: a stored image is used as it is */
                        _cleanup_(store_image_freep) StoreImage *si = NULL;
                        _cleanup_free_ char *lerr = NULL;
                        r = image_store_lookup(store, *img, &si, &lerr);
                        if (r >= 0) {
                                printf("%s\n", si->id);
                                fflush(stdout);
                                continue;
                        }
                        if (r != -ENOENT) {
                                log_error("pull %s: %s", *img, lerr ?: strerror(-r));
                                ret = 125;
                                continue;
                        }
                        if (streq(policy, "never")) {
                                log_error("pull %s: --policy never: the image is not in the store", *img);
                                ret = 125;
                                continue;
                        }
                }
                /* always, newer (the registry is asked; only what the store lacks is fetched), missing */
                r = image_pull(store, *img, &o, id, &name, &err);
                progress_done(&progress);
                if (r == -ENOMEM) {
                        log_oom();
                        ret = 125;
                        break;
                }
                if (r < 0) {
                        log_error("pull %s: %s", *img, err ? err : strerror(-r));
                        ret = r == -EINVAL ? MAX(ret, 1) : 125;
                        continue;
                }
                printf("%s\n", id);
                fflush(stdout);
        }
        registry_creds_done(&creds);
        return ret;
}
