/*
 * detect: finds persistent sensor defects by themselves and follows them
 * from frame to frame: dark and bright blotches (dust shadows, failed
 * photosites) and hot, stuck and dead pixels.
 *
 * The seed's two stages (a coarse selection around each spot, then edge
 * and darkness tests inside it, seed 002), made automatic:
 *
 * 1. Candidates (analyze, every frame as it enters the ring). A box-filter
 *    band-pass on luma, R = mean(inner box) - mean(outer box), read from an
 *    integral image of the frame at half resolution (one response per
 *    2x2 pixels, computed a row at a time in vector blocks), marks compact
 *    blobs darker or brighter than their surround; each of its local
 *    extrema is measured again with the full-resolution boxes on the
 *    2-pixel grid about it, from an integral patch of that place alone,
 *    and the strongest point there is a blotch candidate. Places the
 *    tracks already hold are not looked at. A centre-minus-ring test at
 *    full resolution (after a cheap reject of 32 samples at once) marks
 *    one- to three-pixel dots in luma, and a centre-minus-neighbours test
 *    marks colour dots in each chroma plane: hot, stuck and dead pixels
 *    smeared by 4:2:0 and compression. Where the surround is flat, the
 *    blotch and dot thresholds follow its own texture (flat_threshold,
 *    dot_flat_threshold): such faint candidates start faint tracks. A
 *    blob on a sloping surround, whose dark side the box's level counts
 *    as part of it, is measured on the plane of its close ring instead
 *    (shape_on_ring).
 *
 * 2. Tracks. Each candidate either feeds the track whose predicted
 *    position it falls near (a window of a few pixels: defects move slowly
 *    with the stabiliser's crop and the lens's breathing) or starts a new
 *    tentative track. Every track is also looked for in every frame inside
 *    its window with a lower threshold, so a faint frame still places it.
 *
 * 3. Evidence that the thing is on the sensor, not in the scene: a defect
 *    stays while the picture moves under it. Every frame the track keeps a
 *    ring of samples around itself; when that ring's content changes (the
 *    scene moved past) while the blob stays where the track predicts, the
 *    track gains evidence. A scene detail that moves drags its ring along
 *    and gains none; a static scene gains none either, so a static camera
 *    over a static scene repairs nothing: when in doubt, do not repair.
 *    Against it: a defect leaves behind the scene that was under it, a
 *    scene detail goes on with the picture. Where the camera's motion (or
 *    the slide seen in the ring) has taken the track's earlier place, the
 *    blob it showed then, in the same surround, means the track stayed
 *    behind and took the next detail that came by (letters, lights), and
 *    a track that moves with the picture is scene (carried_off, went_on,
 *    moved_with_picture).
 *    A track is confirmed when it has been seen in most frames of its life
 *    and has gained enough such evidence; confirmed tracks are judged on,
 *    and dropped when the vetoes or hops outweigh the evidence.
 *
 * 4. Shared drift. The defects sit on one sensor, so their motion in the
 *    picture is one global motion: per frame, the median displacement of
 *    the confirmed tracks seen in both frames is the drift, and a track not
 *    seen in a frame is placed by its last position plus the drift since.
 *    Over a track's span, the others' displacements fitted as one motion
 *    judge it (drift_residual): a faint track is confirmed only if it
 *    kept to that drift, and no blotch that strays from it is. While fewer
 *    than three confirmed tracks tell it, the tracks that wait for it with
 *    all the other evidence of a confirmation tell it too (drift_witness).
 *
 * 5. Masks (process, when the frame leaves the ring, lookahead frames
 *    later): every confirmed track's recorded position in that frame gives
 *    a region: a disk covering the blob's measured extent (1.5 times its
 *    dimming radius plus a pixel of margin, seed 002's grow-selection), or
 *    a 3x3 box around a pixel defect (a blotch's disk for a dot as wide as
 *    a small blotch). Positions are recorded from a track's first
 *    sighting, and carried back before it by the drift once it is
 *    confirmed (carry_back), so the frames before are repaired too: the
 *    lookahead makes the first frame as good as the hundredth.
 *
 * Memory: a half-resolution integral image, two quarter-resolution
 * planes, a few rows and small patches of scratch, allocated at config,
 * plus a bounded track table: flat in clip length.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "filters/detect_dsp.h"
#include "filters/filter.h"

#define MAX_TRACKS     2048
#define MAX_CANDS      4096
#define POS_HIST       128    /* frames of positions kept per track */
#define RING_N         16     /* ring samples per track */
#define RING_LAG       3      /* frames between compared ring snapshots */
#define LAG            10     /* frames kept to compare views of the scene */
#define RECENT         32     /* frames whose pictures are kept at hand */
#define SHIFT          6      /* largest relative motion looked for, px */
#define CAM_SPAN       40     /* frames a track is held against the camera */
#define LONE_SPAN      16     /* frames a lone partner goes along a track's path */
#define DEPARTED       64     /* travelled tracks whose early regions stay */
#define BAND_BLOCK     DETECT_BAND_BLOCK /* band-pass responses computed at once */
#define BORDER_H       3   /* a blotch's centre at least 2 * BORDER_H px inside the frame */
#define CARRY_BACK     (RECENT - 1) /* frames a confirmed track is carried back */
#define DOT_HIDDEN     12     /* frames a faint tentative dot seen often may go unseen */
#define DOT_HOLD       16     /* frames a dot's track is held to its pixel over */
#define NEAR_CELL      64     /* px a side of the cells the tracks are found by */
#define CLOSE_SEEK     3      /* px shape_on_closing looks for the blob's core over */

enum { T_FREE = 0, T_TENTATIVE, T_CONFIRMED };

typedef struct Cand {
    float x, y;
    float resp;     /* band-pass response, signed, 8-bit levels */
    float radius;   /* blob radius estimate */
    float level;    /* the surround's mean (blotches) */
    int kind;       /* SP_KIND_DARK, _BRIGHT, _HOT, _DEAD */
    int plane;      /* a colour dot: the chroma plane it stands out in, else 0 */
    int ringed;     /* found only as standing out of its close ring */
    int sloped;     /* its shape measured on its close ring's plane (shape_on_ring) */
    int used;
} Cand;

/* Responses kept per track to judge how steady its contrast is. */
#define RESP_HIST 9
/* the largest median relative change of a defect's response per frame */
#define STEADY 0.06f
#define STEADY_BLOTCH 0.15f
/* levels of change per frame that compression alone makes in chroma */
#define STEADY_NOISE 1.0f
/* a luma dot's limit grows by STEADY / STEADY_SLID for each time the
 * picture was seen sliding under it, up to STEADY_DOT_MAX */
#define STEADY_SLID 6
#define STEADY_DOT_MAX 0.2f
/* times the picture was seen sliding under a wide dot before it is held
 * to a blotch's limit */
#define STEADY_WIDE_SLID 2
/* a colour dot's limit grows by STEADY_BLOTCH / STEADY_COLOUR_SLID for
 * each time the picture was seen sliding under it, up to
 * STEADY_COLOUR_MAX */
#define STEADY_COLOUR_SLID 4
#define STEADY_COLOUR_MAX 0.4f

typedef struct Track {
    int state;
    int id;
    int kind;
    float x, y;              /* last position */
    int64_t last_seen;       /* frame of the last sighting */
    int64_t born;
    int64_t first;           /* its earliest sighting, followed back */
    int hits, misses_run, frames;
    float radius;            /* smoothed blob radius (blotches) */
    int wide;                /* a luma dot wider than a pixel's smear */
    float contrast;          /* smoothed response */
    float moved;             /* evidence that the scene moved under it */
    float vx, vy;            /* displacement over the last frame */
    float pvx, pvy;          /* the one before */
    float bx, by;            /* where it was born */
    int64_t vframe;          /* frame whose displacement vx, vy is */
    int good, bad;           /* smooth steps with the scene moving / jumps */
    int step_smooth;         /* this frame's step was smooth */
    int veto;                /* times the scene was seen moving along with it */
    int good_cam;            /* of good: from the camera's motion (flat surround) */
    int cam_kept;            /* of good_cam: a dot keeping to the dots' known drift */
    int pinned;              /* a luma dot confirmed on one pixel, that kept to it */
    int64_t last_hit;
    int64_t placed;          /* the last frame its regions were put on */
    float ring[RING_LAG + 1][RING_N];
    int64_t ring_frame[RING_LAG + 1];
    /* recorded positions, by frame % POS_HIST */
    float px[POS_HIST], py[POS_HIST];
    int64_t pf[POS_HIST];
    uint8_t pseen[POS_HIST];
    uint8_t pnarrow[POS_HIST]; /* a luma dot no wider than a pixel's smear when seen then */
    uint8_t pmiss[POS_HIST];
    float resp[RESP_HIST];   /* the last responses when localised, */
    float level[RESP_HIST];  /* the surround's level then, */
    int nresp;               /* how many, by nresp % RESP_HIST */
    int faint;               /* born under spawn_threshold (a flat surround) */
    float elong[RESP_HIST];  /* a blotch's axis ratio when localised, by nresp */
    int cplane, csign;       /* a colour dot: its chroma plane and sign, else 0 */
    int ringed;              /* born of a candidate that stood out of its ring only */
    int drifts;              /* kept to its class's drift until it went unseen */
    int guessed;             /* frames of this unseen run not carried by that drift */
    int mclass;              /* the class whose motion it goes with (motion_class) */
} Track;

/* The confirmed tracks fit_drift takes its witnesses from, at most */
#define DRIFT_NO   64
/* spans whose witnesses are kept at once */
#define DRIFT_MEMO 32

/* fit_drift's witnesses for one class, span and flags, in the table's
 * order (one more than it takes, to stand in for the track asking), the
 * first DRIFT_NO's displacements sorted, and the fit they give. */
typedef struct DriftList {
    int64_t a, n;
    int cls, flags;
    int nw;
    int idx[DRIFT_NO + 1];
    float ox[DRIFT_NO + 1], oy[DRIFT_NO + 1], odx[DRIFT_NO + 1], ody[DRIFT_NO + 1];
    float mx[DRIFT_NO], my[DRIFT_NO];
    int ret;
    float tx, ty, sc;
} DriftList;

/* The lists, valid while on: from where no track's state, class or
 * positions can change until it is turned off or cleared (nb = 0). */
typedef struct DriftMemo {
    int on, nb, next;
    DriftList list[DRIFT_MEMO];
} DriftMemo;

typedef struct DetectContext {
    /* options */
    int detect;
    int spot_min, spot_max;
    double sensitivity;
    int lookahead;

    int w, h, depth, shift, color, ss_x, ss_y, chroma;
    /* the half-resolution integral, (hw + 1) * (hh + 1), and its scratch:
     * one row pair's sums, three rows of responses and surrounds */
    uint32_t *hint;
    int hring, hbuilt;       /* rows in the ring, rows built this frame */
    int hw, hh, hin, hout;   /* its size, the band-pass's boxes in its pixels */
    uint16_t *pair;
    float *hband[3], *hsur[3];
    uint16_t *hflag[3];      /* which responses reach 5 levels, a bit each */
    /* a full-resolution integral patch, patch_side pixels square at most */
    uint32_t *patch;
    int patch_side;
    Cand *cands;
    int nb_cands;
    Cand *dcands;            /* the luma dots, found row by row */
    int nb_dcands, dots_next;
    Track *tracks;
    int track_end;           /* the slots from here on are all free */
    int next_id;
    int64_t last_frame;
    int inner, outer;        /* box sizes (odd) of the blotch band-pass */
    float excursion;         /* how far a defect may drift from where it was first seen */
    /* blob_shape's scratch: a disk of radius shape_r */
    float *shape_d;
    int *shape_x, *shape_y;
    int shape_r;
    int *shape_span;         /* the disk's half-width in each of its rows */
    /* closing_dimming's scratch: the square of half side close_r about a
     * blob in rows of close_cs bytes, the closing's, and the dimming */
    uint8_t *close_a, *close_b, *close_c;
    int close_h, close_r, close_cs;
    int flat_dx[32], flat_dy[32]; /* flat_threshold's two circles */
    ptrdiff_t flat_off[32];  /* their places in a plane of stride flat_stride */
    ptrdiff_t ring_off16[16]; /* stands_out's, the same way */
    ptrdiff_t flat_stride;
    int ring_dx[16], ring_dy[16]; /* stands_out's circle */
    int ring_sxx, ring_syy;       /* its sums of dx * dx and of dy * dy */
    /* occupancy, one bit per 4x4 pixels (ow_words 64-bit words a row),
     * cleared each frame: two tracks never hold one blob */
    uint64_t *occ[2];
    uint16_t *occ_id[2];     /* the track that holds each cell of occ (ow a row) */
    /* a dot cell's second track, 3 px or more from the first (held_dot
     * lets one start there): its bit and its track, as occ[1], occ_id[1] */
    uint64_t *occ2;
    uint16_t *occ2_id;
    int ow, oh, ow_words;
    struct Motion {
        int valid;
        float tx, ty, sc;
    } motion[2];             /* last frame's motion of blotches, of dots */
    /* the camera: the picture at quarter resolution (this frame and the
     * last), the picture's cumulative shift per frame, by frame % POS_HIST */
    uint8_t *quarter[2];     /* the pictures the camera is followed on */
    int qw, qh;              /* the quarter-resolution picture's size */
    int cdec, cw, ch;        /* those pictures: the quarter one decimated by cdec, their size */
    uint8_t *qscratch;       /* the quarter one, where cdec > 1 */
    int cam_dense;           /* the camera's blocks: the dense grid wanted (track_camera) */
    int64_t cam_built_dense; /* the last frame whose picture was built for it, or -1 */
    uint16_t *qrow;          /* four rows' sums */
    float camx[POS_HIST], camy[POS_HIST];
    int64_t camf[POS_HIST];
    uint8_t camok[POS_HIST];
    const SpFrame *recent[RECENT]; /* the last frames analysed, by n % RECENT */
    int64_t recent_n[RECENT];
    int back;                /* how many of them are surely still unprocessed */
    int can_compare;         /* the ring keeps LAG frames back */
    /* scene_moved_ring's scratch: the ring's samples and their places */
    int *ring_v, *ring_off;
    int ring_cap;
    /* fit_drift's witnesses, listed once per class and span while the
     * tracks they come from cannot change (drift_memo) */
    DriftMemo *memo;
    /* the live tracks seen in this frame by cells of NEAR_CELL px (a list
     * a cell through near_next, in the table's order), made for step 3,
     * where none moves: scene_moved's neighbours are looked for in the
     * cells about a track, not in the whole table */
    int *near_head, *near_next, *near_found;
    int near_w, near_h;
    float near_ro;           /* the widest disk of a track in them */
    int *confirmed;          /* the confirmed tracks' ids, sorted (detect_process) */
    /* confirmed tracks that travelled off their defect (onto a scene
     * detail, after a cut): their regions stay on the frames before they
     * left it, are taken back from the frame they left it on
     * (note_departure) */
    struct { int id; int64_t left; } departed[DEPARTED];
    int nb_departed;
} DetectContext;

static const SpOptionConst detect_kinds[] = {
    { "hot",    SP_KIND_HOT },
    { "stuck",  SP_KIND_STUCK },
    { "dead",   SP_KIND_DEAD },
    { "dark",   SP_KIND_DARK },
    { "bright", SP_KIND_BRIGHT },
    { "all",    SP_KIND_HOT | SP_KIND_STUCK | SP_KIND_DEAD | SP_KIND_DARK | SP_KIND_BRIGHT },
    { "none",   0 },
    { NULL },
};

#define OFFSET(x) offsetof(DetectContext, x)
static const SpOption detect_options[] = {
    { "detect", "kinds of defect to find by themselves", SP_OPT_FLAGS,
      OFFSET(detect), SP_KIND_HOT | SP_KIND_STUCK | SP_KIND_DEAD | SP_KIND_DARK | SP_KIND_BRIGHT,
      0, 0, 0, detect_kinds },
    { "spot-size", "blotch sizes to find, MIN:MAX pixels across", SP_OPT_RANGE,
      OFFSET(spot_min), 2, 12, 1, 64, NULL },
    { "sensitivity", "detection sensitivity: higher finds fainter defects "
      "and risks false ones", SP_OPT_FLOAT, OFFSET(sensitivity), 1.0, 0,
      0.25, 4.0, NULL },
    { NULL },
};

static int detect_init(SpFilterContext *fc)
{
    DetectContext *s = fc->priv;

    fc->enabled = s->detect != 0;
    return 0;
}

static int detect_config(SpFilterContext *fc, const SpFrame *f)
{
    DetectContext *s = fc->priv;

    s->w = f->width;
    s->h = f->height;
    s->depth = f->depth;
    s->shift = f->depth - 8;
    s->color = f->color;
    s->ss_x = f->ss_x;
    s->ss_y = f->ss_y;
    s->chroma = f->color == SP_COLOR_YUV && f->nb_planes >= 3;
    if (s->w < 16 || s->h < 16) {
        fc->enabled = 0;
        return 0;
    }
    s->hw = s->w / 2;
    s->hh = s->h / 2;
    s->pair = malloc(sizeof(*s->pair) * 2 * s->hw);
    for (int i = 0; i < 3; i++) {
        /* zeros round the columns made, which the extrema's blocks read */
        s->hband[i] = calloc(s->hw + BAND_BLOCK + 1, sizeof(float));
        s->hsur[i] = malloc(sizeof(float) * s->hw);
        s->hflag[i] = malloc(sizeof(*s->hflag[i]) * (s->hw / BAND_BLOCK + 1));
        if (!s->hband[i] || !s->hsur[i] || !s->hflag[i])
            return -ENOMEM;
    }
    s->cands = calloc(MAX_CANDS, sizeof(*s->cands));
    s->dcands = calloc(MAX_CANDS, sizeof(*s->dcands));
    s->tracks = calloc(MAX_TRACKS, sizeof(*s->tracks));
    s->qw = s->w / 4;
    s->qh = s->h / 4;
    /* the camera is followed on the quarter-resolution picture, halved
     * again past 2240 px across: its blocks then cover as much of the
     * scene as they do at 1080p (at 2560x1440 6-7 of the 24 quarter
     * ones found texture on a phone clip's floor, where 8 are asked for) */
    s->cdec = s->qw > 560 ? 2 : 1;
    s->cw = s->qw / s->cdec;
    s->ch = s->qh / s->cdec;
    /* padded for the masked reads past a block's last row */
    s->quarter[0] = calloc((size_t)s->cw * s->ch + 16, 1);
    s->quarter[1] = calloc((size_t)s->cw * s->ch + 16, 1);
    s->qscratch = s->cdec > 1 ? calloc((size_t)s->qw * s->qh + 16, 1) : NULL;
    s->qrow = malloc(sizeof(*s->qrow) * (4 * s->qw + 1));
    s->memo = calloc(1, sizeof(*s->memo));
    s->near_w = (s->w + NEAR_CELL - 1) / NEAR_CELL;
    s->near_h = (s->h + NEAR_CELL - 1) / NEAR_CELL;
    s->near_head = malloc(sizeof(int) * s->near_w * s->near_h);
    s->near_next = malloc(sizeof(int) * MAX_TRACKS);
    s->near_found = malloc(sizeof(int) * MAX_TRACKS);
    s->confirmed = malloc(sizeof(int) * MAX_TRACKS);
    if (!s->quarter[0] || !s->quarter[1] || (s->cdec > 1 && !s->qscratch) || !s->qrow ||
        !s->memo || !s->near_head ||
        !s->near_next || !s->near_found || !s->confirmed)
        return -ENOMEM;
    for (int i = 0; i < POS_HIST; i++)
        s->camf[i] = -1;
    s->cam_dense = 0;
    s->cam_built_dense = -1;
    s->ow = (s->w + 3) / 4;
    s->oh = (s->h + 3) / 4;
    s->ow_words = (s->ow + 63) / 64;
    s->occ[0] = calloc((size_t)s->ow_words * s->oh, sizeof(uint64_t));
    s->occ[1] = calloc((size_t)s->ow_words * s->oh, sizeof(uint64_t));
    s->occ_id[0] = calloc((size_t)s->ow * s->oh, sizeof(uint16_t));
    s->occ_id[1] = calloc((size_t)s->ow * s->oh, sizeof(uint16_t));
    s->occ2 = calloc((size_t)s->ow_words * s->oh, sizeof(uint64_t));
    s->occ2_id = calloc((size_t)s->ow * s->oh, sizeof(uint16_t));
    if (!s->pair || !s->cands || !s->dcands || !s->tracks || !s->occ[0] || !s->occ[1] ||
        !s->occ_id[0] || !s->occ_id[1] || !s->occ2 || !s->occ2_id)
        return -ENOMEM;
    /* inner box about a blotch's core, outer box past its soft edge */
    s->inner = (s->spot_min + s->spot_max) / 4 * 2 + 1;
    if (s->inner < 3)
        s->inner = 3;
    if (s->inner > 9)
        s->inner = 9;
    s->outer = s->spot_max * 2 + 1;
    if (s->outer < s->inner + 8)
        s->outer = s->inner + 8;
    /* the same boxes at half resolution: odd sides, about half as many */
    s->hin = (s->inner / 2) | 1;
    s->hout = (s->outer / 2) | 1;
    /* rows y - hout / 2 to y + hout / 2 + 2 are read at band-pass row y */
    s->hring = 2 * (s->hout / 2) + 4;
    s->hint = calloc((size_t)(s->hw + 1) * s->hring, sizeof(*s->hint));
    if (!s->hint)
        return -ENOMEM;
    /* a track's window (4 px each way) with the outer box round it */
    s->patch_side = 2 * 4 + s->outer + 2;
    s->patch = malloc(sizeof(*s->patch) * (s->patch_side + 1) * (s->patch_side + 1));
    if (!s->patch)
        return -ENOMEM;
    s->shape_r = s->spot_max / 2 + 2;
    /* (and the 7 floats sp_detect_disk_moments may read past the disk) */
    s->shape_d = calloc((2 * s->shape_r + 1) * (2 * s->shape_r + 1) + 7, sizeof(float));
    s->shape_x = malloc(sizeof(int) * (2 * s->shape_r + 1) * (2 * s->shape_r + 1));
    s->shape_y = malloc(sizeof(int) * (2 * s->shape_r + 1) * (2 * s->shape_r + 1));
    s->shape_span = malloc(sizeof(int) * (2 * s->shape_r + 1));
    /* the closing's square: a blob up to the inner box across fits in it */
    s->close_h = s->inner / 2 + 1;
    s->close_r = s->shape_r + CLOSE_SEEK + 2 * s->close_h;
    /* (every byte set: the vector passes read past the rows' ends) */
    s->close_cs = (2 * s->close_r + 1 + 31 + 31) & ~31;
    s->close_a = calloc((size_t)s->close_cs * (2 * s->close_r + 1), 1);
    s->close_b = calloc((size_t)s->close_cs * (2 * s->close_r + 1), 1);
    s->close_c = calloc((size_t)s->close_cs * (2 * s->close_r + 1), 1);
    if (!s->close_a || !s->close_b || !s->close_c)
        return -ENOMEM;
    if (!s->shape_d || !s->shape_x || !s->shape_y || !s->shape_span)
        return -ENOMEM;
    for (int j = -s->shape_r; j <= s->shape_r; j++) {
        int i = 0;
        while ((i + 1) * (i + 1) + j * j <= s->shape_r * s->shape_r)
            i++;
        s->shape_span[j + s->shape_r] = i;
    }
    {
        /* the widest ring scene_moved looks at, on its finest grid */
        int r1 = (int)((s->shape_r + 1) * 1.5f) + 3 + 44;
        s->ring_cap = (r1 + 1) * (r1 + 1);
        s->ring_v = malloc(sizeof(int) * s->ring_cap);
        s->ring_off = malloc(sizeof(int) * s->ring_cap);
        if (!s->ring_v || !s->ring_off)
            return -ENOMEM;
    }
    for (int c = 0; c < 2; c++)
        for (int k = 0; k < 16; k++) {
            float a = (float)k * 6.2831853f / 16 + c * 0.19635f, rr = (float)(s->outer / 2 - 2 * c);
            s->flat_dx[c * 16 + k] = (int)sp_detect_lrint(rr * cosf(a));
            s->flat_dy[c * 16 + k] = (int)sp_detect_lrint(rr * sinf(a));
        }
    for (int k = 0; k < 16; k++) {
        float a = (float)k * 6.2831853f / 16, rr = (float)(s->inner / 2 + 2);
        s->ring_dx[k] = (int)sp_detect_lrint(rr * cosf(a));
        s->ring_dy[k] = (int)sp_detect_lrint(rr * sinf(a));
    }
    s->ring_sxx = s->ring_syy = 0;
    for (int k = 0; k < 16; k++) {
        s->ring_sxx += s->ring_dx[k] * s->ring_dx[k];
        s->ring_syy += s->ring_dy[k] * s->ring_dy[k];
    }
    s->last_frame = -1;
    s->excursion = 8.0f + 0.025f * (s->w > s->h ? s->w : s->h);
    /* as far ahead as the ring of pictures reaches: a track confirmed
     * late (a blotch on a flat surround, where nothing slides under its
     * ring until the camera moves) is carried back and backfilled into
     * the frames still held, so the longer the wait the fewer first
     * frames go unrepaired */
    fc->want_lookahead = RECENT - 1;
    for (int i = 0; i < RECENT; i++)
        s->recent_n[i] = -1;
    /* frames stay in the ring until lookahead newer ones have come */
    s->can_compare = !fc->settings->lookahead || fc->settings->lookahead >= LAG;
    /* frames stay unprocessed, so alive, for the ring's lookahead: ours
     * (the ring takes the largest asked for) or the one set */
    s->back = fc->settings->lookahead ? fc->settings->lookahead : fc->want_lookahead;
    if (s->back > RECENT - 1)
        s->back = RECENT - 1;
    if (!s->can_compare)
        sp_log(fc->log, SP_LOG_WARNING, "a lookahead under %d frames leaves "
               "the detector no evidence: nothing will be found\n", LAG);
    return 0;
}

/* Luma (or green) sample at 8-bit scale. */
static inline int luma(const SpFrame *f, int shift, int x, int y)
{
    return sp_get(f, 0, x, y) >> shift;
}

/*
 * Box sums. The blotch search runs over the whole frame at half resolution:
 * an integral image of the 2x2 sums of luma (a quarter of the pixels, so a
 * quarter of the serial prefix sums), built row pair by row pair from the
 * two rows' vertical sums. Everything that looks at one place at full
 * resolution (a track's window, a blob's surround) builds a small integral
 * patch over that place alone from the pixels, in any frame still held.
 */
typedef struct Patch {
    const uint32_t *I;   /* (x1 - x0 + 1) columns, (y1 - y0 + 1) rows */
    int x0, y0, x1, y1;  /* the frame rectangle it covers */
} Patch;

#define SUM_BLOCK 16

/* Vertical sums of five rows, SUM_BLOCK at once (vectorised). */
static void quint_block(uint16_t *restrict o, const uint8_t *restrict a,
                        const uint8_t *restrict b, const uint8_t *restrict c,
                        const uint8_t *restrict d, const uint8_t *restrict e)
{
    for (int k = 0; k < SUM_BLOCK; k++)
        o[k] = (uint16_t)(a[k] + b[k] + c[k] + d[k] + e[k]);
}

/* Row r of the half-resolution integral, in its ring. */
static inline uint32_t *half_row(const DetectContext *s, int r)
{
    return s->hint + (size_t)(r % s->hring) * (s->hw + 1);
}

static void dots_luma_row(DetectContext *s, const SpFrame *f, int y);

/* The half-resolution integral, rows 1 to r, built on from the last row
 * made; the ring keeps the last hring rows, all a band-pass row and the
 * row ahead of it read. */
static void half_integral_upto(DetectContext *s, const SpFrame *f, int r)
{
    uint16_t *pair = s->pair;
    int x, n2 = 2 * s->hw;

    for (; s->hbuilt < r && s->hbuilt < s->hh; s->hbuilt++) {
        int j = s->hbuilt, i;
        uint32_t *row = half_row(s, j + 1);
        const uint32_t *up = half_row(s, j);
        uint32_t acc = 0;
        if (f->depth == 8) {
            const uint8_t *r0 = f->data[0] + (ptrdiff_t)(2 * j) * f->stride[0];
            sp_detect_half_row(row, up, r0, r0 + f->stride[0], s->hw);
        } else {
            const uint16_t *r0 = (const uint16_t *)(f->data[0] + (ptrdiff_t)(2 * j) * f->stride[0]);
            const uint16_t *r1 = (const uint16_t *)((const uint8_t *)r0 + f->stride[0]);
            for (x = 0; x < n2; x++)
                pair[x] = (uint16_t)((r0[x] >> s->shift) + (r1[x] >> s->shift));
            row[0] = 0;
            for (i = 0; i < s->hw; i++) {
                acc += pair[2 * i] + pair[2 * i + 1];
                row[i + 1] = up[i + 1] + acc;
            }
        }
        /* the two rows are at hand: their pixel-defect scan too */
        dots_luma_row(s, f, 2 * j);
        dots_luma_row(s, f, 2 * j + 1);
    }
}

static void half_integral_begin(DetectContext *s)
{
    memset(half_row(s, 0), 0, sizeof(*s->hint) * (s->hw + 1));
    s->hbuilt = 0;
    s->dots_next = 0;
    s->nb_dcands = 0;
}

/* An integral patch over the frame rectangle [x0, x1) x [y0, y1), clipped
 * to the frame and to the scratch the context holds for it. */
static void patch_build(const DetectContext *s, const SpFrame *f, Patch *p,
                        int x0, int y0, int x1, int y1)
{
    uint32_t *I = s->patch;
    int x, y, W;

    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > s->w ? s->w : x1;
    y1 = y1 > s->h ? s->h : y1;
    if (x1 - x0 > s->patch_side)
        x1 = x0 + s->patch_side;
    if (y1 - y0 > s->patch_side)
        y1 = y0 + s->patch_side;
    if (x1 < x0)
        x1 = x0;
    if (y1 < y0)
        y1 = y0;
    W = x1 - x0 + 1;
    p->I = I;
    p->x0 = x0;
    p->y0 = y0;
    p->x1 = x1;
    p->y1 = y1;
    memset(I, 0, sizeof(*I) * W);
    for (y = y0; y < y1; y++) {
        uint32_t *row = I + (size_t)(y - y0 + 1) * W;
        const uint32_t *up = row - W;
        uint32_t acc = 0;
        row[0] = 0;
        if (f->depth == 8) {
            const uint8_t *src = f->data[0] + (ptrdiff_t)y * f->stride[0] + x0;
            /* the rows a few on (a patch is two cache lines wide at most) */
            if (y + 3 < y1) {
                sp_detect_prefetch(src + 3 * f->stride[0]);
                sp_detect_prefetch(src + 3 * f->stride[0] + x1 - x0 - 1);
            }
            sp_detect_integral_row(row, up, src, x1 - x0);
        } else {
            const uint16_t *src = (const uint16_t *)(f->data[0] + (ptrdiff_t)y * f->stride[0]) + x0;
            for (x = 0; x < x1 - x0; x++) {
                acc += src[x] >> s->shift;
                row[x + 1] = up[x + 1] + acc;
            }
        }
    }
}

/* Mean of the box of side `size` centred on (x, y), clipped to the frame
 * (and to the patch, which callers make cover it). */
static inline float box_mean(const Patch *p, int x, int y, int size)
{
    size_t W = (size_t)(p->x1 - p->x0) + 1;
    int r = size / 2;
    int x0 = x - r, y0 = y - r, x1 = x + r + 1, y1 = y + r + 1;

    if (x0 < p->x0) x0 = p->x0;
    if (y0 < p->y0) y0 = p->y0;
    if (x1 > p->x1) x1 = p->x1;
    if (y1 > p->y1) y1 = p->y1;
    if (x1 <= x0 || y1 <= y0)
        return 0;
    x0 -= p->x0;
    x1 -= p->x0;
    y0 -= p->y0;
    y1 -= p->y0;
    return (float)(p->I[y1 * W + x1] - p->I[y0 * W + x1] -
                   p->I[y1 * W + x0] + p->I[y0 * W + x0]) /
           (float)((x1 - x0) * (y1 - y0));
}

/* Whether (x, y) lies d px or more inside the frame. */
static inline int inside(const DetectContext *s, int x, int y, int d)
{
    return x >= d && y >= d && x < s->w - d && y < s->h - d;
}

/* Band-pass response at (x, y): the core against its surround. */
static inline float band(const DetectContext *s, const Patch *p, int x, int y, int inner)
{
    return box_mean(p, x, y, inner) - box_mean(p, x, y, s->outer);
}

static float spawn_threshold(const DetectContext *s, float surround)
{
    float t = 8.0f + 0.08f * surround;
    return t / (float)s->sensitivity;
}

/*
 * The threshold where the surround is flat. The fixed part of
 * spawn_threshold stands for the texture a blob must stand out of; on a
 * flat surround (a wall, the sky, a dark area, where dust shows best) a
 * faint shadow stands out of far less: a dust shadow dimming a dark area
 * by half gives a band-pass of 10-14 levels against a threshold of 13.
 * There the threshold follows the surround's own texture: the mean
 * absolute deviation of 32 samples on two circles past the outer box's
 * half width, where a blotch's soft edge has ended, times 4, plus 3.
 * A surround that is not flat gets the usual threshold.
 */
static float flat_threshold(const DetectContext *s, const SpFrame *f, int x, int y)
{
    float v[32], mean = 0, dev = 0;
    int n = 0, k, m = s->outer / 2;

    if (f->depth == 8 && x >= m && y >= m && x < s->w - m && y < s->h - m) {
        /* all inside an 8-bit frame: read in place, in integers. The float
         * sums below are exact there (the mean of 32 a multiple of 1/32, the
         * deviations' sum one below 2^18), so this is the same value: the
         * mean absolute deviation is sum |32 v - S| / 1024 */
        const uint8_t *p = f->data[0] + (ptrdiff_t)y * f->stride[0] + x;
        ptrdiff_t off[32];
        const ptrdiff_t *o = s->flat_off;
        int dsum;
        if (f->stride[0] != s->flat_stride) {
            for (k = 0; k < 32; k++)
                off[k] = (ptrdiff_t)s->flat_dy[k] * f->stride[0] + s->flat_dx[k];
            o = off;
        }
        dsum = sp_detect_dev32(p, o);
        return (3.0f + 4.0f * ((float)dsum / 1024.0f)) / (float)s->sensitivity;
    }
    for (k = 0; k < 32; k++) {
        int px = x + s->flat_dx[k], py = y + s->flat_dy[k];
        if (px < 0 || py < 0 || px >= s->w || py >= s->h)
            continue;
        v[n] = (float)luma(f, s->shift, px, py);
        mean += v[n++];
    }
    if (n < 16)
        return 1e30f;
    mean /= n;
    for (k = 0; k < n; k++)
        dev += fabsf(v[k] - mean);
    dev /= n;
    return (3.0f + 4.0f * dev) / (float)s->sensitivity;
}

/*
 * Whether v < scale * flat_threshold(s, f, x, y), from a bound first: the
 * deviations' sum of flat_threshold has a floor in the differences of the
 * outer circle's opposite samples (sp_detect_dev32_floor), and the
 * threshold's arithmetic rounds monotonically at every step, so a floor
 * that already puts v under it decides; where it does not (a flat
 * surround), all 32 samples are read. Most places with a response are
 * textured: the floor decides there from 16 samples.
 */
static int under_flat_threshold(const DetectContext *s, const SpFrame *f, int x, int y,
                                float v, float scale)
{
    int m = s->outer / 2;

    if (f->depth == 8 && f->stride[0] == s->flat_stride && x >= m && y >= m &&
        x < s->w - m && y < s->h - m) {
        int lb = sp_detect_dev32_floor(f->data[0] + (ptrdiff_t)y * f->stride[0] + x,
                                       s->flat_off);
        if (v < scale * ((3.0f + 4.0f * ((float)lb / 1024.0f)) / (float)s->sensitivity))
            return 1;
    }
    return v < scale * flat_threshold(s, f, x, y);
}

static void add_cand_to(Cand *list, int *nb, float x, float y, float resp,
                        float radius, float level, int kind)
{
    Cand *c;

    if (*nb >= MAX_CANDS)
        return;
    c = &list[(*nb)++];
    c->x = x;
    c->y = y;
    c->resp = resp;
    c->radius = radius;
    c->level = level;
    c->kind = kind;
    c->plane = 0;
    c->ringed = 0;
    c->sloped = 0;
    c->used = 0;
}

static void add_cand(DetectContext *s, float x, float y, float resp,
                     float radius, float level, int kind)
{
    add_cand_to(s->cands, &s->nb_cands, x, y, resp, radius, level, kind);
}

/*
 * Weighted centre and extent of a blob around (x, y): the pixels darker
 * (sign -1) or brighter (+1) than the surround mean, within radius rmax.
 * Returns the dimming radius: sqrt(area / pi) of the pixels past half the
 * peak depth.
 */
static float blob_shape(const DetectContext *s, const SpFrame *f, int x, int y,
                        int sign, int rmax, float surround, float *cx, float *cy,
                        float *depth)
{
    float *d = s->shape_d;
    float peak = 0, sw = 0, sx = 0, sy = 0;
    int *px = s->shape_x, *py = s->shape_y, n = 0, area = 0, i, j;

    if (rmax > s->shape_r)
        rmax = s->shape_r;
    /* the dimming of every pixel of the disk, once; row by row over the
     * disk's spans where it lies inside an 8-bit frame, in the same order */
    if (rmax == s->shape_r && f->depth == 8 && x >= rmax && y >= rmax &&
        x < s->w - rmax && y < s->h - rmax) {
        /* (vector code) */
        peak = sp_detect_disk_dim(f->data[0] + (ptrdiff_t)y * f->stride[0] + x, f->stride[0],
                                  s->shape_span, rmax, (float)sign, surround, d);
        /* the pixels past half the peak, in the same order */
        sp_detect_disk_sums(d, s->shape_span, rmax, 0.5f * peak, x, y, &area, &sw, &sx, &sy);
        n = 0;
    } else
    for (j = -rmax; j <= rmax; j++)
        for (i = -rmax; i <= rmax; i++) {
            int qx = x + i, qy = y + j;
            if (qx < 0 || qy < 0 || qx >= s->w || qy >= s->h || i * i + j * j > rmax * rmax)
                continue;
            d[n] = sign * (luma(f, s->shift, qx, qy) - surround);
            px[n] = qx;
            py[n] = qy;
            if (d[n] > peak)
                peak = d[n];
            n++;
        }
    for (i = 0; i < n; i++) {
        if (d[i] <= 0.5f * peak)
            continue;
        area++;
        sw += d[i];
        sx += d[i] * px[i];
        sy += d[i] * py[i];
    }
    *cx = sw > 0 ? sx / sw : (float)x;
    *cy = sw > 0 ? sy / sw : (float)y;
    *depth = peak;
    return sqrtf((float)area / 3.14159f);
}

/*
 * A blotch is compact and roundish: darker (or brighter) than its surround
 * in every direction. Eight samples on a circle past its edge must all
 * stand above the centre by a good part of its depth; an edge or a line,
 * whose one side is as dark as the centre, fails (seed 002 found that
 * edges were what fooled its selection). Near an edge the samples past
 * it are left out (five must remain).
 */
static int roundish(const DetectContext *s, const SpFrame *f, float cx, float cy,
                    int sign, float radius, float depth)
{
    static const float dirs[8][2] = {
        { 1, 0 }, { 0.7071f, 0.7071f }, { 0, 1 }, { -0.7071f, 0.7071f },
        { -1, 0 }, { -0.7071f, -0.7071f }, { 0, -1 }, { 0.7071f, -0.7071f },
    };
    int x0 = (int)sp_detect_lrint(cx), y0 = (int)sp_detect_lrint(cy), k, in = 0;
    float rr = radius * 2.0f + 2.0f, c;

    if (x0 < 0 || y0 < 0 || x0 >= s->w || y0 >= s->h)
        return 0;
    c = (float)luma(f, s->shift, x0, y0);
    for (k = 0; k < 8; k++) {
        int px = (int)sp_detect_lrint(cx + rr * dirs[k][0]), py = (int)sp_detect_lrint(cy + rr * dirs[k][1]);
        float v;
        if (px < 0 || py < 0 || px >= s->w || py >= s->h)
            continue;
        v = (float)luma(f, s->shift, px, py);
        if (sign * (c - v) < 0.35f * depth)
            return 0;
        in++;
    }
    /* near an edge: the samples inside the frame, five at the least */
    return in >= 5;
}

static inline float half_box_mean(const DetectContext *s, int x, int y, int size);

/* The band-pass where its boxes reach past the frame (half-resolution
 * columns [xs, xe) of row y): each box clipped to the frame, its mean
 * over what is left of it. */
static void band_clipped(const DetectContext *s, int y, int xs, int xe, float *band_out,
                         float *sur_out)
{
    /* half_box_mean's values, each box's rows clipped once for the row */
    int ro = s->hout / 2, ri = s->hin / 2;
    int oy0 = y - ro > 0 ? y - ro : 0, oy1 = y + ro + 1 < s->hh ? y + ro + 1 : s->hh;
    int iy0 = y - ri > 0 ? y - ri : 0, iy1 = y + ri + 1 < s->hh ? y + ri + 1 : s->hh;
    const uint32_t *oa = oy1 > oy0 ? half_row(s, oy0) : NULL, *ob = oa ? half_row(s, oy1) : NULL;
    const uint32_t *ia = iy1 > iy0 ? half_row(s, iy0) : NULL, *ib = ia ? half_row(s, iy1) : NULL;

    for (int x = xs; x < xe; x++) {
        int x0 = x - ro > 0 ? x - ro : 0, x1 = x + ro + 1 < s->hw ? x + ro + 1 : s->hw;
        float sur = 0, in = 0;
        if (oa && x1 > x0)
            sur = (float)(ob[x1] - oa[x1] - ob[x0] + oa[x0]) / (float)(4 * (x1 - x0) * (oy1 - oy0));
        x0 = x - ri > 0 ? x - ri : 0;
        x1 = x + ri + 1 < s->hw ? x + ri + 1 : s->hw;
        if (ia && x1 > x0)
            in = (float)(ib[x1] - ia[x1] - ib[x0] + ia[x0]) / (float)(4 * (x1 - x0) * (iy1 - iy0));
        sur_out[x] = sur;
        band_out[x] = in - sur;
    }
}

/*
 * A first look at a blob in an 8-bit frame, clear of its edges, before
 * blob_shape: its radius and depth as blob_shape gives them (the same
 * count and peak), and bounds of the centre blob_shape would give, from
 * sums in another order (sp_detect_disk_moments: a few vector lanes,
 * where blob_shape adds its terms one by one in order, the part that
 * costs): both are within gamma of the true sums, so that centre lies in
 * [cxr[0], cxr[1]] x [cyr[0], cyr[1]]. Returns 0 where blob_shape goes
 * the slow way (nothing is known then).
 */
static int blob_bounds(const DetectContext *s, const SpFrame *f, int x, int y, int sign,
                       float surround, float *rad, float *depth, float cxr[2], float cyr[2])
{
    int r = s->shape_r, area;
    float peak, w, wx, wy;
    double k, g;

    if (f->depth != 8 || x < r || y < r || x >= s->w - r || y >= s->h - r)
        return 0;
    if (x + 32 <= s->w) {
        /* (the vector code reads 32 bytes from each row's start) */
        peak = sp_detect_disk_look(f->data[0] + (ptrdiff_t)y * f->stride[0] + x, f->stride[0],
                                   s->shape_span, r, (float)sign, surround, x, y, &area, &w,
                                   &wx, &wy);
    } else {
        peak = sp_detect_disk_dim(f->data[0] + (ptrdiff_t)y * f->stride[0] + x, f->stride[0],
                                  s->shape_span, r, (float)sign, surround, s->shape_d);
        sp_detect_disk_moments(s->shape_d, s->shape_span, r, 0.5f * peak, x, y, &area, &w, &wx,
                               &wy);
    }
    *depth = peak;
    *rad = sqrtf((float)area / 3.14159f);
    if (area == 0 || !(w > 0)) {
        cxr[0] = cxr[1] = (float)x;
        cyr[0] = cyr[1] = (float)y;
        return area == 0;
    }
    /* each sum's two values within 1 +- g of each other, the quotient's
     * rounding and the double arithmetic's too, with room to spare */
    k = 2.0 * area + 2 * r + 8;
    g = 1.01 * k * 0x1p-24 / (1.0 - k * 0x1p-24) + 0x1p-24 + 1e-12;
    cxr[0] = sp_detect_next_float((float)((double)wx * (1 - g) / ((double)w * (1 + g))), 0);
    cxr[1] = sp_detect_next_float((float)((double)wx * (1 + g) / ((double)w * (1 - g))), 1);
    cyr[0] = sp_detect_next_float((float)((double)wy * (1 - g) / ((double)w * (1 + g))), 0);
    cyr[1] = sp_detect_next_float((float)((double)wy * (1 + g) / ((double)w * (1 - g))), 1);
    return 1;
}

/*
 * roundish() of a blob whose centre is only known to lie in
 * [cxr[0], cxr[1]] x [cyr[0], cyr[1]] (blob_bounds): 0 when it is not
 * roundish wherever the centre lies in there (one of the eight samples
 * fails at every place its rounding and the centre's may give; a place
 * out of the frame never fails, roundish() leaving it out), 1 when that
 * is not sure.
 */
static int maybe_roundish(const DetectContext *s, const SpFrame *f, const float cxr[2],
                          const float cyr[2], int sign, float radius, float depth)
{
    static const float dirs[8][2] = {
        { 1, 0 }, { 0.7071f, 0.7071f }, { 0, 1 }, { -0.7071f, 0.7071f },
        { -1, 0 }, { -0.7071f, -0.7071f }, { 0, -1 }, { 0.7071f, -0.7071f },
    };
    int x0[2] = { (int)sp_detect_lrint(cxr[0]), (int)sp_detect_lrint(cxr[1]) };
    int y0[2] = { (int)sp_detect_lrint(cyr[0]), (int)sp_detect_lrint(cyr[1]) }, k, a, b, p, q;
    float rr = radius * 2.0f + 2.0f;

    if (x0[1] - x0[0] > 1 || y0[1] - y0[0] > 1)
        return 1;
    for (k = 0; k < 8; k++) {
        /* (the rounding is monotonic: the places lie between those of the bounds) */
        int px[2] = { (int)sp_detect_lrint(cxr[0] + rr * dirs[k][0]), (int)sp_detect_lrint(cxr[1] + rr * dirs[k][0]) };
        int py[2] = { (int)sp_detect_lrint(cyr[0] + rr * dirs[k][1]), (int)sp_detect_lrint(cyr[1] + rr * dirs[k][1]) };
        int fails = 1;
        if (px[1] - px[0] > 1 || py[1] - py[0] > 1)
            continue;
        for (a = x0[0]; a <= x0[1] && fails; a++)
            for (b = y0[0]; b <= y0[1] && fails; b++) {
                float c;
                if (a < 0 || b < 0 || a >= s->w || b >= s->h)
                    continue;
                c = (float)luma(f, s->shift, a, b);
                for (p = px[0]; p <= px[1] && fails; p++)
                    for (q = py[0]; q <= py[1] && fails; q++)
                        if (p < 0 || q < 0 || p >= s->w || q >= s->h ||
                            !(sign * (c - (float)luma(f, s->shift, p, q)) < 0.35f * depth))
                            fails = 0;
            }
        if (fails)
            return 0;
    }
    return 1;
}

/*
 * One row of the half-resolution band-pass: for every half-resolution
 * column x in [xs, xe), the surround mean and the core mean minus it, in
 * 8-bit levels; flags[b] has a bit for each of block b's BAND_BLOCK
 * columns from xs, set where the response reaches the 5 levels any
 * threshold asks for (sp_detect_band_row, vector code). Near the top and
 * the bottom the boxes' rows are clipped to the frame (the means over the
 * rows left); the columns from BORDER_H to xs and from xe to BORDER_H
 * before the edge get the clipped boxes' response (band_clipped).
 */
static void band_row(DetectContext *s, const SpFrame *f, int y, int xs, int xe,
                     float *band_out, float *sur_out, uint16_t *flags)
{
    int ri = s->hin / 2, ro = s->hout / 2;
    int i0 = y - ri < 0 ? 0 : y - ri, i1 = y + ri + 1 > s->hh ? s->hh : y + ri + 1;
    int o0 = y - ro < 0 ? 0 : y - ro, o1 = y + ro + 1 > s->hh ? s->hh : y + ro + 1;
    DetectBoxRows b;

    half_integral_upto(s, f, y + ro + 1);
    b.i[0] = half_row(s, i0) - ri;
    b.i[1] = half_row(s, i1) + ri + 1;
    b.i[2] = half_row(s, i0) + ri + 1;
    b.i[3] = half_row(s, i1) - ri;
    b.o[0] = half_row(s, o0) - ro;
    b.o[1] = half_row(s, o1) + ro + 1;
    b.o[2] = half_row(s, o0) + ro + 1;
    b.o[3] = half_row(s, o1) - ro;
    sp_detect_band_row(&b, xs, xe, 1.0f / (4 * s->hin * (i1 - i0)),
                       1.0f / (4 * s->hout * (o1 - o0)), band_out, sur_out, flags);
    band_clipped(s, y, BORDER_H - 1, xs, band_out, sur_out);
    band_clipped(s, y, xe, s->hw - BORDER_H + 1, band_out, sur_out);
}

static int held(const DetectContext *s, int cls, float x, float y, int64_t n);

/*
 * A half-resolution extremum, measured at full resolution: the band-pass
 * with the full-resolution boxes on the 2-pixel grid about it (the 3x3
 * points from (x - 2, y - 2) to (x + 2, y + 2)), from an integral patch of
 * that place alone; the strongest point is the candidate if it passes the
 * spawn threshold and no point of the grid there beats it.
 */
static inline float half_box_mean(const DetectContext *s, int x, int y, int size)
{
    int r = size / 2, hx = x >> 1, hy = y >> 1;
    int x0 = hx - r, y0 = hy - r, x1 = hx + r + 1, y1 = hy + r + 1;

    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > s->hw) x1 = s->hw;
    if (y1 > s->hh) y1 = s->hh;
    if (x1 <= x0 || y1 <= y0)
        return 0;
    {
        const uint32_t *a = half_row(s, y0), *b = half_row(s, y1);
        return (float)(b[x1] - a[x1] - b[x0] + a[x0]) / (float)(4 * (x1 - x0) * (y1 - y0));
    }
}

static float blob_shape(const DetectContext *s, const SpFrame *f, int x, int y,
                        int sign, int rmax, float surround, float *cx, float *cy,
                        float *depth);
static int roundish(const DetectContext *s, const SpFrame *f, float cx, float cy,
                    int sign, float radius, float depth);

/*
 * Whether the blob at (x, y) stands out of its own ring: the mean of its
 * 3x3 core against the median of 16 samples on a circle just past a
 * blotch's soft edge (the inner box's half side plus 2 px), by the usual
 * threshold at that level (out of a flat ring, by the ring's own texture),
 * with 15 of the 16 clear of the core by half
 * that (a line crossing the circle leaves two or more that are not). The band-pass's outer box takes in whatever lies within 12 px
 * (a dark strip beside a blotch on wood pulled its response from about
 * 30 to 7); the median of a close ring does not. Returns the ring's
 * median, or -1.
 */
static float stands_out(const DetectContext *s, const SpFrame *f, int x, int y, int sign)
{
    float v[16], core, med, d, rr = (float)(s->inner / 2 + 2);
    int i, j, k, clear = 0, m7, m8, sum = 0;
    uint8_t iv[16];
    /* an 8-bit frame of the usual stride: read in place, at the circle's
     * places made once */
    const uint8_t *p8 = f->depth == 8 && f->stride[0] == s->flat_stride
                      ? f->data[0] + (ptrdiff_t)y * f->stride[0] + x : NULL;
#define RING_AT(k) (p8 ? p8[s->ring_off16[k]] : luma(f, s->shift, x + s->ring_dx[k], y + s->ring_dy[k]))

    if (x < rr + 1 || y < rr + 1 || x >= s->w - rr - 1 || y >= s->h - rr - 1)
        return -1;
    /* (the sums of the samples here and below are those of the floats
     * they were: whole numbers far under 2^24 add exactly) */
    for (j = -1; j <= 1; j++)
        for (i = -1; i <= 1; i++)
            sum += p8 ? p8[(ptrdiff_t)j * f->stride[0] + i] : luma(f, s->shift, x + i, y + j);
    core = (float)sum / 9;
    /* a sample clear of the core is so by half the least threshold: two
     * of the four on the axes that are not leave too few */
    for (k = 0; k < 16; k += 4)
        clear += sign * (core - RING_AT(k)) < 4.0f / (float)s->sensitivity;
    if (clear >= 2)
        return -1;
    clear = 0;
    for (k = 0; k < 16; k++) {
        iv[k] = (uint8_t)RING_AT(k); /* 8-bit scale */
        v[k] = (float)iv[k];
    }
#undef RING_AT
    /* the median: the 8th and 9th smallest (by their ranks, vector code) */
    sp_detect_mid16(iv, &m7, &m8);
    med = 0.5f * ((float)m7 + (float)m8);
    d = sign * (core - med);
    if (d < spawn_threshold(s, med)) {
        /* under the usual threshold: only out of a flat ring, by its own
         * texture as flat_threshold has it (3 levels and 4 times the mean
         * absolute deviation), the ring's slope taken off (a shading or a
         * vignette's gradient is no texture): the deviation from the plane
         * fitted to the ring (its mean and slopes, the circle's samples
         * being symmetric) */
        float mean, gx, gy, dev = 0;
        int sv = 0, sx = 0, sy = 0;
        for (k = 0; k < 16; k++) {
            sv += iv[k];
            sx += iv[k] * s->ring_dx[k];
            sy += iv[k] * s->ring_dy[k];
        }
        mean = (float)sv / 16;
        gx = (float)sx / (float)s->ring_sxx;
        gy = (float)sy / (float)s->ring_syy;
        for (k = 0; k < 16; k++)
            dev += fabsf(v[k] - mean - gx * (float)s->ring_dx[k] - gy * (float)s->ring_dy[k]);
        if (d < (3.0f + 4.0f * dev / 16) / (float)s->sensitivity)
            return -1;
    }
    for (k = 0; k < 16; k++)
        clear += sign * (core - v[k]) >= 0.5f * d;
    return clear >= 15 ? med : -1;
}

/*
 * The shape of the dimming d over shape_span's disk of radius shape_r
 * (rows of side 2 * shape_r + 1, the disk's centre in the middle), peak
 * its greatest: the pixels past half the peak give the radius (that of a
 * disk of their area) and the weighted centre (*ox, *oy about the disk's
 * centre), and must be round: their second moments about their mean
 * within 2.25 of each other along any two axes (an axis ratio of 1.5; a
 * stroke or a dash of a letter is longer). Returns the radius, or 0.
 */
static float half_peak_shape(const DetectContext *s, const float *d, float peak, float *ox,
                             float *oy)
{
    int r = s->shape_r, side = 2 * r + 1, i, j, area = 0;
    float sw = 0, sx = 0, sy = 0, ux = 0, uy = 0, mxx = 0, myy = 0, mxy = 0;

    for (j = -r; j <= r; j++)
        for (i = -s->shape_span[j + r]; i <= s->shape_span[j + r]; i++) {
            float v = d[(j + r) * side + i + r];
            if (v <= 0.5f * peak)
                continue;
            area++;
            sw += v;
            sx += v * (float)i;
            sy += v * (float)j;
            ux += (float)i;
            uy += (float)j;
            mxx += (float)(i * i);
            myy += (float)(j * j);
            mxy += (float)(i * j);
        }
    if (!area || !(sw > 0))
        return 0;
    ux /= area;
    uy /= area;
    mxx = mxx / area - ux * ux;
    myy = myy / area - uy * uy;
    mxy = mxy / area - ux * uy;
    {
        float tr = mxx + myy, q = sqrtf(fmaxf(tr * tr / 4 - (mxx * myy - mxy * mxy), 0));
        if (tr / 2 + q > 2.25f * (tr / 2 - q) + 0.25f)
            return 0;
    }
    *ox = sx / sw;
    *oy = sy / sw;
    return sqrtf((float)area / 3.14159f);
}

/*
 * A blob's shape where its surround slopes (the soft side of an edge, a
 * shading, a fold), which one level for the surround splits: the dark
 * side of the slope joins a dark blob's half-depth pixels (too wide, not
 * round). Here the dimming of each pixel of blob_shape's disk is taken
 * against the plane fitted to the close ring of stands_out (its mean and
 * slopes), once the blob stands out of that plane as stands_out asks of
 * its ring; the pixels past half the peak give the radius and the
 * weighted centre as blob_shape does, and must be round. *level is the
 * plane's level at (x, y). Returns the radius, or 0.
 */
static float shape_on_plane(const DetectContext *s, const SpFrame *f, int x, int y, int sign,
                            float *cx, float *cy, float *depth, float *level)
{
    int r = s->shape_r, side = 2 * r + 1, i, j, k, clear = 0;
    int rv = 0, rx = 0, ry = 0, cv = 0;
    float mean, gx, gy, peak = 0, rad, ox, oy, core, dev = 0, res[16], *d = s->shape_d;

    /* an 8-bit frame of the usual stride: read in place */
    const uint8_t *p8 = f->depth == 8 && f->stride[0] == s->flat_stride
                      ? f->data[0] + (ptrdiff_t)y * f->stride[0] + x : NULL;
#define AT(i, j) (p8 ? (float)p8[(ptrdiff_t)(j) * f->stride[0] + (i)] \
                     : (float)luma(f, s->shift, x + (i), y + (j)))

    if (x < r || y < r || x >= s->w - r || y >= s->h - r)
        return 0;
    /* the ring's and the core's sums in integers: those of the floats
     * they were (whole numbers far under 2^24 add exactly) */
    for (k = 0; k < 16; k++) {
        int v = p8 ? p8[s->ring_off16[k]] : luma(f, s->shift, x + s->ring_dx[k], y + s->ring_dy[k]);
        res[k] = (float)v;
        rv += v;
        rx += v * s->ring_dx[k];
        ry += v * s->ring_dy[k];
    }
    mean = (float)rv / 16;
    gx = (float)rx / (float)s->ring_sxx;
    gy = (float)ry / (float)s->ring_syy;
    /* standing out of the plane: the 3x3 core by the ring's own texture
     * off the plane (3 levels and 4 times its mean absolute deviation),
     * 15 of the 16 samples clear of it by half that (a line crossing the
     * ring leaves two or more that are not) */
    for (j = -1; j <= 1; j++)
        for (i = -1; i <= 1; i++)
            cv += p8 ? p8[(ptrdiff_t)j * f->stride[0] + i] : luma(f, s->shift, x + i, y + j);
    core = sign * ((float)cv / 9 - mean);
    if (core < 3.0f / (float)s->sensitivity)
        return 0; /* (under the least threshold it may ask for) */
    for (k = 0; k < 16; k++) {
        res[k] = sign * (res[k] - mean - gx * (float)s->ring_dx[k] - gy * (float)s->ring_dy[k]);
        dev += fabsf(res[k]);
    }
    if (core < (3.0f + 4.0f * dev / 16) / (float)s->sensitivity)
        return 0;
    for (k = 0; k < 16; k++)
        clear += core - res[k] >= 0.5f * core;
    if (clear < 15)
        return 0;
    for (j = -r; j <= r; j++)
        for (i = -s->shape_span[j + r]; i <= s->shape_span[j + r]; i++) {
            float v = sign * (AT(i, j) - mean - gx * i - gy * j);
            d[(j + r) * side + i + r] = v;
            if (v > peak)
                peak = v;
        }
    if (!((rad = half_peak_shape(s, d, peak, &ox, &oy)) > 0))
        return 0;
    *cx = (float)x + ox;
    *cy = (float)y + oy;
    *depth = peak;
    *level = mean;
    return rad;
#undef AT
}

/*
 * The dimming of the pixels within q = close_r - 2 * close_h of (x, y)
 * against the closing of the turned picture (a bright blob made dark: 255
 * less the luma) over the square of half side close_r about it
 * (sp_detect_closing, squares of side 2 * close_h + 1): the closing less
 * the picture, in close_c, the pixel (i, j) about (x, y) at row j + q,
 * column i + q of stride close_cs.
 */
static void closing_dimming(const DetectContext *s, const SpFrame *f, int x, int y, int sign)
{
    int h = s->close_h, R = s->close_r, n = 2 * R + 1, cs = s->close_cs, i, j;
    uint8_t *a = s->close_a;
    const uint8_t *p8 = f->depth == 8 ? f->data[0] + (ptrdiff_t)y * f->stride[0] + x : NULL;

    for (j = 0; j < n; j++) {
        const uint8_t *row = p8 ? p8 + (ptrdiff_t)(j - R) * f->stride[0] - R : NULL;
        if (row && sign < 0)
            memcpy(a + j * cs, row, n);
        else if (row)
            for (i = 0; i < n; i++)
                a[j * cs + i] = (uint8_t)(255 - row[i]);
        else
            for (i = 0; i < n; i++) {
                int v = luma(f, s->shift, x + i - R, y + j - R);
                a[j * cs + i] = (uint8_t)(sign < 0 ? v : 255 - v);
            }
    }
    sp_detect_closing(a, s->close_b, s->close_c, n, cs, 2 * h + 1);
}

/*
 * A blob's shape against its surround's closing (a dark blob; the opening
 * for a bright one; closing_dimming). The closing fills a blob the
 * square's side does not fit in and keeps whatever is wider: an edge, a
 * ramp, a fold, a step between two levels, where no plane fits the close
 * ring (a dust shadow on a door's dark frame, half on the wall beside it).
 * The blob's core is the 3x3 of most dimming within CLOSE_SEEK px of
 * (x, y) (the band-pass's peak by an edge lies off the blob, to the edge's
 * side). It stands out of the closing as out of shape_on_plane's plane:
 * its core by 3 levels and 4 times the mean dimming on stands_out's ring
 * round it, 15 of the 16 samples clear of it by half; the pixels past half
 * the peak give the radius and the weighted centre and must be round (a
 * line, which the closing fills too, is not). *level is the closing at the
 * core. Returns the radius, or 0.
 */
static float shape_on_closing(const DetectContext *s, const SpFrame *f, int x, int y, int sign,
                              float *cx, float *cy, float *depth, float *level)
{
    int r = s->shape_r, q = r + CLOSE_SEEK, R = s->close_r, cs = s->close_cs;
    int i, j, k, clear = 0, ox = 0, oy = 0;
    const uint8_t *d = s->close_c;
    float peak = 0, rad, wx, wy, core, dev = 0;
    int best = -1;
#define D(i, j) ((float)d[((j) + q) * cs + (i) + q])

    if (x < R || y < R || x >= s->w - R || y >= s->h - R)
        return 0;
    closing_dimming(s, f, x, y, sign);
    /* the core: the 3x3 of most dimming within CLOSE_SEEK px (the first
     * of the greatest in row order) */
    for (j = -CLOSE_SEEK; j <= CLOSE_SEEK; j++)
        for (i = -CLOSE_SEEK; i <= CLOSE_SEEK; i++) {
            const uint8_t *p = d + (j - 1 + q) * cs + i - 1 + q;
            int c = p[0] + p[1] + p[2] + p[cs] + p[cs + 1] + p[cs + 2] + p[2 * cs] +
                    p[2 * cs + 1] + p[2 * cs + 2];
            if (c > best) {
                best = c;
                ox = i;
                oy = j;
            }
        }
    core = (float)best / 9;
    if (core < 3.0f / (float)s->sensitivity)
        return 0;
    for (k = 0; k < 16; k++)
        dev += D(ox + s->ring_dx[k], oy + s->ring_dy[k]);
    if (core < (3.0f + 4.0f * dev / 16) / (float)s->sensitivity)
        return 0;
    for (k = 0; k < 16; k++)
        clear += core - D(ox + s->ring_dx[k], oy + s->ring_dy[k]) >= 0.5f * core;
    if (clear < 15)
        return 0;
    /* the disk about the core, in floats */
    for (j = -r; j <= r; j++)
        for (i = -s->shape_span[j + r]; i <= s->shape_span[j + r]; i++) {
            float v = D(ox + i, oy + j);
            s->shape_d[(j + r) * (2 * r + 1) + i + r] = v;
            peak = fmaxf(peak, v);
        }
    if (!((rad = half_peak_shape(s, s->shape_d, peak, &wx, &wy)) > 0))
        return 0;
    *cx = (float)(x + ox) + wx;
    *cy = (float)(y + oy) + wy;
    *depth = peak;
    *level = (float)luma(f, s->shift, x + ox, y + oy) - (float)sign * D(ox, oy);
    return rad;
#undef D
}

/*
 * A blob's shape where one level for its surround will not do: on the
 * plane fitted to its close ring (shape_on_plane), or where no plane fits
 * (an edge through the ring), against the surround's closing
 * (shape_on_closing). Returns the radius, or 0.
 */
static float shape_on_ring(const DetectContext *s, const SpFrame *f, int x, int y, int sign,
                           float *cx, float *cy, float *depth, float *level)
{
    float rad = shape_on_plane(s, f, x, y, sign, cx, cy, depth, level);

    if (rad > 1.6f)
        return rad;
    return shape_on_closing(s, f, x, y, sign, cx, cy, depth, level);
}

/* ring: the level of the ring round a blob that stands out of it only
 * (stands_out), else -1 */
static void refine_blotch(DetectContext *s, const SpFrame *f, int x, int y, int sign,
                          float ring, int64_t n)
{
    int m = s->outer / 2, i, j, k, bx = -1, by = -1, sloped = 0;
    float best = 0, r[5][5], bcx, bcy, depth, rad, around, cxr[2], cyr[2];
    Patch pt;

    if (held(s, 0, (float)x, (float)y, n) || (ring >= 0 && held(s, 1, (float)x, (float)y, n)))
        return; /* a track has it: no new one would start here (one that
                 * stands out of its ring only: a dot track either) */
    /* near the edges the boxes are clipped to the frame (band, box_mean);
     * the grid's points closer than 2 * BORDER_H px to the edge are left
     * out */
    /* the cheap part of the spawn test first: a blob of a size looked for,
     * roundish (edges and lines are most extrema); most fail for sure on
     * blob_bounds's first look, which spares blob_shape's ordered sums */
    around = ring >= 0 ? ring : half_box_mean(s, x, y, s->hout);
    if (blob_bounds(s, f, x, y, sign, around, &rad, &depth, cxr, cyr) &&
        (2 * rad < s->spot_min * 0.5f || 2 * rad > s->spot_max * 1.2f ||
         (ring >= 0 && rad <= 1.6f) ||
         !maybe_roundish(s, f, cxr, cyr, sign, ring >= 0 ? (float)(s->inner / 2) / 2 : rad, depth)))
        sloped = 1;
    if (!sloped) {
        rad = blob_shape(s, f, x, y, sign, s->spot_max / 2 + 2, around, &bcx, &bcy, &depth);
        /* (one that stands out of its close ring only is judged round on
         * that ring: the usual circle, twice its radius away, reaches what
         * the box took in) */
        sloped = 2 * rad < s->spot_min * 0.5f || 2 * rad > s->spot_max * 1.2f ||
                 (ring >= 0 && rad <= 1.6f) || /* a dot's smear: left to the dot search */
                 !roundish(s, f, bcx, bcy, sign, ring >= 0 ? (float)(s->inner / 2) / 2 : rad,
                           depth);
    }
    if (sloped) {
        /* not a blob on the box's level: perhaps one on a slope, measured
         * on its close ring's plane, wider than a dot's smear and where
         * no dot was found (a dot's smear is left to the dot search).
         * Dark ones only: a dust shadow dims; bright blobs by a slope are
         * mostly the scene's (a synthetic clip's squares, each passing
         * the same turn of their path, made a bright track of 36 frames) */
        if (ring >= 0 || sign > 0 || held(s, 1, (float)x, (float)y, n))
            return;
        rad = shape_on_ring(s, f, x, y, sign, &bcx, &bcy, &depth, &ring);
        if (2 * rad > s->spot_max * 1.2f || rad <= 1.6f)
            return;
        for (k = 0; k < s->nb_dcands; k++)
            if (fabsf(s->dcands[k].x - (float)x) <= 3 && fabsf(s->dcands[k].y - (float)y) <= 3)
                return;
    }
    patch_build(s, f, &pt, x - 4 - m, y - 4 - m, x + 5 + m, y + 5 + m);
    for (j = 0; j < 5; j++)
        for (i = 0; i < 5; i++) {
            int px = x - 4 + 2 * i, py = y - 4 + 2 * j;
            if (!inside(s, px, py, 2 * BORDER_H)) {
                r[j][i] = -1e30f;
                continue;
            }
            r[j][i] = sign * band(s, &pt, px, py, s->inner);
            if (i >= 1 && i <= 3 && j >= 1 && j <= 3 && r[j][i] > best) {
                best = r[j][i];
                bx = i;
                by = j;
            }
        }
    if (bx < 0)
        return;
    {
        int cx = x - 4 + 2 * bx, cy = y - 4 + 2 * by;
        float sur = box_mean(&pt, cx, cy, s->outer);
        /* 5 levels at the least at full resolution, as on the half
         * resolution grid (a lone hot pixel's 2x2 block passes there, its
         * 7x7 box does not: it is left to the dot search) */
        if (best < 5.0f) {
            /* a blob under that, wider than a dot's smear, that the inner
             * box dilutes (radius 2-2.5 px): judged by its depth out of its
             * close ring (stands_out) as a faint candidate, at half that */
            if (ring < 0 && best >= 2.5f && rad > 1.6f && !held(s, 1, (float)x, (float)y, n))
                ring = stands_out(s, f, x, y, sign);
            if (ring < 0 || best < 2.5f)
                return;
        }
        /* under the usual threshold: only where the surround is flat; a
         * blotch smaller than the inner box, whose response the box
         * dilutes, also if its depth passes twice the flat threshold (one
         * wider than a dot's smear: a hot pixel is left to the dot search) */
        /* one that stands out of its ring only is a faint candidate: a
         * strong response here, which the half-resolution grid did not
         * show, is a detail of the scene (still ones crowded the defects
         * of a still picture) */
        if (ring >= 0 && !sloped && best >= spawn_threshold(s, sur))
            return;
        if (best < spawn_threshold(s, sur)) {
            float tf = flat_threshold(s, f, cx, cy);
            if (best < tf && (2 * rad >= s->inner || rad <= 1.6f || depth < 2 * tf) &&
                ring < 0)
                return;
        }
        for (j = -1; j <= 1; j++)
            for (i = -1; i <= 1; i++)
                if ((i || j) && r[by + j][bx + i] > best)
                    return;
        add_cand(s, (float)cx, (float)cy, sign * best, 0, sloped ? ring : sur,
                 sign < 0 ? SP_KIND_DARK : SP_KIND_BRIGHT);
        if (ring >= 0 && s->nb_cands > 0)
            s->cands[s->nb_cands - 1].ringed = 1;
        if (sloped && s->nb_cands > 0)
            s->cands[s->nb_cands - 1].sloped = 1;
    }
}

/* The half-resolution extremum r at (xb, y), over the surround level sur:
 * a blotch candidate if it passes the usual threshold, or under it where
 * the surround is flat, or if it stands out of its own ring. */
static void blotch_at(DetectContext *s, const SpFrame *f, float r, float sur, int xb, int y,
                      int64_t n)
{
    int sign = r < 0 ? -1 : 1;
    float t, ring = -1;

    if ((sign < 0 && !(s->detect & SP_KIND_DARK)) || (sign > 0 && !(s->detect & SP_KIND_BRIGHT)))
        return;
    t = spawn_threshold(s, sur);
    /* under the usual threshold: only where the surround is flat (a small
     * blotch's response a little under it: refine_blotch judges its depth) */
    if (sign * r < t && under_flat_threshold(s, f, 2 * xb, 2 * y, sign * r, 0.75f) &&
        (ring = stands_out(s, f, 2 * xb, 2 * y, sign)) < 0)
        return;
    refine_blotch(s, f, 2 * xb, 2 * y, sign, ring, n);
}

/* blotch_at for the extrema among half-resolution columns [x0, x1) of
 * row y, which the band-pass row gives no flags (sp_detect_extrema16 on
 * flags made here). */
static void edge_blotches(DetectContext *s, const SpFrame *f, const float *rm, const float *rc,
                          const float *rp, const float *sc, int x0, int x1, int y, int64_t n)
{
    for (int x = x0; x < x1; x += BAND_BLOCK) {
        unsigned want = 0, em;
        for (int k = 0; k < BAND_BLOCK && x + k < x1; k++)
            want |= (unsigned)(rc[x + k] >= 5.0f || rc[x + k] <= -5.0f) << k;
        em = want ? sp_detect_extrema16(rm + x, rc + x, rp + x, want) : 0;
        for (; em; em &= em - 1) {
            int xb = x + sp_detect_ctz(em);
            blotch_at(s, f, rc[xb], sc[xb], xb, y, n);
        }
    }
}

/*
 * Blotch candidates: local extrema of the band-pass at half resolution
 * (every other pixel, as a 2-pixel grid at full resolution), the boxes
 * being hin and hout half-resolution pixels (2 * hin, 2 * hout pixels)
 * across. Rows are computed one ahead, three kept, so each response is
 * compared with its eight neighbours. Near the edges, where the boxes
 * reach past the frame, the clipped boxes' responses are scanned on
 * flags made for them (edge_blotches), to BORDER_H half-resolution pixels
 * from the edge.
 */
static void find_blotches(DetectContext *s, const SpFrame *f, int64_t n)
{
    int ro = s->hout / 2, xs = ro, xe = s->hw - ro, x, y, b, b0;
    int nbk = (xe - xs + BAND_BLOCK - 1) / BAND_BLOCK;

    if (!(s->detect & (SP_KIND_DARK | SP_KIND_BRIGHT)))
        return;
    if (xe - xs < 3 || s->hh - 2 * ro < 3)
        return;
    band_row(s, f, BORDER_H - 1, xs, xe, s->hband[(BORDER_H - 1) % 3],
             s->hsur[(BORDER_H - 1) % 3], s->hflag[(BORDER_H - 1) % 3]);
    band_row(s, f, BORDER_H, xs, xe, s->hband[BORDER_H % 3], s->hsur[BORDER_H % 3],
             s->hflag[BORDER_H % 3]);
    for (y = BORDER_H; y < s->hh - BORDER_H; y++) {
        const float *rm = s->hband[(y + 2) % 3], *rc = s->hband[y % 3], *rp;
        const float *sc = s->hsur[y % 3];
        const uint16_t *fl = s->hflag[y % 3];
        band_row(s, f, y + 1, xs, xe, s->hband[(y + 1) % 3], s->hsur[(y + 1) % 3],
                 s->hflag[(y + 1) % 3]);
        rp = s->hband[(y + 1) % 3];
        /* the flagged blocks alone, 64 blocks' flags looked at at once */
        for (b0 = 0; b0 < nbk; b0 += 64) {
            uint64_t nz = sp_detect_nonzero16(fl + b0, nbk - b0 < 64 ? nbk - b0 : 64);
            for (; nz; nz &= nz - 1) {
                int xb, xbe;
                unsigned em;
                b = b0 + sp_detect_ctz64(nz);
                x = xs + b * BAND_BLOCK;
                xbe = x + BAND_BLOCK < xe ? x + BAND_BLOCK : xe;
                /* the responses of 5 levels or more that none of their eight
                 * neighbours beats (under any threshold: 8 levels at the least) */
                em = sp_detect_extrema16(rm + x, rc + x, rp + x, fl[b]);
                if (x < xs + 1)
                    em &= ~((1u << (xs + 1 - x)) - 1);
                if (xbe > xe - 1)
                    xbe = xe - 1;
                em &= xbe > x ? (1u << (xbe - x)) - 1 : 0;
                for (; em; em &= em - 1) {
                    xb = x + sp_detect_ctz(em);
                    blotch_at(s, f, rc[xb], sc[xb], xb, y, n);
                }
            }
        }
        /* the columns near the edges, which have no flags */
        edge_blotches(s, f, rm, rc, rp, sc, BORDER_H, xs + 1, y, n);
        edge_blotches(s, f, rm, rc, rp, sc, xe - 1, s->hw - BORDER_H, y, n);
    }
}

/* Mean of the 16 pixels on the border of the 5x5 box around (x, y). */
static inline float ring5(const SpFrame *f, int shift, int x, int y)
{
    int k, sum = 0;

    if (f->depth == 8 && !shift) {
        /* 8-bit: read in place (the same integer sum) */
        ptrdiff_t st = f->stride[0];
        const uint8_t *p = f->data[0] + (ptrdiff_t)y * st + x, *u = p - 2 * st, *d = p + 2 * st;
        sum = u[-2] + u[-1] + u[0] + u[1] + u[2] + d[-2] + d[-1] + d[0] + d[1] + d[2] +
              p[-st - 2] + p[-st + 2] + p[-2] + p[2] + p[st - 2] + p[st + 2];
        return sum / 16.0f;
    }
    for (k = -2; k <= 2; k++) {
        sum += luma(f, shift, x + k, y - 2) + luma(f, shift, x + k, y + 2);
        if (k > -2 && k < 2)
            sum += luma(f, shift, x - 2, y + k) + luma(f, shift, x + 2, y + k);
    }
    return sum / 16.0f;
}

/* The threshold of a dot whose 5x5 ring (mean `ring`) is flat: as for a
 * blotch (flat_threshold), 3 levels plus 4 times the ring's mean absolute
 * deviation, so that a hot pixel smeared to 12 levels over a flat surround
 * is found as well as one of 14 over texture. */
static float dot_flat_threshold(const DetectContext *s, const SpFrame *f, int x, int y,
                                float ring)
{
    int k;
    float dev = 0;
    /* an 8-bit frame read in place: the same samples in the same order */
    const uint8_t *p8 = f->depth == 8 && !s->shift ? f->data[0] + (ptrdiff_t)y * f->stride[0] + x : NULL;
#define DOT_AT(i, j) (p8 ? p8[(ptrdiff_t)(j) * f->stride[0] + (i)] : luma(f, s->shift, x + (i), y + (j)))

    for (k = -2; k <= 2; k++) {
        dev += fabsf(DOT_AT(k, -2) - ring) + fabsf(DOT_AT(k, 2) - ring);
        if (k > -2 && k < 2)
            dev += fabsf(DOT_AT(-2, k) - ring) + fabsf(DOT_AT(2, k) - ring);
    }
#undef DOT_AT
    return (3.0f + 4.0f * dev / 16.0f) / (float)s->sensitivity;
}

/* Chroma deviation at the chroma sample covering (x, y): the largest of
 * |sample - mean of its 4 neighbours| over both chroma planes. */
static float chroma_dev(const DetectContext *s, const SpFrame *f, int x, int y)
{
    int cx = x >> s->ss_x, cy = y >> s->ss_y, p;
    int cw = sp_plane_width(f, 1), ch = sp_plane_height(f, 1);
    float best = 0;

    if (!s->chroma || cx < 1 || cy < 1 || cx >= cw - 1 || cy >= ch - 1)
        return 0;
    for (p = 1; p <= 2; p++) {
        int c = sp_get(f, p, cx, cy);
        float n = (sp_get(f, p, cx - 1, cy) + sp_get(f, p, cx + 1, cy) +
                   sp_get(f, p, cx, cy - 1) + sp_get(f, p, cx, cy + 1)) / 4.0f;
        float d = fabsf((float)c - n) / (float)(1 << s->shift);
        if (d > best)
            best = d;
    }
    return best;
}

/*
 * The cheap rejects of find_dots, DOT_BLOCK samples at once in 8-bit
 * planes (sp_detect_dots_luma, sp_detect_dots_chroma, vector code):
 * which luma samples stand out of both their neighbours two pixels away
 * along the row by tif, which chroma samples differ from all four of their
 * neighbours by th and from their mean by tc (4 times the sample from
 * their sum by th4); only those are looked at further.
 */
#define DOT_BLOCK DETECT_DOT_BLOCK
#define DOT_CHUNK 64 /* blocks whose rejects are made at once */

/* How many blocks on from block nb the next one with samples to look at
 * is, in its chunk (busy: the chunk's blocks that have some): to the end
 * of the chunk (or to nfull, the last whole block) if none. */
static inline int dot_skip(uint64_t busy, int nb, int nfull)
{
    uint64_t left = busy >> (nb % DOT_CHUNK);
    int end = (nb / DOT_CHUNK + 1) * DOT_CHUNK;

    if (left)
        return sp_detect_ctz64(left);
    return (end < nfull ? end : nfull) - nb;
}

/* The rows the cheap rejects look at: a luma row (up NULL) or a chroma
 * row with the rows above and below, at sample 0, and their thresholds. */
typedef struct DotRows {
    const uint8_t *up, *row, *dn;
    int t, t4;
} DotRows;

static uint64_t dot_rejects(const DotRows *d, int x, int n, uint32_t *masks)
{
    if (!d->up)
        return sp_detect_dots_luma(d->row + x, n, d->t, masks);
    return sp_detect_dots_chroma(d->up + x, d->row + x, d->dn + x, n, d->t, d->t4, masks);
}

/*
 * One step of a row's walk over blocks of DOT_BLOCK samples, from the
 * block at *x16 (block *nb): the whole blocks' rejects are made DOT_CHUNK
 * blocks at a time (into masks, which of them hold a sample in *busy), the
 * blocks with none skipped (*x16 and *nb moved on); the last, part block
 * is the whole block that ends at `end`, less the samples already looked
 * at. Returns the samples of the block to look at, from *x16 (bit k:
 * sample *x16 + k); 0 when there are none, *x16 and *nb then left one
 * block back for the walk's own step. Above 8 bits (nfull 0) every sample.
 */
static uint32_t dot_block(const DotRows *d, int *x16, int *nb, int nfull, int end,
                          uint64_t *busy, uint32_t *masks)
{
    uint32_t todo = ~0u;

    if (*nb < nfull) {
        int skip;
        if (*nb % DOT_CHUNK == 0)
            *busy = dot_rejects(d, *x16, nfull - *nb < DOT_CHUNK ? nfull - *nb : DOT_CHUNK,
                                masks);
        skip = dot_skip(*busy, *nb, nfull);
        *nb += skip;
        *x16 += skip * DOT_BLOCK;
        if (*nb >= nfull || !(todo = masks[*nb % DOT_CHUNK])) {
            (*nb)--;
            *x16 -= DOT_BLOCK;
            return 0;
        }
    } else if (nfull) {
        int xb = end - DOT_BLOCK;
        dot_rejects(d, xb, 1, &todo);
        todo >>= *x16 - xb;
    }
    return todo;
}

/* Pixel-defect candidates: 1-3 px dots against the ring around them. */
/* The luma dots of row y, into the dots' own list (they follow the
 * blotches among the candidates). The rows go in order: each while the
 * half-resolution integral reads it, else from find_dots. */
static void dots_luma_row(DetectContext *s, const SpFrame *f, int y)
{
    float t = 14.0f / (float)s->sensitivity;
    float tf = 8.0f / (float)s->sensitivity; /* the least, on a flat ring */
    int ti = sp_detect_ceil(t), tif = sp_detect_ceil(tf), x;

    if (!(s->detect & (SP_KIND_HOT | SP_KIND_STUCK | SP_KIND_DEAD)) || y < s->dots_next ||
        y < 3 || y >= s->h - 3)
        return;
    s->dots_next = y + 1;
    {
        const uint8_t *row8 = f->data[0] + (ptrdiff_t)y * f->stride[0];
        const uint16_t *row16 = (const uint16_t *)row8;
        /* the whole blocks' cheap rejects, DOT_CHUNK blocks at a time */
        uint32_t masks[DOT_CHUNK];
        uint64_t busy = 0;
        int nfull = f->depth == 8 ? (s->w - 6) / DOT_BLOCK : 0, nb = 0;
        const DotRows dr = { NULL, row8, NULL, tif, 0 };
        for (int x16 = 3; x16 < s->w - 3; x16 += DOT_BLOCK, nb++) {
        int xe;
        uint32_t todo; /* the samples to look at, from x16 */
        if (!(todo = dot_block(&dr, &x16, &nb, nfull, s->w - 3, &busy, masks)))
            continue;
        xe = x16 + DOT_BLOCK < s->w - 3 ? x16 + DOT_BLOCK : s->w - 3;
        for (x = x16; x < xe; x++) {
            int v, a, b, hi, lo, weak;
            float ring, d;
            int i, j, ext = 1;
            if (!(todo >> (x - x16)))
                break;
            x += sp_detect_ctz(todo >> (x - x16));
            /* the cheap reject: a dot stands out of both its neighbours two
             * pixels away along the row */
            if (f->depth == 8) {
                v = row8[x];
                a = row8[x - 2];
                b = row8[x + 2];
            } else {
                v = row16[x] >> s->shift;
                a = row16[x - 2] >> s->shift;
                b = row16[x + 2] >> s->shift;
            }
            hi = a > b ? a : b;
            lo = a < b ? a : b;
            if (v - hi < tif && lo - v < tif)
                continue;
            if (f->depth == 8) {
                /* the extreme of its 3x3 (tested below, for the sign the
                 * ring gives it) over all eight or under all eight */
                const uint8_t *u = row8 - f->stride[0] + x, *w = row8 + f->stride[0] + x;
                int q0 = u[-1], q1 = u[0], q2 = u[1], q3 = row8[x - 1], q4 = row8[x + 1];
                int q5 = w[-1], q6 = w[0], q7 = w[1];
                int mx = q0 > q1 ? q0 : q1, mn = q0 < q1 ? q0 : q1;
                mx = mx > q2 ? mx : q2; mn = mn < q2 ? mn : q2;
                mx = mx > q3 ? mx : q3; mn = mn < q3 ? mn : q3;
                mx = mx > q4 ? mx : q4; mn = mn < q4 ? mn : q4;
                mx = mx > q5 ? mx : q5; mn = mn < q5 ? mn : q5;
                mx = mx > q6 ? mx : q6; mn = mn < q6 ? mn : q6;
                mx = mx > q7 ? mx : q7; mn = mn < q7 ? mn : q7;
                if (v < mx && v > mn)
                    continue;
            }
            /* under the usual reject: a dot only on a flat ring */
            weak = v - hi < ti && lo - v < ti;
            ring = ring5(f, s->shift, x, y);
            d = v - ring;
            if ((weak || fabsf(d) < t) &&
                (fabsf(d) < tf || fabsf(d) >= t || fabsf(d) < dot_flat_threshold(s, f, x, y, ring)))
                continue;
            /* the extreme of its 3x3 */
            for (j = -1; j <= 1 && ext; j++)
                for (i = -1; i <= 1; i++) {
                    int q = luma(f, s->shift, x + i, y + j);
                    if ((i || j) && (d > 0 ? q > v : q < v)) {
                        ext = 0;
                        break;
                    }
                }
            if (!ext)
                continue;
            /* a dot, not a bit of an edge or a line: all round it, two
             * pixels away, the picture stands clear of it */
            {
                int sg = d > 0 ? 1 : -1, q[8], kk, fail = 0;
                q[0] = luma(f, s->shift, x - 2, y); q[1] = luma(f, s->shift, x + 2, y);
                q[2] = luma(f, s->shift, x, y - 2); q[3] = luma(f, s->shift, x, y + 2);
                q[4] = luma(f, s->shift, x - 2, y - 2); q[5] = luma(f, s->shift, x + 2, y + 2);
                q[6] = luma(f, s->shift, x + 2, y - 2); q[7] = luma(f, s->shift, x - 2, y + 2);
                for (kk = 0; kk < 8; kk++)
                    fail |= sg * (v - q[kk]) < 0.5f * fabsf(d);
                if (fail)
                    continue;
            }
            add_cand_to(s->dcands, &s->nb_dcands, (float)x, (float)y, d, 0.5f, 0,
                        d > 0 ? SP_KIND_HOT : SP_KIND_DEAD);
        }
        }
    }
}

/* The luma pixel under chroma sample (x, y) that stands out most from
 * its 5x5 ring: where a colour dot is placed. */
static void chroma_dot_place(const DetectContext *s, const SpFrame *f, int x, int y,
                             int *ox, int *oy)
{
    int lx, ly, bv = -1;

    *ox = x << s->ss_x;
    *oy = y << s->ss_y;
    for (ly = y << s->ss_y; ly < ((y + 1) << s->ss_y); ly++)
        for (lx = x << s->ss_x; lx < ((x + 1) << s->ss_x); lx++) {
            int dv;
            if (lx < 2 || ly < 2 || lx >= s->w - 2 || ly >= s->h - 2)
                continue;
            dv = abs(luma(f, s->shift, lx, ly) - (int)ring5(f, s->shift, lx, ly));
            if (dv > bv) {
                bv = dv;
                *ox = lx;
                *oy = ly;
            }
        }
}

/* A chroma sample less the mean of its four neighbours, and the
 * threshold of a colour dot there when its surround is flat: 3 levels plus
 * 4 times the mean absolute deviation of the 16 samples on the border of
 * its 5x5 box, as dot_flat_threshold does in luma. */
static float chroma_center(const DetectContext *s, const SpFrame *f, int p, int x, int y)
{
    return ((float)sp_get(f, p, x, y) -
            (sp_get(f, p, x - 1, y) + sp_get(f, p, x + 1, y) +
             sp_get(f, p, x, y - 1) + sp_get(f, p, x, y + 1)) / 4.0f) / (float)(1 << s->shift);
}

static float chroma_flat_threshold(const DetectContext *s, const SpFrame *f, int p,
                                   int x, int y)
{
    int v[16], k, nv = 0;
    float mean = 0, dev = 0;

    for (k = -2; k <= 2; k++) {
        v[nv++] = sp_get(f, p, x + k, y - 2);
        v[nv++] = sp_get(f, p, x + k, y + 2);
        if (k > -2 && k < 2) {
            v[nv++] = sp_get(f, p, x - 2, y + k);
            v[nv++] = sp_get(f, p, x + 2, y + k);
        }
    }
    for (k = 0; k < 16; k++)
        mean += v[k];
    mean /= 16;
    for (k = 0; k < 16; k++)
        dev += fabsf(v[k] - mean);
    return (3.0f + 4.0f * dev / 16.0f / (float)(1 << s->shift)) / (float)s->sensitivity;
}

static void find_dots(DetectContext *s, const SpFrame *f)
{
    int want = s->detect & (SP_KIND_HOT | SP_KIND_STUCK | SP_KIND_DEAD);
    int x, y, k;

    if (!want)
        return;
    for (y = s->dots_next; y < s->h - 3; y++)
        dots_luma_row(s, f, y);
    for (k = 0; k < s->nb_dcands && s->nb_cands < MAX_CANDS; k++) {
        Cand *c = &s->cands[s->nb_cands++];
        *c = s->dcands[k];
        /* a hot dot that stands out in a chroma plane about as much as
         * in luma, or more, is a colour dot, followed in that plane: a
         * blue photosite adds 0.11 of its level to luma and 0.5 / 4 to
         * its Cb sample, so compression decides which of the two is the
         * larger (a red one adds 0.3 to luma, 0.5 / 4 to Cr) */
        if (s->chroma && c->kind == SP_KIND_HOT) {
            int cx = (int)c->x >> s->ss_x, cy = (int)c->y >> s->ss_y, p;
            float least = 0.7f * fabsf(c->resp);
            for (p = 1; p <= 2; p++) {
                float d;
                if (cx < 2 || cy < 2 || cx >= sp_plane_width(f, p) - 2 ||
                    cy >= sp_plane_height(f, p) - 2)
                    break;
                d = chroma_center(s, f, p, cx, cy);
                if (fabsf(d) > least && (!c->plane || fabsf(d) > c->resp)) {
                    c->resp = fabsf(d);
                    c->plane = d > 0 ? p : -p;
                }
            }
        }
    }
    /* colour dots with little luma change (hot blue, hot red on dark) */
    if (s->chroma) {
        int cw = sp_plane_width(f, 1), chh = sp_plane_height(f, 1), p;
        float tc = 24.0f / (float)s->sensitivity;
        /* the least, where the chroma round it is flat: the rejects ask
         * for what the test below does at that least */
        float tcf = 8.0f / (float)s->sensitivity;
        int th = (int)ceilf(tcf / 2), th4 = (int)ceilf(4 * tcf);
        for (p = 1; p <= 2; p++)
            for (y = 2; y < chh - 2; y++) {
                uint32_t masks[DOT_CHUNK];
                uint64_t busy = 0;
                int nfull = f->depth == 8 ? (cw - 4) / DOT_BLOCK : 0, nb = 0;
                const uint8_t *cr = f->data[p] + (ptrdiff_t)y * f->stride[p];
                const DotRows dr = { cr - f->stride[p], cr, cr + f->stride[p], th, th4 };
                for (int x16 = 2; x16 < cw - 2; x16 += DOT_BLOCK, nb++) {
                int xe;
                uint32_t todo; /* the samples to look at, from x16 */
                if (!(todo = dot_block(&dr, &x16, &nb, nfull, cw - 2, &busy, masks)))
                    continue;
                xe = x16 + DOT_BLOCK < cw - 2 ? x16 + DOT_BLOCK : cw - 2;
                for (x = x16; x < xe; x++) {
                    if (!(todo >> (x - x16)))
                        break;
                    x += sp_detect_ctz(todo >> (x - x16));
                    int c = sp_get(f, p, x, y) >> s->shift;
                    int l = sp_get(f, p, x - 1, y) >> s->shift, r = sp_get(f, p, x + 1, y) >> s->shift;
                    int u = sp_get(f, p, x, y - 1) >> s->shift, dn = sp_get(f, p, x, y + 1) >> s->shift;
                    float n = (l + r + u + dn) / 4.0f, d = fabsf(c - n), tn;
                    int bx, by;
                    if (d < tcf)
                        continue;
                    /* under the usual threshold: only on a flat surround */
                    tn = d < tc ? d / 2 : tc / 2;
                    if (abs(c - l) < tn || abs(c - r) < tn || abs(c - u) < tn || abs(c - dn) < tn)
                        continue;
                    if (d < tc && (x < 2 || y < 2 || x >= cw - 2 || y >= chh - 2 ||
                                   d < chroma_flat_threshold(s, f, p, x, y)))
                        continue;
                    if (s->nb_cands >= MAX_CANDS)
                        continue;
                    chroma_dot_place(s, f, x, y, &bx, &by);
                    add_cand(s, (float)bx, (float)by, d, 0.5f, 0, SP_KIND_HOT);
                    s->cands[s->nb_cands - 1].plane = c > n ? p : -p;
                }
                }
            }
    }
}

/* Record where a track is in a frame: seen there (misses == 0) or placed
 * by prediction after that many frames unseen. */
static void record(Track *t, int64_t frame, float x, float y, int misses)
{
    int k = (int)(frame % POS_HIST);

    t->px[k] = x;
    t->py[k] = y;
    t->pf[k] = frame;
    t->pseen[k] = !misses;
    t->pmiss[k] = (uint8_t)misses;
    t->pnarrow[k] = 0;
}

/* Ring samples around a track's position. */
static void sample_ring(const DetectContext *s, const SpFrame *f, float x, float y,
                        float radius, float *out)
{
    float rr = radius * 2.5f + 2.0f;
    int k;

    for (k = 0; k < RING_N; k++) {
        float a = (float)k * 6.2831853f / RING_N;
        int px = (int)sp_detect_lrint(x + rr * cosf(a)), py = (int)sp_detect_lrint(y + rr * sinf(a));
        px = px < 0 ? 0 : px >= s->w ? s->w - 1 : px;
        py = py < 0 ? 0 : py >= s->h ? s->h - 1 : py;
        out[k] = (float)luma(f, s->shift, px, py);
    }
}

static int is_pixel_kind(int kind)
{
    return kind & (SP_KIND_HOT | SP_KIND_STUCK | SP_KIND_DEAD);
}

/* A faint tentative dot seen in 6 frames or more and in three quarters of
 * its frames, not yet unseen for DOT_HIDDEN frames running */
static int hidden_dot(const Track *t)
{
    return t->state == T_TENTATIVE && is_pixel_kind(t->kind) && t->faint && !t->bad &&
           t->hits >= 6 && t->hits >= 0.75f * t->frames && t->misses_run < DOT_HIDDEN;
}

/* A luma dot's extent at (x, y), as a blotch's dimming radius: a small
 * blotch passes for a dot too, and its mask must cover it. */
static float dot_extent(const DetectContext *s, const SpFrame *f, int x, int y, int sign)
{
    int m = s->outer / 2;
    float cx, cy, depth;
    Patch pd;

    patch_build(s, f, &pd, x - m, y - m, x + m + 1, y + m + 1);
    return blob_shape(s, f, x, y, sign, 4, box_mean(&pd, x, y, s->outer), &cx, &cy, &depth);
}

/* Look for a track in frame f near its prediction (px, py). Returns 1 and
 * the refined position if found. */
static int localise(const DetectContext *s, const SpFrame *f, const Track *t,
                    float px, float py, float *ox, float *oy, float *resp,
                    float *radius, float *olevel)
{
    int gate = is_pixel_kind(t->kind) ? 2 : 4;
    int x0 = (int)sp_detect_lrint(px), y0 = (int)sp_detect_lrint(py), i, j, bx = x0, by = y0;
    int sign = (t->kind & (SP_KIND_DARK | SP_KIND_DEAD)) ? -1 : 1;
    int m = s->outer / 2;
    float best = 0, level, ring = -1;
    Patch pt;

    if (x0 < 3 || y0 < 3 || x0 >= s->w - 3 || y0 >= s->h - 3)
        return 0;
    if (t->cplane) {
        /* a colour dot: its chroma sample against its four neighbours,
         * in the samples next to the prediction's */
        int cw = sp_plane_width(f, t->cplane), ch = sp_plane_height(f, t->cplane);
        int cx0 = x0 >> s->ss_x, cy0 = y0 >> s->ss_y, cbx = -1, cby = -1;
        float tl = 5.0f / (float)s->sensitivity;
        for (j = -1; j <= 1; j++)
            for (i = -1; i <= 1; i++) {
                int x = cx0 + i, y = cy0 + j;
                float d;
                if (x < 2 || y < 2 || x >= cw - 2 || y >= ch - 2)
                    continue;
                d = t->csign * chroma_center(s, f, t->cplane, x, y);
                if (d > best) {
                    best = d;
                    cbx = x;
                    cby = y;
                }
            }
        if (best < tl || cbx < 0)
            return 0;
        chroma_dot_place(s, f, cbx, cby, &bx, &by);
        *ox = (float)bx;
        *oy = (float)by;
        *resp = best;
        *olevel = (float)(sp_get(f, t->cplane, cbx, cby) >> s->shift) - best * t->csign;
        *radius = 0.5f;
        return 1;
    }
    if (is_pixel_kind(t->kind)) {
        float tl = 9.0f / (float)s->sensitivity;
        for (j = -gate; j <= gate; j++)
            for (i = -gate; i <= gate; i++) {
                int x = x0 + i, y = y0 + j;
                float d;
                if (x < 3 || y < 3 || x >= s->w - 3 || y >= s->h - 3)
                    continue;
                d = sign * (luma(f, s->shift, x, y) - ring5(f, s->shift, x, y));
                d += chroma_dev(s, f, x, y) * 0.5f;
                if (d > best) {
                    best = d;
                    bx = x;
                    by = y;
                }
            }
        if (best < tl)
            return 0;
        *ox = (float)bx;
        *oy = (float)by;
        *resp = sign * best;
        *olevel = ring5(f, s->shift, bx, by);
        *radius = dot_extent(s, f, bx, by, sign);
        return 1;
    }
    patch_build(s, f, &pt, x0 - gate - m, y0 - gate - m, x0 + gate + m + 1, y0 + gate + m + 1);
    if (pt.x0 == x0 - gate - m && pt.y0 == y0 - gate - m && pt.x1 == x0 + gate + m + 1 &&
        pt.y1 == y0 + gate + m + 1 && gate <= 4 && s->inner / 2 <= m) {
        /* the patch whole (no box clipped): a row of the window's
         * responses at once, the same values band gives */
        size_t W = (size_t)(pt.x1 - pt.x0) + 1;
        int ri = s->inner / 2;
        float ain = (float)((2 * ri + 1) * (2 * ri + 1)), aout = (float)((2 * m + 1) * (2 * m + 1));
        float rv[9];
        DetectBoxRows b;
        for (j = -gate; j <= gate; j++) {
            const uint32_t *c = pt.I + (size_t)(gate + m + j) * W + m;
            b.i[0] = c + (ri + 1) * W + ri + 1;
            b.i[1] = c - ri * W - ri;
            b.i[2] = c - ri * W + ri + 1;
            b.i[3] = c + (ri + 1) * W - ri;
            b.o[0] = c + (m + 1) * W + m + 1;
            b.o[1] = c - m * W - m;
            b.o[2] = c - m * W + m + 1;
            b.o[3] = c + (m + 1) * W - m;
            sp_detect_band_div(&b, 2 * gate + 1, ain, aout, rv);
            for (i = -gate; i <= gate; i++) {
                int x = x0 + i, y = y0 + j;
                float r;
                if (!inside(s, x, y, 3))
                    continue;
                r = sign * rv[i + gate];
                if (r > best) {
                    best = r;
                    bx = x;
                    by = y;
                }
            }
        }
    } else
    for (j = -gate; j <= gate; j++)
        for (i = -gate; i <= gate; i++) {
            int x = x0 + i, y = y0 + j;
            float r;
            if (!inside(s, x, y, 3))
                continue;
            r = sign * band(s, &pt, x, y, s->inner);
            if (r > best) {
                best = r;
                bx = x;
                by = y;
            }
        }
    level = box_mean(&pt, bx, by, s->outer);
    if (best < 0.6f * spawn_threshold(s, level) && best < 0.6f * flat_threshold(s, f, bx, by)) {
        /* one born standing out of its close ring only (a dark strip
         * beside it in the outer box) is looked for so again, and its
         * level is that ring's */
        if (!t->ringed || (ring = stands_out(s, f, bx, by, sign)) < 0)
            return 0;
        level = ring;
    }
    {
        float cx, cy, depth;
        float rad = blob_shape(s, f, bx, by, sign, s->spot_max / 2 + 2, level, &cx, &cy, &depth);
        /* one born of its close ring, whose surround slopes here: its
         * shape on that ring's plane (shape_on_ring), as it was found */
        if (t->ringed && ring < 0 &&
            (2 * rad > s->spot_max * 1.2f || !roundish(s, f, cx, cy, sign, rad, depth))) {
            rad = shape_on_ring(s, f, bx, by, sign, &cx, &cy, &depth, &ring);
            if (2 * rad > s->spot_max * 1.2f || rad <= 1.6f)
                return 0;
            level = ring;
        } else if (!roundish(s, f, cx, cy, sign, ring >= 0 ? (float)(s->inner / 2) / 2 : rad,
                             depth))
            return 0;
        *ox = cx;
        *oy = cy;
        *resp = sign * best;
        *radius = rad;
        *olevel = level;
    }
    return 1;
}

static inline int within3(const Track *o, float x, float y)
{
    return (o->x - x) * (o->x - x) + (o->y - y) * (o->y - y) < 9.0f;
}

static inline int darker(const Track *t)
{
    return (t->kind & (SP_KIND_DARK | SP_KIND_DEAD)) != 0;
}

/* Claim the cell of (x, y) for track t of the given class in frame n;
 * returns 0 if another track holds it already. A dot cell holds a second
 * dot track 3 px or more from its first and of the other sign: held_dot
 * lets one start there, and a cell of 4x4 pixels had made the later of the
 * two a duplicate of the other every frame (720p seed 71: a dead pixel 4 px
 * from a bright ringing speck of compression beside it, its track dropped
 * each frame from the speck's birth on, 44 of 46 frames unrepaired). Two
 * of one sign there are one defect's smear as often (phone seed 34: a hot
 * blue pixel's track, held through frames unseen, and a new one on the
 * pixel 4 px off; kept both, the old one took the pixel back from the new
 * one, confirmed 2 frames later, its unseen places repaired off the pixel). */
static int claim(DetectContext *s, const Track *t, int cls, float x, float y, int64_t n)
{
    int cx = (int)x >> 2, cy = (int)y >> 2;
    size_t w = (size_t)cy * s->ow_words + cx / 64, k = (size_t)cy * s->ow + cx;
    uint64_t *c, bit;

    if (cx < 0 || cy < 0 || cx >= s->ow || cy >= s->oh)
        return 1;
    c = &s->occ[cls][w];
    bit = (uint64_t)1 << (cx % 64);
    if (*c & bit) {
        const Track *o = &s->tracks[s->occ_id[1][k]];
        if (!cls || (s->occ2[w] & bit) || within3(o, x, y) || darker(o) == darker(t))
            return 0;
        s->occ2[w] |= bit;
        s->occ2_id[k] = (uint16_t)(t - s->tracks);
        return 1;
    }
    *c |= bit;
    s->occ_id[cls][k] = (uint16_t)(t - s->tracks);
    return 1;
}

/* The track of class cls holding cell (px, py) this frame, or NULL. */
static const Track *holder(const DetectContext *s, int cls, int px, int py)
{
    if (px < 0 || py < 0 || px >= s->ow || py >= s->oh ||
        !(s->occ[cls][(size_t)py * s->ow_words + px / 64] >> (px % 64) & 1))
        return NULL;
    return &s->tracks[s->occ_id[cls][(size_t)py * s->ow + px]];
}

static int held(const DetectContext *s, int cls, float x, float y, int64_t n)
{
    int cx = (int)x >> 2, cy = (int)y >> 2, i, j;

    for (j = -1; j <= 1; j++) {
        /* the row's three cells in one word: one test */
        if (cy + j >= 0 && cy + j < s->oh && cx >= 1 && cx + 1 < s->ow &&
            (cx - 1) / 64 == (cx + 1) / 64) {
            if (s->occ[cls][(size_t)(cy + j) * s->ow_words + (cx - 1) / 64] >> ((cx - 1) % 64) & 7)
                return 1;
            continue;
        }
        for (i = -1; i <= 1; i++)
            if (holder(s, cls, cx + i, cy + j))
                return 1;
    }
    return 0;
}

/* Whether a dot track of frame n is within 3 px of (x, y), the cells
 * about it: two hot pixels a few pixels apart are two defects, and the
 * cells about a track (held) span 12 px (the 720p seed 36's hot white
 * pixel of 74 levels, 5 px from a hot red one, was never followed). */
static int held_dot(const DetectContext *s, float x, float y, int64_t n)
{
    int cx = (int)x >> 2, cy = (int)y >> 2, i, j;

    for (j = -1; j <= 1; j++)
        for (i = -1; i <= 1; i++) {
            const Track *o = holder(s, 1, cx + i, cy + j);
            int px = cx + i, py = cy + j;
            if (!o)
                continue;
            if (within3(o, x, y))
                return 1;
            /* the cell's second dot track */
            if (s->occ2[(size_t)py * s->ow_words + px / 64] >> (px % 64) & 1 &&
                within3(&s->tracks[s->occ2_id[(size_t)py * s->ow + px]], x, y))
                return 1;
        }
    return 0;
}

/* Whether a blotch track of frame n holds the cells about dot candidate
 * c: a confirmed one does, a tentative one unless c is a luma dot that
 * stands out of its ring by more than twice the track's band-pass response
 * while its eight neighbours stand out by half as much at most (one pixel,
 * not the core of a blotch, as deep as its centre). A hot pixel is a
 * blotch of one pixel to the band-pass too, whose box dilutes it: a
 * tentative blotch track of 13 levels on phone seed 37's hot green pixel
 * of 93 kept its dot from ever being followed. */
static int held_blotch(const DetectContext *s, const SpFrame *f, const Cand *c, int64_t n)
{
    int cx = (int)c->x >> 2, cy = (int)c->y >> 2, i, j, one = -1;

    for (j = -1; j <= 1; j++)
        for (i = -1; i <= 1; i++) {
            const Track *o = holder(s, 0, cx + i, cy + j);
            if (!o)
                continue;
            if (o->state == T_CONFIRMED || c->plane ||
                fabsf(c->resp) <= 2.0f * fabsf(o->contrast))
                return 1;
            if (one < 0) {
                int x = (int)c->x, y = (int)c->y, a, b, sum = 0;
                float ring = ring5(f, s->shift, x, y);
                for (b = -1; b <= 1; b++)
                    for (a = -1; a <= 1; a++)
                        if (a || b)
                            sum += luma(f, s->shift, x + a, y + b);
                one = fabsf(sum / 8.0f - ring) <= 0.5f * fabsf(c->resp);
            }
            if (!one)
                return 1;
        }
    return 0;
}

/*
 * Sensor defects are sparse: a persistent dot among other persistent dots
 * is texture, text or an overlay that stays while the video moves under
 * it, not a defect. Counts the other live tracks of the class close by.
 */
static int crowded(const DetectContext *s, const Track *t)
{
    int i, near = 0, cls = is_pixel_kind(t->kind) ? 1 : 0;
    float r = cls ? 16.0f : 24.0f + 3.0f * t->radius;

    for (i = 0; i < s->track_end; i++) {
        const Track *o = &s->tracks[i];
        float dx, dy;
        /* (a tentative track born only of standing out of its close ring is
         * not yet one: still details of a still picture crowded its
         * defects) */
        if (o == t || o->state == T_FREE || o->hits < 3 ||
            (is_pixel_kind(o->kind) ? 1 : 0) != cls || (o->ringed && o->state == T_TENTATIVE))
            continue;
        dx = o->x - t->x;
        dy = o->y - t->y;
        near += dx * dx + dy * dy < r * r;
    }
    return near >= 3;
}

static Track *new_track(DetectContext *s)
{
    int i, victim = -1;

    for (i = 0; i < MAX_TRACKS; i++)
        if (s->tracks[i].state == T_FREE) {
            if (i >= s->track_end)
                s->track_end = i + 1;
            return &s->tracks[i];
        }
    /* full: the weakest tentative track makes room */
    for (i = 0; i < MAX_TRACKS; i++)
        if (s->tracks[i].state == T_TENTATIVE &&
            (victim < 0 || s->tracks[i].hits < s->tracks[victim].hits))
            victim = i;
    return victim >= 0 ? &s->tracks[victim] : NULL;
}


/* The means of the frame's 5x5 boxes whose corners lie on the 4-pixel grid
 * (clipped at the frame's edges), over the quarter-resolution rectangle
 * [x0, x1) x [y0, y1) (clipped): five rows summed in vector blocks, then
 * by fives. The boxes overlap by a pixel, which smooths the picture the
 * block matching sees a little more than 4x4 means would. */
static void quarter_rect(const DetectContext *s, const SpFrame *f, uint8_t *cur,
                         int x0, int y0, int x1, int y1)
{
    uint16_t *q = s->qrow;
    int x, y;

    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > s->qw ? s->qw : x1;
    y1 = y1 > s->qh ? s->qh : y1;
    for (y = y0; y < y1; y++) {
        /* the columns 4 x0 .. 4 x1 and rows 4 y .. 4 y + 4, in the frame */
        int nc = 4 * (x1 - x0) + 1, nr = 5, X0 = 4 * x0;
        if (X0 + nc > s->w)
            nc = s->w - X0;
        if (4 * y + nr > s->h)
            nr = s->h - 4 * y;
        if (f->depth == 8 && nr == 5) {
            const uint8_t *r0 = f->data[0] + (ptrdiff_t)(4 * y) * f->stride[0] + X0;
            ptrdiff_t st = f->stride[0];
            for (x = 0; x + SUM_BLOCK <= nc; x += SUM_BLOCK) {
                if (!(x & 63) && y + 1 < y1) {
                    /* the next quarter row's new rows */
                    sp_detect_prefetch(r0 + 5 * st + x);
                    sp_detect_prefetch(r0 + 6 * st + x);
                    sp_detect_prefetch(r0 + 7 * st + x);
                    sp_detect_prefetch(r0 + 8 * st + x);
                }
                quint_block(q + x, r0 + x, r0 + st + x, r0 + 2 * st + x, r0 + 3 * st + x,
                            r0 + 4 * st + x);
            }
            for (; x < nc; x++)
                q[x] = (uint16_t)(r0[x] + r0[st + x] + r0[2 * st + x] + r0[3 * st + x] +
                                  r0[4 * st + x]);
        } else {
            for (x = 0; x < nc; x++) {
                int j, acc = 0;
                for (j = 0; j < nr; j++)
                    acc += luma(f, s->shift, X0 + x, 4 * y + j);
                q[x] = (uint16_t)acc;
            }
        }
        x = 0;
        if (nr == 5 && nc >= 5) {
            /* the whole boxes at once (vector code), the same means */
            int nfull = (nc - 5) / 4 + 1;
            x = nfull < x1 - x0 ? nfull : x1 - x0;
            sp_detect_quarter_means(q, x, cur + y * s->qw + x0);
        }
        for (; x < x1 - x0; x++) {
            int c = 4 * x, cols = c + 5 <= nc ? 5 : nc - c, n = cols * nr, acc = 0, i;
            if (n == 25) {
                /* a whole box: the division by a constant, which is cheap */
                acc = q[c] + q[c + 1] + q[c + 2] + q[c + 3] + q[c + 4];
                cur[y * s->qw + x0 + x] = (uint8_t)((2 * acc + 25) / 50);
                continue;
            }
            for (i = 0; i < cols; i++)
                acc += q[c + i];
            cur[y * s->qw + x0 + x] = (uint8_t)((2 * acc + n) / (2 * n));
        }
    }
}


/*
 * The camera: how the picture moved since the last frame, as the median of
 * the motions of textured blocks on a 6x4 grid, each found by block
 * matching at quarter resolution (shifts up to 24 pixels, a parabola
 * through the best for the fraction). The median lets a subject that
 * moves on its own, as long as it covers under half the blocks, not drag
 * the estimate. A block whose cost is as low 2 steps away from its best
 * (an edge, a repeating pattern) gives no motion, and a frame whose
 * blocks mostly disagree with a step of over 2 px gives none.
 * Accumulated into the picture's position per frame; camok says whether
 * enough blocks had texture and agreed enough to tell.
 */
/* The camera's picture where cdec is 2: the quarter-resolution one over
 * the same place (quarter_rect, into qscratch), each 2x2 of it averaged;
 * [x0, x1) x [y0, y1) in the camera picture's pixels. */
static void camera_rect(const DetectContext *s, const SpFrame *f, uint8_t *cur,
                        int x0, int y0, int x1, int y1)
{
    const uint8_t *q = s->qscratch;
    int x, y;

    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > s->cw ? s->cw : x1;
    y1 = y1 > s->ch ? s->ch : y1;
    if (x0 >= x1 || y0 >= y1)
        return;
    quarter_rect(s, f, s->qscratch, 2 * x0, 2 * y0, 2 * x1, 2 * y1);
    for (y = y0; y < y1; y++) {
        const uint8_t *r0 = q + (size_t)(2 * y) * s->qw, *r1 = r0 + s->qw;
        for (x = x0; x < x1; x++)
            cur[(size_t)y * s->cw + x] = (uint8_t)((r0[2 * x] + r0[2 * x + 1] + r1[2 * x] +
                                                    r1[2 * x + 1] + 2) >> 2);
    }
}

static void track_camera(DetectContext *s, const SpFrame *f, int64_t n)
{
    enum { S = 6, B = 12, GX = 6, GY = 4, DX = 2 * GX - 1, DY = 2 * GY - 1 };
    _Static_assert(S == DETECT_RING_SHIFT, "the block match's shifts are the ring match's");
    uint8_t *cur = s->quarter[n & 1], *prev = s->quarter[(n + 1) & 1];
    int k = (int)(n % POS_HIST), kp = (int)((n + POS_HIST - 1) % POS_HIST);
    float vx[DX * DY], vy[DX * DY], ux[DX * DY], uy[DX * DY];
    int nb = 0, nb_sparse = 0, gx, gy, i, j;
    /* the blocks: a grid of GX x GY; where the last frame's found fewer
     * than a third of them textured (a night scene's dark sky between its
     * lights: 2-5), one of DX x DY whose every other block is that grid's,
     * built in this frame and matched from the next frame on, while the
     * sparse grid alone still falls short; its motion is taken only where
     * two thirds of its blocks agree on it */
    int dense = s->cam_dense && s->cdec == 1, use = dense && s->cam_built_dense == n - 1;
    int nx = dense ? DX : GX, ny = dense ? DY : GY, mx = use ? DX : GX, my = use ? DY : GY;

    s->camf[k] = n;
    s->camok[k] = 0;
    s->camx[k] = s->camx[kp];
    s->camy[k] = s->camy[kp];
    if (s->cw < GX * (B + 2 * S) / 2 || s->ch < GY * (B + 2 * S) / 2) {
        s->camx[k] = s->camy[k] = 0;
        return; /* too small a picture to follow */
    }
    /* the picture at quarter resolution (or less) where the blocks and
     * their searches look (and the masked tail of the last row's reads) */
    for (gy = 0; gy < ny; gy++)
        for (gx = 0; gx < nx; gx++) {
            int x0 = S + (s->cw - 2 * S - B) * gx / (nx - 1), y0 = S + (s->ch - 2 * S - B) * gy / (ny - 1);
            if (s->cdec == 1)
                quarter_rect(s, f, cur, x0 - S, y0 - S, x0 + B + S + 4, y0 + B + S);
            else
                camera_rect(s, f, cur, x0 - S, y0 - S, x0 + B + S + 4, y0 + B + S);
        }
    s->cam_built_dense = dense ? n : -1;
    if (n == 0 || s->camf[kp] != n - 1) {
        s->camx[k] = s->camy[k] = 0;
        return;
    }
    for (gy = 0; gy < my; gy++)
        for (gx = 0; gx < mx; gx++) {
            int x0 = S + (s->cw - 2 * S - B) * gx / (mx - 1), y0 = S + (s->ch - 2 * S - B) * gy / (my - 1);
            int in_sparse = !use || (!(gx & 1) && !(gy & 1));
            float sad[2 * S + 1][2 * S + 1], best = 1e30f, next, mean = 0, tex = 0, fx = 0, fy = 0;
            uint32_t sads[(2 * S + 1) * (2 * S + 1)];
            int bx = 0, by = 0, dx, dy;
            for (j = 0; j < B; j++)
                for (i = 0; i < B; i++)
                    mean += cur[(y0 + j) * s->cw + x0 + i];
            mean /= B * B;
            for (j = 0; j < B; j++)
                for (i = 0; i < B; i++)
                    tex += fabsf(cur[(y0 + j) * s->cw + x0 + i] - mean);
            if (tex < 3.0f * B * B)
                continue; /* flat: tells nothing */
            /* every shift's sum at once (vector code: its shifts are the
             * ring match's), then in order */
            sp_detect_sad12_shifts(cur + y0 * s->cw + x0, prev + y0 * s->cw + x0, s->cw, sads);
            for (dy = -S; dy <= S; dy++)
                for (dx = -S; dx <= S; dx++) {
                    int acc = (int)sads[(dy + S) * (2 * S + 1) + dx + S];
                    sad[dy + S][dx + S] = acc;
                    if (acc < best) {
                        best = acc;
                        bx = dx;
                        by = dy;
                    }
                }
            /* the best match 2 steps or more away from the best: a cost as
             * low there (the surface flat along a direction) is an edge
             * the block slides along, or a pattern that repeats: no
             * motion told (the aperture problem) */
            next = 1e30f;
            for (dy = -S; dy <= S; dy++)
                for (dx = -S; dx <= S; dx++)
                    if ((abs(dx - bx) >= 2 || abs(dy - by) >= 2) && sad[dy + S][dx + S] < next)
                        next = sad[dy + S][dx + S];
            if ((next - best) * 1024 < tex)
                continue;
            if (bx > -S && bx < S) {
                float l = sad[by + S][bx + S - 1], r = sad[by + S][bx + S + 1], c = sad[by + S][bx + S];
                if (l + r - 2 * c > 0)
                    fx = 0.5f * (l - r) / (l + r - 2 * c);
            }
            if (by > -S && by < S) {
                float u = sad[by + S - 1][bx + S], d = sad[by + S + 1][bx + S], c = sad[by + S][bx + S];
                if (u + d - 2 * c > 0)
                    fy = 0.5f * (u - d) / (u + d - 2 * c);
            }
            vx[nb] = 4.0f * s->cdec * (bx + fx);
            vy[nb] = 4.0f * s->cdec * (by + fy);
            nb++;
            nb_sparse += in_sparse;
        }
    s->cam_dense = nb_sparse < GX * GY / 3;
    if (nb < GX * GY / 3)
        return;
    memcpy(ux, vx, nb * sizeof(*vx));
    memcpy(uy, vy, nb * sizeof(*vy));
    /* medians */
    for (i = 1; i < nb; i++)
        for (j = i; j > 0 && vx[j - 1] > vx[j]; j--) {
            float t = vx[j]; vx[j] = vx[j - 1]; vx[j - 1] = t;
        }
    for (i = 1; i < nb; i++)
        for (j = i; j > 0 && vy[j - 1] > vy[j]; j--) {
            float t = vy[j]; vy[j] = vy[j - 1]; vy[j - 1] = t;
        }
    /* blocks that mostly disagree (a third of them or fewer within 3 px
     * of the medians): things moving each their own way (a bar sliding
     * over a still picture), or a shaken, blurred frame. A step over 2 px
     * that few blocks support is not the picture's: the camera is not
     * followed in this frame. A small one is kept: it changes little,
     * and a break in the camera's chain loses the frames around it */
    for (i = j = 0; i < nb; i++)
        j += fabsf(ux[i] - vx[nb / 2]) <= 3.0f && fabsf(uy[i] - vy[nb / 2]) <= 3.0f;
    if (3 * j <= nb && vx[nb / 2] * vx[nb / 2] + vy[nb / 2] * vy[nb / 2] > 2.0f * 2.0f)
        return;
    if (use && 3 * j < 2 * nb)
        return;
    s->camx[k] += vx[nb / 2];
    s->camy[k] += vy[nb / 2];
    s->camok[k] = s->camok[kp] < 255 ? s->camok[kp] + 1 : 255;
}

/* How far a track moved against the picture from frame a to frame n, or
 * -1 when the camera could not be followed all that time. */
static float against_camera(const DetectContext *s, const Track *t, int64_t a, int64_t n)
{
    int ka = (int)(a % POS_HIST), kn = (int)(n % POS_HIST);
    float tx, ty;

    if (a < 0 || s->camf[ka] != a || s->camf[kn] != n || s->camok[kn] < n - a ||
        t->pf[ka] != a || !t->pseen[ka])
        return -1;
    tx = (t->x - t->px[ka]) - (s->camx[kn] - s->camx[ka]);
    ty = (t->y - t->py[ka]) - (s->camy[kn] - s->camy[ka]);
    return sqrtf(tx * tx + ty * ty);
}

/* How far the 3x3 core at (x, y) stands out of the mean of stands_out's
 * circle about it (sign -1: darker), or 0 where the circle leaves the
 * frame. */
static float out_of_ring(const DetectContext *s, const SpFrame *f, int x, int y, int sign)
{
    int rr = s->inner / 2 + 2, i, j, k;
    float core = 0, ring = 0;

    if (x < rr + 1 || y < rr + 1 || x >= s->w - rr - 1 || y >= s->h - rr - 1)
        return 0;
    for (j = -1; j <= 1; j++)
        for (i = -1; i <= 1; i++)
            core += (float)luma(f, s->shift, x + i, y + j);
    for (k = 0; k < 16; k++)
        ring += (float)luma(f, s->shift, x + s->ring_dx[k], y + s->ring_dy[k]);
    return sign * (core / 9 - ring / 16);
}

/*
 * Whether, in frame f, a blob like the track's still stands at (x, y), a
 * place the track has left. For a blotch, the band-pass there must be as
 * strong as the track's contrast, and the place must also stand out of
 * its own close ring as the track's place does: the band-pass's outer
 * box takes in whatever lies within 12 px, so a bright line on one side
 * of a wide blotch made its response grow towards the line, stronger 3 px
 * off its centre than on it (720p seed 64's blotch of 3.4 px 10 px from a
 * bright stroke, drifting 0.3 px a frame: 12.1 levels where it had been,
 * 10.2 where it was, a hop four times, and dropped), while out of the
 * close ring that place stands 2-6 levels against the centre's 12-13.
 */
static int left_behind(const DetectContext *s, const SpFrame *f, const Track *t,
                       float x, float y)
{
    int ix = (int)sp_detect_lrint(x), iy = (int)sp_detect_lrint(y), m = s->outer / 2;
    int sign = (t->kind & (SP_KIND_DARK | SP_KIND_DEAD)) ? -1 : 1;
    float here;

    if ((t->x - x) * (t->x - x) + (t->y - y) * (t->y - y) < 2.5f * 2.5f)
        return 0;
    if (is_pixel_kind(t->kind)) {
        if (ix < 3 || iy < 3 || ix >= s->w - 3 || iy >= s->h - 3)
            return 0;
        here = sign * (luma(f, s->shift, ix, iy) - ring5(f, s->shift, ix, iy));
    } else {
        Patch pt;
        if (!inside(s, ix, iy, 2 * BORDER_H))
            return 0;
        patch_build(s, f, &pt, ix - m, iy - m, ix + m + 1, iy + m + 1);
        here = sign * band(s, &pt, ix, iy, s->inner);
        if (here >= 0.85f * fabsf(t->contrast) &&
            out_of_ring(s, f, ix, iy, sign) <
            0.85f * out_of_ring(s, f, (int)sp_detect_lrint(t->x), (int)sp_detect_lrint(t->y), sign))
            return 0; /* the flank of the blob it is on now */
    }
    /* a defect that drifted off leaves at most part of its dimming */
    return here >= 0.85f * fabsf(t->contrast);
}

/* Whether the track moved by 2.5 px or more from frame a to frame n, or
 * the picture by 1.5 px. */
static int moved_since(const DetectContext *s, const Track *t, int64_t a, int64_t n)
{
    int ka = (int)(a % POS_HIST), kn = (int)(n % POS_HIST);
    float dx = t->x - t->px[ka], dy = t->y - t->py[ka];

    /* past the jitter of a blob's centre from frame to frame */
    if (dx * dx + dy * dy >= 2.5f * 2.5f)
        return 1;
    if (s->camf[ka] != a || s->camf[kn] != n || s->camok[kn] < n - a)
        return 0; /* the camera could not be followed: nothing seen to move */
    dx = s->camx[kn] - s->camx[ka];
    dy = s->camy[kn] - s->camy[ka];
    return dx * dx + dy * dy >= 1.5f * 1.5f;
}

/* Whether the track moved with the picture from frame a to frame n: it
 * strayed from the picture's motion by under 2 px and under half that
 * motion. Then whatever slid under it, it was no defect (the picture
 * carries a scene detail along; a defect moves by its own drift). */
static int moved_with_picture(const DetectContext *s, const Track *t, int64_t a, int64_t n)
{
    int ka = (int)(a % POS_HIST), kn = (int)(n % POS_HIST);
    float rel = against_camera(s, t, a, n), dx, dy;

    if (rel < 0)
        return 0;
    dx = s->camx[kn] - s->camx[ka];
    dy = s->camy[kn] - s->camy[ka];
    return rel < 2.0f && rel < 0.5f * sqrtf(dx * dx + dy * dy);
}

/*
 * Whether the blob at (ax, ay) in frame fa, with its surround, reappears
 * at (bx, by) in frame fb, give or take a pixel: a contrast of the same
 * sign and at least 0.7 times as strong (the core, radius rc, against the
 * ring 4 px wide around it), the core within a third of that contrast and
 * the ring within half its own texture (or 3 levels). The same thing in
 * the same surround, not merely another blob.
 */
static int same_place(const DetectContext *s, const SpFrame *fa, int ax, int ay,
                      const SpFrame *fb, int bx, int by, int rc)
{
    int r1 = rc + 4, qx, qy, i, j, nc = 0, nr = 0;
    float core_a = 0, ring_a = 0, ring_dev = 0, ca;

    if (ax - r1 < 0 || ay - r1 < 0 || ax + r1 >= s->w || ay + r1 >= s->h ||
        bx - r1 - 1 < 0 || by - r1 - 1 < 0 || bx + r1 + 1 >= s->w || by + r1 + 1 >= s->h)
        return 0;
    for (qy = -r1; qy <= r1; qy++)
        for (qx = -r1; qx <= r1; qx++) {
            int q2 = qx * qx + qy * qy;
            if (q2 <= rc * rc) {
                core_a += luma(fa, s->shift, ax + qx, ay + qy);
                nc++;
            } else if (q2 <= r1 * r1) {
                ring_a += luma(fa, s->shift, ax + qx, ay + qy);
                nr++;
            }
        }
    core_a /= nc;
    ring_a /= nr;
    ca = core_a - ring_a;
    if (fabsf(ca) < 3.0f)
        return 0;
    for (qy = -r1; qy <= r1; qy++)
        for (qx = -r1; qx <= r1; qx++) {
            int q2 = qx * qx + qy * qy;
            if (q2 > rc * rc && q2 <= r1 * r1)
                ring_dev += fabsf(luma(fa, s->shift, ax + qx, ay + qy) - ring_a);
        }
    ring_dev /= nr;
    for (j = -1; j <= 1; j++)
        for (i = -1; i <= 1; i++) {
            float core = 0, ring = 0, core_b = 0, ring_b = 0;
            for (qy = -r1; qy <= r1; qy++)
                for (qx = -r1; qx <= r1; qx++) {
                    int q2 = qx * qx + qy * qy;
                    int va = luma(fa, s->shift, ax + qx, ay + qy);
                    int vb = luma(fb, s->shift, bx + i + qx, by + j + qy);
                    if (q2 <= rc * rc) {
                        core += abs(va - vb);
                        core_b += vb;
                    } else if (q2 <= r1 * r1) {
                        ring += abs(va - vb);
                        ring_b += vb;
                    }
                }
            if ((core_b / nc - ring_b / nr) * (ca > 0 ? 1 : -1) >= 0.7f * fabsf(ca) &&
                core / nc <= fabsf(ca) / 3.0f && ring / nr <= fmaxf(3.0f, 0.5f * ring_dev))
                return 1;
        }
    return 0;
}

/* Whether what the track showed in frame a (fa) stands in frame f near
 * (cx, cy), where the scene's motion took that place: a blob of the
 * track's kind there, not the track itself, in the same surround as then. */
static int went_on(const DetectContext *s, const SpFrame *fa, const SpFrame *f,
                   const Track *t, int64_t a, float cx, float cy)
{
    int ka = (int)(a % POS_HIST);
    int rc = is_pixel_kind(t->kind) ? 1 : (int)ceilf(t->radius) + 1;
    float ox, oy, resp, rad, level;

    if (t->pf[ka] != a || !t->pseen[ka] ||
        !localise(s, f, t, cx, cy, &ox, &oy, &resp, &rad, &level) ||
        (ox - t->x) * (ox - t->x) + (oy - t->y) * (oy - t->y) < 1.5f * 1.5f)
        return 0;
    return same_place(s, fa, (int)sp_detect_lrint(t->px[ka]), (int)sp_detect_lrint(t->py[ka]), f,
                      (int)sp_detect_lrint(ox), (int)sp_detect_lrint(oy), rc);
}

/*
 * Did the picture carry off what the track showed in frame a? A defect
 * stays on the sensor while the scene moves away under it; a scene detail
 * goes with the picture. So in frame n, where the camera's motion since a
 * has taken the place the track was at, look for what the track showed
 * then: the track itself there means it went with the picture; the same
 * blob with the same surround there means the track stayed behind and took
 * the next detail that came by (letters of a line of text sliding under a
 * still track, lights passing). For a defect, that place shows the scene
 * that was under it, without the defect.
 * Returns 1 if carried off, 0 if not, -1 when it cannot tell: the camera
 * was not followed, moved too little, or took the place so close to the
 * track that the track itself would answer.
 */
static int carried_off(const DetectContext *s, const SpFrame *fa, const SpFrame *f,
                       const Track *t, int64_t a, int64_t n)
{
    int ka = (int)(a % POS_HIST), kn = (int)(n % POS_HIST);
    float gate = is_pixel_kind(t->kind) ? 2.0f : 4.0f, cx, cy, dx, dy, d2;

    if (s->camf[ka] != a || s->camf[kn] != n || s->camok[kn] < n - a ||
        t->pf[ka] != a || !t->pseen[ka])
        return -1;
    dx = s->camx[kn] - s->camx[ka];
    dy = s->camy[kn] - s->camy[ka];
    if (dx * dx + dy * dy < 3.0f * 3.0f)
        return -1;
    cx = t->px[ka] + dx;
    cy = t->py[ka] + dy;
    d2 = (cx - t->x) * (cx - t->x) + (cy - t->y) * (cy - t->y);
    if (d2 < 1.5f * 1.5f)
        return 1;
    if (d2 < (gate + 2.0f) * (gate + 2.0f))
        return -1;
    return went_on(s, fa, f, t, a, cx, cy);
}

/* Other tracks' disks about a track, in the frame it is seen in now:
 * places whose content is not the scene's (scene_moved) */
#define NEAR_MAX 8
typedef struct Near {
    int n;
    int x[NEAR_MAX], y[NEAR_MAX], r2[NEAR_MAX];
} Near;

static int near_other(const Near *nb, int x, int y)
{
    for (int k = 0; k < nb->n; k++)
        if ((x - nb->x[k]) * (x - nb->x[k]) + (y - nb->y[k]) * (y - nb->y[k]) <= nb->r2[k])
            return 1;
    return 0;
}

/* A ring's cost at shift (dx, dy): the sum of |vb[k] - a[offa[k] + d]|
 * over its n points, from the sums of every shift (sads) where they were
 * made (8-bit), else summed. */
static long shift_sad(const DetectContext *s, const SpFrame *fa, const uint32_t *sads,
                      const int *offa, const int *vb, int n, ptrdiff_t sa, int dx, int dy)
{
    ptrdiff_t d = dy * sa + dx;
    long sad = 0;
    int k;

    if (sads)
        return (long)sads[(dy + SHIFT) * (2 * SHIFT + 1) + dx + SHIFT];
    if (fa->depth > 8) {
        const uint16_t *pa = (const uint16_t *)fa->data[0] + d;
        for (k = 0; k < n; k++)
            sad += abs(vb[k] - (pa[offa[k]] >> s->shift));
    } else {
        const uint8_t *pa = fa->data[0] + d;
        for (k = 0; k < n; k++)
            sad += abs(vb[k] - pa[offa[k]]);
    }
    return sad;
}

/* A ring on an edge: the cost across it EDGE_ACROSS times the best at
 * least, along it (2 px from the best) under EDGE_ALONG times. */
#define EDGE_ACROSS 3
#define EDGE_ALONG 1.2f

/*
 * Did the scene move under a track between frame a and frame b? The
 * annulus around the track in b is matched against the annulus around the
 * track's earlier position in a, shifted by up to SHIFT pixels. A defect
 * stays while the picture slides under it: the best match is away from no
 * shift and clearly better than no shift. A scene detail carries its
 * surround along: the best match is no shift. Flat surrounds tell nothing.
 * slide_x, slide_y receive the best shift: what stood at the earlier
 * position plus the shift in a stands at the track's position in b.
 */
static int scene_moved_ring(const DetectContext *s, const SpFrame *fa, int iax, int iay,
                            const SpFrame *fb, int ibx, int iby, int r0, int r1, int step,
                            const Near *nb, int *slide_x, int *slide_y)
{
    int moved_itself = (ibx - iax) * (ibx - iax) + (iby - iay) * (iby - iay) >= 4;
    int qx, qy, dx, dy, n = 0, k, quad, bestdx = 0, bestdy = 0, bestd;
    int *vb = s->ring_v, *offa = s->ring_off, nq[5] = { 0 };
    ptrdiff_t sa = fa->depth > 8 ? fa->stride[0] / 2 : fa->stride[0];
    long sad, best = -1, sad0 = 0, sum = 0;
    float mean, tex = 0, q0[4], qbest[4];
    uint32_t all[DETECT_RING_SHIFTS], *sads = NULL;
#define INSIDE(x, y) ((x) >= SHIFT && (y) >= SHIFT && (x) < s->w - SHIFT && (y) < s->h - SHIFT)
    /* the ring's points, once, grouped by quadrant (nq[quad] onwards): the
     * sample in b, and the place of the sample under it in a, which every
     * shift then only offsets */
    for (quad = 0; quad < 4; quad++) {
        /* the quadrant's rows and columns of the grid alone, in order (the
         * grid's first point at 0 or past it: -r1 plus whole steps) */
        int g0 = -r1 + step * ((r1 + step - 1) / step);
        int ylo = quad >> 1 ? g0 : -r1, yhi = quad >> 1 ? r1 : -1;
        int xlo = quad & 1 ? g0 : -r1, xhi = quad & 1 ? r1 : -1;
        nq[quad] = n;
        for (qy = ylo; qy <= yhi; qy += step) {
            /* the row's points in the ring (r0 <= |q| <= r1: |qx| from b
             * to a) with both places inside, the grid's columns from the
             * first at or past the row's start */
            int rem1 = r1 * r1 - qy * qy, rem0 = r0 * r0 - qy * qy, a, b, lo, hi;
            const uint8_t *rb8;
            if (rem1 < 0 || !INSIDE(SHIFT, iby + qy) || !INSIDE(SHIFT, iay + qy))
                continue;
            a = (int)sqrtf((float)rem1);
            while (a > 0 && a * a > rem1)
                a--;
            while ((a + 1) * (a + 1) <= rem1)
                a++;
            b = rem0 > 0 ? (int)sqrtf((float)rem0) : 0;
            while (b > 0 && (b - 1) * (b - 1) >= rem0)
                b--;
            while (b * b < rem0)
                b++;
            lo = quad & 1 ? b : -a;
            hi = quad & 1 ? a : -b;
            lo = lo > xlo ? lo : xlo;
            hi = hi < xhi ? hi : xhi;
            lo = lo > SHIFT - ibx ? lo : SHIFT - ibx;
            lo = lo > SHIFT - iax ? lo : SHIFT - iax;
            hi = hi < s->w - SHIFT - 1 - ibx ? hi : s->w - SHIFT - 1 - ibx;
            hi = hi < s->w - SHIFT - 1 - iax ? hi : s->w - SHIFT - 1 - iax;
            if (lo > hi)
                continue;
            rb8 = fb->depth == 8 && !s->shift
                ? fb->data[0] + (ptrdiff_t)(iby + qy) * fb->stride[0] + ibx : NULL;
            qx = xlo + step * ((lo - xlo + step - 1) / step);
            if (rb8 && !nb->n) {
                /* (8-bit, no other track about it: the row's points alone,
                 * the table's limit and the row's place in a read once) */
                int cap = s->ring_cap, rowa = (int)((iay + qy) * sa + iax);
                for (; qx <= hi && n < cap; qx += step) {
                    int v = rb8[qx];
                    vb[n] = v;
                    offa[n] = rowa + qx;
                    sum += v;
                    n++;
                }
                continue;
            }
            for (; qx <= hi; qx += step) {
                if (n >= s->ring_cap || (nb->n && near_other(nb, ibx + qx, iby + qy)))
                    continue;
                vb[n] = rb8 ? rb8[qx] : luma(fb, s->shift, ibx + qx, iby + qy);
                offa[n] = (int)((iay + qy) * sa + iax + qx);
                sum += vb[n];
                n++;
            }
        }
    }
    nq[4] = n;
    if (!n)
        return 0;
    /* texture of the surround: with none, no telling */
    mean = (float)sum / n;
    for (k = 0; k < n; k++)
        tex += fabsf(vb[k] - mean);
    if (n < 8 || tex < 4.0f * n)
        return 2;          /* flat: no telling here */
    /* 8-bit: every shift's sum at once (vector code); a sum that the
     * shifts' loop below leaves unfinished is past the best, so the same
     * shift is chosen */
    if (fa->depth == 8 && SHIFT == DETECT_RING_SHIFT) {
        sp_detect_ring_sads(fa->data[0], sa, offa, vb, n, all);
        sads = all;
    }
    /* the shifts in order, the first strictly best kept; a sum already
     * past the best need not be finished, but the one at no shift is */
    for (dy = -SHIFT; dy <= SHIFT; dy++)
        for (dx = -SHIFT; dx <= SHIFT; dx++) {
            ptrdiff_t d = dy * sa + dx;
            long stop = (dx || dy) && best >= 0 ? best : -1;
            sad = 0;
            if (fa->depth > 8) {
                const uint16_t *pa = (const uint16_t *)fa->data[0] + d;
                for (k = 0; k < n; k++) {
                    sad += abs(vb[k] - (pa[offa[k]] >> s->shift));
                    if (stop >= 0 && sad >= stop && (k & 15) == 15)
                        break;
                }
            } else if (sads) {
                sad = sads[(dy + SHIFT) * (2 * SHIFT + 1) + dx + SHIFT];
            } else {
                const uint8_t *pa = fa->data[0] + d;
                /* 16 points between looks at the best */
                for (k = 0; k < n; ) {
                    int ke = k + 16 < n ? k + 16 : n;
                    for (; k < ke; k++)
                        sad += abs(vb[k] - pa[offa[k]]);
                    if (stop >= 0 && sad >= stop)
                        break;
                }
            }
            if (!dx && !dy)
                sad0 = sad;
            if (best < 0 || sad < best) {
                best = sad;
                bestdx = dx;
                bestdy = dy;
                *slide_x = dx;
                *slide_y = dy;
            }
        }
    /* the quadrants' sums at no shift and at the best */
    for (quad = 0; quad < 4; quad++) {
        long e0 = 0, eb = 0;
        ptrdiff_t d = bestdy * sa + bestdx;
        for (k = nq[quad]; k < nq[quad + 1]; k++) {
            int v0 = fa->depth > 8 ? ((const uint16_t *)fa->data[0])[offa[k]] >> s->shift
                                   : fa->data[0][offa[k]];
            int vd = fa->depth > 8 ? ((const uint16_t *)fa->data[0])[offa[k] + d] >> s->shift
                                   : fa->data[0][offa[k] + d];
            e0 += abs(vb[k] - v0);
            eb += abs(vb[k] - vd);
        }
        q0[quad] = (float)e0;
        qbest[quad] = (float)eb;
    }
    bestd = bestdx * bestdx + bestdy * bestdy;
    /* slid past: the earlier surround reappears, shifted, nearly as it was
     * (content that changed rather than moved matches nowhere well), and
     * all round it: in at least three quarters of the ring, not only where
     * something passed by a still thing */
    if (bestd >= 4 && best < 0.6f * sad0 && best < 0.5f * tex) {
        int agree = 0;
        for (k = 0; k < 4; k++)
            agree += qbest[k] < 0.7f * q0[k];
        if (agree >= 3)
            return 1;
        return 0;
    }
    /* it moved and the surround came along: unless the ring is an edge,
     * which tells the motion across it only (the aperture problem): the
     * place the track left (the still scene: its motion as a shift,
     * within the shifts looked at) costs EDGE_ACROSS times the best or
     * more, and a shift 2 px or more from the best under EDGE_ALONG times
     * it. The thing may have slid along such an edge that came across
     * with it (a blotch under a level edge going up and down with its
     * drift, sliding sideways); a ring that is no such edge (grain, a
     * faint texture matching about as well everywhere) still says the
     * surround came along. */
    if (bestd <= 1 && moved_itself) {
        int mx = ibx - iax, my = iby - iay;
        mx = mx < -SHIFT ? -SHIFT : mx > SHIFT ? SHIFT : mx;
        my = my < -SHIFT ? -SHIFT : my > SHIFT ? SHIFT : my;
        if (shift_sad(s, fa, sads, offa, vb, n, sa, mx, my) >= EDGE_ACROSS * best)
            for (dy = -SHIFT; dy <= SHIFT; dy++)
                for (dx = -SHIFT; dx <= SHIFT; dx++)
                    if ((dx - bestdx) * (dx - bestdx) + (dy - bestdy) * (dy - bestdy) >= 4 &&
                        shift_sad(s, fa, sads, offa, vb, n, sa, dx, dy) < EDGE_ALONG * best)
                        return 0;
        return -1;
    }
    return 0;
#undef INSIDE
}

/* The cell of near_head a place is in (one past the frame's edge in the
 * cell at that edge). */
static int near_cell(const DetectContext *s, float v, int cells)
{
    int c = (int)floorf(v / NEAR_CELL);

    return c < 0 ? 0 : c >= cells ? cells - 1 : c;
}

/* Lists the live tracks seen in frame n by their cells. */
static void near_index(DetectContext *s, int64_t n)
{
    int i;

    for (i = 0; i < s->near_w * s->near_h; i++)
        s->near_head[i] = -1;
    s->near_ro = 0;
    /* from the table's end, so that each cell's list is in its order */
    for (i = s->track_end - 1; i >= 0; i--) {
        const Track *o = &s->tracks[i];
        int c;
        float ro;
        if (o->state == T_FREE || o->last_seen != n)
            continue;
        c = near_cell(s, o->y, s->near_h) * s->near_w + near_cell(s, o->x, s->near_w);
        s->near_next[i] = s->near_head[c];
        s->near_head[c] = i;
        ro = is_pixel_kind(o->kind) ? 2.5f : 1.5f * o->radius + 2.0f;
        if (ro > s->near_ro)
            s->near_ro = ro;
    }
}

static int cmp_int(const void *a, const void *b)
{
    return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/* Sorts v[0 .. nb - 1] up: a few sorted runs (the cells' lists) by
 * insertion, more by qsort. */
static void sort_ints(int *v, int nb)
{
    int i, j, x;

    if (nb > 64) {
        qsort(v, nb, sizeof(*v), cmp_int);
        return;
    }
    for (i = 1; i < nb; i++) {
        x = v[i];
        for (j = i; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static int scene_moved(const DetectContext *s, const Track *t, int64_t a, int64_t n,
                       const SpFrame *fa, float ax, float ay, const SpFrame *fb, float bx,
                       float by, float radius, int *slide_x, int *slide_y)
{
    int iax = (int)sp_detect_lrint(ax), iay = (int)sp_detect_lrint(ay), ibx = (int)sp_detect_lrint(bx), iby = (int)sp_detect_lrint(by);
    int r0 = (int)(radius * 1.5f) + 3, ret, i, cx, cy, nf = 0;
    /* (a pixel past the farthest a neighbour's disk may be looked for) */
    float reach = (float)r0 + 44 + s->near_ro + 1;
    int cx0 = near_cell(s, bx - reach, s->near_w), cx1 = near_cell(s, bx + reach, s->near_w);
    int cy0 = near_cell(s, by - reach, s->near_h), cy1 = near_cell(s, by + reach, s->near_h);
    Near nb = { 0 };

    /* another track about it that went along with it (within 1.5 px,
     * from frame a or its first frame since) is no part of the scene:
     * another defect drifting beside it is not its surround coming along
     * (the ring's samples on it are left out); the tracks of the cells
     * within reach, in the table's order (the first NEAR_MAX are taken) */
    for (cy = cy0; cy <= cy1; cy++)
        for (cx = cx0; cx <= cx1; cx++)
            for (i = s->near_head[cy * s->near_w + cx]; i >= 0; i = s->near_next[i])
                s->near_found[nf++] = i;
    sort_ints(s->near_found, nf);
    for (int k = 0; k < nf && nb.n < NEAR_MAX; k++) {
        const Track *o = &s->tracks[s->near_found[k]];
        float dx, dy, ro, ex, ey;
        int64_t b;
        int kb;
        /* (the tests in order of cost: the place first, which leaves out
         * most of a crowded frame's tracks) */
        if (o == t || o->state == T_FREE || o->last_seen != n)
            continue;
        dx = o->x - bx;
        dy = o->y - by;
        ro = is_pixel_kind(o->kind) ? 2.5f : 1.5f * o->radius + 2.0f;
        /* (one whose disk takes in its centre is a second track on the
         * same blob: a dot's and a blotch's) */
        if (dx * dx + dy * dy >= (r0 + 44 + ro) * (r0 + 44 + ro) ||
            dx * dx + dy * dy <= (ro + 2.0f) * (ro + 2.0f))
            continue;
        b = o->born > a ? o->born : a;
        kb = (int)(b % POS_HIST);
        if (b >= n || o->pf[kb] != b || t->pf[kb] != b)
            continue;
        ex = o->x - o->px[kb] - (bx - t->px[kb]);
        ey = o->y - o->py[kb] - (by - t->py[kb]);
        if (ex * ex + ey * ey > 1.5f * 1.5f)
            continue;
        nb.x[nb.n] = (int)sp_detect_lrint(o->x);
        nb.y[nb.n] = (int)sp_detect_lrint(o->y);
        nb.r2[nb.n++] = (int)(ro * ro);
    }
    /* more than one going along with it (two tracks on one blob, a
     * dot's and a blotch's, are one): a pattern of the scene moving with
     * the picture (a grid of lights), not a pair of defects */
    for (i = 1; i < nb.n; i++)
        if ((nb.x[i] - nb.x[0]) * (nb.x[i] - nb.x[0]) + (nb.y[i] - nb.y[0]) * (nb.y[i] - nb.y[0]) > 9)
            nb.n = 0;

    /* look further out only where it is flat close by: a textured
     * surround that stays still says the thing sits in a still scene */
    *slide_x = *slide_y = 0;
    ret = scene_moved_ring(s, fa, iax, iay, fb, ibx, iby, r0, r0 + 4, 2, &nb, slide_x, slide_y);
    if (ret == 2)
        ret = scene_moved_ring(s, fa, iax, iay, fb, ibx, iby, r0 + 8, r0 + 20, 3, &nb,
                               slide_x, slide_y);
    if (ret == 2)
        ret = scene_moved_ring(s, fa, iax, iay, fb, ibx, iby, r0 + 20, r0 + 44, 4, &nb,
                               slide_x, slide_y);
    return ret;
}

/* One frame's motion of the defects of a class over the sensor: a shift
 * and a scale about the frame's centre. */
typedef struct Motion Motion;

static void motion_at(const Motion *m, float cx, float cy, float x, float y,
                      float *dx, float *dy)
{
    *dx = m->tx + m->sc * (x - cx);
    *dy = m->ty + m->sc * (y - cy);
}

/*
 * Robust fit of the motion of one class from the tracks seen in both
 * frames: the mode of their displacements (a 0.5 px histogram) picks the
 * defects' common motion out of the scene's, then a least-squares shift
 * and scale over the displacements near it, refitted once with a tighter
 * threshold.
 */
static void fit_motion(DetectContext *s, int cls, int64_t n, Motion *m)
{
    enum { NB = 33, PW = NB + 2 };
    float hist[PW * PW]; /* NB x NB bins in a border of zeros */
    float cx = s->w / 2.0f, cy = s->h / 2.0f, mx = 0, my = 0;
    int i, b, best = -1, iter;

    m->valid = 0;
    m->tx = m->ty = m->sc = 0;
    memset(hist, 0, sizeof(hist));
    for (i = 0; i < s->track_end; i++) {
        const Track *t = &s->tracks[i];
        int bx, by;
        if (t->state != T_CONFIRMED || (is_pixel_kind(t->kind) ? 1 : 0) != cls ||
            t->vframe != n)
            continue;
        bx = (int)sp_detect_lrint(t->vx * 2) + NB / 2;
        by = (int)sp_detect_lrint(t->vy * 2) + NB / 2;
        if (bx < 0 || by < 0 || bx >= NB || by >= NB)
            continue;
        hist[(by + 1) * PW + bx + 1] += t->state == T_CONFIRMED ? 4.0f : 1.0f;
    }
    {
        float bestw = 0;
        for (b = 0; b < NB * NB; b++) {
            /* the 3x3 bins around, in order; the border's zeros add
             * nothing (w + 0 is w), as the bins past the edge did not */
            const float *h = hist + (b / NB) * PW + b % NB;
            float w = 0;
            w += h[0];
            w += h[1];
            w += h[2];
            w += h[PW];
            w += h[PW + 1];
            w += h[PW + 2];
            w += h[2 * PW];
            w += h[2 * PW + 1];
            w += h[2 * PW + 2];
            if (w > bestw) {
                bestw = w;
                best = b;
            }
        }
        if (best < 0 || bestw < 8.0f)
            return;
        mx = (best % NB - NB / 2) / 2.0f;
        my = (best / NB - NB / 2) / 2.0f;
    }
    m->tx = mx;
    m->ty = my;
    for (iter = 0; iter < 2; iter++) {
        double a11 = 0, a13 = 0, a23 = 0, a33 = 0, b1 = 0, b2 = 0, b3 = 0, sw = 0;
        float lim = iter ? 1.0f : 2.0f;
        for (i = 0; i < s->track_end; i++) {
            const Track *t = &s->tracks[i];
            float px, py, ex, ey, X, Y, w;
            if (t->state != T_CONFIRMED || (is_pixel_kind(t->kind) ? 1 : 0) != cls ||
                t->vframe != n)
                continue;
            px = t->x - t->vx;
            py = t->y - t->vy;
            motion_at(m, cx, cy, px, py, &ex, &ey);
            if (fabsf(t->vx - ex) > lim || fabsf(t->vy - ey) > lim)
                continue;
            w = t->state == T_CONFIRMED ? 4.0f : 1.0f;
            X = px - cx;
            Y = py - cy;
            a11 += w;
            a13 += w * X;
            a23 += w * Y;
            a33 += w * (X * X + Y * Y);
            b1 += w * t->vx;
            b2 += w * t->vy;
            b3 += w * (X * t->vx + Y * t->vy);
            sw += w;
        }
        if (sw < 8.0)
            return;
        {
            /* [a11 0 a13; 0 a11 a23; a13 a23 a33] [tx ty sc] = [b1 b2 b3] */
            double det = a11 * (a11 * a33 - a23 * a23) - a13 * a13 * a11;
            if (fabs(det) > 1e-9 * (a11 * a11 * a33 + 1) && sw >= 16.0) {
                double sc = (a11 * b3 - a13 * b1 - a23 * b2) /
                            (a11 * a33 - a13 * a13 - a23 * a23);
                m->sc = (float)sc;
                m->tx = (float)((b1 - a13 * sc) / a11);
                m->ty = (float)((b2 - a23 * sc) / a11);
                if (fabsf(m->sc) > 0.01f) { /* a percent a frame is no sensor drift */
                    m->sc = 0;
                    m->tx = (float)(b1 / a11);
                    m->ty = (float)(b2 / a11);
                }
            } else {
                m->sc = 0;
                m->tx = (float)(b1 / a11);
                m->ty = (float)(b2 / a11);
            }
        }
    }
    m->valid = 1;
}

/*
 * A defect keeps its own character from frame to frame, whatever the
 * picture does around it: a hot pixel adds the same level (its contrast
 * holds), a dead or stuck one shows the same value (its level plus
 * contrast holds), a dust shadow dims by the same fraction (its contrast
 * against the surround's level holds). A scene detail that passes for one
 * (a highlight gliding over a glossy surface, a speck of texture the track
 * hops between) changes in all three ways as the picture moves. Over the
 * last sightings, the median change per sighting of each quantity,
 * relative to the contrast, must stay small for at least one of them.
 */
static float median_change(const Track *t, int model, float noise)
{
    float d[RESP_HIST - 1];
    int n = t->nresp < RESP_HIST ? t->nresp : RESP_HIST, i, j, k = 0;

    for (i = 1; i < n; i++) {
        int a = (t->nresp - i) % RESP_HIST, b = (t->nresp - i - 1) % RESP_HIST;
        float ra = t->resp[a], rb = t->resp[b], v;
        if (model == 0)        /* additive */
            v = fmaxf(fabsf(ra - rb) - noise, 0) / fmaxf(fabsf(rb), 1.0f);
        else if (model == 1)   /* a fixed value */
            v = fmaxf(fabsf(t->level[a] + ra - t->level[b] - rb) - noise, 0) /
                fmaxf(fabsf(rb), 1.0f);
        else {                 /* multiplicative */
            float ga = ra / fmaxf(t->level[a], 1.0f), gb = rb / fmaxf(t->level[b], 1.0f);
            v = fabsf(ga - gb) / fmaxf(fabsf(gb), 0.01f);
        }
        for (j = k++; j > 0 && d[j - 1] > v; j--) /* insertion sort */
            d[j] = d[j - 1];
        d[j] = v;
    }
    return k ? d[k / 2] : 0.0f;
}

/*
 * A dust shadow is round (the aperture's disc, out of focus): the axis
 * ratio of the pixels past half its depth (within twice its radius, plus a
 * pixel), from their second moments about their centre. A speck or a
 * sheen of the scene is often longer than wide.
 */
static float elongation(const DetectContext *s, const SpFrame *f, float cx, float cy,
                        int sign, float radius, float level)
{
    int r = (int)ceilf(2.0f * radius) + 1, x0 = (int)sp_detect_lrint(cx), y0 = (int)sp_detect_lrint(cy), i, j;
    float peak = 0, sw = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, mx, my, a, b, c, d, l1, l2;

    if (x0 - r < 0 || y0 - r < 0 || x0 + r >= s->w || y0 + r >= s->h)
        return 1.0f;
    if (f->depth == 8) {
        /* 8-bit: the disk's rows read in place, over their spans only; the
         * same values, summed in the same order */
        const uint8_t *p0 = f->data[0] + (ptrdiff_t)y0 * f->stride[0] + x0;
        int lo = 255, hi = 0, spans[2 * 64 + 1], sp = 0;
        /* each row's half-width (the largest sp with sp^2 + j^2 <= r^2),
         * from the row before's */
        for (j = -r; j <= r; j++) {
            while ((sp + 1) * (sp + 1) + j * j <= r * r)
                sp++;
            while (sp > 0 && sp * sp + j * j > r * r)
                sp--;
            if (r <= 64)
                spans[j + r] = sp;
        }
        /* the peak from the least or the largest sample (the dimming is
         * monotonic in it; only compared below, so a zero's sign does not
         * matter) */
        if (r <= 64) {
            sp_detect_disk_minmax(p0, f->stride[0], spans, r, &lo, &hi);
        } else
        for (j = -r; j <= r; j++) {
            const uint8_t *row = p0 + (ptrdiff_t)j * f->stride[0];
            sp = 0;
            while ((sp + 1) * (sp + 1) + j * j <= r * r)
                sp++;
            for (i = -sp; i <= sp; i++) {
                lo = row[i] < lo ? row[i] : lo;
                hi = row[i] > hi ? row[i] : hi;
            }
        }
        peak = fmaxf(peak, sign * ((sign > 0 ? hi : lo) - level));
        for (j = -r; j <= r; j++) {
            const uint8_t *row = p0 + (ptrdiff_t)j * f->stride[0];
            if (r <= 64) {
                sp = spans[j + r];
            } else {
                sp = 0;
                while ((sp + 1) * (sp + 1) + j * j <= r * r)
                    sp++;
            }
            for (i = -sp; i <= sp; i++) {
                float v = sign * (row[i] - level);
                if (v <= 0.5f * peak)
                    continue;
                sw += v;
                sx += v * i;
                sy += v * j;
                sxx += v * i * i;
                syy += v * j * j;
                sxy += v * i * j;
            }
        }
    } else {
    for (j = -r; j <= r; j++)
        for (i = -r; i <= r; i++)
            if (i * i + j * j <= r * r)
                peak = fmaxf(peak, sign * (luma(f, s->shift, x0 + i, y0 + j) - level));
    for (j = -r; j <= r; j++)
        for (i = -r; i <= r; i++) {
            float v = sign * (luma(f, s->shift, x0 + i, y0 + j) - level);
            if (i * i + j * j > r * r || v <= 0.5f * peak)
                continue;
            sw += v;
            sx += v * i;
            sy += v * j;
            sxx += v * i * i;
            syy += v * j * j;
            sxy += v * i * j;
        }
    }
    if (sw <= 0)
        return 1.0f;
    mx = sx / sw;
    my = sy / sw;
    a = sxx / sw - mx * mx;
    b = syy / sw - my * my;
    c = sxy / sw - mx * my;
    d = sqrtf(0.25f * (a - b) * (a - b) + c * c);
    l1 = 0.5f * (a + b) + d;
    l2 = 0.5f * (a + b) - d;
    return l2 > 0.01f ? sqrtf(l1 / l2) : 10.0f;
}

/* The median axis ratio of a blotch's last sightings. */
static float median_elongation(const Track *t)
{
    float d[RESP_HIST];
    int n = t->nresp < RESP_HIST ? t->nresp : RESP_HIST, i, j;

    for (i = 0; i < n; i++) {
        float v = t->elong[i];
        for (j = i; j > 0 && d[j - 1] > v; j--)
            d[j] = d[j - 1];
        d[j] = v;
    }
    return n ? d[n / 2] : 1.0f;
}

static int steady(const Track *t)
{
    /* a blotch's response also takes in the texture under it, a colour
     * dot's some of the picture's chroma */
    float lim = is_pixel_kind(t->kind) && !t->cplane ? STEADY : STEADY_BLOTCH;
    /* a colour dot's few levels of chroma change with the compression */
    float noise = t->cplane ? STEADY_NOISE : 0;

    /* so do a hot pixel's few levels of luma: 2-3 a frame, 10-20 % of a
     * faint one's excess. The picture seen sliding under a dot (its ring,
     * not the camera's estimate alone, which parallax fools on a floor's
     * specks; the camera's when the dot kept to the dots' known drift
     * then) with no veto and no hop says it is on the sensor: the more
     * often, the less steady it need be */
    if (is_pixel_kind(t->kind) && !t->cplane && !t->veto && !t->bad)
        lim = fminf(STEADY * (1.0f + (float)(t->good - t->good_cam + t->cam_kept) /
                              STEADY_SLID), STEADY_DOT_MAX);
    /* a wide dot (a small blotch taken for a dot) whose response, like a
     * blotch's, takes in the surround it drifts over, once the picture
     * was seen sliding under it twice: a blotch's limit (phone seed 1's
     * blotch drifting into a shadow, its response 21 -> 15 in 8 frames) */
    if (is_pixel_kind(t->kind) && !t->cplane && t->wide && !t->veto && !t->bad &&
        t->good - t->good_cam >= STEADY_WIDE_SLID)
        lim = STEADY_BLOTCH;
    /* a colour dot is one chroma sample, which compression quantises
     * coarsely: a hot blue pixel's Cb excess went 18, 7, 7, 10, 17, 11,
     * 6, 11, 17, 9 levels in phone seed 66's frames 4-13, 40 % a frame
     * in the median. Its ring seen sliding (not the camera's estimate)
     * with no veto and no hop says it is on the sensor: the more often,
     * the less steady it need be */
    if (t->cplane && !t->veto && !t->bad)
        lim = fminf(STEADY_BLOTCH * (1.0f + (float)(t->good - t->good_cam) / STEADY_COLOUR_SLID),
                    STEADY_COLOUR_MAX);
    if (t->nresp < 5)
        return 1;
    if (!is_pixel_kind(t->kind) && median_elongation(t) > 1.5f)
        return 0;
    return median_change(t, 0, noise) <= lim || median_change(t, 1, noise) <= lim ||
           median_change(t, 2, noise) <= lim;
}

/*
 * Follow a track just confirmed backwards: from its earliest sighting,
 * looked for in each earlier frame down to frame lo (frames the ring still
 * holds unprocessed), near where it was found in the next one and as
 * strong, until it is not found: a defect found late, or found again after
 * its first track died, is repaired in the frames before too.
 */
static void backfill(DetectContext *s, Track *t, int64_t lo)
{
    int k = (int)(t->first % POS_HIST);
    float x = t->px[k], y = t->py[k];
    float lim = 1.5f + sqrtf(t->vx * t->vx + t->vy * t->vy);
    int64_t a;

    if (!s->can_compare || t->pf[k] != t->first)
        return; /* the ring may not hold them */
    for (a = t->first - 1; a >= lo && a >= 0; a--) {
        int kf = (int)(a % RECENT);
        float ox, oy, resp, rad, level;
        if (s->recent_n[kf] != a ||
            !localise(s, s->recent[kf], t, x, y, &ox, &oy, &resp, &rad, &level))
            break;
        /* it, not a neighbour: where it was a frame later, give or take
         * its drift, and as strong (a defect keeps its character) */
        if ((ox - x) * (ox - x) + (oy - y) * (oy - y) > lim * lim ||
            fabsf(resp - t->contrast) > 0.35f * fabsf(t->contrast))
            break;
        record(t, a, ox, oy, 0);
        t->first = a;
        x = ox;
        y = oy;
    }
}

/*
 * The shared drift. The defects sit on one sensor, so they all move by one
 * motion in the picture (the stabiliser's crop, the lens's breathing): a
 * shift and a scale about the frame's centre. A blotch that is a defect
 * moves as the confirmed ones do; a scene detail the picture carries (a
 * speck on the floor, a sheen), whose evidence a flat surround leaves to
 * the camera's motion alone, which parallax fools, moves as the scene
 * does there.
 * drift_residual: from the track's earliest sighting a of the last
 * CAM_SPAN frames (span frames back at least: 8 to confirm) to now, the
 * displacements of the other confirmed tracks of its class seen at both
 * ends give the drift (fit_drift): their median shift, then a shift and a scale fitted (least
 * squares) to those within 4 px of it, then to those within 1.5 px of
 * that; with at least three that agree, the track's own displacement is
 * compared with the fit's at its place. A fit over the whole span, not
 * frame by frame, does not add up the errors of each frame.
 * A faint blotch, one found only because its surround is flat
 * (flat_threshold), is confirmed only if it keeps to that drift (within
 * 2 px); where the confirmed defects do not tell the drift (fewer than
 * three), the tracks that wait for it with all the other evidence a
 * confirmation asks for tell it with them (drift_witness): the faint
 * defects of footage with one or two strong ones (or none) confirm one
 * another when three others keep to one motion with the track. Without
 * three such, it waits: on footage without defects, nothing faint is
 * repaired unless three more faint things, each with its own evidence,
 * moved as one with it. Any other blotch that strays from a known drift
 * by more than 2 px is not confirmed either.
 */

/* Whether track o is one whose motion tells the drift: a confirmed one,
 * or (wide) a tentative one with all the evidence a confirmation asks for
 * of its own (seen most of its life, the scene seen moving under it, no
 * more hops or vetoes than that allows, alone, steady): one that waits
 * only for the drift. */
static int drift_witness(const DetectContext *s, const Track *o, int wide)
{
    if (o->state == T_CONFIRMED)
        return 1;
    return wide && o->state == T_TENTATIVE && o->hits >= 6 && o->hits >= 0.75f * o->frames &&
           o->good >= 3 && o->bad * 3 <= o->good && o->veto * 2 <= o->good && steady(o) &&
           !crowded(s, o);
}

/* The drift of class cls from frame a to frame n, from the confirmed
 * tracks but t seen in both: displacement (tx, ty) + sc * (position in a
 * less the frame's centre). Returns 0, or -1 with fewer than three that
 * agree. wide & DRIFT_TENTATIVE: the witnesses waiting for the drift
 * count too (drift_witness); wide & DRIFT_NARROW: the dots' drift from
 * the dots no wider than a pixel's smear only (a wide one may be a small
 * blotch, which moves with the blotches); DRIFT_WIDE: from the wide ones
 * only. */
#define DRIFT_TENTATIVE 1
#define DRIFT_NARROW    2
#define DRIFT_WIDE      4
/* Whether track o is one of fit_drift's witnesses of class cls from frame
 * a (slot ka) to n (slot kn). */
static int drift_takes(const DetectContext *s, const Track *o, int cls, int64_t a, int64_t n,
                       int wide)
{
    int ka = (int)(a % POS_HIST), kn = (int)(n % POS_HIST);

    return drift_witness(s, o, wide & DRIFT_TENTATIVE) &&
           (is_pixel_kind(o->kind) ? 1 : 0) == cls && !((wide & DRIFT_NARROW) && o->wide) &&
           !((wide & DRIFT_WIDE) && !o->wide) &&
           o->pf[ka] == a && o->pseen[ka] && o->pf[kn] == n && o->pseen[kn];
}

/* Puts witness o's place in a (about the frame's centre) and displacement
 * to n at k of the lists. */
static void drift_put(const DetectContext *s, const Track *o, int64_t a, int64_t n,
                      float *ox, float *oy, float *odx, float *ody, int k)
{
    int ka = (int)(a % POS_HIST), kn = (int)(n % POS_HIST);

    ox[k] = o->px[ka] - s->w / 2.0f;
    oy[k] = o->py[ka] - s->h / 2.0f;
    odx[k] = o->px[kn] - o->px[ka];
    ody[k] = o->py[kn] - o->py[ka];
}

/* Inserts v into the sorted m[0 .. no - 1]. */
static void sorted_insert(float *m, int no, float v)
{
    int j;

    for (j = no; j > 0 && m[j - 1] > v; j--)
        m[j] = m[j - 1];
    m[j] = v;
}

/* The fit of no witnesses (their displacements sorted in mx, my). */
static int drift_solve(const float *ox, const float *oy, const float *odx, const float *ody,
                       const float *mx, const float *my, int no,
                       float *ptx, float *pty, float *psc)
{
    float tx, ty, sc = 0;
    int k, iter;

    if (no < 3)
        return -1;
    /* the median shift first (a scene detail among the confirmed tracks
     * does not move it), then the shift and scale of those near it */
    tx = mx[no / 2];
    ty = my[no / 2];
    for (iter = 0; iter < 2; iter++) {
        double a11 = 0, a13 = 0, a23 = 0, a33 = 0, b1 = 0, b2 = 0, b3 = 0, den;
        float lim = iter ? 1.5f : 4.0f;
        for (k = 0; k < no; k++) {
            float X = ox[k], Y = oy[k];
            if (fabsf(odx[k] - tx - sc * X) > lim || fabsf(ody[k] - ty - sc * Y) > lim)
                continue;
            a11 += 1;
            a13 += X;
            a23 += Y;
            a33 += X * X + Y * Y;
            b1 += odx[k];
            b2 += ody[k];
            b3 += X * odx[k] + Y * ody[k];
        }
        if (a11 < 3)
            return -1;
        /* [a11 0 a13; 0 a11 a23; a13 a23 a33] [tx ty sc] = [b1 b2 b3] */
        den = a11 * a33 - a13 * a13 - a23 * a23;
        sc = fabs(den) > 1e-6 * a11 * a33 ? (float)((a11 * b3 - a13 * b1 - a23 * b2) / den) : 0;
        tx = (float)((b1 - a13 * sc) / a11);
        ty = (float)((b2 - a23 * sc) / a11);
    }
    *ptx = tx;
    *pty = ty;
    *psc = sc;
    return 0;
}

/* The witnesses of (cls, a, n, wide) in the memo, listed now if they are
 * not yet (the oldest list making room). */
static const DriftList *drift_memo(const DetectContext *s, int cls, int64_t a, int64_t n,
                                   int wide)
{
    DriftMemo *mm = s->memo;
    DriftList *d;
    int i, k;

    for (i = 0; i < mm->nb; i++) {
        d = &mm->list[i];
        if (d->a == a && d->n == n && d->cls == cls && d->flags == wide)
            return d;
    }
    if (mm->nb < DRIFT_MEMO) {
        d = &mm->list[mm->nb++];
    } else {
        d = &mm->list[mm->next];
        mm->next = (mm->next + 1) % DRIFT_MEMO;
    }
    d->a = a;
    d->n = n;
    d->cls = cls;
    d->flags = wide;
    d->nw = 0;
    for (i = 0; i < s->track_end && d->nw <= DRIFT_NO; i++)
        if (drift_takes(s, &s->tracks[i], cls, a, n, wide)) {
            d->idx[d->nw] = i;
            drift_put(s, &s->tracks[i], a, n, d->ox, d->oy, d->odx, d->ody, d->nw++);
        }
    for (k = 0; k < d->nw && k < DRIFT_NO; k++) {
        sorted_insert(d->mx, k, d->odx[k]);
        sorted_insert(d->my, k, d->ody[k]);
    }
    d->ret = drift_solve(d->ox, d->oy, d->odx, d->ody, d->mx, d->my, k,
                         &d->tx, &d->ty, &d->sc);
    return d;
}

/* Removes one v from the sorted m[0 .. no - 1]. */
static void sorted_remove(float *m, int no, float v)
{
    int j = 0;

    while (j < no - 1 && m[j] != v)
        j++;
    for (; j < no - 1; j++)
        m[j] = m[j + 1];
}

/* The drift of class cls from frame a to frame n, from the confirmed
 * tracks but t seen in both: displacement (tx, ty) + sc * (position in a
 * less the frame's centre). Returns 0, or -1 with fewer than three that
 * agree. wide & DRIFT_TENTATIVE: the witnesses waiting for the drift
 * count too (drift_witness); wide & DRIFT_NARROW: the dots' drift from
 * the dots no wider than a pixel's smear only (a wide one may be a small
 * blotch, which moves with the blotches); DRIFT_WIDE: from the wide ones
 * only. The first DRIFT_NO witnesses in the table's order are taken.
 * With the memo on and the confirmed tracks alone, their list is made
 * once for every track that asks: one that is not among the first
 * DRIFT_NO gets the list's own fit; one that is, the fit without it (the
 * next witness in its stead), the same numbers in the same order as its
 * own scan of the table would give. */
static int fit_drift(const DetectContext *s, const Track *t, int cls, int64_t a, int64_t n,
                     int wide, float *ptx, float *pty, float *psc)
{
    float ox[DRIFT_NO + 1], oy[DRIFT_NO + 1], odx[DRIFT_NO + 1], ody[DRIFT_NO + 1];
    float mx[DRIFT_NO + 1], my[DRIFT_NO + 1];
    int i, k, no = 0, ti = (int)(t - s->tracks);

    if (s->memo->on && !(wide & DRIFT_TENTATIVE)) {
        const DriftList *d = drift_memo(s, cls, a, n, wide);
        int p = -1, first = d->nw < DRIFT_NO ? d->nw : DRIFT_NO;
        for (k = 0; k < first && p < 0; k++)
            if (d->idx[k] == ti)
                p = k;
        if (p < 0) {
            *ptx = d->tx;
            *pty = d->ty;
            *psc = d->sc;
            return d->ret;
        }
        for (k = 0; k < d->nw; k++)
            if (k != p) {
                ox[no] = d->ox[k];
                oy[no] = d->oy[k];
                odx[no] = d->odx[k];
                ody[no] = d->ody[k];
                no++;
            }
        memcpy(mx, d->mx, sizeof(*mx) * first);
        memcpy(my, d->my, sizeof(*my) * first);
        sorted_remove(mx, first, d->odx[p]);
        sorted_remove(my, first, d->ody[p]);
        if (d->nw > DRIFT_NO) {
            sorted_insert(mx, first - 1, odx[no - 1]);
            sorted_insert(my, first - 1, ody[no - 1]);
        }
        return drift_solve(ox, oy, odx, ody, mx, my, no, ptx, pty, psc);
    }
    for (i = 0; i < s->track_end && no < DRIFT_NO; i++) {
        const Track *o = &s->tracks[i];
        if (o == t || !drift_takes(s, o, cls, a, n, wide))
            continue;
        drift_put(s, o, a, n, ox, oy, odx, ody, no);
        /* insertion sort of the displacements, for their medians */
        sorted_insert(mx, no, odx[no]);
        sorted_insert(my, no, ody[no]);
        no++;
    }
    return drift_solve(ox, oy, odx, ody, mx, my, no, ptx, pty, psc);
}

/* A track's earliest sighting of the last CAM_SPAN frames, span frames
 * back at least; -1 if it has none. */
static int64_t earliest_sighting(const Track *t, int64_t n, int span)
{
    int64_t a = t->born > n - CAM_SPAN ? t->born : n - CAM_SPAN;

    for (; a <= n - span; a++) {
        int ka = (int)(a % POS_HIST);
        if (t->pf[ka] == a && t->pseen[ka])
            return a;
    }
    return -1;
}

static float drift_residual(const DetectContext *s, const Track *t, int cls, int64_t n,
                            int span, int wide)
{
    int64_t a = earliest_sighting(t, n, span);
    int ka = (int)(a % POS_HIST);
    float cx = s->w / 2.0f, cy = s->h / 2.0f, tx, ty, sc, ex, ey;

    if (a < 0 || fit_drift(s, t, cls, a, n, wide, &tx, &ty, &sc) < 0)
        return -1;
    ex = tx + sc * (t->px[ka] - cx) - (t->x - t->px[ka]);
    ey = ty + sc * (t->py[ka] - cy) - (t->y - t->py[ka]);
    return sqrtf(ex * ex + ey * ey);
}

/* How far the track's place in frame b is from where the drift of class
 * cls (fit_drift with flags) from frame a carried its place in a; -1
 * where that drift is not known. */
static float residual_between(const DetectContext *s, const Track *t, int cls, int64_t a,
                              int64_t b, int flags)
{
    int ka = (int)(a % POS_HIST), kb = (int)(b % POS_HIST);
    float cx = s->w / 2.0f, cy = s->h / 2.0f, tx, ty, sc, ex, ey;

    if (fit_drift(s, t, cls, a, b, flags, &tx, &ty, &sc) < 0)
        return -1;
    ex = tx + sc * (t->px[ka] - cx) - (t->px[kb] - t->px[ka]);
    ey = ty + sc * (t->py[ka] - cy) - (t->py[kb] - t->py[ka]);
    return sqrtf(ex * ex + ey * ey);
}

/* How far the track's place in frame m is from where the drift of class
 * cls (fit_drift with flags) carried its earliest sighting of the CAM_SPAN
 * frames before m (8 back at least); -1 where that is not known. */
static float drift_residual_at(const DetectContext *s, const Track *t, int cls, int64_t m,
                               int flags)
{
    int km = (int)(m % POS_HIST);
    int64_t a = t->born > m - CAM_SPAN ? t->born : m - CAM_SPAN;

    if (t->pf[km] != m)
        return -1;
    for (; a <= m - 8; a++) {
        int ka = (int)(a % POS_HIST);
        if (t->pf[ka] == a && t->pseen[ka])
            break;
    }
    return a > m - 8 ? -1 : residual_between(s, t, cls, a, m, flags);
}

/* drift_residual_at, or where the track has no sighting 8 frames or more
 * before m (its first frames), the residual of its first sighting 8 to
 * CAM_SPAN frames after m from where the drift of class cls carried its
 * place in m; -1 where neither is known. */
static float drift_residual_near(const DetectContext *s, const Track *t, int cls, int64_t m)
{
    int km = (int)(m % POS_HIST);
    int64_t b;
    float r = drift_residual_at(s, t, cls, m, 0);

    if (r >= 0 || t->pf[km] != m)
        return r;
    for (b = m + 8; b <= m + CAM_SPAN; b++) {
        int kb = (int)(b % POS_HIST);
        if (t->pf[kb] == b && t->pseen[kb])
            return residual_between(s, t, cls, m, b, 0);
    }
    return -1;
}

/* drift_residual over the longest span, 8 frames at least, from a
 * sighting of the CAM_SPAN frames before n from which the drift of class
 * cls is known (three other tracks seen then and now), where
 * drift_residual asks it from the earliest sighting alone (tracks born a
 * few frames after it do not tell it there); -1 where it is not known. */
static float known_drift_residual(const DetectContext *s, const Track *t, int cls, int64_t n)
{
    int64_t a = t->born > n - CAM_SPAN ? t->born : n - CAM_SPAN;
    float cx = s->w / 2.0f, cy = s->h / 2.0f, tx, ty, sc, ex, ey;

    for (; a <= n - 8; a++) {
        int ka = (int)(a % POS_HIST);
        if (t->pf[ka] != a || !t->pseen[ka] || fit_drift(s, t, cls, a, n, 0, &tx, &ty, &sc) < 0)
            continue;
        ex = tx + sc * (t->px[ka] - cx) - (t->x - t->px[ka]);
        ey = ty + sc * (t->py[ka] - cy) - (t->y - t->py[ka]);
        return sqrtf(ex * ex + ey * ey);
    }
    return -1;
}

/*
 * A confirmed track that travels (step 1's verdict) followed its defect,
 * then maybe a scene detail that took it off (a scene cut brings a strong
 * one beside it). Its regions are taken back from the frame after the
 * last it was seen within half the excursion of where it was born, or
 * within 2 px of its class's drift where that is known (a stabiliser's
 * swing carries defects far): the frames before show it where a defect
 * is, those after on its way off. In place in none of the frames held:
 * all of them go, as for a track dropped as scene.
 */
static void note_departure(SpFilterContext *fc, DetectContext *s, const Track *t, int64_t n)
{
    int64_t lo = n - s->back, m;
    float near = 0.25f * s->excursion * s->excursion;

    /* back is RECENT - 1 at most, well within the POS_HIST positions kept */
    if (lo < t->born)
        lo = t->born;
    for (m = n - 1; m >= lo; m--) {
        int k = (int)(m % POS_HIST);
        float dx = t->px[k] - t->bx, dy = t->py[k] - t->by;
        float r;
        if (t->pf[k] != m || !t->pseen[k])
            continue;
        if (dx * dx + dy * dy <= near)
            break;
        r = drift_residual_at(s, t, t->mclass, m, 0);
        if (r >= 0 && r <= 2.0f)
            break;
    }
    if (m < lo)
        return;
    if (s->nb_departed == DEPARTED) {
        memmove(&s->departed[0], &s->departed[1], sizeof(s->departed[0]) * (DEPARTED - 1));
        s->nb_departed--;
    }
    s->departed[s->nb_departed].id = t->id;
    s->departed[s->nb_departed].left = m + 1;
    s->nb_departed++;
    sp_log(fc->log, SP_LOG_DEBUG, "frame %lld: track %d left its place in frame %lld\n",
           (long long)n, t->id, (long long)(m + 1));
}

/* Whether a pixel defect's track is in frame m where no defect can be:
 * more than 2.5 px off the drift the dots no wider than a pixel's smear
 * share (a hot pixel stays within a pixel and a half of it), and off the
 * blotches' drift and the wide dots' (a small blotch, taken for a dot,
 * drifts as the blotches do), one of them known. It walked onto a scene
 * point that moves with the picture and is repaired there on nothing. */
static int walked_off(const DetectContext *s, const Track *t, int64_t m)
{
    float r, r0, rw;

    r = drift_residual_at(s, t, 1, m, DRIFT_NARROW);
    if (!(r > 2.5f))
        return 0;
    r0 = drift_residual_at(s, t, 0, m, 0);
    if (r0 >= 0 && r0 <= 2.5f)
        return 0;
    rw = drift_residual_at(s, t, 1, m, DRIFT_WIDE);
    return (r0 >= 0 || rw >= 0) && !(rw >= 0 && rw <= 2.5f);
}

/* A track's residual from its class's drift (drift_residual), but a
 * wide dot (a small blotch taken for one) that strays from the dots'
 * may keep to the blotches' drift instead; *cls (if not NULL) is the
 * class it kept to. */
static float own_drift_residual(const DetectContext *s, const Track *t, int64_t n,
                                int span, int *cls)
{
    int c = is_pixel_kind(t->kind) ? 1 : 0;
    float r = drift_residual(s, t, c, n, span, 0);

    if (c && t->wide && !(r >= 0 && r <= 2.0f)) {
        float r0 = drift_residual(s, t, 0, n, span, 0);
        if (r0 >= 0 && r0 <= 2.0f) {
            c = 0;
            r = r0;
        }
    }
    if (cls)
        *cls = c;
    return r;
}

/* How often a luma dot's track, over its last DOT_HOLD frames, moved
 * between two sightings at most two frames apart, in both of which it was
 * no wider than a pixel's smear, by more than 1.5 px off the drift the
 * dots that narrow share (where theirs is not known, off rest and off the
 * blotches' drift, where that is known: 720p seed 74's pixels keep still
 * while its blotches swing 20 px): a pixel defect sits on one photosite and goes with
 * the sensor, its peak moved by a pixel at most by compression; a
 * highlight gliding over a glossy surface wanders over the pixels about
 * it. (A small blotch taken for a wide dot has its peak wherever its
 * dimming is deepest.) */
static int dot_jumps(const DetectContext *s, const Track *t, int64_t n)
{
    int64_t a = t->born > n - DOT_HOLD ? t->born : n - DOT_HOLD, m, prev = -1;
    float cx = s->w / 2.0f, cy = s->h / 2.0f;
    int jumps = 0;

    for (m = a; m <= n; m++) {
        int km = (int)(m % POS_HIST), kp;
        float dx, dy, tx, ty, sc;
        if (t->pf[km] != m || !t->pseen[km])
            continue;
        if (prev >= 0 && m - prev <= 2 && t->pnarrow[km] && t->pnarrow[prev % POS_HIST]) {
            int off;
            kp = (int)(prev % POS_HIST);
            dx = t->px[km] - t->px[kp];
            dy = t->py[km] - t->py[kp];
            off = dx * dx + dy * dy > 1.5f * 1.5f;
            /* off the narrow dots' drift; where that is not known, off
             * rest and off the blotches' drift where that is known */
            if (fit_drift(s, t, 1, prev, m, DRIFT_NARROW, &tx, &ty, &sc) == 0 ||
                (off && fit_drift(s, t, 0, prev, m, 0, &tx, &ty, &sc) == 0)) {
                dx -= tx + sc * (t->px[kp] - cx);
                dy -= ty + sc * (t->py[kp] - cy);
                off = dx * dx + dy * dy > 1.5f * 1.5f;
            }
            jumps += off;
        }
        prev = m;
    }
    return jumps;
}

/* How far a track went from its earliest sighting (earliest_sighting) to
 * now; -1 if it has none. */
static float own_travel(const Track *t, int64_t n, int span)
{
    int64_t a = earliest_sighting(t, n, span);
    int ka = (int)(a % POS_HIST);

    if (a < 0)
        return -1;
    return sqrtf((t->x - t->px[ka]) * (t->x - t->px[ka]) + (t->y - t->py[ka]) * (t->y - t->py[ka]));
}

/* Whether a track may be confirmed as far as the shared drift goes: it
 * kept to it, or the drift is not known and the track is not faint. A dot
 * that is not faint is only held to it loosely: to the dots' drift or the
 * blotches' (a small blotch may be taken for a dot) within 3 px, as
 * compression moves a dot's peak by a pixel or two; a scene point
 * travelling with the picture fails both. Before the dots' drift is
 * known, one that went off rest by more than 3 px must keep the blotches'
 * where that is known: a pixel defect sits still on the sensor or goes
 * with the crop as the dust does (a speck on the floor of the phone clip
 * at 854x480, gliding 8 px in 18 frames, was confirmed as a dead pixel
 * and repaired in 10 frames) */
static int keeps_drift(const DetectContext *s, const Track *t, int64_t n)
{
    float r;

    if (is_pixel_kind(t->kind) && !t->faint) {
        float rb, d;
        r = drift_residual(s, t, 1, n, 8, 0);
        if (r >= 0 && r <= 3.0f)
            return 1;
        rb = drift_residual(s, t, 0, n, 8, 0);
        if (rb < 0 || rb <= 3.0f)
            return 1;
        return r < 0 && ((d = own_travel(t, n, 8)) < 0 || d <= 3.0f);
    }
    r = drift_residual(s, t, is_pixel_kind(t->kind) ? 1 : 0, n, 8, 0);
    if (r < 0 && t->faint)
        r = drift_residual(s, t, is_pixel_kind(t->kind) ? 1 : 0, n, 8, 1);
    /* a faint luma dot as wide as a small blotch may be one: the
     * blotches' drift, kept, says so too */
    if (!(r >= 0 && r <= 2.0f) && is_pixel_kind(t->kind) && t->wide && !t->cplane) {
        float rb = drift_residual(s, t, 0, n, 8, 0);
        if (rb < 0)
            rb = drift_residual(s, t, 0, n, 8, 1);
        if (rb >= 0 && rb <= 2.0f)
            return 1;
    }
    return r < 0 ? !t->faint : r <= 2.0f;
}

/* Whether track o (an eighth of the frame's larger side from t at least)
 * went along t's path frame by frame for the LONE_SPAN frames to n: seen
 * with it in three quarters of them, never off by more than 1.5 px, both
 * 2.5 px or more from where they were. Two defects may be all a clip shows
 * of its dust (a screen recording's others on black: the two on its grey
 * desktop, 290 px apart, were never confirmed); two details of one thing
 * moving over a still picture that far apart, each with the picture
 * sliding under it, hardly keep together that long. */
static int lone_partner(const Track *t, const Track *o, int64_t n)
{
    int64_t m, a = -1;
    int seen = 0, ka = 0, kn = (int)(n % POS_HIST);
    float tx, ty, ox, oy;

    if (o->hits < 8 || o->pf[kn] != n || !o->pseen[kn] || t->pf[kn] != n || !t->pseen[kn])
        return 0;
    for (m = n - LONE_SPAN + 1; m <= n; m++) {
        int km = (int)(m % POS_HIST);
        float ex, ey;
        if (m < 0 || t->pf[km] != m || !t->pseen[km] || o->pf[km] != m || !o->pseen[km])
            continue;
        if (a < 0) {
            a = m;
            ka = km;
        }
        ex = (o->px[km] - o->px[ka]) - (t->px[km] - t->px[ka]);
        ey = (o->py[km] - o->py[ka]) - (t->py[km] - t->py[ka]);
        if (ex * ex + ey * ey > 1.5f * 1.5f)
            return 0;
        seen++;
    }
    if (seen * 4 < LONE_SPAN * 3)
        return 0;
    tx = t->px[kn] - t->px[ka];
    ty = t->py[kn] - t->py[ka];
    ox = o->px[kn] - o->px[ka];
    oy = o->py[kn] - o->py[ka];
    return tx * tx + ty * ty >= 2.5f * 2.5f && ox * ox + oy * oy >= 2.5f * 2.5f;
}

/* Whether other tracks far from t (a quarter of the frame's larger side)
 * and from each other, seen in frames a and n, did something t did from a
 * to n: two of them at least. same_path: they moved along t's path frame
 * by frame (within 2 px, in two frames at least that they and t were seen
 * in); else: they moved by themselves by 2.5 px or more, whatever their
 * vector. With a confirmed track among the two, an eighth of the side is
 * far enough, between any two of the three: a confirmed track is a defect
 * already, not a detail of whatever moves (three blotches within 450 px
 * of one another on a 720p screen recording, slid over by their drift:
 * the one confirmed on the camera's flat areas left the other two without
 * evidence). For same_path, one partner alone is enough when it kept to
 * t's path for longer (lone_partner): others that went along for the
 * lag only (tracks hopping on grain agree for a few frames by chance)
 * do not stand in its way. */
static int far_pair(const DetectContext *s, const Track *t, int64_t a, int64_t n,
                    int same_path)
{
    enum { NA = 16 };
    int ka = (int)(a % POS_HIST), kn = (int)(n % POS_HIST), i, j, nb = 0, ac[NA], af[NA], io[NA];
    float far = 0.25f * (s->w > s->h ? s->w : s->h), ax[NA], ay[NA];

    for (i = 0; i < s->track_end && nb < NA; i++) {
        const Track *o = &s->tracks[i];
        float d2 = (o->x - t->x) * (o->x - t->x) + (o->y - t->y) * (o->y - t->y);
        int oc = o->state == T_CONFIRMED, of = d2 >= far * far;
        if (o == t || o->state == T_FREE || o->hits < 3 || o->pf[ka] != a || !o->pseen[ka] ||
            o->pf[kn] != n || !o->pseen[kn] || d2 < 0.25f * far * far)
            continue;
        if (same_path) {
            int64_t m;
            int seen = 0;
            for (m = a + 1; m <= n; m++) {
                int km = (int)(m % POS_HIST);
                float ex, ey;
                if (t->pf[km] != m || !t->pseen[km] || o->pf[km] != m || !o->pseen[km])
                    continue;
                ex = (o->px[km] - o->px[ka]) - (t->px[km] - t->px[ka]);
                ey = (o->py[km] - o->py[ka]) - (t->py[km] - t->py[ka]);
                if (ex * ex + ey * ey > 2.0f * 2.0f)
                    break;
                seen++;
            }
            if (m <= n || seen < 2)
                continue;
        } else {
            float dx = o->px[kn] - o->px[ka], dy = o->py[kn] - o->py[ka];
            if (dx * dx + dy * dy < 2.5f * 2.5f)
                continue;
        }
        for (j = 0; j < nb; j++) {
            float e2 = (o->x - ax[j]) * (o->x - ax[j]) + (o->y - ay[j]) * (o->y - ay[j]);
            if ((of && af[j] && e2 >= far * far) || ((oc || ac[j]) && e2 >= 0.25f * far * far))
                return 1;
        }
        ax[nb] = o->x;
        ay[nb] = o->y;
        ac[nb] = oc;
        af[nb] = of;
        io[nb] = i;
        nb++;
    }
    for (j = 0; same_path && j < nb; j++)
        if (lone_partner(t, &s->tracks[io[j]], n))
            return 1;
    return 0;
}

/* Whether two other tracks moved as t did from frame a (a sighting) to n,
 * frame by frame, far from t and from each other: the defects sit all
 * over the sensor and share one drift; the details of a thing that moves
 * sit together, and things that hop between still details (grain, noise)
 * agree at one frame by chance, not all along. */
static int shared_motion(const DetectContext *s, const Track *t, int64_t a, int64_t n)
{
    int ka = (int)(a % POS_HIST);

    return t->pf[ka] == a && t->pseen[ka] && far_pair(s, t, a, n, 1);
}

/* Whether a track's own motion from frame a to n is the defects' shared
 * drift: it kept within 2 px of a known drift over the last frames (its
 * class's, or for a dot the blotches' too: a small blotch passes for a
 * dot, and dust drifts as the blotches do, not as the pixels), or, where
 * no drift it could keep is known, two tracks far from it moved the same
 * way (a small blotch tracked as a dot before three blotches were
 * confirmed: the 720p sample's, which moves 2-3 px a frame, lost its
 * evidence to the still pixels' drift). */
static int keeps_any_drift(const DetectContext *s, const Track *t, int64_t a, int64_t n)
{
    int cls = is_pixel_kind(t->kind) ? 1 : 0;
    float r = drift_residual(s, t, cls, n, 4, 0), r0 = -1;

    if (r >= 0 && r <= 2.0f)
        return 1;
    if (cls) {
        r0 = drift_residual(s, t, 0, n, 4, 0);
        if (r0 >= 0 && r0 <= 2.0f)
            return 1;
    }
    /* no drift known that it could keep (for a dot: the blotches' not
     * known, the pixels' not kept) */
    return r0 < 0 && (r < 0 || cls) && shared_motion(s, t, a, n);
}

/* Whether two other tracks, far from t and from each other, moved by
 * themselves by 2.5 px or more from frame a to n, as t did: defects drift
 * all together, if not by the same vector before their drift is known (a
 * zoom, a turn); a thing that moves over a still picture moves alone. */
static int others_moved(const DetectContext *s, const Track *t, int64_t a, int64_t n)
{
    return far_pair(s, t, a, n, 0);
}

/* Whether the track's own motion from frame a to n (in the picture) lets
 * evidence count: under 2.5 px, or the defects' shared drift. */
static int own_motion_ok(const DetectContext *s, const Track *t, int64_t a, int64_t n)
{
    int ka = (int)(a % POS_HIST);
    float ox = t->x - t->px[ka], oy = t->y - t->py[ka];

    return ox * ox + oy * oy < 2.5f * 2.5f || keeps_any_drift(s, t, a, n);
}

/*
 * A defect was there before its track first saw it: a faint or small one
 * passes the candidate search in some frames only, so its track may be
 * born late. Once confirmed (in frame n), its record is carried back from
 * its first sighting b by the shared drift of its class (fit_drift from
 * each earlier frame to b), up to CARRY_BACK frames back (the detector's
 * lookahead): placed by the others' measured motion, not on a guess, so
 * that the frames still in the ring before b are repaired too.
 */
static void carry_back(const DetectContext *s, Track *t, int64_t n)
{
    int cls, kb = (int)(t->born % POS_HIST), wide = 0;
    float cx = s->w / 2.0f, cy = s->h / 2.0f, tx, ty, sc;
    int64_t m;
    float r = own_drift_residual(s, t, n, 4, &cls);

    /* a faint one confirmed on the drift its witnesses tell (keeps_drift)
     * is carried back by that drift */
    if (r < 0 && t->faint) {
        r = drift_residual(s, t, cls, n, 4, 1);
        wide = 1;
    }

    /* only a track seen to keep to the drift is carried back by it */
    if (r < 0 || r > 2.0f || t->pf[kb] != t->born || !t->pseen[kb])
        return;
    for (m = t->born - 1; m >= 0 && m >= t->born - CARRY_BACK && n - m < POS_HIST; m--) {
        if (fit_drift(s, t, cls, m, t->born, wide, &tx, &ty, &sc) < 0)
            break;
        /* b = m + t + sc (m - c), solved for m */
        record(t, m, (t->px[kb] - tx + sc * cx) / (1 + sc),
               (t->py[kb] - ty + sc * cy) / (1 + sc), 1);
    }
}

/* The class whose motion a track goes with, from its step in frame n: a
 * dot's, but a wide dot (a small blotch taken for one, as detect_process
 * tells them) goes with the blotches when its step was nearer theirs, by
 * half a pixel (a fast drift left it behind the dots' prediction
 * otherwise). */
static int motion_class(const DetectContext *s, const Track *t, int64_t n)
{
    float cx = s->w / 2.0f, cy = s->h / 2.0f, ax, ay, bx, by, da, db;

    if (!is_pixel_kind(t->kind))
        return 0;
    if (!t->wide || t->vframe != n || !s->motion[0].valid || !s->motion[1].valid)
        return 1;
    motion_at(&s->motion[0], cx, cy, t->x - t->vx, t->y - t->vy, &ax, &ay);
    motion_at(&s->motion[1], cx, cy, t->x - t->vx, t->y - t->vy, &bx, &by);
    da = sqrtf((t->vx - ax) * (t->vx - ax) + (t->vy - ay) * (t->vy - ay));
    db = sqrtf((t->vx - bx) * (t->vx - bx) + (t->vy - by) * (t->vy - by));
    return da + 0.5f < db ? 0 : 1;
}

static int detect_analyze(SpFilterContext *fc, SpSlot *slot)
{
    DetectContext *s = fc->priv;
    const SpFrame *f = slot->frame;
    int64_t n = slot->index;
    int i, k, pass;

    if (f->stride[0] != s->flat_stride) {
        /* flat_threshold's and stands_out's samples' places in the frames
         * of this stride */
        s->flat_stride = f->stride[0];
        for (k = 0; k < 32; k++)
            s->flat_off[k] = (ptrdiff_t)s->flat_dy[k] * f->stride[0] + s->flat_dx[k];
        for (k = 0; k < 16; k++)
            s->ring_off16[k] = (ptrdiff_t)s->ring_dy[k] * f->stride[0] + s->ring_dx[k];
    }
    /* this frame's occupancy starts empty */
    memset(s->occ[0], 0, sizeof(uint64_t) * s->ow_words * s->oh);
    memset(s->occ[1], 0, sizeof(uint64_t) * s->ow_words * s->oh);
    memset(s->occ2, 0, sizeof(uint64_t) * s->ow_words * s->oh);
    /* the free slots at the table's end are not looked at */
    while (s->track_end > 0 && s->tracks[s->track_end - 1].state == T_FREE)
        s->track_end--;
    track_camera(s, f, n);

    /* 1. every live track, at its prediction: confirmed tracks first, so
     * that a blob goes to the oldest track that claims it, then the
     * tentative ones seen in the last frame, then those unseen there: one
     * that lost its blob reaches for whatever its window shows, often a
     * neighbour's flank, and the neighbour's own track holds it first */
    for (pass = 0; pass < 3; pass++)
    for (i = 0; i < s->track_end; i++) {
        Track *t = &s->tracks[i];
        float ox, oy, resp, rad, px, py, level;
        int cls, mc;
        if (t->state == T_FREE || (pass == 0) != (t->state == T_CONFIRMED) ||
            (pass == 1 && t->last_hit < n - 1) || (pass == 2 && t->last_hit >= n - 1))
            continue;
        cls = is_pixel_kind(t->kind) ? 1 : 0;
        mc = t->mclass;
        /* the class's motion goes on as it went last frame; else the
         * track's own */
        if (s->motion[mc].valid) {
            float mdx, mdy;
            motion_at(&s->motion[mc], s->w / 2.0f, s->h / 2.0f, t->x, t->y, &mdx, &mdy);
            px = t->x + mdx;
            py = t->y + mdy;
        } else if (t->vframe == n - 1 && t->misses_run == 0) {
            px = t->x + t->vx;
            py = t->y + t->vy;
        } else {
            px = t->x;
            py = t->y;
        }
        t->frames++;
        /* a luma dot confirmed on one pixel is a photosite: a blob as wide
         * as a small blotch found more than 1.5 px off the prediction is
         * a detail of the scene beside it (720p seed 7: a bright one coming
         * by, which the hot pixel's track, turned wide, followed 8 px off
         * its pixel a step at a time), and the dot is unseen */
        if (localise(s, f, t, px, py, &ox, &oy, &resp, &rad, &level) &&
            !(t->pinned && rad > 1.6f &&
              (ox - px) * (ox - px) + (oy - py) * (oy - py) > 1.5f * 1.5f)) {
            if (!claim(s, t, cls, ox, oy, n)) {
                /* another track holds this blob: a duplicate (confirmed
                 * tracks come first, so a confirmed one holds it) */
                t->state = T_FREE;
                continue;
            }
            if (t->last_hit == n - 1) {
                t->pvx = t->vframe == n - 1 ? t->vx : ox - t->x;
                t->pvy = t->vframe == n - 1 ? t->vy : oy - t->y;
                t->vx = ox - t->x;
                t->vy = oy - t->y;
                t->vframe = n;
            }
            t->step_smooth = 0;
            t->x = ox;
            t->y = oy;
            t->last_seen = n;
            t->last_hit = n;
            if (!is_pixel_kind(t->kind))
                t->elong[t->nresp % RESP_HIST] = elongation(s, f, ox, oy,
                    t->kind == SP_KIND_DARK ? -1 : 1, rad, level);
            t->resp[t->nresp % RESP_HIST] = resp;
            t->level[t->nresp % RESP_HIST] = level;
            t->nresp++;
            t->hits++;
            t->misses_run = 0;
            t->contrast = t->hits == 1 ? resp : 0.8f * t->contrast + 0.2f * resp;
            t->radius = t->hits == 1 ? rad : 0.8f * t->radius + 0.2f * rad;
            /* wide: half its depth over more than 8 pixels (1.6 px), held
             * down to 1.4 px: a measure of whole pixels that hovers about
             * the limit does not flip the track's class and mask */
            if (is_pixel_kind(t->kind) && !t->cplane)
                t->wide = t->radius > (t->wide ? 1.4f : 1.6f);
            record(t, n, ox, oy, 0);
            t->pnarrow[n % POS_HIST] = is_pixel_kind(t->kind) && !t->cplane && !t->wide;
        } else {
            /* a confirmed defect that kept to its class's drift up to its
             * last sighting goes on with that drift while it is faint */
            if (!t->misses_run) {
                float r = t->state == T_CONFIRMED && t->last_hit == n - 1 ?
                          drift_residual(s, t, mc, n - 1, 8, 0) : -1;
                t->drifts = r >= 0 && r <= 2.0f;
                t->guessed = 0;
            }
            t->guessed++;
            t->misses_run++;
            t->step_smooth = 0;
            /* unseen: placed by the defects' common motion, else held */
            record(t, n, px, py, t->misses_run > 255 ? 255 : t->misses_run);
            t->x = px;
            t->y = py;
            t->last_seen = n;
            /* a faint tentative dot seen in most of its frames, 6 at
             * least, is kept through a run of up to DOT_HIDDEN frames
             * unseen, which do not count against it: a pixel defect shows
             * only where the scene under it differs from its value (a hot
             * blue one over blue), and its evidence, slow where the camera
             * barely moves, goes on where it shows again instead of
             * starting over */
            if (hidden_dot(t)) {
                t->frames--;
            } else if (t->state == T_TENTATIVE && (t->misses_run >= 3 || t->bad >= 3)) {
                sp_log(fc->log, SP_LOG_DEBUG, "frame %lld: track %d lost at %.1f,%.1f "
                       "(hits %d/%d, good %d, bad %d, misses %d)\n", (long long)n, t->id,
                       t->x, t->y, t->hits, t->frames, t->good, t->bad, t->misses_run);
                t->state = T_FREE;
            }
            else if (t->state == T_CONFIRMED && t->misses_run > 150)
                t->state = T_FREE;
        }
        if (t->state == T_TENTATIVE && t->bad >= 3) {
            sp_log(fc->log, SP_LOG_DEBUG, "frame %lld: track %d jumps at %.1f,%.1f "
                   "(hits %d/%d, good %d, bad %d)\n", (long long)n, t->id,
                   t->x, t->y, t->hits, t->frames, t->good, t->bad);
            t->state = T_FREE;
        }
    }

    /* a defect drifts a little with the crop and the lens; a thing that
     * travels is in the scene, unless it is a confirmed one that keeps to
     * the shared drift of the class it goes with (within 2 px over 8
     * frames or more): then its travel is the sensor's, all the defects
     * going as far (a phone's stabiliser swings a 720p frame by 20 px each
     * way and more). Judged once every track has been looked for in this
     * frame, so the drift is fitted from all of them */
    for (i = 0; i < s->track_end; i++) {
        Track *t = &s->tracks[i];
        float r;
        if (t->state == T_FREE || t->last_hit != n ||
            (t->x - t->bx) * (t->x - t->bx) + (t->y - t->by) * (t->y - t->by) <=
            s->excursion * s->excursion)
            continue;
        r = t->state == T_CONFIRMED ? known_drift_residual(s, t, t->mclass, n) : -1;
        if (r >= 0 && r <= 2.0f)
            continue;
        sp_log(fc->log, SP_LOG_DEBUG, "frame %lld: track %d travels: from %.1f,%.1f to "
               "%.1f,%.1f\n", (long long)n, t->id, t->bx, t->by, t->x, t->y);
        if (t->state == T_CONFIRMED)
            note_departure(fc, s, t, n);
        t->state = T_FREE;
    }

    /* 2. the shared drift of each class, and each step judged by it: a
     * defect moves with the others (or stays still), a scene blob that a
     * track hops between does not */
    for (k = 0; k < 2; k++)
        fit_motion(s, k, n, &s->motion[k]);
    /* a confirmed track unseen in this frame that keeps to the drift is
     * placed by the drift the others show in this frame: measured, not a
     * guess, so its repair goes on however long it stays faint */
    for (i = 0; i < s->track_end; i++) {
        Track *t = &s->tracks[i];
        int cls, k1 = (int)((n - 1) % POS_HIST);
        float mdx, mdy;
        if (t->state != T_CONFIRMED || t->last_hit == n || !t->drifts)
            continue;
        cls = t->mclass;
        if (!s->motion[cls].valid || t->pf[k1] != n - 1)
            continue;
        motion_at(&s->motion[cls], s->w / 2.0f, s->h / 2.0f, t->px[k1], t->py[k1], &mdx, &mdy);
        t->x = t->px[k1] + mdx;
        t->y = t->py[k1] + mdy;
        t->guessed--;
        record(t, n, t->x, t->y, t->guessed + 1);
    }
    for (i = 0; i < s->track_end; i++) {
        Track *t = &s->tracks[i];
        int cls;
        float ex = 0, ey = 0, r2, still;
        if (t->state == T_FREE || t->vframe != n || t->last_hit != n)
            continue;
        cls = t->mclass = motion_class(s, t, n);
        if (s->motion[cls].valid)
            motion_at(&s->motion[cls], s->w / 2.0f, s->h / 2.0f,
                      t->x - t->vx, t->y - t->vy, &ex, &ey);
        r2 = (t->vx - ex) * (t->vx - ex) + (t->vy - ey) * (t->vy - ey);
        still = t->vx * t->vx + t->vy * t->vy;
        /* a hop: far from the defects' common motion and from rest, and
         * a sudden change of the track's own velocity */
        t->step_smooth = (s->motion[cls].valid && r2 < 1.0f) || still < 0.25f ||
                         (t->pvx - t->vx) * (t->pvx - t->vx) + (t->pvy - t->vy) * (t->pvy - t->vy) < 2.5f * 2.5f;
        if (!t->step_smooth)
            t->bad++;
    }

    /* 3. evidence that the scene moves under each track (no track moves
     * here, and the confirmed ones change only where one is confirmed or
     * dropped: the drift's witnesses are listed once until then) */
    s->recent[n % RECENT] = f;
    s->recent_n[n % RECENT] = n;
    s->memo->on = 1;
    s->memo->nb = 0;
    near_index(s, n);
    for (i = 0; i < s->track_end; i++) {
        static const int lags[3] = { 2, 5, LAG };
        Track *t = &s->tracks[i];
        int li, flat, undecided, drift_ok, luma_dot, jumps;
        if (t->state == T_FREE)
            continue;
        /* a confirmed track keeps being judged: a scene detail that passed
         * the tests for a while gives itself away later */
        if (!s->can_compare || t->last_hit != n || t->hits < 3)
            goto judge;
        /* what it showed 2, 5 or 10 frames ago went on with the picture:
         * scene, whatever the rings say (a track sliding along an edge
         * keeps near the picture's motion at the shortest lag, too near
         * to tell, and falls behind at the longer ones) */
        for (li = 0; li < 3; li++) {
            int64_t a = n - lags[li];
            if (a >= 0 && s->recent_n[a % RECENT] == a &&
                carried_off(s, s->recent[a % RECENT], f, t, a, n) == 1)
                break;
        }
        if (li < 3) {
            t->veto++;
            goto judge;
        }
        /* the shortest lag that tells: a slow drift shows over more frames */
        flat = undecided = 0;
        drift_ok = -1;
        for (li = 0; li < 3; li++) {
            int64_t a = n - lags[li];
            int ka = (int)(a % POS_HIST), kf = (int)(a % RECENT), sm, slx, sly;
            if (a < 0 || s->recent_n[kf] != a)
                break;
            /* unseen then: a gap ends the look, but for a track that keeps
             * the defects' known drift, whose longer lags still tell (a
             * blotch faint for a frame beside a shadow) */
            if (t->pf[ka] != a || !t->pseen[ka]) {
                float r;
                if (drift_ok < 0)
                    drift_ok = (r = own_drift_residual(s, t, n, 4, NULL)) >= 0 && r <= 2.0f;
                if (!drift_ok)
                    break;
                continue;
            }
            /* something must have moved: the thing itself (the drift) or
             * the camera; a still thing in a still picture with a subject
             * passing by proves nothing */
            if (!moved_since(s, t, a, n))
                continue;
            /* moved, but what it was still stands where it was: it hopped
             * from one still blob to the next, nothing slid */
            if (left_behind(s, f, t, t->px[ka], t->py[ka])) {
                t->bad++;
                break;
            }
            sm = scene_moved(s, t, a, n, s->recent[kf], t->px[ka], t->py[ka], f, t->x, t->y,
                             is_pixel_kind(t->kind) ? 1.0f : t->radius, &slx, &sly);
            /* the picture slid under it, but only if it did not go along
             * with the picture itself (sliding along a stroke of a letter) */
            if (sm == 1 && moved_with_picture(s, t, a, n))
                sm = 0;
            /* the surround slid by (slx, sly): a scene detail the track
             * showed then went on with it, a defect left the scene that
             * was under it there (a subject moving in a still picture,
             * where the camera's motion says nothing) */
            if (sm == 1 && went_on(s, s->recent[kf], f, t, a, t->x - slx, t->y - sly)) {
                t->veto++;
                break;
            }
            /* a track that moved by itself (2.5 px or more) may be a
             * defect drifting over the picture or a thing moving over a
             * still background (a face in a webcam inset, a wire on the
             * wall behind it): the surround slides under both, and only
             * the shared drift of the defects tells them apart */
            if (sm == 1 && !own_motion_ok(s, t, a, n))
                break;
            if (sm == 1) {
                t->moved += 1.0f;
                t->good++;
                break;
            }
            if (sm < 0) {
                t->veto++;
                break;
            }
            if (sm == 2)
                flat = lags[li];
            else if (!sm)
                undecided = lags[li];
        }
        /* flat all round: the picture's own motion, followed on the
         * textured parts of the frame, is the scene's here too; a thing
         * that keeps still against it is on the sensor. Held against it
         * since its earliest sighting of the last CAM_SPAN frames (a
         * slow camera shows over more frames than the lags), by 2.5 px:
         * a scene detail the track follows stays within a pixel or so.
         * A ring that neither slid nor stayed (a smooth gradient matches
         * at many shifts, a dark pixel's surround of grain at none) leaves
         * it to the camera too, for a track that keeps to its class's
         * known drift: a thing moving on its own over a still picture
         * (a face in a webcam inset) keeps to no drift of the defects */
        if (li == 3 && !flat && undecided) {
            float r = own_drift_residual(s, t, n, 4, NULL);
            if (r >= 0 && r <= 2.0f)
                flat = undecided;
        }
        if (li == 3 && flat) {
            int64_t a = t->born > n - CAM_SPAN ? t->born : n - CAM_SPAN;
            float rel = -1;
            for (; a <= n - flat && rel < 0; a++)
                rel = against_camera(s, t, a, n);
            /* held against the camera by moving itself over the
             * picture (a small subject crossing a flat wall): a defect
             * only if it keeps the defects' shared drift, or, before
             * that is known, others far off drift too */
            if (rel >= 2.5f && !own_motion_ok(s, t, a - 1, n) && !others_moved(s, t, a - 1, n))
                rel = -1;
            if (rel >= 2.5f) {
                t->moved += 1.0f;
                t->good++;
                t->good_cam++;
                /* a luma dot held against the camera while within a
                 * pixel of the dots' known drift: as telling as its ring
                 * seen sliding, for its steadiness (a hot red pixel on a
                 * plain wall, its luma changing with the wall's colour) */
                if (is_pixel_kind(t->kind) && !t->cplane) {
                    float rd = drift_residual(s, t, 1, n, 8, 0);
                    t->cam_kept += rd >= 0 && rd <= 1.0f;
                }
            }
        }
judge:
        if (t->state == T_CONFIRMED &&
            (t->veto * 2 > t->good + 4 || t->bad * 3 > t->good + 6)) {
            sp_log(fc->log, SP_LOG_VERBOSE, "frame %lld: track %d dropped: scene "
                   "at %.1f,%.1f (evidence %d, %d against, %d hops)\n", (long long)n,
                   t->id, t->x, t->y, t->good, t->veto, t->bad);
            t->state = T_FREE;
            s->memo->nb = 0;
            continue;
        }
        luma_dot = is_pixel_kind(t->kind) && !t->cplane;
        jumps = 0;
        if (t->state == T_TENTATIVE && t->hits >= 6 &&
            t->hits >= 0.75f * t->frames && t->good >= 3 &&
            t->bad * 3 <= t->good && t->veto * 2 <= t->good && !crowded(s, t) &&
            steady(t) && keeps_drift(s, t, n) &&
            (!luma_dot || (jumps = dot_jumps(s, t, n)) < 2)) {
            t->state = T_CONFIRMED;
            /* a luma dot that jumped off its pixel (under twice) is not
             * held to it */
            t->pinned = luma_dot && !t->wide && !jumps;
            s->memo->nb = 0;
            carry_back(s, t, n);
            /* back to the frames LAG frames before the first to be
             * processed, which leaves a confirmation that goes wrong (the
             * thing travels) that long to take its regions back */
            backfill(s, t, n - s->back + LAG);
            s->memo->nb = 0;
            sp_log(fc->log, SP_LOG_VERBOSE, "frame %lld: track %d confirmed: "
                   "%s at %.1f,%.1f, radius %.1f, contrast %.1f (evidence %d, "
                   "%d from the camera, %d against)\n",
                   (long long)n, t->id, is_pixel_kind(t->kind) ? "pixel" :
                   t->kind == SP_KIND_DARK ? "dark blotch" : "bright blotch",
                   t->x, t->y, t->radius, t->contrast, t->good, t->good_cam, t->veto);
        }
    }

    s->memo->on = 0;

    /* 4. unexplained candidates start tentative tracks: searched for now,
     * so that the places the tracks hold are not looked at again */
    s->nb_cands = 0;
    half_integral_begin(s);
    find_blotches(s, f, n);
    find_dots(s, f);
    for (k = 0; k < s->nb_cands; k++) {
        Cand *c = &s->cands[k];
        Track *t;
        float cx = c->x, cy = c->y, depth, rad = c->radius;
        if (c->used || (is_pixel_kind(c->kind) ?
                        held_dot(s, c->x, c->y, n) || held_blotch(s, f, c, n) :
                        held(s, 0, c->x, c->y, n)))
            continue;
        if (!is_pixel_kind(c->kind)) {
            int sign = c->kind == SP_KIND_DARK ? -1 : 1;
            /* (one on a slope measured again on its close ring's plane) */
            rad = c->sloped ? shape_on_ring(s, f, (int)c->x, (int)c->y, sign, &cx, &cy, &depth,
                                            &c->level)
                            : blob_shape(s, f, (int)c->x, (int)c->y, sign, s->spot_max / 2 + 2,
                                         c->level, &cx, &cy, &depth);
            if (2 * rad < s->spot_min * 0.5f || 2 * rad > s->spot_max * 1.2f ||
                (!c->sloped && !roundish(s, f, cx, cy, sign, rad, depth)))
                continue;
        }
        if (!(t = new_track(s)))
            break;
        memset(t, 0, sizeof(*t));
        t->state = T_TENTATIVE;
        t->id = s->next_id++;
        t->kind = c->kind;
        t->x = cx;
        t->y = cy;
        t->born = n;
        t->bx = cx;
        t->by = cy;
        t->last_seen = n;
        t->last_hit = n;
        t->vframe = -1;
        t->placed = -1;
        claim(s, t, is_pixel_kind(c->kind) ? 1 : 0, cx, cy, n);
        t->hits = 1;
        t->frames = 1;
        t->radius = rad;
        t->wide = is_pixel_kind(c->kind) && !c->plane && rad > 1.6f;
        t->contrast = c->resp;
        t->faint = is_pixel_kind(c->kind) ? fabsf(c->resp) < 14.0f / (float)s->sensitivity :
                   fabsf(c->resp) < spawn_threshold(s, c->level);
        /* a colour dot is followed in its chroma plane; under the usual
         * chroma threshold it is faint */
        t->mclass = is_pixel_kind(c->kind) ? 1 : 0;
        t->ringed = c->ringed;
        t->cplane = abs(c->plane);
        t->csign = c->plane < 0 ? -1 : 1;
        if (t->cplane)
            t->faint = fabsf(c->resp) < 24.0f / (float)s->sensitivity;
        for (i = 0; i < POS_HIST; i++)
            t->pf[i] = -1;
        for (i = 0; i <= RING_LAG; i++)
            t->ring_frame[i] = -1;
        record(t, n, cx, cy, 0);
        sample_ring(s, f, cx, cy, is_pixel_kind(t->kind) ? 1.0f : rad,
                    t->ring[n % (RING_LAG + 1)]);
        t->ring_frame[n % (RING_LAG + 1)] = n;
        t->first = n;
    }
    s->last_frame = n;
    return 0;
}

static int add_disk(SpSlot *slot, int w, int h, float cx, float cy, float rad,
                    int kind, const Track *t)
{
    int r = (int)ceilf(rad), x0 = (int)floorf(cx) - r, y0 = (int)floorf(cy) - r;
    int bw = 2 * r + 2, bh = 2 * r + 2, x, y, idx;
    uint8_t *m;
    SpRegion *reg;

    if (x0 < 0) { bw += x0; x0 = 0; }
    if (y0 < 0) { bh += y0; y0 = 0; }
    if (x0 + bw > w) bw = w - x0;
    if (y0 + bh > h) bh = h - y0;
    if (bw <= 0 || bh <= 0)
        return 0;
    idx = sp_slot_add_region(slot, x0, y0, bw, bh, kind, &m);
    if (idx < 0)
        return idx;
    for (y = 0; y < bh; y++)
        for (x = 0; x < bw; x++) {
            float ddx = x0 + x - cx, ddy = y0 + y - cy;
            if (ddx * ddx + ddy * ddy <= rad * rad)
                m[y * bw + x] = 255;
        }
    reg = &slot->regions[idx];
    reg->track = t->id;
    reg->contrast = t->contrast;
    reg->confidence = t->moved >= 6 ? 1.0f : 0.5f + t->moved / 12.0f;
    return 0;
}

/*
 * Regions go on the frame leaving the ring and on the frames still in it:
 * the fill heals the current frame from its neighbours and must know where
 * they are defective too. Each track places each frame once (placed: the
 * last frame it did), so a track confirmed late still reaches the frames
 * the ring holds.
 */
/* Whether id is a confirmed track's (of the nb in s->confirmed). */
static int confirmed_id(const DetectContext *s, int nb, int id)
{
    return bsearch(&id, s->confirmed, nb, sizeof(*s->confirmed), cmp_int) != NULL;
}

/* Whether id is a departed track's (note_departure) that still held to
 * its defect in frame m. */
static int departed_before(const DetectContext *s, int id, int64_t m)
{
    for (int i = 0; i < s->nb_departed; i++)
        if (s->departed[i].id == id)
            return m < s->departed[i].left;
    return 0;
}

static int detect_process(SpFilterContext *fc, SpWindow *w)
{
    DetectContext *s = fc->priv;
    SpSlot *cur = w->cur;
    int i, j, ret, nb = 0;

    /* a track put on this frame ahead of time and dropped since (it
     * travelled: scene, not sensor) takes its region back */
    for (i = 0; i < s->track_end; i++)
        if (s->tracks[i].state == T_CONFIRMED)
            s->confirmed[nb++] = s->tracks[i].id;
    qsort(s->confirmed, nb, sizeof(*s->confirmed), cmp_int);
    for (i = j = 0; i < cur->nb_regions; i++) {
        const SpRegion *r = &cur->regions[i];
        if (r->track >= 0 && !(r->kind & (SP_KIND_USER | SP_KIND_MISSING)) &&
            !confirmed_id(s, nb, r->track) && !departed_before(s, r->track, cur->index))
            continue;
        cur->regions[j++] = *r;
    }
    cur->nb_regions = j;
    /* a departure whose frames have all gone out is done with */
    for (i = j = 0; i < s->nb_departed; i++)
        if (s->departed[i].left > cur->index + 1)
            s->departed[j++] = s->departed[i];
    s->nb_departed = j;

    /* no track changes here: the drift's witnesses are listed once */
    s->memo->on = 1;
    s->memo->nb = 0;
    for (i = 0; i < s->track_end; i++) {
        Track *t = &s->tracks[i];
        float rad, r = 1e30f;
        int dot = 0;
        if (t->state != T_CONFIRMED)
            continue;
        if (is_pixel_kind(t->kind)) {
            /* the dot, its compression smear and its chroma sample; a
             * dot wider than a pixel's smear (half its depth over more
             * than 8 pixels) is a small blotch and gets a blotch's disk,
             * unless it strays from the blotches' drift (a wide scene
             * speck taken for a dot does not spread its repair): as its
             * latest place kept to the drift, or, frame by frame, as its
             * place there did (a small blotch's dot track that wanders off
             * it later keeps its disk where it held to it) */
            if (t->wide)
                r = drift_residual(s, t, 0, t->last_hit, 8, 0);
            rad = 1.9f; /* (set frame by frame below) */
        } else {
            /* the dimming radius measured is where the blob passes half
             * its depth; its soft edge reaches about 1.6 times further */
            rad = t->radius * 1.7f + 1.5f;
        }
        for (j = -1; j < w->nb_future; j++) {
            SpSlot *sl = j < 0 ? w->cur : w->future[j];
            int64_t m = sl->index;
            int k = (int)(m % POS_HIST);
            if (m <= t->placed)
                continue;
            t->placed = m;
            /* a defect unseen for long may have left its prediction: no
             * repair there on a guess */
            if (t->pf[k] != m || t->pmiss[k] > 12)
                continue;
            if (is_pixel_kind(t->kind)) {
                float rm = t->wide ? drift_residual_near(s, t, 0, m) : -1;
                rm = rm >= 0 && rm < r ? rm : r;
                rad = rm <= 2.0f ? fmaxf(1.9f, t->radius * 1.7f + 1.5f) : 1.9f;
                /* a dot's disk where it walked off its pixel is no repair
                 * (a blotch's disk still covers the pixel from a few px
                 * off) */
                dot = rm > 2.0f;
            }
            if (dot && walked_off(s, t, m))
                continue;
            if ((ret = add_disk(sl, s->w, s->h, t->px[k], t->py[k], rad, t->kind, t)) < 0)
                goto end;
        }
    }
    ret = 0;
end:
    s->memo->on = 0;
    return ret;
}

static void detect_uninit(SpFilterContext *fc)
{
    DetectContext *s = fc->priv;

    if (!s)
        return;
    for (int i = 0; s->tracks && i < s->track_end; i++) {
        const Track *t = &s->tracks[i];
        if (t->state != T_FREE && t->hits >= 10)
            sp_log(fc->log, SP_LOG_DEBUG, "end: track %d %s at %.1f,%.1f kind %d "
                   "hits %d/%d good %d bad %d veto %d radius %.1f contrast %.1f\n", t->id,
                   t->state == T_CONFIRMED ? "confirmed" : "tentative", t->x, t->y,
                   t->kind, t->hits, t->frames, t->good, t->bad, t->veto, t->radius, t->contrast);
    }
    free(s->hint);
    free(s->pair);
    free(s->patch);
    s->hint = NULL;
    s->pair = NULL;
    s->patch = NULL;
    for (int i = 0; i < 3; i++) {
        free(s->hband[i]);
        free(s->hsur[i]);
        free(s->hflag[i]);
        s->hband[i] = s->hsur[i] = NULL;
        s->hflag[i] = NULL;
    }
    free(s->cands);
    free(s->dcands);
    s->dcands = NULL;
    free(s->tracks);
    free(s->occ[0]);
    free(s->occ[1]);
    free(s->occ_id[0]);
    free(s->occ_id[1]);
    free(s->occ2);
    free(s->occ2_id);
    s->occ2 = NULL;
    s->occ2_id = NULL;
    free(s->shape_d);
    free(s->close_a);
    free(s->close_b);
    free(s->close_c);
    s->close_a = s->close_b = s->close_c = NULL;
    free(s->shape_span);
    s->shape_span = NULL;
    free(s->ring_v);
    free(s->ring_off);
    s->ring_v = s->ring_off = NULL;
    free(s->shape_x);
    free(s->shape_y);
    s->shape_d = NULL;
    s->shape_x = s->shape_y = NULL;
    free(s->qrow);
    s->qrow = NULL;
    free(s->memo);
    s->memo = NULL;
    free(s->near_head);
    free(s->near_next);
    free(s->near_found);
    s->near_head = s->near_next = s->near_found = NULL;
    free(s->confirmed);
    s->confirmed = NULL;
    free(s->quarter[0]);
    free(s->quarter[1]);
    free(s->qscratch);
    s->quarter[0] = s->quarter[1] = NULL;
    s->qscratch = NULL;
    s->occ[0] = s->occ[1] = NULL;
    s->occ_id[0] = s->occ_id[1] = NULL;
    s->cands = NULL;
    s->tracks = NULL;
}

const SpFilter sp_filter_detect = {
    .name      = "detect",
    .priv_size = sizeof(DetectContext),
    .options   = detect_options,
    .init      = detect_init,
    .config    = detect_config,
    .analyze   = detect_analyze,
    .process   = detect_process,
    .uninit    = detect_uninit,
};
