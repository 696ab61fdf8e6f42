#pragma once

/* Shared between store.c, store-images.c and archive.c; not part of the store's API. */

#include <stdarg.h>

#include "image/store.h"

struct ImageStore {
        char *root;
        int root_fd;   /* O_DIRECTORY */
        int blobs_fd;  /* ROOT/blobs/sha256 */
        int layers_fd; /* ROOT/layers */
        int tmp_fd;    /* ROOT/tmp */
        int locks_fd;  /* ROOT/locks */
        int gc_fd;     /* ROOT/gc.lock, held LOCK_SH while open */
        ImageStoreFlags flags;
        ImageInUseFunc in_use;
        void *in_use_userdata;
};

/* Sets *reterr (when not NULL and still unset) to a new formatted message; returns error. */
int store_error(char **reterr, int error, const char *fmt, ...) _printf_(3, 4);

/* Validates digest (with a message naming what) and returns its hex part (borrowed). */
int store_check_digest(const char *digest, const char *what, const char **ret_hex, char **reterr);

/* Takes an flock on ROOT/locks/<name> (created when missing). Returns the fd or -errno; -EBUSY when
 * nonblock and held. */
int store_lock_file(ImageStore *s, const char *name, bool nonblock);

/* Removes a tree below dir_fd (no symlink is followed). Returns 0 or -errno. */
int rm_rf_at(int dir_fd, const char *name);

/* Deletes ROOT/tmp entries whose writer died (all of them when exclusive). */
void store_clean_tmp(ImageStore *s, bool exclusive);

/* Parses the contents of ROOT/images.json strictly (every digest and id checked). Returns 0 and a new
 * array (store_image_array_free()) of records with config, volumes and layer_dirs unset, or -EBADMSG
 * with *reterr naming the field ("images.json: images[2].digest: invalid digest"), -ENOMEM. Exposed
 * for the fuzzer. */
int store_records_parse(const char *data, size_t len, StoreImage ***ret, size_t *ret_n, char **reterr);
