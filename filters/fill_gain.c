/*
 * fill_gain: gain correction of dimming spots.
 *
 * A dust particle on the sensor's cover glass casts a soft shadow: the
 * picture under it is multiplied by a smooth attenuation, while the
 * texture and motion under the spot stay real (Zhou and Lin, "Removal of
 * Image Artifacts Due to Sensor Dust", CVPR 2007, model it as the
 * particle's transmission blurred by the aperture; Gu et al., "Removing
 * Image Artifacts Due to Dirty Camera Lenses and Thin Occluders", SIGGRAPH
 * Asia 2009, recover the picture by dividing the attenuation out where it
 * is mild and inpainting where it is strong). So instead of replacing the
 * samples, we estimate the attenuation and divide it out:
 *
 *  1. A reference of what the spot hides: the motion-compensated
 *     neighbour frames where they show it (fill_temporal.c), else the
 *     spatial fill of the hole (a smooth guess, good enough for the smooth
 *     attenuation even if it misses the texture).
 *  2. The attenuation is fitted as a soft-edged disc,
 *         a(p) = 1 - A exp(-(|p - c| / rho)^q),
 *     the shape of a blurred particle shadow: the centre c on a quarter
 *     pixel grid, the radius rho and the edge sharpness q (2, 4 or 6) on
 *     small grids,
 *     the depth A in closed form (least squares of (Y - o) against
 *     (R - o) phi, with o the black level) for each; the fit with the
 *     least squared error wins.
 *  3. A spot keeps its shape from frame to frame while the content
 *     changes under it, so per track the depth and radius are averaged
 *     over the frames (a running mean over the last few), which steadies
 *     the correction and keeps it from flickering.
 *  4. Each defective sample (every plane: chroma divided around its
 *     neutral value, by the attenuation of the luma pixels it covers) is
 *     divided by a(p) where a(p) >= min_gain, and averaged with the
 *     temporal estimate where there is one, weighted by a(p)^2 against a
 *     constant: the division multiplies the noise by 1 / a(p). Samples
 *     darker than that are left to the other fills.
 * A region whose fit finds no real dimming (A small, or the model
 * explaining little of the difference) is left to the other fills, and so
 * (with strict, as fill=auto asks) is a fit that disagrees with the
 * track's earlier ones or comes before two of them.
 *
 * The spatial fill's guess is a poor reference on an edge or a line: it
 * carries the surround into the hole, and the fit then takes the content
 * itself for a shadow (a depth at the clamp, divided out into a bright
 * halo). So per track a second, "seen" model is fitted, writing nothing,
 * wherever the neighbour frames do show what the spot hides (every
 * SEEN_SPACING frames until it holds SEEN_STEADY fits, then every
 * SEEN_REFRESH: each fit costs about what a fill does; and only in a free
 * slot of the gain tracks, never evicting one); once it holds two fits, a
 * frame left with the spatial guess keeps the seen depth and shape and
 * fits only the spot's centre.
 *
 * Measured on painted H.264 clips, the division multiplies the encoder's
 * error in the dark spot by 1 / a(p) as well, so where the neighbour
 * frames show the content the temporal fill is far closer (mean squared
 * error 0.4 against 5 to 130 with the true attenuation); fill=auto uses
 * the gain fill for spots that the motion does not uncover, on texture
 * that the spatial fill cannot rebuild.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "filters/fill.h"

#define GAIN_HISTORY 8  /* frames a track's shape is averaged over */
#define SEEN_STEADY 4   /* fits after which a seen model is steady */
#define SEEN_SPACING 2  /* frames between a seen model's fits until then */
#define SEEN_REFRESH 16 /* frames between a steady seen model's updates */
#define SEEN_HISTORY 48 /* frames a seen model is trusted after its last update */
#define SEEN_RESIDUAL 0.1 /* share of the difference a seen fit may leave unexplained */

/* Black level (the value an attenuation pulls towards) of plane p. */
static double black(const SpFrame *f, int p)
{
    if (f->color != SP_COLOR_YUV)
        return 0;
    return p ? (double)(1 << (f->depth - 1)) : 16.0 * (1 << (f->depth - 8));
}

static double profile(double d2, double rho, double q)
{
    double t = d2 / (rho * rho);

    /* the shapes of the fit's grid without pow(); averaged shapes of a
     * track fall between them */
    if (q == 2)
        return exp(-t);
    if (q == 4)
        return exp(-t * t);
    if (q == 6)
        return exp(-t * t * t);
    return exp(-pow(t, q / 2));
}

typedef struct GainFit {
    double cx, cy, rho, q, A, err;
} GainFit;

/* Least-squares depth and error for one shape; y, ref are (Y - o), (R - o)
 * at positions (px, py), n samples; e0 = sum (y - ref)^2. With
 * b = profile * ref, the depth is A = sum (ref - y) b / sum b^2 (clamped),
 * and the squared error of y against ref (1 - A profile) is
 *     sum (y - ref + A b)^2 = e0 - 2 A sum (ref - y) b + A^2 sum b^2,
 * so one pass gives both (no second exp() per sample). */
static void fit_depth(const float *px, const float *py, const float *y,
                      const float *ref, int n, double e0, int keep_depth, GainFit *g)
{
    double num = 0, den = 0;
    int i;

    for (i = 0; i < n; i++) {
        double d2 = (px[i] - g->cx) * (px[i] - g->cx) + (py[i] - g->cy) * (py[i] - g->cy);
        double b = profile(d2, g->rho, g->q) * ref[i];
        num += (ref[i] - y[i]) * b;
        den += b * b;
    }
    if (!keep_depth)
        g->A = den > 0 ? num / den : 0;
    if (g->A < 0) g->A = 0;
    if (g->A > 0.97) g->A = 0.97;
    g->err = e0 - 2 * g->A * num + g->A * g->A * den;
    if (g->err < 0)
        g->err = 0;
}

/* Average fit g into shape m, the fits of frames before index forgotten
 * first if reset. */
static void shape_add(FillGainShape *m, const GainFit *g, int64_t index, int reset)
{
    if (reset)
        m->weight = 0;
    if (m->weight < GAIN_HISTORY)
        m->weight += 1;
    m->strength += (g->A - m->strength) / m->weight;
    m->radius += (g->rho - m->radius) / m->weight;
    m->shape += (g->q - m->shape) / m->weight;
    m->last = index;
}

static FillGainTrack *track_state(FillContext *s, int track, int64_t index, int evict)
{
    FillGainTrack *free_slot = NULL, *oldest = &s->gain[0];
    int i;

    if (track < 0)
        return NULL;
    sp_fill_ordered(s); /* the tracks are shared by the frame's regions */
    for (i = 0; i < FILL_GAIN_TRACKS; i++) {
        FillGainTrack *t = &s->gain[i];
        if (t->track == track)
            return t;
        if (t->track < 0 && !free_slot)
            free_slot = t;
        if (t->fit.last < oldest->fit.last)
            oldest = t;
    }
    if (!free_slot && !evict)
        return NULL;
    if (!free_slot)
        free_slot = oldest;
    memset(free_slot, 0, sizeof(*free_slot));
    free_slot->track = track;
    free_slot->fit.last = index;
    return free_slot;
}

int sp_fill_gain_seen_due(FillContext *s, const SpRegion *r, int64_t index)
{
    /* a seen model takes a free slot, never another track's; until steady
     * it is fitted every SEEN_SPACING frames */
    const FillGainTrack *t = track_state(s, r->track, index, 0);

    return t && !(t->seen.weight >= SEEN_STEADY && index >= t->seen.last &&
                  index - t->seen.last < SEEN_REFRESH) &&
           !(t->seen.weight < SEEN_STEADY && (index + r->track) % SEEN_SPACING);
}

int sp_fill_gain(FillContext *s, SpFrame *f, SpRegion *r, int64_t index,
                 const int32_t *orig, const float *ref, int flags)
{
    int stable = 1, strict = flags & FILL_GAIN_STRICT, shaped = 0;
    static const double qs[] = { 2, 4, 6 };
    int bw0, x, y, x0, y0, x1, y1, n = 0, i, k, p, written = 0;
    float *px, *py, *yv, *rv;
    float *att;
    double e0 = 0;
    double o0 = black(f, 0), scale = 1.0 / (1 << (f->depth - 8));
    double sy = 0, sr = 0, rmin, rmax;
    GainFit best = { 0, 0, 0, 0, 0, DBL_MAX }, g;
    FillGainTrack *t = NULL;

    if (!sp_fill_plane_box(s, f, 0, r, &x0, &y0, &x1, &y1))
        return 1;
    if ((flags & FILL_GAIN_SEEN) && !sp_fill_gain_seen_due(s, r, index))
        return 1;
    bw0 = x1 - x0 + 1;
    if (sp_fill_buf_reserve(&s->gbuf, (size_t)bw0 * (y1 - y0 + 1) * 5 * sizeof(float)) < 0)
        return -1;
    px = s->gbuf.p;
    py = px + (size_t)bw0 * (y1 - y0 + 1);
    yv = py + (size_t)bw0 * (y1 - y0 + 1);
    rv = yv + (size_t)bw0 * (y1 - y0 + 1);
    att = rv + (size_t)bw0 * (y1 - y0 + 1);
    /* the samples with a reference: the luma plane's first in orig/ref */
    for (y = y0; y <= y1; y++)
        for (x = x0; x <= x1; x++) {
            size_t j = (size_t)(y - y0) * bw0 + (x - x0);
            if (!orig[2 * j + 1] || ref[j] < 0)
                continue;
            px[n] = (float)x;
            py[n] = (float)y;
            yv[n] = (float)(orig[2 * j] - o0);
            rv[n] = (float)(ref[j] - o0);
            if (rv[n] * scale < 1)
                continue; /* no light to attenuate: says nothing */
            sy += yv[n];
            sr += rv[n];
            n++;
        }
    if (n < 6 || sr <= 0 || sy >= sr * 0.97)
        return 1; /* not darker than its reference: no dimming */
    /* the centre starts at the darkest ratio's weighted centroid */
    {
        double cx = 0, cy = 0, cw = 0;
        for (i = 0; i < n; i++) {
            double d = 1 - yv[i] / rv[i];
            if (d <= 0)
                continue;
            cx += d * d * px[i];
            cy += d * d * py[i];
            cw += d * d;
        }
        if (cw <= 0)
            return 1;
        best.cx = cx / cw;
        best.cy = cy / cw;
    }
    for (i = 0; i < n; i++)
        e0 += (yv[i] - rv[i]) * (yv[i] - rv[i]);
    rmin = 1.0;
    rmax = (r->w < r->h ? r->w : r->h) / 2.0;
    if (rmax < 1.5)
        rmax = 1.5;
    if (flags & FILL_GAIN_GUESS) {
        /* a spatial guess of the content is no measure of the spot's depth
         * (on an edge or a line it takes the content itself for a
         * shadow): where the track's spot was seen against what the
         * neighbour frames showed, its depth and shape are kept and only
         * the centre is fitted */
        t = track_state(s, r->track, index, 1);
        shaped = t && t->seen.weight >= 2 && index >= t->seen.last &&
                 index - t->seen.last <= SEEN_HISTORY;
    }
    if (shaped) {
        GainFit c0 = best;
        double cs = 0.5;
        int a, b, level;
        best.err = DBL_MAX;
        for (level = 0; level < 4; level++, cs /= 2) {
            int span = level ? 1 : 3;
            for (b = -span; b <= span; b++)
                for (a = -span; a <= span; a++) {
                    g.cx = c0.cx + cs * a;
                    g.cy = c0.cy + cs * b;
                    g.rho = t->seen.radius;
                    g.q = t->seen.shape;
                    g.A = t->seen.strength;
                    fit_depth(px, py, yv, rv, n, e0, 1, &g);
                    if (g.err < best.err)
                        best = g;
                }
            c0 = best;
        }
        if (best.err >= e0)
            return 1; /* the model explains nothing here */
        goto divide;
    }
    /* coarse: centre on a half-pixel grid around the centroid, all radii
     * and shapes; then fine: quarter pixels and finer radii */
    {
        GainFit c0 = best;
        for (k = 0; k < 3; k++) {
            double rho;
            for (rho = rmin; rho <= rmax + 1e-9; rho += 0.5) {
                int a, b;
                for (b = -3; b <= 3; b++)
                    for (a = -3; a <= 3; a++) {
                        g.cx = c0.cx + 0.5 * a;
                        g.cy = c0.cy + 0.5 * b;
                        g.rho = rho;
                        g.q = qs[k];
                        fit_depth(px, py, yv, rv, n, e0, 0, &g);
                        if (g.err < best.err)
                            best = g;
                    }
            }
        }
        /* finer and finer around the winner, its shape kept */
        {
            double cs = 0.25, rs = 0.125;
            int level;
            for (level = 0; level < 4; level++, cs /= 2, rs /= 2) {
                int a, b, c;
                c0 = best;
                for (c = -3; c <= 3; c++)
                    for (b = -1; b <= 1; b++)
                        for (a = -1; a <= 1; a++) {
                            g.cx = c0.cx + cs * a;
                            g.cy = c0.cy + cs * b;
                            g.rho = c0.rho + rs * c;
                            g.q = c0.q;
                            if (g.rho < 0.5)
                                continue;
                            fit_depth(px, py, yv, rv, n, e0, 0, &g);
                            if (g.err < best.err)
                                best = g;
                        }
            }
        }
    }
    /* is it a dimming? deep enough, and the model explains most of the
     * difference between the spot and its reference */
    if (best.A < 0.05 || best.err > 0.5 * e0)
        return 1;
    /* a track's shape is steady: average it over the last frames. With
     * strict, a fit is only used once it agrees with the track's earlier
     * ones: a misfitted radius would multiply the rim of the spot by as
     * much as it divides the centre */
    t = track_state(s, r->track, index, 1);
    if (flags & FILL_GAIN_SEEN) {
        /* where the neighbour frames do show the content, a spot's
         * shadow explains nearly all of the difference; a fit that
         * explains less met a wrong match, and is not averaged in */
        if (best.err > SEEN_RESIDUAL * e0)
            return 1;
        shape_add(&t->seen, &best, index,
                  index - t->seen.last > SEEN_HISTORY || index < t->seen.last);
        return 1;
    }
    if (strict && (!t || index - t->fit.last > GAIN_HISTORY || t->fit.weight < 2 ||
                   fabs(best.A - t->fit.strength) > 0.06 ||
                   fabs(best.rho - t->fit.radius) > 0.3))
        stable = 0;
    if (t) {
        shape_add(&t->fit, &best, index, index - t->fit.last > GAIN_HISTORY);
        best.A = t->fit.strength;
        best.rho = t->fit.radius;
        best.q = t->fit.shape;
    }
    if (!stable)
        return 1;
divide:
    r->gain = (float)(1 - best.A);


    /* divide it out, every plane */
    for (y = y0; y <= y1; y++)
        for (x = x0; x <= x1; x++) {
            double d2 = (x - best.cx) * (x - best.cx) + (y - best.cy) * (y - best.cy);
            att[(size_t)(y - y0) * bw0 + (x - x0)] =
                (float)(1 - best.A * profile(d2, best.rho, best.q));
        }
    {
        size_t off = 0;
        for (p = 0; p < s->nb_planes; p++) {
            int sx = sp_plane_ss_x(f, p), sy2 = sp_plane_ss_y(f, p), px0, py0, px1, py1;
            double o = black(f, p), tol = 1e-9;
            if (!sp_fill_plane_box(s, f, p, r, &px0, &py0, &px1, &py1))
                continue;
            for (y = py0; y <= py1; y++)
                for (x = px0; x <= px1; x++, off++) {
                    int hv = orig[2 * off + 1], u, v, cnt = 0;
                    double a = 0, val, tv;
                    if (!hv)
                        continue;
                    /* the attenuation of the luma pixels it covers */
                    for (v = 0; v < 1 << sy2; v++)
                        for (u = 0; u < 1 << sx; u++) {
                            int lx = (x << sx) + u, ly = (y << sy2) + v;
                            if (lx < x0 || lx > x1 || ly < y0 || ly > y1)
                                continue;
                            a += att[(size_t)(ly - y0) * bw0 + (lx - x0)];
                            cnt++;
                        }
                    a = cnt ? a / cnt : 1;
                    if (a < s->min_gain)
                        continue; /* too dark to recover: left to the others */
                    val = o + (orig[2 * off] - o) / a;
                    tv = sp_fill_temporal_value(s, f, r, p, x, y);
                    if (tv >= 0) {
                        double wg = a * a, wt = s->gain_temporal_weight;
                        val = (val * wg + tv * wt) / (wg + wt + tol);
                    }
                    val = (val * hv + orig[2 * off] * (255.0 - hv)) / 255.0;
                    sp_put(f, p, x, y, (int)(val + 0.5));
                    sp_fill_hole(s, f, p)[(size_t)y * s->pw[p] + x] = 0;
                    written += !p;
                }
        }
    }
    return written ? 0 : 1;
}
