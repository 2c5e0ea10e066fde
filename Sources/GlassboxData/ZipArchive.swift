import CZlib
import GlassboxEngine

/// One member of a zip archive, as its central directory records it.
struct ZipMember: Sendable, Equatable {
    var name: String
    /// 0 stored, 8 deflate, others unsupported.
    var method: UInt16
    var flags: UInt16
    var crc32: UInt32
    var compressedSize: Int
    var size: Int
    var localHeaderOffset: Int
}

/// Reading and writing the subset of the zip format that `.npz` files use: stored (method 0) and
/// deflate (method 8) members, with zip64 sizes and offsets (NumPy always writes zip64 local
/// headers). Multi-disk and encrypted archives are refused.
enum ZipArchive {
    private static let localSignature: UInt32 = 0x0403_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50

    /// The members listed in the central directory of `bytes`; `path` names the archive in errors.
    static func members(of bytes: [UInt8], path: String) throws -> [ZipMember] {
        func fail(_ reason: String) -> DataError { .badArchive(path: path, reason: reason) }
        let reader = ByteReader(bytes: bytes)
        // The end-of-central-directory record: 22 bytes plus a comment of up to 65,535 bytes.
        guard bytes.count >= 22 else { throw fail("only \(bytes.count) bytes, too short for a zip archive") }
        var end = -1
        for offset in stride(from: bytes.count - 22, through: max(0, bytes.count - 22 - 65_535), by: -1)
        where reader.uint32(at: offset) == endSignature && offset + 22 + Int(reader.uint16(at: offset + 20)) == bytes.count {
            end = offset
            break
        }
        guard end >= 0 else {
            let hint = bytes.starts(with: NumpyFile.magic) ? " (it is a single .npy array)" : ""
            throw fail("no zip end-of-directory record found\(hint)")
        }
        guard reader.uint16(at: end + 4) == 0, reader.uint16(at: end + 6) == 0 else {
            throw fail("multi-disk (split) zip archives are not supported")
        }
        var count = Int(reader.uint16(at: end + 10))
        var directorySize = Int(reader.uint32(at: end + 12))
        var directoryOffset = Int(reader.uint32(at: end + 16))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // Zip64: a locator just before the record points to the zip64 end record.
            guard end >= 20, reader.uint32(at: end - 20) == zip64LocatorSignature else {
                throw fail("the end record asks for zip64 fields but there is no zip64 locator")
            }
            let zip64End = try reader.offset(reader.uint64(at: end - 12), limit: end, what: "zip64 end record", path: path)
            guard zip64End + 56 <= end, reader.uint32(at: zip64End) == zip64EndSignature else {
                throw fail("the zip64 end record is missing or damaged")
            }
            count = try reader.offset(reader.uint64(at: zip64End + 32), limit: bytes.count, what: "member count", path: path)
            directorySize = try reader.offset(reader.uint64(at: zip64End + 40), limit: bytes.count, what: "directory size", path: path)
            directoryOffset = try reader.offset(reader.uint64(at: zip64End + 48), limit: bytes.count, what: "directory offset", path: path)
        }
        guard directoryOffset + directorySize <= end else {
            throw fail("the central directory (\(directorySize) bytes at \(directoryOffset)) lies outside the file")
        }
        var members: [ZipMember] = []
        var position = directoryOffset
        for index in 0..<count {
            guard position + 46 <= directoryOffset + directorySize, reader.uint32(at: position) == centralSignature else {
                throw fail("central directory entry \(index) is damaged")
            }
            let nameLength = Int(reader.uint16(at: position + 28))
            let extraLength = Int(reader.uint16(at: position + 30))
            let commentLength = Int(reader.uint16(at: position + 32))
            let next = position + 46 + nameLength + extraLength + commentLength
            guard next <= directoryOffset + directorySize else { throw fail("central directory entry \(index) is truncated") }
            let nameBytes = bytes[(position + 46)..<(position + 46 + nameLength)]
            let name = String(validating: nameBytes, as: UTF8.self)
                ?? String(String.UnicodeScalarView(nameBytes.map { Unicode.Scalar($0) }))
            var member = ZipMember(name: name, method: reader.uint16(at: position + 10), flags: reader.uint16(at: position + 8),
                                   crc32: reader.uint32(at: position + 16),
                                   compressedSize: Int(reader.uint32(at: position + 20)),
                                   size: Int(reader.uint32(at: position + 24)),
                                   localHeaderOffset: Int(reader.uint32(at: position + 42)))
            try readZip64Fields(into: &member, extra: (position + 46 + nameLength)..<(position + 46 + nameLength + extraLength),
                                reader: reader, path: path)
            members.append(member)
            position = next
        }
        return members
    }

    /// Replaces 0xFFFFFFFF sizes and offsets by the values of the zip64 extra field (id 1).
    private static func readZip64Fields(into member: inout ZipMember, extra: Range<Int>, reader: ByteReader, path: String) throws {
        let wanted = [member.size, member.compressedSize, member.localHeaderOffset].map { $0 == 0xFFFF_FFFF }
        guard wanted.contains(true) else { return }
        var position = extra.lowerBound
        while position + 4 <= extra.upperBound {
            let id = reader.uint16(at: position)
            let length = Int(reader.uint16(at: position + 2))
            if id == 1 {
                var field = position + 4
                let fieldEnd = min(position + 4 + length, extra.upperBound)
                var values: [Int] = []
                for needed in wanted where needed {
                    guard field + 8 <= fieldEnd else { break }
                    values.append(try reader.offset(reader.uint64(at: field), limit: reader.bytes.count * 1032 + (1 << 20),
                                                    what: "zip64 size of \(member.name)", path: path))
                    field += 8
                }
                guard values.count == wanted.filter({ $0 }).count else { break }
                var next = values.makeIterator()
                if wanted[0] { member.size = next.next()! }
                if wanted[1] { member.compressedSize = next.next()! }
                if wanted[2] { member.localHeaderOffset = next.next()! }
                return
            }
            position += 4 + length
        }
        throw DataError.badArchive(path: path, reason: "member '\(member.name)' needs zip64 sizes but has no complete zip64 field")
    }

    /// The uncompressed contents of `member`, checked against its CRC-32.
    static func contents(of member: ZipMember, in bytes: [UInt8], path: String) throws -> [UInt8] {
        func fail(_ reason: String) -> DataError { .badArchive(path: path, reason: "member '\(member.name)': \(reason)") }
        guard member.flags & 1 == 0 else { throw fail("it is encrypted, which is not supported") }
        let reader = ByteReader(bytes: bytes)
        let header = member.localHeaderOffset
        guard header + 30 <= bytes.count, reader.uint32(at: header) == localSignature else {
            throw fail("its local header at byte \(header) is missing or damaged")
        }
        let start = header + 30 + Int(reader.uint16(at: header + 26)) + Int(reader.uint16(at: header + 28))
        guard start + member.compressedSize <= bytes.count else {
            throw fail("its \(member.compressedSize) bytes of data run past the end of the file")
        }
        let data = bytes[start..<(start + member.compressedSize)]
        try MemoryBudget.shared.check(member.size, for: "the member '\(member.name)' of \(path) (\(member.size) bytes)")
        let contents: [UInt8]
        switch member.method {
        case 0:
            guard member.compressedSize == member.size else {
                throw fail("stored data of \(member.compressedSize) bytes, but the directory records \(member.size)")
            }
            contents = Array(data)
        case 8:
            // Deflate expands at most about 1032:1; a larger recorded size is corrupt, not to be allocated.
            guard member.size <= member.compressedSize * 1032 + 64 else {
                throw fail("records \(member.size) bytes from only \(member.compressedSize) compressed bytes")
            }
            do {
                contents = try Deflate.inflateRaw(data, size: member.size)
            } catch {
                throw fail(error.reason)
            }
        default:
            throw fail("it is compressed with method \(member.method)\(methodName(member.method)); only stored (0) and "
                + "deflate (8) members can be read, as numpy.savez and numpy.savez_compressed write them")
        }
        let crc = checksum(contents)
        guard crc == member.crc32 else {
            throw fail("CRC-32 mismatch (recorded \(hex(member.crc32)), computed \(hex(crc))): the data are corrupt")
        }
        return contents
    }

    /// An archive of stored (or, when `compressed`, deflated) members, in the given order.
    /// Members and the archive must stay under 4 GiB (no zip64 writing).
    static func encode(_ members: [(name: String, contents: [UInt8])], compressed: Bool) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var directory: [UInt8] = []
        // A fixed timestamp (1980-01-01 00:00, the DOS epoch) keeps the output reproducible.
        let (time, date): (UInt16, UInt16) = (0, 0x21)
        for member in members {
            let name = Array(member.name.utf8)
            let data = compressed ? try Deflate.compress(member.contents, level: -1, windowBits: -MAX_WBITS) : member.contents
            guard member.contents.count < 0xFFFF_FFFF, bytes.count < 0xFFFF_FFFF, name.count <= 0xFFFF else {
                throw DataError.invalidArgument("'\(member.name)' is too large for a .npz archive without zip64 (4 GiB at most)")
            }
            let crc = checksum(member.contents)
            let offset = bytes.count
            func fields(_ out: inout [UInt8]) {
                appendLittleEndian(UInt16(20), to: &out)  // version needed: 2.0
                appendLittleEndian(UInt16(0x0800), to: &out)  // names are UTF-8
                appendLittleEndian(UInt16(compressed ? 8 : 0), to: &out)
                appendLittleEndian(time, to: &out)
                appendLittleEndian(date, to: &out)
                appendLittleEndian(crc, to: &out)
                appendLittleEndian(UInt32(data.count), to: &out)
                appendLittleEndian(UInt32(member.contents.count), to: &out)
                appendLittleEndian(UInt16(name.count), to: &out)
                appendLittleEndian(UInt16(0), to: &out)  // extra field length
            }
            appendLittleEndian(localSignature, to: &bytes)
            fields(&bytes)
            bytes += name
            bytes += data
            appendLittleEndian(centralSignature, to: &directory)
            appendLittleEndian(UInt16(20), to: &directory)  // version made by: 2.0, MS-DOS attributes
            fields(&directory)
            directory += [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]  // comment length, disk, internal and external attributes
            appendLittleEndian(UInt32(offset), to: &directory)
            directory += name
        }
        guard members.count < 0xFFFF, bytes.count + directory.count < 0xFFFF_FFFF else {
            throw DataError.invalidArgument("too many or too large arrays for a .npz archive without zip64")
        }
        let directoryOffset = bytes.count
        bytes += directory
        appendLittleEndian(endSignature, to: &bytes)
        bytes += [0, 0, 0, 0]  // disk numbers
        appendLittleEndian(UInt16(members.count), to: &bytes)
        appendLittleEndian(UInt16(members.count), to: &bytes)
        appendLittleEndian(UInt32(directory.count), to: &bytes)
        appendLittleEndian(UInt32(directoryOffset), to: &bytes)
        bytes += [0, 0]  // comment length
        return bytes
    }

    /// zlib's CRC-32, in chunks that fit its 32-bit lengths.
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc = crc32(0, nil, 0)
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                let length = min(1 << 30, buffer.count - start)
                crc = crc32(crc, buffer.baseAddress! + start, UInt32(length))
                start += length
            }
        }
        return UInt32(crc)
    }

    private static func methodName(_ method: UInt16) -> String {
        let names: [UInt16: String] = [1: "shrink", 6: "implode", 9: "deflate64", 12: "bzip2", 14: "LZMA",
                                       93: "zstandard", 95: "xz", 98: "PPMd"]
        return names[method].map { " (\($0))" } ?? ""
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// Little-endian fields of a byte array; callers check bounds first.
private struct ByteReader {
    let bytes: [UInt8]

    func uint16(at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func uint32(at offset: Int) -> UInt32 {
        UInt32(uint16(at: offset)) | UInt32(uint16(at: offset + 2)) << 16
    }

    func uint64(at offset: Int) -> UInt64 {
        UInt64(uint32(at: offset)) | UInt64(uint32(at: offset + 4)) << 32
    }

    /// A 64-bit field as an offset or size, refused when it exceeds `limit`.
    func offset(_ value: UInt64, limit: Int, what: String, path: String) throws -> Int {
        guard value <= UInt64(limit) else {
            throw DataError.badArchive(path: path, reason: "the \(what) (\(value)) is beyond the file's \(bytes.count) bytes")
        }
        return Int(value)
    }
}
