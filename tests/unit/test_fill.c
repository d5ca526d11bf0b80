/*
 * Unit tests of the fill stage against known content: a smooth gradient,
 * an edge through the hole, a texture shifted between frames from which
 * the temporal fill must recover the hidden samples exactly (8 and 16 bit,
 * 4:2:0 chroma, RGB), a periodic texture for the patch fill, a dimmed spot
 * whose attenuation the gain fill must divide out, and, always, nothing
 * changed outside the mask. The filter is driven through its internal
 * interface (slots and windows built here) and through the public API.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "filters/fill.h"
#include "src/internal.h"
#include "tests/support/frames.h"

extern const SpFilter sp_filter_fill;

#define MAXF 9

/* The fill alone, over a few frames held by the test. */
typedef struct Rig {
    SpFilterContext fc;
    SpLogger log;
    SpSettings st;
    SpSlot slots[MAXF];
    SpSlot *past[MAXF], *future[MAXF];
    int n;
} Rig;

static void rig_open(Rig *g, const char *const *opts)
{
    const char *const *o;

    memset(g, 0, sizeof(*g));
    sp_default_settings(&g->st);
    g->fc.filter = &sp_filter_fill;
    g->fc.log = &g->log;
    g->fc.settings = &g->st;
    g->fc.enabled = 1;
    g->fc.priv = calloc(1, sp_filter_fill.priv_size);
    assert_non_null(g->fc.priv);
    sp_options_defaults(g->fc.priv, sp_filter_fill.options);
    for (o = opts; o && *o; o++) {
        const SpOption *op;
        const char *eq = strchr(*o, '=');
        assert_non_null(eq);
        for (op = sp_filter_fill.options; op->name; op++)
            if (!strncmp(op->name, *o, eq - *o) && !op->name[eq - *o])
                break;
        assert_non_null(op->name);
        assert_int_equal(sp_option_set(g->fc.priv, op, eq + 1, &g->log), 0);
    }
    assert_int_equal(sp_filter_fill.init(&g->fc), 0);
}

/* Frame i of the rig. */
static void rig_add(Rig *g, SpFrame *f)
{
    if (!g->n)
        assert_int_equal(sp_filter_fill.config(&g->fc, f), 0);
    g->slots[g->n].frame = f;
    g->slots[g->n].index = g->n;
    f->index = g->n;
    g->n++;
}

/* A box region, fully defective, of the given kind. */
static void rig_region(Rig *g, int i, int x, int y, int w, int h, int kind)
{
    uint8_t *m;
    int r = sp_slot_add_region(&g->slots[i], x, y, w, h, kind, &m);

    assert_true(r >= 0);
    memset(m, 255, (size_t)w * h);
}

/* A dark region of track `track` in slot i over the box (x, y, w, h), its
 * mask the disc of radius r about (cx, cy), as a tracker marks a dust
 * shadow. */
static void rig_disc(Rig *g, int i, int x, int y, int w, int h, double cx, double cy,
                     double r, int track)
{
    uint8_t *m;
    int ri = sp_slot_add_region(&g->slots[i], x, y, w, h, SP_KIND_DARK, &m), u, v;

    assert_true(ri >= 0);
    g->slots[i].regions[ri].track = track;
    for (v = 0; v < h; v++)
        for (u = 0; u < w; u++)
            m[v * w + u] = (x + u - cx) * (x + u - cx) + (y + v - cy) * (y + v - cy) <= r * r
                           ? 255 : 0;
}

static void rig_process(Rig *g, int i)
{
    SpWindow w;
    int k;

    w.cur = &g->slots[i];
    w.nb_past = w.nb_future = 0;
    for (k = i - 1; k >= 0 && i - k <= g->fc.want_history; k--)
        g->past[w.nb_past++] = &g->slots[k];
    for (k = i + 1; k < g->n && k - i <= g->fc.want_lookahead; k++)
        g->future[w.nb_future++] = &g->slots[k];
    w.past = g->past;
    w.future = g->future;
    assert_int_equal(sp_filter_fill.process(&g->fc, &w), 0);
}

static void rig_close(Rig *g)
{
    int i;

    for (i = 0; i < g->n; i++) {
        tframe_free(g->slots[i].frame);
        free(g->slots[i].regions);
        free(g->slots[i].arena);
        free(g->slots[i].defects);
    }
    sp_filter_fill.uninit(&g->fc);
    free(g->fc.priv);
}

/* A detailed texture of the scene, 0..255, at integer scene coordinates. */
static int tex(int x, int y, int p)
{
    uint32_t h = (uint32_t)x * 73856093u ^ (uint32_t)y * 19349663u ^ (uint32_t)p * 83492791u;
    h ^= h >> 13;
    h *= 0x5bd1e995;
    h ^= h >> 15;
    return 20 + (int)(h % 216);
}

/* Frame k of a scene panning by (dx, dy) per frame: sample (x, y) of plane
 * p shows the scene at (x + k dx, y + k dy) (in that plane's samples);
 * the box (bx, by, bw, bh) of the sensor is dead (0) in every frame. */
static SpFrame *pan_frame(int W, int H, int depth, int color, int k, int dx,
                          int dy, int bx, int by, int bw, int bh)
{
    int ss = color == SP_COLOR_YUV;
    SpFrame *f = tframe_new(W, H, depth, color, ss, ss, 3, 0, NULL);
    int p, x, y;

    assert_non_null(f);
    for (p = 0; p < 3; p++) {
        int s = p && ss;
        for (y = 0; y < sp_plane_height(f, p); y++)
            for (x = 0; x < sp_plane_width(f, p); x++) {
                int lx = x << s, ly = y << s;
                int v = tex(x + ((k * dx) >> s), y + ((k * dy) >> s), p)
                        << (depth - 8);
                if (lx >= (bx & ~s) && lx < bx + bw && ly >= (by & ~s) && ly < by + bh)
                    v = 0;
                sp_put(f, p, x, y, v);
            }
    }
    return f;
}

/* Is sample (x, y) of plane p under the box (in luma pixels)? */
static int under(const SpFrame *f, int p, int x, int y, int bx, int by, int bw, int bh)
{
    int sx = sp_plane_ss_x(f, p), sy = sp_plane_ss_y(f, p);
    int x0 = bx >> sx, y0 = by >> sy, x1 = (bx + bw - 1) >> sx, y1 = (by + bh - 1) >> sy;

    return x >= x0 && x <= x1 && y >= y0 && y <= y1;
}

/* Run a panning texture through the fill and check the middle frame: every
 * hidden sample recovered within tol, nothing else changed. */
static void check_pan(int depth, int color, const char *method, int ahead,
                      int tol, int expect_fill)
{
    enum { W = 96, H = 80, N = 7, BX = 40, BY = 30, BW = 7, BH = 6, DX = 4, DY = 2 };
    const char *opts[] = { method, NULL };
    Rig g;
    SpFrame *ref;
    int k, p, x, y, mid = N / 2, bad = 0, worst = 0;

    rig_open(&g, opts);
    for (k = 0; k < N; k++) {
        rig_add(&g, pan_frame(W, H, depth, color, k, DX, DY, BX, BY, BW, BH));
        if (ahead || k <= mid)
            rig_region(&g, k, BX, BY, BW, BH, SP_KIND_USER);
    }
    ref = tframe_copy(g.slots[mid].frame);
    for (k = 0; k <= mid; k++)
        rig_process(&g, k);
    for (p = 0; p < 3; p++) {
        int s = p && color == SP_COLOR_YUV;
        for (y = 0; y < sp_plane_height(ref, p); y++)
            for (x = 0; x < sp_plane_width(ref, p); x++) {
                int got = sp_get(g.slots[mid].frame, p, x, y);
                if (under(ref, p, x, y, BX, BY, BW, BH)) {
                    int want = tex(x + ((mid * DX) >> s), y + ((mid * DY) >> s), p)
                               << (depth - 8);
                    int e = abs(got - want) >> (depth - 8);
                    worst = e > worst ? e : worst;
                    bad += e > tol;
                } else {
                    assert_int_equal(got, sp_get(ref, p, x, y));
                }
            }
    }
    if (bad)
        print_message("%d samples off by more than %d (worst %d)\n", bad, tol, worst);
    assert_int_equal(bad, 0);
    assert_int_equal(g.slots[mid].regions[0].fill, expect_fill);
    tframe_free(ref);
    rig_close(&g);
}

static void test_temporal_8bit_420(void **state)
{
    check_pan(8, SP_COLOR_YUV, "fill=temporal", 1, 0, SP_FILL_TEMPORAL);
}

/* Future frames' regions not known yet (a detector that decides late). */
static void test_temporal_late_regions(void **state)
{
    check_pan(8, SP_COLOR_YUV, "fill=temporal", 0, 0, SP_FILL_TEMPORAL);
}

static void test_temporal_16bit_420(void **state)
{
    check_pan(16, SP_COLOR_YUV, "fill=temporal", 1, 0, SP_FILL_TEMPORAL);
}

static void test_temporal_10bit_rgb(void **state)
{
    check_pan(10, SP_COLOR_RGB, "fill=temporal", 1, 0, SP_FILL_TEMPORAL);
}

/* auto blends in the spatial fill only as far as it predicts the ring:
 * on this texture, hardly at all. */
static void test_auto_on_texture(void **state)
{
    check_pan(8, SP_COLOR_YUV, "fill=auto", 1, 1, SP_FILL_TEMPORAL);
}

/* Sub-pixel motion: a smooth texture moving by 2.5 pixels a frame; the
 * hidden samples come back within a few levels. */
static void test_temporal_subpixel(void **state)
{
    enum { W = 64, H = 48, N = 7, BX = 28, BY = 20, BW = 5, BH = 5 };
    const char *opts[] = { "fill=temporal", NULL };
    Rig g;
    int k, x, y, mid = N / 2, worst = 0;
    double err = 0;

    rig_open(&g, opts);
    for (k = 0; k < N; k++) {
        SpFrame *f = tframe_new(W, H, 8, SP_COLOR_GRAY, 0, 0, 1, 0, NULL);
        for (y = 0; y < H; y++)
            for (x = 0; x < W; x++) {
                /* a smooth-ish texture sampled at x + k/2 */
                double X = x + k * 2.5, Y = y;
                int v = (int)(128 + 50 * sin(X * 0.9) * cos(Y * 0.7) +
                              30 * sin(X * 0.37 + Y * 0.51) + 0.5);
                if (x >= BX && x < BX + BW && y >= BY && y < BY + BH)
                    v = 0;
                sp_put(f, 0, x, y, v);
            }
        rig_add(&g, f);
        rig_region(&g, k, BX, BY, BW, BH, SP_KIND_USER);
    }
    for (k = 0; k <= mid; k++)
        rig_process(&g, k);
    for (y = BY; y < BY + BH; y++)
        for (x = BX; x < BX + BW; x++) {
            double X = x + mid * 2.5, Y = y;
            int want = (int)(128 + 50 * sin(X * 0.9) * cos(Y * 0.7) +
                             30 * sin(X * 0.37 + Y * 0.51) + 0.5);
            int e = abs(sp_get(g.slots[mid].frame, 0, x, y) - want);
            worst = e > worst ? e : worst;
            err += e;
        }
    print_message("sub-pixel: mean error %.2f, worst %d\n", err / (BW * BH), worst);
    assert_true(err / (BW * BH) <= 1.5);
    assert_true(worst <= 4);
    rig_close(&g);
}

/* A gentle ramp with a little grain (0..3 levels), panning by (4, 2) a
 * frame: the spatial fill predicts a small hole's ring within one or two
 * levels, the neighbour frames exactly. */
static int grain(int x, int y)
{
    return 60 + x + y / 2 + tex(x, y, 0) % 4;
}

/* auto on that scene: a few stray pixels (a hot 3x3 box) are rebuilt from
 * their neighbours, without the search of the neighbour frames; a dark
 * spot of the same size gets the temporal fill. */
static void test_auto_stray_pixels(void **state)
{
    enum { W = 80, H = 64, N = 7, DX = 4, DY = 2, B = 3, HX = 20, HY = 20, DKX = 50, DKY = 36 };
    Rig g;
    int k, x, y, mid = N / 2;

    rig_open(&g, NULL);
    for (k = 0; k < N; k++) {
        SpFrame *f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 128, NULL);
        assert_non_null(f);
        for (y = 0; y < H; y++)
            for (x = 0; x < W; x++) {
                int v = grain(x + k * DX, y + k * DY);
                if (x >= HX && x < HX + B && y >= HY && y < HY + B)
                    v = 250;
                if (x >= DKX && x < DKX + B && y >= DKY && y < DKY + B)
                    v = 10;
                sp_put(f, 0, x, y, v);
            }
        rig_add(&g, f);
        rig_region(&g, k, HX, HY, B, B, SP_KIND_HOT);
        rig_region(&g, k, DKX, DKY, B, B, SP_KIND_DARK);
    }
    for (k = 0; k <= mid; k++)
        rig_process(&g, k);
    for (y = 0; y < B; y++)
        for (x = 0; x < B; x++) {
            int got = sp_get(g.slots[mid].frame, 0, HX + x, HY + y);
            int want = grain(HX + x + mid * DX, HY + y + mid * DY);
            if (abs(got - want) > 4)
                fail_msg("(%d, %d): %d, want %d", HX + x, HY + y, got, want);
            got = sp_get(g.slots[mid].frame, 0, DKX + x, DKY + y);
            want = grain(DKX + x + mid * DX, DKY + y + mid * DY);
            if (abs(got - want) > 4)
                fail_msg("(%d, %d): %d, want %d", DKX + x, DKY + y, got, want);
        }
    assert_int_equal(g.slots[mid].regions[0].fill, SP_FILL_SPATIAL);
    assert_int_equal(g.slots[mid].regions[1].fill, SP_FILL_TEMPORAL);
    rig_close(&g);
}

/* A still scene (a smooth ramp) in N frames with a bright 5x5 box at
 * (30, 20) in every one; still_ramp_check() asserts that frame k's box holds
 * the ramp again, filled spatially. */
enum { ST_W = 64, ST_H = 48, ST_N = 5, ST_BX = 30, ST_BY = 20, ST_B = 5 };

static int still_ramp(int x, int y)
{
    return 40 + x * x / 16 + y;
}

static void still_ramp_frames(Rig *g)
{
    int k, x, y;

    for (k = 0; k < ST_N; k++) {
        SpFrame *f = tframe_new(ST_W, ST_H, 8, SP_COLOR_YUV, 1, 1, 3, 128, NULL);
        for (y = 0; y < ST_H; y++)
            for (x = 0; x < ST_W; x++)
                sp_put(f, 0, x, y, x >= ST_BX && x < ST_BX + ST_B &&
                       y >= ST_BY && y < ST_BY + ST_B ? 250 : still_ramp(x, y));
        rig_add(g, f);
    }
}

static void still_ramp_check(Rig *g, int k)
{
    int x, y;

    for (y = ST_BY; y < ST_BY + ST_B; y++)
        for (x = ST_BX; x < ST_BX + ST_B; x++)
            if (abs(sp_get(g->slots[k].frame, 0, x, y) - still_ramp(x, y)) > 2)
                fail_msg("(%d, %d): %d, want %d", x, y, sp_get(g->slots[k].frame, 0, x, y),
                         still_ramp(x, y));
    assert_int_equal(g->slots[k].regions[0].fill, SP_FILL_SPATIAL);
}

/* A static scene: no motion uncovers the spot, so the temporal fill must
 * refuse and leave it to the spatial fill (here, of a smooth curved ramp,
 * which no displacement maps onto itself). */
static void test_static_falls_back(void **state)
{
    Rig g;
    int k, mid = ST_N / 2;

    rig_open(&g, NULL);
    still_ramp_frames(&g);
    for (k = 0; k < ST_N; k++)
        rig_region(&g, k, ST_BX, ST_BY, ST_B, ST_B, SP_KIND_USER);
    for (k = 0; k <= mid; k++)
        rig_process(&g, k);
    still_ramp_check(&g, mid);
    rig_close(&g);
}

/* A defect found late: the past frames show it too, at the same place,
 * but have no region of it (the detector had not confirmed it yet). A
 * still camera matches them at no displacement; the temporal fill must not
 * copy the defect back from them, and leaves the hole to the spatial
 * fill. */
static void test_late_found_not_copied(void **state)
{
    const char *opts[] = { "fill=temporal", NULL };
    Rig g;
    int k, mid = ST_N - 1;

    rig_open(&g, opts);
    still_ramp_frames(&g);
    rig_region(&g, mid, ST_BX, ST_BY, ST_B, ST_B, SP_KIND_DARK);
    for (k = 0; k <= mid; k++)
        rig_process(&g, k);
    still_ramp_check(&g, mid);
    rig_close(&g);
}

/* A vertical edge through the hole stays sharp (8-bit gray, one frame). */
static void test_spatial_edge(void **state)
{
    enum { W = 40, H = 32, BX = 16, BY = 12, BW = 6, BH = 6 };
    const char *opts[] = { "fill=spatial", NULL };
    Rig g;
    SpFrame *f = tframe_new(W, H, 8, SP_COLOR_GRAY, 0, 0, 1, 0, NULL);
    int x, y;

    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            sp_put(f, 0, x, y, x >= BX && x < BX + BW && y >= BY && y < BY + BH
                   ? 255 : x < 19 ? 30 : 200);
    rig_open(&g, opts);
    rig_add(&g, f);
    rig_region(&g, 0, BX, BY, BW, BH, SP_KIND_DEAD);
    rig_process(&g, 0);
    for (y = BY; y < BY + BH; y++)
        for (x = BX; x < BX + BW; x++)
            assert_int_equal(sp_get(f, 0, x, y), x < 19 ? 30 : 200);
    rig_close(&g);
}

/* A periodic texture: the patch fill finds an exemplar in the surround and
 * restores the hole exactly. */
static void test_patch_periodic(void **state)
{
    enum { W = 64, H = 64, BX = 26, BY = 28, BW = 7, BH = 7 };
    const char *opts[] = { "fill=patch", NULL };
    Rig g;
    SpFrame *f = tframe_new(W, H, 8, SP_COLOR_GRAY, 0, 0, 1, 0, NULL);
    int x, y;

    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            sp_put(f, 0, x, y, x >= BX && x < BX + BW && y >= BY && y < BY + BH
                   ? 0 : tex(x % 5, y % 6, 0));
    rig_open(&g, opts);
    rig_add(&g, f);
    rig_region(&g, 0, BX, BY, BW, BH, SP_KIND_USER);
    rig_process(&g, 0);
    for (y = BY; y < BY + BH; y++)
        for (x = BX; x < BX + BW; x++)
            if (sp_get(f, 0, x, y) != tex(x % 5, y % 6, 0))
                fail_msg("(%d, %d): %d, want %d", x, y, sp_get(f, 0, x, y), tex(x % 5, y % 6, 0));
    assert_int_equal(g.slots[0].regions[0].fill, SP_FILL_PATCH);
    rig_close(&g);
}

/* A dust shadow on a static scene: a ramp with a fine grain (+-10
 * levels), which no motion uncovers and which the spatial fill smooths
 * away; dividing the attenuation out keeps the grain. The spot is a soft
 * disc (depth 0.6, radius 3 pixels) on 8-bit 4:2:0, chroma dimmed towards
 * its neutral value by the mean attenuation of the pixels it covers. */
static double dust_tex(int x, int y, int p)
{
    if (p)
        return 128 + 20 * sin(x * 0.2 + p) + (tex(x, y, p) - 128) / 12;
    return 90 + 0.8 * x + 0.5 * y + (tex(x, y, 0) - 128) / 10.8;
}

static double dust_att(double x, double y)
{
    double d2 = ((x - 40.3) * (x - 40.3) + (y - 30.6) * (y - 30.6)) / 9.0;
    return 1 - 0.6 * exp(-d2 * d2);
}

static double run_dust(const char *method, double max_mean, int expect_fill)
{
    enum { W = 80, H = 64, N = 5, BX = 34, BY = 24, BW = 13, BH = 13 };
    const char *opts[] = { method, NULL };
    Rig g;
    int k, p, x, y, mid = N / 2;
    double err = 0, err0 = 0;
    long cnt = 0;

    rig_open(&g, opts);
    for (k = 0; k < N; k++) {
        SpFrame *f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 0, NULL);
        for (p = 0; p < 3; p++)
            for (y = 0; y < sp_plane_height(f, p); y++)
                for (x = 0; x < sp_plane_width(f, p); x++) {
                    double a, o = p ? 128 : 16;
                    if (p)
                        a = (dust_att(2 * x, 2 * y) + dust_att(2 * x + 1, 2 * y) +
                             dust_att(2 * x, 2 * y + 1) + dust_att(2 * x + 1, 2 * y + 1)) / 4;
                    else
                        a = dust_att(x, y);
                    sp_put(f, p, x, y, (int)lrint(o + a * (dust_tex(x, y, p) - o)));
                }
        rig_add(&g, f);
        /* the mask: a disc of radius 1.6 rho + 1, as a tracker marks it */
        rig_disc(&g, k, BX, BY, BW, BH, 40.3, 30.6, 5.8, 7);
    }
    for (k = 0; k <= mid; k++)
        rig_process(&g, k);
    for (y = BY; y < BY + BH; y++)
        for (x = BX; x < BX + BW; x++) {
            double a = dust_att(x, y);
            if (a > 0.97)
                continue;
            err += fabs(sp_get(g.slots[mid].frame, 0, x, y) - dust_tex(x, y, 0));
            err0 += fabs(16 + a * (dust_tex(x, y, 0) - 16) - dust_tex(x, y, 0));
            cnt++;
        }
    print_message("%s: mean error %.2f (untouched %.2f), gain %.2f\n", method,
                  err / cnt, err0 / cnt, g.slots[mid].regions[0].gain);
    assert_true(err / cnt <= max_mean);
    assert_int_equal(g.slots[mid].regions[0].fill, expect_fill);
    if (expect_fill == SP_FILL_GAIN)
        assert_true(fabs(g.slots[mid].regions[0].gain - 0.4) < 0.05);
    rig_close(&g);
    return err / cnt;
}

/* The grain comes back within a couple of levels (the attenuation is
 * fitted against the spatial fill, the only reference a static scene
 * offers), at well under the spatial fill's error. */
static void test_gain_dust(void **state)
{
    double eg = run_dust("fill=gain", 2.8, SP_FILL_GAIN);
    double es = run_dust("fill=spatial", 100, SP_FILL_SPATIAL);

    assert_true(eg < 0.6 * es);
}

static void test_auto_dust(void **state)
{
    run_dust("fill=auto", 2.8, SP_FILL_GAIN);
}

/* A deep dust shadow (depth 0.85, radius 3) on a flat grainy area beside
 * a brighter one, a soft edge (50 levels over about 6 px) whose middle
 * passes 5 px from the spot's centre, through the mask's rim, on a static
 * scene: the spatial fill's guess carries the bright side into the hole.
 * Fitted against that guess as it is, the shadow's rim was divided out
 * too bright (mean error 2.18 levels); against the guess corrected by the
 * plane of its error that the samples outside the shadow show, 1.29. */
static double edge_tex(int x, int y)
{
    double d = ((x - 40.3) - (y - 30.6)) / sqrt(2) - 5;

    return 70 + 50 / (1 + exp(-d)) + (tex(x, y, 0) - 128) / 36.0;
}

static double deep_att(double x, double y)
{
    double d2 = ((x - 40.3) * (x - 40.3) + (y - 30.6) * (y - 30.6)) / 9.0;
    return 1 - 0.85 * exp(-d2 * d2);
}

static void test_gain_guess_edge(void **state)
{
    enum { W = 80, H = 64, N = 5, BX = 34, BY = 24, BW = 13, BH = 13 };
    const char *opts[] = { "fill=gain", NULL };
    Rig g;
    int k, x, y, mid = N / 2;
    double err = 0, err0 = 0;
    long cnt = 0;

    rig_open(&g, opts);
    for (k = 0; k < N; k++) {
        SpFrame *f = tframe_new(W, H, 8, SP_COLOR_GRAY, 0, 0, 1, 0, NULL);
        for (y = 0; y < H; y++)
            for (x = 0; x < W; x++)
                sp_put(f, 0, x, y, (int)lrint(deep_att(x, y) * edge_tex(x, y)));
        rig_add(&g, f);
        rig_disc(&g, k, BX, BY, BW, BH, 40.3, 30.6, 5.8, 7);
    }
    for (k = 0; k <= mid; k++)
        rig_process(&g, k);
    for (y = BY; y < BY + BH; y++)
        for (x = BX; x < BX + BW; x++) {
            double a = deep_att(x, y), v = edge_tex(x, y);
            if (a > 0.97)
                continue;
            err += fabs(sp_get(g.slots[mid].frame, 0, x, y) - v);
            err0 += fabs(a * v - v);
            cnt++;
        }
    print_message("guess by an edge: mean error %.2f (untouched %.2f), fill %d, gain %.2f\n",
                  err / cnt, err0 / cnt, g.slots[mid].regions[0].fill,
                  g.slots[mid].regions[0].gain);
    assert_int_equal(g.slots[mid].regions[0].fill, SP_FILL_GAIN);
    assert_true(err / cnt < 1.6);
    rig_close(&g);
}

/* A dust shadow (the same spot) over a scene that pans for four frames,
 * then stands still with a dark line through the spot: in the still
 * frames no neighbour shows what the spot hides, and the spatial fill's
 * guess of it, which takes the line for background, is no measure of the
 * spot's depth. The depth seen while the neighbours showed the content
 * is kept: the last frame comes back within a few levels, far under its
 * untouched error (a fill that broke the line, or divided the line out as
 * if it were the shadow, made it worse than untouched). */
static double line_tex(int x, int y, int k)
{
    int off = k < 4 ? 6 * k : 18;
    double xs = x + off, d = y - 0.5 * xs - 1.45;

    return (fabs(d) < 1.6 ? 50 : 170) + (tex(x + off, y, 0) - 128) / 10.8;
}

static void test_gain_seen_depth(void **state)
{
    enum { W = 80, H = 64, N = 9, BX = 34, BY = 24, BW = 13, BH = 13 };
    const char *opts[] = { "fill=auto", "fill-frames=2", NULL };
    Rig g;
    int k, p, x, y;
    double err = 0, err0 = 0;
    long cnt = 0;

    rig_open(&g, opts);
    for (k = 0; k < N; k++) {
        SpFrame *f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 0, NULL);
        for (p = 0; p < 3; p++)
            for (y = 0; y < sp_plane_height(f, p); y++)
                for (x = 0; x < sp_plane_width(f, p); x++) {
                    if (p)
                        sp_put(f, p, x, y, 128);
                    else
                        sp_put(f, 0, x, y, (int)lrint(16 + dust_att(x, y) *
                                                      (line_tex(x, y, k) - 16)));
                }
        rig_add(&g, f);
        rig_disc(&g, k, BX, BY, BW, BH, 40.3, 30.6, 5.8, 7);
    }
    for (k = 0; k < N; k++)
        rig_process(&g, k);
    for (y = BY; y < BY + BH; y++)
        for (x = BX; x < BX + BW; x++) {
            double a = dust_att(x, y), v = line_tex(x, y, N - 1);
            if (a > 0.97)
                continue;
            err += fabs(sp_get(g.slots[N - 1].frame, 0, x, y) - v);
            err0 += fabs(16 + a * (v - 16) - v);
            cnt++;
        }
    print_message("seen depth: mean error %.2f (untouched %.2f), fill %d, gain %.2f\n",
                  err / cnt, err0 / cnt, g.slots[N - 1].regions[0].fill,
                  g.slots[N - 1].regions[0].gain);
    assert_true(err / cnt < 0.3 * err0 / cnt);
    assert_int_equal(g.slots[N - 1].regions[0].fill, SP_FILL_GAIN);
    rig_close(&g);
}

/* A small dust shadow (radius 2, depth 0.6) on a texture that pans by 8
 * pixels a frame, with a level of noise per frame, under a tracker's mask
 * that reaches well past it (a disc of radius 7.5 about a centre a pixel
 * off the spot's), healed by the gain fill. The spot is repaired; where
 * the fitted shadow does not reach, the samples stay as they were (the
 * temporal estimate averaged into the division moved 31 of 113 by the
 * noise). */
static double pan_att(double x, double y)
{
    double d2 = ((x - 30.4) * (x - 30.4) + (y - 24.2) * (y - 24.2)) / 4.0;
    return 1 - 0.6 * exp(-d2 * d2);
}

static double pan_val(int x, int y, int k)
{
    return 40 + tex(x + 8 * k, y, 0) / 2 + tex(x, y, k + 5) % 5 - 2;
}

/* The mask: a disc of radius 7.5 about (31.4, 24.8) */
#define PAN_MCX 31.4
#define PAN_MCY 24.8
#define PAN_MR 7.5

/* The pan's spot under its mask over nb frames, the frame mid healed with
 * opts (a fill chosen or not): healed with the fill expected, the spot
 * repaired (its mean error under 30 % of the untouched one's) and none of
 * the mask's samples that far() names (more than 60) changed. */
typedef struct PanSpot {
    int fill, moved, n;
    double err, err0;
} PanSpot;

static void run_pan_spot(const char **opts, int nb, int mid, int (*far)(int x, int y),
                         int fill)
{
    PanSpot sp, *ps = &sp;
    enum { W = 64, H = 48, BX = 21, BY = 15, BW = 18, BH = 18 };
    Rig g;
    SpFrame *ref;
    int k, p, x, y;
    long cnt = 0;

    memset(ps, 0, sizeof(*ps));
    rig_open(&g, opts);
    for (k = 0; k < nb; k++) {
        SpFrame *f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 0, NULL);
        for (p = 0; p < 3; p++)
            for (y = 0; y < sp_plane_height(f, p); y++)
                for (x = 0; x < sp_plane_width(f, p); x++)
                    sp_put(f, p, x, y, p ? 128 : (int)lrint(16 + pan_att(x, y) *
                                                            (pan_val(x, y, k) - 16)));
        rig_add(&g, f);
        rig_disc(&g, k, BX, BY, BW, BH, PAN_MCX, PAN_MCY, PAN_MR, 3);
    }
    ref = tframe_copy(g.slots[mid].frame);
    for (k = 0; k <= mid; k++)
        rig_process(&g, k);
    for (y = BY; y < BY + BH; y++)
        for (x = BX; x < BX + BW; x++) {
            double d2 = (x - PAN_MCX) * (x - PAN_MCX) + (y - PAN_MCY) * (y - PAN_MCY);
            double a = pan_att(x, y);
            int got = sp_get(g.slots[mid].frame, 0, x, y);
            if (d2 > PAN_MR * PAN_MR)
                continue;
            if (a < 0.97) {
                ps->err += fabs(got - pan_val(x, y, mid));
                ps->err0 += fabs(16 + a * (pan_val(x, y, mid) - 16) - pan_val(x, y, mid));
                cnt++;
            } else if (far(x, y)) {
                ps->n++;
                ps->moved += got != sp_get(ref, 0, x, y);
            }
        }
    ps->err /= cnt;
    ps->err0 /= cnt;
    ps->fill = g.slots[mid].regions[0].fill;
    print_message("%d of %d samples the shadow misses moved; spot error %.2f (untouched %.2f), "
                  "fill %d\n", ps->moved, ps->n, ps->err, ps->err0, ps->fill);
    assert_int_equal(ps->fill, fill);
    assert_true(ps->n > 60);
    assert_int_equal(ps->moved, 0);
    assert_true(ps->err < 0.3 * ps->err0);
    tframe_free(ref);
    rig_close(&g);
}

/* where the shadow is 1 and 4.5 px or more from the mask's centre */
static int far_from_mask_centre(int x, int y)
{
    double d2 = (x - PAN_MCX) * (x - PAN_MCX) + (y - PAN_MCY) * (y - PAN_MCY);

    return pan_att(x, y) > 0.9999 && d2 > 4.5 * 4.5;
}

/* 5 px or more from the spot's centre */
static int far_from_spot(int x, int y)
{
    return (x - 30.4) * (x - 30.4) + (y - 24.2) * (y - 24.2) > 5.0 * 5.0;
}

static void test_gain_leaves_unreached(void **state)
{
    const char *opts[] = { "fill=gain", NULL };

    run_pan_spot(opts, 5, 2, far_from_mask_centre, SP_FILL_GAIN);
}

/* The same spot and mask under fill=auto: the neighbour frames show what
 * the spot hides, so the temporal fill heals it, and the track's seen
 * model (fitted every other frame) tells where its shadow ends: the
 * samples of the mask it does not reach keep their values (the temporal
 * fill alone moved 83 of the 98 more than 5 px from the spot, by the
 * texture's noise from frame to frame). */
static void test_temporal_leaves_unreached(void **state)
{
    run_pan_spot(NULL, 9, 5, far_from_spot, SP_FILL_TEMPORAL);
}

/* Through the public API: a user mask over a panning texture, fill=auto;
 * every frame comes back with the hidden samples recovered (the first and
 * last have neighbours on one side only) and nothing else changed; the
 * defect records name the temporal fill. */
static void test_api_pan(void **state)
{
    enum { W = 96, H = 64, N = 8, BX = 50, BY = 24, BW = 6, BH = 5, DX = 2, DY = 2 };
    const char *opts[] = { "fill=auto", "detect=none", NULL };
    uint8_t mask[W * H];
    SpFrame *refs[N], *out;
    SpSettings s;
    SpContext *ctx = NULL;
    int k, got = 0, ret, p, x, y;

    memset(mask, 0, sizeof(mask));
    for (y = BY; y < BY + BH; y++)
        memset(&mask[y * W + BX], 255, BW);
    sp_default_settings(&s);
    s.mask = mask;
    s.mask_width = W;
    s.mask_height = H;
    s.mask_stride = W;
    s.options = opts;
    assert_int_equal(sp_open(&ctx, &s), 0);
    for (k = 0; k <= N; k++) {
        if (k < N) {
            SpFrame *f = pan_frame(W, H, 8, SP_COLOR_YUV, k, DX, DY, BX, BY, BW, BH);
            refs[k] = tframe_copy(f);
            while ((ret = sp_send_frame(ctx, f)) == -EAGAIN)
                fail_msg("the ring refused a frame with none to receive");
            assert_int_equal(ret, 0);
        } else {
            assert_int_equal(sp_send_frame(ctx, NULL), 0);
        }
        while ((ret = sp_receive_frame(ctx, &out)) == 0) {
            const SpDefect *d;
            int nb, n = (int)out->index;
            assert_int_equal(n, got);
            for (p = 0; p < 3; p++)
                for (y = 0; y < sp_plane_height(out, p); y++)
                    for (x = 0; x < sp_plane_width(out, p); x++) {
                        int v = sp_get(out, p, x, y), s1 = p > 0;
                        if (under(out, p, x, y, BX, BY, BW, BH))
                            assert_true(abs(v - tex(x + ((n * DX) >> s1),
                                                    y + ((n * DY) >> s1), p)) <= 1);
                        else
                            assert_int_equal(v, sp_get(refs[n], p, x, y));
                    }
            assert_int_equal(sp_frame_defects(ctx, out, &d, &nb), 0);
            assert_int_equal(nb, 1);
            assert_int_equal(d[0].fill, SP_FILL_TEMPORAL);
            got++;
        }
    }
    assert_int_equal(got, N);
    sp_close(&ctx);
    for (k = 0; k < N; k++)
        tframe_free(refs[k]);
}

/* A user mask of scattered pieces becomes one region per piece (pixels
 * within 2 of each other join), each with its own box. */
static void test_mask_pieces(void **state)
{
    enum { W = 200, H = 120 };
    uint8_t mask[W * H];
    const char *opts[] = { "fill=spatial", "detect=none", NULL };
    SpSettings s;
    SpContext *ctx = NULL;
    SpFrame *f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 100, NULL), *out;
    const SpDefect *d;
    int nb, i, seen = 0;

    memset(mask, 0, sizeof(mask));
    mask[10 * W + 10] = 255;                 /* a dead pixel */
    mask[10 * W + 12] = 255;                 /* 2 px away: same piece */
    mask[100 * W + 180] = 255;               /* far away: its own */
    for (i = 0; i < 4; i++)
        mask[(50 + i) * W + 60 + i] = 255;   /* a diagonal scratch */
    sp_default_settings(&s);
    s.mask = mask;
    s.mask_width = W;
    s.mask_height = H;
    s.mask_stride = W;
    s.options = opts;
    assert_int_equal(sp_open(&ctx, &s), 0);
    assert_int_equal(sp_send_frame(ctx, f), 0);
    assert_int_equal(sp_send_frame(ctx, NULL), 0);
    assert_int_equal(sp_receive_frame(ctx, &out), 0);
    assert_int_equal(sp_frame_defects(ctx, out, &d, &nb), 0);
    assert_int_equal(nb, 3);
    for (i = 0; i < nb; i++) {
        if (d[i].x == 10 && d[i].y == 10 && d[i].w == 3 && d[i].h == 1 && d[i].area == 2)
            seen |= 1;
        if (d[i].x == 180 && d[i].y == 100 && d[i].w == 1 && d[i].h == 1)
            seen |= 2;
        if (d[i].x == 60 && d[i].y == 50 && d[i].w == 4 && d[i].h == 4 && d[i].area == 4)
            seen |= 4;
    }
    assert_int_equal(seen, 7);
    sp_close(&ctx);
}

/* Regions at and past the picture's edges, one with a soft edge: every
 * method keeps to the picture and to the mask (16-bit 4:2:0). */
static void test_border_regions(void **state)
{
    static const char *const methods[] = {
        "fill=auto", "fill=temporal", "fill=spatial", "fill=patch", "fill=gain",
    };
    enum { W = 64, H = 48, N = 5 };
    int mi, k, p, x, y;

    for (mi = 0; mi < 5; mi++) {
        const char *opts[] = { methods[mi], NULL };
        SpFrame *ref;
        Rig g;
        rig_open(&g, opts);
        for (k = 0; k < N; k++) {
            uint8_t *m;
            int ri;
            rig_add(&g, pan_frame(W, H, 16, SP_COLOR_YUV, k, 2, 2, 0, 0, 0, 0));
            rig_region(&g, k, -2, -3, 6, 7, SP_KIND_DARK);
            rig_region(&g, k, W - 3, H - 2, 5, 5, SP_KIND_HOT);
            ri = sp_slot_add_region(&g.slots[k], 20, 20, 4, 4, SP_KIND_USER, &m);
            assert_true(ri >= 0);
            memset(m, 128, 16); /* half defective */
        }
        ref = tframe_copy(g.slots[N / 2].frame);
        for (k = 0; k <= N / 2; k++)
            rig_process(&g, k);
        for (p = 0; p < 3; p++)
            for (y = 0; y < sp_plane_height(ref, p); y++)
                for (x = 0; x < sp_plane_width(ref, p); x++)
                    if (!under(ref, p, x, y, 0, 0, 4, 4) &&
                        !under(ref, p, x, y, W - 3, H - 2, 3, 2) &&
                        !under(ref, p, x, y, 20, 20, 4, 4))
                        assert_int_equal(sp_get(g.slots[N / 2].frame, p, x, y),
                                         sp_get(ref, p, x, y));
        assert_true(g.slots[N / 2].frame->touched_x >= 0 &&
                    g.slots[N / 2].frame->touched_x + g.slots[N / 2].frame->touched_w <= W);
        tframe_free(ref);
        rig_close(&g);
    }
}

/* A small deterministic generator for the kernel checks. */
static uint32_t rnd(uint32_t *st)
{
    *st = *st * 1664525u + 1013904223u;
    return *st >> 8;
}

/* Threads: the same frames filled with 1, 2, 3 and 4 workers come out the
 * same, every sample of every plane of every frame. The scene pans in its
 * left half, in bands that move each their own way (the displacement
 * predictions depend on the order of the regions), and stands still in
 * its right half, under many regions: a
 * grid of user dots, some a pixel apart, some in each other's rings, some
 * overlapping; tracked dimming spots on the still half (the gain fill and
 * its per-track models); larger boxes on the texture (patch candidates);
 * bad pixels. Each frame's regions are those of a camera's defects, the
 * same in every frame. */
enum { TW = 320, TH = 192, TN = 7 };

static double threads_att(int x, int y, int cx, int cy)
{
    double d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / 9.0;
    return 1 - 0.55 * exp(-d2 * d2);
}

static void threads_regions(SpSlot *slot, int *counts)
{
    uint8_t *m;
    int i, j, x, y, r;

    /* user dots of 3x3 to 5x5: a grid, most far enough apart to be
     * filled at once, some nearer (their rings overlap), rows
     * alternately shifted, plus pairs a pixel apart and overlapping
     * boxes */
    for (j = 0; j < 9; j++)
        for (i = 0; i < 14; i++) {
            int bx = 6 + i * 22 + (j & 1) * 5 - (i % 5 == 4) * 12, by = 5 + j * 21;
            int w = 3 + (i + j) % 3, h = 3 + (i * j) % 3;
            if (bx + w >= TW - 2 || by + h >= TH - 2)
                continue;
            r = sp_slot_add_region(slot, bx, by, w, h, SP_KIND_USER, &m);
            assert_true(r >= 0);
            memset(m, 255, (size_t)w * h);
            /* more tracks than the gain fill keeps models of */
            slot->regions[r].track = 100 + j * 20 + i;
            if ((i + j) % 4 == 0) {
                /* a neighbour a pixel to the right, and one overlapping */
                r = sp_slot_add_region(slot, bx + w + 1, by, 2, h, SP_KIND_USER, &m);
                assert_true(r >= 0);
                memset(m, 255, (size_t)2 * h);
                r = sp_slot_add_region(slot, bx + 1, by + 1, w, h, SP_KIND_BRIGHT, &m);
                assert_true(r >= 0);
                for (y = 0; y < h; y++)
                    for (x = 0; x < w; x++)
                        m[y * w + x] = (x + y) & 1 ? 255 : 128;
            }
            counts[0]++;
        }
    /* tracked dimming spots on the still half */
    for (i = 0; i < 6; i++) {
        int cx = TW / 2 + 16 + (i % 3) * 30, cy = 30 + (i / 3) * 60;
        r = sp_slot_add_region(slot, cx - 6, cy - 6, 13, 13, SP_KIND_DARK, &m);
        assert_true(r >= 0);
        slot->regions[r].track = 3 + i;
        for (y = 0; y < 13; y++)
            for (x = 0; x < 13; x++)
                m[y * 13 + x] = (x - 6) * (x - 6) + (y - 6) * (y - 6) <= 33 ? 255 : 0;
        counts[1]++;
    }
    /* larger boxes on the moving and the still texture */
    for (i = 0; i < 4; i++) {
        r = sp_slot_add_region(slot, 20 + i * 50, 60 + (i & 1) * 20, 9, 8, SP_KIND_USER, &m);
        assert_true(r >= 0);
        memset(m, 255, 9 * 8);
    }
}

static SpFrame *threads_frame(int k)
{
    SpFrame *f = tframe_new(TW, TH, 8, SP_COLOR_YUV, 1, 1, 3, 0, NULL);
    int p, x, y, i;

    assert_non_null(f);
    for (p = 0; p < 3; p++)
        for (y = 0; y < sp_plane_height(f, p); y++)
            for (x = 0; x < sp_plane_width(f, p); x++) {
                int lx = x << (p > 0), ly = y << (p > 0), moving = lx < TW / 2;
                /* bands moving each their own way */
                int dx = ly < TH / 3 ? 3 : ly < 2 * TH / 3 ? -2 : 1;
                int v = moving ? tex(x + ((dx * k) >> (p > 0)), y + ((k) >> (p > 0)), p)
                               : tex(x % 7, y % 5, p) / 4 + 90 + x / 4;
                if (!p && !moving)
                    for (i = 0; i < 6; i++)
                        v = (int)lrint(16 + threads_att(x, y, TW / 2 + 16 + (i % 3) * 30,
                                                        30 + (i / 3) * 60) * (v - 16));
                sp_put(f, p, x, y, v);
            }
    return f;
}

/* Fill TN frames with the given options and thread count; the frames are
 * left in out[]. */
static void threads_run(const char *method, int threads, SpFrame **out, int *fills)
{
    const char *opts[] = { method, NULL };
    Rig g;
    int k, i, counts[2] = { 0, 0 };

    rig_open(&g, opts);
    g.st.threads = threads;
    for (k = 0; k < TN; k++) {
        rig_add(&g, threads_frame(k));
        threads_regions(&g.slots[k], counts);
    }
    for (k = 0; k < TN; k++)
        rig_process(&g, k);
    for (k = 0; k < TN; k++) {
        out[k] = tframe_copy(g.slots[k].frame);
        for (i = 0; i < g.slots[k].nb_regions; i++)
            fills[g.slots[k].regions[i].fill]++;
    }
    rig_close(&g);
}

static void test_threads_identical(void **state)
{
    static const char *const methods[] = { "fill=auto", "fill=patch", "fill=gain",
                                           "fill=temporal" };
    static const int threads[] = { 2, 4, 3 };
    int mi, ti, k, p;

    (void)state;
    for (mi = 0; mi < 4; mi++) {
        SpFrame *ref[TN], *got[TN];
        int f1[SP_FILL_GAIN + 1] = { 0 };
        threads_run(methods[mi], 1, ref, f1);
        print_message("%s: spatial %d, patch %d, temporal %d, gain %d\n", methods[mi],
                      f1[SP_FILL_SPATIAL], f1[SP_FILL_PATCH], f1[SP_FILL_TEMPORAL],
                      f1[SP_FILL_GAIN]);
        if (mi == 0)
            assert_true(f1[SP_FILL_SPATIAL] && f1[SP_FILL_TEMPORAL] && f1[SP_FILL_GAIN]);
        if (mi == 1)
            assert_true(f1[SP_FILL_PATCH] > 0);
        if (mi == 2)
            assert_true(f1[SP_FILL_GAIN] > 0);
        for (ti = 0; ti < 3; ti++) {
            int fn[SP_FILL_GAIN + 1] = { 0 };
            threads_run(methods[mi], threads[ti], got, fn);
            assert_memory_equal(f1, fn, sizeof(f1));
            for (k = 0; k < TN; k++) {
                for (p = 0; p < 3; p++)
                    assert_int_equal(tframe_diff(ref[k], got[k], p), 0);
                tframe_free(got[k]);
            }
        }
        for (k = 0; k < TN; k++)
            tframe_free(ref[k]);
    }
}


/* The combination of a sample's candidates: one frame whose match
 * predicts the ring well (cost 1, weight 1/4) against three far frames
 * that predict it badly (cost 5, weight 1/36) and agree with each other,
 * as where an edge slides through the hole at another speed than the
 * ring: the well-matched frame's value, not the three's. With equal
 * weights, the plain median's cluster as before; two that disagree, the
 * better weighted one. */
static void test_combine_weighted(void **state)
{
    const float v[4] = { 100, 140, 141, 142 }, wbad = 1.0f / 36;
    const float w[4] = { 0.25f, wbad, wbad, wbad };
    const float e[3] = { 10, 20, 30 }, we[3] = { 1, 1, 1 };
    const float v2[2] = { 50, 80 }, w2[2] = { wbad, 0.25f };

    assert_true(fabs(sp_fill_test_combine(v, w, 4, 6.0) - 100) < 1e-6);
    assert_true(fabs(sp_fill_test_combine(v + 1, w + 1, 3, 6.0) - 141) < 1e-4);
    assert_true(fabs(sp_fill_test_combine(e, we, 3, 6.0) - 20) < 1e-6);
    assert_true(fabs(sp_fill_test_combine(v2, w2, 2, 6.0) - 80) < 1e-6);
}

/* The temporal fill's fast ring cost and interpolation, and the spatial
 * fill's walks, give exactly what their plain versions give, on random
 * pictures and defect maps, at every depth and subsampling, near the
 * borders and with bounds that stop the sum early. */
/* The gain fill's fit by estimates chooses fit_depth's fit, bit for bit. */
static void test_gain_fit_estimates(void **state)
{
    uint32_t seed;

    (void)state;
    for (seed = 0; seed < 8; seed++)
        assert_int_equal(sp_fill_test_gain_fit(seed), 0);
}

static void test_kernels_match_reference(void **state)
{
    static const int layouts[3][3] = { /* depth, color, subsampled */
        { 8, SP_COLOR_YUV, 1 }, { 10, SP_COLOR_YUV, 1 }, { 8, SP_COLOR_RGB, 0 },
    };
    const int W = 97, H = 71;
    uint32_t st = 12345;
    int li;

    (void)state;
    for (li = 0; li < 3; li++) {
        int depth = layouts[li][0], color = layouts[li][1], ss = layouts[li][2];
        SpFrame *cur = tframe_new(W, H, depth, color, ss, ss, 3, 0, NULL);
        SpFrame *rf = tframe_new(W, H, depth, color, ss, ss, 3, 0, NULL);
        uint8_t *bad = calloc((size_t)W * H, 1), *hole = calloc((size_t)W * H, 1);
        FillContext s;
        FillRef ref;
        SpRegion r;
        int p, x, y, i, dx, dy, step, b, withmap;
        static const double bounds[4] = { DBL_MAX, 3.0, 20.0, 60.0 };

        assert_non_null(cur);
        assert_non_null(rf);
        assert_non_null(bad);
        assert_non_null(hole);
        for (p = 0; p < 3; p++)
            for (y = 0; y < sp_plane_height(cur, p); y++)
                for (x = 0; x < sp_plane_width(cur, p); x++) {
                    sp_put(cur, p, x, y, (int)(rnd(&st) % (1u << depth)));
                    sp_put(rf, p, x, y, (int)(rnd(&st) % (1u << depth)));
                }
        for (i = 0; i < W * H; i++)
            bad[i] = rnd(&st) % 10 == 0;
        memset(&s, 0, sizeof(s));
        memset(&r, 0, sizeof(r));
        s.nb_planes = 3;
        for (p = 0; p < 3; p++) {
            s.pw[p] = sp_plane_width(cur, p);
            s.ph[p] = sp_plane_height(cur, p);
        }
        s.hole[0] = hole;
        r.x = 40;
        r.y = 30;
        r.w = 9;
        r.h = 7;
        for (y = r.y; y < r.y + r.h; y++)
            for (x = r.x; x < r.x + r.w; x++)
                hole[y * W + x] = rnd(&st) % 4 ? 255 : 0;
        memset(&ref, 0, sizeof(ref));
        ref.f = rf;
        for (withmap = 0; withmap < 2; withmap++) {
            ref.bad = withmap ? bad : NULL;
            for (dy = -40; dy <= 40; dy += 3)
                for (dx = -50; dx <= 50; dx += 3)
                    for (step = 1; step <= 2; step++)
                        for (b = 0; b < 4; b++) {
                            double a = sp_fill_test_ring_cost(&s, cur, &r, &ref, dx, dy,
                                                              step, bounds[b], 1);
                            double c = sp_fill_test_ring_cost(&s, cur, &r, &ref, dx, dy,
                                                              step, bounds[b], 0);
                            assert_true(a == c);
                        }
            for (dy = -40; dy <= 40; dy += 5)
                for (dx = -50; dx <= 50; dx += 5)
                    for (i = 0; i < 6; i++) {
                        double fx = dx + (i & 1 ? 0.25 * (i + 1) : 0);
                        double fy = dy + (i > 2 ? 0.5 : 0);
                        double a = sp_fill_test_frac_cost(&s, cur, &r, &ref, fx, fy, 1);
                        double c = sp_fill_test_frac_cost(&s, cur, &r, &ref, fx, fy, 0);
                        assert_true(a == c);
                    }
            for (p = 0; p < 3; p++)
                for (i = 0; i < 3000; i++) {
                    int px = (int)(rnd(&st) % s.pw[p]), py = (int)(rnd(&st) % s.ph[p]);
                    double fx = (int)(rnd(&st) % 17) - 8 + (rnd(&st) % 4) * 0.25;
                    double fy = (int)(rnd(&st) % 17) - 8 + (rnd(&st) % 3) * 0.5;
                    double a = sp_fill_test_fetch(&s, cur, ref.bad, p, px, py, fx, fy, 1);
                    double c = sp_fill_test_fetch(&s, cur, ref.bad, p, px, py, fx, fy, 0);
                    assert_true(a == c);
                }
        }
        {
            /* other region sizes: ring boxes of one, two and three
             * 16-sample pieces a row, an even and an odd number of rows */
            static const int sizes[3][2] = { { 3, 4 }, { 14, 6 }, { 30, 3 } };
            uint8_t *keep = malloc((size_t)W * H);
            int z;
            assert_non_null(keep);
            memcpy(keep, hole, (size_t)W * H);
            ref.bad = bad;
            for (z = 0; z < 3; z++) {
                SpRegion q = r;
                q.w = sizes[z][0];
                q.h = sizes[z][1];
                memcpy(hole, keep, (size_t)W * H);
                for (y = q.y; y < q.y + q.h; y++)
                    for (x = q.x; x < q.x + q.w; x++)
                        hole[y * W + x] = rnd(&st) % 4 ? 255 : 0;
                for (dy = -20; dy <= 20; dy += 7)
                    for (dx = -30; dx <= 30; dx += 7) {
                        for (step = 1; step <= 2; step++)
                            for (b = 0; b < 4; b++)
                                assert_true(sp_fill_test_ring_cost(&s, cur, &q, &ref, dx, dy, step,
                                                                   bounds[b], 1) ==
                                            sp_fill_test_ring_cost(&s, cur, &q, &ref, dx, dy, step,
                                                                   bounds[b], 0));
                        for (i = 0; i < 6; i++) {
                            double fx = dx + (i & 1 ? 0.25 * (i + 1) : 0);
                            double fy = dy + (i > 2 ? 0.5 : 0);
                            assert_true(sp_fill_test_frac_cost(&s, cur, &q, &ref, fx, fy, 1) ==
                                        sp_fill_test_frac_cost(&s, cur, &q, &ref, fx, fy, 0));
                        }
                    }
            }
            memcpy(hole, keep, (size_t)W * H);
            free(keep);
        }
        /* the spatial fill's walks over a random hole map */
        assert_int_equal(sp_fill_test_walks(hole, W, H), 0);
        for (i = 0; i < W * H; i++)
            bad[i] = rnd(&st) % 3 ? 255 : 0;
        assert_int_equal(sp_fill_test_walks(bad, W, H), 0);
        if (li == 0) {
            /* a plane large enough for walks that cannot leave it */
            const int BW = 320, BH = 240;
            uint8_t *big = malloc((size_t)BW * BH);
            assert_non_null(big);
            for (i = 0; i < BW * BH; i++)
                big[i] = rnd(&st) % 16 ? 255 : 0;
            assert_int_equal(sp_fill_test_walks(big, BW, BH), 0);
            free(big);
        }
        sp_fill_buf_free(&s.ring);
        sp_fill_buf_free(&s.ring_runs);
        sp_fill_buf_free(&s.ring_val8);
        sp_fill_buf_free(&s.ring_rows);
        sp_fill_buf_free(&s.win);
        free(bad);
        free(hole);
        tframe_free(cur);
        tframe_free(rf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_temporal_8bit_420),
        cmocka_unit_test(test_temporal_late_regions),
        cmocka_unit_test(test_temporal_16bit_420),
        cmocka_unit_test(test_temporal_10bit_rgb),
        cmocka_unit_test(test_auto_on_texture),
        cmocka_unit_test(test_auto_stray_pixels),
        cmocka_unit_test(test_temporal_subpixel),
        cmocka_unit_test(test_static_falls_back),
        cmocka_unit_test(test_late_found_not_copied),
        cmocka_unit_test(test_spatial_edge),
        cmocka_unit_test(test_patch_periodic),
        cmocka_unit_test(test_gain_dust),
        cmocka_unit_test(test_auto_dust),
        cmocka_unit_test(test_gain_seen_depth),
        cmocka_unit_test(test_gain_guess_edge),
        cmocka_unit_test(test_gain_leaves_unreached),
        cmocka_unit_test(test_temporal_leaves_unreached),
        cmocka_unit_test(test_api_pan),
        cmocka_unit_test(test_mask_pieces),
        cmocka_unit_test(test_border_regions),
        cmocka_unit_test(test_combine_weighted),
        cmocka_unit_test(test_kernels_match_reference),
        cmocka_unit_test(test_gain_fit_estimates),
        cmocka_unit_test(test_threads_identical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
