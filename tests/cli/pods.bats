#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Pods for real (issue 5): kube play / kube down / skiff pod, as root, with busybox images built by
# make-image.py. Every test compares what the host looked like before and after (mounts under our
# dirs, cgroups under this file's own cgroup, the state dirs, processes), so "kube down leaves nothing"
# is checked everywhere, not in one test only.

load helpers
load container-helpers
load pod-helpers

@test "pod: --help of every pod verb; kube --help lists down" {
        run_skiff 0 pod --help
        for v in ps inspect start stop restart rm logs; do
                is "$stdout" ".*  $v .*" "pod --help lists $v"
                run_skiff 0 pod $v --help
                is "$stdout" "Usage: skiff pod $v.*"
                run_skiff 0 pod --help
        done
        run_skiff 0 kube --help
        is "$stdout" ".*  down .*"
}

@test "one container: play, Running, pod ps/inspect/logs, kube down leaves nothing" {
        yaml one <<EOF
apiVersion: v1
kind: Pod
metadata: {name: one, labels: {app: one}}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: $IMG
    command: [sh, -c, "echo hello from \$(hostname); exec sleep 1000"]
EOF
        run_ctr 0 kube play "$Y"
        is "${lines[0]}" "Pod:"
        local id=${lines[1]}
        run_skiff 0 pod ps
        is "$stdout" ".*${id:0:12}  one  *Running  *1/1 .*" "pod ps shows it running"
        run_skiff 0 pod ps --format json
        is "$stdout" ".*\"name\": \"one\".*\"status\": \"Running\".*"
        wait_for_log one "hello from one"
        run_skiff 0 pod inspect one
        is "$stdout" ".*\"fullName\": \"one-main\".*\"state\": \"running\".*"
        # the pod's containers are skiff containers too
        run_skiff 0 ps
        is "$stdout" ".*one-main.*"
        # but they are the supervisor's: rm refuses them, and rm --all passes them by
        run_skiff 125 rm -f one-main
        is "$stderr" "skiff: rm one-main: the container belongs to pod one, whose supervisor runs it: remove the pod \(skiff pod rm, skiff kube down\)"
        run_skiff 0 rm -f --all
        run_skiff 0 pod ps
        is "$stdout" ".*${id:0:12}  one  *Running  *1/1 .*" "the pod still runs"
        run_skiff 0 kube down "$Y"
        is "$stdout" "Pod removed: one \($id\)"
        run_skiff 0 pod ps
        is "${#lines[@]}" 1 "only the header is left"
        expect_nothing_left
        # down again: nothing to do, not an error
        run_skiff 0 kube down "$Y"
}

@test "two containers share 127.0.0.1, the hostname and /dev/shm, not their mount namespaces" {
        yaml net <<EOF
apiVersion: v1
kind: Pod
metadata: {name: net}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: $IMG
    command: [sh, -c, "mkdir -p /www && echo hello-from-web >/www/index.html && echo shm-from-web >/dev/shm/x && readlink /proc/self/ns/mnt >/dev/shm/mnt && touch /only-in-web && exec httpd -f -p 8080 -h /www"]
  - name: client
    image: $IMG
    command: [sh, -c, "for i in \$(seq 50); do wget -q -O - http://127.0.0.1:8080/ && break; sleep 0.1; done; echo host=\$(hostname); echo shm=\$(cat /dev/shm/x); [ \"\$(readlink /proc/self/ns/mnt)\" = \"\$(cat /dev/shm/mnt)\" ] && echo mnt=same || echo mnt=own; [ -e /only-in-web ] && echo sees-web-root || echo own-root; echo finished; exec sleep 1000"]
EOF
        run_ctr 0 kube play "$Y"
        wait_for_log net "client finished"
        run_skiff 0 pod logs net
        is "$stdout" ".*client hello-from-web.*" "the client got the page over 127.0.0.1"
        is "$stdout" ".*client host=net.*" "hostname is the pod's name"
        is "$stdout" ".*client shm=shm-from-web.*" "/dev/shm is the pod's"
        is "$stdout" ".*client mnt=own.*" "each container has its own mount namespace"
        is "$stdout" ".*client own-root.*" "and its own root"
        run_skiff 0 pod logs -c client net
        is "${lines[0]}" "hello-from-web" "-c: one container, no prefix"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
}

@test "shareProcessNamespace: one container sees the other's processes" {
        yaml pidns <<EOF
apiVersion: v1
kind: Pod
metadata: {name: pidns}
spec:
  shareProcessNamespace: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: a
    image: $IMG
    command: [sh, -c, "exec sleep 1234"]
  - name: b
    image: $IMG
    command: [sh, -c, "for i in \$(seq 50); do ps -o args | grep -q '[s]leep 1234' && break; sleep 0.1; done; ps -o args | grep -q '[s]leep 1234' && echo sees-a; ps -o pid,args | grep -q '^ *1 .*skiff-init' && echo pid1-is-pause; echo done; exec sleep 1000"]
EOF
        run_ctr 0 kube play "$Y"
        wait_for_log pidns "b done"
        run_skiff 0 pod logs pidns
        is "$stdout" ".*b sees-a.*" "b sees a's sleep"
        is "$stdout" ".*b pid1-is-pause.*" "PID 1 is the infra's skiff-pause"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
}

@test "env from ConfigMap, Secret and fieldRef; configMap, secret, emptyDir and hostPath volumes" {
        mkdir -p "$BATS_TEST_TMPDIR/host"
        echo from-host >"$BATS_TEST_TMPDIR/host/f"
        yaml cfg <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {GREETING: hello, app.conf: "listen 8080\n"}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
stringData: {password: s3cr3t}
---
apiVersion: v1
kind: Pod
metadata: {name: cfg, labels: {tier: back}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: $IMG
    command: [sh, -c, "echo G=\$GREETING P=\$PASS N=\$POD T=\$TIER; cat /etc/app/app.conf; stat -c 'secret %a' /run/sec/password; cat /run/sec/password; echo; touch /etc/app/x 2>/dev/null && echo cm-rw || echo cm-ro; echo data >/scratch/f && echo scratch-ok; cat /host/f; touch /host/g 2>/dev/null && echo host-rw || echo host-ro; echo done; exec sleep 1000"]
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: cm, key: GREETING}}}
    - {name: PASS, valueFrom: {secretKeyRef: {name: sec, key: password}}}
    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: TIER, valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}}
    volumeMounts:
    - {name: conf, mountPath: /etc/app}
    - {name: secret, mountPath: /run/sec}
    - {name: scratch, mountPath: /scratch}
    - {name: host, mountPath: /host, readOnly: true}
  volumes:
  - {name: conf, configMap: {name: cm}}
  - {name: secret, secret: {secretName: sec}}
  - {name: scratch, emptyDir: {}}
  - {name: host, hostPath: {path: $BATS_TEST_TMPDIR/host, type: Directory}}
EOF
        run_ctr 0 kube play "$Y"
        wait_for_log cfg "^done"
        run_skiff 0 pod logs cfg
        is "$stdout" ".*G=hello P=s3cr3t N=cfg T=back.*" "env from ConfigMap, Secret, fieldRefs"
        is "$stdout" ".*listen 8080.*" "configMap file"
        is "$stdout" ".*secret 400.*s3cr3t.*" "secret file, mode 0400 by default"
        is "$stdout" ".*cm-ro.*" "configMap volumes are read-only"
        is "$stdout" ".*scratch-ok.*" "emptyDir is writable"
        is "$stdout" ".*from-host.*host-ro.*" "hostPath, readOnly"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
        [[ -f $BATS_TEST_TMPDIR/host/f ]] || die "kube down must not touch a hostPath"
}

@test "restartPolicy Always restarts with growing delays and counts restarts" {
        yaml always <<EOF
apiVersion: v1
kind: Pod
metadata: {name: always}
spec:
  restartPolicy: Always
  terminationGracePeriodSeconds: 1
  containers:
  - name: crash
    image: $IMG
    command: [sh, -c, "echo run; exit 3"]
EOF
        run_ctr 0 kube play "$Y"
        local i
        for ((i = 0; i < 100; i++)); do
                (($(ctr_field always crash restartCount) >= 3)) && break
                sleep 0.1
        done
        (($(ctr_field always crash restartCount) >= 3)) || die "not restarted 3 times"
        wait_for_log always "^run$"
        for ((i = 0; i < 30; i++)); do
                (($("$SKIFF" pod logs always | grep -c '^run$') >= 4)) && break
                sleep 0.1
        done
        run_skiff 0 pod logs always
        (($(grep -c '^run$' <<<"$stdout") >= 4)) || die "expected at least 4 runs"
        is "$(ctr_field always crash exitCode)" "3"
        # back-off 200, 400, 800 ms: the 4th run cannot start before 1.4 s after the first
        local ms
        ms=$(python3 - "$SKIFF_ROOT" <<'PY'
import sys, glob, datetime
ts = []
for f in glob.glob(sys.argv[1] + "/containers/*/ctr.log"):
    for line in open(f):
        ts.append(line.split()[0])
ts.sort()
def p(s):
    head, frac = s.rstrip("Z").split(".")
    return datetime.datetime.fromisoformat(head).timestamp() + float("0." + frac)
print(int((p(ts[3]) - p(ts[0])) * 1000))
PY
)
        ((ms >= 1300)) || die "4 runs within ${ms} ms: the back-off does not grow (want >= 1400)"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
}

@test "restartPolicy OnFailure stops after a success; Never never restarts" {
        yaml onfail <<EOF
apiVersion: v1
kind: Pod
metadata: {name: onfail}
spec:
  restartPolicy: OnFailure
  containers:
  - name: c
    image: $IMG
    command: [sh, -c, "if [ -e /tmp/second ]; then echo second; exit 0; fi; touch /tmp/second; echo first; exit 1"]
---
apiVersion: v1
kind: Pod
metadata: {name: never}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: $IMG
    command: [sh, -c, "echo once; exit 1"]
EOF
        run_ctr 0 kube play "$Y"
        local i
        for ((i = 0; i < 50; i++)); do
                [[ $(pod_field onfail status) == Exited && $(pod_field never status) == Exited ]] && break
                sleep 0.1
        done
        is "$(pod_field onfail status)" "Exited" "the pod ends when nothing will run again"
        is "$(ctr_field onfail c restartCount)" "1"
        is "$(ctr_field onfail c exitCode)" "0"
        is "$(ctr_field onfail c reason)" "Completed"
        is "$(ctr_field never c restartCount)" "0"
        is "$(ctr_field never c exitCode)" "1"
        is "$(ctr_field never c reason)" "Error"
        run_skiff 0 pod logs never
        is "$stdout" "once"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
}

@test "init containers run first, in order, each to success" {
        yaml init <<EOF
apiVersion: v1
kind: Pod
metadata: {name: init}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: one
    image: $IMG
    command: [sh, -c, "sleep 0.3; echo init-one > /work/order"]
    volumeMounts: [{name: w, mountPath: /work}]
  - name: two
    image: $IMG
    command: [sh, -c, "echo init-two >> /work/order"]
    volumeMounts: [{name: w, mountPath: /work}]
  containers:
  - name: app
    image: $IMG
    command: [sh, -c, "cat /work/order; echo app; exec sleep 1000"]
    volumeMounts: [{name: w, mountPath: /work}]
  volumes: [{name: w, emptyDir: {}}]
EOF
        run_ctr 0 kube play "$Y"
        wait_for_log init "app app"
        run_skiff 0 pod logs -c app init
        is "$stdout" "init-one
init-two
app"
        is "$(ctr_field init one reason)" "Completed"
        is "$(ctr_field init two state)" "terminated"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
}

@test "a failing liveness probe restarts the container; --wait returns once readiness passes" {
        yaml probes <<EOF
apiVersion: v1
kind: Pod
metadata: {name: probes}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: $IMG
    command: [sh, -c, "sleep 1; mkdir -p /www; echo ok >/www/index.html; exec httpd -f -p 8080 -h /www"]
    readinessProbe:
      httpGet: {path: /index.html, port: 8080}
      periodSeconds: 1
  - name: dead
    image: $IMG
    command: [sh, -c, "echo started; exec sleep 1000"]
    livenessProbe:
      tcpSocket: {port: 9999}
      periodSeconds: 1
      failureThreshold: 2
EOF
        local t0=$SECONDS i
        run_ctr 0 kube play --wait "$Y"
        ((SECONDS - t0 >= 1)) || die "--wait returned before the readiness probe could pass"
        is "$(ctr_field probes web ready)" "True" "ready after --wait"
        for ((i = 0; i < 80; i++)); do
                (($(ctr_field probes dead restartCount) >= 1)) && break
                sleep 0.1
        done
        (($(ctr_field probes dead restartCount) >= 1)) || die "the liveness probe did not restart the container"
        is "$(ctr_field probes web restartCount)" "0"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
}

@test "bad input fails the play with one clear error and nothing created" {
        yaml bad-yaml <<EOF
apiVersion: v1
kind: Pod
metadata: {name: x
EOF
        run_ctr 1 kube play "$Y"
        is "$stderr" ".*bad-yaml.yaml:.*" "names the file"
        expect_nothing_left

        yaml bad-image <<EOF
apiVersion: v1
kind: Pod
metadata: {name: bad-image}
spec:
  containers: [{name: c, image: localhost/no-such-image:1, imagePullPolicy: Never}]
EOF
        run_ctr 125 kube play "$Y"
        is "$stderr" "skiff: kube play: container c: image localhost/no-such-image:1: not in the local image store \(imagePullPolicy Never\)"
        expect_nothing_left

        yaml bad-cm <<EOF
apiVersion: v1
kind: Pod
metadata: {name: bad-cm}
spec:
  containers: [{name: c, image: $IMG, envFrom: [{configMapRef: {name: nope}}]}]
EOF
        run_ctr 1 kube play "$Y"
        is "$stderr" ".*bad-cm.yaml:.*nope.*" "names the missing ConfigMap"
        expect_nothing_left

        yaml bad-host <<EOF
apiVersion: v1
kind: Pod
metadata: {name: bad-host}
spec:
  containers: [{name: c, image: $IMG, command: ["true"], volumeMounts: [{name: h, mountPath: /h}]}]
  volumes: [{name: h, hostPath: {path: /nonexistent/skiff-test, type: Directory}}]
EOF
        run_ctr 125 kube play "$Y"
        is "$stderr" "skiff: kube play: pod bad-host: volume h: hostPath /nonexistent/skiff-test does not exist \(type Directory\)"
        expect_nothing_left

        yaml bad-cmd <<EOF
apiVersion: v1
kind: Pod
metadata: {name: bad-cmd}
spec:
  containers: [{name: c, image: $IMG, command: [/no/such/command]}]
EOF
        run_ctr 127 kube play "$Y"
        is "$stderr" "skiff: kube play: container c: .*/no/such/command.*No such file or directory"
        is "${#lines[@]}" 1 "one line"
        expect_nothing_left
}

@test "a second play without --replace fails and leaves the first pod untouched; --replace converges" {
        yaml twice <<EOF
apiVersion: v1
kind: Pod
metadata: {name: twice}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: $IMG
    command: [sh, -c, "echo up; exec sleep 1000"]
EOF
        run_ctr 0 kube play "$Y"
        local id=${lines[1]}
        wait_for_log twice "^up"
        run_ctr 125 kube play "$Y"
        is "$stderr" "skiff: kube play: pod twice already exists \(${id:0:12}\); use --replace or skiff kube down first"
        run_skiff 0 pod ps
        is "$stdout" ".*${id:0:12}  twice  *Running.*" "the first pod runs on"
        run_ctr 0 kube play --replace "$Y"
        local id2=${lines[1]}
        [[ $id2 != "$id" ]] || die "--replace made no new pod"
        run_skiff 0 pod ps
        is "$stdout" ".*${id2:0:12}  twice  *Running.*"
        is "$(grep -c twice <<<"$stdout")" "1" "one pod of that name"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
}

@test "SIGKILL to the supervisor: pod ps says so; kube down cleans up" {
        yaml killsup <<EOF
apiVersion: v1
kind: Pod
metadata: {name: killsup}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: $IMG
    command: [sh, -c, "echo up; exec sleep 1000"]
EOF
        run_ctr 0 kube play "$Y"
        wait_for_log killsup "^up"
        local sup ctr infra i
        sup=$(pod_field killsup supervisorPid)
        ctr=$(ctr_field killsup c pid)
        infra=$(pod_field killsup infraPid)
        [[ -d /proc/$ctr && -d /proc/$infra ]] || die "container $ctr or infra $infra not running"
        kill -KILL "$sup"
        # its containers die with it: no orphans
        for ((i = 0; i < 30; i++)); do
                [[ $(ps -o stat= -p "$ctr" 2>/dev/null) == Z* || ! -d /proc/$ctr ]] &&
                        [[ $(ps -o stat= -p "$infra" 2>/dev/null) == Z* || ! -d /proc/$infra ]] && break
                sleep 0.1
        done
        [[ $(ps -o stat= -p "$ctr" 2>/dev/null) == Z* || ! -d /proc/$ctr ]] || die "container $ctr outlived its supervisor"
        [[ $(ps -o stat= -p "$infra" 2>/dev/null) == Z* || ! -d /proc/$infra ]] || die "infra $infra outlived its supervisor"
        run_skiff 0 pod ps
        is "$stdout" ".*killsup  *Exited .*supervisor gone.*"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
}

@test "SIGKILL to kube play at random points (20 trials): kube play --replace and kube down clean up" {
        yaml killplay <<EOF
apiVersion: v1
kind: Pod
metadata: {name: killplay}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: a, image: $IMG, command: [sh, -c, "exec sleep 1000"]}
  - {name: b, image: $IMG, command: [sh, -c, "exec sleep 1000"]}
EOF
        local i pid wrapper=$BATS_FILE_TMPDIR/skiff-in-cgroup
        run_ctr 0 pod ps # makes the wrapper: it moves itself into our cgroups and execs skiff, so $! is skiff
        for ((i = 0; i < 20; i++)); do
                "$wrapper" kube play --replace "$Y" >/dev/null 2>&1 3>/dev/null &
                pid=$!
                sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
                kill -KILL $pid 2>/dev/null || true
                wait $pid 2>/dev/null || true
        done
        run_ctr 0 kube play --replace "$Y"
        run_skiff 0 pod ps
        is "$(grep -c killplay <<<"$stdout")" "1" "exactly one pod after the trials"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
        # kills followed directly by kube down
        for ((i = 0; i < 5; i++)); do
                "$wrapper" kube play "$Y" >/dev/null 2>&1 3>/dev/null &
                pid=$!
                sleep "0.$((RANDOM % 2))$((RANDOM % 10))"
                kill -KILL $pid 2>/dev/null || true
                wait $pid 2>/dev/null || true
                run_skiff 0 kube down "$Y"
                expect_nothing_left
        done
}

@test "--start=false creates; pod start, stop, restart, rm (refused while running), rm -f" {
        yaml sf <<EOF
apiVersion: v1
kind: Pod
metadata: {name: sf}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: $IMG, command: [sh, -c, "echo run; exec sleep 1000"]}
EOF
        run_ctr 0 kube play --start=false "$Y"
        local id=${lines[1]}
        run_skiff 0 pod ps
        is "$stdout" ".*${id:0:12}  sf  *Created  *0/1 .*"
        run_ctr 0 pod start sf
        is "$stdout" "$id"
        wait_for_log sf "^run$"
        run_skiff 0 pod ps
        is "$stdout" ".*sf  *Running  *1/1 .*"
        run_skiff 0 pod stop sf
        run_skiff 0 pod ps
        is "$stdout" ".*sf  *Exited  *0/1 .*stopped.*"
        run_ctr 0 pod restart sf
        run_skiff 0 pod ps
        is "$stdout" ".*sf  *Running  *1/1 .*"
        run_skiff 125 pod rm sf
        is "$stderr" "skiff: pod rm sf: the pod is running; stop it first or use --force"
        run_skiff 0 pod rm -f sf
        run_skiff 125 pod inspect sf
        is "$stderr" ".*skiff: pod inspect sf: no such pod"
        expect_nothing_left
}

@test "--configmap FILE at play time; kube down of the pod's YAML alone still takes it down" {
        cat >"$BATS_FILE_TMPDIR/cm-only.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: outside}
data: {WHO: from-configmap-file}
EOF
        yaml cmflag <<EOF
apiVersion: v1
kind: Pod
metadata: {name: cmflag}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: $IMG
    command: [sh, -c, "echo who=\$WHO; exec sleep 1000"]
    env: [{name: WHO, valueFrom: {configMapKeyRef: {name: outside, key: WHO}}}]
EOF
        # without the ConfigMap the play is refused, naming the reference
        run_ctr 1 kube play "$Y"
        is "$stderr" ".*ConfigMap \"outside\" not found in the input.*"
        run_ctr 0 kube play --configmap "$BATS_FILE_TMPDIR/cm-only.yaml" "$Y"
        wait_for_log cmflag "who=from-configmap-file"
        # down reads the pods' names only: the reference that resolved at play time does not matter now
        run_skiff 0 kube down "$Y"
        is "$stdout" "Pod removed: cmflag .*"
        expect_nothing_left
}

# supsmall (issue 5, "the supervisor's RSS per pod"): skiff-pod is a small static executable, not a
# fork of skiff; its resident memory for a 4-container pod stays under 1 MiB + 4 x 100 KiB (podman's
# conmon takes about 2.4 MiB per container). bench/kube/rss.sh reports the figures for 1, 4 and 10.
@test "the supervisor of a 4-container pod: static, no shared libraries, VmRSS under 1 MiB + 4 x 100 KiB" {
        local bin sup rss c
        bin=${SKIFF_POD:-$(dirname "$SKIFF")/../pod/skiff-pod}
        [[ -x $bin ]] || die "no skiff-pod next to $SKIFF (looked for $bin)"
        if readelf -l "$bin" | grep -q 'program interpreter'; then
                skip "skiff-pod ($bin) is dynamically linked (a sanitizer build): its memory is not the product's"
        fi
        yaml rss4 <<EOF
apiVersion: v1
kind: Pod
metadata: {name: rss4}
spec:
  terminationGracePeriodSeconds: 1
  containers:
$(for c in a b c d; do
        echo "  - {name: $c, image: $IMG, command: [sh, -c, \"trap 'exit 0' TERM; echo up-$c; while :; do sleep 0.1; done\"]}"
done)
EOF
        run_ctr 0 kube play "$Y"
        # every container's output went through the supervisor's log path once
        for c in a b c d; do
                wait_for_log rss4 "up-$c\$"
        done
        sup=$(pod_field rss4 supervisorPid)
        [[ $(cat "/proc/$sup/comm") == skiff-pod ]] || die "the supervisor $sup is $(cat "/proc/$sup/comm"), not skiff-pod"
        if grep -E '\.so(\.[0-9]+)*$' "/proc/$sup/maps"; then
                die "the supervisor maps shared libraries (above)"
        fi
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$sup/status")
        echo "supervisor $sup of a 4-container pod: VmRSS $rss kB" >&2
        ((rss > 0 && rss < 1024 + 4 * 100)) || die "the supervisor's VmRSS is $rss kB, over 1024 + 4 x 100 kB"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
}

# podpar: a pod's app containers start with one spawn-many request to skiff-pod-spawn
# (container_spawn_many()); each keeps its own record, and one that cannot start fails the play with
# its own exit class and name while the others, already running, are stopped.
@test "app containers start together: each recorded and restarted on its own; one that cannot start fails the play naming it" {
        local c pids
        yaml many3 <<EOF
apiVersion: v1
kind: Pod
metadata: {name: many3}
spec:
  restartPolicy: Always
  terminationGracePeriodSeconds: 1
  containers:
  - {name: a, image: $IMG, command: [sh, -c, "trap 'exit 0' TERM; echo up-a; while :; do sleep 0.1; done"]}
  - {name: b, image: $IMG, command: [sh, -c, "echo up-b; sleep 0.3; exit 3"]}
  - {name: c, image: $IMG, command: [sh, -c, "trap 'exit 0' TERM; echo up-c; while :; do sleep 0.1; done"]}
EOF
        run_ctr 0 kube play "$Y"
        for c in a b c; do
                wait_for_log many3 "up-$c\$"
        done
        for c in a c; do
                is "$(ctr_field many3 $c state)" "running" "container $c runs"
                (($(ctr_field many3 $c pid) > 0)) || die "container $c has no pid recorded"
        done
        [[ $(ctr_field many3 a pid) != "$(ctr_field many3 c pid)" ]] || die "a and c have the same pid"
        # b exits and is started again with a single spawn request
        for ((i = 0; i < 100; i++)); do
                (($(ctr_field many3 b restartCount) >= 2)) && break
                sleep 0.1
        done
        (($(ctr_field many3 b restartCount) >= 2)) || die "b was not restarted twice"
        run_skiff 0 kube down "$Y"
        expect_nothing_left

        yaml many-bad <<EOF
apiVersion: v1
kind: Pod
metadata: {name: many-bad}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: a, image: $IMG, command: [sh, -c, "trap 'exit 0' TERM; while :; do sleep 0.1; done"]}
  - {name: b, image: $IMG, command: [/no/such/command]}
  - {name: c, image: $IMG, command: [sh, -c, "trap 'exit 0' TERM; while :; do sleep 0.1; done"]}
EOF
        run_ctr 127 kube play "$Y"
        is "$stderr" "skiff: kube play: container b: .*/no/such/command.*No such file or directory"
        is "${#lines[@]}" 1 "one line"
        expect_nothing_left
}

# podpar: `pod stop -t N` replaces the pod's terminationGracePeriodSeconds for that stop (podman's
# pod stop -t): a container that ignores SIGTERM is SIGKILLed after N seconds, not 30.
@test "pod stop -t 1: a container ignoring SIGTERM in a pod with a 30 s grace period is killed after 1 s (exit 137)" {
        local t0 t1
        yaml stopt <<EOF
apiVersion: v1
kind: Pod
metadata: {name: stopt}
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - {name: c, image: $IMG, command: [sh, -c, "trap '' TERM; echo up; while :; do sleep 0.1; done"]}
EOF
        run_ctr 0 kube play "$Y"
        wait_for_log stopt "^up\$"
        t0=$(date +%s%N)
        run_skiff 0 pod stop -t 1 stopt
        t1=$(date +%s%N)
        echo "pod stop -t 1 took $(((t1 - t0) / 1000000)) ms" >&2
        # 1 s of grace plus the stop itself; without -t it is 30 s (loaded machine, ASan: some slack)
        (((t1 - t0) / 1000000 < 6000)) || die "pod stop -t 1 took $(((t1 - t0) / 1000000)) ms"
        is "$(ctr_field stopt c exitCode)" "137"
        is "$(ctr_field stopt c reason)" "Killed"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
}

@test "persistentVolumeClaim: a named volume made on first use, subPath and readOnly; kube down keeps it, --force removes it" {
        yaml pvc <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pvc-data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: pvc}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: w
    image: $IMG
    command: [sh, -c, "echo before=\$(cat /data/count 2>/dev/null || echo none); echo run >> /data/count; echo in-sub > /sub/f; touch /ro/x 2>/dev/null && echo ro-writable || echo ro-ok; echo done; exec sleep 1000"]
    volumeMounts:
    - {name: d, mountPath: /data}
    - {name: d, mountPath: /sub, subPath: inner/deeper}
    - {name: d, mountPath: /ro, readOnly: true}
  volumes:
  - {name: d, persistentVolumeClaim: {claimName: pvc-data}}
EOF
        run_ctr 0 kube play "$Y"
        wait_for_log pvc "^done"
        run_skiff 0 pod logs pvc
        is "$stdout" ".*before=none.*ro-ok.*" "a new volume is empty; readOnly mounts are read-only"
        run_skiff 0 volume ls
        is "$stdout" ".*local  *pvc-data.*" "the claim is a named volume"
        local data
        data=$("$SKIFF" volume inspect pvc-data | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Mountpoint"])')
        is "$(cat "$data/inner/deeper/f")" "in-sub" "subPath made below the volume, and written through"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
        run_skiff 0 volume ls
        is "$stdout" ".*pvc-data.*" "kube down keeps the volume"
        # played again: the same data
        run_ctr 0 kube play "$Y"
        wait_for_log pvc "^done"
        run_skiff 0 pod logs pvc
        is "$stdout" ".*before=run.*" "the data survived kube down"
        run_skiff 0 kube down --force "$Y"
        is "$stdout" ".*Volume removed: pvc-data.*"
        run_skiff 1 volume inspect pvc-data
        [[ ! -e $data ]] || die "--force left $data"
        expect_nothing_left
        # a subPath that is a symlink (left by a container in the volume) is not followed
        run_skiff 0 volume create pvc-data
        data=$("$SKIFF" volume inspect pvc-data | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Mountpoint"])')
        mkdir -p "$data/inner"
        ln -s / "$data/inner/deeper"
        run_ctr 125 kube play "$Y"
        is "$stderr" "skiff: kube play: pod pvc: container .*w: volume d: subPath inner/deeper: deeper: is a symlink \(not followed\)"
        run_skiff 0 pod ps
        is "${#lines[@]}" 1 "no pod was made"
        run_skiff 0 volume rm pvc-data
        expect_nothing_left
}
