/* Stub: filled in by the following commits. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/cgroup.h"

const char *cgroup_layout_to_string(CgroupLayout l) {
        return NULL;
}

const char *cgroups_mode_to_string(CgroupsMode m) {
        return NULL;
}

CgroupsMode cgroups_mode_from_string(const char *s) {
        return -EOPNOTSUPP;
}

int cgroup_system_detect(CgroupSystem **ret) {
        return -EOPNOTSUPP;
}

int cgroup_system_parse(int root_fd, const char *root_path, const char *mountinfo, const char *self_cgroup, CgroupSystem **ret) {
        return -EOPNOTSUPP;
}

CgroupSystem *cgroup_system_free(CgroupSystem *s) {
        return NULL;
}

const CgroupHierarchy *cgroup_system_find(const CgroupSystem *s, const char *controller) {
        return NULL;
}

int cgroup_root_open(void) {
        return -EOPNOTSUPP;
}

int cgroup_parse_size(const char *flag, const char *value, int64_t *ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int cgroup_parse_memory_swap(const char *value, int64_t *ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int cgroup_parse_cpus(const char *value, int64_t *ret_quota, uint64_t *ret_period, char **ret_error) {
        return -EOPNOTSUPP;
}

int cgroup_parse_cpu_shares(const char *value, uint64_t *ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int cgroup_parse_pids_limit(const char *value, int64_t *ret, char **ret_error) {
        return -EOPNOTSUPP;
}

uint64_t cgroup_cpu_shares_to_weight(uint64_t shares) {
        return 0;
}

int cgroup_plan_build(const CgroupSystem *sys, const char *name, const CgroupLimits *limits, CgroupsMode mode, bool rootless, CgroupPlan **ret, char **ret_error) {
        return -EOPNOTSUPP;
}

CgroupPlan *cgroup_plan_free(CgroupPlan *p) {
        return NULL;
}

int cgroup_plan_create(int root_fd, const CgroupPlan *plan, char **ret_error) {
        return -EOPNOTSUPP;
}

int cgroup_join(int root_fd, char *const *paths, pid_t pid, char **ret_error) {
        return -EOPNOTSUPP;
}

int cgroup_kill(int root_fd, char *const *paths, int sig) {
        return -EOPNOTSUPP;
}

int cgroup_is_populated(int root_fd, char *const *paths) {
        return -EOPNOTSUPP;
}

int cgroup_remove(int root_fd, char *const *paths, unsigned timeout_ms, char **ret_error) {
        return -EOPNOTSUPP;
}

int cgroup_read_stats(int root_fd, char *const *paths, CgroupStats *ret) {
        return -EOPNOTSUPP;
}
