import Foundation

/// Forwards interrupts (control channel or SIGINT) to the interpreter while a cell runs, and
/// remembers them so that a pending `input_request` can be abandoned.
final class InterruptRelay: @unchecked Sendable {
    private let lock = NSLock()
    /// `KernelInterpreter.interrupt()` is documented as safe to call from any thread.
    private let interpreter: any KernelInterpreter
    private var executing = false
    private var interrupted = false

    init(interpreter: any KernelInterpreter) {
        self.interpreter = interpreter
    }

    func beginExecution() {
        lock.withLock {
            executing = true
            interrupted = false
        }
    }

    func endExecution() {
        lock.withLock { executing = false }
    }

    /// Whether an interrupt arrived since the running cell started.
    var wasInterrupted: Bool { lock.withLock { interrupted } }

    /// Interrupts the running cell; does nothing when no cell runs (so the next cell is not hit).
    func interrupt() {
        let running = lock.withLock { () -> Bool in
            if executing { interrupted = true }
            return executing
        }
        if running { interpreter.interrupt() }
    }
}

/// Stops the kernel once: flushes IOPub, wakes every blocked socket with `ETERM`, and as a last
/// resort exits the process if the shell thread does not come back (a cell ignoring interrupts).
final class ShutdownCoordinator: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    private let context: ZMQContext
    private let publisher: IOPubPublisher
    private let relay: InterruptRelay

    init(context: ZMQContext, publisher: IOPubPublisher, relay: InterruptRelay) {
        self.context = context
        self.publisher = publisher
        self.relay = relay
    }

    private var finished = false

    var isRequested: Bool { lock.withLock { requested } }

    /// Called once the kernel has stopped cleanly; disarms the exit watchdog.
    func markFinished() {
        lock.withLock { finished = true }
    }

    /// Answers a `shutdown_request` (on shell or control): the reply to the requester, the same
    /// reply and an idle status on iopub, then the shutdown itself.
    func answer(_ request: WireMessage, replies: ReplySender, on socket: ZMQSocket) {
        let restart = JSONFields.bool(request.content, "restart") ?? false
        let content: [String: Any] = ["status": "ok", "restart": restart]
        replies.send("shutdown_reply", content: content, to: request, on: socket)
        publisher.publish("shutdown_reply", content: content, parent: request.rawHeader)
        publisher.publishStatus("idle", parent: request.rawHeader)
        requestShutdown()
    }

    func requestShutdown() {
        let first = lock.withLock { () -> Bool in
            defer { requested = true }
            return !requested
        }
        guard first else { return }
        publisher.drainAndStop()
        relay.interrupt()
        context.shutdown()
        let watchdog = Thread { [self] in
            Thread.sleep(forTimeInterval: 3)
            if lock.withLock({ finished }) { return }
            KernelLog.warning("shutdown: the running cell did not stop in time; exiting")
            exit(0)
        }
        watchdog.start()
    }
}
