import Dispatch
import Synchronization

/// Runs independent jobs (whole forward and backward passes over different chunks of a batch) on
/// all cores at once, one job per core, with the engine's kernels single-threaded inside.
///
/// The engine normally parallelises *inside* each operation: OpenBLAS splits every matrix product
/// over the cores and `ParallelLoop` splits im2col, pooling and activations. An explanation pass
/// over 128 MNIST images is some forty such operations of a few hundred microseconds, and each
/// pays thread hand-offs. Running whole passes side by side removes them: inside a worker,
/// OpenBLAS runs on the calling thread and `ParallelLoop` runs its blocks in order. Measured on the
/// 2-core machine (`bench/methods_bench.py`, medians of 10 alternating runs), integrated gradients
/// and SmoothGrad take about 15 % less time.
///
/// Workers are used only when the matrix products compute identical columns identically wherever
/// they sit (`BLASColumnProbe`). Splitting a batch differently over cores changes where each image's
/// columns land in the products. With kernels whose rounding depends on the column's position
/// (OpenBLAS's AVX2 "Haswell" kernels), two exactly tied inputs of a max-pool window could then come
/// out unequal and send the gradient elsewhere, so a map would depend on the number of cores.
public enum ConcurrentWorkers {
    /// How many jobs run at once when workers are available: the number of cores (at most 8).
    public static var width: Int { ParallelLoop.width }

    /// Whether `run` spreads jobs over cores on this machine (more than one core, and products
    /// whose columns do not depend on their position), unless a test has overridden it.
    public static var isAvailable: Bool {
        override.withLock { $0 } ?? (width > 1 && BLASColumnProbe.columnsAreIndependentOfPosition)
    }

    /// Forces workers on or off (nil: decide from the machine), so tests exercise both paths on
    /// any machine.
    static func setAvailability(_ value: Bool?) {
        override.withLock { $0 = value }
    }

    private static let override = Mutex<Bool?>(nil)

    /// Whether engine kernels currently run single-threaded because workers are active.
    static var isActive: Bool { state.withLock { $0.depth > 0 } }

    private struct State {
        var depth = 0
        var savedBLASThreads: Int32 = 1
    }

    private static let state = Mutex(State())

    /// Calls `body(i)` for every i in 0..<count, up to `width` at a time, and returns when all have
    /// finished; rethrows the error of the lowest failing index. The jobs run in order on the
    /// calling thread when workers are unavailable, for a single job, or inside a worker.
    public static func run(_ count: Int, _ body: (Int) throws -> Void) throws {
        if count <= 1 || !isAvailable || isActive {
            for i in 0..<count { try body(i) }
            return
        }
        enter()
        defer { leave() }
        let lanes = Swift.min(width, count)
        let errors = Mutex([Int: any Error]())
        try withoutActuallyEscaping(body) { body in
            // Each job writes only memory chosen by its index; concurrentPerform waits for all lanes.
            nonisolated(unsafe) let job = body
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                for i in stride(from: lane, to: count, by: lanes) {
                    do { try job(i) } catch { errors.withLock { $0[i] = error } }
                }
            }
            if let first = errors.withLock({ $0.min(by: { $0.key < $1.key }) }) { throw first.value }
        }
    }

    private static func enter() {
        state.withLock { state in
            if state.depth == 0 {
                state.savedBLASThreads = OpenBLASLibrary.functions.getThreadCount()
                OpenBLASLibrary.functions.setThreadCount(1)
            }
            state.depth += 1
        }
    }

    private static func leave() {
        state.withLock { state in
            state.depth -= 1
            if state.depth == 0 { OpenBLASLibrary.functions.setThreadCount(state.savedBLASThreads) }
        }
    }
}

/// Checks once whether single-threaded matrix products give bit-identical results for identical
/// columns at every position (true for OpenBLAS's AVX-512 kernels, false for its AVX2 ones).
enum BLASColumnProbe {
    static let columnsAreIndependentOfPosition: Bool = {
        let saved = OpenBLASLibrary.functions.getThreadCount()
        OpenBLASLibrary.functions.setThreadCount(1)
        defer { OpenBLASLibrary.functions.setThreadCount(saved) }
        return identicalColumnsAgree { a, b, c, m, n, k in
            MatrixProduct.gemm(a, transposeA: false, b, transposeB: false, c, m: m, n: n, k: k)
        }
    }()

    /// Multiplies a random [64, 600] matrix by a [600, 200] matrix whose columns are all the same
    /// vector (sizes that cross the kernels' column tiles and depth blocks) with `gemm`, and reports
    /// whether every column of the product is bit-identical to the first.
    static func identicalColumnsAgree(
        _ gemm: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int, Int) -> Void
    ) -> Bool {
        let (m, k, n) = (64, 600, 200)
        var rng = SeededRandom(seed: 7)
        let a = (0..<(m * k)).map { _ in rng.nextUniform() - 0.5 }
        let column = (0..<k).map { _ in rng.nextUniform() }
        var b = [Float](repeating: 0, count: k * n)
        for r in 0..<k { for j in 0..<n { b[r * n + j] = column[r] } }
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in gemm(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, m, n, k) }
            }
        }
        for r in 0..<m {
            let first = c[r * n]
            for j in 1..<n where c[r * n + j] != first { return false }
        }
        return true
    }
}
