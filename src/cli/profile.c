/*
 * Camera profiles (docs/profile.md): `spotheal profile create` averages
 * dark frames and finds the defective pixels in the average, `profile
 * list` shows a profile library, and --profile / --profile-dir choose the
 * profile a repair hands to the library.
 *
 * The finder follows the dark-frame profiles of seed 001: a hot pixel is
 * the same on every frame of a sensor, so the per-pixel temporal mean of
 * many lens-capped frames brings out even the faint ones, which the
 * noise of any single frame hides (the mean's noise falls as the square
 * root of the frame count). Each sample of the mean frame is compared
 * with the median of its 5x5 neighbourhood (robust against the defect
 * itself and against a neighbouring one), and the residuals' robust
 * spread over the whole plane (1.4826 times their median absolute
 * deviation) sets the threshold, so the same rule holds for a clean
 * sensor and a noisy one. Two tests keep what the encoder left in the
 * mean of the noise out: a defect stands on the same side of its
 * neighbours in most frames, and an outlier 2 to 4 samples away from a
 * much stronger one, in its plane or (chroma) in luma, is that one's
 * ringing: the error of its transform block.
 * Every plane is searched, so a pixel hot in one colour only is found in
 * its chroma sample. A stuck pixel is an outlier
 * whose value does not move from frame to frame (its temporal standard
 * deviation, from Welford's running variance, well under the plane's
 * typical one); a dead pixel is an outlier below its neighbours, which a
 * dark frame cannot show (see docs/profile.md).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include <png.h>
#include <zlib.h>

#include "src/cli/images.h"
#include "src/cli/profile.h"
#include "src/cli/video.h"

#define PROFILE_KEY "spotheal-profile"
#define PROFILE_VERSION "2" /* 2: faint candidates (blue low bit); 1 is read too */
#define MAX_PROFILES 256
#define HIST_BINS 4096   /* residual histograms: 1/64 level a bin */
#define HIST_SCALE 64.0
#define CONSISTENT 0.6  /* share of frames a defect stands out in */
#define RING_RATIO 4.0  /* a neighbour this many times stronger rings */
#define RING_REACH 4    /* samples: half an 8x8 transform block */
#define FAINT_K 4.5     /* spreads: a faint candidate, for the footage to confirm */

/* ---- facts -------------------------------------------------------------- */

void cli_facts_init(CliFacts *f)
{
    memset(f, 0, sizeof(*f));
    f->iso = f->exposure = -1;
    f->temperature = CLI_TEMP_UNKNOWN;
}

static void copy_trim(char *dst, size_t size, const char *src, size_t len)
{
    while (len && isspace((unsigned char)*src)) {
        src++;
        len--;
    }
    while (len && (isspace((unsigned char)src[len - 1]) || !src[len - 1]))
        len--;
    if (len >= size)
        len = size - 1;
    memcpy(dst, src, len);
    dst[len] = 0;
}

static const char *tag(const AVDictionary *a, const AVDictionary *b,
                       const char *const *keys)
{
    for (; *keys; keys++) {
        const AVDictionaryEntry *e = av_dict_get(a, *keys, NULL, 0);
        if (!e)
            e = av_dict_get(b, *keys, NULL, 0);
        if (e && e->value[0])
            return e->value;
    }
    return NULL;
}

/* The facts a container's metadata tags hold. */
static void facts_from_tags(CliFacts *f, const AVDictionary *a, const AVDictionary *b)
{
    static const char *const make[] = { "make", "com.android.manufacturer",
        "com.apple.quicktime.make", "manufacturer", NULL };
    static const char *const model[] = { "model", "com.android.model",
        "com.apple.quicktime.model", NULL };
    static const char *const date[] = { "creation_time",
        "com.apple.quicktime.creationdate", "date", NULL };
    static const char *const iso[] = { "iso", "com.android.iso", NULL };
    static const char *const exposure[] = { "exposure", "exposure_time", NULL };
    static const char *const temp[] = { "temperature", NULL };
    const char *v;

    if ((v = tag(a, b, make)))
        copy_trim(f->make, sizeof(f->make), v, strlen(v));
    if ((v = tag(a, b, model)))
        copy_trim(f->model, sizeof(f->model), v, strlen(v));
    if ((v = tag(a, b, date)))
        copy_trim(f->date, sizeof(f->date), v, strlen(v));
    if ((v = tag(a, b, iso)))
        f->iso = atof(v) > 0 ? atof(v) : -1;
    if ((v = tag(a, b, exposure))) {
        double num, den;
        if (sscanf(v, "%lf/%lf", &num, &den) == 2 && den > 0)
            f->exposure = num / den;
        else if (atof(v) > 0)
            f->exposure = atof(v);
    }
    if ((v = tag(a, b, temp)))
        f->temperature = atof(v);
}

/* ---- EXIF: the few tags a profile wants, from a TIFF structure ---------- */

typedef struct Tiff {
    const uint8_t *p;
    size_t n;
    int be;
} Tiff;

static unsigned tiff_u16(const Tiff *t, size_t off)
{
    if (off + 2 > t->n)
        return 0;
    return t->be ? (unsigned)(t->p[off] << 8 | t->p[off + 1])
                 : (unsigned)(t->p[off + 1] << 8 | t->p[off]);
}

static uint32_t tiff_u32(const Tiff *t, size_t off)
{
    if (off + 4 > t->n)
        return 0;
    return t->be ? (uint32_t)t->p[off] << 24 | (uint32_t)t->p[off + 1] << 16 |
                   (uint32_t)t->p[off + 2] << 8 | t->p[off + 3]
                 : (uint32_t)t->p[off + 3] << 24 | (uint32_t)t->p[off + 2] << 16 |
                   (uint32_t)t->p[off + 1] << 8 | t->p[off];
}

static double tiff_rational(const Tiff *t, size_t off, int is_signed)
{
    uint32_t a = tiff_u32(t, off), b = tiff_u32(t, off + 4);

    if (!b)
        return -1;
    return is_signed ? (double)(int32_t)a / (int32_t)b : (double)a / b;
}

/* One IFD: its entries; the Exif sub-IFD is followed once. */
static void tiff_ifd(const Tiff *t, size_t off, CliFacts *f, int depth)
{
    unsigned n = tiff_u16(t, off), i;

    if (off + 2 + (size_t)n * 12 > t->n)
        return;
    for (i = 0; i < n; i++) {
        size_t e = off + 2 + (size_t)i * 12;
        unsigned id = tiff_u16(t, e), type = tiff_u16(t, e + 2);
        uint32_t count = tiff_u32(t, e + 4), voff = tiff_u32(t, e + 8);
        size_t data = count <= 4 && type == 2 ? e + 8 : voff;
        switch (id) {
        case 0x010f: /* Make */
        case 0x0110: /* Model */
        case 0x9003: /* DateTimeOriginal */
        case 0x0132: /* DateTime */
            if (type != 2 || data + count > t->n || !count)
                break;
            if (id == 0x010f)
                copy_trim(f->make, sizeof(f->make), (const char *)t->p + data, count);
            else if (id == 0x0110)
                copy_trim(f->model, sizeof(f->model), (const char *)t->p + data, count);
            else if (id == 0x9003 || !f->date[0])
                copy_trim(f->date, sizeof(f->date), (const char *)t->p + data, count);
            break;
        case 0x829a: /* ExposureTime */
            if (type == 5)
                f->exposure = tiff_rational(t, voff, 0);
            break;
        case 0x8827: /* PhotographicSensitivity (ISO) */
            if (type == 3)
                f->iso = tiff_u16(t, e + 8);
            else if (type == 4)
                f->iso = voff;
            break;
        case 0x9400: /* Temperature (Exif 2.31), degrees Celsius */
            if (type == 10)
                f->temperature = tiff_rational(t, voff, 1);
            break;
        case 0x8769: /* the Exif IFD */
            if (depth == 0)
                tiff_ifd(t, voff, f, 1);
            break;
        }
    }
}

static void facts_from_tiff(CliFacts *f, const uint8_t *p, size_t n)
{
    Tiff t = { p, n, 0 };

    if (n < 8 || !((p[0] == 'I' && p[1] == 'I') || (p[0] == 'M' && p[1] == 'M')))
        return;
    t.be = p[0] == 'M';
    if (tiff_u16(&t, 2) != 42)
        return;
    tiff_ifd(&t, tiff_u32(&t, 4), f, 0);
}

static void facts_from_image(CliFacts *f, const CliImage *img)
{
    int i;

    for (i = 0; i < img->jpg.nb_markers; i++) {
        const CliJpegMarker *m = &img->jpg.markers[i];
        if (m->code == 0xe1 && m->len > 6 && !memcmp(m->data, "Exif\0\0", 6)) {
            facts_from_tiff(f, m->data + 6, m->len - 6);
            break;
        }
    }
    for (i = 0; i < img->png.nb_chunks; i++)
        if (!strcmp(img->png.chunks[i].name, "eXIf"))
            facts_from_tiff(f, img->png.chunks[i].data, img->png.chunks[i].size);
}

static void quiet_av(const CliOptions *o)
{
    if (o->loglevel < SP_LOG_VERBOSE)
        av_log_set_level(AV_LOG_QUIET);
}

int cli_probe_facts(const CliOptions *o, const char *input, CliFacts *f)
{
    AVFormatContext *ic = NULL;
    int ret, idx;

    cli_facts_init(f);
    if (!strcmp(input, "-") || !strncmp(input, "pipe:", 5))
        return -ESPIPE;
    if (cli_is_image_spec(input)) {
        CliSeq seq;
        CliImage img;
        CliOptions q = *o;
        q.loglevel = SP_LOG_ERROR - 1; /* the job names the file itself */
        memset(&seq, 0, sizeof(seq));
        memset(&img, 0, sizeof(img));
        if ((ret = cli_seq_list(&q, input, &seq)) < 0 || !seq.nb) {
            cli_seq_free(&seq);
            return ret < 0 ? ret : -ENOENT;
        }
        img.path = seq.e[0].in;
        ret = cli_image_read(&q, &img, 0);
        if (ret >= 0) {
            f->width = img.frame.width;
            f->height = img.frame.height;
            facts_from_image(f, &img);
        }
        cli_image_free(&img);
        cli_seq_free(&seq);
        return ret < 0 ? ret : 0;
    }
    quiet_av(o);
    if ((ret = avformat_open_input(&ic, input, NULL, NULL)) < 0)
        return ret;
    if ((ret = avformat_find_stream_info(ic, NULL)) < 0)
        goto end;
    idx = av_find_best_stream(ic, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (idx < 0) {
        ret = idx;
        goto end;
    }
    f->width = ic->streams[idx]->codecpar->width;
    f->height = ic->streams[idx]->codecpar->height;
    facts_from_tags(f, ic->metadata, ic->streams[idx]->metadata);
    ret = 0;
end:
    avformat_close_input(&ic);
    return ret;
}

/* ---- dark-frame accumulation ------------------------------------------ */

static int plane_w(const SpFrame *f, int p)
{
    return (p == 1 || p == 2) && f->color == SP_COLOR_YUV
           ? -((-f->width) >> f->ss_x) : f->width;
}

static int plane_h(const SpFrame *f, int p)
{
    return (p == 1 || p == 2) && f->color == SP_COLOR_YUV
           ? -((-f->height) >> f->ss_y) : f->height;
}

static int plane_ssx(const SpFrame *f, int p)
{
    return (p == 1 || p == 2) && f->color == SP_COLOR_YUV ? f->ss_x : 0;
}

static int plane_ssy(const SpFrame *f, int p)
{
    return (p == 1 || p == 2) && f->color == SP_COLOR_YUV ? f->ss_y : 0;
}

static int sample_at(const SpFrame *f, int p, int x, int y)
{
    const uint8_t *row = f->data[p] + (ptrdiff_t)y * f->stride[p];

    return f->depth > 8 ? ((const uint16_t *)row)[x] : row[x];
}

int cli_dark_add(CliDark *d, const SpFrame *f)
{
    int p, x, y, nc = f->nb_planes - (f->has_alpha ? 1 : 0);
    double scale = 1.0 / (1 << (f->depth - 8));

    if (nc > 3)
        nc = 3;
    if (!d->n) {
        memset(d, 0, sizeof(*d));
        d->width = f->width;
        d->height = f->height;
        d->nb_planes = nc;
        d->color = f->color;
        for (p = 0; p < nc; p++) {
            size_t n;
            d->pw[p] = plane_w(f, p);
            d->ph[p] = plane_h(f, p);
            d->sx[p] = plane_ssx(f, p);
            d->sy[p] = plane_ssy(f, p);
            n = (size_t)d->pw[p] * d->ph[p];
            d->mean[p] = calloc(n, sizeof(float));
            d->m2[p] = calloc(n, sizeof(float));
            d->above[p] = calloc(n, sizeof(uint16_t));
            if (!d->mean[p] || !d->m2[p] || !d->above[p])
                return -ENOMEM;
        }
    } else if (f->width != d->width || f->height != d->height || nc != d->nb_planes ||
               f->color != d->color ||
               (nc > 1 && (plane_ssx(f, 1) != d->sx[1] ||
                           plane_ssy(f, 1) != d->sy[1]))) {
        return -EINVAL;
    }
    d->n++;
    for (p = 0; p < nc; p++)
        for (y = 0; y < d->ph[p]; y++) {
            float *mean = d->mean[p] + (size_t)y * d->pw[p];
            float *m2 = d->m2[p] + (size_t)y * d->pw[p];
            uint16_t *above = d->above[p] + (size_t)y * d->pw[p];
            int W = d->pw[p], H = d->ph[p];
            for (x = 0; x < W; x++) {
                int raw = sample_at(f, p, x, y), nb = 0, sum = 0;
                float v = (float)(raw * scale);
                float delta = v - mean[x];
                mean[x] += delta / (float)d->n;
                m2[x] += delta * (v - mean[x]);
                if (x > 0) { sum += sample_at(f, p, x - 1, y); nb++; }
                if (x + 1 < W) { sum += sample_at(f, p, x + 1, y); nb++; }
                if (y > 0) { sum += sample_at(f, p, x, y - 1); nb++; }
                if (y + 1 < H) { sum += sample_at(f, p, x, y + 1); nb++; }
                /* counted over the first 65535 frames (share: of those) */
                if (raw * nb > sum && d->n <= UINT16_MAX)
                    above[x]++;
            }
        }
    return 0;
}

void cli_dark_free(CliDark *d)
{
    int p;

    for (p = 0; p < 3; p++) {
        free(d->mean[p]);
        d->mean[p] = NULL;
        free(d->m2[p]);
        d->m2[p] = NULL;
        free(d->above[p]);
        d->above[p] = NULL;
    }
    d->n = 0;
}

int cli_defect_map_alloc(CliDefectMap *m, int width, int height)
{
    size_t n = (size_t)width * height;

    memset(m, 0, sizeof(*m));
    m->width = width;
    m->height = height;
    m->kind = calloc(n, 1);
    m->strength = calloc(n, 1);
    m->planes = calloc(n, 1);
    m->faint = calloc(n, 1);
    if (!m->kind || !m->strength || !m->planes || !m->faint) {
        cli_defect_map_free(m);
        return -ENOMEM;
    }
    return 0;
}

void cli_defect_map_free(CliDefectMap *m)
{
    free(m->kind);
    m->kind = NULL;
    free(m->strength);
    m->strength = NULL;
    free(m->planes);
    m->planes = NULL;
    free(m->faint);
    m->faint = NULL;
    for (int p = 0; p < 3; p++) {
        free(m->pattern[p]);
        m->pattern[p] = NULL;
    }
    m->pat_planes = 0;
}

/* ---- the finder ---------------------------------------------------------- */

static float median_small(float *v, int n)
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

/* The median of a histogram of values v * HIST_SCALE + offset. */
static double hist_median(const int64_t *h, int64_t total, double offset)
{
    int64_t acc = 0;
    int i;

    for (i = 0; i < HIST_BINS; i++) {
        acc += h[i];
        if (2 * acc >= total)
            return (i + 0.5 - offset) / HIST_SCALE;
    }
    return (HIST_BINS - offset) / HIST_SCALE;
}

static int hist_bin(double v, double offset)
{
    double b = v * HIST_SCALE + offset;

    return b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : (int)b;
}

/* Residuals of plane p: mean minus the median of its 5x5 neighbourhood. */
static void residuals(const CliDark *d, int p, float *res)
{
    int W = d->pw[p], H = d->ph[p], x, y, u, v;
    const float *m = d->mean[p];
    float win[24];

    for (y = 0; y < H; y++)
        for (x = 0; x < W; x++) {
            int n = 0;
            for (v = y - 2; v <= y + 2; v++)
                for (u = x - 2; u <= x + 2; u++)
                    if ((u != x || v != y) && u >= 0 && v >= 0 && u < W && v < H)
                        win[n++] = m[(size_t)v * W + u];
            res[(size_t)y * W + x] = m[(size_t)y * W + x] - median_small(win, n);
        }
}

/* Whether the outlier r at (x, y) is the compression ringing of a much
 * stronger one 2 to RING_REACH samples away: an encoder spreads a bright
 * pixel's error over its transform block, and the mean over the frames
 * keeps it. Adjacent samples are its smear and stay. */
static int ringing(const float *res, int W, int H, int x, int y, float r)
{
    int u, v;

    for (v = y - RING_REACH; v <= y + RING_REACH; v++)
        for (u = x - RING_REACH; u <= x + RING_REACH; u++)
            if ((abs(u - x) >= 2 || abs(v - y) >= 2) && u >= 0 && v >= 0 &&
                u < W && v < H && fabsf(res[(size_t)v * W + u]) >= RING_RATIO * fabsf(r))
                return 1;
    return 0;
}

/* The same for a chroma sample near a much stronger luma outlier: the
 * encoder's chroma follows its luma decisions, and rings with them. */
static int ringing_luma(const CliDark *d, const float *res0, int p, int x, int y,
                        float r)
{
    int u, v;

    for (v = (y - RING_REACH) << d->sy[p]; v < (y + RING_REACH + 1) << d->sy[p]; v++)
        for (u = (x - RING_REACH) << d->sx[p]; u < (x + RING_REACH + 1) << d->sx[p]; u++) {
            int cu = u >> d->sx[p], cv = v >> d->sy[p];
            if ((abs(cu - x) >= 2 || abs(cv - y) >= 2) && u >= 0 && v >= 0 &&
                u < d->pw[0] && v < d->ph[0] &&
                fabsf(res0[(size_t)v * d->pw[0] + u]) >= RING_RATIO * fabsf(r))
                return 1;
        }
    return 0;
}

int cli_dark_find(const CliDark *d, double k, double k_faint, double min_level,
                  CliDefectMap *m)
{
    int p, x, y, ret = -ENOMEM;
    float *res[3] = { NULL, NULL, NULL };
    int64_t *hist = NULL;
    double sigma[3] = { 1, 1, 1 }, tstd[3] = { 0, 0, 0 };

    if (!d->n || m->width != d->width || m->height != d->height)
        return -EINVAL;
    hist = malloc(HIST_BINS * sizeof(*hist));
    if (!hist)
        goto end;
    m->frames = d->n;
    for (p = 0; p < d->nb_planes; p++) {
        size_t n = (size_t)d->pw[p] * d->ph[p], i;
        double med, mad;
        if (!(res[p] = malloc(n * sizeof(float))))
            goto end;
        residuals(d, p, res[p]);
        memset(hist, 0, HIST_BINS * sizeof(*hist));
        for (i = 0; i < n; i++)
            hist[hist_bin(res[p][i], HIST_BINS / 2)]++;
        med = hist_median(hist, (int64_t)n, HIST_BINS / 2);
        memset(hist, 0, HIST_BINS * sizeof(*hist));
        for (i = 0; i < n; i++)
            hist[hist_bin(fabs(res[p][i] - med), 0)]++;
        mad = hist_median(hist, (int64_t)n, 0);
        /* a noiseless input (synthetic frames): the spread of one bin */
        sigma[p] = fmax(1.4826 * mad, 1.0 / HIST_SCALE);
        /* the typical temporal spread, to tell stuck pixels */
        memset(hist, 0, HIST_BINS * sizeof(*hist));
        for (i = 0; i < n; i++)
            hist[hist_bin(d->n > 1 ? sqrt(d->m2[p][i] / (d->n - 1)) : 0, 0)]++;
        tstd[p] = hist_median(hist, (int64_t)n, 0);
    }
    m->noise = sigma[0];
    for (p = 0; p < d->nb_planes; p++) {
        double thr = fmax(k * sigma[p], min_level);
        double thr_faint = fmax(fmin(k_faint, k) * sigma[p], min_level);
        /* stuck pixels can be told only on a noisy input seen long enough */
        int tell_stuck = d->n >= 4 && tstd[p] >= 0.25;
        for (y = 0; y < d->ph[p]; y++)
            for (x = 0; x < d->pw[p]; x++) {
                size_t i = (size_t)y * d->pw[p] + x, at;
                float r = res[p][i];
                int kind, fx, fy, best = -1, u, v;
                double sd, s, share;
                int faint = 0;
                if (r > 0 ? r <= thr_faint : -r <= thr)
                    continue;
                /* a defect stands out on most frames; what compression
                 * left in the average of noise does not */
                share = d->above[p][i] / (double)(d->n < UINT16_MAX ? d->n : UINT16_MAX);
                if (r > 0 ? share < CONSISTENT : share > 1 - CONSISTENT)
                    continue;
                /* under the threshold, or maybe a strong one's ringing:
                 * a candidate for the footage to confirm */
                faint = r > 0 && (r <= thr || ringing(res[p], d->pw[p], d->ph[p], x, y, r) ||
                                  (p > 0 && (d->sx[p] || d->sy[p]) &&
                                   ringing_luma(d, res[0], p, x, y, r)));
                if (r < 0 && (ringing(res[p], d->pw[p], d->ph[p], x, y, r) ||
                              (p > 0 && (d->sx[p] || d->sy[p]) &&
                               ringing_luma(d, res[0], p, x, y, r))))
                    continue;
                sd = d->n > 1 ? sqrt(d->m2[p][i] / (d->n - 1)) : 0;
                if (d->color == SP_COLOR_YUV && p > 0)
                    kind = SP_KIND_HOT; /* coloured */
                else if (r < 0)
                    kind = SP_KIND_DEAD; /* darker than its neighbours, still or not */
                else if (tell_stuck && sd < 0.25 * tstd[p])
                    kind = SP_KIND_STUCK; /* brighter, and it does not move */
                else
                    kind = SP_KIND_HOT;
                /* the full-resolution pixel: for a subsampled plane, the
                 * covered pixel that stands out most in the first plane */
                fx = x << d->sx[p];
                fy = y << d->sy[p];
                if (d->sx[p] || d->sy[p]) {
                    float bv = 0;
                    for (v = fy; v < fy + (1 << d->sy[p]) && v < d->height; v++)
                        for (u = fx; u < fx + (1 << d->sx[p]) && u < d->width; u++) {
                            float rv = res[0][(size_t)v * d->pw[0] + u];
                            if (best < 0 || (r > 0 ? rv > bv : rv < bv)) {
                                bv = rv;
                                best = v * d->width + u;
                            }
                        }
                    at = (size_t)best;
                } else {
                    at = (size_t)fy * d->width + fx;
                }
                s = fabs(r);
                if (faint) {
                    m->faint[at] |= (uint8_t)(1 << p);
                    if (!m->kind[at] && s > m->strength[at])
                        m->strength[at] = (uint8_t)(s < 1 ? 1 : s > 255 ? 255 : lrint(s));
                    continue;
                }
                /* a luma verdict over a chroma one */
                if (!m->kind[at] || (p == 0 && kind != SP_KIND_HOT))
                    m->kind[at] = (uint8_t)kind;
                if (s > m->strength[at])
                    m->strength[at] = (uint8_t)(s < 1 ? 1 : s > 255 ? 255 : lrint(s));
                m->planes[at] |= (uint8_t)(1 << p);
            }
    }
    m->nb_hot = m->nb_stuck = m->nb_dead = m->nb_faint = 0;
    for (y = 0; y < m->height; y++)
        for (x = 0; x < m->width; x++) {
            int kd = m->kind[(size_t)y * m->width + x];
            if (kd)
                m->faint[(size_t)y * m->width + x] = 0; /* healed anyway */
            m->nb_faint += m->faint[(size_t)y * m->width + x] != 0;
            m->nb_hot += kd == SP_KIND_HOT;
            m->nb_stuck += kd == SP_KIND_STUCK;
            m->nb_dead += kd == SP_KIND_DEAD;
        }
    ret = 0;
end:
    for (p = 0; p < 3; p++)
        free(res[p]);
    free(hist);
    return ret;
}

/* ---- the fixed pattern ------------------------------------------------ */

#define PAT_BINS 4096    /* black level histogram: 1/16 level a bin */
#define PAT_SCALE 16.0   /* the stored pattern: 1/16 level a unit */
#define PAT_MIN 0.5      /* levels: a pattern's least spread (see cli_dark_pattern) */

int cli_dark_pattern(const CliDark *d, CliDefectMap *m)
{
    int64_t *hist = NULL;
    int p, x, y, kept = 0, ret = -ENOMEM;

    m->pat_planes = 0;
    m->pat_color = d->color;
    if (d->n < 2)
        return 0;
    if (!(hist = malloc(PAT_BINS * sizeof(*hist))))
        goto end;
    for (p = 0; p < d->nb_planes; p++) {
        size_t n = (size_t)d->pw[p] * d->ph[p], i;
        const float *mean = d->mean[p];
        double black, mad, tsd, s2, n2, f;
        int64_t acc = 0;
        int b;
        memset(hist, 0, PAT_BINS * sizeof(*hist));
        for (i = 0; i < n; i++) {
            b = (int)(mean[i] * PAT_SCALE);
            hist[b < 0 ? 0 : b >= PAT_BINS ? PAT_BINS - 1 : b]++;
        }
        for (b = 0; b < PAT_BINS; b++)
            if (2 * (acc += hist[b]) >= (int64_t)n)
                break;
        black = (b + 0.5) / PAT_SCALE;
        memset(hist, 0, HIST_BINS * sizeof(*hist));
        for (i = 0; i < n; i++)
            hist[hist_bin(fabs(mean[i] - black), 0)]++;
        mad = hist_median(hist, (int64_t)n, 0);
        memset(hist, 0, HIST_BINS * sizeof(*hist));
        for (i = 0; i < n; i++)
            hist[hist_bin(sqrt(d->m2[p][i] / (d->n - 1)), 0)]++;
        tsd = hist_median(hist, (int64_t)n, 0);
        s2 = 1.4826 * mad * 1.4826 * mad;
        n2 = tsd * tsd / d->n;
        /* the pattern's variance s2 - n2 must reach the mean's noise n2,
         * and its spread half a level: under that it is below the 8-bit
         * rounding step, and an encoder that copies the noise of one
         * frame into the next (skipped blocks) leaves as much in the
         * mean while crushing the temporal variance n2 is taken from
         * (x264 crf 21-22 on pattern-free dark noise: 0.2 levels against
         * a noise of the mean of 0.07-0.13); on noiseless synthetic
         * frames, the black level's own histogram bin */
        f = s2 > 2 * n2 && s2 - n2 >= PAT_MIN * PAT_MIN ? (s2 - n2) / s2 : 0;
        m->pat_sd[p] = sqrt(s2 > n2 ? s2 - n2 : 0);
        m->pat_noise[p] = sqrt(n2);
        m->pat_shrink[p] = f;
        m->pat_w[p] = d->pw[p];
        m->pat_h[p] = d->ph[p];
        if (!(m->pattern[p] = calloc(n, sizeof(int16_t))))
            goto end;
        if (f <= 0)
            continue;
        for (i = 0; i < n; i++) {
            double v = lrint(f * (mean[i] - black) * PAT_SCALE);
            m->pattern[p][i] = (int16_t)(v < -32767 ? -32767 : v > 32767 ? 32767 : v);
            kept |= m->pattern[p][i] != 0;
        }
    }
    m->pat_planes = d->nb_planes;
    /* the defects and candidates are healed or tested on their own */
    for (y = 0; y < m->height; y++)
        for (x = 0; x < m->width; x++) {
            size_t i = (size_t)y * m->width + x;
            if (!m->kind[i] && !m->faint[i])
                continue;
            for (p = 0; p < m->pat_planes; p++)
                m->pattern[p][(size_t)(y >> d->sy[p]) * m->pat_w[p] + (x >> d->sx[p])] = 0;
        }
    ret = 0;
end:
    if (ret < 0 || !kept)
        for (p = 0; p < 3; p++) {
            free(m->pattern[p]);
            m->pattern[p] = NULL;
        }
    if (!kept)
        m->pat_planes = 0;
    free(hist);
    return ret;
}

/* ---- the PNG ------------------------------------------------------------- */

/* Kind codes in the green channel of a profile. */
static int kind_code(int kind)
{
    return kind == SP_KIND_STUCK ? 128 : kind == SP_KIND_DEAD ? 255 : 0;
}

typedef struct PngJmp {
    jmp_buf jb;
    char msg[200];
} PngJmp;

static void png_fail(png_structp png, png_const_charp msg)
{
    PngJmp *j = png_get_error_ptr(png);

    snprintf(j->msg, sizeof(j->msg), "%s", msg);
    longjmp(j->jb, 1);
}

static void png_quiet(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void fmt_number(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.6g", v);
}

/*
 * The fixed pattern's chunk, "spFp" (ancillary, private, safe to copy):
 * a byte of its own format (1), the colour (enum SpColor), the number of
 * planes and a zero byte; per plane its width and height and its shrink
 * times 10000 (u32, big-endian); then the planes' samples one after the
 * other, signed 16-bit big-endian in 1/16 of a level, zlib-compressed.
 */
#define PATTERN_CHUNK "spFp"
#define PATTERN_FORMAT 1
#define PATTERN_HEAD(np) (4 + 12 * (size_t)(np))

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The chunk's payload in *out (to free), or 0 bytes when m has no pattern. */
static int pattern_chunk(const CliDefectMap *m, uint8_t **out, size_t *size)
{
    size_t total = 0, i, k = 0, head = PATTERN_HEAD(m->pat_planes);
    uint8_t *raw = NULL, *buf = NULL;
    uLongf zlen;
    int p, ret = -ENOMEM;

    *out = NULL;
    *size = 0;
    if (!m->pat_planes || !m->pattern[0])
        return 0;
    for (p = 0; p < m->pat_planes; p++)
        total += (size_t)m->pat_w[p] * m->pat_h[p];
    zlen = compressBound(2 * total);
    if (!(raw = malloc(2 * total)) || !(buf = malloc(head + zlen)))
        goto end;
    for (p = 0; p < m->pat_planes; p++)
        for (i = 0; i < (size_t)m->pat_w[p] * m->pat_h[p]; i++, k += 2) {
            uint16_t v = (uint16_t)m->pattern[p][i];
            raw[k] = v >> 8;
            raw[k + 1] = (uint8_t)v;
        }
    buf[0] = PATTERN_FORMAT;
    buf[1] = (uint8_t)m->pat_color;
    buf[2] = (uint8_t)m->pat_planes;
    buf[3] = 0;
    for (p = 0; p < m->pat_planes; p++) {
        put_u32(buf + 4 + 12 * p, m->pat_w[p]);
        put_u32(buf + 8 + 12 * p, m->pat_h[p]);
        put_u32(buf + 12 + 12 * p, (uint32_t)lrint(m->pat_shrink[p] * 10000));
    }
    if (compress2(buf + head, &zlen, raw, 2 * total, 9) != Z_OK) {
        ret = -EIO;
        goto end;
    }
    *out = buf;
    *size = head + zlen;
    buf = NULL;
    ret = 0;
end:
    free(raw);
    free(buf);
    return ret;
}

/* Read the chunk into m (of the picture's size); -EINVAL after a message
 * for one this spotheal cannot use. */
static int pattern_read(const CliOptions *o, const char *path, const CliPngChunk *c,
                        CliDefectMap *m)
{
    size_t total = 0, i, k = 0, head;
    uint8_t *raw = NULL;
    uLongf len;
    int p, np, ret = -EINVAL;

    if (c->size < 4 || c->data[0] != PATTERN_FORMAT) {
        cli_log(o, SP_LOG_ERROR, "'%s' holds a fixed pattern of format %d, which "
                "this spotheal (format %d) does not read: make the profile again "
                "with this version, or give --profile-pattern off\n", path,
                c->size ? c->data[0] : 0, PATTERN_FORMAT);
        return -EINVAL;
    }
    np = c->data[2];
    head = PATTERN_HEAD(np);
    if (np < 1 || np > 3 || c->size <= head)
        goto bad;
    for (p = 0; p < np; p++) {
        uint32_t w = get_u32(c->data + 4 + 12 * p), h = get_u32(c->data + 8 + 12 * p);
        if (w < 1 || h < 1 || w > (uint32_t)m->width || h > (uint32_t)m->height ||
            (p == 0 && (w != (uint32_t)m->width || h != (uint32_t)m->height)))
            goto bad;
        m->pat_w[p] = (int)w;
        m->pat_h[p] = (int)h;
        m->pat_shrink[p] = get_u32(c->data + 12 + 12 * p) / 10000.0;
        total += (size_t)w * h;
    }
    ret = -ENOMEM;
    if (!(raw = malloc(2 * total)))
        goto end;
    for (p = 0; p < np; p++)
        if (!(m->pattern[p] = malloc((size_t)m->pat_w[p] * m->pat_h[p] * sizeof(int16_t))))
            goto end;
    len = 2 * total;
    if (uncompress(raw, &len, c->data + head, c->size - head) != Z_OK || len != 2 * total)
        goto bad;
    for (p = 0; p < np; p++)
        for (i = 0; i < (size_t)m->pat_w[p] * m->pat_h[p]; i++, k += 2)
            m->pattern[p][i] = (int16_t)(uint16_t)(raw[k] << 8 | raw[k + 1]);
    m->pat_planes = np;
    m->pat_color = c->data[1];
    free(raw);
    return 0;
bad:
    cli_log(o, SP_LOG_ERROR, "'%s': the fixed pattern is damaged: make the profile "
            "again, or give --profile-pattern off\n", path);
    ret = -EINVAL;
end:
    free(raw);
    for (p = 0; p < 3; p++) {
        free(m->pattern[p]);
        m->pattern[p] = NULL;
    }
    return ret;
}

int cli_profile_write(const CliOptions *o, const char *path,
                      const CliDefectMap *m, const CliFacts *f,
                      const char *source)
{
    char tmp[4096], res[32], frames[32], noise[32], iso[32], expo[32], temp[32];
    char counts[64], software[64], pattern[256] = "";
    png_structp png = NULL;
    png_infop info = NULL;
    png_text text[17];
    png_unknown_chunk unk;
    uint8_t *volatile chunk = NULL;
    volatile size_t chunk_size = 0;
    PngJmp pj;
    uint8_t *row = NULL;
    FILE *volatile fp = NULL;
    int nt = 0, y, x, ret;

    if ((ret = cli_temp_path(path, tmp, sizeof(tmp))) < 0 || !(fp = fopen(tmp, "wb"))) {
        ret = ret < 0 ? ret : -errno;
        cli_log(o, SP_LOG_ERROR, "cannot write the profile '%s': %s\n", path,
                strerror(-ret));
        return ret;
    }
    if (!(row = malloc((size_t)m->width * 3)) ||
        pattern_chunk(m, (uint8_t **)&chunk, (size_t *)&chunk_size) < 0) {
        ret = -ENOMEM;
        goto end;
    }
    ret = -EIO;
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &pj, png_fail, png_quiet);
    if (!png || !(info = png_create_info_struct(png)))
        goto end;
    if (setjmp(pj.jb))
        goto end;
    png_init_io(png, (FILE *)fp);
    png_set_IHDR(png, info, m->width, m->height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    snprintf(res, sizeof(res), "%dx%d", m->width, m->height);
    snprintf(frames, sizeof(frames), "%lld", (long long)m->frames);
    snprintf(counts, sizeof(counts), "hot %d, stuck %d, dead %d", m->nb_hot,
             m->nb_stuck, m->nb_dead);
    fmt_number(noise, sizeof(noise), m->noise);
#define TEXT(k, v) do { text[nt].compression = PNG_TEXT_COMPRESSION_NONE; \
        text[nt].key = (char *)(k); text[nt].text = (char *)(v); nt++; } while (0)
    TEXT(PROFILE_KEY, PROFILE_VERSION);
    snprintf(software, sizeof(software), "spotheal %s", sp_version());
    TEXT("Software", software);
    TEXT("Resolution", res);
    if (f->make[0])
        TEXT("Make", f->make);
    if (f->model[0])
        TEXT("Model", f->model);
    if (f->iso > 0) {
        fmt_number(iso, sizeof(iso), f->iso);
        TEXT("ISO", iso);
    }
    if (f->exposure > 0) {
        fmt_number(expo, sizeof(expo), f->exposure);
        TEXT("Exposure", expo);
    }
    if (f->temperature > -274) {
        fmt_number(temp, sizeof(temp), f->temperature);
        TEXT("Temperature", temp);
    }
    if (f->date[0])
        TEXT("Date", f->date);
    TEXT("Frames", frames);
    TEXT("Defects", counts);
    TEXT("Noise", noise);
    if (source)
        TEXT("Source", source);
    if (chunk_size) {
        int p;
        for (p = 0; p < m->pat_planes; p++)
            snprintf(pattern + strlen(pattern), sizeof(pattern) - strlen(pattern),
                     "%splane %d: spread %.2f, noise of the mean %.2f, shrink %.2f",
                     p ? "; " : "", p, m->pat_sd[p], m->pat_noise[p], m->pat_shrink[p]);
        TEXT("Pattern", pattern);
    }
#undef TEXT
    png_set_text(png, info, text, nt);
    if (chunk_size) {
        memset(&unk, 0, sizeof(unk));
        memcpy(unk.name, PATTERN_CHUNK, 5);
        unk.data = chunk;
        unk.size = chunk_size;
        unk.location = PNG_HAVE_IHDR;
        png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_ALWAYS,
                                    (png_const_bytep)PATTERN_CHUNK, 1);
        png_set_unknown_chunks(png, info, &unk, 1);
    }
    png_write_info(png, info);
    for (y = 0; y < m->height; y++) {
        for (x = 0; x < m->width; x++) {
            size_t i = (size_t)y * m->width + x;
            int k = m->kind[i], fa = !k && m->faint && m->faint[i];
            row[3 * x] = k || fa ? (m->strength[i] ? m->strength[i] : 1) : 0;
            row[3 * x + 1] = k ? (uint8_t)kind_code(k) : 0;
            /* a faint candidate: its planes and the low bit */
            row[3 * x + 2] = k ? (uint8_t)((m->planes[i] & 7) << 5)
                           : fa ? (uint8_t)((m->faint[i] & 7) << 5 | 1) : 0;
        }
        png_write_row(png, row);
    }
    png_write_end(png, info);
    ret = 0;
end:
    if (ret == -EIO)
        cli_log(o, SP_LOG_ERROR, "cannot write the profile '%s': %s\n", path,
                pj.msg[0] ? pj.msg : "libpng failed");
    else if (ret == -ENOMEM)
        cli_log(o, SP_LOG_ERROR, "cannot write the profile '%s': out of memory\n", path);
    png_destroy_write_struct(&png, &info);
    free(row);
    free(chunk);
    if (fclose(fp) != 0 && ret >= 0) {
        ret = -errno;
        cli_log(o, SP_LOG_ERROR, "cannot write the profile '%s': %s\n", path,
                strerror(-ret));
    }
    if (ret < 0) {
        unlink(tmp);
        return ret;
    }
    return cli_commit_output(o, tmp, path);
}

/* The value of tEXt chunk key among a PNG's kept chunks, or NULL. */
static const char *text_value(const CliPngInfo *p, const char *key, char *buf,
                              size_t size)
{
    size_t kl = strlen(key);
    int i;

    for (i = 0; i < p->nb_chunks; i++) {
        const CliPngChunk *c = &p->chunks[i];
        if (strcmp(c->name, "tEXt") || c->size <= kl || memcmp(c->data, key, kl) ||
            c->data[kl])
            continue;
        copy_trim(buf, size, (const char *)c->data + kl + 1, c->size - kl - 1);
        return buf;
    }
    return NULL;
}

int cli_profile_read(const CliOptions *o, const char *path, CliDefectMap *m,
                     CliFacts *f)
{
    CliImage img;
    const SpFrame *fr = &img.frame;
    char buf[256];
    int ret, x, y;

    memset(&img, 0, sizeof(img));
    memset(m, 0, sizeof(*m));
    cli_facts_init(f);
    img.path = path;
    if ((ret = cli_image_read(o, &img, 0)) < 0)
        goto end; /* named by the reader: missing, not an image, damaged */
    ret = -EINVAL;
    if (img.type != CLI_IMG_PNG || !text_value(&img.png, PROFILE_KEY, buf, sizeof(buf))) {
        cli_log(o, SP_LOG_ERROR, "'%s' is not a spotheal profile (no '"
                PROFILE_KEY "' text chunk): make one with 'spotheal profile "
                "create -i DARK.mp4 -o NAME.png', or give a mask with --mask\n", path);
        goto end;
    }
    if (strcmp(buf, PROFILE_VERSION) && strcmp(buf, "1")) {
        cli_log(o, SP_LOG_ERROR, "'%s' is a profile of format %s, which this "
                "spotheal (format " PROFILE_VERSION ") does not read: make it "
                "again with this version\n", path, buf);
        goto end;
    }
    if (fr->color != SP_COLOR_RGB || fr->depth != 8 || fr->nb_planes < 3) {
        cli_log(o, SP_LOG_ERROR, "'%s' claims to be a profile but is not an "
                "8-bit RGB picture: it was damaged or edited; make it again\n", path);
        goto end;
    }
    if ((ret = cli_defect_map_alloc(m, fr->width, fr->height)) < 0) {
        cli_log(o, SP_LOG_ERROR, "cannot read '%s': out of memory\n", path);
        goto end;
    }
    for (y = 0; y < fr->height; y++)
        for (x = 0; x < fr->width; x++) {
            size_t i = (size_t)y * fr->width + x;
            /* planes G, B, R: strength in red, kind in green, planes in blue */
            int r = sample_at(fr, 2, x, y), g = sample_at(fr, 0, x, y), b = sample_at(fr, 1, x, y);
            if (!r)
                continue;
            if (b & 1) { /* a faint candidate (format 2) */
                m->faint[i] = (uint8_t)((b >> 5) & 7);
                m->strength[i] = (uint8_t)r;
                m->nb_faint += m->faint[i] != 0;
                continue;
            }
            m->kind[i] = g >= 192 ? SP_KIND_DEAD : g >= 64 ? SP_KIND_STUCK : SP_KIND_HOT;
            m->strength[i] = (uint8_t)r;
            m->planes[i] = (uint8_t)(b >> 5);
            m->nb_hot += m->kind[i] == SP_KIND_HOT;
            m->nb_stuck += m->kind[i] == SP_KIND_STUCK;
            m->nb_dead += m->kind[i] == SP_KIND_DEAD;
        }
    f->width = fr->width;
    f->height = fr->height;
    if (text_value(&img.png, "Make", buf, sizeof(buf)))
        snprintf(f->make, sizeof(f->make), "%.63s", buf);
    if (text_value(&img.png, "Model", buf, sizeof(buf)))
        snprintf(f->model, sizeof(f->model), "%.63s", buf);
    if (text_value(&img.png, "Date", buf, sizeof(buf)))
        snprintf(f->date, sizeof(f->date), "%.31s", buf);
    if (text_value(&img.png, "ISO", buf, sizeof(buf)))
        f->iso = atof(buf);
    if (text_value(&img.png, "Exposure", buf, sizeof(buf)))
        f->exposure = atof(buf);
    if (text_value(&img.png, "Temperature", buf, sizeof(buf)))
        f->temperature = atof(buf);
    if (text_value(&img.png, "Frames", buf, sizeof(buf)))
        m->frames = atoll(buf);
    if (text_value(&img.png, "Noise", buf, sizeof(buf)))
        m->noise = atof(buf);
    /* the fixed pattern, unless it is not wanted */
    for (x = 0; o->profile_pattern != CLI_PATTERN_OFF && x < img.png.nb_chunks; x++)
        if (!strcmp(img.png.chunks[x].name, PATTERN_CHUNK) &&
            (ret = pattern_read(o, path, &img.png.chunks[x], m)) < 0)
            goto end;
    if (o->profile_pattern != CLI_PATTERN_OFF && !m->pat_planes &&
        text_value(&img.png, "Pattern", buf, sizeof(buf))) {
        cli_log(o, SP_LOG_ERROR, "'%s' says it holds a fixed pattern, but its "
                "pattern chunk is missing: it was edited or damaged; make the "
                "profile again, or give --profile-pattern off\n", path);
        ret = -EINVAL;
        goto end;
    }
    ret = 0;
end:
    if (ret < 0)
        cli_defect_map_free(m);
    cli_image_free(&img);
    return ret;
}

/* ---- choosing a profile ---------------------------------------------- */

static int same_text(const char *a, const char *b)
{
    return a[0] && b[0] && !strcasecmp(a, b);
}

static int differ_text(const char *a, const char *b)
{
    return a[0] && b[0] && strcasecmp(a, b);
}

/* How far two settings are apart: ISO and exposure in stops, temperature
 * in tens of degrees; a fact unknown on either side counts one. */
static double distance(const CliFacts *a, const CliFacts *b)
{
    double d = 0;

    d += a->iso > 0 && b->iso > 0 ? fabs(log2(a->iso / b->iso)) : 1;
    d += a->exposure > 0 && b->exposure > 0 ? fabs(log2(a->exposure / b->exposure)) : 1;
    d += a->temperature > -274 && b->temperature > -274
         ? fabs(a->temperature - b->temperature) / 10 : 1;
    return d;
}

static void describe_number(char *buf, size_t size, const char *what, double a,
                            double b, int known_a, int known_b)
{
    if (known_a && known_b)
        snprintf(buf, size, ", %s %g (clip %g)", what, b, a);
    else if (known_b)
        snprintf(buf, size, ", %s %g (clip unknown)", what, b);
    else
        buf[0] = 0;
}

int cli_profile_pick(const CliFacts *clip, const CliFacts *cand, int nb,
                     int require_camera, char *why, size_t why_size)
{
    int i, best = -1, best_cam = 0, nb_size = 0;
    double best_d = 0;
    char a[64], b[64], c[64];

    for (i = 0; i < nb; i++) {
        const CliFacts *p = &cand[i];
        int cam;
        double d;
        if (p->width != clip->width || p->height != clip->height)
            continue;
        nb_size++;
        if (differ_text(p->make, clip->make) || differ_text(p->model, clip->model))
            continue;
        cam = same_text(p->make, clip->make) && same_text(p->model, clip->model);
        if (require_camera && !cam)
            continue;
        d = distance(clip, p);
        if (best < 0 || cam > best_cam || (cam == best_cam && d < best_d)) {
            best = i;
            best_cam = cam;
            best_d = d;
        }
    }
    if (best < 0) {
        if (!nb_size)
            snprintf(why, why_size, "none of %d profiles is %dx%d", nb,
                     clip->width, clip->height);
        else
            snprintf(why, why_size, "%d profiles are %dx%d but none is of this "
                     "camera (%s %s)", nb_size, clip->width, clip->height,
                     clip->make[0] ? clip->make : "make unknown",
                     clip->model[0] ? clip->model : "model unknown");
        return -1;
    }
    describe_number(a, sizeof(a), "ISO", clip->iso, cand[best].iso,
                    clip->iso > 0, cand[best].iso > 0);
    describe_number(b, sizeof(b), "exposure", clip->exposure, cand[best].exposure,
                    clip->exposure > 0, cand[best].exposure > 0);
    describe_number(c, sizeof(c), "temperature", clip->temperature,
                    cand[best].temperature, clip->temperature > -274,
                    cand[best].temperature > -274);
    snprintf(why, why_size, "%dx%d, %s%s%s%s%s%s, nearest of %d of this size",
             clip->width, clip->height, best_cam ? "same camera " : "camera not named by both",
             best_cam ? cand[best].make : "", best_cam ? " " : "",
             best_cam ? cand[best].model : "", a, b, nb_size);
    /* the settings last: they may be long */
    if (c[0] && strlen(why) + strlen(c) < why_size) {
        char *at = strstr(why, ", nearest of");
        if (at) {
            char tail[64];
            snprintf(tail, sizeof(tail), "%s", at);
            snprintf(at, why_size - (size_t)(at - why), "%s%s", c, tail);
        }
    }
    return best;
}

int cli_profile_default_dir(char *buf, size_t size)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;

    if (xdg && xdg[0] == '/')
        n = snprintf(buf, size, "%s/spotheal/profiles", xdg);
    else if (home && home[0])
        n = snprintf(buf, size, "%s/.local/share/spotheal/profiles", home);
    else
        return -ENOENT;
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int library_dir(const CliOptions *o, char *buf, size_t size)
{
    if (o->profile_dir) {
        if ((size_t)snprintf(buf, size, "%s", o->profile_dir) >= size)
            return -ENAMETOOLONG;
        return 0;
    }
    return cli_profile_default_dir(buf, size);
}

static int mkdir_p(const char *path)
{
    char buf[4096];
    size_t i, n = strlen(path);

    if (n >= sizeof(buf))
        return -ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    for (i = 1; i <= n; i++)
        if (buf[i] == '/' || !buf[i]) {
            char c = buf[i];
            buf[i] = 0;
            if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return -errno;
            buf[i] = c;
        }
    return 0;
}

int cli_profile_output_path(const CliOptions *o, const char *name, char *buf,
                            size_t size)
{
    size_t n = strlen(name);
    const char *ext = n >= 4 && !strcasecmp(name + n - 4, ".png") ? "" : ".png";
    char dir[4096];
    int ret;

    if (strchr(name, '/')) {
        struct stat st;
        size_t dl = (size_t)(strrchr(name, '/') - name);
        if ((size_t)snprintf(buf, size, "%s%s", name, ext) >= size || dl >= sizeof(dir))
            return -ENAMETOOLONG;
        memcpy(dir, name, dl);
        dir[dl] = 0;
        if (dl && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
            cli_log(o, SP_LOG_ERROR, "cannot write the profile '%s': the folder '%s' "
                    "does not exist; create it, or give a name without a folder "
                    "to save into the profile library\n", buf, dir);
            return -ENOENT;
        }
        return 0;
    }
    if ((ret = library_dir(o, dir, sizeof(dir))) < 0) {
        cli_log(o, SP_LOG_ERROR, "no profile library for '%s': set HOME or "
                "XDG_DATA_HOME, give --profile-dir DIR, or name a path such "
                "as ./%s\n", name, name);
        return ret;
    }
    if ((ret = mkdir_p(dir)) < 0) {
        cli_log(o, SP_LOG_ERROR, "cannot create the profile library '%s': %s\n",
                dir, strerror(-ret));
        return ret;
    }
    if ((size_t)snprintf(buf, size, "%s/%s%s", dir, name, ext) >= size)
        return -ENAMETOOLONG;
    return 0;
}

typedef struct Library {
    char **paths;
    CliFacts *facts;
    int (*counts)[3];  /* hot, stuck, dead */
    int nb;
} Library;

static void library_free(Library *l)
{
    int i;

    for (i = 0; i < l->nb; i++)
        free(l->paths[i]);
    free(l->paths);
    free(l->facts);
    free(l->counts);
    memset(l, 0, sizeof(*l));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every readable profile in dir, by name; others are skipped with a
 * warning. Returns 0, or a negative error when dir cannot be read (quiet:
 * the caller says what it means). */
static int library_load(const CliOptions *o, const char *dir, Library *l)
{
    DIR *dp = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    int nb = 0, cap = 0, i, ret = 0;
    CliOptions q = *o;

    memset(l, 0, sizeof(*l));
    if (!dp)
        return -errno;
    while ((de = readdir(dp)) && nb < MAX_PROFILES) {
        size_t n = strlen(de->d_name);
        char **nn;
        if (de->d_name[0] == '.' || n < 5 || strcasecmp(de->d_name + n - 4, ".png"))
            continue;
        if (nb == cap) {
            cap = cap ? cap * 2 : 16;
            if (!(nn = realloc(names, cap * sizeof(*nn)))) {
                ret = -ENOMEM;
                break;
            }
            names = nn;
        }
        if (!(names[nb] = malloc(strlen(dir) + n + 2))) {
            ret = -ENOMEM;
            break;
        }
        sprintf(names[nb++], "%s/%s", dir, de->d_name);
    }
    closedir(dp);
    if (ret < 0)
        goto fail;
    qsort(names, nb, sizeof(*names), cmp_str);
    l->paths = calloc(nb ? nb : 1, sizeof(*l->paths));
    l->facts = calloc(nb ? nb : 1, sizeof(*l->facts));
    l->counts = calloc(nb ? nb : 1, sizeof(*l->counts));
    if (!l->paths || !l->facts || !l->counts) {
        ret = -ENOMEM;
        goto fail;
    }
    q.loglevel = -8; /* a file that is not a profile is only skipped */
    q.profile_pattern = CLI_PATTERN_OFF; /* the facts only: the chosen one is read again */
    for (i = 0; i < nb; i++) {
        CliDefectMap m;
        if (cli_profile_read(&q, names[i], &m, &l->facts[l->nb]) < 0) {
            cli_log(o, SP_LOG_WARNING, "'%s' in the profile library is not a "
                    "readable profile: skipped\n", names[i]);
            free(names[i]);
            continue;
        }
        l->counts[l->nb][0] = m.nb_hot;
        l->counts[l->nb][1] = m.nb_stuck;
        l->counts[l->nb][2] = m.nb_dead;
        cli_defect_map_free(&m);
        l->paths[l->nb++] = names[i];
    }
    free(names);
    return 0;
fail:
    for (i = 0; i < nb; i++)
        free(names[i]);
    free(names);
    library_free(l);
    return ret;
}

/* ---- --profile, --profile-dir at repair time ------------------------- */

static int use_map(const CliOptions *o, const char *path, int blockwise,
                   CliDefectMap *m, SpSettings *s, uint8_t **map)
{
    size_t i, n = (size_t)m->width * m->height, pn = 0;
    int p, pattern = m->pat_planes && o->profile_pattern != CLI_PATTERN_OFF &&
                     (!blockwise || o->profile_pattern == CLI_PATTERN_ON);

    if (m->pat_planes && !pattern)
        cli_log(o, SP_LOG_VERBOSE, "profile '%s': its fixed pattern is not "
                "subtracted (%s)\n", path, o->profile_pattern == CLI_PATTERN_OFF
                ? "--profile-pattern off" : "JPEG output kept block by block: "
                "--profile-pattern on subtracts it there too");
    for (p = 0; pattern && p < m->pat_planes; p++)
        pn += (size_t)m->pat_w[p] * m->pat_h[p];
    /* the kind bytes are what the library wants, then the faint planes,
     * then the pattern's planes */
    if (!(*map = malloc(2 * n + pn * sizeof(int16_t)))) {
        cli_log(o, SP_LOG_ERROR, "cannot use the profile '%s': out of memory\n", path);
        cli_defect_map_free(m);
        return CLI_EXIT_ERROR;
    }
    memcpy(*map, m->kind, n);
    memcpy(*map + n, m->faint, n);
    for (i = 0; i < n; i++)
        if ((*map)[i] != SP_KIND_HOT && (*map)[i] != SP_KIND_STUCK &&
            (*map)[i] != SP_KIND_DEAD)
            (*map)[i] = 0;
    s->profile = *map;
    s->profile_faint = m->nb_faint ? *map + n : NULL;
    s->profile_width = m->width;
    s->profile_height = m->height;
    s->profile_stride = m->width;
    if (pattern) {
        int16_t *dst = (int16_t *)(void *)(*map + 2 * n);
        for (p = 0; p < m->pat_planes; p++) {
            size_t k = (size_t)m->pat_w[p] * m->pat_h[p];
            memcpy(dst, m->pattern[p], k * sizeof(int16_t));
            s->profile_pattern[p] = dst;
            s->profile_pattern_width[p] = m->pat_w[p];
            s->profile_pattern_height[p] = m->pat_h[p];
            s->profile_pattern_stride[p] = m->pat_w[p];
            dst += k;
        }
        s->profile_pattern_planes = m->pat_planes;
        s->profile_pattern_color = m->pat_color;
        cli_log(o, SP_LOG_VERBOSE, "profile '%s': its fixed pattern is subtracted\n",
                path);
    }
    cli_defect_map_free(m);
    return CLI_EXIT_OK;
}

int cli_profile_setup(const CliOptions *o, const char *input, int blockwise,
                      SpSettings *s, uint8_t **map)
{
    CliFacts clip, pf;
    CliDefectMap m;
    Library lib;
    char dir[4096], why[512];
    int have_clip, ret, pick;

    *map = NULL;
    if (o->profile && !strcmp(o->profile, "none"))
        return CLI_EXIT_OK;
    have_clip = (o->profile || o->profile_dir || (cli_profile_default_dir(dir, sizeof(dir)) == 0 &&
                 access(dir, R_OK) == 0)) && cli_probe_facts(o, input, &clip) == 0;
    if (o->profile) {
        if (cli_profile_read(o, o->profile, &m, &pf) < 0)
            return CLI_EXIT_ERROR;
        if (have_clip && (pf.width != clip.width || pf.height != clip.height)) {
            cli_log(o, SP_LOG_ERROR, "the profile '%s' is %dx%d but '%s' is "
                    "%dx%d: make a profile from dark frames at %dx%d\n",
                    o->profile, pf.width, pf.height, input, clip.width,
                    clip.height, clip.width, clip.height);
            cli_defect_map_free(&m);
            return CLI_EXIT_ERROR;
        }
        cli_log(o, SP_LOG_VERBOSE, "profile '%s': %d hot, %d stuck, %d dead pixels, "
                "%d faint candidates\n", o->profile, m.nb_hot, m.nb_stuck, m.nb_dead,
                m.nb_faint);
        return use_map(o, o->profile, blockwise, &m, s, map);
    }
    if (!o->profile_dir && !have_clip)
        return CLI_EXIT_OK; /* no default library, or nothing to match */
    if (library_dir(o, dir, sizeof(dir)) < 0)
        return CLI_EXIT_OK;
    if (!have_clip) {
        cli_log(o, SP_LOG_ERROR, "cannot tell the size of '%s' to choose a "
                "profile from '%s': give one with --profile FILE.png\n", input, dir);
        return CLI_EXIT_ERROR;
    }
    if ((ret = library_load(o, dir, &lib)) < 0) {
        if (!o->profile_dir)
            return CLI_EXIT_OK;
        cli_log(o, SP_LOG_ERROR, "cannot read the profile library '%s': %s\n",
                dir, strerror(-ret));
        return CLI_EXIT_ERROR;
    }
    /* the default library serves only clips that name their camera */
    pick = cli_profile_pick(&clip, lib.facts, lib.nb, !o->profile_dir, why, sizeof(why));
    if (pick < 0) {
        cli_log(o, o->profile_dir ? SP_LOG_WARNING : SP_LOG_VERBOSE,
                "no profile in '%s' for '%s': %s\n", dir, input, why);
        library_free(&lib);
        return CLI_EXIT_OK;
    }
    if (cli_profile_read(o, lib.paths[pick], &m, &pf) < 0) {
        library_free(&lib);
        return CLI_EXIT_ERROR;
    }
    cli_log(o, SP_LOG_INFO, "profile '%s' chosen for '%s': %s\n", lib.paths[pick],
            input, why);
    ret = use_map(o, lib.paths[pick], blockwise, &m, s, map);
    library_free(&lib);
    return ret;
}

/* ---- profile create ----------------------------------------------------- */

static int add_video(const CliOptions *o, const char *path, CliDark *d, CliFacts *facts,
                     int first)
{
    AVFormatContext *ic = NULL;
    AVCodecContext *dec = NULL;
    AVPacket *pkt = NULL;
    AVFrame *fr = NULL, *conv = NULL;
    struct SwsContext *sws = NULL;
    const AVCodec *codec;
    int ret, idx, eof = 0;
    char e[128];

    quiet_av(o);
    if ((ret = avformat_open_input(&ic, path, NULL, NULL)) < 0 ||
        (ret = avformat_find_stream_info(ic, NULL)) < 0) {
        av_strerror(ret, e, sizeof(e));
        cli_log(o, SP_LOG_ERROR, "cannot read '%s': %s\n", path, e);
        goto end;
    }
    idx = av_find_best_stream(ic, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (idx < 0) {
        ret = idx;
        cli_log(o, SP_LOG_ERROR, "'%s' has no video stream: give lens-capped "
                "video or stills\n", path);
        goto end;
    }
    if (first) {
        facts->width = ic->streams[idx]->codecpar->width;
        facts->height = ic->streams[idx]->codecpar->height;
        facts_from_tags(facts, ic->metadata, ic->streams[idx]->metadata);
    }
    ret = AVERROR(ENOMEM);
    if (!(codec = avcodec_find_decoder(ic->streams[idx]->codecpar->codec_id))) {
        ret = AVERROR_DECODER_NOT_FOUND;
        cli_log(o, SP_LOG_ERROR, "'%s': no decoder for its video\n", path);
        goto end;
    }
    if (!(dec = avcodec_alloc_context3(codec)) || !(pkt = av_packet_alloc()) ||
        !(fr = av_frame_alloc()))
        goto end;
    if ((ret = avcodec_parameters_to_context(dec, ic->streams[idx]->codecpar)) < 0)
        goto end;
    dec->thread_count = o->threads;
    if ((ret = avcodec_open2(dec, codec, NULL)) < 0) {
        av_strerror(ret, e, sizeof(e));
        cli_log(o, SP_LOG_ERROR, "'%s': cannot open its decoder: %s\n", path, e);
        goto end;
    }
    while (!eof && !cli_interrupted) {
        ret = av_read_frame(ic, pkt);
        if (ret < 0) {
            eof = 1;
            avcodec_send_packet(dec, NULL);
        } else {
            if (pkt->stream_index == idx)
                avcodec_send_packet(dec, pkt);
            av_packet_unref(pkt);
        }
        while ((ret = avcodec_receive_frame(dec, fr)) >= 0) {
            SpFrame sf;
            const AVFrame *src = fr;
            int p;
            memset(&sf, 0, sizeof(sf));
            if (cli_video_layout(fr->format, &sf) < 0) {
                enum AVPixelFormat wf = cli_video_work_format(fr->format);
                av_frame_free(&conv);
                if ((ret = cli_video_convert(&sws, fr, wf, fr->width, fr->height,
                                             &conv)) < 0) {
                    cli_log(o, SP_LOG_ERROR, "'%s': cannot convert its pictures "
                            "from %s\n", path, av_get_pix_fmt_name(fr->format));
                    goto end;
                }
                src = conv;
                cli_video_layout(wf, &sf);
            }
            sf.width = src->width;
            sf.height = src->height;
            for (p = 0; p < sf.nb_planes; p++) {
                sf.data[p] = src->data[p];
                sf.stride[p] = src->linesize[p];
            }
            ret = cli_dark_add(d, &sf);
            av_frame_unref(fr);
            if (ret == -EINVAL) {
                cli_log(o, SP_LOG_ERROR, "'%s' is %dx%d but the dark frames "
                        "before it are %dx%d (or another layout): all dark "
                        "frames of a profile must match\n", path, sf.width,
                        sf.height, d->width, d->height);
                goto end;
            }
            if (ret < 0) {
                cli_log(o, SP_LOG_ERROR, "out of memory\n");
                goto end;
            }
        }
        if (ret != AVERROR(EAGAIN) && ret != AVERROR_EOF && ret < 0) {
            av_strerror(ret, e, sizeof(e));
            cli_log(o, SP_LOG_WARNING, "'%s': a damaged picture: %s\n", path, e);
        }
    }
    ret = 0;
end:
    av_frame_free(&conv);
    sws_freeContext(sws);
    av_frame_free(&fr);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&ic);
    return ret;
}

static int add_images(const CliOptions *o, const char *spec, CliDark *d,
                      CliFacts *facts, int first)
{
    CliSeq seq;
    int i, ret;

    memset(&seq, 0, sizeof(seq));
    if ((ret = cli_seq_list(o, spec, &seq)) < 0)
        return ret;
    for (i = 0; i < seq.nb && !cli_interrupted; i++) {
        CliImage img;
        memset(&img, 0, sizeof(img));
        img.path = seq.e[i].in;
        if ((ret = cli_image_read(o, &img, 0)) < 0)
            break;
        if (first && i == 0) {
            facts->width = img.frame.width;
            facts->height = img.frame.height;
            facts_from_image(facts, &img);
        }
        ret = cli_dark_add(d, &img.frame);
        if (ret == -EINVAL)
            cli_log(o, SP_LOG_ERROR, "'%s' is %dx%d but the dark frames "
                    "before it are %dx%d (or another layout): all dark frames "
                    "of a profile must match\n", img.path, img.frame.width,
                    img.frame.height, d->width, d->height);
        else if (ret < 0)
            cli_log(o, SP_LOG_ERROR, "out of memory\n");
        cli_image_free(&img);
        if (ret < 0)
            break;
    }
    cli_seq_free(&seq);
    return ret;
}

static int parse_fact(const CliOptions *o, const char *opt, const char *v,
                      double *out)
{
    double num, den;
    char *end;

    if (!v)
        return 0;
    if (sscanf(v, "%lf/%lf", &num, &den) == 2 && den > 0 && num > 0) {
        *out = num / den;
        return 0;
    }
    *out = strtod(v, &end);
    if (end == v || *end || (strcmp(opt, "--temperature") && *out <= 0)) {
        cli_log(o, SP_LOG_ERROR, "%s expects a number (exposure: seconds, "
                "e.g. 1/30), not '%s'\n", opt, v);
        return -EINVAL;
    }
    return 0;
}

int cli_profile_create(const CliOptions *o)
{
    CliDark d;
    CliDefectMap m;
    CliFacts facts;
    char path[4096], source[512] = "";
    int i, ret, code = CLI_EXIT_ERROR;

    memset(&d, 0, sizeof(d));
    memset(&m, 0, sizeof(m));
    cli_facts_init(&facts);
    if (parse_fact(o, "--iso", o->set_iso, &facts.iso) < 0 ||
        parse_fact(o, "--exposure", o->set_exposure, &facts.exposure) < 0 ||
        parse_fact(o, "--temperature", o->set_temperature, &facts.temperature) < 0)
        return CLI_EXIT_USAGE;
    if (cli_profile_output_path(o, o->output, path, sizeof(path)) < 0)
        return CLI_EXIT_ERROR;
    for (i = 0; i < o->nb_inputs; i++)
        if ((ret = cli_check_output(o, o->inputs[i], path)) != CLI_EXIT_OK)
            return ret;
    for (i = 0; i < o->nb_inputs && !cli_interrupted; i++) {
        const char *in = o->inputs[i];
        CliFacts f;
        cli_facts_init(&f);
        ret = cli_is_image_spec(in) ? add_images(o, in, &d, &f, 1)
                                    : add_video(o, in, &d, &f, 1);
        if (ret < 0)
            goto end;
        /* the facts of the first input that has them */
        if (!facts.make[0]) snprintf(facts.make, sizeof(facts.make), "%s", f.make);
        if (!facts.model[0]) snprintf(facts.model, sizeof(facts.model), "%s", f.model);
        if (!facts.date[0]) snprintf(facts.date, sizeof(facts.date), "%s", f.date);
        if (facts.iso <= 0) facts.iso = f.iso;
        if (facts.exposure <= 0) facts.exposure = f.exposure;
        if (facts.temperature <= -274)
            facts.temperature = f.temperature;
        if (strlen(source) + strlen(in) + 3 < sizeof(source))
            snprintf(source + strlen(source), sizeof(source) - strlen(source),
                     "%s%s", i ? ", " : "", in);
    }
    if (cli_interrupted) {
        code = CLI_EXIT_SIGNAL;
        goto end;
    }
    if (!d.n) {
        cli_log(o, SP_LOG_ERROR, "no picture could be read from the dark input: "
                "give lens-capped video or stills\n");
        goto end;
    }
    if (d.n < 8)
        cli_log(o, SP_LOG_WARNING, "only %lld dark frame%s: faint hot pixels need "
                "many (a second or two of video)\n", (long long)d.n, d.n == 1 ? "" : "s");
    if (o->set_make)
        snprintf(facts.make, sizeof(facts.make), "%s", o->set_make);
    if (o->set_model)
        snprintf(facts.model, sizeof(facts.model), "%s", o->set_model);
    if ((ret = cli_defect_map_alloc(&m, d.width, d.height)) < 0 ||
        (ret = cli_dark_find(&d, o->threshold > 0 ? o->threshold : 6.0, FAINT_K, 1.0,
                             &m)) < 0 || (ret = cli_dark_pattern(&d, &m)) < 0) {
        cli_log(o, SP_LOG_ERROR, "out of memory\n");
        goto end;
    }
    cli_dark_free(&d);
    if (cli_profile_write(o, path, &m, &facts, source) < 0)
        goto end;
    if ((int64_t)(m.nb_hot + m.nb_stuck + m.nb_dead) * 1000 > (int64_t)m.width * m.height)
        cli_log(o, SP_LOG_WARNING, "%d pixels of %dx%d marked: the input does not "
                "look lens-capped (dark and even); check it, or raise --threshold\n",
                m.nb_hot + m.nb_stuck + m.nb_dead, m.width, m.height);
    cli_log(o, SP_LOG_INFO, "profile '%s': %dx%d from %lld dark frames: %d hot, "
            "%d stuck, %d dead pixels, %d faint candidates for the footage to "
            "confirm (noise %.2f levels)\n", path, m.width, m.height,
            (long long)m.frames, m.nb_hot, m.nb_stuck, m.nb_dead, m.nb_faint, m.noise);
    for (i = 0; i < d.nb_planes && i < 3; i++)
        cli_log(o, SP_LOG_INFO, "fixed pattern, plane %d: spread %.2f levels, noise of "
                "the mean %.2f: %s\n", i, m.pat_sd[i], m.pat_noise[i],
                m.pat_shrink[i] > 0 ? "stored" : m.pat_sd[i] <= m.pat_noise[i]
                ? "not stored (under the noise)" : "not stored (under half a level)");
    code = CLI_EXIT_OK;
end:
    cli_dark_free(&d);
    cli_defect_map_free(&m);
    return code;
}

/* ---- profile list ------------------------------------------------------- */

int cli_profile_list(const CliOptions *o)
{
    Library lib;
    char dir[4096];
    int i, ret;

    if ((ret = library_dir(o, dir, sizeof(dir))) < 0) {
        cli_log(o, SP_LOG_ERROR, "no profile library: set HOME or XDG_DATA_HOME, "
                "or give --profile-dir DIR\n");
        return CLI_EXIT_USAGE;
    }
    if ((ret = library_load(o, dir, &lib)) < 0) {
        if (ret == -ENOENT && !o->profile_dir) {
            cli_log(o, SP_LOG_INFO, "the profile library '%s' is empty: add "
                    "profiles with 'spotheal profile create -i DARK.mp4 -o NAME'\n", dir);
            return CLI_EXIT_OK;
        }
        cli_log(o, SP_LOG_ERROR, "cannot read the profile library '%s': %s\n", dir,
                strerror(-ret));
        return CLI_EXIT_ERROR;
    }
    for (i = 0; i < lib.nb; i++) {
        const CliFacts *f = &lib.facts[i];
        const char *base = strrchr(lib.paths[i], '/');
        printf("%s\t%dx%d", base ? base + 1 : lib.paths[i], f->width, f->height);
        printf("\tmake=%s\tmodel=%s", f->make[0] ? f->make : "-",
               f->model[0] ? f->model : "-");
        if (f->iso > 0) printf("\tiso=%g", f->iso); else printf("\tiso=-");
        if (f->exposure > 0) printf("\texposure=%g", f->exposure); else printf("\texposure=-");
        if (f->temperature > -274) printf("\ttemperature=%g", f->temperature);
        else printf("\ttemperature=-");
        printf("\tdate=%s\thot=%d\tstuck=%d\tdead=%d\n", f->date[0] ? f->date : "-",
               lib.counts[i][0], lib.counts[i][1], lib.counts[i][2]);
    }
    if (!lib.nb)
        cli_log(o, SP_LOG_INFO, "no profile in '%s'\n", dir);
    library_free(&lib);
    return CLI_EXIT_OK;
}

/* ---- analyze --save-profile -------------------------------------------- */

int cli_profile_save_found(const CliOptions *o, const char *path, const char *input,
                           const uint8_t *map, const uint8_t *strength,
                           int width, int height, int64_t frames)
{
    CliDefectMap m;
    CliFacts facts;
    size_t i, n = (size_t)width * height;
    int ret;

    if ((ret = cli_defect_map_alloc(&m, width, height)) < 0) {
        cli_log(o, SP_LOG_ERROR, "cannot write the profile '%s': out of memory\n", path);
        return ret;
    }
    if (cli_probe_facts(o, input, &facts) < 0)
        cli_facts_init(&facts);
    facts.width = width;
    facts.height = height;
    for (i = 0; i < n; i++) {
        if (!map[i])
            continue;
        m.kind[i] = map[i];
        m.strength[i] = strength[i] ? strength[i] : 1;
        m.planes[i] = 1;
        m.nb_hot += map[i] == SP_KIND_HOT;
        m.nb_stuck += map[i] == SP_KIND_STUCK;
        m.nb_dead += map[i] == SP_KIND_DEAD;
    }
    m.frames = frames;
    ret = cli_profile_write(o, path, &m, &facts, input);
    if (ret >= 0)
        cli_log(o, SP_LOG_INFO, "profile '%s': %d hot, %d stuck, %d dead pixels "
                "confirmed on %lld frames of '%s'\n", path, m.nb_hot, m.nb_stuck,
                m.nb_dead, (long long)frames, input);
    cli_defect_map_free(&m);
    return ret;
}
