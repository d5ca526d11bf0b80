#!/bin/sh
# Installs the Debian packages spotheal needs to build, test and
# benchmark, when any is missing. Run as root (or with sudo available).
# With the argument "bench", also what the benchmarks' peers need
# (OpenCV's inpainting, from python3).
set -eu
need=""
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
command -v cc >/dev/null 2>&1 || need="$need gcc"
command -v make >/dev/null 2>&1 || need="$need make"
have_pc libavformat || need="$need libavformat-dev"
have_pc libavcodec || need="$need libavcodec-dev"
have_pc libavutil || need="$need libavutil-dev"
have_pc libswscale || need="$need libswscale-dev"
have_pc libjpeg || need="$need libjpeg62-turbo-dev"
have_pc libpng || need="$need libpng-dev"
have_pc cmocka || need="$need libcmocka-dev"
have_pc libcjson || need="$need libcjson-dev"
command -v ffmpeg >/dev/null 2>&1 || need="$need ffmpeg"
command -v ffprobe >/dev/null 2>&1 || need="$need ffmpeg"
command -v python3 >/dev/null 2>&1 || need="$need python3"
if [ "${1:-}" = bench ]; then
    /usr/bin/python3 -c 'import cv2, numpy' 2>/dev/null || need="$need python3-opencv python3-numpy"
    [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need="$need fonts-dejavu-core"
fi
if [ -z "$need" ]; then
    echo "deps: everything is installed"
    exit 0
fi
echo "deps: installing$need"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need
