/* Image reference parsing, after github.com/distribution/reference (normalize.go, reference.go,
 * regexp.go). Written as small hand-made matchers for each production of its grammar rather than
 * regexes, so each failure can say which part is wrong. */

#include "image/reference.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"

#define DEFAULT_REGISTRY "docker.io"
#define LEGACY_DEFAULT_REGISTRY "index.docker.io"
#define OFFICIAL_REPO_PREFIX "library/"
#define DEFAULT_TAG "latest"

static bool is_lower_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c) {
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_alpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_word(char c) {
        return is_alnum(c) || c == '_';
}

static bool is_hex(char c) {
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void set_reason(const char **ret_reason, const char *reason) {
        if (ret_reason)
                *ret_reason = reason;
}

/* domain-component: [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool domain_component_valid(const char *s, size_t n) {
        if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_alnum(s[i]) && s[i] != '-')
                        return false;
        return true;
}

/* host[:port], host being a domain name (components joined by '.') or "[ipv6]". Upstream's IPv6
 * pattern is only [a-fA-F0-9:]+, so zone ids and embedded IPv4 are refused, as there. */
static bool registry_valid(const char *s, size_t n) {
        size_t host_end;

        if (n == 0)
                return false;
        if (s[0] == '[') {
                const char *close = memchr(s, ']', n);

                if (!close || close == s + 1)
                        return false;
                for (const char *p = s + 1; p < close; p++)
                        if (!is_hex(*p) && *p != ':')
                                return false;
                host_end = (size_t) (close - s) + 1;
        } else {
                const char *colon = memchr(s, ':', n);
                size_t start = 0;

                host_end = colon ? (size_t) (colon - s) : n;
                for (size_t i = 0; i <= host_end; i++)
                        if (i == host_end || s[i] == '.') {
                                if (!domain_component_valid(s + start, i - start))
                                        return false;
                                start = i + 1;
                        }
        }
        if (host_end == n)
                return true;
        if (s[host_end] != ':' || host_end + 1 == n)
                return false;
        for (size_t i = host_end + 1; i < n; i++)
                if (!is_digit(s[i]))
                        return false;
        return true;
}

/* path-component: [a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)* */
static const char *path_component_check(const char *s, size_t n) {
        size_t i = 0;

        if (n == 0)
                return "invalid repository name: empty path component";
        for (size_t k = 0; k < n; k++)
                if (!is_lower_alnum(s[k]) && !IN_SET(s[k], '-', '.', '_'))
                        return "invalid repository name: only [a-z0-9], '.', '_' and '-' are allowed";
        if (!is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
                return "invalid repository name: path components must start and end with a letter or digit";
        while (i < n) {
                size_t sep_start;
                bool dashes = true;

                if (is_lower_alnum(s[i])) {
                        i++;
                        continue;
                }
                sep_start = i;
                while (i < n && !is_lower_alnum(s[i])) {
                        if (s[i] != '-')
                                dashes = false;
                        i++;
                }
                if (dashes)
                        continue;
                if (i - sep_start == 1
                    || (i - sep_start == 2 && s[sep_start] == '_' && s[sep_start + 1] == '_'))
                        continue;
                return "invalid repository name: bad separator (one '.', one or two '_', or '-'s)";
        }
        return NULL;
}

static const char *path_check(const char *s, size_t n) {
        size_t start = 0;

        for (size_t i = 0; i < n; i++)
                if (s[i] >= 'A' && s[i] <= 'Z')
                        return "repository name must be lowercase";
        for (size_t i = 0; i <= n; i++)
                if (i == n || s[i] == '/') {
                        const char *reason = path_component_check(s + start, i - start);

                        if (reason)
                                return reason;
                        start = i + 1;
                }
        return NULL;
}

/* tag: [\w][\w.-]{0,127} */
static const char *tag_check(const char *s) {
        size_t n = strlen(s);

        if (n == 0)
                return "invalid tag: empty";
        if (n > IMAGE_REF_TAG_MAX)
                return "invalid tag: longer than 128 characters";
        if (!is_word(s[0]))
                return "invalid tag: must start with a letter, digit or '_'";
        for (size_t i = 1; i < n; i++)
                if (!is_word(s[i]) && !IN_SET(s[i], '.', '-'))
                        return "invalid tag: only letters, digits, '_', '.' and '-' are allowed";
        return NULL;
}

int image_digest_validate(const char *digest, const char **ret_reason) {
        static const struct {
                const char *algorithm;
                size_t hex_len;
                const char *reason;
        } algorithms[] = {
                {"sha256", 64, "invalid digest: sha256 needs 64 hex digits"},
                {"sha384", 96, "invalid digest: sha384 needs 96 hex digits"},
                {"sha512", 128, "invalid digest: sha512 needs 128 hex digits"},
        };
        const char *colon, *hex;
        size_t alg_len;

        colon = digest ? strchr(digest, ':') : NULL;
        if (!colon || colon == digest || colon[1] == '\0')
                return set_reason(ret_reason, "invalid digest: expected algorithm:hex"), -EINVAL;
        alg_len = (size_t) (colon - digest);
        hex = colon + 1;

        /* algorithm: [A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)* */
        for (size_t i = 0; i < alg_len; i++) {
                bool after_sep = i == 0 || IN_SET(digest[i - 1], '-', '_', '+', '.');

                if (after_sep ? !is_alpha(digest[i])
                              : !is_alnum(digest[i]) && !IN_SET(digest[i], '-', '_', '+', '.'))
                        return set_reason(ret_reason, "invalid digest: bad algorithm name"), -EINVAL;
        }
        if (IN_SET(digest[alg_len - 1], '-', '_', '+', '.'))
                return set_reason(ret_reason, "invalid digest: bad algorithm name"), -EINVAL;

        for (size_t i = 0; i < ELEMENTSOF(algorithms); i++) {
                if (strlen(algorithms[i].algorithm) != alg_len
                    || strncmp(digest, algorithms[i].algorithm, alg_len) != 0)
                        continue;
                if (strlen(hex) != algorithms[i].hex_len)
                        return set_reason(ret_reason, algorithms[i].reason), -EINVAL;
                for (const char *p = hex; *p; p++)
                        if (!is_digit(*p) && !(*p >= 'a' && *p <= 'f'))
                                return set_reason(ret_reason,
                                                  "invalid digest: hex digits must be lowercase [0-9a-f]"),
                                       -EINVAL;
                return 0;
        }
        return set_reason(ret_reason, "unsupported digest algorithm"), -EINVAL;
}

/* distribution/reference refuses a bare 64-hex-digit name, since it looks like an image ID. */
static bool is_image_id(const char *s) {
        size_t n = 0;

        for (; s[n]; n++)
                if (!is_digit(s[n]) && !(s[n] >= 'a' && s[n] <= 'f'))
                        return false;
        return n == 64;
}

ImageRef *image_ref_free(ImageRef *r) {
        if (!r)
                return NULL;
        free(r->registry);
        free(r->repository);
        free(r->tag);
        free(r->digest);
        free(r);
        return NULL;
}

int image_ref_parse(const char *s, ImageRef **ret, const char **ret_reason) {
        _cleanup_image_ref_ ImageRef *r = NULL;
        const char *at, *colon, *slash, *name_end, *path, *reason;
        size_t name_len, reg_len, path_len;
        bool implied;

        if (!s || !*s)
                return set_reason(ret_reason, "empty reference"), -EINVAL;
        if (is_image_id(s))
                return set_reason(ret_reason, "a 64-hex-digit image ID is not a repository name"), -EINVAL;

        r = calloc(1, sizeof(ImageRef));
        if (!r)
                return -ENOMEM;

        /* Split off "@digest", then ":tag" (a ':' after the last '/' of what is left). */
        at = strchr(s, '@');
        name_end = at ?: s + strlen(s);
        slash = memrchr(s, '/', (size_t) (name_end - s));
        colon = memrchr(s, ':', (size_t) (name_end - s));
        if (colon && (!slash || colon > slash)) {
                r->tag = strndup(colon + 1, (size_t) (name_end - colon - 1));
                if (!r->tag)
                        return -ENOMEM;
                name_end = colon;
        }
        if (at) {
                r->digest = strdup(at + 1);
                if (!r->digest)
                        return -ENOMEM;
        }
        name_len = (size_t) (name_end - s);
        if (name_len == 0)
                return set_reason(ret_reason, "missing repository name"), -EINVAL;

        /* The registry: as splitDockerDomain() decides. */
        slash = memchr(s, '/', name_len);
        implied = !slash;
        if (slash) {
                reg_len = (size_t) (slash - s);
                implied = !memchr(s, '.', reg_len) && !memchr(s, ':', reg_len)
                          && !(reg_len == strlen("localhost") && strncmp(s, "localhost", reg_len) == 0);
                for (size_t i = 0; implied && i < reg_len; i++)
                        if (s[i] >= 'A' && s[i] <= 'Z')
                                implied = false;
        }
        if (implied) {
                r->registry = strdup(DEFAULT_REGISTRY);
                path = s;
                path_len = name_len;
        } else {
                reg_len = (size_t) (slash - s);
                if (!registry_valid(s, reg_len))
                        return set_reason(ret_reason, "invalid registry name"), -EINVAL;
                if (reg_len == strlen(LEGACY_DEFAULT_REGISTRY)
                    && strncmp(s, LEGACY_DEFAULT_REGISTRY, reg_len) == 0)
                        r->registry = strdup(DEFAULT_REGISTRY);
                else
                        r->registry = strndup(s, reg_len);
                path = slash + 1;
                path_len = name_len - reg_len - 1;
        }
        if (!r->registry)
                return -ENOMEM;
        r->short_name = implied;

        reason = path_check(path, path_len);
        if (reason)
                return set_reason(ret_reason, reason), -EINVAL;

        if (streq(r->registry, DEFAULT_REGISTRY) && !memchr(path, '/', path_len)) {
                if (asprintf(&r->repository, OFFICIAL_REPO_PREFIX "%.*s", (int) path_len, path) < 0) {
                        r->repository = NULL;
                        return -ENOMEM;
                }
        } else {
                r->repository = strndup(path, path_len);
                if (!r->repository)
                        return -ENOMEM;
        }
        if (strlen(r->registry) + 1 + strlen(r->repository) > IMAGE_REF_NAME_MAX)
                return set_reason(ret_reason, "repository name must not be longer than 255 characters"),
                       -EINVAL;

        if (r->tag) {
                reason = tag_check(r->tag);
                if (reason)
                        return set_reason(ret_reason, reason), -EINVAL;
        }
        if (r->digest) {
                if (strchr(r->digest, '@') || strchr(r->digest, '/'))
                        return set_reason(ret_reason, "invalid digest: expected algorithm:hex"), -EINVAL;
                if (image_digest_validate(r->digest, ret_reason) < 0)
                        return -EINVAL;
        }
        if (!r->tag && !r->digest) {
                r->tag = strdup(DEFAULT_TAG);
                if (!r->tag)
                        return -ENOMEM;
        }

        *ret = TAKE_PTR(r);
        return 0;
}

bool image_ref_is_short_name(const ImageRef *r) {
        return r && r->short_name;
}

bool image_ref_is_localhost(const ImageRef *r) {
        const char *rest;

        if (!r || !r->registry)
                return false;
        rest = startswith(r->registry, "localhost");
        return rest && (*rest == '\0' || *rest == ':');
}

char *image_ref_to_string(const ImageRef *r) {
        char *s;

        if (asprintf(&s, "%s/%s%s%s%s%s", r->registry, r->repository, r->tag ? ":" : "", strempty(r->tag),
                     r->digest ? "@" : "", strempty(r->digest))
            < 0)
                return NULL;
        return s;
}
