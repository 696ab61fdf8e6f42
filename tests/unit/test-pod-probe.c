/* The probe state machine on a fake clock, and the httpGet/tcpSocket executors against servers of the
 * test's own (in the test's network namespace, and in a new one when the kernel lets us make it). */

#include "unit-test.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "common/macro.h"
#include "pod/probe.h"

#define SEC 1000000ULL

static ProbeSpec spec(unsigned delay, unsigned period, unsigned sthr, unsigned fthr) {
        return (ProbeSpec) { .set = true, .handler = PROBE_HANDLER_TCP_SOCKET, .initial_delay_sec = delay,
                             .period_sec = period, .timeout_sec = 1, .success_threshold = sthr,
                             .failure_threshold = fthr };
}

static void test_no_probes_ready_at_once(void **state) {
        ProbeSet s;
        uint64_t due _unused_ = 0;
        const ProbeSpec *specs[_PROBE_KIND_MAX] = {};

        assert_int_equal(probe_set_reset(&s, specs, 100), PROBE_EVENT_READY);
        assert_true(s.ready);
        assert_true(s.started);
        assert_false(probe_set_next_due(&s, &due));
        assert_int_equal(probe_set_take_due(&s, 1000 * SEC), _PROBE_KIND_INVALID);
}

static void test_liveness_schedule_and_restart(void **state) {
        ProbeSpec live = spec(5, 10, 1, 3);
        const ProbeSpec *specs[_PROBE_KIND_MAX] = { [PROBE_LIVENESS] = &live };
        ProbeSet s;
        uint64_t due _unused_ = 0;
        uint64_t t0 = 50 * SEC;

        assert_int_equal(probe_set_reset(&s, specs, t0), PROBE_EVENT_READY); /* no readiness probe */
        assert_true(probe_set_next_due(&s, &due));
        assert_int_equal(due, t0 + 5 * SEC);
        assert_int_equal(probe_set_take_due(&s, t0 + 4 * SEC), _PROBE_KIND_INVALID);
        assert_int_equal(probe_set_take_due(&s, t0 + 5 * SEC), PROBE_LIVENESS);
        /* while it runs it is not due again */
        assert_int_equal(probe_set_take_due(&s, t0 + 100 * SEC), _PROBE_KIND_INVALID);
        assert_false(probe_set_next_due(&s, &due));
        assert_int_equal(probe_set_result(&s, PROBE_LIVENESS, false, t0 + 6 * SEC), PROBE_EVENT_NONE);
        assert_true(probe_set_next_due(&s, &due));
        assert_int_equal(due, t0 + 15 * SEC);
        assert_int_equal(probe_set_take_due(&s, t0 + 15 * SEC), PROBE_LIVENESS);
        assert_int_equal(probe_set_result(&s, PROBE_LIVENESS, true, t0 + 15 * SEC), PROBE_EVENT_NONE);
        /* a success in between resets the count: three more failures are needed */
        for (int i = 0; i < 2; i++) {
                assert_int_equal(probe_set_take_due(&s, t0 + (25 + 10 * i) * SEC), PROBE_LIVENESS);
                assert_int_equal(probe_set_result(&s, PROBE_LIVENESS, false, t0 + (25 + 10 * i) * SEC), PROBE_EVENT_NONE);
        }
        assert_int_equal(probe_set_take_due(&s, t0 + 45 * SEC), PROBE_LIVENESS);
        assert_int_equal(probe_set_result(&s, PROBE_LIVENESS, false, t0 + 45 * SEC), PROBE_EVENT_RESTART);
        /* stale results after a stop are ignored */
        probe_set_stop(&s);
        assert_false(s.ready);
        assert_int_equal(probe_set_result(&s, PROBE_LIVENESS, false, t0 + 46 * SEC), PROBE_EVENT_NONE);
}

static void test_readiness_thresholds(void **state) {
        ProbeSpec ready = spec(0, 2, 2, 3);
        const ProbeSpec *specs[_PROBE_KIND_MAX] = { [PROBE_READINESS] = &ready };
        ProbeSet s;
        uint64_t due _unused_ = 0;
        uint64_t t = 0;

        assert_int_equal(probe_set_reset(&s, specs, t), PROBE_EVENT_NONE);
        assert_false(s.ready);
        assert_int_equal(probe_set_take_due(&s, t), PROBE_READINESS);
        assert_int_equal(probe_set_result(&s, PROBE_READINESS, true, t), PROBE_EVENT_NONE); /* 1 of 2 */
        t += 2 * SEC;
        assert_int_equal(probe_set_take_due(&s, t), PROBE_READINESS);
        assert_int_equal(probe_set_result(&s, PROBE_READINESS, true, t), PROBE_EVENT_READY);
        assert_true(s.ready);
        for (int i = 1; i <= 3; i++) {
                t += 2 * SEC;
                assert_int_equal(probe_set_take_due(&s, t), PROBE_READINESS);
                assert_int_equal(probe_set_result(&s, PROBE_READINESS, false, t), i < 3 ? PROBE_EVENT_NONE : PROBE_EVENT_UNREADY);
        }
        assert_false(s.ready);
}

static void test_startup_gates_the_others(void **state) {
        ProbeSpec start = spec(1, 1, 1, 2), live = spec(0, 10, 1, 1), ready = spec(3, 5, 1, 1);
        const ProbeSpec *specs[_PROBE_KIND_MAX] = { [PROBE_STARTUP] = &start, [PROBE_LIVENESS] = &live,
                                                     [PROBE_READINESS] = &ready };
        ProbeSet s;
        uint64_t due _unused_ = 0;

        assert_int_equal(probe_set_reset(&s, specs, 0), PROBE_EVENT_NONE);
        assert_false(s.started);
        assert_true(probe_set_next_due(&s, &due));
        assert_int_equal(due, 1 * SEC);
        assert_int_equal(probe_set_take_due(&s, 100 * SEC), PROBE_STARTUP); /* only startup runs */
        assert_int_equal(probe_set_take_due(&s, 100 * SEC), _PROBE_KIND_INVALID);
        assert_int_equal(probe_set_result(&s, PROBE_STARTUP, true, 100 * SEC), PROBE_EVENT_STARTED);
        assert_true(s.started);
        assert_false(s.ready);
        /* liveness and readiness are scheduled from the moment startup passed */
        assert_true(probe_set_next_due(&s, &due));
        assert_int_equal(due, 100 * SEC);
        assert_int_equal(probe_set_take_due(&s, 100 * SEC), PROBE_LIVENESS);
        assert_int_equal(probe_set_take_due(&s, 102 * SEC), _PROBE_KIND_INVALID);
        assert_int_equal(probe_set_take_due(&s, 103 * SEC), PROBE_READINESS);
        assert_int_equal(probe_set_result(&s, PROBE_READINESS, true, 103 * SEC), PROBE_EVENT_READY);
        assert_int_equal(probe_set_result(&s, PROBE_LIVENESS, true, 103 * SEC), PROBE_EVENT_NONE);
        /* startup never runs again */
        assert_int_equal(probe_set_take_due(&s, 1000 * SEC), PROBE_LIVENESS);
        assert_int_equal(probe_set_take_due(&s, 1000 * SEC), PROBE_READINESS);
        assert_int_equal(probe_set_take_due(&s, 1000 * SEC), _PROBE_KIND_INVALID);
}

static void test_startup_failure_restarts(void **state) {
        ProbeSpec start = spec(0, 1, 1, 2);
        const ProbeSpec *specs[_PROBE_KIND_MAX] = { [PROBE_STARTUP] = &start };
        ProbeSet s;
        uint64_t due _unused_ = 0;

        probe_set_reset(&s, specs, 0);
        assert_int_equal(probe_set_take_due(&s, 0), PROBE_STARTUP);
        assert_int_equal(probe_set_result(&s, PROBE_STARTUP, false, 0), PROBE_EVENT_NONE);
        assert_int_equal(probe_set_take_due(&s, SEC), PROBE_STARTUP);
        assert_int_equal(probe_set_result(&s, PROBE_STARTUP, false, SEC), PROBE_EVENT_RESTART);
        /* the restarted container starts over */
        probe_set_reset(&s, specs, 10 * SEC);
        assert_false(s.started);
        assert_int_equal(probe_set_take_due(&s, 10 * SEC), PROBE_STARTUP);
        assert_int_equal(probe_set_result(&s, PROBE_STARTUP, true, 10 * SEC), PROBE_EVENT_READY);
}

/* ---- executors ---- */

typedef struct Server {
        int fd;
        uint16_t port;
        const char *answer; /* NULL: accept and say nothing (a hang) */
        char request[2048];
        pthread_t thread;
        int stop_pipe[2];
} Server;

static void *serve(void *arg) {
        Server *s = arg;

        for (;;) {
                struct pollfd p[2] = { { .fd = s->fd, .events = POLLIN }, { .fd = s->stop_pipe[0], .events = POLLIN } };
                int c;

                if (poll(p, 2, -1) < 0 || (p[1].revents & POLLIN))
                        break;
                c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
                if (c < 0)
                        continue;
                if (s->answer) {
                        ssize_t n = recv(c, s->request, sizeof(s->request) - 1, 0);
                        if (n > 0)
                                s->request[n] = 0;
                        (void) !write(c, s->answer, strlen(s->answer));
                        close(c);
                } else {
                        /* hold the connection until the test ends */
                        struct pollfd q = { .fd = s->stop_pipe[0], .events = POLLIN };
                        (void) poll(&q, 1, 5000);
                        close(c);
                        break;
                }
        }
        return NULL;
}

static void server_start(Server *s, const char *answer) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t l = sizeof(a);

        memset(s, 0, sizeof(*s));
        s->answer = answer;
        s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(s->fd >= 0);
        assert_int_equal(bind(s->fd, (struct sockaddr *) &a, sizeof(a)), 0);
        assert_int_equal(listen(s->fd, 8), 0);
        assert_int_equal(getsockname(s->fd, (struct sockaddr *) &a, &l), 0);
        s->port = ntohs(a.sin_port);
        assert_int_equal(pipe2(s->stop_pipe, O_CLOEXEC), 0);
        assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(Server *s) {
        (void) !write(s->stop_pipe[1], "x", 1);
        pthread_join(s->thread, NULL);
        close(s->fd);
        close(s->stop_pipe[0]);
        close(s->stop_pipe[1]);
}

static void test_http_statuses(void **state) {
        static const struct {
                const char *answer;
                bool success;
                int status;
        } cases[] = {
                { "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true, 200 },
                { "HTTP/1.0 302 Found\r\nLocation: /x\r\n\r\n", true, 302 },
                { "HTTP/1.1 399 Whatever\r\n\r\n", true, 399 },
                { "HTTP/1.1 400 Bad Request\r\n\r\n", false, 400 },
                { "HTTP/1.1 503 Service Unavailable\r\n\r\n", false, 503 },
                { "SSH-2.0-OpenSSH\r\n", false, 0 },
                { "", false, 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *headers[] = { (char *) "X-Probe: yes", NULL };
                ProbeTarget t = { .port = 0, .path = (char *) "/healthz?x=1", .headers = headers };
                ProbeResult res;
                Server s;

                server_start(&s, cases[i].answer);
                t.port = s.port;
                assert_int_equal(probe_run(&t, true, -1, 2000, &res), 0);
                server_stop(&s);
                if (res.success != cases[i].success || res.http_status != cases[i].status)
                        fail_msg("case %zu: success=%d status=%d message=%s", i, res.success, res.http_status, res.message);
                assert_non_null(strstr(s.request, "GET /healthz?x=1 HTTP/1.1\r\n"));
                assert_non_null(strstr(s.request, "\r\nX-Probe: yes\r\n"));
                assert_non_null(strstr(s.request, "\r\nUser-Agent: kube-probe/skiff\r\n"));
                if (!cases[i].success)
                        assert_true(res.message[0] != 0);
        }
}

static uint16_t closed_port(void) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t l = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        uint16_t port;

        assert_int_equal(bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *) &a, &l), 0);
        port = ntohs(a.sin_port);
        close(fd); /* bound, never listened, now closed: nothing answers there */
        return port;
}

static void test_tcp(void **state) {
        ProbeTarget t = { .host = (char *) "localhost" };
        ProbeResult res;
        Server s;

        server_start(&s, "hello");
        t.port = s.port;
        assert_int_equal(probe_run(&t, false, -1, 1000, &res), 0);
        assert_true(res.success);
        server_stop(&s);

        t.port = closed_port();
        assert_int_equal(probe_run(&t, false, -1, 1000, &res), 0);
        assert_false(res.success);
        assert_non_null(strstr(res.message, "Connection refused"));

        t.host = (char *) "example.invalid";
        assert_int_equal(probe_run(&t, false, -1, 1000, &res), 0);
        assert_false(res.success);
        assert_string_equal(res.message, "host example.invalid: not an IP address");
}

static void test_http_timeout(void **state) {
        ProbeTarget t = {};
        ProbeResult res;
        Server s;
        uint64_t t0;

        server_start(&s, NULL); /* accepts, never answers */
        t.port = s.port;
        t0 = now_usec();
        assert_int_equal(probe_run(&t, true, -1, 300, &res), 0);
        assert_false(res.success);
        assert_non_null(strstr(res.message, "timed out"));
        assert_true(now_usec() - t0 >= 290000);
        assert_true(now_usec() - t0 < 2000000);
        server_stop(&s);
}

/* A server in a network namespace of its own: the probe reaches it only through netns_fd. This is what
 * the supervisor does with the infra's namespace. */
static void test_probe_inside_netns(void **state) {
        int ready[2], stop[2];
        pid_t pid;
        char path[64];
        int nsfd;
        uint16_t port = 0;
        ProbeTarget t = {};
        ProbeResult res;

        assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
        assert_int_equal(pipe2(stop, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
                socklen_t l = sizeof(a);
                struct ifreq ifr = {};
                int fd, ctl;
                char x;

                if (unshare(CLONE_NEWNET) < 0)
                        _exit(77);
                /* bring lo up, as the infra's namespace has it */
                ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                strcpy(ifr.ifr_name, "lo");
                if (ctl < 0 || ioctl(ctl, SIOCGIFFLAGS, &ifr) < 0)
                        _exit(1);
                ifr.ifr_flags |= IFF_UP;
                if (ioctl(ctl, SIOCSIFFLAGS, &ifr) < 0)
                        _exit(1);
                fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof(a)) < 0 || listen(fd, 4) < 0 ||
                    getsockname(fd, (struct sockaddr *) &a, &l) < 0)
                        _exit(1);
                port = ntohs(a.sin_port);
                if (write(ready[1], &port, sizeof(port)) != sizeof(port))
                        _exit(1);
                for (;;) {
                        struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = stop[0], .events = POLLIN } };
                        if (poll(p, 2, 10000) <= 0 || (p[1].revents & POLLIN))
                                break;
                        int c = accept(fd, NULL, NULL);
                        if (c >= 0) {
                                char buf[512];
                                (void) !read(c, buf, sizeof(buf));
                                (void) !write(c, "HTTP/1.1 204 No Content\r\n\r\n", 27);
                                close(c);
                        }
                }
                (void) !read(stop[0], &x, 1);
                _exit(0);
        }
        close(ready[1]);
        if (read(ready[0], &port, sizeof(port)) != sizeof(port)) {
                int st;
                waitpid(pid, &st, 0);
                close(ready[0]);
                close(stop[0]);
                close(stop[1]);
                if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
                        skip(); /* no network namespaces for us (not root) */
                fail_msg("namespace server failed to start");
        }
        close(ready[0]);
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) pid);
        nsfd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(nsfd >= 0);
        t.port = port;
        {
                int r = probe_run(&t, true, nsfd, 2000, &res);
                if (r == -EPERM) {
                        (void) !write(stop[1], "x", 1);
                        waitpid(pid, NULL, 0);
                        skip();
                }
                assert_int_equal(r, 0);
        }
        assert_true(res.success);
        assert_int_equal(res.http_status, 204);
        /* the same port in our own namespace has no listener: proof the probe went into the pod's */
        {
                ProbeResult here;
                assert_int_equal(probe_run(&t, true, -1, 500, &here), 0);
                assert_false(here.success);
        }
        /* and we are back in our namespace */
        {
                char a[64], b[64];
                ssize_t n1 = readlink("/proc/thread-self/ns/net", a, sizeof(a) - 1);
                ssize_t n2 = readlink("/proc/1/ns/net", b, sizeof(b) - 1);
                assert_true(n1 > 0);
                a[n1] = 0;
                if (n2 > 0) {
                        char self[64];
                        ssize_t n3 = readlink("/proc/self/ns/net", self, sizeof(self) - 1);
                        assert_true(n3 > 0);
                        self[n3] = 0;
                        assert_string_equal(a, self);
                }
        }
        close(nsfd);
        (void) !write(stop[1], "x", 1);
        waitpid(pid, NULL, 0);
        close(stop[0]);
        close(stop[1]);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_no_probes_ready_at_once),
                cmocka_unit_test(test_liveness_schedule_and_restart),
                cmocka_unit_test(test_readiness_thresholds),
                cmocka_unit_test(test_startup_gates_the_others),
                cmocka_unit_test(test_startup_failure_restarts),
                cmocka_unit_test(test_http_statuses),
                cmocka_unit_test(test_tcp),
                cmocka_unit_test(test_http_timeout),
                cmocka_unit_test(test_probe_inside_netns),
        };
        signal(SIGPIPE, SIG_IGN);
        return unit_run_tests("pod-probe", tests, sizeof(tests) / sizeof(tests[0]));
}
