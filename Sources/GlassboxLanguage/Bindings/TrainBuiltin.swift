import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxModels

/// `train(…)`: trains a zoo architecture (or continues training a model) with progress and interrupts.
enum TrainBuiltin {
    static var all: [Builtin] { [train] }

    static let train = Builtin(
        name: "train",
        parameters: [
            BuiltinParameter(nil, name: "architecture", type: "String or Model",
                             doc: "a zoo name such as \"mlp-a\" (fresh weights), or a Model to train further"),
            BuiltinParameter("on", type: "Dataset or ImageBatch", doc: "the training images: a Dataset's train split, or a labelled batch"),
            BuiltinParameter("epochs", type: "Int", default: .nil, doc: "passes over the data; nil = the zoo recipe's (15 for MNIST)"),
            BuiltinParameter("batchSize", type: "Int", default: .nil, doc: "images per optimiser step; nil = the recipe's (100)"),
            BuiltinParameter("seed", type: "Int", default: .int(0), doc: "seeds the initial weights, the shuffling and dropout"),
            BuiltinParameter("limit", type: "Int", default: .nil, doc: "train on only the first `limit` images (quick experiments)"),
            BuiltinParameter("learningRate", type: "Double", default: .nil, doc: "the optimiser's learning rate; nil = the recipe's (Adam, 0.001)"),
        ],
        returns: "Model",
        summary: "Trains a classifier with softmax cross-entropy, showing a progress bar that updates in place.",
        details: "Follows the zoo recipe of the architecture (Adam, batches of 100, reshuffled every epoch, per-batch "
            + "centring for the models that use it) unless arguments override it. The same seed gives the same weights. "
            + "An interrupt stops training before the next batch: the model keeps the weights of the last completed step, "
            + "is returned and stays usable (its history says where it stopped). Training a Model again continues from its "
            + "weights with a fresh optimiser.",
        example: "let mnist = dataset(\"mnist\")\nlet net = train(\"mlp-a\", on: mnist, epochs: 1, seed: 0)\nplot(net.history)"
    ) { args, context in
        let data = try args.imageBatch("on", datasetSplit: "train")
        let seed = try args.seed("seed")
        let model: ModelValue
        let recipe: TrainingRecipe
        switch args.value("architecture") {
        case .string(let name):
            let entry = try ModelBuiltins.zooEntry(name, function: "train", args: args, argument: "architecture")
            guard entry.recipe.objective == .classifier else {
                throw args.error(.value, "architecture", "'\(entry.name)' is part of the chapter-1.3 GAN and is trained adversarially, not as a classifier")
            }
            let network = try BindingErrors.translating("train") { try entry.architecture.build(seed: seed) }
            model = ModelValue(ModelHandle(architecture: entry.architecture, network: network, recipe: entry.recipe,
                                           info: nil, origin: "trained here"))
            recipe = entry.recipe
        case .object(let existing as ModelValue):
            model = existing
            recipe = existing.handle.recipe ?? .mnistClassifier
        case let other:
            throw args.error(.type, "architecture", "must be a zoo name (String) or a Model, got \(other.typeName) \(other.repr.prefix(40))")
        }
        try ModelBuiltins.checkImages(data, fit: model, function: "train", argument: "on", args: args)
        var labelled = try data.labelled(for: "train")
        if let limit = try args.optionalInt("limit") {
            guard limit > 0 else { throw args.error(.value, "limit", "must be a positive number of images, got \(limit)") }
            labelled = try BindingErrors.translating("train") { try labelled[0..<min(limit, labelled.count)] }
        }
        guard labelled.count > 0 else { throw args.error(.value, "on", "has no images") }
        let epochs = try args.optionalInt("epochs") ?? recipe.epochs
        guard epochs >= 1 else { throw args.error(.value, "epochs", "must be at least 1, got \(epochs)") }
        let batchSize = try args.optionalInt("batchSize") ?? recipe.batchSize
        guard batchSize >= 1 else { throw args.error(.value, "batchSize", "must be positive, got \(batchSize)") }
        var optimizer = recipe.optimizer
        if let rate = try args.optionalDouble("learningRate") {
            guard rate > 0, rate.isFinite else { throw args.error(.value, "learningRate", "must be a positive number, got \(ScriptValue.format(rate))") }
            switch optimizer {
            case .adam(_, let b1, let b2, let eps): optimizer = .adam(learningRate: Float(rate), beta1: b1, beta2: b2, epsilon: eps)
            case .sgd(_, let momentum): optimizer = .sgd(learningRate: Float(rate), momentum: momentum)
            }
        }
        let configuration = TrainingConfiguration(epochs: epochs, batchSize: batchSize, seed: seed,
                                                  centreBatches: recipe.centreBatches, shuffle: recipe.shuffle)
        let trainer = Trainer(model: model.handle.network, optimizer: optimizer.makeOptimizer(), configuration: configuration)
        let tracker = EpochTracker(firstEpoch: model.handle.epochs.count + 1, totalEpochs: epochs, modelName: model.name)
        let inner = context.workMonitor()
        let monitor = WorkMonitor(cancellation: inner.cancellation) { event in inner.progress(tracker.observe(event)) }
        model.handle.recordInterruption(nil)
        do {
            let summaries = try trainer.train(on: labelled, monitor: monitor)
            for (offset, summary) in summaries.enumerated() {
                model.handle.recordEpoch(EpochRecord(summary, epoch: tracker.firstEpoch + offset))
            }
        } catch is CancellationError {
            for summary in tracker.completed { model.handle.recordEpoch(summary) }
            let partial = tracker.partial
            model.handle.recordInterruption(partial)
            let where_ = partial.map { "in epoch \($0.epoch) after \($0.batches)/\($0.of) batches" } ?? "before the first batch"
            context.host.write("train: interrupted \(where_); the model keeps the weights of the last completed step and is usable "
                               + "(\(tracker.completed.count) full epoch\(tracker.completed.count == 1 ? "" : "s") recorded in its history).\n",
                               to: .stderr)
        } catch let error as Trainer.DataMismatch {
            throw ScriptError(.value, "train: \(error.description)")
        } catch {
            throw try BindingErrors.translating("train") { throw error }
        }
        let last = model.handle.epochs.last
        model.handle.recordInfo(TrainingInfo(
            dataset: data.origin, epochs: model.handle.epochs.count, batchSize: batchSize, seed: seed,
            optimizer: optimizer.summary, centredBatches: recipe.centreBatches, trainingImages: labelled.count,
            finalTrainLoss: last?.loss, finalTrainAccuracy: last?.accuracy,
            date: ISO8601DateFormatter().string(from: Date())))
        return .object(model)
    }
}

/// Follows the trainer's progress events: renames the task to "train <model> · epoch e/E" and keeps
/// the summaries of completed epochs and the position in the current one (for interrupts).
final class EpochTracker: @unchecked Sendable {
    let firstEpoch: Int
    let totalEpochs: Int
    let modelName: String
    private let lock = NSLock()
    private var _completed: [EpochRecord] = []
    private var _partial: (epoch: Int, batches: Int, of: Int)?
    private var epochStart = Date()

    init(firstEpoch: Int, totalEpochs: Int, modelName: String) {
        self.firstEpoch = firstEpoch
        self.totalEpochs = totalEpochs
        self.modelName = modelName
    }

    var completed: [EpochRecord] { lock.withLock { _completed } }
    var partial: (epoch: Int, batches: Int, of: Int)? { lock.withLock { _partial } }

    func observe(_ event: ProgressEvent) -> ProgressEvent {
        lock.withLock {
            let local = _completed.count + 1
            let epoch = firstEpoch + local - 1
            var renamed = event
            renamed.task = "train \(modelName) · epoch \(local)/\(totalEpochs)"
            if event.finished {
                let metric = { (name: String) in event.metrics.first { $0.name == name }?.value ?? .nan }
                _completed.append(EpochRecord(epoch: epoch, loss: metric("loss"), accuracy: metric("accuracy"),
                                               batches: event.total, seconds: Date().timeIntervalSince(epochStart)))
                _partial = nil
                epochStart = Date()
            } else {
                _partial = (epoch, event.completed, event.total)
            }
            return renamed
        }
    }
}
