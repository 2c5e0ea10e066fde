import Foundation

/// One Jupyter message as it travels over ZeroMQ:
/// `[identities…, "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers…]`.
public struct WireMessage {
    /// The frame separating routing identities from the message.
    public static let delimiter = Data("<IDS|MSG>".utf8)

    public var identities: [Data]
    public var header: [String: Any]
    public var parentHeader: [String: Any]
    public var metadata: [String: Any]
    public var content: [String: Any]
    public var buffers: [Data]
    /// The header exactly as received, reused verbatim as `parent_header` of replies.
    public var rawHeader: Data

    public var msgType: String { header["msg_type"] as? String ?? "" }
    public var msgID: String { header["msg_id"] as? String ?? "" }

    /// Parses and verifies received frames. Throws `WireError` naming what is wrong.
    /// - Parameter history: the signatures accepted so far; a signed message whose signature is in it
    ///   is a replay and rejected (its signature is recorded otherwise).
    public static func decode(_ frames: [Data], signer: MessageSigner, history: SignatureHistory? = nil) throws(WireError) -> WireMessage {
        guard let split = frames.firstIndex(of: delimiter) else { throw .missingDelimiter(frameCount: frames.count) }
        let rest = frames[(split + 1)...]
        guard rest.count >= 5 else { throw .tooFewFrames(rest.count) }
        let base = rest.startIndex
        let signature = rest[base]
        let signed = Array(rest[(base + 1)...(base + 4)])
        guard signer.verify(signature: signature, frames: signed) else {
            throw signature.isEmpty ? .missingSignature : .badSignature
        }
        if signer.isSigning, let history, !history.insert(signature) { throw .replayed }
        let names = ["header", "parent_header", "metadata", "content"]
        var objects: [[String: Any]] = []
        for (name, frame) in zip(names, signed) {
            guard let value = try? JSONSerialization.jsonObject(with: frame, options: .fragmentsAllowed) else { throw .invalidJSON(part: name) }
            guard let object = value as? [String: Any] else { throw .notAnObject(part: name) }
            objects.append(object)
        }
        let header = objects[0]
        for field in ["msg_id", "msg_type", "session"] where !(header[field] is String) {
            throw .missingHeaderField(field)
        }
        return WireMessage(
            identities: Array(frames[..<split]), header: header, parentHeader: objects[1], metadata: objects[2],
            content: objects[3], buffers: Array(rest[(base + 5)...]), rawHeader: signed[0])
    }

    /// Encodes an outgoing message; `parentHeader` is the raw header of the request (or `{}`).
    public static func encode(
        identities: [Data], header: [String: Any], parentHeader: Data, metadata: [String: Any] = [:],
        content: [String: Any], buffers: [Data] = [], signer: MessageSigner
    ) -> [Data] {
        let signed = [json(header), parentHeader, json(metadata), json(content)]
        var frames = identities
        frames.reserveCapacity(identities.count + 6 + buffers.count)
        frames.append(delimiter)
        frames.append(Data(signer.signature(of: signed).utf8))
        frames.append(contentsOf: signed)
        frames.append(contentsOf: buffers)
        return frames
    }

    /// JSON text of an object built from strings, numbers, booleans, arrays, dictionaries and `NSNull`.
    static func json(_ object: [String: Any]) -> Data {
        if object.isEmpty { return Data("{}".utf8) }
        if let fast = JSONWriter.data(object) { return fast }
        do {
            return try JSONSerialization.data(withJSONObject: object)
        } catch {
            // Only reachable with a non-JSON value, which the kernel never builds.
            return Data("{}".utf8)
        }
    }
}

/// Why received frames are not a valid message.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingDelimiter(frameCount: Int)
    case tooFewFrames(Int)
    case missingSignature
    case badSignature
    /// The signature was seen before: the same message is being delivered again.
    case replayed
    case invalidJSON(part: String)
    case notAnObject(part: String)
    case missingHeaderField(String)

    public var description: String {
        switch self {
        case .missingDelimiter(let count): "no <IDS|MSG> delimiter among \(count) frames"
        case .tooFewFrames(let count): "only \(count) frames after the delimiter (need 5)"
        case .missingSignature: "missing signature"
        case .badSignature: "signature does not match"
        case .replayed: "duplicate signature: the message was already received (replayed)"
        case .invalidJSON(let part): "\(part) is not valid JSON"
        case .notAnObject(let part): "\(part) is not a JSON object"
        case .missingHeaderField(let field): "header has no string field \"\(field)\""
        }
    }
}
