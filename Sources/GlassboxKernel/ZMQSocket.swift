import CZeroMQ
import Foundation

/// A failed ZeroMQ call: which operation, and libzmq's error number and text.
public struct ZMQError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32

    init(_ operation: String, code: Int32 = zmq_errno()) {
        self.operation = operation
        self.code = code
    }

    /// True when the context was shut down (the owning thread should close its socket and stop).
    public var isContextTerminated: Bool { code == ETERM }

    public var description: String { "\(operation): \(String(cString: zmq_strerror(code)))" }
}

/// A ZeroMQ context. One per kernel; sockets are created from it.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init() throws {
        guard let handle = zmq_ctx_new() else { throw ZMQError("zmq_ctx_new") }
        self.handle = handle
    }

    /// Makes every blocking call on this context's sockets return `ETERM` (thread-safe).
    public func shutdown() {
        _ = zmq_ctx_shutdown(handle)
    }

    /// Waits for all sockets to be closed and their lingering messages sent, then frees the context.
    public func terminate() {
        while zmq_ctx_term(handle) == -1 && zmq_errno() == EINTR {}
    }

    /// Whether libzmq was built with CurveZMQ support.
    public static var hasCurve: Bool { zmq_has("curve") == 1 }
}

/// The kinds of socket the kernel uses.
public enum ZMQSocketType: Sendable {
    case router, pub, xpub, rep, dealer, req, sub, pair

    var rawValue: Int32 {
        switch self {
        case .router: ZMQ_ROUTER
        case .pub: ZMQ_PUB
        case .xpub: ZMQ_XPUB
        case .rep: ZMQ_REP
        case .dealer: ZMQ_DEALER
        case .req: ZMQ_REQ
        case .sub: ZMQ_SUB
        case .pair: ZMQ_PAIR
        }
    }
}

/// A ZeroMQ socket. Not thread-safe: one thread uses it at a time (it may be handed over).
public final class ZMQSocket: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private var closed = false

    public init(context: ZMQContext, type: ZMQSocketType) throws {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError("zmq_socket")
        }
        self.handle = handle
    }

    deinit { close() }

    /// Sets an integer option (e.g. `ZMQ_LINGER`).
    public func setOption(_ option: Int32, _ value: Int32) throws {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError("zmq_setsockopt(\(option))")
        }
    }

    /// Sets a 64-bit integer option (e.g. `ZMQ_MAXMSGSIZE`).
    public func setOption(_ option: Int32, int64 value: Int64) throws {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int64>.size) == 0 else {
            throw ZMQError("zmq_setsockopt(\(option))")
        }
    }

    /// Sets a byte-string option (e.g. a z85 CURVE key).
    public func setOption(_ option: Int32, bytes: [UInt8]) throws {
        let status = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard status == 0 else { throw ZMQError("zmq_setsockopt(\(option))") }
    }

    public func bind(_ endpoint: String) throws {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError("bind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws {
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError("connect \(endpoint)") }
    }

    /// The endpoint actually bound last (useful after binding port 0 / `*`).
    public var lastEndpoint: String {
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else { return "" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Sends all frames as one multipart message. Retries on `EINTR`.
    public func send(_ frames: [Data]) throws {
        for (index, frame) in frames.enumerated() {
            let flags: Int32 = index + 1 < frames.count ? ZMQ_SNDMORE : 0
            while true {
                let status = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                if status >= 0 { break }
                let code = zmq_errno()
                if code == EINTR { continue }
                throw ZMQError("zmq_send", code: code)
            }
        }
    }

    /// Receives one multipart message; `nil` when `dontWait` and nothing is queued.
    public func receive(dontWait: Bool = false) throws -> [Data]? {
        var frames: [Data] = []
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        var flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
        while true {
            let size = zmq_msg_recv(&message, handle, flags)
            if size < 0 {
                let code = zmq_errno()
                if code == EINTR { continue }
                if code == EAGAIN && frames.isEmpty { return nil }
                throw ZMQError("zmq_msg_recv", code: code)
            }
            if let data = zmq_msg_data(&message), size > 0 {
                frames.append(Data(bytes: data, count: Int(size)))
            } else {
                frames.append(Data())
            }
            if zmq_msg_more(&message) == 0 { return frames }
            flags = 0  // the rest of a multipart message is already here
        }
    }

    /// Closes the socket (idempotent). Pending outgoing messages linger per `ZMQ_LINGER`.
    public func close() {
        if closed { return }
        closed = true
        _ = zmq_close(handle)
    }
}

/// Waiting for readability on sockets and plain file descriptors.
public enum ZMQPoll {
    /// What to wait on.
    public enum Item {
        case socket(ZMQSocket)
        case fileDescriptor(Int32)
    }

    /// Waits until one item is readable or `timeoutMilliseconds` pass (-1: forever). Returns the
    /// readable flags per item; all false on timeout or `EINTR`.
    public static func readable(_ items: [Item], timeoutMilliseconds: Int) throws -> [Bool] {
        var pollItems = items.map { item -> zmq_pollitem_t in
            switch item {
            case .socket(let socket):
                return zmq_pollitem_t(socket: socket.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
            case .fileDescriptor(let fd):
                return zmq_pollitem_t(socket: nil, fd: fd, events: Int16(ZMQ_POLLIN), revents: 0)
            }
        }
        let status = zmq_poll(&pollItems, Int32(pollItems.count), timeoutMilliseconds)
        if status < 0 {
            let code = zmq_errno()
            if code == EINTR { return Array(repeating: false, count: items.count) }
            throw ZMQError("zmq_poll", code: code)
        }
        return pollItems.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }
}
