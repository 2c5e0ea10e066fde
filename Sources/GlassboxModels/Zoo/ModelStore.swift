import Foundation

/// No weights file for a zoo model in any place the store searches.
public struct MissingWeightsError: Error, CustomStringConvertible, Equatable, Sendable {
    public var model: String
    public var searched: [String]
    public var description: String {
        "no bundled weights for \(model); train with `glassbox train \(model)` (searched: \(searched.joined(separator: ", ")))"
    }
}

/// A weights file whose architecture is not the zoo's architecture of that name.
public struct WeightsMismatchError: Error, CustomStringConvertible, Equatable, Sendable {
    public var model: String
    public var file: String
    public var description: String {
        "\(file) does not hold the zoo architecture '\(model)' (its layers or input shape differ)"
    }
}

/// Finds trained weights of zoo models: `<name>.safetensors` in, in order, the directories given,
/// `$GLASSBOX_MODELS`, the user cache (`$XDG_CACHE_HOME/glassbox/models` or
/// `~/.cache/glassbox/models`), and the package's bundled `Weights` resource.
public struct ModelStore: Sendable {
    /// The directories searched, in order.
    public var searchDirectories: [URL]

    /// A store searching `directories` first, then the standard places.
    public init(directories: [URL] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
                includeBundled: Bool = true) {
        var places = directories
        if let models = environment["GLASSBOX_MODELS"], !models.isEmpty {
            places.append(URL(fileURLWithPath: models, isDirectory: true))
        }
        places.append(Self.userCacheDirectory(environment: environment))
        if includeBundled { places += Self.bundledWeightsDirectories }
        searchDirectories = places
    }

    /// The per-user directory `glassbox train` writes to by default:
    /// `$XDG_CACHE_HOME/glassbox/models`, or `~/.cache/glassbox/models`.
    public static func userCacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("glassbox/models", isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/glassbox/models", isDirectory: true)
    }

    /// Where SwiftPM puts this module's resources (`Glassbox_GlassboxModels.resources/Weights`),
    /// found without `Bundle.module`, which traps when the resource bundle is absent.
    public static var bundledWeightsDirectories: [URL] {
        let bundleName = "Glassbox_GlassboxModels"
        var roots: [URL] = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL { roots.append(executable.deletingLastPathComponent()) }
        roots += Bundle.allBundles.map(\.bundleURL)
        var seen = Set<String>()
        var result: [URL] = []
        for root in roots {
            for candidate in [root.appendingPathComponent("\(bundleName).resources"),
                              root.appendingPathComponent("\(bundleName).bundle"),
                              root.deletingLastPathComponent().appendingPathComponent("\(bundleName).resources")] {
                let weights = candidate.appendingPathComponent("Weights", isDirectory: true)
                if seen.insert(weights.standardizedFileURL.path).inserted,
                   FileManager.default.fileExists(atPath: weights.path) {
                    result.append(weights)
                }
            }
        }
        return result
    }

    /// The weights file for the zoo model `name` (aliases accepted), if one exists.
    public func url(for name: String) throws -> URL? {
        let entry = try ModelZoo.entry(named: name)
        for directory in searchDirectories {
            let file = directory.appendingPathComponent("\(entry.name).safetensors")
            if FileManager.default.isReadableFile(atPath: file.path) { return file }
        }
        return nil
    }

    /// Loads the zoo model `name` with its trained weights; throws `MissingWeightsError` when there
    /// are none and `WeightsMismatchError` when the file holds another architecture.
    public func load(_ name: String) throws -> LoadedModel {
        let entry = try ModelZoo.entry(named: name)
        guard let file = try url(for: entry.name) else {
            throw MissingWeightsError(model: entry.name, searched: searchDirectories.map(\.path))
        }
        let loaded = try ModelFile.load(from: file)
        guard loaded.architecture.layers == entry.architecture.layers,
              loaded.architecture.inputShape == entry.architecture.inputShape else {
            throw WeightsMismatchError(model: entry.name, file: file.path)
        }
        return loaded
    }
}

extension ModelZoo {
    /// The zoo model `name` with trained weights from `store` (bundled weights by default).
    public static func load(_ name: String, store: ModelStore = ModelStore()) throws -> LoadedModel {
        try store.load(name)
    }
}
