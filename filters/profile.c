/*
 * profile: marks the pixels of a camera profile (SpSettings.profile, the
 * defect map the program reads from a profile PNG, docs/profile.md) as
 * defects in every frame, for the fills to heal, with the kind the
 * profile gives them (hot, stuck, dead) and no track.
 *
 * As usermask does for a mask, the map is split once into pieces (pixels
 * within MERGE of each other) and each piece becomes one region with its
 * own bounding box: a profile of a few hundred hot pixels costs a few
 * hundred small regions a frame. With profile-grow, each piece's mask is
 * widened by that many pixels, for footage whose compression smears a
 * hot pixel into its neighbours more than the dark frames showed.
 *
 * The profile's faint candidates (SpSettings.profile_faint: pixels the
 * dark frames hint at but cannot prove, docs/profile.md) are tested on
 * the footage once, on the first frame that leaves with the frames
 * ahead of it (FAINT_FRAMES at most): in a plane it showed in, the
 * sample's excess over its neighbours (the mean of the opposite pair that
 * differs least, so that an edge beside it does not hide it) must be
 * more than FAINT_LEVEL levels (visible) in the median over those frames
 * and positive in all but one in seven of them. The dark frames' own noise leaves candidates
 * with no excess in the footage; a hot pixel has its excess in every
 * frame. The confirmed ones are healed as hot pixels from then on.
 *
 * The fixed pattern (SpSettings.profile_pattern: the mean dark frame less
 * its black level, already shrunk by the program where the dark frames
 * could not tell it from their own noise, docs/profile.md; seed 001's
 * "subtract dark frame") is subtracted from every frame in analyze(), as
 * the frame enters the ring, before detection looks at it: every window
 * then holds corrected frames, so that the fill matches its temporal
 * neighbours without the pattern's offset between them. It is scaled to
 * the frame's depth and rounded to the nearest level once, at config,
 * and the result clamped to the sample range.
 *
 * A second stage, after detection (sp_filter_profile_known), drops the
 * pixel tracks detection placed on a pixel the profile already heals:
 * detection heals a dot as a disk (its smear and chroma sample), which
 * rebuilds the pixel from farther away than the profile's own region.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "filters/filter.h"
#include "filters/pieces.h"

#define MERGE 1 /* pixels this close (Chebyshev) join one piece */
#define FAINT_FRAMES 7    /* frames a faint candidate is tested on, at most */
#define FAINT_MIN_FRAMES 3 /* fewer in view: not healed on a guess */
#define FAINT_LEVEL 3.0f  /* excess over the neighbours, 8-bit levels: visible */

typedef struct ProfilePiece {
    int x, y, w, h;
    int kind;
    size_t off;       /* into mask */
    int faint;        /* a faint candidate: its planes (bit p), else 0 */
    int px, py;       /* a faint candidate's pixel */
    int active;       /* marked: always, or a faint candidate once confirmed */
} ProfilePiece;

typedef struct ProfileContext {
    int grow;         /* option: pixels added around each piece */
    ProfilePiece *pieces;
    int nb_pieces;
    uint8_t *mask;    /* every piece's w * h mask, 0 or 255, one after another */
    int nb_faint;     /* faint candidates, the last pieces */
    int tested;       /* the faint candidates have been tested */
    int nb_active;
    int pattern;      /* the fixed pattern is subtracted */
    int32_t *delta[3];/* per plane, what is subtracted, in the frames' levels */
} ProfileContext;

#define OFF(x) offsetof(ProfileContext, x)
static const SpOption profile_options[] = {
    { "profile-grow", "pixels healed around each pixel of a profile",
      SP_OPT_INT, OFF(grow), 0, 0, 0, 4, NULL },
    { NULL },
};

static int add_piece(ProfileContext *s, int *cap)
{
    if (s->nb_pieces == *cap) {
        ProfilePiece *n;
        *cap = *cap ? *cap * 2 : 64;
        n = realloc(s->pieces, *cap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        s->pieces = n;
    }
    memset(&s->pieces[s->nb_pieces], 0, sizeof(s->pieces[0]));
    return s->nb_pieces++;
}

static int profile_init(SpFilterContext *fc)
{
    fc->enabled = fc->settings->profile != NULL;
    return 0;
}

/* The kind a piece is reported as: the most frequent among its pixels. */
static int piece_kind(const int counts[3])
{
    if (counts[1] > counts[0] && counts[1] >= counts[2])
        return SP_KIND_STUCK;
    if (counts[2] > counts[0] && counts[2] > counts[1])
        return SP_KIND_DEAD;
    return SP_KIND_HOT;
}

static int profile_config(SpFilterContext *fc, const SpFrame *f)
{
    ProfileContext *s = fc->priv;
    const SpSettings *st = fc->settings;
    int W = st->profile_width, H = st->profile_height, g = s->grow;
    int x, y, i, cap = 0, ret = -ENOMEM;
    SpPieces ps;
    size_t total = 0;

    if (W != f->width || H != f->height) {
        sp_log(fc->log, SP_LOG_ERROR, "the profile is %dx%d but the frames are "
               "%dx%d: use a profile made from dark frames at the frames' "
               "size\n", W, H, f->width, f->height);
        return -EINVAL;
    }
    if (st->profile_pattern[0]) {
        int np = st->profile_pattern_planes, ok = st->profile_pattern_color == f->color &&
                 np <= f->nb_planes - (f->has_alpha ? 1 : 0);
        for (i = 0; ok && i < np; i++)
            ok = st->profile_pattern_width[i] == sp_plane_width(f, i) &&
                 st->profile_pattern_height[i] == sp_plane_height(f, i);
        if (ok) {
            int scale = 1 << (f->depth - 8), any = 0;
            for (i = 0; i < np; i++) {
                int pw = st->profile_pattern_width[i], ph = st->profile_pattern_height[i];
                if (!(s->delta[i] = malloc((size_t)pw * ph * sizeof(int32_t))))
                    return -ENOMEM;
                for (y = 0; y < ph; y++)
                    for (x = 0; x < pw; x++) {
                        /* 1/16 level to the frame's levels, rounded half away from 0 */
                        int v = st->profile_pattern[i][y * st->profile_pattern_stride[i] + x] * scale;
                        int d = v >= 0 ? (v + 8) >> 4 : -((8 - v) >> 4);
                        s->delta[i][(size_t)y * pw + x] = d;
                        any |= d != 0;
                    }
            }
            s->pattern = any;
            sp_log(fc->log, SP_LOG_VERBOSE, "profile: the fixed pattern is %s\n",
                   any ? "subtracted from every frame" : "under a level at this depth: "
                   "nothing to subtract");
        } else {
            sp_log(fc->log, SP_LOG_WARNING, "the profile's fixed pattern was made "
                   "from frames of another colour layout than these: it is not "
                   "subtracted; make the profile from dark frames in the "
                   "footage's pixel format\n");
        }
    }
    if ((ret = sp_pieces_find(&ps, st->profile, st->profile_stride, W, H, MERGE, g)) < 0)
        return ret;
    ret = -ENOMEM;
    for (i = 0; i < ps.nb; i++) {
        const SpPieceBox *b = &ps.box[i];
        int counts[3] = { 0, 0, 0 };
        ProfilePiece *p;
        if (add_piece(s, &cap) < 0)
            goto end;
        p = &s->pieces[i];
        p->active = 1;
        for (y = b->y; y < b->y + b->h; y++)
            for (x = b->x; x < b->x + b->w; x++)
                if (ps.label[(size_t)y * W + x] == i + 1) {
                    int k = st->profile[y * st->profile_stride + x];
                    counts[k == SP_KIND_STUCK ? 1 : k == SP_KIND_DEAD ? 2 : 0]++;
                }
        p->x = b->x;
        p->y = b->y;
        p->w = b->w;
        p->h = b->h;
        p->kind = piece_kind(counts);
        p->off = total;
        total += (size_t)p->w * p->h;
    }
    s->nb_active = s->nb_pieces;
    /* each faint candidate its own piece, not a pixel the map heals anyway */
    for (y = 0; st->profile_faint && y < H; y++)
        for (x = 0; x < W; x++) {
            int planes = st->profile_faint[y * st->profile_stride + x] & 7, k;
            ProfilePiece *p;
            if (!planes || st->profile[y * st->profile_stride + x])
                continue;
            if ((k = add_piece(s, &cap)) < 0)
                goto end;
            p = &s->pieces[k];
            p->x = x - g < 0 ? 0 : x - g;
            p->y = y - g < 0 ? 0 : y - g;
            p->w = (x + g >= W ? W - 1 : x + g) - p->x + 1;
            p->h = (y + g >= H ? H - 1 : y + g) - p->y + 1;
            p->kind = SP_KIND_HOT;
            p->off = total;
            p->faint = planes;
            p->px = x;
            p->py = y;
            total += (size_t)p->w * p->h;
            s->nb_faint++;
        }
    if (!s->nb_pieces) {
        sp_log(fc->log, SP_LOG_VERBOSE, "the profile marks no pixel\n");
        fc->enabled = s->pattern;
        ret = 0;
        goto end;
    }
    s->mask = calloc(total, 1);
    if (!s->mask)
        goto end;
    /* each piece's own pixels, widened by grow (a square around each);
     * a faint candidate's square, its whole box */
    for (i = 0; i < s->nb_pieces; i++) {
        const ProfilePiece *p = &s->pieces[i];
        if (p->faint)
            memset(s->mask + p->off, 255, (size_t)p->w * p->h);
        else
            sp_pieces_mask(&ps, i, g, s->mask + p->off);
    }
    /* the frames ahead that the faint candidates are tested on */
    if (s->nb_faint)
        fc->want_lookahead = FAINT_FRAMES - 1;
    sp_log(fc->log, SP_LOG_VERBOSE, "profile: %d pieces, %d faint candidates, "
           "%zu pixels of boxes\n", s->nb_pieces - s->nb_faint, s->nb_faint, total);
    ret = 0;
end:
    sp_pieces_free(&ps);
    return ret;
}

static int mark_slot(ProfileContext *s, SpSlot *slot)
{
    int i;

    for (i = 0; i < s->nb_pieces; i++) {
        const ProfilePiece *p = &s->pieces[i];
        uint8_t *m;
        int ret;
        if (!p->active)
            continue;
        ret = sp_slot_add_region(slot, p->x, p->y, p->w, p->h, p->kind, &m);
        if (ret < 0)
            return ret;
        memcpy(m, s->mask + p->off, (size_t)p->w * p->h);
        slot->regions[ret].confidence = 1.0f;
    }
    return 0;
}

/* Whether a slot has this filter's regions: the first piece, as only
 * this filter places it (no track, its box and kind). */
static int has_profile(const ProfileContext *s, const SpSlot *slot)
{
    const ProfilePiece *p = s->pieces;
    int i;

    while (p < s->pieces + s->nb_pieces && !p->active)
        p++;
    if (p == s->pieces + s->nb_pieces)
        return 1; /* nothing to mark */
    for (i = 0; i < slot->nb_regions; i++) {
        const SpRegion *r = &slot->regions[i];
        if (r->track < 0 && r->kind == p->kind && r->x == p->x && r->y == p->y &&
            r->w == p->w && r->h == p->h)
            return 1;
    }
    return 0;
}

/* The regions go on the leaving frame, and ahead on a frame still in the
 * ring that another filter (detection) has put regions on: the temporal
 * fill takes a neighbour's own regions, when it has any, as all that is
 * defective there, and a profile's pixels are defective in every frame.
 * A neighbour without regions gets the leaving frame's. */
/* A sample of plane p in 8-bit levels. */
static float level_at(const SpFrame *f, int p, int x, int y)
{
    const uint8_t *row = f->data[p] + (ptrdiff_t)y * f->stride[p];

    return f->depth > 8 ? ((const uint16_t *)row)[x] / (float)(1 << (f->depth - 8))
                        : row[x];
}

static float median_of(float *v, int n)
{
    int i, j;

    for (i = 1; i < n; i++) {
        float t = v[i];
        for (j = i; j > 0 && v[j - 1] > t; j--)
            v[j] = v[j - 1];
        v[j] = t;
    }
    return n & 1 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

/* How far the sample of (x, y) in plane p stands above its neighbours:
 * above the mean of the two opposite ones (of the 4 pairs through it)
 * that differ least, the direction along an edge or a ridge, so that an
 * edge beside it does not hide it. */
static float excess(const SpFrame *f, int p, int x, int y)
{
    static const int dir[4][2] = { { 1, 0 }, { 0, 1 }, { 1, 1 }, { 1, -1 } };
    int sub = (p == 1 || p == 2) && f->color == SP_COLOR_YUV;
    int sx = sub ? f->ss_x : 0, sy = sub ? f->ss_y : 0;
    int W = -((-f->width) >> sx), H = -((-f->height) >> sy), k;
    float best = -1, pred = 0;

    x >>= sx;
    y >>= sy;
    if (x < 1 || y < 1 || x >= W - 1 || y >= H - 1)
        return 0;
    for (k = 0; k < 4; k++) {
        float a = level_at(f, p, x + dir[k][0], y + dir[k][1]);
        float b = level_at(f, p, x - dir[k][0], y - dir[k][1]);
        if (best < 0 || fabsf(a - b) < best) {
            best = fabsf(a - b);
            pred = 0.5f * (a + b);
        }
    }
    return level_at(f, p, x, y) - pred;
}

/* Test the faint candidates on the leaving frame and those ahead of it. */
static void test_faint(SpFilterContext *fc, ProfileContext *s, const SpWindow *w)
{
    const SpFrame *frames[FAINT_FRAMES];
    int nf = 0, i, p, k, confirmed = 0;
    int nc = w->cur->frame->nb_planes - (w->cur->frame->has_alpha ? 1 : 0);

    s->tested = 1;
    if (!s->nb_faint)
        return;
    frames[nf++] = w->cur->frame;
    for (i = 0; i < w->nb_future && nf < FAINT_FRAMES; i++)
        frames[nf++] = w->future[i]->frame;
    if (nf < FAINT_MIN_FRAMES) {
        sp_log(fc->log, SP_LOG_VERBOSE, "profile: %d frames in view, too few to "
               "test the %d faint candidates: none healed\n", nf, s->nb_faint);
        return;
    }
    for (i = s->nb_pieces - s->nb_faint; i < s->nb_pieces; i++) {
        ProfilePiece *pc = &s->pieces[i];
        for (p = 0; p < 3 && p < nc && !pc->active; p++) {
            float e[FAINT_FRAMES], med;
            int pos = 0;
            if (!(pc->faint & 1 << p))
                continue;
            for (k = 0; k < nf; k++) {
                e[k] = excess(frames[k], p, pc->px, pc->py);
                pos += e[k] > 0;
            }
            med = median_of(e, nf);
            if (pos >= nf - nf / 7 && med > FAINT_LEVEL) {
                pc->active = 1;
                sp_log(fc->log, SP_LOG_DEBUG, "profile: faint candidate (%d, %d) "
                       "confirmed in plane %d: %.1f levels above its neighbours, "
                       "in %d of %d frames\n", pc->px, pc->py, p, med, pos, nf);
            }
        }
        confirmed += pc->active;
    }
    s->nb_active += confirmed;
    sp_log(fc->log, SP_LOG_VERBOSE, "profile: %d of %d faint candidates confirmed "
           "on %d frames\n", confirmed, s->nb_faint, nf);
}

/* Subtract the fixed pattern from a frame entering the ring. */
static int profile_analyze(SpFilterContext *fc, SpSlot *slot)
{
    const ProfileContext *s = fc->priv;
    const SpSettings *st = fc->settings;
    SpFrame *f = slot->frame;
    int maxv = (1 << f->depth) - 1, p, x, y;

    if (!s->pattern)
        return 0;
    for (p = 0; p < st->profile_pattern_planes; p++) {
        int W = st->profile_pattern_width[p], H = st->profile_pattern_height[p];
        for (y = 0; y < H; y++) {
            const int32_t *d = s->delta[p] + (size_t)y * W;
            uint8_t *row = f->data[p] + (ptrdiff_t)y * f->stride[p];
            if (f->depth > 8) {
                uint16_t *r16 = (uint16_t *)row;
                for (x = 0; x < W; x++) {
                    int o = r16[x] - d[x];
                    r16[x] = (uint16_t)(o < 0 ? 0 : o > maxv ? maxv : o);
                }
            } else {
                for (x = 0; x < W; x++) {
                    int o = row[x] - d[x];
                    row[x] = (uint8_t)(o < 0 ? 0 : o > 255 ? 255 : o);
                }
            }
        }
    }
    sp_frame_touch(f, 0, 0, f->width, f->height);
    return 0;
}

static int profile_process(SpFilterContext *fc, SpWindow *w)
{
    ProfileContext *s = fc->priv;
    int i, ret;

    if (!s->tested)
        test_faint(fc, s, w);
    if (!s->nb_active)
        return 0;

    if (!has_profile(s, w->cur) && (ret = mark_slot(s, w->cur)) < 0)
        return ret;
    for (i = 0; i < w->nb_future; i++)
        if (w->future[i]->nb_regions && !has_profile(s, w->future[i]) &&
            (ret = mark_slot(s, w->future[i])) < 0)
            return ret;
    return 0;
}

static void profile_uninit(SpFilterContext *fc)
{
    ProfileContext *s = fc->priv;

    if (s) {
        for (int p = 0; p < 3; p++) {
            free(s->delta[p]);
            s->delta[p] = NULL;
        }
        free(s->mask);
        s->mask = NULL;
        free(s->pieces);
        s->pieces = NULL;
    }
}

static int known_init(SpFilterContext *fc)
{
    fc->enabled = fc->settings->profile != NULL;
    return 0;
}

static int known_config(SpFilterContext *fc, const SpFrame *f)
{
    const SpSettings *st = fc->settings;

    /* the profile stage refuses a profile of another size */
    if (st->profile_width != f->width || st->profile_height != f->height)
        fc->enabled = 0;
    return 0;
}

/* Whether the profile marks a pixel within one of (x, y). */
static int known_at(const SpSettings *st, int x, int y)
{
    int u, v;

    for (v = y - 1; v <= y + 1; v++)
        for (u = x - 1; u <= x + 1; u++)
            if (u >= 0 && v >= 0 && u < st->profile_width && v < st->profile_height &&
                st->profile[v * st->profile_stride + u])
                return 1;
    return 0;
}

static int known_process(SpFilterContext *fc, SpWindow *w)
{
    SpSlot *cur = w->cur;
    int i, j;

    for (i = j = 0; i < cur->nb_regions; i++) {
        const SpRegion *r = &cur->regions[i];
        if (r->track >= 0 &&
            (r->kind == SP_KIND_HOT || r->kind == SP_KIND_STUCK || r->kind == SP_KIND_DEAD) &&
            known_at(fc->settings, r->x + r->w / 2, r->y + r->h / 2))
            continue;
        cur->regions[j++] = *r;
    }
    cur->nb_regions = j;
    return 0;
}

const SpFilter sp_filter_profile_known = {
    .name      = "profile-known",
    .init      = known_init,
    .config    = known_config,
    .process   = known_process,
};

const SpFilter sp_filter_profile = {
    .name      = "profile",
    .priv_size = sizeof(ProfileContext),
    .options   = profile_options,
    .init      = profile_init,
    .config    = profile_config,
    .analyze   = profile_analyze,
    .process   = profile_process,
    .uninit    = profile_uninit,
};
