#!/bin/sh
# Missing pixels end to end: an RGBA PNG whose every 7th row and a few
# scattered pixels are transparent (and black underneath) comes out healed
# close to the original and opaque, or with its alpha kept under
# --keep-alpha 1; the same holes painted magenta are healed under
# --missing-color; a bad colour is refused.
set -eu
. tests/support/cli-common.sh

$FF -f lavfi -i "testsrc2=s=160x120,gblur=sigma=4" -frames:v 1 -pix_fmt rgb24 "$T/orig.png"
HOLE='eq(mod(Y,7),3)+eq(mod(X*13+Y*7,61),0)'
$FF -i "$T/orig.png" -vf "format=rgba,geq=r='if($HOLE,0,r(X,Y))':g='if($HOLE,0,g(X,Y))':b='if($HOLE,0,b(X,Y))':a='if($HOLE,0,255)'" \
    -pix_fmt rgba "$T/holes.png"
$FF -i "$T/orig.png" -vf "geq=r='if($HOLE,255,r(X,Y))':g='if($HOLE,0,g(X,Y))':b='if($HOLE,255,b(X,Y))'" \
    -pix_fmt rgb24 "$T/magenta.png"

psnr() { # FILE: PSNR of its colour against the original, whole picture
    ffmpeg -nostdin -hide_banner -v info -i "$1" -i "$T/orig.png" -lavfi "[0]format=rgb24[a];[1]format=rgb24[b];[a][b]psnr" \
        -f null - 2>&1 | sed -n 's/.*average:\([0-9.inf]*\).*/\1/p'
}
alpha_range() { # FILE: "min max" of its alpha plane
    $FF -i "$1" -vf "alphaextract,signalstats,metadata=print:file=-" -f null - |
        sed -n 's/.*YMIN=\([0-9]*\)/\1/p;s/.*YMAX=\([0-9]*\)/\1/p' | tr '\n' ' '
}
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }

before=$(psnr "$T/holes.png")
check "the holes spoil the picture (PSNR $before dB)" above 25 "$before"

run "$SPOTHEAL" -i "$T/holes.png" "$T/healed.png"
expect_rc 0 "transparent holes"
after=$(psnr "$T/healed.png")
check "transparent holes healed (PSNR $before -> $after dB)" above "$after" 36
check "output opaque" [ "$(alpha_range "$T/healed.png")" = "255 255 " ]

run "$SPOTHEAL" analyze -i "$T/holes.png" --report "$T/holes.json"
expect_rc 0 "analyze --report of the transparent holes"
want=$(awk 'BEGIN { for (y = 0; y < 120; y++) for (x = 0; x < 160; x++)
    n += (y % 7 == 3) || ((x * 13 + y * 7) % 61 == 0); print n }')
got=$(grep -o '\[[0-9]*, [0-9]*, [0-9]*\]' "$T/holes.json" | tr -d '[],' | awk '{ n += $3 } END { print n + 0 }')
check "the report's runs list every lost pixel ($got of $want)" [ "$got" = "$want" ]

run "$SPOTHEAL" --keep-alpha 1 -i "$T/holes.png" "$T/kept.png"
expect_rc 0 "--keep-alpha 1"
check "--keep-alpha 1: alpha kept" [ "$(alpha_range "$T/kept.png")" = "0 255 " ]
check "--keep-alpha 1: colour healed the same" [ "$(psnr "$T/kept.png")" = "$after" ]

run "$SPOTHEAL" --missing-color '#ff00ff' -i "$T/magenta.png" "$T/healed-m.png"
expect_rc 0 "--missing-color #ff00ff"
m=$(psnr "$T/healed-m.png")
check "marker colour healed (PSNR $m dB)" above "$m" 36

run "$SPOTHEAL" --missing-color 0xff00f -i "$T/magenta.png" "$T/bad.png"
expect_rc 1 "--missing-color 0xff00f"
expect_err "rrggbb" "bad colour"

finish
