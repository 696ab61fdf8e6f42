#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# The skiff command line itself: version, help, usage errors, option errors.
# shellcheck disable=SC2154 # $status, $stdout, $stderr are set by run_skiff (helpers.bash)

load helpers

@test "skiff --version" {
        run_skiff --version
        is "$output" "skiff version [0-9]+\.[0-9]+\.[0-9]+" "--version prints 'skiff version X.Y.Z'"

        # ...and it is the version meson.build declares.
        local want
        want=$(sed -n "s/^ *version : '\([^']*\)'.*/\1/p" "$SKIFF_SRCDIR/meson.build" | head -n1)
        if [[ -n $want ]]; then
                is "$output" "skiff version $want" "version matches meson.build"
        fi
}

@test "skiff --help lists the commands" {
        run_skiff --help
        is "$stdout" ".*[Uu]sage:.*" "--help prints usage on stdout"
        is "$stdout" ".*kube.*" "--help lists the kube command"
        is "$stderr" "" "--help writes nothing to stderr"
}

@test "skiff with no arguments prints usage to stderr" {
        run_skiff 1
        is "$stderr" ".*[Uu]sage:.*" "usage on stderr"
        is "$stdout" "" "nothing on stdout"
}

@test "skiff nosuchcommand fails naming the command" {
        run_skiff 1 nosuchcommand
        is "$stderr" ".*nosuchcommand.*" "error names the unknown command"
        is "$stdout" "" "nothing on stdout"
}

@test "skiff kube --help" {
        run_skiff kube --help
        is "$stdout" ".*[Uu]sage:.*" "kube --help prints usage"
        is "$stdout" ".*play.*" "kube --help lists play"
}

@test "skiff kube play --help" {
        run_skiff kube play --help
        is "$stdout" ".*[Uu]sage:.*" "kube play --help prints usage"
        is "$stdout" ".*--dry-run.*" "kube play --help mentions --dry-run"
}

@test "skiff --log-level bogus fails naming the value" {
        run_skiff 1 --log-level bogus --version
        is "$stderr" ".*bogus.*" "error names the bad log level"
}

@test "skiff kube play --dry-run of a missing file fails naming it" {
        local missing=$BATS_TEST_TMPDIR/no-such-pod.yaml
        run_skiff '?' kube play --dry-run "$missing"
        ((status != 0)) || die "exit status is 0 for a missing file"
        is "$stderr" ".*no-such-pod\.yaml.*" "error names the file"
}
