#!/bin/sh
# Camera profiles end to end: a profile made from 2 seconds of lens-capped
# H.264 video (dark noise with 90 hot pixels painted in, strong, medium and
# faint, some coloured in one chroma channel) heals the same hot pixels on
# real footage with --profile, touching nothing away from them; the
# library picks the right profile among several and says why; analyze
# --save-profile writes a profile; bad profiles and masks are refused with
# a message and exit 1.
set -eu
. tests/support/cli-common.sh

HOTPIX=${O:-build}/tests/tools/hotpix
S=1280x720

"$HOTPIX" make -s $S -n 90 -r 11 >"$T/hot.txt"
# the dark clip: black level, temporal noise, the hot pixels, H.264
$FF -f lavfi -i "color=c=0x121212:s=$S:r=30:d=2,format=yuv420p,noise=alls=6:allf=t" \
    -f rawvideo - | "$HOTPIX" paint -s $S -l "$T/hot.txt" |
    $FF -f rawvideo -pix_fmt yuv420p -s $S -r 30 -i - -c:v libx264 -crf 18 \
        -preset veryfast -pix_fmt yuv420p -movflags use_metadata_tags \
        -metadata make=Acme -metadata model=P1 "$T/dark.mp4"
# the footage: the phone clip with the same hot pixels, lossless
$FF -i samples/phone-2s.mp4 -vf scale=$S -frames:v 20 -f rawvideo -pix_fmt yuv420p "$T/clean.yuv"
"$HOTPIX" paint -s $S -l "$T/hot.txt" <"$T/clean.yuv" >"$T/deg.yuv"
$FF -f rawvideo -pix_fmt yuv420p -s $S -r 30 -i "$T/deg.yuv" -c:v ffv1 \
    -movflags use_metadata_tags -metadata make=Acme -metadata model=P1 "$T/deg.mkv"

run "$SPOTHEAL" profile create -i "$T/dark.mp4" -o "$T/acme.png"
expect_rc 0 "profile create from 2 s of dark video"
expect_err "from 60 dark frames" "profile create counts the frames"
expect_err "plane 0: spread .* not stored" "no fixed pattern stored from pattern-free dark frames"
run "$SPOTHEAL" profile create -i "$T/dark.mp4" -o "$T/acme.png"
expect_rc 3 "profile create over an existing profile without -y"

run "$SPOTHEAL" --profile "$T/acme.png" --detect none -i "$T/deg.mkv" -c:v ffv1 "$T/rep.mkv"
expect_rc 0 "--profile --detect none"
$FF -i "$T/rep.mkv" -f rawvideo -pix_fmt yuv420p "$T/rep.yuv"
score=$("$HOTPIX" score -s $S -l "$T/hot.txt" "$T/clean.yuv" "$T/deg.yuv" "$T/rep.yuv")
echo "# $score"
recall=$(echo "$score" | sed 's/.* recall=\([0-9.]*\).*/\1/')
outside=$(echo "$score" | sed 's/.*changed_outside=\([0-9]*\).*/\1/')
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
check "hot pixels healed by the profile (recall $recall)" above "$recall" 0.98
check "nothing changed away from the hot pixels ($outside samples)" [ "$outside" -eq 0 ]

# the fixed pattern: none in this profile, so nothing changes whatever
# --profile-pattern says
run "$SPOTHEAL" --profile "$T/acme.png" --profile-pattern on --detect none -i "$T/deg.mkv" -c:v ffv1 "$T/rep-on.mkv"
expect_rc 0 "--profile-pattern on with a profile without a pattern"
frame_hashes "$T/rep-on.mkv" "$T/h5"
frame_hashes "$T/rep.mkv" "$T/h6"
check "a profile without a pattern: --profile-pattern on changes nothing more" same_file "$T/h5" "$T/h6"

# a dark clip and footage with the same synthetic fixed pattern (sd 2 per
# pixel, 1 per column): subtracting it brings the footage nearer the clean
S2=640x360
"$HOTPIX" make -s $S2 -n 30 -r 7 >"$T/hot2.txt"
$FF -f lavfi -i "color=c=0x121212:s=$S2:r=30:d=1,format=yuv420p,noise=alls=6:allf=t" \
    -f rawvideo - | "$HOTPIX" fpn -s $S2 -r 5 | "$HOTPIX" paint -s $S2 -l "$T/hot2.txt" |
    $FF -f rawvideo -pix_fmt yuv420p -s $S2 -r 30 -i - -c:v libx264 -crf 18 \
        -preset veryfast -pix_fmt yuv420p "$T/darkp.mp4"
$FF -i samples/phone-2s.mp4 -vf scale=$S2 -frames:v 8 -f rawvideo -pix_fmt yuv420p "$T/clean2.yuv"
"$HOTPIX" fpn -s $S2 -r 5 <"$T/clean2.yuv" | "$HOTPIX" paint -s $S2 -l "$T/hot2.txt" >"$T/degp.yuv"
$FF -f rawvideo -pix_fmt yuv420p -s $S2 -r 30 -i "$T/degp.yuv" -c:v ffv1 "$T/degp.mkv"
run "$SPOTHEAL" profile create -i "$T/darkp.mp4" -o "$T/fpn.png"
expect_rc 0 "profile create from dark frames with a fixed pattern"
expect_err "plane 0: spread .* stored" "the fixed pattern is stored"
for pp in off auto; do
    run "$SPOTHEAL" --profile "$T/fpn.png" --profile-pattern $pp --detect none -i "$T/degp.mkv" -c:v ffv1 "$T/repp-$pp.mkv"
    expect_rc 0 "--profile-pattern $pp"
    $FF -i "$T/repp-$pp.mkv" -f rawvideo -pix_fmt yuv420p "$T/repp-$pp.yuv"
done
p_deg=$("$HOTPIX" psnr -s $S2 "$T/clean2.yuv" "$T/degp.yuv" | sed 's/psnr_y=\([0-9.]*\).*/\1/')
p_off=$("$HOTPIX" psnr -s $S2 "$T/clean2.yuv" "$T/repp-off.yuv" | sed 's/psnr_y=\([0-9.]*\).*/\1/')
p_auto=$("$HOTPIX" psnr -s $S2 "$T/clean2.yuv" "$T/repp-auto.yuv" | sed 's/psnr_y=\([0-9.]*\).*/\1/')
echo "# luma PSNR: degraded $p_deg dB, pattern off $p_off dB, subtracted $p_auto dB"
check "the subtraction gains 4 dB or more ($p_off -> $p_auto dB)" \
    awk -v a="$p_auto" -v b="$p_off" 'BEGIN { exit !(a >= b + 4) }'
# JPEG stills kept block by block: auto leaves the pattern, on subtracts it
mkdir -p "$T/pstills"
$FF -f rawvideo -pix_fmt yuv420p -s $S2 -i "$T/degp.yuv" -frames:v 2 -q:v 2 "$T/pstills/p%02d.jpg"
run "$SPOTHEAL" -v verbose --profile "$T/fpn.png" --detect none -i "$T/pstills" "$T/pst-auto/"
expect_rc 0 "--profile-pattern auto on JPEG stills"
expect_err "not subtracted (JPEG output kept block by block" "auto leaves JPEG blocks alone"
run "$SPOTHEAL" -v verbose --profile "$T/fpn.png" --profile-pattern on --detect none -i "$T/pstills" "$T/pst-on/"
expect_rc 0 "--profile-pattern on on JPEG stills"
expect_err "its fixed pattern is subtracted" "on subtracts it on JPEG too"
run "$SPOTHEAL" --profile-pattern sometimes -i "$T/degp.mkv" "$T/x.mkv"
expect_rc 2 "--profile-pattern takes auto, on or off"
# a profile whose pattern chunk was lost is refused, unless the pattern is off
python3 -c 'import struct, sys
d = open(sys.argv[1], "rb").read(); o = d[:8]; i = 8
while i < len(d):
    n = struct.unpack(">I", d[i:i + 4])[0]
    if d[i + 4:i + 8] != b"spFp": o += d[i:i + 12 + n]
    i += 12 + n
open(sys.argv[2], "wb").write(o)' "$T/fpn.png" "$T/fpn-lost.png"
run "$SPOTHEAL" --profile "$T/fpn-lost.png" --detect none -i "$T/degp.mkv" "$T/x.mkv"
expect_rc 1 "a profile that lost its pattern chunk"
expect_err "fpn-lost.png' says it holds a fixed pattern" "the file and the fix are named"
check "no output after a refused pattern" absent "$T/x.mkv"
run "$SPOTHEAL" --profile "$T/fpn-lost.png" --profile-pattern off --detect none -i "$T/degp.mkv" -c:v ffv1 "$T/lost-off.mkv"
expect_rc 0 "--profile-pattern off reads it without the pattern"
frame_hashes "$T/lost-off.mkv" "$T/h7"
frame_hashes "$T/repp-off.mkv" "$T/h8"
check "the same repair as the full profile with the pattern off" same_file "$T/h7" "$T/h8"

# with detection as well, and a mask on top: still runs
$FF -f lavfi -i "color=black:s=$S,format=gray,drawbox=x=100:y=100:w=3:h=3:c=white:t=fill" -frames:v 1 "$T/mask.png"
run "$SPOTHEAL" --profile "$T/acme.png" --mask "$T/mask.png" -i "$T/deg.mkv" -c:v ffv1 "$T/both.mkv"
expect_rc 0 "--profile with --mask and detection"

# the library: three profiles, the one of this camera and size is chosen
mkdir -p "$T/lib"
cp "$T/acme.png" "$T/lib/acme-p1.png"
run "$SPOTHEAL" profile create -i "$T/dark.mp4" --make Other --model X -o "$T/lib/other.png"
expect_rc 0 "profile create with --make/--model"
$FF -f lavfi -i "color=c=0x121212:s=320x240:r=30:d=0.2" -c:v libx264 -pix_fmt yuv420p "$T/small.mp4"
run "$SPOTHEAL" profile create -i "$T/small.mp4" --make Acme --model P1 -o "$T/lib/acme-small.png"
expect_rc 0 "profile create of another size (a few frames: warned)"
expect_err "only 6 dark frames" "few frames warned"
run "$SPOTHEAL" profile list --profile-dir "$T/lib"
expect_rc 0 "profile list"
check "profile list shows the three" [ "$(grep -c png "$T/out")" -eq 3 ]
check "profile list shows the facts" grep -q "acme-p1.png	1280x720	make=Acme	model=P1" "$T/out"
check "profile list shows the counts" grep -q "acme-p1.png	.*	hot=[1-9][0-9]*	stuck=0	dead=0" "$T/out"
run "$SPOTHEAL" --profile-dir "$T/lib" --detect none -i "$T/deg.mkv" -c:v ffv1 "$T/lib.mkv"
expect_rc 0 "--profile-dir"
expect_err "acme-p1.png' chosen" "the profile of this camera and size is chosen"
expect_err "same camera Acme P1" "the choice says why"
frame_hashes "$T/lib.mkv" "$T/h1"
frame_hashes "$T/rep.mkv" "$T/h2"
check "the chosen profile repairs as --profile does" same_file "$T/h1" "$T/h2"

# dark stills with EXIF: the facts are read, the library chooses by them
mkdir -p "$T/stills" "$T/lib2"
$FF -f lavfi -i "color=c=0x121212:s=320x240:r=10:d=1,format=yuv420p,noise=alls=6:allf=t" -q:v 2 "$T/stills/raw%02d.jpg"
for f in "$T"/stills/raw*.jpg; do
    python3 tests/tools/exif_insert.py "$f" "${f%/raw*}/dark-${f##*/raw}" Acme P1 1600 1 60 315
    rm "$f"
done
run "$SPOTHEAL" profile create -i "$T/stills" -o "$T/lib2/iso1600.png"
expect_rc 0 "profile create from JPEG stills"
run "$SPOTHEAL" profile create -i "$T/stills" --iso 100 --temperature 20 -o "$T/lib2/iso100.png"
expect_rc 0 "profile create with --iso and --temperature"
run "$SPOTHEAL" profile list --profile-dir "$T/lib2"
check "EXIF facts read: make, model, ISO, exposure, temperature, date" grep -q \
    "iso1600.png	320x240	make=Acme	model=P1	iso=1600	exposure=0.0166667	temperature=31.5	date=2026:12:01 10:00:00" "$T/out"
check "given facts override EXIF" grep -q "iso100.png	320x240	make=Acme	model=P1	iso=100	exposure=0.0166667	temperature=20" "$T/out"
run "$SPOTHEAL" --profile-dir "$T/lib2" --detect none -i "$T/stills" "$T/healed-stills/"
expect_rc 0 "--profile-dir on stills"
expect_err "iso1600.png' chosen" "the nearest ISO and temperature are chosen"
expect_err "ISO 1600 (clip 1600)" "the choice names the ISO"

# the default library (XDG_DATA_HOME) and profile create -o NAME into it
run "$SPOTHEAL" profile create -i "$T/dark.mp4" -o acme
expect_rc 0 "profile create -o NAME: into the library"
check "saved in \$XDG_DATA_HOME/spotheal/profiles" [ -f "$T/xdg/spotheal/profiles/acme.png" ]
run "$SPOTHEAL" --detect none -i "$T/deg.mkv" -c:v ffv1 "$T/default.mkv"
expect_rc 0 "the default library"
expect_err "acme.png' chosen" "the default library serves a clip naming its camera"
run "$SPOTHEAL" --profile none --detect none -i "$T/deg.mkv" -c:v ffv1 "$T/none.mkv"
expect_rc 0 "--profile none"
frame_hashes "$T/none.mkv" "$T/h3"
frame_hashes "$T/deg.mkv" "$T/h4"
check "--profile none --detect none changes nothing" same_file "$T/h3" "$T/h4"

# analyze --save-profile: what detection confirmed, as a profile
run "$SPOTHEAL" analyze --profile "$T/acme.png" -i "$T/deg.mkv" --save-profile "$T/learned.png"
expect_rc 0 "analyze --save-profile"
run "$SPOTHEAL" --profile "$T/learned.png" --detect none -i "$T/deg.mkv" -c:v ffv1 "$T/learned.mkv"
expect_rc 0 "a saved profile is a profile"
mkdir -p "$T/lib3"
run "$SPOTHEAL" analyze -i "$T/deg.mkv" --save-profile "$T/lib3/detected.png"
expect_rc 0 "analyze --save-profile from detection alone"
run "$SPOTHEAL" profile list --profile-dir "$T/lib3"
check "the learned profile has the clip's camera and the hot pixels detection confirmed" \
    grep -q "detected.png	1280x720	make=Acme	model=P1	.*	hot=[1-9][0-9]	stuck=0" "$T/out"
run "$SPOTHEAL" analyze -i "$T/deg.mkv" --save-profile "$T/nofolder/x.png"
expect_rc 1 "--save-profile into a missing folder"
expect_err "does not exist" "the missing folder is named before the analysis"

# refusals
head -c 300 "$T/acme.png" >"$T/corrupt.png"
run "$SPOTHEAL" --profile "$T/corrupt.png" -i "$T/deg.mkv" "$T/x.mkv"
expect_rc 1 "a corrupt PNG as profile"
expect_err "corrupt.png" "the corrupt profile is named"
check "no output after a refused profile" absent "$T/x.mkv"
run "$SPOTHEAL" --profile "$T/mask.png" -i "$T/deg.mkv" "$T/x.mkv"
expect_rc 1 "a PNG that is not a profile"
expect_err "is not a spotheal profile" "a foreign PNG is told apart"
run "$SPOTHEAL" --profile "$T/lib/acme-small.png" -i "$T/deg.mkv" "$T/x.mkv"
expect_rc 1 "a profile of another resolution"
expect_err "is 320x240 but .* is 1280x720" "both resolutions named"
run "$SPOTHEAL" --profile "$T/nothere.png" -i "$T/deg.mkv" "$T/x.mkv"
expect_rc 1 "a missing profile"
expect_err "nothere.png" "the missing profile is named"
run "$SPOTHEAL" --mask "$T/corrupt.png" -i "$T/deg.mkv" "$T/x.mkv"
expect_rc 1 "a corrupt PNG as mask"
printf 'not a picture' >"$T/foreign.png"
run "$SPOTHEAL" --mask "$T/foreign.png" -i "$T/deg.mkv" "$T/x.mkv"
expect_rc 1 "a foreign file as mask"
expect_err "foreign.png" "the foreign mask is named"
run "$SPOTHEAL" --mask "$T/nothere.png" -i "$T/deg.mkv" "$T/x.mkv"
expect_rc 1 "a missing mask"
run "$SPOTHEAL" profile create -o "$T/y.png"
expect_rc 2 "profile create without input"
run "$SPOTHEAL" profile create -i "$T/dark.mp4"
expect_rc 2 "profile create without -o"
run "$SPOTHEAL" profile frobnicate
expect_rc 2 "an unknown profile subcommand"
run "$SPOTHEAL" profile create -i "$T/nothere.mp4" -o "$T/y.png"
expect_rc 1 "profile create from a missing input"
check "no profile after a failure" absent "$T/y.png"

finish
