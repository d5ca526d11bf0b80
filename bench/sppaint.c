/*
 * sppaint: paints sensor defects with known ground truth on a clip, with
 * the project's painter (tests/support/paint.c).
 *
 *   sppaint -s WxH [-n SPOTS] [-p PIXELS] [-d DRIFT] [-z ZOOM] [-r SEED]
 *           -t TRUTH.json [-m MASK.pgm] < clean.yuv > painted.yuv
 *   sppaint -F rgba -s WxH -M PERIOD:COUNT [-r SEED] -t TRUTH.json
 *           [-m MASK.pgm] < clean.rgba > holed.rgba
 *
 * Frames are raw yuv420p 8-bit. SPOTS dark blotches (radius 2-3.5 px,
 * 45-90 % attenuation) drift together (DRIFT px of sway over 80 frames,
 * ZOOM of scale), PIXELS hot, dead and stuck pixels sit still; positions
 * spread over the frame, 24 px from its edges. TRUTH.json is the format
 * bench/spscore reads ("width", "height", "frames", "spot_tracks" with
 * [cx, cy, r] per blotch and frame, "pixels" with x, y, kind); MASK.pgm
 * is the union of every defect's place over the clip (blotch disks of
 * 1.6 r + 1, 3x3 around pixels), as a still mask for ffmpeg's removelogo.
 *
 * With -F rgba, frames are packed 8-bit RGBA and only missing pixels are
 * painted: every PERIOD-th row and COUNT scattered pixels made fully
 * transparent (black underneath); MASK.pgm then holds the lost pixels and
 * TRUTH.json their count. -M also works on yuv420p, where lost rows turn
 * black and scattered pixels magenta (for --missing-color ff00ff).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/paint.h"

static uint32_t next_rand(uint32_t *st)
{
    *st = *st * 1664525u + 1013904223u;
    return *st >> 8;
}

static float frand(uint32_t *st, float a, float b)
{
    return a + (b - a) * (float)(next_rand(st) & 0xffff) / 65535.0f;
}

static void mark_disk(uint8_t *m, int w, int h, float cx, float cy, float r)
{
    int x, y;

    for (y = (int)floorf(cy - r); y <= (int)ceilf(cy + r); y++)
        for (x = (int)floorf(cx - r); x <= (int)ceilf(cx + r); x++)
            if (x >= 0 && y >= 0 && x < w && y < h &&
                (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
                m[(size_t)y * w + x] = 255;
}

int main(int argc, char **argv)
{
    int w = 0, h = 0, nb_spots = 8, nb_pixels = 24, i, n, first;
    float drift = 8.0f, zoom = 0.01f;
    uint32_t seed = 1;
    const char *truth_path = NULL, *mask_path = NULL;
    PaintSpot *spots;
    PaintPixel *pixels;
    PaintDrift d;
    SpFrame f;
    uint8_t *buf, *mask = NULL;
    size_t fsize;
    FILE *tf;
    static const char *const kinds[] = { "hot_w", "dead", "stuck" };
    PaintMissing miss = { 0, 3, 0, 0, 0xff00ff };
    uint8_t *lost = NULL;
    int rgba = 0, nb_lost = 0;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            goto usage;
        if (!strcmp(a, "-s") && sscanf(v, "%dx%d", &w, &h) == 2) i++;
        else if (!strcmp(a, "-n")) { nb_spots = atoi(v); i++; }
        else if (!strcmp(a, "-p")) { nb_pixels = atoi(v); i++; }
        else if (!strcmp(a, "-d")) { drift = (float)atof(v); i++; }
        else if (!strcmp(a, "-z")) { zoom = (float)atof(v); i++; }
        else if (!strcmp(a, "-r")) { seed = (uint32_t)atoi(v); i++; }
        else if (!strcmp(a, "-t")) { truth_path = v; i++; }
        else if (!strcmp(a, "-m")) { mask_path = v; i++; }
        else if (!strcmp(a, "-M") && sscanf(v, "%d:%d", &miss.row_period, &miss.nb_scattered) == 2) i++;
        else if (!strcmp(a, "-F") && (!strcmp(v, "rgba") || !strcmp(v, "yuv420p"))) {
            rgba = !strcmp(v, "rgba");
            i++;
        } else goto usage;
    }
    if (rgba)
        nb_spots = nb_pixels = 0;
    if (miss.row_period < 0 || miss.nb_scattered < 0)
        goto usage;
    if (w < 64 || h < 64 || (w & 1) || (h & 1) || !truth_path ||
        nb_spots < 0 || nb_pixels < 0 || nb_spots > 100000 || nb_pixels > 100000)
        goto usage;

    spots = calloc(nb_spots + 1, sizeof(*spots));
    pixels = calloc(nb_pixels + 1, sizeof(*pixels));
    fsize = rgba ? (size_t)w * h * 4 : (size_t)w * h * 3 / 2;
    buf = malloc(rgba ? fsize * 2 : fsize);
    if (mask_path)
        mask = calloc((size_t)w * h, 1);
    lost = calloc((size_t)w * h, 1);
    miss.seed = seed;
    if (!spots || !pixels || !buf || !lost || (mask_path && !mask))
        return 1;
    for (i = 0; i < nb_spots; i++) {
        spots[i].x = frand(&seed, 24, w - 24);
        spots[i].y = frand(&seed, 24, h - 24);
        spots[i].radius = frand(&seed, 2.0f, 3.5f);
        spots[i].strength = frand(&seed, 0.45f, 0.9f);
    }
    for (i = 0; i < nb_pixels; i++) {
        pixels[i].x = 24 + (int)(next_rand(&seed) % (uint32_t)(w - 48));
        pixels[i].y = 24 + (int)(next_rand(&seed) % (uint32_t)(h - 48));
        pixels[i].kind = i % 3 == 0 ? PAINT_HOT : i % 3 == 1 ? PAINT_DEAD : PAINT_STUCK;
        pixels[i].level = 150 + (int)(next_rand(&seed) % 100);
    }
    d.amp = drift;
    d.period = 80.0f;
    d.zoom = zoom;

    memset(&f, 0, sizeof(f));
    f.width = w;
    f.height = h;
    f.nb_planes = 3;
    f.depth = 8;
    f.color = SP_COLOR_YUV;
    f.ss_x = f.ss_y = 1;
    f.data[0] = buf;
    f.data[1] = buf + (size_t)w * h;
    f.data[2] = f.data[1] + (size_t)w * h / 4;
    f.stride[0] = w;
    f.stride[1] = f.stride[2] = w / 2;
    if (rgba) { /* planes G, B, R, A after the packed frame */
        f.color = SP_COLOR_RGB;
        f.ss_x = f.ss_y = 0;
        f.nb_planes = 4;
        f.has_alpha = 1;
        for (i = 0; i < 4; i++) {
            f.data[i] = buf + fsize + (size_t)i * w * h;
            f.stride[i] = w;
        }
    }

    if (!(tf = fopen(truth_path, "w"))) {
        fprintf(stderr, "sppaint: cannot write '%s'\n", truth_path);
        return 1;
    }
    fprintf(tf, "{\"width\": %d, \"height\": %d, \"spot_tracks\": [", w, h);
    for (n = 0, first = 1; fread(buf, 1, fsize, stdin) == fsize; n++) {
        static const int order[4] = { 2, 0, 1, 3 }; /* RGBA from G, B, R, A */
        size_t k;
        if (rgba)
            for (k = 0; k < (size_t)w * h; k++)
                for (i = 0; i < 4; i++)
                    f.data[order[i]][k] = buf[4 * k + i];
        paint_defects(&f, n, &d, spots, nb_spots, pixels, nb_pixels);
        if (miss.row_period || miss.nb_scattered) {
            memset(lost, 0, (size_t)w * h);
            nb_lost = paint_missing(&f, &miss, lost);
            if (mask)
                for (k = 0; k < (size_t)w * h; k++)
                    mask[k] |= lost[k];
        }
        if (rgba)
            for (k = 0; k < (size_t)w * h; k++)
                for (i = 0; i < 4; i++)
                    buf[4 * k + i] = f.data[order[i]][k];
        if (fwrite(buf, 1, fsize, stdout) != fsize)
            return 1;
        fprintf(tf, "%s[", first ? "" : ", ");
        first = 0;
        for (i = 0; i < nb_spots; i++) {
            float cx, cy;
            paint_drift_at(&d, w, h, n, spots[i].x, spots[i].y, &cx, &cy);
            fprintf(tf, "%s[%.3f, %.3f, %.3f]", i ? ", " : "", cx, cy, spots[i].radius);
            if (mask)
                mark_disk(mask, w, h, cx, cy, 1.6f * spots[i].radius + 1);
        }
        fputc(']', tf);
    }
    fprintf(tf, "], \"frames\": %d, \"pixels\": [", n);
    for (i = 0; i < nb_pixels; i++) {
        fprintf(tf, "%s{\"x\": %d, \"y\": %d, \"kind\": \"%s\"}", i ? ", " : "",
                pixels[i].x, pixels[i].y, kinds[pixels[i].kind]);
        if (mask)
            mark_disk(mask, w, h, (float)pixels[i].x, (float)pixels[i].y, 1.5f);
    }
    fprintf(tf, "], \"missing\": {\"row_period\": %d, \"row_phase\": %d, \"pixels\": %d}}\n",
            miss.row_period, miss.row_phase, nb_lost);
    if (fclose(tf) != 0)
        return 1;
    if (mask) {
        FILE *mf = fopen(mask_path, "wb");
        if (!mf || fprintf(mf, "P5\n%d %d\n255\n", w, h) < 0 ||
            fwrite(mask, 1, (size_t)w * h, mf) != (size_t)w * h || fclose(mf) != 0) {
            fprintf(stderr, "sppaint: cannot write '%s'\n", mask_path);
            return 1;
        }
    }
    fprintf(stderr, "sppaint: %d frames %dx%d, %d blotches, %d pixel defects, %d lost pixels\n",
            n, w, h, nb_spots, nb_pixels, nb_lost);
    free(spots);
    free(pixels);
    free(buf);
    free(mask);
    free(lost);
    return n ? 0 : 1;
usage:
    fprintf(stderr, "usage: sppaint -s WxH [-n SPOTS] [-p PIXELS] [-d DRIFT] [-z ZOOM] "
            "[-r SEED] [-M PERIOD:COUNT] [-F yuv420p|rgba] -t TRUTH.json [-m MASK.pgm] "
            "< clean.yuv > painted.yuv\n");
    return 2;
}
