import CZeroMQ
import Foundation

/// Why the kernel could not start.
public struct KernelStartupError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// A Jupyter kernel (protocol 5.3) serving one interpreter over ZeroMQ.
///
/// Threads: heartbeat (echo), IOPub publisher, control (kernel_info, interrupt, shutdown, SIGINT),
/// and the caller's thread, which serves the shell channel one request at a time.
public final class KernelServer {
    /// The largest message frame accepted (bigger ones make libzmq drop the peer's connection).
    public static let maxMessageSize: Int64 = 256 * 1024 * 1024
    /// How many IOPub messages libzmq queues for one subscriber that does not read (ipykernel's and
    /// libzmq's default); past it that subscriber misses messages, the others do not. With stream
    /// messages of at most 64 KiB and the output rate limit, an unread IOPub stays bounded.
    public static let iopubHighWaterMark = 1000

    private let context: ZMQContext
    private let shell: ShellChannel
    private let control: ControlChannel
    private let heartbeat: Heartbeat
    private let publisher: IOPubPublisher
    private let shutdown: ShutdownCoordinator
    /// The connection actually bound (differs from the file only where it asked for port 0).
    public let boundConnection: ConnectionFile

    /// Binds all five sockets (closing everything again if any bind fails).
    /// - Parameters:
    ///   - signalPipe: the read end from `InterruptSignal.install()`, if SIGINT should interrupt.
    public init(connection: ConnectionFile, interpreter: any KernelInterpreter, implementationVersion: String,
                signalPipe: Int32? = nil) throws {
        if connection.usesCurve && !ZMQContext.hasCurve {
            throw KernelStartupError(description: "the connection file asks for CURVE encryption, but libzmq has no CURVE support")
        }
        let context = try ZMQContext()
        var sockets: [ZMQSocket] = []
        var bound = connection
        func make(_ type: ZMQSocketType, _ channel: ConnectionFile.Channel) throws -> ZMQSocket {
            let socket = try ZMQSocket(context: context, type: type)
            sockets.append(socket)
            try socket.setOption(ZMQ_LINGER, 1000)
            try socket.setOption(ZMQ_MAXMSGSIZE, int64: Self.maxMessageSize)
            switch type {
            case .router: try socket.setOption(ZMQ_ROUTER_HANDOVER, 1)
            case .xpub:
                try socket.setOption(ZMQ_XPUB_VERBOSE, 1)
                try socket.setOption(ZMQ_SNDHWM, Int32(Self.iopubHighWaterMark))
            default: break
            }
            if let secret = connection.curveSecretKey, let publicKey = connection.curvePublicKey {
                try socket.setOption(ZMQ_CURVE_SERVER, 1)
                try socket.setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(secret.utf8))
                try socket.setOption(ZMQ_CURVE_PUBLICKEY, bytes: Array(publicKey.utf8))
            }
            // Port 0 means "any free port", as ipykernel allows; the chosen port is reported back.
            let wildcard = connection.transport == .tcp && connection.port(of: channel) == 0
            let endpoint = wildcard ? "tcp://\(connection.ip):*" : connection.endpoint(for: channel)
            do {
                try socket.bind(endpoint)
            } catch {
                throw KernelStartupError(description: "cannot bind the \(channel.rawValue) channel to \(endpoint): \(error)")
            }
            if wildcard, let port = socket.lastEndpoint.split(separator: ":").last.flatMap({ Int($0) }) {
                bound.setPort(port, of: channel)
            }
            return socket
        }
        do {
            let shellSocket = try make(.router, .shell)
            let controlSocket = try make(.router, .control)
            let stdinSocket = try make(.router, .stdin)
            let iopubSocket = try make(.xpub, .iopub)
            // ROUTER, not REP: a REP socket serves one request at a time in strict turn and loses pings
            // once a connection that never completed the ZMTP handshake has been in that turn; a ROUTER
            // echo (ipykernel's heartbeat is a ROUTER device) answers every peer independently.
            let hbSocket = try make(.router, .hb)

            let signer = MessageSigner(key: connection.key, scheme: connection.signatureScheme)
            // One history for all channels and peers: a replay from another socket is still a replay.
            let signatures = SignatureHistory()
            let headers = MessageHeaderFactory()
            let identity = KernelIdentity(interpreter: interpreter, implementationVersion: implementationVersion)
            let publisher = try IOPubPublisher(socket: iopubSocket, signer: signer, headers: headers)
            let relay = InterruptRelay(interpreter: interpreter)
            let shutdown = ShutdownCoordinator(context: context, publisher: publisher, relay: relay)
            self.publisher = publisher
            self.shutdown = shutdown
            self.heartbeat = Heartbeat(socket: hbSocket)
            self.control = ControlChannel(
                socket: controlSocket, signalPipe: signalPipe, signer: signer, signatures: signatures, headers: headers, publisher: publisher,
                identity: identity, relay: relay, shutdown: shutdown)
            self.shell = ShellChannel(
                socket: shellSocket, stdin: stdinSocket, interpreter: interpreter, signer: signer, signatures: signatures, headers: headers,
                publisher: publisher, identity: identity, relay: relay, shutdown: shutdown, connection: bound)
            self.context = context
            self.boundConnection = bound
        } catch {
            for socket in sockets {
                try? socket.setOption(ZMQ_LINGER, 0)
                socket.close()
            }
            context.terminate()
            throw error
        }
    }

    /// From now on, what the process writes to fds 1 and 2 while a cell runs becomes that cell's output.
    /// Call before `run()`.
    public func captureOutput(_ capture: ProcessOutputCapture) {
        shell.outputCapture = capture
    }

    /// Serves until a shutdown request; returns when all sockets are closed.
    public func run() {
        publisher.start()
        heartbeat.start()
        control.start()
        shell.run()
        control.waitUntilFinished(timeout: 2)
        context.terminate()
        shutdown.markFinished()
    }
}
