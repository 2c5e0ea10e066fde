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
        let unpacked = unpackedDirectory.appendingPathComponent(file.spec.sha256)
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
            if (try? writeAtomically(payload, to: unpacked)) != nil, let mapped = try? ByteStorage(mapping: unpacked),
               let images = try? rows(of: mapped, name: unpacked.path, verifyAgainst: nil) {
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
