import GlassboxEngine
import GlassboxModels

/// An attack on explanations (after Ghorbani, Abid & Zou 2019 and Dombrowski et al. 2019), done
/// without derivatives: a random search inside the L∞ ε-ball that makes an image's map as unlike the
/// original map as it can while the predicted class stays the same.
///
/// Each step draws, per image, `samples` candidates x + α·r (r a random ±1 pattern), projected onto
/// the ε-ball around the original and the clip range. It keeps the candidate whose map (for the
/// originally predicted class) has the lowest Pearson correlation with the original map, provided
/// the candidate is still predicted as that class and lowers the correlation. A derivative-free
/// search needs no second derivatives of the ReLU network (the gradient-based attacks replace ReLU
/// by softplus for that), and it works for every catalog method. The draws come from a generator
/// keyed by the seed and the image's own values, and maps do not depend on batch position, so an
/// image gets the same attack alone or in a batch.
public enum ExplanationAttack {
    public struct Result {
        /// The attacked images.
        public var images: Tensor
        /// The predicted class of each image (unchanged by the attack).
        public var classes: [Int]
        /// Per image: the correlation of the attacked image's map with the original map.
        public var correlations: [Float]
        /// Per image and step, the correlation after that step (non-increasing).
        public var history: [[Float]]
    }

    public static func attack(_ method: any AttributionMethod, _ inputs: Tensor, epsilon: Float, steps: Int, samples: Int,
                              stepSize: Float, seed: UInt64, clip: ClosedRange<Float>? = 0...1,
                              monitor: WorkMonitor = .none) throws -> Result {
        guard epsilon.isFinite, epsilon >= 0, steps >= 1, samples >= 1, stepSize.isFinite, stepSize > 0 else {
            throw MethodError.invalidOption(method: "explanationAttack", message: "needs ε ≥ 0, steps ≥ 1, samples ≥ 1 and a positive step size")
        }
        let network = method.model.network
        let n = inputs.shape[0]
        let per = inputs.valuesPerRow
        let logits = try network.forward(inputs)
        let k = logits.shape[1]
        let classes = (0..<n).map { i in
            let row = logits.scalars[(i * k)..<((i + 1) * k)]
            return row.firstIndex(of: row.max()!)! - i * k
        }
        let original = try method.attribute(inputs, targets: .classes(classes), monitor: .none).attributions.scalars
        let noise = ImageNoise(inputs: inputs, seed: seed)
        var current = inputs.scalars
        var best = [Float](repeating: 1, count: n)
        var history = [[Float]](repeating: [], count: n)
        for step in 0..<steps {
            try monitor.cancellation.check()
            var candidates = [Float](repeating: 0, count: n * samples * per)
            for i in 0..<n {
                var rng = noise.generator(image: i, sample: step)
                for s in 0..<samples {
                    for j in 0..<per {
                        let x0 = inputs.scalars[i * per + j]
                        var v = current[i * per + j] + (rng.nextUniform() < 0.5 ? -stepSize : stepSize)
                        v = Swift.min(Swift.max(v, x0 - epsilon), x0 + epsilon)
                        if let clip { v = Swift.min(Swift.max(v, clip.lowerBound), clip.upperBound) }
                        candidates[(i * samples + s) * per + j] = v
                    }
                }
            }
            let batch = Tensor(shape: [n * samples] + Array(inputs.shape.dropFirst()), scalars: candidates)
            let candidateLogits = try network.forward(batch)
            let targets = classes.flatMap { Array(repeating: $0, count: samples) }
            let maps = try method.attribute(batch, targets: .classes(targets), monitor: .none).attributions.scalars
            for i in 0..<n {
                for s in 0..<samples {
                    let r = i * samples + s
                    let row = candidateLogits.scalars[(r * k)..<((r + 1) * k)]
                    guard row.firstIndex(of: row.max()!)! - r * k == classes[i] else { continue }
                    let c = correlation(Array(original[(i * per)..<((i + 1) * per)]), Array(maps[(r * per)..<((r + 1) * per)]))
                    if c < best[i] {
                        best[i] = c
                        for j in 0..<per { current[i * per + j] = candidates[r * per + j] }
                    }
                }
                history[i].append(best[i])
            }
            monitor.progress(ProgressEvent(task: "explanation attack", completed: step + 1, total: steps, finished: step + 1 == steps))
        }
        return Result(images: Tensor(shape: inputs.shape, scalars: current), classes: classes, correlations: best, history: history)
    }

    /// Pearson correlation (1 when either map is constant and equal to the other).
    static func correlation(_ a: [Float], _ b: [Float]) -> Float {
        let n = Double(a.count)
        let ma = a.reduce(0) { $0 + Double($1) } / n, mb = b.reduce(0) { $0 + Double($1) } / n
        var ab = 0.0, aa = 0.0, bb = 0.0
        for (x, y) in zip(a, b) {
            let (dx, dy) = (Double(x) - ma, Double(y) - mb)
            ab += dx * dy; aa += dx * dx; bb += dy * dy
        }
        guard aa > 0, bb > 0 else { return aa == bb ? 1 : 0 }
        return Float(ab / (aa * bb).squareRoot())
    }
}
