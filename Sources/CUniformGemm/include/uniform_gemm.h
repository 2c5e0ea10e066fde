// Single-precision matrix products in which every element of the result is computed by the same
// sequence of operations, wherever it sits in the matrix: one fused multiply-add chain over the
// inner dimension, in order, starting from zero (or from the element's old value). An image's
// activations therefore do not depend on its position in a batch, on the other images, on how the
// work is split over threads, or on which instruction set runs (AVX-512, AVX2 + FMA or the portable
// code give the same bits, since a fused multiply-add is correctly rounded everywhere).
#ifndef GLASSBOX_UNIFORM_GEMM_H
#define GLASSBOX_UNIFORM_GEMM_H

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction sets the products can run with.
typedef enum {
    UniformGemmKernelPortable = 0,  // plain C with fmaf
    UniformGemmKernelAVX2 = 1,      // AVX2 + FMA, 6 × 16 tiles
    UniformGemmKernelAVX512 = 2,    // AVX-512F, 8 × 32 tiles
} UniformGemmKernel;

/// The best kernel this processor supports.
UniformGemmKernel uniform_gemm_best_kernel(void);

/// Whether this processor can run `kernel`.
int uniform_gemm_supports(UniformGemmKernel kernel);

/// C = op(A) · op(B) (accumulate = 0) or C = C + op(A) · op(B) (accumulate = 1), row-major, where
/// op(A) is m × k (A stored k × m with leading dimension lda when transA), op(B) is k × n (B stored
/// n × k when transB), C is m × n with leading dimension ldc. Single-threaded: callers split the
/// rows or columns over threads; the result does not depend on the split. `kernel` must be
/// supported by the processor.
void uniform_gemm(UniformGemmKernel kernel, int transA, int transB, long m, long n, long k,
                  const float *a, long lda, const float *b, long ldb, int accumulate, float *c, long ldc);

/// The tile height and width of `kernel` (rows and columns of C computed together); splits of the
/// work along rows or columns are cheapest in multiples of these.
long uniform_gemm_tile_rows(UniformGemmKernel kernel);
long uniform_gemm_tile_columns(UniformGemmKernel kernel);

#ifdef __cplusplus
}
#endif

#endif
