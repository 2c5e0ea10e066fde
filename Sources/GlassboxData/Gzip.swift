import CZlib
import Foundation
import GlassboxEngine

/// Gzip decompression and compression through zlib.
///
/// Decompression is streamed in fixed-size output chunks, accepts multi-member streams and ignores
/// trailing zero padding; anything else (bad header, bad CRC, truncation, trailing garbage) throws
/// `DataError.corruptGzip` naming `name`.
public enum Gzip {
    /// True when `bytes` start with the gzip magic number 1f 8b.
    public static func isGzip<Bytes: Collection>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        var iterator = bytes.makeIterator()
        return iterator.next() == 0x1F && iterator.next() == 0x8B
    }

    /// Decompresses a whole gzip stream. `name` is used in error messages (usually the file path).
    public static func decompress(_ compressed: [UInt8], name: String) throws -> [UInt8] {
        guard isGzip(compressed) else {
            throw DataError.corruptGzip(path: name, reason: "missing gzip magic number 1f 8b")
        }
        guard compressed.count >= 18 else {
            throw DataError.corruptGzip(path: name, reason: "only \(compressed.count) bytes, too short for a gzip stream")
        }
        // The trailer's ISIZE (uncompressed size mod 2^32) is a good capacity hint.
        let n = compressed.count
        let hint = Int(compressed[n - 4]) | Int(compressed[n - 3]) << 8 | Int(compressed[n - 2]) << 16
            | Int(compressed[n - 1]) << 24
        var output = [UInt8]()
        // Deflate cannot expand more than about 1032:1, so a lying trailer cannot reserve absurd memory.
        let capacity = min(max(hint, 1 << 16), n * 1032, 1 << 30)
        try MemoryBudget.shared.check(capacity, for: "decompressing \(name) (\(capacity) bytes)")
        output.reserveCapacity(capacity)

        var stream = z_stream()
        let initStatus = inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else {
            throw DataError.corruptGzip(path: name, reason: "zlib could not start (status \(initStatus))")
        }
        defer { inflateEnd(&stream) }

        let chunkSize = 1 << 18
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        try compressed.withUnsafeBufferPointer { input in
            var consumed = 0
            while true {
                // One gzip member.
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                stream.avail_in = UInt32(input.count - consumed)
                var status: Int32 = Z_OK
                repeat {
                    let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
                        stream.next_out = out.baseAddress
                        stream.avail_out = UInt32(chunkSize)
                        status = inflate(&stream, Z_NO_FLUSH)
                        return chunkSize - Int(stream.avail_out)
                    }
                    // Past the capacity the array doubles: check the larger copy first (a lying trailer,
                    // or a stream over 4 GiB whose trailer wraps around).
                    if output.count + produced > output.capacity {
                        let grown = 2 * max(output.capacity, produced)
                        try MemoryBudget.shared.check(grown, for: "decompressing \(name) (more than \(output.count) bytes)")
                    }
                    switch status {
                    case Z_OK, Z_STREAM_END:
                        output.append(contentsOf: chunk[0..<produced])
                    case Z_BUF_ERROR where stream.avail_in == 0:
                        throw DataError.corruptGzip(path: name, reason: "truncated: the stream ends before its end marker")
                    case Z_BUF_ERROR:
                        output.append(contentsOf: chunk[0..<produced])
                    default:
                        let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                        throw DataError.corruptGzip(path: name, reason: message)
                    }
                    if status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0 {
                        throw DataError.corruptGzip(path: name, reason: "truncated: the stream ends before its end marker")
                    }
                } while status != Z_STREAM_END
                consumed = input.count - Int(stream.avail_in)
                let rest = input[consumed...]
                if rest.isEmpty || rest.allSatisfy({ $0 == 0 }) { return }
                guard isGzip(rest) else {
                    throw DataError.corruptGzip(path: name, reason: "\(rest.count) bytes of trailing garbage after the gzip stream")
                }
                inflateReset(&stream)
            }
        }
        return output
    }

    /// Compresses `bytes` into a single-member gzip stream (used to write IDX files and by tests).
    /// `level` is zlib's 0…9, or -1 for its default (6).
    public static func compress(_ bytes: [UInt8], level: Int32 = -1) throws -> [UInt8] {
        try Deflate.compress(bytes, level: level, windowBits: 16 + MAX_WBITS)
    }
}

/// Deflate streams through zlib: the gzip-wrapped ones of `Gzip` and the raw ones inside zip archives.
enum Deflate {
    /// Compresses `bytes` in one call. `windowBits` chooses the wrapping as zlib does: 16 + 15 for
    /// gzip, -15 for raw deflate (zip members).
    static func compress(_ bytes: [UInt8], level: Int32, windowBits: Int32) throws -> [UInt8] {
        var stream = z_stream()
        let initStatus = deflateInit2_(&stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY,
                                       zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else {
            throw DataError.invalidArgument("zlib could not start compressing (status \(initStatus))")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(bytes.count))) + 32
        var output = [UInt8](repeating: 0, count: bound)
        var input = bytes
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            throw DataError.invalidArgument("zlib could not compress (status \(status))")
        }
        output.removeLast(Int(stream.avail_out))
        return output
    }

    /// Inflates a raw deflate stream (zip method 8) that must expand to exactly `size` bytes; any
    /// other outcome is described in the thrown `reason`.
    static func inflateRaw(_ compressed: ArraySlice<UInt8>, size: Int) throws(InflateProblem) -> [UInt8] {
        var stream = z_stream()
        let initStatus = inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { throw InflateProblem(reason: "zlib could not start (status \(initStatus))") }
        defer { inflateEnd(&stream) }
        // One byte more than promised, so that a stream longer than its recorded size is noticed.
        var output = [UInt8](repeating: 0, count: size + 1)
        let chunk = Int(UInt32.max)
        var status: Int32 = Z_OK
        var produced = 0
        compressed.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                var consumed = 0
                repeat {
                    let inputCount = min(chunk, input.count - consumed)
                    let outputCount = min(chunk, out.count - produced)
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + consumed })
                    stream.avail_in = UInt32(inputCount)
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = UInt32(outputCount)
                    status = inflate(&stream, Z_NO_FLUSH)
                    consumed += inputCount - Int(stream.avail_in)
                    produced += outputCount - Int(stream.avail_out)
                } while status == Z_OK && (consumed < input.count || stream.avail_out == 0) && produced < out.count
            }
        }
        if produced > size {
            throw InflateProblem(reason: "the data expand to more than the \(size) bytes the archive records")
        }
        switch status {
        case Z_STREAM_END where produced == size:
            output.removeLast()
            return output
        case Z_STREAM_END:
            throw InflateProblem(reason: "the data expand to \(produced) bytes, the archive records \(size)")
        case Z_OK, Z_BUF_ERROR:
            throw InflateProblem(reason: "the compressed data are truncated")
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            throw InflateProblem(reason: "corrupt deflate data (\(message))")
        }
    }
}

/// Why a raw deflate stream could not be inflated.
struct InflateProblem: Error {
    let reason: String
}
