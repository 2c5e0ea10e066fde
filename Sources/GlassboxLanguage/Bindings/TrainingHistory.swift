import GlassboxFigures
import GlassboxModels

/// One epoch of training: mean per-batch loss and accuracy (as the reference prints them).
public struct EpochRecord: Sendable, Equatable {
    public var epoch: Int
    public var loss: Double
    public var accuracy: Double
    public var batches: Int
    public var seconds: Double

    public init(epoch: Int, loss: Double, accuracy: Double, batches: Int, seconds: Double) {
        self.epoch = epoch
        self.loss = loss
        self.accuracy = accuracy
        self.batches = batches
        self.seconds = seconds
    }

    /// The trainer's summary, renumbered to `epoch`.
    public init(_ summary: EpochSummary, epoch: Int) {
        self.init(epoch: epoch, loss: summary.loss, accuracy: summary.accuracy, batches: summary.batches, seconds: summary.seconds)
    }
}

/// The per-epoch record of a model's training, as a value: `.epochs`, `.loss`, `.accuracy` (Lists),
/// `.count`; displayed as a table; `plot(history)` draws loss and accuracy per epoch.
public struct TrainingHistory: ScriptObject {
    /// The model's name (for legends).
    public let modelName: String
    /// Completed epochs, in order.
    public let epochs: [EpochRecord]
    /// A training run stopped part-way through an epoch: how many batches of it were done.
    public let interruptedEpoch: (epoch: Int, batches: Int, of: Int)?

    public init(modelName: String, epochs: [EpochRecord], interruptedEpoch: (epoch: Int, batches: Int, of: Int)? = nil) {
        self.modelName = modelName
        self.epochs = epochs
        self.interruptedEpoch = interruptedEpoch
    }

    public var typeName: String { "History" }
    public var propertyNames: [String] { ["epochs", "loss", "accuracy", "count", "model"] }

    public func property(_ name: String) throws -> ScriptValue? {
        switch name {
        case "epochs": return .list(epochs.map { .int($0.epoch) })
        case "loss": return .list(epochs.map { .double($0.loss) })
        case "accuracy": return .list(epochs.map { .double($0.accuracy) })
        case "count": return .int(epochs.count)
        case "model": return .string(modelName)
        default: return nil
        }
    }

    public var elementCount: Int? { epochs.count }

    public func element(at index: ScriptValue) throws -> ScriptValue? {
        guard case .int(let i) = index else { return nil }
        guard i >= 0, i < epochs.count else {
            throw ScriptError(.index, "epoch index \(i) is out of range for a History of \(epochs.count) epochs")
        }
        return .object(TableValue(try table(rows: [epochs[i]])))
    }

    func table(rows: [EpochRecord]) throws -> Table {
        var caption = "Training history of \(modelName)"
        if let partial = interruptedEpoch {
            caption += " (interrupted in epoch \(partial.epoch) after \(partial.batches)/\(partial.of) batches)"
        }
        return try Table(columns: ["epoch", "loss", "accuracy", "batches", "seconds"],
                         rows: rows.map { [.integer($0.epoch), .number($0.loss), .percent($0.accuracy), .integer($0.batches),
                                           .number($0.seconds)] },
                         caption: caption)
    }

    public var textDescription: String {
        (try? table(rows: epochs).plainText()) ?? "History of \(modelName): \(epochs.count) epochs"
    }

    public func richOutput() throws -> RichOutput? {
        let table = try BindingErrors.translating("history") { try self.table(rows: epochs) }
        return RichOutput(text: table.plainText(), html: table.html())
    }
}
