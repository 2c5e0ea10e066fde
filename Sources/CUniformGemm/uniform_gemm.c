// Uniform single-precision matrix products: see include/uniform_gemm.h.
//
// The layout follows the usual packed design (Goto & van de Geijn, "Anatomy of high-performance
// matrix multiplication"): op(B) is copied in blocks of KC rows into panels NR columns wide, op(A)
// in blocks of MC rows into panels MR rows high, and a micro-kernel computes one MR × NR tile of C
// from one panel of each, keeping the tile in registers for the whole depth of the block.
//
// What makes it uniform: every element of C is one chain acc = fma(a[i][p], b[p][j], acc) for
// p = 0, 1, …, k − 1, whatever kernel, tile or block computes it. Tiles at the edges are padded with
// zeros and computed whole, in a scratch tile, so they run the same instructions as inner ones; a
// block of the inner dimension continues the chain from the value the previous block stored, which
// is exact. Vector lanes are independent chains, so 16-lane, 8-lane and scalar code agree bit for
// bit.
#include "uniform_gemm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define UNIFORM_GEMM_X86 1
#endif

enum { KC = 256, MC = 96, NC = 3072, MAX_MR = 8, MAX_NR = 32 };

typedef void (*MicroKernel)(long kc, const float *ap, const float *bp, float *c, long ldc, int accumulate);

// Packs rows i0..<i0+mc, columns p0..<p0+kc of op(A) into panels of `mr` rows: panel q holds, for
// each p, the mr values of rows i0 + q·mr … (zeros past the last row).
static void pack_a(int transA, const float *a, long lda, long i0, long mc, long p0, long kc, long mr, float *dst) {
    for (long q = 0; q < mc; q += mr) {
        long rows = mc - q < mr ? mc - q : mr;
        if (transA) {
            for (long p = 0; p < kc; p++) {
                const float *src = a + (p0 + p) * lda + i0 + q;
                float *out = dst + p * mr;
                for (long r = 0; r < rows; r++) out[r] = src[r];
                for (long r = rows; r < mr; r++) out[r] = 0;
            }
        } else {
            // One sequential stream per row of the panel, the packed values written in order.
            const float *src = a + (i0 + q) * lda + p0;
            for (long p = 0; p < kc; p++) {
                float *out = dst + p * mr;
                for (long r = 0; r < rows; r++) out[r] = src[r * lda + p];
                for (long r = rows; r < mr; r++) out[r] = 0;
            }
        }
        dst += kc * mr;
    }
}

// Packs rows p0..<p0+kc, columns j0..<j0+nc of op(B) into panels of `nr` columns (zeros past the
// last column).
static void pack_b(int transB, const float *b, long ldb, long p0, long kc, long j0, long nc, long nr, float *dst) {
    const long full = nc / nr * nr;
    if (!transB) {
        // Row by row of B, contiguous reads; whole panels by fixed-size copies.
        for (long p = 0; p < kc; p++) {
            const float *src = b + (p0 + p) * ldb + j0;
            float *out = dst + p * nr;
            long q = 0;
            switch (nr) {
            case 8: for (; q < full; q += 8, out += kc * 8) __builtin_memcpy(out, src + q, 8 * sizeof(float)); break;
            case 16: for (; q < full; q += 16, out += kc * 16) __builtin_memcpy(out, src + q, 16 * sizeof(float)); break;
            case 32: for (; q < full; q += 32, out += kc * 32) __builtin_memcpy(out, src + q, 32 * sizeof(float)); break;
            default: for (; q < full; q += nr, out += kc * nr) memcpy(out, src + q, (size_t)nr * sizeof(float)); break;
            }
            if (q < nc) {
                for (long j = 0; j < nc - q; j++) out[j] = src[q + j];
                for (long j = nc - q; j < nr; j++) out[j] = 0;
            }
        }
        return;
    }
    // One sequential stream per column of the panel (a row of the stored B).
    for (long q = 0; q < nc; q += nr) {
        long cols = nc - q < nr ? nc - q : nr;
        const float *src = b + (j0 + q) * ldb + p0;
        for (long p = 0; p < kc; p++) {
            float *out = dst + p * nr;
            for (long j = 0; j < cols; j++) out[j] = src[j * ldb + p];
            for (long j = cols; j < nr; j++) out[j] = 0;
        }
        dst += kc * nr;
    }
}

// ---- Portable kernel: 4 × 8 tiles, one fmaf per element and step. ---------------------------------

static void kernel_portable(long kc, const float *ap, const float *bp, float *c, long ldc, int accumulate) {
    enum { MR = 4, NR = 8 };
    float acc[MR][NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) acc[i][j] = accumulate ? c[i * ldc + j] : 0.0f;
    for (long p = 0; p < kc; p++) {
        for (int i = 0; i < MR; i++) {
            float av = ap[i];
            for (int j = 0; j < NR; j++) acc[i][j] = fmaf(av, bp[j], acc[i][j]);
        }
        ap += MR;
        bp += NR;
    }
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) c[i * ldc + j] = acc[i][j];
}

#ifdef UNIFORM_GEMM_X86

// ---- AVX2 + FMA kernel: 6 × 16 tiles in twelve 8-lane accumulators. --------------------------------

__attribute__((target("avx2,fma")))
static void kernel_avx2(long kc, const float *ap, const float *bp, float *c, long ldc, int accumulate) {
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
        __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
        __m256 a;
        a = _mm256_broadcast_ss(ap + 0); c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
        a = _mm256_broadcast_ss(ap + 1); c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
        a = _mm256_broadcast_ss(ap + 2); c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
        a = _mm256_broadcast_ss(ap + 3); c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
        a = _mm256_broadcast_ss(ap + 4); c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
        a = _mm256_broadcast_ss(ap + 5); c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
        ap += 6;
        bp += 16;
    }
    _mm256_storeu_ps(c + 0 * ldc, c00); _mm256_storeu_ps(c + 0 * ldc + 8, c01);
    _mm256_storeu_ps(c + 1 * ldc, c10); _mm256_storeu_ps(c + 1 * ldc + 8, c11);
    _mm256_storeu_ps(c + 2 * ldc, c20); _mm256_storeu_ps(c + 2 * ldc + 8, c21);
    _mm256_storeu_ps(c + 3 * ldc, c30); _mm256_storeu_ps(c + 3 * ldc + 8, c31);
    _mm256_storeu_ps(c + 4 * ldc, c40); _mm256_storeu_ps(c + 4 * ldc + 8, c41);
    _mm256_storeu_ps(c + 5 * ldc, c50); _mm256_storeu_ps(c + 5 * ldc + 8, c51);
}

// ---- AVX-512 kernel: 8 × 32 tiles in sixteen 16-lane accumulators. ---------------------------------

__attribute__((target("avx512f")))
static void kernel_avx512(long kc, const float *ap, const float *bp, float *c, long ldc, int accumulate) {
    __m512 acc[8][2];
    for (int i = 0; i < 8; i++) {
        acc[i][0] = accumulate ? _mm512_loadu_ps(c + i * ldc) : _mm512_setzero_ps();
        acc[i][1] = accumulate ? _mm512_loadu_ps(c + i * ldc + 16) : _mm512_setzero_ps();
    }
    for (long p = 0; p < kc; p++) {
        __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
        for (int i = 0; i < 8; i++) {
            __m512 a = _mm512_set1_ps(ap[i]);
            acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
        }
        ap += 8;
        bp += 32;
    }
    for (int i = 0; i < 8; i++) {
        _mm512_storeu_ps(c + i * ldc, acc[i][0]);
        _mm512_storeu_ps(c + i * ldc + 16, acc[i][1]);
    }
}

#endif

int uniform_gemm_supports(UniformGemmKernel kernel) {
    switch (kernel) {
    case UniformGemmKernelPortable: return 1;
#ifdef UNIFORM_GEMM_X86
    case UniformGemmKernelAVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case UniformGemmKernelAVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f");
#endif
    default: return 0;
    }
}

UniformGemmKernel uniform_gemm_best_kernel(void) {
    if (uniform_gemm_supports(UniformGemmKernelAVX512)) return UniformGemmKernelAVX512;
    if (uniform_gemm_supports(UniformGemmKernelAVX2)) return UniformGemmKernelAVX2;
    return UniformGemmKernelPortable;
}

long uniform_gemm_tile_rows(UniformGemmKernel kernel) {
    switch (kernel) {
    case UniformGemmKernelAVX2: return 6;
    case UniformGemmKernelAVX512: return 8;
    default: return 4;
    }
}

long uniform_gemm_tile_columns(UniformGemmKernel kernel) {
    switch (kernel) {
    case UniformGemmKernelAVX2: return 16;
    case UniformGemmKernelAVX512: return 32;
    default: return 8;
    }
}

static MicroKernel micro_kernel(UniformGemmKernel kernel) {
    switch (kernel) {
#ifdef UNIFORM_GEMM_X86
    case UniformGemmKernelAVX2: return kernel_avx2;
    case UniformGemmKernelAVX512: return kernel_avx512;
#endif
    default: return kernel_portable;
    }
}

// Packing buffers, one pair per thread, grown on demand and kept for the thread's next product.
static _Thread_local float *packed_a = NULL, *packed_b = NULL;
static _Thread_local size_t packed_a_size = 0, packed_b_size = 0;

static float *buffer(float **slot, size_t *size, size_t count) {
    if (*size < count) {
        free(*slot);
        *slot = aligned_alloc(64, ((count * sizeof(float) + 63) / 64) * 64);
        *size = *slot ? count : 0;
    }
    return *slot;
}

static void product(UniformGemmKernel kernel, int transA, int transB, long m, long n, long k,
                    const float *a, long lda, const float *b, long ldb, int accumulate, float *c, long ldc) {
    if (k <= 0) {
        if (!accumulate)
            for (long i = 0; i < m; i++) memset(c + i * ldc, 0, (size_t)n * sizeof(float));
        return;
    }
    const long mr = uniform_gemm_tile_rows(kernel), nr = uniform_gemm_tile_columns(kernel);
    MicroKernel micro = micro_kernel(kernel);
    // Depth blocks of equal size (at most KC), so that no block is a short tail.
    const long kblocks = (k + KC - 1) / KC;
    const long kcMax = (k + kblocks - 1) / kblocks;
    const long ncMax = ((n < NC ? n : NC) + nr - 1) / nr * nr;
    const long mcMax = ((m < MC ? m : MC) + mr - 1) / mr * mr;
    float *bp = buffer(&packed_b, &packed_b_size, (size_t)(kcMax * ncMax));
    float *ap = buffer(&packed_a, &packed_a_size, (size_t)(kcMax * mcMax));
    if (!bp || !ap) abort();
    float edge[MAX_MR * MAX_NR];
    for (long j0 = 0; j0 < n; j0 += NC) {
        long nc = n - j0 < NC ? n - j0 : NC;
        for (long p0 = 0; p0 < k; p0 += kcMax) {
            long kc = k - p0 < kcMax ? k - p0 : kcMax;
            // The chain starts from zero in the first block (unless accumulating) and continues
            // from the stored partial sums in the others.
            int add = accumulate || p0 > 0;
            pack_b(transB, b, ldb, p0, kc, j0, nc, nr, bp);
            for (long i0 = 0; i0 < m; i0 += MC) {
                long mc = m - i0 < MC ? m - i0 : MC;
                pack_a(transA, a, lda, i0, mc, p0, kc, mr, ap);
                for (long jr = 0; jr < nc; jr += nr) {
                    long cols = nc - jr < nr ? nc - jr : nr;
                    const float *bpanel = bp + (jr / nr) * kc * nr;
                    for (long ir = 0; ir < mc; ir += mr) {
                        long rows = mc - ir < mr ? mc - ir : mr;
                        const float *apanel = ap + (ir / mr) * kc * mr;
                        float *tile = c + (i0 + ir) * ldc + j0 + jr;
                        if (rows == mr && cols == nr) {
                            micro(kc, apanel, bpanel, tile, ldc, add);
                        } else {
                            // An edge tile: the same kernel on a padded scratch tile.
                            if (add)
                                for (long i = 0; i < rows; i++) memcpy(edge + i * nr, tile + i * ldc, (size_t)cols * sizeof(float));
                            micro(kc, apanel, bpanel, edge, nr, add);
                            for (long i = 0; i < rows; i++) memcpy(tile + i * ldc, edge + i * nr, (size_t)cols * sizeof(float));
                        }
                    }
                }
            }
        }
    }
}

void uniform_gemm(UniformGemmKernel kernel, int transA, int transB, long m, long n, long k,
                  const float *a, long lda, const float *b, long ldb, int accumulate, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    product(kernel, transA, transB, m, n, k, a, lda, b, ldb, accumulate, c, ldc);
}
