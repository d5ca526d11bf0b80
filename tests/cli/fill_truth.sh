#!/bin/sh
# End-to-end ground truth of the fill: a detailed picture panning under a
# dead 6x6 block of the sensor (painted black at a fixed place in every
# frame), repaired with a mask of the block; the repair is compared with
# the clip before painting, inside the block (PSNR), and nothing outside
# the mask may change. The temporal fill must recover the hidden texture
# far better than any spatial fill can.
set -eu
. tests/support/cli-common.sh

# a fine texture, panned 2 px right and 1 px down per frame
$FF -f lavfi -i "nullsrc=s=400x300,format=rgb24,geq=r='128+90*sin(X/5)*sin(Y/7)+random(1)*60-30':g='120+random(2)*100-50':b='100+70*sin((X+Y)/6)',gblur=sigma=1" \
    -filter_threads 1 -frames:v 1 "$T/tex.png"
$FF -loop 1 -i "$T/tex.png" -vf "crop=320:240:x='2*n':y='n',format=yuv420p" -frames:v 20 \
    -r 25 -c:v ffv1 "$T/clean.mkv"
$FF -i "$T/clean.mkv" -vf "drawbox=x=150:y=100:w=6:h=6:color=black:t=fill" -c:v ffv1 "$T/painted.mkv"
$FF -f lavfi -i color=black:s=320x240 -vf "drawbox=x=149:y=99:w=8:h=8:color=white:t=fill" \
    -frames:v 1 "$T/mask.png"

# PSNR of A against B inside the 8x8 box around the block (luma and chroma)
box_psnr() {
    ffmpeg -nostdin -hide_banner -v info -i "$1" -i "$2" -lavfi \
        "[0]crop=8:8:148:98[a];[1]crop=8:8:148:98[b];[a][b]psnr" -f null - 2>&1 |
        sed -n 's/.*PSNR .* average:\([0-9.inf]*\).*/\1/p' | tail -1
}
# frame hashes with the mask's box blacked out: what lies outside it
outside() {
    ffmpeg -nostdin -hide_banner -v error -i "$1" -vf "drawbox=x=148:y=98:w=10:h=10:color=black:t=fill" \
        -f framemd5 - | grep -v '^#'
}

for m in auto temporal spatial; do
    run "$SPOTHEAL" --detect none --mask "$T/mask.png" --fill $m -i "$T/painted.mkv" -c:v ffv1 "$T/$m.mkv"
    expect_rc 0 "--fill $m"
done
p0=$(box_psnr "$T/painted.mkv" "$T/clean.mkv")
pa=$(box_psnr "$T/auto.mkv" "$T/clean.mkv")
pt=$(box_psnr "$T/temporal.mkv" "$T/clean.mkv")
ps=$(box_psnr "$T/spatial.mkv" "$T/clean.mkv")
echo "# PSNR in the block: painted $p0, auto $pa, temporal $pt, spatial $ps"
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a == "inf" || a + 0 >= b + 0) }'; }
check "painted block is far off ($p0 dB < 15)" awk -v a="$p0" 'BEGIN { exit !(a + 0 < 15) }'
check "auto recovers the texture ($pa dB >= 35)" ge "$pa" 35
check "temporal recovers the texture ($pt dB >= 35)" ge "$pt" 35
check "temporal beats spatial by 8 dB ($pt against $ps)" ge "$pt" "$(awk -v b="$ps" 'BEGIN { print b + 8 }')"
outside "$T/painted.mkv" >"$T/o0"
for m in auto temporal spatial; do
    outside "$T/$m.mkv" >"$T/o1"
    check "--fill $m: nothing outside the mask changed" same_file "$T/o0" "$T/o1"
done
finish
