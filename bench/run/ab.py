#!/usr/bin/env python3
# bench/run/ab.py: paired before/after timing of `skiff run --rm --network NET IMG true` for two skiff
# builds, alternating A and B run by run (ABAB…, BA on odd pairs), so that the load of a shared machine,
# which drifts from one minute to the next, hits both alike. Prints both medians and the median of the
# paired differences. Run by hand, as root, after loading the same image into both stores:
#   SKIFF image load -i docker-archive:IMG.tar  (once per --root/--runroot)
#   bench/run/ab.py PAIRS NET 'A: skiff --root RA --runroot RA2' 'B: skiff --root RB --runroot RB2' IMG
import shlex, statistics, subprocess, sys, time

n, net, a_cmd, b_cmd, img = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
A = shlex.split(a_cmd) + ["run", "--rm", "--network", net, img, "true"]
B = shlex.split(b_cmd) + ["run", "--rm", "--network", net, img, "true"]

def t(c):
    s = time.perf_counter()
    subprocess.run(c, check=True)
    return (time.perf_counter() - s) * 1000

for _ in range(5):
    t(A), t(B)
a, b = [], []
for i in range(n):
    if i % 2:
        b.append(t(B)); a.append(t(A))
    else:
        a.append(t(A)); b.append(t(B))
d = [x - y for x, y in zip(a, b)]
print("net=%s pairs=%d load=%s" % (net, n, " ".join(open("/proc/loadavg").read().split()[:3])))
print("A: median %.1f ms, min %.1f ms" % (statistics.median(a), min(a)))
print("B: median %.1f ms, min %.1f ms" % (statistics.median(b), min(b)))
print("A - B per pair: median %.1f ms; B faster in %d of %d pairs" % (statistics.median(d), sum(x > 0 for x in d), n))
