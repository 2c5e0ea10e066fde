import Foundation

/// Everything that can go wrong while reading, locating, downloading or slicing data sets.
///
/// Every case names the file (or URL, or argument) and says what is wrong, so that the message can be
/// shown to a student as is.
public enum DataError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// A file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// A gzip stream is corrupt or truncated.
    case corruptGzip(path: String, reason: String)
    /// An IDX file starts with the wrong magic number.
    case badMagic(path: String, found: UInt32, expected: UInt32)
    /// An IDX header is malformed (too short, zero dimension, implausible sizes).
    case badHeader(path: String, reason: String)
    /// The payload is not exactly the size the header promises.
    case payloadSize(path: String, expected: Int, found: Int)
    /// A file holds a different number of items than expected.
    case countMismatch(path: String, expected: Int, found: Int)
    /// A label is outside the allowed range.
    case badLabel(path: String, index: Int, value: Int, allowed: ClosedRange<Int>)
    /// The SHA-256 of a decompressed payload is not the expected one.
    case checksumMismatch(source: String, expected: String, found: String)
    /// A download failed.
    case downloadFailed(url: String, reason: String)
    /// A file could not be written.
    case unwritable(path: String, reason: String)
    /// Files were not found anywhere; `report` lists every place looked and every URL tried.
    case notFound(report: String)
    /// A `.npy` file (or a `.npy` member of a `.npz` archive) is malformed or holds something Glassbox
    /// cannot read (a big-endian or structured dtype, a truncated payload).
    case badNumpy(path: String, reason: String)
    /// A `.npz` file is not a zip archive Glassbox can read (corrupt directory, unsupported compression).
    case badArchive(path: String, reason: String)
    /// An argument is out of range or inconsistent (an index, a batch size, a shape).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read \(path): \(reason)"
        case let .corruptGzip(path, reason):
            return "corrupt gzip data in \(path): \(reason)"
        case let .badMagic(path, found, expected):
            return "\(path) is not the expected IDX file: magic number is 0x\(hex32(found)), expected 0x\(hex32(expected))"
        case let .badHeader(path, reason):
            return "bad IDX header in \(path): \(reason)"
        case let .payloadSize(path, expected, found):
            let what = found < expected ? "truncated" : "too long"
            return "\(path) is \(what): the header promises \(expected) payload bytes, the file has \(found)"
        case let .countMismatch(path, expected, found):
            return "\(path) holds \(found) items, expected \(expected)"
        case let .badLabel(path, index, value, allowed):
            return "\(path): label \(index) is \(value), outside \(allowed.lowerBound)…\(allowed.upperBound)"
        case let .checksumMismatch(source, expected, found):
            return "SHA-256 mismatch for \(source): expected \(expected), got \(found)"
        case let .downloadFailed(url, reason):
            return "download of \(url) failed: \(reason)"
        case let .unwritable(path, reason):
            return "cannot write \(path): \(reason)"
        case let .notFound(report):
            return report
        case let .badNumpy(path, reason):
            return "\(path) is not a NumPy array Glassbox can read: \(reason)"
        case let .badArchive(path, reason):
            return "\(path) is not a NumPy .npz archive Glassbox can read: \(reason)"
        case let .invalidArgument(message):
            return message
        }
    }

    public var errorDescription: String? { description }
}

private func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
