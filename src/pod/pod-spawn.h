#pragma once

/* The protocol between a pod's supervisor (skiff-pod, supervisor.c: static, no runtime libraries) and
 * skiff-pod-spawn (pod-spawn.c: linked with the runtime), the short-lived helper that starts the
 * pod's processes. docs/architecture.md "The small supervisor (supsmall)" says why they are two.
 *
 * The supervisor runs `skiff-pod-spawn ROOT RUNROOT POD-ID` with one end of an AF_UNIX SOCK_SEQPACKET
 * socketpair on fd 3, sends requests, one message each, and reads one reply message per request; the
 * helper exits at EOF. It reads the pod's records (pod-state.h) and the container plans from the
 * container records (runtime/state.h), and starts every process with SpawnStdio.clone_parent: the
 * containers are the supervisor's children, which reaps them and whose death kills them (their
 * parent-death signal), although the helper that made them is gone.
 *
 * MEMBER is an index into PodConfig.members, or "infra". Requests (text; lines after the first are
 * arguments):
 *   "infra"                       start the infra container
 *   "spawn MEMBER INFRA-PID"      start a container in the infra's namespaces; two fds with the message
 *                                 (SCM_RIGHTS): its stdout and stderr
 *   "spawn-many INFRA-PID\nMEMBER\nMEMBER…"  start up to POD_SPAWN_MANY_MAX containers at once
 *                                 (container_spawn_many()); two fds per MEMBER, in order; one reply per
 *                                 MEMBER line, in order, each as for "spawn"
 *   "exec MEMBER TARGET-PID INFRA-PID\nARG\nARG…"  run ARGs in the container whose process is TARGET-PID
 *                                 (exec probes and hooks), stdio /dev/null
 *   "cleanup MEMBER\nCGROUP\n…"   container_spawn_cleanup(): its cgroups and run dir, after it was reaped
 * Replies:
 *   "ok PID STOP-SIGNAL NET-NEW USER-NEW\nCGROUP\n…"   started (spawn, exec, infra); NET-NEW/USER-NEW are
 *                                 1 when the plan makes a new network/user namespace (the infra's say
 *                                 how the supervisor brings loopback up)
 *   "ok"                          cleanup done
 *   "err CLASS MESSAGE"           failed: CLASS 125, or 126/127 for a command that cannot be run; one line */

#define POD_SPAWN_MSG_MAX 65536
#define POD_SPAWN_FD 3
#define POD_SPAWN_MANY_MAX 32 /* containers per spawn-many: 64 fds, well under SCM_MAX_FD (253) */

#include <errno.h>
#include <string.h>

#include "common/strv.h"

/* "a\nb\nc" → {"a", "b", "c"} (empty lines skipped); 0 or -ENOMEM. */
static inline int pod_spawn_split_lines(const char *s, char ***ret) {
        char **l = NULL;

        while (s && *s) {
                const char *nl = strchrnul(s, '\n');
                if (nl > s) {
                        char *one = strndup(s, (size_t) (nl - s));
                        if (!one || strv_consume(&l, one) < 0) {
                                strv_free(l);
                                return -ENOMEM;
                        }
                }
                s = *nl ? nl + 1 : nl;
        }
        *ret = l;
        return 0;
}
