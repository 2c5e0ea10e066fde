import Foundation

/// Captures everything the process writes to file descriptors 1 and 2 (Swift `print`, C libraries,
/// `FileHandle.standardError`) and sends it to the running cell as stream output, as ipykernel's
/// fd capture does; outside a cell, the text goes to the original stdout/stderr (the kernel log).
public final class ProcessOutputCapture: @unchecked Sendable {
    private let lock = NSCondition()
    private var sink: ((String, OutputStreamName) -> Void)?
    private var inFlight = 0
    private let readEnds: [Int32]
    /// Duplicates of the original descriptors 1 and 2.
    public let originalStdout: Int32
    public let originalStderr: Int32

    private init(readEnds: [Int32], originalStdout: Int32, originalStderr: Int32) {
        self.readEnds = readEnds
        self.originalStdout = originalStdout
        self.originalStderr = originalStderr
    }

    /// Redirects descriptors 1 and 2 into pipes read by two background threads.
    public static func install() throws -> ProcessOutputCapture {
        fflush(nil)
        let savedOut = dup(1)
        let savedErr = dup(2)
        guard savedOut >= 0, savedErr >= 0 else { throw KernelStartupError(description: "dup failed: errno \(errno)") }
        var readEnds: [Int32] = []
        for target in [Int32(1), Int32(2)] {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0, dup2(fds[1], target) >= 0 else {
                throw KernelStartupError(description: "cannot redirect fd \(target): errno \(errno)")
            }
            close(fds[1])
            readEnds.append(fds[0])
        }
        // Swift `print` goes through C stdio, fully buffered on a pipe: make it flush per line.
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "stdout") {
            let stream = symbol.load(as: UnsafeMutablePointer<FILE>?.self)
            if let stream { setvbuf(stream, nil, _IOLBF, 0) }
        }
        let capture = ProcessOutputCapture(readEnds: readEnds, originalStdout: savedOut, originalStderr: savedErr)
        KernelLog.useDescriptor(savedErr)
        capture.startReader(readEnds[0], stream: .stdout, passthrough: savedOut)
        capture.startReader(readEnds[1], stream: .stderr, passthrough: savedErr)
        return capture
    }

    /// Sends captured text to `sink` (the running cell) until `detach()`.
    func attach(_ sink: @escaping (String, OutputStreamName) -> Void) {
        lock.withLock { self.sink = sink }
    }

    /// Waits (up to `timeout`) until everything written so far has been delivered, then detaches.
    /// Readers only take bytes out of a pipe while holding `inFlight`, so "pipes empty and nothing in
    /// flight" under the lock means every earlier write has reached the sink.
    func detach(timeout: TimeInterval = 0.5) {
        fflush(nil)
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        while inFlight > 0 || readEnds.contains(where: { Self.pendingBytes($0) > 0 }) {
            if !lock.wait(until: min(deadline, Date().addingTimeInterval(0.005))) && Date() >= deadline { break }
        }
        sink = nil
        lock.unlock()
    }

    private static func pendingBytes(_ fd: Int32) -> Int32 {
        var waiting: Int32 = 0
        return ioctl(fd, UInt(FIONREAD), &waiting) == 0 ? waiting : 0
    }

    /// Puts the original descriptors back (the reader threads end once the pipes are drained).
    public func uninstall() {
        fflush(nil)
        detach(timeout: 0.2)
        dup2(originalStdout, 1)
        dup2(originalStderr, 2)
        KernelLog.useDescriptor(2)
    }

    private func startReader(_ fd: Int32, stream: OutputStreamName, passthrough: Int32) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            var carry: [UInt8] = []  // an incomplete UTF-8 sequence from the previous read
            while true {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&poller, 1, -1) < 0 {
                    if errno == EINTR { continue }
                    break
                }
                lock.withLock { inFlight += 1 }
                let count = read(fd, &buffer, buffer.count)
                if count <= 0 {
                    lock.withLock {
                        inFlight -= 1
                        lock.broadcast()
                    }
                    if count < 0 && errno == EINTR { continue }
                    break
                }
                var bytes = carry + buffer[0..<count]
                carry = Self.splitIncompleteTail(&bytes)
                let text = String(decoding: bytes, as: UTF8.self)
                let target = lock.withLock { sink }
                if let target {
                    target(text, stream)
                } else {
                    bytes.withUnsafeBytes { _ = write(passthrough, $0.baseAddress, $0.count) }
                }
                lock.withLock {
                    inFlight -= 1
                    lock.broadcast()
                }
            }
        }
        thread.name = "glassbox-capture-\(stream.rawValue)"
        thread.start()
    }

    /// Removes and returns a trailing incomplete UTF-8 sequence (at most 3 bytes).
    static func splitIncompleteTail(_ bytes: inout [UInt8]) -> [UInt8] {
        var index = bytes.count - 1
        var continuation = 0
        while index >= 0, continuation < 3, bytes[index] & 0xC0 == 0x80 {
            index -= 1
            continuation += 1
        }
        guard index >= 0 else { return [] }
        let lead = bytes[index]
        let needed = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0
        guard needed > continuation else { return [] }
        let tail = Array(bytes[index...])
        bytes.removeSubrange(index...)
        return tail
    }
}
