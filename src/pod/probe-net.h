#pragma once

/* The httpGet and tcpSocket probe executors, made by the supervisor itself from inside the pod's
 * network namespace, so an image needs no curl or nc (podman runs those inside the container).
 *
 * How the probe gets into the pod's network namespace: a socket belongs to the network namespace it was
 * created in, for its whole life. probe_conn_start() switches the calling thread into the pod's netns
 * with setns(), creates the socket, and switches back at once; everything else (connect, send, recv) is
 * ordinary non-blocking I/O in the supervisor's own event loop. That costs two setns() calls per probe,
 * where the alternatives cost a fork per probe (a child that setns()s and connects) or a helper process
 * per pod (its own RSS, and a protocol to talk to it). See docs/architecture.md "Pods and the
 * supervisor" for the measurements.
 *
 * A connection is a small state machine: connecting → (httpGet) sending the request → reading the
 * status line → done. The caller polls probe_conn_fd() for probe_conn_events() until
 * probe_conn_deadline() and calls probe_conn_step() on readiness or at the deadline (a timeout is a
 * failed probe, as Kubernetes counts it). probe_run() does all of that with poll() for callers that may
 * block (tests, `skiff pod` commands). */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/cleanup.h"

typedef struct ProbeTarget {
        char *host;     /* an IP address or "localhost"; NULL: 127.0.0.1, the pod's own loopback */
        uint16_t port;
        char *path;     /* httpGet: NULL means "/" */
        bool https;     /* refused: skiff's prober speaks plain HTTP only (the result says so) */
        char **headers; /* httpGet: "Name: value" lines, NULL-terminated, may be NULL */
} ProbeTarget;

void probe_target_done(ProbeTarget *t);

typedef struct ProbeResult {
        bool success;
        int http_status;  /* httpGet: the status received, 0 when none */
        char message[160]; /* why it failed ("connect 127.0.0.1:8080: Connection refused",
                            * "HTTP status 503", "timed out after 1 s"), "" on success */
} ProbeResult;

typedef struct ProbeConn ProbeConn;

/* Starts a probe: tcpSocket (http false) succeeds once the connection is established; httpGet (http
 * true) sends "GET path HTTP/1.1" and succeeds on a status of 200 to 399. netns_fd is an open
 * /proc/PID/ns/net of the pod (borrowed), or -1 for the caller's own namespace. deadline is in
 * CLOCK_MONOTONIC microseconds.
 *
 * Returns 0 and a new connection in *ret (free with probe_conn_free()), 1 when the probe already
 * finished (a refused connect, a bad target: *ret_result says why, *ret stays NULL), or -errno for the
 * supervisor's own failures (-ENOMEM; setns() failing with -EPERM). */
int probe_conn_start(const ProbeTarget *t, bool http, int netns_fd, uint64_t deadline, ProbeConn **ret,
                     ProbeResult *ret_result);

ProbeConn *probe_conn_free(ProbeConn *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(ProbeConn *, probe_conn_free);

int probe_conn_fd(const ProbeConn *c);
/* POLLOUT while connecting or sending, POLLIN while waiting for the answer. */
short probe_conn_events(const ProbeConn *c);
uint64_t probe_conn_deadline(const ProbeConn *c);

/* Makes what progress the socket allows at time now. Returns 0 while the probe goes on, 1 when it is
 * finished (*ret_result filled; a deadline that passed is a failure "timed out"). */
int probe_conn_step(ProbeConn *c, uint64_t now, ProbeResult *ret_result);

/* Runs a whole probe, blocking, with a timeout in milliseconds. Returns 0 with *ret_result, or -errno
 * as probe_conn_start(). */
int probe_run(const ProbeTarget *t, bool http, int netns_fd, unsigned timeout_ms, ProbeResult *ret_result);

/* CLOCK_MONOTONIC in microseconds. */
uint64_t now_usec(void);

/* Brings the loopback interface of the network namespace netns_fd up (a new network namespace starts
 * with lo down; a pod's containers talk over it). The thread enters the namespace for one ioctl and
 * comes back. Returns 0 or -errno. */
int netns_loopback_up(int netns_fd);
