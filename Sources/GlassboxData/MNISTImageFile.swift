import Foundation
import GlassboxEngine

/// Opens an MNIST image file as bytes that stay bytes: an uncompressed file is memory-mapped; a gzipped
/// one is decompressed once into a verified uncompressed copy (named by the SHA-256 of the decompressed
/// file, the catalog's checksum) in the unpacked directory, which is mapped from then on. See `MNIST.load`.
enum MNISTImageFile {
    /// The images of `file`, validated (magic, dimensions, exact size). With `verifyChecksum` the
    /// SHA-256 of the decompressed file must be the catalog's.
    static func open(_ file: MNISTLocator.LocatedFile, verifyChecksum: Bool, unpackedDirectory: URL) throws -> ImageRows {
        let name = file.url.path
        if try !startsWithGzipMagic(file.url) {
            let mapped = try ByteStorage(mapping: file.url)
            return try rows(of: mapped, name: name, verifyAgainst: verifyChecksum ? file.spec : nil)
        }
        // The copy is named by the catalog's SHA-256 and the CRC-32 of its contents, which the gzip
        // trailer of the file found here gives: a gzipped file with other contents (another data set
        // under MNIST's file names) never meets a copy made from MNIST.
        let trailerCRC = try gzipTrailerCRC(file.url)
        let unpacked = unpackedDirectory.appendingPathComponent(copyName(sha256: file.spec.sha256, crc: trailerCRC))
        if FileManager.default.fileExists(atPath: unpacked.path),
           let mapped = try? ByteStorage(mapping: unpacked),
           let images = try? rows(of: mapped, name: unpacked.path, verifyAgainst: verifyChecksum ? file.spec : nil) {
            return images
        }
        // Decompress, check, and keep a verified uncompressed copy for the next time.
        let payload = try IDXFile.payload(at: file.url)
        let header = try payload.withUnsafeBytes { try IDXFile.imageHeader($0, name: name) }
        let digest = payload.withUnsafeBytes { MNISTLocator.sha256Hex($0) }
        if digest == file.spec.sha256 {
            let copy = unpackedDirectory.appendingPathComponent(copyName(sha256: digest, crc: ZipArchive.checksum(payload)))
            if (try? writeAtomically(payload, to: copy)) != nil, let mapped = try? ByteStorage(mapping: copy),
               let images = try? rows(of: mapped, name: copy.path, verifyAgainst: nil) {
                return images
            }
        } else if verifyChecksum {
            throw DataError.checksumMismatch(source: name, expected: file.spec.sha256, found: digest)
        }
        return try ImageRows(bytes: ByteStorage(payload), offset: header.payloadOffset, count: header.count,
                             height: header.rows, width: header.columns, decoding: .unitInterval)
    }

    /// The images in a whole IDX image file's bytes.
    private static func rows(of bytes: ByteStorage, name: String, verifyAgainst spec: MNISTFileSpec?) throws -> ImageRows {
        let header = try bytes.withBytes { try IDXFile.imageHeader($0, name: name) }
        if let spec {
            let digest = bytes.withBytes { MNISTLocator.sha256Hex($0) }
            guard digest == spec.sha256 else {
                throw DataError.checksumMismatch(source: name, expected: spec.sha256, found: digest)
            }
        }
        return try ImageRows(bytes: bytes, offset: header.payloadOffset, count: header.count, height: header.rows,
                             width: header.columns, decoding: .unitInterval)
    }

    /// `<sha256>-<crc32 as 8 hex digits>`.
    static func copyName(sha256: String, crc: UInt32) -> String {
        let hex = String(crc, radix: 16)
        return sha256 + "-" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// The CRC-32 in the last 8 bytes of a gzip file (of its last member's contents).
    private static func gzipTrailerCRC(_ url: URL) throws -> UInt32 {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw DataError.unreadable(path: url.path, reason: "cannot open it")
        }
        defer { try? handle.close() }
        let end = (try? handle.seekToEnd()) ?? 0
        guard end >= 18 else { throw DataError.corruptGzip(path: url.path, reason: "only \(end) bytes, too short for a gzip stream") }
        try handle.seek(toOffset: end - 8)
        let trailer = [UInt8]((try? handle.read(upToCount: 4)) ?? Data())
        guard trailer.count == 4 else { throw DataError.unreadable(path: url.path, reason: "cannot read its gzip trailer") }
        return UInt32(trailer[0]) | UInt32(trailer[1]) << 8 | UInt32(trailer[2]) << 16 | UInt32(trailer[3]) << 24
    }

    private static func startsWithGzipMagic(_ url: URL) throws -> Bool {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            let reason = FileManager.default.fileExists(atPath: url.path) ? "cannot open it" : "no such file"
            throw DataError.unreadable(path: url.path, reason: reason)
        }
        defer { try? handle.close() }
        let start = (try? handle.read(upToCount: 2)) ?? Data()
        return Gzip.isGzip([UInt8](start))
    }
}
