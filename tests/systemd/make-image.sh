#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# usage: make-image.sh OUT.tar NAME:TAG [KEY=VALUE...]
#
# Writes an oci-archive (a tar of an OCI image layout) of a one-layer busybox image: Debian's static
# /bin/busybox (busybox-static) plus symlinks for the applets the tests use. The index names the image
# NAME:TAG (org.opencontainers.image.ref.name) so `skiff image load -i OUT.tar` stores it under that name.
# KEY=VALUE arguments become files /etc/skiff-image/KEY with VALUE as content, to make images that differ
# (v1, v2). No network, well under a second. Only for tests.
set -euo pipefail

out=${1:?usage: make-image.sh OUT.tar NAME:TAG [KEY=VALUE...]}
ref=${2:?usage: make-image.sh OUT.tar NAME:TAG [KEY=VALUE...]}
shift 2
busybox=${BUSYBOX:-/bin/busybox}
if [[ ! -x $busybox ]] || ldd "$busybox" 2>/dev/null | grep -q '=>'; then
        echo "make-image.sh: $busybox is not a static busybox (apt-get install busybox-static)" >&2
        exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/{bin,etc,tmp,proc,sys,dev,root,var/www,etc/skiff-image}
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in sh ash cat echo env id ls mkdir sleep true false httpd wget printf test hostname \
        ps kill touch rm grep sed head tail wc date uname mount df nc tee basename dirname; do
        ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
for kv in "$@"; do
        printf '%s\n' "${kv#*=}" >"$root/etc/skiff-image/${kv%%=*}"
done

layout=$work/layout
mkdir -p "$layout/blobs/sha256"
# A reproducible layer: fixed owner, mtime and order.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$work/layer.tar" .
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n -c "$work/layer.tar" >"$work/layer.tar.gz"
layer=$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)
layer_size=$(stat -c %s "$work/layer.tar.gz")
mv "$work/layer.tar.gz" "$layout/blobs/sha256/$layer"

blob() {  # blob FILE: store it under its digest, print "digest size"
        local d
        d=$(sha256sum "$1" | cut -d' ' -f1)
        mv "$1" "$layout/blobs/sha256/$d"
        echo "$d $(stat -c %s "$layout/blobs/sha256/$d")"
}

printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/bin"],"Cmd":["sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"tests/systemd/make-image.sh"}]}' \
        "$diff_id" >"$work/config.json"
read -r config config_size < <(blob "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
        "$config" "$config_size" "$layer" "$layer_size" >"$work/manifest.json"
read -r manifest manifest_size < <(blob "$work/manifest.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
        "$manifest" "$manifest_size" "$ref" >"$layout/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"

tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$layout" -cf "$out" .
