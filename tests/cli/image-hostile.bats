#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# Hostile layers: every crafted tarball from make-hostile-layers.py, wrapped into an image by
# make-image.py, must fail `skiff image load` with its exact message, write nothing outside the store
# (a canary directory next to it is compared before and after) and leave nothing in the store: no
# image, no layer, no staging leftover.
# shellcheck disable=SC2154 # $status, $stdout, $stderr are set by run_skiff (helpers.bash)

load helpers

# The state of everything under $1 but the store, the inputs and the test's own files, and the
# store's top level (the store's insides are checked separately: no layer, no staging entry).
snapshot() {
        (cd "$1" && find . -path ./root -prune -o -path ./cases -prune -o -path ./archives -prune -o -name '.run_skiff*' -prune \
                -o -printf '%p %y %m %s %T@ %l\n' | sort)
        ls -A "$1/root"
}

@test "image load: hostile layers are refused with an exact error, nothing written outside" {
        local T=$BATS_TEST_TMPDIR
        mkdir -p "$T/canary" "$T/archives"
        echo secret >"$T/canary/secret"
        python3 "$SKIFF_SRCDIR/tests/cli/make-hostile-layers.py" "$T/cases" "$T/canary"

        local n=0 failed=0 name msg digest before after
        run_skiff --root "$T/root" image ls -q # create the store, so its own files are in the baseline
        while IFS=$'\t' read -r name msg; do
                n=$((n + 1))
                python3 "$SKIFF_SRCDIR/tests/cli/make-image.py" oci-archive "$T/archives/$name.tar" --only-raw \
                        --raw-layer "$T/cases/$name.tar" --name "hostile/$name"
                digest=$(sha256sum "$T/cases/$name.tar" | cut -d' ' -f1)
                before=$(snapshot "$T")
                run_skiff 1 --root "$T/root" image load -i "$T/archives/$name.tar"
                local want="skiff: image load: $T/archives/$name.tar: layer sha256:$digest: $msg"
                if [[ $stderr != "$want" ]]; then
                        echo "# $name: got:  $stderr" >&3
                        echo "# $name: want: $want" >&3
                        failed=$((failed + 1))
                fi
                after=$(snapshot "$T")
                if [[ $before != "$after" ]]; then
                        echo "# $name: something changed outside the blobs:" >&3
                        diff <(echo "$before") <(echo "$after") >&3 || true
                        failed=$((failed + 1))
                fi
                if [[ -n $(ls -A "$T/root/layers") || -n $(ls -A "$T/root/tmp") ]]; then
                        echo "# $name: left something in layers/ or tmp/" >&3
                        failed=$((failed + 1))
                fi
                run_skiff --root "$T/root" image ls -q
                is "$stdout" "" "$name: no image recorded"
        done <"$T/cases/cases.tsv"
        ((n >= 15)) || die "only $n hostile cases"
        ((failed == 0)) || die "$failed checks failed (see above)"
        is "$(cat "$T/canary/secret")" "secret" "canary intact"
}

@test "image load: a hostile layer after good ones leaves the good layers for prune only" {
        local T=$BATS_TEST_TMPDIR
        mkdir -p "$T/canary"
        python3 "$SKIFF_SRCDIR/tests/cli/make-hostile-layers.py" "$T/cases" "$T/canary"
        python3 "$SKIFF_SRCDIR/tests/cli/make-image.py" oci-archive "$T/img.tar" --name mixed \
                --raw-layer "$T/cases/symlink-abs-then-file.tar"
        run_skiff 1 --root "$T/root" image load -i "$T/img.tar"
        is "$stderr" ".*entry \"esc/pwned\": path goes through a symlink" "the hostile layer is named"
        run_skiff --root "$T/root" image ls -q
        is "$stdout" "" "no image"
        is "$(ls -A "$T/root/tmp")" "" "no staging leftovers"
        run_skiff --root "$T/root" image prune
        is "$(ls -A "$T/root/layers")" "" "prune removes the good layers no image uses"
        is "$(ls -A "$T/root/blobs/sha256")" "" "and their blobs"
        is "$(ls -A "$T/canary")" "" "canary still empty"
}

@test "image load: a tampered blob and a truncated archive fail with nothing recorded" {
        local T=$BATS_TEST_TMPDIR
        python3 "$SKIFF_SRCDIR/tests/cli/make-image.py" oci "$T/lay" --name tamper
        # Flip the content of the marker layer's blob but keep its name: the digest no longer matches.
        local blob
        blob=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]+"/index.json"))["manifests"][0]["digest"][7:]; \
                man=json.load(open(sys.argv[1]+"/blobs/sha256/"+m)); print(man["layers"][1]["digest"][7:])' "$T/lay")
        cp "$T/lay/blobs/sha256/$blob" "$T/orig"
        printf 'garbage' | dd of="$T/lay/blobs/sha256/$blob" bs=1 seek=20 conv=notrunc status=none
        run_skiff 1 --root "$T/root" image load -i "$T/lay"
        is "$stderr" "skiff: image load: $T/lay: blob sha256:$blob: digest mismatch \(expected sha256:$blob, got sha256:[0-9a-f]{64}\)"
        run_skiff --root "$T/root" image ls -q
        is "$stdout" "" "no image after a digest mismatch"
        is "$(ls -A "$T/root/tmp")" "" "no temporary file left"
        [[ ! -e $T/root/blobs/sha256/$blob ]] || die "the tampered blob was stored"

        # A truncated oci-archive.
        python3 "$SKIFF_SRCDIR/tests/cli/make-image.py" oci-archive "$T/full.tar" --name trunc
        head -c 300000 "$T/full.tar" >"$T/trunc.tar"
        run_skiff 1 --root "$T/root" image load -i "$T/trunc.tar"
        is "$stderr" "skiff: image load: $T/trunc.tar: .*" "truncated archive fails"
        run_skiff --root "$T/root" image ls -q
        is "$stdout" "" "no image after a truncated archive"
        is "$(ls -A "$T/root/tmp")" "" "no temporary file left"
}
