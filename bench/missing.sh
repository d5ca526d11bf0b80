#!/bin/sh
# Missing pixels: a still from each bundled clip loses every 7th row and
# 5000 scattered pixels (made transparent by sppaint -F rgba); spotheal
# heals the PNG, OpenCV's Navier-Stokes and Telea inpainting get the same
# mask (the exact lost pixels), and each result is scored against the
# untouched still: PSNR over the lost pixels (all three colour channels).
# The peers need python3 with OpenCV (Debian: python3-opencv); without it
# their rows say so. Environment: O, SPOTHEAL.
set -eu
O=${O:-build}
SPOTHEAL=${SPOTHEAL:-$O/spotheal}
T=$(mktemp -d "${TMPDIR:-/tmp}/spotheal-bench-missing.XXXXXX")
trap 'rm -rf "$T"' EXIT
FF="ffmpeg -nostdin -hide_banner -v error -y"
# one row of the summary table that bench/run.sh prints last
summ() { [ -z "${SUMMARY:-}" ] || echo "| $1 | $2 | $3 |" >>"$SUMMARY"; }
PY=/usr/bin/python3
peers=1
$PY -c 'import cv2, numpy' 2>/dev/null || peers=0

echo
echo "Missing pixels (every 7th row and 5000 scattered pixels lost; PSNR dB over the lost pixels, RGB):"
echo
echo "| still | lost pixels | spotheal | OpenCV Navier-Stokes | OpenCV Telea | spotheal s |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for clip in samples/phone-2s.mp4 samples/spotty-phone-720p.mp4; do
    name=$(basename "$clip" .mp4)
    $FF -ss 1 -i "$clip" -frames:v 1 -pix_fmt rgba -f rawvideo "$T/clean.rgba"
    $FF -ss 1 -i "$clip" -frames:v 1 -pix_fmt rgb24 "$T/clean.png"
    size=$(ffprobe -v error -select_streams v -show_entries stream=width,height -of csv=s=x:p=0 "$clip")
    "$O/sppaint" -F rgba -s "$size" -M 7:5000 -r 3 -t "$T/truth.json" -m "$T/lost.pgm" \
        <"$T/clean.rgba" >"$T/holed.rgba" 2>/dev/null
    $FF -f rawvideo -pix_fmt rgba -s "$size" -i "$T/holed.rgba" "$T/holed.png"
    /usr/bin/time -f '%e' -o "$T/time" "$SPOTHEAL" -nostats -v error -y -i "$T/holed.png" "$T/healed.png"
    secs=$(cat "$T/time")
    if [ $peers = 1 ]; then
        $PY - "$T" <<'PYEOF'
import sys, cv2, numpy as np
t = sys.argv[1]
clean = cv2.imread(t + "/clean.png").astype(np.float64)
holed = cv2.imread(t + "/holed.png", cv2.IMREAD_COLOR)
lost = cv2.imread(t + "/lost.pgm", cv2.IMREAD_GRAYSCALE)
def psnr(img):
    d = (img.astype(np.float64) - clean)[lost > 0]
    mse = (d * d).mean()
    return 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)
heal = cv2.imread(t + "/healed.png", cv2.IMREAD_COLOR)
ns = cv2.inpaint(holed, lost, 3, cv2.INPAINT_NS)
te = cv2.inpaint(holed, lost, 3, cv2.INPAINT_TELEA)
print("%d %.2f %.2f %.2f" % ((lost > 0).sum(), psnr(heal), psnr(ns), psnr(te)))
PYEOF
    else
        echo "0 0 0 0"
    fi >"$T/scores"
    read n sp ns te <"$T/scores"
    if [ $peers = 1 ]; then
        echo "| $name $size | $n | $sp | $ns | $te | $secs |"
        summ "$name still, every 7th row + 5000 pixels lost: PSNR dB (OpenCV Navier-Stokes)" "$sp ($ns)" "> Navier-Stokes"
    else
        echo "| $name $size | - | (needs python3-opencv) | - | - | $secs |"
    fi
done
