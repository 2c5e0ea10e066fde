/// One executed cell in the history.
public struct HistoryEntry: Sendable, Equatable {
    public var session: Int
    public var line: Int
    public var input: String
    /// The `text/plain` of the cell's `execute_result`, if any.
    public var output: String?

    public init(session: Int, line: Int, input: String, output: String? = nil) {
        self.session = session
        self.line = line
        self.input = input
        self.output = output
    }
}

/// The kernel's in-memory input history, queried like IPython's history manager
/// (`tail`, `range`, `search` with SQLite GLOB patterns). Only the current session is kept.
public struct ExecutionHistory: Sendable {
    /// The number of the running session (IPython numbers sessions from 1).
    public let session: Int
    public private(set) var entries: [HistoryEntry] = []

    public init(session: Int = 1) {
        self.session = session
    }

    /// Records cell number `line`.
    public mutating func record(line: Int, input: String) {
        entries.append(HistoryEntry(session: session, line: line, input: input))
    }

    /// Attaches the result text to cell number `line`.
    public mutating func setOutput(_ output: String, line: Int) {
        if let index = entries.lastIndex(where: { $0.line == line }) { entries[index].output = output }
    }

    /// The last `n` entries, oldest first.
    public func tail(_ n: Int) -> [HistoryEntry] {
        n <= 0 ? [] : Array(entries.suffix(n))
    }

    /// Lines `start..<stop` of `session` (`stop` nil: to the end). Session 0 means the current one and
    /// negative numbers count back from it, as IPython does.
    public func range(session requested: Int, start: Int, stop: Int?) -> [HistoryEntry] {
        let target = requested <= 0 ? session + requested : requested
        guard target == session else { return [] }
        return entries.filter { entry in entry.line >= start && (stop.map { entry.line < $0 } ?? true) }
    }

    /// Entries whose input matches the GLOB `pattern` (whole input, case-sensitive); with `unique`,
    /// only the latest of equal inputs; with `n`, only the last `n` matches. Oldest first.
    public func search(pattern: String, n: Int?, unique: Bool) -> [HistoryEntry] {
        let glob = GlobPattern(pattern)
        var matches = entries.filter { glob.matches($0.input) }
        if unique {
            var seen = Set<String>()
            var latestFirst: [HistoryEntry] = []
            for entry in matches.reversed() where seen.insert(entry.input).inserted { latestFirst.append(entry) }
            matches = latestFirst.reversed()
        }
        if let n, n >= 0 { matches = Array(matches.suffix(n)) }
        return matches
    }
}

/// A SQLite GLOB pattern: `*` any run, `?` one character, `[abc]`, `[a-z]`, `[^abc]` classes.
public struct GlobPattern: Sendable {
    private let pattern: [Character]

    public init(_ pattern: String) {
        self.pattern = Array(pattern)
    }

    public func matches(_ text: String) -> Bool {
        let text = Array(text)
        var p = 0, t = 0
        var starP = -1, starT = 0
        while t < text.count {
            if p < pattern.count {
                switch pattern[p] {
                case "*":
                    starP = p
                    starT = t
                    p += 1
                    continue
                case "?":
                    p += 1
                    t += 1
                    continue
                case "[":
                    if let (matched, next) = matchClass(at: p, text[t]) {
                        if matched {
                            p = next
                            t += 1
                            continue
                        }
                    } else if text[t] == "[" {  // unterminated class: a literal "["
                        p += 1
                        t += 1
                        continue
                    }
                default:
                    if pattern[p] == text[t] {
                        p += 1
                        t += 1
                        continue
                    }
                }
            }
            guard starP >= 0 else { return false }
            p = starP + 1
            starT += 1
            t = starT
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }

    /// Matches `character` against the class starting at `pattern[start] == "["`; returns whether it
    /// matched and the index after `]`, or nil when the class is not terminated.
    private func matchClass(at start: Int, _ character: Character) -> (Bool, Int)? {
        var index = start + 1
        var negated = false
        if index < pattern.count && pattern[index] == "^" {
            negated = true
            index += 1
        }
        var matched = false
        var first = true
        while index < pattern.count && (pattern[index] != "]" || first) {
            first = false
            let low = pattern[index]
            if index + 2 < pattern.count && pattern[index + 1] == "-" && pattern[index + 2] != "]" {
                if low <= character && character <= pattern[index + 2] { matched = true }
                index += 3
            } else {
                if low == character { matched = true }
                index += 1
            }
        }
        guard index < pattern.count else { return nil }
        return (matched != negated, index + 1)
    }
}
