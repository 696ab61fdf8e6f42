/* skiff-pod's sd_notify and journal senders (src/pod/sd-native.c), against datagram sockets of the
 * test's own: the bytes on the wire, the '@' abstract names, and the printf argument walk across
 * several fields (the journal's fields are formats each). */

#include "unit-test.h"

#include <endian.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "pod/sd-native.h"

static int listen_at(const char *addr) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t len = strlen(addr);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        assert_true(fd >= 0);
        memcpy(sa.sun_path, addr, len);
        if (addr[0] == '@')
                sa.sun_path[0] = 0;
        assert_int_equal(bind(fd, (struct sockaddr *) &sa,
                              (socklen_t) (offsetof(struct sockaddr_un, sun_path) + len + (addr[0] == '/'))), 0);
        return fd;
}

static size_t receive(int fd, char *buf, size_t size) {
        ssize_t n = recv(fd, buf, size, MSG_DONTWAIT);
        assert_true(n >= 0);
        return (size_t) n;
}

static void test_notify_path_and_abstract(void **state) {
        char dir[] = "/tmp/test-sd-native.XXXXXX", path[128], abstract[64], buf[256];
        int fd;
        size_t n;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/notify", dir);
        fd = listen_at(path);
        setenv("NOTIFY_SOCKET", path, 1);
        assert_int_equal(sd_native_notifyf("MAINPID=%d\nREADY=1\nSTATUS=pod %s: %zu container(s) started", 42, "web",
                                           (size_t) 3), 1);
        n = receive(fd, buf, sizeof(buf));
        assert_int_equal(n, strlen("MAINPID=42\nREADY=1\nSTATUS=pod web: 3 container(s) started"));
        assert_memory_equal(buf, "MAINPID=42\nREADY=1\nSTATUS=pod web: 3 container(s) started", n);
        close(fd);
        unlink(path);
        rmdir(dir);

        snprintf(abstract, sizeof(abstract), "@skiff-test-sd-native-%d", (int) getpid());
        fd = listen_at(abstract);
        setenv("NOTIFY_SOCKET", abstract, 1);
        assert_int_equal(sd_native_notifyf("STOPPING=1"), 1);
        n = receive(fd, buf, sizeof(buf));
        assert_int_equal(n, 10);
        assert_memory_equal(buf, "STOPPING=1", 10);
        close(fd);

        /* no NOTIFY_SOCKET: nothing to do; an address of another family: refused */
        unsetenv("NOTIFY_SOCKET");
        assert_int_equal(sd_native_notifyf("READY=1"), 0);
        setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
        assert_int_equal(sd_native_notifyf("READY=1"), -EAFNOSUPPORT);
        unsetenv("NOTIFY_SOCKET");
}

static void test_journal_fields(void **state) {
        char dir[] = "/tmp/test-sd-native.XXXXXX", path[128], buf[1024];
        const char *want_head = "MESSAGE=abc\nNUMS=-7 123456789012 42 3.50 x 0x10\nMULTI\n";
        const char *want_tail = "a\nb\nID=0123456789ab\nPRIORITY=3\n";
        uint64_t len_le;
        size_t n, h = strlen(want_head);
        int fd;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/journal", dir);
        fd = listen_at(path);
        sd_native_journal_socket = path;
        /* the argument walk has to step over int, long long, size_t, double, char and a width '*' */
        assert_int_equal(sd_native_journal_send("f.c", "1", "fn", "MESSAGE=%.*s", 3, "abcdef",
                                                "NUMS=%d %lld %zu %.2f %c %#*x", -7, 123456789012LL, (size_t) 42, 3.5, 'x', 2,
                                                16, "MULTI=%s", "a\nb", "ID=%.12s", "0123456789abcdef", "PRIORITY=%i", 3,
                                                NULL),
                         0);
        n = receive(fd, buf, sizeof(buf));
        /* a value with a newline: FIELD\n, its length as 64-bit little endian, the value, \n */
        assert_true(n == h + sizeof(uint64_t) + strlen(want_tail));
        assert_memory_equal(buf, want_head, h);
        memcpy(&len_le, buf + h, sizeof(len_le));
        assert_int_equal(le64toh(len_le), 3);
        assert_memory_equal(buf + h + sizeof(uint64_t), want_tail, strlen(want_tail));

        /* a field without '=' is refused, nothing sent */
        assert_int_equal(sd_native_journal_send(NULL, NULL, NULL, "NOEQUALS", NULL), -EINVAL);
        assert_int_equal(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
        close(fd);
        unlink(path);
        rmdir(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_notify_path_and_abstract),
                cmocka_unit_test(test_journal_fields),
        };
        return unit_run_tests("pod-sd-native", tests, sizeof(tests) / sizeof(tests[0]));
}
