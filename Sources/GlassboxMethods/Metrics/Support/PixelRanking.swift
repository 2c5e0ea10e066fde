/// The pixel positions of an image ordered by relevance, for the metrics that remove or insert
/// pixels one by one (deletion, insertion, ROAD).
enum PixelRanking {
    /// The H·W positions of a [C, H, W] map (or the values of a flat map, C = 1), summed over the
    /// channels, most relevant first (or least relevant first); equal values keep their row-major
    /// order, so the ranking of an image never depends on anything but its map.
    static func order(_ map: ArraySlice<Float>, positions: Int, order: RemovalOrder = .mostRelevantFirst) -> [Int] {
        let channels = positions == 0 ? 0 : map.count / positions
        let base = map.startIndex
        var relevance = [Double](repeating: 0, count: positions)
        for k in 0..<channels {
            for p in 0..<positions { relevance[p] += Double(map[base + k * positions + p]) }
        }
        return (0..<positions).sorted { a, b in
            if relevance[a] != relevance[b] {
                return order == .mostRelevantFirst ? relevance[a] > relevance[b] : relevance[a] < relevance[b]
            }
            return a < b
        }
    }

    /// The number of positions of one image: H·W for [C, H, W] images, else every value.
    static func positions(imageShape shape: [Int]) -> Int {
        shape.count == 3 ? shape[1] * shape[2] : shape.reduce(1, *)
    }

    /// Sets `positions` of the image in `image` (all channels) to `value`.
    static func fill(_ image: UnsafeMutableBufferPointer<Float>, positions: ArraySlice<Int>, planeSize: Int, value: Float) {
        let channels = image.count / planeSize
        for k in 0..<channels {
            for p in positions { image[k * planeSize + p] = value }
        }
    }

    /// Copies `positions` (all channels) of `source` into `image`.
    static func copy(_ source: ArraySlice<Float>, into image: UnsafeMutableBufferPointer<Float>, positions: ArraySlice<Int>,
                     planeSize: Int) {
        let channels = image.count / planeSize
        let base = source.startIndex
        for k in 0..<channels {
            for p in positions { image[k * planeSize + p] = source[base + k * planeSize + p] }
        }
    }
}
