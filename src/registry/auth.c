/* auth.json lookup and --creds. */

#include "registry/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/base64.h"
#include "common/fileio.h"
#include "common/json-util.h"
#include "common/log.h"
#include "common/strv.h"

void registry_creds_done(RegistryCreds *c) {
        if (c->password)
                explicit_bzero(c->password, strlen(c->password));
        free(c->username);
        free(c->password);
        *c = (RegistryCreds){};
}

int registry_creds_parse(const char *s, RegistryCreds *ret) {
        const char *colon = strchr(s, ':');
        RegistryCreds c = {};

        if (!colon || colon == s)
                return -EINVAL;
        c.username = strndup(s, (size_t) (colon - s));
        c.password = strdup(colon + 1);
        if (!c.username || !c.password) {
                registry_creds_done(&c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

/* The key as podman normalises it: "https://index.docker.io/v1/" → "docker.io", "http://reg/" → "reg". */
static char *normalize_key(const char *key) {
        const char *k = key, *s;
        char *n;

        if ((s = startswith(k, "https://")) || (s = startswith(k, "http://"))) {
                /* a legacy docker key: only the host counts */
                n = strndup(s, strcspn(s, "/"));
        } else {
                n = strdup(k);
                if (n) {
                        size_t l = strlen(n);
                        while (l > 0 && n[l - 1] == '/')
                                n[--l] = 0;
                }
        }
        if (n && streq(n, "index.docker.io")) {
                free(n);
                n = strdup("docker.io");
        }
        return n;
}

static int decode_entry(json_object *entry, const char *filename, const char *key, RegistryCreds *ret,
                        Diag **reterr) {
        _cleanup_free_ char *plain = NULL, *path = NULL;
        json_object *auth;
        const char *s;
        size_t len = 0, bad = 0;
        RegistryCreds c = {};
        int r;

        if (asprintf(&path, "auths.\"%s\".auth", key) < 0)
                return -ENOMEM;
        if (!json_object_is_type(entry, json_type_object))
                return diag_set(reterr, -EBADMSG, filename, 0, 0, path, "expected an object for this key");
        if (!json_object_object_get_ex(entry, "auth", &auth))
                return 0; /* an entry with only an identity token or nothing: no basic credentials */
        if (!json_object_is_type(auth, json_type_string))
                return diag_set(reterr, -EBADMSG, filename, 0, 0, path, "expected a string");
        s = json_object_get_string(auth);
        if (isempty(s))
                return 0;
        r = base64_decode(s, strlen(s), &plain, &len, &bad);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return diag_set(reterr, -EBADMSG, filename, 0, 0, path, "invalid base64 at byte %zu", bad);
        if (memchr(plain, 0, len) || registry_creds_parse(plain, &c) < 0) {
                explicit_bzero(plain, len);
                return diag_set(reterr, -EBADMSG, filename, 0, 0, path,
                                "expected base64 of \"USER:PASSWORD\"");
        }
        explicit_bzero(plain, len);
        *ret = c;
        return 1;
}

int auth_json_lookup(const char *text, size_t len, const char *filename, const char *registry,
                     const char *repository, RegistryCreds *ret, Diag **reterr) {
        _cleanup_json_ json_object *root = NULL;
        _cleanup_free_ char *want = NULL;
        json_tokener *tok;
        json_object *auths;
        enum json_tokener_error jerr;
        ssize_t best_len = -1;
        json_object *best = NULL;
        const char *best_key = NULL;

        if (len > AUTH_FILE_MAX)
                return diag_set(reterr, -EBADMSG, filename, 0, 0, NULL, "file too large");
        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, text, (int) len);
        jerr = json_tokener_get_error(tok);
        if (root && (size_t) json_tokener_get_parse_end(tok) < len) {
                /* trailing garbage other than blanks */
                for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
                        if (!strchr(" \t\r\n", text[i])) {
                                jerr = json_tokener_error_parse_unexpected;
                                break;
                        }
        }
        json_tokener_free(tok);
        if (!root || jerr != json_tokener_success)
                return diag_set(reterr, -EBADMSG, filename, 0, 0, NULL, "invalid JSON: %s",
                                jerr == json_tokener_continue ? "unexpected end of input"
                                                              : json_tokener_error_desc(jerr));
        if (!json_object_is_type(root, json_type_object))
                return diag_set(reterr, -EBADMSG, filename, 0, 0, NULL, "expected a JSON object");
        if (!json_object_object_get_ex(root, "auths", &auths) || json_object_is_type(auths, json_type_null))
                return 0;
        if (!json_object_is_type(auths, json_type_object))
                return diag_set(reterr, -EBADMSG, filename, 0, 0, "auths", "expected an object");

        if (asprintf(&want, "%s/%s", registry, strempty(repository)) < 0)
                return -ENOMEM;
        /* The longest key that is want or a '/'-bounded prefix of it. */
        json_object_object_foreach(auths, key, val) {
                _cleanup_free_ char *k = normalize_key(key);
                size_t kl;

                if (!k)
                        return -ENOMEM;
                kl = strlen(k);
                if (strncmp(want, k, kl) != 0 || (want[kl] != 0 && want[kl] != '/'))
                        continue;
                /* a registry-only key matches the registry, not a longer host name */
                if ((ssize_t) kl > best_len) {
                        best_len = (ssize_t) kl;
                        best = val;
                        best_key = key;
                }
        }
        if (!best)
                return 0;
        return decode_entry(best, filename, best_key, ret, reterr);
}

int auth_file_paths(const char *authfile, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *env = secure_getenv("REGISTRY_AUTH_FILE"), *home = secure_getenv("HOME"),
                   *rt = secure_getenv("XDG_RUNTIME_DIR"), *cfg = secure_getenv("XDG_CONFIG_HOME");
        int r;

        if (!isempty(authfile) || !isempty(env)) {
                r = strv_extend(&l, !isempty(authfile) ? authfile : env);
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(l);
                return 0;
        }
        if (!isempty(rt))
                r = strv_extendf(&l, "%s/containers/auth.json", rt);
        else
                r = strv_extendf(&l, "/run/containers/%u/auth.json", (unsigned) getuid());
        if (r < 0)
                return r;
        if (!isempty(cfg) && *cfg == '/')
                r = strv_extendf(&l, "%s/containers/auth.json", cfg);
        else if (home)
                r = strv_extendf(&l, "%s/.config/containers/auth.json", home);
        if (r < 0)
                return r;
        if (home) {
                r = strv_extendf(&l, "%s/.docker/config.json", home);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int auth_lookup(const char *authfile, const char *registry, const char *repository, RegistryCreds *ret,
                Diag **reterr) {
        _cleanup_strv_free_ char **paths = NULL;
        bool explicit_file = !isempty(authfile) || !isempty(secure_getenv("REGISTRY_AUTH_FILE"));
        int r;

        r = auth_file_paths(authfile, &paths);
        if (r < 0)
                return r;
        STRV_FOREACH(p, paths) {
                _cleanup_free_ char *text = NULL;
                size_t size = 0;

                r = read_full_file_at(AT_FDCWD, *p, AUTH_FILE_MAX, &text, &size);
                if (r == -ENOENT && !explicit_file)
                        continue;
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return diag_set(reterr, r, *p, 0, 0, NULL, "cannot read: %s", strerror(-r));
                r = auth_json_lookup(text, size, *p, registry, repository, ret, reterr);
                explicit_bzero(text, size);
                if (r != 0) {
                        if (r > 0)
                                log_debug("Using credentials for %s/%s from %s", registry,
                                          strempty(repository), *p);
                        return r;
                }
        }
        return 0;
}
