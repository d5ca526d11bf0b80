#!/usr/bin/python3
"""Write filldrv's regions file from a painted case's truth.json:
one 'S frame cx cy r track' line per blotch per frame, one 'P x y' line per
pixel defect.

    truth2regions.py CASE/truth.json > regions.txt
"""
import json
import sys

t = json.load(open(sys.argv[1]))
for i, ft in enumerate(t["spot_tracks"]):
    for k, (cx, cy, r) in enumerate(ft):
        print(f"S {i} {cx} {cy} {r} {k}")
for p in t.get("pixels", []):
    print(f"P {p['x']} {p['y']}")
