#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "common/macro.h"
#include "play/names.h"

#define DNS1123_LABEL_MAX 63
#define DNS1123_SUBDOMAIN_MAX 253
#define IANA_SVC_NAME_MAX 15
#define QUALIFIED_NAME_MAX 63
#define LABEL_VALUE_MAX 63
#define CONFIG_MAP_KEY_MAX 253
#define SYSCTL_NAME_MAX 253

/* The length phrases need the limit spelled out in a static string. */
#define TOO_LONG(n) "must be no more than " #n " characters"

#define EMPTY "must be non-empty"
#define START_END "must start and end with an alphanumeric character"

static bool is_lower_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c) {
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* Whether every byte of s[0..len) is lower-case alphanumeric or in extra. */
static bool all_lower_alnum_or(const char *s, size_t len, const char *extra) {
        for (size_t i = 0; i < len; i++)
                if (!is_lower_alnum(s[i]) && (!s[i] || !strchr(extra, s[i])))
                        return false;
        return true;
}

static bool all_alnum_or(const char *s, size_t len, const char *extra) {
        for (size_t i = 0; i < len; i++)
                if (!is_alnum(s[i]) && (!s[i] || !strchr(extra, s[i])))
                        return false;
        return true;
}

/* Every separator in s[0..len) has an alphanumeric character on both sides. With the first and last
 * characters already checked, this is what makes each separated part start and end with one. */
static bool separators_between_alnum(const char *s, size_t len, const char *separators) {
        for (size_t i = 1; i + 1 < len; i++)
                if (strchr(separators, s[i]) && (!is_alnum(s[i - 1]) || !is_alnum(s[i + 1])))
                        return false;
        return true;
}

static bool starts_and_ends_alnum(const char *s, size_t len) {
        return len > 0 && is_alnum(s[0]) && is_alnum(s[len - 1]);
}

const char *name_check_dns1123_label(const char *s) {
        size_t len;

        s = strempty(s);
        len = strlen(s);
        if (len > DNS1123_LABEL_MAX)
                return TOO_LONG(63);
        if (len == 0)
                return EMPTY;
        /* Kubernetes singles out the label that would have been a valid subdomain: the only thing
         * wrong with "my.name" is the dot. */
        if (!all_lower_alnum_or(s, len, "-."))
                return "must consist of lower case alphanumeric characters or '-'";
        if (strchr(s, '.'))
                return "must not contain dots";
        if (!starts_and_ends_alnum(s, len))
                return START_END;
        return NULL;
}

typedef enum SubdomainError {
        SUBDOMAIN_OK,
        SUBDOMAIN_TOO_LONG,
        SUBDOMAIN_EMPTY,
        SUBDOMAIN_CHARSET,
        SUBDOMAIN_START_END,
        SUBDOMAIN_LABEL_START_END,
        _SUBDOMAIN_ERROR_MAX,
} SubdomainError;

/* Kept as an enum so that the qualified-name check can prefix the same phrases with "prefix part ". */
static SubdomainError subdomain_check(const char *s, size_t len) {
        if (len > DNS1123_SUBDOMAIN_MAX)
                return SUBDOMAIN_TOO_LONG;
        if (len == 0)
                return SUBDOMAIN_EMPTY;
        if (!all_lower_alnum_or(s, len, "-."))
                return SUBDOMAIN_CHARSET;
        if (!starts_and_ends_alnum(s, len))
                return SUBDOMAIN_START_END;
        if (!separators_between_alnum(s, len, "."))
                return SUBDOMAIN_LABEL_START_END;
        return SUBDOMAIN_OK;
}

#define SUBDOMAIN_CHARSET_PHRASE "must consist of lower case alphanumeric characters, '-' or '.'"
#define SUBDOMAIN_LABEL_PHRASE \
        "must have each dot-separated part start and end with an alphanumeric character"

static const char *const subdomain_phrases[_SUBDOMAIN_ERROR_MAX] = {
        [SUBDOMAIN_TOO_LONG] = TOO_LONG(253),
        [SUBDOMAIN_EMPTY] = EMPTY,
        [SUBDOMAIN_CHARSET] = SUBDOMAIN_CHARSET_PHRASE,
        [SUBDOMAIN_START_END] = START_END,
        [SUBDOMAIN_LABEL_START_END] = SUBDOMAIN_LABEL_PHRASE,
};

static const char *const prefix_phrases[_SUBDOMAIN_ERROR_MAX] = {
        [SUBDOMAIN_TOO_LONG] = "prefix part " TOO_LONG(253),
        [SUBDOMAIN_EMPTY] = "prefix part " EMPTY,
        [SUBDOMAIN_CHARSET] = "prefix part " SUBDOMAIN_CHARSET_PHRASE,
        [SUBDOMAIN_START_END] = "prefix part " START_END,
        [SUBDOMAIN_LABEL_START_END] = "prefix part " SUBDOMAIN_LABEL_PHRASE,
};

const char *name_check_dns1123_subdomain(const char *s) {
        s = strempty(s);
        return subdomain_phrases[subdomain_check(s, strlen(s))];
}

const char *name_check_iana_svc_name(const char *s) {
        size_t len;

        s = strempty(s);
        len = strlen(s);
        if (len > IANA_SVC_NAME_MAX)
                return TOO_LONG(15);
        if (len == 0)
                return EMPTY;
        if (!all_lower_alnum_or(s, len, "-"))
                return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)";
        /* Without a letter a port name could be mistaken for a port number. */
        if (!s[strcspn(s, "abcdefghijklmnopqrstuvwxyz")])
                return "must contain at least one letter (a-z)";
        if (strstr(s, "--"))
                return "must not contain consecutive hyphens";
        if (s[0] == '-' || s[len - 1] == '-')
                return "must not begin or end with a hyphen";
        return NULL;
}

const char *name_check_qualified_name(const char *s) {
        const char *slash, *name;
        size_t len;

        s = strempty(s);
        slash = strchr(s, '/');
        if (slash) {
                SubdomainError e;

                if (strchr(slash + 1, '/'))
                        return "must be a name with an optional DNS subdomain prefix and a single '/'";
                e = subdomain_check(s, (size_t) (slash - s));
                if (e != SUBDOMAIN_OK)
                        return prefix_phrases[e];
                name = slash + 1;
        } else
                name = s;

        len = strlen(name);
        if (len == 0)
                return "name part " EMPTY;
        if (len > QUALIFIED_NAME_MAX)
                return "name part " TOO_LONG(63);
        if (!all_alnum_or(name, len, "-_."))
                return "name part must consist of alphanumeric characters, '-', '_' or '.'";
        if (!starts_and_ends_alnum(name, len))
                return "name part " START_END;
        return NULL;
}

const char *name_check_label_value(const char *s) {
        size_t len;

        s = strempty(s);
        len = strlen(s);
        if (len > LABEL_VALUE_MAX)
                return TOO_LONG(63);
        if (len == 0)
                return NULL;
        if (!all_alnum_or(s, len, "-_."))
                return "must consist of alphanumeric characters, '-', '_' or '.'";
        if (!starts_and_ends_alnum(s, len))
                return START_END;
        return NULL;
}

const char *name_check_env_var_name(const char *s) {
        s = strempty(s);
        if (!*s)
                return EMPTY;
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;

                /* '=' would split NAME=value in the environment block itself. */
                if (c == '=')
                        return "must not contain '='";
                if (c < 0x20 || c > 0x7e)
                        return "must consist only of printable ASCII characters";
        }
        return NULL;
}

const char *name_check_config_map_key(const char *s) {
        size_t len;

        s = strempty(s);
        len = strlen(s);
        if (len > CONFIG_MAP_KEY_MAX)
                return TOO_LONG(253);
        if (len == 0)
                return EMPTY;
        if (!all_alnum_or(s, len, "-_."))
                return "must consist of alphanumeric characters, '-', '_' or '.'";
        /* Keys become file names in a volume, next to the atomic writer's "..data" links. */
        if (streq(s, "."))
                return "must not be '.'";
        if (streq(s, ".."))
                return "must not be '..'";
        if (startswith(s, ".."))
                return "must not start with '..'";
        return NULL;
}

const char *name_check_sysctl_name(const char *s) {
        size_t len;

        s = strempty(s);
        len = strlen(s);
        if (len > SYSCTL_NAME_MAX)
                return TOO_LONG(253);
        if (len == 0)
                return EMPTY;
        if (!all_lower_alnum_or(s, len, "-_./"))
                return "must consist of lower case alphanumeric characters, '-', '_', '.' or '/'";
        if (!is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
                return START_END;
        if (!separators_between_alnum(s, len, "./"))
                return "must have each part between '.' or '/' start and end with an alphanumeric character";
        return NULL;
}

const char *name_check_ip(const char *s) {
        struct in6_addr a6;
        struct in_addr a4;

        s = strempty(s);
        if (inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1)
                return NULL;
        return "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)";
}

/* Whether one of the '/'-separated components of s is exactly "..". */
static bool has_dotdot_component(const char *s) {
        for (const char *p = s;;) {
                size_t n = strcspn(p, "/");

                if (n == 2 && p[0] == '.' && p[1] == '.')
                        return true;
                if (!p[n])
                        return false;
                p += n + 1;
        }
}

const char *name_check_relative_path(const char *s) {
        s = strempty(s);
        if (s[0] == '/')
                return "must be a relative path";
        if (has_dotdot_component(s))
                return "must not contain '..'";
        return NULL;
}

const char *name_check_volume_item_path(const char *s) {
        const char *r;

        s = strempty(s);
        if (!*s)
                return EMPTY;
        r = name_check_relative_path(s);
        if (r)
                return r;
        if (startswith(s, ".."))
                return "must not start with '..'";
        return NULL;
}
