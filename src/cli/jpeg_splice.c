/*
 * The block-wise JPEG writer's fast way: the input's entropy-coded data
 * spliced rather than decoded into coefficient arrays and coded again.
 *
 * When a baseline file of one interleaved scan can be written with its own
 * Huffman tables (the re-encoded blocks' symbols are in them), the library
 * would code every untouched block to the very bits the input holds for it:
 * baseline Huffman coding is canonical (a block's coefficients and the
 * tables fix its bits). So those bits are copied, and only the blocks
 * whose code changes are coded here: the re-encoded ones, the first block
 * after each (its DC difference changes with its predecessor's DC), and
 * the dummy blocks of the edge MCUs, which the library codes as a zero DC
 * difference and an end of block whatever the input had (and the real
 * block after one, whose predictor then differs). A block whose DC
 * difference alone changes keeps its AC bits. The input is parsed symbol
 * by symbol to find where each block's bits start (no coefficient is
 * stored); the headers are written as the library writes them for a
 * transcoded image with copied tables (DQT, SOF0 or SOF1, DHT, DRI, SOS,
 * libjpeg's jcmarker.c order), so the file is the library's to the byte.
 *
 * Anything this does not expect (another layout of scans, a table slot
 * without a DHT, a symbol the tables cannot code, a non-canonical code
 * such as zero runs before an end of block, restart markers out of turn,
 * data past the last block) declines, and the library's way is taken.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "src/cli/images.h"

#define LOOK 11 /* bits a Huffman code is looked up with at once */

#if defined(__GNUC__)
#define INLINE __attribute__((always_inline))
#else
#define INLINE
#endif

/* One Huffman table as a DHT gives it, with what decoding and coding it
 * needs (ITU T.81 annex C: the canonical codes in order of length). */
typedef struct SpliceTable {
    int defined;
    uint8_t bits[17];          /* codes of each length 1..16 */
    uint8_t val[256];          /* the symbols in code order */
    int nb;
    /* by the next LOOK bits: symbol | code length << 8 | (code length +
     * the AC coefficient's bits, when within LOOK) << 12; 0: a longer
     * code (2 bytes an entry: two tables stay in the first-level cache) */
    uint16_t look[1 << LOOK];
    int32_t maxcode[17];       /* largest code of each length, -1: none */
    int valoff[17];            /* val[] index of a code = valoff + code */
    uint16_t code[256];
    uint8_t size[256];         /* 0: the symbol has no code */
} SpliceTable;

/* Codes from bits/val; -1 for a table the library would refuse to code
 * with (a code too long for its length, a repeated symbol, a DC symbol
 * over 15). */
static int table_build(SpliceTable *t, int dc)
{
    int l, i, p = 0;
    unsigned code = 0;

    memset(t->look, 0, sizeof(t->look));
    memset(t->size, 0, sizeof(t->size));
    for (l = 1; l <= 16; l++) {
        t->valoff[l] = p - (int)code;
        for (i = 0; i < t->bits[l]; i++, p++, code++) {
            int sym = t->val[p];
            if (code >= (1u << l) || t->size[sym] || (dc && sym > 15))
                return -1;
            t->code[sym] = (uint16_t)code;
            t->size[sym] = (uint8_t)l;
            if (l <= LOOK) {
                unsigned k, first = code << (LOOK - l), n = 1u << (LOOK - l);
                /* only for a coefficient (not an end of block or zero
                 * run; not an AC size over 10, which the writer refuses,
                 * left to the other path's check) */
                int all = dc || !(sym & 15) || (sym & 15) > 10 ? 0 : l + (sym & 15);
                uint16_t e = (uint16_t)(sym | l << 8 | (all <= LOOK ? all << 12 : 0));
                for (k = 0; k < n; k++)
                    t->look[first + k] = e;
            }
        }
        t->maxcode[l] = t->bits[l] ? (int32_t)code - 1 : -1;
        code <<= 1;
    }
    return 0;
}

/* The bitstream, its stuffed zero bytes taken out, read most significant
 * bit first; padded so that a look ahead never leaves the buffer. */
static inline uint64_t peek(const uint8_t *u, size_t pos)
{
    uint64_t v;

    memcpy(&v, u + (pos >> 3), 8);
    return __builtin_bswap64(v) << (pos & 7); /* 57 bits at least valid */
}

/* The reader's state: acc holds the bits from pos + used on, 57 - used
 * of them valid; refilled before each symbol when fewer than 32 (a code
 * and its coefficient's bits) are left. */
typedef struct Bits {
    const uint8_t *u;
    size_t pos;
    uint64_t acc;
    int used;
} Bits;

static inline void bits_fill(Bits *b)
{
    if (b->used > 25) {
        b->pos += (size_t)b->used;
        b->acc = peek(b->u, b->pos);
        b->used = 0;
    }
}

static inline void bits_skip(Bits *b, int n)
{
    b->acc <<= n;
    b->used += n;
}

/* A code longer than LOOK: the next symbol, or -1 for a bit pattern
 * that is no code. */
static int decode_long(const SpliceTable *t, Bits *b)
{
    int l;

    for (l = LOOK + 1; l <= 16; l++) {
        int32_t c = (int32_t)(b->acc >> (64 - l));
        if (c <= t->maxcode[l]) {
            bits_skip(b, l);
            return t->val[t->valoff[l] + c];
        }
    }
    return -1;
}

/* A block's DC difference into *diff; -1 for no code or a category
 * over 11. */
static inline int parse_dc(const SpliceTable *dt, Bits *b, int *diff)
{
    unsigned e;
    int sym;

    bits_fill(b);
    e = dt->look[b->acc >> (64 - LOOK)];
    if (e) {
        sym = (int)(e & 255);
        bits_skip(b, (int)(e >> 8 & 15));
    } else if ((sym = decode_long(dt, b)) < 0) {
        return -1;
    }
    if (sym > 11)
        return -1;
    *diff = 0;
    if (sym) {
        uint32_t v = (uint32_t)(b->acc >> (64 - sym));
        *diff = v < (1u << (sym - 1)) ? (int)v - (1 << sym) + 1 : (int)v;
        bits_skip(b, sym);
    }
    return 0;
}

typedef struct BitOut {
    uint8_t *buf;
    size_t len, cap;
    uint64_t acc;              /* nb pending bits, the low ones */
    int nb;
    int fail;
} BitOut;

static int out_reserve(BitOut *w, size_t more)
{
    if (w->len + more <= w->cap)
        return 0;
    {
        size_t cap = w->cap * 2 > w->len + more ? w->cap * 2 : w->len + more;
        uint8_t *n = realloc(w->buf, cap);
        if (!n) {
            w->fail = 1;
            return -1;
        }
        w->buf = n;
        w->cap = cap;
    }
    return 0;
}

/* n (0..32) bits, a 0xFF byte of them stuffed with a zero. */
static inline void put_bits(BitOut *w, uint32_t v, int n)
{
    if (w->cap - w->len < 16 && out_reserve(w, 4096) < 0)
        return;
    w->acc = w->acc << n | (n == 32 ? v : v & ((1u << n) - 1));
    w->nb += n;
    while (w->nb >= 8) {
        uint8_t byte = (uint8_t)(w->acc >> (w->nb - 8));
        w->nb -= 8;
        w->buf[w->len++] = byte;
        if (byte == 0xff)
            w->buf[w->len++] = 0;
    }
}

/* The input's bits [a, b). */
static void copy_bits(BitOut *w, const uint8_t *u, size_t a, size_t b)
{
    for (; b - a >= 32; a += 32)
        put_bits(w, (uint32_t)(peek(u, a) >> 32), 32);
    if (b > a)
        put_bits(w, (uint32_t)(peek(u, a) >> (64 - (b - a))), (int)(b - a));
}

/* The last byte filled with ones, as the library pads. */
static void pad_byte(BitOut *w)
{
    if (w->nb)
        put_bits(w, 0x7f, 8 - w->nb);
}

static void put_byte(BitOut *w, uint8_t b)
{
    if (w->cap - w->len < 16 && out_reserve(w, 4096) < 0)
        return;
    w->buf[w->len++] = b;
}

static void put_2(BitOut *w, unsigned v)
{
    put_byte(w, (uint8_t)(v >> 8));
    put_byte(w, (uint8_t)v);
}

/* Code symbol sym of table t; 0 when t has no code for it. */
static inline int put_sym(BitOut *w, const SpliceTable *t, int sym)
{
    if (!t->size[sym])
        return 0;
    put_bits(w, t->code[sym], t->size[sym]);
    return 1;
}

/* A DC difference: its category's code and its bits. */
static int put_dc(BitOut *w, const SpliceTable *t, int d)
{
    int nb = cli_jpeg_nbits(d);

    if (nb > 11 || !put_sym(w, t, nb))
        return 0;
    if (nb)
        put_bits(w, (uint32_t)(d < 0 ? d - 1 : d), nb);
    return 1;
}

/* A block's AC coefficients (natural order), as the library codes them. */
static int put_ac(BitOut *w, const SpliceTable *t, const int16_t *b)
{
    uint8_t sym[64];
    uint16_t val[64];
    int i, n = cli_jpeg_ac_symbols(b, sym, val);

    for (i = 0; i < n; i++) {
        if (!put_sym(w, t, sym[i]))
            return 0;
        put_bits(w, val[i], sym[i] & 15);
    }
    return n >= 0;
}

/* A block's AC symbols to its end of block: counted in count[] and kept
 * in *st (each symbol with its coefficient's bits above it; *st moved on)
 * where those are given. Returns the zigzag index the coefficients end at
 * (1 for an end of block at once), or -1 for what is not spliced: no
 * code, a run past the block, an AC size over 10, zero runs not followed
 * by a coefficient (the library codes an end of block there). */
static inline INLINE int parse_ac(const SpliceTable *at, Bits *b, long *count, uint32_t **st)
{
    int k = 1, zrl = 0;

    while (k < 64) {
        unsigned e;
        uint32_t extra = 0;
        int sym, r, sz;
        bits_fill(b);
        e = at->look[b->acc >> (64 - LOOK)];
        if (e >> 12) {
            /* the code and the coefficient's bits in one look */
            int l = (int)(e >> 8 & 15);
            sym = (int)(e & 255);
            r = sym >> 4;
            sz = sym & 15;
            if (k + r > 63)
                return -1;
            if (st)
                extra = (uint32_t)((b->acc << l) >> (64 - sz));
            k += r + 1;
            bits_skip(b, (int)(e >> 12));
        } else {
            if (e) {
                sym = (int)(e & 255);
                bits_skip(b, (int)(e >> 8 & 15));
            } else if ((sym = decode_long(at, b)) < 0) {
                return -1;
            }
            r = sym >> 4;
            sz = sym & 15;
            if (!sz) {
                if (count)
                    count[sym]++;
                if (st)
                    *(*st)++ = (uint32_t)sym;
                if (r != 15)
                    break; /* end of block */
                k += 16;
                zrl = 1;
                continue;
            }
            if (sz > 10 || k + r > 63)
                return -1;
            if (st)
                extra = (uint32_t)(b->acc >> (64 - sz));
            k += r + 1;
            bits_skip(b, sz);
        }
        zrl = 0;
        if (count)
            count[sym]++;
        if (st)
            *(*st)++ = (uint32_t)sym | extra << 8;
    }
    return zrl || k > 64 ? -1 : k;
}

/* The symbols of a new block's AC coefficients (natural order) counted
 * and kept in *st as parse_ac keeps a block's own (*st moved on); -1 for
 * a coefficient the format cannot code. */
static int stash_ac(const int16_t *b, long *count, uint32_t **st)
{
    uint8_t sym[64];
    uint16_t val[64];
    int i, n = cli_jpeg_ac_symbols(b, sym, val);

    for (i = 0; i < n; i++) {
        count[sym[i]]++;
        *(*st)++ = (uint32_t)sym[i] | (uint32_t)val[i] << 8;
    }
    return n < 0 ? -1 : 0;
}

/* The input's headers, up to the scan: the Huffman tables and the scan's
 * components. Returns the offset of the entropy-coded data, or 0 when the
 * file is not of the kind spliced. */
typedef struct SpliceScan {
    SpliceTable dc[4], ac[4];
    int td[4], ta[4];          /* each component's tables */
} SpliceScan;

static size_t read_headers(const CliJpegInfo *j, SpliceScan *s)
{
    const uint8_t *f = j->file;
    size_t n = j->file_size, p = 2;
    int i;

    if (n < 4 || f[0] != 0xff || f[1] != 0xd8)
        return 0;
    for (;;) {
        unsigned m, len;
        while (p < n && f[p] == 0xff && p + 1 < n && f[p + 1] == 0xff)
            p++; /* fill bytes */
        if (p + 4 > n || f[p] != 0xff)
            return 0;
        m = f[p + 1];
        len = (unsigned)f[p + 2] << 8 | f[p + 3];
        if (len < 2 || p + 2 + len > n)
            return 0;
        if (m == 0xc4) { /* DHT: one table or more */
            size_t q = p + 4, end = p + 2 + len;
            while (q < end) {
                int tc, th, cnt = 0;
                SpliceTable *t;
                if (q + 17 > end)
                    return 0;
                tc = f[q] >> 4;
                th = f[q] & 15;
                if (tc > 1 || th > 3)
                    return 0;
                t = tc ? &s->ac[th] : &s->dc[th];
                t->bits[0] = 0;
                for (i = 1; i <= 16; i++)
                    cnt += t->bits[i] = f[q + i];
                if (cnt > 256 || q + 17 + cnt > end)
                    return 0;
                memcpy(t->val, f + q + 17, (size_t)cnt);
                t->nb = cnt;
                t->defined = 1;
                q += 17 + (size_t)cnt;
            }
        } else if (m == 0xda) { /* SOS */
            const uint8_t *h = f + p + 4;
            int ns = h[0];
            if (len != 6u + 2u * ns || ns != j->nb_comp)
                return 0;
            for (i = 0; i < ns; i++) {
                /* the components in the frame's order, as the library
                 * writes its one scan */
                if (h[1 + 2 * i] != j->comp_id[i])
                    return 0;
                s->td[i] = h[2 + 2 * i] >> 4;
                s->ta[i] = h[2 + 2 * i] & 15;
                if (s->td[i] > 3 || s->ta[i] > 3 || !s->dc[s->td[i]].defined ||
                    !s->ac[s->ta[i]].defined)
                    return 0;
            }
            if (h[1 + 2 * ns] != 0 || h[2 + 2 * ns] != 63 || h[3 + 2 * ns] != 0)
                return 0;
            return p + 2 + len;
        } else if (m == 0xc0 || m == 0xc1) {
            /* a sequential Huffman frame (the reader checked the rest) */
        } else if ((m >= 0xc2 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) ||
                   m == 0xdc || m == 0xd8 || m == 0xd9 || (m >= 0xd0 && m <= 0xd7)) {
            return 0; /* progressive, lossless, arithmetic, DNL, stray */
        }
        p += 2 + len;
    }
}

/* The data of the scan with its stuffing and restart markers taken out,
 * into u (padded), the bit offset where each restart interval starts into
 * rst (nb_rst of them, after the first). Returns the bits in all, or 0
 * when the data does not end in EOI after the expected markers. */
static size_t unstuff(const uint8_t *f, size_t n, size_t p, uint8_t *u,
                      size_t *rst, long max_rst, long *nb_rst)
{
    size_t k = 0;

    *nb_rst = 0;
    while (p < n) {
        const uint8_t *ff = memchr(f + p, 0xff, n - p);
        size_t run = ff ? (size_t)(ff - (f + p)) : n - p;
        memcpy(u + k, f + p, run);
        k += run;
        p += run;
        if (!ff || p + 1 >= n)
            return 0;
        if (f[p + 1] == 0) {
            u[k++] = 0xff;
            p += 2;
        } else if (f[p + 1] >= 0xd0 && f[p + 1] <= 0xd7) {
            if (*nb_rst >= max_rst || f[p + 1] - 0xd0 != (int)(*nb_rst % 8))
                return 0;
            rst[(*nb_rst)++] = k * 8;
            p += 2;
        } else if (f[p + 1] == 0xd9) {
            break;
        } else {
            return 0;
        }
    }
    if (p >= n || *nb_rst != max_rst)
        return 0;
    memset(u + k, 0, 256);
    return k * 8;
}

/* The position of block (ci, bx, by) in the sorted list, or -1. */
static int find_block(const int (*b)[3], int n, int ci, int bx, int by)
{
    int lo = 0, hi = n - 1;

    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = b[mid][0] - ci;
        if (!c)
            c = b[mid][2] - by;
        if (!c)
            c = b[mid][1] - bx;
        if (!c)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* The library's headers for the transcoded image, after SOI and the
 * markers: DQT of each table a component uses (16-bit entries where one
 * is over 255), SOF0 (SOF1 with such a table or a Huffman table slot over
 * 1), the components' DHTs (DC then AC, each once), DRI, SOS. */
static void put_headers(BitOut *w, const CliImage *img, const SpliceScan *s)
{
    const CliJpegInfo *j = &img->jpg;
    int sent_q[4] = { 0 }, sent_dc[4] = { 0 }, sent_ac[4] = { 0 };
    int ci, k, prec_any = 0, baseline = 1;

    for (ci = 0; ci < j->nb_comp; ci++) {
        int q = j->quant_no[ci], prec = 0;
        for (k = 0; k < 64; k++)
            prec |= j->quant[q][k] > 255;
        prec_any |= prec;
        if (sent_q[q])
            continue;
        sent_q[q] = 1;
        put_2(w, 0xffdb);
        put_2(w, prec ? 64 * 2 + 3 : 64 + 3);
        put_byte(w, (uint8_t)(q + (prec << 4)));
        for (k = 0; k < 64; k++) {
            unsigned v = j->quant[q][cli_jpeg_zigzag[k]];
            if (prec)
                put_byte(w, (uint8_t)(v >> 8));
            put_byte(w, (uint8_t)v);
        }
    }
    for (ci = 0; ci < j->nb_comp; ci++)
        if (s->td[ci] > 1 || s->ta[ci] > 1)
            baseline = 0;
    put_2(w, prec_any || !baseline ? 0xffc1 : 0xffc0);
    put_2(w, 3 * j->nb_comp + 8);
    put_byte(w, 8);
    put_2(w, (unsigned)img->frame.height);
    put_2(w, (unsigned)img->frame.width);
    put_byte(w, (uint8_t)j->nb_comp);
    for (ci = 0; ci < j->nb_comp; ci++) {
        put_byte(w, (uint8_t)j->comp_id[ci]);
        put_byte(w, (uint8_t)(j->h_samp[ci] << 4 | j->v_samp[ci]));
        put_byte(w, (uint8_t)j->quant_no[ci]);
    }
    for (ci = 0; ci < j->nb_comp; ci++) {
        const SpliceTable *t[2] = { &s->dc[s->td[ci]], &s->ac[s->ta[ci]] };
        int *sent[2] = { &sent_dc[s->td[ci]], &sent_ac[s->ta[ci]] }, e;
        for (e = 0; e < 2; e++) {
            if (*sent[e])
                continue;
            *sent[e] = 1;
            put_2(w, 0xffc4);
            put_2(w, (unsigned)(t[e]->nb + 2 + 1 + 16));
            put_byte(w, (uint8_t)((e ? s->ta[ci] + 0x10 : s->td[ci])));
            for (k = 1; k <= 16; k++)
                put_byte(w, t[e]->bits[k]);
            for (k = 0; k < t[e]->nb; k++)
                put_byte(w, t[e]->val[k]);
        }
    }
    if (j->restart_interval) {
        put_2(w, 0xffdd);
        put_2(w, 4);
        put_2(w, (unsigned)j->restart_interval);
    }
    put_2(w, 0xffda);
    put_2(w, (unsigned)(2 * j->nb_comp + 6));
    put_byte(w, (uint8_t)j->nb_comp);
    for (ci = 0; ci < j->nb_comp; ci++) {
        put_byte(w, (uint8_t)j->comp_id[ci]);
        put_byte(w, (uint8_t)(s->td[ci] << 4 | s->ta[ci]));
    }
    put_byte(w, 0);
    put_byte(w, 63);
    put_byte(w, 0);
}

typedef struct SpliceJob {
    const uint8_t *u;          /* the input's bits, unstuffed */
    size_t total;
    const size_t *rst;         /* where each restart interval starts */
    long nb_rst, ri;
    const int (*blocks)[3];
    const int16_t (*coef)[64];
    int n;
    uint64_t *chg[4];          /* a bit for each new block */
    int nc, mcu_w, mcu_h, bw[4], bh[4], hs[4], vs[4];
    const SpliceScan *in, *out;
    long (*fdc)[257], (*fac)[257]; /* the output's symbol counts, per slot */
} SpliceJob;

enum { PASS_SPLICE, PASS_COUNT };

/* What the counting pass keeps for the coding with optimised tables, a
 * word a block in coding order (its output DC difference in the low 16
 * bits, the number of its AC symbols that follow above them) and each of
 * those symbols with its coefficient's bits (as parse_ac keeps them; a
 * new block's from its coefficients, a dummy block's end of block): the
 * input is parsed once. */
typedef struct SpliceStash {
    uint32_t *w;
    size_t n, cap;
} SpliceStash;

static int stash_grow(SpliceStash *st)
{
    size_t cap = st->cap ? st->cap * 2 : 4096;
    uint32_t *w = realloc(st->w, cap * sizeof(*w));

    if (!w)
        return -ENOMEM;
    st->w = w;
    st->cap = cap;
    return 0;
}

/*
 * One pass over the input's blocks in coding order, predictors kept for
 * the input's DC values and for the output's. PASS_SPLICE writes the
 * output with the input's tables, copying the bits of each block whose
 * code stays; PASS_COUNT counts the output's symbols (for optimised
 * tables) and keeps them in st. Returns 0, 1 when the file is not one
 * that is spliced or a table lacks a symbol, or -ENOMEM.
 */
static inline INLINE int run_pass(const SpliceJob *J, int mode, BitOut *w, SpliceStash *st)
{
    Bits br;
    size_t from = 0, seg_end = J->nb_rst ? J->rst[0] : J->total, pos;
    int in_pred[4] = { 0 }, out_pred[4] = { 0 }, ci, mx, my;
    long m = 0;

    br.u = J->u;
    br.pos = 0;
    br.acc = peek(J->u, 0);
    br.used = 0;
    for (my = 0; my < J->mcu_h; my++)
        for (mx = 0; mx < J->mcu_w; mx++, m++) {
            if (J->ri && m && m % J->ri == 0) {
                /* a restart: the input's padding left out, the
                 * predictors reset, the writer's marker */
                long r = m / J->ri - 1;
                pos = br.pos + (size_t)br.used;
                if (pos > seg_end || seg_end - pos >= 8)
                    return 1;
                if (mode == PASS_SPLICE)
                    copy_bits(w, J->u, from, pos);
                if (mode != PASS_COUNT) {
                    pad_byte(w);
                    put_byte(w, (uint8_t)0xff);
                    put_byte(w, (uint8_t)(0xd0 + r % 8));
                }
                br.pos = from = J->rst[r];
                br.acc = peek(J->u, br.pos);
                br.used = 0;
                seg_end = r + 1 < J->nb_rst ? J->rst[r + 1] : J->total;
                memset(in_pred, 0, sizeof(in_pred));
                memset(out_pred, 0, sizeof(out_pred));
            }
            for (ci = 0; ci < J->nc; ci++) {
                const SpliceTable *dt = &J->in->dc[J->in->td[ci]], *at = &J->in->ac[J->in->ta[ci]];
                const SpliceTable *odt = &J->out->dc[J->out->td[ci]];
                const SpliceTable *oat = &J->out->ac[J->out->ta[ci]];
                long *cdc = J->fdc ? J->fdc[J->out->td[ci]] : NULL;
                long *cac = J->fac ? J->fac[J->out->ta[ci]] : NULL;
                int x, y;
                for (y = 0; y < J->vs[ci]; y++)
                    for (x = 0; x < J->hs[ci]; x++) {
                        int bx = mx * J->hs[ci] + x, by = my * J->vs[ci] + y, k;
                        int dummy = bx >= J->bw[ci] || by >= J->bh[ci], diff, idx = -1, d;
                        size_t start = br.pos + (size_t)br.used, ac_start, b;
                        if (parse_dc(dt, &br, &diff) < 0)
                            return 1;
                        in_pred[ci] += diff;
                        b = (size_t)by * J->bw[ci] + bx;
                        if (!dummy && J->n && J->chg[ci][b >> 6] >> (b & 63) & 1 &&
                            (idx = find_block(J->blocks, J->n, ci, bx, by)) < 0)
                            return 1;
                        /* the output's DC difference: a dummy block
                         * repeats the DC before it */
                        d = dummy ? 0 : (idx >= 0 ? J->coef[idx][0] : in_pred[ci]) - out_pred[ci];
                        if (!dummy)
                            out_pred[ci] += d;
                        if (mode == PASS_SPLICE) {
                            ac_start = br.pos + (size_t)br.used;
                            if ((k = parse_ac(at, &br, NULL, NULL)) < 0)
                                return 1;
                            pos = br.pos + (size_t)br.used;
                            if (idx >= 0 || (dummy && (diff || k != 1))) {
                                /* coded anew */
                                copy_bits(w, J->u, from, start);
                                if (!put_dc(w, odt, d) ||
                                    !(idx >= 0 ? put_ac(w, oat, J->coef[idx]) : put_sym(w, oat, 0)))
                                    return 1;
                                from = pos;
                            } else if (d != diff) {
                                /* its DC difference alone */
                                copy_bits(w, J->u, from, start);
                                if (!put_dc(w, odt, d))
                                    return 1;
                                from = ac_start;
                            }
                        } else {
                            int own = !dummy && idx < 0, nb = cli_jpeg_nbits(d);
                            uint32_t *head, *q;
                            if (nb > 11)
                                return 1;
                            cdc[nb]++;
                            if (st->cap - st->n < 65 && stash_grow(st) < 0)
                                return -ENOMEM;
                            head = st->w + st->n;
                            q = head + 1;
                            if ((k = parse_ac(at, &br, own ? cac : NULL, own ? &q : NULL)) < 0)
                                return 1;
                            if (dummy) {
                                cac[0]++;
                                *q++ = 0; /* an end of block */
                            } else if (idx >= 0 && stash_ac(J->coef[idx], cac, &q) < 0) {
                                return 1;
                            }
                            *head = (uint16_t)d | (uint32_t)(q - head - 1) << 16;
                            st->n = (size_t)(q - st->w);
                            pos = br.pos + (size_t)br.used;
                        }
                        if (pos > seg_end)
                            return 1;
                    }
            }
        }
    /* what is left is padding, or data the reader would have warned of */
    pos = br.pos + (size_t)br.used;
    if (pos > seg_end || seg_end - pos >= 8)
        return 1;
    if (mode == PASS_SPLICE)
        copy_bits(w, J->u, from, pos);
    if (mode != PASS_COUNT)
        pad_byte(w);
    return 0;
}

/* The passes, each made for its mode (the checks of the other out of
 * its loops). */
static int pass_splice(const SpliceJob *J, BitOut *w)
{
    return run_pass(J, PASS_SPLICE, w, NULL);
}

static int pass_count(const SpliceJob *J, SpliceStash *st)
{
    return run_pass(J, PASS_COUNT, NULL, st);
}

/* Every block coded again with the output's tables from what the
 * counting pass kept, in coding order with the writer's restart markers.
 * Returns 0, or 1 for a symbol a table has no code for. */
static int write_recoded(const SpliceJob *J, const uint32_t *st, BitOut *w)
{
    long m = 0;
    int ci, mx, my;

    for (my = 0; my < J->mcu_h; my++)
        for (mx = 0; mx < J->mcu_w; mx++, m++) {
            if (J->ri && m && m % J->ri == 0) {
                long r = m / J->ri - 1;
                pad_byte(w);
                put_byte(w, (uint8_t)0xff);
                put_byte(w, (uint8_t)(0xd0 + r % 8));
            }
            for (ci = 0; ci < J->nc; ci++) {
                const SpliceTable *odt = &J->out->dc[J->out->td[ci]];
                const SpliceTable *oat = &J->out->ac[J->out->ta[ci]];
                int nb = J->vs[ci] * J->hs[ci], j;
                for (j = 0; j < nb; j++) {
                    uint32_t head = *st++, i, nsym = head >> 16;
                    if (!put_dc(w, odt, (int16_t)(head & 0xffff)))
                        return 1;
                    for (i = 0; i < nsym; i++) {
                        uint32_t e = *st++;
                        int sym = (int)(e & 255);
                        if (!put_sym(w, oat, sym))
                            return 1;
                        if (sym & 15)
                            put_bits(w, e >> 8, sym & 15);
                    }
                }
            }
        }
    pad_byte(w);
    return 0;
}

/* SOI, the input's markers as they were, the library's headers for the
 * tables in sc. */
static void start_file(BitOut *w, const CliImage *img, const SpliceScan *sc)
{
    const CliJpegInfo *j = &img->jpg;
    int i;

    w->len = 0;
    w->acc = 0;
    w->nb = 0;
    put_2(w, 0xffd8);
    for (i = 0; i < j->nb_markers; i++) {
        if (out_reserve(w, j->markers[i].len + 4) < 0)
            return;
        put_2(w, 0xff00 | (unsigned)j->markers[i].code);
        put_2(w, j->markers[i].len + 2);
        memcpy(w->buf + w->len, j->markers[i].data, j->markers[i].len);
        w->len += j->markers[i].len;
    }
    put_headers(w, img, sc);
}

int cli_jpeg_splice(const CliImage *img, const int (*blocks)[3],
                    const int16_t (*coef)[64], int n, uint8_t **out, size_t *out_size)
{
    const CliJpegInfo *j = &img->jpg;
    SpliceScan *s = NULL, *o = NULL;
    SpliceJob J;
    BitOut w = { NULL, 0, 0, 0, 0, 0 };
    SpliceStash st = { NULL, 0, 0 };
    uint8_t *u = NULL;
    size_t *rst = NULL, data;
    long mcus;
    int ci, i, k, nc = j->nb_comp, covered = 1;
    uint64_t *bits = NULL;
    long (*counts)[257] = NULL;
    int ret = 1;

    *out = NULL;
    *out_size = 0;
    memset(&J, 0, sizeof(J));
    if (j->progressive || j->arith || j->corrupt || (nc != 1 && nc != 3))
        return 1;
    J.nc = nc;
    J.ri = j->restart_interval;
    J.blocks = blocks;
    J.coef = coef;
    J.n = n;
    for (ci = 0; ci < nc; ci++) {
        if (!j->has_quant[j->quant_no[ci]] || j->v_samp[ci] > 4 || j->h_samp[ci] > 4)
            return 1;
        J.bw[ci] = (int)(((long)img->frame.width * j->h_samp[ci] + (long)j->max_h * 8 - 1) /
                         ((long)j->max_h * 8));
        J.bh[ci] = (int)(((long)img->frame.height * j->v_samp[ci] + (long)j->max_v * 8 - 1) /
                         ((long)j->max_v * 8));
        J.hs[ci] = nc == 1 ? 1 : j->h_samp[ci];
        J.vs[ci] = nc == 1 ? 1 : j->v_samp[ci];
    }
    if (nc == 1) {
        J.mcu_w = J.bw[0];
        J.mcu_h = J.bh[0];
    } else {
        J.mcu_w = (img->frame.width + j->max_h * 8 - 1) / (j->max_h * 8);
        J.mcu_h = (img->frame.height + j->max_v * 8 - 1) / (j->max_v * 8);
    }
    mcus = (long)J.mcu_w * J.mcu_h;
    if (!(s = calloc(2, sizeof(*s))))
        return -ENOMEM;
    o = s + 1;
    if (!(data = read_headers(j, s)))
        goto end;
    for (ci = 0; ci < nc; ci++)
        if (table_build(&s->dc[s->td[ci]], 1) < 0 || table_build(&s->ac[s->ta[ci]], 0) < 0)
            goto end;
    /* the new blocks' AC symbols first: where the own tables lack one (an
     * optimised input's often do), they are not tried */
    for (i = 0; i < n && covered; i++) {
        const SpliceTable *t = &s->ac[s->ta[blocks[i][0]]];
        uint8_t sym[64];
        uint16_t val[64];
        int m = cli_jpeg_ac_symbols(coef[i], sym, val);
        covered = m >= 0;
        for (k = 0; k < m && covered; k++)
            covered = t->size[sym[k]] != 0;
    }
    ret = -ENOMEM;
    {
        /* which blocks are new, a bit each */
        size_t words = 0, off[4];
        for (ci = 0; ci < nc; ci++) {
            off[ci] = words;
            words += ((size_t)J.bw[ci] * J.bh[ci] + 63) / 64;
        }
        if (!(bits = calloc(words, sizeof(*bits))))
            goto end;
        for (ci = 0; ci < nc; ci++)
            J.chg[ci] = bits + off[ci];
        for (i = 0; i < n; i++) {
            size_t b = (size_t)blocks[i][2] * J.bw[blocks[i][0]] + blocks[i][1];
            J.chg[blocks[i][0]][b >> 6] |= (uint64_t)1 << (b & 63);
        }
    }
    if (!(u = malloc(j->file_size - data + 256)) ||
        !(rst = malloc(sizeof(*rst) * (J.ri ? (size_t)((mcus + J.ri - 1) / J.ri) : 1))))
        goto end;
    ret = 1;
    J.total = unstuff(j->file, j->file_size, data, u, rst,
                      J.ri ? (mcus + J.ri - 1) / J.ri - 1 : 0, &J.nb_rst);
    if (!J.total)
        goto end;
    J.u = u;
    J.rst = rst;
    w.cap = j->file_size + 4096;
    ret = -ENOMEM;
    if (!(w.buf = malloc(w.cap)))
        goto end;
    ret = 1;
    J.in = s;
    if (covered) {
        /* the input's own tables */
        J.out = s;
        start_file(&w, img, s);
        if (!pass_splice(&J, &w)) {
            ret = 0;
            goto done;
        }
    }
    /* optimised tables, in the slots the library gives a transcoded
     * image's components (luma 0, chroma 1), from the counts of the
     * symbols the output codes: annex K as the library makes them */
    ret = -ENOMEM;
    if (!(counts = calloc(8, sizeof(*counts))))
        goto end;
    ret = 1;
    J.fdc = counts;
    J.fac = counts + 4;
    for (ci = 0; ci < nc; ci++)
        o->td[ci] = o->ta[ci] = ci > 0;
    J.out = o;
    if ((k = pass_count(&J, &st)) != 0) {
        if (k < 0)
            ret = k;
        goto end;
    }
    for (k = 0; k < 2; k++) {
        SpliceTable *t[2] = { &o->dc[k], &o->ac[k] };
        int e;
        if (k > 0 && nc == 1)
            break;
        for (e = 0; e < 2; e++) {
            if (cli_jpeg_huff_optimal((e ? J.fac : J.fdc)[k], t[e]->bits, t[e]->val) < 0)
                goto end;
            for (t[e]->nb = 0, i = 1; i <= 16; i++)
                t[e]->nb += t[e]->bits[i];
            t[e]->defined = 1;
            if (table_build(t[e], !e) < 0)
                goto end;
        }
    }
    J.fdc = J.fac = NULL;
    start_file(&w, img, o);
    if (write_recoded(&J, st.w, &w))
        goto end;
    ret = 2;
done:
    put_2(&w, 0xffd9);
    if (w.fail) {
        ret = -ENOMEM;
        goto end;
    }
    *out = w.buf;
    *out_size = w.len;
    w.buf = NULL;
end:
    free(w.buf);
    free(st.w);
    free(counts);
    free(bits);
    free(u);
    free(rst);
    free(s);
    return ret;
}
