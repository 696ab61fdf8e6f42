/* The container monitor (see monitor.h for the design and the stop protocol). */

#include "runtime/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>


#include "common/macro.h"
#include "runtime/dlopen-systemd.h"
#include "common/sd-watchdog.h"
#include "common/strv.h"
#include "runtime/container-plan.h"
#include "runtime/spawn.h"
#include "runtime/health.h"

#define MAX_CONTAINERS_DEFAULT 4

struct MonitorLoop {
        ContainerStore *store; /* borrowed */
        int epoll_fd, signal_fd, timer_fd;
        sigset_t old_mask;
        MonitoredContainer **ctrs;
        size_t n_ctrs;
        bool attached;
        /* attached mode */
        bool tty;
        int stdin_fd; /* copied to the pty master (tty + interactive) */
        bool stdin_eof;
        bool forward_signals;
        /* WatchdogSec= of the unit whose main process this monitor is: WATCHDOG=1 every
         * watchdog_usec (half the timeout), next at watchdog_due (CLOCK_MONOTONIC); 0: no watchdog. */
        uint64_t watchdog_usec, watchdog_due;
};

/* epoll data: which fd of which container. */
enum { EV_SIGNAL = 1, EV_TIMER, EV_STDIN, EV_OUT, EV_ERR, EV_HEALTH };
#define EV_TAG(kind, idx) (((uint64_t) (idx) << 8) | (kind))

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

uint64_t restart_backoff_usec(unsigned n) {
        uint64_t u = 100000;

        for (unsigned i = 1; i < n && u < 10000000; i++)
                u *= 2;
        return MIN(u, (uint64_t) 10000000);
}

bool restart_policy_should_restart(RestartPolicy p, unsigned max, unsigned restart_count, int exit_code,
                                   bool stop_requested) {
        if (stop_requested)
                return false;
        switch (p) {
        case RESTART_ALWAYS:
        case RESTART_UNLESS_STOPPED:
                return true;
        case RESTART_ON_FAILURE:
                return exit_code != 0 && (max == 0 || restart_count < max);
        default:
                return false;
        }
}

/* --- the plan --- */

static int plan_load(const ContainerConfig *c, ContainerPlan **ret, char **ret_error) {
        if (!c->plan_json) {
                if (ret_error)
                        *ret_error = strdup("the container record has no plan");
                return -EBADMSG;
        }
        return container_plan_from_string(c->plan_json, ret, ret_error);
}

/* --- state transitions (each a locked read-modify-write) --- */

typedef void (*StateEdit)(ContainerState *st, void *userdata);

static int state_edit(ContainerStore *s, const char *id, StateEdit edit, void *userdata) {
        _cleanup_close_ int lock = -EBADF;
        ContainerState st = {};
        int r;

        lock = container_lock(s, id);
        if (lock < 0)
                return lock;
        r = container_state_load(s, id, &st);
        if (r < 0)
                return r;
        edit(&st, userdata);
        r = container_state_save(s, id, &st);
        container_state_done(&st);
        return r;
}

typedef struct StartedInfo {
        MonitoredContainer *c;
        SpawnResult *res;
        const char *log_path;
} StartedInfo;

static void edit_started(ContainerState *st, void *userdata) {
        StartedInfo *i = userdata;
        char now[40];

        st->status = CONTAINER_STATUS_RUNNING;
        st->pid = i->res->pid;
        (void) proc_starttime(st->pid, &st->pid_starttime);
        st->monitor_pid = getpid();
        (void) proc_starttime(st->monitor_pid, &st->monitor_starttime);
        st->exit_code = 0;
        free(st->started_at);
        st->started_at = strdup(rfc3339_nanos_now(now, sizeof(now)));
        free(st->finished_at);
        st->finished_at = NULL;
        free(st->exit_reason);
        st->exit_reason = NULL;
        st->restart_count = i->c->restart_count;
        st->stop_requested = false;
        free(st->log_path);
        st->log_path = i->log_path ? strdup(i->log_path) : NULL;
        strv_free(st->cgroup_paths);
        st->cgroup_paths = NULL;
        (void) strv_copy(i->res->cgroup_paths, &st->cgroup_paths);
}

typedef struct ExitInfo {
        MonitoredContainer *c;
        const char *reason;
        bool restarting;
        bool stop_requested; /* out: what the record said */
} ExitInfo;

static void edit_exited(ContainerState *st, void *userdata) {
        ExitInfo *i = userdata;
        char now[40];

        i->stop_requested = st->stop_requested;
        st->status = CONTAINER_STATUS_EXITED;
        st->exit_code = i->c->exit_code;
        free(st->finished_at);
        st->finished_at = strdup(rfc3339_nanos_now(now, sizeof(now)));
        free(st->exit_reason);
        st->exit_reason = i->reason ? strdup(i->reason) : NULL;
        st->pid = 0;
        st->pid_starttime = 0;
        st->restart_count = i->c->restart_count;
        /* While a restart is pending the monitor stays: keep monitor_pid so stop still finds it. */
        if (!i->restarting) {
                st->monitor_pid = 0;
                st->monitor_starttime = 0;
        } else {
                st->monitor_pid = getpid();
                (void) proc_starttime(st->monitor_pid, &st->monitor_starttime);
        }
}

static void edit_removing(ContainerState *st, void *userdata) {
        st->status = CONTAINER_STATUS_REMOVING;
}

static void edit_stopping(ContainerState *st, void *userdata) {
        if (st->status == CONTAINER_STATUS_RUNNING)
                st->status = CONTAINER_STATUS_STOPPING;
        st->stop_requested = true;
}

/* --- the loop --- */

static int timer_rearm(MonitorLoop *l) {
        struct itimerspec its = {};
        uint64_t due = 0;

        for (size_t i = 0; i < l->n_ctrs; i++)
                if (l->ctrs[i]->timer_due_usec && (!due || l->ctrs[i]->timer_due_usec < due))
                        due = l->ctrs[i]->timer_due_usec;
        if (l->watchdog_due && (!due || l->watchdog_due < due))
                due = l->watchdog_due;
        if (due) {
                its.it_value.tv_sec = (time_t) (due / 1000000);
                its.it_value.tv_nsec = (long) (due % 1000000) * 1000;
                if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
                        its.it_value.tv_nsec = 1;
        }
        return timerfd_settime(l->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0 ? -errno : 0;
}

static const int loop_signals[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

int monitor_loop_new(ContainerStore *store, MonitorLoop **ret) {
        MonitorLoop *l;
        sigset_t mask;
        struct epoll_event ev = {.events = EPOLLIN};

        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->store = store;
        l->epoll_fd = l->signal_fd = l->timer_fd = l->stdin_fd = -EBADF;
        sigemptyset(&mask);
        for (size_t i = 0; i < ELEMENTSOF(loop_signals); i++)
                sigaddset(&mask, loop_signals[i]);
        if (sigprocmask(SIG_BLOCK, &mask, &l->old_mask) < 0)
                goto fail;
        l->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        l->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        l->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (l->signal_fd < 0 || l->epoll_fd < 0 || l->timer_fd < 0)
                goto fail;
        ev.data.u64 = EV_SIGNAL;
        if (epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, l->signal_fd, &ev) < 0)
                goto fail;
        ev.data.u64 = EV_TIMER;
        if (epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, l->timer_fd, &ev) < 0)
                goto fail;
        *ret = l;
        return 0;
fail:;
        int r = -errno;
        monitor_loop_free(l);
        return r;
}

static void mctr_close_output(MonitoredContainer *c) {
        if (c->out_fd >= 0) {
                (void) epoll_ctl(c->loop->epoll_fd, EPOLL_CTL_DEL, c->out_fd, NULL);
                close(c->out_fd);
        }
        if (c->err_fd >= 0) {
                (void) epoll_ctl(c->loop->epoll_fd, EPOLL_CTL_DEL, c->err_fd, NULL);
                close(c->err_fd);
        }
        c->out_fd = c->err_fd = -EBADF;
}

static MonitoredContainer *mctr_free(MonitoredContainer *c) {
        if (!c)
                return NULL;
        mctr_close_output(c);
        if (c->pidfd >= 0)
                close(c->pidfd);
        ctr_log_free(c->log);
        health_monitor_free(c->health);
        container_plan_free(c->plan);
        container_config_free(c->config);
        strv_free(c->cgroup_paths);
        free(c);
        return NULL;
}

MonitorLoop *monitor_loop_free(MonitorLoop *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n_ctrs; i++)
                mctr_free(l->ctrs[i]);
        free(l->ctrs);
        if (l->signal_fd >= 0)
                close(l->signal_fd);
        if (l->epoll_fd >= 0)
                close(l->epoll_fd);
        if (l->timer_fd >= 0)
                close(l->timer_fd);
        (void) sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
        free(l);
        return NULL;
}

MonitoredContainer *monitor_loop_add(MonitorLoop *l, ContainerConfig *config) {
        MonitoredContainer **a, *c;

        a = realloc(l->ctrs, (l->n_ctrs + 1) * sizeof(*a));
        if (!a)
                return NULL;
        l->ctrs = a;
        c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        c->loop = l;
        c->config = config;
        c->pidfd = c->out_fd = c->err_fd = -EBADF;
        c->tee_out_fd = c->tee_err_fd = -EBADF;
        c->index = l->n_ctrs;
        l->ctrs[l->n_ctrs++] = c;
        return c;
}

char *container_log_path(ContainerStore *s, const ContainerConfig *c) {
        _cleanup_free_ char *dir = NULL;
        char *p;

        if (c->log_driver != LOG_DRIVER_K8S_FILE)
                return NULL;
        if (c->log_path)
                return strdup(c->log_path);
        dir = container_store_config_dir(s, c->id);
        if (!dir || asprintf(&p, "%s/ctr.log", dir) < 0)
                return NULL;
        return p;
}

static int watch_fd(MonitoredContainer *c, int fd, int kind) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EV_TAG(kind, c->index)};

        if (fd < 0)
                return 0;
        (void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        return epoll_ctl(c->loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* The plan's health check gets its timer in the loop at the first start (health.h). */
static int mctr_health_setup(MonitoredContainer *c) {
        int r;

        if (c->health || !c->plan->health)
                return 0;
        r = health_monitor_new(c->loop->store, c->config->id, c->plan->health,
                               c->plan->sdnotify && streq(c->plan->sdnotify, "healthy"), &c->health);
        if (r < 0)
                return r;
        return watch_fd(c, health_monitor_fd(c->health), EV_HEALTH);
}

/* A reaped child that is not a container may be a health check's: do what its result asks. */
static void mctr_health_reaped(MonitorLoop *l, pid_t pid, int status) {
        for (size_t i = 0; i < l->n_ctrs; i++) {
                MonitoredContainer *c = l->ctrs[i];
                HealthAction a;

                if (!c->health || !health_monitor_on_reaped(c->health, pid, status, &a))
                        continue;
                if (c->state != MCTR_RUNNING || c->pid <= 0)
                        return;
                if (a == HEALTH_ACTION_KILL)
                        (void) kill(c->pid, SIGKILL);
                else if (a == HEALTH_ACTION_STOP)
                        (void) mctr_stop(c, -1);
                else if (a == HEALTH_ACTION_RESTART) {
                        /* a stop that is not the user's: the exit handling restarts it */
                        (void) mctr_stop(c, -1);
                        c->stop_requested = false;
                }
                return;
        }
}

int mctr_start(MonitoredContainer *c, char **ret_error, int *ret_exit_class) {
        MonitorLoop *l = c->loop;
        _cleanup_free_ char *log_path = NULL;
        _cleanup_close_ int out_w = -EBADF, err_w = -EBADF;
        SpawnStdio io = SPAWN_STDIO_INIT;
        SpawnResult res = {.pidfd = -1, .pty_master = -1};
        int p[2], r;

        *ret_exit_class = EXIT_SETUP_FAILED;
        if (!c->plan) {
                r = plan_load(c->config, &c->plan, ret_error);
                if (r < 0)
                        return r;
        }
        r = mctr_health_setup(c);
        if (r < 0)
                return r;
        if (!c->log) {
                log_path = container_log_path(l->store, c->config);
                if (c->config->log_driver == LOG_DRIVER_K8S_FILE && !log_path)
                        return -ENOMEM;
                r = ctr_log_open(c->config->log_driver, log_path, c->config->name, c->config->id, &c->log);
                if (r < 0) {
                        if (ret_error)
                                (void) asprintf(ret_error, "open log %s: %s", strempty(log_path),
                                                strerror(-r));
                        return r;
                }
        } else
                log_path = container_log_path(l->store, c->config);

        if (l->tty)
                io.create_pty = io.tty = true;
        else {
                if (pipe2(p, O_CLOEXEC) < 0)
                        return -errno;
                c->out_fd = p[0];
                out_w = p[1];
                if (pipe2(p, O_CLOEXEC) < 0)
                        return -errno;
                c->err_fd = p[0];
                err_w = p[1];
                io.stdout_fd = out_w;
                io.stderr_fd = err_w;
                /* -i without -t: the caller's stdin is the container's, no copying through us. */
                if (l->attached && l->stdin_fd >= 0)
                        io.stdin_fd = l->stdin_fd;
        }

        r = container_spawn(c->plan, &io, &res, ret_error);
        out_w = -EBADF;
        if (io.stdout_fd >= 0)
                close(io.stdout_fd);
        if (io.stderr_fd >= 0)
                close(io.stderr_fd);
        err_w = -EBADF;
        if (r < 0) {
                *ret_exit_class = res.exit_code > 0 ? res.exit_code : EXIT_SETUP_FAILED;
                mctr_close_output(c);
                return r;
        }
        c->pid = res.pid;
        if (res.pty_master >= 0) {
                c->out_fd = res.pty_master;
                res.pty_master = -1;
        }
        if (res.pidfd >= 0)
                close(res.pidfd);
        res.pidfd = -1;
        strv_free(c->cgroup_paths);
        c->cgroup_paths = TAKE_PTR(res.cgroup_paths);
        c->state = MCTR_RUNNING;
        c->stop_requested = false;
        c->timer_due_usec = 0;
        res.cgroup_paths = NULL;
        spawn_result_done(&res);

        (void) watch_fd(c, c->out_fd, EV_OUT);
        (void) watch_fd(c, c->err_fd, EV_ERR);
        if (c->health)
                health_monitor_started(c->health, c->plan, c->pid);

        StartedInfo info = {.c = c,
                            .res = &(SpawnResult){.pid = c->pid, .cgroup_paths = c->cgroup_paths},
                            .log_path = log_path};
        r = state_edit(l->store, c->config->id, edit_started, &info);
        if (r < 0) {
                /* Without a record nobody could stop it: don't leave it running. */
                (void) kill(c->pid, SIGKILL);
                if (ret_error)
                        (void) asprintf(ret_error, "record the container's state: %s", strerror(-r));
                return r;
        }
        *ret_exit_class = 0;
        return 0;
}

int mctr_stop(MonitoredContainer *c, int timeout) {
        if (c->state == MCTR_DONE)
                return 0;
        c->stop_requested = true;
        if (c->state == MCTR_IDLE) {
                /* Waiting for a restart: the stop cancels it. */
                c->state = MCTR_DONE;
                c->timer_due_usec = 0;
                return timer_rearm(c->loop);
        }
        if (c->state == MCTR_STOPPING && timeout != 0)
                return 0;
        c->stop_timeout = timeout < 0 ? c->config->stop_timeout : (unsigned) timeout;
        if (c->stop_timeout == 0 || kill(c->pid, c->config->stop_signal ?: SIGTERM) < 0)
                (void) kill(c->pid, SIGKILL);
        else
                c->timer_due_usec = now_usec() + (uint64_t) c->stop_timeout * 1000000ULL;
        c->state = MCTR_STOPPING;
        return timer_rearm(c->loop);
}

static void tee_write(int fd, const char *buf, size_t n) {
        while (fd >= 0 && n > 0) {
                ssize_t k = write(fd, buf, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd p = {.fd = fd, .events = POLLOUT};
                                (void) poll(&p, 1, 1000);
                                continue;
                        }
                        return; /* the terminal went away; the log still has it */
                }
                buf += k;
                n -= (size_t) k;
        }
}

int mctr_handle_output(MonitoredContainer *c, int fd) {
        static char buf[16384]; /* one buffer for the whole process: the monitor stays small */
        bool is_err = fd == c->err_fd && fd >= 0;
        CtrStream s = is_err ? CTR_STREAM_STDERR : CTR_STREAM_STDOUT;

        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        /* EIO on a pty master: the last slave closed */
                        n = 0;
                }
                if (n == 0) {
                        (void) ctr_log_flush(c->log, s);
                        (void) epoll_ctl(c->loop->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
                        close(fd);
                        if (is_err)
                                c->err_fd = -EBADF;
                        else
                                c->out_fd = -EBADF;
                        return 1;
                }
                (void) ctr_log_write(c->log, s, buf, (size_t) n);
                tee_write(is_err ? c->tee_err_fd : c->tee_out_fd, buf, (size_t) n);
        }
}

int mctr_handle_exit(MonitoredContainer *c, int wstatus) {
        _cleanup_free_ char *err = NULL;
        ExitInfo info = {.c = c};
        bool restart;
        int r;

        c->exit_code = WIFEXITED(wstatus)     ? WEXITSTATUS(wstatus)
                       : WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus)
                                              : 255;
        c->pid = 0;
        if (c->health)
                health_monitor_stopped(c->health);
        /* What the container wrote before it died is still in the pipes: take it all, then the
         * unterminated rest of each stream becomes a P record. */
        if (c->out_fd >= 0)
                while (mctr_handle_output(c, c->out_fd) == 0 && c->out_fd >= 0) {
                        struct pollfd p = {.fd = c->out_fd, .events = POLLIN};
                        if (poll(&p, 1, 0) <= 0)
                                break;
                }
        if (c->err_fd >= 0)
                while (mctr_handle_output(c, c->err_fd) == 0 && c->err_fd >= 0) {
                        struct pollfd p = {.fd = c->err_fd, .events = POLLIN};
                        if (poll(&p, 1, 0) <= 0)
                                break;
                }
        mctr_close_output(c);
        for (CtrStream s = 0; s < _CTR_STREAM_MAX; s++)
                (void) ctr_log_flush(c->log, s);

        /* Not fatal when it fails: rm tries again, the state keeps the paths. */
        if (c->plan)
                (void) container_spawn_cleanup(c->plan, c->cgroup_paths, 0, &err);

        restart = restart_policy_should_restart(c->config->restart, c->config->restart_max, c->restart_count,
                                                c->exit_code, c->stop_requested);
        if (health_monitor_take_restart(c->health))
                restart = true; /* --health-on-failure=restart, --health-startup-retries */
        if (restart) {
                /* The record may carry a stop request that raced with the exit. */
                ContainerState st = {};
                if (container_state_load(c->loop->store, c->config->id, &st) >= 0 && st.stop_requested)
                        restart = false;
                container_state_done(&st);
        }
        info.restarting = restart;
        r = state_edit(c->loop->store, c->config->id, edit_exited, &info);
        if (restart) {
                c->restart_count++;
                c->state = MCTR_IDLE;
                c->timer_due_usec = now_usec() + restart_backoff_usec(c->restart_count);
        } else {
                c->state = MCTR_DONE;
                c->timer_due_usec = 0;
        }
        (void) timer_rearm(c->loop);
        return r;
}

int mctr_handle_timer(MonitoredContainer *c) {
        if (c->state == MCTR_STOPPING) {
                c->timer_due_usec = 0;
                if (c->pid > 0)
                        (void) kill(c->pid, SIGKILL);
                return 0;
        }
        if (c->state == MCTR_IDLE) {
                _cleanup_free_ char *err = NULL;
                int class, r;

                c->timer_due_usec = 0;
                r = mctr_start(c, &err, &class);
                if (r < 0) {
                        ExitInfo info = {.c = c, .reason = err};
                        c->exit_code = class;
                        c->state = MCTR_DONE;
                        (void) state_edit(c->loop->store, c->config->id, edit_exited, &info);
                }
                return r;
        }
        return 0;
}

static MonitoredContainer *find_by_pid(MonitorLoop *l, pid_t pid) {
        for (size_t i = 0; i < l->n_ctrs; i++)
                if (l->ctrs[i]->pid == pid && pid > 0)
                        return l->ctrs[i];
        return NULL;
}

static bool loop_done(MonitorLoop *l) {
        for (size_t i = 0; i < l->n_ctrs; i++)
                if (l->ctrs[i]->state != MCTR_DONE)
                        return false;
        return true;
}

static void copy_winsize(MonitorLoop *l) {
        struct winsize ws;

        if (!l->tty || l->n_ctrs == 0 || l->ctrs[0]->out_fd < 0 || l->stdin_fd < 0)
                return;
        if (ioctl(l->stdin_fd, TIOCGWINSZ, &ws) == 0)
                (void) ioctl(l->ctrs[0]->out_fd, TIOCSWINSZ, &ws);
}

static void handle_signal(MonitorLoop *l, const struct signalfd_siginfo *si) {
        int sig = (int) si->ssi_signo;

        if (sig == SIGCHLD) {
                /* Reap everything: the containers, and as a subreaper whatever they left behind. */
                for (;;) {
                        int status;
                        pid_t pid = waitpid(-1, &status, WNOHANG);
                        MonitoredContainer *c;

                        if (pid <= 0)
                                break;
                        c = find_by_pid(l, pid);
                        if (c)
                                (void) mctr_handle_exit(c, status);
                        else
                                mctr_health_reaped(l, pid, status);
                }
                return;
        }
        if (sig == SIGWINCH) {
                copy_winsize(l);
                return;
        }
        if (sig == SIGTERM && si->ssi_code == SI_QUEUE && (si->ssi_int & ~0xffff) == MONITOR_STOP_MAGIC) {
                int t = si->ssi_int & 0xffff;
                for (size_t i = 0; i < l->n_ctrs; i++)
                        (void) mctr_stop(l->ctrs[i], t == 0xffff ? -1 : t);
                return;
        }
        if (l->attached) {
                /* Foreground: the user's signals are the container's (podman's --sig-proxy). */
                for (size_t i = 0; i < l->n_ctrs; i++)
                        if (l->ctrs[i]->pid > 0)
                                (void) kill(l->ctrs[i]->pid, sig);
                return;
        }
        if (IN_SET(sig, SIGTERM, SIGINT))
                for (size_t i = 0; i < l->n_ctrs; i++)
                        (void) mctr_stop(l->ctrs[i], -1);
}

static void copy_stdin(MonitorLoop *l) {
        char buf[4096];
        ssize_t n;

        n = read(l->stdin_fd, buf, sizeof(buf));
        if (n <= 0) {
                if (n < 0 && IN_SET(errno, EAGAIN, EINTR))
                        return;
                (void) epoll_ctl(l->epoll_fd, EPOLL_CTL_DEL, l->stdin_fd, NULL);
                l->stdin_eof = true;
                /* EOF on a pipe: send ^D so a shell reading the pty ends too */
                if (l->n_ctrs > 0 && l->ctrs[0]->out_fd >= 0)
                        tee_write(l->ctrs[0]->out_fd, "\004", 1);
                return;
        }
        if (l->n_ctrs > 0 && l->ctrs[0]->out_fd >= 0)
                tee_write(l->ctrs[0]->out_fd, buf, (size_t) n);
}

int monitor_loop_run(MonitorLoop *l) {
        while (!loop_done(l)) {
                struct epoll_event evs[8];
                int n;

                n = epoll_wait(l->epoll_fd, evs, ELEMENTSOF(evs), -1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (int i = 0; i < n; i++) {
                        unsigned kind = evs[i].data.u64 & 0xff;
                        size_t idx = (size_t) (evs[i].data.u64 >> 8);

                        switch (kind) {
                        case EV_SIGNAL: {
                                struct signalfd_siginfo si;
                                while (read(l->signal_fd, &si, sizeof(si)) == sizeof(si))
                                        handle_signal(l, &si);
                                break;
                        }
                        case EV_TIMER: {
                                uint64_t ticks, now = now_usec();
                                (void) !read(l->timer_fd, &ticks, sizeof(ticks));
                                for (size_t k = 0; k < l->n_ctrs; k++)
                                        if (l->ctrs[k]->timer_due_usec && l->ctrs[k]->timer_due_usec <= now)
                                                (void) mctr_handle_timer(l->ctrs[k]);
                                if (l->watchdog_due && l->watchdog_due <= now) {
                                        (void) sd_notifyf(/* unset_environment= */ false, "WATCHDOG=1");
                                        l->watchdog_due = now + l->watchdog_usec;
                                }
                                (void) timer_rearm(l);
                                break;
                        }
                        case EV_STDIN:
                                copy_stdin(l);
                                break;
                        case EV_HEALTH:
                                if (idx < l->n_ctrs && l->ctrs[idx]->health)
                                        health_monitor_on_timer(l->ctrs[idx]->health);
                                break;
                        case EV_OUT:
                        case EV_ERR:
                                if (idx < l->n_ctrs) {
                                        MonitoredContainer *c = l->ctrs[idx];
                                        int fd = kind == EV_OUT ? c->out_fd : c->err_fd;
                                        if (fd >= 0)
                                                (void) mctr_handle_output(c, fd);
                                }
                                break;
                        }
                }
        }
        return 0;
}

/* --- removal --- */

int container_destroy(ContainerStore *s, const char *id, char **ret_error) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;
        _cleanup_(container_plan_freep) ContainerPlan *plan = NULL;
        _cleanup_free_ char *err = NULL;
        ContainerState st = {};
        int r;

        r = container_config_load(s, id, &c);
        if (r < 0)
                return r;
        r = container_state_load(s, id, &st);
        if (r >= 0 && IN_SET(st.status, CONTAINER_STATUS_RUNNING, CONTAINER_STATUS_STOPPING)) {
                container_state_done(&st);
                return -EBUSY;
        }
        /* From here on the container is on its way out: if the cleanup fails or we crash, it shows as
         * "removing", cannot be started, and the next `rm` finishes. */
        r = state_edit(s, id, edit_removing, NULL);
        if (r < 0) {
                container_state_done(&st);
                return r;
        }
        if (plan_load(c, &plan, NULL) >= 0) {
                r = container_spawn_cleanup(plan, st.cgroup_paths, SPAWN_CLEANUP_STORAGE, &err);
                if (r < 0) {
                        container_state_done(&st);
                        if (ret_error)
                                *ret_error = TAKE_PTR(err);
                        return r;
                }
        }
        container_state_done(&st);
        r = container_remove(s, id);
        if (r < 0 && ret_error)
                (void) asprintf(ret_error, "remove the container's record: %s", strerror(-r));
        return r;
}

/* --- stop from a command --- */

static int pidfd_open_checked(pid_t pid, uint64_t starttime) {
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);

        if (fd < 0)
                return -errno;
        /* Opened first, checked second: a pidfd refers to one process, so if the start time matches
         * now, the fd is that process even if the pid is reused later. */
        if (!proc_alive(pid, starttime)) {
                close(fd);
                return -ESRCH;
        }
        return fd;
}

int container_stop(ContainerStore *s, const char *id, int timeout, char **ret_error) {
        _cleanup_(container_config_freep) ContainerConfig *c = NULL;
        _cleanup_close_ int pidfd = -EBADF;
        ContainerState st = {};
        union sigval v;
        unsigned t;
        pid_t monitor;
        int r;

        r = container_config_load(s, id, &c);
        if (r < 0)
                return r;
        r = container_state_load(s, id, &st);
        if (r < 0)
                return r;
        if (!IN_SET(st.status, CONTAINER_STATUS_RUNNING, CONTAINER_STATUS_STOPPING)
            && !(st.status == CONTAINER_STATUS_EXITED && st.monitor_pid > 0)) {
                container_state_done(&st);
                return -ESRCH;
        }
        monitor = st.monitor_pid;
        pidfd = pidfd_open_checked(st.monitor_pid, st.monitor_starttime);
        container_state_done(&st);
        if (pidfd < 0) {
                /* The monitor went away meanwhile: loading the state again records that. */
                if (container_state_load(s, id, &st) >= 0)
                        container_state_done(&st);
                return -ESRCH;
        }
        r = state_edit(s, id, edit_stopping, NULL);
        if (r < 0)
                return r;
        t = timeout < 0 ? 0xffff : (unsigned) MIN(timeout, 0xfffe);
        v.sival_int = (int) (MONITOR_STOP_MAGIC | t);
        if (sigqueue(monitor, SIGTERM, v) < 0 && errno != ESRCH)
                return -errno;

        /* Wait for the monitor to finish (it records the exit first). */
        t = (timeout < 0 ? c->stop_timeout : (unsigned) timeout) + 10;
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        r = poll(&p, 1, (int) MIN(t * 1000ULL, (unsigned long long) INT32_MAX));
        if (r == 0) {
                if (ret_error)
                        (void) asprintf(ret_error, "the monitor did not finish within %us", t);
                return -ETIMEDOUT;
        }
        return 0;
}

/* --sdnotify=conmon (podman's default): the monitor, not the container, tells systemd that the
 * service is ready, once the container's command was executed, and that it is the main process (it
 * outlives `skiff run -d`, and its exit is the container's). "container" leaves READY=1 to the
 * container (the plan binds the socket in) and sends MAINPID= only; "ignore" sends nothing, and
 * "healthy" is health.c's. */
static void notify_ready(const ContainerConfig *c) {
        bool container = c->sdnotify && streq(c->sdnotify, "container");

        if (c->sdnotify && !streq(c->sdnotify, "conmon") && !container)
                return;
        if (!getenv("NOTIFY_SOCKET") || dlopen_libsystemd(NULL) < 0)
                return;
        /* container: the container says READY=1 itself, through the socket the plan bound in; this
         * monitor, which outlives `skiff run -d`, is the unit's main process */
        if (container)
                (void) sd_notifyf(/* unset_environment= */ false, "MAINPID=%d", (int) getpid());
        else
                (void) sd_notifyf(/* unset_environment= */ false, "MAINPID=%d\nREADY=1", (int) getpid());
}

/* WatchdogSec=: the unit's main process (this monitor, with --sdnotify conmon or healthy) pings at half
 * the timeout from its loop; a monitor stuck anywhere stops pinging, and systemd kills and (Restart=)
 * restarts the unit. With --sdnotify=container the container speaks for itself, watchdog included. */
static void watchdog_arm(MonitorLoop *l, const ContainerConfig *c) {
        uint64_t usec;

        if (c->sdnotify && !streq(c->sdnotify, "conmon") && !streq(c->sdnotify, "healthy"))
                return;
        if (!getenv("NOTIFY_SOCKET") || sd_watchdog_ping_interval(getenv("WATCHDOG_USEC"), &usec) <= 0 ||
            dlopen_libsystemd(NULL) < 0)
                return;
        l->watchdog_usec = usec;
        l->watchdog_due = now_usec() + usec;
        (void) sd_notifyf(/* unset_environment= */ false, "WATCHDOG=1");
        (void) timer_rearm(l);
}

/* Is this monitor a systemd unit's main process? With --sdnotify conmon/container/healthy under a
 * NOTIFY_SOCKET it is (conmon's MAINPID=, or the unit's only long-lived skiff process). */
static bool is_unit_main_process(const ContainerConfig *c) {
        if (c->sdnotify && !streq(c->sdnotify, "conmon") && !streq(c->sdnotify, "container") &&
            !streq(c->sdnotify, "healthy"))
                return false;
        return !isempty(getenv("NOTIFY_SOCKET"));
}

int monitor_exit_status(const ContainerConfig *c, int exit_code, bool stop_requested, int loop_result) {
        if (loop_result < 0)
                return 1;
        if (!is_unit_main_process(c))
                return 0;
        /* As conmon: the unit's main process ends with the container's status, so systemd marks the
         * unit failed and applies Restart=on-failure; a stop (systemctl stop's SIGTERM, ExecStop='s
         * rm -f) is an orderly end: 0, and the unit goes inactive. */
        if (stop_requested)
                return 0;
        return exit_code < 0 || exit_code > 255 ? EXIT_SETUP_FAILED : exit_code;
}

/* --- detached monitor --- */

static void report(int fd, const char *fmt, ...) _printf_(2, 3);
static void report(int fd, const char *fmt, ...) {
        char buf[1024];
        va_list ap;
        int n;

        if (fd < 0)
                return;
        va_start(ap, fmt);
        n = vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (n > 0)
                (void) !write(fd, buf, (size_t) MIN(n, (int) sizeof(buf) - 1));
}

_Noreturn void monitor_main(const SkiffPaths *paths, const char *id, int report_fd) {
        _cleanup_(container_store_freep) ContainerStore *store = NULL;
        _cleanup_(monitor_loop_freep) MonitorLoop *l = NULL;
        _cleanup_free_ char *err = NULL;
        ContainerConfig *config = NULL;
        MonitoredContainer *c;
        bool auto_remove;
        int r, status, class = EXIT_SETUP_FAILED;

        r = container_store_open(paths, &store);
        if (r >= 0)
                r = container_config_load(store, id, &config);
        if (r >= 0)
                r = monitor_loop_new(store, &l);
        if (r < 0) {
                report(report_fd, "ERR 125 open the container's record: %s\n", strerror(-r));
                container_config_free(config);
                _exit(EXIT_SETUP_FAILED);
        }
        c = monitor_loop_add(l, config);
        if (!c) {
                report(report_fd, "ERR 125 out of memory\n");
                container_config_free(config);
                _exit(EXIT_SETUP_FAILED);
        }
        auto_remove = config->auto_remove;
        r = mctr_start(c, &err, &class);
        if (r < 0) {
                ExitInfo info = {.c = c, .reason = err};
                c->exit_code = class;
                (void) state_edit(store, id, edit_exited, &info);
                report(report_fd, "ERR %d %s\n", class, err ?: strerror(-r));
                _exit(class);
        }
        /* READY=1 and MAINPID= before "OK": the launcher exits on "OK", and systemd must hear that we
         * are the main process before it sees the launcher (the unit's first main process) exit, or the
         * unit fails with Result=protocol. */
        notify_ready(config);
        watchdog_arm(l, config);
        report(report_fd, "OK %d\n", (int) c->pid);
        if (report_fd >= 0)
                close(report_fd);

        r = monitor_loop_run(l);
        status = monitor_exit_status(config, c->exit_code, c->stop_requested, r);
        if (auto_remove) {
                l = monitor_loop_free(l);
                (void) container_destroy(store, id, NULL);
        }
        _exit(status);
}

int monitor_launch(const SkiffPaths *paths, const char *id, const char *helper, MonitorLaunchResult *ret,
                   char **ret_error) {
        char buf[1100];
        size_t len = 0;
        int p[2], status, class;
        pid_t pid;

        *ret = (MonitorLaunchResult){.exit_class = EXIT_SETUP_FAILED};
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(p[0]);
                close(p[1]);
                return r;
        }
        if (pid == 0) {
                int null;

                /* Nothing of the launcher's but the report pipe (as fd 3) goes on to the monitor. */
                if (p[1] != 3) {
                        if (dup3(p[1], 3, O_CLOEXEC) < 0)
                                _exit(EXIT_SETUP_FAILED);
                        p[1] = 3;
                }
                (void) close_range(4, ~0U, 0);
                /* A session of its own: no controlling terminal, not killed with the caller's
                 * process group; the second fork makes it a non-leader that can never acquire one. */
                if (setsid() < 0)
                        _exit(EXIT_SETUP_FAILED);
                pid = fork();
                if (pid < 0)
                        _exit(EXIT_SETUP_FAILED);
                if (pid > 0)
                        _exit(0);
                /* Orphans of the container (daemons that double-forked) come to us, not to PID 1: we
                 * reap them, and they don't outlive the container unseen. */
                (void) prctl(PR_SET_CHILD_SUBREAPER, 1);
                null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        (void) dup2(null, STDIN_FILENO);
                        (void) dup2(null, STDOUT_FILENO);
                        (void) dup2(null, STDERR_FILENO);
                        if (null > STDERR_FILENO)
                                close(null);
                }
                (void) chdir("/");
                if (helper && paths->root[0] == '/' && paths->runroot[0] == '/') {
                        /* fd 3 must survive this exec: it is the report pipe. */
                        (void) fcntl(3, F_SETFD, 0);
                        execl(helper, "skiff-monitor", paths->root, paths->runroot, id, (char *) NULL);
                        /* No helper binary (or not executable): be the monitor in this copy of the
                         * caller instead; only bigger. */
                        (void) fcntl(3, F_SETFD, FD_CLOEXEC);
                }
                monitor_main(paths, id, p[1]);
        }
        close(p[1]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        for (;;) {
                ssize_t n = read(p[0], buf + len, sizeof(buf) - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t) n;
                /* One line is the whole report: don't wait for EOF, which a leaked copy of the pipe
                 * could delay. */
                if (len >= sizeof(buf) - 1 || memchr(buf, '\n', len))
                        break;
        }
        close(p[0]);
        buf[len] = 0;
        if (len > 0 && buf[len - 1] == '\n')
                buf[--len] = 0;
        if (startswith(buf, "OK ")) {
                ret->container_pid = atoi(buf + 3);
                ret->exit_class = 0;
                return 0;
        }
        if (startswith(buf, "ERR ") && sscanf(buf + 4, "%d", &class) == 1) {
                const char *msg = strchr(buf + 4, ' ');
                ret->exit_class = class;
                if (ret_error)
                        *ret_error = strdup(msg ? msg + 1 : "unknown error");
                return class == EXIT_NOT_FOUND ? -ENOENT : class == EXIT_CANNOT_INVOKE ? -EACCES : -EIO;
        }
        if (ret_error)
                *ret_error = strdup("the container's monitor exited without a report");
        return -EIO;
}

/* --- foreground --- */

int monitor_run_attached(const SkiffPaths *paths, const char *id, const MonitorAttach *a,
                         int *ret_exit_class, char **ret_error) {
        _cleanup_(container_store_freep) ContainerStore *store = NULL;
        _cleanup_(monitor_loop_freep) MonitorLoop *l = NULL;
        ContainerConfig *config = NULL;
        MonitoredContainer *c;
        struct termios saved;
        bool raw = false;
        int r, class = EXIT_SETUP_FAILED;

        *ret_exit_class = EXIT_SETUP_FAILED;
        r = container_store_open(paths, &store);
        if (r < 0)
                return r;
        r = container_config_load(store, id, &config);
        if (r < 0)
                return r;
        r = monitor_loop_new(store, &l);
        if (r < 0) {
                container_config_free(config);
                return r;
        }
        l->attached = true;
        l->tty = a->tty;
        l->stdin_fd = a->interactive ? a->stdin_fd : -EBADF;
        c = monitor_loop_add(l, config);
        if (!c) {
                container_config_free(config);
                return -ENOMEM;
        }
        c->tee_out_fd = a->stdout_fd;
        c->tee_err_fd = a->tty ? a->stdout_fd : a->stderr_fd;

        r = mctr_start(c, ret_error, &class);
        if (r < 0) {
                ExitInfo info = {.c = c, .reason = ret_error ? *ret_error : NULL};
                c->exit_code = class;
                (void) state_edit(store, id, edit_exited, &info);
                *ret_exit_class = class;
                return r;
        }
        notify_ready(config);
        watchdog_arm(l, config);
        if (a->tty) {
                if (a->interactive && a->stdin_fd >= 0 && isatty(a->stdin_fd)
                    && tcgetattr(a->stdin_fd, &saved) == 0) {
                        struct termios t = saved;
                        cfmakeraw(&t);
                        /* keep output post-processing: the container's pty already did \n -> \r\n */
                        raw = tcsetattr(a->stdin_fd, TCSANOW, &t) == 0;
                }
                copy_winsize(l);
                if (a->interactive && a->stdin_fd >= 0) {
                        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EV_STDIN};
                        if (epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, a->stdin_fd, &ev) < 0) {
                                /* a regular file as stdin cannot be polled: treat as no stdin */
                                l->stdin_fd = -EBADF;
                        }
                }
        }
        r = monitor_loop_run(l);
        if (raw)
                (void) tcsetattr(a->stdin_fd, TCSADRAIN, &saved);
        *ret_exit_class = 0;
        return r < 0 ? r : c->exit_code;
}
