import GlassboxFigures
import GlassboxModels

/// One epoch of training: mean per-batch loss and accuracy (as the reference prints them). For the
/// chapter-1.3 GAN, `loss` is the generator's, `discriminatorLoss` the discriminator's and
/// `accuracy` is NaN.
public struct EpochRecord: Sendable, Equatable {
    public var epoch: Int
    public var loss: Double
    public var accuracy: Double
    public var batches: Int
    public var seconds: Double
    public var discriminatorLoss: Double?

    public init(epoch: Int, loss: Double, accuracy: Double, batches: Int, seconds: Double, discriminatorLoss: Double? = nil) {
        self.epoch = epoch
        self.loss = loss
        self.accuracy = accuracy
        self.batches = batches
        self.seconds = seconds
        self.discriminatorLoss = discriminatorLoss
    }

    /// An epoch of a model file's training record (`batches` per epoch known from the record).
    public init(_ log: TrainingInfo.EpochLog, batches: Int) {
        self.init(epoch: log.epoch, loss: log.loss, accuracy: log.accuracy ?? .nan, batches: batches, seconds: log.seconds ?? .nan,
                  discriminatorLoss: log.discriminatorLoss)
    }

    /// The records of a model file's training, or nil when the file kept none.
    static func records(of info: TrainingInfo?) -> [EpochRecord]? {
        guard let info, let history = info.history, !history.isEmpty else { return nil }
        let batches = info.batchSize > 0 ? (info.trainingImages + info.batchSize - 1) / info.batchSize : 0
        return history.map { EpochRecord($0, batches: batches) }
    }

    /// The trainer's summary, renumbered to `epoch`.
    public init(_ summary: EpochSummary, epoch: Int) {
        self.init(epoch: epoch, loss: summary.loss, accuracy: summary.accuracy, batches: summary.batches, seconds: summary.seconds)
    }
}

/// The per-epoch record of a model's training, as a value: `.epochs`, `.loss`, `.accuracy` (Lists),
/// `.count`; displayed as a table; `plot(history)` draws loss and accuracy per epoch (a GAN's
/// generator and discriminator losses).
public struct TrainingHistory: ScriptObject {
    /// The model's name (for legends).
    public let modelName: String
    /// Completed epochs, in order.
    public let epochs: [EpochRecord]
    /// A training run stopped part-way through an epoch: how many batches of it were done.
    public let interruptedEpoch: (epoch: Int, batches: Int, of: Int)?
    /// Where the epochs come from: "this session", or the model file's training record.
    public let source: String

    public init(modelName: String, epochs: [EpochRecord], interruptedEpoch: (epoch: Int, batches: Int, of: Int)? = nil,
                source: String = "this session") {
        self.modelName = modelName
        self.epochs = epochs
        self.interruptedEpoch = interruptedEpoch
        self.source = source
    }

    /// Whether this is the history of the chapter-1.3 GAN (generator and discriminator losses).
    public var isAdversarial: Bool { epochs.contains { $0.discriminatorLoss != nil } }

    public var typeName: String { "History" }
    public var propertyNames: [String] { ["epochs", "loss", "accuracy", "discriminatorLoss", "count", "model", "source"] }

    public func property(_ name: String) throws -> ScriptValue? {
        switch name {
        case "epochs": return .list(epochs.map { .int($0.epoch) })
        case "loss": return .list(epochs.map { .double($0.loss) })
        case "accuracy": return .list(epochs.map { $0.accuracy.isNaN ? .nil : .double($0.accuracy) })
        case "discriminatorLoss": return .list(epochs.map { $0.discriminatorLoss.map { .double($0) } ?? .nil })
        case "count": return .int(epochs.count)
        case "model": return .string(modelName)
        case "source": return .string(source)
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
        var caption = "Training history of \(modelName)" + (source == "this session" ? "" : " (\(source))")
        if let partial = interruptedEpoch {
            caption += " (interrupted in epoch \(partial.epoch) after \(partial.batches)/\(partial.of) batches)"
        }
        func seconds(_ value: Double) -> TableCell { value.isNaN ? .empty : .number(value) }
        if isAdversarial {
            return try Table(columns: ["epoch", "generator loss", "discriminator loss", "batches", "seconds"],
                             rows: rows.map { [.integer($0.epoch), .number($0.loss), $0.discriminatorLoss.map { .number($0) } ?? .empty,
                                               .integer($0.batches), seconds($0.seconds)] },
                             caption: caption)
        }
        return try Table(columns: ["epoch", "loss", "accuracy", "batches", "seconds"],
                         rows: rows.map { [.integer($0.epoch), .number($0.loss), $0.accuracy.isNaN ? .empty : .percent($0.accuracy),
                                           .integer($0.batches), seconds($0.seconds)] },
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
