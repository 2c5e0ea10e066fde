import Foundation
import GlassboxEngine
import GlassboxModels

/// Meaningful perturbation (Fong & Vedaldi 2017): learn, for each image, the smallest smooth
/// region whose deletion makes the explained output drop. A coarse mask m ∈ [0, 1]^{s×s} (1 keeps,
/// 0 deletes) is upsampled bilinearly to the image, M = up(m), and the image is perturbed to
/// Φ(x, M) = M ⊙ x + (1 − M) ⊙ b, with b the image blurred (σ = `sigma`) or a constant. Adam
/// (projected onto [0, 1] after every step) lowers
///
///     c(m) = f_c(Φ(x, up(m))) / |f_c(x)| + λ_area · mean(1 − m) + λ_tv · mean_{u~v} |m_u − m_v|^β
///
/// (neighbours u~v across and down the coarse grid; the score term is relative, so the weights do
/// not depend on the scale of the output). The map is the deletion 1 − M: high where
/// deleting the pixels lowers f_c. Each image's mask is learned on its own (one batched
/// forward/backward pass per step for all images; Adam is elementwise), so an image gets the same
/// mask alone or in any batch.
public struct MeaningfulPerturbation: OptimizingMethod {
    public static let declaration = MethodDeclaration(
        id: "meaningfulPerturbation", title: "Meaningful perturbation",
        citation: "Fong & Vedaldi (2017), Interpretable explanations of black boxes by meaningful perturbation, ICCV",
        summary: "Meaningful perturbation: learn the smallest smooth mask whose deletion (blur or a constant) drops the class score; the map is the deletion 1 − M.",
        details: "The cost is f(Φ(x, M))/|f(x)| + area·mean(1 − m) + smoothness·mean|m_u − m_v|^tvPower over a maskSize × maskSize "
            + "mask upsampled bilinearly (align corners) to the image; Adam with learning rate learningRate, the mask clipped to [0, 1] "
            + "after every step, starting from 1 (nothing deleted). The score is relative to f(x), so area = 2 means: deleting a tenth "
            + "of the image is worth it if it removes at least a fifth of the score. The paper explains the softmax probability; an MNIST "
            + "classifier is so sure (p_c = 1.0000) that p_c has no gradient at the image and the mask never moves, so the default is "
            + "ReLU(S_c): the logit, and nothing more to gain once it is down to 0. fill \"blur\" replaces deleted pixels "
            + "by the image blurred with a Gaussian of σ = sigma (edges repeated), \"constant\" by fillValue (0: black, the background of "
            + "MNIST). The paper's random jitter of the image is not applied. The explanation's baselineOutputs hold f(Φ(x, M)), the "
            + "output once the learned region is deleted. liveEvery shows the deletion masks as they are learned.",
        options: [
            MethodOption("steps", .integer(min: 1), default: .int(300), doc: "Adam steps (the paper uses 300–500)"),
            MethodOption("learningRate", .number(min: 1e-9), default: .double(0.1), doc: "Adam's learning rate on the mask (the paper's 0.1)"),
            MethodOption("maskSize", .integer(min: 1), default: .int(14), doc: "the side of the coarse mask, upsampled to the image (14: 2× for MNIST)"),
            MethodOption("fill", .choice(["blur", "constant"]), default: .string("blur"),
                         doc: "what replaces deleted pixels: the blurred image, or fillValue"),
            MethodOption("sigma", .number(min: 0.01), default: .double(3), doc: "with fill \"blur\": σ of the Gaussian blur, in pixels"),
            MethodOption("fillValue", .number(), default: .double(0), doc: "with fill \"constant\": the value of deleted pixels"),
            MethodOption("area", .number(min: 0), default: .double(1), doc: "λ_area, the weight of the deleted fraction mean(1 − m)"),
            MethodOption("smoothness", .number(min: 0), default: .double(0.2), doc: "λ_tv, the weight of the total variation of the mask"),
            MethodOption("tvPower", .number(min: 1), default: .double(3), doc: "β, the power of the total-variation term (the paper's 3)"),
        ],
        display: MapDisplay(.hot, overInput: true), acceptsLayerTargets: false, outputs: [.probability, .logit, .reluLogit],
        defaultOutput: .reluLogit,
        example: "meaningfulPerturbation(net, xs, target: \"label\")\nmeaningfulPerturbation(net, xs, fill: \"constant\", area: 0.5, liveEvery: 20)",
        page: "meaningful-perturbation.md", figure: "meaningfulPerturbation(net, xs, target: \"label\", liveEvery: 0)")

    /// What replaces a deleted pixel.
    public enum Fill: Sendable, Equatable {
        /// The image blurred with a Gaussian of this σ (pixels), edges repeated.
        case blur(sigma: Float)
        /// A constant, in every channel.
        case constant(Float)
    }

    public var model: ExplainedModel
    public var steps: Int
    public var learningRate: Float
    public var maskSize: Int
    public var fill: Fill
    public var area: Float
    public var smoothness: Float
    public var tvPower: Float

    public init(_ model: ExplainedModel, steps: Int = 300, learningRate: Float = 0.1, maskSize: Int = 14,
                fill: Fill = .blur(sigma: 3), area: Float = 1, smoothness: Float = 0.2, tvPower: Float = 3) throws {
        let name = Self.declaration.title
        let (_, height, width) = try model.imageGeometry(method: name)
        guard steps >= 1 else { throw MethodError.option(method: name, option: "steps", message: "must be at least 1, got \(steps)", given: nil, candidates: []) }
        guard learningRate.isFinite, learningRate > 0 else {
            throw MethodError.option(method: name, option: "learningRate", message: "must be positive, got \(learningRate)", given: nil, candidates: [])
        }
        guard maskSize >= 1, maskSize <= Swift.min(height, width) else {
            throw MethodError.option(method: name, option: "maskSize", message: "must be between 1 and the image's \(Swift.min(height, width)), got \(maskSize)",
                                     given: nil, candidates: [])
        }
        switch fill {
        case .blur(let sigma):
            guard sigma.isFinite, sigma > 0 else {
                throw MethodError.option(method: name, option: "sigma", message: "must be positive, got \(sigma)", given: nil, candidates: [])
            }
        case .constant(let value):
            guard value.isFinite else {
                throw MethodError.option(method: name, option: "fillValue", message: "must be finite, got \(value)", given: nil, candidates: [])
            }
        }
        guard area.isFinite, area >= 0, smoothness.isFinite, smoothness >= 0, tvPower.isFinite, tvPower >= 1 else {
            throw MethodError.invalidOption(method: name, message: "area and smoothness must be ≥ 0 and tvPower ≥ 1, got \(area), \(smoothness), \(tvPower)")
        }
        self.model = model
        self.steps = steps
        self.learningRate = learningRate
        self.maskSize = maskSize
        self.fill = fill
        self.area = area
        self.smoothness = smoothness
        self.tvPower = tvPower
    }

    public init(_ model: ExplainedModel, options: MethodOptions) throws {
        let fill: Fill = options.string("fill") == "constant" ? .constant(options.float("fillValue")) : .blur(sigma: options.float("sigma"))
        try self.init(model, steps: options.int("steps"), learningRate: options.float("learningRate"), maskSize: options.int("maskSize"),
                      fill: fill, area: options.float("area"), smoothness: options.float("smoothness"), tvPower: options.float("tvPower"))
    }

    private var settings: [MethodSetting] {
        let filled: String
        switch fill {
        case .blur(let sigma): filled = "blur σ=\(sigma)"
        case .constant(let value): filled = "constant \(value)"
        }
        return [MethodSetting("steps", "\(steps)"), MethodSetting("mask", "\(maskSize)×\(maskSize)"), MethodSetting("fill", filled),
                MethodSetting("λ_area", "\(area)"), MethodSetting("λ_tv", "\(smoothness)")]
    }

    /// What replaces each pixel when it is deleted, b (same shape as `inputs`).
    func deletedImages(_ inputs: Tensor) throws -> Tensor {
        switch fill {
        case .constant(let value): return Tensor(repeating: value, shape: inputs.shape)
        case .blur(let sigma):
            let (_, height, width) = try model.imageGeometry(method: Self.declaration.title)
            return Self.gaussianBlur(inputs, sigma: sigma, height: height, width: width)
        }
    }

    /// Each plane of `images` convolved with a normalised Gaussian of σ = `sigma` (radius ⌈3σ⌉),
    /// rows then columns, the edge pixels repeated outside the image.
    static func gaussianBlur(_ images: Tensor, sigma: Float, height: Int, width: Int) -> Tensor {
        let radius = Swift.max(1, Int((3 * sigma).rounded(.up)))
        var kernel = (-radius...radius).map { Float(exp(-Double($0 * $0) / (2 * Double(sigma) * Double(sigma)))) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        let plane = height * width, planes = images.count / plane
        var across = [Float](repeating: 0, count: images.count)
        var out = [Float](repeating: 0, count: images.count)
        images.scalars.withUnsafeBufferPointer { x in
            for p in 0..<planes {
                let base = p * plane
                for y in 0..<height {
                    for xx in 0..<width {
                        var s: Float = 0
                        for k in -radius...radius {
                            s += kernel[k + radius] * x[base + y * width + Swift.min(Swift.max(xx + k, 0), width - 1)]
                        }
                        across[base + y * width + xx] = s
                    }
                }
                for y in 0..<height {
                    for xx in 0..<width {
                        var s: Float = 0
                        for k in -radius...radius {
                            s += kernel[k + radius] * across[base + Swift.min(Swift.max(y + k, 0), height - 1) * width + xx]
                        }
                        out[base + y * width + xx] = s
                    }
                }
            }
        }
        return Tensor(shape: images.shape, scalars: out)
    }

    /// The full-resolution masks M = up(m), [N, 1, H, W], from coarse masks [N, 1, s, s].
    func upsampled(_ masks: Tensor, height: Int, width: Int) throws -> Tensor {
        maskSize == height && maskSize == width ? masks : try ImageResampling.resizeBilinear(masks, height: height, width: width)
    }

    /// Φ(x, M) = M ⊙ x + (1 − M) ⊙ b, the mask shared by the channels.
    static func perturbed(_ inputs: Tensor, deleted: Tensor, masks: Tensor, channels: Int) -> Tensor {
        let n = inputs.shape[0], per = inputs.valuesPerRow, plane = per / channels
        var out = [Float](repeating: 0, count: inputs.count)
        inputs.scalars.withUnsafeBufferPointer { x in
            deleted.scalars.withUnsafeBufferPointer { b in
                masks.scalars.withUnsafeBufferPointer { m in
                    for i in 0..<n {
                        for c in 0..<channels {
                            for j in 0..<plane {
                                let v = i * per + c * plane + j, keep = m[i * plane + j]
                                out[v] = keep * x[v] + (1 - keep) * b[v]
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: inputs.shape, scalars: out)
    }

    /// The regularisers of each coarse mask: area·mean(1 − m) + smoothness·mean|m_u − m_v|^β, and
    /// their gradient added into `gradient`.
    func regularisers(_ masks: UnsafeBufferPointer<Float>, image: Int, gradient: UnsafeMutableBufferPointer<Float>) -> Double {
        let s = maskSize, cells = s * s, base = image * cells
        var cost = 0.0
        var deleted = 0.0
        for j in 0..<cells {
            deleted += Double(1 - masks[base + j])
            gradient[base + j] -= area / Float(cells)
        }
        cost += Double(area) * deleted / Double(cells)
        let pairs = 2 * s * (s - 1)
        guard pairs > 0, smoothness > 0 else { return cost }
        let weight = smoothness / Float(pairs), beta = tvPower
        var variation = 0.0
        func pair(_ u: Int, _ v: Int) {
            let d = masks[base + u] - masks[base + v]
            let a = Swift.abs(d)
            variation += Double(Foundation.pow(a, beta))
            guard a > 0 else { return }
            let g = weight * beta * Foundation.pow(a, beta - 1) * (d > 0 ? 1 : -1)
            gradient[base + u] += g
            gradient[base + v] -= g
        }
        for y in 0..<s {
            for x in 0..<s {
                if x + 1 < s { pair(y * s + x, y * s + x + 1) }
                if y + 1 < s { pair(y * s + x, (y + 1) * s + x) }
            }
        }
        return cost + Double(smoothness) * variation / Double(pairs)
    }

    /// The mean cost over the images and its gradient with respect to every coarse mask.
    /// `scales[i]` divides image i's score term: |f(x_i)| (1 when it is 0), so the score term starts
    /// at ±1 whatever the scale of the output.
    func costAndGradient(_ masks: Tensor, inputs: Tensor, deleted: Tensor, targets: ResolvedTargets,
                         scales: [Float]) throws -> (cost: Float, gradient: Tensor, outputs: [Float]) {
        let name = Self.declaration.title
        let (channels, height, width) = try model.imageGeometry(method: name)
        let n = inputs.shape[0], per = inputs.valuesPerRow, plane = height * width
        let full = try upsampled(masks, height: height, width: width)
        let images = Self.perturbed(inputs, deleted: deleted, masks: full, channels: channels)
        // The passes of one step run to the end: an interrupt is taken between steps, where the
        // optimisation keeps what it has.
        let pass = try model.backwardPasses(images, references: nil, targets: targets, plan: BackwardPlan(rules: .gradient), task: name,
                                            monitor: .none)
        // ∂f/∂M = Σ_channels ∂f/∂Φ ⊙ (x − b)
        var fullGradient = [Float](repeating: 0, count: n * plane)
        pass.signal.scalars.withUnsafeBufferPointer { g in
            inputs.scalars.withUnsafeBufferPointer { x in
                deleted.scalars.withUnsafeBufferPointer { b in
                    for i in 0..<n {
                        for c in 0..<channels {
                            for j in 0..<plane {
                                let v = i * per + c * plane + j
                                fullGradient[i * plane + j] += g[v] * (x[v] - b[v]) / scales[i]
                            }
                        }
                    }
                }
            }
        }
        let fullTensor = Tensor(shape: [n, 1, height, width], scalars: fullGradient)
        var gradient = masks.shape == fullTensor.shape ? fullTensor
            : try ImageResampling.resizeBilinearAdjoint(fullTensor, inputShape: masks.shape)
        var total = zip(pass.outputs, scales).reduce(0.0) { $0 + Double($1.0) / Double($1.1) }
        masks.scalars.withUnsafeBufferPointer { m in
            gradient.scalars.withUnsafeMutableBufferPointer { g in
                for i in 0..<n { total += regularisers(m, image: i, gradient: g) }
            }
        }
        return (Float(total / Double(n)), gradient, pass.outputs)
    }

    public func attribute(_ inputs: Tensor, targets: Target, monitor: WorkMonitor, snapshotEvery: Int,
                          snapshot: ((InputOptimization.Snapshot) -> Void)?) throws -> Explanation {
        let name = Self.declaration.title
        try checkOutput()
        try model.checkInputs(inputs, method: name)
        let (channels, height, width) = try model.imageGeometry(method: name)
        let resolved = try model.resolve(targets, inputs: inputs, method: name, monitor: monitor)
        let n = inputs.shape[0]
        // Each step holds about five image-sized arrays (deleted and perturbed images, the full masks, the
        // input gradient and its product with the fill) besides the model's own working memory.
        try MemoryBudget.shared.check(5 * inputs.count * MemoryLayout<Float>.stride,
                                      for: "meaningful perturbation's working images (\(n) × \(channels)×\(height)×\(width))")
        let deleted = try deletedImages(inputs)
        let original = try model.outputs(inputs, targets: resolved, monitor: monitor)
        let scales = original.map { $0 == 0 ? 1 : Swift.abs($0) }
        let loop = InputOptimization(steps: steps, learningRate: learningRate, reportEvery: Swift.max(1, steps / 20),
                                     task: "meaningful perturbation", method: name)
        let deletion = { (masks: Tensor) throws -> Tensor in
            let full = try self.upsampled(masks, height: height, width: width)
            return Tensor(shape: full.shape, scalars: full.scalars.map { 1 - $0 })
        }
        let outcome = try loop.run(initial: Tensor(repeating: 1, shape: [n, 1, maskSize, maskSize]), monitor: monitor,
                                   snapshotEvery: snapshotEvery, render: deletion, snapshot: snapshot,
                                   project: { masks in Tensor(shape: masks.shape, scalars: masks.scalars.map { Swift.min(Swift.max($0, 0), 1) }) }) { masks, _ in
            let step = try costAndGradient(masks, inputs: inputs, deleted: deleted, targets: resolved, scales: scales)
            return (step.cost, step.gradient)
        }
        // Every image keeps its own last mask (the best total cost would tie the images together).
        let masks = outcome.last
        let full = try upsampled(masks, height: height, width: width)
        let perturbedImages = Self.perturbed(inputs, deleted: deleted, masks: full, channels: channels)
        let perturbedOutputs = try model.outputs(perturbedImages, targets: resolved, monitor: .none)
        let plane = height * width, per = inputs.valuesPerRow
        var values = [Float](repeating: 0, count: inputs.count)
        for i in 0..<n {
            for c in 0..<channels {
                for j in 0..<plane { values[i * per + c * plane + j] = 1 - full.scalars[i * plane + j] }
            }
        }
        var settings = self.settings
        if let stopped = outcome.stoppedAt { settings.append(MethodSetting("stopped at step", "\(stopped)")) }
        var explanation = Explanation(attributions: Tensor(shape: inputs.shape, scalars: values), inputs: inputs, targets: resolved.indices,
                                      output: model.output, outputs: original, baselineOutputs: perturbedOutputs, method: name, settings: settings)
        explanation.perturbedInputs = perturbedImages
        return explanation
    }
}
