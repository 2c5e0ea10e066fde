import Foundation

/// Where trained weights of zoo models are looked for: `<name>.safetensors` in `$GLASSBOX_MODELS`,
/// then `share/glassbox/models` next to the executable's prefix, then the user cache
/// (`$XDG_CACHE_HOME/glassbox/models` or `~/.cache/glassbox/models`), then `./models`.
public struct BundledModels: Sendable {
    public var directories: [URL]

    public init(directories: [URL]) { self.directories = directories }

    /// The standard places, in search order.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> BundledModels {
        var directories: [URL] = []
        if let path = environment["GLASSBOX_MODELS"], !path.isEmpty {
            directories.append(URL(fileURLWithPath: path, isDirectory: true))
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        directories.append(executable.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/glassbox/models", isDirectory: true))
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            directories.append(URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("glassbox/models", isDirectory: true))
        } else {
            directories.append(FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/glassbox/models", isDirectory: true))
        }
        directories.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            .appendingPathComponent("models", isDirectory: true))
        return BundledModels(directories: directories)
    }

    /// The weights file of zoo model `name`, if one exists.
    public func file(for name: String) -> URL? {
        for directory in directories {
            let url = directory.appendingPathComponent("\(name).safetensors")
            if FileManager.default.isReadableFile(atPath: url.path) { return url }
        }
        return nil
    }
}
