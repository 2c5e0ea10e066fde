import GlassboxEngine
import GlassboxModels

/// The layer whose feature maps a method of the CAM family weights: its output is a stack of K maps
/// of h × w positions.
public struct FeatureLayer: Sendable, Equatable {
    public let name: String
    /// Its position in the model.
    public let index: Int
    public let channels: Int
    public let height: Int
    public let width: Int
    /// h · w.
    public var positions: Int { height * width }
}

/// What a CAM-family method reads at its feature layer for a chunk of images.
public struct FeatureMaps {
    /// The chunk's inputs, [n] + the model's input shape.
    public let inputs: Tensor
    /// A = the feature layer's output, [n, K, h, w].
    public let activations: Tensor
    /// ∂f/∂A, same shape, when the method uses gradients; else nil.
    public let gradients: Tensor?
    /// f(x) per image (the explained output of its target).
    public let outputs: [Float]
    /// The explained class per image.
    public let targets: [Int]
    public let layer: FeatureLayer
    /// The explained model, for methods that run more passes (Score-CAM, Ablation-CAM).
    public let model: ExplainedModel
    /// The batch index of the chunk's first image (for messages).
    public let firstImage: Int

    public var count: Int { targets.count }

    /// The values of image `i` of `tensor` ([n, K, h, w]): channel k, position p at k·h·w + p.
    func image(_ i: Int, of tensor: Tensor) -> ArraySlice<Float> {
        let per = layer.channels * layer.positions
        return tensor.scalars[(i * per)..<((i + 1) * per)]
    }

    /// One coarse map per image, Σ_k w_k A_k (+ `constant(i)` in every cell), with the K channel
    /// weights of image i given by `weights(i, A_i, g_i)` (g_i empty without gradients). Sums run in
    /// Double, channel by channel in order, so an image's map does not depend on the rest of the chunk.
    func weightedSum(plus constant: (_ image: Int) -> Double = { _ in 0 },
                     _ weights: (_ image: Int, _ a: ArraySlice<Float>, _ g: ArraySlice<Float>) throws -> [Double]) rethrows -> [Float] {
        let (channels, positions) = (layer.channels, layer.positions)
        var maps = [Float](repeating: 0, count: count * positions)
        for i in 0..<count {
            let a = image(i, of: activations)
            let g = gradients.map { image(i, of: $0) } ?? []
            let w = try weights(i, a, g)
            var sum = [Double](repeating: constant(i), count: positions)
            for k in 0..<channels where w[k] != 0 {
                let base = a.startIndex + k * positions
                for p in 0..<positions { sum[p] += w[k] * Double(a[base + p]) }
            }
            for p in 0..<positions { maps[i * positions + p] = Float(sum[p]) }
        }
        return maps
    }

    /// One coarse map per image, Σ_k term(A_k(p), g_k(p)) at every position p (the element-wise
    /// variants); g is 0 without gradients.
    func positionwiseSum(_ term: (_ a: Double, _ g: Double) -> Double) -> [Float] {
        let (channels, positions) = (layer.channels, layer.positions)
        var maps = [Float](repeating: 0, count: count * positions)
        for i in 0..<count {
            let a = image(i, of: activations)
            let g = gradients.map { image(i, of: $0) }
            var sum = [Double](repeating: 0, count: positions)
            for k in 0..<channels {
                let base = k * positions
                for p in 0..<positions {
                    let gradient = g.map { Double($0[$0.startIndex + base + p]) } ?? 0
                    sum[p] += term(Double(a[a.startIndex + base + p]), gradient)
                }
            }
            for p in 0..<positions { maps[i * positions + p] = Float(sum[p]) }
        }
        return maps
    }
}

/// A method of the CAM family: weight the feature maps A_k of one layer (the last conv layer by
/// default) and sum them into a coarse map of h × w positions, then upsample it to the input's
/// size (bilinear, aligned corners). Each method only declares how it turns A (and ∂f/∂A, or
/// further forward passes) into the coarse map; `attribute` comes with the protocol: chunked
/// forward passes, backward passes that stop at the feature layer, the optional ReLU, the
/// upsampling and the explanation (with `coarseMaps` and `featureLayer`).
public protocol ClassActivationMethod: AttributionMethod {
    /// The layer whose feature maps are weighted (resolved when the method is made).
    var featureLayer: FeatureLayer { get }
    /// Whether the passes go back to the feature layer for ∂f/∂A.
    var usesGradients: Bool { get }
    /// Whether max(·, 0) is applied to the coarse map.
    var relu: Bool { get }
    /// Settings shown in titles (the layer is added by the protocol).
    var settings: [MethodSetting] { get }
    /// What the coarse maps promise (CAM: mean = S_c); nil by default.
    var receipt: ReceiptKind? { get }
    /// How many images one chunk holds when a pass holds `rowsPerPass` rows (methods that run a
    /// pass per feature map take fewer, so progress and cancellation come often).
    func imagesPerChunk(rowsPerPass: Int) -> Int
    /// One coarse map of h·w values per image of the chunk, before the ReLU.
    func coarseMaps(_ maps: FeatureMaps, monitor: WorkMonitor) throws -> [Float]
}

extension ClassActivationMethod {
    public var receipt: ReceiptKind? { nil }
    public var settings: [MethodSetting] { [] }
    public func imagesPerChunk(rowsPerPass: Int) -> Int { rowsPerPass }

    /// The coarse maps of every image, chunk by chunk, upsampled to the input's size.
    public func attribute(_ inputs: Tensor, targets: Target = .predicted, monitor: WorkMonitor = .none) throws -> Explanation {
        let title = Self.declaration.title
        try checkOutput()
        try model.checkInputs(inputs, method: title)
        if let layer = targets.layer {
            throw MethodError.invalidTarget(
                method: title,
                message: "explains classes, not a channel of layer '\(layer)' (its `layer` option names the feature maps it weights)")
        }
        let resolved = try model.resolve(targets, inputs: inputs, method: title, monitor: monitor)
        let (coarse, outputs) = try model.classActivationMaps(inputs, targets: resolved.indices, method: self, task: title,
                                                              monitor: monitor)
        let layer = featureLayer
        let shape = model.network.inputShape
        let n = inputs.shape[0]
        let small = Tensor(shape: [n, 1, layer.height, layer.width], scalars: coarse)
        let large = try ImageResampling.resizeBilinear(small, height: shape[1], width: shape[2])
        let attributions: Tensor
        if shape[0] == 1 {
            attributions = large
        } else {
            // The same map for every input channel.
            let plane = shape[1] * shape[2]
            var values = [Float](repeating: 0, count: n * shape[0] * plane)
            for i in 0..<n {
                for c in 0..<shape[0] {
                    values.replaceSubrange(((i * shape[0] + c) * plane)..<((i * shape[0] + c + 1) * plane),
                                           with: large.scalars[(i * plane)..<((i + 1) * plane)])
                }
            }
            attributions = Tensor(shape: [n] + shape, scalars: values)
        }
        var explanation = Explanation(attributions: attributions, inputs: inputs, targets: resolved.indices, output: model.output,
                                      outputs: outputs, method: title, settings: [MethodSetting("layer", layer.name)] + settings,
                                      receipt: receipt)
        explanation.coarseMaps = small
        explanation.featureLayer = layer.name
        return explanation
    }
}

extension ExplainedModel {
    /// The images' size (channels, height, width), or an error: class activation maps are
    /// upsampled to it, so the input must be an image.
    func imageShape(method: String) throws -> (channels: Int, height: Int, width: Int) {
        let shape = network.inputShape
        guard shape.count == 3 else {
            throw MethodError.unsupportedModel(
                method: method,
                message: "the model's input \(shape) is not an image [channels, height, width]; a class activation map is "
                    + "upsampled to the input's size, so it needs a model that takes images (a conv net)")
        }
        return (shape[0], shape[1], shape[2])
    }

    /// The feature layer named `name` (the `layer` option, for messages), or by default the last
    /// conv or activation layer whose output is [K, h, w] with more than one position.
    func featureLayer(named name: String?, method: String, option: String = "layer") throws -> FeatureLayer {
        _ = try imageShape(method: method)
        let layers = network.layers
        func described(_ index: Int) -> FeatureLayer? {
            let shape = network.layerOutputShapes[index]
            guard shape.count == 3, shape[0] > 0, shape[1] * shape[2] > 1 else { return nil }
            return FeatureLayer(name: layers[index].name, index: index, channels: shape[0], height: shape[1], width: shape[2])
        }
        if let name {
            guard let index = layers.firstIndex(where: { $0.name == name }) else {
                let names = layers.map(\.name)
                throw MethodError.option(method: method, option: option,
                                         message: "names no layer of the model; its layers are " + names.joined(separator: ", "),
                                         given: name, candidates: names)
            }
            guard let layer = described(index) else {
                let shape = network.layerOutputShapes[index]
                let why = shape.count == 3 ? "has a single position" : "is not a stack of feature maps [channels, height, width]"
                let candidates = layers.indices.filter { described($0) != nil }.map { layers[$0].name }
                throw MethodError.option(method: method, option: option,
                                         message: "'\(name)' outputs \(shape), which \(why); layers with feature maps: "
                                            + (candidates.isEmpty ? "none" : candidates.joined(separator: ", ")),
                                         given: nil, candidates: [])
            }
            return layer
        }
        let kinds: Set<LayerKind> = [.conv2d, .relu, .sigmoid, .tanh]
        for index in layers.indices.reversed() where kinds.contains(layers[index].kind) {
            if let layer = described(index) { return layer }
        }
        throw MethodError.unsupportedModel(
            method: method,
            message: "the model has no convolutional feature maps (a conv or activation layer whose output is [channels, "
                + "height, width] with more than one position) to weight")
    }

    /// Runs `method` over `inputs` in chunks: a recorded forward pass, a backward pass from f down
    /// to the feature layer when the method uses gradients, the method's coarse maps and the ReLU.
    func classActivationMaps<Method: ClassActivationMethod>(_ inputs: Tensor, targets: [Int], method: Method, task: String,
                                                            monitor: WorkMonitor) throws -> (coarse: [Float], outputs: [Float]) {
        let layer = method.featureLayer
        let n = inputs.shape[0]
        try MemoryBudget.shared.check(n * layer.positions * 4, for: "the coarse maps of \(n) images")
        var coarse = [Float](repeating: 0, count: n * layer.positions)
        var outputs = [Float](repeating: 0, count: n)
        let passRows = try rowsPerPass(group: 1, withReference: false)
        let chunk = Swift.max(1, Swift.min(passRows, method.imagesPerChunk(rowsPerPass: passRows)))
        var done = 0
        while done < n {
            try monitor.cancellation.check()
            let range = done..<Swift.min(n, done + chunk)
            let batch = inputs.rows(range)
            let chunkTargets = Array(targets[range])
            let record = try network.forwardRecording(batch, training: false)
            let (seed, values) = try seedAndOutputs(record: record, reference: nil, targets: chunkTargets, layer: nil, seed: .gradient)
            let gradients = method.usesGradients
                ? try network.backward(record, seed: seed, rules: .gradient, stopAt: layer.name).inputSignal : nil
            let maps = FeatureMaps(inputs: batch, activations: try record.output(of: layer.name), gradients: gradients,
                                   outputs: values, targets: chunkTargets, layer: layer, model: self, firstImage: range.lowerBound)
            var chunkMaps = try method.coarseMaps(maps, monitor: monitor)
            guard chunkMaps.count == range.count * layer.positions else {
                throw MethodError.unsupportedModel(method: task, message: "made \(chunkMaps.count) map values for \(range.count) images")
            }
            if method.relu { for j in chunkMaps.indices where chunkMaps[j] < 0 { chunkMaps[j] = 0 } }
            if let bad = chunkMaps.firstIndex(where: { !$0.isFinite }) {
                let image = range.lowerBound + bad / layer.positions
                throw MethodError.invalidOption(method: task, message: "the map of image \(image) is not finite (\(chunkMaps[bad]))")
            }
            coarse.replaceSubrange((range.lowerBound * layer.positions)..<(range.upperBound * layer.positions), with: chunkMaps)
            outputs.replaceSubrange(range, with: values)
            done = range.upperBound
            monitor.progress(ProgressEvent(task: task, completed: done, total: n, finished: done == n))
        }
        return (coarse, outputs)
    }
}

extension MethodOption {
    /// The CAM family's `layer:` option.
    static let featureLayer = MethodOption(
        "layer", .layer, default: .none,
        doc: "the layer whose feature maps are weighted, e.g. \"relu3\" (nil: the last conv or activation layer with more than one position)")

    /// The CAM family's `relu:` option, on by default.
    static let camReLU = MethodOption("relu", .bool, default: .bool(true),
                                      doc: "keep only the positive part of the coarse map, max(·, 0)")
}

extension MapDisplay {
    /// Class activation maps: viridis over the gray image at alpha 0.8 with a colorbar (chapters 4.1–4.3).
    public static let classActivation = MapDisplay(.viridis, overInput: true, alpha: 0.8)
}
