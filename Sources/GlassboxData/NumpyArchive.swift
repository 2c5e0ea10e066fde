import Foundation

/// A NumPy `.npz` file: a zip archive of named `.npy` arrays, as `numpy.savez` (stored members) and
/// `numpy.savez_compressed` (deflate members) write them.
///
/// Opening an archive reads the file and its directory; each array is decoded when asked for, with
/// its CRC-32 checked. Members compressed otherwise than stored or deflate, encrypted or multi-disk
/// archives, and malformed arrays throw a `DataError` naming the file, the member and the problem.
public struct NumpyArchive: Sendable {
    /// The archive's path, used in errors.
    public let path: String
    private let bytes: [UInt8]
    private let members: [ZipMember]

    /// Opens the `.npz` file at `url`.
    public init(contentsOf url: URL) throws {
        try self.init(bytes: IDXFile.readBytes(at: url), name: url.path)
    }

    /// Opens an archive held in memory; `name` stands for it in errors.
    public init(bytes: [UInt8], name: String) throws {
        path = name
        self.bytes = bytes
        members = try ZipArchive.members(of: bytes, path: name)
    }

    /// The array names in archive order: member names without their `.npy` suffix, as NumPy's
    /// `NpzFile.files` lists them.
    public var names: [String] {
        members.map { NumpyArchive.arrayName(of: $0.name) }
    }

    /// Whether the archive holds an array called `name` (with or without `.npy`).
    public func contains(_ name: String) -> Bool {
        member(named: name) != nil
    }

    /// The array called `name` (with or without `.npy`).
    public func array(named name: String) throws -> NumpyArray {
        guard let member = member(named: name) else {
            throw DataError.badArchive(path: path, reason: "it has no array '\(name)'; it holds "
                + (names.isEmpty ? "no arrays" : names.map { "'\($0)'" }.joined(separator: ", ")))
        }
        let contents = try ZipArchive.contents(of: member, in: bytes, path: path)
        return try NumpyFile.decode(contents, name: "\(path) (member \(member.name))")
    }

    /// The bytes of a `.npz` archive holding `arrays` as members `name.npy`, in order. Members are
    /// stored unless `compressed` (deflate, like `numpy.savez_compressed`). Names must be non-empty
    /// and distinct.
    public static func encode(_ arrays: [(name: String, array: NumpyArray)], compressed: Bool = false) throws -> [UInt8] {
        var seen = Set<String>()
        for (name, _) in arrays {
            guard !name.isEmpty else { throw DataError.invalidArgument("an array in a .npz archive needs a non-empty name") }
            guard seen.insert(name).inserted else {
                throw DataError.invalidArgument("two arrays are called '\(name)'; names in a .npz archive must differ")
            }
        }
        return try ZipArchive.encode(arrays.map { ($0.name + ".npy", NumpyFile.encode($0.array)) }, compressed: compressed)
    }

    /// Writes `arrays` to `url` as a `.npz` archive, atomically (see `encode`).
    public static func write(_ arrays: [(name: String, array: NumpyArray)], to url: URL, compressed: Bool = false) throws {
        try writeAtomically(encode(arrays, compressed: compressed), to: url)
    }

    private func member(named name: String) -> ZipMember? {
        members.first { $0.name == name } ?? members.first { NumpyArchive.arrayName(of: $0.name) == name }
    }

    private static func arrayName(of member: String) -> String {
        member.hasSuffix(".npy") ? String(member.dropLast(4)) : member
    }
}
