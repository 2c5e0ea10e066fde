import Foundation
import GlassboxData
import GlassboxEngine
@testable import GlassboxLanguage

/// A session with the bindings and a tiny synthetic dataset `tiny`: 28×28 images where class c is
/// a bright horizontal bar on rows 2c+4 and 2c+5 (plus faint seeded noise), so a model can learn it
/// in a few batches.
final class BindingsHarness {
    let session = LanguageSession(registry: .glassbox)
    let host = RecordingHost()

    init(defineTiny: Bool = true) {
        if defineTiny { session.define("tiny", .object(BindingsHarness.tinyDataset())) }
    }

    @discardableResult
    func run(_ code: String) -> CellOutcome { session.execute(code, host: host) }

    func result(_ code: String) -> String {
        switch run(code) {
        case .success(let output): return output?.text ?? "<none>"
        case .failure(let error): return "\(error.kind.rawValue): \(error.message)"
        case .interrupted: return "<interrupted>"
        }
    }

    func value(_ code: String) throws -> ScriptValue {
        switch run("let __probe = " + code) {
        case .success: return session.value(of: "__probe") ?? .nil
        case .failure(let error): throw error
        case .interrupted: throw ScriptError(.interrupted, "interrupted")
        }
    }

    func error(_ code: String) -> ScriptError? {
        if case .failure(let error) = run(code) { return error }
        return nil
    }

    /// `count` images of the bar classes, labels cycling 0…9, seeded noise in [0, 0.1).
    static func barImages(count: Int, seed: UInt64, size: Int = 28) -> (Tensor, [Int]) {
        var random = SeededRandom(seed: seed)
        var values = [Float](repeating: 0, count: count * size * size)
        var labels: [Int] = []
        for n in 0..<count {
            let label = (n * 7 + Int(seed)) % 10
            labels.append(label)
            for i in 0..<(size * size) { values[n * size * size + i] = random.nextUniform() * 0.1 }
            for row in [2 * label + 4, 2 * label + 5] {
                for column in 4..<(size - 4) { values[n * size * size + row * size + column] = 1 }
            }
        }
        return (Tensor(shape: [count, 1, size, size], scalars: values), labels)
    }

    static func tinyDataset() -> DatasetValue {
        func split(_ count: Int, _ seed: UInt64, _ name: String) -> ImageBatch {
            let (images, labels) = barImages(count: count, seed: seed)
            return try! ImageBatch(tensor: images, labels: labels, origin: "tiny.\(name)")
        }
        return DatasetValue(name: "tiny", train: split(300, 1, "train"), validation: split(20, 2, "validation"),
                            test: split(100, 3, "test"))
    }
}

/// A host that interrupts the session when the first progress display appears.
final class InterruptingHost: LanguageHost, @unchecked Sendable {
    weak var session: LanguageSession?
    private let lock = NSLock()
    private(set) var stderr = ""
    private(set) var progressDisplays = 0
    /// Interrupts at the first progress event.
    var progressDelay: Double { 0 }

    func write(_ text: String, to stream: HostStream) {
        lock.lock(); defer { lock.unlock() }
        if stream == .stderr { stderr += text }
    }

    /// Every drawing of the progress display after the first.
    private(set) var progressUpdates: [RichOutput] = []

    func display(_ output: RichOutput, displayID: String?) {
        lock.lock(); defer { lock.unlock() }
        if displayID?.contains("progress") == true {
            progressDisplays += 1
            session?.interrupt()
        }
    }

    func updateDisplay(_ output: RichOutput, displayID: String) {
        lock.lock(); defer { lock.unlock() }
        if displayID.contains("progress") { progressUpdates.append(output) }
    }

    func requestInput(prompt: String, password: Bool) throws -> String { throw ScriptError(.runtime, "no input") }
}
