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
 * pixels the repair changed (its fingerprint, taken at decoding, differs)
 * is transformed and quantised again
 * with the file's own table (cli_jpeg_fdct_quant); every other block keeps
 * its quantised coefficients exactly, so a decoder gives the same samples
 * for it as for the input. jpeg_write_coefficients writes them with
 * optimised Huffman tables; a progressive input is written progressive
 * (libjpeg's standard scan script), the restart interval is kept. An
 * image in which nothing changed is written as the input's own bytes. A
 * baseline file of one scan is written from its own coded data instead
 * (jpeg_splice.c: the same file, without reading the coefficients again):
 * spliced where its own tables code it, the bits of every block whose
 * code stays copied, else its symbols coded again with the optimised
 * tables.
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
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <jerror.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

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

/*
 * A 64-bit fingerprint of an 8x8 block of samples, to tell at write time
 * which blocks the repair changed without keeping a copy of the decoded
 * planes (8 bytes a block instead of 64). Each row (8 samples, one 64-bit
 * word) is folded in by xor, a multiplication by an odd constant and an
 * xor-shift: every step is a bijection of the running value, so two
 * blocks that differ in one row always differ in fingerprint, and blocks
 * that differ in several rows collide with a probability of about 2^-64.
 */
static uint64_t block_fingerprint(const uint8_t *p, ptrdiff_t stride)
{
    uint64_t h = 0x243f6a8885a308d3ull, r;
    int y;

    for (y = 0; y < DCTSIZE; y++) {
        memcpy(&r, p + y * stride, sizeof(r));
        h = (h ^ r) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    return h;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define FP_AVX2 __attribute__((target("avx2")))

/* h * FP_MUL mod 2^64 in each lane, from 32-bit products: the low halves'
 * product plus the cross products shifted up (the high halves' product
 * falls out of the 64 bits). */
FP_AVX2 static inline __m256i fp_mul(__m256i h, __m256i lo, __m256i hi)
{
    __m256i ll = _mm256_mul_epu32(h, lo);
    __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(h, 32), lo),
                                     _mm256_mul_epu32(h, hi));
    return _mm256_add_epi64(ll, _mm256_slli_epi64(cross, 32));
}

/* block_fingerprint's values for blocks [0, n & ~3): four blocks' rows are
 * one 32-byte load, four vectors (16 blocks) in flight to hide the
 * multiplications' latency. Returns the number of blocks done. */
FP_AVX2 static int row_fingerprints_avx2(const uint8_t *p, ptrdiff_t stride, int n,
                                         uint64_t *out)
{
    const __m256i lo = _mm256_set1_epi64x((long long)0x9e3779b97f4a7c15ull);
    const __m256i hi = _mm256_set1_epi64x((long long)(0x9e3779b97f4a7c15ull >> 32));
    const __m256i seed = _mm256_set1_epi64x((long long)0x243f6a8885a308d3ull);
    int bx = 0, y, k;

    for (; bx + 16 <= n; bx += 16) {
        __m256i h[4];
        for (k = 0; k < 4; k++)
            h[k] = seed;
        for (y = 0; y < DCTSIZE; y++)
            for (k = 0; k < 4; k++) {
                __m256i r = _mm256_loadu_si256((const __m256i *)(p + y * stride +
                                                                 (bx + 4 * k) * DCTSIZE));
                h[k] = fp_mul(_mm256_xor_si256(h[k], r), lo, hi);
                h[k] = _mm256_xor_si256(h[k], _mm256_srli_epi64(h[k], 29));
            }
        for (k = 0; k < 4; k++)
            _mm256_storeu_si256((__m256i *)(out + bx + 4 * k), h[k]);
    }
    for (; bx + 4 <= n; bx += 4) {
        __m256i h = seed;
        for (y = 0; y < DCTSIZE; y++) {
            __m256i r = _mm256_loadu_si256((const __m256i *)(p + y * stride + bx * DCTSIZE));
            h = fp_mul(_mm256_xor_si256(h, r), lo, hi);
            h = _mm256_xor_si256(h, _mm256_srli_epi64(h, 29));
        }
        _mm256_storeu_si256((__m256i *)(out + bx), h);
    }
    return bx;
}
#endif

/* The fingerprints of n blocks side by side: with AVX2 four blocks a
 * vector, else eight chains at a time (the same values as
 * block_fingerprint, computed with more parallelism: each chain waits on
 * its multiplication, so eight hide its latency where four did not). */
static void row_fingerprints(const uint8_t *p, ptrdiff_t stride, int n,
                             uint64_t *out)
{
    int bx = 0, y, k;

#ifdef FP_AVX2
    if (__builtin_cpu_supports("avx2"))
        bx = row_fingerprints_avx2(p, stride, n, out);
#endif

    for (; bx + 8 <= n; bx += 8) {
        uint64_t h[8], r;
        for (k = 0; k < 8; k++)
            h[k] = 0x243f6a8885a308d3ull;
        for (y = 0; y < DCTSIZE; y++)
            for (k = 0; k < 8; k++) {
                memcpy(&r, p + y * stride + (bx + k) * DCTSIZE, sizeof(r));
                h[k] = (h[k] ^ r) * 0x9e3779b97f4a7c15ull;
                h[k] ^= h[k] >> 29;
            }
        for (k = 0; k < 8; k++)
            out[bx + k] = h[k];
    }
    for (; bx < n; bx++)
        out[bx] = block_fingerprint(p + bx * DCTSIZE, stride);
}

/* Blocks of component ci: across, down. */
static void comp_blocks(const CliImage *img, int ci, int *bw, int *bh)
{
    const CliJpegInfo *j = &img->jpg;
    int cw = (int)(((long)img->frame.width * j->h_samp[ci] + j->max_h - 1) / j->max_h);
    int ch = (int)(((long)img->frame.height * j->v_samp[ci] + j->max_v - 1) / j->max_v);

    *bw = (cw + DCTSIZE - 1) / DCTSIZE;
    *bh = (ch + DCTSIZE - 1) / DCTSIZE;
}

static int alloc_fingerprints(CliImage *img)
{
    size_t total = 0;
    int ci, bw, bh;

    for (ci = 0; ci < img->jpg.nb_comp; ci++) {
        comp_blocks(img, ci, &bw, &bh);
        img->hash_off[ci] = total;
        total += (size_t)bw * bh;
    }
    if (!(img->block_hash = malloc(total * sizeof(*img->block_hash))))
        return -ENOMEM;
    return 0;
}

/* The fingerprints of component ci's block rows [*done, end), *done then
 * end: taken as each iMCU row is decoded, while its samples are in the
 * cache. */
static void take_fingerprints(CliImage *img, int ci, int *done, int end)
{
    const SpFrame *f = &img->frame;
    int bw, bh, by;

    comp_blocks(img, ci, &bw, &bh);
    if (end > bh)
        end = bh;
    for (by = *done; by < end; by++)
        row_fingerprints(f->data[ci] + (ptrdiff_t)by * DCTSIZE * f->stride[ci],
                         f->stride[ci], bw, img->block_hash +
                         img->hash_off[ci] + (size_t)by * bw);
    if (end > *done)
        *done = end;
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
    int ret = -EINVAL, ci, n, width[4], height[4], hashed[4] = { 0, 0, 0, 0 };

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
        else if (c.err->msg_code == JERR_BAD_PRECISION)
            cli_log(o, SP_LOG_ERROR, "'%s': unsupported JPEG (%s): only 8-bit "
                    "samples are handled\n", img->path, msg);
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
    if (keep_orig && (ret = alloc_fingerprints(img)) < 0) {
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
        for (ci = 0; keep_orig && ci < c.num_components; ci++)
            take_fingerprints(img, ci, &hashed[ci],
                              (imcu + 1) * c.comp_info[ci].v_samp_factor);
    }
    if (c.output_scanline < c.output_height) /* never read: cleared */
        for (ci = 0; ci < c.num_components; ci++) {
            int v = c.comp_info[ci].v_samp_factor * DCTSIZE;
            ptrdiff_t done = (ptrdiff_t)(c.output_scanline / (j->max_v * DCTSIZE)) * v;
            memset(f->data[ci] + done * f->stride[ci], 0,
                   (size_t)(img->plane_h[ci] - done) * f->stride[ci]);
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
    /* the rows that did not decode (cleared above) */
    for (ci = 0; keep_orig && ci < c.num_components; ci++)
        take_fingerprints(img, ci, &hashed[ci], INT_MAX);
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
/* The DCT-II basis, dct_basis[u][x] = C(u) / 2 cos((2 x + 1) u pi / 16) with
 * C(0) = 1 / sqrt(2), C(u) = 1 otherwise: the doubles the products of
 * cos(k pi / 16) (0.98078528040323043 for k = 1, ...) by 0.5 and by
 * 0.5 cos(pi / 4) give, written out so that no block computes them. */
static const double dct_basis[8][8] = {
    { 0.3535533905932738, 0.3535533905932738, 0.3535533905932738, 0.3535533905932738,
      0.3535533905932738, 0.3535533905932738, 0.3535533905932738, 0.3535533905932738 },
    { 0.4903926402016152, 0.4157348061512726, 0.27778511650980114, 0.09754516100806417,
      -0.09754516100806417, -0.27778511650980114, -0.4157348061512726, -0.4903926402016152 },
    { 0.46193976625564337, 0.19134171618254492, -0.19134171618254492, -0.46193976625564337,
      -0.46193976625564337, -0.19134171618254492, 0.19134171618254492, 0.46193976625564337 },
    { 0.4157348061512726, -0.09754516100806417, -0.4903926402016152, -0.27778511650980114,
      0.27778511650980114, 0.4903926402016152, 0.09754516100806417, -0.4157348061512726 },
    { 0.3535533905932738, -0.3535533905932738, -0.3535533905932738, 0.3535533905932738,
      0.3535533905932738, -0.3535533905932738, -0.3535533905932738, 0.3535533905932738 },
    { 0.27778511650980114, -0.4903926402016152, 0.09754516100806417, 0.4157348061512726,
      -0.4157348061512726, -0.09754516100806417, 0.4903926402016152, -0.27778511650980114 },
    { 0.19134171618254492, -0.46193976625564337, 0.46193976625564337, -0.19134171618254492,
      -0.19134171618254492, 0.46193976625564337, -0.46193976625564337, 0.19134171618254492 },
    { 0.09754516100806417, -0.27778511650980114, 0.4157348061512726, -0.4903926402016152,
      0.4903926402016152, -0.4157348061512726, 0.27778511650980114, -0.09754516100806417 },
};

void cli_jpeg_fdct_quant_c(const uint8_t *src, ptrdiff_t stride,
                           const uint16_t *quant, int16_t *out)
{
    const double (*basis)[8] = dct_basis;
    double tmp[8][8];
    int u, v, x, y;

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

#ifdef __SSE2__
/* The same products and sums in the same order, two outputs (u, u + 1)
 * at a time: every value is cli_jpeg_fdct_quant_c()'s to the last bit. */
void cli_jpeg_fdct_quant(const uint8_t *src, ptrdiff_t stride,
                         const uint16_t *quant, int16_t *out)
{
    double basis_t[8][8], tmp[8][8], res[64];
    int u, v, x, y;

    for (x = 0; x < 8; x++)
        for (u = 0; u < 8; u++)
            basis_t[x][u] = dct_basis[u][x];
    for (y = 0; y < 8; y++) {
        double in[8];
        for (x = 0; x < 8; x++)
            in[x] = src[y * stride + x] - 128;
        for (u = 0; u < 8; u += 2) {
            __m128d s = _mm_setzero_pd();
            for (x = 0; x < 8; x++)
                s = _mm_add_pd(s, _mm_mul_pd(_mm_loadu_pd(&basis_t[x][u]),
                                             _mm_set1_pd(in[x])));
            _mm_storeu_pd(&tmp[y][u], s);
        }
    }
    for (v = 0; v < 8; v++)
        for (u = 0; u < 8; u += 2) {
            __m128d s = _mm_setzero_pd();
            for (y = 0; y < 8; y++)
                s = _mm_add_pd(s, _mm_mul_pd(_mm_set1_pd(dct_basis[v][y]),
                                             _mm_loadu_pd(&tmp[y][u])));
            _mm_storeu_pd(&res[v * 8 + u], s);
        }
    for (x = 0; x < 64; x += 2) {
        double q[2];
        int i;
        _mm_storeu_pd(q, _mm_div_pd(_mm_loadu_pd(&res[x]),
                                    _mm_set_pd(quant[x + 1], quant[x])));
        for (i = 0; i < 2; i++) {
            long r = (long)(q[i] < 0 ? q[i] - 0.5 : q[i] + 0.5);
            if (r > 32767) r = 32767;
            if (r < -32767) r = -32767;
            out[x + i] = (int16_t)r;
        }
    }
}
#else
void cli_jpeg_fdct_quant(const uint8_t *src, ptrdiff_t stride,
                         const uint16_t *quant, int16_t *out)
{
    cli_jpeg_fdct_quant_c(src, stride, quant, out);
}
#endif

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
    c.arith_code = j->arith;
    c.optimize_coding = !j->arith; /* arithmetic coding adapts by itself */
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

/* The blocks of component ci under the frame's touched box: r = x0, y0,
 * x1, y1 inclusive. Returns 0 when there are none. */
static int touched_blocks(const CliImage *img, int ci, int r[4])
{
    const SpFrame *f = &img->frame;
    int sx = ci && f->color == SP_COLOR_YUV ? f->ss_x : 0;
    int sy = ci && f->color == SP_COLOR_YUV ? f->ss_y : 0;
    int bw, bh;

    if (f->touched_w <= 0 || f->touched_h <= 0)
        return 0;
    comp_blocks(img, ci, &bw, &bh);
    r[0] = (f->touched_x >> sx) / DCTSIZE;
    r[1] = (f->touched_y >> sy) / DCTSIZE;
    r[2] = ((f->touched_x + f->touched_w - 1) >> sx) / DCTSIZE;
    r[3] = ((f->touched_y + f->touched_h - 1) >> sy) / DCTSIZE;
    if (r[2] >= bw)
        r[2] = bw - 1;
    if (r[3] >= bh)
        r[3] = bh - 1;
    return r[0] <= r[2] && r[1] <= r[3];
}

/* The blocks whose samples differ from the decoded input, found by
 * fingerprinting every block again (under a millisecond at 1080p): the
 * repair is never lost, even where a filter changed pixels outside the
 * touched box it reported (counted in `outside`, a filter's bug). */
typedef struct BlockList {
    int (*b)[3];           /* component, bx, by */
    int n, cap;
    int outside;
} BlockList;

static int find_changed(const CliImage *img, BlockList *l)
{
    const SpFrame *f = &img->frame;
    uint64_t *fp = NULL;
    int ci, bx, by, bw, bh, r[4] = { 0, 0, -1, -1 }, ret = 0;

    for (ci = 0; ci < img->jpg.nb_comp && !ret; ci++) {
        int has_box = touched_blocks(img, ci, r);
        const uint64_t *old;
        comp_blocks(img, ci, &bw, &bh);
        free(fp);
        if (!(fp = malloc((size_t)bw * sizeof(*fp))))
            return -ENOMEM;
        for (by = 0; by < bh && !ret; by++) {
            const uint8_t *next = f->data[ci] + (ptrdiff_t)(by + 1) * DCTSIZE * f->stride[ci];
            int y, x;
            /* the frame is long out of the cache by now: ask for the next
             * block row while this one is hashed */
            for (y = 0; by + 1 < bh && y < DCTSIZE; y++)
                for (x = 0; x < bw * DCTSIZE; x += 64)
                    __builtin_prefetch(next + (ptrdiff_t)y * f->stride[ci] + x);
            old = img->block_hash + img->hash_off[ci] + (size_t)by * bw;
            row_fingerprints(f->data[ci] + (ptrdiff_t)by * DCTSIZE * f->stride[ci],
                             f->stride[ci], bw, fp);
            for (bx = 0; bx < bw; bx++) {
                if (fp[bx] == old[bx])
                    continue;
                if (l->n == l->cap) {
                    int cap = l->cap ? l->cap * 2 : 256;
                    int (*nb)[3] = realloc(l->b, cap * sizeof(*nb));
                    if (!nb) {
                        ret = -ENOMEM;
                        break;
                    }
                    l->b = nb;
                    l->cap = cap;
                }
                l->b[l->n][0] = ci;
                l->b[l->n][1] = bx;
                l->b[l->n][2] = by;
                l->n++;
                l->outside += !has_box || bx < r[0] || bx > r[2] ||
                              by < r[1] || by > r[3];
            }
        }
    }
    free(fp);
    return ret;
}

/*
 * Can the input's own Huffman tables code the image as it will be
 * written? Then the writer needs no statistics pass over every block (the
 * optimised tables' first pass, a good part of the writing time). Only a
 * baseline file of one interleaved scan (what cameras and ffmpeg write),
 * whose tables the writer will use as they are. The symbols that change
 * are those of the re-encoded blocks: their run/size and end-of-block
 * codes, and the DC differences (which also change for the block after
 * each one); all DC differences are recomputed in the writer's order (MCU
 * by MCU, restarting at each restart interval) rather than tracking which
 * follow a re-encoded block. Dummy blocks that fill the edge MCUs code a
 * zero DC difference and an end of block: where there are some, both are
 * required too.
 */
const uint8_t cli_jpeg_zigzag[64] = {
     0,  1,  8, 16,  9,  2,  3, 10, 17, 24, 32, 25, 18, 11,  4,  5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13,  6,  7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

/* The symbols a Huffman table codes, as a set. */
static int huff_set(const JHUFF_TBL *t, uint8_t set[256])
{
    int i, n = 0;

    memset(set, 0, 256);
    if (!t)
        return -1;
    for (i = 1; i <= 16; i++)
        n += t->bits[i];
    if (n > 256)
        return -1;
    for (i = 0; i < n; i++)
        set[t->huffval[i]] = 1;
    return 0;
}

/*
 * The DC differences that re-encoding changes. The input decoded without
 * a warning codes every difference of its own with its own tables, and
 * the writer codes the blocks in the same order with the same restarts:
 * the only differences that change are those of a re-encoded block and of
 * the block coded after it (dummy blocks repeat the DC before them, so
 * they are passed over). Checking those alone, rather than every block of
 * the image (whose coefficient arrays are out of the cache by then),
 * gives the same answer.
 */
typedef struct DcOrder {
    int h, v, mcu_w, bw, bh;
    long total, seg; /* block positions in all, and per restart interval (0: none) */
} DcOrder;

/* The block at coding position p: 1 if it is a real one, 0 a dummy. */
static int dc_order_block(const DcOrder *o, long p, int *bx, int *by)
{
    long mcu = p / (o->h * o->v);
    int k = (int)(p % (o->h * o->v));

    *bx = (int)(mcu % o->mcu_w) * o->h + k % o->h;
    *by = (int)(mcu / o->mcu_w) * o->v + k / o->h;
    return *bx < o->bw && *by < o->bh;
}

static int dc_of(struct jpeg_decompress_struct *s, jvirt_barray_ptr a, int bx, int by)
{
    return (*s->mem->access_virt_barray)((j_common_ptr)s, a, (JDIMENSION)by, 1,
                                         FALSE)[0][bx][0];
}

static int dc_coded(const uint8_t *dc, int d)
{
    int nb = cli_jpeg_nbits(d);

    return nb <= 11 && dc[nb];
}

static void dc_order_init(DcOrder *o, const struct jpeg_decompress_struct *s, int ci,
                          int mcu_w, int mcu_h)
{
    const jpeg_component_info *cp = &s->comp_info[ci];
    int n = s->num_components;

    o->h = n == 1 ? 1 : cp->h_samp_factor;
    o->v = n == 1 ? 1 : cp->v_samp_factor;
    o->mcu_w = mcu_w;
    o->bw = (int)cp->width_in_blocks;
    o->bh = (int)cp->height_in_blocks;
    o->total = (long)mcu_w * mcu_h * o->h * o->v;
    o->seg = (long)s->restart_interval * o->h * o->v;
}

/* Is the DC difference of a real block coded: with after = 0, that of
 * the real block at position p itself (from the real block before it,
 * or from 0 at the start of its restart interval); with after = 1, that
 * of the first real block after position p in its interval (none: yes). */
static int dc_diff_coded(struct jpeg_decompress_struct *s, jvirt_barray_ptr a,
                         const DcOrder *o, const uint8_t *dc, long p, int after)
{
    long first = o->seg ? p / o->seg * o->seg : 0;
    long end = o->seg && first + o->seg < o->total ? first + o->seg : o->total;
    long q = p;
    int x, y, cur, prev = 0;

    if (after) {
        for (q = p + 1; q < end && !dc_order_block(o, q, &x, &y); q++)
            ;
        if (q >= end)
            return 1;
    } else if (!dc_order_block(o, q, &x, &y)) {
        return 1;
    }
    cur = dc_of(s, a, x, y);
    while (--q >= first)
        if (dc_order_block(o, q, &x, &y)) {
            prev = dc_of(s, a, x, y);
            break;
        }
    return dc_coded(dc, cur - prev);
}

static int dc_changes_covered(struct jpeg_decompress_struct *s, jvirt_barray_ptr *coefs,
                              const BlockList *l, uint8_t dc[][256], uint8_t ac[][256],
                              int mcu_w, int mcu_h)
{
    int n = s->num_components, i, ci;

    for (ci = 0; ci < n; ci++) {
        DcOrder o;
        int m, k;
        dc_order_init(&o, s, ci, mcu_w, mcu_h);
        if (mcu_w * o.h == o.bw && mcu_h * o.v == o.bh)
            continue;
        /* a dummy block (edge MCUs): the DC repeats, no AC */
        if (!dc[ci][0] || !ac[ci][0])
            return 0;
        /* the input's own dummy blocks may have had other DCs than the
         * writer's: the difference of the real block after each dummy one
         * (in the last MCU column and row) is the writer's own */
        for (m = 0; m < mcu_w + mcu_h; m++) {
            long mcu = m < mcu_h ? (long)m * mcu_w + mcu_w - 1 : (long)(mcu_h - 1) * mcu_w + m - mcu_h;
            for (k = 0; k < o.h * o.v; k++) {
                long p = mcu * o.h * o.v + k;
                int x, y;
                if (!dc_order_block(&o, p, &x, &y) && !dc_diff_coded(s, coefs[ci], &o, dc[ci], p, 1))
                    return 0;
            }
        }
    }
    for (i = 0; i < l->n; i++) {
        DcOrder o;
        long p;
        ci = l->b[i][0];
        dc_order_init(&o, s, ci, mcu_w, mcu_h);
        p = ((long)(l->b[i][2] / o.v) * mcu_w + l->b[i][1] / o.h) * o.h * o.v +
            (l->b[i][2] % o.v) * o.h + l->b[i][1] % o.h;
        /* its own difference, and the next real block's */
        if (!dc_diff_coded(s, coefs[ci], &o, dc[ci], p, 0) ||
            !dc_diff_coded(s, coefs[ci], &o, dc[ci], p, 1))
            return 0;
    }
    return 1;
}

static int tables_cover(struct jpeg_decompress_struct *s, jvirt_barray_ptr *coefs,
                        const BlockList *l, int own_coded)
{
    uint8_t dc[4][256], ac[4][256];
    int ci, i, k, n = s->num_components, mcu_w = 0, mcu_h = 0, mx, my, mcus;

    if (s->progressive_mode || s->arith_code || s->input_scan_number != 1 ||
        s->comps_in_scan != n || n > 4)
        return 0;
    for (ci = 0; ci < n; ci++) {
        jpeg_component_info *cp = &s->comp_info[ci];
        if (cp->dc_tbl_no < 0 || cp->dc_tbl_no > 3 || cp->ac_tbl_no < 0 ||
            cp->ac_tbl_no > 3 ||
            huff_set(s->dc_huff_tbl_ptrs[cp->dc_tbl_no], dc[ci]) < 0 ||
            huff_set(s->ac_huff_tbl_ptrs[cp->ac_tbl_no], ac[ci]) < 0)
            return 0;
    }
    /* the run/size codes of the re-encoded blocks */
    for (i = 0; i < l->n; i++) {
        JBLOCKARRAY row = (*s->mem->access_virt_barray)((j_common_ptr)s, coefs[l->b[i][0]],
                                                       l->b[i][2], 1, FALSE);
        uint8_t sym[64];
        uint16_t val[64];
        int m = cli_jpeg_ac_symbols(row[0][l->b[i][1]], sym, val);
        ci = l->b[i][0];
        if (m < 0)
            return 0;
        /* the end of block is not asked for here (a table without one
         * codes no block that ends in zeros) */
        for (k = 0; k < m; k++)
            if (sym[k] && !ac[ci][sym[k]])
                return 0;
    }
    /* every DC difference, in the writer's order: MCU by MCU, but each
     * component has its own predictor, so one component at a time */
    if (n == 1) {
        mcu_w = s->comp_info[0].width_in_blocks;
        mcu_h = s->comp_info[0].height_in_blocks;
    } else {
        mcu_w = (int)((s->image_width + s->max_h_samp_factor * DCTSIZE - 1) /
                      (s->max_h_samp_factor * DCTSIZE));
        mcu_h = (int)((s->image_height + s->max_v_samp_factor * DCTSIZE - 1) /
                      (s->max_v_samp_factor * DCTSIZE));
    }
    if (own_coded)
        return dc_changes_covered(s, coefs, l, dc, ac, mcu_w, mcu_h);
    for (ci = 0; ci < n; ci++) {
        jpeg_component_info *cp = &s->comp_info[ci];
        int h = n == 1 ? 1 : cp->h_samp_factor, v = n == 1 ? 1 : cp->v_samp_factor;
        int bw = (int)cp->width_in_blocks, bh = (int)cp->height_in_blocks;
        unsigned ok = 0, bad = 0;
        int pred = 0;
        if (v > 4)
            return 0;
        /* a dummy block (edge MCUs): the DC repeats, no AC */
        if ((mcu_w * h > bw || mcu_h * v > bh) && (!dc[ci][0] || !ac[ci][0]))
            return 0;
        for (k = 0; k <= 11; k++)
            ok |= (unsigned)(dc[ci][k] != 0) << k;
        for (my = 0, mcus = 0; my < mcu_h; my++) {
            JBLOCKARRAY rows[4];
            int j, nv = bh - my * v < v ? bh - my * v : v;
            for (j = 0; j < nv; j++)
                rows[j] = (*s->mem->access_virt_barray)((j_common_ptr)s, coefs[ci],
                                                         (JDIMENSION)(my * v + j), 1, FALSE);
            for (mx = 0; mx < mcu_w; mx++, mcus++) {
                int bx0 = mx * h, bx1 = bx0 + h < bw ? bx0 + h : bw, bx;
                if (s->restart_interval && mcus % s->restart_interval == 0)
                    pred = 0;
                for (j = 0; j < nv; j++)
                    for (bx = bx0; bx < bx1; bx++) {
                        int dcv = rows[j][0][bx][0];
                        /* the magnitude category must be coded (at most 11) */
                        bad |= ~ok >> cli_jpeg_nbits(dcv - pred) & 1;
                        pred = dcv;
                    }
            }
            if (bad)
                return 0;
        }
    }
    return 1;
}

int cli_jpeg_tables_cover_both(const char *path, const int (*change)[4], int n,
                               int *full)
{
    struct jpeg_decompress_struct s;
    JpegErr err;
    BlockList l = { NULL, 0, 0, 0 };
    FILE *f = fopen(path, "rb");
    jvirt_barray_ptr *coefs;
    volatile int ret = -1;
    int i;

    if (!f || !(l.b = malloc((n ? n : 1) * sizeof(*l.b)))) {
        if (f)
            fclose(f);
        return -1;
    }
    jerr_init(&err);
    s.err = &err.pub;
    if (setjmp(err.jb)) {
        jpeg_destroy_decompress(&s);
        fclose(f);
        free(l.b);
        return -1;
    }
    jpeg_create_decompress(&s);
    jpeg_stdio_src(&s, f);
    jpeg_read_header(&s, TRUE);
    coefs = jpeg_read_coefficients(&s);
    for (i = 0; i < n; i++) {
        JBLOCKARRAY row = (*s.mem->access_virt_barray)((j_common_ptr)&s, coefs[change[i][0]],
                                                      (JDIMENSION)change[i][2], 1, TRUE);
        row[0][change[i][1]][0] = (JCOEF)change[i][3];
        l.b[i][0] = change[i][0];
        l.b[i][1] = change[i][1];
        l.b[i][2] = change[i][2];
    }
    l.n = n;
    *full = tables_cover(&s, coefs, &l, 0);
    ret = tables_cover(&s, coefs, &l, 1);
    jpeg_finish_decompress(&s);
    jpeg_destroy_decompress(&s);
    fclose(f);
    free(l.b);
    return ret;
}

int cli_jpeg_own_tables_cover(const char *path)
{
    int full;

    /* nothing changed: the walk over every block is the whole answer */
    return cli_jpeg_tables_cover_both(path, NULL, 0, &full) < 0 ? -1 : full;
}

/* Give the writer copies of the input's Huffman tables, in the input's
 * slots. */
static void copy_tables(struct jpeg_decompress_struct *s, struct jpeg_compress_struct *c)
{
    int n, ci;

    for (n = 0; n < NUM_HUFF_TBLS; n++) {
        JHUFF_TBL **src[2] = { &s->dc_huff_tbl_ptrs[n], &s->ac_huff_tbl_ptrs[n] };
        JHUFF_TBL **dst[2] = { &c->dc_huff_tbl_ptrs[n], &c->ac_huff_tbl_ptrs[n] };
        int k;
        for (k = 0; k < 2; k++) {
            if (!*src[k])
                continue;
            if (!*dst[k])
                *dst[k] = jpeg_alloc_huff_table((j_common_ptr)c);
            memcpy((*dst[k])->bits, (*src[k])->bits, sizeof((*dst[k])->bits));
            memcpy((*dst[k])->huffval, (*src[k])->huffval, sizeof((*dst[k])->huffval));
            (*dst[k])->sent_table = FALSE;
        }
    }
    for (ci = 0; ci < s->num_components; ci++) {
        c->comp_info[ci].dc_tbl_no = s->comp_info[ci].dc_tbl_no;
        c->comp_info[ci].ac_tbl_no = s->comp_info[ci].ac_tbl_no;
    }
}

/*
 * The optimised Huffman tables of the image as it will be written, made
 * here rather than by the library's statistics pass (optimize_coding),
 * which reads every coefficient of every block one by one and cost twice
 * the Huffman coding itself. The same counts: each block's DC difference
 * category and its AC run/size, zero-run (ZRL) and end-of-block symbols,
 * in the writer's order (one interleaved scan, MCU by MCU, the edge MCUs'
 * dummy blocks a zero difference and an end of block, the predictors
 * reset at each restart interval), per table; then the tables by the
 * procedure of the JPEG standard, annex K.2 (code lengths by Huffman's
 * merging, ties to the larger symbol), with K.3's limit to 16 bits, as
 * the library makes them: the tables, so the file, are the same to the
 * byte. A block's AC symbols come from which of its coefficients are not
 * zero, as a mask in zigzag order (the natural-order mask permuted a byte
 * at a time by lookup), walked bit by bit.
 */
typedef struct HuffStats {
    long dc[NUM_HUFF_TBLS][257], ac[NUM_HUFF_TBLS][257];
    uint64_t zz[8][256];    /* natural-order mask byte t -> its zigzag bits */
} HuffStats;

static void zigzag_masks(HuffStats *h)
{
    uint8_t pos[64];
    int t, v, j;

    for (j = 0; j < 64; j++)
        pos[cli_jpeg_zigzag[j]] = (uint8_t)j;
    for (t = 0; t < 8; t++)
        for (v = 0; v < 256; v++) {
            uint64_t m = 0;
            for (j = 0; j < 8; j++)
                if (v >> j & 1)
                    m |= (uint64_t)1 << pos[8 * t + j];
            h->zz[t][v] = m;
        }
}

/* Count one block's symbols; its DC predictor in *pred. Returns -1 for a
 * coefficient the format cannot code (the library's pass reports it). */
static int block_stats(const HuffStats *h, const JCOEF *b, int *pred, long *dc, long *ac)
{
    uint64_t nz = 0, m;
    int d = b[0] - *pred, k, last = 0, nb;

#ifdef __SSE2__
    {
        const __m128i zero = _mm_setzero_si128();
        for (k = 0; k < 64; k += 16) {
            __m128i e0 = _mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)(b + k)), zero);
            __m128i e1 = _mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)(b + k + 8)), zero);
            nz |= (uint64_t)(~_mm_movemask_epi8(_mm_packs_epi16(e0, e1)) & 0xffff) << k;
        }
    }
#else
    for (k = 0; k < 64; k++)
        nz |= (uint64_t)(b[k] != 0) << k;
#endif
    m = h->zz[0][nz & 255] | h->zz[1][nz >> 8 & 255] | h->zz[2][nz >> 16 & 255] |
        h->zz[3][nz >> 24 & 255] | h->zz[4][nz >> 32 & 255] | h->zz[5][nz >> 40 & 255] |
        h->zz[6][nz >> 48 & 255] | h->zz[7][nz >> 56];
    m &= ~(uint64_t)1;
    nb = cli_jpeg_nbits(d);
    if (nb > 11)
        return -1;
    dc[nb]++;
    *pred = b[0];
    while (m) {
        int run;
        k = __builtin_ctzll(m);
        m &= m - 1;
        run = k - last - 1;
        last = k;
        nb = cli_jpeg_nbits(b[cli_jpeg_zigzag[k]]);
        if (nb > 10)
            return -1;
        for (; run > 15; run -= 16)
            ac[0xf0]++;
        ac[(run << 4) + nb]++;
    }
    if (last < 63)
        ac[0]++; /* end of block */
    return 0;
}

/* Annex K.2 and K.3: the table of the symbols counted in freq (changed). */
static int optimal_table(long freq[257], JHUFF_TBL *t)
{
    uint8_t bits[33] = { 0 };
    int size[257] = { 0 }, next[257];
    int i, j, p;

    for (i = 0; i < 257; i++)
        next[i] = -1;
    freq[256] = 1; /* a pseudo-symbol: no real code is all ones */
    for (;;) {
        int c1 = -1, c2 = -1;
        long v = LONG_MAX;
        for (i = 0; i <= 256; i++)
            if (freq[i] && freq[i] <= v) {
                v = freq[i];
                c1 = i;
            }
        v = LONG_MAX;
        for (i = 0; i <= 256; i++)
            if (freq[i] && freq[i] <= v && i != c1) {
                v = freq[i];
                c2 = i;
            }
        if (c2 < 0)
            break;
        freq[c1] += freq[c2];
        freq[c2] = 0;
        for (size[c1]++; next[c1] >= 0; size[c1]++)
            c1 = next[c1];
        next[c1] = c2;
        for (size[c2]++; next[c2] >= 0; size[c2]++)
            c2 = next[c2];
    }
    for (i = 0; i <= 256; i++)
        if (size[i]) {
            if (size[i] > 32)
                return -1;
            bits[size[i]]++;
        }
    for (i = 32; i > 16; i--)
        while (bits[i] > 0) {
            for (j = i - 2; !bits[j]; j--)
                ;
            bits[i] -= 2;
            bits[i - 1]++;
            bits[j + 1] += 2;
            bits[j]--;
        }
    for (; !bits[i]; i--)
        ;
    bits[i]--; /* the pseudo-symbol's code */
    memcpy(t->bits, bits, sizeof(t->bits));
    for (p = 0, i = 1; i <= 32; i++)
        for (j = 0; j < 256; j++)
            if (size[j] == i)
                t->huffval[p++] = (UINT8)j;
    t->sent_table = FALSE;
    return 0;
}

int cli_jpeg_huff_optimal(long freq[257], uint8_t bits[17], uint8_t val[256])
{
    JHUFF_TBL t;

    if (optimal_table(freq, &t) < 0)
        return -1;
    memcpy(bits, t.bits, 17);
    memcpy(val, t.huffval, 256);
    return 0;
}

/* c made to write s's coefficients as s has them: its critical parameters
 * and restart interval, and no marker of the library's own (the input's are
 * copied as they were). */
static void copy_setup(struct jpeg_decompress_struct *s, struct jpeg_compress_struct *c)
{
    jpeg_copy_critical_parameters(s, c);
    c->write_JFIF_header = FALSE;
    c->write_Adobe_marker = FALSE;
    c->restart_interval = s->restart_interval;
}

/* The writer's tables, in c's slots, for a sequential Huffman-coded
 * output of one scan. Returns -1 (nothing set) when the library's own
 * pass must do it. */
static int optimal_tables(struct jpeg_decompress_struct *s, struct jpeg_compress_struct *c,
                          jvirt_barray_ptr *coefs)
{
    int n = s->num_components, ci, mx, my, mcu_w, mcu_h, rtg = 0, ret = -1;
    int pred[4] = { 0 }, used_dc[NUM_HUFF_TBLS] = { 0 }, used_ac[NUM_HUFF_TBLS] = { 0 };
    HuffStats *h;

    if (c->progressive_mode || c->arith_code || n < 1 || n > 4 ||
        c->num_components != n || c->num_scans || s->data_precision != 8)
        return -1;
    for (ci = 0; ci < n; ci++) {
        const jpeg_component_info *cp = &c->comp_info[ci];
        if (cp->dc_tbl_no < 0 || cp->dc_tbl_no >= NUM_HUFF_TBLS || cp->ac_tbl_no < 0 ||
            cp->ac_tbl_no >= NUM_HUFF_TBLS || s->comp_info[ci].v_samp_factor > 4)
            return -1;
    }
    if (!(h = calloc(1, sizeof(*h))))
        return -1;
    zigzag_masks(h);
    if (n == 1) {
        mcu_w = (int)s->comp_info[0].width_in_blocks;
        mcu_h = (int)s->comp_info[0].height_in_blocks;
    } else {
        mcu_w = (int)((s->image_width + s->max_h_samp_factor * DCTSIZE - 1) /
                      (s->max_h_samp_factor * DCTSIZE));
        mcu_h = (int)((s->image_height + s->max_v_samp_factor * DCTSIZE - 1) /
                      (s->max_v_samp_factor * DCTSIZE));
    }
    for (my = 0; my < mcu_h; my++) {
        JBLOCKARRAY rows[4][4];
        int hs[4], vs[4], bw[4], nv[4], j;
        for (ci = 0; ci < n; ci++) {
            const jpeg_component_info *cp = &s->comp_info[ci];
            int bh = (int)cp->height_in_blocks;
            hs[ci] = n == 1 ? 1 : cp->h_samp_factor;
            vs[ci] = n == 1 ? 1 : cp->v_samp_factor;
            bw[ci] = (int)cp->width_in_blocks;
            nv[ci] = bh - my * vs[ci] < vs[ci] ? bh - my * vs[ci] : vs[ci];
            for (j = 0; j < nv[ci]; j++)
                rows[ci][j] = (*s->mem->access_virt_barray)((j_common_ptr)s, coefs[ci],
                                                            (JDIMENSION)(my * vs[ci] + j),
                                                            1, FALSE);
        }
        for (mx = 0; mx < mcu_w; mx++) {
            if (s->restart_interval) {
                if (!rtg) {
                    pred[0] = pred[1] = pred[2] = pred[3] = 0;
                    rtg = (int)s->restart_interval;
                }
                rtg--;
            }
            for (ci = 0; ci < n; ci++) {
                long *dc = h->dc[c->comp_info[ci].dc_tbl_no];
                long *ac = h->ac[c->comp_info[ci].ac_tbl_no];
                int x, y;
                for (y = 0; y < vs[ci]; y++)
                    for (x = mx * hs[ci]; x < (mx + 1) * hs[ci]; x++) {
                        if (y >= nv[ci] || x >= bw[ci]) {
                            /* a dummy block: the DC repeated, no AC */
                            dc[0]++;
                            ac[0]++;
                        } else if (block_stats(h, rows[ci][y][0][x], &pred[ci], dc, ac) < 0) {
                            goto end;
                        }
                    }
            }
        }
    }
    for (ci = 0; ci < n; ci++) {
        used_dc[c->comp_info[ci].dc_tbl_no] = 1;
        used_ac[c->comp_info[ci].ac_tbl_no] = 1;
    }
    {
        JHUFF_TBL tabs[2][NUM_HUFF_TBLS];
        int k;
        for (k = 0; k < NUM_HUFF_TBLS; k++)
            if ((used_dc[k] && optimal_table(h->dc[k], &tabs[0][k]) < 0) ||
                (used_ac[k] && optimal_table(h->ac[k], &tabs[1][k]) < 0))
                goto end;
        for (k = 0; k < NUM_HUFF_TBLS; k++) {
            JHUFF_TBL **dst[2] = { &c->dc_huff_tbl_ptrs[k], &c->ac_huff_tbl_ptrs[k] };
            int e;
            for (e = 0; e < 2; e++) {
                if (!(e ? used_ac : used_dc)[k])
                    continue;
                if (!*dst[e])
                    *dst[e] = jpeg_alloc_huff_table((j_common_ptr)c);
                **dst[e] = tabs[e][k];
            }
        }
    }
    ret = 0;
end:
    free(h);
    return ret;
}

/* The blocks in l re-encoded, the others' coefficients kept: spliced into
 * the input's own coded data where that can be done (cli_jpeg_splice),
 * else through the library. */
static int write_blocks(const CliOptions *o, const CliImage *img, FILE *out,
                        const BlockList *l, CliJpegWriteStats *st, int splice)
{
    struct jpeg_decompress_struct s;
    struct jpeg_compress_struct c;
    const CliJpegInfo *j = &img->jpg;
    const SpFrame *f = &img->frame;
    jvirt_barray_ptr *coefs;
    JpegErr err;
    volatile int s_created = 0, c_created = 0;
    int16_t (*volatile blk)[64] = malloc((l->n ? l->n : 1) * sizeof(*blk));
    int ret, ci, i;

    if (!blk) {
        cli_log(o, SP_LOG_ERROR, "cannot write '%s': out of memory\n", img->out_path);
        return -ENOMEM;
    }
    /* The blocks whose samples changed, transformed and quantised with the
     * file's table first, while find_changed() has just brought their
     * samples into the cache (reading the coefficients pushes them out);
     * the planes are padded to whole blocks, and the library never
     * changes padding samples. */
    for (i = 0; i < l->n; i++) {
        ci = l->b[i][0];
        cli_jpeg_fdct_quant(f->data[ci] + (ptrdiff_t)l->b[i][2] * DCTSIZE * f->stride[ci] +
                            l->b[i][1] * DCTSIZE, f->stride[ci], j->quant[j->quant_no[ci]],
                            blk[i]);
    }

    if (splice) {
        uint8_t *file;
        size_t size;
        ret = cli_jpeg_splice(img, (const int (*)[3])l->b, (const int16_t (*)[64])blk,
                              l->n, &file, &size);
        if (ret == 0 || ret == 2) {
            int bw, bh;
            for (ci = 0; ci < j->nb_comp; ci++) {
                comp_blocks(img, ci, &bw, &bh);
                st->blocks += (int64_t)bw * bh;
            }
            st->changed += l->n;
            st->own_tables += ret == 0;
            st->spliced += ret == 0;
            st->recoded += ret == 2;
            fwrite(file, 1, size, out); /* a short write: ferror() */
            free(file);
            ret = 0;
        }
        if (ret <= 0) {
            if (ret < 0)
                cli_log(o, SP_LOG_ERROR, "cannot write '%s': out of memory\n",
                        img->out_path);
            free(blk);
            return ret;
        }
    }

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

    /* in place of the input's */
    for (ci = 0; ci < j->nb_comp; ci++)
        st->blocks += (int64_t)s.comp_info[ci].width_in_blocks *
                      s.comp_info[ci].height_in_blocks;
    for (i = 0; i < l->n; i++) {
        JBLOCKARRAY row = (*s.mem->access_virt_barray)((j_common_ptr)&s, coefs[l->b[i][0]],
                                                      l->b[i][2], 1, TRUE);
        int k;
        for (k = 0; k < 64; k++)
            row[0][l->b[i][1]][k] = blk[i][k];
        st->changed++;
    }

    jpeg_create_compress(&c);
    c_created = 1;
    jpeg_stdio_dest(&c, out);
    copy_setup(&s, &c);
    c.arith_code = s.arith_code;
    c.optimize_coding = !s.arith_code;
    if (s.progressive_mode)
        jpeg_simple_progression(&c);
    else if (tables_cover(&s, coefs, l, !j->corrupt)) {
        copy_tables(&s, &c);
        c.optimize_coding = FALSE;
        st->own_tables++;
    } else if (c.optimize_coding && !optimal_tables(&s, &c, coefs)) {
        c.optimize_coding = FALSE;
    }
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
    free(blk);
    return ret;
}

int cli_jpeg_write(const CliOptions *o, const CliImage *img, const char *path,
                   int qscale, int full, CliJpegWriteStats *st)
{
    CliJpegWriteStats dummy = { 0 };
    BlockList list = { NULL, 0, 0, 0 };
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
    if (qscale >= 1 || full || !img->block_hash) {
        ret = write_full(o, img, out, qscale);
    } else if ((ret = find_changed(img, &list)) < 0) {
        cli_log(o, SP_LOG_ERROR, "cannot write '%s': out of memory\n",
                img->out_path);
    } else if (!list.n && !img->jpg.corrupt) {
        /* nothing to re-encode: the input's own bytes are the answer (a
         * damaged input is written whole instead, as it decoded) */
        int ci, bw, bh;
        for (ci = 0; ci < img->jpg.nb_comp; ci++) {
            comp_blocks(img, ci, &bw, &bh);
            st->blocks += (int64_t)bw * bh;
        }
        fwrite(img->jpg.file, 1, img->jpg.file_size, out);
        ret = 0; /* a short write is caught by ferror() below */
    } else {
        if (list.outside)
            cli_log(o, SP_LOG_VERBOSE, "'%s': %d changed blocks lie outside "
                    "the box the library reported as touched\n", img->path,
                    list.outside);
        ret = write_blocks(o, img, out, &list, st, 1);
    }
    free(list.b);
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

int cli_jpeg_test_splice(const CliOptions *o, const CliImage *img, const char *lib_out,
                         const char *own_out)
{
    CliJpegWriteStats st = { 0, 0, 0, 0, 0 };
    BlockList list = { NULL, 0, 0, 0 };
    FILE *f;
    int ret = -1;

    if (find_changed(img, &list) < 0 || !(f = fopen(lib_out, "wb")))
        goto end;
    ret = write_blocks(o, img, f, &list, &st, 0);
    if (fclose(f) != 0 || ret < 0 || !(f = fopen(own_out, "wb"))) {
        ret = -1;
        goto end;
    }
    memset(&st, 0, sizeof(st));
    ret = write_blocks(o, img, f, &list, &st, 1);
    if (fclose(f) != 0 || ret < 0)
        ret = -1;
    else
        ret = st.spliced ? 0 : st.recoded ? 2 : 1;
end:
    free(list.b);
    return ret;
}

/* Write the coefficients with optimised tables: the library's pass, or
 * (own) the writer's; 1 when own and the writer's could not be used. */
static int write_optimised(struct jpeg_decompress_struct *s, jvirt_barray_ptr *coefs,
                           const char *path, int own)
{
    struct jpeg_compress_struct c;
    JpegErr err;
    FILE *volatile f = fopen(path, "wb");
    volatile int ret = -1;

    if (!f)
        return -1;
    jerr_init(&err);
    c.err = &err.pub;
    if (setjmp(err.jb)) {
        jpeg_destroy_compress(&c);
        fclose(f);
        return -1;
    }
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    copy_setup(s, &c);
    c.optimize_coding = TRUE;
    ret = 0;
    if (own) {
        if (optimal_tables(s, &c, coefs) < 0)
            ret = 1;
        else
            c.optimize_coding = FALSE;
    }
    jpeg_write_coefficients(&c, coefs);
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    if (fclose(f) != 0)
        ret = -1;
    return ret;
}

/* About one block in five given new coefficients: long zero runs (ZRL
 * codes), magnitudes up to the largest category, large DC steps. */
static void perturb_blocks(struct jpeg_decompress_struct *s, jvirt_barray_ptr *coefs,
                           unsigned seed)
{
    int ci, bx, by, k;

    for (ci = 0; ci < s->num_components; ci++)
        for (by = 0; by < (int)s->comp_info[ci].height_in_blocks; by++) {
            JBLOCKARRAY row = (*s->mem->access_virt_barray)((j_common_ptr)s, coefs[ci],
                                                           (JDIMENSION)by, 1, TRUE);
            for (bx = 0; bx < (int)s->comp_info[ci].width_in_blocks; bx++) {
                JCOEF *b = row[0][bx];
                seed = seed * 1103515245u + 12345u;
                if ((seed >> 16) % 5)
                    continue;
                b[0] = (JCOEF)((int)((seed >> 8) % 2001) - 1000);
                for (k = 1; k < 64; k++) {
                    seed = seed * 1103515245u + 12345u;
                    b[cli_jpeg_zigzag[k]] = (seed >> 16) % 7 ? 0 :
                                   (JCOEF)(((int)((seed >> 4) % 2047) - 1023) >>
                                           ((seed >> 26) % 10));
                }
            }
        }
}

int cli_jpeg_test_optimal_tables(const char *path, const char *lib_out,
                                 const char *own_out, unsigned seed)
{
    struct jpeg_decompress_struct s;
    JpegErr err;
    FILE *f = fopen(path, "rb");
    jvirt_barray_ptr *coefs;
    volatile int ret = -1;

    if (!f)
        return -1;
    jerr_init(&err);
    s.err = &err.pub;
    if (setjmp(err.jb)) {
        jpeg_destroy_decompress(&s);
        fclose(f);
        return -1;
    }
    jpeg_create_decompress(&s);
    jpeg_stdio_src(&s, f);
    jpeg_read_header(&s, TRUE);
    coefs = jpeg_read_coefficients(&s);
    perturb_blocks(&s, coefs, seed);
    ret = write_optimised(&s, coefs, lib_out, 0);
    if (!ret)
        ret = write_optimised(&s, coefs, own_out, 1);
    jpeg_finish_decompress(&s);
    jpeg_destroy_decompress(&s);
    fclose(f);
    return ret;
}
