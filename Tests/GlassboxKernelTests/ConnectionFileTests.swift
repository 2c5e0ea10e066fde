import Foundation
import XCTest

@testable import GlassboxKernel

final class ConnectionFileTests: XCTestCase {
    let valid: [String: Any] = [
        "transport": "tcp", "ip": "127.0.0.1", "shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003,
        "control_port": 5004, "hb_port": 5005, "key": "a0b1", "signature_scheme": "hmac-sha256",
        "kernel_name": "glassbox",
    ]
    let publicKey = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
    let secretKey = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"

    func parse(_ object: [String: Any]) throws -> ConnectionFile {
        try ConnectionFile.parse(try JSONSerialization.data(withJSONObject: object), path: "/tmp/conn.json")
    }

    func error(_ object: [String: Any]) -> ConnectionFileError? {
        do {
            _ = try parse(object)
            return nil
        } catch let error as ConnectionFileError {
            return error
        } catch {
            return nil
        }
    }

    func testValidFile() throws {
        let file = try parse(valid)
        XCTAssertEqual(file.transport, .tcp)
        XCTAssertEqual(file.key, Array("a0b1".utf8))
        XCTAssertEqual(file.endpoint(for: .shell), "tcp://127.0.0.1:5001")
        XCTAssertEqual(file.endpoint(for: .hb), "tcp://127.0.0.1:5005")
        XCTAssertEqual(file.kernelName, "glassbox")
        XCTAssertFalse(file.usesCurve)
        var ipc = valid
        ipc["transport"] = "ipc"
        ipc["ip"] = "/tmp/kernel"
        XCTAssertEqual(try parse(ipc).endpoint(for: .control), "ipc:///tmp/kernel-5004")
    }

    func testCurveKeys() throws {
        var object = valid
        object["curve_publickey"] = publicKey
        object["curve_secretkey"] = secretKey
        let file = try parse(object)
        XCTAssertTrue(file.usesCurve)
        XCTAssertEqual(file.curvePublicKey, publicKey)
        object["curve_secretkey"] = "too short"
        XCTAssertEqual(error(object)?.field, "curve_secretkey")
        object.removeValue(forKey: "curve_secretkey")
        XCTAssertEqual(error(object)?.field, "curve_secretkey")
    }

    func testErrorsNameTheField() {
        func check(_ field: String, _ value: Any?, _ expectedField: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
            var object = valid
            object[field] = value
            let failure = error(object)
            XCTAssertEqual(failure?.field, expectedField ?? field, file: file, line: line)
            XCTAssertEqual(failure?.path, "/tmp/conn.json", file: file, line: line)
            XCTAssertTrue(failure?.description.contains("/tmp/conn.json") ?? false, file: file, line: line)
        }
        check("key", nil)
        check("key", 12)
        check("ip", nil)
        check("ip", "")
        check("shell_port", nil)
        check("shell_port", "5001")
        check("iopub_port", 70000)
        check("stdin_port", -1)
        check("hb_port", 1.5)
        check("control_port", true)
        check("transport", "udp")
        check("signature_scheme", "hmac-md5")
    }

    func testWholeFileErrors() {
        XCTAssertThrowsError(try ConnectionFile.parse(Data("{oops".utf8), path: "/x.json")) {
            let failure = $0 as? ConnectionFileError
            XCTAssertNil(failure?.field)
            XCTAssertEqual(failure?.description, "connection file /x.json is not valid JSON")
        }
        XCTAssertThrowsError(try ConnectionFile.parse(Data("[1]".utf8), path: "/x.json")) {
            XCTAssertEqual(($0 as? ConnectionFileError)?.problem, "is not a JSON object")
        }
        XCTAssertThrowsError(try ConnectionFile.load(path: "/definitely/not/here.json")) {
            XCTAssertTrue(($0 as? ConnectionFileError)?.description.hasPrefix("connection file /definitely/not/here.json cannot be read") ?? false)
        }
    }
}
