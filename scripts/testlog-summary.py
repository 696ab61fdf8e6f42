#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Print the closing line of a test run from meson's testlog.json files.

usage: testlog-summary.py [--failed WHAT]... TESTLOG.json...

Each TESTLOG.json holds one JSON object per line, one per meson test, with a "result" field. OK and
EXPECTEDFAIL count as passed, SKIP as skipped, everything else (FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS,
and anything unknown, so an interrupted run is never green) as failed. --failed adds a failure that no
log holds, e.g. a build that did not compile. A log that cannot be read counts as one failure.

Prints a tally per log, what each failed test said about its failure (the TAP "not ok" lines and the
diagnostics after them, or the end of its output: CI shows only the end of a run, so the reason has to
be there), the failed tests by name, and last exactly `N passed, N failed` or
`N passed, N failed, N skipped` (the skipped part only when N > 0). Exits 1 if anything failed.
"""

import argparse
import json
import os
import sys

PASSED = {'OK', 'EXPECTEDFAIL'}
SKIPPED = {'SKIP'}


def label(path):
    """build/asan/meson-logs/testlog-main.json -> build/asan"""
    parent = os.path.dirname(path)
    if os.path.basename(parent) == 'meson-logs':
        return os.path.dirname(parent) or '.'
    return path


def why(entry, limit=30):
    """The lines of a failed test's output that say why: TAP failures and their diagnostics."""
    out = (entry.get('stdout') or '').splitlines()
    picked, keep = [], False
    for line in out:
        if line.startswith('not ok'):
            keep = True
        elif line.startswith('ok ') or not line.startswith('#'):
            keep = False
        if keep:
            picked.append(line)
    if not picked:
        picked = out[-limit:]
    if len(picked) > limit:
        picked = picked[:limit] + [f'... ({len(picked) - limit} more lines in the test log)']
    return picked


def count(path, failures, reasons):
    passed = failed = skipped = 0
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    result = entry['result']
                    name = entry.get('name', '?')
                except (ValueError, KeyError, TypeError):
                    failures.append(f'{path}:{lineno}: unreadable test log line')
                    failed += 1
                    continue
                if result in PASSED:
                    passed += 1
                elif result in SKIPPED:
                    skipped += 1
                else:
                    failures.append(f'{label(path)}: {name} ({result})')
                    reasons.append((f'{label(path)}: {name} ({result})', why(entry)))
                    failed += 1
    except OSError as e:
        failures.append(f'{path}: {e.strerror}')
        failed += 1
    return passed, failed, skipped


def closing_line(passed, failed, skipped):
    line = f'{passed} passed, {failed} failed'
    if skipped:
        line += f', {skipped} skipped'
    return line


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--failed', action='append', default=[], metavar='WHAT',
                        help='count WHAT as one more failure (e.g. "build/gcc: build failed")')
    parser.add_argument('logs', nargs='*', metavar='TESTLOG.json')
    args = parser.parse_args()

    failures = list(args.failed)
    reasons = []
    total = [0, len(args.failed), 0]
    for path in args.logs:
        p, f, s = count(path, failures, reasons)
        # Worded unlike the closing line, so that a CI pattern for "N passed, N failed" finds only that.
        print(f'{path}: ok {p}, failed {f}, skipped {s}')
        total = [total[0] + p, total[1] + f, total[2] + s]

    for what, lines in reasons:
        print(f'--- why {what} failed:')
        for line in lines:
            print(f'    {line}')
    if failures:
        print('Failed:')
        for what in failures:
            print(f'  {what}')
    sys.stdout.flush()
    print(closing_line(*total))
    return 1 if total[1] else 0


if __name__ == '__main__':
    sys.exit(main())
