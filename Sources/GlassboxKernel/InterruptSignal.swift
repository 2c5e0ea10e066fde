import Foundation

/// The write end of the SIGINT self-pipe; written only by the signal handler.
nonisolated(unsafe) private var interruptPipeWriteEnd: Int32 = -1

/// Turns SIGINT into a readable byte on a pipe, so that the kernel never dies on Ctrl-C or on
/// `interrupt_mode: signal`; the control thread polls the read end and interrupts the interpreter.
public enum InterruptSignal {
    /// Installs the handler (once per process) and returns the pipe's read end.
    public static func install() throws -> Int32 {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ZMQError("pipe", code: errno) }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        interruptPipeWriteEnd = fds[1]
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(interruptPipeWriteEnd, &byte, 1)  // async-signal-safe
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        guard sigaction(SIGINT, &action, nil) == 0 else { throw ZMQError("sigaction", code: errno) }
        return fds[0]
    }

    /// Reads and discards pending bytes; returns whether there were any.
    static func drain(_ fd: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64)
        var any = false
        while read(fd, &buffer, buffer.count) > 0 { any = true }
        return any
    }
}
