import Foundation
import GlassboxEngine
import XCTest

@testable import GlassboxModels

/// Model-file metadata is validated field by field, tensors missing from the header are named, and
/// only regular files are read.
final class ModelFileValidationTests: XCTestCase {
    let architecture = Architecture(name: "tiny", inputShape: [4], layers: [
        .dense(name: "fc1", inputs: 4, outputs: 3, bias: true), .relu(name: "relu1"),
        .dense(name: "logits", inputs: 3, outputs: 2, bias: false),
    ])

    func goodFile() throws -> SafetensorsFile {
        let info = TrainingInfo(dataset: "mnist", epochs: 1, batchSize: 10, seed: 1, optimizer: "adam",
                                centredBatches: false, trainingImages: 100)
        return try ModelFile.contents(of: try architecture.build(seed: 1), architecture: architecture, info: info)
    }

    func expectFailure(_ file: SafetensorsFile, _ fragments: [String], line: UInt = #line) {
        XCTAssertThrowsError(try ModelFile.load(file, source: "tiny.safetensors"), line: line) { error in
            let text = "\(error)"
            for fragment in ["tiny.safetensors"] + fragments {
                XCTAssertTrue(text.contains(fragment), "'\(text)' should mention '\(fragment)'", line: line)
            }
        }
    }

    func testEveryMetadataFieldTheLoaderReadsIsValidated() throws {
        let good = try goodFile()
        XCTAssertEqual(good.metadata[ModelFile.formatKey], "pt")
        XCTAssertNotNil(try ModelFile.load(good, source: "tiny.safetensors").info)
        let garbage: [(key: String, value: String, fragments: [String])] = [
            (ModelFile.formatKey, "tf", ["'format'", "'tf'", "'pt'"]),
            (ModelFile.formatKey, "\u{0}\u{1}garbage", ["'format'"]),
            (ModelFile.nameKey, "not-tiny", ["glassbox.name", "not-tiny", "'tiny'"]),
            (ModelFile.nameKey, "", ["glassbox.name"]),
            (ModelFile.parametersKey, "lots", ["glassbox.parameters", "'lots'"]),
            (ModelFile.parametersKey, "-21", ["glassbox.parameters"]),
            (ModelFile.parametersKey, "21.0", ["glassbox.parameters"]),
            (ModelFile.parametersKey, "22", ["glassbox.parameters", "22", "21"]),
            (ModelFile.trainingKey, "{\"epochs\": \"many\"}", ["glassbox.training", "not a valid training record"]),
            (ModelFile.trainingKey, "garbage", ["glassbox.training"]),
        ]
        for (key, value, fragments) in garbage {
            var file = good
            file.metadata[key] = value
            expectFailure(file, fragments)
        }
        // Fields the loader does not need may be absent; keys it does not know are ignored on purpose.
        var minimal = good
        for key in [ModelFile.formatKey, ModelFile.nameKey, ModelFile.parametersKey, ModelFile.trainingKey] {
            minimal.metadata[key] = nil
        }
        minimal.metadata["other.tool"] = "\u{1}anything"
        let loaded = try ModelFile.load(minimal, source: "tiny.safetensors")
        XCTAssertNil(loaded.info)
        XCTAssertEqual(loaded.architecture, architecture)
    }

    func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gb-mf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    /// A file whose header lost the entry of `fc1.bias` while its bytes stay in the buffer.
    func testATensorMissingFromTheHeaderIsNamed() throws {
        let bytes = try goodFile().encoded()
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var header = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<8 + length)) as? [String: Any])
        XCTAssertNotNil(header.removeValue(forKey: "fc1.bias"))
        var headerBytes = Array(try JSONSerialization.data(withJSONObject: header))
        while headerBytes.count % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }
        var out = (0..<8).map { UInt8(truncatingIfNeeded: headerBytes.count >> (8 * $0)) }
        out += headerBytes
        out += Array(bytes[(8 + length)...])
        let url = try temporaryDirectory().appendingPathComponent("tiny.safetensors")
        try Data(out).write(to: url)
        XCTAssertThrowsError(try ModelFile.load(from: url)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("'fc1.bias'") && text.contains("missing") && text.contains("[3]"), text)
            XCTAssertFalse(text.contains("gap"), text)
        }
    }

    func testOnlyRegularFilesAreRead() throws {
        let directory = try temporaryDirectory()
        let fifo = directory.appendingPathComponent("pipe.safetensors")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        let empty = directory.appendingPathComponent("empty.safetensors")
        XCTAssertTrue(FileManager.default.createFile(atPath: empty.path, contents: Data()))
        let cases: [(URL, String)] = [
            (URL(fileURLWithPath: "/dev/null"), "character device"),
            (URL(fileURLWithPath: "/dev/zero"), "character device"),
            (fifo, "named pipe"),
            (directory, "is a directory"),
            (empty, "empty"),
            (directory.appendingPathComponent("absent.safetensors"), "no such file"),
            (empty.appendingPathComponent("below-a-file"), "not a directory"),
        ]
        let start = Date()
        for (url, fragment) in cases {
            XCTAssertThrowsError(try ModelFile.load(from: url), url.path) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(url.path) && text.contains(fragment), text)
                XCTAssertFalse(text.contains("NSCocoaErrorDomain") || text.contains("permission"), text)
            }
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "reading a FIFO or /dev/zero must not block")
    }
}
