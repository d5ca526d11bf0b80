/*
 * The image-sequence job: JPEG and PNG files decoded, sent through the
 * library in name order as the frames of one clip, and written back under
 * their output names as the library gives them back.
 *
 * Threads: a small pool of workers decodes the next files ahead of the
 * library (a few at most) and encodes and writes the repaired ones; the
 * main thread alone talks to the library. An image is freed once the
 * library has released it (after its lookahead and history) and its file
 * is written, so memory is bounded by the ring plus a few images in
 * flight, whatever the length of the sequence.
 *
 * Every file is written under a temporary name in its folder and renamed
 * when complete. Existing outputs are checked for all files before the
 * first is written: -n (or no answer) refuses, -y overwrites.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/cli/images.h"

#define MAX_WORKERS 16

typedef struct ImgJob {
    const CliOptions *o;
    CliSeq seq;
    int write;        /* not analyze: files are written */
    int keep_orig;    /* JPEG outputs are written block by block */

    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t th[MAX_WORKERS];
    int nb_th, stop;

    int next_read, read_limit, ra; /* decode [next_read, read_limit) */
    CliImage **ready;              /* ring of ra decoded images */
    int *ready_err;                /* 1 done, <0 failed, 0 pending */

    CliImage **wq;                 /* images waiting to be written */
    int wq_head, wq_n, wq_cap;
    int writes_busy;               /* queued + being written */
    int failed;                    /* a worker failed (message logged) */
    int64_t written;
    CliJpegWriteStats stats;
} ImgJob;

/* Whether the sequence's first image is a JPEG (by its content). */
static int first_is_jpeg(const CliSeq *seq)
{
    unsigned char sig[2] = { 0, 0 };
    FILE *fp = seq->nb ? fopen(seq->e[0].in, "rb") : NULL;

    if (!fp)
        return 0;
    if (fread(sig, 1, 2, fp) != 2)
        sig[0] = 0;
    fclose(fp);
    return sig[0] == 0xff && sig[1] == 0xd8;
}

int cli_is_image_spec(const char *spec)
{
    struct stat st;
    const char *p;

    if (!spec || !strcmp(spec, "-") || !strncmp(spec, "pipe:", 5))
        return 0;
    for (p = spec; *p; p++) {
        const char *q = p + 1;
        if (*p != '%')
            continue;
        if (*q == '%') {
            p++;
            continue;
        }
        while (*q >= '0' && *q <= '9')
            q++;
        if (*q == 'd')
            return 1;
    }
    if (strpbrk(spec, "*?["))
        return 1;
    if (stat(spec, &st) == 0 && S_ISDIR(st.st_mode))
        return 1;
    return cli_image_type_of(spec) != CLI_IMG_NONE;
}

int cli_image_alloc(CliImage *img, int width[4], int rows[4])
{
    SpFrame *f = &img->frame;
    size_t off[4], total = 0;
    int p, bps = f->depth > 8 ? 2 : 1;

    for (p = 0; p < f->nb_planes; p++) {
        ptrdiff_t stride = ((ptrdiff_t)width[p] * bps + 63) & ~(ptrdiff_t)63;
        f->stride[p] = stride;
        img->plane_h[p] = rows[p];
        off[p] = total;
        total += (size_t)stride * rows[p];
    }
    /* not cleared as a whole: the decoders write every row; only the
     * padding at the end of each row, which nothing writes, is zeroed */
    img->buf = malloc(total + 64);
    if (!img->buf)
        return -ENOMEM;
    img->buf_size = total;
    for (p = 0; p < f->nb_planes; p++) {
        size_t used = (size_t)width[p] * bps;
        int y;
        f->data[p] = img->buf + off[p];
        if (used < (size_t)f->stride[p])
            for (y = 0; y < rows[p]; y++)
                memset(f->data[p] + (ptrdiff_t)y * f->stride[p] + used, 0,
                       f->stride[p] - used);
    }
    memset(img->buf + total, 0, 64);
    return 0;
}

void cli_image_free(CliImage *img)
{
    if (!img)
        return;
    free(img->buf);
    free(img->block_hash);
    img->buf = NULL;
    img->block_hash = NULL;
    cli_jpeg_info_free(&img->jpg);
    cli_png_info_free(&img->png);
}

int cli_image_read(const CliOptions *o, CliImage *img, int keep_orig)
{
    int type = cli_image_type_of(img->path), ret;
    FILE *fp;
    uint8_t sig[8] = { 0 };

    /* the content decides, not the name */
    if (!(fp = fopen(img->path, "rb"))) {
        ret = -errno;
        cli_log(o, SP_LOG_ERROR, "cannot read '%s': %s\n", img->path,
                strerror(-ret));
        return ret;
    }
    if (fread(sig, 1, sizeof(sig), fp) >= 2 && sig[0] == 0xff && sig[1] == 0xd8)
        type = CLI_IMG_JPEG;
    else if (!memcmp(sig, "\x89PNG\r\n\x1a\n", 8))
        type = CLI_IMG_PNG;
    else
        type = CLI_IMG_NONE;
    fclose(fp);
    img->type = type;
    if (type == CLI_IMG_JPEG)
        return cli_jpeg_read(o, img, keep_orig);
    if (type == CLI_IMG_PNG)
        return cli_png_read(o, img);
    cli_log(o, SP_LOG_ERROR, "'%s' is not a JPEG or PNG image\n", img->path);
    return -EINVAL;
}

/* --- the job ----------------------------------------------------------- */

/* Wait for a change, or 0.1 s (so that an interrupt is seen). */
static void wait_change(ImgJob *job)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 100000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&job->cond, &job->lock, &ts);
}

static void unref_locked(ImgJob *job, CliImage *img)
{
    (void)job;
    if (--img->refs > 0)
        return;
    cli_image_free(img);
    free(img);
}

static void release_frame(SpFrame *f)
{
    CliImage *img = (CliImage *)f;
    ImgJob *job = img->job;

    pthread_mutex_lock(&job->lock);
    unref_locked(job, img);
    pthread_cond_broadcast(&job->cond);
    pthread_mutex_unlock(&job->lock);
}

static CliImage *read_one(ImgJob *job, int i, int *err)
{
    CliImage *img = calloc(1, sizeof(*img));

    if (!img) {
        cli_log(job->o, SP_LOG_ERROR, "out of memory\n");
        *err = -ENOMEM;
        return NULL;
    }
    img->path = job->seq.e[i].in;
    img->out_path = job->seq.e[i].out;
    img->seq = i;
    img->job = job;
    img->refs = 1;
    *err = cli_image_read(job->o, img, job->keep_orig);
    if (*err < 0) {
        cli_image_free(img);
        free(img);
        return NULL;
    }
    img->frame.release = release_frame;
    img->frame.opaque = img;
    *err = 1;
    return img;
}

static int write_one(ImgJob *job, CliImage *img, CliJpegWriteStats *st)
{
    const CliOptions *o = job->o;
    char tmp[4096];
    int ret;

    if ((ret = cli_temp_path(img->out_path, tmp, sizeof(tmp))) < 0) {
        cli_log(o, SP_LOG_ERROR, "cannot write '%s': %s\n", img->out_path,
                strerror(-ret));
        return ret;
    }
    if (img->type == CLI_IMG_JPEG)
        ret = cli_jpeg_write(o, img, tmp, o->qscale, o->reencode, st);
    else
        ret = cli_png_write(o, img, tmp);
    if (ret < 0) {
        unlink(tmp);
        return ret;
    }
    return cli_commit_output(o, tmp, img->out_path);
}

static void *worker(void *arg)
{
    ImgJob *job = arg;

    pthread_mutex_lock(&job->lock);
    while (!job->stop) {
        if (job->wq_n) {
            CliImage *img = job->wq[job->wq_head];
            CliJpegWriteStats st = { 0, 0, 0, 0, 0 };
            int ret;
            job->wq_head = (job->wq_head + 1) % job->wq_cap;
            job->wq_n--;
            pthread_mutex_unlock(&job->lock);
            ret = job->failed ? -ECANCELED : write_one(job, img, &st);
            pthread_mutex_lock(&job->lock);
            if (ret < 0)
                job->failed = 1;
            else
                job->written++;
            job->stats.blocks += st.blocks;
            job->stats.changed += st.changed;
            job->stats.own_tables += st.own_tables;
            job->stats.spliced += st.spliced;
            job->stats.recoded += st.recoded;
            job->writes_busy--;
            unref_locked(job, img);
            pthread_cond_broadcast(&job->cond);
        } else if (!job->failed && job->next_read < job->read_limit) {
            int i = job->next_read++, err = 0;
            CliImage *img;
            pthread_mutex_unlock(&job->lock);
            img = read_one(job, i, &err);
            pthread_mutex_lock(&job->lock);
            job->ready[i % job->ra] = img;
            job->ready_err[i % job->ra] = err;
            pthread_cond_broadcast(&job->cond);
        } else {
            pthread_cond_wait(&job->cond, &job->lock);
        }
    }
    pthread_mutex_unlock(&job->lock);
    return NULL;
}

/* The decoded image i, or NULL if it failed (message logged). */
static CliImage *wait_image(ImgJob *job, int i, int *err)
{
    CliImage *img;
    int k = i % job->ra;

    pthread_mutex_lock(&job->lock);
    if (job->read_limit < i + job->ra) {
        job->read_limit = i + job->ra;
        if (job->read_limit > job->seq.nb)
            job->read_limit = job->seq.nb;
        pthread_cond_broadcast(&job->cond);
    }
    while (!job->ready_err[k] && !cli_interrupted && !job->failed)
        wait_change(job);
    img = job->ready[k];
    *err = job->ready_err[k] ? job->ready_err[k] : -ECANCELED;
    job->ready[k] = NULL;
    job->ready_err[k] = 0;
    /* one more slot is free: read further */
    if (job->read_limit < job->seq.nb) {
        job->read_limit++;
        pthread_cond_broadcast(&job->cond);
    }
    pthread_mutex_unlock(&job->lock);
    return img;
}

/* Queue an image given back by the library for writing; waits while too
 * many are queued. */
static int submit_write(ImgJob *job, CliImage *img)
{
    int ret = 0;

    pthread_mutex_lock(&job->lock);
    while (job->writes_busy >= job->wq_cap && !job->failed && !cli_interrupted)
        wait_change(job);
    if (job->failed || cli_interrupted) {
        ret = -ECANCELED;
    } else {
        img->refs++;
        job->wq[(job->wq_head + job->wq_n) % job->wq_cap] = img;
        job->wq_n++;
        job->writes_busy++;
        pthread_cond_broadcast(&job->cond);
    }
    pthread_mutex_unlock(&job->lock);
    return ret;
}

static int layout_differs(const SpFrame *a, const SpFrame *b)
{
    return a->width != b->width || a->height != b->height ||
           a->nb_planes != b->nb_planes || a->depth != b->depth ||
           a->color != b->color || a->ss_x != b->ss_x || a->ss_y != b->ss_y ||
           a->has_alpha != b->has_alpha;
}

static const char *layout_name(const SpFrame *f, char *buf, size_t size)
{
    static const char *const sub[3][3] = {
        { "4:4:4", "4:4:0", "4:4:0 (1/4)" },
        { "4:2:2", "4:2:0", "4:2:0 (1/4 rows)" },
        { "4:1:1", "4:1:0 (1/2 rows)", "4:1:0" },
    };

    snprintf(buf, size, "%dx%d %s%s %d-bit", f->width, f->height,
             f->color == SP_COLOR_GRAY ? "gray" :
             f->color == SP_COLOR_RGB ? "RGB" : "YCbCr ",
             f->color == SP_COLOR_YUV ? sub[f->ss_x][f->ss_y] : "",
             f->depth);
    if (f->has_alpha)
        snprintf(buf + strlen(buf), size - strlen(buf), " with alpha");
    return buf;
}

/* Take every frame the library gives back: report it, queue it for
 * writing. Returns the number taken or a negative error. */
static int drain(ImgJob *job, SpContext *ctx, CliReport *report,
                 int64_t *received)
{
    SpFrame *out;
    int err, n = 0;

    while ((err = sp_receive_frame(ctx, &out)) == 0) {
        CliImage *img = (CliImage *)out;
        (*received)++;
        n++;
        if (report && (err = cli_report_frame(report, ctx, out, -1,
                                              img->path)) < 0)
            return err;
        if (job->write && (err = submit_write(job, img)) < 0)
            return err;
    }
    return err == -EAGAIN || err == SP_EOF ? n : err;
}

/* Check every output name before anything is written. */
static int check_outputs(const CliOptions *o, const CliSeq *seq)
{
    CliOptions oo = *o;
    struct stat st;
    int i, ret;

    for (i = 0; i < seq->nb; i++) {
        int existed = stat(seq->e[i].out, &st) == 0;
        if ((ret = cli_check_output(&oo, seq->e[i].in, seq->e[i].out)) != CLI_EXIT_OK)
            return ret;
        if (existed)
            oo.overwrite = 1; /* the answer covers the whole sequence */
    }
    return CLI_EXIT_OK;
}

int cli_run_images(const CliOptions *o)
{
    ImgJob job;
    SpSettings s;
    SpContext *ctx = NULL;
    CliProgress prog;
    CliReport *report = NULL;
    const char *opts[CLI_MAX_LIB_OPTIONS + 1];
    uint8_t *mask = NULL, *profile = NULL;
    SpFrame first;
    int ret = CLI_EXIT_ERROR, i, k, err, mw = 0, mh = 0, nb_opts = 0;
    int prog_open = 0, sync_ok = 0, threads_started = 0;
    int64_t received = 0, done;
    long ncpu;

    memset(&job, 0, sizeof(job));
    memset(&first, 0, sizeof(first));
    job.o = o;
    job.write = o->command != CLI_ANALYZE;
    if (o->nb_inputs != 1) {
        cli_log(o, SP_LOG_ERROR, "an image sequence takes one -i\n");
        return CLI_EXIT_USAGE;
    }
    if (job.write && !o->output) {
        cli_log(o, SP_LOG_ERROR, "no output named: give a pattern, a folder "
                "or a file after the options\n");
        return CLI_EXIT_USAGE;
    }
    if (cli_seq_list(o, o->inputs[0], &job.seq) < 0)
        return CLI_EXIT_ERROR;
    if (job.write) {
        if ((err = cli_seq_outputs(o, o->output, &job.seq)) < 0) {
            ret = err == -EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
            goto end;
        }
        if ((ret = check_outputs(o, &job.seq)) != CLI_EXIT_OK)
            goto end;
        ret = CLI_EXIT_ERROR;
    }
    if (o->qscale > 31) {
        cli_log(o, SP_LOG_ERROR, "-q:v for JPEG images takes 1 (best) to 31, "
                "as ffmpeg's: %d is out of range\n", o->qscale);
        ret = CLI_EXIT_USAGE;
        goto end;
    }
    job.keep_orig = job.write && !o->reencode && o->qscale < 1;

    /* Every image allocates the same large buffers (planes, libjpeg's
     * coefficient arrays): keep freed memory for the next one instead of
     * mapping fresh pages for each (page faults took 40 % of the time).
     * One heap for all the threads: with one per thread, images decoded
     * on one worker and freed after another's writing left the heaps to
     * grow apart (peak memory 120, 128 and 148 MB after 300, 3000 and
     * 10 000 frames of a 720p dump; with one heap 101 and 102 MB after
     * 3000 and 10 000, CPU time the same). */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_ARENA_MAX, 1);
    cli_log(o, SP_LOG_VERBOSE, "%d image%s from '%s'\n", job.seq.nb,
            job.seq.nb == 1 ? "" : "s", o->inputs[0]);

    if (o->mask && cli_load_mask(o, o->mask, &mask, &mw, &mh) < 0)
        goto end;
    sp_default_settings(&s);
    s.threads = o->threads;
    s.lookahead = o->lookahead;
    /* the fill of one frame while the next is analysed, its file decoded
     * and earlier ones written */
    s.overlap = 1;
    s.mask = mask;
    s.mask_width = mw;
    s.mask_height = mh;
    s.mask_stride = mw;
    if ((err = cli_profile_setup(o, o->inputs[0], job.keep_orig && first_is_jpeg(&job.seq),
                                 &s, &profile)) != CLI_EXIT_OK) {
        ret = err;
        goto end;
    }
    for (k = 0; k < o->nb_lib_options && k < CLI_MAX_LIB_OPTIONS; k++)
        opts[nb_opts++] = o->lib_options[k];
    opts[nb_opts] = NULL;
    s.options = opts;
    s.log = cli_lib_log;
    s.log_opaque = (void *)o;
    s.log_level = o->loglevel;
    if (sp_open(&ctx, &s) < 0)
        goto end;

    ncpu = o->threads > 0 ? o->threads : sysconf(_SC_NPROCESSORS_ONLN);
    job.nb_th = ncpu < 1 ? 1 : ncpu > MAX_WORKERS ? MAX_WORKERS : (int)ncpu;
    job.ra = job.nb_th + 2;
    job.wq_cap = job.nb_th + 2;
    job.ready = calloc(job.ra, sizeof(*job.ready));
    job.ready_err = calloc(job.ra, sizeof(*job.ready_err));
    job.wq = calloc(job.wq_cap, sizeof(*job.wq));
    if (!job.ready || !job.ready_err || !job.wq) {
        cli_log(o, SP_LOG_ERROR, "out of memory\n");
        goto end;
    }
    if (pthread_mutex_init(&job.lock, NULL) || pthread_cond_init(&job.cond, NULL)) {
        cli_log(o, SP_LOG_ERROR, "cannot start threads\n");
        goto end;
    }
    sync_ok = 1;
    for (k = 0; k < job.nb_th; k++) {
        if (pthread_create(&job.th[k], NULL, worker, &job)) {
            cli_log(o, SP_LOG_ERROR, "cannot start threads\n");
            goto end;
        }
        threads_started++;
    }
    if (cli_progress_open(&prog, o) < 0)
        goto end;
    prog_open = 1;
    prog.total = job.seq.nb;

    for (i = 0; i <= job.seq.nb; i++) {
        CliImage *img = NULL;
        char a[96], b[96];

        if (i < job.seq.nb) {
            img = wait_image(&job, i, &err);
            if (cli_interrupted) {
                if (img)
                    release_frame(&img->frame);
                goto interrupted;
            }
            if (!img)
                goto end;
            if (i == 0) {
                first = img->frame;
                if ((o->report || o->save_profile) &&
                    cli_report_open(&report, o, o->report, o->inputs[0],
                                    first.width, first.height) < 0) {
                    release_frame(&img->frame);
                    goto end;
                }
            } else if (layout_differs(&img->frame, &first)) {
                cli_log(o, SP_LOG_ERROR, "'%s' is %s but the sequence started "
                        "with %s ('%s'): all images of a sequence must have "
                        "one size and layout\n", img->path,
                        layout_name(&img->frame, a, sizeof(a)),
                        layout_name(&first, b, sizeof(b)), job.seq.e[0].in);
                release_frame(&img->frame);
                goto end;
            }
        }
        for (int tries = 0; (err = sp_send_frame(ctx, img ? &img->frame : NULL)) == -EAGAIN; tries++) {
            /* a full ring: take a frame out first (cannot happen when
             * everything is taken out after each send); with the overlap
             * the first receive may only start one, which frees a place */
            int got = drain(&job, ctx, report, &received);
            if (got < 0 || (!got && tries)) {
                err = got < 0 ? got : -EIO;
                break;
            }
        }
        if (err < 0) {
            if (img)
                release_frame(&img->frame);
            goto end;
        }
        if (drain(&job, ctx, report, &received) < 0)
            goto end;
        if (job.failed)
            goto end;
        if (cli_interrupted)
            goto interrupted;
        pthread_mutex_lock(&job.lock);
        done = job.write ? job.written : received;
        pthread_mutex_unlock(&job.lock);
        cli_progress_update(&prog, done, done / 25.0, 0);
    }

    /* every write done */
    pthread_mutex_lock(&job.lock);
    while (job.writes_busy && !cli_interrupted)
        wait_change(&job);
    pthread_mutex_unlock(&job.lock);
    if (cli_interrupted)
        goto interrupted;
    if (job.failed)
        goto end;
    cli_progress_update(&prog, job.write ? job.written : received,
                        (job.write ? job.written : received) / 25.0, 1);
    if (job.write && job.keep_orig && job.stats.blocks)
        cli_log(o, SP_LOG_VERBOSE, "JPEG: %lld of %lld blocks re-encoded "
                "(%.3f%%), the rest copied; %lld image%s written with %s own "
                "Huffman tables (%lld with the input's coded data spliced, "
                "%lld more coded again from it)\n",
                (long long)job.stats.changed, (long long)job.stats.blocks,
                100.0 * job.stats.changed / job.stats.blocks,
                (long long)job.stats.own_tables, job.stats.own_tables == 1 ? "" : "s",
                job.stats.own_tables == 1 ? "its" : "their",
                (long long)job.stats.spliced, (long long)job.stats.recoded);
    cli_log(o, SP_LOG_VERBOSE, "%lld image%s %s\n",
            (long long)(job.write ? job.written : received),
            received == 1 ? "" : "s", job.write ? "written" : "analysed");
    ret = CLI_EXIT_OK;
    goto end;

interrupted:
    cli_log(o, SP_LOG_ERROR, "interrupted\n");
    ret = CLI_EXIT_SIGNAL;
end:
    if (sync_ok) {
        pthread_mutex_lock(&job.lock);
        job.stop = 1;
        job.failed |= ret != CLI_EXIT_OK;
        /* queued writes that will not happen */
        while (job.wq_n) {
            CliImage *img = job.wq[job.wq_head];
            job.wq_head = (job.wq_head + 1) % job.wq_cap;
            job.wq_n--;
            job.writes_busy--;
            unref_locked(&job, img);
        }
        pthread_cond_broadcast(&job.cond);
        pthread_mutex_unlock(&job.lock);
    }
    for (k = 0; k < threads_started; k++)
        pthread_join(job.th[k], NULL);
    sp_close(&ctx);
    for (k = 0; job.ready && k < job.ra; k++)
        if (job.ready[k]) {
            cli_image_free(job.ready[k]);
            free(job.ready[k]);
        }
    if (prog_open)
        cli_progress_close(&prog);
    cli_report_close(&report, ret == CLI_EXIT_OK);
    if (sync_ok) {
        pthread_mutex_destroy(&job.lock);
        pthread_cond_destroy(&job.cond);
    }
    free(job.ready);
    free(job.ready_err);
    free(job.wq);
    free(mask);
    free(profile);
    cli_seq_free(&job.seq);
    return ret;
}
