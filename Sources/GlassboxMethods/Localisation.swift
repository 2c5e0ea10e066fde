import GlassboxData
import GlassboxEngine

/// How well one map points at a known box (the digit of a cluttered-MNIST image).
public struct LocalisationScore: Sendable, Equatable {
    /// Pointing game: the map's maximum lies inside the box (the first maximal pixel in row-major
    /// order; a constant map points nowhere and misses).
    public var hit: Bool
    /// The share of the map's positive energy inside the box, Σ_box max(m, 0) / Σ max(m, 0)
    /// (Score-CAM's energy-based pointing game); 0 when the map has no positive value.
    public var energy: Double
    /// Intersection over union of the box with the map's top pixels (`Localisation.topPixels`).
    public var iou: Double
    /// How many pixels the top-k% mask holds.
    public var maskSize: Int

    public init(hit: Bool, energy: Double, iou: Double, maskSize: Int) {
        self.hit = hit
        self.energy = energy
        self.iou = iou
        self.maskSize = maskSize
    }
}

/// Localisation scores of explanation maps against boxes.
public enum Localisation {
    /// The pixels of the mask thresholded at the top `percent`%: the round(percent/100 · H·W)
    /// pixels with the largest values, keeping only positive ones (a map that is 0 over most of
    /// the image has a smaller mask); ties at the threshold are broken in row-major order.
    public static func topPixels(_ map: ArraySlice<Float>, percent: Double) -> [Int] {
        let wanted = Int((percent / 100 * Double(map.count)).rounded())
        let order = map.indices.filter { map[$0] > 0 }.sorted { map[$0] != map[$1] ? map[$0] > map[$1] : $0 < $1 }
        return order.prefix(wanted).map { $0 - map.startIndex }
    }

    /// The scores of one map of `height` × `width` (row-major) against `box`.
    public static func score(_ map: ArraySlice<Float>, height: Int, width: Int, box: PixelBox, topPercent: Double) throws -> LocalisationScore {
        guard map.count == height * width, height > 0, width > 0 else {
            throw MethodError.mismatch(operation: "localisation", message: "a map of \(map.count) values is not \(height)×\(width)")
        }
        guard box.top >= 0, box.left >= 0, box.height >= 0, box.width >= 0, box.bottom <= height, box.right <= width else {
            throw MethodError.mismatch(operation: "localisation", message: "the box \(box) does not lie inside the \(height)×\(width) map")
        }
        guard topPercent > 0, topPercent <= 100, topPercent.isFinite else {
            throw MethodError.invalidOption(method: "localisation", message: "the top percentage must be in (0, 100], got \(topPercent)")
        }
        if let bad = map.firstIndex(where: { !$0.isFinite }) {
            throw MethodError.mismatch(operation: "localisation", message: "map value \(bad - map.startIndex) is \(map[bad]), not finite")
        }
        func inside(_ index: Int) -> Bool { box.contains(row: index / width, column: index % width) }
        // Pointing game.
        var best = map.startIndex
        for j in map.indices where map[j] > map[best] { best = j }
        let constant = map.allSatisfy { $0 == map[best] }
        let hit = !constant && inside(best - map.startIndex)
        // Energy.
        var total = 0.0, within = 0.0
        for j in map.indices where map[j] > 0 {
            total += Double(map[j])
            if inside(j - map.startIndex) { within += Double(map[j]) }
        }
        // IoU of the top pixels with the box.
        let mask = topPixels(map, percent: topPercent)
        let intersection = mask.filter(inside).count
        let union = mask.count + box.area - intersection
        return LocalisationScore(hit: hit, energy: total > 0 ? within / total : 0, iou: union > 0 ? Double(intersection) / Double(union) : 0,
                                 maskSize: mask.count)
    }

    /// The scores of every map of `maps` ([N, 1, H, W] or [N, H, W]) against its box.
    public static func scores(_ maps: Tensor, boxes: [PixelBox], topPercent: Double) throws -> [LocalisationScore] {
        guard maps.rank == 3 || (maps.rank == 4 && maps.shape[1] == 1) else {
            throw MethodError.mismatch(operation: "localisation", message: "maps should have shape [N, H, W] or [N, 1, H, W], got \(maps.shape)")
        }
        let n = maps.shape[0], height = maps.shape[maps.rank - 2], width = maps.shape[maps.rank - 1]
        guard boxes.count == n else {
            throw MethodError.mismatch(operation: "localisation", message: "\(boxes.count) boxes for \(n) maps")
        }
        let per = height * width
        return try (0..<n).map { i in
            do {
                return try score(maps.scalars[(i * per)..<((i + 1) * per)], height: height, width: width, box: boxes[i], topPercent: topPercent)
            } catch let error as MethodError {
                throw MethodError.mismatch(operation: "localisation", message: "image \(i): \(error.message)")
            }
        }
    }
}
