#!/bin/bash
# bench/run: how long `run --rm IMG true` takes (issue 4), side by side in one hyperfine run:
#   skiff run --rm            (--network none, and a private network namespace)
#   podman run --rm           (Debian's podman 4.3: --network none, and its default bridge network)
#   crun run                  (an equivalent OCI bundle from the same rootfs; its own network namespace)
# Prints the hyperfine medians and the ratios. Run by hand, as root; never from `meson test`.
#
#   bench/run/run.sh [BUILD_DIR]      (default: ./build; skiff is BUILD_DIR/src/cli/skiff, or $SKIFF)
# Measure a release build: meson setup --buildtype=release BUILD_DIR (debug builds are -O0).
# Environment: RUNS (default 30), WARMUP (default 3), SKIFF, KEEP=1 (keep the work directory),
# SKIFF_BASE=path/to/other/skiff (also measure that build, as skiff-base-*, in the same hyperfine run:
# before/after figures on a shared machine, whose load changes from one minute to the next).
#
# Everything it creates lives in one temporary directory (its own podman --root/--runroot and
# containers.conf, its own skiff --root/--runroot); nothing of the host's podman is touched.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build}
SKIFF=${SKIFF:-$BUILD/src/cli/skiff}
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-3}

die() { echo "bench/run: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (podman and crun rootful, like skiff's runtime tests)"

# The whole benchmark runs in a network namespace of its own, so that podman's default bridge
# network (netavark: a bridge, veths, iptables rules) is created there and never on the shared host.
# And crun 1.8 refuses a hybrid host whose cgroup2 tree holds a controller ("cgroups in hybrid mode
# not supported, drop all controllers from cgroupv2"; this host's holds hugetlb): all three tools alike
# run in a private mount namespace too, where that tree is hidden under an empty
# tmpfs (writable: crun still writes its "0::" path there, harmlessly), so that every tool sees plain
# cgroup v1 controllers. Nothing outside the namespace changes.
if [ -z "${BENCH_IN_NS:-}" ]; then
        exec unshare -m -n --propagation private env BENCH_IN_NS=1 "$0" "$@"
fi
ip link set lo up
if grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
        mount -t tmpfs -o size=1m,mode=0755 bench-hide-cgroup2 /sys/fs/cgroup/unified
        echo "bench/run: hybrid host: cgroup2 tree hidden in a private mount namespace (all tools see v1)" >&2
fi

# What we compare against: install it when missing (Debian packages; netavark needs iptables for
# podman's default bridge network).
need=()
for p in podman:podman crun:crun hyperfine:hyperfine busybox:busybox-static iptables:iptables; do
        command -v "${p%%:*}" >/dev/null || need+=("${p#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
        echo "bench/run: installing ${need[*]}" >&2
        apt-get install -y "${need[@]}" >/dev/null
fi

W=$(mktemp -d /tmp/bench-run.XXXXXX)
cleanup() {
        # podman's and skiff's leftovers (there should be none: every run is --rm)
        podman "${PODMAN_ARGS[@]}" rm -af >/dev/null 2>&1 || true
        [ -n "${KEEP:-}" ] && { echo "kept $W" >&2; return; }
        podman "${PODMAN_ARGS[@]}" system reset -f >/dev/null 2>&1 || true
        umount -R "$W"/podman-run 2>/dev/null || true
        rm -rf "$W"
}
PODMAN_ARGS=(--root "$W/podman-root" --runroot "$W/podman-run")
trap cleanup EXIT

# --- the image: busybox-static, entrypoint-less, the same archive for skiff and podman ---------------
IMG=localhost/bench-busybox:latest
MAKE_IMAGE=${MAKE_IMAGE:-$SRC/tests/cli/make-image.py}
[ -x "$MAKE_IMAGE" ] || [ -f "$MAKE_IMAGE" ] || die "$MAKE_IMAGE is missing (it comes with the runtime's CLI tests)"
python3 "$MAKE_IMAGE" docker-archive "$W/img.tar" --name "$IMG" --cmd '["true"]' >/dev/null

# --- podman: its own storage and a containers.conf that works on these hosts (TESTING.md) -----------
cat > "$W/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[network]
network_backend = "netavark"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF=$W/containers.conf
podman "${PODMAN_ARGS[@]}" load -q -i "$W/img.tar" >/dev/null
podman "${PODMAN_ARGS[@]}" run --rm --network none "$IMG" true || die "podman run does not work here"

# --- crun: a bundle from the same rootfs (layer 0 of the archive) --------------------------------
mkdir -p "$W/bundle/rootfs"
python3 - "$W/img.tar" "$W/bundle/rootfs" <<'EOF'
import json, sys, tarfile
src, dest = sys.argv[1], sys.argv[2]
with tarfile.open(src) as t:
    manifest = json.load(t.extractfile("manifest.json"))
    for layer in manifest[0]["Layers"]:
        with tarfile.open(fileobj=t.extractfile(layer)) as lt:
            lt.extractall(dest)
EOF
(cd "$W/bundle" && crun spec)
python3 - "$W/bundle/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
# podman's and skiff's defaults: read-write rootfs (an overlay), the same namespaces as `crun spec`
# (pid, network, ipc, uts, mount; cgroup where supported)
c["root"]["readonly"] = False
json.dump(c, open(p, "w"), indent=1)
EOF
crun run --bundle "$W/bundle" bench-check || die "crun run does not work here"

# --- skiff ---------------------------------------------------------------------------------------
SKIFF_ARGS=(--root "$W/skiff-root" --runroot "$W/skiff-run")
have_skiff=0
if [ -x "$SKIFF" ] && "$SKIFF" "${SKIFF_ARGS[@]}" image load -i "docker-archive:$W/img.tar" >/dev/null 2>&1 \
   && "$SKIFF" "${SKIFF_ARGS[@]}" run --rm --network none "$IMG" true 2>"$W/skiff.err"; then
        have_skiff=1
else
        echo "bench/run: skiff run does not work yet ($SKIFF): $(head -c 300 "$W/skiff.err" 2>/dev/null)" >&2
        echo "bench/run: measuring podman and crun only" >&2
fi

cmds=()
names=()
if [ $have_skiff = 1 ]; then
        cmds+=("$SKIFF ${SKIFF_ARGS[*]} run --rm --network none $IMG true")
        names+=("skiff-none")
        cmds+=("$SKIFF ${SKIFF_ARGS[*]} run --rm --network private $IMG true")
        names+=("skiff-private")
fi
if [ $have_skiff = 1 ] && [ -n "${SKIFF_BASE:-}" ]; then
        BASE_ARGS=(--root "$W/base-root" --runroot "$W/base-run")
        "$SKIFF_BASE" "${BASE_ARGS[@]}" image load -i "docker-archive:$W/img.tar" >/dev/null ||
                die "SKIFF_BASE=$SKIFF_BASE: image load failed"
        cmds+=("$SKIFF_BASE ${BASE_ARGS[*]} run --rm --network none $IMG true")
        names+=("skiff-base-none")
        cmds+=("$SKIFF_BASE ${BASE_ARGS[*]} run --rm --network private $IMG true")
        names+=("skiff-base-private")
fi
cmds+=("crun run --bundle $W/bundle bench-crun")
names+=("crun")
cmds+=("podman ${PODMAN_ARGS[*]} run --rm --network none $IMG true")
names+=("podman-none")
cmds+=("podman ${PODMAN_ARGS[*]} run --rm $IMG true")
names+=("podman-bridge")

echo "bench/run: $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); RUNS=$RUNS" >&2
hargs=(-N --warmup "$WARMUP" --runs "$RUNS" --export-json "$W/hyperfine.json")
for i in "${!cmds[@]}"; do
        hargs+=(-n "${names[$i]}" "${cmds[$i]}")
done
hyperfine "${hargs[@]}" >&2

python3 - "$W/hyperfine.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
med = {k: v["median"] * 1000 for k, v in r.items()}
print("%-18s %10s %10s %10s" % ("", "median ms", "min ms", "max ms"))
for k, v in r.items():
    print("%-18s %10.1f %10.1f %10.1f" % (k, v["median"] * 1000, v["min"] * 1000, v["max"] * 1000))
def ratio(a, b):
    if a in med and b in med:
        print("%-38s %6.2fx" % (a + " / " + b, med[a] / med[b]))
print()
for s in ("skiff-none", "skiff-private", "skiff-base-none", "skiff-base-private"):
    ratio(s, "crun")
    ratio("podman-none", s)
    ratio("podman-bridge", s)
ratio("skiff-base-none", "skiff-none")
ratio("skiff-base-private", "skiff-private")
ratio("podman-none", "crun")
ratio("podman-bridge", "crun")
EOF
