/// An sRGB colour with components in [0, 1].
public struct RGB: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var red: Double
    public var green: Double
    public var blue: Double

    /// A colour from components in [0, 1] (values outside are clamped when drawn).
    public init(_ red: Double, _ green: Double, _ blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A colour from a 24-bit hex value such as `0x1f77b4`.
    public init(hex: UInt32) {
        self.init(Double((hex >> 16) & 0xFF) / 255, Double((hex >> 8) & 0xFF) / 255, Double(hex & 0xFF) / 255)
    }

    public static let black = RGB(0, 0, 0)
    public static let white = RGB(1, 1, 1)

    /// The colour as 8-bit components (rounded, clamped).
    public var bytes: (red: UInt8, green: UInt8, blue: UInt8) {
        (RGB.byte(red), RGB.byte(green), RGB.byte(blue))
    }

    /// `#rrggbb`.
    public var hexString: String {
        let b = bytes
        return "#" + [b.red, b.green, b.blue].map { v in
            let s = String(v, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    public var description: String { hexString }

    /// Linear interpolation `self·(1−t) + other·t`.
    public func mixed(with other: RGB, _ t: Double) -> RGB {
        RGB(red + (other.red - red) * t, green + (other.green - green) * t, blue + (other.blue - blue) * t)
    }

    static func byte(_ v: Double) -> UInt8 {
        guard v.isFinite else { return 0 }
        return UInt8(max(0, min(255, (v * 255).rounded())))
    }
}
