/// A fast, seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64), so that
/// initialisation, shuffling, dropout masks and noise are reproducible run to run.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// A spare standard-normal value from the last Box–Muller pair.
    private var spareGaussian: Float?

    /// A generator whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix()
        s1 = splitMix()
        s2 = splitMix()
        s3 = splitMix()
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform value in [0, 1).
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / Float(1 << 24))
    }

    /// A uniform value in [low, high).
    public mutating func nextUniform(in low: Float, _ high: Float) -> Float {
        low + (high - low) * nextUniform()
    }

    /// A standard normal value (mean 0, standard deviation 1), by the Box–Muller transform.
    public mutating func nextGaussian() -> Float {
        if let spare = spareGaussian {
            spareGaussian = nil
            return spare
        }
        var u1: Double
        repeat { u1 = Double(next() >> 11) * (1.0 / Double(1 << 53)) } while u1 <= .leastNonzeroMagnitude
        let u2 = Double(next() >> 11) * (1.0 / Double(1 << 53))
        let radius = (-2.0 * _log(u1)).squareRoot()
        let angle = 2.0 * Double.pi * u2
        spareGaussian = Float(radius * _sin(angle))
        return Float(radius * _cos(angle))
    }

    /// Writes standard normal values into `out`: exactly the values `out.count` calls of
    /// `nextGaussian()` would return (the generator ends in the same state), without the per-value
    /// call and spare check — how SmoothGrad draws its noise, a whole image row at a time.
    public mutating func fillGaussian(_ out: UnsafeMutableBufferPointer<Float>) {
        guard let base = out.baseAddress, out.count > 0 else { return }
        let count = out.count
        var i = 0
        if let spare = spareGaussian {
            spareGaussian = nil
            base[0] = spare
            i = 1
        }
        while i < count {
            var u1: Double
            repeat { u1 = Double(next() >> 11) * (1.0 / Double(1 << 53)) } while u1 <= .leastNonzeroMagnitude
            let u2 = Double(next() >> 11) * (1.0 / Double(1 << 53))
            let radius = (-2.0 * _log(u1)).squareRoot()
            let angle = 2.0 * Double.pi * u2
            base[i] = Float(radius * _cos(angle))
            let second = Float(radius * _sin(angle))
            if i + 1 < count { base[i + 1] = second } else { spareGaussian = second }
            i += 2
        }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) private func _sin(_ x: Double) -> Double { Glibc.sin(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) private func _sin(_ x: Double) -> Double { Darwin.sin(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
