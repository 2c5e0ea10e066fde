/// "Did you mean …" by edit distance.
public enum Suggestions {
    /// Up to `limit` candidates within a small edit distance of `name`, closest first.
    public static func closest(to name: String, among candidates: [String], limit: Int = 3) -> [String] {
        let target = Array(name.lowercased())
        let threshold = max(1, min(3, target.count / 3 + 1))
        var scored: [(String, Int)] = []
        var seen = Set<String>()
        for candidate in candidates where candidate != name && seen.insert(candidate).inserted {
            let distance = editDistance(target, Array(candidate.lowercased()))
            let isPrefix = candidate.lowercased().hasPrefix(name.lowercased()) && target.count >= 3
            // Near misspellings first, then longer names that start with what was typed.
            if distance <= threshold {
                scored.append((candidate, distance))
            } else if isPrefix {
                scored.append((candidate, threshold + 1))
            }
        }
        scored.sort { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        return scored.prefix(limit).map(\.0)
    }

    /// Damerau–Levenshtein (optimal string alignment) distance.
    public static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            previous2 = previous
            previous = current
        }
        return previous[b.count]
    }
}
