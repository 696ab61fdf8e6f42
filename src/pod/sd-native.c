/* sd_notify and the journal's native protocol without libsystemd: see sd-native.h. */

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "pod/sd-native.h"
#include "runtime/dlopen-systemd.h"

static int send_to(const char *addr, const struct iovec *iov, size_t n_iov) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t len = strlen(addr);
        struct msghdr mh = { .msg_name = &sa, .msg_iov = (struct iovec *) iov, .msg_iovlen = n_iov };
        _cleanup_close_ int fd = -EBADF;

        /* a path, or '@' for a name in the abstract namespace (NUL first, not NUL-terminated) */
        if ((addr[0] != '/' && addr[0] != '@') || len < 2 || len >= sizeof(sa.sun_path))
                return -EAFNOSUPPORT;
        memcpy(sa.sun_path, addr, len);
        if (addr[0] == '@')
                sa.sun_path[0] = 0;
        mh.msg_namelen = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + len + (addr[0] == '/'));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int sd_native_notifyf(const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        const char *addr = getenv("NOTIFY_SOCKET");
        struct iovec iov;
        va_list ap;
        int n, r;

        if (!addr || !*addr)
                return 0;
        va_start(ap, fmt);
        n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        iov = (struct iovec) { .iov_base = msg, .iov_len = (size_t) n };
        r = send_to(addr, &iov, 1);
        return r < 0 ? r : 1;
}

/* Moves *ap past the arguments one printf format consumes (vsnprintf() leaves a va_list it was given
 * indeterminate). Knows C99's conversions, which is what the callers use. */
static void va_skip(const char *f, va_list *ap) {
        while ((f = strchr(f, '%'))) {
                int len = 0; /* 0 int, 1 long, 2 long long, 3 size_t/intmax/ptrdiff, 4 long double */

                f++;
                if (*f == '%') {
                        f++;
                        continue;
                }
                f += strspn(f, "-+ #0'");
                if (*f == '*') {
                        (void) va_arg(*ap, int);
                        f++;
                } else
                        f += strspn(f, "0123456789");
                if (*f == '.') {
                        f++;
                        if (*f == '*') {
                                (void) va_arg(*ap, int);
                                f++;
                        } else
                                f += strspn(f, "0123456789");
                }
                for (;; f++) {
                        if (*f == 'h')
                                continue;
                        if (*f == 'l')
                                len = len == 1 ? 2 : 1;
                        else if (*f == 'q')
                                len = 2;
                        else if (*f == 'z' || *f == 'j' || *f == 't')
                                len = 3;
                        else if (*f == 'L')
                                len = 4;
                        else
                                break;
                }
                switch (*f) {
                case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': case 'c':
                        if (len == 2)
                                (void) va_arg(*ap, long long);
                        else if (len == 1 || len == 3)
                                (void) va_arg(*ap, long);
                        else
                                (void) va_arg(*ap, int);
                        break;
                case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
                        if (len == 4)
                                (void) va_arg(*ap, long double);
                        else
                                (void) va_arg(*ap, double);
                        break;
                case 's': case 'p': case 'n':
                        (void) va_arg(*ap, void *);
                        break;
                default: /* %m and the unknown take nothing */
                        break;
                }
                if (*f)
                        f++;
        }
}

#define JOURNAL_FIELDS_MAX 16

const char *sd_native_journal_socket = "/run/systemd/journal/socket";

int sd_native_journal_send(const char *file, const char *line, const char *func, const char *format, ...) {
        char *fields[JOURNAL_FIELDS_MAX] = {};
        struct iovec iov[JOURNAL_FIELDS_MAX * 4];
        uint64_t lens[JOURNAL_FIELDS_MAX];
        size_t n = 0, k = 0;
        va_list ap;
        int r = 0;

        (void) file;
        (void) line;
        (void) func;
        va_start(ap, format);
        for (const char *f = format; f; f = va_arg(ap, const char *)) {
                va_list copy;
                char *eq, *nl;

                if (n >= JOURNAL_FIELDS_MAX) {
                        r = -E2BIG;
                        break;
                }
                va_copy(copy, ap);
                /* sd_journal_send()'s fields are formats of the caller's, one by one */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
                if (vasprintf(&fields[n], f, copy) < 0) {
#pragma GCC diagnostic pop
                        va_end(copy);
                        fields[n] = NULL;
                        r = -ENOMEM;
                        break;
                }
                va_end(copy);
                va_skip(f, &ap);
                eq = strchr(fields[n], '=');
                if (!eq) {
                        r = -EINVAL;
                        n++;
                        break;
                }
                nl = strchr(eq + 1, '\n');
                if (!nl) {
                        /* FIELD=value\n */
                        iov[k++] = (struct iovec) { .iov_base = fields[n], .iov_len = strlen(fields[n]) };
                        iov[k++] = (struct iovec) { .iov_base = (char *) "\n", .iov_len = 1 };
                } else {
                        /* FIELD\n, the value's length as 64-bit little endian, the value, \n */
                        uint64_t v = strlen(eq + 1);
                        lens[n] = htole64(v);
                        iov[k++] = (struct iovec) { .iov_base = fields[n], .iov_len = (size_t) (eq - fields[n]) };
                        iov[k++] = (struct iovec) { .iov_base = (char *) "\n", .iov_len = 1 };
                        iov[k++] = (struct iovec) { .iov_base = &lens[n], .iov_len = sizeof(uint64_t) };
                        iov[k++] = (struct iovec) { .iov_base = eq + 1, .iov_len = (size_t) v };
                        iov[k++] = (struct iovec) { .iov_base = (char *) "\n", .iov_len = 1 };
                        if (k > ELEMENTSOF(iov) - 5) {
                                n++;
                                r = -E2BIG;
                                break;
                        }
                }
                n++;
        }
        va_end(ap);
        if (r >= 0)
                r = send_to(sd_native_journal_socket, iov, k);
        for (size_t i = 0; i < n; i++)
                free(fields[i]);
        return r;
}

static int notifyf_compat(int unset_environment, const char *format, ...) _printf_(2, 3);
static int notifyf_compat(int unset_environment, const char *format, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int n;

        (void) unset_environment;
        va_start(ap, format);
        n = vasprintf(&msg, format, ap);
        va_end(ap);
        return n < 0 ? -ENOMEM : sd_native_notifyf("%s", msg);
}

/* What runtime/dlopen-systemd.h declares, for ctr-log.c in skiff-pod: nothing to load. */
#undef sd_journal_send_with_location
#undef sd_notifyf
typeof(sd_journal_send_with_location) *sym_sd_journal_send_with_location = sd_native_journal_send;
typeof(sd_notifyf) *sym_sd_notifyf = notifyf_compat;

int dlopen_libsystemd(char **reterr) {
        (void) reterr;
        return 0;
}
