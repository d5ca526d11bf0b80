/*
 * The fill stage's shared parts: its context, the per-plane defect maps,
 * and the methods (spatial, temporal, gain, patch), each in its own file
 * (fill_spatial.c, fill_temporal.c, fill_gain.c; the patch fill shares the
 * temporal fill's matching and lives in fill_temporal.c), driven by fill.c.
 *
 * Coordinates: regions are in full-resolution (luma) pixels; each plane's
 * maps are at that plane's resolution. A plane's hole map holds, for every
 * sample of the current frame, 0 when healthy or the defect weight 1..255
 * (255: wholly defective, less: a soft edge blended with the original).
 */
#ifndef SPOTHEAL_FILTERS_FILL_H
#define SPOTHEAL_FILTERS_FILL_H

#include <stddef.h>
#include <stdint.h>

#include "filters/filter.h"

#define FILL_MAX_REFS 16     /* neighbour frames, both directions together */
#define FILL_MAX_CAND 8      /* candidates combined per sample */
#define FILL_MAX_MOTIONS 64  /* displacements kept per neighbour frame */

/* The displacements found for a neighbour frame's regions of the current
 * frame, in region order (predictions for the next ones), and their
 * median when med_n == n. Shared by the workers (see fill.c). */
typedef struct FillMotions {
    float v[2 * FILL_MAX_MOTIONS];
    int n;
    int med_n, med_x, med_y;
} FillMotions;

/* One neighbour frame as seen from the region being filled. */
typedef struct FillRef {
    const SpFrame *f;
    int dist;          /* frames from the current one: < 0 past, > 0 future, 0 itself */
    const uint8_t *bad;/* full-size luma map of the frame's defects, 0 = usable */
    double vx, vy;     /* where the region's content is in this frame, minus where it is now */
    double cost;       /* mean absolute mismatch over the ring, in 8-bit levels */
    int ok;            /* the match passed the checks */
    FillMotions *mo;   /* displacements found for this frame's other regions */
} FillRef;

/* A growable scratch buffer, kept from frame to frame. */
typedef struct FillBuf {
    void *p;
    size_t size;
} FillBuf;

/* A spot's attenuation shape, averaged over the fits of its last frames. */
typedef struct FillGainShape {
    int64_t last;      /* last frame index it was updated */
    double strength, radius, shape;
    double weight;     /* how many fits have been averaged in */
} FillGainShape;

/* Per-track attenuation model of a dimming spot (see fill_gain.c). */
typedef struct FillGainTrack {
    int track;         /* -1: free */
    FillGainShape fit;
    /* the same, fitted only where the neighbour frames showed what the
     * spot hides (a reference that is the content, not a guess) */
    FillGainShape seen;
} FillGainTrack;

#define FILL_GAIN_TRACKS 64

typedef struct FillPool FillPool;

typedef struct FillContext {
    /* options */
    int method;           /* enum SpFillMethod or SP_FILL_NONE = auto */
    int show;
    int heal;             /* option: 0 finds and reports only */
    int frames;           /* neighbour frames looked at, each direction */
    int search;           /* motion search range, pixels */
    double max_cost;      /* ring mismatch above which a match is refused */
    double min_gain;      /* attenuation below which the gain fill inpaints */
    double gain_temporal_weight; /* of the temporal estimate against a^2 */

    int nb_planes;
    int pw[4], ph[4];
    int depth;
    uint8_t *hole[4];     /* current frame, per plane */
    uint8_t *badmap[FILL_MAX_REFS];  /* neighbours' defects, full-size luma */
    FillBuf badbox[FILL_MAX_REFS];   /* boxes marked in each, to clear them */
    int nb_badbox[FILL_MAX_REFS];
    FillBuf tracks;       /* a past frame's region tracks, sorted */
    FillRef refs[FILL_MAX_REFS];
    int nb_refs;

    FillBuf ring;         /* luma ring samples of the region, (x, y, value) */
    int ring_box[4];      /* the box they lie in: x0, y0, x1, y1 */
    /* the same samples as runs along the rows, for the motion search's
     * inner loop: (first sample, length) pairs, and at 8 bits the values
     * side by side */
    FillBuf ring_runs;
    FillBuf ring_val8;
    int ring_nruns, ring_count;
    /* and at 8 bits as whole rows of the ring's box, padded to 16: the
     * values, then which are ring samples (255), then which of those
     * have an even index (the coarse search's half) */
    FillBuf ring_rows;
    int ring_pitch;
    FillBuf win;          /* the sub-pixel ring cost's interpolated rows */
    FillBuf cand;         /* candidates: FILL_MAX_CAND values + weights per sample */
    size_t cand_off[4];   /* each plane's first candidate */
    double cand_cost;     /* best match cost among the frames that gave some */
    FillBuf est;          /* estimate per luma sample of the region (gain fill) */
    FillBuf tmp;
    FillBuf gbuf;         /* the gain fit's samples */
    FillBuf rbuf;         /* the gain fill's reference */
    FillBuf keep;         /* a tracked spot's samples before its fill (reach) */

    FillGainTrack *gain;  /* the tracks' models: gain_store, the first context's */
    FillGainTrack gain_store[FILL_GAIN_TRACKS];
    FillMotions motions[FILL_MAX_REFS];

    /* threads: the pool (the first context's, NULL when serial), and the
     * region a worker context is filling */
    FillPool *pool;
    int region;
} FillContext;

/* Before a worker reads or changes state that the regions of a frame
 * share in region order (the gain tracks): waits until every earlier
 * region of the frame is done. Nothing when serial. */
void sp_fill_ordered(FillContext *s);
/* Around a read of a neighbour's displacements (returns whether it
 * locked): they are then those of every earlier region and of no later
 * one, as in the serial fill (a list not yet full waits for every
 * earlier region to be past its search). */
int sp_fill_motions_lock(FillContext *s, const FillMotions *mo);
void sp_fill_motions_unlock(FillContext *s, int locked);
/* Add the displacement the region found in neighbour i: at once when
 * serial, else once every earlier region's are in. */
void sp_fill_motion_add(FillContext *s, int i, double vx, double vy);
/* The region will add no more displacements. */
void sp_fill_searched(FillContext *s);

int sp_fill_buf_reserve(FillBuf *b, size_t size);
void sp_fill_buf_free(FillBuf *b);

/* Plane-resolution box of a full-resolution region, clipped to the plane;
 * returns 0 when empty. */
int sp_fill_plane_box(const FillContext *s, const SpFrame *f, int p,
                      const SpRegion *r, int *x0, int *y0, int *x1, int *y1);

/* The hole map of plane p (full-size planes share plane 0's). */
static inline uint8_t *sp_fill_hole(const FillContext *s, const SpFrame *f, int p)
{
    return p > 0 && !sp_plane_ss_x(f, p) && !sp_plane_ss_y(f, p)
           ? s->hole[0] : s->hole[p];
}

/* Write estimate v into sample (x, y) of plane p, blended by the hole's
 * soft weight hv (255: replaced). */
static inline void sp_fill_put(SpFrame *f, int p, int x, int y, int v, int hv)
{
    if (hv < 255) {
        int o = sp_get(f, p, x, y);
        v = (v * hv + o * (255 - hv) + 127) / 255;
    }
    sp_put(f, p, x, y, v);
}

/* Spatial edge-directed fill of every sample of r still marked in the hole
 * maps; onion-peel diffusion for samples far from any healthy one. */
void sp_fill_spatial(FillContext *s, SpFrame *f, const SpRegion *r);

/* Temporal fill, in two steps. collect: finds the neighbour frames'
 * matches and every defective sample's candidates (kept in s->cand, the
 * best match cost in s->cand_cost); returns the share of the region's
 * luma samples that have candidates, or a negative error. write: writes
 * them (see write_candidates) and returns the share filled. */
double sp_fill_temporal_collect(FillContext *s, const SpFrame *f,
                                const SpRegion *r, int ring_width);
double sp_fill_temporal_write(FillContext *s, SpFrame *f, const SpRegion *r,
                              const int32_t *orig, double ws);

/* Save the region's samples and hole weights, every plane, in the layout
 * of the candidates; NULL on failure. */
int32_t *sp_fill_save(FillContext *s, const SpFrame *f, const SpRegion *r);

/* Mean absolute error of the spatial fill on the healthy band around the
 * hole, hidden and estimated; 8-bit levels, -1 when there is no band. */
double sp_fill_spatial_check(FillContext *s, const SpFrame *f, const SpRegion *r);

/* Patch fill: the surround's best-matching patch of the same frame (an
 * exemplar search) copied into the hole. Returns the share filled. */
double sp_fill_patch(FillContext *s, SpFrame *f, const SpRegion *r);

/* Texture of the ring around r: mean absolute gradient, 8-bit levels. */
double sp_fill_ring_texture(FillContext *s, const SpFrame *f, const SpRegion *r);

/* Gain fill of a dimming spot: fits the attenuation of the spot against
 * a reference (ref: per luma sample of the region's box, -1 where none)
 * and divides it out where it is mild enough, averaged with the temporal
 * candidates where there are some; orig holds the region's samples as
 * sp_fill_save() saved them. Flags: FILL_GAIN_STRICT, only a fit that
 * agrees with the track's last ones is used; FILL_GAIN_SEEN, ref is what
 * the neighbour frames show: the fit only updates the track's seen model,
 * nothing is written; FILL_GAIN_GUESS, ref is the spatial fill's guess:
 * a track with a seen model keeps its depth and shape, only the centre is
 * fitted; FILL_GAIN_REACH, another fill has written the region and ref
 * is what it wrote: with the track's model (its seen one, else its
 * gain fit's) only the centre is fitted, and every sample the division
 * would move by under half a level (where the spot's shadow does not
 * reach) gets back its value of orig. Returns 0 when it wrote, 1 when the
 * spot does not look like a dimming (nothing written), negative on
 * error. */
/* Whether r's track is due a seen fit in frame index (a free slot for it,
 * not steady and fresh, its turn): what sp_fill_gain with FILL_GAIN_SEEN
 * asks first, so that callers may skip making its reference. */
int sp_fill_gain_seen_due(FillContext *s, const SpRegion *r, int64_t index);
#define FILL_GAIN_STRICT 1
#define FILL_GAIN_SEEN   2
#define FILL_GAIN_GUESS  4
#define FILL_GAIN_REACH  8
int sp_fill_gain(FillContext *s, SpFrame *f, SpRegion *r, int64_t index,
                 const int32_t *orig, const float *ref, int flags);

/* Put back what sp_fill_save() saved: samples and hole weights. */
void sp_fill_restore(FillContext *s, SpFrame *f, const SpRegion *r,
                     const int32_t *orig);

/* The combined temporal candidates of sample (x, y) of plane p of the
 * region last collected, or -1 when there are none. */
double sp_fill_temporal_value(FillContext *s, const SpFrame *f,
                              const SpRegion *r, int p, int x, int y);

/* The temporal fill's inner kernels, for the tests to check the fast
 * ones against their plain versions (plain = 1): the ring cost of r (its
 * ring built from s->hole[0]) against ref at the integer displacement
 * (dx, dy), every step-th ring sample, given up above bound; the same at
 * a sub-pixel displacement; and the
 * sample of plane p of f at (x, y) displaced by (dx, dy), interpolated,
 * -1 where the support leaves the plane or touches `bad`. */
double sp_fill_test_ring_cost(FillContext *s, const SpFrame *cur,
                              const SpRegion *r, const FillRef *ref, int dx,
                              int dy, int step, double bound, int plain);
double sp_fill_test_frac_cost(FillContext *s, const SpFrame *cur,
                              const SpRegion *r, const FillRef *ref, double dx,
                              double dy, int plain);
double sp_fill_test_fetch(const FillContext *s, const SpFrame *f,
                          const uint8_t *bad, int p, int x, int y, double dx,
                          double dy, int plain);

/* The temporal fill's combination of a sample's n candidates (values v,
 * weights w) with tolerance tol, for the tests. */
double sp_fill_test_combine(const float *v, const float *w, int n, double tol);

/* The spatial fill's walk from every sample of a hole map, in every
 * direction and at several reaches, against its plain version: the number
 * of differences. For the tests. */
int sp_fill_test_walks(const uint8_t *hole, int pw, int ph);

/* The gain fill's fit by estimates (exp_fast, the grid's table) against
 * fit_depth over every candidate in order, on a random dimmed disc: the
 * number of differences. For the tests. */
int sp_fill_test_gain_fit(uint32_t seed);

#endif /* SPOTHEAL_FILTERS_FILL_H */
