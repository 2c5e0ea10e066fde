import Crypto
import Foundation

/// Finds the four MNIST files, downloading them into the user cache when they are nowhere on disk.
///
/// Search order, per file:
/// 1. the directory the caller passes (`explicitDirectory`),
/// 2. `$GLASSBOX_DATA/mnist`,
/// 3. the user cache, `$XDG_CACHE_HOME/glassbox/mnist` or `~/.cache/glassbox/mnist`,
/// 4. a download from each mirror in turn into the user cache; the SHA-256 of the decompressed
///    payload is checked before the file is atomically moved into place.
///
/// Both `name.gz` and uncompressed `name` are accepted everywhere. When a file is missing and cannot
/// be downloaded, one `DataError.notFound` lists every place looked and every URL tried.
public struct MNISTLocator: Sendable {
    /// Where a file was found.
    public enum Origin: String, Sendable, Equatable {
        case explicitDirectory, environment, cache, downloaded
    }

    /// One located file.
    public struct LocatedFile: Sendable, Equatable {
        public var spec: MNISTFileSpec
        public var url: URL
        public var origin: Origin
    }

    /// One directory searched, with a human description of why.
    public struct SearchPlace: Sendable, Equatable {
        public var origin: Origin
        public var directory: URL
        public var description: String
    }

    /// The standard public mirrors of the original MNIST files.
    public static let defaultMirrors: [URL] = [
        URL(string: "https://ossci-datasets.s3.amazonaws.com/mnist/")!,
        URL(string: "https://storage.googleapis.com/cvdf-datasets/mnist/")!,
    ]

    public var explicitDirectory: URL?
    public var environment: [String: String]
    public var homeDirectory: URL
    public var catalog: MNISTCatalog
    public var mirrors: [URL]
    /// `nil` disables downloading.
    public var downloader: (any MirrorDownloader)?

    public init(
        explicitDirectory: URL? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: URL = FileManager.default.homeDirectoryForCurrentUser,
        catalog: MNISTCatalog = .standard,
        mirrors: [URL] = MNISTLocator.defaultMirrors,
        downloader: (any MirrorDownloader)? = HTTPDownloader()
    ) {
        self.explicitDirectory = explicitDirectory
        self.environment = environment
        self.homeDirectory = homeDirectory
        self.catalog = catalog
        self.mirrors = mirrors
        self.downloader = downloader
    }

    /// The user cache directory downloads go to.
    public var cacheDirectory: URL {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("glassbox/mnist", isDirectory: true)
        }
        return homeDirectory.appendingPathComponent(".cache/glassbox/mnist", isDirectory: true)
    }

    /// Where verified uncompressed copies of gzipped image files are kept, named by their SHA-256, so
    /// that they can be memory-mapped (`MNIST.load`).
    public var unpackedDirectory: URL {
        cacheDirectory.appendingPathComponent("unpacked", isDirectory: true)
    }

    /// The directories searched, in order.
    public var searchPlaces: [SearchPlace] {
        var places: [SearchPlace] = []
        if let explicitDirectory {
            places.append(SearchPlace(origin: .explicitDirectory, directory: explicitDirectory,
                                      description: "the directory passed in: \(explicitDirectory.path)"))
        }
        if let root = environment["GLASSBOX_DATA"], !root.isEmpty {
            let directory = URL(fileURLWithPath: root, isDirectory: true).appendingPathComponent("mnist", isDirectory: true)
            places.append(SearchPlace(origin: .environment, directory: directory,
                                      description: "$GLASSBOX_DATA/mnist: \(directory.path)"))
        }
        places.append(SearchPlace(origin: .cache, directory: cacheDirectory,
                                  description: "the user cache: \(cacheDirectory.path)"))
        return places
    }

    /// The first file on disk for `spec`, without downloading.
    public func findLocally(_ spec: MNISTFileSpec) -> LocatedFile? {
        for place in searchPlaces {
            for name in spec.acceptedNames {
                let url = place.directory.appendingPathComponent(name)
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    return LocatedFile(spec: spec, url: url, origin: place.origin)
                }
            }
        }
        return nil
    }

    /// Locates all four files, downloading the missing ones. Throws one `DataError.notFound` listing
    /// everything tried when any file stays missing.
    public func locate() throws -> [MNISTFileRole: LocatedFile] {
        var found: [MNISTFileRole: LocatedFile] = [:]
        var missing: [MNISTFileSpec] = []
        var attempts: [String] = []
        var unreachable: Set<URL> = []
        for role in MNISTFileRole.allCases {
            guard let spec = catalog.spec(role) else {
                throw DataError.invalidArgument("the MNIST catalog has no entry for \(role.rawValue)")
            }
            if let local = findLocally(spec) {
                found[role] = local
                continue
            }
            guard let downloader else {
                missing.append(spec)
                continue
            }
            var downloaded: LocatedFile?
            for mirror in mirrors {
                let url = mirror.appendingPathComponent(spec.compressedName)
                if unreachable.contains(mirror) {
                    attempts.append("\(url.absoluteString): skipped, the mirror was unreachable")
                    continue
                }
                do {
                    downloaded = try download(spec, from: url, using: downloader)
                    break
                } catch let failure as DownloadFailure {
                    if failure.mirrorUnreachable { unreachable.insert(mirror) }
                    attempts.append("\(url.absoluteString): \(failure.reason)")
                } catch let error as DataError {
                    attempts.append("\(url.absoluteString): \(error.description)")
                } catch {
                    attempts.append("\(url.absoluteString): \(error.localizedDescription)")
                }
            }
            if let downloaded { found[role] = downloaded } else { missing.append(spec) }
        }
        guard missing.isEmpty else {
            throw DataError.notFound(report: notFoundReport(missing: missing, attempts: attempts))
        }
        return found
    }

    /// Downloads one file, checks the SHA-256 of its decompressed payload, and moves it into the cache.
    /// A payload with the wrong hash is deleted and reported as `DataError.checksumMismatch`.
    public func download(_ spec: MNISTFileSpec, from url: URL, using downloader: any MirrorDownloader) throws -> LocatedFile {
        let body = try downloader.fetch(url)
        let compressed = Gzip.isGzip(body)
        let destination = cacheDirectory.appendingPathComponent(compressed ? spec.compressedName : spec.baseName)
        let temporary = cacheDirectory.appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).partial")
        do {
            try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
            try Data(body).write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw DataError.unwritable(path: temporary.path, reason: error.localizedDescription)
        }
        do {
            let payload = compressed ? try Gzip.decompress(body, name: url.absoluteString) : body
            let digest = MNISTLocator.sha256Hex(payload)
            guard digest == spec.sha256 else {
                throw DataError.checksumMismatch(source: url.absoluteString, expected: spec.sha256, found: digest)
            }
            guard rename(temporary.path, destination.path) == 0 else {
                throw DataError.unwritable(path: destination.path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        return LocatedFile(spec: spec, url: destination, origin: .downloaded)
    }

    /// Lower-case hex SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        let table: [Character] = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            text.append(table[Int(byte >> 4)])
            text.append(table[Int(byte & 0x0F)])
        }
        return text
    }

    /// Lower-case hex SHA-256 of the bytes in `buffer`.
    public static func sha256Hex(_ buffer: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        hasher.update(bufferPointer: buffer)
        let table: [Character] = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(64)
        for byte in hasher.finalize() {
            text.append(table[Int(byte >> 4)])
            text.append(table[Int(byte & 0x0F)])
        }
        return text
    }

    /// Throws `DataError.checksumMismatch` unless the SHA-256 of `payload` is `spec.sha256`.
    public static func verify(_ payload: [UInt8], against spec: MNISTFileSpec, source: String) throws {
        let digest = sha256Hex(payload)
        guard digest == spec.sha256 else {
            throw DataError.checksumMismatch(source: source, expected: spec.sha256, found: digest)
        }
    }

    private func notFoundReport(missing: [MNISTFileSpec], attempts: [String]) -> String {
        var lines = ["MNIST data not found: missing " + missing.map { $0.compressedName }.joined(separator: ", ") + "."]
        lines.append("Looked for each file as name.gz or uncompressed name in:")
        var number = 1
        if explicitDirectory == nil {
            lines.append("  (no directory was passed in)")
        }
        if environment["GLASSBOX_DATA"].map({ $0.isEmpty }) ?? true {
            lines.append("  ($GLASSBOX_DATA is not set)")
        }
        for place in searchPlaces {
            lines.append("  \(number). \(place.description)")
            number += 1
        }
        if downloader == nil {
            lines.append("Downloading is disabled.")
        } else if mirrors.isEmpty {
            lines.append("No download mirrors are configured.")
        } else {
            lines.append("Tried to download into \(cacheDirectory.path):")
            lines += attempts.map { "  - \($0)" }
        }
        lines.append(
            "To fix: set GLASSBOX_DATA to a directory whose mnist/ subdirectory holds the four files "
                + "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
                + "t10k-labels-idx1-ubyte.gz; gzipped or not), pass that directory explicitly, or copy the files "
                + "into \(cacheDirectory.path), or connect to the network so they can be downloaded there.")
        return lines.joined(separator: "\n")
    }
}
