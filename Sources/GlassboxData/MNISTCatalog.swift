/// Which of the four MNIST files.
public enum MNISTFileRole: String, CaseIterable, Sendable, Hashable {
    case trainImages, trainLabels, testImages, testLabels

    /// Whether the file holds images (else labels).
    public var holdsImages: Bool { self == .trainImages || self == .testImages }
}

/// What one MNIST file is called and what it must contain.
public struct MNISTFileSpec: Sendable, Equatable {
    public var role: MNISTFileRole
    /// The uncompressed file name, e.g. `train-images-idx3-ubyte`; the gzipped one adds `.gz`.
    public var baseName: String
    /// Lower-case hex SHA-256 of the decompressed payload.
    public var sha256: String
    /// The number of images or labels the file must hold, when known.
    public var itemCount: Int?

    public init(role: MNISTFileRole, baseName: String, sha256: String, itemCount: Int?) {
        self.role = role
        self.baseName = baseName
        self.sha256 = sha256.lowercased()
        self.itemCount = itemCount
    }

    /// The gzipped file name, as served by the mirrors.
    public var compressedName: String { baseName + ".gz" }

    /// Names accepted on disk, in order of preference: gzipped, raw, and the dotted variants
    /// (`train-images.idx3-ubyte`) some redistributions use.
    public var acceptedNames: [String] {
        let dotted = baseName.replacingOccurrences(of: "-idx", with: ".idx")
        var names = [compressedName, baseName]
        if dotted != baseName { names += [dotted + ".gz", dotted] }
        return names
    }
}

/// The set of files making up a data set. Injectable so that tests can use small files with their own
/// hashes.
public struct MNISTCatalog: Sendable, Equatable {
    public var files: [MNISTFileSpec]

    public init(files: [MNISTFileSpec]) {
        self.files = files
    }

    /// The spec of `role`; every catalog used by the locator must hold all four roles.
    public func spec(_ role: MNISTFileRole) -> MNISTFileSpec? {
        files.first { $0.role == role }
    }

    /// The original MNIST files (LeCun et al.), with the SHA-256 of their decompressed payloads.
    public static let standard = MNISTCatalog(files: [
        MNISTFileSpec(role: .trainImages, baseName: "train-images-idx3-ubyte",
                      sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", itemCount: 60_000),
        MNISTFileSpec(role: .trainLabels, baseName: "train-labels-idx1-ubyte",
                      sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", itemCount: 60_000),
        MNISTFileSpec(role: .testImages, baseName: "t10k-images-idx3-ubyte",
                      sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", itemCount: 10_000),
        MNISTFileSpec(role: .testLabels, baseName: "t10k-labels-idx1-ubyte",
                      sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", itemCount: 10_000),
    ])
}
