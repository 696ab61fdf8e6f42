#pragma once

/* libcurl, loaded on first use (see common/dlopen-util.h for why and how). Include this instead of
 * <curl/curl.h>: it includes it, declares a `sym_NAME` pointer of the exact type of every function skiff
 * calls (typeof() of the real declaration), and maps NAME to sym_NAME, so call sites read as plain
 * libcurl. The registry client loads it when it is created (registry_client_new()) and reports a
 * missing libcurl at its first request.
 *
 * Debian ships two libcurls: libcurl.so.4 (libcurl4, OpenSSL; what libcurl4-openssl-dev builds
 * against, as we do) and libcurl-gnutls.so.4 (libcurl3-gnutls). We load the one we compiled against.
 *
 * curl_easy_setopt() and curl_easy_getinfo() are also macros in <curl/curl.h> (gcc's compile-time
 * option type checks, typecheck-gcc.h); they are redefined to the sym_ pointers below, which gives up
 * those checks for skiff's calls. A function missing from CURL_SYMBOLS is a link error, never a silent
 * fallback. */

#include <curl/curl.h>

#define LIBCURL_SONAME "libcurl.so.4"

#define CURL_SYMBOLS(X)                 \
        X(curl_easy_cleanup)            \
        X(curl_easy_escape)             \
        X(curl_easy_getinfo)            \
        X(curl_easy_init)               \
        X(curl_easy_perform)            \
        X(curl_easy_setopt)             \
        X(curl_easy_strerror)           \
        X(curl_global_init)             \
        X(curl_multi_add_handle)        \
        X(curl_multi_cleanup)           \
        X(curl_multi_info_read)         \
        X(curl_multi_init)              \
        X(curl_multi_perform)           \
        X(curl_multi_poll)              \
        X(curl_multi_remove_handle)     \
        X(curl_slist_append)            \
        X(curl_slist_free_all)

#define CURL_DECLARE_SYM(name) extern typeof(name) *sym_##name;
CURL_SYMBOLS(CURL_DECLARE_SYM)
#undef CURL_DECLARE_SYM

/* Loads libcurl.so.4 once and resolves CURL_SYMBOLS. Returns 0, or -ELIBACC/-ELIBBAD with *reterr (if
 * reterr) set to one line: "libcurl.so.4: cannot open shared object file: No such file or directory
 * (needed to pull images from registries; install libcurl4)". */
int dlopen_libcurl(char **reterr);

#define curl_easy_cleanup sym_curl_easy_cleanup
#define curl_easy_escape sym_curl_easy_escape
#undef curl_easy_getinfo
#define curl_easy_getinfo sym_curl_easy_getinfo
#define curl_easy_init sym_curl_easy_init
#define curl_easy_perform sym_curl_easy_perform
#undef curl_easy_setopt
#define curl_easy_setopt sym_curl_easy_setopt
#define curl_easy_strerror sym_curl_easy_strerror
#define curl_global_init sym_curl_global_init
#define curl_multi_add_handle sym_curl_multi_add_handle
#define curl_multi_cleanup sym_curl_multi_cleanup
#define curl_multi_info_read sym_curl_multi_info_read
#define curl_multi_init sym_curl_multi_init
#define curl_multi_perform sym_curl_multi_perform
#define curl_multi_poll sym_curl_multi_poll
#define curl_multi_remove_handle sym_curl_multi_remove_handle
#define curl_slist_append sym_curl_slist_append
#define curl_slist_free_all sym_curl_slist_free_all
