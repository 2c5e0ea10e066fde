import Foundation
import GlassboxData
import XCTest

/// Reads the real MNIST files from `../shared/data/mnist` next to the checkout. Skipped (with a clear
/// message) only when that directory does not exist; never downloads.
final class RealMNISTTests: XCTestCase {
    private var sharedDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("shared/data/mnist", isDirectory: true)
    }

    private func locator() throws -> MNISTLocator {
        let directory = sharedDirectory
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw XCTSkip("real MNIST not available: \(directory.path) does not exist")
        }
        return MNISTLocator(explicitDirectory: directory, environment: [:],
                            homeDirectory: URL(fileURLWithPath: "/nonexistent-home"), mirrors: [], downloader: nil)
    }

    func testLoadsSplitsWithReferenceCountsAndOrder() throws {
        let locator = try locator()
        let start = Date()
        let mnist = try MNIST.load(locator: locator)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(mnist.train.count, 55_000)
        XCTAssertEqual(mnist.validation.count, 5_000)
        XCTAssertEqual(mnist.test.count, 10_000)
        XCTAssertEqual(mnist.train.images.shape, [55_000, 1, 28, 28])
        // Original training labels begin 5 0 4 1 9 2 1 3 1 4; test labels begin 7 2 1 0 4 1 4 9 5 9.
        XCTAssertEqual(Array(mnist.validation.labels.prefix(10)), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
        XCTAssertEqual(Array(mnist.test.labels.prefix(10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
        // The train split starts at original index 5000.
        let raw = try IDXFile.readLabels(at: sharedDirectory.appendingPathComponent("train-labels-idx1-ubyte.gz"))
        XCTAssertEqual(mnist.train.labels, raw.labels[5000...].map(Int.init))
        XCTAssertEqual(Array(mnist.train.labels.prefix(10)), raw.labels[5000..<5010].map(Int.init))
        let rawImages = try IDXFile.readImages(at: sharedDirectory.appendingPathComponent("train-images-idx3-ubyte.gz"))
        XCTAssertEqual(mnist.train.images.scalars[0..<784].map { UInt8(($0 * 255).rounded()) }, Array(rawImages.pixels[(5000 * 784)..<(5001 * 784)]))
        XCTAssertEqual(mnist.train.images.scalars.max(), 1)
        XCTAssertEqual(mnist.train.images.scalars.min(), 0)
        // Each digit appears in the train split roughly 5,000–6,200 times.
        for digit in 0...9 {
            XCTAssertTrue((4_900...6_300).contains(mnist.train.indices(ofDigit: digit).count))
        }
        XCTAssertEqual(try mnist.train.perDigit(index: 3).labels, Array(0...9))
        print("loaded MNIST in \(String(format: "%.2f", seconds)) s (debug build)")
    }

    func testDecompressedPayloadsHaveTheReferenceSHA256() throws {
        let locator = try locator()
        let files = try locator.locate()
        XCTAssertEqual(files.count, 4)
        for (role, file) in files {
            let payload = try IDXFile.payload(at: file.url)
            XCTAssertEqual(MNISTLocator.sha256Hex(payload), MNISTCatalog.standard.spec(role)!.sha256, "\(role)")
        }
    }
}
