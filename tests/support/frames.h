/*
 * Test frames: planar pictures allocated on the heap, released by the
 * library through SpFrame.release, with a counter of releases.
 */
#ifndef SPOTHEAL_TESTS_SUPPORT_FRAMES_H
#define SPOTHEAL_TESTS_SUPPORT_FRAMES_H

#include "src/spotheal.h"

typedef struct TestFrame {
    SpFrame f;           /* first: the library sees this */
    int *released;       /* incremented by release, if set */
} TestFrame;

/* A frame of the given layout, every sample set to fill. color YUV uses
 * ss_x/ss_y for planes 1 and 2. Returns NULL on failure. */
SpFrame *tframe_new(int w, int h, int depth, int color, int ss_x, int ss_y,
                    int nb_planes, int fill, int *released);

/* A deep copy (planes and layout), with no release counter. */
SpFrame *tframe_copy(const SpFrame *src);

/* Free a frame made here (what release does). */
void tframe_free(SpFrame *f);

/* Number of samples of plane p that differ between a and b. */
long tframe_diff(const SpFrame *a, const SpFrame *b, int p);

#endif /* SPOTHEAL_TESTS_SUPPORT_FRAMES_H */
