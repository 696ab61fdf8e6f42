#include <stdlib.h>

#include "common/strv.h"
#include "pod/probe.h"

static const char *const probe_kind_table[_PROBE_KIND_MAX] = {
        [PROBE_STARTUP] = "startup",
        [PROBE_LIVENESS] = "liveness",
        [PROBE_READINESS] = "readiness",
};

const char *probe_kind_to_string(ProbeKind k) {
        if (k < 0 || k >= _PROBE_KIND_MAX)
                return NULL;
        return probe_kind_table[k];
}

void probe_spec_done(ProbeSpec *s) {
        if (!s)
                return;
        s->exec_argv = strv_free(s->exec_argv);
        probe_target_done(&s->target);
        s->set = false;
}

static bool has(const ProbeSet *s, ProbeKind k) {
        return s->probe[k].spec && s->probe[k].spec->set;
}

/* Whether kind may run now: liveness and readiness wait for the startup probe; the startup probe
 * stops once it passed. */
static bool active(const ProbeSet *s, ProbeKind k) {
        if (!has(s, k))
                return false;
        if (k == PROBE_STARTUP)
                return !s->started;
        return s->started;
}

static void schedule_first(ProbeRunner *p, uint64_t now) {
        p->next_due_usec = now + (uint64_t) p->spec->initial_delay_sec * 1000000ULL;
        p->scheduled = true;
}

ProbeEvent probe_set_reset(ProbeSet *s, const ProbeSpec *const specs[_PROBE_KIND_MAX], uint64_t now) {
        *s = (ProbeSet) {};
        for (int k = 0; k < _PROBE_KIND_MAX; k++)
                s->probe[k].spec = specs ? specs[k] : NULL;
        s->started = !has(s, PROBE_STARTUP);
        for (int k = 0; k < _PROBE_KIND_MAX; k++)
                if (active(s, (ProbeKind) k))
                        schedule_first(&s->probe[k], now);
        if (s->started && !has(s, PROBE_READINESS)) {
                s->ready = true;
                return PROBE_EVENT_READY;
        }
        return PROBE_EVENT_NONE;
}

void probe_set_stop(ProbeSet *s) {
        for (int k = 0; k < _PROBE_KIND_MAX; k++) {
                s->probe[k].scheduled = false;
                s->probe[k].running = false;
        }
        s->ready = false;
}

bool probe_set_next_due(const ProbeSet *s, uint64_t *ret) {
        uint64_t best = 0;
        bool any = false;

        for (int k = 0; k < _PROBE_KIND_MAX; k++) {
                const ProbeRunner *p = &s->probe[k];

                /* A probe still running is not due again before its result came in. */
                if (!active(s, (ProbeKind) k) || p->running || !p->scheduled)
                        continue;
                if (!any || p->next_due_usec < best)
                        best = p->next_due_usec;
                any = true;
        }
        if (any)
                *ret = best;
        return any;
}

ProbeKind probe_set_take_due(ProbeSet *s, uint64_t now) {
        for (int k = 0; k < _PROBE_KIND_MAX; k++) {
                ProbeRunner *p = &s->probe[k];

                if (!active(s, (ProbeKind) k) || p->running || !p->scheduled || p->next_due_usec > now)
                        continue;
                p->running = true;
                /* The kubelet's ticker: the next run is a period after this one started, whatever this
                 * one takes (a run outliving its period delays the next, as a run is never doubled). */
                p->next_due_usec += (uint64_t) p->spec->period_sec * 1000000ULL;
                if (p->next_due_usec <= now)
                        p->next_due_usec = now + (uint64_t) p->spec->period_sec * 1000000ULL;
                return (ProbeKind) k;
        }
        return _PROBE_KIND_INVALID;
}

ProbeEvent probe_set_result(ProbeSet *s, ProbeKind kind, bool success, uint64_t now) {
        ProbeRunner *p;
        unsigned sthr, fthr;

        if (kind < 0 || kind >= _PROBE_KIND_MAX)
                return PROBE_EVENT_NONE;
        p = &s->probe[kind];
        if (!p->running)
                return PROBE_EVENT_NONE; /* a result after probe_set_stop()/reset: stale */
        p->running = false;
        if (!has(s, kind))
                return PROBE_EVENT_NONE;
        sthr = p->spec->success_threshold ?: 1;
        fthr = p->spec->failure_threshold ?: 3;
        if (success) {
                p->failures = 0;
                p->successes++;
                if (p->successes < sthr)
                        return PROBE_EVENT_NONE;
                p->passed = true;
                p->failed = false;
        } else {
                p->successes = 0;
                p->failures++;
                if (p->failures < fthr)
                        return PROBE_EVENT_NONE;
                p->failed = true;
                p->passed = false;
        }

        switch (kind) {
        case PROBE_STARTUP:
                if (!success)
                        return PROBE_EVENT_RESTART;
                s->started = true;
                p->scheduled = false;
                for (int k = PROBE_LIVENESS; k < _PROBE_KIND_MAX; k++)
                        if (has(s, (ProbeKind) k))
                                schedule_first(&s->probe[k], now);
                if (!has(s, PROBE_READINESS)) {
                        s->ready = true;
                        return PROBE_EVENT_READY;
                }
                return PROBE_EVENT_STARTED;
        case PROBE_LIVENESS:
                if (!success) {
                        /* Counted again from zero for the next run of the container. */
                        p->failures = 0;
                        return PROBE_EVENT_RESTART;
                }
                return PROBE_EVENT_NONE;
        case PROBE_READINESS:
                if (success && !s->ready) {
                        s->ready = true;
                        return PROBE_EVENT_READY;
                }
                if (!success && s->ready) {
                        s->ready = false;
                        return PROBE_EVENT_UNREADY;
                }
                return PROBE_EVENT_NONE;
        default:
                return PROBE_EVENT_NONE;
        }
}
