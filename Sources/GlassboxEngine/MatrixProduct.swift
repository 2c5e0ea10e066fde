import COpenBLAS

/// Single-precision matrix products, row-major.
///
/// `gemm` — every product of a forward or backward pass — runs the engine's uniform kernels
/// (`CUniformGemm`): each element of the result is one fused multiply-add chain over the inner
/// dimension, in order, whatever its row or column, whatever the split over threads and whatever
/// the instruction set (AVX-512, AVX2 + FMA, portable C). An image's activations and maps are thus
/// bit-identical alone or at any position of any batch, on any number of cores, on every machine.
/// OpenBLAS's kernels do not give that: their rounding depends on where a column falls in their
/// tiles, and a tie in a max-pool window can then come out unequal (docs/engine.md).
///
/// `parameterGemm` — the weight gradients of training, sums over a whole batch where no image has a
/// position to be independent of — runs OpenBLAS (`cblas_sgemm`, one thread per core).
public enum MatrixProduct {
    /// Opens OpenBLAS now (it is otherwise opened at the first parameter gradient) and throws a
    /// clear error when it cannot be loaded, so that programs can report it at start.
    public static func loadLibrary() throws {
        if case .failure(let error) = OpenBLASLibrary.loaded { throw error }
    }

    /// Which kernels run, e.g. "uniform AVX2 + FMA kernels on 2 cores; OpenBLAS Haswell kernels for
    /// parameter gradients, 2 threads".
    public static var kernelDescription: String {
        let library = OpenBLASLibrary.functions
        return "uniform \(UniformProduct.kernel.name) kernels on \(ParallelLoop.width) cores; OpenBLAS \(library.coreName) kernels"
            + (library.requestedCoreType != nil ? " (requested by Glassbox for this processor)" : "")
            + " for parameter gradients, \(library.getThreadCount()) threads"
    }

    /// C = op(A) · op(B) (beta 0) or C + op(A) · op(B) (beta 1) on raw row-major buffers, where
    /// op(A) is m×k and op(B) is k×n; `a` is stored m×k (or k×m when `transposeA`), `b` k×n (or n×k
    /// when `transposeB`). Uniform: see the type's documentation. Split over the cores when large.
    @inline(__always)
    public static func gemm(
        _ a: UnsafePointer<Float>, transposeA: Bool,
        _ b: UnsafePointer<Float>, transposeB: Bool,
        _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, beta: Float = 0
    ) {
        precondition(beta == 0 || beta == 1, "gemm: beta must be 0 or 1")
        UniformProduct.gemm(a, transposeA: transposeA, b, transposeB: transposeB, c, m: m, n: n, k: k, accumulate: beta == 1)
    }

    /// C = op(A) · op(B) + beta · C through OpenBLAS (multi-threaded), for parameter gradients:
    /// fast on the wide sums over a batch, but not uniform (results depend on positions in tiles).
    public static func parameterGemm(
        _ a: UnsafePointer<Float>, transposeA: Bool,
        _ b: UnsafePointer<Float>, transposeB: Bool,
        _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, beta: Float = 0
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { c.update(repeating: 0, count: m * n) } else if beta != 1 {
                for i in 0..<(m * n) { c[i] *= beta }
            }
            return
        }
        OpenBLASLibrary.functions.sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), 1,
            a, Int32(transposeA ? m : k),
            b, Int32(transposeB ? k : n),
            beta, c, Int32(n))
    }

    /// The product op(a) · op(b) of two rank-2 tensors.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false,
                              transposeB: Bool = false) throws -> Tensor {
        guard a.rank == 2 else {
            throw EngineError.shapeMismatch(operation: "matmul", expected: "[rows, columns] for the left", got: a.shape)
        }
        guard b.rank == 2 else {
            throw EngineError.shapeMismatch(operation: "matmul", expected: "[rows, columns] for the right", got: b.shape)
        }
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let kb = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        guard k == kb else {
            throw EngineError.shapeMismatch(
                operation: "matmul", expected: "inner dimension \(k) (left is \(a.shape)\(transposeA ? "ᵀ" : ""))",
                got: b.shape)
        }
        var out = [Float](repeating: 0, count: m * n)
        if out.isEmpty || k == 0 { return Tensor(shape: [m, n], scalars: out) }
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    gemm(pa.baseAddress!, transposeA: transposeA, pb.baseAddress!, transposeB: transposeB,
                         pc.baseAddress!, m: m, n: n, k: k)
                }
            }
        }
        return Tensor(shape: [m, n], scalars: out)
    }
}
