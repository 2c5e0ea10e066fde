import Foundation
@testable import GlassboxData
import GlassboxEngine
import XCTest

/// `.npz` archives: our own round trips, refusals, and files written and read by NumPy itself.
final class NumpyArchiveTests: XCTestCase {
    private let arrays: [(name: String, array: NumpyArray)] = [
        ("maps", NumpyArray(Tensor(shape: [2, 1, 3, 3], scalars: (0..<18).map { Float($0) * 0.25 - 1 }))),
        ("labels", NumpyArray(integers: [7, 2, 1])),
        ("mask", try! NumpyArray(shape: [2, 2], values: .bool([true, false, false, true]))),
    ]

    func testRoundTripsStoredAndDeflatedArchives() throws {
        for compressed in [false, true] {
            let bytes = try NumpyArchive.encode(arrays, compressed: compressed)
            let archive = try NumpyArchive(bytes: bytes, name: "a.npz")
            XCTAssertEqual(archive.names, ["maps", "labels", "mask"])
            for (name, array) in arrays {
                XCTAssertEqual(try archive.array(named: name), array)
                XCTAssertEqual(try archive.array(named: name + ".npy"), array)
            }
            XCTAssertTrue(archive.contains("labels"))
            XCTAssertFalse(archive.contains("other"))
            assertDataError(try archive.array(named: "other")) {
                XCTAssertEqual($0.description, "a.npz is not a NumPy .npz archive Glassbox can read: it has no array 'other'; it holds 'maps', 'labels', 'mask'")
            }
        }
        // Stored members hold the .npy bytes verbatim.
        let stored = try NumpyArchive.encode(arrays)
        let npy = NumpyFile.encode(arrays[0].array)
        XCTAssertNotNil(stored.firstRange(of: npy))
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("x.npz")
        try NumpyArchive.write(arrays, to: url, compressed: true)
        XCTAssertEqual(try NumpyArchive(contentsOf: url).array(named: "maps"), arrays[0].array)
        assertDataError(try NumpyArchive.encode([("a", arrays[1].array), ("a", arrays[1].array)]))
        assertDataError(try NumpyArchive.encode([("", arrays[1].array)]))
    }

    func testRefusesDamagedAndUnsupportedArchives() throws {
        let good = try NumpyArchive.encode(arrays)
        func message(_ bytes: [UInt8], array: String = "maps") -> String {
            var text = ""
            assertDataError(try NumpyArchive(bytes: bytes, name: "/d/r.npz").array(named: array)) { text = $0.description }
            XCTAssertTrue(text.contains("/d/r.npz"), text)
            return text
        }
        XCTAssertTrue(message([1, 2, 3]).contains("too short"))
        XCTAssertTrue(message(NumpyFile.encode(arrays[1].array)).contains("single .npy array"))
        XCTAssertTrue(message(Array(good.dropLast(30))).contains("no zip end-of-directory record"))
        // The first member's method field sits at offset 8 in its local header; its central entry's at 10.
        let central = try XCTUnwrap(good.firstRange(of: [0x50, 0x4B, 0x01, 0x02])).lowerBound
        var bzip2 = good
        bzip2[central + 10] = 12
        let refusal = message(bzip2)
        XCTAssertTrue(refusal.contains("member 'maps.npy'") && refusal.contains("method 12 (bzip2)"), refusal)
        var encrypted = good
        encrypted[central + 8] |= 1
        XCTAssertTrue(message(encrypted).contains("encrypted"))
        // A flipped data byte is caught by the CRC-32.
        var corrupt = good
        corrupt[200] ^= 0x40
        XCTAssertTrue(message(corrupt).contains("CRC-32 mismatch"))
        // Deflated data cut short.
        let deflated = try NumpyArchive.encode([("maps", arrays[0].array)], compressed: true)
        var truncated = deflated
        let compressedSize = Int(deflated[centralDirectoryStart(deflated) + 20]) | Int(deflated[centralDirectoryStart(deflated) + 21]) << 8
        truncated.replaceSubrange((30 + 8 + compressedSize / 2)..<(30 + 8 + compressedSize), with: [UInt8](repeating: 0, count: compressedSize - compressedSize / 2))
        let text = message(truncated)
        XCTAssertTrue(text.contains("member 'maps.npy'") && (text.contains("corrupt") || text.contains("truncated") || text.contains("expand to")), text)
        var multiDisk = good
        multiDisk[good.count - 22 + 4] = 1
        XCTAssertTrue(message(multiDisk).contains("multi-disk"))
        var offset = good
        offset[good.count - 22 + 16] = 0xFE
        offset[good.count - 22 + 17] = 0xFF
        XCTAssertTrue(message(offset).contains("outside the file"))
        var badMember = try NumpyArchive.encode([("x", arrays[1].array)])
        badMember[30 + 5] = UInt8(ascii: "Q")  // inside the .npy magic; the CRC is fixed up so the member reads
        let directoryStart = centralDirectoryStart(badMember)
        let crc = ZipArchive.checksum(Array(badMember[(30 + 5)..<(30 + 5 + NumpyFile.encode(arrays[1].array).count)]))
        for (i, byte) in withUnsafeBytes(of: crc.littleEndian, Array.init).enumerated() {
            badMember[14 + i] = byte
            badMember[directoryStart + 16 + i] = byte
        }
        let npyError = message(badMember, array: "x")
        XCTAssertTrue(npyError.contains("/d/r.npz (member x.npy)") && npyError.contains("magic"), npyError)
    }

    func testDamagedBytesNeverCrash() throws {
        // Random byte changes and cuts of valid files: every outcome is an array or a DataError, never a trap.
        var random = SeededRandom(seed: 17)
        let originals = [try NumpyArchive.encode(arrays), try NumpyArchive.encode(arrays, compressed: true)]
        for round in 0..<3_000 {
            var bytes = originals[round % 2]
            for _ in 0..<(1 + Permutation.uniformInt(below: 4, using: &random)) {
                bytes[Permutation.uniformInt(below: bytes.count, using: &random)] = UInt8(truncatingIfNeeded: random.next())
            }
            if round % 5 == 0 { bytes.removeLast(Permutation.uniformInt(below: bytes.count, using: &random)) }
            do {
                let archive = try NumpyArchive(bytes: bytes, name: "fuzz.npz")
                for name in archive.names { _ = try? archive.array(named: name) }
            } catch {
                XCTAssertTrue(error is DataError, "\(error)")
            }
            var npy = NumpyFile.encode(arrays[round % 3].array)
            npy[Permutation.uniformInt(below: npy.count, using: &random)] = UInt8(truncatingIfNeeded: random.next())
            if round % 7 == 0 { npy.removeLast(Permutation.uniformInt(below: npy.count, using: &random)) }
            do { _ = try NumpyFile.decode(npy, name: "fuzz.npy") } catch { XCTAssertTrue(error is DataError, "\(error)") }
        }
    }

    /// The offset of the first central directory entry.
    private func centralDirectoryStart(_ bytes: [UInt8]) -> Int {
        bytes.firstRange(of: [0x50, 0x4B, 0x01, 0x02])!.lowerBound
    }

    func testReadsWhatNumPyWrites() throws {
        let python = try numpyPython()
        let directory = try makeTemporaryDirectory(self)
        let script = """
            import sys, zipfile, numpy as np
            from numpy.lib import format as npformat
            d = sys.argv[1]
            a = np.arange(24, dtype='<f4').reshape(2, 3, 4) / 8 - 1
            np.save(d + '/f4.npy', a)
            np.save(d + '/f8.npy', np.linspace(-1, 1, 5))
            np.save(d + '/u1.npy', np.arange(250, 256, dtype=np.uint8).reshape(3, 2))
            np.save(d + '/i4.npy', np.array([[-5], [7]], dtype='<i4'))
            np.save(d + '/i8.npy', np.array([2**40, -3]))
            np.save(d + '/b1.npy', np.array([True, False, True]))
            np.save(d + '/fortran.npy', np.asfortranarray(np.arange(6, dtype='<i8').reshape(2, 3)))
            np.save(d + '/scalar.npy', np.float32(2.5))
            np.save(d + '/big.npy', np.arange(3, dtype='>f4'))
            for version in [(2, 0), (3, 0)]:
                with open(d + '/v%d.npy' % version[0], 'wb') as f:
                    npformat.write_array(f, np.arange(3, dtype='<i4'), version=version)
            X = np.linspace(0, 1, 6 * 16, dtype='float32').reshape(6, 16)
            y = np.array([[1], [2], [3], [4], [5], [6]], dtype='int32')
            np.savez(d + '/stored.npz', X_train=X, y_train=y)
            np.savez_compressed(d + '/deflated.npz', X_train=X, y_train=y)
            with zipfile.ZipFile(d + '/bzip2.npz', 'w', compression=zipfile.ZIP_BZIP2) as z:
                z.writestr('X_train.npy', open(d + '/f4.npy', 'rb').read())
            # Tiny limits make zipfile write zip64 directory fields and end records for small files.
            zipfile.ZIP64_LIMIT = 8
            zipfile.ZIP_FILECOUNT_LIMIT = 1
            np.savez(d + '/zip64.npz', X_train=X, y_train=y)
            """
        try runPython(python, script: script, arguments: [directory.path])
        func npy(_ name: String) throws -> NumpyArray { try NumpyFile.read(at: directory.appendingPathComponent(name)) }
        let f4 = try npy("f4.npy")
        XCTAssertEqual(f4.shape, [2, 3, 4])
        XCTAssertEqual(f4.values, .float32((0..<24).map { Float($0) / 8 - 1 }))
        XCTAssertEqual(try npy("f8.npy").values, .float64([-1, -0.5, 0, 0.5, 1]))
        XCTAssertEqual(try npy("u1.npy"), try NumpyArray(shape: [3, 2], values: .uint8([250, 251, 252, 253, 254, 255])))
        XCTAssertEqual(try npy("i4.npy"), try NumpyArray(shape: [2, 1], values: .int32([-5, 7])))
        XCTAssertEqual(try npy("i8.npy").values, .int64([1 << 40, -3]))
        XCTAssertEqual(try npy("b1.npy").values, .bool([true, false, true]))
        XCTAssertEqual(try npy("fortran.npy"), try NumpyArray(shape: [2, 3], values: .int64([0, 1, 2, 3, 4, 5])))
        XCTAssertEqual(try npy("scalar.npy"), try NumpyArray(shape: [], values: .float32([2.5])))
        XCTAssertEqual(try npy("v2.npy").values, .int32([0, 1, 2]))
        XCTAssertEqual(try npy("v3.npy").values, .int32([0, 1, 2]))
        assertDataError(try npy("big.npy")) { XCTAssertTrue($0.description.contains("big-endian"), $0.description) }

        let expectedX = (0..<96).map { Float(Double($0) / 95) }
        for name in ["stored.npz", "deflated.npz", "zip64.npz"] {
            let archive = try NumpyArchive(contentsOf: directory.appendingPathComponent(name))
            XCTAssertEqual(archive.names, ["X_train", "y_train"], name)
            let x = try archive.array(named: "X_train")
            XCTAssertEqual(x.shape, [6, 16], name)
            guard case .float32(let values) = x.values else { return XCTFail(name) }
            for (a, b) in zip(values, expectedX) { XCTAssertEqual(a, b, accuracy: 1e-7, name) }
            XCTAssertEqual(try archive.array(named: "y_train"), try NumpyArray(shape: [6, 1], values: .int32([1, 2, 3, 4, 5, 6])), name)
        }
        assertDataError(try NumpyArchive(contentsOf: directory.appendingPathComponent("bzip2.npz")).array(named: "X_train")) {
            XCTAssertTrue($0.description.contains("member 'X_train.npy'") && $0.description.contains("method 12 (bzip2)"), $0.description)
        }
    }

    func testNumPyReadsWhatWeWrite() throws {
        let python = try numpyPython()
        let directory = try makeTemporaryDirectory(self)
        let tensor = Tensor(shape: [2, 1, 2, 3], scalars: [0, 0.5, -1.25, 3e-8, 1e20, -0.0, 7, 8, 9, 10, 11, 12])
        try NumpyFile.write(tensor, to: directory.appendingPathComponent("maps.npy"))
        try NumpyFile.write(NumpyArray(integers: [9, -4]), to: directory.appendingPathComponent("labels.npy"))
        let members: [(name: String, array: NumpyArray)] = [
            ("maps", NumpyArray(tensor)), ("labels", NumpyArray(integers: [3, 1, 4])),
            ("bytes", try NumpyArray(shape: [2], values: .uint8([0, 255]))), ("flags", try NumpyArray(shape: [1], values: .bool([true]))),
            ("doubles", try NumpyArray(shape: [1, 1], values: .float64([0.1]))), ("ints", try NumpyArray(shape: [0], values: .int32([]))),
        ]
        try NumpyArchive.write(members, to: directory.appendingPathComponent("stored.npz"))
        try NumpyArchive.write(members, to: directory.appendingPathComponent("deflated.npz"), compressed: true)
        let script = """
            import sys, numpy as np
            d = sys.argv[1]
            m = np.load(d + '/maps.npy')
            assert m.dtype == np.float32 and m.shape == (2, 1, 2, 3), (m.dtype, m.shape)
            assert m.ravel().tolist() == np.array([0, 0.5, -1.25, 3e-8, 1e20, -0.0, 7, 8, 9, 10, 11, 12], dtype=np.float32).tolist()
            l = np.load(d + '/labels.npy')
            assert l.dtype == np.int64 and l.tolist() == [9, -4]
            for name in ['stored.npz', 'deflated.npz']:
                with np.load(d + '/' + name) as z:
                    assert z.files == ['maps', 'labels', 'bytes', 'flags', 'doubles', 'ints'], z.files
                    assert (z['maps'] == m).all()
                    assert z['labels'].tolist() == [3, 1, 4] and z['labels'].dtype == np.int64
                    assert z['bytes'].dtype == np.uint8 and z['bytes'].tolist() == [0, 255]
                    assert z['flags'].dtype == np.bool_ and z['flags'].tolist() == [True]
                    assert z['doubles'].shape == (1, 1) and z['doubles'][0, 0] == 0.1
                    assert z['ints'].dtype == np.int32 and z['ints'].shape == (0,)
            print('ok')
            """
        XCTAssertEqual(try runPython(python, script: script, arguments: [directory.path]), "ok\n")
    }
}
