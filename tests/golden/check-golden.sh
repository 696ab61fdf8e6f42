#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Golden tests for `skiff kube play --dry-run` (STYLE.md §6, suite 'golden'; tests/golden/meson.build
# registers one test per case):
#
#   check-golden.sh [--update] SKIFF invalid|valid CASE.yaml
#       Runs `skiff kube play --dry-run CASE.yaml` in the case's directory (so the file name in
#       messages is relative and the output does not depend on where the tree is) and compares:
#         - stderr exactly with CASE.err (a missing CASE.err means: no output on stderr);
#         - stdout with CASE.out when it exists; for invalid cases without one, stdout must be empty;
#         - the exit status: 1 for tests/data/invalid, 0 for tests/data/valid.
#
#   check-golden.sh [--update] SKIFF examples EXAMPLES_DIR EXPECTED_DIR
#       Runs --dry-run on every EXAMPLES_DIR/*.yaml: exit 0, nothing at all on stderr (the examples
#       are what users copy: not even a warning), stdout equal to EXPECTED_DIR/NAME.out.
#
#   check-golden.sh --check-list DIR CASE.yaml...
#       Fails when DIR holds a .yaml that is not among the cases meson registered (meson lists the
#       directory at configure time: re-run `meson setup --reconfigure` after adding a case), or a
#       .err/.out without its .yaml.
#
# Regenerating expectations (for developers): --update writes what skiff prints now into the .err and
# .out files instead of comparing. With only SKIFF after it, it rewrites every case and example:
#
#   tests/golden/check-golden.sh --update build/src/cli/skiff
#   git diff tests/data/        # review every changed line: the committed files are the spec
#
# Every case gets a .err (empty for a valid case without warnings) and every valid case a .out; an
# invalid case gets a .out only when skiff printed something on stdout. The exit status is checked
# even with --update, and a case whose status is wrong is reported as failed.
set -uo pipefail

update=false
if [[ ${1:-} == --update ]]; then
        update=true
        shift
fi

# Messages must not depend on the user's locale or terminal.
export LC_ALL=C
unset NO_COLOR SKIFF_LOG_LEVEL 2>/dev/null || true

srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

die() {
        echo "check-golden.sh: $*" >&2
        exit 2
}

check_list() {
        local dir=$1 f base
        shift
        local -A listed=()
        local bad=0

        for f in "$@"; do
                listed[$(basename "$f")]=1
        done
        for f in "$dir"/*.yaml; do
                [[ -e $f ]] || continue
                base=$(basename "$f")
                if [[ -z ${listed[$base]:-} ]]; then
                        echo "$dir/$base is not registered as a test: re-run 'meson setup --reconfigure BUILDDIR'"
                        bad=1
                fi
        done
        for f in "$dir"/*.err "$dir"/*.out; do
                [[ -e $f ]] || continue
                if [[ ! -e ${f%.*}.yaml ]]; then
                        echo "$f has no ${f%.*}.yaml"
                        bad=1
                fi
        done
        for f in "$@"; do
                if [[ ! -e $f ]]; then
                        echo "$f is registered but does not exist: re-run 'meson setup --reconfigure BUILDDIR'"
                        bad=1
                fi
        done
        return $bad
}

# compare WHAT EXPECTED_FILE ACTUAL_FILE: diff -u, or write the expectation with --update.
# A missing expected file stands for empty output.
compare() {
        local what=$1 expected=$2 actual=$3 keep_empty=${4:-false}

        if $update; then
                if [[ -s $actual || $keep_empty == true ]]; then
                        cp "$actual" "$expected"
                else
                        rm -f "$expected"
                fi
                return 0
        fi
        if [[ -e $expected ]]; then
                if ! diff -u --label "$expected" --label "$what (actual)" "$expected" "$actual"; then
                        return 1
                fi
        elif [[ -s $actual ]]; then
                echo "no $expected, so $what should be empty; got:"
                sed 's/^/  /' "$actual"
                return 1
        fi
        return 0
}

run_case() {
        local skiff=$1 kind=$2 yaml=$3
        local dir base name want rc status=0

        [[ -f $yaml ]] || die "no such case: $yaml"
        dir=$(cd "$(dirname "$yaml")" && pwd)
        base=$(basename "$yaml")
        name=${base%.yaml}
        case $kind in
        invalid) want=1 ;;
        valid) want=0 ;;
        *) die "kind must be invalid or valid, got '$kind'" ;;
        esac

        (cd "$dir" && exec "$skiff" kube play --dry-run "$base" >"$tmp/out" 2>"$tmp/err" </dev/null)
        rc=$?

        if [[ $rc -ne $want ]]; then
                echo "$kind/$base: exit status $rc, expected $want"
                echo "stderr:"
                sed 's/^/  /' "$tmp/err"
                status=1
        fi
        compare "stderr" "$dir/$name.err" "$tmp/err" true || status=1
        if [[ -e $dir/$name.out || $kind == invalid ]]; then
                compare "stdout" "$dir/$name.out" "$tmp/out" || status=1
        else
                # A valid case always has its plan checked.
                compare "stdout" "$dir/$name.out" "$tmp/out" true || status=1
        fi
        if $update && [[ $status -eq 0 ]]; then
                echo "updated $kind/$name"
        fi
        return $status
}

run_examples() {
        local skiff=$1 examples=$2 expected=$3 f base name rc status=0

        mkdir -p "$expected"
        for f in "$examples"/*.yaml; do
                [[ -e $f ]] || continue
                base=$(basename "$f")
                name=${base%.yaml}
                (cd "$examples" && exec "$skiff" kube play --dry-run "$base" >"$tmp/out" 2>"$tmp/err" </dev/null)
                rc=$?
                if [[ $rc -ne 0 ]]; then
                        echo "examples/$base: exit status $rc, expected 0"
                        status=1
                fi
                if [[ -s $tmp/err ]]; then
                        echo "examples/$base: expected nothing on stderr (not even a warning), got:"
                        sed 's/^/  /' "$tmp/err"
                        status=1
                fi
                if $update; then
                        [[ $rc -eq 0 ]] && cp "$tmp/out" "$expected/$name.out" && echo "updated examples/$name"
                elif ! diff -u --label "$expected/$name.out" --label "stdout (actual)" "$expected/$name.out" "$tmp/out"; then
                        status=1
                fi
        done
        return $status
}

if [[ ${1:-} == --check-list ]]; then
        shift
        [[ $# -ge 1 ]] || die "usage: check-golden.sh --check-list DIR CASE.yaml..."
        check_list "$@"
        exit $?
fi

[[ $# -ge 1 ]] || die "usage: check-golden.sh [--update] SKIFF invalid|valid CASE.yaml | SKIFF examples DIR EXPECTED_DIR"
tmp=$(mktemp -d) || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
skiff=$(realpath "$1") || die "no skiff binary: $1"
[[ -x $skiff ]] || die "not an executable: $skiff"
shift

if [[ $# -eq 0 ]]; then
        $update || die "a kind and a case are needed, except with --update"
        status=0
        for kind in invalid valid; do
                for f in "$srcdir/tests/data/$kind"/*.yaml; do
                        [[ -e $f ]] || continue
                        run_case "$skiff" "$kind" "$f" || status=1
                done
        done
        run_examples "$skiff" "$srcdir/examples" "$srcdir/tests/data/examples" || status=1
        exit $status
fi

case $1 in
invalid | valid)
        [[ $# -eq 2 ]] || die "usage: check-golden.sh [--update] SKIFF $1 CASE.yaml"
        run_case "$skiff" "$1" "$2"
        ;;
examples)
        [[ $# -eq 3 ]] || die "usage: check-golden.sh [--update] SKIFF examples EXAMPLES_DIR EXPECTED_DIR"
        run_examples "$skiff" "$2" "$3"
        ;;
*)
        die "unknown kind '$1': use invalid, valid or examples"
        ;;
esac
