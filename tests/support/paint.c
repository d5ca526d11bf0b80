/*
 * The defect painter: see paint.h.
 */
#include <math.h>
#include <stdint.h>

#include "filters/filter.h"
#include "tests/support/paint.h"

/* A smooth pseudo-random value in 0..1 on an integer lattice, bilinear
 * between lattice points: value noise. */
static float lattice(int x, int y, int seed)
{
    uint32_t h = (uint32_t)x * 374761393u + (uint32_t)y * 668265263u + (uint32_t)seed * 2246822519u;
    h = (h ^ (h >> 13)) * 1274126177u;
    return (float)((h ^ (h >> 16)) & 0xffff) / 65535.0f;
}

static float noise(float x, float y, int seed)
{
    int ix = (int)floorf(x), iy = (int)floorf(y);
    float fx = x - ix, fy = y - iy;
    float a = lattice(ix, iy, seed), b = lattice(ix + 1, iy, seed);
    float c = lattice(ix, iy + 1, seed), d = lattice(ix + 1, iy + 1, seed);
    fx = fx * fx * (3 - 2 * fx);
    fy = fy * fy * (3 - 2 * fy);
    return a + (b - a) * fx + (c - a) * fy + (a - b - c + d) * fx * fy;
}

/* The texture at scene position (x, y): soft blobs at two scales, a few
 * hard edges, and small details: dots and short strokes of 1-3 px that a
 * detector must not take for defects (they move with the scene). */
static float texture(float x, float y, int variant, float *cb, float *cr)
{
    int seed = 17 + variant * 101;
    float v = 60 + 90 * noise(x / 23.0f, y / 23.0f, seed) + 50 * noise(x / 6.0f, y / 6.0f, seed + 1);
    int cx = (int)floorf(x / 32.0f), cy = (int)floorf(y / 32.0f);
    float lx = x - cx * 32.0f, ly = y - cy * 32.0f;
    float r = lattice(cx, cy, seed + 2);

    if (noise(x / 40.0f, y / 40.0f, seed + 3) > 0.62f)
        v -= 45; /* patches with hard edges */
    if (r < 0.25f && (lx - 16) * (lx - 16) + (ly - 16) * (ly - 16) < 2.5f)
        v = 245; /* a small bright detail: a light, a highlight */
    else if (r > 0.8f && fabsf(lx - 12) < 1.0f && ly > 8 && ly < 20)
        v = 20;  /* a short dark stroke: text, a twig */
    *cb = 128 + 30 * (noise(x / 50.0f, y / 50.0f, seed + 4) - 0.5f);
    *cr = 128 + 30 * (noise(x / 50.0f, y / 50.0f, seed + 5) - 0.5f);
    return v < 0 ? 0 : v > 255 ? 255 : v;
}

/* The night scene at (x, y): a dark town of dim walls with hard edges
 * (variant 0) or a nearly flat sky (variant 1), and lights: at most one
 * in each 24 px cell, at a random place in it, 1-5 px across, of any
 * brightness from a faint window to a street lamp. */
static float night(float x, float y, int variant, float *cb, float *cr)
{
    float v = variant ? 10 + 3 * noise(x / 30.0f, y / 30.0f, 7)
                      : 12 + 8 * noise(x / 9.0f, y / 9.0f, 8) +
                        (noise(x / 60.0f, y / 60.0f, 9) > 0.55f ? 22 : 0);
    int cx = (int)floorf(x / 24.0f), cy = (int)floorf(y / 24.0f), i, j;

    *cb = *cr = 128;
    for (j = -1; j <= 1; j++)
        for (i = -1; i <= 1; i++) {
            int gx = cx + i, gy = cy + j;
            float lx, ly, r, lv, d2, a;
            if (lattice(gx, gy, 31 + variant) > 0.35f)
                continue;
            lx = (gx + 0.15f + 0.7f * lattice(gx, gy, 32)) * 24.0f;
            ly = (gy + 0.15f + 0.7f * lattice(gx, gy, 33)) * 24.0f;
            r = 0.6f + 2.0f * lattice(gx, gy, 34);
            lv = 50 + 200 * lattice(gx, gy, 35);
            d2 = ((x - lx) * (x - lx) + (y - ly) * (y - ly)) / (r * r);
            a = expf(-d2 * d2);
            if (v < lv * a + v * (1 - a))
                v = lv * a + v * (1 - a);
        }
    return v > 255 ? 255 : v;
}

void paint_scene(SpFrame *f, int scene, int variant, int n)
{
    float ox = 0, oy = 0, cb, cr;
    int x, y;

    if (scene == PAINT_SCENE_PAN) {
        /* a handheld pan: steady plus a wobble */
        ox = 1.7f * n + 2.0f * sinf(n * 0.4f);
        oy = 0.6f * n + 1.5f * cosf(n * 0.3f);
    } else if (scene == PAINT_SCENE_NIGHT) {
        /* a sway over a slow pan, up to 7.6 px a frame */
        ox = 4.0f * n + 18.0f * sinf(n / 5.0f);
        oy = 10.0f * sinf(n / 7.0f);
    }
    if (scene == PAINT_SCENE_NIGHT) {
        for (y = 0; y < f->height; y++)
            for (x = 0; x < f->width; x++)
                sp_put(f, 0, x, y, (int)lrintf(night(x + ox, y + oy, variant, &cb, &cr)));
        for (y = 0; f->color == SP_COLOR_YUV && f->nb_planes >= 3 && y < sp_plane_height(f, 1); y++)
            for (x = 0; x < sp_plane_width(f, 1); x++) {
                sp_put(f, 1, x, y, 128);
                sp_put(f, 2, x, y, 128);
            }
        return;
    }
    for (y = 0; y < f->height; y++)
        for (x = 0; x < f->width; x++)
            sp_put(f, 0, x, y, (int)lrintf(texture(x + ox, y + oy, variant, &cb, &cr)));
    if (f->color != SP_COLOR_YUV || f->nb_planes < 3)
        return;
    for (y = 0; y < sp_plane_height(f, 1); y++)
        for (x = 0; x < sp_plane_width(f, 1); x++) {
            texture((x << f->ss_x) + ox, (y << f->ss_y) + oy, variant, &cb, &cr);
            sp_put(f, 1, x, y, (int)lrintf(cb));
            sp_put(f, 2, x, y, (int)lrintf(cr));
        }
}

void paint_drift_at(const PaintDrift *d, int w, int h, int n, float x, float y,
                    float *ox, float *oy)
{
    float ph = 6.2831853f * n / (d->period > 0 ? d->period : 1);
    float dx = d->amp * (0.7f * sinf(ph) + 0.3f * sinf(3 * ph + 1.0f));
    float dy = d->amp * (0.7f * sinf(ph + 2.0f) + 0.3f * sinf(3 * ph + 0.5f));
    float z = 1.0f + d->zoom * 0.5f * (1 + sinf(ph + 4.0f));

    *ox = w / 2.0f + (x - w / 2.0f) * z + dx;
    *oy = h / 2.0f + (y - h / 2.0f) * z + dy;
}

void paint_defects(SpFrame *f, int n, const PaintDrift *d,
                   const PaintSpot *spots, int nb_spots,
                   const PaintPixel *pixels, int nb_pixels)
{
    int maxv = (1 << f->depth) - 1, mid = 1 << (f->depth - 1), i, x, y;
    int chroma = f->color == SP_COLOR_YUV && f->nb_planes >= 3;

    for (i = 0; i < nb_spots; i++) {
        const PaintSpot *s = &spots[i];
        float cx, cy, r;
        int x0, x1, y0, y1;
        paint_drift_at(d, f->width, f->height, n, s->x, s->y, &cx, &cy);
        r = s->radius;
        x0 = (int)floorf(cx - 2 * r); x1 = (int)ceilf(cx + 2 * r);
        y0 = (int)floorf(cy - 2 * r); y1 = (int)ceilf(cy + 2 * r);
        for (y = y0; y <= y1; y++)
            for (x = x0; x <= x1; x++) {
                float d2, a;
                if (x < 0 || y < 0 || x >= f->width || y >= f->height)
                    continue;
                d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (r * r);
                a = s->strength * expf(-d2 * d2);
                if (s->bright)
                    sp_put(f, 0, x, y, (int)lrintf(sp_get(f, 0, x, y) + (maxv - sp_get(f, 0, x, y)) * a));
                else
                    sp_put(f, 0, x, y, (int)lrintf(sp_get(f, 0, x, y) * (1 - a)));
                if (chroma && !(x & ((1 << f->ss_x) - 1)) && !(y & ((1 << f->ss_y) - 1))) {
                    int p;
                    for (p = 1; p <= 2; p++) {
                        int c = sp_get(f, p, x >> f->ss_x, y >> f->ss_y);
                        sp_put(f, p, x >> f->ss_x, y >> f->ss_y,
                               (int)lrintf(mid + (c - mid) * (1 - a)));
                    }
                }
            }
    }
    for (i = 0; i < nb_pixels; i++) {
        const PaintPixel *p = &pixels[i];
        int v = sp_get(f, 0, p->x, p->y);
        switch (p->kind) {
        case PAINT_HOT:
            sp_put(f, 0, p->x, p->y, v + p->level);
            if (chroma)
                sp_put(f, 2, p->x >> f->ss_x, p->y >> f->ss_y,
                       sp_get(f, 2, p->x >> f->ss_x, p->y >> f->ss_y) + p->level / 3);
            break;
        case PAINT_DEAD:
            sp_put(f, 0, p->x, p->y, 0);
            break;
        case PAINT_STUCK:
            sp_put(f, 0, p->x, p->y, p->level);
            if (chroma)
                sp_put(f, 1, p->x >> f->ss_x, p->y >> f->ss_y, mid - 40);
            break;
        case PAINT_HOT_BLUE:
            sp_put(f, 0, p->x, p->y, v + p->level / 25);
            if (chroma)
                sp_put(f, 1, p->x >> f->ss_x, p->y >> f->ss_y,
                       sp_get(f, 1, p->x >> f->ss_x, p->y >> f->ss_y) + p->level / 12);
            break;
        case PAINT_HOT_BLUE_WANDER: {
            /* a fifth either way in luma, a level in Cb, by frame */
            int c = (int)(((unsigned)n * 40503u) >> 8) % 3 - 1;
            sp_put(f, 0, p->x, p->y, v + (int)lrintf(p->level / 11.0f * (1 + 0.2f * sinf(2.4f * n))));
            if (chroma)
                sp_put(f, 1, p->x >> f->ss_x, p->y >> f->ss_y,
                       sp_get(f, 1, p->x >> f->ss_x, p->y >> f->ss_y) + p->level / 12 + c);
            break;
        }
        case PAINT_HOT_JITTER: {
            uint32_t h = (uint32_t)n * 0x9e3779b1u;
            h = (h ^ (h >> 15)) * 0x85ebca77u;
            h ^= h >> 13;
            sp_put(f, 0, p->x, p->y, v + p->level + (int)(h % 7) - 3);
            break;
        }
        case PAINT_HOT_BLUE_FLICKER: {
            /* a third of its excess or more lost or won back each frame */
            static const float part[4] = { 1.0f, 0.7f, 0.5f, 0.75f };
            sp_put(f, 0, p->x, p->y, v + p->level / 25);
            if (chroma)
                sp_put(f, 1, p->x >> f->ss_x, p->y >> f->ss_y,
                       sp_get(f, 1, p->x >> f->ss_x, p->y >> f->ss_y) +
                       (int)lrintf(p->level / 12.0f * part[n % 4]));
            break;
        }
        case PAINT_HOT_BLINK:
            if (n % 9 < 6)
                sp_put(f, 0, p->x, p->y, v + p->level);
            break;
        }
    }
}

/* one lost pixel: transparent, black, or of the marker colour */
static void lose(SpFrame *f, int x, int y, int rgb, int black)
{
    int sh = f->depth - 8, nc = f->nb_planes - f->has_alpha, p;
    int r = (rgb >> 16) & 255, g = (rgb >> 8) & 255, b = rgb & 255;

    if (f->has_alpha) {
        for (p = 0; p < nc; p++)
            sp_put(f, p, x >> sp_plane_ss_x(f, p), y >> sp_plane_ss_y(f, p),
                   f->color == SP_COLOR_YUV && p ? 128 << sh : f->color == SP_COLOR_YUV ? 16 << sh : 0);
        sp_put(f, f->nb_planes - 1, x, y, 0);
        return;
    }
    if (black)
        r = g = b = 0;
    if (f->color == SP_COLOR_RGB) {
        int v[3] = { g, b, r };
        for (p = 0; p < nc && p < 3; p++)
            sp_put(f, p, x, y, v[p] << sh);
        return;
    }
    sp_put(f, 0, x, y, (int)lrint((16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255) * (1 << sh)));
    if (nc >= 3) {
        sp_put(f, 1, x >> f->ss_x, y >> f->ss_y,
               (int)lrint((128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255) * (1 << sh)));
        sp_put(f, 2, x >> f->ss_x, y >> f->ss_y,
               (int)lrint((128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255) * (1 << sh)));
    }
}

int paint_missing(SpFrame *f, const PaintMissing *m, uint8_t *lost)
{
    unsigned st = m->seed * 2654435761u + 12345u;
    int x, y, i, total = 0;

    if (m->row_period > 0)
        for (y = m->row_phase; y < f->height; y += m->row_period)
            for (x = 0; x < f->width; x++) {
                lose(f, x, y, m->marker, 1);
                lost[(size_t)y * f->width + x] = 255;
                total++;
            }
    for (i = 0; i < m->nb_scattered; i++) {
        st = st * 1664525u + 1013904223u;
        x = (int)((st >> 8) % (unsigned)f->width);
        st = st * 1664525u + 1013904223u;
        y = (int)((st >> 8) % (unsigned)f->height);
        if (lost[(size_t)y * f->width + x])
            continue;
        lose(f, x, y, m->marker, 0);
        lost[(size_t)y * f->width + x] = 255;
        total++;
    }
    return total;
}
