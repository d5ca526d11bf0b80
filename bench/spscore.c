/*
 * spscore: scores a repair against the clean original of a painted case.
 *
 *   spscore TRUTH.json CLEAN.yuv DEGRADED.yuv REPAIRED.yuv
 *
 * The three clips are raw yuv420p 8-bit at the truth's size (pipes from
 * ffmpeg do: -f rawvideo -pix_fmt yuv420p). TRUTH.json holds "width",
 * "height", "frames", "spot_tracks" (per frame, per blotch [cx, cy, r])
 * and "pixels" ([{x, y, kind}]): the format the project's painter writes.
 *
 * Prints one JSON line:
 *   spot_fixed    share of visible (frame, blotch) instances whose mean luma
 *                 error inside 1.5 r fell to 30 % of the degraded error (or
 *                 under 3 levels); visible = degraded error of 4 levels or more
 *   pixel_fixed   the same for pixel defects (3x3 luma max error plus the
 *                 chroma sample's, visible from 12, fixed under 6 or 30 %)
 *   psnr_defect   luma PSNR against clean inside the defects, all frames
 *   psnr_defect_noop  the same for the degraded input
 *   psnr_outside  luma PSNR of repaired against degraded away from the
 *                 defects (more than 4 px away): inf = healthy pixels untouched
 *   false_blobs   per frame, blobs (2+ pixels, 8-connected) changed by more
 *                 than 25 levels away from the defects
 * These are the definitions of the shared evaluation's scorer, so figures
 * from both can be put side by side.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

typedef struct Plane3 {
    uint8_t *y, *u, *v;
} Plane3;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(n + 1))) {
        if (fread(buf, 1, n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = 0;
        }
    }
    fclose(f);
    return buf;
}

static int read_frame(FILE *f, uint8_t *buf, size_t size)
{
    return fread(buf, 1, size, f) == size;
}

static double psnr(double se, double n)
{
    if (n <= 0)
        return NAN;
    if (se <= 0)
        return INFINITY;
    return 10 * log10(255.0 * 255.0 / (se / n));
}

static void print_num(const char *name, double v, int last, int prec)
{
    if (isnan(v))
        printf("\"%s\": null%s", name, last ? "" : ", ");
    else if (isinf(v))
        printf("\"%s\": \"inf\"%s", name, last ? "" : ", ");
    else
        printf("\"%s\": %.*f%s", name, prec, v, last ? "" : ", ");
}

/* 8-connected components of the marked pixels with at least 2 pixels;
 * lab is scratch of w * h ints, stack of w * h ints. */
static int count_blobs(const uint8_t *on, int w, int h, int *stack)
{
    uint8_t *seen = calloc((size_t)w * h, 1);
    int blobs = 0, i;

    if (!seen)
        return -1;
    for (i = 0; i < w * h; i++) {
        int sp = 0, area = 0;
        if (!on[i] || seen[i])
            continue;
        seen[i] = 1;
        stack[sp++] = i;
        while (sp) {
            int k = stack[--sp], x = k % w, y = k / w, dx, dy;
            area++;
            for (dy = -1; dy <= 1; dy++)
                for (dx = -1; dx <= 1; dx++) {
                    int nx = x + dx, ny = y + dy, nk;
                    if (nx < 0 || ny < 0 || nx >= w || ny >= h)
                        continue;
                    nk = ny * w + nx;
                    if (on[nk] && !seen[nk]) {
                        seen[nk] = 1;
                        stack[sp++] = nk;
                    }
                }
        }
        blobs += area >= 2;
    }
    free(seen);
    return blobs;
}

int main(int argc, char **argv)
{
    cJSON *truth = NULL, *tracks, *pixels, *jt;
    FILE *fc = NULL, *fd = NULL, *fr = NULL;
    uint8_t *buf[3] = { NULL }, *core = NULL, *halo = NULL, *changed = NULL;
    int *stack = NULL;
    char *text;
    int w, h, nframes, frame, ret = 1;
    long spots_total = 0, spots_fixed = 0, px_total = 0, px_fixed = 0, blobs = 0;
    double se_def = 0, se_def0 = 0, n_def = 0, se_out = 0, n_out = 0;
    size_t fsize;

    if (argc != 5) {
        fprintf(stderr, "usage: spscore TRUTH.json CLEAN.yuv DEGRADED.yuv REPAIRED.yuv\n");
        return 2;
    }
    if (!(text = slurp(argv[1])) || !(truth = cJSON_Parse(text))) {
        fprintf(stderr, "spscore: cannot read the truth file '%s'\n", argv[1]);
        free(text);
        return 1;
    }
    free(text);
    w = cJSON_GetObjectItem(truth, "width")->valueint;
    h = cJSON_GetObjectItem(truth, "height")->valueint;
    nframes = cJSON_GetObjectItem(truth, "frames")->valueint;
    tracks = cJSON_GetObjectItem(truth, "spot_tracks");
    pixels = cJSON_GetObjectItem(truth, "pixels");
    fsize = (size_t)w * h * 3 / 2;
    fc = fopen(argv[2], "rb");
    fd = fopen(argv[3], "rb");
    fr = fopen(argv[4], "rb");
    if (!fc || !fd || !fr) {
        fprintf(stderr, "spscore: cannot open the clips\n");
        goto end;
    }
    for (int i = 0; i < 3; i++)
        buf[i] = malloc(fsize);
    core = malloc((size_t)w * h);
    halo = malloc((size_t)w * h);
    changed = malloc((size_t)w * h);
    stack = malloc(sizeof(*stack) * (size_t)w * h * 9);
    if (!buf[0] || !buf[1] || !buf[2] || !core || !halo || !changed || !stack)
        goto end;

    for (frame = 0; frame < nframes; frame++) {
        const uint8_t *c, *d, *r;
        cJSON *ft = cJSON_GetArrayItem(tracks, frame);
        int x, y;

        if (!read_frame(fc, buf[0], fsize) || !read_frame(fd, buf[1], fsize) ||
            !read_frame(fr, buf[2], fsize))
            break;
        c = buf[0];
        d = buf[1];
        r = buf[2];
        memset(core, 0, (size_t)w * h);
        cJSON_ArrayForEach(jt, ft) {
            double cx = cJSON_GetArrayItem(jt, 0)->valuedouble;
            double cy = cJSON_GetArrayItem(jt, 1)->valuedouble;
            double rad = 1.5 * cJSON_GetArrayItem(jt, 2)->valuedouble;
            double e0 = 0, e1 = 0;
            int n = 0;
            for (y = (int)floor(cy - rad); y <= (int)ceil(cy + rad); y++)
                for (x = (int)floor(cx - rad); x <= (int)ceil(cx + rad); x++) {
                    size_t k;
                    if (x < 0 || y < 0 || x >= w || y >= h ||
                        (x - cx) * (x - cx) + (y - cy) * (y - cy) > rad * rad)
                        continue;
                    k = (size_t)y * w + x;
                    core[k] = 1;
                    e0 += abs(d[k] - c[k]);
                    e1 += abs(r[k] - c[k]);
                    n++;
                }
            if (!n)
                continue;
            e0 /= n;
            e1 /= n;
            if (e0 < 4)
                continue;
            spots_total++;
            spots_fixed += e1 <= 0.3 * e0 || e1 < 3;
        }
        cJSON_ArrayForEach(jt, pixels) {
            int px = cJSON_GetObjectItem(jt, "x")->valueint;
            int py = cJSON_GetObjectItem(jt, "y")->valueint;
            size_t cw = w / 2, ck = (size_t)(py / 2) * cw + px / 2;
            const uint8_t *cu = c + (size_t)w * h, *cv = cu + cw * (h / 2);
            const uint8_t *du = d + (size_t)w * h, *dv = du + cw * (h / 2);
            const uint8_t *ru = r + (size_t)w * h, *rv = ru + cw * (h / 2);
            int m0 = 0, m1 = 0;
            double e0, e1;
            for (y = py - 1; y <= py + 1; y++)
                for (x = px - 1; x <= px + 1; x++) {
                    size_t k;
                    if (x < 0 || y < 0 || x >= w || y >= h)
                        continue;
                    k = (size_t)y * w + x;
                    core[k] = 1;
                    if (abs(d[k] - c[k]) > m0) m0 = abs(d[k] - c[k]);
                    if (abs(r[k] - c[k]) > m1) m1 = abs(r[k] - c[k]);
                }
            e0 = m0 + abs(du[ck] - cu[ck]) + abs(dv[ck] - cv[ck]);
            e1 = m1 + abs(ru[ck] - cu[ck]) + abs(rv[ck] - cv[ck]);
            if (e0 < 12)
                continue;
            px_total++;
            px_fixed += e1 <= 0.3 * e0 || e1 < 6;
        }
        /* halo: core grown by 4 px (a 9x9 square) */
        memset(halo, 0, (size_t)w * h);
        for (y = 0; y < h; y++)
            for (x = 0; x < w; x++) {
                int dx, dy;
                if (!core[(size_t)y * w + x])
                    continue;
                for (dy = -4; dy <= 4; dy++)
                    for (dx = -4; dx <= 4; dx++) {
                        int nx = x + dx, ny = y + dy;
                        if (nx >= 0 && ny >= 0 && nx < w && ny < h)
                            halo[(size_t)ny * w + nx] = 1;
                    }
            }
        for (size_t k = 0; k < (size_t)w * h; k++) {
            int er = r[k] - c[k], ed = d[k] - c[k], o = r[k] - d[k];
            if (core[k]) {
                se_def += (double)er * er;
                se_def0 += (double)ed * ed;
                n_def++;
            }
            changed[k] = !halo[k] && abs(o) > 25;
            if (!halo[k]) {
                se_out += (double)o * o;
                n_out++;
            }
        }
        blobs += count_blobs(changed, w, h, stack);
    }
    printf("{\"frames\": %d, \"expected_frames\": %d, ", frame, nframes);
    print_num("spot_fixed", spots_total ? (double)spots_fixed / spots_total : NAN, 0, 4);
    print_num("pixel_fixed", px_total ? (double)px_fixed / px_total : NAN, 0, 4);
    print_num("psnr_defect", psnr(se_def, n_def), 0, 2);
    print_num("psnr_defect_noop", psnr(se_def0, n_def), 0, 2);
    print_num("psnr_outside", psnr(se_out, n_out), 0, 2);
    print_num("false_blobs", frame ? (double)blobs / frame : NAN, 1, 3);
    printf("}\n");
    ret = frame == nframes ? 0 : 1;
end:
    if (fc) fclose(fc);
    if (fd) fclose(fd);
    if (fr) fclose(fr);
    for (int i = 0; i < 3; i++)
        free(buf[i]);
    free(core);
    free(halo);
    free(changed);
    free(stack);
    cJSON_Delete(truth);
    return ret;
}
