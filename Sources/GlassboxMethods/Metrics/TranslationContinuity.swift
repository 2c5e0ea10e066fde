import GlassboxEngine

/// Explanation continuity under translation (chapter 5.1): one image slid horizontally over a range
/// of shifts, its map at each shift, the four quadrant sums of each map, and the continuity number
/// the chapter defines but never computes,
///
///     C = max over shifts s ≠ t of ‖R(x_s) − R(x_t)‖₁ / ‖x_s − x_t‖₂,
///
/// taken over every pair of sampled shifts whose images differ (smaller is more continuous).
///
/// From Montavon, Samek & Müller (2018), Methods for interpreting and understanding deep neural
/// networks, Digital Signal Processing 73, Section 7.1.
public struct TranslationContinuity: Sendable {
    public static let title = "Translation continuity"

    /// The horizontal shifts, in pixels (the reference: −20 … +20).
    public var shifts: [Int]

    public init(shifts: [Int] = Array(-20...20)) throws {
        guard shifts.count >= 2 else {
            throw MethodError.invalidOption(method: Self.title, message: "give at least two shifts, got \(shifts.count)")
        }
        self.shifts = shifts
    }

    /// The maps of one image along the shifts.
    public struct Result: Sendable, Equatable {
        public var method: String
        public var shifts: [Int]
        /// The shifted images, [S] + the image shape.
        public var images: Tensor
        /// Their maps, [S] + the image shape.
        public var maps: Tensor
        /// f of each shifted image for the target class.
        public var outputs: [Float]
        /// quadrants[s] = (R1 top-left, R2 top-right, R3 bottom-right, R4 bottom-left): sums over the
        /// rows 0..<H/2 or H/2..<H and columns 0..<W/2 or W/2..<W of all channels.
        public var quadrants: [[Float]]
        /// The continuity number C (see the type); 0 when all images are equal.
        public var continuity: Float
        public var target: Int
    }

    /// Runs `explainer` on `image` ([1] + the model's input shape, or the image alone) at every
    /// shift, all shifts in one batch, explaining `target` (nil: the unshifted image's prediction).
    public func run(model: ExplainedModel, explainer: Explainer, image: Tensor, target: Int? = nil,
                    monitor: WorkMonitor = .none) throws -> Result {
        try model.checkInputs(image, method: Self.title)
        guard image.shape[0] == 1, image.rank == 4 else {
            throw MethodError.inputShape(method: Self.title, expected: "one image [1, C, H, W]", got: image.shape)
        }
        let c = try target ?? model.predictedClasses(image, monitor: monitor)[0]
        var scalars: [Float] = []
        scalars.reserveCapacity(shifts.count * image.count)
        for shift in shifts { scalars += try ImageTranslation.translated(image, dx: shift).scalars }
        var shape = image.shape
        shape[0] = shifts.count
        let images = Tensor(shape: shape, scalars: scalars)
        let targets = [Int](repeating: c, count: shifts.count)
        let maps = try explainer.maps(images, targets: targets, monitor: monitor, metric: Self.title)
        let outputs = try model.scores(images, classes: targets, monitor: monitor)
        let quadrants = (0..<shifts.count).map { Self.quadrantSums(rowSlice(maps, $0), shape: Array(shape.dropFirst())) }
        return Result(method: explainer.name, shifts: shifts, images: images, maps: maps, outputs: outputs, quadrants: quadrants,
                      continuity: Self.continuity(images: images, maps: maps), target: c)
    }

    /// (top-left, top-right, bottom-right, bottom-left) sums of a [C, H, W] map, in Double.
    public static func quadrantSums(_ map: ArraySlice<Float>, shape: [Int]) -> [Float] {
        let (channels, height, width) = (shape[0], shape[1], shape[2])
        var sums = [Double](repeating: 0, count: 4)
        let base = map.startIndex
        for k in 0..<channels {
            for y in 0..<height {
                for x in 0..<width {
                    let top = y < height / 2, left = x < width / 2
                    let q = top ? (left ? 0 : 1) : (left ? 3 : 2)
                    sums[q] += Double(map[base + (k * height + y) * width + x])
                }
            }
        }
        return sums.map { Float($0) }
    }

    /// max over pairs s < t with x_s ≠ x_t of ‖R_s − R_t‖₁ / ‖x_s − x_t‖₂ (rows of `images`/`maps`).
    public static func continuity(images: Tensor, maps: Tensor) -> Float {
        let n = images.shape[0]
        var best = 0.0
        for s in 0..<n {
            let xs = rowSlice(images, s), rs = rowSlice(maps, s)
            for t in (s + 1)..<max(n, s + 1) {
                let xt = rowSlice(images, t), rt = rowSlice(maps, t)
                var distance = 0.0
                for (a, b) in zip(xs, xt) { distance += (Double(a) - Double(b)) * (Double(a) - Double(b)) }
                guard distance > 0 else { continue }
                var change = 0.0
                for (a, b) in zip(rs, rt) { change += abs(Double(a) - Double(b)) }
                best = max(best, change / distance.squareRoot())
            }
        }
        return Float(best)
    }
}
