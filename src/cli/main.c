/*
 * The spotheal program's entry point: ffmpeg-style command line parsing
 * into CliOptions, help and version, and the dispatch to the video job
 * (video.c) or the image sequence job (images.c).
 *
 *   spotheal [options] -i IN OUT
 *   spotheal analyze [options] -i IN [--report F.json]
 *
 * Every option the library's filters declare (sp_list_options()) is also
 * an option here: `--NAME VALUE` (or `--NAME=VALUE`) becomes "NAME=VALUE"
 * in the library's settings, so a new filter option needs no CLI change.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/cli/cli.h"

#define DEF_SIZE 64
#define RANGE_SIZE 256

static void usage_hint(void)
{
    fputs("Run 'spotheal -h' for the options.\n", stderr);
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("spotheal: error: ", stderr);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    usage_hint();
    return CLI_EXIT_USAGE;
}

static void print_help(void)
{
    const char *name, *help;
    char def[DEF_SIZE], range[RANGE_SIZE];
    int i;

    printf("spotheal %s: find and heal sensor defects (dust blotches, hot, stuck,\n"
           "dead and missing pixels) in video and image sequences.\n\n"
           "usage: spotheal [options] -i INPUT OUTPUT\n"
           "       spotheal analyze [options] -i INPUT [--report FILE.json]\n"
           "                        [--save-profile NAME.png]\n"
           "       spotheal profile create -i DARK [-i DARK ...] -o NAME.png\n"
           "       spotheal profile list [--profile-dir DIR]\n\n"
           "INPUT is a video file, - for standard input (y4m, nut, matroska),\n"
           "an image, a %%05d pattern, a glob or a folder of images; OUTPUT a\n"
           "video file, - for standard output (with -f), an image pattern or a\n"
           "folder. analyze finds the defects and writes no video. profile\n"
           "create finds a camera's hot, stuck and dead pixels in lens-capped\n"
           "video or stills; profile list shows the profile library.\n\n"
           "Input and output:\n"
           "  -i INPUT            the input\n"
           "  -f FMT              output container (default: from OUTPUT's extension)\n"
           "  -y                  overwrite an existing output\n"
           "  -n                  never overwrite an existing output\n"
           "  -c:v CODEC          video encoder (default: the input's codec family,\n"
           "                      visually lossless: H.264 -> libx264 -crf 18)\n"
           "  -crf N              constant quality for the encoder\n"
           "  -preset NAME        encoder preset (libx264: ultrafast ... veryslow)\n"
           "  -b:v RATE           target bit rate (e.g. 8M)\n"
           "  -pix_fmt FMT        output pixel format (default: the input's)\n"
           "  -q:v N              quality scale; JPEG images: 1 (best) to 31 as ffmpeg's,\n"
           "                      instead of the input's own tables\n"
           "  -threads N          threads, 0 = one per core (default)\n"
           "\nMessages and progress:\n"
           "  -v LEVEL            quiet, error, warning, info, verbose, debug or a number\n"
           "  -stats, -nostats    one-line progress on a terminal (default: on)\n"
           "  -progress DEST      key=value progress lines to a file or pipe:N\n"
           "\nRepair:\n"
           "  --mask FILE.png     heal the white pixels of a mask in every frame\n"
           "  --show              outline the defects instead of healing them\n"
           "  --report FILE.json  write every defect found (- for standard output)\n"
           "  --lookahead N       frames held for evidence before one is written\n"
           "  --reencode          JPEG output: re-encode every block, not only the\n"
           "                      repaired ones (default: untouched blocks kept exactly)\n"
           "\nCamera profiles (docs/profile.md):\n"
           "  --profile FILE.png  heal a camera profile's pixels in every frame, besides\n"
           "                      what detection finds (none: no profile at all)\n"
           "  --profile-dir DIR   the profile library: choose the profile of the clip's\n"
           "                      size and camera, nearest ISO, exposure, temperature\n"
           "                      (default: $XDG_DATA_HOME/spotheal/profiles, else\n"
           "                      ~/.local/share/spotheal/profiles, used only for clips\n"
           "                      that name their camera)\n"
           "  --profile-pattern auto|on|off  subtract the profile's fixed pattern (its\n"
           "                      mean dark frame less the black level) from every frame:\n"
           "                      auto where the profile holds one, but not on JPEG\n"
           "                      output kept block by block (default auto)\n"
           "  --save-profile NAME.png  analyze: save the hot, stuck and dead pixels\n"
           "                      detection confirmed as a profile for the next clips\n"
           "  profile create:\n"
           "  -o NAME.png         the profile (a NAME without a folder goes into the\n"
           "                      library)\n"
           "  --make M, --model M camera facts when the input does not carry them\n"
           "  --iso N, --exposure S, --temperature C  ISO, exposure (seconds, 1/30),\n"
           "                      sensor temperature (Celsius)\n"
           "  --threshold K       outliers beyond K robust deviations (default 6)\n"
           "\nFilter options (--NAME VALUE):\n", sp_version());
    for (i = 0; sp_list_options(i, &name, &help, def, sizeof(def), range,
                                sizeof(range)) == 0; i++) {
        if (!strcmp(name, "show"))
            continue; /* a flag here, listed above */
        printf("  --%-17s %s\n", name, help);
        printf("  %-19s default %s; %s\n", "", def[0] ? def : "none", range);
    }
    printf("\n  -h, --help          this help\n"
           "  --version           the version\n"
           "\nExit codes: 0 done, 1 runtime failure, 2 bad command line, 3 the output\n"
           "exists and -y was not given, 130 interrupted.\n");
}

/* Whether name is one of the library's filter options. */
static int is_lib_option(const char *name, size_t len)
{
    const char *n, *h;
    char def[DEF_SIZE], range[RANGE_SIZE];
    int i;

    for (i = 0; sp_list_options(i, &n, &h, def, sizeof(def), range,
                                sizeof(range)) == 0; i++)
        if (strlen(n) == len && !strncmp(n, name, len))
            return 1;
    return 0;
}

static int add_lib_option(CliOptions *o, const char *name, size_t len,
                          const char *value)
{
    size_t size = len + strlen(value) + 2;
    char *s;

    if (o->nb_lib_options >= CLI_MAX_LIB_OPTIONS)
        return usage_error("too many filter options (at most %s)", "64");
    s = malloc(size);
    if (!s) {
        fputs("spotheal: error: out of memory\n", stderr);
        return CLI_EXIT_ERROR;
    }
    snprintf(s, size, "%.*s=%s", (int)len, name, value);
    o->lib_options[o->nb_lib_options++] = s;
    o->lib_options[o->nb_lib_options] = NULL;
    return CLI_EXIT_OK;
}

static int parse_int_arg(const char *opt, const char *s, int min, int max, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        fprintf(stderr, "spotheal: error: %s expects an integer from %d to %d, "
                "not '%s'\n", opt, min, max, s);
        usage_hint();
        return CLI_EXIT_USAGE;
    }
    *out = (int)v;
    return CLI_EXIT_OK;
}

static int parse_loglevel(const char *s, int *out)
{
    static const struct { const char *name; int level; } levels[] = {
        { "quiet", -8 }, { "panic", 0 }, { "fatal", 8 },
        { "error", SP_LOG_ERROR }, { "warning", SP_LOG_WARNING },
        { "info", SP_LOG_INFO }, { "verbose", SP_LOG_VERBOSE },
        { "debug", SP_LOG_DEBUG }, { "trace", 56 },
    };
    size_t i;
    char *end;
    long v;

    for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (!strcmp(s, levels[i].name)) {
            *out = levels[i].level;
            return CLI_EXIT_OK;
        }
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < -8 || v > 64)
        return usage_error("-v expects quiet, error, warning, info, verbose, "
                           "debug or a number, not '%s'", s);
    *out = (int)v;
    return CLI_EXIT_OK;
}

/* Options that take a value and map onto a CliOptions string field. */
static const char **string_field(CliOptions *o, const char *a)
{
    if (!strcmp(a, "-f"))
        return &o->format;
    if (!strcmp(a, "-c:v") || !strcmp(a, "-vcodec") || !strcmp(a, "-codec:v"))
        return &o->codec;
    if (!strcmp(a, "-preset"))
        return &o->preset;
    if (!strcmp(a, "-b:v"))
        return &o->bitrate;
    if (!strcmp(a, "-pix_fmt"))
        return &o->pix_fmt;
    if (!strcmp(a, "-progress"))
        return &o->progress;
    if (!strcmp(a, "--mask"))
        return &o->mask;
    if (!strcmp(a, "--report"))
        return &o->report;
    if (!strcmp(a, "--profile"))
        return &o->profile;
    if (!strcmp(a, "--profile-dir"))
        return &o->profile_dir;
    if (!strcmp(a, "--save-profile"))
        return &o->save_profile;
    if (o->command == CLI_PROFILE_CREATE) {
        if (!strcmp(a, "-o"))
            return &o->output;
        if (!strcmp(a, "--make"))
            return &o->set_make;
        if (!strcmp(a, "--model"))
            return &o->set_model;
        if (!strcmp(a, "--iso"))
            return &o->set_iso;
        if (!strcmp(a, "--exposure"))
            return &o->set_exposure;
        if (!strcmp(a, "--temperature"))
            return &o->set_temperature;
    }
    return NULL;
}

/* Parse argv into o. Returns CLI_EXIT_OK, or an exit code after a message
 * (-1 for help or version printed: exit 0). */
static int parse_args(CliOptions *o, int argc, char **argv)
{
    const char *positional[8];
    int nb_pos = 0, i = 1, ret;

    memset(o, 0, sizeof(*o));
    o->crf = -1;
    o->qscale = -1;
    o->overwrite = -1;
    o->loglevel = SP_LOG_INFO;
    o->stats = 1;

    if (argc > 1 && !strcmp(argv[1], "analyze")) {
        o->command = CLI_ANALYZE;
        i = 2;
    } else if (argc > 1 && !strcmp(argv[1], "profile")) {
        if (argc > 2 && !strcmp(argv[2], "create"))
            o->command = CLI_PROFILE_CREATE;
        else if (argc > 2 && !strcmp(argv[2], "list"))
            o->command = CLI_PROFILE_LIST;
        else
            return usage_error("'spotheal profile' takes 'create' or 'list'%s",
                               argc > 2 ? ", not that" : "");
        i = 3;
    }
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        const char **field;
        char name_buf[64];
        int inline_value = 0;

        if (a[0] != '-' || !strcmp(a, "-")) {
            if (!strcmp(a, "analyze"))
                return usage_error("'%s' comes first: 'spotheal analyze -i "
                                   "IN [--report F.json]'", a);
            if (nb_pos == (int)(sizeof(positional) / sizeof(positional[0])))
                return usage_error("too many arguments, starting with '%s'", a);
            positional[nb_pos++] = a;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "-help") || !strcmp(a, "--help")) {
            print_help();
            return -1;
        }
        if (!strcmp(a, "--version") || !strcmp(a, "-version")) {
            printf("spotheal %s\n", sp_version());
            return -1;
        }
        if (!strcmp(a, "-y")) { o->overwrite = 1; continue; }
        if (!strcmp(a, "-n")) { o->overwrite = 0; continue; }
        if (!strcmp(a, "--reencode")) { o->reencode = 1; continue; }
        if (!strcmp(a, "-stats")) { o->stats = 1; continue; }
        if (!strcmp(a, "-nostats")) { o->stats = 0; continue; }
        if (!strcmp(a, "--show")) {
            o->show = 1;
            if ((ret = add_lib_option(o, "show", 4, "1")) != CLI_EXIT_OK)
                return ret;
            continue;
        }
        /* everything below takes a value: the next argument, or after
         * '=' in a long option (--mask=m.png, --spot-size=4:7) */
        if (!strncmp(a, "--", 2) && strchr(a, '=')) {
            const char *eq = strchr(a, '=');
            size_t len = (size_t)(eq - a);
            if (len >= sizeof(name_buf))
                return usage_error("unknown option '%s'", a);
            memcpy(name_buf, a, len);
            name_buf[len] = 0;
            a = name_buf;
            next = eq + 1;
            inline_value = 1;
        }
        field = string_field(o, a);
        if (!field && strcmp(a, "-i") && strcmp(a, "-crf") && strcmp(a, "-q:v") &&
            strcmp(a, "-qscale:v") && strcmp(a, "-threads") && strcmp(a, "-v") &&
            strcmp(a, "-loglevel") && strcmp(a, "--lookahead") &&
            strcmp(a, "--profile-pattern") &&
            !(o->command == CLI_PROFILE_CREATE && !strcmp(a, "--threshold")) &&
            !(a[1] == '-' && is_lib_option(a + 2, strlen(a + 2))))
            return usage_error("unknown option '%s'", a);
        if (!next)
            return usage_error("option '%s' needs a value", a);
        if (!inline_value)
            i++;
        if (field) {
            *field = next;
        } else if (!strcmp(a, "-i")) {
            if (o->nb_inputs == (int)(sizeof(o->inputs) / sizeof(o->inputs[0])))
                return usage_error("too many inputs (at most %s)", "64");
            o->inputs[o->nb_inputs++] = next;
        } else if (!strcmp(a, "-crf")) {
            if ((ret = parse_int_arg(a, next, 0, 63, &o->crf)))
                return ret;
        } else if (!strcmp(a, "-q:v") || !strcmp(a, "-qscale:v")) {
            if ((ret = parse_int_arg(a, next, 0, 100, &o->qscale)))
                return ret;
        } else if (!strcmp(a, "-threads")) {
            if ((ret = parse_int_arg(a, next, 0, 256, &o->threads)))
                return ret;
        } else if (!strcmp(a, "-v") || !strcmp(a, "-loglevel")) {
            if ((ret = parse_loglevel(next, &o->loglevel)))
                return ret;
        } else if (!strcmp(a, "--lookahead")) {
            if ((ret = parse_int_arg(a, next, 0, 1000, &o->lookahead)))
                return ret;
        } else if (!strcmp(a, "--profile-pattern")) {
            if (!strcmp(next, "auto"))
                o->profile_pattern = CLI_PATTERN_AUTO;
            else if (!strcmp(next, "on"))
                o->profile_pattern = CLI_PATTERN_ON;
            else if (!strcmp(next, "off"))
                o->profile_pattern = CLI_PATTERN_OFF;
            else
                return usage_error("--profile-pattern expects auto, on or off, "
                                   "not '%s'", next);
        } else if (!strcmp(a, "--threshold")) {
            char *end;
            o->threshold = strtod(next, &end);
            if (end == next || *end || !(o->threshold >= 2 && o->threshold <= 50))
                return usage_error("--threshold expects a number from 2 to 50 "
                                   "(robust standard deviations), not '%s'", next);
        } else {
            if ((ret = add_lib_option(o, a + 2, strlen(a + 2), next)))
                return ret;
        }
    }

    if (o->command == CLI_PROFILE_LIST) {
        if (nb_pos > 0 || o->nb_inputs)
            return usage_error("'profile list' takes only --profile-dir DIR: "
                               "unexpected '%s'", nb_pos ? positional[0] : "-i");
        return CLI_EXIT_OK;
    }
    if (o->command == CLI_PROFILE_CREATE) {
        if (nb_pos > 0)
            return usage_error("unexpected '%s': name the profile with -o "
                               "NAME.png", positional[0]);
        if (!o->nb_inputs)
            return usage_error("no dark input: 'spotheal profile create -i "
                               "DARK.mp4 -o NAME.png'%s", "");
        if (!o->output || !o->output[0])
            return usage_error("no profile named: add -o NAME.png (a name "
                               "without a folder goes into the profile "
                               "library)%s", "");
        if (o->profile || o->save_profile)
            return usage_error("'profile create' makes a profile: --profile "
                               "and --save-profile belong to a repair or an "
                               "analysis%s", "");
        return CLI_EXIT_OK;
    }
    if (o->nb_inputs == 0) {
        fprintf(stderr, "spotheal: error: no input: give one with -i, e.g. "
                "'spotheal -i in.mp4 out.mp4'\n");
        usage_hint();
        return CLI_EXIT_USAGE;
    }
    if (o->nb_inputs > 1)
        return usage_error("one input only (-i given more than once, second "
                           "'%s')", o->inputs[1]);
    if (o->command == CLI_ANALYZE) {
        if (nb_pos > 0)
            return usage_error("analyze writes no video: unexpected '%s' (use "
                               "--report FILE.json for the report)", positional[0]);
        /* find and report; healing what is never written is wasted */
        return add_lib_option(o, "heal", 4, "0");
    }
    if (nb_pos == 0) {
        fprintf(stderr, "spotheal: error: no output: name it last, e.g. "
                "'spotheal -i %s repaired.mp4'\n", o->inputs[0]);
        usage_hint();
        return CLI_EXIT_USAGE;
    }
    if (nb_pos > 1)
        return usage_error("one output only: unexpected '%s' (options go "
                           "before the output)", positional[0]);
    o->output = positional[0];
    if (!strcmp(o->output, "-") && !o->format && !cli_is_image_spec(o->inputs[0]))
        return usage_error("writing to standard output needs a container: add "
                           "-f, e.g. %s", "-f nut or -f yuv4mpegpipe");
    return CLI_EXIT_OK;
}

static void free_options(CliOptions *o)
{
    int i;

    for (i = 0; i < o->nb_lib_options; i++)
        free((char *)o->lib_options[i]);
    o->nb_lib_options = 0;
}

int main(int argc, char **argv)
{
    CliOptions o;
    char save_path[4096];
    int ret;

    ret = parse_args(&o, argc, argv);
    if (ret == -1) {
        free_options(&o);
        return CLI_EXIT_OK;
    }
    if (ret != CLI_EXIT_OK) {
        free_options(&o);
        return ret;
    }
    cli_setup_signals();
    if (o.command == CLI_PROFILE_CREATE) {
        ret = cli_profile_create(&o);
    } else if (o.command == CLI_PROFILE_LIST) {
        ret = cli_profile_list(&o);
    } else if (o.save_profile &&
               cli_profile_output_path(&o, o.save_profile, save_path, sizeof(save_path)) < 0) {
        ret = CLI_EXIT_ERROR;
    } else if (o.save_profile &&
               (ret = cli_check_output(&o, o.inputs[0], save_path)) != CLI_EXIT_OK) {
        ; /* named */
    } else {
        if (o.save_profile)
            o.save_profile = save_path;
        if (cli_is_image_spec(o.inputs[0]) || (o.output && cli_is_image_spec(o.output)))
            ret = cli_run_images(&o);
        else
            ret = cli_run_video(&o);
    }
    free_options(&o);
    return ret;
}
