import Foundation

/// Echoes every heartbeat ping back on its own thread so that a busy kernel still looks alive.
///
/// The socket is a ROUTER: each received message starts with the sender's routing identity, so
/// sending the frames back unchanged answers exactly that peer, whatever else is connected (half-open
/// TCP connections, garbage, peers that never read their echo).
final class Heartbeat: @unchecked Sendable {
    private let socket: ZMQSocket

    /// `socket` must be a bound ROUTER socket that no other thread uses.
    init(socket: ZMQSocket) {
        self.socket = socket
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "glassbox-heartbeat"
        thread.start()
    }

    private func run() {
        while true {
            do {
                guard let frames = try socket.receive() else { continue }
                // [identity, ping…]; anything shorter has no one to answer.
                guard frames.count >= 2 else { continue }
                try socket.send(frames)
            } catch let error as ZMQError where error.isContextTerminated {
                break
            } catch {
                KernelLog.warning("heartbeat: \(error)")
            }
        }
        socket.close()
    }
}
