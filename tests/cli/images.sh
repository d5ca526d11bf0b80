#!/bin/sh
# Image sequences end to end: JPEG and PNG dumps through the program, with
# exact exit codes; identity keeps every decoded frame, a mask changes only
# the frames' pixels near it, bad inputs and outputs fail cleanly.
set -eu
. tests/support/cli-common.sh

mkdir -p "$T/jpg" "$T/png"
$FF -f lavfi -i testsrc2=s=320x240 -frames:v 5 -q:v 3 "$T/jpg/frame-%03d.jpg"
$FF -f lavfi -i testsrc2=s=96x64 -frames:v 3 -pix_fmt rgba64be "$T/png/%d.png"
$FF -f lavfi -i "color=black:s=320x240,drawbox=x=100:y=60:w=8:h=8:color=white:t=fill" \
    -frames:v 1 "$T/mask.png"

hashes() { # PATTERN OUT
    $FF -i "$1" -f framemd5 - | grep -v '^#' | cut -d, -f5,6 >"$2"
}

# identity: a pattern (start number found) into a folder keeping the names
run "$SPOTHEAL" -i "$T/jpg/frame-%03d.jpg" "$T/res/"
expect_rc 0 "JPEG pattern to a folder"
check "every name kept" [ -f "$T/res/frame-001.jpg" -a -f "$T/res/frame-005.jpg" ]
hashes "$T/jpg/frame-%03d.jpg" "$T/h-in"
hashes "$T/res/frame-%03d.jpg" "$T/h-out"
check "identity: decoded frames unchanged" same_file "$T/h-in" "$T/h-out"
check "the encoder's comment marker kept" grep -q Lavc "$T/res/frame-003.jpg"
check "no temporary file left" no_temp_left "$T/res"

# a glob into a pattern, numbered from 1
run "$SPOTHEAL" -i "$T/jpg/*.jpg" "$T/glob-%02d.jpg"
expect_rc 0 "glob to a pattern"
check "glob output numbered from 1" [ -f "$T/glob-01.jpg" -a -f "$T/glob-05.jpg" ]

# one image, and --reencode / -q:v
run "$SPOTHEAL" --reencode -i "$T/jpg/frame-002.jpg" "$T/one.jpg"
expect_rc 0 "one image, --reencode"
run "$SPOTHEAL" -q:v 2 -i "$T/jpg/frame-002.jpg" "$T/one-q2.jpg"
expect_rc 0 "one image, -q:v 2"
run "$SPOTHEAL" -q:v 50 -i "$T/jpg/frame-002.jpg" "$T/one-q50.jpg"
expect_rc 2 "-q:v 50 for a JPEG"
expect_err "1 (best) to 31" "-q:v 50 for a JPEG"

# a mask: the frames change, only near the mask
run "$SPOTHEAL" --mask "$T/mask.png" -i "$T/jpg/frame-%03d.jpg" "$T/masked/"
expect_rc 0 "JPEG with a mask"
$FF -i "$T/jpg/frame-001.jpg" -i "$T/masked/frame-001.jpg" -filter_complex \
    "[0][1]blend=all_mode=difference,crop=320:40:0:0,format=gray" -f framemd5 - \
    | grep -v '^#' | cut -d, -f6 >"$T/d-top"
$FF -f lavfi -i color=black:s=320x40 -frames:v 1 -pix_fmt gray -f framemd5 - \
    | grep -v '^#' | cut -d, -f6 >"$T/d-black"
check "rows far above the mask identical" same_file "$T/d-top" "$T/d-black"
hashes "$T/masked/frame-%03d.jpg" "$T/h-masked"
check "the mask changed the frames" sh -c "! cmp -s '$T/h-in' '$T/h-masked'"

# PNG, 16-bit with alpha: pixel-identical
run "$SPOTHEAL" -i "$T/png" "$T/pout/"
expect_rc 0 "PNG folder (16-bit RGBA)"
hashes "$T/png/%d.png" "$T/hp-in"
hashes "$T/pout/%d.png" "$T/hp-out"
check "PNG frames identical" same_file "$T/hp-in" "$T/hp-out"
check "PNG depth and alpha kept" sh -c \
    "ffprobe -v error -show_entries stream=pix_fmt -of csv=p=0 '$T/pout/2.png' | grep -q rgba64be"

# analyze: no image written, a report naming the files
run "$SPOTHEAL" analyze --mask "$T/mask.png" -i "$T/jpg/frame-%03d.jpg" --report "$T/r.json"
expect_rc 0 "analyze"
check "the report names the files" grep -q 'frame-004.jpg' "$T/r.json"

# failures
run "$SPOTHEAL" -i "$T/jpg/frame-%03d.jpg" "$T/res/"
expect_rc 3 "existing outputs without -y"
expect_err "already exists" "existing outputs without -y"
run "$SPOTHEAL" -n -i "$T/jpg/frame-%03d.jpg" "$T/res/"
expect_rc 3 "-n"
run "$SPOTHEAL" -y -i "$T/jpg/frame-%03d.jpg" "$T/res/"
expect_rc 0 "-y overwrites"
run "$SPOTHEAL" -i "$T/none/%03d.jpg" "$T/x/"
expect_rc 1 "missing input pattern"
expect_err "none/%03d.jpg" "missing input pattern"
echo "not a picture" >"$T/fake.jpg"
run "$SPOTHEAL" -i "$T/fake.jpg" "$T/fake-out.jpg"
expect_rc 1 "not an image"
expect_err "fake.jpg' is not a JPEG or PNG image" "not an image"
check "no output for a failed image" absent "$T/fake-out.jpg"
run "$SPOTHEAL" -i "$T/jpg/frame-%03d.jpg" "$T/single.jpg"
expect_rc 2 "many images into one file name"
run "$SPOTHEAL" -i "$T/jpg/frame-%03d.jpg" "$T/fake.jpg/sub/"
expect_rc 1 "an output folder that cannot be made"
run "$SPOTHEAL" --mask "$T/fake.jpg" -i "$T/jpg/frame-%03d.jpg" "$T/m2/"
expect_rc 1 "a mask that is not a PNG"
expect_err "fake.jpg" "a mask that is not a PNG"
mkdir -p "$T/a" "$T/b"
cp "$T/jpg/frame-001.jpg" "$T/a/x.jpg"
cp "$T/jpg/frame-002.jpg" "$T/b/x.jpg"
run "$SPOTHEAL" -i "$T/[ab]/x.jpg" "$T/dup/"
expect_rc 2 "two inputs of one name into a folder"
expect_err "both be written" "two inputs of one name into a folder"
head -c 6000 "$T/jpg/frame-002.jpg" >"$T/cut.jpg"
run "$SPOTHEAL" -i "$T/cut.jpg" "$T/cut-out.jpg"
expect_rc 0 "truncated JPEG"
expect_err "cut.jpg': damaged or truncated" "truncated JPEG"

finish
