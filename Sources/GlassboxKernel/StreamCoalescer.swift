import Foundation

/// Merges a cell's consecutive `stream` output into few messages, as ipykernel's OutStream does:
/// text is held for at most `interval` (or until `limit` bytes, or until any other output), so a
/// loop printing thousands of lines sends a handful of messages instead of thousands.
final class StreamCoalescer: @unchecked Sendable {
    private let lock = NSLock()
    private let publisher: IOPubPublisher
    private let parent: Data
    private let interval: TimeInterval
    private let limit: Int
    /// Pending text in order; adjacent pieces for the same stream are merged.
    private var pending: [(name: OutputStreamName, text: String)] = []
    private var pendingBytes = 0
    private var timerArmed = false

    init(publisher: IOPubPublisher, parent: Data, interval: TimeInterval = 0.05, limit: Int = 64 * 1024) {
        self.publisher = publisher
        self.parent = parent
        self.interval = interval
        self.limit = limit
    }

    /// Queues `text`; publishes at once when the buffer is large, else within `interval`.
    func write(_ text: String, to name: OutputStreamName) {
        if text.isEmpty { return }
        var armTimer = false
        var full = false
        lock.withLock {
            if let last = pending.last, last.name == name {
                pending[pending.count - 1].text += text
            } else {
                pending.append((name, text))
            }
            pendingBytes += text.utf8.count
            full = pendingBytes >= limit
            if !timerArmed && !full {
                timerArmed = true
                armTimer = true
            }
        }
        if full {
            flush()
        } else if armTimer {
            DispatchQueue.global().asyncAfter(deadline: .now() + interval) { [self] in flush() }
        }
    }

    /// Publishes everything pending, in order. Called before any other output of the cell.
    func flush() {
        lock.withLock {
            timerArmed = false
            guard !pending.isEmpty else { return }
            // Enqueue while holding the lock so a timer flush cannot overtake the caller's next message.
            for piece in pending {
                publisher.publish("stream", content: ["name": piece.name.rawValue, "text": piece.text], parent: parent)
            }
            pending.removeAll()
            pendingBytes = 0
        }
    }
}
