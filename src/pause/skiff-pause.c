/* skiff-pause: a tiny init for containers, linked statically so that it runs from an empty rootfs.
 *
 *   skiff-pause                 pause: the PID 1 of a pod's infra container. Sleeps, reaps every
 *                               orphan the pod's processes leave, exits 0 on SIGTERM or SIGINT.
 *   skiff-pause [--] CMD [ARG…] init (--init): runs CMD as its child, forwards the signals it gets to
 *                               it, reaps orphans, and exits with CMD's status (128+N if a signal N
 *                               killed it, as shells and podman report it).
 *
 * Written for skiff after the behaviour of catatonit and tini; the comments say why each step is
 * there, because most of them exist for an edge case of being PID 1. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef SKIFF_VERSION
#        define SKIFF_VERSION "unknown"
#endif

/* Signals we never block: they are raised by a fault in this very process (blocking a synchronous
 * SIGSEGV makes the kernel kill us anyway, without a chance to report), or cannot be blocked. */
static bool is_synchronous(int sig) {
        switch (sig) {
        case SIGSEGV:
        case SIGBUS:
        case SIGILL:
        case SIGFPE:
        case SIGTRAP:
        case SIGSYS:
        case SIGABRT:
        case SIGKILL:
        case SIGSTOP:
                return true;
        default:
                return false;
        }
}

static void fill_blockable(sigset_t *set) {
        sigfillset(set);
        for (int s = 1; s < NSIG; s++)
                if (is_synchronous(s))
                        sigdelset(set, s);
}

static void warn(const char *what) {
        /* No stdio buffering surprises: one write per message. */
        char buf[512];
        int n = snprintf(buf, sizeof(buf), "skiff-pause: %s: %s\n", what, strerror(errno));
        if (n > 0)
                (void) !write(STDERR_FILENO, buf, (size_t) n < sizeof(buf) ? (size_t) n : sizeof(buf) - 1);
}

/* Reaps every child that has exited. Returns true when main_pid was among them, with its status in
 * *main_status. WNOHANG in a loop: SIGCHLD is not queued, one signal may stand for many exits. */
static bool reap(pid_t main_pid, int *main_status) {
        bool main_gone = false;

        for (;;) {
                int status;
                pid_t p = waitpid(-1, &status, WNOHANG);

                if (p == 0)
                        break; /* children left, none exited */
                if (p < 0) {
                        if (errno == EINTR)
                                continue;
                        break; /* ECHILD: nobody left */
                }
                if (p == main_pid) {
                        *main_status = status;
                        main_gone = true;
                }
                /* Any other pid: an orphan that was re-parented to us. Reaping it is the whole point
                 * of an init: left alone it would stay a zombie, holding a pid, forever. */
        }
        return main_gone;
}

static int exit_code_of(int status) {
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 255;
}

static int do_pause(void) {
        sigset_t set;

        /* As PID 1 a signal whose disposition is SIG_DFL is simply dropped by the kernel (it protects
         * init from being killed by accident), so SIGTERM would do nothing: we wait for the signals
         * explicitly instead of relying on default actions. */
        fill_blockable(&set);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
                warn("sigprocmask");
                return 1;
        }

        for (;;) {
                siginfo_t info;
                int sig = sigwaitinfo(&set, &info);
                int dummy;

                if (sig < 0) {
                        if (errno == EINTR)
                                continue;
                        warn("sigwaitinfo");
                        return 1;
                }
                switch (sig) {
                case SIGCHLD:
                        /* Orphans of the pod (a daemon's double fork, a shell's background job)
                         * end up as our children in a shared pid namespace. */
                        (void) reap(-1, &dummy);
                        break;
                case SIGTERM:
                case SIGINT:
                        /* Stopping the pod: exit 0, as Kubernetes' pause does; an infra container
                         * stopped on purpose did not fail. */
                        return 0;
                default:
                        /* Everything else (SIGHUP, SIGUSR1, SIGWINCH…) means nothing to a pause
                         * process; ignoring it keeps the pod alive. */
                        break;
                }
        }
}

static int do_init(char **argv) {
        sigset_t set, old;
        pid_t child;
        int status = 0;

        /* Block before fork(): a signal that arrives between fork() and our sigwaitinfo() stays
         * pending instead of being lost or acted on with the default disposition. */
        fill_blockable(&set);
        if (sigprocmask(SIG_BLOCK, &set, &old) < 0) {
                warn("sigprocmask");
                return 125;
        }

        /* When we are not PID 1 (a pid namespace shared with the host or the pod), orphans would
         * go to the real init; as a subreaper they come to us, like under PID 1. */
        if (getpid() != 1)
                (void) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

        child = fork();
        if (child < 0) {
                warn("fork");
                return 125;
        }
        if (child == 0) {
                /* A process group of its own, and the terminal's foreground if there is one: a ^C
                 * then reaches the command once, from the kernel, instead of once from the
                 * terminal and once more through our forwarding. */
                if (setpgid(0, 0) == 0 && isatty(STDIN_FILENO)) {
                        /* tcsetpgrp() from a background group raises SIGTTOU: ignore it for the call. */
                        struct sigaction ign = {.sa_handler = SIG_IGN}, prev;
                        sigaction(SIGTTOU, &ign, &prev);
                        (void) tcsetpgrp(STDIN_FILENO, getpgrp());
                        sigaction(SIGTTOU, &prev, NULL);
                }
                /* The signal mask survives execve(): give the command the mask we were started with,
                 * or it would run with every signal blocked and ignore SIGTERM. */
                sigprocmask(SIG_SETMASK, &old, NULL);
                execvp(argv[0], argv);
                /* The shell's and podman's convention: 127 not found, 126 found but not runnable. */
                int e = errno;
                char buf[512];
                int n = snprintf(buf, sizeof(buf), "skiff-pause: exec %s: %s\n", argv[0], strerror(e));
                if (n > 0)
                        (void) !write(STDERR_FILENO, buf,
                                      (size_t) n < sizeof(buf) ? (size_t) n : sizeof(buf) - 1);
                _exit(e == ENOENT ? 127 : 126);
        }

        for (;;) {
                siginfo_t info;
                int sig = sigwaitinfo(&set, &info);

                if (sig < 0) {
                        if (errno == EINTR)
                                continue;
                        warn("sigwaitinfo");
                        return 125;
                }
                if (sig == SIGCHLD) {
                        /* When the command exits we exit too, with its status. As PID 1 our exit makes
                         * the kernel kill what is left in the namespace; that is how a container ends
                         * when its main process ends, with or without --init. */
                        if (reap(child, &status))
                                return exit_code_of(status);
                        continue;
                }
                /* Forward to the command only, not its group: it decides what its children get,
                 * as it would without an init in between. SIGSTOP/SIGKILL never reach here (they
                 * cannot be caught); a stop of the whole container goes through the freezer. */
                if (kill(child, sig) < 0 && errno != ESRCH)
                        warn("forward signal");
        }
}

static void usage(FILE *f) {
        fputs("Usage: skiff-pause                  sleep as a pod's PID 1, reap orphans, exit on SIGTERM/SIGINT\n"
              "       skiff-pause [--] CMD [ARG...] run CMD, forward signals to it, reap orphans, exit with its status\n"
              "       skiff-pause --version\n",
              f);
}

int main(int argc, char **argv) {
        int i = 1;

        if (i < argc && (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)) {
                usage(stdout);
                return 0;
        }
        if (i < argc && strcmp(argv[i], "--version") == 0) {
                puts("skiff-pause " SKIFF_VERSION);
                return 0;
        }
        if (i < argc && strcmp(argv[i], "--") == 0)
                i++;
        else if (i < argc && argv[i][0] == '-') {
                fprintf(stderr, "skiff-pause: unknown option %s\n", argv[i]);
                usage(stderr);
                return 125;
        }
        if (i >= argc)
                return do_pause();
        return do_init(argv + i);
}
