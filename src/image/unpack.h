#pragma once

/* Unpacking one image layer (a tar stream, plain, gzip or zstd: detected from the content) into an
 * empty directory, with the syscalls done by us under that directory's fd rather than by
 * libarchive's archive_write_disk (which works relative to the process-wide cwd).
 *
 * Every entry is checked before anything is written for it; the first bad entry stops the unpack
 * with -EBADMSG and a message naming the layer and the entry:
 *     layer sha256:ab…: entry "../x": path escapes the layer
 * The caller (the store) unpacks into a staging directory and removes it on failure. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "image/digest.h"

typedef enum UnpackFlags {
        /* Opaque dirs get user.overlay.opaque (an overlay mounted in a user namespace with
         * "userxattr") instead of trusted.overlay.opaque; a whiteout that mknod(0:0) cannot create
         * becomes an empty file with user.overlay.whiteout (and its dir user.overlay.opaque=x). */
        UNPACK_USERNS_XATTRS = 1 << 0,
        /* Leave files owned by the caller (rootless, outside a user namespace). */
        UNPACK_NO_CHOWN = 1 << 1,
} UnpackFlags;

typedef struct UnpackResult {
        char diff_id[DIGEST_STRING_SIZE]; /* sha256 of the uncompressed tar stream */
        uint64_t size;                    /* sum of regular file sizes */
        uint64_t n_entries;
} UnpackResult;

/* Limits on hostile headers. */
#define UNPACK_PATH_MAX 4096U                     /* a whole entry name or link target */
#define UNPACK_ENTRY_SIZE_MAX (UINT64_C(1) << 40) /* one file: 1 TiB */
#define UNPACK_XATTR_SIZE_MAX 65536U              /* the kernel's XATTR_SIZE_MAX */

/* Reads the layer from fd (a blob; read sequentially from the current offset) and writes its entries
 * below dest_fd (an empty directory). what names the layer in messages ("layer sha256:…").
 * Returns 0 and fills *ret (when not NULL); -EBADMSG for a bad or hostile entry or a corrupt stream,
 * -ENOMEM, or -errno of a failed syscall, all with *reterr (a new string). */
int layer_unpack(int fd, int dest_fd, const char *what, UnpackFlags flags, UnpackResult *ret, char **reterr);

/* Where layer_unpack_stream() gets the blob's bytes: returns how many it made available at *ret_buf
 * (valid until the next call; it may block until some arrive), 0 at the end of the blob, or -errno. */
typedef ssize_t (*UnpackReadFunc)(void *userdata, const void **ret_buf);

/* layer_unpack() with the blob's bytes coming from read_cb() (the store's streaming unpack: a blob
 * still being downloaded). When read_cb() fails, the unpack fails with its error, whatever *reterr
 * says about the entry that was being written. */
int layer_unpack_stream(UnpackReadFunc read_cb, void *userdata, int dest_fd, const char *what,
                        UnpackFlags flags, UnpackResult *ret, char **reterr);
