/*
 * fill_spatial: edge-directed spatial interpolation of defective samples
 * from the healthy ones around them.
 *
 * Each defective sample is estimated along several directions through it
 * (0, 22.5, ... 157.5 degrees). Along each direction the nearest healthy
 * sample is found on both sides; the two are interpolated by distance. A
 * direction whose two ends agree runs along an edge or a flat area, a
 * direction whose ends differ crosses an edge, so each estimate is weighted
 * by the inverse square of the ends' difference (and by the inverse of the
 * span). An edge through a hole is thus continued instead of being
 * blurred, as edge-directed demosaicking and defect-pixel correction do
 * (Hirakawa and Parks, "Adaptive homogeneity-directed demosaicing", 2005,
 * uses the same reasoning for direction choice). Only healthy samples are
 * read, so the result does not depend on the order in which samples are
 * filled.
 *
 * Larger holes are filled in onion-peel order (Telea, "An image inpainting
 * technique based on the fast marching method", 2004, fills from the
 * boundary inwards the same way): the samples with a healthy neighbour
 * within a few steps are estimated first and become known for the next
 * layer, so the far centre of a large hole is not estimated from samples
 * at the reach's limit only.
 */
#include <stdlib.h>
#include <string.h>

#include "filters/fill.h"

#define MAX_REACH 48 /* farthest a healthy sample is looked for, in samples */
#define PEEL 4       /* a layer: samples whose healthy ends are this near */

static const int dirs[8][2] = {
    { 1, 0 }, { 0, 1 }, { 1, 1 }, { 1, -1 },
    { 2, 1 }, { 1, 2 }, { -1, 2 }, { -2, 1 },
};

/* A walk that cannot leave the plane, from the sample at h by steps of
 * st: four steps tested at once (the walks are short and their ends
 * unpredictable, so one branch per four steps instead of one a step). */
static inline int walk_inside(const uint8_t *h, ptrdiff_t st, int reach)
{
    static const uint8_t first[16] = { 0, 1, 2, 1, 3, 1, 2, 1, 4, 1, 2, 1, 3, 1, 2, 1 };
    int k;

    for (k = 0; k + 4 <= reach; k += 4, h += 4 * st) {
        unsigned m = (unsigned)!h[st] | (unsigned)!h[2 * st] << 1 |
                     (unsigned)!h[3 * st] << 2 | (unsigned)!h[4 * st] << 3;
        if (m)
            return k + first[m];
    }
    for (; k < reach; k++)
        if (!*(h += st))
            return k + 1;
    return 0;
}

/* Nearest healthy sample from (x, y) stepping by (dx, dy); returns the
 * number of steps, 0 if none within reach (or the plane ends first). The
 * steps that stay on the plane are counted beforehand, then walked
 * without bounds. */
static inline int walk(const uint8_t *hole, int pw, int ph, int x, int y,
                       int dx, int dy, int reach)
{
    const uint8_t *h = hole + (size_t)y * pw + x;
    ptrdiff_t st = (ptrdiff_t)dy * pw + dx;
    int n = reach, m;

    /* |dx|, |dy| are 0, 1 or 2 */
    if (dx) {
        m = dx > 0 ? pw - 1 - x : x;
        m = dx == 2 || dx == -2 ? m >> 1 : m;
        n = m < n ? m : n;
    }
    if (dy) {
        m = dy > 0 ? ph - 1 - y : y;
        m = dy == 2 || dy == -2 ? m >> 1 : m;
        n = m < n ? m : n;
    }
    return walk_inside(h, st, n);
}

/* The same, step by step (the plain version, for the tests). */
static int walk_ref(const uint8_t *hole, int pw, int ph, int x, int y,
                    int dx, int dy, int reach)
{
    int k;

    for (k = 1; k <= reach; k++) {
        x += dx;
        y += dy;
        if (x < 0 || y < 0 || x >= pw || y >= ph)
            return 0;
        if (!hole[(size_t)y * pw + x])
            return k;
    }
    return 0;
}

/* Reciprocals, so that an estimate divides once instead of twice per
 * direction: inv_n[k] = 1 / (k + 1) (spans of up to 2 MAX_REACH steps),
 * inv_d2[k] = 1 / (k + 2)^2 (an 8-bit difference of k, plus 2, squared),
 * inv_len[d] = 1 / the length of a step along direction d. */
#define RN4(n) 1.0 / (n), 1.0 / ((n) + 1), 1.0 / ((n) + 2), 1.0 / ((n) + 3)
#define RN16(n) RN4(n), RN4((n) + 4), RN4((n) + 8), RN4((n) + 12)
static const double inv_n[2 * MAX_REACH + 16] = {
    RN16(1), RN16(17), RN16(33), RN16(49), RN16(65), RN16(81), RN16(97),
};
#define RQ(n) 1.0 / (((n) + 2.0) * ((n) + 2.0))
#define RQ4(n) RQ(n), RQ((n) + 1), RQ((n) + 2), RQ((n) + 3)
#define RQ16(n) RQ4(n), RQ4((n) + 4), RQ4((n) + 8), RQ4((n) + 12)
#define RQ64(n) RQ16(n), RQ16((n) + 16), RQ16((n) + 32), RQ16((n) + 48)
static const double inv_d2[256] = { RQ64(0), RQ64(64), RQ64(128), RQ64(192) };
static const double inv_len[8] = {
    1.0, 1.0, 1.0 / 1.414, 1.0 / 1.414, 1.0 / 2.236, 1.0 / 2.236, 1.0 / 2.236, 1.0 / 2.236,
};

/* The 16 walks from (x, y): along each direction d, forwards (ka[d]) and
 * backwards (kb[d]). */
static inline void walks(const uint8_t *hole, int pw, int ph, int x, int y,
                         int reach, int *ka, int *kb)
{
    int d;

    if (x >= 2 * reach && y >= 2 * reach && x < pw - 2 * reach && y < ph - 2 * reach) {
        /* no walk can leave the plane (steps are 2 at most): no bounds */
        const uint8_t *h0 = hole + (size_t)y * pw + x;
        for (d = 0; d < 8; d++) {
            ptrdiff_t st = (ptrdiff_t)dirs[d][1] * pw + dirs[d][0];
            ka[d] = walk_inside(h0, st, reach);
            kb[d] = walk_inside(h0, -st, reach);
        }
    } else {
        for (d = 0; d < 8; d++) {
            ka[d] = walk(hole, pw, ph, x, y, dirs[d][0], dirs[d][1], reach);
            kb[d] = walk(hole, pw, ph, x, y, -dirs[d][0], -dirs[d][1], reach);
        }
    }
}

/* Edge-directed estimates of sample (x, y) in the nq planes pl[] that
 * share the hole map (the walks are the same for all of them), into
 * out[]; returns 0 when no healthy sample is within reach (out[] unset).
 * Along each direction with healthy ends a and b at ka and kb steps, the
 * estimate (a kb + b ka) / (ka + kb) is weighted by
 * 1 / ((|a - b| + 2)^2 (ka + kb) len); with one end only, a at k steps
 * weighs 1 / (k len), and counts only if no direction has two. */
static int estimate_planes(const uint8_t *hole, int pw, int ph, const SpFrame *f,
                           const int *pl, int nq, int x, int y, int reach,
                           int *out)
{
    double scale = (double)(1 << (f->depth - 8)), is[8], wl[8];
    int ka[8], kb[8], d, q, two = 0, one = 0, nd = 0, dd[8];

    walks(hole, pw, ph, x, y, reach, ka, kb);
    for (d = 0; d < 8; d++) {
        two |= ka[d] && kb[d];
        one |= ka[d] || kb[d];
    }
    if (!one)
        return 0;
    /* the directions that count and what of their weights the planes
     * share: 1 / span, and 1 / (span len) (or 1 / (k len) for one end) */
    for (d = 0; d < 8; d++) {
        if (two ? !(ka[d] && kb[d]) : !(ka[d] || kb[d]))
            continue;
        if (two) {
            is[d] = inv_n[ka[d] + kb[d] - 1];
            wl[d] = is[d] * inv_len[d];
        } else {
            wl[d] = inv_n[(ka[d] ? ka[d] : kb[d]) - 1] * inv_len[d];
        }
        dd[nd++] = d;
    }
    for (q = 0; q < nq; q++) {
        int p = pl[q], i;
        ptrdiff_t stride = f->stride[p];
        double num = 0, den = 0;
        if (f->depth == 8) {
            const uint8_t *c = f->data[p] + (ptrdiff_t)y * stride + x;
            for (i = 0; i < nd; i++) {
                ptrdiff_t st;
                d = dd[i];
                st = dirs[d][1] * stride + dirs[d][0];
                if (two) {
                    int a = c[ka[d] * st], b = c[-kb[d] * st];
                    double w = inv_d2[a > b ? a - b : b - a];
                    w *= wl[d];
                    num += (a * (double)kb[d] + b * (double)ka[d]) * is[d] * w;
                    den += w;
                } else {
                    int a = ka[d] ? c[ka[d] * st] : c[-kb[d] * st];
                    num += a * wl[d];
                    den += wl[d];
                }
            }
        } else {
            for (i = 0; i < nd; i++) {
                int dx, dy;
                d = dd[i];
                dx = dirs[d][0];
                dy = dirs[d][1];
                if (two) {
                    int a = sp_get(f, p, x + ka[d] * dx, y + ka[d] * dy);
                    int b = sp_get(f, p, x - kb[d] * dx, y - kb[d] * dy);
                    double diff = (a > b ? a - b : b - a) / scale + 2.0, w;
                    w = 1.0 / (diff * diff);
                    w *= wl[d];
                    num += (a * (double)kb[d] + b * (double)ka[d]) * is[d] * w;
                    den += w;
                } else {
                    int k = ka[d] ? ka[d] : kb[d], sgn = ka[d] ? 1 : -1;
                    int a = sp_get(f, p, x + sgn * k * dx, y + sgn * k * dy);
                    num += a * wl[d];
                    den += wl[d];
                }
            }
        }
        out[q] = (int)(num / den + 0.5);
    }
    return 1;
}

/* The estimate of sample (x, y) of plane p alone; -1 when no healthy
 * sample is within reach. */
static int estimate(const uint8_t *hole, int pw, int ph, const SpFrame *f,
                    int p, int x, int y, int reach)
{
    int v;

    return estimate_planes(hole, pw, ph, f, &p, 1, x, y, reach, &v) ? v : -1;
}

/* Is some healthy sample within `reach` steps of (x, y) in every one of
 * the two main axes' directions? (Near the boundary of the hole.) */
static int near_edge(const uint8_t *hole, int pw, int ph, int x, int y, int reach)
{
    int d;

    for (d = 0; d < 4; d++)
        if (walk(hole, pw, ph, x, y, dirs[d][0], dirs[d][1], reach) ||
            walk(hole, pw, ph, x, y, -dirs[d][0], -dirs[d][1], reach))
            return 1;
    return 0;
}

void sp_fill_spatial(FillContext *s, SpFrame *f, const SpRegion *r)
{
    int p, x, y, x0, y0, x1, y1, skip2 = 0;

    for (p = 0; p < s->nb_planes; p++) {
        uint8_t *hole = sp_fill_hole(s, f, p);
        int pw = s->pw[p], ph = s->ph[p], left = 0, bw, bh, pl[3], nq = 1, q;
        int16_t *val;

        if ((p > 0 && hole == s->hole[0]) || (p == 2 && skip2))
            continue; /* filled with plane 0 or 1, below */
        if (!sp_fill_plane_box(s, f, p, r, &x0, &y0, &x1, &y1))
            continue;
        bw = x1 - x0 + 1;
        bh = y1 - y0 + 1;
        /* the planes whose maps are this one (full-size planes share
         * plane 0's), or hold the same marks over the box (the two chroma
         * planes of a subsampled frame, which every fill clears alike),
         * are filled together: the walks are the same */
        pl[0] = p;
        if (p == 0) {
            for (q = 1; q < s->nb_planes; q++)
                if (sp_fill_hole(s, f, q) == s->hole[0])
                    pl[nq++] = q;
        } else if (p == 1 && s->nb_planes > 2 && s->hole[2] &&
                   sp_plane_ss_x(f, 2) == sp_plane_ss_x(f, 1) &&
                   sp_plane_ss_y(f, 2) == sp_plane_ss_y(f, 1)) {
            skip2 = 1;
            for (y = y0; y <= y1 && skip2; y++)
                skip2 = !memcmp(s->hole[1] + (size_t)y * pw + x0,
                                s->hole[2] + (size_t)y * pw + x0, bw);
            if (skip2)
                pl[nq++] = 2;
        }
        /* new values of the layer, per plane filled (up to 3) */
        if (sp_fill_buf_reserve(&s->tmp, (size_t)bw * bh * 3 * sizeof(int16_t) +
                                (size_t)bw * bh) < 0)
            return;
        val = s->tmp.p;
        for (y = y0; y <= y1; y++)
            for (x = x0; x <= x1; x++)
                left += hole[(size_t)y * pw + x] != 0;
        while (left > 0) {
            uint8_t *hv = (uint8_t *)(val + (size_t)bw * bh * 3);
            int done = 0, peel = 1, v[3];
            memset(hv, 0, (size_t)bw * bh);
            /* a layer: samples near the boundary (all of them when a layer
             * would be empty, e.g. a hole wider than the reach) */
            for (;;) {
                for (y = y0; y <= y1; y++)
                    for (x = x0; x <= x1; x++) {
                        size_t i = (size_t)(y - y0) * bw + (x - x0);
                        int h = hole[(size_t)y * pw + x];
                        if (!h || (peel && !near_edge(hole, pw, ph, x, y, PEEL)))
                            continue;
                        if (estimate_planes(hole, pw, ph, f, pl, nq, x, y, MAX_REACH, v)) {
                            for (q = 0; q < nq; q++)
                                val[i * 3 + q] = (int16_t)(v[q] - 32768);
                            hv[i] = (uint8_t)h;
                            done++;
                        }
                    }
                if (done || !peel)
                    break;
                peel = 0;
            }
            if (!done)
                break; /* nothing healthy within reach */
            for (y = y0; y <= y1; y++)
                for (x = x0; x <= x1; x++) {
                    size_t i = (size_t)(y - y0) * bw + (x - x0);
                    if (!hv[i])
                        continue;
                    for (q = 0; q < nq; q++)
                        sp_fill_put(f, pl[q], x, y, val[i * 3 + q] + 32768, hv[i]);
                    hole[(size_t)y * pw + x] = 0;
                    if (nq > 1 && pl[1] == 2)
                        s->hole[2][(size_t)y * pw + x] = 0;
                }
            left -= done;
        }
    }
}

/* Check of the spatial fill against the ring: the healthy luma pixels
 * within BAND of the hole are hidden and estimated as if they were
 * defective; returns the mean absolute error, 8-bit levels (-1 if none). */
#define BAND 2
double sp_fill_spatial_check(FillContext *s, const SpFrame *f, const SpRegion *r)
{
    uint8_t *hole = s->hole[0];
    int W = s->pw[0], H = s->ph[0], x, y, i, j, n = 0;
    int x0 = r->x - BAND, y0 = r->y - BAND, x1 = r->x + r->w - 1 + BAND;
    int y1 = r->y + r->h - 1 + BAND;
    int32_t *band;
    double err = 0;

    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 >= W) x1 = W - 1;
    if (y1 >= H) y1 = H - 1;
    if (x0 > x1 || y0 > y1 ||
        sp_fill_buf_reserve(&s->tmp, (size_t)(x1 - x0 + 1) * (y1 - y0 + 1) *
                            (2 * sizeof(int32_t) + 1)) < 0)
        return -1;
    band = s->tmp.p;
    {
        /* the healthy samples within BAND of a defective one of the
         * region's box: the box's defective samples spread over the band
         * box, then the healthy ones it reaches, in raster order */
        int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
        int rx0 = r->x < 0 ? 0 : r->x, ry0 = r->y < 0 ? 0 : r->y;
        int rx1 = r->x + r->w - 1 < W - 1 ? r->x + r->w - 1 : W - 1;
        int ry1 = r->y + r->h - 1 < H - 1 ? r->y + r->h - 1 : H - 1;
        uint8_t *near = (uint8_t *)(band + (size_t)bw * bh * 2);
        memset(near, 0, (size_t)bw * bh);
        for (y = ry0; y <= ry1; y++)
            for (x = rx0; x <= rx1; x++) {
                int u0, u1;
                if (!hole[(size_t)y * W + x])
                    continue;
                u0 = x - BAND < x0 ? x0 : x - BAND;
                u1 = x + BAND > x1 ? x1 : x + BAND;
                for (j = y - BAND; j <= y + BAND; j++)
                    if (j >= y0 && j <= y1)
                        memset(near + (size_t)(j - y0) * bw + (u0 - x0), 1, u1 - u0 + 1);
            }
        for (y = y0; y <= y1; y++)
            for (x = x0; x <= x1; x++)
                if (near[(size_t)(y - y0) * bw + (x - x0)] && !hole[(size_t)y * W + x]) {
                    band[2 * n] = x;
                    band[2 * n + 1] = y;
                    n++;
                }
    }
    for (i = 0; i < n; i++)
        hole[(size_t)band[2 * i + 1] * W + band[2 * i]] = 254;
    for (i = 0; i < n; i++) {
        int v = estimate(hole, W, H, f, 0, band[2 * i], band[2 * i + 1], MAX_REACH);
        if (v >= 0)
            err += abs(v - sp_get(f, 0, band[2 * i], band[2 * i + 1]));
    }
    for (i = 0; i < n; i++)
        hole[(size_t)band[2 * i + 1] * W + band[2 * i]] = 0;
    return n ? err / n / (1 << (f->depth - 8)) : -1;
}

int sp_fill_test_walks(const uint8_t *hole, int pw, int ph)
{
    int x, y, d, sg, reach, bad = 0, ka[8], kb[8];

    for (y = 0; y < ph; y++)
        for (x = 0; x < pw; x++) {
            for (d = 0; d < 8; d++)
                for (sg = -1; sg <= 1; sg += 2)
                    for (reach = 1; reach <= MAX_REACH; reach += 7)
                        bad += walk(hole, pw, ph, x, y, sg * dirs[d][0], sg * dirs[d][1], reach) !=
                               walk_ref(hole, pw, ph, x, y, sg * dirs[d][0], sg * dirs[d][1], reach);
            walks(hole, pw, ph, x, y, MAX_REACH, ka, kb);
            for (d = 0; d < 8; d++)
                bad += ka[d] != walk_ref(hole, pw, ph, x, y, dirs[d][0], dirs[d][1], MAX_REACH) ||
                       kb[d] != walk_ref(hole, pw, ph, x, y, -dirs[d][0], -dirs[d][1], MAX_REACH);
        }
    return bad;
}
