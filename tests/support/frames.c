/*
 * Test frames: see frames.h.
 */
#include <stdlib.h>
#include <string.h>

#include "filters/filter.h"
#include "tests/support/frames.h"

static void tframe_release(SpFrame *f)
{
    TestFrame *t = (TestFrame *)f;

    if (t->released)
        (*t->released)++;
    tframe_free(f);
}

void tframe_free(SpFrame *f)
{
    int p;

    if (!f)
        return;
    for (p = 0; p < 4; p++)
        free(f->data[p]);
    free(f);
}

SpFrame *tframe_new(int w, int h, int depth, int color, int ss_x, int ss_y,
                    int nb_planes, int fill, int *released)
{
    TestFrame *t = calloc(1, sizeof(*t));
    SpFrame *f;
    int p, x, y;

    if (!t)
        return NULL;
    f = &t->f;
    f->width = w;
    f->height = h;
    f->depth = depth;
    f->color = color;
    f->ss_x = color == SP_COLOR_YUV ? ss_x : 0;
    f->ss_y = color == SP_COLOR_YUV ? ss_y : 0;
    f->nb_planes = nb_planes;
    f->release = tframe_release;
    t->released = released;
    for (p = 0; p < nb_planes; p++) {
        int pw = sp_plane_width(f, p), ph = sp_plane_height(f, p);
        int bps = depth > 8 ? 2 : 1;
        f->stride[p] = (ptrdiff_t)((pw * bps + 31) & ~31);
        f->data[p] = calloc((size_t)f->stride[p] * ph, 1);
        if (!f->data[p]) {
            tframe_free(f);
            return NULL;
        }
        for (y = 0; y < ph; y++)
            for (x = 0; x < pw; x++)
                sp_put(f, p, x, y, fill);
    }
    return f;
}

SpFrame *tframe_copy(const SpFrame *src)
{
    SpFrame *f = tframe_new(src->width, src->height, src->depth, src->color,
                            src->ss_x, src->ss_y, src->nb_planes, 0, NULL);
    int p, y;

    if (!f)
        return NULL;
    f->has_alpha = src->has_alpha;
    for (p = 0; p < src->nb_planes; p++) {
        size_t row = (size_t)sp_plane_width(src, p) * (src->depth > 8 ? 2 : 1);
        for (y = 0; y < sp_plane_height(src, p); y++)
            memcpy(f->data[p] + y * f->stride[p],
                   src->data[p] + y * src->stride[p], row);
    }
    return f;
}

long tframe_diff(const SpFrame *a, const SpFrame *b, int p)
{
    long n = 0;
    int x, y;

    for (y = 0; y < sp_plane_height(a, p); y++)
        for (x = 0; x < sp_plane_width(a, p); x++)
            n += sp_get(a, p, x, y) != sp_get(b, p, x, y);
    return n;
}
