import Foundation
import GlassboxData
import XCTest

/// Exercises `HTTPDownloader` over real HTTP against a local server (Python's `http.server`,
/// bound to 127.0.0.1 on a free port). Skipped when python3 is not installed; never uses the network.
final class HTTPDownloadTests: XCTestCase {
    private func startServer(serving directory: URL) throws -> (process: Process, port: Int) {
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) else { throw XCTSkip("python3 is not installed, cannot start a local HTTP server") }
        let script = """
            import functools, http.server, sys
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
            handler.func.log_message = lambda *args: None
            server = http.server.HTTPServer(("127.0.0.1", 0), handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, directory.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        addTeardownBlock {
            process.terminate()
            process.waitUntilExit()
        }
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let text = String(data: line, encoding: .utf8),
              let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw XCTSkip("the local HTTP server did not start")
        }
        return (process, port)
    }

    func testDownloadsOverHTTPAndReportsMissingFiles() throws {
        let root = try makeTemporaryDirectory(self)
        let served = root.appendingPathComponent("served/mnist", isDirectory: true)
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        try writeTinyMNIST(to: served)
        let (_, port) = try startServer(serving: root.appendingPathComponent("served"))
        let mirror = URL(string: "http://127.0.0.1:\(port)/mnist/")!
        let home = root.appendingPathComponent("home", isDirectory: true)
        let locator = MNISTLocator(explicitDirectory: nil, environment: [:], homeDirectory: home,
                                   catalog: tinyCatalog(), mirrors: [mirror], downloader: HTTPDownloader(timeout: 10))
        let found = try locator.locate()
        XCTAssertTrue(found.values.allSatisfy { $0.origin == .downloaded })
        let mnist = try MNIST.load(locator: locator, validationCount: 10)
        XCTAssertEqual(mnist.train.count, 20)
        XCTAssertEqual(mnist.test.labels, (0..<20).map { $0 % 10 })

        // A missing file is an HTTP 404, reported as such.
        XCTAssertThrowsError(try HTTPDownloader(timeout: 10).fetch(mirror.appendingPathComponent("absent.gz"))) { error in
            XCTAssertEqual(error as? DownloadFailure, DownloadFailure(reason: "HTTP status 404", mirrorUnreachable: false))
        }
    }

    func testRefusedConnectionIsUnreachable() throws {
        // Port 9 (discard) on localhost is essentially never served; the connection is refused at once.
        XCTAssertThrowsError(try HTTPDownloader(timeout: 5).fetch(URL(string: "http://127.0.0.1:9/x.gz")!)) { error in
            XCTAssertEqual((error as? DownloadFailure)?.mirrorUnreachable, true, "\(error)")
        }
    }
}
