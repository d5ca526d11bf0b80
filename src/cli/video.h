/*
 * The video job's pixel format mapping, shared with its unit test: which
 * libavutil pixel formats the library reads in place, the planar format
 * any other one is converted to, and the conversion.
 */
#ifndef SPOTHEAL_SRC_CLI_VIDEO_H
#define SPOTHEAL_SRC_CLI_VIDEO_H

#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>

struct SwsContext;

#include "src/spotheal.h"

/* 0 if frames of fmt can be handed to the library as they are (and then
 * f, if not NULL, gets their layout: planes, depth, colour, subsampling,
 * alpha), else -1. */
int cli_video_layout(enum AVPixelFormat fmt, SpFrame *f);

/* fmt itself if the library reads it in place, else the planar format of
 * the same colour family, subsampling and alpha with the least depth that
 * holds fmt's. */
enum AVPixelFormat cli_video_work_format(enum AVPixelFormat fmt);

/* Convert src into a new frame *out of format fmt at w x h (src's
 * properties copied) through a cached libswscale context. Between a
 * format and its work format the conversion is exact both ways. Returns 0,
 * AVERROR(ENOSYS) when libswscale cannot convert, or another error. */
int cli_video_convert(struct SwsContext **sws, const AVFrame *src,
                      enum AVPixelFormat fmt, int w, int h, AVFrame **out);

#endif /* SPOTHEAL_SRC_CLI_VIDEO_H */
