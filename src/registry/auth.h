#pragma once

/* Registry credentials: containers-auth.json(5) files (podman's and docker's config.json format) and
 * --creds USER:PASS.
 *
 *     {"auths": {"registry.example.com": {"auth": "base64(user:password)"},
 *                "registry.example.com/team": {"auth": "…"}}}
 *
 * Keys are a registry, or a registry and a repository prefix; the most specific key wins
 * ("reg/a/b/img" tries reg/a/b/img, reg/a/b, reg/a, reg). Docker's legacy keys with a scheme
 * ("https://index.docker.io/v1/") mean their host ("index.docker.io" is docker.io). credHelpers and
 * credsStore are ignored (skiff runs no helpers), as are identity tokens. */

#include <stdbool.h>

#include "common/cleanup.h"
#include "common/diag.h"

/* auth.json files are small; a bigger one is a mistake. */
#define AUTH_FILE_MAX (4U * 1024U * 1024U)

typedef struct RegistryCreds {
        char *username;
        char *password;
} RegistryCreds;

void registry_creds_done(RegistryCreds *c);

/* Splits "USER:PASS" (the password may contain ':'; the user may not be empty). Returns 0, -ENOMEM or
 * -EINVAL. */
int registry_creds_parse(const char *s, RegistryCreds *ret);

/* Looks up credentials for registry/repository in the text of one auth file. Returns 1 and fills *ret
 * when found, 0 when the file has no matching entry, -ENOMEM, or -EBADMSG with a Diag naming filename
 * and the JSON field ("auth.json: auths.\"quay.io\".auth: invalid base64 at byte 3"). */
int auth_json_lookup(const char *text, size_t len, const char *filename, const char *registry,
                     const char *repository, RegistryCreds *ret, Diag **reterr);

/* The auth files to read, in containers-auth.json(5) order: authfile (--authfile) or else
 * $REGISTRY_AUTH_FILE alone when set; otherwise $XDG_RUNTIME_DIR/containers/auth.json
 * (/run/containers/UID/auth.json when XDG_RUNTIME_DIR is unset), then $XDG_CONFIG_HOME (or
 * ~/.config)/containers/auth.json, then ~/.docker/config.json. Returns 0 and a new strv, or -ENOMEM. */
int auth_file_paths(const char *authfile, char ***ret);

/* Looks through auth_file_paths(authfile) and returns 1 with the credentials of the first file that has
 * an entry for registry/repository, 0 when none does (missing files are skipped; an explicitly given
 * authfile that does not exist is -ENOENT with a Diag), or an error with a Diag. */
int auth_lookup(const char *authfile, const char *registry, const char *repository, RegistryCreds *ret,
                Diag **reterr);
