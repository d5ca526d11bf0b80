/*
 * The video job: demux with libavformat, decode with libavcodec (its own
 * frame threads), hand the frames to the library without copying them
 * (an AVFrame's planes become an SpFrame's), encode what comes back and
 * mux it with every other stream copied bit for bit.
 *
 * The loop follows FFmpeg's doc/examples/transcode.c: send / receive
 * until EAGAIN or EOF at each stage, timestamps rescaled at each
 * boundary, flush with NULL, trailer. What this job adds:
 *  - the video keeps its timestamps exactly: the encoder's time base is
 *    the input stream's and every frame's pts passes through (variable
 *    frame rate clips keep every pts; nothing dropped or duplicated);
 *  - the encoder is opened at the first decoded frame, in that frame's
 *    pixel format and colour tags (10-bit stays 10-bit), with the input's
 *    codec family at visually lossless quality unless told otherwise;
 *    packets of the copied streams wait in a queue until the header is
 *    written;
 *  - pixel formats the library cannot read in place (semi-planar nv12,
 *    packed RGB, big endian) go through libswscale to the nearest planar
 *    format and back;
 *  - the output is written under a temporary name and renamed at the end,
 *    so a failed or interrupted run leaves nothing under the output's name.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/common.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "src/cli/cli.h"
#include "src/cli/video.h"

/* An SpFrame over an AVFrame's planes; release() frees both. */
typedef struct Wrap {
    SpFrame sf;
    AVFrame *av;
} Wrap;

typedef struct VideoJob {
    const CliOptions *o;
    const char *in_name, *out_name;
    int analyze;

    AVFormatContext *ifmt, *ofmt;
    int vidx;               /* the input video stream repaired */
    AVStream *vst;
    int *map;               /* input stream -> output stream, or -1 */
    int nb_map;
    AVCodecContext *dec, *enc;
    int enc_crf_default;    /* crf used when no quality was given */
    AVRational enc_tb;

    enum AVPixelFormat work_fmt; /* what the library sees */
    int work_w, work_h;
    SpFrame layout;
    struct SwsContext *sws_in, *sws_out;

    SpContext *sp;
    uint8_t *mask;
    uint8_t *profile;        /* the profile's defect map (--profile) */
    AVBufferPool *pool;     /* writable copies of decoded pictures */
    int pool_size;

    AVPacket *pkt, *opkt;
    AVFrame *frame;
    AVPacket **queue;       /* packets held until the header is written */
    int nb_queue, queue_cap;
    int header_written, io_open;
    char tmp[4096];

    CliProgress prog;
    int prog_open;
    CliReport *report;

    int64_t frames_in, frames_out, bad_packets, bad_frames;
    int64_t first_pts, last_pts;
    int64_t ts_offset;      /* added to every timestamp, AV_TIME_BASE units */
    int read_error;
} VideoJob;

/* ---- messages --------------------------------------------------------- */

static const char *err_str(int err, char *buf, size_t size)
{
    av_strerror(err, buf, size);
    return buf;
}

static void input_error(VideoJob *j, int err)
{
    char e[128];

    if (err == AVERROR(ENOENT))
        cli_log(j->o, SP_LOG_ERROR, "'%s': no such file\n", j->in_name);
    else if (err == AVERROR(EACCES) || err == AVERROR(EPERM))
        cli_log(j->o, SP_LOG_ERROR, "'%s': permission denied: cannot read "
                "it\n", j->in_name);
    else if (err == AVERROR(EISDIR))
        cli_log(j->o, SP_LOG_ERROR, "'%s' is a folder, not a video\n",
                j->in_name);
    else if (err == AVERROR_INVALIDDATA || err == AVERROR_EOF)
        cli_log(j->o, SP_LOG_ERROR, "'%s' is not a video file that can be "
                "read: unknown format, empty or truncated (%s)\n", j->in_name,
                err_str(err, e, sizeof(e)));
    else
        cli_log(j->o, SP_LOG_ERROR, "cannot read '%s': %s\n", j->in_name,
                err_str(err, e, sizeof(e)));
}

static void output_error(VideoJob *j, const char *what, int err)
{
    char e[128];

    if (err == AVERROR(ENOSPC))
        cli_log(j->o, SP_LOG_ERROR, "cannot write '%s': the disk is full\n",
                j->out_name);
    else if (err == AVERROR(EACCES) || err == AVERROR(EPERM) ||
             err == AVERROR(EROFS))
        cli_log(j->o, SP_LOG_ERROR, "cannot write '%s': no permission to "
                "write in its folder (%s)\n", j->out_name,
                err_str(err, e, sizeof(e)));
    else if (err == AVERROR(ENOENT))
        cli_log(j->o, SP_LOG_ERROR, "cannot write '%s': its folder does not "
                "exist\n", j->out_name);
    else
        cli_log(j->o, SP_LOG_ERROR, "cannot write '%s' (%s): %s\n",
                j->out_name, what, err_str(err, e, sizeof(e)));
}

/* Errors libav* reported (a damaged or truncated input shows up here even
 * when the decoder conceals it); its threads may log at once. */
static atomic_int av_errors;

static void av_log_to_cli(void *avcl, int level, const char *fmt, va_list vl)
{
    /* libav*'s own chatter: only at -v verbose and above, prefixed by the
     * component, as ffmpeg prints it. */
    static int print_prefix = 1;
    char line[1024];

    if (level <= AV_LOG_ERROR)
        atomic_fetch_add(&av_errors, 1);
    if (level > av_log_get_level() || av_log_get_level() < AV_LOG_WARNING)
        return;
    av_log_format_line(avcl, level, fmt, vl, line, sizeof(line), &print_prefix);
    fputs(line, stderr);
}

static int interrupt_cb(void *opaque)
{
    (void)opaque;
    return cli_interrupted;
}

/* ---- pixel formats ---------------------------------------------------- */

/*
 * Whether frames of fmt can be handed to the library as they are: one
 * plane per component, samples of 8 bits or native-endian 16-bit words
 * without shift, planes in the library's order (Y, Cb, Cr [, A] /
 * G, B, R [, A] / Y [, A]). Fills the layout fields of f when they can.
 */
int cli_video_layout(enum AVPixelFormat fmt, SpFrame *f)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(fmt);
    int i, n, depth, bytes, alpha, color;

    if (!d || d->flags & (AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_PAL |
                          AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BAYER |
                          AV_PIX_FMT_FLAG_FLOAT))
        return -1;
    n = d->nb_components;
    depth = d->comp[0].depth;
    if (n < 1 || depth < 8 || depth > 16 || av_pix_fmt_count_planes(fmt) != n)
        return -1;
    if (depth > 8 && !!(d->flags & AV_PIX_FMT_FLAG_BE) != AV_NE(1, 0))
        return -1;
    if (!strncmp(d->name, "xyz", 3))
        return -1;
    bytes = depth > 8 ? 2 : 1;
    for (i = 0; i < n; i++)
        if (d->comp[i].depth != depth || d->comp[i].step != bytes ||
            d->comp[i].shift || d->comp[i].offset)
            return -1;
    alpha = !!(d->flags & AV_PIX_FMT_FLAG_ALPHA);
    if (d->flags & AV_PIX_FMT_FLAG_RGB) {
        if (n - alpha != 3 || d->comp[0].plane != 2 || d->comp[1].plane != 0 ||
            d->comp[2].plane != 1)
            return -1;
        color = SP_COLOR_RGB;
    } else if (n - alpha == 1) {
        if (d->comp[0].plane != 0)
            return -1;
        color = SP_COLOR_GRAY;
    } else if (n - alpha == 3) {
        for (i = 0; i < 3; i++)
            if (d->comp[i].plane != i)
                return -1;
        color = SP_COLOR_YUV;
    } else {
        return -1;
    }
    if (alpha && d->comp[n - 1].plane != n - 1)
        return -1;
    if (f) {
        memset(f, 0, sizeof(*f));
        f->nb_planes = n;
        f->depth = depth;
        f->color = color;
        f->ss_x = color == SP_COLOR_YUV ? d->log2_chroma_w : 0;
        f->ss_y = color == SP_COLOR_YUV ? d->log2_chroma_h : 0;
        f->has_alpha = alpha;
    }
    return 0;
}

/* The planar format nearest to fmt that the library reads in place: same
 * colour family, subsampling and alpha, the least depth that holds fmt's. */
enum AVPixelFormat cli_video_work_format(enum AVPixelFormat fmt)
{
    const AVPixFmtDescriptor *s = av_pix_fmt_desc_get(fmt), *d = NULL;
    enum AVPixelFormat best = AV_PIX_FMT_NONE;
    int best_depth = 99, sdepth, salpha, scolor, pass;

    if (cli_video_layout(fmt, NULL) == 0)
        return fmt;
    if (!s)
        return AV_PIX_FMT_YUV444P;
    sdepth = s->comp[0].depth < 8 ? 8 : s->comp[0].depth > 16 ? 16 : s->comp[0].depth;
    salpha = !!(s->flags & AV_PIX_FMT_FLAG_ALPHA);
    scolor = s->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL) ? SP_COLOR_RGB
             : s->nb_components - salpha == 1 ? SP_COLOR_GRAY : SP_COLOR_YUV;
    for (pass = 0; pass < 2 && best == AV_PIX_FMT_NONE; pass++) {
        /* pass 1 gives up the alpha plane (packed gray + alpha) */
        int want_alpha = pass ? 0 : salpha;
        for (d = av_pix_fmt_desc_next(NULL); d; d = av_pix_fmt_desc_next(d)) {
            enum AVPixelFormat c = av_pix_fmt_desc_get_id(d);
            SpFrame l;
            if (cli_video_layout(c, &l) < 0 || l.color != scolor ||
                l.has_alpha != want_alpha || l.depth < sdepth ||
                l.depth >= best_depth)
                continue;
            if (scolor == SP_COLOR_YUV && (l.ss_x != s->log2_chroma_w ||
                                           l.ss_y != s->log2_chroma_h))
                continue;
            best = c;
            best_depth = l.depth;
        }
    }
    if (best == AV_PIX_FMT_NONE)
        best = sdepth > 8 ? AV_PIX_FMT_YUV444P16 : AV_PIX_FMT_YUV444P;
    return best;
}

static int is_full_range(const AVFrame *f)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
    return f->color_range == AVCOL_RANGE_JPEG ||
           (d && (d->flags & AV_PIX_FMT_FLAG_RGB)) ||
           f->format == AV_PIX_FMT_YUVJ420P || f->format == AV_PIX_FMT_YUVJ422P ||
           f->format == AV_PIX_FMT_YUVJ444P || f->format == AV_PIX_FMT_YUVJ440P ||
           f->format == AV_PIX_FMT_YUVJ411P;
}

/*
 * Whether libswscale converts fmt to its work format and back bit-exactly.
 * Checked against every pixel format (tests/unit/test_video.c): its
 * unscaled paths are exact for byte-aligned samples of 8 bits or more
 * without alpha (nv12, p010, yuyv422, rgb24, rgb48, big endian ...), not
 * for packed alpha (rgba: off by one), packed samples under 8 bits
 * (rgb565), 10-bit packed words (x2rgb10) or XYZ.
 */
static int sws_exact(enum AVPixelFormat fmt)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(fmt);
    int i;

    if (!d || !sws_isSupportedInput(fmt) || !sws_isSupportedOutput(fmt) ||
        (d->flags & (AV_PIX_FMT_FLAG_ALPHA | AV_PIX_FMT_FLAG_BITSTREAM |
                     AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_FLOAT)) ||
        !strncmp(d->name, "xyz", 3))
        return 0;
    for (i = 0; i < d->nb_components; i++)
        if (d->comp[i].depth < 8 ||
            (d->comp[i].shift && d->comp[i].depth + d->comp[i].shift != 16))
            return 0;
    return 1;
}

/* Whether repack() can copy a to b: integer samples, a palette only as
 * the source, the same colour family and subsampling. */
static int repack_possible(enum AVPixelFormat a, enum AVPixelFormat b)
{
    const AVPixFmtDescriptor *da = av_pix_fmt_desc_get(a), *db = av_pix_fmt_desc_get(b);
    const int bad = AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_FLOAT | AV_PIX_FMT_FLAG_BAYER;

    if (!da || !db || (da->flags & bad) || (db->flags & bad) ||
        (db->flags & AV_PIX_FMT_FLAG_PAL))
        return 0;
    if (!!(da->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL)) !=
        !!(db->flags & AV_PIX_FMT_FLAG_RGB))
        return 0;
    return da->log2_chroma_w == db->log2_chroma_w &&
           da->log2_chroma_h == db->log2_chroma_h;
}

/*
 * Copy every component of src into dst (same size) sample by sample with
 * libavutil's generic line reader and writer, whatever the packing:
 * component i to component i, rescaled with rounding where the depths
 * differ (5 bits -> 8 bits -> 5 bits gives the same value back), a missing
 * alpha made opaque. Exact both ways, slower than libswscale: used where
 * libswscale is not exact.
 */
static int repack(const AVFrame *src, AVFrame *dst)
{
    const AVPixFmtDescriptor *ds = av_pix_fmt_desc_get(src->format);
    const AVPixFmtDescriptor *dd = av_pix_fmt_desc_get(dst->format);
    uint16_t *line = av_malloc_array(src->width, sizeof(*line));
    int c, p, x, y;

    if (!line)
        return AVERROR(ENOMEM);
    for (p = 0; p < 4 && dst->data[p]; p++) {
        int rows = (p == 1 || p == 2) && !(dd->flags & AV_PIX_FMT_FLAG_RGB) &&
                   dd->nb_components >= 3 ? -((-dst->height) >> dd->log2_chroma_h)
                                          : dst->height;
        for (y = 0; y < rows; y++)
            memset(dst->data[p] + (ptrdiff_t)y * dst->linesize[p], 0,
                   FFABS(dst->linesize[p]));
    }
    for (c = 0; c < dd->nb_components; c++) {
        int sub = !(dd->flags & AV_PIX_FMT_FLAG_RGB) && dd->nb_components >= 3 &&
                  (c == 1 || c == 2);
        int w = sub ? -((-dst->width) >> dd->log2_chroma_w) : dst->width;
        int h = sub ? -((-dst->height) >> dd->log2_chroma_h) : dst->height;
        unsigned to = (1u << dd->comp[c].depth) - 1;
        for (y = 0; y < h; y++) {
            if (c < ds->nb_components) {
                unsigned from = (1u << ds->comp[c].depth) - 1;
                av_read_image_line2(line, (const uint8_t **)src->data, src->linesize,
                                    ds, 0, y, c, w, !!(ds->flags & AV_PIX_FMT_FLAG_PAL),
                                    2);
                if (ds->flags & AV_PIX_FMT_FLAG_PAL)
                    from = 255;
                if (from != to)
                    for (x = 0; x < w; x++)
                        line[x] = (uint16_t)((line[x] * to + from / 2) / from);
            } else {
                for (x = 0; x < w; x++)
                    line[x] = (uint16_t)to;
            }
            av_write_image_line2(line, dst->data, dst->linesize, dd, 0, y, c, w, 2);
        }
    }
    av_free(line);
    return 0;
}

int cli_video_convert(struct SwsContext **sws, const AVFrame *src,
                      enum AVPixelFormat fmt, int w, int h, AVFrame **out)
{
    const int *coefs;
    AVFrame *dst;
    int ret, full, exact;

    *out = NULL;
    /* between a format and its work format: exact, by libswscale where it
     * is, sample by sample where it is not */
    exact = w == src->width && h == src->height &&
            (!sws_exact(src->format) || !sws_exact(fmt)) &&
            repack_possible(src->format, fmt);
    if (!exact) {
        *sws = sws_getCachedContext(*sws, src->width, src->height, src->format,
                                    w, h, fmt, SWS_BICUBIC | SWS_ACCURATE_RND |
                                    SWS_BITEXACT, NULL, NULL, NULL);
        if (!*sws)
            return AVERROR(ENOSYS);
        full = is_full_range(src);
        coefs = sws_getCoefficients(src->colorspace == AVCOL_SPC_UNSPECIFIED
                                    ? SWS_CS_DEFAULT : src->colorspace);
        sws_setColorspaceDetails(*sws, coefs, full, coefs, full, 0, 1 << 16, 1 << 16);
    }
    dst = av_frame_alloc();
    if (!dst)
        return AVERROR(ENOMEM);
    dst->format = fmt;
    dst->width = w;
    dst->height = h;
    if ((ret = av_frame_get_buffer(dst, 0)) < 0 ||
        (ret = av_frame_copy_props(dst, src)) < 0) {
        av_frame_free(&dst);
        return ret;
    }
    if (exact) {
        if ((ret = repack(src, dst)) < 0) {
            av_frame_free(&dst);
            return ret;
        }
    } else {
        sws_scale(*sws, (const uint8_t *const *)src->data, src->linesize, 0,
                  src->height, dst->data, dst->linesize);
    }
    *out = dst;
    return 0;
}

static int convert(VideoJob *j, struct SwsContext **sws, const AVFrame *src,
                   enum AVPixelFormat fmt, int w, int h, AVFrame **out)
{
    int ret = cli_video_convert(sws, src, fmt, w, h, out);

    if (ret == AVERROR(ENOSYS))
        cli_log(j->o, SP_LOG_ERROR, "cannot convert pictures from %s to %s\n",
                av_get_pix_fmt_name(src->format), av_get_pix_fmt_name(fmt));
    return ret;
}

/* ---- input ------------------------------------------------------------ */

static int open_input(VideoJob *j)
{
    const char *url = !strcmp(j->o->inputs[0], "-") ? "pipe:0" : j->o->inputs[0];
    const AVCodec *codec;
    char e[128];
    unsigned i;
    int ret;

    if (!(j->ifmt = avformat_alloc_context()))
        return AVERROR(ENOMEM);
    j->ifmt->interrupt_callback.callback = interrupt_cb;
    if ((ret = avformat_open_input(&j->ifmt, url, NULL, NULL)) < 0) {
        if (!cli_interrupted)
            input_error(j, ret);
        return ret;
    }
    if ((ret = avformat_find_stream_info(j->ifmt, NULL)) < 0) {
        if (!cli_interrupted)
            input_error(j, ret);
        return ret;
    }
    j->vidx = -1;
    for (i = 0; i < j->ifmt->nb_streams; i++) {
        AVStream *st = j->ifmt->streams[i];
        if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO ||
            (st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            continue;
        if (j->vidx < 0 || (st->disposition & AV_DISPOSITION_DEFAULT &&
                            !(j->vst->disposition & AV_DISPOSITION_DEFAULT))) {
            j->vidx = (int)i;
            j->vst = st;
        }
    }
    if (j->vidx < 0) {
        cli_log(j->o, SP_LOG_ERROR, "'%s' has no video stream: nothing to "
                "repair\n", j->in_name);
        return AVERROR_STREAM_NOT_FOUND;
    }
    codec = avcodec_find_decoder(j->vst->codecpar->codec_id);
    if (!codec) {
        cli_log(j->o, SP_LOG_ERROR, "'%s': its video codec (%s) cannot be "
                "decoded by this build of libavcodec\n", j->in_name,
                avcodec_get_name(j->vst->codecpar->codec_id));
        return AVERROR_DECODER_NOT_FOUND;
    }
    if (!(j->dec = avcodec_alloc_context3(codec)))
        return AVERROR(ENOMEM);
    if ((ret = avcodec_parameters_to_context(j->dec, j->vst->codecpar)) < 0)
        return ret;
    j->dec->pkt_timebase = j->vst->time_base;
    j->dec->thread_count = j->o->threads;
    j->dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    if ((ret = avcodec_open2(j->dec, codec, NULL)) < 0) {
        cli_log(j->o, SP_LOG_ERROR, "'%s': cannot open the %s decoder: %s\n",
                j->in_name, codec->name, err_str(ret, e, sizeof(e)));
        return ret;
    }
    /* transport streams start at an arbitrary clock: like ffmpeg, move
     * them to start at 0 (all streams alike, so sync and the spacing of
     * every frame are kept); other containers keep their timestamps */
    if ((j->ifmt->iformat->flags & AVFMT_TS_DISCONT) &&
        j->ifmt->start_time != AV_NOPTS_VALUE && j->ifmt->start_time > 0)
        j->ts_offset = -j->ifmt->start_time;
    cli_log(j->o, SP_LOG_VERBOSE, "input '%s': %s, video stream #%d: %s "
            "%dx%d\n", j->in_name, j->ifmt->iformat->name, j->vidx,
            codec->name, j->dec->width, j->dec->height);
    return 0;
}

/* ---- output ----------------------------------------------------------- */

static int copy_side_data(AVStream *dst, const AVStream *src)
{
#if LIBAVFORMAT_VERSION_MAJOR < 61
    int i;

    for (i = 0; i < src->nb_side_data; i++) {
        const AVPacketSideData *sd = &src->side_data[i];
        uint8_t *p;
        if (sd->type == AV_PKT_DATA_CPB_PROPERTIES && dst->codecpar->codec_type ==
            AVMEDIA_TYPE_VIDEO && src->codecpar->codec_id != dst->codecpar->codec_id)
            continue;
        p = av_stream_new_side_data(dst, sd->type, sd->size);
        if (!p)
            return AVERROR(ENOMEM);
        memcpy(p, sd->data, sd->size);
    }
#else
    int i;

    for (i = 0; i < src->codecpar->nb_coded_side_data; i++) {
        const AVPacketSideData *sd = &src->codecpar->coded_side_data[i];
        if (sd->type == AV_PKT_DATA_CPB_PROPERTIES)
            continue;
        if (!av_packet_side_data_add(&dst->codecpar->coded_side_data,
                                     &dst->codecpar->nb_coded_side_data,
                                     sd->type, av_memdup(sd->data, sd->size),
                                     sd->size, 0))
            return AVERROR(ENOMEM);
    }
#endif
    return 0;
}

/* Create the output context and its streams (the video's parameters come
 * when the encoder opens), open the temporary file. */
static int open_output(VideoJob *j)
{
    const AVOutputFormat *of;
    const char *url, *name = j->o->output;
    char urlbuf[4200];
    unsigned i;
    int ret;

    ret = avformat_alloc_output_context2(&j->ofmt, NULL, j->o->format,
                                         strcmp(name, "-") ? name : NULL);
    if (ret < 0 || !j->ofmt) {
        if (j->o->format)
            cli_log(j->o, SP_LOG_ERROR, "unknown output format '%s': see "
                    "'ffmpeg -muxers' for the names\n", j->o->format);
        else
            cli_log(j->o, SP_LOG_ERROR, "cannot tell the container from the "
                    "name '%s': use a known extension (.mp4, .mkv, .mov, ...) "
                    "or -f\n", j->out_name);
        return CLI_EXIT_USAGE;
    }
    of = j->ofmt->oformat;
    j->nb_map = (int)j->ifmt->nb_streams;
    if (!(j->map = av_malloc_array(j->nb_map, sizeof(*j->map))))
        return AVERROR(ENOMEM);
    for (i = 0; i < j->ifmt->nb_streams; i++) {
        AVStream *ist = j->ifmt->streams[i], *ost;
        const AVCodecParameters *par = ist->codecpar;
        j->map[i] = -1;
        if ((int)i != j->vidx) {
            /* attachments (fonts, cover files) have a home in matroska
             * only, whatever its codec query says */
            int fits = par->codec_type == AVMEDIA_TYPE_ATTACHMENT
                       ? strstr(of->name, "matroska") != NULL
                       : par->codec_id != AV_CODEC_ID_NONE &&
                         avformat_query_codec(of, par->codec_id, FF_COMPLIANCE_NORMAL) != 0;
            if (!fits) {
                cli_log(j->o, SP_LOG_WARNING, "stream #%u (%s %s) of '%s' cannot "
                        "go into a %s file: left out\n", i,
                        av_get_media_type_string(par->codec_type)
                        ? av_get_media_type_string(par->codec_type) : "data",
                        avcodec_get_name(par->codec_id), j->in_name, of->name);
                continue;
            }
        }
        if (!(ost = avformat_new_stream(j->ofmt, NULL)))
            return AVERROR(ENOMEM);
        j->map[i] = ost->index;
        if ((int)i != j->vidx) {
            unsigned tag = par->codec_tag;
            if ((ret = avcodec_parameters_copy(ost->codecpar, par)) < 0)
                return ret;
            /* keep the input's codec tag only where the container maps it
             * to the same codec */
            if (of->codec_tag && tag &&
                av_codec_get_id(of->codec_tag, tag) != par->codec_id)
                ost->codecpar->codec_tag = 0;
            ost->time_base = ist->time_base;
            if ((ret = copy_side_data(ost, ist)) < 0)
                return ret;
        }
        ost->disposition = ist->disposition;
        ost->avg_frame_rate = ist->avg_frame_rate;
        ost->r_frame_rate = ist->r_frame_rate;
        ost->sample_aspect_ratio = ist->sample_aspect_ratio;
        av_dict_copy(&ost->metadata, ist->metadata, 0);
    }
    av_dict_copy(&j->ofmt->metadata, j->ifmt->metadata, 0);

    if (of->flags & AVFMT_NOFILE)
        return 0;
    if (!strcmp(name, "-")) {
        url = "pipe:1";
    } else {
        if ((ret = cli_temp_path(name, j->tmp, sizeof(j->tmp))) < 0) {
            cli_log(j->o, SP_LOG_ERROR, "the output name '%s' is too long\n",
                    j->out_name);
            return AVERROR(ENAMETOOLONG);
        }
        snprintf(urlbuf, sizeof(urlbuf), "file:%s", j->tmp);
        url = urlbuf;
    }
    if ((ret = avio_open(&j->ofmt->pb, url, AVIO_FLAG_WRITE)) < 0) {
        j->tmp[0] = 0;
        output_error(j, "opening", ret);
        return ret;
    }
    j->io_open = 1;
    return 0;
}

typedef struct EncChoice {
    const char *name;
    int crf;
} EncChoice;

/* The encoder for the input's codec family, at visually lossless quality. */
static const AVCodec *family_encoder(enum AVCodecID id, int *crf)
{
    static const struct { enum AVCodecID id; EncChoice c[2]; } table[] = {
        { AV_CODEC_ID_H264, { { "libx264", 18 }, { NULL, 0 } } },
        { AV_CODEC_ID_HEVC, { { "libx265", 20 }, { "libx264", 18 } } },
        { AV_CODEC_ID_VP9,  { { "libvpx-vp9", 18 }, { "libx264", 18 } } },
        { AV_CODEC_ID_VP8,  { { "libvpx-vp9", 18 }, { "libx264", 18 } } },
        { AV_CODEC_ID_AV1,  { { "libsvtav1", 20 }, { "libaom-av1", 18 } } },
        { AV_CODEC_ID_PRORES, { { "prores_ks", -1 }, { "libx264", 18 } } },
    };
    const AVCodecDescriptor *d = avcodec_descriptor_get(id);
    const AVCodec *c;
    size_t i;
    int k;

    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (table[i].id != id)
            continue;
        for (k = 0; k < 2; k++)
            if (table[i].c[k].name &&
                (c = avcodec_find_encoder_by_name(table[i].c[k].name))) {
                *crf = table[i].c[k].crf;
                return c;
            }
    }
    /* lossless codecs (ffv1, huffyuv, utvideo, rawvideo, png) stay lossless */
    if (d && (d->props & AV_CODEC_PROP_LOSSLESS) && !(d->props & AV_CODEC_PROP_LOSSY) &&
        (c = avcodec_find_encoder(id))) {
        *crf = -1;
        return c;
    }
    *crf = 18;
    return avcodec_find_encoder_by_name("libx264");
}

static int has_option(void *obj, const char *name)
{
    return av_opt_find(obj, name, NULL, 0, 0) != NULL;
}

/* Open the encoder for the first decoded frame f, finish the video
 * stream's parameters, write the header and the packets queued so far. */
static int open_encoder(VideoJob *j, const AVFrame *f)
{
    const CliOptions *o = j->o;
    const AVOutputFormat *of = j->ofmt->oformat;
    const AVCodec *codec = NULL;
    enum AVPixelFormat want;
    AVStream *ost = j->ofmt->streams[j->map[j->vidx]];
    AVRational fr;
    char e[128];
    int ret, crf = -1, i;

    if (o->codec) {
        const AVCodecDescriptor *d;
        if (!strcmp(o->codec, "copy")) {
            cli_log(o, SP_LOG_ERROR, "-c:v copy would write the video "
                    "unrepaired: name an encoder, or leave -c:v out\n");
            return CLI_EXIT_USAGE;
        }
        codec = avcodec_find_encoder_by_name(o->codec);
        if (!codec && (d = avcodec_descriptor_get_by_name(o->codec)))
            codec = avcodec_find_encoder(d->id);
        if (!codec || codec->type != AVMEDIA_TYPE_VIDEO) {
            cli_log(o, SP_LOG_ERROR, "unknown video encoder '%s': see "
                    "'ffmpeg -encoders' for the names\n", o->codec);
            return CLI_EXIT_USAGE;
        }
        family_encoder(codec->id, &crf);
    } else {
        codec = family_encoder(j->vst->codecpar->codec_id, &crf);
        if (of->video_codec == AV_CODEC_ID_WRAPPED_AVFRAME) {
            /* y4m: the pictures themselves */
            codec = avcodec_find_encoder(AV_CODEC_ID_WRAPPED_AVFRAME);
            crf = -1;
        } else if (codec && avformat_query_codec(of, codec->id, FF_COMPLIANCE_NORMAL) == 0) {
            /* the container does not take the input's family: its own
             * default video codec then */
            cli_log(o, SP_LOG_VERBOSE, "%s cannot go into %s: using %s\n",
                    codec->name, of->name, avcodec_get_name(of->video_codec));
            codec = of->video_codec == AV_CODEC_ID_H264
                    ? avcodec_find_encoder_by_name("libx264") : NULL;
            if (!codec)
                codec = avcodec_find_encoder(of->video_codec);
            crf = codec && codec->id == AV_CODEC_ID_H264 ? 18 : -1;
        }
        if (!codec) {
            cli_log(o, SP_LOG_ERROR, "no video encoder available for '%s': "
                    "choose one with -c:v\n", j->out_name);
            return AVERROR_ENCODER_NOT_FOUND;
        }
    }

    if (!(j->enc = avcodec_alloc_context3(codec)))
        return AVERROR(ENOMEM);
    /* the pixel format: the input's unless told, if the encoder takes it */
    want = f->format;
    if (o->pix_fmt && (want = av_get_pix_fmt(o->pix_fmt)) == AV_PIX_FMT_NONE) {
        cli_log(o, SP_LOG_ERROR, "unknown pixel format '%s': see 'ffmpeg "
                "-pix_fmts' for the names\n", o->pix_fmt);
        return CLI_EXIT_USAGE;
    }
    if (codec->pix_fmts) {
        for (i = 0; codec->pix_fmts[i] != AV_PIX_FMT_NONE; i++)
            if (codec->pix_fmts[i] == want)
                break;
        if (codec->pix_fmts[i] == AV_PIX_FMT_NONE) {
            const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(want);
            enum AVPixelFormat best = avcodec_find_best_pix_fmt_of_list(
                codec->pix_fmts, want, d && (d->flags & AV_PIX_FMT_FLAG_ALPHA), NULL);
            cli_log(o, o->pix_fmt ? SP_LOG_WARNING : SP_LOG_VERBOSE,
                    "%s does not take %s pictures: writing %s\n", codec->name,
                    av_get_pix_fmt_name(want), av_get_pix_fmt_name(best));
            want = best;
        }
    }
    if (want != j->work_fmt && !sws_isSupportedOutput(want) &&
        !repack_possible(j->work_fmt, want)) {
        /* libswscale cannot write it (nv16, ...): the planar format the
         * repair worked in, which the encoder then must take */
        for (i = 0; codec->pix_fmts && codec->pix_fmts[i] != AV_PIX_FMT_NONE; i++)
            if (codec->pix_fmts[i] == j->work_fmt)
                break;
        if (codec->pix_fmts && codec->pix_fmts[i] == AV_PIX_FMT_NONE) {
            cli_log(o, SP_LOG_ERROR, "cannot write %s pictures with %s: "
                    "choose another -pix_fmt or -c:v\n",
                    av_get_pix_fmt_name(want), codec->name);
            return CLI_EXIT_USAGE;
        }
        cli_log(o, SP_LOG_VERBOSE, "writing %s instead of %s\n",
                av_get_pix_fmt_name(j->work_fmt), av_get_pix_fmt_name(want));
        want = j->work_fmt;
    }
    j->enc->pix_fmt = want;
    j->enc->width = j->work_w;
    j->enc->height = j->work_h;
    j->enc->sample_aspect_ratio = f->sample_aspect_ratio.num
                                  ? f->sample_aspect_ratio
                                  : j->vst->codecpar->sample_aspect_ratio;
    j->enc->color_range = f->color_range;
    j->enc->color_primaries = f->color_primaries;
    j->enc->color_trc = f->color_trc;
    j->enc->colorspace = f->colorspace;
    j->enc->chroma_sample_location = f->chroma_location != AVCHROMA_LOC_UNSPECIFIED
                                     ? f->chroma_location : j->dec->chroma_sample_location;
    j->enc->field_order = j->dec->field_order;
    {
        /* converted between RGB and YUV (-pix_fmt): tag what libswscale
         * wrote (full range; BT.601 matrix from RGB) */
        const AVPixFmtDescriptor *din = av_pix_fmt_desc_get(f->format);
        const AVPixFmtDescriptor *dout = av_pix_fmt_desc_get(want);
        int rgb_in = din && (din->flags & AV_PIX_FMT_FLAG_RGB);
        int rgb_out = dout && (dout->flags & AV_PIX_FMT_FLAG_RGB);
        if (rgb_in != rgb_out) {
            j->enc->colorspace = rgb_out ? AVCOL_SPC_RGB : AVCOL_SPC_SMPTE170M;
            j->enc->color_range = rgb_out ? AVCOL_RANGE_UNSPECIFIED
                                          : AVCOL_RANGE_JPEG;
        }
    }
    fr = av_guess_frame_rate(j->ifmt, j->vst, NULL);
    if (fr.num > 0 && fr.den > 0)
        j->enc->framerate = fr;
    /* timestamps pass through: the input stream's own time base, except
     * for containers without timestamps (y4m), which take it as the rate */
    j->enc->time_base = j->vst->time_base;
    if ((of->flags & AVFMT_NOTIMESTAMPS) && fr.num > 0 && fr.den > 0)
        j->enc->time_base = av_inv_q(fr);
    j->enc_tb = j->enc->time_base;
    j->enc->thread_count = o->threads;
    if (of->flags & AVFMT_GLOBALHEADER)
        j->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

    if (o->bitrate && (ret = av_opt_set(j->enc, "b", o->bitrate, 0)) < 0) {
        cli_log(o, SP_LOG_ERROR, "invalid bit rate '%s' for -b:v (e.g. 8M, "
                "2500k)\n", o->bitrate);
        return CLI_EXIT_USAGE;
    }
    if (o->qscale >= 0) {
        j->enc->flags |= AV_CODEC_FLAG_QSCALE;
        j->enc->global_quality = FF_QP2LAMBDA * o->qscale;
    }
    if (o->crf >= 0 || (crf >= 0 && !o->bitrate && o->qscale < 0)) {
        int v = o->crf >= 0 ? o->crf : crf;
        if (has_option(j->enc->priv_data, "crf")) {
            av_opt_set_int(j->enc->priv_data, "crf", v, 0);
            if (codec->id == AV_CODEC_ID_VP9 && !o->bitrate)
                j->enc->bit_rate = 0;
        } else if (o->crf >= 0) {
            cli_log(o, SP_LOG_WARNING, "%s has no -crf: ignored\n", codec->name);
        }
    }
    if (o->preset) {
        if (!has_option(j->enc->priv_data, "preset") ||
            av_opt_set(j->enc->priv_data, "preset", o->preset, 0) < 0) {
            cli_log(o, SP_LOG_ERROR, "%s has no preset '%s'\n", codec->name,
                    o->preset);
            return CLI_EXIT_USAGE;
        }
    }
    /* SVT-AV1 prints its banner unless told otherwise, by environment */
    if (!strcmp(codec->name, "libsvtav1") && o->loglevel < SP_LOG_VERBOSE)
        setenv("SVT_LOG", "1", 0);
    if (!strcmp(codec->name, "libx265"))
        av_opt_set(j->enc->priv_data, "x265-params", o->loglevel >= SP_LOG_DEBUG
                   ? "log-level=debug" : o->loglevel >= SP_LOG_VERBOSE
                   ? "log-level=info" : "log-level=error", 0);
    if ((ret = avcodec_open2(j->enc, codec, NULL)) < 0) {
        cli_log(o, SP_LOG_ERROR, "cannot open the %s encoder for %dx%d %s: "
                "%s\n", codec->name, j->enc->width, j->enc->height,
                av_get_pix_fmt_name(want), err_str(ret, e, sizeof(e)));
        return ret;
    }
    if ((ret = avcodec_parameters_from_context(ost->codecpar, j->enc)) < 0)
        return ret;
    /* the same codec as the input's keeps its tag where the container maps
     * it to that codec (HEVC from an iPhone stays 'hvc1', not 'hev1') */
    if (codec->id == j->vst->codecpar->codec_id && j->vst->codecpar->codec_tag &&
        of->codec_tag && av_codec_get_id(of->codec_tag,
                                         j->vst->codecpar->codec_tag) == codec->id)
        ost->codecpar->codec_tag = j->vst->codecpar->codec_tag;
    ost->time_base = j->enc->time_base;
    if ((ret = copy_side_data(ost, j->vst)) < 0)
        return ret;
    cli_log(o, SP_LOG_VERBOSE, "output '%s': %s, video: %s %s%s\n", j->out_name,
            of->name, codec->name, av_get_pix_fmt_name(want),
            want != j->work_fmt ? " (converted)" : "");

    if ((ret = avformat_write_header(j->ofmt, NULL)) < 0) {
        if (!strcmp(o->output, "-") && ret == AVERROR(EINVAL))
            cli_log(o, SP_LOG_ERROR, "cannot write %s to standard output (it "
                    "needs a seekable file): use -f nut, -f matroska or -f "
                    "yuv4mpegpipe on a pipe\n", of->name);
        else
            output_error(j, "header", ret);
        return ret;
    }
    j->header_written = 1;
    for (i = 0; i < j->nb_queue; i++) {
        AVPacket *p = j->queue[i];
        AVStream *st = j->ofmt->streams[p->stream_index];
        av_packet_rescale_ts(p, p->time_base, st->time_base);
        ret = av_interleaved_write_frame(j->ofmt, p);
        av_packet_free(&j->queue[i]);
        if (ret < 0) {
            output_error(j, "packet", ret);
            return ret;
        }
    }
    j->nb_queue = 0;
    return 0;
}

/* Write pkt (timestamps in tb) to output stream idx, or hold it until the
 * header is written. */
static int mux(VideoJob *j, AVPacket *pkt, int idx, AVRational tb)
{
    int ret;

    pkt->stream_index = idx;
    pkt->pos = -1;
    if (!j->header_written) {
        AVPacket *c;
        if (j->nb_queue == j->queue_cap) {
            int cap = j->queue_cap ? j->queue_cap * 2 : 64;
            AVPacket **n = av_realloc_array(j->queue, cap, sizeof(*n));
            if (!n)
                return AVERROR(ENOMEM);
            j->queue = n;
            j->queue_cap = cap;
        }
        if (!(c = av_packet_clone(pkt)))
            return AVERROR(ENOMEM);
        c->time_base = tb;
        j->queue[j->nb_queue++] = c;
        av_packet_unref(pkt);
        return 0;
    }
    av_packet_rescale_ts(pkt, tb, j->ofmt->streams[idx]->time_base);
    ret = av_interleaved_write_frame(j->ofmt, pkt);
    if (ret < 0)
        output_error(j, "packet", ret);
    return ret;
}

/* ---- frames ----------------------------------------------------------- */

static void release_wrap(SpFrame *sf)
{
    Wrap *w = (Wrap *)sf;

    av_frame_free(&w->av);
    av_free(w);
}

/* Drain the encoder's packets into the muxer. */
static int drain_encoder(VideoJob *j)
{
    int ret;

    for (;;) {
        ret = avcodec_receive_packet(j->enc, j->opkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0) {
            char e[128];
            cli_log(j->o, SP_LOG_ERROR, "encoding '%s' failed: %s\n",
                    j->out_name, err_str(ret, e, sizeof(e)));
            return ret;
        }
        if ((ret = mux(j, j->opkt, j->map[j->vidx], j->enc_tb)) < 0)
            return ret;
    }
}

/* A repaired frame from the library: into the report, the encoder. */
static int output_frame(VideoJob *j, SpFrame *sf)
{
    AVFrame *av = ((Wrap *)sf)->av, *ef = av, *conv = NULL;
    double t = av->pts != AV_NOPTS_VALUE
               ? (av->pts - j->first_pts) * av_q2d(j->vst->time_base) : -1;
    int ret;

    if (j->report && (ret = cli_report_frame(j->report, j->sp, sf,
                      av->pts != AV_NOPTS_VALUE ? av->pts * av_q2d(j->vst->time_base)
                                                : -1, NULL)) < 0) {
        cli_log(j->o, SP_LOG_ERROR, "cannot write the report '%s'\n", j->o->report);
        return ret;
    }
    j->frames_out++;
    if (!j->analyze) {
        if (j->enc->pix_fmt != j->work_fmt) {
            if ((ret = convert(j, &j->sws_out, av, j->enc->pix_fmt, j->enc->width,
                               j->enc->height, &conv)) < 0)
                return ret;
            ef = conv;
        }
        ef->pict_type = AV_PICTURE_TYPE_NONE;
        ef->pts = av_rescale_q(ef->pts, j->vst->time_base, j->enc_tb);
        ret = avcodec_send_frame(j->enc, ef);
        av_frame_free(&conv);
        if (ret < 0) {
            char e[128];
            cli_log(j->o, SP_LOG_ERROR, "encoding '%s' failed: %s\n",
                    j->out_name, err_str(ret, e, sizeof(e)));
            return ret;
        }
        if ((ret = drain_encoder(j)) < 0)
            return ret;
    }
    if (j->prog_open)
        cli_progress_update(&j->prog, j->frames_out, t > 0 ? t : 0, 0);
    return 0;
}

/* Everything the library can give back now. */
static int drain_library(VideoJob *j)
{
    SpFrame *sf;
    int ret;

    for (;;) {
        ret = sp_receive_frame(j->sp, &sf);
        if (ret == -EAGAIN || ret == SP_EOF)
            return 0;
        if (ret < 0)
            return ret;
        if ((ret = output_frame(j, sf)) < 0)
            return ret;
    }
}

/* Make *pav writable: a copy when the decoder still holds the picture,
 * into a buffer from a pool, so that the frames the ring holds cost no
 * allocation (nor page faults) per frame once the pool is warm. */
static int make_writable(VideoJob *j, AVFrame **pav)
{
    AVFrame *src = *pav, *dst;
    int ret, size;

    if (av_frame_is_writable(src))
        return 0;
    size = av_image_get_buffer_size(src->format, src->width, src->height, 64);
    if (size < 0)
        return size;
    if (!j->pool || j->pool_size != size) {
        av_buffer_pool_uninit(&j->pool);
        if (!(j->pool = av_buffer_pool_init(size, NULL)))
            return AVERROR(ENOMEM);
        j->pool_size = size;
    }
    if (!(dst = av_frame_alloc()))
        return AVERROR(ENOMEM);
    dst->format = src->format;
    dst->width = src->width;
    dst->height = src->height;
    if (!(dst->buf[0] = av_buffer_pool_get(j->pool))) {
        av_frame_free(&dst);
        return AVERROR(ENOMEM);
    }
    if ((ret = av_image_fill_arrays(dst->data, dst->linesize, dst->buf[0]->data,
                                    src->format, src->width, src->height, 64)) < 0 ||
        (ret = av_frame_copy(dst, src)) < 0 ||
        (ret = av_frame_copy_props(dst, src)) < 0) {
        av_frame_free(&dst);
        return ret;
    }
    av_frame_free(pav);
    *pav = dst;
    return 0;
}

/* A decoded frame: open what waits for the first one, wrap it, send it to
 * the library. */
static int take_frame(VideoJob *j, AVFrame *frame)
{
    AVFrame *av = NULL;
    Wrap *w = NULL;
    int64_t pts = frame->best_effort_timestamp;
    int ret, p;

    if (!j->frames_in) {
        j->work_w = frame->width;
        j->work_h = frame->height;
        j->work_fmt = cli_video_work_format(frame->format);
        cli_video_layout(j->work_fmt, &j->layout);
        if (j->work_fmt != frame->format)
            cli_log(j->o, SP_LOG_VERBOSE, "pictures converted from %s to %s "
                    "for the repair\n", av_get_pix_fmt_name(frame->format),
                    av_get_pix_fmt_name(j->work_fmt));
        if (!j->analyze && (ret = open_encoder(j, frame)) != 0)
            return ret;
        if ((j->o->report || j->o->save_profile) &&
            (ret = cli_report_open(&j->report, j->o, j->o->report,
                                   j->in_name, j->work_w, j->work_h)) < 0)
            return ret;
        j->first_pts = pts != AV_NOPTS_VALUE ? pts : 0;
    }
    /* a frame without a timestamp follows the last one */
    if (pts == AV_NOPTS_VALUE) {
        AVRational fr = av_guess_frame_rate(j->ifmt, j->vst, NULL);
        int64_t step = fr.num > 0 ? av_rescale_q(1, av_inv_q(fr), j->vst->time_base) : 1;
        pts = j->frames_in ? j->last_pts + (step > 0 ? step : 1) : 0;
    } else if (j->frames_in && pts <= j->last_pts) {
        cli_log(j->o, SP_LOG_WARNING, "frame %lld of '%s' does not come after "
                "the one before it (pts %lld after %lld): moved by one tick\n",
                (long long)j->frames_in, j->in_name, (long long)pts,
                (long long)j->last_pts);
        pts = j->last_pts + 1;
    }
    frame->pts = pts;
    j->last_pts = pts;
    if (frame->decode_error_flags || (frame->flags & AV_FRAME_FLAG_CORRUPT))
        j->bad_frames++;
    j->frames_in++;

    if (frame->format == j->work_fmt && frame->width == j->work_w &&
        frame->height == j->work_h) {
        if (!(av = av_frame_alloc()))
            return AVERROR(ENOMEM);
        av_frame_move_ref(av, frame);
        /* the decoder may still read this picture as a reference: the
         * library writes into a copy then */
        if ((ret = make_writable(j, &av)) < 0)
            goto fail;
    } else {
        if (frame->width != j->work_w || frame->height != j->work_h)
            cli_log(j->o, SP_LOG_WARNING, "frame %lld of '%s' is %dx%d, not "
                    "%dx%d like the first: scaled\n", (long long)j->frames_in - 1,
                    j->in_name, frame->width, frame->height, j->work_w, j->work_h);
        if ((ret = convert(j, &j->sws_in, frame, j->work_fmt, j->work_w,
                           j->work_h, &av)) < 0)
            goto fail;
        av_frame_unref(frame);
    }
    if (!(w = av_mallocz(sizeof(*w)))) {
        ret = AVERROR(ENOMEM);
        goto fail;
    }
    w->sf = j->layout;
    w->sf.width = av->width;
    w->sf.height = av->height;
    for (p = 0; p < w->sf.nb_planes; p++) {
        w->sf.data[p] = av->data[p];
        w->sf.stride[p] = av->linesize[p];
    }
    w->av = av;
    w->sf.opaque = j;
    w->sf.release = release_wrap;
    av = NULL;
    while ((ret = sp_send_frame(j->sp, &w->sf)) == -EAGAIN) {
        SpFrame *sf;
        if ((ret = sp_receive_frame(j->sp, &sf)) < 0 ||
            (ret = output_frame(j, sf)) < 0)
            break;
    }
    if (ret < 0) {
        /* the library did not take it */
        release_wrap(&w->sf);
        return ret;
    }
    return drain_library(j);
fail:
    av_frame_free(&av);
    return ret;
}

static int drain_decoder(VideoJob *j)
{
    int ret;

    for (;;) {
        ret = avcodec_receive_frame(j->dec, j->frame);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0) {
            /* a damaged picture: counted, skipped */
            j->bad_packets++;
            return 0;
        }
        ret = take_frame(j, j->frame);
        av_frame_unref(j->frame);
        if (ret != 0)
            return ret;
        if (cli_interrupted)
            return 0;
    }
}

static int decode_packet(VideoJob *j, AVPacket *pkt)
{
    int ret = avcodec_send_packet(j->dec, pkt);

    if (ret < 0 && ret != AVERROR(EAGAIN) && ret != AVERROR_EOF) {
        char e[128];
        j->bad_packets++;
        cli_log(j->o, SP_LOG_VERBOSE, "'%s': a damaged video packet at pts %lld: "
                "%s\n", j->in_name, pkt ? (long long)pkt->pts : -1LL,
                err_str(ret, e, sizeof(e)));
    }
    return drain_decoder(j);
}

/* ---- the job ---------------------------------------------------------- */

static int setup_library(VideoJob *j)
{
    const CliOptions *o = j->o;
    SpSettings s;
    int w = 0, h = 0, ret;

    sp_default_settings(&s);
    s.threads = o->threads;
    s.lookahead = o->lookahead;
    s.options = o->lib_options;
    s.log = cli_lib_log;
    s.log_opaque = (void *)o;
    s.log_level = o->loglevel;
    if (o->mask) {
        if ((ret = cli_load_mask(o, o->mask, &j->mask, &w, &h)) < 0)
            return CLI_EXIT_ERROR;
        s.mask = j->mask;
        s.mask_width = w;
        s.mask_height = h;
        s.mask_stride = w;
    }
    if ((ret = cli_profile_setup(o, o->inputs[0], 0, &s, &j->profile)) != CLI_EXIT_OK)
        return ret;
    ret = sp_open(&j->sp, &s);
    if (ret == -EINVAL)
        return CLI_EXIT_USAGE; /* a bad filter option, already named */
    if (ret < 0) {
        cli_log(o, SP_LOG_ERROR, "cannot set up the repair: %s\n",
                sp_error_string(ret));
        return CLI_EXIT_ERROR;
    }
    return 0;
}

static int run(VideoJob *j)
{
    int ret;

    if ((ret = setup_library(j)) != 0)
        return ret;
    if ((ret = open_input(j)) < 0)
        return ret;
    if (!j->analyze && (ret = open_output(j)) != 0)
        return ret;
    if (cli_progress_open(&j->prog, j->o) < 0)
        return CLI_EXIT_ERROR;
    j->prog_open = 1;
    if (j->ifmt->duration > 0)
        j->prog.total = j->ifmt->duration / (double)AV_TIME_BASE;
    if (!(j->pkt = av_packet_alloc()) || !(j->opkt = av_packet_alloc()) ||
        !(j->frame = av_frame_alloc()))
        return AVERROR(ENOMEM);

    while (!cli_interrupted) {
        int idx;
        ret = av_read_frame(j->ifmt, j->pkt);
        if (ret == AVERROR(EAGAIN))
            continue;
        if (ret < 0) {
            if (ret != AVERROR_EOF && !cli_interrupted) {
                char e[128];
                cli_log(j->o, SP_LOG_WARNING, "reading '%s' stopped early: %s: "
                        "the input is truncated or damaged; repairing what "
                        "was read\n", j->in_name, err_str(ret, e, sizeof(e)));
                j->read_error = 1;
            }
            break;
        }
        idx = j->pkt->stream_index;
        ret = 0;
        if (j->ts_offset && idx < (int)j->ifmt->nb_streams) {
            int64_t d = av_rescale_q(j->ts_offset, AV_TIME_BASE_Q,
                                     j->ifmt->streams[idx]->time_base);
            if (j->pkt->pts != AV_NOPTS_VALUE)
                j->pkt->pts += d;
            if (j->pkt->dts != AV_NOPTS_VALUE)
                j->pkt->dts += d;
        }
        if (idx == j->vidx) {
            ret = decode_packet(j, j->pkt);
        } else if (!j->analyze && idx < j->nb_map && j->map[idx] >= 0) {
            ret = mux(j, j->pkt, j->map[idx], j->ifmt->streams[idx]->time_base);
        }
        av_packet_unref(j->pkt);
        if (ret != 0)
            return ret;
    }
    if (cli_interrupted)
        return 0;
    /* flush: decoder, library, encoder */
    if ((ret = decode_packet(j, NULL)) != 0)
        return ret;
    if (cli_interrupted)
        return 0;
    if (!j->frames_in) {
        cli_log(j->o, SP_LOG_ERROR, "no picture could be decoded from '%s': "
                "it is damaged or truncated\n", j->in_name);
        return CLI_EXIT_ERROR;
    }
    if ((ret = sp_send_frame(j->sp, NULL)) < 0 || (ret = drain_library(j)) < 0)
        return ret;
    if (!j->analyze) {
        if ((ret = avcodec_send_frame(j->enc, NULL)) < 0 ||
            (ret = drain_encoder(j)) < 0)
            return ret;
        if ((ret = av_write_trailer(j->ofmt)) < 0) {
            output_error(j, "trailer", ret);
            return ret;
        }
        if (j->ofmt->pb) {
            avio_flush(j->ofmt->pb);
            if (j->ofmt->pb->error < 0) {
                output_error(j, "flush", j->ofmt->pb->error);
                return j->ofmt->pb->error;
            }
        }
    }
    if (j->prog_open)
        cli_progress_update(&j->prog, j->frames_out,
                            (j->last_pts - j->first_pts) * av_q2d(j->vst->time_base), 1);
    if (j->bad_packets || j->bad_frames || j->read_error || atomic_load(&av_errors) ||
        (j->vst->nb_frames > 0 && j->frames_in < j->vst->nb_frames)) {
        char announced[64] = "";
        if (j->vst->nb_frames > 0)
            snprintf(announced, sizeof(announced), " of %lld announced",
                     (long long)j->vst->nb_frames);
        cli_log(j->o, SP_LOG_WARNING, "'%s' is damaged or truncated: %lld "
                "pictures decoded%s, %lld of them damaged, %lld packets "
                "unreadable, %d read or decode errors; %s (-v verbose "
                "shows the errors)\n", j->in_name, (long long)j->frames_in,
                announced, (long long)j->bad_frames, (long long)j->bad_packets,
                atomic_load(&av_errors),
                j->analyze ? "analysed what decodes" : "repaired what decodes");
    }
    return 0;
}

int cli_run_video(const CliOptions *o)
{
    VideoJob job, *j = &job;
    int ret, ok, i;

    memset(j, 0, sizeof(*j));
    j->o = o;
    j->analyze = o->command == CLI_ANALYZE;
    j->in_name = strcmp(o->inputs[0], "-") ? o->inputs[0] : "standard input";
    j->out_name = o->output && !strcmp(o->output, "-") ? "standard output" : o->output;
    j->vidx = -1;

    av_log_set_callback(av_log_to_cli);
    av_log_set_level(o->loglevel >= SP_LOG_DEBUG ? AV_LOG_DEBUG
                     : o->loglevel >= SP_LOG_VERBOSE ? AV_LOG_WARNING
                     : AV_LOG_ERROR);
    if (!j->analyze && (ret = cli_check_output(o, o->inputs[0], o->output)) != CLI_EXIT_OK)
        return ret;
    /* the report is an output too: never overwritten without -y */
    if (o->report && strcmp(o->report, "-") &&
        (ret = cli_check_output(o, o->inputs[0], o->report)) != CLI_EXIT_OK)
        return ret;

    ret = run(j);
    ok = ret == 0 && !cli_interrupted;
    /* every other failure was named where it happened */
    if (ret == AVERROR(ENOMEM) || ret == -ENOMEM)
        cli_log(o, SP_LOG_ERROR, "out of memory\n");

    /* close everything; keep the output only when all went well */
    if (j->prog_open)
        cli_progress_close(&j->prog);
    if (cli_report_close(&j->report, ok) < 0 && ok) {
        ok = 0; /* named by the report writer */
        ret = CLI_EXIT_ERROR;
    }
    sp_close(&j->sp);
    if (j->ofmt) {
        if (j->io_open) {
            int cret = avio_closep(&j->ofmt->pb);
            if (cret < 0 && ok) {
                output_error(j, "close", cret);
                ok = 0;
                ret = cret;
            }
        }
        avformat_free_context(j->ofmt);
    }
    if (j->tmp[0]) {
        if (ok) {
            if (cli_commit_output(o, j->tmp, o->output) < 0) {
                ok = 0;
                ret = CLI_EXIT_ERROR;
            }
        } else {
            unlink(j->tmp);
        }
    }
    for (i = 0; i < j->nb_queue; i++)
        av_packet_free(&j->queue[i]);
    av_free(j->queue);
    av_free(j->map);
    avcodec_free_context(&j->dec);
    avcodec_free_context(&j->enc);
    avformat_close_input(&j->ifmt);
    sws_freeContext(j->sws_in);
    sws_freeContext(j->sws_out);
    av_packet_free(&j->pkt);
    av_packet_free(&j->opkt);
    av_frame_free(&j->frame);
    av_buffer_pool_uninit(&j->pool); /* freed once its last buffer is */
    free(j->mask);
    free(j->profile);

    if (cli_interrupted) {
        cli_log(o, SP_LOG_ERROR, "interrupted: %s\n", j->analyze
                ? "no report written" : "no output written");
        return CLI_EXIT_SIGNAL;
    }
    if (ok)
        return CLI_EXIT_OK;
    return ret > 0 ? ret : CLI_EXIT_ERROR;
}
