import Foundation

/// A flag that long-running work checks so that an interrupt stops it promptly.
///
/// The kernel's control thread (or a SIGINT handler) calls `cancel()`; every long loop (training
/// batches, optimisation steps, explanation batches, sleeps) calls `check()` between units of work,
/// which throws `CancellationError` once cancelled. Cheap enough to call every iteration.
public final class CancellationToken: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    /// Requests cancellation. Safe from any thread.
    public func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    /// Clears the request (the language does this before each cell).
    public func reset() {
        lock.lock()
        cancelled = false
        lock.unlock()
    }

    /// Whether cancellation has been requested.
    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    /// Throws `CancellationError` when cancellation has been requested.
    public func check() throws {
        if isCancelled { throw CancellationError() }
    }
}

/// One report from long-running work: which task, how far along, and named metrics (loss, accuracy…).
public struct ProgressEvent: Sendable, Equatable {
    /// What is being done, e.g. "epoch 3/15" or "integrated gradients".
    public var task: String
    /// Units done so far (batches, steps, images).
    public var completed: Int
    /// Units in all; 0 when unknown.
    public var total: Int
    /// Named values to show next to the bar, in order.
    public var metrics: [Metric]
    /// True on the last event of a task.
    public var finished: Bool

    public struct Metric: Sendable, Equatable {
        public var name: String
        public var value: Double
        public init(_ name: String, _ value: Double) {
            self.name = name
            self.value = value
        }
    }

    public init(task: String, completed: Int, total: Int, metrics: [Metric] = [], finished: Bool = false) {
        self.task = task
        self.completed = completed
        self.total = total
        self.metrics = metrics
        self.finished = finished
    }
}

/// What long work is handed: a cancellation token to check and a sink for progress.
public struct WorkMonitor: Sendable {
    public var cancellation: CancellationToken
    public var progress: @Sendable (ProgressEvent) -> Void

    public init(cancellation: CancellationToken = CancellationToken(),
                progress: @escaping @Sendable (ProgressEvent) -> Void = { _ in }) {
        self.cancellation = cancellation
        self.progress = progress
    }

    /// A monitor that never cancels and reports nowhere.
    public static var none: WorkMonitor { WorkMonitor() }
}
