import GlassboxEngine
import GlassboxModels

/// A layer's output for many images, in batches, with progress and cancellation: the codes E(x) of
/// chapter 1.3, their per-class means z̄_c, and the activations that rank dataset examples.
public enum LayerActivations {
    static let name = "activations"

    /// The model up to and including `layer` (its layers shared, not copied), so that a forward
    /// pass stops there.
    public static func truncated(_ network: Sequential, at layer: String) throws -> Sequential {
        guard let index = network.layers.firstIndex(where: { $0.name == layer }) else {
            throw MethodError.invalidTarget(method: name, message: "the model has no layer '\(layer)'; its layers are "
                                            + network.layers.map(\.name).joined(separator: ", "))
        }
        if index == network.layers.count - 1 { return network }
        return try Sequential(layers: Array(network.layers[0...index]), inputShape: network.inputShape)
    }

    /// Calls `body(start, output)` for every batch of at most `batchSize` images with the output of
    /// `layer` for images start..<start + batch.
    public static func forEachBatch(_ network: Sequential, inputs: Tensor, layer: String, batchSize: Int = 500,
                                    task: String = "activations", monitor: WorkMonitor = .none,
                                    _ body: (Int, Tensor) throws -> Void) throws {
        let model = try truncated(network, at: layer)
        let n = inputs.shape.first ?? 0
        guard inputs.shape == [n] + network.inputShape else {
            throw MethodError.inputShape(method: name, expected: "[N] + \(network.inputShape)", got: inputs.shape)
        }
        guard batchSize > 0 else { throw MethodError.invalidOption(method: name, message: "batch size must be positive") }
        let batches = (n + batchSize - 1) / batchSize
        for b in 0..<batches {
            try monitor.cancellation.check()
            let range = (b * batchSize)..<min(n, (b + 1) * batchSize)
            let output = try model.forward(try inputs.slice(batch: range))
            try body(range.lowerBound, output)
            monitor.progress(ProgressEvent(task: task, completed: b + 1, total: batches, finished: b + 1 == batches))
        }
    }

    /// The output of `layer` for every image, [N] + the layer's output shape.
    public static func collect(_ network: Sequential, inputs: Tensor, layer: String, batchSize: Int = 500,
                               monitor: WorkMonitor = .none) throws -> Tensor {
        let model = try truncated(network, at: layer)
        let n = inputs.shape.first ?? 0
        let per = model.outputShape.reduce(1, *)
        try MemoryBudget.shared.check(n * per * MemoryLayout<Float>.stride, for: "the '\(layer)' activations of \(n) images")
        var values = [Float](repeating: 0, count: n * per)
        try forEachBatch(network, inputs: inputs, layer: layer, batchSize: batchSize, task: "activations of \(layer)",
                         monitor: monitor) { start, output in
            values.withUnsafeMutableBufferPointer { v in
                output.scalars.withUnsafeBufferPointer { o in
                    (v.baseAddress! + start * per).update(from: o.baseAddress!, count: o.count)
                }
            }
        }
        return Tensor(shape: [n] + model.outputShape, scalars: values)
    }

    /// The mean output of `layer` over the images of each class 0..<classes, [classes] + the layer's
    /// output shape (chapter 1.3's code means z̄_c). A class without images is an error.
    public static func classMeans(_ network: Sequential, inputs: Tensor, labels: [Int], classes: Int, layer: String,
                                  batchSize: Int = 500, monitor: WorkMonitor = .none) throws -> Tensor {
        let model = try truncated(network, at: layer)
        guard labels.count == inputs.shape.first else {
            throw MethodError.mismatch(operation: name, message: "\(labels.count) labels for \(inputs.shape.first ?? 0) images")
        }
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            throw MethodError.invalidTarget(method: name, message: "label \(bad) is outside 0..<\(classes)")
        }
        let per = model.outputShape.reduce(1, *)
        var sums = [Double](repeating: 0, count: classes * per)
        var counts = [Int](repeating: 0, count: classes)
        try forEachBatch(network, inputs: inputs, layer: layer, batchSize: batchSize, task: "class means of \(layer)",
                         monitor: monitor) { start, output in
            output.scalars.withUnsafeBufferPointer { o in
                for row in 0..<(output.shape.first ?? 0) {
                    let c = labels[start + row]
                    counts[c] += 1
                    for j in 0..<per { sums[c * per + j] += Double(o[row * per + j]) }
                }
            }
        }
        if let empty = counts.firstIndex(of: 0) {
            throw MethodError.invalidTarget(method: name, message: "no image of class \(empty), so its mean is undefined")
        }
        var means = [Float](repeating: 0, count: classes * per)
        for c in 0..<classes {
            for j in 0..<per { means[c * per + j] = Float(sums[c * per + j] / Double(counts[c])) }
        }
        return Tensor(shape: [classes] + model.outputShape, scalars: means)
    }
}
