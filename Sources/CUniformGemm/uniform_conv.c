// Uniform convolutions without an im2col matrix: see include/uniform_gemm.h.
//
// The product is the one `uniform_gemm` computes on the im2col matrix — out[o][position] =
// Σ_p w[o][p] · window(position)[p] with p = (c, ki, kj) — but with the roles laid out the other way
// round: a micro-kernel computes a tile of MR output positions × NR output channels, broadcasting
// the MR input values of step p (read from a zero-padded copy of the images, at a fixed offset of
// each position's window) against NR packed weights. Each element is still one fused multiply-add
// chain over p in order, from zero, so the results are the im2col product's, bit for bit, at every
// position of every image.
#include "uniform_gemm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define UNIFORM_CONV_X86 1
#endif

enum { KC = 256, MAX_MR = 8 };

// rows[r] points at the first value of position r's window in the padded images; step p reads
// rows[r][off[p]]. bp holds kc × nr packed weights; c is the tile (MR rows `ldc` apart).
typedef void (*ConvKernel)(long kc, const float *const *rows, const long *off, const float *bp, float *c, long ldc,
                           int accumulate);

static void conv_portable(long kc, const float *const *rows, const long *off, const float *bp, float *c, long ldc,
                          int accumulate) {
    enum { MR = 4, NR = 8 };
    float acc[MR][NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) acc[i][j] = accumulate ? c[i * ldc + j] : 0.0f;
    for (long p = 0; p < kc; p++) {
        long o = off[p];
        for (int i = 0; i < MR; i++) {
            float av = rows[i][o];
            for (int j = 0; j < NR; j++) acc[i][j] = fmaf(av, bp[j], acc[i][j]);
        }
        bp += NR;
    }
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) c[i * ldc + j] = acc[i][j];
}

#ifdef UNIFORM_CONV_X86

__attribute__((target("avx2,fma")))
static void conv_avx2(long kc, const float *const *rows, const long *off, const float *bp, float *c, long ldc,
                      int accumulate) {
    const float *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3], *r4 = rows[4], *r5 = rows[5];
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    if (accumulate) {
        c00 = _mm256_loadu_ps(c + 0 * ldc); c01 = _mm256_loadu_ps(c + 0 * ldc + 8);
        c10 = _mm256_loadu_ps(c + 1 * ldc); c11 = _mm256_loadu_ps(c + 1 * ldc + 8);
        c20 = _mm256_loadu_ps(c + 2 * ldc); c21 = _mm256_loadu_ps(c + 2 * ldc + 8);
        c30 = _mm256_loadu_ps(c + 3 * ldc); c31 = _mm256_loadu_ps(c + 3 * ldc + 8);
        c40 = _mm256_loadu_ps(c + 4 * ldc); c41 = _mm256_loadu_ps(c + 4 * ldc + 8);
        c50 = _mm256_loadu_ps(c + 5 * ldc); c51 = _mm256_loadu_ps(c + 5 * ldc + 8);
    } else {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps();
    }
    for (long p = 0; p < kc; p++) {
        const long o = off[p];
        __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
        __m256 a;
        a = _mm256_broadcast_ss(r0 + o); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
        a = _mm256_broadcast_ss(r1 + o); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
        a = _mm256_broadcast_ss(r2 + o); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
        a = _mm256_broadcast_ss(r3 + o); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
        a = _mm256_broadcast_ss(r4 + o); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
        a = _mm256_broadcast_ss(r5 + o); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
        bp += 16;
    }
    _mm256_storeu_ps(c + 0 * ldc, c00); _mm256_storeu_ps(c + 0 * ldc + 8, c01);
    _mm256_storeu_ps(c + 1 * ldc, c10); _mm256_storeu_ps(c + 1 * ldc + 8, c11);
    _mm256_storeu_ps(c + 2 * ldc, c20); _mm256_storeu_ps(c + 2 * ldc + 8, c21);
    _mm256_storeu_ps(c + 3 * ldc, c30); _mm256_storeu_ps(c + 3 * ldc + 8, c31);
    _mm256_storeu_ps(c + 4 * ldc, c40); _mm256_storeu_ps(c + 4 * ldc + 8, c41);
    _mm256_storeu_ps(c + 5 * ldc, c50); _mm256_storeu_ps(c + 5 * ldc + 8, c51);
}

__attribute__((target("avx512f")))
static void conv_avx512(long kc, const float *const *rows, const long *off, const float *bp, float *c, long ldc,
                        int accumulate) {
    __m512 acc[8][2];
    for (int i = 0; i < 8; i++) {
        acc[i][0] = accumulate ? _mm512_loadu_ps(c + i * ldc) : _mm512_setzero_ps();
        acc[i][1] = accumulate ? _mm512_loadu_ps(c + i * ldc + 16) : _mm512_setzero_ps();
    }
    for (long p = 0; p < kc; p++) {
        const long o = off[p];
        __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
        for (int i = 0; i < 8; i++) {
            __m512 a = _mm512_set1_ps(rows[i][o]);
            acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
        }
        bp += 32;
    }
    for (int i = 0; i < 8; i++) {
        _mm512_storeu_ps(c + i * ldc, acc[i][0]);
        _mm512_storeu_ps(c + i * ldc + 16, acc[i][1]);
    }
}

#endif

static ConvKernel conv_kernel(UniformGemmKernel kernel) {
    switch (kernel) {
#ifdef UNIFORM_CONV_X86
    case UniformGemmKernelAVX2: return conv_avx2;
    case UniformGemmKernelAVX512: return conv_avx512;
#endif
    default: return conv_portable;
    }
}

// Scratch buffers, one set per thread, grown on demand.
typedef struct {
    float *data;
    size_t size;
} Scratch;

static _Thread_local Scratch packed_weights, padded_images, tile_rows, flipped_weights;
static _Thread_local long *offsets = NULL, *bases = NULL;
static _Thread_local size_t offsets_size = 0, bases_size = 0;

static float *scratch(Scratch *s, size_t count) {
    if (s->size < count) {
        free(s->data);
        s->data = aligned_alloc(64, ((count * sizeof(float) + 63) / 64) * 64);
        s->size = s->data ? count : 0;
        if (!s->data) abort();
    }
    return s->data;
}

static long *index_buffer(long **slot, size_t *size, size_t count) {
    if (*size < count) {
        free(*slot);
        *slot = malloc(count * sizeof(long));
        *size = *slot ? count : 0;
        if (!*slot) abort();
    }
    return *slot;
}

void uniform_conv(UniformGemmKernel kernel, const float *w, long out_channels, const UniformConvShape *g,
                  const float *x, long images, float *out) {
    const long spatial = g->out_h * g->out_w;
    if (images <= 0 || out_channels <= 0 || spatial <= 0) return;
    const long kh = g->kernel_h, kw = g->kernel_w, channels = g->channels;
    const long depth = channels * kh * kw;
    if (depth <= 0) {
        memset(out, 0, (size_t)(images * out_channels * spatial) * sizeof(float));
        return;
    }
    const long mr = uniform_gemm_tile_rows(kernel), nr = uniform_gemm_tile_columns(kernel);
    ConvKernel micro = conv_kernel(kernel);

    // The zero-padded plane: every window of every output lies inside it.
    long pad_bottom = (g->out_h - 1) * g->stride_h + kh - g->pad_top - g->height;
    long pad_right = (g->out_w - 1) * g->stride_w + kw - g->pad_left - g->width;
    if (pad_bottom < 0) pad_bottom = 0;
    if (pad_right < 0) pad_right = 0;
    const long ph = g->height + g->pad_top + pad_bottom, pw = g->width + g->pad_left + pad_right;
    const long plane = ph * pw, image_size = channels * plane;

    // Weights in panels of nr output channels, depth-major: panel q, step p, channel j.
    const long panels = (out_channels + nr - 1) / nr, padded_channels = panels * nr;
    float *wp = scratch(&packed_weights, (size_t)(panels * depth * nr));
    for (long q = 0; q < panels; q++)
        for (long p = 0; p < depth; p++)
            for (long j = 0; j < nr; j++) {
                long o = q * nr + j;
                wp[(q * depth + p) * nr + j] = o < out_channels ? w[o * depth + p] : 0.0f;
            }

    // Step p = (c, ki, kj) reads at this offset from a window's first value.
    long *off = index_buffer(&offsets, &offsets_size, (size_t)depth);
    for (long c = 0, p = 0; c < channels; c++)
        for (long ki = 0; ki < kh; ki++)
            for (long kj = 0; kj < kw; kj++) off[p++] = c * plane + ki * pw + kj;

    // A few images at a time, so that their padded copy and the result tile stay in cache.
    long group = (long)((256 * 1024) / (size_t)((image_size + spatial * padded_channels) * (long)sizeof(float)));
    if (group < 1) group = 1;
    if (group > images) group = images;
    const long max_positions = group * spatial, tiles_rows = (max_positions + mr - 1) / mr * mr;
    float *xp = scratch(&padded_images, (size_t)(group * image_size));
    float *result = scratch(&tile_rows, (size_t)(tiles_rows * padded_channels));
    long *base = index_buffer(&bases, &bases_size, (size_t)max_positions);

    const long kblocks = (depth + KC - 1) / KC, kc_max = (depth + kblocks - 1) / kblocks;
    const float *rows[MAX_MR];

    for (long first = 0; first < images; first += group) {
        const long count = images - first < group ? images - first : group;
        const long positions = count * spatial;
        memset(xp, 0, (size_t)(count * image_size) * sizeof(float));
        for (long n = 0; n < count; n++)
            for (long c = 0; c < channels; c++)
                for (long y = 0; y < g->height; y++)
                    memcpy(xp + n * image_size + c * plane + (y + g->pad_top) * pw + g->pad_left,
                           x + ((first + n) * channels + c) * g->height * g->width + y * g->width,
                           (size_t)g->width * sizeof(float));
        for (long t = 0; t < positions; t++) {
            long n = t / spatial, s = t % spatial, oy = s / g->out_w, ox = s % g->out_w;
            base[t] = n * image_size + oy * g->stride_h * pw + ox * g->stride_w;
        }
        for (long p0 = 0; p0 < depth; p0 += kc_max) {
            const long kc = depth - p0 < kc_max ? depth - p0 : kc_max;
            for (long q = 0; q < panels; q++) {
                const float *bpanel = wp + (q * depth + p0) * nr;
                for (long t = 0; t < positions; t += mr) {
                    // Rows past the last position repeat it; their results are never read.
                    for (long r = 0; r < mr; r++) rows[r] = xp + base[t + r < positions ? t + r : positions - 1];
                    micro(kc, rows, off + p0, bpanel, result + t * padded_channels + q * nr, padded_channels, p0 > 0);
                }
            }
        }
        // Positions × channels → NCHW.
        for (long n = 0; n < count; n++)
            for (long o = 0; o < out_channels; o++) {
                float *dst = out + ((first + n) * out_channels + o) * spatial;
                const float *src = result + n * spatial * padded_channels + o;
                for (long s = 0; s < spatial; s++) dst[s] = src[s * padded_channels];
            }
    }
}

void uniform_conv_input_gradient(UniformGemmKernel kernel, const float *w, long out_channels,
                                 const UniformConvShape *g, const float *gy, long images, float *gx) {
    const long channels = g->channels, kh = g->kernel_h, kw = g->kernel_w;
    // w'[c][o][ki'][kj'] = w[o][c][kh − 1 − ki'][kw − 1 − kj'].
    float *flipped = scratch(&flipped_weights, (size_t)(channels * out_channels * kh * kw));
    for (long o = 0; o < out_channels; o++)
        for (long c = 0; c < channels; c++)
            for (long ki = 0; ki < kh; ki++)
                for (long kj = 0; kj < kw; kj++)
                    flipped[((c * out_channels + o) * kh + (kh - 1 - ki)) * kw + (kw - 1 - kj)] =
                        w[((o * channels + c) * kh + ki) * kw + kj];
    UniformConvShape t = {
        .channels = out_channels, .height = g->out_h, .width = g->out_w,
        .kernel_h = kh, .kernel_w = kw, .stride_h = 1, .stride_w = 1,
        .pad_top = kh - 1 - g->pad_top, .pad_left = kw - 1 - g->pad_left,
        .out_h = g->height, .out_w = g->width,
    };
    uniform_conv(kernel, flipped, channels, &t, gy, images, gx);
}
