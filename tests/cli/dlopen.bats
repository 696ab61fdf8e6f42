#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# libcurl and libarchive are loaded on first use (docs/architecture.md, "Lazy loading of libcurl and
# libarchive"): the binary does not link them, commands that do not need them work without them, and
# the commands that do say which library is missing, what needs it and which package provides it.
# A library is hidden by bind-mounting /dev/null over it in a private mount namespace (root only).
# shellcheck disable=SC2154 # $status, $stdout, $stderr are set by run_skiff (helpers.bash)

load helpers

# Writes a wrapper to $BATS_TEST_TMPDIR/skiff-without-NAME that runs $SKIFF with SONAME hidden, and
# prints its path.
without_lib() {
        local soname=$1 path wrapper
        [[ $(id -u) == 0 ]] || skip "hiding a library needs root (a private mount namespace)"
        command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
        path=$(ldconfig -p | awk -v so="$soname" '$1 == so { print $NF; exit }')
        [[ -n $path ]] || die "$soname is not installed (ldconfig -p)"
        wrapper=$BATS_TEST_TMPDIR/skiff-without-$soname
        cat >"$wrapper" <<EOS
#!/bin/sh
exec unshare -m --propagation private sh -c 'mount --bind /dev/null "\$0" && exec "\$@"' "$path" "$SKIFF" "\$@"
EOS
        chmod +x "$wrapper"
        echo "$wrapper"
}

@test "skiff links neither libcurl nor libarchive" {
        run ldd "$SKIFF"
        [[ $status == 0 ]] || die "ldd $SKIFF failed: $output"
        is "$(grep -cE 'libcurl|libarchive' <<<"$output")" "0" "ldd $SKIFF: $output"
}

@test "without libarchive: image load names it; commands that do not need it work" {
        local T=$BATS_TEST_TMPDIR wrapper
        wrapper=$(without_lib libarchive.so.13)
        python3 "$SKIFF_SRCDIR/tests/cli/make-image.py" docker-archive "$T/img.tar" --name localhost/lazy:1 >/dev/null

        SKIFF=$wrapper run_skiff 125 --root "$T/root" --runroot "$T/run" image load -i "docker-archive:$T/img.tar"
        is "$stderr" "skiff: image load: [^ ]*libarchive\.so\.13[^ ]*: file too short \(needed to unpack, load and save images; install libarchive13\)"
        SKIFF=$wrapper run_skiff --root "$T/root" --runroot "$T/run" image ls -q
        is "$stdout" "" "nothing was stored"
        SKIFF=$wrapper run_skiff --version
        # The same store with the library back: the load works.
        run_skiff --root "$T/root" --runroot "$T/run" image load -i "docker-archive:$T/img.tar"
        is "$stdout" "Loaded image: localhost/lazy:1"
}

@test "without libcurl: pull names it" {
        local T=$BATS_TEST_TMPDIR wrapper
        wrapper=$(without_lib libcurl.so.4)
        SKIFF=$wrapper run_skiff 125 --root "$T/root" --runroot "$T/run" pull --tls-verify=false 127.0.0.1:1/lazy:1
        is "${stderr##*$'\n'}" "skiff: pull 127.0.0.1:1/lazy:1: [^ ]*libcurl\.so\.4[^ ]*: file too short \(needed to pull images from registries; install libcurl4\)"
}

# runperf: libsystemd too is loaded on first use (docs/architecture.md, "Where skiff run spends its
# time"): only the journald log driver and a monitor under systemd (NOTIFY_SOCKET) need it.
@test "skiff does not link libsystemd; run --rm works without it" {
        local T=$BATS_TEST_TMPDIR wrapper
        run ldd "$SKIFF"
        [[ $status == 0 ]] || die "ldd $SKIFF failed: $output"
        is "$(grep -c 'libsystemd' <<<"$output")" "0" "ldd $SKIFF: $output"

        wrapper=$(without_lib libsystemd.so.0)
        python3 "$SKIFF_SRCDIR/tests/cli/make-image.py" docker-archive "$T/img.tar" --name localhost/lazy:1 >/dev/null
        run_skiff --root "$T/root" --runroot "$T/run" image load -i "docker-archive:$T/img.tar"
        SKIFF=$wrapper run_skiff --root "$T/root" --runroot "$T/run" run --rm --network none localhost/lazy:1 echo hello
        is "$stdout" "hello"
        run_skiff --root "$T/root" --runroot "$T/run" ps -aq
        is "$stdout" "" "the --rm container is gone"
}
