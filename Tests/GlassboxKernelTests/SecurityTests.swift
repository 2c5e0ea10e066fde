import Foundation
import XCTest

@testable import GlassboxKernel

/// Signature schemes, the replay history, and the bounds on stream output.
final class SecurityTests: XCTestCase {
    /// RFC 4231 test case 1 (SHA-2) and RFC 2202 test case 1 (SHA-1): key 0x0b × 20, "Hi There".
    func testEverySchemeMatchesItsRFCVector() {
        let key = [UInt8](repeating: 0x0b, count: 20)
        let expected: [SignatureScheme: String] = [
            .hmacSHA1: "b617318655057264e28bc0b6fb378c8ef146be00",
            .hmacSHA256: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            .hmacSHA384: "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
            .hmacSHA512: "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
        ]
        XCTAssertEqual(Set(expected.keys), Set(SignatureScheme.allCases))
        for (scheme, hex) in expected {
            let signer = MessageSigner(key: key, scheme: scheme)
            XCTAssertEqual(signer.signature(of: [Data("Hi ".utf8), Data("There".utf8)]), hex, scheme.rawValue)
            XCTAssertTrue(signer.verify(signature: Data(hex.utf8), frames: [Data("Hi There".utf8)]))
        }
        let sha256 = MessageSigner(key: key, scheme: .hmacSHA256)
        XCTAssertFalse(sha256.verify(signature: Data(expected[.hmacSHA512]!.utf8), frames: [Data("Hi There".utf8)]))
    }

    func connection(_ fields: [String: Any]) throws -> ConnectionFile {
        var object: [String: Any] = [
            "ip": "127.0.0.1", "shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5,
            "key": "k",
        ]
        object.merge(fields) { $1 }
        return try ConnectionFile.parse(try JSONSerialization.data(withJSONObject: object), path: "/tmp/c.json")
    }

    func testConnectionFileSchemes() throws {
        XCTAssertEqual(try connection([:]).signatureScheme, .hmacSHA256)
        XCTAssertEqual(try connection(["signature_scheme": "hmac-sha512"]).signatureScheme, .hmacSHA512)
        XCTAssertEqual(try connection(["signature_scheme": "hmac-sha1"]).signatureScheme, .hmacSHA1)
        let empty = try connection(["key": "", "signature_scheme": "hmac-sha384"])
        XCTAssertEqual(empty.key, [])
        XCTAssertFalse(MessageSigner(key: empty.key, scheme: empty.signatureScheme).isSigning)
        for unknown in ["hmac-md5", "hmac-sha3_256", "sha256", ""] {
            XCTAssertThrowsError(try connection(["signature_scheme": unknown]), unknown) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("signature_scheme") && text.contains("not supported") && text.contains("hmac-sha512"), text)
            }
        }
        // the scheme survives a round trip through the written file (port 0 write-back)
        let written = try ConnectionFile.parse(try connection(["signature_scheme": "hmac-sha512"]).jsonData, path: "x")
        XCTAssertEqual(written.signatureScheme, .hmacSHA512)
    }

    func testHistoryRejectsRepeatsAndForgetsTheOldest() {
        let history = SignatureHistory(capacity: 3)
        let a = Data("a".utf8), b = Data("b".utf8), c = Data("c".utf8), d = Data("d".utf8)
        XCTAssertTrue(history.insert(a))
        XCTAssertFalse(history.insert(a))
        XCTAssertTrue(history.insert(b))
        XCTAssertTrue(history.insert(c))
        XCTAssertTrue(history.insert(d))  // forgets a
        XCTAssertEqual(history.count, 3)
        XCTAssertFalse(history.insert(b))
        XCTAssertFalse(history.insert(d))
        XCTAssertTrue(history.insert(a))  // forgotten, so accepted again (forgets b)
        XCTAssertTrue(history.insert(b))
    }

    func testDecodeDropsReplaysOnlyWhenSigning() throws {
        let headers = MessageHeaderFactory(session: "s", username: "u")
        for signer in [MessageSigner(key: Array("key".utf8)), MessageSigner(key: Array("key".utf8), scheme: .hmacSHA512)] {
            let history = SignatureHistory()
            let frames = WireMessage.encode(identities: [Data("peer-1".utf8)], header: headers.header(msgType: "kernel_info_request"),
                                            parentHeader: Data("{}".utf8), content: [:], signer: signer)
            XCTAssertNoThrow(try WireMessage.decode(frames, signer: signer, history: history))
            XCTAssertThrowsError(try WireMessage.decode(frames, signer: signer, history: history)) {
                XCTAssertEqual($0 as? WireError, .replayed)
            }
            // another routing identity in front of the same signed frames is still a replay
            var other = frames
            other[0] = Data("peer-2".utf8)
            XCTAssertThrowsError(try WireMessage.decode(other, signer: signer, history: history)) {
                XCTAssertEqual($0 as? WireError, .replayed)
            }
            // a bad signature is not remembered (it cannot block the real message)
            let fresh = WireMessage.encode(identities: [], header: headers.header(msgType: "kernel_info_request"),
                                           parentHeader: Data("{}".utf8), content: [:], signer: signer)
            var forged = fresh
            forged[1] = Data(String(repeating: "0", count: forged[1].count).utf8)
            XCTAssertThrowsError(try WireMessage.decode(forged, signer: signer, history: history))
            XCTAssertNoThrow(try WireMessage.decode(fresh, signer: signer, history: history))
        }
        let unsigned = MessageSigner(key: [])
        let history = SignatureHistory()
        let frames = WireMessage.encode(identities: [], header: headers.header(msgType: "x"), parentHeader: Data("{}".utf8),
                                        content: [:], signer: unsigned)
        XCTAssertNoThrow(try WireMessage.decode(frames, signer: unsigned, history: history))
        XCTAssertNoThrow(try WireMessage.decode(frames, signer: unsigned, history: history))
        XCTAssertEqual(history.count, 0)
    }

    func testStreamTextIsSplitBetweenCharacters() {
        XCTAssertEqual(StreamCoalescer.split("abc", maxBytes: 10), ["abc"])
        XCTAssertEqual(StreamCoalescer.split("abcdefg", maxBytes: 3), ["abc", "def", "g"])
        // "é" is 2 bytes, "👩‍👩‍👧" one character of 18 bytes: never cut inside a character
        let pieces = StreamCoalescer.split("éééé👩‍👩‍👧x", maxBytes: 5)
        XCTAssertEqual(pieces, ["éé", "éé", "👩‍👩‍👧", "x"])
        XCTAssertEqual(pieces.joined(), "éééé👩‍👩‍👧x")
    }

    func testRateMeterAdmitsUpToTheLimitThenRecovers() {
        var meter = OutputRateMeter(limit: OutputRateLimit(bytesPerSecond: 100, window: 1))
        XCTAssertTrue(meter.admit(60, now: 0))
        XCTAssertTrue(meter.admit(40, now: 0.5))
        XCTAssertFalse(meter.admit(1, now: 0.9))
        XCTAssertFalse(meter.admit(50, now: 1.05))  // the first bucket has not left the window yet
        XCTAssertTrue(meter.admit(50, now: 1.15))   // 60 bytes of t=0 are gone
        XCTAssertFalse(meter.admit(20, now: 1.2))
        XCTAssertTrue(meter.admit(100, now: 3))
        XCTAssertFalse(OutputRateLimit().notice.isEmpty)
        XCTAssertTrue(OutputRateLimit().notice.contains("1 MB/s"))
    }
}
