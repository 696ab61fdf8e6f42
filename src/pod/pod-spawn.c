/* skiff-pod-spawn: starts a pod's processes for its supervisor (protocol: pod-spawn.h).
 *
 * Usage (internal, not for people): skiff-pod-spawn ROOT RUNROOT POD-ID, with the supervisor's
 * socket on fd 3. Everything that needs the container runtime (libmount, libseccomp, libcap) is here,
 * so that the supervisor, which lives as long as the pod, does not map those libraries at all; this
 * process lives only as long as a start takes. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/macro.h"
#include "common/paths.h"
#include "common/strv.h"
#include "pod/pod-spawn.h"
#include "pod/pod-state.h"
#include "runtime/container-plan.h"
#include "runtime/spawn.h"
#include "runtime/state.h"

typedef struct Helper {
        PodConfig *config;
        ContainerStore *store;
        ContainerPlan **plans; /* n_members + 1 (the infra last), loaded on first use */
} Helper;

static int reply(int sock, const char *fmt, ...) _printf_(2, 3);
static int reply(int sock, const char *fmt, ...) {
        _cleanup_free_ char *m = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        return send(sock, m, (size_t) n, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* One line: a reply carries one message, and an error with a newline would end early. */
static void one_line(char *s) {
        for (; s && *s; s++)
                if (*s == '\n')
                        *s = ' ';
}

static int reply_error(int sock, int class, const char *what, const char *err, int r) {
        _cleanup_free_ char *m = NULL;

        if (asprintf(&m, "%s%s%s", strempty(what), what && *what ? ": " : "", err ?: strerror(-r)) < 0)
                return -ENOMEM;
        one_line(m);
        return reply(sock, "err %d %s", class ?: 125, m);
}

static int reply_started(int sock, const ContainerPlan *plan, const SpawnResult *res) {
        _cleanup_free_ char *cg = NULL;

        if (res->cgroup_paths) {
                cg = strv_join(res->cgroup_paths, "\n");
                if (!cg)
                        return -ENOMEM;
        }
        return reply(sock, "ok %d %d %d %d%s%s", (int) res->pid, plan->stop_signal > 0 ? plan->stop_signal : SIGTERM,
                     plan->ns[NS_NET].mode == NS_MODE_NEW, plan->ns[NS_USER].mode == NS_MODE_NEW, cg ? "\n" : "",
                     strempty(cg));
}

static const char *member_name(Helper *h, size_t idx) {
        return idx < h->config->n_members ? h->config->members[idx].name : "infra";
}

static int plan_get(Helper *h, size_t idx, ContainerPlan **ret, char **ret_error) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;
        const char *id = idx < h->config->n_members ? h->config->members[idx].id : h->config->infra_id;
        int r;

        if (!h->plans[idx]) {
                r = container_config_load(h->store, id, &c);
                if (r < 0)
                        return asprintf(ret_error, "load the record of container %.12s: %s", id, strerror(-r)) < 0 ? -ENOMEM
                                                                                                                    : r;
                r = container_plan_from_string(c->plan_json, &h->plans[idx], ret_error);
                if (r < 0)
                        return r;
        }
        *ret = h->plans[idx];
        return 0;
}

/* The container joins the infra's network, ipc, uts (and with shareProcessNamespace, pid) namespaces,
 * named by the infra's pid: the plan has them as "join", without a path until the infra runs. */
static int set_ns_paths(ContainerPlan *p, const ContainerPlan *infra_plan, pid_t infra) {
        static const NsKind kinds[] = { NS_NET, NS_IPC, NS_UTS, NS_PID };

        /* Rootless, the infra's user namespace owns its network, ipc and uts namespaces: a container
         * can only enter them from inside it, so it joins that user namespace (and its id mapping)
         * instead of making one of its own. */
        if (infra_plan->ns[NS_USER].mode == NS_MODE_NEW && p->ns[NS_USER].mode == NS_MODE_NEW) {
                free(p->ns[NS_USER].path);
                p->ns[NS_USER].mode = NS_MODE_JOIN;
                if (asprintf(&p->ns[NS_USER].path, "/proc/%d/ns/user", (int) infra) < 0)
                        return -ENOMEM;
        }

        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                PlanNamespace *ns = &p->ns[kinds[i]];
                if (ns->mode != NS_MODE_JOIN)
                        continue;
                free(ns->path);
                if (asprintf(&ns->path, "/proc/%d/ns/%s", (int) infra, ns_kind_to_string(kinds[i])) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* "spawn"/"exec"/"infra": parses "MEMBER [PID [PID]]" of the first line. */
static int parse_member(Helper *h, const char *s, size_t *ret_idx) {
        char *end;
        unsigned long v;

        if (strncmp(s, "infra", 5) == 0 && (s[5] == 0 || s[5] == ' ' || s[5] == '\n')) {
                *ret_idx = h->config->n_members;
                return 0;
        }
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || v >= h->config->n_members)
                return -EINVAL;
        *ret_idx = (size_t) v;
        return 0;
}

/* "spawn-many INFRA-PID\nMEMBER\n…" with two fds per MEMBER: container_spawn_many(), then one reply
 * per MEMBER line, in order, whatever went wrong (the supervisor reads exactly that many). */
static int handle_spawn_many(Helper *h, int sock, const char *infra_arg, const char *args, int *fds, size_t n_fds) {
        _cleanup_strv_free_ char **lines = NULL;
        const ContainerPlan *plans[POD_SPAWN_MANY_MAX];
        SpawnStdio ios[POD_SPAWN_MANY_MAX];
        SpawnResult res[POD_SPAWN_MANY_MAX];
        char *errors[POD_SPAWN_MANY_MAX] = {};
        int rs[POD_SPAWN_MANY_MAX];
        size_t idx[POD_SPAWN_MANY_MAX], n;
        ContainerPlan *infra = NULL;
        _cleanup_free_ char *err = NULL;
        int infra_pid = atoi(infra_arg), r;

        if (pod_spawn_split_lines(args, &lines) < 0)
                return -ENOMEM;
        n = strv_length(lines);
        if (n == 0)
                return reply(sock, "err 125 skiff-pod-spawn: bad request");
        if (n > POD_SPAWN_MANY_MAX || n_fds != 2 * n || infra_pid <= 0) {
                for (size_t i = 0; i < n; i++) {
                        r = reply(sock, "err 125 skiff-pod-spawn: bad request");
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        r = plan_get(h, h->config->n_members, &infra, &err);
        for (size_t i = 0; i < n; i++) {
                ContainerPlan *p = NULL;

                plans[i] = NULL;
                rs[i] = r;
                if (r < 0)
                        continue;
                if (parse_member(h, lines[i], &idx[i]) < 0 || idx[i] >= h->config->n_members) {
                        rs[i] = -EINVAL;
                        errors[i] = strdup("skiff-pod-spawn: bad request");
                        continue;
                }
                rs[i] = plan_get(h, idx[i], &p, &errors[i]);
                if (rs[i] >= 0)
                        rs[i] = set_ns_paths(p, infra, infra_pid);
                plans[i] = p;
        }
        /* Those that can be started, at once; the others keep their error. */
        {
                const ContainerPlan *ok_plans[POD_SPAWN_MANY_MAX];
                SpawnResult ok_res[POD_SPAWN_MANY_MAX];
                char *ok_errors[POD_SPAWN_MANY_MAX];
                int ok_rs[POD_SPAWN_MANY_MAX];
                size_t map[POD_SPAWN_MANY_MAX], m = 0;

                for (size_t i = 0; i < n; i++) {
                        res[i] = (SpawnResult) { .pidfd = -1, .pty_master = -1, .exit_code = 125 };
                        if (rs[i] < 0)
                                continue;
                        ios[m] = SPAWN_STDIO_INIT;
                        ios[m].clone_parent = true;
                        ios[m].stdout_fd = fds[2 * i];
                        ios[m].stderr_fd = fds[2 * i + 1];
                        ok_plans[m] = plans[i];
                        map[m++] = i;
                }
                if (m > 0 && container_spawn_many(ok_plans, ios, m, ok_res, ok_errors, ok_rs) < 0) {
                        for (size_t j = 0; j < m; j++) {
                                rs[map[j]] = -ENOMEM;
                                errors[map[j]] = strdup("skiff-pod-spawn: out of memory");
                        }
                        m = 0;
                }
                for (size_t j = 0; j < m; j++) {
                        res[map[j]] = ok_res[j];
                        errors[map[j]] = ok_errors[j];
                        rs[map[j]] = ok_rs[j];
                }
        }
        r = 0;
        for (size_t i = 0; i < n; i++) {
                int k;

                if (rs[i] >= 0)
                        k = reply_started(sock, plans[i], &res[i]);
                else
                        k = reply_error(sock, res[i].exit_code, NULL, errors[i] ?: err, rs[i]);
                if (k < 0 && r == 0)
                        r = k;
                spawn_result_done(&res[i]);
                free(errors[i]);
        }
        return r;
}

static int handle(Helper *h, int sock, char *msg, int *fds, size_t n_fds) {
        _cleanup_free_ char *err = NULL;
        SpawnStdio io = SPAWN_STDIO_INIT;
        SpawnResult res = {};
        ContainerPlan *plan = NULL, *infra = NULL;
        size_t idx = 0;
        char *nl = strchr(msg, '\n'), *args = nl ? nl + 1 : NULL;
        int r;

        if (nl)
                *nl = 0;
        io.clone_parent = true;

        if (streq(msg, "infra")) {
                r = plan_get(h, h->config->n_members, &plan, &err);
                if (r < 0)
                        return reply_error(sock, 125, "infra container", err, r);
                r = container_spawn(plan, &io, &res, &err);
                if (r < 0)
                        return reply_error(sock, res.exit_code, NULL, err, r);
                r = reply_started(sock, plan, &res);
                spawn_result_done(&res);
                return r;
        }
        if (startswith(msg, "spawn ")) {
                int infra_pid = 0;
                char *sp;

                if (parse_member(h, msg + 6, &idx) < 0 || !(sp = strchr(msg + 6, ' ')) || (infra_pid = atoi(sp + 1)) <= 0 ||
                    n_fds != 2)
                        return reply(sock, "err 125 skiff-pod-spawn: bad request");
                r = plan_get(h, idx, &plan, &err);
                if (r >= 0)
                        r = plan_get(h, h->config->n_members, &infra, &err);
                if (r >= 0)
                        r = set_ns_paths(plan, infra, infra_pid);
                if (r < 0)
                        return reply_error(sock, 125, NULL, err, r);
                io.stdout_fd = fds[0];
                io.stderr_fd = fds[1];
                r = container_spawn(plan, &io, &res, &err);
                if (r < 0)
                        return reply_error(sock, res.exit_code, NULL, err, r);
                r = reply_started(sock, plan, &res);
                spawn_result_done(&res);
                return r;
        }
        if (startswith(msg, "spawn-many "))
                return handle_spawn_many(h, sock, msg + 11, args, fds, n_fds);
        if (startswith(msg, "exec ")) {
                _cleanup_strv_free_ char **argv = NULL;
                ExecOptions eo = {};
                int target = 0, infra_pid = 0;

                if (parse_member(h, msg + 5, &idx) < 0 || sscanf(msg + 5, "%*s %d %d", &target, &infra_pid) != 2 ||
                    target <= 0 || infra_pid <= 0 || !args)
                        return reply(sock, "err 125 skiff-pod-spawn: bad request");
                (void) pod_spawn_split_lines(args, &argv);
                if (!argv || !argv[0])
                        return reply(sock, "err 125 skiff-pod-spawn: bad request");
                r = plan_get(h, idx, &plan, &err);
                if (r >= 0)
                        r = plan_get(h, h->config->n_members, &infra, &err);
                if (r >= 0)
                        r = set_ns_paths(plan, infra, infra_pid);
                if (r < 0)
                        return reply_error(sock, 125, NULL, err, r);
                eo.argv = argv;
                r = container_exec(plan, target, &eo, &io, &res, &err);
                if (r < 0)
                        return reply_error(sock, res.exit_code, NULL, err, r);
                r = reply_started(sock, plan, &res);
                spawn_result_done(&res);
                return r;
        }
        if (startswith(msg, "cleanup ")) {
                _cleanup_strv_free_ char **cg = NULL;

                if (parse_member(h, msg + 8, &idx) < 0)
                        return reply(sock, "err 125 skiff-pod-spawn: bad request");
                if (pod_spawn_split_lines(args, &cg) < 0)
                        return reply(sock, "err 125 out of memory");
                r = plan_get(h, idx, &plan, &err);
                if (r >= 0)
                        r = container_spawn_cleanup(plan, cg, 0, &err);
                if (r < 0)
                        return reply_error(sock, 125, member_name(h, idx), err, r);
                return reply(sock, "ok");
        }
        return reply(sock, "err 125 skiff-pod-spawn: unknown request");
}

int main(int argc, char *argv[]) {
        _cleanup_(pod_store_freep) PodStore *pods = NULL;
        Helper h = {};
        SkiffPaths paths = {};
        static char msg[POD_SPAWN_MSG_MAX + 1];
        int r;

        if (argc != 4 || argv[1][0] != '/' || argv[2][0] != '/' || fcntl(POD_SPAWN_FD, F_SETFD, FD_CLOEXEC) < 0) {
                fprintf(stderr, "skiff-pod-spawn: internal helper of skiff's pod supervisor; not to be run by hand\n");
                return 2;
        }
        paths.root = argv[1];
        paths.runroot = argv[2];
        r = pod_store_open(&paths, &pods);
        if (r >= 0)
                r = pod_config_load(pods, argv[3], &h.config);
        if (r >= 0)
                r = container_store_open(&paths, &h.store);
        if (r >= 0 && !(h.plans = calloc(h.config->n_members + 1, sizeof(ContainerPlan *))))
                r = -ENOMEM;
        /* Every plan now, while the supervisor reads its own records (errors wait for their request). */
        for (size_t i = 0; r >= 0 && i <= h.config->n_members; i++) {
                _cleanup_free_ char *e = NULL;
                ContainerPlan *p;
                (void) plan_get(&h, i, &p, &e);
        }
        if (r < 0) {
                /* every request gets the same answer: the supervisor reports it */
                for (;;) {
                        ssize_t n = recv(POD_SPAWN_FD, msg, POD_SPAWN_MSG_MAX, MSG_CMSG_CLOEXEC);
                        if (n <= 0)
                                return 1;
                        (void) reply(POD_SPAWN_FD, "err 125 pod %.12s: load its records: %s", argv[3], strerror(-r));
                }
        }

        for (;;) {
                union {
                        struct cmsghdr h;
                        char buf[CMSG_SPACE(sizeof(int) * 2 * POD_SPAWN_MANY_MAX)];
                } control = {};
                struct iovec iov = { .iov_base = msg, .iov_len = POD_SPAWN_MSG_MAX };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof(control) };
                int fds[2 * POD_SPAWN_MANY_MAX];
                size_t n_fds = 0;
                ssize_t n = recvmsg(POD_SPAWN_FD, &mh, MSG_CMSG_CLOEXEC);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                msg[n] = 0;
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                                for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) && n_fds < ELEMENTSOF(fds); i++)
                                        memcpy(&fds[n_fds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                r = handle(&h, POD_SPAWN_FD, msg, fds, n_fds);
                for (size_t i = 0; i < n_fds; i++)
                        close(fds[i]);
                if (r < 0)
                        break;
        }
        for (size_t i = 0; i <= h.config->n_members; i++)
                container_plan_free(h.plans[i]);
        free(h.plans);
        container_store_free(h.store);
        pod_config_free(h.config);
        return 0;
}
