/*
 * Unit tests of camera profiles: the dark-frame finder on synthetic
 * frames (hot pixels strong and faint, one coloured in a chroma plane
 * only, a stuck one; nothing else marked, noisy or noiseless; dead and
 * stuck pixels on a lit flat field; the
 * compression ringing of a strong one left out), the choice of a profile
 * among candidates, the profile PNG written and read back, and the
 * library healing a profile's pixels in every frame, once each (kind
 * kept, track -1), its faint candidates only where the footage shows
 * them, and refusing a profile of another size; the dark frames' fixed
 * pattern stored, read back and subtracted, and none from pattern-free
 * dark frames.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/cli/profile.h"
#include "tests/support/frames.h"

#define W 96
#define H 64

static uint32_t rnd(uint32_t *s)
{
    /* xorshift32: consecutive values independent enough for noise */
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Roughly Gaussian noise of standard deviation sd (sum of uniforms). */
static double noise(uint32_t *s, double sd)
{
    double v = 0;
    int i;

    for (i = 0; i < 4; i++)
        v += (rnd(s) & 0xffff) / 65535.0 - 0.5;
    return v * sd * sqrt(3.0);
}

typedef struct Truth {
    int x, y, dy, dcb, stuck;
} Truth;

static const Truth truth[] = {
    { 10, 10, 60, 0, 0 },   /* strong */
    { 40, 20, 12, 0, 0 },   /* medium */
    { 70, 30, 4, 0, 0 },    /* faint: 4 levels, noise sd 1.5 a frame */
    { 20, 50, 1, 10, 0 },   /* coloured: Cb only, almost nothing in luma */
    { 80, 52, 0, 0, 1 },    /* stuck at 120 */
};
#define NB_TRUTH (int)(sizeof(truth) / sizeof(truth[0]))

static void dark_frames(CliDark *d, int n, double sd)
{
    uint32_t seed = 12345;
    int i, x, y, k;

    for (i = 0; i < n; i++) {
        SpFrame *f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 16, NULL);
        assert_non_null(f);
        for (y = 0; y < H; y++)
            for (x = 0; x < W; x++)
                f->data[0][y * f->stride[0] + x] = (uint8_t)lrint(20 + noise(&seed, sd));
        for (y = 0; y < H / 2; y++)
            for (x = 0; x < W / 2; x++) {
                f->data[1][y * f->stride[1] + x] = (uint8_t)lrint(128 + noise(&seed, sd / 2));
                f->data[2][y * f->stride[2] + x] = (uint8_t)lrint(128 + noise(&seed, sd / 2));
            }
        for (k = 0; k < NB_TRUTH; k++) {
            const Truth *t = &truth[k];
            uint8_t *py = &f->data[0][t->y * f->stride[0] + t->x];
            if (t->stuck) {
                *py = 120;
                continue;
            }
            *py = (uint8_t)(*py + t->dy);
            f->data[1][(t->y / 2) * f->stride[1] + t->x / 2] += (uint8_t)t->dcb;
        }
        assert_int_equal(cli_dark_add(d, f), 0);
        tframe_free(f);
    }
}

static void check_found(const CliDefectMap *m, int with_stuck)
{
    int k, x, y, marked = 0;

    for (k = 0; k < NB_TRUTH; k++) {
        const Truth *t = &truth[k];
        int kind = m->kind[t->y * W + t->x];
        if (t->stuck && with_stuck)
            assert_int_equal(kind, SP_KIND_STUCK);
        else
            assert_int_equal(kind, SP_KIND_HOT);
        if (t->dcb)
            assert_true(m->planes[t->y * W + t->x] & 2); /* found in Cb */
    }
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            marked += m->kind[y * W + x] != 0;
    if (marked != NB_TRUTH) /* say which, before failing */
        for (y = 0; y < H; y++)
            for (x = 0; x < W; x++)
                if (m->kind[y * W + x])
                    fprintf(stderr, "marked %d,%d: kind %d strength %d planes %d\n",
                            x, y, m->kind[y * W + x], m->strength[y * W + x],
                            m->planes[y * W + x]);
    assert_int_equal(marked, NB_TRUTH); /* and nothing else */
}

static void test_find_noisy(void **state)
{
    CliDark d;
    CliDefectMap m;

    (void)state;
    memset(&d, 0, sizeof(d));
    dark_frames(&d, 60, 1.5);
    assert_int_equal(d.n, 60);
    assert_int_equal(cli_defect_map_alloc(&m, W, H), 0);
    assert_int_equal(cli_dark_find(&d, 6.0, 6.0, 1.0, &m), 0);
    check_found(&m, 1);
    assert_int_equal(m.nb_stuck, 1);
    assert_true(m.strength[10 * W + 10] >= 50);
    cli_defect_map_free(&m);
    cli_dark_free(&d);
}

static void test_find_noiseless(void **state)
{
    CliDark d;
    CliDefectMap m;

    (void)state;
    memset(&d, 0, sizeof(d));
    dark_frames(&d, 3, 0.0);
    assert_int_equal(cli_defect_map_alloc(&m, W, H), 0);
    assert_int_equal(cli_dark_find(&d, 6.0, 6.0, 1.0, &m), 0);
    /* without noise a stuck pixel cannot be told from a hot one */
    check_found(&m, 0);
    cli_defect_map_free(&m);
    cli_dark_free(&d);
}

/* A lit, even, noisy surface shows a dead pixel (black) and a stuck one
 * (a fixed bright value); dark frames cannot. */
static void test_find_flat_field(void **state)
{
    CliDark d;
    CliDefectMap m;
    uint32_t seed = 777;
    int i, x, y;

    (void)state;
    memset(&d, 0, sizeof(d));
    for (i = 0; i < 30; i++) {
        SpFrame *f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 128, NULL);
        assert_non_null(f);
        for (y = 0; y < H; y++)
            for (x = 0; x < W; x++)
                f->data[0][y * f->stride[0] + x] = (uint8_t)lrint(160 + noise(&seed, 2.0));
        f->data[0][12 * f->stride[0] + 34] = 16;  /* dead */
        f->data[0][44 * f->stride[0] + 70] = 235; /* stuck */
        assert_int_equal(cli_dark_add(&d, f), 0);
        tframe_free(f);
    }
    assert_int_equal(cli_defect_map_alloc(&m, W, H), 0);
    assert_int_equal(cli_dark_find(&d, 6.0, 6.0, 1.0, &m), 0);
    assert_int_equal(m.kind[12 * W + 34], SP_KIND_DEAD);
    assert_int_equal(m.kind[44 * W + 70], SP_KIND_STUCK);
    assert_int_equal(m.nb_dead, 1);
    assert_int_equal(m.nb_stuck, 1);
    assert_int_equal(m.nb_hot, 0);
    cli_defect_map_free(&m);
    cli_dark_free(&d);
}

static void test_dark_layout_change(void **state)
{
    CliDark d;
    SpFrame *a = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 16, NULL);
    SpFrame *b = tframe_new(W / 2, H, 8, SP_COLOR_YUV, 1, 1, 3, 16, NULL);

    (void)state;
    memset(&d, 0, sizeof(d));
    assert_int_equal(cli_dark_add(&d, a), 0);
    assert_int_equal(cli_dark_add(&d, b), -EINVAL);
    cli_dark_free(&d);
    tframe_free(a);
    tframe_free(b);
}

static CliFacts facts(int w, int h, const char *make, const char *model,
                      double iso, double exposure, double temp)
{
    CliFacts f;

    cli_facts_init(&f);
    f.width = w;
    f.height = h;
    snprintf(f.make, sizeof(f.make), "%s", make);
    snprintf(f.model, sizeof(f.model), "%s", model);
    f.iso = iso;
    f.exposure = exposure;
    f.temperature = temp;
    return f;
}

static void test_pick(void **state)
{
    CliFacts c[6], clip;
    char why[512];

    (void)state;
    c[0] = facts(1920, 1080, "Acme", "P1", 100, 1 / 30.0, 25);
    c[1] = facts(1920, 1080, "Acme", "P1", 800, 1 / 30.0, 25);
    c[2] = facts(1920, 1080, "Acme", "P1", 800, 1 / 30.0, 45);
    c[3] = facts(1920, 1080, "Other", "Z", 800, 1 / 30.0, 40);
    c[4] = facts(1280, 720, "Acme", "P1", 800, 1 / 30.0, 40);
    c[5] = facts(1920, 1080, "", "", 800, 1 / 30.0, 40);

    /* size and camera first, then ISO, then temperature */
    clip = facts(1920, 1080, "Acme", "P1", 640, 1 / 30.0, 40);
    assert_int_equal(cli_profile_pick(&clip, c, 6, 0, why, sizeof(why)), 2);
    assert_non_null(strstr(why, "same camera Acme P1"));
    clip.temperature = 20;
    assert_int_equal(cli_profile_pick(&clip, c, 6, 0, why, sizeof(why)), 1);
    clip.iso = 100;
    assert_int_equal(cli_profile_pick(&clip, c, 6, 0, why, sizeof(why)), 0);
    /* make and model compare without case */
    snprintf(clip.make, sizeof(clip.make), "ACME");
    assert_int_equal(cli_profile_pick(&clip, c, 6, 1, why, sizeof(why)), 0);
    /* another size: only the 720p one */
    clip = facts(1280, 720, "Acme", "P1", -1, -1, CLI_TEMP_UNKNOWN);
    assert_int_equal(cli_profile_pick(&clip, c, 6, 0, why, sizeof(why)), 4);
    /* a clip that does not name its camera: a profile that does not
     * contradict it, but never from the default library */
    clip = facts(1920, 1080, "", "", 800, 1 / 30.0, 40);
    assert_true(cli_profile_pick(&clip, c, 6, 0, why, sizeof(why)) >= 0);
    assert_int_equal(cli_profile_pick(&clip, c, 6, 1, why, sizeof(why)), -1);
    /* another camera: its own profile, not Acme's */
    clip = facts(1920, 1080, "Other", "Z", 100, 1 / 30.0, 25);
    assert_int_equal(cli_profile_pick(&clip, c, 6, 0, why, sizeof(why)), 3);
    /* no size matches */
    clip = facts(640, 480, "Acme", "P1", 800, 1 / 30.0, 40);
    assert_int_equal(cli_profile_pick(&clip, c, 6, 0, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "640x480"));
}

static void test_png_round_trip(void **state)
{
    CliOptions o;
    CliDefectMap m, r;
    CliFacts f, g;
    char path[] = "/tmp/spotheal-profile-XXXXXX";
    char png[64];
    int fd;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.loglevel = -8;
    o.overwrite = 1;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    snprintf(png, sizeof(png), "%s.png", path);
    assert_int_equal(cli_defect_map_alloc(&m, W, H), 0);
    m.kind[5 * W + 7] = SP_KIND_HOT;
    m.strength[5 * W + 7] = 33;
    m.planes[5 * W + 7] = 5;
    m.kind[9 * W + 1] = SP_KIND_STUCK;
    m.strength[9 * W + 1] = 90;
    m.kind[60 * W + 90] = SP_KIND_DEAD;
    m.faint[3 * W + 4] = 4; /* a faint candidate in Cr */
    m.strength[3 * W + 4] = 2;
    m.frames = 60;
    f = facts(W, H, "Acme", "P1", 800, 1 / 30.0, -5);
    assert_int_equal(cli_profile_write(&o, png, &m, &f, "dark.mp4"), 0);
    assert_int_equal(cli_profile_read(&o, png, &r, &g), 0);
    assert_int_equal(r.width, W);
    assert_int_equal(r.height, H);
    assert_memory_equal(r.kind, m.kind, W * H);
    assert_int_equal(r.strength[5 * W + 7], 33);
    assert_int_equal(r.planes[5 * W + 7], 5);
    assert_int_equal(r.strength[60 * W + 90], 1); /* strength at least 1 */
    assert_int_equal(r.nb_hot, 1);
    assert_int_equal(r.nb_stuck, 1);
    assert_int_equal(r.nb_dead, 1);
    assert_int_equal(r.faint[3 * W + 4], 4);
    assert_int_equal(r.strength[3 * W + 4], 2);
    assert_int_equal(r.nb_faint, 1);
    assert_int_equal(r.frames, 60);
    assert_string_equal(g.make, "Acme");
    assert_string_equal(g.model, "P1");
    assert_true(fabs(g.iso - 800) < 1e-6);
    assert_true(fabs(g.exposure - 1 / 30.0) < 1e-6);
    assert_true(fabs(g.temperature + 5) < 1e-6); /* below zero is a temperature */
    cli_defect_map_free(&r);
    cli_defect_map_free(&m);
    unlink(png);
}

/* The library heals a profile's pixels in every frame, each once: kind
 * kept, no track. */
static void test_library_heals(void **state)
{
    SpSettings s;
    SpContext *ctx = NULL;
    SpFrame *f, *out;
    const SpDefect *d;
    uint8_t map[W * H];
    const char *opts[] = { "detect=none", NULL };
    int nb, ret, i, got = 0;

    (void)state;
    memset(map, 0, sizeof(map));
    map[20 * W + 30] = SP_KIND_HOT;
    map[40 * W + 60] = SP_KIND_STUCK;
    sp_default_settings(&s);
    s.options = opts;
    s.profile = map;
    s.profile_width = W;
    s.profile_height = H;
    s.profile_stride = W;
    assert_int_equal(sp_open(&ctx, &s), 0);
    for (i = 0; i <= 8; i++) {
        if (i < 8) {
            f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 50, NULL);
            assert_non_null(f);
            f->data[0][20 * f->stride[0] + 30] = 250;
            f->data[0][40 * f->stride[0] + 60] = 200;
            while ((ret = sp_send_frame(ctx, f)) == -EAGAIN)
                fail_msg("the ring is full");
        } else {
            ret = sp_send_frame(ctx, NULL);
        }
        assert_int_equal(ret, 0);
        while ((ret = sp_receive_frame(ctx, &out)) == 0) {
            assert_int_equal(out->data[0][20 * out->stride[0] + 30], 50);
            assert_int_equal(out->data[0][40 * out->stride[0] + 60], 50);
            assert_int_equal(sp_frame_defects(ctx, out, &d, &nb), 0);
            assert_int_equal(nb, 2); /* once each, ahead or not */
            assert_true((d[0].kind == SP_KIND_HOT && d[1].kind == SP_KIND_STUCK) ||
                        (d[0].kind == SP_KIND_STUCK && d[1].kind == SP_KIND_HOT));
            assert_int_equal(d[0].track, -1);
            got++;
        }
        assert_true(ret == -EAGAIN || ret == SP_EOF);
    }
    assert_int_equal(got, 8);
    sp_close(&ctx);
}

/* A profile's faint candidates are healed, from the first frame on, where
 * the footage shows them above their neighbours, and only there. */
static void test_library_faint(void **state)
{
    SpSettings s;
    SpContext *ctx = NULL;
    SpFrame *f, *out;
    uint8_t map[W * H], faint[W * H];
    const char *opts[] = { "detect=none", NULL };
    int ret, i, got = 0;

    (void)state;
    memset(map, 0, sizeof(map));
    memset(faint, 0, sizeof(faint));
    map[50 * W + 10] = SP_KIND_HOT;
    faint[20 * W + 30] = 1; /* hot in the footage: healed */
    faint[40 * W + 60] = 1; /* not in the footage */
    faint[10 * W + 80] = 1; /* bright on two frames only: not a hot pixel */
    faint[30 * W + 50] = 4; /* hot in Cr in the footage: healed */
    sp_default_settings(&s);
    s.options = opts;
    s.profile = map;
    s.profile_faint = faint;
    s.profile_width = W;
    s.profile_height = H;
    s.profile_stride = W;
    assert_int_equal(sp_open(&ctx, &s), 0);
    for (i = 0; i <= 8; i++) {
        if (i < 8) {
            f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 50, NULL);
            assert_non_null(f);
            f->data[0][20 * f->stride[0] + 30] = 56;
            if (i < 2)
                f->data[0][10 * f->stride[0] + 80] = 60;
            f->data[2][15 * f->stride[2] + 25] = 56;
            while ((ret = sp_send_frame(ctx, f)) == -EAGAIN)
                fail_msg("the ring is full");
        } else {
            ret = sp_send_frame(ctx, NULL);
        }
        assert_int_equal(ret, 0);
        while ((ret = sp_receive_frame(ctx, &out)) == 0) {
            assert_int_equal(out->data[0][20 * out->stride[0] + 30], 50);
            assert_int_equal(out->data[2][15 * out->stride[2] + 25], 50);
            assert_int_equal(out->data[0][10 * out->stride[0] + 80], got < 2 ? 60 : 50);
            got++;
        }
        assert_true(ret == -EAGAIN || ret == SP_EOF);
    }
    assert_int_equal(got, 8);
    sp_close(&ctx);
}

/* A faint outlier near a much stronger one is its ringing, in its plane
 * or in the luma it covers; the same outlier alone is a defect. */
static void test_find_ringing(void **state)
{
    CliDark d;
    CliDefectMap m;
    int i;

    (void)state;
    memset(&d, 0, sizeof(d));
    for (i = 0; i < 3; i++) {
        SpFrame *f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 20, NULL);
        assert_non_null(f);
        f->data[0][30 * f->stride[0] + 30] = 120; /* strong */
        f->data[0][30 * f->stride[0] + 33] = 25;  /* its ring, 3 px away */
        f->data[0][40 * f->stride[0] + 70] = 25;  /* alone: a faint hot pixel */
        f->data[0][10 * f->stride[0] + 44] = 120; /* strong in luma ... */
        f->data[1][5 * f->stride[1] + 20] = 25;   /* ... rings in Cb 2 samples away */
        f->data[1][25 * f->stride[1] + 40] = 25;  /* a faint coloured one alone */
        assert_int_equal(cli_dark_add(&d, f), 0);
        tframe_free(f);
    }
    assert_int_equal(cli_defect_map_alloc(&m, W, H), 0);
    assert_int_equal(cli_dark_find(&d, 6.0, 6.0, 1.0, &m), 0);
    assert_int_equal(m.kind[30 * W + 30], SP_KIND_HOT);
    assert_int_equal(m.kind[30 * W + 33], 0);
    assert_int_equal(m.kind[40 * W + 70], SP_KIND_HOT);
    assert_int_equal(m.kind[10 * W + 44], SP_KIND_HOT);
    assert_int_equal(m.kind[10 * W + 40] | m.kind[10 * W + 41] | m.kind[11 * W + 40] |
                     m.kind[11 * W + 41], 0);
    assert_int_equal(m.kind[50 * W + 80] | m.kind[50 * W + 81] | m.kind[51 * W + 80] |
                     m.kind[51 * W + 81], SP_KIND_HOT);
    assert_int_equal(m.nb_hot, 4);
    /* what the ringing test dropped is left to the footage to confirm */
    assert_int_equal(m.faint[30 * W + 33], 1);
    assert_int_equal((m.faint[10 * W + 40] | m.faint[10 * W + 41] | m.faint[11 * W + 40] |
                      m.faint[11 * W + 41]) & 2, 2);
    assert_int_equal(m.faint[30 * W + 30] | m.faint[40 * W + 70], 0);
    cli_defect_map_free(&m);
    cli_dark_free(&d);
}

/* Under the threshold but above the faint one, and above its neighbours
 * in most frames: a faint candidate, not a defect. */
static void test_find_faint(void **state)
{
    CliDark d;
    CliDefectMap m;
    uint32_t seed = 777;
    int i, x, y, nf = 0;

    (void)state;
    memset(&d, 0, sizeof(d));
    for (i = 0; i < 60; i++) {
        SpFrame *f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 16, NULL);
        assert_non_null(f);
        for (y = 0; y < H; y++)
            for (x = 0; x < W; x++)
                f->data[0][y * f->stride[0] + x] = (uint8_t)lrint(20 + noise(&seed, 3));
        f->data[0][32 * f->stride[0] + 48] += 2; /* 2 levels: about 5 spreads of the mean */
        assert_int_equal(cli_dark_add(&d, f), 0);
        tframe_free(f);
    }
    assert_int_equal(cli_defect_map_alloc(&m, W, H), 0);
    /* a threshold of 8 spreads, faint candidates from 4.5 */
    assert_int_equal(cli_dark_find(&d, 8.0, 4.5, 1.0, &m), 0);
    if (!m.faint[32 * W + 48])
        fprintf(stderr, "noise %.3f, kind %d\n", m.noise, m.kind[32 * W + 48]);
    assert_int_equal(m.kind[32 * W + 48], 0);
    assert_int_equal(m.faint[32 * W + 48], 1);
    for (i = 0; i < W * H; i++)
        nf += m.faint[i] != 0;
    assert_int_equal(m.nb_faint, nf);
    cli_defect_map_free(&m);
    cli_dark_free(&d);
}

/* A sensor's fixed pattern: per luma sample sd 2 plus sd 1 per column,
 * per chroma sample sd 1, in levels. */
static void make_pattern(double *pat[3])
{
    uint32_t seed = 777;
    double col[W];
    int x, y, p;

    for (x = 0; x < W; x++)
        col[x] = noise(&seed, 1);
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            pat[0][y * W + x] = noise(&seed, 2) + col[x];
    for (p = 1; p < 3; p++)
        for (y = 0; y < H / 2; y++)
            for (x = 0; x < W / 2; x++)
                pat[p][y * (W / 2) + x] = noise(&seed, 1);
}

/* n frames of base + the pattern (times with) + noise of sd, into d or
 * into frames[] (one plane value per sample, 8-bit, clamped). */
static void pattern_frames(CliDark *d, SpFrame **frames, int n, double *pat[3],
                           double with, double sd, int scene, uint32_t seed)
{
    int i, x, y, p;

    for (i = 0; i < n; i++) {
        SpFrame *f = tframe_new(W, H, 8, SP_COLOR_YUV, 1, 1, 3, 16, NULL);
        assert_non_null(f);
        for (p = 0; p < 3; p++) {
            int pw = p ? W / 2 : W, ph = p ? H / 2 : H;
            for (y = 0; y < ph; y++)
                for (x = 0; x < pw; x++) {
                    double base = p ? 128 : scene ? 60 + x / 2 + y / 3 : 20;
                    double v = base + with * pat[p][y * pw + x] + (sd > 0 ? noise(&seed, sd) : 0);
                    f->data[p][y * f->stride[p] + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lrint(v));
                }
        }
        if (d) {
            assert_int_equal(cli_dark_add(d, f), 0);
            tframe_free(f);
        } else {
            frames[i] = f;
        }
    }
}

/* Run frames through the library with a profile of no pixel and pattern
 * m's (or none); the repaired frames replace frames[] in place. */
static void run_pattern(const CliDefectMap *m, SpFrame **frames, int n)
{
    SpSettings s;
    SpContext *ctx = NULL;
    SpFrame *out;
    uint8_t map[W * H];
    const char *opts[] = { "detect=none", NULL };
    int ret, i, p, got = 0;

    memset(map, 0, sizeof(map));
    sp_default_settings(&s);
    s.options = opts;
    s.profile = map;
    s.profile_width = W;
    s.profile_height = H;
    s.profile_stride = W;
    for (p = 0; m && p < m->pat_planes; p++) {
        s.profile_pattern[p] = m->pattern[p];
        s.profile_pattern_width[p] = m->pat_w[p];
        s.profile_pattern_height[p] = m->pat_h[p];
        s.profile_pattern_stride[p] = m->pat_w[p];
    }
    s.profile_pattern_planes = m ? m->pat_planes : 0;
    s.profile_pattern_color = m ? m->pat_color : 0;
    assert_int_equal(sp_open(&ctx, &s), 0);
    for (i = 0; i < n; i++)
        frames[i]->release = NULL; /* kept, to compare */
    for (i = 0; i <= n; i++) {
        assert_int_equal(sp_send_frame(ctx, i < n ? frames[i] : NULL), 0);
        while ((ret = sp_receive_frame(ctx, &out)) == 0)
            got++; /* repaired in place */
        assert_true(ret == -EAGAIN || ret == SP_EOF);
    }
    assert_int_equal(got, n);
    sp_close(&ctx);
}

static double rms_y(const SpFrame *a, const SpFrame *b)
{
    double e = 0;
    int x, y;

    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++) {
            double d = (double)a->data[0][y * a->stride[0] + x] - b->data[0][y * b->stride[0] + x];
            e += d * d;
        }
    return sqrt(e / (W * H));
}

/* The dark frames' fixed pattern, stored by profile create and read back,
 * is subtracted from the footage: the frames come back near the clean
 * ones; a profile from pattern-free dark frames holds none and the
 * footage comes back byte for byte. */
static void test_pattern(void **state)
{
    enum { N = 6 };
    CliOptions o;
    CliDark d;
    CliDefectMap m, r;
    CliFacts f, g;
    double *pat[3], *zero[3];
    SpFrame *clean[N], *deg[N], *copy[N];
    char path[] = "/tmp/spotheal-pattern-XXXXXX";
    char png[64];
    double before = 0, after = 0;
    int fd, i, p;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.loglevel = -8;
    o.overwrite = 1;
    for (p = 0; p < 3; p++) {
        pat[p] = calloc(W * H, sizeof(double));
        zero[p] = calloc(W * H, sizeof(double));
        assert_non_null(pat[p]);
        assert_non_null(zero[p]);
    }
    make_pattern(pat);

    /* 40 dark frames of the pattern under noise of sd 1.5 */
    memset(&d, 0, sizeof(d));
    pattern_frames(&d, NULL, 40, pat, 1, 1.5, 0, 99);
    assert_int_equal(cli_defect_map_alloc(&m, W, H), 0);
    assert_int_equal(cli_dark_find(&d, 6.0, 4.5, 1.0, &m), 0);
    assert_int_equal(cli_dark_pattern(&d, &m), 0);
    cli_dark_free(&d);
    assert_non_null(m.pattern[0]);
    assert_int_equal(m.pat_planes, 3);
    assert_true(m.pat_shrink[0] > 0.9);
    assert_true(m.pat_shrink[1] > 0.8);
    assert_int_equal(m.pat_w[1], W / 2);

    /* stored and read back exactly */
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    snprintf(png, sizeof(png), "%s.png", path);
    f = facts(W, H, "Acme", "P1", 800, 1 / 30.0, 20);
    assert_int_equal(cli_profile_write(&o, png, &m, &f, "dark.mp4"), 0);
    assert_int_equal(cli_profile_read(&o, png, &r, &g), 0);
    unlink(png);
    assert_int_equal(r.pat_planes, 3);
    for (p = 0; p < 3; p++) {
        assert_int_equal(r.pat_w[p], m.pat_w[p]);
        assert_memory_equal(r.pattern[p], m.pattern[p],
                            (size_t)m.pat_w[p] * m.pat_h[p] * sizeof(int16_t));
    }

    /* the footage: a scene under noise of sd 1, with the pattern */
    pattern_frames(NULL, clean, N, pat, 0, 1, 1, 5);
    for (i = 0; i < N; i++) {
        int x, y;
        deg[i] = tframe_copy(clean[i]);
        assert_non_null(deg[i]);
        for (p = 0; p < 3; p++)
            for (y = 0; y < (p ? H / 2 : H); y++)
                for (x = 0; x < (p ? W / 2 : W); x++) {
                    uint8_t *v = &deg[i]->data[p][y * deg[i]->stride[p] + x];
                    long t = lrint(*v + pat[p][y * (p ? W / 2 : W) + x]);
                    *v = (uint8_t)(t < 0 ? 0 : t > 255 ? 255 : t);
                }
        before += rms_y(deg[i], clean[i]) / N;
    }
    run_pattern(&r, deg, N);
    for (i = 0; i < N; i++)
        after += rms_y(deg[i], clean[i]) / N;
    print_message("luma RMS error against the clean frames: %.2f levels with the "
                  "pattern, %.2f after the subtraction\n", before, after);
    assert_true(before > 2.0);
    assert_true(after < 0.7);
    for (i = 0; i < N; i++) {
        assert_true(deg[i]->touched_w == W);
        tframe_free(deg[i]);
    }
    cli_defect_map_free(&r);
    cli_defect_map_free(&m);

    /* pattern-free dark frames: no pattern, the footage byte for byte */
    memset(&d, 0, sizeof(d));
    pattern_frames(&d, NULL, 40, zero, 0, 1.5, 0, 99);
    assert_int_equal(cli_defect_map_alloc(&m, W, H), 0);
    assert_int_equal(cli_dark_find(&d, 6.0, 4.5, 1.0, &m), 0);
    assert_int_equal(cli_dark_pattern(&d, &m), 0);
    cli_dark_free(&d);
    assert_null(m.pattern[0]);
    assert_int_equal(m.pat_planes, 0);
    assert_true(m.pat_shrink[0] == 0);
    cli_defect_map_free(&m);
    /* noiseless ones (no noise of the mean at all): none either */
    memset(&d, 0, sizeof(d));
    pattern_frames(&d, NULL, 10, zero, 0, 0, 0, 99);
    assert_int_equal(cli_defect_map_alloc(&m, W, H), 0);
    assert_int_equal(cli_dark_find(&d, 6.0, 4.5, 1.0, &m), 0);
    assert_int_equal(cli_dark_pattern(&d, &m), 0);
    cli_dark_free(&d);
    assert_null(m.pattern[0]);
    for (i = 0; i < N; i++) {
        copy[i] = tframe_copy(clean[i]);
        assert_non_null(copy[i]);
    }
    run_pattern(&m, copy, N);
    for (i = 0; i < N; i++) {
        for (p = 0; p < 3; p++)
            assert_int_equal(tframe_diff(copy[i], clean[i], p), 0);
        assert_int_equal(copy[i]->touched_w, 0);
        tframe_free(copy[i]);
        tframe_free(clean[i]);
    }
    cli_defect_map_free(&m);
    for (p = 0; p < 3; p++) {
        free(pat[p]);
        free(zero[p]);
    }
}

static int luma_at(const SpFrame *f, int x, int y)
{
    const uint8_t *row = f->data[0] + (ptrdiff_t)y * f->stride[0];

    return f->depth > 8 ? ((const uint16_t *)row)[x] : row[x];
}

/* The pattern at every depth: 1/16 level scaled to the frame's levels,
 * rounded half away from zero, clamped to the sample range. */
static void test_pattern_depth(void **state)
{
    static const int depths[] = { 8, 10, 16 };
    int16_t pat[W * H];
    CliDefectMap m;
    int k;

    (void)state;
    memset(pat, 0, sizeof(pat));
    pat[0] = 24;    /* +1.5 levels */
    pat[1] = -24;   /* -1.5 */
    pat[2] = 7;     /* under half a level at 8 bits */
    pat[3] = 32000; /* +2000: clamped at 0 */
    pat[4] = -32000;/* clamped at the top */
    memset(&m, 0, sizeof(m));
    m.pattern[0] = pat;
    m.pat_w[0] = W;
    m.pat_h[0] = H;
    m.pat_planes = 1;
    m.pat_color = SP_COLOR_YUV;
    for (k = 0; k < 3; k++) {
        int d = depths[k], one = 1 << (d - 8), maxv = (1 << d) - 1;
        SpFrame *f = tframe_new(W, H, d, SP_COLOR_YUV, 1, 1, 3, 100 * one, NULL);
        SpFrame *ref;
        assert_non_null(f);
        ref = tframe_copy(f);
        assert_non_null(ref);
        run_pattern(&m, &f, 1);
        assert_int_equal(luma_at(f, 0, 0), 100 * one - (24 * one + 8) / 16);
        assert_int_equal(luma_at(f, 1, 0), 100 * one + (24 * one + 8) / 16);
        assert_int_equal(luma_at(f, 2, 0), 100 * one - (7 * one + 8) / 16);
        assert_int_equal(luma_at(f, 3, 0), 0);
        assert_int_equal(luma_at(f, 4, 0), maxv);
        assert_int_equal(luma_at(f, 5, 0), 100 * one);
        assert_int_equal(tframe_diff(f, ref, 1), 0);
        assert_int_equal(tframe_diff(f, ref, 2), 0);
        tframe_free(f);
        tframe_free(ref);
    }
}

static void test_library_wrong_size(void **state)
{
    SpSettings s;
    SpContext *ctx = NULL;
    SpFrame *f;
    uint8_t map[W * H];

    (void)state;
    memset(map, 0, sizeof(map));
    map[0] = SP_KIND_HOT;
    sp_default_settings(&s);
    s.profile = map;
    s.profile_width = W;
    s.profile_height = H;
    s.profile_stride = W;
    assert_int_equal(sp_open(&ctx, &s), 0);
    f = tframe_new(W * 2, H, 8, SP_COLOR_YUV, 1, 1, 3, 50, NULL);
    assert_non_null(f);
    assert_int_equal(sp_send_frame(ctx, f), -EINVAL);
    sp_close(&ctx);
    tframe_free(f); /* refused: still the caller's */
    /* a bad stride is refused at open */
    s.profile_stride = W - 1;
    assert_int_equal(sp_open(&ctx, &s), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_noisy),
        cmocka_unit_test(test_find_noiseless),
        cmocka_unit_test(test_find_ringing),
        cmocka_unit_test(test_find_faint),
        cmocka_unit_test(test_find_flat_field),
        cmocka_unit_test(test_dark_layout_change),
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_png_round_trip),
        cmocka_unit_test(test_library_heals),
        cmocka_unit_test(test_library_faint),
        cmocka_unit_test(test_library_wrong_size),
        cmocka_unit_test(test_pattern),
        cmocka_unit_test(test_pattern_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
