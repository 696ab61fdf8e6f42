#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# usage: check-man.sh SKIFF DOCS_DIR
#
# Fails when a command that `skiff --help` or `skiff kube --help` lists has no man page:
#   skiff VERB        needs DOCS_DIR/skiff-VERB.1.scd
#   skiff kube VERB   needs DOCS_DIR/skiff-kube-VERB.1.scd
# and every page must also be listed in DOCS_DIR/meson.build, or it is never built nor installed.
#
# Two exceptions, both documented elsewhere:
#   help   `skiff help` is `skiff --help`; skiff.1 documents it (and `skiff kube help`).
#   play   `skiff play kube` is an alias of `skiff kube play`; skiff-kube-play.1 documents it.
#
# The command lists come from the binary itself, so a new verb without a page fails this test.
# Emits TAP.
set -eu

if [ $# -ne 2 ]; then
        echo "usage: $0 SKIFF DOCS_DIR" >&2
        exit 2
fi
skiff=$1
docs=$2

# Prints the names in the "Commands:" section of a usage text: indented lines up to the first blank.
commands() {
        awk '/^Commands:/ { on = 1; next } on && /^[[:space:]]*$/ { exit } on { print $1 }'
}

top=$("$skiff" --help | commands)
kube=$("$skiff" kube --help | commands)

pages=""
for v in $top; do
        case $v in
        help | play) ;;
        *) pages="$pages skiff-$v" ;;
        esac
done
for v in $kube; do
        case $v in
        help) ;;
        *) pages="$pages skiff-kube-$v" ;;
        esac
done

if [ -z "$top" ] || [ -z "$kube" ]; then
        echo "1..1"
        echo "not ok 1 - could not read the command lists from '$skiff --help' and '$skiff kube --help'"
        exit 1
fi

# shellcheck disable=SC2086 # word splitting is wanted: one page name per word
set -- skiff $pages
echo "1..$#"
n=0
failed=0
for p in "$@"; do
        n=$((n + 1))
        if [ ! -f "$docs/$p.1.scd" ]; then
                echo "not ok $n - $p: no man page $docs/$p.1.scd"
                failed=1
        elif ! grep -q "'$p\.1'" "$docs/meson.build"; then
                echo "not ok $n - $p: $p.1 is not in the man_pages list of $docs/meson.build"
                failed=1
        else
                echo "ok $n - $p.1"
        fi
done
exit $failed
