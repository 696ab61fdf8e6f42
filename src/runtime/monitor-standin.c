/* TEST-ONLY stand-in: see monitor-standin.h. No isolation at all. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/json-util.h"
#include "common/macro.h"
#include "common/strv.h"
#include "runtime/monitor-standin.h"
#include "runtime/state.h"

bool standin_enabled(void) {
        const char *e = secure_getenv("SKIFF_TEST_STANDIN_RUNTIME");
        return e && streq(e, "1");
}

int standin_plan_build(const RunOptions *opts, const ImageInfo *image, const SkiffPaths *paths,
                       ContainerPlan **ret, char **ret_error) {
        _cleanup_container_plan_ ContainerPlan *p = calloc(1, sizeof(*p));
        RestartPolicy rp = RESTART_NO;
        unsigned max = 0;
        int r;

        if (!p)
                return -ENOMEM;
        p->id = strdup(opts->id);
        p->name = strdup(opts->name);
        if (opts->command && opts->command[0])
                r = strv_copy(opts->command, &p->argv);
        else {
                r = strv_copy(image->entrypoint, &p->argv);
                STRV_FOREACH(a, image->cmd)
                        if (r >= 0)
                                r = strv_extend(&p->argv, *a);
        }
        if (r < 0)
                return r;
        if (!p->argv) {
                *ret_error = strdup("no command given and the image has none");
                return -EINVAL;
        }
        if (strv_copy(opts->env, &p->env) < 0)
                return -ENOMEM;
        p->rootfs = image->rootfs ? strdup(image->rootfs) : NULL;
        if (opts->restart && restart_policy_parse(opts->restart, &rp, &max) < 0) {
                (void) asprintf(ret_error, "--restart %s: invalid policy", opts->restart);
                return -EINVAL;
        }
        p->restart = (PlanRestart) rp;
        p->restart_max_retries = max;
        p->stop_signal = SIGTERM;
        p->stop_timeout = opts->stop_timeout ? (unsigned) atoi(opts->stop_timeout) : 10;
        p->log_driver = opts->log_driver ? plan_log_driver_from_string(opts->log_driver) : PLAN_LOG_K8S_FILE;
        if ((int) p->log_driver < 0)
                p->log_driver = (PlanLogDriver) log_driver_from_string(opts->log_driver);
        if ((int) p->log_driver < 0) {
                (void) asprintf(ret_error, "--log-driver %s: unknown driver", opts->log_driver);
                return -EINVAL;
        }
        p->rm = opts->rm;
        p->tty = opts->tty;
        *ret = TAKE_PTR(p);
        return 0;
}

int standin_plan_to_string(const ContainerPlan *p, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r = 0;

        r |= json_add_string(o, "standin", "NOT ISOLATED");
        r |= json_add_string(o, "id", p->id);
        r |= json_add_string(o, "name", p->name);
        r |= json_add_strv(o, "argv", p->argv);
        r |= json_add_strv(o, "env", p->env);
        r |= json_add_string(o, "rootfs", p->rootfs);
        r |= json_add_int(o, "restart", p->restart);
        r |= json_add_int(o, "restartMax", p->restart_max_retries);
        r |= json_add_int(o, "stopSignal", p->stop_signal);
        r |= json_add_int(o, "stopTimeout", p->stop_timeout);
        r |= json_add_int(o, "logDriver", p->log_driver);
        r |= json_add_bool(o, "rm", p->rm);
        r |= json_add_bool(o, "tty", p->tty);
        if (r < 0)
                return -ENOMEM;
        *ret = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        return *ret ? 0 : -ENOMEM;
}

static char **get_strv(json_object *o, const char *k) {
        json_object *a;
        char **l = NULL;

        if (!json_object_object_get_ex(o, k, &a) || !json_object_is_type(a, json_type_array))
                return NULL;
        for (size_t i = 0; i < json_object_array_length(a); i++)
                (void) strv_extend(&l, json_object_get_string(json_object_array_get_idx(a, i)));
        return l;
}

static const char *get_s(json_object *o, const char *k) {
        json_object *v;
        return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
                       ? json_object_get_string(v)
                       : NULL;
}

static int get_i(json_object *o, const char *k) {
        json_object *v;
        return json_object_object_get_ex(o, k, &v) ? json_object_get_int(v) : 0;
}

int standin_plan_from_string(const char *s, ContainerPlan **ret, char **ret_error) {
        _cleanup_json_ json_object *o = json_tokener_parse(s);
        ContainerPlan *p;

        if (!o || !get_s(o, "standin"))
                return -EBADMSG;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->id = get_s(o, "id") ? strdup(get_s(o, "id")) : NULL;
        p->name = get_s(o, "name") ? strdup(get_s(o, "name")) : NULL;
        p->argv = get_strv(o, "argv");
        p->env = get_strv(o, "env");
        p->rootfs = get_s(o, "rootfs") ? strdup(get_s(o, "rootfs")) : NULL;
        p->restart = get_i(o, "restart");
        p->restart_max_retries = (unsigned) get_i(o, "restartMax");
        p->stop_signal = get_i(o, "stopSignal");
        p->stop_timeout = (unsigned) get_i(o, "stopTimeout");
        p->log_driver = get_i(o, "logDriver");
        p->rm = get_i(o, "rm");
        p->tty = get_i(o, "tty");
        *ret = p;
        return 0;
}

int standin_spawn(const ContainerPlan *plan, const SpawnStdio *io, SpawnResult *ret, char **ret_error) {
        int p[2], err = 0;
        sigset_t all;
        pid_t pid;
        ssize_t n;

        *ret = (SpawnResult) { .pid = 0, .pidfd = -1, .pty_master = -1, .exit_code = 125 };
        if (io->create_pty) {
                *ret_error = strdup("stand-in runtime: no pty support");
                return -EOPNOTSUPP;
        }
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR);
                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                dup2(io->stdin_fd >= 0 ? io->stdin_fd : null, 0);
                dup2(io->stdout_fd >= 0 ? io->stdout_fd : null, 1);
                dup2(io->stderr_fd >= 0 ? io->stderr_fd : null, 2);
                const char *root = plan->rootfs ?: (plan->lower_dirs ? plan->lower_dirs[0] : NULL);
                if (root && (chroot(root) < 0 || chdir("/") < 0)) {
                        err = errno;
                        (void) !write(p[1], &err, sizeof(err));
                        _exit(125);
                }
                if (plan->env)
                        environ = plan->env;
                execvp(plan->argv[0], plan->argv);
                err = errno;
                (void) !write(p[1], &err, sizeof(err));
                _exit(127);
        }
        close(p[1]);
        n = read(p[0], &err, sizeof(err));
        close(p[0]);
        if (n == sizeof(err)) {
                (void) waitpid(pid, NULL, 0);
                ret->exit_code = err == ENOENT ? 127 : IN_SET(err, EACCES, ENOEXEC, EISDIR) ? 126 : 125;
                (void) asprintf(ret_error, "exec %s: %s", plan->argv[0], strerror(err));
                return -err;
        }
        ret->pid = pid;
        ret->exit_code = 0;
        return 0;
}
