import Foundation
import GlassboxEngine

/// The signal pattern of one linear layer (Kindermans et al. 2018): for each output unit j, the
/// direction in its input space along which the signal the unit detects lies, estimated from data
/// separately for the two regimes of the ReLU that follows, a₊ where the unit's output y_j > 0 and
/// a₋ where y_j ≤ 0:
///
///     a_± = cov_±[x, y] / wᵀ cov_±[x, y]  (= cov_±[x, y] / σ²_y, since wᵀx and y differ by the bias)
///
/// Both tensors are shaped like the layer's weight (dense [out, in], conv [out, in, kh, kw]); for a
/// conv layer x is the patch under the kernel at every position.
public struct LayerPattern: Sendable, Equatable {
    /// The layer's name.
    public var layer: String
    /// a₊, weight-shaped.
    public var positive: Tensor
    /// a₋, weight-shaped.
    public var negative: Tensor
    /// The share of all outputs (images × positions × units) that were > 0 while learning.
    public var positiveShare: Double

    public init(layer: String, positive: Tensor, negative: Tensor, positiveShare: Double) {
        self.layer = layer
        self.positive = positive
        self.negative = negative
        self.positiveShare = positiveShare
    }
}

/// The signal patterns of every dense and conv layer of a network, learned on `images` images,
/// with a fingerprint of the weights they were learned for (patterns of other weights are refused).
public struct SignalPatterns: Sendable, Equatable {
    /// One pattern per dense and conv layer, in layer order.
    public var layers: [LayerPattern]
    /// The images the statistics were gathered on.
    public var images: Int
    /// `SignalPatterns.fingerprint(of:)` of the network they were learned on.
    public var fingerprint: UInt64

    public init(layers: [LayerPattern], images: Int, fingerprint: UInt64) {
        self.layers = layers
        self.images = images
        self.fingerprint = fingerprint
    }

    /// The pattern of the layer named `name`.
    public func pattern(for name: String) -> LayerPattern? { layers.first { $0.layer == name } }

    /// A 64-bit FNV-1a hash of the bits of every parameter (names, shapes and values): training the
    /// network again, or loading other weights, changes it.
    public static func fingerprint(of network: Sequential) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ value: UInt64) {
            hash ^= value
            hash &*= 0x0000_0100_0000_01b3
        }
        for parameter in network.parameters {
            for byte in parameter.name.utf8 { mix(UInt64(byte)) }
            for size in parameter.value.shape { mix(UInt64(size)) }
            for value in parameter.value.scalars { mix(UInt64(value.bitPattern)) }
        }
        return hash
    }

    /// The dense and conv layers of `network`, which get patterns.
    public static func patternLayers(of network: Sequential) -> [any LinearLayer] {
        network.layers.compactMap { layer in
            guard layer.kind == .dense || layer.kind == .conv2d else { return nil }
            return layer as? any LinearLayer
        }
    }

    /// Throws unless these patterns fit `network`: one per dense and conv layer, each shaped like the
    /// layer's weight, and learned for exactly these weights. `source` names them in the message.
    public func check(against network: Sequential, source: String = "the patterns") throws {
        let layers = Self.patternLayers(of: network)
        let expected = layers.map(\.name)
        let given = self.layers.map(\.layer)
        guard expected == given else {
            throw PatternError(source: source, reason: "are for the layers \(given), but the model's dense and conv layers are \(expected)")
        }
        for (layer, pattern) in zip(layers, self.layers) {
            let shape = layer.weight.value.shape
            for (which, tensor) in [("a₊", pattern.positive), ("a₋", pattern.negative)] where tensor.shape != shape {
                throw PatternError(source: source, reason: "\(which) of layer '\(layer.name)' has shape \(tensor.shape), but the layer's weight has shape \(shape)")
            }
        }
        guard fingerprint == Self.fingerprint(of: network) else {
            throw PatternError(source: source, reason: "were learned for other weights (the model has been trained or loaded since); learn them again with learnPatterns")
        }
    }

    // MARK: - Side file

    public static let formatKey = "glassbox.patterns"
    public static let formatVersion = "1"

    /// The patterns as safetensors: tensors `<layer>.pattern.positive` / `.negative`, metadata with
    /// the images, the fingerprint and each layer's positive share.
    public func file() -> SafetensorsFile {
        var entries: [SafetensorsFile.Entry] = []
        var metadata = [Self.formatKey: Self.formatVersion, "glassbox.patterns.images": String(images),
                        "glassbox.patterns.fingerprint": String(fingerprint)]
        for pattern in layers {
            entries.append(.init(name: pattern.layer + ".pattern.positive", tensor: pattern.positive))
            entries.append(.init(name: pattern.layer + ".pattern.negative", tensor: pattern.negative))
            metadata["glassbox.patterns.share.\(pattern.layer)"] = String(pattern.positiveShare)
        }
        metadata["glassbox.patterns.layers"] = layers.map(\.layer).joined(separator: ",")
        return SafetensorsFile(entries: entries, metadata: metadata)
    }

    /// Writes the patterns to `url` (a safetensors side file beside the model file).
    public func save(to url: URL) throws {
        try file().write(to: url)
    }

    /// Reads patterns written by `save` and checks them against `network` (layers, shapes, weights).
    public static func load(from url: URL, for network: Sequential) throws -> SignalPatterns {
        let patterns = try decode(try SafetensorsFile.read(from: url), source: url.path)
        try patterns.check(against: network, source: url.path)
        return patterns
    }

    /// Patterns from safetensors contents (not yet checked against a network).
    public static func decode(_ file: SafetensorsFile, source: String) throws -> SignalPatterns {
        func fail(_ reason: String) -> PatternError { PatternError(source: source, reason: reason) }
        guard file.metadata[formatKey] == formatVersion else {
            throw fail("is not a Glassbox pattern file (no '\(formatKey)' = '\(formatVersion)' metadata)")
        }
        guard let imagesText = file.metadata["glassbox.patterns.images"], let images = Int(imagesText), images > 0 else {
            throw fail("has no valid 'glassbox.patterns.images' metadata")
        }
        guard let fingerprintText = file.metadata["glassbox.patterns.fingerprint"], let fingerprint = UInt64(fingerprintText) else {
            throw fail("has no valid 'glassbox.patterns.fingerprint' metadata")
        }
        let names = (file.metadata["glassbox.patterns.layers"] ?? "").split(separator: ",").map(String.init)
        var layers: [LayerPattern] = []
        for name in names {
            guard let positive = file.tensor(named: name + ".pattern.positive"),
                  let negative = file.tensor(named: name + ".pattern.negative") else {
                throw fail("lists layer '\(name)' but lacks its tensors '\(name).pattern.positive' and '\(name).pattern.negative'")
            }
            guard positive.shape == negative.shape else {
                throw fail("a₊ \(positive.shape) and a₋ \(negative.shape) of layer '\(name)' differ in shape")
            }
            let share = Double(file.metadata["glassbox.patterns.share.\(name)"] ?? "") ?? .nan
            layers.append(LayerPattern(layer: name, positive: positive, negative: negative, positiveShare: share))
        }
        return SignalPatterns(layers: layers, images: images, fingerprint: fingerprint)
    }

    /// The side file's usual name beside a model file: `cnn.safetensors` → `cnn.patterns.safetensors`.
    public static func sideFile(for modelFile: URL) -> URL {
        var base = modelFile.deletingPathExtension()
        if base.pathExtension == "patterns" { base = base.deletingPathExtension() }
        return base.appendingPathExtension("patterns").appendingPathExtension("safetensors")
    }
}

/// Patterns that cannot be used: missing, for other layers or weights, or a broken file.
public struct PatternError: Error, CustomStringConvertible, Equatable, Sendable {
    public var source: String
    public var reason: String
    public init(source: String, reason: String) {
        self.source = source
        self.reason = reason
    }
    public var description: String { "\(source) \(reason)" }
}
