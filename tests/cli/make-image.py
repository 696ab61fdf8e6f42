#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Builds busybox-static test images without the network, as an OCI layout, an oci-archive or a
docker-archive (`docker save` format). Reusable by every test that needs an image.

    make-image.py FORMAT OUT [options]

FORMAT: oci (a directory), oci-archive (a tar of one), docker-archive.

Layer 0 is /bin/busybox plus applet symlinks (sh, cat, ls, ...), /etc/passwd, /etc/group, /tmp;
layer 1 holds /etc/marker (--marker TEXT, for telling versions apart); --layers N adds N-2 more small
layers (/layers/N). Everything is deterministic (mtime 0, fixed order), so the same options give the
same digests: concurrent loads of one archive really share blobs.

Options:
  --name NAME            image name (ref.name / RepoTags); repeatable for docker-archive
  --entrypoint JSON      e.g. '["/bin/sh","-c"]'       --cmd JSON   e.g. '["echo","hi"]'
  --env K=V (repeat)     --user USER     --workdir DIR     --label K=V (repeat)
  --stop-signal SIG      --expose 80/tcp (repeat)          --volume /data (repeat)
  --marker TEXT          content of /etc/marker (default "v1")
  --layers N             total number of layers (>= 2, default 2)
  --compress gzip|zstd|none   layer compression for OCI formats (default gzip; docker-archive: none)
  --arch ARCH            config architecture (default: the host's, as GOARCH)
  --raw-layer FILE       append FILE (a tar, maybe compressed) as one more layer, verbatim, with its
                         correct diff_id: for hostile-layer tests
  --big-mib N            add a layer holding N MiB of (deterministic) random bytes
  --only-raw             the image is the --raw-layer alone (no busybox layers)
  --index-name-annotation KEY   annotation key for the name in index.json
                         (default org.opencontainers.image.ref.name)
  --print-id             print the image id (config digest hex) on stdout
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tarfile

BUSYBOX = "/bin/busybox"
APPLETS = ["sh", "cat", "ls", "echo", "id", "sleep", "true", "false", "env", "printf", "wc", "head",
           "mkdir", "rm", "touch", "stat", "test", "readlink", "pwd", "hostname", "grep", "kill", "ps"]


def goarch():
    m = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386"}.get(m, m)


def tar_bytes(entries):
    """entries: (name, kind, payload, mode) with kind file|dir|sym."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, payload, mode in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime = 0
            ti.mode = mode
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = "root"
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


def compress(data, how):
    if how == "gzip":
        return gzip.compress(data, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip"
    if how == "zstd":
        out = subprocess.run(["zstd", "-q", "-c", "-3"], input=data, stdout=subprocess.PIPE, check=True).stdout
        return out, "application/vnd.oci.image.layer.v1.tar+zstd"
    return data, "application/vnd.oci.image.layer.v1.tar"


def uncompressed(data):
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return subprocess.run(["zstd", "-q", "-d", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
    return data


def build_layers(args):
    with open(BUSYBOX, "rb") as f:
        bb = f.read()
    base = [
        ("bin", "dir", None, 0o755),
        ("bin/busybox", "file", bb, 0o755),
        ("etc", "dir", None, 0o755),
        ("etc/passwd", "file", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n", 0o644),
        ("etc/group", "file", b"root:x:0:\nnobody:x:65534:\n", 0o644),
        ("root", "dir", None, 0o700),
        ("tmp", "dir", None, 0o1777),
    ]
    base += [("bin/" + a, "sym", "busybox", 0o777) for a in APPLETS]
    layers = [tar_bytes(base), tar_bytes([("etc", "dir", None, 0o755),
                                          ("etc/marker", "file", (args.marker + "\n").encode(), 0o644)])]
    for i in range(2, args.layers):
        layers.append(tar_bytes([("layers", "dir", None, 0o755),
                                 ("layers/%d" % i, "file", ("layer %d %s\n" % (i, args.marker)).encode(), 0o644)]))
    return layers


def config_json(args, diff_ids):
    cfg = {}
    if args.entrypoint is not None:
        cfg["Entrypoint"] = json.loads(args.entrypoint)
    if args.cmd is not None:
        cfg["Cmd"] = json.loads(args.cmd)
    cfg["Env"] = args.env or ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    if args.user:
        cfg["User"] = args.user
    if args.workdir:
        cfg["WorkingDir"] = args.workdir
    if args.label:
        cfg["Labels"] = dict(l.split("=", 1) for l in args.label)
    if args.stop_signal:
        cfg["StopSignal"] = args.stop_signal
    if args.healthcheck:
        # config.Healthcheck as docker writes it: Test, durations in nanoseconds, Retries
        cfg["Healthcheck"] = json.loads(args.healthcheck)
    if args.expose:
        cfg["ExposedPorts"] = {p: {} for p in args.expose}
    if args.volume:
        cfg["Volumes"] = {v: {} for v in args.volume}
    doc = {
        "created": "2024-01-01T00:00:00Z",
        "architecture": args.arch or goarch(),
        "os": "linux",
        "config": cfg,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "make-image.py"} for _ in diff_ids],
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def add_file_to_tar(tar, name, data):
    ti = tarfile.TarInfo(name)
    ti.mtime = 0
    ti.mode = 0o644
    ti.size = len(data)
    tar.addfile(ti, io.BytesIO(data))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("format", choices=["oci", "oci-archive", "docker-archive"])
    p.add_argument("out")
    p.add_argument("--name", action="append", default=[])
    p.add_argument("--entrypoint")
    p.add_argument("--cmd")
    p.add_argument("--env", action="append")
    p.add_argument("--user")
    p.add_argument("--workdir")
    p.add_argument("--label", action="append")
    p.add_argument("--stop-signal")
    p.add_argument("--healthcheck", help="config.Healthcheck as JSON")
    p.add_argument("--expose", action="append")
    p.add_argument("--volume", action="append")
    p.add_argument("--marker", default="v1")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--compress", choices=["gzip", "zstd", "none"])
    p.add_argument("--arch")
    p.add_argument("--raw-layer")
    p.add_argument("--only-raw", action="store_true")
    p.add_argument("--big-mib", type=int, default=0)
    p.add_argument("--index-name-annotation", default="org.opencontainers.image.ref.name")
    p.add_argument("--print-id", action="store_true")
    args = p.parse_args()

    raw = [] if args.only_raw else build_layers(args)
    if args.big_mib:
        import random
        rnd = random.Random(args.marker)
        raw.append(tar_bytes([("big", "file", rnd.randbytes(args.big_mib << 20), 0o644)]))
    how = args.compress or ("none" if args.format == "docker-archive" else "gzip")
    blobs = []  # (data, media type, diff_id)
    for t in raw:
        data, mt = compress(t, how)
        blobs.append((data, mt, sha(t)))
    if args.raw_layer:
        with open(args.raw_layer, "rb") as f:
            data = f.read()
        mt = "application/vnd.oci.image.layer.v1.tar"
        if data[:2] == b"\x1f\x8b":
            mt += "+gzip"
        elif data[:4] == b"\x28\xb5\x2f\xfd":
            mt += "+zstd"
        blobs.append((data, mt, sha(uncompressed(data))))
    config = config_json(args, [b[2] for b in blobs])
    config_digest = sha(config)

    if args.format == "docker-archive":
        with tarfile.open(args.out, "w", format=tarfile.PAX_FORMAT) as tar:
            layer_paths = []
            for data, _, diff_id in blobs:
                path = diff_id[7:] + "/layer.tar"
                if path not in layer_paths:
                    add_file_to_tar(tar, path, data)
                layer_paths.append(path)
            add_file_to_tar(tar, config_digest[7:] + ".json", config)
            manifest = [{"Config": config_digest[7:] + ".json", "RepoTags": args.name, "Layers": layer_paths}]
            add_file_to_tar(tar, "manifest.json", json.dumps(manifest).encode())
    else:
        manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest,
                       "size": len(config)},
            "layers": [{"mediaType": mt, "digest": sha(d), "size": len(d)} for d, mt, _ in blobs],
        }, separators=(",", ":")).encode()
        desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(manifest),
                "size": len(manifest)}
        if args.name:
            desc["annotations"] = {args.index_name_annotation: args.name[0]}
        index = json.dumps({"schemaVersion": 2, "manifests": [desc]}).encode()
        files = [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index)]
        files += [("blobs/sha256/" + sha(d)[7:], d) for d in [manifest, config] + [b[0] for b in blobs]]
        if args.format == "oci":
            for name, data in files:
                path = os.path.join(args.out, name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
        else:
            seen = set()
            with tarfile.open(args.out, "w", format=tarfile.PAX_FORMAT) as tar:
                for name, data in files:
                    if name not in seen:
                        add_file_to_tar(tar, name, data)
                        seen.add(name)
    if args.print_id:
        print(config_digest[7:])


if __name__ == "__main__":
    sys.exit(main())
