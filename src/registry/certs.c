/* --cert-dir: CA certificates and a client certificate for the registry client. See certs.h. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "registry/certs.h"

#define CERT_FILE_MAX (16U * 1024U * 1024U)

RegistryCerts *registry_certs_free(RegistryCerts *c) {
        if (!c)
                return NULL;
        free(c->ca_pem);
        free(c->client_cert);
        free(c->client_key);
        free(c);
        return NULL;
}

static int fail(char **reterr, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(char **reterr, int r, const char *fmt, ...) {
        va_list ap;

        if (reterr) {
                free(*reterr);
                *reterr = NULL;
                va_start(ap, fmt);
                if (vasprintf(reterr, fmt, ap) < 0)
                        *reterr = NULL;
                va_end(ap);
        }
        return r;
}

static int by_name(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int registry_certs_load(const char *dir, const char *system_bundle, RegistryCerts **ret, char **reterr) {
        static const char *const bundles[] = {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                              "/etc/ssl/cert.pem"};
        _cleanup_(registry_certs_freep) RegistryCerts *c = calloc(1, sizeof(RegistryCerts));
        _cleanup_strv_free_ char **names = NULL;
        StrBuf pem = STRBUF_INIT;
        size_t n_crt = 0;
        DIR *d;
        int r;

        if (!c)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return fail(reterr, -errno, "--cert-dir %s: %s", dir, strerror(errno));
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.' && strv_extend(&names, de->d_name) < 0) {
                        closedir(d);
                        return -ENOMEM;
                }
        closedir(d);
        if (names)
                qsort(names, strv_length(names), sizeof(char *), by_name);

        if (!system_bundle)
                for (size_t i = 0; i < ELEMENTSOF(bundles) && !system_bundle; i++)
                        if (access(bundles[i], R_OK) == 0)
                                system_bundle = bundles[i];
        STRV_FOREACH(n, names) {
                _cleanup_free_ char *path = NULL, *text = NULL, *other = NULL;
                size_t len = strlen(*n);

                if (asprintf(&path, "%s/%s", dir, *n) < 0) {
                        strbuf_release(&pem);
                        return -ENOMEM;
                }
                if (len > 4 && endswith(*n, ".crt")) {
                        r = read_full_file_at(AT_FDCWD, path, CERT_FILE_MAX, &text, &len);
                        if (r < 0) {
                                strbuf_release(&pem);
                                return fail(reterr, r, "--cert-dir %s: %s: %s", dir, *n, strerror(-r));
                        }
                        if (!strstr(text, "-----BEGIN CERTIFICATE-----")) {
                                strbuf_release(&pem);
                                return fail(reterr, -EBADMSG, "--cert-dir %s: %s: not a PEM certificate", dir, *n);
                        }
                        if (n_crt++ == 0 && system_bundle) {
                                _cleanup_free_ char *sys = NULL;
                                size_t slen = 0;
                                if (read_full_file_at(AT_FDCWD, system_bundle, 64U * 1024U * 1024U, &sys, &slen) >= 0) {
                                        strbuf_add(&pem, sys, slen);
                                        strbuf_puts(&pem, "\n");
                                }
                        }
                        strbuf_add(&pem, text, len);
                        strbuf_puts(&pem, "\n");
                } else if (len > 5 && endswith(*n, ".cert")) {
                        if (asprintf(&other, "%.*s.key", (int) (len - 5), *n) < 0) {
                                strbuf_release(&pem);
                                return -ENOMEM;
                        }
                        if (!strv_contains(names, other)) {
                                strbuf_release(&pem);
                                return fail(reterr, -ENOENT, "--cert-dir %s: %s has no %s", dir, *n, other);
                        }
                        if (c->client_cert) {
                                strbuf_release(&pem);
                                return fail(reterr, -EINVAL, "--cert-dir %s: more than one client certificate (%s)",
                                            dir, *n);
                        }
                        c->client_cert = TAKE_PTR(path);
                        if (asprintf(&c->client_key, "%s/%s", dir, other) < 0) {
                                strbuf_release(&pem);
                                return -ENOMEM;
                        }
                } else if (len > 4 && endswith(*n, ".key")) {
                        if (asprintf(&other, "%.*s.cert", (int) (len - 4), *n) < 0) {
                                strbuf_release(&pem);
                                return -ENOMEM;
                        }
                        if (!strv_contains(names, other)) {
                                strbuf_release(&pem);
                                return fail(reterr, -ENOENT, "--cert-dir %s: %s has no %s", dir, *n, other);
                        }
                }
        }
        if (n_crt > 0) {
                c->ca_len = pem.len;
                c->ca_pem = strbuf_detach(&pem);
                if (!c->ca_pem)
                        return -ENOMEM;
        } else
                strbuf_release(&pem);
        *ret = TAKE_PTR(c);
        return 0;
}
