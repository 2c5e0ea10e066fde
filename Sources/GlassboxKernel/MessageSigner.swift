@preconcurrency import Crypto
import Foundation

/// Signs and verifies Jupyter messages: HMAC-SHA256 over header, parent header, metadata and
/// content, as lowercase hex. An empty key means messages are unsigned (signature "").
public struct MessageSigner: Sendable {
    private let key: SymmetricKey?

    public init(key: [UInt8]) {
        self.key = key.isEmpty ? nil : SymmetricKey(data: key)
    }

    /// Whether messages are signed at all.
    public var isSigning: Bool { key != nil }

    /// The hex signature of the given frames (in order); "" without a key.
    public func signature(of frames: [Data]) -> String {
        guard let key else { return "" }
        var hmac = HMAC<SHA256>(key: key)
        for frame in frames { hmac.update(data: frame) }
        return Self.hex(Array(hmac.finalize()))
    }

    /// Checks `signature` (hex, as received) against the frames in constant time.
    /// Without a key every signature is accepted, as jupyter_client does.
    public func verify(signature: Data, frames: [Data]) -> Bool {
        guard key != nil else { return true }
        let expected = Array(self.signature(of: frames).utf8)
        let given = Array(signature)
        guard given.count == expected.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<expected.count { difference |= expected[index] ^ given[index] }
        return difference == 0
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
