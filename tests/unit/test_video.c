/*
 * Unit tests of the video job's pixel format mapping (src/cli/video.c):
 * which formats the library reads in place and with what layout, the work
 * format of every other one, and that converting a picture to its work
 * format and back gives the same bytes (so the identity chain stays exact
 * for nv12, p010, packed RGB, big-endian and 4:2:2 packed inputs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "src/cli/video.h"

typedef struct Layout {
    enum AVPixelFormat fmt;
    int nb_planes, depth, color, ss_x, ss_y, has_alpha;
} Layout;

static void test_layout_in_place(void **state)
{
    static const Layout cases[] = {
        { AV_PIX_FMT_YUV420P,     3,  8, SP_COLOR_YUV,  1, 1, 0 },
        { AV_PIX_FMT_YUVJ420P,    3,  8, SP_COLOR_YUV,  1, 1, 0 },
        { AV_PIX_FMT_YUV422P,     3,  8, SP_COLOR_YUV,  1, 0, 0 },
        { AV_PIX_FMT_YUV440P,     3,  8, SP_COLOR_YUV,  0, 1, 0 },
        { AV_PIX_FMT_YUV410P,     3,  8, SP_COLOR_YUV,  2, 2, 0 },
        { AV_PIX_FMT_YUV444P,     3,  8, SP_COLOR_YUV,  0, 0, 0 },
        { AV_PIX_FMT_YUV420P10LE, 3, 10, SP_COLOR_YUV,  1, 1, 0 },
        { AV_PIX_FMT_YUV422P12LE, 3, 12, SP_COLOR_YUV,  1, 0, 0 },
        { AV_PIX_FMT_YUV444P16LE, 3, 16, SP_COLOR_YUV,  0, 0, 0 },
        { AV_PIX_FMT_YUVA420P,    4,  8, SP_COLOR_YUV,  1, 1, 1 },
        { AV_PIX_FMT_YUVA444P10LE, 4, 10, SP_COLOR_YUV, 0, 0, 1 },
        { AV_PIX_FMT_GBRP,        3,  8, SP_COLOR_RGB,  0, 0, 0 },
        { AV_PIX_FMT_GBRP10LE,    3, 10, SP_COLOR_RGB,  0, 0, 0 },
        { AV_PIX_FMT_GBRAP,       4,  8, SP_COLOR_RGB,  0, 0, 1 },
        { AV_PIX_FMT_GBRAP16LE,   4, 16, SP_COLOR_RGB,  0, 0, 1 },
        { AV_PIX_FMT_GRAY8,       1,  8, SP_COLOR_GRAY, 0, 0, 0 },
        { AV_PIX_FMT_GRAY10LE,    1, 10, SP_COLOR_GRAY, 0, 0, 0 },
        { AV_PIX_FMT_GRAY16LE,    1, 16, SP_COLOR_GRAY, 0, 0, 0 },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const Layout *c = &cases[i];
        SpFrame f;
        memset(&f, 0x55, sizeof(f));
        assert_int_equal(cli_video_layout(c->fmt, &f), 0);
        assert_int_equal(f.nb_planes, c->nb_planes);
        assert_int_equal(f.depth, c->depth);
        assert_int_equal(f.color, c->color);
        assert_int_equal(f.ss_x, c->ss_x);
        assert_int_equal(f.ss_y, c->ss_y);
        assert_int_equal(f.has_alpha, c->has_alpha);
        assert_null(f.release);
        assert_int_equal(cli_video_work_format(c->fmt), c->fmt);
    }
}

typedef struct Work {
    enum AVPixelFormat fmt, work;
} Work;

static const Work converted[] = {
    { AV_PIX_FMT_NV12,        AV_PIX_FMT_YUV420P },
    { AV_PIX_FMT_NV21,        AV_PIX_FMT_YUV420P },
    { AV_PIX_FMT_NV16,        AV_PIX_FMT_YUV422P },
    { AV_PIX_FMT_P010LE,      AV_PIX_FMT_YUV420P10LE },
    { AV_PIX_FMT_P016LE,      AV_PIX_FMT_YUV420P16LE },
    { AV_PIX_FMT_YUYV422,     AV_PIX_FMT_YUV422P },
    { AV_PIX_FMT_YUV420P10BE, AV_PIX_FMT_YUV420P10LE },
    { AV_PIX_FMT_RGB24,       AV_PIX_FMT_GBRP },
    { AV_PIX_FMT_BGR24,       AV_PIX_FMT_GBRP },
    { AV_PIX_FMT_BGR0,        AV_PIX_FMT_GBRP },
    { AV_PIX_FMT_RGBA,        AV_PIX_FMT_GBRAP },
    { AV_PIX_FMT_BGRA,        AV_PIX_FMT_GBRAP },
    { AV_PIX_FMT_RGB48LE,     AV_PIX_FMT_GBRP16LE },
    { AV_PIX_FMT_GBRP10BE,    AV_PIX_FMT_GBRP10LE },
    { AV_PIX_FMT_GRAY16BE,    AV_PIX_FMT_GRAY16LE },
};

static void test_work_format(void **state)
{
    const AVPixFmtDescriptor *d;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(converted) / sizeof(converted[0]); i++) {
        assert_int_equal(cli_video_layout(converted[i].fmt, NULL), -1);
        assert_int_equal(cli_video_work_format(converted[i].fmt), converted[i].work);
    }
    /* packed gray + alpha has no planar twin: the alpha is given up */
    assert_int_equal(cli_video_work_format(AV_PIX_FMT_YA8), AV_PIX_FMT_GRAY8);
    /* every format libavutil knows maps to one the library reads in place */
    for (d = av_pix_fmt_desc_next(NULL); d; d = av_pix_fmt_desc_next(d)) {
        enum AVPixelFormat fmt = av_pix_fmt_desc_get_id(d);
        SpFrame f;
        if (d->flags & AV_PIX_FMT_FLAG_HWACCEL)
            continue;
        assert_int_equal(cli_video_layout(cli_video_work_format(fmt), &f), 0);
        assert_true(f.depth >= 8 && f.depth <= 16);
    }
}

/* A picture of fmt with every sample meaningful: random samples in its
 * work format, converted to fmt. */
static AVFrame *random_picture(enum AVPixelFormat fmt, enum AVPixelFormat work,
                               int w, int h, unsigned seed)
{
    struct SwsContext *sws = NULL;
    AVFrame *src = av_frame_alloc(), *out = NULL;
    SpFrame l;
    int p, x, y;

    assert_non_null(src);
    src->format = work;
    src->width = w;
    src->height = h;
    assert_int_equal(av_frame_get_buffer(src, 0), 0);
    assert_int_equal(cli_video_layout(work, &l), 0);
    for (p = 0; p < l.nb_planes; p++) {
        int pw = p == 1 || p == 2 ? -((-w) >> l.ss_x) : w;
        int ph = p == 1 || p == 2 ? -((-h) >> l.ss_y) : h;
        if (l.color != SP_COLOR_YUV)
            pw = w, ph = h;
        for (y = 0; y < ph; y++)
            for (x = 0; x < pw; x++) {
                unsigned v;
                seed = seed * 1103515245u + 12345u;
                v = (seed >> 8) & ((1u << l.depth) - 1);
                if (l.depth > 8)
                    ((uint16_t *)(src->data[p] + y * src->linesize[p]))[x] = (uint16_t)v;
                else
                    src->data[p][y * src->linesize[p] + x] = (uint8_t)v;
            }
    }
    src->color_range = AVCOL_RANGE_MPEG;
    if (cli_video_convert(&sws, src, fmt, w, h, &out) < 0)
        out = NULL;
    sws_freeContext(sws);
    av_frame_free(&src);
    return out;
}

static void assert_same_picture(const AVFrame *a, const AVFrame *b)
{
    int p, y;

    assert_int_equal(a->format, b->format);
    for (p = 0; p < 4 && a->data[p]; p++) {
        /* the bytes of each row that hold samples */
        int lines = p == 0 || p == 3 ? a->height
                    : -((-a->height) >> av_pix_fmt_desc_get(a->format)->log2_chroma_h);
        int bytes = av_image_get_linesize(a->format, a->width, p);
        if (av_pix_fmt_desc_get(a->format)->flags & AV_PIX_FMT_FLAG_RGB)
            lines = a->height;
        for (y = 0; y < lines; y++)
            assert_memory_equal(a->data[p] + y * a->linesize[p],
                                b->data[p] + y * b->linesize[p], bytes);
    }
}

#define W 66
#define H 45

/* Every pixel format that can be written goes to its work format and back
 * unchanged: an odd height for subsampled edges (libswscale drops the last
 * chroma column of odd-width semi-planar pictures; encoders take even
 * widths for subsampled chroma anyway). */
static void test_round_trip(void **state)
{
    const AVPixFmtDescriptor *d;
    int n = 0;

    (void)state;
    for (d = av_pix_fmt_desc_next(NULL); d; d = av_pix_fmt_desc_next(d)) {
        enum AVPixelFormat fmt = av_pix_fmt_desc_get_id(d);
        enum AVPixelFormat work = cli_video_work_format(fmt);
        struct SwsContext *to = NULL, *back = NULL;
        AVFrame *pic, *mid = NULL, *out = NULL;
        if (fmt == work || (d->flags & (AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BAYER |
                                        AV_PIX_FMT_FLAG_FLOAT | AV_PIX_FMT_FLAG_PAL)))
            continue; /* never written back as such */
        pic = random_picture(fmt, work, W, H, (unsigned)fmt + 1);
        assert_non_null(pic);
        assert_int_equal(cli_video_convert(&to, pic, work, W, H, &mid), 0);
        assert_int_equal(cli_video_convert(&back, mid, fmt, W, H, &out), 0);
        print_message("%s -> %s -> %s\n", d->name, av_get_pix_fmt_name(work), d->name);
        assert_same_picture(pic, out);
        sws_freeContext(to);
        sws_freeContext(back);
        av_frame_free(&pic);
        av_frame_free(&mid);
        av_frame_free(&out);
        n++;
    }
    assert_true(n > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_in_place),
        cmocka_unit_test(test_work_format),
        cmocka_unit_test(test_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
