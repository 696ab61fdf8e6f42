#include <string.h>

#include "common/macro.h"
#include "pod/backoff.h"

static const char *const restart_policy_table[_POD_RESTART_POLICY_MAX] = {
        [POD_RESTART_ALWAYS] = "Always",
        [POD_RESTART_ON_FAILURE] = "OnFailure",
        [POD_RESTART_NEVER] = "Never",
};

const char *pod_restart_policy_to_string(PodRestartPolicy p) {
        if (p < 0 || p >= _POD_RESTART_POLICY_MAX)
                return NULL;
        return restart_policy_table[p];
}

PodRestartPolicy pod_restart_policy_from_string(const char *s) {
        if (!s)
                return _POD_RESTART_POLICY_INVALID;
        for (int i = 0; i < _POD_RESTART_POLICY_MAX; i++)
                if (streq(restart_policy_table[i], s))
                        return (PodRestartPolicy) i;
        return _POD_RESTART_POLICY_INVALID;
}

bool pod_should_restart(PodRestartPolicy policy, PodContainerRole role, int exit_code) {
        switch (role) {
        case POD_ROLE_SIDECAR:
                /* A sidecar lives as long as the pod, whatever the pod's policy says. */
                return true;
        case POD_ROLE_INIT:
                /* The kubelet retries a failed init container unless the pod must never restart, in
                 * which case the whole pod has failed; a successful one is done for good. */
                return exit_code != 0 && policy != POD_RESTART_NEVER;
        case POD_ROLE_APP:
        default:
                break;
        }
        switch (policy) {
        case POD_RESTART_ALWAYS:
                return true;
        case POD_RESTART_ON_FAILURE:
                return exit_code != 0;
        default:
                return false;
        }
}

static uint64_t or_default(uint64_t v, uint64_t def) {
        return v ? v : def;
}

void backoff_started(Backoff *b, uint64_t now) {
        /* 0 means "not running": a fake clock starting at 0 must still count as a start. */
        b->started_usec = now ? now : 1;
}

uint64_t backoff_next_delay(Backoff *b, uint64_t now) {
        uint64_t initial = or_default(b->initial_usec, BACKOFF_INITIAL_USEC);
        uint64_t max = or_default(b->max_usec, BACKOFF_MAX_USEC);
        uint64_t reset = or_default(b->reset_usec, BACKOFF_RESET_USEC);

        /* A run long enough to count as healthy forgets the crash loop before it. */
        if (b->delay_usec == 0 || (b->started_usec && now >= b->started_usec && now - b->started_usec >= reset))
                b->delay_usec = initial;
        else
                b->delay_usec = MIN(b->delay_usec * 2, max);
        b->delay_usec = MIN(b->delay_usec, max);
        b->started_usec = 0;
        b->restarts++;
        return b->delay_usec;
}
