/*
 * usermask: marks the nonzero pixels of a user-supplied mask (--mask) as a
 * defect in every frame, for the fills to heal; as ffmpeg's removelogo
 * takes a mask, but the healing is left to the fill stage.
 *
 * Only the mask's bounding box is kept, so a mask of a few dead pixels
 * costs a few pixels' work per frame, not a frame's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "filters/filter.h"

typedef struct UserMaskContext {
    int x, y, w, h;   /* bounding box of the nonzero pixels */
    uint8_t *mask;    /* w * h, 0 or 255 */
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
    int x, y, x0 = st->mask_width, y0 = st->mask_height, x1 = -1, y1 = -1;

    if (st->mask_width != f->width || st->mask_height != f->height) {
        sp_log(fc->log, SP_LOG_ERROR, "the mask is %dx%d but the frames are "
               "%dx%d: draw the mask at the frames' size\n",
               st->mask_width, st->mask_height, f->width, f->height);
        return -EINVAL;
    }
    for (y = 0; y < st->mask_height; y++) {
        const uint8_t *row = st->mask + y * st->mask_stride;
        for (x = 0; x < st->mask_width; x++) {
            if (!row[x])
                continue;
            if (x < x0) x0 = x;
            if (x > x1) x1 = x;
            if (y < y0) y0 = y;
            if (y > y1) y1 = y;
        }
    }
    if (x1 < 0) {
        sp_log(fc->log, SP_LOG_WARNING, "the mask marks no pixel: nothing "
               "to heal from it\n");
        fc->enabled = 0;
        return 0;
    }
    s->x = x0;
    s->y = y0;
    s->w = x1 - x0 + 1;
    s->h = y1 - y0 + 1;
    s->mask = malloc((size_t)s->w * s->h);
    if (!s->mask)
        return -ENOMEM;
    for (y = 0; y < s->h; y++)
        for (x = 0; x < s->w; x++)
            s->mask[y * s->w + x] =
                st->mask[(y + y0) * st->mask_stride + x + x0] ? 255 : 0;
    return 0;
}

static int usermask_process(SpFilterContext *fc, SpWindow *w)
{
    UserMaskContext *s = fc->priv;
    uint8_t *m;
    int ret = sp_slot_add_region(w->cur, s->x, s->y, s->w, s->h,
                                 SP_KIND_USER, &m);
    if (ret < 0)
        return ret;
    memcpy(m, s->mask, (size_t)s->w * s->h);
    w->cur->regions[ret].confidence = 1.0f;
    return 0;
}

static void usermask_uninit(SpFilterContext *fc)
{
    UserMaskContext *s = fc->priv;

    if (s) {
        free(s->mask);
        s->mask = NULL;
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
