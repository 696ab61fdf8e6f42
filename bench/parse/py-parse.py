#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# usage: bench/parse/py-parse.py [--iterations N] [--warmup N] [--once] FILE
#
# The comparison for bench/parse: what a user reaches for to parse the same stream, PyYAML's
# yaml.load_all() with the safe loader, timed in-process the way bench-parse times skiff (N iterations,
# min and median), or once with the peak RSS (ru_maxrss). Uses yaml.CSafeLoader (libyaml, the same C
# parser skiff uses) when PyYAML was built with it, else the pure-Python yaml.SafeLoader; says which.
# PyYAML only parses: it resolves tags and builds dicts, it does not validate anything.
#
# Prints a readable report and one "PYBENCH key=value ..." line for bench/parse/run.sh.

import argparse
import resource
import statistics
import sys
import time

import yaml


def proc_status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", "--iterations", type=int, default=10)
    ap.add_argument("-w", "--warmup", type=int, default=1)
    ap.add_argument("--once", action="store_true")
    ap.add_argument("file")
    args = ap.parse_args()

    loader = getattr(yaml, "CSafeLoader", None)
    loader_name = "CSafeLoader" if loader else "SafeLoader"
    loader = loader or yaml.SafeLoader
    with open(args.file, "rb") as f:
        data = f.read()
    pyver = "%d.%d.%d" % sys.version_info[:3]

    if args.once:
        base = proc_status_kib("VmHWM")
        t0 = time.monotonic()
        docs = list(yaml.load_all(data, Loader=loader))
        t = (time.monotonic() - t0) * 1e3
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        mib = len(data) / 1048576
        print(f"input            {args.file}: {len(data)} bytes, {len(docs)} documents")
        print(f"parser           PyYAML {yaml.__version__} yaml.{loader_name}, Python {pyver}")
        print(f"one iteration    {t:.1f} ms")
        print(f"peak RSS         {peak / 1024:.1f} MiB = {peak / 1024 / mib:.2f}x the input "
              f"(before parsing: {base / 1024:.1f} MiB, interpreter + input)")
        print(f"PYBENCH mode=once loader={loader_name} pyyaml={yaml.__version__} python={pyver} "
              f"input_bytes={len(data)} docs={len(docs)} peak_rss_kib={peak} base_rss_kib={base}")
        return 0

    for _ in range(args.warmup):
        list(yaml.load_all(data, Loader=loader))
    times = []
    for _ in range(args.iterations):
        t0 = time.monotonic()
        list(yaml.load_all(data, Loader=loader))
        times.append((time.monotonic() - t0) * 1e3)
    print(f"parser           PyYAML {yaml.__version__} yaml.{loader_name}, Python {pyver}")
    print(f"iterations       {args.iterations} timed, after {args.warmup} warm-up")
    print(f"load_all         min {min(times):.1f} ms, median {statistics.median(times):.1f} ms")
    print(f"PYBENCH mode=time loader={loader_name} pyyaml={yaml.__version__} python={pyver} "
          f"input_bytes={len(data)} iterations={args.iterations} "
          f"min_ms={min(times):.3f} median_ms={statistics.median(times):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
