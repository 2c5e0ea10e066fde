import Foundation
import GlassboxData
import GlassboxEngine
import XCTest

/// A fresh temporary directory, removed when the test ends.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("glassbox-data-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Asserts that `body` throws a `DataError` and hands it over for inspection.
func assertDataError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line,
                        _ check: (DataError) -> Void = { _ in }) {
    do {
        _ = try body()
        XCTFail("expected a DataError, nothing was thrown", file: file, line: line)
    } catch let error as DataError {
        check(error)
    } catch {
        XCTFail("expected a DataError, got \(error)", file: file, line: line)
    }
}

/// A tiny MNIST-like data set: `count` images of `rows`×`columns`; pixel j of image i is
/// (i * 7 + j * 3) % 256; label i is i % 10.
struct TinyDataSet {
    let images: IDXImages
    let labels: IDXLabels

    init(count: Int, rows: Int = 4, columns: Int = 3) throws {
        let area = rows * columns
        var pixels = [UInt8](repeating: 0, count: count * area)
        for i in 0..<count {
            for j in 0..<area { pixels[i * area + j] = UInt8((i * 7 + j * 3) % 256) }
        }
        images = try IDXImages(count: count, rows: rows, columns: columns, pixels: pixels)
        labels = IDXLabels(labels: (0..<count).map { UInt8($0 % 10) })
    }
}

/// Writes a tiny train/test pair under the standard file names into `directory`.
/// Returns a catalog whose hashes and counts match what was written.
@discardableResult
func writeTinyMNIST(to directory: URL, trainCount: Int = 30, testCount: Int = 20, compressed: Bool = true) throws
    -> MNISTCatalog {
    let train = try TinyDataSet(count: trainCount)
    let test = try TinyDataSet(count: testCount)
    let suffix = compressed ? ".gz" : ""
    try IDXFile.write(train.images, to: directory.appendingPathComponent("train-images-idx3-ubyte" + suffix), compressed: compressed)
    try IDXFile.write(train.labels, to: directory.appendingPathComponent("train-labels-idx1-ubyte" + suffix), compressed: compressed)
    try IDXFile.write(test.images, to: directory.appendingPathComponent("t10k-images-idx3-ubyte" + suffix), compressed: compressed)
    try IDXFile.write(test.labels, to: directory.appendingPathComponent("t10k-labels-idx1-ubyte" + suffix), compressed: compressed)
    return tinyCatalog(trainCount: trainCount, testCount: testCount)
}

/// The catalog (names, hashes, counts) of the files `writeTinyMNIST` writes.
func tinyCatalog(trainCount: Int = 30, testCount: Int = 20) -> MNISTCatalog {
    let train = try! TinyDataSet(count: trainCount)
    let test = try! TinyDataSet(count: testCount)
    return MNISTCatalog(files: [
        MNISTFileSpec(role: .trainImages, baseName: "train-images-idx3-ubyte",
                      sha256: MNISTLocator.sha256Hex(IDXFile.encode(train.images)), itemCount: trainCount),
        MNISTFileSpec(role: .trainLabels, baseName: "train-labels-idx1-ubyte",
                      sha256: MNISTLocator.sha256Hex(IDXFile.encode(train.labels)), itemCount: trainCount),
        MNISTFileSpec(role: .testImages, baseName: "t10k-images-idx3-ubyte",
                      sha256: MNISTLocator.sha256Hex(IDXFile.encode(test.images)), itemCount: testCount),
        MNISTFileSpec(role: .testLabels, baseName: "t10k-labels-idx1-ubyte",
                      sha256: MNISTLocator.sha256Hex(IDXFile.encode(test.labels)), itemCount: testCount),
    ])
}

/// Labelled images from explicit per-image values (each image `h`×`w`, constant-free patterns allowed).
func labelledImages(_ values: [[Float]], labels: [Int], height: Int, width: Int) throws -> LabelledImages {
    try LabelledImages(images: Tensor(shape: [values.count, 1, height, width], scalars: values.flatMap { $0 }),
                       labels: labels)
}

/// A downloader that never succeeds and records what it was asked for.
final class FailingDownloader: MirrorDownloader, @unchecked Sendable {
    private let lock = NSLock()
    private var requested: [URL] = []
    let unreachable: Bool
    init(unreachable: Bool) { self.unreachable = unreachable }

    var requests: [URL] {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }

    func fetch(_ url: URL) throws -> [UInt8] {
        lock.lock()
        requested.append(url)
        lock.unlock()
        throw DownloadFailure(reason: unreachable ? "host unreachable (test)" : "HTTP status 404", mirrorUnreachable: unreachable)
    }
}

/// A Python interpreter that can import NumPy: the checkout's `.venv` (which CI installs from
/// requirements.txt) first, then each `python3` on PATH, then the system's. Skips the test, saying so,
/// when none can.
func numpyPython() throws -> String {
    let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
    var candidates: [String] = []
    for candidate in [checkout.appendingPathComponent(".venv/bin/python3").path] + path + ["/usr/bin/python3", "/usr/local/bin/python3"]
    where !candidates.contains(candidate) {
        candidates.append(candidate)
    }
    for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
        if (try? runPython(candidate, script: "import numpy")) != nil { return candidate }
    }
    throw XCTSkip("NumPy is not importable by any of \(candidates.joined(separator: ", ")); install numpy (make venv) to run this test")
}

/// Runs `script` with `python` and `arguments`; returns its standard output, throws on a non-zero exit.
@discardableResult
func runPython(_ python: String, script: String, arguments: [String] = []) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", script] + arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw PythonFailure(message: String(decoding: err, as: UTF8.self))
    }
    return String(decoding: out, as: UTF8.self)
}

struct PythonFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { "python failed: \(message)" }
}
