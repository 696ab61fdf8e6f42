#pragma once

/* Container logs in the Kubernetes CRI format, which podman's k8s-file driver also writes:
 *
 *     2026-11-23T12:00:00.123456789Z stdout F message without its newline
 *     2026-11-23T12:00:00.123456790Z stderr P first part of a line longer than the buffer
 *
 * One record per line of output: the stream, then F (full: the line ended with a newline) or P
 * (partial: the line goes on in the next record of the same stream, or the stream ended without a
 * newline). Both streams go to one file, each record written with one write() (O_APPEND), so `skiff
 * logs` can send them back to stdout and stderr apart, in order. journald (sd_journal_send with
 * MESSAGE, CONTAINER_NAME, CONTAINER_ID, CONTAINER_ID_FULL, SYSLOG_IDENTIFIER, PRIORITY 6 stdout / 3
 * stderr) and none are the other drivers.
 *
 * The writer has fixed per-stream line buffers of CTR_LOG_LINE_MAX bytes: no allocation per line,
 * which keeps the monitor's RSS small. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cleanup.h"
#include "runtime/state.h"

#define CTR_LOG_LINE_MAX 8192

typedef enum CtrStream {
        CTR_STREAM_STDOUT,
        CTR_STREAM_STDERR,
        _CTR_STREAM_MAX,
        _CTR_STREAM_INVALID = -EINVAL,
} CtrStream;

typedef struct CtrLog CtrLog;

/* Opens the log of a container: for k8s-file, path is created (0600) or appended to; for journald the
 * name and id go into every entry; for none, writes are dropped. Returns 0 and a new CtrLog (free
 * with ctr_log_free(), which flushes), or -errno. */
int ctr_log_open(LogDriver driver, const char *path, const char *name, const char *id, CtrLog **ret);
CtrLog *ctr_log_free(CtrLog *l);
/* The pod the container belongs to: journald entries then also carry POD_NAME= and POD_ID= (NULL
 * pod_name: none). 0, -EINVAL or -ENOMEM. */
int ctr_log_set_pod(CtrLog *l, const char *pod_name, const char *pod_id);
DEFINE_TRIVIAL_CLEANUP_FUNC(CtrLog *, ctr_log_free);

/* Adds output of stream s (what one read() returned): every complete line becomes an F record; a line
 * longer than the buffer, and the unterminated rest at the end of data, become P records at once (the
 * line goes on in the next record of the stream). Returns 0 or -errno (a failing write to the log
 * file; the data is dropped). */
int ctr_log_write(CtrLog *l, CtrStream s, const char *data, size_t len);
/* Writes what is buffered for s as a P record (nothing is buffered between ctr_log_write() calls
 * today; kept for writers that batch). */
int ctr_log_flush(CtrLog *l, CtrStream s);

/* Formats one record into buf (size >= 40 + len + 2). Returns the length. Pure. */
size_t ctr_log_format(char *buf, const char *timestamp, CtrStream s, bool partial, const char *msg,
                      size_t len);

/* One parsed record; pointers borrow from the parsed line. */
typedef struct CtrLogRecord {
        const char *timestamp; /* not NUL-terminated: timestamp_len bytes */
        size_t timestamp_len;
        int64_t time_nsec; /* since the epoch */
        CtrStream stream;
        bool partial;
        const char *msg; /* not NUL-terminated; excludes the newline */
        size_t msg_len;
} CtrLogRecord;

/* Parses one line (without its newline). Returns 0 or -EBADMSG. Pure: the `logs` reader and the fuzz
 * target call it. */
int ctr_log_parse_line(const char *line, size_t len, CtrLogRecord *ret);
