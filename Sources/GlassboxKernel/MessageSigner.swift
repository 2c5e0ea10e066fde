@preconcurrency import Crypto
import Foundation

/// The HMAC schemes of a connection file's `signature_scheme` (`hmac-<hash>`) that the kernel
/// supports: the SHA-1 and SHA-2 hashes swift-crypto provides.
public enum SignatureScheme: String, Sendable, CaseIterable {
    case hmacSHA1 = "hmac-sha1"
    case hmacSHA256 = "hmac-sha256"
    case hmacSHA384 = "hmac-sha384"
    case hmacSHA512 = "hmac-sha512"

    /// The scheme jupyter_client writes by default.
    public static let standard = SignatureScheme.hmacSHA256

    /// The supported names, for error messages (`"hmac-sha1", "hmac-sha256", …`).
    public static var supportedNames: String {
        allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
    }
}

/// Signs and verifies Jupyter messages: an HMAC (the connection file's scheme, SHA-256 unless told
/// otherwise) over header, parent header, metadata and content, as lowercase hex. An empty key
/// means messages are unsigned (signature "").
public struct MessageSigner: Sendable {
    private let key: SymmetricKey?
    /// The HMAC scheme in use.
    public let scheme: SignatureScheme

    public init(key: [UInt8], scheme: SignatureScheme = .standard) {
        self.key = key.isEmpty ? nil : SymmetricKey(data: key)
        self.scheme = scheme
    }

    /// Whether messages are signed at all.
    public var isSigning: Bool { key != nil }

    /// The hex signature of the given frames (in order); "" without a key.
    public func signature(of frames: [Data]) -> String {
        guard let key else { return "" }
        switch scheme {
        case .hmacSHA1: return Self.mac(Insecure.SHA1.self, key: key, frames: frames)
        case .hmacSHA256: return Self.mac(SHA256.self, key: key, frames: frames)
        case .hmacSHA384: return Self.mac(SHA384.self, key: key, frames: frames)
        case .hmacSHA512: return Self.mac(SHA512.self, key: key, frames: frames)
        }
    }

    private static func mac<H: HashFunction>(_: H.Type, key: SymmetricKey, frames: [Data]) -> String {
        var hmac = HMAC<H>(key: key)
        for frame in frames { hmac.update(data: frame) }
        return hex(Array(hmac.finalize()))
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
