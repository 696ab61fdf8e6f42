#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "common/log.h"

static int max_level = LOG_WARNING;
static const char *log_prefix = "skiff";

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_prefix(const char *prefix) {
        log_prefix = prefix;
}

int log_level_from_string(const char *s) {
        static const struct {
                const char *name;
                int level;
        } table[] = {
                { "emerg", LOG_EMERG },  { "alert", LOG_ALERT },     { "crit", LOG_CRIT },
                { "err", LOG_ERR },      { "error", LOG_ERR },       { "warning", LOG_WARNING },
                { "warn", LOG_WARNING }, { "notice", LOG_NOTICE },   { "info", LOG_INFO },
                { "debug", LOG_DEBUG },
        };

        if (!s || !*s)
                return -EINVAL;
        if (s[0] >= '0' && s[0] <= '7' && s[1] == 0)
                return s[0] - '0';
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strcasecmp(table[i].name, s) == 0)
                        return table[i].level;
        return -EINVAL;
}

int log_internal(int level, int error, const char *fmt, ...) {
        int saved = errno;
        va_list ap;

        if (error < 0)
                error = -error;
        /* %m in fmt names the error we were given, not whatever errno happens to hold. */
        errno = error;
        flockfile(stderr);
        if (log_prefix)
                fprintf(stderr, "%s: ", log_prefix);
        if (level >= LOG_DEBUG)
                fputs("debug: ", stderr);
        else if (level == LOG_WARNING)
                fputs("warning: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        funlockfile(stderr);
        errno = saved;
        return -error;
}
