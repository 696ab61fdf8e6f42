#pragma once

/* systemd's two datagram protocols, written out for skiff-pod, which is linked statically and so
 * cannot load libsystemd (runtime/dlopen-systemd.h): sd_notify(3)'s ("NOTIFY_SOCKET", documented as a
 * stable interface for reimplementation) and the journal's native protocol (systemd's "Native Journal
 * Protocol" page). docs/architecture.md "The small supervisor (supsmall)" says why.
 *
 * sd-native.c also defines what runtime/dlopen-systemd.h declares (dlopen_libsystemd(), which just
 * returns 0, and the sym_ pointers), so that ctr-log.c's journald driver, linked into skiff-pod, uses
 * these instead of libsystemd. */

#include "common/macro.h"

/* Sends the formatted state ("READY=1\nSTATUS=…") to $NOTIFY_SOCKET (a path, or '@' for an abstract
 * name). Returns 1 when sent, 0 without NOTIFY_SOCKET, or -errno. */
int sd_native_notifyf(const char *fmt, ...) _printf_(1, 2);

/* sd_journal_send()'s contract: printf-formatted "FIELD=value" strings, NULL-terminated; the location
 * arguments are ignored. Returns 0 or -errno. */
int sd_native_journal_send(const char *file, const char *line, const char *func, const char *format, ...);

/* Where sd_native_journal_send() sends: "/run/systemd/journal/socket" (tests point it elsewhere). */
extern const char *sd_native_journal_socket;
