#pragma once

/* WWW-Authenticate headers (RFC 7235 section 4.1): one or more challenges, each an auth scheme followed
 * by either a token68 or a comma-separated list of name=value parameters whose values are tokens or
 * quoted strings:
 *
 *     Bearer
 * realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull" Basic
 * realm="Registry Realm", Bearer realm="https://…"
 *
 * Registries answer with these on 401; the client picks Bearer (token service) or Basic. As registries
 * in the wild do, a parameter value may also be unquoted text up to the next comma or blank
 * (realm=https://auth.example.com/token), which RFC 7235's token would not allow. */

#include <stddef.h>

typedef struct AuthChallenge {
        char *scheme;  /* as sent; compare case-insensitively */
        char *token68; /* NULL unless the challenge carries one */
        char **params; /* name (lowercased), value, name, value…; NULL when none */
} AuthChallenge;

/* Parses header and appends its challenges to *list (of *n entries; both may start NULL/0), so that
 * several WWW-Authenticate headers make one list. Returns 0, -ENOMEM, or -EBADMSG when the header is
 * malformed (then *list and *n are unchanged). */
int www_authenticate_parse(const char *header, AuthChallenge **list, size_t *n);

/* The value of parameter name (case-insensitive) or NULL. */
const char *auth_challenge_param(const AuthChallenge *c, const char *name);

/* The first challenge with scheme (case-insensitive), or NULL. */
const AuthChallenge *auth_challenges_find(const AuthChallenge *list, size_t n, const char *scheme);

void auth_challenges_free(AuthChallenge *list, size_t n);
