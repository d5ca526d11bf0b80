#!/bin/sh
# Frame hashes: with no filter the pictures come out exactly as they went
# in (8-bit, 10-bit, through pipes); the --mask filter gives the committed
# golden hashes (tests/golden/mask-testsrc2.framemd5).
set -eu
. tests/support/cli-common.sh
GOLDEN=tests/golden/mask-testsrc2.framemd5

# identity chain, 8-bit 4:2:0 H.264 in, lossless FFV1 out
$FF -f lavfi -i testsrc2=s=320x240:r=25:d=1 -f lavfi -i sine=d=1 \
    -c:v libx264 -preset ultrafast -c:a aac -shortest "$T/in.mp4"
run "$SPOTHEAL" --detect none -i "$T/in.mp4" -c:v ffv1 "$T/id.mkv"
expect_rc 0 "identity chain 8-bit"
frame_hashes "$T/in.mp4" "$T/a"
frame_hashes "$T/id.mkv" "$T/b"
check "identity chain 8-bit: 25 frames" [ "$(wc -l <"$T/b")" -eq 25 ]
check "identity chain 8-bit: framemd5 equal to the input's" same_file "$T/a" "$T/b"

# identity chain, 10-bit 4:2:0 HEVC in (as phones write it)
if ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libx265; then
    $FF -f lavfi -i testsrc2=s=320x240:r=25:d=1 -pix_fmt yuv420p10le \
        -c:v libx265 -preset ultrafast -x265-params log-level=error -tag:v hvc1 "$T/in10.mp4"
else
    $FF -f lavfi -i testsrc2=s=320x240:r=25:d=1 -pix_fmt yuv420p10le -c:v ffv1 "$T/in10.mp4"
fi
run "$SPOTHEAL" --detect none -i "$T/in10.mp4" -c:v ffv1 "$T/id10.mkv"
expect_rc 0 "identity chain 10-bit"
check "10-bit: output pix_fmt stays yuv420p10le" [ "$(ffprobe -v error -show_entries stream=pix_fmt -of csv=p=0 "$T/id10.mkv")" = yuv420p10le ]
frame_hashes "$T/in10.mp4" "$T/a"
frame_hashes "$T/id10.mkv" "$T/b"
check "identity chain 10-bit: framemd5 equal to the input's" same_file "$T/a" "$T/b"
run "$SPOTHEAL" --detect none -preset ultrafast -i "$T/in10.mp4" "$T/def10.mp4"
expect_rc 0 "10-bit default encode"
check "10-bit default encode keeps yuv420p10le" [ "$(ffprobe -v error -show_entries stream=pix_fmt -of csv=p=0 "$T/def10.mp4")" = yuv420p10le ]
check "10-bit default encode keeps the codec tag" [ "$(ffprobe -v error -show_entries stream=codec_tag_string -of csv=p=0 "$T/def10.mp4")" = "$(ffprobe -v error -show_entries stream=codec_tag_string -of csv=p=0 "$T/in10.mp4")" ]

# a semi-planar input (nv12) goes through a planar copy and back, exactly
$FF -f lavfi -i testsrc2=s=320x240:r=25:d=1 -pix_fmt nv12 -c:v rawvideo "$T/nv12.nut"
run "$SPOTHEAL" --detect none -i "$T/nv12.nut" -c:v rawvideo "$T/nv12-out.nut"
expect_rc 0 "nv12 identity"
check "nv12 stays nv12" [ "$(ffprobe -v error -show_entries stream=pix_fmt -of csv=p=0 "$T/nv12-out.nut")" = nv12 ]
frame_hashes "$T/nv12.nut" "$T/a"
frame_hashes "$T/nv12-out.nut" "$T/b"
check "nv12 identity: framemd5 equal" same_file "$T/a" "$T/b"

# packed RGB: converted to planar G, B, R for the library and back
$FF -f lavfi -i testsrc2=s=320x240:r=25:d=1 -pix_fmt rgb24 -c:v rawvideo "$T/rgb.nut"
run "$SPOTHEAL" --detect none -i "$T/rgb.nut" -c:v rawvideo "$T/rgb-out.nut"
expect_rc 0 "rgb24 identity"
frame_hashes "$T/rgb.nut" "$T/a"
frame_hashes "$T/rgb-out.nut" "$T/b"
check "rgb24 identity: framemd5 equal" same_file "$T/a" "$T/b"

# packed RGB with alpha (libswscale is not exact there: sample-wise copy)
$FF -f lavfi -i testsrc2=s=160x120:r=25:d=1 -vf "format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='1+mod(X+Y,255)'" -c:v png "$T/rgba.mov"
run "$SPOTHEAL" --detect none -i "$T/rgba.mov" "$T/rgba-out.mov"
expect_rc 0 "rgba identity"
check "rgba: PNG in, PNG rgba out" [ "$(ffprobe -v error -show_entries stream=codec_name,pix_fmt -of csv=p=0 "$T/rgba-out.mov")" = png,rgba ]
frame_hashes "$T/rgba.mov" "$T/a"
frame_hashes "$T/rgba-out.mov" "$T/b"
check "rgba identity: framemd5 equal (alpha too)" same_file "$T/a" "$T/b"

# pipes: y4m in and out
$FF -i "$T/in.mp4" -f yuv4mpegpipe - | "$SPOTHEAL" --detect none -i - -f yuv4mpegpipe - >"$T/pipe.y4m" 2>"$T/err" || true
frame_hashes "$T/in.mp4" "$T/a"
frame_hashes "$T/pipe.y4m" "$T/b"
check "y4m pipe: framemd5 equal" same_file "$T/a" "$T/b"
check "y4m pipe: frame rate kept" [ "$(ffprobe -v error -show_entries stream=r_frame_rate -of csv=p=0 "$T/pipe.y4m")" = 25/1 ]
# nut on a pipe, matroska on a pipe
$FF -i "$T/in.mp4" -c:v rawvideo -c:a pcm_s16le -f nut - | "$SPOTHEAL" --detect none -i - -c:v ffv1 -f nut - >"$T/pipe.nut" 2>"$T/err" || true
frame_hashes "$T/pipe.nut" "$T/b"
check "nut pipe: framemd5 equal" same_file "$T/a" "$T/b"
check "nut pipe: audio kept" [ "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$T/pipe.nut" | tail -1)" = pcm_s16le ]
$FF -i "$T/in.mp4" -c copy -f matroska - | "$SPOTHEAL" --detect none -i - -c:v ffv1 -f matroska - >"$T/pipe.mkv" 2>"$T/err" || true
frame_hashes "$T/pipe.mkv" "$T/b"
check "matroska pipe: framemd5 equal" same_file "$T/a" "$T/b"

# the mask filter against its golden hashes
$FF -f lavfi -i testsrc2=s=320x240:r=25:d=1 -c:v ffv1 "$T/clip.mkv"
$FF -f lavfi -i color=black:s=320x240 -vf "drawbox=x=104:y=118:w=6:h=6:color=white:t=fill,drawbox=x=150:y=68:w=5:h=5:color=white:t=fill,drawbox=x=31:y=200:w=1:h=1:color=white:t=fill" -frames:v 1 "$T/mask.png"
run "$SPOTHEAL" --detect none --mask "$T/mask.png" -i "$T/clip.mkv" -c:v ffv1 "$T/masked.mkv"
expect_rc 0 "--mask"
frame_hashes "$T/masked.mkv" "$T/b"
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$T/b" "$GOLDEN"
    echo "golden written: $GOLDEN"
fi
check "--mask: framemd5 equal to $GOLDEN" same_file "$T/b" "$GOLDEN"
run "$SPOTHEAL" --detect none --mask "$T/mask.png" --report "$T/mask.json" -i "$T/clip.mkv" -c:v ffv1 "$T/masked2.mkv"
expect_rc 0 "--mask --report"
check "--report: 25 frames, 3 mask blobs healed in each" grep -q '"summary": {"frames": 25, "defects": 75' "$T/mask.json"
check "--report: the 6x6 blob at 104,118" grep -q '"kind": "mask", "track": -1, "x": 104, "y": 118, "w": 6, "h": 6' "$T/mask.json"
frame_hashes "$T/masked2.mkv" "$T/c"
check "--report does not change the pictures" same_file "$T/b" "$T/c"
frame_hashes "$T/clip.mkv" "$T/a"
check "--mask changed every frame" [ "$(paste -d' ' "$T/a" "$T/b" | awk '{ split($0, f, " "); if ($1 == $2) n++ } END { print n + 0 }')" -eq 0 ]

# the fill on several threads heals exactly as on one (the bundled spotty
# clip, detection on: tracked spots, gain fills, bad pixels)
run "$SPOTHEAL" -threads 1 -i samples/spotty-phone-720p.mp4 -c:v rawvideo -f nut "$T/t1.nut"
expect_rc 0 "spotty clip, -threads 1"
run "$SPOTHEAL" -threads 3 -i samples/spotty-phone-720p.mp4 -c:v rawvideo -f nut "$T/t3.nut"
expect_rc 0 "spotty clip, -threads 3"
frame_hashes "$T/t1.nut" "$T/a"
frame_hashes "$T/t3.nut" "$T/b"
check "-threads 3: framemd5 equal to -threads 1's" same_file "$T/a" "$T/b"
check "-threads 1 and 3: 41 frames each" [ "$(cat "$T/a" "$T/b" | wc -l)" -eq 82 ]

finish
