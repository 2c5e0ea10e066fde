import Foundation

/// Diagnostics on stderr (the kernel manager shows or logs the kernel's stderr).
public enum KernelLog {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var descriptor: Int32 = 2  // guarded by `lock`

    /// Writes the log to `fd` from now on (the original stderr once output capture is on).
    static func useDescriptor(_ fd: Int32) {
        lock.withLock { descriptor = fd }
    }

    /// Writes one line `[glassbox] message` to stderr.
    public static func warning(_ message: String) {
        let line = "[glassbox] \(message)\n"
        lock.withLock {
            let bytes = Array(line.utf8)
            _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        }
    }
}
