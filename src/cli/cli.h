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
    int show;                /* --show: outline defects instead of healing */
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

#endif /* SPOTHEAL_SRC_CLI_CLI_H */
