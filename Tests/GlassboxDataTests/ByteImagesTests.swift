import Foundation
import GlassboxEngine
import XCTest
@testable import GlassboxData

/// MNIST held as bytes: the same floats as before (byte/255), memory-mapped files, the verified
/// unpacked copy of a gzipped file.
final class ByteImagesTests: XCTestCase {
    /// Every byte value decodes to exactly `Float(b) / 255`, the value the float loader stored.
    func testEveryByteDecodesToTheFloatTheLoaderStoredBefore() throws {
        let bytes = (0..<512).map { UInt8($0 % 256) }
        let rows = try ImageRows(bytes: ByteStorage(bytes), offset: 0, count: 2, height: 16, width: 16, decoding: .unitInterval)
        let values = try rows.tensor().scalars
        for (i, byte) in bytes.enumerated() {
            XCTAssertEqual(values[i].bitPattern, (Float(byte) / 255).bitPattern, "byte \(byte)")
        }
        XCTAssertEqual(values, MNIST.floatPixels(bytes[...]))
    }

    /// Selections, ranges, single images and means of byte-held images equal those of the same images
    /// held as floats, bit for bit.
    func testByteAndFloatImagesSelectTheSameValues() throws {
        let data = try TinyDataSet(count: 37, rows: 5, columns: 4)
        let labels = data.labels.labels.map(Int.init)
        let bytes = try LabelledImages(
            rows: ImageRows(bytes: ByteStorage(data.images.pixels), offset: 0, count: 37, height: 5, width: 4,
                            decoding: .unitInterval),
            labels: labels)
        let floats = try LabelledImages(images: Tensor(shape: [37, 1, 5, 4], scalars: MNIST.floatPixels(data.images.pixels[...])),
                                        labels: labels)
        XCTAssertTrue(bytes.rows.isBytes)
        XCTAssertFalse(floats.rows.isBytes)
        XCTAssertEqual(bytes.rows.byteCount, 37 * 20)
        XCTAssertEqual(floats.rows.byteCount, 37 * 20 * 4)
        XCTAssertEqual(bytes.images, floats.images)
        XCTAssertEqual(bytes, floats)
        XCTAssertEqual(try bytes[3..<17].images, try floats[3..<17].images)
        XCTAssertTrue(try bytes[3..<17].rows.isBytes, "a range of bytes stays bytes")
        XCTAssertEqual(try bytes.selecting([5, 1, 5, 36]).images, try floats.selecting([5, 1, 5, 36]).images)
        XCTAssertEqual(try bytes.perDigit(index: 2).images, try floats.perDigit(index: 2).images)
        XCTAssertEqual(try bytes.ofDigit(7).images, try floats.ofDigit(7).images)
        XCTAssertEqual(try bytes[4].image, try floats[4].image)
        XCTAssertEqual(try bytes.meanImage(), try floats.meanImage())
        XCTAssertEqual(try bytes.classMeanImages(), try floats.classMeanImages())
        XCTAssertEqual(try bytes.tensor(rows: 30..<37), try floats.tensor(rows: 30..<37))
        for (a, b) in zip(try bytes.batches(size: 8, seed: 3), try floats.batches(size: 8, seed: 3)) {
            XCTAssertEqual(a.images, b.images)
            XCTAssertEqual(a.labels, b.labels)
        }
        XCTAssertThrowsError(try bytes.tensor(rows: 30..<38))
        XCTAssertNotEqual(try bytes[0..<2].rows, try floats[1..<3].rows)
    }

    /// Converting byte-held images to floats asks the memory budget first.
    func testConvertingToFloatsChecksTheBudget() throws {
        let count = 4096
        let rows = try ImageRows(bytes: ByteStorage([UInt8](repeating: 7, count: count * 784)), offset: 0, count: count,
                                 height: 28, width: 28, decoding: .unitInterval)
        let saved = MemoryBudget.shared.limit
        defer { MemoryBudget.shared.limit = saved }
        MemoryBudget.shared.limit = MemoryBudget.shared.inUse + (1 << 20)
        XCTAssertThrowsError(try rows.tensor()) { XCTAssertTrue($0 is MemoryExhausted, "\($0)") }
        XCTAssertNoThrow(try rows.tensor(rows: 0..<10))
    }

    /// A gzipped image file is unpacked once into the cache, verified, and mapped from then on; an
    /// uncompressed one is mapped where it is. Either way the values are those of the file.
    func testGzippedImagesAreUnpackedOnceAndMappedAndRawOnesMappedInPlace() throws {
        let root = try makeTemporaryDirectory(self)
        let data = root.appendingPathComponent("data/mnist", isDirectory: true)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let catalog = try writeTinyMNIST(to: data)
        let home = root.appendingPathComponent("home", isDirectory: true)
        let locator = MNISTLocator(explicitDirectory: nil, environment: ["GLASSBOX_DATA": data.deletingLastPathComponent().path],
                                   homeDirectory: home, catalog: catalog, mirrors: [], downloader: nil)
        let train = try TinyDataSet(count: 30)
        let test = try TinyDataSet(count: 20)
        let expected = try MNIST(trainImages: train.images, trainLabels: train.labels, testImages: test.images,
                                 testLabels: test.labels, validationCount: 10)

        let first = try MNIST.load(locator: locator, validationCount: 10)
        let trainBytes = IDXFile.encode(train.images)
        let unpacked = locator.unpackedDirectory.appendingPathComponent(
            MNISTImageFile.copyName(sha256: catalog.spec(.trainImages)!.sha256, crc: ZipArchive.checksum(trainBytes)))
        XCTAssertTrue(FileManager.default.fileExists(atPath: unpacked.path))
        XCTAssertEqual(MNISTLocator.sha256Hex([UInt8](try Data(contentsOf: unpacked))), catalog.spec(.trainImages)!.sha256)
        XCTAssertTrue(first.train.rows.isMapped)
        XCTAssertTrue(first.test.rows.isMapped)
        XCTAssertEqual(first.train.images, expected.train.images)
        // Giving the mapped pages back (as the kernel does after each cell) leaves the files mapped and
        // their values readable, unchanged.
        XCTAssertGreaterThanOrEqual(ByteStorage.releaseMappedPages(), first.train.rows.byteCount + first.test.rows.byteCount)
        XCTAssertTrue(first.train.rows.isMapped)
        XCTAssertEqual(first.train.images, expected.train.images)
        XCTAssertEqual(first.validation.images, expected.validation.images)
        XCTAssertEqual(first.test.images, expected.test.images)
        XCTAssertEqual(first.train.labels, expected.train.labels)

        // The second time the copy is mapped, and checked when asked to.
        let modified = try FileManager.default.attributesOfItem(atPath: unpacked.path)[.modificationDate] as? Date
        let second = try MNIST.load(locator: locator, verifyChecksums: true, validationCount: 10)
        XCTAssertEqual(second.test.images, expected.test.images)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: unpacked.path)[.modificationDate] as? Date, modified)

        // A damaged copy fails the check and is unpacked again.
        var damaged = [UInt8](try Data(contentsOf: unpacked))
        damaged[damaged.count - 1] ^= 0xFF
        try Data(damaged).write(to: unpacked)
        let third = try MNIST.load(locator: locator, verifyChecksums: true, validationCount: 10)
        XCTAssertEqual(third.train.images, expected.train.images)
        XCTAssertEqual(MNISTLocator.sha256Hex([UInt8](try Data(contentsOf: unpacked))), catalog.spec(.trainImages)!.sha256)

        // Another file under the same name (other contents, same catalog, checksums not verified) never
        // gets the copy made from the first one.
        let other = try IDXImages(count: 30, rows: 4, columns: 3, pixels: train.images.pixels.map { 255 - $0 })
        try IDXFile.write(other, to: data.appendingPathComponent("train-images-idx3-ubyte.gz"), compressed: true)
        let swapped = try MNIST.load(locator: locator, validationCount: 10)
        XCTAssertEqual(try swapped.train.tensor(rows: 0..<1).scalars, MNIST.floatPixels(other.pixels[(10 * 12)..<(11 * 12)]))
        XCTAssertFalse(swapped.train.rows.isMapped, "contents that are not the catalog's are not cached")
        assertDataError(try MNIST.load(locator: locator, verifyChecksums: true, validationCount: 10))

        // Uncompressed files are mapped in place; nothing is unpacked for them.
        let raw = root.appendingPathComponent("raw", isDirectory: true)
        try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
        try writeTinyMNIST(to: raw, compressed: false)
        let rawHome = root.appendingPathComponent("raw-home", isDirectory: true)
        let rawLocator = MNISTLocator(explicitDirectory: raw, environment: [:], homeDirectory: rawHome, catalog: catalog,
                                      mirrors: [], downloader: nil)
        let mapped = try MNIST.load(locator: rawLocator, verifyChecksums: true, validationCount: 10)
        XCTAssertTrue(mapped.train.rows.isMapped)
        XCTAssertEqual(mapped.train.images, expected.train.images)
        XCTAssertEqual(mapped.test.images, expected.test.images)
        XCTAssertFalse(FileManager.default.fileExists(atPath: rawLocator.unpackedDirectory.path))
    }

    /// Data that is not the catalog's is never cached: kept in memory when not verified, refused when it is.
    func testImagesThatAreNotTheCatalogsAreNotCached() throws {
        let root = try makeTemporaryDirectory(self)
        let data = root.appendingPathComponent("mnist", isDirectory: true)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        var catalog = try writeTinyMNIST(to: data)
        catalog.files[0].sha256 = String(repeating: "0", count: 64)
        let locator = MNISTLocator(explicitDirectory: data, environment: [:], homeDirectory: root.appendingPathComponent("home"),
                                   catalog: catalog, mirrors: [], downloader: nil)
        let loaded = try MNIST.load(locator: locator, validationCount: 10)
        XCTAssertFalse(loaded.train.rows.isMapped)
        XCTAssertTrue(loaded.train.rows.isBytes)
        XCTAssertTrue(loaded.test.rows.isMapped, "the test images match their checksum and are cached")
        let copies = (try? FileManager.default.contentsOfDirectory(atPath: locator.unpackedDirectory.path)) ?? []
        XCTAssertFalse(copies.contains { $0.hasPrefix(catalog.files[0].sha256) }, "\(copies)")
        XCTAssertEqual(copies.count, 1, "only the test images' copy: \(copies)")
        assertDataError(try MNIST.load(locator: locator, verifyChecksums: true, validationCount: 10)) { error in
            guard case .checksumMismatch = error else { return XCTFail("\(error)") }
        }
    }

    /// A cache that cannot be written leaves the images in memory, as bytes.
    func testAnUnwritableCacheKeepsTheImagesInMemory() throws {
        let root = try makeTemporaryDirectory(self)
        let data = root.appendingPathComponent("mnist", isDirectory: true)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let catalog = try writeTinyMNIST(to: data)
        // A "home" that is a regular file: no cache directory can be made under it, not even by root
        // (a read-only directory would not stop root, and CI runs as root).
        let home = root.appendingPathComponent("home")
        try Data("not a directory\n".utf8).write(to: home)
        let locator = MNISTLocator(explicitDirectory: data, environment: [:], homeDirectory: home, catalog: catalog,
                                   mirrors: [], downloader: nil)
        let loaded = try MNIST.load(locator: locator, validationCount: 10)
        XCTAssertFalse(loaded.train.rows.isMapped)
        XCTAssertEqual(loaded.train.count, 20)
    }
}
