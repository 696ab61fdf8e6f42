#pragma once

/* Kubernetes' $(VAR) expansion for env values, command and args
 * (kubernetes/third_party/forked/golang/expansion): "$(NAME)" becomes lookup(NAME) when lookup knows
 * NAME, and stays as written when it does not; "$$" becomes "$" (so "$$(NAME)" is the literal text
 * "$(NAME)"); a '$' before anything else, at the end, or an unclosed "$(" stays as written. */

#include <stdbool.h>

/* Returns the value of name (borrowed) or NULL when it is not defined. */
typedef const char *(*ExpandLookup)(const char *name, void *userdata);

/* Returns the expanded string (free() it), or NULL on OOM or when in is NULL. lookup may be NULL, which
 * leaves every "$(NAME)" as written ("$$" still becomes "$"). lookup is called once per complete
 * "$(…)", in order, with everything up to the first ')' as the name, even "" or "A$(B"; values are
 * inserted as they are, never expanded again. Bytes are copied unchanged, so UTF-8 passes through. */
char *k8s_expand(const char *in, ExpandLookup lookup, void *userdata);
