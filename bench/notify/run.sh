#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# usage: bench/notify/run.sh [SKIFF [SKIFF_GENERATOR]]     (as root; by hand, never from meson test)
#        RUNS=N (default 15)   BENCH_PODMAN=0 skips podman
#
# Time from `systemctl --user start` to `active` for a 2-container pod under a real standalone
# `systemd --user` manager (../shared/TESTING.md), skiff against Debian's podman (4.3, installed if
# missing), both rootful, under the same manager, with the same busybox image, in the same run:
#
#   gensd  `pod create` + 2 containers, then `generate systemd --new --files --name POD`: a pod unit
#          and 2 container units (podman's: Type=forking pod, conmon-notified containers; skiff's: its
#          supervisor and monitors as the main processes)
#   kube   the same 2 containers as Kubernetes YAML in one unit: skiff's generator turning a quadlet
#          `.kube` file into `skiff kube play --service-container=true` against podman's own
#          podman-kube@.service template (`podman play kube --service-container=true`)
#
# One sample: stop every unit of the case, then `systemctl --user start bench-CASE.target`, a target that
# Requires= and is After= every unit of the case, so the call returns when the last one is active (for
# Type=notify units: when READY=1 arrived; for forking: when the parent exited). Right after each start
# the script checks that both containers of the pod run (by the tool's own `ps`), and fails otherwise.
# Prints median, min and max per tool and case, and the ratios podman/skiff.
#
# Like bench/kube, everything runs in mount and network namespaces of its own (podman's default network
# is made there; crun 1.8, which refuses a hybrid host whose cgroup2 tree holds a controller, sees that
# tree hidden under an empty tmpfs); the manager gets a cgroup of its own under ours in each v1 hierarchy
# it uses, a tmpfs over /run/systemd with /run/systemd/system in it, and its own XDG dirs in a temporary
# directory. Nothing outside the namespaces changes; the manager, its units and the directory are gone at
# exit.
set -euo pipefail

if [[ -z ${BENCH_IN_NS:-} ]]; then
        (($(id -u) == 0)) || { echo "run as root" >&2; exit 1; }
        exec unshare -m -n --propagation private env BENCH_IN_NS=1 "$0" "$@"
fi
ip link set lo up
if grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
        mount -t tmpfs -o size=1m,mode=0755 bench-hide-cgroup2 /sys/fs/cgroup/unified
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
skiff=$(realpath "${1:-$here/build/src/cli/skiff}")
generator=$(realpath "${2:-$(dirname "$skiff")/../systemd-generator/skiff-generator}")
[[ -x $skiff ]] || { echo "no skiff at $skiff (build it, or pass its path)" >&2; exit 1; }
[[ -x $generator ]] || { echo "no skiff-generator at $generator (pass its path second)" >&2; exit 1; }
runs=${RUNS:-15}
podman_too=${BENCH_PODMAN:-1}
if [[ $podman_too != 0 ]] && ! command -v podman >/dev/null; then
        apt-get install -y podman >/dev/null
fi

tmp=$(mktemp -d /tmp/bench-notify.XXXXXX)
chmod 0755 "$tmp"
home=$tmp/home config=$tmp/home/.config rundir=$tmp/xdg-run gendir=$tmp/generators
mkdir -p "$config/systemd/user" "$config/containers/systemd" "$rundir" "$gendir"
chmod 0700 "$rundir"
cp "$generator" "$gendir/skiff-user-generator"
mgr_pid=
cgdirs=()

export SKIFF_ROOT=$tmp/skiff-root SKIFF_RUNROOT=$tmp/skiff-run SKIFF_GENERATOR_BINARY=$skiff
export CONTAINERS_CONF=$tmp/containers.conf CONTAINERS_STORAGE_CONF=$tmp/storage.conf
cat >"$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$tmp/podman-tmp"
[network]
network_backend = "netavark"
CONF
cat >"$CONTAINERS_STORAGE_CONF" <<CONF
[storage]
driver = "overlay"
graphroot = "$tmp/podman-root"
runroot = "$tmp/podman-run"
CONF

uctl() {
        env -i PATH="$PATH" XDG_RUNTIME_DIR="$rundir" HOME="$home" systemctl --user --no-pager "$@"
}

cleanup() {
        set +e
        if [[ -n $mgr_pid ]]; then
                uctl stop 'bench-*.target' 'pod-*.service' 'container-*.service' 'podman-kube@*.service' \
                        bkube.service >/dev/null 2>&1
                kill -TERM "$mgr_pid" 2>/dev/null
                for _ in $(seq 200); do kill -0 "$mgr_pid" 2>/dev/null || break; sleep 0.05; done
                kill -KILL "$mgr_pid" 2>/dev/null
                wait "$mgr_pid" 2>/dev/null
        fi
        "$skiff" pod rm -f --ignore sb2 sk2 >/dev/null 2>&1
        if [[ $podman_too != 0 ]]; then
                podman pod rm -f --ignore pb2 pk2 >/dev/null 2>&1
                podman system reset -f >/dev/null 2>&1
        fi
        local d
        for d in "${cgdirs[@]}"; do
                [[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
        grep -o "$tmp/[^ ]*" /proc/self/mountinfo | sort -ru | xargs -r -n1 umount -l 2>/dev/null
        rm -rf "$tmp"
}
trap cleanup EXIT

# --- the image, in both stores ---
python3 "$here/tests/cli/make-image.py" oci-archive "$tmp/bb.tar" --name localhost/bench-busybox:latest \
        --cmd '["sh"]' >/dev/null
"$skiff" image load -i "$tmp/bb.tar" >/dev/null
[[ $podman_too == 0 ]] || podman load -i "$tmp/bb.tar" >/dev/null

# Containers that end at once on SIGTERM (a shell as PID 1 ignores it unless it traps it), so the stops
# between samples measure nothing of a grace period.
cmd_sh="trap 'exit 0' TERM; sleep 100000 & wait"
pod_yaml() {
        cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: a
    image: localhost/bench-busybox:latest
    imagePullPolicy: Never
    command: [sh, -c, "$cmd_sh"]
  - name: b
    image: localhost/bench-busybox:latest
    imagePullPolicy: Never
    command: [sh, -c, "$cmd_sh"]
EOF
}

# --- the manager (root's own `systemd --user`, in a cgroup of its own) ---
start_manager() {
        local name=bench-notify-$$ line ctrls path mnt dir
        while IFS= read -r line; do
                ctrls=$(cut -d: -f2 <<<"$line")
                path=$(cut -d: -f3- <<<"$line")
                case $ctrls in
                name=systemd) mnt=/sys/fs/cgroup/systemd ;;
                cpu,cpuacct | memory | pids) mnt=/sys/fs/cgroup/$ctrls ;;
                *) continue ;;
                esac
                [[ -f $mnt/cgroup.procs ]] || continue
                [[ $path == / ]] && path=
                dir=$mnt$path/$name
                mkdir "$dir"
                cgdirs+=("$dir")
        done </proc/self/cgroup
        ((${#cgdirs[@]} > 0)) || { echo "no cgroup hierarchy to put the manager in" >&2; exit 1; }
        mount -t tmpfs -o mode=0755 tmpfs /run/systemd
        mkdir /run/systemd/system
        (
                for dir in "${cgdirs[@]}"; do echo "$BASHPID" >"$dir/cgroup.procs"; done
                exec env -i HOME="$home" USER=root LOGNAME=root SHELL=/bin/sh PATH="$PATH" LANG=C.UTF-8 \
                        XDG_RUNTIME_DIR="$rundir" XDG_CONFIG_HOME="$config" SYSTEMD_GENERATOR_PATH="$gendir:" \
                        SKIFF_ROOT="$SKIFF_ROOT" SKIFF_RUNROOT="$SKIFF_RUNROOT" SKIFF_GENERATOR_BINARY="$skiff" \
                        CONTAINERS_CONF="$CONTAINERS_CONF" CONTAINERS_STORAGE_CONF="$CONTAINERS_STORAGE_CONF" \
                        /lib/systemd/systemd --user --log-target=console --log-level=notice \
                        --default-standard-output=null --default-standard-error=inherit
        ) </dev/null >>"$tmp/manager.log" 2>&1 &
        mgr_pid=$!
        local i st=
        for ((i = 0; i < 500; i++)); do
                if [[ -S $rundir/systemd/private ]]; then
                        st=$(uctl show -P SystemState 2>/dev/null) || st=
                        [[ $st == running || $st == degraded ]] && return 0
                fi
                kill -0 "$mgr_pid" 2>/dev/null || break
                sleep 0.02
        done
        echo "systemd --user did not come up (state '$st'); its log:" >&2
        cat "$tmp/manager.log" >&2
        exit 1
}

# target NAME UNIT...: bench-NAME.target, started when every UNIT is.
target() {
        local name=$1 u
        shift
        {
                echo "[Unit]"
                for u in "$@"; do echo "Requires=$u"; echo "After=$u"; done
        } >"$config/systemd/user/bench-$name.target"
}

# --- the units ---
# skiff, gensd: pod create + 2 containers, then generate systemd --new (the pod must run for `create --pod`)
"$skiff" pod create --name sb2 >/dev/null
"$skiff" pod start sb2 >/dev/null
for c in a b; do "$skiff" create --pod sb2 --name "sb2-$c" localhost/bench-busybox:latest sh -c "$cmd_sh" >/dev/null; done
(cd "$config/systemd/user" && "$skiff" generate systemd --new --files --name sb2 >/dev/null)
"$skiff" pod rm -f sb2 >/dev/null
target skiff-gensd pod-sb2.service container-sb2-a.service container-sb2-b.service
# skiff, kube: a quadlet .kube file (the generator makes bkube.service at daemon-reload)
pod_yaml sk2 >"$config/containers/systemd/bkube.yaml"
printf '[Kube]\nYaml=bkube.yaml\n' >"$config/containers/systemd/bkube.kube"
target skiff-kube bkube.service
cases=(skiff-gensd skiff-kube)
if [[ $podman_too != 0 ]]; then
        podman pod create --name pb2 >/dev/null
        for c in a b; do podman create --pod pb2 --name "pb2-$c" localhost/bench-busybox:latest sh -c "$cmd_sh" >/dev/null; done
        (cd "$config/systemd/user" && podman generate systemd --new --files --name pb2 >/dev/null)
        podman pod rm -f pb2 >/dev/null
        target podman-gensd pod-pb2.service container-pb2-a.service container-pb2-b.service
        pod_yaml pk2 >"$tmp/pk2.yaml"
        pk_unit="podman-kube@$(systemd-escape "$tmp/pk2.yaml").service"
        target podman-kube "$pk_unit"
        cases+=(podman-gensd podman-kube)
fi

start_manager
load=$(cut -d' ' -f1-3 /proc/loadavg)

units_of() {
        sed -n 's/^Requires=//p' "$config/systemd/user/bench-$1.target"
}
# running_of CASE: how many of the case's two containers run, by the tool's own ps.
running_of() {
        local tool=${1%%-*} pod
        case $1 in
        skiff-gensd) pod=sb2 ;; skiff-kube) pod=sk2 ;; podman-gensd) pod=pb2 ;; podman-kube) pod=pk2 ;;
        esac
        if [[ $tool == skiff ]]; then "$skiff" ps --format json; else podman ps --format json; fi |
                python3 -c '
import json, sys
want = {sys.argv[1] + "-a", sys.argv[1] + "-b"}
names = set()
for c in json.load(sys.stdin):
    n = c.get("Names")
    names.update(n if isinstance(n, list) else [n])
print(len(want & names))' "$pod"
}

declare -A samples
for c in "${cases[@]}"; do
        # one warm-up start (podman builds its pause image on the first pod)
        uctl start "bench-$c.target"
        [[ $(running_of "$c") == 2 ]] || { echo "$c: the pod does not run after the warm-up start" >&2; exit 1; }
        uctl stop $(units_of "$c")
done
for ((i = 0; i < runs; i++)); do
        # interleaved, so that a burst of load from other work on the machine hits every case alike
        for c in "${cases[@]}"; do
                t0=$(date +%s%N)
                uctl start "bench-$c.target"
                t1=$(date +%s%N)
                n=$(running_of "$c")
                if [[ $n != 2 ]]; then
                        echo "$c: run $i: 'systemctl start' returned with $n of 2 containers running" >&2
                        uctl status $(units_of "$c") >&2 || true
                        exit 1
                fi
                samples[$c]+="$(((t1 - t0) / 1000)) "
                uctl stop $(units_of "$c")
        done
done

echo "== time from 'systemctl --user start' to active, 2-container pod, $runs runs each"
echo "   skiff: $("$skiff" --version 2>/dev/null | head -1); podman: $(podman --version 2>/dev/null || echo none)"
echo "   load average at start: $load, at end: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared with other work)"
for c in "${cases[@]}"; do echo "$c ${samples[$c]}"; done | python3 -c '
import statistics, sys
med = {}
for line in sys.stdin:
    name, *us = line.split()
    ms = sorted(int(u) / 1000 for u in us)
    med[name] = statistics.median(ms)
    print(f"{name:14s} median {med[name]:8.1f} ms   min {ms[0]:8.1f}   max {ms[-1]:8.1f}")
for case in ("gensd", "kube"):
    s, p = med.get("skiff-" + case), med.get("podman-" + case)
    if s and p:
        print(f"ratio podman/skiff ({case}): {p / s:.1f}x")
'
