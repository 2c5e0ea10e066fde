import Foundation

/// The control channel on its own thread: answers kernel_info, interrupt and shutdown even while a
/// cell computes, and turns SIGINT (via the self-pipe) into interrupts.
final class ControlChannel: @unchecked Sendable {
    private let socket: ZMQSocket
    private let signalPipe: Int32?
    private let signer: MessageSigner
    private let signatures: SignatureHistory
    private let replies: ReplySender
    private let publisher: IOPubPublisher
    private let identity: KernelIdentity
    private let relay: InterruptRelay
    private let shutdown: ShutdownCoordinator
    private let finished = NSCondition()
    private var done = false

    init(socket: ZMQSocket, signalPipe: Int32?, signer: MessageSigner, signatures: SignatureHistory,
         headers: MessageHeaderFactory,
         publisher: IOPubPublisher, identity: KernelIdentity, relay: InterruptRelay, shutdown: ShutdownCoordinator) {
        self.socket = socket
        self.signalPipe = signalPipe
        self.signer = signer
        self.signatures = signatures
        self.replies = ReplySender(signer: signer, headers: headers)
        self.publisher = publisher
        self.identity = identity
        self.relay = relay
        self.shutdown = shutdown
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "glassbox-control"
        thread.start()
    }

    /// Blocks until the control thread has closed its socket (after a shutdown).
    func waitUntilFinished(timeout: TimeInterval) {
        finished.lock()
        let deadline = Date().addingTimeInterval(timeout)
        while !done && finished.wait(until: deadline) {}
        finished.unlock()
    }

    private func run() {
        var items: [ZMQPoll.Item] = [.socket(socket)]
        if let signalPipe { items.append(.fileDescriptor(signalPipe)) }
        loop: while true {
            do {
                let ready = try ZMQPoll.readable(items, timeoutMilliseconds: -1)
                if ready.count > 1, ready[1], let signalPipe, InterruptSignal.drain(signalPipe) {
                    KernelLog.warning("SIGINT: interrupting the running cell")
                    relay.interrupt()
                }
                if ready[0] {
                    while let frames = try socket.receive(dontWait: true) { handle(frames) }
                }
            } catch let error as ZMQError where error.isContextTerminated {
                break loop
            } catch {
                KernelLog.warning("control: \(error)")
            }
        }
        socket.close()
        finished.lock()
        done = true
        finished.broadcast()
        finished.unlock()
    }

    private func handle(_ frames: [Data]) {
        let request: WireMessage
        do {
            request = try WireMessage.decode(frames, signer: signer, history: signatures)
        } catch {
            KernelLog.warning("control: dropped message: \(error)")
            return
        }
        publisher.publishStatus("busy", parent: request.rawHeader)
        switch request.msgType {
        case "kernel_info_request":
            replies.send("kernel_info_reply", content: identity.kernelInfoContent, to: request, on: socket)
        case "interrupt_request":
            relay.interrupt()
            replies.send("interrupt_reply", content: ["status": "ok"], to: request, on: socket)
        case "shutdown_request":
            shutdown.answer(request, replies: replies, on: socket)
            return
        default:
            KernelLog.warning("control: unknown message type \"\(request.msgType)\" ignored")
        }
        publisher.publishStatus("idle", parent: request.rawHeader)
    }
}
