/* The registry client against a scripted HTTP server on 127.0.0.1 (a thread of this test): the Accept
 * header on manifest requests, HEAD for the digest (what auto-update uses), digest checks on manifests
 * pulled by digest, the registry's error text, and the HTTPS-then-HTTP probe of an insecure registry. */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include "common/macro.h"
#include "image/manifest.h"
#include "registry/registry.h"
#include "unit-test.h"

#define BODY "{\"schemaVersion\":2}"
/* sha256 of BODY */
static char body_digest[DIGEST_STRING_SIZE];

typedef struct Server {
        int fd;
        int port;
        pthread_t thread;
        char last_request[8192];
        unsigned n_requests;
} Server;

static void respond(int c, const char *status, const char *headers, const char *body, bool head) {
        char buf[4096];
        int n = snprintf(buf, sizeof(buf),
                         "HTTP/1.1 %s\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n%s", status,
                         strlen(body), headers, head ? "" : body);
        (void) !write(c, buf, (size_t) n);
}

static void *serve(void *userdata) {
        Server *s = userdata;

        for (;;) {
                char req[8192];
                size_t len = 0;
                bool head;
                int c = accept(s->fd, NULL, NULL);

                if (c < 0)
                        return NULL;
                while (len < sizeof(req) - 1) {
                        ssize_t k = read(c, req + len, sizeof(req) - 1 - len);
                        if (k <= 0)
                                break;
                        len += (size_t) k;
                        req[len] = 0;
                        /* not HTTP (a TLS ClientHello): answer at once, as HTTP servers do */
                        if (strstr(req, "\r\n\r\n") || (req[0] != 'G' && req[0] != 'H'))
                                break;
                }
                req[len] = 0;
                if (strncmp(req, "GET ", 4) != 0 && strncmp(req, "HEAD ", 5) != 0) {
                        /* a TLS ClientHello: answer like a plain HTTP server does */
                        respond(c, "400 Bad Request", "", "", false);
                        close(c);
                        continue;
                }
                memcpy(s->last_request, req, len + 1);
                s->n_requests++;
                head = strncmp(req, "HEAD ", 5) == 0;
                if (strstr(req, " /v2/ "))
                        respond(c, "200 OK", "Content-Type: application/json\r\n", "{}", head);
                else if (strstr(req, "/manifests/v1 ") || strstr(req, "/manifests/sha256:"))
                        respond(c, "200 OK",
                                strstr(req, "nodigest")
                                        ? "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n"
                                        : "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n"
                                          "Docker-Content-Digest: sha256:"
                                          "1111111111111111111111111111111111111111111111111111111111111111\r\n",
                                BODY, head);
                else
                        respond(c, "404 Not Found", "Content-Type: application/json\r\n",
                                "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}",
                                head);
                close(c);
        }
}

static int server_start(Server *s) {
        struct sockaddr_in a = {.sin_family = AF_INET};

        *s = (Server){.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
        if (s->fd < 0)
                return -errno;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        /* this project's test ports */
        for (int p = 5100; p < 5200; p++) {
                a.sin_port = htons((uint16_t) p);
                if (bind(s->fd, (struct sockaddr *) &a, sizeof(a)) == 0) {
                        s->port = p;
                        break;
                }
        }
        if (s->port == 0 || listen(s->fd, 16) < 0)
                return -EADDRINUSE;
        return -pthread_create(&s->thread, NULL, serve, s);
}

static void server_stop(Server *s) {
        shutdown(s->fd, SHUT_RDWR);
        close(s->fd);
        pthread_join(s->thread, NULL);
}

static void test_client(void **state) {
        RegistryClient *c = NULL;
        RegistryClientOptions o = {.tls_verify = false, .max_retries = 1, .retry_delay_ms = 10};
        char host[64], digest[DIGEST_STRING_SIZE], *err = NULL, *mt = NULL, *body = NULL;
        size_t len = 0;
        Server s;

        if (server_start(&s) < 0)
                skip();
        snprintf(host, sizeof(host), "127.0.0.1:%d", s.port);
        assert_int_equal(registry_client_new(host, "team/app", &o, &c), 0);

        /* HTTPS fails against a plain server, so HTTP is used (insecure registry) */
        assert_int_equal(registry_client_connect(c, &err), 0);
        assert_null(err);
        assert_true(startswith(registry_client_base_url(c), "http://127.0.0.1:"));

        assert_int_equal(registry_head_manifest(c, "v1", digest, &mt, &err), 0);
        assert_string_equal(digest,
                            "sha256:1111111111111111111111111111111111111111111111111111111111111111");
        assert_string_equal(mt, MEDIA_TYPE_OCI_MANIFEST);
        free(mt);
        assert_true(startswith(s.last_request, "HEAD /v2/team/app/manifests/v1 HTTP/1.1\r\n"));
        assert_non_null(strstr(s.last_request, "\r\nAccept: " REGISTRY_MANIFEST_ACCEPT "\r\n"));
        assert_non_null(strstr(s.last_request, "\r\nUser-Agent: skiff/"));
        assert_null(strstr(s.last_request, "Authorization"));

        /* by tag: the digest is the body's, whatever the header said */
        assert_int_equal(registry_get_manifest(c, "v1", &body, &len, &mt, digest, &err), 0);
        assert_string_equal(body, BODY);
        assert_int_equal(len, strlen(BODY));
        assert_string_equal(digest, body_digest);
        assert_string_equal(mt, MEDIA_TYPE_OCI_MANIFEST);
        free(body);
        free(mt);
        assert_non_null(strstr(s.last_request, "\r\nAccept: " REGISTRY_MANIFEST_ACCEPT "\r\n"));

        /* by digest: the body must hash to it */
        assert_int_equal(registry_get_manifest(c, body_digest, &body, &len, &mt, digest, &err), 0);
        free(body);
        free(mt);
        assert_int_equal(registry_get_manifest(
                                 c,
                                 "sha256:2222222222222222222222222222222222222222222222222222222222222222",
                                 &body, &len, &mt, digest, &err),
                         -EBADMSG);
        assert_string_equal(
                err,
                "manifest sha256:2222222222222222222222222222222222222222222222222222222222222222: "
                "digest mismatch (got sha256:bafebd36189ad3688b7b3915ea55d461e0bfcfbdde11e54b0a123999fb6be50f)");
        free(err);
        err = NULL;
        /* HEAD by digest: the header must name it */
        assert_int_equal(registry_head_manifest(c, body_digest, digest, NULL, &err), -EBADMSG);
        free(err);
        err = NULL;

        /* the registry's error text */
        assert_int_equal(registry_get_manifest(c, "nope", &body, &len, &mt, digest, &err), -ENOENT);
        assert_string_equal(err, "manifest nope: HTTP 404: manifest unknown (MANIFEST_UNKNOWN)");
        free(err);

        registry_client_free(c);
        server_stop(&s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_client),
        };

        assert_int_equal(digest_buffer(BODY, strlen(BODY), body_digest), 0);
        return unit_run_tests("registry-client", tests, ELEMENTSOF(tests));
}
