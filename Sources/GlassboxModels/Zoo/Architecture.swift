import Foundation

/// A named stack of layers with the shape of one input example: everything needed to rebuild a
/// model (the weights come separately, from training or a model file).
public struct Architecture: Codable, Sendable, Equatable {
    /// The model's name, e.g. `cnn-max-b`.
    public var name: String
    /// The shape of one example, batch excluded: `[1, 28, 28]` for MNIST, `[100]` for a code.
    public var inputShape: [Int]
    /// The layers, in forward order.
    public var layers: [LayerSpec]

    public init(name: String, inputShape: [Int], layers: [LayerSpec]) {
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
    }

    /// The shape of one example after each layer, in order; throws when the layers do not fit
    /// together or two layers share a name.
    public func layerOutputShapes() throws -> [[Int]] {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw ArchitectureError(reason: "architecture '\(name)': input shape \(inputShape) is not a list of positive sizes")
        }
        var names = Set<String>()
        var shape = inputShape
        var shapes: [[Int]] = []
        for layer in layers {
            guard !layer.name.isEmpty else { throw ArchitectureError(reason: "architecture '\(name)': a layer has an empty name") }
            guard names.insert(layer.name).inserted else {
                throw ArchitectureError(layer: layer.name, reason: "the name is used twice in '\(name)'")
            }
            shape = try layer.outputShape(for: shape)
            shapes.append(shape)
        }
        return shapes
    }

    /// The shape of one output example.
    public func outputShape() throws -> [Int] {
        try layerOutputShapes().last ?? inputShape
    }

    /// The number of trainable scalars.
    public var parameterCount: Int {
        layers.reduce(0) { $0 + $1.parameterCount }
    }

    /// Every parameter's name and shape, in layer order.
    public var parameterShapes: [(name: String, shape: [Int])] {
        layers.flatMap(\.parameterShapes)
    }

    /// Compact JSON (the form stored in model files).
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Parses the JSON form.
    public static func fromJSON(_ json: String) throws -> Architecture {
        try JSONDecoder().decode(Architecture.self, from: Data(json.utf8))
    }
}
