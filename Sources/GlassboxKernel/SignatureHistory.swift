import Foundation

/// The signatures of messages already accepted, so that a replayed message is dropped instead of
/// run again (jupyter_client's `Session` keeps the same kind of digest history).
///
/// One history serves every channel and every peer: a message captured on one connection and sent
/// again from another socket identity, or on another channel, is still a replay. The history is
/// bounded: it keeps the newest `capacity` signatures (a signature older than that is so old that
/// its message was answered long ago) and forgets the oldest first. Thread-safe.
public final class SignatureHistory: @unchecked Sendable {
    /// How many signatures are remembered (jupyter_client remembers 2^16).
    public let capacity: Int
    private let lock = NSLock()
    private var seen: Set<Data> = []
    /// Ring buffer of the remembered signatures in arrival order, to forget the oldest.
    private var order: [Data] = []
    private var next = 0

    public init(capacity: Int = 1 << 16) {
        precondition(capacity > 0, "a signature history needs room for at least one signature")
        self.capacity = capacity
    }

    /// Records `signature`; false when it was seen before (the message is a replay).
    public func insert(_ signature: Data) -> Bool {
        lock.withLock {
            guard seen.insert(signature).inserted else { return false }
            if order.count < capacity {
                order.append(signature)
            } else {
                seen.remove(order[next])
                order[next] = signature
                next = (next + 1) % capacity
            }
            return true
        }
    }

    /// How many signatures are remembered now.
    public var count: Int { lock.withLock { seen.count } }
}
