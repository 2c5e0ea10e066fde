import Foundation
import XCTest
@testable import GlassboxLanguage

/// `load(…)` of things that are not model files: a clear ValueError naming the path and what it
/// is, answered at once (a FIFO or /dev/zero must not block the cell).
final class LoadErrorTests: XCTestCase {
    func testLoadRefusesWhatIsNotAModelFileByName() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("pipe.safetensors")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        let h = BindingsHarness(defineTiny: false)
        let cases: [(String, [String])] = [
            ("", ["load", "the path is empty"]),
            ("   ", ["the path is empty"]),
            ("/dev/null", ["/dev/null", "character device"]),
            ("/dev/zero", ["/dev/zero", "character device"]),
            (fifo.path, [fifo.path, "named pipe"]),
            (directory.path, [directory.path, "is a directory"]),
            (directory.appendingPathComponent("absent.safetensors").path, ["no file at", "absent.safetensors"]),
        ]
        let start = Date()
        for (path, fragments) in cases {
            let error = try XCTUnwrap(h.error("load(\"\(path)\")"), path)
            XCTAssertEqual(error.kind, .value, path)
            for fragment in fragments {
                XCTAssertTrue(error.message.contains(fragment), "\(path): \(error.message)")
            }
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "nothing blocks")
        XCTAssertEqual(h.result("1 + 1"), "2", "the session goes on")
    }
}
