import GlassboxEngine

/// Explanation continuity under translation (chapter 5.1): each image slid horizontally over the
/// shifts (zero fill), explained at every shift for its class, and the continuity number the
/// chapter defines but never computes,
///
///     C = max over shifts s ≠ t with x_s ≠ x_t of ‖R(x_s) − R(x_t)‖₁ / ‖x_s − x_t‖₂,
///
/// over every pair of sampled shifts (smaller is more continuous). The record keeps, per image, the
/// shifted images, their maps, f at each shift and the four quadrant sums of each map (R1
/// top-left, R2 top-right, R3 bottom-right, R4 bottom-left), the chapter's line charts.
///
/// From Montavon, Samek & Müller (2018), Methods for interpreting and understanding deep neural
/// networks, Digital Signal Processing 73, Section 7.1.
public struct TranslationContinuity: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "translationContinuity", title: "Translation continuity", category: .robustness,
        citation: "Montavon, Samek & Müller (2018), Methods for interpreting and understanding deep neural networks, Digital Signal Processing 73, Section 7.1",
        summary: "Slide each image horizontally (chapter 5.1), explain every shift, and score max ‖R(x) − R(x′)‖₁ / ‖x − x′‖₂ over pairs of shifts: lower is more continuous.",
        formula: "C = \\max_{s \\neq t,\\; x_s \\neq x_t} \\frac{\\lVert R(x_s) - R(x_t) \\rVert_1}{\\lVert x_s - x_t \\rVert_2},\\quad x_s = x \\text{ moved } s \\text{ pixels to the right}",
        details: "Shifts are whole pixels with zero fill (the reference's translate). Every shifted copy of a group of images is "
            + "explained in one call, for the class of the unshifted image. The result's curve is f at each shift; for one image "
            + "it also has .maps (an Explanation, one map per shift), .quadrants (Tensor [shifts, 4]: R1 top-left, R2 top-right, "
            + "R3 bottom-right, R4 bottom-left) and .images. The chapter's continuity number is the largest ratio over all pairs of "
            + "the sampled shifts.",
        direction: .lowerIsBetter,
        options: [MethodOption("shifts", .integers(min: -1000, max: 1000), default: .list((-20...20).map { .int($0) }),
                               doc: "horizontal shifts in pixels, positive to the right (chapter 5.1: -20...20)")],
        chapters: ["5.1"],
        example: "let run = translationContinuity(net, xs[2], method: \"deepTaylor\", target: \"label\", output: \"reluLogit\")\nrun.mean\nplot(run)")

    public var shifts: [Int]

    public init(shifts: [Int] = Array(-20...20)) throws {
        guard shifts.count >= 2 else {
            throw MethodError.invalidOption(method: Self.declaration.title, message: "give at least two shifts, got \(shifts.count)")
        }
        self.shifts = shifts
    }

    public init(options: MethodOptions) throws {
        try self.init(shifts: options.integers("shifts") ?? [])
    }

    /// What happened to each image along the shifts.
    public struct Record: Sendable {
        public var shifts: [Int]
        /// images[i]: image i at every shift, [S] + the image shape.
        public var images: [Tensor]
        /// maps[i]: the maps of images[i].
        public var maps: [Tensor]
        /// quadrants[i][s]: (R1, R2, R3, R4) of image i's map at shift s.
        public var quadrants: [[[Float]]]

        public init(shifts: [Int], images: [Tensor], maps: [Tensor], quadrants: [[[Float]]]) {
            self.shifts = shifts
            self.images = images
            self.maps = maps
            self.quadrants = quadrants
        }
    }

    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        let title = Self.declaration.title
        guard subject.inputs.rank == 4 else {
            throw MethodError.inputShape(method: title, expected: "[N, C, H, W] images", got: subject.inputs.shape)
        }
        let imageShape = Array(subject.inputs.shape.dropFirst())
        let count = shifts.count, per = subject.valuesPerImage
        let task = task(subject)
        var record = Record(shifts: shifts, images: [], maps: [], quadrants: [])
        var outputs = [[Float]](), scores = [Float]()
        for group in try MetricBatching.groups(images: subject.count, copies: count, valuesPerImage: per, buffers: 4, what: title) {
            try monitor.cancellation.check()
            monitor.progress(ProgressEvent(task: task, completed: group.lowerBound, total: subject.count))
            var moved = [Float]()
            moved.reserveCapacity(group.count * count * per)
            for i in group {
                let image = subject.inputs.rows(i..<(i + 1))
                for shift in shifts { moved += try ImageTranslation.translated(image, dx: shift).scalars }
            }
            let images = Tensor(shape: [group.count * count] + imageShape, scalars: moved)
            let classes = MetricBatching.repeated(Array(subject.targets[group]), count)
            let explained = try subject.explain(images, classes: classes, monitor: monitor, metric: title)
            let f = try explained.outputs ?? subject.scores(images, classes: classes, monitor: monitor)
            for g in 0..<group.count {
                let rows = (g * count)..<((g + 1) * count)
                let (shiftedImages, shiftedMaps) = (images.rows(rows), explained.maps.rows(rows))
                record.images.append(shiftedImages)
                record.maps.append(shiftedMaps)
                record.quadrants.append((0..<count).map { Self.quadrantSums(rowSlice(shiftedMaps, $0), shape: imageShape) })
                outputs.append(Array(f[rows]))
                scores.append(Self.continuity(images: shiftedImages, maps: shiftedMaps))
            }
        }
        monitor.progress(ProgressEvent(task: task, completed: subject.count, total: subject.count, finished: true))
        let curve = MetricCurve(x: shifts.map(Double.init), xLabel: "digit position", yLabel: "f", values: outputs)
        return result(subject, scores: scores, curve: curve, detail: record)
    }

    /// (top-left, top-right, bottom-right, bottom-left) sums of a [C, H, W] map over all channels,
    /// the halves split at H/2 and W/2 (rows 0–13 and 14–27 on MNIST), in Double.
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

    /// max over pairs s < t with x_s ≠ x_t of ‖R_s − R_t‖₁ / ‖x_s − x_t‖₂ (rows of `images` and
    /// `maps`); 0 when all images are equal.
    public static func continuity(images: Tensor, maps: Tensor) -> Float {
        let n = images.shape[0]
        var best = 0.0
        for s in 0..<n {
            let (xs, rs) = (rowSlice(images, s), rowSlice(maps, s))
            for t in (s + 1)..<max(n, s + 1) {
                let (xt, rt) = (rowSlice(images, t), rowSlice(maps, t))
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
