/*
 * Image sequences, the parts shared by images.c (the job), imgseq.c (file
 * lists and output names), jpeg.c and png.c (the codecs). Private to the
 * program: main.c sees only cli.h.
 */
#ifndef SPOTHEAL_SRC_CLI_IMAGES_H
#define SPOTHEAL_SRC_CLI_IMAGES_H

#include <stddef.h>
#include <stdint.h>

#include "src/cli/cli.h"

enum CliImageType {
    CLI_IMG_NONE = 0,
    CLI_IMG_JPEG,
    CLI_IMG_PNG,
};

/* One APPn or COM marker of a JPEG, kept verbatim. */
typedef struct CliJpegMarker {
    int code;              /* 0xe0..0xef, 0xfe */
    unsigned len;
    uint8_t *data;
} CliJpegMarker;

typedef struct CliJpegInfo {
    uint8_t *file;         /* the whole input file: coefficients are read
                              again from it when the output is written */
    size_t file_size;
    int nb_comp;
    int comp_id[4], h_samp[4], v_samp[4], quant_no[4];
    int max_h, max_v;
    uint16_t quant[4][64]; /* natural order */
    int has_quant[4];
    int progressive, arith, restart_interval;
    CliJpegMarker *markers;
    int nb_markers;
    int corrupt;           /* libjpeg warned: data missing or damaged */
} CliJpegInfo;

/* Raw PNG chunks kept verbatim (text, colour, density, time, EXIF). */
typedef struct CliPngChunk {
    char name[5];
    uint8_t location;      /* libpng's PNG_HAVE_* position */
    size_t size;
    uint8_t *data;
} CliPngChunk;

typedef struct CliPngInfo {
    int bit_depth;         /* 8 or 16 as stored in the frame */
    int interlace;
    CliPngChunk *chunks;
    int nb_chunks;
} CliPngInfo;

/* One decoded image: the frame the library sees, and what the writer needs
 * to write it back as its input was. */
typedef struct CliImage {
    SpFrame frame;         /* first member: the library's release() gets it */
    int type;              /* enum CliImageType of the input */
    int64_t seq;           /* position in the sequence */
    const char *path;      /* input file (owned by the sequence) */
    const char *out_path;  /* output file, or NULL (analyze) */
    uint8_t *buf;          /* all planes, one allocation */
    uint64_t *block_hash;  /* DCT-domain writing: a fingerprint of every
                              decoded 8x8 block, component after component */
    size_t hash_off[4];    /* where each component's fingerprints start */
    size_t buf_size;
    int plane_h[4];        /* rows allocated per plane (JPEG: whole MCUs) */
    CliJpegInfo jpg;
    CliPngInfo png;
    int refs;              /* the library and the writer; freed at 0 */
    void *job;
} CliImage;

/* How a JPEG is written back. */
typedef struct CliJpegWriteStats {
    int64_t blocks;        /* blocks in the image (all components) */
    int64_t changed;       /* blocks re-encoded from new pixels */
    int64_t own_tables;    /* images written with their own Huffman tables */
    int64_t spliced;       /* of those, with the input's coded data spliced */
    int64_t recoded;       /* with optimised tables from the input's symbols */
} CliJpegWriteStats;

/* --- imgseq.c: which files, in which order, written where ------------- */

typedef struct CliSeqEntry {
    char *in;              /* input path */
    char *out;             /* output path, or NULL */
    int64_t number;        /* the number a pattern gave it, else -1 */
} CliSeqEntry;

typedef struct CliSeq {
    CliSeqEntry *e;
    int nb, cap;
    int from_pattern;
} CliSeq;

/* List the images of an input spec (pattern, glob, folder, one file), in
 * order. Logs an error naming the spec; returns 0 or a negative error. */
int cli_seq_list(const CliOptions *o, const char *spec, CliSeq *seq);

/* Name the outputs: a pattern numbered in sequence order (with the input's
 * numbers when the input is a pattern), or a folder keeping the names, or
 * one file for one image. Creates a folder named with a trailing '/'. */
int cli_seq_outputs(const CliOptions *o, const char *out, CliSeq *seq);

void cli_seq_free(CliSeq *seq);

/* Natural order: "img2" < "img10". */
int cli_natural_cmp(const char *a, const char *b);

/* The image type a file name's extension says, or CLI_IMG_NONE. */
int cli_image_type_of(const char *path);

/* --- jpeg.c ----------------------------------------------------------- */

/* Decode a JPEG to planar YCbCr at its own subsampling (or GRAY). With
 * keep_orig every decoded block's fingerprint is kept for DCT-domain
 * writing.
 * Logs errors and warnings naming the file. */
int cli_jpeg_read(const CliOptions *o, CliImage *img, int keep_orig);

/* Write img to path. Modes: qscale >= 1 re-encodes with ffmpeg's tables for
 * that -q:v; full != 0 re-encodes every block with the input's tables;
 * else only the blocks whose pixels changed are re-encoded and every other
 * block keeps its coefficients. */
int cli_jpeg_write(const CliOptions *o, const CliImage *img, const char *path,
                   int qscale, int full, CliJpegWriteStats *st);
/* Whether the block-wise writer could code the file at path, unchanged,
 * with its own Huffman tables (1, 0; -1 when unreadable): the check it
 * makes, for the tests (an optimised file's tables hold exactly its
 * symbols, so the answer must be 1). */
int cli_jpeg_own_tables_cover(const char *path);
/* For the tests: the file at path with the DC of n blocks changed
 * ({ component, bx, by, new DC }); returns whether its own tables code
 * it by the writer's check of the changed differences alone (-1 when
 * unreadable), and in *full by the walk over every block. */
int cli_jpeg_tables_cover_both(const char *path, const int (*change)[4], int n,
                               int *full);
/* For the tests: the coefficients of the file at path, a fifth of the
 * blocks replaced by pseudo-random ones (seed), written with optimised
 * tables to lib_out by the library's statistics pass and to own_out by
 * the block-wise writer's (the two files must be the same). Returns 0, 1
 * when the writer's pass declined (a progressive or arithmetic-coded
 * file), -1 on error. */
int cli_jpeg_test_optimal_tables(const char *path, const char *lib_out,
                                 const char *own_out, unsigned seed);

/* jpeg_splice.c: img written as the block-wise writer writes it, from the
 * input's coded data rather than its coefficients read again: the n blocks
 * { component, bx, by } (sorted by component, then by, then bx) take the
 * coefficients coef (natural order). Returns 0 with the whole file in *out
 * (malloc'd, *out_size bytes) when its own Huffman tables code it (the bits
 * of every block whose code stays copied), 2 the same when they do not and
 * it is coded with optimised tables, 1 when the file is not one it handles
 * (the caller writes it the library's way), or -ENOMEM. */
int cli_jpeg_splice(const CliImage *img, const int (*blocks)[3],
                    const int16_t (*coef)[64], int n, uint8_t **out, size_t *out_size);

/* Annex K.2/K.3's Huffman table for the symbol counts in freq (changed),
 * as libjpeg makes it: the DHT's 16 counts (bits[1..16]) and symbols. */
int cli_jpeg_huff_optimal(long freq[257], uint8_t bits[17], uint8_t val[256]);

/* For the tests: img (read with keep_orig, its pixels changed) written by
 * the block-wise writer through the library to lib_out and as it writes by
 * default to own_out (the two files must be the same). Returns what
 * cli_jpeg_splice returned for the default way (0 spliced, 2 coded again
 * with optimised tables, 1 the library's way), -1 on error. */
int cli_jpeg_test_splice(const CliOptions *o, const CliImage *img, const char *lib_out,
                         const char *own_out);

/* Forward DCT of an 8x8 block of 8-bit samples (level shift included) and
 * quantisation by a table in natural order, rounding to nearest, as the
 * JPEG standard (ITU T.81, A.3.3 and A.3.4) defines them. */
void cli_jpeg_fdct_quant(const uint8_t *src, ptrdiff_t stride,
                         const uint16_t *quant, int16_t *out);
/* The plain version of it (the optimised one must give the same values). */
void cli_jpeg_fdct_quant_c(const uint8_t *src, ptrdiff_t stride,
                           const uint16_t *quant, int16_t *out);

void cli_jpeg_info_free(CliJpegInfo *j);

/* Zigzag order: the natural-order index of each coded coefficient. */
extern const uint8_t cli_jpeg_zigzag[64];

/* Bits of |v|: its JPEG magnitude category (0 for 0). */
static inline int cli_jpeg_nbits(int v)
{
    unsigned a = (unsigned)(v < 0 ? -v : v);

    return a ? 32 - __builtin_clz(a) : 0;
}

/* A block's AC coefficients (b in natural order) as baseline JPEG codes
 * them (ITU T.81 F.1.2.2): the run/size symbols in sym[], a run of 16
 * zeros as 0xf0 and the end of block as 0x00 where zeros end the block,
 * and each symbol's value bits in val[] (the low sym & 15 bits of the
 * coefficient, less one when negative; 0 for 0xf0 and 0x00). Returns the
 * number of symbols (at most 64), or -1 for a coefficient over category
 * 10, which baseline cannot code. */
static inline int cli_jpeg_ac_symbols(const int16_t *b, uint8_t sym[64], uint16_t val[64])
{
    int k, n = 0, run = 0;

    for (k = 1; k < 64; k++) {
        int v = b[cli_jpeg_zigzag[k]], nb;
        if (!v) {
            run++;
            continue;
        }
        for (; run > 15; run -= 16) {
            sym[n] = 0xf0;
            val[n++] = 0;
        }
        if ((nb = cli_jpeg_nbits(v)) > 10)
            return -1;
        sym[n] = (uint8_t)(run << 4 | nb);
        val[n++] = (uint16_t)((unsigned)(v < 0 ? v - 1 : v) & ((1u << nb) - 1));
        run = 0;
    }
    if (run) {
        sym[n] = 0;
        val[n++] = 0;
    }
    return n;
}

/* --- png.c ------------------------------------------------------------ */

int cli_png_read(const CliOptions *o, CliImage *img);
int cli_png_write(const CliOptions *o, const CliImage *img, const char *path);
void cli_png_info_free(CliPngInfo *p);

/* --- images.c --------------------------------------------------------- */

/* A new image with planes for the layout in img->frame (width, height,
 * nb_planes, depth, color, ss_x, ss_y), rows padded to pad_w x pad_h
 * blocks: strides and plane heights cover whole blocks. Sets data/stride. */
int cli_image_alloc(CliImage *img, int block_w[4], int rows[4]);

/* Read one image by type; keep_orig as for cli_jpeg_read. */
int cli_image_read(const CliOptions *o, CliImage *img, int keep_orig);

void cli_image_free(CliImage *img);

#endif /* SPOTHEAL_SRC_CLI_IMAGES_H */
