#pragma once

/* Shared between the parts of the generator (unit-dirs.c: finding files; convert.c: translating one
 * unit; generate.c: the whole run). Not an API for anything else. */

#include <stdbool.h>

#include "common/arena.h"
#include "common/diag.h"
#include "common/strbuf.h"
#include "systemd-generator/quadlet.h"
#include "systemd-generator/str-index.h"
#include "systemd-generator/unit-file.h"

/* One source file found on the search path. Strings live in the run's arena. */
typedef struct Quadlet {
        QuadletType type;
        const char *name;     /* "web.container", "db@.volume", "db@x.volume" */
        const char *path;     /* where it was found (absolute when the search path is) */
        const char *dir;      /* path's directory: relative paths in the file resolve against it */
        const char *prefix;   /* "web", "db" (the part before '@' for templates and instances) */
        const char *instance; /* NULL; "" for a template; "x" for an instance */
        UnitFile *uf;         /* the file with its drop-ins merged; NULL when it could not be read */
        const char *service;  /* "web.service", "web-pod.service", "db-volume@.service" */
        const char *resource; /* container/pod/volume/network name or image reference; NULL when it
                               * cannot be known outside the unit (a specifier in it) */
        bool failed;          /* an error: not written, references to it still resolve */
        char **pod_members;   /* pods: services of the containers that joined (Pod=, StartWithPod) */
} Quadlet;

/* A NAME.d directory found by the walk. Its .conf files are listed the first time a unit looks into it
 * and kept for the rest of the run: the type-wide container.d/ is shared by hundreds of units, and
 * listing it once per unit was a directory read per file. */
typedef struct DropInDir {
        const char *path; /* in the set's arena */
        char **files;     /* sorted entry names; NULL until listed or when it could not be listed */
        bool listed;
} DropInDir;

typedef struct QuadletSet {
        Arena *arena;
        Quadlet *items;
        size_t n, alloc;
        char **dirs;      /* every directory walked, in precedence order: drop-ins are looked up there */
        StrIndex by_name;     /* file name → index into items */
        StrIndex dropin_dirs; /* paths of the NAME.d directories seen by the walk → index into
                               * dropins */
        StrIndex dropin_names; /* their base names ("web.container.d"): most units have none, and
                                * one lookup of the name spares one of each search dir's path */
        DropInDir *dropins;
        size_t n_dropins, alloc_dropins;
        StrIndex parsed_index; /* path of a drop-in file → index into parsed */
        UnitFile **parsed;     /* drop-in files read without errors, kept for every unit that uses
                                * them (unit_file_merge() copies): container.d/ serves hundreds */
        size_t n_parsed, alloc_parsed;
        Arena *out_arena;      /* when not NULL: where quadlet_convert() builds the unit it returns;
                                * the caller resets it once the unit is written */
        StrBuf *exec_line;     /* when not NULL: the buffer every conversion builds its Exec lines in */
} QuadletSet;

/* Rebuilds set->by_name after items were reordered. Returns 0 or -ENOMEM. */
int quadlet_set_reindex(QuadletSet *set);

/* unit-dirs.c: finds the files and drop-in dirs. Returns 0 or -ENOMEM; unreadable directories are
 * reported to diags as warnings and skipped. */
int quadlet_set_find(QuadletSet *set, char **search, bool user, DiagList *diags);
void quadlet_set_done(QuadletSet *set);
/* Reads q's file and its drop-ins into q->uf. Returns 0 (errors in the files are in diags and set
 * q->failed), or -ENOMEM. */
int quadlet_load(QuadletSet *set, Quadlet *q, DiagList *diags);

/* convert.c */
/* Computes q->service and q->resource (after quadlet_load()). Returns 0 or -ENOMEM. */
int quadlet_names(QuadletSet *set, Quadlet *q);
/* Translates q. Returns 0 and the generated unit in *ret (free with unit_file_free()), 1 when q has
 * errors (reported in diags; *ret untouched), or -ENOMEM. */
int quadlet_convert(const QuadletSet *set, const Quadlet *q, const GeneratorOptions *opts, UnitFile **ret,
                    DiagList *diags);
/* Finds the unit called name (a file name such as "data.volume"), or NULL. */
const Quadlet *quadlet_set_lookup(const QuadletSet *set, const char *name);
