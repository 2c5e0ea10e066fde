import GlassboxEngine
import GlassboxModels

/// The dataset examples Olah et al. pair with every feature visualisation: for a channel (unit,
/// direction) of a layer, the images that activate it most, and the image patches at the
/// channel's receptive field where single positions fire most.
public enum DatasetExamples {
    static let name = "datasetExamples"

    /// A rectangle of the input, [top, top + height) × [left, left + width); it may reach outside the
    /// image (the receptive field of a position near the edge).
    public struct Box: Sendable, Equatable {
        public var top: Int, left: Int, height: Int, width: Int
        public init(top: Int, left: Int, height: Int, width: Int) {
            self.top = top
            self.left = left
            self.height = height
            self.width = width
        }
    }

    /// One example: the image's index, the value that ranked it and (for patches) the position in the
    /// layer and its receptive field in the image.
    public struct Example: Sendable, Equatable {
        public var index: Int
        public var value: Float
        public var position: (y: Int, x: Int)?
        public var box: Box?

        public static func == (l: Example, r: Example) -> Bool {
            l.index == r.index && l.value == r.value && l.position?.y == r.position?.y && l.position?.x == r.position?.x && l.box == r.box
        }
    }

    /// What was found for one objective.
    public struct Found: Sendable {
        /// The `count` images with the largest objective value, largest first.
        public var images: [Example]
        /// The `count` images whose single position fires most, largest first, with that position.
        public var patches: [Example]
    }

    /// The region of the input that position (y, x) of `layer`'s output sees: walked back through
    /// convolutions and pooling (kernel, stride, TF padding); activations keep it. A layer after a
    /// flatten has no positions: its field is the whole image.
    public static func receptiveField(_ network: Sequential, layer: String, y: Int, x: Int) throws -> Box {
        guard let index = network.layers.firstIndex(where: { $0.name == layer }) else {
            throw MethodError.invalidTarget(method: name, message: "the model has no layer '\(layer)'")
        }
        let input = network.inputShape
        var rows = (y, y), cols = (x, x)
        var i = index
        while i >= 0 {
            let current = network.layers[i]
            let inShape = i == 0 ? input : network.layerOutputShapes[i - 1]
            let window: ((Int, Int), (Int, Int), Padding)?
            switch current {
            case let conv as Conv2D: window = (conv.kernel, conv.stride, conv.padding)
            case let pool as MaxPool2D: window = (pool.window, pool.stride, pool.padding)
            case let pool as AvgPool2D: window = (pool.window, pool.stride, pool.padding)
            default: window = nil
            }
            if let (kernel, stride, padding) = window {
                guard inShape.count == 3 else { break }
                let g = try WindowGeometry(inputHeight: inShape[1], inputWidth: inShape[2], kernel: kernel, stride: stride, padding: padding)
                rows = (rows.0 * stride.0 - g.padTop, rows.1 * stride.0 - g.padTop + kernel.0 - 1)
                cols = (cols.0 * stride.1 - g.padLeft, cols.1 * stride.1 - g.padLeft + kernel.1 - 1)
            } else if !current.kind.isActivation, current.kind != .dropout {
                // dense, flatten, global pooling: every input position is seen.
                guard input.count == 3 else { break }
                return Box(top: 0, left: 0, height: input[1], width: input[2])
            }
            i -= 1
        }
        return Box(top: rows.0, left: cols.0, height: rows.1 - rows.0 + 1, width: cols.1 - cols.0 + 1)
    }

    /// Per image of a batch of activations [N, C, (H, W)]: each objective's value, and the best single
    /// position and its value.
    static func score(_ objective: FeatureVisualization.Objective, _ a: UnsafeBufferPointer<Float>, base: Int, shape: [Int])
        -> (value: Float, best: Float, position: (Int, Int)?) {
        let channels = shape[0]
        let (hh, ww) = shape.count == 3 ? (shape[1], shape[2]) : (1, 1)
        let positions = hh * ww
        func at(_ p: Int) -> Float {
            switch objective {
            case .channel(let k), .neuron(let k, _, _): return a[base + k * positions + p]
            case .direction(let v):
                var s: Float = 0
                for c in 0..<channels { s += v[c] * a[base + c * positions + p] }
                return s
            }
        }
        var sum: Float = 0, best = -Float.infinity, where_ = 0
        for p in 0..<positions {
            let value = at(p)
            sum += value
            if value > best { best = value; where_ = p }
        }
        if case let .neuron(_, y, x) = objective {
            let p = (y ?? (hh - 1) / 2) * ww + (x ?? (ww - 1) / 2)
            let value = at(p)
            return (value, value, shape.count == 3 ? (p / ww, p % ww) : nil)
        }
        return (sum / Float(positions), best, shape.count == 3 ? (where_ / ww, where_ % ww) : nil)
    }

    /// Keeps the `count` largest, largest first (ties: the earlier image first).
    static func insert(_ example: Example, into list: inout [Example], count: Int) {
        guard list.count < count || example.value > list[list.count - 1].value else { return }
        let at = list.firstIndex { example.value > $0.value } ?? list.count
        list.insert(example, at: at)
        if list.count > count { list.removeLast() }
    }

    /// The top `count` images and patches of each objective over `inputs` ([N] + input shape), in one
    /// pass of batches up to `layer`.
    public static func find(_ network: Sequential, inputs: Tensor, layer: String, objectives: [FeatureVisualization.Objective],
                            count: Int, batchSize: Int = 500, monitor: WorkMonitor = .none) throws -> [Found] {
        guard count > 0 else { throw MethodError.invalidOption(method: name, message: "count must be positive") }
        let check = FeatureVisualization(network, layer: layer, objectives: objectives)
        let (_, shape) = try check.validate()
        var images = [[Example]](repeating: [], count: objectives.count)
        var patches = [[Example]](repeating: [], count: objectives.count)
        let per = shape.reduce(1, *)
        try LayerActivations.forEachBatch(network, inputs: inputs, layer: layer, batchSize: batchSize, task: "dataset examples of \(layer)",
                                          monitor: monitor) { start, output in
            output.scalars.withUnsafeBufferPointer { a in
                for row in 0..<(output.shape.first ?? 0) {
                    for (o, objective) in objectives.enumerated() {
                        let s = score(objective, a, base: row * per, shape: shape)
                        insert(Example(index: start + row, value: s.value), into: &images[o], count: count)
                        insert(Example(index: start + row, value: s.best, position: s.position), into: &patches[o], count: count)
                    }
                }
            }
        }
        return try zip(images, patches).map { images, patches in
            Found(images: images, patches: try patches.map { example in
                var e = example
                e.box = try receptiveField(network, layer: layer, y: example.position?.y ?? 0, x: example.position?.x ?? 0)
                return e
            })
        }
    }

    /// The pixels of `box` in image `index` of `inputs` ([N, C, H, W]), zero outside the image:
    /// [C, box.height, box.width].
    public static func crop(_ inputs: Tensor, index: Int, box: Box) -> Tensor {
        let (channels, h, w) = (inputs.shape[1], inputs.shape[2], inputs.shape[3])
        var out = [Float](repeating: 0, count: channels * box.height * box.width)
        for c in 0..<channels {
            for r in 0..<box.height {
                for col in 0..<box.width {
                    let (y, x) = (box.top + r, box.left + col)
                    guard y >= 0, y < h, x >= 0, x < w else { continue }
                    out[(c * box.height + r) * box.width + col] = inputs.scalars[((index * channels + c) * h + y) * w + x]
                }
            }
        }
        return Tensor(shape: [channels, box.height, box.width], scalars: out)
    }
}
