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
 *  4. Up to eight candidates are combined robustly: the weighted mean of
 *     those within a tolerance of their weighted median (weights from the
 *     match costs), as in the robust temporal averaging of film restoration
 *     (Kokaram, "Motion Picture Restoration", 1998, ch. 8 uses the median
 *     of motion-compensated neighbours to fill blotches).
 * Neighbour frames take their defects from their own regions (the past
 * frames', final, plus the current regions of tracks they have none of)
 * or, for future frames not yet examined, from the current frame's
 * regions moved by their drift and grown by a margin (fill.c builds these
 * maps).
 *
 * The patch fill (Criminisi, Perez and Toyama, "Region filling and object
 * removal by exemplar-based image inpainting", 2004, searches the surround
 * for exemplars in the same way) matches the ring against the current
 * frame itself at displacements that take the whole hole off itself, and
 * copies the best-matching exemplar into the hole.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
#define FILL_ENOUGH 5 /* candidates per sample after which farther frames are skipped */

/* An interpolation kernel for one displacement: the same for every sample
 * of a plane, so computed once. */
typedef struct Kernel {
    int ox, oy;        /* integer offset of the first tap */
    int nx, ny;        /* taps: 1 (whole displacement) or 4 */
    double wx[4], wy[4];
} Kernel;

static void kernel_init(Kernel *k, double dx, double dy)
{
    int ix = (int)floor(dx), iy = (int)floor(dy);
    double fx = dx - ix, fy = dy - iy;

    if (fx > 1 - FRAC_EPS) { ix++; fx = 0; }
    if (fy > 1 - FRAC_EPS) { iy++; fy = 0; }
    if (fx < FRAC_EPS) {
        k->nx = 1; k->ox = ix; k->wx[0] = 1;
    } else {
        k->nx = 4; k->ox = ix - 1; cubic_weights(fx, k->wx);
    }
    if (fy < FRAC_EPS) {
        k->ny = 1; k->oy = iy; k->wy[0] = 1;
    } else {
        k->ny = 4; k->oy = iy - 1; cubic_weights(fy, k->wy);
    }
}

/* Sample of plane p of frame f at (x, y) displaced by the kernel's
 * displacement (Catmull-Rom interpolation, Keys 1981, a = -1/2); returns
 * -1 when the support leaves the plane or touches a defect of the frame
 * (map `bad`). The plain version, kept for the tests. */
static double fetch_ref(const FillContext *s, const SpFrame *f, const uint8_t *bad,
                        int p, int x, int y, const Kernel *k)
{
    int sx = sp_plane_ss_x(f, p), sy = sp_plane_ss_y(f, p);
    int bx = x + k->ox, by = y + k->oy, i, j;
    double v = 0;

    if (bx < 0 || by < 0 || bx + k->nx > s->pw[p] || by + k->ny > s->ph[p])
        return -1;
    for (j = 0; j < k->ny; j++) {
        double row = 0;
        for (i = 0; i < k->nx; i++) {
            if (is_bad(s, bad, bx + i, by + j, sx, sy))
                return -1;
            row += k->wx[i] * sp_get(f, p, bx + i, by + j);
        }
        v += k->wy[j] * row;
    }
    return v < 0 ? 0 : v;
}

/* The same as fetch_ref(), sum for sum: the defect map is looked at first,
 * over the luma pixels that the whole support covers (the union of what
 * is_bad() looks at tap by tap), row by row up to the first defect, then
 * the taps are read straight from the plane. sx, sy: plane p's
 * subsampling. */
static inline double fetch(const FillContext *s, const SpFrame *f, const uint8_t *bad,
                           int p, int sx, int sy, int x, int y, const Kernel *k)
{
    int bx = x + k->ox, by = y + k->oy, i, j;
    ptrdiff_t stride = f->stride[p];
    double v = 0;

    if (bx < 0 || by < 0 || bx + k->nx > s->pw[p] || by + k->ny > s->ph[p])
        return -1;
    if (bad) {
        int W = s->pw[0], H = s->ph[0];
        int lx0 = bx << sx, ly0 = by << sy;
        int lx1 = (bx + k->nx) << sx, ly1 = (by + k->ny) << sy;
        const uint8_t *row;
        if (lx1 > W) lx1 = W;
        if (ly1 > H) ly1 = H;
        /* a row at a time, one load a row for the common widths (a luma
         * or a 4:2:0 chroma support) */
        row = bad + (size_t)ly0 * W + lx0;
        for (j = ly0; j < ly1; j++, row += W) {
            uint64_t w8 = 0;
            uint32_t w4 = 0;
            uint16_t w2 = 0;
            switch (lx1 - lx0) {
            case 8:
                memcpy(&w8, row, 8);
                break;
            case 4:
                memcpy(&w4, row, 4);
                break;
            case 2:
                memcpy(&w2, row, 2);
                break;
            default:
                for (i = 0; i < lx1 - lx0; i++)
                    w4 |= row[i];
            }
            if (w8 | w4 | w2)
                return -1;
        }
    }
    if (f->depth > 8) {
        const uint16_t *src = (const uint16_t *)(f->data[p] + (ptrdiff_t)by * stride) + bx;
        for (j = 0; j < k->ny; j++, src += stride / 2) {
            double row = 0;
            for (i = 0; i < k->nx; i++)
                row += k->wx[i] * src[i];
            v += k->wy[j] * row;
        }
    } else if (k->nx == 1) {
        /* one tap of weight 1 a row: the row's sum 0 + 1 * v is v */
        const uint8_t *src = f->data[p] + (ptrdiff_t)by * stride + bx;
        for (j = 0; j < k->ny; j++, src += stride)
            v += k->wy[j] * src[0];
    } else if (k->nx == 4) {
        /* the same products and sums, unrolled */
        const uint8_t *src = f->data[p] + (ptrdiff_t)by * stride + bx;
        const double w0 = k->wx[0], w1 = k->wx[1], w2 = k->wx[2], w3 = k->wx[3];
        for (j = 0; j < k->ny; j++, src += stride) {
            double row = 0;
            row += w0 * src[0];
            row += w1 * src[1];
            row += w2 * src[2];
            row += w3 * src[3];
            v += k->wy[j] * row;
        }
    } else {
        const uint8_t *src = f->data[p] + (ptrdiff_t)by * stride + bx;
        for (j = 0; j < k->ny; j++, src += stride) {
            double row = 0;
            for (i = 0; i < k->nx; i++)
                row += k->wx[i] * src[i];
            v += k->wy[j] * row;
        }
    }
    return v < 0 ? 0 : v;
}

/* The ring's runs for int_cost(): samples side by side on a row. */
static int build_ring_runs(FillContext *s, const SpFrame *f, int n)
{
    const int32_t *pos = s->ring.p;
    int32_t *run;
    uint8_t *v8;
    int i, nr = 0;

    if (sp_fill_buf_reserve(&s->ring_runs, (size_t)(n + 1) * 2 * sizeof(int32_t)) < 0 ||
        sp_fill_buf_reserve(&s->ring_val8, (size_t)n + 16) < 0)
        return -1;
    run = s->ring_runs.p;
    v8 = s->ring_val8.p;
    for (i = 0; i < n; i++) {
        if (!i || pos[3 * i + 1] != pos[3 * i - 2] || pos[3 * i] != pos[3 * i - 3] + 1) {
            run[2 * nr] = i;
            run[2 * nr + 1] = 0;
            nr++;
        }
        run[2 * nr - 1]++;
        if (f->depth == 8)
            v8[i] = (uint8_t)pos[3 * i + 2];
    }
    s->ring_nruns = nr;
    s->ring_count = n;
    s->ring_pitch = 0;
    if (f->depth == 8 && n) {
        int bw = s->ring_box[2] - s->ring_box[0] + 1, bh = s->ring_box[3] - s->ring_box[1] + 1;
        int pitch = (bw + 15) & ~15;
        uint8_t *val, *all, *even;
        if (sp_fill_buf_reserve(&s->ring_rows, (size_t)pitch * bh * 3) < 0)
            return -1;
        val = s->ring_rows.p;
        all = val + (size_t)pitch * bh;
        even = all + (size_t)pitch * bh;
        memset(val, 0, (size_t)pitch * bh * 3);
        for (i = 0; i < n; i++) {
            size_t o = (size_t)(pos[3 * i + 1] - s->ring_box[1]) * pitch +
                       (pos[3 * i] - s->ring_box[0]);
            val[o] = (uint8_t)pos[3 * i + 2];
            all[o] = 255;
            even[o] = i & 1 ? 0 : 255;
        }
        s->ring_pitch = pitch;
    }
    return 0;
}

/* The ring: healthy luma pixels of the current frame within `width` of the
 * region's box. Returns how many, stored as (x, y, value) in s->ring; with
 * `runs`, also the forms that int_cost() and frac_cost() read (without,
 * they are marked stale). */
static int build_ring(FillContext *s, const SpFrame *f, const SpRegion *r, int width,
                      int runs)
{
    int W = s->pw[0], H = s->ph[0], x, y, n = 0;
    int x0 = r->x - width, y0 = r->y - width;
    int x1 = r->x + r->w - 1 + width, y1 = r->y + r->h - 1 + width;
    int32_t *pos;

    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 >= W) x1 = W - 1;
    if (y1 >= H) y1 = H - 1;
    if (x1 < x0 || y1 < y0)
        return 0;
    s->ring_box[0] = x0;
    s->ring_box[1] = y0;
    s->ring_box[2] = x1;
    s->ring_box[3] = y1;
    if (sp_fill_buf_reserve(&s->ring, (size_t)(x1 - x0 + 1) * (y1 - y0 + 1) *
                            3 * sizeof(int32_t)) < 0)
        return -1;
    pos = s->ring.p;
    for (y = y0; y <= y1; y++)
        for (x = x0; x <= x1; x++)
            if (!s->hole[0][(size_t)y * W + x]) {
                pos[3 * n] = x;
                pos[3 * n + 1] = y;
                pos[3 * n + 2] = sp_get(f, 0, x, y);
                n++;
            }
    if (!runs) {
        s->ring_count = -1;
        s->ring_nruns = 0;
        s->ring_pitch = 0;
        return n;
    }
    return build_ring_runs(s, f, n) < 0 ? -1 : n;
}

/* Integer-displacement ring cost, 8-bit levels; step > 1 subsamples the
 * ring. Gives up (returns DBL_MAX) once the cost must exceed `bound`.
 *
 * This is the motion search's inner loop. When the displaced ring lies
 * inside the frame (nearly always), int_cost() drops the bounds checks:
 * at 8 bits it goes over whole rows of the ring's box, 16 samples at a
 * time (SSE2: absolute differences masked by which samples belong to the
 * ring, or to its half, and by the defect map, summed by psadbw; 32 at a
 * time with AVX2 where the CPU has it); where a
 * padded row would pass the frame's right edge, and above 8 bits, over the
 * ring's runs along the rows. The running sum is compared with its bound
 * after each run, or each two rows (SSE2), rather than after each sample:
 * the sum only grows, so the answer is the same as int_cost_ref()'s, the
 * plain version kept for the tests. */
static double int_cost_ref(const FillContext *s, const SpFrame *cur,
                           const FillRef *ref, int nring, int dx, int dy,
                           int step, double bound)
{
    const int32_t *pos = s->ring.p;
    const SpFrame *rf = ref->f;
    const uint8_t *bad = ref->bad;
    int W = s->pw[0], H = s->ph[0], i, n = 0, total = 0, hbd = cur->depth > 8;
    double shift = 1.0 / (1 << (cur->depth - 8));
    long sum = 0;
    long limit = bound >= DBL_MAX / 4 ? -1 :
                 (long)(bound / shift * ((nring + step - 1) / step)) + 1;

    for (i = 0; i < nring; i += step) {
        int X = pos[3 * i] + dx, Y = pos[3 * i + 1] + dy, d, v;
        const uint8_t *row;
        total++;
        if (X < 0 || Y < 0 || X >= W || Y >= H ||
            (bad && bad[(size_t)Y * W + X]))
            continue;
        row = rf->data[0] + (ptrdiff_t)Y * rf->stride[0];
        v = hbd ? ((const uint16_t *)row)[X] : row[X];
        d = pos[3 * i + 2] - v;
        sum += d < 0 ? -d : d;
        n++;
        if (limit >= 0 && sum > limit)
            return DBL_MAX;
    }
    if (n < 8 || n * 2 < total)
        return DBL_MAX;
    return sum * shift / n;
}

/* Sum of absolute differences over one run of 8-bit samples (c: the
 * ring's values, r: the frame's, b: its defect map or NULL), skipping the
 * defective ones and, when odd >= 0, keeping only every other sample
 * (those whose index within the run has parity `odd`); adds the sum and
 * the count. r and b may be read up to `room` samples on (the rest of the
 * row), c up to 16 past the run. */
static inline void run_sad8(const uint8_t *c, const uint8_t *r, const uint8_t *b,
                            int len, int room, int odd, long *sum, int *n)
{
    int j = 0, sm = 0, cnt = 0;

#ifdef __SSE2__
    /* lanes < m of the load at first[16 - m] are kept */
    static const uint8_t first[32] = {
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    };
    const __m128i zero = _mm_setzero_si128(), one = _mm_set1_epi8(1);
    __m128i keep = odd < 0 ? _mm_set1_epi8(-1) :
                   odd ? _mm_set1_epi16((short)0xff00) : _mm_set1_epi16(0x00ff);
    __m128i vs = zero, vn = zero;

    if (room > len + 15)
        room = len + 15;
    for (; j < len && j + 16 <= room; j += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(c + j));
        __m128i v = _mm_loadu_si128((const __m128i *)(r + j));
        __m128i ok = keep, d;
        if (len - j < 16)
            ok = _mm_and_si128(ok, _mm_loadu_si128((const __m128i *)(first + j + 16 - len)));
        if (b)
            ok = _mm_and_si128(ok, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(b + j)), zero));
        d = _mm_and_si128(_mm_or_si128(_mm_subs_epu8(a, v), _mm_subs_epu8(v, a)), ok);
        vs = _mm_add_epi64(vs, _mm_sad_epu8(d, zero));
        vn = _mm_add_epi64(vn, _mm_sad_epu8(_mm_and_si128(ok, one), zero));
    }
    sm = _mm_cvtsi128_si32(vs) + _mm_cvtsi128_si32(_mm_unpackhi_epi64(vs, vs));
    cnt = _mm_cvtsi128_si32(vn) + _mm_cvtsi128_si32(_mm_unpackhi_epi64(vn, vn));
#else
    (void)room;
#endif
    for (; j < len; j++) {
        int d;
        if ((odd >= 0 && (j & 1) != odd) || (b && b[j]))
            continue;
        d = c[j] - r[j];
        sm += d < 0 ? -d : d;
        cnt++;
    }
    *sum += sm;
    *n += cnt;
}

#ifdef __SSE2__
/* One row of the ring's box for int_cost(): c the ring's values, r the
 * frame's, m the mask of the samples kept, b the defect map or NULL, over
 * `pitch` samples (a multiple of 16); adds the sums of absolute
 * differences to *vs (64-bit lanes) and the samples counted to *cn (8-bit
 * lanes, one a 16-sample piece). */
static inline void row_sad16(const uint8_t *c, const uint8_t *r, const uint8_t *m,
                             const uint8_t *b, int pitch, __m128i *vs, __m128i *cn)
{
    const __m128i zero = _mm_setzero_si128();
    int j;

    if (b) {
        for (j = 0; j < pitch; j += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(c + j));
            __m128i v = _mm_loadu_si128((const __m128i *)(r + j));
            __m128i ok = _mm_and_si128(_mm_loadu_si128((const __m128i *)(m + j)),
                                       _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(b + j)),
                                                      zero));
            __m128i d = _mm_and_si128(_mm_or_si128(_mm_subs_epu8(a, v), _mm_subs_epu8(v, a)), ok);
            *vs = _mm_add_epi64(*vs, _mm_sad_epu8(d, zero));
            *cn = _mm_sub_epi8(*cn, ok);
        }
    } else {
        for (j = 0; j < pitch; j += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(c + j));
            __m128i v = _mm_loadu_si128((const __m128i *)(r + j));
            __m128i ok = _mm_loadu_si128((const __m128i *)(m + j));
            __m128i d = _mm_and_si128(_mm_or_si128(_mm_subs_epu8(a, v), _mm_subs_epu8(v, a)), ok);
            *vs = _mm_add_epi64(*vs, _mm_sad_epu8(d, zero));
            *cn = _mm_sub_epi8(*cn, ok);
        }
    }
}
#endif

#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__)) && \
    (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define FILL_AVX2 1

/* int_cost()'s whole rows on CPUs with AVX2 (built with the target
 * attribute, chosen at run time): 32 samples at a time, a last 16 with
 * SSE2, the same masks, sums and counts as row_sad16() and the sum
 * compared with limit at the same places (each two rows), so the same
 * answer. bh rows of `pitch` samples (a multiple of 16) from c (the
 * ring's values), m (its mask), r (the frame's, stride apart) and b (the
 * defect map, W apart, or NULL). Returns 1 once the sum passes limit,
 * else 0 with *sum and *n. */
__attribute__((target("avx2")))
static int rows_sad_avx2(const uint8_t *c, const uint8_t *m, const uint8_t *r,
                         const uint8_t *b, int pitch, int bh, ptrdiff_t stride, int W,
                         long limit, long *sum, int *n)
{
    const __m256i zero = _mm256_setzero_si256();
    const __m128i zero1 = _mm_setzero_si128();
    __m256i vn = zero;
    __m128i vn1 = zero1;
    long sm = 0;
    int y;

    for (y = 0; y < bh; y += 2) {
        __m256i vs = zero, cn = zero;
        __m128i vs1 = zero1, cn1 = zero1, t;
        int j, k;
        for (k = 0; k < 2 && y + k < bh; k++) {
            for (j = 0; j + 32 <= pitch; j += 32) {
                __m256i a = _mm256_loadu_si256((const __m256i *)(c + j));
                __m256i v = _mm256_loadu_si256((const __m256i *)(r + j));
                __m256i ok = _mm256_loadu_si256((const __m256i *)(m + j)), d;
                if (b)
                    ok = _mm256_and_si256(ok, _mm256_cmpeq_epi8(
                        _mm256_loadu_si256((const __m256i *)(b + j)), zero));
                d = _mm256_and_si256(_mm256_or_si256(_mm256_subs_epu8(a, v),
                                                     _mm256_subs_epu8(v, a)), ok);
                vs = _mm256_add_epi64(vs, _mm256_sad_epu8(d, zero));
                cn = _mm256_sub_epi8(cn, ok);
            }
            if (j < pitch) {
                __m128i a = _mm_loadu_si128((const __m128i *)(c + j));
                __m128i v = _mm_loadu_si128((const __m128i *)(r + j));
                __m128i ok = _mm_loadu_si128((const __m128i *)(m + j)), d;
                if (b)
                    ok = _mm_and_si128(ok, _mm_cmpeq_epi8(
                        _mm_loadu_si128((const __m128i *)(b + j)), zero1));
                d = _mm_and_si128(_mm_or_si128(_mm_subs_epu8(a, v), _mm_subs_epu8(v, a)), ok);
                vs1 = _mm_add_epi64(vs1, _mm_sad_epu8(d, zero1));
                cn1 = _mm_sub_epi8(cn1, ok);
            }
            c += pitch;
            m += pitch;
            r += stride;
            if (b)
                b += W;
        }
        vn = _mm256_add_epi64(vn, _mm256_sad_epu8(cn, zero));
        vn1 = _mm_add_epi64(vn1, _mm_sad_epu8(cn1, zero1));
        t = _mm_add_epi64(_mm_add_epi64(_mm256_castsi256_si128(vs),
                                        _mm256_extracti128_si256(vs, 1)), vs1);
        sm += _mm_cvtsi128_si32(t) + _mm_cvtsi128_si32(_mm_unpackhi_epi64(t, t));
        if (sm > limit)
            return 1;
    }
    {
        __m128i t = _mm_add_epi64(_mm_add_epi64(_mm256_castsi256_si128(vn),
                                                _mm256_extracti128_si256(vn, 1)), vn1);
        *n = _mm_cvtsi128_si32(t) + _mm_cvtsi128_si32(_mm_unpackhi_epi64(t, t));
    }
    *sum = sm;
    return 0;
}
#endif

static double int_cost(const FillContext *s, const SpFrame *cur,
                       const FillRef *ref, int nring, int dx, int dy,
                       int step, double bound)
{
    const int32_t *pos = s->ring.p, *run = s->ring_runs.p;
    const SpFrame *rf = ref->f;
    const uint8_t *bad = ref->bad;
    int W = s->pw[0], H = s->ph[0], k, n = 0, total = (nring + step - 1) / step;
    double shift = 1.0 / (1 << (cur->depth - 8));
    ptrdiff_t stride = rf->stride[0];
    long sum = 0, limit;

    if ((step != 1 && step != 2) || nring != s->ring_count ||
        s->ring_box[0] + dx < 0 || s->ring_box[1] + dy < 0 ||
        s->ring_box[2] + dx >= W || s->ring_box[3] + dy >= H)
        return int_cost_ref(s, cur, ref, nring, dx, dy, step, bound);
    limit = bound >= DBL_MAX / 4 ? LONG_MAX : (long)(bound / shift * total) + 1;
    /* (SSE2 counts two rows in 8-bit lanes: at most 255 16-sample pieces) */
    if (s->ring_pitch && cur->depth == 8 && s->ring_box[0] + dx + s->ring_pitch <= W &&
        s->ring_pitch <= 127 * 16) {
        /* whole rows of the box, 16 samples at a time, masked by which
         * are ring samples (of the half, with step 2) and healthy */
        int bh = s->ring_box[3] - s->ring_box[1] + 1, pitch = s->ring_pitch, y;
        const uint8_t *c = s->ring_rows.p;
        const uint8_t *m = c + (size_t)pitch * bh * (step == 2 ? 2 : 1);
        const uint8_t *r = rf->data[0] + (ptrdiff_t)(s->ring_box[1] + dy) * stride +
                           s->ring_box[0] + dx;
        const uint8_t *b = bad ? bad + (size_t)(s->ring_box[1] + dy) * W + s->ring_box[0] + dx
                               : NULL;
#ifdef FILL_AVX2
        if (pitch >= 32 && __builtin_cpu_supports("avx2")) {
            if (rows_sad_avx2(c, m, rf->data[0] + (ptrdiff_t)(s->ring_box[1] + dy) * stride +
                              s->ring_box[0] + dx, b, pitch, bh, stride, W, limit, &sum, &n))
                return DBL_MAX;
            if (n < 8 || n * 2 < total)
                return DBL_MAX;
            return sum * shift / n;
        }
#endif
#ifdef __SSE2__
        /* two rows at a time: the count in 8-bit lanes, summed into 64
         * bits after them, and the sum compared with its bound */
        const __m128i zero = _mm_setzero_si128();
        __m128i vn = zero;
        for (y = 0; y < bh; y += 2) {
            __m128i vs = zero, cn = zero;
            int j;
            for (j = 0; j < 2 && y + j < bh; j++) {
                row_sad16(c, r, m, b, pitch, &vs, &cn);
                c += pitch;
                m += pitch;
                r += stride;
                if (b)
                    b += W;
            }
            vn = _mm_add_epi64(vn, _mm_sad_epu8(cn, zero));
            sum += _mm_cvtsi128_si32(vs) + _mm_cvtsi128_si32(_mm_unpackhi_epi64(vs, vs));
            if (sum > limit)
                return DBL_MAX;
        }
        n = _mm_cvtsi128_si32(vn) + _mm_cvtsi128_si32(_mm_unpackhi_epi64(vn, vn));
        if (n < 8 || n * 2 < total)
            return DBL_MAX;
        return sum * shift / n;
#else
        for (y = 0; y < bh; y++, c += pitch, m += pitch, r += stride) {
            int j;
            for (j = 0; j < pitch; j++) {
                int d = c[j] - r[j];
                if (!m[j] || (b && b[j]))
                    continue;
                sum += d < 0 ? -d : d;
                n++;
            }
            if (b)
                b += W;
            if (sum > limit)
                return DBL_MAX;
        }
        if (n < 8 || n * 2 < total)
            return DBL_MAX;
        return sum * shift / n;
#endif
    }
    for (k = 0; k < s->ring_nruns; k++) {
        int i0 = run[2 * k], len = run[2 * k + 1];
        int X = pos[3 * i0] + dx, Y = pos[3 * i0 + 1] + dy;
        /* with step 2, the samples of even index in the ring */
        int odd = step == 2 ? i0 & 1 : -1;
        const uint8_t *b = bad ? bad + (size_t)Y * W + X : NULL;
        if (cur->depth > 8) {
            const uint16_t *r = (const uint16_t *)(rf->data[0] + (ptrdiff_t)Y * stride) + X;
            int j;
            for (j = 0; j < len; j++) {
                int d;
                if ((odd >= 0 && (j & 1) != odd) || (b && b[j]))
                    continue;
                d = pos[3 * (i0 + j) + 2] - r[j];
                sum += d < 0 ? -d : d;
                n++;
            }
        } else {
            run_sad8((const uint8_t *)s->ring_val8.p + i0,
                     rf->data[0] + (ptrdiff_t)Y * stride + X, b, len, W - X, odd,
                     &sum, &n);
        }
        if (sum > limit)
            return DBL_MAX;
    }
    if (n < 8 || n * 2 < total)
        return DBL_MAX;
    return sum * shift / n;
}

/* Sub-pixel ring cost, sample by sample (the plain version). */
static double frac_cost_ref(const FillContext *s, const SpFrame *cur,
                            const FillRef *ref, int nring, double dx, double dy)
{
    const int32_t *pos = s->ring.p;
    double shift = 1.0 / (1 << (cur->depth - 8)), sum = 0;
    int i, n = 0;
    Kernel k;

    kernel_init(&k, dx, dy);
    for (i = 0; i < nring; i++) {
        double v = fetch(s, ref->f, ref->bad, 0, 0, 0, pos[3 * i], pos[3 * i + 1], &k);
        if (v < 0)
            continue;
        sum += fabs(pos[3 * i + 2] - v);
        n++;
    }
    if (n < 8 || n * 2 < nring)
        return DBL_MAX;
    return sum * shift / n;
}

/* Sub-pixel ring cost. Neighbouring ring samples share most of their
 * interpolation supports: over the box the displaced ring covers, every
 * row of the frame is interpolated horizontally once (and the defect map
 * or-ed over the support's width), then each ring sample takes the
 * vertical sum of its rows, along the ring's runs (at 8 bits with 4 taps,
 * with SSE2, two columns at a time; a single tap, of weight 1, is a copy:
 * 0 + 1 * v is v). The products and sums are fetch()'s, in its order, so
 * the cost is frac_cost_ref()'s to the last bit. */
static double frac_cost(FillContext *s, const SpFrame *cur, const FillRef *ref,
                        int nring, double dx, double dy)
{
    const int32_t *pos = s->ring.p, *run = s->ring_runs.p;
    const SpFrame *rf = ref->f;
    double shift = 1.0 / (1 << (cur->depth - 8)), sum = 0, *hw, *dw;
    int W = s->pw[0], H = s->ph[0], i, j, c, r, n = 0, bw, rows, bx0, by0;
    uint8_t *bwin;
    Kernel k;

    kernel_init(&k, dx, dy);
    bx0 = s->ring_box[0] + k.ox;
    by0 = s->ring_box[1] + k.oy;
    bw = s->ring_box[2] - s->ring_box[0] + 1;
    rows = s->ring_box[3] - s->ring_box[1] + k.ny;
    if (nring != s->ring_count || bx0 < 0 || by0 < 0 || bx0 + bw - 1 + k.nx > W ||
        by0 + rows > H ||
        sp_fill_buf_reserve(&s->win, ((size_t)rows * bw + bw + 3) * sizeof(double) +
                            (size_t)rows * bw) < 0)
        return frac_cost_ref(s, cur, ref, nring, dx, dy);
    hw = s->win.p;
    dw = hw + (size_t)rows * bw;
    bwin = (uint8_t *)(dw + bw + 3);
    for (r = 0; r < rows; r++) {
        const uint8_t *row = rf->data[0] + (ptrdiff_t)(by0 + r) * rf->stride[0];
        const uint8_t *b = ref->bad ? ref->bad + (size_t)(by0 + r) * W + bx0 : NULL;
        double *h = hw + (size_t)r * bw;
        uint8_t *hb = bwin + (size_t)r * bw;
        if (cur->depth > 8) {
            const uint16_t *src = (const uint16_t *)row + bx0;
            for (c = 0; c < bw; c++) {
                double v = 0;
                for (i = 0; i < k.nx; i++)
                    v += k.wx[i] * src[c + i];
                h[c] = v;
            }
        } else if (k.nx == 4) {
            /* the same products and sums, unrolled (with SSE2, two
             * columns at a time from the row converted to doubles: the
             * same multiplications and additions in the same order) */
            const uint8_t *src = row + bx0;
            const double w0 = k.wx[0], w1 = k.wx[1], w2 = k.wx[2], w3 = k.wx[3];
            c = 0;
#ifdef __SSE2__
            {
                const __m128i zero = _mm_setzero_si128();
                const __m128d v0 = _mm_set1_pd(w0), v1 = _mm_set1_pd(w1);
                const __m128d v2 = _mm_set1_pd(w2), v3 = _mm_set1_pd(w3);
                for (; c + 4 <= bw + 3; c += 4) {
                    uint32_t w4;
                    __m128i x;
                    memcpy(&w4, src + c, 4);
                    x = _mm_unpacklo_epi16(_mm_unpacklo_epi8(_mm_cvtsi32_si128((int)w4), zero),
                                           zero);
                    _mm_storeu_pd(dw + c, _mm_cvtepi32_pd(x));
                    _mm_storeu_pd(dw + c + 2, _mm_cvtepi32_pd(_mm_srli_si128(x, 8)));
                }
                for (; c < bw + 3; c++)
                    dw[c] = src[c];
                for (c = 0; c + 2 <= bw; c += 2) {
                    __m128d v = _mm_setzero_pd();
                    v = _mm_add_pd(v, _mm_mul_pd(v0, _mm_loadu_pd(dw + c)));
                    v = _mm_add_pd(v, _mm_mul_pd(v1, _mm_loadu_pd(dw + c + 1)));
                    v = _mm_add_pd(v, _mm_mul_pd(v2, _mm_loadu_pd(dw + c + 2)));
                    v = _mm_add_pd(v, _mm_mul_pd(v3, _mm_loadu_pd(dw + c + 3)));
                    _mm_storeu_pd(h + c, v);
                }
            }
#endif
            for (; c < bw; c++) {
                double v = 0;
                v += w0 * src[c];
                v += w1 * src[c + 1];
                v += w2 * src[c + 2];
                v += w3 * src[c + 3];
                h[c] = v;
            }
        } else if (k.nx == 1) {
            /* one tap of weight 1: 0 + 1 * v is v */
            const uint8_t *src = row + bx0;
            for (c = 0; c < bw; c++)
                h[c] = src[c];
        } else {
            const uint8_t *src = row + bx0;
            for (c = 0; c < bw; c++) {
                double v = 0;
                for (i = 0; i < k.nx; i++)
                    v += k.wx[i] * src[c + i];
                h[c] = v;
            }
        }
        if (!b)
            memset(hb, 0, bw);
        else if (k.nx == 1)
            memcpy(hb, b, bw);
        else if (k.nx == 4) {
            c = 0;
#ifdef __SSE2__
            for (; c + 16 <= bw; c += 16) {
                __m128i o = _mm_or_si128(_mm_loadu_si128((const __m128i *)(b + c)),
                                         _mm_loadu_si128((const __m128i *)(b + c + 1)));
                o = _mm_or_si128(o, _mm_loadu_si128((const __m128i *)(b + c + 2)));
                o = _mm_or_si128(o, _mm_loadu_si128((const __m128i *)(b + c + 3)));
                _mm_storeu_si128((__m128i *)(hb + c), o);
            }
#endif
            for (; c < bw; c++)
                hb[c] = b[c] | b[c + 1] | b[c + 2] | b[c + 3];
        } else {
            for (c = 0; c < bw; c++) {
                uint8_t o = 0;
                for (i = 0; i < k.nx; i++)
                    o |= b[c + i];
                hb[c] = o;
            }
        }
    }
    /* along the ring's runs (samples side by side on a row), in ring
     * order */
    for (r = 0; r < s->ring_nruns; r++) {
        int i0 = run[2 * r], len = run[2 * r + 1];
        size_t o = (size_t)(pos[3 * i0 + 1] - s->ring_box[1]) * bw +
                   (pos[3 * i0] - s->ring_box[0]);
        const int32_t *val = pos + 3 * i0 + 2;
        if (k.ny == 4) {
            const double w0 = k.wy[0], w1 = k.wy[1], w2 = k.wy[2], w3 = k.wy[3];
            for (j = 0; j < len; j++, o++, val += 3) {
                double v = 0;
                if (bwin[o] | bwin[o + bw] | bwin[o + 2 * (size_t)bw] |
                    bwin[o + 3 * (size_t)bw])
                    continue;
                v += w0 * hw[o];
                v += w1 * hw[o + bw];
                v += w2 * hw[o + 2 * (size_t)bw];
                v += w3 * hw[o + 3 * (size_t)bw];
                v = v < 0 ? 0 : v;
                sum += fabs(*val - v);
                n++;
            }
        } else {
            for (j = 0; j < len; j++, o++, val += 3) {
                uint8_t bad = 0;
                double v = 0;
                for (i = 0; i < k.ny; i++)
                    bad |= bwin[o + (size_t)i * bw];
                if (bad)
                    continue;
                for (i = 0; i < k.ny; i++)
                    v += k.wy[i] * hw[o + (size_t)i * bw];
                v = v < 0 ? 0 : v;
                sum += fabs(*val - v);
                n++;
            }
        }
    }
    if (n < 8 || n * 2 < nring)
        return DBL_MAX;
    return sum * shift / n;
}

typedef struct Search {
    double best;
    int bx, by;
} Search;

static void search_window(const FillContext *s, const SpFrame *cur,
                          const SpRegion *r, const FillRef *ref, int nring,
                          int cx, int cy, int range, int step, int sub,
                          int exclude, Search *S)
{
    int dx, dy, span = range / step * step; /* the grid goes through (cx, cy) */

    for (dy = cy - span; dy <= cy + span; dy += step)
        for (dx = cx - span; dx <= cx + span; dx += step) {
            double c;
            if (exclude && abs(dx) <= r->w && abs(dy) <= r->h)
                continue;
            c = int_cost(s, cur, ref, nring, dx, dy, sub, S->best);
            if (c < S->best) {
                S->best = c;
                S->bx = dx;
                S->by = dy;
            }
        }
}

/* Steepest descent from (cx, cy): move to the best of the 4 neighbours
 * while one is better (a few steps at most). */
static void descend(const FillContext *s, const SpFrame *cur, const SpRegion *r,
                    const FillRef *ref, int nring, int cx, int cy, int sub,
                    int exclude, Search *S)
{
    Search L = { DBL_MAX, cx, cy };
    int step, moved = 1, px = cx, py = cy;

    if (!(exclude && abs(cx) <= r->w && abs(cy) <= r->h))
        L.best = int_cost(s, cur, ref, nring, cx, cy, sub, DBL_MAX);
    for (step = 0; step < 8 && moved && L.best < DBL_MAX; step++) {
        int bx = L.bx, by = L.by, dx, dy;
        moved = 0;
        for (dy = -1; dy <= 1; dy++)
            for (dx = -1; dx <= 1; dx++) {
                double c;
                if ((!dx == !dy) || /* the 4 neighbours: a cross */
                    (exclude && abs(bx + dx) <= r->w && abs(by + dy) <= r->h) ||
                    /* where the last step came from: dearer than the best */
                    (step && bx + dx == px && by + dy == py))
                    continue;
                c = int_cost(s, cur, ref, nring, bx + dx, by + dy, sub, L.best);
                if (c < L.best) {
                    L.best = c;
                    L.bx = bx + dx;
                    L.by = by + dy;
                    moved = 1;
                }
            }
        px = bx;
        py = by;
    }
    if (L.best < S->best)
        *S = L;
}

/* Find ref's displacement: first near the predictions (npred (x, y)
 * pairs); when none matches well, a search of +-full around zero, coarse
 * then fine; then sub-pixel. With exclude, skip displacements that leave
 * the region's box overlapping itself (patch search). Returns 0, or 1 when
 * nothing matches. */
static int match(FillContext *s, const SpFrame *cur, const SpRegion *r,
                 FillRef *ref, int nring, const int *pred, int npred,
                 int full, int exclude)
{
    Search S = { DBL_MAX, 0, 0 };
    double c, cl, cr, fx = 0, fy = 0;
    int i, k;

    /* from the predictions downhill, then (when nothing there matches
     * well) over the whole range on a 2-pixel grid, all on half the ring */
    for (i = 0; i < npred; i++)
        descend(s, cur, r, ref, nring, pred[2 * i], pred[2 * i + 1], 2, exclude, &S);
    if (full && !(S.best <= 0.5 * s->max_cost))
        /* every pixel for the rare patch search, whose exemplars may
         * repeat with any period */
        search_window(s, cur, r, ref, nring, 0, 0, full, exclude ? 1 : 2, 2,
                      exclude, &S);
    if (S.best == DBL_MAX)
        return 1;
    /* full ring: descend along the axes from the winner; the costs either
     * side of the minimum give the sub-pixel parabolas */
    {
        double c0 = int_cost(s, cur, ref, nring, S.bx, S.by, 1, DBL_MAX), side[4];
        double cback = 0;
        int step, back = -1; /* the side the last step came from, and its cost */
        if (c0 == DBL_MAX)
            return 1;
        for (step = 0; step < 4; step++) {
            static const int ax[4][2] = { { -1, 0 }, { 1, 0 }, { 0, -1 }, { 0, 1 } };
            int m = -1;
            for (k = 0; k < 4; k++) {
                int X = S.bx + ax[k][0], Y = S.by + ax[k][1];
                side[k] = k == back ? cback :
                          exclude && abs(X) <= r->w && abs(Y) <= r->h ? DBL_MAX :
                          int_cost(s, cur, ref, nring, X, Y, 1, DBL_MAX);
                if (side[k] < c0 && (m < 0 || side[k] < side[m]))
                    m = k;
            }
            if (m < 0)
                break;
            S.bx += ax[m][0];
            S.by += ax[m][1];
            back = m ^ 1;
            cback = c0;
            c0 = side[m];
        }
        S.best = c0;
        for (k = 0; k < 2 && S.best > 0; k++) {
            cl = side[2 * k];
            cr = side[2 * k + 1];
            if (cl < DBL_MAX && cr < DBL_MAX && cl + cr - 2 * S.best > 1e-9) {
                double t = 0.5 * (cl - cr) / (cl + cr - 2 * S.best);
                t = t < -0.5 ? -0.5 : t > 0.5 ? 0.5 : t;
                t = floor(t * 4 + 0.5) / 4; /* quarter pixels */
                if (k) fy = t; else fx = t;
            }
        }
    }
    ref->vx = S.bx;
    ref->vy = S.by;
    ref->cost = S.best;
    if (fx != 0 || fy != 0) {
        c = frac_cost(s, cur, ref, nring, S.bx + fx, S.by + fy);
        if (c < S.best) {
            ref->vx = S.bx + fx;
            ref->vy = S.by + fy;
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
 * their weighted median, the value with half the weight on either side
 * (with two that disagree, the better weighted one). The weights come from
 * the match costs, so one frame that predicts the ring well outweighs two
 * that predict it badly and agree with each other, as frames far off in
 * one direction do where the content moves differently from the ring
 * (an edge sliding through the hole): a plain median took those. */
static double combine(const Cand *c, double tol)
{
    float v[FILL_MAX_CAND], w[FILL_MAX_CAND], t;
    double med, num = 0, den = 0, tot = 0, acc = 0;
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
    for (i = 0; i < n; i++)
        tot += w[i];
    for (i = 0; i < n - 1; i++) {
        acc += w[i];
        if (2 * acc >= tot)
            break;
    }
    med = 2 * acc == tot && i + 1 < n ? 0.5 * (v[i] + v[i + 1]) : v[i];
    for (i = 0; i < n; i++)
        if (fabs(v[i] - med) <= tol) {
            num += v[i] * w[i];
            den += w[i];
        }
    return den > 0 ? num / den : med;
}

double sp_fill_test_combine(const float *v, const float *w, int n, double tol)
{
    Cand c = { { 0 }, { 0 }, 0 };

    if (n < 1 || n > FILL_MAX_CAND)
        return -1;
    memcpy(c.v, v, n * sizeof(*v));
    memcpy(c.w, w, n * sizeof(*w));
    c.n = n;
    return combine(&c, tol);
}

/* Add the candidates that ref offers for every defective sample of r.
 * With cov (else NULL), cov[0] and cov[1] count the luma samples that
 * reach one and FILL_ENOUGH candidates. */
static int add_candidates(FillContext *s, const SpFrame *f, const SpRegion *r,
                          const FillRef *ref, Cand *cand, size_t *plane_off, int *cov)
{
    double w = 1.0 / ((ref->cost + 1.0) * (ref->cost + 1.0));
    int p, x, y, x0, y0, x1, y1, added = 0;

    for (p = 0; p < s->nb_planes; p++) {
        const uint8_t *hole = sp_fill_hole(s, f, p);
        int sx = sp_plane_ss_x(f, p), sy = sp_plane_ss_y(f, p), bw;
        Kernel k;
        if (!sp_fill_plane_box(s, f, p, r, &x0, &y0, &x1, &y1))
            continue;
        kernel_init(&k, ref->vx / (1 << sx), ref->vy / (1 << sy));
        bw = x1 - x0 + 1;
        for (y = y0; y <= y1; y++)
            for (x = x0; x <= x1; x++) {
                Cand *c = &cand[plane_off[p] + (size_t)(y - y0) * bw + (x - x0)];
                double v;
                if (!hole[(size_t)y * s->pw[p] + x] || c->n >= FILL_MAX_CAND)
                    continue;
                v = fetch(s, ref->f, ref->bad, p, sx, sy, x, y, &k);
                if (v < 0)
                    continue;
                c->v[c->n] = (float)v;
                c->w[c->n] = (float)w;
                c->n++;
                added += !p;
                if (!p && cov) {
                    cov[0] += c->n == 1;
                    cov[1] += c->n == FILL_ENOUGH;
                }
            }
    }
    return added;
}

/* Size the candidate store for r; plane_off receives each plane's start. */
static Cand *cand_alloc(FillContext *s, const SpFrame *f, const SpRegion *r)
{
    size_t *plane_off = s->cand_off;
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

/* Luma samples of r still defective. (How many of them have at least one
 * or FILL_ENOUGH candidates, add_candidates() counts as they get them:
 * the counts only grow, one at a time, from none.) */
static int holes_of(const FillContext *s, const SpFrame *f, const SpRegion *r)
{
    int x, y, x0, y0, x1, y1, holes = 0;

    if (!sp_fill_plane_box(s, f, 0, r, &x0, &y0, &x1, &y1))
        return 0;
    for (y = y0; y <= y1; y++)
        for (x = x0; x <= x1; x++)
            holes += s->hole[0][(size_t)y * s->pw[0] + x] != 0;
    return holes;
}

/* Write the combined candidates and clear the filled samples from the hole
 * maps; returns the share of luma samples filled. With orig (the region's
 * samples and hole weights saved before another fill wrote the frame), the
 * estimate is instead averaged with what the frame holds now, weighted 1
 * to ws. */
static double write_candidates(FillContext *s, SpFrame *f, const SpRegion *r,
                               const int32_t *orig, double ws)
{
    const Cand *cand = s->cand.p;
    const size_t *plane_off = s->cand_off;
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
                size_t i = plane_off[p] + (size_t)(y - y0) * bw + (x - x0);
                const Cand *c = &cand[i];
                int hv = orig ? orig[2 * i + 1] : hole[(size_t)y * s->pw[p] + x];
                double v;
                if (!hv)
                    continue;
                holes += !p;
                if (!c->n)
                    continue;
                filled += !p;
                v = combine(c, tol);
                if (orig) {
                    v = (v * hv + orig[2 * i] * (255.0 - hv)) / 255.0;
                    v = (v + ws * sp_get(f, p, x, y)) / (1.0 + ws);
                    sp_put(f, p, x, y, (int)(v + 0.5));
                } else {
                    sp_fill_put(f, p, x, y, (int)(v + 0.5), hv);
                }
            }
    }
    /* now the maps: every plane has been written */
    for (p = 0; p < s->nb_planes && !orig; p++) {
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

int32_t *sp_fill_save(FillContext *s, const SpFrame *f, const SpRegion *r)
{
    size_t off[4], total = 0, i;
    int p, x, y, x0, y0, x1, y1;
    int32_t *o;

    for (p = 0; p < s->nb_planes; p++) {
        off[p] = total;
        if (sp_fill_plane_box(s, f, p, r, &x0, &y0, &x1, &y1))
            total += (size_t)(x1 - x0 + 1) * (y1 - y0 + 1);
    }
    if (sp_fill_buf_reserve(&s->est, total * 2 * sizeof(int32_t)) < 0)
        return NULL;
    o = s->est.p;
    for (p = 0; p < s->nb_planes; p++) {
        const uint8_t *hole = sp_fill_hole(s, f, p);
        if (!sp_fill_plane_box(s, f, p, r, &x0, &y0, &x1, &y1))
            continue;
        i = off[p];
        for (y = y0; y <= y1; y++)
            for (x = x0; x <= x1; x++, i++) {
                o[2 * i] = sp_get(f, p, x, y);
                o[2 * i + 1] = hole[(size_t)y * s->pw[p] + x];
            }
    }
    return o;
}

void sp_fill_restore(FillContext *s, SpFrame *f, const SpRegion *r,
                     const int32_t *orig)
{
    size_t i = 0;
    int p, x, y, x0, y0, x1, y1;

    for (p = 0; p < s->nb_planes; p++) {
        uint8_t *hole = sp_fill_hole(s, f, p);
        if (!sp_fill_plane_box(s, f, p, r, &x0, &y0, &x1, &y1))
            continue;
        for (y = y0; y <= y1; y++)
            for (x = x0; x <= x1; x++, i++)
                if (orig[2 * i + 1]) {
                    sp_put(f, p, x, y, orig[2 * i]);
                    hole[(size_t)y * s->pw[p] + x] = (uint8_t)orig[2 * i + 1];
                }
    }
}

double sp_fill_temporal_value(FillContext *s, const SpFrame *f,
                              const SpRegion *r, int p, int x, int y)
{
    const Cand *c;
    int x0, y0, x1, y1;

    if (!s->cand.p || !sp_fill_plane_box(s, f, p, r, &x0, &y0, &x1, &y1) ||
        x < x0 || x > x1 || y < y0 || y > y1)
        return -1;
    c = (const Cand *)s->cand.p + s->cand_off[p] + (size_t)(y - y0) * (x1 - x0 + 1) + (x - x0);
    return c->n ? combine(c, 6.0 * (1 << (f->depth - 8))) : -1;
}

double sp_fill_temporal_write(FillContext *s, SpFrame *f, const SpRegion *r,
                              const int32_t *orig, double ws)
{
    return write_candidates(s, f, r, orig, ws);
}

/* Median of the displacements found for ref's other regions of this
 * frame (the camera's motion, as a prediction); 0 when none yet. Kept
 * until a displacement is added (they stop at FILL_MAX_MOTIONS: with
 * many regions, most ask for the same median). */
static int median_motion(FillMotions *mo, int *mx, int *my)
{
    float v[FILL_MAX_MOTIONS], t;
    int i, j, k, n = mo->n;

    if (!n)
        return 0;
    if (mo->med_n == n) {
        *mx = mo->med_x;
        *my = mo->med_y;
        return 1;
    }
    for (k = 0; k < 2; k++) {
        for (i = 0; i < n; i++) {
            v[i] = mo->v[2 * i + k];
            for (j = i; j > 0 && v[j] < v[j - 1]; j--) {
                t = v[j]; v[j] = v[j - 1]; v[j - 1] = t;
            }
        }
        if (k) *my = (int)lrintf(v[n / 2]); else *mx = (int)lrintf(v[n / 2]);
    }
    mo->med_n = n;
    mo->med_x = *mx;
    mo->med_y = *my;
    return 1;
}

double sp_fill_temporal_collect(FillContext *s, const SpFrame *f,
                                const SpRegion *r, int ring_width)
{
    Cand *cand;
    double best = DBL_MAX;
    int nring, i, holes, cov[2] = { 0, 0 }, prev[2] = { -1, -1 }, stale[2] = { 0, 0 };
    double contrast = 0;

    s->cand_cost = DBL_MAX;
    cand = cand_alloc(s, f, r);
    if (!cand)
        return -1;
    if (!s->nb_refs)
        return 0;
    nring = build_ring(s, f, r, ring_width, 1);
    if (nring < 8)
        return nring < 0 ? -1 : 0;
    holes = holes_of(s, f, r);
    {
        /* the ring's own contrast: a match must do much better than two
         * unrelated pieces of the same texture would */
        const int32_t *pos = s->ring.p;
        double mean = 0;
        for (i = 0; i < nring; i++)
            mean += pos[3 * i + 2];
        mean /= nring;
        for (i = 0; i < nring; i++)
            contrast += fabs(pos[3 * i + 2] - mean);
        contrast = contrast / nring / (1 << (f->depth - 8));
    }
    if (!cand)
        return -1;
    /* refs are ordered nearest first, alternating past and future */
    for (i = 0; i < s->nb_refs; i++) {
        FillRef *ref = &s->refs[i];
        int dir = ref->dist > 0, pred[4], npred = 0, full = 0, added;
        ref->ok = 0;
        if (stale[dir] >= 2)
            continue; /* two frames in a row with no motion: static here */
        if (prev[dir] >= 0) {
            const FillRef *pr = &s->refs[prev[dir]];
            double k = (double)ref->dist / pr->dist;
            pred[0] = (int)lrint(pr->vx * k);
            pred[1] = (int)lrint(pr->vy * k);
            npred = 1;
        } else {
            int locked = sp_fill_motions_lock(s, ref->mo), med;
            pred[0] = pred[1] = 0;
            npred = 1;
            med = median_motion(ref->mo, &pred[2], &pred[3]);
            sp_fill_motions_unlock(s, locked);
            if (med && (pred[2] || pred[3]))
                npred = 2;
            full = s->search;
        }
        if (match(s, f, r, ref, nring, pred, npred, full, 0))
            continue;
        sp_fill_motion_add(s, i, ref->vx, ref->vy);
        if (ref->cost > s->max_cost || ref->cost > 2 * best + 2 ||
            (ref->cost > 2 && ref->cost > 0.5 * contrast))
            continue;
        ref->ok = 1;
        prev[dir] = i;
        if (ref->cost < best)
            best = ref->cost;
        added = add_candidates(s, f, r, ref, cand, s->cand_off, cov);
        /* a frame that brought nothing because the content hardly moved */
        stale[dir] = added || fabs(ref->vx) + fabs(ref->vy) >= 1.5 ? 0 : stale[dir] + 1;
        if (added && ref->cost < s->cand_cost)
            s->cand_cost = ref->cost;
        if (cov[1] == holes)
            break;
    }
    return holes ? (double)cov[0] / holes : 0;
}

double sp_fill_ring_texture(FillContext *s, const SpFrame *f, const SpRegion *r)
{
    const int32_t *pos;
    int n = build_ring(s, f, r, 4, 0), i, cnt = 0;
    double sum = 0;

    if (n <= 0)
        return 0;
    pos = s->ring.p;
    for (i = 0; i < n; i++) {
        int x = pos[3 * i], y = pos[3 * i + 1];
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
    Cand *cand;
    int nring, range = r->w > r->h ? r->w : r->h;

    int zero[2] = { 0, 0 };

    nring = build_ring(s, f, r, 4, 1);
    if (nring < 8)
        return nring < 0 ? -1 : 0;
    cand = cand_alloc(s, f, r);
    if (!cand)
        return -1;
    self.f = f;
    self.bad = s->hole[0];
    range += 12;
    if (match(s, f, r, &self, nring, zero, 1, range, 1))
        return 0;
    if (self.cost > s->max_cost * 0.5)
        return 0;

    add_candidates(s, f, r, &self, cand, s->cand_off, NULL);
    return write_candidates(s, f, r, NULL, 0);
}

double sp_fill_test_ring_cost(FillContext *s, const SpFrame *cur,
                              const SpRegion *r, const FillRef *ref, int dx,
                              int dy, int step, double bound, int plain)
{
    int nring = build_ring(s, cur, r, 6, 1);

    if (nring < 8)
        return -1;
    return plain ? int_cost_ref(s, cur, ref, nring, dx, dy, step, bound)
                 : int_cost(s, cur, ref, nring, dx, dy, step, bound);
}

double sp_fill_test_frac_cost(FillContext *s, const SpFrame *cur,
                              const SpRegion *r, const FillRef *ref, double dx,
                              double dy, int plain)
{
    int nring = build_ring(s, cur, r, 6, 1);

    if (nring < 8)
        return -1;
    return plain ? frac_cost_ref(s, cur, ref, nring, dx, dy)
                 : frac_cost(s, cur, ref, nring, dx, dy);
}

double sp_fill_test_fetch(const FillContext *s, const SpFrame *f,
                          const uint8_t *bad, int p, int x, int y, double dx,
                          double dy, int plain)
{
    Kernel k;

    kernel_init(&k, dx, dy);
    return plain ? fetch_ref(s, f, bad, p, x, y, &k)
                 : fetch(s, f, bad, p, sp_plane_ss_x(f, p), sp_plane_ss_y(f, p),
                         x, y, &k);
}
