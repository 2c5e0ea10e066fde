import CCurl
import Foundation
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

/// Downloads over http/https with libcurl, which is opened only when the first download starts (so a
/// kernel that finds its files on disk never loads it), and reads `file:` URLs directly. Redirects are
/// followed; a transfer that cannot connect within `timeout` seconds, or receives nothing for that
/// long, is abandoned.
public struct HTTPDownloader: MirrorDownloader {
    /// Seconds to connect, and seconds without data before a transfer is abandoned.
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
        final class Body {
            var bytes: [UInt8] = []
        }
        let body = Body()
        let seconds = max(1, Int(timeout.rounded(.up)))
        let result = withExtendedLifetime(body) {
            glassbox_curl_get(url.absoluteString, seconds, seconds, { bytes, count, context in
                let body = Unmanaged<Body>.fromOpaque(context!).takeUnretainedValue()
                if count > 0 { body.bytes.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: count)) }
                return 0
            }, Unmanaged.passUnretained(body).toOpaque())
        }
        var message = result.message
        let reason = withUnsafeBytes(of: &message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        switch result.outcome {
        case 0:
            guard (200..<300).contains(result.http_status) else {
                throw DownloadFailure(reason: "HTTP status \(result.http_status)", mirrorUnreachable: false)
            }
            return body.bytes
        default:
            throw DownloadFailure(reason: reason, mirrorUnreachable: true)
        }
    }
}
