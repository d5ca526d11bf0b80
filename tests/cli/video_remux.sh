#!/bin/sh
# What goes around the repaired video: audio, subtitles and attachments
# copied bit for bit, video timestamps unchanged (a real variable frame
# rate phone clip and a synthetic one), metadata, rotation and colour tags
# carried, progress lines, analyze mode.
set -eu
. tests/support/cli-common.sh
PHONE=samples/phone-2s.mp4

pts_of() { # FILE OUT: the video packets' pts, in presentation order
    ffprobe -v error -select_streams v:0 -show_entries packet=pts -of csv=p=0 "$1" | sort -n >"$2"
}
audio_of() { # FILE OUT: per-packet hashes of the first audio stream
    $FF -i "$1" -map 0:a:0 -c copy -f framemd5 - | grep -v '^#' | cut -d, -f4- >"$2"
}
probe() { # FILE ENTRIES [STREAM]
    ffprobe -v error ${3:+-select_streams "$3"} -show_entries "$2" -of default=nw=1:nk=1 "$1" | head -1
}

# the phone clip, default settings (but a fast preset)
run "$SPOTHEAL" -preset ultrafast -progress "$T/progress.txt" -i "$PHONE" "$T/phone.mp4"
expect_rc 0 "phone clip"
check "phone clip: still H.264 yuv420p" [ "$(probe "$T/phone.mp4" stream=codec_name,pix_fmt v:0 | tr '\n' ' ')" = "h264 " ]
check "phone clip: pix_fmt yuv420p" [ "$(ffprobe -v error -select_streams v:0 -show_entries stream=pix_fmt -of csv=p=0 "$T/phone.mp4")" = yuv420p ]
audio_of "$PHONE" "$T/a1"
audio_of "$T/phone.mp4" "$T/a2"
check "phone clip: $(wc -l <"$T/a1") audio packets bit-identical" same_file "$T/a1" "$T/a2"
pts_of "$PHONE" "$T/p1"
pts_of "$T/phone.mp4" "$T/p2"
check "phone clip: $(wc -l <"$T/p1") video pts unchanged (variable frame rate)" same_file "$T/p1" "$T/p2"
check "phone clip: the pts are not evenly spaced" [ "$(awk 'NR > 1 { d[$1 - p] = 1 } { p = $1 } END { print length(d) }' "$T/p1")" -gt 1 ]
check "phone clip: creation_time kept" [ "$(probe "$T/phone.mp4" format_tags=creation_time)" = 2019-12-20T20:08:34.000000Z ]
check "phone clip: location kept" [ "$(probe "$T/phone.mp4" format_tags=location)" = "$(probe "$PHONE" format_tags=location)" ]
check "phone clip: audio language kept" [ "$(probe "$T/phone.mp4" stream_tags=language a:0)" = eng ]
for c in color_range color_space color_transfer color_primaries; do
    check "phone clip: $c kept" [ "$(probe "$T/phone.mp4" stream=$c v:0)" = "$(probe "$PHONE" stream=$c v:0)" ]
done
check "progress: ends with progress=end" [ "$(tail -1 "$T/progress.txt")" = progress=end ]
check "progress: frame=41 at the end" grep -qx "frame=41" "$T/progress.txt"

# a synthetic variable frame rate clip with a subtitle stream, into mkv
cat >"$T/subs.srt" <<'SRT'
1
00:00:00,100 --> 00:00:00,900
first line

2
00:00:01,000 --> 00:00:01,800
second line
SRT
echo "not really a font" >"$T/font.ttf"
$FF -f lavfi -i testsrc2=s=160x120:r=30:d=2 -f lavfi -i sine=d=2 -i "$T/subs.srt" \
    -vf "settb=1/1000,setpts='N*40+mod(N*N,7)*4'" -fps_mode passthrough \
    -map 0:v -map 1:a -map 2:s -c:v libx264 -preset ultrafast -c:a flac -c:s srt \
    -metadata:s:a:0 language=fra -metadata:s:s:0 language=deu -disposition:s:0 forced \
    -metadata title="vfr test" -attach "$T/font.ttf" \
    -metadata:s:t mimetype=application/x-truetype-font "$T/vfr.mkv"
run "$SPOTHEAL" --detect none -i "$T/vfr.mkv" -c:v ffv1 "$T/vfr-out.mkv"
expect_rc 0 "vfr mkv with subtitles"
pts_of "$T/vfr.mkv" "$T/p1"
pts_of "$T/vfr-out.mkv" "$T/p2"
check "vfr: $(wc -l <"$T/p1") video pts unchanged" same_file "$T/p1" "$T/p2"
audio_of "$T/vfr.mkv" "$T/a1"
audio_of "$T/vfr-out.mkv" "$T/a2"
check "vfr: flac packets bit-identical" same_file "$T/a1" "$T/a2"
$FF -i "$T/vfr.mkv" -map 0:s -c copy -f framemd5 - | grep -v '^#' >"$T/s1"
$FF -i "$T/vfr-out.mkv" -map 0:s -c copy -f framemd5 - | grep -v '^#' >"$T/s2"
check "vfr: subtitle packets bit-identical" same_file "$T/s1" "$T/s2"
check "vfr: subtitle language kept" [ "$(probe "$T/vfr-out.mkv" stream_tags=language s:0)" = deu ]
check "vfr: subtitle disposition kept" [ "$(probe "$T/vfr-out.mkv" stream_disposition=forced s:0)" = 1 ]
check "vfr: title kept" [ "$(probe "$T/vfr-out.mkv" format_tags=title)" = "vfr test" ]
(cd "$T" && $FF -dump_attachment:t:0 att-out.ttf -i vfr-out.mkv -f null - 2>/dev/null) || true
check "vfr: attachment copied" same_file "$T/font.ttf" "$T/att-out.ttf"
frame_hashes "$T/vfr.mkv" "$T/h1"
frame_hashes "$T/vfr-out.mkv" "$T/h2"
check "vfr: frames unchanged, none dropped or duplicated" same_file "$T/h1" "$T/h2"

# mp4 with a mov_text subtitle and a rotation (display matrix)
$FF -f lavfi -i testsrc2=s=160x120:r=25:d=1 -f lavfi -i sine=d=1 -i "$T/subs.srt" \
    -map 0:v -map 1:a -map 2:s -c:v libx264 -preset ultrafast -c:a aac -c:s mov_text \
    -movflags +faststart -shortest "$T/rot.mp4"
# turn the picture by 90 degrees: the video track's header matrix (tkhd,
# version 0: the matrix is 44 bytes after the tag; faststart puts the
# video track's header first)
off=$(grep -obUa tkhd "$T/rot.mp4" | head -1 | cut -d: -f1)
printf '\000\000\000\000\000\001\000\000\000\000\000\000\377\377\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\100\000\000\000' |
    dd of="$T/rot.mp4" bs=1 seek=$((off + 44)) conv=notrunc 2>/dev/null
run "$SPOTHEAL" -preset ultrafast -i "$T/rot.mp4" "$T/rot-out.mp4"
expect_rc 0 "rotated mp4 with mov_text"
r1=$(probe "$T/rot.mp4" stream_side_data=rotation v:0)
check "rotation kept ($r1)" [ "$(probe "$T/rot-out.mp4" stream_side_data=rotation v:0)" = "$r1" ]
check "rotation present in the input" [ -n "$r1" ]
$FF -i "$T/rot.mp4" -map 0:s -c copy -f framemd5 - | grep -v '^#' >"$T/s1"
$FF -i "$T/rot-out.mp4" -map 0:s -c copy -f framemd5 - | grep -v '^#' >"$T/s2"
check "mov_text packets bit-identical" same_file "$T/s1" "$T/s2"
check "mov_text kept 2 packets" [ "$(grep -c . "$T/s2")" -ge 2 ]

# a transport stream (arbitrary clock origin) starts at 0, sync kept
$FF -f lavfi -i testsrc2=s=160x120:r=25:d=1 -f lavfi -i sine=d=1 -c:v mpeg2video -c:a mp2 "$T/t.ts"
run "$SPOTHEAL" -i "$T/t.ts" -c:v ffv1 "$T/t.mkv"
expect_rc 0 "mpeg-ts input"
gap() { # FILE: video start minus audio start, in ms
    v=$(probe "$1" stream=start_time v:0)
    a=$(probe "$1" stream=start_time a:0)
    echo "$v $a" | awk '{ printf "%d", ($1 - $2) * 1000 + ($1 > $2 ? 0.5 : -0.5) }'
}
check "mpeg-ts: the video starts near 0 ($(probe "$T/t.mkv" stream=start_time v:0) s)" \
    awk "BEGIN { exit !($(probe "$T/t.mkv" stream=start_time v:0) < 0.1) }"
check "mpeg-ts: audio/video offset kept ($(gap "$T/t.ts") ms)" [ "$(gap "$T/t.ts")" = "$(gap "$T/t.mkv")" ]

# analyze: a report, no video
run "$SPOTHEAL" analyze -i "$PHONE" --report "$T/report.json"
expect_rc 0 "analyze"
check "analyze: report lists 41 frames" grep -q '"frames": 41' "$T/report.json"
check "analyze: no video written" [ "$(find "$T" -newer "$T/report.json" -name '*.mp4' | wc -l)" -eq 0 ]
run "$SPOTHEAL" analyze -i "$PHONE" --report "$T/report.json"
expect_rc 3 "analyze: an existing report without -y"
run "$SPOTHEAL" analyze -y -i "$PHONE" --report "$T/report.json"
expect_rc 0 "analyze: an existing report with -y"
run "$SPOTHEAL" analyze -i "$PHONE" "$T/x.mp4"
expect_rc 2 "analyze with an output"

finish
