import GlassboxEngine

/// What one layer saw and produced during a recorded forward pass.
public struct LayerStep {
    /// The layer.
    public let layer: any Layer
    /// Its position in the model (0 = touches the input).
    public let index: Int
    /// The tensor it received.
    public let input: Tensor
    /// The tensor it produced.
    public let output: Tensor
    /// A tensor the layer kept for its backward pass (the dropout mask), if any.
    public let auxiliary: Tensor?

    public init(layer: any Layer, index: Int, input: Tensor, output: Tensor, auxiliary: Tensor? = nil) {
        self.layer = layer
        self.index = index
        self.input = input
        self.output = output
        self.auxiliary = auxiliary
    }
}

/// Every layer's input and output of one forward pass, in order; the backward walk reads it.
public struct ForwardRecord {
    /// The network input.
    public let input: Tensor
    /// One step per layer, first layer first.
    public let steps: [LayerStep]

    public init(input: Tensor, steps: [LayerStep]) {
        self.input = input
        self.steps = steps
    }

    /// The network output (the input when there are no layers).
    public var output: Tensor { steps.last?.output ?? input }

    /// The step of the layer named `name`.
    public func step(named name: String) -> LayerStep? { steps.first { $0.layer.name == name } }

    /// The output of the layer named `name` (for example the activations "conv3" or "fc1").
    public func output(of name: String) throws -> Tensor {
        guard let step = step(named: name) else { throw LayerError.unknownLayer(name) }
        return step.output
    }
}
