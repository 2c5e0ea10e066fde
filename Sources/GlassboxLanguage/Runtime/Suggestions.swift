/// "Did you mean …" by edit distance.
///
/// Linear in the length of the name: a candidate is compared only within a band of `threshold`
/// around the diagonal (at most 3 edits are of interest), and candidates whose length differs by
/// more than that are skipped before any comparison, so a 250,000-character unknown name is
/// answered as fast as a short one.
public enum Suggestions {
    /// Up to `limit` candidates within a small edit distance of `name`, closest first.
    public static func closest(to name: String, among candidates: [String], limit: Int = 3) -> [String] {
        let lowered = name.lowercased()
        let target = Array(lowered)
        let threshold = max(1, min(3, target.count / 3 + 1))
        var scored: [(String, Int)] = []
        var seen = Set<String>()
        for candidate in candidates where candidate != name && seen.insert(candidate).inserted {
            let other = candidate.lowercased()
            // Near misspellings first, then longer names that start with what was typed.
            if let distance = boundedDistance(target, Array(other), limit: threshold) {
                scored.append((candidate, distance))
            } else if target.count >= 3 && other.count > target.count && other.hasPrefix(lowered) {
                scored.append((candidate, threshold + 1))
            }
        }
        scored.sort { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        return scored.prefix(limit).map(\.0)
    }

    /// Damerau–Levenshtein (optimal string alignment) distance.
    public static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        boundedDistance(a, b, limit: max(a.count, b.count))!
    }

    /// The optimal-string-alignment distance when it is at most `limit`, else nil; only the cells
    /// within `limit` of the diagonal are computed (O((|a| + |b|) · limit)).
    static func boundedDistance(_ a: [Character], _ b: [Character], limit: Int) -> Int? {
        if abs(a.count - b.count) > limit { return nil }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        let outside = limit + 1  // stands for "more than limit"
        var previous2 = [Int](repeating: outside, count: b.count + 1)
        var previous = (0...b.count).map { min($0, outside) }
        var current = [Int](repeating: outside, count: b.count + 1)
        for i in 1...a.count {
            let low = max(1, i - limit), high = min(b.count, i + limit)
            current[0] = min(i, outside)
            if low > 1 { current[low - 1] = outside }
            var best = current[0] <= limit && low == 1 ? current[0] : outside
            for j in low...high {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    value = min(value, previous2[j - 2] + 1)
                }
                current[j] = min(value, outside)
                best = min(best, current[j])
            }
            if high < b.count { current[high + 1] = outside }
            if best > limit { return nil }
            swap(&previous2, &previous)
            swap(&previous, &current)
        }
        let distance = previous[b.count]
        return distance <= limit ? distance : nil
    }
}
