/* Fuzz target: WATCHDOG_USEC as the monitor and skiff-pod read it (common/sd-watchdog.h). The input is
 * the variable's value. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/sd-watchdog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *v = strndup((const char *) data, size);
        uint64_t u = 0;

        if (!v)
                return 0;
        if (sd_watchdog_ping_interval(v, &u) > 0 && u == 0)
                abort(); /* a watchdog is never pinged every 0 µs */
        free(v);
        return 0;
}
