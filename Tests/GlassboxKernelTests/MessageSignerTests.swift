import Foundation
import XCTest

@testable import GlassboxKernel

final class MessageSignerTests: XCTestCase {
    func testRFC4231Case1() {
        let signer = MessageSigner(key: Array(repeating: 0x0b, count: 20))
        XCTAssertEqual(signer.signature(of: [Data("Hi There".utf8)]),
                       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    func testRFC4231Case2SplitAcrossFrames() {
        // HMAC over several frames equals HMAC over their concatenation.
        let signer = MessageSigner(key: Array("Jefe".utf8))
        XCTAssertEqual(signer.signature(of: [Data("what do ya want ".utf8), Data("for nothing?".utf8)]),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// Computed with Python: hmac.new(b"secret-key", header + parent + metadata + content, sha256).
    func testJupyterStyleMessage() {
        let signer = MessageSigner(key: Array("secret-key".utf8))
        let frames = [Data(#"{"msg_id":"1"}"#.utf8), Data("{}".utf8), Data("{}".utf8), Data(#"{"code":"6 * 7"}"#.utf8)]
        let expected = "3639455f41caadedd58234faad6cd9d8f470fd012b3f9ec702a49210afb9e826"
        XCTAssertEqual(signer.signature(of: frames), expected)
        XCTAssertTrue(signer.verify(signature: Data(expected.utf8), frames: frames))
        var flipped = Array(expected.utf8)
        flipped[10] = flipped[10] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        XCTAssertFalse(signer.verify(signature: Data(flipped), frames: frames))
        XCTAssertFalse(signer.verify(signature: Data(expected.uppercased().utf8), frames: frames))
        XCTAssertFalse(signer.verify(signature: Data(expected.dropLast().utf8), frames: frames))
        XCTAssertFalse(signer.verify(signature: Data(), frames: frames))
        XCTAssertFalse(signer.verify(signature: Data(expected.utf8), frames: Array(frames.dropLast()) + [Data("{}".utf8)]))
    }

    func testEmptyKeyMeansUnsigned() {
        let signer = MessageSigner(key: [])
        XCTAssertFalse(signer.isSigning)
        XCTAssertEqual(signer.signature(of: [Data("x".utf8)]), "")
        XCTAssertTrue(signer.verify(signature: Data(), frames: [Data("x".utf8)]))
    }
}
