import GlassboxEngine

/// Softmax cross-entropy of logits against integer class labels, averaged over the batch, with
/// its gradient with respect to the logits, computed through a stable log-softmax
/// (log pᵢ = sᵢ − max s − log Σ exp(sⱼ − max s)).
public enum SoftmaxCrossEntropy {
    /// Loss, gradient and accuracy count for one batch.
    public struct Result: Sendable {
        /// Mean over the batch of −log p(label).
        public var loss: Float
        /// ∂loss/∂logits = (softmax − onehot)/N, shape `[N, classes]`.
        public var gradient: Tensor
        /// How many rows have their label as the (first) largest logit.
        public var correct: Int
    }

    /// Thrown for logits that are not `[N, classes]` or labels that do not fit them.
    public struct InputError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The loss over `logits` (`[N, classes]`) for `labels` (N values in 0..<classes).
    public static func evaluate(logits: Tensor, labels: [Int]) throws -> Result {
        guard logits.rank == 2 else {
            throw InputError(description: "cross-entropy needs logits of shape [N, classes], got \(logits.shape)")
        }
        let (rows, classes) = (logits.shape[0], logits.shape[1])
        guard labels.count == rows else {
            throw InputError(description: "cross-entropy got \(rows) rows of logits but \(labels.count) labels")
        }
        guard rows > 0, classes > 0 else {
            throw InputError(description: "cross-entropy needs at least one row and one class, got \(logits.shape)")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
            throw InputError(description: "label \(labels[bad]) at position \(bad) is not a class in 0..<\(classes)")
        }
        var gradient = [Float](repeating: 0, count: rows * classes)
        var total = 0.0
        var correct = 0
        let scale = 1 / Float(rows)
        logits.scalars.withUnsafeBufferPointer { s in
            gradient.withUnsafeMutableBufferPointer { g in
                for r in 0..<rows {
                    let row = r * classes
                    var maximum = s[row]
                    var best = 0
                    for c in 1..<classes where s[row + c] > maximum {
                        maximum = s[row + c]
                        best = c
                    }
                    var sum: Float = 0
                    for c in 0..<classes {
                        let e = expf(s[row + c] - maximum)
                        g[row + c] = e
                        sum += e
                    }
                    let label = labels[r]
                    total += Double(-(s[row + label] - maximum - logf(sum)))
                    let inverse = scale / sum
                    for c in 0..<classes { g[row + c] *= inverse }
                    g[row + label] -= scale
                    if best == label { correct += 1 }
                }
            }
        }
        return Result(loss: Float(total / Double(rows)), gradient: Tensor(shape: [rows, classes], scalars: gradient), correct: correct)
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
