import Foundation
import GlassboxEngine

/// What a model file records about how its weights were obtained.
public struct TrainingInfo: Codable, Sendable, Equatable {
    public var dataset: String
    public var epochs: Int
    public var batchSize: Int
    public var seed: UInt64
    public var optimizer: String
    public var centredBatches: Bool
    /// Training images used (after `--limit`).
    public var trainingImages: Int
    /// Mean per-batch training loss and accuracy of the last epoch.
    public var finalTrainLoss: Double?
    public var finalTrainAccuracy: Double?
    /// Loss and accuracy on the test split, if measured.
    public var testLoss: Double?
    public var testAccuracy: Double?
    /// ISO 8601 time the file was written.
    public var date: String?

    public init(dataset: String, epochs: Int, batchSize: Int, seed: UInt64, optimizer: String, centredBatches: Bool,
                trainingImages: Int, finalTrainLoss: Double? = nil, finalTrainAccuracy: Double? = nil,
                testLoss: Double? = nil, testAccuracy: Double? = nil, date: String? = nil) {
        self.dataset = dataset
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
        self.optimizer = optimizer
        self.centredBatches = centredBatches
        self.trainingImages = trainingImages
        self.finalTrainLoss = finalTrainLoss
        self.finalTrainAccuracy = finalTrainAccuracy
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
        self.date = date
    }
}

/// A network together with the architecture that rebuilds it and its training record.
public struct LoadedModel {
    public var architecture: Architecture
    public var model: Sequential
    public var info: TrainingInfo?
}

/// Glassbox model files: safetensors whose `__metadata__` holds the architecture, so that the file
/// alone rebuilds the model.
///
/// Metadata keys: `glassbox.architecture` (JSON of `Architecture`), `glassbox.training` (JSON of
/// `TrainingInfo`, optional), `glassbox.name`, `glassbox.parameters`, and `format` = `pt` (the
/// tensors use PyTorch layouts: dense `[out, in]`, conv `[out, in, kh, kw]`, NCHW flatten order).
/// Tensors are named `<layer>.weight` / `<layer>.bias`.
public enum ModelFile {
    public static let architectureKey = "glassbox.architecture"
    public static let trainingKey = "glassbox.training"

    /// The safetensors contents for `model` (whose layers must match `architecture`).
    public static func contents(of model: Sequential, architecture: Architecture, info: TrainingInfo?,
                                dtype: SafetensorsDType = .f32) throws -> SafetensorsFile {
        let expected = architecture.parameterShapes
        let parameters = model.parameters
        guard expected.map(\.name) == parameters.map(\.name),
              zip(expected, parameters).allSatisfy({ $0.shape == $1.value.shape }) else {
            throw ArchitectureError(reason: "the model's parameters \(parameters.map { "\($0.name)\($0.value.shape)" }) do not match architecture '\(architecture.name)'")
        }
        var metadata = [
            architectureKey: try architecture.jsonString(),
            "glassbox.name": architecture.name,
            "glassbox.parameters": String(architecture.parameterCount),
            "format": "pt",
        ]
        if let info {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            metadata[trainingKey] = String(decoding: try encoder.encode(info), as: UTF8.self)
        }
        return SafetensorsFile(entries: parameters.map { .init(name: $0.name, tensor: $0.value, dtype: dtype) },
                               metadata: metadata)
    }

    /// Writes `model` atomically to `url`.
    public static func save(_ model: Sequential, architecture: Architecture, info: TrainingInfo?, to url: URL,
                            dtype: SafetensorsDType = .f32) throws {
        try contents(of: model, architecture: architecture, info: info, dtype: dtype).write(to: url)
    }

    /// Reads a model file and rebuilds its network.
    public static func load(from url: URL) throws -> LoadedModel {
        try load(try SafetensorsFile.read(from: url), source: url.path)
    }

    /// Rebuilds the network described by safetensors contents; `source` names them in errors.
    public static func load(_ file: SafetensorsFile, source: String) throws -> LoadedModel {
        guard let json = file.metadata[architectureKey] else {
            throw SafetensorsError(file: source, reason: "no '\(architectureKey)' metadata, so this is not a Glassbox model file (a plain safetensors file can be loaded into a zoo architecture with `ModelFile.assign`)")
        }
        let architecture: Architecture
        do {
            architecture = try Architecture.fromJSON(json)
        } catch {
            throw SafetensorsError(file: source, reason: "the '\(architectureKey)' metadata is not a valid architecture (\(error))")
        }
        let model: Sequential
        do {
            model = try architecture.build(seed: 0)
        } catch {
            throw SafetensorsError(file: source, reason: "the stored architecture does not hold together: \(error)")
        }
        try assign(file, to: model, source: source)
        var info: TrainingInfo?
        if let training = file.metadata[trainingKey] {
            info = try? JSONDecoder().decode(TrainingInfo.self, from: Data(training.utf8))
        }
        return LoadedModel(architecture: architecture, model: model, info: info)
    }

    /// Copies every parameter of `model` from the tensor of the same name; throws naming the file and
    /// tensor when one is missing, has another shape, or is not a parameter of the model.
    public static func assign(_ file: SafetensorsFile, to model: Sequential, source: String) throws {
        let parameters = model.parameters
        for parameter in parameters {
            guard let tensor = file.tensor(named: parameter.name) else {
                throw SafetensorsError(file: source, tensor: parameter.name, reason: "missing: the architecture needs it with shape \(parameter.value.shape)")
            }
            guard tensor.shape == parameter.value.shape else {
                throw SafetensorsError(file: source, tensor: parameter.name, reason: "has shape \(tensor.shape) but the architecture needs \(parameter.value.shape)")
            }
        }
        let known = Set(parameters.map(\.name))
        if let extra = file.names.first(where: { !known.contains($0) }) {
            throw SafetensorsError(file: source, tensor: extra, reason: "is not a parameter of the model")
        }
        for parameter in parameters {
            parameter.value = file.tensor(named: parameter.name)!
            parameter.zeroGradient()
        }
    }
}
