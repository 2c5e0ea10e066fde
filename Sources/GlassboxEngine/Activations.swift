#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Point-wise activations, softmax over the last axis, and their backward passes.
public enum Activations {
    /// max(x, 0) (NaN and −0 give 0).
    public static func relu(_ x: Tensor) -> Tensor {
        let count = x.count
        if count == 0 { return x }
        let out = [Float](unsafeUninitializedCapacity: count) { po, initialized in
            x.scalars.withUnsafeBufferPointer { px in
                let src = UnsafeRawPointer(px.baseAddress!), dst = UnsafeMutableRawPointer(po.baseAddress!)
                var i = 0
                while i + 8 <= count {
                    let v = src.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                    dst.storeBytes(of: SIMD8<Float>.zero.replacing(with: v, where: v .> 0), toByteOffset: i * 4,
                                   as: SIMD8<Float>.self)
                    i += 8
                }
                while i < count {
                    po[i] = px[i] > 0 ? px[i] : 0
                    i += 1
                }
            }
            initialized = count
        }
        return Tensor(shape: x.shape, scalars: out)
    }

    /// Gradient of ReLU: g where the input was positive, 0 elsewhere.
    public static func reluBackward(input: Tensor, gradient: Tensor) throws -> Tensor {
        guard input.shape == gradient.shape else {
            throw EngineError.shapeMismatch(operation: "ReLU backward", expected: "\(input.shape)", got: gradient.shape)
        }
        let count = input.count
        if count == 0 { return gradient }
        let out = [Float](unsafeUninitializedCapacity: count) { po, initialized in
            input.scalars.withUnsafeBufferPointer { px in
                gradient.scalars.withUnsafeBufferPointer { pg in
                    let xs = UnsafeRawPointer(px.baseAddress!), gs = UnsafeRawPointer(pg.baseAddress!)
                    let dst = UnsafeMutableRawPointer(po.baseAddress!)
                    var i = 0
                    while i + 8 <= count {
                        let v = xs.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                        let g = gs.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                        dst.storeBytes(of: SIMD8<Float>.zero.replacing(with: g, where: v .> 0), toByteOffset: i * 4,
                                       as: SIMD8<Float>.self)
                        i += 8
                    }
                    while i < count {
                        po[i] = px[i] > 0 ? pg[i] : 0
                        i += 1
                    }
                }
            }
            initialized = count
        }
        return Tensor(shape: input.shape, scalars: out)
    }

    /// 1 / (1 + e^(−x)), computed without overflow for large |x|.
    public static func sigmoid(_ x: Tensor) -> Tensor {
        x.map { v in
            if v >= 0 { return 1 / (1 + expf(-v)) }
            let e = expf(v)
            return e / (1 + e)
        }
    }

    /// Gradient of the sigmoid from its output y: g · y · (1 − y).
    public static func sigmoidBackward(output: Tensor, gradient: Tensor) throws -> Tensor {
        try output.zipMap(gradient, operation: "sigmoid backward") { y, g in g * y * (1 - y) }
    }

    /// The hyperbolic tangent.
    public static func tanh(_ x: Tensor) -> Tensor { x.map { tanhf($0) } }

    /// Gradient of tanh from its output y: g · (1 − y²).
    public static func tanhBackward(output: Tensor, gradient: Tensor) throws -> Tensor {
        try output.zipMap(gradient, operation: "tanh backward") { y, g in g * (1 - y * y) }
    }

    private static func rows(_ x: Tensor, operation: String) throws -> (rows: Int, width: Int) {
        guard x.rank >= 1, let width = x.shape.last, width > 0 else {
            throw EngineError.shapeMismatch(operation: operation, expected: "[…, classes > 0]", got: x.shape)
        }
        return (x.count / width, width)
    }

    /// Softmax over the last axis, stabilised by subtracting each row's maximum.
    public static func softmax(_ x: Tensor) throws -> Tensor {
        let (rows, width) = try rows(x, operation: "softmax")
        var out = x.scalars
        out.withUnsafeMutableBufferPointer { p in
            for r in 0..<rows {
                let row = p.baseAddress! + r * width
                var m = row[0]
                for i in 1..<width { m = Swift.max(m, row[i]) }
                var total: Float = 0
                for i in 0..<width { row[i] = expf(row[i] - m); total += row[i] }
                let inv = 1 / total
                for i in 0..<width { row[i] *= inv }
            }
        }
        return Tensor(shape: x.shape, scalars: out)
    }

    /// log(softmax(x)) over the last axis: x − max − log Σ e^(x − max), stable for large logits.
    public static func logSoftmax(_ x: Tensor) throws -> Tensor {
        let (rows, width) = try rows(x, operation: "log-softmax")
        var out = x.scalars
        out.withUnsafeMutableBufferPointer { p in
            for r in 0..<rows {
                let row = p.baseAddress! + r * width
                var m = row[0]
                for i in 1..<width { m = Swift.max(m, row[i]) }
                var total: Float = 0
                for i in 0..<width { total += expf(row[i] - m) }
                let shift = m + logf(total)
                for i in 0..<width { row[i] -= shift }
            }
        }
        return Tensor(shape: x.shape, scalars: out)
    }

    /// Gradient of softmax from its output y: y ⊙ (g − Σ g·y) per row.
    public static func softmaxBackward(output: Tensor, gradient: Tensor) throws -> Tensor {
        guard output.shape == gradient.shape else {
            throw EngineError.shapeMismatch(operation: "softmax backward", expected: "\(output.shape)", got: gradient.shape)
        }
        let (rows, width) = try rows(output, operation: "softmax backward")
        var out = gradient.scalars
        output.scalars.withUnsafeBufferPointer { y in
            out.withUnsafeMutableBufferPointer { g in
                for r in 0..<rows {
                    let base = r * width
                    var dot: Float = 0
                    for i in 0..<width { dot += g[base + i] * y[base + i] }
                    for i in 0..<width { g[base + i] = y[base + i] * (g[base + i] - dot) }
                }
            }
        }
        return Tensor(shape: output.shape, scalars: out)
    }

    /// Gradient of log-softmax from its output l: g − softmax · Σ g per row.
    public static func logSoftmaxBackward(output: Tensor, gradient: Tensor) throws -> Tensor {
        guard output.shape == gradient.shape else {
            throw EngineError.shapeMismatch(operation: "log-softmax backward", expected: "\(output.shape)", got: gradient.shape)
        }
        let (rows, width) = try rows(output, operation: "log-softmax backward")
        var out = gradient.scalars
        output.scalars.withUnsafeBufferPointer { l in
            out.withUnsafeMutableBufferPointer { g in
                for r in 0..<rows {
                    let base = r * width
                    var total: Float = 0
                    for i in 0..<width { total += g[base + i] }
                    for i in 0..<width { g[base + i] -= expf(l[base + i]) * total }
                }
            }
        }
        return Tensor(shape: output.shape, scalars: out)
    }
}

/// Inverted dropout: a seeded keep-mask already scaled by 1 / (1 − rate).
public enum DropoutMask {
    /// A mask of `shape` whose entries are 0 with probability `rate` and 1/(1 − rate) otherwise,
    /// so that `x ⊙ mask` keeps the expected value of x. `rate` must be in [0, 1).
    public static func make(shape: [Int], rate: Float, rng: inout SeededRandom) throws -> Tensor {
        guard rate >= 0, rate < 1 else {
            throw EngineError.invalidArgument(operation: "dropout", message: "rate \(rate) must be in [0, 1)")
        }
        let keep = 1 / (1 - rate)
        let count = shape.reduce(1, *)
        // One draw per entry, in order, with the same outcome as `nextUniform() < rate` (the masks
        // of a seed do not change), decided on the 24-bit integer behind the uniform with integer
        // arithmetic: a float select here compiles to an unpredictable branch. The generator is
        // copied into a local so that its state stays in registers.
        let threshold = dropThreshold(rate: rate)
        let keepBits = keep.bitPattern
        var local = rng
        let values = [Float](unsafeUninitializedCapacity: count) { p, initialized in
            for i in 0..<count {
                let k = Int64(truncatingIfNeeded: local.next() >> 40)
                // All ones when k ≥ threshold (kept), zero when dropped.
                let kept = UInt32(truncatingIfNeeded: ~((k - threshold) >> 63))
                p[i] = Float(bitPattern: keepBits & kept)
            }
            initialized = count
        }
        rng = local
        return Tensor(shape: shape, scalars: values)
    }

    /// The smallest 24-bit k with k / 2²⁴ ≥ `rate`: `nextUniform()` (k / 2²⁴, exact) is below
    /// `rate` exactly when its k is below this threshold.
    static func dropThreshold(rate: Float) -> Int64 {
        Int64((rate * Float(1 << 24)).rounded(.up))
    }
}
