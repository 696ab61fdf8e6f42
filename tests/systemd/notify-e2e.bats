#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Issue 7, supervision under systemd, end to end: units run by a real standalone `systemd --user`
# (user-manager.bash) as the unprivileged test user, rootless. What systemd itself sees is checked, not
# what skiff says about itself:
#   - a unit for a 2-container pod (a quadlet `.kube` turned into a unit by skiff-generator, and a
#     `generate systemd --new` unit) is `active` only once both containers run: `systemctl start` (which
#     returns when the job is done, i.e. at READY=1) is followed at once by a look at the pod, and every
#     container's start time is before the unit's ActiveEnterTimestamp;
#   - the unit's MainPID is the pod's supervisor and its StatusText counts the running containers;
#   - `systemctl stop` ends the pod within its grace period: no container process, no pod record, no
#     process in the unit's cgroup is left;
#   - a `.container` unit whose container crashes fails with the container's exit code (Result=exit-code,
#     status=N in the manager's log), and `Restart=on-failure` (a drop-in with RestartSec=1) brings it back.

load user-manager

E2E_IMAGE=localhost/busybox:notify

setup() {
        user_manager_require
        local gen=${SKIFF_GENERATOR:-${SKIFF_BUILDDIR:+$SKIFF_BUILDDIR/src/systemd-generator/skiff-generator}}
        [[ -n $gen && -x $gen ]] || skip "needs skiff-generator: not built${gen:+ at $gen}"
        [[ -n ${SKIFF:-} && -x $SKIFF ]] || skip "SKIFF is not set to the skiff binary"
        "$SKIFF" kube play --help 2>&1 | grep -q -- --service-container ||
                skip "this skiff has no kube play --service-container"
        # The generator writes this skiff into ExecStart= (its run-time override of the install path).
        export SKIFF_GENERATOR_BINARY=$SKIFF
        user_manager_setup
        Q=$UM_CONFIG_HOME/containers/systemd
        U=$UM_CONFIG_HOME/systemd/user
}

teardown() {
        if [[ -n ${UM_ROOT:-} ]]; then
                if [[ -n $UM_PID ]]; then
                        user_systemctl stop pod2.service pod-ntfy2.service crash.service wd.service jl.service rdy.service nrdy.service hl.service nhl.service \
                                ecp.service all1.service all2.service none.service st.service pj.service \
                                >/dev/null 2>&1 || true
                fi
                stop_journal_recorder
                if [[ -z $BATS_TEST_COMPLETED ]]; then
                        echo "# manager and unit output ($UM_LOG):" >&2
                        sed 's/^/#   /' "$UM_LOG" >&2 || true
                fi
                user_exec "$SKIFF" pod rm -f --ignore ntfy2 ntfy-rdy ntfy-nrdy ntfy-ecp ntfy-all1 ntfy-all2 ntfy-none ntfy-st ntfy-pj >/dev/null 2>&1 || true
                user_exec "$SKIFF" rm -f --ignore ntfy-crash ntfy-wd ntfy-jl ntfy-hl ntfy-nhl >/dev/null 2>&1 || true
                user_manager_stop
        fi
}

skiff_as_user() {
        user_exec "$SKIFF" "$@"
}

show() {
        user_systemctl show -P "$2" "$1"
}

load_image() {
        "$BATS_TEST_DIRNAME/make-image.sh" "$UM_ROOT/busybox.tar" "$E2E_IMAGE"
        chown "$UM_UID:$UM_GID" "$UM_ROOT/busybox.tar"
        run skiff_as_user image load -i "$UM_ROOT/busybox.tar"
        echo "$output"
        [[ $status == 0 ]]
}

# as_user_file PATH CONTENT: a file owned by the test user.
as_user_file() {
        mkdir -p "$(dirname "$1")"
        printf '%s\n' "$2" >"$1"
        chown -R "$UM_UID:$UM_GID" "$UM_HOME"
}

# The 2-container pod. "slow" sleeps before it execs its long-running command, so a READY=1 sent when
# the processes were merely forked would still be told apart from one sent once both run (both
# containers are `running` either way: the check is on startedAt against ActiveEnterTimestamp, and on
# state right after `systemctl start` returns). "stubborn" ignores SIGTERM (PID 1 of its namespace,
# sleep has no handler), so stop needs the grace period's SIGKILL: the stop must still end within
# terminationGracePeriodSeconds plus a margin, long before TimeoutStopSec.
pod_yaml() {
        cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  terminationGracePeriodSeconds: 3
  containers:
  - name: web
    image: $E2E_IMAGE
    imagePullPolicy: Never
    command: [sh, -c, 'mkdir -p /www && echo up > /www/index.html && exec httpd -f -p 8089 -h /www']
  - name: stubborn
    image: $E2E_IMAGE
    imagePullPolicy: Never
    command: [sleep, '100000']
EOF
}

# pod_json POD: `skiff pod inspect POD` as the user (a JSON array of one pod).
pod_json() {
        skiff_as_user pod inspect "$1"
}

# check_up_at_active UNIT POD: the unit is active, both containers run, each started before the unit
# became active, the unit's main process is the pod's supervisor and its status counts the containers.
# Sets SUP (the supervisor's pid) and CPIDS (the containers' pids).
check_up_at_active() {
        local unit=$1 pod=$2 json active main status
        # No wait: `systemctl start` returned, so the start job is done.
        json=$(pod_json "$pod")
        active=$(user_systemctl show --timestamp=us+utc -P ActiveEnterTimestamp "$unit")
        main=$(show "$unit" MainPID)
        status=$(show "$unit" StatusText)
        echo "ActiveEnterTimestamp '$active', MainPID $main, StatusText '$status'"
        [[ $(show "$unit" ActiveState) == active ]]
        local out
        out=$(POD_JSON=$json python3 - "$active" <<'EOF'
import json, os, sys, datetime
active = sys.argv[1]                      # "Mon 2026-11-23 16:20:01.123456 UTC"
parts = active.split()
t_active = datetime.datetime.strptime(parts[1] + " " + parts[2], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
p = json.loads(os.environ["POD_JSON"])[0]
st = p["state"]
print("status", st["status"])
print("supervisor", st["supervisorPid"])
bad = 0
for c in st["containers"]:
    s = c.get("startedAt") or ""
    # RFC 3339 with nanoseconds: keep microseconds for datetime
    base, frac = (s[:-1].split(".") + ["0"])[:2] if s.endswith("Z") else (s, "0")
    t = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=int((frac + "000000")[:6]))
    ok = c.get("state") == "running" and c.get("pid", 0) > 0 and t <= t_active
    print("container", c["name"], c.get("state"), c.get("pid"), s, "ok" if ok else "NOT-UP-AT-ACTIVE")
    bad += not ok
print("pids", " ".join(str(c.get("pid", 0)) for c in st["containers"]))
sys.exit(1 if bad or len(st["containers"]) != 2 else 0)
EOF
        ) || {
                echo "$out"
                echo "$json"
                return 1
        }
        echo "$out"
        [[ $out == *"status Running"* ]]
        SUP=$(sed -n 's/^supervisor //p' <<<"$out")
        CPIDS=$(sed -n 's/^pids //p' <<<"$out")
        ((main > 0))
        [[ $main == "$SUP" ]] || {
                echo "MainPID $main is not the supervisor $SUP" >&2
                return 1
        }
        # The supervisor is in the unit's cgroup (systemd tracks it), not in some other scope.
        grep -q "/$unit\$" "/proc/$main/cgroup"
        # STATUS= counts the running containers.
        [[ $status == "2/2 containers running" ]] || {
                echo "StatusText '$status', expected '2/2 containers running'" >&2
                return 1
        }
}

# check_stop_clean UNIT POD: `systemctl stop` ends the unit within the grace period (3 s) plus a margin,
# and leaves no process, record or cgroup of the pod behind.
check_stop_clean() {
        local unit=$1 pod=$2 t0 t1 ms p cg
        cg=$(grep -m1 "/$unit\$" "/proc/$SUP/cgroup" | cut -d: -f3)
        t0=$(date +%s%N)
        user_systemctl stop "$unit"
        t1=$(date +%s%N)
        ms=$(((t1 - t0) / 1000000))
        echo "systemctl stop $unit: ${ms} ms"
        # grace 3 s, then SIGKILL; 10 s of margin for a loaded 2-core machine (and ASan), far below the
        # 90 s TimeoutStopSec default, at which systemd would have SIGKILLed everything itself.
        ((ms < 13000))
        [[ $(show "$unit" ActiveState) == inactive ]]
        [[ $(show "$unit" Result) == success ]]
        # The stop was the supervisor's work, not systemd's final SIGKILL.
        ! grep -q "$unit: State 'stop-sigterm' timed out" "$UM_LOG"
        ! grep -q "$unit: Killing process .* with signal SIGKILL" "$UM_LOG"
        for p in $SUP $CPIDS; do
                if kill -0 "$p" 2>/dev/null; then
                        echo "process $p ($(tr '\0' ' ' <"/proc/$p/cmdline")) still runs after stop" >&2
                        return 1
                fi
        done
        run pod_json "$pod"
        [[ $status != 0 ]]
        run skiff_as_user ps -a --format json
        [[ $output != *"\"$pod-web\""* && $output != *"\"$pod-stubborn\""* ]]
        # The unit's cgroup (name=systemd, as the manager sees it) is gone or empty.
        local d
        for d in /sys/fs/cgroup/systemd$cg /sys/fs/cgroup/unified$cg; do
                if [[ -d $d ]] && [[ -n $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null) ]]; then
                        echo "processes left in $d:" >&2
                        find "$d" -name cgroup.procs -exec cat {} + >&2
                        return 1
                fi
        done
}

@test ".kube unit of a 2-container pod: active once both run, supervisor is MainPID with a STATUS, stop leaves nothing" {
        load_image
        as_user_file "$Q/pod2.yaml" "$(pod_yaml ntfy2)"
        as_user_file "$Q/pod2.kube" "[Kube]
Yaml=pod2.yaml"
        user_manager_start
        [[ $(show pod2.service Type) == notify ]]

        run user_systemctl start pod2.service
        echo "$output"
        [[ $status == 0 ]]
        check_up_at_active pod2.service ntfy2
        # `systemctl status` shows the same, as users read it.
        run user_systemctl status pod2.service
        echo "$output"
        [[ $output == *"Main PID: $SUP "* ]]
        [[ $output == *'Status: "2/2 containers running"'* ]]
        check_stop_clean pod2.service ntfy2
}

@test "generate systemd --new unit of a played 2-container pod: active once both run, stop leaves nothing" {
        load_image
        as_user_file "$UM_HOME/ntfy2.yaml" "$(pod_yaml ntfy2)"
        mkdir -p "$UM_HOME/units"
        chown "$UM_UID:$UM_GID" "$UM_HOME/units"
        user_manager_start
        run skiff_as_user kube play "$UM_HOME/ntfy2.yaml"
        echo "$output"
        [[ $status == 0 ]]
        run user_exec sh -c "cd '$UM_HOME/units' && '$SKIFF' generate systemd --new --files --name ntfy2"
        echo "$output"
        [[ $status == 0 ]]
        user_exec cp "$UM_HOME/units/pod-ntfy2.service" "$U/"
        # The unit replaces the hand-played pod with its own.
        user_systemctl daemon-reload
        [[ $(show pod-ntfy2.service Type) == notify ]]

        run user_systemctl start pod-ntfy2.service
        echo "$output"
        [[ $status == 0 ]]
        check_up_at_active pod-ntfy2.service ntfy2
        check_stop_clean pod-ntfy2.service ntfy2
}

@test ".container unit: a crash fails it with the exit code, Restart=on-failure brings it back" {
        load_image
        # First start: runs a moment, then exits 3. Later starts run on (the marker is in a bind mount
        # of the user's, kept across restarts).
        mkdir -p "$UM_HOME/state"
        as_user_file "$Q/crash.container" "[Container]
Image=$E2E_IMAGE
ContainerName=ntfy-crash
Pull=never
Volume=$UM_HOME/state:/state
Exec=sh -c 'if [ -e /state/crashed ]; then exec sleep 100000; fi; touch /state/crashed; sleep 1; exit 3'"
        as_user_file "$Q/crash.container.d/10-restart.conf" "[Service]
Restart=on-failure
RestartSec=1"
        user_manager_start
        [[ $(show crash.service Restart) == on-failure ]]

        run user_systemctl start crash.service
        echo "$output"
        [[ $status == 0 ]]
        local first
        first=$(show crash.service MainPID)
        ((first > 0))
        # The crash: systemd sees the main process exit with the container's 3 and the unit fail.
        local i
        for ((i = 0; i < 300; i++)); do
                [[ $(show crash.service NRestarts) -ge 1 ]] && break
                sleep 0.1
        done
        [[ $(show crash.service NRestarts) == 1 ]]
        grep -E "crash.service: Main process exited, code=exited, status=3" "$UM_LOG"
        grep -E "crash.service: Failed with result 'exit-code'" "$UM_LOG"
        # ... and restarts it: active again, a new main process, the container running.
        user_wait_state crash.service active 30
        local second
        second=$(show crash.service MainPID)
        ((second > 0 && second != first))
        run skiff_as_user inspect --format '{{.State.Status}}' ntfy-crash
        echo "$output"
        [[ $output == running ]]
        [[ -e $UM_HOME/state/crashed ]]
        [[ $(show crash.service NRestarts) == 1 ]]

        user_systemctl stop crash.service
        [[ $(show crash.service ActiveState) == inactive ]]
        run skiff_as_user ps -a --format json
        [[ $output != *'"ntfy-crash"'* ]]
}

@test ".container unit with WatchdogSec=2: the monitor pings, the unit stays up past the timeout" {
        load_image
        as_user_file "$Q/wd.container" "[Container]
Image=$E2E_IMAGE
ContainerName=ntfy-wd
Pull=never
Exec=sleep 100000

[Service]
WatchdogSec=2"
        user_manager_start
        user_systemctl cat wd.service

        run user_systemctl start wd.service
        echo "$output"
        [[ $status == 0 ]]
        local main ping1 ping2
        main=$(show wd.service MainPID)
        ((main > 0))
        run show wd.service WatchdogUSec
        echo "WatchdogUSec $output"
        [[ $output == 2s ]]
        # The pings, as systemd records them: the last one's time moves on.
        sleep 1.5
        ping1=$(show wd.service WatchdogTimestampMonotonic)
        sleep 1.5
        ping2=$(show wd.service WatchdogTimestampMonotonic)
        echo "WatchdogTimestampMonotonic $ping1 then $ping2"
        ((ping1 > 0 && ping2 > ping1))
        # Three timeouts later the same main process runs: no watchdog kill, no restart.
        sleep 3
        [[ $(show wd.service ActiveState) == active ]]
        [[ $(show wd.service MainPID) == "$main" ]]
        [[ $(show wd.service NRestarts) == 0 ]]
        ! grep -q "wd.service: Watchdog timeout" "$UM_LOG"

        user_systemctl stop wd.service
        [[ $(show wd.service Result) == success ]]
        run skiff_as_user ps -a --format json
        [[ $output != *'"ntfy-wd"'* ]]
}

# The host has no systemd-journald (and the standalone manager's namespace hides /run/systemd anyway):
# journal-recorder.py binds /run/systemd/journal/socket inside the manager's mount namespace, where
# units (and so skiff's monitor) look for it, and records what arrives, as journald would receive it.
start_journal_recorder() {
        JOURNAL_OUT=$UM_ROOT/journal.jsonl
        : >"$JOURNAL_OUT"
        nsenter --target "$UM_PID" --mount -- mkdir -p /run/systemd/journal
        nsenter --target "$UM_PID" --mount -- "$BATS_TEST_DIRNAME/journal-recorder.py" \
                /run/systemd/journal/socket "$JOURNAL_OUT" 3>&- &
        JOURNAL_PID=$!
        local i
        for ((i = 0; i < 100; i++)); do
                nsenter --target "$UM_PID" --mount -- test -S /run/systemd/journal/socket && return 0
                sleep 0.05
        done
        echo "journal-recorder did not bind /run/systemd/journal/socket" >&2
        return 1
}

stop_journal_recorder() {
        if [[ -n ${JOURNAL_PID:-} ]]; then
                kill "$JOURNAL_PID" 2>/dev/null || true
                wait "$JOURNAL_PID" 2>/dev/null || true
                JOURNAL_PID=
        fi
}

@test ".container unit with LogDriver=journald: each line reaches the journal socket with the container's fields, from the unit's cgroup" {
        load_image
        as_user_file "$Q/jl.container" "[Container]
Image=$E2E_IMAGE
ContainerName=ntfy-jl
Pull=never
LogDriver=journald
Exec=sh -c 'echo hello-journal; echo oops-journal >&2; exec sleep 100000'"
        user_manager_start
        start_journal_recorder
        run user_systemctl start jl.service
        echo "$output"
        [[ $status == 0 ]]
        local id i
        id=$(skiff_as_user inspect --format '{{.Id}}' ntfy-jl)
        [[ ${#id} == 64 ]]
        for ((i = 0; i < 100; i++)); do
                grep -q oops-journal "$JOURNAL_OUT" && grep -q hello-journal "$JOURNAL_OUT" && break
                sleep 0.05
        done
        cat "$JOURNAL_OUT"
        run python3 - "$JOURNAL_OUT" "$id" <<'PY'
import json, sys
path, cid = sys.argv[1], sys.argv[2]
entries = [json.loads(l) for l in open(path)]
want = {"hello-journal": "6", "oops-journal": "3"}
bad = 0
for msg, prio in want.items():
    es = [e for e in entries if e.get("MESSAGE") == msg]
    if len(es) != 1:
        print(f"{msg}: {len(es)} entries"); bad += 1; continue
    e = es[0]
    exp = {"CONTAINER_NAME": "ntfy-jl", "CONTAINER_ID": cid[:12], "CONTAINER_ID_FULL": cid,
           "SYSLOG_IDENTIFIER": "ntfy-jl", "PRIORITY": prio}
    for k, v in exp.items():
        if e.get(k) != v:
            print(f"{msg}: {k}={e.get(k)!r}, expected {v!r}"); bad += 1
    # journald derives _SYSTEMD_USER_UNIT from the sender's cgroup: it must be the unit's.
    if not any(l.endswith("/jl.service") for l in e["_CGROUPS"].splitlines()):
        print(f"{msg}: sender {e['_PID']} is not in jl.service: {e['_CGROUPS']!r}"); bad += 1
sys.exit(1 if bad else 0)
PY
        echo "$output"
        [[ $status == 0 ]]
        user_systemctl stop jl.service
        stop_journal_recorder
}

# ready_yaml POD DELAY: one container whose readiness probe passes DELAY seconds after it started
# (never, for DELAY "never"), and a second one without a probe.
ready_yaml() {
        local touch
        if [[ $2 == never ]]; then
                touch="exec sleep 100000"
        else
                touch="sleep $2; touch /tmp/ready; exec sleep 100000"
        fi
        cat <<EOF2
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: app
    image: $E2E_IMAGE
    imagePullPolicy: Never
    command: [sh, -c, "trap 'exit 0' TERM; $touch"]
    readinessProbe:
      exec:
        command: [test, -e, /tmp/ready]
      periodSeconds: 1
  - name: side
    image: $E2E_IMAGE
    imagePullPolicy: Never
    command: [sleep, '100000']
EOF2
}

@test ".kube unit with kube play --wait: active only once the readiness probe passes" {
        load_image
        as_user_file "$Q/rdy.yaml" "$(ready_yaml ntfy-rdy 3)"
        as_user_file "$Q/rdy.kube" "[Kube]
Yaml=rdy.yaml
PodmanArgs=--wait"
        user_manager_start
        run user_systemctl cat rdy.service
        [[ $output == *"kube play "*"--wait"* ]]

        run user_systemctl start rdy.service
        echo "$output"
        [[ $status == 0 ]]
        local json ready start active
        json=$(pod_json ntfy-rdy)
        ready=$(python3 -c 'import json,sys; print(" ".join("%s=%s" % (c["name"], c["ready"]) for c in json.load(sys.stdin)[0]["state"]["containers"]))' <<<"$json")
        echo "at active: $ready"
        [[ $ready == "app=True side=True" ]]
        start=$(show rdy.service InactiveExitTimestampMonotonic)
        active=$(show rdy.service ActiveEnterTimestampMonotonic)
        echo "InactiveExit $start, ActiveEnter $active: $(((active - start) / 1000)) ms"
        # The probe passes 3 s after the container started: not before.
        ((active - start >= 3000000))
        [[ $(show rdy.service MainPID) == "$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["state"]["supervisorPid"])' <<<"$json")" ]]
        user_systemctl stop rdy.service
        run pod_json ntfy-rdy
        [[ $status != 0 ]]
}

@test ".kube unit with kube play --wait: a probe that never passes keeps it activating, then it fails at TimeoutStartSec" {
        load_image
        as_user_file "$Q/nrdy.yaml" "$(ready_yaml ntfy-nrdy never)"
        as_user_file "$Q/nrdy.kube" "[Kube]
Yaml=nrdy.yaml
PodmanArgs=--wait

[Service]
TimeoutStartSec=5"
        user_manager_start
        user_systemctl start --no-block nrdy.service
        # Up but not ready: the containers run, the unit waits.
        local i st
        for ((i = 0; i < 100; i++)); do
                st=$(pod_json ntfy-nrdy 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["state"]["status"])' 2>/dev/null) || st=
                [[ $st == Running ]] && break
                sleep 0.05
        done
        echo "pod status: $st"
        sleep 2
        [[ $(show nrdy.service ActiveState) == activating ]]
        [[ $(pod_json ntfy-nrdy | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["state"]["containers"][0]["ready"])') == False ]]
        # TimeoutStartSec=5 (from the start, 2+ s ago): failed with Result=timeout within a margin.
        user_wait_state nrdy.service failed 20 || true
        [[ $(show nrdy.service ActiveState) == failed ]]
        [[ $(show nrdy.service Result) == timeout ]]
        grep -q "nrdy.service: start operation timed out" "$UM_LOG"
        # ... and nothing of the pod is left.
        for ((i = 0; i < 100; i++)); do
                pod_json ntfy-nrdy >/dev/null 2>&1 || break
                sleep 0.1
        done
        run pod_json ntfy-nrdy
        [[ $status != 0 ]]
        run skiff_as_user ps -a --format json
        [[ $output != *'"ntfy-nrdy-'* ]]
}

# health_unit NAME DELAY: a .container with Notify=healthy whose HealthCmd passes DELAY seconds after the
# start ("never": never).
health_unit() {
        local run
        if [[ $2 == never ]]; then
                run="exec sleep 100000"
        else
                run="sleep $2; touch /tmp/ok; exec sleep 100000"
        fi
        as_user_file "$Q/$1.container" "[Container]
Image=$E2E_IMAGE
ContainerName=ntfy-$1
Pull=never
Exec=sh -c '$run'
HealthCmd=test -e /tmp/ok
HealthInterval=1s
HealthRetries=2
Notify=healthy

[Service]
TimeoutStartSec=${3:-90}"
}

@test ".container unit with Notify=healthy: active only once HealthCmd passes" {
        load_image
        health_unit hl 3
        user_manager_start
        run user_systemctl cat hl.service
        [[ $output == *"--sdnotify=healthy"*"--health-cmd"* ]]

        run user_systemctl start hl.service
        echo "$output"
        [[ $status == 0 ]]
        local start active health
        start=$(show hl.service InactiveExitTimestampMonotonic)
        active=$(show hl.service ActiveEnterTimestampMonotonic)
        health=$(skiff_as_user inspect --format json ntfy-hl | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Health"]["Status"])')
        echo "InactiveExit $start, ActiveEnter $active: $(((active - start) / 1000)) ms; health $health; StatusText '$(show hl.service StatusText)'"
        [[ $health == healthy ]]
        # healthy 3 s after the start at the earliest (it was unhealthy before: 2 failed checks)
        ((active - start >= 3000000))
        [[ $(show hl.service StatusText) == healthy ]]
        [[ $(show hl.service MainPID) == "$(skiff_as_user inspect --format '{{.State.ConmonPid}}' ntfy-hl)" ]]
        user_systemctl stop hl.service
        run skiff_as_user ps -a --format json
        [[ $output != *'"ntfy-hl"'* ]]
}

@test ".container unit with Notify=healthy: a check that never passes keeps it activating, then it fails at TimeoutStartSec" {
        load_image
        health_unit nhl never 5
        user_manager_start
        user_systemctl start --no-block nhl.service
        local i st=
        for ((i = 0; i < 100; i++)); do
                st=$(skiff_as_user inspect --format '{{.State.Status}}' ntfy-nhl 2>/dev/null) || st=
                [[ $st == running ]] && break
                sleep 0.05
        done
        [[ $st == running ]]
        sleep 3
        # running, checked, unhealthy, and the unit still waits
        [[ $(show nhl.service ActiveState) == activating ]]
        run skiff_as_user inspect --format json ntfy-nhl
        [[ $(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Health"]["Status"])' <<<"$output") == unhealthy ]]
        [[ $(show nhl.service StatusText) == unhealthy ]]
        user_wait_state nhl.service failed 20 || true
        [[ $(show nhl.service ActiveState) == failed ]]
        [[ $(show nhl.service Result) == timeout ]]
        for ((i = 0; i < 100; i++)); do
                skiff_as_user inspect ntfy-nhl >/dev/null 2>&1 || break
                sleep 0.1
        done
        run skiff_as_user ps -a --format json
        [[ $output != *'"ntfy-nhl"'* ]]
}

# exit_yaml POD CMD_A CMD_B: a restartPolicy Never pod of two containers running the given shell commands,
# with the user's $UM_HOME/state as /state.
exit_yaml() {
        cat <<EOF2
apiVersion: v1
kind: Pod
metadata:
  name: $1
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  containers:
  - name: a
    image: $E2E_IMAGE
    imagePullPolicy: Never
    command: [sh, -c, "$2"]
    volumeMounts: [{name: state, mountPath: /state}]
  - name: b
    image: $E2E_IMAGE
    imagePullPolicy: Never
    command: [sh, -c, "$3"]
  volumes:
  - name: state
    hostPath: {path: $UM_HOME/state, type: Directory}
EOF2
}

@test ".kube unit with ExitCodePropagation=any: a failed container fails the unit with its code, Restart=on-failure brings it back" {
        load_image
        mkdir -p "$UM_HOME/state"
        # a: exits 3 the first time, runs on afterwards; b: done with 0 after 2 s
        as_user_file "$Q/ecp.yaml" "$(exit_yaml ntfy-ecp \
                "if [ -e /state/failed ]; then exec sleep 100000; fi; touch /state/failed; sleep 1; exit 3" \
                "sleep 2; exit 0")"
        as_user_file "$Q/ecp.kube" "[Kube]
Yaml=ecp.yaml
ExitCodePropagation=any

[Service]
Restart=on-failure
RestartSec=1"
        user_manager_start
        run user_systemctl cat ecp.service
        [[ $output == *"--service-exit-code-propagation=any"* ]]
        run user_systemctl start ecp.service
        echo "$output"
        [[ $status == 0 ]]
        local first i
        first=$(show ecp.service MainPID)
        for ((i = 0; i < 300; i++)); do
                [[ $(show ecp.service NRestarts) -ge 1 ]] && break
                sleep 0.1
        done
        [[ $(show ecp.service NRestarts) == 1 ]]
        grep -E "ecp.service: Main process exited, code=exited, status=3" "$UM_LOG"
        grep -E "ecp.service: Failed with result 'exit-code'" "$UM_LOG"
        user_wait_state ecp.service active 30
        local second
        second=$(show ecp.service MainPID)
        ((second > 0 && second != first))
        run pod_json ntfy-ecp
        [[ $status == 0 ]]
        [[ $(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["state"]["supervisorPid"])' <<<"$output") == "$second" ]]
        user_systemctl stop ecp.service
        [[ $(show ecp.service Result) == success ]]
        run pod_json ntfy-ecp
        [[ $status != 0 ]]
}

@test ".kube units with ExitCodePropagation=all and none: what the unit ends with" {
        load_image
        mkdir -p "$UM_HOME/state"
        # all, one of two failed: success; all, both failed: the first one's code; none, both failed: success
        as_user_file "$Q/all1.yaml" "$(exit_yaml ntfy-all1 "sleep 1; exit 3" "sleep 1; exit 0")"
        as_user_file "$Q/all2.yaml" "$(exit_yaml ntfy-all2 "sleep 1; exit 3" "sleep 1; exit 4")"
        as_user_file "$Q/none.yaml" "$(exit_yaml ntfy-none "sleep 1; exit 3" "sleep 1; exit 4")"
        local u
        for u in all1:all all2:all none:none; do
                as_user_file "$Q/${u%%:*}.kube" "[Kube]
Yaml=${u%%:*}.yaml
ExitCodePropagation=${u#*:}"
        done
        user_manager_start
        user_systemctl start all1.service all2.service none.service
        user_wait_state all1.service inactive 30
        user_wait_state none.service inactive 30
        user_wait_state all2.service failed 30
        [[ $(show all1.service Result) == success ]]
        [[ $(show none.service Result) == success ]]
        [[ $(show all2.service Result) == exit-code ]]
        grep -E "all2.service: Main process exited, code=exited, status=3" "$UM_LOG"
        ! grep -E "(all1|none).service: Main process exited, code=exited, status=[1-9]" "$UM_LOG"
        # ExecStopPost (kube down) removed all three
        local p
        for p in ntfy-all1 ntfy-all2 ntfy-none; do
                run pod_json $p
                [[ $status != 0 ]]
        done
}

@test ".kube unit: STATUS follows the pod (a restart is counted), WatchdogSec=2 pings keep it up" {
        load_image
        mkdir -p "$UM_HOME/state"
        # restartPolicy Always (the default), a crashes once: the supervisor restarts it (back-off scaled down)
        as_user_file "$Q/st.yaml" "apiVersion: v1
kind: Pod
metadata:
  name: ntfy-st
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: a
    image: $E2E_IMAGE
    imagePullPolicy: Never
    command: [sh, -c, 'if [ -e /state/crashed ]; then exec sleep 100000; fi; touch /state/crashed; sleep 2; exit 5']
    volumeMounts: [{name: state, mountPath: /state}]
  - name: b
    image: $E2E_IMAGE
    imagePullPolicy: Never
    command: [sleep, '100000']
  volumes:
  - name: state
    hostPath: {path: $UM_HOME/state, type: Directory}"
        as_user_file "$Q/st.kube" "[Kube]
Yaml=st.yaml

[Service]
WatchdogSec=2"
        export SKIFF_TEST_BACKOFF_MS=300
        user_manager_start
        run user_systemctl start st.service
        echo "$output"
        [[ $status == 0 ]]
        local main i st ping1 ping2
        main=$(show st.service MainPID)
        [[ $(show st.service StatusText) == "2/2 containers running" ]]
        for ((i = 0; i < 200; i++)); do
                st=$(show st.service StatusText)
                [[ $st == "2/2 containers running, 1 restart" ]] && break
                sleep 0.05
        done
        echo "StatusText after the crash: '$st'"
        [[ $st == "2/2 containers running, 1 restart" ]]
        ping1=$(show st.service WatchdogTimestampMonotonic)
        sleep 2.5
        ping2=$(show st.service WatchdogTimestampMonotonic)
        echo "WatchdogTimestampMonotonic $ping1 then $ping2"
        ((ping1 > 0 && ping2 > ping1))
        sleep 2
        [[ $(show st.service ActiveState) == active ]]
        [[ $(show st.service MainPID) == "$main" ]]
        ! grep -q "st.service: Watchdog timeout" "$UM_LOG"
        user_systemctl stop st.service
        [[ $(show st.service Result) == success ]]
}

@test ".kube unit with LogDriver=journald: the pod's lines reach the journal socket with container and pod fields" {
        load_image
        as_user_file "$Q/pj.yaml" "apiVersion: v1
kind: Pod
metadata:
  name: ntfy-pj
spec:
  containers:
  - name: talk
    image: $E2E_IMAGE
    imagePullPolicy: Never
    command: [sh, -c, 'echo pod-hello; echo pod-oops >&2; exec sleep 100000']"
        as_user_file "$Q/pj.kube" "[Kube]
Yaml=pj.yaml
LogDriver=journald"
        user_manager_start
        start_journal_recorder
        run user_systemctl start pj.service
        echo "$output"
        [[ $status == 0 ]]
        local i podid cid
        for ((i = 0; i < 100; i++)); do
                grep -q pod-oops "$JOURNAL_OUT" && grep -q pod-hello "$JOURNAL_OUT" && break
                sleep 0.05
        done
        cat "$JOURNAL_OUT"
        podid=$(pod_json ntfy-pj | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
        cid=$(skiff_as_user inspect --format '{{.Id}}' ntfy-pj-talk)
        run python3 - "$JOURNAL_OUT" "$cid" "$podid" <<'PY'
import json, sys
path, cid, podid = sys.argv[1:]
entries = [json.loads(l) for l in open(path)]
bad = 0
for msg, prio in {"pod-hello": "6", "pod-oops": "3"}.items():
    es = [e for e in entries if e.get("MESSAGE") == msg]
    if len(es) != 1:
        print(f"{msg}: {len(es)} entries"); bad += 1; continue
    e = es[0]
    exp = {"CONTAINER_NAME": "ntfy-pj-talk", "CONTAINER_ID": cid[:12], "CONTAINER_ID_FULL": cid,
           "SYSLOG_IDENTIFIER": "ntfy-pj-talk", "PRIORITY": prio, "POD_NAME": "ntfy-pj", "POD_ID": podid}
    for k, v in exp.items():
        if e.get(k) != v:
            print(f"{msg}: {k}={e.get(k)!r}, expected {v!r}"); bad += 1
    if not any(l.endswith("/pj.service") for l in e["_CGROUPS"].splitlines()):
        print(f"{msg}: sender {e['_PID']} is not in pj.service: {e['_CGROUPS']!r}"); bad += 1
sys.exit(1 if bad else 0)
PY
        echo "$output"
        [[ $status == 0 ]]
        user_systemctl stop pj.service
        stop_journal_recorder
}
