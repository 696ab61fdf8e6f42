# SPDX-License-Identifier: Apache-2.0
# -*- bash -*-
#
# What the pod test files share (pods.bats, pod-features.bats). Load after helpers and
# container-helpers: setup_file/teardown_file/setup for files that play pods as root, the leak check
# (pod_snapshot, expect_nothing_left: mounts under this file's root and run dir, cgroups under its own
# and the pods' own cgroups, state, and the supervisors and container inits in its cgroups), run_ctr
# recording the pods' ids, and small readers of `pod inspect`. Everything is scoped to this file's own
# root, run dir and cgroups: other suites run pods at the same time.

IMG=localhost/bats-busybox:latest

setup_file() {
        container_setup_file
        # The infra runs skiff-pause from an empty root: it must be static. A sanitizer build links it
        # dynamically; SKIFF_PAUSE may point at a static one from another build.
        local pause=${SKIFF_PAUSE:-$(dirname "$SKIFF")/../pause/skiff-pause}
        if [[ -n ${SKIFF_ROOT:-} ]] && readelf -l "$pause" 2>/dev/null | grep -q 'program interpreter'; then
                echo "skiff-pause ($pause) is dynamically linked (a sanitizer build?): set SKIFF_PAUSE to a static one" \
                        >"$BATS_FILE_TMPDIR/no-pause"
        fi
        # what the setup's own probe container left is repaired away now, not in the middle of a test
        "$SKIFF" rm -f --all >/dev/null 2>&1 || true
        "$SKIFF" ps -a >/dev/null 2>&1 || true
        # Kubernetes' 10 s back-off doubling to 5 min, scaled down to 200 ms doubling for the tests.
        export SKIFF_TEST_BACKOFF_MS=200
}

teardown_file() {
        if [[ -n ${SKIFF_ROOT:-} ]]; then
                for f in "$BATS_FILE_TMPDIR"/*.yaml; do
                        [[ -f $f ]] && "$SKIFF" kube down "$f" >/dev/null 2>&1
                done
        fi
        container_teardown_file
}

setup() {
        [[ -n ${SKIFF_ROOT:-} ]] || skip "pod tests need root (namespaces, overlay, cgroups)"
        require_spawn
        if [[ -f $BATS_FILE_TMPDIR/no-pause ]]; then
                skip "$(<"$BATS_FILE_TMPDIR/no-pause")"
        fi
        pod_snapshot >"$BATS_TEST_TMPDIR/before"
}

# What a pod may leave behind.
pod_snapshot() {
        echo "## mounts"
        grep -F -e "$SKIFF_ROOT" -e "$SKIFF_RUNROOT" /proc/self/mountinfo | awk '{ print $5 }' | sort
        echo "## cgroups"
        while read -r d; do
                find "$d" -mindepth 1 -type d | sort
        done <"$BATS_FILE_TMPDIR/cgroups"
        echo "## state"
        find "$SKIFF_ROOT/containers" "$SKIFF_RUNROOT/containers" "$SKIFF_ROOT/pods" "$SKIFF_RUNROOT/pods" \
                -mindepth 1 2>/dev/null | grep -v -e '/names$' -e '/\.lock$' -e '/pods/\.empty-root' | sort
        echo "## pod cgroups"
        local id
        if [[ -f $BATS_FILE_TMPDIR/pod-ids ]]; then
                sort -u "$BATS_FILE_TMPDIR/pod-ids" | while read -r id; do
                        ls -d /sys/fs/cgroup/*/skiff-pod-"$id" 2>/dev/null || true
                done
        fi
        echo "## processes"
        # Live ones only (PID 1 of these machines does not reap the supervisors that exited), and only
        # this file's: plays run in its cgroups (run_ctr), and supervisors and container inits stay in
        # them or below them even when the supervisor is killed. Other suites run pods at the same time.
        local pid
        ps -eo pid=,stat=,comm= | awk '$2 !~ /^Z/ && ($3 == "skiff-pod" || $3 == "skiff-init") { print $1 }' \
                | while read -r pid; do
                        grep -qE "/$CTR_CGROUP(/|\$)" "/proc/$pid/cgroup" 2>/dev/null && echo "$pid"
                done | sort
}

# run_ctr, recording the ids of the pods it made (the pods' cgroups outside this file's own: on v1 the
# hierarchies the caller sits at the top of, cpuacct, freezer, blkio, devices, get them at their top).
run_ctr() {
        local saved=$SKIFF
        SKIFF="$BATS_FILE_TMPDIR/skiff-in-cgroup"
        run_skiff "$@"
        SKIFF=$saved
        grep -oE '^[0-9a-f]{64}$' <<<"$stdout" >>"$BATS_FILE_TMPDIR/pod-ids" || true
}

expect_nothing_left() {
        local now
        now=$(pod_snapshot)
        # The process list is system-wide: a supervisor of someone else's that ended during the test
        # is not ours to report, so lines that only vanished from the "## processes" part are ignored;
        # anything that appeared, and any change to mounts, cgroups or state, is a leftover.
        if diff "$BATS_TEST_TMPDIR/before" <(echo "$now") \
                | awk '/^[0-9]/ { next } /^---$/ { next } /^< [0-9]+$/ { next } { bad = 1 } END { exit !bad }'; then
                diff -u "$BATS_TEST_TMPDIR/before" <(echo "$now") >&2 || true
                die "something was left behind (see the diff above)"
        fi
}

# yaml NAME <<EOF ... EOF: writes $BATS_FILE_TMPDIR/NAME.yaml into $Y (teardown_file downs them all)
yaml() {
        Y=$BATS_FILE_TMPDIR/$1.yaml
        cat >"$Y"
}

# wait_for_log POD REGEX [TIMEOUT_S]: until `pod logs POD` has a matching line
wait_for_log() {
        local i
        for ((i = 0; i < ${3:-10} * 10; i++)); do
                if "$SKIFF" pod logs "$1" 2>&1 | grep -Eq -- "$2"; then
                        return 0
                fi
                sleep 0.1
        done
        "$SKIFF" pod logs "$1" >&2 || true
        die "pod $1: no log line matching '$2' within ${3:-10}s"
}

# ctr_field POD CONTAINER FIELD: a field of the container's state in `pod inspect`
ctr_field() {
        "$SKIFF" pod inspect "$1" | python3 -c '
import json, sys
pod = json.load(sys.stdin)[0]
for c in pod["state"]["containers"]:
    if c.get("name") == sys.argv[1]:
        print(c.get(sys.argv[2]))' "$2" "$3"
}

# pod_field POD FIELD: a field of the pod's state
pod_field() {
        "$SKIFF" pod inspect "$1" | python3 -c '
import json, sys
print(json.load(sys.stdin)[0]["state"].get(sys.argv[1]))' "$2"
}
