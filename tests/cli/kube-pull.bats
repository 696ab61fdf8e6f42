#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# kube play pulls the images its pods need (issue 5, point 5), against a real docker-registry on
# 127.0.0.1 (tests/cli/registry.bash), as root: imagePullPolicy IfNotPresent (the default for a tag
# other than :latest), Always and Never; every image before anything is created, so a pull that fails
# leaves no pod, container, record or mount behind. A registry-proxy.py in front of the registry logs
# every request the pulls make.

load helpers
load container-helpers
load registry

setup_file() {
        container_setup_file
        local t
        for t in docker-registry skopeo curl /usr/bin/python3; do
                if ! command -v "$t" >/dev/null; then
                        echo "$t is not installed (scripts/packages.txt)" >"$BATS_FILE_TMPDIR/skip"
                        return 0
                fi
        done
        if [[ ! -x /bin/busybox ]]; then
                echo "busybox-static is not installed" >"$BATS_FILE_TMPDIR/skip"
                return 0
        fi
        export LAYOUT=$BATS_FILE_TMPDIR/oci
        image_build "$LAYOUT" app --label role=app >/dev/null
        image_build "$LAYOUT" tool --label role=tool >/dev/null
        REG=$(registry_start "$BATS_FILE_TMPDIR/reg")
        export REG
        image_push "$LAYOUT" app "$REG" app:1
        image_push "$LAYOUT" tool "$REG" tool:1
}

teardown_file() {
        registry_stop_all
        if [[ -n ${SKIFF_ROOT:-} ]]; then
                for f in "$BATS_FILE_TMPDIR"/*.yaml; do
                        [[ -f $f ]] && "$SKIFF" kube down "$f" >/dev/null 2>&1
                done
        fi
        container_teardown_file
}

setup() {
        [[ -n ${SKIFF_ROOT:-} ]] || skip "pod tests need root (namespaces, overlay, cgroups)"
        [[ ! -f $BATS_FILE_TMPDIR/skip ]] || skip "$(<"$BATS_FILE_TMPDIR/skip")"
        require_spawn
        # Every test starts from a store without the registry's images.
        "$SKIFF" image rm -f "127.0.0.1:$REG/app:1" "127.0.0.1:$REG/tool:1" >/dev/null 2>&1 || true
        export REGISTRY_PID_DIR=$BATS_TEST_TMPDIR
        export CONTAINERS_REGISTRIES_CONF=$BATS_TEST_TMPDIR/registries.conf SKIFF_REGISTRIES_CONF_DIR=
        : >"$CONTAINERS_REGISTRIES_CONF"
        snapshot >"$BATS_TEST_TMPDIR/before"
}

teardown() {
        registry_stop_all "$BATS_TEST_TMPDIR"
}

# What a play may create: records, run dirs and mounts under our dirs, cgroups under this file's.
snapshot() {
        echo "## mounts"
        grep -F -e "$SKIFF_ROOT" -e "$SKIFF_RUNROOT" /proc/self/mountinfo | awk '{ print $5 }' | sort
        echo "## cgroups"
        while read -r d; do
                find "$d" -mindepth 1 -type d | sort
        done <"$BATS_FILE_TMPDIR/cgroups"
        echo "## state"
        find "$SKIFF_ROOT/containers" "$SKIFF_RUNROOT/containers" "$SKIFF_ROOT/pods" "$SKIFF_RUNROOT/pods" \
                "$SKIFF_ROOT/volumes" -mindepth 1 2>/dev/null \
                | grep -v -e '/names$' -e '/\.lock$' -e '/pods/\.empty-root' | sort
}

expect_nothing_created() {
        local now
        now=$(snapshot)
        if [[ $now != "$(<"$BATS_TEST_TMPDIR/before")" ]]; then
                diff -u "$BATS_TEST_TMPDIR/before" <(echo "$now") >&2 || true
                die "the play left something behind (see the diff above)"
        fi
}

# yaml NAME <<EOF: writes $BATS_FILE_TMPDIR/NAME.yaml into $Y (teardown_file downs them all)
yaml() {
        Y=$BATS_FILE_TMPDIR/$1.yaml
        cat >"$Y"
}

# The image names in the store, one per line.
stored_images() {
        "$SKIFF" images --format json | python3 -c '
import json, sys
for i in json.load(sys.stdin):
    for n in i.get("names") or i.get("Names") or []:
        print(n)'
}

@test "kube play --help: --tls-verify and --authfile" {
        run_skiff 0 kube play --help
        is "$stdout" ".*--tls-verify.*--authfile.*"
        run_skiff 1 kube play --tls-verify=maybe /dev/null
        is "$stderr" "skiff: kube play: invalid --tls-verify 'maybe': use true or false"
}

@test "a pod whose two images are missing: both are pulled, then it runs" {
        yaml two <<EOF
apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: web
    image: 127.0.0.1:$REG/app:1
    command: [sh, -c, "cat /tag; exec sleep 1000"]
  - name: side
    image: 127.0.0.1:$REG/tool:1
    command: [sh, -c, "cat /tag; exec sleep 1000"]
EOF
        run stored_images
        [[ $output != *"127.0.0.1:$REG/"* ]] || die "the images are in the store already: $output"
        run_ctr 0 kube play --tls-verify=false "$Y"
        is "${lines[0]}" "Pod:" "the play succeeded"
        is "$stderr" ".*Trying to pull 127.0.0.1:$REG/app:1.*" "app pulled"
        is "$stderr" ".*Trying to pull 127.0.0.1:$REG/tool:1.*" "tool pulled"
        run stored_images
        is "$output" ".*127.0.0.1:$REG/app:1.*" "app is in the store"
        is "$output" ".*127.0.0.1:$REG/tool:1.*" "tool is in the store"
        # each container runs its own image (make-oci-image.py puts the tag in /tag)
        local i
        for ((i = 0; i < 100; i++)); do
                run "$SKIFF" pod logs two
                [[ $output == *"web app"* && $output == *"side tool"* ]] && break
                sleep 0.1
        done
        is "$output" ".*web app.*" "web runs the app image"
        is "$output" ".*side tool.*" "side runs the tool image"
        run_skiff 0 kube down "$Y"
        expect_nothing_created
}

@test "a missing image (404) fails the play with one error naming container and image; nothing created" {
        yaml missing <<EOF
apiVersion: v1
kind: Pod
metadata: {name: missing}
spec:
  containers:
  - name: web
    image: 127.0.0.1:$REG/app:1
    command: [sleep, "1000"]
  - name: side
    image: 127.0.0.1:$REG/nosuch:1
    command: [sleep, "1000"]
EOF
        run_ctr 125 kube play -q --tls-verify=false "$Y"
        is "${#lines[@]}" 1 "one line of output"
        is "$stderr" "skiff: kube play: container side: image 127.0.0.1:$REG/nosuch:1: .*404.*"
        run_skiff 0 pod ps
        is "${#lines[@]}" 1 "no pod (the header only)"
        run_skiff 0 ps -a
        is "${#lines[@]}" 1 "no container (the header only)"
        expect_nothing_created
}

@test "imagePullPolicy Never with a missing image fails without contacting the registry" {
        local proxy
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log")
        : >"$BATS_TEST_TMPDIR/proxy.log" # the start's own GET /v2/
        yaml never <<EOF
apiVersion: v1
kind: Pod
metadata: {name: never}
spec:
  containers:
  - name: web
    image: 127.0.0.1:$proxy/app:1
    imagePullPolicy: Never
    command: [sleep, "1000"]
EOF
        run_ctr 125 kube play --tls-verify=false "$Y"
        is "$stderr" "skiff: kube play: container web: image 127.0.0.1:$proxy/app:1: not in the local image store \(imagePullPolicy Never\)"
        [[ ! -s $BATS_TEST_TMPDIR/proxy.log ]] || die "the registry was asked: $(cat "$BATS_TEST_TMPDIR/proxy.log")"
        expect_nothing_created
}

@test "IfNotPresent uses the stored image without asking; Always asks the registry again (manifest only)" {
        local proxy
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log")
        yaml ifnp <<EOF
apiVersion: v1
kind: Pod
metadata: {name: ifnp}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: web
    image: 127.0.0.1:$proxy/app:1
    command: [sleep, "1000"]
EOF
        # first play: missing, pulled (manifest, config and layers)
        run_ctr 0 kube play --tls-verify=false "$Y"
        run grep -c "^GET /v2/app/blobs/" "$BATS_TEST_TMPDIR/proxy.log"
        [[ $output -ge 2 ]] || die "the first pull fetched $output blobs"
        run_skiff 0 kube down "$Y"
        # second play: present, IfNotPresent does not ask
        : >"$BATS_TEST_TMPDIR/proxy.log"
        run_ctr 0 kube play --tls-verify=false "$Y"
        [[ ! -s $BATS_TEST_TMPDIR/proxy.log ]] || die "IfNotPresent asked the registry: $(cat "$BATS_TEST_TMPDIR/proxy.log")"
        run_skiff 0 kube down "$Y"
        # Always: the manifest is asked for again, the stored blobs are not fetched
        sed -i 's/^    command:/    imagePullPolicy: Always\n    command:/' "$Y"
        run_ctr 0 kube play --tls-verify=false "$Y"
        is "$stderr" ".*Trying to pull 127.0.0.1:$proxy/app:1.*"
        run cat "$BATS_TEST_TMPDIR/proxy.log"
        is "$output" ".*GET /v2/app/manifests/1 200.*" "Always asked for the manifest"
        [[ $output != *"/blobs/"* ]] || die "Always fetched blobs that are stored: $output"
        run_skiff 0 kube down "$Y"
        expect_nothing_created
}

@test "Always with an unreachable registry fails the play, even with the image stored" {
        yaml always <<EOF
apiVersion: v1
kind: Pod
metadata: {name: always}
spec:
  containers:
  - name: web
    image: 127.0.0.1:$REG/app:1
    command: [sleep, "1000"]
EOF
        run_ctr 0 kube play -q --tls-verify=false "$Y"
        run_skiff 0 kube down "$Y"
        snapshot >"$BATS_TEST_TMPDIR/before"
        # the same image through a port where nothing listens, Always: Kubernetes' ErrImagePull
        local port
        port=$(registry_free_port)
        "$SKIFF" image tag "127.0.0.1:$REG/app:1" "127.0.0.1:$port/app:1" 2>/dev/null ||
                skip "skiff image tag is not available"
        sed -i "s|127.0.0.1:$REG/app:1|127.0.0.1:$port/app:1|; s/^    command:/    imagePullPolicy: Always\n    command:/" "$Y"
        run_ctr 125 kube play -q --tls-verify=false "$Y"
        is "$stderr" "skiff: kube play: container web: image 127.0.0.1:$port/app:1: .*"
        expect_nothing_created
}

@test "under systemd (--service-container), a slow pull keeps extending the start timeout (EXTEND_TIMEOUT_USEC)" {
        local proxy rate d=$BATS_TEST_TMPDIR i
        # an image of its own, with a 1 MiB layer no other test stores: about 8 s at this rate, past the
        # extender's 5 s period (the busybox layer, when not stored yet, adds to it)
        image_build "$LAYOUT" slow --big-mib 1 >/dev/null
        image_push "$LAYOUT" slow "$REG" slow:1
        rate=$((1024 * 1024 / 8))
        proxy=$(registry_proxy_start "$REG" "$d/proxy.log" --rate "$rate")
        yaml slow <<EOF
apiVersion: v1
kind: Pod
metadata: {name: slow}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: web
    image: 127.0.0.1:$proxy/slow:1
    command: [sleep, "1000"]
EOF
        # a datagram listener like systemd's notify socket, writing down every message and when
        python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
out = open(sys.argv[2], "w")
t0 = time.monotonic()
while True:
    try:
        m = s.recv(4096).decode()
    except socket.timeout:
        break
    for line in m.split("\n"):
        out.write("%.1f %s\n" % (time.monotonic() - t0, line))
    out.flush()
    if "READY=1" in m:
        break
' "$d/notify.sock" "$d/notify.log" &
        local listener=$!
        for ((i = 0; i < 50; i++)); do
                [[ -S $d/notify.sock ]] && break
                sleep 0.1
        done
        NOTIFY_SOCKET=$d/notify.sock run_ctr 0 kube play --tls-verify=false --service-container=true "$Y"
        wait "$listener"
        cat "$d/notify.log" >&2
        local extends
        extends=$(sed -n '/READY=1/q; / EXTEND_TIMEOUT_USEC=15000000$/p' "$d/notify.log" | wc -l)
        ((extends >= 2)) || die "$extends EXTEND_TIMEOUT_USEC= before READY=1 (want 2 or more during an 8 s pull)"
        grep -q ' STATUS=Pulling 1 image$' "$d/notify.log" || die "no STATUS= while pulling"
        grep -q ' READY=1$' "$d/notify.log" || die "no READY=1 once the pod runs"
        # no pull, no extension: the image is stored now
        "$SKIFF" kube down "$Y" >/dev/null
        : >"$d/notify.log"
        python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(30)
out = open(sys.argv[2], "w")
while True:
    m = s.recv(4096).decode(); out.write(m + "\n"); out.flush()
    if "READY=1" in m: break
' "$d/notify2.sock" "$d/notify.log" &
        listener=$!
        for ((i = 0; i < 50; i++)); do
                [[ -S $d/notify2.sock ]] && break
                sleep 0.1
        done
        NOTIFY_SOCKET=$d/notify2.sock run_ctr 0 kube play --tls-verify=false --service-container=true "$Y"
        wait "$listener"
        ! grep -q EXTEND_TIMEOUT_USEC "$d/notify.log" || die "an extension without a pull: $(cat "$d/notify.log")"
        run_skiff 0 kube down "$Y"
        expect_nothing_created
}
