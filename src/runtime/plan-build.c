/* container_plan_build(): flags + image config -> ContainerPlan. Pure (see container-plan.h). */

#include <errno.h>
#include <stdlib.h>

#include "common/strv.h"
#include "runtime/container-plan.h"

const char *const plan_default_masked_paths[] = {
        "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux",
        "/sys/dev/block", "/sys/devices/virtual/powercap", NULL,
};

const char *const plan_default_readonly_paths[] = {
        "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

void plan_mount_done(PlanMount *m) {
        if (!m)
                return;
        free(m->destination);
        free(m->type);
        free(m->source);
        free(m->data);
        *m = (PlanMount) {};
}

ContainerPlan *container_plan_free(ContainerPlan *p) {
        if (!p)
                return NULL;
        free(p->id);
        free(p->name);
        free(p->image_id);
        free(p->image_name);
        strv_free(p->labels);
        strv_free(p->annotations);
        free(p->cidfile);
        free(p->sdnotify);
        free(p->container_dir);
        free(p->run_dir);
        strv_free(p->lower_dirs);
        free(p->upper_dir);
        free(p->work_dir);
        free(p->rootfs);
        strv_free(p->argv);
        strv_free(p->env);
        free(p->cwd);
        free(p->user);
        free(p->groups);
        free(p->init_path);
        free(p->hostname);
        for (size_t i = 0; i < _NS_KIND_MAX; i++)
                free(p->ns[i].path);
        free(p->uid_map);
        free(p->gid_map);
        free(p->etc_hosts);
        free(p->etc_hostname);
        free(p->etc_resolv_conf);
        free(p->timezone);
        for (size_t i = 0; i < p->n_mounts; i++)
                plan_mount_done(&p->mounts[i]);
        free(p->mounts);
        strv_free(p->masked_paths);
        strv_free(p->readonly_paths);
        seccomp_config_done(&p->seccomp);
        sysctls_done(&p->sysctls);
        free(p);
        return NULL;
}

int container_plan_build(const RunOptions *opts, const ImageInfo *image, const SkiffPaths *paths,
                         ContainerPlan **ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int plan_argv(const RunOptions *opts, const ImageInfo *image, char ***ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int plan_env_set(char ***env, const char *assignment) {
        return -EOPNOTSUPP;
}

int plan_parse_volume(const char *spec, PlanMount *ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int plan_parse_mount(const char *spec, PlanMount *ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int plan_parse_tmpfs(const char *spec, PlanMount *ret, char **ret_error) {
        return -EOPNOTSUPP;
}

int plan_resolve_user(char *const *layer_dirs, const char *rootfs, const char *user, char *const *group_add,
                      uid_t *ret_uid, gid_t *ret_gid, gid_t **ret_groups, size_t *ret_n_groups,
                      char **ret_home, char **ret_error) {
        return -EOPNOTSUPP;
}

int plan_open_image_file(char *const *layer_dirs, const char *rootfs, const char *path) {
        return -EOPNOTSUPP;
}
