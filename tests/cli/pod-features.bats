#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Pod features (issue 5, podvol): secrets and emptyDir medium Memory on tmpfs, items/modes of
# configMap and secret volumes, resources on the pod's and containers' cgroups, `skiff pod top`,
# hostPort warnings, hostNetwork/hostIPC, /etc/hosts and kube play's --no-hosts, --configmap,
# --log-driver, --annotation. As root, with busybox images built by make-image.py; every test checks
# what it sees from inside the container and from the host, and that kube down leaves nothing behind
# under this file's own root, run dir and cgroups (other suites run pods at the same time).

load helpers
load container-helpers
load pod-helpers

# has TEXT WANT MESSAGE: TEXT holds the fixed string WANT
has() {
        if [[ $1 != *"$2"* ]]; then
                printf '%s\n' "$1" >&2
                die "$3: no '$2' in the output above"
        fi
}

# pod_id NAME: the pod's full id
pod_id() {
        "$SKIFF" pod inspect "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])'
}

@test "secret volumes are a read-only tmpfs, 0400 by default; items, mode and defaultMode of secrets and configMaps" {
        local pw=pw-$RANDOM$RANDOM
        yaml sec <<EOF
apiVersion: v1
kind: Secret
metadata: {name: sec}
stringData: {password: $pw, token: tok-value}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
data: {a.conf: aaa, b.conf: bbb}
---
apiVersion: v1
kind: Pod
metadata: {name: sec}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: $IMG
    command: [sh, -c, "grep -E ' /run/(sec|sec2|cm|cm2) ' /proc/mounts | cut -d' ' -f2,3,4 | cut -d, -f1; cd /run; find sec sec2 cm cm2 -type f | sort | xargs stat -c 'mode %n %a'; md5sum /run/sec/password /run/sec2/pw; echo tok=\$(cat /run/sec2/keys/tok); touch /run/sec/x 2>/dev/null && echo sec-rw || echo sec-ro; echo done; exec sleep 1000"]
    volumeMounts:
    - {name: sec, mountPath: /run/sec}
    - {name: sec2, mountPath: /run/sec2}
    - {name: cm, mountPath: /run/cm}
    - {name: cm2, mountPath: /run/cm2}
  volumes:
  - {name: sec, secret: {secretName: sec}}
  - name: sec2
    secret:
      secretName: sec
      defaultMode: 0440
      items:
      - {key: token, path: keys/tok, mode: 0600}
      - {key: password, path: pw}
  - name: cm
    configMap:
      name: cm
      items:
      - {key: a.conf, path: renamed, mode: 0600}
  - {name: cm2, configMap: {name: cm, defaultMode: 0640}}
EOF
        run_ctr 0 kube play "$Y"
        wait_for_log sec "^done"
        run_skiff 0 pod logs sec
        is "$stdout" ".*/run/sec tmpfs ro.*" "the secret volume is a read-only tmpfs in the container"
        is "$stdout" ".*/run/sec2 tmpfs ro.*" "so is the one with items"
        is "$stdout" ".*mode sec/password 400.mode sec/token 400.*" "secret files are 0400 by default"
        is "$stdout" ".*mode sec2/keys/tok 600.mode sec2/pw 440.*" "items[].path and mode, then defaultMode"
        is "$stdout" ".*mode cm/renamed 600.*" "configMap items: only the listed key, at its path, with its mode"
        if [[ $stdout == *"mode cm/a.conf"* || $stdout == *"mode cm/b.conf"* ]]; then
                die "a configMap with items must hold only the listed keys"
        fi
        is "$stdout" ".*mode cm2/a.conf 640.mode cm2/b.conf 640.*" "configMap defaultMode"
        local sum
        sum=$(printf %s "$pw" | md5sum | cut -d' ' -f1)
        is "$stdout" ".*$sum  /run/sec/password.$sum  /run/sec2/pw.tok=tok-value.*" "the secret's content (its sum only: the log is on disk)"
        is "$stdout" ".*sec-ro.*" "read-only"

        # From the host: a tmpfs under the run dir, nothing of the secret under SKIFF_ROOT.
        local id
        id=$(pod_id sec)
        run grep -F " $SKIFF_RUNROOT/pods/$id/volumes/sec " /proc/self/mountinfo
        is "$output" ".* - tmpfs tmpfs ro,.*" "the host side is a read-only tmpfs in the run dir"
        if grep -rqF -e "$pw" -e "$(printf %s "$pw" | base64)" "$SKIFF_ROOT"; then
                grep -rlF -e "$pw" -e "$(printf %s "$pw" | base64)" "$SKIFF_ROOT" >&2
                die "the secret is on disk under SKIFF_ROOT while the pod runs"
        fi
        # pod stop/start keep the secret's tmpfs; if it is gone (RUNROOT cleared by a reboot), start says so
        run_skiff 0 pod stop sec
        grep -qF " $SKIFF_RUNROOT/pods/$id/volumes/sec " /proc/self/mountinfo || die "pod stop keeps the secret's tmpfs"
        run_ctr 0 pod start sec
        is "$(pod_field sec status)" "Running" "and pod start uses it again"
        run_skiff 0 pod stop sec
        umount "$SKIFF_RUNROOT/pods/$id/volumes/sec"
        run_ctr 125 pod start sec
        is "$stderr" "skiff: pod start sec: pod sec: secret volume sec: its tmpfs $SKIFF_RUNROOT/pods/$id/volumes/sec is gone (RUNROOT was cleared, by a reboot?); play the pod again (skiff kube play --replace)"
        run_skiff 0 kube down "$Y"
        if grep -rqF -e "$pw" -e "$(printf %s "$pw" | base64)" "$SKIFF_ROOT" "$SKIFF_RUNROOT"; then
                die "the secret stays on disk after kube down"
        fi
        [[ ! -e $SKIFF_RUNROOT/pods/$id ]] || die "the pod's run dir stays after kube down"
        expect_nothing_left
}

@test "SIGKILL to kube play of a pod with tmpfs volumes and limits (10 trials): --replace and kube down leave nothing" {
        yaml killtmpfs <<EOF
apiVersion: v1
kind: Secret
metadata: {name: ks}
stringData: {k: v}
---
apiVersion: v1
kind: Pod
metadata: {name: killtmpfs}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: a
    image: $IMG
    command: [sh, -c, "exec sleep 1000"]
    resources: {limits: {memory: 32Mi, cpu: 100m}}
    volumeMounts: [{name: s, mountPath: /s}, {name: m, mountPath: /m}]
  volumes:
  - {name: s, secret: {secretName: ks}}
  - {name: m, emptyDir: {medium: Memory, sizeLimit: 8Mi}}
EOF
        local i pid wrapper=$BATS_FILE_TMPDIR/skiff-in-cgroup
        run_ctr 0 pod ps
        for ((i = 0; i < 10; i++)); do
                "$wrapper" kube play --replace "$Y" >/dev/null 2>&1 3>/dev/null &
                pid=$!
                sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
                kill -KILL $pid 2>/dev/null || true
                wait $pid 2>/dev/null || true
        done
        run_ctr 0 kube play --replace "$Y"
        run_skiff 0 pod ps
        is "$(grep -c killtmpfs <<<"$stdout")" "1" "exactly one pod after the trials"
        is "$(grep -cF "$SKIFF_RUNROOT/pods/" /proc/self/mountinfo)" 3 "its two tmpfs volumes and /dev/shm, no more"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
        for ((i = 0; i < 4; i++)); do
                "$wrapper" kube play "$Y" >/dev/null 2>&1 3>/dev/null &
                pid=$!
                sleep "0.$((RANDOM % 2))$((RANDOM % 10))"
                kill -KILL $pid 2>/dev/null || true
                wait $pid 2>/dev/null || true
                run_skiff 0 kube down "$Y"
                expect_nothing_left
        done
}

@test "emptyDir medium Memory is a tmpfs of sizeLimit shared by the pod; a plain emptyDir is a directory per pod" {
        yaml ed <<EOF
apiVersion: v1
kind: Pod
metadata: {name: ed}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: a
    image: $IMG
    command: [sh, -c, "grep ' /mem ' /proc/mounts | cut -d' ' -f2,3; df -k /mem | tail -1 | awk '{ print \"mem-kb\", \$2 }'; df -h /mem | tail -1 | awk '{ print \"mem-h\", \$2 }'; echo from-a >/mem/x; echo from-a >/disk/y; stat -c 'disk-mode %a' /disk; echo a-done; exec sleep 1000"]
    volumeMounts:
    - {name: mem, mountPath: /mem}
    - {name: disk, mountPath: /disk}
  - name: b
    image: $IMG
    command: [sh, -c, "for i in \$(seq 50); do [ -f /mem/x ] && [ -f /disk/y ] && break; sleep 0.1; done; echo mem=\$(cat /mem/x) disk=\$(cat /disk/y); echo b-done; exec sleep 1000"]
    volumeMounts:
    - {name: mem, mountPath: /mem}
    - {name: disk, mountPath: /disk}
  volumes:
  - {name: mem, emptyDir: {medium: Memory, sizeLimit: 16Mi}}
  - {name: disk, emptyDir: {}}
EOF
        run_ctr 0 kube play "$Y"
        wait_for_log ed "b b-done"
        run_skiff 0 pod logs ed
        is "$stdout" ".*a /mem tmpfs.*" "medium Memory: a tmpfs"
        is "$stdout" ".*a mem-kb 16384.*" "of sizeLimit 16Mi"
        is "$stdout" ".*a mem-h 16.0M.*" "df -h says 16.0M"
        is "$stdout" ".*a disk-mode 777.*" "a plain emptyDir is world-writable"
        is "$stdout" ".*b mem=from-a disk=from-a.*" "both are the pod's, shared by its containers"
        local id
        id=$(pod_id ed)
        run grep -F " $SKIFF_RUNROOT/pods/$id/volumes/mem " /proc/self/mountinfo
        is "$output" ".* - tmpfs tmpfs rw,.*size=16384k.*" "the host side: a tmpfs of 16 MiB"
        [[ -d $SKIFF_ROOT/pods/$id/volumes/disk ]] || die "a plain emptyDir is a directory under the pod's dir"
        [[ $(<"$SKIFF_ROOT/pods/$id/volumes/disk/y") == from-a ]] || die "holding what the container wrote"
        if grep -qF " $SKIFF_ROOT/pods/$id/volumes/disk " /proc/self/mountinfo; then
                die "a plain emptyDir must not be a mount"
        fi
        run_skiff 0 kube down "$Y"
        [[ ! -e $SKIFF_ROOT/pods/$id ]] || die "kube down removes the emptyDir"
        [[ ! -e $SKIFF_RUNROOT/pods/$id ]] || die "kube down removes the tmpfs's mount point"
        expect_nothing_left
}

@test "hostPort: accepted, one warning per port; none with hostNetwork" {
        yaml hp <<EOF
apiVersion: v1
kind: Pod
metadata: {name: hp}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: $IMG
    command: [sleep, "1000"]
    ports:
    - {containerPort: 80, hostPort: 8080}
    - {containerPort: 443, hostPort: 8443}
    - {containerPort: 9000}
  - name: side
    image: $IMG
    command: [sleep, "1000"]
    ports:
    - {containerPort: 81, hostPort: 8081, protocol: UDP}
EOF
        run_ctr 0 kube play "$Y"
        is "$(grep -c hostPort <<<"$stderr")" 3 "one warning per hostPort, none for a port without"
        has "$stderr" "skiff: warning: hostPort 8080 of container web: not published yet (networking is not built)" "the warning"
        has "$stderr" "skiff: warning: hostPort 8443 of container web: not published yet (networking is not built)" "the warning"
        has "$stderr" "skiff: warning: hostPort 8081 of container side: not published yet (networking is not built)" "the warning"
        is "$(pod_field hp status)" "Running" "the pod runs"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
}

@test "hostNetwork, hostIPC, hostPID: the host's namespaces and interfaces; hostPort with hostNetwork does not warn" {
        yaml hostns <<EOF
apiVersion: v1
kind: Pod
metadata: {name: hostns}
spec:
  hostNetwork: true
  hostIPC: true
  hostPID: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: $IMG
    command: [sh, -c, "echo net=\$(readlink /proc/self/ns/net) ipc=\$(readlink /proc/self/ns/ipc) pid=\$(readlink /proc/self/ns/pid) uts=\$(readlink /proc/self/ns/uts); echo ifaces=\$(awk -F: 'NR > 2 { print \$1 }' /proc/net/dev | tr -d ' ' | sort | tr '\n' ,); echo host=\$(hostname); cat /dev/shm/$BATS_SUITE_TEST_NUMBER-mark 2>&1; echo done; exec sleep 1000"]
    ports:
    - {containerPort: 8080, hostPort: 8080}
EOF
        # hostIPC: the host's /dev/shm too (a private ipc namespace has the pod's own)
        local mark=/dev/shm/$BATS_SUITE_TEST_NUMBER-mark
        echo shm-of-the-host >"$mark"
        run_ctr 0 kube play "$Y"
        is "$stderr" "" "hostPort with hostNetwork: the container binds the host's port itself, no warning"
        wait_for_log hostns "^done"
        rm -f "$mark"
        run_skiff 0 pod logs hostns
        has "$stdout" "net=$(readlink /proc/self/ns/net) " "hostNetwork: the host's network namespace"
        has "$stdout" "ipc=$(readlink /proc/self/ns/ipc) " "hostIPC: the host's ipc namespace"
        has "$stdout" "pid=$(readlink /proc/self/ns/pid) " "hostPID: the host's pid namespace"
        has "$stdout" "uts=$(readlink /proc/self/ns/uts)" "hostNetwork: the host's uts namespace"
        local ifaces
        ifaces=$(awk -F: 'NR > 2 { print $1 }' /proc/net/dev | tr -d ' ' | sort | tr '\n' ,)
        has "$stdout" "ifaces=$ifaces" "the host's interfaces"
        has "$stdout" "host=$(hostname)" "the host's name"
        has "$stdout" "shm-of-the-host" "hostIPC: the host's /dev/shm"

        # and without them, none of the host's
        yaml podns <<EOF
apiVersion: v1
kind: Pod
metadata: {name: podns}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: $IMG
    command: [sh, -c, "echo net=\$(readlink /proc/self/ns/net) ipc=\$(readlink /proc/self/ns/ipc) pid=\$(readlink /proc/self/ns/pid); echo ifaces=\$(awk -F: 'NR > 2 { print \$1 }' /proc/net/dev | tr -d ' ' | sort | tr '\n' ,); echo done; exec sleep 1000"]
EOF
        run_ctr 0 kube play "$Y"
        wait_for_log podns "^done"
        run_skiff 0 pod logs podns
        local l
        l=$(grep '^net=' <<<"$stdout")
        [[ $l != *"net=$(readlink /proc/self/ns/net) "* ]] || die "a pod without hostNetwork has its own network namespace: $l"
        [[ $l != *"ipc=$(readlink /proc/self/ns/ipc) "* ]] || die "its own ipc namespace: $l"
        [[ $l != *"pid=$(readlink /proc/self/ns/pid)" ]] || die "its own pid namespace: $l"
        is "$stdout" ".*ifaces=lo,.*" "loopback only"
        run_skiff 0 kube down "$Y"
        run_skiff 0 kube down "$BATS_FILE_TMPDIR/hostns.yaml"
        expect_nothing_left
}

# pod_cgroup HIERARCHY POD: the pod's cgroup dir in that hierarchy of this file's cgroups
pod_cgroup() {
        local d id
        id=$(pod_id "$2")
        d=$(grep "^/sys/fs/cgroup/$1/" "$BATS_FILE_TMPDIR/cgroups") || return 1
        [[ -d $d/skiff-pod-$id ]] || return 1
        echo "$d/skiff-pod-$id"
}

# member_id POD CONTAINER: a member's container id ("infra": the infra's)
member_id() {
        "$SKIFF" pod inspect "$1" | python3 -c '
import json, sys
pod = json.load(sys.stdin)[0]
if sys.argv[1] == "infra":
    print(pod["infraId"])
else:
    for m in pod["containers"]:
        if m["name"] == sys.argv[1]:
            print(m["id"])' "$2"
}

@test "resources: limits on the containers' cgroups, the pod's cgroup parents the infra and the containers with their sum" {
        yaml res <<EOF
apiVersion: v1
kind: Pod
metadata: {name: res}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: a
    image: $IMG
    command: [sleep, "1000"]
    resources:
      limits: {memory: 64Mi, cpu: 500m}
      requests: {memory: 32Mi, cpu: 250m}
  - name: b
    image: $IMG
    command: [sleep, "1000"]
    resources:
      limits: {memory: 32Mi, cpu: 250m}
EOF
        run_ctr 0 kube play "$Y"
        "$SKIFF" pod inspect res >"$BATS_TEST_TMPDIR/inspect.json"
        local a b infra
        a=$(member_id res a) b=$(member_id res b) infra=$(member_id res infra)
        [[ -n $a && -n $b && -n $infra ]] || die "pod inspect names the members' ids"
        local checked=0 mem cpu
        if mem=$(pod_cgroup memory res); then
                echo "# v1 memory: $mem"
                is "$(<"$mem/memory.limit_in_bytes")" 100663296 "the pod's memory limit: 64Mi + 32Mi"
                is "$(<"$mem/skiff-$a/memory.limit_in_bytes")" 67108864 "a: 64Mi"
                is "$(<"$mem/skiff-$b/memory.limit_in_bytes")" 33554432 "b: 32Mi"
                [[ -d $mem/skiff-$infra ]] || die "the infra's memory cgroup is in the pod's"
                checked=1
        fi
        if cpu=$(pod_cgroup cpu res); then
                echo "# v1 cpu: $cpu"
                is "$(<"$cpu/cpu.cfs_quota_us")" 75000 "the pod's cpu quota: 500m + 250m"
                is "$(<"$cpu/cpu.cfs_period_us")" 100000 "per 100 ms"
                is "$(<"$cpu/skiff-$a/cpu.cfs_quota_us")" 50000 "a: 500m"
                is "$(<"$cpu/skiff-$b/cpu.cfs_quota_us")" 25000 "b: 250m"
                is "$(<"$cpu/skiff-$a/cpu.shares")" 256 "a's request: 250m is 256 shares"
                is "$(<"$cpu/cpu.shares")" 256 "the pod's shares: the sum of the requests"
                checked=1
        fi
        local u
        if u=$(pod_cgroup unified res); then
                echo "# v2: $u"
                # On a hybrid host the cgroup2 tree holds no controller: the pod's cgroup and its
                # members' are there all the same; with a memory controller the limits are too.
                [[ -d $u/skiff-$a && -d $u/skiff-$b && -d $u/skiff-$infra ]] || die "v2: the members' cgroups are in the pod's"
                if [[ -f $u/memory.max ]]; then
                        is "$(<"$u/memory.max")" 100663296 "v2: the pod's memory.max"
                        is "$(<"$u/skiff-$a/memory.max")" 67108864 "v2: a's memory.max"
                        is "$(<"$u/cpu.max")" "75000 100000" "v2: the pod's cpu.max"
                        is "$(<"$u/skiff-$a/cpu.max")" "50000 100000" "v2: a's cpu.max"
                fi
                checked=1
        fi
        ((checked)) || die "no pod cgroup found in this file's cgroups: $(cat "$BATS_FILE_TMPDIR/cgroups")"
        # the containers' processes are in their cgroups below the pod's
        local h=${mem:-$u}
        local c i
        for c in "$a" "$b" "$infra"; do
                for ((i = 0; i < 50; i++)); do
                        [[ -n $(<"$h/skiff-$c/cgroup.procs") ]] && break
                        sleep 0.1
                done
                [[ -n $(<"$h/skiff-$c/cgroup.procs") ]] || die "container $c: no process in $h/skiff-$c"
        done
        run_skiff 0 pod stop res
        [[ ! -e $h ]] || die "pod stop removes the pod's cgroup"
        run_ctr 0 pod start res
        [[ -d $h/skiff-$a ]] || die "pod start makes it again"
        run_skiff 0 kube down "$Y"
        [[ ! -e $h ]] || die "kube down removes the pod's cgroup"
        expect_nothing_left
}

@test "pod top: podman's default columns plus CONTAINER, descriptors, AIX codes, --format json, errors" {
        run_skiff 0 pod top --help
        is "${lines[0]}" "Usage: skiff pod top \[--format json\] POD \[DESCRIPTORS...\]"
        run_skiff 0 pod --help
        is "$stdout" ".*  top .*" "pod --help lists top"

        yaml top <<EOF
apiVersion: v1
kind: Pod
metadata: {name: top}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: a
    image: $IMG
    command: [sleep, "1001"]
  - name: b
    image: $IMG
    command: [sh, -c, "sleep 1002 & exec sleep 1003"]
    securityContext: {runAsUser: 65534, runAsGroup: 65534}
EOF
        run_ctr 0 kube play "$Y"
        local i
        for ((i = 0; i < 50; i++)); do
                "$SKIFF" pod top top 2>/dev/null | grep -q 'sleep 1002' && break
                sleep 0.1
        done
        # a container that joined the pod is listed too
        run_ctr 0 run -d --name top-joined --stop-timeout 1 --pod top $IMG sleep 1004
        for ((i = 0; i < 50; i++)); do
                "$SKIFF" pod top top 2>/dev/null | grep -q 'sleep 1004' && break
                sleep 0.1
        done
        run_skiff 0 pod top top
        is "${lines[0]}" "CONTAINER  *USER  *PID  *PPID  *%CPU  *ELAPSED  *TTY  *TIME  *COMMAND" "podman's default columns after CONTAINER"
        is "$stdout" ".*top-joined  *root  *1  *0  .*sleep 1004.*" "a container that joined with run --pod"
        # (the infra's root is empty: no /etc/passwd to name uid 0 with)
        is "$stdout" ".*[0-9a-f]{12}-infra  *0  *1  *0  *[0-9]*\.[0-9][0-9][0-9]  *[0-9][^ ]*s  *\?  *0s  */run/skiff-init.*" "the infra's skiff-pause"
        is "$stdout" ".*top-a  *root  *1  *0  *[0-9.]*  *[0-9][^ ]*s  *\?  *0s  *sleep 1001.*" "a: PID 1 of its own pid namespace"
        is "$stdout" ".*top-b  *nobody  *1  *0  *[0-9.]*  *[0-9][^ ]*s  *\?  *0s  *sleep 1003.*" "b: the user by the container's /etc/passwd"
        is "$stdout" ".*top-b  *nobody  *2  *1  .*sleep 1002.*" "b's child: PID 2, PPID 1 as the container sees them"
        is "${#lines[@]}" 6 "a header and five processes"
        run_skiff 0 rm -f -t 0 top-joined

        run_skiff 0 pod top top hpid,comm %C huser
        is "${lines[0]}" "HPID  *COMMAND  *%CPU  *HUSER" "descriptors, comma-separated or not, and AIX codes"
        local hpid
        hpid=$(awk '$2 == "sleep" && $4 == "nobody" { print $1; exit }' <<<"$stdout")
        [[ -n $hpid ]] || die "no sleep of nobody's in the output"
        [[ $(tr '\0' ' ' <"/proc/$hpid/cmdline") == "sleep 100"[23]" " ]] || die "HPID $hpid is the host's pid of b's sleep"

        run_skiff 0 pod top --format json top user,pid,args
        python3 -c '
import json, sys
rows = json.loads(sys.argv[1])
assert all(set(r) == {"user", "pid", "args"} for r in rows), rows
assert {"user": "root", "pid": "1", "args": "sleep 1001"} in rows, rows
assert {"user": "nobody", "pid": "2", "args": "sleep 1002"} in rows, rows
assert len(rows) == 4, rows
' "$stdout" || die "pod top --format json"

        run_skiff 125 pod top top pid,bogus
        is "$stderr" "skiff: pod top top: unknown descriptor 'bogus'"
        run_skiff 125 pod top nosuchpod
        is "$stderr" "skiff: pod top nosuchpod: no such pod"
        run_skiff 0 pod stop top
        run_skiff 125 pod top top
        is "$stderr" "skiff: pod top top: the pod is not running"
        run_skiff 0 kube down "$Y"
        expect_nothing_left
}

@test "/etc/hosts names the pod and every hostAliases entry; --no-hosts keeps the image's" {
        yaml hosts <<EOF
apiVersion: v1
kind: Pod
metadata: {name: hosts}
spec:
  hostname: myhost
  hostAliases:
  - {ip: 10.1.2.3, hostnames: [db, db.local]}
  - {ip: 10.1.2.4, hostnames: [cache]}
  terminationGracePeriodSeconds: 1
  containers:
  - name: a
    image: $IMG
    command: [sh, -c, "echo host=\$(hostname); cat /etc/hosts; echo done; exec sleep 1000"]
  - name: b
    image: $IMG
    command: [sh, -c, "echo host=\$(hostname); grep -c . /etc/hosts; grep cache /etc/hosts; echo done; exec sleep 1000"]
EOF
        run_ctr 0 kube play "$Y"
        wait_for_log hosts "a done"
        wait_for_log hosts "b done"
        run_skiff 0 pod logs -c a hosts
        has "$stdout" "host=myhost" "spec.hostname is the host name"
        has "$stdout" $'127.0.1.1\tmyhost hosts' "the pod's hostname and name"
        has "$stdout" $'10.1.2.3\tdb\tdb.local' "the first hostAliases entry"
        has "$stdout" $'10.1.2.4\tcache' "the second"
        has "$stdout" "127.0.0.1"$'\t'"localhost" "localhost"
        local n
        n=$(grep -c . <<<"$(sed -n '/^127.0.0.1/,/^done$/p' <<<"$stdout" | grep -v '^done$')")
        run_skiff 0 pod logs -c b hosts
        has "$stdout" "host=myhost" "the same host name in every container"
        has "$stdout" $'10.1.2.4\tcache' "the same /etc/hosts in every container"
        is "${lines[1]}" "$n" "b's /etc/hosts has as many lines as a's"
        run_skiff 0 kube down "$Y"

        # --no-hosts: the image's own /etc/hosts, untouched
        mkdir -p "$BATS_TEST_TMPDIR/layer/etc"
        printf '10.9.9.9\tfrom-the-image\n' >"$BATS_TEST_TMPDIR/layer/etc/hosts"
        tar -C "$BATS_TEST_TMPDIR/layer" -cf "$BATS_TEST_TMPDIR/layer.tar" etc
        python3 "$SKIFF_SRCDIR/tests/cli/make-image.py" oci-archive "$BATS_TEST_TMPDIR/hosts.tar" \
                --name localhost/bats-hosts:latest --raw-layer "$BATS_TEST_TMPDIR/layer.tar" >/dev/null
        run_skiff 0 image load -i "$BATS_TEST_TMPDIR/hosts.tar"
        yaml nohosts <<EOF
apiVersion: v1
kind: Pod
metadata: {name: nohosts}
spec:
  hostAliases:
  - {ip: 10.1.2.3, hostnames: [db]}
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: localhost/bats-hosts:latest
    command: [sh, -c, "cat /etc/hosts; grep -q ' /etc/hosts ' /proc/mounts && echo hosts-mounted || echo hosts-of-the-image; echo done; exec sleep 1000"]
EOF
        run_ctr 0 kube play --no-hosts "$Y"
        wait_for_log nohosts "^done"
        run_skiff 0 pod logs nohosts
        is "$stdout" $'10.9.9.9\tfrom-the-image\nhosts-of-the-image\ndone' "--no-hosts: the image's /etc/hosts alone"
        run_skiff 0 kube down "$Y"
        # and without --no-hosts the same image gets the pod's
        run_ctr 0 kube play "$Y"
        wait_for_log nohosts "^done"
        run_skiff 0 pod logs nohosts
        has "$stdout" $'10.1.2.3\tdb' "without --no-hosts: the pod's /etc/hosts"
        has "$stdout" "hosts-mounted" "bound over the image's"
        run_skiff 0 kube down "$Y"
        run_skiff 0 image rm localhost/bats-hosts:latest
        expect_nothing_left
}

@test "kube play --configmap FILE, --log-driver, --annotation K=V" {
        cat >"$BATS_TEST_TMPDIR/cm.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: extcm}
data: {GREETING: from-the-configmap-file, app.conf: "port 99"}
EOF
        yaml flags <<EOF
apiVersion: v1
kind: Pod
metadata: {name: flags, annotations: {from.yaml: yes-yaml}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: $IMG
    command: [sh, -c, "echo G=\$GREETING; cat /etc/ext/app.conf; echo; echo done; exec sleep 1000"]
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: extcm, key: GREETING}}}
    volumeMounts:
    - {name: ext, mountPath: /etc/ext}
  volumes:
  - {name: ext, configMap: {name: extcm}}
EOF
        # without the file the reference dangles
        run_ctr 1 kube play "$Y"
        has "$stderr" "extcm" "the missing ConfigMap is named"
        run_skiff 125 pod inspect flags

        run_ctr 0 kube play --configmap "$BATS_TEST_TMPDIR/cm.yaml" --annotation team=infra --annotation note=a=b "$Y"
        wait_for_log flags "^done"
        run_skiff 0 pod logs flags
        has "$stdout" "G=from-the-configmap-file" "env from the --configmap file"
        has "$stdout" "port 99" "a configMap volume from it"
        run_skiff 0 pod inspect flags
        python3 -c '
import json, sys
pod = json.loads(sys.argv[1])[0]
ann = pod["annotations"]
assert "team=infra" in ann and "note=a=b" in ann and "from.yaml=yes-yaml" in ann, ann
' "$stdout" || die "pod inspect shows the --annotation values and the YAML's"
        run_skiff 0 inspect --format '{{.Config.Annotations}}' flags-c
        has "$stdout" "\"team\":\"infra\"" "the containers carry them too"
        local id
        id=$(member_id flags c)
        [[ -s $SKIFF_ROOT/containers/$id/ctr.log ]] || die "k8s-file, the default: the log is written"
        run_skiff 0 inspect --format '{{.HostConfig.LogConfig.Type}}' flags-c
        is "$stdout" "k8s-file"
        # kube down needs only the names: the YAML takes its pod down without the --configmap file
        run_skiff 0 kube down "$Y"
        is "$stdout" "Pod removed: flags .*"

        run_ctr 0 kube play --configmap "$BATS_TEST_TMPDIR/cm.yaml" --log-driver none "$Y"
        run_skiff 0 inspect --format '{{.HostConfig.LogConfig.Type}}' flags-c
        is "$stdout" "none" "--log-driver none"
        id=$(member_id flags c)
        for ((i = 0; i < 20; i++)); do
                [[ $(pod_field flags status) == Running ]] && break
                sleep 0.1
        done
        sleep 0.5
        [[ ! -s $SKIFF_ROOT/containers/$id/ctr.log ]] || die "--log-driver none: no log file"
        run_skiff 0 pod logs flags
        is "$stdout" "" "nothing to show"
        run_skiff 0 kube down "$Y"

        run_ctr 1 kube play --log-driver syslog "$Y"
        is "$stderr" "skiff: kube play: invalid --log-driver 'syslog': use k8s-file, journald or none"
        run_ctr 1 kube play --annotation novalue "$Y"
        is "$stderr" "skiff: kube play: invalid --annotation 'novalue': expected KEY=VALUE"
        expect_nothing_left
}
