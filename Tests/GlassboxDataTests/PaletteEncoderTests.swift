import Foundation
import GlassboxEngine
import XCTest
@testable import GlassboxData

/// Images held as codes into their distinct values: the narrowest exact form, the same bits back.
final class PaletteEncoderTests: XCTestCase {
    private func bits(_ rows: ImageRows) throws -> [UInt32] {
        try rows.tensor().scalars.map(\.bitPattern)
    }

    private func images(_ values: [Float], height: Int = 4, width: Int = 5) -> Tensor {
        Tensor(shape: [values.count / (height * width), 1, height, width], scalars: values)
    }

    /// Up to 256 distinct values take one byte per pixel, and decode to the very bits stored, −0, +0
    /// and a NaN payload included.
    func testAFewValuesTakeOneBytePerPixelAndComeBackBitForBit() throws {
        var values = (0..<200).map { Float($0 % 97) / 7 }
        values[3] = -0.0
        values[4] = Float(bitPattern: 0x7FC0_1234)
        values[5] = .infinity
        let tensor = images(values)
        let rows = try ImageRows.compacting(tensor)
        XCTAssertTrue(rows.isBytes)
        XCTAssertEqual(rows.byteCount, 200)
        XCTAssertEqual(try bits(rows), values.map(\.bitPattern))
        XCTAssertEqual(try rows.tensor().scalars[3].sign, .minus, "−0 keeps its sign")
    }

    /// 257…65,536 distinct values take two bytes per pixel; selections, slices and per-image walks of
    /// the codes equal those of the floats.
    func testUpTo65536ValuesTakeTwoBytesPerPixel() throws {
        var random = SeededRandom(seed: 5)
        let values = (0..<(60 * 20)).map { _ in Float(Permutation.uniformInt(below: 3000, using: &random)) / 3001 }
        XCTAssertGreaterThan(Set(values).count, 256)
        let floats = ImageRows(images(values))
        let codes = try ImageRows.compacting(images(values))
        XCTAssertTrue(codes.isBytes)
        XCTAssertEqual(codes.byteCount, values.count * 2)
        XCTAssertEqual(try bits(codes), values.map(\.bitPattern))
        XCTAssertEqual(codes, floats)
        XCTAssertEqual(try codes.slice(7..<31), try floats.slice(7..<31))
        XCTAssertEqual(try codes.slice(7..<31).byteCount, 24 * 20 * 2)
        XCTAssertEqual(try codes.tensor(rows: 11..<12), try floats.tensor(rows: 11..<12))
        let picked = [59, 0, 13, 13, 2]
        XCTAssertEqual(codes.gathering(picked), floats.gathering(picked))
        XCTAssertTrue(codes.gathering(picked).isBytes)
        var walked: [Int: [Float]] = [:]
        codes.forEachImage(picked) { index, pixels in walked[index] = Array(pixels) }
        for index in picked {
            XCTAssertEqual(walked[index], Array(values[(index * 20)..<((index + 1) * 20)]))
        }
    }

    /// Beyond 65,536 distinct values the images stay floats, also when the palette fills in the middle
    /// of an append.
    func testMoreThan65536ValuesStayFloats() throws {
        let first = (0..<60_000).map { Float($0) }
        let second = (0..<20_000).map { Float(100_000 + $0 % 10_000) } + first.prefix(20_000)
        var encoder = PaletteEncoder()
        encoder.append(first)
        XCTAssertEqual(encoder.distinctValues, 60_000)
        encoder.append(second)
        XCTAssertNil(encoder.distinctValues)
        let rows = try encoder.rows(count: 6_250, height: 4, width: 4)
        XCTAssertFalse(rows.isBytes)
        XCTAssertEqual(try bits(rows), (first + second).map(\.bitPattern))
        XCTAssertThrowsError(try encoder.rows(count: 6_251, height: 4, width: 4))
    }

    /// Two-byte codes decode any bytes, even codes no palette entry was made for (they read 0).
    func testTwoByteCodesDecodeAnyBytes() throws {
        let decoding = ByteDecoding(palette: (0..<300).map { Float($0) + 0.5 })
        XCTAssertEqual(decoding.codeWidth, 2)
        let bytes: [UInt8] = [0x2B, 0x01, 0xFF, 0xFF, 0x05, 0x00, 0x00, 0x00]   // 299, 65535, 5, 0
        let rows = try ImageRows(bytes: ByteStorage(bytes), offset: 0, count: 1, height: 2, width: 2, decoding: decoding)
        XCTAssertEqual(try rows.tensor().scalars, [299.5, 0, 5.5, 0.5])
        XCTAssertThrowsError(try ImageRows(bytes: ByteStorage(bytes), offset: 2, count: 1, height: 2, width: 2,
                                           decoding: decoding), "four two-byte codes do not fit in six bytes")
    }
}
