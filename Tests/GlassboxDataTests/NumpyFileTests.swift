import Foundation
import GlassboxData
import GlassboxEngine
import XCTest

/// `.npy` reading and writing: round trips, hand-made headers, refusals with clear messages.
final class NumpyFileTests: XCTestCase {
    private let samples: [NumpyArray] = [
        try! NumpyArray(shape: [2, 3], values: .float32([0, 1.5, -2, .infinity, 1e-30, 3.25])),
        try! NumpyArray(shape: [3], values: .float64([0.1, -1e300, 7])),
        try! NumpyArray(shape: [2, 2, 2], values: .uint8([0, 1, 127, 128, 200, 254, 255, 9])),
        try! NumpyArray(shape: [4], values: .int32([0, -1, Int32.max, Int32.min])),
        try! NumpyArray(shape: [1, 3], values: .int64([Int64.min, 0, Int64.max])),
        try! NumpyArray(shape: [2], values: .bool([true, false])),
        try! NumpyArray(shape: [], values: .float32([42])),
        try! NumpyArray(shape: [0, 5], values: .int64([])),
    ]

    func testRoundTripsEveryTypeAndShape() throws {
        for array in samples {
            let bytes = NumpyFile.encode(array)
            XCTAssertEqual(try NumpyFile.decode(bytes, name: "x.npy"), array)
            // NumPy's layout: version 1.0, data aligned to 64 bytes, header ends with a newline.
            XCTAssertEqual(Array(bytes[0..<8]), NumpyFile.magic + [1, 0])
            let dataStart = 10 + Int(bytes[8]) + Int(bytes[9]) << 8
            XCTAssertEqual(dataStart % 64, 0)
            XCTAssertEqual(bytes[dataStart - 1], 0x0A)
            XCTAssertEqual(bytes.count - dataStart, array.count * array.dtype.byteCount)
        }
        let header = String(decoding: NumpyFile.encode(samples[0])[10..<128], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), header)
        XCTAssertTrue(String(decoding: NumpyFile.encode(samples[1]), as: UTF8.self).contains("'shape': (3,)"))
        XCTAssertTrue(String(decoding: NumpyFile.encode(samples[6]), as: UTF8.self).contains("'shape': ()"))
    }

    func testValuesAreLittleEndian() throws {
        let bytes = NumpyFile.encode(try NumpyArray(shape: [2], values: .int32([1, 0x0102_0304])))
        XCTAssertEqual(Array(bytes.suffix(8)), [1, 0, 0, 0, 4, 3, 2, 1])
        let float = NumpyFile.encode(NumpyArray(Tensor(shape: [1], scalars: [1])))
        XCTAssertEqual(Array(float.suffix(4)), [0, 0, 0x80, 0x3F])
    }

    func testWritesTensorsAndReadsThemBack() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("maps.npy")
        let tensor = Tensor(shape: [2, 1, 2, 3], scalars: (0..<12).map { Float($0) / 7 })
        try NumpyFile.write(tensor, to: url)
        let read = try NumpyFile.read(at: url)
        XCTAssertEqual(read.dtype, .float32)
        XCTAssertEqual(read.tensor(), tensor)
        XCTAssertEqual(try NumpyArray(integers: [3, -1, 7]).integers(name: "labels"), [3, -1, 7])
    }

    func testHugeHeadersUseVersionTwo() throws {
        // 25,000 dimensions of 1 make a header longer than 65,535 bytes.
        let array = try NumpyArray(shape: [Int](repeating: 1, count: 25_000), values: .uint8([7]))
        let bytes = NumpyFile.encode(array)
        XCTAssertEqual(Array(bytes[6..<8]), [2, 0])
        let dataStart = 12 + (Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16)
        XCTAssertEqual(dataStart % 64, 0)
        XCTAssertEqual(try NumpyFile.decode(bytes, name: "big.npy"), array)
    }

    /// A `.npy` file with a hand-written header.
    private func file(header: String, version: UInt8 = 1, data: [UInt8]) -> [UInt8] {
        let header = Array(header.utf8) + [0x0A]
        var bytes = NumpyFile.magic + [version, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)]
        if version > 1 { bytes += [0, 0] }
        return bytes + header + data
    }

    func testReadsFortranOrderVersionThreeAndPythonTwoHeaders() throws {
        // Column-major 2×3 [[1, 2, 3], [4, 5, 6]] is stored 1 4 2 5 3 6.
        let fortran = file(header: "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }", data: [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(try NumpyFile.decode(fortran, name: "f.npy"), try NumpyArray(shape: [2, 3], values: .uint8([1, 2, 3, 4, 5, 6])))
        // 2×3×2 in Fortran order: element (i, j, k) at i + 2j + 6k.
        let values = (0..<12).map { UInt8($0) }
        let cube = try NumpyFile.decode(file(header: "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3, 2)}", data: values), name: "c.npy")
        guard case .uint8(let c) = cube.values else { return XCTFail() }
        for i in 0..<2 { for j in 0..<3 { for k in 0..<2 { XCTAssertEqual(c[i * 6 + j * 2 + k], UInt8(i + 2 * j + 6 * k)) } } }
        let three = file(header: "{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": (1,)}", version: 3, data: [5, 0, 0, 0])
        XCTAssertEqual(try NumpyFile.decode(three, name: "v3.npy"), try NumpyArray(shape: [1], values: .int32([5])))
        let python2 = file(header: "{'descr': '<i8', 'fortran_order': False, 'shape': (1L, 2L), }", data: [UInt8](repeating: 0, count: 16))
        XCTAssertEqual(try NumpyFile.decode(python2, name: "py2.npy").shape, [1, 2])
        let oneByteOrder = file(header: "{'descr': '<b1', 'fortran_order': False, 'shape': (3,), }", data: [0, 1, 2])
        XCTAssertEqual(try NumpyFile.decode(oneByteOrder, name: "b.npy"), try NumpyArray(shape: [3], values: .bool([false, true, true])))
    }

    func testRefusesBadFilesWithClearMessages() throws {
        func message(_ bytes: [UInt8]) -> String {
            var text = ""
            assertDataError(try NumpyFile.decode(bytes, name: "/data/x.npy")) { text = $0.description }
            XCTAssertTrue(text.contains("/data/x.npy"), text)
            return text
        }
        let floats = [UInt8](repeating: 0, count: 8)
        XCTAssertTrue(message([1, 2, 3]).contains("too short"))
        XCTAssertTrue(message([UInt8]("not a numpy file".utf8)).contains("magic"))
        XCTAssertTrue(message([0x50, 0x4B, 3, 4] + [UInt8](repeating: 0, count: 20)).contains(".npz"))
        // Header (with 8 bytes of data) → what the message must say.
        let headers: [(String, String)] = [
            ("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", "big-endian"),
            ("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "dtype '<c8' is not supported"),
            ("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", "not supported"),
            ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", "structured"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", "truncated"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "too long"),
            ("{'descr': '<f4', 'shape': (2,), }", "exactly the keys"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "non-negative"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", "missing"),
            ("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,)}", "unexpected character"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (9999999999, 9999999999, 9999999999), }", "implausible"),
            ("{'descr': " + String(repeating: "(", count: 60_000), "more than 32 deep"),
        ]
        for (header, expected) in headers {
            let text = message(file(header: header, data: floats))
            XCTAssertTrue(text.contains(expected), "\(header): \(text)")
        }
        var version = file(header: "{}", data: [])
        version[6] = 4
        XCTAssertTrue(message(version).contains("version 4.0 is not supported"))
        var long = file(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data: floats)
        long[8] = 0xFF
        XCTAssertTrue(message(long).contains("the header is"))
        assertDataError(try NumpyFile.read(at: URL(fileURLWithPath: "/nonexistent/a.npy"))) {
            XCTAssertEqual($0, .unreadable(path: "/nonexistent/a.npy", reason: "no such file"))
        }
        XCTAssertThrowsError(try NumpyArray(shape: [2, 2], values: .float32([1])))
        XCTAssertThrowsError(try NumpyArray(shape: [2], values: .float32([1, 2.5])).integers(name: "y")) { error in
            XCTAssertTrue("\(error)".contains("y: value 1 is 2.5, not a whole number"), "\(error)")
        }
    }
}
