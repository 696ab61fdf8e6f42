# SPDX-License-Identifier: Apache-2.0
# -*- bash -*-
#
# Helpers for the skiff CLI tests, after podman's test/system/helpers.bash. Load with `load helpers`.
# $SKIFF is the binary under test and $SKIFF_SRCDIR the source root (set by run-bats.sh/meson).

# How long one skiff command may run before it counts as hung.
SKIFF_TIMEOUT=${SKIFF_TIMEOUT:-60}

# Prints a framed failure message to stderr and fails the test.
die() {
        echo "#/vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv" >&2
        echo "#| FAIL: $*" >&2
        echo "#\\^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^" >&2
        false
}

# run_skiff [EXPECTED_RC|?] ARG...
#
# Runs "$SKIFF" ARG... with no stdin and checks its exit status: EXPECTED_RC if the first argument is a
# number, 0 otherwise; '?' accepts any status. Sets
#   $status  the exit status
#   $stdout  what it wrote to stdout, $stderr what it wrote to stderr (trailing newlines stripped)
#   $output  stdout, then stderr (podman merges the two; order between them is not kept here)
#   $lines   $output split into lines
# and echoes the command and its output, which bats shows only when the test fails. A sanitizer report
# on stderr fails the test whatever the status: an ASan build must be clean on error paths too.
# shellcheck disable=SC2034 # $lines, $stdout...: set for the tests
# Standard input is /dev/null, or the file named by $SKIFF_STDIN.
run_skiff() {
        local expected_rc=0
        case "$1" in
        [0-9] | [1-9][0-9] | [12][0-9][0-9])
                expected_rc=$1
                shift
                ;;
        '?')
                expected_rc=
                shift
                ;;
        esac

        MOST_RECENT_SKIFF_COMMAND="skiff${*:+ $*}"
        echo "\$ $MOST_RECENT_SKIFF_COMMAND"

        local out=$BATS_TEST_TMPDIR/.run_skiff.stdout err=$BATS_TEST_TMPDIR/.run_skiff.stderr
        status=0
        # fd 3 is bats' own: a leftover child holding it open would hang bats, so do not pass it on.
        timeout --foreground -v --kill-after=10 "$SKIFF_TIMEOUT" "$SKIFF" "$@" \
                <"${SKIFF_STDIN:-/dev/null}" >"$out" 2>"$err" 3>/dev/null || status=$?
        stdout=$(<"$out")
        stderr=$(<"$err")
        output=$stdout
        if [[ -n $stderr ]]; then
                output+=${output:+$'\n'}$stderr
        fi
        lines=()
        if [[ -n $output ]]; then
                mapfile -t lines <<<"$output"
                echo "$output"
        fi

        if ((status != 0)); then
                if [[ -z $expected_rc ]]; then
                        echo "[ rc=$status ]"
                elif ((status == expected_rc)); then
                        echo "[ rc=$status (expected) ]"
                else
                        echo "[ rc=$status (** EXPECTED $expected_rc **) ]"
                fi
        fi
        if ((status == 124)) && [[ $expected_rc != 124 ]] && [[ $stderr == *"timeout: sending signal"* ]]; then
                die "$MOST_RECENT_SKIFF_COMMAND: timed out after ${SKIFF_TIMEOUT}s"
        fi
        if [[ $stderr =~ (ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime\ error:) ]]; then
                die "$MOST_RECENT_SKIFF_COMMAND: sanitizer report on stderr"
        fi
        if [[ -n $expected_rc ]] && ((status != expected_rc)); then
                die "$MOST_RECENT_SKIFF_COMMAND: exit code is $status; expected $expected_rc"
        fi
}

# is ACTUAL EXPECTED [DESCRIPTION]
#
# Passes if ACTUAL equals EXPECTED, or if EXPECTED, as an extended regex, matches the whole of ACTUAL
# ('.' also matches newlines, so ".*word.*" means "contains word" even in multi-line output). An empty
# EXPECTED means "no output". Otherwise prints both, line by line, and fails the test.
is() {
        local actual=$1 expect=$2
        local testname=${3:-${MOST_RECENT_SKIFF_COMMAND:-[no test name given]}}

        if [[ -z $expect ]]; then
                [[ -z $actual ]] && return 0
                expect='[no output]'
        else
                local re="^($expect)\$"
                if [[ $actual == "$expect" || $actual =~ $re ]]; then
                        return 0
                fi
        fi

        local expect_split actual_split
        mapfile -t expect_split <<<"$expect"
        mapfile -t actual_split <<<"$actual"
        {
                echo "#/vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"
                echo "#|     FAIL: $testname"
                printf "#| expected: '%s'\n" "${expect_split[0]}"
                printf "#|         > '%s'\n" "${expect_split[@]:1}"
                printf "#|   actual: '%s'\n" "${actual_split[0]:-}"
                printf "#|         > '%s'\n" "${actual_split[@]:1}"
                echo "#\\^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"
        } | grep -v "^#|         > ''\$" >&2
        false
}
