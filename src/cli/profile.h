/*
 * Camera profiles (docs/profile.md): the defect map of a camera's sensor,
 * found from dark frames (profile create) or from what detection
 * confirmed on a clip (analyze --save-profile), stored as a PNG with the
 * capture facts in text chunks, matched to a clip and handed to the
 * library as SpSettings.profile. Private to the program; shared with its
 * unit test.
 */
#ifndef SPOTHEAL_SRC_CLI_PROFILE_H
#define SPOTHEAL_SRC_CLI_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "src/cli/cli.h"

#define CLI_TEMP_UNKNOWN (-1000.0)

/* What is known of how a clip or a profile was shot; unknown numbers are
 * negative (temperature: CLI_TEMP_UNKNOWN), unknown strings empty. */
typedef struct CliFacts {
    int width, height;
    char make[64], model[64];
    char date[32];       /* as the source gives it (EXIF or ISO 8601) */
    double iso;          /* ISO speed */
    double exposure;     /* seconds */
    double temperature;  /* degrees Celsius */
} CliFacts;

void cli_facts_init(CliFacts *f);

/* The facts of an input: a video file through libavformat (size and
 * metadata tags), an image or image sequence from its first image (size
 * and EXIF). Returns 0, or a negative error after a message at verbose
 * level (the caller decides how bad it is). */
int cli_probe_facts(const CliOptions *o, const char *input, CliFacts *f);

/* Per-plane running mean and variance of dark frames (Welford), in 8-bit
 * levels: memory is two floats a sample whatever the number of frames. */
typedef struct CliDark {
    int width, height;
    int nb_planes;       /* colour planes, at most 3 (alpha is left out) */
    int color;           /* enum SpColor */
    int pw[3], ph[3], sx[3], sy[3];
    float *mean[3], *m2[3];
    uint16_t *above[3];  /* frames in which the sample stood above the
                            mean of its four neighbours, of the first
                            65535 */
    int64_t n;
} CliDark;

/* Add a frame; the first one sets the layout, a later one that differs
 * fails with -EINVAL. */
int cli_dark_add(CliDark *d, const SpFrame *f);
void cli_dark_free(CliDark *d);

/* What the finder found: per full-resolution pixel its kind (0 or
 * SP_KIND_HOT / STUCK / DEAD), its strength (how far its mean stood from
 * its neighbourhood's median, 8-bit levels, 1..255) and the planes it
 * showed in (bit p for plane p). */
typedef struct CliDefectMap {
    int width, height;
    uint8_t *kind, *strength, *planes;
    uint8_t *faint;      /* faint candidates: their planes (bit p), else 0 */
    int nb_hot, nb_stuck, nb_dead, nb_faint;
    double noise;        /* robust spread of the luma residuals, levels */
    int64_t frames;
    /* The fixed pattern (docs/profile.md): per colour plane at its own
     * resolution, the mean dark frame minus its black level times the
     * plane's shrink, in 1/16 of a level; pattern[0] NULL when there is
     * none. pat_sd is the pattern's robust spread, pat_noise the noise of
     * the mean (levels), pat_shrink the factor applied (0: not stored). */
    int16_t *pattern[3];
    int pat_w[3], pat_h[3], pat_planes, pat_color;
    double pat_sd[3], pat_noise[3], pat_shrink[3];
} CliDefectMap;

int cli_defect_map_alloc(CliDefectMap *m, int width, int height);
void cli_defect_map_free(CliDefectMap *m);

/* Find the defective pixels of a dark-frame average: each sample of each
 * plane against the median of its 5x5 neighbourhood, outliers beyond
 * k times the plane's robust spread (1.4826 MAD) of those residuals and
 * beyond min_level levels, on the same side of their neighbours in at
 * least six frames out of ten, and not the ringing of an outlier four
 * times stronger 2 to 4 samples away (in the plane, or for chroma in
 * luma). Returns 0 or a negative error. */
int cli_dark_find(const CliDark *d, double k, double k_faint, double min_level,
                  CliDefectMap *m);

/* The fixed pattern of a dark-frame average into m (after cli_dark_find):
 * per plane, the mean minus its median (the black level), with robust
 * variances: s2 of that difference over the plane (1.4826 MAD, squared)
 * and n2 the noise of the mean (the median temporal variance over the
 * frame count). The pattern's own variance is s2 - n2; it is kept,
 * shrunk by (s2 - n2) / s2 (Wiener), where it is at least n2 and its
 * spread half a level, else the plane's shrink is 0. The samples of defects and faint candidates are
 * left 0 (they are healed, or tested, on their own). No plane kept: m's
 * pattern stays NULL. Returns 0 or -ENOMEM. */
int cli_dark_pattern(const CliDark *d, CliDefectMap *m);

/* Write / read a profile PNG (docs/profile.md). Both log an error naming
 * the file and return 0 or a negative error: -EINVAL for a PNG that is
 * not a profile. */
int cli_profile_write(const CliOptions *o, const char *path,
                      const CliDefectMap *m, const CliFacts *f,
                      const char *source);
int cli_profile_read(const CliOptions *o, const char *path, CliDefectMap *m,
                     CliFacts *f);

/* Pick among candidate profiles the one for a clip: same size, make and
 * model not contradicting (require_camera: both known and equal), then
 * the nearest ISO, exposure and temperature. Returns the index, or -1;
 * why gets the reason in words. */
int cli_profile_pick(const CliFacts *clip, const CliFacts *cand, int nb,
                     int require_camera, char *why, size_t why_size);

/* The default profile library: $XDG_DATA_HOME/spotheal/profiles, else
 * ~/.local/share/spotheal/profiles. Returns 0 or -ENAMETOOLONG/-ENOENT. */
int cli_profile_default_dir(char *buf, size_t size);

/* cli_profile_output_path, cli_profile_setup and the subcommands are
 * declared in cli.h. */

#endif /* SPOTHEAL_SRC_CLI_PROFILE_H */
