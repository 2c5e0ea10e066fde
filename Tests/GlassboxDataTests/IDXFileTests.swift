import Foundation
import GlassboxData
import XCTest

final class IDXFileTests: XCTestCase {
    func testImagesRoundTripGzippedAndRaw() throws {
        let directory = try makeTemporaryDirectory(self)
        let tiny = try TinyDataSet(count: 5, rows: 4, columns: 3)
        for compressed in [true, false] {
            let url = directory.appendingPathComponent(compressed ? "images.gz" : "images")
            try IDXFile.write(tiny.images, to: url, compressed: compressed)
            let raw = try [UInt8](Data(contentsOf: url))
            XCTAssertEqual(Gzip.isGzip(raw), compressed)
            let back = try IDXFile.readImages(at: url)
            XCTAssertEqual(back, tiny.images)
            XCTAssertEqual(back.count, 5)
            XCTAssertEqual(back.rows, 4)
            XCTAssertEqual(back.columns, 3)
            // Image 2, pixel 5 = (2*7 + 5*3) % 256 = 29.
            XCTAssertEqual(back.pixels[2 * 12 + 5], 29)
        }
    }

    func testLabelsRoundTripGzippedAndRaw() throws {
        let directory = try makeTemporaryDirectory(self)
        let labels = IDXLabels(labels: [3, 1, 4, 1, 5, 9, 2, 6])
        for compressed in [true, false] {
            let url = directory.appendingPathComponent(compressed ? "labels.gz" : "labels")
            try IDXFile.write(labels, to: url, compressed: compressed)
            XCTAssertEqual(try IDXFile.readLabels(at: url), labels)
        }
    }

    func testEncodedHeaderIsBigEndian() throws {
        let images = try IDXImages(count: 2, rows: 1, columns: 3, pixels: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(Array(IDXFile.encode(images).prefix(16)),
                       [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3])
        XCTAssertEqual(IDXFile.encode(IDXLabels(labels: [7, 8])), [0, 0, 8, 1, 0, 0, 0, 2, 7, 8])
    }

    func testBadMagicIsRejected() throws {
        let labels = IDXFile.encode(IDXLabels(labels: [1, 2, 3]))
        // A label file read as images: wrong magic.
        assertDataError(try IDXFile.parseImages(labels, name: "x.idx")) { error in
            XCTAssertEqual(error, .badMagic(path: "x.idx", found: 0x801, expected: 0x803))
            XCTAssertTrue(error.description.contains("x.idx"))
            XCTAssertTrue(error.description.contains("0x00000801"))
        }
        var garbage = labels
        garbage[2] = 0x0D
        assertDataError(try IDXFile.parseLabels(garbage, name: "y")) { error in
            XCTAssertEqual(error, .badMagic(path: "y", found: 0xD01, expected: 0x801))
        }
    }

    func testTruncatedAndOverlongPayloadsAreRejected() throws {
        let images = IDXFile.encode(try TinyDataSet(count: 3, rows: 2, columns: 2).images)
        assertDataError(try IDXFile.parseImages(Array(images.dropLast()), name: "t")) { error in
            XCTAssertEqual(error, .payloadSize(path: "t", expected: 12, found: 11))
            XCTAssertTrue(error.description.contains("truncated"))
        }
        assertDataError(try IDXFile.parseImages(images + [0], name: "t")) { error in
            XCTAssertEqual(error, .payloadSize(path: "t", expected: 12, found: 13))
        }
        let labels = IDXFile.encode(IDXLabels(labels: [1, 2, 3, 4]))
        assertDataError(try IDXFile.parseLabels(Array(labels.dropLast(2)), name: "l")) { error in
            XCTAssertEqual(error, .payloadSize(path: "l", expected: 4, found: 2))
        }
    }

    func testShortHeadersAndZeroDimensionsAreRejected() {
        assertDataError(try IDXFile.parseImages([0, 0], name: "s")) { error in
            guard case .badHeader(path: "s", _) = error else { return XCTFail("\(error)") }
        }
        assertDataError(try IDXFile.parseImages([0, 0, 8, 3, 0, 0, 0, 1], name: "s")) { error in
            guard case .badHeader(path: "s", _) = error else { return XCTFail("\(error)") }
        }
        assertDataError(try IDXFile.parseImages([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5], name: "z")) { error in
            guard case .badHeader(path: "z", _) = error else { return XCTFail("\(error)") }
        }
        // Absurd dimensions must not overflow.
        assertDataError(try IDXFile.parseImages([0, 0, 8, 3] + [UInt8](repeating: 0xFF, count: 12), name: "big")) { error in
            guard case .badHeader(path: "big", _) = error else { return XCTFail("\(error)") }
        }
    }

    func testCorruptGzipIsRejected() throws {
        let directory = try makeTemporaryDirectory(self)
        let bytes = IDXFile.encode(try TinyDataSet(count: 50, rows: 8, columns: 8).images)
        let gz = try Gzip.compress(bytes)
        XCTAssertEqual(try Gzip.decompress(gz, name: "ok"), bytes)

        // Flipped bits in the deflate data or the CRC: zlib must notice.
        var flipped = gz
        flipped[gz.count / 2] ^= 0xFF
        let corrupt = directory.appendingPathComponent("corrupt.gz")
        try Data(flipped).write(to: corrupt)
        assertDataError(try IDXFile.readImages(at: corrupt)) { error in
            guard case .corruptGzip(path: corrupt.path, _) = error else { return XCTFail("\(error)") }
        }
        var badCRC = gz
        badCRC[gz.count - 6] ^= 0x01
        assertDataError(try Gzip.decompress(badCRC, name: "crc")) { error in
            guard case .corruptGzip(path: "crc", _) = error else { return XCTFail("\(error)") }
        }

        // Truncated gzip stream.
        for cut in [gz.count - 1, gz.count - 9, gz.count / 2, 20] {
            assertDataError(try Gzip.decompress(Array(gz.prefix(cut)), name: "cut")) { error in
                guard case .corruptGzip(path: "cut", _) = error else { return XCTFail("\(error)") }
            }
        }
        // Trailing garbage after the stream.
        assertDataError(try Gzip.decompress(gz + [1, 2, 3], name: "tail")) { error in
            guard case .corruptGzip(path: "tail", let reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("trailing"))
        }
    }

    func testGzipAcceptsMultipleMembersAndZeroPadding() throws {
        let a: [UInt8] = Array(0..<200).map { UInt8($0 % 256) }
        let b: [UInt8] = [9, 8, 7]
        XCTAssertEqual(try Gzip.decompress(Gzip.compress(a) + Gzip.compress(b), name: "m"), a + b)
        XCTAssertEqual(try Gzip.decompress(Gzip.compress(a) + [0, 0, 0, 0], name: "p"), a)
        XCTAssertEqual(try Gzip.decompress(Gzip.compress([]), name: "empty"), [])
    }

    func testLargePayloadRoundTripsThroughManyChunks() throws {
        // Larger than the 256 KiB output chunk, with structure so that compression is not trivial.
        var random = UInt32(12345)
        let bytes: [UInt8] = (0..<1_000_000).map { i in
            random = random &* 1_664_525 &+ 1_013_904_223
            return i % 3 == 0 ? UInt8(random >> 24) : UInt8(i % 251)
        }
        XCTAssertEqual(try Gzip.decompress(Gzip.compress(bytes), name: "big"), bytes)
    }

    func testMissingFileNamesThePath() {
        let url = URL(fileURLWithPath: "/nonexistent/glassbox/file.gz")
        assertDataError(try IDXFile.readLabels(at: url)) { error in
            XCTAssertEqual(error, .unreadable(path: url.path, reason: "no such file"))
        }
    }
}
