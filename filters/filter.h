/*
 * The filter interface: how the stages that look at pixels (detectors,
 * the tracker, fills) plug into the library's chain.
 *
 * A filter is one file with a private context and a declarative options
 * table (name, help, default, minimum, maximum). Its lifecycle:
 *   init    options are set: check them, decide whether the filter runs
 *   config  the first frame is known: allocate everything, once
 *   analyze each frame as it enters the lookahead ring, in chain order:
 *           the place to gather evidence over time. Read only, with one
 *           exception: the profile filter, ahead of every analyzing
 *           filter, subtracts the camera's fixed pattern from the whole
 *           frame here (and marks it touched), so that every later filter
 *           and every window, past or future, sees corrected pixels
 *   process each frame as it leaves the ring, in chain order, with its
 *           past (already repaired) and future (not yet repaired)
 *           neighbours: detectors add defect regions to the current slot,
 *           fills heal them in place
 *   uninit  free; copes with a half-done init or config
 *
 * Pixel code sees planes, strides and sizes only: no libav* types here.
 */
#ifndef SPOTHEAL_FILTERS_FILTER_H
#define SPOTHEAL_FILTERS_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "src/spotheal.h"

enum SpOptionType {
    SP_OPT_INT,   /* int */
    SP_OPT_FLOAT, /* double */
    SP_OPT_FLAGS, /* int bit mask, "a,b,c" of named constants */
    SP_OPT_ENUM,  /* int, one named constant */
    SP_OPT_RANGE, /* two ints "MIN:MAX" at offset and offset + sizeof(int) */
    SP_OPT_COLOR, /* int 0xRRGGBB from "rrggbb", "#rrggbb" or "0xrrggbb"; -1 none */
};

typedef struct SpOptionConst {
    const char *name;
    int value;
} SpOptionConst;

typedef struct SpOption {
    const char *name;
    const char *help;
    enum SpOptionType type;
    size_t offset;      /* into the filter's private context */
    double def, def2;   /* default (def2: upper end of a RANGE) */
    double min, max;
    const SpOptionConst *consts; /* FLAGS and ENUM, ended by { NULL } */
} SpOption;

/**
 * One defect in one frame: a bounding box in full-resolution pixels and a
 * mask of w * h bytes (0 healthy, 255 defective; values between are a
 * soft edge: how much of the pixel the defect spoils).
 */
typedef struct SpRegion {
    int x, y, w, h;
    size_t mask_off; /* into the slot's arena */
    int kind;        /* enum SpDefectKind */
    int track;       /* track id, or -1 */
    int fill;        /* enum SpFillMethod, set by the fill */
    float gain;      /* estimated attenuation (dimming spots), 0 if unknown */
    float contrast;  /* against the surrounding ring, signed, in 8-bit levels */
    float confidence;/* 0 to 1 */
} SpRegion;

/** A frame in the ring with what the filters found in it. */
typedef struct SpSlot {
    SpFrame *frame;
    int64_t index;
    SpRegion *regions;
    int nb_regions, regions_cap;
    uint8_t *arena;
    size_t arena_size, arena_cap;
    SpDefect *defects;   /* the public records, made when the frame leaves */
    int defects_cap;
} SpSlot;

/** Add a region to a slot; *mask receives its zeroed w * h mask. The
 * storage grows geometrically and is kept, so a steady stream does not
 * allocate per frame. Returns the region's index or a negative error. */
int sp_slot_add_region(SpSlot *slot, int x, int y, int w, int h, int kind,
                       uint8_t **mask);

static inline uint8_t *sp_region_mask(const SpSlot *slot, const SpRegion *r)
{
    return slot->arena + r->mask_off;
}

typedef struct SpWindow {
    SpSlot *cur;
    SpSlot *const *past;   /* past[0] is the frame before cur */
    int nb_past;
    SpSlot *const *future; /* future[0] is the frame after cur */
    int nb_future;
} SpWindow;

typedef struct SpLogger {
    void (*cb)(void *opaque, int level, const char *fmt, va_list vl);
    void *opaque;
    int level;
} SpLogger;

void sp_log(const SpLogger *l, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef struct SpFilterContext {
    const struct SpFilter *filter;
    void *priv;
    const SpLogger *log;
    const SpSettings *settings;
    int enabled;       /* init clears it when the filter has nothing to do */
    int want_lookahead;/* config: frames of future the filter wants */
    int want_history;  /* config: frames of past the filter wants */
} SpFilterContext;

typedef struct SpFilter {
    const char *name;
    size_t priv_size;
    const SpOption *options;
    int (*init)(SpFilterContext *fc);
    int (*config)(SpFilterContext *fc, const SpFrame *first);
    int (*analyze)(SpFilterContext *fc, SpSlot *slot);
    int (*process)(SpFilterContext *fc, SpWindow *w);
    void (*uninit)(SpFilterContext *fc);
} SpFilter;

/* Plane helpers. */
static inline int sp_plane_width(const SpFrame *f, int p)
{
    return (p == 1 || p == 2) && f->color == SP_COLOR_YUV
           ? -((-f->width) >> f->ss_x) : f->width;
}

static inline int sp_plane_height(const SpFrame *f, int p)
{
    return (p == 1 || p == 2) && f->color == SP_COLOR_YUV
           ? -((-f->height) >> f->ss_y) : f->height;
}

static inline int sp_plane_ss_x(const SpFrame *f, int p)
{
    return (p == 1 || p == 2) && f->color == SP_COLOR_YUV ? f->ss_x : 0;
}

static inline int sp_plane_ss_y(const SpFrame *f, int p)
{
    return (p == 1 || p == 2) && f->color == SP_COLOR_YUV ? f->ss_y : 0;
}

/** Read / write a sample of plane p at (x, y), whatever the depth. */
static inline int sp_get(const SpFrame *f, int p, int x, int y)
{
    const uint8_t *row = f->data[p] + (ptrdiff_t)y * f->stride[p];
    return f->depth > 8 ? ((const uint16_t *)row)[x] : row[x];
}

static inline void sp_put(SpFrame *f, int p, int x, int y, int v)
{
    uint8_t *row = f->data[p] + (ptrdiff_t)y * f->stride[p];
    int maxv = (1 << f->depth) - 1;
    v = v < 0 ? 0 : v > maxv ? maxv : v;
    if (f->depth > 8)
        ((uint16_t *)row)[x] = (uint16_t)v;
    else
        row[x] = (uint8_t)v;
}

/** Grow a frame's touched box by the given rectangle. */
void sp_frame_touch(SpFrame *f, int x, int y, int w, int h);

#endif /* SPOTHEAL_FILTERS_FILTER_H */
