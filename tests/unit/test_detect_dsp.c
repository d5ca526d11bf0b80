/*
 * The detector's row kernels (filters/detect_dsp.c): the versions the
 * detector calls (AVX2 or SSE2 on x86-64), and each of those, give exactly
 * what the plain C ones give,
 * bit for bit, on random rows, near the thresholds (ties, responses of
 * exactly 5 levels, samples exactly t apart), at every length and offset
 * and with thresholds out of the byte range; the ring match's sums at
 * every shift and the camera's block sums; a blob's dimming and weighted sums over disks of every
 * radius; the grey closing, also against its definition.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "filters/detect_dsp.h"

static uint32_t rnd(uint32_t *st)
{
    *st = *st * 1664525u + 1013904223u;
    return *st >> 8;
}

/* Random bytes: the full range, or a few levels about 128 (ties). */
static void fill_bytes(uint8_t *p, int n, uint32_t *st, int spread)
{
    for (int i = 0; i < n; i++)
        p[i] = spread >= 256 ? (uint8_t)rnd(st) : (uint8_t)(128 - spread / 2 + (int)(rnd(st) % (spread + 1)));
}

/* The half-resolution integral's rows and a patch's. */
static void test_half_row(void **state)
{
    enum { MAXW = 1000 };
    static uint8_t r0[2 * MAXW], r1[2 * MAXW];
    static uint32_t up[MAXW + 1], a[MAXW + 1], b[MAXW + 1];
    uint32_t st = 1;

    (void)state;
    for (int hw = 1; hw < MAXW; hw += hw < 40 ? 1 : 97) {
        fill_bytes(r0, 2 * hw, &st, 256);
        fill_bytes(r1, 2 * hw, &st, 256);
        for (int i = 0; i <= hw; i++)
            up[i] = rnd(&st) * 4001u; /* any value: the sums wrap round */
        memset(a, 0x55, sizeof(a));
        memset(b, 0xaa, sizeof(b));
        sp_detect_half_row_c(a, up, r0, r1, hw);
        sp_detect_half_row(b, up, r0, r1, hw);
        assert_memory_equal(a, b, sizeof(*a) * (hw + 1));
        memset(b, 0xaa, sizeof(b));
        sp_detect_half_row_sse2(b, up, r0, r1, hw);
        assert_memory_equal(a, b, sizeof(*a) * (hw + 1));
        memset(b, 0xaa, sizeof(b));
        sp_detect_half_row_avx2(b, up, r0, r1, hw);
        assert_memory_equal(a, b, sizeof(*a) * (hw + 1));
        /* a full-resolution patch's row: the same, from one row */
        sp_detect_integral_row_c(a, up, r0, hw);
        sp_detect_integral_row(b, up, r0, hw);
        assert_memory_equal(a, b, sizeof(*a) * (hw + 1));
        memset(b, 0xaa, sizeof(b));
        sp_detect_integral_row_sse2(b, up, r0, hw);
        assert_memory_equal(a, b, sizeof(*a) * (hw + 1));
        memset(b, 0xaa, sizeof(b));
        sp_detect_integral_row_avx2(b, up, r0, hw);
        assert_memory_equal(a, b, sizeof(*a) * (hw + 1));
    }
}

static void test_band_row(void **state)
{
    enum { N = 300 };
    static uint32_t rows[8][N + 64];
    static float band_a[N + 64], band_b[N + 64], sur_a[N + 64], sur_b[N + 64];
    static uint16_t mask_a[N / 16 + 2], mask_b[N / 16 + 2];
    static const float inv[3][2] = { { 1.0f / 36, 1.0f / 676 }, { 1.0f, 0.0f }, { 0.25f, 1.0f / 9 } };
    uint32_t st = 2;

    (void)state;
    for (int round = 0; round < 60; round++) {
        DetectBoxRows b;
        int xs = (int)(rnd(&st) % 40), xe = xs + (int)(rnd(&st) % (N - 40));
        int range = round % 3 == 1 ? 12 : 4000, p = round % 3;
        for (int k = 0; k < 8; k++)
            for (int x = 0; x < N + 64; x++)
                rows[k][x] = round % 5 == 4 ? rnd(&st) * 977u : rnd(&st) % (uint32_t)range;
        for (int k = 0; k < 4; k++) {
            b.i[k] = rows[k] + 8;
            b.o[k] = rows[4 + k] + 8;
        }
        memset(band_a, 0, sizeof(band_a));
        memset(band_b, 0, sizeof(band_b));
        memset(sur_a, 0, sizeof(sur_a));
        memset(sur_b, 0, sizeof(sur_b));
        memset(mask_a, 0, sizeof(mask_a));
        memset(mask_b, 0, sizeof(mask_b));
        sp_detect_band_row_c(&b, xs, xe, inv[p][0], inv[p][1], band_a, sur_a, mask_a);
        for (int v = 0; v < 3; v++) {
            memset(band_b, 0, sizeof(band_b));
            memset(sur_b, 0, sizeof(sur_b));
            memset(mask_b, 0, sizeof(mask_b));
            (v == 0 ? sp_detect_band_row : v == 1 ? sp_detect_band_row_sse2 : sp_detect_band_row_avx2)
                (&b, xs, xe, inv[p][0], inv[p][1], band_b, sur_b, mask_b);
            assert_memory_equal(band_a, band_b, sizeof(band_a));
            assert_memory_equal(sur_a, sur_b, sizeof(sur_a));
            assert_memory_equal(mask_a, mask_b, sizeof(mask_a));
        }
    }
}

/* A patch's band-pass by division: the box means of a real integral
 * (the sums a patch holds), at every count of columns. */
static void test_band_div(void **state)
{
    enum { W = 48 };
    static uint32_t I[(W + 1) * (W + 1)];
    static uint8_t px[W * W];
    float a[W], b[W];
    uint32_t st = 12;

    (void)state;
    for (int round = 0; round < 8; round++) {
        fill_bytes(px, W * W, &st, round & 1 ? 6 : 256);
        memset(I, 0, sizeof(I));
        for (int y = 0; y < W; y++)
            for (int x = 0, acc = 0; x < W; x++) {
                acc += px[y * W + x];
                I[(y + 1) * (W + 1) + x + 1] = I[y * (W + 1) + x + 1] + (uint32_t)acc;
            }
        for (int ri = 0; ri <= 3; ri++)
            for (int ro = ri + 1; ro <= 12; ro += 3)
                for (int n = 1; n + 2 * ro + 1 <= W; n += 5) {
                    int y = ro + (int)(rnd(&st) % (uint32_t)(W - 2 * ro)), x = ro;
                    DetectBoxRows r;
                    r.i[0] = I + (y + ri + 1) * (W + 1) + x + ri + 1;
                    r.i[1] = I + (y - ri) * (W + 1) + x - ri;
                    r.i[2] = I + (y - ri) * (W + 1) + x + ri + 1;
                    r.i[3] = I + (y + ri + 1) * (W + 1) + x - ri;
                    r.o[0] = I + (y + ro + 1) * (W + 1) + x + ro + 1;
                    r.o[1] = I + (y - ro) * (W + 1) + x - ro;
                    r.o[2] = I + (y - ro) * (W + 1) + x + ro + 1;
                    r.o[3] = I + (y + ro + 1) * (W + 1) + x - ro;
                    if (x + n + ro + 1 > W)
                        continue;
                    memset(a, 0, sizeof(a));
                    memset(b, 0, sizeof(b));
                    sp_detect_band_div_c(&r, n, (float)((2 * ri + 1) * (2 * ri + 1)),
                                         (float)((2 * ro + 1) * (2 * ro + 1)), a);
                    sp_detect_band_div(&r, n, (float)((2 * ri + 1) * (2 * ri + 1)),
                                       (float)((2 * ro + 1) * (2 * ro + 1)), b);
                    assert_memory_equal(a, b, sizeof(a));
                }
    }
}

/* The flagged blocks' bits, at every count, the flags sparse or dense. */
static void test_nonzero(void **state)
{
    uint16_t m[64];
    uint32_t st = 13;

    (void)state;
    for (int round = 0; round < 40; round++)
        for (int n = 0; n <= 64; n++) {
            for (int k = 0; k < 64; k++)
                m[k] = rnd(&st) % (uint32_t)(round % 4 + 2) ? 0 : (uint16_t)(1u << (rnd(&st) % 16));
            assert_true(sp_detect_nonzero16(m, n) == sp_detect_nonzero16_c(m, n));
            if (n == 64)
                for (int k = 0; k < 64; k++)
                    assert_int_equal((int)(sp_detect_nonzero16_c(m, n) >> k & 1), m[k] != 0);
        }
}

/* The camera's quarter-resolution means, at every count, on random sums
 * and on the largest (1275: five rows of 255) and the divisions' edges. */
static void test_quarter_means(void **state)
{
    enum { N = 70 };
    uint16_t q[4 * N + 1];
    uint8_t a[N], b[N];
    uint32_t st = 14;

    (void)state;
    for (int round = 0; round < 30; round++)
        for (int n = 0; n <= N; n++) {
            for (int k = 0; k <= 4 * n; k++)
                q[k] = round == 0 ? 1275 : round == 1 ? (uint16_t)(5 * k % 1276)
                     : (uint16_t)(rnd(&st) % 1276);
            memset(a, 0, sizeof(a));
            memset(b, 0, sizeof(b));
            sp_detect_quarter_means_c(q, n, a);
            sp_detect_quarter_means(q, n, b);
            assert_memory_equal(a, b, sizeof(a));
        }
    /* every box sum: the division by 50 */
    for (int sum = 0; sum <= 5 * 1275; sum++) {
        for (int k = 0; k < 5; k++)
            q[k] = 0;
        for (int k = 0; k < 8; k++)
            q[4 * k] = q[4 * k + 1] = q[4 * k + 2] = q[4 * k + 3] = 0;
        q[32] = 0;
        q[0] = (uint16_t)(sum < 1275 ? sum : 1275);
        q[1] = (uint16_t)(sum - q[0] < 1275 ? sum - q[0] : 1275);
        q[2] = (uint16_t)(sum - q[0] - q[1] < 1275 ? sum - q[0] - q[1] : 1275);
        q[3] = (uint16_t)(sum - q[0] - q[1] - q[2] < 1275 ? sum - q[0] - q[1] - q[2] : 1275);
        q[4] = (uint16_t)(sum - q[0] - q[1] - q[2] - q[3]);
        sp_detect_quarter_means(q, 8, b);
        assert_int_equal(b[0], (2 * sum + 25) / 50);
    }
}

/* The flat test's deviations: random samples, ties, and the extremes. */
static void test_dev32(void **state)
{
    enum { W = 40 };
    static uint8_t px[W * W];
    ptrdiff_t off[32];
    uint32_t st = 15;

    (void)state;
    for (int round = 0; round < 200; round++) {
        int ref = 0;
        fill_bytes(px, W * W, &st, round % 3 == 0 ? 256 : round % 3 == 1 ? 4 : 0);
        if (round == 5)
            for (int k = 0; k < W * W; k++)
                px[k] = k & 1 ? 255 : 0;
        for (int k = 0; k < 32; k++)
            off[k] = (ptrdiff_t)((int)(rnd(&st) % 31) - 15) * W + (int)(rnd(&st) % 31) - 15;
        {
            const uint8_t *p = px + 20 * W + 20;
            int sum = 0;
            for (int k = 0; k < 32; k++)
                sum += p[off[k]];
            for (int k = 0; k < 32; k++)
                ref += abs(32 * p[off[k]] - sum);
            assert_int_equal(sp_detect_dev32_c(p, off), ref);
            assert_int_equal(sp_detect_dev32(p, off), ref);
            /* the floor from the opposite pairs: never over the sum */
            assert_true(sp_detect_dev32_floor(p, off) <= ref);
        }
    }
}

/* The floor of the deviations' sum from the first circle's opposite
 * pairs: the sum itself where the pairs alone differ (each pair 200 and
 * 40, the other 16 samples at their mean). */
static void test_dev32_floor(void **state)
{
    uint8_t px[32];
    ptrdiff_t off[32];

    (void)state;
    for (int k = 0; k < 32; k++) {
        off[k] = 31 - k;
        px[31 - k] = (uint8_t)(k < 8 ? 200 : k < 16 ? 40 : 120);
    }
    assert_int_equal(sp_detect_dev32_c(px, off), 32 * 8 * 160);
    assert_int_equal(sp_detect_dev32_floor(px, off), 32 * 8 * 160);
    px[31 - 3] = 120;
    assert_int_equal(sp_detect_dev32_floor(px, off), 32 * 8 * 160 - 32 * 80);
}

/* The ring's median places: random samples, many ties, all equal, and
 * the byte range's ends (the signed compares). */
static void test_mid16(void **state)
{
    uint8_t v[16];
    uint32_t st = 16;

    (void)state;
    for (int round = 0; round < 3000; round++) {
        int a, b, c, d, sorted[16];
        for (int k = 0; k < 16; k++)
            v[k] = round % 4 == 0 ? (uint8_t)rnd(&st) : round % 4 == 1 ? (uint8_t)(rnd(&st) % 3)
                 : round % 4 == 2 ? (uint8_t)(rnd(&st) & 1 ? 255 : 0) : (uint8_t)(126 + rnd(&st) % 4);
        if (round == 7)
            memset(v, 200, sizeof(v));
        for (int k = 0; k < 16; k++) {
            int j = k;
            for (; j > 0 && sorted[j - 1] > v[k]; j--)
                sorted[j] = sorted[j - 1];
            sorted[j] = v[k];
        }
        sp_detect_mid16_c(v, &a, &b);
        sp_detect_mid16(v, &c, &d);
        assert_int_equal(a, sorted[7]);
        assert_int_equal(b, sorted[8]);
        assert_int_equal(c, sorted[7]);
        assert_int_equal(d, sorted[8]);
    }
}

/* A disk's extremes, at every radius to 20, from the running ones given
 * in; the plane's bytes around it the extremes, which must not be read. */
static void test_disk_minmax(void **state)
{
    enum { W = 64 };
    static uint8_t px[W * W];
    int span[41];
    uint32_t st = 17;

    (void)state;
    for (int r = 0; r <= 20; r++)
        for (int round = 0; round < 6; round++) {
            const uint8_t *p = px + 32 * W + 32;
            int sp = 0, a0 = round & 1 ? 255 : 40, b0 = round & 1 ? 0 : 200, a, b, c, d;
            memset(px, round & 2 ? 0 : 255, sizeof(px));
            for (int j = -r; j <= r; j++) {
                while ((sp + 1) * (sp + 1) + j * j <= r * r)
                    sp++;
                while (sp > 0 && sp * sp + j * j > r * r)
                    sp--;
                span[j + r] = sp;
                for (int i = -sp; i <= sp; i++)
                    px[(32 + j) * W + 32 + i] = (uint8_t)(60 + rnd(&st) % 100);
            }
            a = c = a0;
            b = d = b0;
            sp_detect_disk_minmax_c(p, W, span, r, &a, &b);
            sp_detect_disk_minmax(p, W, span, r, &c, &d);
            assert_int_equal(a, c);
            assert_int_equal(b, d);
            assert_true(a >= (round & 1 ? 60 : 40) && b <= (round & 1 ? 159 : 200));
        }
}

/* The closing less the picture: the vector version against the plain one
 * on random squares of every size and tap count it is given, the plain one
 * against the definition (the least over the squares that hold a sample of
 * their greatest), and on known content: a dark hole narrower than the
 * square is filled to its surround, a step between two levels and a wide
 * dark area are kept. */
static int closing_at(const uint8_t *a, int cs, int w, int y, int x)
{
    int best = 255;

    for (int y0 = y - w + 1; y0 <= y; y0++)
        for (int x0 = x - w + 1; x0 <= x; x0++) {
            int m = 0;
            for (int j = 0; j < w; j++)
                for (int i = 0; i < w; i++)
                    m = a[(y0 + j) * cs + x0 + i] > m ? a[(y0 + j) * cs + x0 + i] : m;
            best = m < best ? m : best;
        }
    return best;
}

static void test_closing(void **state)
{
    enum { N = 48, CS = 96 };
    static uint8_t a[CS * N], b[CS * N], c[CS * N], b2[CS * N], c2[CS * N];
    void (*const fn[3])(const uint8_t *, uint8_t *, uint8_t *, int, int, int) = {
        sp_detect_closing, sp_detect_closing_sse2, sp_detect_closing_avx2 };
    uint32_t st = 29;

    (void)state;
    for (int w = 3; w <= 11; w += 2)
        for (int n = 2 * w; n <= N; n += n < 40 ? 1 : 8) {
            int e = n - 2 * (w - 1);
            for (int round = 0; round < 9; round++) {
                fill_bytes(a, CS * N, &st, round % 3 == 2 ? 8 : 256);
                memset(c, 0, sizeof(c));
                memset(c2, 0, sizeof(c2));
                sp_detect_closing_c(a, b, c, n, CS, w);
                fn[round / 3](a, b2, c2, n, CS, w);
                for (int j = 0; j < e; j++)
                    for (int i = 0; i < e; i++) {
                        assert_int_equal(c[j * CS + i], c2[j * CS + i]);
                        if (round == 0 && n < 20)
                            assert_int_equal(c[j * CS + i],
                                             closing_at(a, CS, w, j + w - 1, i + w - 1) -
                                                 a[(j + w - 1) * CS + i + w - 1]);
                    }
            }
        }
    /* a 39 x 39 square at 100: a dark 5 x 5 hole at 40 in its middle, a
     * step to 200 on its right, a dark 12-wide band at 30 at its top */
    {
        int n = 39, w = 9, e = n - 2 * (w - 1);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
                a[j * CS + i] = (uint8_t)(j < 12 ? 30 : i >= 30 ? 200 : 100);
        for (int j = 17; j < 22; j++)
            for (int i = 17; i < 22; i++)
                a[j * CS + i] = 40;
        sp_detect_closing(a, b, c, n, CS, w);
        /* (the result's (i, j) is the square's (i + 8, j + 8)) */
        for (int j = 17; j < 22; j++)
            for (int i = 17; i < 22; i++)
                assert_int_equal(c[(j - 8) * CS + i - 8], 60);
        for (int j = 0; j < e; j++)
            for (int i = 0; i < e; i++) {
                int sj = j + 8, si = i + 8;
                if (sj >= 17 && sj < 22 && si >= 17 && si < 22)
                    continue;
                assert_int_equal(c[j * CS + i], 0);
            }
    }
}

static void test_extrema(void **state)
{
    float rows[3][18];
    uint32_t st = 3;
    int hits = 0;

    (void)state;
    for (int round = 0; round < 20000; round++) {
        unsigned a, b;
        /* quarter levels about +-8: ties, and exactly +-5 */
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 18; k++)
                rows[j][k] = ((int)(rnd(&st) % 65) - 32) * 0.25f * (round % 2 ? 1.0f : 0.5f);
        unsigned want = round % 3 ? 0xffff : rnd(&st) & 0xffff;
        a = sp_detect_extrema16_c(rows[0] + 1, rows[1] + 1, rows[2] + 1, want);
        b = sp_detect_extrema16(rows[0] + 1, rows[1] + 1, rows[2] + 1, want);
        assert_int_equal(a, b);
        assert_int_equal(a, sp_detect_extrema16_sse2(rows[0] + 1, rows[1] + 1, rows[2] + 1, want));
        assert_int_equal(a, sp_detect_extrema16_avx2(rows[0] + 1, rows[1] + 1, rows[2] + 1, want));
        hits += a != 0;
    }
    assert_true(hits > 1000);
}

static void test_dots(void **state)
{
    enum { NB = 64, N = NB * 32 + 8 };
    static uint8_t up[N], row[N], dn[N];
    static uint32_t ma[NB], mb[NB];
    static const int ts[] = { -1, 0, 1, 2, 5, 8, 14, 255, 256 };
    uint32_t st = 4;

    (void)state;
    for (int round = 0; round < 200; round++) {
        int spread = round % 4 == 0 ? 256 : round % 4 == 1 ? 40 : round % 4 == 2 ? 8 : 2;
        int nb = 1 + (int)(rnd(&st) % NB);
        fill_bytes(up, N, &st, spread);
        fill_bytes(row, N, &st, spread);
        fill_bytes(dn, N, &st, spread);
        for (size_t ti = 0; ti < sizeof(ts) / sizeof(ts[0]); ti++) {
            uint64_t ba, bb;
            memset(ma, 0, sizeof(ma));
            memset(mb, 0, sizeof(mb));
            ba = sp_detect_dots_luma_c(row + 2, nb, ts[ti], ma);
            bb = sp_detect_dots_luma(row + 2, nb, ts[ti], mb);
            assert_memory_equal(ma, mb, sizeof(ma));
            assert_true(ba == bb);
            memset(mb, 0, sizeof(mb));
            assert_true(sp_detect_dots_luma_sse2(row + 2, nb, ts[ti], mb) == ba);
            assert_memory_equal(ma, mb, sizeof(ma));
            memset(mb, 0, sizeof(mb));
            assert_true(sp_detect_dots_luma_avx2(row + 2, nb, ts[ti], mb) == ba);
            assert_memory_equal(ma, mb, sizeof(ma));
            for (int k = 0; k < nb; k++)
                assert_int_equal(!!ma[k], (int)((ba >> k) & 1));
            memset(ma, 0, sizeof(ma));
            memset(mb, 0, sizeof(mb));
            int t4 = ts[(ti + round) % (sizeof(ts) / sizeof(ts[0]))] * 4 + (int)(rnd(&st) % 5) - 2;
            ba = sp_detect_dots_chroma_c(up + 1, row + 1, dn + 1, nb, ts[ti], t4, ma);
            bb = sp_detect_dots_chroma(up + 1, row + 1, dn + 1, nb, ts[ti], t4, mb);
            assert_memory_equal(ma, mb, sizeof(ma));
            assert_true(ba == bb);
            memset(mb, 0, sizeof(mb));
            assert_true(sp_detect_dots_chroma_sse2(up + 1, row + 1, dn + 1, nb, ts[ti], t4, mb) == ba);
            assert_memory_equal(ma, mb, sizeof(ma));
            memset(mb, 0, sizeof(mb));
            assert_true(sp_detect_dots_chroma_avx2(up + 1, row + 1, dn + 1, nb, ts[ti], t4, mb) == ba);
            assert_memory_equal(ma, mb, sizeof(ma));
            for (int k = 0; k < nb; k++)
                assert_int_equal(!!ma[k], (int)((ba >> k) & 1));
        }
    }
}

static void test_ring_sads(void **state)
{
    enum { W = 80, H = 60, MAXN = 600 };
    static uint8_t pic[W * H];
    static int off[MAXN], v[MAXN];
    uint32_t a[DETECT_RING_SHIFTS], b[DETECT_RING_SHIFTS];
    uint32_t st = 5;

    (void)state;
    for (int round = 0; round < 40; round++) {
        int n = round < 4 ? round : (int)(rnd(&st) % MAXN);
        fill_bytes(pic, W * H, &st, round % 2 ? 256 : 6);
        for (int k = 0; k < n; k++) {
            /* every sample 6 px inside, the frame's corners too */
            int x = 6 + (int)(rnd(&st) % (W - 12)), y = 6 + (int)(rnd(&st) % (H - 12));
            if (k == 0)
                x = y = 6;
            if (k == 1)
                x = W - 7, y = H - 7;
            off[k] = y * W + x;
            v[k] = round % 3 ? (int)(rnd(&st) % 256) : pic[off[k]];
        }
        sp_detect_ring_sads_c(pic, W, off, v, n, a);
        sp_detect_ring_sads(pic, W, off, v, n, b);
        assert_memory_equal(a, b, sizeof(a));
        memset(b, 0x55, sizeof(b));
        sp_detect_ring_sads_sse2(pic, W, off, v, n, b);
        assert_memory_equal(a, b, sizeof(a));
        memset(b, 0x55, sizeof(b));
        sp_detect_ring_sads_avx2(pic, W, off, v, n, b);
        assert_memory_equal(a, b, sizeof(a));
    }
}

static void test_sad12(void **state)
{
    enum { W = 40, H = 30 };
    static uint8_t a[W * H + 16], b[W * H + 16];
    uint32_t st = 7;

    (void)state;
    for (int round = 0; round < 200; round++) {
        int x = (int)(rnd(&st) % (W - 12)), y = (int)(rnd(&st) % (H - 12));
        fill_bytes(a, W * H + 16, &st, round % 2 ? 256 : 12);
        fill_bytes(b, W * H + 16, &st, round % 2 ? 256 : 12);
        assert_int_equal(sp_detect_sad12_c(a + y * W + x, b + y * W + x, W),
                         sp_detect_sad12(a + y * W + x, b + y * W + x, W));
    }
}

static void test_float_helpers(void **state)
{
    static const float fixed[] = { 0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -0.5f, 3.999999f, 1e-40f,
                                   -1e-40f, 0x1p-149f, -0x1p-149f, 3.4028235e38f, -3.4028235e38f,
                                   INFINITY, -INFINITY, 14.0f / 3.0f, 8.0f / 7.0f };
    uint32_t st = 11;

    (void)state;
    for (int k = 0; k < 2000; k++) {
        float x;
        if (k < (int)(sizeof(fixed) / sizeof(fixed[0])))
            x = fixed[k];
        else {
            uint32_t u = rnd(&st) << 16 ^ rnd(&st);
            memcpy(&x, &u, sizeof(x));
            if (x != x)
                continue;
        }
        for (int up = 0; up < 2; up++) {
            float a = nextafterf(x, up ? INFINITY : -INFINITY), b = sp_detect_next_float(x, up);
            assert_memory_equal(&a, &b, sizeof(a));
        }
        if (fabsf(x) < 2e9f)
            assert_int_equal((int)ceilf(x), sp_detect_ceil(x));
    }
}

static void test_sad12_shifts(void **state)
{
    enum { W = 48, H = 40, S = DETECT_RING_SHIFT, N = (2 * S + 1) * (2 * S + 1) };
    static uint8_t a[W * H], b[W * H];
    uint32_t st = 9, sa[N], sb[N], sc[N];

    (void)state;
    for (int round = 0; round < 200; round++) {
        /* the block anywhere its shifts' reads (16 a row) stay inside */
        int x = S + (int)(rnd(&st) % (W - 2 * S - 16 + 1));
        int y = S + (int)(rnd(&st) % (H - 2 * S - 12 + 1));
        fill_bytes(a, W * H, &st, round % 3 ? 256 : 12);
        fill_bytes(b, W * H, &st, round % 3 ? 256 : 12);
        if (round % 5 == 0) {
            memset(a, 0, sizeof(a)); /* the largest sums */
            memset(b, 255, sizeof(b));
        }
        sp_detect_sad12_shifts_c(a + y * W + x, b + y * W + x, W, sa);
        sp_detect_sad12_shifts(a + y * W + x, b + y * W + x, W, sb);
        sp_detect_sad12_shifts_avx2(a + y * W + x, b + y * W + x, W, sc);
        assert_memory_equal(sa, sb, sizeof(sa));
        assert_memory_equal(sa, sc, sizeof(sa));
        assert_int_equal(sa[N - 1], sp_detect_sad12_c(a + y * W + x, b + (y - S) * W + x - S, W));
    }
}

static void test_disk(void **state)
{
    enum { W = 100, R = 40 };
    static uint8_t pic[W * W];
    static float da[(2 * R + 1) * (2 * R + 1) + 7], db[(2 * R + 1) * (2 * R + 1) + 7];
    int span[2 * R + 1];
    uint32_t st = 6;

    (void)state;
    for (int round = 0; round < 400; round++) {
        int r = round % (R + 1), area_a, area_b, x = 50, y = 49;
        float sign = round % 2 ? 1.0f : -1.0f, sur = (float)(rnd(&st) % 2560) / 10.0f;
        float pa, pb, wa[3], wb[3], wm[3];
        for (int j = -r; j <= r; j++) {
            int i = 0;
            while ((i + 1) * (i + 1) + j * j <= r * r)
                i++;
            span[j + r] = i;
        }
        fill_bytes(pic, W * W, &st, round % 3 ? 256 : 10);
        memset(da, 0, sizeof(da));
        memset(db, 0, sizeof(db));
        pa = sp_detect_disk_dim_c(pic + y * W + x, W, span, r, sign, sur, da);
        pb = sp_detect_disk_dim(pic + y * W + x, W, span, r, sign, sur, db);
        assert_memory_equal(&pa, &pb, sizeof(pa));
        assert_memory_equal(da, db, sizeof(da));
        memset(db, 0, sizeof(db));
        pb = sp_detect_disk_dim_sse2(pic + y * W + x, W, span, r, sign, sur, db);
        assert_memory_equal(&pa, &pb, sizeof(pa));
        assert_memory_equal(da, db, sizeof(da));
        memset(db, 0, sizeof(db));
        pb = sp_detect_disk_dim_avx2(pic + y * W + x, W, span, r, sign, sur, db);
        assert_memory_equal(&pa, &pb, sizeof(pa));
        assert_memory_equal(da, db, sizeof(da));
        sp_detect_disk_sums_c(da, span, r, 0.5f * pa, x, y, &area_a, &wa[0], &wa[1], &wa[2]);
        sp_detect_disk_sums(da, span, r, 0.5f * pa, x, y, &area_b, &wb[0], &wb[1], &wb[2]);
        assert_int_equal(area_a, area_b);
        assert_memory_equal(wa, wb, sizeof(wa));
        /* the first look's sums: the same in every version, and within
         * gamma of the ordered ones (garbage past the disk, never read as
         * a sample) */
        {
            int nd = 0;
            for (int j = 0; j <= 2 * r; j++)
                nd += 2 * span[j] + 1;
            for (int k = nd; k < (2 * R + 1) * (2 * R + 1) + 7; k++)
                da[k] = 1e6f;
        }
        sp_detect_disk_moments_c(da, span, r, 0.5f * pa, x, y, &area_b, &wm[0], &wm[1], &wm[2]);
        assert_int_equal(area_a, area_b);
        for (int v = 0; v < 3; v++) {
            float wv[3];
            (v == 0 ? sp_detect_disk_moments : v == 1 ? sp_detect_disk_moments_sse2 :
             sp_detect_disk_moments_avx2)(da, span, r, 0.5f * pa, x, y, &area_b, &wv[0], &wv[1], &wv[2]);
            assert_int_equal(area_a, area_b);
            assert_memory_equal(wm, wv, sizeof(wm));
        }
        /* from the pixels: the same peak and count, the sums the same in
         * every version and within gamma of the ordered ones */
        {
            float wl[3], wv[3], pv;
            double k = 2.0 * area_a + 2 * r + 8, g = k * 0x1p-24 / (1 - k * 0x1p-24);
            pv = sp_detect_disk_look_c(pic + y * W + x, W, span, r, sign, sur, x, y, &area_b,
                                       &wl[0], &wl[1], &wl[2]);
            assert_memory_equal(&pa, &pv, sizeof(pa));
            assert_int_equal(area_a, area_b);
            for (int c = 0; c < 3; c++) {
                assert_true(wl[c] >= 0);
                assert_true(fabs((double)wa[c] - wl[c]) <= g * wl[c] + 1e-30);
            }
            for (int v = 0; v < 2; v++) {
                pv = (v ? sp_detect_disk_look_avx2 : sp_detect_disk_look)(pic + y * W + x, W, span,
                                                                         r, sign, sur, x, y,
                                                                         &area_b, &wv[0], &wv[1],
                                                                         &wv[2]);
                assert_memory_equal(&pa, &pv, sizeof(pa));
                assert_int_equal(area_a, area_b);
                assert_memory_equal(wl, wv, sizeof(wl));
            }
        }
        {
            double k = 2.0 * area_a + 2 * r + 8, g = k * 0x1p-24 / (1 - k * 0x1p-24);
            for (int c = 0; c < 3; c++) {
                assert_true(wa[c] >= 0 && wm[c] >= 0);
                assert_true(fabs((double)wa[c] - wm[c]) <= g * wm[c] + 1e-30);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_half_row),
        cmocka_unit_test(test_band_row),
        cmocka_unit_test(test_band_div),
        cmocka_unit_test(test_nonzero),
        cmocka_unit_test(test_quarter_means),
        cmocka_unit_test(test_dev32),
        cmocka_unit_test(test_dev32_floor),
        cmocka_unit_test(test_mid16),
        cmocka_unit_test(test_disk_minmax),
        cmocka_unit_test(test_closing),
        cmocka_unit_test(test_extrema),
        cmocka_unit_test(test_dots),
        cmocka_unit_test(test_ring_sads),
        cmocka_unit_test(test_sad12),
        cmocka_unit_test(test_sad12_shifts),
        cmocka_unit_test(test_float_helpers),
        cmocka_unit_test(test_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
