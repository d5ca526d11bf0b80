/*
 * What every spotheal job shares: messages, signals, the overwrite policy,
 * temporary outputs renamed into place, progress lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/cli/cli.h"

volatile sig_atomic_t cli_interrupted;

static void on_signal(int sig)
{
    (void)sig;
    cli_interrupted = 1;
}

void cli_setup_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void vlog(const CliOptions *o, int level, const char *fmt, va_list vl)
{
    if (o && level > o->loglevel)
        return;
    flockfile(stderr); /* one line at a time from the image workers */
    fputs("spotheal: ", stderr);
    if (level <= SP_LOG_ERROR)
        fputs("error: ", stderr);
    else if (level <= SP_LOG_WARNING)
        fputs("warning: ", stderr);
    vfprintf(stderr, fmt, vl);
    funlockfile(stderr);
}

void cli_log(const CliOptions *o, int level, const char *fmt, ...)
{
    va_list vl;

    va_start(vl, fmt);
    vlog(o, level, fmt, vl);
    va_end(vl);
}

void cli_lib_log(void *opaque, int level, const char *fmt, va_list vl)
{
    vlog(opaque, level, fmt, vl);
}

double cli_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int is_stdio(const char *path)
{
    return !strcmp(path, "-") || !strncmp(path, "pipe:", 5);
}

int cli_check_output(const CliOptions *o, const char *input, const char *output)
{
    struct stat si, so;

    if (is_stdio(output))
        return CLI_EXIT_OK;
    if (input && !is_stdio(input) && !strcmp(input, output)) {
        cli_log(o, SP_LOG_ERROR, "'%s' is both the input and the output: "
                "name a different output file\n", output);
        return CLI_EXIT_USAGE;
    }
    if (stat(output, &so) < 0)
        return CLI_EXIT_OK;
    if (input && !is_stdio(input) && stat(input, &si) == 0 &&
        si.st_dev == so.st_dev && si.st_ino == so.st_ino) {
        cli_log(o, SP_LOG_ERROR, "'%s' is the input file under another "
                "name: name a different output file\n", output);
        return CLI_EXIT_USAGE;
    }
    if (S_ISDIR(so.st_mode))
        return CLI_EXIT_OK; /* an output folder: files inside are checked */
    if (o->overwrite == 1)
        return CLI_EXIT_OK;
    if (o->overwrite == -1 && isatty(STDIN_FILENO) && isatty(STDERR_FILENO)) {
        char answer[16] = "";
        fprintf(stderr, "File '%s' already exists. Overwrite? [y/N] ", output);
        fflush(stderr);
        if (fgets(answer, sizeof(answer), stdin) &&
            (answer[0] == 'y' || answer[0] == 'Y'))
            return CLI_EXIT_OK;
    }
    cli_log(o, SP_LOG_ERROR, "'%s' already exists: add -y to overwrite it, "
            "or name another output\n", output);
    return CLI_EXIT_EXISTS;
}

int cli_temp_path(const char *final, char *buf, size_t size)
{
    const char *slash = strrchr(final, '/');
    const char *base = slash ? slash + 1 : final;
    const char *dot = strrchr(base, '.');
    int dirlen = slash ? (int)(slash - final + 1) : 0;
    int n;

    if (!dot || dot == base)
        dot = base + strlen(base);
    n = snprintf(buf, size, "%.*s.%.*s.spotheal-%ld%s", dirlen, final,
                 (int)(dot - base), base, (long)getpid(), dot);
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int cli_commit_output(const CliOptions *o, const char *tmp, const char *final)
{
    if (rename(tmp, final) < 0) {
        int err = errno;
        cli_log(o, SP_LOG_ERROR, "cannot move the finished output to '%s': "
                "%s\n", final, strerror(err));
        unlink(tmp);
        return -err;
    }
    return 0;
}

int cli_progress_open(CliProgress *p, const CliOptions *o)
{
    memset(p, 0, sizeof(*p));
    p->start = p->last = cli_now();
    p->tty = o->stats && isatty(STDERR_FILENO) && o->loglevel >= SP_LOG_INFO;
    if (!o->progress)
        return 0;
    if (!strncmp(o->progress, "pipe:", 5)) {
        int fd = atoi(o->progress + 5);
        p->kv = fdopen(dup(fd), "w");
    } else {
        p->kv = fopen(o->progress, "w");
    }
    if (!p->kv) {
        int err = errno;
        cli_log(o, SP_LOG_ERROR, "cannot write progress to '%s': %s\n",
                o->progress, strerror(err));
        return -err;
    }
    p->kv_close = 1;
    return 0;
}

void cli_progress_update(CliProgress *p, int64_t frames, double out_time, int final)
{
    double now = cli_now(), el = now - p->start;
    double fps = el > 0 ? frames / el : 0, speed = el > 0 ? out_time / el : 0;
    int h, m;
    double s;

    p->frames = frames;
    p->out_time = out_time;
    if (!final && now - p->last < 0.5)
        return;
    p->last = now;
    h = (int)(out_time / 3600);
    m = (int)(out_time / 60) % 60;
    s = out_time - h * 3600 - m * 60;
    if (p->tty) {
        fprintf(stderr, "\rframe=%6lld fps=%5.1f time=%02d:%02d:%05.2f speed=%5.2fx",
                (long long)frames, fps, h, m, s, speed);
        if (final)
            fputc('\n', stderr);
        fflush(stderr);
    }
    if (p->kv) {
        fprintf(p->kv, "frame=%lld\nfps=%.2f\nout_time_us=%lld\n"
                "out_time=%02d:%02d:%09.6f\nspeed=%.3fx\nprogress=%s\n",
                (long long)frames, fps, (long long)(out_time * 1e6), h, m, s,
                speed, final ? "end" : "continue");
        fflush(p->kv);
    }
}

void cli_progress_close(CliProgress *p)
{
    if (p->kv && p->kv_close)
        fclose(p->kv);
    p->kv = NULL;
}
