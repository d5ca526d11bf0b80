#!/bin/sh
# Scaling: time per frame and peak memory of the analysis (decode, detect,
# track; no encode) at 480p, 720p, 1080p and 4K, against ffmpeg's plain
# decode of the same file; and the repair with 10, 100 and 1000 defects
# at 1080p: a user mask of that many dots (--detect none --mask) against
# the same run with no mask, and the automatic repair (defaults) of a clip
# with that many painted defects (sppaint: half drifting blotches, half
# bad pixels) against the clean clip. Environment: O, SPOTHEAL, FRAMES
# (default 30).
set -eu
O=${O:-build}
SPOTHEAL=${SPOTHEAL:-$O/spotheal}
FRAMES=${FRAMES:-30}
T=$(mktemp -d "${TMPDIR:-/tmp}/spotheal-bench-scale.XXXXXX")
trap 'rm -rf "$T"' EXIT
FF="ffmpeg -nostdin -hide_banner -v error -y"
# one row of the summary table that bench/run.sh prints last
summ() { [ -z "${SUMMARY:-}" ] || echo "| $1 | $2 | $3 |" >>"$SUMMARY"; }
src=samples/phone-2s.mp4

# "CPU-seconds peak-KB" of a command
measure() {
    /usr/bin/time -f "%U %S %M" -o "$T/time" "$@" >/dev/null 2>&1
    awk '{printf "%.3f %d\n", $1 + $2, $3}' "$T/time"
}

echo
echo "Analysis at each size ($FRAMES frames; spotheal analyze against ffmpeg -f null, one thread each):"
echo
echo "| size | spotheal ms/frame | ffmpeg decode ms/frame | ratio | spotheal peak MB |"
echo "| --- | ---: | ---: | ---: | ---: |"
for s in 854x480 1280x720 1920x1080 3840x2160; do
    $FF -i "$src" -frames:v "$FRAMES" -vf "scale=$s" -c:v libx264 -preset ultrafast -crf 16 "$T/in.mp4"
    set -- $(measure "$SPOTHEAL" analyze -threads 1 -y -v error -nostats -i "$T/in.mp4")
    sp=$1 mem=$2
    set -- $(measure $FF -threads 1 -i "$T/in.mp4" -f null -)
    echo "$s $sp $1 $mem $FRAMES" | awk '{printf "| %s | %.1f | %.1f | %.2f | %d |\n", $1, 1000 * $2 / $5, 1000 * $3 / $5, $2 / ($3 > 0 ? $3 : 1), $4 / 1024}'
    summ "$s analysis / ffmpeg decode, CPU; peak memory" \
        "$(echo "$sp $1 $mem" | awk '{printf "%.2f; %d MB", $1 / ($2 > 0 ? $2 : 1), $3 / 1024}')" "-"
done

echo
echo "Healing many defects at 1920x1080 ($FRAMES frames, --detect none --mask with N dots of 5x5, lossless output):"
echo
echo "| defects | mask: ms/frame | mask: more than no mask | automatic: ms/frame | automatic: more than clean |"
echo "| --- | ---: | ---: | ---: | ---: |"
$FF -i "$src" -frames:v "$FRAMES" -c:v libx264 -preset ultrafast -crf 16 "$T/in.mp4"
$FF -i "$T/in.mp4" -f rawvideo -pix_fmt yuv420p "$T/clean.yuv"
set -- $(measure "$SPOTHEAL" -threads 1 -y -v error -nostats --detect none -i "$T/in.mp4" -c:v rawvideo -f nut "$T/out.nut")
base=$1
set -- $(measure "$SPOTHEAL" -threads 1 -y -v error -nostats -i "$T/in.mp4" -c:v rawvideo -f nut "$T/out.nut")
base_auto=$1
for n in 10 100 1000; do
    # N dots on a grid over the frame
    awk -v n=$n 'BEGIN { w = 1920; h = 1080; printf "P5\n%d %d\n255\n", w, h;
        cols = int(sqrt(n * w / h)) + 1; rows = int(n / cols) + 1; k = 0;
        for (y = 0; y < h; y++) for (x = 0; x < w; x++) {
            cx = int(x * cols / w); cy = int(y * rows / h);
            px = int((cx + 0.5) * w / cols); py = int((cy + 0.5) * h / rows);
            on = (cy * cols + cx < n) && (x - px) * (x - px) <= 4 && (y - py) * (y - py) <= 4;
            printf "%c", on ? 255 : 0 } }' >"$T/mask.pgm"
    $FF -i "$T/mask.pgm" "$T/mask.png"
    set -- $(measure "$SPOTHEAL" -threads 1 -y -v error -nostats --detect none --mask "$T/mask.png" \
        -i "$T/in.mp4" -c:v rawvideo -f nut "$T/out.nut")
    mask_cpu=$1
    "$O/sppaint" -s 1920x1080 -n $((n / 2)) -p $((n / 2)) -r 5 -t "$T/truth.json" \
        <"$T/clean.yuv" 2>/dev/null | $FF -f rawvideo -pix_fmt yuv420p -s 1920x1080 -r 30 -i - \
        -c:v libx264 -preset ultrafast -crf 16 "$T/painted.mp4"
    set -- $(measure "$SPOTHEAL" -threads 1 -y -v error -nostats -i "$T/painted.mp4" -c:v rawvideo -f nut "$T/out.nut")
    summ "1080p, $n defects: automatic repair ms/frame more than the clean clip" \
        "$(echo "$1 $base_auto $FRAMES" | awk '{printf "%.1f", 1000 * ($1 - $2) / $3}')" "-"
    echo "$n $mask_cpu $base $1 $base_auto $FRAMES" | awk '{printf "| %d | %.1f | %.1f | %.1f | %.1f |\n",
        $1, 1000 * $2 / $6, 1000 * ($2 - $3) / $6, 1000 * $4 / $6, 1000 * ($4 - $5) / $6}'
done
