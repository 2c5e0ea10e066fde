/// A description of one layer, enough to rebuild it: what a model file stores in its metadata.
///
/// Encoded as a flat JSON object with a `kind` key, for example
/// `{"kind":"conv2d","name":"conv1","in":1,"out":32,"kernel":3,"stride":1,"padding":"same","bias":true}`,
/// so that the architecture is readable from Python too.
public enum LayerSpec: Sendable, Equatable {
    /// TensorFlow-style padding (see chapters.md C5): `same` gives ceil(input/stride) outputs with any
    /// odd extra padding at the bottom/right; `valid` uses no padding.
    public enum Padding: String, Codable, Sendable {
        case same, valid
    }

    case dense(name: String, inputs: Int, outputs: Int, bias: Bool)
    case conv2D(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Padding, bias: Bool)
    case maxPool2D(name: String, window: Int, stride: Int, padding: Padding)
    case avgPool2D(name: String, window: Int, stride: Int, padding: Padding)
    case globalAvgPool2D(name: String)
    case relu(name: String)
    case sigmoid(name: String)
    case tanh(name: String)
    case flatten(name: String)
    /// Dropout with drop probability `rate` (TensorFlow's `rate`, not a keep probability).
    case dropout(name: String, rate: Float)
    /// Reshape each example (batch dimension excluded) to `shape`.
    case reshape(name: String, shape: [Int])

    /// The layer's name, unique within a model (`conv1`, `pool1`, `fc1`, `logits`, …).
    public var name: String {
        switch self {
        case .dense(let name, _, _, _), .conv2D(let name, _, _, _, _, _, _),
             .maxPool2D(let name, _, _, _), .avgPool2D(let name, _, _, _),
             .globalAvgPool2D(let name), .relu(let name), .sigmoid(let name), .tanh(let name),
             .flatten(let name), .dropout(let name, _), .reshape(let name, _):
            return name
        }
    }

    /// The `kind` string used in the JSON encoding.
    public var kind: String {
        switch self {
        case .dense: return "dense"
        case .conv2D: return "conv2d"
        case .maxPool2D: return "maxpool"
        case .avgPool2D: return "avgpool"
        case .globalAvgPool2D: return "globalavgpool"
        case .relu: return "relu"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .flatten: return "flatten"
        case .dropout: return "dropout"
        case .reshape: return "reshape"
        }
    }

    /// The number of trainable scalars (weights plus biases).
    public var parameterCount: Int {
        switch self {
        case .dense(_, let inputs, let outputs, let bias):
            return inputs * outputs + (bias ? outputs : 0)
        case .conv2D(_, let inChannels, let outChannels, let kernel, _, _, let bias):
            return outChannels * inChannels * kernel * kernel + (bias ? outChannels : 0)
        default:
            return 0
        }
    }

    /// The parameter names and shapes this layer owns, PyTorch layouts: dense `[out, in]`,
    /// conv `[out, in, kh, kw]`, biases `[out]`.
    public var parameterShapes: [(name: String, shape: [Int])] {
        switch self {
        case .dense(let name, let inputs, let outputs, let bias):
            return [("\(name).weight", [outputs, inputs])] + (bias ? [("\(name).bias", [outputs])] : [])
        case .conv2D(let name, let inChannels, let outChannels, let kernel, _, _, let bias):
            return [("\(name).weight", [outChannels, inChannels, kernel, kernel])]
                + (bias ? [("\(name).bias", [outChannels])] : [])
        default:
            return []
        }
    }

    /// The shape of one example after this layer, given the shape before it (batch dimension
    /// excluded; images are `[C, H, W]`). Throws when the layer cannot take that input.
    public func outputShape(for input: [Int]) throws -> [Int] {
        func fail(_ reason: String) -> ArchitectureError {
            ArchitectureError(layer: name, reason: reason)
        }
        func spatial(_ size: Int, window: Int, stride: Int, padding: Padding) throws -> Int {
            guard window > 0, stride > 0 else { throw fail("window and stride must be positive") }
            switch padding {
            case .same:
                return (size + stride - 1) / stride
            case .valid:
                guard size >= window else { throw fail("window \(window) is larger than the input size \(size)") }
                return (size - window) / stride + 1
            }
        }
        switch self {
        case .dense(_, let inputs, let outputs, _):
            guard input == [inputs] else { throw fail("expects \(inputs) inputs, gets shape \(input)") }
            guard outputs > 0 else { throw fail("needs a positive number of outputs") }
            return [outputs]
        case .conv2D(_, let inChannels, let outChannels, let kernel, let stride, let padding, _):
            guard input.count == 3, input[0] == inChannels else {
                throw fail("expects [\(inChannels), H, W] input, gets shape \(input)")
            }
            guard outChannels > 0 else { throw fail("needs a positive number of output channels") }
            return [outChannels,
                    try spatial(input[1], window: kernel, stride: stride, padding: padding),
                    try spatial(input[2], window: kernel, stride: stride, padding: padding)]
        case .maxPool2D(_, let window, let stride, let padding), .avgPool2D(_, let window, let stride, let padding):
            guard input.count == 3 else { throw fail("expects [C, H, W] input, gets shape \(input)") }
            return [input[0],
                    try spatial(input[1], window: window, stride: stride, padding: padding),
                    try spatial(input[2], window: window, stride: stride, padding: padding)]
        case .globalAvgPool2D:
            guard input.count == 3 else { throw fail("expects [C, H, W] input, gets shape \(input)") }
            return [input[0]]
        case .relu, .sigmoid, .tanh:
            return input
        case .dropout(_, let rate):
            guard rate >= 0, rate < 1 else { throw fail("dropout rate \(rate) is not in [0, 1)") }
            return input
        case .flatten:
            return [input.reduce(1, *)]
        case .reshape(_, let shape):
            guard shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) == input.reduce(1, *) else {
                throw fail("cannot reshape \(input) to \(shape)")
            }
            return shape
        }
    }
}

/// An architecture that does not hold together (a layer cannot take its input, duplicate names…).
public struct ArchitectureError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The layer concerned, if any.
    public var layer: String?
    public var reason: String

    public init(layer: String? = nil, reason: String) {
        self.layer = layer
        self.reason = reason
    }

    public var description: String {
        layer.map { "layer '\($0)': \(reason)" } ?? reason
    }
}

extension LayerSpec: Codable {
    private enum Key: String, CodingKey {
        case kind, name, inputs = "in", outputs = "out", kernel, stride, padding, bias, window, rate, shape
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let kind = try c.decode(String.self, forKey: .kind)
        let name = try c.decode(String.self, forKey: .name)
        switch kind {
        case "dense":
            self = .dense(name: name, inputs: try c.decode(Int.self, forKey: .inputs),
                          outputs: try c.decode(Int.self, forKey: .outputs), bias: try c.decode(Bool.self, forKey: .bias))
        case "conv2d":
            self = .conv2D(name: name, inChannels: try c.decode(Int.self, forKey: .inputs),
                           outChannels: try c.decode(Int.self, forKey: .outputs),
                           kernel: try c.decode(Int.self, forKey: .kernel), stride: try c.decode(Int.self, forKey: .stride),
                           padding: try c.decode(Padding.self, forKey: .padding), bias: try c.decode(Bool.self, forKey: .bias))
        case "maxpool", "avgpool":
            let window = try c.decode(Int.self, forKey: .window)
            let stride = try c.decode(Int.self, forKey: .stride)
            let padding = try c.decode(Padding.self, forKey: .padding)
            self = kind == "maxpool"
                ? .maxPool2D(name: name, window: window, stride: stride, padding: padding)
                : .avgPool2D(name: name, window: window, stride: stride, padding: padding)
        case "globalavgpool": self = .globalAvgPool2D(name: name)
        case "relu": self = .relu(name: name)
        case "sigmoid": self = .sigmoid(name: name)
        case "tanh": self = .tanh(name: name)
        case "flatten": self = .flatten(name: name)
        case "dropout": self = .dropout(name: name, rate: try c.decode(Float.self, forKey: .rate))
        case "reshape": self = .reshape(name: name, shape: try c.decode([Int].self, forKey: .shape))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown layer kind '\(kind)' for layer '\(name)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(name, forKey: .name)
        switch self {
        case .dense(_, let inputs, let outputs, let bias):
            try c.encode(inputs, forKey: .inputs)
            try c.encode(outputs, forKey: .outputs)
            try c.encode(bias, forKey: .bias)
        case .conv2D(_, let inChannels, let outChannels, let kernel, let stride, let padding, let bias):
            try c.encode(inChannels, forKey: .inputs)
            try c.encode(outChannels, forKey: .outputs)
            try c.encode(kernel, forKey: .kernel)
            try c.encode(stride, forKey: .stride)
            try c.encode(padding, forKey: .padding)
            try c.encode(bias, forKey: .bias)
        case .maxPool2D(_, let window, let stride, let padding), .avgPool2D(_, let window, let stride, let padding):
            try c.encode(window, forKey: .window)
            try c.encode(stride, forKey: .stride)
            try c.encode(padding, forKey: .padding)
        case .dropout(_, let rate):
            try c.encode(rate, forKey: .rate)
        case .reshape(_, let shape):
            try c.encode(shape, forKey: .shape)
        case .globalAvgPool2D, .relu, .sigmoid, .tanh, .flatten:
            break
        }
    }
}
