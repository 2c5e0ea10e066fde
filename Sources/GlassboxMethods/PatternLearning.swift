import GlassboxEngine
import GlassboxModels

/// Learning the signal patterns of PatternNet and PatternAttribution (Kindermans et al. 2018) in one
/// batched pass over a dataset, and measuring how well they separate signal from distractor (ρ).
///
/// For every dense and conv layer, with x the layer's input (for a conv layer the patch under the
/// kernel at each position) and y_j = its output j, the pass gathers per unit and per regime
/// (y_j > 0, y_j ≤ 0) the count n, Σ y, Σ x and Σ x·y. For a conv layer Σ x·y is the layer's weight
/// gradient with y·1[regime] as the output gradient, and Σ x the one with 1[regime]: two products
/// per regime and batch. Then
///
///     cov_± = Σ x y / n − (Σ x / n)(Σ y / n),    a_± = cov_± / wⱼᵀ cov_±
///
/// (0 where a regime saw fewer than two values or wⱼᵀ cov_± = 0).
public enum PatternLearning {
    /// The default images per pass.
    public static let defaultBatchSize = 256

    /// The patterns of `network` from `images` ([N] + input shape), `batchSize` images per forward
    /// pass; the statistics are summed in Double, batch by batch in order.
    public static func learn(_ network: Sequential, images: Tensor, batchSize: Int = defaultBatchSize,
                             monitor: WorkMonitor = .none) throws -> SignalPatterns {
        let task = "learning patterns"
        guard images.rank == network.inputShape.count + 1, Array(images.shape.dropFirst()) == network.inputShape,
              images.shape[0] >= 2 else {
            throw MethodError.inputShape(method: "learnPatterns", expected: "[N] + \(network.inputShape) with N ≥ 2", got: images.shape)
        }
        guard batchSize >= 1 else {
            throw MethodError.invalidOption(method: "learnPatterns", message: "batchSize must be at least 1, got \(batchSize)")
        }
        let layers = SignalPatterns.patternLayers(of: network)
        guard !layers.isEmpty else {
            throw MethodError.unsupportedModel(method: "learnPatterns", message: "the model has no dense or conv layer to learn patterns for")
        }
        // Σ x·y and Σ x per regime (weight-shaped), Σ y and n per regime (per unit), in Double.
        let sizes = layers.map { $0.weight.value.count }
        let bytes = WorkingMemory.bytes(floats: 2 * 4 * sizes.reduce(0, +))   // Doubles count twice
        try MemoryBudget.shared.check(bytes, for: "the pattern statistics of \(layers.count) layers")
        var statistics = layers.map { RegimeStatistics(weightCount: $0.weight.value.count, units: $0.weight.value.shape[0]) }
        let n = images.shape[0]
        let rowSize = images.count / n
        let batch = Swift.min(batchSize, n)
        var first = 0
        while first < n {
            try monitor.cancellation.check()
            let count = Swift.min(batch, n - first)
            let chunk = Tensor(shape: [count] + network.inputShape,
                               scalars: Array(images.scalars[(first * rowSize)..<((first + count) * rowSize)]))
            let record = try network.forwardRecording(chunk, training: false)
            for (index, layer) in layers.enumerated() {
                guard let step = record.step(named: layer.name) else { continue }
                try statistics[index].add(step, layer: layer)
            }
            first += count
            monitor.progress(ProgressEvent(task: task, completed: first, total: n, finished: first == n))
        }
        let patterns = zip(layers, statistics).map { layer, stats in stats.patterns(layer) }
        return SignalPatterns(layers: patterns, images: n, fingerprint: SignalPatterns.fingerprint(of: network))
    }
}

/// The sums of one layer, per regime.
struct RegimeStatistics {
    var sumXY: [[Double]]      // [regime][weight index]
    var sumX: [[Double]]
    var sumY: [[Double]]       // [regime][unit]
    var count: [[Double]]

    init(weightCount: Int, units: Int) {
        sumXY = Array(repeating: [Double](repeating: 0, count: weightCount), count: 2)
        sumX = sumXY
        sumY = Array(repeating: [Double](repeating: 0, count: units), count: 2)
        count = sumY
    }

    /// Adds one batch's step of `layer` (its recorded input and output).
    mutating func add(_ step: LayerStep, layer: any LinearLayer) throws {
        let z = step.output
        let units = z.shape[1]
        let perUnit = z.count / (z.shape[0] * units)   // positions per unit (1 for dense)
        for regime in 0..<2 {
            let positive = regime == 0
            let gate = z.map { (($0 > 0) == positive) ? 1 : 0 }
            let gated = try z.multiplying(gate)
            let xy: Tensor, x: Tensor
            if let conv = layer as? Conv2D {
                // Uniform sums: the patterns, and so the maps, are the same bits on any core count and machine.
                xy = try Convolution2D.weightGradient(outputGradient: gated, input: step.input, weightShape: conv.weightShape,
                                                      stride: conv.stride, padding: conv.padding, uniform: true)
                x = try Convolution2D.weightGradient(outputGradient: gate, input: step.input, weightShape: conv.weightShape,
                                                     stride: conv.stride, padding: conv.padding, uniform: true)
            } else {
                xy = try MatrixProduct.matmul(gated, step.input, transposeA: true)
                x = try MatrixProduct.matmul(gate, step.input, transposeA: true)
            }
            for i in 0..<xy.count {
                sumXY[regime][i] += Double(xy.scalars[i])
                sumX[regime][i] += Double(x.scalars[i])
            }
            z.scalars.withUnsafeBufferPointer { pz in
                for image in 0..<z.shape[0] {
                    for unit in 0..<units {
                        let base = (image * units + unit) * perUnit
                        var s = 0.0, c = 0.0
                        for p in base..<(base + perUnit) where (pz[p] > 0) == positive {
                            s += Double(pz[p])
                            c += 1
                        }
                        sumY[regime][unit] += s
                        count[regime][unit] += c
                    }
                }
            }
        }
    }

    /// a₊ and a₋ from the sums.
    func patterns(_ layer: any LinearLayer) -> LayerPattern {
        let w = layer.weight.value
        let units = w.shape[0]
        let fan = w.count / units
        var result: [[Float]] = []
        for regime in 0..<2 {
            var a = [Float](repeating: 0, count: w.count)
            for unit in 0..<units {
                let n = count[regime][unit]
                guard n >= 2 else { continue }
                let meanY = sumY[regime][unit] / n
                var cov = [Double](repeating: 0, count: fan)
                var denominator = 0.0
                for i in 0..<fan {
                    let k = unit * fan + i
                    cov[i] = sumXY[regime][k] / n - (sumX[regime][k] / n) * meanY
                    denominator += Double(w.scalars[k]) * cov[i]
                }
                guard denominator != 0, denominator.isFinite else { continue }
                for i in 0..<fan { a[unit * fan + i] = Float(cov[i] / denominator) }
            }
            result.append(a)
        }
        let positives = count[0].reduce(0, +), all = positives + count[1].reduce(0, +)
        return LayerPattern(layer: layer.name, positive: Tensor(shape: w.shape, scalars: result[0]),
                            negative: Tensor(shape: w.shape, scalars: result[1]), positiveShare: all > 0 ? positives / all : 0)
    }
}
