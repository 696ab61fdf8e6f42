/* CRI-format container logs: writer (the monitor) and line parser (`skiff logs`). */

#include "runtime/ctr-log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "common/macro.h"
#include "runtime/dlopen-systemd.h"

struct CtrLog {
        LogDriver driver;
        int fd;
        char *name, *id;
        char *pod_name, *pod_id; /* journald: POD_NAME=, POD_ID= (ctr_log_set_pod()) */
        struct {
                size_t len;
                char buf[CTR_LOG_LINE_MAX];
        } line[_CTR_STREAM_MAX];
        char out[CTR_LOG_LINE_MAX + 64]; /* one formatted record */
};

static const char *const stream_names[_CTR_STREAM_MAX] = {
        [CTR_STREAM_STDOUT] = "stdout",
        [CTR_STREAM_STDERR] = "stderr",
};

int ctr_log_open(LogDriver driver, const char *path, const char *name, const char *id, CtrLog **ret) {
        CtrLog *l;

        if (driver < 0 || driver >= _LOG_DRIVER_MAX)
                return -EINVAL;
        if (driver == LOG_DRIVER_JOURNALD) {
                /* Loaded here, not at the first record: a missing libsystemd is an error at start. */
                int r = dlopen_libsystemd(NULL);
                if (r < 0)
                        return r;
        }
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->driver = driver;
        l->fd = -EBADF;
        l->name = strdup(name ?: "");
        l->id = strdup(id ?: "");
        if (!l->name || !l->id) {
                ctr_log_free(l);
                return -ENOMEM;
        }
        if (driver == LOG_DRIVER_K8S_FILE) {
                if (!path) {
                        ctr_log_free(l);
                        return -EINVAL;
                }
                l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
                if (l->fd < 0) {
                        int r = -errno;
                        ctr_log_free(l);
                        return r;
                }
        }
        *ret = l;
        return 0;
}

CtrLog *ctr_log_free(CtrLog *l) {
        if (!l)
                return NULL;
        for (CtrStream s = 0; s < _CTR_STREAM_MAX; s++)
                (void) ctr_log_flush(l, s);
        if (l->fd >= 0)
                close(l->fd);
        free(l->name);
        free(l->id);
        free(l->pod_name);
        free(l->pod_id);
        free(l);
        return NULL;
}

int ctr_log_set_pod(CtrLog *l, const char *pod_name, const char *pod_id) {
        char *n = NULL, *i = NULL;

        if (!l)
                return -EINVAL;
        if (pod_name && (!(n = strdup(pod_name)) || !(i = strdup(pod_id ?: "")))) {
                free(n);
                return -ENOMEM;
        }
        free(l->pod_name);
        free(l->pod_id);
        l->pod_name = n;
        l->pod_id = i;
        return 0;
}

static void timestamp_now(char buf[static 40]) {
        rfc3339_nanos_now(buf, 40);
}

size_t ctr_log_format(char *buf, const char *timestamp, CtrStream s, bool partial, const char *msg,
                      size_t len) {
        size_t n = 0, tl = strlen(timestamp), sl = strlen(stream_names[s]);

        memcpy(buf + n, timestamp, tl);
        n += tl;
        buf[n++] = ' ';
        memcpy(buf + n, stream_names[s], sl);
        n += sl;
        buf[n++] = ' ';
        buf[n++] = partial ? 'P' : 'F';
        buf[n++] = ' ';
        memcpy(buf + n, msg, len);
        n += len;
        buf[n++] = '\n';
        return n;
}

static int write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

static int emit(CtrLog *l, CtrStream s, bool partial, const char *msg, size_t len) {
        char ts[40];

        switch (l->driver) {
        case LOG_DRIVER_K8S_FILE:
                timestamp_now(ts);
                /* One write() per record: with O_APPEND, records of the two streams never interleave. */
                return write_all(l->fd, l->out, ctr_log_format(l->out, ts, s, partial, msg, len));
        case LOG_DRIVER_JOURNALD: {
                int r;
                if (l->pod_name)
                        r = sd_journal_send("MESSAGE=%.*s", (int) len, msg, "CONTAINER_NAME=%s", l->name,
                                            "CONTAINER_ID=%.12s", l->id, "CONTAINER_ID_FULL=%s", l->id,
                                            "SYSLOG_IDENTIFIER=%s", l->name, "PRIORITY=%i",
                                            s == CTR_STREAM_STDERR ? 3 : 6, "CONTAINER_PARTIAL_MESSAGE=%s",
                                            partial ? "true" : "false", "POD_NAME=%s", l->pod_name,
                                            "POD_ID=%s", l->pod_id, NULL);
                else
                        r = sd_journal_send("MESSAGE=%.*s", (int) len, msg, "CONTAINER_NAME=%s", l->name,
                                        "CONTAINER_ID=%.12s", l->id, "CONTAINER_ID_FULL=%s", l->id,
                                        "SYSLOG_IDENTIFIER=%s", l->name, "PRIORITY=%i",
                                        s == CTR_STREAM_STDERR ? 3 : 6, "CONTAINER_PARTIAL_MESSAGE=%s",
                                        partial ? "true" : "false", NULL);
                return r < 0 ? r : 0;
        }
        default:
                return 0;
        }
}

int ctr_log_write(CtrLog *l, CtrStream s, const char *data, size_t len) {
        int ret = 0, r;

        if (!l || s < 0 || s >= _CTR_STREAM_MAX)
                return -EINVAL;
        if (l->driver == LOG_DRIVER_NONE)
                return 0;
        while (len > 0) {
                const char *nl = memchr(data, '\n', len);
                size_t take = nl ? (size_t) (nl - data) : len;
                size_t room = CTR_LOG_LINE_MAX - l->line[s].len;

                if (take >= room) {
                        /* The line does not fit: what fits goes out as a partial record. */
                        memcpy(l->line[s].buf + l->line[s].len, data, room);
                        r = emit(l, s, true, l->line[s].buf, CTR_LOG_LINE_MAX);
                        if (r < 0)
                                ret = r;
                        l->line[s].len = 0;
                        data += room;
                        len -= room;
                        continue;
                }
                memcpy(l->line[s].buf + l->line[s].len, data, take);
                l->line[s].len += take;
                data += take;
                len -= take;
                if (nl) {
                        r = emit(l, s, false, l->line[s].buf, l->line[s].len);
                        if (r < 0)
                                ret = r;
                        l->line[s].len = 0;
                        data++; /* the newline */
                        len--;
                }
        }
        /* What is left is a line without its end yet: write it now as a P record rather than hold it.
         * The file then follows the order in which the container wrote (a prompt on stdout is not
         * overtaken by later stderr lines), and nothing waits in memory for a monitor crash to lose.
         * Readers join P records with the next record of the stream. */
        if (l->line[s].len > 0) {
                r = emit(l, s, true, l->line[s].buf, l->line[s].len);
                if (r < 0)
                        ret = r;
                l->line[s].len = 0;
        }
        return ret;
}

int ctr_log_flush(CtrLog *l, CtrStream s) {
        int r;

        if (!l || s < 0 || s >= _CTR_STREAM_MAX)
                return -EINVAL;
        if (l->line[s].len == 0)
                return 0;
        r = emit(l, s, true, l->line[s].buf, l->line[s].len);
        l->line[s].len = 0;
        return r;
}

int ctr_log_parse_line(const char *line, size_t len, CtrLogRecord *ret) {
        const char *sp, *p = line, *end = line + len;
        CtrLogRecord rec = {};
        char ts[64];
        int r;

        sp = memchr(p, ' ', len);
        if (!sp || sp == p || (size_t) (sp - p) >= sizeof(ts))
                return -EBADMSG;
        rec.timestamp = p;
        rec.timestamp_len = (size_t) (sp - p);
        memcpy(ts, p, rec.timestamp_len);
        ts[rec.timestamp_len] = 0;
        r = rfc3339_parse(ts, &rec.time_nsec);
        if (r < 0)
                return -EBADMSG;
        p = sp + 1;
        if ((size_t) (end - p) >= 7 && memcmp(p, "stdout ", 7) == 0)
                rec.stream = CTR_STREAM_STDOUT;
        else if ((size_t) (end - p) >= 7 && memcmp(p, "stderr ", 7) == 0)
                rec.stream = CTR_STREAM_STDERR;
        else
                return -EBADMSG;
        p += 7;
        if (end - p < 1 || !IN_SET(*p, 'F', 'P'))
                return -EBADMSG;
        rec.partial = *p == 'P';
        p++;
        /* "F" at the very end is an empty line; otherwise one space separates the tag and the message. */
        if (p < end) {
                if (*p != ' ')
                        return -EBADMSG;
                p++;
        }
        rec.msg = p;
        rec.msg_len = (size_t) (end - p);
        *ret = rec;
        return 0;
}
