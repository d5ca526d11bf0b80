/*
 * usermask: marks the nonzero pixels of a user-supplied mask (--mask) as a
 * defect in every frame, for the fills to heal; as ffmpeg's removelogo
 * takes a mask, but the healing is left to the fill stage.
 *
 * The mask is split once, at config, into its connected blobs (8-connected
 * flood fill), and each blob becomes one region with its own bounding box:
 * a mask of a few dust spots and dead pixels scattered over the frame costs
 * a few pixels' work per frame, not the work of the box around them all,
 * and the report lists each blob as its own defect.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "filters/filter.h"

typedef struct MaskBlob {
    int x, y, w, h;
    size_t off;       /* into masks: w * h bytes, 0 or 255 */
} MaskBlob;

typedef struct UserMaskContext {
    MaskBlob *blobs;
    int nb_blobs;
    uint8_t *masks;
} UserMaskContext;

static int usermask_init(SpFilterContext *fc)
{
    fc->enabled = fc->settings->mask != NULL;
    return 0;
}

/* Split the mask into 8-connected blobs: their pixel indices go to px,
 * blob after blob; starts[k] is where blob k begins (starts[nb] = end). */
static int find_blobs(const SpSettings *st, int **out_px, int **out_starts,
                      int *out_nb)
{
    int w = st->mask_width, h = st->mask_height;
    size_t n = (size_t)w * h, top = 0, i;
    uint8_t *seen = calloc(n, 1);
    int *px = malloc(n * sizeof(*px)), *starts = NULL, *stack = NULL;
    int nb = 0, cap = 0, ret = -ENOMEM;

    stack = malloc(n * sizeof(*stack));
    if (!seen || !px || !stack)
        goto fail;
    for (i = 0; i < n; i++) {
        int x = (int)(i % w), y = (int)(i / w), sp = 0;
        if (seen[i] || !st->mask[y * st->mask_stride + x])
            continue;
        if (nb + 1 >= cap) {
            int ncap = cap ? cap * 2 : 64;
            int *ns = realloc(starts, ncap * sizeof(*ns));
            if (!ns)
                goto fail;
            starts = ns;
            cap = ncap;
        }
        starts[nb++] = (int)top;
        seen[i] = 1;
        stack[sp++] = (int)i;
        while (sp) {
            int p = stack[--sp], px0 = p % w, py0 = p / w, dx, dy;
            px[top++] = p;
            for (dy = -1; dy <= 1; dy++)
                for (dx = -1; dx <= 1; dx++) {
                    int qx = px0 + dx, qy = py0 + dy, q;
                    if (qx < 0 || qy < 0 || qx >= w || qy >= h)
                        continue;
                    q = qy * w + qx;
                    if (seen[q] || !st->mask[qy * st->mask_stride + qx])
                        continue;
                    seen[q] = 1;
                    stack[sp++] = q;
                }
        }
    }
    if (starts)
        starts[nb] = (int)top;
    *out_px = px;
    *out_starts = starts;
    *out_nb = nb;
    px = NULL;
    starts = NULL;
    ret = 0;
fail:
    free(seen);
    free(stack);
    free(px);
    free(starts);
    return ret;
}

static int usermask_config(SpFilterContext *fc, const SpFrame *f)
{
    UserMaskContext *s = fc->priv;
    const SpSettings *st = fc->settings;
    int *px = NULL, *starts = NULL, nb = 0, k, ret;
    size_t total = 0;

    if (st->mask_width != f->width || st->mask_height != f->height) {
        sp_log(fc->log, SP_LOG_ERROR, "the mask is %dx%d but the frames are "
               "%dx%d: draw the mask at the frames' size\n",
               st->mask_width, st->mask_height, f->width, f->height);
        return -EINVAL;
    }
    if ((ret = find_blobs(st, &px, &starts, &nb)) < 0)
        return ret;
    if (!nb) {
        sp_log(fc->log, SP_LOG_WARNING, "the mask marks no pixel: nothing "
               "to heal from it\n");
        fc->enabled = 0;
        ret = 0;
        goto end;
    }
    ret = -ENOMEM;
    s->blobs = calloc(nb, sizeof(*s->blobs));
    if (!s->blobs)
        goto end;
    for (k = 0; k < nb; k++) {
        MaskBlob *b = &s->blobs[k];
        int x0 = st->mask_width, y0 = st->mask_height, x1 = -1, y1 = -1, i;
        for (i = starts[k]; i < starts[k + 1]; i++) {
            int x = px[i] % st->mask_width, y = px[i] / st->mask_width;
            if (x < x0) x0 = x;
            if (x > x1) x1 = x;
            if (y < y0) y0 = y;
            if (y > y1) y1 = y;
        }
        b->x = x0;
        b->y = y0;
        b->w = x1 - x0 + 1;
        b->h = y1 - y0 + 1;
        b->off = total;
        total += (size_t)b->w * b->h;
    }
    s->masks = calloc(total, 1);
    if (!s->masks)
        goto end;
    for (k = 0; k < nb; k++) {
        MaskBlob *b = &s->blobs[k];
        int i;
        for (i = starts[k]; i < starts[k + 1]; i++) {
            int x = px[i] % st->mask_width, y = px[i] / st->mask_width;
            s->masks[b->off + (size_t)(y - b->y) * b->w + (x - b->x)] = 255;
        }
    }
    s->nb_blobs = nb;
    sp_log(fc->log, SP_LOG_VERBOSE, "usermask: %d blob%s to heal in every "
           "frame\n", nb, nb == 1 ? "" : "s");
    ret = 0;
end:
    free(px);
    free(starts);
    return ret;
}

static int usermask_process(SpFilterContext *fc, SpWindow *w)
{
    UserMaskContext *s = fc->priv;
    int k;

    for (k = 0; k < s->nb_blobs; k++) {
        const MaskBlob *b = &s->blobs[k];
        uint8_t *m;
        int ret = sp_slot_add_region(w->cur, b->x, b->y, b->w, b->h,
                                     SP_KIND_USER, &m);
        if (ret < 0)
            return ret;
        memcpy(m, s->masks + b->off, (size_t)b->w * b->h);
        w->cur->regions[ret].confidence = 1.0f;
    }
    return 0;
}

static void usermask_uninit(SpFilterContext *fc)
{
    UserMaskContext *s = fc->priv;

    if (s) {
        free(s->blobs);
        free(s->masks);
        s->blobs = NULL;
        s->masks = NULL;
        s->nb_blobs = 0;
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
