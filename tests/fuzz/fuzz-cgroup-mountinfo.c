/* Fuzz target: cgroup detection's parsers (/proc/self/mountinfo and /proc/self/cgroup texts, split at
 * the first NUL byte of the input), then a plan for every hierarchy found. */

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static int root_fd = -1;
        CgroupSystem *s = NULL;
        CgroupPlan *p = NULL;
        char *text, *self, *err = NULL;
        const char *sep;

        /* An empty directory as the cgroup root: the parser reads cgroup.controllers under it, and
         * must never read the host's files on a fuzzer's say. */
        if (root_fd < 0) {
                char dir[] = "/tmp/fuzz-cgroup-XXXXXX";
                if (!mkdtemp(dir))
                        return 0;
                root_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                (void) rmdir(dir); /* the fd keeps it usable, and nothing is left behind */
                if (root_fd < 0)
                        return 0;
        }
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;
        sep = memchr(text, 0, size);
        self = sep ? (char *) sep + 1 : (char *) "0::/\n";
        if (cgroup_system_parse(root_fd, "/sys/fs/cgroup", text, self, &s) >= 0) {
                CgroupLimits l = {.memory = 1 << 26, .cpu_quota = 50000, .cpu_shares = 100, .pids_limit = 5};
                if (cgroup_plan_build(s, "skiff-fuzz", &l, CGROUPS_SPLIT, false, &p, &err) >= 0)
                        (void) cgroup_plan_add_device_rules(s, p, "skiff-fuzz", false);
                cgroup_plan_free(p);
                free(err);
                cgroup_system_free(s);
        }
        free(text);
        return 0;
}
