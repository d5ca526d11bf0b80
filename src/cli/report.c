/*
 * The JSON defect report: written as the frames go by, so a long clip
 * needs no memory for it but the per-track summary (one entry per track).
 * Format: docs/report.md.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/cli/cli.h"

typedef struct TrackSum {
    int id, kind, fill;
    int64_t first, last, frames;
    double sx, sy, contrast, confidence;
    int min_w, max_w;
} TrackSum;

struct CliReport {
    const CliOptions *o;
    FILE *f;
    char path[4096], tmp[4096];
    int64_t nb_frames, nb_defects;
    TrackSum *tracks;
    int nb_tracks, tracks_cap;
    /* --save-profile: the pixel defects found, as a profile's map */
    const char *input;
    int width, height;
    uint8_t *pmap, *pstrength;
};

static int is_pixel(int kind)
{
    return kind == SP_KIND_HOT || kind == SP_KIND_STUCK || kind == SP_KIND_DEAD;
}

/* Put a defect's pixels (mask at least one half) into the profile map. */
static void map_defect(CliReport *r, int kind, float contrast, int x0, int y0,
                       int w, int h, const uint8_t *mask)
{
    int x, y, c = (int)(contrast < 0 ? -contrast : contrast);

    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++) {
            size_t i;
            if (mask[(size_t)y * w + x] < 128 || x0 + x < 0 || y0 + y < 0 ||
                x0 + x >= r->width || y0 + y >= r->height)
                continue;
            i = (size_t)(y0 + y) * r->width + x0 + x;
            r->pmap[i] = (uint8_t)kind;
            if (c > r->pstrength[i])
                r->pstrength[i] = (uint8_t)(c < 1 ? 1 : c > 255 ? 255 : c);
        }
}

static const char *kind_name(int kind)
{
    switch (kind) {
    case SP_KIND_DARK:    return "dark";
    case SP_KIND_BRIGHT:  return "bright";
    case SP_KIND_HOT:     return "hot";
    case SP_KIND_STUCK:   return "stuck";
    case SP_KIND_DEAD:    return "dead";
    case SP_KIND_MISSING: return "missing";
    case SP_KIND_USER:    return "mask";
    }
    return "unknown";
}

static const char *fill_name(int fill)
{
    switch (fill) {
    case SP_FILL_SPATIAL:  return "spatial";
    case SP_FILL_PATCH:    return "patch";
    case SP_FILL_TEMPORAL: return "temporal";
    case SP_FILL_GAIN:     return "gain";
    }
    return "none";
}

static void put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

int cli_report_open(CliReport **out, const CliOptions *o, const char *path,
                    const char *input, int width, int height)
{
    CliReport *r;
    int ret;

    *out = NULL;
    r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->o = o;
    r->input = input;
    r->width = width;
    r->height = height;
    if (o->save_profile) {
        r->pmap = calloc((size_t)width * height, 1);
        r->pstrength = calloc((size_t)width * height, 1);
        if (!r->pmap || !r->pstrength) {
            cli_log(o, SP_LOG_ERROR, "out of memory\n");
            free(r->pmap);
            free(r->pstrength);
            free(r);
            return -ENOMEM;
        }
    }
    if (!path) { /* --save-profile alone: no JSON */
        *out = r;
        return 0;
    }
    snprintf(r->path, sizeof(r->path), "%s", path);
    if (!strcmp(path, "-")) {
        r->f = stdout;
    } else {
        if ((ret = cli_temp_path(path, r->tmp, sizeof(r->tmp))) < 0 ||
            !(r->f = fopen(r->tmp, "w"))) {
            ret = ret < 0 ? ret : -errno;
            cli_log(o, SP_LOG_ERROR, "cannot write the report '%s': %s\n",
                    path, strerror(-ret));
            free(r->pmap);
            free(r->pstrength);
            free(r);
            return ret;
        }
    }
    fprintf(r->f, "{\n  \"spotheal\": \"%s\",\n  \"input\": ", sp_version());
    put_string(r->f, input);
    fprintf(r->f, ",\n  \"width\": %d,\n  \"height\": %d,\n  \"frames\": [",
            width, height);
    *out = r;
    return 0;
}

static TrackSum *track_sum(CliReport *r, int id)
{
    int i;

    for (i = 0; i < r->nb_tracks; i++)
        if (r->tracks[i].id == id)
            return &r->tracks[i];
    if (r->nb_tracks == r->tracks_cap) {
        int cap = r->tracks_cap ? r->tracks_cap * 2 : 64;
        TrackSum *n = realloc(r->tracks, cap * sizeof(*n));
        if (!n)
            return NULL;
        r->tracks = n;
        r->tracks_cap = cap;
    }
    memset(&r->tracks[r->nb_tracks], 0, sizeof(TrackSum));
    r->tracks[r->nb_tracks].id = id;
    r->tracks[r->nb_tracks].first = -1;
    return &r->tracks[r->nb_tracks++];
}

/* The exact pixels of a defect as runs along rows: [y, x, length] with
 * the mask at least one half, in full-resolution frame coordinates. */
static void put_runs(FILE *f, const SpDefect *e)
{
    int x, y, n = 0;

    fputs(", \"runs\": [", f);
    for (y = 0; y < e->h; y++)
        for (x = 0; x < e->w; x++) {
            int x0 = x;
            if (e->mask[(size_t)y * e->w + x] < 128)
                continue;
            while (x + 1 < e->w && e->mask[(size_t)y * e->w + x + 1] >= 128)
                x++;
            fprintf(f, "%s[%d, %d, %d]", n++ ? ", " : "", e->y + y, e->x + x0, x - x0 + 1);
        }
    fputc(']', f);
}

int cli_report_frame(CliReport *r, SpContext *ctx, const SpFrame *f,
                     double time, const char *name)
{
    const SpDefect *d;
    int nb, i;

    if (!r)
        return 0;
    if (sp_frame_defects(ctx, f, &d, &nb) < 0)
        nb = 0;
    if (r->f) {
        fprintf(r->f, "%s\n    {\"frame\": %lld", r->nb_frames ? "," : "",
                (long long)f->index);
        if (time >= 0)
            fprintf(r->f, ", \"time\": %.6f", time);
        if (name) {
            fputs(", \"file\": ", r->f);
            put_string(r->f, name);
        }
        fputs(", \"defects\": [", r->f);
    }
    for (i = 0; i < nb; i++) {
        const SpDefect *e = &d[i];
        if (r->f) {
            fprintf(r->f, "%s\n      {\"kind\": \"%s\", \"track\": %d, \"x\": %d, "
                    "\"y\": %d, \"w\": %d, \"h\": %d, \"cx\": %.2f, \"cy\": %.2f, "
                    "\"area\": %d, \"contrast\": %.1f, \"confidence\": %.3f, "
                    "\"fill\": \"%s\"", i ? "," : "", kind_name(e->kind),
                    e->track, e->x, e->y, e->w, e->h, e->cx, e->cy, e->area,
                    e->contrast, e->confidence, fill_name(e->fill));
            if (e->kind == SP_KIND_MISSING && e->mask)
                put_runs(r->f, e);
            fputc('}', r->f);
        }
        /* a profile's own pixels (no track) go into a saved profile as
         * they are */
        if (r->pmap && e->track < 0 && is_pixel(e->kind) && e->mask)
            map_defect(r, e->kind, e->contrast, e->x, e->y, e->w, e->h, e->mask);
        if (e->track >= 0) {
            TrackSum *t = track_sum(r, e->track);
            if (!t)
                return -ENOMEM;
            if (t->first < 0) {
                t->first = f->index;
                t->kind = e->kind;
                t->min_w = e->w;
            }
            t->last = f->index;
            t->frames++;
            t->sx += e->cx;
            t->sy += e->cy;
            t->contrast += e->contrast;
            t->confidence += e->confidence;
            t->fill = e->fill;
            if (e->w < t->min_w) t->min_w = e->w;
            if (e->w > t->max_w) t->max_w = e->w;
        }
    }
    r->nb_frames++;
    r->nb_defects += nb;
    if (!r->f)
        return 0;
    fputs(nb ? "\n    ]}" : "]}", r->f);
    return ferror(r->f) ? -EIO : 0;
}

int cli_report_close(CliReport **pr, int ok)
{
    CliReport *r = *pr;
    int i, ret = 0;

    if (!r)
        return 0;
    *pr = NULL;
    if (r->pmap) {
        /* --save-profile: the pixel tracks seen on a few frames at least,
         * each as the one pixel at its mean centre (the healed disk
         * around it is the fill's margin, not the defect) */
        int64_t need = r->nb_frames < 3 ? r->nb_frames : 3;
        static const uint8_t one = 255;
        for (i = 0; i < r->nb_tracks; i++) {
            const TrackSum *t = &r->tracks[i];
            if (is_pixel(t->kind) && t->frames >= need && t->frames > 0)
                map_defect(r, t->kind, (float)(t->contrast / t->frames),
                           (int)lrint(t->sx / t->frames), (int)lrint(t->sy / t->frames),
                           1, 1, &one);
        }
        if (ok && cli_profile_save_found(r->o, r->o->save_profile, r->input, r->pmap,
                                         r->pstrength, r->width, r->height,
                                         r->nb_frames) < 0) {
            ret = -EIO;
            ok = 0;
        }
    }
    if (!r->f)
        goto done;
    fputs(r->nb_frames ? "\n  ],\n  \"tracks\": [" : "],\n  \"tracks\": [", r->f);
    for (i = 0; i < r->nb_tracks; i++) {
        const TrackSum *t = &r->tracks[i];
        double n = t->frames ? (double)t->frames : 1;
        fprintf(r->f, "%s\n    {\"track\": %d, \"kind\": \"%s\", \"first\": %lld, "
                "\"last\": %lld, \"frames\": %lld, \"cx\": %.2f, \"cy\": %.2f, "
                "\"min_w\": %d, \"max_w\": %d, \"contrast\": %.1f, "
                "\"confidence\": %.3f, \"fill\": \"%s\"}", i ? "," : "",
                t->id, kind_name(t->kind), (long long)t->first,
                (long long)t->last, (long long)t->frames, t->sx / n, t->sy / n,
                t->min_w, t->max_w, t->contrast / n, t->confidence / n,
                fill_name(t->fill));
    }
    fprintf(r->f, "%s],\n  \"summary\": {\"frames\": %lld, \"defects\": %lld, "
            "\"tracks\": %d}\n}\n", r->nb_tracks ? "\n  " : "",
            (long long)r->nb_frames, (long long)r->nb_defects, r->nb_tracks);
    if (r->f != stdout) {
        if (fclose(r->f) != 0 && ok) {
            ret = -errno;
            cli_log(r->o, SP_LOG_ERROR, "cannot write the report '%s': %s\n",
                    r->path, strerror(-ret));
            ok = 0;
        }
        if (ok)
            ret = cli_commit_output(r->o, r->tmp, r->path);
        else
            unlink(r->tmp);
    } else {
        fflush(stdout);
    }
done:
    free(r->tracks);
    free(r->pmap);
    free(r->pstrength);
    free(r);
    return ret;
}
