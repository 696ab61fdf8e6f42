#pragma once

/* Logging for executables. Library code logs at debug level at most; an executable reports an error
 * once, at the edge: `return log_error_errno(r, "Failed to read '%s': %m", path);`, where %m expands
 * to the text of the error r. The log_*_errno() helpers return -abs(error) so they can be returned. */

#include <stdbool.h>
#include <syslog.h>

#include "common/macro.h"

void log_set_max_level(int level);
int log_get_max_level(void);
/* Accepts debug, info, notice, warn, warning, error, err, crit (case-insensitive) or a number 0..7.
 * Returns the level or -EINVAL. */
int log_level_from_string(const char *s);

/* Prefix for every line (default: "skiff"). The pointer is borrowed. */
void log_set_prefix(const char *prefix);

int log_internal(int level, int error, const char *fmt, ...) _printf_(3, 4);

#define log_full_errno(level, error, ...)                                                       \
        ({                                                                                      \
                int _level_ = (level), _e_ = (error);                                           \
                (log_get_max_level() >= _level_) ? log_internal(_level_, _e_, __VA_ARGS__)       \
                                                 : -(_e_ < 0 ? -_e_ : _e_);                      \
        })

#define log_debug_errno(error, ...) log_full_errno(LOG_DEBUG, error, __VA_ARGS__)
#define log_info_errno(error, ...) log_full_errno(LOG_INFO, error, __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, error, __VA_ARGS__)
#define log_error_errno(error, ...) log_full_errno(LOG_ERR, error, __VA_ARGS__)

#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)

/* An out-of-memory error, logged once. */
#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")
