import GlassboxEngine

/// One named setting of a method, for display ("steps" = "50").
public struct MethodSetting: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The result of an explanation method on a batch: one attribution map per image (same shape as
/// the inputs), with what was explained and how.
public struct Explanation: Sendable, Equatable {
    /// The attributions, shaped like `inputs` ([N, C, H, W] or [N, features]).
    public var attributions: Tensor
    /// The explained inputs.
    public var inputs: Tensor
    /// The class (or channel, when `targetLayer` is set) explained for each image.
    public var targets: [Int]
    /// The layer the targets are channels of; nil when they are classes of the logits.
    public var targetLayer: String?
    /// The scalar explained per image (ignored for channel targets, which explain a channel sum).
    public var output: ExplainedOutput
    /// The explained value f(x) for each image (S_c, p_c, ReLU(S_c), Σ S, or the channel sum).
    public var outputs: [Float]
    /// f(baseline) per image, for methods with a baseline (integrated gradients).
    public var baselineOutputs: [Float]?
    /// The method's display name, e.g. "Integrated gradients".
    public var method: String
    /// The method's settings in display order.
    public var settings: [MethodSetting]
    /// What the method promises the sums of its maps equal (nil when it promises nothing).
    public var receipt: ReceiptKind?
    /// One title per map when the maps are not simply one per image (SmoothGrad's running
    /// averages: "N 10", "N 20", …); nil for the usual per-image titles.
    public var panelTitles: [String]?
    /// For each map, the index of the explained image it belongs to, when several maps explain the
    /// same image (running averages); nil when map i explains image i.
    public var sourceImages: [Int]?
    /// The class activation maps at the feature layer's resolution, [N, 1, h, w], before they
    /// were upsampled to the input's size (the CAM family); nil for other methods.
    public var coarseMaps: Tensor?
    /// The layer whose feature maps the CAM family weighted; nil for other methods.
    public var featureLayer: String?
    /// The perturbed images whose f is `baselineOutputs` (meaningful perturbation's Φ(x, M), the
    /// images with the learned region deleted), shaped as `inputs`; nil for other methods.
    public var perturbedInputs: Tensor?

    public init(attributions: Tensor, inputs: Tensor, targets: [Int], targetLayer: String? = nil,
                output: ExplainedOutput, outputs: [Float], baselineOutputs: [Float]? = nil,
                method: String, settings: [MethodSetting] = [], receipt: ReceiptKind? = nil) {
        self.attributions = attributions
        self.inputs = inputs
        self.targets = targets
        self.targetLayer = targetLayer
        self.output = output
        self.outputs = outputs
        self.baselineOutputs = baselineOutputs
        self.method = method
        self.settings = settings
        self.receipt = receipt
    }

    /// What each image's sum should equal under the receipt: f(x), or f(x) − f(reference).
    public var expectedSums: [Float] {
        guard let baselineOutputs else { return outputs }
        return zip(outputs, baselineOutputs).map { $0 - $1 }
    }

    /// What the receipt measures per image: the sum of each map, or for CAM the mean of each coarse
    /// map (at the feature layer's resolution).
    public var receiptValues: [Float] {
        receipt == .classActivationMean ? coarseMeans ?? sumPerImage : sumPerImage
    }

    /// The mean of each image's coarse map (CAM family), in Double then rounded; nil without coarse maps.
    public var coarseMeans: [Float]? {
        guard let coarseMaps, count > 0, coarseMaps.count % count == 0, coarseMaps.count > 0 else { return nil }
        let per = coarseMaps.count / count
        return coarseMaps.scalars.withUnsafeBufferPointer { a in
            (0..<count).map { i in
                var total = 0.0
                for j in (i * per)..<((i + 1) * per) { total += Double(a[j]) }
                return Float(total / Double(per))
            }
        }
    }

    /// The largest |measured − expected| over the images (Σ map, or mean(CAM) for CAM), relative to
    /// the largest |expected| (the receipt in one number); nil without a receipt.
    public var receiptError: Float? {
        guard receipt != nil, count > 0 else { return nil }
        let expected = expectedSums
        let scale = Swift.max(expected.map(abs).max() ?? 0, 1e-12)
        return zip(receiptValues, expected).map { abs($0 - $1) }.max().map { $0 / scale }
    }

    /// The number of images.
    public var count: Int { attributions.shape.first ?? 0 }

    /// Values per image.
    public var valuesPerImage: Int { count == 0 ? 0 : attributions.count / count }

    /// The sum of each image's attributions (in Double, then rounded), e.g. to check completeness.
    public var sumPerImage: [Float] {
        let per = valuesPerImage
        return attributions.scalars.withUnsafeBufferPointer { a in
            (0..<count).map { i in
                var total = 0.0
                for j in (i * per)..<((i + 1) * per) { total += Double(a[j]) }
                return Float(total)
            }
        }
    }

    /// The sum of all attributions.
    public var sum: Float { Float(sumPerImage.reduce(0.0) { $0 + Double($1) }) }

    /// The setting named `name`, if any.
    public func setting(_ name: String) -> String? { settings.first { $0.name == name }?.value }

    /// A one-line description for figure titles, e.g. "Integrated gradients of p_c (steps 50)".
    public var title: String {
        let what = targetLayer.map { "channel sum of \($0)" } ?? output.symbol
        let options = settings.map { "\($0.name) \($0.value)" }.joined(separator: ", ")
        return options.isEmpty ? "\(method) of \(what)" : "\(method) of \(what) (\(options))"
    }

    /// The explanation of image `index` alone (a batch of one).
    public func image(_ index: Int) throws -> Explanation {
        guard index >= 0, index < count else {
            throw MethodError.invalidTarget(method: method, message: "image index \(index) is outside 0..<\(count)")
        }
        var copy = self
        copy.attributions = attributions.rows(index..<(index + 1))
        copy.inputs = inputs.rows(index..<(index + 1))
        copy.targets = [targets[index]]
        copy.outputs = [outputs[index]]
        copy.baselineOutputs = baselineOutputs.map { [$0[index]] }
        copy.panelTitles = panelTitles.map { [$0[index]] }
        copy.sourceImages = sourceImages.map { _ in [0] }
        copy.coarseMaps = coarseMaps?.rows(index..<(index + 1))
        return copy
    }

    /// The explanation of image `index` alone.
    public subscript(index: Int) -> Explanation {
        get throws { try image(index) }
    }

    /// These attributions transformed value by value (e.g. absolute value), method name updated.
    public func mapping(_ name: String, _ transform: (Float) -> Float) -> Explanation {
        var copy = self
        copy.attributions = attributions.map(transform)
        copy.receipt = nil
        copy.coarseMaps = nil
        copy.method = "\(name)(\(method))"
        return copy
    }

    private func combined(_ other: Explanation, _ symbol: String, _ operation: (Float, Float) -> Float) throws -> Explanation {
        guard attributions.shape == other.attributions.shape else {
            throw MethodError.mismatch(operation: symbol,
                                       message: "attributions of shape \(attributions.shape) and \(other.attributions.shape) do not match")
        }
        var copy = self
        copy.attributions = try attributions.zipMap(other.attributions, operation: symbol, operation)
        copy.method = "\(method) \(symbol) \(other.method)"
        copy.settings = []
        copy.baselineOutputs = nil
        copy.receipt = nil
        copy.coarseMaps = nil
        return copy
    }

    /// Element-wise sum of two explanations of the same shape.
    public func adding(_ other: Explanation) throws -> Explanation { try combined(other, "+", +) }
    /// Element-wise difference of two explanations of the same shape.
    public func subtracting(_ other: Explanation) throws -> Explanation { try combined(other, "-", -) }
    /// Element-wise product of two explanations of the same shape.
    public func multiplying(_ other: Explanation) throws -> Explanation { try combined(other, "*", *) }

    /// Every attribution multiplied by `factor`.
    public func scaled(by factor: Float) -> Explanation {
        var copy = self
        copy.attributions = attributions.scaled(by: factor)
        copy.coarseMaps = coarseMaps?.scaled(by: factor)
        copy.receipt = factor == 1 ? receipt : nil
        return copy
    }

    /// The largest |a − b| over all attributions; throws when the shapes differ.
    public func maxAbsoluteDifference(to other: Explanation) throws -> Float {
        guard attributions.shape == other.attributions.shape else {
            throw MethodError.mismatch(operation: "compare",
                                       message: "attributions of shape \(attributions.shape) and \(other.attributions.shape) do not match")
        }
        return zip(attributions.scalars, other.attributions.scalars).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
    }

    /// Whether every attribution is within `absolute + relative·|b|` of the other's.
    public func isClose(to other: Explanation, absolute: Float = 1e-6, relative: Float = 1e-5) -> Bool {
        guard attributions.shape == other.attributions.shape else { return false }
        return zip(attributions.scalars, other.attributions.scalars).allSatisfy { abs($0 - $1) <= absolute + relative * abs($1) }
    }

    /// The Pearson correlation of the flattened attributions of image `index` with those of image
    /// `otherIndex` of `other` (1 = same pattern up to scale and offset); 0 when either is constant.
    public func correlation(with other: Explanation, image index: Int = 0, otherImage otherIndex: Int = 0) throws -> Float {
        guard valuesPerImage == other.valuesPerImage else {
            throw MethodError.mismatch(operation: "correlation",
                                       message: "images of \(valuesPerImage) and \(other.valuesPerImage) values do not match")
        }
        guard index >= 0, index < count, otherIndex >= 0, otherIndex < other.count else {
            throw MethodError.invalidTarget(method: "correlation", message: "image index outside the batch")
        }
        let n = valuesPerImage
        let a = attributions.scalars[(index * n)..<((index + 1) * n)]
        let b = other.attributions.scalars[(otherIndex * n)..<((otherIndex + 1) * n)]
        return pearsonCorrelation(a, b)
    }
}

/// Pearson correlation of two equally long sequences (0 when either has zero variance).
func pearsonCorrelation(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
    let n = Double(a.count)
    guard n > 0 else { return 0 }
    let meanA = a.reduce(0.0) { $0 + Double($1) } / n
    let meanB = b.reduce(0.0) { $0 + Double($1) } / n
    var cov = 0.0, varA = 0.0, varB = 0.0
    for (x, y) in zip(a, b) {
        let dx = Double(x) - meanA, dy = Double(y) - meanB
        cov += dx * dy
        varA += dx * dx
        varB += dy * dy
    }
    guard varA > 0, varB > 0 else { return 0 }
    return Float(cov / (varA * varB).squareRoot())
}
