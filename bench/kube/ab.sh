#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# usage: bench/kube/ab.sh SKIFF-A SKIFF-B [RUNS]   (as root; run by hand, never from meson test)
#
# A paired A/B of two skiff builds on bench/kube/run.sh's 4-container pod: RUNS (default 40) rounds,
# each a `kube play` of A then of B (the order swapped every round), each play timed on its own after
# an untimed `kube down`; prints the median and quartiles of each and the ratio of the medians. On a
# shared machine, alternating runs put both builds under the same load; quote `uptime` with it.
set -euo pipefail

if [[ -z ${BENCH_IN_NS:-} ]]; then
        exec unshare -m -n --propagation private env BENCH_IN_NS=1 "$0" "$@"
fi
ip link set lo up
if grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
        mount -t tmpfs -o size=1m,mode=0755 bench-hide-cgroup2 /sys/fs/cgroup/unified
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
a=${1:?usage: ab.sh SKIFF-A SKIFF-B [RUNS]} b=${2:?usage: ab.sh SKIFF-A SKIFF-B [RUNS]} runs=${3:-40}
[[ -x $a && -x $b ]] || { echo "ab.sh: $a or $b is not executable" >&2; exit 1; }
(($(id -u) == 0)) || { echo "run as root" >&2; exit 1; }

tmp=$(mktemp -d /tmp/bench-kube-ab.XXXXXX)
cleanup() {
        for x in a b; do
                SKIFF_ROOT=$tmp/$x-root SKIFF_RUNROOT=$tmp/$x-run "${!x}" kube down "$tmp/pod.yaml" >/dev/null 2>&1 || true
        done
        rm -rf "$tmp"
}
trap cleanup EXIT

python3 "$here/tests/cli/make-image.py" oci-archive "$tmp/bb.tar" --name localhost/bench-busybox:latest \
        --cmd '["sh"]' >/dev/null
{
        echo "apiVersion: v1"
        echo "kind: Pod"
        echo "metadata: {name: bench}"
        echo "spec:"
        echo "  terminationGracePeriodSeconds: 10"
        echo "  containers:"
        for c in a b c d; do
                echo "  - {name: $c, image: localhost/bench-busybox:latest, imagePullPolicy: Never,"
                echo "     command: [sh, -c, \"trap 'exit 0' TERM; while :; do sleep 0.1; done\"]}"
        done
} >"$tmp/pod.yaml"
for x in a b; do
        SKIFF_ROOT=$tmp/$x-root SKIFF_RUNROOT=$tmp/$x-run "${!x}" image load -i "$tmp/bb.tar" >/dev/null
done

echo "== A: $a ($("$a" --version))"
echo "== B: $b ($("$b" --version))"
echo "== load before: $(uptime)"
python3 - "$a" "$b" "$tmp" "$runs" <<'PY'
import os, statistics, subprocess, sys, time
a, b, tmp, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
yaml = f"{tmp}/pod.yaml"
times = {"A": [], "B": []}

def env(x):
    return dict(os.environ, SKIFF_ROOT=f"{tmp}/{x}-root", SKIFF_RUNROOT=f"{tmp}/{x}-run")

def play(name, exe):
    e = env(name.lower())
    subprocess.run([exe, "kube", "down", yaml], env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t = time.perf_counter()
    subprocess.run([exe, "kube", "play", yaml], env=e, stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - t) * 1000

for name, exe in (("A", a), ("B", b)):  # warm-up, not counted
    play(name, exe)
for i in range(runs):
    order = (("A", a), ("B", b)) if i % 2 == 0 else (("B", b), ("A", a))
    for name, exe in order:
        times[name].append(play(name, exe))
for name in ("A", "B"):
    q = statistics.quantiles(times[name], n=4)
    print(f"{name} play: median {statistics.median(times[name]):.1f} ms (quartiles {q[0]:.1f}-{q[2]:.1f}, "
          f"min {min(times[name]):.1f}, {len(times[name])} runs)")
print(f"B/A median: {statistics.median(times['B']) / statistics.median(times['A']):.3f}")
PY
echo "== load after: $(uptime)"
