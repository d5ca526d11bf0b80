/*
 * hotpix: a camera's hot pixels for the profile tests, painted on raw
 * clips and scored after the repair.
 *
 *   hotpix make -s WxH [-n N] [-r SEED] > LIST
 *   hotpix paint -s WxH -l LIST < in.yuv > out.yuv
 *   hotpix score -s WxH -l LIST [-R RADIUS] CLEAN.yuv DEGRADED.yuv REPAIRED.yuv
 *   hotpix fpn -s WxH [-r SEED] < in.yuv > out.yuv
 *   hotpix psnr -s WxH A.yuv B.yuv
 *
 * fpn adds a sensor's fixed pattern to every frame: per luma sample a
 * Gaussian offset of sd 2 levels plus one of sd 1 per column, per chroma
 * sample one of sd 1, the same on every frame for a seed. psnr prints
 * "psnr_y=DB psnr_all=DB" over all frames of two clips.
 *
 * Frames are raw yuv420p 8-bit. make draws N hot pixels 16 px or more
 * from the edges and 6 px or more from each other, one line each
 * "x y dy dcb dcr": a third strong (40-120 levels), a third medium
 * (12-30), a third faint (4-8 levels, the hardest to find); one in four
 * is coloured (most of its level in one chroma channel, a quarter in
 * luma), the others white (all in luma, an eighth in Cr). paint adds
 * them to every frame, the chroma to the pixel's 4:2:0 sample.
 *
 * score prints one line of key=value:
 *   visible   (frame, pixel) instances whose degraded error (largest of
 *             the luma error at the pixel and of its chroma sample's)
 *             is 3 levels or more
 *   fixed     those whose repaired error fell to 30 % of the degraded one
 *   recall    fixed / visible; faint_* the same for the 4-8 level ones
 *   changed_outside  samples (any plane) that the repair changed farther
 *             than RADIUS (default 3) full-resolution pixels from every
 *             hot pixel: false repairs
 * With HOTPIX_DEBUG set, every instance left unfixed is listed on stderr,
 * with each plane's degraded and repaired error (Y, Cb, Cr), so that a
 * pixel the repair left alone (the same error twice) is told from one
 * the fill rebuilt wrong, and in which plane.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Hot {
    int x, y, dy, dcb, dcr;
} Hot;

static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static int clamp8(int v)
{
    return v < 0 ? 0 : v > 255 ? 255 : v;
}

static int read_list(const char *path, Hot **out)
{
    FILE *f = fopen(path, "r");
    Hot *h = NULL, *n;
    int nb = 0, cap = 0;
    Hot t;

    if (!f)
        return -1;
    while (fscanf(f, "%d %d %d %d %d", &t.x, &t.y, &t.dy, &t.dcb, &t.dcr) == 5) {
        if (nb == cap) {
            cap = cap ? cap * 2 : 64;
            if (!(n = realloc(h, cap * sizeof(*n)))) {
                free(h);
                fclose(f);
                return -1;
            }
            h = n;
        }
        h[nb++] = t;
    }
    fclose(f);
    *out = h;
    return nb;
}

/* A Gaussian deviate of sd 1: the sum of 12 uniform ones, less 6. */
static double gauss(uint32_t *s)
{
    double v = 0;
    int i;

    for (i = 0; i < 12; i++)
        v += (rnd(s) & 0xffff) / 65536.0;
    return v - 6;
}

static int usage(void)
{
    fputs("usage: hotpix make -s WxH [-n N] [-r SEED] > LIST\n"
          "       hotpix paint -s WxH -l LIST < in.yuv > out.yuv\n"
          "       hotpix score -s WxH -l LIST [-R RADIUS] CLEAN DEGRADED REPAIRED\n"
          "       hotpix fpn -s WxH [-r SEED] < in.yuv > out.yuv\n"
          "       hotpix psnr -s WxH A.yuv B.yuv\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    int w = 0, h = 0, n = 40, radius = 3, i, nb = 0, nfile = 0;
    uint32_t seed = 1;
    const char *list = NULL, *files[3] = { NULL, NULL, NULL };
    Hot *hot = NULL;
    size_t fsize;

    if (argc < 2)
        return usage();
    for (i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-s") && v && sscanf(v, "%dx%d", &w, &h) == 2) i++;
        else if (!strcmp(a, "-n") && v) { n = atoi(v); i++; }
        else if (!strcmp(a, "-r") && v) { seed = (uint32_t)atoi(v); i++; }
        else if (!strcmp(a, "-l") && v) { list = v; i++; }
        else if (!strcmp(a, "-R") && v) { radius = atoi(v); i++; }
        else if (a[0] != '-' && nfile < 3) files[nfile++] = a;
        else return usage();
    }
    if (w < 64 || h < 64 || (w & 1) || (h & 1))
        return usage();
    fsize = (size_t)w * h * 3 / 2;

    if (!strcmp(argv[1], "make")) {
        Hot *p = calloc(n > 0 ? n : 1, sizeof(*p));
        int tries = 0;
        if (!p)
            return 1;
        while (nb < n && tries++ < 100000) {
            Hot t;
            int j, ok = 1, band = nb % 3, level;
            t.x = 16 + (int)(rnd(&seed) % (unsigned)(w - 32));
            t.y = 16 + (int)(rnd(&seed) % (unsigned)(h - 32));
            for (j = 0; j < nb; j++)
                if (abs(p[j].x - t.x) < 6 && abs(p[j].y - t.y) < 6)
                    ok = 0;
            if (!ok)
                continue;
            level = band == 0 ? 40 + (int)(rnd(&seed) % 81)
                  : band == 1 ? 12 + (int)(rnd(&seed) % 19)
                              : 4 + (int)(rnd(&seed) % 5);
            if (nb % 4 == 3) { /* coloured: one chroma channel */
                t.dy = level / 4;
                t.dcb = rnd(&seed) & 1 ? level : 0;
                t.dcr = t.dcb ? 0 : level;
            } else {
                t.dy = level;
                t.dcb = 0;
                t.dcr = level / 8;
            }
            p[nb++] = t;
        }
        for (i = 0; i < nb; i++)
            printf("%d %d %d %d %d\n", p[i].x, p[i].y, p[i].dy, p[i].dcb, p[i].dcr);
        free(p);
        return 0;
    }
    if (!strcmp(argv[1], "fpn")) {
        uint8_t *buf = malloc(fsize);
        int16_t *pat = malloc(fsize * sizeof(*pat));
        double *col = malloc(w * sizeof(*col));
        size_t k;
        int x;
        if (!buf || !pat || !col)
            return 1;
        for (x = 0; x < w; x++)
            col[x] = gauss(&seed);
        for (k = 0; k < fsize; k++) {
            double v = k < (size_t)w * h ? 2 * gauss(&seed) + col[k % w] : gauss(&seed);
            pat[k] = (int16_t)(v < 0 ? v - 0.5 : v + 0.5);
        }
        while (fread(buf, 1, fsize, stdin) == fsize) {
            for (k = 0; k < fsize; k++)
                buf[k] = (uint8_t)clamp8(buf[k] + pat[k]);
            if (fwrite(buf, 1, fsize, stdout) != fsize)
                return 1;
        }
        free(buf);
        free(pat);
        free(col);
        return 0;
    }
    if (!strcmp(argv[1], "psnr") && nfile == 2) {
        FILE *fa = fopen(files[0], "rb"), *fb = fopen(files[1], "rb");
        uint8_t *a = malloc(fsize), *b = malloc(fsize);
        double sy = 0, sa = 0, ny = 0, na = 0;
        size_t k;
        if (!fa || !fb || !a || !b)
            return 1;
        while (fread(a, 1, fsize, fa) == fsize && fread(b, 1, fsize, fb) == fsize)
            for (k = 0; k < fsize; k++) {
                double d = (double)a[k] - b[k];
                if (k < (size_t)w * h) {
                    sy += d * d;
                    ny++;
                }
                sa += d * d;
                na++;
            }
        if (!na)
            return 1;
        printf("psnr_y=%.2f psnr_all=%.2f\n",
               sy ? 10 * log10(255.0 * 255.0 * ny / sy) : 99.0,
               sa ? 10 * log10(255.0 * 255.0 * na / sa) : 99.0);
        fclose(fa);
        fclose(fb);
        free(a);
        free(b);
        return 0;
    }
    if (!list || (nb = read_list(list, &hot)) < 0) {
        fprintf(stderr, "hotpix: cannot read the list\n");
        return 1;
    }

    if (!strcmp(argv[1], "paint")) {
        uint8_t *buf = malloc(fsize);
        if (!buf)
            return 1;
        while (fread(buf, 1, fsize, stdin) == fsize) {
            uint8_t *Y = buf, *U = buf + (size_t)w * h, *V = U + (size_t)w * h / 4;
            for (i = 0; i < nb; i++) {
                const Hot *t = &hot[i];
                size_t c = (size_t)(t->y / 2) * (w / 2) + t->x / 2;
                Y[(size_t)t->y * w + t->x] = (uint8_t)clamp8(Y[(size_t)t->y * w + t->x] + t->dy);
                U[c] = (uint8_t)clamp8(U[c] + t->dcb);
                V[c] = (uint8_t)clamp8(V[c] + t->dcr);
            }
            if (fwrite(buf, 1, fsize, stdout) != fsize)
                return 1;
        }
        free(buf);
        free(hot);
        return 0;
    }

    if (!strcmp(argv[1], "score") && nfile == 3) {
        FILE *f[3];
        uint8_t *b[3], *near = calloc((size_t)w * h, 1);
        long visible = 0, fixed = 0, fvis = 0, ffix = 0, outside = 0, frames = 0;
        int k, x, y;
        for (k = 0; k < 3; k++) {
            if (!(f[k] = fopen(files[k], "rb")) || !(b[k] = malloc(fsize))) {
                fprintf(stderr, "hotpix: cannot read '%s'\n", files[k]);
                return 1;
            }
        }
        if (!near)
            return 1;
        for (i = 0; i < nb; i++)
            for (y = hot[i].y - radius; y <= hot[i].y + radius; y++)
                for (x = hot[i].x - radius; x <= hot[i].x + radius; x++)
                    if (x >= 0 && y >= 0 && x < w && y < h)
                        near[(size_t)y * w + x] = 1;
        while (fread(b[0], 1, fsize, f[0]) == fsize && fread(b[1], 1, fsize, f[1]) == fsize &&
               fread(b[2], 1, fsize, f[2]) == fsize) {
            const uint8_t *C = b[0], *D = b[1], *R = b[2];
            size_t cy = (size_t)w * h;
            frames++;
            for (i = 0; i < nb; i++) {
                const Hot *t = &hot[i];
                size_t py = (size_t)t->y * w + t->x;
                size_t pc = (size_t)(t->y / 2) * (w / 2) + t->x / 2;
                int ed = abs(D[py] - C[py]), er = abs(R[py] - C[py]), p;
                for (p = 0; p < 2; p++) {
                    size_t o = cy + (size_t)p * (w / 2) * (h / 2) + pc;
                    if (abs(D[o] - C[o]) > ed) ed = abs(D[o] - C[o]);
                    if (abs(R[o] - C[o]) > er) er = abs(R[o] - C[o]);
                }
                if (ed < 3)
                    continue;
                visible++;
                fixed += er <= 0.3 * ed;
                if (getenv("HOTPIX_DEBUG") && er > 0.3 * ed) {
                    size_t ou = cy + pc, ov = cy + cy / 4 + pc;
                    fprintf(stderr, "frame %ld (%d,%d) %d/%d/%d: degraded %d repaired %d "
                            "(Y %+d/%+d Cb %+d/%+d Cr %+d/%+d)\n",
                            frames - 1, t->x, t->y, t->dy, t->dcb, t->dcr, ed, er,
                            D[py] - C[py], R[py] - C[py], D[ou] - C[ou], R[ou] - C[ou],
                            D[ov] - C[ov], R[ov] - C[ov]);
                }
                if (abs(t->dy) <= 8 && t->dcb <= 8 && t->dcr <= 8) {
                    fvis++;
                    ffix += er <= 0.3 * ed;
                }
            }
            for (y = 0; y < h; y++)
                for (x = 0; x < w; x++) {
                    size_t py = (size_t)y * w + x;
                    size_t pc = (size_t)(y / 2) * (w / 2) + x / 2;
                    if (near[py])
                        continue;
                    outside += D[py] != R[py];
                    /* a chroma sample counts once, at its top-left pixel */
                    if (!(x & 1) && !(y & 1) && !near[py + 1] && !near[py + w] &&
                        !near[py + w + 1]) {
                        outside += D[cy + pc] != R[cy + pc];
                        outside += D[cy + cy / 4 + pc] != R[cy + cy / 4 + pc];
                    }
                }
        }
        printf("frames=%ld visible=%ld fixed=%ld recall=%.4f faint_visible=%ld "
               "faint_fixed=%ld faint_recall=%.4f changed_outside=%ld\n", frames,
               visible, fixed, visible ? (double)fixed / visible : 0, fvis, ffix,
               fvis ? (double)ffix / fvis : 0, outside);
        for (k = 0; k < 3; k++) {
            fclose(f[k]);
            free(b[k]);
        }
        free(near);
        free(hot);
        return 0;
    }
    return usage();
}
