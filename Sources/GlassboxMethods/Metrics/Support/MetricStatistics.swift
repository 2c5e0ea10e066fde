/// Means, confidence intervals and correlations, in Double.
public enum MetricStatistics {
    /// The mean (0 for no values).
    public static func mean(_ values: [Float]) -> Float {
        values.isEmpty ? 0 : Float(values.reduce(0.0) { $0 + Double($1) } / Double(values.count))
    }

    /// 1.96 standard errors of the mean (sample standard deviation); 0 for fewer than two values.
    public static func confidenceHalfWidth(_ values: [Float]) -> Float {
        guard values.count > 1 else { return 0 }
        let n = Double(values.count)
        let m = values.reduce(0.0) { $0 + Double($1) } / n
        let variance = values.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / (n - 1)
        return Float(1.96 * (variance / n).squareRoot())
    }

    /// Pearson's correlation of two equally long samples; 0 when either is constant.
    public static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count, "pearson: samples of different lengths")
        let n = Double(a.count)
        guard n > 1 else { return 0 }
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) {
            sab += (x - ma) * (y - mb)
            saa += (x - ma) * (x - ma)
            sbb += (y - mb) * (y - mb)
        }
        guard saa > 0, sbb > 0 else { return 0 }
        return sab / (saa * sbb).squareRoot()
    }
}

/// Areas under sampled curves.
public enum CurveArea {
    /// The trapezoid rule with unit spacing: Σₜ (yₜ + yₜ₊₁)/2 (0 for fewer than two points).
    public static func trapezoid(_ values: [Float]) -> Float {
        trapezoid(values, x: values.indices.map(Double.init))
    }

    /// The trapezoid rule at positions `x`: Σₜ (xₜ₊₁ − xₜ)(yₜ + yₜ₊₁)/2.
    public static func trapezoid(_ values: [Float], x: [Double]) -> Float {
        precondition(values.count == x.count, "trapezoid: \(values.count) values at \(x.count) positions")
        guard values.count > 1 else { return 0 }
        var total = 0.0
        for t in 0..<(values.count - 1) { total += (x[t + 1] - x[t]) * (Double(values[t]) + Double(values[t + 1])) / 2 }
        return Float(total)
    }
}
