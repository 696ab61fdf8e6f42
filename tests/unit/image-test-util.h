#pragma once

/* Shared by the image store's unit tests: layer tarballs built in memory with libarchive's writer,
 * and temporary directories. Include after unit-test.h. */

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>

typedef struct TarEntry {
        const char *name;
        mode_t type; /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFIFO; 0 with link: a hard link */
        mode_t mode;
        const char *data;
        const char *link; /* symlink target or hard link target */
        const char *xattr_name, *xattr_value;
        uid_t uid;
        gid_t gid;
        time_t mtime;
} TarEntry;

typedef enum TarFilter {
        TAR_PLAIN,
        TAR_GZIP,
        TAR_ZSTD,
} TarFilter;

/* Writes the entries as a pax tar (filtered) into a memfd; returns it at offset 0, or -1. */
static inline int tar_build(const TarEntry *entries, size_t n, TarFilter filter) {
        struct archive *a = archive_write_new();
        int fd = memfd_create("layer", MFD_CLOEXEC);

        if (!a || fd < 0)
                return -1;
        archive_write_set_format_pax_restricted(a);
        if (filter == TAR_GZIP)
                archive_write_add_filter_gzip(a);
        else if (filter == TAR_ZSTD)
                archive_write_add_filter_zstd(a);
        if (archive_write_open_fd(a, fd) != ARCHIVE_OK)
                return -1;
        for (size_t i = 0; i < n; i++) {
                struct archive_entry *e = archive_entry_new();
                const TarEntry *t = &entries[i];
                size_t len = t->data ? strlen(t->data) : 0;

                archive_entry_set_pathname(e, t->name);
                if (t->type == 0 && t->link) {
                        archive_entry_set_filetype(e, AE_IFREG);
                        archive_entry_set_hardlink(e, t->link);
                } else {
                        archive_entry_set_filetype(e, t->type);
                        if (t->type == AE_IFLNK)
                                archive_entry_set_symlink(e, t->link);
                        if (t->type == AE_IFREG)
                                archive_entry_set_size(e, (la_int64_t) len);
                }
                archive_entry_set_perm(e, t->mode ?: (t->type == AE_IFDIR ? 0755 : 0644));
                archive_entry_set_uid(e, t->uid);
                archive_entry_set_gid(e, t->gid);
                archive_entry_set_mtime(e, t->mtime ?: 1000000000, 0);
                if (t->xattr_name)
                        archive_entry_xattr_add_entry(e, t->xattr_name, t->xattr_value,
                                                      strlen(t->xattr_value));
                if (archive_write_header(a, e) != ARCHIVE_OK)
                        return -1;
                if (t->type == AE_IFREG && len > 0
                    && archive_write_data(a, t->data, len) != (la_ssize_t) len)
                        return -1;
                archive_entry_free(e);
        }
        archive_write_close(a);
        archive_write_free(a);
        lseek(fd, 0, SEEK_SET);
        return fd;
}

static inline int rm_rf_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        chmod(path, 0700);
        remove(path);
        return 0;
}

static inline void rm_rf(const char *path) {
        nftw(path, rm_rf_cb, 64, FTW_DEPTH | FTW_PHYS);
}

static inline char *make_tmpdir(const char *what) {
        const char *base = getenv("TMPDIR");
        char *p = NULL;

        if (asprintf(&p, "%s/skiff-test-%s.XXXXXX", base && *base ? base : "/tmp", what) < 0)
                return NULL;
        if (!mkdtemp(p)) {
                free(p);
                return NULL;
        }
        return p;
}

/* Reads fd (from 0) whole into a new buffer. */
static inline char *fd_read_all(int fd, size_t *ret_len) {
        struct stat st;
        char *buf;

        if (fstat(fd, &st) < 0)
                return NULL;
        buf = malloc((size_t) st.st_size + 1);
        if (!buf || pread(fd, buf, (size_t) st.st_size, 0) != st.st_size) {
                free(buf);
                return NULL;
        }
        buf[st.st_size] = 0;
        *ret_len = (size_t) st.st_size;
        return buf;
}
