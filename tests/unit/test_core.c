/*
 * Unit tests of the library core: the lookahead ring (order, one frame out
 * for one in, releases, flush, the fill overlapping the next send), option
 * parsing, the user mask with the fill (what changes and what must not),
 * defect records.
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

static SpContext *open_ctx(int lookahead, const uint8_t *mask, int mw, int mh,
                           const char *const *options)
{
    SpSettings s;
    SpContext *ctx = NULL;

    sp_default_settings(&s);
    s.lookahead = lookahead;
    s.mask = mask;
    s.mask_width = mw;
    s.mask_height = mh;
    s.mask_stride = mw;
    s.options = options;
    assert_int_equal(sp_open(&ctx, &s), 0);
    return ctx;
}

/* Frames come out in order, one for one, after `lookahead` more went in;
 * every frame is released exactly once; flush gives back the rest. */
static void test_ring_order(void **state)
{
    SpContext *ctx = open_ctx(3, NULL, 0, 0, NULL);
    SpFrame *out;
    int released = 0, sent, got = 0, ret;

    for (sent = 0; sent < 10; sent++) {
        SpFrame *f = tframe_new(16, 8, 8, SP_COLOR_YUV, 1, 1, 3, sent, &released);
        assert_non_null(f);
        assert_int_equal(sp_send_frame(ctx, f), 0);
        assert_int_equal(f->index, sent);
        while ((ret = sp_receive_frame(ctx, &out)) == 0) {
            assert_int_equal(out->index, got);
            assert_int_equal(sp_get(out, 0, 0, 0), got);
            got++;
        }
        assert_int_equal(ret, -EAGAIN);
        /* with lookahead 3, frame n comes out once n + 3 is in */
        assert_int_equal(got, sent >= 3 ? sent - 2 : 0);
    }
    assert_int_equal(sp_send_frame(ctx, NULL), 0);
    while ((ret = sp_receive_frame(ctx, &out)) == 0) {
        assert_int_equal(out->index, got);
        got++;
    }
    assert_int_equal(ret, SP_EOF);
    assert_int_equal(got, 10);
    sp_close(&ctx);
    assert_null(ctx);
    assert_int_equal(released, 10);
}

/* No filter at work: the frames come back bit for bit. */
static void test_identity(void **state)
{
    SpContext *ctx = open_ctx(0, NULL, 0, 0, NULL);
    SpFrame *f = tframe_new(33, 17, 10, SP_COLOR_YUV, 1, 1, 3, 0, NULL), *ref, *out;
    int p, x, y;

    for (p = 0; p < 3; p++)
        for (y = 0; y < sp_plane_height(f, p); y++)
            for (x = 0; x < sp_plane_width(f, p); x++)
                sp_put(f, p, x, y, (x * 37 + y * 101 + p * 7) & 1023);
    ref = tframe_copy(f);
    assert_int_equal(sp_send_frame(ctx, f), 0);
    assert_int_equal(sp_send_frame(ctx, NULL), 0);
    assert_int_equal(sp_receive_frame(ctx, &out), 0);
    for (p = 0; p < 3; p++)
        assert_int_equal(tframe_diff(out, ref, p), 0);
    assert_int_equal(out->touched_w, 0);
    assert_int_equal(sp_receive_frame(ctx, &out), SP_EOF);
    sp_close(&ctx);
    tframe_free(ref);
}

static void test_layout_change_refused(void **state)
{
    SpContext *ctx = open_ctx(2, NULL, 0, 0, NULL);
    SpFrame *a = tframe_new(16, 16, 8, SP_COLOR_YUV, 1, 1, 3, 0, NULL);
    SpFrame *b = tframe_new(32, 16, 8, SP_COLOR_YUV, 1, 1, 3, 0, NULL);

    assert_int_equal(sp_send_frame(ctx, a), 0);
    assert_int_equal(sp_send_frame(ctx, b), -EINVAL);
    tframe_free(b);
    sp_close(&ctx);
}

/* The ring is full when lookahead + 1 frames wait: the caller must
 * receive before sending more. */
static void test_ring_full(void **state)
{
    SpContext *ctx = open_ctx(2, NULL, 0, 0, NULL);
    SpFrame *f, *out;
    int i;

    for (i = 0; i < 3; i++)
        assert_int_equal(sp_send_frame(ctx, tframe_new(8, 8, 8, SP_COLOR_GRAY, 0, 0, 1, i, NULL)), 0);
    f = tframe_new(8, 8, 8, SP_COLOR_GRAY, 0, 0, 1, 3, NULL);
    assert_int_equal(sp_send_frame(ctx, f), -EAGAIN);
    assert_int_equal(sp_receive_frame(ctx, &out), 0);
    assert_int_equal(out->index, 0);
    assert_int_equal(sp_send_frame(ctx, f), 0);
    sp_close(&ctx);
}

/* With the overlap the fill of a frame runs while the next one is sent:
 * every frame comes out one send later (once n + lookahead + 1 is in),
 * in order, each released once, and the frames come back as they do
 * without it, bit for bit (a moving texture healed under a user mask from
 * its neighbours). */
static void run_overlap(int overlap, SpFrame **outs, int n)
{
    enum { W = 64, H = 48, L = 3 };
    uint8_t mask[W * H];
    SpSettings s;
    SpContext *ctx = NULL;
    SpFrame *out;
    int released = 0, sent, got = 0, ret, p, x, y;

    memset(mask, 0, sizeof(mask));
    for (y = 18; y < 26; y++)
        for (x = 26; x < 34; x++)
            mask[y * W + x] = 255;
    sp_default_settings(&s);
    s.lookahead = L;
    s.threads = 2;
    s.overlap = overlap;
    s.mask = mask;
    s.mask_width = W;
    s.mask_height = H;
    s.mask_stride = W;
    assert_int_equal(sp_open(&ctx, &s), 0);
    for (sent = 0; sent < n; sent++) {
        SpFrame *f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 0, &released);
        assert_non_null(f);
        for (p = 0; p < 3; p++)
            for (y = 0; y < sp_plane_height(f, p); y++)
                for (x = 0; x < sp_plane_width(f, p); x++)
                    sp_put(f, p, x, y, 60 + p * 20 + ((x + 2 * sent) * 7 + y * 5) % 31 +
                                       (mask[(y << (p > 0)) * W + (x << (p > 0))] ? 90 : 0));
        assert_int_equal(sp_send_frame(ctx, f), 0);
        while ((ret = sp_receive_frame(ctx, &out)) == 0) {
            assert_int_equal(out->index, got);
            outs[got] = tframe_copy(out);
            outs[got++]->touched_w = out->touched_w;
        }
        assert_int_equal(ret, -EAGAIN);
        assert_int_equal(got, sent >= L + overlap ? sent - L - overlap + 1 : 0);
    }
    assert_int_equal(sp_send_frame(ctx, NULL), 0);
    while ((ret = sp_receive_frame(ctx, &out)) == 0) {
        assert_int_equal(out->index, got);
        outs[got] = tframe_copy(out);
        outs[got++]->touched_w = out->touched_w;
    }
    assert_int_equal(ret, SP_EOF);
    assert_int_equal(got, n);
    sp_close(&ctx);
    assert_int_equal(released, n);
}

static void test_overlap(void **state)
{
    enum { N = 16 };
    SpFrame *a[N], *b[N];
    int i, p;

    run_overlap(0, a, N);
    run_overlap(1, b, N);
    for (i = 0; i < N; i++) {
        for (p = 0; p < 3; p++)
            assert_int_equal(tframe_diff(a[i], b[i], p), 0);
        assert_true(a[i]->touched_w > 0);
        tframe_free(a[i]);
        tframe_free(b[i]);
    }
}

static void test_options(void **state)
{
    const char *bad1[] = { "fill=nonsense", NULL };
    const char *bad2[] = { "nosuchoption=1", NULL };
    const char *bad3[] = { "show", NULL };
    const char *bad4[] = { "show=2", NULL };
    const char *good[] = { "fill=spatial", "show=1", NULL };
    SpSettings s;
    SpContext *ctx = NULL;
    const char *name, *help;
    char def[64], range[256];
    int i, found = 0;

    sp_default_settings(&s);
    s.options = bad1;
    assert_int_equal(sp_open(&ctx, &s), -EINVAL);
    assert_null(ctx);
    s.options = bad2;
    assert_int_equal(sp_open(&ctx, &s), -EINVAL);
    s.options = bad3;
    assert_int_equal(sp_open(&ctx, &s), -EINVAL);
    s.options = bad4;
    assert_int_equal(sp_open(&ctx, &s), -EINVAL);
    s.options = good;
    assert_int_equal(sp_open(&ctx, &s), 0);
    sp_close(&ctx);

    for (i = 0; sp_list_options(i, &name, &help, def, sizeof(def), range, sizeof(range)) == 0; i++) {
        assert_non_null(help);
        if (!strcmp(name, "fill")) {
            found = 1;
            assert_string_equal(def, "auto");
            assert_non_null(strstr(range, "spatial"));
        }
    }
    assert_true(found);
}

/* Flags and ranges parse as documented. */
static void test_option_parsing(void **state)
{
    static const SpOptionConst kinds[] = {
        { "a", 1 }, { "b", 2 }, { "c", 4 }, { "all", 7 }, { "none", 0 }, { NULL },
    };
    struct { int flags; int lo, hi; double f; int i; } v;
    static const SpOption opts[] = {
        { "k", "", SP_OPT_FLAGS, offsetof(__typeof__(v), flags), 7, 0, 0, 0, kinds },
        { "r", "", SP_OPT_RANGE, offsetof(__typeof__(v), lo), 2, 12, 1, 64, NULL },
        { "f", "", SP_OPT_FLOAT, offsetof(__typeof__(v), f), 1, 0, 0, 10, NULL },
        { "i", "", SP_OPT_INT, offsetof(__typeof__(v), i), 3, 0, -5, 5, NULL },
        { NULL },
    };
    SpLogger log = { 0 };
    char buf[128];

    sp_options_defaults(&v, opts);
    assert_int_equal(v.flags, 7);
    assert_int_equal(v.lo, 2);
    assert_int_equal(v.hi, 12);
    assert_int_equal(v.i, 3);
    assert_int_equal(sp_option_set(&v, &opts[0], "a,c", &log), 0);
    assert_int_equal(v.flags, 5);
    assert_int_equal(sp_option_set(&v, &opts[0], "none", &log), 0);
    assert_int_equal(v.flags, 0);
    assert_int_equal(sp_option_set(&v, &opts[0], "a,x", &log), -EINVAL);
    assert_int_equal(sp_option_set(&v, &opts[1], "3:9", &log), 0);
    assert_int_equal(v.lo, 3);
    assert_int_equal(v.hi, 9);
    assert_int_equal(sp_option_set(&v, &opts[1], "9:3", &log), -EINVAL);
    assert_int_equal(sp_option_set(&v, &opts[1], "0:9", &log), -EINVAL);
    assert_int_equal(sp_option_set(&v, &opts[1], "3", &log), -EINVAL);
    assert_int_equal(sp_option_set(&v, &opts[2], "2.5", &log), 0);
    assert_true(v.f == 2.5);
    assert_int_equal(sp_option_set(&v, &opts[2], "11", &log), -EINVAL);
    assert_int_equal(sp_option_set(&v, &opts[2], "1x", &log), -EINVAL);
    assert_int_equal(sp_option_set(&v, &opts[3], "-5", &log), 0);
    assert_int_equal(sp_option_set(&v, &opts[3], "6", &log), -EINVAL);
    sp_option_default(&opts[0], buf, sizeof(buf));
    assert_string_equal(buf, "all");
    sp_option_default(&opts[1], buf, sizeof(buf));
    assert_string_equal(buf, "2:12");
}

/* A masked hole on a smooth ramp is filled close to the ramp; nothing
 * outside the mask changes, in luma or chroma; the chroma samples under
 * the mask do change; the defect record names the mask. */
static void test_mask_fill(void **state)
{
    enum { W = 64, H = 48 };
    uint8_t mask[W * H];
    SpContext *ctx;
    SpFrame *f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 0, NULL), *ref, *out;
    const SpDefect *d;
    int nb, p, x, y;

    memset(mask, 0, sizeof(mask));
    for (y = 20; y < 25; y++)
        for (x = 30; x < 35; x++)
            mask[y * W + x] = 255;
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++) {
            int v = 40 + 2 * x + y;
            sp_put(f, 0, x, y, mask[y * W + x] ? 250 : v);
        }
    for (p = 1; p < 3; p++)
        for (y = 0; y < H / 2; y++)
            for (x = 0; x < W / 2; x++)
                sp_put(f, p, x, y, (x >= 15 && x <= 17 && y >= 10 && y <= 12) ? 0 : 128 + x - y);
    ref = tframe_copy(f);
    ctx = open_ctx(0, mask, W, H, NULL);
    assert_int_equal(sp_send_frame(ctx, f), 0);
    assert_int_equal(sp_send_frame(ctx, NULL), 0); /* the fill's lookahead */
    assert_int_equal(sp_receive_frame(ctx, &out), 0);
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++) {
            int v = sp_get(out, 0, x, y);
            if (mask[y * W + x])
                assert_true(abs(v - (40 + 2 * x + y)) <= 1);
            else
                assert_int_equal(v, sp_get(ref, 0, x, y));
        }
    for (p = 1; p < 3; p++)
        for (y = 0; y < H / 2; y++)
            for (x = 0; x < W / 2; x++) {
                int under = x >= 15 && x <= 17 && y >= 10 && y <= 12;
                if (under)
                    assert_true(abs(sp_get(out, p, x, y) - (128 + x - y)) <= 1);
                else
                    assert_int_equal(sp_get(out, p, x, y), sp_get(ref, p, x, y));
            }
    assert_int_equal(sp_frame_defects(ctx, out, &d, &nb), 0);
    assert_int_equal(nb, 1);
    assert_int_equal(d[0].kind, SP_KIND_USER);
    assert_int_equal(d[0].x, 30);
    assert_int_equal(d[0].y, 20);
    assert_int_equal(d[0].w, 5);
    assert_int_equal(d[0].area, 25);
    assert_int_equal(d[0].fill, SP_FILL_SPATIAL);
    assert_true(out->touched_w >= 5 && out->touched_h >= 5);
    sp_close(&ctx);
    tframe_free(ref);
}

/* An edge through a hole is continued, not blurred: 16-bit RGB planes. */
static void test_mask_fill_edge16(void **state)
{
    enum { W = 40, H = 40 };
    uint8_t mask[W * H];
    SpContext *ctx;
    SpFrame *f = tframe_new(W, H, 16, SP_COLOR_RGB, 0, 0, 3, 0, NULL), *out;
    int p, x, y, bad = 0;

    memset(mask, 0, sizeof(mask));
    for (y = 17; y < 23; y++)
        for (x = 17; x < 23; x++)
            mask[y * W + x] = 255;
    /* a diagonal edge x + y = 40 through the hole */
    for (p = 0; p < 3; p++)
        for (y = 0; y < H; y++)
            for (x = 0; x < W; x++)
                sp_put(f, p, x, y, mask[y * W + x] ? 0 : (x + y < 40 ? 10000 : 50000) + p);
    ctx = open_ctx(0, mask, W, H, NULL);
    assert_int_equal(sp_send_frame(ctx, f), 0);
    assert_int_equal(sp_send_frame(ctx, NULL), 0); /* the fill's lookahead */
    assert_int_equal(sp_receive_frame(ctx, &out), 0);
    for (p = 0; p < 3; p++)
        for (y = 17; y < 23; y++)
            for (x = 17; x < 23; x++) {
                int want = (x + y < 40 ? 10000 : 50000) + p;
                if (x + y == 39 || x + y == 40)
                    continue; /* on the edge itself either side will do */
                bad += abs(sp_get(out, p, x, y) - want) > 2000;
            }
    assert_int_equal(bad, 0);
    sp_close(&ctx);
}

static void test_mask_size_mismatch(void **state)
{
    uint8_t mask[8 * 8] = { 255 };
    SpContext *ctx = open_ctx(0, mask, 8, 8, NULL);
    SpFrame *f = tframe_new(16, 16, 8, SP_COLOR_GRAY, 0, 0, 1, 0, NULL);

    assert_int_equal(sp_send_frame(ctx, f), -EINVAL);
    tframe_free(f);
    sp_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_order),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_layout_change_refused),
        cmocka_unit_test(test_ring_full),
        cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_option_parsing),
        cmocka_unit_test(test_mask_fill),
        cmocka_unit_test(test_mask_fill_edge16),
        cmocka_unit_test(test_mask_size_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
