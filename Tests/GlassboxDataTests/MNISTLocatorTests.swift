import Foundation
import GlassboxData
import XCTest

final class MNISTLocatorTests: XCTestCase {
    private struct Places {
        let explicit: URL, dataRoot: URL, environment: URL, home: URL, cache: URL
    }

    private func makePlaces() throws -> Places {
        let root = try makeTemporaryDirectory(self)
        let explicit = root.appendingPathComponent("explicit", isDirectory: true)
        let dataRoot = root.appendingPathComponent("data", isDirectory: true)
        let home = root.appendingPathComponent("home", isDirectory: true)
        return Places(explicit: explicit, dataRoot: dataRoot,
                      environment: dataRoot.appendingPathComponent("mnist", isDirectory: true),
                      home: home, cache: home.appendingPathComponent(".cache/glassbox/mnist", isDirectory: true))
    }

    private func locator(_ places: Places, explicit: Bool = true, env: Bool = true, xdg: String? = nil,
                         mirrors: [URL] = [], downloader: (any MirrorDownloader)? = nil) -> MNISTLocator {
        var environment: [String: String] = [:]
        if env { environment["GLASSBOX_DATA"] = places.dataRoot.path }
        if let xdg { environment["XDG_CACHE_HOME"] = xdg }
        return MNISTLocator(explicitDirectory: explicit ? places.explicit : nil, environment: environment,
                            homeDirectory: places.home, catalog: tinyCatalog(), mirrors: mirrors,
                            downloader: downloader)
    }

    func testExplicitBeatsEnvironmentBeatsCache() throws {
        let places = try makePlaces()
        for directory in [places.explicit, places.environment, places.cache] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try writeTinyMNIST(to: directory)
        }
        var found = try locator(places).locate()
        XCTAssertEqual(found.count, 4)
        for file in found.values {
            XCTAssertEqual(file.origin, .explicitDirectory)
            XCTAssertEqual(file.url.deletingLastPathComponent().standardizedFileURL.path, places.explicit.standardizedFileURL.path)
        }
        try FileManager.default.removeItem(at: places.explicit)
        found = try locator(places).locate()
        XCTAssertTrue(found.values.allSatisfy { $0.origin == .environment })
        XCTAssertEqual(found[.trainImages]?.url.path, places.environment.appendingPathComponent("train-images-idx3-ubyte.gz").path)
        try FileManager.default.removeItem(at: places.environment)
        found = try locator(places).locate()
        XCTAssertTrue(found.values.allSatisfy { $0.origin == .cache })
        XCTAssertEqual(found[.testLabels]?.url.path, places.cache.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path)
    }

    func testSearchIsPerFileAndAcceptsUncompressedNames() throws {
        let places = try makePlaces()
        try FileManager.default.createDirectory(at: places.explicit, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: places.cache, withIntermediateDirectories: true)
        try writeTinyMNIST(to: places.cache, compressed: false)
        // Only the train labels in the explicit directory.
        try IDXFile.write(TinyDataSet(count: 30).labels,
                          to: places.explicit.appendingPathComponent("train-labels-idx1-ubyte"), compressed: false)
        let found = try locator(places).locate()
        XCTAssertEqual(found[.trainLabels]?.origin, .explicitDirectory)
        XCTAssertEqual(found[.trainImages]?.origin, .cache)
        XCTAssertEqual(found[.trainImages]?.url.lastPathComponent, "train-images-idx3-ubyte")
    }

    func testCacheDirectoryFollowsXDG() throws {
        let places = try makePlaces()
        let xdg = places.home.appendingPathComponent("xdg-cache").path
        XCTAssertEqual(locator(places, xdg: xdg).cacheDirectory.path, xdg + "/glassbox/mnist")
        XCTAssertEqual(locator(places).cacheDirectory.path, places.cache.path)
        // A relative XDG_CACHE_HOME is invalid by the spec and ignored.
        XCTAssertEqual(locator(places, xdg: "relative/cache").cacheDirectory.path, places.cache.path)
        XCTAssertEqual(locator(places).searchPlaces.map(\.origin), [.explicitDirectory, .environment, .cache])
        XCTAssertEqual(locator(places, explicit: false, env: false).searchPlaces.map(\.origin), [.cache])
    }

    func testNothingFoundListsEveryPlaceAndEveryURL() throws {
        let places = try makePlaces()
        let mirrors = [URL(string: "https://mirror-one.invalid/mnist/")!, URL(string: "https://mirror-two.invalid/data/")!]
        let downloader = FailingDownloader(unreachable: false)
        assertDataError(try locator(places, mirrors: mirrors, downloader: downloader).locate()) { error in
            guard case .notFound(let report) = error else { return XCTFail("\(error)") }
            for path in [places.explicit.path, places.environment.path, places.cache.path] {
                XCTAssertTrue(report.contains(path), "report does not name \(path):\n\(report)")
            }
            for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
                for mirror in mirrors {
                    XCTAssertTrue(report.contains(mirror.absoluteString + name + ".gz"), "report lacks URL for \(name):\n\(report)")
                }
            }
            XCTAssertTrue(report.contains("GLASSBOX_DATA"))
            XCTAssertTrue(report.contains("HTTP status 404"))
            XCTAssertEqual(error.description, report)
        }
        XCTAssertEqual(downloader.requests.count, 8)
    }

    func testUnreachableMirrorIsTriedOnceThenSkipped() throws {
        let places = try makePlaces()
        let mirror = URL(string: "https://offline.invalid/mnist/")!
        let downloader = FailingDownloader(unreachable: true)
        assertDataError(try locator(places, env: false, mirrors: [mirror], downloader: downloader).locate()) { error in
            guard case .notFound(let report) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(report.contains("$GLASSBOX_DATA is not set"))
            XCTAssertTrue(report.contains("skipped"))
            XCTAssertTrue(report.contains(mirror.absoluteString + "t10k-labels-idx1-ubyte.gz"))
        }
        XCTAssertEqual(downloader.requests.count, 1)
    }

    func testDisabledDownloadSaysSo() throws {
        let places = try makePlaces()
        assertDataError(try locator(places, downloader: nil).locate()) { error in
            XCTAssertTrue(error.description.contains("Downloading is disabled"))
        }
    }

    func testDownloadFromFileMirrorVerifiesAndCachesAtomically() throws {
        let places = try makePlaces()
        let mirror = places.home.deletingLastPathComponent().appendingPathComponent("mirror", isDirectory: true)
        try FileManager.default.createDirectory(at: mirror, withIntermediateDirectories: true)
        try writeTinyMNIST(to: mirror)
        let dead = URL(string: "https://dead.invalid/")!
        let locator = locator(places, mirrors: [dead, mirror], downloader: CombinedDownloader())
        let found = try locator.locate()
        XCTAssertTrue(found.values.allSatisfy { $0.origin == .downloaded })
        let cached = try FileManager.default.contentsOfDirectory(atPath: places.cache.path).sorted()
        XCTAssertEqual(cached, ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                                "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"])
        // Second run finds them in the cache without downloading.
        let again = try MNISTLocator(explicitDirectory: nil, environment: [:], homeDirectory: places.home,
                                     catalog: tinyCatalog(), mirrors: [], downloader: nil).locate()
        XCTAssertTrue(again.values.allSatisfy { $0.origin == .cache })
        // And the cached data loads.
        let mnist = try MNIST.load(locator: locator, verifyChecksums: true, validationCount: 10)
        XCTAssertEqual(mnist.train.count, 20)
        XCTAssertEqual(mnist.validation.count, 10)
        XCTAssertEqual(mnist.test.count, 20)
    }

    func testDownloadWithWrongHashIsDeletedAndReported() throws {
        let places = try makePlaces()
        let mirror = places.home.deletingLastPathComponent().appendingPathComponent("mirror", isDirectory: true)
        try FileManager.default.createDirectory(at: mirror, withIntermediateDirectories: true)
        try writeTinyMNIST(to: mirror)
        // The catalog expects different content for the test labels.
        var catalog = tinyCatalog()
        let wrong = MNISTLocator.sha256Hex([1, 2, 3])
        catalog.files[3].sha256 = wrong
        let locator = MNISTLocator(explicitDirectory: nil, environment: [:], homeDirectory: places.home,
                                   catalog: catalog, mirrors: [mirror], downloader: HTTPDownloader())
        assertDataError(try locator.locate()) { error in
            guard case .notFound(let report) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(report.contains("SHA-256 mismatch"), report)
            XCTAssertTrue(report.contains(wrong), report)
            XCTAssertTrue(report.contains("missing t10k-labels-idx1-ubyte.gz."), report)
        }
        let cached = try FileManager.default.contentsOfDirectory(atPath: places.cache.path)
        XCTAssertFalse(cached.contains { $0.contains("t10k-labels") }, "bad download left behind: \(cached)")
        XCTAssertEqual(cached.count, 3, "\(cached)")

        // Direct call: the error is the checksum mismatch itself.
        assertDataError(try locator.download(catalog.files[3], from: mirror.appendingPathComponent("t10k-labels-idx1-ubyte.gz"),
                                             using: HTTPDownloader())) { error in
            guard case .checksumMismatch(_, let expected, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(expected, wrong)
        }
    }

    func testVerifyOptionRejectsLocalFilesWithWrongHash() throws {
        let places = try makePlaces()
        try FileManager.default.createDirectory(at: places.explicit, withIntermediateDirectories: true)
        try writeTinyMNIST(to: places.explicit)
        var catalog = tinyCatalog()
        catalog.files[0].sha256 = String(repeating: "0", count: 64)
        let locator = MNISTLocator(explicitDirectory: places.explicit, environment: [:], homeDirectory: places.home,
                                   catalog: catalog, mirrors: [], downloader: nil)
        // Without verification the format checks pass.
        XCTAssertEqual(try MNIST.load(locator: locator, validationCount: 5).train.count, 25)
        assertDataError(try MNIST.load(locator: locator, verifyChecksums: true, validationCount: 5)) { error in
            guard case .checksumMismatch(let source, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(source.hasSuffix("train-images-idx3-ubyte.gz"))
        }
    }

    func testLocalFileWithWrongCountIsRejected() throws {
        let places = try makePlaces()
        try FileManager.default.createDirectory(at: places.explicit, withIntermediateDirectories: true)
        try writeTinyMNIST(to: places.explicit)
        let locator = MNISTLocator(explicitDirectory: places.explicit, environment: [:], homeDirectory: places.home,
                                   catalog: tinyCatalog(trainCount: 31), mirrors: [], downloader: nil)
        assertDataError(try MNIST.load(locator: locator, validationCount: 5)) { error in
            XCTAssertEqual(error, .countMismatch(path: places.explicit.appendingPathComponent("train-images-idx3-ubyte.gz").path,
                                                 expected: 31, found: 30))
        }
    }

    func testSHA256OfKnownInput() {
        XCTAssertEqual(MNISTLocator.sha256Hex(Array("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

/// Reads file URLs; every other URL is unreachable. Lets the download path run without a network.
private struct CombinedDownloader: MirrorDownloader {
    func fetch(_ url: URL) throws -> [UInt8] {
        guard url.isFileURL else { throw DownloadFailure(reason: "no network in tests", mirrorUnreachable: true) }
        return try HTTPDownloader().fetch(url)
    }
}
