/* skiff image load / save: oci-archive, docker-archive and OCI layout directories. */

#include "image/image-archive.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <json-c/json.h>

#include "common/fileio.h"
#include "common/json-util.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "image/reference.h"
#include "image/store-internal.h"

#define COPY_BUFFER_SIZE (128U * 1024U)
#define SYMLINK_HOPS_MAX 8

static struct archive *archive_read_free_p(struct archive *a) {
        archive_read_free(a);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free_p);
static struct archive *archive_write_free_p(struct archive *a) {
        archive_write_free(a);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_write_free_p);
DEFINE_VOID_CLEANUP_FUNC(json_tokener *, json_tokener_free);
DEFINE_VOID_CLEANUP_FUNC(struct archive_entry *, archive_entry_free);

void loaded_images_free(LoadedImage *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                strv_free(l[i].names);
        free(l);
}

void docker_archive_entries_free(DockerArchiveEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(e[i].config);
                strv_free(e[i].repo_tags);
                strv_free(e[i].layers);
        }
        free(e);
}

/* A path inside an archive: relative, no "..", no empty name. */
static bool archive_path_ok(const char *p) {
        if (!p || !*p || p[0] == '/' || strlen(p) > PATH_MAX)
                return false;
        for (const char *c = p; *c;) {
                size_t n = strcspn(c, "/");

                if (n == 2 && c[0] == '.' && c[1] == '.')
                        return false;
                c += n;
                if (*c)
                        c++;
        }
        return true;
}

static json_object *json_parse_all(const char *data, size_t len) {
        _cleanup_(json_tokener_freep) json_tokener *tok = json_tokener_new();
        json_object *o;

        if (!tok || len > INT32_MAX)
                return NULL;
        o = json_tokener_parse_ex(tok, data, (int) len);
        if (o
            && (json_tokener_get_error(tok) != json_tokener_success
                || json_tokener_get_parse_end(tok) < len)) {
                /* Trailing whitespace is fine; anything else is not one JSON document. */
                size_t end = json_tokener_get_parse_end(tok);

                while (end < len && strchr(" \t\r\n", data[end]))
                        end++;
                if (end < len || json_tokener_get_error(tok) != json_tokener_success) {
                        json_object_put(o);
                        return NULL;
                }
        }
        return o;
}

static int parse_strv_field(json_object *o, const char *key, bool paths, char ***ret, size_t idx,
                            char **reterr) {
        json_object *v;
        size_t n;

        *ret = NULL;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_array))
                return store_error(reterr, -EBADMSG, "manifest.json: [%zu].%s: not an array", idx, key);
        n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(v, i);
                const char *s;

                if (!json_object_is_type(e, json_type_string))
                        return store_error(reterr, -EBADMSG, "manifest.json: [%zu].%s[%zu]: not a string",
                                           idx, key, i);
                s = json_object_get_string(e);
                if (paths && !archive_path_ok(s))
                        return store_error(reterr, -EBADMSG,
                                           "manifest.json: [%zu].%s[%zu]: invalid path \"%.200s\"", idx, key,
                                           i, s);
                if (strv_extend(ret, s) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int docker_archive_manifest_parse(const char *data, size_t len, DockerArchiveEntry **ret, size_t *ret_n,
                                  char **reterr) {
        _cleanup_json_ json_object *root = NULL;
        DockerArchiveEntry *entries;
        size_t n;
        int r;

        root = json_parse_all(data, len);
        if (!root)
                return store_error(reterr, -EBADMSG, "manifest.json: not valid JSON");
        if (!json_object_is_type(root, json_type_array))
                return store_error(reterr, -EBADMSG, "manifest.json: not an array");
        n = json_object_array_length(root);
        if (n == 0)
                return store_error(reterr, -EBADMSG, "manifest.json: no images");
        entries = calloc(n, sizeof(*entries));
        if (!entries)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(root, i), *v;
                const char *cfg;

                if (!json_object_is_type(o, json_type_object)) {
                        r = store_error(reterr, -EBADMSG, "manifest.json: [%zu]: not an object", i);
                        goto fail;
                }
                if (!json_object_object_get_ex(o, "Config", &v)
                    || !json_object_is_type(v, json_type_string)) {
                        r = store_error(reterr, -EBADMSG,
                                        "manifest.json: [%zu].Config: missing or not a string", i);
                        goto fail;
                }
                cfg = json_object_get_string(v);
                if (!archive_path_ok(cfg)) {
                        r = store_error(reterr, -EBADMSG,
                                        "manifest.json: [%zu].Config: invalid path \"%.200s\"", i, cfg);
                        goto fail;
                }
                entries[i].config = strdup(cfg);
                if (!entries[i].config) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = parse_strv_field(o, "RepoTags", false, &entries[i].repo_tags, i, reterr);
                if (r < 0)
                        goto fail;
                STRV_FOREACH(t, entries[i].repo_tags) {
                        _cleanup_image_ref_ ImageRef *ref = NULL;
                        const char *why = NULL;

                        if (image_ref_parse(*t, &ref, &why) < 0) {
                                r = store_error(reterr, -EBADMSG,
                                                "manifest.json: [%zu].RepoTags: \"%.200s\": %s", i, *t,
                                                why ?: "invalid");
                                goto fail;
                        }
                }
                r = parse_strv_field(o, "Layers", true, &entries[i].layers, i, reterr);
                if (r < 0)
                        goto fail;
        }
        *ret = entries;
        *ret_n = n;
        return 0;
fail:
        docker_archive_entries_free(entries, n);
        return r;
}

/* ---- Loading -------------------------------------------------------------------------------- */

typedef struct FileBlob {
        char *path;
        char *link;                      /* symlink target (resolved to an archive path), or NULL */
        char digest[DIGEST_STRING_SIZE]; /* stored content */
        int64_t size;
} FileBlob;

typedef struct Loader {
        ImageStore *s;
        const char *label;    /* the source as the user wrote it, for messages */
        int dir_fd;           /* an OCI layout directory, or -EBADF for an archive */
        const char *ref_name; /* oci:DIR:NAME */
        char *index_json, *manifest_json;
        size_t index_len, manifest_len;
        FileBlob *files;
        size_t n_files;
        LoadedImage *out;
        size_t n_out;
        char *buf;
} Loader;

static void loader_done(Loader *l) {
        for (size_t i = 0; i < l->n_files; i++) {
                free(l->files[i].path);
                free(l->files[i].link);
        }
        free(l->files);
        free(l->index_json);
        free(l->manifest_json);
        free(l->buf);
        if (l->dir_fd >= 0)
                close(l->dir_fd);
        loaded_images_free(l->out, l->n_out);
}

static int loader_error(Loader *l, char **reterr, int r) {
        /* Prefix a store message with the source: "FILE: blob sha256:…: digest mismatch". */
        if (reterr && *reterr) {
                char *m;

                if (asprintf(&m, "%s: %s", l->label, *reterr) >= 0) {
                        free(*reterr);
                        *reterr = m;
                }
        }
        return r;
}

static int add_file(Loader *l, const char *path, const char *link, const char *digest, int64_t size) {
        FileBlob *p = reallocarray(l->files, l->n_files + 1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        l->files = p;
        p = &l->files[l->n_files];
        *p = (FileBlob){.path = strdup(path), .link = link ? strdup(link) : NULL, .size = size};
        if (!p->path || (link && !p->link)) {
                free(p->path);
                free(p->link);
                return -ENOMEM;
        }
        if (digest)
                snprintf(p->digest, sizeof(p->digest), "%s", digest);
        l->n_files++;
        return 0;
}

/* Streams the current tar entry into a blob. */
static int stream_entry(Loader *l, struct archive *a, const char *expected, int64_t size,
                        char digest[static DIGEST_STRING_SIZE], char **reterr) {
        _cleanup_(blob_writer_freep) BlobWriter *w = NULL;
        int r;

        r = blob_writer_begin(l->s, expected, size, 0, &w, reterr);
        if (r == -EEXIST) {
                snprintf(digest, DIGEST_STRING_SIZE, "%s", expected);
                if (archive_read_data_skip(a) != ARCHIVE_OK)
                        return store_error(reterr, -EBADMSG, "blob %s: read: %s", expected,
                                           archive_error_string(a) ?: "corrupt archive");
                return 0;
        }
        if (r < 0)
                return r;
        for (;;) {
                la_ssize_t n = archive_read_data(a, l->buf, COPY_BUFFER_SIZE);

                if (n < 0)
                        return store_error(reterr, -EBADMSG, "blob %s: read: %s", expected ?: "(unnamed)",
                                           archive_error_string(a) ?: "corrupt archive");
                if (n == 0)
                        break;
                r = blob_writer_write(w, l->buf, (size_t) n, reterr);
                if (r < 0)
                        return r;
        }
        return blob_writer_commit(w, digest, reterr);
}

static int read_entry(struct archive *a, const char *name, char **ret, size_t *ret_len, char **reterr) {
        StrBuf sb = STRBUF_INIT;
        char buf[16384];

        for (;;) {
                la_ssize_t n = archive_read_data(a, buf, sizeof(buf));

                if (n < 0) {
                        strbuf_release(&sb);
                        return store_error(reterr, -EBADMSG, "%s: read: %s", name,
                                           archive_error_string(a) ?: "corrupt");
                }
                if (n == 0)
                        break;
                if (sb.len + (size_t) n > MANIFEST_SIZE_MAX) {
                        strbuf_release(&sb);
                        return store_error(reterr, -EBADMSG, "%s: larger than %u bytes", name,
                                           MANIFEST_SIZE_MAX);
                }
                strbuf_add(&sb, buf, (size_t) n);
        }
        *ret_len = sb.len;
        *ret = strbuf_detach(&sb);
        return *ret ? 0 : -ENOMEM;
}

static char *clean_archive_path(const char *p) {
        while (startswith(p, "./"))
                p += 2;
        while (*p == '/')
                p++;
        return strdup(p);
}

/* Resolves a symlink target relative to the link's directory, within the archive. */
static char *resolve_link(const char *path, const char *target) {
        const char *slash = strrchr(path, '/');
        _cleanup_strv_free_ char **parts = NULL;
        _cleanup_free_ char *joined = NULL;
        char *save = NULL, *tok;

        if (target[0] == '/')
                joined = strdup(target + 1);
        else if (asprintf(&joined, "%.*s%s", slash ? (int) (slash - path + 1) : 0, path, target) < 0)
                joined = NULL;
        if (!joined)
                return NULL;
        for (tok = strtok_r(joined, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
                size_t n = strv_length(parts);

                if (streq(tok, "."))
                        continue;
                if (streq(tok, "..")) {
                        if (n == 0)
                                return NULL; /* out of the archive */
                        free(parts[n - 1]);
                        parts[n - 1] = NULL;
                        continue;
                }
                if (strv_extend(&parts, tok) < 0)
                        return NULL;
        }
        return parts ? strv_join(parts, "/") : NULL;
}

static int load_tar_stream(Loader *l, int fd, char **reterr) {
        _cleanup_(archive_read_free_pp) struct archive *a = archive_read_new();
        struct archive_entry *e;
        int r;

        if (!a)
                return -ENOMEM;
        archive_read_support_filter_all(a);
        archive_read_support_format_tar(a);
        if (archive_read_open_fd(a, fd, COPY_BUFFER_SIZE) != ARCHIVE_OK)
                return store_error(reterr, -EBADMSG, "not an image archive: %s",
                                   archive_error_string(a) ?: "unreadable");
        for (;;) {
                _cleanup_free_ char *path = NULL;
                const char *hex, *base;
                char digest[DIGEST_STRING_SIZE];

                r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return store_error(reterr, -EBADMSG, "not an image archive: %s",
                                           archive_error_string(a) ?: "corrupt tar");
                if (!archive_entry_pathname(e))
                        continue;
                path = clean_archive_path(archive_entry_pathname(e));
                if (!path)
                        return -ENOMEM;
                base = strrchr(path, '/');
                base = base ? base + 1 : path;

                if (archive_entry_filetype(e) == AE_IFLNK) {
                        /* docker save links repeated layers to the first copy */
                        _cleanup_free_ char *t = resolve_link(path, strempty(archive_entry_symlink(e)));

                        if (t && add_file(l, path, t, NULL, -1) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (archive_entry_hardlink(e)) {
                        _cleanup_free_ char *t = clean_archive_path(archive_entry_hardlink(e));

                        if (!t || add_file(l, path, t, NULL, -1) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (archive_entry_filetype(e) != AE_IFREG)
                        continue;

                if (streq(path, "index.json")) {
                        free(l->index_json);
                        r = read_entry(a, path, &l->index_json, &l->index_len, reterr);
                } else if (streq(path, "manifest.json")) {
                        free(l->manifest_json);
                        r = read_entry(a, path, &l->manifest_json, &l->manifest_len, reterr);
                } else if (startswith(path, "blobs/")) {
                        _cleanup_free_ char *d = NULL;
                        const char *alg = path + strlen("blobs/"), *slash = strchr(alg, '/');

                        if (!slash || strchr(slash + 1, '/'))
                                continue;
                        if (asprintf(&d, "%.*s:%s", (int) (slash - alg), alg, slash + 1) < 0)
                                return -ENOMEM;
                        r = store_check_digest(d, path, &hex, reterr);
                        if (r < 0)
                                return r;
                        r = stream_entry(l, a, d, archive_entry_size(e), digest, reterr);
                        if (r >= 0)
                                r = add_file(l, path, NULL, digest, archive_entry_size(e));
                } else if (endswith(path, ".tar") || endswith(path, ".tar.gz") || endswith(path, ".tar.zst")
                           || (endswith(path, ".json") && !streq(base, "json"))) {
                        _cleanup_free_ char *d = NULL;

                        /* docker save names a config by its digest: check that too. */
                        if (endswith(base, ".json") && strlen(base) == DIGEST_SHA256_HEX_LEN + 5
                            && asprintf(&d, "sha256:%.64s", base) >= 0 && !digest_is_valid(d)) {
                                free(d);
                                d = NULL;
                        }
                        r = stream_entry(l, a, d, archive_entry_size(e), digest, reterr);
                        if (r >= 0)
                                r = add_file(l, path, NULL, digest, archive_entry_size(e));
                } else
                        continue; /* oci-layout, repositories, legacy <id>/json and VERSION */
                if (r < 0)
                        return r;
        }
        return 0;
}

static const FileBlob *find_file(Loader *l, const char *path) {
        for (unsigned hop = 0; hop < SYMLINK_HOPS_MAX; hop++) {
                const FileBlob *f = NULL;

                for (size_t i = 0; i < l->n_files; i++)
                        if (streq(l->files[i].path, path))
                                f = &l->files[i];
                if (!f || !f->link)
                        return f;
                path = f->link;
        }
        return NULL;
}

/* Makes sure a blob named in a document is in the store: from the layout directory when loading one,
 * otherwise it must have come with the archive. */
static int ensure_blob(Loader *l, const char *digest, int64_t size, char **reterr) {
        _cleanup_(blob_writer_freep) BlobWriter *w = NULL;
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *hex;
        int r;

        r = image_store_has_blob(l->s, digest, reterr);
        if (r != 0)
                return r < 0 ? r : 0;
        if (l->dir_fd < 0)
                return store_error(reterr, -EBADMSG, "blob %s: missing from the archive", digest);
        r = store_check_digest(digest, "blob", &hex, reterr);
        if (r < 0)
                return r;
        if (asprintf(&path, "blobs/sha256/%s", hex) < 0)
                return -ENOMEM;
        fd = openat(l->dir_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return store_error(reterr, errno == ENOENT ? -EBADMSG : -errno, "blob %s: %s", digest,
                                   errno == ENOENT ? "missing from the layout" : strerror(errno));
        r = blob_writer_begin(l->s, digest, size, 0, &w, reterr);
        if (r == -EEXIST)
                return 0;
        if (r < 0)
                return r;
        for (;;) {
                ssize_t n = read(fd, l->buf, COPY_BUFFER_SIZE);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return store_error(reterr, -errno, "blob %s: read: %m", digest);
                }
                if (n == 0)
                        break;
                r = blob_writer_write(w, l->buf, (size_t) n, reterr);
                if (r < 0)
                        return r;
        }
        return blob_writer_commit(w, NULL, reterr);
}

static int add_loaded(Loader *l, const char *id, char **names) {
        LoadedImage *p = reallocarray(l->out, l->n_out + 1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        l->out = p;
        p = &l->out[l->n_out++];
        snprintf(p->id, sizeof(p->id), "%s", id);
        p->names = names;
        return 0;
}

static int import_manifest(Loader *l, const char *digest, int64_t size, char **names, char **reterr) {
        _cleanup_(manifest_freep) Manifest *m = NULL;
        _cleanup_(image_config_freep) ImageConfig *cfg = NULL;
        _cleanup_(diag_freep) Diag *diag = NULL;
        _cleanup_free_ char *mdata = NULL, *cdata = NULL;
        char id[DIGEST_SHA256_HEX_LEN + 1];
        size_t mlen, clen;
        int r;

        r = ensure_blob(l, digest, size, reterr);
        if (r < 0)
                return r;
        r = image_store_read_blob(l->s, digest, 0, &mdata, &mlen, reterr);
        if (r < 0)
                return r;
        r = manifest_parse(mdata, mlen, &m, &diag);
        if (r < 0) {
                _cleanup_free_ char *msg = diag ? diag_format(diag) : NULL;
                return store_error(reterr, r, "manifest %s: %s", digest, msg ?: strerror(-r));
        }
        r = ensure_blob(l, m->config.digest, m->config.size, reterr);
        if (r < 0)
                return r;
        r = image_store_read_blob(l->s, m->config.digest, 0, &cdata, &clen, reterr);
        if (r < 0)
                return r;
        r = image_config_parse(cdata, clen, &cfg, &diag);
        if (r < 0) {
                _cleanup_free_ char *msg = diag ? diag_format(diag) : NULL;
                return store_error(reterr, r, "config %s: %s", m->config.digest, msg ?: strerror(-r));
        }
        if (strv_length(cfg->diff_ids) != m->n_layers)
                return store_error(reterr, -EBADMSG,
                                   "manifest %s: %zu layers but the config has %zu diff_ids", digest,
                                   m->n_layers, strv_length(cfg->diff_ids));
        for (size_t i = 0; i < m->n_layers; i++) {
                r = ensure_blob(l, m->layers[i].digest, m->layers[i].size, reterr);
                if (r < 0)
                        return r;
                r = image_store_layer_ensure(l->s, m->layers[i].digest, m->layers[i].media_type,
                                             cfg->diff_ids[i], NULL, NULL, reterr);
                if (r < 0)
                        return r;
        }
        r = image_store_image_commit(l->s, digest, names, id, reterr);
        if (r < 0)
                return r;
        return add_loaded(l, id, names);
}

static int host_platform(char **ret_arch) {
        struct utsname u;

        if (uname(&u) < 0)
                return -errno;
        *ret_arch = strdup(u.machine);
        return *ret_arch ? 0 : -ENOMEM;
}

static const char *descriptor_name(json_object *desc) {
        json_object *ann, *v;

        if (!json_object_object_get_ex(desc, "annotations", &ann)
            || !json_object_is_type(ann, json_type_object))
                return NULL;
        /* docker and buildkit write the full name here (podman reads it first too) */
        if (json_object_object_get_ex(ann, "io.containerd.image.name", &v)
            && json_object_is_type(v, json_type_string) && *json_object_get_string(v))
                return json_object_get_string(v);
        if (json_object_object_get_ex(ann, "org.opencontainers.image.ref.name", &v)
            && json_object_is_type(v, json_type_string) && *json_object_get_string(v))
                return json_object_get_string(v);
        return NULL;
}

static const char *descriptor_ref_name(json_object *desc) {
        json_object *ann, *v;

        if (json_object_object_get_ex(desc, "annotations", &ann)
            && json_object_object_get_ex(ann, "org.opencontainers.image.ref.name", &v)
            && json_object_is_type(v, json_type_string))
                return json_object_get_string(v);
        return NULL;
}

static int import_descriptor(Loader *l, const ManifestDescriptor *d, const char *name, char **reterr) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *data = NULL, *arch = NULL;
        _cleanup_(manifest_index_freep) ManifestIndex *idx = NULL;
        _cleanup_(diag_freep) Diag *diag = NULL;
        const ManifestDescriptor *sel;
        ManifestKind kind;
        size_t len;
        int r;

        if (name) {
                char *full = NULL;

                r = image_name_normalize(name, true, &full, reterr);
                if (r < 0)
                        return r;
                r = strv_consume(&names, full);
                if (r < 0)
                        return r;
        }
        r = ensure_blob(l, d->digest, d->size, reterr);
        if (r < 0)
                return r;
        r = image_store_read_blob(l->s, d->digest, 0, &data, &len, reterr);
        if (r < 0)
                return r;
        r = manifest_detect_kind(data, len, &kind, &diag);
        if (r < 0) {
                _cleanup_free_ char *msg = diag ? diag_format(diag) : NULL;
                return store_error(reterr, r == -EPROTONOSUPPORT ? -EOPNOTSUPP : r, "manifest %s: %s",
                                   d->digest, msg ?: strerror(-r));
        }
        if (kind == MANIFEST_KIND_IMAGE) {
                r = import_manifest(l, d->digest, d->size, names, reterr);
                if (r >= 0)
                        names = NULL; /* owned by l->out now */
                return r;
        }
        r = manifest_index_parse(data, len, &idx, &diag);
        if (r < 0) {
                _cleanup_free_ char *msg = diag ? diag_format(diag) : NULL;
                return store_error(reterr, r, "index %s: %s", d->digest, msg ?: strerror(-r));
        }
        r = host_platform(&arch);
        if (r < 0)
                return r;
        r = manifest_index_select(idx, "linux", arch, NULL, &sel);
        if (r < 0)
                return store_error(reterr, -EOPNOTSUPP, "index %s: no image for linux/%s", d->digest, arch);
        r = import_manifest(l, sel->digest, sel->size, names, reterr);
        if (r >= 0)
                names = NULL;
        return r;
}

static int import_oci_index(Loader *l, char **reterr) {
        _cleanup_(manifest_index_freep) ManifestIndex *idx = NULL;
        _cleanup_(diag_freep) Diag *diag = NULL;
        _cleanup_json_ json_object *root = NULL;
        json_object *arr = NULL;
        size_t matched = 0;
        int r;

        r = manifest_index_parse(l->index_json, l->index_len, &idx, &diag);
        if (r < 0) {
                _cleanup_free_ char *msg = diag ? diag_format(diag) : NULL;
                return store_error(reterr, r == -EOPNOTSUPP ? r : -EBADMSG, "index.json: %s",
                                   msg ?: strerror(-r));
        }
        root = json_parse_all(l->index_json, l->index_len);
        if (!root || !json_object_object_get_ex(root, "manifests", &arr)
            || json_object_array_length(arr) != idx->n_manifests)
                return store_error(reterr, -EBADMSG, "index.json: invalid");
        if (idx->n_manifests == 0)
                return store_error(reterr, -EBADMSG, "index.json: no images");
        for (size_t i = 0; i < idx->n_manifests; i++) {
                json_object *desc = json_object_array_get_idx(arr, i);
                const char *name = descriptor_name(desc);

                if (l->ref_name) {
                        if (!streq_ptr(descriptor_ref_name(desc), l->ref_name))
                                continue;
                        name = l->ref_name;
                }
                matched++;
                r = import_descriptor(l, &idx->manifests[i], name, reterr);
                if (r < 0)
                        return r;
        }
        if (l->ref_name && matched == 0)
                return store_error(reterr, -ENOENT, "no image named \"%s\" in the layout", l->ref_name);
        return 0;
}

static const char *sniff_layer_media_type(ImageStore *s, const char *digest) {
        _cleanup_close_ int fd = -EBADF;
        unsigned char m[4] = {};

        if (image_store_open_blob(s, digest, &fd, NULL, NULL) < 0
            || read(fd, m, sizeof(m)) != (ssize_t) sizeof(m))
                return MEDIA_TYPE_OCI_LAYER;
        if (m[0] == 0x1f && m[1] == 0x8b)
                return MEDIA_TYPE_OCI_LAYER_GZIP;
        if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
                return MEDIA_TYPE_OCI_LAYER_ZSTD;
        return MEDIA_TYPE_OCI_LAYER;
}

static int import_docker(Loader *l, char **reterr) {
        DockerArchiveEntry *entries = NULL;
        size_t n = 0;
        int r;

        r = docker_archive_manifest_parse(l->manifest_json, l->manifest_len, &entries, &n, reterr);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                _cleanup_(image_config_freep) ImageConfig *cfg = NULL;
                _cleanup_(diag_freep) Diag *diag = NULL;
                _cleanup_json_ json_object *m = NULL;
                _cleanup_free_ char *cdata = NULL;
                _cleanup_strv_free_ char **names = NULL;
                json_object *layers, *c;
                const FileBlob *f;
                const char *mtext;
                char mdigest[DIGEST_STRING_SIZE], id[DIGEST_SHA256_HEX_LEN + 1];
                size_t clen;

                f = find_file(l, entries[i].config);
                if (!f || !*f->digest) {
                        r = store_error(reterr, -EBADMSG,
                                        "manifest.json: [%zu].Config: \"%s\" is not in the archive", i,
                                        entries[i].config);
                        goto out;
                }
                r = image_store_read_blob(l->s, f->digest, 0, &cdata, &clen, reterr);
                if (r < 0)
                        goto out;
                r = image_config_parse(cdata, clen, &cfg, &diag);
                if (r < 0) {
                        _cleanup_free_ char *msg = diag ? diag_format(diag) : NULL;
                        r = store_error(reterr, r, "config %s: %s", entries[i].config, msg ?: strerror(-r));
                        goto out;
                }
                if (strv_length(cfg->diff_ids) != strv_length(entries[i].layers)) {
                        r = store_error(reterr, -EBADMSG,
                                        "manifest.json: [%zu]: %zu layers but the config has %zu diff_ids",
                                        i, strv_length(entries[i].layers), strv_length(cfg->diff_ids));
                        goto out;
                }

                /* An OCI manifest for the same config and layer bytes, so the store keeps one kind. */
                m = json_object_new_object();
                c = json_object_new_object();
                layers = json_object_new_array();
                if (!m || json_add_int(m, "schemaVersion", 2) < 0
                    || json_add_string(m, "mediaType", MEDIA_TYPE_OCI_MANIFEST) < 0
                    || json_add_object(m, "config", c) < 0
                    || json_add_string(c, "mediaType", MEDIA_TYPE_OCI_CONFIG) < 0
                    || json_add_string(c, "digest", f->digest) < 0
                    || json_add_int(c, "size", (int64_t) clen) < 0
                    || json_add_object(m, "layers", layers) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
                for (size_t k = 0; entries[i].layers[k]; k++) {
                        const FileBlob *lf = find_file(l, entries[i].layers[k]);
                        const char *mt;
                        json_object *d;
                        int64_t size;

                        if (!lf || !*lf->digest) {
                                r = store_error(
                                        reterr, -EBADMSG,
                                        "manifest.json: [%zu].Layers[%zu]: \"%s\" is not in the archive", i,
                                        k, entries[i].layers[k]);
                                goto out;
                        }
                        mt = sniff_layer_media_type(l->s, lf->digest);
                        r = image_store_layer_ensure(l->s, lf->digest, mt, cfg->diff_ids[k], NULL, NULL,
                                                     reterr);
                        if (r < 0)
                                goto out;
                        size = lf->size;
                        d = json_object_new_object();
                        if (json_array_add(layers, d) < 0 || json_add_string(d, "mediaType", mt) < 0
                            || json_add_string(d, "digest", lf->digest) < 0
                            || json_add_int(d, "size", size) < 0) {
                                r = -ENOMEM;
                                goto out;
                        }
                }
                mtext = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN
                                                                  | JSON_C_TO_STRING_NOSLASHESCAPE);
                r = image_store_put_blob(l->s, NULL, mtext, strlen(mtext), mdigest, reterr);
                if (r < 0)
                        goto out;
                STRV_FOREACH(t, entries[i].repo_tags) {
                        char *full = NULL;

                        /* podman (5.x) stores docker-archive short names under localhost/ too */
                        r = image_name_normalize(*t, true, &full, reterr);
                        if (r >= 0)
                                r = strv_consume(&names, full);
                        if (r < 0)
                                goto out;
                }
                r = image_store_image_commit(l->s, mdigest, names, id, reterr);
                if (r < 0)
                        goto out;
                r = add_loaded(l, id, names);
                if (r < 0)
                        goto out;
                names = NULL;
        }
        r = 0;
out:
        docker_archive_entries_free(entries, n);
        return r;
}

int image_archive_load(ImageStore *s, const char *source, LoadedImage **ret, size_t *ret_n, char **reterr) {
        _cleanup_(loader_done) Loader l = {.s = s, .label = source, .dir_fd = -EBADF};
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        enum { ANY, OCI_DIR, OCI_ARCHIVE, DOCKER_ARCHIVE } want = ANY;
        const char *p = source;
        struct stat st;
        int r;

        l.buf = malloc(COPY_BUFFER_SIZE);
        if (!l.buf)
                return -ENOMEM;
        if ((p = startswith(source, "oci:"))) {
                const char *colon = strchr(p, ':');

                want = OCI_DIR;
                path = colon ? strndup(p, (size_t) (colon - p)) : strdup(p);
                if (colon && colon[1])
                        l.ref_name = colon + 1;
        } else if ((p = startswith(source, "oci-archive:"))) {
                want = OCI_ARCHIVE;
                path = strdup(p);
        } else if ((p = startswith(source, "docker-archive:"))) {
                want = DOCKER_ARCHIVE;
                path = strdup(p);
        } else
                path = strdup(source);
        if (!path)
                return -ENOMEM;

        if (streq(path, "-") && want != OCI_DIR) {
                fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        return store_error(reterr, -errno, "%s: %m", source);
        } else {
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return store_error(reterr, errno == ENOENT ? -ENOENT : -errno, "%s: %m", path);
        }
        if (fstat(fd, &st) < 0)
                return store_error(reterr, -errno, "%s: %m", path);
        if (S_ISDIR(st.st_mode)) {
                if (want == OCI_ARCHIVE || want == DOCKER_ARCHIVE)
                        return store_error(reterr, -EINVAL, "%s: a directory, not an archive", path);
                l.dir_fd = TAKE_FD(fd);
                r = read_full_file_at(l.dir_fd, "index.json", MANIFEST_SIZE_MAX, &l.index_json,
                                      &l.index_len);
                if (r == -ENOENT)
                        return store_error(reterr, -EBADMSG, "%s: not an OCI layout (no index.json)", path);
                if (r < 0)
                        return store_error(reterr, r, "%s: index.json: %s", path, strerror(-r));
        } else {
                if (want == OCI_DIR)
                        return store_error(reterr, -EINVAL, "%s: not a directory", path);
                r = load_tar_stream(&l, fd, reterr);
                if (r < 0)
                        return loader_error(&l, reterr, r);
                if (want == DOCKER_ARCHIVE && !l.manifest_json)
                        return store_error(reterr, -EBADMSG, "%s: not a docker-archive (no manifest.json)",
                                           source);
                if (want == OCI_ARCHIVE && !l.index_json)
                        return store_error(reterr, -EBADMSG, "%s: not an oci-archive (no index.json)",
                                           source);
        }

        /* Docker ≥ 25 writes both; the OCI index carries the names and the original manifests. */
        if (l.index_json && want != DOCKER_ARCHIVE)
                r = import_oci_index(&l, reterr);
        else if (l.manifest_json)
                r = import_docker(&l, reterr);
        else
                r = store_error(reterr, -EBADMSG,
                                "not an image archive (neither index.json nor manifest.json)");
        if (r < 0)
                return loader_error(&l, reterr, r);
        *ret = TAKE_PTR(l.out);
        *ret_n = l.n_out;
        l.n_out = 0;
        return 0;
}

/* ---- Saving --------------------------------------------------------------------------------- */

static int write_entry(struct archive *a, const char *name, const void *data, size_t len, char **reterr) {
        _cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();

        if (!e)
                return -ENOMEM;
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t) len);
        archive_entry_set_mtime(e, 0, 0);
        if (archive_write_header(a, e) != ARCHIVE_OK
            || (len > 0 && archive_write_data(a, data, len) != (la_ssize_t) len))
                return store_error(reterr, -EIO, "write %s: %s", name, archive_error_string(a) ?: "failed");
        return 0;
}

static int write_blob_entry(ImageStore *s, struct archive *a, const char *digest, char *buf, char **reterr) {
        _cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int fd = -EBADF;
        int64_t size;
        int r;

        r = image_store_open_blob(s, digest, &fd, &size, reterr);
        if (r < 0)
                return r;
        if (!e || asprintf(&name, "blobs/sha256/%s", digest + 7) < 0)
                return -ENOMEM;
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, size);
        archive_entry_set_mtime(e, 0, 0);
        if (archive_write_header(a, e) != ARCHIVE_OK)
                return store_error(reterr, -EIO, "write %s: %s", name, archive_error_string(a) ?: "failed");
        for (int64_t done = 0; done < size;) {
                ssize_t n = read(fd, buf, COPY_BUFFER_SIZE);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return store_error(reterr, n < 0 ? -errno : -EIO, "blob %s: read: %s", digest,
                                           n < 0 ? strerror(errno) : "file shrank");
                if (archive_write_data(a, buf, (size_t) n) != n)
                        return store_error(reterr, -EIO, "write %s: %s", name,
                                           archive_error_string(a) ?: "failed");
                done += n;
        }
        return 0;
}

static const char *oci_media_type(const char *t) {
        if (streq_ptr(t, MEDIA_TYPE_DOCKER_LAYER_GZIP))
                return MEDIA_TYPE_OCI_LAYER_GZIP;
        if (streq_ptr(t, MEDIA_TYPE_DOCKER_CONFIG))
                return MEDIA_TYPE_OCI_CONFIG;
        if (streq_ptr(t, "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"))
                return "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
        return t;
}

int image_archive_save(ImageStore *s, const char *image, const char *name, const char *output,
                       char **reterr) {
        _cleanup_(store_image_freep) StoreImage *img = NULL;
        _cleanup_(manifest_freep) Manifest *m = NULL;
        _cleanup_(diag_freep) Diag *diag = NULL;
        _cleanup_(archive_write_free_pp) struct archive *a = NULL;
        _cleanup_json_ json_object *index = NULL, *om = NULL;
        _cleanup_free_ char *mdata = NULL, *tmp = NULL, *full = NULL, *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *mtext, *itext, *ref_name = name;
        char mdigest[DIGEST_STRING_SIZE];
        size_t mlen;
        int r;

        r = image_store_lookup(s, image, &img, reterr);
        if (r < 0)
                return r;
        if (!ref_name) {
                /* The name the user chose the image by, else its first. */
                if (image_name_normalize(image, false, &full, NULL) >= 0 && strv_contains(img->names, full))
                        ref_name = full;
                else if (img->names)
                        ref_name = img->names[0];
        }
        r = image_store_read_blob(s, img->digest, 0, &mdata, &mlen, reterr);
        if (r < 0)
                return r;
        r = manifest_parse(mdata, mlen, &m, &diag);
        if (r < 0) {
                _cleanup_free_ char *msg = diag ? diag_format(diag) : NULL;
                return store_error(reterr, r, "manifest %s: %s", img->digest, msg ?: strerror(-r));
        }
        if (streq_ptr(m->media_type, MEDIA_TYPE_OCI_MANIFEST) || !m->media_type) {
                mtext = mdata;
                memcpy(mdigest, img->digest, DIGEST_STRING_SIZE);
        } else {
                json_object *c, *layers;

                om = json_object_new_object();
                c = json_object_new_object();
                layers = json_object_new_array();
                if (!om || json_add_int(om, "schemaVersion", 2) < 0
                    || json_add_string(om, "mediaType", MEDIA_TYPE_OCI_MANIFEST) < 0
                    || json_add_object(om, "config", c) < 0
                    || json_add_string(c, "mediaType", oci_media_type(m->config.media_type)) < 0
                    || json_add_string(c, "digest", m->config.digest) < 0
                    || json_add_int(c, "size", m->config.size) < 0
                    || json_add_object(om, "layers", layers) < 0)
                        return -ENOMEM;
                for (size_t i = 0; i < m->n_layers; i++) {
                        json_object *d = json_object_new_object();

                        if (json_array_add(layers, d) < 0
                            || json_add_string(d, "mediaType", oci_media_type(m->layers[i].media_type)) < 0
                            || json_add_string(d, "digest", m->layers[i].digest) < 0
                            || json_add_int(d, "size", m->layers[i].size) < 0)
                                return -ENOMEM;
                }
                mtext = json_object_to_json_string_ext(om, JSON_C_TO_STRING_PLAIN
                                                                   | JSON_C_TO_STRING_NOSLASHESCAPE);
                r = digest_buffer(mtext, strlen(mtext), mdigest);
                if (r < 0)
                        return r;
        }
        mlen = strlen(mtext);

        {
                json_object *arr = json_object_new_array(), *d = json_object_new_object(), *ann;

                index = json_object_new_object();
                if (!index || json_add_int(index, "schemaVersion", 2) < 0
                    || json_add_string(index, "mediaType", MEDIA_TYPE_OCI_INDEX) < 0
                    || json_add_object(index, "manifests", arr) < 0 || json_array_add(arr, d) < 0
                    || json_add_string(d, "mediaType", MEDIA_TYPE_OCI_MANIFEST) < 0
                    || json_add_string(d, "digest", mdigest) < 0
                    || json_add_int(d, "size", (int64_t) mlen) < 0)
                        return -ENOMEM;
                if (ref_name) {
                        ann = json_object_new_object();
                        if (json_add_object(d, "annotations", ann) < 0
                            || json_add_string(ann, "org.opencontainers.image.ref.name", ref_name) < 0)
                                return -ENOMEM;
                }
                itext = json_object_to_json_string_ext(index, JSON_C_TO_STRING_PLAIN
                                                                      | JSON_C_TO_STRING_NOSLASHESCAPE);
        }

        if (streq(output, "-")) {
                fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        return -errno;
        } else {
                char rnd[17];
                uint64_t x = 0;

                if (getrandom(&x, sizeof(x), GRND_NONBLOCK) != sizeof(x))
                        x = (uint64_t) getpid() ^ (uint64_t) time(NULL);
                snprintf(rnd, sizeof(rnd), "%016llx", (unsigned long long) x);
                if (asprintf(&tmp, "%s.tmp-%s", output, rnd) < 0) {
                        tmp = NULL;
                        return -ENOMEM;
                }
                fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                if (fd < 0)
                        return store_error(reterr, -errno, "%s: %m", output);
        }
        buf = malloc(COPY_BUFFER_SIZE);
        a = archive_write_new();
        if (!buf || !a) {
                r = -ENOMEM;
                goto fail;
        }
        if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK
            || archive_write_open_fd(a, fd) != ARCHIVE_OK) {
                r = store_error(reterr, -EIO, "%s: %s", output, archive_error_string(a) ?: "cannot write");
                goto fail;
        }
        r = write_entry(a, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30, reterr);
        if (r >= 0)
                r = write_entry(a, "index.json", itext, strlen(itext), reterr);
        if (r >= 0) {
                _cleanup_free_ char *mname = NULL;

                if (asprintf(&mname, "blobs/sha256/%s", mdigest + 7) < 0)
                        r = -ENOMEM;
                else
                        r = write_entry(a, mname, mtext, mlen, reterr);
        }
        if (r >= 0)
                r = write_blob_entry(s, a, m->config.digest, buf, reterr);
        for (size_t i = 0; r >= 0 && i < m->n_layers; i++) {
                bool dup = false;

                for (size_t k = 0; k < i; k++)
                        dup = dup || streq(m->layers[k].digest, m->layers[i].digest);
                if (!dup)
                        r = write_blob_entry(s, a, m->layers[i].digest, buf, reterr);
        }
        if (r >= 0 && archive_write_close(a) != ARCHIVE_OK)
                r = store_error(reterr, -EIO, "%s: %s", output, archive_error_string(a) ?: "cannot write");
        if (r < 0)
                goto fail;
        if (tmp) {
                if (fsync(fd) < 0 || rename(tmp, output) < 0) {
                        r = store_error(reterr, -errno, "%s: %m", output);
                        goto fail;
                }
        }
        return 0;
fail:
        if (tmp)
                (void) unlink(tmp);
        return r;
}
