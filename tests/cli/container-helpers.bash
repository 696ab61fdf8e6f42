# SPDX-License-Identifier: Apache-2.0
# -*- bash -*-
#
# Helpers for the container tests (container-lifecycle.bats). Load after helpers.bash.
#
# Every test file gets its own SKIFF_ROOT/SKIFF_RUNROOT under $BATS_FILE_TMPDIR, a busybox image built
# by the store helper's make-image.py and loaded with `skiff image load`, and its own cgroup in every
# hierarchy skiff uses (container cgroups are created under the caller's own cgroup), so that leak
# checks look only at what this file's containers made, whatever other tests run at the same time.

CTR_IMAGE=localhost/bats-busybox:latest
CGROUP_HIERARCHIES=(memory cpu pids systemd unified)

# setup_file part: root, store, image, cgroup.
container_setup_file() {
        if (($(id -u) != 0)); then
                skip "container tests need root (namespaces, overlay, cgroups)"
        fi
        export SKIFF_ROOT=$BATS_FILE_TMPDIR/root SKIFF_RUNROOT=$BATS_FILE_TMPDIR/run
        mkdir -p "$SKIFF_ROOT" "$SKIFF_RUNROOT"
        python3 "$SKIFF_SRCDIR/tests/cli/make-image.py" oci-archive "$BATS_FILE_TMPDIR/bb.tar" \
                --name "$CTR_IMAGE" --cmd '["sh"]' >/dev/null
        "$SKIFF" image load -i "$BATS_FILE_TMPDIR/bb.tar" >/dev/null
        export CTR_CGROUP=skiff-bats-$$-$RANDOM
        for h in "${CGROUP_HIERARCHIES[@]}"; do
                [[ -d /sys/fs/cgroup/$h ]] || continue
                local own
                own=$(awk -F: -v h="$h" '($2 == h || $2 == "name=" h || (h == "unified" && $2 == "")) { print $3 }' /proc/self/cgroup)
                mkdir -p "/sys/fs/cgroup/$h$own/$CTR_CGROUP"
                echo "/sys/fs/cgroup/$h$own/$CTR_CGROUP" >>"$BATS_FILE_TMPDIR/cgroups"
        done
        # skiff, moved into those cgroups first (for commands run from other tools, e.g. script(1))
        cat >"$BATS_FILE_TMPDIR/skiff-in-cgroup" <<EOF
#!/bin/bash
while read -r d; do echo \$\$ >"\$d/cgroup.procs"; done <"$BATS_FILE_TMPDIR/cgroups"
exec "$SKIFF" "\$@"
EOF
        chmod +x "$BATS_FILE_TMPDIR/skiff-in-cgroup"
        # Does this branch have a working container_spawn() (rtcore)? Tests that need one skip otherwise.
        local err
        err=$(in_test_cgroup "$SKIFF" run --rm "$CTR_IMAGE" true 2>&1 >/dev/null) || true
        if [[ $err == *"not supported"* ]]; then
                echo "container_spawn() is not implemented on this branch yet (rtcore's apply-*.c): $err" \
                        >"$BATS_FILE_TMPDIR/no-spawn"
        fi
}

container_teardown_file() {
        [[ -n ${SKIFF_ROOT:-} ]] || return 0
        "$SKIFF" rm -f -t 0 --all >/dev/null 2>&1 || true
        if [[ -f $BATS_FILE_TMPDIR/cgroups ]]; then
                # depth first: whatever a failed test left below ours, then ours
                while read -r d; do
                        find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
                        rmdir "$d" 2>/dev/null || true
                done <"$BATS_FILE_TMPDIR/cgroups"
        fi
}

# Skips the test when container_spawn() is missing.
require_spawn() {
        if [[ -f $BATS_FILE_TMPDIR/no-spawn ]]; then
                skip "$(<"$BATS_FILE_TMPDIR/no-spawn")"
        fi
}

# Runs a command with its process moved into this file's cgroups first.
in_test_cgroup() {
        local d
        (
                while read -r d; do
                        echo "$BASHPID" >"$d/cgroup.procs"
                done <"$BATS_FILE_TMPDIR/cgroups"
                exec "$@"
        )
}

# run_skiff inside the test cgroup (through $BATS_FILE_TMPDIR/skiff-in-cgroup, made by setup).
run_ctr() {
        local saved=$SKIFF
        SKIFF="$BATS_FILE_TMPDIR/skiff-in-cgroup"
        run_skiff "$@"
        SKIFF=$saved
}

# What a container may leave behind: mounts under our dirs, cgroups under ours, state files.
leak_snapshot() {
        echo "## mounts"
        grep -F -e "$SKIFF_ROOT" -e "$SKIFF_RUNROOT" /proc/self/mountinfo | awk '{ print $5 }' | sort
        echo "## cgroups"
        while read -r d; do
                find "$d" -mindepth 1 -type d | sort
        done <"$BATS_FILE_TMPDIR/cgroups"
        echo "## state"
        find "$SKIFF_ROOT/containers" "$SKIFF_RUNROOT/containers" -mindepth 1 2>/dev/null \
                | grep -v -e '/containers/names$' -e '/containers/.lock$' | sort
        echo "## processes"
        # monitors (their argv names our root); container processes are in the cgroups above
        pgrep -f -- "^skiff-monitor $SKIFF_ROOT " || true
}

# Fails with a diff when the snapshot differs from the one in file $1.
expect_no_leaks() {
        local now
        now=$(leak_snapshot)
        if [[ $now != "$(<"$1")" ]]; then
                diff -u "$1" <(echo "$now") >&2 || true
                die "something was left behind (see the diff above)"
        fi
}

# Waits up to $2 seconds (default 10) for `skiff inspect --format {{.State.Status}} $1` to print $3.
wait_for_status() {
        local name=$1 timeout=${2:-10} want=${3:-exited} i
        for ((i = 0; i < timeout * 10; i++)); do
                if [[ $("$SKIFF" inspect --format '{{.State.Status}}' "$name" 2>/dev/null) == "$want" ]]; then
                        return 0
                fi
                sleep 0.1
        done
        die "container $name did not become $want within ${timeout}s"
}
