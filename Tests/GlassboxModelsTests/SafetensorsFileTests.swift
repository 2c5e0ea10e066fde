import Foundation
import GlassboxEngine
import XCTest
import GlassboxModels

final class SafetensorsFileTests: XCTestCase {
    func testFloat32RoundTripIsExactAndKeepsMetadata() throws {
        let weights = Tensor(shape: [2, 3], scalars: [1, -2.5, .pi, .leastNonzeroMagnitude, -0.0, .greatestFiniteMagnitude])
        let bias = Tensor(shape: [3], scalars: [0.1, 0.2, 0.3])
        let file = SafetensorsFile(
            entries: [.init(name: "fc.weight", tensor: weights), .init(name: "fc.bias", tensor: bias)],
            metadata: ["glassbox.name": "demo \"quoted\"\n", "epochs": "3"])
        let decoded = try SafetensorsFile.decode(try file.encoded(), source: "memory")
        XCTAssertEqual(decoded.names, ["fc.weight", "fc.bias"])
        XCTAssertEqual(decoded.tensor(named: "fc.weight")?.shape, [2, 3])
        XCTAssertEqual(decoded.tensor(named: "fc.weight")?.scalars.map(\.bitPattern), weights.scalars.map(\.bitPattern))
        XCTAssertEqual(decoded.tensor(named: "fc.bias"), bias)
        XCTAssertEqual(decoded.metadata, file.metadata)
    }

    func testHeaderIsPaddedToEightBytes() throws {
        let file = SafetensorsFile(entries: [.init(name: "x", tensor: Tensor(shape: [1], scalars: [1]))])
        let data = try file.encoded()
        let headerLength = Int(data[0]) | Int(data[1]) << 8
        XCTAssertEqual((8 + headerLength) % 8, 0)
        XCTAssertEqual(data.count, 8 + headerLength + 4)
    }

    func testFloat16RoundTripWithinHalfPrecision() throws {
        var rng = SeededRandom(seed: 7)
        let values = (0..<1000).map { _ in rng.nextGaussian() * 10 }
        let file = SafetensorsFile(entries: [.init(name: "w", tensor: Tensor(shape: [1000], scalars: values), dtype: .f16)])
        let data = try file.encoded()
        XCTAssertEqual(data.count % 2, 0)
        let decoded = try SafetensorsFile.decode(data, source: "memory")
        XCTAssertEqual(decoded.entries[0].dtype, .f16)
        for (a, b) in zip(values, decoded.entries[0].tensor.scalars) {
            XCTAssertLessThanOrEqual(abs(a - b), abs(a) * 0.000_489 + 1e-7, "\(a) → \(b)")  // half an ulp: 2^-11
        }
    }

    func testHalfConversionEdgeCases() {
        func bits(_ x: Float) -> UInt16 { HalfPrecision.bits(from: x) }
        XCTAssertEqual(bits(1), 0x3C00)
        XCTAssertEqual(bits(-2), 0xC000)
        XCTAssertEqual(bits(65504), 0x7BFF)
        XCTAssertEqual(bits(65519), 0x7BFF)  // below the halfway point to 65536
        XCTAssertEqual(bits(65520), 0x7C00)  // halfway rounds to even: infinity
        XCTAssertEqual(bits(.infinity), 0x7C00)
        XCTAssertEqual(bits(-.infinity), 0xFC00)
        XCTAssertTrue(HalfPrecision.value(from: bits(.nan)).isNaN)
        XCTAssertEqual(bits(-0.0), 0x8000)
        // Ties to even: 1 + 2^-11 is halfway between 1 and 1 + 2^-10 → 1; 1 + 3·2^-11 → 1 + 2·2^-10.
        XCTAssertEqual(bits(1 + 0x1p-11), 0x3C00)
        XCTAssertEqual(bits(1 + 3 * 0x1p-11), 0x3C02)
        // Subnormals: smallest 2^-24, halfway 2^-25 rounds to even (0), just above rounds up.
        XCTAssertEqual(bits(0x1p-24), 0x0001)
        XCTAssertEqual(bits(0x1p-25), 0x0000)
        XCTAssertEqual(bits(0x1.8p-25), 0x0001)
        XCTAssertEqual(bits(3 * 0x1p-25), 0x0002)  // 1.5 × 2^-24 ties to even 2
        XCTAssertEqual(bits(0x1p-14), 0x0400)  // smallest normal
        XCTAssertEqual(bits(0x1p-14 - 0x1p-25), 0x0400)  // 1023.5 × 2^-24 rounds up into the normals
        XCTAssertEqual(HalfPrecision.value(from: 0x0001), 0x1p-24)
        XCTAssertEqual(HalfPrecision.value(from: 0x7BFF), 65504)
        XCTAssertEqual(HalfPrecision.value(from: 0xFC00), -.infinity)
        // Every finite half survives half → float → half exactly.
        for pattern in UInt16.min...UInt16.max where (pattern & 0x7C00) != 0x7C00 {
            XCTAssertEqual(bits(HalfPrecision.value(from: pattern)), pattern)
        }
        #if arch(x86_64) || arch(arm64)
        var rng = SeededRandom(seed: 3)
        for _ in 0..<100_000 {
            let x = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            guard !x.isNaN else { continue }
            XCTAssertEqual(bits(x), Float16(x).bitPattern, "\(x)")
        }
        #endif
    }

    /// Bytes laid out exactly as Python's `safetensors.numpy.save_file` writes them for
    /// `{"a": float32 [[1, 2], [3, 4]], "b": float16 [0.5, -1]}` with metadata `{"format": "np"}`:
    /// header sorted by key, tensors in descending alignment order then by name, header padded with
    /// spaces.
    func testReadsFileLaidOutLikePythonSafetensors() throws {
        let header = #"{"__metadata__":{"format":"np"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F16","shape":[2],"data_offsets":[16,20]}}"#
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var bytes: [UInt8] = []
        var n = UInt64(headerBytes.count)
        for _ in 0..<8 { bytes.append(UInt8(n & 0xFF)); n >>= 8 }
        bytes += headerBytes
        for x: Float in [1, 2, 3, 4] { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes += $0 } }
        bytes += [0x00, 0x38, 0x00, 0xBC]  // 0.5 = 0x3800, -1 = 0xBC00, little-endian
        let file = try SafetensorsFile.decode(Data(bytes), source: "python.safetensors")
        XCTAssertEqual(file.metadata, ["format": "np"])
        XCTAssertEqual(file.tensor(named: "a"), Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))
        XCTAssertEqual(file.tensor(named: "b"), Tensor(shape: [2], scalars: [0.5, -1]))
        XCTAssertEqual(file.entries.first { $0.name == "b" }?.dtype, .f16)
    }

    /// The exact bytes Python's `safetensors.numpy.save_file` (0.x) wrote for
    /// `{"fc.weight": np.arange(6, dtype=float32).reshape(2, 3), "h": float16 [0.5, -1, 65504, 1e-7]}`
    /// with metadata `{"k": "v"}` (captured once, pasted here).
    func testReadsBytesWrittenByPythonSafetensors() throws {
        let header = #"{"__metadata__":{"k":"v"},"fc.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"h":{"dtype":"F16","shape":[4],"data_offsets":[24,32]}}       "#
        XCTAssertEqual(header.utf8.count, 152)
        let hex = "000000000000803f0000004000004040000080400000a040003800bcff7b0200"
        var bytes: [UInt8] = [152, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        let file = try SafetensorsFile.decode(Data(bytes), source: "py.safetensors")
        XCTAssertEqual(file.metadata, ["k": "v"])
        XCTAssertEqual(file.tensor(named: "fc.weight"), Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5]))
        XCTAssertEqual(file.tensor(named: "h")?.scalars, [0.5, -1, 65504, 2 * 0x1p-24])  // 1e-7 → subnormal 2·2⁻²⁴
        // And our encoder produces the same bytes for the same content (tensor order as Python's).
        let ours = SafetensorsFile(entries: [.init(name: "fc.weight", tensor: file.tensor(named: "fc.weight")!),
                                             .init(name: "h", tensor: file.tensor(named: "h")!, dtype: .f16)],
                                   metadata: ["k": "v"])
        XCTAssertEqual(Array(try ours.encoded()), bytes)
    }

    func testAtomicWriteAndReadFromDisk() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gb-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("m.safetensors")
        let first = SafetensorsFile(entries: [.init(name: "x", tensor: Tensor(shape: [2], scalars: [1, 2]))])
        try first.write(to: url)
        let second = SafetensorsFile(entries: [.init(name: "y", tensor: Tensor(shape: [1], scalars: [9]))])
        try second.write(to: url)  // replaces
        XCTAssertEqual(try SafetensorsFile.read(from: url).names, ["y"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["m.safetensors"])
        XCTAssertThrowsError(try SafetensorsFile.read(from: directory.appendingPathComponent("missing.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("missing.safetensors"), "\(error)")
        }
    }

    // MARK: Corrupt files

    private func file(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> Data {
        var bytes: [UInt8] = []
        var n = declaredLength ?? UInt64(header.utf8.count)
        for _ in 0..<8 { bytes.append(UInt8(n & 0xFF)); n >>= 8 }
        return Data(bytes + Array(header.utf8) + data)
    }

    private func assertRejects(_ data: Data, mentioning fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafetensorsFile.decode(data, source: "bad.safetensors"), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("bad.safetensors"), text, file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(text.contains(fragment), "'\(text)' should mention '\(fragment)'", file: file, line: line)
            }
        }
    }

    func testRejectsCorruptFiles() {
        let good = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let eight = [UInt8](repeating: 0, count: 8)
        XCTAssertNoThrow(try SafetensorsFile.decode(file(header: good, data: eight), source: "ok"))
        assertRejects(Data([1, 2, 3]), mentioning: ["too short"])
        assertRejects(file(header: good, data: eight, declaredLength: 1 << 40), mentioning: ["header length"])
        assertRejects(file(header: good, data: eight, declaredLength: 500), mentioning: ["header length 500"])
        assertRejects(file(header: #"{"w": nonsense}"#, data: []), mentioning: ["not valid JSON"])
        assertRejects(file(header: "[1,2]", data: []), mentioning: ["'{'"])
        assertRejects(file(header: #"{"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}"#, data: eight), mentioning: ["'w'", "Q7"])
        assertRejects(file(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eight), mentioning: ["'w'", "shape [3]"])
        assertRejects(file(header: #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: eight), mentioning: ["'w'", "out of range"])
        assertRejects(file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: eight), mentioning: ["'w'", "out of range"])
        assertRejects(file(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, data: eight), mentioning: ["'w'", "data_offsets"])
        assertRejects(file(header: #"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: eight), mentioning: ["'w'", "shape"])
        assertRejects(file(header: #"{"w":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}"#, data: eight), mentioning: ["'w'", "shape"])
        assertRejects(file(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"v":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: eight), mentioning: ["overlap"])
        assertRejects(file(header: #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: eight), mentioning: ["'w'", "gap"])
        assertRejects(file(header: good, data: eight + [0, 0, 0, 0]), mentioning: ["cover 8 bytes", "12"])
        assertRejects(file(header: #"{"__metadata__":{"k":3},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: eight), mentioning: ["__metadata__", "'k'"])
        assertRejects(file(header: #"{"w":[1,2]}"#, data: []), mentioning: ["'w'", "not an object"])
        // Truncated data: the header promises more bytes than the file has.
        assertRejects(file(header: good, data: [0, 0, 0]), mentioning: ["out of range"])
    }

    func testRejectsDuplicateNamesWhenWriting() {
        let t = Tensor(shape: [1], scalars: [0])
        XCTAssertThrowsError(try SafetensorsFile(entries: [.init(name: "a", tensor: t), .init(name: "a", tensor: t)]).encoded())
        XCTAssertThrowsError(try SafetensorsFile(entries: [.init(name: "__metadata__", tensor: t)]).encoded())
    }
}
