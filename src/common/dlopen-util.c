#include "common/dlopen-util.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"

static int set_failure(DlopenLibrary *lib, int r, const char *what) {
        /* dlerror() already names the file ("libfoo.so.1: cannot open shared object file: …"); a
         * missing symbol we phrase ourselves, naming the soname and not the path it was found at. */
        if (asprintf(&lib->error, "%s (needed to %s; install %s)", what, lib->needed_for, lib->package)
            < 0) {
                lib->error = NULL;
                return -ENOMEM; /* not cached: the next call tries again */
        }
        return r;
}

static int load(DlopenLibrary *lib) {
        void *dl;

        (void) dlerror();
        dl = dlopen(lib->soname, RTLD_NOW | RTLD_NODELETE);
        if (!dl) {
                const char *e = dlerror();
                char fallback[256];

                if (!e) {
                        snprintf(fallback, sizeof(fallback), "%s: cannot be loaded", lib->soname);
                        e = fallback;
                }
                return set_failure(lib, -ELIBACC, e);
        }
        for (size_t i = 0; i < lib->n_symbols; i++) {
                void (*fn)(void);

                (void) dlerror();
                fn = (void (*)(void)) dlsym(dl, lib->symbols[i].name);
                if (!fn) {
                        _cleanup_free_ char *what = NULL;

                        /* Leave no pointer half-set: a failed library stays unusable. */
                        for (size_t j = 0; j < i; j++)
                                *lib->symbols[j].fn = NULL;
                        dlclose(dl);
                        if (asprintf(&what, "%s: undefined symbol %s", lib->soname, lib->symbols[i].name) < 0)
                                return -ENOMEM;
                        return set_failure(lib, -ELIBBAD, what);
                }
                *lib->symbols[i].fn = fn;
        }
        log_debug("Loaded %s (%zu symbols)", lib->soname, lib->n_symbols);
        /* The handle is deliberately kept: RTLD_NODELETE, and the sym_ pointers point into it. */
        return 1;
}

int dlopen_library(DlopenLibrary *lib, char **reterr) {
        int state;

        state = __atomic_load_n(&lib->state, __ATOMIC_ACQUIRE);
        if (state == 0) {
                pthread_mutex_lock(&lib->lock);
                state = lib->state;
                if (state == 0) {
                        state = load(lib);
                        if (state != -ENOMEM)
                                __atomic_store_n(&lib->state, state, __ATOMIC_RELEASE);
                }
                pthread_mutex_unlock(&lib->lock);
        }
        if (state > 0)
                return 0;
        if (state == -ENOMEM || !lib->error)
                return -ENOMEM;
        log_debug("%s", lib->error);
        if (reterr) {
                free(*reterr);
                *reterr = strdup(lib->error);
                if (!*reterr)
                        return -ENOMEM;
        }
        return state;
}
