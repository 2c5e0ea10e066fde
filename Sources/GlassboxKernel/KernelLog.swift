import Foundation

/// Diagnostics on stderr (the kernel manager shows or logs the kernel's stderr).
public enum KernelLog {
    private static let lock = NSLock()

    /// Writes one line `[glassbox] message` to stderr.
    public static func warning(_ message: String) {
        let line = "[glassbox] \(message)\n"
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
