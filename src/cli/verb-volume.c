/* skiff volume create|ls|inspect|rm|prune|exists, and named volumes for run/create (-v NAME:/path,
 * --mount type=volume). The store is src/runtime/volume.c. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/container-common.h"
#include "cli/volume-common.h"
#include "common/json-util.h"
#include "common/log.h"
#include "common/strv.h"
#include "runtime/volume.h"

#define EXIT_USAGE 1
#define EXIT_STORE 125

static int open_volumes(SkiffContext *ctx, const char *verb, VolumeStore **ret) {
        int r;

        if (ctx->paths_error < 0)
                return log_error_errno(ctx->paths_error, "%s: cannot determine skiff's directories: %m", verb);
        r = volume_store_open(ctx->paths.root, ret);
        if (r < 0)
                return log_error_errno(r, "%s: open the volume store under %s/volumes: %m", verb, ctx->paths.root);
        return 0;
}

static void print_json(json_object *o) {
        if (json_object_is_type(o, json_type_array) && json_object_array_length(o) == 0) {
                puts("[]");
                return;
        }
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
}

static bool dir_is_empty(const char *path) {
        DIR *d = opendir(path);
        struct dirent *de;
        bool empty = true;

        if (!d)
                return false;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                        empty = false;
                        break;
                }
        closedir(d);
        return empty;
}

/* The ids of the containers whose plan mounts the volume's _data. */
static int volume_users(ContainerStore *cs, const char *data, char ***ret) {
        _cleanup_strv_free_ char **ids = NULL, **users = NULL;
        _cleanup_free_ char *needle = NULL, *escaped = NULL;
        int r;

        if (asprintf(&needle, "\"%s\"", data) < 0)
                return -ENOMEM;
        escaped = malloc(strlen(needle) * 2 + 1);
        if (!escaped)
                return -ENOMEM;
        {
                char *q = escaped;
                for (const char *p = needle; *p; p++) {
                        if (*p == '/')
                                *q++ = '\\';
                        *q++ = *p;
                }
                *q = 0;
        }
        r = container_list(cs, &ids);
        if (r < 0)
                return r;
        for (char **id = ids; id && *id; id++) {
                _cleanup_(container_config_freep) ContainerConfig *c = NULL;

                if (container_config_load(cs, *id, &c) < 0 || !c->plan_json)
                        continue;
                if ((strstr(c->plan_json, needle) || strstr(c->plan_json, escaped)) && strv_extend(&users, *id) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(users);
        return 0;
}

/* --- run/create --- */

static int ensure_volume(SkiffContext *ctx, VolumeStore *vs, const char *verb, const char *spec, const char *name,
                         char ***created, Volume **ret) {
        int r;

        if (!volume_name_is_valid(name)) {
                log_error("%s: %s: invalid volume name \"%s\" (letters, digits, '_', '.', '-'; starting with a "
                          "letter or digit; or an absolute host path)",
                          verb, spec, name);
                return -EINVAL;
        }
        r = volume_load(vs, name, ret);
        if (r == -ENOENT) {
                _cleanup_free_ char *err = NULL;
                char now[40];
                Volume v = {.name = (char *) name, .driver = (char *) "local", .uid = -1, .gid = -1,
                            .needs_copy_up = true,
                            .created_at = rfc3339_nanos_now(now, sizeof(now))};

                r = volume_create(vs, &v, &err);
                if (r == -EEXIST) /* made meanwhile by someone else */
                        return volume_load(vs, name, ret);
                if (r < 0)
                        return log_error_errno(r, "%s: %s: create volume %s: %s", verb, spec, name,
                                               err ?: strerror(-r));
                if (strv_extend(created, name) < 0)
                        return log_oom();
                r = volume_load(vs, name, ret);
        }
        if (r < 0)
                return log_error_errno(r, "%s: %s: read volume %s: %m", verb, spec, name);
        (void) ctx;
        return 0;
}

static int use_volume(VolumeStore *vs, const char *verb, const char *spec, Volume *v, const char *dst, bool nocopy,
                      const ImageInfo *info, char **ret_data) {
        _cleanup_free_ char *data = volume_data_path(vs, v->name), *err = NULL;
        const char *bad = volume_options_unsupported(v);
        int r;

        if (!data)
                return log_oom();
        if (!bad && !streq(v->driver ?: "local", "local"))
                bad = v->driver;
        if (bad) {
                log_error("%s: %s: volume %s: option %s is not supported yet (only plain local volumes can be "
                          "mounted)",
                          verb, spec, v->name, bad);
                return -EOPNOTSUPP;
        }
        if (strv_contains(v->options, "nocopy"))
                nocopy = true;
        if (v->needs_copy_up && !nocopy && dir_is_empty(data) && (info->layer_dirs || info->rootfs)) {
                r = volume_copy_up(data, info->layer_dirs, info->rootfs, dst, &err);
                if (r < 0)
                        return log_error_errno(r, "%s: %s: volume %s: %s", verb, spec, v->name, err ?: strerror(-r));
        }
        if (v->needs_copy_up && !nocopy)
                (void) volume_mark_copied(vs, v->name);
        *ret_data = TAKE_PTR(data);
        return 0;
}

/* -v NAME:DST[:OPTS] → DATA:DST[:OPTS]; 0 when spec has no named volume (left as it is). */
static int resolve_v(SkiffContext *ctx, VolumeStore *vs, const char *verb, char **spec, const ImageInfo *info,
                     char ***created) {
        _cleanup_(volume_freep) Volume *v = NULL;
        _cleanup_free_ char *name = NULL, *data = NULL, *dst = NULL, *n = NULL;
        const char *s = *spec, *c1 = strchr(s, ':'), *c2, *opts;
        bool nocopy = false;
        int r;

        if (!c1 || s[0] == '/' || s[0] == '.' || c1 == s)
                return 0;
        name = strndup(s, (size_t) (c1 - s));
        c2 = strchr(c1 + 1, ':');
        dst = c2 ? strndup(c1 + 1, (size_t) (c2 - c1 - 1)) : strdup(c1 + 1);
        opts = c2 ? c2 + 1 : NULL;
        if (!name || !dst)
                return log_oom();
        if (opts) {
                _cleanup_free_ char *copy = strdup(opts);
                if (!copy)
                        return log_oom();
                for (char *w = strtok(copy, ","); w; w = strtok(NULL, ","))
                        if (streq(w, "nocopy"))
                                nocopy = true;
        }
        r = ensure_volume(ctx, vs, verb, s, name, created, &v);
        if (r < 0)
                return r;
        r = use_volume(vs, verb, s, v, dst, nocopy, info, &data);
        if (r < 0)
                return r;
        if (asprintf(&n, "%s:%s%s%s", data, dst, opts ? ":" : "", strempty(opts)) < 0)
                return log_oom();
        free(*spec);
        *spec = TAKE_PTR(n);
        return 0;
}

/* --mount type=volume,source=NAME,... → type=bind,source=DATA,... (volume-* options dropped). */
static int resolve_mount(SkiffContext *ctx, VolumeStore *vs, const char *verb, char **spec, const ImageInfo *info,
                         char ***created) {
        _cleanup_(volume_freep) Volume *v = NULL;
        _cleanup_strv_free_ char **keep = NULL;
        _cleanup_free_ char *copy = strdup(*spec), *data = NULL, *joined = NULL, *n = NULL;
        const char *name = NULL, *dst = NULL;
        bool is_volume = false, nocopy = false;
        int r;

        if (!copy)
                return log_oom();
        for (char *w = strtok(copy, ","); w; w = strtok(NULL, ",")) {
                if (streq(w, "type=volume")) {
                        is_volume = true;
                        continue;
                }
                if (startswith(w, "source="))
                        name = w + strlen("source=");
                else if (startswith(w, "src="))
                        name = w + strlen("src=");
                else if (startswith(w, "destination=") || startswith(w, "dst=") || startswith(w, "target="))
                        dst = strchr(w, '=') + 1;
                if (streq(w, "volume-nocopy") || streq(w, "volume-nocopy=true") || streq(w, "nocopy")) {
                        nocopy = true;
                        continue;
                }
                if (startswith(w, "volume-") || startswith(w, "source=") || startswith(w, "src=") ||
                    streq(w, "nocopy") || streq(w, "volume-nocopy=false"))
                        continue;
                if (strv_extend(&keep, w) < 0)
                        return log_oom();
        }
        if (!is_volume)
                return 0;
        if (isempty(name)) {
                log_error("%s: --mount %s: anonymous volumes are not supported, give source=NAME", verb, *spec);
                return -EOPNOTSUPP;
        }
        if (isempty(dst)) {
                log_error("%s: --mount %s: destination= is required", verb, *spec);
                return -EINVAL;
        }
        r = ensure_volume(ctx, vs, verb, *spec, name, created, &v);
        if (r < 0)
                return r;
        r = use_volume(vs, verb, *spec, v, dst, nocopy, info, &data);
        if (r < 0)
                return r;
        joined = strv_join(keep, ",");
        if (!joined)
                return log_oom();
        if (asprintf(&n, "type=bind,source=%s%s%s", data, *joined ? "," : "", joined) < 0)
                return log_oom();
        free(*spec);
        *spec = TAKE_PTR(n);
        return 0;
}

int cli_volumes_resolve(SkiffContext *ctx, const char *verb, RunOptions *o, const ImageInfo *info,
                        char ***ret_created) {
        _cleanup_(volume_store_freep) VolumeStore *vs = NULL;
        _cleanup_strv_free_ char **created = NULL;
        bool any = false;
        int r = 0;

        for (char **s = o->volumes; s && *s; s++) {
                const char *c = strchr(*s, ':');
                if (c && c != *s && (*s)[0] != '/' && (*s)[0] != '.')
                        any = true;
        }
        for (char **s = o->mounts; s && *s; s++)
                if (strstr(*s, "type=volume"))
                        any = true;
        if (!any)
                return 0;
        r = open_volumes(ctx, verb, &vs);
        if (r < 0)
                return r;
        for (char **s = o->volumes; r >= 0 && s && *s; s++)
                r = resolve_v(ctx, vs, verb, s, info, &created);
        for (char **s = o->mounts; r >= 0 && s && *s; s++)
                r = resolve_mount(ctx, vs, verb, s, info, &created);
        if (r < 0) {
                cli_volumes_undo(ctx, created);
                return r;
        }
        *ret_created = TAKE_PTR(created);
        return 0;
}

void cli_volumes_undo(SkiffContext *ctx, char **created) {
        _cleanup_(volume_store_freep) VolumeStore *vs = NULL;

        if (!created || volume_store_open(ctx->paths.root, &vs) < 0)
                return;
        for (char **n = created; *n; n++)
                (void) volume_remove(vs, *n);
}

/* --- the verb --- */

static bool want_help(int argc, char *argv[]) {
        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--"))
                        break;
                if (streq(argv[i], "--help") || streq(argv[i], "-h"))
                        return true;
        }
        return false;
}

static void volume_usage(FILE *f) {
        fputs("Usage: skiff volume COMMAND\n"
              "\n"
              "Manage named volumes (ROOT/volumes/NAME/_data), mounted with -v NAME:/path or\n"
              "--mount type=volume,source=NAME,destination=/path.\n"
              "\n"
              "Commands:\n"
              "  create [NAME]     Create a volume (a random name without NAME)\n"
              "  ls                List volumes\n"
              "  inspect NAME...   Show volumes as JSON\n"
              "  rm NAME...        Remove volumes\n"
              "  prune             Remove the volumes no container uses\n"
              "  exists NAME       Exit 0 when the volume exists, 1 when not\n"
              "\n"
              "See 'skiff volume COMMAND --help'.\n",
              f);
}

static int volume_create_cmd(SkiffContext *ctx, int argc, char *argv[]) {
        enum { ARG_IGNORE = 0x100, ARG_UID, ARG_GID };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},     {"driver", required_argument, NULL, 'd'},
                {"opt", required_argument, NULL, 'o'}, {"label", required_argument, NULL, 'l'},
                {"ignore", no_argument, NULL, ARG_IGNORE}, {"uid", required_argument, NULL, ARG_UID},
                {"gid", required_argument, NULL, ARG_GID}, {}};
        _cleanup_(volume_store_freep) VolumeStore *vs = NULL;
        _cleanup_strv_free_ char **labels = NULL, **opts = NULL;
        _cleanup_free_ char *err = NULL, *generated = NULL;
        const char *driver = "local", *name;
        bool ignore = false;
        int64_t uid = -1, gid = -1;
        char now[40];
        int c, r;

        if (want_help(argc, argv)) {
                fputs("Usage: skiff volume create [OPTIONS] [NAME]\n"
                      "\n"
                      "Create a named volume; prints its name.\n"
                      "\n"
                      "  -d, --driver local     The volume driver (only local)\n"
                      "  -o, --opt K=V          Driver option: copy, nocopy, type=, device=, o=, size=, uid=,\n"
                      "                         gid=, image= (mount options are stored; mounting them is not\n"
                      "                         supported yet)\n"
                      "  -l, --label K=V        Set a label\n"
                      "      --ignore           Do nothing when the volume exists\n"
                      "      --uid N, --gid N   Owner of the volume's data directory\n",
                      stdout);
                return 0;
        }
        while ((c = getopt_long(argc, argv, "d:o:l:", options, NULL)) >= 0)
                switch (c) {
                case 'd':
                        driver = optarg;
                        break;
                case 'o':
                        r = volume_option_check(optarg, &err);
                        if (r < 0) {
                                log_error("volume create: %s", err ?: strerror(-r));
                                return EXIT_USAGE;
                        }
                        if (startswith(optarg, "uid=") || startswith(optarg, "gid="))
                                *(startswith(optarg, "uid=") ? &uid : &gid) = strtoll(optarg + 4, NULL, 10);
                        else if (strv_extend(&opts, optarg) < 0)
                                return log_oom(), EXIT_STORE;
                        break;
                case 'l':
                        if (isempty(optarg) || optarg[0] == '=') {
                                log_error("volume create: --label '%s': give KEY=VALUE", optarg);
                                return EXIT_USAGE;
                        }
                        if (strv_extendf(&labels, "%s%s", optarg, strchr(optarg, '=') ? "" : "=") < 0)
                                return log_oom(), EXIT_STORE;
                        break;
                case ARG_IGNORE:
                        ignore = true;
                        break;
                case ARG_UID:
                case ARG_GID: {
                        char *end;
                        long long n;
                        errno = 0;
                        n = strtoll(optarg, &end, 10);
                        if (errno || *end || n < 0 || n > 4294967294LL || end == optarg) {
                                log_error("volume create: --%s %s: not a number", c == ARG_UID ? "uid" : "gid",
                                          optarg);
                                return EXIT_USAGE;
                        }
                        *(c == ARG_UID ? &uid : &gid) = n;
                        break;
                }
                default:
                        return EXIT_USAGE;
                }
        if (!streq(driver, "local") && !streq(driver, "image")) {
                log_error("volume create: --driver %s: not supported (local, or image: stored, not mountable yet)",
                          driver);
                return EXIT_USAGE;
        }
        if (argc - optind > 1) {
                log_error("volume create: give at most one NAME, got %d", argc - optind);
                return EXIT_USAGE;
        }
        if (optind < argc)
                name = argv[optind];
        else {
                char id[CONTAINER_ID_LEN + 1];
                r = container_id_generate(id);
                if (r < 0)
                        return log_error_errno(r, "volume create: generate a name: %m"), EXIT_STORE;
                generated = strdup(id);
                if (!generated)
                        return log_oom(), EXIT_STORE;
                name = generated;
        }
        if (!volume_name_is_valid(name)) {
                log_error("volume create %s: invalid name (letters, digits, '_', '.', '-'; starting with a letter or "
                          "digit)",
                          name);
                return EXIT_USAGE;
        }
        if (open_volumes(ctx, "volume create", &vs) < 0)
                return EXIT_STORE;
        {
                Volume v = {.name = (char *) name, .driver = (char *) driver, .labels = labels, .options = opts,
                            .uid = uid, .gid = gid, .needs_copy_up = !strv_contains(opts, "nocopy"),
                            .created_at = rfc3339_nanos_now(now, sizeof(now))};
                r = volume_create(vs, &v, &err);
        }
        if (r == -EEXIST) {
                if (ignore) {
                        puts(name);
                        return 0;
                }
                log_error("volume create %s: a volume of that name exists (--ignore to accept it)", name);
                return EXIT_STORE;
        }
        if (r < 0) {
                log_error("volume create %s: %s", name, err ?: strerror(-r));
                return EXIT_STORE;
        }
        puts(name);
        return 0;
}

/* --filter KEY=VALUE: name=, label=K[=V], driver=, dangling=true|false. */
static int filter_match(VolumeStore *vs, ContainerStore *cs, const Volume *v, char **filters, bool *ret) {
        for (char **f = filters; f && *f; f++) {
                const char *eq = strchr(*f, '='), *val = eq ? eq + 1 : "";
                bool ok;

                if (startswith(*f, "name="))
                        ok = strstr(v->name, val) != NULL;
                else if (startswith(*f, "driver="))
                        ok = streq(v->driver ?: "local", val);
                else if (startswith(*f, "label=")) {
                        ok = strv_contains(v->labels, val);
                        if (!ok && !strchr(val, '='))
                                for (char **l = v->labels; l && *l; l++)
                                        if (startswith(*l, val) && (*l)[strlen(val)] == '=')
                                                ok = true;
                } else if (startswith(*f, "dangling=")) {
                        _cleanup_strv_free_ char **users = NULL;
                        _cleanup_free_ char *data = volume_data_path(vs, v->name);
                        if (!data || volume_users(cs, data, &users) < 0)
                                return -ENOMEM;
                        if (!streq(val, "true") && !streq(val, "false") && !streq(val, "1") && !streq(val, "0"))
                                return -EINVAL;
                        ok = (!users) == (streq(val, "true") || streq(val, "1"));
                } else
                        return -EINVAL;
                if (!ok) {
                        *ret = false;
                        return 0;
                }
        }
        *ret = true;
        return 0;
}

static int volume_ls_cmd(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {{"help", no_argument, NULL, 'h'},
                                                {"format", required_argument, NULL, 'F'},
                                                {"quiet", no_argument, NULL, 'q'},
                                                {"filter", required_argument, NULL, 'f'},
                                                {}};
        _cleanup_(volume_store_freep) VolumeStore *vs = NULL;
        _cleanup_(container_store_freep) ContainerStore *cs = NULL;
        _cleanup_strv_free_ char **names = NULL, **filters = NULL;
        _cleanup_json_ json_object *arr = NULL;
        bool json = false, quiet = false;
        int c, r;

        if (want_help(argc, argv)) {
                fputs("Usage: skiff volume ls [OPTIONS]\n"
                      "\n"
                      "  -q, --quiet            Print the names only\n"
                      "      --format FMT       table (default) or json\n"
                      "  -f, --filter K=V       name=, label=K[=V], driver=, dangling=true|false (all must match)\n",
                      stdout);
                return 0;
        }
        while ((c = getopt_long(argc, argv, "qf:", options, NULL)) >= 0)
                switch (c) {
                case 'q':
                        quiet = true;
                        break;
                case 'F':
                        if (streq(optarg, "json"))
                                json = true;
                        else if (!streq(optarg, "table")) {
                                log_error("volume ls: invalid --format '%s': use json or table", optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case 'f':
                        if (!startswith(optarg, "name=") && !startswith(optarg, "label=") &&
                            !startswith(optarg, "driver=") && !startswith(optarg, "dangling=")) {
                                log_error("volume ls: --filter %s: unknown filter (name=, label=, driver=, "
                                          "dangling=)",
                                          optarg);
                                return EXIT_USAGE;
                        }
                        if (strv_extend(&filters, optarg) < 0)
                                return log_oom(), EXIT_STORE;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (optind < argc) {
                log_error("volume ls: unexpected argument '%s'", argv[optind]);
                return EXIT_USAGE;
        }
        if (open_volumes(ctx, "volume ls", &vs) < 0)
                return EXIT_STORE;
        if (filters && cli_open_store(ctx, "volume ls", &cs) < 0)
                return EXIT_STORE;
        r = volume_list(vs, &names);
        if (r < 0)
                return log_error_errno(r, "volume ls: list %s/volumes: %m", ctx->paths.root), EXIT_STORE;
        arr = json_object_new_array();
        if (!arr)
                return log_oom(), EXIT_STORE;
        if (!json && !quiet)
                printf("%-10s %s\n", "DRIVER", "VOLUME NAME");
        for (char **n = names; n && *n; n++) {
                _cleanup_(volume_freep) Volume *v = NULL;
                _cleanup_free_ char *data = NULL;
                json_object *o = NULL;
                bool ok;

                if (volume_load(vs, *n, &v) < 0)
                        continue; /* removed meanwhile, or a broken record: inspect says which */
                r = filter_match(vs, cs, v, filters, &ok);
                if (r < 0) {
                        log_error("volume ls: --filter: %s", r == -EINVAL ? "dangling= takes true or false"
                                                                          : strerror(-r));
                        return EXIT_USAGE;
                }
                if (!ok)
                        continue;
                if (quiet && !json)
                        puts(v->name);
                else if (!json)
                        printf("%-10s %s\n", v->driver ?: "local", v->name);
                else {
                        data = volume_data_path(vs, v->name);
                        if (!data || volume_to_json(v, data, &o) < 0 || json_array_add(arr, o) < 0)
                                return log_oom(), EXIT_STORE;
                }
        }
        if (json)
                print_json(arr);
        return 0;
}

static int volume_inspect_cmd(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {{"help", no_argument, NULL, 'h'},
                                                {"format", required_argument, NULL, 'f'},
                                                {"all", no_argument, NULL, 'a'},
                                                {}};
        _cleanup_(volume_store_freep) VolumeStore *vs = NULL;
        _cleanup_strv_free_ char **all = NULL;
        _cleanup_json_ json_object *arr = NULL;
        char **names;
        bool want_all = false;
        int c, r, ret = 0;

        if (want_help(argc, argv)) {
                fputs("Usage: skiff volume inspect [OPTIONS] NAME...\n"
                      "\n"
                      "  -f, --format json   The output format (json, the only one)\n"
                      "  -a, --all           Inspect every volume\n",
                      stdout);
                return 0;
        }
        while ((c = getopt_long(argc, argv, "f:a", options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        if (!streq(optarg, "json")) {
                                log_error("volume inspect: invalid --format '%s': only json is supported", optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case 'a':
                        want_all = true;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (!want_all && optind >= argc) {
                log_error("volume inspect: give at least one volume, or --all");
                return EXIT_USAGE;
        }
        if (open_volumes(ctx, "volume inspect", &vs) < 0)
                return EXIT_STORE;
        if (want_all) {
                r = volume_list(vs, &all);
                if (r < 0)
                        return log_error_errno(r, "volume inspect: list volumes: %m"), EXIT_STORE;
                names = all;
        } else
                names = argv + optind;
        arr = json_object_new_array();
        if (!arr)
                return log_oom(), EXIT_STORE;
        for (char **n = names; n && *n; n++) {
                _cleanup_(volume_freep) Volume *v = NULL;
                _cleanup_free_ char *data = NULL;
                json_object *o = NULL;

                r = volume_load(vs, *n, &v);
                if (r < 0) {
                        if (r == -ENOENT)
                                log_error("volume inspect %s: no such volume", *n);
                        else
                                log_error_errno(r, "volume inspect %s: read %s/volumes/%s/volume.json: %m", *n,
                                                ctx->paths.root, *n);
                        ret = r == -ENOENT ? EXIT_USAGE : EXIT_STORE;
                        continue;
                }
                data = volume_data_path(vs, v->name);
                if (!data || volume_to_json(v, data, &o) < 0 || json_array_add(arr, o) < 0)
                        return log_oom(), EXIT_STORE;
        }
        print_json(arr);
        return ret;
}

/* Removes one volume; with force the containers using it first. Returns 0 or an exit status. */
static int remove_one(VolumeStore *vs, ContainerStore *cs, const char *name, bool force, bool quiet_missing) {
        _cleanup_(volume_freep) Volume *v = NULL;
        _cleanup_strv_free_ char **users = NULL;
        _cleanup_free_ char *data = NULL;
        int r;

        r = volume_load(vs, name, &v);
        if (r == -ENOENT) {
                if (quiet_missing)
                        return 0;
                log_error("volume rm %s: no such volume", name);
                return EXIT_USAGE;
        }
        if (r < 0)
                return log_error_errno(r, "volume rm %s: read its record: %m", name), EXIT_STORE;
        data = volume_data_path(vs, name);
        if (!data)
                return log_oom(), EXIT_STORE;
        r = volume_users(cs, data, &users);
        if (r < 0)
                return log_error_errno(r, "volume rm %s: find the containers using it: %m", name), EXIT_STORE;
        if (users && !force) {
                _cleanup_(container_config_freep) ContainerConfig *c = NULL;
                (void) container_config_load(cs, users[0], &c);
                log_error("volume rm %s: in use by container %s (%.12s)%s; remove it first or use -f", name,
                          c && c->name ? c->name : "?", users[0],
                          strv_length(users) > 1 ? " and others" : "");
                return 2; /* podman's exit status for a volume in use */
        }
        for (char **id = users; id && *id; id++) {
                _cleanup_free_ char *err = NULL;
                r = cli_container_force_remove(cs, *id, -1, &err);
                if (r < 0 && r != -ENOENT) {
                        log_error("volume rm %s: remove container %.12s using it: %s", name, *id,
                                  err ?: strerror(-r));
                        return EXIT_STORE;
                }
        }
        r = volume_remove(vs, name);
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "volume rm %s: remove %s: %m", name, data), EXIT_STORE;
        puts(name);
        return 0;
}

static int volume_rm_cmd(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {{"help", no_argument, NULL, 'h'},
                                                {"force", no_argument, NULL, 'f'},
                                                {"all", no_argument, NULL, 'a'},
                                                {"time", required_argument, NULL, 't'},
                                                {}};
        _cleanup_(volume_store_freep) VolumeStore *vs = NULL;
        _cleanup_(container_store_freep) ContainerStore *cs = NULL;
        _cleanup_strv_free_ char **all = NULL;
        bool force = false, want_all = false;
        char **names;
        int c, r, ret = 0;

        if (want_help(argc, argv)) {
                fputs("Usage: skiff volume rm [OPTIONS] NAME...\n"
                      "\n"
                      "Remove volumes. A volume a container uses is refused (exit 2) unless -f, which\n"
                      "stops and removes those containers first.\n"
                      "\n"
                      "  -f, --force     Remove the containers using the volume too\n"
                      "  -a, --all       Remove every volume\n"
                      "  -t, --time N    Accepted for podman compatibility\n",
                      stdout);
                return 0;
        }
        while ((c = getopt_long(argc, argv, "fat:", options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        force = true;
                        break;
                case 'a':
                        want_all = true;
                        break;
                case 't':
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (want_all == (optind < argc)) {
                log_error("volume rm: give at least one volume, or --all (not both)");
                return EXIT_USAGE;
        }
        if (open_volumes(ctx, "volume rm", &vs) < 0 || cli_open_store(ctx, "volume rm", &cs) < 0)
                return EXIT_STORE;
        if (want_all) {
                r = volume_list(vs, &all);
                if (r < 0)
                        return log_error_errno(r, "volume rm: list volumes: %m"), EXIT_STORE;
                names = all;
        } else
                names = argv + optind;
        for (char **n = names; n && *n; n++) {
                r = remove_one(vs, cs, *n, force, want_all);
                if (r != 0 && (ret == 0 || r == 2))
                        ret = r;
        }
        return ret;
}

static int volume_prune_cmd(SkiffContext *ctx, int argc, char *argv[]) {
        static const struct option options[] = {{"help", no_argument, NULL, 'h'},
                                                {"force", no_argument, NULL, 'f'},
                                                {"filter", required_argument, NULL, 'F'},
                                                {}};
        _cleanup_(volume_store_freep) VolumeStore *vs = NULL;
        _cleanup_(container_store_freep) ContainerStore *cs = NULL;
        _cleanup_strv_free_ char **names = NULL, **filters = NULL;
        int c, r, ret = 0;

        if (want_help(argc, argv)) {
                fputs("Usage: skiff volume prune [OPTIONS]\n"
                      "\n"
                      "Remove every volume no container (running or not) uses; prints their names.\n"
                      "\n"
                      "  -f, --force        Do not ask (skiff never asks)\n"
                      "      --filter K=V   Only volumes matching: name=, label=K[=V], driver=\n",
                      stdout);
                return 0;
        }
        while ((c = getopt_long(argc, argv, "f", options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        break;
                case 'F':
                        if (!startswith(optarg, "name=") && !startswith(optarg, "label=") &&
                            !startswith(optarg, "driver=")) {
                                log_error("volume prune: --filter %s: unknown filter (name=, label=, driver=)",
                                          optarg);
                                return EXIT_USAGE;
                        }
                        if (strv_extend(&filters, optarg) < 0)
                                return log_oom(), EXIT_STORE;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (optind < argc) {
                log_error("volume prune: unexpected argument '%s'", argv[optind]);
                return EXIT_USAGE;
        }
        if (open_volumes(ctx, "volume prune", &vs) < 0 || cli_open_store(ctx, "volume prune", &cs) < 0)
                return EXIT_STORE;
        r = volume_list(vs, &names);
        if (r < 0)
                return log_error_errno(r, "volume prune: list volumes: %m"), EXIT_STORE;
        for (char **n = names; n && *n; n++) {
                _cleanup_(volume_freep) Volume *v = NULL;
                _cleanup_strv_free_ char **users = NULL;
                _cleanup_free_ char *data = NULL;
                bool ok;

                if (volume_load(vs, *n, &v) < 0)
                        continue;
                if (filter_match(vs, cs, v, filters, &ok) < 0 || !ok)
                        continue;
                data = volume_data_path(vs, *n);
                if (!data)
                        return log_oom(), EXIT_STORE;
                r = volume_users(cs, data, &users);
                if (r < 0) {
                        log_error_errno(r, "volume prune: %s: find the containers using it: %m", *n);
                        ret = EXIT_STORE;
                        continue;
                }
                if (users)
                        continue;
                r = volume_remove(vs, *n);
                if (r < 0 && r != -ENOENT) {
                        log_error_errno(r, "volume prune: remove %s: %m", *n);
                        ret = EXIT_STORE;
                        continue;
                }
                puts(*n);
        }
        return ret;
}

static int volume_exists_cmd(SkiffContext *ctx, int argc, char *argv[]) {
        _cleanup_(volume_store_freep) VolumeStore *vs = NULL;
        _cleanup_(volume_freep) Volume *v = NULL;

        if (want_help(argc, argv)) {
                fputs("Usage: skiff volume exists NAME\n\nExit 0 when the volume exists, 1 when not.\n", stdout);
                return 0;
        }
        if (argc != 2) {
                log_error("volume exists: give exactly one volume");
                return EXIT_STORE;
        }
        if (open_volumes(ctx, "volume exists", &vs) < 0)
                return EXIT_STORE;
        return volume_load(vs, argv[1], &v) >= 0 ? 0 : 1;
}

int verb_volume(SkiffContext *ctx, int argc, char *argv[]) {
        const char *sub;

        if (argc < 2) {
                volume_usage(stderr);
                return EXIT_USAGE;
        }
        sub = argv[1];
        if (streq(sub, "--help") || streq(sub, "-h") || streq(sub, "help")) {
                volume_usage(stdout);
                return 0;
        }
        argc--;
        argv++;
        optind = 0;
        if (streq(sub, "create"))
                return volume_create_cmd(ctx, argc, argv);
        if (streq(sub, "ls") || streq(sub, "list"))
                return volume_ls_cmd(ctx, argc, argv);
        if (streq(sub, "inspect"))
                return volume_inspect_cmd(ctx, argc, argv);
        if (streq(sub, "rm") || streq(sub, "remove"))
                return volume_rm_cmd(ctx, argc, argv);
        if (streq(sub, "prune"))
                return volume_prune_cmd(ctx, argc, argv);
        if (streq(sub, "exists"))
                return volume_exists_cmd(ctx, argc, argv);
        log_error("volume: unknown command '%s'. See 'skiff volume --help'.", sub);
        return EXIT_USAGE;
}
