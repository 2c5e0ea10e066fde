import CZeroMQ
import Foundation

/// Owns the IOPub socket (XPUB) on a dedicated thread; any thread may publish.
///
/// Publishers append encoded frames to a locked queue and poke a pipe; the publisher thread sends
/// them in order. New subscribers get an `iopub_welcome` message (JEP 65), as ipykernel ≥ 7 sends.
public final class IOPubPublisher: @unchecked Sendable {
    private let socket: ZMQSocket
    private let signer: MessageSigner
    private let headers: MessageHeaderFactory
    private let topicPrefix: String
    private let lock = NSCondition()
    private var queue: [[Data]] = []
    private var stopping = false
    private var stopped = false
    private let wakeRead: Int32
    private let wakeWrite: Int32

    /// `socket` must be a bound XPUB (or PUB) socket that no other thread uses.
    public init(socket: ZMQSocket, signer: MessageSigner, headers: MessageHeaderFactory) throws {
        self.socket = socket
        self.signer = signer
        self.headers = headers
        self.topicPrefix = "kernel.\(headers.session)."
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ZMQError("pipe", code: errno) }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        _ = fcntl(wakeRead, F_SETFL, fcntl(wakeRead, F_GETFL) | O_NONBLOCK)
        _ = fcntl(wakeWrite, F_SETFL, fcntl(wakeWrite, F_GETFL) | O_NONBLOCK)
    }

    /// Starts the publisher thread.
    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "glassbox-iopub"
        thread.start()
    }

    /// Publishes a message of type `msgType` whose parent is the raw request header `parent`.
    public func publish(_ msgType: String, content: [String: Any], parent: Data, metadata: [String: Any] = [:]) {
        let topic = Data((topicPrefix + msgType).utf8)
        let frames = WireMessage.encode(
            identities: [topic], header: headers.header(msgType: msgType), parentHeader: parent,
            metadata: metadata, content: content, signer: signer)
        enqueue(frames)
    }

    /// Publishes `status` with `execution_state` busy or idle.
    public func publishStatus(_ state: String, parent: Data) {
        publish("status", content: ["execution_state": state], parent: parent)
    }

    private func enqueue(_ frames: [Data]) {
        lock.lock()
        if stopping {
            lock.unlock()
            return
        }
        queue.append(frames)
        lock.unlock()
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Sends everything queued so far, closes the socket and ends the thread; waits up to `timeout`.
    public func drainAndStop(timeout: TimeInterval = 2) {
        lock.lock()
        stopping = true
        lock.unlock()
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        lock.lock()
        let deadline = Date().addingTimeInterval(timeout)
        while !stopped && lock.wait(until: deadline) {}
        lock.unlock()
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 256)
        loop: while true {
            let ready: [Bool]
            do {
                ready = try ZMQPoll.readable([.socket(socket), .fileDescriptor(wakeRead)], timeoutMilliseconds: -1)
            } catch {
                break loop
            }
            if ready[0] { handleSubscriptions() }
            if ready[1] {
                while read(wakeRead, &buffer, buffer.count) > 0 {}
            }
            lock.lock()
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            let finish = stopping
            lock.unlock()
            for frames in batch {
                do {
                    try socket.send(frames)
                } catch let error as ZMQError where error.isContextTerminated {
                    break loop
                } catch {
                    KernelLog.warning("iopub send failed: \(error)")
                }
            }
            if finish { break loop }
        }
        socket.close()
        lock.lock()
        stopped = true
        lock.broadcast()
        lock.unlock()
    }

    /// XPUB delivers subscriptions as frames `\x01topic`; answer each with `iopub_welcome`.
    private func handleSubscriptions() {
        while let frames = try? socket.receive(dontWait: true) {
            for frame in frames where frame.first == 1 {
                let topic = String(decoding: frame.dropFirst(), as: UTF8.self)
                let message = WireMessage.encode(
                    identities: [Data(topic.utf8)], header: headers.header(msgType: "iopub_welcome"),
                    parentHeader: Data("{}".utf8), content: ["subscription": topic], signer: signer)
                try? socket.send(message)
            }
        }
    }
}
