/* Fuzz target: the parsers of `skiff run --health-cmd` (shell string or JSON array), the --health-*
 * durations, and WATCHDOG_USEC (common/sd-watchdog.h). The input is the value. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/sd-watchdog.h"
#include "common/strv.h"
#include "runtime/health.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *v = strndup((const char *) data, size), **argv = NULL;
        uint64_t u;

        if (!v)
                return 0;
        if (health_parse_cmd(v, &argv) == 0 && argv && !argv[0])
                abort(); /* a check is never an empty argv */
        strv_free(argv);
        (void) health_parse_duration(v, &u);
        if (sd_watchdog_ping_interval(v, &u) > 0 && u == 0)
                abort();
        free(v);
        return 0;
}
