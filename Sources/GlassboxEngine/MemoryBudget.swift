import CMalloc
import Foundation

/// The most memory a kernel may use, so that a cell asking for too much fails with a
/// `MemoryExhausted` error instead of the operating system killing the kernel (and the session).
///
/// The budget is checked before large allocations (a megabyte or more): the language checks the
/// strings, lists and tensors a cell builds, and explanation methods shrink their internal batches
/// to what fits. "In use" is what the C allocator has handed out and not taken back (glibc's
/// `mallinfo2`: chunks in use in every arena plus mapped blocks), so every kind of value counts.
///
/// The limit is `$GLASSBOX_MEMORY_LIMIT` (bytes, or a number with K, M, G: `800M`, `2G`), else half
/// of the machine's memory or 80 % of the container's (cgroup) limit, whichever is smaller.
public final class MemoryBudget: @unchecked Sendable {
    /// The process's budget.
    public static let shared = MemoryBudget(limit: MemoryBudget.configuredLimit(environment: ProcessInfo.processInfo.environment))

    /// Allocations smaller than this are never checked (checking costs a walk of the allocator's arenas).
    public static let checkedSize = 1 << 20

    private let lock = NSLock()
    private var _limit: Int

    public init(limit: Int) { _limit = limit }

    /// The budget in bytes; tests and hosts may change it.
    public var limit: Int {
        get { lock.withLock { _limit } }
        set { lock.withLock { _limit = newValue } }
    }

    /// Bytes allocated and not freed, as the C allocator counts them.
    public var inUse: Int { Int(glassbox_heap_in_use()) }

    /// Bytes still available under the budget.
    public var available: Int { Swift.max(limit - inUse, 0) }

    /// Throws `MemoryExhausted` unless `bytes` more fit under the budget; `what` names the request
    /// for the message ("a string of 2,147,483,648 characters").
    public func check(_ bytes: Int, for what: @autoclosure () -> String) throws {
        guard bytes >= Self.checkedSize else { return }
        let used = inUse
        let (total, overflow) = used.addingReportingOverflow(bytes)
        if overflow || total > limit {
            throw MemoryExhausted(what: what(), needed: bytes, inUse: used, limit: limit)
        }
    }

    /// How many rows of `bytesPerRow` fit in what is left of the budget, keeping half of it free
    /// for everything else (0 when none does).
    public func rowsThatFit(bytesPerRow: Int) -> Int {
        guard bytesPerRow > 0 else { return Int.max }
        return available / 2 / bytesPerRow
    }

    /// The configured limit: `GLASSBOX_MEMORY_LIMIT`, else the default share of the machine and cgroup.
    public static func configuredLimit(environment: [String: String]) -> Int {
        if let text = environment["GLASSBOX_MEMORY_LIMIT"], let bytes = parse(text) { return bytes }
        return defaultLimit(physical: Int(ProcessInfo.processInfo.physicalMemory), cgroup: cgroupLimit())
    }

    /// Half the machine's memory, or 80 % of a cgroup limit when that is smaller.
    public static func defaultLimit(physical: Int, cgroup: Int?) -> Int {
        let machine = physical / 2
        guard let cgroup, cgroup > 0 else { return machine }
        return Swift.min(machine, cgroup / 10 * 8)
    }

    /// "800M", "2G", "1.5g", "123456" (bytes) → bytes; nil for anything else.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard !trimmed.isEmpty else { return nil }
        let units: [Character: Double] = ["K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
        var number = Substring(trimmed)
        var scale = 1.0
        if number.hasSuffix("B") { number = number.dropLast() }
        if let last = number.last, let unit = units[last] {
            scale = unit
            number = number.dropLast()
        }
        guard let value = Double(number), value.isFinite, value > 0 else { return nil }
        let bytes = value * scale
        return bytes < Double(Int.max) ? Int(bytes) : nil
    }

    /// The cgroup (v2, then v1) memory limit of this process, if it has one.
    static func cgroupLimit() -> Int? {
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            // "max" (v2) or a huge number (v1) means no limit.
            if let bytes = Int(value), bytes < (1 << 60) { return bytes }
        }
        return nil
    }
}

/// A request that would take the kernel over its memory budget.
public struct MemoryExhausted: Error, CustomStringConvertible, Equatable, Sendable {
    /// What asked for the memory.
    public var what: String
    public var needed: Int
    public var inUse: Int
    public var limit: Int

    public init(what: String, needed: Int, inUse: Int, limit: Int) {
        self.what = what
        self.needed = needed
        self.inUse = inUse
        self.limit = limit
    }

    private static func megabytes(_ bytes: Int) -> String {
        let mb = Double(bytes) / Double(1 << 20)
        return mb >= 100 ? String(Int(mb.rounded())) : String(format: "%.1f", mb)
    }

    public var description: String {
        "\(what) needs \(Self.megabytes(needed)) MB, budget \(Self.megabytes(limit)) MB with \(Self.megabytes(inUse)) MB in use (set GLASSBOX_MEMORY_LIMIT)"
    }
}
