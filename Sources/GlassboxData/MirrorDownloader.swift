import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why one download failed. `mirrorUnreachable` means the host could not be reached at all, so the
/// locator skips that mirror for the remaining files instead of waiting for more timeouts.
public struct DownloadFailure: Error, Sendable, Equatable {
    public var reason: String
    public var mirrorUnreachable: Bool
    public init(reason: String, mirrorUnreachable: Bool) {
        self.reason = reason
        self.mirrorUnreachable = mirrorUnreachable
    }
}

/// Fetches the bytes at a URL. The seam that lets tests serve files without a network.
public protocol MirrorDownloader: Sendable {
    /// The whole body at `url`; throws `DownloadFailure` (or any error) when it cannot.
    func fetch(_ url: URL) throws -> [UInt8]
}

/// Downloads with Foundation's `URLSession` (http/https) and reads `file:` URLs directly.
public struct URLSessionDownloader: MirrorDownloader {
    /// Seconds without data before a request is abandoned.
    public var timeout: TimeInterval

    public init(timeout: TimeInterval = 30) {
        self.timeout = timeout
    }

    public func fetch(_ url: URL) throws -> [UInt8] {
        if url.isFileURL {
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw DownloadFailure(reason: "no such file", mirrorUnreachable: false)
            }
            return [UInt8](data)
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = max(timeout, 600)
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: url) { data, response, error in
            if let error {
                box.set(.failure(DownloadFailure(reason: error.localizedDescription, mirrorUnreachable: true)))
            } else if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
                box.set(.failure(DownloadFailure(reason: "HTTP status \(http.statusCode)", mirrorUnreachable: false)))
            } else {
                box.set(.success([UInt8](data ?? Data())))
            }
            done.signal()
        }
        task.resume()
        done.wait()
        return try box.get()
    }
}

/// The outcome of an asynchronous callback, handed to the waiting thread under a lock.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<[UInt8], DownloadFailure> = .failure(DownloadFailure(reason: "no response", mirrorUnreachable: true))

    func set(_ value: Result<[UInt8], DownloadFailure>) {
        lock.lock()
        result = value
        lock.unlock()
    }

    func get() throws -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        return try result.get()
    }
}
