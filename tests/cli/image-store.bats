#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
#
# The image store through the CLI: load (oci layout, oci-archive, docker-archive), ls/images,
# inspect, tag/untag, rm, save → load round trips, prune, SIGKILL during load, concurrent loads.
# Images are built from busybox-static by make-image.py, offline.
# shellcheck disable=SC2154 # $status, $stdout, $stderr are set by run_skiff (helpers.bash)

load helpers

make_image() {
        python3 "$SKIFF_SRCDIR/tests/cli/make-image.py" "$@"
}

setup() {
        ROOT=$BATS_TEST_TMPDIR/root
        ROOTLESS_DIR=
}

teardown() {
        if [[ -n $ROOTLESS_DIR ]]; then
                rm -rf "$ROOTLESS_DIR"
        fi
}

# jq-less JSON field access: json_get JSON PYTHON-EXPRESSION-ON-d
json_get() {
        python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=eval(sys.argv[2]); print(json.dumps(v) if not isinstance(v,str) else v)' "$1" "$2"
}

@test "image load: oci-archive, docker-archive, OCI layout (gzip, zstd, plain), stdin" {
        local T=$BATS_TEST_TMPDIR
        make_image oci-archive "$T/a.tar" --name busybox --marker a
        make_image docker-archive "$T/d.tar" --name dock:1 --name quay.io/x/dock:2 --marker d
        make_image oci "$T/layout" --name foo/bar:3 --compress zstd --layers 4 --marker l
        make_image oci-archive "$T/plain.tar" --name plain --compress none --marker p
        make_image oci-archive "$T/stdin.tar" --name fromstdin --marker s

        run_skiff --root "$ROOT" image load -i "$T/a.tar"
        is "$stdout" "Loaded image: localhost/busybox:latest"
        run_skiff --root "$ROOT" image load -i "$T/d.tar"
        is "$stdout" "Loaded image: localhost/dock:1
Loaded image: quay.io/x/dock:2" "docker-archive RepoTags, short ones under localhost/ as podman does"
        run_skiff --root "$ROOT" image load -i "oci:$T/layout"
        is "$stdout" "Loaded image: localhost/foo/bar:3"
        run_skiff --root "$ROOT" image load "$T/plain.tar"
        is "$stdout" "Loaded image: localhost/plain:latest"
        SKIFF_STDIN=$T/stdin.tar run_skiff --root "$ROOT" image load
        is "$stdout" "Loaded image: localhost/fromstdin:latest" "archive on stdin"
        gzip -c "$T/a.tar" >"$T/a.tar.gz"
        run_skiff --root "$ROOT" image load -q -i "$T/a.tar.gz"
        is "$stdout" "" "a gzip'd archive loads too; -q prints nothing"

        run_skiff 1 --root "$ROOT" images --format bogus
        is "$stderr" "skiff: images: invalid --format 'bogus': use json or table"

        run_skiff --root "$ROOT" image ls --format json
        is "$(json_get "$stdout" 'sorted(n for i in d for n in i["Names"])')" \
                '["localhost/busybox:latest", "localhost/dock:1", "localhost/foo/bar:3", "localhost/fromstdin:latest", "localhost/plain:latest", "quay.io/x/dock:2"]'

        # Every layer's tree is there, with the marker of each image.
        for name in busybox dock:1 foo/bar:3 plain fromstdin; do
                run_skiff --root "$ROOT" image inspect "$name"
                local dirs
                dirs=$(json_get "$stdout" 'd[0]["GraphDriver"]["Data"]["LowerDir"]')
                local top=${dirs%%:*} bottom=${dirs##*:}
                [[ -x $bottom/bin/busybox && -L $bottom/bin/sh ]] || die "$name: busybox missing in $bottom"
                [[ -f $(echo "$dirs" | tr ':' '\n' | sed -n '$ !p' | tail -n1)/etc/marker ]] || die "$name: marker missing"
                [[ -d $top ]] || die "$name: top layer dir missing"
        done
        run_skiff --root "$ROOT" image inspect foo/bar:3
        is "$(json_get "$stdout" 'len(d[0]["RootFS"]["Layers"])')" "4" "4 layers"
}

@test "image inspect: the config fields the runtime needs" {
        local T=$BATS_TEST_TMPDIR
        make_image oci-archive "$T/c.tar" --name cfg:1 --entrypoint '["/bin/sh","-c"]' --cmd '["echo hi"]' \
                --env A=1 --env 'B=two words' --user 1000:1000 --workdir /tmp --label org.x=y --label v=2 \
                --stop-signal SIGINT --expose 8080/tcp --volume /data
        run_skiff --root "$ROOT" image load -i "$T/c.tar"
        run_skiff --root "$ROOT" image inspect cfg:1
        local j=$stdout
        is "$(json_get "$j" 'd[0]["Config"]["Entrypoint"]')" '["/bin/sh", "-c"]'
        is "$(json_get "$j" 'd[0]["Config"]["Cmd"]')" '["echo hi"]'
        is "$(json_get "$j" 'd[0]["Config"]["Env"]')" '["A=1", "B=two words"]'
        is "$(json_get "$j" 'd[0]["Config"]["User"]')" '1000:1000'
        is "$(json_get "$j" 'd[0]["Config"]["WorkingDir"]')" '/tmp'
        is "$(json_get "$j" 'd[0]["Config"]["Labels"]')" '{"org.x": "y", "v": "2"}'
        is "$(json_get "$j" 'd[0]["Config"]["StopSignal"]')" 'SIGINT'
        is "$(json_get "$j" 'd[0]["Config"]["ExposedPorts"]')" '{"8080/tcp": {}}'
        is "$(json_get "$j" 'd[0]["Config"]["Volumes"]')" '{"/data": {}}'
        is "$(json_get "$j" 'd[0]["RepoTags"]')" '["localhost/cfg:1"]'
        is "$(json_get "$j" 'd[0]["Os"] + "/" + d[0]["Architecture"]')" 'linux/.*'
        is "$(json_get "$j" 'd[0]["Id"]')" '[0-9a-f]{64}'
        is "$(json_get "$j" 'd[0]["Digest"]')" 'sha256:[0-9a-f]{64}'
        is "$(json_get "$j" 'd[0]["Size"] > 1000000')" 'true'

        # The same image by id, id prefix, sha256:id and manifest digest.
        local id digest
        id=$(json_get "$j" 'd[0]["Id"]')
        digest=$(json_get "$j" 'd[0]["Digest"]')
        for ref in "$id" "${id:0:12}" "sha256:$id" "$digest" "localhost/cfg:1" "localhost/cfg@$digest"; do
                run_skiff --root "$ROOT" image inspect "$ref"
                is "$(json_get "$stdout" 'd[0]["Id"]')" "$id" "inspect $ref"
        done
        run_skiff 1 --root "$ROOT" image inspect nothere
        is "$stderr" "skiff: image inspect: nothere: image not known"
        is "$stdout" "\[\]" "an empty array for what was not found"
}

@test "image tag, untag, rm" {
        local T=$BATS_TEST_TMPDIR
        make_image oci-archive "$T/a.tar" --name busybox
        run_skiff --root "$ROOT" image load -i "$T/a.tar"
        run_skiff --root "$ROOT" image tag busybox mine:1 quay.io/me/mine:2
        run_skiff --root "$ROOT" image inspect busybox
        is "$(json_get "$stdout" 'd[0]["RepoTags"]')" '["localhost/busybox:latest", "localhost/mine:1", "quay.io/me/mine:2"]'
        local id
        id=$(json_get "$stdout" 'd[0]["Id"]')

        run_skiff --root "$ROOT" images mine
        is "${#lines[@]}" "4" "a repository filter lists the image, one line per name, and the header"
        run_skiff --root "$ROOT" images -q nothere
        is "$stdout" "" "an unknown filter lists nothing"

        run_skiff 1 --root "$ROOT" image rm "$id"
        is "$stderr" "skiff: image rm: image ${id:0:12} has 3 names: remove them by name, or force"
        run_skiff --root "$ROOT" image rm mine:1
        is "$stdout" "Untagged: mine:1" "one of several names: only the name goes"
        run_skiff --root "$ROOT" image untag "$id" quay.io/me/mine:2
        run_skiff --root "$ROOT" images
        is "${lines[1]}" "localhost/busybox +latest +${id:0:12} .*"
        is "${#lines[@]}" "2" "header and one line"

        run_skiff 1 --root "$ROOT" image tag busybox 'Bad Name'
        is "$stderr" "skiff: image tag: invalid image name \"Bad Name\": .*"
        run_skiff 1 --root "$ROOT" image tag busybox 'x@sha256:'"$id"
        is "$stderr" ".*a name cannot hold a digest"

        run_skiff --root "$ROOT" image rm busybox
        is "$stdout" "Deleted: $id"
        run_skiff --root "$ROOT" images -q
        is "$stdout" ""
        is "$(ls -A "$ROOT/layers")" "" "layers freed with the last image"
        is "$(ls -A "$ROOT/blobs/sha256")" "" "blobs freed with the last image"
        run_skiff 1 --root "$ROOT" image rm busybox
        is "$stderr" "skiff: image rm: busybox: image not known"
}

@test "image save → load round trip, and skopeo reads the archive" {
        local T=$BATS_TEST_TMPDIR
        make_image docker-archive "$T/d.tar" --name rt:1 --cmd '["sh"]' --layers 3
        run_skiff --root "$ROOT" image load -i "$T/d.tar"
        run_skiff --root "$ROOT" image inspect rt:1
        local id=$(json_get "$stdout" 'd[0]["Id"]') layers=$(json_get "$stdout" 'd[0]["RootFS"]["Layers"]')

        run_skiff --root "$ROOT" image save -o "$T/out.tar" rt:1
        is "$stdout" ""
        [[ -s $T/out.tar ]] || die "no archive written"
        is "$(ls "$T" | grep -c 'out.tar.tmp')" "0" "no temporary file left next to the output"
        if command -v skopeo >/dev/null; then
                run skopeo inspect "oci-archive:$T/out.tar"
                ((status == 0)) || die "skopeo inspect failed: $output"
                is "$(json_get "$output" 'd["Layers"].__len__()')" "3" "skopeo sees 3 layers"
        fi

        run_skiff --root "$T/root2" image load -i "$T/out.tar"
        is "$stdout" "Loaded image: localhost/rt:1"
        run_skiff --root "$T/root2" image inspect rt:1
        is "$(json_get "$stdout" 'd[0]["Id"]')" "$id" "same image id after the round trip"
        is "$(json_get "$stdout" 'd[0]["RootFS"]["Layers"]')" "$layers" "same diff_ids"
        is "$(json_get "$stdout" 'd[0]["Config"]["Cmd"]')" '["sh"]'

        # Saved again from the second store: the same bytes (saving is deterministic).
        run_skiff --root "$T/root2" image save -o "$T/out2.tar" "$id"
        cmp "$T/out.tar" "$T/out2.tar" || die "save is not deterministic"

        run_skiff --root "$ROOT" image save rt:1
        is "${#stdout}" "[1-9][0-9]*" "no -o and stdout not a terminal: the archive goes to stdout"
        run_skiff 1 --root "$ROOT" image save -o "$T/x.tar" nothere
        is "$stderr" "skiff: image save: nothere: image not known"
        [[ ! -e $T/x.tar ]] || die "a failed save left a file"
}

@test "image prune: dangling images, unused blobs and layers, leftovers" {
        local T=$BATS_TEST_TMPDIR
        make_image oci-archive "$T/a.tar" --name keep --marker a
        make_image oci-archive "$T/b.tar" --name gone --marker b
        run_skiff --root "$ROOT" image load -i "$T/a.tar"
        run_skiff --root "$ROOT" image load -i "$T/b.tar"
        run_skiff --root "$ROOT" image inspect gone
        local gone=$(json_get "$stdout" 'd[0]["Id"]')
        run_skiff --root "$ROOT" image untag gone
        run_skiff --root "$ROOT" images --format json
        is "$(json_get "$stdout" '[i["Dangling"] for i in d]')" '\[false, true\]'

        # Leftovers as a killed writer leaves them (old enough and unlocked) and a stray blob.
        mkdir "$ROOT/tmp/layer-0123456789abcdef" && touch -d '2 hours ago' "$ROOT/tmp/layer-0123456789abcdef"
        echo stray >"$ROOT/blobs/sha256/$(printf stray | sha256sum | cut -d' ' -f1)"
        echo '{"images":[' >"$ROOT/.#images.json.0123456789abcdef"

        run_skiff --root "$ROOT" image prune
        is "$stdout" "$gone" "prune prints the removed image"
        run_skiff --root "$ROOT" images -q
        is "$stdout" "[0-9a-f]{12}" "the named image stays"
        is "$(ls -A "$ROOT/tmp")" "" "leftovers removed"
        [[ ! -e $ROOT/.#images.json.0123456789abcdef ]] || die "a killed images.json write was not cleaned"
        is "$(ls "$ROOT/layers" | wc -l)" "2" "only keep's two layers remain"
        is "$(ls "$ROOT/blobs/sha256" | wc -l)" "4" "manifest, config and two layer blobs remain"
        run_skiff --root "$ROOT" image inspect keep
        run_skiff --root "$ROOT" image prune -a
        run_skiff --root "$ROOT" images -q
        is "$stdout" "" "prune -a removes unused named images"
}

@test "image load killed with SIGKILL at random points: the store stays consistent" {
        local T=$BATS_TEST_TMPDIR
        # Big enough (a 24 MiB incompressible layer) that a load takes a few hundred ms to kill into.
        make_image oci-archive "$T/k.tar" --name killme --layers 6 --compress zstd --big-mib 24
        make_image docker-archive "$T/kd.tar" --name killd --layers 4 --marker kd --big-mib 24
        local trials=24 i killed=0
        for ((i = 0; i < trials; i++)); do
                local arch=$T/k.tar
                ((i % 2)) && arch=$T/kd.tar
                "$SKIFF" --root "$ROOT" image load -q -i "$arch" 3>/dev/null &
                local pid=$!
                sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
                kill -KILL "$pid" 2>/dev/null && killed=$((killed + 1))
                wait "$pid" 2>/dev/null || true
                # Whatever the store holds now is whole: every listed image inspects, its layers exist.
                run_skiff --root "$ROOT" images --format json
                local ids
                ids=$(json_get "$stdout" '" ".join(i["Id"] for i in d)')
                for id in $ids; do
                        run_skiff --root "$ROOT" image inspect "$id"
                        for dir in $(json_get "$stdout" 'd[0]["GraphDriver"]["Data"]["LowerDir"]' | tr ':' ' '); do
                                [[ -d $dir && -f $dir/../layer.json ]] || die "trial $i: image $id lists a missing layer $dir"
                        done
                done
                # No half-visible layer: every layer dir is complete (has its record).
                for l in "$ROOT"/layers/*; do
                        [[ -e $l ]] || continue
                        [[ -f $l/layer.json && -d $l/diff ]] || die "trial $i: half-visible layer $l"
                done
                # No half-written blob: every stored blob hashes to its name.
                for b in "$ROOT"/blobs/sha256/*; do
                        [[ -e $b ]] || continue
                        is "$(sha256sum "$b" | cut -d' ' -f1)" "$(basename "$b")" "trial $i: blob content matches its name"
                done
        done
        echo "# $killed of $trials loads were killed before they finished" >&3
        ((killed >= 5)) || skip "the machine is too fast to kill loads mid-way ($killed of $trials)"
        run_skiff --root "$ROOT" image load -i "$T/k.tar"
        is "$stdout" "Loaded image: localhost/killme:latest" "the next load completes"
        run_skiff --root "$ROOT" image load -i "$T/kd.tar"
        run_skiff --root "$ROOT" images --format json
        is "$(json_get "$stdout" 'sorted(n for i in d for n in i["Names"])')" '["localhost/killd:latest", "localhost/killme:latest"]'
        run_skiff --root "$ROOT" image prune
        is "$(ls -A "$ROOT/tmp")" "" "prune removes what killed loads left"
        is "$(ls -A "$ROOT" | grep -c '^\.#')" "0" "no temporary images.json left"
        is "$(ls "$ROOT/layers" | wc -l)" "$((7 + 5 - 1))" "one dir per distinct layer (the busybox base is shared)"
}

@test "two concurrent loads of one archive both succeed, with one copy of each layer" {
        local T=$BATS_TEST_TMPDIR
        # A 16 MiB layer keeps each load busy long enough for the three to overlap.
        make_image oci-archive "$T/c.tar" --name conc --layers 5 --big-mib 16
        local i
        for i in 1 2 3; do
                "$SKIFF" --log-level debug --root "$ROOT" image load -i "$T/c.tar" >"$T/out$i" 2>"$T/err$i" 3>/dev/null &
                eval "pid$i=\$!"
        done
        for i in 1 2 3; do
                local p="pid$i"
                wait "${!p}" || die "load $i failed: $(cat "$T/out$i" "$T/err$i")"
                is "$(cat "$T/out$i")" "Loaded image: localhost/conc:latest"
        done
        # The library says (at debug level) when it really writes a blob or unpacks a layer: across the
        # three loads, each of the 6 layers was unpacked once and each of the 8 blobs written once.
        is "$(cat "$T"/err* | grep -c ': unpacking$')" "6" "6 unpacks in all"
        is "$(cat "$T"/err* | grep ': unpacking$' | sort -u | wc -l)" "6" "of 6 different layers"
        is "$(cat "$T"/err* | grep -c '^skiff: debug: blob sha256:[0-9a-f]*: writing$')" "8" "8 blob writes in all"
        is "$(ls "$ROOT/layers" | wc -l)" "6" "one dir per layer"
        is "$(ls "$ROOT/blobs/sha256" | wc -l)" "8" "each blob stored once (manifest, config, 6 layers)"
        is "$(ls -A "$ROOT/tmp")" "" "no staging leftovers"
        run_skiff --root "$ROOT" images -q
        is "${#lines[@]}" "1" "one image"
}

@test "skiff image: --help everywhere, usage errors exit 1" {
        for sub in ls list inspect rm tag untag prune load save; do
                run_skiff image "$sub" --help
                is "$stdout" "Usage: skiff image $sub.*|Usage: skiff image ls.*|Usage: skiff image rm.*" "image $sub --help"
        done
        run_skiff images --help
        is "$stdout" "Usage: skiff images.*"
        run_skiff image --help
        is "$stdout" "Usage: skiff image COMMAND.*"
        run_skiff 1 image frobnicate
        is "$stderr" "skiff: image: unknown command 'frobnicate'. See 'skiff image --help'."
        run_skiff 1 --root "$ROOT" image inspect
        is "$stderr" "skiff: image inspect: give at least one image"
        run_skiff 1 --root "$ROOT" image load -i "$BATS_TEST_TMPDIR/missing.tar"
        is "$stderr" "skiff: image load: $BATS_TEST_TMPDIR/missing.tar: No such file or directory"
        echo "not an archive" >"$BATS_TEST_TMPDIR/junk"
        run_skiff 1 --root "$ROOT" image load -i "$BATS_TEST_TMPDIR/junk"
        is "$stderr" "skiff: image load: $BATS_TEST_TMPDIR/junk: not an image archive: .*"
        run_skiff 1 --root "$ROOT" image tag onlyone
        run_skiff 1 --root "$ROOT" image prune extra
        run_skiff --help
        is "$stdout" ".*image .*images .*" "skiff --help lists image and images"
}

@test "image load as an unprivileged user: own files, whiteouts and user.overlay.opaque" {
        command -v setpriv >/dev/null || skip "setpriv not installed"
        ((EUID == 0)) || skip "needs root to switch to an unprivileged user"
        local D
        D=$(mktemp -d /tmp/skiff-rootless.XXXXXX)
        ROOTLESS_DIR=$D # outside BATS_TEST_TMPDIR, which the unprivileged user cannot reach
        chmod 755 "$D"
        chown 65534:65534 "$D"
        python3 - "$D/wh.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    for name, kind in [("d", "dir"), ("d/.wh..wh..opq", "file"), ("d/new", "file"), ("etc/.wh.gone", "file")]:
        ti = tarfile.TarInfo(name)
        ti.mtime = 0
        ti.uid = ti.gid = 0
        if kind == "dir":
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            t.addfile(ti)
        else:
            t.addfile(ti, io.BytesIO(b""))
PY
        make_image oci-archive "$D/img.tar" --name rootless --raw-layer "$D/wh.tar"
        chmod 644 "$D/img.tar"
        local skiff=$SKIFF
        run setpriv --reuid 65534 --regid 65534 --clear-groups env HOME="$D" XDG_RUNTIME_DIR="$D/run" \
                "$skiff" --root "$D/store" image load -i "$D/img.tar"
        echo "$output"
        ((status == 0)) || die "rootless load failed: $output"
        is "$output" "Loaded image: localhost/rootless:latest"
        local layer
        layer=$(for l in "$D"/store/layers/*/diff; do if [[ -d $l/d ]]; then echo "$l"; fi; done)
        [[ -n $layer ]] || die "whiteout layer not found"
        is "$(stat -c '%u %F %t:%T' "$layer/etc/gone")" "65534 character special file 0:0" "whiteout as a 0:0 device"
        is "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.overlay.opaque").decode())' "$layer/d")" \
                "y" "opaque dir marked with user.overlay.opaque"
        is "$(stat -c %u "$layer/d/new")" "65534" "files owned by the unprivileged user"
}
