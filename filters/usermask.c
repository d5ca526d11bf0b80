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
#include "filters/pieces.h"

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
    int W = st->mask_width, H = st->mask_height, i, ret;
    SpPieces ps;
    size_t total = 0;

    if (W != f->width || H != f->height) {
        sp_log(fc->log, SP_LOG_ERROR, "the mask is %dx%d but the frames are "
               "%dx%d: draw the mask at the frames' size\n", W, H, f->width, f->height);
        return -EINVAL;
    }
    if ((ret = sp_pieces_find(&ps, st->mask, st->mask_stride, W, H, MERGE, 0)) < 0)
        return ret;
    ret = -ENOMEM;
    if (!ps.nb) {
        sp_log(fc->log, SP_LOG_WARNING, "the mask marks no pixel: nothing "
               "to heal from it\n");
        fc->enabled = 0;
        ret = 0;
        goto end;
    }
    if (!(s->pieces = malloc(ps.nb * sizeof(*s->pieces))))
        goto end;
    for (i = 0; i < ps.nb; i++) {
        UserPiece *p = &s->pieces[i];
        p->x = ps.box[i].x;
        p->y = ps.box[i].y;
        p->w = ps.box[i].w;
        p->h = ps.box[i].h;
        p->off = total;
        total += (size_t)p->w * p->h;
    }
    s->nb_pieces = ps.nb;
    if (!(s->mask = malloc(total)))
        goto end;
    for (i = 0; i < ps.nb; i++)
        sp_pieces_mask(&ps, i, 0, s->mask + s->pieces[i].off);
    sp_log(fc->log, SP_LOG_VERBOSE, "mask: %d pieces, %zu pixels of boxes\n",
           s->nb_pieces, total);
    ret = 0;
end:
    sp_pieces_free(&ps);
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
