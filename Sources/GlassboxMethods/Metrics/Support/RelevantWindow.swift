/// Which features a perturbation metric removes first.
public enum RemovalOrder: String, Sendable, CaseIterable {
    /// The most relevant first (MoRF): a faithful map makes f fall fast.
    case mostRelevantFirst
    /// The least relevant first (LeRF): a faithful map keeps f high.
    case leastRelevantFirst

    /// The option's choices.
    static var names: [String] { allCases.map(\.rawValue) }
}

/// Chapter 5.2's window selection (the reference's `find_roi`, convention C6): the sum of the map
/// over every `patch`×`patch` window at stride 1, windows touching a cell removed before excluded
/// (their sum is −∞ in the reference), the largest sum chosen — the first window in row-major order
/// on ties. Least relevant first chooses the smallest sum instead.
public enum RelevantWindow {
    /// A window's top-left corner.
    public struct Corner: Sendable, Equatable {
        public var row: Int
        public var column: Int
        public init(row: Int, column: Int) {
            self.row = row
            self.column = column
        }
    }

    /// The chosen window of `map` ([C, H, W] values, summed over the channels) among those that
    /// touch no `excluded` cell (H·W flags); nil when every window touches one. Each window's sum is
    /// formed in the same order from its own values, so equal windows have equal sums and ties are
    /// exact.
    public static func best(_ map: ArraySlice<Float>, shape: [Int], patch: Int, excluding excluded: [Bool],
                            order: RemovalOrder = .mostRelevantFirst) -> Corner? {
        let (channels, height, width) = (shape[0], shape[1], shape[2])
        guard patch >= 1, patch <= height, patch <= width, excluded.count == height * width else { return nil }
        let base = map.startIndex
        // The map summed over channels, per cell.
        var plane = [Double](repeating: 0, count: height * width)
        for k in 0..<channels {
            for cell in 0..<(height * width) { plane[cell] += Double(map[base + k * height * width + cell]) }
        }
        // Sums and exclusions of the `patch` cells to the right of each cell, row by row.
        let columns = width - patch + 1
        var rowSums = [Double](repeating: 0, count: height * columns)
        var rowBlocked = [Bool](repeating: false, count: height * columns)
        for y in 0..<height {
            for c in 0..<columns {
                var sum = 0.0
                var blocked = false
                for x in c..<(c + patch) {
                    sum += plane[y * width + x]
                    blocked = blocked || excluded[y * width + x]
                }
                rowSums[y * columns + c] = sum
                rowBlocked[y * columns + c] = blocked
            }
        }
        var best: Corner?
        var bestSum = 0.0
        for r in 0...(height - patch) {
            windows: for c in 0..<columns {
                var sum = 0.0
                for y in r..<(r + patch) {
                    if rowBlocked[y * columns + c] { continue windows }
                    sum += rowSums[y * columns + c]
                }
                let better = order == .mostRelevantFirst ? sum > bestSum : sum < bestSum
                if best == nil || better {
                    best = Corner(row: r, column: c)
                    bestSum = sum
                }
            }
        }
        return best
    }

    /// Writes `value` into the `patch`×`patch` window at `corner` of every channel of the [C, H, W]
    /// image in `image`.
    static func fill(_ image: UnsafeMutableBufferPointer<Float>, shape: [Int], corner: Corner, patch: Int, value: Float) {
        let (channels, height, width) = (shape[0], shape[1], shape[2])
        for k in 0..<channels {
            for y in corner.row..<(corner.row + patch) {
                for x in corner.column..<(corner.column + patch) { image[(k * height + y) * width + x] = value }
            }
        }
    }
}
