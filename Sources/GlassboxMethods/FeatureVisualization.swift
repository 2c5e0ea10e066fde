import Foundation
import GlassboxEngine
import GlassboxModels

/// Feature visualisation (Erhan et al. 2009; Olah, Mordvintsev & Schubert 2017, "Feature
/// Visualization"): the input that makes a unit, a channel, a class logit or a direction of a
/// layer as large as possible, optimised with the regularisers Lucid made standard.
///
/// Per step, every image x_i = σ(u_i) (pixels) or σ(Cᵀ(s ⊙ U_i)C) (a cosine basis with 1/f scaling,
/// the Fourier-space, decorrelated parametrisation) is moved by a random small translation, rotation
/// and scaling (transformation robustness), the network runs up to the objective's layer, and Adam
/// lowers −objective_i + tv·TV(x_i) + l1·‖x_i‖₁ + blur·½‖x_i − blur(x_i)‖². Several objectives of one
/// layer are optimised side by side as one batch. The transformations and the starting values come
/// from one seeded generator, so a seed gives the same images.
public struct FeatureVisualization {
    /// What is maximised, at one layer's output.
    public enum Objective: Sendable, Equatable {
        /// The mean of channel k over every position (for a dense layer: unit k; at the logits: class k).
        case channel(Int)
        /// Channel k at one position (y, x) of a convolutional layer's output; nil is the centre.
        case neuron(Int, y: Int?, x: Int?)
        /// The mean over positions of ⟨a(position), v⟩: a direction in the layer's channel space.
        case direction([Float])

        /// A short name for titles: "12", "12 @ (3, 3)", "direction".
        public var label: String {
            switch self {
            case .channel(let k): return "\(k)"
            case let .neuron(k, y, x): return "\(k) @ (\(y.map(String.init) ?? "c"), \(x.map(String.init) ?? "c"))"
            case .direction: return "direction"
            }
        }
    }

    /// How the images are made from the optimised values.
    public enum Parametrization: Sendable, Equatable {
        /// x = σ(u), one value per pixel.
        case pixels
        /// x = σ(Cᵀ (s ⊙ U) C) with C the orthonormal cosine (DCT-II) basis and s = 1/max(f, 1/N)^decay
        /// for the frequency f of each basis image: low frequencies move faster, which decorrelates the
        /// pixels (Lucid's `fft_image`, with a real cosine basis).
        case fourier(decay: Float)
    }

    /// Transformation robustness: each step, each image is shifted by up to `jitter` pixels,
    /// rotated by up to ±`degrees` and scaled by a factor in [1 − `scale`, 1 + `scale`].
    public struct Transforms: Sendable, Equatable {
        public var jitter: Int
        public var degrees: Float
        public var scale: Float
        public init(jitter: Int = 2, degrees: Float = 10, scale: Float = 0.1) {
            self.jitter = jitter
            self.degrees = degrees
            self.scale = scale
        }
        public static let none = Transforms(jitter: 0, degrees: 0, scale: 0)
    }

    /// Penalties on the image: total variation Σ|x_right − x| + |x_below − x|, the L1 norm Σ|x|, and
    /// the pull toward its own blurred copy ½‖x − blur(x)‖² (a penalty on the high
    /// frequencies, with its exact gradient, where Lucid's `blur_input_each_step` holds the blur fixed).
    public struct Regularizers: Sendable, Equatable {
        public var totalVariation: Float
        public var l1: Float
        public var blur: Float
        public init(totalVariation: Float = 0, l1: Float = 0, blur: Float = 0) {
            self.totalVariation = totalVariation
            self.l1 = l1
            self.blur = blur
        }
    }

    /// The images and how the optimisation went.
    public struct Result: Sendable {
        /// [N, C, H, W]: image i maximises objective i.
        public var images: Tensor
        /// Each objective's value at its image (no transformation).
        public var values: [Float]
        public var costs: [InputOptimization.CostRecord]
        /// The step an interrupt stopped at (the images are then those of the last completed step).
        public var stoppedAt: Int?
    }

    static let name = "Feature visualisation"

    public static let declaration = MethodDeclaration(
        id: "visualize", title: "Feature visualisation",
        citation: "Erhan, Bengio, Courville & Vincent (2009), Visualizing higher-layer features of a deep network; Olah, Mordvintsev & Schubert (2017), Feature Visualization, Distill; Lucid",
        summary: "The input that most activates a channel, a unit, a class logit or a direction of a layer, optimised with jitter, rotation, scaling and optional Fourier-space parametrisation.",
        chapters: [], display: .gray, acceptsLayerTargets: true,
        example: "visualize(net, layer: \"conv2\", channel: 12)", page: "feature-visualization.md",
        figure: "visualize(model(\"cnn-max-nb\"), layer: \"relu2\", channel: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], steps: 256, liveEvery: 0)")

    public var network: Sequential
    /// The layer whose output the objectives read.
    public var layer: String
    public var objectives: [Objective]
    public var steps: Int
    public var learningRate: Float
    public var parametrization: Parametrization
    public var transforms: Transforms
    public var regularizers: Regularizers
    public var seed: UInt64
    public var reportEvery: Int

    public init(_ network: Sequential, layer: String, objectives: [Objective], steps: Int = 256, learningRate: Float = 0.05,
                parametrization: Parametrization = .fourier(decay: 1), transforms: Transforms = Transforms(),
                regularizers: Regularizers = Regularizers(), seed: UInt64 = 0, reportEvery: Int = 64) {
        self.network = network
        self.layer = layer
        self.objectives = objectives
        self.steps = steps
        self.learningRate = learningRate
        self.parametrization = parametrization
        self.transforms = transforms
        self.regularizers = regularizers
        self.seed = seed
        self.reportEvery = reportEvery
    }

    // MARK: Checks

    /// The model up to the objective's layer, and that layer's output shape (without the batch).
    func truncated() throws -> (Sequential, [Int]) {
        let model = try LayerActivations.truncated(network, at: layer)
        return (model, model.outputShape)
    }

    /// Checks the objectives against the layer's shape and the settings.
    public func validate() throws -> (Sequential, [Int]) {
        let (model, shape) = try truncated()
        guard !objectives.isEmpty else { throw MethodError.invalidTarget(method: Self.name, message: "no channel, unit or direction given") }
        guard network.inputShape.count == 3 else {
            throw MethodError.unsupportedModel(method: Self.name, message: "inputs should be images [C, H, W], the model takes \(network.inputShape)")
        }
        let channels = shape[0]
        let spatial = shape.count == 3
        for objective in objectives {
            switch objective {
            case .channel(let k):
                guard (0..<channels).contains(k) else {
                    throw MethodError.invalidTarget(method: Self.name, message: "channel \(k) is outside 0..<\(channels) of '\(layer)'")
                }
            case let .neuron(k, y, x):
                guard (0..<channels).contains(k) else {
                    throw MethodError.invalidTarget(method: Self.name, message: "channel \(k) is outside 0..<\(channels) of '\(layer)'")
                }
                guard spatial else {
                    throw MethodError.invalidTarget(method: Self.name, message: "'\(layer)' has no positions (its output is \(shape)); ask for a channel")
                }
                if let y, !(0..<shape[1]).contains(y) {
                    throw MethodError.invalidTarget(method: Self.name, message: "row \(y) is outside 0..<\(shape[1]) of '\(layer)'")
                }
                if let x, !(0..<shape[2]).contains(x) {
                    throw MethodError.invalidTarget(method: Self.name, message: "column \(x) is outside 0..<\(shape[2]) of '\(layer)'")
                }
            case .direction(let v):
                guard v.count == channels, v.allSatisfy(\.isFinite) else {
                    throw MethodError.invalidTarget(method: Self.name, message: "a direction of '\(layer)' needs \(channels) finite values, got \(v.count)")
                }
            }
        }
        guard transforms.jitter >= 0, transforms.degrees >= 0, transforms.degrees <= 180, transforms.scale >= 0, transforms.scale < 1 else {
            throw MethodError.invalidOption(method: Self.name, message: "jitter must be ≥ 0, degrees in 0…180 and scale in [0, 1)")
        }
        guard [regularizers.totalVariation, regularizers.l1, regularizers.blur].allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw MethodError.invalidOption(method: Self.name, message: "the regularisers' weights must be ≥ 0")
        }
        if case .fourier(let decay) = parametrization, !(decay.isFinite && decay >= 0) {
            throw MethodError.invalidOption(method: Self.name, message: "the Fourier decay must be ≥ 0, got \(decay)")
        }
        return (model, shape)
    }

    // MARK: Parametrisation

    /// The orthonormal DCT-II matrix of size n: C[k][i] = α_k cos(π (2i + 1) k / (2n)).
    public static func cosineBasis(_ n: Int) -> [Float] {
        var c = [Float](repeating: 0, count: n * n)
        for k in 0..<n {
            let alpha = k == 0 ? (1 / Double(n)).squareRoot() : (2 / Double(n)).squareRoot()
            for i in 0..<n { c[k * n + i] = Float(alpha * Foundation.cos(Double.pi * Double(2 * i + 1) * Double(k) / Double(2 * n))) }
        }
        return c
    }

    /// The per-frequency scale s[ky][kx] = 1/max(f, 1/max(h, w))^decay, f = √((ky/2h)² + (kx/2w)²)
    /// cycles per pixel, normalised so that the constant image has scale 1.
    public static func frequencyScale(height h: Int, width w: Int, decay: Float) -> [Float] {
        let floor = 1 / Double(max(h, w))
        var s = [Float](repeating: 0, count: h * w)
        let top = Foundation.pow(floor, -Double(decay))
        for ky in 0..<h {
            for kx in 0..<w {
                let f = ((Double(ky) / Double(2 * h)) * (Double(ky) / Double(2 * h)) + (Double(kx) / Double(2 * w)) * (Double(kx) / Double(2 * w))).squareRoot()
                s[ky * w + kx] = Float(Foundation.pow(max(f, floor), -Double(decay)) / top)
            }
        }
        return s
    }

    /// Makes images from parameters and gradients of parameters from gradients of images.
    public struct Images {
        let parametrization: Parametrization
        let planes: Int, h: Int, w: Int
        let ch: [Float], cw: [Float], scale: [Float]

        public init(_ parametrization: Parametrization, channels: Int, height: Int, width: Int) {
            self.parametrization = parametrization
            planes = channels
            h = height
            w = width
            if case .fourier(let decay) = parametrization {
                ch = FeatureVisualization.cosineBasis(height)
                cw = FeatureVisualization.cosineBasis(width)
                scale = FeatureVisualization.frequencyScale(height: height, width: width, decay: decay)
            } else {
                ch = []
                cw = []
                scale = []
            }
        }

        /// Per plane: out = Aᵀ · in · B (transposeA) or A · in · Bᵀ, with A = C_h, B = C_w.
        private func separable(_ input: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, inverse: Bool) {
            var temp = [Float](repeating: 0, count: h * w)
            // temp = (inverse ? C_hᵀ : C_h) · input
            for r in 0..<h {
                for c in 0..<w {
                    var sum: Float = 0
                    for k in 0..<h { sum += (inverse ? ch[k * h + r] : ch[r * h + k]) * input[k * w + c] }
                    temp[r * w + c] = sum
                }
            }
            // out = temp · (inverse ? C_w : C_wᵀ)
            for r in 0..<h {
                for c in 0..<w {
                    var sum: Float = 0
                    for k in 0..<w { sum += temp[r * w + k] * (inverse ? cw[k * w + c] : cw[c * w + k]) }
                    out[r * w + c] = sum
                }
            }
        }

        /// The images σ(pre(u)) for parameters u ([N, C, H, W]).
        public func images(_ u: Tensor) -> Tensor {
            var pre = u.scalars
            if case .fourier = parametrization {
                let plane = h * w
                u.scalars.withUnsafeBufferPointer { src in
                    pre.withUnsafeMutableBufferPointer { dst in
                        var scaled = [Float](repeating: 0, count: plane)
                        for p in 0..<(u.count / plane) {
                            for j in 0..<plane { scaled[j] = src[p * plane + j] * scale[j] }
                            scaled.withUnsafeBufferPointer { separable($0.baseAddress!, dst.baseAddress! + p * plane, inverse: true) }
                        }
                    }
                }
            }
            return Tensor(shape: u.shape, scalars: pre.map { 1 / (1 + Foundation.exp(-$0)) })
        }

        /// ∂L/∂u from ∂L/∂x at images x = images(u).
        func parameterGradient(_ gx: Tensor, images x: Tensor) -> Tensor {
            var gPre = [Float](repeating: 0, count: gx.count)
            for j in 0..<gx.count { gPre[j] = gx.scalars[j] * x.scalars[j] * (1 - x.scalars[j]) }
            guard case .fourier = parametrization else { return Tensor(shape: gx.shape, scalars: gPre) }
            let plane = h * w
            var g = [Float](repeating: 0, count: gx.count)
            gPre.withUnsafeBufferPointer { src in
                g.withUnsafeMutableBufferPointer { dst in
                    for p in 0..<(gx.count / plane) {
                        separable(src.baseAddress! + p * plane, dst.baseAddress! + p * plane, inverse: false)
                        for j in 0..<plane { dst[p * plane + j] *= scale[j] }
                    }
                }
            }
            return Tensor(shape: gx.shape, scalars: g)
        }
    }

    // MARK: Objective and regularisers

    /// The seed ∂objective_i/∂a at the layer's output for every image, and the objectives' values.
    static func seed(_ objectives: [Objective], activations a: Tensor) -> (seed: Tensor, values: [Float]) {
        let n = objectives.count
        let shape = Array(a.shape.dropFirst())
        let channels = shape[0]
        let positions = shape.count == 3 ? shape[1] * shape[2] : 1
        let per = channels * positions
        var seed = [Float](repeating: 0, count: a.count)
        var values = [Float](repeating: 0, count: n)
        for (i, objective) in objectives.enumerated() {
            let base = i * per
            switch objective {
            case .channel(let k):
                var sum: Float = 0
                for p in 0..<positions {
                    sum += a.scalars[base + k * positions + p]
                    seed[base + k * positions + p] = 1 / Float(positions)
                }
                values[i] = sum / Float(positions)
            case let .neuron(k, y, x):
                let (hh, ww) = (shape[1], shape[2])
                let p = (y ?? (hh - 1) / 2) * ww + (x ?? (ww - 1) / 2)
                seed[base + k * positions + p] = 1
                values[i] = a.scalars[base + k * positions + p]
            case .direction(let v):
                var sum: Float = 0
                for c in 0..<channels {
                    for p in 0..<positions {
                        sum += v[c] * a.scalars[base + c * positions + p]
                        seed[base + c * positions + p] = v[c] / Float(positions)
                    }
                }
                values[i] = sum / Float(positions)
            }
        }
        return (Tensor(shape: a.shape, scalars: seed), values)
    }

    /// The 3×3 binomial blur (1 2 1)/4 in each direction, zero outside the image.
    static func blurred(_ x: UnsafeBufferPointer<Float>, base: Int, h: Int, w: Int) -> [Float] {
        let k: [Float] = [0.25, 0.5, 0.25]
        var out = [Float](repeating: 0, count: h * w)
        for r in 0..<h {
            for c in 0..<w {
                var sum: Float = 0
                for dy in -1...1 {
                    for dx in -1...1 {
                        let (y, xx) = (r + dy, c + dx)
                        if y >= 0, y < h, xx >= 0, xx < w { sum += k[dy + 1] * k[dx + 1] * x[base + y * w + xx] }
                    }
                }
                out[r * w + c] = sum
            }
        }
        return out
    }

    /// The regularisers' cost per image and their gradient added into `gradient` (images [N, C, H, W]).
    static func regularize(_ x: Tensor, _ r: Regularizers, gradient: inout [Float]) -> [Float] {
        let (n, planes, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var costs = [Float](repeating: 0, count: n)
        guard r.totalVariation > 0 || r.l1 > 0 || r.blur > 0 else { return costs }
        x.scalars.withUnsafeBufferPointer { v in
            for i in 0..<n {
                var cost: Float = 0
                for p in 0..<planes {
                    let base = (i * planes + p) * h * w
                    if r.totalVariation > 0 {
                        for row in 0..<h {
                            for col in 0..<w {
                                let j = base + row * w + col
                                if col + 1 < w {
                                    let d = v[j + 1] - v[j]
                                    cost += r.totalVariation * abs(d)
                                    let s: Float = d > 0 ? 1 : (d < 0 ? -1 : 0)
                                    gradient[j + 1] += r.totalVariation * s
                                    gradient[j] -= r.totalVariation * s
                                }
                                if row + 1 < h {
                                    let d = v[j + w] - v[j]
                                    cost += r.totalVariation * abs(d)
                                    let s: Float = d > 0 ? 1 : (d < 0 ? -1 : 0)
                                    gradient[j + w] += r.totalVariation * s
                                    gradient[j] -= r.totalVariation * s
                                }
                            }
                        }
                    }
                    if r.l1 > 0 {
                        for j in base..<(base + h * w) {
                            cost += r.l1 * abs(v[j])
                            gradient[j] += r.l1 * (v[j] > 0 ? 1 : (v[j] < 0 ? -1 : 0))
                        }
                    }
                    if r.blur > 0 {
                        // d = (I − B)x; the blur B is symmetric, so the gradient is (I − B)d.
                        let b = blurred(v, base: base, h: h, w: w)
                        var d = [Float](repeating: 0, count: h * w)
                        for j in 0..<(h * w) {
                            d[j] = v[base + j] - b[j]
                            cost += r.blur * 0.5 * d[j] * d[j]
                        }
                        let bd = d.withUnsafeBufferPointer { blurred($0, base: 0, h: h, w: w) }
                        for j in 0..<(h * w) { gradient[base + j] += r.blur * (d[j] - bd[j]) }
                    }
                }
                costs[i] = cost
            }
        }
        return costs
    }

    // MARK: Running

    /// The cost Σ_i (−objective_i + penalties_i) of parameters `u` under the given transformations
    /// (one per image), and its gradient with respect to `u`. A sum, not a mean: image i's gradient
    /// is then the same whatever the number of objectives optimised beside it.
    public func costAndGradient(_ u: Tensor, transforms warps: [ImageWarp]) throws -> (cost: Float, gradient: Tensor) {
        let (model, _) = try truncated()
        let shape = network.inputShape
        let n = objectives.count
        guard u.shape == [n] + shape else { throw MethodError.inputShape(method: Self.name, expected: "\([n] + shape)", got: u.shape) }
        let maker = Images(parametrization, channels: shape[0], height: shape[1], width: shape[2])
        let x = maker.images(u)
        let moved = try ImageResampling.affineWarp(x, transforms: warps)
        let record = try model.forwardRecording(moved, training: false)
        let (seed, values) = Self.seed(objectives, activations: record.output)
        // Gradient of −objective: the negated seed, back to the moved images, then through the warp.
        let back = try model.backward(record, seed: seed.scaled(by: -1), rules: .gradient).inputSignal
        var gx = try ImageResampling.affineWarpAdjoint(back, transforms: warps).scalars
        let penalties = Self.regularize(x, regularizers, gradient: &gx)
        let gu = maker.parameterGradient(Tensor(shape: x.shape, scalars: gx), images: x)
        var total = 0.0
        for i in 0..<n { total += Double(penalties[i] - values[i]) }
        return (Float(total), gu)
    }

    /// The random transformations of one step, one per image, drawn from `random` (`run` draws the
    /// start, then one set per step and one for the final cost, all from `SeededRandom(seed:)`).
    public func drawTransforms(_ random: inout SeededRandom, count: Int) -> [ImageWarp] {
        let (h, w) = (network.inputShape[1], network.inputShape[2])
        return (0..<count).map { _ in
            let j = transforms.jitter
            let dx = j > 0 ? Float(Int(random.next() % UInt64(2 * j + 1)) - j) : 0
            let dy = j > 0 ? Float(Int(random.next() % UInt64(2 * j + 1)) - j) : 0
            let degrees = transforms.degrees > 0 ? random.nextUniform(in: -transforms.degrees, transforms.degrees) : 0
            let scale = transforms.scale > 0 ? random.nextUniform(in: 1 - transforms.scale, 1 + transforms.scale) : 1
            return ImageWarp.about(height: h, width: w, degrees: degrees, scale: scale, dx: dx, dy: dy)
        }
    }

    /// The starting parameters: small seeded normal values (a gray image).
    public func initialParameters(_ random: inout SeededRandom) -> Tensor {
        let shape = [objectives.count] + network.inputShape
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in 0.01 * random.nextGaussian() })
    }

    /// The objectives' values at `images` (no transformation).
    public func values(at images: Tensor) throws -> [Float] {
        let (model, _) = try truncated()
        return Self.seed(objectives, activations: try model.forward(images)).values
    }

    /// Optimises one image per objective. `snapshot` receives the current images every
    /// `snapshotEvery` steps. An interrupt after the first step keeps the images of the last
    /// completed step (`stoppedAt` set).
    public func run(monitor: WorkMonitor = .none, snapshotEvery: Int = 0,
                    snapshot: ((InputOptimization.Snapshot) -> Void)? = nil) throws -> Result {
        _ = try validate()
        let shape = network.inputShape
        let maker = Images(parametrization, channels: shape[0], height: shape[1], width: shape[2])
        var random = SeededRandom(seed: seed)
        let initial = initialParameters(&random)
        let loop = InputOptimization(steps: steps, learningRate: learningRate, reportEvery: reportEvery,
                                     task: "visualize \(layer)", method: Self.name)
        let outcome = try loop.run(initial: initial, monitor: monitor, snapshotEvery: snapshotEvery, render: { maker.images($0) },
                                   snapshot: snapshot) { u, _ in
            try costAndGradient(u, transforms: drawTransforms(&random, count: objectives.count))
        }
        let images = maker.images(outcome.last)
        return Result(images: images, values: try values(at: images), costs: outcome.costs, stoppedAt: outcome.stoppedAt)
    }
}
