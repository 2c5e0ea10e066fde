import CUniformGemm
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The uniform matrix-product kernels (`CUniformGemm`) and their split over cores.
///
/// Every element of a product is one fused multiply-add chain over the inner dimension, so the
/// split of rows or columns over threads, the tile an element falls in and the instruction set do
/// not change a bit of the result. Large products are split into one contiguous block of columns
/// (or rows, when there are more of them) per core; inside `ConcurrentWorkers` they run on the
/// calling thread.
public enum UniformProduct {
    /// An instruction set the kernels can run with.
    public enum Kernel: String, CaseIterable, Sendable {
        case portable, avx2, avx512

        /// The C kernel selector.
        var c: UniformGemmKernel {
            switch self {
            case .portable: UniformGemmKernelPortable
            case .avx2: UniformGemmKernelAVX2
            case .avx512: UniformGemmKernelAVX512
            }
        }

        /// A human name: "AVX-512", "AVX2 + FMA", "portable".
        public var name: String {
            switch self {
            case .portable: "portable"
            case .avx2: "AVX2 + FMA"
            case .avx512: "AVX-512"
            }
        }

        /// Whether this processor can run the kernel.
        public var isSupported: Bool { uniform_gemm_supports(c) != 0 }
    }

    /// The kernels this processor runs: `$GLASSBOX_GEMM_KERNEL` (portable, avx2 or avx512) when
    /// set and supported, else the widest supported.
    public static var kernel: Kernel { selected.withLock { $0 } }

    /// Runs the following products with `kernel` (tests compare kernels on one machine); nil
    /// restores the default. Returns false, changing nothing, when the processor lacks it.
    @discardableResult
    public static func use(_ kernel: Kernel?) -> Bool {
        let chosen = kernel ?? defaultKernel
        guard chosen.isSupported else { return false }
        selected.withLock { $0 = chosen }
        return true
    }

    static let defaultKernel: Kernel = {
        if let name = getenv("GLASSBOX_GEMM_KERNEL").map({ String(cString: $0).lowercased() }),
           let asked = Kernel(rawValue: name), asked.isSupported {
            return asked
        }
        switch uniform_gemm_best_kernel() {
        case UniformGemmKernelAVX512: return .avx512
        case UniformGemmKernelAVX2: return .avx2
        default: return .portable
        }
    }()

    private static let selected = Mutex(defaultKernel)

    /// Products smaller than this many multiply-adds run on the calling thread.
    static let minimumSplitWork = 1 << 18

    /// C = op(A) · op(B), or C + op(A) · op(B) when `accumulate` (see `MatrixProduct.gemm`).
    public static func gemm(
        _ a: UnsafePointer<Float>, transposeA: Bool,
        _ b: UnsafePointer<Float>, transposeB: Bool,
        _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, accumulate: Bool
    ) {
        if m == 0 || n == 0 { return }
        let kernel = self.kernel.c
        let (lda, ldb) = (transposeA ? m : k, transposeB ? k : n)
        let (ta, tb, add) = (Int32(transposeA ? 1 : 0), Int32(transposeB ? 1 : 0), Int32(accumulate ? 1 : 0))
        let blocks = ParallelLoop.width
        if blocks <= 1 || m * n * Swift.max(k, 1) < minimumSplitWork || ConcurrentWorkers.isActive {
            uniform_gemm(kernel, ta, tb, m, n, k, a, lda, b, ldb, add, c, n)
            return
        }
        // Split the longer side in whole tiles, one block per core.
        let byColumns = n >= m
        let (length, tile) = byColumns ? (n, uniform_gemm_tile_columns(kernel)) : (m, uniform_gemm_tile_rows(kernel))
        let tiles = (length + tile - 1) / tile
        let parts = Swift.min(blocks, tiles)
        nonisolated(unsafe) let (pa, pb, pc) = (a, b, c)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let start = Swift.min(length, part * tiles / parts * tile)
            let end = Swift.min(length, (part + 1) * tiles / parts * tile)
            if start >= end { return }
            if byColumns {
                let bStart = transposeB ? pb + start * ldb : pb + start
                uniform_gemm(kernel, ta, tb, m, end - start, k, pa, lda, bStart, ldb, add, pc + start, n)
            } else {
                let aStart = transposeA ? pa + start : pa + start * lda
                uniform_gemm(kernel, ta, tb, end - start, n, k, aStart, lda, pb, ldb, add, pc + start * n, n)
            }
        }
    }
}
