import Foundation
import GlassboxEngine

/// Bytes that stay where they are: a read-only memory-mapped file (shared with every process that
/// maps the same file, through the page cache) or an array owned by this process.
public final class ByteStorage: @unchecked Sendable {
    private enum Backing {
        case mapped(UnsafeRawPointer, length: Int)
        case owned([UInt8])
        case ownedWords([UInt16])
    }
    private let backing: Backing

    /// Bytes held in memory.
    public init(_ bytes: [UInt8]) {
        backing = .owned(bytes)
    }

    /// Two-byte words held in memory, as their bytes in native byte order.
    public init(words: [UInt16]) {
        backing = .ownedWords(words)
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
        ByteStorage.mappedFiles.add(self)
    }

    deinit {
        if case .mapped(let address, let length) = backing {
            ByteStorage.mappedFiles.remove(self)
            munmap(UnsafeMutableRawPointer(mutating: address), length)
        }
    }

    /// Every mapped storage alive, weakly held.
    private static let mappedFiles = MappedFileRegistry()

    /// Unmaps the pages of every mapped file from this process (`madvise(MADV_DONTNEED)`) without
    /// unmapping the files: the pages stay in the system's page cache, shared with every other process
    /// that maps the same file, and the next read maps them again (a minor fault, about 15 ms for all
    /// of MNIST's 55 MB). A long-lived process calls it between pieces of work (the kernel, after each
    /// cell) so that its resident memory counts the dataset pages it is using, not every page it ever
    /// read. Returns the number of bytes advised.
    @discardableResult
    public static func releaseMappedPages() -> Int {
        mappedFiles.live().reduce(0) { total, storage in
            guard case .mapped(let address, let length) = storage.backing else { return total }
            return madvise(UnsafeMutableRawPointer(mutating: address), length, Int32(MADV_DONTNEED)) == 0 ? total + length : total
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
        case .ownedWords(let words): return 2 * words.count
        }
    }

    /// Calls `body` with all the bytes.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch backing {
        case .mapped(let address, let length): return try body(UnsafeRawBufferPointer(start: address, count: length))
        case .owned(let bytes): return try bytes.withUnsafeBytes(body)
        case .ownedWords(let words): return try words.withUnsafeBytes(body)
        }
    }
}

/// The mapped `ByteStorage`s alive, held weakly, for `ByteStorage.releaseMappedPages()`.
private final class MappedFileRegistry: @unchecked Sendable {
    private struct Entry {
        weak var storage: ByteStorage?
    }
    private let lock = NSLock()
    private var entries: [ObjectIdentifier: Entry] = [:]

    func add(_ storage: ByteStorage) {
        lock.lock()
        defer { lock.unlock() }
        entries[ObjectIdentifier(storage)] = Entry(storage: storage)
    }

    func remove(_ storage: ByteStorage) {
        lock.lock()
        defer { lock.unlock() }
        entries[ObjectIdentifier(storage)] = nil
    }

    func live() -> [ByteStorage] {
        lock.lock()
        defer { lock.unlock() }
        return entries.values.compactMap(\.storage)
    }
}

/// `count` single-channel images of `height`×`width`, row after row, held either as float32 values or
/// as codes of one or two bytes decoded through a table (MNIST: one byte per pixel, byte/255; the
/// reference's cluttered-MNIST file: codes into the values it holds, `compacting`), or as a recipe an
/// `ImageRenderer` draws them from (a generated cluttered MNIST). Codes take a quarter or half of the
/// memory and may be a memory-mapped file; they become floats only for the rows asked for
/// (`tensor(rows:)`), with exactly the values the table gives, so a code-held image and the same image
/// held as floats are equal bit for bit.
public struct ImageRows: Sendable {
    public let count: Int
    public let height: Int
    public let width: Int
    private let storage: Storage

    private enum Storage: Sendable {
        case floats(Tensor)
        /// Image `i` is the `height·width` codes (of `table.codeWidth` bytes each) starting at byte
        /// `offset + i·height·width·codeWidth`.
        case bytes(ByteStorage, offset: Int, table: ByteDecoding)
        /// Image `i` is `renderer`'s image `indices[i]`, made when asked for.
        case rendered(any ImageRenderer, indices: [Int])
    }

    /// Images held as floats; `images` must be `[N, 1, H, W]`.
    public init(_ images: Tensor) {
        precondition(images.rank == 4 && images.shape[1] == 1, "ImageRows holds [N, 1, H, W] tensors")
        count = images.shape[0]
        height = images.shape[2]
        width = images.shape[3]
        storage = .floats(images)
    }

    /// `count` images of codes starting at byte `offset` in `bytes`, decoded by `decoding` (one code of
    /// `decoding.codeWidth` bytes per pixel).
    public init(bytes: ByteStorage, offset: Int, count: Int, height: Int, width: Int, decoding: ByteDecoding) throws {
        guard count >= 0, height > 0, width > 0, offset >= 0,
              offset + count * height * width * decoding.codeWidth <= bytes.count else {
            throw DataError.invalidArgument(
                "\(count) images of \(height)×\(width) codes of \(decoding.codeWidth) byte(s) from offset \(offset) "
                + "do not fit in \(bytes.count) bytes")
        }
        self.count = count
        self.height = height
        self.width = width
        storage = .bytes(bytes, offset: offset, table: decoding)
    }

    /// The images of `renderer`, made from its recipe each time they are asked for (nothing but the
    /// recipe is held).
    public init(rendering renderer: any ImageRenderer) {
        count = renderer.count
        height = renderer.height
        width = renderer.width
        storage = .rendered(renderer, indices: Array(0..<renderer.count))
    }

    /// Values per image.
    public var pixelsPerImage: Int { height * width }

    /// Whether the images are made on demand from a recipe (`init(rendering:)`).
    public var isRendered: Bool {
        if case .rendered = storage { return true }
        return false
    }

    /// Whether the images are held as codes (one or two bytes per pixel) rather than floats.
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
        case .bytes(_, _, let table): return count * pixelsPerImage * table.codeWidth
        case .rendered(let renderer, let indices):
            return renderer.recipeByteCount + indices.count * MemoryLayout<Int>.stride
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
        if !isFloats {
            try MemoryBudget.shared.check(rows.count * pixelsPerImage * MemoryLayout<Float>.stride,
                                          for: "\(rows.count) images as floats")
        }
        return makeTensor(rows: rows)
    }

    private var isFloats: Bool {
        if case .floats = storage { return true }
        return false
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
                [Float](unsafeUninitializedCapacity: values) { output, initialised in
                    table.decode(codes: raw.baseAddress! + offset + rows.lowerBound * stride * table.codeWidth,
                                 count: values, into: output.baseAddress!)
                    initialised = values
                }
            }
            return Tensor(shape: shape, scalars: scalars)
        case .rendered(let renderer, let indices):
            let scalars = [Float](unsafeUninitializedCapacity: rows.count * stride) { output, initialised in
                for (row, index) in indices[rows].enumerated() {
                    renderer.render(index, into: output.baseAddress! + row * stride)
                }
                initialised = rows.count * stride
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
            return try ImageRows(bytes: bytes, offset: offset + rows.lowerBound * pixelsPerImage * table.codeWidth, count: rows.count,
                                 height: height, width: width, decoding: table)
        case .rendered(let renderer, let indices):
            return ImageRows(renderer, indices: Array(indices[rows]))
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
            let rowBytes = stride * table.codeWidth
            var gathered = [UInt8](repeating: 0, count: indices.count * rowBytes)
            bytes.withBytes { raw in
                gathered.withUnsafeMutableBytes { destination in
                    for (row, index) in indices.enumerated() {
                        (destination.baseAddress! + row * rowBytes)
                            .copyMemory(from: raw.baseAddress! + offset + index * rowBytes, byteCount: rowBytes)
                    }
                }
            }
            // The sizes match by construction.
            return try! ImageRows(bytes: ByteStorage(gathered), offset: 0, count: indices.count, height: height,
                                  width: width, decoding: table)
        case .rendered(let renderer, let held):
            return ImageRows(renderer, indices: indices.map { held[$0] })
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
            let rowBytes = stride * table.codeWidth
            bytes.withBytes { raw in
                let base = raw.baseAddress! + offset
                row.withUnsafeMutableBufferPointer { values in
                    for index in indices {
                        table.decode(codes: base + index * rowBytes, count: stride, into: values.baseAddress!)
                        body(index, UnsafeBufferPointer(values))
                    }
                }
            }
        case .rendered(let renderer, let held):
            var row = [Float](repeating: 0, count: stride)
            row.withUnsafeMutableBufferPointer { values in
                for index in indices {
                    renderer.render(held[index], into: values.baseAddress!)
                    body(index, UnsafeBufferPointer(values))
                }
            }
        }
    }

    private init(_ renderer: any ImageRenderer, indices: [Int]) {
        count = indices.count
        height = renderer.height
        width = renderer.width
        storage = .rendered(renderer, indices: indices)
    }
}

/// Images made from a recipe on demand instead of stored pixels (a generated cluttered MNIST keeps
/// which digit and which distractors go where, 72 bytes per image, and draws them from the mapped
/// MNIST file when asked). Rendering the same index must always give the same bits.
public protocol ImageRenderer: Sendable {
    /// The number of images.
    var count: Int { get }
    var height: Int { get }
    var width: Int { get }
    /// Bytes the recipe takes (for memory accounting).
    var recipeByteCount: Int { get }
    /// Writes image `index` (`height·width` values, row-major) to `pixels`.
    func render(_ index: Int, into pixels: UnsafeMutablePointer<Float>)
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

/// How a code becomes a float: a table of values, indexed by one-byte codes (a table of 256 values) or
/// by two-byte codes in native byte order (a table of 65,536 values). Every code has a value, so any
/// bytes decode without a range check.
public struct ByteDecoding: Sendable, Equatable {
    /// `table[c]` is the value of code `c`.
    public let table: [Float]
    /// Bytes per code: 1 or 2.
    public let codeWidth: Int

    /// One-byte codes; `table` has exactly 256 values.
    public init(table: [Float]) {
        precondition(table.count == 256, "a byte decoding needs 256 values")
        self.table = table
        codeWidth = 1
    }

    /// The narrowest codes for `palette` (at most 65,536 values; code `c` is `palette[c]`): one byte for
    /// up to 256 values, two bytes beyond; the table is padded with zeros to 256 or 65,536 values.
    public init(palette: [Float]) {
        precondition(palette.count <= 65_536, "a palette holds at most 65,536 values")
        if palette.count <= 256 {
            self.init(table: palette + [Float](repeating: 0, count: 256 - palette.count))
        } else {
            self.init(wideTable: palette + [Float](repeating: 0, count: 65_536 - palette.count))
        }
    }

    private init(wideTable: [Float]) {
        table = wideTable
        codeWidth = 2
    }

    /// byte/255 as float32 (`Float(b) / 255`), the MNIST pixel convention.
    public static let unitInterval = ByteDecoding(table: (0..<256).map { Float($0) / 255 })

    /// The values of one-byte codes `bytes` (a one-byte decoding only).
    public func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> [Float] {
        [Float](unsafeUninitializedCapacity: bytes.count) { output, initialised in
            decode(bytes, into: output)
            initialised = bytes.count
        }
    }

    /// Writes the values of one-byte codes `bytes` into `output` (at least as long; a one-byte decoding only).
    public func decode(_ bytes: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(codeWidth == 1, "decode(_:into:) reads one-byte codes")
        guard let base = bytes.baseAddress, let destination = output.baseAddress else { return }
        decode(codes: UnsafeRawPointer(base), count: bytes.count, into: destination)
    }

    /// Writes the values of the `count` codes at `codes` (`codeWidth` bytes each) into `output`.
    public func decode(codes: UnsafeRawPointer, count: Int, into output: UnsafeMutablePointer<Float>) {
        table.withUnsafeBufferPointer { lookup in
            if codeWidth == 1 {
                let bytes = codes.assumingMemoryBound(to: UInt8.self)
                for i in 0..<count { output[i] = lookup[Int(bytes[i])] }
            } else {
                for i in 0..<count {
                    output[i] = lookup[Int(codes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))]
                }
            }
        }
    }
}
