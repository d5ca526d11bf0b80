/*
 * fill_temporal: motion-compensated temporal fill, and the patch fill
 * that reuses its matching within the current frame.
 *
 * A sensor defect stays on the sensor while the scene moves under it, so a
 * neighbouring frame often shows what the defect hides in this one. For
 * each region:
 *  1. The ring, the healthy luma pixels within a few pixels of the region,
 *     is matched against each neighbour frame by block matching: the mean
 *     absolute difference over the ring samples whose source in the
 *     neighbour is itself healthy, minimised over integer displacements
 *     (a coarse search on a 2-pixel grid over the whole range, refined
 *     around the best), then refined to sub-pixel precision by fitting a
 *     parabola through the costs either side of the minimum in each axis
 *     and keeping the fractional position only if its cost (with bicubic
 *     interpolation) is lower. Farther frames are searched near the
 *     displacement extrapolated from the nearer ones.
 *  2. A match is usable when its cost is low in absolute terms and not
 *     much above the best frame's, which refuses occlusions, non-rigid
 *     motion and brightness changes.
 *  3. Each defective sample takes, from the usable frames nearest first,
 *     the sample at its displaced position (Catmull-Rom bicubic, the same
 *     displacement scaled for subsampled chroma) provided the whole
 *     interpolation support lies on healthy samples of that frame: the
 *     defect is on the sensor, so in a neighbour frame it sits at (about)
 *     the same place, and only content that the motion carried out from
 *     under it is usable. When the motion is too small to uncover a sample
 *     no frame offers it, and it is left to the spatial fill.
 *  4. Up to four candidates are combined robustly: the weighted mean of
 *     those within a tolerance of their median (weights from the match
 *     costs), as in the robust temporal averaging of film restoration
 *     (Kokaram, "Motion Picture Restoration", 1998, ch. 8 uses the median
 *     of motion-compensated neighbours to fill blotches).
 * Neighbour frames take their defects from their own regions (the past
 * frames', final) or, for future frames not yet examined, from the
 * current frame's regions moved by their drift and grown by a margin
 * (fill.c builds these maps).
 *
 * The patch fill (Criminisi, Perez and Toyama, "Region filling and object
 * removal by exemplar-based image inpainting", 2004, searches the surround
 * for exemplars in the same way) matches the ring against the current
 * frame itself at displacements that take the whole hole off itself, and
 * copies the best-matching exemplar into the hole.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "filters/fill.h"

int sp_fill_buf_reserve(FillBuf *b, size_t size)
{
    void *n;

    if (size <= b->size)
        return 0;
    size = size < 4096 ? 4096 : size + size / 2;
    n = realloc(b->p, size);
    if (!n)
        return -1;
    b->p = n;
    b->size = size;
    return 0;
}

void sp_fill_buf_free(FillBuf *b)
{
    free(b->p);
    b->p = NULL;
    b->size = 0;
}

/* Is the block of luma pixels that sample (x, y) of a plane covers
 * defective in map `bad` (NULL: nothing is)? */
static inline int is_bad(const FillContext *s, const uint8_t *bad, int x, int y,
                         int sx, int sy)
{
    int lx, ly, i, j, W = s->pw[0], H = s->ph[0];

    if (!bad)
        return 0;
    if (!sx && !sy)
        return bad[(size_t)y * W + x] != 0;
    for (j = 0; j < 1 << sy; j++) {
        ly = (y << sy) + j;
        if (ly >= H)
            break;
        for (i = 0; i < 1 << sx; i++) {
            lx = (x << sx) + i;
            if (lx < W && bad[(size_t)ly * W + lx])
                return 1;
        }
    }
    return 0;
}

static void cubic_weights(double t, double w[4])
{
    double t2 = t * t, t3 = t2 * t;

    w[0] = -0.5 * t3 + t2 - 0.5 * t;
    w[1] = 1.5 * t3 - 2.5 * t2 + 1.0;
    w[2] = -1.5 * t3 + 2.0 * t2 + 0.5 * t;
    w[3] = 0.5 * t3 - 0.5 * t2;
}

#define FRAC_EPS 1e-3

/* Sample of plane p of ref at fractional (x, y), in plane samples, by
 * Catmull-Rom interpolation; returns -1 when the support leaves the plane
 * or touches a defect of the ref. */
static double fetch(const FillContext *s, const SpFrame *f, const uint8_t *bad,
                    int p, double x, double y)
{
    int sx = sp_plane_ss_x(f, p), sy = sp_plane_ss_y(f, p);
    int pw = s->pw[p], ph = s->ph[p];
    int ix = (int)floor(x), iy = (int)floor(y), i, j, nx, ny, bx, by;
    double fx = x - ix, fy = y - iy, wx[4], wy[4], v = 0;

    if (fx > 1 - FRAC_EPS) { ix++; fx = 0; }
    if (fy > 1 - FRAC_EPS) { iy++; fy = 0; }
    if (fx < FRAC_EPS) {
        nx = 1; bx = ix; wx[0] = 1;
    } else {
        nx = 4; bx = ix - 1; cubic_weights(fx, wx);
    }
    if (fy < FRAC_EPS) {
        ny = 1; by = iy; wy[0] = 1;
    } else {
        ny = 4; by = iy - 1; cubic_weights(fy, wy);
    }
    if (bx < 0 || by < 0 || bx + nx > pw || by + ny > ph)
        return -1;
    for (j = 0; j < ny; j++) {
        double row = 0;
        for (i = 0; i < nx; i++) {
            if (is_bad(s, bad, bx + i, by + j, sx, sy))
                return -1;
            row += wx[i] * sp_get(f, p, bx + i, by + j);
        }
        v += wy[j] * row;
    }
    return v < 0 ? 0 : v;
}

/* The ring: healthy luma pixels of the current frame within `width` of the
 * region's box. Returns how many, stored as (x, y) pairs in s->ring. */
static int build_ring(FillContext *s, const SpRegion *r, int width)
{
    int W = s->pw[0], H = s->ph[0], x, y, n = 0;
    int x0 = r->x - width, y0 = r->y - width;
    int x1 = r->x + r->w - 1 + width, y1 = r->y + r->h - 1 + width;
    int16_t *pos;

    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 >= W) x1 = W - 1;
    if (y1 >= H) y1 = H - 1;
    if (x1 < x0 || y1 < y0)
        return 0;
    if (sp_fill_buf_reserve(&s->ring, (size_t)(x1 - x0 + 1) * (y1 - y0 + 1) *
                            2 * sizeof(int16_t)) < 0)
        return -1;
    pos = s->ring.p;
    for (y = y0; y <= y1; y++)
        for (x = x0; x <= x1; x++)
            if (!s->hole[0][(size_t)y * W + x]) {
                pos[2 * n] = (int16_t)x;
                pos[2 * n + 1] = (int16_t)y;
                n++;
            }
    return n;
}

/* Integer-displacement ring cost, 8-bit levels; step > 1 subsamples the
 * ring. Gives up (returns DBL_MAX) once the cost must exceed `bound`. */
static double int_cost(const FillContext *s, const SpFrame *cur,
                       const FillRef *ref, int nring, int dx, int dy,
                       int step, double bound, int *count)
{
    const int16_t *pos = s->ring.p;
    int W = s->pw[0], H = s->ph[0], i, n = 0, total = 0;
    double shift = 1.0 / (1 << (cur->depth - 8));
    long sum = 0;
    long limit = bound >= DBL_MAX / 4 ? -1 :
                 (long)(bound / shift * ((nring + step - 1) / step)) + 1;

    for (i = 0; i < nring; i += step) {
        int x = pos[2 * i], y = pos[2 * i + 1], X = x + dx, Y = y + dy, d;
        total++;
        if (X < 0 || Y < 0 || X >= W || Y >= H ||
            (ref->bad && ref->bad[(size_t)Y * W + X]))
            continue;
        d = sp_get(cur, 0, x, y) - sp_get(ref->f, 0, X, Y);
        sum += d < 0 ? -d : d;
        n++;
        if (limit >= 0 && sum > limit)
            return DBL_MAX;
    }
    *count = n;
    if (n < 8 || n * 2 < total)
        return DBL_MAX;
    return sum * shift / n;
}

/* Sub-pixel ring cost. */
static double frac_cost(const FillContext *s, const SpFrame *cur,
                        const FillRef *ref, int nring, double dx, double dy)
{
    const int16_t *pos = s->ring.p;
    double shift = 1.0 / (1 << (cur->depth - 8)), sum = 0;
    int i, n = 0;

    for (i = 0; i < nring; i++) {
        int x = pos[2 * i], y = pos[2 * i + 1];
        double v = fetch(s, ref->f, ref->bad, 0, x + dx, y + dy);
        if (v < 0)
            continue;
        sum += fabs(sp_get(cur, 0, x, y) - v);
        n++;
    }
    if (n < 8 || n * 2 < nring)
        return DBL_MAX;
    return sum * shift / n;
}

/* Search displacements within `range` of (px, py); with exclude, skip
 * those that leave the region's box overlapping itself (patch search). */
static int match(FillContext *s, const SpFrame *cur, const SpRegion *r,
                 FillRef *ref, int nring, int px, int py, int range, int exclude)
{
    double best = DBL_MAX, c, cl, cr, fx = 0, fy = 0;
    int bx = 0, by = 0, dx, dy, n, step = range > 4 ? 2 : 1, cx, cy, k;

    for (dy = py - range; dy <= py + range; dy += step)
        for (dx = px - range; dx <= px + range; dx += step) {
            if (exclude && abs(dx) <= r->w && abs(dy) <= r->h)
                continue;
            c = int_cost(s, cur, ref, nring, dx, dy, step, best, &n);
            if (c < best) {
                best = c;
                bx = dx;
                by = dy;
            }
        }
    if (best == DBL_MAX)
        return 1;
    if (step > 1) {
        cx = bx;
        cy = by;
        best = DBL_MAX;
        for (dy = cy - 2; dy <= cy + 2; dy++)
            for (dx = cx - 2; dx <= cx + 2; dx++) {
                if (exclude && abs(dx) <= r->w && abs(dy) <= r->h)
                    continue;
                c = int_cost(s, cur, ref, nring, dx, dy, 1, best, &n);
                if (c < best) {
                    best = c;
                    bx = dx;
                    by = dy;
                }
            }
        if (best == DBL_MAX)
            return 1;
    }
    /* sub-pixel: a parabola through the costs either side, per axis */
    for (k = 0; k < 2 && best > 0; k++) {
        cl = int_cost(s, cur, ref, nring, bx - !k, by - k, 1, DBL_MAX, &n);
        cr = int_cost(s, cur, ref, nring, bx + !k, by + k, 1, DBL_MAX, &n);
        if (cl < DBL_MAX && cr < DBL_MAX && cl + cr - 2 * best > 1e-9) {
            double t = 0.5 * (cl - cr) / (cl + cr - 2 * best);
            t = t < -0.5 ? -0.5 : t > 0.5 ? 0.5 : t;
            t = floor(t * 4 + 0.5) / 4; /* quarter pixels */
            if (k) fy = t; else fx = t;
        }
    }
    ref->vx = bx;
    ref->vy = by;
    ref->cost = best;
    if (fx != 0 || fy != 0) {
        c = frac_cost(s, cur, ref, nring, bx + fx, by + fy);
        if (c < best) {
            ref->vx = bx + fx;
            ref->vy = by + fy;
            ref->cost = c;
        }
    }
    return 0;
}

/* Candidate store: per sample of a plane box, up to FILL_MAX_CAND values
 * and weights and a count. */
typedef struct Cand {
    float v[FILL_MAX_CAND];
    float w[FILL_MAX_CAND];
    int n;
} Cand;

/* Robust combination: the weighted mean of the candidates within tol of
 * their median (with two that disagree, the better weighted one). */
static double combine(const Cand *c, double tol)
{
    float v[FILL_MAX_CAND], w[FILL_MAX_CAND], t;
    double med, num = 0, den = 0;
    int i, j, n = c->n;

    if (n == 1)
        return c->v[0];
    memcpy(v, c->v, sizeof(v));
    memcpy(w, c->w, sizeof(w));
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && v[j] < v[j - 1]; j--) {
            t = v[j]; v[j] = v[j - 1]; v[j - 1] = t;
            t = w[j]; w[j] = w[j - 1]; w[j - 1] = t;
        }
    if (n == 2) {
        if (v[1] - v[0] > tol)
            return c->w[0] >= c->w[1] ? c->v[0] : c->v[1];
        return (v[0] * w[0] + v[1] * w[1]) / (w[0] + w[1]);
    }
    med = n & 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    for (i = 0; i < n; i++)
        if (fabs(v[i] - med) <= tol) {
            num += v[i] * w[i];
            den += w[i];
        }
    return den > 0 ? num / den : med;
}

/* Add the candidates that ref offers for every defective sample of r. */
static int add_candidates(FillContext *s, const SpFrame *f, const SpRegion *r,
                          const FillRef *ref, Cand *cand, size_t *plane_off)
{
    double w = 1.0 / ((ref->cost + 1.0) * (ref->cost + 1.0));
    int p, x, y, x0, y0, x1, y1, added = 0;

    for (p = 0; p < s->nb_planes; p++) {
        const uint8_t *hole = sp_fill_hole(s, f, p);
        int sx = sp_plane_ss_x(f, p), sy = sp_plane_ss_y(f, p), bw;
        double dx = ref->vx / (1 << sx), dy = ref->vy / (1 << sy);
        if (!sp_fill_plane_box(s, f, p, r, &x0, &y0, &x1, &y1))
            continue;
        bw = x1 - x0 + 1;
        for (y = y0; y <= y1; y++)
            for (x = x0; x <= x1; x++) {
                Cand *c = &cand[plane_off[p] + (size_t)(y - y0) * bw + (x - x0)];
                double v;
                if (!hole[(size_t)y * s->pw[p] + x] || c->n >= FILL_MAX_CAND)
                    continue;
                v = fetch(s, ref->f, ref->bad, p, x + dx, y + dy);
                if (v < 0)
                    continue;
                c->v[c->n] = (float)v;
                c->w[c->n] = (float)w;
                c->n++;
                added += !p;
            }
    }
    return added;
}

/* Size the candidate store for r; plane_off receives each plane's start. */
static Cand *cand_alloc(FillContext *s, const SpFrame *f, const SpRegion *r,
                        size_t *plane_off)
{
    size_t total = 0;
    int p, x0, y0, x1, y1;

    for (p = 0; p < s->nb_planes; p++) {
        plane_off[p] = total;
        if (sp_fill_plane_box(s, f, p, r, &x0, &y0, &x1, &y1))
            total += (size_t)(x1 - x0 + 1) * (y1 - y0 + 1);
    }
    if (sp_fill_buf_reserve(&s->cand, total * sizeof(Cand)) < 0)
        return NULL;
    memset(s->cand.p, 0, total * sizeof(Cand));
    return s->cand.p;
}

/* Luma samples of r still defective, and how many of them have at least
 * `need` candidates. */
static void coverage(const FillContext *s, const SpFrame *f, const SpRegion *r,
                     const Cand *cand, int need, int *holes, int *covered)
{
    int x, y, x0, y0, x1, y1;

    *holes = *covered = 0;
    if (!sp_fill_plane_box(s, f, 0, r, &x0, &y0, &x1, &y1))
        return;
    for (y = y0; y <= y1; y++)
        for (x = x0; x <= x1; x++) {
            if (!s->hole[0][(size_t)y * s->pw[0] + x])
                continue;
            (*holes)++;
            *covered += cand[(size_t)(y - y0) * (x1 - x0 + 1) + (x - x0)].n >= need;
        }
}

/* Write the combined candidates, clear the filled samples from the hole
 * maps; returns the share of luma samples filled. */
static double write_candidates(FillContext *s, SpFrame *f, const SpRegion *r,
                               Cand *cand, const size_t *plane_off)
{
    double tol = 6.0 * (1 << (f->depth - 8));
    int p, x, y, x0, y0, x1, y1, holes = 0, filled = 0;

    for (p = 0; p < s->nb_planes; p++) {
        const uint8_t *hole = sp_fill_hole(s, f, p);
        int bw;
        if (!sp_fill_plane_box(s, f, p, r, &x0, &y0, &x1, &y1))
            continue;
        bw = x1 - x0 + 1;
        for (y = y0; y <= y1; y++)
            for (x = x0; x <= x1; x++) {
                Cand *c = &cand[plane_off[p] + (size_t)(y - y0) * bw + (x - x0)];
                int hv = hole[(size_t)y * s->pw[p] + x];
                if (!hv)
                    continue;
                holes += !p;
                if (!c->n)
                    continue;
                filled += !p;
                sp_fill_put(f, p, x, y, (int)(combine(c, tol) + 0.5), hv);
            }
    }
    /* now the maps: every plane has been written */
    for (p = 0; p < s->nb_planes; p++) {
        uint8_t *hole = sp_fill_hole(s, f, p);
        int bw;
        if ((p > 0 && hole == s->hole[0]) ||
            !sp_fill_plane_box(s, f, p, r, &x0, &y0, &x1, &y1))
            continue;
        bw = x1 - x0 + 1;
        for (y = y0; y <= y1; y++)
            for (x = x0; x <= x1; x++)
                if (cand[plane_off[p] + (size_t)(y - y0) * bw + (x - x0)].n)
                    hole[(size_t)y * s->pw[p] + x] = 0;
    }
    return holes ? (double)filled / holes : 0;
}

double sp_fill_temporal(FillContext *s, SpFrame *f, const SpRegion *r,
                        int ring_width)
{
    size_t plane_off[4];
    Cand *cand;
    double best = DBL_MAX;
    int nring, i, holes, covered, prev[2] = { -1, -1 };

    if (!s->nb_refs)
        return 0;
    nring = build_ring(s, r, ring_width);
    if (nring < 8)
        return nring < 0 ? -1 : 0;
    cand = cand_alloc(s, f, r, plane_off);
    if (!cand)
        return -1;
    /* refs are ordered nearest first, alternating past and future */
    for (i = 0; i < s->nb_refs; i++) {
        FillRef *ref = &s->refs[i];
        int dir = ref->dist > 0, px = 0, py = 0, range = s->search;
        ref->ok = 0;
        if (prev[dir] >= 0) {
            const FillRef *pr = &s->refs[prev[dir]];
            double k = (double)ref->dist / pr->dist;
            px = (int)lrint(pr->vx * k);
            py = (int)lrint(pr->vy * k);
            range = 3 + abs(ref->dist - pr->dist);
        }
        if (match(s, f, r, ref, nring, px, py, range, 0))
            continue;
        if (ref->cost > s->max_cost || ref->cost > 2 * best + 2)
            continue;
        ref->ok = 1;
        prev[dir] = i;
        if (ref->cost < best)
            best = ref->cost;
        add_candidates(s, f, r, ref, cand, plane_off);
        coverage(s, f, r, cand, 3, &holes, &covered);
        if (covered == holes)
            break;
    }
    return write_candidates(s, f, r, cand, plane_off);
}

double sp_fill_ring_texture(FillContext *s, const SpFrame *f, const SpRegion *r)
{
    const int16_t *pos;
    int n = build_ring(s, r, 4), i, cnt = 0;
    double sum = 0;

    if (n <= 0)
        return 0;
    pos = s->ring.p;
    for (i = 0; i < n; i++) {
        int x = pos[2 * i], y = pos[2 * i + 1];
        if (x + 1 >= s->pw[0] || y + 1 >= s->ph[0] ||
            s->hole[0][(size_t)y * s->pw[0] + x + 1] ||
            s->hole[0][(size_t)(y + 1) * s->pw[0] + x])
            continue;
        sum += abs(sp_get(f, 0, x + 1, y) - sp_get(f, 0, x, y)) +
               abs(sp_get(f, 0, x, y + 1) - sp_get(f, 0, x, y));
        cnt++;
    }
    return cnt ? sum / cnt / (1 << (f->depth - 8)) : 0;
}

double sp_fill_patch(FillContext *s, SpFrame *f, const SpRegion *r)
{
    FillRef self = { 0 };
    size_t plane_off[4];
    Cand *cand;
    int nring, range = r->w > r->h ? r->w : r->h;

    nring = build_ring(s, r, 4);
    if (nring < 8)
        return nring < 0 ? -1 : 0;
    cand = cand_alloc(s, f, r, plane_off);
    if (!cand)
        return -1;
    self.f = f;
    self.bad = s->hole[0];
    range += 12;
    if (match(s, f, r, &self, nring, 0, 0, range, 1))
        return 0;
    if (self.cost > s->max_cost * 2)
        return 0;
    add_candidates(s, f, r, &self, cand, plane_off);
    return write_candidates(s, f, r, cand, plane_off);
}
