#pragma once

/* Recursive removal of skiff's own directories (layer staging dirs, container upper dirs, state dirs),
 * like `rm -rf --one-file-system`, but stricter: it never enters another mount, even a bind mount of
 * the same file system (which st_dev alone cannot tell apart), because a mount left inside one of our
 * directories by a crash or a bug may be the host's root: descending into it would chmod and delete
 * host files. Such a mount point is left alone and reported as -EBUSY, and so are its parents. */

/* Removes NAME under DIR_FD with everything below it. NAME may be a file, a symlink (removed, never
 * followed) or a directory. Directories we cannot search or write (layers hold 0500 dirs) are made
 * 0700 first, only after the mount check. A missing NAME is not an error. Goes on after errors and
 * returns 0 or the first -errno met (-EBUSY for a mount point, -ELOOP past 1024 levels). */
int rm_rf_at(int dir_fd, const char *name);

/* Same, for everything inside the directory DIR_FD, which itself stays. DIR_FD is not closed. */
int rm_rf_children(int dir_fd);

/* rm_rf_at() for a path: its parent is opened and NAME is the last component. "/" is refused. */
int rm_rf_path(const char *path);
