/*
 * filldrv: runs the fill stage alone on raw video with known defect masks,
 * to measure it against ground truth before (and apart from) the tracker.
 *
 *   filldrv W H REGIONS [-late] [-time] [name=value ...] < in.yuv > out.yuv
 *
 * Frames are raw yuv420p 8-bit, W x H. REGIONS is a text file of lines
 *   S FRAME CX CY RADIUS TRACK   a dark spot: the disc of that radius
 *   P X Y                        a pixel defect: the 3x3 box, every frame
 * (tests/tools/truth2regions.py writes one from a painted case's truth).
 * The regions are put on each frame as it enters the lookahead ring, as a
 * marker that decides ahead would; with -late, only as it leaves (as a
 * detector that decides in process() does), so the fill must guess the
 * future frames' defects. name=value pairs set the fill's options. -time
 * prints the fill's mean time per frame to stderr.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/internal.h"

extern const SpFilter sp_filter_fill;

typedef struct Spot {
    int frame, track, kind;
    double cx, cy, r;
} Spot;

typedef struct Regions {
    Spot *v;
    int n, cap;
} Regions;

static int load_regions(const char *path, Regions *rg)
{
    FILE *f = fopen(path, "r");
    char line[256];

    if (!f)
        return -errno;
    while (fgets(line, sizeof(line), f)) {
        Spot s = { 0 };
        int x, y;
        if (line[0] == 'S' && sscanf(line + 1, "%d %lf %lf %lf %d", &s.frame,
                                     &s.cx, &s.cy, &s.r, &s.track) == 5) {
            s.kind = SP_KIND_DARK;
        } else if (line[0] == 'P' && sscanf(line + 1, "%d %d", &x, &y) == 2) {
            s.frame = -1;
            s.cx = x;
            s.cy = y;
            s.kind = SP_KIND_HOT;
            s.track = -1;
        } else {
            continue;
        }
        if (rg->n == rg->cap) {
            int cap = rg->cap ? rg->cap * 2 : 256;
            Spot *n = realloc(rg->v, cap * sizeof(*n));
            if (!n) {
                fclose(f);
                return -ENOMEM;
            }
            rg->v = n;
            rg->cap = cap;
        }
        rg->v[rg->n++] = s;
    }
    fclose(f);
    return 0;
}

static int add_regions(SpSlot *slot, const Regions *rg, int W, int H)
{
    int i, x, y, ret;

    for (i = 0; i < rg->n; i++) {
        const Spot *s = &rg->v[i];
        uint8_t *m;
        if (s->frame >= 0 && s->frame != slot->index)
            continue;
        if (s->kind == SP_KIND_HOT) {
            ret = sp_slot_add_region(slot, (int)s->cx - 1, (int)s->cy - 1, 3, 3,
                                     s->kind, &m);
            if (ret < 0)
                return ret;
            memset(m, 255, 9);
        } else {
            double rad = 1.6 * s->r + 1;
            int x0 = (int)floor(s->cx - rad), y0 = (int)floor(s->cy - rad);
            int x1 = (int)ceil(s->cx + rad), y1 = (int)ceil(s->cy + rad);
            if (x0 < 0) x0 = 0;
            if (y0 < 0) y0 = 0;
            if (x1 >= W) x1 = W - 1;
            if (y1 >= H) y1 = H - 1;
            if (x0 > x1 || y0 > y1)
                continue;
            ret = sp_slot_add_region(slot, x0, y0, x1 - x0 + 1, y1 - y0 + 1,
                                     s->kind, &m);
            if (ret < 0)
                return ret;
            slot->regions[ret].track = s->track;
            for (y = y0; y <= y1; y++)
                for (x = x0; x <= x1; x++)
                    if ((x - s->cx) * (x - s->cx) + (y - s->cy) * (y - s->cy) <= rad * rad)
                        m[(y - y0) * (x1 - x0 + 1) + (x - x0)] = 255;
        }
    }
    return 0;
}

static SpFrame *new_frame(int W, int H)
{
    SpFrame *f = calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    f->width = W;
    f->height = H;
    f->nb_planes = 3;
    f->depth = 8;
    f->color = SP_COLOR_YUV;
    f->ss_x = f->ss_y = 1;
    f->data[0] = malloc((size_t)W * H * 3 / 2);
    if (!f->data[0]) {
        free(f);
        return NULL;
    }
    f->data[1] = f->data[0] + (size_t)W * H;
    f->data[2] = f->data[1] + (size_t)W * H / 4;
    f->stride[0] = W;
    f->stride[1] = f->stride[2] = W / 2;
    return f;
}

static void log_cb(void *opaque, int level, const char *fmt, va_list vl)
{
    vfprintf(stderr, fmt, vl);
}

int main(int argc, char **argv)
{
    SpFilterContext fc = { 0 };
    SpLogger log = { log_cb, NULL, SP_LOG_DEBUG };
    SpSettings st;
    Regions rg = { 0 };
    SpSlot *slots = NULL;
    SpSlot **past = NULL, **future = NULL;
    int W, H, late = 0, timing = 0, i, nslots = 0, hist = 0, look = 0, ret = 1;
    size_t fsize;
    int64_t n_in = 0, n_out = 0, k;
    double t_fill = 0;

    if (argc < 4) {
        fprintf(stderr, "usage: filldrv W H REGIONS [-late] [-time] [name=value ...]\n");
        return 2;
    }
    W = atoi(argv[1]);
    H = atoi(argv[2]);
    fsize = (size_t)W * H * 3 / 2;
    if (W <= 0 || H <= 0 || (W | H) & 1 || load_regions(argv[3], &rg) < 0) {
        fprintf(stderr, "filldrv: bad size or regions file %s\n", argv[3]);
        return 2;
    }
    sp_default_settings(&st);
    fc.filter = &sp_filter_fill;
    fc.log = &log;
    fc.settings = &st;
    fc.enabled = 1;
    fc.priv = calloc(1, sp_filter_fill.priv_size);
    if (!fc.priv)
        return 1;
    sp_options_defaults(fc.priv, sp_filter_fill.options);
    for (i = 4; i < argc; i++) {
        const SpOption *o;
        char *eq = strchr(argv[i], '=');
        if (!strcmp(argv[i], "-late")) { late = 1; continue; }
        if (!strcmp(argv[i], "-time")) { timing = 1; continue; }
        if (!eq)
            return 2;
        *eq = 0;
        for (o = sp_filter_fill.options; o->name && strcmp(o->name, argv[i]); o++)
            ;
        if (!o->name || sp_option_set(fc.priv, o, eq + 1, &log) < 0) {
            fprintf(stderr, "filldrv: bad option %s\n", argv[i]);
            return 2;
        }
    }
    if (sp_filter_fill.init && sp_filter_fill.init(&fc) < 0)
        return 1;

    for (;;) {
        SpFrame *f = new_frame(W, H);
        int eof;
        if (!f)
            goto end;
        eof = fread(f->data[0], 1, fsize, stdin) != fsize;
        if (eof) {
            free(f->data[0]);
            free(f);
        } else {
            if (!slots) {
                if (sp_filter_fill.config(&fc, f) < 0)
                    goto end;
                hist = fc.want_history;
                look = fc.want_lookahead;
                nslots = hist + 1 + look;
                slots = calloc(nslots, sizeof(*slots));
                past = calloc(nslots, sizeof(*past));
                future = calloc(nslots, sizeof(*future));
                if (!slots || !past || !future)
                    goto end;
            }
            {
                SpSlot *s = &slots[n_in % nslots];
                if (s->frame) {
                    free(s->frame->data[0]);
                    free(s->frame);
                }
                s->frame = f;
                s->index = f->index = n_in;
                s->nb_regions = 0;
                s->arena_size = 0;
                if (!late && add_regions(s, &rg, W, H) < 0)
                    goto end;
                n_in++;
            }
        }
        if (!slots)
            goto end;
        /* process every frame that has its lookahead (all of them at EOF) */
        while (n_out < n_in && (eof || n_in - n_out > look)) {
            SpWindow w;
            SpSlot *cur = &slots[n_out % nslots];
            struct timespec t0, t1;
            w.cur = cur;
            w.nb_past = 0;
            for (k = n_out - 1; k >= 0 && n_out - k <= hist; k--)
                past[w.nb_past++] = &slots[k % nslots];
            w.nb_future = 0;
            for (k = n_out + 1; k < n_in; k++)
                future[w.nb_future++] = &slots[k % nslots];
            w.past = past;
            w.future = future;
            if (late && add_regions(cur, &rg, W, H) < 0)
                goto end;
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
            if (sp_filter_fill.process(&fc, &w) < 0)
                goto end;
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
            t_fill += (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
            if (fwrite(cur->frame->data[0], 1, fsize, stdout) != fsize)
                goto end;
            n_out++;
        }
        if (eof)
            break;
    }
    if (timing)
        fprintf(stderr, "filldrv: %lld frames, fill %.2f ms per frame\n",
                (long long)n_out, n_out ? t_fill * 1000 / n_out : 0.0);
    ret = 0;
end:
    for (i = 0; slots && i < nslots; i++) {
        if (slots[i].frame) {
            free(slots[i].frame->data[0]);
            free(slots[i].frame);
        }
        free(slots[i].regions);
        free(slots[i].arena);
        free(slots[i].defects);
    }
    free(slots);
    free(past);
    free(future);
    sp_filter_fill.uninit(&fc);
    free(fc.priv);
    free(rg.v);
    return ret;
}
