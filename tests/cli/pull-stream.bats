#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# skiff pull unpacks a layer while its blob downloads (the store's streaming unpack), and still
# publishes it only once the blob's digest is verified: a blob that fails its digest at the end, and a
# download retried from scratch, leave no layer made of the bad bytes. A throttled proxy in front of
# docker-registry makes the downloads slow enough to see the overlap in the debug log, where the
# store writes, for each streamed layer, how many of the blob's bytes the unpack had already consumed
# when the blob was stored (or discarded).

load helpers
load registry

setup_file() {
        local t
        for t in docker-registry skopeo curl /usr/bin/python3; do
                command -v "$t" >/dev/null || { echo "$t is not installed" >"$BATS_FILE_TMPDIR/skip"; return 0; }
        done
        export LAYOUT=$BATS_FILE_TMPDIR/oci
        # busybox, a tiny layer, and one generated layer of 8 MiB (about 4.2 MB compressed)
        image_build "$LAYOUT" big --big-mib 8 --layers 1 >/dev/null
        REG=$(registry_start "$BATS_FILE_TMPDIR/reg")
        export REG
        image_push "$LAYOUT" big "$REG" big:1
        BIG=$(registry_layer_digests "$REG" big 1 | tail -1)
        export BIG
}

teardown_file() {
        registry_stop_all
}

setup() {
        [[ ! -f $BATS_FILE_TMPDIR/skip ]] || skip "$(cat "$BATS_FILE_TMPDIR/skip")"
        export SKIFF_ROOT=$BATS_TEST_TMPDIR/root
        export HOME=$BATS_TEST_TMPDIR/home XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
        mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
        unset REGISTRY_AUTH_FILE XDG_DATA_HOME XDG_CONFIG_HOME
        export CONTAINERS_REGISTRIES_CONF=/dev/null SKIFF_REGISTRIES_CONF_DIR=
        export REGISTRY_PID_DIR=$BATS_TEST_TMPDIR
}

teardown() {
        registry_stop_all "$BATS_TEST_TMPDIR"
}

store_check() {
        run "$REGISTRY_PY" "$REGISTRY_HELPERS/store-check.py" "$SKIFF_ROOT"
        [[ $status -eq 0 ]] || die "store inconsistent: $output"
        echo "$output"
}

# Fails when a layer unpacked from blob $1 is in the store.
assert_no_layer_from() {
        local f
        for f in "$SKIFF_ROOT"/layers/*/layer.json; do
                [[ -e $f ]] || continue
                ! grep -q "\"blob\": \"$1\"" "$f" || die "a layer made from blob $1 was published: $f"
        done
}

# "N M" from the debug line "layer $1: ...: discarding its unpack after N of the blob's M bytes" (or
# "unpacked; N of the blob's M bytes were read ..."); the last such line of $stderr.
bytes_read() {
        sed -n "s/.*layer $1: .* \([0-9]*\) of the blob's \([0-9]*\) bytes.*/\1 \2/p" <<<"$stderr" | tail -1
}

@test "a layer is unpacked while its blob downloads, and published once the blob is stored" {
        local proxy n size
        # 2 MB/s: the big layer takes about two seconds to arrive
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --rate 2000000)
        run_skiff --log-level debug pull -q --tls-verify=false "127.0.0.1:$proxy/big:1"
        is "$stdout" "$(registry_image_id "$REG" big 1)"

        # The pulling thread and the unpack worker log to one stderr, in the order things happened.
        run grep -e "layer $BIG: unpacking" -e "blob $BIG: stored" -e "layer $BIG: unpacked;" <<<"$stderr"
        is "$output" "skiff: debug: layer $BIG: unpacking while the blob arrives
skiff: debug: blob $BIG: stored
skiff: debug: layer $BIG: unpacked; [0-9]+ of the blob's [0-9]+ bytes were read by the unpack before the blob was stored" \
                "the unpack started before the blob was complete, and finished after it was stored"
        read -r n size <<<"$(bytes_read "$BIG")"
        echo "# the unpack had consumed $n of the blob's $size bytes when the download ended" >&3
        ((n * 2 >= size)) || die "only $n of $size bytes were unpacked during the download"

        run store_check
        is "$output" "images=1 blobs=5 layers=3"
        run store_tmp_entries "$SKIFF_ROOT"
        is "$output" "" "no staging leftovers"

        # Pulled again: nothing is fetched or unpacked.
        run_skiff --log-level debug pull -q --tls-verify=false "127.0.0.1:$proxy/big:1"
        run grep -c -e ": unpacking" <<<"$stderr"
        is "$output" "0" "nothing unpacked the second time"
}

@test "a blob whose digest fails only at its end leaves no layer, though its unpack was under way" {
        local proxy n size
        # The gzip header's MTIME flipped: the tar inside (and so the diff_id) is intact, the unpack
        # goes well; only the blob's digest, known at its last byte, tells.
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --rate 2000000 --fault "mtime:$BIG")
        run_skiff 125 --log-level debug pull --tls-verify=false "127.0.0.1:$proxy/big:1"
        is "$(grep -v ': debug: ' <<<"$stderr" | tail -1)" \
                "skiff: pull 127.0.0.1:$proxy/big:1: blob $BIG: digest mismatch \(expected $BIG, got sha256:[0-9a-f]{64}\)"
        run grep -c "layer $BIG: unpacking while the blob arrives" <<<"$stderr"
        is "$output" "1" "the layer was being unpacked while it downloaded"
        read -r n size <<<"$(bytes_read "$BIG")"
        [[ -n $n ]] || die "no 'discarding its unpack' line for $BIG"
        echo "# the discarded unpack had consumed $n of the blob's $size bytes" >&3
        ((n * 2 >= size)) || die "only $n of $size bytes were unpacked before the digest check"

        assert_no_layer_from "$BIG"
        run store_blobs "$SKIFF_ROOT"
        [[ $output != *"${BIG#sha256:}"* ]] || die "the corrupted blob was stored"
        run store_tmp_entries "$SKIFF_ROOT"
        is "$output" "" "the staging dir of the unpack is gone"
        run store_check
        is "$output" "images=0 blobs=[0-9]+ layers=[0-2]" "no image; at most the two good layers, as a cache"
}

@test "a download retried from scratch discards the first attempt's unpack and unpacks again" {
        local proxy
        # The first GET of the big blob is cut in the middle (connection closed); curl retries.
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --rate 2000000 \
                --fault "truncate-first:$BIG:1")
        run_skiff --log-level debug pull -q --tls-verify=false "127.0.0.1:$proxy/big:1"
        is "$stdout" "$(registry_image_id "$REG" big 1)"
        run grep -c "GET /v2/big/blobs/$BIG 200" "$BATS_TEST_TMPDIR/proxy.log"
        is "$output" "2" "a truncated attempt, then a whole one"
        run grep -e "layer $BIG: unpacking" -e "layer $BIG: the blob was not stored" -e "layer $BIG: unpacked" \
                <<<"$stderr"
        is "$output" "skiff: debug: layer $BIG: unpacking while the blob arrives
skiff: debug: layer $BIG: the blob was not stored: discarding its unpack after [0-9]+ of the blob's [0-9]+ bytes
skiff: debug: layer $BIG: unpacking.*" "the first attempt's unpack is thrown away, the retry unpacks anew"

        run store_check
        is "$output" "images=1 blobs=5 layers=3" "store-check.py verified every blob and layer"
        run store_tmp_entries "$SKIFF_ROOT"
        is "$output" "" "no staging leftovers"
}
