/* Seccomp: profile parsing (json-c), compilation (libseccomp → classic BPF, in the parent) and
 * loading (seccomp(2), in the child). See seccomp.h. */

#include "runtime/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <json-c/json.h>
#include <seccomp.h>

#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/macro.h"
#include "common/strv.h"
#include "runtime/caps.h"
#include "runtime/seccomp-internal.h"

#define PROFILE_MAX (4U * 1024U * 1024U)

static inline void json_object_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}
DEFINE_VOID_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release);

static const char *const kind_table[_SECCOMP_KIND_MAX] = {
        [SECCOMP_KIND_DEFAULT] = "default",
        [SECCOMP_KIND_UNCONFINED] = "unconfined",
        [SECCOMP_KIND_CUSTOM] = "custom",
};

const char *seccomp_kind_to_string(SeccompKind k) {
        return k >= 0 && k < _SECCOMP_KIND_MAX ? kind_table[k] : NULL;
}

SeccompKind seccomp_kind_from_string(const char *s) {
        for (int i = 0; i < _SECCOMP_KIND_MAX; i++)
                if (s && streq(s, kind_table[i]))
                        return (SeccompKind) i;
        return _SECCOMP_KIND_INVALID;
}

/* ---- architectures ---- */

static const struct {
        const char *scmp;  /* OCI "architectures" / Docker archMap spelling */
        const char *go[3]; /* Docker's includes.arches spellings (Go's GOARCH) and the kernel's */
        uint32_t token;
} arch_table[_SECCOMP_ARCH_MAX] = {
        [SECCOMP_ARCH_X86_64] = {"SCMP_ARCH_X86_64", {"amd64", "x86_64"}, SCMP_ARCH_X86_64},
        [SECCOMP_ARCH_X86] = {"SCMP_ARCH_X86", {"386", "x86", "i386"}, SCMP_ARCH_X86},
        [SECCOMP_ARCH_X32] = {"SCMP_ARCH_X32", {"x32"}, SCMP_ARCH_X32},
        [SECCOMP_ARCH_AARCH64] = {"SCMP_ARCH_AARCH64", {"arm64", "aarch64"}, SCMP_ARCH_AARCH64},
        [SECCOMP_ARCH_ARM] = {"SCMP_ARCH_ARM", {"arm"}, SCMP_ARCH_ARM},
        [SECCOMP_ARCH_PPC64LE] = {"SCMP_ARCH_PPC64LE", {"ppc64le"}, SCMP_ARCH_PPC64LE},
        [SECCOMP_ARCH_PPC64] = {"SCMP_ARCH_PPC64", {"ppc64"}, SCMP_ARCH_PPC64},
        [SECCOMP_ARCH_S390X] = {"SCMP_ARCH_S390X", {"s390x"}, SCMP_ARCH_S390X},
        [SECCOMP_ARCH_S390] = {"SCMP_ARCH_S390", {"s390"}, SCMP_ARCH_S390},
        [SECCOMP_ARCH_RISCV64] = {"SCMP_ARCH_RISCV64", {"riscv64"}, SCMP_ARCH_RISCV64},
        [SECCOMP_ARCH_MIPS] = {"SCMP_ARCH_MIPS", {"mips"}, SCMP_ARCH_MIPS},
        [SECCOMP_ARCH_MIPS64] = {"SCMP_ARCH_MIPS64", {"mips64"}, SCMP_ARCH_MIPS64},
        [SECCOMP_ARCH_MIPS64N32] = {"SCMP_ARCH_MIPS64N32", {"mips64n32"}, SCMP_ARCH_MIPS64N32},
        [SECCOMP_ARCH_MIPSEL] = {"SCMP_ARCH_MIPSEL", {"mipsle", "mipsel"}, SCMP_ARCH_MIPSEL},
        [SECCOMP_ARCH_MIPSEL64] = {"SCMP_ARCH_MIPSEL64", {"mips64le", "mipsel64"}, SCMP_ARCH_MIPSEL64},
        [SECCOMP_ARCH_MIPSEL64N32] = {"SCMP_ARCH_MIPSEL64N32",
                                      {"mips64n32le", "mipsel64n32"},
                                      SCMP_ARCH_MIPSEL64N32},
};

uint32_t seccomp_arch_token(SeccompArch a) {
        return a >= 0 && a < _SECCOMP_ARCH_MAX ? arch_table[a].token : 0;
}

int seccomp_arch_native_index(void) {
        uint32_t t = seccomp_arch_native();

        for (int i = 0; i < _SECCOMP_ARCH_MAX; i++)
                if (arch_table[i].token == t)
                        return i;
        return -1;
}

static int arch_from_scmp(const char *s) {
        for (int i = 0; i < _SECCOMP_ARCH_MAX; i++)
                if (strcasecmp(arch_table[i].scmp, s) == 0)
                        return i;
        return -1;
}

static int arch_from_go(const char *s) {
        for (int i = 0; i < _SECCOMP_ARCH_MAX; i++)
                for (size_t j = 0; j < ELEMENTSOF(arch_table[i].go) && arch_table[i].go[j]; j++)
                        if (strcasecmp(arch_table[i].go[j], s) == 0)
                                return i;
        return arch_from_scmp(s); /* be lenient: SCMP_ARCH_* there too */
}

/* The compat architectures a native one runs programs of (what podman's archMap lists). */
static uint32_t arch_family(int native) {
        switch (native) {
        case SECCOMP_ARCH_X86_64:
                return ARCH_BIT(SECCOMP_ARCH_X86_64) | ARCH_BIT(SECCOMP_ARCH_X86)
                       | ARCH_BIT(SECCOMP_ARCH_X32);
        case SECCOMP_ARCH_AARCH64:
                return ARCH_BIT(SECCOMP_ARCH_AARCH64) | ARCH_BIT(SECCOMP_ARCH_ARM);
        case SECCOMP_ARCH_S390X:
                return ARCH_BIT(SECCOMP_ARCH_S390X) | ARCH_BIT(SECCOMP_ARCH_S390);
        case SECCOMP_ARCH_MIPS64:
                return ARCH_BIT(SECCOMP_ARCH_MIPS64) | ARCH_BIT(SECCOMP_ARCH_MIPS)
                       | ARCH_BIT(SECCOMP_ARCH_MIPS64N32);
        case SECCOMP_ARCH_MIPSEL64:
                return ARCH_BIT(SECCOMP_ARCH_MIPSEL64) | ARCH_BIT(SECCOMP_ARCH_MIPSEL)
                       | ARCH_BIT(SECCOMP_ARCH_MIPSEL64N32);
        default:
                return native >= 0 ? ARCH_BIT(native) : 0;
        }
}

/* ---- profile object ---- */

SeccompProfile *seccomp_profile_free(SeccompProfile *p) {
        if (!p)
                return NULL;
        if (!p->static_names)
                for (size_t i = 0; i < p->n_rules; i++)
                        strv_free(p->rules[i].names);
        free(p->rules);
        free(p);
        return NULL;
}

int seccomp_profile_add_rule(SeccompProfile *p, SeccompRule **ret) {
        if (p->n_rules == p->n_alloc) {
                size_t n = p->n_alloc ? p->n_alloc * 2 : 32;
                SeccompRule *r = reallocarray(p->rules, n, sizeof(SeccompRule));
                if (!r)
                        return -ENOMEM;
                p->rules = r;
                p->n_alloc = n;
        }
        p->rules[p->n_rules] = (SeccompRule){.errno_ret = -1};
        *ret = &p->rules[p->n_rules++];
        return 0;
}

/* ---- JSON ---- */

typedef struct ParseCtx {
        const char *file;
        char **error;
} ParseCtx;

_printf_(3, 4) static int perr(ParseCtx *c, int r, const char *fmt, ...) {
        _cleanup_free_ char *m = NULL;
        va_list ap;

        if (!c->error)
                return r;
        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        if (!m || asprintf(c->error, "seccomp profile %s: %s", c->file, m) < 0) {
                *c->error = NULL;
                return -ENOMEM;
        }
        return r;
}

static const struct {
        const char *name;
        SeccompActionKind kind;
} action_names[] = {
        {"SCMP_ACT_KILL", SECCOMP_ACTION_KILL_THREAD},
        {"SCMP_ACT_KILL_THREAD", SECCOMP_ACTION_KILL_THREAD},
        {"SCMP_ACT_KILL_PROCESS", SECCOMP_ACTION_KILL_PROCESS},
        {"SCMP_ACT_TRAP", SECCOMP_ACTION_TRAP},
        {"SCMP_ACT_ERRNO", SECCOMP_ACTION_ERRNO},
        {"SCMP_ACT_TRACE", SECCOMP_ACTION_TRACE},
        {"SCMP_ACT_ALLOW", SECCOMP_ACTION_ALLOW},
        {"SCMP_ACT_LOG", SECCOMP_ACTION_LOG},
};

static int parse_action(ParseCtx *c, json_object *v, const char *field, SeccompActionKind *ret) {
        const char *s;

        if (!json_object_is_type(v, json_type_string))
                return perr(c, -EINVAL, "%s: expected a string", field);
        s = json_object_get_string(v);
        for (size_t i = 0; i < ELEMENTSOF(action_names); i++)
                if (streq(s, action_names[i].name)) {
                        *ret = action_names[i].kind;
                        return 0;
                }
        if (streq(s, "SCMP_ACT_NOTIFY"))
                return perr(c, -EINVAL, "%s: SCMP_ACT_NOTIFY is not supported (no seccomp agent)", field);
        return perr(c, -EINVAL, "%s: unknown action \"%s\"", field, s);
}

static int parse_uint(ParseCtx *c, json_object *v, const char *field, uint64_t max, uint64_t *ret) {
        if (!json_object_is_type(v, json_type_int))
                return perr(c, -EINVAL, "%s: expected a non-negative integer", field);
        /* json-c keeps integers up to UINT64_MAX; a negative one reads as int64 < 0. */
        if (json_object_get_int64(v) < 0 && json_object_get_uint64(v) == 0)
                return perr(c, -EINVAL, "%s: expected a non-negative integer", field);
        uint64_t u = json_object_get_uint64(v);
        if (u > max)
                return perr(c, -EINVAL, "%s: %" PRIu64 " is out of range (at most %" PRIu64 ")", field, u,
                            max);
        *ret = u;
        return 0;
}

static int parse_errno(ParseCtx *c, json_object *v, const char *field, int *ret) {
        uint64_t u;
        int r = parse_uint(c, v, field, 4095, &u); /* errno values fit 12 bits in SECCOMP_RET_DATA */
        if (r < 0)
                return r;
        *ret = (int) u;
        return 0;
}

/* "5.8" → 5 << 16 | 8 */
static int parse_kernel_version(const char *s, uint32_t *ret) {
        unsigned maj, min = 0;
        int n = 0;

        if (sscanf(s, "%u%n", &maj, &n) != 1 || maj > 0xffff)
                return -EINVAL;
        if (s[n] == '.') {
                int m = 0;
                if (sscanf(s + n + 1, "%u%n", &min, &m) != 1 || min > 0xffff)
                        return -EINVAL;
                n += 1 + m;
        }
        if (s[n] != 0 && s[n] != '.' && s[n] != '-')
                return -EINVAL;
        *ret = maj << 16 | min;
        return 0;
}

static int parse_filter(ParseCtx *c, json_object *o, const char *field, uint32_t *arches, uint64_t *caps,
                        uint32_t *min_kernel) {
        char f[128];

        if (!o || json_object_is_type(o, json_type_null))
                return 0;
        if (!json_object_is_type(o, json_type_object))
                return perr(c, -EINVAL, "%s: expected an object", field);
        json_object_object_foreach(o, key, v) {
                snprintf(f, sizeof(f), "%s.%s", field, key);
                if (streq(key, "arches") || streq(key, "caps")) {
                        if (json_object_is_type(v, json_type_null))
                                continue;
                        if (!json_object_is_type(v, json_type_array))
                                return perr(c, -EINVAL, "%s: expected an array", f);
                        for (size_t i = 0; i < json_object_array_length(v); i++) {
                                json_object *e = json_object_array_get_idx(v, i);
                                const char *s;

                                if (!json_object_is_type(e, json_type_string))
                                        return perr(c, -EINVAL, "%s[%zu]: expected a string", f, i);
                                s = json_object_get_string(e);
                                if (streq(key, "arches")) {
                                        int a = arch_from_go(s);
                                        if (a < 0)
                                                return perr(c, -EINVAL,
                                                            "%s[%zu]: unknown architecture \"%s\"", f, i, s);
                                        *arches |= ARCH_BIT(a);
                                } else {
                                        int cap = caps_from_name(s);
                                        if (cap < 0)
                                                return perr(c, -EINVAL, "%s[%zu]: unknown capability \"%s\"",
                                                            f, i, s);
                                        *caps |= CAP_MASK(cap);
                                }
                        }
                } else if (streq(key, "minKernel")) {
                        if (json_object_is_type(v, json_type_null))
                                continue;
                        if (!json_object_is_type(v, json_type_string)
                            || parse_kernel_version(json_object_get_string(v), min_kernel) < 0)
                                return perr(c, -EINVAL, "%s: expected a kernel version such as \"5.8\"", f);
                }
                /* other keys: ignored, as the OCI spec allows extensions */
        }
        return 0;
}

static const struct {
        const char *name;
        enum scmp_compare op;
} op_names[] = {
        {"SCMP_CMP_NE", SCMP_CMP_NE},
        {"SCMP_CMP_LT", SCMP_CMP_LT},
        {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ},
        {"SCMP_CMP_GE", SCMP_CMP_GE},
        {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static int parse_args(ParseCtx *c, json_object *a, const char *field, SeccompRule *r) {
        char f[128];

        if (!a || json_object_is_type(a, json_type_null))
                return 0;
        if (!json_object_is_type(a, json_type_array))
                return perr(c, -EINVAL, "%s: expected an array", field);
        if (json_object_array_length(a) > ELEMENTSOF(r->args))
                return perr(c, -EINVAL, "%s: at most %zu conditions", field, ELEMENTSOF(r->args));
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *e = json_object_array_get_idx(a, i), *v;
                SeccompArg arg = {};
                uint64_t u;
                int k;

                if (!json_object_is_type(e, json_type_object))
                        return perr(c, -EINVAL, "%s[%zu]: expected an object", field, i);
                snprintf(f, sizeof(f), "%s[%zu].index", field, i);
                if (!json_object_object_get_ex(e, "index", &v))
                        return perr(c, -EINVAL, "%s: required", f);
                if ((k = parse_uint(c, v, f, 5, &u)) < 0)
                        return k;
                arg.index = (unsigned) u;
                snprintf(f, sizeof(f), "%s[%zu].value", field, i);
                if (json_object_object_get_ex(e, "value", &v)
                    && (k = parse_uint(c, v, f, UINT64_MAX, &arg.value)) < 0)
                        return k;
                snprintf(f, sizeof(f), "%s[%zu].valueTwo", field, i);
                if (json_object_object_get_ex(e, "valueTwo", &v)
                    && (k = parse_uint(c, v, f, UINT64_MAX, &arg.value_two)) < 0)
                        return k;
                snprintf(f, sizeof(f), "%s[%zu].op", field, i);
                if (!json_object_object_get_ex(e, "op", &v))
                        return perr(c, -EINVAL, "%s: required", f);
                if (!json_object_is_type(v, json_type_string))
                        return perr(c, -EINVAL, "%s: expected a string", f);
                const char *s = json_object_get_string(v);
                size_t j;
                for (j = 0; j < ELEMENTSOF(op_names); j++)
                        if (streq(s, op_names[j].name))
                                break;
                if (j == ELEMENTSOF(op_names))
                        return perr(c, -EINVAL, "%s: unknown operator \"%s\"", f, s);
                arg.op = op_names[j].op;
                r->args[r->n_args++] = arg;
        }
        return 0;
}

static int parse_names(ParseCtx *c, json_object *o, const char *field, SeccompRule *r) {
        json_object *v;
        int k;

        if (json_object_object_get_ex(o, "names", &v) && !json_object_is_type(v, json_type_null)) {
                if (!json_object_is_type(v, json_type_array))
                        return perr(c, -EINVAL, "%s.names: expected an array", field);
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        json_object *e = json_object_array_get_idx(v, i);
                        if (!json_object_is_type(e, json_type_string) || isempty(json_object_get_string(e)))
                                return perr(c, -EINVAL, "%s.names[%zu]: expected a syscall name", field, i);
                        if ((k = strv_extend(&r->names, json_object_get_string(e))) < 0)
                                return k;
                }
        }
        /* Docker's older profiles: one "name" per rule. */
        if (json_object_object_get_ex(o, "name", &v) && !json_object_is_type(v, json_type_null)) {
                if (!json_object_is_type(v, json_type_string) || isempty(json_object_get_string(v)))
                        return perr(c, -EINVAL, "%s.name: expected a syscall name", field);
                if ((k = strv_extend(&r->names, json_object_get_string(v))) < 0)
                        return k;
        }
        if (!r->names)
                return perr(c, -EINVAL, "%s: no \"names\"", field);
        return 0;
}

static int parse_rule(ParseCtx *c, SeccompProfile *p, json_object *o, size_t idx) {
        char field[64], f[96];
        SeccompRule *r;
        json_object *v;
        int k;

        snprintf(field, sizeof(field), "syscalls[%zu]", idx);
        if (!json_object_is_type(o, json_type_object))
                return perr(c, -EINVAL, "%s: expected an object", field);
        if ((k = seccomp_profile_add_rule(p, &r)) < 0)
                return k;
        if ((k = parse_names(c, o, field, r)) < 0)
                return k;
        snprintf(f, sizeof(f), "%s.action", field);
        if (!json_object_object_get_ex(o, "action", &v))
                return perr(c, -EINVAL, "%s: required", f);
        if ((k = parse_action(c, v, f, &r->action)) < 0)
                return k;
        snprintf(f, sizeof(f), "%s.errnoRet", field);
        if (json_object_object_get_ex(o, "errnoRet", &v) && !json_object_is_type(v, json_type_null)) {
                if ((k = parse_errno(c, v, f, &r->errno_ret)) < 0)
                        return k;
                if (!IN_SET(r->action, SECCOMP_ACTION_ERRNO, SECCOMP_ACTION_TRACE))
                        return perr(c, -EINVAL, "%s: only for SCMP_ACT_ERRNO and SCMP_ACT_TRACE", f);
        }
        snprintf(f, sizeof(f), "%s.args", field);
        if (json_object_object_get_ex(o, "args", &v) && (k = parse_args(c, v, f, r)) < 0)
                return k;
        snprintf(f, sizeof(f), "%s.includes", field);
        if (json_object_object_get_ex(o, "includes", &v)
            && (k = parse_filter(c, v, f, &r->inc_arches, &r->inc_caps_all, &r->inc_min_kernel)) < 0)
                return k;
        snprintf(f, sizeof(f), "%s.excludes", field);
        if (json_object_object_get_ex(o, "excludes", &v)
            && (k = parse_filter(c, v, f, &r->exc_arches, &r->exc_caps_any, &r->exc_min_kernel)) < 0)
                return k;
        return 0;
}

static int parse_arch_list(ParseCtx *c, json_object *a, const char *field, uint32_t *arches) {
        if (!json_object_is_type(a, json_type_array))
                return perr(c, -EINVAL, "%s: expected an array", field);
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                json_object *e = json_object_array_get_idx(a, i);
                int x;

                if (!json_object_is_type(e, json_type_string))
                        return perr(c, -EINVAL, "%s[%zu]: expected a string", field, i);
                x = arch_from_scmp(json_object_get_string(e));
                if (x < 0)
                        return perr(c, -EINVAL, "%s[%zu]: unknown architecture \"%s\"", field, i,
                                    json_object_get_string(e));
                *arches |= ARCH_BIT(x);
        }
        return 0;
}

static const struct {
        const char *name;
        unsigned flag;
} flag_names[] = {
        {"SECCOMP_FILTER_FLAG_TSYNC", 0}, /* meaningless for our single-threaded child */
        {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
        {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
};

int seccomp_profile_parse(const char *json, size_t len, const char *filename, SeccompProfile **ret,
                          char **ret_error) {
        _cleanup_(seccomp_profile_freep) SeccompProfile *p = NULL;
        _cleanup_(json_object_putp) json_object *root = NULL;
        ParseCtx c = {.file = filename ?: "(profile)", .error = ret_error};
        json_tokener *tok;
        json_object *v;
        int k;

        if (len > PROFILE_MAX)
                return perr(&c, -EINVAL, "larger than %u bytes", PROFILE_MAX);
        if (len > INT32_MAX)
                return -EINVAL;
        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, json, (int) len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        size_t off = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (jerr != json_tokener_success || !root) {
                json_object_put(root);
                root = NULL;
                return perr(&c, -EINVAL, "invalid JSON at byte %zu: %s", off,
                            jerr == json_tokener_continue ? "unexpected end of input"
                                                          : json_tokener_error_desc(jerr));
        }
        if (off < len) {
                for (size_t i = off; i < len; i++)
                        if (!strchr(" \t\r\n", json[i]))
                                return perr(&c, -EINVAL, "invalid JSON at byte %zu: trailing data", i);
        }
        if (!json_object_is_type(root, json_type_object))
                return perr(&c, -EINVAL, "expected a JSON object");

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->default_errno = -1;

        if (!json_object_object_get_ex(root, "defaultAction", &v))
                return perr(&c, -EINVAL, "defaultAction: required");
        if ((k = parse_action(&c, v, "defaultAction", &p->default_action)) < 0)
                return k;
        if (json_object_object_get_ex(root, "defaultErrnoRet", &v)
            && !json_object_is_type(v, json_type_null)) {
                if ((k = parse_errno(&c, v, "defaultErrnoRet", &p->default_errno)) < 0)
                        return k;
                if (p->default_action != SECCOMP_ACTION_ERRNO)
                        return perr(&c, -EINVAL, "defaultErrnoRet: only with defaultAction SCMP_ACT_ERRNO");
        }

        if (json_object_object_get_ex(root, "architectures", &v) && !json_object_is_type(v, json_type_null)
            && (k = parse_arch_list(&c, v, "architectures", &p->arches)) < 0)
                return k;
        /* Docker's archMap: the entry of the native architecture gives its sub-architectures. */
        if (json_object_object_get_ex(root, "archMap", &v) && !json_object_is_type(v, json_type_null)) {
                int native = seccomp_arch_native_index();

                if (!json_object_is_type(v, json_type_array))
                        return perr(&c, -EINVAL, "archMap: expected an array");
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        json_object *e = json_object_array_get_idx(v, i), *a, *subs;
                        char f[64];
                        uint32_t main = 0, sub = 0;

                        snprintf(f, sizeof(f), "archMap[%zu]", i);
                        if (!json_object_is_type(e, json_type_object))
                                return perr(&c, -EINVAL, "%s: expected an object", f);
                        if (!json_object_object_get_ex(e, "architecture", &a)
                            || !json_object_is_type(a, json_type_string))
                                return perr(&c, -EINVAL, "%s.architecture: expected a string", f);
                        int x = arch_from_scmp(json_object_get_string(a));
                        if (x < 0)
                                return perr(&c, -EINVAL, "%s.architecture: unknown architecture \"%s\"", f,
                                            json_object_get_string(a));
                        main = ARCH_BIT(x);
                        if (json_object_object_get_ex(e, "subArchitectures", &subs)
                            && !json_object_is_type(subs, json_type_null)) {
                                char fs[96];
                                snprintf(fs, sizeof(fs), "%s.subArchitectures", f);
                                if ((k = parse_arch_list(&c, subs, fs, &sub)) < 0)
                                        return k;
                        }
                        if (x == native)
                                p->arches |= main | sub;
                }
        }

        if (json_object_object_get_ex(root, "flags", &v) && !json_object_is_type(v, json_type_null)) {
                if (!json_object_is_type(v, json_type_array))
                        return perr(&c, -EINVAL, "flags: expected an array");
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        json_object *e = json_object_array_get_idx(v, i);
                        const char *s =
                                json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
                        size_t j;

                        for (j = 0; s && j < ELEMENTSOF(flag_names); j++)
                                if (streq(s, flag_names[j].name))
                                        break;
                        if (!s || j == ELEMENTSOF(flag_names))
                                return perr(&c, -EINVAL, "flags[%zu]: unsupported flag%s%s%s", i,
                                            s ? " \"" : "", strempty(s), s ? "\"" : "");
                        p->filter_flags |= flag_names[j].flag;
                }
        }

        if (json_object_object_get_ex(root, "listenerPath", &v) && json_object_is_type(v, json_type_string)
            && !isempty(json_object_get_string(v)))
                return perr(&c, -EINVAL, "listenerPath: seccomp agents are not supported");

        if (json_object_object_get_ex(root, "syscalls", &v) && !json_object_is_type(v, json_type_null)) {
                if (!json_object_is_type(v, json_type_array))
                        return perr(&c, -EINVAL, "syscalls: expected an array");
                for (size_t i = 0; i < json_object_array_length(v); i++)
                        if ((k = parse_rule(&c, p, json_object_array_get_idx(v, i), i)) < 0)
                                return k;
        }

        *ret = TAKE_PTR(p);
        return 0;
}

/* ---- SeccompConfig ---- */

void seccomp_config_done(SeccompConfig *c) {
        if (!c)
                return;
        free(c->profile_path);
        free(c->profile_json);
        *c = (SeccompConfig){.kind = SECCOMP_KIND_DEFAULT};
}

int seccomp_config_from_json(const char *json, size_t len, const char *filename, SeccompConfig *ret,
                             char **ret_error) {
        _cleanup_(seccomp_profile_freep) SeccompProfile *p = NULL;
        _cleanup_free_ char *path = NULL, *text = NULL;
        int r;

        r = seccomp_profile_parse(json, len, filename, &p, ret_error);
        if (r < 0)
                return r;
        text = strndup(json, len);
        if (!text || (filename && !(path = strdup(filename))))
                return -ENOMEM;
        *ret = (SeccompConfig){
                .kind = SECCOMP_KIND_CUSTOM,
                .profile_path = TAKE_PTR(path),
                .profile_json = TAKE_PTR(text),
        };
        return 0;
}

int seccomp_config_from_option(const char *value, SeccompConfig *ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        if (!value || streq(value, "default") || isempty(value)) {
                *ret = (SeccompConfig){.kind = SECCOMP_KIND_DEFAULT};
                return 0;
        }
        if (streq(value, "unconfined")) {
                *ret = (SeccompConfig){.kind = SECCOMP_KIND_UNCONFINED};
                return 0;
        }
        r = read_full_file_at(AT_FDCWD, value, PROFILE_MAX + 1, &text, &len);
        if (r < 0) {
                if (ret_error
                    && asprintf(ret_error, "seccomp profile %s: %s", value,
                                r == -EFBIG ? "larger than 4 MiB" : strerror(-r))
                               < 0) {
                        *ret_error = NULL;
                        return -ENOMEM;
                }
                return r;
        }
        return seccomp_config_from_json(text, len, value, ret, ret_error);
}

/* ---- evaluation of conditions ---- */

static uint32_t running_kernel(void) {
        static uint32_t cached;
        struct utsname u;
        uint32_t v = 0;

        if (cached)
                return cached;
        if (uname(&u) == 0 && parse_kernel_version(u.release, &v) == 0)
                cached = v;
        return v;
}

static bool rule_applies(const SeccompRule *r, uint64_t caps, int native) {
        uint32_t nb = native >= 0 ? ARCH_BIT(native) : 0;

        if (r->inc_arches && !(r->inc_arches & nb))
                return false;
        if (r->exc_arches & nb)
                return false;
        if (r->inc_caps_all && (caps & r->inc_caps_all) != r->inc_caps_all)
                return false;
        if (r->inc_caps_any && !(caps & r->inc_caps_any))
                return false;
        if (r->exc_caps_any & caps)
                return false;
        if (r->inc_min_kernel && running_kernel() < r->inc_min_kernel)
                return false;
        if (r->exc_min_kernel && running_kernel() >= r->exc_min_kernel)
                return false;
        return true;
}

int seccomp_profile_lookup(const SeccompProfile *p, const char *name, uint64_t caps) {
        int native = seccomp_arch_native_index(), result = -ENOENT;

        for (size_t i = 0; i < p->n_rules; i++) {
                const SeccompRule *r = &p->rules[i];

                if (!rule_applies(r, caps, native) || !strv_contains(r->names, name))
                        continue;
                if (r->action == SECCOMP_ACTION_ALLOW) {
                        if (r->n_args == 0)
                                return 1;
                        result = 2;
                } else if (result == -ENOENT)
                        result = 0;
        }
        return result;
}

/* ---- compilation ---- */

static uint32_t scmp_action(SeccompActionKind k, int errno_ret) {
        switch (k) {
        case SECCOMP_ACTION_KILL_THREAD:
                return SCMP_ACT_KILL_THREAD;
        case SECCOMP_ACTION_KILL_PROCESS:
                return SCMP_ACT_KILL_PROCESS;
        case SECCOMP_ACTION_TRAP:
                return SCMP_ACT_TRAP;
        case SECCOMP_ACTION_ERRNO:
                return SCMP_ACT_ERRNO((uint32_t) (errno_ret >= 0 ? errno_ret : EPERM));
        case SECCOMP_ACTION_TRACE:
                return SCMP_ACT_TRACE((uint32_t) (errno_ret >= 0 ? errno_ret : 0));
        case SECCOMP_ACTION_LOG:
                return SCMP_ACT_LOG;
        case SECCOMP_ACTION_ALLOW:
        default:
                return SCMP_ACT_ALLOW;
        }
}

static void bpf_free_insns(SeccompBpf *b) {
        if (b->insns)
                free(b->insns);
}

SeccompBpf *seccomp_bpf_free(SeccompBpf *b) {
        if (!b)
                return NULL;
        bpf_free_insns(b);
        free(b);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(SeccompBpf *, seccomp_bpf_free);

_printf_(2, 3) static int berr(char **ret_error, const char *fmt, ...) {
        va_list ap;

        if (!ret_error)
                return 0;
        va_start(ap, fmt);
        if (vasprintf(ret_error, fmt, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
        return 0;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const SeccompRule *r) {
        struct scmp_arg_cmp cmp[6];
        bool same_index = false;
        int k;

        for (size_t i = 0; i < r->n_args; i++) {
                cmp[i] = (struct scmp_arg_cmp){.arg = r->args[i].index,
                                               .op = r->args[i].op,
                                               .datum_a = r->args[i].value,
                                               .datum_b = r->args[i].value_two};
                for (size_t j = 0; j < i; j++)
                        if (r->args[j].index == r->args[i].index)
                                same_index = true;
        }
        /* libseccomp cannot AND two comparisons of one argument; a profile that names one argument
         * twice means either (as runc and crun read it), so one rule per comparison. */
        if (same_index) {
                for (size_t i = 0; i < r->n_args; i++) {
                        k = seccomp_rule_add_array(ctx, action, nr, 1, &cmp[i]);
                        if (k < 0 && k != -EEXIST)
                                return k;
                }
                return 0;
        }
        k = seccomp_rule_add_array(ctx, action, nr, (unsigned) r->n_args, cmp);
        return k == -EEXIST ? 0 : k;
}

int seccomp_bpf_build_profile(const SeccompProfile *p, uint64_t caps, SeccompBpf **ret, char **ret_error) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_(seccomp_bpf_freep) SeccompBpf *b = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint32_t def = scmp_action(p->default_action, p->default_errno), arches;
        int native = seccomp_arch_native_index(), k;
        struct stat st;

        if (native < 0)
                return berr(ret_error, "seccomp: unsupported native architecture"), -EOPNOTSUPP;

        ctx = seccomp_init(def);
        if (!ctx)
                return -ENOMEM;
        /* Leave no_new_privs to the caller (--security-opt no-new-privileges). */
        if ((k = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
                return k;
        /* A syscall of an architecture the filter doesn't cover must not pass silently. */
        if ((k = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0)
                return k;

        arches = p->arches ? p->arches : arch_family(native);
        for (int a = 0; a < _SECCOMP_ARCH_MAX; a++) {
                if (!(arches & ARCH_BIT(a)) || a == native)
                        continue; /* the native one is in the context already */
                k = seccomp_arch_add(ctx, arch_table[a].token);
                if (k < 0 && k != -EEXIST)
                        return berr(ret_error, "seccomp: add architecture %s: %s", arch_table[a].scmp,
                                    strerror(-k)),
                               k;
        }

        for (size_t i = 0; i < p->n_rules; i++) {
                const SeccompRule *r = &p->rules[i];
                uint32_t action = scmp_action(r->action, r->errno_ret);

                if (!rule_applies(r, caps, native))
                        continue;
                /* Same as the default: nothing to add (libseccomp refuses it with EACCES). */
                if (action == def)
                        continue;
                STRV_FOREACH(n, r->names) {
                        int nr = seccomp_syscall_resolve_name(*n);

                        /* Unknown to this libseccomp: the kernel may not have it either, and a newer
                         * program gets the default (ENOSYS in the default profile). crun does the same. */
                        if (nr == __NR_SCMP_ERROR)
                                continue;
                        k = add_rule(ctx, action, nr, r);
                        if (k < 0)
                                return berr(ret_error, "seccomp: syscall \"%s\" (rule %zu): %s", *n, i,
                                            strerror(-k)),
                                       k;
                }
        }

        fd = memfd_create("skiff-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        k = seccomp_export_bpf(ctx, fd);
        if (k < 0)
                return berr(ret_error, "seccomp: export BPF: %s", strerror(-k)), k;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0
            || st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return berr(ret_error, "seccomp: compiled filter has an unexpected size (%jd bytes)",
                            (intmax_t) st.st_size),
                       -E2BIG;

        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->insns = malloc((size_t) st.st_size);
        if (!b->insns)
                return -ENOMEM;
        if (pread(fd, b->insns, (size_t) st.st_size, 0) != st.st_size)
                return -EIO;
        b->n_insns = (size_t) st.st_size / sizeof(struct sock_filter);
        b->flags = p->filter_flags;
        *ret = TAKE_PTR(b);
        return 0;
}

/* FNV-1a over everything of a profile that reaches the compiled program, so that a cached program
 * from another build of skiff (another default table) is never taken for this one. */
static uint64_t fnv(uint64_t h, const void *data, size_t len) {
        const unsigned char *d = data;

        for (size_t i = 0; i < len; i++) {
                h ^= d[i];
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

static uint64_t profile_hash(const SeccompProfile *p) {
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        h = fnv(h, &p->default_action, sizeof(p->default_action));
        h = fnv(h, &p->default_errno, sizeof(p->default_errno));
        h = fnv(h, &p->arches, sizeof(p->arches));
        h = fnv(h, &p->filter_flags, sizeof(p->filter_flags));
        for (size_t i = 0; i < p->n_rules; i++) {
                const SeccompRule *r = &p->rules[i];

                STRV_FOREACH(n, r->names)
                        h = fnv(h, *n, strlen(*n) + 1);
                h = fnv(h, &r->action, sizeof(r->action));
                h = fnv(h, &r->errno_ret, sizeof(r->errno_ret));
                for (size_t j = 0; j < r->n_args; j++) {
                        h = fnv(h, &r->args[j].index, sizeof(r->args[j].index));
                        h = fnv(h, &r->args[j].op, sizeof(r->args[j].op));
                        h = fnv(h, &r->args[j].value, sizeof(r->args[j].value));
                        h = fnv(h, &r->args[j].value_two, sizeof(r->args[j].value_two));
                }
                h = fnv(h, &r->inc_arches, sizeof(r->inc_arches));
                h = fnv(h, &r->exc_arches, sizeof(r->exc_arches));
                h = fnv(h, &r->inc_caps_all, sizeof(r->inc_caps_all));
                h = fnv(h, &r->inc_caps_any, sizeof(r->inc_caps_any));
                h = fnv(h, &r->exc_caps_any, sizeof(r->exc_caps_any));
                h = fnv(h, &r->inc_min_kernel, sizeof(r->inc_min_kernel));
                h = fnv(h, &r->exc_min_kernel, sizeof(r->exc_min_kernel));
        }
        return h;
}

/* The default profile's program depends on the profile (its hash), libseccomp's version (it decides
 * the code), the architecture, the kernel (minKernel conditions) and the capability mask. */
static int cache_path(const char *cache_dir, const SeccompProfile *p, uint64_t caps, char **ret) {
        const struct scmp_version *v = seccomp_version();
        struct utsname u;

        if (uname(&u) < 0)
                return -errno;
        return asprintf(ret, "%s/seccomp-%016" PRIx64 "-%u.%u.%u-%s-%s-%016" PRIx64 ".bpf", cache_dir,
                        profile_hash(p), v->major, v->minor, v->micro, u.machine, u.release,
                        caps) < 0
                       ? -ENOMEM
                       : 0;
}

static int cache_load(const char *path, SeccompBpf **ret) {
        _cleanup_free_ char *data = NULL;
        SeccompBpf *b;
        size_t len;
        int r;

        r = read_full_file_at(AT_FDCWD, path, BPF_MAXINSNS * sizeof(struct sock_filter), &data, &len);
        if (r < 0)
                return r;
        if (len == 0 || len % sizeof(struct sock_filter) != 0)
                return -EBADMSG;
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->insns = TAKE_PTR(data);
        b->n_insns = len / sizeof(struct sock_filter);
        *ret = b;
        return 0;
}

int seccomp_bpf_build(const SeccompConfig *config, uint64_t caps, const char *cache_dir, SeccompBpf **ret,
                      char **ret_error) {
        _cleanup_(seccomp_profile_freep) SeccompProfile *p = NULL;
        _cleanup_free_ char *cpath = NULL;
        int r;

        switch (config->kind) {
        case SECCOMP_KIND_UNCONFINED:
                *ret = NULL;
                return 0;
        case SECCOMP_KIND_CUSTOM:
                if (!config->profile_json)
                        return -EINVAL;
                r = seccomp_profile_parse(config->profile_json, strlen(config->profile_json),
                                          config->profile_path, &p, ret_error);
                if (r < 0)
                        return r;
                return seccomp_bpf_build_profile(p, caps, ret, ret_error);
        case SECCOMP_KIND_DEFAULT:
                break;
        default:
                return -EINVAL;
        }

        /* Building the default program costs libseccomp about 20 ms here (400 syscalls, three
         * architectures); loading it from the cache about 50 µs. */
        r = seccomp_profile_default(&p);
        if (r < 0)
                return r;
        if (cache_dir && cache_path(cache_dir, p, caps, &cpath) >= 0 && cache_load(cpath, ret) >= 0)
                return 0;

        r = seccomp_bpf_build_profile(p, caps, ret, ret_error);
        if (r < 0)
                return r;
        /* Best effort: a cache that cannot be written only costs the build next time. */
        if (cpath && mkdir_p(cache_dir, 0700) >= 0)
                (void) write_file_atomic_at(AT_FDCWD, cpath, (*ret)->insns,
                                            (*ret)->n_insns * sizeof(struct sock_filter), 0600);
        return 0;
}

/* ---- apply ---- */

int seccomp_apply_bpf(const SeccompBpf *bpf) {
        struct sock_fprog prog;

        if (!bpf)
                return 0;
        prog = (struct sock_fprog){.len = (unsigned short) bpf->n_insns, .filter = bpf->insns};
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, bpf->flags, &prog) < 0)
                return -errno;
        return 0;
}
