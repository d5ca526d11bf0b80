#!/bin/sh
# Runs the whole suite: every unit test binary (cmocka) and every CLI test
# script, and closes with one line "check: N passed, N failed".
# Environment: O (build folder, default build), SPOTHEAL (the program).
O=${O:-build}
SPOTHEAL=${SPOTHEAL:-$O/spotheal}
export O SPOTHEAL
pass=0
fail=0
failed=""
log=$(mktemp)
for t in "$O"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    if "$t" >"$log" 2>&1; then
        pass=$((pass + 1))
        printf 'PASS %s (%s)\n' "$name" "$(grep -E '^\[  PASSED  \]' "$log" | head -1 | sed 's/^\[  PASSED  \] //')"
    else
        fail=$((fail + 1))
        failed="$failed $name"
        printf 'FAIL %s\n' "$name"
        cat "$log"
    fi
done
for t in tests/cli/*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    if sh "$t" >"$log" 2>&1; then
        pass=$((pass + 1))
        printf 'PASS %s (%s checks)\n' "$name" "$(grep -c '^ok ' "$log")"
    else
        fail=$((fail + 1))
        failed="$failed $name"
        printf 'FAIL %s\n' "$name"
        cat "$log"
    fi
done
rm -f "$log"
[ -z "$failed" ] || printf 'failed:%s\n' "$failed"
printf 'check: %d passed, %d failed\n' "$pass" "$fail"
[ "$fail" -eq 0 ]
