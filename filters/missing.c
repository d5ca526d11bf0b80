/*
 * missing: marks pixels that never arrived (seed 003) as SP_KIND_MISSING
 * regions for the fill to heal:
 *   - fully transparent pixels when the frame has alpha; their alpha is
 *     made opaque (the fill never touches alpha) unless keep-alpha is set;
 *   - pixels of a marker colour (missing-color): exact for RGB and gray,
 *     within a tolerance of its BT.601 limited-range value for YUV;
 *   - whole lost rows or columns: a line entirely black between two
 *     mostly lit lines (lines entirely transparent or of the marker colour
 *     are already caught pixel by pixel).
 * The marked pixels are grouped by 64x64 tiles: each tile holding any
 * becomes one region with the bounding box of its marked pixels, so the
 * work follows the loss and a region never covers the whole frame.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "filters/filter.h"

#define TILE 64

typedef struct MissingContext {
    int color;       /* 0xRRGGBB or -1 */
    int keep_alpha;
    int lines;       /* look for whole black rows / columns */
    int tolerance;   /* YUV match, in 8-bit levels */
    uint8_t *mask;   /* width * height, 255 missing */
    int dirty;       /* the mask holds marks from the last frame */
    int *cols;       /* columns still all black, while looking for lost ones */
    uint8_t *dark;   /* the same as a map (1 black so far), while they are many */
    int w, h;
    int target[3];   /* marker in the frame's planes, at its depth */
} MissingContext;

#define OFF(x) offsetof(MissingContext, x)
static const SpOption missing_options[] = {
    { "missing-color", "pixels of this colour are missing (rrggbb)",
      SP_OPT_COLOR, OFF(color), -1, 0, -1, 0xffffff, NULL },
    { "keep-alpha", "keep the alpha of healed transparent pixels (0/1)",
      SP_OPT_INT, OFF(keep_alpha), 0, 0, 0, 1, NULL },
    { "missing-lines", "recognise whole black rows and columns (0/1)",
      SP_OPT_INT, OFF(lines), 1, 0, 0, 1, NULL },
    { "missing-tolerance", "marker colour tolerance for YUV, 8-bit levels",
      SP_OPT_INT, OFF(tolerance), 6, 0, 0, 64, NULL },
    { NULL },
};

static int missing_config(SpFilterContext *fc, const SpFrame *f)
{
    MissingContext *s = fc->priv;
    int r = (s->color >> 16) & 255, g = (s->color >> 8) & 255, b = s->color & 255;
    int sh = f->depth - 8;

    s->w = f->width;
    s->h = f->height;
    s->mask = calloc((size_t)s->w * s->h, 1);
    s->cols = malloc((size_t)s->w * sizeof(*s->cols));
    s->dark = malloc((size_t)s->w);
    if (!s->mask || !s->cols || !s->dark)
        return -ENOMEM;
    if (f->color == SP_COLOR_RGB) {
        s->target[0] = g << sh;
        s->target[1] = b << sh;
        s->target[2] = r << sh;
    } else {
        /* BT.601, limited range */
        double y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
        double u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255;
        double v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255;
        s->target[0] = (int)(y * (1 << sh) + 0.5);
        s->target[1] = (int)(u * (1 << sh) + 0.5);
        s->target[2] = (int)(v * (1 << sh) + 0.5);
    }
    return 0;
}

static int is_marker(const MissingContext *s, const SpFrame *f, int x, int y)
{
    int tol = s->tolerance << (f->depth - 8), p;
    int nc = f->nb_planes - f->has_alpha;

    if (f->color == SP_COLOR_RGB) {
        for (p = 0; p < 3 && p < nc; p++)
            if (sp_get(f, p, x, y) != s->target[p])
                return 0;
        return 1;
    }
    if (abs(sp_get(f, 0, x, y) - s->target[0]) > tol)
        return 0;
    for (p = 1; p < 3 && p < nc; p++)
        if (abs(sp_get(f, p, x >> sp_plane_ss_x(f, p), y >> sp_plane_ss_y(f, p)) -
                s->target[p]) > 2 * tol)
            return 0;
    return 1;
}

/* Black: every colour sample at its format's black (RGB 0, YUV luma <= 16 + 2). */
static int is_black(const SpFrame *f, int x, int y)
{
    int sh = f->depth - 8;
    int nc = f->nb_planes - f->has_alpha, p;

    if (f->color == SP_COLOR_RGB) {
        for (p = 0; p < nc; p++)
            if (sp_get(f, p, x, y) > (2 << sh))
                return 0;
        return 1;
    }
    return sp_get(f, 0, x, y) <= (18 << sh);
}

/*
 * Lines are judged by how many of their samples are clearly lit (above
 * black by 16 levels at 8 bits): a lost line has none, and it counts as
 * lost only between two lines that are mostly lit, so the dark rows of a
 * night scene, letterbox bars and their edges are never taken for losses.
 */
static int lit(const SpFrame *f, int x, int y)
{
    int sh = f->depth - 8;
    int nc = f->nb_planes - f->has_alpha, p;

    if (f->color == SP_COLOR_RGB) {
        for (p = 0; p < nc; p++)
            if (sp_get(f, p, x, y) > (16 << sh))
                return 1;
        return 0;
    }
    return sp_get(f, 0, x, y) > (32 << sh);
}

/* lit samples of row y (or column x when col), stopping after max */
static int line_lit(const SpFrame *f, int col, int i, int max)
{
    int n = col ? f->height : f->width, k, c = 0;

    for (k = 0; k < n && c < max; k++)
        c += col ? lit(f, i, k) : lit(f, k, i);
    return c;
}

static int line_black(const SpFrame *f, int col, int i)
{
    int n = col ? f->height : f->width, k;

    if (!col && f->color != SP_COLOR_RGB && f->depth == 8) {
        /* 8-bit luma: the row read straight */
        const uint8_t *row = f->data[0] + (ptrdiff_t)i * f->stride[0];
        k = 0;
#ifdef __SSE2__
        {
            /* 16 at a time: max(v, 18) == 18 where v <= 18 */
            const __m128i t = _mm_set1_epi8(18);
            for (; k + 16 <= n; k += 16) {
                __m128i v = _mm_loadu_si128((const __m128i *)(row + k));
                if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, t), t)) != 0xffff)
                    return 0;
            }
        }
#endif
        for (; k < n; k++)
            if (row[k] > 18)
                return 0;
        return 1;
    }
    for (k = 0; k < n; k++)
        if (col ? !is_black(f, i, k) : !is_black(f, k, i))
            return 0;
    return 1;
}

/* a black line between two mostly lit lines */
static int line_lost(const SpFrame *f, int col, int i)
{
    int n = col ? f->width : f->height;
    int len = col ? f->height : f->width;

    if (i <= 0 || i >= n - 1 || !line_black(f, col, i))
        return 0;
    return line_lit(f, col, i - 1, len / 2) >= len / 2 &&
           line_lit(f, col, i + 1, len / 2) >= len / 2;
}

static int missing_process(SpFilterContext *fc, SpWindow *w)
{
    MissingContext *s = fc->priv;
    SpFrame *f = w->cur->frame;
    int W = s->w, H = s->h, x, y, tx, ty, any = 0, total = 0, nc, k, kept;
    int ap = f->has_alpha ? f->nb_planes - 1 : -1;
    int amax = (1 << f->depth) - 1;

    if (f->width != W || f->height != H)
        return -EINVAL;
    /* the mask is clear unless the last frame marked something: most
     * frames lose nothing, and the per-pixel scan only runs when there is
     * an alpha plane or a marker colour to look for */
    if (s->dirty)
        memset(s->mask, 0, (size_t)W * H);
    s->dirty = 0;
    if (ap >= 0 || s->color >= 0)
        for (y = 0; y < H; y++)
            for (x = 0; x < W; x++)
                if ((ap >= 0 && sp_get(f, ap, x, y) == 0) ||
                    (s->color >= 0 && is_marker(s, f, x, y))) {
                    s->mask[(size_t)y * W + x] = 255;
                    any = 1;
                }
    if (s->lines && H > 2 && W > 2) {
        for (y = 1; y < H - 1; y++)
            if (line_lost(f, 0, y)) {
                memset(s->mask + (size_t)y * W, 255, W);
                any = 1;
            }
        /* the columns that are black all the way down, found row by row
         * (walking down a column at a time strides through memory), then
         * those of them between two mostly lit columns */
        nc = 0;
        if (f->color != SP_COLOR_RGB && f->depth == 8) {
            /* 8-bit luma: the first row that is lit somewhere in every
             * column usually ends it within a few rows */
            const uint8_t *row = f->data[0];
            y = 1;
#ifdef __SSE2__
            /* while many columns are left (a dark top edge), a map of
             * them updated 16 at a time, then the list of those left */
            {
                const __m128i t = _mm_set1_epi8(18), one = _mm_set1_epi8(1);
                const __m128i zero = _mm_setzero_si128();
                int left = 0;
                for (x = 0; x < W; x++) {
                    s->dark[x] = x > 0 && x < W - 1 && row[x] <= 18;
                    left += s->dark[x];
                }
                for (; y < H && left > 32; y++) {
                    __m128i cnt = zero;
                    row = f->data[0] + (ptrdiff_t)y * f->stride[0];
                    for (x = 0; x + 16 <= W; x += 16) {
                        __m128i v = _mm_loadu_si128((const __m128i *)(row + x));
                        __m128i d = _mm_and_si128(_mm_loadu_si128((const __m128i *)(s->dark + x)),
                                                  _mm_and_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, t), t),
                                                                one));
                        _mm_storeu_si128((__m128i *)(s->dark + x), d);
                        cnt = _mm_add_epi64(cnt, _mm_sad_epu8(d, zero));
                    }
                    left = _mm_cvtsi128_si32(cnt) + _mm_cvtsi128_si32(_mm_unpackhi_epi64(cnt, cnt));
                    for (; x < W; x++) {
                        s->dark[x] &= row[x] <= 18;
                        left += s->dark[x];
                    }
                }
                for (x = 1; x < W - 1; x++)
                    if (s->dark[x])
                        s->cols[nc++] = x;
            }
#else
            for (x = 1; x < W - 1; x++)
                if (row[x] <= 18)
                    s->cols[nc++] = x;
#endif
            for (; y < H && nc; y++) {
                row = f->data[0] + (ptrdiff_t)y * f->stride[0];
                for (k = kept = 0; k < nc; k++) {
                    s->cols[kept] = s->cols[k];
                    kept += row[s->cols[k]] <= 18;
                }
                nc = kept;
            }
        } else {
            for (x = 1; x < W - 1; x++)
                s->cols[nc++] = x;
            for (y = 0; y < H && nc; y++) {
                for (k = kept = 0; k < nc; k++)
                    if (is_black(f, s->cols[k], y))
                        s->cols[kept++] = s->cols[k];
                nc = kept;
            }
        }
        for (k = 0; k < nc; k++) {
            x = s->cols[k];
            if (line_lit(f, 1, x - 1, H / 2) >= H / 2 && line_lit(f, 1, x + 1, H / 2) >= H / 2) {
                for (y = 0; y < H; y++)
                    s->mask[(size_t)y * W + x] = 255;
                any = 1;
            }
        }
    }
    if (!any)
        return 0;
    s->dirty = 1;
    for (ty = 0; ty < H; ty += TILE)
        for (tx = 0; tx < W; tx += TILE) {
            int x0 = W, y0 = H, x1 = -1, y1 = -1, ret;
            int ex = tx + TILE < W ? tx + TILE : W, ey = ty + TILE < H ? ty + TILE : H;
            uint8_t *m;
            for (y = ty; y < ey; y++)
                for (x = tx; x < ex; x++)
                    if (s->mask[(size_t)y * W + x]) {
                        if (x < x0) x0 = x;
                        if (x > x1) x1 = x;
                        if (y < y0) y0 = y;
                        if (y > y1) y1 = y;
                    }
            if (x1 < 0)
                continue;
            ret = sp_slot_add_region(w->cur, x0, y0, x1 - x0 + 1, y1 - y0 + 1,
                                     SP_KIND_MISSING, &m);
            if (ret < 0)
                return ret;
            w->cur->regions[ret].confidence = 1.0f;
            for (y = y0; y <= y1; y++)
                for (x = x0; x <= x1; x++)
                    if (s->mask[(size_t)y * W + x]) {
                        m[(size_t)(y - y0) * (x1 - x0 + 1) + x - x0] = 255;
                        total++;
                        if (ap >= 0 && !s->keep_alpha)
                            sp_put(f, ap, x, y, amax);
                    }
            if (ap >= 0 && !s->keep_alpha)
                sp_frame_touch(f, x0, y0, x1 - x0 + 1, y1 - y0 + 1);
        }
    sp_log(fc->log, SP_LOG_DEBUG, "frame %lld: %d missing pixels\n",
           (long long)f->index, total);
    return 0;
}

static void missing_uninit(SpFilterContext *fc)
{
    MissingContext *s = fc->priv;

    if (s) {
        free(s->mask);
        free(s->cols);
        free(s->dark);
        s->mask = NULL;
        s->cols = NULL;
        s->dark = NULL;
    }
}

const SpFilter sp_filter_missing = {
    .name      = "missing",
    .priv_size = sizeof(MissingContext),
    .options   = missing_options,
    .config    = missing_config,
    .process   = missing_process,
    .uninit    = missing_uninit,
};
