#pragma once

/* libsystemd, loaded on first use (see common/dlopen-util.h for why and how): skiff calls two of its
 * functions, sd_notifyf() (a monitor under systemd, --sdnotify=conmon) and sd_journal_send() (the
 * journald log driver), and neither is on the path of a plain `skiff run`, which saved the dynamic
 * loader's work for libsystemd and what it pulls in (gcrypt, gpg-error, lzma, zstd, lz4) at every start
 * (docs/architecture.md, "Where skiff run spends its time"). Include this instead of the sd-*.h
 * headers; the names map to the sym_ pointers, which are valid only after dlopen_libsystemd()
 * returned 0. */

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#define LIBSYSTEMD_SONAME "libsystemd.so.0"

/* sd_journal_send() is a macro for sd_journal_send_with_location() (with CODE_FILE=, CODE_LINE=,
 * CODE_FUNC=) unless SD_JOURNAL_SUPPRESS_LOCATION is defined: resolve what the macro calls. */
#define SYSTEMD_SYMBOLS(X)                   \
        X(sd_journal_send_with_location)     \
        X(sd_notifyf)

#define SYSTEMD_DECLARE_SYM(name) extern typeof(name) *sym_##name;
SYSTEMD_SYMBOLS(SYSTEMD_DECLARE_SYM)
#undef SYSTEMD_DECLARE_SYM

/* Loads libsystemd.so.0 once and resolves SYSTEMD_SYMBOLS. Returns 0, or -ELIBACC/-ELIBBAD with
 * *reterr (if reterr) set to one line naming the library, the reason and the package (libsystemd0). */
int dlopen_libsystemd(char **reterr);

#define sd_journal_send_with_location sym_sd_journal_send_with_location
#define sd_notifyf sym_sd_notifyf
