import Foundation
import GlassboxEngine

/// The raw contents of an IDX image file (magic 0x00000803): `count` images of `rows`×`columns`
/// unsigned bytes, row-major, image after image.
public struct IDXImages: Sendable, Equatable {
    public var count: Int
    public var rows: Int
    public var columns: Int
    /// `count * rows * columns` bytes.
    public var pixels: [UInt8]

    /// Images of `rows`×`columns`; `pixels.count` must be `count * rows * columns`.
    public init(count: Int, rows: Int, columns: Int, pixels: [UInt8]) throws {
        guard count >= 0, rows > 0, columns > 0 else {
            throw DataError.invalidArgument("IDX images need count ≥ 0 and positive rows and columns, got \(count)×\(rows)×\(columns)")
        }
        guard pixels.count == count * rows * columns else {
            throw DataError.invalidArgument("IDX images \(count)×\(rows)×\(columns) need \(count * rows * columns) bytes, got \(pixels.count)")
        }
        self.count = count
        self.rows = rows
        self.columns = columns
        self.pixels = pixels
    }
}

/// The raw contents of an IDX label file (magic 0x00000801): one unsigned byte per item.
public struct IDXLabels: Sendable, Equatable {
    public var labels: [UInt8]
    public var count: Int { labels.count }
    public init(labels: [UInt8]) { self.labels = labels }
}

/// Reads and writes IDX files (LeCun's MNIST format), gzipped or raw.
///
/// Compression is detected from the content (gzip magic 1f 8b), not from the file name. The header
/// is validated strictly: the magic number, positive dimensions, and a payload of exactly the
/// promised size; anything else throws a `DataError` naming the file.
public enum IDXFile {
    /// Magic number of an unsigned-byte, 3-dimensional IDX file (images).
    public static let imagesMagic: UInt32 = 0x0000_0803
    /// Magic number of an unsigned-byte, 1-dimensional IDX file (labels).
    public static let labelsMagic: UInt32 = 0x0000_0801

    /// The decompressed bytes of a file (gunzipped when it is gzip, as is otherwise).
    public static func payload(at url: URL) throws -> [UInt8] {
        let raw = try readBytes(at: url)
        return Gzip.isGzip(raw) ? try Gzip.decompress(raw, name: url.path) : raw
    }

    /// Reads an image file.
    public static func readImages(at url: URL) throws -> IDXImages {
        try parseImages(payload(at: url), name: url.path)
    }

    /// Reads a label file.
    public static func readLabels(at url: URL) throws -> IDXLabels {
        try parseLabels(payload(at: url), name: url.path)
    }

    /// Parses decompressed image-file bytes; `name` appears in errors.
    public static func parseImages(_ bytes: [UInt8], name: String) throws -> IDXImages {
        let dims = try header(bytes, name: name, magic: imagesMagic, dimensions: 3)
        let (count, rows, columns) = (dims[0], dims[1], dims[2])
        guard rows > 0, columns > 0 else {
            throw DataError.badHeader(path: name, reason: "image size \(rows)×\(columns) has a zero dimension")
        }
        let (area, overflowA) = rows.multipliedReportingOverflow(by: columns)
        let (expected, overflowB) = count.multipliedReportingOverflow(by: area)
        guard !overflowA, !overflowB else {
            throw DataError.badHeader(path: name, reason: "implausible dimensions \(count)×\(rows)×\(columns)")
        }
        let found = bytes.count - 16
        guard found == expected else { throw DataError.payloadSize(path: name, expected: expected, found: found) }
        return try IDXImages(count: count, rows: rows, columns: columns, pixels: Array(bytes[16...]))
    }

    /// The dimensions of the images in decompressed image-file bytes, checked as `parseImages` checks
    /// them (magic, non-zero image size, a payload of exactly the promised size), without copying.
    static func imageHeader(_ bytes: UnsafeRawBufferPointer, name: String)
        throws -> (count: Int, rows: Int, columns: Int, payloadOffset: Int) {
        guard bytes.count >= 4 else {
            throw DataError.badHeader(path: name, reason: "only \(bytes.count) bytes, too short for a magic number")
        }
        func word(_ offset: Int) -> UInt32 {
            UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
        }
        let found = word(0)
        guard found == imagesMagic else { throw DataError.badMagic(path: name, found: found, expected: imagesMagic) }
        guard bytes.count >= 16 else {
            throw DataError.badHeader(path: name, reason: "only \(bytes.count) bytes, the header of 3 dimension(s) needs 16")
        }
        let (count, rows, columns) = (Int(word(4)), Int(word(8)), Int(word(12)))
        guard rows > 0, columns > 0 else {
            throw DataError.badHeader(path: name, reason: "image size \(rows)×\(columns) has a zero dimension")
        }
        let (area, overflowA) = rows.multipliedReportingOverflow(by: columns)
        let (expected, overflowB) = count.multipliedReportingOverflow(by: area)
        guard !overflowA, !overflowB else {
            throw DataError.badHeader(path: name, reason: "implausible dimensions \(count)×\(rows)×\(columns)")
        }
        guard bytes.count - 16 == expected else { throw DataError.payloadSize(path: name, expected: expected, found: bytes.count - 16) }
        return (count, rows, columns, 16)
    }

    /// Parses decompressed label-file bytes; `name` appears in errors.
    public static func parseLabels(_ bytes: [UInt8], name: String) throws -> IDXLabels {
        let dims = try header(bytes, name: name, magic: labelsMagic, dimensions: 1)
        let found = bytes.count - 8
        guard found == dims[0] else { throw DataError.payloadSize(path: name, expected: dims[0], found: found) }
        return IDXLabels(labels: Array(bytes[8...]))
    }

    /// The bytes of an image file.
    public static func encode(_ images: IDXImages) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(16 + images.pixels.count)
        appendBigEndian(imagesMagic, to: &bytes)
        for dim in [images.count, images.rows, images.columns] { appendBigEndian(UInt32(dim), to: &bytes) }
        bytes.append(contentsOf: images.pixels)
        return bytes
    }

    /// The bytes of a label file.
    public static func encode(_ labels: IDXLabels) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + labels.count)
        appendBigEndian(labelsMagic, to: &bytes)
        appendBigEndian(UInt32(labels.count), to: &bytes)
        bytes.append(contentsOf: labels.labels)
        return bytes
    }

    /// Writes an image file, gzipped when `compressed`, atomically.
    public static func write(_ images: IDXImages, to url: URL, compressed: Bool) throws {
        let bytes = encode(images)
        try writeAtomically(compressed ? Gzip.compress(bytes) : bytes, to: url)
    }

    /// Writes a label file, gzipped when `compressed`, atomically.
    public static func write(_ labels: IDXLabels, to url: URL, compressed: Bool) throws {
        let bytes = encode(labels)
        try writeAtomically(compressed ? Gzip.compress(bytes) : bytes, to: url)
    }

    // MARK: - Internals

    /// The whole file, after checking its size against the memory budget (`MemoryExhausted` when
    /// it does not fit).
    static func readBytes(at url: URL) throws -> [UInt8] {
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int {
            try MemoryBudget.shared.check(size, for: "reading \(url.lastPathComponent) (\(size) bytes)")
        }
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            let reason = FileManager.default.fileExists(atPath: url.path) ? error.localizedDescription : "no such file"
            throw DataError.unreadable(path: url.path, reason: reason)
        }
    }

    /// Validates the magic number and returns the dimensions.
    private static func header(_ bytes: [UInt8], name: String, magic: UInt32, dimensions: Int) throws -> [Int] {
        guard bytes.count >= 4 else {
            throw DataError.badHeader(path: name, reason: "only \(bytes.count) bytes, too short for a magic number")
        }
        let found = readBigEndian(bytes, at: 0)
        guard found == magic else { throw DataError.badMagic(path: name, found: found, expected: magic) }
        let headerSize = 4 + 4 * dimensions
        guard bytes.count >= headerSize else {
            throw DataError.badHeader(
                path: name, reason: "only \(bytes.count) bytes, the header of \(dimensions) dimension(s) needs \(headerSize)")
        }
        return (0..<dimensions).map { Int(readBigEndian(bytes, at: 4 + 4 * $0)) }
    }

    private static func readBigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    private static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes.append(UInt8(value >> 24))
        bytes.append(UInt8((value >> 16) & 0xFF))
        bytes.append(UInt8((value >> 8) & 0xFF))
        bytes.append(UInt8(value & 0xFF))
    }
}

/// Writes `bytes` to a temporary file next to `url` and renames it into place, so that readers never
/// see a half-written file.
func writeAtomically(_ bytes: [UInt8], to url: URL) throws {
    let directory = url.deletingLastPathComponent()
    let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(bytes).write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            throw DataError.unwritable(path: url.path, reason: String(cString: strerror(errno)))
        }
    } catch let error as DataError {
        try? FileManager.default.removeItem(at: temporary)
        throw error
    } catch {
        try? FileManager.default.removeItem(at: temporary)
        throw DataError.unwritable(path: url.path, reason: error.localizedDescription)
    }
}
