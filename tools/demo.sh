#!/bin/sh
# make demo: repair the bundled spotty clip and draw a before/after picture
# of the defects spotheal found (crops around four of them, enlarged).
set -eu
O=${O:-build}
in=samples/spotty-phone-720p.mp4
out=demo-out
mkdir -p "$out"
"$O"/spotheal -y -i "$in" --report "$out/defects.json" "$out/repaired.mp4"
# Crop boxes around the first tracks of the report (its track lines hold
# "cx" and "cy"), at frame 20.
boxes=$(awk '/"track": [0-9]+, "kind"/ {
        match($0, /"cx": [-0-9.]+/); cx = substr($0, RSTART + 6, RLENGTH - 6);
        match($0, /"cy": [-0-9.]+/); cy = substr($0, RSTART + 6, RLENGTH - 6);
        x = int(cx) - 24; y = int(cy) - 24;
        if (x < 0) x = 0; if (y < 0) y = 0; if (x > 1280 - 48) x = 1280 - 48; if (y > 720 - 48) y = 720 - 48;
        print x ":" y; n++; if (n == 4) exit }' "$out/defects.json")
set -- $boxes
if [ $# -eq 0 ]; then
    echo "demo: no defect found, see $out/defects.json" >&2
    exit 1
fi
graph="[0:v]select=eq(n\,20),split=$#"
i=0
for b in "$@"; do graph="$graph[a$i]"; i=$((i + 1)); done
graph="$graph;[1:v]select=eq(n\,20),split=$#"
i=0
for b in "$@"; do graph="$graph[b$i]"; i=$((i + 1)); done
i=0
rows=""
for b in "$@"; do
    graph="$graph;[a$i]crop=48:48:$b,scale=288:288:flags=neighbor[ca$i];[b$i]crop=48:48:$b,scale=288:288:flags=neighbor[cb$i];[ca$i][cb$i]hstack[r$i]"
    rows="$rows[r$i]"
    i=$((i + 1))
done
if [ $# -gt 1 ]; then graph="$graph;${rows}vstack=inputs=$#"; fi
ffmpeg -v error -y -i "$in" -i "$out/repaired.mp4" -filter_complex "$graph" -frames:v 1 "$out/before-after.png"
echo "demo: repaired video: $out/repaired.mp4"
echo "demo: defects found:  $out/defects.json"
echo "demo: before | after: $out/before-after.png (frame 20, left the input, right the repair)"
