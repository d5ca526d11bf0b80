/*
 * PNG frames through libpng: decoding to planes (RGB as G, B, R; gray as
 * Y; alpha last), writing back at the input's depth, and the --mask loader.
 *
 * Every PNG layout is read: palette images are expanded to RGB, a tRNS
 * chunk becomes an alpha plane, gray of 1, 2 or 4 bits is scaled to 8
 * bits; 16-bit images stay 16-bit (depth 16, native-endian samples). The
 * output is the same layout, 8 or 16 bits, interlaced if the input was;
 * a palette image is written as RGB(A) with the same pixels.
 *
 * The ancillary chunks that describe the picture (text, ICC profile,
 * sRGB/gAMA/cHRM, pHYs, tIME, eXIf) and any unknown safe-to-copy chunk
 * are kept verbatim: libpng is asked to treat them as unknown chunks, so
 * their bytes pass through untouched.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "src/cli/images.h"

typedef struct PngErr {
    const CliOptions *o;
    const char *path;
    char msg[256];
    int warnings;
    FILE *fp;
    size_t past_end;  /* zero bytes handed out after the end of the file */
} PngErr;

/* Reads the file; past its end hands out zeros (a truncated file then
 * fails inside the image data, after the rows that were there decoded),
 * up to a limit. */
static void read_fn(png_structp png, png_bytep data, size_t len)
{
    PngErr *e = png_get_error_ptr(png);
    size_t n = fread(data, 1, len, e->fp);

    if (n < len) {
        memset(data + n, 0, len - n);
        e->past_end += len - n;
        if (e->past_end > (1 << 20))
            png_error(png, "unexpected end of file");
    }
}

static void perr_error(png_structp png, png_const_charp msg)
{
    PngErr *e = png_get_error_ptr(png);

    snprintf(e->msg, sizeof(e->msg), "%s", msg);
    png_longjmp(png, 1);
}

static void perr_warning(png_structp png, png_const_charp msg)
{
    PngErr *e = png_get_error_ptr(png);

    if (!e->warnings++)
        cli_log(e->o, SP_LOG_VERBOSE, "'%s': %s\n", e->path, msg);
}

/* Chunks kept byte for byte. */
static const png_byte kept_chunks[] =
    "tEXt\0zTXt\0iTXt\0iCCP\0sRGB\0gAMA\0cHRM\0pHYs\0tIME\0eXIf\0";
#define NB_KEPT 10

void cli_png_info_free(CliPngInfo *p)
{
    int i;

    if (!p)
        return;
    for (i = 0; i < p->nb_chunks; i++)
        free(p->chunks[i].data);
    free(p->chunks);
    memset(p, 0, sizeof(*p));
}

static int save_chunks(png_structp png, png_infop info, CliPngInfo *p)
{
    png_unknown_chunkp u;
    int n = png_get_unknown_chunks(png, info, &u), i;

    for (i = 0; i < n; i++) {
        CliPngChunk *c = realloc(p->chunks, (p->nb_chunks + 1) * sizeof(*c));
        if (!c)
            return -ENOMEM;
        p->chunks = c;
        c = &p->chunks[p->nb_chunks];
        memcpy(c->name, u[i].name, 4);
        c->name[4] = 0;
        c->location = u[i].location;
        c->size = u[i].size;
        c->data = malloc(c->size ? c->size : 1);
        if (!c->data)
            return -ENOMEM;
        memcpy(c->data, u[i].data, c->size);
        p->nb_chunks++;
    }
    return 0;
}

/* Plane of channel k of a png row with `ch` channels: G, B, R order for
 * RGB so that plane 0 is green, as SpFrame RGB wants. */
static int plane_of_channel(int ch, int k)
{
    static const int rgb[4] = { 2, 0, 1, 3 }; /* R->2, G->0, B->1, A->3 */

    return ch >= 3 ? rgb[k] : k;
}

static void unpack_row(SpFrame *f, const uint8_t *row, int y, int ch)
{
    int x, k;

    for (k = 0; k < ch; k++) {
        int p = plane_of_channel(ch, k);
        if (f->depth == 8) {
            uint8_t *d = f->data[p] + y * f->stride[p];
            for (x = 0; x < f->width; x++)
                d[x] = row[x * ch + k];
        } else {
            uint16_t *d = (uint16_t *)(f->data[p] + y * f->stride[p]);
            const uint16_t *s = (const uint16_t *)row;
            for (x = 0; x < f->width; x++)
                d[x] = s[x * ch + k];
        }
    }
}

static void pack_row(const SpFrame *f, uint8_t *row, int y, int ch)
{
    int x, k;

    for (k = 0; k < ch; k++) {
        int p = plane_of_channel(ch, k);
        if (f->depth == 8) {
            const uint8_t *s = f->data[p] + y * f->stride[p];
            for (x = 0; x < f->width; x++)
                row[x * ch + k] = s[x];
        } else {
            const uint16_t *s = (const uint16_t *)(f->data[p] + y * f->stride[p]);
            uint16_t *d = (uint16_t *)row;
            for (x = 0; x < f->width; x++)
                d[x * ch + k] = s[x];
        }
    }
}

int cli_png_read(const CliOptions *o, CliImage *img)
{
    PngErr err = { o, img->path, "", 0, NULL, 0 };
    png_structp png = NULL;
    png_infop info = NULL, end = NULL;
    SpFrame *f = &img->frame;
    uint8_t *volatile rowbuf = NULL;
    uint8_t **volatile rows = NULL;
    volatile int got_rows = 0, ch = 0;
    FILE *fp = NULL;
    uint8_t sig[8];
    int ret, bit_depth, color_type, interlace, y;
    png_uint_32 w, h;
    size_t rowbytes;

    memset(&img->png, 0, sizeof(img->png));
    if (!(fp = fopen(img->path, "rb"))) {
        ret = -errno;
        cli_log(o, SP_LOG_ERROR, "cannot read '%s': %s\n", img->path,
                strerror(-ret));
        return ret;
    }
    if (fread(sig, 1, 8, fp) != 8 || png_sig_cmp(sig, 0, 8)) {
        cli_log(o, SP_LOG_ERROR, "'%s' is not a PNG image\n", img->path);
        ret = -EINVAL;
        goto end;
    }
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &err, perr_error,
                                 perr_warning);
    if (!png || !(info = png_create_info_struct(png)) ||
        !(end = png_create_info_struct(png))) {
        ret = -ENOMEM;
        goto end;
    }
    if (setjmp(png_jmpbuf(png))) {
        if (got_rows > 0 && rows == NULL && f->data[0]) {
            /* rows read one by one: keep the part that decoded */
            cli_log(o, SP_LOG_WARNING, "'%s': damaged or truncated PNG data "
                    "(%s): %d of %d rows decoded, the rest left black\n",
                    img->path, err.past_end ? "the file ends early" : err.msg,
                    got_rows, f->height);
            for (y = 0; y < f->nb_planes; y++)
                memset(f->data[y] + (ptrdiff_t)got_rows * f->stride[y], 0,
                       (size_t)(img->plane_h[y] - got_rows) * f->stride[y]);
            ret = save_chunks(png, info, &img->png);
        } else {
            cli_log(o, SP_LOG_ERROR, "'%s': damaged PNG: %s\n", img->path,
                    err.msg);
            ret = -EINVAL;
        }
        goto end;
    }
    err.fp = fp;
    png_set_read_fn(png, &err, read_fn);
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
    png_set_sig_bytes(png, 8);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_IF_SAFE, NULL, 0);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_ALWAYS, kept_chunks, NB_KEPT);
    png_set_user_limits(png, 1 << 16, 1 << 16);
    /* a profile's fixed pattern at 4K is a chunk of some 12 MB */
    png_set_chunk_malloc_max(png, 128 << 20);
    png_read_info(png, info);
    png_get_IHDR(png, info, &w, &h, &bit_depth, &color_type, &interlace,
                 NULL, NULL);
    if (color_type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    if (!(color_type & PNG_COLOR_MASK_COLOR) && bit_depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (bit_depth == 16) {
        uint16_t probe = 1;
        if (*(uint8_t *)&probe == 1)
            png_set_swap(png);
    }
    if (interlace != PNG_INTERLACE_NONE)
        png_set_interlace_handling(png);
    png_read_update_info(png, info);
    ch = png_get_channels(png, info);
    rowbytes = png_get_rowbytes(png, info);

    memset(f, 0, sizeof(*f));
    f->width = (int)w;
    f->height = (int)h;
    f->depth = bit_depth == 16 ? 16 : 8;
    f->nb_planes = ch;
    f->color = ch >= 3 ? SP_COLOR_RGB : SP_COLOR_GRAY;
    f->has_alpha = ch == 2 || ch == 4;
    img->png.bit_depth = f->depth;
    img->png.interlace = interlace;
    {
        int width[4], height[4], p;
        for (p = 0; p < 4; p++) {
            width[p] = f->width;
            height[p] = f->height;
        }
        if ((ret = cli_image_alloc(img, width, height)) < 0)
            goto end;
    }
    if (!(rowbuf = malloc(interlace != PNG_INTERLACE_NONE ? rowbytes * h : rowbytes))) {
        ret = -ENOMEM;
        goto end;
    }
    if (interlace != PNG_INTERLACE_NONE) {
        if (!(rows = malloc(h * sizeof(*rows)))) {
            ret = -ENOMEM;
            goto end;
        }
        for (y = 0; y < (int)h; y++)
            rows[y] = rowbuf + (size_t)y * rowbytes;
        png_read_image(png, (png_bytepp)rows);
        for (y = 0; y < (int)h; y++)
            unpack_row(f, rows[y], y, ch);
    } else {
        for (y = 0; y < (int)h; y++) {
            png_read_row(png, rowbuf, NULL);
            unpack_row(f, rowbuf, y, ch);
            got_rows = y + 1;
        }
    }
    png_read_end(png, end);
    if ((ret = save_chunks(png, info, &img->png)) < 0 ||
        (ret = save_chunks(png, end, &img->png)) < 0)
        goto end;
    if (err.past_end)
        cli_log(o, SP_LOG_WARNING, "'%s': truncated PNG (the end is "
                "missing): the image decoded whole\n", img->path);
    ret = 0;
end:
    if (ret == -ENOMEM)
        cli_log(o, SP_LOG_ERROR, "'%s': out of memory\n", img->path);
    png_destroy_read_struct(&png, &info, &end);
    free(rowbuf);
    free(rows);
    fclose(fp);
    return ret;
}

int cli_png_write(const CliOptions *o, const CliImage *img, const char *path)
{
    PngErr err = { o, img->out_path, "", 0, NULL, 0 };
    const SpFrame *f = &img->frame;
    png_structp png = NULL;
    png_infop info = NULL;
    uint8_t *volatile buf = NULL;
    uint8_t **volatile rows = NULL;
    png_unknown_chunk *volatile unk = NULL;
    FILE *fp;
    int ret, ch = f->nb_planes, type, y, i;
    size_t rowbytes = (size_t)f->width * ch * (f->depth > 8 ? 2 : 1);

    if (!(fp = fopen(path, "wb"))) {
        ret = -errno;
        cli_log(o, SP_LOG_ERROR, "cannot write '%s': %s\n", img->out_path,
                strerror(-ret));
        return ret;
    }
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, perr_error,
                                  perr_warning);
    if (!png || !(info = png_create_info_struct(png))) {
        ret = -ENOMEM;
        goto end;
    }
    if (setjmp(png_jmpbuf(png))) {
        cli_log(o, SP_LOG_ERROR, "cannot write '%s': %s\n", img->out_path,
                err.msg);
        ret = -EIO;
        goto end;
    }
    buf = malloc(rowbytes * f->height);
    rows = malloc(f->height * sizeof(*rows));
    unk = calloc(img->png.nb_chunks + 1, sizeof(*unk));
    if (!buf || !rows || !unk) {
        ret = -ENOMEM;
        goto end;
    }
    png_init_io(png, fp);
    type = f->color == SP_COLOR_GRAY
           ? (f->has_alpha ? PNG_COLOR_TYPE_GRAY_ALPHA : PNG_COLOR_TYPE_GRAY)
           : (f->has_alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB);
    png_set_IHDR(png, info, f->width, f->height, f->depth > 8 ? 16 : 8, type,
                 img->png.interlace, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 3);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_ALWAYS, NULL, 0);
    for (i = 0; i < img->png.nb_chunks; i++) {
        const CliPngChunk *c = &img->png.chunks[i];
        memcpy(unk[i].name, c->name, 5);
        unk[i].data = c->data;
        unk[i].size = c->size;
        unk[i].location = c->location;
    }
    if (img->png.nb_chunks)
        png_set_unknown_chunks(png, info, unk, img->png.nb_chunks);
    png_write_info(png, info);
    if (f->depth > 8) {
        uint16_t probe = 1;
        if (*(uint8_t *)&probe == 1)
            png_set_swap(png);
    }
    for (y = 0; y < f->height; y++) {
        rows[y] = buf + (size_t)y * rowbytes;
        pack_row(f, rows[y], y, ch);
    }
    png_write_image(png, (png_bytepp)rows);
    png_write_end(png, info);
    ret = 0;
end:
    if (ret == -ENOMEM)
        cli_log(o, SP_LOG_ERROR, "cannot write '%s': out of memory\n",
                img->out_path);
    png_destroy_write_struct(&png, &info);
    free(buf);
    free(rows);
    free(unk);
    if (fflush(fp) != 0 || ferror(fp)) {
        if (ret >= 0) {
            ret = -(errno ? errno : EIO);
            cli_log(o, SP_LOG_ERROR, "cannot write '%s': %s\n", img->out_path,
                    strerror(-ret));
        }
    }
    if (fclose(fp) != 0 && ret >= 0) {
        ret = -errno;
        cli_log(o, SP_LOG_ERROR, "cannot write '%s': %s\n", img->out_path,
                strerror(-ret));
    }
    return ret;
}

static int sample(const SpFrame *f, int p, int x, int y)
{
    const uint8_t *row = f->data[p] + (ptrdiff_t)y * f->stride[p];

    return f->depth > 8 ? ((const uint16_t *)row)[x] : row[x];
}

int cli_load_mask(const CliOptions *o, const char *path, uint8_t **mask,
                  int *w, int *h)
{
    CliImage img;
    const SpFrame *f = &img.frame;
    int ret, x, y, p, nc;

    *mask = NULL;
    memset(&img, 0, sizeof(img));
    img.path = path;
    if (cli_image_type_of(path) == CLI_IMG_JPEG) {
        cli_log(o, SP_LOG_ERROR, "the mask '%s' must be a PNG (a JPEG's "
                "blur would mark stray pixels)\n", path);
        return -EINVAL;
    }
    if ((ret = cli_png_read(o, &img)) < 0)
        goto end;
    nc = f->has_alpha ? f->nb_planes - 1 : f->nb_planes;
    if (!(*mask = malloc((size_t)f->width * f->height))) {
        ret = -ENOMEM;
        goto end;
    }
    for (y = 0; y < f->height; y++)
        for (x = 0; x < f->width; x++) {
            int on = 0;
            for (p = 0; p < nc; p++)
                on |= sample(f, p, x, y) > (f->depth > 8 ? 32767 : 127);
            if (f->has_alpha && !sample(f, f->nb_planes - 1, x, y))
                on = 0;
            (*mask)[(size_t)y * f->width + x] = on ? 255 : 0;
        }
    *w = f->width;
    *h = f->height;
    ret = 0;
end:
    cli_image_free(&img);
    return ret;
}
