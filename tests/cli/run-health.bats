#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Health checks (issue 6): `skiff run --health-*`, the image's HEALTHCHECK, the monitor running the
# check on its timer (status starting/healthy/unhealthy, FailingStreak, the log in `inspect`'s
# State.Health, "(healthy)" in `ps`), --health-on-failure, the startup check, --sdnotify=healthy, and
# `skiff healthcheck run`. As root, with a busybox image built by the test (container-helpers.bash).
# Intervals are 1 s (podman's minimum); waits allow 20 s so a loaded machine and ASan pass.

load helpers
load container-helpers
load registry

setup_file() {
        container_setup_file
        # an image with its own HEALTHCHECK (docker's config.Healthcheck)
        python3 "$SKIFF_SRCDIR/tests/cli/make-image.py" oci-archive "$BATS_FILE_TMPDIR/hc.tar" \
                --name localhost/bats-hc:latest --cmd '["sleep","300"]' \
                --healthcheck '{"Test":["CMD-SHELL","test -e /tmp/img-ok"],"Interval":1000000000,"Retries":2}' \
                >/dev/null
        "$SKIFF" image load -i "$BATS_FILE_TMPDIR/hc.tar" >/dev/null
}

teardown_file() {
        container_teardown_file
}

setup() {
        require_spawn
}

teardown() {
        registry_stop_all "$BATS_TEST_TMPDIR"
        if [[ -n ${NOTIFY_PID:-} ]]; then
                kill "$NOTIFY_PID" 2>/dev/null || true
                wait "$NOTIFY_PID" 2>/dev/null || true
                NOTIFY_PID=
        fi
        "$SKIFF" rm -f -t 0 --all >/dev/null 2>&1 || true
}

# wait_for SECONDS CTR TEMPLATE EXPECTED: polls `inspect --format TEMPLATE` until it prints EXPECTED.
wait_for() {
        local secs=$1 ctr=$2 tmpl=$3 want=$4 got i
        for ((i = 0; i < secs * 10; i++)); do
                got=$("$SKIFF" inspect "$ctr" --format "$tmpl" 2>/dev/null) || true
                [[ $got == "$want" ]] && return 0
                sleep 0.1
        done
        die "$ctr: $tmpl is '$got' after ${secs}s, expected '$want'"
}

health() {
        "$SKIFF" inspect "$1" --format '{{.State.Health.Status}}'
}

@test "--help lists the health flags; healthcheck --help; a man page exists" {
        run_skiff run --help
        for f in cmd interval timeout retries start-period on-failure startup-cmd startup-interval \
                startup-retries startup-success startup-timeout log-destination max-log-count max-log-size; do
                [[ $stdout == *"--health-$f"* ]] || die "run --help does not mention --health-$f"
        done
        [[ $stdout == *--no-healthcheck* ]] || die "run --help does not mention --no-healthcheck"
        run_skiff healthcheck --help
        [[ $stdout == *"skiff healthcheck run"* ]] || die "healthcheck --help: $stdout"
        run_skiff healthcheck run --help
        [[ $stdout == *"0 healthy, 1 unhealthy"* ]] || die "healthcheck run --help: $stdout"
        [[ -f $SKIFF_SRCDIR/docs/skiff-healthcheck.1.scd ]]
}

@test "bad health values are refused naming the flag, and create nothing" {
        run_skiff 125 run -d --name bad1 --health-cmd true --health-interval 5x "$CTR_IMAGE" sleep 9
        is "$stderr" ".*--health-interval 5x: expected a duration.*"
        run_skiff 125 run -d --name bad1 --health-cmd true --health-interval 0 "$CTR_IMAGE" sleep 9
        is "$stderr" ".*--health-interval 0: expected a duration above 0 .*or disable"
        run_skiff 125 run -d --name bad1 --health-cmd true --health-timeout 5 "$CTR_IMAGE" sleep 9
        is "$stderr" ".*--health-timeout 5: expected a duration above 0 .*"
        run_skiff 125 run -d --name bad1 --health-cmd true --health-retries 0 "$CTR_IMAGE" sleep 9
        is "$stderr" ".*--health-retries 0: expected a number of 1 or more"
        run_skiff 125 run -d --name bad1 --health-cmd true --health-on-failure explode "$CTR_IMAGE" sleep 9
        is "$stderr" ".*--health-on-failure explode: expected none, kill, restart or stop.*"
        run_skiff 125 run -d --name bad1 --health-cmd '["CMD"' "$CTR_IMAGE" sleep 9
        is "$stderr" '.*--health-cmd \["CMD": a JSON array must be strings naming a command.*'
        run_skiff 125 run -d --name bad1 --health-cmd '["CMD-SHELL"]' "$CTR_IMAGE" sleep 9
        is "$stderr" '.*--health-cmd \["CMD-SHELL"\]: a JSON array must be strings naming a command.*'
        run_skiff 125 run -d --name bad1 --health-cmd '' "$CTR_IMAGE" sleep 9
        is "$stderr" ".*--health-cmd '': expected a command, a JSON array or none"
        run_skiff 125 run -d --name bad1 --health-startup-cmd true "$CTR_IMAGE" sleep 9
        is "$stderr" ".*--health-startup-cmd: needs a health check.*"
        run_skiff 125 run -d --name bad1 --health-cmd true --health-log-destination /nonexistent/dir \
                "$CTR_IMAGE" sleep 9
        is "$stderr" ".*--health-log-destination /nonexistent/dir: not an existing directory.*"
        run_skiff 125 run -d --name bad1 --sdnotify healthy "$CTR_IMAGE" sleep 9
        is "$stderr" ".*--sdnotify=healthy needs a health check \(--health-cmd\) and the container has none \(nor from the image's HEALTHCHECK\)"
        run_skiff 125 run -d --name bad1 --sdnotify healthy --health-cmd none "$CTR_IMAGE" sleep 9
        is "$stderr" ".*--sdnotify=healthy needs a health check.*"
        run_skiff ps -a --format json
        is "$(tr -d ' \n' <<<"$stdout")" "\[\]" "no container was created"
}

@test "a check right at the start: starting, then healthy in inspect (podman's State.Health) and ps" {
        run_ctr run -d --name hok --health-cmd 'echo checked; test -e /tmp/ok' --health-interval 1s \
                "$CTR_IMAGE" sleep 300
        # the first check runs at once (podman), fails, and counts: 1 of 3
        wait_for 10 hok '{{.State.Health.FailingStreak}}' 1
        is "$(health hok)" "starting"
        run_skiff ps
        [[ $stdout == *"(starting)"* ]] || die "ps does not show (starting): $stdout"
        "$SKIFF" exec hok touch /tmp/ok
        wait_for 20 hok '{{.State.Health.Status}}' healthy
        run_skiff ps
        [[ $stdout == *"(healthy)"*hok* ]] || die "ps does not show (healthy): $stdout"
        run_skiff inspect hok --format '{{.State.Health.FailingStreak}} {{json .State.Health.Log}}'
        is "$stdout" '0 \[\{"Start":"[0-9T:.-]+Z","End":"[0-9T:.-]+Z","ExitCode":1,"Output":"checked"\}.*"ExitCode":0,"Output":"checked"\}\]'
        run_skiff inspect hok --format '{{json .Config.Healthcheck}}'
        is "$stdout" '\{"Test":\["CMD-SHELL","echo checked; test -e /tmp/ok"\],"Interval":1000000000,"Timeout":30000000000,"StartPeriod":0,"Retries":3\}'
        run_skiff healthcheck run hok
        is "$stdout" ""
}

@test "a failing check: FailingStreak grows, unhealthy after --health-retries; healthcheck run exits 1" {
        run_ctr run -d --name hbad --health-cmd 'echo no-such-file-$$; test -e /tmp/ok' --health-interval 1s \
                --health-retries 3 --health-max-log-count 2 --health-max-log-size 7 "$CTR_IMAGE" sleep 300
        wait_for 20 hbad '{{.State.Health.FailingStreak}}' 1
        is "$(health hbad)" "starting" "one failure of three: still starting"
        wait_for 20 hbad '{{.State.Health.Status}}' unhealthy
        run_skiff inspect hbad --format '{{.State.Health.FailingStreak}} {{json .State.Health.Log}}'
        # at most 2 results (--health-max-log-count), output cut to 7 bytes (--health-max-log-size)
        is "$stdout" '[3-9] \[\{[^]]*"ExitCode":1,"Output":"no-such"\},\{[^]]*"ExitCode":1,"Output":"no-such"\}\]'
        run_skiff ps
        [[ $stdout == *"(unhealthy)"*hbad* ]] || die "ps does not show (unhealthy): $stdout"
        run_skiff 1 healthcheck run hbad
        is "$stdout" "unhealthy"
        # fixed: a manual run records healthy at once, streak 0
        run_skiff exec hbad touch /tmp/ok
        run_skiff healthcheck run hbad
        run_skiff inspect hbad --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}}'
        is "$stdout" "healthy 0"
}

@test "--health-timeout kills a slow check and counts it as failed" {
        run_ctr run -d --name hslow --health-cmd 'sleep 30' --health-interval disable --health-timeout 1s \
                "$CTR_IMAGE" sleep 300
        start=$SECONDS
        run_skiff 1 healthcheck run hslow
        ((SECONDS - start < 10)) || die "the check ran $((SECONDS - start))s, timeout 1s"
        run_skiff inspect hslow --format '{{json .State.Health.Log}}'
        is "$stdout" '.*"ExitCode":1,"Output":"health check timed out after 1s".*'
        # --health-interval disable: the monitor never ran one of its own
        n=$("$SKIFF" inspect hslow --format '{{json .State.Health.Log}}' | grep -o '"Start"' | wc -l)
        is "$n" 1 "only the manual run is logged"
}

@test "--health-start-period: failures in it are logged but not counted" {
        run_ctr run -d --name hsp --health-cmd false --health-interval 1s --health-retries 1 \
                --health-start-period 1h "$CTR_IMAGE" sleep 300
        run_skiff 1 healthcheck run hsp
        run_skiff 1 healthcheck run hsp
        run_skiff inspect hsp --format '{{.State.Health.Status}} {{.State.Health.FailingStreak}}'
        is "$stdout" "starting 0"
}

@test "--health-on-failure kill, stop and restart are done by the monitor" {
        run_ctr run -d --name hkill --health-cmd false --health-interval 1s --health-retries 1 \
                --health-on-failure kill "$CTR_IMAGE" sleep 300
        run_ctr run -d --name hstop --health-cmd false --health-interval 1s --health-retries 1 \
                --health-on-failure stop --stop-timeout 1 "$CTR_IMAGE" sleep 300
        run_ctr run -d --name hrestart --health-cmd 'test -e /tmp/ok' --health-interval 1s --health-retries 1 \
                --health-on-failure restart --stop-timeout 1 "$CTR_IMAGE" sleep 300
        run_ctr run -d --name hnone --health-cmd false --health-interval 1s --health-retries 1 \
                "$CTR_IMAGE" sleep 300
        wait_for 20 hkill '{{.State.Status}} {{.State.ExitCode}}' "exited 137"
        wait_for 20 hstop '{{.State.Status}}' exited
        wait_for 30 hrestart '{{.RestartCount}} {{.State.Status}}' "1 running"
        wait_for 20 hnone '{{.State.Health.Status}}' unhealthy
        is "$("$SKIFF" inspect hnone --format '{{.State.Status}} {{.RestartCount}}')" "running 0" \
                "--health-on-failure none leaves it running"
        # the restarted container is checked again from "starting"
        "$SKIFF" exec hrestart touch /tmp/ok
        wait_for 20 hrestart '{{.State.Health.Status}}' healthy
        is "$("$SKIFF" inspect hstop --format '{{.RestartCount}}')" 0 "a stop is not restarted"
}

@test "startup check: the regular check starts once it passes; --health-startup-retries restarts" {
        run_ctr run -d --name hsu --health-cmd 'echo regular' --health-interval 1s \
                --health-startup-cmd 'test -e /tmp/started' --health-startup-interval 1s \
                --health-startup-retries 0 "$CTR_IMAGE" sleep 300
        sleep 3
        is "$(health hsu)" "starting" "the startup check has not passed"
        "$SKIFF" exec hsu touch /tmp/started
        wait_for 20 hsu '{{.State.Health.Status}}' healthy
        is "$("$SKIFF" inspect hsu --format '{{.RestartCount}}')" 0

        run_ctr run -d --name hsur --health-cmd true --health-interval 1s --health-startup-cmd false \
                --health-startup-interval 1s --health-startup-retries 2 --stop-timeout 0 "$CTR_IMAGE" sleep 300
        wait_for 30 hsur '{{.RestartCount}}' 1
        is "$(health hsur)" "starting"
}

@test "the image's HEALTHCHECK runs; --no-healthcheck and --health-cmd none turn it off" {
        run_ctr run -d --name himg localhost/bats-hc:latest
        run_skiff inspect himg --format '{{json .Config.Healthcheck.Test}} {{.Config.Healthcheck.Retries}}'
        is "$stdout" '\["CMD-SHELL","test -e /tmp/img-ok"\] 2'
        wait_for 20 himg '{{.State.Health.Status}}' unhealthy
        "$SKIFF" exec himg touch /tmp/img-ok
        wait_for 20 himg '{{.State.Health.Status}}' healthy
        # flags over the image's: the command and the interval
        run_ctr run -d --name himg2 --health-cmd '["true"]' localhost/bats-hc:latest
        run_skiff inspect himg2 --format '{{json .Config.Healthcheck.Test}} {{.Config.Healthcheck.Interval}}'
        is "$stdout" '\["CMD-SHELL","true"\] 30000000000'
        for off in --no-healthcheck "--health-cmd=none"; do
                run_ctr run -d --name hoff "$off" localhost/bats-hc:latest
                run_skiff inspect hoff --format '{{json .State}}'
                [[ $stdout != *Health* ]] || die "$off: a health state: $stdout"
                run_skiff inspect hoff --format '{{json .Config}}'
                [[ $stdout != *Healthcheck* ]] || die "$off: a health check: $stdout"
                run_skiff 125 healthcheck run hoff
                is "$stderr" ".*healthcheck run hoff: the container has no health check"
                run_skiff rm -f -t 0 hoff
        done
}

@test "--health-log-destination DIR gets <id>-healthcheck.log" {
        mkdir -p "$BATS_TEST_TMPDIR/hlog"
        run_ctr run -d --name hdir --health-cmd 'echo to-dir' --health-interval disable \
                --health-log-destination "$BATS_TEST_TMPDIR/hlog" "$CTR_IMAGE" sleep 300
        id=$stdout
        run_skiff healthcheck run hdir
        grep -Eq '"Output": ?"to-dir"' "$BATS_TEST_TMPDIR/hlog/$id-healthcheck.log" ||
                die "no result in $BATS_TEST_TMPDIR/hlog/$id-healthcheck.log"
}

@test "--sdnotify=healthy: MAINPID at start, READY=1 only once the check passed" {
        sock=$BATS_TEST_TMPDIR/notify.sock
        python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            break
        out.write("%.3f %s\n" % (time.time(), m.replace("\n", " ")))
' "$sock" "$BATS_TEST_TMPDIR/notify.log" &
        NOTIFY_PID=$!
        for ((i = 0; i < 50; i++)); do [[ -S $sock ]] && break; sleep 0.1; done
        NOTIFY_SOCKET=$sock run_ctr run -d --name hnot --sdnotify=healthy --health-cmd 'test -e /tmp/ok' \
                --health-interval 1s --health-retries 100 "$CTR_IMAGE" sleep 300
        sleep 3
        grep -q MAINPID= "$BATS_TEST_TMPDIR/notify.log" || die "no MAINPID= from the monitor"
        ! grep -q READY=1 "$BATS_TEST_TMPDIR/notify.log" || die "READY=1 before the container is healthy: $(cat "$BATS_TEST_TMPDIR/notify.log")"
        is "$(health hnot)" "starting"
        monitor=$("$SKIFF" inspect hnot --format '{{.State.ConmonPid}}')
        grep -q "MAINPID=$monitor" "$BATS_TEST_TMPDIR/notify.log" || die "MAINPID is not the monitor ($monitor)"
        "$SKIFF" exec hnot touch /tmp/ok
        wait_for 20 hnot '{{.State.Health.Status}}' healthy
        for ((i = 0; i < 50; i++)); do grep -q READY=1 "$BATS_TEST_TMPDIR/notify.log" && break; sleep 0.1; done
        grep -q "MAINPID=$monitor READY=1" "$BATS_TEST_TMPDIR/notify.log" ||
                die "no READY=1 after healthy: $(cat "$BATS_TEST_TMPDIR/notify.log")"
        is "$(grep -c READY=1 "$BATS_TEST_TMPDIR/notify.log")" 1 "READY=1 once"
        # the unit's StatusText follows the status: starting, then healthy
        is "$(grep -o 'STATUS=[a-z]*' "$BATS_TEST_TMPDIR/notify.log" | tr '\n' ' ')" "STATUS=starting STATUS=healthy "
}

# --- --device, --subuidname/--subgidname (issue 6, point 2) ---

@test "--device HOST[:CONTAINER][:PERMS]: the node in the container, its rule in the devices cgroup" {
        [[ -c /dev/loop-control ]] || skip "no /dev/loop-control on this host"
        # not in the default rules: refused without --device, allowed with it
        run_ctr 1 run --rm "$CTR_IMAGE" sh -c 'ls /dev/loop-control'
        run_ctr run --rm --device /dev/loop-control:/dev/lc:r --device /dev/null:/dev/sub/mynull \
                "$CTR_IMAGE" sh -c 'ls -l /dev/lc /dev/sub/mynull | sed "s/ \+/ /g" | cut -d" " -f1,5,6,10;
                                    : < /dev/lc && echo read-ok; (: > /dev/lc) 2>&1 || echo write-refused'
        is "${lines[0]}" "crw------- 10, 237 /dev/lc"
        is "${lines[1]}" "crw-rw-rw- 1, 3 /dev/sub/mynull"
        is "${lines[2]}" "read-ok"
        is "${lines[3]}" ".*/dev/lc: Operation not permitted"
        is "${lines[4]}" "write-refused"
        run_ctr run --rm --device /dev/loop-control:rw "$CTR_IMAGE" sh -c ': > /dev/loop-control && echo write-ok'
        is "$stdout" "write-ok"
        if [[ -d /sys/fs/cgroup/devices ]]; then
                run_ctr run --rm --device /dev/loop-control:/dev/lc:rw "$CTR_IMAGE" \
                        cat /sys/fs/cgroup/devices/devices.list
                [[ $stdout == *"c 10:237 rw"* ]] || die "no rule for 10:237 in the devices cgroup: $stdout"
        fi
}

@test "--device errors name the value, and create nothing" {
        run_skiff 125 run --rm --device /dev/nonexistent-dev "$CTR_IMAGE" true
        is "$stderr" ".*--device /dev/nonexistent-dev: No such file or directory"
        run_skiff 125 run --rm --device /etc/passwd "$CTR_IMAGE" true
        is "$stderr" ".*--device /etc/passwd: not a device node"
        run_skiff 125 run --rm --device /dev/null:rx "$CTR_IMAGE" true
        is "$stderr" ".*--device /dev/null:rx: \"rx\" is neither an absolute container path nor permissions.*"
        run_skiff 125 run --rm --device dev/null "$CTR_IMAGE" true
        is "$stderr" ".*--device dev/null: the host path must be absolute"
        run_skiff ps -a --format json
        is "$(tr -d ' \n' <<<"$stdout")" "\[\]" "no container was created"
}

@test "--subuidname/--subgidname: the user namespace maps NAME's subordinate ranges" {
        printf 'other:5000:10\nskiffsub:100000:65536\n' >"$BATS_TEST_TMPDIR/subuid"
        printf 'skiffsub:200000:1000\nskiffsub:300000:2000\n' >"$BATS_TEST_TMPDIR/subgid"
        export SKIFF_SUBUID_FILE=$BATS_TEST_TMPDIR/subuid SKIFF_SUBGID_FILE=$BATS_TEST_TMPDIR/subgid
        run_ctr run --rm --subuidname skiffsub --subgidname skiffsub "$CTR_IMAGE" \
                sh -c 'cat /proc/self/uid_map /proc/self/gid_map | tr -s " " | sed "s/^ //"'
        is "${lines[0]}" "0 100000 65536"
        is "${lines[1]}" "0 200000 1000"
        is "${lines[2]}" "1000 300000 2000"
        # one alone names both (as podman)
        printf 'skiffsub:400000:500\n' >"$BATS_TEST_TMPDIR/subgid"
        run_ctr run --rm --subuidname skiffsub "$CTR_IMAGE" sh -c 'cat /proc/self/gid_map | tr -s " "'
        is "$stdout" " ?0 400000 500"
        run_skiff 125 run --rm --subuidname nosuchname "$CTR_IMAGE" true
        is "$stderr" ".*--subuidname nosuchname: no ranges of \"nosuchname\" in $BATS_TEST_TMPDIR/subuid"
        run_skiff 125 run --rm --subuidname skiffsub --uidmap 0:1:1 "$CTR_IMAGE" true
        is "$stderr" ".*--subuidname skiffsub: conflicts with --uidmap/--gidmap"
        run_skiff 125 run --rm --subgidname skiffsub --userns keep-id "$CTR_IMAGE" true
        is "$stderr" ".*--subgidname skiffsub: conflicts with --userns keep-id"
}

# --- image pull --retry, --retry-delay, --policy, --all-tags, --cert-dir, --decryption-key; --module
# (issue 6, point 3). Each test starts its own docker-registry (registry.bash) with a store of its own.

# pull_setup: a registry with app:v1 and app:v2, $REG its port; SKIFF_ROOT of the test's own.
pull_setup() {
        registry_require_tools
        export REGISTRY_PID_DIR=$BATS_TEST_TMPDIR
        export SKIFF_ROOT=$BATS_TEST_TMPDIR/pullroot
        export CONTAINERS_REGISTRIES_CONF=$BATS_TEST_TMPDIR/registries.conf SKIFF_REGISTRIES_CONF_DIR=
        : >"$CONTAINERS_REGISTRIES_CONF"
        image_build "$BATS_TEST_TMPDIR/oci" v1 --label version=1 --layers 1 >/dev/null
        image_build "$BATS_TEST_TMPDIR/oci" v2 --label version=2 --layers 1 >/dev/null
        REG=$(registry_start "$BATS_TEST_TMPDIR/reg")
        image_push "$BATS_TEST_TMPDIR/oci" v1 "$REG" app:v1
        image_push "$BATS_TEST_TMPDIR/oci" v2 "$REG" app:v2
}

@test "image pull --retry N and --retry-delay D: N retries, D apart; --retry 0: none" {
        pull_setup
        layer=$(registry_layer_digests "$REG" app v1 | tail -1)
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --fault "status500:$layer")
        start=$(date +%s%N)
        run_skiff 125 image pull --tls-verify=false --retry 2 --retry-delay 1s "127.0.0.1:$proxy/app:v1"
        elapsed_ms=$((($(date +%s%N) - start) / 1000000))
        is "$(grep -c "GET /v2/app/blobs/$layer 500" "$BATS_TEST_TMPDIR/proxy.log")" 3 "first attempt and 2 retries"
        ((elapsed_ms >= 2000)) || die "2 retries 1s apart took only ${elapsed_ms} ms"
        : >"$BATS_TEST_TMPDIR/proxy.log"
        run_skiff 125 image pull --tls-verify=false --retry 0 "127.0.0.1:$proxy/app:v1"
        is "$(grep -c "GET /v2/app/blobs/$layer 500" "$BATS_TEST_TMPDIR/proxy.log")" 1 "--retry 0: one attempt"
        run_skiff 1 image pull --retry x "127.0.0.1:$proxy/app:v1"
        is "$stderr" "skiff: pull: --retry x: expected a number from 0 to 100"
        run_skiff 1 image pull --retry-delay 5 "127.0.0.1:$proxy/app:v1"
        is "$stderr" "skiff: pull: --retry-delay 5: expected a duration up to 1h.*"
}

@test "image pull --policy missing|never|always|newer" {
        pull_setup
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log")
        ref=127.0.0.1:$proxy/app:v1
        id=$(registry_image_id "$REG" app v1)
        : >"$BATS_TEST_TMPDIR/proxy.log" # the start's probe
        run_skiff 125 image pull --tls-verify=false --policy never "$ref"
        is "$stderr" "skiff: pull $ref: --policy never: the image is not in the store"
        [[ ! -s $BATS_TEST_TMPDIR/proxy.log ]] || die "--policy never asked the registry"
        run_skiff image pull -q --tls-verify=false --policy missing "$ref"
        is "$stdout" "$id"
        grep -q "GET /v2/app/manifests/v1 200" "$BATS_TEST_TMPDIR/proxy.log" || die "missing did not pull"
        : >"$BATS_TEST_TMPDIR/proxy.log"
        for policy in missing never; do
                run_skiff image pull -q --tls-verify=false --policy "$policy" "$ref"
                is "$stdout" "$id"
        done
        [[ ! -s $BATS_TEST_TMPDIR/proxy.log ]] ||
                die "missing/never with the image stored asked the registry: $(cat "$BATS_TEST_TMPDIR/proxy.log")"
        for policy in always newer; do
                : >"$BATS_TEST_TMPDIR/proxy.log"
                run_skiff image pull -q --tls-verify=false --policy "$policy" "$ref"
                is "$stdout" "$id"
                grep -q "GET /v2/app/manifests/v1 200" "$BATS_TEST_TMPDIR/proxy.log" ||
                        die "$policy did not ask the registry"
                ! grep -q "GET /v2/app/blobs/" "$BATS_TEST_TMPDIR/proxy.log" || die "$policy fetched stored blobs again"
        done
        run_skiff 1 image pull --policy sometimes "$ref"
        is "$stderr" "skiff: pull: --policy sometimes: expected always, missing, never or newer"
}

@test "image pull --all-tags pulls every tag of the repository" {
        pull_setup
        run_skiff image pull -q --tls-verify=false --all-tags "127.0.0.1:$REG/app"
        is "${#lines[@]}" 2 "two images pulled"
        is "${lines[0]}" "$(registry_image_id "$REG" app v1)|$(registry_image_id "$REG" app v2)"
        run_skiff images
        [[ $stdout == *"127.0.0.1:$REG/app"*v1* && $stdout == *"127.0.0.1:$REG/app"*v2* ]] ||
                die "not both tags in the store: $stdout"
        run_skiff 1 image pull --tls-verify=false --all-tags "127.0.0.1:$REG/app@sha256:$(printf '%064d' 0)"
        is "$stderr" ".*--all-tags takes a name without a tag or digest"
        run_skiff 1 image pull --all-tags a b
        is "$stderr" "skiff: pull: --all-tags takes exactly one image name"
}

@test "image pull --cert-dir: the directory's CA and client certificate (a TLS registry asking for one)" {
        registry_require_tools
        export REGISTRY_PID_DIR=$BATS_TEST_TMPDIR SKIFF_ROOT=$BATS_TEST_TMPDIR/pullroot
        export CONTAINERS_REGISTRIES_CONF=$BATS_TEST_TMPDIR/registries.conf SKIFF_REGISTRIES_CONF_DIR=
        : >"$CONTAINERS_REGISTRIES_CONF"
        local d=$BATS_TEST_TMPDIR/pki
        mkdir -p "$d" "$BATS_TEST_TMPDIR/certs" "$BATS_TEST_TMPDIR/reg/data"
        (
                cd "$d" || exit 1
                openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=skiff-test-ca &&
                        openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 &&
                        printf 'subjectAltName=IP:127.0.0.1\n' >ext &&
                        openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 2 \
                                -extfile ext &&
                        openssl req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr -subj /CN=skiff-client &&
                        openssl x509 -req -in cli.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out cli.crt -days 2
        ) >/dev/null 2>&1 || die "openssl could not make the test certificates"
        local port
        port=$(registry_free_port)
        printf '%s\n' 'version: 0.1' 'log: {level: error, accesslog: {disabled: true}}' \
                "storage: {filesystem: {rootdirectory: $BATS_TEST_TMPDIR/reg/data}}" \
                "http: {addr: 127.0.0.1:$port, tls: {certificate: $d/srv.crt, key: $d/srv.key, clientcas: [$d/ca.crt]}}" \
                >"$BATS_TEST_TMPDIR/reg/config.yml"
        docker-registry serve "$BATS_TEST_TMPDIR/reg/config.yml" >"$BATS_TEST_TMPDIR/reg/log" 2>&1 </dev/null 3>&- &
        echo $! >>"$BATS_TEST_TMPDIR/.registry-pids"
        for ((i = 0; i < 100; i++)); do
                curl -s -o /dev/null --cacert "$d/ca.crt" --cert "$d/cli.crt" --key "$d/cli.key" \
                        "https://127.0.0.1:$port/v2/" && break
                sleep 0.1
        done
        image_build "$BATS_TEST_TMPDIR/oci" v1 --layers 1 >/dev/null
        cp "$d/ca.crt" "$BATS_TEST_TMPDIR/certs/ca.crt"
        cp "$d/cli.crt" "$BATS_TEST_TMPDIR/certs/client.cert"
        cp "$d/cli.key" "$BATS_TEST_TMPDIR/certs/client.key"
        skopeo copy -q --dest-cert-dir "$BATS_TEST_TMPDIR/certs" "oci:$BATS_TEST_TMPDIR/oci:v1" \
                "docker://127.0.0.1:$port/app:v1" >/dev/null
        # without: the registry's certificate is not trusted
        run_skiff 125 image pull "127.0.0.1:$port/app:v1"
        is "$stderr" ".*(certificate|SSL|TLS).*"
        # the CA alone: trusted, but the registry wants a client certificate
        mkdir -p "$BATS_TEST_TMPDIR/ca-only"
        cp "$d/ca.crt" "$BATS_TEST_TMPDIR/ca-only/"
        run_skiff 125 image pull --cert-dir "$BATS_TEST_TMPDIR/ca-only" "127.0.0.1:$port/app:v1"
        # both: pulled over verified TLS
        run_skiff image pull -q --cert-dir "$BATS_TEST_TMPDIR/certs" "127.0.0.1:$port/app:v1"
        [[ $stdout =~ ^[0-9a-f]{64}$ ]] || die "no image id: $stdout"
        # a key without its certificate, a missing directory
        mkdir -p "$BATS_TEST_TMPDIR/half"
        cp "$d/cli.key" "$BATS_TEST_TMPDIR/half/client.key"
        run_skiff 1 image pull --cert-dir "$BATS_TEST_TMPDIR/half" "127.0.0.1:$port/app:v1"
        is "$stderr" "skiff: pull: --cert-dir $BATS_TEST_TMPDIR/half: client.key has no client.cert"
        run_skiff 1 image pull --cert-dir "$BATS_TEST_TMPDIR/nope" "127.0.0.1:$port/app:v1"
        is "$stderr" "skiff: pull: --cert-dir $BATS_TEST_TMPDIR/nope: No such file or directory"
}

@test "image pull --decryption-key: checked; plain images pull, an encrypted layer is refused by name" {
        pull_setup
        openssl genrsa -out "$BATS_TEST_TMPDIR/key.pem" 2048 >/dev/null 2>&1
        run_skiff 1 image pull --decryption-key "$BATS_TEST_TMPDIR/nokey.pem" "127.0.0.1:$REG/app:v1"
        is "$stderr" "skiff: pull: --decryption-key $BATS_TEST_TMPDIR/nokey.pem: No such file or directory"
        run_skiff image pull -q --tls-verify=false --decryption-key "$BATS_TEST_TMPDIR/key.pem" "127.0.0.1:$REG/app:v1"
        is "$stdout" "$(registry_image_id "$REG" app v1)"
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --fault "encrypted:/manifests/")
        run_skiff 125 image pull --tls-verify=false --decryption-key "$BATS_TEST_TMPDIR/key.pem" \
                "127.0.0.1:$proxy/app:v2"
        is "${stderr##*$'\n'}" ".*layers\[0\].mediaType: the layer is encrypted \('application/vnd.oci.image.layer.v1.tar\+gzip\+encrypted'\): skiff cannot decrypt ocicrypt layers"
}

@test "--module FILE: found as podman finds it and parsed, or one clear error" {
        export HOME=$BATS_TEST_TMPDIR/home XDG_CONFIG_HOME=
        mkdir -p "$HOME/.config/containers/containers.conf.modules"
        printf '[containers]\npids_limit = 100\n' >"$HOME/.config/containers/containers.conf.modules/ok.conf"
        run_skiff --module ok.conf ps -a -q
        run_skiff --module "$HOME/.config/containers/containers.conf.modules/ok.conf" ps -a -q
        run_skiff 125 --module missing.conf ps
        is "$stderr" "skiff: --module missing.conf: not found in $HOME/.config/containers/containers.conf.modules, /etc/containers/containers.conf.modules, /usr/share/containers/containers.conf.modules"
        run_skiff 125 --module /nonexistent/mod.conf ps
        is "$stderr" "skiff: --module /nonexistent/mod.conf: No such file or directory"
        printf '[containers\n' >"$BATS_TEST_TMPDIR/bad.conf"
        run_skiff 125 --module "$BATS_TEST_TMPDIR/bad.conf" ps
        is "$stderr" "skiff: --module $BATS_TEST_TMPDIR/bad.conf: $BATS_TEST_TMPDIR/bad.conf:1:12: .*"
}
