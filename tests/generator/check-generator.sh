#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Golden tests for skiff-generator (suite 'generator'; systemd's test-fstab-generator.sh shape).
#
#   check-generator.sh [--update] GENERATOR valid|invalid CASE_DIR
#       Runs GENERATOR as systemd would (argv[0] "skiff-generator", three output dirs, no kmsg) over
#       CASE_DIR (QUADLET_UNIT_DIRS=CASE_DIR) and compares:
#         - the normal output dir, symlinks included, with CASE_DIR.expected/ (diff -r);
#         - stderr exactly with CASE_DIR.err (a missing .err means: nothing on stderr);
#         - the exit status: 0 for valid/, 1 for invalid/ (a unit was skipped);
#         - nothing in the early and late dirs.
#       The case dir's absolute path is written as @DIR@ in outputs and messages, so that the
#       expectations do not depend on where the tree is. Exec lines run /usr/bin/skiff
#       (SKIFF_GENERATOR_BINARY).
#       Dot files in CASE_DIR set up the run (the generator ignores dot files):
#         .args        extra arguments, e.g. -user
#         .unit-dirs   search dirs relative to CASE_DIR, one per line (default: CASE_DIR itself)
#         .root        no QUADLET_UNIT_DIRS: the default search path under CASE_DIR/root
#                      (SKIFF_GENERATOR_ROOT), with HOME=CASE_DIR/home,
#                      XDG_RUNTIME_DIR=CASE_DIR/run, SKIFF_GENERATOR_UID=1000
#
#   check-generator.sh --check-list DIR CASE_DIR...
#       Fails when DIR holds a case that meson did not register (re-run meson setup --reconfigure),
#       an .expected/.err without its case, or a case without its .expected.
#
#   check-generator.sh --update GENERATOR
#       Rewrites every expectation from what the generator does now; review with git diff.
set -uo pipefail

update=false
if [[ ${1:-} == --update ]]; then
        update=true
        shift
fi
export LC_ALL=C
srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

die() {
        echo "check-generator.sh: $*" >&2
        exit 2
}

check_list() {
        local dir=$1 f base bad=0
        shift
        local -A listed=()

        for f in "$@"; do
                listed[$(basename "$f")]=1
                [[ -d $f ]] || { echo "$f is registered but does not exist: re-run 'meson setup --reconfigure BUILDDIR'"; bad=1; }
        done
        for f in "$dir"/*; do
                [[ -e $f || -L $f ]] || continue
                base=$(basename "$f")
                case $base in
                *.expected)
                        [[ -d ${f%.expected} ]] || { echo "$f has no case ${f%.expected}"; bad=1; } ;;
                *.err)
                        [[ -d ${f%.err} ]] || { echo "$f has no case ${f%.err}"; bad=1; } ;;
                *)
                        [[ -n ${listed[$base]:-} ]] || { echo "$f is not registered as a test: re-run 'meson setup --reconfigure BUILDDIR'"; bad=1; }
                        [[ -d $f.expected ]] || { echo "$f has no $base.expected"; bad=1; } ;;
                esac
        done
        return $bad
}

# Replaces the case dir's path with @DIR@ in every regular file under $1 (symlink targets are
# relative and left alone).
normalize() {
        local d=$1 case_dir=$2
        find "$d" -type f -print0 | xargs -0 -r sed -i "s|$case_dir|@DIR@|g"
}

run_case() {
        local gen=$1 kind=$2 case_dir want rc status=0 name
        local -a args=() env=()

        case_dir=$(cd "$3" && pwd) || die "no such case: $3"
        name=$kind/$(basename "$case_dir")
        case $kind in
        valid) want=0 ;;
        invalid) want=1 ;;
        *) die "kind must be valid or invalid, got '$kind'" ;;
        esac

        if [[ -f $case_dir/.args ]]; then
                read -r -a args <"$case_dir/.args"
        fi
        env=(SKIFF_GENERATOR_BINARY=/usr/bin/skiff PATH=/usr/bin:/bin)
        if [[ -f $case_dir/.root ]]; then
                env+=(SKIFF_GENERATOR_ROOT="$case_dir/root" HOME="$case_dir/home" XDG_RUNTIME_DIR="$case_dir/run"
                        SKIFF_GENERATOR_UID=1000)
        elif [[ -f $case_dir/.unit-dirs ]]; then
                local dirs="" d
                while read -r d; do
                        [[ -n $d ]] && dirs+="${dirs:+:}$case_dir/$d"
                done <"$case_dir/.unit-dirs"
                env+=(QUADLET_UNIT_DIRS="$dirs")
        else
                env+=(QUADLET_UNIT_DIRS="$case_dir")
        fi

        rm -rf "$tmp/out" && mkdir -p "$tmp/out"
        env -i "${env[@]}" bash -c 'exec -a skiff-generator "$@"' _ "$gen" -no-kmsg-log "${args[@]}" \
                "$tmp/out/normal" "$tmp/out/early" "$tmp/out/late" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
        rc=$?
        normalize "$tmp/out" "$case_dir"
        sed -i "s|$case_dir|@DIR@|g" "$tmp/stderr"

        if [[ $rc -ne $want ]]; then
                echo "$name: exit status $rc, expected $want; stderr:"
                sed 's/^/  /' "$tmp/stderr"
                status=1
        fi
        if [[ -s $tmp/stdout ]]; then
                echo "$name: nothing expected on stdout outside -dryrun, got:"
                sed 's/^/  /' "$tmp/stdout"
                status=1
        fi
        if [[ -e $tmp/out/early || -e $tmp/out/late ]]; then
                echo "$name: the early and late dirs must stay untouched"
                status=1
        fi
        mkdir -p "$tmp/out/normal"
        if $update; then
                if [[ $status -eq 0 ]]; then
                        rm -rf "$case_dir.expected"
                        cp -a "$tmp/out/normal" "$case_dir.expected"
                        if [[ -s $tmp/stderr ]]; then cp "$tmp/stderr" "$case_dir.err"; else rm -f "$case_dir.err"; fi
                        echo "updated $name"
                fi
                return $status
        fi
        if [[ ! -d $case_dir.expected ]]; then
                echo "$name: no $case_dir.expected"
                status=1
        elif ! diff -ru --no-dereference "$case_dir.expected" "$tmp/out/normal"; then
                status=1
        fi
        if [[ -e $case_dir.err ]]; then
                diff -u --label "$case_dir.err" --label "stderr (actual)" "$case_dir.err" "$tmp/stderr" || status=1
        elif [[ -s $tmp/stderr ]]; then
                echo "$name: no $case_dir.err, so stderr should be empty; got:"
                sed 's/^/  /' "$tmp/stderr"
                status=1
        fi
        return $status
}

if [[ ${1:-} == --check-list ]]; then
        shift
        [[ $# -ge 1 ]] || die "usage: check-generator.sh --check-list DIR CASE_DIR..."
        check_list "$@"
        exit $?
fi

[[ $# -ge 1 ]] || die "usage: check-generator.sh [--update] GENERATOR valid|invalid CASE_DIR"
gen=$(realpath "$1") || die "no generator: $1"
[[ -x $gen ]] || die "not an executable: $gen"
shift
tmp=$(mktemp -d) || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

if [[ $# -eq 0 ]]; then
        $update || die "a kind and a case are needed, except with --update"
        status=0
        for kind in valid invalid; do
                for d in "$srcdir/tests/data/generator/$kind"/*; do
                        [[ -d $d && $d != *.expected ]] || continue
                        run_case "$gen" "$kind" "$d" || status=1
                done
        done
        exit $status
fi
[[ $# -eq 2 ]] || die "usage: check-generator.sh [--update] GENERATOR valid|invalid CASE_DIR"
run_case "$gen" "$1" "$2"
