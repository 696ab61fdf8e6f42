#pragma once

/* The service watchdog (systemd.service(5) WatchdogSec=, sd_watchdog_enabled(3)): systemd passes
 * WATCHDOG_USEC to the unit's first process and expects WATCHDOG=1 on the notify socket more often
 * than that. skiff's monitor and pod supervisor become the main process later (MAINPID=), in a
 * grandchild of the process systemd started, so WATCHDOG_PID names the launcher, not them: unlike
 * sd_watchdog_enabled(), only WATCHDOG_USEC counts. Header-only: the static pod supervisor, which cannot
 * link libsystemd, uses it too. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* Parses WATCHDOG_USEC's value s: returns 1 and the interval at which to send WATCHDOG=1 (half the
 * timeout, as sd_watchdog_enabled(3) advises), 0 when s is NULL or empty (no watchdog), -EINVAL when s
 * is not a positive decimal number of microseconds. */
static inline int sd_watchdog_ping_interval(const char *s, uint64_t *ret_usec) {
        unsigned long long v;
        char *end;

        if (!s || !*s)
                return 0;
        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || *end != '\0' || v == 0)
                return -EINVAL;
        *ret_usec = v / 2 ?: 1;
        return 1;
}
