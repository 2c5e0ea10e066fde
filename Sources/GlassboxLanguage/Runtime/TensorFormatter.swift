import GlassboxEngine

/// The text form of a tensor: every value, nested like the shape, for small tensors; the shape,
/// value range, mean and first values for large ones.
enum TensorFormatter {
    /// Tensors with at most this many values are shown in full.
    static let fullLimit = 64

    static func describe(_ t: Tensor) -> String {
        let shape = "[" + t.shape.map(String.init).joined(separator: ", ") + "]"
        if t.count <= fullLimit {
            if t.rank == 0 { return "Tensor(shape: [], \(format(t.scalars[0])))" }
            var text = ""
            nested(t, dimension: 0, offset: 0, indent: 1, into: &text)
            return "Tensor(shape: \(shape),\n \(text))"
        }
        var low = Float.infinity, high = -Float.infinity, sum = 0.0
        var nonFinite = 0
        t.scalars.withUnsafeBufferPointer { values in
            for v in values {
                if v.isFinite {
                    low = min(low, v); high = max(high, v); sum += Double(v)
                } else {
                    nonFinite += 1
                }
            }
        }
        let finite = t.count - nonFinite
        let preview = t.scalars.prefix(6).map(format).joined(separator: ", ")
        var text = "Tensor(shape: \(shape), \(t.count) values"
        if finite > 0 {
            text += ", min \(format(low)), max \(format(high)), mean \(format(Float(sum / Double(finite))))"
        }
        if nonFinite > 0 { text += ", \(nonFinite) not finite" }
        return text + ", [\(preview), …])"
    }

    private static func nested(_ t: Tensor, dimension: Int, offset: Int, indent: Int, into text: inout String) {
        let stride = t.shape[(dimension + 1)...].reduce(1, *)
        text += "["
        for i in 0..<t.shape[dimension] {
            if i > 0 {
                text += dimension == t.rank - 1 ? ", " : ",\n" + String(repeating: " ", count: indent + 1)
            }
            if dimension == t.rank - 1 {
                text += format(t.scalars[offset + i])
            } else {
                nested(t, dimension: dimension + 1, offset: offset + i * stride, indent: indent + 1, into: &text)
            }
        }
        text += "]"
    }

    static func format(_ v: Float) -> String {
        ScriptValue.format(Double(v))
    }
}
