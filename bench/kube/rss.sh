#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# usage: bench/kube/rss.sh [SKIFF]     (as root; run by hand, never from meson test)
#
# The memory of what keeps a pod running, for pods of 1, 4 and 10 containers (busybox shells that
# sleep), so that the cost per container shows: skiff's one supervisor per pod (skiff-pod) against
# podman's conmon, one per container (plus the infra's). VmRSS from /proc/PID/status, and Pss from
# /proc/PID/smaps_rollup (pages shared with other processes, such as a binary's text mapped by every
# pod's supervisor, count in part). Set up as run.sh does (own mount and network namespace, own
# --root/--runroot for podman); BENCH_PODMAN=0 skips podman.
set -euo pipefail

if [[ -z ${BENCH_IN_NS:-} ]]; then
        exec unshare -m -n --propagation private env BENCH_IN_NS=1 "$0" "$@"
fi
ip link set lo up
if grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
        mount -t tmpfs -o size=1m,mode=0755 bench-hide-cgroup2 /sys/fs/cgroup/unified
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
skiff=${1:-$here/build/src/cli/skiff}
[[ -x $skiff ]] || { echo "no skiff at $skiff (build it, or pass its path)" >&2; exit 1; }
(($(id -u) == 0)) || { echo "run as root" >&2; exit 1; }

tmp=$(mktemp -d /tmp/bench-kube-rss.XXXXXX)
pm=(--root "$tmp/podman-root" --runroot "$tmp/podman-run")
cleanup() {
        for n in 1 4 10; do
                [[ -f $tmp/pod$n.yaml ]] || continue
                "$skiff" kube down "$tmp/pod$n.yaml" >/dev/null 2>&1 || true
                if [[ ${BENCH_PODMAN:-1} != 0 ]] && command -v podman >/dev/null; then
                        podman "${pm[@]}" kube down "$tmp/pod$n.yaml" >/dev/null 2>&1 || true
                fi
        done
        if [[ ${BENCH_PODMAN:-1} != 0 ]] && command -v podman >/dev/null; then
                podman "${pm[@]}" system reset -f >/dev/null 2>&1 || true
                grep -o "$tmp/[^ ]*" /proc/self/mountinfo | sort -ru | xargs -r -n1 umount -l 2>/dev/null || true
        fi
        rm -rf "$tmp"
}
trap cleanup EXIT
export SKIFF_ROOT=$tmp/skiff-root SKIFF_RUNROOT=$tmp/skiff-run

python3 "$here/tests/cli/make-image.py" oci-archive "$tmp/bb.tar" --name localhost/bench-busybox:latest \
        --cmd '["sh"]' >/dev/null
"$skiff" image load -i "$tmp/bb.tar" >/dev/null

for n in 1 4 10; do
        {
                echo "apiVersion: v1"
                echo "kind: Pod"
                echo "metadata: {name: rss$n}"
                echo "spec:"
                echo "  terminationGracePeriodSeconds: 10"
                echo "  containers:"
                for ((i = 0; i < n; i++)); do
                        echo "  - {name: c$i, image: localhost/bench-busybox:latest, imagePullPolicy: Never,"
                        echo "     command: [sh, -c, \"trap 'exit 0' TERM; echo started; while :; do sleep 0.1; done\"]}"
                done
        } >"$tmp/pod$n.yaml"
done

# kB of VmRSS and Pss of the given pids, summed
mem() {
        local rss=0 pss=0 p
        for p in "$@"; do
                rss=$((rss + $(awk '/^VmRSS/ { print $2 }' /proc/"$p"/status)))
                pss=$((pss + $(awk '/^Pss:/ { print $2 }' /proc/"$p"/smaps_rollup)))
        done
        echo "$rss $pss"
}

echo "== skiff: $("$skiff" --version); $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg) (machine shared with other work)"
declare -A srss spss
for n in 1 4 10; do
        "$skiff" kube play "$tmp/pod$n.yaml" >/dev/null
        sleep 1 # the containers' first output went through the supervisor's log path
        sup=$("$skiff" pod inspect "rss$n" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["state"]["supervisorPid"])')
        read -r r p < <(mem "$sup")
        srss[$n]=$r spss[$n]=$p
        printf 'skiff  %2d containers: supervisor (1 process, %s) VmRSS %5d kB  Pss %5d kB\n' "$n" \
                "$(cat /proc/"$sup"/comm)" "$r" "$p"
        "$skiff" kube down "$tmp/pod$n.yaml" >/dev/null
done
printf 'skiff  per container (10 vs 1): VmRSS %d kB, Pss %d kB\n' $(((srss[10] - srss[1]) / 9)) $(((spss[10] - spss[1]) / 9))

if [[ ${BENCH_PODMAN:-1} != 0 ]]; then
        command -v podman >/dev/null || apt-get install -y podman >/dev/null
        cat >"$tmp/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
        export CONTAINERS_CONF=$tmp/containers.conf
        podman "${pm[@]}" load -i "$tmp/bb.tar" >/dev/null 2>&1
        declare -A prss ppss
        for n in 1 4 10; do
                podman "${pm[@]}" kube play "$tmp/pod$n.yaml" >/dev/null 2>&1 # "failed to connect to syslog" here
                sleep 1
                # every conmon of this pod's containers (the infra's too), by the ids podman gives
                mapfile -t pids < <(podman "${pm[@]}" ps -a --filter "pod=rss$n" --format '{{.ID}}' |
                        xargs podman "${pm[@]}" inspect --format '{{.State.ConmonPid}}' | grep -v '^0$')
                read -r r p < <(mem "${pids[@]}")
                prss[$n]=$r ppss[$n]=$p
                printf 'podman %2d containers: conmon (%d processes) VmRSS %5d kB  Pss %5d kB\n' "$n" "${#pids[@]}" "$r" "$p"
                podman "${pm[@]}" kube down "$tmp/pod$n.yaml" >/dev/null
        done
        printf 'podman per container (10 vs 1): VmRSS %d kB, Pss %d kB\n' $(((prss[10] - prss[1]) / 9)) $(((ppss[10] - ppss[1]) / 9))
        printf 'ratio podman/skiff at 4 containers: VmRSS %.1fx, Pss %.1fx\n' \
                "$(echo "${prss[4]} / ${srss[4]}" | bc -l)" "$(echo "${ppss[4]} / ${spss[4]}" | bc -l)"
fi
