#pragma once

/* registries.conf (version 2, containers-registries.conf(5)) and its drop-ins
 * (containers-registries.conf.d(5)), and short-name resolution as podman does it.
 *
 * Read: unqualified-search-registries, [[registry]] (prefix, location, insecure, blocked, mirror —
 * mirrors are parsed and checked but not used: skiff pulls from the location only) and [aliases].
 * short-name-mode and credential-helpers are accepted and ignored. Unknown keys are ignored too
 * (files shared with podman may hold keys a newer podman knows), wrong types and version 1 tables
 * ([registries.search]) are errors. */

#include <stdbool.h>

#include "common/cleanup.h"
#include "common/diag.h"
#include "image/reference.h"

typedef struct RegistryMirror {
        char *location;
        bool insecure;
} RegistryMirror;

typedef struct RegistryEntry {
        char *prefix;   /* "example.com/foo", "*.example.com"; the location when not given */
        char *location; /* "mirror.example.com/bar"; NULL for a wildcard prefix without one */
        bool insecure;
        bool blocked;
        RegistryMirror *mirrors;
        size_t n_mirrors;
        char *file; /* where it was defined, for messages */
        unsigned line;
} RegistryEntry;

typedef struct RegistriesConf {
        char **search;     /* unqualified-search-registries, in order; NULL when none */
        char *search_file; /* the file that set them (for messages), or NULL */
        RegistryEntry *entries;
        size_t n_entries;
        char **aliases; /* short name, full name, short name, full name…; NULL when none */
        char **files;   /* every file read, in order */
} RegistriesConf;

RegistriesConf *registries_conf_new(void);
RegistriesConf *registries_conf_free(RegistriesConf *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(RegistriesConf *, registries_conf_free);

/* Parses one file's text and merges it over c, as a drop-in is merged: unqualified-search-registries
 * replace the earlier list when set, a [[registry]] replaces one with the same prefix or is appended,
 * aliases replace same-named ones. Returns 0, -ENOMEM, or -EBADMSG with a Diag naming filename and
 * line ("registries.conf:4:1: [[registry]]: insecure: expected a boolean"). c is unchanged on error. */
int registries_conf_merge_text(RegistriesConf *c, const char *text, size_t len, const char *filename,
                               Diag **reterr);

/* Loads the configuration as podman does: $CONTAINERS_REGISTRIES_CONF when set, else
 * ~/.config/containers/registries.conf when it exists (and then only the user drop-in dir), else
 * /etc/containers/registries.conf; then the *.conf files of /etc/containers/registries.conf.d and
 * ~/.config/containers/registries.conf.d in lexical order. $SKIFF_REGISTRIES_CONF_DIR, when set,
 * replaces both drop-in directories (tests). Missing files are fine. Returns 0 and a new conf, or an
 * error with a Diag (I/O errors name the file). */
int registries_conf_load(RegistriesConf **ret, Diag **reterr);

/* The [[registry]] entry whose prefix matches the longest part of name ("host[:port]/path"), or NULL. */
const RegistryEntry *registries_conf_find(const RegistriesConf *c, const char *name);

/* One place to try a pull from. */
typedef struct PullCandidate {
        char *name;       /* what the user asked for, fully qualified: "docker.io/library/busybox:1" */
        char *registry;   /* where to connect: "mirror.example.com:5000" */
        char *repository; /* the path there: "library/busybox" */
        char *reference;  /* tag or "sha256:…" digest */
        char *digest;     /* the digest asked for, or NULL */
        bool insecure;    /* [[registry]] insecure = true */
} PullCandidate;

void pull_candidates_free(PullCandidate *l, size_t n);

/* Resolves what the user typed into the places to pull from, in order, as podman does:
 *   - a fully qualified name: one candidate (rewritten by a matching [[registry]] location);
 *   - a short name with an alias: the alias;
 *   - "localhost/…" is never looked up on the network: -EADDRNOTAVAIL, *ret_reason set;
 *   - a short name: one candidate per unqualified-search registry ("library/" added for docker.io);
 *     -ENOENT when there are none.
 * A blocked registry gives -EACCES. On error *ret_reason (when not NULL) gets a new message (free()).
 * Returns 0 and a new array in *ret (pull_candidates_free()). */
int registries_conf_resolve(const RegistriesConf *c, const char *input, PullCandidate **ret, size_t *ret_n,
                            char **ret_reason);
