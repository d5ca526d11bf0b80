/*
 * Image sequences: which files an input names and in which order, and the
 * name each one is written back under.
 *
 * An input is a printf pattern ("dump/frame-%05d.jpg": the first number
 * found among 0..4 starts it, as ffmpeg's image2 demuxer does, and it runs
 * until the first missing number), a glob (dump/frame-?????.jpg), a folder (its
 * .jpg/.jpeg/.png files) or one file. Globs and folders are sorted in
 * natural order (frame2 before frame10).
 *
 * An output is a pattern (numbered with the input's own numbers when the
 * input is a pattern, else 1, 2, 3... as ffmpeg's image2 muxer numbers),
 * a folder that keeps each input's file name (an existing folder, or any
 * name ending in '/', created if missing), or, for one image, a file.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/cli/images.h"

#define START_RANGE 5 /* first numbers a pattern may start at (ffmpeg: 5) */

int cli_image_type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');

    if (!dot || (slash && dot < slash))
        return CLI_IMG_NONE;
    if (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"))
        return CLI_IMG_JPEG;
    if (!strcasecmp(dot, ".png"))
        return CLI_IMG_PNG;
    return CLI_IMG_NONE;
}

int cli_natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            const char *a0 = a, *b0 = b;
            size_t la, lb;
            int c;
            while (*a0 == '0' && isdigit((unsigned char)a0[1]))
                a0++;
            while (*b0 == '0' && isdigit((unsigned char)b0[1]))
                b0++;
            for (a = a0; isdigit((unsigned char)*a); a++)
                ;
            for (b = b0; isdigit((unsigned char)*b); b++)
                ;
            la = a - a0;
            lb = b - b0;
            if (la != lb)
                return la < lb ? -1 : 1;
            if ((c = strncmp(a0, b0, la)) != 0)
                return c;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    return *a ? 1 : *b ? -1 : 0;
}

static int entry_cmp(const void *pa, const void *pb)
{
    const CliSeqEntry *a = pa, *b = pb;
    int c = cli_natural_cmp(a->in, b->in);

    return c ? c : strcmp(a->in, b->in);
}

static int seq_add(CliSeq *seq, const char *path, int64_t number)
{
    if (seq->nb == seq->cap) {
        int cap = seq->cap ? seq->cap * 2 : 64;
        CliSeqEntry *n = realloc(seq->e, cap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        seq->e = n;
        seq->cap = cap;
    }
    seq->e[seq->nb].in = strdup(path);
    seq->e[seq->nb].out = NULL;
    seq->e[seq->nb].number = number;
    if (!seq->e[seq->nb].in)
        return -ENOMEM;
    seq->nb++;
    return 0;
}

void cli_seq_free(CliSeq *seq)
{
    int i;

    for (i = 0; i < seq->nb; i++) {
        free(seq->e[i].in);
        free(seq->e[i].out);
    }
    free(seq->e);
    memset(seq, 0, sizeof(*seq));
}

/* The one %d conversion of a pattern: its start and end in spec, or -1 if
 * there is none. More than one, or another conversion, is -EINVAL. "%%"
 * is a literal percent sign. */
static int find_conversion(const char *spec, int *start, int *end)
{
    const char *p;

    *start = *end = -1;
    for (p = spec; *p; p++) {
        const char *q;
        if (*p != '%')
            continue;
        if (p[1] == '%') {
            p++;
            continue;
        }
        for (q = p + 1; isdigit((unsigned char)*q); q++)
            ;
        if (*q != 'd' || *start >= 0)
            return -EINVAL;
        *start = (int)(p - spec);
        *end = (int)(q + 1 - spec);
        p = q;
    }
    return *start >= 0;
}

/* Expand a pattern with one number (also turns "%%" into "%"). */
static int expand(const char *pat, int64_t n, char *buf, size_t size)
{
    size_t k = 0;
    const char *p;

    for (p = pat; *p; p++) {
        if (*p == '%' && p[1] == '%') {
            if (k + 1 >= size)
                return -ENAMETOOLONG;
            buf[k++] = '%';
            p++;
        } else if (*p == '%') {
            const char *q = p + 1;
            int width = 0, zero = *q == '0', w;
            for (; isdigit((unsigned char)*q); q++)
                width = width * 10 + (*q - '0');
            w = zero ? snprintf(buf + k, size - k, "%0*lld", width, (long long)n)
                     : snprintf(buf + k, size - k, "%*lld", width, (long long)n);
            if (w < 0 || (size_t)w >= size - k)
                return -ENAMETOOLONG;
            k += w;
            p = q;
        } else {
            if (k + 1 >= size)
                return -ENAMETOOLONG;
            buf[k++] = *p;
        }
    }
    buf[k] = 0;
    return 0;
}

static int is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

static int list_pattern(const CliOptions *o, const char *spec, CliSeq *seq)
{
    char path[4096];
    int64_t first = -1, n;
    int ret;

    for (n = 0; n < START_RANGE; n++) {
        if ((ret = expand(spec, n, path, sizeof(path))) < 0)
            return ret;
        if (is_file(path)) {
            first = n;
            break;
        }
    }
    if (first < 0) {
        cli_log(o, SP_LOG_ERROR, "no image matches '%s' (looked for numbers "
                "%d to %d to start it)\n", spec, 0, START_RANGE - 1);
        return -ENOENT;
    }
    for (n = first;; n++) {
        if ((ret = expand(spec, n, path, sizeof(path))) < 0)
            return ret;
        if (!is_file(path))
            break;
        if ((ret = seq_add(seq, path, n)) < 0)
            return ret;
    }
    seq->from_pattern = 1;
    return 0;
}

static int list_glob(const CliOptions *o, const char *spec, CliSeq *seq)
{
    glob_t g;
    size_t i;
    int ret = 0;

    memset(&g, 0, sizeof(g));
    ret = glob(spec, 0, NULL, &g);
    if (ret == GLOB_NOMATCH || (ret == 0 && !g.gl_pathc)) {
        cli_log(o, SP_LOG_ERROR, "no file matches '%s'\n", spec);
        globfree(&g);
        return -ENOENT;
    }
    if (ret != 0) {
        cli_log(o, SP_LOG_ERROR, "cannot list '%s'\n", spec);
        globfree(&g);
        return -EIO;
    }
    for (i = 0; i < g.gl_pathc && ret >= 0; i++)
        if (is_file(g.gl_pathv[i]))
            ret = seq_add(seq, g.gl_pathv[i], -1);
    globfree(&g);
    if (ret >= 0 && !seq->nb) {
        cli_log(o, SP_LOG_ERROR, "no file matches '%s'\n", spec);
        return -ENOENT;
    }
    return ret;
}

static int list_dir(const CliOptions *o, const char *spec, CliSeq *seq)
{
    DIR *d = opendir(spec);
    struct dirent *de;
    char path[4096];
    size_t len = strlen(spec);
    int ret = 0;

    if (!d) {
        ret = -errno;
        cli_log(o, SP_LOG_ERROR, "cannot read the folder '%s': %s\n", spec,
                strerror(-ret));
        return ret;
    }
    while (ret >= 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.' || cli_image_type_of(de->d_name) == CLI_IMG_NONE)
            continue;
        snprintf(path, sizeof(path), "%s%s%s", spec,
                 len && spec[len - 1] == '/' ? "" : "/", de->d_name);
        if (is_file(path))
            ret = seq_add(seq, path, -1);
    }
    closedir(d);
    if (ret >= 0 && !seq->nb) {
        cli_log(o, SP_LOG_ERROR, "the folder '%s' holds no .jpg, .jpeg or "
                ".png file\n", spec);
        return -ENOENT;
    }
    return ret;
}

int cli_seq_list(const CliOptions *o, const char *spec, CliSeq *seq)
{
    struct stat st;
    int s, e, ret;

    memset(seq, 0, sizeof(*seq));
    ret = find_conversion(spec, &s, &e);
    if (ret < 0) {
        cli_log(o, SP_LOG_ERROR, "'%s': a pattern takes one number "
                "conversion such as %%05d\n", spec);
        return ret;
    }
    if (ret > 0)
        ret = list_pattern(o, spec, seq);
    else if (stat(spec, &st) == 0 && S_ISDIR(st.st_mode))
        ret = list_dir(o, spec, seq);
    else if (strpbrk(spec, "*?["))
        ret = list_glob(o, spec, seq);
    else if (stat(spec, &st) == 0)
        ret = seq_add(seq, spec, -1);
    else {
        ret = -errno;
        cli_log(o, SP_LOG_ERROR, "cannot open '%s': %s\n", spec, strerror(-ret));
    }
    if (ret < 0) {
        cli_seq_free(seq);
        return ret;
    }
    if (!seq->from_pattern)
        qsort(seq->e, seq->nb, sizeof(*seq->e), entry_cmp);
    return 0;
}

static int check_folder(const CliOptions *o, const char *dir)
{
    struct stat st;

    if (stat(dir, &st) < 0) {
        int err = errno;
        cli_log(o, SP_LOG_ERROR, "cannot write into the folder '%s': %s\n",
                dir, strerror(err));
        return -err;
    }
    if (!S_ISDIR(st.st_mode)) {
        cli_log(o, SP_LOG_ERROR, "cannot write into '%s': not a folder\n", dir);
        return -ENOTDIR;
    }
    if (access(dir, W_OK | X_OK) < 0) {
        int err = errno;
        cli_log(o, SP_LOG_ERROR, "cannot write into the folder '%s': %s\n",
                dir, strerror(err));
        return -err;
    }
    return 0;
}

static int str_ptr_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Two inputs must not be written to one name (a glob over several folders
 * into a folder output). */
static int check_unique(const CliOptions *o, const CliSeq *seq)
{
    char **names = malloc(seq->nb * sizeof(*names));
    int i, ret = 0;

    if (!names)
        return -ENOMEM;
    for (i = 0; i < seq->nb; i++)
        names[i] = seq->e[i].out;
    qsort(names, seq->nb, sizeof(*names), str_ptr_cmp);
    for (i = 1; i < seq->nb; i++)
        if (!strcmp(names[i - 1], names[i])) {
            cli_log(o, SP_LOG_ERROR, "two input images would both be written "
                    "to '%s': give an output pattern such as 'out/%%05d.jpg'\n",
                    names[i]);
            ret = -EINVAL;
            break;
        }
    free(names);
    return ret;
}

int cli_seq_outputs(const CliOptions *o, const char *out, CliSeq *seq)
{
    char path[4096], dir[4096];
    struct stat st;
    size_t len = strlen(out);
    int s, e, i, ret, is_dir;

    ret = find_conversion(out, &s, &e);
    if (ret < 0) {
        cli_log(o, SP_LOG_ERROR, "'%s': a pattern takes one number "
                "conversion such as %%05d\n", out);
        return ret;
    }
    is_dir = !ret && ((len && out[len - 1] == '/') ||
                      (stat(out, &st) == 0 && S_ISDIR(st.st_mode)));
    if (is_dir) {
        if (stat(out, &st) < 0 && mkdir(out, 0777) < 0 && errno != EEXIST) {
            int err = errno;
            cli_log(o, SP_LOG_ERROR, "cannot create the folder '%s': %s\n",
                    out, strerror(err));
            return -err;
        }
        snprintf(dir, sizeof(dir), "%s", out);
    } else {
        const char *slash = strrchr(out, '/');
        if (!ret && seq->nb > 1) {
            cli_log(o, SP_LOG_ERROR, "'%s' names one file but the input has "
                    "%d images: give a pattern such as 'out/%%05d.jpg' or a "
                    "folder ending in '/'\n", out, seq->nb);
            return -EINVAL;
        }
        if (cli_image_type_of(out) == CLI_IMG_NONE) {
            cli_log(o, SP_LOG_ERROR, "'%s': the output must end in .jpg, "
                    ".jpeg or .png\n", out);
            return -EINVAL;
        }
        if (slash)
            snprintf(dir, sizeof(dir), "%.*s", (int)(slash - out + 1), out);
        else
            snprintf(dir, sizeof(dir), ".");
        /* a pattern's folder is made as a folder output's is (one level:
         * a mistyped deeper path still fails, naming the folder) */
        if (slash && stat(dir, &st) < 0 && mkdir(dir, 0777) < 0 &&
            errno != EEXIST && errno != ENOENT) {
            int err = errno;
            cli_log(o, SP_LOG_ERROR, "cannot create the folder '%s': %s\n",
                    dir, strerror(err));
            return -err;
        }
    }
    if ((ret = check_folder(o, dir)) < 0)
        return ret;

    for (i = 0; i < seq->nb; i++) {
        CliSeqEntry *en = &seq->e[i];
        if (is_dir) {
            const char *base = strrchr(en->in, '/');
            base = base ? base + 1 : en->in;
            ret = snprintf(path, sizeof(path), "%s%s%s", out,
                           out[len - 1] == '/' ? "" : "/", base);
            ret = ret < 0 || (size_t)ret >= sizeof(path) ? -ENAMETOOLONG : 0;
        } else if (s >= 0) {
            ret = expand(out, seq->from_pattern ? en->number : i + 1,
                         path, sizeof(path));
        } else {
            ret = snprintf(path, sizeof(path), "%s", out) < (int)sizeof(path)
                  ? 0 : -ENAMETOOLONG;
        }
        if (ret < 0) {
            cli_log(o, SP_LOG_ERROR, "output name too long for '%s'\n", en->in);
            return ret;
        }
        if (cli_image_type_of(path) != cli_image_type_of(en->in)) {
            cli_log(o, SP_LOG_ERROR, "'%s' would be written as '%s': JPEG "
                    "stays JPEG and PNG stays PNG\n", en->in, path);
            return -EINVAL;
        }
        if (!(en->out = strdup(path)))
            return -ENOMEM;
    }
    return check_unique(o, seq);
}
