#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes crafted (hostile) layer tarballs for the unpacker, and what skiff must say about each.

    make-hostile-layers.py OUTDIR CANARY

CANARY is an absolute directory outside the store that the layers try to reach (the test checks it
is untouched). Writes OUTDIR/NAME.tar for every case and OUTDIR/cases.tsv with lines
"NAME<TAB>expected message", where the message follows "layer sha256:<digest>: " in skiff's error.
"""

import io
import os
import sys
import tarfile


def ti(name, kind="file", data=b"", mode=0o644, link="", major=0, minor=0, pax=None, size=None):
    t = tarfile.TarInfo(name)
    t.mtime = 0
    t.mode = mode
    t.type = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE,
              "hard": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE,
              "fifo": tarfile.FIFOTYPE}[kind]
    t.linkname = link
    t.devmajor, t.devminor = major, minor
    if pax:
        t.pax_headers = pax
    t.size = len(data) if size is None else size
    return t, data


def write_tar(path, entries, raw_tail=None):
    with open(path, "wb") as f:
        with tarfile.open(fileobj=f, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for t, data in entries:
                if t.type == tarfile.REGTYPE and t.size == len(data):
                    tar.addfile(t, io.BytesIO(data))
                else:
                    tar.addfile(t)


def write_huge_header(path):
    """A file entry whose header claims 2 TiB, followed by no data at all."""
    t = tarfile.TarInfo("huge")
    t.mtime = 0
    t.size = 1 << 41
    hdr = t.tobuf(format=tarfile.PAX_FORMAT)
    with open(path, "wb") as f:
        f.write(hdr)
        f.write(b"\0" * 1024)


def main():
    out, canary = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    up = "../../../../"  # from ROOT/tmp/layer-X/diff to the directory holding ROOT
    rel_canary = up + os.path.basename(canary)
    long_name = "d/" * 2100 + "f"  # 4201 bytes, pax "path" record
    cases = [
        ("dotdot", [ti(rel_canary + "/pwned", data=b"x")],
         'entry "%s/pwned": path escapes the layer' % rel_canary),
        ("dotdot-middle", [ti("a/b/../../../x", data=b"x")],
         'entry "a/b/../../../x": path escapes the layer'),
        ("dotdot-dir", [ti("..", kind="dir", mode=0o777)],
         'entry "../": path escapes the layer'),
        ("absolute", [ti(canary + "/pwned", data=b"x")],
         'entry "%s/pwned": absolute path in a layer' % canary),
        ("symlink-abs-then-file", [ti("esc", kind="sym", link=canary), ti("esc/pwned", data=b"x")],
         'entry "esc/pwned": path goes through a symlink'),
        ("symlink-rel-then-file", [ti("esc", kind="sym", link=rel_canary), ti("esc/pwned", data=b"x")],
         'entry "esc/pwned": path goes through a symlink'),
        ("symlink-deep", [ti("a", kind="dir", mode=0o755), ti("a/b", kind="dir", mode=0o755),
                          ti("a/b/c", kind="sym", link=canary), ti("a/b/c/d/pwned", data=b"x")],
         'entry "a/b/c/d/pwned": path goes through a symlink'),
        ("symlink-then-dir", [ti("esc", kind="sym", link=canary), ti("esc/sub", kind="dir", mode=0o755)],
         'entry "esc/sub/": path goes through a symlink'),
        ("symlink-dot-loop", [ti("l", kind="sym", link="."), ti("l/l/x", data=b"x")],
         'entry "l/l/x": path goes through a symlink'),
        ("dir-replaced-by-symlink", [ti("d", kind="dir", mode=0o755), ti("d", kind="sym", link=canary),
                                     ti("d/pwned", data=b"x")],
         'entry "d": replaces a directory of the same layer'),
        ("file-as-parent", [ti("f", data=b"x"), ti("f/x", data=b"y")],
         'entry "f/x": path goes through a non-directory'),
        ("hardlink-out", [ti("h", kind="hard", link=rel_canary + "/secret")],
         'entry "h": hard link target path escapes the layer'),
        ("hardlink-absolute", [ti("h", kind="hard", link="/etc/passwd")],
         'entry "h": hard link target absolute path in a layer'),
        ("hardlink-missing", [ti("h", kind="hard", link="nope")],
         'entry "h": hard link target "nope" is not in the layer'),
        ("hardlink-through-symlink", [ti("s", kind="sym", link=canary), ti("h", kind="hard", link="s/secret")],
         'entry "h": path goes through a symlink'),
        ("whiteout-dotdot", [ti("a/.wh...", data=b"")],
         'entry "a/.wh...": whiteout of ".." is not a valid name'),
        ("whiteout-dot", [ti(".wh..", data=b"")],
         'entry ".wh..": whiteout of "." is not a valid name'),
        ("whiteout-empty", [ti("a/.wh.", data=b"")],
         'entry "a/.wh.": whiteout of "" is not a valid name'),
        ("whiteout-escape", [ti("../.wh.etc", data=b"")],
         'entry "../.wh.etc": path escapes the layer'),
        ("whiteout-through-symlink", [ti("esc", kind="sym", link=canary), ti("esc/.wh.secret", data=b"")],
         'entry "esc/.wh.secret": path goes through a symlink'),
        ("chardev", [ti("dev/mem", kind="chr", major=1, minor=1, mode=0o666)],
         'entry "dev/mem": device nodes are not allowed in a layer (char 1:1)'),
        ("blockdev", [ti("dev/sda", kind="blk", major=8, minor=0, mode=0o660)],
         'entry "dev/sda": device nodes are not allowed in a layer (block 8:0)'),
        ("long-name", [ti(long_name, data=b"x")],
         'entry "%s"…: name longer than 4096 bytes' % long_name[:200]),
        ("long-component", [ti("a" * 300, data=b"x")],
         'entry "%s"…: path component longer than 255 bytes' % ("a" * 200)),
        ("overlay-redirect-xattr", [ti("d", kind="dir", mode=0o755,
                                       pax={"SCHILY.xattr.trusted.overlay.redirect": "/etc"})],
         'entry "d/": xattr "trusted.overlay.redirect" is not allowed in a layer'),
        ("overlay-whiteout-xattr", [ti("f", data=b"", pax={"SCHILY.xattr.user.overlay.whiteout": "y"})],
         'entry "f": xattr "user.overlay.whiteout" is not allowed in a layer'),
    ]
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        for name, entries, msg in cases:
            write_tar(os.path.join(out, name + ".tar"), entries)
            f.write("%s\t%s\n" % (name, msg))
        write_huge_header(os.path.join(out, "huge-size.tar"))
        f.write("huge-size\tentry \"huge\": size 2199023255552 is larger than 1099511627776 bytes\n")


if __name__ == "__main__":
    main()
