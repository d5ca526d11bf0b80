/*
 * TEMPORARY stand-in for the image sequence job, so that the video branch
 * links: the real src/cli/images.c (libjpeg-turbo, libpng, mask loading)
 * lives on the images branch and replaces this file at merge.
 * cli_is_image_spec() and cli_load_mask() follow their contracts in cli.h;
 * the job only says that image sequences are not built in.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <png.h>

#include "src/cli/cli.h"

int cli_is_image_spec(const char *spec)
{
    const char *dot, *p;
    struct stat st;

    if (!spec || !strcmp(spec, "-") || !strncmp(spec, "pipe:", 5))
        return 0;
    for (p = strchr(spec, '%'); p; p = strchr(p + 1, '%')) {
        const char *q = p + 1;
        while (*q >= '0' && *q <= '9')
            q++;
        if (*q == 'd')
            return 1;
    }
    if (strpbrk(spec, "*?["))
        return 1;
    if (stat(spec, &st) == 0 && S_ISDIR(st.st_mode))
        return 1;
    if (spec[0] && spec[strlen(spec) - 1] == '/')
        return 1;
    dot = strrchr(spec, '.');
    return dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg") ||
                   !strcasecmp(dot, ".png"));
}

int cli_run_images(const CliOptions *o)
{
    cli_log(o, SP_LOG_ERROR, "image sequences are not built in this version: "
            "give a video input and output\n");
    return CLI_EXIT_ERROR;
}

/* A plain mask loader through libpng's simplified API, good enough for
 * the video tests until the images branch's loader replaces it. */
int cli_load_mask(const CliOptions *o, const char *path, uint8_t **mask,
                  int *w, int *h)
{
    png_image img;
    uint8_t *rgba = NULL, *m = NULL;
    size_t i, n;
    int ret = -EINVAL;

    *mask = NULL;
    *w = *h = 0;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    if (access(path, R_OK) < 0) {
        ret = -errno;
        cli_log(o, SP_LOG_ERROR, "cannot read the mask '%s': %s\n", path,
                strerror(errno));
        return ret;
    }
    if (!png_image_begin_read_from_file(&img, path)) {
        cli_log(o, SP_LOG_ERROR, "cannot read the mask '%s': not a PNG "
                "image (%s)\n", path, img.message);
        goto fail;
    }
    img.format = PNG_FORMAT_RGBA;
    n = (size_t)img.width * img.height;
    rgba = malloc(n * 4);
    m = malloc(n);
    if (!rgba || !m) {
        ret = -ENOMEM;
        goto fail;
    }
    if (!png_image_finish_read(&img, NULL, rgba, 0, NULL)) {
        cli_log(o, SP_LOG_ERROR, "cannot read the mask '%s': %s\n", path,
                img.message);
        goto fail;
    }
    for (i = 0; i < n; i++) {
        const uint8_t *px = rgba + 4 * i;
        m[i] = (px[0] > 127 || px[1] > 127 || px[2] > 127) && px[3] > 0;
    }
    free(rgba);
    *mask = m;
    *w = (int)img.width;
    *h = (int)img.height;
    return 0;
fail:
    png_image_free(&img);
    free(rgba);
    free(m);
    return ret;
}
