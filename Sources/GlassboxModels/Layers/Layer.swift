import GlassboxEngine

/// One stage of a `Sequential` network: a pure function of its input and its parameters, with the
/// ordinary gradient as its backward pass.
///
/// Shapes always include the batch dimension N first. Images are NCHW. Explanation methods do not
/// call `backward` directly: they walk a `ForwardRecord` with a `RuleSet`, whose `GradientRule`
/// delegates here and whose other rules (guided backprop, deconvnet, LRP, …) replace it per layer.
public protocol Layer: AnyObject {
    /// The layer's name, unique within its model, e.g. "conv1", "pool1", "fc1", "logits".
    var name: String { get }
    /// What the layer is (rules are chosen per kind, so this is an enum: a mistyped kind does
    /// not compile).
    var kind: LayerKind { get }
    /// Trainable tensors: weight first, then bias (if any). Empty for parameter-free layers.
    var parameters: [Parameter] { get }
    /// The output shape for an input shape (both with batch N); throws `LayerError` naming this
    /// layer and the offending shape when the input does not fit.
    func outputShape(for inputShape: [Int]) throws -> [Int]
    /// Computes the output. A layer may leave a tensor its backward pass needs (the dropout mask) in
    /// `context.auxiliary`; the recording forward pass stores it in the `LayerStep`.
    func forward(_ x: Tensor, context: ForwardContext) throws -> Tensor
    /// The ordinary gradient: from ∂L/∂output returns ∂L/∂input, and when
    /// `accumulateParameterGradients` is true also adds ∂L/∂parameter into each `Parameter.gradient`.
    func backward(_ outputGradient: Tensor, step: LayerStep, accumulateParameterGradients: Bool) throws -> Tensor
}

extension Layer {
    public var parameters: [Parameter] { [] }

    /// Throws unless `gradient` has the shape of the recorded output.
    func checkSignal(_ gradient: Tensor, _ step: LayerStep) throws {
        guard gradient.shape == step.output.shape else {
            throw LayerError.shapeMismatch(layer: name, what: "backward signal", expected: "\(step.output.shape)",
                                           got: gradient.shape)
        }
    }
}

/// The kinds of layer a `Sequential` model is made of.
public enum LayerKind: String, Sendable, CaseIterable, Hashable {
    case dense, conv2d, maxpool, avgpool, globalavgpool, relu, sigmoid, tanh, softmax, logsoftmax, flatten, reshape, dropout

    /// Layers that only reshape or (at explanation time) copy their input: the layer "touching the
    /// input" of a model is its first layer of another kind.
    public var isShapeOnly: Bool { self == .flatten || self == .reshape || self == .dropout }

    /// Layers affine in their input (what LRP's linear-layer rules apply to).
    public var isLinear: Bool { self == .dense || self == .conv2d || self == .avgpool || self == .globalavgpool }

    /// Point-wise activations.
    public var isActivation: Bool { self == .relu || self == .sigmoid || self == .tanh }

    /// Pooling layers.
    public var isPooling: Bool { self == .maxpool || self == .avgpool || self == .globalavgpool }
}

/// Per-call state of a forward pass: whether the network is training, the generator for dropout
/// masks, and a slot for a tensor a layer wants kept for its backward pass.
public final class ForwardContext {
    /// True while training: dropout is active.
    public let training: Bool
    /// The generator dropout draws its masks from.
    public var rng: SeededRandom
    /// Set by a layer's `forward` to keep a tensor for backward (cleared before each layer).
    public var auxiliary: Tensor?

    public init(training: Bool, rng: SeededRandom = SeededRandom(seed: 0)) {
        self.training = training
        self.rng = rng
    }
}

/// A problem with a layer, its input, or a model, naming the layer and the shapes involved.
public enum LayerError: Error, CustomStringConvertible, Equatable {
    /// `what` at layer `layer` should have been `expected` but was `got`.
    case shapeMismatch(layer: String, what: String, expected: String, got: [Int])
    /// A layer was configured with values it cannot work with.
    case invalidConfiguration(layer: String, message: String)
    /// No layer with this name in the model.
    case unknownLayer(String)
    /// Two layers of a model share a name.
    case duplicateLayerName(String)
    /// A backward pass was asked for something the record or the rules cannot give.
    case invalidBackward(String)
    /// A rule set has no rule for a layer (relevance composites cover only the kinds they know).
    case noRule(layer: String, kind: LayerKind, ruleSet: String)
    /// A rule set gives a layer a rule that is not defined for its kind.
    case ruleDoesNotFit(layer: String, kind: LayerKind, rule: String, ruleSet: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(layer, what, expected, got):
            return "layer '\(layer)': \(what) should have shape \(expected), got \(got)"
        case let .invalidConfiguration(layer, message):
            return "layer '\(layer)': \(message)"
        case let .unknownLayer(name):
            return "no layer named '\(name)' in the model"
        case let .duplicateLayerName(name):
            return "two layers are named '\(name)'; layer names must be unique"
        case let .invalidBackward(message):
            return "backward pass: \(message)"
        case let .noRule(layer, kind, ruleSet):
            return "\(ruleSet) has no rule for layer '\(layer)' (\(kind.rawValue))"
        case let .ruleDoesNotFit(layer, kind, rule, ruleSet):
            return "\(ruleSet): the rule \(rule) does not apply to layer '\(layer)' (\(kind.rawValue))"
        }
    }
}

/// Converts an engine error into a layer error naming `layer`; passes other errors through.
func naming<T>(_ layer: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as EngineError {
        throw LayerError.invalidConfiguration(layer: layer, message: error.description)
    }
}

/// Glorot/Xavier-uniform initial values: U(−l, l) with l = √(6 / (fanIn + fanOut)).
func glorotUniform(shape: [Int], fanIn: Int, fanOut: Int, rng: inout SeededRandom) -> Tensor {
    let limit = (6 / Float(Swift.max(fanIn + fanOut, 1))).squareRoot()
    var values = [Float](repeating: 0, count: shape.reduce(1, *))
    for i in values.indices { values[i] = rng.nextUniform(in: -limit, limit) }
    return Tensor(shape: shape, scalars: values)
}
