#!/usr/bin/python3
"""List the painted defect instances a repair missed, and why.

Usage: /usr/bin/python3 bench/misses.py CASE REPORT.json REPAIRED [-v]
  CASE      a case of shared/eval/degrade.py (clean.mkv, degraded.mp4, truth.json)
  REPORT    spotheal's --report of the repair
  REPAIRED  the repaired file (lossless)
An instance is visible and fixed as shared/eval/score.py counts it. Each missed blotch
instance is put in one class, from the report's records in that frame:
  no_record       no record within 6 px of it (not tracked, or not confirmed in time)
  mask_short      a record, but its box does not reach the blotch's 1.5 x radius core
  masked_but_bad  a record covering it: the fill did not heal it
Prints the missed instances (-v: every visible one), then one line per blotch with a
string of its frames (. fixed, N no record, S mask short, B masked but bad), then the
missed pixel-defect instances per defect (with or without a record in the frame).
"""
import json, subprocess, sys
import numpy as np


def reader(path, w, h):
    p = subprocess.Popen(["ffmpeg", "-v", "error", "-i", path, "-map", "0:v:0", "-fps_mode", "passthrough",
                          "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"], stdout=subprocess.PIPE)
    n = w * h * 3 // 2
    while True:
        b = p.stdout.read(n)
        if len(b) < n:
            break
        yield np.frombuffer(b, np.uint8)[:w * h].reshape(h, w).astype(np.float32)
    p.wait()


def main():
    case, rep, out = sys.argv[1:4]
    verbose = "-v" in sys.argv[4:]
    t = json.load(open(case + "/truth.json"))
    r = json.load(open(rep))
    w, h = t["width"], t["height"]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    frames = {f["frame"]: f["defects"] for f in r["frames"]}
    spots, pix_miss, pix_vis = {}, {}, {}
    gens = zip(reader(case + "/clean.mkv", w, h), reader(case + "/degraded.mp4", w, h), reader(out, w, h))
    for i, (c, d, o) in enumerate(gens):
        if i >= t["frames"]:
            break
        defs = frames.get(i, [])
        for si, (cx, cy, rad) in enumerate(t["spot_tracks"][i]):
            x0, x1, y0, y1 = int(cx - 2 * rad - 2), int(cx + 2 * rad + 3), int(cy - 2 * rad - 2), int(cy + 2 * rad + 3)
            if x0 < 0 or y0 < 0 or x1 > w or y1 > h:
                continue
            sl = (slice(y0, y1), slice(x0, x1))
            m = (xx[sl] - cx) ** 2 + (yy[sl] - cy) ** 2 <= (1.5 * rad) ** 2
            e0 = np.abs(d[sl][m] - c[sl][m]).mean()
            e1 = np.abs(o[sl][m] - c[sl][m]).mean()
            if e0 < 4:
                continue
            ok = e1 <= 0.3 * e0 or e1 < 3
            best = min(defs, key=lambda df: (df["cx"] - cx) ** 2 + (df["cy"] - cy) ** 2, default=None)
            dist = ((best["cx"] - cx) ** 2 + (best["cy"] - cy) ** 2) ** 0.5 if best else 1e9
            cat, rec = "fixed", ""
            if dist < 6:
                rec = "record: track %d %s %dx%d at %.1f px, fill %s" % (best["track"], best["kind"], best["w"],
                                                                          best["h"], dist, best["fill"])
                core = 1.5 * rad
                inside = (best["x"] <= cx - core and best["x"] + best["w"] >= cx + core and
                          best["y"] <= cy - core and best["y"] + best["h"] >= cy + core)
                if not ok:
                    cat = "masked_but_bad" if inside else "mask_short"
            elif not ok:
                cat = "no_record"
            spots.setdefault(si, []).append(cat)
            if not ok or verbose:
                ring = c[sl][~m]
                print("frame %2d blotch %d (%.1f, %.1f) radius %.2f error %.1f -> %.1f surround %.0f +- %.1f: %s %s"
                      % (i, si, cx, cy, rad, e0, e1, ring.mean(), ring.std(), cat, rec))
        for pi, p in enumerate(t["pixels"]):
            x, y = p["x"], p["y"]
            sl = (slice(y - 1, y + 2), slice(x - 1, x + 2))
            e0 = np.abs(d[sl] - c[sl]).max()
            e1 = np.abs(o[sl] - c[sl]).max()
            if e0 < 12:  # luma only: score.py adds chroma
                continue
            pix_vis[pi] = pix_vis.get(pi, 0) + 1
            if e1 > 0.3 * e0 and e1 >= 6:
                rec = any(abs(df["cx"] - x) < 3 and abs(df["cy"] - y) < 3 for df in defs)
                key = (pi, "record" if rec else "no record")
                pix_miss[key] = pix_miss.get(key, 0) + 1
    code = {"fixed": ".", "no_record": "N", "mask_short": "S", "masked_but_bad": "B"}
    for si, v in sorted(spots.items()):
        sp = t["spots"][si]
        print("blotch %d radius %.2f strength %.2f: %s" % (si, sp["radius"], sp["strength"],
                                                           "".join(code[x] for x in v)))
    for (pi, k), v in sorted(pix_miss.items()):
        p = t["pixels"][pi]
        print("pixel %d %s (%d, %d) level %d: missed %d of %d visible (%s)" % (pi, p["kind"], p["x"], p["y"],
                                                                              p["level"], v, pix_vis[pi], k))


if __name__ == "__main__":
    main()
