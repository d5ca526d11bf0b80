/*
 * Unit tests of the missing-pixel marker: transparent pixels, a marker
 * colour (exact in RGB, BT.601 in YUV) and lost black rows / columns are
 * marked, and only they; regions are SP_KIND_MISSING, bounded by 64x64
 * tiles; the alpha of marked pixels is made opaque unless keep-alpha.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/internal.h"
#include "tests/support/frames.h"
#include "tests/support/paint.h"

extern const SpFilter sp_filter_missing;

#define W 150
#define H 100

typedef struct Rig {
    SpFilterContext fc;
    SpLogger log;
    SpSettings st;
    SpSlot slot;
    uint8_t got[W * H];
} Rig;

static void rig_run(Rig *g, SpFrame *f, const char *const *opts)
{
    const char *const *o;
    SpWindow w;
    int i, x, y;

    memset(g, 0, sizeof(*g));
    sp_default_settings(&g->st);
    g->fc.filter = &sp_filter_missing;
    g->fc.log = &g->log;
    g->fc.settings = &g->st;
    g->fc.enabled = 1;
    g->fc.priv = calloc(1, sp_filter_missing.priv_size);
    assert_non_null(g->fc.priv);
    sp_options_defaults(g->fc.priv, sp_filter_missing.options);
    for (o = opts; o && *o; o++) {
        const SpOption *op;
        const char *eq = strchr(*o, '=');
        assert_non_null(eq);
        for (op = sp_filter_missing.options; op->name; op++)
            if (!strncmp(op->name, *o, eq - *o) && !op->name[eq - *o])
                break;
        assert_non_null(op->name);
        assert_int_equal(sp_option_set(g->fc.priv, op, eq + 1, &g->log), 0);
    }
    assert_int_equal(sp_filter_missing.config(&g->fc, f), 0);
    g->slot.frame = f;
    memset(&w, 0, sizeof(w));
    w.cur = &g->slot;
    assert_int_equal(sp_filter_missing.process(&g->fc, &w), 0);
    for (i = 0; i < g->slot.nb_regions; i++) {
        const SpRegion *r = &g->slot.regions[i];
        const uint8_t *m = sp_region_mask(&g->slot, r);
        assert_int_equal(r->kind, SP_KIND_MISSING);
        /* inside one 64x64 tile */
        assert_int_equal(r->x / 64, (r->x + r->w - 1) / 64);
        assert_int_equal(r->y / 64, (r->y + r->h - 1) / 64);
        for (y = 0; y < r->h; y++)
            for (x = 0; x < r->w; x++)
                if (m[y * r->w + x]) {
                    assert_int_equal(m[y * r->w + x], 255);
                    assert_int_equal(g->got[(r->y + y) * W + r->x + x], 0);
                    g->got[(r->y + y) * W + r->x + x] = 1;
                }
    }
}

static void rig_close(Rig *g)
{
    free(g->slot.regions);
    free(g->slot.arena);
    free(g->slot.defects);
    sp_filter_missing.uninit(&g->fc);
    free(g->fc.priv);
}

/* A texture that is never black nor magenta. */
static SpFrame *textured(int color, int nb_planes)
{
    SpFrame *f = tframe_new(W, H, 8, color, color == SP_COLOR_YUV,
                            color == SP_COLOR_YUV, nb_planes, 0, NULL);
    int p, x, y;

    assert_non_null(f);
    f->has_alpha = nb_planes == 4;
    for (p = 0; p < nb_planes; p++)
        for (y = 0; y < sp_plane_height(f, p); y++)
            for (x = 0; x < sp_plane_width(f, p); x++)
                sp_put(f, p, x, y, p == 3 ? 255 : 60 + (x * 7 + y * 3 + p * 11) % 90);
    return f;
}

static int lost(int x, int y)
{
    return y % 7 == 3 || (x * 13 + y * 7) % 61 == 0;
}

static void test_alpha(void **state)
{
    static const char *const keep[] = { "keep-alpha=1", NULL };
    SpFrame *f = textured(SP_COLOR_RGB, 4), *k;
    Rig g;
    int x, y;

    (void)state;
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            if (lost(x, y))
                sp_put(f, 3, x, y, 0);
    k = tframe_copy(f);
    assert_non_null(k);
    rig_run(&g, f, NULL);
    assert_true(g.slot.nb_regions >= 6 && g.slot.nb_regions <= 6);
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++) {
            assert_int_equal(g.got[y * W + x], lost(x, y));
            assert_int_equal(sp_get(f, 3, x, y), 255);
        }
    rig_close(&g);
    rig_run(&g, k, keep);
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++) {
            assert_int_equal(g.got[y * W + x], lost(x, y));
            assert_int_equal(sp_get(k, 3, x, y), lost(x, y) ? 0 : 255);
        }
    rig_close(&g);
    tframe_free(f);
    tframe_free(k);
}

static void test_color_rgb(void **state)
{
    static const char *const opts[] = { "missing-color=#ff00ff", NULL };
    SpFrame *f = textured(SP_COLOR_RGB, 3);
    Rig g;
    int x, y;

    (void)state;
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            if (lost(x, y)) { /* planes G, B, R */
                sp_put(f, 0, x, y, 0);
                sp_put(f, 1, x, y, 255);
                sp_put(f, 2, x, y, 255);
            }
    sp_put(f, 0, 5, 5, 1); /* near the marker is not the marker */
    sp_put(f, 1, 5, 5, 255);
    sp_put(f, 2, 5, 5, 255);
    rig_run(&g, f, opts);
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            assert_int_equal(g.got[y * W + x], lost(x, y));
    rig_close(&g);
    tframe_free(f);
}

static void test_color_yuv(void **state)
{
    static const char *const opts[] = { "missing-color=0xFF00FF", NULL };
    SpFrame *f = textured(SP_COLOR_YUV, 3);
    Rig g;
    int x, y;

    (void)state;
    /* magenta in BT.601 limited range: Y 106, Cb 202, Cr 222; a 2x2 block
     * (one chroma sample), with a little coding noise on luma */
    for (y = 20; y < 22; y++)
        for (x = 40; x < 42; x++)
            sp_put(f, 0, x, y, 106 + (x & 1) * 3);
    sp_put(f, 1, 20, 10, 202);
    sp_put(f, 2, 20, 10, 222);
    rig_run(&g, f, opts);
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            assert_int_equal(g.got[y * W + x], y >= 20 && y < 22 && x >= 40 && x < 42);
    rig_close(&g);
    tframe_free(f);
}

static void test_lines(void **state)
{
    SpFrame *f = textured(SP_COLOR_RGB, 3);
    Rig g;
    int x, y, p;

    (void)state;
    for (p = 0; p < 3; p++) {
        for (x = 0; x < W; x++)
            sp_put(f, p, x, 33, 0);
        for (y = 0; y < H; y++)
            sp_put(f, p, 77, y, 0);
        for (x = 0; x < W - 1; x++) /* almost a whole row: not lost */
            sp_put(f, p, x, 60, 0);
    }
    rig_run(&g, f, NULL);
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            assert_int_equal(g.got[y * W + x], y == 33 || x == 77);
    rig_close(&g);
    tframe_free(f);
}

static void test_nothing(void **state)
{
    SpFrame *f = textured(SP_COLOR_RGB, 4);
    Rig g;

    (void)state;
    rig_run(&g, f, NULL);
    assert_int_equal(g.slot.nb_regions, 0);
    rig_close(&g);
    tframe_free(f);
}

/* Dark rows of a night scene, letterbox bars and a black row between a
 * bar and the picture are not lost lines; a lost line inside the
 * picture still is. */
static void test_dark_rows(void **state)
{
    SpFrame *f = textured(SP_COLOR_YUV, 3);
    Rig g;
    int x, y;

    (void)state;
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++) {
            int v = 60 + (x * 7 + y * 3) % 90;
            if (y < 10 || y >= H - 10)
                v = 16;                          /* bars */
            else if (y >= 40 && y < 70)
                v = 16 + ((x * 5 + y) % 23 == 0) * 40; /* night: a few lights */
            sp_put(f, 0, x, y, v);
        }
    for (x = 0; x < W; x++)
        sp_put(f, 0, x, 25, 16);                 /* lost */
    rig_run(&g, f, NULL);
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            assert_int_equal(g.got[y * W + x], y == 25);
    rig_close(&g);
    tframe_free(f);
}

/* Under a black bar at the top (every column dark at first, followed as
 * a map 16 columns at a time, then as a list), a lost column in 8-bit
 * luma is still found, and only it. */
static void test_dark_top_column(void **state)
{
    SpFrame *f = textured(SP_COLOR_YUV, 3);
    Rig g;
    int x, y;

    (void)state;
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            if (y < 12 || x == 77 || (x == W - 3 && y < 50))
                sp_put(f, 0, x, y, 16);
    rig_run(&g, f, NULL);
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            assert_int_equal(g.got[y * W + x], x == 77);
    rig_close(&g);
    tframe_free(f);
}

/* The project's painter loses every 7th row and scattered pixels of a
 * painted scene (YUV 4:2:0 with alpha): exactly those are marked. */
static void test_painted(void **state)
{
    static const PaintMissing pm = { 7, 3, 400, 9, 0xff00ff };
    SpFrame *f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 4, 0, NULL);
    uint8_t lost[W * H] = { 0 };
    Rig g;
    int x, y, n;

    (void)state;
    assert_non_null(f);
    f->has_alpha = 1;
    paint_scene(f, PAINT_SCENE_PAN, 0, 5);
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            sp_put(f, 3, x, y, 255);
    n = paint_missing(f, &pm, lost);
    assert_true(n > (H / 7) * W + 300);
    rig_run(&g, f, NULL);
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            assert_int_equal(g.got[y * W + x], lost[y * W + x] ? 1 : 0);
    rig_close(&g);
    tframe_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alpha),
        cmocka_unit_test(test_color_rgb),
        cmocka_unit_test(test_color_yuv),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_nothing),
        cmocka_unit_test(test_dark_rows),
        cmocka_unit_test(test_dark_top_column),
        cmocka_unit_test(test_painted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
