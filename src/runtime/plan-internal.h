#pragma once

/* Helpers shared by the plan-*.c files; not part of the runtime's API. */

#include <stdarg.h>

#include "common/macro.h"

/* Sets *ret_error (when ret_error is not NULL) to a new formatted message and returns r (a -errno).
 * On OOM the message is left NULL and -ENOMEM is returned instead. */
int plan_errorf(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
