#!/bin/sh
# Scores the fill alone on a painted case with its ground-truth masks:
#
#   tests/tools/fill_eval.sh CASE [filldrv options...]
#
# CASE is a folder made by a ground-truth painter (degraded.mp4,
# clean.mkv, truth.json). The degraded clip is decoded to raw yuv420p, run
# through build/tests/tools/filldrv with the truth's masks (discs of radius
# 1.6 r + 1 around the blotches, 3x3 boxes around the pixel defects: the
# masks the peers get), written lossless (FFV1) to CASE/fill.mkv and scored
# with score.py (SCORE: the scorer to use). A measuring tool:
# make check does not run it.
set -e
case=$1
shift
O=${O:-build}
SCORE=${SCORE:?set SCORE to the scorer (score.py)}
PY=${PY:-/usr/bin/python3}
dir=$(dirname "$0")
set -- $(
    "$PY" -c "import json,sys; t=json.load(open(sys.argv[1])); print(t['width'], t['height'], t['fps'])" \
        "$case/truth.json"
) "$@"
W=$1 H=$2 FPS=$3
shift 3
"$PY" "$dir/truth2regions.py" "$case/truth.json" > "$case/regions.txt"
ffmpeg -v error -i "$case/degraded.mp4" -f rawvideo -pix_fmt yuv420p - |
    "$O/tests/tools/filldrv" "$W" "$H" "$case/regions.txt" "$@" |
    ffmpeg -v error -y -f rawvideo -pix_fmt yuv420p -s "${W}x$H" -r "$FPS" -i - -c:v ffv1 "$case/fill.mkv"
"$PY" "$SCORE" "$case" "$case/fill.mkv"
