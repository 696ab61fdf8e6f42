#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# usage: smoke.sh FUZZER CORPUS_DIR [DICT]
#
# A short libFuzzer run for CI (suite 'fuzz-smoke', registered by tests/fuzz/meson.build): fuzzes for
# $SKIFF_FUZZ_SECONDS (default 60) starting from a copy of CORPUS_DIR, so the inputs libFuzzer adds
# never land in the source tree. On a crash, leak, timeout or OOM it prints every artifact libFuzzer
# wrote, base64-encoded, because a CI log is often all that survives of the machine, and fails.
set -euo pipefail

if (($# < 2 || $# > 3)); then
        echo "usage: $0 FUZZER CORPUS_DIR [DICT]" >&2
        exit 2
fi
fuzzer=$1
corpus=$2
dict=${3:-}
seconds=${SKIFF_FUZZ_SECONDS:-60}
name=$(basename "$fuzzer")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/skiff-$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/corpus" "$tmp/artifacts"
if [[ -d $corpus ]]; then
        cp -R "$corpus/." "$tmp/corpus/"
fi

args=(
        -max_total_time="$seconds"
        -timeout=10
        -rss_limit_mb=2048
        -artifact_prefix="$tmp/artifacts/"
        -error_exitcode=1 # libFuzzer's default, 77, is "skipped" to meson
        -timeout_exitcode=1
        -print_final_stats=1
)
if [[ -n $dict && -f $dict ]]; then
        args+=(-dict="$dict")
fi

echo "# $fuzzer ${args[*]} $tmp/corpus"
rc=0
"$fuzzer" "${args[@]}" "$tmp/corpus" </dev/null || rc=$?

shopt -s nullglob
artifacts=("$tmp"/artifacts/*)
if ((rc == 0 && ${#artifacts[@]} == 0)); then
        echo "# $name: no crash in ${seconds}s"
        exit 0
fi

echo
echo "FAIL: $name exited $rc after fuzzing; ${#artifacts[@]} artifact(s) follow."
for a in "${artifacts[@]}"; do
        echo "---- $(basename "$a") ($(stat -c %s "$a") bytes), base64:"
        base64 "$a"
        echo "----"
done
cat <<EOF
To reproduce: save the base64 text above to crash.b64, then
    base64 -d crash.b64 > tests/fuzz/corpus/$name/crash-NAME
    $fuzzer tests/fuzz/corpus/$name/crash-NAME
Once fixed, keep the file in the corpus: 'fuzz-regress' then replays it on every build.
EOF
exit 1
