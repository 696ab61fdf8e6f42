#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# usage: bench/generator/run.sh [--generator PATH | --ref GITREF] [--dryrun] [--quadlet-only]
#
# The generator benchmark, run by hand (never in CI): 1000 mixed quadlet unit files (gen-units.py),
# translated by skiff-generator and by the reference quadlet (podman 5.4.2, Debian 13's, extracted from a
# debootstrapped trixie rootfs by bench/lib/get-quadlet.sh) on the same directory, in the same mode and
# the same run. Target: skiff-generator under 50 ms for 1000 files.
#
#   1. installs what is missing (Debian 12, as root): meson, ninja, gcc, hyperfine, GNU time, python3,
#      debootstrap; fetches the reference quadlet (about a minute the first time, cached after that)
#   2. builds skiff-generator with `meson setup --buildtype=release` in a temporary directory: from this
#      checkout, or from GITREF (`git archive`, e.g. --ref generator), unless --generator PATH is given
#   3. writes the input with gen-units.py (seeded: the same files every time)
#   4. runs each tool once and checks it exits 0 and writes one unit per input file
#   5. hyperfine, both tools in one invocation: wall time median, mean, min; ratio
#   6. peak RSS of one run of each under /usr/bin/time -v
#   7. a summary: median, ratio, per-file cost, RSS, target
#
# Mode: by default both write into a real output directory, emptied before every run (what systemd
# does: `generator OUT`); --dryrun makes both print every unit to stdout instead (`-dryrun`, output to
# /dev/null). Both run in system mode with QUADLET_UNIT_DIRS pointing at the input; quadlet also gets
# -no-kmsg-log (it would log every file to the kernel log otherwise).
#
# --quadlet-only measures the reference alone (until skiff-generator can translate the input).
#
# Environment: FILES (1000), SEED, RUNS (hyperfine runs, 20), WARMUP (3), WORKDIR (default a temp dir,
# removed at the end unless KEEP=1), OUTBASE (where the output dirs go, default a tmpfs dir in
# /dev/shm), SKIFF_BENCH_CACHE (where get-quadlet.sh keeps the rootfs).
set -euo pipefail

srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
exec </dev/null

FILES=${FILES:-1000}
SEED=${SEED:-20261123}
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}

generator=
ref=
mode=outdir
quadlet_only=
while (($#)); do
        case $1 in
        --generator) generator=$(realpath "${2:?--generator needs a path}"); shift 2 ;;
        --ref) ref=${2:?--ref needs a git ref}; shift 2 ;;
        --dryrun) mode=dryrun; shift ;;
        --quadlet-only) quadlet_only=1; shift ;;
        -h | --help) sed -n '3,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
        esac
done

work=${WORKDIR:-$(mktemp -d /tmp/bench-generator.XXXXXX)}
mkdir -p "$work"
cleanup() { [[ -n ${KEEP:-} ]] || rm -rf "$work"; }
trap cleanup EXIT

header() {
        echo
        echo "== $*"
}

# ---- 1. Packages and the reference -------------------------------------------------------------------
header "Packages"
want=(meson ninja-build gcc pkg-config hyperfine time python3 debootstrap jq)
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
quadlet=$("$srcdir/bench/lib/get-quadlet.sh")
quadlet_version=$("$quadlet" -version 2>&1 | head -n1)
echo "reference: $quadlet (quadlet $quadlet_version)"

# ---- 2. skiff-generator --------------------------------------------------------------------------------
if [[ -z $quadlet_only && -z $generator ]]; then
        src=$srcdir
        if [[ -n $ref ]]; then
                src=$work/src
                mkdir -p "$src"
                git -C "$srcdir" archive --format=tar "$ref" | tar -x -C "$src"
                tree=$(git -C "$srcdir" rev-parse --short "$ref")
                echo "source: $ref ($tree)"
        else
                tree="$(git -C "$srcdir" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$srcdir" diff --quiet 2>/dev/null || echo '+dirty')"
                echo "source: $srcdir ($tree)"
        fi
        header "Building skiff-generator (buildtype=release) in $work/build"
        meson setup --buildtype=release -Db_ndebug=true -Dwerror=false -Dtests=disabled -Dman=disabled \
                "$work/build" "$src" >"$work/meson-setup.log" 2>&1 || {
                tail -n 20 "$work/meson-setup.log" >&2
                exit 1
        }
        if ! ninja -C "$work/build" -j2 src/systemd-generator/skiff-generator >"$work/ninja.log" 2>&1; then
                tail -n 20 "$work/ninja.log" >&2
                echo "run.sh: no skiff-generator target in $src: use --ref generator, --generator PATH or --quadlet-only" >&2
                exit 1
        fi
        generator=$work/build/src/systemd-generator/skiff-generator
fi
[[ -n $quadlet_only || -x $generator ]] || { echo "run.sh: $generator is not executable" >&2; exit 1; }

# ---- 3. Input ------------------------------------------------------------------------------------------
header "Generating $FILES unit files"
in=$work/in
rm -rf "$in"
python3 "$srcdir/bench/generator/gen-units.py" --files "$FILES" --seed "$SEED" "$in"
nunits=$(find "$in" \( -name '*.container' -o -name '*.pod' -o -name '*.volume' -o -name '*.network' \
        -o -name '*.kube' -o -name '*.image' \) | wc -l)
for t in container pod volume network kube image; do
        printf '%s: %s  ' "$t" "$(find "$in" -name "*.$t" | wc -l)"
done
echo
echo "drop-ins: $(find "$in" -name '*.conf' | wc -l), kube YAML: $(find "$in" -name '*.yaml' | wc -l), bytes: $(find "$in" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')"
export QUADLET_UNIT_DIRS=$in

# The two commands, in the chosen mode. systemd hands generators directories under /run/systemd, a
# tmpfs on a systemd host; this machine's /run is on disk, so the output goes to a tmpfs of its own
# choosing (OUTBASE, default a directory in /dev/shm): on ext4, creating 1000 files costs more than
# translating them and would hide both tools behind the file system.
outbase=${OUTBASE:-$(mktemp -d /dev/shm/bench-generator.XXXXXX)}
mkdir -p "$outbase"
cleanup() { [[ -n ${KEEP:-} ]] || rm -rf "$work" "$outbase"; }
out_q=$outbase/out-quadlet
out_s=$outbase/out-skiff
if [[ $mode == dryrun ]]; then
        cmd_q="$quadlet -no-kmsg-log -dryrun"
        cmd_s="$generator -dryrun"
        prep_q=true
        prep_s=true
else
        cmd_q="$quadlet -no-kmsg-log $out_q"
        cmd_s="$generator $out_s"
        prep_q="rm -rf $out_q && mkdir $out_q"
        prep_s="rm -rf $out_s && mkdir $out_s"
fi

# ---- 4. Each once: does it translate everything? -------------------------------------------------------
header "Checking both translate all $nunits files ($mode)"
check() {  # check NAME PREP CMD OUTDIR
        local name=$1 prep=$2 cmd=$3 dir=$4 rc=0 n
        sh -c "$prep"
        sh -c "$cmd" >"$work/$name.stdout" 2>"$work/$name.stderr" || rc=$?
        if [[ $mode == dryrun ]]; then
                n=$(grep -c '^---.*---$' "$work/$name.stdout" || true)
        else
                n=$(find "$dir" -maxdepth 1 -type f | wc -l)
        fi
        echo "$name: exit $rc, $n units, $(grep -vc 'Loading source ' "$work/$name.stderr" || true) lines of messages"
        if ((rc != 0 || n != nunits)); then
                echo "  WARNING: $name did not translate every file; its first messages:"
                grep -v 'Loading source ' "$work/$name.stderr" | head -n 5 | sed 's/^/    /'
        fi
        printf -v "units_$name" %s "$n"
        printf -v "rc_$name" %s "$rc"
}
units_quadlet=0 rc_quadlet=0 units_skiff=0 rc_skiff=0
check quadlet "$prep_q" "$cmd_q" "$out_q"
[[ -n $quadlet_only ]] || check skiff "$prep_s" "$cmd_s" "$out_s"

# ---- 5. Wall time --------------------------------------------------------------------------------------
header "Wall time: hyperfine, $WARMUP warm-up runs, $RUNS runs each"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
hf=(hyperfine --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$work/hyperfine.json" -i)
if [[ -z $quadlet_only ]]; then
        hf+=(--command-name skiff-generator --prepare "$prep_s" "$cmd_s")
fi
hf+=(--command-name quadlet --prepare "$prep_q" "$cmd_q")
"${hf[@]}"

# ---- 6. Peak RSS ---------------------------------------------------------------------------------------
header "Peak RSS (/usr/bin/time -v, one run each)"
rss() {  # rss PREP CMD: kB
        sh -c "$1"
        /usr/bin/time -v sh -c "exec $2 >/dev/null 2>&1" 2>&1 | awk -F': ' '/Maximum resident set size/ {print $2}'
}
rss_q=$(rss "$prep_q" "$cmd_q")
echo "quadlet: $rss_q kB"
if [[ -z $quadlet_only ]]; then
        rss_s=$(rss "$prep_s" "$cmd_s")
        echo "skiff-generator: $rss_s kB"
fi

# ---- 7. Summary ----------------------------------------------------------------------------------------
header "Summary"
stat() {  # stat NAME FIELD: seconds -> ms
        jq -r --arg n "$1" --arg f "$2" '.results[] | select(.command == $n) | .[$f]' "$work/hyperfine.json" |
                awk '{printf "%.1f", $1 * 1000}'
}
med_q=$(stat quadlet median)
printf 'machine: %s, %s vCPUs, %s (shared with other work while this ran)\n' \
        "$(uname -r)" "$(nproc)" "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
printf 'input: %s unit files (%s), seed %s; mode: %s%s\n' "$nunits" "$in" "$SEED" "$mode" \
        "$([[ $mode == outdir ]] && echo " (into $outbase, $(findmnt -no FSTYPE -T "$outbase" | head -n1))")"
echo "load average before the runs: $load_before (CPU time, user+sys, moves less than wall time on a busy machine)"
printf '%-16s %10s %10s %10s %12s %14s %12s %8s\n' tool "median ms" "mean ms" "min ms" "user+sys ms" "per file µs" "peak RSS" units
row() {  # row NAME HF-NAME RSS UNITS
        local med
        med=$(stat "$2" median)
        printf '%-16s %10s %10s %10s %12s %14s %9s MiB %8s\n' "$1" "$med" "$(stat "$2" mean)" "$(stat "$2" min)" \
                "$(awk -v u="$(stat "$2" user)" -v s="$(stat "$2" system)" 'BEGIN {printf "%.1f", u + s}')" \
                "$(awk -v m="$med" -v n="$nunits" 'BEGIN {printf "%.1f", m * 1000 / n}')" \
                "$(awk -v k="$3" 'BEGIN {printf "%.1f", k / 1024}')" "$4"
}
if [[ -z $quadlet_only ]]; then
        row skiff-generator skiff-generator "$rss_s" "$units_skiff"
fi
row "quadlet $quadlet_version" quadlet "$rss_q" "$units_quadlet"
if [[ -z $quadlet_only ]]; then
        med_s=$(stat skiff-generator median)
        awk -v s="$med_s" -v q="$med_q" 'BEGIN {printf "ratio: skiff-generator is %.1fx faster than quadlet (median)\n", q / s}'
        awk -v s="$med_s" 'BEGIN {printf "target: under 50 ms for 1000 files: %s (%.1f ms)\n", (s < 50 ? "met" : "NOT met"), s}'
        if ((units_skiff != nunits || rc_skiff != 0)); then
                echo "NOTE: skiff-generator wrote $units_skiff of $nunits units (exit $rc_skiff): the comparison is not like for like"
        fi
fi
if ((units_quadlet != nunits || rc_quadlet != 0)); then
        echo "NOTE: quadlet wrote $units_quadlet of $nunits units (exit $rc_quadlet): the input is not one it fully accepts"
fi
