#pragma once

/* Namespaced sysctls for a container (--sysctl KEY=VALUE), as podman allows them:
 *   IPC namespace: kernel.msgmax kernel.msgmnb kernel.msgmni kernel.sem kernel.shmall kernel.shmmax
 *                  kernel.shmmni kernel.shm_rmid_forced, and fs.mqueue.*;
 *   net namespace: net.*;
 * each only when the container has that namespace of its own (not the host's). kernel.hostname and
 * kernel.domainname are refused in favour of --hostname (skiff writes the UTS names itself).
 * Anything else is not namespaced: setting it would change the host, so it is refused.
 * Keys may use '/' instead of '.' (as sysctl(8) accepts); they are stored with dots. */

#include <stdbool.h>
#include <stddef.h>

typedef struct Sysctl {
        char *key;   /* "net.ipv4.ip_forward" */
        char *value; /* "1" */
} Sysctl;

typedef struct Sysctls {
        Sysctl *items;
        size_t n;
} Sysctls;

/* Which namespaces are the container's own (not shared with the host). */
typedef struct SysctlNamespaces {
        bool private_ipc;
        bool private_net;
        bool private_uts;
} SysctlNamespaces;

/* Parses and validates each "KEY=VALUE" of specs (NULL-terminated; may be NULL); a later value of
 * the same key wins. Returns 0 and fills *ret (free with sysctls_done()), or -EINVAL with *ret_error
 * like `--sysctl "vm.swappiness=1": not a namespaced sysctl`, `--sysctl "net.ipv4.ip_forward=1":
 * the container shares the host's network namespace`, or -ENOMEM. */
int sysctls_build(char *const *specs, const SysctlNamespaces *ns, Sysctls *ret, char **ret_error);

void sysctls_done(Sysctls *s);

/* Adds podman's default_sysctls (containers.conf): "net.ipv4.ping_group_range=0 0", which lets any
 * group use ICMP echo sockets so that ping works without CAP_NET_RAW (not a default capability), when
 * the network namespace is private and the user did not set the key. Returns 0 or -ENOMEM. */
int sysctls_add_defaults(Sysctls *s, const SysctlNamespaces *ns);

/* In the child, after the container's /proc is mounted: writes each value to
 * /proc/sys/<key with '.' → '/'> opened relative to proc_fd (a directory fd on the container's /proc;
 * AT_FDCWD with "/proc" semantics when proc_fd is AT_FDCWD). No allocation. Returns 0 or -errno;
 * *ret_failed (may be NULL) is set to the index of the failing item. */
int sysctls_apply(const Sysctls *s, int proc_fd, size_t *ret_failed);
