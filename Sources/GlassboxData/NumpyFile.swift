import Foundation
import GlassboxEngine

/// Reads and writes NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Readable element types are those of `NumpyDType`: little-endian `<f4`, `<f8`, `<i4`, `<i8` and
/// the one-byte `|u1`, `|b1`; arrays of any shape, in C or Fortran order (Fortran-ordered data are
/// rearranged into C order). Anything else — big-endian or structured dtypes, pickled objects, a
/// truncated payload — throws a `DataError` naming the file and what is wrong. Files are written as
/// NumPy writes them: version 1.0 (2.0 for headers over 64 KiB), C order, the header padded so
/// that the data start on a 64-byte boundary.
public enum NumpyFile {
    /// The first six bytes of every `.npy` file: `\x93NUMPY`.
    public static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// Reads the array in the `.npy` file at `url`.
    public static func read(at url: URL) throws -> NumpyArray {
        try decode(IDXFile.readBytes(at: url), name: url.path)
    }

    /// Writes `array` to `url` as a `.npy` file, atomically.
    public static func write(_ array: NumpyArray, to url: URL) throws {
        try writeAtomically(encode(array), to: url)
    }

    /// Writes a tensor to `url` as a float32 `.npy` file of the tensor's shape, atomically.
    public static func write(_ tensor: Tensor, to url: URL) throws {
        try write(NumpyArray(tensor), to: url)
    }

    /// The bytes of a `.npy` file holding `array`.
    public static func encode(_ array: NumpyArray) -> [UInt8] {
        let literal = NumpyHeader(descr: array.dtype.rawValue, fortranOrder: false, shape: array.shape).literal
        let literalBytes = Array(literal.utf8)
        // magic (6) + version (2) + header length (2, or 4 from version 2.0 on) + literal + padding + "\n"
        // make a multiple of 64 bytes.
        func headerLength(prefix: Int) -> Int {
            literalBytes.count + 1 + (64 - (prefix + literalBytes.count + 1) % 64) % 64
        }
        let versionOne = headerLength(prefix: 10) <= Int(UInt16.max)
        let length = headerLength(prefix: versionOne ? 10 : 12)
        var bytes = magic
        bytes.reserveCapacity(12 + length + array.count * array.dtype.byteCount)
        if versionOne {
            bytes += [1, 0]
            appendLittleEndian(UInt16(length), to: &bytes)
        } else {
            bytes += [2, 0]
            appendLittleEndian(UInt32(length), to: &bytes)
        }
        bytes += literalBytes
        bytes += [UInt8](repeating: 0x20, count: length - literalBytes.count - 1)
        bytes.append(0x0A)
        bytes += littleEndianBytes(of: array.values)
        return bytes
    }

    /// Parses the bytes of a `.npy` file; `name` (a path, or an archive member) appears in errors.
    public static func decode(_ bytes: [UInt8], name: String) throws -> NumpyArray {
        guard bytes.count >= 10 else {
            throw DataError.badNumpy(path: name, reason: "only \(bytes.count) bytes, too short for a .npy header")
        }
        guard bytes.starts(with: magic) else {
            let hint = bytes.starts(with: [0x50, 0x4B, 0x03, 0x04])
                ? " (it is a zip archive: a .npz file of several arrays)" : ""
            throw DataError.badNumpy(path: name, reason: "it does not start with the .npy magic \\x93NUMPY\(hint)")
        }
        let (major, minor) = (bytes[6], bytes[7])
        let headerStart: Int
        let headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else {
                throw DataError.badNumpy(path: name, reason: "only \(bytes.count) bytes, too short for a version \(major) header")
            }
            headerStart = 12
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        default:
            throw DataError.badNumpy(path: name, reason: "format version \(major).\(minor) is not supported (1.0, 2.0 and 3.0 are)")
        }
        let dataStart = headerStart + headerLength
        guard dataStart <= bytes.count else {
            throw DataError.badNumpy(path: name, reason: "the header is \(headerLength) bytes long but the file ends after \(bytes.count - headerStart)")
        }
        let headerBytes = bytes[headerStart..<dataStart]
        // Versions 1 and 2 store the header in Latin-1, version 3 in UTF-8.
        let text: String
        if major == 3 {
            guard let decoded = String(validating: headerBytes, as: UTF8.self) else {
                throw DataError.badNumpy(path: name, reason: "the version 3 header is not valid UTF-8")
            }
            text = decoded
        } else {
            text = String(String.UnicodeScalarView(headerBytes.map { Unicode.Scalar($0) }))
        }
        let header: NumpyHeader
        do {
            header = try NumpyHeader(parsing: text)
        } catch {
            throw DataError.badNumpy(path: name, reason: "bad header \(text.trimmingCharacters(in: .whitespacesAndNewlines)): \(error.reason)")
        }
        let dtype = try dataType(header.descr, name: name)
        guard let count = NumpyArray.elementCount(of: header.shape),
              case let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteCount), !overflow else {
            throw DataError.badNumpy(path: name, reason: "implausible shape \(header.shape)")
        }
        let found = bytes.count - dataStart
        guard found == byteCount else {
            throw DataError.payloadSize(path: name, expected: byteCount, found: found)
        }
        try MemoryBudget.shared.check(byteCount, for: "the array \(name) (\(header.shape), \(byteCount) bytes)")
        var values = bytes.withUnsafeBytes { raw in
            decodeValues(dtype, from: UnsafeRawBufferPointer(rebasing: raw[dataStart...]), count: count)
        }
        if header.fortranOrder && header.shape.count > 1 {
            values = fortranToC(values, shape: header.shape)
        }
        return try NumpyArray(shape: header.shape, values: values)
    }

    // MARK: - Internals

    /// The element type a dtype string names, or a clear refusal.
    private static func dataType(_ descr: String, name: String) throws -> NumpyDType {
        if let dtype = NumpyDType(rawValue: descr) { return dtype }
        let order = descr.first
        let kind = String(descr.dropFirst())
        // One-byte types have no byte order; NumPy writes '|' but any order mark means the same.
        if ["u1", "b1"].contains(kind), let order, "<>=|".contains(order) {
            return kind == "u1" ? .uint8 : .bool
        }
        if order == ">", NumpyDType(rawValue: "<" + kind) != nil {
            throw DataError.badNumpy(path: name, reason: "big-endian data ('\(descr)') are not supported; save the array as little-endian, e.g. with array.astype('<\(kind)')")
        }
        let supported = NumpyDType.allCases.map { "\($0) '\($0.rawValue)'" }.joined(separator: ", ")
        throw DataError.badNumpy(path: name, reason: "dtype '\(descr)' is not supported; supported are \(supported)")
    }

    private static func decodeValues(_ dtype: NumpyDType, from raw: UnsafeRawBufferPointer, count: Int) -> NumpyArray.Values {
        switch dtype {
        case .float32: return .float32(elements(Float.self, from: raw, count: count))
        case .float64: return .float64(elements(Double.self, from: raw, count: count))
        case .uint8: return .uint8(elements(UInt8.self, from: raw, count: count))
        case .int32: return .int32(elements(Int32.self, from: raw, count: count))
        case .int64: return .int64(elements(Int64.self, from: raw, count: count))
        case .bool: return .bool(elements(UInt8.self, from: raw, count: count).map { $0 != 0 })
        }
    }

    /// `count` little-endian elements from `raw`.
    private static func elements<T: BitwiseCopyable>(_ type: T.Type, from raw: UnsafeRawBufferPointer, count: Int) -> [T] {
        let size = MemoryLayout<T>.size
        var values = [T](unsafeUninitializedCapacity: count) { buffer, initialised in
            if count > 0 {
                UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: raw.baseAddress!, byteCount: count * size)
            }
            initialised = count
        }
        #if _endian(big)
        values.withUnsafeMutableBytes { bytes in
            for start in stride(from: 0, to: bytes.count, by: size) { bytes[start..<(start + size)].reverse() }
        }
        #endif
        return values
    }

    private static func littleEndianBytes(of values: NumpyArray.Values) -> [UInt8] {
        func bytes<T: BitwiseCopyable>(_ elements: [T]) -> [UInt8] {
            var result = elements.withUnsafeBytes { [UInt8]($0) }
            #if _endian(big)
            let size = MemoryLayout<T>.size
            for start in stride(from: 0, to: result.count, by: size) { result[start..<(start + size)].reverse() }
            #endif
            return result
        }
        switch values {
        case .float32(let v): return bytes(v)
        case .float64(let v): return bytes(v)
        case .uint8(let v): return v
        case .int32(let v): return bytes(v)
        case .int64(let v): return bytes(v)
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        }
    }

    /// Values stored in column-major order, rearranged into row-major order.
    static func fortranToC(_ values: NumpyArray.Values, shape: [Int]) -> NumpyArray.Values {
        func reorder<T>(_ elements: [T]) -> [T] {
            let rank = shape.count
            var strides = [Int](repeating: 1, count: rank)
            for axis in 1..<rank { strides[axis] = strides[axis - 1] * shape[axis - 1] }
            var result = [T]()
            result.reserveCapacity(elements.count)
            var index = [Int](repeating: 0, count: rank)
            var offset = 0
            for _ in 0..<elements.count {
                result.append(elements[offset])
                var axis = rank - 1
                while axis >= 0 {
                    index[axis] += 1
                    offset += strides[axis]
                    if index[axis] < shape[axis] { break }
                    offset -= strides[axis] * shape[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
            return result
        }
        switch values {
        case .float32(let v): return .float32(reorder(v))
        case .float64(let v): return .float64(reorder(v))
        case .uint8(let v): return .uint8(reorder(v))
        case .int32(let v): return .int32(reorder(v))
        case .int64(let v): return .int64(reorder(v))
        case .bool(let v): return .bool(reorder(v))
        }
    }
}

func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    var remaining = value.littleEndian
    withUnsafeBytes(of: &remaining) { bytes.append(contentsOf: $0) }
}
