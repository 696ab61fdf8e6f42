#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# usage: bench/pull/run.sh
#
# The pull benchmark, run by hand (never in CI). A ~200 MB image of several layers (busybox-static
# plus generated files, half random, half repetitive text; gzip level 1) is built with
# tests/cli/make-oci-image.py, pushed into a local docker-registry on 127.0.0.1, and pulled, cold store
# each time, by
#   - skiff pull                                  (fetch, verify, unpack, record)
#   - skopeo copy docker://… oci:DIR              (fetch and verify only: skopeo does not unpack)
#   - podman pull (own --root/--runroot, overlay) (fetch, verify, unpack into c/storage)
# in the same run, RUNS times each under hyperfine; prints the medians and the ratios. Then the unpack
# throughput: `skiff image load` of the same image from an OCI layout (verify + unpack, no network)
# against `tar -xzf` of the same layer blobs one after another (and all at once).
#
#   1. installs what is missing (Debian 12, as root): docker-registry, skopeo, podman, hyperfine,
#      busybox-static, python3, meson/ninja/gcc and the libraries skiff needs
#   2. builds skiff in $BUILDDIR (default build/bench, buildtype=release)
#   3. results in bench/out/pull-summary.txt
#
# Environment: RUNS (default 5), SIZE_MIB (default 200), LAYERS (generated layers, default 5),
# BUILDDIR, PORT (default 5190; this project's tests use 5100-5199).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec </dev/null

RUNS=${RUNS:-5}
SIZE_MIB=${SIZE_MIB:-200}
LAYERS=${LAYERS:-5}
BUILDDIR=${BUILDDIR:-build/bench}
PORT=${PORT:-5190}
PYTHON=/usr/bin/python3

out=bench/out/pull
mkdir -p "$out"
out=$(realpath "$out")
work=$(mktemp -d /var/tmp/skiff-bench-pull.XXXXXX)
summary=$out/../pull-summary.txt
pids=()

cleanup() {
        local p
        for p in "${pids[@]}"; do
                kill "$p" 2>/dev/null || true
                wait "$p" 2>/dev/null || true
        done
        rm -rf "$work"
}
trap cleanup EXIT

need=()
for pair in docker-registry:docker-registry skopeo:skopeo podman:podman hyperfine:hyperfine \
        /bin/busybox:busybox-static meson:meson ninja:ninja-build gcc:gcc; do
        command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
if ((${#need[@]})); then
        echo "Installing ${need[*]}"
        apt-get install -y "${need[@]}" libyaml-dev libjson-c-dev libcurl4-openssl-dev libarchive-dev \
                libssl-dev libseccomp-dev libcap-dev libmount-dev libsystemd-dev >/dev/null
fi

if [[ ! -f $BUILDDIR/build.ninja ]]; then
        meson setup "$BUILDDIR" -Dbuildtype=release -Db_ndebug=true >/dev/null
fi
ninja -C "$BUILDDIR" src/cli/skiff >/dev/null
skiff=$(realpath "$BUILDDIR/src/cli/skiff")

echo "== image: ${SIZE_MIB} MiB in $LAYERS generated layers (+ busybox and a small layer)"
layout=$work/oci
"$PYTHON" tests/cli/make-oci-image.py "$layout" big --big-mib "$SIZE_MIB" --layers "$LAYERS" >/dev/null
du -sh "$layout/blobs" | sed 's/^/   compressed blobs: /'

cat >"$work/registry.yml" <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/registry}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$PORT}
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$PORT/v2/" && break
        sleep 0.1
done
skopeo copy -q --dest-tls-verify=false "oci:$layout:big" "docker://127.0.0.1:$PORT/big:1"
ref=127.0.0.1:$PORT/big:1

# podman: its own storage, a registries.conf marking the registry insecure, and the containers.conf
# tweaks this host needs (TESTING.md).
mkdir -p "$work/podman"
cat >"$work/podman/registries.conf" <<EOF
[[registry]]
location = "127.0.0.1:$PORT"
insecure = true
EOF
cat >"$work/podman/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_REGISTRIES_CONF=$work/podman/registries.conf CONTAINERS_CONF=$work/podman/containers.conf
export SKIFF_REGISTRIES_CONF_DIR=

echo "== pull, cold store each time, $RUNS runs each (the machine is shared: other work may run)"
hyperfine --runs "$RUNS" --warmup 1 --export-json "$out/pull.json" --style basic \
        --prepare "rm -rf $work/skiff-root" \
        -n "skiff pull" "$skiff --root $work/skiff-root pull -q --tls-verify=false $ref" \
        --prepare "rm -rf $work/skopeo-oci" \
        -n "skopeo copy (no unpack)" "skopeo copy -q --src-tls-verify=false docker://$ref oci:$work/skopeo-oci:big" \
        --prepare "rm -rf $work/podman-root $work/podman-run" \
        -n "podman pull" "podman --root $work/podman-root --runroot $work/podman-run --storage-driver overlay pull -q --tls-verify=false $ref"

echo "== unpack: skiff image load (OCI layout: verify + unpack) vs tar -xzf of the same layers"
layers=$("$PYTHON" - "$layout" <<'EOF'
import json, os, sys
d = sys.argv[1]
idx = json.load(open(os.path.join(d, "index.json")))
m = [x for x in idx["manifests"] if x["annotations"]["org.opencontainers.image.ref.name"] == "big"][0]
man = json.load(open(os.path.join(d, "blobs", "sha256", m["digest"].split(":")[1])))
print(" ".join(os.path.join(d, "blobs", "sha256", l["digest"].split(":")[1]) for l in man["layers"]))
EOF
)
unpacked=0
for l in $layers; do
        unpacked=$((unpacked + $(gzip -dc "$l" | wc -c)))
done
tarseq="rm -rf $work/tar && mkdir $work/tar && for l in $layers; do mkdir -p $work/tar/\$(basename \$l) && tar -xzf \$l -C $work/tar/\$(basename \$l) || exit 1; done"
tarpar="rm -rf $work/tarp && mkdir $work/tarp && for l in $layers; do mkdir -p $work/tarp/\$(basename \$l) && tar -xzf \$l -C $work/tarp/\$(basename \$l) & done; wait"
hyperfine --runs "$RUNS" --warmup 1 --export-json "$out/unpack.json" --style basic \
        --prepare "rm -rf $work/load-root" \
        -n "skiff image load" "$skiff --root $work/load-root image load -q -i $layout" \
        -n "tar -xzf, one after another" "bash -c '$tarseq'" \
        -n "tar -xzf, all at once" "bash -c '$tarpar'"

"$PYTHON" - "$out/pull.json" "$out/unpack.json" "$unpacked" "$SIZE_MIB" >"$summary" <<'EOF'
import json, sys
pull = json.load(open(sys.argv[1]))["results"]
unpack = json.load(open(sys.argv[2]))["results"]
size = int(sys.argv[3])
med = {r["command"]: r["median"] for r in pull + unpack}
print("Pull of a %s MiB image (uncompressed %.0f MiB), cold store, median of %d runs:" % (sys.argv[4], size / 2**20, len(pull[0]["times"])))
fastest_other = min(v for k, v in med.items() if k in ("skopeo copy (no unpack)", "podman pull"))
for r in pull:
    print("  %-28s %7.2f s  (min %.2f, max %.2f)  %5.2fx skiff   CPU %.2f s (user+sys, mean)" % (
        r["command"], r["median"], r["min"], r["max"], r["median"] / med["skiff pull"], r["user"] + r["system"]))
print("  skiff / fastest other: %.2f (target <= 1.00)" % (med["skiff pull"] / fastest_other))
print("  skiff / podman pull:   %.2f" % (med["skiff pull"] / med["podman pull"]))
print("Unpack of the same layers (%.0f MiB uncompressed):" % (size / 2**20))
for r in unpack:
    print("  %-28s %7.2f s  %6.0f MiB/s   CPU %.2f s" % (r["command"], r["median"], size / 2**20 / r["median"],
                                                       r["user"] + r["system"]))
print("(shared machine: other work ran at the same time; figures vary by some 10%)")
EOF
cat "$summary"
