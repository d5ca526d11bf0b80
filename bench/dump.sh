#!/bin/sh
# Frame-dump benchmark: the bundled spotty clip dumped to JPEG (-q:v 2, the
# clip looped to LOOPS x 41 frames), then
#   ffmpeg   -i in/%05d.jpg -q:v 2 out/%05d.jpg     (a plain decode/encode)
#   spotheal --detect none -i in/%05d.jpg out/%05d.jpg          (identity)
#   spotheal --detect none --mask truth.png -i ... out/%05d.jpg (the painted defects healed)
#   spotheal -i in/%05d.jpg out/%05d.jpg            (the defaults: found by themselves)
# Prints wall time, CPU time and peak memory of each (best of RUNS), the
# ratio to ffmpeg, and how many 8x8 blocks the masked run re-encoded.
# Environment: O (build folder), LOOPS (default 5), RUNS (default 3).
set -eu
O=${O:-build}
SPOTHEAL=${SPOTHEAL:-$O/spotheal}
LOOPS=${LOOPS:-5}
RUNS=${RUNS:-3}
CLIP=samples/spotty-phone-720p.mp4
TRUTH=samples/spotty-phone-720p.truth.json
T=$(mktemp -d "${TMPDIR:-/tmp}/spotheal-bench-dump.XXXXXX")
trap 'rm -rf "$T"' EXIT
FF="ffmpeg -nostdin -hide_banner -v error -y"
# one row of the summary table that bench/run.sh prints last
summ() { [ -z "${SUMMARY:-}" ] || echo "| $1 | $2 | $3 |" >>"$SUMMARY"; }

mkdir -p "$T/in" "$T/ff" "$T/id" "$T/mask" "$T/auto"
$FF -stream_loop $((LOOPS - 1)) -i "$CLIP" -q:v 2 "$T/in/%05d.jpg"
n=$(ls "$T/in" | wc -l)

# the ground truth as a mask: every position of every blotch (radius + 2)
# and every pixel defect (3x3)
/usr/bin/python3 - "$TRUTH" "$T/mask.pgm" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
w, h = t["width"], t["height"]
m = bytearray(w * h)
def disc(cx, cy, r):
    for y in range(int(cy - r) - 1, int(cy + r) + 2):
        for x in range(int(cx - r) - 1, int(cx + r) + 2):
            if 0 <= x < w and 0 <= y < h and (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
                m[y * w + x] = 255
for frame in t["spot_tracks"]:
    for cx, cy, r in frame:
        disc(cx, cy, r + 2)
for p in t["pixels"]:
    disc(p["x"], p["y"], 1.5)
open(sys.argv[2], "wb").write(b"P5\n%d %d\n255\n" % (w, h) + bytes(m))
EOF
$FF -i "$T/mask.pgm" "$T/mask.png"

# best of RUNS: prints "wall cpu maxrss_kb"
timeit() {
    best=""
    r=0
    while [ $r -lt "$RUNS" ]; do
        /usr/bin/time -f "%e %U %S %M" -o "$T/time" "$@" >/dev/null 2>"$T/log"
        set -- "$@"
        line=$(awk '{printf "%.2f %.2f %d\n", $1, $2 + $3, $4}' "$T/time")
        if [ -z "$best" ] || [ "$(echo "$line $best" | awk '{print ($1 < $4)}')" = 1 ]; then
            best=$line
        fi
        r=$((r + 1))
    done
    echo "$best"
}

ff=$(timeit $FF -i "$T/in/%05d.jpg" -q:v 2 "$T/ff/%05d.jpg")
id=$(timeit "$SPOTHEAL" -y --detect none -i "$T/in/%05d.jpg" "$T/id/%05d.jpg")
mk=$(timeit "$SPOTHEAL" -y -v verbose --detect none --mask "$T/mask.png" -i "$T/in/%05d.jpg" "$T/mask/%05d.jpg")
blocks=$(grep 'blocks re-encoded' "$T/log" | sed 's/.*JPEG: //')
au=$(timeit "$SPOTHEAL" -y -i "$T/in/%05d.jpg" "$T/auto/%05d.jpg")

echo "frame dump: $n JPEG frames, 1280x720 4:2:0, -q:v 2 ($(du -sh "$T/in" | cut -f1))"
printf '%-34s %8s %8s %10s %7s\n' "job" "wall s" "cpu s" "max RSS" "ratio"
show() {
    set -- "$1" $2
    printf '%-34s %8s %8s %8s MB %7s\n' "$1" "$2" "$3" "$(($4 / 1024))" \
        "$(echo "$2 $(echo "$ff" | cut -d' ' -f1)" | awk '{printf "%.2f", $1 / $2}')"
}
show "ffmpeg -q:v 2 (decode+encode)" "$ff"
show "spotheal --detect none (identity)" "$id"
show "spotheal --mask (truth)" "$mk"
show "spotheal (defaults: detection)" "$au"
echo "masked run: $blocks"
wall_ratio() { echo "$1 $ff" | awk '{ printf "%.2f", $1 / $4 }'; }
summ "JPEG dump ($n frames 720p) repaired with defaults / ffmpeg -q:v 2 re-encode, wall" "$(wall_ratio "$au")" "< 1"
summ "JPEG dump identity (--detect none) / ffmpeg -q:v 2, wall" "$(wall_ratio "$id")" "< 1"
