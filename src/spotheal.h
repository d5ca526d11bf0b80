/*
 * spotheal: find and heal sensor defects (dust blotches, hot, stuck, dead
 * and missing pixels) in video frames and image sequences.
 *
 * This is the library's one public header; the spotheal program uses
 * nothing else. The library takes frames in display order, holds a bounded
 * lookahead ring of them so that later frames' evidence serves earlier
 * ones, and gives them back repaired, in the same order, one for one.
 *
 *     SpSettings s;
 *     sp_default_settings(&s);
 *     sp_open(&ctx, &s);
 *     for each decoded frame f:
 *         sp_send_frame(ctx, f);
 *         while (sp_receive_frame(ctx, &out) == 0)
 *             encode(out);
 *     sp_send_frame(ctx, NULL);            (flush)
 *     while (sp_receive_frame(ctx, &out) == 0)
 *         encode(out);
 *     sp_close(&ctx);
 *
 * Functions return 0 or a negative error code (negated errno values, or
 * SP_EOF). The library never prints: messages go to the log callback.
 */
#ifndef SPOTHEAL_SPOTHEAL_H
#define SPOTHEAL_SPOTHEAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define SP_API __attribute__((visibility("default")))
#else
#define SP_API
#endif

#define SP_VERSION_MAJOR 0
#define SP_VERSION_MINOR 1
#define SP_VERSION_PATCH 0

/** End of stream: no more frames will come out. */
#define SP_EOF (-0x454f46)

enum SpLogLevel {
    SP_LOG_ERROR   = 16,
    SP_LOG_WARNING = 24,
    SP_LOG_INFO    = 32,
    SP_LOG_VERBOSE = 40,
    SP_LOG_DEBUG   = 48,
};

/** How a frame's planes are to be read. */
enum SpColor {
    SP_COLOR_YUV  = 0, /* planes Y, Cb, Cr [, A]; Cb/Cr subsampled by ss_x/ss_y */
    SP_COLOR_RGB  = 1, /* planes G, B, R [, A], all full size */
    SP_COLOR_GRAY = 2, /* plane Y [, A] */
};

/**
 * One picture, as planes. Samples are uint8_t when depth is 8 and uint16_t
 * (native endian, low bits used) when depth is 9 to 16.
 *
 * The caller fills everything but index. A frame given to sp_send_frame()
 * belongs to the library until it calls release(): it may write the
 * repaired pixels into the planes in place (the planes must be writable)
 * and it reads the frame as a neighbour of later frames after it has been
 * given back by sp_receive_frame(), never writing it again by then.
 */
typedef struct SpFrame {
    int width, height;  /* full-resolution size */
    int nb_planes;      /* 1 to 4 */
    int depth;          /* bits per sample, 8 to 16 */
    int color;          /* enum SpColor */
    int ss_x, ss_y;     /* log2 chroma subsampling of planes 1 and 2 (YUV) */
    int has_alpha;      /* the last plane is alpha */
    uint8_t *data[4];
    ptrdiff_t stride[4]; /* in bytes */
    int64_t index;      /* set by the library: 0 for the first frame sent */

    /* The library's account of what it changed in this frame, valid once
     * the frame has been given back: the bounding box of all changed
     * pixels (touched_w == 0 when nothing was changed). */
    int touched_x, touched_y, touched_w, touched_h;

    void *opaque;                          /* the caller's */
    void (*release)(struct SpFrame *frame); /* may be NULL */
} SpFrame;

/** Defect kinds, as used in reports and in --detect. */
enum SpDefectKind {
    SP_KIND_DARK    = 1 << 0, /* dark blotch: dust shadow, failed photosites */
    SP_KIND_BRIGHT  = 1 << 1, /* bright blotch */
    SP_KIND_HOT     = 1 << 2, /* too bright in one or more channels */
    SP_KIND_STUCK   = 1 << 3, /* one value whatever the scene */
    SP_KIND_DEAD    = 1 << 4, /* black */
    SP_KIND_MISSING = 1 << 5, /* pixels that never arrived */
    SP_KIND_USER    = 1 << 6, /* painted in a user mask or profile */
};

/** Fill methods, as recorded in reports. */
enum SpFillMethod {
    SP_FILL_NONE = 0,
    SP_FILL_SPATIAL,  /* edge-directed interpolation / diffusion */
    SP_FILL_PATCH,    /* exemplar patches from the surround */
    SP_FILL_TEMPORAL, /* motion-compensated from neighbouring frames */
    SP_FILL_GAIN,     /* attenuation divided out */
};

/** One defect as found (and healed) in one frame. */
typedef struct SpDefect {
    int kind;          /* enum SpDefectKind */
    int track;         /* the track it belongs to, or -1 */
    int x, y, w, h;    /* bounding box, full-resolution pixels */
    int area;          /* defective pixels */
    float cx, cy;      /* centre */
    float contrast;    /* against its surround, in 8-bit levels, signed */
    float confidence;  /* 0 to 1 */
    int fill;          /* enum SpFillMethod used, SP_FILL_NONE if not healed */
    /* The defect's exact pixels: w x h values, row after row, 0 (healthy)
     * to 255 (wholly defective; soft edges between), at full resolution.
     * Valid until the frame is released. */
    const uint8_t *mask;
} SpDefect;

typedef struct SpSettings {
    /** Worker threads, 0 = one per core. */
    int threads;
    /** Frames of lookahead held before a frame is given back, 0 = default. */
    int lookahead;
    /** 1: with more than one thread, the chain's last stage (the fill) of
     * a frame runs on a thread of the library's while the caller sends
     * the next frame, whose analysis overlaps it; each frame is then given
     * back one sp_send_frame() later (after lookahead + 1 newer frames),
     * the output is the same. sp_receive_frame() may answer -EAGAIN when
     * it has just started a frame: the next sp_send_frame() is accepted.
     * 0: every stage runs in sp_receive_frame(). */
    int overlap;

    /** A user mask (nonzero = heal) of mask_width x mask_height 8-bit
     * samples applied to every frame, or NULL. The library copies it. */
    const uint8_t *mask;
    int mask_width, mask_height;
    ptrdiff_t mask_stride;

    /** A camera profile's defect map, or NULL: profile_width x
     * profile_height bytes, 0 for a healthy pixel, else the defect's
     * enum SpDefectKind (SP_KIND_HOT, SP_KIND_STUCK or SP_KIND_DEAD).
     * Its pixels are healed in every frame, reported with that kind and
     * track -1, besides what detection finds. The library copies it. */
    const uint8_t *profile;
    int profile_width, profile_height;
    ptrdiff_t profile_stride;
    /** The profile's faint candidates, or NULL: the same size and stride
     * as profile, 0 or the planes (bit p for plane p) a pixel too faint
     * for the dark frames to prove stood out in. Such a pixel is healed,
     * as hot, only if the footage shows it too: above its neighbours in
     * that plane in most of the first frames the library sees. The
     * library copies it. */
    const uint8_t *profile_faint;
    /** The profile's fixed pattern, or NULL (profile_pattern[0] NULL):
     * per colour plane p below profile_pattern_planes, at that plane's
     * own resolution (profile_pattern_width[p] x profile_pattern_height[p],
     * stride in samples), the mean dark frame less its black level, in
     * 1/16 of an 8-bit level, made from frames of colour
     * profile_pattern_color (enum SpColor). It is subtracted from every
     * frame as the frame enters the library, before any filter looks at
     * it, when the frames' planes have those sizes and that colour
     * (else a warning, and nothing is subtracted). The library copies it. */
    const int16_t *profile_pattern[3];
    int profile_pattern_width[3], profile_pattern_height[3];
    ptrdiff_t profile_pattern_stride[3];
    int profile_pattern_planes, profile_pattern_color;

    /** NULL-terminated list of "name=value" strings for the filters'
     * options (see sp_list_options()), or NULL. */
    const char *const *options;

    /** Log callback, or NULL for silence. */
    void (*log)(void *opaque, int level, const char *fmt, va_list vl);
    void *log_opaque;
    /** Messages above this level are not passed to the callback. */
    int log_level;
} SpSettings;

typedef struct SpContext SpContext;

/** Fill s with the defaults. */
SP_API void sp_default_settings(SpSettings *s);

/**
 * Create a context. The filters check their options here: a bad option
 * fails with -EINVAL after a log message naming it.
 */
SP_API int sp_open(SpContext **out, const SpSettings *s);

/**
 * Give the library the next frame, or NULL at the end of the stream.
 * All frames of a stream must share size, depth and layout; a change fails
 * with -EINVAL. Returns -EAGAIN when frames must be received first.
 */
SP_API int sp_send_frame(SpContext *ctx, SpFrame *frame);

/**
 * Take the next repaired frame. Returns -EAGAIN when more input is needed,
 * SP_EOF after the last frame of a flushed stream. The frame stays valid
 * and unchanged until its release() is called.
 */
SP_API int sp_receive_frame(SpContext *ctx, SpFrame **frame);

/**
 * The defects found in a frame that sp_receive_frame() gave back: an array
 * of *nb records, valid until the frame is released. Returns 0, or -EINVAL
 * for a frame the library does not hold.
 */
SP_API int sp_frame_defects(SpContext *ctx, const SpFrame *frame,
                            const SpDefect **defects, int *nb);

/** Free everything; releases every frame still held. Accepts NULL. */
SP_API void sp_close(SpContext **ctx);

/** Describe option number i of the filters: returns 0 and sets name and
 * help (static strings) and writes the default and the accepted values
 * into the caller's buffers, or returns SP_EOF past the last one. */
SP_API int sp_list_options(int i, const char **name, const char **help,
                           char *def, size_t def_size,
                           char *range, size_t range_size);

/** A human-readable message for an error code returned by the library. */
SP_API const char *sp_error_string(int err);

SP_API const char *sp_version(void);

#ifdef __cplusplus
}
#endif

#endif /* SPOTHEAL_SPOTHEAL_H */
