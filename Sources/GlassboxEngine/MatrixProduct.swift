import COpenBLAS

/// Single-precision matrix products through OpenBLAS (`cblas_sgemm`), row-major.
///
/// Threading: OpenBLAS's default (one thread per core) is kept. On the 2-core build machine,
/// measured with `bench/engine_bench.sh` on a quiet machine, 2 threads against
/// OPENBLAS_NUM_THREADS=1: sgemm 1024³ 211 vs 107 GFLOP/s, CNN-MAX-B training step (batch 100)
/// 84 vs 108 ms, MLP-A 1.9 vs 2.7 ms — even the small per-chunk products gain from the second core.
///
/// Kernels: OpenBLAS is opened at the first product, with its AVX-512 kernels requested on AMD
/// processors that have them (see `OpenBLASLibrary`); `kernelDescription` says which ones run.
public enum MatrixProduct {
    /// Opens OpenBLAS now (it is otherwise opened at the first product) and throws a clear error
    /// when it cannot be loaded, so that programs can report it at start instead of stopping later.
    public static func loadLibrary() throws {
        if case .failure(let error) = OpenBLASLibrary.loaded { throw error }
    }

    /// Which OpenBLAS kernels run, e.g. "OpenBLAS SkylakeX kernels (requested by Glassbox)".
    public static var kernelDescription: String {
        let library = OpenBLASLibrary.functions
        return "OpenBLAS \(library.coreName) kernels"
            + (library.requestedCoreType != nil ? " (requested by Glassbox for this processor)" : "")
            + ", \(library.getThreadCount()) threads"
    }

    /// C = alpha · op(A) · op(B) + beta · C on raw row-major buffers, where op(A) is m×k and
    /// op(B) is k×n. `a` is stored m×k (or k×m when `transposeA`), `b` k×n (or n×k when `transposeB`).
    @inline(__always)
    public static func gemm(
        _ a: UnsafePointer<Float>, transposeA: Bool,
        _ b: UnsafePointer<Float>, transposeB: Bool,
        _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0
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
            Int32(m), Int32(n), Int32(k), alpha,
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
