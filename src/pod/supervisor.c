/* skiff-pod, the pod supervisor: see supervisor.h, and docs/architecture.md "The small supervisor
 * (supsmall)" for why it is a static executable of its own that starts nothing itself.
 *
 * Usage (internal, not for people): skiff-pod ROOT RUNROOT POD-ID [--wait] [--sd-notify] [--play-lock],
 * with the report pipe to `kube play` on fd 3 and, with --play-lock, the play marker's lock on fd 4
 * (supervisor-launch.c). */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/paths.h"
#include "common/sd-watchdog.h"
#include "common/strv.h"
#include "pod/backoff.h"
#include "pod/pod-spawn.h"
#include "pod/pod-state.h"
#include "pod/probe.h"
#include "pod/sd-native.h"
#include "runtime/ctr-log.h"
#include "runtime/state.h"

#define USEC_PER_SEC 1000000ULL

typedef enum CtrRun {
        RUN_WAITING,  /* not started yet, or in back-off */
        RUN_RUNNING,
        RUN_STOPPING, /* stop signal sent, kill deadline armed */
        RUN_DONE,     /* exited and will not run again */
} CtrRun;

typedef enum Phase {
        PHASE_INIT,     /* running init containers, one after the other */
        PHASE_RUNNING,  /* containers started */
        PHASE_STOPPING, /* stop requested: waiting for every container to go */
} Phase;

typedef struct Sup Sup;

typedef struct Ctr {
        Sup *sup;
        size_t index;
        const PodMember *member; /* borrowed from the config */
        int stop_signal;         /* from the plan, with every start (skiff-pod-spawn's reply) */
        char *log_path;          /* NULL: no log file (journald, none) */
        bool cleanup_pending;    /* reaped: its cgroups and run dir go before the loop waits again */
        CtrRun run;
        pid_t pid;
        uint64_t pid_starttime;
        int out_fd, err_fd;
        CtrLog *log;
        char **cgroup_paths;
        Backoff backoff;
        uint64_t timer_due; /* restart time (WAITING) or kill deadline (STOPPING); 0: none */
        bool restart_after_kill; /* a failed liveness/startup probe or postStart: restart when it exits */
        bool started_once;
        int exit_code;
        /* probes */
        ProbeSpec specs[_PROBE_KIND_MAX];
        ProbeSet probes;
        ProbeConn *conn;        /* a running httpGet/tcpSocket probe */
        ProbeKind conn_kind;
        pid_t exec_pid;         /* a running exec probe */
        ProbeKind exec_kind;
        uint64_t exec_deadline;
        /* hooks */
        pid_t hook_pid;          /* a running exec postStart/preStop hook */
        bool in_post_start;
} Ctr;

typedef struct SupArgs {
        SkiffPaths paths;
        const char *pod_id;
        bool wait_ready, sd_notify, play_lock;
        const char *exit_propagation; /* --exit-code-propagation=any|all; NULL: none */
        pid_t helper_pid;            /* --helper=PID: skiff-pod-spawn runs already, its socket on fd 5 */
        unsigned backoff_initial_ms; /* 0: Kubernetes' 10 s (tests scale it down) */
        unsigned backoff_max_ms;     /* 0: 5 min */
} SupArgs;

struct Sup {
        const SupArgs *setup;
        PodConfig *config;
        LogDriver log_driver;
        char helper_path[4096]; /* skiff-pod-spawn */
        pid_t helper_pid;       /* a running skiff-pod-spawn, or 0 */
        int helper_fd;          /* our end of its socket, or -1 */
        PodStore *pods;
        ContainerStore *ctrs_store;
        PodState state;
        Phase phase;
        size_t next_init;
        Ctr *ctrs;
        size_t n_ctrs;
        bool infra_net_new, infra_user_new; /* the infra's plan makes new network/user namespaces */
        pid_t infra_pid;
        char **infra_cgroups;
        bool infra_started;
        int netns_fd;
        int epoll_fd, signal_fd, timer_fd;
        int report_fd; /* to `kube play` until the first report; -1 after */
        bool wait_ready;
        uint64_t grace_usec;
        bool infra_gone;
        bool batch_save; /* start_apps(): one pod state write for all the containers it starts */
        /* systemd (sd_notify): READY=1 was sent; the last STATUS= text; WatchdogSec= pings every
         * watchdog_usec, next at watchdog_due (0: none) */
        bool sd_ready;
        char sd_status[96];
        uint64_t watchdog_usec, watchdog_due;
        bool stop_requested; /* SIGTERM/INT/HUP: an orderly end, exit 0 whatever the containers did */
};

/* epoll data: kind in the top byte, container index below, stream in bit 0 */
enum { EV_SIGNAL = 1, EV_TIMER, EV_OUT, EV_ERR, EV_PROBE };
#define EV(kind, idx) (((uint64_t) (kind) << 56) | (uint64_t) (idx))

static char *now_rfc3339(char buf[static 64]) {
        return rfc3339_nanos_now(buf, 64);
}

/* ---- state ---- */

static PodMemberState *mstate(Ctr *c) {
        return &c->sup->state.members[c->index];
}

static void set_reason(char **field, const char *s) {
        free(*field);
        *field = s ? strdup(s) : NULL;
}

static void pod_status_update(Sup *s) {
        bool all = true;

        if (s->phase == PHASE_STOPPING) {
                s->state.status = POD_STATUS_STOPPING;
                return;
        }
        for (size_t i = 0; i < s->n_ctrs; i++) {
                Ctr *c = &s->ctrs[i];
                if (c->member->role == POD_ROLE_INIT)
                        continue;
                if (c->run != RUN_RUNNING)
                        all = false;
        }
        s->state.status = s->phase == PHASE_RUNNING && all ? POD_STATUS_RUNNING : POD_STATUS_DEGRADED;
}

/* STATUS= for systemd: "2/2 containers running", ", 1 restart" when any happened (init containers
 * are not counted: they are done once the pod runs). */
static void status_text(Sup *s, char *buf, size_t size) {
        unsigned running = 0, total = 0, restarts = 0;

        for (size_t i = 0; i < s->n_ctrs; i++) {
                Ctr *c = &s->ctrs[i];
                if (c->member->role == POD_ROLE_INIT)
                        continue;
                total++;
                running += c->run == RUN_RUNNING;
                restarts += c->backoff.restarts;
        }
        if (restarts > 0)
                snprintf(buf, size, "%u/%u containers running, %u restart%s", running, total, restarts,
                         restarts == 1 ? "" : "s");
        else
                snprintf(buf, size, "%u/%u containers running", running, total);
}

/* After READY=1, every change of the counts is a new STATUS= line (only a change: save() runs at
 * every transition, probes included). */
static void notify_status(Sup *s) {
        char buf[sizeof(s->sd_status)];

        if (!s->setup->sd_notify || !s->sd_ready || s->phase == PHASE_STOPPING)
                return;
        status_text(s, buf, sizeof(buf));
        if (streq(buf, s->sd_status))
                return;
        memcpy(s->sd_status, buf, sizeof(buf));
        (void) sd_native_notifyf("STATUS=%s", buf);
}

/* The pod is up: from now on the supervisor runs a small part of its code (the loop, logs, restarts,
 * probes, stop). The kernel mapped the pages around every page it touched so far (fault-around, 64 KiB
 * at a time), so most of the static binary's 1 MiB of code counts in its RSS. Dropping the code's
 * mapping (read-only pages of the executable file: they come back from the page cache on use) and
 * asking for no read-around leaves only the pages the loop really uses. */
static void trim_code_pages(void) {
        extern char __executable_start[], etext[];
        long page = sysconf(_SC_PAGESIZE);
        uintptr_t start, end;

        if (page <= 0)
                return;
        start = ((uintptr_t) __executable_start + (uintptr_t) page - 1) & ~((uintptr_t) page - 1);
        end = (uintptr_t) etext & ~((uintptr_t) page - 1);
        if (end <= start)
                return;
        (void) madvise((void *) start, end - start, MADV_RANDOM);
        (void) madvise((void *) start, end - start, MADV_DONTNEED);
}

/* Rewrites state.json, and the container records `skiff ps` reads. Failures to write are ignored: the
 * supervisor goes on running the pod (a full disk must not kill the containers). */
static bool all_ready(Sup *s);
static void report(Sup *s, const char *fmt, ...) _printf_(2, 3);

static void save(Sup *s) {
        _cleanup_close_ _unused_ int lock = -EBADF;

        if (s->batch_save)
                return;
        lock = pod_lock(s->pods, s->config->id);

        /* --wait: `kube play` returns once every container is ready, whichever transition made it so. */
        if (s->report_fd >= 0 && s->wait_ready && s->phase == PHASE_RUNNING && all_ready(s))
                report(s, "R");
        pod_status_update(s);
        (void) pod_state_save(s->pods, s->config->id, &s->state);
        notify_status(s);
}

static void save_ctr(Ctr *c) {
        ContainerState cs = {};
        PodMemberState *m = mstate(c);
        _cleanup_close_ int lock = -EBADF;

        if (!c->sup->ctrs_store)
                return;
        lock = container_lock(c->sup->ctrs_store, c->member->id);
        cs.status = c->run == RUN_RUNNING ? CONTAINER_STATUS_RUNNING
                    : c->run == RUN_STOPPING ? CONTAINER_STATUS_STOPPING
                    : c->started_once     ? CONTAINER_STATUS_EXITED
                                          : CONTAINER_STATUS_CREATED;
        cs.pid = c->run == RUN_RUNNING || c->run == RUN_STOPPING ? c->pid : 0;
        cs.pid_starttime = c->pid_starttime;
        cs.monitor_pid = getpid();
        (void) proc_starttime(getpid(), &cs.monitor_starttime);
        cs.exit_code = c->exit_code;
        cs.started_at = m->started_at;
        cs.finished_at = m->finished_at;
        cs.exit_reason = m->message;
        cs.restart_count = c->backoff.restarts;
        cs.log_path = (char *) c->log_path;
        cs.cgroup_paths = c->cgroup_paths;
        (void) container_state_save(c->sup->ctrs_store, c->member->id, &cs);
}

/* ---- report to `kube play` ---- */

static void report(Sup *s, const char *fmt, ...) _printf_(2, 3);
static void report(Sup *s, const char *fmt, ...) {
        char buf[1024];
        va_list ap;
        int n;

        if (s->report_fd < 0)
                return;
        /* Under systemd (Type=notify, NotifyAccess=all), the supervisor takes over as the unit's main
         * process before `kube play` hears "started" and exits: READY=1 must arrive while the play still
         * runs, or systemd would see its main process exit before the service was ready. */
        if (s->setup->sd_notify && (fmt[0] == 'S' || fmt[0] == 'R')) {
                uint64_t usec;

                status_text(s, s->sd_status, sizeof(s->sd_status));
                (void) sd_native_notifyf("MAINPID=%d\nREADY=1\nSTATUS=%s", (int) getpid(), s->sd_status);
                s->sd_ready = true;
                /* WatchdogSec=: pings from the loop at half the timeout (common/sd-watchdog.h) */
                if (sd_watchdog_ping_interval(getenv("WATCHDOG_USEC"), &usec) > 0) {
                        s->watchdog_usec = usec;
                        s->watchdog_due = now_usec() + usec;
                        (void) sd_native_notifyf("WATCHDOG=1");
                }
        }
        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
        va_end(ap);
        if (n < 0)
                n = 0;
        if ((size_t) n > sizeof(buf) - 2)
                n = (int) sizeof(buf) - 2;
        buf[n++] = '\n';
        (void) !write(s->report_fd, buf, (size_t) n);
        close(s->report_fd);
        s->report_fd = -1;
        trim_code_pages();
}

/* ---- skiff-pod-spawn (pod-spawn.h) ---- */

/* Ends the helper: EOF on its socket, then its exit. Called before the loop waits, so no helper
 * outlives the work it was started for. */
static void helper_close(Sup *s) {
        if (s->helper_fd >= 0) {
                close(s->helper_fd);
                s->helper_fd = -1;
        }
        if (s->helper_pid > 0) {
                while (waitpid(s->helper_pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                s->helper_pid = 0;
        }
}

static int helper_open(Sup *s) {
        int sp[2];
        pid_t pid;

        if (s->helper_fd >= 0)
                return 0;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(sp[0]);
                close(sp[1]);
                return r;
        }
        if (pid == 0) {
                sigset_t none;

                if (sp[1] == POD_SPAWN_FD ? fcntl(sp[1], F_SETFD, 0) < 0 : dup2(sp[1], POD_SPAWN_FD) < 0)
                        _exit(127);
                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                (void) signal(SIGPIPE, SIG_DFL);
                execl(s->helper_path, "skiff-pod-spawn", s->setup->paths.root, s->setup->paths.runroot, s->setup->pod_id,
                      (char *) NULL);
                _exit(127);
        }
        close(sp[1]);
        s->helper_fd = sp[0];
        s->helper_pid = pid;
        return 0;
}

/* On a failed exchange: the helper is ended and buf holds an "err 125 …" reply naming it. */
static int helper_fail(Sup *s, int r, char *buf, size_t size) {
        helper_close(s);
        snprintf(buf, size, "err 125 %s: %s", s->helper_path,
                 r == -EPIPE ? "exited without answering (not executable?)" : strerror(-r));
        return r;
}

/* Sends one request with n_fds fds (at most 2 * POD_SPAWN_MANY_MAX). Returns 0; or -errno with buf set
 * as by helper_fail(). */
static int helper_send(Sup *s, const char *req, const int *fds, size_t n_fds, char *buf, size_t size) {
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int) * 2 * POD_SPAWN_MANY_MAX)];
        } control = {};
        struct iovec iov = { .iov_base = (void *) req, .iov_len = strlen(req) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        int r;

        assert(n_fds <= 2 * POD_SPAWN_MANY_MAX);
        r = helper_open(s);
        if (r < 0)
                return helper_fail(s, r, buf, size);
        if (n_fds > 0) {
                struct cmsghdr *c;

                mh.msg_control = &control;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                c = &control.h; /* CMSG_FIRSTHDR(&mh), without the NULL case gcc -O3 warns about */
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        if (sendmsg(s->helper_fd, &mh, MSG_NOSIGNAL) < 0)
                return helper_fail(s, -errno, buf, size);
        return 0;
}

/* Reads one reply into buf (NUL-terminated). Returns 0; or -errno with buf set as by helper_fail(). */
static int helper_recv(Sup *s, char *buf, size_t size) {
        ssize_t n;

        if (s->helper_fd < 0)
                return helper_fail(s, -EPIPE, buf, size);
        do
                n = recv(s->helper_fd, buf, size - 1, 0);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
                return helper_fail(s, n < 0 ? -errno : -EPIPE, buf, size);
        buf[n] = 0;
        return 0;
}

/* One request (with fds), one reply into buf. Returns 0; or -errno with buf an "err 125 …" reply. */
static int helper_call(Sup *s, const char *req, const int *fds, size_t n_fds, char *buf, size_t size) {
        int r = helper_send(s, req, fds, n_fds, buf, size);
        return r < 0 ? r : helper_recv(s, buf, size);
}

typedef struct Started {
        pid_t pid;
        int stop_signal;
        bool net_new, user_new;
        char **cgroups;
} Started;

/* A reply to infra/spawn/exec: 0 with *ret filled ("ok"), or the exit class (125, 126, 127) with a
 * one-line *ret_error ("err"). */
static int parse_started(const char *buf, Started *ret, char **ret_error) {
        if (startswith(buf, "ok ")) {
                int pid = 0, sig = 0, net = 0, user = 0;
                const char *nl = strchr(buf, '\n');

                if (sscanf(buf + 3, "%d %d %d %d", &pid, &sig, &net, &user) != 4 || pid <= 0)
                        goto bad;
                *ret = (Started) { .pid = pid, .stop_signal = sig > 0 ? sig : SIGTERM, .net_new = net, .user_new = user };
                if (nl && pod_spawn_split_lines(nl + 1, &ret->cgroups) < 0)
                        ret->cgroups = NULL; /* the cgroups are removed by path at cleanup only */
                return 0;
        }
        if (startswith(buf, "err ")) {
                char *end;
                long class = strtol(buf + 4, &end, 10);

                if (ret_error)
                        *ret_error = strdup(*end == ' ' ? end + 1 : end);
                return IN_SET(class, 126, 127) ? (int) class : 125;
        }
bad:
        if (ret_error)
                *ret_error = strdup("skiff-pod-spawn: unexpected reply");
        return 125;
}

/* container_spawn_cleanup() of a reaped container (index n_ctrs: the infra), through the helper. */
static void cleanup_one(Sup *s, size_t idx, char **cgroups) {
        _cleanup_free_ char *cg = cgroups ? strv_join(cgroups, "\n") : NULL;
        char req[64 + 4096], buf[1024];

        if (idx >= s->n_ctrs)
                snprintf(req, sizeof(req), "cleanup infra\n%s", strempty(cg));
        else
                snprintf(req, sizeof(req), "cleanup %zu\n%s", idx, strempty(cg));
        (void) helper_call(s, req, NULL, 0, buf, sizeof(buf));
}

static void flush_cleanups(Sup *s) {
        for (size_t i = 0; i < s->n_ctrs; i++)
                if (s->ctrs[i].cleanup_pending) {
                        s->ctrs[i].cleanup_pending = false;
                        cleanup_one(s, i, s->ctrs[i].cgroup_paths);
                }
}

/* ---- timers ---- */

static void arm_timer(Sup *s) {
        uint64_t best = 0;
        struct itimerspec its = {};

#define CONSIDER(t)                                    \
        do {                                           \
                uint64_t _t = (t);                     \
                if (_t && (best == 0 || _t < best))    \
                        best = _t;                     \
        } while (0)

        for (size_t i = 0; i < s->n_ctrs; i++) {
                Ctr *c = &s->ctrs[i];
                uint64_t due;

                CONSIDER(c->timer_due);
                if (c->run == RUN_RUNNING && !c->in_post_start && probe_set_next_due(&c->probes, &due))
                        CONSIDER(due ?: 1);
                if (c->conn)
                        CONSIDER(probe_conn_deadline(c->conn));
                if (c->exec_pid > 0)
                        CONSIDER(c->exec_deadline);
        }
        CONSIDER(s->watchdog_due);
#undef CONSIDER
        if (best) {
                its.it_value.tv_sec = (time_t) (best / USEC_PER_SEC);
                its.it_value.tv_nsec = (long) (best % USEC_PER_SEC) * 1000;
        }
        (void) timerfd_settime(s->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* ---- containers ---- */

static void close_output(Sup *s, int *fd) {
        if (*fd < 0)
                return;
        (void) epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, *fd, NULL);
        close(*fd);
        *fd = -EBADF;
}

static void drain(Ctr *c, int *fd, CtrStream stream) {
        char buf[16384];

        for (;;) {
                ssize_t n = read(*fd, buf, sizeof(buf));

                if (n > 0) {
                        if (c->log)
                                (void) ctr_log_write(c->log, stream, buf, (size_t) n);
                        continue;
                }
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return;
                /* EOF or error: the stream is over */
                if (c->log)
                        (void) ctr_log_flush(c->log, stream);
                close_output(c->sup, fd);
                return;
        }
}

static void probe_specs_load(Ctr *c) {
        static const char *const keys[_PROBE_KIND_MAX] = {
                [PROBE_STARTUP] = "startupProbe", [PROBE_LIVENESS] = "livenessProbe", [PROBE_READINESS] = "readinessProbe",
        };
        json_object *pod = c->sup->config->plan, *list, *cj = NULL;
        const char *lname = c->member->role == POD_ROLE_APP ? "containers" : "initContainers";

        if (json_object_object_get_ex(pod, lname, &list))
                for (size_t i = 0; i < json_object_array_length(list); i++) {
                        json_object *e = json_object_array_get_idx(list, i), *n;
                        if (json_object_object_get_ex(e, "containerName", &n) &&
                            streq(json_object_get_string(n), c->member->name))
                                cj = e;
                }
        for (int k = 0; k < _PROBE_KIND_MAX; k++) {
                json_object *p, *v, *t;
                ProbeSpec *sp = &c->specs[k];

                if (!cj || !json_object_object_get_ex(cj, keys[k], &p))
                        continue;
                sp->set = true;
#define GETU(key, field, def)                                                                  \
        sp->field = json_object_object_get_ex(p, key, &v) ? (unsigned) json_object_get_int(v) : (def)
                GETU("initialDelaySeconds", initial_delay_sec, 0);
                GETU("periodSeconds", period_sec, 10);
                GETU("timeoutSeconds", timeout_sec, 1);
                GETU("successThreshold", success_threshold, 1);
                GETU("failureThreshold", failure_threshold, 3);
#undef GETU
                if (sp->period_sec == 0)
                        sp->period_sec = 10;
                if (sp->timeout_sec == 0)
                        sp->timeout_sec = 1;
                if (json_object_object_get_ex(p, "exec", &v)) {
                        sp->handler = PROBE_HANDLER_EXEC;
                        for (size_t i = 0; i < json_object_array_length(v); i++)
                                (void) strv_extend(&sp->exec_argv, json_object_get_string(json_object_array_get_idx(v, i)));
                } else if (json_object_object_get_ex(p, "target", &t)) {
                        json_object *x;
                        bool http = json_object_object_get_ex(t, "type", &x) && streq(json_object_get_string(x), "httpGet");

                        sp->handler = http ? PROBE_HANDLER_HTTP_GET : PROBE_HANDLER_TCP_SOCKET;
                        if (json_object_object_get_ex(t, "host", &x) && json_object_is_type(x, json_type_string))
                                sp->target.host = strdup(json_object_get_string(x));
                        if (json_object_object_get_ex(t, "port", &x))
                                sp->target.port = (uint16_t) json_object_get_int(x);
                        if (json_object_object_get_ex(t, "path", &x))
                                sp->target.path = strdup(json_object_get_string(x));
                        if (json_object_object_get_ex(t, "scheme", &x))
                                sp->target.https = streq(json_object_get_string(x), "HTTPS");
                        if (json_object_object_get_ex(t, "headers", &x))
                                for (size_t i = 0; i < json_object_array_length(x); i++)
                                        (void) strv_extend(&sp->target.headers,
                                                           json_object_get_string(json_object_array_get_idx(x, i)));
                } else
                        sp->set = false; /* grpc: validation refused it already */
        }
}

/* The container's lifecycle hook of that name ("postStart", "preStop"), or NULL. */
static json_object *hook(Ctr *c, const char *name) {
        json_object *pod = c->sup->config->plan, *list, *lc, *h;
        const char *lname = c->member->role == POD_ROLE_APP ? "containers" : "initContainers";

        if (!json_object_object_get_ex(pod, lname, &list))
                return NULL;
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *e = json_object_array_get_idx(list, i), *n;
                if (json_object_object_get_ex(e, "containerName", &n) && streq(json_object_get_string(n), c->member->name) &&
                    json_object_object_get_ex(e, "lifecycle", &lc) && json_object_object_get_ex(lc, name, &h))
                        return h;
        }
        return NULL;
}

/* Starts argv in the running container (exec probes and hooks); the process is our child. */
static pid_t exec_in(Ctr *c, char **argv) {
        _cleanup_free_ char *req = NULL, *args = strv_join(argv, "\n");
        char buf[1024];
        Started st = {};

        if (!args || asprintf(&req, "exec %zu %d %d\n%s", c->index, (int) c->pid, (int) c->sup->infra_pid, args) < 0 ||
            strlen(req) >= POD_SPAWN_MSG_MAX)
                return -1;
        (void) helper_call(c->sup, req, NULL, 0, buf, sizeof(buf));
        if (parse_started(buf, &st, NULL) != 0)
                return -1;
        strv_free(st.cgroups);
        return st.pid;
}

/* Runs a hook to its end, blocking: exec hooks wait for the process (up to timeout), httpGet/tcpSocket
 * hooks make the request, sleep sleeps. Returns true on success. Hooks are rare and short, and the
 * kubelet, too, holds the container's start (postStart) or stop (preStop) until the hook is done. */
static bool run_hook(Ctr *c, json_object *h, unsigned timeout_sec) {
        json_object *t;
        const char *type = json_object_object_get_ex(h, "type", &t) ? json_object_get_string(t) : "";

        if (streq(type, "exec")) {
                _cleanup_strv_free_ char **argv = NULL;
                json_object *cmd;
                pid_t pid;
                uint64_t deadline = now_usec() + (uint64_t) timeout_sec * USEC_PER_SEC;

                if (json_object_object_get_ex(h, "command", &cmd))
                        for (size_t i = 0; i < json_object_array_length(cmd); i++)
                                (void) strv_extend(&argv, json_object_get_string(json_object_array_get_idx(cmd, i)));
                if (!argv)
                        return false;
                pid = exec_in(c, argv);
                if (pid <= 0)
                        return false;
                for (;;) {
                        int st;
                        pid_t r = waitpid(pid, &st, WNOHANG);
                        if (r == pid)
                                return WIFEXITED(st) && WEXITSTATUS(st) == 0;
                        if (r < 0)
                                return false;
                        if (now_usec() >= deadline) {
                                (void) kill(pid, SIGKILL);
                                (void) waitpid(pid, NULL, 0);
                                return false;
                        }
                        (void) poll(NULL, 0, 20);
                }
        }
        if (streq(type, "httpGet") || streq(type, "tcpSocket")) {
                ProbeSpec sp = {};
                ProbeResult res;
                json_object *x;
                bool ok;

                if (json_object_object_get_ex(h, "host", &x) && json_object_is_type(x, json_type_string))
                        sp.target.host = strdup(json_object_get_string(x));
                if (json_object_object_get_ex(h, "port", &x))
                        sp.target.port = (uint16_t) json_object_get_int(x);
                if (json_object_object_get_ex(h, "path", &x))
                        sp.target.path = strdup(json_object_get_string(x));
                ok = probe_run(&sp.target, streq(type, "httpGet"), c->sup->netns_fd, timeout_sec * 1000, &res) >= 0 &&
                     res.success;
                probe_spec_done(&sp);
                return ok;
        }
        if (streq(type, "sleep")) {
                json_object *x;
                unsigned sec = json_object_object_get_ex(h, "seconds", &x) ? (unsigned) json_object_get_int(x) : 0;
                (void) poll(NULL, 0, (int) MIN(sec, timeout_sec) * 1000);
                return true;
        }
        return true;
}

static void ctr_stop(Ctr *c, unsigned timeout_sec, bool restart_after);

/* Before a start: the last run's cleanup, the output pipes (out[1], err[1] go to the helper), the log.
 * Returns 0, or -errno with *ret_error. */
static int ctr_prepare(Ctr *c, int out[static 2], int err[static 2], char **ret_error) {
        Sup *s = c->sup;
        int r;

        out[0] = out[1] = err[0] = err[1] = -1;
        if (c->cleanup_pending) {
                c->cleanup_pending = false;
                cleanup_one(s, c->index, c->cgroup_paths);
        }
        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
                r = -errno;
                for (int i = 0; i < 2; i++) {
                        if (out[i] >= 0)
                                close(out[i]);
                        if (err[i] >= 0)
                                close(err[i]);
                        out[i] = err[i] = -1;
                }
                if (ret_error)
                        *ret_error = strdup("cannot create the output pipes");
                c->exit_code = 125;
                return r;
        }
        if (!c->log && c->log_path) {
                r = ctr_log_open(s->log_driver, c->log_path, c->member->full_name, c->member->id, &c->log);
                if (r < 0)
                        c->log = NULL; /* no log is no reason not to run */
        } else if (!c->log && s->log_driver != LOG_DRIVER_K8S_FILE)
                (void) ctr_log_open(s->log_driver, NULL, c->member->full_name, c->member->id, &c->log);
        if (c->log)
                (void) ctr_log_set_pod(c->log, s->config->name, s->config->id); /* journald: POD_NAME=, POD_ID= */
        return 0;
}

/* After the helper's reply (buf) to a spawn: records the start, or the start error (-EIO, *ret_error,
 * c->exit_code the class). Takes the read ends out_rd and err_rd either way. */
static int ctr_started(Ctr *c, const char *buf, int out_rd, int err_rd, char **ret_error) {
        Sup *s = c->sup;
        Started res = {};
        PodMemberState *m = mstate(c);
        char ts[64];
        int r;

        r = parse_started(buf, &res, ret_error);
        if (r != 0) {
                close(out_rd);
                close(err_rd);
                c->exit_code = r;
                r = -EIO;
                m->phase = POD_CTR_TERMINATED;
                set_reason(&m->reason, "StartError");
                set_reason(&m->message, ret_error ? *ret_error : NULL);
                m->exit_code = c->exit_code;
                set_reason(&m->finished_at, now_rfc3339(ts));
                return r;
        }
        c->pid = res.pid;
        c->stop_signal = res.stop_signal;
        (void) proc_starttime(c->pid, &c->pid_starttime);
        strv_free(c->cgroup_paths);
        c->cgroup_paths = TAKE_PTR(res.cgroups);
        c->out_fd = out_rd;
        c->err_fd = err_rd;
        (void) fcntl(c->out_fd, F_SETFL, O_NONBLOCK);
        (void) fcntl(c->err_fd, F_SETFL, O_NONBLOCK);
        (void) epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, c->out_fd,
                         &(struct epoll_event) { .events = EPOLLIN, .data.u64 = EV(EV_OUT, c->index) });
        (void) epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, c->err_fd,
                         &(struct epoll_event) { .events = EPOLLIN, .data.u64 = EV(EV_ERR, c->index) });
        c->run = RUN_RUNNING;
        c->started_once = true;
        c->timer_due = 0;
        backoff_started(&c->backoff, now_usec());
        m->phase = POD_CTR_RUNNING;
        m->pid = c->pid;
        m->restarts = c->backoff.restarts;
        set_reason(&m->reason, NULL);
        set_reason(&m->message, NULL);
        set_reason(&m->started_at, now_rfc3339(ts));
        set_reason(&m->finished_at, NULL);
        strv_free(m->cgroup_paths);
        (void) strv_copy(c->cgroup_paths, &m->cgroup_paths);

        /* postStart: the kubelet does not call the container running before it returned; a failed
         * hook kills the container (and the restart policy decides). */
        {
                json_object *h = hook(c, "postStart");
                if (h) {
                        c->in_post_start = true;
                        if (!run_hook(c, h, (unsigned) (s->grace_usec / USEC_PER_SEC) ?: 30)) {
                                c->in_post_start = false;
                                set_reason(&m->message, "postStart hook failed");
                                ctr_stop(c, 0, true);
                                save(s);
                                save_ctr(c);
                                return 0;
                        }
                        c->in_post_start = false;
                }
        }
        {
                const ProbeSpec *specs[_PROBE_KIND_MAX];
                for (int k = 0; k < _PROBE_KIND_MAX; k++)
                        specs[k] = c->specs[k].set ? &c->specs[k] : NULL;
                (void) probe_set_reset(&c->probes, specs, now_usec());
                m->ready = c->probes.ready && c->member->role != POD_ROLE_INIT;
                m->started = c->probes.started;
        }
        save(s);
        save_ctr(c);
        return 0;
}

/* One container, one "spawn" request: init containers, sidecars, restarts. */
static int ctr_start(Ctr *c, char **ret_error) {
        Sup *s = c->sup;
        int out[2], err[2], r;
        char req[64], buf[8192];

        r = ctr_prepare(c, out, err, ret_error);
        if (r < 0)
                return r;
        snprintf(req, sizeof(req), "spawn %zu %d", c->index, (int) s->infra_pid);
        (void) helper_call(s, req, (const int[]) { out[1], err[1] }, 2, buf, sizeof(buf));
        close(out[1]);
        close(err[1]);
        return ctr_started(c, buf, out[0], err[0], ret_error);
}

static void probe_cancel(Ctr *c) {
        if (c->conn) {
                (void) epoll_ctl(c->sup->epoll_fd, EPOLL_CTL_DEL, probe_conn_fd(c->conn), NULL);
                c->conn = probe_conn_free(c->conn);
        }
        if (c->exec_pid > 0)
                (void) kill(c->exec_pid, SIGKILL); /* reaped by the SIGCHLD loop as an unknown child */
        c->exec_pid = 0;
        probe_set_stop(&c->probes);
}

/* Sends the stop signal; SIGKILL after timeout_sec. With restart_after, the exit leads to a restart
 * (the restart policy still decides), as after a failed liveness probe. */
static void ctr_stop(Ctr *c, unsigned timeout_sec, bool restart_after) {
        if (c->run == RUN_WAITING) {
                c->run = RUN_DONE;
                c->timer_due = 0;
                return;
        }
        if (c->run != RUN_RUNNING)
                return;
        probe_cancel(c);
        c->restart_after_kill = restart_after;
        (void) kill(c->pid, c->stop_signal > 0 ? c->stop_signal : SIGTERM);
        c->run = RUN_STOPPING;
        c->timer_due = now_usec() + (uint64_t) timeout_sec * USEC_PER_SEC;
        if (timeout_sec == 0)
                (void) kill(c->pid, SIGKILL);
}

static bool all_done(Sup *s) {
        for (size_t i = 0; i < s->n_ctrs; i++)
                if (s->ctrs[i].run != RUN_DONE)
                        return false;
        return true;
}

static void start_apps(Sup *s);
static void start_next_init(Sup *s);

static void ctr_exited(Ctr *c, int wstatus) {
        Sup *s = c->sup;
        PodMemberState *m = mstate(c);
        bool restart;
        char ts[64];

        c->exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
        if (c->out_fd >= 0)
                drain(c, &c->out_fd, CTR_STREAM_STDOUT);
        if (c->err_fd >= 0)
                drain(c, &c->err_fd, CTR_STREAM_STDERR);
        close_output(s, &c->out_fd);
        close_output(s, &c->err_fd);
        probe_cancel(c);
        c->cleanup_pending = true; /* one helper for every exit of this round (flush_cleanups()) */
        c->pid = 0;
        m->pid = 0;
        m->ready = false;
        m->exit_code = c->exit_code;
        m->phase = POD_CTR_TERMINATED;
        set_reason(&m->finished_at, now_rfc3339(ts));
        if (!m->message || !strstr(m->message, "hook"))
                set_reason(&m->reason, c->exit_code == 0 ? "Completed" : c->exit_code == 137 ? "Killed" : "Error");

        if (s->phase == PHASE_STOPPING) {
                c->run = RUN_DONE;
                restart = false;
        } else if (c->restart_after_kill)
                restart = s->config->restart_policy != POD_RESTART_NEVER || c->member->role == POD_ROLE_SIDECAR;
        else
                restart = pod_should_restart(s->config->restart_policy, c->member->role, c->exit_code);
        c->restart_after_kill = false;

        if (restart) {
                uint64_t delay = backoff_next_delay(&c->backoff, now_usec());
                c->run = RUN_WAITING;
                c->timer_due = now_usec() + delay;
                m->phase = POD_CTR_WAITING;
                /* restartCount counts restarts that happened, as the kubelet's does: the next start */
                set_reason(&m->reason, "CrashLoopBackOff");
        } else
                c->run = RUN_DONE;

        if (s->phase == PHASE_INIT && c->member->role == POD_ROLE_INIT && c->run == RUN_DONE) {
                if (c->exit_code == 0) {
                        s->next_init = c->index + 1;
                        start_next_init(s);
                } else {
                        /* restartPolicy Never: the pod has failed */
                        set_reason(&s->state.reason, "init container failed");
                        report(s, "E%d init container %s exited with %d", 1, c->member->name, c->exit_code);
                        s->phase = PHASE_STOPPING;
                        for (size_t i = 0; i < s->n_ctrs; i++)
                                ctr_stop(&s->ctrs[i], 0, false);
                }
        }
        save(s);
        save_ctr(c);
}

/* A start error is the container's exit for the restart policy (Kubernetes: StartError); during the
 * play it fails the play, as a missing command does. */
static void start_failed(Sup *s, Ctr *c, const char *err) {
        if (s->report_fd >= 0) {
                report(s, "E%d container %s: %s", c->exit_code, c->member->name, err ?: "cannot start");
                s->phase = PHASE_STOPPING;
                for (size_t i = 0; i < s->n_ctrs; i++)
                        ctr_stop(&s->ctrs[i], 0, false);
                c->run = RUN_DONE;
                save(s);
                save_ctr(c);
                return;
        }
        /* (stopping: another container of the same spawn-many failed the play first) */
        if (s->phase != PHASE_STOPPING && pod_should_restart(s->config->restart_policy, c->member->role, c->exit_code)) {
                uint64_t delay = backoff_next_delay(&c->backoff, now_usec());
                c->run = RUN_WAITING;
                c->timer_due = now_usec() + delay;
        } else
                c->run = RUN_DONE;
        save(s);
        save_ctr(c);
}

static void start_one_or_fail(Sup *s, Ctr *c) {
        _cleanup_free_ char *err = NULL;

        if (ctr_start(c, &err) >= 0)
                return;
        start_failed(s, c, err);
}

/* The containers ctrs[first..] listed in idx[0..n): one "spawn-many" request (container_spawn_many():
 * the helper clones them one after another and they set themselves up at the same time), then each
 * reply in order as ctr_start() would take it; the failures last, in order, so that a failed play
 * stops containers that are recorded as running. */
static void start_many(Sup *s, const size_t *idx, size_t n) {
        int fds[2 * POD_SPAWN_MANY_MAX], rd[2 * POD_SPAWN_MANY_MAX];
        char *errs[POD_SPAWN_MANY_MAX] = {};
        bool failed[POD_SPAWN_MANY_MAX] = {};
        size_t sent[POD_SPAWN_MANY_MAX], n_sent = 0;
        char req[64 + 24 * POD_SPAWN_MANY_MAX], buf[8192];
        size_t len;
        int r;

        assert(n <= POD_SPAWN_MANY_MAX);
        len = (size_t) snprintf(req, sizeof(req), "spawn-many %d", (int) s->infra_pid);
        for (size_t j = 0; j < n; j++) {
                Ctr *c = &s->ctrs[idx[j]];
                int out[2], err[2];

                if (ctr_prepare(c, out, err, &errs[j]) < 0) {
                        failed[j] = true;
                        continue;
                }
                rd[2 * n_sent] = out[0];
                rd[2 * n_sent + 1] = err[0];
                fds[2 * n_sent] = out[1];
                fds[2 * n_sent + 1] = err[1];
                sent[n_sent++] = j;
                len += (size_t) snprintf(req + len, sizeof(req) - len, "\n%zu", c->index);
        }
        r = n_sent > 0 ? helper_send(s, req, fds, 2 * n_sent, buf, sizeof(buf)) : 0;
        for (size_t k = 0; k < 2 * n_sent; k++)
                close(fds[k]);
        for (size_t k = 0; k < n_sent; k++) {
                size_t j = sent[k];

                /* after a failed send, buf holds its error for every one of them */
                if (r >= 0)
                        r = helper_recv(s, buf, sizeof(buf));
                if (ctr_started(&s->ctrs[idx[j]], buf, rd[2 * k], rd[2 * k + 1], &errs[j]) < 0)
                        failed[j] = true;
        }
        for (size_t j = 0; j < n; j++) {
                if (failed[j])
                        start_failed(s, &s->ctrs[idx[j]], errs[j]);
                free(errs[j]);
        }
}

static void start_next_init(Sup *s) {
        for (; s->next_init < s->n_ctrs; s->next_init++) {
                Ctr *c = &s->ctrs[s->next_init];

                if (c->member->role == POD_ROLE_APP)
                        break;
                start_one_or_fail(s, c);
                if (s->phase != PHASE_INIT)
                        return;
                if (c->member->role == POD_ROLE_INIT)
                        return; /* wait for it to exit */
                /* a sidecar: started is enough */
        }
        start_apps(s);
}

static bool all_ready(Sup *s) {
        for (size_t i = 0; i < s->n_ctrs; i++) {
                Ctr *c = &s->ctrs[i];
                if (c->member->role != POD_ROLE_INIT && !mstate(c)->ready)
                        return false;
        }
        return true;
}

static void start_apps(Sup *s) {
        s->phase = PHASE_RUNNING;
        /* Each container's record is written as it starts (with its cgroups, which a teardown after a
         * SIGKILL needs); the pod's state once for all of them, before the report: every write is
         * fsync'd, and this is on the way of `kube play`. */
        s->batch_save = true;
        /* All at once (start_many()), except that a postStart hook holds back the containers after
         * its own, as the kubelet's does: a batch ends with a container that has one. */
        for (size_t i = 0; i < s->n_ctrs && s->phase == PHASE_RUNNING;) {
                size_t idx[POD_SPAWN_MANY_MAX], n = 0;

                for (; i < s->n_ctrs && n < POD_SPAWN_MANY_MAX; i++) {
                        if (s->ctrs[i].member->role != POD_ROLE_APP)
                                continue;
                        idx[n++] = i;
                        if (hook(&s->ctrs[i], "postStart")) {
                                i++;
                                break;
                        }
                }
                if (n > 0)
                        start_many(s, idx, n);
        }
        s->batch_save = false;
        save(s);
        if (s->phase != PHASE_RUNNING)
                return;
        if (!s->wait_ready || all_ready(s))
                report(s, "S");
}

/* ---- probes ---- */

static void probe_done(Ctr *c, ProbeKind kind, bool success) {
        Sup *s = c->sup;
        PodMemberState *m = mstate(c);
        ProbeEvent ev = probe_set_result(&c->probes, kind, success, now_usec());

        switch (ev) {
        case PROBE_EVENT_RESTART:
                set_reason(&m->message, kind == PROBE_STARTUP ? "startup probe failed" : "liveness probe failed");
                ctr_stop(c, (unsigned) (s->grace_usec / USEC_PER_SEC), true);
                break;
        case PROBE_EVENT_READY:
        case PROBE_EVENT_UNREADY:
        case PROBE_EVENT_STARTED:
                break;
        default:
                return;
        }
        m->ready = c->probes.ready && c->run == RUN_RUNNING;
        m->started = c->probes.started;
        if (ev == PROBE_EVENT_READY && s->wait_ready && s->phase == PHASE_RUNNING && all_ready(s))
                report(s, "R");
        save(s);
        save_ctr(c);
}

static void probes_run_due(Ctr *c) {
        uint64_t now = now_usec();
        ProbeKind k;

        if (c->run != RUN_RUNNING || c->in_post_start)
                return;
        while ((k = probe_set_take_due(&c->probes, now)) >= 0) {
                const ProbeSpec *sp = &c->specs[k];
                uint64_t deadline = now + (uint64_t) sp->timeout_sec * USEC_PER_SEC;

                if (sp->handler == PROBE_HANDLER_EXEC) {
                        if (c->exec_pid > 0) {
                                probe_done(c, k, false); /* one exec probe at a time */
                                continue;
                        }
                        c->exec_pid = exec_in(c, sp->exec_argv);
                        if (c->exec_pid <= 0) {
                                c->exec_pid = 0;
                                probe_done(c, k, false);
                                continue;
                        }
                        c->exec_kind = k;
                        c->exec_deadline = deadline;
                } else {
                        ProbeResult res;
                        ProbeConn *conn = NULL;
                        int r;

                        if (c->conn) {
                                probe_done(c, k, false);
                                continue;
                        }
                        r = probe_conn_start(&sp->target, sp->handler == PROBE_HANDLER_HTTP_GET, c->sup->netns_fd, deadline,
                                             &conn, &res);
                        if (r != 0) {
                                probe_done(c, k, r > 0 && res.success);
                                continue;
                        }
                        c->conn = conn;
                        c->conn_kind = k;
                        (void) epoll_ctl(c->sup->epoll_fd, EPOLL_CTL_ADD, probe_conn_fd(conn),
                                         &(struct epoll_event) { .events = (uint32_t) probe_conn_events(conn),
                                                                 .data.u64 = EV(EV_PROBE, c->index) });
                }
                if (c->run != RUN_RUNNING)
                        return;
        }
}

static void probe_conn_progress(Ctr *c) {
        ProbeResult res;
        ProbeKind k = c->conn_kind;

        if (!c->conn)
                return;
        if (probe_conn_step(c->conn, now_usec(), &res) == 0) {
                (void) epoll_ctl(c->sup->epoll_fd, EPOLL_CTL_MOD, probe_conn_fd(c->conn),
                                 &(struct epoll_event) { .events = (uint32_t) probe_conn_events(c->conn),
                                                         .data.u64 = EV(EV_PROBE, c->index) });
                return;
        }
        (void) epoll_ctl(c->sup->epoll_fd, EPOLL_CTL_DEL, probe_conn_fd(c->conn), NULL);
        c->conn = probe_conn_free(c->conn);
        probe_done(c, k, res.success);
}

/* ---- stop ---- */

static void stop_pod(Sup *s, const char *reason) {
        if (s->phase == PHASE_STOPPING)
                return;
        s->phase = PHASE_STOPPING;
        if (s->setup->sd_notify)
                (void) sd_native_notifyf("STOPPING=1\nSTATUS=pod %s: stopping", s->config->name);
        if (reason && !s->state.reason)
                set_reason(&s->state.reason, reason);
        /* preStop hooks first, each within the grace period, then the stop signals. */
        for (size_t i = 0; i < s->n_ctrs; i++) {
                Ctr *c = &s->ctrs[i];
                json_object *h = c->run == RUN_RUNNING ? hook(c, "preStop") : NULL;
                if (h)
                        (void) run_hook(c, h, (unsigned) (s->grace_usec / USEC_PER_SEC) ?: 1);
        }
        for (size_t i = 0; i < s->n_ctrs; i++)
                ctr_stop(&s->ctrs[i], (unsigned) (s->grace_usec / USEC_PER_SEC), false);
        save(s);
}

/* A stop with its own grace period (`pod stop -t N`: a SIGTERM queued with N): it replaces the pod's
 * terminationGracePeriodSeconds for this stop; during a stop already under way, it shortens the
 * deadlines that are further away. */
static void stop_pod_grace(Sup *s, unsigned grace_sec) {
        uint64_t due = now_usec() + (uint64_t) grace_sec * USEC_PER_SEC;

        s->grace_usec = (uint64_t) grace_sec * USEC_PER_SEC;
        if (s->phase != PHASE_STOPPING) {
                stop_pod(s, "stopped");
                return;
        }
        for (size_t i = 0; i < s->n_ctrs; i++) {
                Ctr *c = &s->ctrs[i];

                if (c->run != RUN_STOPPING || (c->timer_due && c->timer_due <= due))
                        continue;
                c->timer_due = due;
                if (grace_sec == 0)
                        (void) kill(c->pid, SIGKILL);
        }
}

/* ---- the loop ---- */

static void reap(Sup *s) {
        for (;;) {
                int st;
                pid_t pid = waitpid(-1, &st, WNOHANG);

                if (pid <= 0)
                        return;
                if (pid == s->infra_pid) {
                        s->infra_pid = 0;
                        s->infra_gone = true;
                        stop_pod(s, "the infra container exited");
                        continue;
                }
                for (size_t i = 0; i < s->n_ctrs; i++) {
                        Ctr *c = &s->ctrs[i];

                        if (c->exec_pid == pid) {
                                c->exec_pid = 0;
                                probe_done(c, c->exec_kind, WIFEXITED(st) && WEXITSTATUS(st) == 0);
                                break;
                        }
                        if (c->pid == pid && IN_SET(c->run, RUN_RUNNING, RUN_STOPPING)) {
                                ctr_exited(c, st);
                                break;
                        }
                }
                /* anything else: an orphan the containers left, reaped as a subreaper must */
        }
}

static void on_timer(Sup *s) {
        uint64_t now = now_usec();

        if (s->watchdog_due && s->watchdog_due <= now) {
                (void) sd_native_notifyf("WATCHDOG=1");
                s->watchdog_due = now + s->watchdog_usec;
        }

        for (size_t i = 0; i < s->n_ctrs; i++) {
                Ctr *c = &s->ctrs[i];

                if (c->timer_due && c->timer_due <= now) {
                        c->timer_due = 0;
                        if (c->run == RUN_STOPPING)
                                (void) kill(c->pid, SIGKILL);
                        else if (c->run == RUN_WAITING && s->phase != PHASE_STOPPING) {
                                /* an init container's retry keeps the init phase going */
                                start_one_or_fail(s, c);
                        }
                }
                if (c->exec_pid > 0 && c->exec_deadline <= now) {
                        (void) kill(c->exec_pid, SIGKILL);
                        /* its exit is reported as a failure */
                }
                if (c->conn && probe_conn_deadline(c->conn) <= now)
                        probe_conn_progress(c);
                probes_run_due(c);
        }
}

static int loop(Sup *s) {
        for (;;) {
                struct epoll_event ev[16];
                int n;

                if (s->phase == PHASE_STOPPING && all_done(s))
                        return 0;
                /* A pod without containers of its own (`skiff pod create`: containers join it with
                 * `skiff run --pod`) runs until it is stopped. */
                if (s->phase == PHASE_RUNNING && s->n_ctrs > 0 && all_done(s)) {
                        /* OnFailure/Never: everything finished, nothing will run again. */
                        set_reason(&s->state.reason, "all containers exited");
                        return 0;
                }
                flush_cleanups(s);
                helper_close(s);
                arm_timer(s);
                n = epoll_wait(s->epoll_fd, ev, ELEMENTSOF(ev), -1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (int i = 0; i < n; i++) {
                        uint64_t d = ev[i].data.u64;
                        unsigned kind = (unsigned) (d >> 56);
                        size_t idx = (size_t) (d & 0xffffffffffffffULL);

                        switch (kind) {
                        case EV_SIGNAL: {
                                struct signalfd_siginfo si;
                                while (read(s->signal_fd, &si, sizeof(si)) == sizeof(si)) {
                                        if (si.ssi_signo == SIGCHLD)
                                                reap(s);
                                        else if (si.ssi_signo == SIGTERM && si.ssi_code == SI_QUEUE && si.ssi_int >= 0) {
                                                s->stop_requested = true;
                                                stop_pod_grace(s, (unsigned) si.ssi_int);
                                        }
                                        else if (IN_SET((int) si.ssi_signo, SIGTERM, SIGINT, SIGHUP))
                                        {
                                                s->stop_requested = true;
                                                stop_pod(s, "stopped");
                                        }
                                }
                                break;
                        }
                        case EV_TIMER: {
                                uint64_t x;
                                (void) !read(s->timer_fd, &x, sizeof(x));
                                on_timer(s);
                                break;
                        }
                        case EV_OUT:
                                if (idx < s->n_ctrs && s->ctrs[idx].out_fd >= 0)
                                        drain(&s->ctrs[idx], &s->ctrs[idx].out_fd, CTR_STREAM_STDOUT);
                                break;
                        case EV_ERR:
                                if (idx < s->n_ctrs && s->ctrs[idx].err_fd >= 0)
                                        drain(&s->ctrs[idx], &s->ctrs[idx].err_fd, CTR_STREAM_STDERR);
                                break;
                        case EV_PROBE:
                                if (idx < s->n_ctrs)
                                        probe_conn_progress(&s->ctrs[idx]);
                                break;
                        }
                }
        }
}

static void stop_infra(Sup *s) {
        if (s->infra_pid > 0) {
                (void) kill(s->infra_pid, SIGKILL);
                (void) waitpid(s->infra_pid, NULL, 0);
                s->infra_pid = 0;
        }
        if (s->infra_started) {
                s->infra_started = false;
                cleanup_one(s, s->n_ctrs, s->infra_cgroups);
        }
        helper_close(s);
}

/* Rootless, the pod's network namespace belongs to the infra's user namespace, which the supervisor
 * (outside it) has no capabilities in: a short-lived child enters both and brings loopback up there.
 * (setns() into a user namespace cannot be undone, so the supervisor itself never does it.) */
static int loopback_up_in_userns(pid_t infra, int netns_fd) {
        char path[64];
        int status, r;
        pid_t pid;

        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) infra);
        /* exit status: 0, errno of setns(user), or 100 + errno of the network steps */
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int u = open(path, O_RDONLY | O_CLOEXEC);
                if (u < 0 || setns(u, CLONE_NEWUSER) < 0)
                        _exit(MIN(errno, 99));
                /* not netns_loopback_up(): it returns to our network namespace, which this child, now
                 * in the pod's user namespace, could no longer enter; it just exits */
                if (setns(netns_fd, CLONE_NEWNET) < 0)
                        _exit(100 + MIN(errno, 99));
                {
                        struct ifreq ifr = {};
                        int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

                        strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
                        if (sk < 0 || ioctl(sk, SIOCGIFFLAGS, &ifr) < 0)
                                _exit(100 + MIN(errno, 99));
                        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
                        if (ioctl(sk, SIOCSIFFLAGS, &ifr) < 0)
                                _exit(100 + MIN(errno, 99));
                }
                _exit(0);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status))
                return -EPERM;
        r = WEXITSTATUS(status);
        return r == 0 ? 0 : -(r % 100);
}

/* Each container's log file and driver, from its record (the CLI wrote them at create). */
static int load_logs(Sup *s) {
        ContainerStore *store = s->ctrs_store;
        int r;

        if (!store)
                return -ENOENT;
        for (size_t i = 0; i < s->n_ctrs; i++) {
                _cleanup_(container_config_freep) ContainerConfig *cc = NULL;
                Ctr *c = &s->ctrs[i];

                r = container_config_load(store, c->member->id, &cc);
                if (r < 0)
                        return r;
                if (i == 0)
                        s->log_driver = cc->log_driver;
                if (cc->log_driver != LOG_DRIVER_K8S_FILE)
                        continue;
                if (cc->log_path)
                        c->log_path = strdup(cc->log_path);
                else {
                        _cleanup_free_ char *dir = container_store_config_dir(store, c->member->id);
                        if (!dir || asprintf(&c->log_path, "%s/ctr.log", dir) < 0)
                                c->log_path = NULL;
                }
                if (!c->log_path)
                        return -ENOMEM;
        }
        return 0;
}

/* skiff-pod-spawn: $SKIFF_POD_SPAWN, else next to this executable. */
static void find_helper(Sup *s) {
        const char *e = secure_getenv("SKIFF_POD_SPAWN");
        ssize_t n;
        char *slash;

        if (e && *e) {
                snprintf(s->helper_path, sizeof(s->helper_path), "%s", e);
                return;
        }
        n = readlink("/proc/self/exe", s->helper_path, sizeof(s->helper_path) - sizeof("/skiff-pod-spawn"));
        if (n <= 0 || !(slash = memrchr(s->helper_path, '/', (size_t) n))) {
                snprintf(s->helper_path, sizeof(s->helper_path), "skiff-pod-spawn");
                return;
        }
        strcpy(slash, "/skiff-pod-spawn");
}

/* What the supervisor exits with (kube play --service-exit-code-propagation, a .kube unit's
 * ExitCodePropagation=): 0 after a stop, or without a policy; with "any", the exit code of the first
 * container (in the YAML's order) that exited non-zero, if one did; with "all", that code when every
 * one did. An init container counts only when it failed (it then ended the pod). */
static int exit_status(Sup *s) {
        size_t failed = 0, counted = 0;
        int first = 0;

        if (s->stop_requested || !s->setup->exit_propagation)
                return 0;
        for (size_t i = 0; i < s->n_ctrs; i++) {
                Ctr *c = &s->ctrs[i];
                if (!c->started_once)
                        continue;
                /* a succeeded init container is not one of the pod's containers for this */
                if (c->member->role == POD_ROLE_INIT && c->exit_code == 0)
                        continue;
                counted++;
                if (c->exit_code != 0) {
                        failed++;
                        if (!first)
                                first = c->exit_code;
                }
        }
        if (failed == 0)
                return 0;
        if (streq(s->setup->exit_propagation, "all") && failed < counted)
                return 0;
        return first > 0 && first < 256 ? first : 1;
}

static _Noreturn void supervisor_main(const SupArgs *setup, int report_fd) {
        Sup sup = { .setup = setup, .report_fd = report_fd, .netns_fd = -EBADF, .wait_ready = setup->wait_ready,
                    .helper_fd = -1 };
        Sup *s = &sup;
        sigset_t mask;
        char ts[64];
        int r;
        _cleanup_free_ char *err = NULL;

        (void) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        (void) prctl(PR_SET_NAME, "skiff-pod", 0, 0, 0);
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);
        find_helper(s);
        /* The helper loads the records and plans while we read ours: on the way to the first start.
         * Usually skiff started it already, as our child (supervisor-launch.c). */
        if (setup->helper_pid > 0) {
                s->helper_fd = 5;
                s->helper_pid = setup->helper_pid;
        } else
                (void) helper_open(s);
        s->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (s->signal_fd < 0 || s->timer_fd < 0 || s->epoll_fd < 0) {
                report(s, "E125 supervisor: cannot set up its event loop: %s", strerror(errno));
                _exit(1);
        }
        (void) epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->signal_fd,
                         &(struct epoll_event) { .events = EPOLLIN, .data.u64 = EV(EV_SIGNAL, 0) });
        (void) epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->timer_fd,
                         &(struct epoll_event) { .events = EPOLLIN, .data.u64 = EV(EV_TIMER, 0) });

        r = pod_store_open(&setup->paths, &s->pods);
        if (r >= 0)
                r = pod_config_load(s->pods, setup->pod_id, &s->config);
        if (r < 0) {
                report(s, "E125 supervisor: cannot read the records of pod %.12s: %s", setup->pod_id, strerror(-r));
                helper_close(s);
                _exit(1);
        }
        r = container_store_open(&setup->paths, &s->ctrs_store);
        if (r < 0) {
                report(s, "E125 supervisor: cannot open the container records: %s", strerror(-r));
                helper_close(s);
                _exit(1);
        }

        s->n_ctrs = s->config->n_members;
        s->ctrs = calloc(s->n_ctrs ?: 1, sizeof(Ctr));
        s->state = (PodState) { .status = POD_STATUS_CREATED, .supervisor_pid = getpid() };
        s->state.members = calloc(s->n_ctrs ?: 1, sizeof(PodMemberState));
        s->state.n_members = s->n_ctrs;
        if (!s->ctrs || !s->state.members) {
                report(s, "E125 supervisor: out of memory");
                _exit(1);
        }
        (void) proc_starttime(getpid(), &s->state.supervisor_starttime);
        set_reason(&s->state.started_at, now_rfc3339(ts));
        {
                json_object *g;
                s->grace_usec = (json_object_object_get_ex(s->config->plan, "terminationGracePeriodSeconds", &g)
                                         ? (uint64_t) json_object_get_int64(g)
                                         : 30) *
                                USEC_PER_SEC;
        }
        for (size_t i = 0; i < s->n_ctrs; i++) {
                Ctr *c = &s->ctrs[i];
                *c = (Ctr) { .sup = s, .index = i, .member = &s->config->members[i], .stop_signal = SIGTERM,
                             .out_fd = -EBADF, .err_fd = -EBADF };
                c->backoff.initial_usec = (uint64_t) setup->backoff_initial_ms * 1000ULL;
                c->backoff.max_usec = (uint64_t) setup->backoff_max_ms * 1000ULL;
                probe_specs_load(c);
        }
        r = load_logs(s);
        if (r < 0) {
                report(s, "E125 pod %s: read the container records: %s", s->config->name, strerror(-r));
                helper_close(s);
                _exit(1);
        }
        save(s);
        /* Recorded: a teardown now finds this supervisor by the pod's state; the play marker's lock
         * (inherited from `kube play`) may go. */
        if (setup->play_lock)
                (void) close(4);

        {
                char buf[8192];
                Started res = {};

                (void) helper_call(s, "infra", NULL, 0, buf, sizeof(buf));
                if (parse_started(buf, &res, &err) != 0) {
                        set_reason(&s->state.reason, err ?: "infra container failed to start");
                        s->state.status = POD_STATUS_EXITED;
                        (void) pod_state_save(s->pods, s->config->id, &s->state);
                        report(s, "E125 infra container: %s", err ?: "cannot start");
                        helper_close(s);
                        _exit(1);
                }
                s->infra_pid = res.pid;
                s->infra_started = true;
                s->infra_net_new = res.net_new;
                s->infra_user_new = res.user_new;
                s->infra_cgroups = TAKE_PTR(res.cgroups);
                s->state.infra_pid = s->infra_pid;
                (void) strv_copy(s->infra_cgroups, &s->state.infra_cgroup_paths);
        }
        {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) s->infra_pid);
                s->netns_fd = open(path, O_RDONLY | O_CLOEXEC);
                /* The pod's containers talk over loopback: up it goes (a new namespace has it down). */
                if (s->infra_net_new) {
                        r = s->netns_fd < 0      ? -errno
                            : s->infra_user_new ? loopback_up_in_userns(s->infra_pid, s->netns_fd)
                                                : netns_loopback_up(s->netns_fd);
                        if (r < 0) {
                                report(s, "E125 pod %s: bring up loopback in the pod's network namespace: %s",
                                       s->config->name, strerror(-r));
                                stop_infra(s);
                                _exit(1);
                        }
                }
        }
        save(s);

        s->phase = PHASE_INIT;
        s->next_init = 0;
        start_next_init(s);

        r = loop(s);
        if (s->report_fd >= 0)
                report(s, "E125 pod %s ended before it was up", s->config->name);
        flush_cleanups(s);
        stop_infra(s);
        for (size_t i = 0; i < s->n_ctrs; i++) {
                Ctr *c = &s->ctrs[i];
                if (c->log)
                        c->log = ctr_log_free(c->log);
                mstate(c)->ready = false;
                save_ctr(c);
        }
        s->phase = PHASE_STOPPING;
        s->state.status = POD_STATUS_EXITED;
        s->state.infra_pid = 0;
        set_reason(&s->state.finished_at, now_rfc3339(ts));
        {
                _cleanup_close_ _unused_ int lock = pod_lock(s->pods, s->config->id);
                (void) pod_state_save(s->pods, s->config->id, &s->state);
        }
        _exit(r < 0 ? 1 : exit_status(s));
}

int main(int argc, char *argv[]) {
        SupArgs a = {};
        const char *b;

        if (argc < 4 || argv[1][0] != '/' || argv[2][0] != '/' || strlen(argv[3]) != POD_ID_LEN) {
                fprintf(stderr, "skiff-pod: internal helper of skiff (a pod's supervisor); not to be run by hand\n");
                return 2;
        }
        a.paths.root = argv[1];
        a.paths.runroot = argv[2];
        a.pod_id = argv[3];
        for (int i = 4; i < argc; i++) {
                if (streq(argv[i], "--wait"))
                        a.wait_ready = true;
                else if (streq(argv[i], "--sd-notify"))
                        a.sd_notify = true;
                else if (streq(argv[i], "--play-lock"))
                        a.play_lock = true;
                else if (streq(argv[i], "--exit-code-propagation=any") || streq(argv[i], "--exit-code-propagation=all"))
                        a.exit_propagation = argv[i] + strlen("--exit-code-propagation=");
                else if (startswith(argv[i], "--helper=") && atoi(argv[i] + 9) > 0)
                        a.helper_pid = atoi(argv[i] + 9);
                else if (argv[i][0]) {
                        fprintf(stderr, "skiff-pod: unknown argument %s\n", argv[i]);
                        return 2;
                }
        }
        /* Nothing we start may inherit the report pipe or the play lock. */
        if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0 || (a.play_lock && fcntl(4, F_SETFD, FD_CLOEXEC) < 0) ||
            (a.helper_pid > 0 && fcntl(5, F_SETFD, FD_CLOEXEC) < 0))
                return 2;
        /* Tests scale Kubernetes' back-off down (10 s doubling to 5 min is too slow for a test suite). */
        b = getenv("SKIFF_TEST_BACKOFF_MS");
        if (b) {
                a.backoff_initial_ms = (unsigned) atoi(b);
                a.backoff_max_ms = a.backoff_initial_ms * 30;
        }
        supervisor_main(&a, 3);
}
