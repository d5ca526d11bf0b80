#!/usr/bin/env python3
"""Insert an APP1 EXIF segment (Make, Model, DateTimeOriginal,
ExposureTime, ISO, Temperature) into a JPEG, for the profile tests:
exif_insert.py IN.jpg OUT.jpg MAKE MODEL ISO EXP_NUM EXP_DEN TEMP_TENTHS"""
import struct
import sys

src, dst, make, model = sys.argv[1:5]
iso, en, ed, temp = (int(v) for v in sys.argv[5:9])
make_b = make.encode() + b"\0"
model_b = model.encode() + b"\0"
date_b = b"2026:12:01 10:00:00\0"

# little-endian TIFF: header, IFD0 (Make, Model, ExifIFD), Exif IFD
# (ExposureTime, ISO, DateTimeOriginal, Temperature), then the data
ifd0_off = 8
ifd0_n = 3
exif_off = ifd0_off + 2 + ifd0_n * 12 + 4
exif_n = 4
data_off = exif_off + 2 + exif_n * 12 + 4
data = b""


def put(blob):
    global data
    off = data_off + len(data)
    data += blob
    return off


def ascii_entry(tag, blob):
    """An ASCII entry: 4 bytes or fewer inline, as TIFF wants, else put."""
    if len(blob) <= 4:
        return struct.pack("<HHI", tag, 2, len(blob)) + blob.ljust(4, b"\0")
    return struct.pack("<HHII", tag, 2, len(blob), put(blob))



exp_at = put(struct.pack("<II", en, ed))
temp_at = put(struct.pack("<ii", temp, 10))
ifd0 = struct.pack("<H", ifd0_n)
ifd0 += ascii_entry(0x010F, make_b)
ifd0 += ascii_entry(0x0110, model_b)
ifd0 += struct.pack("<HHII", 0x8769, 4, 1, exif_off)
ifd0 += struct.pack("<I", 0)
exif = struct.pack("<H", exif_n)
exif += struct.pack("<HHII", 0x829A, 5, 1, exp_at)
exif += struct.pack("<HHIHH", 0x8827, 3, 1, iso, 0)
exif += ascii_entry(0x9003, date_b)
exif += struct.pack("<HHII", 0x9400, 10, 1, temp_at)
exif += struct.pack("<I", 0)
tiff = b"II*\0" + struct.pack("<I", ifd0_off) + ifd0 + exif + data
payload = b"Exif\0\0" + tiff
jpeg = open(src, "rb").read()
assert jpeg[:2] == b"\xff\xd8"
seg = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
open(dst, "wb").write(jpeg[:2] + seg + jpeg[2:])
