#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# usage: verify-units.sh GENERATOR CASES_DIR
#
# `systemd-analyze verify` over every unit skiff-generator makes from each case of CASES_DIR (the
# golden suite's valid cases): the units of one case are verified together, with the output dir on
# the unit path so that references between them resolve. verify checks that ExecStart='s binary is
# executable, so the Exec lines point at a fake skiff this script creates. Cases run with -user are
# verified with --user (and an XDG_RUNTIME_DIR of their own). Emits TAP; exit 77 (skip) without
# systemd-analyze.
set -uo pipefail
export LC_ALL=C

gen=$(realpath "$1")
cases=$(realpath "$2")
if ! command -v systemd-analyze >/dev/null; then
        echo "1..0 # SKIP systemd-analyze is not installed"
        exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/xdg"
chmod 700 "$tmp/xdg"
printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/skiff"
chmod 755 "$tmp/bin/skiff"
# The user wait unit the generator orders user units after, as meson installs it.
srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
wait_unit=$srcdir/src/systemd-generator/skiff-user-wait-network-online.service

n=0
status=0
list=()
for d in "$cases"/*; do
        [[ -d $d && $d != *.expected ]] && list+=("$d")
done
echo "1..${#list[@]}"
for d in "${list[@]}"; do
        n=$((n + 1))
        name=$(basename "$d")
        args=()
        env=(SKIFF_GENERATOR_BINARY="$tmp/bin/skiff" PATH=/usr/bin:/bin)
        [[ -f $d/.args ]] && read -r -a args <"$d/.args"
        if [[ -f $d/.root ]]; then
                env+=(SKIFF_GENERATOR_ROOT="$d/root" HOME="$d/home" XDG_RUNTIME_DIR="$d/run" SKIFF_GENERATOR_UID=1000)
        elif [[ -f $d/.unit-dirs ]]; then
                dirs=""
                while read -r x; do [[ -n $x ]] && dirs+="${dirs:+:}$d/$x"; done <"$d/.unit-dirs"
                env+=(QUADLET_UNIT_DIRS="$dirs")
        else
                env+=(QUADLET_UNIT_DIRS="$d")
        fi
        out=$tmp/out/$name
        mkdir -p "$out"
        if ! env -i "${env[@]}" "$gen" -no-kmsg-log "${args[@]}" "$out" >"$tmp/gen.log" 2>&1; then
                echo "not ok $n - $name: the generator failed"
                sed 's/^/# /' "$tmp/gen.log"
                status=1
                continue
        fi
        verify=(systemd-analyze verify --man=no)
        user=false
        [[ " ${args[*]} " == *" -user "* ]] && user=true
        if $user; then
                verify=(systemd-analyze --user verify --man=no)
                cp "$wait_unit" "$out/" # verified with the others
        fi
        units=("$out"/*.service)
        if ! XDG_RUNTIME_DIR=$tmp/xdg SYSTEMD_UNIT_PATH="$out:" "${verify[@]}" "${units[@]}" >"$tmp/verify.log" 2>&1; then
                echo "not ok $n - $name: systemd-analyze verify failed"
                sed 's/^/# /' "$tmp/verify.log"
                status=1
                continue
        fi
        # verify exits 0 for problems it only logs: any line is a failure, except that systemd 252
        # does not know [Install] UpheldBy= (v254), which a case passes on from its input.
        if grep -v -e "Unknown key 'UpheldBy' in section \[Install\]" "$tmp/verify.log" | grep -q .; then
                echo "not ok $n - $name: systemd-analyze verify complained"
                sed 's/^/# /' "$tmp/verify.log"
                status=1
                continue
        fi
        echo "ok $n - $name (${#units[@]} units)"
done
exit $status
