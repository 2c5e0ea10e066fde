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

/// The geometry of a convolution: input planes `height` × `width` of `channels` channels, a
/// `kernel_h` × `kernel_w` window moved by `stride_h`, `stride_w`, `pad_top` and `pad_left` zero rows
/// and columns before the input, and `out_h` × `out_w` outputs (zeros are read past every edge).
typedef struct {
    long channels, height, width;
    long kernel_h, kernel_w, stride_h, stride_w;
    long pad_top, pad_left;
    long out_h, out_w;
} UniformConvShape;

/// out[n][o][oy][ox] = Σ w[o][c][ki][kj] · x[n][c][oy·stride_h − pad_top + ki][ox·stride_w − pad_left + kj]
/// over (c, ki, kj) in that order, one fused multiply-add chain per element from zero (the order
/// and chain of `uniform_gemm` on the im2col matrix), for `images` NCHW images; w is
/// [out_channels][channels][kernel_h][kernel_w]. The im2col matrix is never formed: the kernel
/// reads each window from a zero-padded copy of a few images at a time. Single-threaded; images are
/// independent, so callers split them over threads.
void uniform_conv(UniformGemmKernel kernel, const float *w, long out_channels, const UniformConvShape *shape,
                  const float *x, long images, float *out);

/// The input gradient of a stride-1 convolution with the geometry `shape` (of the forward pass):
/// gx[n][c][y][x] = Σ w[o][c][ki][kj] · gy[n][o][y + pad_top − ki][x + pad_left − kj], the
/// correlation of gy with the weights flipped in space and transposed in channels, computed by
/// `uniform_conv` (one chain per element over (o, ki', kj') in order).
void uniform_conv_input_gradient(UniformGemmKernel kernel, const float *w, long out_channels,
                                 const UniformConvShape *shape, const float *gy, long images, float *gx);

#ifdef __cplusplus
}
#endif

#endif
