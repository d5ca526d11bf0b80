/*
 * usermask: marks the nonzero pixels of a user-supplied mask (--mask) as
 * defects in every frame, for the fills to heal; as ffmpeg's removelogo
 * takes a mask, but the healing is left to the fill stage.
 *
 * The mask is split once into its pieces (pixels within MERGE of each
 * other belong to the same piece) and each piece becomes one region with
 * its own bounding box, so a mask of a few scattered dead pixels costs a
 * few pixels' work per frame, and each piece is healed from its own
 * surround, not a frame-wide box's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "filters/filter.h"

#define MERGE 2 /* pixels this close (Chebyshev) join one piece */

typedef struct UserPiece {
    int x, y, w, h;
    size_t off;       /* into mask */
} UserPiece;

typedef struct UserMaskContext {
    UserPiece *pieces;
    int nb_pieces;
    uint8_t *mask;    /* every piece's w * h mask, 0 or 255, one after another */
} UserMaskContext;

static int usermask_init(SpFilterContext *fc)
{
    fc->enabled = fc->settings->mask != NULL;
    return 0;
}

static int usermask_config(SpFilterContext *fc, const SpFrame *f)
{
    UserMaskContext *s = fc->priv;
    const SpSettings *st = fc->settings;
    int W = st->mask_width, H = st->mask_height, x, y, i, cap = 0, ret = -ENOMEM;
    int32_t *label = NULL, *queue = NULL;
    size_t total = 0, used = 0;

    if (W != f->width || H != f->height) {
        sp_log(fc->log, SP_LOG_ERROR, "the mask is %dx%d but the frames are "
               "%dx%d: draw the mask at the frames' size\n", W, H, f->width, f->height);
        return -EINVAL;
    }
    label = malloc((size_t)W * H * sizeof(*label));
    queue = malloc((size_t)W * H * sizeof(*queue));
    if (!label || !queue)
        goto end;
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            label[(size_t)y * W + x] = st->mask[y * st->mask_stride + x] ? 0 : -1;
    /* flood fill each piece: label, bounding box */
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++) {
            int head = 0, tail = 0, x0 = x, y0 = y, x1 = x, y1 = y;
            UserPiece *p;
            if (label[(size_t)y * W + x])
                continue;
            if (s->nb_pieces == cap) {
                UserPiece *n;
                cap = cap ? cap * 2 : 16;
                n = realloc(s->pieces, cap * sizeof(*n));
                if (!n)
                    goto end;
                s->pieces = n;
            }
            p = &s->pieces[s->nb_pieces++];
            label[(size_t)y * W + x] = s->nb_pieces;
            queue[tail++] = y * W + x;
            while (head < tail) {
                int q = queue[head++], qx = q % W, qy = q / W, u, v;
                if (qx < x0) x0 = qx;
                if (qx > x1) x1 = qx;
                if (qy < y0) y0 = qy;
                if (qy > y1) y1 = qy;
                for (v = qy - MERGE; v <= qy + MERGE; v++)
                    for (u = qx - MERGE; u <= qx + MERGE; u++)
                        if (u >= 0 && v >= 0 && u < W && v < H &&
                            !label[(size_t)v * W + u]) {
                            label[(size_t)v * W + u] = s->nb_pieces;
                            queue[tail++] = v * W + u;
                        }
            }
            p->x = x0;
            p->y = y0;
            p->w = x1 - x0 + 1;
            p->h = y1 - y0 + 1;
            p->off = total;
            total += (size_t)p->w * p->h;
        }
    if (!s->nb_pieces) {
        sp_log(fc->log, SP_LOG_WARNING, "the mask marks no pixel: nothing "
               "to heal from it\n");
        fc->enabled = 0;
        ret = 0;
        goto end;
    }
    s->mask = calloc(total, 1);
    if (!s->mask)
        goto end;
    for (i = 0; i < s->nb_pieces; i++) {
        const UserPiece *p = &s->pieces[i];
        for (y = 0; y < p->h; y++)
            for (x = 0; x < p->w; x++)
                if (label[(size_t)(y + p->y) * W + x + p->x] == i + 1)
                    s->mask[p->off + (size_t)y * p->w + x] = 255;
        used += (size_t)p->w * p->h;
    }
    sp_log(fc->log, SP_LOG_VERBOSE, "mask: %d pieces, %zu pixels of boxes\n",
           s->nb_pieces, used);
    ret = 0;
end:
    free(label);
    free(queue);
    return ret;
}

static int mark_slot(UserMaskContext *s, SpSlot *slot)
{
    int i;

    for (i = 0; i < s->nb_pieces; i++) {
        const UserPiece *p = &s->pieces[i];
        uint8_t *m;
        int ret = sp_slot_add_region(slot, p->x, p->y, p->w, p->h,
                                     SP_KIND_USER, &m);
        if (ret < 0)
            return ret;
        memcpy(m, s->mask + p->off, (size_t)p->w * p->h);
        slot->regions[ret].confidence = 1.0f;
    }
    return 0;
}

/* Only this filter makes user regions. */
static int has_mask(const SpSlot *slot)
{
    int i;

    for (i = 0; i < slot->nb_regions; i++)
        if (slot->regions[i].kind == SP_KIND_USER)
            return 1;
    return 0;
}

/* The regions go on the leaving frame, and ahead on a frame still in the
 * ring that another filter (detection) has put regions on: the temporal
 * fill takes a neighbour's own regions, when it has any, as all that is
 * defective there, and the mask holds in every frame. A neighbour
 * without regions gets the leaving frame's, as before. */
static int usermask_process(SpFilterContext *fc, SpWindow *w)
{
    UserMaskContext *s = fc->priv;
    int i, ret;

    if (!has_mask(w->cur) && (ret = mark_slot(s, w->cur)) < 0)
        return ret;
    for (i = 0; i < w->nb_future; i++)
        if (w->future[i]->nb_regions && !has_mask(w->future[i]) &&
            (ret = mark_slot(s, w->future[i])) < 0)
            return ret;
    return 0;
}

static void usermask_uninit(SpFilterContext *fc)
{
    UserMaskContext *s = fc->priv;

    if (s) {
        free(s->mask);
        s->mask = NULL;
        free(s->pieces);
        s->pieces = NULL;
    }
}

const SpFilter sp_filter_usermask = {
    .name      = "usermask",
    .priv_size = sizeof(UserMaskContext),
    .init      = usermask_init,
    .config    = usermask_config,
    .process   = usermask_process,
    .uninit    = usermask_uninit,
};
