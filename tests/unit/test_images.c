/*
 * Unit tests of the image-sequence job (src/cli/images.c, imgseq.c,
 * jpeg.c, png.c), called directly with a filled CliOptions: fixtures are
 * made at test time with libjpeg and libpng, and the outputs are read
 * back with libjpeg's coefficient API and libpng, independently of the
 * code under test where it matters (tables, sampling, markers, blocks).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jpeglib.h>
#include <libavutil/mem.h>
#include <libavutil/md5.h>
#include <png.h>

#include "src/cli/images.h"

static char tmpdir[256];

static const char *tp(const char *name)
{
    static char buf[8][512];
    static int k;

    k = (k + 1) % 8;
    snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
    return buf[k];
}

static void opts_init(CliOptions *o, const char *in, const char *out)
{
    memset(o, 0, sizeof(*o));
    o->command = CLI_REPAIR;
    o->inputs[0] = in;
    o->nb_inputs = 1;
    o->output = out;
    o->crf = -1;
    o->qscale = -1;
    o->overwrite = 1;
    o->loglevel = SP_LOG_ERROR;
    o->threads = 2;
}

/* Run the job with stderr captured into msg. */
static int run_capture(const CliOptions *o, char *msg, size_t size)
{
    int fd = open(tp("stderr.txt"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    int saved = dup(2), ret;
    ssize_t n;

    assert_true(fd >= 0);
    fflush(stderr);
    dup2(fd, 2);
    ret = cli_run_images(o);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    lseek(fd, 0, SEEK_SET);
    n = read(fd, msg, size - 1);
    msg[n > 0 ? n : 0] = 0;
    close(fd);
    return ret;
}

/* --- fixtures ----------------------------------------------------------- */

static const uint8_t exif[] = "Exif\0\0MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0";
static const uint8_t icc[] = "ICC_PROFILE\0\x01\x01" "not a real profile, just bytes to keep";
static const char comment[] = "spotheal test fixture";

static void pattern_rgb(uint8_t *rgb, int w, int h, int seed)
{
    int x, y;

    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++) {
            uint8_t *p = rgb + ((size_t)y * w + x) * 3;
            p[0] = (uint8_t)(x * 2 + seed * 5);
            p[1] = (uint8_t)(y * 3 + ((x / 8 + y / 8) & 1) * 40);
            p[2] = (uint8_t)((x * y) / 64 + seed);
        }
}

#define JF_PROGRESSIVE 1
#define JF_RESTART     2
#define JF_ARITH       4
#define JF_OPTIMIZE    8
#define JF_16BIT      16 /* quantisation steps over 255 (16-bit tables) */

/* A JPEG with JFIF, EXIF, ICC and COM markers; luma sampling hs x vs;
 * flags JF_*; a dark square (a dust spot) at spot_x, spot_y if spot_x >= 0. */
static void make_jpeg(const char *path, int w, int h, int hs, int vs, int gray,
                      int quality, int flags, int spot_x, int spot_y,
                      int seed)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    uint8_t *rgb = malloc((size_t)w * h * 3);
    FILE *f = fopen(path, "wb");
    int x, y;

    assert_non_null(rgb);
    assert_non_null(f);
    pattern_rgb(rgb, w, h, seed);
    if (spot_x >= 0)
        for (y = spot_y; y < spot_y + 5; y++)
            for (x = spot_x; x < spot_x + 5; x++)
                memset(rgb + ((size_t)y * w + x) * 3, 10, 3);
    if (gray)
        for (x = 0; x < w * h; x++)
            rgb[x] = rgb[x * 3 + 1];
    c.err = jpeg_std_error(&jerr);
    jerr.trace_level = -1; /* no note on 16-bit tables */
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = w;
    c.image_height = h;
    c.input_components = gray ? 1 : 3;
    c.in_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, !(flags & JF_16BIT));
    if (!gray) {
        c.comp_info[0].h_samp_factor = hs;
        c.comp_info[0].v_samp_factor = vs;
    }
    if (flags & JF_PROGRESSIVE)
        jpeg_simple_progression(&c);
    if (flags & JF_RESTART)
        c.restart_interval = 3;
    if (flags & JF_ARITH)
        c.arith_code = TRUE;
    if (flags & JF_OPTIMIZE)
        c.optimize_coding = TRUE;
    jpeg_start_compress(&c, TRUE);
    jpeg_write_marker(&c, JPEG_APP0 + 1, exif, sizeof(exif) - 1);
    jpeg_write_marker(&c, JPEG_APP0 + 2, icc, sizeof(icc) - 1);
    jpeg_write_marker(&c, JPEG_COM, (const JOCTET *)comment, strlen(comment));
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = rgb + (size_t)c.next_scanline * w * (gray ? 1 : 3);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
    free(rgb);
}

/* What a JPEG holds, read with libjpeg's coefficient API. */
typedef struct JInfo {
    int w, h, nb, progressive, restart, arith;
    int hs[4], vs[4], bw[4], bh[4];
    uint16_t q[4][64];
    uint8_t markers[4096];
    size_t markers_len;
    JCOEF *coef[4];
    int warnings;      /* libjpeg's, reading it: a damaged stream has some */
} JInfo;

static void jinfo_read(const char *path, JInfo *ji)
{
    struct jpeg_decompress_struct d;
    struct jpeg_error_mgr jerr;
    jpeg_saved_marker_ptr m;
    jvirt_barray_ptr *arr;
    FILE *f = fopen(path, "rb");
    int ci, k, by;

    assert_non_null(f);
    memset(ji, 0, sizeof(*ji));
    d.err = jpeg_std_error(&jerr);
    jpeg_create_decompress(&d);
    jpeg_stdio_src(&d, f);
    jpeg_save_markers(&d, JPEG_COM, 0xffff);
    for (k = 0; k < 16; k++)
        jpeg_save_markers(&d, JPEG_APP0 + k, 0xffff);
    jpeg_read_header(&d, TRUE);
    arr = jpeg_read_coefficients(&d);
    ji->w = d.image_width;
    ji->h = d.image_height;
    ji->nb = d.num_components;
    ji->progressive = d.progressive_mode;
    ji->restart = d.restart_interval;
    ji->arith = d.arith_code;
    for (m = d.marker_list; m; m = m->next) {
        assert_true(ji->markers_len + m->data_length + 1 <= sizeof(ji->markers));
        ji->markers[ji->markers_len++] = m->marker;
        memcpy(ji->markers + ji->markers_len, m->data, m->data_length);
        ji->markers_len += m->data_length;
    }
    for (ci = 0; ci < d.num_components; ci++) {
        jpeg_component_info *cp = &d.comp_info[ci];
        ji->hs[ci] = cp->h_samp_factor;
        ji->vs[ci] = cp->v_samp_factor;
        ji->bw[ci] = cp->width_in_blocks;
        ji->bh[ci] = cp->height_in_blocks;
        for (k = 0; k < 64; k++)
            ji->q[ci][k] = d.quant_tbl_ptrs[cp->quant_tbl_no]->quantval[k];
        ji->coef[ci] = malloc((size_t)ji->bw[ci] * ji->bh[ci] * 64 * sizeof(JCOEF));
        assert_non_null(ji->coef[ci]);
        for (by = 0; by < ji->bh[ci]; by++) {
            JBLOCKARRAY row = (*d.mem->access_virt_barray)((j_common_ptr)&d,
                                                           arr[ci], by, 1, FALSE);
            memcpy(ji->coef[ci] + (size_t)by * ji->bw[ci] * 64, row[0],
                   (size_t)ji->bw[ci] * 64 * sizeof(JCOEF));
        }
    }
    jpeg_finish_decompress(&d);
    ji->warnings = (int)jerr.num_warnings;
    jpeg_destroy_decompress(&d);
    fclose(f);
}

static void jinfo_free(JInfo *ji)
{
    int ci;

    for (ci = 0; ci < 4; ci++)
        free(ji->coef[ci]);
}

/* Blocks of component ci that differ between a and b. */
static long blocks_differ(const JInfo *a, const JInfo *b, int ci)
{
    long n = 0, i, nb = (long)a->bw[ci] * a->bh[ci];

    for (i = 0; i < nb; i++)
        n += memcmp(a->coef[ci] + i * 64, b->coef[ci] + i * 64,
                    64 * sizeof(JCOEF)) != 0;
    return n;
}

static void assert_same_jpeg_layout(const JInfo *a, const JInfo *b)
{
    int ci;

    assert_int_equal(a->w, b->w);
    assert_int_equal(a->h, b->h);
    assert_int_equal(a->nb, b->nb);
    assert_int_equal(a->progressive, b->progressive);
    assert_int_equal(a->restart, b->restart);
    assert_int_equal(a->arith, b->arith);
    for (ci = 0; ci < a->nb; ci++) {
        assert_int_equal(a->hs[ci], b->hs[ci]);
        assert_int_equal(a->vs[ci], b->vs[ci]);
        assert_memory_equal(a->q[ci], b->q[ci], sizeof(a->q[ci]));
    }
    assert_int_equal(a->markers_len, b->markers_len);
    assert_memory_equal(a->markers, b->markers, a->markers_len);
}

/* md5 (hex) of the planes cli_jpeg_read / cli_png_read decode, visible
 * area only. */
static void image_md5(const char *path, char hex[33])
{
    CliOptions o;
    CliImage img;
    struct AVMD5 *md5 = av_md5_alloc();
    uint8_t d[16];
    int p, y, i;

    opts_init(&o, path, NULL);
    memset(&img, 0, sizeof(img));
    img.path = path;
    assert_int_equal(cli_image_read(&o, &img, 0), 0);
    av_md5_init(md5);
    for (p = 0; p < img.frame.nb_planes; p++) {
        int sx = p && p < 3 && img.frame.color == SP_COLOR_YUV ? img.frame.ss_x : 0;
        int sy = p && p < 3 && img.frame.color == SP_COLOR_YUV ? img.frame.ss_y : 0;
        int pw = -(-img.frame.width >> sx), ph = -(-img.frame.height >> sy);
        int bps = img.frame.depth > 8 ? 2 : 1;
        for (y = 0; y < ph; y++)
            av_md5_update(md5, img.frame.data[p] + y * img.frame.stride[p],
                          (size_t)pw * bps);
    }
    av_md5_final(md5, d);
    for (i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    av_free(md5);
    cli_image_free(&img);
}

/* A PNG of the given colour type and depth, with a tEXt chunk. */
static void make_png(const char *path, int w, int h, int type, int depth,
                     int seed)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    int ch = type == PNG_COLOR_TYPE_RGB ? 3 : type == PNG_COLOR_TYPE_RGB_ALPHA ? 4
           : type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 1;
    size_t rowbytes = (size_t)w * ch * (depth == 16 ? 2 : 1);
    uint8_t *buf = malloc(rowbytes * h);
    FILE *f = fopen(path, "wb");
    png_text text;
    uint32_t rnd = 1;
    int x, y, k;

    assert_non_null(f);
    assert_non_null(buf);
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, depth, type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (type == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[16];
        png_byte trns[16];
        for (k = 0; k < 16; k++) {
            pal[k].red = (png_byte)(k * 16);
            pal[k].green = (png_byte)(255 - k * 16);
            pal[k].blue = (png_byte)(k * 7);
            trns[k] = (png_byte)(k == 3 ? 1 : 255); /* 0 would be missing */
        }
        png_set_PLTE(png, info, pal, 16);
        png_set_tRNS(png, info, trns, 16, NULL);
    }
    memset(&text, 0, sizeof(text));
    text.compression = PNG_TEXT_COMPRESSION_NONE;
    text.key = (char *)"Comment";
    text.text = (char *)"spotheal test fixture";
    png_set_text(png, info, &text, 1);
    png_write_info(png, info);
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
            for (k = 0; k < ch; k++) {
                unsigned v = (unsigned)(x * 37 + y * 11 * (k + 1) + seed * 3 + k * 50);
                if (seed == 99) { /* noise: compresses badly */
                    rnd = rnd * 1664525u + 1013904223u;
                    v = rnd >> 24;
                }
                if (type == PNG_COLOR_TYPE_PALETTE)
                    v &= 15;
                else if ((type & PNG_COLOR_MASK_ALPHA) && k == ch - 1 && !(v & 255))
                    v |= 1; /* fully transparent pixels are healed as missing */
                if (depth == 16) {
                    uint8_t *p = buf + y * rowbytes + ((size_t)x * ch + k) * 2;
                    v = v * 257 + (unsigned)x; /* low byte matters */
                    p[0] = (uint8_t)(v >> 8);
                    p[1] = (uint8_t)v;
                } else {
                    buf[y * rowbytes + (size_t)x * ch + k] = (uint8_t)v;
                }
            }
    for (y = 0; y < h; y++)
        png_write_row(png, buf + y * rowbytes);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    fclose(f);
    free(buf);
}

/* The text of the "Comment" key of a PNG, or "". */
static void png_comment(const char *path, char *out, size_t size)
{
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    png_textp t;
    FILE *f = fopen(path, "rb");
    int n, i;

    assert_non_null(f);
    out[0] = 0;
    png_init_io(png, f);
    png_read_info(png, info);
    n = png_get_text(png, info, &t, NULL);
    for (i = 0; i < n; i++)
        if (!strcmp(t[i].key, "Comment"))
            snprintf(out, size, "%s", t[i].text);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
}

static void make_mask(const char *path, int w, int h, int x0, int y0, int s)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    uint8_t *row = malloc(w);
    FILE *f = fopen(path, "wb");
    int x, y;

    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (y = 0; y < h; y++) {
        for (x = 0; x < w; x++)
            row[x] = x >= x0 && x < x0 + s && y >= y0 && y < y0 + s ? 255 : 0;
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    fclose(f);
    free(row);
}

static int same_bytes(const char *a, const char *b)
{
    char cmd[1100];

    snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", a, b);
    return system(cmd) == 0;
}

static void quiet_emit(j_common_ptr c, int level)
{
    if (level < 0)
        c->err->num_warnings++;
}

/* libjpeg decodes the file without a warning (complete, valid data). */
static int jpeg_clean(const char *path)
{
    struct jpeg_decompress_struct d;
    struct jpeg_error_mgr jerr;
    FILE *f = fopen(path, "rb");
    uint8_t *row;
    long warnings;

    assert_non_null(f);
    d.err = jpeg_std_error(&jerr);
    jerr.emit_message = quiet_emit;
    jpeg_create_decompress(&d);
    jpeg_stdio_src(&d, f);
    jpeg_read_header(&d, TRUE);
    jpeg_start_decompress(&d);
    row = malloc((size_t)d.output_width * d.output_components);
    while (d.output_scanline < d.output_height)
        jpeg_read_scanlines(&d, &row, 1);
    jpeg_finish_decompress(&d);
    warnings = jerr.num_warnings;
    jpeg_destroy_decompress(&d);
    fclose(f);
    free(row);
    return warnings == 0;
}

static int exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

/* No temporary file left in a folder. */
static int temp_files_in(const char *dir)
{
    char cmd[600];
    FILE *p;
    int n = 0;

    snprintf(cmd, sizeof(cmd), "ls -A '%s' | grep -c spotheal-", dir);
    p = popen(cmd, "r");
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

/* --- tests -------------------------------------------------------------- */

static void test_spec_and_order(void **state)
{
    CliOptions o;
    CliSeq seq;
    char name[64];
    int i;

    (void)state;
    opts_init(&o, NULL, NULL);
    assert_true(cli_is_image_spec("dump/frame-%05d.jpg"));
    assert_true(cli_is_image_spec("dump/*.jpg"));
    assert_true(cli_is_image_spec("a.PNG"));
    assert_true(cli_is_image_spec(tmpdir));
    assert_false(cli_is_image_spec("clip.mp4"));
    assert_false(cli_is_image_spec("-"));
    assert_false(cli_is_image_spec("100%%.mkv"));
    assert_true(cli_natural_cmp("f2.png", "f10.png") < 0);
    assert_true(cli_natural_cmp("f010.png", "f9.png") > 0);
    assert_int_equal(cli_natural_cmp("a", "a"), 0);

    mkdir(tp("ord"), 0755);
    for (i = 3; i <= 7; i++) {
        snprintf(name, sizeof(name), "ord/s%02d.jpg", i);
        make_jpeg(tp(name), 32, 16, 2, 2, 0, 90, 0, -1, 0, i);
    }
    /* pattern: the start number (3) is found */
    assert_int_equal(cli_seq_list(&o, tp("ord/s%02d.jpg"), &seq), 0);
    assert_int_equal(seq.nb, 5);
    assert_int_equal(seq.e[0].number, 3);
    assert_int_equal(seq.e[4].number, 7);
    /* output pattern keeps the input's numbers */
    assert_int_equal(cli_seq_outputs(&o, tp("ord/o%03d.jpg"), &seq), 0);
    assert_string_equal(seq.e[0].out, tp("ord/o003.jpg"));
    cli_seq_free(&seq);

    /* glob and folder: natural order, numbered from 1 in a pattern */
    make_png(tp("ord/f10.png"), 8, 8, PNG_COLOR_TYPE_GRAY, 8, 0);
    make_png(tp("ord/f2.png"), 8, 8, PNG_COLOR_TYPE_GRAY, 8, 0);
    make_png(tp("ord/f1.png"), 8, 8, PNG_COLOR_TYPE_GRAY, 8, 0);
    assert_int_equal(cli_seq_list(&o, tp("ord/f*.png"), &seq), 0);
    assert_int_equal(seq.nb, 3);
    assert_string_equal(seq.e[0].in, tp("ord/f1.png"));
    assert_string_equal(seq.e[1].in, tp("ord/f2.png"));
    assert_string_equal(seq.e[2].in, tp("ord/f10.png"));
    assert_int_equal(cli_seq_outputs(&o, tp("ord/g%d.png"), &seq), 0);
    assert_string_equal(seq.e[2].out, tp("ord/g3.png"));
    cli_seq_free(&seq);
    assert_int_equal(cli_seq_list(&o, tp("ord"), &seq), 0);
    assert_int_equal(seq.nb, 8);
    assert_string_equal(seq.e[0].in, tp("ord/f1.png"));
    assert_string_equal(seq.e[3].in, tp("ord/s03.jpg"));
    cli_seq_free(&seq);

    o.loglevel = -1; /* quiet */
    assert_int_equal(cli_seq_list(&o, tp("ord/none%03d.jpg"), &seq), -ENOENT);
    assert_int_equal(cli_seq_list(&o, tp("ord/*.gif"), &seq), -ENOENT);
    assert_int_equal(cli_seq_list(&o, tp("ord/x%d%d.jpg"), &seq), -EINVAL);
}

/* Identity on JPEGs of every subsampling: same names, tables, sampling,
 * markers, and every block's coefficients. */
static void test_jpeg_identity(void **state)
{
    static const struct { int hs, vs, gray, flags; } cases[] = {
        { 2, 2, 0, 0 }, { 2, 1, 0, 0 }, { 1, 1, 0, 0 }, { 1, 1, 1, 0 },
        { 2, 2, 0, JF_PROGRESSIVE }, { 4, 1, 0, JF_RESTART }, { 1, 2, 0, 0 },
        { 2, 2, 0, JF_ARITH }, { 1, 1, 1, JF_PROGRESSIVE | JF_RESTART },
    };
    CliOptions o;
    char in[64], out[64], msg[4096];
    int k, i, ci;

    (void)state;
    for (k = 0; k < (int)(sizeof(cases) / sizeof(cases[0])); k++) {
        snprintf(in, sizeof(in), "id%d", k);
        snprintf(out, sizeof(out), "id%d-out/", k);
        mkdir(tp(in), 0755);
        for (i = 0; i < 3; i++) {
            char name[64];
            snprintf(name, sizeof(name), "id%d/img_%d.jpg", k, i + 1);
            /* odd sizes: partial blocks and MCUs at the edges */
            make_jpeg(tp(name), 101, 67, cases[k].hs, cases[k].vs,
                      cases[k].gray, 85, cases[k].flags, -1, 0, i);
        }
        opts_init(&o, tp(in), tp(out));
        assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_OK);
        for (i = 0; i < 3; i++) {
            char a[64], b[64];
            JInfo ja, jb;
            snprintf(a, sizeof(a), "id%d/img_%d.jpg", k, i + 1);
            snprintf(b, sizeof(b), "id%d-out/img_%d.jpg", k, i + 1);
            jinfo_read(tp(a), &ja);
            jinfo_read(tp(b), &jb);
            assert_same_jpeg_layout(&ja, &jb);
            for (ci = 0; ci < ja.nb; ci++)
                assert_int_equal(blocks_differ(&ja, &jb, ci), 0);
            /* nothing changed: the file is copied byte for byte */
            assert_true(same_bytes(tp(a), tp(b)));
            jinfo_free(&ja);
            jinfo_free(&jb);
        }
        assert_int_equal(temp_files_in(tp(out)), 0);
    }
}

/* The decoded pixels of a 4:2:0 file: planes at their own resolution. */
static void test_jpeg_read_layout(void **state)
{
    CliOptions o;
    CliImage img;

    (void)state;
    make_jpeg(tp("lay.jpg"), 101, 67, 2, 2, 0, 90, 0, -1, 0, 1);
    opts_init(&o, NULL, NULL);
    memset(&img, 0, sizeof(img));
    img.path = tp("lay.jpg");
    assert_int_equal(cli_image_read(&o, &img, 0), 0);
    assert_int_equal(img.frame.color, SP_COLOR_YUV);
    assert_int_equal(img.frame.nb_planes, 3);
    assert_int_equal(img.frame.ss_x, 1);
    assert_int_equal(img.frame.ss_y, 1);
    assert_int_equal(img.frame.width, 101);
    assert_int_equal(img.frame.height, 67);
    assert_int_equal(img.jpg.nb_markers, 4); /* JFIF, EXIF, ICC, COM */
    assert_int_equal(img.jpg.markers[1].code, JPEG_APP0 + 1);
    assert_memory_equal(img.jpg.markers[1].data, exif, sizeof(exif) - 1);
    cli_image_free(&img);

    make_jpeg(tp("lay-g.jpg"), 40, 24, 1, 1, 1, 90, 0, -1, 0, 1);
    memset(&img, 0, sizeof(img));
    img.path = tp("lay-g.jpg");
    assert_int_equal(cli_image_read(&o, &img, 0), 0);
    assert_int_equal(img.frame.color, SP_COLOR_GRAY);
    assert_int_equal(img.frame.nb_planes, 1);
    cli_image_free(&img);
}

/* The block transform against libjpeg's own encoder on the same pixels:
 * libjpeg's float DCT must agree exactly on nearly every coefficient and
 * never be off by more than one step. */
static void test_fdct_matches_libjpeg(void **state)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    uint8_t *pix = malloc(64 * 64);
    unsigned long size = 0;
    unsigned char *mem = NULL;
    uint32_t r = 12345;
    JInfo ji;
    FILE *f;
    long same = 0, total = 0;
    int x, y, bx, by, k, maxd = 0;

    (void)state;
    for (y = 0; y < 64; y++)
        for (x = 0; x < 64; x++) {
            r = r * 1664525u + 1013904223u;
            /* smooth ramps in some blocks, noise in others */
            pix[y * 64 + x] = (uint8_t)(((x / 8 + y / 8) & 1)
                                        ? (int)(r >> 24) : (x * 3 + y * 2));
        }
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &mem, &size);
    c.image_width = 64;
    c.image_height = 64;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 92, TRUE);
    c.dct_method = JDCT_FLOAT;
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < 64) {
        JSAMPROW row = pix + c.next_scanline * 64;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    f = fopen(tp("fdct.jpg"), "wb");
    fwrite(mem, 1, size, f);
    fclose(f);
    free(mem);
    jinfo_read(tp("fdct.jpg"), &ji);
    for (by = 0; by < 8; by++)
        for (bx = 0; bx < 8; bx++) {
            int16_t mine[64];
            const JCOEF *lib = ji.coef[0] + ((size_t)by * 8 + bx) * 64;
            cli_jpeg_fdct_quant(pix + by * 8 * 64 + bx * 8, 64, ji.q[0], mine);
            for (k = 0; k < 64; k++) {
                int d = abs(mine[k] - lib[k]);
                if (d > maxd)
                    maxd = d;
                same += !d;
                total++;
            }
        }
    assert_true(maxd <= 1);
    assert_true(same * 1000 >= total * 995);
    jinfo_free(&ji);
    free(pix);
}

/* The optimised forward DCT gives the plain one's values, on random blocks
 * (noise, flat, extremes) and random tables. */
static void test_fdct_matches_plain(void **state)
{
    uint32_t r = 777;
    int t, k;

    (void)state;
    for (t = 0; t < 4000; t++) {
        uint8_t pix[8 * 11];
        uint16_t q[64];
        int16_t a[64], b[64];
        int kind = t % 4;
        for (k = 0; k < 8 * 11; k++) {
            r = r * 1664525u + 1013904223u;
            pix[k] = kind == 0 ? (uint8_t)(r >> 24) : kind == 1 ? 128 + (int)(r >> 30) :
                     kind == 2 ? ((r >> 31) ? 255 : 0) : (uint8_t)(k * 3 + (r >> 29));
        }
        for (k = 0; k < 64; k++) {
            r = r * 1664525u + 1013904223u;
            q[k] = (uint16_t)(t & 1 ? 1 + (r >> 29) : 1 + (r >> 24));
        }
        cli_jpeg_fdct_quant(pix, 11, q, a);
        cli_jpeg_fdct_quant_c(pix, 11, q, b);
        assert_memory_equal(a, b, sizeof(a));
    }
}

/* With a mask: only the blocks under the mask are re-encoded, every other
 * block keeps its coefficients; the dark spot is healed; golden hash. */
static void test_jpeg_mask_blocks(void **state)
{
    CliOptions o;
    char msg[4096], hex[33];
    JInfo ja, jb;
    CliImage img;
    int ci, bx, by, changed = 0;

    (void)state;
    mkdir(tp("msk"), 0755);
    make_jpeg(tp("msk/0001.jpg"), 96, 64, 2, 2, 0, 90, 0, 41, 21, 3);
    make_mask(tp("mask.png"), 96, 64, 40, 20, 7);
    opts_init(&o, tp("msk/%04d.jpg"), tp("msk-out-%04d.jpg"));
    o.mask = tp("mask.png");
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_OK);
    jinfo_read(tp("msk/0001.jpg"), &ja);
    jinfo_read(tp("msk-out-0001.jpg"), &jb);
    assert_same_jpeg_layout(&ja, &jb);
    for (ci = 0; ci < 3; ci++) {
        int s = ci ? 1 : 0; /* 4:2:0 */
        /* the mask covers pixels 40..46 x 20..26 */
        int bx0 = (40 >> s) / 8, bx1 = (46 >> s) / 8;
        int by0 = (20 >> s) / 8, by1 = (26 >> s) / 8;
        for (by = 0; by < ja.bh[ci]; by++)
            for (bx = 0; bx < ja.bw[ci]; bx++) {
                size_t off = ((size_t)by * ja.bw[ci] + bx) * 64;
                int diff = memcmp(ja.coef[ci] + off, jb.coef[ci] + off,
                                  64 * sizeof(JCOEF)) != 0;
                if (bx < bx0 || bx > bx1 || by < by0 || by > by1)
                    assert_false(diff);
                changed += diff;
            }
    }
    assert_true(changed >= 4); /* luma blocks under the spot at least */
    jinfo_free(&ja);
    jinfo_free(&jb);

    /* the spot (level 10 in a picture of mid levels) is gone */
    opts_init(&o, NULL, NULL);
    memset(&img, 0, sizeof(img));
    img.path = tp("msk-out-0001.jpg");
    assert_int_equal(cli_image_read(&o, &img, 0), 0);
    assert_true(img.frame.data[0][23 * img.frame.stride[0] + 43] > 40);
    cli_image_free(&img);

    /* golden: decoded planes of the repaired file */
    image_md5(tp("msk-out-0001.jpg"), hex);
    assert_string_equal(hex, "e2724bc03f98caa8b81a3856f8b899ee");
}

/* The block-wise writer codes with the input's own Huffman tables when
 * they hold every symbol the image needs (standard tables always do),
 * and falls back to optimised tables when not (an optimised input's
 * tables lack what the new blocks need): either way the file decodes
 * cleanly and every block outside the mask keeps its coefficients, with
 * restart intervals, gray files and edge MCUs with dummy blocks. */
static void test_jpeg_own_tables(void **state)
{
    static const struct { int w, h, hs, vs, gray, flags, own; } v[] = {
        { 96, 64, 2, 2, 0, 0, 1 },
        { 96, 64, 2, 2, 0, JF_RESTART, 1 },
        { 100, 70, 2, 1, 0, 0, 1 },
        { 100, 70, 2, 1, 0, JF_RESTART, 1 },
        { 90, 60, 1, 1, 1, 0, 1 },
        { 96, 64, 2, 2, 0, JF_OPTIMIZE, -1 },
        { 100, 70, 2, 1, 0, JF_OPTIMIZE | JF_RESTART, -1 },
        { 90, 60, 1, 1, 1, JF_OPTIMIZE, -1 },
    };
    CliOptions o;
    char msg[4096], in[256], out[256];
    JInfo ja, jb;
    int i, ci, bx, by;

    (void)state;
    mkdir(tp("own"), 0755);
    /* the check itself: an optimised file's tables hold exactly the
     * symbols of its blocks, so the DC differences recomputed in the
     * writer's order (edge MCUs, restarts) must all be found */
    for (i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++) {
        snprintf(in, sizeof(in), "%s/opt-%02d.jpg", tp("own"), i);
        make_jpeg(in, v[i].w, v[i].h, v[i].hs, v[i].vs, v[i].gray, 90,
                  v[i].flags | JF_OPTIMIZE, -1, 0, 9 + i);
        assert_int_equal(cli_jpeg_own_tables_cover(in), 1);
    }
    make_mask(tp("own-mask.png"), 96, 64, 40, 20, 7);
    for (i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++) {
        snprintf(in, sizeof(in), "%s/%02d.jpg", tp("own"), i);
        snprintf(out, sizeof(out), "%s-out-%02d.jpg", tp("own"), i);
        make_jpeg(in, v[i].w, v[i].h, v[i].hs, v[i].vs, v[i].gray, 90, v[i].flags,
                  41, 21, 5 + i);
        make_mask(tp("own-mask.png"), v[i].w, v[i].h, 40, 20, 7);
        opts_init(&o, in, out);
        o.mask = tp("own-mask.png");
        o.loglevel = SP_LOG_VERBOSE;
        assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_OK);
        if (v[i].own > 0)
            assert_non_null(strstr(msg, "1 image written with its own Huffman tables"));
        jinfo_read(in, &ja);
        jinfo_read(out, &jb);
        assert_int_equal(jb.warnings, 0);
        assert_same_jpeg_layout(&ja, &jb);
        for (ci = 0; ci < ja.nb; ci++) {
            int sx = ci ? (v[i].hs == 2) : 0, sy = ci ? (v[i].vs == 2) : 0;
            int bx0 = (40 >> sx) / 8, bx1 = (46 >> sx) / 8;
            int by0 = (20 >> sy) / 8, by1 = (26 >> sy) / 8;
            for (by = 0; by < ja.bh[ci]; by++)
                for (bx = 0; bx < ja.bw[ci]; bx++) {
                    size_t off = ((size_t)by * ja.bw[ci] + bx) * 64;
                    if (bx < bx0 || bx > bx1 || by < by0 || by > by1)
                        assert_memory_equal(ja.coef[ci] + off, jb.coef[ci] + off,
                                            64 * sizeof(JCOEF));
                }
        }
        jinfo_free(&ja);
        jinfo_free(&jb);
    }
}

/* The writer's check of the DC differences that re-encoding changes
 * agrees with the walk over every block: optimised files (tables that
 * hold only their own symbols), edge MCUs with dummy blocks, restart
 * intervals, gray; random blocks given small and large DC changes, near
 * the edges and restarts too. */
static void test_jpeg_dc_check(void **state)
{
    static const struct { int w, h, hs, vs, gray, flags; } v[] = {
        { 96, 64, 2, 2, 0, JF_OPTIMIZE },
        { 100, 70, 2, 2, 0, JF_OPTIMIZE },
        { 100, 70, 2, 1, 0, JF_OPTIMIZE | JF_RESTART },
        { 90, 60, 1, 1, 1, JF_OPTIMIZE | JF_RESTART },
        { 90, 60, 1, 1, 1, JF_OPTIMIZE },
        { 121, 67, 2, 2, 0, JF_OPTIMIZE | JF_RESTART },
        { 96, 64, 2, 2, 0, 0 },
    };
    char in[256];
    uint32_t r = 99;
    int i, t, k, agree = 0, covered = 0;

    (void)state;
    mkdir(tp("dcc"), 0755);
    for (i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++) {
        JInfo ji;
        snprintf(in, sizeof(in), "%s/%02d.jpg", tp("dcc"), i);
        make_jpeg(in, v[i].w, v[i].h, v[i].hs, v[i].vs, v[i].gray, 90, v[i].flags,
                  -1, 0, 3 + i);
        jinfo_read(in, &ji);
        for (t = 0; t < 300; t++) {
            int change[6][4], n = 1 + t % 6, full = -2, local;
            for (k = 0; k < n; k++) {
                int ci, bx, by;
                r = r * 1664525u + 1013904223u;
                ci = (int)(r >> 8) % ji.nb;
                bx = (int)(r >> 12) % ji.bw[ci];
                by = (int)(r >> 20) % ji.bh[ci];
                if (t % 3 == 0) { /* the last column or row */
                    if (r & 1)
                        bx = ji.bw[ci] - 1;
                    else
                        by = ji.bh[ci] - 1;
                }
                change[k][0] = ci;
                change[k][1] = bx;
                change[k][2] = by;
                change[k][3] = ji.coef[ci][((size_t)by * ji.bw[ci] + bx) * 64] +
                               (int)((r >> 26) % 9) - 4 +
                               ((t & 7) == 5 ? (int)(r >> 24) - 128 : 0);
            }
            local = cli_jpeg_tables_cover_both(in, (const int (*)[4])change, n, &full);
            assert_true(local >= 0);
            assert_int_equal(local, full);
            agree++;
            covered += local;
        }
        jinfo_free(&ji);
    }
    /* both answers came up */
    assert_true(covered > 0 && covered < agree);
}

/* The writer finds changed blocks itself: a sample changed outside the
 * reported touched box is still written, and only its block changes. */
static void test_jpeg_write_changed_block(void **state)
{
    CliOptions o;
    CliImage img;
    JInfo ja, jb;
    CliJpegWriteStats st = { 0, 0, 0, 0, 0 };
    int ci;

    (void)state;
    make_jpeg(tp("wb.jpg"), 64, 48, 2, 2, 0, 90, 0, -1, 0, 5);
    opts_init(&o, NULL, NULL);
    memset(&img, 0, sizeof(img));
    img.path = tp("wb.jpg");
    img.out_path = tp("wb-out.jpg");
    assert_int_equal(cli_image_read(&o, &img, 1), 0);
    assert_non_null(img.block_hash);
    /* luma sample (37, 21): block (4, 2); nothing reported as touched */
    img.frame.data[0][21 * img.frame.stride[0] + 37] ^= 0x80;
    assert_int_equal(cli_jpeg_write(&o, &img, tp("wb-out.jpg"), -1, 0, &st), 0);
    assert_int_equal(st.changed, 1);
    assert_int_equal(st.blocks, 8 * 6 + 2 * 4 * 3);
    cli_image_free(&img);
    jinfo_read(tp("wb.jpg"), &ja);
    jinfo_read(tp("wb-out.jpg"), &jb);
    assert_same_jpeg_layout(&ja, &jb);
    assert_int_equal(blocks_differ(&ja, &jb, 0), 1);
    assert_memory_not_equal(ja.coef[0] + (2 * 8 + 4) * 64,
                            jb.coef[0] + (2 * 8 + 4) * 64, 64 * sizeof(JCOEF));
    for (ci = 1; ci < 3; ci++)
        assert_int_equal(blocks_differ(&ja, &jb, ci), 0);
    jinfo_free(&ja);
    jinfo_free(&jb);
}

static uint8_t *file_bytes(const char *path, long *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc(*size ? (size_t)*size : 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)*size, f), (size_t)*size);
    fclose(f);
    return b;
}

/* The block-wise writer's optimised tables are the library's statistics
 * pass's, file for file: edge MCUs with dummy blocks, every sampling,
 * gray, restart intervals, inputs coded progressive or arithmetic (written
 * sequential), blocks with long zero runs and the largest magnitudes. */
static void test_jpeg_optimal_tables(void **state)
{
    static const struct { int w, h, hs, vs, gray, flags; } v[] = {
        { 101, 67, 2, 2, 0, 0 },
        { 101, 67, 2, 2, 0, JF_RESTART },
        { 100, 70, 2, 1, 0, JF_OPTIMIZE },
        { 70, 100, 1, 2, 0, JF_RESTART },
        { 99, 61, 1, 1, 0, 0 },
        { 90, 61, 1, 1, 1, JF_RESTART },
        { 64, 48, 2, 2, 0, JF_PROGRESSIVE },
        { 64, 48, 2, 2, 0, JF_ARITH },
    };
    char in[256], a[256], b[256];
    int i, seed;

    (void)state;
    mkdir(tp("opt"), 0755);
    for (i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++) {
        snprintf(in, sizeof(in), "%s/%02d.jpg", tp("opt"), i);
        make_jpeg(in, v[i].w, v[i].h, v[i].hs, v[i].vs, v[i].gray, 85, v[i].flags,
                  -1, 0, 3 + i);
        for (seed = 1; seed <= 3; seed++) {
            uint8_t *da, *db;
            long na, nb;
            snprintf(a, sizeof(a), "%s/%02d-%d-lib.jpg", tp("opt"), i, seed);
            snprintf(b, sizeof(b), "%s/%02d-%d-own.jpg", tp("opt"), i, seed);
            assert_int_equal(cli_jpeg_test_optimal_tables(in, a, b, (unsigned)(seed * 977 + i)), 0);
            da = file_bytes(a, &na);
            db = file_bytes(b, &nb);
            assert_int_equal(na, nb);
            assert_memory_equal(da, db, (size_t)na);
            free(da);
            free(db);
        }
    }
}

/* A JPEG's frame header made to say w x h (smaller, in the same MCUs):
 * the blocks past the new edges become the edge MCUs' dummy blocks with
 * the content they were coded with (the library's encoder codes dummy
 * blocks as a zero DC difference and an end of block; others do not). */
static void shrink_frame(const char *path, int w, int h)
{
    long n, i;
    uint8_t *d = file_bytes(path, &n);
    FILE *f;

    for (i = 2; i + 9 < n && !(d[i] == 0xff && (d[i + 1] == 0xc0 || d[i + 1] == 0xc1 ||
                                                d[i + 1] == 0xc2)); i++)
        ;
    assert_true(i + 9 < n);
    d[i + 5] = (uint8_t)(h >> 8);
    d[i + 6] = (uint8_t)h;
    d[i + 7] = (uint8_t)(w >> 8);
    d[i + 8] = (uint8_t)w;
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    free(d);
}

/* The block-wise writer's splice of the input's coded data (the bits of
 * every block whose code stays copied) gives the library's file to the
 * byte: 4:2:0, 4:2:2, 4:4:0, 4:4:4 and gray, edge MCUs with dummy blocks
 * (coded as the library does and not), restart intervals, 16-bit tables
 * (SOF1), the largest DC steps and coefficients, optimised tables that
 * lack the new blocks' symbols (the symbols then coded again with
 * optimised tables); a progressive input goes the library's way. Blocks
 * changed at random places, the edges among them, some to flat grey, some
 * to noise. */
static void test_jpeg_splice(void **state)
{
    static const struct { int w, h, hs, vs, gray, flags, q, sw, sh; } v[] = {
        { 96, 64, 2, 2, 0, 0, 90, 0, 0 },
        { 100, 70, 2, 2, 0, 0, 90, 0, 0 },
        { 112, 80, 2, 2, 0, 0, 90, 100, 70 },
        { 112, 80, 2, 2, 0, JF_RESTART, 80, 99, 67 },
        { 101, 67, 2, 1, 0, JF_RESTART, 85, 0, 0 },
        { 70, 100, 1, 2, 0, JF_RESTART, 85, 0, 0 },
        { 99, 61, 1, 1, 0, 0, 75, 0, 0 },
        { 90, 61, 1, 1, 1, JF_RESTART, 90, 0, 0 },
        { 93, 59, 1, 1, 1, 0, 100, 0, 0 },
        { 100, 70, 2, 2, 0, 0, 100, 0, 0 },
        { 100, 70, 2, 2, 0, JF_16BIT, 2, 0, 0 },
        { 121, 67, 2, 2, 0, JF_OPTIMIZE, 90, 0, 0 },
        { 121, 67, 2, 2, 0, JF_OPTIMIZE | JF_RESTART, 60, 0, 0 },
        { 64, 48, 2, 2, 0, JF_PROGRESSIVE, 90, 0, 0 },
    };
    char in[256], a[256], b[256];
    uint32_t r = 7;
    int i, t, k, spliced = 0, recoded = 0, library = 0;

    (void)state;
    mkdir(tp("spl"), 0755);
    for (i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++) {
        snprintf(in, sizeof(in), "%s/%02d.jpg", tp("spl"), i);
        make_jpeg(in, v[i].w, v[i].h, v[i].hs, v[i].vs, v[i].gray, v[i].q, v[i].flags,
                  -1, 0, 11 + i);
        if (v[i].sw)
            shrink_frame(in, v[i].sw, v[i].sh);
        for (t = 0; t < 6; t++) {
            CliOptions o;
            CliImage img;
            uint8_t *da, *db;
            long na, nb;
            int ret;
            opts_init(&o, NULL, NULL);
            memset(&img, 0, sizeof(img));
            img.path = in;
            img.out_path = a;
            assert_int_equal(cli_image_read(&o, &img, 1), 0);
            /* t = 0: nothing but the last sample of the last row */
            for (k = 0; k < (t ? 1 + t * 2 : 1); k++) {
                int p, x0, y0, x, y, pw, ph;
                r = r * 1664525u + 1013904223u;
                p = (int)(r >> 8) % img.frame.nb_planes;
                pw = img.frame.width >> (p && img.frame.color == SP_COLOR_YUV ? img.frame.ss_x : 0);
                ph = img.frame.height >> (p && img.frame.color == SP_COLOR_YUV ? img.frame.ss_y : 0);
                x0 = t ? (int)(r >> 12) % pw : pw - 1;
                y0 = t ? (int)(r >> 20) % ph : ph - 1;
                for (y = y0; y < y0 + 6 && y < ph; y++)
                    for (x = x0; x < x0 + 6 && x < pw; x++) {
                        uint8_t *px = img.frame.data[p] + (ptrdiff_t)y * img.frame.stride[p] + x;
                        r = r * 1664525u + 1013904223u;
                        *px = k & 1 ? (uint8_t)(r >> 24) : t == 5 ? 255 : 128;
                    }
            }
            snprintf(a, sizeof(a), "%s/%02d-%d-lib.jpg", tp("spl"), i, t);
            snprintf(b, sizeof(b), "%s/%02d-%d-own.jpg", tp("spl"), i, t);
            ret = cli_jpeg_test_splice(&o, &img, a, b);
            cli_image_free(&img);
            assert_true(ret >= 0 && ret <= 2);
            /* standard tables code every symbol: always spliced */
            if (!(v[i].flags & (JF_OPTIMIZE | JF_PROGRESSIVE)))
                assert_int_equal(ret, 0);
            /* a progressive file is left to the library */
            assert_int_equal(ret == 1, !!(v[i].flags & JF_PROGRESSIVE));
            spliced += ret == 0;
            recoded += ret == 2;
            library += ret == 1;
            da = file_bytes(a, &na);
            db = file_bytes(b, &nb);
            assert_int_equal(na, nb);
            assert_memory_equal(da, db, (size_t)na);
            free(da);
            free(db);
        }
    }
    /* optimised inputs: spliced and coded again both came up */
    assert_true(spliced > 11 * 6 && recoded > 3 && library == 6);
}

/* -q:v N writes ffmpeg's tables for N; --reencode keeps the input's. */
static void test_jpeg_qscale_reencode(void **state)
{
    CliOptions o;
    char msg[4096];
    JInfo ja, jb;

    (void)state;
    make_jpeg(tp("q.jpg"), 64, 48, 2, 2, 0, 75, 0, -1, 0, 1);
    opts_init(&o, tp("q.jpg"), tp("q-2.jpg"));
    o.qscale = 2;
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_OK);
    jinfo_read(tp("q-2.jpg"), &jb);
    assert_int_equal(jb.q[0][0], 8);
    assert_int_equal(jb.q[0][1], 4);   /* 16 * 2 / 8 */
    assert_int_equal(jb.q[0][63], 20); /* 83 * 2 / 8 */
    assert_memory_equal(jb.q[0], jb.q[1], sizeof(jb.q[0]));
    jinfo_free(&jb);

    o.qscale = 40;
    o.output = tp("q-40.jpg");
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_USAGE);
    assert_non_null(strstr(msg, "1 (best) to 31"));

    opts_init(&o, tp("q.jpg"), tp("q-re.jpg"));
    o.reencode = 1;
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_OK);
    jinfo_read(tp("q.jpg"), &ja);
    jinfo_read(tp("q-re.jpg"), &jb);
    assert_same_jpeg_layout(&ja, &jb);
    jinfo_free(&ja);
    jinfo_free(&jb);
}

/* PNG of every layout: identical pixels, depth, alpha and text kept. */
static void test_png_identity(void **state)
{
    static const struct { int type, depth, planes, alpha; } cases[] = {
        { PNG_COLOR_TYPE_RGB, 8, 3, 0 },
        { PNG_COLOR_TYPE_RGB_ALPHA, 8, 4, 1 },
        { PNG_COLOR_TYPE_GRAY, 8, 1, 0 },
        { PNG_COLOR_TYPE_GRAY_ALPHA, 16, 2, 1 },
        { PNG_COLOR_TYPE_RGB, 16, 3, 0 },
        { PNG_COLOR_TYPE_PALETTE, 4, 4, 1 }, /* tRNS: RGBA */
    };
    CliOptions o;
    char msg[4096], a[64], b[64], ha[33], hb[33], text[128];
    int k;

    (void)state;
    for (k = 0; k < (int)(sizeof(cases) / sizeof(cases[0])); k++) {
        CliImage img;
        snprintf(a, sizeof(a), "p%d.png", k);
        snprintf(b, sizeof(b), "p%d-out.png", k);
        make_png(tp(a), 37, 23, cases[k].type, cases[k].depth, k);
        opts_init(&o, tp(a), tp(b));
        assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_OK);
        memset(&img, 0, sizeof(img));
        img.path = tp(b);
        assert_int_equal(cli_image_read(&o, &img, 0), 0);
        assert_int_equal(img.frame.nb_planes, cases[k].planes);
        assert_int_equal(img.frame.has_alpha, cases[k].alpha);
        assert_int_equal(img.frame.depth, cases[k].depth == 16 ? 16 : 8);
        cli_image_free(&img);
        image_md5(tp(a), ha);
        image_md5(tp(b), hb);
        assert_string_equal(ha, hb);
        png_comment(tp(b), text, sizeof(text));
        assert_string_equal(text, "spotheal test fixture");
    }
    /* RGB planes are G, B, R: the fixture's first pixel is R=0 G=50 B=100 */
    {
        CliImage img;
        memset(&img, 0, sizeof(img));
        img.path = tp("p0.png");
        assert_int_equal(cli_image_read(&o, &img, 0), 0);
        assert_int_equal(img.frame.color, SP_COLOR_RGB);
        assert_int_equal(img.frame.data[0][0], 50);
        assert_int_equal(img.frame.data[1][0], 100);
        assert_int_equal(img.frame.data[2][0], 0);
        cli_image_free(&img);
    }
}

/* One image is a sequence of one: to a file and to a folder. */
static void test_single_image(void **state)
{
    CliOptions o;
    char msg[4096];
    JInfo ja, jb;

    (void)state;
    make_jpeg(tp("one.jpg"), 50, 30, 2, 1, 0, 95, 0, -1, 0, 2);
    opts_init(&o, tp("one.jpg"), tp("one-out.jpg"));
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_OK);
    jinfo_read(tp("one.jpg"), &ja);
    jinfo_read(tp("one-out.jpg"), &jb);
    assert_same_jpeg_layout(&ja, &jb);
    assert_int_equal(blocks_differ(&ja, &jb, 0), 0);
    jinfo_free(&ja);
    jinfo_free(&jb);
    opts_init(&o, tp("one.jpg"), tp("onedir/"));
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_OK);
    assert_true(exists(tp("onedir/one.jpg")));

    /* analyze writes nothing */
    opts_init(&o, tp("one.jpg"), NULL);
    o.command = CLI_ANALYZE;
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_OK);
}

/* Bad inputs and outputs fail with the right code and name the file. */
static void test_errors(void **state)
{
    CliOptions o;
    char msg[4096];
    FILE *f;
    uint8_t *buf;
    long n;

    (void)state;
    /* missing */
    opts_init(&o, tp("nothere/%03d.jpg"), tp("x/"));
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_ERROR);
    assert_non_null(strstr(msg, "nothere/%03d.jpg"));
    opts_init(&o, tp("nothere.jpg"), tp("x.jpg"));
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_ERROR);
    assert_non_null(strstr(msg, "nothere.jpg"));
    assert_non_null(strstr(msg, "No such file"));

    /* not an image */
    f = fopen(tp("text.jpg"), "w");
    fputs("hello, not a picture\n", f);
    fclose(f);
    opts_init(&o, tp("text.jpg"), tp("text-out.jpg"));
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_ERROR);
    assert_non_null(strstr(msg, "text.jpg' is not a JPEG or PNG image"));
    assert_false(exists(tp("text-out.jpg")));

    /* truncated JPEG: a warning, the part that decoded is written */
    make_jpeg(tp("full.jpg"), 64, 64, 2, 2, 0, 90, 0, -1, 0, 1);
    f = fopen(tp("full.jpg"), "rb");
    buf = malloc(1 << 16);
    n = (long)fread(buf, 1, 1 << 16, f);
    fclose(f);
    f = fopen(tp("cut.jpg"), "wb");
    fwrite(buf, 1, n * 2 / 3, f);
    fclose(f);
    free(buf);
    opts_init(&o, tp("cut.jpg"), tp("cut-out.jpg"));
    o.loglevel = SP_LOG_WARNING;
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_OK);
    assert_non_null(strstr(msg, "warning: '"));
    assert_non_null(strstr(msg, "cut.jpg': damaged or truncated"));
    assert_true(exists(tp("cut-out.jpg")));
    assert_false(jpeg_clean(tp("cut.jpg")));
    assert_true(jpeg_clean(tp("cut-out.jpg"))); /* written whole */

    /* truncated PNG */
    make_png(tp("pfull.png"), 64, 64, PNG_COLOR_TYPE_RGB, 8, 99);
    f = fopen(tp("pfull.png"), "rb");
    buf = malloc(1 << 16);
    n = (long)fread(buf, 1, 1 << 16, f);
    fclose(f);
    f = fopen(tp("pcut.png"), "wb");
    fwrite(buf, 1, n / 2, f);
    fclose(f);
    free(buf);
    opts_init(&o, tp("pcut.png"), tp("pcut-out.png"));
    o.loglevel = SP_LOG_WARNING;
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_OK);
    assert_non_null(strstr(msg, "pcut.png': damaged or truncated"));

    /* mixed sizes */
    mkdir(tp("mix"), 0755);
    make_jpeg(tp("mix/1.jpg"), 64, 48, 2, 2, 0, 90, 0, -1, 0, 1);
    make_jpeg(tp("mix/2.jpg"), 64, 48, 2, 2, 0, 90, 0, -1, 0, 2);
    make_jpeg(tp("mix/3.jpg"), 48, 64, 2, 2, 0, 90, 0, -1, 0, 3);
    opts_init(&o, tp("mix"), tp("mix-out/"));
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_ERROR);
    assert_non_null(strstr(msg, "mix/3.jpg' is 48x64"));
    assert_non_null(strstr(msg, "one size"));
    assert_false(exists(tp("mix-out/3.jpg")));
    assert_int_equal(temp_files_in(tp("mix-out")), 0);

    /* existing output without -y: refused before anything is written */
    opts_init(&o, tp("mix/%d.jpg"), tp("mix-out/%d.jpg"));
    o.overwrite = 0;
    make_jpeg(tp("mix-out/2.jpg"), 8, 8, 1, 1, 0, 90, 0, -1, 0, 1);
    unlink(tp("mix-out/1.jpg"));
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_EXISTS);
    assert_non_null(strstr(msg, "mix-out/2.jpg' already exists"));
    assert_false(exists(tp("mix-out/1.jpg")));

    /* the input as the output */
    opts_init(&o, tp("mix/1.jpg"), tp("mix/1.jpg"));
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_USAGE);

    /* an output folder that cannot be written */
    opts_init(&o, tp("mix/1.jpg"), tp("text.jpg/out/"));
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_ERROR);
    assert_non_null(strstr(msg, "text.jpg/out/"));

    /* JPEG in, PNG out */
    opts_init(&o, tp("mix/1.jpg"), tp("conv.png"));
    assert_int_equal(run_capture(&o, msg, sizeof(msg)), CLI_EXIT_USAGE);
}

/* Masks from any PNG layout: white (any channel > 127) and opaque. */
static void test_mask_loader(void **state)
{
    CliOptions o;
    uint8_t *m = NULL;
    int w = 0, h = 0, x, y, on;
    FILE *f;

    (void)state;
    opts_init(&o, NULL, NULL);
    make_mask(tp("m1.png"), 20, 10, 5, 2, 3);
    assert_int_equal(cli_load_mask(&o, tp("m1.png"), &m, &w, &h), 0);
    assert_int_equal(w, 20);
    assert_int_equal(h, 10);
    for (y = on = 0; y < h; y++)
        for (x = 0; x < w; x++) {
            int want = x >= 5 && x < 8 && y >= 2 && y < 5;
            assert_int_equal(!!m[y * w + x], want);
            on += want;
        }
    assert_int_equal(on, 9);
    free(m);

    /* palette with a transparent entry (3): never marked */
    make_png(tp("m2.png"), 16, 8, PNG_COLOR_TYPE_PALETTE, 4, 0);
    assert_int_equal(cli_load_mask(&o, tp("m2.png"), &m, &w, &h), 0);
    {
        CliImage img;
        memset(&img, 0, sizeof(img));
        img.path = tp("m2.png");
        assert_int_equal(cli_png_read(&o, &img), 0);
        for (y = 0; y < h; y++)
            for (x = 0; x < w; x++) {
                int g = img.frame.data[0][y * img.frame.stride[0] + x];
                int b = img.frame.data[1][y * img.frame.stride[1] + x];
                int r = img.frame.data[2][y * img.frame.stride[2] + x];
                int a = img.frame.data[3][y * img.frame.stride[3] + x];
                assert_int_equal(!!m[y * w + x],
                                 (g > 127 || b > 127 || r > 127) && a > 0);
            }
        cli_image_free(&img);
    }
    free(m);

    /* 16-bit RGB */
    make_png(tp("m3.png"), 16, 8, PNG_COLOR_TYPE_RGB, 16, 0);
    assert_int_equal(cli_load_mask(&o, tp("m3.png"), &m, &w, &h), 0);
    free(m);

    /* not a PNG, corrupt */
    o.loglevel = -1;
    assert_int_equal(cli_load_mask(&o, tp("text.jpg"), &m, &w, &h), -EINVAL);
    assert_null(m);
    f = fopen(tp("bad.png"), "wb");
    {
        static const char bad[] = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDRgarbage";
        fwrite(bad, 1, sizeof(bad) - 1, f);
    }
    fclose(f);
    assert_true(cli_load_mask(&o, tp("bad.png"), &m, &w, &h) < 0);
    assert_null(m);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/spotheal-test-images-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_and_order),
        cmocka_unit_test(test_jpeg_read_layout),
        cmocka_unit_test(test_jpeg_identity),
        cmocka_unit_test(test_fdct_matches_libjpeg),
        cmocka_unit_test(test_fdct_matches_plain),
        cmocka_unit_test(test_jpeg_mask_blocks),
        cmocka_unit_test(test_jpeg_own_tables),
        cmocka_unit_test(test_jpeg_dc_check),
        cmocka_unit_test(test_jpeg_write_changed_block),
        cmocka_unit_test(test_jpeg_optimal_tables),
        cmocka_unit_test(test_jpeg_splice),
        cmocka_unit_test(test_jpeg_qscale_reencode),
        cmocka_unit_test(test_png_identity),
        cmocka_unit_test(test_single_image),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_mask_loader),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
