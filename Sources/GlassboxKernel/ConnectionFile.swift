import Foundation

/// The connection file a Jupyter kernel manager writes for a kernel: where to bind and how to sign.
///
/// Parsing validates every field the kernel relies on and names the file and the field in its error,
/// so a bad file fails before anything is bound.
public struct ConnectionFile: Sendable, Equatable {
    /// `tcp` or `ipc`.
    public enum Transport: String, Sendable {
        case tcp
        case ipc
    }

    /// The five channels and their ports (for `ipc`, the number suffix of the socket path).
    public enum Channel: String, Sendable, CaseIterable {
        case shell, iopub, stdin, control, hb
    }

    public var transport: Transport
    public var ip: String
    public var shellPort: Int
    public var iopubPort: Int
    public var stdinPort: Int
    public var controlPort: Int
    public var hbPort: Int
    /// The HMAC key; empty means messages are not signed.
    public var key: [UInt8]
    /// How messages are signed (`hmac-sha256` unless the file says otherwise).
    public var signatureScheme: SignatureScheme
    public var kernelName: String?
    /// z85-encoded (40 characters) CURVE server keys; both or neither.
    public var curvePublicKey: String?
    public var curveSecretKey: String?

    /// Whether the sockets must be CurveZMQ servers.
    public var usesCurve: Bool { curveSecretKey != nil }

    public init(
        transport: Transport = .tcp, ip: String = "127.0.0.1", shellPort: Int, iopubPort: Int, stdinPort: Int,
        controlPort: Int, hbPort: Int, key: [UInt8], signatureScheme: SignatureScheme = .standard,
        kernelName: String? = nil, curvePublicKey: String? = nil, curveSecretKey: String? = nil
    ) {
        self.transport = transport
        self.ip = ip
        self.shellPort = shellPort
        self.iopubPort = iopubPort
        self.stdinPort = stdinPort
        self.controlPort = controlPort
        self.hbPort = hbPort
        self.key = key
        self.signatureScheme = signatureScheme
        self.kernelName = kernelName
        self.curvePublicKey = curvePublicKey
        self.curveSecretKey = curveSecretKey
    }

    /// The port of one channel.
    public func port(of channel: Channel) -> Int {
        switch channel {
        case .shell: shellPort
        case .iopub: iopubPort
        case .stdin: stdinPort
        case .control: controlPort
        case .hb: hbPort
        }
    }

    /// Changes the port of one channel.
    public mutating func setPort(_ port: Int, of channel: Channel) {
        switch channel {
        case .shell: shellPort = port
        case .iopub: iopubPort = port
        case .stdin: stdinPort = port
        case .control: controlPort = port
        case .hb: hbPort = port
        }
    }

    /// The file's JSON text (as jupyter_client writes it), e.g. to report ports chosen for port 0.
    public var jsonData: Data {
        var object: [String: Any] = [
            "transport": transport.rawValue, "ip": ip, "key": String(decoding: key, as: UTF8.self),
            "signature_scheme": signatureScheme.rawValue,
        ]
        for channel in Channel.allCases { object["\(channel.rawValue)_port"] = port(of: channel) }
        if let kernelName { object["kernel_name"] = kernelName }
        if let curvePublicKey, let curveSecretKey {
            object["curve_publickey"] = curvePublicKey
            object["curve_secretkey"] = curveSecretKey
        }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
    }

    /// The ZeroMQ endpoint to bind for one channel, as ipykernel builds it.
    public func endpoint(for channel: Channel) -> String {
        switch transport {
        case .tcp: "tcp://\(ip):\(port(of: channel))"
        case .ipc: "ipc://\(ip)-\(port(of: channel))"
        }
    }

    /// Reads and validates the file at `path`.
    public static func load(path: String) throws(ConnectionFileError) -> ConnectionFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConnectionFileError(path: path, field: nil, problem: "cannot be read (\(error.localizedDescription))")
        }
        return try parse(data, path: path)
    }

    /// Validates the JSON text of a connection file; `path` is only used in error messages.
    public static func parse(_ data: Data, path: String) throws(ConnectionFileError) -> ConnectionFile {
        func fail(_ field: String?, _ problem: String) -> ConnectionFileError {
            ConnectionFileError(path: path, field: field, problem: problem)
        }
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw fail(nil, "is not a JSON object")
            }
            object = parsed
        } catch let error as ConnectionFileError {
            throw error
        } catch {
            throw fail(nil, "is not valid JSON")
        }

        func string(_ field: String, required: Bool) throws(ConnectionFileError) -> String? {
            guard let value = object[field], !(value is NSNull) else {
                if required { throw fail(field, "is missing") }
                return nil
            }
            guard let text = value as? String else { throw fail(field, "must be a string") }
            return text
        }
        func port(_ field: String) throws(ConnectionFileError) -> Int {
            guard let value = object[field] else { throw fail(field, "is missing") }
            guard let number = value as? NSNumber, !JSONFields.isBoolean(number),
                  Double(number.intValue) == number.doubleValue
            else { throw fail(field, "must be an integer port number") }
            let port = number.intValue
            guard (0...65535).contains(port) else { throw fail(field, "must be between 0 and 65535, got \(port)") }
            return port
        }

        let transportName = try string("transport", required: false) ?? "tcp"
        guard let transport = Transport(rawValue: transportName) else {
            throw fail("transport", "must be \"tcp\" or \"ipc\", got \"\(transportName)\"")
        }
        guard let ip = try string("ip", required: true), !ip.isEmpty else { throw fail("ip", "must not be empty") }
        let schemeName = try string("signature_scheme", required: false) ?? SignatureScheme.standard.rawValue
        guard let scheme = SignatureScheme(rawValue: schemeName) else {
            throw fail("signature_scheme", "\"\(schemeName)\" is not supported (supported: \(SignatureScheme.supportedNames))")
        }
        let key = try string("key", required: true) ?? ""
        let publicKey = try string("curve_publickey", required: false)
        let secretKey = try string("curve_secretkey", required: false)
        switch (publicKey, secretKey) {
        case (nil, nil): break
        case (nil, _): throw fail("curve_publickey", "is missing while curve_secretkey is given")
        case (_, nil): throw fail("curve_secretkey", "is missing while curve_publickey is given")
        case (let pub?, let sec?):
            if !Z85.isValidKey(pub) { throw fail("curve_publickey", "must be a 40-character z85 key") }
            if !Z85.isValidKey(sec) { throw fail("curve_secretkey", "must be a 40-character z85 key") }
        }

        return ConnectionFile(
            transport: transport, ip: ip,
            shellPort: try port("shell_port"), iopubPort: try port("iopub_port"), stdinPort: try port("stdin_port"),
            controlPort: try port("control_port"), hbPort: try port("hb_port"),
            key: Array(key.utf8), signatureScheme: scheme,
            kernelName: try string("kernel_name", required: false),
            curvePublicKey: publicKey, curveSecretKey: secretKey)
    }
}

/// Why a connection file was rejected.
public struct ConnectionFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// The offending field, or `nil` when the file as a whole is the problem.
    public var field: String?
    public var problem: String

    public var description: String {
        if let field { "connection file \(path): field \"\(field)\" \(problem)" } else { "connection file \(path) \(problem)" }
    }
}

/// The Z85 alphabet (ZeroMQ RFC 32), used to validate CURVE keys without libzmq.
enum Z85 {
    static let alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")

    /// A 32-byte key in z85 is exactly 40 characters of the alphabet.
    static func isValidKey(_ key: String) -> Bool {
        key.count == 40 && key.allSatisfy { alphabet.contains($0) }
    }
}
