/* Starting and stopping a pod's supervisor (skiff-pod): see supervisor.h. Linked into skiff; the
 * supervisor itself is supervisor.c, its own executable. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"

#include "common/macro.h"
#include "pod/supervisor.h"
#include "runtime/state.h"

const char *pod_supervisor_binary(void) {
        static char buf[PATH_MAX + 64];
        const char *e = secure_getenv("SKIFF_POD");
        char self[PATH_MAX];
        ssize_t n;

        if (e && *e)
                return access(e, X_OK) == 0 ? e : NULL;
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n > 0) {
                static const char *const rel[] = { "../pod/skiff-pod", "skiff-pod", "../libexec/skiff/skiff-pod" };
                char *slash;

                self[n] = 0;
                slash = strrchr(self, '/');
                if (slash) {
                        *slash = 0;
                        for (size_t i = 0; i < ELEMENTSOF(rel); i++) {
                                snprintf(buf, sizeof(buf), "%s/%s", self, rel[i]);
                                if (access(buf, X_OK) == 0)
                                        return buf;
                        }
                }
        }
        return access(SKIFF_POD_PATH, X_OK) == 0 ? SKIFF_POD_PATH : NULL;
}

/* In the supervisor-to-be: forks and execs skiff-pod-spawn (next to skiff-pod, or $SKIFF_POD_SPAWN)
 * with its end of a socketpair on fd 3, and puts ours on fd 5 (not O_CLOEXEC). Returns its pid, or -1
 * when it could not be started (the supervisor then starts one itself, and reports what fails). */
static pid_t start_helper(const PodSupervisorSetup *setup) {
        char path[PATH_MAX];
        const char *e = secure_getenv("SKIFF_POD_SPAWN"), *slash = strrchr(setup->binary, '/');
        int sp[2];
        pid_t pid;

        if (e && *e)
                snprintf(path, sizeof(path), "%s", e);
        else if (slash)
                snprintf(path, sizeof(path), "%.*s/skiff-pod-spawn", (int) (slash - setup->binary), setup->binary);
        else
                return -1;
        if (access(path, X_OK) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                if (dup2(sp[1], 3) < 0) /* dup2() clears O_CLOEXEC on 3 */
                        _exit(127);
                execl(path, "skiff-pod-spawn", setup->paths->root, setup->paths->runroot, setup->pod_id, (char *) NULL);
                _exit(127);
        }
        close(sp[1]);
        if (pid > 0 && (sp[0] == 5 ? fcntl(5, F_SETFD, 0) : dup2(sp[0], 5)) < 0) {
                (void) kill(pid, SIGKILL);
                pid = -1;
        }
        if (sp[0] != 5)
                close(sp[0]);
        return pid < 0 ? -1 : pid;
}

int pod_supervisor_start(const PodSupervisorSetup *setup, pid_t *ret_pid, char **ret_error, int *ret_exit_class) {
        int p[2], status;
        pid_t child, sup_pid = 0;
        char buf[1100];
        size_t len = 0;

        if (!setup->binary) {
                if (ret_error)
                        *ret_error = strdup("skiff-pod not found (set SKIFF_POD or install it in " SKIFF_POD_PATH ")");
                return -ENOENT;
        }
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        child = fork();
        if (child < 0) {
                int r = -errno;
                close(p[0]);
                close(p[1]);
                return r;
        }
        if (child == 0) {
                pid_t grand, helper_pid;
                int null;

                close(p[0]);
                (void) setsid();
                grand = fork();
                if (grand < 0)
                        _exit(1);
                if (grand > 0) {
                        /* tell the launcher the supervisor's pid, then get out of its way */
                        (void) !write(p[1], &grand, sizeof(grand));
                        _exit(0);
                }
                /* Nothing of the launcher's outlives it in the supervisor: its locks (the play
                 * marker's flock above all) and store fds are closed; the report pipe moves to 3. */
                if (p[1] != 3) {
                        if (dup3(p[1], 3, O_CLOEXEC) < 0)
                                _exit(1);
                        p[1] = 3;
                }
                if (setup->play_lock_fd >= 0 && setup->play_lock_fd != 4 && dup3(setup->play_lock_fd, 4, O_CLOEXEC) < 0)
                        _exit(1);
                if (syscall(SYS_close_range, setup->play_lock_fd >= 0 ? 5U : 4U, ~0U, 0U) < 0)
                        for (int fd = setup->play_lock_fd >= 0 ? 5 : 4; fd < 1024; fd++)
                                (void) close(fd); /* FIXME: drop once close_range (Linux 5.9) is the baseline */
                null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        (void) dup2(null, STDIN_FILENO);
                        (void) dup2(null, STDOUT_FILENO);
                        if (!getenv("SKIFF_SUPERVISOR_STDERR"))
                                (void) dup2(null, STDERR_FILENO);
                }
                /* The supervisor's helper (pod-spawn.h) is its child: started now, with the report
                 * pipe and the play lock still O_CLOEXEC, so that its loading overlaps the
                 * supervisor's own start. Its socket is the supervisor's fd 5. */
                helper_pid = start_helper(setup);
                /* The supervisor is its own small executable: a fork of skiff would keep every page
                 * skiff had resident. fd 3 (report) and 4 (play lock) stay open across the exec. */
                (void) fcntl(3, F_SETFD, 0);
                if (setup->play_lock_fd >= 0)
                        (void) fcntl(4, F_SETFD, 0);
                {
                        char helper_arg[32] = "", ecp_arg[48] = "";
                        const char *argv[] = { "skiff-pod", setup->paths->root, setup->paths->runroot, setup->pod_id,
                                               setup->wait_ready ? "--wait" : "", setup->sd_notify ? "--sd-notify" : "",
                                               setup->play_lock_fd >= 0 ? "--play-lock" : "", helper_arg, ecp_arg, NULL };
                        char msg[PATH_MAX + 128];
                        int k;

                        if (helper_pid > 0)
                                snprintf(helper_arg, sizeof(helper_arg), "--helper=%d", (int) helper_pid);
                        if (setup->exit_propagation && !streq(setup->exit_propagation, "none"))
                                snprintf(ecp_arg, sizeof(ecp_arg), "--exit-code-propagation=%s", setup->exit_propagation);

                        (void) execv(setup->binary, (char **) argv);
                        k = snprintf(msg, sizeof(msg), "E125 exec %s: %s\n", setup->binary, strerror(errno));
                        (void) !write(3, msg, (size_t) MAX(k, 0));
                }
                _exit(1);
        }
        close(p[1]);
        (void) waitpid(child, &status, 0);
        while (len < sizeof(buf) - 1) {
                ssize_t n = read(p[0], buf + len, sizeof(buf) - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t) n;
        }
        close(p[0]);
        buf[len] = 0;
        if (len >= sizeof(pid_t))
                memcpy(&sup_pid, buf, sizeof(pid_t));
        if (len <= sizeof(pid_t)) {
                if (ret_error)
                        *ret_error = strdup("the pod supervisor exited without reporting");
                return -ECHILD;
        }
        {
                const char *msg = buf + sizeof(pid_t);
                char *nl = strchr(msg, '\n');

                if (nl)
                        *nl = 0;
                if (msg[0] == 'S' || msg[0] == 'R') {
                        *ret_pid = sup_pid;
                        return 0;
                }
                if (ret_error) {
                        const char *sp = strchr(msg, ' ');
                        *ret_error = strdup(sp ? sp + 1 : msg);
                }
                if (ret_exit_class) {
                        int code = msg[0] == 'E' ? atoi(msg + 1) : 0;
                        *ret_exit_class = IN_SET(code, 126, 127) ? code : 125;
                }
                return -EIO;
        }
}

int pod_supervisor_stop(pid_t pid, uint64_t starttime, unsigned timeout_sec) {
        return pod_supervisor_stop_grace(pid, starttime, -1, timeout_sec);
}

int pod_supervisor_stop_grace(pid_t pid, uint64_t starttime, int grace_sec, unsigned timeout_sec) {
        int pidfd;
        struct pollfd p;
        int r;

        if (pid <= 0 || !proc_alive(pid, starttime))
                return -ESRCH;
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if ((grace_sec >= 0 ? sigqueue(pid, SIGTERM, (union sigval) { .sival_int = grace_sec }) : kill(pid, SIGTERM)) < 0) {
                if (pidfd >= 0)
                        close(pidfd);
                return -errno;
        }
        if (pidfd < 0) {
                /* FIXME: drop once pidfd_open (Linux 5.3) is the baseline */
                for (unsigned i = 0; i < timeout_sec * 10; i++) {
                        if (!proc_alive(pid, starttime))
                                return 0;
                        (void) poll(NULL, 0, 100);
                }
                return -ETIMEDOUT;
        }
        p = (struct pollfd) { .fd = pidfd, .events = POLLIN };
        r = poll(&p, 1, (int) timeout_sec * 1000);
        close(pidfd);
        if (r == 0)
                return -ETIMEDOUT;
        return r < 0 ? -errno : 0;
}
