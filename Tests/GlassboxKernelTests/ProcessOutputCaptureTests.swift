import Foundation
import XCTest

@testable import GlassboxKernel

final class ProcessOutputCaptureTests: XCTestCase {
    func testIncompleteUTF8TailIsCarriedOver() {
        var bytes = Array("ab€".utf8)  // € is E2 82 AC
        var complete = bytes
        XCTAssertEqual(ProcessOutputCapture.splitIncompleteTail(&complete), [])
        XCTAssertEqual(complete, bytes)
        bytes.removeLast()
        XCTAssertEqual(ProcessOutputCapture.splitIncompleteTail(&bytes), [0xE2, 0x82])
        XCTAssertEqual(bytes, Array("ab".utf8))
        var lead = Array("x🙂".utf8.prefix(2))  // F0 alone
        XCTAssertEqual(ProcessOutputCapture.splitIncompleteTail(&lead), [0xF0])
        var ascii = Array("plain".utf8)
        XCTAssertEqual(ProcessOutputCapture.splitIncompleteTail(&ascii), [])
    }

    func testWritesToDescriptorsOneAndTwoReachTheSink() throws {
        final class Collected: @unchecked Sendable {
            let lock = NSLock()
            var pieces: [(String, OutputStreamName)] = []
        }
        let collected = Collected()
        let capture = try ProcessOutputCapture.install()
        capture.attach { text, stream in collected.lock.withLock { collected.pieces.append((text, stream)) } }
        print("captured by print")
        FileHandle.standardError.write(Data("captured on stderr 🙂\n".utf8))
        let raw = Array("raw fd write\n".utf8)
        _ = raw.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        capture.detach()
        capture.uninstall()
        let pieces = collected.lock.withLock { collected.pieces }
        let stdout = pieces.filter { $0.1 == .stdout }.map(\.0).joined()
        let stderr = pieces.filter { $0.1 == .stderr }.map(\.0).joined()
        XCTAssertEqual(stdout, "captured by print\nraw fd write\n")
        XCTAssertEqual(stderr, "captured on stderr 🙂\n")
    }
}
