# Shared by the CLI test scripts (tests/cli/*.sh): sourced, not run.
# Gives: $SPOTHEAL (absolute), $T (a temporary folder removed at exit),
# FF (ffmpeg, quiet), run (captures exit code and stderr), checks that
# print one "ok ..." or "not ok ..." line each, and finish (exit status).

SPOTHEAL=${SPOTHEAL:-./build/spotheal}
case $SPOTHEAL in
/*) ;;
*) SPOTHEAL=$(pwd)/$SPOTHEAL ;;
esac
if [ ! -x "$SPOTHEAL" ]; then
    echo "not ok: $SPOTHEAL is not built (run make)"
    exit 1
fi
# under make asan: leaks of third-party libraries are not ours
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0}
export LSAN_OPTIONS
T=$(mktemp -d "${TMPDIR:-/tmp}/spotheal-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
# no profile library of the machine's user is ever chosen
XDG_DATA_HOME=$T/xdg
export XDG_DATA_HOME
FF="ffmpeg -nostdin -hide_banner -v error -y"
failures=0
rc=0

ok() { echo "ok $*"; }
not_ok() {
    echo "not ok $*"
    failures=$((failures + 1))
}

# run CMD...: runs it with stdin from /dev/null (not a terminal), stdout
# to $T/out, stderr to $T/err; sets rc.
run() {
    set +e
    "$@" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
    set -e
}

expect_rc() { # WANT DESCRIPTION
    if [ "$rc" -eq "$1" ]; then
        ok "$2: exit $rc"
    else
        not_ok "$2: exit $rc, expected $1"
        sed 's/^/    stderr: /' "$T/err" | head -20
    fi
}

expect_err() { # PATTERN DESCRIPTION
    if grep -qi -- "$1" "$T/err"; then
        ok "$2: stderr says '$1'"
    else
        not_ok "$2: stderr does not say '$1'"
        sed 's/^/    stderr: /' "$T/err" | head -20
    fi
}

check() { # DESCRIPTION COMMAND...
    desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

same_file() { cmp -s "$1" "$2"; }
absent() { [ ! -e "$1" ]; }

# no temporary output left in a folder
no_temp_left() { [ -z "$(find "$1" -name '.*.spotheal-*' 2>/dev/null)" ]; }

# video frame hashes (size and md5 per frame, no timestamps) of a file
frame_hashes() { # FILE OUT [EXTRA FFMPEG OPTIONS]
    f=$1
    o=$2
    shift 2
    $FF -i "$f" -map 0:v:0 "$@" -f framemd5 - | grep -v '^#' | cut -d, -f5,6 >"$o"
}

finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures check(s) failed"
        exit 1
    fi
    exit 0
}
