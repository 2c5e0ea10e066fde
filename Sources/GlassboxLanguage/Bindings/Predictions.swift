import Foundation
import GlassboxEngine
import GlassboxFigures

/// What a model predicts for a batch: `.classes` (List of Int), `.probabilities` and `.logits`
/// (`[N, classes]` tensors), `.confidence` (probability of the predicted class), `.accuracy` when the
/// labels are known; `p[i]` is the class of image i. Displayed as a table.
public struct Predictions: ScriptObject {
    public let classes: [Int]
    public let logits: Tensor
    public let probabilities: Tensor
    public let labels: [Int]?
    public let modelName: String

    /// Predictions from logits `[N, K]` (softmax computed stably per row).
    public init(logits: Tensor, labels: [Int]?, modelName: String) throws {
        guard logits.rank == 2, logits.shape[1] > 0 else {
            throw ScriptError(.value, "predict: the model's output has shape \(logits.shape), not [N, classes]; it is not a classifier")
        }
        let (n, k) = (logits.shape[0], logits.shape[1])
        var probabilities = [Float](repeating: 0, count: n * k)
        var classes = [Int](repeating: 0, count: n)
        logits.scalars.withUnsafeBufferPointer { z in
            probabilities.withUnsafeMutableBufferPointer { p in
                for row in 0..<n {
                    var best = 0
                    var maximum = z[row * k]
                    for j in 1..<max(k, 1) where z[row * k + j] > maximum {
                        maximum = z[row * k + j]
                        best = j
                    }
                    var total: Double = 0
                    for j in 0..<k {
                        let e = Foundation.exp(Double(z[row * k + j] - maximum))
                        p[row * k + j] = Float(e)
                        total += e
                    }
                    for j in 0..<k { p[row * k + j] = Float(Double(p[row * k + j]) / total) }
                    classes[row] = best
                }
            }
        }
        self.classes = classes
        self.logits = logits
        self.probabilities = Tensor(shape: [n, k], scalars: probabilities)
        self.labels = labels
        self.modelName = modelName
    }

    var confidence: [Double] {
        let k = probabilities.shape[1]
        return classes.enumerated().map { Double(probabilities.scalars[$0.offset * k + $0.element]) }
    }

    var accuracy: Double? {
        guard let labels, !labels.isEmpty else { return nil }
        return Double(zip(labels, classes).filter { $0 == $1 }.count) / Double(labels.count)
    }

    public var typeName: String { "Predictions" }
    public var propertyNames: [String] { ["classes", "probabilities", "logits", "confidence", "accuracy", "count", "labels"] }

    public func property(_ name: String) throws -> ScriptValue? {
        switch name {
        case "classes": return .list(classes.map { .int($0) })
        case "probabilities": return .tensor(probabilities)
        case "logits": return .tensor(logits)
        case "confidence": return .list(confidence.map { .double($0) })
        case "accuracy": return accuracy.map { .double($0) } ?? .nil
        case "count": return .int(classes.count)
        case "labels": return labels.map { .list($0.map { .int($0) }) } ?? .nil
        default: return nil
        }
    }

    public var elementCount: Int? { classes.count }

    public func element(at index: ScriptValue) throws -> ScriptValue? {
        guard case .int(let i) = index else { return nil }
        guard i >= 0, i < classes.count else {
            throw ScriptError(.index, "index \(i) is out of range for \(classes.count) predictions")
        }
        return .int(classes[i])
    }

    func table() throws -> Table {
        let confidence = self.confidence
        var columns = ["image", "prediction", "probability"]
        if labels != nil { columns += ["label", "correct"] }
        let rows: [[TableCell]] = classes.indices.prefix(1000).map { i in
            var row: [TableCell] = [.integer(i), .integer(classes[i]), .percent(confidence[i])]
            if let labels { row += [.integer(labels[i]), .text(labels[i] == classes[i] ? "✓" : "✗")] }
            return row
        }
        var caption = "Predictions of \(modelName) for \(classes.count) image\(classes.count == 1 ? "" : "s")"
        if let accuracy { caption += ", accuracy " + NumberFormat.percent(accuracy, decimals: 2) }
        if classes.count > 1000 { caption += " (first 1000 shown)" }
        return try Table(columns: columns, rows: rows, caption: caption)
    }

    public var textDescription: String {
        "Predictions of \(modelName): [" + classes.prefix(20).map(String.init).joined(separator: ", ") + (classes.count > 20 ? ", …]" : "]")
    }

    public func richOutput() throws -> RichOutput? {
        let table = try BindingErrors.translating("predict") { try self.table() }
        return RichOutput(text: table.plainText(), html: table.html())
    }
}
