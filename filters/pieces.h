/*
 * Pieces of a fixed defect map (a user's mask, a camera profile): the
 * marked pixels split into groups of pixels within `merge` of each other
 * (Chebyshev distance), each with its bounding box, so that each group can
 * be one region of its own, healed from its own surround.
 */
#ifndef SPOTHEAL_FILTERS_PIECES_H
#define SPOTHEAL_FILTERS_PIECES_H

#include <stddef.h>
#include <stdint.h>

typedef struct SpPieceBox {
    int x, y, w, h;   /* the piece's pixels' box, grown and clipped to the map */
} SpPieceBox;

typedef struct SpPieces {
    int width, height;
    int32_t *label;   /* width * height: 0 unmarked, else the piece's number + 1 */
    SpPieceBox *box;
    int nb;
} SpPieces;

/*
 * Split the nonzero samples of map (width x height, stride bytes a row)
 * into pieces, in raster order of their first pixel; each box is grown by
 * `grow` pixels. Returns 0 or -ENOMEM.
 */
int sp_pieces_find(SpPieces *ps, const uint8_t *map, ptrdiff_t stride,
                   int width, int height, int merge, int grow);

/* Piece i's mask into m (its box's w * h bytes, cleared first): 255 on its
 * own pixels, each widened to a square of `grow` pixels around it. */
void sp_pieces_mask(const SpPieces *ps, int i, int grow, uint8_t *m);

void sp_pieces_free(SpPieces *ps);

#endif /* SPOTHEAL_FILTERS_PIECES_H */
