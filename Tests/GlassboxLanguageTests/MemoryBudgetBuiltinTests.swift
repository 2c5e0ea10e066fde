import Foundation
import GlassboxData
import GlassboxEngine
import XCTest
@testable import GlassboxLanguage

/// Builtins whose result size is known before they run (matrix products, convolutions, pooling,
/// `toList`, `joined`, dataset loads) check it against the memory budget: a result that does not fit
/// is a MemoryError naming the builtin, nothing is allocated, and the next cell reads the earlier
/// variables.
final class MemoryBudgetBuiltinTests: XCTestCase {
    private var savedLimit = 0

    override func setUp() { savedLimit = MemoryBudget.shared.limit }
    override func tearDown() { MemoryBudget.shared.limit = savedLimit }

    /// A budget of `megabytes` above what the process holds now.
    private func budget(_ megabytes: Int) { MemoryBudget.shared.limit = MemoryBudget.shared.inUse + megabytes << 20 }

    private func assertMemoryError(_ h: BindingsHarness, _ code: String, naming name: String, file: StaticString = #filePath, line: UInt = #line) {
        let error = h.error(code)
        XCTAssertEqual(error?.kind, .memory, "\(code): \(error.map { "\($0.kind): \($0.message)" } ?? "no error")", file: file, line: line)
        XCTAssertTrue(error?.message.contains(name) == true, error?.message ?? "", file: file, line: line)
        XCTAssertTrue(error?.message.contains("set GLASSBOX_MEMORY_LIMIT") == true, error?.message ?? "", file: file, line: line)
        XCTAssertEqual(h.result("keep"), "42", "the session lost its variables after \(code)", file: file, line: line)
    }

    func testResultsTooLargeForTheBudgetAreRefusedBeforeTheyAreMade() {
        let h = BindingsHarness(defineTiny: false)
        h.run("let keep = 42")
        budget(100)
        // Each of these would need gigabytes (an outer product of 10 GB, a convolution of 4 GB, …).
        assertMemoryError(h, "matmul(zeros([50000, 1]), zeros([1, 50000]))", naming: "matmul")
        assertMemoryError(h, "conv2d(zeros([100, 1, 100, 100]), zeros([1000, 1, 3, 3]))", naming: "conv2d")
        assertMemoryError(h, "convTranspose2d(zeros([1, 1, 1, 1]), zeros([1, 1, 3, 3]), inputShape: [1, 1, 100000, 100000], stride: 100000)",
                          naming: "convTranspose2d")
        assertMemoryError(h, "avgPoolGradient(zeros([1, 1, 1, 1]), inputShape: [1, 1, 100000, 100000], window: 100000, stride: 100000)",
                          naming: "avgPoolGradient")
        assertMemoryError(h, "zeros([4096, 4096]).toList()", naming: "toList")
        assertMemoryError(h, "where(zeros([50000, 1]), zeros([1, 50000]), 1)", naming: "where")
        // A 64 MB image batch fits once; its pooling, pooling gradient, convolution or transpose does not fit beside it.
        guard case .success = h.run("let big = zeros([1, 1, 4096, 4096])") else { return XCTFail(h.result("big")) }
        for (code, name) in [("maxPool(big, window: 1, stride: 1)", "maxPool"), ("avgPool(big, window: 1, stride: 1)", "avgPool"),
                             ("maxPoolGradient(big, big, window: 1, stride: 1)", "maxPoolGradient"),
                             ("conv2d(big, zeros([1, 1, 1, 1]))", "conv2d"), ("transpose(big)", "transpose")] {
            assertMemoryError(h, code, naming: name)
        }
        // Joining sixteen references to one 8 MB string would make 128 MB.
        guard case .success = h.run("var s = \"ab\"\nfor i in 0..<22 { s = s + s }\nlet pieces = [s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s]") else {
            return XCTFail(h.result("pieces"))
        }
        assertMemoryError(h, "pieces.joined(separator: \",\")", naming: "joined")
        // The same builtins on sizes that fit still work.
        XCTAssertEqual(h.result("matmul(zeros([3, 1]) + 1, zeros([1, 2]) + 2).sum()"), "12.0")
        XCTAssertEqual(h.result("maxPool(zeros([1, 1, 4, 4]) + 1).shape"), "[1, 1, 2, 2]")
        XCTAssertEqual(h.result("(zeros([2, 2]) + 1).toList()"), "[1.0, 1.0, 1.0, 1.0]")
        XCTAssertEqual(h.result("[1, 2, 3].joined(separator: \"-\")"), "\"1-2-3\"")
        XCTAssertEqual(h.error("convTranspose2d(zeros([1, 1, 1, 1]), zeros([1, 1, 3, 3]), inputShape: [1, -1, 3, 3])")?.kind, .value)
    }

    func testDatasetLoadsCheckTheirSizesFirst() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-memory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // MNIST-sized files of blank images (small on disk, 220 MB as floats).
        for (images, labels, count) in [("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 60_000),
                                        ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10_000)] {
            try IDXFile.write(IDXImages(count: count, rows: 28, columns: 28, pixels: [UInt8](repeating: 0, count: count * 784)),
                              to: directory.appendingPathComponent(images), compressed: true)
            try IDXFile.write(IDXLabels(labels: [UInt8](repeating: 3, count: count)), to: directory.appendingPathComponent(labels), compressed: true)
        }
        // A cluttered-MNIST archive of 10,000 blank 40×40 uint8 images (16 MB, 64 MB as floats), deflated.
        let blank = try NumpyArray(shape: [10_000, 1600], values: .uint8([UInt8](repeating: 0, count: 10_000 * 1600)))
        let small = try NumpyArray(shape: [2, 1600], values: .uint8([UInt8](repeating: 0, count: 2 * 1600)))
        func labels(_ n: Int) throws -> NumpyArray { try NumpyArray(shape: [n], values: .uint8([UInt8](repeating: 1, count: n))) }
        let archive = directory.appendingPathComponent("cluttered.npz")
        try NumpyArchive.write([("X_train", blank), ("y_train", try labels(10_000)), ("X_valid", small), ("y_valid", try labels(2)),
                                ("X_test", small), ("y_test", try labels(2))], to: archive, compressed: true)
        let h = BindingsHarness(defineTiny: false)
        h.run("let keep = 42")
        budget(40)
        assertMemoryError(h, "dataset(\"mnist\", path: \"\(directory.path)\", download: false)", naming: "dataset")
        assertMemoryError(h, "dataset(\"cluttered-mnist\", path: \"\(archive.path)\")", naming: "dataset")
        // With room it loads: the failed load was not cached.
        budget(512)
        XCTAssertEqual(h.result("dataset(\"cluttered-mnist\", path: \"\(archive.path)\").train.count"), "10000")
    }
}
