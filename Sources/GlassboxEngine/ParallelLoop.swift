import Dispatch

/// Splits the independent iterations of a loop (images of a chunk, planes of a batch) over the
/// processor's cores, in contiguous blocks. Work is only split when it is large enough to pay for
/// the hand-off (`minimumWork` units of roughly one float operation each); results never depend
/// on the split, because every iteration writes its own part of the output. Inside
/// `ConcurrentWorkers` (whole passes already running side by side) the blocks run in order.
enum ParallelLoop {
    /// The number of blocks work is split into: `$GLASSBOX_THREADS` when set (a kernel on a shared
    /// classroom server can be held to one core), else the online processor count, at most 8.
    static let width: Int = {
        if let value = getenv("GLASSBOX_THREADS").flatMap({ Int(String(cString: $0)) }), value >= 1 {
            return Swift.min(value, 64)
        }
        return Swift.max(1, Swift.min(8, ProcessInfoShim.activeProcessorCount))
    }()

    /// Calls `body(range)` for disjoint ranges covering 0..<count, concurrently when
    /// `count · workPerIteration` ≥ `minimumWork` and there is more than one core.
    @inline(__always)
    static func forEachBlock(_ count: Int, workPerIteration: Int, minimumWork: Int = 1 << 15,
                             _ body: (Range<Int>) -> Void) {
        let blocks = Swift.min(width, count)
        if blocks <= 1 || count * workPerIteration < minimumWork || ConcurrentWorkers.isActive {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            // The blocks write disjoint memory; the closure outlives no call (concurrentPerform waits).
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: blocks) { block in
                work((block * count / blocks)..<((block + 1) * count / blocks))
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The number of online processors, without Foundation.
enum ProcessInfoShim {
    static var activeProcessorCount: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}
