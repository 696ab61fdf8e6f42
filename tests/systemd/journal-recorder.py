#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# usage: journal-recorder.py SOCKET OUT.jsonl
#
# Stands in for systemd-journald on a host that has none (tests only): binds SOCKET (a unix datagram
# socket, as /run/systemd/journal/socket), decodes each datagram of the journal's native protocol
# ("KEY=value\n", or "KEY\n" + 64-bit little-endian length + value + "\n"; a datagram too big for the
# socket comes as a sealed memfd passed with SCM_RIGHTS) and appends one JSON object per entry to
# OUT.jsonl, with the sender's pid and its cgroups (as journald derives _PID and _SYSTEMD_UNIT from
# SCM_CREDENTIALS). Runs until killed.
import array, json, os, socket, struct, sys

path, out = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(path)
os.chmod(path, 0o666)


def decode(data):
    fields, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            (n,) = struct.unpack_from("<Q", data, nl + 1)
            v = data[nl + 9 : nl + 9 + n]
            i = nl + 9 + n + 1
        fields[k.decode()] = v.decode(errors="replace")
    return fields


with open(out, "a", buffering=1) as f:
    while True:
        fds = array.array("i")
        data, anc, _, _ = s.recvmsg(1 << 17, socket.CMSG_SPACE(64) + socket.CMSG_SPACE(12))
        pid = 0
        for level, kind, cdata in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", cdata[:12])[0]
            elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(cdata[: len(cdata) - len(cdata) % fds.itemsize])
        for fd in fds:
            with os.fdopen(fd, "rb") as m:
                data = m.read()
        try:
            entry = decode(data)
        except (ValueError, struct.error) as e:
            entry = {"_BAD": str(e)}
        entry["_PID"] = str(pid)
        try:
            with open(f"/proc/{pid}/cgroup") as cg:
                entry["_CGROUPS"] = cg.read()
        except OSError:
            entry["_CGROUPS"] = ""
        f.write(json.dumps(entry) + "\n")
