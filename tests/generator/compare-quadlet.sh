#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# usage: compare-quadlet.sh QUADLET GENERATOR [CASE_DIR...]
#
# Runs podman's quadlet and skiff-generator over the same golden inputs (default: every case of
# tests/data/generator/valid and invalid) and shows where their outputs differ, podman written as
# skiff. Not part of `meson test` (quadlet is not installed with skiff); run it by hand with a quadlet
# binary, e.g. podman 5.4's from a Debian trixie rootfs. Quadlet's own flag order is random for some
# flags (Go maps), so the words of Exec lines are compared sorted; the exact lines are printed when
# they differ. Cases that rely on SKIFF_GENERATOR_ROOT (.root) are skipped: quadlet has no such knob.
# Every difference printed here should be listed in docs/architecture.md (## skiff-generator).
set -uo pipefail
export LC_ALL=C

quadlet=$1
gen=$(realpath "$2")
shift 2
srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ $# -eq 0 ]]; then
        set -- "$srcdir"/tests/data/generator/valid/* "$srcdir"/tests/data/generator/invalid/*
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# Sorts the words of Exec lines; keeps everything else.
canon() {
        awk '/^Exec[A-Za-z]*=/ { split($0, kv, "="); n = split(substr($0, length(kv[1]) + 2), w, " ");
                                  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (w[j] < w[i]) { t = w[i]; w[i] = w[j]; w[j] = t }
                                  s = kv[1] "=(sorted)"; for (i = 1; i <= n; i++) s = s " " w[i]; print s; next }
             { print }' "$1"
}

differ=0
for d in "$@"; do
        [[ -d $d && $d != *.expected ]] || continue
        d=$(realpath "$d")
        name=$(basename "$(dirname "$d")")/$(basename "$d")
        [[ -f $d/.root ]] && { echo "== $name: skipped (.root)"; continue; }
        args=()
        [[ -f $d/.args ]] && read -r -a args <"$d/.args"
        dirs=$d
        if [[ -f $d/.unit-dirs ]]; then
                dirs=""
                while read -r x; do [[ -n $x ]] && dirs+="${dirs:+:}$d/$x"; done <"$d/.unit-dirs"
        fi
        rm -rf "$tmp/q" "$tmp/s"
        env -i PATH=/usr/bin:/bin QUADLET_UNIT_DIRS="$dirs" bash -c 'exec -a skiff-generator "$@"' _ "$quadlet" \
                -no-kmsg-log "${args[@]}" "$tmp/q" >/dev/null 2>"$tmp/q.err"
        qrc=$?
        env -i PATH=/usr/bin:/bin QUADLET_UNIT_DIRS="$dirs" SKIFF_GENERATOR_BINARY=/usr/bin/skiff \
                bash -c 'exec -a skiff-generator "$@"' _ "$gen" -no-kmsg-log "${args[@]}" "$tmp/s" >/dev/null 2>"$tmp/s.err"
        src=$?
        mkdir -p "$tmp/q" "$tmp/s"
        find "$tmp/q" -type f -print0 | xargs -0 -r sed -i 's|/usr/bin/podman|/usr/bin/skiff|g; s|podman-user-wait-network-online|skiff-user-wait-network-online|g'
        out=$( { [[ $qrc -ne $src ]] && echo "exit status: quadlet $qrc, skiff $src"
                  diff -r --no-dereference -q "$tmp/q" "$tmp/s" | grep -v '^Files .* differ$' | sed "s|$tmp/||g"
                  for f in "$tmp"/q/*.service; do
                          [[ -f $f && -f $tmp/s/${f##*/} ]] || continue
                          if ! diff -q <(canon "$f") <(canon "$tmp/s/${f##*/}") >/dev/null; then
                                  diff -u --label "quadlet/${f##*/}" --label "skiff/${f##*/}" "$f" "$tmp/s/${f##*/}" | tail -n +3 | grep '^[-+]'
                          fi
                  done; } )
        if [[ -n $out ]]; then
                differ=$((differ + 1))
                echo "== $name"
                echo "$out" | sed 's/^/   /'
                grep -v 'Loading source\|not a fully qualified' "$tmp/q.err" | sed "s|$d|@DIR@|g; s/^/   quadlet: /"
        fi
done
echo "$differ case(s) differ"
