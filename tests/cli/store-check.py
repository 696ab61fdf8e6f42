#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Checks an image store (src/image/store.h layout) from outside, for the pull tests:
every blob file hashes to its name, every image in images.json has its manifest, config and layer
blobs and an unpacked layer dir for each diff_id. Prints "images=N blobs=M layers=K" and exits 1
with a message on the first inconsistency."""

import hashlib
import json
import os
import sys

root = sys.argv[1]
blobs = os.path.join(root, "blobs", "sha256")
names = sorted(os.listdir(blobs)) if os.path.isdir(blobs) else []
for n in names:
    h = hashlib.sha256()
    with open(os.path.join(blobs, n), "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    if h.hexdigest() != n:
        sys.exit("blob %s: content hashes to %s" % (n, h.hexdigest()))
images = []
p = os.path.join(root, "images.json")
if os.path.exists(p):
    with open(p) as f:
        images = json.load(f)["images"]
for img in images:
    for d in [img["digest"], img["config"]] + img["layers"]:
        if d.split(":")[1] not in names:
            sys.exit("image %s: blob %s missing" % (img["id"], d))
    for d in img["diffIds"]:
        if not os.path.isdir(os.path.join(root, "layers", d.split(":")[1], "diff")):
            sys.exit("image %s: layer %s not unpacked" % (img["id"], d))
layers = os.listdir(os.path.join(root, "layers")) if os.path.isdir(os.path.join(root, "layers")) else []
print("images=%d blobs=%d layers=%d" % (len(images), len(names), len(layers)))
