#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Pods under systemd (issue 6's units): skiff pod create/start/stop/rm with --pod-id-file and
# --infra-conmon-pidfile, skiff run --pod / --pod-id-file joining a pod's namespaces, and
# kube play --service-container=true under a fake NOTIFY_SOCKET. As root, with make-image.py's busybox.

load helpers
load container-helpers

IMG=localhost/bats-busybox:latest

setup_file() {
        container_setup_file
        local pause=${SKIFF_PAUSE:-$(dirname "$SKIFF")/../pause/skiff-pause}
        if [[ -n ${SKIFF_ROOT:-} ]] && readelf -l "$pause" 2>/dev/null | grep -q 'program interpreter'; then
                echo "skiff-pause ($pause) is dynamically linked (a sanitizer build?): set SKIFF_PAUSE to a static one" \
                        >"$BATS_FILE_TMPDIR/no-pause"
        fi
        "$SKIFF" rm -f --all >/dev/null 2>&1 || true
}

teardown_file() {
        if [[ -n ${SKIFF_ROOT:-} ]]; then
                "$SKIFF" pod rm -f --ignore pc-app pc-kube-sleeper >/dev/null 2>&1 || true
                [[ -f $BATS_FILE_TMPDIR/kube.yaml ]] && "$SKIFF" kube down "$BATS_FILE_TMPDIR/kube.yaml" >/dev/null 2>&1
                "$SKIFF" rm -f --all >/dev/null 2>&1 || true
        fi
        container_teardown_file
}

# alive PID: the process runs (a zombie does not count: PID 1 here does not reap exited supervisors)
alive() {
        local st
        st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
        [[ $st != Z* ]]
}

setup() {
        [[ -n ${SKIFF_ROOT:-} ]] || skip "pod tests need root (namespaces, overlay, cgroups)"
        require_spawn
        if [[ -f $BATS_FILE_TMPDIR/no-pause ]]; then
                skip "$(<"$BATS_FILE_TMPDIR/no-pause")"
        fi
}

@test "pod create: --help, and podman flags skiff cannot give are refused by name" {
        run_skiff 0 pod create --help
        is "$output" ".*--infra-conmon-pidfile.*"
        run_skiff 125 pod create --name pc-x --publish 8080:80
        is "$output" "skiff: pod create: --publish: not supported by skiff's pods yet"
        run_skiff 125 pod create --name pc-x --dns 1.1.1.1
        is "$output" "skiff: pod create: --dns: not supported by skiff's pods yet"
        run_skiff 1 pod create --name pc-x --exit-policy sometimes
        is "$output" "skiff: pod create: invalid --exit-policy 'sometimes': use continue or stop"
        run_skiff 125 pod inspect pc-x
}

@test "pod create/start/stop/rm with --pod-id-file; run --pod-id-file and --pod join the pod" {
        local d=$BATS_TEST_TMPDIR
        run_skiff 0 pod create --infra-conmon-pidfile="$d/app.pid" --pod-id-file="$d/app.pod-id" --exit-policy=stop \
                --replace --infra-name pc-app-infra --name pc-app
        local id=$output
        [[ $(<"$d/app.pod-id") == "$id" ]]
        [[ ! -e $d/app.pid ]]
        # not started: joining is refused, naming the pod
        run_skiff 125 run -d --name pc-early --pod-id-file "$d/app.pod-id" $IMG true
        is "$output" "skiff: run: --pod-id-file $d/app.pod-id: pod pc-app is not running; start it first (skiff pod start)"

        run_skiff 0 pod start --pod-id-file="$d/app.pod-id"
        local pid
        pid=$(<"$d/app.pid")
        ((pid > 0))
        [[ $(cat /proc/"$pid"/comm) == skiff-pod* ]] || die "pidfile names $pid: $(cat /proc/"$pid"/comm)"

        # a server and a client in the pod: same hostname, same loopback
        run_skiff 0 run -d --name pc-server --pod-id-file "$d/app.pod-id" $IMG \
                sh -c 'mkdir -p /www && echo server-in-pod > /www/index.html && exec httpd -f -p 8081 -h /www'
        run_skiff 0 run -d --name pc-client --stop-timeout 2 --pod pc-app $IMG sleep 1000
        run_skiff 0 exec pc-server hostname
        is "$output" "pc-app"
        run_skiff 0 exec pc-client hostname
        is "$output" "pc-app"
        local i
        for ((i = 0; i < 50; i++)); do
                run "$SKIFF" exec pc-client busybox wget -q -O - http://127.0.0.1:8081/
                [[ $status == 0 ]] && break
                sleep 0.1
        done
        is "$output" "server-in-pod"
        run_skiff 0 inspect pc-client --format '{{.Pod}}'
        is "$output" "$id"
        # joining and choosing a network of one's own do not go together
        run_skiff 125 run -d --name pc-bad --pod pc-app --network host $IMG true
        is "$output" "skiff: run: --pod pc-app: conflicts with --network (the pod's infra owns the network, ipc and uts namespaces)"

        # stop stops the containers that joined, then the infra and the supervisor
        run_skiff 0 pod stop --pod-id-file="$d/app.pod-id" --ignore --time=10
        run_skiff 0 ps -a --format json
        [[ $output == *'"pc-server"'* ]]
        run_skiff 0 inspect pc-server --format '{{.State.Status}}'
        is "$output" "exited"
        for ((i = 0; i < 50; i++)); do
                alive "$pid" || break
                sleep 0.1
        done
        ! alive "$pid" || die "the supervisor $pid still runs after pod stop"
        # rm removes them with the pod, and the id file
        run_skiff 0 pod rm --pod-id-file="$d/app.pod-id" --ignore --force
        run_skiff 0 ps -a --format json
        [[ $output != *'"pc-server"'* && $output != *'"pc-client"'* ]]
        run_skiff 125 pod inspect pc-app
        [[ ! -e $d/app.pod-id ]]
        # --ignore: what is gone already is not an error (systemd's ExecStopPost after a failed start)
        run_skiff 0 pod rm --pod-id-file="$d/app.pod-id" --ignore --force
        run_skiff 0 pod stop --ignore pc-app
        run_skiff 125 pod stop --pod-id-file="$d/app.pod-id"
}

@test "kube play --service-container=true: the supervisor sends MAINPID= and READY=1, and kube down after it" {
        local d=$BATS_TEST_TMPDIR i
        printf '%s\n' "apiVersion: v1" "kind: Pod" "metadata:" "  name: pc-kube" "spec:" "  terminationGracePeriodSeconds: 2" "  containers:" \
                "  - name: sleeper" "    image: $IMG" "    command: [sleep, '100000']" >"$BATS_FILE_TMPDIR/kube.yaml"
        # a datagram listener like systemd's notify socket, writing down every message it gets
        python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
out = open(sys.argv[2], "w")
while True:
    try:
        m = s.recv(4096).decode()
    except socket.timeout:
        break
    out.write(m + "\n")
    out.flush()
    if "READY=1" in m:
        break
' "$d/notify.sock" "$d/notify.log" &
        local listener=$!
        for ((i = 0; i < 50; i++)); do
                [[ -S $d/notify.sock ]] && break
                sleep 0.1
        done
        NOTIFY_SOCKET=$d/notify.sock run "$SKIFF" kube play --replace --service-container=true "$BATS_FILE_TMPDIR/kube.yaml"
        echo "$output"
        [[ $status == 0 ]]
        wait "$listener"
        cat "$d/notify.log"
        grep -q '^READY=1$' "$d/notify.log"
        local mainpid
        mainpid=$(sed -n 's/^MAINPID=//p' "$d/notify.log")
        ((mainpid > 0))
        [[ $(cat /proc/"$mainpid"/comm) == skiff-pod* ]] || die "MAINPID $mainpid is $(cat /proc/"$mainpid"/comm)"
        run_skiff 0 ps --format json
        [[ $output == *'"pc-kube-sleeper"'* ]]
        # systemd stops the unit with SIGTERM to its main process, then runs kube down
        kill -TERM "$mainpid"
        for ((i = 0; i < 100; i++)); do
                alive "$mainpid" || break
                sleep 0.1
        done
        ! alive "$mainpid" || die "the supervisor did not stop on SIGTERM"
        run_skiff 0 kube down "$BATS_FILE_TMPDIR/kube.yaml"
        run_skiff 0 ps -a --format json
        [[ $output != *'"pc-kube-sleeper"'* ]]
        # flags of the generator's .kube unit skiff does not give are refused by name
        run_skiff 1 kube play --service-exit-code-propagation=some "$BATS_FILE_TMPDIR/kube.yaml"
        is "$output" "skiff: kube play: --service-exit-code-propagation=some: expected all, any or none"
        run_skiff 1 kube play --log-opt tag=x "$BATS_FILE_TMPDIR/kube.yaml"
        is "$output" "skiff: kube play: --log-opt: not supported yet"
}
