/// IEEE 754 binary16 ("half", safetensors dtype `F16`) conversions, written out bit by bit so that
/// they behave the same on every platform: float → half rounds to nearest, ties to even; overflow
/// gives ±infinity; values below the smallest subnormal round to ±0; NaN stays NaN (quiet) and
/// keeps its sign.
public enum HalfPrecision {
    /// The half-precision bit pattern nearest to `value` (round to nearest, ties to even).
    @inline(__always)
    public static func bits(from value: Float) -> UInt16 {
        let x = value.bitPattern
        let sign = UInt16((x >> 16) & 0x8000)
        let exponent = Int((x >> 23) & 0xFF)
        let mantissa = x & 0x7F_FFFF

        if exponent == 0xFF {  // infinity or NaN
            if mantissa == 0 { return sign | 0x7C00 }
            // Keep the top payload bits and force the quiet bit so the result stays a NaN.
            return sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
        }
        // Unbiased exponent; half normals cover -14 ... 15.
        let unbiased = exponent - 127
        if unbiased > 15 { return sign | 0x7C00 }  // overflow (also covers rounding to max below)
        if unbiased >= -14 {
            // Normal half: 10 mantissa bits, drop 13 bits with round-to-nearest-even.
            var halfBits = UInt32(unbiased + 15) << 10 | (mantissa >> 13)
            let dropped = mantissa & 0x1FFF
            if dropped > 0x1000 || (dropped == 0x1000 && (halfBits & 1) == 1) {
                halfBits += 1  // may carry into the exponent, and up to infinity: both correct
            }
            return sign | UInt16(halfBits)
        }
        // Subnormal half (or zero): value = m × 2^-24 with m < 1024.
        if unbiased < -25 { return sign }  // below half the smallest subnormal: rounds to zero
        let full = mantissa | 0x80_0000  // implicit leading one (float zero/subnormals handled above)
        let shift = UInt32(-unbiased - 14 + 13)  // 14 ... 24 + 1
        var halfBits = full >> shift
        let remainder = full & ((1 << shift) - 1)
        let halfway = UInt32(1) << (shift - 1)
        if remainder > halfway || (remainder == halfway && (halfBits & 1) == 1) {
            halfBits += 1  // may become the smallest normal: correct
        }
        return sign | UInt16(halfBits)
    }

    /// The exact float value of a half-precision bit pattern.
    @inline(__always)
    public static func value(from bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            // Zero or subnormal: m × 2^-24, exact in float.
            let magnitude = Float(mantissa) * (1.0 / 16_777_216.0)
            return sign != 0 ? -magnitude : magnitude
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
}
