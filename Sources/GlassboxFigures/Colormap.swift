import Foundation

/// A named colour map: a function from t ∈ [0, 1] to a colour.
///
/// The maps follow matplotlib's definitions: `gray`, `hot`, `jet`, `bwr` and `seismic` are
/// piecewise-linear per channel; `viridis` interpolates anchor colours taken from its published stops.
/// Any name may carry the suffix `_r` for the reversed map (`hot_r`: white at 0, black at 1).
public struct Colormap: Sendable, Equatable {
    /// The name as given (`"hot_r"`).
    public let name: String
    /// Per-channel anchors `(x, value)`, x strictly increasing from 0 to 1.
    let red: [Anchor]
    let green: [Anchor]
    let blue: [Anchor]
    let reversed: Bool

    struct Anchor: Sendable, Equatable {
        let x: Double
        let y: Double
    }

    /// The names accepted by `Colormap(named:)` without the `_r` suffix.
    public static let baseNames = ["gray", "hot", "jet", "viridis", "bwr", "seismic"]

    /// All accepted names, with their reversals.
    public static var allNames: [String] { baseNames.flatMap { [$0, $0 + "_r"] } }

    /// The map called `name` (`"gray"`, `"hot_r"`, …; `"grey"` is accepted as `"gray"`).
    /// - Throws: `FigureError.unknownColormap` listing the accepted names.
    public init(named name: String) throws {
        var base = name.trimmingCharacters(in: .whitespaces).lowercased()
        var reversed = false
        if base.hasSuffix("_r") {
            reversed = true
            base.removeLast(2)
        }
        if base == "grey" { base = "gray" }
        guard let channels = Colormap.definitions[base] else {
            throw FigureError.unknownColormap(name: name, known: Colormap.allNames)
        }
        self.name = name
        self.red = channels.0
        self.green = channels.1
        self.blue = channels.2
        self.reversed = reversed
    }

    public static let gray = try! Colormap(named: "gray")
    public static let hot = try! Colormap(named: "hot")
    public static let viridis = try! Colormap(named: "viridis")
    public static let bwr = try! Colormap(named: "bwr")

    /// Whether the map is diverging (white/neutral in the middle), so values are best centred on zero.
    public var isDiverging: Bool {
        let base = reversed ? String(name.dropLast(2)).lowercased() : name.lowercased()
        return base == "bwr" || base == "seismic"
    }

    /// The colour at `t`; t is clamped to [0, 1]; NaN gives the colour at 0.
    public func color(at t: Float) -> RGB { color(at: Double(t)) }

    /// The colour at `t`; t is clamped to [0, 1]; NaN gives the colour at 0.
    public func color(at t: Double) -> RGB {
        var u = t.isNaN ? 0 : min(1, max(0, t))
        if reversed { u = 1 - u }
        return RGB(Colormap.evaluate(red, u), Colormap.evaluate(green, u), Colormap.evaluate(blue, u))
    }

    /// A 256-entry lookup table of 8-bit colours, for fast image colouring.
    public func lookupTable(count: Int = 256) -> [(UInt8, UInt8, UInt8)] {
        let n = max(2, count)
        return (0..<n).map { i in
            let c = color(at: Double(i) / Double(n - 1))
            return c.bytes
        }
    }

    static func evaluate(_ anchors: [Anchor], _ x: Double) -> Double {
        // Anchors are few (≤ 13): a linear scan is fastest.
        var i = 1
        while i < anchors.count - 1 && anchors[i].x < x { i += 1 }
        let a = anchors[i - 1], b = anchors[i]
        let span = b.x - a.x
        if span <= 0 { return b.y }
        let f = (x - a.x) / span
        return a.y + (b.y - a.y) * min(1, max(0, f))
    }

    private static func channel(_ pairs: [(Double, Double)]) -> [Anchor] {
        pairs.map { Anchor(x: $0.0, y: $0.1) }
    }

    /// Evenly spaced colours → three channel anchor lists.
    private static func evenly(_ colors: [RGB]) -> ([Anchor], [Anchor], [Anchor]) {
        at(colors.enumerated().map { (Double($0.offset) / Double(colors.count - 1), $0.element) })
    }

    private static func at(_ stops: [(Double, RGB)]) -> ([Anchor], [Anchor], [Anchor]) {
        (stops.map { Anchor(x: $0.0, y: $0.1.red) },
         stops.map { Anchor(x: $0.0, y: $0.1.green) },
         stops.map { Anchor(x: $0.0, y: $0.1.blue) })
    }

    private static let definitions: [String: ([Anchor], [Anchor], [Anchor])] = [
        "gray": (channel([(0, 0), (1, 1)]), channel([(0, 0), (1, 1)]), channel([(0, 0), (1, 1)])),
        // Black → red → yellow → white; red starts at 0.0416 (not pure black).
        "hot": (
            channel([(0, 0.0416), (0.365079, 1), (1, 1)]),
            channel([(0, 0), (0.365079, 0), (0.746032, 1), (1, 1)]),
            channel([(0, 0), (0.746032, 0), (1, 1)])),
        // Dark blue → blue → cyan → yellow → red → dark red.
        "jet": (
            channel([(0, 0), (0.35, 0), (0.66, 1), (0.89, 1), (1, 0.5)]),
            channel([(0, 0), (0.125, 0), (0.375, 1), (0.64, 1), (0.91, 0), (1, 0)]),
            channel([(0, 0.5), (0.11, 1), (0.34, 1), (0.65, 0), (1, 0)])),
        // Blue → white → red.
        "bwr": evenly([RGB(0, 0, 1), RGB(1, 1, 1), RGB(1, 0, 0)]),
        // Dark blue → blue → white → red → dark red.
        "seismic": evenly([RGB(0, 0, 0.3), RGB(0, 0, 1), RGB(1, 1, 1), RGB(1, 0, 0), RGB(0.5, 0, 0)]),
        // Anchors read from viridis' published stops (ninths, quarters and the midpoint).
        "viridis": at([
            (0, RGB(hex: 0x440154)),
            (1.0 / 9, RGB(hex: 0x482878)),
            (2.0 / 9, RGB(hex: 0x3E4989)),
            (0.25, RGB(hex: 0x3B528B)),
            (3.0 / 9, RGB(hex: 0x31688E)),
            (4.0 / 9, RGB(hex: 0x26828E)),
            (0.5, RGB(hex: 0x21918C)),
            (5.0 / 9, RGB(hex: 0x1F9E89)),
            (6.0 / 9, RGB(hex: 0x35B779)),
            (0.75, RGB(hex: 0x5EC962)),
            (7.0 / 9, RGB(hex: 0x6ECE58)),
            (8.0 / 9, RGB(hex: 0xB5DE2B)),
            (1, RGB(hex: 0xFDE725)),
        ]),
    ]
}
