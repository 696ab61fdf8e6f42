#pragma once

#include <stdio.h>
#include <sys/types.h>

/* Reads a whole file into a new NUL-terminated buffer (which may also hold NULs; *ret_size excludes the
 * terminator). Fails with -EFBIG past max bytes (0: no limit). Returns 0 or -errno. */
int read_full_file_at(int dir_fd, const char *path, size_t max, char **ret, size_t *ret_size);
int read_full_stream(FILE *f, size_t max, char **ret, size_t *ret_size);

/* Replaces path (relative to dir_fd, or absolute) with data so that a reader or a crash sees either the
 * old or the new content, never a mix: a temporary file in the same directory is written, fsync'd,
 * given mode and renamed over path, and the directory is fsync'd. Returns 0 or -errno; on failure
 * nothing is left behind. */
int write_file_atomic_at(int dir_fd, const char *path, const void *data, size_t len, mode_t mode);

/* Like write_file_atomic_at() (a concurrent reader sees the old or the new content, never a mix), but
 * without the fsync()s: for files that by contract do not outlive a reboot (RUNROOT, a tmpfs, where
 * fsync is a no-op anyway). A crash of the process still leaves the old or the new file; only a power
 * loss on a disk-backed directory may lose the write. Returns 0 or -errno. */
int write_file_replace_at(int dir_fd, const char *path, const void *data, size_t len, mode_t mode);

/* fsync()s n fds at once, from up to 16 threads: on a journalling file system the concurrent fsyncs
 * share one journal commit, where one after another each waits for its own (1-5 ms each on a busy
 * disk). For batches of new files that must all be durable before a step that makes them visible.
 * fds < 0 are skipped. Returns 0 or the first -errno (every fd is still tried). */
int fsync_many(const int *fds, size_t n);

/* mkdir -p with mode for each component created. Returns 0 or -errno. */
int mkdir_p(const char *path, mode_t mode);
