import Foundation
import GlassboxEngine

/// The element types Glassbox reads and writes in safetensors files.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    /// IEEE 754 binary32.
    case f32 = "F32"
    /// IEEE 754 binary16, converted to and from float32 with round-to-nearest-even.
    case f16 = "F16"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .f32: return 4
        case .f16: return 2
        }
    }
}

/// The contents of a safetensors file: named float tensors (in file order) and a string-to-string
/// metadata map.
///
/// Format (as the Python `safetensors` library): an 8-byte little-endian header length N, N bytes
/// of UTF-8 JSON `{"__metadata__": {..}, "<name>": {"dtype": "F32", "shape": [..],
/// "data_offsets": [begin, end]}, ..}` (possibly padded with spaces), then the data buffer; offsets
/// are relative to the buffer, and the tensors tile it exactly, without gaps or overlaps.
public struct SafetensorsFile: Sendable {
    /// One named tensor.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var tensor: Tensor
        /// The element type the tensor had in the file (or will have when written).
        public var dtype: SafetensorsDType

        public init(name: String, tensor: Tensor, dtype: SafetensorsDType = .f32) {
            self.name = name
            self.tensor = tensor
            self.dtype = dtype
        }
    }

    /// The tensors, in data-buffer order.
    public var entries: [Entry]
    /// The `__metadata__` map.
    public var metadata: [String: String]

    /// Largest header accepted, as in the reference implementation (100 MB).
    public static let maximumHeaderLength = 100_000_000

    public init(entries: [Entry] = [], metadata: [String: String] = [:]) {
        self.entries = entries
        self.metadata = metadata
    }

    /// The tensor called `name`, if present.
    public func tensor(named name: String) -> Tensor? {
        entries.first { $0.name == name }?.tensor
    }

    /// The tensor names, in file order.
    public var names: [String] { entries.map(\.name) }

    // MARK: Reading

    /// Reads and validates the file at `url`.
    public static func read(from url: URL) throws -> SafetensorsFile {
        try decode(try readBytes(of: url), source: url.path)
    }

    /// The bytes of the regular file at `url`. The file's type and size are checked first, so that a
    /// directory, a FIFO (which would block) or a device such as /dev/zero (which never ends) is
    /// refused with a clear reason instead of being read.
    public static func readBytes(of url: URL) throws -> Data {
        let path = url.path
        func fail(_ reason: String) -> SafetensorsError { SafetensorsError(file: path, reason: reason) }
        guard !path.isEmpty, !url.relativePath.isEmpty else { throw fail("the path is empty") }
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            switch code {
            case ENOENT: throw fail("no such file")
            case ENOTDIR: throw fail("a part of the path is not a directory")
            case EACCES: throw fail("permission denied: cannot look at the file")
            default: throw fail("cannot look at the file (\(String(cString: strerror(code))))")
            }
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw fail("is a directory, not a model file")
        case S_IFIFO: throw fail("is a named pipe (FIFO), not a model file")
        case S_IFCHR: throw fail("is a character device, not a model file")
        case S_IFBLK: throw fail("is a block device, not a model file")
        case S_IFSOCK: throw fail("is a socket, not a model file")
        default: throw fail("is not a regular file")
        }
        let size = Int(info.st_size)
        guard size >= 8 else {
            throw fail(size == 0 ? "the file is empty (0 bytes), so it holds no safetensors header"
                       : "file is \(size) bytes, too short for the 8-byte header length")
        }
        guard access(path, R_OK) == 0 else { throw fail("permission denied: the file cannot be read") }
        do {
            return try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw fail("cannot read the file (\(String(cString: strerror(errno))))")
        }
    }

    /// What the header of a safetensors file says, before the data buffer is checked or read.
    public struct Header: Sendable {
        /// One tensor's entry.
        public struct TensorInfo: Sendable, Equatable {
            public var name: String
            public var dtype: SafetensorsDType
            public var shape: [Int]
            /// Byte range in the data buffer.
            public var begin: Int
            public var end: Int
        }

        /// The `__metadata__` map.
        public var metadata: [String: String]
        /// The tensors, in header order.
        public var tensors: [TensorInfo]
        /// Where the data buffer starts in the file, and its length.
        var dataStart: Int
        var dataLength: Int

        /// The tensor names.
        public var names: [String] { tensors.map(\.name) }
    }

    /// Decodes and validates safetensors bytes; `source` names the data in errors.
    public static func decode(_ data: Data, source: String) throws -> SafetensorsFile {
        try decode(data, header: try header(of: data, source: source), source: source)
    }

    /// Reads and validates the header of safetensors bytes (every entry, the metadata, each tensor's
    /// offsets within the buffer), without checking that the tensors tile the buffer.
    public static func header(of data: Data, source: String) throws -> Header {
        func fail(_ reason: String, tensor: String? = nil) -> SafetensorsError {
            SafetensorsError(file: source, tensor: tensor, reason: reason)
        }
        guard data.count >= 8 else {
            throw fail("file is \(data.count) bytes, too short for the 8-byte header length")
        }
        let headerLength = data.withUnsafeBytes { raw -> UInt64 in
            var value: UInt64 = 0
            for i in 0..<8 { value |= UInt64(raw[i]) << (8 * UInt64(i)) }
            return value
        }
        guard headerLength <= UInt64(maximumHeaderLength) else {
            throw fail("header length \(headerLength) exceeds the limit of \(maximumHeaderLength) bytes")
        }
        guard headerLength >= 2, Int(headerLength) <= data.count - 8 else {
            throw fail("header length \(headerLength) does not fit in a file of \(data.count) bytes")
        }
        let headerEnd = 8 + Int(headerLength)
        let headerBytes = data.subdata(in: data.startIndex + 8 ..< data.startIndex + headerEnd)
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw fail("header does not start with '{'")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes, options: [])
        } catch {
            throw fail("header is not valid JSON")
        }
        guard let header = json as? [String: Any] else {
            throw fail("header is not a JSON object")
        }

        var metadata: [String: String] = [:]
        if let rawMetadata = header["__metadata__"] {
            guard let map = rawMetadata as? [String: Any] else {
                throw fail("__metadata__ is not an object")
            }
            for (key, value) in map {
                guard let string = value as? String else {
                    throw fail("__metadata__ value for '\(key)' is not a string")
                }
                metadata[key] = string
            }
        }

        var pending: [Header.TensorInfo] = []
        let bufferLength = data.count - headerEnd
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any] else {
                throw fail("entry is not an object", tensor: name)
            }
            guard let dtypeName = info["dtype"] as? String else {
                throw fail("missing or non-string dtype", tensor: name)
            }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw fail("unsupported dtype '\(dtypeName)' (Glassbox reads F32 and F16)", tensor: name)
            }
            guard let shape = integers(info["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("shape is not a list of non-negative integers", tensor: name)
            }
            guard let offsets = integers(info["data_offsets"]), offsets.count == 2 else {
                throw fail("data_offsets is not a pair of integers", tensor: name)
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= bufferLength else {
                throw fail("data_offsets [\(begin), \(end)] out of range for a \(bufferLength)-byte data buffer", tensor: name)
            }
            var elementCount = 1
            for dimension in shape {
                let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw fail("shape \(shape) is too large", tensor: name) }
                elementCount = product
            }
            let (bytes, overflow) = elementCount.multipliedReportingOverflow(by: dtype.byteCount)
            guard !overflow, bytes == end - begin else {
                throw fail("shape \(shape) of \(dtype.rawValue) needs \(elementCount) × \(dtype.byteCount) bytes, but data_offsets span \(end - begin)", tensor: name)
            }
            pending.append(Header.TensorInfo(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }
        return Header(metadata: metadata, tensors: pending, dataStart: headerEnd, dataLength: bufferLength)
    }

    /// Decodes the tensors described by `header` after checking that they tile the data buffer.
    static func decode(_ data: Data, header: Header, source: String) throws -> SafetensorsFile {
        func fail(_ reason: String, tensor: String? = nil) -> SafetensorsError {
            SafetensorsError(file: source, tensor: tensor, reason: reason)
        }
        let headerEnd = header.dataStart, bufferLength = header.dataLength
        var pending = header.tensors
        pending.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var expectedBegin = 0
        for item in pending {
            if item.begin < expectedBegin {
                throw fail("data_offsets [\(item.begin), \(item.end)] overlap the previous tensor, which ends at \(expectedBegin)", tensor: item.name)
            }
            if item.begin > expectedBegin {
                throw fail("data_offsets [\(item.begin), \(item.end)] leave a gap after byte \(expectedBegin) of the data buffer", tensor: item.name)
            }
            expectedBegin = item.end
        }
        guard expectedBegin == bufferLength else {
            throw fail("tensors cover \(expectedBegin) bytes but the data buffer has \(bufferLength)")
        }

        let entries = data.withUnsafeBytes { raw -> [Entry] in
            let buffer = UnsafeRawBufferPointer(rebasing: raw[headerEnd...])
            return pending.map { item in
                let count = (item.end - item.begin) / item.dtype.byteCount
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[item.begin..<item.end])
                let scalars = [Float](unsafeUninitializedCapacity: count) { out, initialised in
                    switch item.dtype {
                    case .f32:
                        for i in 0..<count {
                            out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                        }
                    case .f16:
                        for i in 0..<count {
                            out[i] = HalfPrecision.value(from: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                        }
                    }
                    initialised = count
                }
                return Entry(name: item.name, tensor: Tensor(shape: item.shape, scalars: scalars), dtype: item.dtype)
            }
        }
        return SafetensorsFile(entries: entries, metadata: header.metadata)
    }

    /// A JSON array of integers (NSNumber without fraction), or nil.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        result.reserveCapacity(array.count)
        for element in array {
            guard let number = element as? NSNumber else { return nil }
            let double = number.doubleValue
            guard double.isFinite, abs(double) < 9e15, double == double.rounded() else { return nil }
            result.append(Int(double))
        }
        return result
    }

    // MARK: Writing

    /// The file's bytes. Each entry is stored with its own `dtype`; names must be unique and not
    /// `__metadata__`.
    public func encoded(source: String = "<memory>") throws -> Data {
        var seen = Set<String>()
        for entry in entries {
            guard entry.name != "__metadata__", !entry.name.isEmpty else {
                throw SafetensorsError(file: source, tensor: entry.name, reason: "is not a valid tensor name")
            }
            guard seen.insert(entry.name).inserted else {
                throw SafetensorsError(file: source, tensor: entry.name, reason: "appears twice")
            }
        }
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for entry in entries {
            let length = entry.tensor.count * entry.dtype.byteCount
            let shape = entry.tensor.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonString(entry.name)):{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + length)]}")
            offset += length
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }

        var bytes = [UInt8](repeating: 0, count: 8 + headerBytes.count + offset)
        let headerLength = UInt64(headerBytes.count)
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: headerLength >> (8 * UInt64(i))) }
        bytes.replaceSubrange(8 ..< 8 + headerBytes.count, with: headerBytes)
        var position = 8 + headerBytes.count
        bytes.withUnsafeMutableBytes { raw in
            for entry in entries {
                entry.tensor.scalars.withUnsafeBufferPointer { values in
                    switch entry.dtype {
                    case .f32:
                        for (i, value) in values.enumerated() {
                            raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: position + 4 * i, as: UInt32.self)
                        }
                    case .f16:
                        for (i, value) in values.enumerated() {
                            raw.storeBytes(of: HalfPrecision.bits(from: value).littleEndian, toByteOffset: position + 2 * i, as: UInt16.self)
                        }
                    }
                }
                position += entry.tensor.count * entry.dtype.byteCount
            }
        }
        return Data(bytes)
    }

    /// Writes the file atomically: to a temporary file in the same directory, then renamed over
    /// `url`, so that a crash never leaves a half-written model behind.
    public func write(to url: URL) throws {
        let data = try encoded(source: url.path)
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary)
            // rename(2) replaces the destination atomically.
            guard rename(temporary.path, url.path) == 0 else {
                throw SafetensorsError(file: url.path, reason: "cannot rename the temporary file into place (errno \(errno))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw SafetensorsError(file: url.path, reason: "cannot write the file (\(error.localizedDescription))")
        }
    }

    /// A JSON string literal.
    private static func jsonString(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
    private func jsonString(_ string: String) -> String { Self.jsonString(string) }
}
