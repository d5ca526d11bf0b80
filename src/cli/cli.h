/*
 * The spotheal program: what its parts share. The program uses the library
 * only through src/spotheal.h; decoding and encoding (libav*, libjpeg-turbo,
 * libpng) live here, outside the library.
 */
#ifndef SPOTHEAL_SRC_CLI_CLI_H
#define SPOTHEAL_SRC_CLI_CLI_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "src/spotheal.h"

#define CLI_MAX_LIB_OPTIONS 64

enum CliCommand {
    CLI_REPAIR = 0,   /* spotheal [options] -i IN OUT */
    CLI_ANALYZE,      /* spotheal analyze -i IN [--report F] */
    CLI_PROFILE_CREATE,
    CLI_PROFILE_LIST,
};

/* Exit codes, documented in the man page. */
enum CliExit {
    CLI_EXIT_OK      = 0,
    CLI_EXIT_ERROR   = 1, /* a runtime failure: input, output, codec */
    CLI_EXIT_USAGE   = 2, /* bad command line */
    CLI_EXIT_EXISTS  = 3, /* output exists and -y was not given */
    CLI_EXIT_SIGNAL  = 130, /* interrupted */
};

typedef struct CliOptions {
    enum CliCommand command;
    const char *inputs[64];  /* -i, may repeat (profile create) */
    int nb_inputs;
    const char *output;      /* last positional argument */
    const char *format;      /* -f */
    const char *codec;       /* -c:v */
    int crf;                 /* -crf, -1 = default */
    const char *preset;      /* -preset */
    const char *bitrate;     /* -b:v */
    const char *pix_fmt;     /* -pix_fmt */
    int qscale;              /* -q:v, -1 = keep the input's quality */
    int threads;             /* -threads, 0 = auto */
    int overwrite;           /* -1 ask, 0 never (-n), 1 always (-y) */
    int loglevel;            /* SP_LOG_* */
    const char *progress;    /* -progress FILE|pipe:N */
    int stats;               /* one-line progress on a terminal */
    const char *mask;        /* --mask FILE.png */
    const char *report;      /* --report FILE.json */
    const char *profile;     /* --profile FILE.png, or "none" */
    const char *profile_dir; /* --profile-dir DIR: the profile library */
    const char *save_profile;/* analyze --save-profile NAME.png */
    int profile_pattern;     /* --profile-pattern: CLI_PATTERN_AUTO, _ON, _OFF */
    /* profile create: capture facts given by hand, and the threshold */
    const char *set_make, *set_model, *set_iso, *set_exposure, *set_temperature;
    double threshold;        /* in robust standard deviations, 0 = default */
    int show;                /* --show: outline defects instead of healing */
    int reencode;            /* --reencode: JPEGs re-encoded whole, not
                                only the blocks the repair changed */
    int lookahead;           /* --lookahead, 0 = library default */
    /* "name=value" strings for the library's filter options */
    const char *lib_options[CLI_MAX_LIB_OPTIONS + 1];
    int nb_lib_options;
} CliOptions;

/* Set by the SIGINT / SIGTERM handler; long loops poll it and stop cleanly. */
extern volatile sig_atomic_t cli_interrupted;

/* Print a message at a level, if -v allows it ("spotheal: " prefixed). */
void cli_log(const CliOptions *o, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The library's log callback: forwards to cli_log with the options as
 * opaque. */
void cli_lib_log(void *opaque, int level, const char *fmt, va_list vl);

/* --- util.c: what every job shares --------------------------------- */

/* Install SIGINT / SIGTERM handlers that set cli_interrupted. */
void cli_setup_signals(void);

/* Whether the output may be written: refuses the input as output, and an
 * existing output unless -y (asks on a terminal when neither -y nor -n).
 * Returns CLI_EXIT_OK or the exit code to leave with, after a message. */
int cli_check_output(const CliOptions *o, const char *input, const char *output);

/* A temporary name in the output's folder, keeping its extension:
 * "dir/.name.spotheal-PID.ext". Returns 0, or -ENAMETOOLONG. */
int cli_temp_path(const char *final, char *buf, size_t size);

/* Move a finished temporary file to its final name (atomic rename). */
int cli_commit_output(const CliOptions *o, const char *tmp, const char *final);

/* Progress: a one-line display on a terminal (-stats), key=value blocks
 * for scripts (-progress FILE|pipe:N), both at most twice a second. */
typedef struct CliProgress {
    FILE *kv;          /* -progress destination, or NULL */
    int kv_close;
    int tty;           /* draw the one-line display */
    double start, last;
    int64_t frames;
    double out_time;   /* seconds of media written */
    double total;      /* expected seconds or frames, 0 if unknown */
} CliProgress;

int cli_progress_open(CliProgress *p, const CliOptions *o);
void cli_progress_update(CliProgress *p, int64_t frames, double out_time, int final);
void cli_progress_close(CliProgress *p);

/* Seconds from a monotonic clock. */
double cli_now(void);

/* --- report.c: the JSON defect report (docs/report.md) --------------- */

typedef struct CliReport CliReport;

/* Start a report at path (written under a temporary name, renamed at
 * close). Returns 0 or a negative error, after a message. */
int cli_report_open(CliReport **r, const CliOptions *o, const char *path,
                    const char *input, int width, int height);

/* Add one frame given back by the library: its defects, its time in
 * seconds (or < 0 if unknown) and its file name (image sequences, or NULL). */
int cli_report_frame(CliReport *r, SpContext *ctx, const SpFrame *f,
                     double time, const char *name);

/* Finish the report (tracks summary), move it into place. With ok == 0
 * the temporary file is removed instead. Accepts NULL. */
int cli_report_close(CliReport **r, int ok);

/* --- profile.c: camera profiles (profile.h) --------------------------- */

/* The subcommands 'profile create' and 'profile list'. Return an exit code. */
int cli_profile_create(const CliOptions *o);
int cli_profile_list(const CliOptions *o);

/* Where a profile NAME goes: NAME itself if it holds a slash, else the
 * library folder (--profile-dir or the default, created), ".png" added
 * if missing. Returns 0 or a negative error after a message. */
int cli_profile_output_path(const CliOptions *o, const char *name, char *buf,
                            size_t size);

/* --profile-pattern: subtract a profile's fixed pattern where it holds
 * one (auto: not on JPEG output written block by block), always, never. */
enum { CLI_PATTERN_AUTO = 0, CLI_PATTERN_ON = 1, CLI_PATTERN_OFF = 2 };

/* Set s->profile from --profile, --profile-dir or the default library,
 * for the clip input (its size and camera are probed), and its fixed
 * pattern as --profile-pattern says (blockwise: the output is JPEG
 * written block by block, where auto leaves the pattern). *map receives
 * the storage to free after sp_close(). Returns CLI_EXIT_OK or an exit
 * code after a message. */
int cli_profile_setup(const CliOptions *o, const char *input, int blockwise,
                      SpSettings *s, uint8_t **map);

/* analyze --save-profile: write the pixel defects confirmed on a clip
 * (map: width * height kind bytes, strength: their contrast) as a
 * profile, with the facts probed from input. Returns 0 or a negative
 * error after a message. */
int cli_profile_save_found(const CliOptions *o, const char *path, const char *input,
                           const uint8_t *map, const uint8_t *strength,
                           int width, int height, int64_t frames);

/* --- video.c ---------------------------------------------------------- */

/* The whole job for a video input (repair or analyze). Returns an exit code. */
int cli_run_video(const CliOptions *o);

/* --- images.c --------------------------------------------------------- */

/* 1 if spec names still images: a printf pattern ("%05d"), a glob, a
 * directory, or a file ending in .jpg/.jpeg/.png (any case); else 0. */
int cli_is_image_spec(const char *spec);

/* The whole job for an image sequence (repair or analyze). Returns an
 * exit code. */
int cli_run_images(const CliOptions *o);

/* Load a mask PNG: *mask gets w * h bytes (stride w), nonzero where the
 * mask is white (any channel > 127, alpha > 0). Logs an error naming the
 * file and the cause; returns 0 or a negative error. */
int cli_load_mask(const CliOptions *o, const char *path, uint8_t **mask,
                  int *w, int *h);

#endif /* SPOTHEAL_SRC_CLI_CLI_H */
