import Foundation

/// Ends the kernel when the process that started it dies, as ipykernel's parent poller does:
/// jupyter_client sets `JPY_PARENT_PID`; once the kernel is re-parented the notebook server is gone
/// and nobody can ever send `shutdown_request`.
public enum ParentWatcher {
    /// Starts a thread that checks once per `interval` whether the parent is still `parentPID`.
    /// When the kernel was started through a wrapper (its parent is not `parentPID`), it waits for
    /// being re-parented to init instead, as ipykernel does.
    public static func start(parentPID: pid_t, interval: TimeInterval = 1) {
        let original = getppid()
        guard parentPID > 1, original > 1 else { return }
        let watched = original == parentPID ? parentPID : 0
        let thread = Thread {
            while true {
                Thread.sleep(forTimeInterval: interval)
                let current = getppid()
                if (watched != 0 && current != watched) || (watched == 0 && current == 1) {
                    KernelLog.warning("parent process \(parentPID) is gone; exiting")
                    exit(1)
                }
            }
        }
        thread.name = "glassbox-parent-watcher"
        thread.start()
    }

    /// The parent to watch from `JPY_PARENT_PID`, if set and numeric.
    public static func parentPID(environment: [String: String]) -> pid_t? {
        environment["JPY_PARENT_PID"].flatMap { pid_t($0) }
    }
}
