#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# skiff pull killed with SIGKILL at random points leaves a consistent store that the next pull
# completes; concurrent pulls of one image share every blob and layer (one download, one unpack).
# A throttled proxy in front of docker-registry makes the pulls slow enough for kills to land during
# transfers, unpacks and commits.

load helpers
load registry

setup_file() {
        local t
        for t in docker-registry skopeo curl /usr/bin/python3; do
                command -v "$t" >/dev/null || { echo "$t is not installed" >"$BATS_FILE_TMPDIR/skip"; return 0; }
        done
        export LAYOUT=$BATS_FILE_TMPDIR/oci
        # about 7 MB in 5 layers (3 generated ones of 2 MiB, half random)
        image_build "$LAYOUT" big --big-mib 6 --layers 3 >/dev/null
        REG=$(registry_start "$BATS_FILE_TMPDIR/reg")
        export REG
        image_push "$LAYOUT" big "$REG" big:1
}

teardown_file() {
        registry_stop_all
}

setup() {
        [[ ! -f $BATS_FILE_TMPDIR/skip ]] || skip "$(cat "$BATS_FILE_TMPDIR/skip")"
        export SKIFF_ROOT=$BATS_TEST_TMPDIR/root
        export HOME=$BATS_TEST_TMPDIR/home XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
        mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
        unset REGISTRY_AUTH_FILE XDG_DATA_HOME XDG_CONFIG_HOME
        export CONTAINERS_REGISTRIES_CONF=/dev/null SKIFF_REGISTRIES_CONF_DIR=
        export REGISTRY_PID_DIR=$BATS_TEST_TMPDIR
}

teardown() {
        registry_stop_all "$BATS_TEST_TMPDIR"
}

store_check() {
        run "$REGISTRY_PY" "$REGISTRY_HELPERS/store-check.py" "$SKIFF_ROOT"
        [[ $status -eq 0 ]] || die "store inconsistent: $output"
        echo "$output"
}

# Runs `skiff image SUBCOMMAND` when this build has it; returns 2 (and says so) when it does not.
maybe_image_verb() {
        run_skiff '?' image "$@"
        if [[ $status -ne 0 && $stderr == *"unknown command"* ]]; then
                echo "# skiff image $1: not in this build (the store branch adds it); checked images.json instead" >&3
                return 2
        fi
        return 0
}

@test "SIGKILL at random points during pulls: the store stays consistent and the next pull completes" {
        local proxy id i pid rc delay killed=0 completed=0
        id=$(registry_image_id "$REG" big 1)
        # 2 MB/s per request: a cold pull takes over a second
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --rate 2000000)

        # until 20 kills landed during a pull (at most 40 trials)
        for ((i = 1; killed < 20 && i <= 40; i++)); do
                delay=$(printf '0.%03d' $((RANDOM % 1000)))
                "$SKIFF" pull -q --tls-verify=false "127.0.0.1:$proxy/big:1" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
                pid=$!
                sleep "$delay"
                kill -KILL "$pid" 2>/dev/null || true
                rc=0
                wait "$pid" || rc=$?
                if ((rc == 137)); then
                        killed=$((killed + 1))
                elif ((rc == 0)); then
                        completed=$((completed + 1))
                else
                        die "trial $i: skiff pull failed on its own (rc=$rc): $(cat "$BATS_TEST_TMPDIR/out")"
                fi
                echo "trial $i: kill after ${delay}s: rc=$rc $(store_check)"
                if ((rc == 0)); then
                        # finished before the kill: start cold again so the next kills land mid-pull
                        rm -rf "$SKIFF_ROOT"
                fi
        done
        echo "# $killed of $((i - 1)) pulls killed mid-way, $completed finished first" >&3
        ((killed >= 20)) || die "only $killed kills landed during a pull; the proxy is not slow enough"

        # The next pull completes from whatever the kills left.
        run_skiff pull -q --tls-verify=false "127.0.0.1:$proxy/big:1"
        is "$stdout" "$id"
        run store_check
        is "$output" "images=1 blobs=[0-9]+ layers=5"
        run store_tmp_entries "$SKIFF_ROOT"
        is "$output" "" "no staging leftovers once a store handle was opened again"

        if maybe_image_verb ls; then
                is "$output" ".*127.0.0.1:$proxy/big.*1.*${id:0:12}.*"
                is "${#lines[@]}" "2" "a header and one image"
                maybe_image_verb prune
                run store_tmp_entries "$SKIFF_ROOT"
                is "$output" "" "no orphan temp files after skiff image prune"
                run store_check
                is "$output" "images=1 blobs=7 layers=5" "prune kept the image, removed unreferenced blobs"
        fi
}

@test "two concurrent pulls of one image both succeed with one copy of each blob and layer" {
        local proxy id p1 p2 rc1=0 rc2=0 d n
        id=$(registry_image_id "$REG" big 1)
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --rate 4000000)

        "$SKIFF" pull -q --tls-verify=false "127.0.0.1:$proxy/big:1" >"$BATS_TEST_TMPDIR/out1" 2>&1 3>&- &
        p1=$!
        "$SKIFF" pull -q --tls-verify=false "127.0.0.1:$proxy/big:1" >"$BATS_TEST_TMPDIR/out2" 2>&1 3>&- &
        p2=$!
        wait "$p1" || rc1=$?
        wait "$p2" || rc2=$?
        is "$rc1 $rc2" "0 0" "both pulls succeed: $(cat "$BATS_TEST_TMPDIR/out1" "$BATS_TEST_TMPDIR/out2")"
        is "$(cat "$BATS_TEST_TMPDIR/out1")" "$id"
        is "$(cat "$BATS_TEST_TMPDIR/out2")" "$id"

        run store_check
        is "$output" "images=1 blobs=7 layers=5" "one manifest, one config, five layer blobs; five layers"
        for d in $(registry_layer_digests "$REG" big 1); do
                n=$(grep -c "^GET /v2/big/blobs/$d 200" "$BATS_TEST_TMPDIR/proxy.log")
                is "$n" "1" "layer blob $d downloaded once"
        done
        run store_tmp_entries "$SKIFF_ROOT"
        is "$output" "" "no staging leftovers"
}
