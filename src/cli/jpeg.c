/*
 * JPEG frames through libjpeg(-turbo): decoding to planes at the file's own
 * subsampling, and writing back in one of three ways.
 *
 * Reading: the pixels are decoded as raw data (jpeg_read_raw_data: each
 * component's samples straight from the IDCT, no upsampling, no colour
 * conversion), into planes padded to whole blocks, so a 4:2:0 file is an
 * SpFrame YUV with ss_x = ss_y = 1 and a gray file a GRAY frame. The
 * quantisation tables, sampling factors, APPn and COM markers are kept,
 * and the file's bytes too, for the block-wise writer.
 *
 * Writing, by default (the DCT-domain repair, as jpegtran and jpegpixi
 * edit a JPEG): the coefficients are read again from the input's bytes
 * (jpeg_read_coefficients); every 8x8 block of every component whose
 * pixels the repair changed (compared with the decoded copy, inside the
 * box the library reports as touched) is transformed and quantised again
 * with the file's own table (cli_jpeg_fdct_quant); every other block keeps
 * its quantised coefficients exactly, so a decoder gives the same samples
 * for it as for the input. jpeg_write_coefficients writes them with
 * optimised Huffman tables; a progressive input is written progressive
 * (libjpeg's standard scan script), the restart interval is kept.
 *
 * Writing in full (--reencode): every block from the pixels (raw data in),
 * with the input's tables and sampling. With -q:v N: the tables ffmpeg's
 * mjpeg encoder writes for qscale N (the MPEG-1 default intra matrix times
 * N / 8, DC step 8, one table for all components), so `-q:v 2` means what
 * it means to ffmpeg.
 *
 * The markers are written back verbatim, in their order (so JFIF, EXIF,
 * ICC profile chunks, Adobe, comments), and libjpeg adds none of its own.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <jerror.h>

#include "src/cli/images.h"

typedef struct JpegErr {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    int warnings;
    char first[JMSG_LENGTH_MAX];
} JpegErr;

static void jerr_exit(j_common_ptr c)
{
    JpegErr *e = (JpegErr *)c->err;

    longjmp(e->jb, 1);
}

static void jerr_emit(j_common_ptr c, int level)
{
    JpegErr *e = (JpegErr *)c->err;

    if (level >= 0)
        return;
    if (!e->warnings++)
        c->err->format_message(c, e->first);
    c->err->num_warnings++;
}

static void jerr_init(JpegErr *e)
{
    memset(e, 0, sizeof(*e));
    jpeg_std_error(&e->pub);
    e->pub.error_exit = jerr_exit;
    e->pub.emit_message = jerr_emit;
}

void cli_jpeg_info_free(CliJpegInfo *j)
{
    int i;

    if (!j)
        return;
    for (i = 0; i < j->nb_markers; i++)
        free(j->markers[i].data);
    free(j->markers);
    free(j->file);
    memset(j, 0, sizeof(*j));
}

static int read_file(const CliOptions *o, const char *path, uint8_t **buf,
                     size_t *size)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    int ret = 0;

    *buf = NULL;
    if (!f || fstat(fileno(f), &st) < 0) {
        ret = -errno;
        goto end;
    }
    if (S_ISDIR(st.st_mode)) {
        ret = -EISDIR;
        goto end;
    }
    *size = (size_t)st.st_size;
    if (!(*buf = malloc(*size ? *size : 1))) {
        ret = -ENOMEM;
        goto end;
    }
    if (fread(*buf, 1, *size, f) != *size)
        ret = ferror(f) ? -EIO : -ENODATA;
end:
    if (ret < 0) {
        cli_log(o, SP_LOG_ERROR, "cannot read '%s': %s\n", path,
                ret == -ENODATA ? "the file shrank while being read"
                                : strerror(-ret));
        free(*buf);
        *buf = NULL;
    }
    if (f)
        fclose(f);
    return ret;
}

static int ilog2_exact(int n)
{
    int l = 0;

    while ((1 << l) < n)
        l++;
    return (1 << l) == n ? l : -1;
}

int cli_jpeg_read(const CliOptions *o, CliImage *img, int keep_orig)
{
    struct jpeg_decompress_struct c;
    CliJpegInfo *j = &img->jpg;
    SpFrame *f = &img->frame;
    jpeg_saved_marker_ptr m;
    JSAMPROW rows[4][4 * DCTSIZE];
    JSAMPARRAY planes[4];
    JpegErr err;
    volatile int created = 0;
    int ret = -EINVAL, ci, n, width[4], height[4];

    memset(j, 0, sizeof(*j));
    if ((ret = read_file(o, img->path, &j->file, &j->file_size)) < 0)
        return ret;

    jerr_init(&err);
    c.err = &err.pub;
    if (setjmp(err.jb)) {
        char msg[JMSG_LENGTH_MAX];
        c.err->format_message((j_common_ptr)&c, msg);
        if (c.err->msg_code == JERR_NO_SOI)
            cli_log(o, SP_LOG_ERROR, "'%s' is not a JPEG image\n", img->path);
        else
            cli_log(o, SP_LOG_ERROR, "'%s': damaged JPEG: %s\n", img->path, msg);
        ret = -EINVAL;
        goto end;
    }
    jpeg_create_decompress(&c);
    created = 1;
    jpeg_mem_src(&c, j->file, (unsigned long)j->file_size);
    jpeg_save_markers(&c, JPEG_COM, 0xffff);
    for (n = 0; n < 16; n++)
        jpeg_save_markers(&c, JPEG_APP0 + n, 0xffff);
    jpeg_read_header(&c, TRUE);

    j->nb_comp = c.num_components;
    j->max_h = c.max_h_samp_factor;
    j->max_v = c.max_v_samp_factor;
    j->progressive = c.progressive_mode;
    j->arith = c.arith_code;
    j->restart_interval = c.restart_interval;
    memset(f, 0, sizeof(*f));
    f->width = c.image_width;
    f->height = c.image_height;
    f->nb_planes = c.num_components;
    f->depth = 8;
    if (c.num_components == 1 && c.jpeg_color_space == JCS_GRAYSCALE) {
        f->color = SP_COLOR_GRAY;
    } else if (c.num_components == 3 && c.jpeg_color_space == JCS_YCbCr) {
        jpeg_component_info *y = &c.comp_info[0], *cb = &c.comp_info[1],
                            *cr = &c.comp_info[2];
        f->color = SP_COLOR_YUV;
        f->ss_x = ilog2_exact(j->max_h / cb->h_samp_factor);
        f->ss_y = ilog2_exact(j->max_v / cb->v_samp_factor);
        if (y->h_samp_factor != j->max_h || y->v_samp_factor != j->max_v ||
            cb->h_samp_factor != cr->h_samp_factor ||
            cb->v_samp_factor != cr->v_samp_factor ||
            j->max_h % cb->h_samp_factor || j->max_v % cb->v_samp_factor ||
            f->ss_x < 0 || f->ss_y < 0 || f->ss_x > 2 || f->ss_y > 2) {
            cli_log(o, SP_LOG_ERROR, "'%s': unsupported JPEG chroma sampling "
                    "(%dx%d, %dx%d, %dx%d)\n", img->path, y->h_samp_factor,
                    y->v_samp_factor, cb->h_samp_factor, cb->v_samp_factor,
                    cr->h_samp_factor, cr->v_samp_factor);
            ret = -ENOTSUP;
            goto end;
        }
    } else {
        cli_log(o, SP_LOG_ERROR, "'%s': unsupported JPEG colour space (%d "
                "components, %s): only YCbCr and grayscale are handled\n",
                img->path, c.num_components,
                c.jpeg_color_space == JCS_CMYK || c.jpeg_color_space == JCS_YCCK
                ? "CMYK" : c.jpeg_color_space == JCS_RGB ? "RGB" : "other");
        ret = -ENOTSUP;
        goto end;
    }
    for (ci = 0; ci < c.num_components; ci++) {
        jpeg_component_info *cp = &c.comp_info[ci];
        j->comp_id[ci] = cp->component_id;
        j->h_samp[ci] = cp->h_samp_factor;
        j->v_samp[ci] = cp->v_samp_factor;
        j->quant_no[ci] = cp->quant_tbl_no;
    }
    for (n = 0; n < NUM_QUANT_TBLS; n++) {
        int k;
        if (!c.quant_tbl_ptrs[n])
            continue;
        j->has_quant[n] = 1;
        for (k = 0; k < 64; k++)
            j->quant[n][k] = c.quant_tbl_ptrs[n]->quantval[k];
    }

    c.raw_data_out = TRUE;
    c.dct_method = JDCT_ISLOW;
    c.do_fancy_upsampling = FALSE;
    jpeg_start_decompress(&c);

    /* planes padded to whole iMCU rows and whole blocks */
    for (ci = 0; ci < c.num_components; ci++) {
        jpeg_component_info *cp = &c.comp_info[ci];
        int imcu_rows = (c.image_height + j->max_v * DCTSIZE - 1) /
                        (j->max_v * DCTSIZE);
        int mcu_cols = (c.image_width + j->max_h * DCTSIZE - 1) /
                       (j->max_h * DCTSIZE);
        width[ci] = mcu_cols * cp->h_samp_factor * DCTSIZE;
        height[ci] = imcu_rows * cp->v_samp_factor * DCTSIZE;
    }
    if ((ret = cli_image_alloc(img, width, height)) < 0) {
        cli_log(o, SP_LOG_ERROR, "'%s': out of memory\n", img->path);
        goto end;
    }
    for (ci = 0; ci < c.num_components; ci++)
        planes[ci] = rows[ci];
    while (c.output_scanline < c.output_height) {
        int imcu = c.output_scanline / (j->max_v * DCTSIZE);
        for (ci = 0; ci < c.num_components; ci++) {
            int v = c.comp_info[ci].v_samp_factor * DCTSIZE, r;
            for (r = 0; r < v; r++)
                rows[ci][r] = f->data[ci] + (ptrdiff_t)(imcu * v + r) * f->stride[ci];
        }
        if (jpeg_read_raw_data(&c, planes, j->max_v * DCTSIZE) == 0)
            break; /* suspension cannot happen with a memory source */
    }
    /* saved markers live in libjpeg's image pool: copy them before
     * jpeg_finish_decompress() frees it */
    for (m = c.marker_list; m; m = m->next) {
        CliJpegMarker *nm = realloc(j->markers, (j->nb_markers + 1) * sizeof(*nm));
        if (!nm) {
            ret = -ENOMEM;
            goto end;
        }
        j->markers = nm;
        nm = &j->markers[j->nb_markers];
        nm->code = m->marker;
        nm->len = m->data_length;
        nm->data = malloc(m->data_length ? m->data_length : 1);
        if (!nm->data) {
            ret = -ENOMEM;
            goto end;
        }
        memcpy(nm->data, m->data, m->data_length);
        j->nb_markers++;
    }
    jpeg_finish_decompress(&c);
    if (err.warnings) {
        j->corrupt = 1;
        cli_log(o, SP_LOG_WARNING, "'%s': damaged or truncated JPEG data "
                "(%s): using the part that decoded\n", img->path, err.first);
    }
    if (keep_orig) {
        if (!(img->orig = malloc(img->buf_size))) {
            ret = -ENOMEM;
            goto end;
        }
        memcpy(img->orig, img->buf, img->buf_size);
    }
    ret = 0;
end:
    if (created)
        jpeg_destroy_decompress(&c);
    return ret;
}

/* ---------------------------------------------------------------------- */

/*
 * The forward DCT of ITU T.81 A.3.3, computed as written (a plain float
 * DCT-II, separable: rows then columns), then A.3.4's quantisation: the
 * coefficient divided by the table's step and rounded to the nearest
 * integer, halves away from zero as libjpeg's integer quantiser does.
 */
void cli_jpeg_fdct_quant(const uint8_t *src, ptrdiff_t stride,
                         const uint16_t *quant, int16_t *out)
{
    static const double pi = 3.14159265358979323846;
    double basis[8][8], tmp[8][8];
    int u, v, x, y;

    for (u = 0; u < 8; u++)
        for (x = 0; x < 8; x++)
            basis[u][x] = (u ? 0.5 : 0.5 / sqrt(2.0)) *
                          cos((2 * x + 1) * u * pi / 16);
    for (y = 0; y < 8; y++)
        for (u = 0; u < 8; u++) {
            double s = 0;
            for (x = 0; x < 8; x++)
                s += basis[u][x] * (src[y * stride + x] - 128);
            tmp[y][u] = s;
        }
    for (v = 0; v < 8; v++)
        for (u = 0; u < 8; u++) {
            double s = 0, q;
            long r;
            for (y = 0; y < 8; y++)
                s += basis[v][y] * tmp[y][u];
            q = s / quant[v * 8 + u];
            r = (long)(q < 0 ? q - 0.5 : q + 0.5);
            if (r > 32767) r = 32767;
            if (r < -32767) r = -32767;
            out[v * 8 + u] = (int16_t)r;
        }
}

static void write_markers(struct jpeg_compress_struct *c, const CliJpegInfo *j)
{
    int i;

    for (i = 0; i < j->nb_markers; i++)
        jpeg_write_marker(c, j->markers[i].code, j->markers[i].data,
                          j->markers[i].len);
}

/* ffmpeg's mjpeg tables: the MPEG-1 default intra matrix (ISO 11172-2),
 * natural order, scaled by qscale / 8, the DC step fixed at 8. */
static const uint8_t mpeg1_intra[64] = {
     8, 16, 19, 22, 26, 27, 29, 34,
    16, 16, 22, 24, 27, 29, 34, 37,
    19, 22, 26, 27, 29, 34, 34, 38,
    22, 22, 26, 27, 29, 34, 37, 40,
    22, 26, 27, 29, 32, 35, 40, 48,
    26, 27, 29, 32, 35, 40, 48, 58,
    26, 27, 29, 34, 38, 46, 56, 69,
    27, 29, 35, 38, 46, 56, 69, 83,
};

static int write_full(const CliOptions *o, const CliImage *img, FILE *out,
                      int qscale)
{
    struct jpeg_compress_struct c;
    const CliJpegInfo *j = &img->jpg;
    const SpFrame *f = &img->frame;
    JSAMPROW rows[4][4 * DCTSIZE];
    JSAMPARRAY planes[4];
    JpegErr err;
    volatile int created = 0;
    int ret, ci, n;

    jerr_init(&err);
    c.err = &err.pub;
    if (setjmp(err.jb)) {
        char msg[JMSG_LENGTH_MAX];
        c.err->format_message((j_common_ptr)&c, msg);
        cli_log(o, SP_LOG_ERROR, "cannot encode '%s': %s\n", img->out_path, msg);
        ret = -EIO;
        goto end;
    }
    jpeg_create_compress(&c);
    created = 1;
    jpeg_stdio_dest(&c, out);
    c.image_width = f->width;
    c.image_height = f->height;
    c.input_components = j->nb_comp;
    c.in_color_space = j->nb_comp == 1 ? JCS_GRAYSCALE : JCS_YCbCr;
    jpeg_set_defaults(&c);
    jpeg_set_colorspace(&c, c.in_color_space);
    c.write_JFIF_header = FALSE;
    c.write_Adobe_marker = FALSE;
    for (ci = 0; ci < j->nb_comp; ci++) {
        c.comp_info[ci].component_id = j->comp_id[ci];
        c.comp_info[ci].h_samp_factor = j->h_samp[ci];
        c.comp_info[ci].v_samp_factor = j->v_samp[ci];
    }
    if (qscale >= 1) {
        unsigned int tbl[64];
        int q = qscale > 31 ? 31 : qscale;
        for (n = 0; n < 64; n++) {
            int v = (mpeg1_intra[n] * q) >> 3;
            tbl[n] = n ? (v < 1 ? 1 : v) : 8;
        }
        jpeg_add_quant_table(&c, 0, tbl, 100, TRUE);
        for (ci = 0; ci < j->nb_comp; ci++)
            c.comp_info[ci].quant_tbl_no = 0;
    } else {
        for (n = 0; n < 4; n++) {
            unsigned int tbl[64];
            int k;
            if (!j->has_quant[n])
                continue;
            for (k = 0; k < 64; k++)
                tbl[k] = j->quant[n][k];
            jpeg_add_quant_table(&c, n, tbl, 100, FALSE);
        }
        for (ci = 0; ci < j->nb_comp; ci++)
            c.comp_info[ci].quant_tbl_no = j->quant_no[ci];
    }
    c.optimize_coding = TRUE;
    c.arith_code = j->arith;
    c.restart_interval = j->restart_interval;
    if (j->progressive)
        jpeg_simple_progression(&c);
    c.raw_data_in = TRUE;
    c.dct_method = JDCT_ISLOW;
    jpeg_start_compress(&c, TRUE);
    write_markers(&c, j);
    for (ci = 0; ci < j->nb_comp; ci++)
        planes[ci] = rows[ci];
    while (c.next_scanline < c.image_height) {
        int imcu = c.next_scanline / (j->max_v * DCTSIZE);
        for (ci = 0; ci < j->nb_comp; ci++) {
            int v = j->v_samp[ci] * DCTSIZE, r;
            for (r = 0; r < v; r++)
                rows[ci][r] = f->data[ci] + (ptrdiff_t)(imcu * v + r) * f->stride[ci];
        }
        jpeg_write_raw_data(&c, planes, j->max_v * DCTSIZE);
    }
    jpeg_finish_compress(&c);
    ret = 0;
end:
    if (created)
        jpeg_destroy_compress(&c);
    return ret;
}

static int block_differs(const uint8_t *a, const uint8_t *b, ptrdiff_t stride)
{
    int y;

    for (y = 0; y < 8; y++)
        if (memcmp(a + y * stride, b + y * stride, 8))
            return 1;
    return 0;
}

static int write_blocks(const CliOptions *o, const CliImage *img, FILE *out,
                        CliJpegWriteStats *st)
{
    struct jpeg_decompress_struct s;
    struct jpeg_compress_struct c;
    const CliJpegInfo *j = &img->jpg;
    const SpFrame *f = &img->frame;
    jvirt_barray_ptr *coefs;
    JpegErr err;
    volatile int s_created = 0, c_created = 0;
    int ret, ci;

    /* one error manager serves both objects */
    jerr_init(&err);
    s.err = &err.pub;
    c.err = &err.pub;
    if (setjmp(err.jb)) {
        char msg[JMSG_LENGTH_MAX];
        err.pub.format_message((j_common_ptr)&s, msg);
        cli_log(o, SP_LOG_ERROR, "cannot encode '%s': %s\n", img->out_path, msg);
        ret = -EIO;
        goto end;
    }
    jpeg_create_decompress(&s);
    s_created = 1;
    jpeg_mem_src(&s, j->file, (unsigned long)j->file_size);
    jpeg_read_header(&s, TRUE);
    coefs = jpeg_read_coefficients(&s);

    /* Re-encode the blocks, inside the touched box, whose samples differ
     * from the decoded input. The planes are padded to whole blocks, and
     * padding samples are never changed by the library. */
    for (ci = 0; ci < j->nb_comp; ci++) {
        jpeg_component_info *cp = &s.comp_info[ci];
        const uint16_t *q = j->quant[cp->quant_tbl_no];
        int sx = ci ? f->ss_x : 0, sy = ci ? f->ss_y : 0;
        int bx0, by0, bx1, by1, bx, by;

        if (f->color == SP_COLOR_GRAY)
            sx = sy = 0;
        st->blocks += (int64_t)cp->width_in_blocks * cp->height_in_blocks;
        if (f->touched_w <= 0 || f->touched_h <= 0)
            continue;
        bx0 = (f->touched_x >> sx) / DCTSIZE;
        by0 = (f->touched_y >> sy) / DCTSIZE;
        bx1 = ((f->touched_x + f->touched_w - 1) >> sx) / DCTSIZE;
        by1 = ((f->touched_y + f->touched_h - 1) >> sy) / DCTSIZE;
        if (bx1 >= (int)cp->width_in_blocks)
            bx1 = cp->width_in_blocks - 1;
        if (by1 >= (int)cp->height_in_blocks)
            by1 = cp->height_in_blocks - 1;
        for (by = by0; by <= by1; by++) {
            JBLOCKARRAY row = NULL;
            for (bx = bx0; bx <= bx1; bx++) {
                ptrdiff_t off = (ptrdiff_t)by * DCTSIZE * f->stride[ci] + bx * DCTSIZE;
                const uint8_t *nw = f->data[ci] + off;
                const uint8_t *old = img->orig + (f->data[ci] - img->buf) + off;
                int16_t blk[64];
                int k;
                if (!block_differs(nw, old, f->stride[ci]))
                    continue;
                if (!row)
                    row = (*s.mem->access_virt_barray)((j_common_ptr)&s,
                          coefs[ci], by, 1, TRUE);
                cli_jpeg_fdct_quant(nw, f->stride[ci], q, blk);
                for (k = 0; k < 64; k++)
                    row[0][bx][k] = blk[k];
                st->changed++;
            }
        }
    }

    jpeg_create_compress(&c);
    c_created = 1;
    jpeg_stdio_dest(&c, out);
    jpeg_copy_critical_parameters(&s, &c);
    c.write_JFIF_header = FALSE;
    c.write_Adobe_marker = FALSE;
    c.optimize_coding = TRUE;
    c.arith_code = s.arith_code;
    c.restart_interval = s.restart_interval;
    if (s.progressive_mode)
        jpeg_simple_progression(&c);
    jpeg_write_coefficients(&c, coefs);
    write_markers(&c, j);
    jpeg_finish_compress(&c);
    jpeg_finish_decompress(&s);
    ret = 0;
end:
    if (c_created)
        jpeg_destroy_compress(&c);
    if (s_created)
        jpeg_destroy_decompress(&s);
    return ret;
}

int cli_jpeg_write(const CliOptions *o, const CliImage *img, const char *path,
                   int qscale, int full, CliJpegWriteStats *st)
{
    CliJpegWriteStats dummy = { 0 };
    FILE *out = fopen(path, "wb");
    int ret;

    if (!st)
        st = &dummy;
    if (!out) {
        ret = -errno;
        cli_log(o, SP_LOG_ERROR, "cannot write '%s': %s\n", img->out_path,
                strerror(-ret));
        return ret;
    }
    if (qscale >= 1 || full || !img->orig)
        ret = write_full(o, img, out, qscale);
    else
        ret = write_blocks(o, img, out, st);
    if (fflush(out) != 0 || ferror(out)) {
        int err = errno ? errno : EIO;
        if (ret >= 0)
            cli_log(o, SP_LOG_ERROR, "cannot write '%s': %s\n", img->out_path,
                    strerror(err));
        ret = ret < 0 ? ret : -err;
    }
    if (fclose(out) != 0 && ret >= 0) {
        ret = -errno;
        cli_log(o, SP_LOG_ERROR, "cannot write '%s': %s\n", img->out_path,
                strerror(-ret));
    }
    return ret;
}
