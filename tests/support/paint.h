/*
 * The project's defect painter, for tests and benchmarks: synthetic scenes
 * (a textured picture that pans, stands still or cuts) and sensor defects
 * painted on them with known ground truth: soft dark and bright blotches
 * that drift together (a stabiliser's shift plus a slow zoom), hot, stuck
 * and dead pixels smeared into their chroma sample as 4:2:0 would, and
 * pixels that never arrived (lost rows, scattered losses).
 */
#ifndef SPOTHEAL_TESTS_SUPPORT_PAINT_H
#define SPOTHEAL_TESTS_SUPPORT_PAINT_H

#include "src/spotheal.h"

/* PAINT_HOT_BLUE: a hot blue photosite as compression leaves it, level / 12
 * in Cb and level / 25 in luma; PAINT_HOT_BLUE_WANDER: one that compression
 * left about as strong in luma (level / 11) as in Cb (level / 12), its luma
 * excess wandering by up to a fifth either way from frame to frame and its
 * Cb by a level (a phone clip's hot blue pixels: 10-20 % a frame in luma) */
/* PAINT_HOT_JITTER: a faint hot pixel as compression leaves it, its luma
 * excess `level` give or take 3 levels from frame to frame;
 * PAINT_HOT_BLINK: a hot pixel the scene hides in 3 frames out of 9 (as
 * a hot blue one over blue), seen in the others */
/* PAINT_HOT_BLUE_FLICKER: a hot blue photosite (level / 25 in luma) whose
 * Cb excess compression quantises anew in each frame: 100, 70, 50 and 75 %
 * of level / 12 in turn (phone seed 66's: 5-19 levels, 40 % a frame in the
 * median) */
enum PaintPixelKind { PAINT_HOT, PAINT_DEAD, PAINT_STUCK, PAINT_HOT_BLUE, PAINT_HOT_BLUE_WANDER,
                      PAINT_HOT_JITTER, PAINT_HOT_BLINK, PAINT_HOT_BLUE_FLICKER };

typedef struct PaintSpot {
    float x, y;       /* sensor position (frame coordinates with no drift) */
    float radius;     /* dimming radius: the soft edge reaches about 1.5x */
    float strength;   /* attenuation at the centre, 0..1 (bright: gain) */
    int bright;
} PaintSpot;

typedef struct PaintPixel {
    int x, y;
    int kind;         /* enum PaintPixelKind */
    int level;        /* hot: added to luma; stuck: the luma it shows */
} PaintPixel;

typedef struct PaintDrift {
    float amp;        /* largest shift, pixels */
    float period;     /* frames of one sway */
    float zoom;       /* largest zoom change (0.015 = 1.5 %) */
} PaintDrift;

enum PaintScene {
    PAINT_SCENE_PAN,    /* the texture moves under the camera */
    PAINT_SCENE_STATIC, /* the texture stands still */
    PAINT_SCENE_NIGHT,  /* small lights on a dark town (variant 0) or sky
                           (variant 1), through a swaying, panning camera */
};

/* Render frame n of a scene into f (8-bit YUV 4:2:0 or GRAY): a texture
 * of soft shapes, edges and small details (dots and strokes that are not
 * defects). `variant` picks another texture (a cut). */
void paint_scene(SpFrame *f, int scene, int variant, int n);

/* Where a sensor position shows in frame n under the drift. */
void paint_drift_at(const PaintDrift *d, int w, int h, int n, float x, float y,
                    float *ox, float *oy);

/* Paint the defects on frame n. */
void paint_defects(SpFrame *f, int n, const PaintDrift *d,
                   const PaintSpot *spots, int nb_spots,
                   const PaintPixel *pixels, int nb_pixels);

typedef struct PaintMissing {
    int row_period;   /* every row_period-th row lost (0: none) */
    int row_phase;    /* the first lost row */
    int nb_scattered; /* scattered lost pixels */
    unsigned seed;    /* their positions */
    int marker;       /* 0xRRGGBB painted where there is no alpha */
} PaintMissing;

/* Lose pixels of f as a transfer would: transparent (alpha 0, colour
 * black underneath) when f has alpha, else lost rows black and scattered
 * pixels of the marker colour (RGB exact; YUV its BT.601 limited-range
 * value, chroma sample included). Positions are the same on every frame.
 * lost (width * height, zeroed by the caller) gets 255 where a pixel was
 * lost. Returns the number of lost pixels. */
int paint_missing(SpFrame *f, const PaintMissing *m, uint8_t *lost);

#endif /* SPOTHEAL_TESTS_SUPPORT_PAINT_H */
