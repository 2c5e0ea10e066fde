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
    /// The per-epoch record of the training run (files written before it was kept have none).
    public var history: [EpochLog]?

    /// One epoch of a training run: the mean per-batch losses (and accuracy) as the reference prints
    /// them. A classifier has `loss` and `accuracy`; the chapter-1.3 GAN has `loss` (the
    /// generator's) and `discriminatorLoss`.
    public struct EpochLog: Codable, Sendable, Equatable {
        public var epoch: Int
        public var loss: Double
        public var accuracy: Double?
        public var discriminatorLoss: Double?
        public var seconds: Double?

        public init(epoch: Int, loss: Double, accuracy: Double? = nil, discriminatorLoss: Double? = nil, seconds: Double? = nil) {
            self.epoch = epoch
            self.loss = loss
            self.accuracy = accuracy
            self.discriminatorLoss = discriminatorLoss
            self.seconds = seconds
        }
    }

    public init(dataset: String, epochs: Int, batchSize: Int, seed: UInt64, optimizer: String, centredBatches: Bool,
                trainingImages: Int, finalTrainLoss: Double? = nil, finalTrainAccuracy: Double? = nil,
                testLoss: Double? = nil, testAccuracy: Double? = nil, date: String? = nil, history: [EpochLog]? = nil) {
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
        self.history = history
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
///
/// Loading validates every key it reads: the architecture must build; `format`, when present, must
/// be `pt`; `glassbox.name` and `glassbox.parameters`, when present, must agree with the architecture;
/// `glassbox.training`, when present, must be a valid training record. Other metadata keys are
/// ignored on purpose (other tools may add their own).
public enum ModelFile {
    public static let architectureKey = "glassbox.architecture"
    public static let trainingKey = "glassbox.training"
    public static let nameKey = "glassbox.name"
    public static let parametersKey = "glassbox.parameters"
    public static let formatKey = "format"
    /// The only tensor layout Glassbox model files use.
    public static let format = "pt"

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
            nameKey: architecture.name,
            parametersKey: String(architecture.parameterCount),
            formatKey: format,
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

    /// Reads a model file and rebuilds its network. The header is checked against the architecture
    /// before the data buffer, so a tensor missing from the header is named as missing.
    public static func load(from url: URL) throws -> LoadedModel {
        let data = try SafetensorsFile.readBytes(of: url)
        let header = try SafetensorsFile.header(of: data, source: url.path)
        let (architecture, model) = try rebuild(metadata: header.metadata, source: url.path)
        let present = Set(header.names)
        for parameter in model.parameters where !present.contains(parameter.name) {
            throw missing(parameter, source: url.path)
        }
        let file = try SafetensorsFile.decode(data, header: header, source: url.path)
        return try finish(file, architecture: architecture, model: model, source: url.path)
    }

    /// Rebuilds the network described by safetensors contents; `source` names them in errors.
    public static func load(_ file: SafetensorsFile, source: String) throws -> LoadedModel {
        let (architecture, model) = try rebuild(metadata: file.metadata, source: source)
        return try finish(file, architecture: architecture, model: model, source: source)
    }

    private static func finish(_ file: SafetensorsFile, architecture: Architecture, model: Sequential,
                               source: String) throws -> LoadedModel {
        try assign(file, to: model, source: source)
        return LoadedModel(architecture: architecture, model: model, info: try trainingInfo(file.metadata, source: source))
    }

    private static func missing(_ parameter: Parameter, source: String) -> SafetensorsError {
        SafetensorsError(file: source, tensor: parameter.name, reason: "missing: the architecture needs it with shape \(parameter.value.shape)")
    }

    /// The architecture in `metadata` and a network built from it, after checking the metadata the
    /// loader relies on.
    static func rebuild(metadata: [String: String], source: String) throws -> (Architecture, Sequential) {
        func fail(_ reason: String) -> SafetensorsError { SafetensorsError(file: source, reason: reason) }
        guard let json = metadata[architectureKey] else {
            throw fail("no '\(architectureKey)' metadata, so this is not a Glassbox model file (a plain safetensors file can be loaded into a zoo architecture with `ModelFile.assign`)")
        }
        if let stored = metadata[formatKey], stored != format {
            throw fail("metadata '\(formatKey)' is \(quoted(stored)), but Glassbox model files store PyTorch layouts ('\(format)')")
        }
        let architecture: Architecture
        do {
            architecture = try Architecture.fromJSON(json)
        } catch {
            throw fail("the '\(architectureKey)' metadata is not a valid architecture (\(error))")
        }
        if let name = metadata[nameKey], name != architecture.name {
            throw fail("metadata '\(nameKey)' is \(quoted(name)), but the stored architecture is '\(architecture.name)'")
        }
        if let count = metadata[parametersKey] {
            guard let value = Int(count), value >= 0, String(value) == count else {
                throw fail("metadata '\(parametersKey)' is \(quoted(count)), not a count of parameters")
            }
            guard value == architecture.parameterCount else {
                throw fail("metadata '\(parametersKey)' says \(value) parameters, but architecture '\(architecture.name)' has \(architecture.parameterCount)")
            }
        }
        let model: Sequential
        do {
            model = try architecture.build(seed: 0)
        } catch {
            throw fail("the stored architecture does not hold together: \(error)")
        }
        return (architecture, model)
    }

    /// The training record, if the file has one; a record that does not decode is an error.
    static func trainingInfo(_ metadata: [String: String], source: String) throws -> TrainingInfo? {
        guard let training = metadata[trainingKey] else { return nil }
        do {
            return try JSONDecoder().decode(TrainingInfo.self, from: Data(training.utf8))
        } catch {
            throw SafetensorsError(file: source, reason: "metadata '\(trainingKey)' is not a valid training record (\(describe(error)))")
        }
    }

    /// A metadata value in an error message: quoted, and cut short when long.
    static func quoted(_ value: String) -> String {
        let shown = value.count > 60 ? value.prefix(60) + "…" : Substring(value)
        return "'" + shown.replacingOccurrences(of: "\n", with: "\\n") + "'"
    }

    /// A decoding error in a few words (which field, what is wrong).
    private static func describe(_ error: Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).joined(separator: ".")
            return keys.isEmpty ? "" : "field '\(keys)': "
        }
        switch decoding {
        case .keyNotFound(let key, let context): return "\(path(context))missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return path(context) + context.debugDescription
        @unknown default: return "\(error)"
        }
    }

    /// Copies every parameter of `model` from the tensor of the same name; throws naming the file and
    /// tensor when one is missing, has another shape, or is not a parameter of the model.
    public static func assign(_ file: SafetensorsFile, to model: Sequential, source: String) throws {
        let parameters = model.parameters
        for parameter in parameters {
            guard let tensor = file.tensor(named: parameter.name) else { throw missing(parameter, source: source) }
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
