#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# usage: bench/kube/run.sh [SKIFF]     (as root; run by hand, never from meson test)
#
# The same 4-container pod YAML with a local busybox image: `skiff kube play` + `skiff kube down`
# against `podman kube play` + `podman kube down` (Debian's podman; installed if missing), hyperfine
# medians in one run, and the RSS of skiff's per-pod supervisor. Everything lives in a temporary
# directory; podman gets its own --root/--runroot and a containers.conf of its own (CONTAINERS_CONF)
# with the clamps TESTING.md says it needs here. BENCH_PODMAN=0 skips podman.
set -euo pipefail

# As bench/run does: everything runs in a mount and network namespace of its own, so podman's default
# kube network is made there, and crun 1.8, which refuses a hybrid host whose cgroup2 tree holds a
# controller, sees that tree hidden under an empty tmpfs. Nothing outside the namespaces changes.
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
command -v hyperfine >/dev/null || apt-get install -y hyperfine >/dev/null

tmp=$(mktemp -d /tmp/bench-kube.XXXXXX)
cleanup() {
        "$skiff" kube down "$tmp/pod.yaml" >/dev/null 2>&1 || true
        if [[ ${BENCH_PODMAN:-1} != 0 ]] && command -v podman >/dev/null; then
                podman "${pm[@]}" kube down "$tmp/pod.yaml" >/dev/null 2>&1 || true
                podman "${pm[@]}" system reset -f >/dev/null 2>&1 || true
                grep -o "$tmp/[^ ]*" /proc/self/mountinfo | sort -ru | xargs -r -n1 umount -l 2>/dev/null || true
        fi
        rm -rf "$tmp"
}
pm=(--root "$tmp/podman-root" --runroot "$tmp/podman-run")
trap cleanup EXIT
export SKIFF_ROOT=$tmp/skiff-root SKIFF_RUNROOT=$tmp/skiff-run

python3 "$here/tests/cli/make-image.py" oci-archive "$tmp/bb.tar" --name localhost/bench-busybox:latest \
        --cmd '["sh"]' >/dev/null
"$skiff" image load -i "$tmp/bb.tar" >/dev/null

# Containers that stop on SIGTERM at once (a shell as PID 1 ignores it unless it traps it), so `down`
# measures the tools, not a grace period.
ctr() {
        echo "  - {name: $1, image: localhost/bench-busybox:latest, imagePullPolicy: Never,"
        echo "     command: [sh, -c, \"trap 'exit 0' TERM; while :; do sleep 0.1; done\"]}"
}
{
        echo "apiVersion: v1"
        echo "kind: Pod"
        echo "metadata: {name: bench}"
        echo "spec:"
        echo "  terminationGracePeriodSeconds: 10"
        echo "  containers:"
        for c in a b c d; do ctr "$c"; done
} >"$tmp/pod.yaml"

echo "== skiff: $("$skiff" --version) (machine shared with other work: see the spread)"
"$skiff" kube play "$tmp/pod.yaml" >/dev/null
sleep 0.5
sup=$("$skiff" pod inspect bench | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["state"]["supervisorPid"])')
echo "supervisor RSS: $(awk '/VmRSS/ { print $2, $3 }' /proc/"$sup"/status)" \
        "(anon $(awk '/RssAnon/ { print $2, $3 }' /proc/"$sup"/status), 4 containers)"
"$skiff" kube down "$tmp/pod.yaml" >/dev/null

cmds=(-n skiff-play -p "$skiff kube down $tmp/pod.yaml" "$skiff kube play $tmp/pod.yaml")
down=(-n skiff-down -p "$skiff kube play $tmp/pod.yaml" "$skiff kube down $tmp/pod.yaml")
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
        podman "${pm[@]}" load -i "$tmp/bb.tar" >/dev/null
        # podman's down fails when there is nothing to take down: the prepare step must not
        cmds+=(-n podman-play -p "sh -c 'podman ${pm[*]} kube down $tmp/pod.yaml >/dev/null 2>&1 || true'"
                "podman ${pm[*]} kube play $tmp/pod.yaml")
        down+=(-n podman-down -p "sh -c 'podman ${pm[*]} kube down $tmp/pod.yaml >/dev/null 2>&1; podman ${pm[*]} kube play $tmp/pod.yaml >/dev/null'"
                "podman ${pm[*]} kube down $tmp/pod.yaml")
fi
hyperfine -N -w 2 -r 10 --export-json "$tmp/play.json" "${cmds[@]}"
"$skiff" kube down "$tmp/pod.yaml" >/dev/null 2>&1 || true
if [[ ${BENCH_PODMAN:-1} != 0 ]]; then
        podman "${pm[@]}" kube down "$tmp/pod.yaml" >/dev/null 2>&1 || true
fi
hyperfine -N -w 1 -r 10 --export-json "$tmp/down.json" "${down[@]}"
python3 - "$tmp/play.json" "$tmp/down.json" <<'PY'
import json, sys
for f in sys.argv[1:]:
    r = {x["command"]: x["median"] for x in json.load(open(f))["results"]}
    for k, v in r.items():
        print(f"{k}: median {v * 1000:.1f} ms")
    names = list(r)
    if len(names) == 2:
        print(f"  ratio {names[1]}/{names[0]}: {r[names[1]] / r[names[0]]:.1f}x")
PY
