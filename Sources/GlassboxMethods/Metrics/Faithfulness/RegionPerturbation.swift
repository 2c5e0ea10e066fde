import GlassboxEngine

/// Region perturbation — pixel flipping by square windows, the selectivity test of chapter 5.2:
/// record f(x⁽ᵗ⁾), explain x⁽ᵗ⁾ (again at every step, as the reference does, unless `recompute` is
/// off), fill the most relevant window not touching an earlier one (`RelevantWindow`, the
/// reference's `find_roi`) with `fill`, and repeat: `steps` scores for 0 … steps − 1 removed
/// windows. The score of an image is its AOPC, the mean drop 1/(L+1) Σₖ (f(x⁽⁰⁾) − f(x⁽ᵏ⁾)); a
/// selective map makes f fall fast (high AOPC). Least relevant first reverses the test (f should
/// stay high: low AOPC is better).
///
/// From Samek, Binder, Montavon, Lapuschkin & Müller (2017), Evaluating the visualization of what a
/// deep neural network has learned, IEEE TNNLS 28(11); Montavon, Samek & Müller (2018), Section 7.2.
public struct RegionPerturbation: ExplanationMetric {
    public static let declaration = MetricDeclaration(
        id: "regionPerturbation", title: "Region perturbation", category: .faithfulness,
        citation: "Samek, Binder, Montavon, Lapuschkin & Müller (2017), Evaluating the visualization of what a deep neural network has learned, IEEE TNNLS 28(11); Montavon, Samek & Müller (2018), Methods for interpreting and understanding deep neural networks, Section 7.2",
        summary: "Pixel flipping by regions (chapter 5.2): fill the most relevant window step by step, explaining each modified image again, and score how fast f falls (AOPC).",
        formula: "\\mathrm{AOPC} = \\frac{1}{L+1}\\sum_{k=0}^{L} \\big(f(x^{(0)}) - f(x^{(k)})\\big),\\quad x^{(k+1)} = x^{(k)} \\text{ with the window } \\arg\\max_{W} \\textstyle\\sum_{i\\in W} R_i(x^{(k)}) \\text{ set to the fill value}",
        details: "Each step records f of the current image for the followed class, explains the current image, and fills the "
            + "patch×patch window with the largest sum of the map (stride 1, never touching a window removed before, the first "
            + "window in row-major order on ties — the reference's find_roi) in every channel. steps scores describe 0 … steps − 1 "
            + "removed windows (L = steps − 1). patch: 1 is classic pixel flipping. The result's curve is f after k removals; "
            + ".auc is the trapezoid of the average curve (one unit per window), .aopc the mean of the per-image scores.",
        direction: .higherIsBetter,
        options: [
            MethodOption("steps", .integer(min: 1), default: .int(20), doc: "recorded scores: 0 … steps − 1 windows removed"),
            MethodOption("patch", .integer(min: 1), default: .int(4), doc: "the side of the square window removed at each step"),
            MethodOption("fill", .number(), default: .double(0), doc: "the value written into removed windows (0 is black on MNIST)"),
            MethodOption("order", .choice(RemovalOrder.names), default: .string("mostRelevantFirst"),
                         doc: "\"mostRelevantFirst\" (the selectivity test) or \"leastRelevantFirst\""),
            MethodOption("recompute", .bool, default: .bool(true),
                         doc: "explain each modified image again (the reference); false ranks the windows of the first map only"),
        ],
        chapters: ["5.2"],
        example: "let run = regionPerturbation(net, xs, method: \"deepTaylor\", target: \"label\", output: \"reluLogit\")\nrun.aopc\nplot(run)")

    public var steps: Int
    public var patch: Int
    public var fill: Float
    public var order: RemovalOrder
    public var recompute: Bool

    public init(steps: Int = 20, patch: Int = 4, fill: Float = 0, order: RemovalOrder = .mostRelevantFirst, recompute: Bool = true) throws {
        let title = Self.declaration.title
        guard steps >= 1 else { throw MethodError.invalidOption(method: title, message: "steps must be at least 1, got \(steps)") }
        guard patch >= 1 else { throw MethodError.invalidOption(method: title, message: "patch must be at least 1, got \(patch)") }
        guard fill.isFinite else { throw MethodError.invalidOption(method: title, message: "fill must be a finite number, got \(fill)") }
        self.steps = steps
        self.patch = patch
        self.fill = fill
        self.order = order
        self.recompute = recompute
    }

    public init(options: MethodOptions) throws {
        try self.init(steps: options.int("steps"), patch: options.int("patch"), fill: options.float("fill"),
                      order: RemovalOrder(rawValue: options.string("order")) ?? .mostRelevantFirst, recompute: options.bool("recompute"))
    }

    public var direction: MetricDirection { order == .mostRelevantFirst ? .higherIsBetter : .lowerIsBetter }

    /// The windows a run removed, to replay the modified images.
    public struct Record: Sendable, Equatable {
        /// windows[i]: the corners removed from image i, in order (steps − 1 of them).
        public var windows: [[RelevantWindow.Corner]]
        public var patch: Int
        public var fill: Float

        public init(windows: [[RelevantWindow.Corner]], patch: Int, fill: Float) {
            self.windows = windows
            self.patch = patch
            self.fill = fill
        }

        /// Image `index` of `inputs` (the images the run started from) after `removed` windows.
        public func image(_ inputs: Tensor, index: Int, removed: Int) throws -> Tensor {
            guard index >= 0, index < windows.count else {
                throw MethodError.invalidTarget(method: RegionPerturbation.declaration.title,
                                                message: "image index \(index) is outside 0..<\(windows.count)")
            }
            guard removed >= 0, removed <= windows[index].count else {
                throw MethodError.invalidTarget(method: RegionPerturbation.declaration.title,
                                                message: "\(removed) removed windows: the run removed 0…\(windows[index].count)")
            }
            var image = inputs.rows(index..<(index + 1))
            let shape = Array(inputs.shape.dropFirst())
            image.scalars.withUnsafeMutableBufferPointer { buffer in
                for corner in windows[index].prefix(removed) {
                    RelevantWindow.fill(buffer, shape: shape, corner: corner, patch: patch, value: fill)
                }
            }
            return image
        }
    }

    /// The area over the perturbation curve of one image, 1/(L+1) Σₖ₌₀ᴸ (f₀ − fₖ) for the L + 1
    /// recorded scores f₀ … f_L (0 for no scores).
    public static func aopc(_ curve: [Float]) -> Float {
        guard let first = curve.first else { return 0 }
        return Float(curve.reduce(0.0) { $0 + Double(first) - Double($1) } / Double(curve.count))
    }

    /// All images step by step together: each step is one batched explanation of every image.
    public func evaluate(_ subject: MetricSubject, monitor: WorkMonitor) throws -> MetricResult {
        let title = Self.declaration.title
        let shape = Array(subject.inputs.shape.dropFirst())
        guard shape.count == 3 else {
            throw MethodError.inputShape(method: title, expected: "[N, C, H, W] images", got: subject.inputs.shape)
        }
        let (height, width) = (shape[1], shape[2])
        guard patch <= height, patch <= width else {
            throw MethodError.invalidOption(method: title, message: "a \(patch)×\(patch) window does not fit \(height)×\(width) images")
        }
        let n = subject.count, per = subject.valuesPerImage
        let task = task(subject)
        var current = subject.inputs
        var scores = [[Float]](repeating: [], count: n)
        var windows = [[RelevantWindow.Corner]](repeating: [], count: n)
        var removed = [[Bool]](repeating: [Bool](repeating: false, count: height * width), count: n)
        var ranking: Tensor?
        for step in 0..<steps {
            try monitor.cancellation.check()
            monitor.progress(ProgressEvent(task: task, completed: step, total: steps))
            let f: [Float]
            if step == 0 {
                if steps > 1 { ranking = try subject.maps(monitor: monitor, metric: title) }
                f = try subject.outputs(monitor: monitor)
            } else if step < steps - 1 && recompute {
                let output = try subject.explain(current, classes: subject.targets, monitor: monitor, metric: title)
                ranking = output.maps
                f = try output.outputs ?? subject.scores(current, classes: subject.targets, monitor: monitor)
            } else {
                f = try subject.scores(current, classes: subject.targets, monitor: monitor)
            }
            for i in 0..<n { scores[i].append(f[i]) }
            guard step < steps - 1, let maps = ranking else { continue }
            try current.scalars.withUnsafeMutableBufferPointer { buffer in
                for i in 0..<n {
                    guard let corner = RelevantWindow.best(rowSlice(maps, i), shape: shape, patch: patch, excluding: removed[i],
                                                           order: order) else {
                        throw MethodError.invalidOption(
                            method: title,
                            message: "image \(i): no \(patch)×\(patch) window is left that does not touch the \(windows[i].count) removed ones; use fewer steps or a smaller patch")
                    }
                    windows[i].append(corner)
                    for y in corner.row..<(corner.row + patch) {
                        for x in corner.column..<(corner.column + patch) { removed[i][y * width + x] = true }
                    }
                    RelevantWindow.fill(UnsafeMutableBufferPointer(rebasing: buffer[(i * per)..<((i + 1) * per)]), shape: shape,
                                        corner: corner, patch: patch, value: fill)
                }
            }
        }
        monitor.progress(ProgressEvent(task: task, completed: steps, total: steps, finished: true))
        let curve = MetricCurve(x: (0..<steps).map(Double.init), xLabel: "windows removed", yLabel: "f", values: scores)
        return result(subject, scores: scores.map(Self.aopc), curve: curve, detail: Record(windows: windows, patch: patch, fill: fill))
    }
}
