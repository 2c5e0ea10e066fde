/// How an image's values are mapped onto a colour map's [0, 1].
public enum ValueRange: Sendable, Equatable {
    /// [min, max] of the data.
    case automatic
    /// The reference's `pixel_range`: [min, max] when all values share a sign (min·max ≥ 0),
    /// otherwise (−A, A) with A = max(|min|, |max|).
    case symmetricIfMixed
    /// Always (−A, A) with A = max(|min|, |max|), so zero sits in the middle of the map.
    case symmetric
    /// A fixed [low, high].
    case fixed(Double, Double)

    /// The concrete range for `values`, ignoring non-finite values. A degenerate range (all values
    /// equal, or no finite values) is widened so that it has positive width.
    public func resolve(_ values: [Float]) -> ClosedRange<Double> {
        if case let .fixed(a, b) = self {
            return ValueRange.widen(Swift.min(a, b), Swift.max(a, b))
        }
        var low = Float.infinity, high = -Float.infinity
        values.withUnsafeBufferPointer { buffer in
            for v in buffer where v.isFinite {
                if v < low { low = v }
                if v > high { high = v }
            }
        }
        guard low <= high else { return ValueRange.widen(0, 0) }
        let m = Double(low), M = Double(high)
        switch self {
        case .automatic:
            return ValueRange.widen(m, M)
        case .symmetricIfMixed:
            if m == 0 && M == 0 { return -1...1 }
            if m * M >= 0 { return ValueRange.widen(m, M) }
            let a = Swift.max(abs(m), abs(M))
            return -a...a
        case .symmetric:
            let a = Swift.max(abs(m), abs(M))
            return a > 0 ? -a...a : -1...1
        case .fixed:
            fatalError("handled above")
        }
    }

    /// Parses `"auto"`, `"symmetric_if_mixed"`/`"pixel_range"`, `"symmetric"`.
    public init?(name: String) {
        switch name.lowercased() {
        case "auto", "automatic", "minmax": self = .automatic
        case "pixel_range", "symmetric_if_mixed", "mixed": self = .symmetricIfMixed
        case "symmetric", "sym": self = .symmetric
        default: return nil
        }
    }

    /// [a, b], or for a constant (a == b) the range [a, a + 1], so the constant shows as the colour at
    /// the low end, as matplotlib does. (An all-zero map in a symmetric mode is (−1, 1): zero is centred.)
    static func widen(_ a: Double, _ b: Double) -> ClosedRange<Double> {
        b > a ? a...b : a...(a + 1)
    }
}
