import GlassboxEngine

/// Region perturbation ("pixel flipping" by regions), the selectivity test of chapter 5.2:
/// repeatedly fill the most relevant square window with a constant and record how fast the
/// explained output falls. The faster it falls (the lower the curve and its area), the more
/// selective the explanation.
///
/// From Samek, Binder, Montavon, Lapuschkin & Müller (2017), Evaluating the visualization of what a
/// deep neural network has learned, IEEE TNNLS 28(11); Montavon, Samek & Müller (2018), Section 7.2.
///
/// Procedure, per image, for `steps` records: record f(x⁽ᵗ⁾) (the original class throughout) and
/// the map R(x⁽ᵗ⁾) — recomputed on the already modified image when `recompute` is on, as the
/// reference does; choose the `patch`×`patch` window with the largest (or, least relevant first,
/// smallest) sum of R over all channels, among windows at stride 1 that do not overlap a window
/// removed before — ties go to the first window in row-major order; unless this was the last
/// record, set that window to `fill` in every channel. So `steps` scores describe 0 … steps − 1
/// removed windows.
public struct RegionPerturbation: Sendable {
    /// Which windows go first.
    public enum Order: String, Sendable, CaseIterable {
        /// The most relevant window first (the selectivity test; scores should fall fast).
        case mostRelevantFirst
        /// The least relevant window first (scores should stay high).
        case leastRelevantFirst
    }

    /// The number of recorded scores (windows removed: steps − 1).
    public var steps: Int
    /// The side of the square window.
    public var patch: Int
    /// The value written into a removed window (0 is black on MNIST).
    public var fill: Float
    public var order: Order
    /// Recompute the map on each modified image (the reference's procedure); off ranks the windows
    /// of the first map only.
    public var recompute: Bool

    public static let title = "Region perturbation"

    public init(steps: Int = 20, patch: Int = 4, fill: Float = 0, order: Order = .mostRelevantFirst, recompute: Bool = true) throws {
        guard steps >= 1 else { throw MethodError.invalidOption(method: Self.title, message: "steps must be at least 1, got \(steps)") }
        guard patch >= 1 else { throw MethodError.invalidOption(method: Self.title, message: "patch must be at least 1, got \(patch)") }
        guard fill.isFinite else { throw MethodError.invalidOption(method: Self.title, message: "fill must be a finite number, got \(fill)") }
        self.steps = steps
        self.patch = patch
        self.fill = fill
        self.order = order
        self.recompute = recompute
    }

    /// A window's top-left corner.
    public struct Window: Sendable, Equatable {
        public var row: Int
        public var column: Int
        public init(row: Int, column: Int) {
            self.row = row
            self.column = column
        }
    }

    /// The curves of a batch.
    public struct Result: Sendable, Equatable {
        /// The explainer's name.
        public var method: String
        /// scores[i][t]: f of image i after t removed windows.
        public var scores: [[Float]]
        /// windows[i]: the windows removed from image i, in order (steps − 1 of them).
        public var windows: [[Window]]
        /// The class each image's f is taken for.
        public var targets: [Int]
        public var patch: Int
        public var fill: Float
        public var order: Order

        /// The score after t removals averaged over the images.
        public var averageCurve: [Float] {
            guard let steps = scores.first?.count else { return [] }
            return (0..<steps).map { t in Float(scores.reduce(0.0) { $0 + Double($1[t]) } / Double(scores.count)) }
        }

        /// Half the width of a 95 % confidence band of the average at each step (1.96 standard
        /// errors of the mean; 0 for one image).
        public var confidenceHalfWidth: [Float] {
            guard let steps = scores.first?.count, scores.count > 1 else { return averageCurve.map { _ in 0 } }
            let n = Double(scores.count)
            return (0..<steps).map { t in
                let mean = scores.reduce(0.0) { $0 + Double($1[t]) } / n
                let variance = scores.reduce(0.0) { $0 + (Double($1[t]) - mean) * (Double($1[t]) - mean) } / (n - 1)
                return Float(1.96 * (variance / n).squareRoot())
            }
        }

        /// The area under the average curve by the trapezoid rule, one unit per removed window.
        public var areaUnderCurve: Float { CurveArea.trapezoid(averageCurve) }

        /// AOPC, the area over the perturbation curve (Samek et al. 2017):
        /// 1/(L+1) · Σₖ₌₀ᴸ ⟨f(x⁽⁰⁾) − f(x⁽ᵏ⁾)⟩ over the images, L = steps − 1. Larger is more selective.
        public var aopc: Float {
            guard !scores.isEmpty, let steps = scores.first?.count, steps > 0 else { return 0 }
            var total = 0.0
            for curve in scores {
                for t in 0..<steps { total += Double(curve[0]) - Double(curve[t]) }
            }
            return Float(total / Double(steps * scores.count))
        }

        /// Image `index` of `inputs` (the images the run started from) after `removed` windows.
        public func image(_ inputs: Tensor, index: Int, removed: Int) throws -> Tensor {
            guard index >= 0, index < windows.count else {
                throw MethodError.invalidTarget(method: RegionPerturbation.title, message: "image index \(index) is outside 0..<\(windows.count)")
            }
            guard removed >= 0, removed <= windows[index].count else {
                throw MethodError.invalidTarget(method: RegionPerturbation.title,
                                                message: "\(removed) removed windows: the run removed 0…\(windows[index].count)")
            }
            var image = inputs.rows(index..<(index + 1))
            let shape = Array(inputs.shape.dropFirst())
            for window in windows[index].prefix(removed) {
                RegionPerturbation.fill(&image.scalars, offset: 0, shape: shape, window: window, patch: patch, value: fill)
            }
            return image
        }
    }

    /// Runs the procedure on every image of `inputs` (all images step by step together, so each
    /// step's maps are one batched call), f taken from `model` for `targets` (nil: the predicted
    /// classes of the original images).
    public func run(model: ExplainedModel, explainer: Explainer, inputs: Tensor, targets: [Int]? = nil,
                    monitor: WorkMonitor = .none) throws -> Result {
        try model.checkInputs(inputs, method: Self.title)
        let shape = Array(inputs.shape.dropFirst())
        guard shape.count == 3 else {
            throw MethodError.inputShape(method: Self.title, expected: "[N, C, H, W] images", got: inputs.shape)
        }
        let (height, width) = (shape[1], shape[2])
        guard patch <= height, patch <= width else {
            throw MethodError.invalidOption(method: Self.title, message: "a \(patch)×\(patch) window does not fit \(height)×\(width) images")
        }
        let n = inputs.shape[0], per = inputs.valuesPerRow
        let classes = try targets ?? model.predictedClasses(inputs, monitor: monitor)
        guard classes.count == n else {
            throw MethodError.invalidTarget(method: Self.title, message: "\(classes.count) targets for \(n) images")
        }
        var current = inputs
        var scores = [[Float]](repeating: [], count: n)
        var windows = [[Window]](repeating: [], count: n)
        var removed = [[Bool]](repeating: [Bool](repeating: false, count: height * width), count: n)
        var ranking: Tensor? = nil
        for step in 0..<steps {
            try monitor.cancellation.check()
            monitor.progress(ProgressEvent(task: "\(Self.title) (\(explainer.name))", completed: step, total: steps))
            let f = try model.scores(current, classes: classes, monitor: monitor)
            for i in 0..<n { scores[i].append(f[i]) }
            if step == steps - 1 { break }
            if ranking == nil || recompute {
                ranking = try explainer.maps(current, targets: classes, monitor: monitor, metric: Self.title)
            }
            guard let maps = ranking else { break }
            for i in 0..<n {
                let map = rowSlice(maps, i)
                guard let window = Self.bestWindow(map, shape: shape, patch: patch, excluding: removed[i], order: order) else {
                    throw MethodError.invalidOption(
                        method: Self.title,
                        message: "no \(patch)×\(patch) window is left that does not overlap the \(windows[i].count) removed ones; use fewer steps or a smaller patch")
                }
                windows[i].append(window)
                for r in window.row..<(window.row + patch) {
                    for c in window.column..<(window.column + patch) { removed[i][r * width + c] = true }
                }
                Self.fill(&current.scalars, offset: i * per, shape: shape, window: window, patch: patch, value: fill)
            }
        }
        monitor.progress(ProgressEvent(task: "\(Self.title) (\(explainer.name))", completed: steps, total: steps, finished: true))
        return Result(method: explainer.name, scores: scores, windows: windows, targets: classes, patch: patch, fill: fill, order: order)
    }

    /// The window (top-left corner) whose sum of `map` over all channels is largest (most relevant
    /// first) or smallest, among the stride-1 windows that touch no `excluded` cell; the first in
    /// row-major order on ties (each sum is taken in the same order, so equal windows give equal
    /// sums). nil when every window overlaps an excluded cell.
    public static func bestWindow(_ map: ArraySlice<Float>, shape: [Int], patch: Int, excluding excluded: [Bool],
                                  order: Order) -> Window? {
        let (channels, height, width) = (shape[0], shape[1], shape[2])
        let base = map.startIndex
        var best: Window? = nil
        var bestSum = 0.0
        for r in 0...(height - patch) {
            columns: for c in 0...(width - patch) {
                for y in r..<(r + patch) {
                    for x in c..<(c + patch) where excluded[y * width + x] { continue columns }
                }
                var sum = 0.0
                for k in 0..<channels {
                    for y in r..<(r + patch) {
                        for x in c..<(c + patch) { sum += Double(map[base + (k * height + y) * width + x]) }
                    }
                }
                let better: Bool
                switch order {
                case .mostRelevantFirst: better = best == nil || sum > bestSum
                case .leastRelevantFirst: better = best == nil || sum < bestSum
                }
                if better {
                    best = Window(row: r, column: c)
                    bestSum = sum
                }
            }
        }
        return best
    }

    /// Writes `value` into `window` of the image starting at `offset` (every channel).
    static func fill(_ scalars: inout [Float], offset: Int, shape: [Int], window: Window, patch: Int, value: Float) {
        let (channels, height, width) = (shape[0], shape[1], shape[2])
        for k in 0..<channels {
            for y in window.row..<(window.row + patch) {
                for x in window.column..<(window.column + patch) { scalars[offset + (k * height + y) * width + x] = value }
            }
        }
    }
}

/// Areas under sampled curves.
public enum CurveArea {
    /// The trapezoid rule with unit spacing: Σₜ (yₜ + yₜ₊₁)/2 (0 for fewer than two points).
    public static func trapezoid(_ values: [Float]) -> Float {
        guard values.count > 1 else { return 0 }
        var total = 0.0
        for t in 0..<(values.count - 1) { total += (Double(values[t]) + Double(values[t + 1])) / 2 }
        return Float(total)
    }
}
