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

    /// The rows per pass when none are asked for: 128, Captum's usual internal batch. On CNN-MAX-B
    /// explanation passes cost about the same per image at 64, 128 and 256 rows
    /// (bench/engine_bench.sh with BENCH_EXPLAIN=1), and 128 halves the per-pass overheads of 64.
    public static let defaultBatchSize = 128

    /// Wraps `network`; throws when its output is not a vector of logits or `batchSize` < 1.
    public init(_ network: Sequential, output: ExplainedOutput = .logit, batchSize: Int = ExplainedModel.defaultBatchSize) throws {
        guard network.outputShape.count == 1, network.outputShape[0] > 0 else {
            throw MethodError.unsupportedModel(
                method: "explain", message: "the model's last layer should output [N, classes] logits, it outputs [N] + \(network.outputShape)")
        }
        if let last = network.layers.last, last.kind == .softmax || last.kind == .logsoftmax {
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
        if let layer = target.layer, output != .logit {
            throw MethodError.invalidOption(
                method: method,
                message: "the explained output '\(output.rawValue)' is a function of the logits; a channel of layer '\(layer)' is explained as the sum of that channel, so leave the output at 'logit'")
        }
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
            let batchSize = try rowsPerPass(group: 1, withReference: false)
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

    /// Throws unless `plan` can run on this model: every layer has a rule that fits it, and the seed
    /// fits the explained output and the reference.
    func check(_ plan: BackwardPlan, method: String) throws {
        do {
            try plan.rules.check(network.layers)
        } catch let error as LayerError {
            throw MethodError.unsupportedModel(method: method, message: error.description)
        }
        if plan.seed == .multipliers {
            guard plan.reference != nil else {
                throw MethodError.invalidOption(method: method, message: "DeepLIFT multipliers need a reference input")
            }
            guard output != .probability else {
                throw MethodError.invalidOption(
                    method: method,
                    message: "the softmax probability has no DeepLIFT rule here; explain output \"logit\" or \"reluLogit\"")
            }
        }
    }

    /// One forward and one backward pass over `batch` (and, for DeepLIFT, over `reference`, one
    /// reference row per row): the signal at the input and f for each row, row i explaining
    /// `targets[i]` (of `layer`, or the logits).
    func pass(_ batch: Tensor, reference: Tensor?, targets: [Int], layer: String?,
              plan: BackwardPlan) throws -> (signal: Tensor, outputs: [Float]) {
        let record = try network.forwardRecording(batch, training: false)
        let referenceRecord = try reference.map { try network.forwardRecording($0, training: false) }
        let (seed, outputs) = try seedAndOutputs(record: record, reference: referenceRecord, targets: targets, layer: layer,
                                                 seed: plan.seed)
        let signal = try network.backward(record, seed: seed, rules: plan.rules, startAt: layer, reference: referenceRecord)
            .inputSignal
        return (signal, outputs)
    }

    /// f for each row of `batch` (forward passes only, chunked).
    func outputs(_ batch: Tensor, targets: ResolvedTargets, monitor: WorkMonitor = .none) throws -> [Float] {
        let n = batch.shape[0]
        let batchSize = try rowsPerPass(group: 1, withReference: false)
        var values: [Float] = []
        values.reserveCapacity(n)
        for start in stride(from: 0, to: n, by: batchSize) {
            try monitor.cancellation.check()
            let range = start..<Swift.min(n, start + batchSize)
            let record = try network.forwardRecording(batch.rows(range), training: false)
            values += try seedAndOutputs(record: record, reference: nil, targets: Array(targets.indices[range]),
                                         layer: targets.layer, seed: .gradient).outputs
        }
        return values
    }

    /// The signal at the input and f for every image of `inputs` (with one reference image per
    /// image for DeepLIFT), in chunks of `batchSize` images.
    func backwardPasses(_ inputs: Tensor, references: Tensor?, targets: ResolvedTargets, plan: BackwardPlan, task: String,
                        monitor: WorkMonitor) throws -> (signal: Tensor, outputs: [Float]) {
        let n = inputs.shape[0], per = inputs.valuesPerRow
        var scalars = [Float](repeating: 0, count: inputs.count)
        var outputs = [Float](repeating: 0, count: n)
        func copyRows(_ source: Tensor) -> (Range<Int>, UnsafeMutableBufferPointer<Float>) -> Void {
            { range, chunk in
                source.scalars.withUnsafeBufferPointer { x in
                    _ = chunk.initialize(from: x[(range.lowerBound * per)..<(range.upperBound * per)])
                }
            }
        }
        try streamPasses(rows: n, targets: { targets.indices[$0] }, layer: targets.layer, plan: plan, task: task,
                         monitor: monitor, fill: copyRows(inputs), fillReference: references.map(copyRows),
                         accumulate: { range, signal, values in
            scalars.withUnsafeMutableBufferPointer { out in
                _ = UnsafeMutableBufferPointer(rebasing: out[(range.lowerBound * per)..<(range.upperBound * per)])
                    .initialize(from: signal)
            }
            outputs.replaceSubrange(range, with: values)
        })
        return (Tensor(shape: inputs.shape, scalars: scalars), outputs)
    }

    /// Forward and backward passes over `rows` rows of inputs that `fill` writes, in chunks of
    /// `batchSize` rows; row r explains `targets(r)` under `plan`. Up to `ConcurrentWorkers.width`
    /// chunks run at once, each pass on its own core, when the machine allows it. `fill(range,
    /// buffer)` writes the inputs of rows `range` (and `fillReference` their reference rows, for
    /// DeepLIFT), and `accumulate(range, signal, outputs)` receives each chunk's input signal and f
    /// values. Both are called on the calling thread in row order, so seeded noise drawn in `fill`
    /// and sums formed in `accumulate` do not depend on the number of cores. Checks the plan against
    /// the model first, then for cancellation and reports progress between groups of chunks.
    func streamPasses(rows: Int, targets: (Int) -> Int, layer: String?, plan: BackwardPlan, task: String, monitor: WorkMonitor,
                      fill: (Range<Int>, UnsafeMutableBufferPointer<Float>) -> Void,
                      fillReference: ((Range<Int>, UnsafeMutableBufferPointer<Float>) -> Void)? = nil,
                      accumulate: (Range<Int>, UnsafeBufferPointer<Float>, [Float]) -> Void) throws {
        try check(plan, method: task)
        if plan.seed == .multipliers, fillReference == nil {
            throw MethodError.invalidOption(method: task, message: "DeepLIFT multipliers need a reference input")
        }
        let per = network.inputShape.reduce(1, *)
        let group = ConcurrentWorkers.isAvailable ? ConcurrentWorkers.width : 1
        let batchSize = try rowsPerPass(group: group, withReference: fillReference != nil)
        func chunk(_ range: Range<Int>, _ write: (Range<Int>, UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
            var values = [Float](repeating: 0, count: range.count * per)
            values.withUnsafeMutableBufferPointer { write(range, $0) }
            return Tensor(shape: [range.count] + network.inputShape, scalars: values)
        }
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
                (inputs: chunk(range, fill), references: fillReference.map { chunk(range, $0) }, targets: range.map(targets))
            }
            var results = [(signal: Tensor, outputs: [Float])?](repeating: nil, count: ranges.count)
            try results.withUnsafeMutableBufferPointer { slots in
                // Each job writes only its own slot.
                nonisolated(unsafe) let slots = slots
                try ConcurrentWorkers.run(batches.count) { i in
                    slots[i] = try pass(batches[i].inputs, reference: batches[i].references, targets: batches[i].targets,
                                        layer: layer, plan: plan)
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

    /// The bytes one row costs in a forward and backward pass: its input, every layer's output in
    /// the record, the backward signals and scratch (counted twice), and the reference record.
    func bytesPerPassRow(withReference: Bool) -> Int {
        let values = network.inputShape.reduce(1, *) + network.layerOutputShapes.reduce(0) { $0 + $1.reduce(1, *) }
        return 4 * values * 2 * (withReference ? 2 : 1)
    }

    /// `batchSize`, shrunk so that `group` passes side by side fit in the memory budget; throws
    /// `MemoryExhausted` when not even one row does.
    func rowsPerPass(group: Int, withReference: Bool) throws -> Int {
        let perRow = bytesPerPassRow(withReference: withReference) * group
        let fit = MemoryBudget.shared.rowsThatFit(bytesPerRow: perRow)
        guard fit >= 1 else {
            throw MemoryExhausted(what: "an explanation pass of one row", needed: perRow, inUse: MemoryBudget.shared.inUse,
                                  limit: MemoryBudget.shared.limit)
        }
        return Swift.min(batchSize, fit)
    }

    /// The backward seed at the start layer's output and f per row. `.gradient` seeds ∂f/∂S (or
    /// ones on a layer channel), `.relevance` places f itself at the target (or the channel's own
    /// activations), `.multipliers` seeds DeepLIFT's Δf/ΔS_c from the reference record.
    func seedAndOutputs(record: ForwardRecord, reference: ForwardRecord?, targets: [Int], layer: String?,
                        seed kind: Seed) throws -> (seed: Tensor, outputs: [Float]) {
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
                        seed[j] = kind == .relevance ? a[j] : 1
                        total += Double(a[j])
                    }
                    outputs[i] = Float(total)
                }
            }
            return (Tensor(shape: activation.shape, scalars: seed), outputs)
        }
        return seedAndOutputs(logits: record.output, referenceLogits: reference?.output, targets: targets, seed: kind)
    }

    /// f for each row of `logits` ([N, classes]), row i explaining class `targets[i]`.
    func explainedValues(logits: Tensor, targets: [Int]) -> [Float] {
        seedAndOutputs(logits: logits, referenceLogits: nil, targets: targets, seed: .gradient).outputs
    }

    /// The seed at the logits and f per row (see `seedAndOutputs(record:…)`).
    func seedAndOutputs(logits: Tensor, referenceLogits: Tensor?, targets: [Int], seed kind: Seed) -> (seed: Tensor, outputs: [Float]) {
        let rows = logits.shape[0], classes = logits.shape[1]
        var seed = [Float](repeating: 0, count: logits.count)
        var outputs = [Float](repeating: 0, count: rows)
        logits.scalars.withUnsafeBufferPointer { s in
            for i in 0..<rows {
                let row = i * classes
                let c = targets[i]
                let score = s[row + c]
                switch output {
                case .logit:
                    seed[row + c] = kind == .relevance ? score : 1
                    outputs[i] = score
                case .reluLogit:
                    let value = Swift.max(score, 0)
                    switch kind {
                    case .gradient: seed[row + c] = score > 0 ? 1 : 0
                    case .relevance: seed[row + c] = value
                    case .multipliers:
                        // Rescale at the output ReLU: Δf/ΔS_c, or its gradient where ΔS_c vanishes.
                        let reference = referenceLogits.map { $0.scalars[row + c] } ?? 0
                        let delta = score - reference
                        seed[row + c] = abs(delta) >= 1e-7 ? (value - Swift.max(reference, 0)) / delta : (score > 0 ? 1 : 0)
                    }
                    outputs[i] = value
                case .allLogits:
                    var total = 0.0
                    for j in 0..<classes {
                        seed[row + j] = kind == .relevance ? s[row + j] : 1
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
                    if kind == .relevance {
                        seed[row + c] = Float(p[c])
                    } else {
                        for j in 0..<classes { seed[row + j] = Float(p[c] * ((j == c ? 1 : 0) - p[j])) }
                    }
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
