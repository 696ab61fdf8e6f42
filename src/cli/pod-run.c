/* kube play's apply step and the pod teardown: see pod-common.h. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/container-common.h"
#include "cli/pod-common.h"
#include "common/base64.h"
#include "common/fileio.h"
#include "common/json-util.h"
#include "common/macro.h"
#include "common/strv.h"
#include "pod/pod-convert.h"
#include "pod/supervisor.h"
#include "runtime/cgroup.h"
#include "runtime/container-plan.h"
#include "runtime/monitor.h"
#include "runtime/spawn.h"
#include "runtime/volume.h"

static json_object *jget(json_object *o, const char *key) {
        json_object *v;
        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *jstr(json_object *o, const char *key) {
        json_object *v = jget(o, key);
        return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int errorf(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
static int errorf(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        free(*ret_error);
        va_start(ap, fmt);
        if (vasprintf(ret_error, fmt, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
        return r;
}

const char *cli_pause_path(void) {
        static char buf[PATH_MAX + 64];
        const char *e = getenv("SKIFF_PAUSE");
        char self[PATH_MAX];
        ssize_t n;

        if (e && *e)
                return access(e, X_OK) == 0 ? e : NULL;
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n > 0) {
                char *slash;

                self[n] = 0;
                slash = strrchr(self, '/');
                if (slash) {
                        *slash = 0;
                        /* the build tree: build/src/cli/skiff next to build/src/pause/skiff-pause */
                        snprintf(buf, sizeof(buf), "%s/../pause/skiff-pause", self);
                        if (access(buf, X_OK) == 0)
                                return buf;
                        snprintf(buf, sizeof(buf), "%s/skiff-pause", self);
                        if (access(buf, X_OK) == 0)
                                return buf;
                        snprintf(buf, sizeof(buf), "%s/../libexec/skiff/skiff-pause", self);
                        if (access(buf, X_OK) == 0)
                                return buf;
                }
        }
        for (const char *const *p = (const char *const[]) { "/usr/libexec/skiff/skiff-pause",
                                                           "/usr/local/libexec/skiff/skiff-pause", NULL };
             *p; p++)
                if (access(*p, X_OK) == 0)
                        return *p;
        return NULL;
}

/* ---- the pod's /dev/shm ---- */

/* The pod's /dev/shm is one tmpfs at RUNROOT/pods/<id>/shm, bound into every container, as the
 * kubelet shares the infra's: POSIX shared memory between the containers of a pod works. */
static char *shm_dir(SkiffContext *ctx, const char *pod_id) {
        char *p;
        return asprintf(&p, "%s/pods/%s/shm", ctx->paths.runroot, pod_id) < 0 ? NULL : p;
}

/* The pod's tmpfs volumes (secrets, emptyDir medium Memory): RUNROOT/pods/<id>/volumes/NAME. */
static char *tmpfs_volumes_dir(SkiffContext *ctx, const char *pod_id) {
        char *p;
        return asprintf(&p, "%s/pods/%s/volumes", ctx->paths.runroot, pod_id) < 0 ? NULL : p;
}

static bool is_mountpoint(const char *path) {
        _cleanup_free_ char *parent = NULL;
        struct stat a, b;

        if (asprintf(&parent, "%s/..", path) < 0 || stat(path, &a) < 0 || stat(parent, &b) < 0)
                return false;
        return a.st_dev != b.st_dev;
}

static int shm_mount(const char *dir) {
        int r = mkdir_p(dir, 0700);

        if (r < 0)
                return r;
        if (is_mountpoint(dir))
                return 0;
        if (mount("shm", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0)
                return -errno;
        return 0;
}

static void shm_umount(const char *dir) {
        while (dir && is_mountpoint(dir) && umount2(dir, MNT_DETACH) >= 0)
                ;
}

/* Points the plan's /dev/shm at the pod's, or with hostIPC at the host's /dev/shm (POSIX shared memory
 * lives there: the host's ipc namespace without it would be half the host's). Rootless, the pod has no
 * /dev/shm of its own (dir NULL): each container keeps its own unless hostIPC. */
static int plan_use_pod_shm(ContainerPlan *p, const char *dir) {
        if (p->ns[NS_IPC].mode == NS_MODE_HOST)
                dir = "/dev/shm";
        if (!dir)
                return 0;
        for (size_t i = 0; i < p->n_mounts; i++) {
                PlanMount *m = &p->mounts[i];

                if (!streq_ptr(m->destination, "/dev/shm"))
                        continue;
                free(m->type);
                free(m->source);
                free(m->data);
                m->data = NULL;
                m->type = strdup("bind");
                m->source = strdup(dir);
                m->flags = MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC;
                return m->type && m->source ? 0 : -ENOMEM;
        }
        return 0;
}

/* Takes the mount on destination out of the plan (the /etc/hosts binding for --no-hosts). */
static void plan_drop_mount(ContainerPlan *p, const char *destination) {
        for (size_t i = 0; i < p->n_mounts; i++) {
                if (!streq_ptr(p->mounts[i].destination, destination))
                        continue;
                plan_mount_done(&p->mounts[i]);
                memmove(p->mounts + i, p->mounts + i + 1, (p->n_mounts - i - 1) * sizeof(PlanMount));
                p->n_mounts--;
                i--;
        }
}

/* ---- checks before anything is created ---- */

static int check_host_paths(json_object *pod, char **ret_error) {
        json_object *vols = jget(pod, "volumes");

        for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
                json_object *v = json_object_array_get_idx(vols, i);
                const char *type = jstr(v, "hostPathType"), *path = jstr(v, "path"), *name = jstr(v, "name");
                struct stat st;
                bool exists;

                if (!streq_ptr(jstr(v, "type"), "hostPath") || isempty(type))
                        continue;
                exists = stat(path, &st) >= 0;
                if (streq(type, "DirectoryOrCreate") || streq(type, "FileOrCreate")) {
                        bool dir = streq(type, "DirectoryOrCreate");
                        if (exists && dir != !!S_ISDIR(st.st_mode))
                                return errorf(ret_error, -EINVAL, "pod %s: volume %s: hostPath %s exists and is not a %s (type %s)",
                                              jstr(pod, "name"), name, path, dir ? "directory" : "file", type);
                        continue;
                }
                if (!exists)
                        return errorf(ret_error, -ENOENT, "pod %s: volume %s: hostPath %s does not exist (type %s)",
                                      jstr(pod, "name"), name, path, type);
                if ((streq(type, "Directory") && !S_ISDIR(st.st_mode)) || (streq(type, "File") && !S_ISREG(st.st_mode)) ||
                    (streq(type, "Socket") && !S_ISSOCK(st.st_mode)) || (streq(type, "CharDevice") && !S_ISCHR(st.st_mode)) ||
                    (streq(type, "BlockDevice") && !S_ISBLK(st.st_mode)))
                        return errorf(ret_error, -EINVAL, "pod %s: volume %s: hostPath %s is not a %s", jstr(pod, "name"), name,
                                      path, type);
        }
        return 0;
}

/* ---- volumes ---- */

static int write_volume_files(json_object *v, const char *dir, char **ret_error) {
        json_object *files = jget(v, "files");

        for (size_t i = 0; files && i < json_object_array_length(files); i++) {
                json_object *f = json_object_array_get_idx(files, i);
                const char *path = jstr(f, "path"), *b64 = jstr(f, "data");
                _cleanup_free_ char *full = NULL, *data = NULL;
                size_t len = 0;
                mode_t mode = (mode_t) json_object_get_int(jget(f, "mode")) & 07777;
                int r;

                if (!path || strstr(path, "..") || path[0] == '/')
                        continue; /* validation refuses these already */
                if (b64 && base64_decode(b64, strlen(b64), &data, &len, NULL) < 0)
                        continue;
                if (asprintf(&full, "%s/%s", dir, path) < 0)
                        return -ENOMEM;
                {
                        char *slash = strrchr(full, '/');
                        *slash = 0;
                        r = mkdir_p(full, 0755);
                        *slash = '/';
                        if (r < 0)
                                return errorf(ret_error, r, "volume %s: create %s: %s", jstr(v, "name"), full, strerror(-r));
                }
                r = write_file_atomic_at(AT_FDCWD, full, data ?: "", len, mode ?: 0644);
                if (r < 0)
                        return errorf(ret_error, r, "volume %s: write %s: %s", jstr(v, "name"), full, strerror(-r));
        }
        return 0;
}

/* A secret or an emptyDir with medium Memory: a tmpfs of its own at dir (RUNROOT/pods/<id>/volumes/NAME),
 * so that a secret's files never reach a disk; a secret's files are written, then the tmpfs is made
 * read-only. Rootless, no tmpfs can be mounted on the host: a plain directory under RUNROOT (normally
 * itself a tmpfs, /run/user/UID). Mounting again over an existing mount is avoided: 0 then. */
static int tmpfs_volume_mount(json_object *v, const char *dir, char **ret_error) {
        _cleanup_free_ char *opts = pod_volume_tmpfs_options(v);
        bool secret = streq_ptr(jstr(v, "type"), "secret");
        unsigned long flags = MS_NOSUID | MS_NODEV | (secret ? MS_NOEXEC : 0);
        int r;

        if (!opts)
                return -ENOMEM;
        r = mkdir_p(dir, secret ? 0755 : 0777);
        if (r < 0)
                return errorf(ret_error, r, "volume %s: create %s: %s", jstr(v, "name"), dir, strerror(-r));
        if (geteuid() != 0) {
                if (!secret && chmod(dir, 0777) < 0)
                        return errorf(ret_error, -errno, "volume %s: chmod %s: %m", jstr(v, "name"), dir);
                return secret ? write_volume_files(v, dir, ret_error) : 0;
        }
        if (is_mountpoint(dir))
                return 0;
        if (mount("tmpfs", dir, "tmpfs", flags, opts) < 0)
                return errorf(ret_error, -errno, "volume %s: mount a tmpfs (%s) on %s: %m", jstr(v, "name"), opts, dir);
        if (!secret)
                return 0;
        r = write_volume_files(v, dir, ret_error);
        if (r >= 0 && mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY | flags, opts) < 0)
                r = errorf(ret_error, -errno, "volume %s: make the tmpfs on %s read-only: %m", jstr(v, "name"), dir);
        if (r < 0)
                (void) umount2(dir, MNT_DETACH);
        return r;
}

/* Unmounts every tmpfs volume of the pod (whatever the records say: debris too). */
static void tmpfs_volumes_umount(const char *dir) {
        DIR *d = dir ? opendir(dir) : NULL;
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;

                if (de->d_name[0] == '.' || asprintf(&p, "%s/%s", dir, de->d_name) < 0)
                        continue;
                while (is_mountpoint(p) && umount2(p, MNT_DETACH) >= 0)
                        ;
        }
        closedir(d);
}

/* Before a start: the tmpfs volumes are there (after a reboot RUNROOT is empty: an emptyDir is mounted
 * again, empty as Kubernetes has it; a secret's content is gone with it, by design). */
static int tmpfs_volumes_check(SkiffContext *ctx, const PodConfig *cfg, char **ret_error) {
        _cleanup_free_ char *dir = tmpfs_volumes_dir(ctx, cfg->id);
        json_object *vols = jget(cfg->plan, "volumes");

        if (!dir)
                return -ENOMEM;
        for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
                json_object *v = json_object_array_get_idx(vols, i);
                _cleanup_free_ char *p = NULL;
                int r;

                if (!pod_volume_is_tmpfs(v))
                        continue;
                if (asprintf(&p, "%s/%s", dir, strempty(jstr(v, "name"))) < 0)
                        return -ENOMEM;
                if (geteuid() != 0 ? access(p, F_OK) >= 0 : is_mountpoint(p))
                        continue;
                if (streq_ptr(jstr(v, "type"), "secret"))
                        return errorf(ret_error, -ENOENT, "pod %s: secret volume %s: its tmpfs %s is gone (RUNROOT was "
                                      "cleared, by a reboot?); play the pod again (skiff kube play --replace)",
                                      cfg->name, jstr(v, "name"), p);
                r = tmpfs_volume_mount(v, p, ret_error);
                if (r < 0)
                        return *ret_error ? r : errorf(ret_error, r, "pod %s: volume %s: %s", cfg->name, jstr(v, "name"), strerror(-r));
        }
        return 0;
}

/* The pod's record keeps no secret: the files' data stays in the tmpfs only. New reference, NULL on
 * OOM. */
static json_object *plan_without_secrets(json_object *pod) {
        json_object *copy = NULL, *vols;

        if (json_object_deep_copy(pod, &copy, NULL) < 0)
                return NULL;
        vols = jget(copy, "volumes");
        for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
                json_object *v = json_object_array_get_idx(vols, i), *files = jget(v, "files");

                if (!streq_ptr(jstr(v, "type"), "secret"))
                        continue;
                for (size_t j = 0; files && j < json_object_array_length(files); j++)
                        json_object_object_del(json_object_array_get_idx(files, j), "data");
        }
        return copy;
}

/* Creates what the volumes need; every path created outside the pod's own directory is added to
 * *created, so a failed play can take it away again. */
/* Makes sure the subPath below a volume's directory exists (the kubelet creates a missing one), one
 * component at a time from the volume's own directory, never through a symlink: what a container
 * left in a volume (a PVC, a hostPath) must not point a later mount at the host's files. The last
 * component may be a file (a configMap key). */
static int subpath_prepare(const char *src, const char *sub, char **bad) {
        _cleanup_free_ char *copy = strdup(sub);
        _cleanup_close_ int fd = -EBADF;
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        fd = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (char *part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
                bool last = !save || !*save || strspn(save, "/") == strlen(save);
                struct stat st;
                int next;

                if (streq(part, ".") || streq(part, ".."))
                        return *bad = strdup(part), -EINVAL;
                if (fstatat(fd, part, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno != ENOENT)
                                return -errno;
                        if (mkdirat(fd, part, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        if (fstatat(fd, part, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                return -errno;
                }
                if (S_ISLNK(st.st_mode))
                        return *bad = strdup(part), -ELOOP;
                if (!S_ISDIR(st.st_mode)) {
                        if (last)
                                return 0;
                        return *bad = strdup(part), -ENOTDIR;
                }
                next = openat(fd, part, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0)
                        return -errno;
                close(fd);
                fd = next;
        }
        return 0;
}

static int prepare_subpaths(json_object *pod, const PodFacts *f, char **ret_error) {
        static const char *const lists[] = { "initContainers", "containers" };

        for (size_t l = 0; l < ELEMENTSOF(lists); l++) {
                json_object *ctrs = jget(pod, lists[l]);

                for (size_t i = 0; ctrs && i < json_object_array_length(ctrs); i++) {
                        json_object *c = json_object_array_get_idx(ctrs, i), *mounts = jget(c, "mounts");

                        for (size_t j = 0; mounts && j < json_object_array_length(mounts); j++) {
                                json_object *m = json_object_array_get_idx(mounts, j);
                                const char *sub = jstr(m, "subPath");
                                _cleanup_free_ char *src = NULL, *bad = NULL;
                                int r;

                                if (isempty(sub) || pod_volume_source(pod, jstr(m, "volume"), f, &src) < 0)
                                        continue;
                                r = subpath_prepare(src, sub, &bad);
                                if (r < 0)
                                        return errorf(ret_error, r, "pod %s: container %s: volume %s: subPath %s: %s%s%s",
                                                      jstr(pod, "name"), strempty(jstr(c, "name")), strempty(jstr(m, "volume")),
                                                      sub, bad ? bad : "", bad ? ": " : "",
                                                      r == -ELOOP ? "is a symlink (not followed)" : strerror(-r));
                        }
                }
        }
        return 0;
}

/* A PersistentVolumeClaim is a named volume (`skiff volume ls/inspect/rm` show it), created on first use
 * as `skiff volume create NAME` would and kept by `kube down` (not by `kube down --force`). */
static int pvc_volume_ensure(const char *root, const char *claim, const char *data_dir) {
        _cleanup_(volume_store_freep) VolumeStore *vs = NULL;
        _cleanup_(volume_freep) Volume *have = NULL;
        _cleanup_free_ char *err = NULL;
        int r;

        r = volume_store_open(root, &vs);
        if (r < 0)
                return r;
        if (volume_load(vs, strempty(claim), &have) < 0) {
                r = volume_create(vs, &(Volume) { .name = (char *) claim, .driver = (char *) "local", .uid = -1, .gid = -1 },
                                  &err);
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        /* its _data exists; a removed one comes back empty */
        return mkdir_p(data_dir, 0755);
}

static int prepare_volumes(const char *root, json_object *pod, const PodFacts *f, char ***created,
                           char **ret_error) {
        json_object *vols = jget(pod, "volumes");

        for (size_t i = 0; vols && i < json_object_array_length(vols); i++) {
                json_object *v = json_object_array_get_idx(vols, i);
                const char *type = strempty(jstr(v, "type")), *name = jstr(v, "name");
                _cleanup_free_ char *src = NULL;
                int r;

                r = pod_volume_source(pod, name, f, &src);
                if (r < 0)
                        return r;
                if ((streq(type, "hostPath") || streq(type, "persistentVolumeClaim")) && access(src, F_OK) < 0 &&
                    !(streq(type, "hostPath") && !strstr(strempty(jstr(v, "hostPathType")), "OrCreate")))
                        (void) strv_extend(created, src);
                if (streq(type, "hostPath")) {
                        const char *ht = strempty(jstr(v, "hostPathType"));
                        if (streq(ht, "DirectoryOrCreate"))
                                r = mkdir_p(src, 0755);
                        else if (streq(ht, "FileOrCreate") && access(src, F_OK) < 0) {
                                int fd = open(src, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                                r = fd < 0 ? -errno : 0;
                                if (fd >= 0)
                                        close(fd);
                        }
                } else if (streq(type, "emptyDir")) {
                        r = mkdir_p(src, 0777);
                        /* Kubernetes' emptyDir is world-writable, whatever the umask says */
                        if (r >= 0 && chmod(src, 0777) < 0)
                                r = -errno;
                } else if (pod_volume_is_tmpfs(v)) {
                        r = tmpfs_volume_mount(v, src, ret_error);
                        if (r < 0 && *ret_error)
                                return r;
                } else if (streq(type, "configMap")) {
                        r = mkdir_p(src, 0755);
                        if (r >= 0)
                                r = write_volume_files(v, src, ret_error);
                        if (r < 0 && *ret_error)
                                return r;
                } else if (streq(type, "persistentVolumeClaim"))
                        r = pvc_volume_ensure(root, jstr(v, "volume"), src);
                if (r < 0)
                        return errorf(ret_error, r, "pod %s: volume %s: create %s: %s", jstr(pod, "name"), name, src,
                                      strerror(-r));
        }
        return prepare_subpaths(pod, f, ret_error);
}

/* ---- play ---- */

typedef struct Member {
        json_object *json;
        PodContainerRole role;
        char id[POD_ID_LEN + 1];
        RunOptions opts;
        ImageInfo image;
        ContainerPlan *plan;
} Member;

static void member_done(Member *m) {
        run_options_done(&m->opts);
        image_info_done(&m->image);
        container_plan_free(m->plan);
}

static int image_missing_error(const char *image, const char *policy, char **ret_error) {
        /* kube play pulled what the policy asks for already: only Never, or an image removed since */
        return errorf(ret_error, -ENOENT, "image %s: not in the local image store%s", image,
                      streq_ptr(policy, "Never") ? " (imagePullPolicy Never)" : "");
}

static int build_ctr_record(const char *pod_id, const char *id, const char *name, const ContainerPlan *plan,
                            const ImageInfo *img, const char *log_driver, ContainerConfig **ret) {
        _cleanup_(container_config_freep) ContainerConfig *c = calloc(1, sizeof(ContainerConfig));
        char ts[64];
        int r;

        if (!c)
                return -ENOMEM;
        memcpy(c->id, id, CONTAINER_ID_LEN + 1);
        c->name = strdup(name);
        c->image = strdup(img->name ?: "skiff-pause");
        c->image_id = img->id ? strdup(startswith(img->id, "sha256:") ?: img->id) : NULL;
        c->created_at = strdup(rfc3339_nanos_now(ts, sizeof(ts)));
        c->pod_id = strdup(pod_id);
        c->restart = RESTART_NO;
        c->log_driver = log_driver ? log_driver_from_string(log_driver) : LOG_DRIVER_K8S_FILE;
        if (c->log_driver < 0)
                c->log_driver = LOG_DRIVER_K8S_FILE;
        c->stop_signal = plan->stop_signal > 0 ? plan->stop_signal : SIGTERM;
        c->stop_timeout = plan->stop_timeout;
        if (!c->name || !c->image || !c->created_at || !c->pod_id)
                return -ENOMEM;
        r = strv_copy(plan->labels, &c->labels);
        if (r >= 0)
                r = strv_copy(plan->annotations, &c->annotations);
        if (r >= 0)
                r = container_plan_to_string(plan, &c->plan_json);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

/* The infra's and every member's record, made durable together (container_create_many()). */
static int create_ctr_records(ContainerStore *cs, const char *pod_id, const Member *infra, const Member *m, size_t n,
                              const char *log_driver, char **ret_error) {
        ContainerConfig **cfgs = calloc(n + 1, sizeof(ContainerConfig *));
        int r = cfgs ? 0 : -ENOMEM;

        if (r >= 0)
                r = build_ctr_record(pod_id, infra->id, infra->opts.name, infra->plan, &infra->image, "none", &cfgs[0]);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = build_ctr_record(pod_id, m[i].id, m[i].opts.name, m[i].plan, &m[i].image, log_driver, &cfgs[i + 1]);
        if (r >= 0)
                r = container_create_many(cs, cfgs, n + 1, ret_error);
        for (size_t i = 0; cfgs && i <= n; i++)
                container_config_free(cfgs[i]);
        free(cfgs);
        return r;
}

int cli_pod_play(SkiffContext *ctx, json_object *pod, const PodPlayOptions *o, char ret_id[static POD_ID_LEN + 1],
                 char **ret_error, int *ret_exit) {
        _cleanup_(pod_store_freep) PodStore *pods = NULL;
        _cleanup_(container_store_freep) ContainerStore *cs = NULL;
        _cleanup_(pod_config_freep) PodConfig *cfg = NULL;
        _cleanup_(image_store_freep) ImageStore *images = NULL;
        _cleanup_free_ char *voldir = NULL, *named = NULL, *empty_root = NULL, *hosts = NULL, *ns_dir = NULL, *pod_dir = NULL,
                            *shm = NULL, *tmpfs_dir = NULL;
        _cleanup_strv_free_ char **created_paths = NULL;
        _cleanup_close_ int lock = -EBADF, play_fd = -EBADF;
        const char *name = jstr(pod, "name");
        json_object *inits = jget(pod, "initContainers"), *apps = jget(pod, "containers");
        size_t n_init = inits ? json_object_array_length(inits) : 0, n_app = apps ? json_object_array_length(apps) : 0;
        size_t n = n_init + n_app;
        Member *m = NULL, infra = {};
        char pod_id[POD_ID_LEN + 1], existing[POD_ID_LEN + 1];
        PodFacts f = {};
        bool created = false;
        int r;

        *ret_exit = 125;
        m = calloc(n ?: 1, sizeof(Member));
        if (!m)
                return -ENOMEM;
        /* Images first: a missing one fails the play before anything exists. (And before any store of
         * ours is open: see REQUESTS-store.md, image_store_free() closes stray fds.) One store handle
         * for all of them. */
        r = n > 0 ? image_store_open(ctx->paths.root, 0, &images, ret_error) : 0;
        if (r < 0) {
                if (!*ret_error)
                        errorf(ret_error, r, "open the image store under %s: %s", ctx->paths.root, strerror(-r));
                goto finish;
        }
        for (size_t i = 0; i < n; i++) {
                json_object *cj = i < n_init ? json_object_array_get_idx(inits, i) : json_object_array_get_idx(apps, i - n_init);
                const char *image = jstr(cj, "image");

                free(*ret_error);
                *ret_error = NULL;
                r = cli_image_info_in(images, image, &m[i].image, ret_error);
                if (r == -ENOENT) {
                        r = image_missing_error(image, jstr(cj, "pullPolicy"), ret_error);
                        goto finish;
                }
                if (r < 0) {
                        if (!*ret_error)
                                errorf(ret_error, r, "image %s: %s", image, strerror(-r));
                        goto finish;
                }
        }
        images = image_store_free(images);
        r = pod_store_open(&ctx->paths, &pods);
        if (r < 0) {
                r = errorf(ret_error, r, "open the pod records under %s: %s", ctx->paths.root, strerror(-r));
                goto finish;
        }
        r = container_store_open(&ctx->paths, &cs);
        if (r < 0) {
                r = errorf(ret_error, r, "open the container records under %s: %s", ctx->paths.root, strerror(-r));
                goto finish;
        }
        /* A pod of that name: refused without --replace, before anything else happens. */
        if (pod_lookup(pods, name, existing) >= 0 && !o->replace) {
                r = errorf(ret_error, -EEXIST, "pod %s already exists (%.12s); use --replace or skiff kube down first",
                           name, existing);
                goto finish;
        }
        r = container_id_generate(pod_id);
        if (r < 0)
                goto finish;
        if (asprintf(&voldir, "%s/pods/%s/volumes", ctx->paths.root, pod_id) < 0 ||
            asprintf(&named, "%s/volumes", ctx->paths.root) < 0 || asprintf(&empty_root, "%s/pods/.empty-root", ctx->paths.root) < 0 ||
            asprintf(&ns_dir, "/proc/0/ns") < 0 || !(tmpfs_dir = tmpfs_volumes_dir(ctx, pod_id))) {
                r = -ENOMEM;
                goto finish;
        }
        f = (PodFacts) { .pod_id = pod_id, .ns_dir = ns_dir, .volumes_dir = voldir, .named_volumes_dir = named,
                         .tmpfs_volumes_dir = tmpfs_dir,
                         .log_driver = o->log_driver, .annotations = o->annotations, .pause_path = cli_pause_path(),
                         .infra_rootfs = empty_root };
        if (!f.pause_path) {
                r = errorf(ret_error, -ENOENT, "pod %s: skiff-pause not found (set SKIFF_PAUSE or install it in "
                                               "/usr/libexec/skiff)", name);
                goto finish;
        }

        r = check_host_paths(pod, ret_error);
        if (r < 0)
                goto finish;
        /* The volumes' directories must exist for the container plans (which check every bind source):
         * they are made now, under the new pod's own directory (or, for PVCs and *OrCreate hostPaths,
         * listed in created_paths), and taken away again if anything below fails. */
        if (asprintf(&pod_dir, "%s/pods/%s", ctx->paths.root, pod_id) < 0) {
                r = -ENOMEM;
                goto finish;
        }
        /* The play marker first: from here on a killed play leaves a pod that kube down and --replace
         * recognise as debris and remove. */
        play_fd = pod_play_begin(pods, pod_id);
        if (play_fd < 0) {
                r = errorf(ret_error, play_fd, "pod %s: record the play: %s", name, strerror(-play_fd));
                goto finish;
        }
        created = true;
        r = prepare_volumes(ctx->paths.root, pod, &f, &created_paths, ret_error);
        if (r < 0)
                goto finish;
        /* A copy of what was played, so the pod can be played again (generate systemd --new). In the
         * pod's RUNROOT dir (made by pod_play_begin()), not under ROOT: it may hold Secrets, which never
         * reach ROOT's disk (their volumes are tmpfs, the record has no data). */
        if (o->kube_yaml) {
                _cleanup_free_ char *copy = NULL;
                r = asprintf(&copy, "%s/pods/%s/%s", ctx->paths.runroot, pod_id, POD_KUBE_YAML_FILE) < 0 ? -ENOMEM : 0;
                if (r >= 0)
                        r = write_file_replace_at(AT_FDCWD, copy, o->kube_yaml, o->kube_yaml_size, 0600);
                if (r < 0) {
                        r = errorf(ret_error, r, "pod %s: keep a copy of its YAML in %s: %s", name, strempty(copy),
                                   strerror(-r));
                        goto finish;
                }
        }

        /* Every container's image and plan, before anything exists. */
        for (size_t i = 0; i < n; i++) {
                Member *x = &m[i];

                x->json = i < n_init ? json_object_array_get_idx(inits, i) : json_object_array_get_idx(apps, i - n_init);
                x->role = i >= n_init ? POD_ROLE_APP
                          : streq_ptr(jstr(x->json, "type"), "sidecar") ? POD_ROLE_SIDECAR
                                                                         : POD_ROLE_INIT;
                r = container_id_generate(x->id);
                if (r < 0)
                        goto finish;
                r = pod_container_options(pod, x->json, &f, x->id, &x->opts, ret_error);
                if (r < 0)
                        goto finish;
                r = container_plan_build(&x->opts, &x->image, &ctx->paths, &x->plan, ret_error);
                if (r < 0) {
                        _cleanup_free_ char *e = TAKE_PTR(*ret_error);
                        r = errorf(ret_error, r, "pod %s: container %s: %s", name, jstr(x->json, "containerName"),
                                   e ?: strerror(-r));
                        goto finish;
                }
        }
        r = container_id_generate(infra.id);
        if (r >= 0)
                r = pod_infra_options(pod, &f, infra.id, &infra.opts, &infra.image, ret_error);
        if (r >= 0)
                r = mkdir_p(empty_root, 0755);
        if (r >= 0)
                r = container_plan_build(&infra.opts, &infra.image, &ctx->paths, &infra.plan, ret_error);
        if (r < 0) {
                _cleanup_free_ char *e = TAKE_PTR(*ret_error);
                r = errorf(ret_error, r, "pod %s: infra container: %s", name, e ?: strerror(-r));
                goto finish;
        }
        /* skiff-pause alone is the infra's program (the --init binding put it in place). */
        strv_free(infra.plan->argv);
        infra.plan->argv = NULL;
        if (strv_extend(&infra.plan->argv, "/run/skiff-init") < 0) {
                r = -ENOMEM;
                goto finish;
        }
        /* The pod's cgroup parents the infra and the containers, with the pod's limits. */
        for (size_t i = 0; r >= 0 && i <= n; i++)
                r = pod_plan_cgroup(pod, pod_id, i < n ? m[i].plan : infra.plan);
        if (r < 0)
                goto finish;
        /* If the supervisor is killed, its pod dies with it: no orphans (the kernel's parent-death
         * signal, kept across exec for pods). */
        for (size_t i = 0; i < n; i++)
                m[i].plan->parent_death_signal = SIGKILL;
        infra.plan->parent_death_signal = SIGKILL;
        /* One /etc/hosts for the whole pod; --no-hosts: the image's own, untouched (podman's). */
        for (size_t i = 0; o->no_hosts && i < n; i++)
                plan_drop_mount(m[i].plan, "/etc/hosts");
        if (!o->no_hosts && (hosts = pod_etc_hosts(pod))) {
                for (size_t i = 0; i < n; i++) {
                        free(m[i].plan->etc_hosts);
                        m[i].plan->etc_hosts = strdup(hosts);
                }
                free(infra.plan->etc_hosts);
                infra.plan->etc_hosts = strdup(hosts);
        }

        shm = shm_dir(ctx, pod_id);
        if (!shm) {
                r = -ENOMEM;
                goto finish;
        }
        /* Rootless, the pod cannot mount a tmpfs on the host: each container keeps its own /dev/shm. */
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = plan_use_pod_shm(m[i].plan, geteuid() == 0 ? shm : NULL);
        if (r < 0)
                goto finish;

        /* --- from here on, records are created; any failure removes them all again --- */
        lock = pod_store_lock(pods);
        if (lock < 0) {
                r = errorf(ret_error, lock, "lock the pod records: %s", strerror(-lock));
                goto finish;
        }
        if (o->replace) {
                /* --replace converges from whatever a killed play left: every pod whose play marker
                 * names a process that is gone is removed whole, named or not yet. */
                _cleanup_strv_free_ char **all = NULL;
                (void) pod_list(pods, &all);
                STRV_FOREACH(pid_, all)
                        if (!streq(*pid_, pod_id) && pod_play_incomplete(pods, *pid_, false)) {
                                _cleanup_free_ char *e = NULL;
                                (void) cli_pod_teardown(ctx, pods, *pid_, true, &e);
                        }
        }
        if (pod_lookup(pods, name, existing) >= 0) {
                if (!o->replace) {
                        r = errorf(ret_error, -EEXIST, "pod %s already exists (%.12s); use --replace", name, existing);
                        goto finish;
                }
                r = cli_pod_teardown(ctx, pods, existing, true, ret_error);
                if (r < 0)
                        goto finish;
        }
        /* Containers with the names we need, left by anything else: --replace takes them over. */
        for (size_t i = 0; i <= n; i++) {
                const char *cname = i < n ? m[i].opts.name : infra.opts.name;
                char cid[CONTAINER_ID_LEN + 1];

                if (container_lookup(cs, cname, cid) < 0)
                        continue;
                if (!o->replace) {
                        r = errorf(ret_error, -EEXIST, "pod %s: container name %s is in use by container %.12s; use --replace",
                                   name, cname, cid);
                        goto finish;
                }
                r = cli_container_force_remove(cs, cid, 0, ret_error);
                if (r < 0)
                        goto finish;
        }

        cfg = calloc(1, sizeof(PodConfig));
        if (!cfg) {
                r = -ENOMEM;
                goto finish;
        }
        {
                char ts[64];
                memcpy(cfg->id, pod_id, sizeof(pod_id));
                memcpy(cfg->infra_id, infra.id, sizeof(infra.id));
                cfg->name = strdup(name);
                cfg->created_at = strdup(rfc3339_nanos_now(ts, sizeof(ts)));
                cfg->kind = strdup(strempty(jstr(pod, "kind")));
                cfg->infra_name = strdup(infra.opts.name);
                cfg->plan = plan_without_secrets(pod);
                cfg->restart_policy = pod_restart_policy_from_string(jstr(pod, "restartPolicy"));
                if (cfg->restart_policy < 0)
                        cfg->restart_policy = POD_RESTART_ALWAYS;
                (void) strv_copy(o->sources, &cfg->sources);
                if (strv_copy(o->create_argv, &cfg->create_argv) < 0) {
                        r = -ENOMEM;
                        goto finish;
                }
                (void) strv_copy(infra.opts.labels, &cfg->labels);
                (void) strv_copy(infra.opts.annotations, &cfg->annotations);
                cfg->members = calloc(n ?: 1, sizeof(PodMember));
                if (!cfg->name || !cfg->members) {
                        r = -ENOMEM;
                        goto finish;
                }
                for (size_t i = 0; i < n; i++) {
                        cfg->members[i].name = strdup(strempty(jstr(m[i].json, "containerName")));
                        cfg->members[i].full_name = strdup(m[i].opts.name);
                        memcpy(cfg->members[i].id, m[i].id, sizeof(m[i].id));
                        cfg->members[i].role = m[i].role;
                        cfg->n_members++;
                }
        }
        r = create_ctr_records(cs, pod_id, &infra, m, n, o->log_driver, ret_error);
        if (r < 0) {
                if (!*ret_error)
                        errorf(ret_error, r, "pod %s: create the container records: %s", name, strerror(-r));
                goto finish;
        }
        r = pod_create(pods, cfg, ret_error);
        if (r < 0)
                goto finish;
        close(TAKE_FD(lock));

        if (o->start) {
                r = cli_pod_start(ctx, pods, pod_id, o->wait, o->sd_notify, o->exit_propagation, play_fd, ret_error, ret_exit);
                if (r < 0)
                        goto finish;
        }
        (void) pod_play_end(pods, pod_id, TAKE_FD(play_fd));
        memcpy(ret_id, pod_id, sizeof(pod_id));
        r = 0;

finish:
        if (r < 0 && created) {
                _cleanup_free_ char *e2 = NULL;
                /* our own marker lock would make the teardown wait for us */
                if (play_fd >= 0)
                        close(TAKE_FD(play_fd));
                (void) cli_pod_teardown(ctx, pods, pod_id, true, &e2);
        }
        if (r < 0) {
                /* what prepare_volumes() made, newest first */
                for (size_t i = strv_length(created_paths); i > 0; i--)
                        (void) remove(created_paths[i - 1]);
                if (pod_dir)
                        (void) rm_rf_path(pod_dir);
        }
        for (size_t i = 0; i < n; i++)
                member_done(&m[i]);
        member_done(&infra);
        free(m);
        if (r == -ENOMEM && !*ret_error)
                *ret_error = strdup("out of memory");
        return r;
}

/* ---- start from the records ---- */

int cli_pod_start(SkiffContext *ctx, PodStore *pods, const char *id, bool wait, bool sd_notify,
                  const char *exit_propagation, int play_lock_fd, char **ret_error, int *ret_exit) {
        _cleanup_(pod_config_freep) PodConfig *cfg = NULL;
        PodState st = {};
        PodSupervisorSetup setup = {};
        pid_t pid;
        int r;

        *ret_exit = 125;
        r = pod_config_load(pods, id, &cfg);
        if (r < 0)
                return errorf(ret_error, r, "pod %.12s: load its record: %s", id, strerror(-r));
        r = pod_state_load(pods, id, cfg->n_members, &st);
        if (r >= 0 && IN_SET(st.status, POD_STATUS_RUNNING, POD_STATUS_DEGRADED, POD_STATUS_STOPPING)) {
                pod_state_done(&st);
                return errorf(ret_error, -EBUSY, "pod %s is already running", cfg->name);
        }
        pod_state_done(&st);
        {
                _cleanup_free_ char *shm = shm_dir(ctx, id);
                if (!shm)
                        return errorf(ret_error, -ENOMEM, "out of memory");
                r = geteuid() == 0 ? shm_mount(shm) : 0;
                if (r < 0)
                        return errorf(ret_error, r, "pod %s: mount the pod's /dev/shm on %s: %s", cfg->name, shm, strerror(-r));
        }
        r = tmpfs_volumes_check(ctx, cfg, ret_error);
        if (r < 0)
                return r;
        /* The supervisor (skiff-pod) reads the pod's and its containers' records itself, and has
         * skiff-pod-spawn load the plans from them; the back-off scale of the tests
         * (SKIFF_TEST_BACKOFF_MS) reaches it through the environment. */
        setup.paths = &ctx->paths;
        setup.pod_id = cfg->id;
        setup.binary = pod_supervisor_binary();
        setup.wait_ready = wait;
        setup.sd_notify = sd_notify;
        setup.exit_propagation = exit_propagation;
        setup.play_lock_fd = play_lock_fd;
        r = pod_supervisor_start(&setup, &pid, ret_error, ret_exit);
        if (r == -ENOMEM && !*ret_error)
                *ret_error = strdup("out of memory");
        return r;
}

/* ---- teardown ---- */

static void kill_leftovers(const char *const *cgroups_list[], size_t n, pid_t *pids, size_t n_pids) {
        int root = cgroup_root_open();

        for (size_t i = 0; i < n_pids; i++)
                if (pids[i] > 0)
                        (void) kill(pids[i], SIGKILL);
        for (size_t i = 0; root >= 0 && i < n; i++)
                if (cgroups_list[i])
                        (void) cgroup_kill(root, (char *const *) cgroups_list[i], SIGKILL);
        if (root >= 0)
                close(root);
}

static int pod_member_ids(ContainerStore *cs, const char *pod_id, char ***ret) {
        _cleanup_strv_free_ char **all = NULL, **mine = NULL;
        int r;

        r = container_list(cs, &all);
        if (r < 0)
                return r;
        STRV_FOREACH(id, all) {
                _cleanup_(container_config_freep) ContainerConfig *c = NULL;
                if (container_config_load(cs, *id, &c) >= 0 && streq_ptr(c->pod_id, pod_id) && strv_extend(&mine, *id) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(mine);
        return 0;
}

int cli_pod_read_id_file(const char *path, char ret[static POD_ID_LEN + 1]) {
        _cleanup_free_ char *text = NULL;
        size_t n = 0;
        int r = read_full_file_at(AT_FDCWD, path, 4096, &text, &n);

        if (r < 0)
                return r;
        while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
                text[--n] = 0;
        if (n != POD_ID_LEN || strspn(text, "0123456789abcdef") != POD_ID_LEN)
                return -EBADMSG;
        memcpy(ret, text, POD_ID_LEN + 1);
        return 0;
}

int cli_pod_join(SkiffContext *ctx, const char *ref, bool is_file, RunOptions *o, char ret_pod_id[static POD_ID_LEN + 1],
                 char **ret_error) {
        _cleanup_(pod_store_freep) PodStore *pods = NULL;
        _cleanup_(pod_config_freep) PodConfig *cfg = NULL;
        const char *flag = is_file ? "--pod-id-file" : "--pod";
        static const struct { const char *name; size_t off; } taken[] = {
                { "--network", offsetof(RunOptions, network) },
                { "--ipc", offsetof(RunOptions, ipc) },
                { "--uts", offsetof(RunOptions, uts) },
                { "--hostname", offsetof(RunOptions, hostname) },
        };
        char id[POD_ID_LEN + 1];
        PodState st = {};
        int r;

        for (size_t i = 0; i < ELEMENTSOF(taken); i++)
                if (*(char **) ((char *) o + taken[i].off))
                        return errorf(ret_error, -EINVAL, "%s %s: conflicts with %s (the pod's infra owns the network, "
                                      "ipc and uts namespaces)", flag, ref, taken[i].name);
        r = pod_store_open(&ctx->paths, &pods);
        if (r < 0)
                return errorf(ret_error, r, "%s %s: open the pod records under %s: %s", flag, ref, ctx->paths.root,
                              strerror(-r));
        if (is_file) {
                r = cli_pod_read_id_file(ref, id);
                if (r == -EBADMSG)
                        return errorf(ret_error, r, "--pod-id-file %s: does not hold a pod id", ref);
                if (r < 0)
                        return errorf(ret_error, r, "--pod-id-file %s: %s", ref, strerror(-r));
        }
        r = pod_lookup(pods, is_file ? id : ref, id);
        if (r == -ENOENT)
                return errorf(ret_error, r, "%s %s: no such pod", flag, ref);
        if (r < 0)
                return errorf(ret_error, r, "%s %s: %s", flag, ref, strerror(-r));
        r = pod_config_load(pods, id, &cfg);
        if (r >= 0)
                r = pod_state_load(pods, id, cfg->n_members, &st);
        if (r < 0)
                return errorf(ret_error, r, "%s %s: load the pod's record: %s", flag, ref, strerror(-r));
        if (!IN_SET(st.status, POD_STATUS_RUNNING, POD_STATUS_DEGRADED) || st.infra_pid <= 0) {
                pod_state_done(&st);
                return errorf(ret_error, -ESRCH, "%s %s: pod %s is not running; start it first (skiff pod start)", flag,
                              ref, cfg->name);
        }
        r = 0;
        {
                /* Rootless, the infra has a user namespace of its own, which owns its other namespaces:
                 * the container joins it too (and so shares the infra's id mapping). */
                struct stat a, b;
                char path[64];

                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) st.infra_pid);
                if (stat(path, &a) >= 0 && stat("/proc/self/ns/user", &b) >= 0 && a.st_ino != b.st_ino) {
                        if (o->userns || o->uidmap || o->gidmap) {
                                pod_state_done(&st);
                                return errorf(ret_error, -EINVAL, "%s %s: conflicts with --userns/--uidmap/--gidmap (the "
                                              "pod's infra has a user namespace of its own)", flag, ref);
                        }
                        if (asprintf(&o->userns, "ns:%s", path) < 0)
                                r = -ENOMEM;
                }
        }
        if (r < 0 || asprintf(&o->network, "ns:/proc/%d/ns/net", (int) st.infra_pid) < 0 ||
            asprintf(&o->ipc, "ns:/proc/%d/ns/ipc", (int) st.infra_pid) < 0 ||
            asprintf(&o->uts, "ns:/proc/%d/ns/uts", (int) st.infra_pid) < 0 ||
            strv_extendf(&o->labels, "io.skiff.pod=%s", cfg->name) < 0)
                r = -ENOMEM;
        pod_state_done(&st);
        if (r < 0)
                return r;
        memcpy(ret_pod_id, id, sizeof(id));
        return 0;
}

static bool is_member(const PodConfig *cfg, const char *cid) {
        if (!cfg)
                return false;
        if (streq(cfg->infra_id, cid))
                return true;
        for (size_t i = 0; i < cfg->n_members; i++)
                if (streq(cfg->members[i].id, cid))
                        return true;
        return false;
}

/* The pod's cgroups (skiff-pod-<id>, the parent of its members' in every hierarchy) from a member's
 * recorded cgroup paths, added to *parents. */
static void add_pod_cgroups(char **paths, char ***parents) {
        STRV_FOREACH(p, paths) {
                const char *slash = strrchr(*p, '/'), *prev;
                _cleanup_free_ char *dir = NULL;

                if (!slash)
                        continue;
                dir = strndup(*p, (size_t) (slash - *p));
                if (!dir)
                        return;
                prev = strrchr(dir, '/');
                if (startswith(prev ? prev + 1 : dir, "skiff-pod-") && !strv_contains(*parents, dir))
                        (void) strv_extend(parents, dir);
        }
}

int cli_pod_teardown(SkiffContext *ctx, PodStore *pods, const char *id, bool remove, char **ret_error) {
        return cli_pod_teardown_timeout(ctx, pods, id, remove, -1, ret_error);
}

int cli_pod_teardown_timeout(SkiffContext *ctx, PodStore *pods, const char *id, bool remove, int timeout,
                             char **ret_error) {
        _cleanup_(container_store_freep) ContainerStore *cs = NULL;
        _cleanup_(pod_config_freep) PodConfig *cfg = NULL;
        _cleanup_strv_free_ char **ctr_ids = NULL, **pod_cgroups = NULL;
        PodState st = {};
        int r, first = 0;
        unsigned grace = 30;

        r = container_store_open(&ctx->paths, &cs);
        if (r < 0)
                return errorf(ret_error, r, "open the container records: %s", strerror(-r));
        /* A play of this pod in progress (or the supervisor of a killed one, until it recorded itself)
         * finishes first: then whatever it started is in the records. */
        (void) pod_play_wait(pods, id, 30000);
        if (pod_config_load(pods, id, &cfg) >= 0) {
                json_object *g = jget(cfg->plan, "terminationGracePeriodSeconds");
                if (g)
                        grace = (unsigned) json_object_get_int(g);
        }
        (void) pod_state_load(pods, id, cfg ? cfg->n_members : 0, &st);

        /* 0. containers that joined the pod (`skiff run --pod`) have monitors of their own: they are
         * stopped the ordinary way (stop signal, their timeout, SIGKILL) before the infra goes */
        (void) pod_member_ids(cs, id, &ctr_ids);
        STRV_FOREACH(cid, ctr_ids)
                if (!is_member(cfg, *cid)) {
                        _cleanup_free_ char *e = NULL;
                        (void) container_stop(cs, *cid, timeout, &e);
                }
        ctr_ids = strv_free(ctr_ids);

        /* 1. the supervisor stops its pod (preStop, stop signal, grace period, SIGKILL) */
        if (st.supervisor_pid > 0) {
                r = pod_supervisor_stop_grace(st.supervisor_pid, st.supervisor_starttime, timeout,
                                              (timeout >= 0 ? (unsigned) timeout : grace) + 10);
                if (r == -ETIMEDOUT)
                        (void) kill(st.supervisor_pid, SIGKILL);
        }
        /* 2. whatever outlived it (a killed supervisor): the infra (pid and cgroups in the pod's state),
         * then the containers by their records, pids and cgroups */
        pod_state_done(&st);
        (void) pod_state_load(pods, id, cfg ? cfg->n_members : 0, &st);
        add_pod_cgroups(st.infra_cgroup_paths, &pod_cgroups);
        for (size_t i = 0; i < st.n_members; i++)
                add_pod_cgroups(st.members[i].cgroup_paths, &pod_cgroups);
        if (st.infra_pid > 0 || st.infra_cgroup_paths) {
                const char *const *cg[1] = { (const char *const *) st.infra_cgroup_paths };
                pid_t ip = st.infra_pid;
                char comm[64] = {}, path[64];
                _cleanup_free_ char *text = NULL;

                /* a recorded pid is only ours if it still runs skiff-pause */
                snprintf(path, sizeof(path), "/proc/%d/comm", (int) ip);
                if (ip > 0 && (read_full_file_at(AT_FDCWD, path, sizeof(comm), &text, NULL) < 0 || !startswith(text, "skiff-")))
                        ip = 0;
                kill_leftovers(cg, 1, &ip, 1);
        }
        {
                /* the infra's cgroups and run dir */
                _cleanup_(container_plan_freep) ContainerPlan *plan = NULL;
                _cleanup_(container_config_freep) ContainerConfig *cc = NULL;
                _cleanup_free_ char *e = NULL;
                if (cfg && container_config_load(cs, cfg->infra_id, &cc) >= 0 &&
                    container_plan_from_string(cc->plan_json, &plan, &e) >= 0) {
                        for (int i = 0; i < 50 && st.infra_pid > 0 && kill(st.infra_pid, 0) == 0; i++)
                                (void) poll(NULL, 0, 20);
                        (void) container_spawn_cleanup(plan, st.infra_cgroup_paths, 0, NULL) /* storage goes with container_remove() */;
                }
        }
        pod_state_done(&st);
        (void) pod_member_ids(cs, id, &ctr_ids);
        STRV_FOREACH(cid, ctr_ids) {
                ContainerState cst = {};
                _cleanup_(container_config_freep) ContainerConfig *cc = NULL;
                _cleanup_(container_plan_freep) ContainerPlan *plan = NULL;
                _cleanup_free_ char *e = NULL;

                if (container_state_load(cs, *cid, &cst) >= 0) {
                        pid_t pid = cst.pid;

                        add_pod_cgroups(cst.cgroup_paths, &pod_cgroups);
                        const char *const *cg[1] = { (const char *const *) cst.cgroup_paths };

                        if (pid > 0 && !proc_alive(pid, cst.pid_starttime))
                                pid = 0;
                        kill_leftovers(cg, 1, &pid, 1);
                        for (int i = 0; pid > 0 && i < 50 && proc_alive(pid, cst.pid_starttime); i++)
                                (void) poll(NULL, 0, 20);
                        if (container_config_load(cs, *cid, &cc) >= 0 &&
                            container_plan_from_string(cc->plan_json, &plan, &e) >= 0)
                                (void) container_spawn_cleanup(plan, cst.cgroup_paths, 0, NULL) /* storage goes with container_remove() */;
                        container_state_done(&cst);
                }
                if (remove) {
                        r = container_remove(cs, *cid);
                        if (r < 0 && r != -ENOENT && first == 0)
                                first = errorf(ret_error, r, "container %.12s: remove: %s", *cid, strerror(-r));
                }
        }
        {
                _cleanup_free_ char *shm = shm_dir(ctx, id);
                shm_umount(shm);
        }
        if (pod_cgroups) {
                /* the pod's cgroup, now that its members' are gone */
                _cleanup_free_ char *e = NULL;
                int root = cgroup_root_open();
                if (root >= 0) {
                        (void) cgroup_remove(root, pod_cgroups, 2000, &e);
                        close(root);
                }
        }
        if (remove) {
                /* secrets and emptyDirs of medium Memory live until the pod is removed */
                _cleanup_free_ char *tmpfs = tmpfs_volumes_dir(ctx, id);
                tmpfs_volumes_umount(tmpfs);
        }
        if (remove) {
                r = pod_remove(pods, id);
                if (r < 0 && first == 0)
                        first = errorf(ret_error, r, "pod %.12s: remove its record: %s", id, strerror(-r));
        }
        return first;
}
