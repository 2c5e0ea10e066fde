import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxMethods
import GlassboxModels

/// The random-label models of the data-randomisation metric: a model's architecture trained with
/// its zoo recipe on its dataset's training images with permuted labels. The last two are kept
/// (keyed by architecture and training), so scoring several methods, or running the cell again,
/// trains once.
enum RandomLabelModels {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var kept: [(key: String, network: Sequential)] = []

    /// `data` gives the training split (by default the recipe's dataset, loaded as `dataset()` does).
    static func network(for handle: ModelHandle, _ training: RandomLabelTraining, monitor: WorkMonitor,
                        data: ((TrainingRecipe.Dataset) throws -> LabelledImages)? = nil) throws -> Sequential {
        let recipe = handle.recipe ?? .mnistClassifier
        let key = "\(handle.architecture.name)|\(recipe.dataset.rawValue)|\(training)"
        lock.lock()
        let found = kept.first { $0.key == key }?.network
        lock.unlock()
        // A copy, so that a caller changing it cannot change what is kept.
        if let found { return try copy(found, architecture: handle.architecture) }

        let split = try (data ?? trainingImages)(recipe.dataset)
        let count = min(training.images, split.count)
        let images = try split[0..<count]
        let labelled = try LabelledImages(rows: images.rows, labels: training.permuted(images.labels))
        let network = try handle.architecture.build(seed: training.seed)
        let configuration = TrainingConfiguration(epochs: training.epochs, batchSize: recipe.batchSize, seed: training.seed,
                                                  centreBatches: recipe.centreBatches, shuffle: recipe.shuffle)
        let trainer = Trainer(model: network, optimizer: recipe.optimizer.makeOptimizer(), configuration: configuration)
        let task = "train \(handle.architecture.name) on permuted labels"
        let renamed = WorkMonitor(cancellation: monitor.cancellation) { event in
            var event = event
            event.task = task
            monitor.progress(event)
        }
        _ = try trainer.train(on: labelled, monitor: renamed)
        lock.lock()
        kept.removeAll { $0.key == key }
        kept.append((key, network))
        if kept.count > 2 { kept.removeFirst(kept.count - 2) }
        lock.unlock()
        return try copy(network, architecture: handle.architecture)
    }

    /// The training split of the dataset a recipe trains on (loaded, or taken from the dataset cache).
    static func trainingImages(_ dataset: TrainingRecipe.Dataset) throws -> LabelledImages {
        let mnist = try DatasetBuiltins.loadMNIST(path: nil, download: true)
        switch dataset {
        case .mnist:
            return try mnist.train.labelled(for: "dataRandomisation")
        case .cluttered:
            let value = try DatasetCache.shared.value(for: "cluttered||0") {
                try BindingErrors.translating("dataRandomisation") {
                    guard let source = mnist.mnist else { throw ScriptError(.runtime, "dataRandomisation: MNIST is not loaded") }
                    return DatasetValue(cluttered: try ClutteredMNIST.generate(from: source, configuration: .init(seed: 0)),
                                        note: "generated from MNIST with seed 0")
                }
            }
            return try value.train.labelled(for: "dataRandomisation")
        }
    }

    private static func copy(_ network: Sequential, architecture: Architecture) throws -> Sequential {
        let fresh = try architecture.build(seed: 0)
        for (source, destination) in zip(network.parameters, fresh.parameters) { destination.value = source.value }
        return fresh
    }
}
