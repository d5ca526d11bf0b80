/*
 * fill: heals the defect regions that the markers and detectors put on a
 * frame, in every plane, touching nothing outside them.
 *
 * Spatial method (edge-directed interpolation): each defective sample is
 * estimated along several directions through it (0, 22.5, ... 157.5
 * degrees). Along each direction the nearest healthy sample is found on
 * both sides; the two are interpolated by distance. A direction whose two
 * ends agree runs along an edge or a flat area, a direction whose ends
 * differ crosses an edge, so each estimate is weighted by the inverse
 * square of the ends' difference (and by the inverse of the span). An
 * edge through a hole is thus continued instead of being blurred, as
 * edge-directed demosaicking and defect-pixel correction do (Hirakawa and
 * Parks, "Adaptive homogeneity-directed demosaicing", 2005, uses the same
 * reasoning for direction choice). Only healthy samples are read, so the
 * result does not depend on the order in which samples are filled.
 *
 * Masks are mapped to each plane's resolution: a chroma sample is
 * defective when any luma pixel it covers is. A soft mask edge (values
 * between 0 and 255) blends the estimate with the original in proportion.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "filters/filter.h"

#define MAX_REACH 48 /* farthest a healthy sample is looked for, in samples */

typedef struct FillContext {
    int method;           /* option: enum SpFillMethod or 0 = auto */
    int show;             /* option: outline the defects instead */
    int nb_planes;
    int pw[4], ph[4];
    uint8_t *hole[4];     /* per plane: 0 healthy, else 1..255 defect weight */
} FillContext;

static const SpOptionConst fill_methods[] = {
    { "auto",    SP_FILL_NONE },
    { "spatial", SP_FILL_SPATIAL },
    { NULL },
};

#define OFFSET(x) offsetof(FillContext, x)
static const SpOption fill_options[] = {
    { "fill", "how defects are healed: auto picks per defect", SP_OPT_ENUM,
      OFFSET(method), SP_FILL_NONE, 0, 0, 0, fill_methods },
    { "show", "outline every defect (dashed box) instead of healing it",
      SP_OPT_INT, OFFSET(show), 0, 0, 0, 1, NULL },
    { NULL },
};

static int fill_config(SpFilterContext *fc, const SpFrame *f)
{
    FillContext *s = fc->priv;
    int p;

    s->nb_planes = f->has_alpha ? f->nb_planes - 1 : f->nb_planes;
    for (p = 0; p < s->nb_planes; p++) {
        s->pw[p] = sp_plane_width(f, p);
        s->ph[p] = sp_plane_height(f, p);
        s->hole[p] = calloc((size_t)s->pw[p] * s->ph[p], 1);
        if (!s->hole[p])
            return -ENOMEM;
    }
    return 0;
}

/* Plane-resolution box of a full-resolution region. */
static void plane_box(const SpFrame *f, int p, const SpRegion *r,
                      int *x0, int *y0, int *x1, int *y1)
{
    int sx = sp_plane_ss_x(f, p), sy = sp_plane_ss_y(f, p);

    *x0 = r->x >> sx;
    *y0 = r->y >> sy;
    *x1 = (r->x + r->w - 1) >> sx;
    *y1 = (r->y + r->h - 1) >> sy;
}

static void mark_region(FillContext *s, const SpFrame *f, const SpSlot *slot,
                        const SpRegion *r)
{
    const uint8_t *m = sp_region_mask(slot, r);
    int p, x, y;

    for (p = 0; p < s->nb_planes; p++) {
        int sx = sp_plane_ss_x(f, p), sy = sp_plane_ss_y(f, p);
        if (p > 0 && !sx && !sy) {
            /* full-size plane: same marks as plane 0 */
            continue;
        }
        for (y = 0; y < r->h; y++) {
            int fy = r->y + y;
            if (fy < 0 || fy >= f->height)
                continue;
            for (x = 0; x < r->w; x++) {
                int fx = r->x + x;
                uint8_t v = m[y * r->w + x];
                uint8_t *h;
                if (!v || fx < 0 || fx >= f->width)
                    continue;
                h = &s->hole[p][(size_t)(fy >> sy) * s->pw[p] + (fx >> sx)];
                if (v > *h)
                    *h = v;
            }
        }
    }
}

static void clear_region(FillContext *s, const SpFrame *f, const SpRegion *r)
{
    int p, x0, y0, x1, y1, y;

    for (p = 0; p < s->nb_planes; p++) {
        plane_box(f, p, r, &x0, &y0, &x1, &y1);
        if (x0 < 0) x0 = 0;
        if (y0 < 0) y0 = 0;
        if (x1 >= s->pw[p]) x1 = s->pw[p] - 1;
        if (y1 >= s->ph[p]) y1 = s->ph[p] - 1;
        for (y = y0; y <= y1 && x0 <= x1; y++)
            memset(&s->hole[p][(size_t)y * s->pw[p] + x0], 0, x1 - x0 + 1);
    }
}

static const int dirs[8][2] = {
    { 1, 0 }, { 0, 1 }, { 1, 1 }, { 1, -1 },
    { 2, 1 }, { 1, 2 }, { -1, 2 }, { -2, 1 },
};

/* Nearest healthy sample from (x, y) stepping by (dx, dy); returns the
 * number of steps, 0 if none within reach. */
static int walk(const FillContext *s, const uint8_t *hole, int pw, int ph,
                int x, int y, int dx, int dy)
{
    int k;

    (void)s;
    for (k = 1; k <= MAX_REACH; k++) {
        x += dx;
        y += dy;
        if (x < 0 || y < 0 || x >= pw || y >= ph)
            return 0;
        if (!hole[(size_t)y * pw + x])
            return k;
    }
    return 0;
}

/* Edge-directed estimate of sample (x, y) of plane p; returns -1 when no
 * healthy sample is within reach. */
static int estimate(const FillContext *s, const SpFrame *f, int p, int x, int y)
{
    const uint8_t *hole = s->hole[p];
    int pw = s->pw[p], ph = s->ph[p], d;
    double num = 0, den = 0, num1 = 0, den1 = 0;
    double scale = (double)(1 << (f->depth - 8));

    for (d = 0; d < 8; d++) {
        int dx = dirs[d][0], dy = dirs[d][1];
        int ka = walk(s, hole, pw, ph, x, y, dx, dy);
        int kb = walk(s, hole, pw, ph, x, y, -dx, -dy);
        double len = d < 4 ? (d < 2 ? 1.0 : 1.414) : 2.236;
        if (ka && kb) {
            int a = sp_get(f, p, x + ka * dx, y + ka * dy);
            int b = sp_get(f, p, x - kb * dx, y - kb * dy);
            double v = (a * (double)kb + b * (double)ka) / (ka + kb);
            double diff = (a > b ? a - b : b - a) / scale + 2.0;
            double w = 1.0 / (diff * diff * (ka + kb) * len);
            num += v * w;
            den += w;
        } else if (ka || kb) {
            int k = ka ? ka : kb, sgn = ka ? 1 : -1;
            int a = sp_get(f, p, x + sgn * k * dx, y + sgn * k * dy);
            double w = 1.0 / (k * len);
            num1 += a * w;
            den1 += w;
        }
    }
    if (den > 0)
        return (int)(num / den + 0.5);
    if (den1 > 0)
        return (int)(num1 / den1 + 0.5);
    return -1;
}

static void fill_region_spatial(FillContext *s, SpFrame *f, const SpRegion *r)
{
    int p, x, y, x0, y0, x1, y1;

    for (p = 0; p < s->nb_planes; p++) {
        const uint8_t *hole = s->hole[p];
        plane_box(f, p, r, &x0, &y0, &x1, &y1);
        if (x0 < 0) x0 = 0;
        if (y0 < 0) y0 = 0;
        if (x1 >= s->pw[p]) x1 = s->pw[p] - 1;
        if (y1 >= s->ph[p]) y1 = s->ph[p] - 1;
        for (y = y0; y <= y1; y++)
            for (x = x0; x <= x1; x++) {
                int hv = hole[(size_t)y * s->pw[p] + x], v, o;
                if (!hv)
                    continue;
                v = estimate(s, f, p, x, y);
                if (v < 0)
                    continue;
                if (hv < 255) {
                    o = sp_get(f, p, x, y);
                    v = (v * hv + o * (255 - hv) + 127) / 255;
                }
                sp_put(f, p, x, y, v);
            }
    }
}

/* Full-size planes share plane 0's marks: point them at it. */
static const uint8_t *plane_hole(const FillContext *s, const SpFrame *f, int p)
{
    return p > 0 && !sp_plane_ss_x(f, p) && !sp_plane_ss_y(f, p)
           ? s->hole[0] : s->hole[p];
}

/* A dashed box, two pixels outside the region, in every plane but alpha:
 * visible on dark and bright pictures alike. */
static void outline_region(FillContext *s, SpFrame *f, const SpRegion *r)
{
    int x0 = r->x - 2, y0 = r->y - 2, x1 = r->x + r->w + 1, y1 = r->y + r->h + 1;
    int maxv = (1 << f->depth) - 1, p, x, y;

    for (p = 0; p < s->nb_planes; p++) {
        int sx = sp_plane_ss_x(f, p), sy = sp_plane_ss_y(f, p);
        int mid = f->color == SP_COLOR_YUV && p > 0 ? 1 << (f->depth - 1) : -1;
        for (y = y0; y <= y1; y++)
            for (x = x0; x <= x1; x++) {
                int on = y == y0 || y == y1 || x == x0 || x == x1;
                if (!on || x < 0 || y < 0 || x >= f->width || y >= f->height)
                    continue;
                if (mid >= 0)
                    sp_put(f, p, x >> sx, y >> sy, mid);
                else
                    sp_put(f, p, x >> sx, y >> sy, ((x + y) >> 1) & 1 ? maxv : 0);
            }
    }
    sp_frame_touch(f, x0 < 0 ? 0 : x0, y0 < 0 ? 0 : y0,
                   x1 - (x0 < 0 ? 0 : x0) + 1, y1 - (y0 < 0 ? 0 : y0) + 1);
}

static int fill_process(SpFilterContext *fc, SpWindow *w)
{
    FillContext *s = fc->priv;
    SpSlot *slot = w->cur;
    SpFrame *f = slot->frame;
    uint8_t *saved[4];
    int i, p;

    if (!slot->nb_regions)
        return 0;
    if (s->show) {
        for (i = 0; i < slot->nb_regions; i++)
            outline_region(s, f, &slot->regions[i]);
        return 0;
    }
    for (i = 0; i < slot->nb_regions; i++)
        mark_region(s, f, slot, &slot->regions[i]);
    /* estimate() reads s->hole[p]: alias full-size planes to plane 0 */
    for (p = 0; p < s->nb_planes; p++) {
        saved[p] = s->hole[p];
        s->hole[p] = (uint8_t *)plane_hole(s, f, p);
    }
    for (i = 0; i < slot->nb_regions; i++) {
        SpRegion *r = &slot->regions[i];
        fill_region_spatial(s, f, r);
        r->fill = SP_FILL_SPATIAL;
        sp_frame_touch(f, r->x, r->y, r->w, r->h);
    }
    for (p = 0; p < s->nb_planes; p++)
        s->hole[p] = saved[p];
    for (i = 0; i < slot->nb_regions; i++)
        clear_region(s, f, &slot->regions[i]);
    return 0;
}

static void fill_uninit(SpFilterContext *fc)
{
    FillContext *s = fc->priv;
    int p;

    for (p = 0; s && p < 4; p++) {
        free(s->hole[p]);
        s->hole[p] = NULL;
    }
}

const SpFilter sp_filter_fill = {
    .name      = "fill",
    .priv_size = sizeof(FillContext),
    .options   = fill_options,
    .config    = fill_config,
    .process   = fill_process,
    .uninit    = fill_uninit,
};
