/* `skiff pod top` from /proc: see pod-top.h. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/macro.h"
#include "pod/pod-top.h"

static const struct {
        const char *name, *header, *aix;
} fields[_TOP_FIELD_MAX] = {
        [TOP_CONTAINER] = { "container", "CONTAINER", NULL },
        [TOP_USER] = { "user", "USER", "%U" },
        [TOP_RUSER] = { "ruser", "RUSER", "%u" },
        [TOP_GROUP] = { "group", "GROUP", "%G" },
        [TOP_RGROUP] = { "rgroup", "RGROUP", "%g" },
        [TOP_HUSER] = { "huser", "HUSER", NULL },
        [TOP_HGROUP] = { "hgroup", "HGROUP", NULL },
        [TOP_PID] = { "pid", "PID", "%p" },
        [TOP_HPID] = { "hpid", "HPID", NULL },
        [TOP_PPID] = { "ppid", "PPID", "%P" },
        [TOP_PGID] = { "pgid", "PGID", "%r" },
        [TOP_PCPU] = { "pcpu", "%CPU", "%C" },
        [TOP_ETIME] = { "etime", "ELAPSED", "%t" },
        [TOP_TIME] = { "time", "TIME", "%x" },
        [TOP_TTY] = { "tty", "TTY", "%y" },
        [TOP_COMM] = { "comm", "COMMAND", "%c" },
        [TOP_ARGS] = { "args", "COMMAND", "%a" },
        [TOP_NICE] = { "nice", "NI", "%n" },
        [TOP_VSZ] = { "vsz", "VSZ", "%z" },
        [TOP_RSS] = { "rss", "RSS", NULL },
        [TOP_STATE] = { "state", "STATE", NULL },
        [TOP_SECCOMP] = { "seccomp", "SECCOMP", NULL },
};

const TopField top_default_fields[] = { TOP_CONTAINER, TOP_USER, TOP_PID, TOP_PPID, TOP_PCPU,
                                        TOP_ETIME,     TOP_TTY,  TOP_TIME, TOP_ARGS };
const size_t top_n_default_fields = ELEMENTSOF(top_default_fields);

const char *top_field_name(TopField f) {
        return f >= 0 && f < _TOP_FIELD_MAX ? fields[f].name : NULL;
}

const char *top_field_header(TopField f) {
        return f >= 0 && f < _TOP_FIELD_MAX ? fields[f].header : NULL;
}

static TopField field_lookup(const char *s) {
        for (int i = 0; i < _TOP_FIELD_MAX; i++)
                if (streq(s, fields[i].name) || (fields[i].aix && streq(s, fields[i].aix)))
                        return (TopField) i;
        return _TOP_FIELD_INVALID;
}

int top_parse_descriptors(const char *const *args, TopField **ret, char **ret_error) {
        _cleanup_free_ TopField *l = NULL;
        size_t n = 0;

        if (!args || !*args) {
                l = malloc(sizeof(top_default_fields));
                if (!l)
                        return -ENOMEM;
                memcpy(l, top_default_fields, sizeof(top_default_fields));
                *ret = TAKE_PTR(l);
                return (int) top_n_default_fields;
        }
        for (const char *const *a = args; *a; a++) {
                _cleanup_free_ char *copy = strdup(*a);
                char *save = NULL;

                if (!copy)
                        return -ENOMEM;
                for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
                        TopField f = field_lookup(t);
                        TopField *nl;

                        if (f < 0) {
                                if (ret_error && asprintf(ret_error, "unknown descriptor '%s'", t) < 0)
                                        *ret_error = NULL;
                                return -EINVAL;
                        }
                        if (n >= 256)
                                return -E2BIG;
                        nl = realloc(l, (n + 1) * sizeof(TopField));
                        if (!nl)
                                return -ENOMEM;
                        l = nl;
                        l[n++] = f;
                }
        }
        if (n == 0) {
                if (ret_error && !(*ret_error = strdup("no descriptor given")))
                        return -ENOMEM;
                return -EINVAL;
        }
        *ret = TAKE_PTR(l);
        return (int) n;
}

int top_parse_stat(const char *text, TopStat *ret) {
        const char *open = text ? strchr(text, '(') : NULL, *close = text ? strrchr(text, ')') : NULL;
        unsigned long long utime, stime, start, vsize;
        long long rss;
        int ppid, pgid, session, tty, tpgid, nice;
        long priority;
        char state;

        if (!open || !close || close < open)
                return -EBADMSG;
        /* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime
         * cstime priority nice num_threads itrealvalue starttime vsize rss */
        if (sscanf(close + 1,
                   " %c %d %d %d %d %d %*u %*u %*u %*u %*u %llu %llu %*d %*d %ld %d %*d %*d %llu %llu %lld",
                   &state, &ppid, &pgid, &session, &tty, &tpgid, &utime, &stime, &priority, &nice, &start, &vsize,
                   &rss) != 13)
                return -EBADMSG;
        *ret = (TopStat) { .state = state, .ppid = ppid, .pgid = pgid, .tty_nr = (unsigned) tty, .utime = utime,
                           .stime = stime, .nice = nice, .starttime = start, .vsize = vsize, .rss = rss };
        ret->comm = strndup(open + 1, (size_t) (close - open - 1));
        return ret->comm ? 0 : -ENOMEM;
}

/* The last number of a "Key:\t1\t2\t3" line. */
static bool last_number(const char *line, long *ret) {
        const char *p = line + strcspn(line, "\n"), *end = p;
        char *e;

        while (p > line && (p[-1] == ' ' || p[-1] == '\t'))
                p--, end--;
        while (p > line && p[-1] >= '0' && p[-1] <= '9')
                p--;
        if (p == end)
                return false;
        *ret = strtol(p, &e, 10);
        return true;
}

int top_parse_status(const char *text, TopStatus *ret) {
        bool uid = false, gid = false;
        TopStatus s = { .seccomp = -1 };

        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                unsigned a, b;
                long v;

                if (sscanf(l, "Uid: %u %u", &a, &b) == 2)
                        s.ruid = a, s.euid = b, uid = true;
                else if (sscanf(l, "Gid: %u %u", &a, &b) == 2)
                        s.rgid = a, s.egid = b, gid = true;
                else if (startswith(l, "NSpid:") && last_number(l, &v))
                        s.ns_pid = (pid_t) v;
                else if (startswith(l, "NSpgid:") && last_number(l, &v))
                        s.ns_pgid = (pid_t) v;
                else if (startswith(l, "Seccomp:") && last_number(l, &v))
                        s.seccomp = (int) v;
        }
        if (!uid || !gid)
                return -EBADMSG;
        *ret = s;
        return 0;
}

uint32_t top_map_id(const char *map_text, uint32_t host_id) {
        bool any = false;

        for (const char *l = map_text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                unsigned long inside, outside, count;

                if (sscanf(l, "%lu %lu %lu", &inside, &outside, &count) != 3)
                        continue;
                any = true;
                if (host_id >= outside && host_id - outside < count)
                        return (uint32_t) (inside + (host_id - outside));
        }
        return any ? (uint32_t) -1 : host_id;
}

char *top_name_of(const char *etc_text, uint32_t id) {
        for (const char *l = etc_text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                size_t name_len = strcspn(l, ":\n");
                const char *p = l + name_len;
                unsigned long v;
                char *e;

                /* name:password:ID: */
                if (*p != ':' || name_len == 0)
                        continue;
                p = strchr(p + 1, ':');
                if (!p || p > l + strcspn(l, "\n"))
                        continue;
                v = strtoul(p + 1, &e, 10);
                if (e != p + 1 && *e == ':' && v == id)
                        return strndup(l, name_len);
        }
        return NULL;
}

const char *top_go_duration(uint64_t ns, char *buf, size_t size) {
        uint64_t s = ns / 1000000000ull, frac = ns % 1000000000ull;
        char f[16] = "";
        int n = 0;

        if (ns == 0) {
                snprintf(buf, size, "0s");
                return buf;
        }
        if (ns < 1000000000ull) {
                /* Go: below a second in the largest unit that keeps it >= 1: ns, µs, ms */
                const char *unit = ns < 1000 ? "ns" : ns < 1000000 ? "µs" : "ms";
                uint64_t div = ns < 1000 ? 1 : ns < 1000000 ? 1000 : 1000000;
                uint64_t whole = ns / div, rest = ns % div;
                int digits = div == 1 ? 0 : div == 1000 ? 3 : 6;

                if (rest) {
                        snprintf(f, sizeof(f), ".%0*" PRIu64, digits, rest);
                        for (size_t i = strlen(f); i > 1 && f[i - 1] == '0'; i--)
                                f[i - 1] = 0;
                }
                snprintf(buf, size, "%" PRIu64 "%s%s", whole, f, unit);
                return buf;
        }
        if (frac) {
                snprintf(f, sizeof(f), ".%09" PRIu64, frac);
                for (size_t i = strlen(f); i > 1 && f[i - 1] == '0'; i--)
                        f[i - 1] = 0;
        }
        if (s >= 3600)
                n = snprintf(buf, size, "%" PRIu64 "h", s / 3600);
        if (s >= 60 && n >= 0 && (size_t) n < size)
                n += snprintf(buf + n, size - (size_t) n, "%" PRIu64 "m", s / 60 % 60);
        if (n >= 0 && (size_t) n < size)
                snprintf(buf + n, size - (size_t) n, "%" PRIu64 "%ss", s % 60, f);
        return buf;
}

void top_proc_done(TopProc *p) {
        free(p->container);
        free(p->stat.comm);
        free(p->user);
        free(p->ruser);
        free(p->group);
        free(p->rgroup);
        free(p->huser);
        free(p->hgroup);
        free(p->args);
        free(p->tty);
        *p = (TopProc) {};
}

static char *name_or_number(const char *etc_text, uint32_t id) {
        char *s = top_name_of(etc_text, id);

        if (s)
                return s;
        if (id == (uint32_t) -1)
                return strdup("?");
        return asprintf(&s, "%" PRIu32, id) < 0 ? NULL : s;
}

static int read_at(int proc_fd, pid_t pid, const char *file, size_t max, char **ret, size_t *ret_size) {
        char path[64];

        snprintf(path, sizeof(path), "%d/%s", (int) pid, file);
        return read_full_file_at(proc_fd, path, max, ret, ret_size);
}

/* tty_nr → "pts/N", "ttyN", or "?". */
static char *tty_name(unsigned tty_nr) {
        unsigned maj = major(tty_nr), min = minor(tty_nr);
        char *s;

        if (tty_nr == 0)
                return strdup("?");
        if (maj >= 136 && maj <= 143)
                return asprintf(&s, "pts/%u", (maj - 136) * 256 + min) < 0 ? NULL : s;
        if (maj == 4 && min < 64)
                return asprintf(&s, "tty%u", min) < 0 ? NULL : s;
        if (maj == 4)
                return asprintf(&s, "ttyS%u", min - 64) < 0 ? NULL : s;
        if (maj == 5 && min == 1)
                return strdup("console");
        return asprintf(&s, "%u:%u", maj, min) < 0 ? NULL : s;
}

int top_proc_read(int proc_fd, pid_t hpid, const char *container, const char *host_passwd,
                  const char *host_group, TopProc *ret) {
        _cleanup_free_ char *stat = NULL, *status = NULL, *cmdline = NULL, *uid_map = NULL, *gid_map = NULL,
                            *passwd = NULL, *group = NULL, *pstatus = NULL;
        TopProc p = { .hpid = hpid };
        size_t n = 0;
        int r;

        r = read_at(proc_fd, hpid, "stat", 4096, &stat, NULL);
        if (r >= 0)
                r = read_at(proc_fd, hpid, "status", 65536, &status, NULL);
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return r;
        r = top_parse_stat(stat, &p.stat);
        if (r < 0)
                return r;
        r = top_parse_status(status, &p.status);
        if (r < 0)
                goto fail;
        p.hppid = p.stat.ppid;
        /* The parent's pid as the container sees it: only when it is in the same namespace (its NSpid
         * has as many levels); the infra's parent, the supervisor, is outside: 0. */
        if (p.stat.ppid > 0 && read_at(proc_fd, p.stat.ppid, "status", 65536, &pstatus, NULL) >= 0) {
                TopStatus ps;
                const char *a = strstr(status, "NSpid:"), *b = strstr(pstatus, "NSpid:");
                size_t la = a ? strcspn(a, "\n") : 0, lb = b ? strcspn(b, "\n") : 0;
                int levels_a = 0, levels_b = 0;

                for (size_t i = 0; i < la; i++)
                        levels_a += a[i] == '\t';
                for (size_t i = 0; i < lb; i++)
                        levels_b += b[i] == '\t';
                if (top_parse_status(pstatus, &ps) >= 0 && levels_a == levels_b)
                        p.ppid_ns = ps.ns_pid ?: p.stat.ppid;
        }
        (void) read_at(proc_fd, hpid, "uid_map", 65536, &uid_map, NULL);
        (void) read_at(proc_fd, hpid, "gid_map", 65536, &gid_map, NULL);
        (void) read_at(proc_fd, hpid, "root/etc/passwd", 1 << 20, &passwd, NULL);
        (void) read_at(proc_fd, hpid, "root/etc/group", 1 << 20, &group, NULL);
        p.user = name_or_number(passwd, top_map_id(uid_map, p.status.euid));
        p.ruser = name_or_number(passwd, top_map_id(uid_map, p.status.ruid));
        p.group = name_or_number(group, top_map_id(gid_map, p.status.egid));
        p.rgroup = name_or_number(group, top_map_id(gid_map, p.status.rgid));
        p.huser = name_or_number(host_passwd, p.status.euid);
        p.hgroup = name_or_number(host_group, p.status.egid);
        p.tty = tty_name(p.stat.tty_nr);
        p.container = strdup(container ?: "");
        if (read_at(proc_fd, hpid, "cmdline", 1 << 20, &cmdline, &n) >= 0 && n > 0) {
                while (n > 0 && cmdline[n - 1] == 0)
                        n--;
                for (size_t i = 0; i < n; i++)
                        if (cmdline[i] == 0)
                                cmdline[i] = ' ';
                cmdline[n] = 0;
                p.args = TAKE_PTR(cmdline);
        } else if (asprintf(&p.args, "[%s]", p.stat.comm) < 0)
                p.args = NULL;
        if (!p.user || !p.ruser || !p.group || !p.rgroup || !p.huser || !p.hgroup || !p.tty || !p.container ||
            !p.args) {
                r = -ENOMEM;
                goto fail;
        }
        *ret = p;
        return 0;
fail:
        top_proc_done(&p);
        return r;
}

char *top_field_format(const TopProc *p, TopField f, const TopClock *c) {
        char buf[64];
        char *s = NULL;
        uint64_t ticks = (uint64_t) MAX(c->ticks, 1);
        uint64_t start_ns = p->stat.starttime * (1000000000ull / ticks);
        uint64_t elapsed = c->now_ns > start_ns ? c->now_ns - start_ns : 0;
        uint64_t cpu_ns = (p->stat.utime + p->stat.stime) * (1000000000ull / ticks);

        switch (f) {
        case TOP_CONTAINER:
                return strdup(p->container);
        case TOP_USER:
                return strdup(p->user);
        case TOP_RUSER:
                return strdup(p->ruser);
        case TOP_GROUP:
                return strdup(p->group);
        case TOP_RGROUP:
                return strdup(p->rgroup);
        case TOP_HUSER:
                return strdup(p->huser);
        case TOP_HGROUP:
                return strdup(p->hgroup);
        case TOP_PID:
                return asprintf(&s, "%d", (int) (p->status.ns_pid ?: p->hpid)) < 0 ? NULL : s;
        case TOP_HPID:
                return asprintf(&s, "%d", (int) p->hpid) < 0 ? NULL : s;
        case TOP_PPID:
                return asprintf(&s, "%d", (int) p->ppid_ns) < 0 ? NULL : s;
        case TOP_PGID:
                return asprintf(&s, "%d", (int) (p->status.ns_pgid ?: p->stat.pgid)) < 0 ? NULL : s;
        case TOP_PCPU:
                /* ps' and podman's: CPU time over the time since the process started */
                return asprintf(&s, "%.3f", elapsed ? 100.0 * (double) cpu_ns / (double) elapsed : 0.0) < 0 ? NULL : s;
        case TOP_ETIME:
                return strdup(top_go_duration(elapsed, buf, sizeof(buf)));
        case TOP_TIME:
                /* whole seconds, as podman */
                return strdup(top_go_duration(cpu_ns / 1000000000ull * 1000000000ull, buf, sizeof(buf)));
        case TOP_TTY:
                return strdup(p->tty);
        case TOP_COMM:
                return strdup(p->stat.comm);
        case TOP_ARGS:
                return strdup(p->args);
        case TOP_NICE:
                return asprintf(&s, "%d", p->stat.nice) < 0 ? NULL : s;
        case TOP_VSZ:
                return asprintf(&s, "%" PRIu64, p->stat.vsize / 1024) < 0 ? NULL : s;
        case TOP_RSS:
                return asprintf(&s, "%" PRId64, p->stat.rss * (int64_t) MAX(c->page_size, 1) / 1024) < 0 ? NULL : s;
        case TOP_STATE:
                return asprintf(&s, "%c", p->stat.state) < 0 ? NULL : s;
        case TOP_SECCOMP:
                return strdup(p->status.seccomp == 0   ? "disabled"
                              : p->status.seccomp == 1 ? "strict"
                              : p->status.seccomp == 2 ? "filter"
                                                       : "?");
        default:
                return strdup("?");
        }
}
