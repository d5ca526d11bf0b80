#!/bin/sh
# The documentation keeps up with the program: every option that
# `spotheal -h` lists has an entry in the man page (docs/spotheal.1) and a
# row in the README's option table.
set -eu
. tests/support/cli-common.sh

run "$SPOTHEAL" -h
expect_rc 0 "-h"
grep -o '^  -[-a-z:_]*' "$T/out" | sed 's/^ *//' | sort -u >"$T/opts"
check "-h lists options" [ "$(wc -l <"$T/opts")" -gt 20 ]
while read -r opt; do
    # the man page writes every '-' as '\-'
    man=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
    check "man page documents $opt" grep -q -e "^\.B[IR]* \(.* \)\{0,1\}$man\( \|\"\|\$\)" docs/spotheal.1
    check "README lists $opt" grep -q -e "\`$opt[ \`]" README.md
done <"$T/opts"
finish
