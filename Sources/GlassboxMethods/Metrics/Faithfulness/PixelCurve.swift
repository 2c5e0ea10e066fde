import GlassboxEngine

/// The curve shared by deletion and insertion: pixels taken in the order of one map (most relevant
/// first), `steps` + 1 points from none to all of them; at point k the first ⌊k·P/steps⌋ of the
/// P pixel positions are deleted (set to `fill`) from the image, or inserted into a `fill` image.
/// All points of a group of images are scored in one batched forward pass.
struct PixelCurve {
    var steps: Int
    var fill: Float
    var inserting: Bool

    /// How many positions are changed at point k.
    func changed(at k: Int, positions: Int) -> Int { k * positions / steps }

    /// f at every point, per image, and the fractions of changed positions.
    func run(_ subject: MetricSubject, metric: String, task: String, monitor: WorkMonitor) throws -> (values: [[Float]], x: [Double]) {
        let shape = Array(subject.inputs.shape.dropFirst())
        let positions = PixelRanking.positions(imageShape: shape)
        let maps = try subject.maps(monitor: monitor, metric: metric)
        let points = steps + 1
        var values = [[Float]]()
        values.reserveCapacity(subject.count)
        let groups = try MetricBatching.groups(images: subject.count, copies: points, valuesPerImage: subject.valuesPerImage,
                                               what: metric)
        for group in groups {
            try monitor.cancellation.check()
            monitor.progress(ProgressEvent(task: task, completed: group.lowerBound, total: subject.count))
            let rankings = group.map { PixelRanking.order(rowSlice(maps, $0), positions: positions) }
            let batch = try MetricBatching.batch(like: subject.inputs, rows: group.count * points) { row, image in
                let (i, k) = (row / points, row % points)
                let original = rowSlice(subject.inputs, group.lowerBound + i)
                let first = rankings[i].prefix(changed(at: k, positions: positions))
                if inserting {
                    for j in 0..<image.count { image[j] = fill }
                    PixelRanking.copy(original, into: image, positions: first, planeSize: positions)
                } else {
                    copyValues(original, into: image)
                    PixelRanking.fill(image, positions: first, planeSize: positions, value: fill)
                }
            }
            let classes = MetricBatching.repeated(Array(subject.targets[group]), points)
            let f = try subject.scores(batch, classes: classes, monitor: monitor)
            for i in 0..<group.count { values.append(Array(f[(i * points)..<((i + 1) * points)])) }
        }
        monitor.progress(ProgressEvent(task: task, completed: subject.count, total: subject.count, finished: true))
        let x = (0..<points).map { Double(changed(at: $0, positions: positions)) / Double(positions) }
        return (values, x)
    }

    /// The options both metrics take.
    static func options(baselineDoc: String) -> [MethodOption] {
        [
            MethodOption("steps", .integer(min: 1), default: .int(28), doc: "points after the first: ⌊k·P/steps⌋ of the P pixels changed at point k"),
            MethodOption("fill", .number(), default: .double(0), doc: baselineDoc),
        ]
    }

    /// The per-image areas under the curves over the fraction of changed pixels.
    static func areas(_ values: [[Float]], x: [Double]) -> [Float] {
        values.map { CurveArea.trapezoid($0, x: x) }
    }
}
