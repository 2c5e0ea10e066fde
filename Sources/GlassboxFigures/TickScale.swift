import Foundation

/// "Nice" axis ticks: steps of 1, 2 or 5 times a power of ten.
public struct TickScale: Sendable, Equatable {
    /// The tick values, ascending, all within the requested range (up to rounding).
    public let ticks: [Double]
    /// The distance between ticks.
    public let step: Double

    /// Ticks inside [low, high], about `target` of them.
    public init(low: Double, high: Double, target: Int = 5) {
        guard low.isFinite, high.isFinite, high > low else {
            self.ticks = low.isFinite ? [low] : []
            self.step = 1
            return
        }
        let step = TickScale.niceStep(span: high - low, target: max(2, target))
        let first = (low / step - 1e-9).rounded(.up)
        let last = (high / step + 1e-9).rounded(.down)
        var values: [Double] = []
        var k = first
        while k <= last && values.count < 100 {
            let v = k * step
            values.append(abs(v) < step * 1e-9 ? 0 : v)
            k += 1
        }
        self.ticks = values
        self.step = step
    }

    /// A range containing [low, high] whose ends fall on nice ticks (for data-driven axes).
    public static func expanded(low: Double, high: Double, target: Int = 5) -> ClosedRange<Double> {
        guard low.isFinite, high.isFinite else { return 0...1 }
        var a = low, b = high
        if b <= a {
            let pad = a == 0 ? 1 : abs(a) * 0.1
            a -= pad; b += pad
        }
        let step = niceStep(span: b - a, target: max(2, target))
        return ((a / step + 1e-9).rounded(.down) * step)...((b / step - 1e-9).rounded(.up) * step)
    }

    static func niceStep(span: Double, target: Int) -> Double {
        let raw = span / Double(target)
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        let nice: Double
        if fraction <= 1 { nice = 1 } else if fraction <= 2 { nice = 2 } else if fraction <= 5 { nice = 5 } else { nice = 10 }
        return nice * magnitude
    }

    /// The label for tick `value`, with just enough decimals for this step (scientific notation for
    /// very large or small magnitudes).
    public func label(_ value: Double) -> String {
        NumberFormat.tickLabel(value, step: step)
    }
}

/// Number formatting shared by axes, tables and progress views.
public enum NumberFormat {
    /// A tick label with the decimals implied by `step` (0.25 → 2 decimals, 5 → 0).
    public static func tickLabel(_ value: Double, step: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        if value == 0 { return "0" }
        let magnitude = max(abs(value), step)
        if magnitude >= 1e6 || step < 1e-4 {
            let exponent = Int(log10(step).rounded(.down))
            let digits = max(0, Int(log10(magnitude).rounded(.down)) - exponent)
            return String(format: "%.\(min(digits, 6))e", value)
        }
        var decimals = 0
        var s = step
        while decimals < 8 && abs(s - s.rounded()) > 1e-9 * max(1, abs(s)) {
            s *= 10
            decimals += 1
        }
        return String(format: "%.\(decimals)f", value).replacingOccurrences(of: "-", with: "\u{2212}")
    }

    /// `value` with `digits` significant digits, without trailing zeros (1234.5678 → "1235",
    /// 0.012345 → "0.01235"); scientific for |value| ≥ 1e7 or < 1e-4.
    public static func significant(_ value: Double, digits: Int = 4) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        if value == 0 { return "0" }
        let d = max(1, min(17, digits))
        let exponent = Int(log10(abs(value)).rounded(.down))
        if exponent >= 7 || exponent < -4 {
            return String(format: "%.\(d - 1)e", value)
        }
        let decimals = max(0, d - 1 - exponent)
        var s = String(format: "%.\(decimals)f", value)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    /// A fraction as a percentage with `decimals` decimals (0.4567 → "45.67%").
    public static func percent(_ fraction: Double, decimals: Int = 2) -> String {
        guard fraction.isFinite else { return "nan%" }
        return String(format: "%.\(max(0, decimals))f%%", fraction * 100)
    }

    /// A duration as `m:ss` or `h:mm:ss` (65 s → "1:05", 3725 s → "1:02:05"); "--:--" when unknown.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let total = Int(seconds.rounded())
        let h = total / 3600, m = (total % 3600) / 60, s = total % 60
        let ss = s < 10 ? "0\(s)" : "\(s)"
        if h > 0 {
            let mm = m < 10 ? "0\(m)" : "\(m)"
            return "\(h):\(mm):\(ss)"
        }
        return "\(m):\(ss)"
    }
}
