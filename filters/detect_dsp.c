/*
 * The detector's row kernels: plain C, SSE2 where the compiler targets it,
 * and for some AVX2 where the CPU has it (the end of the file). The vector
 * versions do the same integer and single-precision
 * operations as the plain ones, lane by lane, so that their results are
 * the same bit for bit (the float ones: a conversion, a product and a
 * difference, each rounded once, in the same order; no sum is reordered:
 * a blob's first look sums in lanes of its own, which its plain version
 * follows).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

#include "filters/detect_dsp.h"

void sp_detect_half_row_c(uint32_t *row, const uint32_t *up, const uint8_t *r0,
                          const uint8_t *r1, int hw)
{
    uint32_t acc = 0;
    int i;

    row[0] = 0;
    for (i = 0; i < hw; i++) {
        acc += (uint32_t)r0[2 * i] + r0[2 * i + 1] + r1[2 * i] + r1[2 * i + 1];
        row[i + 1] = up[i + 1] + acc;
    }
}

#ifdef __SSE2__
/* Eight integral samples: out[k] = up[k] + the running sum, from acc (its
 * total so far in every lane), of the eight 16-bit values v; returns the
 * new total in every lane. */
static inline __m128i running_sum8(uint32_t *out, const uint32_t *up, __m128i v, __m128i acc)
{
    const __m128i zero = _mm_setzero_si128();
    __m128i lo, hi;

    v = _mm_add_epi16(v, _mm_slli_si128(v, 2));
    v = _mm_add_epi16(v, _mm_slli_si128(v, 4));
    v = _mm_add_epi16(v, _mm_slli_si128(v, 8));
    lo = _mm_add_epi32(_mm_unpacklo_epi16(v, zero), acc);
    hi = _mm_add_epi32(_mm_unpackhi_epi16(v, zero), acc);
    _mm_storeu_si128((__m128i *)out, _mm_add_epi32(lo, _mm_loadu_si128((const __m128i *)up)));
    _mm_storeu_si128((__m128i *)(out + 4),
                     _mm_add_epi32(hi, _mm_loadu_si128((const __m128i *)(up + 4))));
    return _mm_shuffle_epi32(hi, 0xff);
}
#endif

void sp_detect_half_row_sse2(uint32_t *row, const uint32_t *up, const uint8_t *r0,
                             const uint8_t *r1, int hw)
{
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128(), low = _mm_set1_epi16(0xff);
    const ptrdiff_t ahead = 4 * (r1 - r0); /* the row pairs the next calls read */
    __m128i acc = zero;
    uint32_t a;
    int i;

    row[0] = 0;
    /* 16 pixels of each row, 8 outputs: the 2x2 sums (each row's even
     * and odd bytes, 16 bits), their running sum (16 bits: 8 x 1020 at
     * most), widened to 32 bits; the rows ahead fetched on the way */
    for (i = 0; i + 8 <= hw; i += 8) {
        __m128i p = _mm_loadu_si128((const __m128i *)(r0 + 2 * i));
        __m128i q = _mm_loadu_si128((const __m128i *)(r1 + 2 * i));
        __m128i s;
        if (!(i & 31)) {
            _mm_prefetch((const char *)(r0 + 2 * i + ahead), _MM_HINT_T0);
            _mm_prefetch((const char *)(r1 + 2 * i + ahead), _MM_HINT_T0);
        }
        s = _mm_add_epi16(_mm_add_epi16(_mm_and_si128(p, low), _mm_srli_epi16(p, 8)),
                          _mm_add_epi16(_mm_and_si128(q, low), _mm_srli_epi16(q, 8)));
        acc = running_sum8(row + i + 1, up + i + 1, s, acc);
    }
    a = (uint32_t)_mm_cvtsi128_si32(acc);
    for (; i < hw; i++) {
        a += (uint32_t)r0[2 * i] + r0[2 * i + 1] + r1[2 * i] + r1[2 * i + 1];
        row[i + 1] = up[i + 1] + a;
    }
#else
    sp_detect_half_row_c(row, up, r0, r1, hw);
#endif
}

void sp_detect_integral_row_c(uint32_t *row, const uint32_t *up, const uint8_t *src, int n)
{
    uint32_t acc = 0;
    int i;

    row[0] = 0;
    for (i = 0; i < n; i++) {
        acc += src[i];
        row[i + 1] = up[i + 1] + acc;
    }
}

void sp_detect_integral_row_sse2(uint32_t *row, const uint32_t *up, const uint8_t *src, int n)
{
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128();
    __m128i acc = zero;
    uint32_t a;
    int i;

    row[0] = 0;
    /* 8 pixels at once: their running sum in 16 bits, then 32 */
    for (i = 0; i + 8 <= n; i += 8) {
        __m128i p = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(src + i)), zero);
        acc = running_sum8(row + i + 1, up + i + 1, p, acc);
    }
    a = (uint32_t)_mm_cvtsi128_si32(acc);
    for (; i < n; i++) {
        a += src[i];
        row[i + 1] = up[i + 1] + a;
    }
#else
    sp_detect_integral_row_c(row, up, src, n);
#endif
}

/* One response: a box sum wraps round in 32 bits with the integral, not
 * in itself. */
static inline float band_one(const DetectBoxRows *b, int k, float inv_in, float inv_out,
                             float *sur)
{
    int32_t si = (int32_t)(b->i[1][k] - b->i[2][k] - b->i[3][k] + b->i[0][k]);
    int32_t so = (int32_t)(b->o[1][k] - b->o[2][k] - b->o[3][k] + b->o[0][k]);

    *sur = (float)so * inv_out;
    return (float)si * inv_in - *sur;
}

void sp_detect_band_row_c(const DetectBoxRows *b, int xs, int xe, float inv_in,
                          float inv_out, float *band, float *sur, uint16_t *masks)
{
    int x, k, nb = 0;

    for (x = xs; x < xe; x += DETECT_BAND_BLOCK, nb++) {
        unsigned m = 0;
        for (k = 0; k < DETECT_BAND_BLOCK && x + k < xe; k++) {
            float r = band_one(b, x + k, inv_in, inv_out, &sur[x + k]);
            band[x + k] = r;
            m |= (unsigned)(r >= 5.0f || r <= -5.0f) << k;
        }
        masks[nb] = (uint16_t)m;
    }
}

void sp_detect_band_row_sse2(const DetectBoxRows *b, int xs, int xe, float inv_in,
                             float inv_out, float *band, float *sur, uint16_t *masks)
{
#ifdef __SSE2__
    const __m128 vin = _mm_set1_ps(inv_in), vout = _mm_set1_ps(inv_out);
    const __m128 five = _mm_set1_ps(5.0f), sign = _mm_set1_ps(-0.0f);
    const uint32_t *i0 = b->i[0], *i1 = b->i[1], *i2 = b->i[2], *i3 = b->i[3];
    const uint32_t *o0 = b->o[0], *o1 = b->o[1], *o2 = b->o[2], *o3 = b->o[3];
    int x, nb = 0;

    for (x = xs; x + DETECT_BAND_BLOCK <= xe; x += DETECT_BAND_BLOCK, nb++) {
        __m128i f0, f1, f2, f3;
        /* four columns at k: their flags (all ones or zeros) into f */
#define BAND4(k, f) do {                                                                     \
            __m128i si = _mm_sub_epi32(_mm_add_epi32(_mm_loadu_si128((const __m128i *)(i1 + (k))), \
                                                     _mm_loadu_si128((const __m128i *)(i0 + (k)))), \
                                       _mm_add_epi32(_mm_loadu_si128((const __m128i *)(i2 + (k))), \
                                                     _mm_loadu_si128((const __m128i *)(i3 + (k))))); \
            __m128i so = _mm_sub_epi32(_mm_add_epi32(_mm_loadu_si128((const __m128i *)(o1 + (k))), \
                                                     _mm_loadu_si128((const __m128i *)(o0 + (k)))), \
                                       _mm_add_epi32(_mm_loadu_si128((const __m128i *)(o2 + (k))), \
                                                     _mm_loadu_si128((const __m128i *)(o3 + (k))))); \
            __m128 s = _mm_mul_ps(_mm_cvtepi32_ps(so), vout);                                  \
            __m128 r = _mm_sub_ps(_mm_mul_ps(_mm_cvtepi32_ps(si), vin), s);                    \
            _mm_storeu_ps(sur + (k), s);                                                        \
            _mm_storeu_ps(band + (k), r);                                                       \
            f = _mm_castps_si128(_mm_cmpge_ps(_mm_andnot_ps(sign, r), five));                  \
        } while (0)
        BAND4(x, f0);
        BAND4(x + 4, f1);
        BAND4(x + 8, f2);
        BAND4(x + 12, f3);
#undef BAND4
        /* the 16 flags packed to bytes, one bit each */
        masks[nb] = (uint16_t)_mm_movemask_epi8(_mm_packs_epi16(_mm_packs_epi32(f0, f1),
                                                                _mm_packs_epi32(f2, f3)));
    }
    if (x < xe)
        sp_detect_band_row_c(b, x, xe, inv_in, inv_out, band, sur, masks + nb);
#else
    sp_detect_band_row_c(b, xs, xe, inv_in, inv_out, band, sur, masks);
#endif
}

void sp_detect_band_div_c(const DetectBoxRows *b, int n, float in_area, float out_area,
                          float *band)
{
    for (int k = 0; k < n; k++) {
        uint32_t si = b->i[0][k] - b->i[2][k] - b->i[3][k] + b->i[1][k];
        uint32_t so = b->o[0][k] - b->o[2][k] - b->o[3][k] + b->o[1][k];
        band[k] = (float)si / in_area - (float)so / out_area;
    }
}

/* Four columns at a time (a patch's sums are far below 2^31: converted as
 * signed, the same floats); the columns past the last four whole ones by
 * four ending at n. */
void sp_detect_band_div(const DetectBoxRows *b, int n, float in_area, float out_area,
                        float *band)
{
#ifdef __SSE2__
    const __m128 vin = _mm_set1_ps(in_area), vout = _mm_set1_ps(out_area);
    int k;

    /* the last four ending at n where n is not a multiple of four (those
     * made twice are the same) */
    for (k = 0; k < n && n >= 4; k += 4) {
        __m128i si, so;
        k = k + 4 <= n ? k : n - 4;
        si = _mm_sub_epi32(_mm_add_epi32(_mm_loadu_si128((const __m128i *)(b->i[0] + k)),
                                         _mm_loadu_si128((const __m128i *)(b->i[1] + k))),
                           _mm_add_epi32(_mm_loadu_si128((const __m128i *)(b->i[2] + k)),
                                         _mm_loadu_si128((const __m128i *)(b->i[3] + k))));
        so = _mm_sub_epi32(_mm_add_epi32(_mm_loadu_si128((const __m128i *)(b->o[0] + k)),
                                         _mm_loadu_si128((const __m128i *)(b->o[1] + k))),
                           _mm_add_epi32(_mm_loadu_si128((const __m128i *)(b->o[2] + k)),
                                         _mm_loadu_si128((const __m128i *)(b->o[3] + k))));
        _mm_storeu_ps(band + k, _mm_sub_ps(_mm_div_ps(_mm_cvtepi32_ps(si), vin),
                                           _mm_div_ps(_mm_cvtepi32_ps(so), vout)));
    }
    if (n < 4)
        sp_detect_band_div_c(b, n, in_area, out_area, band);
#else
    sp_detect_band_div_c(b, n, in_area, out_area, band);
#endif
}

uint64_t sp_detect_nonzero16_c(const uint16_t *m, int n)
{
    uint64_t nz = 0;

    for (int k = 0; k < n; k++)
        nz |= (uint64_t)(m[k] != 0) << k;
    return nz;
}

/* Sixteen at a time: the equal-to-zero lanes packed to bytes. */
uint64_t sp_detect_nonzero16(const uint16_t *m, int n)
{
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128();
    uint64_t nz = 0;
    int k;

    for (k = 0; k + 16 <= n; k += 16) {
        __m128i a = _mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)(m + k)), zero);
        __m128i b = _mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)(m + k + 8)), zero);
        nz |= (uint64_t)(~_mm_movemask_epi8(_mm_packs_epi16(a, b)) & 0xffff) << k;
    }
    if (k < n)
        nz |= sp_detect_nonzero16_c(m + k, n - k) << k;
    return nz;
#else
    return sp_detect_nonzero16_c(m, n);
#endif
}

void sp_detect_quarter_means_c(const uint16_t *q, int n, uint8_t *out)
{
    for (int x = 0; x < n; x++) {
        int acc = q[4 * x] + q[4 * x + 1] + q[4 * x + 2] + q[4 * x + 3] + q[4 * x + 4];
        out[x] = (uint8_t)((2 * acc + 25) / 50);
    }
}

/* Eight means at a time: the four-sample groups' sums by pmaddwd (twice),
 * the groups' first samples by packing the even lanes (twice), each box
 * its group plus the next group's first; the division by 50 exact as
 * (t * 10486) >> 19 for t = 2 s + 25 <= 12775. */
void sp_detect_quarter_means(const uint16_t *q, int n, uint8_t *out)
{
#ifdef __SSE2__
    const __m128i ones = _mm_set1_epi16(1), even = _mm_set1_epi32(0xffff);
    const __m128i c25 = _mm_set1_epi16(25), magic = _mm_set1_epi16(10486);
    int x;

    /* the last eight ending at n where n is not a multiple of eight (those
     * made twice are the same) */
    for (x = 0; x < n && n >= 8; x += 8) {
        const uint16_t *p;
        x = x + 8 <= n ? x : n - 8;
        p = q + 4 * x;
        __m128i l0 = _mm_loadu_si128((const __m128i *)p);
        __m128i l1 = _mm_loadu_si128((const __m128i *)(p + 8));
        __m128i l2 = _mm_loadu_si128((const __m128i *)(p + 16));
        __m128i l3 = _mm_loadu_si128((const __m128i *)(p + 24));
        __m128i g01 = _mm_madd_epi16(_mm_packs_epi32(_mm_madd_epi16(l0, ones), _mm_madd_epi16(l1, ones)), ones);
        __m128i g23 = _mm_madd_epi16(_mm_packs_epi32(_mm_madd_epi16(l2, ones), _mm_madd_epi16(l3, ones)), ones);
        __m128i g = _mm_packs_epi32(g01, g23);
        __m128i e01 = _mm_packs_epi32(_mm_and_si128(l0, even), _mm_and_si128(l1, even));
        __m128i e23 = _mm_packs_epi32(_mm_and_si128(l2, even), _mm_and_si128(l3, even));
        __m128i e = _mm_packs_epi32(_mm_and_si128(e01, even), _mm_and_si128(e23, even));
        __m128i t;
        e = _mm_insert_epi16(_mm_srli_si128(e, 2), p[32], 7);
        t = _mm_add_epi16(g, e);
        t = _mm_add_epi16(_mm_add_epi16(t, t), c25);
        t = _mm_srli_epi16(_mm_mulhi_epu16(t, magic), 3);
        _mm_storel_epi64((__m128i *)(out + x), _mm_packus_epi16(t, t));
    }
    if (n < 8)
        sp_detect_quarter_means_c(q, n, out);
#else
    sp_detect_quarter_means_c(q, n, out);
#endif
}

int sp_detect_dev32_c(const uint8_t *p, const ptrdiff_t *off)
{
    int iv[32], sum = 0, dsum = 0, k;

    for (k = 0; k < 32; k++) {
        iv[k] = p[off[k]];
        sum += iv[k];
    }
    for (k = 0; k < 32; k++)
        dsum += abs(32 * iv[k] - sum);
    return dsum;
}

int sp_detect_dev32_floor(const uint8_t *p, const ptrdiff_t *off)
{
    int d = 0;

    for (int k = 0; k < 8; k++)
        d += abs(p[off[k]] - p[off[k + 8]]);
    return 32 * d;
}

/* The samples gathered to bytes, their sum by psadbw, the deviations in
 * 16 bits (|32 v - S| <= 8160) and summed in 32. */
int sp_detect_dev32(const uint8_t *p, const ptrdiff_t *off)
{
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128(), ones = _mm_set1_epi16(1);
    uint8_t b[32];
    __m128i v0, v1, s, acc = zero;
    int k;

    for (k = 0; k < 32; k++)
        b[k] = p[off[k]];
    v0 = _mm_loadu_si128((const __m128i *)b);
    v1 = _mm_loadu_si128((const __m128i *)(b + 16));
    s = _mm_add_epi64(_mm_sad_epu8(v0, zero), _mm_sad_epu8(v1, zero));
    s = _mm_add_epi64(s, _mm_unpackhi_epi64(s, s));
    s = _mm_shufflelo_epi16(s, 0);
    s = _mm_unpacklo_epi64(s, s); /* the sum in every 16-bit lane */
#define DEV8(v)                                                              \
    do {                                                                     \
        __m128i d = _mm_sub_epi16(_mm_slli_epi16((v), 5), s);                \
        d = _mm_max_epi16(d, _mm_sub_epi16(zero, d));                        \
        acc = _mm_add_epi32(acc, _mm_madd_epi16(d, ones));                   \
    } while (0)
    DEV8(_mm_unpacklo_epi8(v0, zero));
    DEV8(_mm_unpackhi_epi8(v0, zero));
    DEV8(_mm_unpacklo_epi8(v1, zero));
    DEV8(_mm_unpackhi_epi8(v1, zero));
#undef DEV8
    acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0x4e));
    acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0xb1));
    return _mm_cvtsi128_si32(acc);
#else
    return sp_detect_dev32_c(p, off);
#endif
}

/* By the samples' ranks: a sample with n smaller and m equal ones holds
 * places n to n + m - 1 of the sorted list. */
void sp_detect_mid16_c(const uint8_t *v, int *m7, int *m8)
{
    int a = 0, b = 0;

    for (int k = 0; k < 16; k++) {
        int below = 0, same = 0;
        for (int j = 0; j < 16; j++) {
            below += v[j] < v[k];
            same += v[j] == v[k];
        }
        a = below <= 7 && below + same > 7 ? v[k] : a;
        b = below <= 8 && below + same > 8 ? v[k] : b;
    }
    *m7 = a;
    *m8 = b;
}

#ifdef __SSE2__
/* The largest of 16 bytes. */
static inline int hmax_epu8(__m128i v)
{
    v = _mm_max_epu8(v, _mm_srli_si128(v, 8));
    v = _mm_max_epu8(v, _mm_srli_si128(v, 4));
    v = _mm_max_epu8(v, _mm_srli_si128(v, 2));
    v = _mm_max_epu8(v, _mm_srli_si128(v, 1));
    return _mm_cvtsi128_si32(v) & 0xff;
}
#endif

/* Every sample's ranks at once (16 byte lanes, counted down by the
 * compares' all-ones); the samples that hold a place are all the same
 * value, their largest is it. */
void sp_detect_mid16(const uint8_t *v, int *m7, int *m8)
{
#ifdef __SSE2__
    const __m128i flip = _mm_set1_epi8((char)0x80);
    const __m128i vv = _mm_loadu_si128((const __m128i *)v), vs = _mm_xor_si128(vv, flip);
    __m128i below = _mm_setzero_si128(), upto = _mm_setzero_si128(), c7, c8;

    for (int j = 0; j < 16; j++) {
        __m128i b = _mm_set1_epi8((char)(v[j] ^ 0x80));
        __m128i lt = _mm_cmpgt_epi8(vs, b);  /* v[j] < v[k] */
        below = _mm_sub_epi8(below, lt);
        upto = _mm_sub_epi8(upto, _mm_or_si128(lt, _mm_cmpeq_epi8(vs, b)));
    }
    /* place p held: below <= p < below + same (= upto) */
    c7 = _mm_andnot_si128(_mm_cmpgt_epi8(below, _mm_set1_epi8(7)), _mm_cmpgt_epi8(upto, _mm_set1_epi8(7)));
    c8 = _mm_andnot_si128(_mm_cmpgt_epi8(below, _mm_set1_epi8(8)), _mm_cmpgt_epi8(upto, _mm_set1_epi8(8)));
    *m7 = hmax_epu8(_mm_and_si128(vv, c7));
    *m8 = hmax_epu8(_mm_and_si128(vv, c8));
#else
    sp_detect_mid16_c(v, m7, m8);
#endif
}

void sp_detect_disk_minmax_c(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                             int *lo, int *hi)
{
    int a = *lo, b = *hi;

    for (int j = -r; j <= r; j++) {
        const uint8_t *row = p + (ptrdiff_t)j * stride;
        for (int i = -span[j + r]; i <= span[j + r]; i++) {
            a = row[i] < a ? row[i] : a;
            b = row[i] > b ? row[i] : b;
        }
    }
    *lo = a;
    *hi = b;
}

/* One of the closing's passes: row j < nr, column i < nc of dst the
 * greatest (max) or the least of the w samples of src from there, step
 * apart (1 along the row, cs down the column). */
static void closing_pass_c(const uint8_t *src, uint8_t *dst, int nr, int nc, int cs,
                           ptrdiff_t step, int w, int max)
{
    for (int j = 0; j < nr; j++)
        for (int i = 0; i < nc; i++) {
            const uint8_t *p = src + j * cs + i;
            int v = p[0];
            for (int k = 1; k < w; k++)
                v = max ? (p[k * step] > v ? p[k * step] : v)
                        : (p[k * step] < v ? p[k * step] : v);
            dst[j * cs + i] = (uint8_t)v;
        }
}

/* The closing's four passes: the greatest over each row's runs of w, then
 * over each column's, then the least likewise (a -> b -> c -> b -> c);
 * each pass's results sit at the first of the w samples they were taken
 * over; last the input taken from the closing. */
void sp_detect_closing_c(const uint8_t *a, uint8_t *b, uint8_t *c, int n, int cs, int w)
{
    int m = n - w + 1, e = n - 2 * w + 2;

    closing_pass_c(a, b, n, m, cs, 1, w, 1);
    closing_pass_c(b, c, m, m, cs, cs, w, 1);
    closing_pass_c(c, b, m, e, cs, 1, w, 0);
    closing_pass_c(b, c, e, e, cs, cs, w, 0);
    for (int j = 0; j < e; j++)
        for (int i = 0; i < e; i++)
            c[j * cs + i] = (uint8_t)(c[j * cs + i] - a[(j + w - 1) * cs + i + w - 1]);
}

#if defined(__GNUC__) && !defined(__clang__)
#define UNROLL _Pragma("GCC unroll 16")
#else
#define UNROLL
#endif
#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif
#ifdef __SSE2__
/* closing_pass_c 16 columns at a time (the last vector of a row runs past
 * the results asked for, on samples whose results are not used); w and
 * max constants where the caller knows them, so that the taps unroll. */
static ALWAYS_INLINE void closing_pass_sse2(const uint8_t *src, uint8_t *dst, int nr, int nc,
                                            int cs, ptrdiff_t step, int w, int max)
{
    for (int j = 0; j < nr; j++)
        for (int i = 0; i < nc; i += 16) {
            const uint8_t *p = src + j * cs + i;
            __m128i v = _mm_loadu_si128((const __m128i *)p);
            UNROLL
            for (int k = 1; k < w; k++) {
                __m128i u = _mm_loadu_si128((const __m128i *)(p + k * step));
                v = max ? _mm_max_epu8(v, u) : _mm_min_epu8(v, u);
            }
            _mm_storeu_si128((__m128i *)(dst + j * cs + i), v);
        }
}

static ALWAYS_INLINE void closing_sse2(const uint8_t *a, uint8_t *b, uint8_t *c, int n, int cs,
                                       int w)
{
    int m = n - w + 1, e = n - 2 * w + 2;

    closing_pass_sse2(a, b, n, m, cs, 1, w, 1);
    closing_pass_sse2(b, c, m, m, cs, cs, w, 1);
    closing_pass_sse2(c, b, m, e, cs, 1, w, 0);
    closing_pass_sse2(b, c, e, e, cs, cs, w, 0);
    for (int j = 0; j < e; j++)
        for (int i = 0; i < e; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(c + j * cs + i));
            v = _mm_sub_epi8(v, _mm_loadu_si128((const __m128i *)(a + (j + w - 1) * cs + i + w - 1)));
            _mm_storeu_si128((__m128i *)(c + j * cs + i), v);
        }
}
#endif

void sp_detect_closing_sse2(const uint8_t *a, uint8_t *b, uint8_t *c, int n, int cs, int w)
{
#ifdef __SSE2__
    if (w == 9) /* the defaults' */
        closing_sse2(a, b, c, n, cs, 9);
    else
        closing_sse2(a, b, c, n, cs, w);
#else
    sp_detect_closing_c(a, b, c, n, cs, w);
#endif
}

/* Rows of 16 samples or more 16 at a time, the last 16 ending at the
 * row's end (read twice, which changes no extreme). */
void sp_detect_disk_minmax(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                           int *lo, int *hi)
{
#ifdef __SSE2__
    __m128i vlo = _mm_set1_epi8((char)*lo), vhi = _mm_set1_epi8((char)*hi);
    int a = *lo, b = *hi;

    for (int j = -r; j <= r; j++) {
        const uint8_t *row = p + (ptrdiff_t)j * stride;
        int sp = span[j + r], i;
        if (2 * sp + 1 < 16) {
            for (i = -sp; i <= sp; i++) {
                a = row[i] < a ? row[i] : a;
                b = row[i] > b ? row[i] : b;
            }
            continue;
        }
        for (i = -sp; i + 16 <= sp + 1; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(row + i));
            vlo = _mm_min_epu8(vlo, v);
            vhi = _mm_max_epu8(vhi, v);
        }
        if (i <= sp) {
            __m128i v = _mm_loadu_si128((const __m128i *)(row + sp - 15));
            vlo = _mm_min_epu8(vlo, v);
            vhi = _mm_max_epu8(vhi, v);
        }
    }
    vlo = _mm_min_epu8(vlo, _mm_srli_si128(vlo, 8));
    vlo = _mm_min_epu8(vlo, _mm_srli_si128(vlo, 4));
    vlo = _mm_min_epu8(vlo, _mm_srli_si128(vlo, 2));
    vlo = _mm_min_epu8(vlo, _mm_srli_si128(vlo, 1));
    vhi = _mm_max_epu8(vhi, _mm_srli_si128(vhi, 8));
    vhi = _mm_max_epu8(vhi, _mm_srli_si128(vhi, 4));
    vhi = _mm_max_epu8(vhi, _mm_srli_si128(vhi, 2));
    vhi = _mm_max_epu8(vhi, _mm_srli_si128(vhi, 1));
    a = a < (_mm_cvtsi128_si32(vlo) & 0xff) ? a : (_mm_cvtsi128_si32(vlo) & 0xff);
    b = b > (_mm_cvtsi128_si32(vhi) & 0xff) ? b : (_mm_cvtsi128_si32(vhi) & 0xff);
    *lo = a;
    *hi = b;
#else
    sp_detect_disk_minmax_c(p, stride, span, r, lo, hi);
#endif
}

unsigned sp_detect_extrema16_c(const float *rm, const float *rc, const float *rp, unsigned want)
{
    unsigned m = 0;
    int k, j;

    for (k = 0; k < 16; k++) {
        float r = rc[k], q[8];
        int sign, ext = 1;
        if (r > -5.0f && r < 5.0f)
            continue;
        sign = r < 0 ? -1 : 1;
        q[0] = rm[k - 1]; q[1] = rm[k]; q[2] = rm[k + 1];
        q[3] = rc[k - 1]; q[4] = rc[k + 1];
        q[5] = rp[k - 1]; q[6] = rp[k]; q[7] = rp[k + 1];
        for (j = 0; j < 8; j++)
            if (sign * q[j] > sign * r)
                ext = 0;
        m |= (unsigned)ext << k;
    }
    return m & want;
}

unsigned sp_detect_extrema16_sse2(const float *rm, const float *rc, const float *rp, unsigned want)
{
#ifdef __SSE2__
    const __m128 five = _mm_set1_ps(5.0f), mfive = _mm_set1_ps(-5.0f);
    unsigned m = 0;

    for (int k = 0; k < 16; k += 4) {
        __m128 r;
        if (!(want >> k & 15))
            continue;
        r = _mm_loadu_ps(rc + k);
        __m128 a = _mm_loadu_ps(rm + k - 1), b = _mm_loadu_ps(rm + k), c = _mm_loadu_ps(rm + k + 1);
        __m128 d = _mm_loadu_ps(rc + k - 1), e = _mm_loadu_ps(rc + k + 1);
        __m128 f = _mm_loadu_ps(rp + k - 1), g = _mm_loadu_ps(rp + k), h = _mm_loadu_ps(rp + k + 1);
        __m128 mx = _mm_max_ps(_mm_max_ps(_mm_max_ps(a, b), _mm_max_ps(c, d)),
                               _mm_max_ps(_mm_max_ps(e, f), _mm_max_ps(g, h)));
        __m128 mn = _mm_min_ps(_mm_min_ps(_mm_min_ps(a, b), _mm_min_ps(c, d)),
                               _mm_min_ps(_mm_min_ps(e, f), _mm_min_ps(g, h)));
        /* a maximum of 5 or more that none exceeds, or a minimum of -5 or
         * less that none goes under */
        __m128 hi = _mm_and_ps(_mm_cmpge_ps(r, five), _mm_cmple_ps(mx, r));
        __m128 lo = _mm_and_ps(_mm_cmple_ps(r, mfive), _mm_cmpge_ps(mn, r));
        m |= (unsigned)_mm_movemask_ps(_mm_or_ps(hi, lo)) << k;
    }
    return m & want;
#else
    return sp_detect_extrema16_c(rm, rc, rp, want);
#endif
}

uint64_t sp_detect_dots_luma_c(const uint8_t *r, int nb, int t, uint32_t *masks)
{
    uint64_t busy = 0;
    int b, k;

    for (b = 0; b < nb; b++, r += DETECT_DOT_BLOCK) {
        uint32_t m = 0;
        for (k = 0; k < DETECT_DOT_BLOCK; k++) {
            int v = r[k], x = r[k - 2], y = r[k + 2];
            int hi = x > y ? x : y, lo = x < y ? x : y;
            m |= (uint32_t)(v - hi >= t || lo - v >= t) << k;
        }
        masks[b] = m;
        busy |= (uint64_t)(m != 0) << b;
    }
    return busy;
}

uint64_t sp_detect_dots_luma_sse2(const uint8_t *r, int nb, int t, uint32_t *masks)
{
#ifdef __SSE2__
    uint64_t busy = 0;
    __m128i vt;
    int b;

    if (t < 1 || t > 255)
        return sp_detect_dots_luma_c(r, nb, t, masks);
    vt = _mm_set1_epi8((char)t);
    for (b = 0; b < nb; b++, r += DETECT_DOT_BLOCK) {
        uint32_t m = 0;
        for (int k = 0; k < DETECT_DOT_BLOCK; k += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(r + k));
            __m128i x = _mm_loadu_si128((const __m128i *)(r + k - 2));
            __m128i y = _mm_loadu_si128((const __m128i *)(r + k + 2));
            __m128i hi = _mm_max_epu8(x, y), lo = _mm_min_epu8(x, y);
            /* how far it clears both, clipped at 0: at least t */
            __m128i d = _mm_max_epu8(_mm_subs_epu8(v, hi), _mm_subs_epu8(lo, v));
            m |= (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(d, vt), d)) << k;
        }
        masks[b] = m;
        busy |= (uint64_t)(m != 0) << b;
    }
    return busy;
#else
    return sp_detect_dots_luma_c(r, nb, t, masks);
#endif
}

uint64_t sp_detect_dots_chroma_c(const uint8_t *up, const uint8_t *r, const uint8_t *dn,
                                 int nb, int t, int t4, uint32_t *masks)
{
    uint64_t busy = 0;
    int b, k;

    for (b = 0; b < nb; b++, up += DETECT_DOT_BLOCK, r += DETECT_DOT_BLOCK, dn += DETECT_DOT_BLOCK) {
        uint32_t m = 0;
        for (k = 0; k < DETECT_DOT_BLOCK; k++) {
            int c = r[k], x = c - r[k - 1], y = c - r[k + 1], u = c - up[k], d = c - dn[k];
            int e = x + y + u + d;
            e = e < 0 ? -e : e;
            x = x < 0 ? -x : x;
            y = y < 0 ? -y : y;
            u = u < 0 ? -u : u;
            d = d < 0 ? -d : d;
            m |= (uint32_t)(x >= t && y >= t && u >= t && d >= t && e >= t4) << k;
        }
        masks[b] = m;
        busy |= (uint64_t)(m != 0) << b;
    }
    return busy;
}

uint64_t sp_detect_dots_chroma_sse2(const uint8_t *up, const uint8_t *r, const uint8_t *dn,
                                    int nb, int t, int t4, uint32_t *masks)
{
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128();
    uint64_t busy = 0;
    __m128i vt, vt4;
    int b;

    if (t < 1 || t > 255)
        return sp_detect_dots_chroma_c(up, r, dn, nb, t, t4, masks);
    vt = _mm_set1_epi8((char)t);
    /* |4 c - the sum| is 1020 at most */
    vt4 = _mm_set1_epi16((short)((t4 < -1 ? -1 : t4 > 2000 ? 2000 : t4) - 1));
#define ABSD(x, y) _mm_or_si128(_mm_subs_epu8(x, y), _mm_subs_epu8(y, x))
    for (b = 0; b < nb; b++, up += DETECT_DOT_BLOCK, r += DETECT_DOT_BLOCK, dn += DETECT_DOT_BLOCK) {
        uint32_t m = 0;
        /* the rows a few on, which the next calls read */
        if (!(b & 1))
            _mm_prefetch((const char *)(dn + 3 * (dn - r)), _MM_HINT_T0);
        for (int k = 0; k < DETECT_DOT_BLOCK; k += 16) {
            __m128i c = _mm_loadu_si128((const __m128i *)(r + k));
            __m128i x = ABSD(c, _mm_loadu_si128((const __m128i *)(r + k - 1)));
            __m128i y = ABSD(c, _mm_loadu_si128((const __m128i *)(r + k + 1)));
            __m128i z = _mm_min_epu8(x, y), u, d;
            unsigned mk;
            /* the row's neighbours first: most samples stop there */
            if (!_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(z, vt), z)))
                continue;
            u = ABSD(c, _mm_loadu_si128((const __m128i *)(up + k)));
            d = ABSD(c, _mm_loadu_si128((const __m128i *)(dn + k)));
            z = _mm_min_epu8(z, _mm_min_epu8(u, d));
            mk = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(z, vt), z));
            if (mk) {
                /* 4 c against the sum of the neighbours, in 16 bits */
                __m128i l = _mm_loadu_si128((const __m128i *)(r + k - 1));
                __m128i rr = _mm_loadu_si128((const __m128i *)(r + k + 1));
                __m128i uu = _mm_loadu_si128((const __m128i *)(up + k));
                __m128i dd = _mm_loadu_si128((const __m128i *)(dn + k));
                __m128i e0 = _mm_sub_epi16(_mm_slli_epi16(_mm_unpacklo_epi8(c, zero), 2),
                                           _mm_add_epi16(_mm_add_epi16(_mm_unpacklo_epi8(l, zero),
                                                                       _mm_unpacklo_epi8(rr, zero)),
                                                         _mm_add_epi16(_mm_unpacklo_epi8(uu, zero),
                                                                       _mm_unpacklo_epi8(dd, zero))));
                __m128i e1 = _mm_sub_epi16(_mm_slli_epi16(_mm_unpackhi_epi8(c, zero), 2),
                                           _mm_add_epi16(_mm_add_epi16(_mm_unpackhi_epi8(l, zero),
                                                                       _mm_unpackhi_epi8(rr, zero)),
                                                         _mm_add_epi16(_mm_unpackhi_epi8(uu, zero),
                                                                       _mm_unpackhi_epi8(dd, zero))));
                e0 = _mm_max_epi16(e0, _mm_sub_epi16(zero, e0));
                e1 = _mm_max_epi16(e1, _mm_sub_epi16(zero, e1));
                mk &= (unsigned)_mm_movemask_epi8(_mm_packs_epi16(_mm_cmpgt_epi16(e0, vt4),
                                                                  _mm_cmpgt_epi16(e1, vt4)));
            }
            m |= mk << k;
        }
        masks[b] = m;
        busy |= (uint64_t)(m != 0) << b;
    }
#undef ABSD
    return busy;
#else
    return sp_detect_dots_chroma_c(up, r, dn, nb, t, t4, masks);
#endif
}

void sp_detect_ring_sads_c(const uint8_t *a, ptrdiff_t stride, const int *off, const int *v,
                           int n, uint32_t *sads)
{
    const int S = DETECT_RING_SHIFT;
    int dx, dy, k;

    for (dy = -S; dy <= S; dy++)
        for (dx = -S; dx <= S; dx++) {
            const uint8_t *p = a + dy * stride + dx;
            uint32_t sad = 0;
            for (k = 0; k < n; k++) {
                int d = v[k] - p[off[k]];
                sad += (uint32_t)(d < 0 ? -d : d);
            }
            sads[(dy + S) * (2 * S + 1) + dx + S] = sad;
        }
}

void sp_detect_ring_sads_sse2(const uint8_t *a, ptrdiff_t stride, const int *off, const int *v,
                              int n, uint32_t *sads)
{
#if defined(__SSE2__) && DETECT_RING_SHIFT == 6
    /* a row of the 13 shifts of one sample at a time, in 16-bit lanes,
     * over chunks of 256 samples (255 x 256 fits 16 bits), the sample's
     * value broadcast once a chunk */
    enum { CHUNK = 256, W = 13 };
    const __m128i zero = _mm_setzero_si128();
    __m128i vv[CHUNK];
    uint16_t lane[16];
    int k0, j, k, i;

    memset(sads, 0, sizeof(*sads) * DETECT_RING_SHIFTS);
    for (k0 = 0; k0 < n; k0 += CHUNK) {
        int ke = k0 + CHUNK < n ? k0 + CHUNK : n;
        for (k = k0; k < ke; k++)
            vv[k - k0] = _mm_set1_epi8((char)v[k]);
        for (j = 0; j < W; j++) {
            const uint8_t *p = a + (j - 6) * stride - 6;
            __m128i acc0 = zero, acc1 = zero;
            for (k = k0; k < ke; k++) {
                const uint8_t *q = p + off[k];
                /* the next row's, which the next pass reads */
                _mm_prefetch((const char *)(q + stride), _MM_HINT_T0);
                /* the 13 samples from q, read as [0, 8) and [5, 13) */
                __m128i lo = _mm_loadl_epi64((const __m128i *)q);
                __m128i hi = _mm_loadl_epi64((const __m128i *)(q + 5));
                __m128i x = _mm_unpacklo_epi64(lo, _mm_srli_si128(hi, 3)), c = vv[k - k0];
                __m128i d = _mm_or_si128(_mm_subs_epu8(x, c), _mm_subs_epu8(c, x));
                acc0 = _mm_add_epi16(acc0, _mm_unpacklo_epi8(d, zero));
                acc1 = _mm_add_epi16(acc1, _mm_unpackhi_epi8(d, zero));
            }
            _mm_storeu_si128((__m128i *)lane, acc0);
            _mm_storeu_si128((__m128i *)(lane + 8), acc1);
            for (i = 0; i < W; i++)
                sads[j * W + i] += lane[i];
        }
    }
#else
    sp_detect_ring_sads_c(a, stride, off, v, n, sads);
#endif
}

float sp_detect_disk_dim_c(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                           float sign, float surround, float *d)
{
    float peak = 0;
    int n = 0, i, j;

    for (j = -r; j <= r; j++) {
        const uint8_t *row = p + j * stride;
        int sp = span[j + r];
        for (i = -sp; i <= sp; i++) {
            float v = sign * (row[i] - surround);
            d[n++] = v;
            peak = v > peak ? v : peak;
        }
    }
    return peak;
}

float sp_detect_disk_dim_sse2(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                              float sign, float surround, float *d)
{
#ifdef __SSE2__
    const __m128i zero = _mm_setzero_si128();
    const __m128 vs = _mm_set1_ps(sign), vsur = _mm_set1_ps(surround);
    __m128 vpeak = _mm_setzero_ps();
    float peak = 0, lanes[4];
    int n = 0, i, j;

    for (j = -r; j <= r; j++) {
        const uint8_t *row = p + j * stride;
        int sp = span[j + r];
        /* four pixels at once (the largest kept as the plain loop keeps
         * it: only a strictly larger one replaces it), the rest one by one */
        for (i = -sp; i + 3 <= sp; i += 4, n += 4) {
            int32_t w;
            __m128i b;
            __m128 v;
            memcpy(&w, row + i, 4);
            b = _mm_unpacklo_epi16(_mm_unpacklo_epi8(_mm_cvtsi32_si128(w), zero), zero);
            v = _mm_mul_ps(vs, _mm_sub_ps(_mm_cvtepi32_ps(b), vsur));
            _mm_storeu_ps(d + n, v);
            vpeak = _mm_max_ps(v, vpeak);
        }
        for (; i <= sp; i++) {
            float v = sign * (row[i] - surround);
            d[n++] = v;
            peak = v > peak ? v : peak;
        }
    }
    _mm_storeu_ps(lanes, vpeak);
    for (i = 0; i < 4; i++)
        peak = lanes[i] > peak ? lanes[i] : peak;
    return peak;
#else
    return sp_detect_disk_dim_c(p, stride, span, r, sign, surround, d);
#endif
}

void sp_detect_disk_sums_c(const float *d, const int *span, int r, float half, int x, int y,
                           int *area, float *sw, float *sx, float *sy)
{
    int n = 0, i, j, a = 0;
    float w = 0, wx = 0, wy = 0;

    for (j = -r; j <= r; j++) {
        int sp = span[j + r];
        for (i = -sp; i <= sp; i++, n++) {
            if (d[n] <= half)
                continue;
            a++;
            w += d[n];
            wx += d[n] * (x + i);
            wy += d[n] * (y + j);
        }
    }
    *area = a;
    *sw = w;
    *sx = wx;
    *sy = wy;
}

void sp_detect_disk_sums(const float *d, const int *span, int r, float half, int x, int y,
                         int *area, float *sw, float *sx, float *sy)
{
#ifdef __SSE2__
    /* for each 4-bit mask, its set bits' places packed a byte each, and
     * how many there are */
    static const uint32_t places[16] = {
        0, 0, 1, 0x100, 2, 0x200, 0x201, 0x20100, 3, 0x300, 0x301, 0x30100,
        0x302, 0x30200, 0x30201, 0x3020100,
    };
    static const uint8_t count[16] = { 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4 };
    const __m128 vh = _mm_set1_ps(half);
    int n = 0, j, a = 0;
    uint8_t sel[256 + 8];
    float w = 0, wx = 0, wy = 0;

    /* which are above half, eight at once, listed without branches (their
     * places in the row, a byte each); then the sums over the list, one
     * by one, in order */
    for (j = -r; j <= r; j++) {
        int sp = span[j + r], len = 2 * sp + 1, c = 0, i, k;
        const float *row = d + n;
        float fy = (float)(y + j);
        uint64_t base = 0;
        if (len > 248) {
            /* (rows this wide: one by one) */
            for (i = 0; i < len; i++) {
                if (row[i] <= half)
                    continue;
                a++;
                w += row[i];
                wx += row[i] * (x - sp + i);
                wy += row[i] * (y + j);
            }
            n += len;
            continue;
        }
        for (i = 0; i + 8 <= len; i += 8, base += 0x0808080808080808ull) {
            unsigned m = (unsigned)_mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(row + i), vh)) |
                         (unsigned)_mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(row + i + 4), vh)) << 4;
            uint64_t pl = places[m & 15] | (uint64_t)(places[m >> 4] + 0x04040404u) << (8 * count[m & 15]);
            pl += base;
            memcpy(sel + c, &pl, 8);
            c += count[m & 15] + count[m >> 4];
        }
        for (; i < len; i++) {
            sel[c] = (uint8_t)i;
            c += row[i] > half;
        }
        for (k = 0; k < c; k++) {
            float v = row[sel[k]];
            w += v;
            wx += v * (float)(x - sp + sel[k]);
            wy += v * fy;
        }
        a += c;
        n += len;
    }
    *area = a;
    *sw = w;
    *sx = wx;
    *sy = wy;
#else
    sp_detect_disk_sums_c(d, span, r, half, x, y, area, sw, sx, sy);
#endif
}

void sp_detect_disk_moments_c(const float *d, const int *span, int r, float half, int x, int y,
                              int *area, float *sw, float *sx, float *sy)
{
    int n = 0, j, a = 0, l;
    float aw[8] = { 0 }, ax[8] = { 0 }, ay[8] = { 0 }, t[3][4];

    for (j = -r; j <= r; j++) {
        int sp = span[j + r], len = 2 * sp + 1, i;
        const float *row = d + n;
        for (i = 0; i < len; i += 8)
            for (l = 0; l < 8; l++) {
                int in = i + l < len && row[i + l] > half;
                float v = in ? row[i + l] : 0.0f;
                a += in;
                aw[l] += v;
                ax[l] += v * (float)(x - sp + i + l);
                ay[l] += v * (float)(y + j);
            }
        n += len;
    }
    for (l = 0; l < 4; l++) {
        t[0][l] = aw[l] + aw[l + 4];
        t[1][l] = ax[l] + ax[l + 4];
        t[2][l] = ay[l] + ay[l + 4];
    }
    *area = a;
    *sw = (t[0][0] + t[0][2]) + (t[0][1] + t[0][3]);
    *sx = (t[1][0] + t[1][2]) + (t[1][1] + t[1][3]);
    *sy = (t[2][0] + t[2][2]) + (t[2][1] + t[2][3]);
}

/* The first look's sample level: for sign > 0 the least 8-bit sample v
 * whose dimming sign * (v - surround) is above half (256 if none), for
 * sign < 0 the largest (-1 if none); the float dimming is monotonic in v. */
static int disk_level(float sign, float surround, float half)
{
    int lo = 0, hi = 256;

    while (lo < hi) {
        int mid = (lo + hi) / 2;
        int in = sign * ((float)mid - surround) > half;
        if (sign > 0 ? in : !in)
            hi = mid;
        else
            lo = mid + 1;
    }
    return sign > 0 ? lo : lo - 1;
}

/* The first look's sums from the exact integer ones over the samples
 * above half: a their sum, c their count, ai the sum of each times its
 * column from x - r, ci the columns' sum, at and ct the same with the
 * row from y - r. Each float sum is the exact one (sign (sum - c
 * surround): the products of the float surround and the integers are
 * exact in double) rounded twice. */
static void disk_finish(float sign, float surround, int x, int y, int r, int64_t a, int64_t c,
                        int64_t ai, int64_t ci, int64_t at, int64_t ct, int *area, float *sw,
                        float *sx, float *sy)
{
    const double sur = surround, sg = sign;
    int64_t px = (int64_t)(x - r) * a + ai, cx = (int64_t)(x - r) * c + ci;
    int64_t py = (int64_t)(y - r) * a + at, cy = (int64_t)(y - r) * c + ct;

    *area = (int)c;
    if (!c) {
        *sw = *sx = *sy = 0.0f;
        return;
    }
    *sw = (float)(sg * ((double)a - sur * (double)c));
    *sx = (float)(sg * ((double)px - sur * (double)cx));
    *sy = (float)(sg * ((double)py - sur * (double)cy));
}

float sp_detect_disk_look_c(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                            float sign, float surround, int x, int y, int *area, float *sw,
                            float *sx, float *sy)
{
    int j, i, lo = 255, hi = 0, lev;
    int64_t a = 0, c = 0, ai = 0, ci = 0, at = 0, ct = 0;
    float peak;

    /* the peak: the dimming is monotonic in the sample */
    for (j = -r; j <= r; j++)
        for (i = -span[j + r]; i <= span[j + r]; i++) {
            int v = p[j * stride + i];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    peak = sign * ((float)(sign > 0 ? hi : lo) - surround);
    peak = peak > 0 ? peak : 0;
    /* the samples whose dimming is above half: those at or past a level */
    lev = disk_level(sign, surround, 0.5f * peak);
    for (j = -r; j <= r; j++)
        for (i = -span[j + r]; i <= span[j + r]; i++) {
            int v = p[j * stride + i];
            if (sign > 0 ? v < lev : v > lev)
                continue;
            a += v;
            c++;
            ai += v * (i + r);
            ci += i + r;
            at += v * (j + r);
            ct += j + r;
        }
    disk_finish(sign, surround, x, y, r, a, c, ai, ci, at, ct, area, sw, sx, sy);
    return peak;
}

#ifdef __SSE2__
/* The lanes' sum, as (0 + 2) + (1 + 3). */
static inline float hsum4(__m128 v)
{
    v = _mm_add_ps(v, _mm_movehl_ps(v, v));
    return _mm_cvtss_f32(_mm_add_ss(v, _mm_shuffle_ps(v, v, 1)));
}
#endif

void sp_detect_disk_moments_sse2(const float *d, const int *span, int r, float half, int x,
                                 int y, int *area, float *sw, float *sx, float *sy)
{
#ifdef __SSE2__
    const __m128 vh = _mm_set1_ps(half), eight = _mm_set1_ps(8.0f);
    const __m128i lane = _mm_setr_epi32(0, 1, 2, 3), lane4 = _mm_setr_epi32(4, 5, 6, 7);
    __m128i cnt = _mm_setzero_si128();
    __m128 aw0 = _mm_setzero_ps(), ax0 = _mm_setzero_ps(), ay0 = _mm_setzero_ps();
    __m128 aw1 = _mm_setzero_ps(), ax1 = _mm_setzero_ps(), ay1 = _mm_setzero_ps();
    int n = 0, j;

    /* eight lanes (two vectors), each summed on its own over the whole
     * disk; the last eight of a row masked to the row */
    for (j = -r; j <= r; j++) {
        int sp = span[j + r], len = 2 * sp + 1, i;
        const float *row = d + n;
        const __m128 fy = _mm_set1_ps((float)(y + j));
        __m128 xv0 = _mm_add_ps(_mm_set1_ps((float)(x - sp)), _mm_cvtepi32_ps(lane));
        __m128 xv1 = _mm_add_ps(_mm_set1_ps((float)(x - sp)), _mm_cvtepi32_ps(lane4));
        for (i = 0; i < len; i += 8) {
            __m128 v0 = _mm_loadu_ps(row + i), m0 = _mm_cmpgt_ps(v0, vh);
            __m128 v1 = _mm_loadu_ps(row + i + 4), m1 = _mm_cmpgt_ps(v1, vh);
            if (i + 8 > len) {
                __m128i left = _mm_set1_epi32(len - i);
                m0 = _mm_and_ps(m0, _mm_castsi128_ps(_mm_cmpgt_epi32(left, lane)));
                m1 = _mm_and_ps(m1, _mm_castsi128_ps(_mm_cmpgt_epi32(left, lane4)));
            }
            v0 = _mm_and_ps(v0, m0);
            v1 = _mm_and_ps(v1, m1);
            aw0 = _mm_add_ps(aw0, v0);
            aw1 = _mm_add_ps(aw1, v1);
            ax0 = _mm_add_ps(ax0, _mm_mul_ps(v0, xv0));
            ax1 = _mm_add_ps(ax1, _mm_mul_ps(v1, xv1));
            ay0 = _mm_add_ps(ay0, _mm_mul_ps(v0, fy));
            ay1 = _mm_add_ps(ay1, _mm_mul_ps(v1, fy));
            cnt = _mm_sub_epi32(_mm_sub_epi32(cnt, _mm_castps_si128(m0)), _mm_castps_si128(m1));
            xv0 = _mm_add_ps(xv0, eight);
            xv1 = _mm_add_ps(xv1, eight);
        }
        n += len;
    }
    cnt = _mm_add_epi32(cnt, _mm_shuffle_epi32(cnt, 0x4e));
    cnt = _mm_add_epi32(cnt, _mm_shuffle_epi32(cnt, 0xb1));
    *area = _mm_cvtsi128_si32(cnt);
    *sw = hsum4(_mm_add_ps(aw0, aw1));
    *sx = hsum4(_mm_add_ps(ax0, ax1));
    *sy = hsum4(_mm_add_ps(ay0, ay1));
#else
    sp_detect_disk_moments_c(d, span, r, half, x, y, area, sw, sx, sy);
#endif
}

int sp_detect_sad12_c(const uint8_t *c, const uint8_t *p, ptrdiff_t stride)
{
    int acc = 0, j, k;

    for (j = 0; j < 12; j++, c += stride, p += stride)
        for (k = 0; k < 12; k++)
            acc += c[k] > p[k] ? c[k] - p[k] : p[k] - c[k];
    return acc;
}

int sp_detect_sad12(const uint8_t *c, const uint8_t *p, ptrdiff_t stride)
{
#ifdef __SSE2__
    const __m128i keep = _mm_setr_epi32(-1, -1, -1, 0);
    __m128i acc = _mm_setzero_si128();

    for (int j = 0; j < 12; j++, c += stride, p += stride) {
        __m128i a = _mm_and_si128(_mm_loadu_si128((const __m128i *)c), keep);
        __m128i b = _mm_and_si128(_mm_loadu_si128((const __m128i *)p), keep);
        acc = _mm_add_epi64(acc, _mm_sad_epu8(a, b));
    }
    return _mm_cvtsi128_si32(acc) + _mm_cvtsi128_si32(_mm_unpackhi_epi64(acc, acc));
#else
    return sp_detect_sad12_c(c, p, stride);
#endif
}

void sp_detect_sad12_shifts_c(const uint8_t *c, const uint8_t *p, ptrdiff_t stride,
                              uint32_t *sads)
{
    enum { S = DETECT_RING_SHIFT };
    for (int dy = -S; dy <= S; dy++)
        for (int dx = -S; dx <= S; dx++)
            sads[(dy + S) * (2 * S + 1) + dx + S] =
                (uint32_t)sp_detect_sad12_c(c, p - dy * stride - dx, stride);
}

static void sad12_shifts_sse2(const uint8_t *c, const uint8_t *p, ptrdiff_t stride,
                              uint32_t *sads)
{
    enum { S = DETECT_RING_SHIFT };
    for (int dy = -S; dy <= S; dy++)
        for (int dx = -S; dx <= S; dx++)
            sads[(dy + S) * (2 * S + 1) + dx + S] =
                (uint32_t)sp_detect_sad12(c, p - dy * stride - dx, stride);
}

/*
 * AVX2 versions of the row kernels, twice as wide, on CPUs that have it:
 * built with the target attribute (the rest of the file is plain x86-64)
 * and chosen at run time by the entry points below. The same operations
 * lane by lane as the plain versions, so the same bits.
 */
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__)) && \
    (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define DETECT_AVX2 1
#define AVX2_FN __attribute__((target("avx2")))

int sp_detect_avx2(void)
{
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

/* Sixteen integral samples: out[k] = up[k] + the running sum, from acc (its
 * total so far in every lane), of the sixteen 16-bit values s (the running
 * sums within each half in 16 bits, then widened, the first half's total
 * added to the second's); returns the new total in every lane. */
AVX2_FN static inline __m256i running_sum16(uint32_t *out, const uint32_t *up, __m256i s,
                                            __m256i acc)
{
    const __m256i last = _mm256_set1_epi32(7);
    __m256i lo, hi;

    s = _mm256_add_epi16(s, _mm256_slli_si256(s, 2));
    s = _mm256_add_epi16(s, _mm256_slli_si256(s, 4));
    s = _mm256_add_epi16(s, _mm256_slli_si256(s, 8));
    lo = _mm256_cvtepu16_epi32(_mm256_castsi256_si128(s));
    hi = _mm256_cvtepu16_epi32(_mm256_extracti128_si256(s, 1));
    hi = _mm256_add_epi32(hi, _mm256_permutevar8x32_epi32(lo, last));
    _mm256_storeu_si256((__m256i *)out,
                        _mm256_add_epi32(_mm256_add_epi32(lo, acc),
                                         _mm256_loadu_si256((const __m256i *)up)));
    _mm256_storeu_si256((__m256i *)(out + 8),
                        _mm256_add_epi32(_mm256_add_epi32(hi, acc),
                                         _mm256_loadu_si256((const __m256i *)(up + 8))));
    return _mm256_add_epi32(acc, _mm256_permutevar8x32_epi32(hi, last));
}

AVX2_FN void sp_detect_half_row_avx2(uint32_t *row, const uint32_t *up, const uint8_t *r0,
                                     const uint8_t *r1, int hw)
{
    const __m256i ones = _mm256_set1_epi8(1);
    const ptrdiff_t ahead = 4 * (r1 - r0); /* the row pairs the next calls read */
    __m256i acc = _mm256_setzero_si256();
    uint32_t a;
    int i;

    row[0] = 0;
    /* 32 pixels of each row, 16 outputs: the 2x2 sums (16 bits: their
     * running sums within each half are 8 x 1020 at most), each pixel
     * pair's sum by a byte product with ones; two such a pass, the rows'
     * next 64 pixels fetched ahead, then one more if there are 16 left */
#define PAIRS(r, i) _mm256_maddubs_epi16(_mm256_loadu_si256((const __m256i *)((r) + 2 * (i))), ones)
#define HALF16(i) \
    acc = running_sum16(row + (i) + 1, up + (i) + 1, \
                        _mm256_add_epi16(PAIRS(r0, i), PAIRS(r1, i)), acc)
    for (i = 0; i + 32 <= hw; i += 32) {
        _mm_prefetch((const char *)(r0 + 2 * i + ahead), _MM_HINT_T0);
        _mm_prefetch((const char *)(r1 + 2 * i + ahead), _MM_HINT_T0);
        HALF16(i);
        HALF16(i + 16);
    }
    if (i + 16 <= hw) {
        _mm_prefetch((const char *)(r0 + 2 * i + ahead), _MM_HINT_T0);
        _mm_prefetch((const char *)(r1 + 2 * i + ahead), _MM_HINT_T0);
        HALF16(i);
        i += 16;
    }
#undef HALF16
#undef PAIRS
    a = (uint32_t)_mm_cvtsi128_si32(_mm256_castsi256_si128(acc));
    for (; i < hw; i++) {
        a += (uint32_t)r0[2 * i] + r0[2 * i + 1] + r1[2 * i] + r1[2 * i + 1];
        row[i + 1] = up[i + 1] + a;
    }
}

AVX2_FN void sp_detect_integral_row_avx2(uint32_t *row, const uint32_t *up, const uint8_t *src,
                                         int n)
{
    __m256i acc = _mm256_setzero_si256();
    __m128i acc4;
    uint32_t a;
    int i;

    row[0] = 0;
    /* 16 pixels at once, then 8 */
    for (i = 0; i + 16 <= n; i += 16)
        acc = running_sum16(row + i + 1, up + i + 1,
                            _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(src + i))), acc);
    acc4 = _mm256_castsi256_si128(acc);
    if (i + 8 <= n) {
        acc4 = running_sum8(row + i + 1, up + i + 1,
                            _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(src + i))), acc4);
        i += 8;
    }
    a = (uint32_t)_mm_cvtsi128_si32(acc4);
    for (; i < n; i++) {
        a += src[i];
        row[i + 1] = up[i + 1] + a;
    }
}

/* Eight band-pass responses from column c; returns their flags. The box
 * rows' pointers come as locals, which the loops keep in registers
 * (through the struct the compiler reloaded them every block). */
AVX2_FN static inline unsigned band8_avx2(const uint32_t *i0, const uint32_t *i1,
                                          const uint32_t *i2, const uint32_t *i3,
                                          const uint32_t *o0, const uint32_t *o1,
                                          const uint32_t *o2, const uint32_t *o3, int c,
                                          __m256 vin, __m256 vout, float *band, float *sur)
{
    const __m256 five = _mm256_set1_ps(5.0f), sign = _mm256_set1_ps(-0.0f);
    __m256i si = _mm256_sub_epi32(
        _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(i1 + c)),
                         _mm256_loadu_si256((const __m256i *)(i0 + c))),
        _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(i2 + c)),
                         _mm256_loadu_si256((const __m256i *)(i3 + c))));
    __m256i so = _mm256_sub_epi32(
        _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(o1 + c)),
                         _mm256_loadu_si256((const __m256i *)(o0 + c))),
        _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(o2 + c)),
                         _mm256_loadu_si256((const __m256i *)(o3 + c))));
    __m256 sv = _mm256_mul_ps(_mm256_cvtepi32_ps(so), vout);
    __m256 r = _mm256_sub_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(si), vin), sv);
    _mm256_storeu_ps(sur + c, sv);
    _mm256_storeu_ps(band + c, r);
    return (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, r), five, _CMP_GE_OQ));
}

AVX2_FN void sp_detect_band_row_avx2(const DetectBoxRows *b, int xs, int xe, float inv_in,
                                     float inv_out, float *band, float *sur, uint16_t *masks)
{
    const __m256 vin = _mm256_set1_ps(inv_in), vout = _mm256_set1_ps(inv_out);
    const uint32_t *const i0 = b->i[0], *const i1 = b->i[1], *const i2 = b->i[2];
    const uint32_t *const i3 = b->i[3], *const o0 = b->o[0], *const o1 = b->o[1];
    const uint32_t *const o2 = b->o[2], *const o3 = b->o[3];
    int x, nb = 0;

#define BAND8(c) band8_avx2(i0, i1, i2, i3, o0, o1, o2, o3, c, vin, vout, band, sur)
    for (x = xs; x + DETECT_BAND_BLOCK <= xe; x += DETECT_BAND_BLOCK, nb++)
        masks[nb] = (uint16_t)(BAND8(x) | BAND8(x + 8) << 8);
    if (x < xe) {
        /* the last part block: eight at once if it has that many, the
         * rest one by one (here, not in the plain function: its legacy
         * SSE code would run with the vector registers' upper halves in
         * use) */
        unsigned m = 0;
        int k = 0;
        if (x + 8 <= xe) {
            m = BAND8(x);
            k = 8;
        }
        for (; x + k < xe; k++) {
            float r = band_one(b, x + k, inv_in, inv_out, &sur[x + k]);
            band[x + k] = r;
            m |= (unsigned)(r >= 5.0f || r <= -5.0f) << k;
        }
        masks[nb] = (uint16_t)m;
    }
#undef BAND8
}

AVX2_FN unsigned sp_detect_extrema16_avx2(const float *rm, const float *rc, const float *rp,
                                          unsigned want)
{
    const __m256 five = _mm256_set1_ps(5.0f), mfive = _mm256_set1_ps(-5.0f);
    unsigned m = 0;

    for (int k = 0; k < 16; k += 8) {
        __m256 r, a, b, c, d, e, f, g, h, mx, mn, hi, lo;
        if (!(want >> k & 255))
            continue;
        r = _mm256_loadu_ps(rc + k);
        a = _mm256_loadu_ps(rm + k - 1);
        b = _mm256_loadu_ps(rm + k);
        c = _mm256_loadu_ps(rm + k + 1);
        d = _mm256_loadu_ps(rc + k - 1);
        e = _mm256_loadu_ps(rc + k + 1);
        f = _mm256_loadu_ps(rp + k - 1);
        g = _mm256_loadu_ps(rp + k);
        h = _mm256_loadu_ps(rp + k + 1);
        mx = _mm256_max_ps(_mm256_max_ps(_mm256_max_ps(a, b), _mm256_max_ps(c, d)),
                           _mm256_max_ps(_mm256_max_ps(e, f), _mm256_max_ps(g, h)));
        mn = _mm256_min_ps(_mm256_min_ps(_mm256_min_ps(a, b), _mm256_min_ps(c, d)),
                           _mm256_min_ps(_mm256_min_ps(e, f), _mm256_min_ps(g, h)));
        hi = _mm256_and_ps(_mm256_cmp_ps(r, five, _CMP_GE_OQ), _mm256_cmp_ps(mx, r, _CMP_LE_OQ));
        lo = _mm256_and_ps(_mm256_cmp_ps(r, mfive, _CMP_LE_OQ), _mm256_cmp_ps(mn, r, _CMP_GE_OQ));
        m |= (unsigned)_mm256_movemask_ps(_mm256_or_ps(hi, lo)) << k;
    }
    return m & want;
}

/* Which of the nb masks are not 0, a bit each, eight at a time. */
AVX2_FN static inline uint64_t busy_avx2(const uint32_t *masks, int nb)
{
    const __m256i zero = _mm256_setzero_si256();
    uint64_t busy = 0;
    int b;

    for (b = 0; b + 8 <= nb; b += 8) {
        __m256i z = _mm256_cmpeq_epi32(_mm256_loadu_si256((const __m256i *)(masks + b)), zero);
        busy |= (uint64_t)(~_mm256_movemask_ps(_mm256_castsi256_ps(z)) & 0xff) << b;
    }
    for (; b < nb; b++)
        busy |= (uint64_t)(masks[b] != 0) << b;
    return busy;
}

AVX2_FN uint64_t sp_detect_dots_luma_avx2(const uint8_t *r, int nb, int t, uint32_t *masks)
{
    __m256i vt;
    int b;

    if (t < 1 || t > 255)
        return sp_detect_dots_luma_c(r, nb, t, masks);
    vt = _mm256_set1_epi8((char)t);
#define DOTS32(b)                                                                            \
    do {                                                                                     \
        const uint8_t *q = r + (b) * DETECT_DOT_BLOCK;                                       \
        __m256i v = _mm256_loadu_si256((const __m256i *)q);                                  \
        __m256i x = _mm256_loadu_si256((const __m256i *)(q - 2));                            \
        __m256i y = _mm256_loadu_si256((const __m256i *)(q + 2));                            \
        __m256i hi = _mm256_max_epu8(x, y), lo = _mm256_min_epu8(x, y);                      \
        __m256i d = _mm256_max_epu8(_mm256_subs_epu8(v, hi), _mm256_subs_epu8(lo, v));       \
        masks[b] = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(d, vt), d)); \
    } while (0)
    /* two blocks a pass */
    for (b = 0; b + 2 <= nb; b += 2) {
        DOTS32(b);
        DOTS32(b + 1);
    }
    if (b < nb)
        DOTS32(b);
#undef DOTS32
    return busy_avx2(masks, nb);
}

#define ABSD(x, y) _mm256_or_si256(_mm256_subs_epu8(x, y), _mm256_subs_epu8(y, x))
/* A chroma block past its row's test (c, l, rr the block and its row
 * neighbours, z the least of their differences): the column's neighbours
 * and the mean. */
AVX2_FN static inline uint32_t chroma_rest_avx2(const uint8_t *up, const uint8_t *dn, __m256i c,
                                                __m256i l, __m256i rr, __m256i z, __m256i vt,
                                                __m256i vt4)
{
    const __m256i zero = _mm256_setzero_si256();
    __m256i uu = _mm256_loadu_si256((const __m256i *)up);
    __m256i dd = _mm256_loadu_si256((const __m256i *)dn);
    uint32_t m;

    z = _mm256_min_epu8(z, _mm256_min_epu8(ABSD(c, uu), ABSD(c, dd)));
    m = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(z, vt), z));
    if (m) {
        /* 4 c against the sum of the neighbours, in 16 bits (the
         * unpacks and the pack work within each 128-bit half, so the
         * bytes come back in order) */
        __m256i e0 = _mm256_sub_epi16(
            _mm256_slli_epi16(_mm256_unpacklo_epi8(c, zero), 2),
            _mm256_add_epi16(_mm256_add_epi16(_mm256_unpacklo_epi8(l, zero),
                                              _mm256_unpacklo_epi8(rr, zero)),
                             _mm256_add_epi16(_mm256_unpacklo_epi8(uu, zero),
                                              _mm256_unpacklo_epi8(dd, zero))));
        __m256i e1 = _mm256_sub_epi16(
            _mm256_slli_epi16(_mm256_unpackhi_epi8(c, zero), 2),
            _mm256_add_epi16(_mm256_add_epi16(_mm256_unpackhi_epi8(l, zero),
                                              _mm256_unpackhi_epi8(rr, zero)),
                             _mm256_add_epi16(_mm256_unpackhi_epi8(uu, zero),
                                              _mm256_unpackhi_epi8(dd, zero))));
        e0 = _mm256_abs_epi16(e0);
        e1 = _mm256_abs_epi16(e1);
        m &= (uint32_t)_mm256_movemask_epi8(_mm256_packs_epi16(_mm256_cmpgt_epi16(e0, vt4),
                                                               _mm256_cmpgt_epi16(e1, vt4)));
    }
    return m;
}

AVX2_FN uint64_t sp_detect_dots_chroma_avx2(const uint8_t *up, const uint8_t *r, const uint8_t *dn,
                                            int nb, int t, int t4, uint32_t *masks)
{
    uint64_t busy = 0;
    __m256i vt, vt4;
    int b;

    if (t < 1 || t > 255)
        return sp_detect_dots_chroma_c(up, r, dn, nb, t, t4, masks);
    vt = _mm256_set1_epi8((char)t);
    vt4 = _mm256_set1_epi16((short)((t4 < -1 ? -1 : t4 > 2000 ? 2000 : t4) - 1));
    /* two blocks a pass, the row's neighbours first: most pairs stop there */
    for (b = 0; b < nb; b += 2) {
        const ptrdiff_t o = (ptrdiff_t)b * DETECT_DOT_BLOCK;
        const uint8_t *q = r + o;
        __m256i c0 = _mm256_loadu_si256((const __m256i *)q);
        __m256i l0 = _mm256_loadu_si256((const __m256i *)(q - 1));
        __m256i r0 = _mm256_loadu_si256((const __m256i *)(q + 1));
        __m256i z0 = _mm256_min_epu8(ABSD(c0, l0), ABSD(c0, r0));
        __m256i g0 = _mm256_cmpeq_epi8(_mm256_max_epu8(z0, vt), z0);
        __m256i c1 = c0, l1 = l0, r1 = r0, z1 = z0, g1 = _mm256_setzero_si256();
        uint32_t m;
        _mm_prefetch((const char *)(dn + o + 3 * (dn - r)), _MM_HINT_T0);
        if (b + 1 < nb) {
            c1 = _mm256_loadu_si256((const __m256i *)(q + DETECT_DOT_BLOCK));
            l1 = _mm256_loadu_si256((const __m256i *)(q + DETECT_DOT_BLOCK - 1));
            r1 = _mm256_loadu_si256((const __m256i *)(q + DETECT_DOT_BLOCK + 1));
            z1 = _mm256_min_epu8(ABSD(c1, l1), ABSD(c1, r1));
            g1 = _mm256_cmpeq_epi8(_mm256_max_epu8(z1, vt), z1);
        }
        if (_mm256_testz_si256(_mm256_or_si256(g0, g1), _mm256_or_si256(g0, g1))) {
            masks[b] = 0;
            if (b + 1 < nb)
                masks[b + 1] = 0;
            continue;
        }
        m = _mm256_movemask_epi8(g0) ? chroma_rest_avx2(up + o, dn + o, c0, l0, r0, z0, vt, vt4) : 0;
        masks[b] = m;
        busy |= (uint64_t)(m != 0) << b;
        if (b + 1 < nb) {
            m = _mm256_movemask_epi8(g1)
                    ? chroma_rest_avx2(up + o + DETECT_DOT_BLOCK, dn + o + DETECT_DOT_BLOCK, c1,
                                       l1, r1, z1, vt, vt4)
                    : 0;
            masks[b + 1] = m;
            busy |= (uint64_t)(m != 0) << (b + 1);
        }
    }
    return busy;
}
#undef ABSD

AVX2_FN float sp_detect_disk_dim_avx2(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                                      float sign, float surround, float *d)
{
    const __m256 vs = _mm256_set1_ps(sign), vsur = _mm256_set1_ps(surround);
    __m256 vpeak = _mm256_setzero_ps();
    float peak = 0, lanes[8];
    int n = 0, i, j;

    for (j = -r; j <= r; j++) {
        const uint8_t *row = p + j * stride;
        int sp = span[j + r];
        /* eight pixels at once (the largest kept as the plain loop keeps
         * it: only a strictly larger one replaces it), the rest one by one */
        for (i = -sp; i + 7 <= sp; i += 8, n += 8) {
            __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(row + i))));
            v = _mm256_mul_ps(vs, _mm256_sub_ps(v, vsur));
            _mm256_storeu_ps(d + n, v);
            vpeak = _mm256_max_ps(v, vpeak);
        }
        if (i + 3 <= sp) {
            int32_t w4;
            __m128 v;
            memcpy(&w4, row + i, 4);
            v = _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(w4)));
            v = _mm_mul_ps(_mm256_castps256_ps128(vs), _mm_sub_ps(v, _mm256_castps256_ps128(vsur)));
            _mm_storeu_ps(d + n, v);
            vpeak = _mm256_max_ps(_mm256_insertf128_ps(_mm256_setzero_ps(), v, 0), vpeak);
            i += 4;
            n += 4;
        }
        for (; i <= sp; i++) {
            float v = sign * (row[i] - surround);
            d[n++] = v;
            peak = v > peak ? v : peak;
        }
    }
    _mm256_storeu_ps(lanes, vpeak);
    for (i = 0; i < 8; i++)
        peak = lanes[i] > peak ? lanes[i] : peak;
    return peak;
}

AVX2_FN void sp_detect_disk_moments_avx2(const float *d, const int *span, int r, float half,
                                         int x, int y, int *area, float *sw, float *sx,
                                         float *sy)
{
    const __m256 vh = _mm256_set1_ps(half), eight = _mm256_set1_ps(8.0f);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i cnt = _mm256_setzero_si256();
    __m256 aw = _mm256_setzero_ps(), ax = _mm256_setzero_ps(), ay = _mm256_setzero_ps();
    __m128i c4;
    int n = 0, j;

    for (j = -r; j <= r; j++) {
        int sp = span[j + r], len = 2 * sp + 1, i;
        const float *row = d + n;
        const __m256 fy = _mm256_set1_ps((float)(y + j));
        __m256 xv = _mm256_add_ps(_mm256_set1_ps((float)(x - sp)), _mm256_cvtepi32_ps(lane));
        for (i = 0; i < len; i += 8, xv = _mm256_add_ps(xv, eight)) {
            __m256 v = _mm256_loadu_ps(row + i), m = _mm256_cmp_ps(v, vh, _CMP_GT_OQ);
            if (i + 8 > len)
                m = _mm256_and_ps(m, _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(len - i), lane)));
            v = _mm256_and_ps(v, m);
            aw = _mm256_add_ps(aw, v);
            ax = _mm256_add_ps(ax, _mm256_mul_ps(v, xv));
            ay = _mm256_add_ps(ay, _mm256_mul_ps(v, fy));
            cnt = _mm256_sub_epi32(cnt, _mm256_castps_si256(m));
        }
        n += len;
    }
    c4 = _mm_add_epi32(_mm256_castsi256_si128(cnt), _mm256_extracti128_si256(cnt, 1));
    c4 = _mm_add_epi32(c4, _mm_shuffle_epi32(c4, 0x4e));
    c4 = _mm_add_epi32(c4, _mm_shuffle_epi32(c4, 0xb1));
    *area = _mm_cvtsi128_si32(c4);
    *sw = hsum4(_mm_add_ps(_mm256_castps256_ps128(aw), _mm256_extractf128_ps(aw, 1)));
    *sx = hsum4(_mm_add_ps(_mm256_castps256_ps128(ax), _mm256_extractf128_ps(ax, 1)));
    *sy = hsum4(_mm_add_ps(_mm256_castps256_ps128(ay), _mm256_extractf128_ps(ay, 1)));
}

/* The ring match's sums, two rows of shifts a pass: the 13 shifts of rows
 * j and j + 1 of one sample in the two halves, in 16-bit lanes, over
 * chunks of 256 samples (255 x 256 fits 16 bits). */
AVX2_FN void sp_detect_ring_sads_avx2(const uint8_t *a, ptrdiff_t stride, const int *off,
                                      const int *v, int n, uint32_t *sads)
{
#if DETECT_RING_SHIFT == 6
    enum { CHUNK = 256, W = 13 };
    const __m256i zero = _mm256_setzero_si256();
    __m256i vv[CHUNK];
    uint16_t lane[32];
    int k0, j, k, i;

    memset(sads, 0, sizeof(*sads) * DETECT_RING_SHIFTS);
    for (k0 = 0; k0 < n; k0 += CHUNK) {
        int ke = k0 + CHUNK < n ? k0 + CHUNK : n;
        for (k = k0; k < ke; k++)
            vv[k - k0] = _mm256_set1_epi8((char)v[k]);
        for (j = 0; j < W; j += 2) {
            /* (the last pass: row 12 in both halves, the second not kept) */
            const uint8_t *p = a + (j - 6) * stride - 6;
            const ptrdiff_t d1 = j + 1 < W ? stride : 0;
            __m256i acc0 = zero, acc1 = zero;
            for (k = k0; k < ke; k++) {
                const uint8_t *q = p + off[k];
                _mm_prefetch((const char *)(q + 2 * stride), _MM_HINT_T0);
                /* the 13 samples from q (and from q one row on), read as
                 * [0, 8) and [5, 13) */
                __m128i x0 = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)q),
                                                _mm_srli_si128(_mm_loadl_epi64((const __m128i *)(q + 5)), 3));
                __m128i x1 = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(q + d1)),
                                                _mm_srli_si128(_mm_loadl_epi64((const __m128i *)(q + d1 + 5)), 3));
                __m256i x = _mm256_inserti128_si256(_mm256_castsi128_si256(x0), x1, 1), c = vv[k - k0];
                __m256i d = _mm256_or_si256(_mm256_subs_epu8(x, c), _mm256_subs_epu8(c, x));
                acc0 = _mm256_add_epi16(acc0, _mm256_unpacklo_epi8(d, zero));
                acc1 = _mm256_add_epi16(acc1, _mm256_unpackhi_epi8(d, zero));
            }
            /* acc0: shifts 0-7 of row j, then of row j + 1; acc1: 8-15 */
            _mm256_storeu_si256((__m256i *)lane, acc0);
            _mm256_storeu_si256((__m256i *)(lane + 16), acc1);
            for (i = 0; i < 8; i++)
                sads[j * W + i] += lane[i];
            for (i = 8; i < W; i++)
                sads[j * W + i] += lane[16 + i - 8];
            if (j + 1 < W) {
                for (i = 0; i < 8; i++)
                    sads[(j + 1) * W + i] += lane[8 + i];
                for (i = 8; i < W; i++)
                    sads[(j + 1) * W + i] += lane[24 + i - 8];
            }
        }
    }
#else
    sp_detect_ring_sads_c(a, stride, off, v, n, sads);
#endif
}

AVX2_FN float sp_detect_disk_look_avx2(const uint8_t *p, ptrdiff_t stride, const int *span,
                                       int r, float sign, float surround, int x, int y,
                                       int *area, float *sw, float *sx, float *sy)
{
    const __m256i bytes = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                           16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                                           29, 30, 31);
    const __m256i zero = _mm256_setzero_si256(), ones = _mm256_set1_epi8(1);
    const __m256i ones16 = _mm256_set1_epi16(1), all = _mm256_set1_epi8((char)255);
    __m256i vlo = all, vhi = zero, in[31], dist, flip, vl;
    __m256i sa = zero, sra = zero, sc = zero, src = zero, sci = zero, sai = zero;
    __m128i m4;
    int64_t q[4], a, c, ai, ci, at, ct, ra, rc;
    float peak;
    int j, lo, hi, lev;

    if (r > 15)
        return sp_detect_disk_look_c(p, stride, span, r, sign, surround, x, y, area, sw, sx, sy);
    /* byte i of a row's load is column i - r: in the disk where
     * |i - r| <= the row's span */
    dist = _mm256_or_si256(_mm256_subs_epu8(bytes, _mm256_set1_epi8((char)r)),
                           _mm256_subs_epu8(_mm256_set1_epi8((char)r), bytes));
    /* the peak from the disk's least and largest samples, a row a load */
    for (j = -r; j <= r; j++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(p + j * stride - r));
        __m256i m = _mm256_cmpeq_epi8(_mm256_min_epu8(dist, _mm256_set1_epi8((char)span[j + r])),
                                      dist);
        in[j + r] = m;
        vhi = _mm256_max_epu8(vhi, _mm256_and_si256(v, m));
        vlo = _mm256_min_epu8(vlo, _mm256_or_si256(v, _mm256_andnot_si256(m, all)));
    }
    m4 = _mm_max_epu8(_mm256_castsi256_si128(vhi), _mm256_extracti128_si256(vhi, 1));
    m4 = _mm_max_epu8(m4, _mm_srli_si128(m4, 8));
    m4 = _mm_max_epu8(m4, _mm_srli_si128(m4, 4));
    m4 = _mm_max_epu8(m4, _mm_srli_si128(m4, 2));
    m4 = _mm_max_epu8(m4, _mm_srli_si128(m4, 1));
    hi = _mm_cvtsi128_si32(m4) & 255;
    m4 = _mm_min_epu8(_mm256_castsi256_si128(vlo), _mm256_extracti128_si256(vlo, 1));
    m4 = _mm_min_epu8(m4, _mm_srli_si128(m4, 8));
    m4 = _mm_min_epu8(m4, _mm_srli_si128(m4, 4));
    m4 = _mm_min_epu8(m4, _mm_srli_si128(m4, 2));
    m4 = _mm_min_epu8(m4, _mm_srli_si128(m4, 1));
    lo = _mm_cvtsi128_si32(m4) & 255;
    peak = sign * ((float)(sign > 0 ? hi : lo) - surround);
    peak = peak > 0 ? peak : 0;
    lev = disk_level(sign, surround, 0.5f * peak);
    if (lev < 0 || lev > 255) {
        disk_finish(sign, surround, x, y, r, 0, 0, 0, 0, 0, 0, area, sw, sx, sy);
        return peak;
    }
    /* the samples at or past the level (below it, flipped, for sign < 0),
     * in integers: their sum and count, and those weighted by the column
     * (byte products) and by the row (running sums of the rows' ones) */
    flip = sign > 0 ? zero : all;
    vl = _mm256_set1_epi8((char)(sign > 0 ? lev : 255 - lev));
    for (j = 0; j <= 2 * r; j++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(p + (j - r) * stride - r));
        __m256i vx = _mm256_xor_si256(v, flip);
        __m256i sel = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_max_epu8(vx, vl), vx), in[j]);
        __m256i vm = _mm256_and_si256(v, sel);
        sa = _mm256_add_epi64(sa, _mm256_sad_epu8(vm, zero));
        sra = _mm256_add_epi64(sra, sa);
        sc = _mm256_add_epi64(sc, _mm256_sad_epu8(_mm256_and_si256(sel, ones), zero));
        src = _mm256_add_epi64(src, sc);
        sci = _mm256_add_epi64(sci, _mm256_sad_epu8(_mm256_and_si256(sel, bytes), zero));
        sai = _mm256_add_epi32(sai, _mm256_madd_epi16(_mm256_maddubs_epi16(vm, bytes), ones16));
    }
#define HSUM64(v) (_mm256_storeu_si256((__m256i *)q, v), q[0] + q[1] + q[2] + q[3])
    a = HSUM64(sa);
    c = HSUM64(sc);
    ci = HSUM64(sci);
    ra = HSUM64(sra);
    rc = HSUM64(src);
#undef HSUM64
    m4 = _mm_add_epi32(_mm256_castsi256_si128(sai), _mm256_extracti128_si256(sai, 1));
    m4 = _mm_add_epi32(m4, _mm_shuffle_epi32(m4, 0x4e));
    m4 = _mm_add_epi32(m4, _mm_shuffle_epi32(m4, 0xb1));
    ai = _mm_cvtsi128_si32(m4);
    /* the running sums: row t counted 2 r + 1 - t times */
    at = (2 * r + 1) * a - ra;
    ct = (2 * r + 1) * c - rc;
    disk_finish(sign, surround, x, y, r, a, c, ai, ci, at, ct, area, sw, sx, sy);
    return peak;
}
/* All the shifts' sums, a row of 13 shifts at once: for each of the
 * block's rows and each dy, the 13 shifts' sums of its three groups of
 * four samples by mpsadbw (shifts dx = 6 to -1 in the low half, -2 to -6
 * in the high one), in 16-bit lanes (12 x 12 x 255 fits). */
AVX2_FN void sp_detect_sad12_shifts_avx2(const uint8_t *c, const uint8_t *p, ptrdiff_t stride,
                                         uint32_t *sads)
{
#if DETECT_RING_SHIFT == 6
    enum { S = 6, W = 13, B = 12 };
    __m256i cr[B];
    uint16_t lane[16];
    int dy, j, e;

    for (j = 0; j < B; j++)
        cr[j] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(c + j * stride)));
    for (dy = -S; dy <= S; dy++) {
        __m256i acc = _mm256_setzero_si256();
        for (j = 0; j < B; j++) {
            /* e = 6 - dx: sample i of the shift at base[e + i] */
            const uint8_t *base = p + (j - dy) * stride - S;
            __m128i a = _mm_loadu_si128((const __m128i *)base);
            __m128i b = _mm_loadu_si128((const __m128i *)(base + 8));
            __m128i d = _mm_loadu_si128((const __m128i *)(base + 12));
            __m256i ab = _mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1);
            __m256i bd = _mm256_inserti128_si256(_mm256_castsi128_si256(b), d, 1);
            /* groups 0, 1 from [a | b] (offsets 0 and 4), group 2 from
             * b (offset 0) and d (offset 4) */
            acc = _mm256_add_epi16(acc, _mm256_mpsadbw_epu8(ab, cr[j], 0));
            acc = _mm256_add_epi16(acc, _mm256_mpsadbw_epu8(ab, cr[j], 45));
            acc = _mm256_add_epi16(acc, _mm256_mpsadbw_epu8(bd, cr[j], 50));
        }
        _mm256_storeu_si256((__m256i *)lane, acc);
        for (e = 0; e < W; e++)
            sads[(dy + S) * W + S - (e - S)] = lane[e];
    }
#else
    sp_detect_sad12_shifts_c(c, p, stride, sads);
#endif
}

/* The closing 32 columns at a time. */
AVX2_FN static ALWAYS_INLINE void closing_pass_avx2(const uint8_t *src, uint8_t *dst, int nr,
                                                    int nc, int cs, ptrdiff_t step, int w,
                                                    int max)
{
    for (int j = 0; j < nr; j++)
        for (int i = 0; i < nc; i += 32) {
            const uint8_t *p = src + j * cs + i;
            __m256i v = _mm256_loadu_si256((const __m256i *)p);
            UNROLL
            for (int k = 1; k < w; k++) {
                __m256i u = _mm256_loadu_si256((const __m256i *)(p + k * step));
                v = max ? _mm256_max_epu8(v, u) : _mm256_min_epu8(v, u);
            }
            _mm256_storeu_si256((__m256i *)(dst + j * cs + i), v);
        }
}

AVX2_FN static ALWAYS_INLINE void closing_avx2(const uint8_t *a, uint8_t *b, uint8_t *c, int n,
                                               int cs, int w)
{
    int m = n - w + 1, e = n - 2 * w + 2;

    closing_pass_avx2(a, b, n, m, cs, 1, w, 1);
    closing_pass_avx2(b, c, m, m, cs, cs, w, 1);
    closing_pass_avx2(c, b, m, e, cs, 1, w, 0);
    closing_pass_avx2(b, c, e, e, cs, cs, w, 0);
    for (int j = 0; j < e; j++)
        for (int i = 0; i < e; i += 32) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(c + j * cs + i));
            v = _mm256_sub_epi8(v, _mm256_loadu_si256((const __m256i *)(a + (j + w - 1) * cs + i +
                                                                         w - 1)));
            _mm256_storeu_si256((__m256i *)(c + j * cs + i), v);
        }
}

AVX2_FN void sp_detect_closing_avx2(const uint8_t *a, uint8_t *b, uint8_t *c, int n, int cs, int w)
{
    if (w == 9)
        closing_avx2(a, b, c, n, cs, 9);
    else
        closing_avx2(a, b, c, n, cs, w);
}

#else
int sp_detect_avx2(void)
{
    return 0;
}

void sp_detect_closing_avx2(const uint8_t *a, uint8_t *b, uint8_t *c, int n, int cs, int w)
{
    sp_detect_closing_sse2(a, b, c, n, cs, w);
}

void sp_detect_half_row_avx2(uint32_t *row, const uint32_t *up, const uint8_t *r0,
                             const uint8_t *r1, int hw)
{
    sp_detect_half_row_c(row, up, r0, r1, hw);
}

void sp_detect_band_row_avx2(const DetectBoxRows *b, int xs, int xe, float inv_in,
                             float inv_out, float *band, float *sur, uint16_t *masks)
{
    sp_detect_band_row_c(b, xs, xe, inv_in, inv_out, band, sur, masks);
}

unsigned sp_detect_extrema16_avx2(const float *rm, const float *rc, const float *rp,
                                  unsigned want)
{
    return sp_detect_extrema16_c(rm, rc, rp, want);
}

uint64_t sp_detect_dots_luma_avx2(const uint8_t *r, int nb, int t, uint32_t *masks)
{
    return sp_detect_dots_luma_c(r, nb, t, masks);
}

uint64_t sp_detect_dots_chroma_avx2(const uint8_t *up, const uint8_t *r, const uint8_t *dn,
                                    int nb, int t, int t4, uint32_t *masks)
{
    return sp_detect_dots_chroma_c(up, r, dn, nb, t, t4, masks);
}

float sp_detect_disk_dim_avx2(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                              float sign, float surround, float *d)
{
    return sp_detect_disk_dim_c(p, stride, span, r, sign, surround, d);
}

void sp_detect_disk_moments_avx2(const float *d, const int *span, int r, float half, int x,
                                 int y, int *area, float *sw, float *sx, float *sy)
{
    sp_detect_disk_moments_c(d, span, r, half, x, y, area, sw, sx, sy);
}

void sp_detect_ring_sads_avx2(const uint8_t *a, ptrdiff_t stride, const int *off, const int *v,
                              int n, uint32_t *sads)
{
    sp_detect_ring_sads_c(a, stride, off, v, n, sads);
}

void sp_detect_integral_row_avx2(uint32_t *row, const uint32_t *up, const uint8_t *src, int n)
{
    sp_detect_integral_row_c(row, up, src, n);
}

float sp_detect_disk_look_avx2(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                               float sign, float surround, int x, int y, int *area, float *sw,
                               float *sx, float *sy)
{
    return sp_detect_disk_look_c(p, stride, span, r, sign, surround, x, y, area, sw, sx, sy);
}

void sp_detect_sad12_shifts_avx2(const uint8_t *c, const uint8_t *p, ptrdiff_t stride,
                                 uint32_t *sads)
{
    sp_detect_sad12_shifts_c(c, p, stride, sads);
}
#endif

/* The entry points: AVX2 where the CPU has it, else SSE2 (or plain C). */
void sp_detect_half_row(uint32_t *row, const uint32_t *up, const uint8_t *r0,
                        const uint8_t *r1, int hw)
{
#ifdef DETECT_AVX2
    if (sp_detect_avx2()) {
        sp_detect_half_row_avx2(row, up, r0, r1, hw);
        return;
    }
#endif
    sp_detect_half_row_sse2(row, up, r0, r1, hw);
}

void sp_detect_band_row(const DetectBoxRows *b, int xs, int xe, float inv_in,
                        float inv_out, float *band, float *sur, uint16_t *masks)
{
#ifdef DETECT_AVX2
    if (sp_detect_avx2()) {
        sp_detect_band_row_avx2(b, xs, xe, inv_in, inv_out, band, sur, masks);
        return;
    }
#endif
    sp_detect_band_row_sse2(b, xs, xe, inv_in, inv_out, band, sur, masks);
}

unsigned sp_detect_extrema16(const float *rm, const float *rc, const float *rp, unsigned want)
{
#ifdef DETECT_AVX2
    if (sp_detect_avx2())
        return sp_detect_extrema16_avx2(rm, rc, rp, want);
#endif
    return sp_detect_extrema16_sse2(rm, rc, rp, want);
}

uint64_t sp_detect_dots_luma(const uint8_t *r, int nb, int t, uint32_t *masks)
{
#ifdef DETECT_AVX2
    if (sp_detect_avx2())
        return sp_detect_dots_luma_avx2(r, nb, t, masks);
#endif
    return sp_detect_dots_luma_sse2(r, nb, t, masks);
}

uint64_t sp_detect_dots_chroma(const uint8_t *up, const uint8_t *r, const uint8_t *dn,
                               int nb, int t, int t4, uint32_t *masks)
{
#ifdef DETECT_AVX2
    if (sp_detect_avx2())
        return sp_detect_dots_chroma_avx2(up, r, dn, nb, t, t4, masks);
#endif
    return sp_detect_dots_chroma_sse2(up, r, dn, nb, t, t4, masks);
}

float sp_detect_disk_dim(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                         float sign, float surround, float *d)
{
#ifdef DETECT_AVX2
    if (sp_detect_avx2())
        return sp_detect_disk_dim_avx2(p, stride, span, r, sign, surround, d);
#endif
    return sp_detect_disk_dim_sse2(p, stride, span, r, sign, surround, d);
}

void sp_detect_disk_moments(const float *d, const int *span, int r, float half, int x, int y,
                            int *area, float *sw, float *sx, float *sy)
{
#ifdef DETECT_AVX2
    if (sp_detect_avx2()) {
        sp_detect_disk_moments_avx2(d, span, r, half, x, y, area, sw, sx, sy);
        return;
    }
#endif
    sp_detect_disk_moments_sse2(d, span, r, half, x, y, area, sw, sx, sy);
}

void sp_detect_ring_sads(const uint8_t *a, ptrdiff_t stride, const int *off, const int *v,
                         int n, uint32_t *sads)
{
#ifdef DETECT_AVX2
    if (sp_detect_avx2()) {
        sp_detect_ring_sads_avx2(a, stride, off, v, n, sads);
        return;
    }
#endif
    sp_detect_ring_sads_sse2(a, stride, off, v, n, sads);
}

void sp_detect_integral_row(uint32_t *row, const uint32_t *up, const uint8_t *src, int n)
{
#ifdef DETECT_AVX2
    if (sp_detect_avx2()) {
        sp_detect_integral_row_avx2(row, up, src, n);
        return;
    }
#endif
    sp_detect_integral_row_sse2(row, up, src, n);
}

void sp_detect_sad12_shifts(const uint8_t *c, const uint8_t *p, ptrdiff_t stride,
                            uint32_t *sads)
{
#ifdef DETECT_AVX2
    if (sp_detect_avx2()) {
        sp_detect_sad12_shifts_avx2(c, p, stride, sads);
        return;
    }
#endif
    sad12_shifts_sse2(c, p, stride, sads);
}

float sp_detect_disk_look(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                          float sign, float surround, int x, int y, int *area, float *sw,
                          float *sx, float *sy)
{
#ifdef DETECT_AVX2
    if (sp_detect_avx2())
        return sp_detect_disk_look_avx2(p, stride, span, r, sign, surround, x, y, area, sw, sx, sy);
#endif
    return sp_detect_disk_look_c(p, stride, span, r, sign, surround, x, y, area, sw, sx, sy);
}

void sp_detect_closing(const uint8_t *a, uint8_t *b, uint8_t *c, int n, int cs, int w)
{
#ifdef DETECT_AVX2
    if (sp_detect_avx2()) {
        sp_detect_closing_avx2(a, b, c, n, cs, w);
        return;
    }
#endif
    sp_detect_closing_sse2(a, b, c, n, cs, w);
}
