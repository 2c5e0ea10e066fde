import Foundation

/// Echoes every heartbeat ping back on its own thread so that a busy kernel still looks alive.
final class Heartbeat: @unchecked Sendable {
    private let socket: ZMQSocket

    /// `socket` must be a bound REP socket that no other thread uses.
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
