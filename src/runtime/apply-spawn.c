/* container_spawn(), container_exec(), container_spawn_cleanup(): the parent side (pipes, clone3, id
 * maps, cgroups, seccomp compiled before the clone) and the child's process setup (ids, stdio,
 * capabilities, no_new_privs, seccomp last, execve with a PATH lookup in the container).
 *
 * Protocol between parent and child, two pipes:
 *   sync  parent -> child: one byte "go" once the id maps are written and the child is in its cgroups;
 *         EOF without it means the parent gave up and the child exits quietly.
 *   error child -> parent, O_CLOEXEC: a ChildError if a step fails; EOF with nothing read means the
 *         execve() succeeded (the pipe closed with it). */

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/rm-rf.h"
#include "common/strv.h"
#include "runtime/apply-internal.h"
#include "runtime/cgroup-devices.h"
#include "runtime/spawn.h"

static inline void spawn_bpf_freep(SeccompBpf **b) {
        seccomp_bpf_free(*b);
}

static const int ns_clone_flag[_NS_KIND_MAX] = {
        [NS_MNT] = CLONE_NEWNS,        [NS_PID] = CLONE_NEWPID, [NS_IPC] = CLONE_NEWIPC,
        [NS_UTS] = CLONE_NEWUTS,       [NS_NET] = CLONE_NEWNET, [NS_USER] = CLONE_NEWUSER,
        [NS_CGROUP] = CLONE_NEWCGROUP,
};

/* Join order: the user namespace first (it grants the capabilities the other setns() calls need), the
 * mount namespace last (joining it changes what paths mean). */
static const NsKind join_order[] = {NS_USER, NS_IPC, NS_UTS, NS_NET, NS_PID, NS_CGROUP, NS_MNT};

void spawn_result_done(SpawnResult *r) {
        if (!r)
                return;
        if (r->pidfd >= 0)
                close(r->pidfd);
        if (r->pty_master >= 0)
                close(r->pty_master);
        r->pidfd = r->pty_master = -1;
        r->cgroup_paths = strv_free(r->cgroup_paths);
}

static int set_error(char **ret_error, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_error(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;
        char *s = NULL;

        if (ret_error) {
                va_start(ap, fmt);
                if (vasprintf(&s, fmt, ap) < 0)
                        s = NULL;
                va_end(ap);
                free(*ret_error);
                *ret_error = s;
        }
        return r;
}

static pid_t clone3_fork(uint64_t flags, int *ret_pidfd) {
        struct clone_args args = {
                .flags = flags | CLONE_PIDFD,
                .pidfd = (uint64_t) (uintptr_t) ret_pidfd,
                /* CLONE_PARENT: the child inherits its parent's exit signal (clone3 refuses one) */
                .exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD,
        };
        pid_t pid;

        *ret_pidfd = -1;
        pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0 && errno == ENOSYS) {
                /* FIXME: drop once clone3 (Linux 5.3) is the baseline */
                *ret_pidfd = -1;
                pid = (pid_t) syscall(SYS_clone, (unsigned long) (flags | SIGCHLD), NULL, NULL, NULL, 0);
        }
        return pid;
}

/* ---- the child ---- */

typedef struct ChildCtx {
        const ContainerPlan *plan;
        const SpawnStdio *io;
        int sync_fd;
        int error_fd;
        int pty_slave;              /* -1, or the tty for stdio */
        int pty_socket;             /* create_pty: the pty is made inside, its master sent back here */
        int join_fds[_NS_KIND_MAX]; /* namespaces to setns() into, -1 otherwise */
        uint64_t unshare_flags;     /* namespaces created after joining the user namespace */
        bool born_in_userns;        /* cloned from inside join_fds[NS_USER] already (see clone_in_userns()) */
        const SeccompBpf *bpf;
        const char *root;          /* where the root file system is assembled (spawn only) */
        bool rootfs_premounted;    /* the parent mounted it there (idmapped overlay) */
        char *const *cgroup_paths; /* the container's cgroups, for /sys/fs/cgroup inside */
        bool cgroup_v2_root;       /* the cgroup root is one cgroup2 mount */
        /* exec only: */
        bool exec;
        char **argv;
        char **env;
        const char *cwd;
        uid_t uid;
        gid_t gid;
        const gid_t *groups;
        size_t n_groups;
        CapSet caps;
        bool no_new_privs;
} ChildCtx;

_noreturn_ static void child_exit(ChildCtx *c, ChildError *e) {
        ssize_t n = write(c->error_fd, e, sizeof(*e));
        (void) n;
        _exit(125);
}

#define CHILD_TRY(c, e, expr)                 \
        do {                                  \
                if ((expr) < 0)               \
                        child_exit((c), (e)); \
        } while (0)

static const char *env_lookup(char **env, const char *name) {
        size_t n = strlen(name);
        STRV_FOREACH(v, env)
                if (strncmp(*v, name, n) == 0 && (*v)[n] == '=')
                        return *v + n + 1;
        return NULL;
}

/* execvpe() with the container's PATH (not ours), keeping the most telling error: EACCES from any
 * candidate beats ENOENT, as the shell does. */
static int exec_command(char **argv, char **env, ChildError *e) {
        const char *path_env, *cmd = argv[0];
        char buf[4096];
        int err = ENOENT;

        if (strchr(cmd, '/')) {
                struct stat st;

                execve(cmd, argv, env);
                e->exec = 1;
                if (errno == ENOENT && stat(cmd, &st) == 0)
                        /* the file is there: its #! interpreter or dynamic loader is not */
                        return child_error(e, ENOENT,
                                           "exec %s (its interpreter or dynamic loader is missing)", cmd);
                return child_error(e, errno, "exec %s", cmd);
        }
        path_env = env_lookup(env, "PATH") ?: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        for (const char *p = path_env;;) {
                const char *colon = strchrnul(p, ':');
                size_t l = colon - p;

                if (l + strlen(cmd) + 2 < sizeof(buf)) {
                        if (l == 0)
                                snprintf(buf, sizeof(buf), "%s", cmd);
                        else
                                snprintf(buf, sizeof(buf), "%.*s/%s", (int) l, p, cmd);
                        execve(buf, argv, env);
                        if (errno == EACCES || (errno != ENOENT && errno != ENOTDIR))
                                err = errno;
                        if (err != ENOENT && err != EACCES)
                                break;
                }
                if (!*colon)
                        break;
                p = colon + 1;
        }
        e->exec = 1;
        if (err == ENOENT)
                return child_error(e, ENOENT, "exec %s: executable file not found in $PATH", cmd);
        return child_error(e, err, "exec %s", cmd);
}

/* Moves fd to at least min (O_CLOEXEC), so that placing stdio and kept fds at 0..n cannot clobber it. */
static int move_above(int fd, int min) {
        int n;

        if (fd < 0)
                return fd;
        n = fcntl(fd, F_DUPFD_CLOEXEC, min);
        return n < 0 ? -errno : n;
}

static int child_stdio(ChildCtx *c, ChildError *e) {
        const SpawnStdio *io = c->io;
        int n_keep = (int) io->n_keep_fds, min = 3 + n_keep + 3;
        int src[3], keep[64];
        int r;

        if (n_keep > (int) ELEMENTSOF(keep))
                return child_error(e, E2BIG, "pass %d file descriptors", n_keep);
        c->error_fd = move_above(c->error_fd, min);
        if (c->error_fd < 0)
                _exit(125);
        if (c->pty_slave >= 0)
                src[0] = src[1] = src[2] = c->pty_slave;
        else {
                src[0] = io->stdin_fd;
                src[1] = io->stdout_fd;
                src[2] = io->stderr_fd;
        }
        for (int i = 0; i < 3; i++) {
                if (src[i] < 0) {
                        src[i] = open("/dev/null", (i == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
                        if (src[i] < 0)
                                return child_error(e, errno, "open /dev/null");
                }
                src[i] = move_above(src[i], min);
                if (src[i] < 0)
                        return child_error(e, src[i], "set up stdio");
        }
        for (int i = 0; i < n_keep; i++) {
                keep[i] = move_above(io->keep_fds[i], min);
                if (keep[i] < 0)
                        return child_error(e, keep[i], "pass fd %d", io->keep_fds[i]);
        }
        for (int i = 0; i < 3; i++)
                if (dup2(src[i], i) < 0)
                        return child_error(e, errno, "set up stdio");
        for (int i = 0; i < n_keep; i++)
                if (dup2(keep[i], 3 + i) < 0)
                        return child_error(e, errno, "pass fd %d", io->keep_fds[i]);
        /* Everything else closes on exec, the error pipe included; it stays usable until then. */
        r = (int) syscall(SYS_close_range, 3 + n_keep, ~0U, CLOSE_RANGE_CLOEXEC);
        if (r < 0)
                for (int fd = 3 + n_keep; fd < 1024; fd++)
                        if (fd != c->error_fd)
                                (void) fcntl(fd, F_SETFD, FD_CLOEXEC);
        if (c->pty_slave >= 0 && ioctl(0, TIOCSCTTY, 0) < 0)
                return child_error(e, errno, "make the tty the controlling terminal");
        return 0;
}

/* A new network namespace starts with lo down: podman's none/private networks have it up. */
static int loopback_up(ChildError *e) {
        struct ifreq ifr = {};
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return child_error(e, errno, "bring up lo: socket");
        strcpy(ifr.ifr_name, "lo");
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return child_error(e, errno, "bring up lo");
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                return child_error(e, errno, "bring up lo");
        return 0;
}

/* create_pty: a pty of the container's own devpts (so that ttyname() and `tty` work inside), made
 * once /dev/pts is the container's; the slave becomes stdio and the controlling terminal (and, in a
 * new container, /dev/console); the master goes back to the parent over a socket (crun's console
 * socket). */
static int child_inner_pty(ChildCtx *c, ChildError *e) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u = {};
        struct iovec iov = {.iov_base = (char[]){'p'}, .iov_len = 1};
        struct msghdr msg = {
                .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
        int master, slave, unlock = 0, n;
        char name[32];

        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return child_error(e, errno, "open /dev/ptmx");
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
                return child_error(e, errno, "unlock the pty");
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
        if (slave < 0)
                return child_error(e, errno, "open the pty's peer");
        for (int i = 0; i < 3; i++)
                if (dup2(slave, i) < 0)
                        return child_error(e, errno, "set up the tty as stdio");
        if (slave > 2)
                close(slave);
        if (ioctl(0, TIOCSCTTY, 0) < 0)
                return child_error(e, errno, "make the tty the controlling terminal");
        snprintf(name, sizeof(name), "/dev/pts/%d", n);
        if (!c->exec) {
                int f = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (f >= 0)
                        close(f);
                if (f < 0 || mount(name, "/dev/console", NULL, MS_BIND, NULL) < 0)
                        return child_error(e, errno, "mount the tty on /dev/console");
        }
        u.h.cmsg_level = SOL_SOCKET;
        u.h.cmsg_type = SCM_RIGHTS;
        u.h.cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(&u.h), &master, sizeof(int));
        if (sendmsg(c->pty_socket, &msg, MSG_NOSIGNAL) < 0)
                return child_error(e, errno, "send the pty to the caller");
        close(master);
        close(c->pty_socket);
        return 0;
}

/* no_new_privs decides the order (see seccomp.h): with it, the filter goes last; without it, it is
 * loaded while CAP_SYS_ADMIN is still held. */
static int child_security(ChildCtx *c, const CapSet *caps, ChildError *e) {
        const char *step = NULL;
        int r;

        if (c->no_new_privs) {
                r = caps_apply_user(caps, c->uid, c->gid, c->groups, c->n_groups, &step);
                if (r < 0)
                        return child_error(e, r, "%s", step ?: "set user and capabilities");
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        return child_error(e, errno, "set no_new_privs");
                r = c->bpf ? seccomp_apply_bpf(c->bpf) : 0;
                if (r < 0)
                        return child_error(e, r, "load the seccomp filter");
        } else {
                r = c->bpf ? seccomp_apply_bpf(c->bpf) : 0;
                if (r < 0)
                        return child_error(e, r, "load the seccomp filter");
                r = caps_apply_user(caps, c->uid, c->gid, c->groups, c->n_groups, &step);
                if (r < 0)
                        return child_error(e, r, "%s", step ?: "set user and capabilities");
        }
        return 0;
}

_noreturn_ static void child_main(ChildCtx *c) {
        const ContainerPlan *plan = c->plan;
        bool userns = plan->ns[NS_USER].mode != NS_MODE_HOST;
        ChildError e = {};
        char go;
        int failed_rlimit = 0;

        /* The caller (the monitor) may block signals for a signalfd or ignore some: the container's
         * process starts with none blocked and every disposition at its default. */
        sigset_t all;
        sigemptyset(&all);
        (void) sigprocmask(SIG_SETMASK, &all, NULL);
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) signal(sig, SIG_DFL);
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        /* The first go: id maps written and the idmapped root mounted, when the parent has those to
         * do; at once otherwise. */
        if (read(c->sync_fd, &go, 1) != 1)
                _exit(125);

        /* Inside a new user namespace the child keeps the host's ids (unmapped there) until
         * apply_rootfs() has opened the host paths it needs (skiff's 0700 directories), then becomes
         * the namespace's root; its capabilities there are held all along. */
        for (size_t i = 0; i < ELEMENTSOF(join_order); i++) {
                NsKind k = join_order[i];

                if (c->join_fds[k] < 0)
                        continue;
                if (k == NS_USER && c->born_in_userns) {
                        close(c->join_fds[k]);
                        if (c->unshare_flags && unshare((int) c->unshare_flags) < 0)
                                child_exit(c, (child_error(&e, errno, "create namespaces"), &e));
                        continue;
                }
                if (setns(c->join_fds[k], ns_clone_flag[k]) < 0)
                        child_exit(c,
                                   (child_error(&e, errno, "join the %s namespace%s%s", ns_kind_to_string(k),
                                                plan->ns[k].path && !c->exec ? " " : "",
                                                plan->ns[k].path && !c->exec ? plan->ns[k].path : ""),
                                    &e));
                close(c->join_fds[k]);
                if (k == NS_USER && c->unshare_flags && unshare((int) c->unshare_flags) < 0)
                        child_exit(c, (child_error(&e, errno, "create namespaces"), &e));
        }

        if (!c->exec && plan->ns[NS_NET].mode == NS_MODE_NEW)
                CHILD_TRY(c, &e, loopback_up(&e));
        if (setsid() < 0)
                child_exit(c, (child_error(&e, errno, "setsid"), &e));
        CHILD_TRY(c, &e, child_stdio(c, &e));

        if (!c->exec) {
                CHILD_TRY(c, &e,
                          apply_rootfs(plan, c->root, userns, plan->ns[NS_USER].mode == NS_MODE_NEW,
                                       c->rootfs_premounted, c->cgroup_paths, c->cgroup_v2_root, &e));
                if (plan->ns[NS_UTS].mode == NS_MODE_NEW
                    && sethostname(plan->hostname, strlen(plan->hostname)) < 0)
                        child_exit(c, (child_error(&e, errno, "sethostname %s", plan->hostname), &e));
        }
        if (c->pty_socket >= 0)
                CHILD_TRY(c, &e, child_inner_pty(c, &e));
        /* The second go: the parent has put us in the container's cgroups (while we set up the
         * namespaces and mounts above, which need no cgroup). Nothing of the container's own runs
         * before it. */
        if (read(c->sync_fd, &go, 1) != 1)
                _exit(125);
        close(c->sync_fd);
        if (chdir(c->cwd) < 0) {
                int err = errno;
                /* podman creates a missing working directory (image WorkingDir or -w) */
                if (err != ENOENT || c->exec || mkdir_p(c->cwd, 0755) < 0 || chdir(c->cwd) < 0)
                        child_exit(c, (child_error(&e, err, "chdir %s", c->cwd), &e));
        }
        if (rlimits_apply(&plan->rlimits, &failed_rlimit) < 0)
                child_exit(c,
                           (child_error(&e, errno, "setrlimit %s", strempty(rlimit_to_name(failed_rlimit))),
                            &e));
        umask(plan->umask);
        CHILD_TRY(c, &e, child_security(c, &c->caps, &e));
        /* The parent's death mattered only during setup: the command outlives a monitor that dies,
         * unless the plan asks otherwise (a pod's containers die with their supervisor). Kept across
         * execve() for a non-setuid program. */
        (void) prctl(PR_SET_PDEATHSIG, c->exec ? 0 : plan->parent_death_signal, 0, 0, 0);
        (void) exec_command(c->argv, c->env, &e);
        child_exit(c, &e);
}

/* ---- the parent ---- */

/* Drops from set what our own bounding set lacks (a capability we do not have cannot be granted). */
static void caps_clamp_to_own(CapSet *set) {
        int last = caps_last_cap();
        uint64_t own = 0;

        for (int c = 0; c <= (last < 0 ? 63 : last) && c < 64; c++)
                if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
                        own |= CAP_MASK(c);
        set->bounding &= own;
        set->permitted &= own;
        set->effective &= own;
        set->inheritable &= own;
        set->ambient &= own;
}

static int write_id_map(pid_t pid, const char *file, const PlanIdMap *m, size_t n, char **ret_error) {
        char path[64], buf[1024];
        size_t len = 0;
        int r;

        for (size_t i = 0; i < n; i++)
                len += (size_t) snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[i].container_id,
                                         m[i].host_id, m[i].size);
        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, buf, len) != (ssize_t) len) {
                r = -errno;
                return set_error(ret_error, r, "write %s: %s", file, strerror(-r));
        }
        return 0;
}

/* newuidmap/newgidmap, for a rootless caller mapping more than its own id (they check /etc/subuid). */
static int run_newidmap(const char *tool, pid_t pid, const PlanIdMap *m, size_t n, char **ret_error) {
        char *argv[3 + 3 * 8 + 1], nums[3 * 8][16], pidstr[16];
        size_t a = 0;
        pid_t child;
        int status;

        if (n > 8)
                return set_error(ret_error, -E2BIG, "%s: too many ranges", tool);
        snprintf(pidstr, sizeof(pidstr), "%d", (int) pid);
        argv[a++] = (char *) tool;
        argv[a++] = pidstr;
        for (size_t i = 0; i < n; i++) {
                snprintf(nums[3 * i], 16, "%u", m[i].container_id);
                snprintf(nums[3 * i + 1], 16, "%u", m[i].host_id);
                snprintf(nums[3 * i + 2], 16, "%u", m[i].size);
                argv[a++] = nums[3 * i];
                argv[a++] = nums[3 * i + 1];
                argv[a++] = nums[3 * i + 2];
        }
        argv[a] = NULL;
        child = fork();
        if (child < 0)
                return set_error(ret_error, -errno, "%s: fork: %s", tool, strerror(errno));
        if (child == 0) {
                execvp(tool, argv);
                _exit(127);
        }
        if (waitpid(child, &status, 0) < 0)
                return set_error(ret_error, -errno, "%s: %s", tool, strerror(errno));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return set_error(ret_error, -EPERM,
                                 "%s %d: failed (exit %d; are /etc/subuid and /etc/subgid set up?)", tool,
                                 (int) pid, WIFEXITED(status) ? WEXITSTATUS(status) : 128);
        return 0;
}

static int setup_id_maps(const ContainerPlan *plan, pid_t pid, char **ret_error) {
        bool root = geteuid() == 0;
        bool own_only = plan->n_uid_map == 1 && plan->uid_map[0].host_id == geteuid()
                        && plan->uid_map[0].size == 1 && plan->n_gid_map == 1
                        && plan->gid_map[0].host_id == getegid() && plan->gid_map[0].size == 1;
        int r;

        if (root || own_only) {
                if (!root) {
                        /* an unprivileged single-id map needs setgroups denied first */
                        char path[64];
                        snprintf(path, sizeof(path), "/proc/%d/setgroups", (int) pid);
                        r = write_file_atomic_at(AT_FDCWD, path, "deny", 4,
                                                 0); /* not atomic-capable: fall back */
                        if (r < 0) {
                                _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
                                if (fd < 0 || write(fd, "deny", 4) != 4)
                                        return set_error(ret_error, -errno, "write setgroups: %s",
                                                         strerror(errno));
                        }
                }
                r = write_id_map(pid, "uid_map", plan->uid_map, plan->n_uid_map, ret_error);
                if (r < 0)
                        return r;
                return write_id_map(pid, "gid_map", plan->gid_map, plan->n_gid_map, ret_error);
        }
        r = run_newidmap("newuidmap", pid, plan->uid_map, plan->n_uid_map, ret_error);
        if (r < 0)
                return r;
        return run_newidmap("newgidmap", pid, plan->gid_map, plan->n_gid_map, ret_error);
}

/* The fd the child sent with child_inner_pty() (already there: the child sent it before exec). */
static int recv_fd(int sock) {
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u = {};
        char byte;
        struct iovec iov = {.iov_base = &byte, .iov_len = 1};
        struct msghdr msg = {
                .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
        struct cmsghdr *h;
        int fd;

        if (recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
                return errno ? -errno : -EIO;
        h = CMSG_FIRSTHDR(&msg);
        if (!h || h->cmsg_type != SCM_RIGHTS || h->cmsg_len != CMSG_LEN(sizeof(int)))
                return -EBADMSG;
        memcpy(&fd, CMSG_DATA(h), sizeof(int));
        return fd;
}

static int exit_class(const ChildError *e) {
        if (!e->exec)
                return 125;
        if (e->err == ENOENT)
                return 127;
        return 126;
}

/* The child's report, or 0 when the pipe closed empty (exec happened). */
static int read_child_error(int fd, ChildError *e) {
        size_t got = 0;

        while (got < sizeof(*e)) {
                ssize_t n = read(fd, (char *) e + got, sizeof(*e) - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += (size_t) n;
        }
        if (got == 0)
                return 0;
        if (got < sizeof(*e)) {
                *e = (ChildError){.err = EIO};
                snprintf(e->msg, sizeof(e->msg), "container setup: short report from the child");
        }
        e->msg[sizeof(e->msg) - 1] = 0;
        return -e->err;
}

static void reap(pid_t pid) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

static const char *const etc_files[] = {"hosts", "hostname", "resolv.conf"};

/* A container id seen from the host: through the map with a new user namespace, itself otherwise.
 * (id_t) -1 when unmapped. */
static id_t host_id(const ContainerPlan *plan, const PlanIdMap *map, size_t n, id_t id) {
        if (plan->ns[NS_USER].mode != NS_MODE_NEW)
                return id;
        for (size_t i = 0; i < n; i++)
                if (id >= map[i].container_id && id - map[i].container_id < map[i].size)
                        return map[i].host_id + (id - map[i].container_id);
        return (id_t) -1;
}

static uid_t chown_uid;
static gid_t chown_gid;

static int chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        return lchown(path, chown_uid, chown_gid) < 0 ? -1 : 0;
}

/* -v SRC:DST:U: the source belongs to the container's user, recursively (podman's U option). */
static int chown_sources(const ContainerPlan *plan, char **ret_error) {
        uid_t u = (uid_t) host_id(plan, plan->uid_map, plan->n_uid_map, plan->uid);
        gid_t g = (gid_t) host_id(plan, plan->gid_map, plan->n_gid_map, plan->gid);

        for (size_t i = 0; i < plan->n_mounts; i++) {
                const PlanMount *m = &plan->mounts[i];

                if (!(m->extra & PLAN_MOUNT_CHOWN) || !streq(m->type, "bind"))
                        continue;
                if (u == (uid_t) -1 || g == (gid_t) -1)
                        return set_error(ret_error, -EINVAL,
                                         "-v %s:%s:U: the user %u:%u is not mapped to the host", m->source,
                                         m->destination, (unsigned) plan->uid, (unsigned) plan->gid);
                chown_uid = u;
                chown_gid = g;
                if (nftw(m->source, chown_one, 16, FTW_PHYS | FTW_MOUNT) < 0)
                        return set_error(ret_error, -errno, "chown %s to %u:%u: %s", m->source, (unsigned) u,
                                         (unsigned) g, strerror(errno));
        }
        return 0;
}

static void container_root_ids(const ContainerPlan *plan, uid_t *ret_uid, gid_t *ret_gid);

static int write_run_dir(const ContainerPlan *plan, char **ret_error) {
        const char *content[] = {plan->etc_hosts, plan->etc_hostname, plan->etc_resolv_conf};
        _cleanup_free_ char *rootdir = NULL, *parent = NULL;
        int r;

        /* The run dir is the host root's, 0700: in a user namespace the child reaches it (and the
         * storage) with the host's ids before it becomes the namespace's root (see apply_rootfs()). */
        parent = strdup(plan->run_dir);
        if (!parent)
                return -ENOMEM;
        *strrchr(parent, '/') = 0;
        r = mkdir_p(parent, 0755);
        if (r >= 0 && mkdir(plan->run_dir, 0700) < 0 && errno != EEXIST)
                r = -errno;
        if (r < 0)
                return set_error(ret_error, r, "create %s: %s", plan->run_dir, strerror(-r));

        for (size_t i = 0; i < ELEMENTSOF(etc_files); i++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", plan->run_dir, etc_files[i]) < 0)
                        return -ENOMEM;
                /* Volatile files of one start (RUNROOT is a tmpfs normally): no fsync, no rename; a crash
                 * leaves nothing that a later start does not rewrite. */
                _cleanup_close_ int fd =
                        open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
                size_t len = strlen(strempty(content[i]));
                if (fd < 0 || write(fd, strempty(content[i]), len) != (ssize_t) len)
                        return set_error(ret_error, -errno, "write %s: %s", p, strerror(errno));
        }
        if (asprintf(&rootdir, "%s/rootfs", plan->run_dir) < 0)
                return -ENOMEM;
        if (mkdir(rootdir, 0755) < 0 && errno != EEXIST)
                return set_error(ret_error, -errno, "create %s: %s", rootdir, strerror(errno));
        if (plan->upper_dir) {
                r = mkdir_p(plan->upper_dir, 0755);
                if (r >= 0)
                        r = mkdir_p(plan->work_dir, 0700);
                if (r < 0)
                        return set_error(ret_error, r, "create the container's storage in %s: %s",
                                         plan->container_dir, strerror(-r));
                /* root's user namespace: the parent mounts the overlay (parent_mount_overlay()), and
                 * what the container writes lands in upper with the host ids of the container's root */
                uid_t ruid;
                gid_t rgid;
                container_root_ids(plan, &ruid, &rgid);
                if (geteuid() == 0 && ruid != (uid_t) -1) {
                        const char *dirs[] = {plan->upper_dir, plan->work_dir};
                        FOREACH_ARRAY(d, dirs, ELEMENTSOF(dirs))
                                if (chown(*d, ruid, rgid) < 0)
                                        return set_error(ret_error, -errno, "chown %s: %s", *d,
                                                         strerror(errno));
                }
        }
        return 0;
}

static void remove_run_dir(const ContainerPlan *plan) {
        char p[4096];

        for (size_t i = 0; i < ELEMENTSOF(etc_files); i++) {
                snprintf(p, sizeof(p), "%s/%s", plan->run_dir, etc_files[i]);
                (void) unlink(p);
        }
        snprintf(p, sizeof(p), "%s/rootfs", plan->run_dir);
        (void) rmdir(p);
        (void) rmdir(plan->run_dir);
        /* RUNROOT/containers/<id>: rtlife's state lives there; gone only when nothing else is */
        snprintf(p, sizeof(p), "%s", plan->run_dir);
        char *slash = strrchr(p, '/');
        if (slash) {
                *slash = 0;
                (void) rmdir(p);
        }
}


int container_spawn_cleanup(const ContainerPlan *plan, char *const *cgroup_paths, unsigned flags,
                            char **ret_error) {
        int r = 0, q;

        if (cgroup_paths && *cgroup_paths) {
                _cleanup_close_ int root_fd = cgroup_root_open();
                char *err = NULL;

                if (root_fd < 0)
                        r = set_error(ret_error, root_fd, "open the cgroup root: %s", strerror(-root_fd));
                else if ((q = cgroup_remove(root_fd, cgroup_paths, 2000, &err)) < 0) {
                        if (r >= 0)
                                r = set_error(ret_error, q, "%s", err ?: "remove the container's cgroups");
                }
                free(err);
        }
        remove_run_dir(plan);
        if (flags & SPAWN_CLEANUP_STORAGE) {
                /* only what spawn created: container_dir itself holds rtlife's record */
                const char *dirs[] = {plan->upper_dir, plan->work_dir};
                FOREACH_ARRAY(d, dirs, ELEMENTSOF(dirs)) {
                        if (!*d)
                                continue;
                        q = rm_rf_path(*d);
                        if (q < 0 && r >= 0)
                                r = set_error(ret_error, q, "remove %s: %s", *d, strerror(-q));
                }
                (void) rmdir(plan->container_dir); /* when nothing else is there */
        }
        return r;
}

static void close_join_fds(int *fds) {
        for (int k = 0; k < _NS_KIND_MAX; k++)
                if (fds[k] >= 0) {
                        close(fds[k]);
                        fds[k] = -1;
                }
}

/* The host ids of the container's root (its uid/gid 0), or -1 without a new user namespace. */
static void container_root_ids(const ContainerPlan *plan, uid_t *ret_uid, gid_t *ret_gid) {
        *ret_uid = (uid_t) -1;
        *ret_gid = (gid_t) -1;
        if (plan->ns[NS_USER].mode != NS_MODE_NEW)
                return;
        for (size_t i = 0; i < plan->n_uid_map; i++)
                if (plan->uid_map[i].container_id == 0)
                        *ret_uid = plan->uid_map[i].host_id;
        for (size_t i = 0; i < plan->n_gid_map; i++)
                if (plan->gid_map[i].container_id == 0)
                        *ret_gid = plan->gid_map[i].host_id;
}

/* A new user namespace started by root, over image layers owned by the host's root: the kernel
 * refuses an overlay mounted from inside that namespace (its root is another host uid and may not
 * even reach the layers), and the image's files would all show up as nobody. So, as podman does with
 * idmapped layers, the parent builds the overlay: each layer is cloned as a detached mount idmapped
 * to the child's user namespace (host 0 -> the container's root), the overlay is created with the new
 * mount API over them (paths /proc/self/fd/N), and a short helper process moves it into the child's
 * mount namespace at root. The upper dir is not idmapped (overlayfs would make the mount read-only):
 * it belongs to the container's root on the host, and files written there get its host ids. */
static int parent_mount_overlay(const ContainerPlan *plan, pid_t pid, const char *root, char **ret_error) {
        size_t n = strv_length(plan->lower_dirs);
        _cleanup_free_ int *fds = calloc(n + 1, sizeof(int));
        _cleanup_close_ int userns = -EBADF, fs = -EBADF, mnt = -EBADF, mntns = -EBADF;
        _cleanup_free_ char *lower = NULL;
        char path[64];
        size_t len = 16;
        pid_t helper;
        int status, r = 0;

        if (!fds)
                return -ENOMEM;
        for (size_t i = 0; i <= n; i++)
                fds[i] = -1;
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
        userns = open(path, O_RDONLY | O_CLOEXEC);
        if (userns < 0)
                return set_error(ret_error, -errno, "open the container's user namespace: %s",
                                 strerror(errno));
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns};
        for (size_t i = 0; i < n; i++) {
                fds[i] = open_tree(AT_FDCWD, plan->lower_dirs[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
                if (fds[i] < 0 || mount_setattr(fds[i], "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
                        r = set_error(ret_error, -errno, "idmap layer %s: %s", plan->lower_dirs[i],
                                      strerror(errno));
                        goto out;
                }
                len += 32;
        }
        lower = malloc(len);
        if (!lower) {
                r = -ENOMEM;
                goto out;
        }
        lower[0] = 0;
        for (size_t i = n; i > 0; i--) /* top layer first, as for lowerdir= */
                sprintf(lower + strlen(lower), "%s/proc/self/fd/%d", i < n ? ":" : "", fds[i - 1]);
        fs = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "source", "overlay", 0) < 0
            || fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0
            || fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", plan->upper_dir, 0) < 0
            || fsconfig(fs, FSCONFIG_SET_STRING, "workdir", plan->work_dir, 0) < 0
            || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
                r = set_error(ret_error, -errno, "mount overlay (%zu idmapped layers): %s", n,
                              strerror(errno));
                goto out;
        }
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
        if (mnt < 0) {
                r = set_error(ret_error, -errno, "mount overlay: %s", strerror(errno));
                goto out;
        }
        snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int) pid);
        mntns = open(path, O_RDONLY | O_CLOEXEC);
        if (mntns < 0) {
                r = set_error(ret_error, -errno, "open the container's mount namespace: %s",
                              strerror(errno));
                goto out;
        }
        /* setns() of a mount namespace needs a single-threaded process and moves its cwd: a helper. */
        helper = fork();
        if (helper < 0) {
                r = set_error(ret_error, -errno, "fork: %s", strerror(errno));
                goto out;
        }
        if (helper == 0) {
                if (setns(mntns, CLONE_NEWNS) < 0)
                        _exit(10);
                if (move_mount(mnt, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        _exit(errno < 100 ? 100 + errno : 11);
                _exit(0);
        }
        while (waitpid(helper, &status, 0) < 0)
                if (errno != EINTR) {
                        r = set_error(ret_error, -errno, "wait: %s", strerror(errno));
                        goto out;
                }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                int e = WIFEXITED(status) && WEXITSTATUS(status) > 100 ? WEXITSTATUS(status) - 100 : EIO;
                r = set_error(ret_error, -e, "mount overlay on %s in the container's namespace: %s", root,
                              strerror(e));
        }
out:
        for (size_t i = 0; i < n; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        return r;
}

typedef struct Launch {
        ChildCtx ctx;
        uint64_t clone_flags;
        bool need_maps;
        bool parent_overlay; /* root with a new user namespace: the parent mounts an idmapped overlay */
        int pid_ns_fd;       /* join a pid namespace: set as pid_for_children around the clone */
        char **cgroup_paths;
        int cgroup_root_fd;
        bool cgroups_best_effort; /* rootless exec: join what we may (see container_exec()) */
        bool clone_parent;        /* SpawnStdio.clone_parent */
        /* between launch_start() and launch_finish(): */
        pid_t pid;
        int pidfd;
        int err_fd;             /* the child's report (our end) */
        int pty_master, pty_slave_end; /* create_pty: the socket the master arrives on, the child's end */
} Launch;

static void launch_close(Launch *l) {
        int *fds[] = {&l->pidfd, &l->err_fd, &l->pty_master, &l->pty_slave_end};

        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                if (*fds[i] >= 0) {
                        close(*fds[i]);
                        *fds[i] = -1;
                }
}

static void launch_kill(Launch *l) {
        (void) kill(l->pid, SIGKILL);
        reap(l->pid);
        launch_close(l);
}

/* Without privileges, a joined user namespace (a rootless pod's infra's, or the target's of an exec)
 * owns the namespaces the child will enter, and only a process inside it may create the child's new
 * pid namespace or enter an existing one: a short-lived helper enters the user namespace (and the pid
 * namespace to join, if any) and clones the child with CLONE_PARENT, so the child is still ours
 * (our SIGCHLD, our waitpid()), in the pid namespace the helper made, born inside the user namespace.
 * Returns the child's pid (0 in the child), or -errno. */
static pid_t clone_in_userns(Launch *l) {
        int p[2], status, hfd = -1;
        pid_t helper, pid = -1;
        ssize_t n;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        /* With clone_parent, the helper is our parent's child too, so the one it clones is as well. */
        helper = l->clone_parent ? clone3_fork(CLONE_PARENT, &hfd) : fork();
        if (hfd >= 0)
                close(hfd);
        if (helper < 0) {
                close(p[0]);
                close(p[1]);
                return -errno;
        }
        if (helper == 0) {
                pid_t c;
                int fd;

                close(p[0]);
                if (setns(l->ctx.join_fds[NS_USER], CLONE_NEWUSER) < 0 ||
                    (l->pid_ns_fd >= 0 && setns(l->pid_ns_fd, CLONE_NEWPID) < 0))
                        c = -errno;
                else {
                        c = clone3_fork(l->clone_flags | CLONE_PARENT, &fd);
                        if (c == 0) {
                                l->ctx.born_in_userns = true;
                                return 0;
                        }
                        if (c < 0)
                                c = -errno;
                }
                (void) !write(p[1], &c, sizeof(c));
                _exit(0);
        }
        close(p[1]);
        n = read(p[0], &pid, sizeof(pid));
        close(p[0]);
        while (!l->clone_parent && waitpid(helper, &status, 0) < 0 && errno == EINTR)
                ;
        if (n != sizeof(pid))
                return -EIO;
        return pid;
}

/* Clone the child, give it maps and cgroups, and let it go. The child then builds its root and execs
 * on its own; launch_finish() collects its verdict. On failure, nothing is left (ret->exit_code 125). */
static int launch_start(Launch *l, const SpawnStdio *io, SpawnResult *ret, char **ret_error) {
        const ContainerPlan *plan = l->ctx.plan;
        _cleanup_close_ int own_pidns = -EBADF;
        int sync_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
        ChildError e = {};
        bool via_helper, late_cgroups;
        pid_t pid;
        int r;

        l->pid = 0;
        l->pidfd = l->err_fd = l->pty_master = l->pty_slave_end = -1;
        l->ctx.pty_socket = -1;
        l->clone_parent = io->clone_parent;
        if (io->tty && io->create_pty) {
                int sp[2];
                if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                        return set_error(ret_error, -errno, "create the pty socket: %s", strerror(errno));
                l->pty_master = sp[0]; /* until the child's pty master arrives on it */
                l->pty_slave_end = sp[1];
                l->ctx.pty_socket = sp[1];
                l->ctx.pty_slave = -1;
        } else if (io->tty && io->pty_slave >= 0)
                l->ctx.pty_slave = io->pty_slave;
        else
                l->ctx.pty_slave = -1;

        /* sync: a socket, so a go sent to a child that already failed is EPIPE, not SIGPIPE */
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync_pipe) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) {
                r = set_error(ret_error, -errno, "create pipes: %s", strerror(errno));
                goto fail_pipes;
        }
        via_helper = geteuid() != 0 && l->ctx.join_fds[NS_USER] >= 0 &&
                     ((l->clone_flags & CLONE_NEWPID) || l->pid_ns_fd >= 0);
        if (l->pid_ns_fd >= 0 && !via_helper) {
                own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
                if (own_pidns < 0 || setns(l->pid_ns_fd, CLONE_NEWPID) < 0) {
                        r = set_error(ret_error, -errno, "join the pid namespace: %s", strerror(errno));
                        goto fail_pipes;
                }
        }
        l->ctx.sync_fd = sync_pipe[0];
        l->ctx.error_fd = err_pipe[1];
        if (via_helper) {
                pid = clone_in_userns(l);
                if (pid < 0) {
                        errno = -pid;
                        pid = -1;
                }
        } else
                pid = clone3_fork(l->clone_flags | (l->clone_parent ? CLONE_PARENT : 0), &l->pidfd);
        if (pid == 0) {
                close(sync_pipe[1]);
                close(err_pipe[0]);
                child_main(&l->ctx);
        }
        if (own_pidns >= 0)
                (void) setns(own_pidns, CLONE_NEWPID); /* back to ours for later children */
        if (pid < 0) {
                r = set_error(ret_error, -errno, "clone: %s", strerror(errno));
                goto fail_pipes;
        }
        l->pid = pid;
        close(sync_pipe[0]);
        close(err_pipe[1]);
        sync_pipe[0] = err_pipe[1] = -1;
        l->err_fd = TAKE_FD(err_pipe[0]);

        if (l->need_maps) {
                r = setup_id_maps(plan, pid, ret_error);
                if (r < 0)
                        goto fail_child;
        }
        if (l->parent_overlay) {
                r = parent_mount_overlay(plan, pid, l->ctx.root, ret_error);
                if (r < 0)
                        goto fail_child;
        }
        /* The child sets up its namespaces and mounts while the cgroups are joined: on cgroup v1 the
         * first move into a cgroup after a pause waits for an RCU grace period (cgroup_threadgroup_rwsem,
         * 8-14 ms here), which so overlaps with the child's work instead of preceding it. A new cgroup
         * namespace is rooted where the child is when it makes one: then the cgroups come first. */
        late_cgroups = plan->ns[NS_CGROUP].mode != NS_MODE_NEW;
        if (late_cgroups && send(sync_pipe[1], "g", 1, MSG_NOSIGNAL) != 1) {
                r = set_error(ret_error, -errno, "start the container process: %s", strerror(errno));
                goto fail_child;
        }
        if (l->cgroup_paths && *l->cgroup_paths && l->cgroups_best_effort) {
                STRV_FOREACH(p, l->cgroup_paths) {
                        char *one[2] = {*p, NULL};
                        (void) cgroup_join(l->cgroup_root_fd, one, pid, NULL);
                }
        } else if (l->cgroup_paths && *l->cgroup_paths) {
                char *err = NULL;
                r = cgroup_join(l->cgroup_root_fd, l->cgroup_paths, pid, &err);
                if (r < 0) {
                        set_error(ret_error, r, "%s", err ?: "join the container's cgroups");
                        free(err);
                        /* the child may have failed first (and so left the cgroups' reach): its own
                         * report says why */
                        (void) kill(pid, SIGKILL);
                        close(sync_pipe[1]);
                        sync_pipe[1] = -1;
                        if (read_child_error(l->err_fd, &e) < 0)
                                r = set_error(ret_error, -e.err, "%s: %s", e.msg, strerror(e.err));
                        goto fail_child;
                }
        }
        if (!late_cgroups && send(sync_pipe[1], "g", 1, MSG_NOSIGNAL) != 1) {
                r = set_error(ret_error, -errno, "start the container process: %s", strerror(errno));
                goto fail_child;
        }
        /* EPIPE: the child failed during its setup; its report follows */
        (void) send(sync_pipe[1], "g", 1, MSG_NOSIGNAL);
        close(sync_pipe[1]);
        return 0;

fail_child:
        launch_kill(l);
fail_pipes:
        for (int i = 0; i < 2; i++) {
                if (sync_pipe[i] >= 0)
                        close(sync_pipe[i]);
                if (err_pipe[i] >= 0)
                        close(err_pipe[i]);
        }
        launch_close(l);
        ret->exit_code = 125;
        return r;
}

/* The child's verdict: 0 once it exec'd (ret filled), or its error (it is reaped then). */
static int launch_finish(Launch *l, SpawnResult *ret, char **ret_error) {
        ChildError e = {};
        int r;

        r = read_child_error(l->err_fd, &e);
        close(l->err_fd);
        l->err_fd = -1;
        if (r < 0) {
                reap(l->pid);
                launch_close(l);
                ret->exit_code = exit_class(&e);
                return set_error(ret_error, -e.err, "%s: %s", e.msg, strerror(e.err));
        }
        if (l->ctx.pty_socket >= 0) {
                r = recv_fd(l->pty_master);
                if (r < 0) {
                        launch_kill(l);
                        ret->exit_code = 125;
                        return set_error(ret_error, r, "receive the container's pty: %s", strerror(-r));
                }
                close(l->pty_master);
                l->pty_master = r;
        }
        ret->pid = l->pid;
        ret->pidfd = TAKE_FD(l->pidfd);
        ret->pty_master = TAKE_FD(l->pty_master);
        ret->exit_code = 0;
        launch_close(l);
        return 0;
}

static int launch(Launch *l, const SpawnStdio *io, SpawnResult *ret, char **ret_error) {
        int r = launch_start(l, io, ret, ret_error);
        return r < 0 ? r : launch_finish(l, ret, ret_error);
}

static int open_join_fds(const ContainerPlan *plan, int *fds, char **ret_error) {
        for (int k = 0; k < _NS_KIND_MAX; k++) {
                fds[k] = -1;
                if (plan->ns[k].mode != NS_MODE_JOIN)
                        continue;
                fds[k] = open(plan->ns[k].path, O_RDONLY | O_CLOEXEC);
                if (fds[k] < 0) {
                        int r = -errno;
                        close_join_fds(fds);
                        return set_error(ret_error, r, "open the %s namespace %s: %s", ns_kind_to_string(k),
                                         plan->ns[k].path, strerror(-r));
                }
        }
        return 0;
}

/* One container_spawn() in progress: what the parent made for it, until it runs or is gone. */
typedef struct SpawnJob {
        Launch l;
        SeccompBpf *bpf;
        CgroupSystem *sys;
        CgroupPlan *cp;
        char *root;
        bool cgroup_created;
} SpawnJob;

/* Undoes what spawn_prepare() made (after a failure) and frees the job's parts. */
static void spawn_job_fail(SpawnJob *j, const ContainerPlan *plan) {
        if (j->cgroup_created) {
                char *e2 = NULL;
                (void) cgroup_remove(j->sys->root_fd, j->cp->paths, 2000, &e2);
                free(e2);
                j->cgroup_created = false;
        }
        remove_run_dir(plan);
}

static void spawn_job_done(SpawnJob *j) {
        close_join_fds(j->l.ctx.join_fds);
        if (j->l.pid_ns_fd >= 0)
                close(j->l.pid_ns_fd);
        j->l.pid_ns_fd = -1;
        seccomp_bpf_free(j->bpf);
        j->bpf = NULL;
        cgroup_plan_free(j->cp);
        j->cp = NULL;
        cgroup_system_free(j->sys);
        j->sys = NULL;
        free(j->root);
        j->root = NULL;
}

/* The parent's share before the clone: the seccomp filter, the run dir, the cgroups, the namespaces
 * to join, the child's context. On failure everything it made is gone again. */
static int spawn_prepare(SpawnJob *j, const ContainerPlan *plan, const SpawnStdio *io, char **ret_error) {
        Launch *l = &j->l;
        char *err = NULL;
        int r;

        *j = (SpawnJob){.l = {.pid_ns_fd = -1, .cgroup_root_fd = -1, .pidfd = -1, .err_fd = -1, .pty_master = -1,
                              .pty_slave_end = -1}};
        for (int k = 0; k < _NS_KIND_MAX; k++)
                l->ctx.join_fds[k] = -1;
        if (plan->upper_dir == NULL && plan->rootfs == NULL)
                return set_error(ret_error, -EINVAL, "container %s: no root file system in the plan",
                                 plan->id);

        /* seccomp: compiled here, loaded by the child */
        if (plan->seccomp.kind != SECCOMP_KIND_UNCONFINED) {
                r = seccomp_bpf_build(&plan->seccomp, plan->caps.bounding, plan->cache_dir, &j->bpf, &err);
                if (r < 0) {
                        set_error(ret_error, r, "%s", err ?: "build the seccomp filter");
                        free(err);
                        return r;
                }
        }

        r = write_run_dir(plan, ret_error);
        if (r < 0)
                goto fail;
        r = chown_sources(plan, ret_error);
        if (r < 0)
                goto fail;
        if (asprintf(&j->root, "%s/rootfs", plan->run_dir) < 0) {
                j->root = NULL;
                r = -ENOMEM;
                goto fail;
        }

        /* cgroups: created before the clone, joined from here while the child waits */
        if (plan->cgroups != CGROUPS_DISABLED) {
                _cleanup_free_ char *name = NULL;

                r = cgroup_system_detect(&j->sys);
                if (r < 0) {
                        set_error(ret_error, r, "detect cgroups: %s", strerror(-r));
                        goto fail;
                }
                if (asprintf(&name, "skiff-%s", plan->id) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = cgroup_plan_build_in(j->sys, plan->cgroup_parent, &plan->parent_limits, name, &plan->limits,
                                         plan->cgroups, geteuid() != 0, &j->cp, &err);
                if (r < 0) {
                        set_error(ret_error, r, "%s", err ?: "plan the container's cgroups");
                        goto fail;
                }
                if (plan->cgroup_parent) {
                        /* the device rules' cgroup sits in the parent too */
                        free(name);
                        if (asprintf(&name, "%s/skiff-%s", plan->cgroup_parent, plan->id) < 0) {
                                name = NULL;
                                r = -ENOMEM;
                                goto fail;
                        }
                }
                r = cgroup_plan_add_device_rules(j->sys, j->cp, name, plan->privileged);
                if (r >= 0 && plan->n_devices > 0) {
                        /* --device: the nodes' own rules */
                        CgroupDeviceRule *dr = calloc(plan->n_devices, sizeof(*dr));
                        if (!dr)
                                r = -ENOMEM;
                        for (size_t i = 0; dr && i < plan->n_devices; i++)
                                dr[i] = (CgroupDeviceRule){plan->devices[i].type, (int) plan->devices[i].major,
                                                           (int) plan->devices[i].minor, plan->devices[i].access};
                        if (dr)
                                r = cgroup_plan_allow_devices(j->sys, j->cp, name, plan->privileged, dr, plan->n_devices);
                        free(dr);
                }
                if (r < 0) {
                        set_error(ret_error, r, "plan the container's device rules: %s", strerror(-r));
                        goto fail;
                }
                r = cgroup_plan_create(j->sys->root_fd, j->cp, &err);
                if (r < 0) {
                        set_error(ret_error, r, "%s", err ?: "create the container's cgroups");
                        goto fail;
                }
                j->cgroup_created = true;
                l->cgroup_paths = j->cp->paths;
                l->cgroup_root_fd = j->sys->root_fd;
                l->ctx.cgroup_paths = j->cp->paths;
                l->ctx.cgroup_v2_root = j->sys->layout == CGROUP_LAYOUT_V2;
        }

        r = open_join_fds(plan, l->ctx.join_fds, ret_error);
        if (r < 0)
                goto fail;

        for (int k = 0; k < _NS_KIND_MAX; k++)
                if (plan->ns[k].mode == NS_MODE_NEW)
                        l->clone_flags |= (uint64_t) ns_clone_flag[k];
        if (plan->ns[NS_USER].mode == NS_MODE_JOIN) {
                /* New namespaces must belong to the joined user namespace: created by the child after
                 * its setns(), except the pid namespace, which only a clone can enter. */
                l->ctx.unshare_flags = l->clone_flags & ~(uint64_t) CLONE_NEWPID;
                l->clone_flags &= CLONE_NEWPID;
        }
        if (plan->ns[NS_PID].mode == NS_MODE_JOIN) {
                l->pid_ns_fd = l->ctx.join_fds[NS_PID];
                l->ctx.join_fds[NS_PID] = -1;
        }
        l->need_maps = plan->ns[NS_USER].mode == NS_MODE_NEW;
        l->parent_overlay = l->need_maps && geteuid() == 0 && plan->lower_dirs;
        l->ctx.rootfs_premounted = l->parent_overlay;
        l->ctx.plan = plan;
        l->ctx.io = io;
        l->ctx.bpf = j->bpf;
        l->ctx.root = j->root;
        l->ctx.argv = plan->argv;
        l->ctx.env = plan->env;
        l->ctx.cwd = plan->cwd;
        l->ctx.uid = plan->uid;
        l->ctx.gid = plan->gid;
        l->ctx.groups = plan->groups;
        l->ctx.n_groups = plan->n_groups;
        l->ctx.caps = plan->caps;
        if (plan->privileged)
                caps_clamp_to_own(
                        &l->ctx.caps); /* "all" means all we hold: this host lacks CAP_SYS_RESOURCE */
        l->ctx.no_new_privs = plan->no_new_privs;
        free(err);
        return 0;

fail:
        free(err);
        spawn_job_fail(j, plan);
        spawn_job_done(j);
        return r;
}

/* After launch_finish(): the container runs (r >= 0; its cgroups go into ret) or everything of it is
 * gone. Frees the job. */
static int spawn_complete(SpawnJob *j, const ContainerPlan *plan, int r, SpawnResult *ret) {
        if (r < 0)
                spawn_job_fail(j, plan);
        else if (j->cp && j->cp->paths && strv_copy(j->cp->paths, &ret->cgroup_paths) < 0)
                /* the container runs: report OOM but keep it; the caller can still kill it */
                ret->cgroup_paths = NULL;
        spawn_job_done(j);
        return r;
}

int container_spawn(const ContainerPlan *plan, const SpawnStdio *io, SpawnResult *ret, char **ret_error) {
        SpawnJob j;
        int r;

        *ret = (SpawnResult){.pid = 0, .pidfd = -1, .pty_master = -1, .exit_code = 125};
        r = spawn_prepare(&j, plan, io, ret_error);
        if (r < 0)
                return r;
        r = launch(&j.l, io, ret, ret_error);
        return spawn_complete(&j, plan, r, ret);
}

int container_spawn_many(const ContainerPlan *const *plans, const SpawnStdio *ios, size_t n, SpawnResult *rets,
                         char **errors, int *rs) {
        SpawnJob *jobs = calloc(n ?: 1, sizeof(SpawnJob));
        bool *started = calloc(n ?: 1, sizeof(bool));
        int failed = 0;

        if (!jobs || !started) {
                free(jobs);
                free(started);
                return -ENOMEM;
        }
        /* 1. one after another, the parent's share of each and its clone: each child builds its root
         *    while the next one is prepared, and they all do so at once */
        for (size_t i = 0; i < n; i++) {
                rets[i] = (SpawnResult){.pid = 0, .pidfd = -1, .pty_master = -1, .exit_code = 125};
                errors[i] = NULL;
                rs[i] = spawn_prepare(&jobs[i], plans[i], &ios[i], &errors[i]);
                if (rs[i] < 0)
                        continue;
                rs[i] = launch_start(&jobs[i].l, &ios[i], &rets[i], &errors[i]);
                if (rs[i] < 0) {
                        (void) spawn_complete(&jobs[i], plans[i], rs[i], &rets[i]);
                        continue;
                }
                started[i] = true;
        }
        /* 2. their verdicts */
        for (size_t i = 0; i < n; i++)
                if (started[i]) {
                        rs[i] = launch_finish(&jobs[i].l, &rets[i], &errors[i]);
                        rs[i] = spawn_complete(&jobs[i], plans[i], rs[i], &rets[i]);
                }
        for (size_t i = 0; i < n; i++)
                if (rs[i] < 0)
                        failed++;
        free(jobs);
        free(started);
        return failed;
}

/* ---- exec ---- */

static int read_target_cgroups(const CgroupSystem *sys, pid_t target, char ***ret) {
        _cleanup_free_ char *text = NULL;
        _cleanup_strv_free_ char **paths = NULL;
        char p[64], *save = NULL;
        int r;

        snprintf(p, sizeof(p), "/proc/%d/cgroup", (int) target);
        r = read_full_file_at(AT_FDCWD, p, 1 << 20, &text, NULL);
        if (r < 0)
                return r;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c2 = 0;
                const char *ctrls = c1 + 1, *path = c2 + 1;
                for (size_t i = 0; i < sys->n_hier; i++) {
                        const CgroupHierarchy *h = &sys->hier[i];
                        bool match;
                        if (h->v2)
                                match = *ctrls == 0;
                        else if (h->name)
                                match = startswith(ctrls, "name=") && streq(ctrls + 5, h->name);
                        else {
                                _cleanup_free_ char *j = strv_join(h->controllers, ",");
                                match = j && streq(j, ctrls);
                        }
                        if (!match)
                                continue;
                        while (*path == '/')
                                path++;
                        r = strv_extendf(&paths, "%s%s%s", h->dir, *h->dir && *path ? "/" : "", path);
                        if (r < 0)
                                return r;
                        break;
                }
        }
        *ret = TAKE_PTR(paths);
        return 0;
}

int container_exec(const ContainerPlan *plan, pid_t target, const ExecOptions *opts, const SpawnStdio *io,
                   SpawnResult *ret, char **ret_error) {
        _cleanup_(spawn_bpf_freep) SeccompBpf *bpf = NULL;
        _cleanup_strv_free_ char **env = NULL, **cg = NULL;
        _cleanup_free_ gid_t *groups = NULL;
        _cleanup_free_ char *home = NULL, *rootpath = NULL;
        CgroupSystem *sys = NULL;
        Launch l = {.pid_ns_fd = -1, .cgroup_root_fd = -1};
        char *err = NULL;
        int r;

        *ret = (SpawnResult){.pidfd = -1, .pty_master = -1, .exit_code = 125};
        if (!opts->argv || !opts->argv[0])
                return set_error(ret_error, -EINVAL, "exec: no command");

        /* namespaces of the target that differ from ours */
        for (int k = 0; k < _NS_KIND_MAX; k++) {
                char tp[64], op[64];
                struct stat ts, os;

                l.ctx.join_fds[k] = -1;
                snprintf(tp, sizeof(tp), "/proc/%d/ns/%s", (int) target, ns_kind_to_string(k));
                snprintf(op, sizeof(op), "/proc/self/ns/%s", ns_kind_to_string(k));
                if (stat(tp, &ts) < 0) {
                        r = -errno;
                        close_join_fds(l.ctx.join_fds);
                        return set_error(ret_error, r, "exec: container process %d: %s", (int) target,
                                         strerror(-r));
                }
                if (stat(op, &os) == 0 && os.st_ino == ts.st_ino && os.st_dev == ts.st_dev)
                        continue;
                l.ctx.join_fds[k] = open(tp, O_RDONLY | O_CLOEXEC);
                if (l.ctx.join_fds[k] < 0) {
                        r = -errno;
                        close_join_fds(l.ctx.join_fds);
                        return set_error(ret_error, r, "exec: open %s: %s", tp, strerror(-r));
                }
        }
        l.pid_ns_fd = l.ctx.join_fds[NS_PID];
        l.ctx.join_fds[NS_PID] = -1;

        /* user, env, cwd: the plan's, overridden by exec's options; names resolved in the container's
         * current /etc/passwd, read through the target's root */
        l.ctx.uid = plan->uid;
        l.ctx.gid = plan->gid;
        l.ctx.groups = plan->groups;
        l.ctx.n_groups = plan->n_groups;
        if (opts->user) {
                size_t n = 0;
                if (asprintf(&rootpath, "/proc/%d/root", (int) target) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = plan_resolve_user(NULL, rootpath, opts->user, NULL, &l.ctx.uid, &l.ctx.gid, &groups, &n,
                                      &home, &err);
                if (r < 0) {
                        /* the files read are the running container's, not the image's */
                        char *at = err ? strstr(err, "the image's") : NULL;
                        if (at)
                                set_error(ret_error, r, "-u %.*sthe container's%s", (int) (at - err) - 5,
                                          err + 5, at + strlen("the image's"));
                        else
                                set_error(ret_error, r, "-u %s: %s", opts->user, err ?: strerror(-r));
                        goto fail;
                }
                l.ctx.groups = groups;
                l.ctx.n_groups = n;
        }
        r = strv_copy(plan->env, &env);
        if (r < 0)
                goto fail;
        if (home) {
                _cleanup_free_ char *h = NULL;
                if (asprintf(&h, "HOME=%s", home) < 0 || plan_env_set(&env, h) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        STRV_FOREACH(e, opts->env) {
                if (strchr(*e, '='))
                        r = plan_env_set(&env, *e);
                else if (getenv(*e)) {
                        _cleanup_free_ char *a = NULL;
                        r = asprintf(&a, "%s=%s", *e, getenv(*e)) < 0 ? -ENOMEM : plan_env_set(&env, a);
                } else
                        r = 0;
                if (r < 0) {
                        set_error(ret_error, r, "exec -e %s: invalid variable", *e);
                        goto fail;
                }
        }
        if (opts->tty)
                (void) plan_env_set(&env, "TERM=xterm");

        /* capabilities as the container has them, for the exec's user (podman: a non-root user
         * gets the bounding set only); --privileged: everything, no seccomp */
        if (opts->privileged) {
                int last = caps_last_cap();
                uint64_t all = caps_all_mask(last < 0 ? 40 : (unsigned) last);
                l.ctx.caps = (CapSet){.bounding = all, .permitted = all, .effective = all};
                if (l.ctx.uid != 0)
                        l.ctx.caps = (CapSet){.bounding = all};
                caps_clamp_to_own(&l.ctx.caps);
        } else {
                l.ctx.caps = plan->caps;
                if (l.ctx.uid != 0 && plan->uid == 0)
                        l.ctx.caps = (CapSet){.bounding = plan->caps.bounding};
                else if (l.ctx.uid == 0 && plan->uid != 0)
                        l.ctx.caps = (CapSet){.bounding = plan->caps.bounding,
                                              .permitted = plan->caps.bounding,
                                              .effective = plan->caps.bounding};
                if (plan->seccomp.kind != SECCOMP_KIND_UNCONFINED) {
                        r = seccomp_bpf_build(&plan->seccomp, plan->caps.bounding, plan->cache_dir, &bpf,
                                              &err);
                        if (r < 0) {
                                set_error(ret_error, r, "%s", err ?: "build the seccomp filter");
                                goto fail;
                        }
                }
        }

        /* cgroups: the target's own */
        if (plan->cgroups != CGROUPS_DISABLED && cgroup_system_detect(&sys) >= 0) {
                r = read_target_cgroups(sys, target, &cg);
                if (r < 0) {
                        set_error(ret_error, r, "exec: read the cgroups of %d: %s", (int) target,
                                  strerror(-r));
                        goto fail;
                }
                /* Without privileges, the target's cgroups are joined where we may: on a cgroup v1
                 * hierarchy the controllers systemd does not delegate stay root's, and on v2 moving a
                 * process needs write access to the common ancestor of where we run and the target's
                 * cgroup; the exec'd process then stays in ours there. */
                l.cgroups_best_effort = geteuid() != 0;
                l.cgroup_paths = cg;
                l.cgroup_root_fd = sys->root_fd;
        }

        l.ctx.plan = plan;
        l.ctx.io = io;
        l.ctx.bpf = bpf;
        l.ctx.exec = true;
        l.ctx.argv = opts->argv;
        l.ctx.env = env;
        l.ctx.cwd = opts->workdir ?: plan->cwd;
        l.ctx.no_new_privs = plan->no_new_privs;
        l.need_maps = false;
        r = launch(&l, io, ret, ret_error);
        close_join_fds(l.ctx.join_fds);
        if (l.pid_ns_fd >= 0)
                close(l.pid_ns_fd);
        cgroup_system_free(sys);
        free(err);
        return r;

fail:
        close_join_fds(l.ctx.join_fds);
        if (l.pid_ns_fd >= 0)
                close(l.pid_ns_fd);
        cgroup_system_free(sys);
        free(err);
        ret->exit_code = 125;
        return r;
}
