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
 *     attenuation even if it misses the texture). The guess carries the
 *     surround's level into the hole (an edge beside the spot brightens
 *     it all), which the fit would take for shadow: once fitted, the
 *     guess is corrected by the plane of its error that the samples the
 *     shadow leaves alone show, and the fit refined against it.
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
 *     darker than that are left to the other fills; a sample that the
 *     division would move by under half a level (where the fitted shadow
 *     does not reach: a tracker's mask runs past the spot) stays as it was.
 *     The same rule is applied after any other fill of a tracked spot
 *     (FILL_GAIN_REACH: the track's model, its centre fitted against what
 *     that fill wrote; a sample is given back only where the shadow would
 *     not reach it REACH_MARGIN pixels nearer the centre either).
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
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "filters/fill.h"

#define GAIN_HISTORY 8  /* frames a track's shape is averaged over */
#define SEEN_STEADY 4   /* fits after which a seen model is steady */
#define SEEN_SPACING 2  /* frames between a seen model's fits until then */
#define SEEN_REFRESH 16 /* frames between a steady seen model's updates */
#define SEEN_HISTORY 48 /* frames a seen model is trusted after its last update */
#define REACH_MARGIN 1.5 /* pixels of safety a given-back sample keeps from the fitted shadow */
#define SEEN_RESIDUAL 0.1 /* share of the difference a seen fit may leave unexplained */
#define GUESS_ROUNDS 2   /* corrections of a spatial guess by its plane of error */
#define GUESS_MIN_MOVE 1.0 /* levels (8-bit) under which a correction changes nothing */

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

/* The samples a fit is measured on: positions, (Y - o) and (R - o), e0 =
 * sum (y - ref)^2, and how far exp_fast's error of a fit can be from
 * fit_depth's (see fit_choose). */
typedef struct GainSamples {
    const float *px, *py, *y, *ref;
    int n;
    double e0, bound;
} GainSamples;

/* Least-squares depth and error for one shape; y, ref are (Y - o), (R - o)
 * at positions (px, py), n samples; e0 = sum (y - ref)^2. With
 * b = profile * ref, the depth is A = sum (ref - y) b / sum b^2 (clamped),
 * and the squared error of y against ref (1 - A profile) is
 *     sum (y - ref + A b)^2 = e0 - 2 A sum (ref - y) b + A^2 sum b^2,
 * so one pass gives both (no second exp() per sample). */
static void fit_depth(const GainSamples *S, int keep_depth, GainFit *g)
{
    const float *px = S->px, *py = S->py, *y = S->y, *ref = S->ref;
    double num = 0, den = 0;
    int i;

    for (i = 0; i < S->n; i++) {
        double d2 = (px[i] - g->cx) * (px[i] - g->cx) + (py[i] - g->cy) * (py[i] - g->cy);
        double b = profile(d2, g->rho, g->q) * ref[i];
        num += (ref[i] - y[i]) * b;
        den += b * b;
    }
    if (!keep_depth)
        g->A = den > 0 ? num / den : 0;
    if (g->A < 0) g->A = 0;
    if (g->A > 0.97) g->A = 0.97;
    g->err = S->e0 - 2 * g->A * num + g->A * g->A * den;
    if (g->err < 0)
        g->err = 0;
}

/* exp(x) for x <= 0 within a few units in the last place (1e-15 relative;
 * 0 below -708): x = (64 k + j) ln2 / 64 + r, |r| <= ln2 / 128, so
 * exp(x) = 2^k 2^(j/64) exp(r), exp(r) by its Taylor series to r^5 (the
 * next term is below 4e-17). Inline, and without libm's call. */
static const double exp2_64th[64] = {
    0x1.0000000000000p+0, 0x1.02c9a3e778061p+0, 0x1.059b0d3158574p+0, 0x1.0874518759bc8p+0,
    0x1.0b5586cf9890fp+0, 0x1.0e3ec32d3d1a2p+0, 0x1.11301d0125b51p+0, 0x1.1429aaea92de0p+0,
    0x1.172b83c7d517bp+0, 0x1.1a35beb6fcb75p+0, 0x1.1d4873168b9aap+0, 0x1.2063b88628cd6p+0,
    0x1.2387a6e756238p+0, 0x1.26b4565e27cddp+0, 0x1.29e9df51fdee1p+0, 0x1.2d285a6e4030bp+0,
    0x1.306fe0a31b715p+0, 0x1.33c08b26416ffp+0, 0x1.371a7373aa9cbp+0, 0x1.3a7db34e59ff7p+0,
    0x1.3dea64c123422p+0, 0x1.4160a21f72e2ap+0, 0x1.44e086061892dp+0, 0x1.486a2b5c13cd0p+0,
    0x1.4bfdad5362a27p+0, 0x1.4f9b2769d2ca7p+0, 0x1.5342b569d4f82p+0, 0x1.56f4736b527dap+0,
    0x1.5ab07dd485429p+0, 0x1.5e76f15ad2148p+0, 0x1.6247eb03a5585p+0, 0x1.6623882552225p+0,
    0x1.6a09e667f3bcdp+0, 0x1.6dfb23c651a2fp+0, 0x1.71f75e8ec5f74p+0, 0x1.75feb564267c9p+0,
    0x1.7a11473eb0187p+0, 0x1.7e2f336cf4e62p+0, 0x1.82589994cce13p+0, 0x1.868d99b4492edp+0,
    0x1.8ace5422aa0dbp+0, 0x1.8f1ae99157736p+0, 0x1.93737b0cdc5e5p+0, 0x1.97d829fde4e50p+0,
    0x1.9c49182a3f090p+0, 0x1.a0c667b5de565p+0, 0x1.a5503b23e255dp+0, 0x1.a9e6b5579fdbfp+0,
    0x1.ae89f995ad3adp+0, 0x1.b33a2b84f15fbp+0, 0x1.b7f76f2fb5e47p+0, 0x1.bcc1e904bc1d2p+0,
    0x1.c199bdd85529cp+0, 0x1.c67f12e57d14bp+0, 0x1.cb720dcef9069p+0, 0x1.d072d4a07897cp+0,
    0x1.d5818dcfba487p+0, 0x1.da9e603db3285p+0, 0x1.dfc97337b9b5fp+0, 0x1.e502ee78b3ff6p+0,
    0x1.ea4afa2a490dap+0, 0x1.efa1bee615a27p+0, 0x1.f50765b6e4540p+0, 0x1.fa7c1819e90d8p+0,
};

/* 2^e, -1022 <= e <= 1023 */
static inline double pow2i(int e)
{
    uint64_t u = (uint64_t)(e + 1023) << 52;
    double d;

    memcpy(&d, &u, sizeof(d));
    return d;
}

static inline double exp_fast(double x)
{
    const double shift = 0x1.8p52; /* adding it rounds to an integer */
    double kf, r, p;
    int64_t k;
    int j;

    if (!(x >= -708))
        return 0;
    kf = x * 0x1.71547652b82fep+6 + shift; /* x 64 / ln2, rounded */
    kf -= shift;
    k = (int64_t)kf;
    r = x - kf * 0x1.62e42ff000000p-7 + kf * 0x1.718432a1b0e26p-41;
    p = 1 + r * (1 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))));
    j = (int)(k & 63);
    return p * exp2_64th[j] * pow2i((int)((k - j) / 64));
}

#ifdef __SSE2__
/* exp_fast of two values at once, the same operations lane by lane. */
static inline __m128d exp_fast2(__m128d x)
{
    const __m128d shift = _mm_set1_pd(0x1.8p52);
    __m128d ok = _mm_cmpge_pd(x, _mm_set1_pd(-708)), kf, r, p, t;
    __m128i k, e;
    int k0, k1;

    x = _mm_max_pd(x, _mm_set1_pd(-708)); /* and NaN to -708 */
    kf = _mm_add_pd(_mm_mul_pd(x, _mm_set1_pd(0x1.71547652b82fep+6)), shift);
    k = _mm_shuffle_epi32(_mm_castpd_si128(kf), _MM_SHUFFLE(3, 3, 2, 0)); /* low words */
    kf = _mm_sub_pd(kf, shift);
    r = _mm_add_pd(_mm_sub_pd(x, _mm_mul_pd(kf, _mm_set1_pd(0x1.62e42ff000000p-7))),
                   _mm_mul_pd(kf, _mm_set1_pd(0x1.718432a1b0e26p-41)));
    p = _mm_add_pd(_mm_set1_pd(1.0 / 24), _mm_mul_pd(r, _mm_set1_pd(1.0 / 120)));
    p = _mm_add_pd(_mm_set1_pd(1.0 / 6), _mm_mul_pd(r, p));
    p = _mm_add_pd(_mm_set1_pd(1.0 / 2), _mm_mul_pd(r, p));
    p = _mm_add_pd(_mm_set1_pd(1), _mm_mul_pd(r, p));
    p = _mm_add_pd(_mm_set1_pd(1), _mm_mul_pd(r, p));
    k0 = _mm_cvtsi128_si32(k);
    k1 = _mm_cvtsi128_si32(_mm_shuffle_epi32(k, _MM_SHUFFLE(1, 1, 1, 1)));
    t = _mm_set_pd(exp2_64th[k1 & 63], exp2_64th[k0 & 63]);
    /* 2^((k - j) / 64): the exponent field */
    e = _mm_srai_epi32(_mm_sub_epi32(k, _mm_and_si128(k, _mm_set1_epi32(63))), 6);
    e = _mm_add_epi32(e, _mm_set1_epi32(1023));
    e = _mm_slli_epi64(_mm_unpacklo_epi32(e, _mm_setzero_si128()), 52);
    p = _mm_mul_pd(_mm_mul_pd(p, t), _mm_castsi128_pd(e));
    return _mm_and_pd(p, ok);
}
#endif

static double clamped_error(const GainSamples *S, double num, double den, int keep_depth,
                            double A0)
{
    double A = keep_depth ? A0 : den > 0 ? num / den : 0, err;

    if (A < 0) A = 0;
    if (A > 0.97) A = 0.97;
    err = S->e0 - 2 * A * num + A * A * den;
    return err < 0 ? 0 : err;
}

/* fit_depth's error with exp_fast (within S->bound of it). */
static double fit_error_fast(const GainSamples *S, const GainFit *g, int keep_depth)
{
    const float *px = S->px, *py = S->py, *y = S->y, *ref = S->ref;
    double num = 0, den = 0, ir2 = 1 / (g->rho * g->rho);
    int i = 0, qi = g->q == 2 ? 1 : g->q == 4 ? 2 : g->q == 6 ? 3 : 0;

#ifdef __SSE2__
    if (qi) {
        /* two samples at a time */
        const __m128d cx = _mm_set1_pd(g->cx), cy = _mm_set1_pd(g->cy), vir2 = _mm_set1_pd(ir2);
        __m128d vn = _mm_setzero_pd(), vd = _mm_setzero_pd();
        double sums[4];
        for (; i + 1 < S->n; i += 2) {
            __m128d dx = _mm_sub_pd(_mm_set_pd(px[i + 1], px[i]), cx);
            __m128d dy = _mm_sub_pd(_mm_set_pd(py[i + 1], py[i]), cy);
            __m128d r = _mm_set_pd(ref[i + 1], ref[i]);
            __m128d d = _mm_set_pd(ref[i + 1] - y[i + 1], ref[i] - y[i]), t, b;
            t = _mm_mul_pd(_mm_add_pd(_mm_mul_pd(dx, dx), _mm_mul_pd(dy, dy)), vir2);
            t = qi == 1 ? t : qi == 2 ? _mm_mul_pd(t, t) : _mm_mul_pd(_mm_mul_pd(t, t), t);
            b = _mm_mul_pd(exp_fast2(_mm_sub_pd(_mm_setzero_pd(), t)), r);
            vn = _mm_add_pd(vn, _mm_mul_pd(d, b));
            vd = _mm_add_pd(vd, _mm_mul_pd(b, b));
        }
        _mm_storeu_pd(sums, vn);
        _mm_storeu_pd(sums + 2, vd);
        num = sums[0] + sums[1];
        den = sums[2] + sums[3];
    }
#endif
    for (; i < S->n; i++) {
        double dx = px[i] - g->cx, dy = py[i] - g->cy, t = (dx * dx + dy * dy) * ir2, b;
        t = qi == 1 ? t : qi == 2 ? t * t : qi == 3 ? t * t * t : pow(t, g->q / 2);
        b = exp_fast(-t) * ref[i];
        num += (ref[i] - y[i]) * b;
        den += b * b;
    }
    return clamped_error(S, num, den, keep_depth, keep_depth ? g->A : 0);
}

/* The fit that fit_depth over the nc candidates c[] in order would leave
 * in *best (the first of the least error; *best itself kept on a tie),
 * given estimates e[] of their errors within S->bound of fit_depth's
 * (both within it of the exact sums): only the candidates whose estimate
 * could be the least are fitted exactly, in order, so the chosen fit, its
 * depth and error are fit_depth's, bit for bit, at the cost of about one
 * fit_depth. */
static void fit_choose(const GainSamples *S, GainFit *c, int nc, const double *e,
                       int keep_depth, GainFit *best)
{
    double lo = DBL_MAX, lim;
    int i;

    for (i = 0; i < nc; i++)
        if (e[i] < lo)
            lo = e[i];
    /* the least exact error is at most min(lo + bound, best->err); a
     * candidate whose estimate exceeds that by more than bound is not it */
    lim = lo + 2 * S->bound;
    if (best->err < DBL_MAX && best->err + S->bound < lim)
        lim = best->err + S->bound;
    for (i = 0; i < nc; i++) {
        if (e[i] > lim)
            continue;
        fit_depth(S, keep_depth, &c[i]);
        if (c[i].err < best->err)
            *best = c[i];
    }
}

/* The same, every candidate's error estimated with exp_fast. */
#define FIT_BATCH 64
#define GRID_MAX_BOX (256 * 256) /* box samples up to which the grid is tabled */
static void fit_best(const GainSamples *S, GainFit *c, int nc, int keep_depth, GainFit *best)
{
    double e[FIT_BATCH];
    int i;

    for (i = 0; i < nc; i++)
        e[i] = fit_error_fast(S, &c[i], keep_depth);
    fit_choose(S, c, nc, e, keep_depth, best);
}

/* Finer and finer centres and radii around best, its shape kept. */
static void fit_refine(const GainSamples *S, GainFit *best)
{
    GainFit cand[FIT_BATCH];
    double cs = 0.25, rs = 0.125;
    int level;

    for (level = 0; level < 4; level++, cs /= 2, rs /= 2) {
        GainFit c0 = *best;
        int a, b, c, m = 0;
        for (c = -3; c <= 3; c++)
            for (b = -1; b <= 1; b++)
                for (a = -1; a <= 1; a++) {
                    GainFit *g = &cand[m];
                    g->cx = c0.cx + cs * a;
                    g->cy = c0.cy + cs * b;
                    g->rho = c0.rho + rs * c;
                    g->q = c0.q;
                    if (g->rho < 0.5)
                        continue;
                    m++;
                }
        fit_best(S, cand, m, 0, best);
    }
}

/* A spatial guess's smooth error: the plane e(p) = b0 + b1 (x - cx) +
 * b2 (y - cy) for which y = (ref + e) a(p) fits best under g's shadow
 * (least squares, linear in b), added to ref (S->ref is rv); S's sums
 * and g's depth and error are brought up to date. 0 where the plane is not
 * determined or moves the guess by under min_move (nothing changed). */
static int guess_correct(GainSamples *S, float *rv, GainFit *g, double min_move)
{
    double m[3][4] = { { 0 } }, b[3], e0 = 0, s1 = 0, s2 = 0, dmax = 0;
    int i, j, k, n = S->n;

    for (i = 0; i < n; i++) {
        double dx = S->px[i] - g->cx, dy = S->py[i] - g->cy;
        double a = 1 - g->A * profile(dx * dx + dy * dy, g->rho, g->q);
        double v[3] = { a, a * dx, a * dy }, z = S->y[i] - a * rv[i];
        for (j = 0; j < 3; j++) {
            for (k = 0; k < 3; k++)
                m[j][k] += v[j] * v[k];
            m[j][3] += v[j] * z;
        }
    }
    /* Gauss-Jordan with partial pivoting on the 3x3 normal equations */
    for (j = 0; j < 3; j++) {
        int piv = j;
        for (k = j + 1; k < 3; k++)
            if (fabs(m[k][j]) > fabs(m[piv][j]))
                piv = k;
        if (fabs(m[piv][j]) < 1e-6 * (m[0][0] + 1e-300))
            return 0;
        if (piv != j)
            for (k = 0; k < 4; k++) {
                double t = m[j][k];
                m[j][k] = m[piv][k];
                m[piv][k] = t;
            }
        for (k = 0; k < 3; k++) {
            double f;
            if (k == j)
                continue;
            f = m[k][j] / m[j][j];
            for (i = j; i < 4; i++)
                m[k][i] -= f * m[j][i];
        }
    }
    for (j = 0; j < 3; j++)
        b[j] = m[j][3] / m[j][j];
    for (i = 0; i < n; i++) {
        double e = b[0] + b[1] * (S->px[i] - g->cx) + b[2] * (S->py[i] - g->cy);
        if (fabs(e) > dmax)
            dmax = fabs(e);
    }
    if (dmax < min_move)
        return 0;
    for (i = 0; i < n; i++) {
        rv[i] += (float)(b[0] + b[1] * (S->px[i] - g->cx) + b[2] * (S->py[i] - g->cy));
        if (rv[i] < 0)
            rv[i] = 0;
        e0 += (S->y[i] - rv[i]) * (S->y[i] - rv[i]);
        s1 += fabs(rv[i] - S->y[i]) * rv[i];
        s2 += (double)rv[i] * rv[i];
    }
    S->e0 = e0;
    S->bound = (n + 64) * 1e-14 * (e0 + 2 * s1 + s2);
    fit_depth(S, 0, g);
    return 1;
}

/* The errors of the 49 fits centred at (cx + a / 2, cy + b / 2), a and b
 * in -3..3, at once: their offsets from the samples (integer positions)
 * fall on one half-pixel grid, so the profile is tabled once on it, and
 * each fit's sums are a correlation of the table with
 *     u = (ref - y) ref and v = ref^2
 * (0 where there is no sample) over the box: num = sum u P, den = sum v P^2.
 * The table's column i is the offset x - (cx + a / 2) with 2 x + 3 - a = i
 * (its row likewise), the same double for every such x and a (checked: a
 * centre whose sums with a half cross a power of two has none, and the
 * fits are then estimated one by one). */
typedef struct GainGrid {
    int bw, bh, tw, th;  /* box; table of tw x th, tw = 2 bw + 5 */
    double *u, *v;       /* per box sample (bw x bh) */
    double *dx, *dy;     /* the table's column and row offsets */
    double *pe, *po;     /* the table's even and odd columns, th rows of bw + 3 */
} GainGrid;

/* The offsets x - (c + a / 2) of n positions from x0, as fit_depth takes
 * them, into d[2 x + 3 - a]; 0 if two of one entry differ. */
static int grid_offsets(double *d, int x0, int n, double c)
{
    int x, a;

    for (x = 0; x < 2 * n + 5; x++)
        d[x] = NAN;
    for (x = 0; x < n; x++)
        for (a = -3; a <= 3; a++) {
            double v = (double)(float)(x0 + x) - (c + 0.5 * a), *di = &d[2 * x + 3 - a];
            if (isnan(*di))
                *di = v;
            else if (*di != v)
                return 0;
        }
    return 1;
}

/* The q = 2 profile is separable, exp(-(dx^2 + dy^2) / rho^2) =
 * exp(-dx^2 / rho^2) exp(-dy^2 / rho^2) (within a few units in the last
 * place), and so are the sums: per column offset a and row, the row's
 * sums against the column factors, then per b the rows' against the row
 * factors. */
static void grid_errors_gauss(const GainGrid *G, const GainSamples *S, double ir2,
                              int keep_depth, double A0, double *e)
{
    int bw = G->bw, bh = G->bh, i, j, a, b, x, y;
    double *ex = G->pe, *ey = ex + G->tw, *wn = ey + G->th, *wd = wn + 7 * bh;

    for (i = 0; i < G->tw; i++)
        ex[i] = exp_fast(-G->dx[i] * G->dx[i] * ir2);
    for (j = 0; j < G->th; j++)
        ey[j] = exp_fast(-G->dy[j] * G->dy[j] * ir2);
    for (a = -3; a <= 3; a++)
        for (y = 0; y < bh; y++) {
            const double *u = G->u + (size_t)y * bw, *v = G->v + (size_t)y * bw;
            const double *P = ex + 3 - a;
            double sn = 0, sd = 0;
            for (x = 0; x < bw; x++) {
                double p = P[2 * x];
                sn += u[x] * p;
                sd += v[x] * p * p;
            }
            wn[(a + 3) * bh + y] = sn;
            wd[(a + 3) * bh + y] = sd;
        }
    for (b = -3; b <= 3; b++)
        for (a = -3; a <= 3; a++) {
            const double *P = ey + 3 - b, *n = wn + (a + 3) * bh, *d = wd + (a + 3) * bh;
            double num = 0, den = 0;
            for (y = 0; y < bh; y++) {
                double p = P[2 * y];
                num += n[y] * p;
                den += d[y] * p * p;
            }
            e[(b + 3) * 7 + a + 3] = clamped_error(S, num, den, keep_depth, A0);
        }
}

static void grid_errors(const GainGrid *G, const GainSamples *S, double rho, double q,
                        int keep_depth, double A0, double *e)
{
    int tw = G->tw, th = G->th, pw = G->bw + 3, i, j, a, b, x, y;
    int qi = q == 2 ? 1 : q == 4 ? 2 : q == 6 ? 3 : 0;
    double ir2 = 1 / (rho * rho);

    if (qi == 1) {
        grid_errors_gauss(G, S, ir2, keep_depth, A0, e);
        return;
    }
    for (j = 0; j < th; j++) {
        double *pe = G->pe + (size_t)j * pw, *po = G->po + (size_t)j * pw;
        i = 0;
#ifdef __SSE2__
        if (qi) {
            /* columns i (even) and i + 1 (odd) at once */
            const __m128d vir2 = _mm_set1_pd(ir2), dy2 = _mm_set1_pd(G->dy[j] * G->dy[j]);
            for (; i + 1 < tw; i += 2) {
                __m128d dx = _mm_loadu_pd(G->dx + i), t, p;
                t = _mm_mul_pd(_mm_add_pd(_mm_mul_pd(dx, dx), dy2), vir2);
                t = qi == 2 ? _mm_mul_pd(t, t) : _mm_mul_pd(_mm_mul_pd(t, t), t);
                p = exp_fast2(_mm_sub_pd(_mm_setzero_pd(), t));
                _mm_storel_pd(pe + (i >> 1), p);
                _mm_storeh_pd(po + (i >> 1), p);
            }
        }
#endif
        for (; i < tw; i++) {
            double t = (G->dx[i] * G->dx[i] + G->dy[j] * G->dy[j]) * ir2;
            t = qi == 1 ? t : qi == 2 ? t * t : qi == 3 ? t * t * t : pow(t, q / 2);
            (i & 1 ? po : pe)[i >> 1] = exp_fast(-t);
        }
    }
    for (b = -3; b <= 3; b++)
        for (a = -3; a <= 3; a++) {
            double num = 0, den = 0;
            int i0 = 3 - a;
#ifdef __SSE2__
            /* four columns at a time, in two pairs */
            __m128d vn = _mm_setzero_pd(), vd = _mm_setzero_pd(), vn2 = vn, vd2 = vd;
            double sums[4];
#endif
            for (y = 0; y < G->bh; y++) {
                const double *P = (i0 & 1 ? G->po : G->pe) +
                                  (size_t)(2 * y + 3 - b) * pw + (i0 >> 1);
                const double *u = G->u + (size_t)y * G->bw, *v = G->v + (size_t)y * G->bw;
                x = 0;
#ifdef __SSE2__
                for (; x + 3 < G->bw; x += 4) {
                    __m128d p0 = _mm_loadu_pd(P + x), p1 = _mm_loadu_pd(P + x + 2);
                    vn = _mm_add_pd(vn, _mm_mul_pd(_mm_loadu_pd(u + x), p0));
                    vd = _mm_add_pd(vd, _mm_mul_pd(_mm_loadu_pd(v + x), _mm_mul_pd(p0, p0)));
                    vn2 = _mm_add_pd(vn2, _mm_mul_pd(_mm_loadu_pd(u + x + 2), p1));
                    vd2 = _mm_add_pd(vd2, _mm_mul_pd(_mm_loadu_pd(v + x + 2), _mm_mul_pd(p1, p1)));
                }
#endif
                for (; x < G->bw; x++) {
                    num += u[x] * P[x];
                    den += v[x] * P[x] * P[x];
                }
            }
#ifdef __SSE2__
            _mm_storeu_pd(sums, _mm_add_pd(vn, vn2));
            _mm_storeu_pd(sums + 2, _mm_add_pd(vd, vd2));
            num += sums[0] + sums[1];
            den += sums[2] + sums[3];
#endif
            e[(b + 3) * 7 + a + 3] = clamped_error(S, num, den, keep_depth, A0);
        }
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
    int stable = 1, strict = flags & FILL_GAIN_STRICT, reach = flags & FILL_GAIN_REACH;
    const FillGainShape *sh = NULL;
    static const double qs[] = { 2, 4, 6 };
    int bw0, x, y, x0, y0, x1, y1, n = 0, i, k, p, written = 0;
    float *px, *py, *yv, *rv;
    float *att;
    double e0 = 0;
    double o0 = black(f, 0), scale = 1.0 / (1 << (f->depth - 8));
    double sy = 0, sr = 0, rmin, rmax;
    double s1 = 0, s2 = 0, e[FIT_BATCH];
    int grid;
    GainFit best = { 0, 0, 0, 0, 0, DBL_MAX }, cand[FIT_BATCH];
    GainSamples S;
    GainGrid G;
    FillGainTrack *t = NULL;

    if (!sp_fill_plane_box(s, f, 0, r, &x0, &y0, &x1, &y1))
        return 1;
    if ((flags & FILL_GAIN_SEEN) && !sp_fill_gain_seen_due(s, r, index))
        return 1;
    bw0 = x1 - x0 + 1;
    G.bw = bw0;
    G.bh = y1 - y0 + 1;
    G.tw = 2 * G.bw + 5;
    G.th = 2 * G.bh + 5;
    {
        /* 5 floats a box sample (an even number of them, for the doubles
         * after), then the grid's doubles (about 50 bytes a box sample:
         * only for boxes up to GRID_MAX_BOX samples) */
        size_t nb = (size_t)G.bw * G.bh, nf = (5 * nb + 1) & ~(size_t)1;
        size_t nd = 2 * nb + G.tw + G.th + 2 * (size_t)G.th * (G.bw + 3);
        grid = nb <= GRID_MAX_BOX;
        if (sp_fill_buf_reserve(&s->gbuf, nf * sizeof(float) +
                                (grid ? nd : 0) * sizeof(double)) < 0)
            return -1;
        px = s->gbuf.p;
        G.u = (double *)(px + nf);
        G.v = G.u + nb;
        G.dx = G.v + nb;
        G.dy = G.dx + G.tw;
        G.pe = G.dy + G.th;
        G.po = G.pe + (size_t)G.th * (G.bw + 3);
    }
    py = px + (size_t)bw0 * (y1 - y0 + 1);
    yv = py + (size_t)bw0 * (y1 - y0 + 1);
    rv = yv + (size_t)bw0 * (y1 - y0 + 1);
    att = rv + (size_t)bw0 * (y1 - y0 + 1);
    /* the samples with a reference: the luma plane's first in orig/ref */
    for (y = y0; y <= y1; y++)
        for (x = x0; x <= x1; x++) {
            size_t j = (size_t)(y - y0) * bw0 + (x - x0);
            if (grid)
                G.u[j] = G.v[j] = 0;
            if (!orig[2 * j + 1] || ref[j] < 0)
                continue;
            px[n] = (float)x;
            py[n] = (float)y;
            yv[n] = (float)(orig[2 * j] - o0);
            rv[n] = (float)(ref[j] - o0);
            if (rv[n] * scale < 1)
                continue; /* no light to attenuate: says nothing */
            if (grid) {
                G.u[j] = (double)(rv[n] - yv[n]) * rv[n];
                G.v[j] = (double)rv[n] * rv[n];
            }
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
    for (i = 0; i < n; i++) {
        e0 += (yv[i] - rv[i]) * (yv[i] - rv[i]);
        s1 += fabs(rv[i] - yv[i]) * rv[i];
        s2 += (double)rv[i] * rv[i];
    }
    S.px = px;
    S.py = py;
    S.y = yv;
    S.ref = rv;
    S.n = n;
    S.e0 = e0;
    /* the rounding of n terms of at most e0 + 2 s1 + s2 in all, with room
     * to spare: exp_fast's error and the sums' are near 1e-16 of that */
    S.bound = (n + 64) * 1e-14 * (e0 + 2 * s1 + s2);
    /* the grids are centred on the centroid */
    grid = grid && grid_offsets(G.dx, x0, G.bw, best.cx) && grid_offsets(G.dy, y0, G.bh, best.cy);
    rmin = 1.0;
    rmax = (r->w < r->h ? r->w : r->h) / 2.0;
    if (rmax < 1.5)
        rmax = 1.5;
    if (flags & (FILL_GAIN_GUESS | FILL_GAIN_REACH)) {
        /* a spatial guess of the content is no measure of the spot's depth
         * (on an edge or a line it takes the content itself for a
         * shadow): where the track's spot was seen against what the
         * neighbour frames showed, its depth and shape are kept and only
         * the centre is fitted; so too where another fill wrote the
         * region, with the track's own gain fits where it has no seen
         * model */
        t = track_state(s, r->track, index, !reach);
        if (t && t->seen.weight >= 2 && index >= t->seen.last &&
            index - t->seen.last <= SEEN_HISTORY)
            sh = &t->seen;
        else if (reach && t && t->fit.weight >= 2 && index >= t->fit.last &&
                 index - t->fit.last <= GAIN_HISTORY)
            sh = &t->fit;
    }
    if (reach && !sh)
        return 1;
    if (sh) {
        GainFit c0 = best;
        double cs = 0.5;
        int a, b, level;
        best.err = DBL_MAX;
        for (level = 0; level < 4; level++, cs /= 2) {
            int span = level ? 1 : 3;
            k = 0;
            for (b = -span; b <= span; b++)
                for (a = -span; a <= span; a++, k++) {
                    cand[k].cx = c0.cx + cs * a;
                    cand[k].cy = c0.cy + cs * b;
                    cand[k].rho = sh->radius;
                    cand[k].q = sh->shape;
                    cand[k].A = sh->strength;
                }
            if (!level && grid) {
                grid_errors(&G, &S, sh->radius, sh->shape, 1, sh->strength, e);
                fit_choose(&S, cand, k, e, 1, &best);
            } else {
                fit_best(&S, cand, k, 1, &best);
            }
            c0 = best;
        }
        if (best.err >= e0 || (reach && best.err > 0.5 * e0))
            return 1; /* the model explains nothing (or too little) here */
        goto divide;
    }
    /* coarse: centre on a half-pixel grid around the centroid, all radii
     * and shapes; then fine: quarter pixels and finer radii */
    {
        GainFit c0 = best;
        for (k = 0; k < 3; k++) {
            double rho;
            for (rho = rmin; rho <= rmax + 1e-9; rho += 0.5) {
                int a, b, m = 0;
                for (b = -3; b <= 3; b++)
                    for (a = -3; a <= 3; a++, m++) {
                        cand[m].cx = c0.cx + 0.5 * a;
                        cand[m].cy = c0.cy + 0.5 * b;
                        cand[m].rho = rho;
                        cand[m].q = qs[k];
                    }
                if (grid) {
                    grid_errors(&G, &S, rho, qs[k], 0, 0, e);
                    fit_choose(&S, cand, m, e, 0, &best);
                } else {
                    fit_best(&S, cand, m, 0, &best);
                }
            }
        }
        fit_refine(&S, &best);
        /* the spatial guess carries the surround's level into the hole
         * (an edge beside the spot brightens it all): its error, smooth
         * over the spot, is taken for shadow, a radius too large. The
         * samples the shadow leaves alone tell that error: fit it as a
         * plane, correct the guess by it and refine the fit again */
        for (k = 0; k < GUESS_ROUNDS && (flags & FILL_GAIN_GUESS); k++) {
            if (!guess_correct(&S, rv, &best, GUESS_MIN_MOVE / scale))
                break;
            fit_refine(&S, &best);
        }
    }
    /* is it a dimming? deep enough, and the model explains most of the
     * difference between the spot and its reference */
    if (best.A < 0.05 || best.err > 0.5 * S.e0)
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
    if (!reach)
        r->gain = (float)(1 - best.A);


    /* divide it out, every plane */
    for (y = y0; y <= y1; y++)
        for (x = x0; x <= x1; x++) {
            double d2 = (x - best.cx) * (x - best.cx) + (y - best.cy) * (y - best.cy);
            if (reach) {
                /* the model's tail is only as good as its fit: a sample
                 * is given back only where the shadow would not reach it
                 * REACH_MARGIN pixels nearer the centre either */
                double d = sqrt(d2) - REACH_MARGIN;
                d2 = d > 0 ? d * d : 0;
            }
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
                    if (fabs(val - orig[2 * off]) < 0.5 * (1 << (s->depth - 8))) {
                        /* the fitted shadow does not reach it: as it was */
                        if (reach)
                            sp_put(f, p, x, y, orig[2 * off]);
                        sp_fill_hole(s, f, p)[(size_t)y * s->pw[p] + x] = 0;
                        written += !p;
                        continue;
                    }
                    if (reach)
                        continue; /* in the shadow: the other fill's */
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

int sp_fill_test_gain_fit(uint32_t seed)
{
    enum { BW = 17, BH = 13 };
    static const double qs[] = { 2, 4, 6, 3.3 };
    float px[BW * BH], py[BW * BH], yv[BW * BH], rv[BW * BH];
    double u[BW * BH], v[BW * BH], dx[2 * BW + 5], dy[2 * BH + 5];
    double pe[(2 * BH + 5) * (BW + 3)], po[(2 * BH + 5) * (BW + 3)], e[FIT_BATCH];
    double e0 = 0, s1 = 0, s2 = 0, x, cx = 0, cy = 0;
    int bad = 0, n = 0, i, j, k, a, b, x0 = 700 + (int)(seed % 64), y0 = 300;
    GainSamples S = { px, py, yv, rv, 0, 0, 0 };
    GainGrid G = { BW, BH, 2 * BW + 5, 2 * BH + 5, u, v, dx, dy, pe, po };
    uint32_t st = seed * 2654435761u + 1;
#define RND() (st = st * 1664525u + 1013904223u, (st >> 8) / 16777216.0)

    /* exp_fast against exp() */
    for (x = -708; x <= 0; x += 0.0137) {
        bad += fabs(exp_fast(x) - exp(x)) > 1e-15 * exp(x);
#ifdef __SSE2__
        {
            double two[2];
            _mm_storeu_pd(two, exp_fast2(_mm_set_pd(x * 0.5 - 400, x)));
            bad += two[0] != exp_fast(x) || two[1] != exp_fast(x * 0.5 - 400);
        }
#endif
    }
    /* a dimmed disc on a random reference */
    for (j = 0; j < BH; j++)
        for (i = 0; i < BW; i++) {
            double d2 = (i - 8.3) * (i - 8.3) + (j - 6.1) * (j - 6.1);
            size_t at = (size_t)j * BW + i;
            u[at] = v[at] = 0;
            if (d2 > 40 || RND() < 0.1)
                continue;
            px[n] = (float)(x0 + i);
            py[n] = (float)(y0 + j);
            rv[n] = (float)(40 + 150 * RND());
            yv[n] = (float)(rv[n] * (1 - 0.4 * exp(-d2 / 9)) + 4 * RND() - 2);
            u[at] = (double)(rv[n] - yv[n]) * rv[n];
            v[at] = (double)rv[n] * rv[n];
            e0 += (yv[n] - rv[n]) * (yv[n] - rv[n]);
            s1 += fabs(rv[n] - yv[n]) * rv[n];
            s2 += (double)rv[n] * rv[n];
            cx += px[n];
            cy += py[n];
            n++;
        }
    S.n = n;
    S.e0 = e0;
    S.bound = (n + 64) * 1e-14 * (e0 + 2 * s1 + s2);
    cx = cx / n + 0.01 * RND();
    cy = cy / n + 0.01 * RND();
    bad += !grid_offsets(dx, x0, BW, cx) || !grid_offsets(dy, y0, BH, cy);
    /* the grid and the estimates choose what fit_depth in order does,
     * from no fit and from one to beat */
    for (k = 0; k < 4; k++) {
        double rho;
        for (rho = 1; rho <= 5; rho += 0.5) {
            int keep;
            for (keep = 0; keep < 2; keep++) {
                GainFit c[49], c2[49], ref = { 0, 0, 0, 0, 0, DBL_MAX }, b1, b2;
                int m = 0, from;
                for (b = -3; b <= 3; b++)
                    for (a = -3; a <= 3; a++, m++) {
                        c[m].cx = cx + 0.5 * a;
                        c[m].cy = cy + 0.5 * b;
                        c[m].rho = rho;
                        c[m].q = qs[k];
                        c[m].A = 0.3;
                    }
                for (from = 0; from < 2; from++) {
                    if (from) {
                        ref = c[24];
                        ref.rho += 0.25;
                        fit_depth(&S, keep, &ref);
                    }
                    b1 = ref;
                    for (m = 0; m < 49; m++) {
                        GainFit g = c[m];
                        fit_depth(&S, keep, &g);
                        if (g.err < b1.err)
                            b1 = g;
                    }
                    b2 = ref;
                    memcpy(c2, c, sizeof(c));
                    grid_errors(&G, &S, rho, qs[k], keep, 0.3, e);
                    fit_choose(&S, c2, 49, e, keep, &b2);
                    bad += memcmp(&b1, &b2, sizeof(b1)) != 0;
                    b2 = ref;
                    memcpy(c2, c, sizeof(c));
                    fit_best(&S, c2, 49, keep, &b2);
                    bad += memcmp(&b1, &b2, sizeof(b1)) != 0;
                }
            }
        }
    }
#undef RND
    return bad;
}
