import Foundation
import GlassboxEngine

/// Bytes that stay where they are: a read-only memory-mapped file (shared with every process that
/// maps the same file, through the page cache) or an array owned by this process.
public final class ByteStorage: @unchecked Sendable {
    private enum Backing {
        case mapped(UnsafeRawPointer, length: Int)
        case owned([UInt8])
    }
    private let backing: Backing

    /// Bytes held in memory.
    public init(_ bytes: [UInt8]) {
        backing = .owned(bytes)
    }

    /// Maps the whole file at `url` read-only (`MAP_SHARED`: every process mapping it shares its pages).
    public init(mapping url: URL) throws {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw DataError.unreadable(path: url.path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw DataError.unreadable(path: url.path, reason: String(cString: strerror(errno)))
        }
        let length = Int(status.st_size)
        guard length > 0 else {
            backing = .owned([])
            return
        }
        guard let address = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, 0), address != MAP_FAILED else {
            throw DataError.unreadable(path: url.path, reason: "cannot map it: " + String(cString: strerror(errno)))
        }
        backing = .mapped(UnsafeRawPointer(address), length: length)
    }

    deinit {
        if case .mapped(let address, let length) = backing {
            munmap(UnsafeMutableRawPointer(mutating: address), length)
        }
    }

    /// Whether the bytes are a mapped file (else an array of this process).
    public var isMapped: Bool {
        if case .mapped = backing { return true }
        return false
    }

    /// The number of bytes.
    public var count: Int {
        switch backing {
        case .mapped(_, let length): return length
        case .owned(let bytes): return bytes.count
        }
    }

    /// Calls `body` with all the bytes.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch backing {
        case .mapped(let address, let length): return try body(UnsafeRawBufferPointer(start: address, count: length))
        case .owned(let bytes): return try bytes.withUnsafeBytes(body)
        }
    }
}

/// `count` single-channel images of `height`×`width`, row after row, held either as float32 values or
/// as bytes decoded through a 256-entry table (MNIST: byte/255). Bytes take a quarter of the memory and
/// may be a memory-mapped file; they become floats only for the rows asked for (`tensor(rows:)`), with
/// exactly the values the table gives, so a byte-held image and the same image held as floats are
/// equal bit for bit.
public struct ImageRows: Sendable {
    public let count: Int
    public let height: Int
    public let width: Int
    private let storage: Storage

    private enum Storage: Sendable {
        case floats(Tensor)
        /// Image `i` is the `height·width` bytes at `offset + i·height·width`.
        case bytes(ByteStorage, offset: Int, table: ByteDecoding)
    }

    /// Images held as floats; `images` must be `[N, 1, H, W]`.
    public init(_ images: Tensor) {
        precondition(images.rank == 4 && images.shape[1] == 1, "ImageRows holds [N, 1, H, W] tensors")
        count = images.shape[0]
        height = images.shape[2]
        width = images.shape[3]
        storage = .floats(images)
    }

    /// `count` images of bytes starting at `offset` in `bytes`, decoded by `decoding`.
    public init(bytes: ByteStorage, offset: Int, count: Int, height: Int, width: Int, decoding: ByteDecoding) throws {
        guard count >= 0, height > 0, width > 0, offset >= 0, offset + count * height * width <= bytes.count else {
            throw DataError.invalidArgument(
                "\(count) images of \(height)×\(width) bytes from offset \(offset) do not fit in \(bytes.count) bytes")
        }
        self.count = count
        self.height = height
        self.width = width
        storage = .bytes(bytes, offset: offset, table: decoding)
    }

    /// Values per image.
    public var pixelsPerImage: Int { height * width }

    /// Whether the images are held as bytes.
    public var isBytes: Bool {
        if case .bytes = storage { return true }
        return false
    }

    /// Whether the bytes are a memory-mapped file, shared with other processes.
    public var isMapped: Bool {
        if case .bytes(let bytes, _, _) = storage { return bytes.isMapped }
        return false
    }

    /// Bytes the images take (mapped files included).
    public var byteCount: Int {
        switch storage {
        case .floats: return count * pixelsPerImage * MemoryLayout<Float>.stride
        case .bytes: return count * pixelsPerImage
        }
    }

    /// All images as `[N, 1, H, W]` floats.
    public func tensor() throws -> Tensor {
        try tensor(rows: 0..<count)
    }

    /// The images in `rows` as `[rows.count, 1, H, W]` floats. Converting bytes checks the memory budget.
    public func tensor(rows: Range<Int>) throws -> Tensor {
        guard rows.lowerBound >= 0, rows.upperBound <= count else {
            throw DataError.invalidArgument("range \(rows.lowerBound)..<\(rows.upperBound) is outside 0..<\(count)")
        }
        if isBytes {
            try MemoryBudget.shared.check(rows.count * pixelsPerImage * MemoryLayout<Float>.stride,
                                          for: "\(rows.count) images as floats")
        }
        return makeTensor(rows: rows)
    }

    /// All images as `[N, 1, H, W]` floats without asking the memory budget (for callers that cannot
    /// throw; bytes are converted on every call).
    public var floats: Tensor {
        makeTensor(rows: 0..<count)
    }

    private func makeTensor(rows: Range<Int>) -> Tensor {
        let shape = [rows.count, 1, height, width]
        let stride = pixelsPerImage
        switch storage {
        case .floats(let images):
            if rows == 0..<count { return images }
            return Tensor(shape: shape, scalars: Array(images.scalars[(rows.lowerBound * stride)..<(rows.upperBound * stride)]))
        case .bytes(let bytes, let offset, let table):
            let values = rows.count * stride
            let scalars = bytes.withBytes { raw in
                table.decode(UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset + rows.lowerBound * stride,
                                                 count: values))
            }
            return Tensor(shape: shape, scalars: scalars)
        }
    }

    /// The images in `rows`, held as they are (bytes stay bytes and are not copied).
    public func slice(_ rows: Range<Int>) throws -> ImageRows {
        guard rows.lowerBound >= 0, rows.upperBound <= count else {
            throw DataError.invalidArgument("range \(rows.lowerBound)..<\(rows.upperBound) is outside 0..<\(count)")
        }
        switch storage {
        case .floats:
            return ImageRows(makeTensor(rows: rows))
        case .bytes(let bytes, let offset, let table):
            return try ImageRows(bytes: bytes, offset: offset + rows.lowerBound * pixelsPerImage, count: rows.count,
                                 height: height, width: width, decoding: table)
        }
    }

    /// The images at `indices` (valid, repeats allowed), in that order, held as they are: bytes are
    /// gathered into bytes of this process, floats into floats.
    public func gathering(_ indices: [Int]) -> ImageRows {
        let stride = pixelsPerImage
        switch storage {
        case .floats(let images):
            var values = [Float](repeating: 0, count: indices.count * stride)
            images.scalars.withUnsafeBufferPointer { source in
                values.withUnsafeMutableBufferPointer { destination in
                    for (row, index) in indices.enumerated() {
                        (destination.baseAddress! + row * stride).update(from: source.baseAddress! + index * stride, count: stride)
                    }
                }
            }
            return ImageRows(Tensor(shape: [indices.count, 1, height, width], scalars: values))
        case .bytes(let bytes, let offset, let table):
            var gathered = [UInt8](repeating: 0, count: indices.count * stride)
            bytes.withBytes { raw in
                gathered.withUnsafeMutableBytes { destination in
                    for (row, index) in indices.enumerated() {
                        (destination.baseAddress! + row * stride)
                            .copyMemory(from: raw.baseAddress! + offset + index * stride, byteCount: stride)
                    }
                }
            }
            // The sizes match by construction.
            return try! ImageRows(bytes: ByteStorage(gathered), offset: 0, count: indices.count, height: height,
                                  width: width, decoding: table)
        }
    }

    /// Calls `body` with the float values of each listed image in turn (`height·width` values, valid only
    /// during the call), decoding bytes one image at a time.
    public func forEachImage(_ indices: [Int], _ body: (Int, UnsafeBufferPointer<Float>) -> Void) {
        let stride = pixelsPerImage
        switch storage {
        case .floats(let images):
            images.scalars.withUnsafeBufferPointer { source in
                for index in indices { body(index, UnsafeBufferPointer(rebasing: source[(index * stride)..<((index + 1) * stride)])) }
            }
        case .bytes(let bytes, let offset, let table):
            var row = [Float](repeating: 0, count: stride)
            bytes.withBytes { raw in
                let base = raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset
                row.withUnsafeMutableBufferPointer { values in
                    for index in indices {
                        table.decode(UnsafeBufferPointer(start: base + index * stride, count: stride), into: values)
                        body(index, UnsafeBufferPointer(values))
                    }
                }
            }
        }
    }
}

extension ImageRows: Equatable {
    /// Same shape and the same float value for every pixel.
    public static func == (a: ImageRows, b: ImageRows) -> Bool {
        guard a.count == b.count, a.height == b.height, a.width == b.width else { return false }
        let chunk = 1024
        var start = 0
        while start < a.count {
            let rows = start..<Swift.min(start + chunk, a.count)
            guard let x = try? a.tensor(rows: rows), let y = try? b.tensor(rows: rows), x == y else { return false }
            start = rows.upperBound
        }
        return true
    }
}

/// How a byte becomes a float: a table of 256 values.
public struct ByteDecoding: Sendable, Equatable {
    /// `table[b]` is the value of byte `b`.
    public let table: [Float]

    public init(table: [Float]) {
        precondition(table.count == 256, "a byte decoding needs 256 values")
        self.table = table
    }

    /// byte/255 as float32 (`Float(b) / 255`), the MNIST pixel convention.
    public static let unitInterval = ByteDecoding(table: (0..<256).map { Float($0) / 255 })

    /// The values of `bytes`.
    public func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> [Float] {
        [Float](unsafeUninitializedCapacity: bytes.count) { output, initialised in
            decode(bytes, into: output)
            initialised = bytes.count
        }
    }

    /// Writes the values of `bytes` into `output` (at least as long).
    public func decode(_ bytes: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<Float>) {
        table.withUnsafeBufferPointer { lookup in
            for i in 0..<bytes.count { output[i] = lookup[Int(bytes[i])] }
        }
    }
}
