#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Builds an OCI image layout from busybox-static, for the registry tests and bench/pull.

    make-oci-image.py DIR TAG [--platform linux/amd64 ...] [--big-mib N] [--layers K] [--label K=V]

Each platform gets an image: layer 0 is /bin/busybox with symlinks (sh, cat, ls, ...) and /etc/passwd;
layer 1 is /platform holding "OS/ARCH[/VARIANT]" and /tag holding TAG. With one platform, index.json
names the image manifest as TAG; with several, it names an OCI image index (a multi-platform image)
as TAG, which `skopeo copy --all` pushes as a manifest list. --big-mib N adds K more layers of
generated files totalling about N MiB, half random (incompressible), half repetitive text.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import random
import sys
import tarfile

BUSYBOX = "/bin/busybox"
APPLETS = ["sh", "cat", "ls", "echo", "id", "sleep", "true", "false", "env", "printf", "wc", "head"]


def add_blob(layout, data):
    d = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", d)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return "sha256:" + d, len(data)


def tar_bytes(entries):
    """entries: list of (name, kind, payload, mode)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, payload, mode in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime = 0
            ti.mode = mode
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                tar.addfile(ti)
            elif kind == "sym":
                ti.type = tarfile.SYMTYPE
                ti.linkname = payload
                tar.addfile(ti)
            else:
                ti.size = len(payload)
                tar.addfile(ti, io.BytesIO(payload))
    return buf.getvalue()


def layer(layout, entries, level=6):
    raw = tar_bytes(entries)
    diff_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    gz = gzip.compress(raw, compresslevel=level, mtime=0)
    digest, size = add_blob(layout, gz)
    return {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size}, diff_id


def big_layers(layout, mib, count, seed):
    rnd = random.Random(seed)
    out = []
    per_layer = max(1, mib // count)
    for k in range(count):
        entries = [("data", "dir", None, 0o755), ("data/%d" % k, "dir", None, 0o755)]
        left = per_layer * 1024 * 1024
        i = 0
        while left > 0:
            n = min(left, 4 * 1024 * 1024)
            if i % 2 == 0:
                payload = rnd.randbytes(n)
            else:
                line = ("line %d of generated text for the skiff pull benchmark\n" % i).encode()
                payload = (line * (n // len(line) + 1))[:n]
            entries.append(("data/%d/file%03d" % (k, i), "file", payload, 0o644))
            left -= n
            i += 1
        out.append(layer(layout, entries, level=1))
    return out


def image(layout, tag, platform, labels, big_mib, big_layers_n):
    parts = platform.split("/")
    os_, arch = parts[0], parts[1]
    variant = parts[2] if len(parts) > 2 else None
    with open(BUSYBOX, "rb") as f:
        bb = f.read()
    base = [("bin", "dir", None, 0o755), ("bin/busybox", "file", bb, 0o755),
            ("etc", "dir", None, 0o755),
            ("etc/passwd", "file", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n", 0o644),
            ("etc/group", "file", b"root:x:0:\nnobody:x:65534:\n", 0o644),
            ("srv", "dir", None, 0o755), ("tmp", "dir", None, 0o1777)]
    base += [("bin/" + a, "sym", "busybox", 0o777) for a in APPLETS]
    layers = [layer(layout, base)]
    layers.append(layer(layout, [("platform", "file", (platform + "\n").encode(), 0o644),
                                 ("tag", "file", (tag + "\n").encode(), 0o644)]))
    if big_mib:
        layers += big_layers(layout, big_mib, big_layers_n, tag + platform)
    config = {
        "created": "2026-01-01T00:00:00Z",
        "architecture": arch,
        "os": os_,
        "config": {
            "Entrypoint": ["/bin/sh", "-c"],
            "Cmd": ["echo hello from " + tag],
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SKIFF_TEST=1"],
            "User": "nobody",
            "WorkingDir": "/srv",
            "Labels": dict(labels, **{"org.skiff.test.tag": tag}),
            "StopSignal": "SIGTERM",
        },
        "rootfs": {"type": "layers", "diff_ids": [d for _, d in layers]},
        "history": [{"created": "2026-01-01T00:00:00Z", "created_by": "make-oci-image.py"}],
    }
    if variant:
        config["variant"] = variant
    cdigest, csize = add_blob(layout, json.dumps(config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest, "size": csize},
        "layers": [l for l, _ in layers],
    }
    mdigest, msize = add_blob(layout, json.dumps(manifest, sort_keys=True).encode())
    desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest, "size": msize,
            "platform": {"os": os_, "architecture": arch}}
    if variant:
        desc["platform"]["variant"] = variant
    return desc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("tag")
    ap.add_argument("--platform", action="append")
    ap.add_argument("--label", action="append", default=[])
    ap.add_argument("--big-mib", type=int, default=0)
    ap.add_argument("--layers", type=int, default=4)
    a = ap.parse_args()
    platforms = a.platform or ["linux/amd64"]
    labels = dict(l.split("=", 1) for l in a.label)
    os.makedirs(os.path.join(a.dir, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(a.dir, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    descs = [image(a.dir, a.tag, p, labels, a.big_mib, a.layers) for p in platforms]
    if len(descs) == 1:
        top = dict(descs[0])
        del top["platform"]
    else:
        idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": descs}
        d, s = add_blob(a.dir, json.dumps(idx, sort_keys=True).encode())
        top = {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": d, "size": s}
    top["annotations"] = {"org.opencontainers.image.ref.name": a.tag}
    path = os.path.join(a.dir, "index.json")
    index = {"schemaVersion": 2, "manifests": []}
    if os.path.exists(path):
        with open(path) as f:
            index = json.load(f)
        index["manifests"] = [m for m in index["manifests"]
                              if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != a.tag]
    index["manifests"].append(top)
    with open(path, "w") as f:
        json.dump(index, f)
    print(top["digest"])


if __name__ == "__main__":
    sys.exit(main())
