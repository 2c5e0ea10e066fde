import GlassboxEngine
import GlassboxModels

/// A network together with the scalar being explained, and the batched gradient passes every
/// gradient-based method is built on.
///
/// The network's last layer must produce logits [N, classes] (no softmax layer at the end): the
/// explained output (`ExplainedOutput`) is applied on top of them, by seeding the backward walk
/// at the logits with ∂f/∂S. Work is done in chunks of at most `batchSize` images per
/// forward/backward pass.
public struct ExplainedModel {
    /// The network.
    public let network: Sequential
    /// The scalar explained for each image and target class.
    public var output: ExplainedOutput
    /// The most images (path points, noisy copies…) sent through the network in one pass.
    public var batchSize: Int

    /// Wraps `network`; throws when its output is not a vector of logits or `batchSize` < 1.
    /// The default of 128 rows per pass is Captum's usual internal batch; on CNN-MAX-B explanation
    /// passes cost about the same per image at 64, 128 and 256 rows (bench/engine_bench.sh with
    /// BENCH_EXPLAIN=1), and 128 halves the per-pass overheads of 64.
    public init(_ network: Sequential, output: ExplainedOutput = .logit, batchSize: Int = 128) throws {
        guard network.outputShape.count == 1, network.outputShape[0] > 0 else {
            throw MethodError.unsupportedModel(
                method: "explain", message: "the model's last layer should output [N, classes] logits, it outputs [N] + \(network.outputShape)")
        }
        if let last = network.layers.last, last.kind == "softmax" || last.kind == "logsoftmax" {
            throw MethodError.unsupportedModel(
                method: "explain",
                message: "the model ends with a \(last.kind) layer ('\(last.name)'); explain its logits instead (drop that layer) and choose output: .probability")
        }
        guard batchSize >= 1 else {
            throw MethodError.invalidOption(method: "explain", message: "batch size must be at least 1, got \(batchSize)")
        }
        self.network = network
        self.output = output
        self.batchSize = batchSize
    }

    /// The number of classes (logits).
    public var classCount: Int { network.outputShape[0] }

    /// Throws unless `inputs` is a non-empty batch [N] + the model's input shape of finite values.
    func checkInputs(_ inputs: Tensor, method: String) throws {
        guard inputs.rank == network.inputShape.count + 1, Array(inputs.shape.dropFirst()) == network.inputShape,
              inputs.shape[0] > 0 else {
            throw MethodError.inputShape(method: method, expected: "[N] + \(network.inputShape) with N ≥ 1", got: inputs.shape)
        }
        if let bad = inputs.scalars.firstIndex(where: { !$0.isFinite }) {
            throw MethodError.invalidOption(method: method, message: "input value \(bad) is \(inputs.scalars[bad]), not a finite number")
        }
    }

    /// Turns `target` into one index per image (a class, or a channel of `layer`), checking ranges;
    /// `.predicted` runs the inputs forward to find the arg-max classes.
    func resolve(_ target: Target, inputs: Tensor, method: String, monitor: WorkMonitor = .none) throws -> ResolvedTargets {
        let n = inputs.shape[0]
        func checked(_ indices: [Int], limit: Int, what: String, layer: String?) throws -> ResolvedTargets {
            guard indices.count == n else {
                throw MethodError.invalidTarget(method: method, message: "\(indices.count) \(what)s for a batch of \(n) images")
            }
            if let bad = indices.firstIndex(where: { $0 < 0 || $0 >= limit }) {
                throw MethodError.invalidTarget(method: method,
                                                message: "\(what) \(indices[bad]) for image \(bad) is outside 0..<\(limit)")
            }
            return ResolvedTargets(indices: indices, layer: layer)
        }
        switch target {
        case .predicted:
            var predicted: [Int] = []
            predicted.reserveCapacity(n)
            for start in stride(from: 0, to: n, by: batchSize) {
                try monitor.cancellation.check()
                let logits = try network.forward(inputs.rows(start..<Swift.min(n, start + batchSize)))
                predicted += try logits.argmax(alongAxis: 1)
            }
            return ResolvedTargets(indices: predicted, layer: nil)
        case let .classes(classes):
            return try checked(classes, limit: classCount, what: "class", layer: nil)
        case let .class(c):
            return try checked([Int](repeating: c, count: n), limit: classCount, what: "class", layer: nil)
        case let .channel(k, layer):
            return try checked([Int](repeating: k, count: n), limit: try channelCount(of: layer, method: method),
                               what: "channel", layer: layer)
        case let .channels(ks, layer):
            return try checked(ks, limit: try channelCount(of: layer, method: method), what: "channel", layer: layer)
        }
    }

    /// The number of channels (or units) of `layer`'s output.
    func channelCount(of layer: String, method: String) throws -> Int {
        guard let index = network.layers.firstIndex(where: { $0.name == layer }) else {
            throw MethodError.invalidTarget(method: method, message: "no layer named '\(layer)' in the model")
        }
        guard let channels = network.layerOutputShapes[index].first, channels > 0 else {
            throw MethodError.invalidTarget(method: method, message: "layer '\(layer)' has no channels")
        }
        return channels
    }

    /// One forward and one backward pass over `batch`: the signal at the input (the gradient of f
    /// under `rules`) and f for each row, row i explaining `targets[i]` (of `layer`, or the logits).
    func pass(_ batch: Tensor, targets: [Int], layer: String?, rules: RuleSet) throws -> (signal: Tensor, outputs: [Float]) {
        let record = try network.forwardRecording(batch, training: false)
        let (seed, outputs) = try seedAndOutputs(record: record, targets: targets, layer: layer)
        let signal = try network.backward(record, seed: seed, rules: rules, startAt: layer).inputSignal
        return (signal, outputs)
    }

    /// f for each row of `batch` (forward passes only, chunked).
    func outputs(_ batch: Tensor, targets: ResolvedTargets, monitor: WorkMonitor = .none) throws -> [Float] {
        let n = batch.shape[0]
        var values: [Float] = []
        values.reserveCapacity(n)
        for start in stride(from: 0, to: n, by: batchSize) {
            try monitor.cancellation.check()
            let range = start..<Swift.min(n, start + batchSize)
            let record = try network.forwardRecording(batch.rows(range), training: false)
            values += try seedAndOutputs(record: record, targets: Array(targets.indices[range]), layer: targets.layer).outputs
        }
        return values
    }

    /// The signal at the input and f for every image of `inputs`, in chunks of `batchSize` images.
    func signals(_ inputs: Tensor, targets: ResolvedTargets, rules: RuleSet, task: String,
                 monitor: WorkMonitor) throws -> (signal: Tensor, outputs: [Float]) {
        let n = inputs.shape[0], per = inputs.valuesPerRow
        var scalars = [Float](repeating: 0, count: inputs.count)
        var outputs = [Float](repeating: 0, count: n)
        try inputs.scalars.withUnsafeBufferPointer { x in
            try streamPasses(rows: n, targets: { targets.indices[$0] }, layer: targets.layer, rules: rules, task: task,
                             monitor: monitor, fill: { range, chunk in
                _ = chunk.initialize(from: x[(range.lowerBound * per)..<(range.upperBound * per)])
            }, accumulate: { range, signal, values in
                scalars.withUnsafeMutableBufferPointer { out in
                    _ = UnsafeMutableBufferPointer(rebasing: out[(range.lowerBound * per)..<(range.upperBound * per)])
                        .initialize(from: signal)
                }
                outputs.replaceSubrange(range, with: values)
            })
        }
        return (Tensor(shape: inputs.shape, scalars: scalars), outputs)
    }

    /// Forward and backward passes over `rows` rows of inputs that `fill` writes, in chunks of
    /// `batchSize` rows; row r explains `targets(r)` under `rules`. Up to `ConcurrentWorkers.width`
    /// chunks run at once, each pass on its own core, when the machine allows it. `fill(range,
    /// buffer)` writes the inputs of rows `range`, and `accumulate(range, signal, outputs)` receives
    /// each chunk's input signal and f values. Both are called on the calling thread in row order,
    /// so seeded noise drawn in `fill` and sums formed in `accumulate` do not depend on the number of
    /// cores. Checks for cancellation and reports progress between groups of chunks.
    func streamPasses(rows: Int, targets: (Int) -> Int, layer: String?, rules: RuleSet, task: String, monitor: WorkMonitor,
                      fill: (Range<Int>, UnsafeMutableBufferPointer<Float>) -> Void,
                      accumulate: (Range<Int>, UnsafeBufferPointer<Float>, [Float]) -> Void) throws {
        let per = network.inputShape.reduce(1, *)
        let group = ConcurrentWorkers.isAvailable ? ConcurrentWorkers.width : 1
        var done = 0
        while done < rows {
            try monitor.cancellation.check()
            var ranges: [Range<Int>] = []
            var start = done
            while start < rows && ranges.count < group {
                ranges.append(start..<Swift.min(rows, start + batchSize))
                start += batchSize
            }
            let batches = ranges.map { range in
                var chunk = [Float](repeating: 0, count: range.count * per)
                chunk.withUnsafeMutableBufferPointer { fill(range, $0) }
                return (inputs: Tensor(shape: [range.count] + network.inputShape, scalars: chunk), targets: range.map(targets))
            }
            var results = [(signal: Tensor, outputs: [Float])?](repeating: nil, count: ranges.count)
            try results.withUnsafeMutableBufferPointer { slots in
                // Each job writes only its own slot.
                nonisolated(unsafe) let slots = slots
                try ConcurrentWorkers.run(batches.count) { i in
                    slots[i] = try pass(batches[i].inputs, targets: batches[i].targets, layer: layer, rules: rules)
                }
            }
            for (range, result) in zip(ranges, results) {
                guard let result else { continue }
                result.signal.scalars.withUnsafeBufferPointer { accumulate(range, $0, result.outputs) }
            }
            done = ranges[ranges.count - 1].upperBound
            monitor.progress(ProgressEvent(task: task, completed: done, total: rows, finished: done == rows))
        }
    }

    /// The backward seed ∂f/∂(start layer output) and f per row.
    private func seedAndOutputs(record: ForwardRecord, targets: [Int], layer: String?) throws -> (seed: Tensor, outputs: [Float]) {
        if let layer {
            let activation = try record.output(of: layer)
            let rows = activation.shape[0]
            let channels = activation.shape.count > 1 ? activation.shape[1] : 1
            let spatial = rows == 0 || channels == 0 ? 0 : activation.count / (rows * channels)
            var seed = [Float](repeating: 0, count: activation.count)
            var outputs = [Float](repeating: 0, count: rows)
            activation.scalars.withUnsafeBufferPointer { a in
                for i in 0..<rows {
                    let base = (i * channels + targets[i]) * spatial
                    var total = 0.0
                    for j in base..<(base + spatial) {
                        seed[j] = 1
                        total += Double(a[j])
                    }
                    outputs[i] = Float(total)
                }
            }
            return (Tensor(shape: activation.shape, scalars: seed), outputs)
        }
        let logits = record.output
        let rows = logits.shape[0], classes = logits.shape[1]
        var seed = [Float](repeating: 0, count: logits.count)
        var outputs = [Float](repeating: 0, count: rows)
        logits.scalars.withUnsafeBufferPointer { s in
            for i in 0..<rows {
                let row = i * classes
                let c = targets[i]
                switch output {
                case .logit:
                    seed[row + c] = 1
                    outputs[i] = s[row + c]
                case .reluLogit:
                    let score = s[row + c]
                    seed[row + c] = score > 0 ? 1 : 0
                    outputs[i] = Swift.max(score, 0)
                case .allLogitsSum:
                    var total = 0.0
                    for j in 0..<classes {
                        seed[row + j] = 1
                        total += Double(s[row + j])
                    }
                    outputs[i] = Float(total)
                case .probability:
                    var largest = -Double.infinity
                    for j in 0..<classes { largest = Swift.max(largest, Double(s[row + j])) }
                    var p = [Double](repeating: 0, count: classes)
                    var total = 0.0
                    for j in 0..<classes {
                        p[j] = _exp(Double(s[row + j]) - largest)
                        total += p[j]
                    }
                    for j in 0..<classes { p[j] /= total }
                    for j in 0..<classes { seed[row + j] = Float(p[c] * ((j == c ? 1 : 0) - p[j])) }
                    outputs[i] = Float(p[c])
                }
            }
        }
        return (Tensor(shape: logits.shape, scalars: seed), outputs)
    }
}

/// Targets resolved to one index per image: a class of the logits, or a channel of `layer`.
struct ResolvedTargets {
    var indices: [Int]
    var layer: String?

    /// Each index repeated `times` times in place (for path points or noisy copies of an image).
    func repeated(_ times: Int) -> ResolvedTargets {
        ResolvedTargets(indices: indices.flatMap { [Int](repeating: $0, count: times) }, layer: layer)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#else
import Darwin
@inline(__always) func _exp(_ x: Double) -> Double { Darwin.exp(x) }
#endif
