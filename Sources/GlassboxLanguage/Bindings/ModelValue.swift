import Foundation
import GlassboxFigures
import GlassboxModels

/// A network with its architecture and what is known about its training. A reference type: training
/// a model again (`train(net, on: …)`) changes it for every variable that holds it.
///
/// The network is only used by the thread running the cell; the lock guards the bookkeeping.
public final class ModelHandle: @unchecked Sendable {
    public let architecture: Architecture
    public let network: Sequential
    /// The zoo entry's training recipe, when the architecture is a zoo model.
    public let recipe: TrainingRecipe?
    private let lock = NSLock()
    private var _epochs: [EpochRecord] = []
    private var _interrupted: (epoch: Int, batches: Int, of: Int)?
    private var _info: TrainingInfo?
    private var _evaluation: (accuracy: Double, loss: Double, data: String)?
    /// Where the weights came from: "trained", "file …", "bundled …".
    public let origin: String

    public init(architecture: Architecture, network: Sequential, recipe: TrainingRecipe?, info: TrainingInfo?, origin: String) {
        self.architecture = architecture
        self.network = network
        self.recipe = recipe
        self._info = info
        self.origin = origin
        if let accuracy = info?.testAccuracy, let loss = info?.testLoss {
            _evaluation = (accuracy, loss, info?.dataset ?? "test")
        }
    }

    /// Completed epochs of training in this session.
    public var epochs: [EpochRecord] { lock.withLock { _epochs } }
    /// The training record (from the file, or of the training in this session).
    public var info: TrainingInfo? { lock.withLock { _info } }
    /// The last evaluation on a test split.
    public var evaluation: (accuracy: Double, loss: Double, data: String)? { lock.withLock { _evaluation } }
    /// Set when the last training run was interrupted.
    public var interrupted: (epoch: Int, batches: Int, of: Int)? { lock.withLock { _interrupted } }

    func recordEpoch(_ summary: EpochRecord) { lock.withLock { _epochs.append(summary) } }
    func recordInterruption(_ value: (epoch: Int, batches: Int, of: Int)?) { lock.withLock { _interrupted = value } }
    func recordInfo(_ info: TrainingInfo) { lock.withLock { _info = info } }
    func recordEvaluation(_ evaluation: Evaluation, data: String) {
        lock.withLock { _evaluation = (evaluation.accuracy, evaluation.loss, data) }
    }
}

/// A model as a value of the language: `.name`, `.layers` (a table), `.parameterCount`, `.history`,
/// `.accuracy`, `.inputShape`, `.outputShape`; displayed as its layer table.
public struct ModelValue: ScriptObject {
    public let handle: ModelHandle

    public init(_ handle: ModelHandle) { self.handle = handle }

    public var name: String { handle.architecture.name }

    public var typeName: String { "Model" }
    public var propertyNames: [String] {
        ["name", "layers", "parameterCount", "history", "accuracy", "inputShape", "outputShape", "layerNames", "origin", "summary"]
    }

    public func property(_ property: String) throws -> ScriptValue? {
        switch property {
        case "name": return .string(name)
        case "layers": return .object(TableValue(try layerTable()))
        case "layerNames": return .list(handle.network.layers.map { .string($0.name) })
        case "parameterCount": return .int(handle.architecture.parameterCount)
        case "history": return .object(history)
        case "accuracy": return handle.evaluation.map { .double($0.accuracy) } ?? .nil
        case "inputShape": return .list(handle.network.inputShape.map { .int($0) })
        case "outputShape": return .list(handle.network.outputShape.map { .int($0) })
        case "origin": return .string(handle.origin)
        case "summary": return .string(summary)
        default: return nil
        }
    }

    public var methods: [Builtin] { [layerMethod] }

    /// The training history of this session; for a model not trained here, the per-epoch record its
    /// file keeps (when it keeps one).
    public var history: TrainingHistory {
        let session = handle.epochs
        if session.isEmpty, handle.interrupted == nil, let recorded = EpochRecord.records(of: handle.info) {
            return TrainingHistory(modelName: name, epochs: recorded, source: "the training record kept in its model file")
        }
        return TrainingHistory(modelName: name, epochs: session, interruptedEpoch: handle.interrupted)
    }

    /// One row per layer: name, kind, output shape, parameter count.
    public func layerTable() throws -> Table {
        let network = handle.network
        var rows: [[TableCell]] = [[.text("input"), .text("input"), .text(ModelValue.shapeText(network.inputShape)), .integer(0)]]
        for (layer, shape) in zip(network.layers, network.layerOutputShapes) {
            let count = layer.parameters.reduce(0) { $0 + $1.value.count }
            rows.append([.text(layer.name), .text(layer.kind.rawValue), .text(ModelValue.shapeText(shape)), .integer(count)])
        }
        return try BindingErrors.translating("layers") {
            try Table(columns: ["layer", "kind", "output", "parameters"], rows: rows, caption: summary)
        }
    }

    static func shapeText(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }

    /// One line: name, parameters, training and accuracy.
    public var summary: String {
        var parts = ["Model \(name)", "\(ModelValue.grouped(handle.architecture.parameterCount)) parameters"]
        let epochs = handle.epochs.count
        if epochs > 0 {
            parts.append("trained \(epochs) epoch\(epochs == 1 ? "" : "s") here")
        } else if let info = handle.info {
            parts.append("trained \(info.epochs) epoch\(info.epochs == 1 ? "" : "s") on \(info.dataset)")
        } else {
            parts.append(handle.origin)
        }
        if let partial = handle.interrupted {
            parts.append("interrupted in epoch \(partial.epoch) after \(partial.batches)/\(partial.of) batches")
        }
        if let evaluation = handle.evaluation {
            parts.append("accuracy " + NumberFormat.percent(evaluation.accuracy, decimals: 2) + " on \(evaluation.data)")
        }
        return parts.joined(separator: ", ")
    }

    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(d)
        }
        return out
    }

    public var textDescription: String { summary }

    public func richOutput() throws -> RichOutput? {
        let table = try layerTable()
        return RichOutput(text: table.plainText(), html: table.html())
    }
}
