import Foundation
import GlassboxData
import GlassboxEngine

/// Settings of a classifier training run.
public struct TrainingConfiguration: Sendable, Equatable {
    public var epochs: Int
    public var batchSize: Int
    /// Seeds the shuffling and the dropout masks (the weights are seeded by `Architecture.build`).
    public var seed: UInt64
    /// Subtract each batch's own per-pixel mean image before the forward pass.
    public var centreBatches: Bool
    /// Visit the training set in a fresh seeded permutation every epoch; otherwise in file order.
    public var shuffle: Bool

    public init(epochs: Int = 15, batchSize: Int = 100, seed: UInt64 = 0, centreBatches: Bool = false, shuffle: Bool = true) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
        self.centreBatches = centreBatches
        self.shuffle = shuffle
    }

    /// The configuration of a zoo recipe, with the seed given.
    public init(recipe: TrainingRecipe, seed: UInt64) {
        self.init(epochs: recipe.epochs, batchSize: recipe.batchSize, seed: seed,
                  centreBatches: recipe.centreBatches, shuffle: recipe.shuffle)
    }
}

/// Loss and accuracy of one training epoch, as the reference prints them: means of the per-batch
/// values (with dropout active).
public struct EpochSummary: Sendable, Equatable {
    /// 1-based epoch number over the trainer's lifetime.
    public var epoch: Int
    public var loss: Double
    public var accuracy: Double
    public var batches: Int
    public var seconds: Double
}

/// Loss and accuracy of a model on a data set (dropout off).
public struct Evaluation: Sendable, Equatable {
    /// Mean cross-entropy per image.
    public var loss: Double
    /// Fraction of images whose largest logit is their label.
    public var accuracy: Double
    public var count: Int
}

/// Trains a classifier with softmax cross-entropy on mini-batches.
///
/// Reproducible: the same model initialisation, configuration and data give bit-identical weights.
/// Cancellation is checked before every batch; a cancelled run throws `CancellationError` after
/// the last complete optimiser step, so the model stays consistent and usable.
public final class Trainer {
    public let model: Sequential
    public private(set) var optimizer: any Optimizer
    public let configuration: TrainingConfiguration
    /// Epochs completed so far.
    public private(set) var epochsCompleted = 0
    private var shuffleRandom: SeededRandom
    private var dropoutRandom: SeededRandom

    public init(model: Sequential, optimizer: any Optimizer = Adam(), configuration: TrainingConfiguration = .init()) {
        self.model = model
        self.optimizer = optimizer
        self.configuration = configuration
        shuffleRandom = SeededRandom(seed: configuration.seed ^ 0x5348_5546_464C_4500)
        dropoutRandom = SeededRandom(seed: configuration.seed ^ 0x4452_4F50_4F55_5400)
    }

    /// Thrown when the data cannot train this model.
    public struct DataMismatch: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `configuration.epochs` epochs over `data`, reporting each batch and epoch to `monitor`.
    @discardableResult
    public func train(on data: LabelledImages, monitor: WorkMonitor = .none) throws -> [EpochSummary] {
        let example = [1, data.height, data.width]
        guard model.inputShape.reduce(1, *) == example.reduce(1, *) else {
            throw DataMismatch(description: "model '\(model.layers.first?.name ?? "?")…' takes inputs of shape \(model.inputShape), the data has images \(example)")
        }
        guard data.count > 0 else { throw DataMismatch(description: "no training images") }
        guard configuration.batchSize > 0, configuration.epochs >= 0 else {
            throw DataMismatch(description: "batch size must be positive and epochs non-negative, got \(configuration.batchSize) and \(configuration.epochs)")
        }
        let batchCount = (data.count + configuration.batchSize - 1) / configuration.batchSize
        var summaries: [EpochSummary] = []
        for _ in 0..<configuration.epochs {
            let epoch = epochsCompleted + 1
            let task = "epoch \(epoch)/\(configuration.epochs)"
            let started = Date()
            var order = Array(0..<data.count)
            if configuration.shuffle { order.shuffle(using: &shuffleRandom) }
            var lossSum = 0.0, accuracySum = 0.0
            for batch in 0..<batchCount {
                try monitor.cancellation.check()
                let indices = Array(order[batch * configuration.batchSize ..< min((batch + 1) * configuration.batchSize, data.count)])
                let (loss, correct) = try step(try data.selecting(indices))
                lossSum += Double(loss)
                accuracySum += Double(correct) / Double(indices.count)
                monitor.progress(ProgressEvent(task: task, completed: batch + 1, total: batchCount, metrics: [
                    .init("loss", lossSum / Double(batch + 1)), .init("accuracy", accuracySum / Double(batch + 1)),
                ]))
            }
            epochsCompleted += 1
            let summary = EpochSummary(epoch: epoch, loss: lossSum / Double(batchCount),
                                       accuracy: accuracySum / Double(batchCount), batches: batchCount,
                                       seconds: Date().timeIntervalSince(started))
            summaries.append(summary)
            monitor.progress(ProgressEvent(task: task, completed: batchCount, total: batchCount, metrics: [
                .init("loss", summary.loss), .init("accuracy", summary.accuracy),
            ], finished: true))
        }
        return summaries
    }

    /// One optimiser step on one batch; returns the batch loss and the number correct.
    public func step(_ batch: LabelledImages) throws -> (loss: Float, correct: Int) {
        guard batch.pixelsPerImage == model.inputShape.reduce(1, *) else {
            throw DataMismatch(description: "the model takes inputs of shape \(model.inputShape), the batch has \(batch.height)×\(batch.width) images")
        }
        var images = batch.images
        if configuration.centreBatches { images = Self.centred(images) }
        images = images.reshaped([batch.count] + model.inputShape)
        let record = try model.forwardRecording(images, training: true, rng: &dropoutRandom)
        let logits = record.steps.last?.output ?? images
        guard logits.rank == 2 else {
            throw DataMismatch(description: "the model's output is not [N, classes]; a classifier must end in logits")
        }
        let result = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: batch.labels)
        model.zeroGradients()
        try model.accumulateParameterGradients(record, outputGradient: result.gradient)
        optimizer.step(model.parameters)
        return (result.loss, result.correct)
    }

    /// `images` with each pixel's mean over the batch subtracted.
    public static func centred(_ images: Tensor) -> Tensor {
        let count = images.shape.first ?? 0
        guard count > 0 else { return images }
        let stride = images.count / count
        var values = images.scalars
        var mean = [Float](repeating: 0, count: stride)
        values.withUnsafeMutableBufferPointer { v in
            mean.withUnsafeMutableBufferPointer { m in
                for n in 0..<count {
                    for i in 0..<stride { m[i] += v[n * stride + i] }
                }
                let scale = 1 / Float(count)
                for i in 0..<stride { m[i] *= scale }
                for n in 0..<count {
                    for i in 0..<stride { v[n * stride + i] -= m[i] }
                }
            }
        }
        return Tensor(shape: images.shape, scalars: values)
    }

    /// Loss and accuracy of `model` on `data`, in batches, dropout off. Checks cancellation between
    /// batches and reports progress as task "evaluate".
    public static func evaluate(_ model: Sequential, on data: LabelledImages, batchSize: Int = 500,
                                monitor: WorkMonitor = .none) throws -> Evaluation {
        guard batchSize > 0 else { throw DataMismatch(description: "batch size must be positive, got \(batchSize)") }
        guard data.count > 0 else { throw DataMismatch(description: "no images to evaluate") }
        guard model.inputShape.reduce(1, *) == data.pixelsPerImage else {
            throw DataMismatch(description: "the model takes inputs of shape \(model.inputShape), the data has \(data.height)×\(data.width) images")
        }
        var lossSum = 0.0
        var correct = 0
        let batchCount = (data.count + batchSize - 1) / batchSize
        for batch in 0..<batchCount {
            try monitor.cancellation.check()
            let part = try data[batch * batchSize ..< min((batch + 1) * batchSize, data.count)]
            let logits = try model.forward(part.images.reshaped([part.count] + model.inputShape))
            let result = try SoftmaxCrossEntropy.evaluate(logits: logits, labels: part.labels)
            lossSum += Double(result.loss) * Double(part.count)
            correct += result.correct
            monitor.progress(ProgressEvent(task: "evaluate", completed: batch + 1, total: batchCount,
                                           finished: batch + 1 == batchCount))
        }
        return Evaluation(loss: lossSum / Double(data.count), accuracy: Double(correct) / Double(data.count), count: data.count)
    }
}
