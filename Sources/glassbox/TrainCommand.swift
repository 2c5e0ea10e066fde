import ArgumentParser
import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxModels
#if canImport(Glibc)
import Glibc
#endif

/// `glassbox train NAME`: trains a zoo model on MNIST (or cluttered MNIST) with the reference's
/// recipe and writes a safetensors model file.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a zoo model and write it as a safetensors model file.",
        discussion: "Zoo models: \(ModelZoo.names.joined(separator: ", ")). Chapter aliases such as chapter-3.4 work too.")

    @Argument(help: "The zoo model to train, e.g. mlp-a or cnn-max-b.")
    var name: String

    @Option(help: "Epochs (default: the reference recipe's).")
    var epochs: Int?

    @Option(name: .customLong("batch-size"), help: "Images per batch (default: the recipe's, 100).")
    var batchSize: Int?

    @Option(help: "Seed for weights, shuffling and dropout.")
    var seed: UInt64 = 1

    @Option(help: "Train on only the first N training images.")
    var limit: Int?

    @Option(help: "Directory holding the four MNIST IDX files (default: $GLASSBOX_DATA/mnist, then the user cache, then download).")
    var data: String?

    @Option(help: "Where to write the model (default: NAME.safetensors in the user model cache, ~/.cache/glassbox/models, where the kernel's zoo loader finds it).")
    var out: String?

    @Flag(help: "Store the weights as float16 (half the size).")
    var f16 = false

    @Option(help: "For gan-g / gan-d: the trained mlp-a model file whose 100-unit code the generator inverts (default: mlp-a from the model store).")
    var classifier: String?

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
    }

    func run() throws {
        try NumericLibraryCheck.require(command: "train")
        let entry: ZooEntry
        do { entry = try ModelZoo.entry(named: name) } catch { throw ValidationError("\(error)") }
        var recipe = entry.recipe
        if let epochs { recipe.epochs = epochs }
        if let batchSize { recipe.batchSize = batchSize }
        if recipe.objective == .adversarial {
            try trainGAN(recipe: recipe)
            return
        }

        let sets = try TrainingDataSets.load(recipe.dataset, directory: data)
        var train = sets.train
        if let limit, limit < train.count { train = try train[0..<limit] }

        let model = try entry.architecture.build(seed: seed)
        let trainer = Trainer(model: model, optimizer: recipe.optimizer.makeOptimizer(),
                              configuration: TrainingConfiguration(recipe: recipe, seed: seed))
        let printer = TrainingProgressPrinter()
        emit("training \(entry.name) (\(entry.architecture.parameterCount) parameters) on \(train.count) \(recipe.dataset.rawValue) images: "
              + "\(recipe.epochs) epochs, batch \(recipe.batchSize), \(recipe.optimizer.summary)"
              + (recipe.centreBatches ? ", per-batch centring" : "") + (recipe.shuffle ? "" : ", sequential batches"))
        let interrupt = InterruptHandler()
        let history: [EpochSummary]
        do {
            history = try trainer.train(on: train, monitor: WorkMonitor(cancellation: interrupt.token, progress: printer.report))
        } catch is CancellationError {
            printer.finishLine()
            throw CommandFailure("interrupted after \(trainer.epochsCompleted) complete epochs; nothing written")
        }
        let test = try Trainer.evaluate(model, on: sets.test, monitor: WorkMonitor(cancellation: interrupt.token))
        emit(String(format: "test accuracy %.4f  loss %.5f  (%d images)", test.accuracy, test.loss, test.count))

        let info = TrainingInfo(
            dataset: recipe.dataset.rawValue, epochs: recipe.epochs, batchSize: recipe.batchSize, seed: seed,
            optimizer: recipe.optimizer.summary, centredBatches: recipe.centreBatches, trainingImages: train.count,
            finalTrainLoss: history.last?.loss, finalTrainAccuracy: history.last?.accuracy,
            testLoss: test.loss, testAccuracy: test.accuracy, date: ISO8601DateFormatter().string(from: Date()),
            history: history.enumerated().map { TrainingInfo.EpochLog(epoch: $0.offset + 1, loss: $0.element.loss,
                                                                       accuracy: $0.element.accuracy, seconds: $0.element.seconds) })
        let url = try outputURL(for: entry.name)
        try ModelFile.save(model, architecture: entry.architecture, info: info, to: url, dtype: f16 ? .f16 : .f32)
        emit("wrote \(url.path)")
    }
}

extension TrainCommand {
    /// `--out`, or NAME.safetensors in the user model cache (created if needed).
    func outputURL(for name: String) throws -> URL {
        if let out { return URL(fileURLWithPath: out) }
        let directory = ModelStore.userCacheDirectory()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("\(name).safetensors")
    }

    /// Chapter 1.3: trains gan-g and gan-d together against a frozen mlp-a and writes both files
    /// (`--out` names the file of the model asked for; the other goes beside it).
    func trainGAN(recipe: TrainingRecipe) throws {
        let classifierModel: LoadedModel
        if let classifier {
            classifierModel = try ModelFile.load(from: URL(fileURLWithPath: classifier))
        } else {
            classifierModel = try ModelStore().load("mlp-a")
        }
        let generatorEntry = try ModelZoo.entry(named: "gan-g"), discriminatorEntry = try ModelZoo.entry(named: "gan-d")
        let trainer = try GANTrainer(generator: try generatorEntry.architecture.build(seed: seed),
                                     discriminator: try discriminatorEntry.architecture.build(seed: seed &+ 1),
                                     classifier: classifierModel.model, codeLayer: "relu2", seed: seed)
        var train = try TrainingDataSets.load(.mnist, directory: data).train
        if let limit, limit < train.count { train = try train[0..<limit] }
        emit("training gan-g and gan-d against \(classifierModel.architecture.name)'s relu2 code on \(train.count) images: "
             + "\(recipe.epochs) epochs, batch \(recipe.batchSize), two \(recipe.optimizer.summary)")
        let printer = TrainingProgressPrinter()
        let interrupt = InterruptHandler()
        let history: [GANEpochSummary]
        do {
            history = try trainer.train(on: train, epochs: recipe.epochs, batchSize: recipe.batchSize,
                                        monitor: WorkMonitor(cancellation: interrupt.token, progress: printer.report))
        } catch is CancellationError {
            printer.finishLine()
            throw CommandFailure("interrupted after \(trainer.epochsCompleted) complete epochs; nothing written")
        }
        let info = TrainingInfo(dataset: "mnist", epochs: recipe.epochs, batchSize: recipe.batchSize, seed: seed,
                                optimizer: recipe.optimizer.summary, centredBatches: false, trainingImages: train.count,
                                finalTrainLoss: history.last?.generatorLoss,
                                date: ISO8601DateFormatter().string(from: Date()),
                                history: history.map { TrainingInfo.EpochLog(epoch: $0.epoch, loss: $0.generatorLoss,
                                                                             discriminatorLoss: $0.discriminatorLoss, seconds: $0.seconds) })
        let asked = try ModelZoo.entry(named: name).name
        let askedURL = try outputURL(for: asked)
        let otherName = asked == "gan-g" ? "gan-d" : "gan-g"
        let otherURL = askedURL.deletingLastPathComponent().appendingPathComponent("\(otherName).safetensors")
        for (entry, model) in [(generatorEntry, trainer.generator), (discriminatorEntry, trainer.discriminator)] {
            let url = entry.name == asked ? askedURL : otherURL
            try ModelFile.save(model, architecture: entry.architecture, info: info, to: url, dtype: f16 ? .f16 : .f32)
            emit("wrote \(url.path)")
        }
    }
}

/// The train and test splits a recipe's data set names.
enum TrainingDataSets {
    static func load(_ dataset: TrainingRecipe.Dataset, directory: String?) throws -> (train: LabelledImages, test: LabelledImages) {
        let locator = MNISTLocator(explicitDirectory: directory.map { URL(fileURLWithPath: $0, isDirectory: true) })
        let mnist = try MNIST.load(locator: locator)
        switch dataset {
        case .mnist:
            return (mnist.train, mnist.test)
        case .cluttered:
            let cluttered = try ClutteredMNIST.generate(from: mnist)
            return (cluttered.train, cluttered.test)
        }
    }
}

/// Turns SIGINT (Ctrl-C) into a cancellation request, so training stops after the current batch.
final class InterruptHandler: @unchecked Sendable {
    let token = CancellationToken()
    private let source: DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue.global())
        let token = self.token
        source.setEventHandler { token.cancel() }
        source.resume()
    }

    deinit {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}

/// Writes a line to standard output unbuffered, so that progress lines appear at once even in a pipe.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// A command failure reported as "Error: <message>" without the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Shows training progress: a bar on stderr redrawn with carriage returns when stderr is a
/// terminal (nothing per batch otherwise), and one plain line per finished epoch on stdout.
final class TrainingProgressPrinter: @unchecked Sendable {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var lineOpen = false
    /// When the current epoch started: construction time for the first, the previous epoch's end after.
    private var taskStart: Date? = Date()

    var report: @Sendable (ProgressEvent) -> Void {
        { [self] event in self.handle(event) }
    }

    private func handle(_ event: ProgressEvent) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        if taskStart == nil { taskStart = now }
        if event.finished {
            if isTerminal && lineOpen {
                FileHandle.standardError.write(Data(("\r\u{1B}[K").utf8))
                lineOpen = false
            }
            let metrics = event.metrics.map { "\($0.name) " + String(format: "%.5f", $0.value) }.joined(separator: "  ")
            let seconds = taskStart.map { String(format: "  (%.1f s)", now.timeIntervalSince($0)) } ?? ""
            taskStart = now
            emit("\(event.task)  \(metrics)\(seconds)")
            return
        }
        guard isTerminal else { return }
        guard now.timeIntervalSince(lastDraw) > 0.1 || event.completed == event.total else { return }
        lastDraw = now
        let width = 30
        let filled = event.total > 0 ? width * event.completed / event.total : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let metrics = event.metrics.map { "\($0.name) " + String(format: "%.4f", $0.value) }.joined(separator: "  ")
        FileHandle.standardError.write(Data("\r\(event.task) [\(bar)] \(event.completed)/\(event.total)  \(metrics)\u{1B}[K".utf8))
        lineOpen = true
    }

    /// Ends an open progress line.
    func finishLine() {
        lock.lock()
        defer { lock.unlock() }
        if lineOpen { FileHandle.standardError.write(Data("\n".utf8)) }
        lineOpen = false
    }
}
