#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# usage: SKIFF=/path/to/skiff run-bats.sh FILE.bats...
#
# Runs bats files with TAP output for meson (tests/cli/meson.build sets SKIFF and SKIFF_SRCDIR).
# By hand, from the source root: SKIFF=build/gcc/src/cli/skiff tests/cli/run-bats.sh tests/cli/*.bats
set -euo pipefail

if [[ -z ${SKIFF:-} ]]; then
        echo "run-bats.sh: set SKIFF to the skiff binary to test" >&2
        exit 2
fi
if [[ ! -x $SKIFF ]]; then
        echo "run-bats.sh: SKIFF=$SKIFF is not an executable" >&2
        exit 2
fi
# Absolute, so that tests may cd anywhere.
SKIFF=$(realpath "$SKIFF")
export SKIFF
export SKIFF_SRCDIR=${SKIFF_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

exec bats --tap "$@" </dev/null
