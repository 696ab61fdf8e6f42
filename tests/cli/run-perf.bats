#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# What `run --rm` does differently to be fast (docs/architecture.md, "Where skiff run spends its
# time"): its overlay is mounted "volatile" (no sync of the upper filesystem when the container's
# mount namespace goes), only for --rm, and a --rm container whose upper dir carries the mark a crash
# under a volatile mount leaves (work/incompat/volatile) still starts. As root, real containers.
# shellcheck disable=SC2154 # $status, $stdout, $stderr are set by run_skiff (helpers.bash)

load helpers
load container-helpers

setup_file() {
        container_setup_file
}

teardown_file() {
        container_teardown_file
}

root_mount_options() {
        # mountinfo field 6 is the mount's options, the super block's after " - TYPE SOURCE ".
        awk '$5 == "/" { sub(/.* - /, ""); print }' <<<"$1"
}

@test "run --rm mounts its overlay volatile; without --rm it is not" {
        run_ctr run --rm --network none "$CTR_IMAGE" cat /proc/self/mountinfo
        opts=$(root_mount_options "$stdout")
        [[ $opts == overlay\ * ]] || die "the root is not an overlay: $opts"
        [[ $opts =~ ,(fsync=)?volatile(,|$) ]] || die "run --rm: no volatile in the root's options: $opts"

        run_ctr run --name keep --network none "$CTR_IMAGE" cat /proc/self/mountinfo
        opts=$(root_mount_options "$stdout")
        [[ $opts == overlay\ * && $opts != *volatile* ]] || die "run without --rm: $opts"
        run_skiff rm keep
}

@test "a --rm container starts although a crash left work/incompat/volatile" {
        leak_snapshot >"$BATS_TEST_TMPDIR/before"
        run_ctr create --rm --network none "$CTR_IMAGE" echo started
        id=$stdout
        # The work dir is made at the first start: make it as a crashed earlier start left it.
        work=$SKIFF_ROOT/containers/$id/work
        [[ -d $SKIFF_ROOT/containers/$id ]] || die "no container dir for $id"
        mkdir -p "$work/work/incompat/volatile"
        touch "$work/work/incompat/volatile/dirty"
        run_ctr start -a "$id"
        is "$stdout" "started"
        # (whether `start -a` of a --rm container removes it is not this test's point)
        "$SKIFF" rm -f "$id" >/dev/null 2>&1 || true
        expect_no_leaks "$BATS_TEST_TMPDIR/before"
}
