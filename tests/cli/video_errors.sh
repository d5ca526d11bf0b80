#!/bin/sh
# The command line and the video job's failures: exact exit codes, the gist
# of each message, -y / -n, the input never the output, no half file left.
set -eu
. tests/support/cli-common.sh

$FF -f lavfi -i testsrc2=s=160x120:r=25:d=1 -f lavfi -i sine=d=1 \
    -c:v libx264 -preset ultrafast -c:a aac -shortest "$T/in.mp4"

# usage
run "$SPOTHEAL"
expect_rc 2 "no arguments"
expect_err "no input" "no arguments"
run "$SPOTHEAL" -h
expect_rc 0 "-h"
check "-h lists the filter options with their defaults" grep -q -- "--fill .*" "$T/out"
check "-h shows the default of --fill" grep -q "default auto" "$T/out"
run "$SPOTHEAL" --version
expect_rc 0 "--version"
check "--version prints the version" grep -q "^spotheal [0-9]" "$T/out"
run "$SPOTHEAL" -i "$T/in.mp4"
expect_rc 2 "no output"
expect_err "no output" "no output"
run "$SPOTHEAL" --no-such-option 1 -i "$T/in.mp4" "$T/o.mp4"
expect_rc 2 "unknown option"
expect_err "unknown option '--no-such-option'" "unknown option"
run "$SPOTHEAL" -crf abc -i "$T/in.mp4" "$T/o.mp4"
expect_rc 2 "bad -crf"
expect_err "-crf expects an integer" "bad -crf"
run "$SPOTHEAL" -v chatty -i "$T/in.mp4" "$T/o.mp4"
expect_rc 2 "bad -v"
run "$SPOTHEAL" -i "$T/in.mp4" -i "$T/in.mp4" "$T/o.mp4"
expect_rc 2 "two inputs"
run "$SPOTHEAL" -i "$T/in.mp4" -
expect_rc 2 "stdout without -f"
expect_err "add -f" "stdout without -f"
run "$SPOTHEAL" --fill nope -i "$T/in.mp4" "$T/o.mp4"
expect_rc 2 "bad library option value"
expect_err "invalid value 'nope' for option 'fill'" "bad library option value"
run "$SPOTHEAL" -c:v no-such-encoder -i "$T/in.mp4" "$T/o.mp4"
expect_rc 2 "unknown encoder"
expect_err "unknown video encoder 'no-such-encoder'" "unknown encoder"
run "$SPOTHEAL" -pix_fmt nope -i "$T/in.mp4" "$T/o.mp4"
expect_rc 2 "unknown pixel format"
run "$SPOTHEAL" -f no-such-format -i "$T/in.mp4" "$T/o.mp4"
expect_rc 2 "unknown output format"
run "$SPOTHEAL" -i "$T/in.mp4" "$T/o.nosuchext"
expect_rc 2 "unknown output extension"
expect_err "extension" "unknown output extension"
check "no output after usage errors" absent "$T/o.mp4"
check "no temporary file after usage errors" no_temp_left "$T"

# the library's options pass through generically: --fill and --show
run "$SPOTHEAL" -y --fill spatial --show -i "$T/in.mp4" -c:v ffv1 "$T/o.mkv"
rm -f "$T/o.mkv"
expect_rc 0 "--fill spatial --show"
rm -f "$T/o.mkv"
run "$SPOTHEAL" --fill=spatial --lookahead=2 -i "$T/in.mp4" -c:v ffv1 "$T/o.mkv"
expect_rc 0 "--NAME=VALUE forms"
rm -f "$T/o.mkv"
run "$SPOTHEAL" --fill=nope -i "$T/in.mp4" -c:v ffv1 "$T/o2.mkv"
expect_rc 2 "--fill=nope"

# inputs that fail
run "$SPOTHEAL" -i "$T/missing.mp4" "$T/o.mp4"
expect_rc 1 "missing input"
expect_err "missing.mp4': no such file" "missing input"
echo "this is not a video" >"$T/text.mp4"
run "$SPOTHEAL" -i "$T/text.mp4" "$T/o.mp4"
expect_rc 1 "not a video"
expect_err "text.mp4' is not a video" "not a video"
$FF -f lavfi -i sine=d=1 -c:a aac "$T/audio.m4a"
run "$SPOTHEAL" -i "$T/audio.m4a" "$T/o.mp4"
expect_rc 1 "audio only"
expect_err "has no video stream" "audio only"
: >"$T/empty.mkv"
run "$SPOTHEAL" -i "$T/empty.mkv" "$T/o.mp4"
expect_rc 1 "empty file"
expect_err "empty.mkv' is not a video" "empty file"
# truncated: an mp4 whose index is at the end cannot be opened at all ...
head -c 20000 "$T/in.mp4" >"$T/cut.mp4"
run "$SPOTHEAL" -i "$T/cut.mp4" "$T/o.mp4"
expect_rc 1 "truncated mp4 without its index"
expect_err "truncated" "truncated mp4 without its index"
# ... one with the index first is repaired as far as it decodes
$FF -i "$T/in.mp4" -c copy -movflags +faststart "$T/fast.mp4"
size=$(wc -c <"$T/fast.mp4")
head -c $((size * 6 / 10)) "$T/fast.mp4" >"$T/fastcut.mp4"
run "$SPOTHEAL" -i "$T/fastcut.mp4" -c:v ffv1 "$T/o.mkv"
expect_rc 0 "truncated mp4 with its index first"
expect_err "warning: .*truncated" "truncated mp4 with its index first"
n=$(ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of csv=p=0 "$T/o.mkv")
check "truncated input: some frames written ($n)" [ "$n" -gt 5 ]
check "truncated input: fewer frames than the whole ($n < 25)" [ "$n" -lt 25 ]
rm -f "$T/o.mkv"
# damaged in the middle: bytes overwritten, decoded around, never a crash
$FF -f lavfi -i testsrc2=s=160x120:r=25:d=2 -c:v libx264 -preset ultrafast -f matroska "$T/dam.mkv"
cp "$T/dam.mkv" "$T/dam2.mkv"
size=$(wc -c <"$T/dam.mkv")
head -c 3000 /dev/zero | tr "\\000" "\\377" | dd of="$T/dam2.mkv" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
run "$SPOTHEAL" -i "$T/dam2.mkv" -c:v ffv1 "$T/o.mkv"
expect_rc 0 "damaged input repaired as far as it decodes"
expect_err "warning: .*damaged" "damaged input"
rm -f "$T/o.mkv"

# outputs that fail
run "$SPOTHEAL" -i "$T/in.mp4" "$T/no/such/folder/o.mp4"
expect_rc 1 "output folder missing"
expect_err "folder does not exist" "output folder missing"
if [ -w /dev/full ]; then
    run sh -c "'$SPOTHEAL' -i '$T/in.mp4' -f nut - >/dev/full"
    expect_rc 1 "disk full"
    expect_err "disk is full" "disk full"
fi

run sh -c "'$SPOTHEAL' -i '$T/in.mp4' -f mp4 - >'$T/pipe.mp4'"
expect_rc 1 "mp4 to standard output"
expect_err "use -f nut" "mp4 to standard output"

# -y, -n, input == output
cp "$T/in.mp4" "$T/keep.mp4"
echo "old" >"$T/exists.mp4"
run "$SPOTHEAL" -i "$T/in.mp4" "$T/exists.mp4"
expect_rc 3 "existing output, neither -y nor -n, stdin not a terminal"
expect_err "already exists: add -y" "existing output"
check "existing output untouched" grep -qx old "$T/exists.mp4"
run "$SPOTHEAL" -n -i "$T/in.mp4" "$T/exists.mp4"
expect_rc 3 "existing output with -n"
check "existing output untouched with -n" grep -qx old "$T/exists.mp4"
run "$SPOTHEAL" -y -i "$T/in.mp4" "$T/exists.mp4"
expect_rc 0 "existing output with -y"
check "-y replaced the output with a video" ffprobe -v error "$T/exists.mp4"
run "$SPOTHEAL" -y -i "$T/keep.mp4" "$T/keep.mp4"
expect_rc 2 "input as output"
expect_err "both the input and the output" "input as output"
ln -s keep.mp4 "$T/alias.mp4"
run "$SPOTHEAL" -y -i "$T/keep.mp4" "$T/alias.mp4"
expect_rc 2 "input as output under another name"
check "the input is untouched" same_file "$T/in.mp4" "$T/keep.mp4"
# a failure after the output was opened leaves no file: a mask of the wrong size
$FF -f lavfi -i color=black:s=64x64 -frames:v 1 "$T/mask64.png"
run "$SPOTHEAL" --mask "$T/mask64.png" -i "$T/in.mp4" "$T/late.mp4"
expect_rc 1 "mask of the wrong size"
expect_err "mask is 64x64 but the frames are 160x120" "mask of the wrong size"
check "no output after a failure" absent "$T/late.mp4"
check "no temporary file after a failure" no_temp_left "$T"

# Ctrl-C: a never-ending pipe input, SIGINT after a second
mkfifo "$T/fifo"
ffmpeg -nostdin -v quiet -re -f lavfi -i testsrc2=s=160x120:r=25 -f nut -c:v rawvideo - >"$T/fifo" &
ffpid=$!
"$SPOTHEAL" -nostats -i "$T/fifo" -c:v ffv1 "$T/int.mkv" 2>"$T/err" &
pid=$!
sleep 1.5
kill -INT $pid
set +e
wait $pid
rc=$?
set -e
kill $ffpid 2>/dev/null || true
wait $ffpid 2>/dev/null || true
expect_rc 130 "SIGINT"
expect_err "interrupted" "SIGINT"
check "no output after SIGINT" absent "$T/int.mkv"
check "no temporary file after SIGINT" no_temp_left "$T"

finish
