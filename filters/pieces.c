/*
 * Pieces of a fixed defect map: a flood fill from each marked pixel not
 * yet labelled, over the marked pixels within `merge` of the ones already
 * reached. Used once, when a filter is configured; the map is as large as
 * a frame, so the labels and the queue are two frame-sized arrays.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "filters/pieces.h"

int sp_pieces_find(SpPieces *ps, const uint8_t *map, ptrdiff_t stride,
                   int W, int H, int merge, int grow)
{
    int32_t *label, *queue;
    int x, y, cap = 0;

    memset(ps, 0, sizeof(*ps));
    ps->width = W;
    ps->height = H;
    label = malloc((size_t)W * H * sizeof(*label));
    queue = malloc((size_t)W * H * sizeof(*queue));
    if (!label || !queue) {
        free(label);
        free(queue);
        return -ENOMEM;
    }
    ps->label = label;
    /* -1: unmarked, 0: marked, not reached yet */
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            label[(size_t)y * W + x] = map[y * stride + x] ? 0 : -1;
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++) {
            int head = 0, tail = 0, x0 = x, y0 = y, x1 = x, y1 = y;
            SpPieceBox *b;
            if (label[(size_t)y * W + x])
                continue;
            if (ps->nb == cap) {
                SpPieceBox *n;
                cap = cap ? cap * 2 : 64;
                if (!(n = realloc(ps->box, cap * sizeof(*n)))) {
                    free(queue);
                    sp_pieces_free(ps);
                    return -ENOMEM;
                }
                ps->box = n;
            }
            label[(size_t)y * W + x] = ++ps->nb;
            queue[tail++] = y * W + x;
            while (head < tail) {
                int q = queue[head++], qx = q % W, qy = q / W, u, v;
                if (qx < x0) x0 = qx;
                if (qx > x1) x1 = qx;
                if (qy < y0) y0 = qy;
                if (qy > y1) y1 = qy;
                for (v = qy - merge; v <= qy + merge; v++)
                    for (u = qx - merge; u <= qx + merge; u++)
                        if (u >= 0 && v >= 0 && u < W && v < H &&
                            !label[(size_t)v * W + u]) {
                            label[(size_t)v * W + u] = ps->nb;
                            queue[tail++] = v * W + u;
                        }
            }
            x0 = x0 - grow < 0 ? 0 : x0 - grow;
            y0 = y0 - grow < 0 ? 0 : y0 - grow;
            x1 = x1 + grow >= W ? W - 1 : x1 + grow;
            y1 = y1 + grow >= H ? H - 1 : y1 + grow;
            b = &ps->box[ps->nb - 1];
            b->x = x0;
            b->y = y0;
            b->w = x1 - x0 + 1;
            b->h = y1 - y0 + 1;
        }
    free(queue);
    /* unmarked pixels read as 0 from now on */
    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++)
            if (label[(size_t)y * W + x] < 0)
                label[(size_t)y * W + x] = 0;
    return 0;
}

void sp_pieces_mask(const SpPieces *ps, int i, int grow, uint8_t *m)
{
    const SpPieceBox *b = &ps->box[i];
    int x, y, u, v;

    memset(m, 0, (size_t)b->w * b->h);
    for (y = b->y; y < b->y + b->h; y++)
        for (x = b->x; x < b->x + b->w; x++) {
            if (ps->label[(size_t)y * ps->width + x] != i + 1)
                continue;
            for (v = y - grow; v <= y + grow; v++)
                for (u = x - grow; u <= x + grow; u++)
                    if (u >= b->x && v >= b->y && u < b->x + b->w && v < b->y + b->h)
                        m[(size_t)(v - b->y) * b->w + u - b->x] = 255;
        }
}

void sp_pieces_free(SpPieces *ps)
{
    free(ps->label);
    free(ps->box);
    ps->label = NULL;
    ps->box = NULL;
    ps->nb = 0;
}
