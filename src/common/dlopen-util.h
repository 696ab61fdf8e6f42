#pragma once

/* Optional libraries loaded on first use with dlopen(), so that commands which never need them
 * (`skiff run`, `skiff ps`, …) do not pay the dynamic loader for them and their dependencies at every
 * start. The pattern is systemd's (its dlopen_*() helpers in src/shared/): a library has one
 * DlopenLibrary describing its soname and the symbols it needs, each symbol lands in a `sym_NAME`
 * function pointer declared with `typeof(NAME)` from the library's own header, and a small header maps
 * NAME to sym_NAME so call sites read as usual. See src/image/dlopen-archive.h and
 * src/registry/dlopen-curl.h.
 *
 * dlopen_library() loads the library and resolves every symbol once (thread-safe; later calls are one
 * atomic load), and returns 0, or the same negative errno and error line on every call:
 *   -ELIBACC  the library cannot be loaded:
 *             "libarchive.so.13: cannot open shared object file: No such file or directory
 *              (needed to unpack, load and save images; install libarchive13)"
 *   -ELIBBAD  a symbol is missing (a library too old or not the one we built against):
 *             "libarchive.so.13: undefined symbol archive_foo (needed to …; install …)"
 * The handle is never closed: the symbols stay valid for the life of the process. */

#include <pthread.h>

/* One symbol to resolve: where its address goes and its name. */
typedef struct DlopenSymbol {
        void (**fn)(void);
        const char *name;
} DlopenSymbol;

/* An entry of a DlopenSymbol array for the pointer sym_NAME (NAME not itself a macro at this point). */
#define DLOPEN_SYMBOL(name) { (void (**)(void)) &sym_##name, #name }

typedef struct DlopenLibrary {
        const char *soname;      /* what dlopen() is given, e.g. "libarchive.so.13" */
        const char *needed_for;  /* "unpack, load and save images": ends up in the error */
        const char *package;     /* the Debian package providing soname, for the error */
        const DlopenSymbol *symbols;
        size_t n_symbols;

        /* State, zero-initialized (DLOPEN_LIBRARY_INIT). */
        pthread_mutex_t lock;
        int state;      /* 0: not tried, 1: loaded, < 0: failed with this -errno */
        char *error;    /* the error line when state < 0 */
} DlopenLibrary;

#define DLOPEN_LIBRARY_INIT(so, needed, pkg, syms)                                                   \
        {                                                                                            \
                .soname = (so), .needed_for = (needed), .package = (pkg), .symbols = (syms),         \
                .n_symbols = sizeof(syms) / sizeof((syms)[0]), .lock = PTHREAD_MUTEX_INITIALIZER,  \
        }

/* Loads lib once (see above). On failure and with reterr non-NULL, *reterr gets a newly allocated copy
 * of the error line (freeing what it held); -ENOMEM if even that fails. */
int dlopen_library(DlopenLibrary *lib, char **reterr);
