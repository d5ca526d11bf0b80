/*
 * fill: heals the defect regions that the markers and detectors put on a
 * frame, in every plane, touching nothing outside them.
 *
 * Per region, with fill=auto:
 *  - the neighbour frames fill what the motion uncovered (fill_temporal.c),
 *    averaged with the spatial fill in proportion to how well each of them
 *    predicts the healthy ring around the region;
 *  - a spot that the motion does not uncover, on texture, whose content
 *    the gain fill recognises as a smooth attenuation, has its attenuation
 *    divided out (fill_gain.c), which keeps the real texture under it;
 *  - what is left is filled from the surround: an exemplar patch where the
 *    surround is textured and the hole large, edge-directed interpolation
 *    elsewhere (fill_spatial.c).
 * fill=temporal|gain|patch|spatial forces one method (with the spatial fill
 * still catching what the others leave). The region records the method that
 * filled most of it.
 *
 * Masks are mapped to each plane's resolution: a chroma sample is
 * defective when any luma pixel it covers is. A soft mask edge (values
 * between 0 and 255) blends the estimate with the original in proportion.
 *
 * The neighbour frames' own defects are kept in full-size luma maps, one
 * per neighbour, rebuilt for each frame over the regions' boxes only: the
 * past frames' regions as they were found; for the future frames, whose
 * regions are not known yet unless a marker put them there ahead, the
 * current regions moved by their drift since the previous frame (same
 * track) and grown by a margin that widens with the distance.
 *
 * Threads (SpSettings.threads > 1, or 0 and more than one core): the
 * regions of a frame are filled by a pool of workers started at config,
 * the calling thread being one of them, each with its own scratch, and the
 * result is the serial one bit for bit. A region reads and writes the
 * current frame and its hole maps only near its box: the ring, the spatial
 * check's band and a spatial walk's next step stay within NEAR pixels of
 * it, or they reach another region's box within NEAR of the first (a walk
 * goes on through defective samples only); the patch search reads farther,
 * PATCH_REACH. Regions whose boxes are that close are put in one group
 * (transitively), and a group's regions are filled one after the other,
 * in region order; the groups are independent. The regions are handed out
 * in order, and what the regions share in that order (a neighbour's list
 * of displacements until it holds FILL_MAX_MOTIONS, the gain tracks) is
 * read or changed by a region only once every earlier one is done (see
 * sp_fill_ordered()). The touched box is grown after the fill, in region
 * order.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filters/fill.h"

static const SpOptionConst fill_methods[] = {
    { "auto",     SP_FILL_NONE },
    { "spatial",  SP_FILL_SPATIAL },
    { "patch",    SP_FILL_PATCH },
    { "temporal", SP_FILL_TEMPORAL },
    { "gain",     SP_FILL_GAIN },
    { NULL },
};

#define OFFSET(x) offsetof(FillContext, x)
static const SpOption fill_options[] = {
    { "fill", "how defects are healed: auto picks per defect", SP_OPT_ENUM,
      OFFSET(method), SP_FILL_NONE, 0, 0, 0, fill_methods },
    { "show", "outline every defect (dashed box) instead of healing it",
      SP_OPT_INT, OFFSET(show), 0, 0, 0, 1, NULL },
    { "heal", "1 heals the defects found, 0 only finds and reports them",
      SP_OPT_INT, OFFSET(heal), 1, 0, 0, 1, NULL },
    { "fill-frames", "neighbour frames the temporal fill looks at, each way",
      SP_OPT_INT, OFFSET(frames), 6, 0, 0, FILL_MAX_REFS / 2, NULL },
    { "fill-search", "motion search range of the temporal fill, pixels",
      SP_OPT_INT, OFFSET(search), 16, 0, 2, 64, NULL },
    { NULL },
};

#define RING 6            /* ring width around a region, luma pixels */
#define SMOOTH 0.75        /* spatial fill's ring error below which auto stays spatial */
#define PIXEL_SMOOTH 2.0   /* the same for a small pixel-defect region */
#define PIXEL_SIZE 8       /* a small pixel-defect region's largest side, luma pixels */
#define GAIN_TEXTURE 3.0  /* spatial fill's ring error above which auto tries the gain fill */

#define NEAR 16           /* reach of a region's reads but the patch search, luma pixels */
#define PATCH_REACH(r) (((r)->w > (r)->h ? (r)->w : (r)->h) + 32)
#define MAX_THREADS 64

struct FillPool {
    pthread_mutex_t lock;
    pthread_cond_t wake;  /* a frame to fill, or the end */
    pthread_cond_t step;  /* a region done, a worker out of the frame */
    int lock_ok, wake_ok, step_ok;
    pthread_t th[MAX_THREADS];
    int nb_th;            /* started */
    FillContext *ctx[MAX_THREADS]; /* ctx[0]: the filter's own */
    int nb_ctx;
    int gen, quit;        /* frames handed out; stop */
    /* the frame being filled */
    SpWindow *w;
    int nb_regions, next, running, err;
    int done_upto;        /* regions 0..done_upto-1 are filled */
    int searched_upto;    /* and 0..searched_upto-1 are past their motion search */
    FillBuf done;         /* per region: 1 filled, 2 past its motion search */
    FillBuf dep;          /* per region: the previous one of its group, or -1 */
    FillBuf uf;           /* union-find parents, then each group's last */
    FillBuf order;        /* (x0, region) by x0 */
    FillBuf log;          /* per region and neighbour: the displacement found */
};

typedef struct FillMotionLog {
    float vx, vy;
    int set;
} FillMotionLog;

static int pool_start(FillContext *s, int n);

static int fill_init(SpFilterContext *fc)
{
    FillContext *s = fc->priv;
    int i;

    s->gain = s->gain_store;

    s->max_cost = 8.0;
    s->min_gain = 0.25;
    s->gain_temporal_weight = 0.5;
    for (i = 0; i < FILL_GAIN_TRACKS; i++)
        s->gain[i].track = -1;
    return 0;
}

static int uses_neighbours(const FillContext *s)
{
    return !s->show && s->heal && s->frames > 0 &&
           (s->method == SP_FILL_NONE || s->method == SP_FILL_TEMPORAL ||
            s->method == SP_FILL_GAIN);
}

static int fill_config(SpFilterContext *fc, const SpFrame *f)
{
    FillContext *s = fc->priv;
    size_t size = (size_t)f->width * f->height;
    int p, i;

    s->nb_planes = f->has_alpha ? f->nb_planes - 1 : f->nb_planes;
    s->depth = f->depth;
    for (p = 0; p < s->nb_planes; p++) {
        s->pw[p] = sp_plane_width(f, p);
        s->ph[p] = sp_plane_height(f, p);
        if (p > 0 && !sp_plane_ss_x(f, p) && !sp_plane_ss_y(f, p))
            continue; /* shares plane 0's map */
        s->hole[p] = calloc((size_t)s->pw[p] * s->ph[p], 1);
        if (!s->hole[p])
            return -ENOMEM;
    }
    if (uses_neighbours(s)) {
        fc->want_history = s->frames;
        fc->want_lookahead = s->frames;
        for (i = 0; i < 2 * s->frames; i++) {
            s->badmap[i] = calloc(size, 1);
            if (!s->badmap[i])
                return -ENOMEM;
        }
    }
    if (!s->show && s->heal && !s->pool) {
        long n = fc->settings ? fc->settings->threads : 1;
        if (n == 0)
            n = sysconf(_SC_NPROCESSORS_ONLN);
        if (n > 1 && pool_start(s, (int)n) < 0)
            return -ENOMEM;
    }
    return 0;
}

int sp_fill_plane_box(const FillContext *s, const SpFrame *f, int p,
                      const SpRegion *r, int *x0, int *y0, int *x1, int *y1)
{
    int sx = sp_plane_ss_x(f, p), sy = sp_plane_ss_y(f, p);

    *x0 = r->x < 0 ? 0 : r->x >> sx;
    *y0 = r->y < 0 ? 0 : r->y >> sy;
    *x1 = (r->x + r->w - 1) >> sx;
    *y1 = (r->y + r->h - 1) >> sy;
    if (*x1 >= s->pw[p]) *x1 = s->pw[p] - 1;
    if (*y1 >= s->ph[p]) *y1 = s->ph[p] - 1;
    return *x0 <= *x1 && *y0 <= *y1;
}

static void mark_region(FillContext *s, const SpFrame *f, const SpSlot *slot,
                        const SpRegion *r)
{
    const uint8_t *m = sp_region_mask(slot, r);
    int p, x, y;

    for (p = 0; p < s->nb_planes; p++) {
        int sx = sp_plane_ss_x(f, p), sy = sp_plane_ss_y(f, p);
        if (p > 0 && !sx && !sy)
            continue; /* full-size plane: same marks as plane 0 */
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
        if (!s->hole[p] || !sp_fill_plane_box(s, f, p, r, &x0, &y0, &x1, &y1))
            continue;
        for (y = y0; y <= y1; y++)
            memset(&s->hole[p][(size_t)y * s->pw[p] + x0], 0, x1 - x0 + 1);
    }
}

/* Mark a mask (w x h at x, y; NULL: the whole box) in a neighbour's map,
 * moved by (dx, dy) and grown by `grow`; remember the box to clear. */
static int mark_bad(FillContext *s, int i, const uint8_t *m, int x, int y,
                    int w, int h, int dx, int dy, int grow)
{
    uint8_t *map = s->badmap[i];
    int W = s->pw[0], H = s->ph[0], bx0, by0, bx1, by1, u, v, yy;
    int *box;

    bx0 = x + dx - grow;
    by0 = y + dy - grow;
    bx1 = x + dx + w - 1 + grow;
    by1 = y + dy + h - 1 + grow;
    if (bx0 < 0) bx0 = 0;
    if (by0 < 0) by0 = 0;
    if (bx1 >= W) bx1 = W - 1;
    if (by1 >= H) by1 = H - 1;
    if (bx0 > bx1 || by0 > by1)
        return 0;
    if (sp_fill_buf_reserve(&s->badbox[i], (s->nb_badbox[i] + 1) * 4 * sizeof(int)) < 0)
        return -ENOMEM;
    box = (int *)s->badbox[i].p + 4 * s->nb_badbox[i]++;
    box[0] = bx0; box[1] = by0; box[2] = bx1; box[3] = by1;
    /* each run of marked pixels along a mask row, grown, in one memset a
     * map row */
    for (v = 0; v < h; v++)
        for (u = 0; u < w; u++) {
            int Y = y + dy + v, x0, x1, e;
            if (m && !m[v * w + u])
                continue;
            for (e = u + 1; e < w && (!m || m[v * w + e]); e++)
                ;
            x0 = x + dx + u - grow < bx0 ? bx0 : x + dx + u - grow;
            x1 = x + dx + e - 1 + grow > bx1 ? bx1 : x + dx + e - 1 + grow;
            u = e;
            if (x0 > x1)
                continue;
            for (yy = Y - grow; yy <= Y + grow; yy++)
                if (yy >= by0 && yy <= by1)
                    memset(&map[(size_t)yy * W + x0], 1, x1 - x0 + 1);
        }
    return 0;
}

static void clear_bad(FillContext *s, int i)
{
    const int *box = s->badbox[i].p;
    int k, y;

    for (k = 0; k < s->nb_badbox[i]; k++, box += 4)
        for (y = box[1]; y <= box[3]; y++)
            memset(&s->badmap[i][(size_t)y * s->pw[0] + box[0]], 0,
                   box[2] - box[0] + 1);
    s->nb_badbox[i] = 0;
}

static void centroid(const SpSlot *slot, const SpRegion *r, double *cx, double *cy)
{
    const uint8_t *m = sp_region_mask(slot, r);
    double sx = 0, sy = 0, sw = 0;
    int x, y;

    for (y = 0; y < r->h; y++)
        for (x = 0; x < r->w; x++) {
            sx += (double)m[y * r->w + x] * x;
            sy += (double)m[y * r->w + x] * y;
            sw += m[y * r->w + x];
        }
    *cx = r->x + (sw > 0 ? sx / sw : (r->w - 1) / 2.0);
    *cy = r->y + (sw > 0 ? sy / sw : (r->h - 1) / 2.0);
}

/* Drift of region r since the previous frame: the same track's centroid
 * there; 0 when unknown. */
static void drift(const SpWindow *w, const SpRegion *r, double *dx, double *dy)
{
    const SpSlot *prev;
    int i;

    *dx = *dy = 0;
    if (r->track < 0 || w->nb_past < 1)
        return;
    prev = w->past[0];
    for (i = 0; i < prev->nb_regions; i++)
        if (prev->regions[i].track == r->track) {
            double ax, ay, bx, by;
            centroid(w->cur, r, &ax, &ay);
            centroid(prev, &prev->regions[i], &bx, &by);
            *dx = ax - bx;
            *dy = ay - by;
            return;
        }
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return x < y ? -1 : x > y;
}

/* Is `track` among the n sorted tracks? */
static int has_track(const int *tracks, int n, int track)
{
    int lo = 0, hi = n;

    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (tracks[mid] < track)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && tracks[lo] == track;
}

/* The neighbour frames, nearest first, alternating past and future, with
 * their defect maps. */
static int build_refs(FillContext *s, const SpWindow *w)
{
    const SpSlot *cur = w->cur;
    int k, i, j, ret, n = 0;

    for (i = 0; i < FILL_MAX_REFS; i++)
        if (s->badmap[i])
            clear_bad(s, i);
    s->nb_refs = 0;
    if (!s->badmap[0])
        return 0;
    for (k = 1; k <= s->frames; k++) {
        for (j = 0; j < 2; j++) {
            const SpSlot *slot = j ? (k <= w->nb_future ? w->future[k - 1] : NULL)
                                   : (k <= w->nb_past ? w->past[k - 1] : NULL);
            FillRef *ref = &s->refs[n];
            if (!slot || !slot->frame)
                continue;
            memset(ref, 0, sizeof(*ref));
            ref->f = slot->frame;
            ref->dist = j ? k : -k;
            ref->bad = s->badmap[n];
            ref->mo = &s->motions[n];
            memset(ref->mo, 0, sizeof(*ref->mo));
            if (!j || slot->nb_regions) {
                /* its own regions: past ones are final; future ones were
                 * put ahead by a marker */
                for (i = 0; i < slot->nb_regions; i++) {
                    const SpRegion *r = &slot->regions[i];
                    /* a small defect's compression smear reaches past
                     * its mask */
                    int grow = r->w <= 5 && r->h <= 5 ? 2 : j;
                    if ((ret = mark_bad(s, n, sp_region_mask(slot, r), r->x, r->y,
                                        r->w, r->h, 0, 0, grow)) < 0)
                        return ret;
                }
            }
            if (!j || !slot->nb_regions) {
                /* the current regions where the drift puts them: in a
                 * future frame no marker put ahead, all; in a past frame,
                 * those it has none of the track of (found since, or
                 * untracked): the defect was on the sensor there too,
                 * unmarked */
                int *tracks = NULL, nt = 0, sign = j ? 1 : -1;
                if (!j) {
                    if (sp_fill_buf_reserve(&s->tracks, ((size_t)slot->nb_regions + 1) *
                                            sizeof(int)) < 0)
                        return -ENOMEM;
                    tracks = s->tracks.p;
                    for (i = 0; i < slot->nb_regions; i++)
                        if (slot->regions[i].track >= 0)
                            tracks[nt++] = slot->regions[i].track;
                    qsort(tracks, nt, sizeof(int), cmp_int);
                }
                for (i = 0; i < cur->nb_regions; i++) {
                    const SpRegion *r = &cur->regions[i];
                    double dx, dy;
                    int grow = r->kind == SP_KIND_USER ? 0 : 1 + (k + 1) / 2;
                    if (!j && r->track >= 0 && has_track(tracks, nt, r->track))
                        continue;
                    drift(w, r, &dx, &dy);
                    if ((ret = mark_bad(s, n, sp_region_mask(cur, r), r->x, r->y,
                                        r->w, r->h, sign * (int)lrint(dx * k),
                                        sign * (int)lrint(dy * k), grow)) < 0)
                        return ret;
                }
            }
            n++;
        }
    }
    s->nb_refs = n;
    return 0;
}

/* Luma samples of r still marked. */
static int holes_left(const FillContext *s, const SpFrame *f, const SpRegion *r)
{
    int x, y, x0, y0, x1, y1, n = 0;

    if (!sp_fill_plane_box(s, f, 0, r, &x0, &y0, &x1, &y1))
        return 0;
    for (y = y0; y <= y1; y++)
        for (x = x0; x <= x1; x++)
            n += s->hole[0][(size_t)y * s->pw[0] + x] != 0;
    return n;
}

/* A float per luma sample of r's box in rbuf, the box in x0..y1; NULL on
 * failure (or an empty box). */
static float *ref_buffer(FillContext *s, const SpFrame *f, const SpRegion *r, int *x0,
                         int *y0, int *x1, int *y1)
{
    if (!sp_fill_plane_box(s, f, 0, r, x0, y0, x1, y1) ||
        sp_fill_buf_reserve(&s->rbuf, (size_t)(*x1 - *x0 + 1) * (*y1 - *y0 + 1) *
                            sizeof(float)) < 0)
        return NULL;
    return s->rbuf.p;
}

/* What the frame holds now on the box's samples that saved (sp_fill_save's
 * layout) marks as holes, -1 on the others. */
static void read_written(const SpFrame *f, float *ref, int x0, int y0, int x1, int y1,
                         const int32_t *saved)
{
    int x, y;
    size_t j = 0;

    for (y = y0; y <= y1; y++)
        for (x = x0; x <= x1; x++, j++)
            ref[j] = saved[2 * j + 1] ? (float)sp_get(f, 0, x, y) : -1.0f;
}

/* The gain fill's reference for the luma samples of r: the temporal
 * candidates where most samples have some, else the spatial fill (done on
 * the frame, read, then undone). */
static float *gain_reference(FillContext *s, SpFrame *f, const SpRegion *r,
                             const int32_t *orig, double cover)
{
    int x, y, x0, y0, x1, y1;
    size_t j = 0;
    float *ref = ref_buffer(s, f, r, &x0, &y0, &x1, &y1);

    if (!ref)
        return NULL;
    if (cover >= 0.5) {
        for (y = y0; y <= y1; y++)
            for (x = x0; x <= x1; x++, j++)
                ref[j] = (float)sp_fill_temporal_value(s, f, r, 0, x, y);
        return ref;
    }
    sp_fill_spatial(s, f, r);
    read_written(f, ref, x0, y0, x1, y1, orig);
    sp_fill_restore(s, f, r, orig);
    return ref;
}

/* A tracked spot's samples as they were, before any fill wrote them
 * (sp_fill_save's layout, in the keep buffer), those another region of
 * the slot marks too (a hot pixel in a blotch's disc) without their hole
 * weight: they are never given back; NULL on failure. */
static int32_t *keep_region(FillContext *s, const SpFrame *f, const SpSlot *slot,
                            const SpRegion *r)
{
    const int32_t *o = sp_fill_save(s, f, r);
    size_t n = 0, off[4];
    int p, i, x, y, x0[4], y0[4], x1[4], y1[4], ok[4];
    int32_t *k;

    if (!o)
        return NULL;
    for (p = 0; p < s->nb_planes; p++) {
        off[p] = n;
        if ((ok[p] = sp_fill_plane_box(s, f, p, r, &x0[p], &y0[p], &x1[p], &y1[p])))
            n += (size_t)(x1[p] - x0[p] + 1) * (y1[p] - y0[p] + 1);
    }
    if (sp_fill_buf_reserve(&s->keep, n * 2 * sizeof(int32_t)) < 0)
        return NULL;
    k = s->keep.p;
    memcpy(k, o, n * 2 * sizeof(int32_t));
    for (i = 0; i < slot->nb_regions; i++) {
        const SpRegion *q = &slot->regions[i];
        const uint8_t *m;
        if (q == r || q->x >= r->x + r->w || r->x >= q->x + q->w ||
            q->y >= r->y + r->h || r->y >= q->y + q->h)
            continue;
        m = sp_region_mask(slot, q);
        for (y = 0; y < q->h; y++)
            for (x = 0; x < q->w; x++) {
                int fx = q->x + x, fy = q->y + y;
                if (!m[y * q->w + x])
                    continue;
                for (p = 0; p < s->nb_planes; p++) {
                    int px = fx >> sp_plane_ss_x(f, p), py = fy >> sp_plane_ss_y(f, p);
                    if (!ok[p] || px < x0[p] || px > x1[p] || py < y0[p] || py > y1[p])
                        continue;
                    k[2 * (off[p] + (size_t)(py - y0[p]) * (x1[p] - x0[p] + 1) +
                           (px - x0[p])) + 1] = 0;
                }
            }
    }
    return k;
}

/* After a fill other than the gain fill wrote a tracked spot: the samples
 * its shadow does not reach (the track's attenuation model, its centre
 * fitted against what the fill wrote) get back their values of keep, as
 * the gain fill leaves them (a mask runs past the spot by the tracker's
 * error in its centre and radius). */
static int reach_region(FillContext *s, SpFrame *f, SpRegion *r, int64_t index,
                        const int32_t *keep)
{
    int x0, y0, x1, y1;
    float *ref = ref_buffer(s, f, r, &x0, &y0, &x1, &y1);

    if (!ref)
        return -ENOMEM;
    read_written(f, ref, x0, y0, x1, y1, keep);
    return sp_fill_gain(s, f, r, index, keep, ref, FILL_GAIN_REACH) < 0 ? -ENOMEM : 0;
}

static int fill_region(FillContext *s, SpWindow *w, SpRegion *r)
{
    SpFrame *f = w->cur->frame;
    int total = holes_left(s, f, r), left, ret, m, best;
    int share[SP_FILL_GAIN + 1] = { 0 };
    double cover = 0, es = -1;
    int gain = s->method == SP_FILL_GAIN, smooth = 0;
    int32_t *keep = NULL;

    if (!total)
        return 0;
    left = total;
    if (r->track >= 0 && (r->kind & (SP_KIND_DARK | SP_KIND_BRIGHT | SP_KIND_USER)) &&
        !(keep = keep_region(s, f, w->cur, r)))
        return -ENOMEM;
    /* auto: where the spatial fill predicts the ring within a level, as on
     * smooth content, the neighbour frames could hardly do better: save
     * their search. For a few stray pixels (no spot, no user mask, a small
     * box) within two levels: on the painted cases the spatial fill heals
     * those as well as the neighbour frames do */
    if (s->method == SP_FILL_NONE) {
        int pixels = !(r->kind & (SP_KIND_DARK | SP_KIND_BRIGHT | SP_KIND_USER)) &&
                     r->w <= PIXEL_SIZE && r->h <= PIXEL_SIZE;
        es = sp_fill_spatial_check(s, f, r);
        smooth = es >= 0 && es < (pixels ? PIXEL_SMOOTH : SMOOTH);
    }
    if (s->nb_refs && !smooth && (s->method == SP_FILL_NONE ||
                                  s->method == SP_FILL_TEMPORAL ||
                                  s->method == SP_FILL_GAIN)) {
        cover = sp_fill_temporal_collect(s, f, r, RING);
        if (cover < 0)
            return -ENOMEM;
    }
    sp_fill_searched(s);
    /* auto: where the neighbour frames show what a tracked spot hides, the
     * spot's attenuation is measured against them, for the frames where
     * they will not (see fill_gain.c) */
    if (s->method == SP_FILL_NONE && cover >= 0.5 && r->track >= 0 &&
        (r->kind & (SP_KIND_DARK | SP_KIND_BRIGHT | SP_KIND_USER)) &&
        sp_fill_gain_seen_due(s, r, w->cur->index)) {
        int32_t *orig = sp_fill_save(s, f, r);
        float *ref = orig ? gain_reference(s, f, r, orig, cover) : NULL;
        if (!ref || sp_fill_gain(s, f, r, w->cur->index, orig, ref, FILL_GAIN_SEEN) < 0)
            return -ENOMEM;
    }
    /* auto: a dimming spot that the motion does not uncover, on texture
     * that the spatial fill cannot rebuild (see fill_gain.c) */
    if (s->method == SP_FILL_NONE && cover < 0.5 &&
        (r->kind & (SP_KIND_DARK | SP_KIND_BRIGHT | SP_KIND_USER)) && es > GAIN_TEXTURE)
        gain = 1;
    if (gain) {
        int32_t *orig = sp_fill_save(s, f, r);
        float *ref = orig ? gain_reference(s, f, r, orig, cover) : NULL;
        if (!ref)
            return -ENOMEM;
        ret = sp_fill_gain(s, f, r, w->cur->index, orig, ref,
                           (s->method != SP_FILL_GAIN ? FILL_GAIN_STRICT : 0) |
                           (cover < 0.5 ? FILL_GAIN_GUESS : 0));
        if (ret < 0)
            return -ENOMEM;
        if (ret == 0) {
            share[SP_FILL_GAIN] = left - holes_left(s, f, r);
            left -= share[SP_FILL_GAIN];
        }
    }
    if (left && cover > 0) {
        double ws = 0;
        int32_t *orig = NULL;
        if (cover >= 0.5 && s->method == SP_FILL_NONE && !share[SP_FILL_GAIN] &&
            es >= 0) {
            /* both fills, averaged by how well each predicts the ring:
             * on smooth content the spatial fill, which averages many
             * healthy samples, is the less noisy; on texture the
             * temporal one is the only faithful one */
            double et = s->cand_cost;
            ws = (et * et + 0.5) / (es * es + 0.5);
            if (!(orig = sp_fill_save(s, f, r)))
                return -ENOMEM;
            sp_fill_spatial(s, f, r);
        }
        sp_fill_temporal_write(s, f, r, orig, ws);
        m = orig ? (int)lrint(cover * left) : left - holes_left(s, f, r);
        if (orig) {
            share[ws <= 1 ? SP_FILL_TEMPORAL : SP_FILL_SPATIAL] += m;
            share[SP_FILL_SPATIAL] += left - m;
            left = 0;
        } else {
            share[SP_FILL_TEMPORAL] += m;
            left -= m;
        }
    }
    if (left && (s->method == SP_FILL_PATCH ||
                 (s->method == SP_FILL_NONE && left * 2 > total &&
                  r->w >= 5 && r->h >= 5 && sp_fill_ring_texture(s, f, r) >= 8.0))) {
        if (sp_fill_patch(s, f, r) < 0)
            return -ENOMEM;
        share[SP_FILL_PATCH] = left - holes_left(s, f, r);
        left -= share[SP_FILL_PATCH];
    }
    if (left) {
        sp_fill_spatial(s, f, r);
        share[SP_FILL_SPATIAL] += left - holes_left(s, f, r);
    }
    if (keep && !share[SP_FILL_GAIN] && (ret = reach_region(s, f, r, w->cur->index, keep)) < 0)
        return ret;
    best = SP_FILL_SPATIAL;
    for (m = SP_FILL_SPATIAL; m <= SP_FILL_GAIN; m++)
        if (share[m] > share[best])
            best = m;
    r->fill = best;
    return 0;
}

/* Threads (see the head of the file). */

void sp_fill_ordered(FillContext *s)
{
    FillPool *P = s->pool;

    if (!P)
        return;
    pthread_mutex_lock(&P->lock);
    while (P->done_upto < s->region)
        pthread_cond_wait(&P->step, &P->lock);
    pthread_mutex_unlock(&P->lock);
}

int sp_fill_motions_lock(FillContext *s, const FillMotions *mo)
{
    FillPool *P = s->pool;

    if (!P)
        return 0;
    pthread_mutex_lock(&P->lock);
    /* a full list no longer changes; one that is not needs every earlier
     * region's displacements in it (they are added as the regions are
     * past their search, in order: none of a later one's is in yet) */
    while (mo->n < FILL_MAX_MOTIONS && P->searched_upto < s->region)
        pthread_cond_wait(&P->step, &P->lock);
    return 1;
}

static void motion_push(FillMotions *mo, float vx, float vy)
{
    if (mo->n < FILL_MAX_MOTIONS) {
        mo->v[2 * mo->n] = vx;
        mo->v[2 * mo->n + 1] = vy;
        mo->n++;
    }
}

/* Region j is past its motion search: the displacements of the regions
 * now past theirs in a row go into the lists, in order. With the lock. */
static void searched_locked(FillContext *s, FillPool *P, int j)
{
    uint8_t *st = P->done.p;
    const FillMotionLog *log = P->log.p;

    st[j] |= 2;
    while (P->searched_upto < P->nb_regions && (st[P->searched_upto] & 2)) {
        const FillMotionLog *l = log + (size_t)P->searched_upto * FILL_MAX_REFS;
        int i;
        for (i = 0; i < s->nb_refs; i++)
            if (l[i].set)
                motion_push(s->refs[i].mo, l[i].vx, l[i].vy);
        P->searched_upto++;
    }
}

void sp_fill_searched(FillContext *s)
{
    FillPool *P = s->pool;

    if (!P)
        return;
    pthread_mutex_lock(&P->lock);
    searched_locked(s, P, s->region);
    pthread_cond_broadcast(&P->step);
    pthread_mutex_unlock(&P->lock);
}

void sp_fill_motion_add(FillContext *s, int i, double vx, double vy)
{
    FillPool *P = s->pool;
    FillMotionLog *l;

    if (!P) {
        motion_push(s->refs[i].mo, (float)vx, (float)vy);
        return;
    }
    /* the region's own row of the log, read once the region is done */
    l = (FillMotionLog *)P->log.p + (size_t)s->region * FILL_MAX_REFS + i;
    l->vx = (float)vx;
    l->vy = (float)vy;
    l->set = 1;
}

void sp_fill_motions_unlock(FillContext *s, int locked)
{
    if (locked)
        pthread_mutex_unlock(&s->pool->lock);
}

static int uf_find(int *uf, int i)
{
    while (uf[i] != i) {
        uf[i] = uf[uf[i]];
        i = uf[i];
    }
    return i;
}

static int may_patch(const FillContext *s, const SpRegion *r)
{
    return s->method == SP_FILL_PATCH ||
           (s->method == SP_FILL_NONE && r->w >= 5 && r->h >= 5);
}

static int reach(const FillContext *s, const SpRegion *r)
{
    return may_patch(s, r) && PATCH_REACH(r) > NEAR ? PATCH_REACH(r) : NEAR;
}

static int cmp_x0(const void *a, const void *b)
{
    const int *u = a, *v = b;
    return u[0] != v[0] ? (u[0] > v[0]) - (u[0] < v[0]) : (u[1] > v[1]) - (u[1] < v[1]);
}

/* The groups of the frame's regions: dep[j], the previous region of j's
 * group, or -1. Boxes are compared in a sweep along x. */
static int group_regions(FillContext *s, FillPool *P, const SpSlot *slot)
{
    int n = slot->nb_regions, i, j, k, maxr = NEAR;
    int *uf, *ord, *dep;

    if (sp_fill_buf_reserve(&P->uf, (size_t)n * sizeof(int)) < 0 ||
        sp_fill_buf_reserve(&P->dep, (size_t)n * sizeof(int)) < 0 ||
        sp_fill_buf_reserve(&P->order, (size_t)n * 2 * sizeof(int)) < 0 ||
        sp_fill_buf_reserve(&P->done, (size_t)n) < 0 ||
        sp_fill_buf_reserve(&P->log, (size_t)n * FILL_MAX_REFS * sizeof(FillMotionLog)) < 0)
        return -ENOMEM;
    uf = P->uf.p;
    ord = P->order.p;
    dep = P->dep.p;
    for (i = 0; i < n; i++) {
        int m = reach(s, &slot->regions[i]);
        if (m > maxr)
            maxr = m;
        uf[i] = i;
        ord[2 * i] = slot->regions[i].x;
        ord[2 * i + 1] = i;
    }
    qsort(ord, n, 2 * sizeof(int), cmp_x0);
    for (i = 0; i < n; i++) {
        const SpRegion *a = &slot->regions[ord[2 * i + 1]];
        int ra = reach(s, a);
        for (k = i + 1; k < n; k++) {
            const SpRegion *b = &slot->regions[ord[2 * k + 1]];
            int m = reach(s, b) > ra ? reach(s, b) : ra, gx, gy;
            if (b->x - (a->x + a->w) > maxr)
                break;
            gx = b->x - (a->x + a->w);           /* b starts at or after a */
            gy = b->y >= a->y ? b->y - (a->y + a->h) : a->y - (b->y + b->h);
            if (gx <= m && gy <= m) {
                int u = uf_find(uf, ord[2 * i + 1]), v = uf_find(uf, ord[2 * k + 1]);
                if (u != v)
                    uf[u > v ? u : v] = u > v ? v : u;
            }
        }
    }
    /* each group's last region so far, kept at its root (ord reused) */
    for (i = 0; i < n; i++)
        ord[i] = -1;
    for (j = 0; j < n; j++) {
        int g = uf_find(uf, j);
        dep[j] = ord[g];
        ord[g] = j;
    }
    return 0;
}

/* Fill the frame's regions as they are handed out; called and returns
 * with the pool's lock held. */
static void run_regions(FillContext *s, FillPool *P)
{
    SpSlot *slot = P->w->cur;
    uint8_t *done = P->done.p;
    const int *dep = P->dep.p;
    FillMotionLog *log = P->log.p;

    for (;;) {
        int j, ret;
        if (P->err || P->next >= P->nb_regions)
            break;
        j = P->next++;
        while (dep[j] >= 0 && !(done[dep[j]] & 1))
            pthread_cond_wait(&P->step, &P->lock);
        s->region = j;
        pthread_mutex_unlock(&P->lock);
        memset(log + (size_t)j * FILL_MAX_REFS, 0, FILL_MAX_REFS * sizeof(*log));
        ret = fill_region(s, P->w, &slot->regions[j]);
        pthread_mutex_lock(&P->lock);
        if (ret < 0 && !P->err)
            P->err = ret;
        if (!(done[j] & 2))
            searched_locked(s, P, j); /* it returned before its search */
        done[j] |= 1;
        while (P->done_upto < P->nb_regions && (done[P->done_upto] & 1))
            P->done_upto++;
        pthread_cond_broadcast(&P->step);
    }
}

static void *fill_worker(void *arg)
{
    FillContext *s = arg;
    FillPool *P = s->pool;
    int gen = 0;

    pthread_mutex_lock(&P->lock);
    for (;;) {
        while (!P->quit && P->gen == gen)
            pthread_cond_wait(&P->wake, &P->lock);
        if (P->quit)
            break;
        gen = P->gen;
        run_regions(s, P);
        P->running--;
        pthread_cond_broadcast(&P->step);
    }
    pthread_mutex_unlock(&P->lock);
    return NULL;
}

/* Fill every region of the frame with the pool. */
static int fill_parallel(FillContext *s, SpWindow *w)
{
    FillPool *P = s->pool;
    int i, ret;

    if ((ret = group_regions(s, P, w->cur)) < 0)
        return ret;
    for (i = 1; i < P->nb_ctx; i++) {
        FillContext *c = P->ctx[i];
        memcpy(c->refs, s->refs, sizeof(s->refs));
        c->nb_refs = s->nb_refs;
    }
    memset(P->done.p, 0, w->cur->nb_regions);
    pthread_mutex_lock(&P->lock);
    P->w = w;
    P->nb_regions = w->cur->nb_regions;
    P->next = P->done_upto = P->searched_upto = P->err = 0;
    P->running = P->nb_th;
    P->gen++;
    pthread_cond_broadcast(&P->wake);
    run_regions(s, P);
    while (P->running > 0)
        pthread_cond_wait(&P->step, &P->lock);
    ret = P->err;
    P->w = NULL;
    pthread_mutex_unlock(&P->lock);
    return ret;
}

static void scratch_free(FillContext *s)
{
    sp_fill_buf_free(&s->tracks);
    sp_fill_buf_free(&s->ring);
    sp_fill_buf_free(&s->ring_runs);
    sp_fill_buf_free(&s->ring_val8);
    sp_fill_buf_free(&s->ring_rows);
    sp_fill_buf_free(&s->win);
    sp_fill_buf_free(&s->cand);
    sp_fill_buf_free(&s->est);
    sp_fill_buf_free(&s->tmp);
    sp_fill_buf_free(&s->gbuf);
    sp_fill_buf_free(&s->rbuf);
    sp_fill_buf_free(&s->keep);
}

static void pool_free(FillContext *s)
{
    FillPool *P = s->pool;
    int i;

    if (!P)
        return;
    if (P->lock_ok) {
        pthread_mutex_lock(&P->lock);
        P->quit = 1;
        if (P->wake_ok)
            pthread_cond_broadcast(&P->wake);
        pthread_mutex_unlock(&P->lock);
    }
    for (i = 0; i < P->nb_th; i++)
        pthread_join(P->th[i], NULL);
    for (i = 1; i < P->nb_ctx; i++) {
        scratch_free(P->ctx[i]);
        free(P->ctx[i]);
    }
    if (P->step_ok)
        pthread_cond_destroy(&P->step);
    if (P->wake_ok)
        pthread_cond_destroy(&P->wake);
    if (P->lock_ok)
        pthread_mutex_destroy(&P->lock);
    sp_fill_buf_free(&P->done);
    sp_fill_buf_free(&P->dep);
    sp_fill_buf_free(&P->uf);
    sp_fill_buf_free(&P->order);
    sp_fill_buf_free(&P->log);
    free(P);
    s->pool = NULL;
}

/* The pool of n workers, the calling thread being the first: the others'
 * contexts share the filter's options, maps and gain tracks, and have
 * their own scratch. */
static int pool_start(FillContext *s, int n)
{
    FillPool *P;
    int i;

    if (n > MAX_THREADS)
        n = MAX_THREADS;
    if (n <= 1)
        return 0;
    if (!(P = calloc(1, sizeof(*P))))
        return -ENOMEM;
    s->pool = P;
    if (pthread_mutex_init(&P->lock, NULL))
        goto fail;
    P->lock_ok = 1;
    if (pthread_cond_init(&P->wake, NULL))
        goto fail;
    P->wake_ok = 1;
    if (pthread_cond_init(&P->step, NULL))
        goto fail;
    P->step_ok = 1;
    P->ctx[P->nb_ctx++] = s;
    for (i = 1; i < n; i++) {
        FillContext *c = malloc(sizeof(*c));
        if (!c)
            goto fail;
        *c = *s;
        memset(&c->ring, 0, sizeof(c->ring));
        memset(&c->ring_runs, 0, sizeof(c->ring_runs));
        memset(&c->ring_val8, 0, sizeof(c->ring_val8));
        memset(&c->ring_rows, 0, sizeof(c->ring_rows));
        memset(&c->win, 0, sizeof(c->win));
        memset(&c->cand, 0, sizeof(c->cand));
        memset(&c->est, 0, sizeof(c->est));
        memset(&c->tmp, 0, sizeof(c->tmp));
        memset(&c->gbuf, 0, sizeof(c->gbuf));
        memset(&c->rbuf, 0, sizeof(c->rbuf));
        memset(&c->keep, 0, sizeof(c->keep));
        memset(c->badbox, 0, sizeof(c->badbox));
        P->ctx[P->nb_ctx++] = c;
    }
    for (i = 1; i < n; i++) {
        if (pthread_create(&P->th[P->nb_th], NULL, fill_worker, P->ctx[i]))
            goto fail;
        P->nb_th++;
    }
    return 0;
fail:
    pool_free(s);
    return -ENOMEM;
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
    int i, ret = 0;

    if (!slot->nb_regions || (!s->heal && !s->show))
        return 0;
    if (s->show) {
        for (i = 0; i < slot->nb_regions; i++)
            outline_region(s, f, &slot->regions[i]);
        return 0;
    }
    for (i = 0; i < slot->nb_regions; i++)
        mark_region(s, f, slot, &slot->regions[i]);
    if ((ret = build_refs(s, w)) < 0)
        goto end;
    if (s->pool) {
        if ((ret = fill_parallel(s, w)) < 0)
            goto end;
    }
    for (i = 0; i < slot->nb_regions; i++) {
        SpRegion *r = &slot->regions[i];
        if (!s->pool && (ret = fill_region(s, w, r)) < 0)
            goto end;
        if (r->fill) {
            int x0 = r->x < 0 ? 0 : r->x, y0 = r->y < 0 ? 0 : r->y;
            int x1 = r->x + r->w > f->width ? f->width : r->x + r->w;
            int y1 = r->y + r->h > f->height ? f->height : r->y + r->h;
            sp_frame_touch(f, x0, y0, x1 - x0, y1 - y0);
        }
    }
end:
    for (i = 0; i < slot->nb_regions; i++)
        clear_region(s, f, &slot->regions[i]);
    return ret;
}

static void fill_uninit(SpFilterContext *fc)
{
    FillContext *s = fc->priv;
    int i;

    if (s)
        pool_free(s); /* first: its workers may still be waiting */
    for (i = 0; s && i < 4; i++) {
        free(s->hole[i]);
        s->hole[i] = NULL;
    }
    for (i = 0; s && i < FILL_MAX_REFS; i++) {
        free(s->badmap[i]);
        s->badmap[i] = NULL;
        sp_fill_buf_free(&s->badbox[i]);
    }
    if (s)
        scratch_free(s);
}

const SpFilter sp_filter_fill = {
    .name      = "fill",
    .priv_size = sizeof(FillContext),
    .options   = fill_options,
    .init      = fill_init,
    .config    = fill_config,
    .process   = fill_process,
    .uninit    = fill_uninit,
};
