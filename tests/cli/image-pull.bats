#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# skiff pull against a real docker-registry on 127.0.0.1: tags, digests, manifest lists, short names,
# Basic and Bearer authentication, redirects, and hostile answers from a fault-injecting proxy.

load helpers
load registry

setup_file() {
        registry_require_tools_file || return 0
        export REG_DIR=$BATS_FILE_TMPDIR/reg
        export LAYOUT=$BATS_FILE_TMPDIR/oci
        image_build "$LAYOUT" v1 --label version=1 >/dev/null
        image_build "$LAYOUT" v2 --label version=2 >/dev/null
        image_build "$LAYOUT" multi --platform linux/amd64 --platform linux/arm64 >/dev/null
        REG=$(registry_start "$REG_DIR")
        export REG
        image_push "$LAYOUT" v1 "$REG" app:v1
        image_push "$LAYOUT" v2 "$REG" app:v2
        image_push "$LAYOUT" multi "$REG" app:multi
        image_push "$LAYOUT" v1 "$REG" team/tool:1.0

        # The same images behind htpasswd (Basic) authentication.
        htpasswd -Bbn alice s3cret >"$BATS_FILE_TMPDIR/htpasswd"
        REG_BASIC=$(registry_start "$BATS_FILE_TMPDIR/reg-basic" "$BATS_FILE_TMPDIR/htpasswd")
        export REG_BASIC
        skopeo copy -q --dest-tls-verify=false --dest-creds alice:s3cret "oci:$LAYOUT:v1" \
                "docker://127.0.0.1:$REG_BASIC/private:v1" >/dev/null
}

# bats cannot skip from setup_file; remember why and skip each test.
registry_require_tools_file() {
        local t
        for t in docker-registry skopeo curl htpasswd /usr/bin/python3; do
                if ! command -v "$t" >/dev/null; then
                        echo "$t is not installed" >"$BATS_FILE_TMPDIR/skip"
                        return 1
                fi
        done
}

teardown_file() {
        registry_stop_all
}

setup() {
        [[ ! -f $BATS_FILE_TMPDIR/skip ]] || skip "$(cat "$BATS_FILE_TMPDIR/skip")"
        export SKIFF_ROOT=$BATS_TEST_TMPDIR/root
        export HOME=$BATS_TEST_TMPDIR/home
        export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
        export XDG_CONFIG_HOME=$HOME/.config
        unset REGISTRY_AUTH_FILE XDG_DATA_HOME
        mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
        export CONTAINERS_REGISTRIES_CONF=$BATS_TEST_TMPDIR/registries.conf
        export SKIFF_REGISTRIES_CONF_DIR=
        : >"$CONTAINERS_REGISTRIES_CONF"
        export REGISTRY_PID_DIR=$BATS_TEST_TMPDIR
}

teardown() {
        registry_stop_all "$BATS_TEST_TMPDIR"
}

# The last line of stderr of the last run_skiff (the error, after any progress lines).
last_err() {
        echo "${stderr##*$'\n'}"
}

# The image id printed by the last run_skiff (its last stdout line).
last_id() {
        echo "${stdout##*$'\n'}"
}

# Checks that the store at $SKIFF_ROOT holds no image and no staging leftovers, and not the blob $1.
assert_nothing_stored() {
        if [[ -n ${1:-} ]]; then
                run store_blobs "$SKIFF_ROOT"
                [[ $output != *"$1"* ]] || die "blob $1 was stored"
        fi
        run store_tmp_entries "$SKIFF_ROOT"
        is "$output" "" "no staging leftovers in $SKIFF_ROOT/tmp"
        if [[ -f $SKIFF_ROOT/images.json ]]; then
                run grep -c '"id"' "$SKIFF_ROOT/images.json"
                is "$output" "0" "no image recorded"
        fi
        # Blobs verified before the failure may stay as a cache; no image claims them, so prune
        # leaves an empty store.
        if [[ -d $SKIFF_ROOT ]]; then
                run_skiff image prune
                run store_blobs "$SKIFF_ROOT"
                is "$output" "" "nothing left after skiff image prune"
                run ls "$SKIFF_ROOT/layers"
                is "$output" "" "no layer left after skiff image prune"
        fi
}

@test "pull --help" {
        run_skiff pull --help
        is "$output" "Usage: skiff pull .*--tls-verify.*--creds.*"
        run_skiff 1 pull
        is "$output" ".*an image name is required.*"
        run_skiff 1 pull --platform linux 127.0.0.1:1/x
        is "$output" ".*invalid --platform 'linux'.*"
        run_skiff 1 pull --tls-verify=maybe 127.0.0.1:1/x
        is "$output" ".*invalid --tls-verify value 'maybe'.*"
        run_skiff 1 pull UPPER
        is "$stderr" "skiff: pull UPPER: invalid reference: repository name must be lowercase"
        run_skiff 1 pull --creds alice 127.0.0.1:1/x
        is "$stderr" "skiff: pull: --creds 'alice': the password is missing \(USER:PASSWORD\)"
        run_skiff 1 pull --authfile /nonexistent/auth.json 127.0.0.1:1/x
        is "$stderr" "skiff: pull: --authfile /nonexistent/auth.json: No such file or directory"
}

@test "pull by tag over plain HTTP with --tls-verify=false, then again from the store" {
        local id
        id=$(registry_image_id "$REG" app v1)
        run_skiff pull --tls-verify=false "127.0.0.1:$REG/app:v1"
        is "$(last_id)" "$id" "prints the image id (config digest)"
        is "$stderr" ".*Trying to pull 127.0.0.1:$REG/app:v1.*Copying blob .* done.*Writing manifest.*"
        for d in $(registry_layer_digests "$REG" app v1); do
                [[ -f $SKIFF_ROOT/blobs/sha256/${d#sha256:} ]] || die "layer blob $d not stored"
        done
        run ls "$SKIFF_ROOT/layers"
        is "${#lines[@]}" "2" "two layers unpacked"
        [[ -x $(echo "$SKIFF_ROOT"/layers/*/diff/bin/busybox) ]] || die "busybox not unpacked"

        # A second pull finds every blob present.
        run_skiff pull --tls-verify=false "127.0.0.1:$REG/app:v1"
        is "$(last_id)" "$id"
        is "$stderr" ".*skipped: already exists.*skipped: already exists.*"

        # -q prints the id only.
        run_skiff pull -q --tls-verify=false "127.0.0.1:$REG/app:v1"
        is "$stdout" "$id"
        is "$stderr" ""
}

@test "plain HTTP is refused unless allowed (HTTPS with verification is the default)" {
        run_skiff 125 pull "127.0.0.1:$REG/app:v1"
        is "$(last_err)" "skiff: pull 127.0.0.1:$REG/app:v1: ping https://127.0.0.1:$REG/v2/: .*"
        assert_nothing_stored
}

@test "pull by digest verifies the manifest digest; an unknown digest is the registry's error" {
        local digest id
        digest=$(registry_digest "$REG" app v2)
        id=$(registry_image_id "$REG" app v2)
        run_skiff pull --tls-verify=false "127.0.0.1:$REG/app@$digest"
        is "$(last_id)" "$id"
        run_skiff image ls
        is "$output" ".*127.0.0.1:$REG/app +<none> +${id:0:12} .*" "kept as a digest reference, not dangling"
        run_skiff pull -q --tls-verify=false "127.0.0.1:$REG/app:v2@$digest"
        is "$stdout" "$id" "tag@digest"

        run_skiff 125 pull --tls-verify=false "127.0.0.1:$REG/app@sha256:$(printf '%064d' 0)"
        is "$(last_err)" "skiff: pull 127.0.0.1:$REG/app@sha256:0{64}: manifest sha256:0{64}: HTTP 404: manifest unknown \(MANIFEST_UNKNOWN\)"
        run_skiff 125 pull --tls-verify=false "127.0.0.1:$REG/app:nope"
        is "$(last_err)" ".*manifest nope: HTTP 404: manifest unknown \(MANIFEST_UNKNOWN\)"
        run_skiff 125 pull --tls-verify=false "127.0.0.1:$REG/nothere:v1"
        is "$stderr" ".*manifest v1: HTTP 404: .*"
}

@test "a manifest list resolves to the host's platform; --arch/--platform pick another" {
        local amd arm host
        host=$(uname -m)
        [[ $host == x86_64 ]] || skip "the test image list has linux/amd64 and linux/arm64; host is $host"
        amd=$(registry_image_id "$REG" app multi amd64)
        arm=$(registry_image_id "$REG" app multi arm64)
        [[ $amd != "$arm" ]] || die "the two platforms should differ"

        run_skiff pull -q --tls-verify=false "127.0.0.1:$REG/app:multi"
        is "$stdout" "$amd" "host platform (linux/amd64)"
        run grep -l "linux/amd64" "$SKIFF_ROOT"/layers/*/diff/platform
        is "$status" "0" "the amd64 layer was unpacked"

        run_skiff pull -q --tls-verify=false --arch arm64 "127.0.0.1:$REG/app:multi"
        is "$stdout" "$arm" "--arch arm64"
        run grep -l "linux/arm64" "$SKIFF_ROOT"/layers/*/diff/platform
        is "$status" "0" "the arm64 layer was unpacked"

        run_skiff pull -q --tls-verify=false --platform linux/arm64 "127.0.0.1:$REG/app:multi"
        is "$stdout" "$arm" "--platform linux/arm64"

        run_skiff 125 pull --tls-verify=false --platform linux/s390x "127.0.0.1:$REG/app:multi"
        is "$(last_err)" "skiff: pull .*: manifest list sha256:[0-9a-f]{64}: no image for linux/s390x \(it has: linux/amd64, linux/arm64\)"
}

@test "short names resolve through unqualified-search-registries in order; localhost/ never leaves the host" {
        local id dead
        id=$(registry_image_id "$REG" team/tool 1.0)
        dead=$(registry_free_port)
        registries_conf "$CONTAINERS_REGISTRIES_CONF" \
                "unqualified-search-registries = [\"127.0.0.1:$dead\", \"127.0.0.1:$REG\"]" \
                "" \
                "[[registry]]" \
                "location = \"127.0.0.1:$dead\"" \
                "insecure = true" \
                "" \
                "[[registry]]" \
                "location = \"127.0.0.1:$REG\"" \
                "insecure = true"
        run_skiff pull team/tool:1.0
        is "$(last_id)" "$id"
        is "$stderr" "Trying to pull 127.0.0.1:$dead/team/tool:1.0....*Trying to pull 127.0.0.1:$REG/team/tool:1.0....*"

        # Both fail: each candidate's error is reported.
        run_skiff 125 pull team/missing:1.0
        is "$(last_err)" "skiff: pull team/missing:1.0: 127.0.0.1:$dead/team/missing:1.0: .*; 127.0.0.1:$REG/team/missing:1.0: manifest 1.0: HTTP 404: .*"

        run_skiff 125 pull localhost/tool:1.0
        is "$(last_err)" "skiff: pull localhost/tool:1.0: localhost/ names are local images and are never pulled from a network"

        # A drop-in replaces the search list; a blocked registry is refused.
        mkdir -p "$BATS_TEST_TMPDIR/conf.d"
        registries_conf "$BATS_TEST_TMPDIR/conf.d/50-block.conf" \
                "unqualified-search-registries = [\"127.0.0.1:$REG\"]" \
                "[[registry]]" \
                "location = \"127.0.0.1:$REG\"" \
                "blocked = true"
        SKIFF_REGISTRIES_CONF_DIR=$BATS_TEST_TMPDIR/conf.d run_skiff 125 pull "127.0.0.1:$REG/app:v1"
        is "$(last_err)" "skiff: pull 127.0.0.1:$REG/app:v1: registry 127.0.0.1:$REG is blocked in $BATS_TEST_TMPDIR/conf.d/50-block.conf \(line 2\)"

        # No search registries at all.
        : >"$CONTAINERS_REGISTRIES_CONF"
        run_skiff 125 pull tool
        is "$(last_err)" "skiff: pull tool: short name 'tool' did not resolve: no unqualified-search-registries are defined in $CONTAINERS_REGISTRIES_CONF"
}

@test "registries.conf errors name the file and line" {
        registries_conf "$CONTAINERS_REGISTRIES_CONF" \
                "unqualified-search-registries = [\"a.example\"]" \
                "[[registry]]" \
                "location = \"b.example\"" \
                "insecure = \"yes\""
        run_skiff 125 pull x
        is "$(last_err)" "skiff: $CONTAINERS_REGISTRIES_CONF:4: registry.insecure: expected a boolean \(true or false\)"
        registries_conf "$CONTAINERS_REGISTRIES_CONF" "unqualified-search-registries = [\"a.example\""
        run_skiff 125 pull x
        is "$(last_err)" "skiff: $CONTAINERS_REGISTRIES_CONF:1:33: unterminated array"
}

@test "Basic authentication (htpasswd): --creds, --authfile, REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR auth.json" {
        local id auth
        id=$(registry_image_id "$REG" app v1)
        run_skiff 125 pull --tls-verify=false "127.0.0.1:$REG_BASIC/private:v1"
        is "$(last_err)" "skiff: pull 127.0.0.1:$REG_BASIC/private:v1: manifest v1: authentication required \(no credentials; use --creds or an auth file\): HTTP 401: authentication required \(UNAUTHORIZED\)"
        run_skiff 125 pull --tls-verify=false --creds alice:wrong "127.0.0.1:$REG_BASIC/private:v1"
        is "$stderr" ".*authentication required \(credentials refused\): HTTP 401.*"
        assert_nothing_stored

        run_skiff pull -q --tls-verify=false --creds alice:s3cret "127.0.0.1:$REG_BASIC/private:v1"
        is "$stdout" "$id" "--creds"

        auth=$(printf 'alice:s3cret' | base64)
        printf '{"auths": {"127.0.0.1:%s/private": {"auth": "%s"}}}\n' "$REG_BASIC" "$auth" >"$BATS_TEST_TMPDIR/auth.json"
        run_skiff pull -q --tls-verify=false --authfile "$BATS_TEST_TMPDIR/auth.json" "127.0.0.1:$REG_BASIC/private:v1"
        is "$stdout" "$id" "--authfile with a repository key"
        REGISTRY_AUTH_FILE=$BATS_TEST_TMPDIR/auth.json run_skiff pull -q --tls-verify=false "127.0.0.1:$REG_BASIC/private:v1"
        is "$stdout" "$id" "REGISTRY_AUTH_FILE"

        mkdir -p "$XDG_RUNTIME_DIR/containers"
        printf '{"auths": {"http://127.0.0.1:%s/v2/": {"auth": "%s"}}}\n' "$REG_BASIC" "$auth" >"$XDG_RUNTIME_DIR/containers/auth.json"
        run_skiff pull -q --tls-verify=false "127.0.0.1:$REG_BASIC/private:v1"
        is "$stdout" "$id" "\$XDG_RUNTIME_DIR/containers/auth.json with a legacy URL key"

        # A malformed auth file is an error naming it.
        printf '{"auths": {"127.0.0.1:%s": {"auth": "!!"}}}\n' "$REG_BASIC" >"$XDG_RUNTIME_DIR/containers/auth.json"
        run_skiff 125 pull --tls-verify=false "127.0.0.1:$REG_BASIC/private:v1"
        is "$(last_err)" "skiff: pull .*: reading credentials: $XDG_RUNTIME_DIR/containers/auth.json: auths.\"127.0.0.1:$REG_BASIC\".auth: invalid base64 at byte 0"
}

@test "Bearer tokens from the registry's token service (anonymous, then with credentials)" {
        local proxy id
        id=$(registry_image_id "$REG" app v1)
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --bearer)
        run_skiff pull -q --tls-verify=false "127.0.0.1:$proxy/app:v1"
        is "$stdout" "$id"
        run cat "$BATS_TEST_TMPDIR/proxy.log"
        is "$output" "GET /v2/ 401.*GET /token\?service=skiff-test&scope=repository%3Aapp%3Apull 200.*GET /v2/app/manifests/v1 200.*" \
                "challenge, token, then authorized requests"
        run grep -c -v -e "^GET /v2/ 401" -e " 200\$" "$BATS_TEST_TMPDIR/proxy.log"
        is "$output" "0" "only the pings (the test's readiness check and skiff's) were unauthorized"

        # A token service that wants credentials.
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy2.log" --bearer --token-creds bob:pw)
        run_skiff 125 pull --tls-verify=false "127.0.0.1:$proxy/app:v1"
        is "$(last_err)" "skiff: pull 127.0.0.1:$proxy/app:v1: ping .*|.*token service http://127.0.0.1:$proxy/token: HTTP 401: token service: bad credentials \(UNAUTHORIZED\)"
        run_skiff pull -q --tls-verify=false --creds bob:pw "127.0.0.1:$proxy/app:v2"
        is "$stdout" "$(registry_image_id "$REG" app v2)"
}

@test "blob redirects are followed without the Authorization header" {
        local proxy
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --bearer --fault redirect:/blobs/)
        run_skiff pull -q --tls-verify=false "127.0.0.1:$proxy/app:v1"
        is "$stdout" "$(registry_image_id "$REG" app v1)"
        run grep -c "^GET /redirected/v2/app/blobs/sha256:[0-9a-f]* 200" "$BATS_TEST_TMPDIR/proxy.log"
        [[ $output -ge 2 ]] || die "expected the layer blobs through the redirect, log: $(cat "$BATS_TEST_TMPDIR/proxy.log")"
}

@test "skiff image inspect after a pull shows the config the runtime needs" {
        run_skiff pull -q --tls-verify=false "127.0.0.1:$REG/app:v1"
        run_skiff '?' image inspect "127.0.0.1:$REG/app:v1"
        if [[ $status -ne 0 && $stderr == *"unknown command"* ]]; then
                skip "skiff image inspect is not in this build (the store branch adds it)"
        fi
        is "$status" "0"
        is "$output" '.*"Entrypoint".*"/bin/sh".*'
        is "$output" '.*"Cmd".*"echo hello from v1".*'
        is "$output" '.*"SKIFF_TEST=1".*'
        is "$output" '.*"User": "nobody".*'
        is "$output" '.*"WorkingDir": "/srv".*'
        is "$output" '.*"version": "1".*'
}

# ---- hostile registry answers ------------------------------------------------------------------

@test "hostile: a blob whose content does not match its digest" {
        local layer proxy
        layer=$(registry_layer_digests "$REG" app v1 | head -1)
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --fault "corrupt:$layer")
        run_skiff 125 pull --tls-verify=false "127.0.0.1:$proxy/app:v1"
        is "$(last_err)" "skiff: pull 127.0.0.1:$proxy/app:v1: blob $layer: digest mismatch \(expected $layer, got sha256:[0-9a-f]{64}\)"
        assert_nothing_stored "$layer"

        # A manifest pulled by digest must hash to it.
        local digest
        digest=$(registry_digest "$REG" app v1)
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy2.log" --fault "corrupt:/manifests/")
        run_skiff 125 pull -q --tls-verify=false "127.0.0.1:$proxy/app@$digest"
        is "$(last_err)" "skiff: pull 127.0.0.1:$proxy/app@$digest: manifest $digest: digest mismatch \(got sha256:[0-9a-f]{64}\)"
        assert_nothing_stored
}

@test "hostile: a truncated blob (connection closed early) is retried, then fails" {
        local layer proxy
        layer=$(registry_layer_digests "$REG" app v1 | head -1)
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --fault "truncate:$layer")
        run_skiff 125 pull --tls-verify=false "127.0.0.1:$proxy/app:v1"
        is "$(last_err)" "skiff: pull 127.0.0.1:$proxy/app:v1: blob $layer: truncated: transfer closed with [0-9]+ bytes remaining to read"
        run grep -c "GET /v2/app/blobs/$layer 200 truncated" "$BATS_TEST_TMPDIR/proxy.log"
        is "$output" "5" "first attempt and 4 retries"
        assert_nothing_stored "$layer"
}

@test "hostile: a blob shorter than the manifest says" {
        local layer proxy
        layer=$(registry_layer_digests "$REG" app v1 | head -1)
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --fault "short:$layer")
        run_skiff 125 pull --tls-verify=false "127.0.0.1:$proxy/app:v1"
        is "$(last_err)" "skiff: pull 127.0.0.1:$proxy/app:v1: blob $layer: size mismatch \(expected [0-9]+ bytes, got [0-9]+\)"
        assert_nothing_stored "$layer"
}

@test "hostile: an unknown manifest media type; an unknown layer media type" {
        local proxy
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --fault "mediatype:/manifests/")
        run_skiff 125 pull --tls-verify=false "127.0.0.1:$proxy/app:v1"
        is "$(last_err)" "skiff: pull 127.0.0.1:$proxy/app:v1: manifest v1: unsupported media type 'application/vnd.skiff.test.unknown.v1\+json' \(not an image manifest or index\)"
        assert_nothing_stored
        run store_blobs "$SKIFF_ROOT"
        is "$output" "" "no blob fetched"

        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy2.log" --fault "layertype:/manifests/")
        run_skiff 125 pull --tls-verify=false "127.0.0.1:$proxy/app:v1"
        is "$(last_err)" "skiff: pull 127.0.0.1:$proxy/app:v1: manifest sha256:[0-9a-f]{64}: layers\[0\].mediaType: .*application/vnd.skiff.test.unknown.layer.*"
        assert_nothing_stored
        run store_blobs "$SKIFF_ROOT"
        is "$output" "" "no blob fetched"
}

@test "hostile: an HTTP 500 that persists fails with the registry's text after the retries" {
        local layer proxy
        layer=$(registry_layer_digests "$REG" app v1 | tail -1)
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --fault "status500:$layer")
        run_skiff 125 pull --tls-verify=false "127.0.0.1:$proxy/app:v1"
        is "$(last_err)" "skiff: pull 127.0.0.1:$proxy/app:v1: blob $layer: HTTP 500: injected failure: the disk is on fire \(UNKNOWN\)"
        run grep -c "GET /v2/app/blobs/$layer 500" "$BATS_TEST_TMPDIR/proxy.log"
        is "$output" "5" "first attempt and 4 retries"
        assert_nothing_stored "$layer"
}

@test "a transient 503 (manifest and blob) is survived by a retry" {
        local layer proxy
        layer=$(registry_layer_digests "$REG" app v1 | head -1)
        proxy=$(registry_proxy_start "$REG" "$BATS_TEST_TMPDIR/proxy.log" --fault "status503:/manifests/v1:2" \
                --fault "status503:$layer:1")
        run_skiff pull -q --tls-verify=false "127.0.0.1:$proxy/app:v1"
        is "$stdout" "$(registry_image_id "$REG" app v1)"
        run cat "$BATS_TEST_TMPDIR/proxy.log"
        is "$output" ".*GET /v2/app/manifests/v1 503.*GET /v2/app/manifests/v1 503.*GET /v2/app/manifests/v1 200.*"
        is "$output" ".*GET /v2/app/blobs/$layer 503.*GET /v2/app/blobs/$layer 200.*"
}
