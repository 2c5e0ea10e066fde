import GlassboxEngine

/// A chain of layers applied in order, with shapes validated at construction.
public final class Sequential {
    /// The layers, first (touching the input) first.
    public var layers: [any Layer]
    /// The input shape without the batch dimension, e.g. [1, 28, 28] or [784].
    public let inputShape: [Int]
    /// Each layer's output shape without the batch dimension, in layer order.
    public let layerOutputShapes: [[Int]]
    /// Generator for dropout masks when a training forward pass is run without an explicit one.
    private var dropoutRandom = SeededRandom(seed: 0x0D50_7A11)
    /// The signal patterns learned for this network's weights (PatternNet, PatternAttribution), if
    /// any; they carry a fingerprint of the weights and are refused once the weights change.
    public var signalPatterns: SignalPatterns?

    /// Validates that the layers chain from `inputShape` (without batch, e.g. [1, 28, 28]); throws
    /// `LayerError` naming the first layer that does not fit, and on duplicate or empty names.
    public init(layers: [any Layer], inputShape: [Int]) throws {
        guard inputShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.shapeMismatch(layer: "input", what: "model input", expected: "positive sizes", got: inputShape)
        }
        var seen = Set<String>()
        var shape = [1] + inputShape
        var shapes: [[Int]] = []
        for layer in layers {
            guard !layer.name.isEmpty else {
                throw LayerError.invalidConfiguration(layer: layer.kind.rawValue, message: "a layer needs a non-empty name")
            }
            guard seen.insert(layer.name).inserted else { throw LayerError.duplicateLayerName(layer.name) }
            shape = try layer.outputShape(for: shape)
            shapes.append(Array(shape.dropFirst()))
        }
        self.layers = layers
        self.inputShape = inputShape
        self.layerOutputShapes = shapes
    }

    /// The output shape without the batch dimension.
    public var outputShape: [Int] { layerOutputShapes.last ?? inputShape }

    /// All parameters, layer by layer (weight before bias).
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// The layer named `name`, if any.
    public func layer(named name: String) -> (any Layer)? { layers.first { $0.name == name } }

    /// Sets every parameter gradient to zero.
    public func zeroGradients() { for p in parameters { p.zeroGradient() } }

    private func checkInput(_ x: Tensor) throws {
        guard x.rank == inputShape.count + 1, Array(x.shape.dropFirst()) == inputShape else {
            throw LayerError.shapeMismatch(layer: "input", what: "model input", expected: "[N] + \(inputShape)", got: x.shape)
        }
    }

    private func run(_ x: Tensor, context: ForwardContext, record: Bool) throws -> (Tensor, [LayerStep]) {
        try checkInput(x)
        var current = x
        var steps: [LayerStep] = []
        if record { steps.reserveCapacity(layers.count) }
        for (index, layer) in layers.enumerated() {
            context.auxiliary = nil
            let output = try layer.forward(current, context: context)
            if record {
                steps.append(LayerStep(layer: layer, index: index, input: current, output: output, auxiliary: context.auxiliary))
            }
            current = output
        }
        return (current, steps)
    }

    /// The output for a batch `x` ([N] + inputShape). With `training`, dropout draws from `rng`.
    public func forward(_ x: Tensor, training: Bool = false, rng: inout SeededRandom) throws -> Tensor {
        let context = ForwardContext(training: training, rng: rng)
        defer { rng = context.rng }
        return try run(x, context: context, record: false).0
    }

    /// The output for a batch `x` ([N] + inputShape), not training (dropout off).
    public func forward(_ x: Tensor) throws -> Tensor {
        try run(x, context: ForwardContext(training: false), record: false).0
    }

    /// A forward pass keeping every layer's input and output (and dropout masks), for backward walks.
    public func forwardRecording(_ x: Tensor, training: Bool, rng: inout SeededRandom) throws -> ForwardRecord {
        let context = ForwardContext(training: training, rng: rng)
        defer { rng = context.rng }
        return ForwardRecord(input: x, steps: try run(x, context: context, record: true).1)
    }

    /// The output of the layers after `layer`, fed with `x` in place of that layer's output
    /// ([N] + its output shape), not training. Ablation-CAM reruns the head this way with one
    /// feature map switched off.
    public func forward(_ x: Tensor, after layer: String) throws -> Tensor {
        guard let index = layers.firstIndex(where: { $0.name == layer }) else { throw LayerError.unknownLayer(layer) }
        guard x.rank == layerOutputShapes[index].count + 1, Array(x.shape.dropFirst()) == layerOutputShapes[index] else {
            throw LayerError.shapeMismatch(layer: layer, what: "output fed to the layers after it",
                                           expected: "[N] + \(layerOutputShapes[index])", got: x.shape)
        }
        let context = ForwardContext(training: false)
        var current = x
        for next in layers[(index + 1)...] {
            context.auxiliary = nil
            current = try next.forward(current, context: context)
        }
        return current
    }

    /// A recording forward pass; when training, dropout draws from the model's own generator.
    public func forwardRecording(_ x: Tensor, training: Bool) throws -> ForwardRecord {
        try forwardRecording(x, training: training, rng: &dropoutRandom)
    }
}
