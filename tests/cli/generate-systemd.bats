#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# skiff generate systemd: golden units for fixed containers and pods (tests/data/generate-systemd/,
# compared byte for byte after the ids, the skiff binary's path and the test's directories are
# replaced by ID, SKIFF, ROOT and RUNROOT, and the header's time by DATE), systemd-analyze verify over
# every unit it writes, --files, --format json and the errors. As root, with make-image.py's busybox.
#
# SKIFF_UPDATE_GOLDEN=1 rewrites the expected files from what skiff prints (then review the diff).

load helpers
load container-helpers

IMG=localhost/bats-busybox:latest
GOLDEN=${SKIFF_SRCDIR}/tests/data/generate-systemd

setup_file() {
        container_setup_file
        local pause=${SKIFF_PAUSE:-$(dirname "$SKIFF")/../pause/skiff-pause}
        if [[ -n ${SKIFF_ROOT:-} ]] && readelf -l "$pause" 2>/dev/null | grep -q 'program interpreter'; then
                echo "skiff-pause ($pause) is dynamically linked (a sanitizer build?): set SKIFF_PAUSE to a static one" \
                        >"$BATS_FILE_TMPDIR/no-pause"
                return 0
        fi
        [[ -f $BATS_FILE_TMPDIR/no-spawn ]] && return 0
        # The fixed objects every test generates units for.
        "$SKIFF" create --name gs-web -e 'GREETING=hello world' --stop-timeout 5 --restart on-failure:3 \
                -l app=web "$IMG" sh -c 'echo "100% $HOME"; exec sleep 1000' >/dev/null
        "$SKIFF" pod create --name gs-pod --label tier=backend --pod-id-file "$BATS_FILE_TMPDIR/gs-pod.id" >/dev/null
        in_test_cgroup "$SKIFF" pod start gs-pod >/dev/null
        in_test_cgroup "$SKIFF" run -d --name gs-side --pod gs-pod -e ROLE=side "$IMG" sleep 1000 >/dev/null
        cat >"$BATS_FILE_TMPDIR/gs-kube.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: gs-kube
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: sleeper
    image: $IMG
    imagePullPolicy: Never
    command: [sleep, '1000']
EOF
        in_test_cgroup "$SKIFF" kube play --log-driver none --annotation team=a "$BATS_FILE_TMPDIR/gs-kube.yaml" >/dev/null
}

teardown_file() {
        if [[ -n ${SKIFF_ROOT:-} ]]; then
                [[ -f $BATS_FILE_TMPDIR/gs-kube.yaml ]] && "$SKIFF" kube down "$BATS_FILE_TMPDIR/gs-kube.yaml" >/dev/null 2>&1
                "$SKIFF" rm -f -t 0 gs-side >/dev/null 2>&1 || true
                "$SKIFF" pod rm -f --ignore gs-pod >/dev/null 2>&1 || true
                "$SKIFF" rm -f --all >/dev/null 2>&1 || true
        fi
        container_teardown_file
}

setup() {
        [[ -n ${SKIFF_ROOT:-} ]] || skip "generate systemd tests need root (they create containers and pods)"
        require_spawn
        if [[ -f $BATS_FILE_TMPDIR/no-pause ]]; then
                skip "$(<"$BATS_FILE_TMPDIR/no-pause")"
        fi
}

# normalize: stdin with the run's particulars replaced by fixed words.
normalize() {
        local self
        self=$(readlink -f "$SKIFF")
        sed -e "s|$self|SKIFF|g" -e "s|$SKIFF_RUNROOT|RUNROOT|g" -e "s|$SKIFF_ROOT|ROOT|g" \
                -e 's/[0-9a-f]\{64\}/ID/g' -e 's/^# [A-Z][a-z][a-z] [A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]\{8\} .* [0-9]\{4\}$/# DATE/'
}

# golden NAME ARG...: `skiff generate systemd ARG...` must print tests/data/generate-systemd/NAME.
golden() {
        local name=$1
        shift
        run_skiff 0 generate systemd "$@"
        local got
        got=$(printf '%s\n' "$stdout" | normalize)
        if [[ -n ${SKIFF_UPDATE_GOLDEN:-} ]]; then
                printf '%s\n' "$got" >"$GOLDEN/$name"
        fi
        [[ -f $GOLDEN/$name ]] || die "no expected file $GOLDEN/$name (SKIFF_UPDATE_GOLDEN=1 writes it)"
        if [[ $got != "$(<"$GOLDEN/$name")" ]]; then
                diff -u "$GOLDEN/$name" <(printf '%s\n' "$got") >&2 || true
                die "generate systemd $*: differs from $GOLDEN/$name (diff above)"
        fi
}

@test "generate systemd: --help, and the top-level verb's commands" {
        run_skiff 0 generate systemd --help
        is "$output" "Usage: skiff generate systemd .*--new.*--files.*--restart-policy.*--format json.*"
        run_skiff 0 generate --help
        is "$output" ".*systemd.*kube.*"
        # podman's older spelling of kube generate
        run_skiff 0 generate kube --help
        is "${lines[0]}" "Usage: skiff kube generate .*"
}

@test "generate systemd: a container, by id and by name, with and without --new" {
        golden container.service --no-header gs-web
        golden container-new.service --no-header --new --name gs-web
}

@test "generate systemd: every option shapes the unit" {
        export GS_VALUE='x y'
        golden container-options.service --no-header --new --name --restart-policy always \
                --restart-sec 3 --time 7 --start-timeout 20 --wants a.service --after b.service \
                --requires c.service -e FOO=bar -e GS_VALUE --container-prefix app --separator _ gs-web
}

@test "generate systemd: the header names the unit, skiff's version and the time" {
        golden container-header.service --name gs-web
        # The time is the one line that changes: it is there, and it is now.
        run_skiff 0 generate systemd --name gs-web
        local when now
        when=$(date -d "${lines[2]#\# }" +%s) || die "the header's third line is not a time: ${lines[2]}"
        now=$(date +%s)
        ((now - when >= 0 && now - when < 300)) || die "the header's time ${lines[2]} is not now ($(date))"
}

@test "generate systemd: a pod made by pod create, with a container that joined it" {
        golden pod.service --no-header --name gs-pod
        golden pod-new.service --no-header --new --name gs-pod
        # the joined container alone: bound to the pod's unit
        golden pod-member.service --no-header --name gs-side
}

@test "generate systemd: a pod made by kube play; --new plays a kept copy of its YAML" {
        golden kube.service --no-header --name gs-kube
        golden kube-new.service --no-header --new --name gs-kube
        # the copy the unit plays is the YAML that was played
        cmp "$BATS_FILE_TMPDIR/gs-kube.yaml" "$SKIFF_ROOT/systemd/pod-gs-kube.service.yaml"
        # a container the pod's supervisor runs has no unit of its own
        run_skiff 125 generate systemd gs-kube-sleeper
        is "$output" "skiff: generate systemd gs-kube-sleeper: the container is run by pod gs-kube's supervisor; generate the pod's unit (skiff generate systemd gs-kube)"
}

@test "generate systemd --files writes what it prints; --format json maps names to units or paths" {
        local d=$BATS_TEST_TMPDIR/files
        mkdir -p "$d"
        run_skiff 0 generate systemd --no-header --name gs-pod
        local printed=$stdout
        run_skiff 0 generate systemd --no-header --name --files gs-pod
        cd "$d" || die "cd $d"
        run "$SKIFF" generate systemd --no-header --name --files gs-pod
        [[ $status == 0 ]] || die "generate --files failed: $output"
        is "$output" "$d/pod-gs-pod.service
$d/container-gs-side.service"
        [[ "$(cat "$d/pod-gs-pod.service"; echo; cat "$d/container-gs-side.service")" == "$printed" ]] ||
                die "the files differ from the printed units"
        run "$SKIFF" generate systemd --no-header --name --format json gs-pod
        [[ $status == 0 ]] || die "generate --format json failed: $output"
        python3 -c '
import json, sys
m = json.loads(sys.argv[1])
assert sorted(m) == ["container-gs-side.service", "pod-gs-pod.service"], sorted(m)
assert m["pod-gs-pod.service"] == open(sys.argv[2]).read()
assert m["container-gs-side.service"] == open(sys.argv[3]).read()
' "$output" "$d/pod-gs-pod.service" "$d/container-gs-side.service"
        run "$SKIFF" generate systemd --no-header --name --files --format json gs-pod
        python3 -c '
import json, sys
m = json.loads(sys.argv[1])
assert m == {"pod-gs-pod.service": sys.argv[2] + "/pod-gs-pod.service",
             "container-gs-side.service": sys.argv[2] + "/container-gs-side.service"}, m
' "$output" "$d"
}

@test "systemd-analyze verify accepts every unit generate systemd writes" {
        command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
        local d=$BATS_TEST_TMPDIR/verify
        mkdir -p "$d/c1" "$d/c2" "$d/p1" "$d/p2" "$d/k1" "$d/k2" "$d/o" "$d/xdg"
        chmod 700 "$d/xdg"
        local -a cases=("c1:gs-web" "c2:--new --name gs-web" "p1:--name gs-pod" "p2:--new gs-pod"
                "k1:gs-kube" "k2:--new --name gs-kube"
                "o:--new --restart-policy on-abort --restart-sec 1 --start-timeout 9 --wants x.service -e A=1 gs-web")
        local c dir n=0
        for c in "${cases[@]}"; do
                dir=$d/${c%%:*}
                # shellcheck disable=SC2086 # the options are words
                (cd "$dir" && "$SKIFF" generate systemd --files ${c#*:}) >/dev/null || die "generate ${c#*:} failed"
                for mode in "" --user; do
                        run env XDG_RUNTIME_DIR="$d/xdg" SYSTEMD_UNIT_PATH="$dir:" systemd-analyze $mode verify --man=no "$dir"/*.service
                        echo "verify $mode ${c#*:}: $output"
                        [[ $status == 0 ]] || die "systemd-analyze $mode verify failed for generate systemd ${c#*:}: $output"
                        [[ -z $output ]] || die "systemd-analyze $mode verify complained for generate systemd ${c#*:}: $output"
                done
                n=$((n + $(ls "$dir"/*.service | wc -l)))
        done
        # 1 + 1 + 2 + 2 + 1 + 1 + 1 units were checked
        [[ $n == 9 ]] || die "expected 9 units, verified $n"
}

@test "generate systemd: errors name the object and the step" {
        run_skiff 125 generate systemd gs-nothing
        is "$output" "skiff: generate systemd gs-nothing: no such container or pod"
        run_skiff 1 generate systemd --template gs-web
        is "$output" "skiff: generate systemd: --template: not supported (skiff does not write template units)"
        run_skiff 1 generate systemd --restart-policy sometimes gs-web
        is "$output" "skiff: generate systemd: invalid --restart-policy 'sometimes': use no, on-success, on-failure, on-abnormal, on-watchdog, on-abort or always"
        run_skiff 1 generate systemd --time soon gs-web
        is "$output" "skiff: generate systemd: invalid --time 'soon': a number of seconds"
        run_skiff 1 generate systemd gs-web gs-pod
        is "$output" "skiff: generate systemd: give exactly one container or pod"
        # a record without a create command (made before skiff recorded it): --new says why it cannot
        local id cfg
        id=$("$SKIFF" create "$IMG" true)
        cfg=$SKIFF_ROOT/containers/$id/config.json
        python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c.pop("createCommand", None); json.dump(c, open(sys.argv[1], "w"))' "$cfg"
        run_skiff 125 generate systemd --new "$id"
        is "$output" "skiff: generate systemd --new: container skiff_[0-9a-f]+: no create command recorded \\(it was not created by skiff run or skiff create\\)"
        "$SKIFF" rm -f "$id" >/dev/null
        # without --new the container's restart policy and the unit's both restart it: a warning says so
        run_skiff 0 generate systemd gs-web
        is "$stderr" "skiff: warning: generate systemd: container gs-web has restart policy on-failure: skiff restarts it and so will systemd \\(Restart=on-failure\\); consider --restart-policy=no"
}
