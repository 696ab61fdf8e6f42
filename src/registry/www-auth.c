/* WWW-Authenticate parsing (RFC 7235), lenient only where registries are known to be. */

#include "registry/www-auth.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"
#include "common/strv.h"

/* Headers are short; a longer one is hostile. */
#define HEADER_MAX 16384U

static bool is_tchar(char c) {
        return isalnum((unsigned char) c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token68_char(char c) {
        return isalnum((unsigned char) c) || (c && strchr("-._~+/", c));
}

static void skip_ows(const char **p) {
        while (**p == ' ' || **p == '\t')
                (*p)++;
}

static char *token(const char **p) {
        const char *s = *p;
        while (is_tchar(**p))
                (*p)++;
        return *p > s ? strndup(s, (size_t) (*p - s)) : NULL;
}

/* quoted-string or (leniently) text up to ',' or blank. Returns 0, -ENOMEM or -EBADMSG. */
static int param_value(const char **p, char **ret) {
        StrBuf sb = STRBUF_INIT;
        const char *s = *p;

        if (*s == '"') {
                s++;
                for (;;) {
                        if (*s == 0) {
                                strbuf_release(&sb);
                                return -EBADMSG;
                        }
                        if (*s == '"')
                                break;
                        if (*s == '\\') {
                                s++;
                                if (*s == 0) {
                                        strbuf_release(&sb);
                                        return -EBADMSG;
                                }
                        }
                        if ((unsigned char) *s < 0x20 && *s != '\t') {
                                strbuf_release(&sb);
                                return -EBADMSG;
                        }
                        strbuf_putc(&sb, *s++);
                }
                s++;
        } else {
                while (*s && *s != ',' && *s != ' ' && *s != '\t' && *s != '"') {
                        if ((unsigned char) *s < 0x20 || *s == 0x7f) {
                                strbuf_release(&sb);
                                return -EBADMSG;
                        }
                        strbuf_putc(&sb, *s++);
                }
                if (s == *p)
                        return -EBADMSG;
        }
        strbuf_puts(&sb, "");
        *ret = strbuf_detach(&sb);
        if (!*ret)
                return -ENOMEM;
        *p = s;
        return 0;
}

static void challenge_done(AuthChallenge *c) {
        free(c->scheme);
        free(c->token68);
        strv_free(c->params);
}

void auth_challenges_free(AuthChallenge *list, size_t n) {
        for (size_t i = 0; i < n; i++)
                challenge_done(&list[i]);
        free(list);
}

/* Is the text at p "name BWS =" (a parameter) rather than a new scheme or a token68? */
static bool at_param(const char *p) {
        const char *s = p;
        while (is_tchar(*s))
                s++;
        if (s == p)
                return false;
        skip_ows(&s);
        /* token68 may end in '=' too ("abc=" then end or ','): a parameter has a value after '=' */
        if (*s != '=')
                return false;
        s++;
        skip_ows(&s);
        return *s && *s != ',' && *s != '=';
}

int www_authenticate_parse(const char *header, AuthChallenge **list, size_t *n) {
        AuthChallenge *l = NULL;
        size_t k = 0;
        const char *p = header;
        int r = -EBADMSG;

        if (!header || strlen(header) > HEADER_MAX)
                return -EBADMSG;
        for (;;) {
                AuthChallenge *nl, *c;

                /* empty list elements are allowed: ", , Basic" */
                while (*p == ',' || *p == ' ' || *p == '\t')
                        p++;
                if (*p == 0)
                        break;
                nl = reallocarray(l, k + 1, sizeof(AuthChallenge));
                if (!nl) {
                        r = -ENOMEM;
                        goto fail;
                }
                l = nl;
                c = &l[k++];
                *c = (AuthChallenge){};
                if (!is_tchar(*p)) {
                        r = -EBADMSG;
                        goto fail;
                }
                c->scheme = token(&p);
                if (!c->scheme) {
                        r = -ENOMEM;
                        goto fail;
                }
                if (*p != 0 && *p != ' ' && *p != '\t' && *p != ',') {
                        r = -EBADMSG;
                        goto fail;
                }
                skip_ows(&p);
                if (*p == 0 || *p == ',')
                        continue;
                if (!at_param(p)) {
                        /* token68 */
                        const char *s = p;
                        while (is_token68_char(*p))
                                p++;
                        if (p == s) {
                                r = -EBADMSG;
                                goto fail;
                        }
                        while (*p == '=')
                                p++;
                        c->token68 = strndup(s, (size_t) (p - s));
                        if (!c->token68) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        skip_ows(&p);
                        if (*p != 0 && *p != ',') {
                                r = -EBADMSG;
                                goto fail;
                        }
                        continue;
                }
                /* auth-params until a token that is not followed by '=' (the next challenge) */
                for (;;) {
                        _cleanup_free_ char *name = NULL, *value = NULL;

                        name = token(&p);
                        if (!name) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        for (char *q = name; *q; q++)
                                *q = (char) tolower((unsigned char) *q);
                        skip_ows(&p);
                        p++; /* '=', checked by at_param() */
                        skip_ows(&p);
                        r = param_value(&p, &value);
                        if (r < 0)
                                goto fail;
                        if (strv_extend(&c->params, name) < 0 || strv_extend(&c->params, value) < 0) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        skip_ows(&p);
                        if (*p == 0)
                                break;
                        if (*p != ',') {
                                r = -EBADMSG;
                                goto fail;
                        }
                        while (*p == ',' || *p == ' ' || *p == '\t')
                                p++;
                        if (*p == 0 || !at_param(p))
                                break;
                }
        }
        if (k > 0) {
                AuthChallenge *nl = reallocarray(*list, *n + k, sizeof(AuthChallenge));
                if (!nl) {
                        r = -ENOMEM;
                        goto fail;
                }
                memcpy(nl + *n, l, k * sizeof(AuthChallenge));
                *list = nl;
                *n += k;
        }
        free(l);
        return 0;
fail:
        auth_challenges_free(l, k);
        return r;
}

const char *auth_challenge_param(const AuthChallenge *c, const char *name) {
        for (char **p = c->params; p && p[0] && p[1]; p += 2)
                if (strcasecmp(p[0], name) == 0)
                        return p[1];
        return NULL;
}

const AuthChallenge *auth_challenges_find(const AuthChallenge *list, size_t n, const char *scheme) {
        for (size_t i = 0; i < n; i++)
                if (strcasecmp(list[i].scheme, scheme) == 0)
                        return &list[i];
        return NULL;
}
