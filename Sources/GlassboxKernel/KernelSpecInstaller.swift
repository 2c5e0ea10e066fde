import Foundation

/// Where a kernelspec goes, as `jupyter kernelspec install` places it.
public enum KernelSpecLocation: Sendable, Equatable {
    /// `$JUPYTER_DATA_DIR/kernels`, else `$XDG_DATA_HOME/jupyter/kernels`, else `~/.local/share/jupyter/kernels`.
    case user
    /// `<prefix>/share/jupyter/kernels`.
    case prefix(String)
    /// The active environment (`$VIRTUAL_ENV`, then `$CONDA_PREFIX`), else `/usr/local`.
    case sysPrefix

    /// The `kernels` directory for this location under the given environment variables.
    public func kernelsDirectory(environment: [String: String], home: String) -> String {
        func nonEmpty(_ key: String) -> String? {
            guard let value = environment[key], !value.isEmpty else { return nil }
            return value
        }
        switch self {
        case .user:
            if let dataDir = nonEmpty("JUPYTER_DATA_DIR") { return dataDir + "/kernels" }
            let xdg = nonEmpty("XDG_DATA_HOME") ?? home + "/.local/share"
            return xdg + "/jupyter/kernels"
        case .prefix(let prefix):
            return prefix + "/share/jupyter/kernels"
        case .sysPrefix:
            let prefix = nonEmpty("VIRTUAL_ENV") ?? nonEmpty("CONDA_PREFIX") ?? "/usr/local"
            return prefix + "/share/jupyter/kernels"
        }
    }
}

/// A kernelspec: `kernel.json` plus logos.
public struct KernelSpec: Sendable {
    public var argv: [String]
    public var displayName: String
    public var language: String
    /// `message` (interrupt_request on the control channel) or `signal` (SIGINT).
    public var interruptMode: String
    public var metadata: [String: [String]]

    /// The spec that runs `executable kernel --connection-file {connection_file}`, followed by
    /// `arguments`.
    public init(executable: String, displayName: String = "Glassbox", language: String = "glassbox",
                interruptMode: String = "message", arguments: [String] = []) {
        argv = [executable, "kernel", "--connection-file", "{connection_file}"] + arguments
        self.displayName = displayName
        self.language = language
        self.interruptMode = interruptMode
        metadata = ["supported_encryption": ["curve"]]
    }

    /// The JSON text of `kernel.json`.
    public var json: Data {
        let object: [String: Any] = [
            "argv": argv, "display_name": displayName, "language": language,
            "interrupt_mode": interruptMode, "metadata": metadata,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return data + Data("\n".utf8)
    }
}

/// Why a kernelspec could not be installed.
public struct KernelSpecInstallError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Writes a kernelspec directory.
public enum KernelSpecInstaller {
    /// Kernel names jupyter accepts: letters, digits, `.`, `_`, `-`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy {
            ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || $0 == "." || $0 == "_" || $0 == "-"
        }
    }

    /// Installs `spec` as `<kernelsDirectory>/<name>` with the given files (e.g. logos; a name with
    /// `/` goes into a subdirectory), replacing an existing spec of the same name. Returns the
    /// directory written.
    @discardableResult
    public static func install(_ spec: KernelSpec, name: String, kernelsDirectory: String,
                               files: [String: Data]) throws -> String {
        guard isValidName(name) else {
            throw KernelSpecInstallError(description: "invalid kernel name \"\(name)\" (use letters, digits, '.', '_', '-')")
        }
        let directory = kernelsDirectory + "/" + name
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try spec.json.write(to: URL(fileURLWithPath: directory + "/kernel.json"))
            for (fileName, contents) in files {
                let parts = fileName.split(separator: "/")
                guard !parts.isEmpty, !parts.contains(".."), !fileName.hasPrefix("/") else {
                    throw KernelSpecInstallError(description: "invalid kernelspec file name \"\(fileName)\"")
                }
                let url = URL(fileURLWithPath: directory + "/" + fileName)
                try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try contents.write(to: url)
            }
        } catch let error as KernelSpecInstallError {
            throw error
        } catch {
            throw KernelSpecInstallError(description: "cannot write the kernelspec to \(directory): \(error.localizedDescription)")
        }
        return directory
    }
}
