#!/bin/sh
# Healing quality, end to end, against ffmpeg's removelogo handed the
# perfect mask, on three clips made here: the handheld phone clip, a static
# camera (one of its frames held) and a textured pan (a crop sliding over
# an enlarged frame). For each: defects painted with known ground truth
# (build/sppaint: 8 drifting blotches, 24 hot, dead and stuck pixels),
# encoded as a phone would (x264 crf 17), repaired by spotheal with its
# defaults (nothing handed over) and by removelogo with the union of every
# defect's place as its mask, both written lossless and scored against the
# clean clip (build/spscore). Then false detections on the clean clips,
# and on a night scene full of lights and a clip full of text, both seen
# through a handheld camera (bench/clean-clips.sh).
# Environment: O (build folder), SPOTHEAL, FRAMES (default 41).
set -eu
O=${O:-build}
SPOTHEAL=${SPOTHEAL:-$O/spotheal}
FRAMES=${FRAMES:-41}
T=$(mktemp -d "${TMPDIR:-/tmp}/spotheal-bench-quality.XXXXXX")
trap 'rm -rf "$T"' EXIT
FF="ffmpeg -nostdin -hide_banner -v error -y"
# one row of the summary table that bench/run.sh prints last
summ() { [ -z "${SUMMARY:-}" ] || echo "| $1 | $2 | $3 |" >>"$SUMMARY"; }
W=1920
H=1080
src=samples/phone-2s.mp4

# the clean clips, raw
$FF -i "$src" -fps_mode passthrough -frames:v "$FRAMES" -f rawvideo -pix_fmt yuv420p "$T/phone.yuv"
$FF -i "$src" -vf "select=eq(n\,20)" -frames:v 1 "$T/still.png"
$FF -loop 1 -i "$T/still.png" -frames:v "$FRAMES" -f rawvideo -pix_fmt yuv420p "$T/static.yuv"
$FF -loop 1 -i "$T/still.png" -frames:v "$FRAMES" \
    -vf "scale=3840:2160:flags=lanczos,crop=$W:$H:x='400+3*n':y='300+n'" \
    -f rawvideo -pix_fmt yuv420p "$T/pan.yuv"

score() { # name clean.yuv truth.json degraded.yuv out.mkv
    $FF -i "$5" -fps_mode passthrough -f rawvideo -pix_fmt yuv420p "$T/out.yuv"
    "$O"/spscore "$3" "$2" "$4" "$T/out.yuv" | tr -d '{}"' | tr ',' '\n' | sed 's/^ *//' >"$T/score"
    get() { grep "^$1:" "$T/score" | cut -d' ' -f2; }
    printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$(get spot_fixed)" "$(get pixel_fixed)" \
        "$(get psnr_defect)" "$(get psnr_outside)" "$(get false_blobs)"
    echo "$(get spot_fixed) / $(get pixel_fixed) / $(get psnr_defect) dB" >"$T/headline"
    echo "$(get psnr_defect_noop)" >"$T/noop"
}

echo
echo "Healing quality ($W x $H, $FRAMES frames, defects painted with ground truth, lossless output):"
echo
echo "| clip, tool | spot_fixed | pixel_fixed | psnr_defect dB | psnr_outside dB | false_blobs |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for clip in phone static pan; do
    "$O"/sppaint -s ${W}x$H -r 7 -t "$T/$clip.json" -m "$T/$clip.pgm" <"$T/$clip.yuv" >"$T/painted.yuv" 2>/dev/null
    $FF -f rawvideo -pix_fmt yuv420p -s ${W}x$H -r 30 -i "$T/painted.yuv" -c:v libx264 -preset fast \
        -crf 17 "$T/degraded.mp4"
    $FF -i "$T/degraded.mp4" -f rawvideo -pix_fmt yuv420p "$T/degraded.yuv"
    $FF -i "$T/$clip.pgm" "$T/mask.png"
    "$SPOTHEAL" -y -v error -nostats -i "$T/degraded.mp4" -c:v ffv1 "$T/spotheal.mkv"
    $FF -i "$T/degraded.mp4" -vf "removelogo=$T/mask.png" -c:v ffv1 "$T/removelogo.mkv"
    score "$clip: spotheal" "$T/$clip.yuv" "$T/$clip.json" "$T/degraded.yuv" "$T/spotheal.mkv"
    sp_head=$(cat "$T/headline")
    score "$clip: removelogo (perfect mask)" "$T/$clip.yuv" "$T/$clip.json" "$T/degraded.yuv" "$T/removelogo.mkv"
    summ "$clip clip: spot / pixel fixed / PSNR in defects (removelogo, perfect mask: $(cat "$T/headline"))" \
        "$sp_head" ">= 0.95 / 0.98 / removelogo + 2 dB"
    echo "| $clip: untouched | 0 | 0 | $(cat "$T/noop") | inf | 0 |"
done

echo
echo "False detections on the clean clips (spotheal analyze, defect records per frame):"
echo
echo "| clip | records | frames | per frame |"
echo "| --- | ---: | ---: | ---: |"
# and two clips full of small things that are not defects (lights at
# night, text), seen through a handheld camera (bench/clean-clips.sh)
sh bench/clean-clips.sh "$T/cc" ${W}x$H "$FRAMES"
for clip in phone static pan night text; do
    case $clip in
    night|text) cp "$T/cc/$clip.mp4" "$T/clean.mp4" ;;
    *) $FF -f rawvideo -pix_fmt yuv420p -s ${W}x$H -r 30 -i "$T/$clip.yuv" -c:v libx264 -preset fast \
        -crf 17 "$T/clean.mp4" ;;
    esac
    "$SPOTHEAL" analyze -y -v error -nostats -i "$T/clean.mp4" --report "$T/report.json"
    rec=$(grep -c '"kind"' "$T/report.json" || true)
    trk=$(grep -c '"track": [0-9]*, "kind"' "$T/report.json" || true)
    rec=$((rec - trk))
    echo "| $clip | $rec | $FRAMES | $(echo "$rec $FRAMES" | awk '{printf "%.2f", $1 / $2}') |"
    summ "$clip clip, clean: false detections per frame" "$(echo "$rec $FRAMES" | awk '{printf "%.2f", $1 / $2}')" "< 0.02"
done
