import Foundation
import GlassboxData
import GlassboxEngine
import GlassboxFigures

/// A dataset as a value of the language: a name and three labelled splits (`.train`, `.validation`,
/// `.test`), each an `ImageBatch`. Displayed as a table of the splits.
public struct DatasetValue: ScriptObject {
    public let name: String
    public let train: ImageBatch
    public let validation: ImageBatch
    public let test: ImageBatch
    /// Extra lines for the description (where the files were found, generation settings).
    public let note: String?
    /// The MNIST splits this dataset was made from, when it is MNIST (to derive cluttered MNIST).
    let mnist: MNIST?

    public init(name: String, train: ImageBatch, validation: ImageBatch, test: ImageBatch, note: String? = nil) {
        self.mnist = nil
        self.name = name
        self.train = train
        self.validation = validation
        self.test = test
        self.note = note
    }

    /// The splits of cluttered MNIST; each split knows its digits' boxes when they were generated.
    public init(cluttered: ClutteredMNIST, note: String? = nil) {
        func batch(_ split: MNIST.Split) -> ImageBatch {
            var batch = ImageBatch(cluttered.split(split), origin: "cluttered-mnist.\(split.rawValue)")
            batch.digits = cluttered.digits(split)
            return batch
        }
        self.init(name: "cluttered-mnist", train: batch(.train), validation: batch(.validation), test: batch(.test), note: note)
    }

    /// The splits of MNIST.
    public init(name: String, mnist: MNIST, note: String? = nil) {
        self.name = name
        self.train = ImageBatch(mnist.train, origin: "\(name).train")
        self.validation = ImageBatch(mnist.validation, origin: "\(name).validation")
        self.test = ImageBatch(mnist.test, origin: "\(name).test")
        self.note = note
        self.mnist = mnist
    }

    /// The split called `name` ("train", "validation", "test").
    public func split(named split: String) -> ImageBatch? {
        switch split {
        case "train": return train
        case "validation": return validation
        case "test": return test
        default: return nil
        }
    }

    public var typeName: String { "Dataset" }
    public var propertyNames: [String] { ["name", "train", "validation", "test", "height", "width"] }

    public func property(_ property: String) throws -> ScriptValue? {
        switch property {
        case "name": return .string(name)
        case "train": return .object(train)
        case "validation": return .object(validation)
        case "test": return .object(test)
        case "height": return .int(train.height)
        case "width": return .int(train.width)
        default: return nil
        }
    }

    public var textDescription: String {
        "Dataset \(name): train \(train.count), validation \(validation.count), test \(test.count) images of \(train.height)×\(train.width)"
            + (note.map { " — \($0)" } ?? "")
    }

    /// The splits as a table.
    public var table: Table {
        get throws {
            try Table(columns: ["split", "images", "size"],
                      rows: [("train", train), ("validation", validation), ("test", test)].map { name, batch in
                          [.text(name), .integer(batch.count), .text("\(batch.height)×\(batch.width)")]
                      }, caption: "Dataset \(name)" + (note.map { " — \($0)" } ?? ""))
        }
    }

    public func richOutput() throws -> RichOutput? {
        let table = try BindingErrors.translating("dataset") { try self.table }
        return RichOutput(text: table.plainText(), html: table.html())
    }
}

/// Loaded datasets, kept so that `dataset("mnist")` in every cell costs one load.
///
/// The cache holds at most `budget` bytes of images (256 MiB by default, `$GLASSBOX_DATASET_CACHE` in
/// bytes or with K, M, G), counted as they are held: MNIST's 55 MB of bytes (a memory-mapped file,
/// shared with other kernels), a generated cluttered MNIST's recipe of under 1 MB (its images are drawn
/// from MNIST when asked for). Beyond it the least recently used datasets are dropped. A dataset a notebook still holds in a variable stays alive
/// there; it is only loaded again if asked for again.
final class DatasetCache: @unchecked Sendable {
    static let shared = DatasetCache()
    /// Bytes of images the cache may hold.
    let budget: Int
    private let lock = NSLock()
    private var values: [String: DatasetValue] = [:]
    /// Keys from least to most recently used.
    private var recency: [String] = []

    init(budget: Int = DatasetCache.configuredBudget(environment: ProcessInfo.processInfo.environment)) {
        self.budget = budget
    }

    /// `$GLASSBOX_DATASET_CACHE` (bytes, or a number with K, M, G), else 256 MiB.
    static func configuredBudget(environment: [String: String]) -> Int {
        environment["GLASSBOX_DATASET_CACHE"].flatMap(MemoryBudget.parse) ?? 256 << 20
    }

    /// The keys held, least recently used first.
    var keys: [String] {
        lock.lock()
        defer { lock.unlock() }
        return recency
    }

    func value(for key: String, load: () throws -> DatasetValue) throws -> DatasetValue {
        lock.lock()
        if let cached = values[key] {
            touch(key)
            lock.unlock()
            return cached
        }
        lock.unlock()
        let loaded = try load()
        lock.lock()
        defer { lock.unlock() }
        values[key] = loaded
        touch(key)
        var total = values.values.reduce(0) { $0 + Self.bytes(of: $1) }
        // Drop the least recently used, never the dataset just asked for.
        while total > budget, let oldest = recency.first, oldest != key {
            recency.removeFirst()
            if let dropped = values.removeValue(forKey: oldest) { total -= Self.bytes(of: dropped) }
        }
        return loaded
    }

    private func touch(_ key: String) {
        recency.removeAll { $0 == key }
        recency.append(key)
    }

    static func bytes(of dataset: DatasetValue) -> Int {
        dataset.train.rows.byteCount + dataset.validation.rows.byteCount + dataset.test.rows.byteCount
    }
}
