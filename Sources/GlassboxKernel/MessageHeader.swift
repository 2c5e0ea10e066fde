import Foundation

/// Builds message headers for the kernel's own messages.
public struct MessageHeaderFactory: Sendable {
    /// The protocol version the kernel speaks.
    public static let protocolVersion = "5.3"

    /// The kernel's session id (one per process).
    public let session: String
    public let username: String

    public init(session: String = UUID().uuidString.lowercased(), username: String = "kernel") {
        self.session = session
        self.username = username
    }

    /// A fresh header for a message of type `msgType`.
    public func header(msgType: String, date: Date = Date()) -> [String: Any] {
        [
            "msg_id": UUID().uuidString.lowercased(),
            "session": session,
            "username": username,
            "date": Self.isoDate(date),
            "msg_type": msgType,
            "version": Self.protocolVersion,
        ]
    }

    /// ISO 8601 in UTC with microseconds, e.g. `2026-11-22T09:27:05.123456Z`.
    public static func isoDate(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = Int(interval.rounded(.down))
        var micros = Int(((interval - Double(seconds)) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            seconds += 1
            micros -= 1_000_000
        }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
            + ".\(pad(micros, 6))Z"
    }
}
