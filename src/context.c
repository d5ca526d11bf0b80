/*
 * The library context: the lookahead ring of frames and the filter chain.
 *
 * Frames enter the ring at sp_send_frame() and every filter's analyze()
 * sees them at once, in chain order (the profile's analyze() subtracts
 * the fixed pattern there, before the others look: filters/filter.h). A frame is processed (every filter's process(), in
 * chain order) and given back when `lookahead` newer frames have entered
 * or the stream is flushed, so a detector has seen that many future frames
 * before it must decide about the current one. After it is given back a
 * frame stays in the ring, read only, for `history` more frames, as the
 * past neighbour of the frames that follow; then it is released.
 *
 * The ring holds history + 1 + lookahead slots, allocated once, when the
 * first frame arrives; its size is the largest any filter asks for.
 *
 * Overlap (SpSettings.overlap, more than one thread): the last filter of
 * the chain with a process() (the fill) runs on a thread of the context,
 * the others on the caller's, in sp_receive_frame(); the frame is given
 * back by the first sp_receive_frame() after the next sp_send_frame(),
 * whose analyze() ran meanwhile. The two touch different data: analyze()
 * writes only the new frame and the filters' own state, reads that frame
 * and frames within the detector's lookahead of it, while the fill writes
 * the frame lookahead + 1 older and reads its window, whose newest frame
 * is the one sent before. The next frame's process() starts once the fill
 * is done, so every filter sees what it saw in order. The ring holds one
 * slot more, for the frame being filled.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/internal.h"

#define SP_MAX_FILTERS 16
#define SP_MAX_RING 1024

struct SpContext {
    SpSettings settings;
    uint8_t *mask;          /* the settings' user mask, copied */
    uint8_t *profile;       /* the settings' profile map, copied */
    uint8_t *profile_faint; /* and its faint candidates */
    int16_t *profile_pattern; /* and its fixed pattern, the planes one after another */
    SpLogger log;

    SpFilterContext fc[SP_MAX_FILTERS];
    int nb_fc;

    SpSlot *slots;
    int nb_slots;
    SpSlot **past, **future; /* window scratch */
    int lookahead, history;

    int64_t next_in;   /* index of the next frame sent */
    int64_t next_out;  /* index of the next frame to process and give back */
    int64_t oldest;    /* index of the oldest frame held */
    int configured, flushing;
    SpFrame layout;

    /* overlap: the chain from filter async_fc on runs on th */
    int async_fc;           /* -1: no overlap */
    pthread_t th;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int th_ok;              /* 1: lock and cond made, 2: th started too */
    int pending;            /* frame next_out handed to th */
    int job, done, quit;    /* with lock: a frame to fill, it is filled, stop */
    int job_ret, job_fc;    /* its result, the filter that failed */
    int sent_since;         /* a frame was sent since the hand-over */
    SpWindow pw;            /* the window of the frame being filled */
};

void sp_log(const SpLogger *l, int level, const char *fmt, ...)
{
    va_list vl;

    if (!l || !l->cb || level > l->level)
        return;
    va_start(vl, fmt);
    l->cb(l->opaque, level, fmt, vl);
    va_end(vl);
}

void sp_default_settings(SpSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->log_level = SP_LOG_INFO;
}

const char *sp_version(void)
{
#define STR2(x) #x
#define STR(x) STR2(x)
    return STR(SP_VERSION_MAJOR) "." STR(SP_VERSION_MINOR) "." STR(SP_VERSION_PATCH);
}

const char *sp_error_string(int err)
{
    if (err == SP_EOF)
        return "end of stream";
    return strerror(-err);
}

int sp_list_options(int i, const char **name, const char **help,
                    char *def, size_t def_size, char *range, size_t range_size)
{
    int k;

    for (k = 0; sp_filters[k]; k++) {
        const SpOption *o = sp_filters[k]->options;
        for (; o && o->name; o++) {
            if (i--)
                continue;
            sp_option_default(o, def, def_size);
            sp_option_range(o, range, range_size);
            *name = o->name;
            *help = o->help;
            return 0;
        }
    }
    return SP_EOF;
}

static int apply_options(SpContext *ctx)
{
    const char *const *opt;

    for (opt = ctx->settings.options; opt && *opt; opt++) {
        const char *eq = strchr(*opt, '=');
        size_t len = eq ? (size_t)(eq - *opt) : strlen(*opt);
        int found = 0, i, ret;

        if (!eq) {
            sp_log(&ctx->log, SP_LOG_ERROR, "option '%s' has no value "
                   "(expected name=value)\n", *opt);
            return -EINVAL;
        }
        for (i = 0; i < ctx->nb_fc; i++) {
            const SpOption *o = ctx->fc[i].filter->options;
            for (; o && o->name; o++) {
                if (strlen(o->name) != len || strncmp(o->name, *opt, len))
                    continue;
                ret = sp_option_set(ctx->fc[i].priv, o, eq + 1, &ctx->log);
                if (ret < 0)
                    return ret;
                found = 1;
            }
        }
        if (!found) {
            sp_log(&ctx->log, SP_LOG_ERROR, "unknown option '%.*s'\n",
                   (int)len, *opt);
            return -EINVAL;
        }
    }
    return 0;
}

int sp_open(SpContext **out, const SpSettings *s)
{
    SpContext *ctx;
    int ret = -ENOMEM, i;

    *out = NULL;
    ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -ENOMEM;
    ctx->settings = *s;
    ctx->settings.options = NULL;
    ctx->log.cb = s->log;
    ctx->log.opaque = s->log_opaque;
    ctx->log.level = s->log_level;

    if (s->mask) {
        int y;
        if (s->mask_width <= 0 || s->mask_height <= 0 ||
            s->mask_stride < s->mask_width) {
            ret = -EINVAL;
            goto fail;
        }
        ctx->mask = malloc((size_t)s->mask_width * s->mask_height);
        if (!ctx->mask)
            goto fail;
        for (y = 0; y < s->mask_height; y++)
            memcpy(ctx->mask + (size_t)y * s->mask_width,
                   s->mask + y * s->mask_stride, s->mask_width);
        ctx->settings.mask = ctx->mask;
        ctx->settings.mask_stride = s->mask_width;
    }
    if (s->profile) {
        int y;
        ret = -EINVAL;
        if (s->profile_width <= 0 || s->profile_height <= 0 ||
            s->profile_stride < s->profile_width)
            goto fail;
        ret = -ENOMEM;
        ctx->profile = malloc((size_t)s->profile_width * s->profile_height);
        if (!ctx->profile)
            goto fail;
        for (y = 0; y < s->profile_height; y++)
            memcpy(ctx->profile + (size_t)y * s->profile_width,
                   s->profile + y * s->profile_stride, s->profile_width);
        ctx->settings.profile = ctx->profile;
        ctx->settings.profile_stride = s->profile_width;
        if (s->profile_faint) {
            ret = -ENOMEM;
            ctx->profile_faint = malloc((size_t)s->profile_width * s->profile_height);
            if (!ctx->profile_faint)
                goto fail;
            for (y = 0; y < s->profile_height; y++)
                memcpy(ctx->profile_faint + (size_t)y * s->profile_width,
                       s->profile_faint + y * s->profile_stride, s->profile_width);
            ctx->settings.profile_faint = ctx->profile_faint;
        }
    } else {
        ctx->settings.profile_faint = NULL;
    }
    if (s->profile && s->profile_pattern[0]) {
        size_t total = 0, off = 0;
        int p, y;
        ret = -EINVAL;
        if (s->profile_pattern_planes < 1 || s->profile_pattern_planes > 3)
            goto fail;
        for (p = 0; p < s->profile_pattern_planes; p++) {
            if (!s->profile_pattern[p] || s->profile_pattern_width[p] <= 0 ||
                s->profile_pattern_height[p] <= 0 ||
                s->profile_pattern_stride[p] < s->profile_pattern_width[p])
                goto fail;
            total += (size_t)s->profile_pattern_width[p] * s->profile_pattern_height[p];
        }
        ret = -ENOMEM;
        if (!(ctx->profile_pattern = malloc(total * sizeof(int16_t))))
            goto fail;
        for (p = 0; p < s->profile_pattern_planes; p++) {
            int w = s->profile_pattern_width[p];
            for (y = 0; y < s->profile_pattern_height[p]; y++)
                memcpy(ctx->profile_pattern + off + (size_t)y * w,
                       s->profile_pattern[p] + y * s->profile_pattern_stride[p],
                       w * sizeof(int16_t));
            ctx->settings.profile_pattern[p] = ctx->profile_pattern + off;
            ctx->settings.profile_pattern_stride[p] = w;
            off += (size_t)w * s->profile_pattern_height[p];
        }
    } else {
        memset(ctx->settings.profile_pattern, 0, sizeof(ctx->settings.profile_pattern));
        ctx->settings.profile_pattern_planes = 0;
    }

    for (i = 0; sp_filters[i]; i++) {
        SpFilterContext *fc = &ctx->fc[ctx->nb_fc++];
        fc->filter = sp_filters[i];
        fc->log = &ctx->log;
        fc->settings = &ctx->settings;
        fc->enabled = 1;
        if (fc->filter->priv_size) {
            fc->priv = calloc(1, fc->filter->priv_size);
            if (!fc->priv)
                goto fail;
            sp_options_defaults(fc->priv, fc->filter->options);
        }
    }
    ctx->settings.options = s->options;
    ret = apply_options(ctx);
    ctx->settings.options = NULL;
    if (ret < 0)
        goto fail;
    for (i = 0; i < ctx->nb_fc; i++) {
        SpFilterContext *fc = &ctx->fc[i];
        if (fc->filter->init && (ret = fc->filter->init(fc)) < 0) {
            sp_log(&ctx->log, SP_LOG_ERROR, "%s: setup failed: %s\n",
                   fc->filter->name, sp_error_string(ret));
            goto fail;
        }
    }
    *out = ctx;
    return 0;
fail:
    sp_close(&ctx);
    return ret;
}

/* Run the chain's process() from filter `from` on, in order; the index of
 * the failing filter in *bad. */
static int run_chain(SpContext *ctx, SpWindow *w, int from, int to, int *bad)
{
    int i, ret;

    for (i = from; i < to; i++) {
        SpFilterContext *fc = &ctx->fc[i];
        if (fc->enabled && fc->filter->process &&
            (ret = fc->filter->process(fc, w)) < 0) {
            *bad = i;
            return ret;
        }
    }
    return 0;
}

static void *fill_thread(void *arg)
{
    SpContext *ctx = arg;

    pthread_mutex_lock(&ctx->lock);
    for (;;) {
        int ret, bad = -1;
        while (!ctx->job && !ctx->quit)
            pthread_cond_wait(&ctx->cond, &ctx->lock);
        if (ctx->quit)
            break;
        pthread_mutex_unlock(&ctx->lock);
        ret = run_chain(ctx, &ctx->pw, ctx->async_fc, ctx->nb_fc, &bad);
        pthread_mutex_lock(&ctx->lock);
        ctx->job = 0;
        ctx->job_ret = ret;
        ctx->job_fc = bad;
        ctx->done = 1;
        pthread_cond_broadcast(&ctx->cond);
    }
    pthread_mutex_unlock(&ctx->lock);
    return NULL;
}

static int configure(SpContext *ctx, const SpFrame *f)
{
    int i, ret;

    if (f->width <= 0 || f->height <= 0 || f->nb_planes < 1 ||
        f->nb_planes > 4 || f->depth < 8 || f->depth > 16 ||
        f->ss_x < 0 || f->ss_x > 2 || f->ss_y < 0 || f->ss_y > 2) {
        sp_log(&ctx->log, SP_LOG_ERROR, "unsupported frame layout: "
               "%dx%d, %d planes, %d bits\n", f->width, f->height,
               f->nb_planes, f->depth);
        return -EINVAL;
    }
    ctx->layout = *f;
    ctx->async_fc = -1;
    ctx->lookahead = ctx->settings.lookahead;
    ctx->history = 0;
    for (i = 0; i < ctx->nb_fc; i++) {
        SpFilterContext *fc = &ctx->fc[i];
        if (!fc->enabled)
            continue;
        if (fc->filter->config && (ret = fc->filter->config(fc, f)) < 0) {
            sp_log(&ctx->log, SP_LOG_ERROR, "%s: %s\n", fc->filter->name,
                   sp_error_string(ret));
            return ret;
        }
        if (!ctx->settings.lookahead && fc->want_lookahead > ctx->lookahead)
            ctx->lookahead = fc->want_lookahead;
        if (fc->want_history > ctx->history)
            ctx->history = fc->want_history;
    }
    if (ctx->settings.overlap) {
        long n = ctx->settings.threads;
        if (n <= 0)
            n = sysconf(_SC_NPROCESSORS_ONLN);
        for (i = ctx->nb_fc - 1; n > 1 && i >= 0; i--)
            if (ctx->fc[i].enabled && ctx->fc[i].filter->process) {
                ctx->async_fc = i;
                break;
            }
    }
    if (ctx->lookahead + ctx->history + 1 > SP_MAX_RING)
        ctx->lookahead = SP_MAX_RING - 1 - ctx->history;
    ctx->nb_slots = ctx->history + 1 + ctx->lookahead + (ctx->async_fc >= 0);
    ctx->slots = calloc(ctx->nb_slots, sizeof(*ctx->slots));
    ctx->past = calloc(ctx->nb_slots, sizeof(*ctx->past));
    ctx->future = calloc(ctx->nb_slots, sizeof(*ctx->future));
    if (!ctx->slots || !ctx->past || !ctx->future)
        return -ENOMEM;
    /* no thread: every stage in sp_receive_frame(), as without overlap */
    if (ctx->async_fc >= 0 && !pthread_mutex_init(&ctx->lock, NULL)) {
        if (pthread_cond_init(&ctx->cond, NULL)) {
            pthread_mutex_destroy(&ctx->lock);
        } else {
            ctx->th_ok = 1;
            if (!pthread_create(&ctx->th, NULL, fill_thread, ctx))
                ctx->th_ok = 2;
        }
    }
    if (ctx->th_ok < 2)
        ctx->async_fc = -1;
    ctx->configured = 1;
    sp_log(&ctx->log, SP_LOG_VERBOSE, "ring: %d past, %d future frames%s\n",
           ctx->history, ctx->lookahead,
           ctx->async_fc >= 0 ? ", the fill overlapping the next analysis" : "");
    return 0;
}

static SpSlot *slot_of(SpContext *ctx, int64_t index)
{
    return &ctx->slots[index % ctx->nb_slots];
}

static void release_slot(SpSlot *s)
{
    SpFrame *f = s->frame;

    s->frame = NULL;
    s->nb_regions = 0;
    s->arena_size = 0;
    if (f && f->release)
        f->release(f);
}

/* Release the frames that no window will need again: every frame given
 * back more than `history` frames ago. Done at the start of the next call,
 * so the frame just given back stays valid while the caller uses it. */
static void evict(SpContext *ctx)
{
    while (ctx->oldest < ctx->next_out - ctx->history) {
        release_slot(slot_of(ctx, ctx->oldest));
        ctx->oldest++;
    }
}

/* The public records of a slot's regions. */
static int make_defects(SpSlot *s)
{
    int i, x, y;

    if (s->nb_regions > s->defects_cap) {
        SpDefect *n = realloc(s->defects, s->regions_cap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        s->defects = n;
        s->defects_cap = s->regions_cap;
    }
    for (i = 0; i < s->nb_regions; i++) {
        const SpRegion *r = &s->regions[i];
        const uint8_t *m = sp_region_mask(s, r);
        SpDefect *d = &s->defects[i];
        double sx = 0, sy = 0, sw = 0;
        int area = 0;
        for (y = 0; y < r->h; y++)
            for (x = 0; x < r->w; x++) {
                int v = m[y * r->w + x];
                if (!v)
                    continue;
                area += v >= 128;
                sx += (double)v * x;
                sy += (double)v * y;
                sw += v;
            }
        d->kind = r->kind;
        d->mask = m;
        d->track = r->track;
        d->x = r->x;
        d->y = r->y;
        d->w = r->w;
        d->h = r->h;
        d->area = area;
        d->cx = (float)(r->x + (sw > 0 ? sx / sw : (r->w - 1) / 2.0));
        d->cy = (float)(r->y + (sw > 0 ? sy / sw : (r->h - 1) / 2.0));
        d->contrast = r->contrast;
        d->confidence = r->confidence;
        d->fill = r->fill;
    }
    return 0;
}

int sp_send_frame(SpContext *ctx, SpFrame *f)
{
    SpSlot *s;
    int i, ret;

    if (!f) {
        ctx->flushing = 1;
        return 0;
    }
    if (ctx->flushing)
        return -EINVAL;
    if (!ctx->configured && (ret = configure(ctx, f)) < 0)
        return ret;
    if (f->width != ctx->layout.width || f->height != ctx->layout.height ||
        f->nb_planes != ctx->layout.nb_planes ||
        f->depth != ctx->layout.depth || f->color != ctx->layout.color ||
        f->ss_x != ctx->layout.ss_x || f->ss_y != ctx->layout.ss_y) {
        sp_log(&ctx->log, SP_LOG_ERROR, "frame %lld changes the picture "
               "format (%dx%d, %d bits) from the first frame's (%dx%d, %d bits)\n",
               (long long)ctx->next_in, f->width, f->height, f->depth,
               ctx->layout.width, ctx->layout.height, ctx->layout.depth);
        return -EINVAL;
    }
    evict(ctx);
    if (ctx->next_in - ctx->oldest >= ctx->nb_slots ||
        ctx->next_in - (ctx->next_out + ctx->pending) > ctx->lookahead)
        return -EAGAIN;

    s = slot_of(ctx, ctx->next_in);
    s->frame = f;
    s->index = ctx->next_in;
    s->nb_regions = 0;
    s->arena_size = 0;
    f->index = ctx->next_in++;
    f->touched_w = f->touched_h = 0;
    for (i = 0; i < ctx->nb_fc; i++) {
        SpFilterContext *fc = &ctx->fc[i];
        if (fc->enabled && fc->filter->analyze &&
            (ret = fc->filter->analyze(fc, s)) < 0)
            return ret;
    }
    ctx->sent_since = 1;
    return 0;
}

static void log_failure(SpContext *ctx, int i, int ret)
{
    sp_log(&ctx->log, SP_LOG_ERROR, "%s: frame %lld: %s\n",
           ctx->fc[i].filter->name, (long long)ctx->next_out,
           sp_error_string(ret));
}

/* The frame handed to the fill thread, once filled. */
static int finish_pending(SpContext *ctx)
{
    int ret, bad;

    pthread_mutex_lock(&ctx->lock);
    while (!ctx->done)
        pthread_cond_wait(&ctx->cond, &ctx->lock);
    ctx->done = 0;
    ret = ctx->job_ret;
    bad = ctx->job_fc;
    pthread_mutex_unlock(&ctx->lock);
    ctx->pending = 0;
    if (ret < 0) {
        log_failure(ctx, bad, ret);
        return ret;
    }
    return make_defects(slot_of(ctx, ctx->next_out));
}

/* Process frame next_out: every filter but the overlapping one here,
 * that one on the fill thread (then *handed is 1). */
static int start_frame(SpContext *ctx, int *handed)
{
    SpWindow *w = &ctx->pw;
    int64_t k;
    int ret, bad = -1;

    *handed = 0;
    w->cur = slot_of(ctx, ctx->next_out);
    w->nb_past = 0;
    for (k = ctx->next_out - 1; k >= ctx->oldest &&
         ctx->next_out - k <= ctx->history; k--)
        ctx->past[w->nb_past++] = slot_of(ctx, k);
    w->nb_future = 0;
    for (k = ctx->next_out + 1; k < ctx->next_in; k++)
        ctx->future[w->nb_future++] = slot_of(ctx, k);
    w->past = ctx->past;
    w->future = ctx->future;

    if ((ret = run_chain(ctx, w, 0, ctx->async_fc >= 0 ? ctx->async_fc : ctx->nb_fc,
                         &bad)) < 0) {
        log_failure(ctx, bad, ret);
        return ret;
    }
    if (ctx->async_fc < 0)
        return make_defects(w->cur);
    pthread_mutex_lock(&ctx->lock);
    ctx->job = 1;
    pthread_cond_broadcast(&ctx->cond);
    pthread_mutex_unlock(&ctx->lock);
    ctx->pending = 1;
    ctx->sent_since = 0;
    *handed = 1;
    return 0;
}

/* Whether frame next_out can be processed. */
static int frame_due(const SpContext *ctx)
{
    return ctx->next_out < ctx->next_in &&
           (ctx->flushing || ctx->next_in - ctx->next_out > ctx->lookahead);
}

int sp_receive_frame(SpContext *ctx, SpFrame **out)
{
    SpFrame *f;
    int ret, handed;

    *out = NULL;
    if (!ctx->configured)
        return ctx->flushing ? SP_EOF : -EAGAIN;
    if (!ctx->pending) {
        evict(ctx);
        if (ctx->next_out >= ctx->next_in)
            return ctx->flushing ? SP_EOF : -EAGAIN;
        if (!frame_due(ctx))
            return -EAGAIN;
        if ((ret = start_frame(ctx, &handed)) < 0)
            return ret;
        if (!handed) {
            f = slot_of(ctx, ctx->next_out)->frame;
            ctx->next_out++;
            *out = f;
            return 0;
        }
    }
    /* a frame is being filled: given back once the next frame was sent
     * (its analysis overlapped the fill) or at the end */
    if (!ctx->flushing && !ctx->sent_since)
        return -EAGAIN;
    if ((ret = finish_pending(ctx)) < 0)
        return ret;
    f = slot_of(ctx, ctx->next_out)->frame;
    ctx->next_out++;
    /* the next one starts at once: its fill overlaps what the caller
     * does with this one and the next frame's analysis */
    if (frame_due(ctx) && (ret = start_frame(ctx, &handed)) < 0)
        return ret;
    *out = f;
    return 0;
}

int sp_frame_defects(SpContext *ctx, const SpFrame *f,
                     const SpDefect **defects, int *nb)
{
    int64_t i;

    *defects = NULL;
    *nb = 0;
    for (i = ctx->oldest; i < ctx->next_out; i++) {
        SpSlot *s = slot_of(ctx, i);
        if (s->frame == f) {
            *defects = s->defects;
            *nb = s->nb_regions;
            return 0;
        }
    }
    return -EINVAL;
}

void sp_close(SpContext **pctx)
{
    SpContext *ctx = *pctx;
    int i;

    if (!ctx)
        return;
    if (ctx->th_ok == 2) {
        pthread_mutex_lock(&ctx->lock);
        while (ctx->pending && !ctx->done)
            pthread_cond_wait(&ctx->cond, &ctx->lock);
        ctx->quit = 1;
        pthread_cond_broadcast(&ctx->cond);
        pthread_mutex_unlock(&ctx->lock);
        pthread_join(ctx->th, NULL);
    }
    if (ctx->th_ok) {
        pthread_cond_destroy(&ctx->cond);
        pthread_mutex_destroy(&ctx->lock);
    }
    for (i = 0; ctx->slots && i < ctx->nb_slots; i++) {
        release_slot(&ctx->slots[i]);
        free(ctx->slots[i].defects);
        free(ctx->slots[i].regions);
        free(ctx->slots[i].arena);
    }
    for (i = 0; i < ctx->nb_fc; i++) {
        if (ctx->fc[i].filter->uninit)
            ctx->fc[i].filter->uninit(&ctx->fc[i]);
        free(ctx->fc[i].priv);
    }
    free(ctx->slots);
    free(ctx->past);
    free(ctx->future);
    free(ctx->mask);
    free(ctx->profile);
    free(ctx->profile_faint);
    free(ctx->profile_pattern);
    free(ctx);
    *pctx = NULL;
}

int sp_slot_add_region(SpSlot *s, int x, int y, int w, int h, int kind,
                       uint8_t **mask)
{
    size_t need = (size_t)w * h;
    SpRegion *r;

    if (w <= 0 || h <= 0)
        return -EINVAL;
    if (s->nb_regions == s->regions_cap) {
        int cap = s->regions_cap ? s->regions_cap * 2 : 16;
        SpRegion *n = realloc(s->regions, cap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        s->regions = n;
        s->regions_cap = cap;
    }
    if (s->arena_size + need > s->arena_cap) {
        size_t cap = s->arena_cap ? s->arena_cap : 4096;
        uint8_t *n;
        while (cap < s->arena_size + need)
            cap *= 2;
        n = realloc(s->arena, cap);
        if (!n)
            return -ENOMEM;
        s->arena = n;
        s->arena_cap = cap;
    }
    r = &s->regions[s->nb_regions];
    memset(r, 0, sizeof(*r));
    r->x = x;
    r->y = y;
    r->w = w;
    r->h = h;
    r->kind = kind;
    r->track = -1;
    r->mask_off = s->arena_size;
    memset(s->arena + s->arena_size, 0, need);
    s->arena_size += need;
    if (mask)
        *mask = s->arena + r->mask_off;
    return s->nb_regions++;
}

void sp_frame_touch(SpFrame *f, int x, int y, int w, int h)
{
    int x1, y1;

    if (w <= 0 || h <= 0)
        return;
    if (!f->touched_w || !f->touched_h) {
        f->touched_x = x;
        f->touched_y = y;
        f->touched_w = w;
        f->touched_h = h;
        return;
    }
    x1 = f->touched_x + f->touched_w;
    y1 = f->touched_y + f->touched_h;
    if (x + w > x1) x1 = x + w;
    if (y + h > y1) y1 = y + h;
    if (x < f->touched_x) f->touched_x = x;
    if (y < f->touched_y) f->touched_y = y;
    f->touched_w = x1 - f->touched_x;
    f->touched_h = y1 - f->touched_y;
}
