import GlassboxEngine

extension LayerSpec {
    /// A fresh layer for this spec; weights are Glorot-uniform from `rng`, biases zero.
    /// Call through `Architecture.build`, which validates the specs first.
    func makeLayer(rng: inout SeededRandom) -> any Layer {
        func padding(_ padding: Padding) -> GlassboxEngine.Padding {
            switch padding {
            case .same: return .same
            case .valid: return .valid
            }
        }
        switch self {
        case .dense(let name, let inputs, let outputs, let bias):
            return Dense(name: name, inputs: inputs, outputs: outputs, bias: bias, rng: &rng)
        case .conv2D(let name, let inChannels, let outChannels, let kernel, let stride, let pad, let bias):
            return Conv2D(name: name, inChannels: inChannels, outChannels: outChannels, kernel: (kernel, kernel),
                          stride: (stride, stride), padding: padding(pad), bias: bias, rng: &rng)
        case .maxPool2D(let name, let window, let stride, let pad):
            return MaxPool2D(name: name, window: (window, window), stride: (stride, stride), padding: padding(pad))
        case .avgPool2D(let name, let window, let stride, let pad):
            return AvgPool2D(name: name, window: (window, window), stride: (stride, stride), padding: padding(pad))
        case .globalAvgPool2D(let name): return GlobalAvgPool2D(name: name)
        case .relu(let name): return ReLU(name: name)
        case .sigmoid(let name): return Sigmoid(name: name)
        case .tanh(let name): return Tanh(name: name)
        case .flatten(let name): return Flatten(name: name)
        case .dropout(let name, let rate): return Dropout(name: name, rate: rate)
        case .reshape(let name, let shape): return Reshape(name: name, shape: shape)
        }
    }
}

extension Architecture {
    /// A freshly initialised network of this architecture: Glorot-uniform weights drawn in layer
    /// order from `SeededRandom(seed:)`, zero biases. Throws `ArchitectureError` when the layers
    /// do not fit together.
    public func build(seed: UInt64) throws -> Sequential {
        let shapes = try layerOutputShapes()
        var rng = SeededRandom(seed: seed)
        let model = try Sequential(layers: layers.map { $0.makeLayer(rng: &rng) }, inputShape: inputShape)
        guard model.layerOutputShapes == shapes else {
            throw ArchitectureError(reason: "architecture '\(name)': the built layers give shapes \(model.layerOutputShapes), the specs \(shapes)")
        }
        return model
    }
}
