import Foundation

/// Merges a cell's consecutive `stream` output into few messages, as ipykernel's OutStream does:
/// text is held for at most `interval` (or until `limit` bytes, or until any other output), so a
/// loop printing thousands of lines sends a handful of messages instead of thousands.
///
/// No message carries more than `limit` bytes of text (longer text is split), and the cell's printed
/// output is subject to `rateLimit`: past it, text is dropped and one notice goes to stderr.
final class StreamCoalescer: @unchecked Sendable {
    private let lock = NSLock()
    private let publisher: IOPubPublisher
    private let parent: Data
    private let interval: TimeInterval
    private let limit: Int
    private let clock: @Sendable () -> Double
    private var meter: OutputRateMeter
    private let rateLimit: OutputRateLimit
    /// Pending text in order; adjacent pieces for the same stream are merged.
    private var pending: [(name: OutputStreamName, text: String)] = []
    private var pendingBytes = 0
    private var timerArmed = false
    private var noticeSent = false
    /// Bytes of text dropped by the rate limit so far.
    private(set) var droppedBytes = 0

    init(publisher: IOPubPublisher, parent: Data, interval: TimeInterval = 0.05, limit: Int = 64 * 1024,
         rateLimit: OutputRateLimit = .jupyterServerDefault,
         clock: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.publisher = publisher
        self.parent = parent
        self.interval = interval
        self.limit = max(1, limit)
        self.rateLimit = rateLimit
        self.meter = OutputRateMeter(limit: rateLimit)
        self.clock = clock
    }

    /// Queues `text`; publishes at once when the buffer is large, else within `interval`.
    func write(_ text: String, to name: OutputStreamName) {
        if text.isEmpty { return }
        var armTimer = false
        var full = false
        lock.withLock {
            let bytes = text.utf8.count
            guard meter.admit(bytes, now: clock()) else {
                droppedBytes += bytes
                if !noticeSent {
                    noticeSent = true
                    append(rateLimit.notice, to: .stderr)
                    full = true
                }
                return
            }
            append(text, to: name)
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

    /// Call with the lock held.
    private func append(_ text: String, to name: OutputStreamName) {
        if let last = pending.last, last.name == name {
            pending[pending.count - 1].text += text
        } else {
            pending.append((name, text))
        }
        pendingBytes += text.utf8.count
    }

    /// Publishes everything pending, in order. Called before any other output of the cell.
    func flush() {
        lock.withLock {
            timerArmed = false
            guard !pending.isEmpty else { return }
            // Enqueue while holding the lock so a timer flush cannot overtake the caller's next message.
            for piece in pending {
                for chunk in Self.split(piece.text, maxBytes: limit) {
                    publisher.publish("stream", content: ["name": piece.name.rawValue, "text": chunk], parent: parent)
                }
            }
            pending.removeAll()
            pendingBytes = 0
        }
    }

    /// `text` in pieces of at most `maxBytes` UTF-8 bytes, cut between characters (a single character
    /// longer than `maxBytes` stays whole).
    static func split(_ text: String, maxBytes: Int) -> [String] {
        guard text.utf8.count > maxBytes else { return [text] }
        var pieces: [String] = []
        var start = text.startIndex
        var bytes = 0
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            let size = text.utf8.distance(from: index, to: next)
            if bytes + size > maxBytes && bytes > 0 {
                pieces.append(String(text[start..<index]))
                start = index
                bytes = 0
            }
            bytes += size
            index = next
        }
        if start < text.endIndex { pieces.append(String(text[start...])) }
        return pieces
    }
}
