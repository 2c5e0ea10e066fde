import Foundation
import XCTest

@testable import GlassboxKernel

final class WireMessageTests: XCTestCase {
    let signer = MessageSigner(key: Array("key".utf8))
    let headers = MessageHeaderFactory(session: "s-1", username: "tester")

    func encoded(identities: [Data] = [Data("client-a".utf8), Data("route".utf8)], buffers: [Data] = []) -> [Data] {
        WireMessage.encode(
            identities: identities, header: headers.header(msgType: "execute_request"),
            parentHeader: Data(#"{"msg_id":"p"}"#.utf8), metadata: ["m": 1],
            content: ["code": "6 * 7", "silent": false], buffers: buffers, signer: signer)
    }

    func testFrameLayoutAndRoundTrip() throws {
        let frames = encoded(buffers: [Data([1, 2, 3])])
        XCTAssertEqual(frames.count, 2 + 6 + 1)
        XCTAssertEqual(frames[2], WireMessage.delimiter)
        XCTAssertEqual(String(decoding: frames[3], as: UTF8.self), signer.signature(of: Array(frames[4...7])))
        let message = try WireMessage.decode(frames, signer: signer)
        XCTAssertEqual(message.identities, [Data("client-a".utf8), Data("route".utf8)])
        XCTAssertEqual(message.msgType, "execute_request")
        XCTAssertEqual(message.header["session"] as? String, "s-1")
        XCTAssertEqual(message.header["username"] as? String, "tester")
        XCTAssertEqual(message.parentHeader["msg_id"] as? String, "p")
        XCTAssertEqual(JSONFields.int(message.metadata, "m"), 1)
        XCTAssertEqual(message.content["code"] as? String, "6 * 7")
        XCTAssertEqual(JSONFields.bool(message.content, "silent"), false)
        XCTAssertEqual(message.buffers, [Data([1, 2, 3])])
        XCTAssertEqual(message.rawHeader, frames[4])
    }

    func testNoIdentities() throws {
        let message = try WireMessage.decode(encoded(identities: []), signer: signer)
        XCTAssertEqual(message.identities, [])
    }

    func testMissingDelimiter() {
        var frames = encoded()
        frames.remove(at: 2)
        XCTAssertThrowsError(try WireMessage.decode(frames, signer: signer)) {
            XCTAssertEqual($0 as? WireError, .missingDelimiter(frameCount: frames.count))
        }
    }

    func testTooFewFrames() {
        let frames = Array(encoded().prefix(6))
        XCTAssertThrowsError(try WireMessage.decode(frames, signer: signer)) {
            XCTAssertEqual($0 as? WireError, .tooFewFrames(3))
        }
    }

    func testSignatureProblems() {
        var frames = encoded()
        frames[3] = Data()
        XCTAssertThrowsError(try WireMessage.decode(frames, signer: signer)) { XCTAssertEqual($0 as? WireError, .missingSignature) }
        frames = encoded()
        frames[7] = Data(#"{"code":"rm -rf /"}"#.utf8)  // content changed after signing
        XCTAssertThrowsError(try WireMessage.decode(frames, signer: signer)) { XCTAssertEqual($0 as? WireError, .badSignature) }
        // The same frames verify under an empty key (unsigned sessions).
        XCTAssertNoThrow(try WireMessage.decode(frames, signer: MessageSigner(key: [])))
    }

    func signed(_ header: String, content: String = "{}") -> [Data] {
        let parts = [Data(header.utf8), Data("{}".utf8), Data("{}".utf8), Data(content.utf8)]
        return [WireMessage.delimiter, Data(signer.signature(of: parts).utf8)] + parts
    }

    func testJSONProblems() {
        XCTAssertThrowsError(try WireMessage.decode(signed("{oops"), signer: signer)) {
            XCTAssertEqual($0 as? WireError, .invalidJSON(part: "header"))
        }
        XCTAssertThrowsError(try WireMessage.decode(signed("[1,2]"), signer: signer)) {
            XCTAssertEqual($0 as? WireError, .notAnObject(part: "header"))
        }
        let header = #"{"msg_id":"1","msg_type":"kernel_info_request","session":"s"}"#
        XCTAssertThrowsError(try WireMessage.decode(signed(header, content: "\"text\""), signer: signer)) {
            XCTAssertEqual($0 as? WireError, .notAnObject(part: "content"))
        }
        XCTAssertThrowsError(try WireMessage.decode(signed(#"{"msg_type":"x","session":"s"}"#), signer: signer)) {
            XCTAssertEqual($0 as? WireError, .missingHeaderField("msg_id"))
        }
        XCTAssertThrowsError(try WireMessage.decode(signed(#"{"msg_id":1,"msg_type":"x","session":"s"}"#), signer: signer)) {
            XCTAssertEqual($0 as? WireError, .missingHeaderField("msg_id"))
        }
        XCTAssertNoThrow(try WireMessage.decode(signed(header), signer: signer))
    }

    func testBooleansAreNotNumbers() throws {
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(#"{"t":true,"f":false,"one":1,"zero":0}"#.utf8)) as? [String: Any])
        XCTAssertEqual(JSONFields.bool(object, "t"), true)
        XCTAssertEqual(JSONFields.bool(object, "f"), false)
        XCTAssertNil(JSONFields.bool(object, "one"))
        XCTAssertNil(JSONFields.int(object, "t"))
        XCTAssertEqual(JSONFields.int(object, "zero"), 0)
        let encoded = String(decoding: WireMessage.json(["b": true, "n": 1]), as: UTF8.self)
        XCTAssertTrue(encoded.contains(#""b":true"#), encoded)
        XCTAssertTrue(encoded.contains(#""n":1"#), encoded)
    }
}

final class JSONWriterTests: XCTestCase {
    func testOutputParsesBackToTheSameValues() throws {
        let object: [String: Any] = [
            "text": "quote \" backslash \\ newline \n tab \t bell \u{7} ünïcödé 🙂 </script>",
            "int": -42, "big": 9_007_199_254_740_993, "double": 0.5, "whole": 3.0, "yes": true, "no": false,
            "null": NSNull(), "list": [1, "two", [3], ["k": "v"]] as [Any], "strings": ["a", "b"],
            "nested": ["metadata": ["image/png": ["width": 10, "height": 20]]], "empty": [String: Any](),
            "emptyList": [Any](),
        ]
        let data = try XCTUnwrap(JSONWriter.data(object))
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix(#"{"big":9007199254740993,"double":0.5,"empty":{},"emptyList":[],"int":-42,"#), text)
        XCTAssertTrue(text.contains(#""yes":true"#) && text.contains(#""no":false"#) && text.contains(#""null":null"#))
        XCTAssertTrue(text.contains(#""whole":3"#))
        XCTAssertTrue(text.contains(#"\u0007"#))
        let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(parsed["text"] as? String, object["text"] as? String)
        XCTAssertEqual(JSONFields.int(parsed, "int"), -42)
        XCTAssertEqual(JSONFields.bool(parsed, "yes"), true)
        XCTAssertEqual(JSONFields.bool(parsed, "no"), false)
        XCTAssertTrue(parsed["null"] is NSNull)
        XCTAssertEqual(parsed["strings"] as? [String], ["a", "b"])
        let nested = (parsed["nested"] as? [String: Any])?["metadata"] as? [String: Any]
        XCTAssertEqual(JSONFields.int(nested?["image/png"] as? [String: Any] ?? [:], "height"), 20)
    }

    func testUnrepresentableValuesFallBack() {
        XCTAssertNil(JSONWriter.data(["nan": Double.nan]))
        XCTAssertNil(JSONWriter.data(["date": Date()]))
        XCTAssertEqual(String(decoding: WireMessage.json(["a": 1]), as: UTF8.self), #"{"a":1}"#)
    }
}
