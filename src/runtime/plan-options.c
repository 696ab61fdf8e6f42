/* RunOptions/ImageInfo lifetimes and the enum name tables of the plan. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "common/strv.h"
#include "runtime/container-plan.h"
#include "runtime/run-options.h"

static const char *const ns_kind_table[_NS_KIND_MAX] = {
        [NS_MNT] = "mnt", [NS_PID] = "pid",   [NS_IPC] = "ipc",       [NS_UTS] = "uts",
        [NS_NET] = "net", [NS_USER] = "user", [NS_CGROUP] = "cgroup",
};

static const char *const ns_mode_table[_NS_MODE_MAX] = {
        [NS_MODE_NEW] = "new",
        [NS_MODE_HOST] = "host",
        [NS_MODE_JOIN] = "join",
};

static const char *const log_driver_table[_PLAN_LOG_MAX] = {
        [PLAN_LOG_K8S_FILE] = "k8s-file",
        [PLAN_LOG_JOURNALD] = "journald",
        [PLAN_LOG_NONE] = "none",
};

static const char *const restart_table[_PLAN_RESTART_MAX] = {
        [PLAN_RESTART_NO] = "no",
        [PLAN_RESTART_ON_FAILURE] = "on-failure",
        [PLAN_RESTART_ALWAYS] = "always",
        [PLAN_RESTART_UNLESS_STOPPED] = "unless-stopped",
};

static int table_lookup(const char *const *table, int n, const char *s) {
        if (!s)
                return -EINVAL;
        for (int i = 0; i < n; i++)
                if (table[i] && streq(table[i], s))
                        return i;
        return -EINVAL;
}

#define DEFINE_TABLE_FUNCS(prefix, type, table, max)                      \
        const char *prefix##_to_string(type v) {                          \
                return (int) v >= 0 && (int) v < (max) ? table[v] : NULL; \
        }                                                                 \
        type prefix##_from_string(const char *s) {                        \
                return (type) table_lookup(table, (max), s);              \
        }

DEFINE_TABLE_FUNCS(ns_kind, NsKind, ns_kind_table, _NS_KIND_MAX)
DEFINE_TABLE_FUNCS(ns_mode, NsMode, ns_mode_table, _NS_MODE_MAX)
DEFINE_TABLE_FUNCS(plan_log_driver, PlanLogDriver, log_driver_table, _PLAN_LOG_MAX)
DEFINE_TABLE_FUNCS(plan_restart, PlanRestart, restart_table, _PLAN_RESTART_MAX)

void run_options_done(RunOptions *o) {
        if (!o)
                return;
        char **strs[] = {
                &o->id,          &o->name,         &o->init_path, &o->restart,
                &o->stop_signal, &o->stop_timeout, &o->cidfile,   &o->sdnotify,
                &o->log_driver,  &o->entrypoint,   &o->workdir,   &o->user,
                &o->hostname,    &o->timezone,     &o->shm_size,  &o->read_only_tmpfs,
                &o->userns,      &o->pids_limit,   &o->memory,    &o->cpus,
                &o->cpu_shares,  &o->cgroups,      &o->network,   &o->pid,
                &o->ipc,         &o->uts,
        };
        char ***vecs[] = {
                &o->labels,    &o->annotations,   &o->command, &o->env,        &o->env_files,
                &o->group_add, &o->volumes,       &o->mounts,  &o->tmpfs,      &o->cap_add,
                &o->cap_drop,  &o->security_opts, &o->sysctls, &o->uidmap,     &o->gidmap,
                &o->ulimits,   &o->add_hosts,     &o->dns,     &o->dns_search, &o->dns_options,
        };
        FOREACH_ARRAY(s, strs, ELEMENTSOF(strs))
                free(**s);
        FOREACH_ARRAY(v, vecs, ELEMENTSOF(vecs))
                strv_free(**v);
        health_options_done(&o->health);
        strv_free(o->devices);
        free(o->subuidname);
        free(o->subgidname);
        *o = (RunOptions){};
}

void image_info_done(ImageInfo *i) {
        if (!i)
                return;
        free(i->id);
        free(i->name);
        strv_free(i->entrypoint);
        strv_free(i->cmd);
        strv_free(i->env);
        free(i->user);
        free(i->workdir);
        strv_free(i->labels);
        free(i->stop_signal);
        strv_free(i->exposed_ports);
        strv_free(i->volumes);
        strv_free(i->layer_dirs);
        free(i->rootfs);
        strv_free(i->health_test);
        *i = (ImageInfo){};
}
