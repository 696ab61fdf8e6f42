#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# usage: bench/parse/run.sh
#
# The parse benchmark, run by hand (never in CI): a generated stream of 1000 pods (about 5 MB) is
# loaded and validated; reports wall time and peak RSS against the targets (under 100 ms, under 10x the
# input size) and, in the same run, the same figures for PyYAML parsing the same file.
#
#   1. installs what is missing (Debian 12, as root): meson, ninja, gcc, libyaml/json-c headers,
#      hyperfine, GNU time, python3-yaml
#   2. builds skiff and bench-parse in build/bench (buildtype=release, b_ndebug=true)
#   3. writes bench/out/stream.yaml with bench/parse/gen-stream.py (seeded: same bytes every time)
#   4. bench-parse: in-process load / validate / both, min and median of $ITERATIONS, and peak RSS of
#      one run (--once); then what --dry-run adds (--plan: plan build, print, free)
#   5. the whole command `skiff kube play --dry-run --quiet FILE > /dev/null` under hyperfine, and its
#      peak RSS under /usr/bin/time -v
#   6. PyYAML (yaml.CSafeLoader when available) on the same file, in-process and as a command
#   7. a summary table, also kept in bench/out/summary.txt
#
# Environment: ITERATIONS (bench-parse, default 30), PY_ITERATIONS (default 7), RUNS (hyperfine, 20),
# SEED (gen-stream.py), PODS (1000), PYTHON (the interpreter with PyYAML, default /usr/bin/python3).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec </dev/null

ITERATIONS=${ITERATIONS:-30}
PY_ITERATIONS=${PY_ITERATIONS:-7}
RUNS=${RUNS:-20}
SEED=${SEED:-20240501}
PODS=${PODS:-1000}
PYTHON=${PYTHON:-/usr/bin/python3}

builddir=build/bench
out=bench/out
stream=$out/stream.yaml
skiff=$builddir/src/cli/skiff
bench=$builddir/bench/bench-parse
results=$out/results.txt

header() {
        echo
        echo "== $*"
}

# ---- 1. Packages ---------------------------------------------------------------------------------------
header "Packages"
want=(meson ninja-build gcc pkg-config libyaml-dev libjson-c-dev hyperfine time python3 python3-yaml)
missing=()
for p in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
        echo "installing: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
        echo "all present: ${want[*]}"
fi

# ---- 2. Build ------------------------------------------------------------------------------------------
# werror off, so a release build of any tree (even one with a new -O3-only warning) can be measured.
header "Building $builddir (release, b_ndebug=true)"
setup_args=(-Dbuildtype=release -Db_ndebug=true -Dwerror=false -Dtests=disabled -Dman=disabled)
if [[ -f $builddir/meson-private/coredata.dat ]]; then
        meson setup --reconfigure "${setup_args[@]}" "$builddir" >/dev/null
else
        rm -rf "$builddir"
        CC=${CC:-gcc} meson setup "${setup_args[@]}" "$builddir" >/dev/null
fi
ninja -C "$builddir" bench/bench-parse src/cli/skiff | tail -n 1

# ---- 3. Input ------------------------------------------------------------------------------------------
header "Generating $stream"
mkdir -p "$out"
python3 bench/parse/gen-stream.py --seed "$SEED" --pods "$PODS" -o "$stream"
size=$(stat -c %s "$stream")

# ---- Machine -------------------------------------------------------------------------------------------
header "Machine"
cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
load=$(cut -d' ' -f1 /proc/loadavg)
# How busy the CPUs are right now (the load average lags by a minute): % over one second.
busy=$(
        read -r _ a1 b1 c1 d1 e1 f1 g1 _ </proc/stat
        sleep 1
        read -r _ a2 b2 c2 d2 e2 f2 g2 _ </proc/stat
        t=$(((a2 + b2 + c2 + d2 + e2 + f2 + g2) - (a1 + b1 + c1 + d1 + e1 + f1 + g1)))
        echo $((t > 0 ? 100 * (t - (d2 - d1) - (e2 - e1)) / t : 0))
)
echo "nproc $(nproc), CPU: $cpu, $(uname -sr), $(gcc -dumpfullversion 2>/dev/null | sed 's/^/gcc /')"
echo "CPUs ${busy}% busy before the run (load average $load)"
echo "libyaml $(pkg-config --modversion yaml-0.1), tree $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ has uncommitted changes)')"
if ((busy > 10)); then
        echo "WARNING: the CPUs are ${busy}% busy with something else: the timings will be noisy (min is the steadier figure)"
fi
{
        echo "nproc=$(nproc)"
        echo "cpu=$cpu"
        echo "load=$load"
        echo "busy=$busy"
        echo "input_bytes=$size"
} >"$results"

# ---- 4. bench-parse ------------------------------------------------------------------------------------
header "bench-parse --once (peak RSS)"
"$bench" --once "$stream" | tee "$out/bench-once.txt"
header "bench-parse -n $ITERATIONS (wall time)"
"$bench" --iterations "$ITERATIONS" "$stream" | tee "$out/bench-time.txt"
# What --dry-run adds after validation. (Load is faster here than above: the heap the plan grew is
# reused by the next iteration instead of being faulted in afresh; the figures above are the real ones.)
header "bench-parse --plan -n 10 (the rest of --dry-run: plan build, print, free)"
"$bench" --plan --iterations 10 "$stream" | tee "$out/bench-plan.txt"

# ---- 5. The whole command ------------------------------------------------------------------------------
header "skiff kube play --dry-run --quiet $stream > /dev/null"
if ! "$skiff" kube play --dry-run --quiet "$stream" >/dev/null; then
        echo "skiff kube play failed on $stream: the benchmark is meaningless" >&2
        exit 1
fi
time_v() { # peak RSS (KiB) and elapsed seconds of one run of "$@", from GNU time -v
        /usr/bin/time -v "$@" >/dev/null 2>"$out/time.txt"
        awk -F': ' '/Maximum resident set size/ { rss = $2 }
                    /Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = t[n] + (n > 1 ? 60 * t[n-1] : 0) }
                    END { print rss, s }' "$out/time.txt"
}
read -r skiff_rss skiff_elapsed < <(time_v "$skiff" kube play --dry-run --quiet "$stream")
echo "peak RSS (time -v): $((skiff_rss / 1024)) MiB, elapsed ${skiff_elapsed}s"
echo "skiff_cmd_rss_kib=$skiff_rss" >>"$results"

# ---- 6. PyYAML -----------------------------------------------------------------------------------------
header "PyYAML ($PYTHON) on the same file"
"$PYTHON" bench/parse/py-parse.py --once "$stream" | tee "$out/py-once.txt"
"$PYTHON" bench/parse/py-parse.py --iterations "$PY_ITERATIONS" "$stream" | tee "$out/py-time.txt"
loader=$(sed -n 's/.*loader=\([A-Za-z]*\).*/\1/p' "$out/py-once.txt")
pycmd="import sys, yaml; list(yaml.load_all(open(sys.argv[1], 'rb'), Loader=yaml.$loader))"
read -r py_rss py_elapsed < <(time_v "$PYTHON" -c "$pycmd" "$stream")
echo "as a command: peak RSS (time -v) $((py_rss / 1024)) MiB, elapsed ${py_elapsed}s"
echo "py_cmd_rss_kib=$py_rss" >>"$results"

header "podman"
echo "skipped: podman has no parse-only mode. 'podman kube play' always goes on to create the pods (pull"
echo "images, set up networks, start containers), so its time would be container creation, not parsing;"
echo "and 'podman kube play --help' or a failed run parse nothing. $(command -v podman >/dev/null && echo 'podman is installed here, but is not timed.' || echo 'podman is not installed here either.')"

# ---- Whole commands, side by side ----------------------------------------------------------------------
header "hyperfine: whole commands, $RUNS runs each"
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$out/hyperfine.json" \
        -n "skiff kube play --dry-run --quiet" "$skiff kube play --dry-run --quiet $stream" \
        -n "bench-parse --once (load+validate only)" "$bench --once $stream" \
        -n "python3 yaml.load_all ($loader)" "$PYTHON -c \"$pycmd\" $stream"

# ---- 7. Summary ----------------------------------------------------------------------------------------
header "Summary"
"$PYTHON" - "$out" <<'EOF' | tee "$out/summary.txt"
import json, re, sys
out = sys.argv[1]

def kv(path, tag):
    for line in open(path):
        if line.startswith(tag + " "):
            return dict(x.split("=", 1) for x in line.split()[1:])
    raise SystemExit(f"no {tag} line in {path}")

res = dict(l.rstrip("\n").split("=", 1) for l in open(f"{out}/results.txt"))
once, tm = kv(f"{out}/bench-once.txt", "BENCH"), kv(f"{out}/bench-time.txt", "BENCH")
pl = kv(f"{out}/bench-plan.txt", "BENCH")
pyonce, pytm = kv(f"{out}/py-once.txt", "PYBENCH"), kv(f"{out}/py-time.txt", "PYBENCH")
hf = {r["command"]: r for r in json.load(open(f"{out}/hyperfine.json"))["results"]}
size = int(res["input_bytes"]); mib = size / 1048576

def rss(kib): return int(kib) / 1024
def ms(s): return float(s) * 1e3

sk_total = float(tm["total_median_ms"]); sk_min = float(tm["total_min_ms"])
py_total = float(pytm["median_ms"]); py_min = float(pytm["min_ms"])
sk_rss = rss(once["peak_rss_kib"]); py_rss = rss(pyonce["peak_rss_kib"])
cmd = hf["skiff kube play --dry-run --quiet"]
bp = hf["bench-parse --once (load+validate only)"]
pyc = next(v for k, v in hf.items() if k.startswith("python3"))
sk_cmd_rss = rss(res["skiff_cmd_rss_kib"]); py_cmd_rss = rss(res["py_cmd_rss_kib"])
loader = pyonce["loader"]

print(f"machine: {res['nproc']} x {res['cpu']}, CPUs {res['busy']}% busy before the run")
print(f"input:   {size} bytes ({mib:.2f} MiB), {once['objects']} objects, {once['nodes']} YAML nodes, "
      f"{once['warnings']} warnings, 0 errors")
print()
rows = [
    ("what", "median ms", "min ms", "peak RSS MiB", "RSS/input"),
    ("skiff load (in-process)", f"{float(tm['load_median_ms']):.1f}", f"{float(tm['load_min_ms']):.1f}", "", ""),
    ("skiff validate (in-process)", f"{float(tm['validate_median_ms']):.1f}", f"{float(tm['validate_min_ms']):.1f}", "", ""),
    ("skiff load+validate (in-process)", f"{sk_total:.1f}", f"{sk_min:.1f}", f"{sk_rss:.1f}", f"{sk_rss / mib:.2f}x"),
    (f"PyYAML {loader} load_all (in-process)", f"{py_total:.1f}", f"{py_min:.1f}", f"{py_rss:.1f}", f"{py_rss / mib:.2f}x"),
    ("skiff kube play --dry-run --quiet (command)", f"{ms(cmd['median']):.1f}", f"{ms(cmd['min']):.1f}",
     f"{sk_cmd_rss:.1f}", f"{sk_cmd_rss / mib:.2f}x"),
    ("bench-parse --once (command)", f"{ms(bp['median']):.1f}", f"{ms(bp['min']):.1f}", "", ""),
    (f"python3 yaml.load_all {loader} (command)", f"{ms(pyc['median']):.1f}", f"{ms(pyc['min']):.1f}",
     f"{py_cmd_rss:.1f}", f"{py_cmd_rss / mib:.2f}x"),
]
w = [max(len(r[i]) for r in rows) for i in range(5)]
for i, r in enumerate(rows):
    print("  ".join(c.ljust(w[j]) if j == 0 else c.rjust(w[j]) for j, c in enumerate(r)))
    if i == 0:
        print("  ".join("-" * x for x in w))
print()
for k in ("min", "median"):
    ev, tr, ld = (float(tm[f"{x}_{k}_ms"]) for x in ("events", "tree", "load"))
    print(f"load broken down ({k}s of separate runs): libyaml events {ev:.1f} ms, + YNode tree {tr - ev:.1f} ms, "
          f"+ decode to the model {ld - tr:.1f} ms")
print("--dry-run beyond validation (medians, in-process): plan build %.1f ms, print %.1f ms, free the plan %.1f ms, "
      "free the set %.1f ms" % tuple(float(pl[f"{x}_median_ms"]) for x in ("plan", "print", "plan_free", "free")))
print()
print("ratios (PyYAML / skiff; skiff validates as well, PyYAML only parses):")
print(f"  in-process time  {py_total / sk_total:.1f}x median ({py_total:.0f} / {sk_total:.0f} ms), "
      f"{py_min / sk_min:.1f}x min ({py_min:.0f} / {sk_min:.0f} ms)")
print(f"  command time     {pyc['median'] / cmd['median']:.1f}x median ({ms(pyc['median']):.0f} / {ms(cmd['median']):.0f} ms) "
      f"against the whole dry-run; {pyc['median'] / bp['median']:.1f}x against bench-parse --once")
print(f"  peak RSS         {py_rss / sk_rss:.2f}x in-process, {py_cmd_rss / sk_cmd_rss:.2f}x as commands")
print()
t_ok = sk_total < 100
m_ok = sk_rss / mib < 10
print(f"target: load+validate under 100 ms: {'met' if t_ok else 'MISSED'} ({sk_total:.1f} ms median, {sk_min:.1f} ms min)")
print(f"target: peak RSS under 10x input:   {'met' if m_ok else 'MISSED'} ({sk_rss:.1f} MiB = {sk_rss / mib:.2f}x)")
EOF
