#pragma once

/* libarchive, loaded on first use (see common/dlopen-util.h for why and how). Include this instead of
 * <archive.h> and <archive_entry.h>: it includes them, declares a `sym_NAME` pointer of the exact type
 * of every function skiff calls (typeof() of the real declaration, so a prototype cannot drift), and maps
 * NAME to sym_NAME, so call sites read as plain libarchive. Every public function that calls into
 * libarchive first calls dlopen_libarchive().
 *
 * A function missing from ARCHIVE_SYMBOLS is a link error (the `skiff` binary does not link
 * libarchive), never a silent fallback: add it to the list and to the mappings below. */

#include <archive.h>
#include <archive_entry.h>

#define LIBARCHIVE_SONAME "libarchive.so.13"

#define ARCHIVE_SYMBOLS(X)                             \
        X(archive_entry_atime)                         \
        X(archive_entry_atime_is_set)                  \
        X(archive_entry_atime_nsec)                    \
        X(archive_entry_filetype)                      \
        X(archive_entry_free)                          \
        X(archive_entry_gid)                           \
        X(archive_entry_hardlink)                      \
        X(archive_entry_mtime)                         \
        X(archive_entry_mtime_nsec)                    \
        X(archive_entry_new)                           \
        X(archive_entry_pathname)                      \
        X(archive_entry_pathname_utf8)                 \
        X(archive_entry_perm)                          \
        X(archive_entry_rdevmajor)                     \
        X(archive_entry_rdevminor)                     \
        X(archive_entry_set_filetype)                  \
        X(archive_entry_set_mtime)                     \
        X(archive_entry_set_pathname)                  \
        X(archive_entry_set_perm)                      \
        X(archive_entry_set_size)                      \
        X(archive_entry_size)                          \
        X(archive_entry_size_is_set)                   \
        X(archive_entry_symlink)                       \
        X(archive_entry_uid)                           \
        X(archive_entry_xattr_next)                    \
        X(archive_entry_xattr_reset)                   \
        X(archive_errno)                               \
        X(archive_error_string)                        \
        X(archive_read_data)                           \
        X(archive_read_data_block)                     \
        X(archive_read_data_skip)                      \
        X(archive_read_free)                           \
        X(archive_read_new)                            \
        X(archive_read_next_header)                    \
        X(archive_read_open)                           \
        X(archive_read_open_fd)                        \
        X(archive_read_support_filter_all)             \
        X(archive_read_support_format_raw)             \
        X(archive_read_support_format_tar)             \
        X(archive_set_error)                           \
        X(archive_write_close)                         \
        X(archive_write_data)                          \
        X(archive_write_free)                          \
        X(archive_write_header)                        \
        X(archive_write_new)                           \
        X(archive_write_open_fd)                       \
        X(archive_write_set_format_pax_restricted)

#define ARCHIVE_DECLARE_SYM(name) extern typeof(name) *sym_##name;
ARCHIVE_SYMBOLS(ARCHIVE_DECLARE_SYM)
#undef ARCHIVE_DECLARE_SYM

/* Loads libarchive.so.13 once and resolves ARCHIVE_SYMBOLS. Returns 0, or -ELIBACC/-ELIBBAD with
 * *reterr (if reterr) set to one line: "libarchive.so.13: cannot open shared object file: No such file
 * or directory (needed to unpack, load and save images; install libarchive13)". */
int dlopen_libarchive(char **reterr);

#define archive_entry_atime sym_archive_entry_atime
#define archive_entry_atime_is_set sym_archive_entry_atime_is_set
#define archive_entry_atime_nsec sym_archive_entry_atime_nsec
#define archive_entry_filetype sym_archive_entry_filetype
#define archive_entry_free sym_archive_entry_free
#define archive_entry_gid sym_archive_entry_gid
#define archive_entry_hardlink sym_archive_entry_hardlink
#define archive_entry_mtime sym_archive_entry_mtime
#define archive_entry_mtime_nsec sym_archive_entry_mtime_nsec
#define archive_entry_new sym_archive_entry_new
#define archive_entry_pathname sym_archive_entry_pathname
#define archive_entry_pathname_utf8 sym_archive_entry_pathname_utf8
#define archive_entry_perm sym_archive_entry_perm
#define archive_entry_rdevmajor sym_archive_entry_rdevmajor
#define archive_entry_rdevminor sym_archive_entry_rdevminor
#define archive_entry_set_filetype sym_archive_entry_set_filetype
#define archive_entry_set_mtime sym_archive_entry_set_mtime
#define archive_entry_set_pathname sym_archive_entry_set_pathname
#define archive_entry_set_perm sym_archive_entry_set_perm
#define archive_entry_set_size sym_archive_entry_set_size
#define archive_entry_size sym_archive_entry_size
#define archive_entry_size_is_set sym_archive_entry_size_is_set
#define archive_entry_symlink sym_archive_entry_symlink
#define archive_entry_uid sym_archive_entry_uid
#define archive_entry_xattr_next sym_archive_entry_xattr_next
#define archive_entry_xattr_reset sym_archive_entry_xattr_reset
#define archive_errno sym_archive_errno
#define archive_error_string sym_archive_error_string
#define archive_read_data sym_archive_read_data
#define archive_read_data_block sym_archive_read_data_block
#define archive_read_data_skip sym_archive_read_data_skip
#define archive_read_free sym_archive_read_free
#define archive_read_new sym_archive_read_new
#define archive_read_next_header sym_archive_read_next_header
#define archive_read_open sym_archive_read_open
#define archive_read_open_fd sym_archive_read_open_fd
#define archive_read_support_filter_all sym_archive_read_support_filter_all
#define archive_read_support_format_raw sym_archive_read_support_format_raw
#define archive_read_support_format_tar sym_archive_read_support_format_tar
#define archive_set_error sym_archive_set_error
#define archive_write_close sym_archive_write_close
#define archive_write_data sym_archive_write_data
#define archive_write_free sym_archive_write_free
#define archive_write_header sym_archive_write_header
#define archive_write_new sym_archive_write_new
#define archive_write_open_fd sym_archive_write_open_fd
#define archive_write_set_format_pax_restricted sym_archive_write_set_format_pax_restricted
