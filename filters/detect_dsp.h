/*
 * The detector's row kernels (filters/detect.c): the half-resolution
 * integral, the band-pass and its extrema, and the cheap rejects of the
 * pixel-defect scans. Each has a plain C version (_c) and the one the
 * detector calls, SSE2 where the compiler targets it (x86-64 always);
 * both give exactly the same results (tests/unit/test_detect_dsp.c).
 * Some have an AVX2 version too (_avx2), which the entry point calls
 * where the CPU has it (sp_detect_avx2), and the SSE2 one (_sse2) else;
 * on other targets both are the plain C one.
 */
#ifndef SPOTHEAL_FILTERS_DETECT_DSP_H
#define SPOTHEAL_FILTERS_DETECT_DSP_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE__) && defined(__x86_64__)
#include <xmmintrin.h>
#endif

/* Blocks of the band-pass masks and of the dot masks. */
#define DETECT_BAND_BLOCK 16
#define DETECT_DOT_BLOCK  32

/* Whether the CPU runs the AVX2 versions. */
int sp_detect_avx2(void);

/* One row of the half-resolution integral of an 8-bit plane:
 * row[0] = 0, row[i + 1] = up[i + 1] + the sum of the 2x2 pixels of
 * columns 0 to i of the two full-resolution rows r0 and r1. */
void sp_detect_half_row_c(uint32_t *row, const uint32_t *up, const uint8_t *r0,
                          const uint8_t *r1, int hw);
void sp_detect_half_row(uint32_t *row, const uint32_t *up, const uint8_t *r0,
                        const uint8_t *r1, int hw);
void sp_detect_half_row_sse2(uint32_t *row, const uint32_t *up, const uint8_t *r0,
                             const uint8_t *r1, int hw);
void sp_detect_half_row_avx2(uint32_t *row, const uint32_t *up, const uint8_t *r0,
                             const uint8_t *r1, int hw);

/* One row of a full-resolution integral patch of an 8-bit plane:
 * row[0] = 0, row[i + 1] = up[i + 1] + src[0] + ... + src[i], i < n. */
void sp_detect_integral_row_c(uint32_t *row, const uint32_t *up, const uint8_t *src, int n);
void sp_detect_integral_row(uint32_t *row, const uint32_t *up, const uint8_t *src, int n);
void sp_detect_integral_row_sse2(uint32_t *row, const uint32_t *up, const uint8_t *src, int n);
void sp_detect_integral_row_avx2(uint32_t *row, const uint32_t *up, const uint8_t *src, int n);

/* The corners of the band-pass's inner and outer boxes in the integral
 * (i[0] - i[2] - i[3] + i[1] the inner box sum at column x, o the outer). */
typedef struct DetectBoxRows {
    const uint32_t *i[4], *o[4];
} DetectBoxRows;

/* Band-pass responses of columns [xs, xe): sur[x] the outer box's mean,
 * band[x] the inner box's mean minus it; masks[b] has bit k set when
 * |band[xs + 16 b + k]| >= 5 (blocks of DETECT_BAND_BLOCK from xs). */
void sp_detect_band_row_c(const DetectBoxRows *b, int xs, int xe, float inv_in,
                          float inv_out, float *band, float *sur, uint16_t *masks);
void sp_detect_band_row(const DetectBoxRows *b, int xs, int xe, float inv_in,
                        float inv_out, float *band, float *sur, uint16_t *masks);
void sp_detect_band_row_sse2(const DetectBoxRows *b, int xs, int xe, float inv_in,
                             float inv_out, float *band, float *sur, uint16_t *masks);
void sp_detect_band_row_avx2(const DetectBoxRows *b, int xs, int xe, float inv_in,
                             float inv_out, float *band, float *sur, uint16_t *masks);

/* Band-pass responses of n columns from the box rows' column 0, the
 * means as a box sum divided by its area (as a patch's box means are, not
 * multiplied by the area's inverse): band[k] = (float)inner sum / in_area
 * - (float)outer sum / out_area. */
void sp_detect_band_div_c(const DetectBoxRows *b, int n, float in_area, float out_area,
                          float *band);
void sp_detect_band_div(const DetectBoxRows *b, int n, float in_area, float out_area,
                        float *band);

/* Bit k (k < 16) set when rc[k] is 5 levels or more from 0 and none of its
 * eight neighbours in rm, rc, rp (the rows above and below) goes further
 * the same way: a local extremum of the band-pass. Reads [-1, 16]. Only
 * the bits of `want` are asked for (others may be left 0). */
unsigned sp_detect_extrema16_c(const float *rm, const float *rc, const float *rp, unsigned want);
unsigned sp_detect_extrema16(const float *rm, const float *rc, const float *rp, unsigned want);
unsigned sp_detect_extrema16_sse2(const float *rm, const float *rc, const float *rp,
                                  unsigned want);
unsigned sp_detect_extrema16_avx2(const float *rm, const float *rc, const float *rp,
                                  unsigned want);

/* masks[b] for the nb blocks of DETECT_DOT_BLOCK samples from r: bit k
 * set when sample x = 32 b + k stands out of both r[x - 2] and r[x + 2] by
 * t or more, above both or below both. Reads r at [-2, 32 nb + 1]; nb is
 * 64 at most. Returns which masks are not 0, a bit each. */
uint64_t sp_detect_dots_luma_c(const uint8_t *r, int nb, int t, uint32_t *masks);
uint64_t sp_detect_dots_luma(const uint8_t *r, int nb, int t, uint32_t *masks);
uint64_t sp_detect_dots_luma_sse2(const uint8_t *r, int nb, int t, uint32_t *masks);
uint64_t sp_detect_dots_luma_avx2(const uint8_t *r, int nb, int t, uint32_t *masks);

/* The same where sample x differs by t or more from each of its four
 * neighbours r[x - 1], r[x + 1], up[x] and dn[x], and 4 r[x] from their
 * sum by t4 or more. Reads r at [-1, 32 nb]. */
uint64_t sp_detect_dots_chroma_c(const uint8_t *up, const uint8_t *r, const uint8_t *dn,
                                 int nb, int t, int t4, uint32_t *masks);
uint64_t sp_detect_dots_chroma(const uint8_t *up, const uint8_t *r, const uint8_t *dn,
                               int nb, int t, int t4, uint32_t *masks);
uint64_t sp_detect_dots_chroma_sse2(const uint8_t *up, const uint8_t *r, const uint8_t *dn,
                                    int nb, int t, int t4, uint32_t *masks);
uint64_t sp_detect_dots_chroma_avx2(const uint8_t *up, const uint8_t *r, const uint8_t *dn,
                                    int nb, int t, int t4, uint32_t *masks);

/* Bit k set when m[k] is not 0, k < n <= 64. */
uint64_t sp_detect_nonzero16_c(const uint16_t *m, int n);
uint64_t sp_detect_nonzero16(const uint16_t *m, int n);

/* The camera's quarter-resolution means: out[x] = (2 s + 25) / 50 with
 * s = q[4 x] + ... + q[4 x + 4] (q[i] at most 1275: five rows' sums of
 * 8-bit samples), x < n; reads q[0] to q[4 n]. */
void sp_detect_quarter_means_c(const uint16_t *q, int n, uint8_t *out);
void sp_detect_quarter_means(const uint16_t *q, int n, uint8_t *out);

/* The deviations' sum of 32 8-bit samples v[k] = p[off[k]] about their
 * sum S: the sum of |32 v[k] - S|. */
int sp_detect_dev32_c(const uint8_t *p, const ptrdiff_t *off);
int sp_detect_dev32(const uint8_t *p, const ptrdiff_t *off);
/* A floor of sp_detect_dev32(p, off) from 16 of its samples: 32 times
 * |p[off[k]] - p[off[k + 8]]| summed over k = 0 to 7 (disjoint pairs:
 * |32 v_i - S| + |32 v_j - S| >= 32 |v_i - v_j|). */
int sp_detect_dev32_floor(const uint8_t *p, const ptrdiff_t *off);

/* The 8th and 9th smallest of 16 samples (places 7 and 8 of the sorted
 * list) into *m7 and *m8. */
void sp_detect_mid16_c(const uint8_t *v, int *m7, int *m8);
void sp_detect_mid16(const uint8_t *v, int *m7, int *m8);

/* The least and the largest 8-bit sample of the disk whose row j (-r to
 * r) spans columns -span[j + r] to span[j + r] about p (only its samples
 * read), from *lo and *hi as they are. */
void sp_detect_disk_minmax_c(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                             int *lo, int *hi);
void sp_detect_disk_minmax(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                           int *lo, int *hi);

/* The grey closing of an n x n square of 8-bit samples (at each sample the
 * least, over the squares of side w, odd and at most n / 2, that hold it,
 * of their greatest) less the samples: how much each is darker than its
 * surround's closing fills it. The square is in a, rows of stride cs (a
 * multiple of 32, n + 31 at the least: the vector passes read past a
 * row's end, and their results there are not used); a, b and c are
 * cs x n bytes, b is scratch. On return row j, column i of c, for i and j
 * under n - 2 (w - 1), holds that at row j + w - 1, column i + w - 1 of
 * the square. */
void sp_detect_closing_c(const uint8_t *a, uint8_t *b, uint8_t *c, int n, int cs, int w);
void sp_detect_closing(const uint8_t *a, uint8_t *b, uint8_t *c, int n, int cs, int w);
void sp_detect_closing_sse2(const uint8_t *a, uint8_t *b, uint8_t *c, int n, int cs, int w);
void sp_detect_closing_avx2(const uint8_t *a, uint8_t *b, uint8_t *c, int n, int cs, int w);

/* A hint that p will be read soon. */
static inline void sp_detect_prefetch(const void *p)
{
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

/* The lowest set bit of a nonzero m. */
static inline int sp_detect_ctz64(uint64_t m)
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(m);
#else
    int k = 0;
    while (!(m & 1)) {
        m >>= 1;
        k++;
    }
    return k;
#endif
}

static inline int sp_detect_ctz(uint32_t m)
{
    return sp_detect_ctz64(m);
}

/* lrintf(x) without a call: the conversion in the rounding mode in use
 * (x86-64's lrintf is that one instruction, to 64 bits). */
static inline long sp_detect_lrint(float x)
{
#if defined(__SSE__) && defined(__x86_64__)
    return (long)_mm_cvtss_si64(_mm_set_ss(x));
#else
    return lrintf(x);
#endif
}

/* ceilf(t) as an int, |t| < 2^31, without a call. */
static inline int sp_detect_ceil(float t)
{
    int c = (int)t;
    return c + ((float)c < t);
}

/* nextafterf(x, up ? INFINITY : -INFINITY) without a call. */
static inline float sp_detect_next_float(float x, int up)
{
    uint32_t u;

    if (x != x)
        return x;
    if (x == 0)
        return up ? 0x1p-149f : -0x1p-149f;
    if ((x > 0) == !!up && x - x != 0)
        return x; /* infinite, that way */
    memcpy(&u, &x, sizeof(u));
    u = (x > 0) == !!up ? u + 1 : u - 1;
    memcpy(&x, &u, sizeof(x));
    return x;
}

/* The largest shift each way the ring match looks at, and how many
 * shifts there are in all. */
#define DETECT_RING_SHIFT 6
#define DETECT_RING_SHIFTS ((2 * DETECT_RING_SHIFT + 1) * (2 * DETECT_RING_SHIFT + 1))

/* The sum of absolute differences of two 12 x 12 blocks of 8-bit samples,
 * rows stride apart; 16 samples of each row are read. */
int sp_detect_sad12_c(const uint8_t *c, const uint8_t *p, ptrdiff_t stride);
int sp_detect_sad12(const uint8_t *c, const uint8_t *p, ptrdiff_t stride);

/* Those sums for every shift of p by DETECT_RING_SHIFT or less each way:
 * sads[(dy + S) * (2 S + 1) + dx + S] = sp_detect_sad12(c, p - dy * stride
 * - dx, stride), S = DETECT_RING_SHIFT; reads what those calls read. */
void sp_detect_sad12_shifts_c(const uint8_t *c, const uint8_t *p, ptrdiff_t stride,
                              uint32_t *sads);
void sp_detect_sad12_shifts(const uint8_t *c, const uint8_t *p, ptrdiff_t stride,
                            uint32_t *sads);
void sp_detect_sad12_shifts_avx2(const uint8_t *c, const uint8_t *p, ptrdiff_t stride,
                                 uint32_t *sads);

/* The ring match's sums of absolute differences, for every shift
 * (dx, dy) of DETECT_RING_SHIFT or less each way:
 * sads[(dy + S) * (2 S + 1) + dx + S] = the sum over k < n of
 * |v[k] - a[off[k] + dy * stride + dx]|, S = DETECT_RING_SHIFT; a is an
 * 8-bit plane, v[k] in 0..255, and the 13 x 13 samples about each a[off[k]]
 * inside it. */
void sp_detect_ring_sads_c(const uint8_t *a, ptrdiff_t stride, const int *off, const int *v,
                           int n, uint32_t *sads);
void sp_detect_ring_sads(const uint8_t *a, ptrdiff_t stride, const int *off, const int *v,
                         int n, uint32_t *sads);
void sp_detect_ring_sads_sse2(const uint8_t *a, ptrdiff_t stride, const int *off, const int *v,
                              int n, uint32_t *sads);
void sp_detect_ring_sads_avx2(const uint8_t *a, ptrdiff_t stride, const int *off, const int *v,
                              int n, uint32_t *sads);

/* A blob's dimming over the disk whose row j (-r to r) spans columns
 * -span[j + r] to span[j + r] about the 8-bit pixel p: row by row,
 * d[n++] = sign * (p[j * stride + i] - surround); returns the largest d,
 * 0 if none is above. */
float sp_detect_disk_dim_c(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                           float sign, float surround, float *d);
float sp_detect_disk_dim(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                         float sign, float surround, float *d);
float sp_detect_disk_dim_sse2(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                              float sign, float surround, float *d);
float sp_detect_disk_dim_avx2(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                              float sign, float surround, float *d);

/* Over the same disk and d, centred on (x, y), in order: how many d are
 * above half, and the sums of those d, of d * (x + i), of d * (y + j). */
void sp_detect_disk_sums_c(const float *d, const int *span, int r, float half, int x, int y,
                           int *area, float *sw, float *sx, float *sy);
void sp_detect_disk_sums(const float *d, const int *span, int r, float half, int x, int y,
                         int *area, float *sw, float *sx, float *sy);

/* The same counts and sums for a first look, each of eight lanes summed
 * on its own over the disk (a row's sample i from 0: lane i % 8), the
 * lanes added as t[l] = l + (l + 4), then (t0 + t2) + (t1 + t3): not bit
 * for bit those of sp_detect_disk_sums, but as all their
 * terms are positive (x, y at least r), each term is rounded at most
 * area + 4 times here and area + 1 times there, so that both lie
 * within gamma(k) = k 2^-24 / (1 - k 2^-24) of the true sums, relatively.
 * Reads d up to 7 floats past the disk's last sample. */
void sp_detect_disk_moments_c(const float *d, const int *span, int r, float half, int x, int y,
                              int *area, float *sw, float *sx, float *sy);
void sp_detect_disk_moments(const float *d, const int *span, int r, float half, int x, int y,
                            int *area, float *sw, float *sx, float *sy);
void sp_detect_disk_moments_sse2(const float *d, const int *span, int r, float half, int x,
                                 int y, int *area, float *sw, float *sx, float *sy);
void sp_detect_disk_moments_avx2(const float *d, const int *span, int r, float half, int x,
                                 int y, int *area, float *sw, float *sx, float *sy);

/* Both at once from the pixels: the peak sp_detect_disk_dim returns
 * (from the disk's least or largest sample: the dimming is monotonic in
 * it), then over the dimming it would make the count sp_detect_disk_sums
 * gives, and the sums as the exact ones over the samples counted (sums of
 * integers, the samples being those at or past one level), rounded twice:
 * the same in every version, within 2^-23 of the exact sums of the
 * unrounded dimming (the ordered sums' terms within 2^-24 of those, all
 * of one sign), so that both lie within gamma(area + 3) of each other.
 * The vector version reads 32 bytes from each row's column -r
 * (p[j stride - r] on): they must lie in the plane; r is 15 at most there
 * (else plain C). */
float sp_detect_disk_look_c(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                            float sign, float surround, int x, int y, int *area, float *sw,
                            float *sx, float *sy);
float sp_detect_disk_look_avx2(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                               float sign, float surround, int x, int y, int *area, float *sw,
                               float *sx, float *sy);
float sp_detect_disk_look(const uint8_t *p, ptrdiff_t stride, const int *span, int r,
                          float sign, float surround, int x, int y, int *area, float *sw,
                          float *sx, float *sy);


#endif /* SPOTHEAL_FILTERS_DETECT_DSP_H */
