import ArgumentParser
import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxModels

/// `glassbox evaluate FILE`: loads a model file and reports its test accuracy and loss.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Report a model file's architecture, training record and test accuracy.")

    @Argument(help: "A safetensors model file written by `glassbox train`.")
    var file: String

    @Option(help: "Directory holding the four MNIST IDX files (default: $GLASSBOX_DATA/mnist, then the user cache, then download).")
    var data: String?

    func run() throws {
        try NumericLibraryCheck.require(command: "evaluate")
        let loaded = try ModelFile.load(from: URL(fileURLWithPath: file))
        let architecture = loaded.architecture
        emit("\(architecture.name): \(architecture.layers.count) layers, \(architecture.parameterCount) parameters, input \(architecture.inputShape)")
        if let info = loaded.info {
            var line = "trained on \(info.trainingImages) \(info.dataset) images, \(info.epochs) epochs, batch \(info.batchSize), seed \(info.seed), \(info.optimizer)"
            if info.centredBatches { line += ", per-batch centring" }
            emit(line)
        }
        let dataset: TrainingRecipe.Dataset = architecture.inputShape == [1, 40, 40] ? .cluttered : .mnist
        guard architecture.inputShape == [1, 28, 28] || dataset == .cluttered else {
            throw CommandFailure("\(architecture.name) takes inputs of shape \(architecture.inputShape), not MNIST images; it cannot be evaluated on a test split")
        }
        guard (try? architecture.outputShape()) == [10] else {
            throw CommandFailure("\(architecture.name) does not output 10 class logits; it cannot be evaluated as a classifier")
        }
        let sets = try TrainingDataSets.load(dataset, directory: data)
        let interrupt = InterruptHandler()
        let evaluation = try Trainer.evaluate(loaded.model, on: sets.test, monitor: WorkMonitor(cancellation: interrupt.token))
        emit(String(format: "test accuracy %.4f  loss %.5f  (%d ", evaluation.accuracy, evaluation.loss, evaluation.count)
              + "\(dataset.rawValue) test images)")
    }
}
