import Foundation

/// How much stream output a cell may send per second before the kernel drops the rest, as the
/// Jupyter server's `iopub_data_rate_limit` does for its clients.
///
/// The kernel cannot see whether anyone reads IOPub, and a cell that prints without pause while no
/// client reads (or while the client cannot keep up) would otherwise fill the socket queue with
/// output that nobody will ever show. The default limit is the Jupyter server's: 1,000,000 bytes per
/// second averaged over 3 seconds. Output over the limit is dropped until the rate falls back below
/// it; the cell gets one notice saying so.
public struct OutputRateLimit: Sendable, Equatable {
    /// Bytes per second allowed on average over `window`.
    public var bytesPerSecond: Double
    /// The averaging window in seconds.
    public var window: Double

    public init(bytesPerSecond: Double = 1_000_000, window: Double = 3) {
        self.bytesPerSecond = bytesPerSecond
        self.window = window
    }

    /// The Jupyter server's default.
    public static let jupyterServerDefault = OutputRateLimit()

    /// The notice shown once in a cell whose output was dropped.
    var notice: String {
        let limit = bytesPerSecond >= 1_000_000 ? "\(Self.decimal(bytesPerSecond / 1_000_000)) MB/s"
            : "\(Int(bytesPerSecond.rounded())) bytes/s"
        return "\n[glassbox] IOPub output rate exceeded (more than \(limit) averaged over "
            + "\(Self.decimal(window)) s): the kernel drops this cell's printed output until it slows down.\n"
    }

    private static func decimal(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}

/// Counts the bytes admitted in the last `window` seconds (in tenth-of-a-window buckets) and says
/// whether more fit under the limit. Not thread-safe: the owner locks.
struct OutputRateMeter {
    private let limit: OutputRateLimit
    private let bucketSpan: Double
    /// (bucket start, bytes) in time order, only buckets inside the window.
    private var buckets: [(start: Double, bytes: Int)] = []
    private var total = 0

    init(limit: OutputRateLimit) {
        self.limit = limit
        self.bucketSpan = max(limit.window / 10, 0.001)
    }

    /// Admits `bytes` at time `now` (seconds) when the window's total stays within the limit.
    mutating func admit(_ bytes: Int, now: Double) -> Bool {
        while let first = buckets.first, first.start + bucketSpan <= now - limit.window {
            total -= first.bytes
            buckets.removeFirst()
        }
        let allowed = limit.bytesPerSecond * limit.window
        guard Double(total + bytes) <= allowed else { return false }
        let start = (now / bucketSpan).rounded(.down) * bucketSpan
        if let last = buckets.last, last.start == start {
            buckets[buckets.count - 1].bytes += bytes
        } else {
            buckets.append((start, bytes))
        }
        total += bytes
        return true
    }
}
