/* skiff image ls|inspect|rm|tag|untag|prune|load|save|pull, and skiff images. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/verbs.h"
#include "common/json-util.h"
#include "common/log.h"
#include "common/strv.h"
#include "image/image-archive.h"
#include "image/store.h"

#define EXIT_USAGE 1
#define EXIT_STORE 125

static void image_usage(FILE *f) {
        fputs("Usage: skiff image COMMAND [OPTIONS] [ARGS...]\n"
              "\n"
              "Manage the images in skiff's store.\n"
              "\n"
              "Commands:\n"
              "  ls, list     List images (also: skiff images)\n"
              "  inspect      Show an image's configuration as JSON\n"
              "  load         Load images from an oci-archive, docker-archive or OCI layout\n"
              "  save         Save an image as an oci-archive\n"
              "  tag          Add names to an image\n"
              "  untag        Remove names from an image\n"
              "  rm           Remove images (or one of their names)\n"
              "  prune        Remove dangling images and unused data\n"
              "  pull         Pull an image from a registry (as skiff pull)\n"
              "\n"
              "Run 'skiff image COMMAND --help' for a command's options.\n",
              f);
}

/* Exit status for a store error: the user's fault (no such image, bad name, bad archive) or ours. */
static int exit_for(int r) {
        return IN_SET(r, -ENOENT, -EINVAL, -EBADMSG, -EOPNOTSUPP, -ENOTUNIQ, -EBUSY, -EEXIST) ? EXIT_USAGE
                                                                                              : EXIT_STORE;
}

static int fail(int r, const char *verb, char *err) {
        if (err)
                log_error("%s: %s", verb, err);
        else
                log_error_errno(r, "%s: %m", verb);
        free(err);
        return exit_for(r);
}

static int open_store(SkiffContext *ctx, const char *verb, ImageStore **ret) {
        char *err = NULL;
        int r;

        if (ctx->paths_error < 0) {
                log_error_errno(ctx->paths_error,
                                "%s: cannot determine the storage directory (set --root or HOME): %m", verb);
                return EXIT_STORE;
        }
        r = image_store_open(ctx->paths.root, ctx->paths.rootless ? IMAGE_STORE_USERNS : 0, ret, &err);
        if (r < 0) {
                fail(r, verb, err);
                return EXIT_STORE;
        }
        return 0;
}

static bool want_help(int argc, char *argv[]) {
        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--"))
                        break;
                if (streq(argv[i], "--help") || streq(argv[i], "-h"))
                        return true;
        }
        return false;
}

static int parse_format(const char *verb, const char *arg, bool *json) {
        if (streq(arg, "json")) {
                *json = true;
                return 0;
        }
        if (streq(arg, "table")) {
                *json = false;
                return 0;
        }
        log_error("%s: invalid --format '%s': use json or table", verb, arg);
        return -EINVAL;
}

static void print_json(json_object *o) {
        if (json_object_is_type(o, json_type_array) && json_object_array_length(o) == 0) {
                puts("[]"); /* as podman prints it */
                return;
        }
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                                                 | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* "2024-01-02T03:04:05.123456789Z" → seconds; 0 when unparsable. */
static int64_t parse_created(const char *s) {
        struct tm tm = {};
        const char *end;

        if (!s)
                return 0;
        end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end)
                return 0;
        return (int64_t) timegm(&tm);
}

static void human_age(int64_t then, char *buf, size_t n) {
        int64_t d = (int64_t) time(NULL) - then;

        if (then <= 0)
                snprintf(buf, n, "unknown");
        else if (d < 60)
                snprintf(buf, n, "Less than a minute ago");
        else if (d < 3600)
                snprintf(buf, n, "%" PRId64 " minute%s ago", d / 60, d / 60 == 1 ? "" : "s");
        else if (d < 86400)
                snprintf(buf, n, "%" PRId64 " hour%s ago", d / 3600, d / 3600 == 1 ? "" : "s");
        else if (d < 86400 * 365)
                snprintf(buf, n, "%" PRId64 " day%s ago", d / 86400, d / 86400 == 1 ? "" : "s");
        else
                snprintf(buf, n, "%" PRId64 " year%s ago", d / (86400 * 365),
                         d / (86400 * 365) == 1 ? "" : "s");
}

static void human_size(int64_t size, char *buf, size_t n) {
        /* podman (docker/go-units) uses powers of 1000 */
        static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
        double v = (double) size;
        size_t u = 0;

        while (v >= 1000 && u + 1 < ELEMENTSOF(units)) {
                v /= 1000;
                u++;
        }
        snprintf(buf, n, u == 0 ? "%.0f %s" : "%.3g %s", v, units[u]);
}

/* "docker.io/library/busybox:latest" → repository and tag, split at the last ':' after the last '/'. */
static void split_name(const char *name, char **repo, const char **tag) {
        const char *at = strchr(name, '@');
        const char *slash = strrchr(name, '/'), *colon = strrchr(name, ':');

        if (at) {
                *repo = strndup(name, (size_t) (at - name));
                *tag = "<none>";
        } else if (colon && (!slash || colon > slash)) {
                *repo = strndup(name, (size_t) (colon - name));
                *tag = colon + 1;
        } else {
                *repo = strdup(name);
                *tag = "<none>";
        }
}

static json_object *labels_json(char **labels) {
        json_object *o = json_object_new_object();

        for (size_t i = 0; o && labels && labels[i] && labels[i + 1]; i += 2)
                if (json_add_string(o, labels[i], labels[i + 1]) < 0) {
                        json_object_put(o);
                        return NULL;
                }
        return o;
}

static json_object *set_json(char **keys) {
        json_object *o = json_object_new_object();

        STRV_FOREACH(k, keys)
                if (!o || json_add_object(o, *k, json_object_new_object()) < 0) {
                        json_object_put(o);
                        return NULL;
                }
        return o;
}

static char **repo_digests(const StoreImage *img) {
        char **l = NULL;

        STRV_FOREACH(n, img->names) {
                _cleanup_free_ char *repo = NULL;
                const char *tag;

                split_name(*n, &repo, &tag);
                if (repo && strv_extendf(&l, "%s@%s", repo, img->digest) < 0) {
                        strv_free(l);
                        return NULL;
                }
        }
        return l;
}

static json_object *image_inspect_json(const StoreImage *img) {
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_strv_free_ char **digests = repo_digests(img);
        const ImageConfig *c = img->config;
        json_object *cfg, *rootfs, *gd, *gdd;
        _cleanup_free_ char *id = NULL, *lower = NULL;
        _cleanup_strv_free_ char **rev = NULL;

        if (!o)
                return NULL;
        for (size_t i = strv_length(img->layer_dirs); i > 0; i--)
                if (strv_extend(&rev, img->layer_dirs[i - 1]) < 0)
                        return NULL;
        lower = rev ? strv_join(rev, ":") : strdup("");
        cfg = json_object_new_object();
        rootfs = json_object_new_object();
        gd = json_object_new_object();
        gdd = json_object_new_object();
        if (!lower || json_add_string(o, "Id", img->id) < 0 || json_add_string(o, "Digest", img->digest) < 0
            || json_add_strv(o, "RepoTags", img->names) < 0 || json_add_strv(o, "RepoDigests", digests) < 0
            || json_add_string(o, "Created", img->created) < 0 || json_add_object(o, "Config", cfg) < 0
            || json_add_string_nonnull(cfg, "User", c->user) < 0 || json_add_strv(cfg, "Env", c->env) < 0
            || (c->entrypoint && json_add_strv(cfg, "Entrypoint", c->entrypoint) < 0)
            || (c->cmd && json_add_strv(cfg, "Cmd", c->cmd) < 0)
            || json_add_string_nonnull(cfg, "WorkingDir", c->working_dir) < 0
            || json_add_object(cfg, "Labels", labels_json(c->labels)) < 0
            || json_add_string_nonnull(cfg, "StopSignal", c->stop_signal) < 0
            || (c->exposed_ports && json_add_object(cfg, "ExposedPorts", set_json(c->exposed_ports)) < 0)
            || (img->volumes && json_add_object(cfg, "Volumes", set_json(img->volumes)) < 0)
            || json_add_string(o, "Architecture", c->architecture) < 0 || json_add_string(o, "Os", c->os) < 0
            || json_add_string_nonnull(o, "Variant", c->variant) < 0
            || json_add_int(o, "Size", img->size) < 0 || json_add_int(o, "VirtualSize", img->size) < 0
            || json_add_object(o, "GraphDriver", gd) < 0 || json_add_string(gd, "Name", "overlay") < 0
            || json_add_object(gd, "Data", gdd) < 0 || json_add_string(gdd, "LowerDir", lower) < 0
            || json_add_object(o, "RootFS", rootfs) < 0 || json_add_string(rootfs, "Type", "layers") < 0
            || json_add_strv(rootfs, "Layers", img->diff_ids) < 0
            || json_add_strv(o, "LayerDigests", img->layer_digests) < 0
            || json_add_string_nonnull(o, "ManifestType", img->manifest_media_type) < 0
            || json_add_strv(o, "NamesHistory", img->names) < 0)
                return NULL;
        (void) id;
        return TAKE_PTR(o);
}

static int image_ls(SkiffContext *ctx, int argc, char *argv[], const char *verb) {
        enum { ARG_FORMAT = 0x100, ARG_NO_TRUNC, ARG_DIGESTS };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"quiet", no_argument, NULL, 'q'},
                {"all", no_argument, NULL, 'a'},
                {"format", required_argument, NULL, ARG_FORMAT},
                {"no-trunc", no_argument, NULL, ARG_NO_TRUNC},
                {"digests", no_argument, NULL, ARG_DIGESTS},
                {"noheading", no_argument, NULL, 'n'},
                {},
        };
        _cleanup_(image_store_freep) ImageStore *s = NULL;
        StoreImage **imgs = NULL;
        size_t n = 0;
        bool quiet = false, json = false, no_trunc = false, digests = false, noheading = false;
        char *err = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "hqan", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: skiff %s [OPTIONS] [NAME]\n"
                               "\n"
                               "List the images in the store, one line per name.\n"
                               "\n"
                               "Options:\n"
                               "  -a, --all           Accepted for podman compatibility (every image is listed)\n"
                               "  -q, --quiet         Print image ids only\n"
                               "  -n, --noheading     Do not print the header line\n"
                               "      --format FMT    table (default) or json\n"
                               "      --digests       Show manifest digests\n"
                               "      --no-trunc      Show full image ids\n"
                               "  -h, --help          Show this help\n",
                               verb);
                        return 0;
                case 'q':
                        quiet = true;
                        break;
                case 'a':
                        break;
                case 'n':
                        noheading = true;
                        break;
                case ARG_FORMAT:
                        if (parse_format(verb, optarg, &json) < 0)
                                return EXIT_USAGE;
                        break;
                case ARG_NO_TRUNC:
                        no_trunc = true;
                        break;
                case ARG_DIGESTS:
                        digests = true;
                        break;
                default:
                        fprintf(stderr, "See 'skiff %s --help'.\n", verb);
                        return EXIT_USAGE;
                }
        if (argc - optind > 1) {
                log_error("%s: at most one NAME filter, got %d arguments", verb, argc - optind);
                return EXIT_USAGE;
        }
        r = open_store(ctx, verb, &s);
        if (r != 0)
                return r;
        r = image_store_list(s, &imgs, &n, &err);
        if (r < 0)
                return fail(r, verb, err);
        if (optind < argc) {
                const char *arg = argv[optind];
                StoreImage *one = NULL;
                size_t k = 0;

                /* As podman: a repository ("busybox", "quay.io/x/y") lists all its tags; anything
                 * more precise (a tag, a digest, an id) the one image it names. */
                r = image_store_lookup(s, arg, &one, NULL);
                for (size_t i = 0; i < n; i++) {
                        bool keep = false;

                        if (r >= 0 && (strpbrk(arg, ":@") || streq(imgs[i]->id, one->id)))
                                keep = streq(imgs[i]->id, one->id);
                        STRV_FOREACH(nm, imgs[i]->names) {
                                _cleanup_free_ char *repo = NULL;
                                const char *tag;
                                size_t lr, la = strlen(arg);

                                if (keep || strpbrk(arg, ":@"))
                                        break;
                                split_name(*nm, &repo, &tag);
                                lr = repo ? strlen(repo) : 0;
                                keep = repo
                                       && (streq(repo, arg)
                                           || (lr > la && repo[lr - la - 1] == '/'
                                               && streq(repo + lr - la, arg)));
                        }
                        if (keep)
                                imgs[k++] = imgs[i];
                        else
                                store_image_free(imgs[i]);
                }
                n = k;
                store_image_free(one);
        }

        if (json) {
                _cleanup_json_ json_object *arr = json_object_new_array();

                for (size_t i = 0; arr && i < n; i++) {
                        json_object *o = json_object_new_object();
                        const StoreImage *img = imgs[i];
                        _cleanup_strv_free_ char **rd = repo_digests(img);

                        if (json_array_add(arr, o) < 0 || json_add_string(o, "Id", img->id) < 0
                            || json_add_strv(o, "RepoTags", img->names) < 0
                            || json_add_strv(o, "Names", img->names) < 0
                            || json_add_strv(o, "RepoDigests", rd) < 0
                            || json_add_string(o, "Digest", img->digest) < 0
                            || json_add_int(o, "Created", parse_created(img->created)) < 0
                            || json_add_string(o, "CreatedAt", img->created) < 0
                            || json_add_int(o, "Size", img->size) < 0
                            || json_add_int(o, "VirtualSize", img->size) < 0
                            || json_add_object(o, "Labels", labels_json(img->config->labels)) < 0
                            || json_add_bool(o, "Dangling", !img->names) < 0
                            || json_add_string(o, "Arch", img->config->architecture) < 0
                            || json_add_string(o, "Os", img->config->os) < 0
                            || json_add_int(o, "Containers", 0) < 0) {
                                store_image_array_free(imgs, n);
                                return log_oom(), EXIT_STORE;
                        }
                }
                if (arr)
                        print_json(arr);
        } else if (quiet) {
                for (size_t i = 0; i < n; i++)
                        printf("%.*s\n", no_trunc ? 64 : 12, imgs[i]->id);
        } else {
                if (!noheading)
                        printf(digests ? "%-40s %-10s %-71s %-12s %-20s %s\n"
                                       : "%-40s %-10s%.0s %-12s %-20s %s\n",
                               "REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE");
                for (size_t i = 0; i < n; i++) {
                        const StoreImage *img = imgs[i];
                        char age[64], size[32];
                        char *const none[] = {(char *) "<none>", NULL};

                        human_age(parse_created(img->created), age, sizeof(age));
                        human_size(img->size, size, sizeof(size));
                        for (char *const *nm = img->names ?: none; *nm; nm++) {
                                _cleanup_free_ char *repo = NULL;
                                const char *tag = "<none>";

                                if (img->names)
                                        split_name(*nm, &repo, &tag);
                                printf(digests ? "%-40s %-10s %-71s %-12.*s %-20s %s\n"
                                               : "%-40s %-10s%.0s %-12.*s %-20s %s\n",
                                       repo ?: "<none>", tag, img->digest, no_trunc ? 64 : 12, img->id, age,
                                       size);
                        }
                }
        }
        store_image_array_free(imgs, n);
        return 0;
}

static int image_inspect(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"format", required_argument, NULL, 'f'},
                {},
        };
        _cleanup_(image_store_freep) ImageStore *s = NULL;
        _cleanup_json_ json_object *arr = NULL;
        bool json = true;
        int c, r, ret = 0;

        while ((c = getopt_long(argc, argv, "hf:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: skiff image inspect [OPTIONS] IMAGE...\n"
                               "\n"
                               "Print a JSON array describing each image: Id, Digest, RepoTags, Config (User, Env,\n"
                               "Entrypoint, Cmd, WorkingDir, Labels, StopSignal, ExposedPorts, Volumes),\n"
                               "Architecture, Os, Size, RootFS.Layers, and the layer directories.\n"
                               "\n"
                               "Options:\n"
                               "  -f, --format json   The output format (json, the only one)\n"
                               "  -h, --help          Show this help\n");
                        return 0;
                case 'f':
                        if (!streq(optarg, "json")) {
                                log_error("image inspect: invalid --format '%s': only json is supported",
                                          optarg);
                                return EXIT_USAGE;
                        }
                        break;
                default:
                        fputs("See 'skiff image inspect --help'.\n", stderr);
                        return EXIT_USAGE;
                }
        (void) json;
        if (optind >= argc) {
                log_error("image inspect: give at least one image");
                return EXIT_USAGE;
        }
        r = open_store(ctx, "image inspect", &s);
        if (r != 0)
                return r;
        arr = json_object_new_array();
        if (!arr)
                return log_oom(), EXIT_STORE;
        for (int i = optind; i < argc; i++) {
                _cleanup_(store_image_freep) StoreImage *img = NULL;
                char *err = NULL;

                r = image_store_lookup(s, argv[i], &img, &err);
                if (r < 0) {
                        /* podman prints what it found and fails for the rest */
                        int k = fail(r, "image inspect", err);

                        ret = MAX(ret, k);
                        continue;
                }
                if (json_array_add(arr, image_inspect_json(img)) < 0)
                        return log_oom(), EXIT_STORE;
        }
        print_json(arr);
        return ret;
}

static int image_rm(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"force", no_argument, NULL, 'f'},
                {"all", no_argument, NULL, 'a'},
                {},
        };
        _cleanup_(image_store_freep) ImageStore *s = NULL;
        _cleanup_strv_free_ char **targets = NULL;
        bool force = false, all = false;
        int c, r, ret = 0;

        while ((c = getopt_long(argc, argv, "hfa", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: skiff image rm [OPTIONS] IMAGE...\n"
                               "\n"
                               "Remove images. Given one of several names of an image, only that name is removed.\n"
                               "\n"
                               "Options:\n"
                               "  -a, --all     Remove every image\n"
                               "  -f, --force   Remove an image with several names given by id\n"
                               "  -h, --help    Show this help\n");
                        return 0;
                case 'f':
                        force = true;
                        break;
                case 'a':
                        all = true;
                        break;
                default:
                        fputs("See 'skiff image rm --help'.\n", stderr);
                        return EXIT_USAGE;
                }
        if (optind >= argc && !all) {
                log_error("image rm: give at least one image, or --all");
                return EXIT_USAGE;
        }
        r = open_store(ctx, "image rm", &s);
        if (r != 0)
                return r;
        if (all) {
                StoreImage **imgs = NULL;
                size_t n = 0;
                char *err = NULL;

                r = image_store_list(s, &imgs, &n, &err);
                if (r < 0)
                        return fail(r, "image rm", err);
                for (size_t i = 0; i < n; i++)
                        if (strv_extend(&targets, imgs[i]->id) < 0) {
                                store_image_array_free(imgs, n);
                                return log_oom(), EXIT_STORE;
                        }
                store_image_array_free(imgs, n);
                force = true;
        }
        for (int i = optind; i < argc; i++)
                if (strv_extend(&targets, argv[i]) < 0)
                        return log_oom(), EXIT_STORE;
        STRV_FOREACH(t, targets) {
                char id[DIGEST_SHA256_HEX_LEN + 1];
                bool untagged = false;
                char *err = NULL;

                r = image_store_remove(s, *t, force ? IMAGE_REMOVE_FORCE : 0, id, &untagged, &err);
                if (r < 0) {
                        int k = fail(r, "image rm", err);

                        ret = MAX(ret, k);
                        continue;
                }
                if (untagged)
                        printf("Untagged: %s\n", *t);
                else
                        printf("Deleted: %s\n", id);
        }
        return ret;
}

static int image_tag(SkiffContext *ctx, int argc, char *argv[]) {
        _cleanup_(image_store_freep) ImageStore *s = NULL;
        int r;

        if (want_help(argc, argv)) {
                printf("Usage: skiff image tag IMAGE NAME...\n"
                       "\n"
                       "Add names to an image. A name without a registry becomes localhost/NAME, without a tag\n"
                       "NAME:latest; a name another image had moves to this one.\n");
                return 0;
        }
        if (argc < 3) {
                log_error("image tag: give an image and at least one new name");
                return EXIT_USAGE;
        }
        r = open_store(ctx, "image tag", &s);
        if (r != 0)
                return r;
        for (int i = 2; i < argc; i++) {
                char *err = NULL;

                r = image_store_tag(s, argv[1], argv[i], &err);
                if (r < 0)
                        return fail(r, "image tag", err);
        }
        return 0;
}

static int image_untag(SkiffContext *ctx, int argc, char *argv[]) {
        _cleanup_(image_store_freep) ImageStore *s = NULL;
        _cleanup_strv_free_ char **names = NULL;
        char *err = NULL;
        int r;

        if (want_help(argc, argv)) {
                printf("Usage: skiff image untag IMAGE [NAME...]\n"
                       "\n"
                       "Remove names from an image (all of them when no NAME is given). The image stays, by id.\n");
                return 0;
        }
        if (argc < 2) {
                log_error("image untag: give an image");
                return EXIT_USAGE;
        }
        r = open_store(ctx, "image untag", &s);
        if (r != 0)
                return r;
        if (argc == 2) {
                _cleanup_(store_image_freep) StoreImage *img = NULL;

                r = image_store_lookup(s, argv[1], &img, &err);
                if (r < 0)
                        return fail(r, "image untag", err);
                names = TAKE_PTR(img->names);
        } else
                for (int i = 2; i < argc; i++)
                        if (strv_extend(&names, argv[i]) < 0)
                                return log_oom(), EXIT_STORE;
        STRV_FOREACH(n, names) {
                r = image_store_untag(s, argv[1], *n, &err);
                if (r < 0)
                        return fail(r, "image untag", err);
        }
        return 0;
}

static int image_prune(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"all", no_argument, NULL, 'a'},
                {"force", no_argument, NULL, 'f'},
                {},
        };
        _cleanup_(image_store_freep) ImageStore *s = NULL;
        _cleanup_strv_free_ char **removed = NULL;
        bool all = false;
        uint64_t bytes = 0;
        char *err = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "haf", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: skiff image prune [OPTIONS]\n"
                               "\n"
                               "Remove dangling images (without a name), then every blob and layer no image uses\n"
                               "and what interrupted loads and pulls left behind. Waits for other skiff commands\n"
                               "using the store to finish.\n"
                               "\n"
                               "Options:\n"
                               "  -a, --all     Remove every image no container uses, not only dangling ones\n"
                               "  -f, --force   Do not ask (skiff never asks; accepted for podman compatibility)\n"
                               "  -h, --help    Show this help\n");
                        return 0;
                case 'a':
                        all = true;
                        break;
                case 'f':
                        break;
                default:
                        fputs("See 'skiff image prune --help'.\n", stderr);
                        return EXIT_USAGE;
                }
        if (optind < argc) {
                log_error("image prune: unexpected argument '%s'", argv[optind]);
                return EXIT_USAGE;
        }
        r = open_store(ctx, "image prune", &s);
        if (r != 0)
                return r;
        r = image_store_prune(s, all ? IMAGE_PRUNE_ALL : 0, &removed, &bytes, &err);
        if (r < 0)
                return fail(r, "image prune", err);
        STRV_FOREACH(id, removed)
                printf("%s\n", *id);
        log_debug("image prune: freed %" PRIu64 " bytes", bytes);
        return 0;
}

static int image_load(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"input", required_argument, NULL, 'i'},
                {"quiet", no_argument, NULL, 'q'},
                {},
        };
        _cleanup_(image_store_freep) ImageStore *s = NULL;
        const char *input = NULL;
        LoadedImage *loaded = NULL;
        size_t n = 0;
        bool quiet = false;
        char *err = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "hi:q", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: skiff image load [OPTIONS] [-i] INPUT\n"
                               "\n"
                               "Load images from an oci-archive or docker-archive tarball (compressed or not), or\n"
                               "an OCI layout directory. INPUT may carry a transport: oci:DIR[:NAME],\n"
                               "oci-archive:FILE, docker-archive:FILE. Without -i, the archive is read from\n"
                               "standard input. Every blob is verified against its digest.\n"
                               "\n"
                               "Options:\n"
                               "  -i, --input INPUT   The archive or directory (- for standard input)\n"
                               "  -q, --quiet         Print nothing but errors\n"
                               "  -h, --help          Show this help\n");
                        return 0;
                case 'i':
                        input = optarg;
                        break;
                case 'q':
                        quiet = true;
                        break;
                default:
                        fputs("See 'skiff image load --help'.\n", stderr);
                        return EXIT_USAGE;
                }
        if (!input && optind < argc)
                input = argv[optind++];
        if (optind < argc) {
                log_error("image load: unexpected argument '%s'", argv[optind]);
                return EXIT_USAGE;
        }
        if (!input) {
                if (isatty(STDIN_FILENO)) {
                        log_error("image load: give -i FILE, or pipe an archive into standard input");
                        return EXIT_USAGE;
                }
                input = "-";
        }
        r = open_store(ctx, "image load", &s);
        if (r != 0)
                return r;
        r = image_archive_load(s, input, &loaded, &n, &err);
        if (r < 0)
                return fail(r, "image load", err);
        for (size_t i = 0; !quiet && i < n; i++) {
                if (!loaded[i].names)
                        printf("Loaded image: sha256:%s\n", loaded[i].id);
                STRV_FOREACH(nm, loaded[i].names)
                        printf("Loaded image: %s\n", *nm);
        }
        loaded_images_free(loaded, n);
        return 0;
}

static int image_save(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"output", required_argument, NULL, 'o'},
                {"format", required_argument, NULL, 'f'},
                {"quiet", no_argument, NULL, 'q'},
                {},
        };
        _cleanup_(image_store_freep) ImageStore *s = NULL;
        const char *output = NULL;
        char *err = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "ho:f:q", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: skiff image save [OPTIONS] IMAGE\n"
                               "\n"
                               "Write an image as an oci-archive (a tar of an OCI image layout) that skiff, podman\n"
                               "and skopeo load. The file is replaced atomically.\n"
                               "\n"
                               "Options:\n"
                               "  -o, --output FILE   Where to write (- or no -o: standard output, not a terminal)\n"
                               "      --format FMT    oci-archive (the only one)\n"
                               "  -q, --quiet         Accepted for podman compatibility\n"
                               "  -h, --help          Show this help\n");
                        return 0;
                case 'o':
                        output = optarg;
                        break;
                case 'f':
                        if (!streq(optarg, "oci-archive")) {
                                log_error("image save: invalid --format '%s': only oci-archive is supported",
                                          optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case 'q':
                        break;
                default:
                        fputs("See 'skiff image save --help'.\n", stderr);
                        return EXIT_USAGE;
                }
        if (argc - optind != 1) {
                log_error("image save: give exactly one image");
                return EXIT_USAGE;
        }
        if (!output || streq(output, "-")) {
                if (isatty(STDOUT_FILENO)) {
                        log_error("image save: refusing to write an archive to a terminal: give -o FILE");
                        return EXIT_USAGE;
                }
                output = "-";
        }
        r = open_store(ctx, "image save", &s);
        if (r != 0)
                return r;
        r = image_archive_save(s, argv[optind], NULL, output, &err);
        if (r < 0)
                return fail(r, "image save", err);
        return 0;
}

/* Until the registry client is merged, `skiff image pull` says so; verb-pull.c's strong definition
 * replaces this one. */
__attribute__((weak)) int verb_pull(SkiffContext *ctx, int argc, char *argv[]) {
        log_error("pull: this build of skiff has no registry client");
        return EXIT_STORE;
}

int verb_images(SkiffContext *ctx, int argc, char *argv[]) {
        return image_ls(ctx, argc, argv, "images");
}

int verb_image(SkiffContext *ctx, int argc, char *argv[]) {
        const char *sub;

        if (argc < 2) {
                image_usage(stderr);
                return EXIT_USAGE;
        }
        sub = argv[1];
        if (streq(sub, "--help") || streq(sub, "-h") || streq(sub, "help")) {
                image_usage(stdout);
                return 0;
        }
        argc--;
        argv++;
        optind = 0;
        if (streq(sub, "ls") || streq(sub, "list"))
                return image_ls(ctx, argc, argv, "image ls");
        if (streq(sub, "inspect"))
                return image_inspect(ctx, argc, argv);
        if (streq(sub, "rm") || streq(sub, "remove"))
                return image_rm(ctx, argc, argv);
        if (streq(sub, "tag"))
                return image_tag(ctx, argc, argv);
        if (streq(sub, "untag"))
                return image_untag(ctx, argc, argv);
        if (streq(sub, "prune"))
                return image_prune(ctx, argc, argv);
        if (streq(sub, "load"))
                return image_load(ctx, argc, argv);
        if (streq(sub, "save"))
                return image_save(ctx, argc, argv);
        if (streq(sub, "pull"))
                return verb_pull(ctx, argc, argv);
        log_error("image: unknown command '%s'. See 'skiff image --help'.", sub);
        return EXIT_USAGE;
}
