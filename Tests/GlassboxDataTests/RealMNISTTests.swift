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

    func testClutteredMNISTWithTheReferenceSettings() throws {
        let mnist = try MNIST.load(locator: locator())
        let start = Date()
        let data = try ClutteredMNIST.generate(from: mnist)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(data.train.images.shape, [10_000, 1, 40, 40])
        XCTAssertEqual([data.validation.count, data.test.count], [1_000, 1_000])
        let raw = try IDXFile.readLabels(at: sharedDirectory.appendingPathComponent("train-labels-idx1-ubyte.gz"))
        let rawTest = try IDXFile.readLabels(at: sharedDirectory.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        for (split, range, labels) in [(MNIST.Split.train, 0..<50_000, raw), (.validation, 50_000..<60_000, raw), (.test, 0..<10_000, rawTest)] {
            let digits = try XCTUnwrap(data.digits(split))
            for (item, digit) in digits.enumerated() {
                XCTAssertTrue(range.contains(digit.sourceIndex))
                XCTAssertEqual(data.split(split).labels[item], Int(labels.labels[digit.sourceIndex]))
                XCTAssertTrue(digit.ink.top >= digit.frame.top && digit.ink.bottom <= digit.frame.bottom && digit.ink.area > 0)
            }
        }
        let values = data.train.images.scalars
        XCTAssertTrue(values.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertTrue(values.contains(255.0 / 256.0), "a lone digit's brightest pixel is 255/256")
        let bottom = data.trainDigits!.filter { $0.frame.top == 12 }.count
        XCTAssertTrue((6_770...7_230).contains(bottom), "\(bottom) of 10,000 digits on the bottom edge")
        // Every label is common (the digits are a uniform draw).
        for digit in 0...9 { XCTAssertTrue((800...1_300).contains(data.train.indices(ofDigit: digit).count)) }
        // The images, as float32 bits, are those the generator made when it stored every pixel (before
        // it kept recipes and rendered them on demand, and before that whenever the bundled clut-* weights
        // were trained): a change to the algorithm, the random streams or the float operations shows here.
        for (images, digest) in [(data.train, "d7c39a30dcf5e43f3afbf5c17ae6fd366078bcec28d9078eba63a06bb79c3cb0"),
                                 (data.test, "6677f9507a7618b02cb7e37e14dd0620fba4982908b4eca72a99176b02de3395")] {
            let floats = images.images.scalars
            XCTAssertEqual(floats.withUnsafeBytes { MNISTLocator.sha256Hex($0) }, digest)
        }
        print("generated cluttered MNIST (12,000 images) in \(String(format: "%.2f", seconds)) s")
    }
}
