#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/macro.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "pod/probe-net.h"

/* The kubelet reads at most this much of an answer; a status line is far shorter. */
#define RESPONSE_MAX 1024

typedef enum ConnState {
        CONN_CONNECTING,
        CONN_SENDING,
        CONN_READING,
} ConnState;

struct ProbeConn {
        int fd;
        bool http;
        ConnState state;
        uint64_t deadline;
        char *request;
        size_t request_len, sent;
        char response[RESPONSE_MAX + 1];
        size_t received;
        char where[80]; /* "127.0.0.1:8080", for messages */
};

uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

void probe_target_done(ProbeTarget *t) {
        if (!t)
                return;
        free(t->host);
        free(t->path);
        t->headers = strv_free(t->headers);
        t->host = t->path = NULL;
}

ProbeConn *probe_conn_free(ProbeConn *c) {
        if (!c)
                return NULL;
        if (c->fd >= 0)
                close(c->fd);
        free(c->request);
        free(c);
        return NULL;
}

int probe_conn_fd(const ProbeConn *c) {
        return c->fd;
}

short probe_conn_events(const ProbeConn *c) {
        return c->state == CONN_READING ? POLLIN : POLLOUT;
}

uint64_t probe_conn_deadline(const ProbeConn *c) {
        return c->deadline;
}

static int finish(ProbeResult *r, bool success, int status, const char *fmt, ...) _printf_(4, 5);
static int finish(ProbeResult *r, bool success, int status, const char *fmt, ...) {
        va_list ap;

        *r = (ProbeResult) { .success = success, .http_status = status };
        va_start(ap, fmt);
        vsnprintf(r->message, sizeof(r->message), fmt, ap);
        va_end(ap);
        return 1;
}

/* The probe's address. Kubernetes resolves a host name with the node's resolver; a probe with a host
 * at all is rare (the pod's own address is the default), so numeric addresses and "localhost" cover
 * it without putting a blocking DNS lookup in the supervisor's loop. */
static int target_address(const ProbeTarget *t, struct sockaddr_storage *ss, socklen_t *len) {
        const char *host = t->host && *t->host ? t->host : "127.0.0.1";
        struct sockaddr_in *in4 = (struct sockaddr_in *) ss;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) ss;

        memset(ss, 0, sizeof(*ss));
        if (streq(host, "localhost"))
                host = "127.0.0.1";
        if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
                in4->sin_family = AF_INET;
                in4->sin_port = htons(t->port);
                *len = sizeof(*in4);
                return 0;
        }
        if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(t->port);
                *len = sizeof(*in6);
                return 0;
        }
        return -EADDRNOTAVAIL;
}

/* A socket created inside the network namespace netns_fd: the thread enters it just for socket(). */
static int socket_in_netns(int netns_fd, int family) {
        _cleanup_close_ int self = -EBADF;
        int fd, r;

        if (netns_fd < 0) {
                fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                return fd < 0 ? -errno : fd;
        }
        self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return -errno;
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return -errno;
        fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        r = fd < 0 ? -errno : fd;
        /* Back home before anything else happens in this thread. Failing that would leave the
         * supervisor in the pod's namespace: refuse to go on rather than probe from the wrong place. */
        if (setns(self, CLONE_NEWNET) < 0) {
                int e = -errno;
                if (fd >= 0)
                        close(fd);
                return e;
        }
        return r;
}

static int build_request(ProbeConn *c, const ProbeTarget *t) {
        StrBuf sb = STRBUF_INIT;
        bool host_header = false, ua = false, accept = false;

        STRV_FOREACH(h, t->headers) {
                if (strncasecmp(*h, "Host:", 5) == 0)
                        host_header = true;
                else if (strncasecmp(*h, "User-Agent:", 11) == 0)
                        ua = true;
                else if (strncasecmp(*h, "Accept:", 7) == 0)
                        accept = true;
        }
        strbuf_addf(&sb, "GET %s HTTP/1.1\r\n", t->path && *t->path ? t->path : "/");
        if (!host_header)
                strbuf_addf(&sb, "Host: %s\r\n", c->where);
        /* The kubelet's own User-Agent and Accept, so servers that log or match them see the same. */
        if (!ua)
                strbuf_puts(&sb, "User-Agent: kube-probe/skiff\r\n");
        if (!accept)
                strbuf_puts(&sb, "Accept: */*\r\n");
        STRV_FOREACH(h, t->headers)
                strbuf_addf(&sb, "%s\r\n", *h);
        strbuf_puts(&sb, "Connection: close\r\n\r\n");
        c->request_len = sb.len;
        c->request = strbuf_detach(&sb);
        return c->request ? 0 : -ENOMEM;
}

int probe_conn_start(const ProbeTarget *t, bool http, int netns_fd, uint64_t deadline, ProbeConn **ret,
                     ProbeResult *ret_result) {
        _cleanup_(probe_conn_freep) ProbeConn *c = NULL;
        struct sockaddr_storage ss;
        socklen_t len;
        int r;

        *ret = NULL;
        if (http && t->https)
                return finish(ret_result, false, 0, "HTTPS probes are not supported (use scheme HTTP)");
        if (t->port == 0)
                return finish(ret_result, false, 0, "no port to probe");
        if (target_address(t, &ss, &len) < 0)
                return finish(ret_result, false, 0, "host %s: not an IP address", t->host);
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->fd = -EBADF;
        c->http = http;
        c->deadline = deadline;
        if (ss.ss_family == AF_INET6)
                snprintf(c->where, sizeof(c->where), "[%s]:%u", t->host, (unsigned) t->port);
        else
                snprintf(c->where, sizeof(c->where), "%s:%u", t->host && *t->host && !streq(t->host, "localhost") ? t->host : "127.0.0.1",
                         (unsigned) t->port);
        if (http) {
                r = build_request(c, t);
                if (r < 0)
                        return r;
        }
        r = socket_in_netns(netns_fd, ss.ss_family);
        if (r < 0)
                return r;
        c->fd = r;
        if (connect(c->fd, (struct sockaddr *) &ss, len) < 0 && errno != EINPROGRESS)
                return finish(ret_result, false, 0, "connect %s: %s", c->where, strerror(errno));
        c->state = CONN_CONNECTING;
        *ret = TAKE_PTR(c);
        return 0;
}

static int parse_status(ProbeConn *c, ProbeResult *res, bool eof) {
        char *eol;
        unsigned major, minor;
        int status, n = 0;

        c->response[c->received] = 0;
        eol = strstr(c->response, "\r\n") ?: strchr(c->response, '\n');
        if (!eol) {
                if (!eof && c->received < RESPONSE_MAX)
                        return 0;
                return finish(res, false, 0, "%s: no HTTP status line in the answer", c->where);
        }
        if (sscanf(c->response, "HTTP/%u.%u %3d%n", &major, &minor, &status, &n) != 3 || n == 0)
                return finish(res, false, 0, "%s: not an HTTP answer", c->where);
        /* Kubernetes: 200 <= status < 400 is a success; redirects are not followed. */
        if (status >= 200 && status < 400)
                return finish(res, true, status, "%s", "");
        return finish(res, false, status, "HTTP status %d", status);
}

int probe_conn_step(ProbeConn *c, uint64_t now, ProbeResult *res) {
        for (;;) {
                switch (c->state) {
                case CONN_CONNECTING: {
                        int err = 0;
                        socklen_t l = sizeof(err);

                        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
                                err = errno;
                        if (err)
                                return finish(res, false, 0, "connect %s: %s", c->where, strerror(err));
                        /* Still connecting: a non-blocking connect is done when the socket is writable
                         * and has a peer. */
                        {
                                struct sockaddr_storage peer;
                                socklen_t pl = sizeof(peer);
                                if (getpeername(c->fd, (struct sockaddr *) &peer, &pl) < 0) {
                                        if (errno != ENOTCONN)
                                                return finish(res, false, 0, "connect %s: %s", c->where, strerror(errno));
                                        goto pending;
                                }
                        }
                        if (!c->http)
                                return finish(res, true, 0, "%s", "");
                        c->state = CONN_SENDING;
                        break;
                }
                case CONN_SENDING: {
                        ssize_t k = send(c->fd, c->request + c->sent, c->request_len - c->sent, MSG_NOSIGNAL);

                        if (k < 0) {
                                if (errno == EAGAIN || errno == EINTR)
                                        goto pending;
                                return finish(res, false, 0, "send to %s: %s", c->where, strerror(errno));
                        }
                        c->sent += (size_t) k;
                        if (c->sent == c->request_len)
                                c->state = CONN_READING;
                        break;
                }
                case CONN_READING: {
                        ssize_t k = recv(c->fd, c->response + c->received, RESPONSE_MAX - c->received, 0);
                        int r;

                        if (k < 0) {
                                if (errno == EAGAIN || errno == EINTR)
                                        goto pending;
                                return finish(res, false, 0, "read from %s: %s", c->where, strerror(errno));
                        }
                        c->received += (size_t) k;
                        r = parse_status(c, res, k == 0);
                        if (r != 0)
                                return r;
                        if (k == 0)
                                return finish(res, false, 0, "%s: connection closed before an answer", c->where);
                        break;
                }
                }
        }
pending:
        if (now >= c->deadline)
                return finish(res, false, 0, "%s: timed out", c->where);
        return 0;
}

int probe_run(const ProbeTarget *t, bool http, int netns_fd, unsigned timeout_ms, ProbeResult *ret_result) {
        _cleanup_(probe_conn_freep) ProbeConn *c = NULL;
        uint64_t deadline = now_usec() + (uint64_t) timeout_ms * 1000ULL;
        int r;

        r = probe_conn_start(t, http, netns_fd, deadline, &c, ret_result);
        if (r != 0)
                return r < 0 ? r : 0;
        for (;;) {
                struct pollfd p = { .fd = probe_conn_fd(c), .events = probe_conn_events(c) };
                uint64_t now = now_usec();
                int wait_ms = now >= deadline ? 0 : (int) ((deadline - now + 999) / 1000);

                if (poll(&p, 1, wait_ms) < 0 && errno != EINTR)
                        return -errno;
                r = probe_conn_step(c, now_usec(), ret_result);
                if (r != 0)
                        return 0;
        }
}

int netns_loopback_up(int netns_fd) {
        _cleanup_close_ int self = -EBADF, s = -EBADF;
        struct ifreq ifr = {};
        int r = 0;

        self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return -errno;
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return -errno;
        s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
        if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                r = -errno;
        else if (!(ifr.ifr_flags & IFF_UP)) {
                ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
                if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
                        r = -errno;
        }
        if (setns(self, CLONE_NEWNET) < 0)
                return -errno;
        return r;
}
