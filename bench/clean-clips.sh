#!/bin/sh
# Clean clips that hold small things which are not defects, for counting
# false detections: made from one frame of samples/phone-2s.mp4, enlarged
# to twice the size and seen through a handheld camera (a crop that sways
# and pans over it, up to 8 px a frame), so that everything in them moves
# with the scene:
#   night.mp4  the frame darkened to a night scene with 600 small lights
#              (0.5-3 px, of every brightness) scattered over it
#   text.mp4   signs and small print on the scene (full stops, colons,
#              the dots of i and j), and a burnt-in date and frame counter
#              that stays where it is on the frame while the scene moves
# Usage: sh bench/clean-clips.sh FOLDER [WIDTHxHEIGHT] [FRAMES]
# (default 1920x1080, 41 frames). Needs ffmpeg with drawtext and a DejaVu
# font (Debian: fonts-dejavu-core).
set -eu
out=${1:?usage: sh bench/clean-clips.sh FOLDER [WIDTHxHEIGHT] [FRAMES]}
size=${2:-1920x1080}
frames=${3:-41}
W=${size%x*}
H=${size#*x}
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
FF="ffmpeg -nostdin -hide_banner -v error -y"
mkdir -p "$out"
[ -f "$FONT" ] || { echo "clean-clips: $FONT is missing (Debian: apt-get install fonts-dejavu-core)" >&2; exit 1; }

$FF -i samples/phone-2s.mp4 -vf "select=eq(n\,20),scale=$((2 * W)):$((2 * H)):flags=lanczos" \
    -frames:v 1 "$out/big.png"
# the camera: a sway (x up to 18 px, y up to 10 px) over a slow pan
cam="crop=$W:$H:x='$((W / 2))+18*sin(n/5)+4*n':y='$((H / 2))+10*sin(n/7)'"
enc="-frames:v $frames -c:v libx264 -preset fast -crf 17 -pix_fmt yuv420p"

# night: a dark scene, lights as bright samples softened to 1 px, or grown
# to 3-5 px (the size of a blotch)
$FF -i "$out/big.png" -filter_complex "[0:v]format=yuv420p,split=3[a][b][c];
    [a]lutyuv=y='val*0.22+4':u='128+(val-128)*0.5':v='128+(val-128)*0.5'[bg];
    [b]format=gray,geq=lum='if(gt(random(1)\,0.99995)\,90+165*random(2)\,0)',
       gblur=sigma=0.5[small];
    [c]format=gray,geq=lum='if(gt(random(3)\,0.99997)\,90+165*random(4)\,0)',
       dilation,dilation,gblur=sigma=0.8[large];
    [small][large]blend=all_mode=lighten,format=yuv420p[li];
    [bg][li]blend=c0_mode=lighten:c1_mode=normal:c1_opacity=0:c2_mode=normal:c2_opacity=0" \
    -frames:v 1 "$out/night.png"
$FF -loop 1 -i "$out/night.png" -vf "$cam" $enc "$out/night.mp4"

# text: signs on the scene, and a date and frame counter burnt in
printf 'OPEN 24 H. - Tel. 555-0142 - www.example.org\nFree Wi-Fi: ask inside.' >"$out/t1.txt"
printf 'Lorem ipsum dolor sit amet; consectetur: adipiscing elit,\nsed do eiusmod tempor. i.j.k:l;m,n.o' >"$out/t2.txt"
$FF -i "$out/big.png" -vf "format=yuv420p,
    drawtext=fontfile=$FONT:fontsize=$((H / 49)):fontcolor=white:box=1:boxcolor=black@0.6:x=$((W * 15 / 32)):y=$((H * 35 / 54)):textfile=$out/t1.txt,
    drawtext=fontfile=$FONT:fontsize=$((H / 68)):fontcolor=black:x=$((W * 25 / 32)):y=$((H * 55 / 54)):textfile=$out/t2.txt,
    drawtext=fontfile=$FONT:fontsize=$((H / 36)):fontcolor=yellow:x=$((W * 5 / 8)):y=$((H * 35 / 27)):textfile=$out/t2.txt" \
    -frames:v 1 "$out/text.png"
$FF -loop 1 -i "$out/text.png" \
    -vf "$cam,drawtext=fontfile=$FONT:fontsize=$((H / 60)):fontcolor=white:x=$((W / 48)):y=$((H * 26 / 27)):text='2026-12-01 %{eif\:n\:d}'" \
    $enc "$out/text.mp4"
rm -f "$out/big.png" "$out/night.png" "$out/text.png" "$out/t1.txt" "$out/t2.txt"
