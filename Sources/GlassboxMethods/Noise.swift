import GlassboxEngine

/// How the standard deviation σ of SmoothGrad's noise is chosen for each image.
public enum Noise: Sendable, Equatable {
    /// σ = level · (max(x) − min(x)) per image, as the SmoothGrad paper and Appendix A's helper.
    case relative(Float)
    /// σ fixed, as chapter 3.5 (σ = 0.2 for its main figure).
    case absolute(Float)

    /// The standard deviation for an image whose values span `min`…`max`.
    func sigma(min: Float, max: Float) -> Float {
        switch self {
        case let .relative(level): return level * (max - min)
        case let .absolute(sigma): return sigma
        }
    }

    /// The σ of each image of `inputs`.
    func sigmas(for inputs: Tensor) -> [Float] {
        let per = inputs.valuesPerRow
        return (0..<inputs.shape[0]).map { i in
            let row = inputs.scalars[(i * per)..<((i + 1) * per)]
            return sigma(min: row.min() ?? 0, max: row.max() ?? 0)
        }
    }

    var label: String {
        switch self {
        case let .relative(level): return "\(level)·range"
        case let .absolute(sigma): return "\(sigma)"
        }
    }

    func validate(method: String) throws {
        let value: Float
        switch self {
        case let .relative(v), let .absolute(v): value = v
        }
        guard value.isFinite, value >= 0 else {
            throw MethodError.invalidOption(method: method, message: "the noise level must be finite and ≥ 0, got \(value)")
        }
    }
}

/// Gaussian noise that depends only on the seed, an image's own values and the sample number:
/// the same image gets the same noisy copies whatever its position in the batch and whatever else
/// is in it, and sample s is the same whatever the number of samples (so running averages after n
/// samples equal a run with n samples).
struct ImageNoise {
    /// One key per image: the seed mixed with a hash of the image's values.
    private let keys: [UInt64]
    private var scratch: [Float] = []

    init(inputs: Tensor, seed: UInt64) {
        let per = inputs.valuesPerRow
        keys = inputs.scalars.withUnsafeBufferPointer { x in
            (0..<inputs.shape[0]).map { i in
                // FNV-1a over the values' bit patterns, then mixed with the seed.
                var hash: UInt64 = 0xCBF2_9CE4_8422_2325
                for j in (i * per)..<((i + 1) * per) {
                    hash = (hash ^ UInt64(x[j].bitPattern)) &* 0x0000_0100_0000_01B3
                }
                return Self.mix(hash ^ Self.mix(seed))
            }
        }
    }

    /// SplitMix64's finaliser: a well-spread 64-bit mix.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The generator of sample `sample` of image `image` (metrics draw their own perturbations —
    /// uniform noise, random subsets — from it, with the same guarantees).
    func generator(image: Int, sample: Int) -> SeededRandom {
        SeededRandom(seed: Self.mix(keys[image] ^ UInt64(truncatingIfNeeded: sample)))
    }

    /// Adds σ·z to `row`, z the standard normal values of sample `sample` of image `image`.
    mutating func add(to row: UnsafeMutableBufferPointer<Float>, image: Int, sample: Int, sigma: Float) {
        if scratch.count != row.count { scratch = [Float](repeating: 0, count: row.count) }
        var random = generator(image: image, sample: sample)
        scratch.withUnsafeMutableBufferPointer { z in
            random.fillGaussian(z)
            for j in 0..<row.count { row[j] += sigma * z[j] }
        }
    }
}
