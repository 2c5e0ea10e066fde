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
/// Splitting a batch differently over cores changes where each image's columns land in the
/// products; the uniform product kernels (`UniformProduct`) make that irrelevant, so the maps are
/// the same bits whatever the number of cores.
public enum ConcurrentWorkers {
    /// How many jobs run at once when workers are available: the number of cores (at most 8).
    public static var width: Int { ParallelLoop.width }

    /// Whether `run` spreads jobs over cores on this machine (more than one core), unless a test has
    /// overridden it.
    public static var isAvailable: Bool {
        override.withLock { $0 } ?? (width > 1)
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
