#pragma once

/* `skiff pod top`: the processes of a pod's containers, read from /proc (no ps is run in the containers,
 * which may have none), in podman's format descriptors (ps(1)'s AIX ones plus podman's extensions).
 *
 * The pieces are pure or take the /proc directory as an fd, so that unit tests feed them fake texts:
 *   - top_parse_descriptors(): the command line's descriptors ("pid,user", "%C", "args") → fields;
 *   - top_parse_stat() / top_parse_status(): the texts of /proc/PID/stat and /proc/PID/status;
 *   - top_proc_read(): one process under a /proc fd, its user and group names from the container's own
 *     /etc/passwd and /etc/group (through /proc/PID/root), ids seen from its user namespace;
 *   - top_field_format(): one column of one process, as podman prints it (%CPU "0.000", ELAPSED and TIME
 *     as Go durations "2h5m38.737137571s" / "0s"). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum TopField {
        TOP_CONTAINER, /* skiff's: the container the process belongs to */
        TOP_USER,      /* effective user in the container */
        TOP_RUSER,     /* real user in the container */
        TOP_GROUP,
        TOP_RGROUP,
        TOP_HUSER,     /* effective user on the host */
        TOP_HGROUP,
        TOP_PID,       /* in the container's pid namespace */
        TOP_HPID,      /* on the host */
        TOP_PPID,      /* in the container's pid namespace; 0 when the parent is outside it */
        TOP_PGID,
        TOP_PCPU,
        TOP_ETIME,
        TOP_TIME,
        TOP_TTY,
        TOP_COMM,
        TOP_ARGS,
        TOP_NICE,
        TOP_VSZ,       /* KiB */
        TOP_RSS,       /* KiB */
        TOP_STATE,
        TOP_SECCOMP,   /* disabled, strict, filter */
        _TOP_FIELD_MAX,
        _TOP_FIELD_INVALID = -22,
} TopField;

const char *top_field_name(TopField f);   /* the descriptor: "pcpu" */
const char *top_field_header(TopField f); /* the column: "%CPU" */

/* The default columns: USER PID PPID %CPU ELAPSED TTY TIME COMMAND (podman's) after CONTAINER. */
extern const TopField top_default_fields[];
extern const size_t top_n_default_fields;

/* args: descriptors, each either separate or comma-separated ("pid,user" "%C"), by name (podman's
 * descriptors: pcpu, user, args, ...) or AIX code (%C %G %P %U %a %c %g %n %p %r %t %u %x %y %z).
 * Returns the number of fields (>= 1) in *ret (free()), -EINVAL with *ret_error ("unknown descriptor
 * 'foo'") or -ENOMEM. No args: the defaults. */
int top_parse_descriptors(const char *const *args, TopField **ret, char **ret_error);

typedef struct TopStat {
        char state;
        pid_t ppid, pgid;
        unsigned tty_nr;
        uint64_t utime, stime; /* clock ticks */
        int nice;
        uint64_t starttime;    /* clock ticks after boot */
        uint64_t vsize;        /* bytes */
        int64_t rss;           /* pages */
        char *comm;
} TopStat;

/* The text of /proc/PID/stat (comm may hold spaces and parentheses: the last ')' ends it). Returns 0,
 * -EBADMSG or -ENOMEM; free ret->comm. */
int top_parse_stat(const char *text, TopStat *ret);

typedef struct TopStatus {
        uid_t ruid, euid;
        gid_t rgid, egid;
        pid_t ns_pid;  /* NSpid's last: the pid in the process's own pid namespace; 0 if not given */
        pid_t ns_pgid; /* NSpgid's last */
        int seccomp;   /* 0 disabled, 1 strict, 2 filter; -1 unknown */
} TopStatus;

/* The text of /proc/PID/status. Returns 0 or -EBADMSG (no Uid:/Gid: lines). */
int top_parse_status(const char *text, TopStatus *ret);

/* Maps id through the text of a uid_map/gid_map from the host's side to the namespace's ("0 100000
 * 65536": host 100005 → 5). An identity map or an empty text keeps id; unmapped: (uid_t) -1. */
uint32_t top_map_id(const char *map_text, uint32_t host_id);

/* The name of id in an /etc/passwd or /etc/group text, or NULL (new string). */
char *top_name_of(const char *etc_text, uint32_t id);

/* Go's time.Duration.String() of ns: "0s", "1.5s", "2h5m38.737137571s". buf of at least 32 bytes. */
const char *top_go_duration(uint64_t ns, char *buf, size_t size);

typedef struct TopProc {
        char *container;
        pid_t hpid, hppid;
        TopStat stat;
        TopStatus status;
        pid_t ppid_ns;  /* the parent's pid in the same namespace, 0 outside */
        char *user, *ruser, *group, *rgroup;     /* in the container (numbers when no name) */
        char *huser, *hgroup;                    /* on the host */
        char *args;     /* cmdline with spaces; [comm] when empty (a kernel thread, a zombie) */
        char *tty;      /* "pts/0", "?" */
} TopProc;

void top_proc_done(TopProc *p);

/* Reads process hpid under proc_fd (an fd of /proc; tests give a fake tree: PID/stat, PID/status,
 * PID/cmdline, PID/uid_map, PID/gid_map, PID/root/etc/passwd, PID/root/etc/group) and the host's
 * passwd/group texts (may be NULL). Returns 0, -ESRCH when the process is gone, -errno. */
int top_proc_read(int proc_fd, pid_t hpid, const char *container, const char *host_passwd,
                  const char *host_group, TopProc *ret);

typedef struct TopClock {
        uint64_t now_ns;  /* CLOCK_BOOTTIME */
        long ticks;       /* sysconf(_SC_CLK_TCK) */
        long page_size;
} TopClock;

/* One column of p, as printed. New string, NULL on OOM. */
char *top_field_format(const TopProc *p, TopField f, const TopClock *c);
