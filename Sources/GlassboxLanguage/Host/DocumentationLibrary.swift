import Foundation

/// The documentation pages (`docs/*.md` and `docs/methods/*.md`) that `help("topic")` renders as
/// Markdown inside a notebook.
///
/// An installed kernel finds them in its kernelspec directory (`glassbox install` copies them
/// there and passes `--docs-dir`); a build finds the checkout's `docs/` next to (or above) the
/// executable. Topics are the page names: `language` for `docs/language.md`, `methods` for
/// `docs/methods/README.md`, `overview` for `docs/README.md`, and `methods/<page>` (or just `<page>`
/// when no other page has that name) for the method pages.
public struct DocumentationLibrary: Sendable, Equatable {
    /// The `docs` directory.
    public let directory: URL
    /// Topic → page file, in the order the topics are listed.
    public let pages: [(topic: String, file: URL)]

    public static func == (a: DocumentationLibrary, b: DocumentationLibrary) -> Bool {
        a.directory == b.directory && a.pages.map(\.topic) == b.pages.map(\.topic)
    }

    /// The pages under `directory`; nil when it holds no Markdown page.
    public init?(directory: URL) {
        let manager = FileManager.default
        func markdown(in folder: URL) -> [String] {
            ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
        }
        var pages: [(String, URL)] = []
        var topLevel: Set<String> = []
        for name in markdown(in: directory) {
            let base = String(name.dropLast(3))
            let topic = base == "README" ? "overview" : base
            topLevel.insert(topic)
            pages.append((topic, directory.appendingPathComponent(name)))
        }
        let methods = directory.appendingPathComponent("methods")
        for name in markdown(in: methods) {
            let base = String(name.dropLast(3))
            let file = methods.appendingPathComponent(name)
            if base == "README" {
                if !topLevel.contains("methods") { pages.append(("methods", file)) }
                continue
            }
            pages.append(("methods/" + base, file))
            if !topLevel.contains(base) { pages.append((base, file)) }
        }
        guard !pages.isEmpty else { return nil }
        self.directory = directory
        self.pages = pages
    }

    /// The topics to list: every page once, under its shortest name.
    public var topics: [String] {
        var seen: Set<URL> = []
        var names: [(String, URL)] = []
        for (topic, file) in pages.sorted(by: { $0.topic.count < $1.topic.count }) where seen.insert(file).inserted {
            names.append((topic, file))
        }
        let order = Dictionary(uniqueKeysWithValues: pages.enumerated().map { ($0.element.topic, $0.offset) })
        return names.map(\.0).sorted { order[$0]! < order[$1]! }
    }

    /// The page file of `topic` (case-insensitive, `.md` optional), if there is one.
    public func file(for topic: String) -> URL? {
        var key = topic.lowercased().trimmingCharacters(in: .whitespaces)
        if key.hasSuffix(".md") { key.removeLast(3) }
        if key.hasPrefix("docs/") { key.removeFirst(5) }
        return pages.first { $0.topic.lowercased() == key }?.file
    }

    /// The page of `topic` as Markdown ready for a notebook: links to other pages become
    /// `help("topic")` hints and images next to the page are embedded as data URLs (a notebook
    /// cannot follow relative links). Nil when there is no such page or it cannot be read.
    public func page(_ topic: String) -> String? {
        guard let file = file(for: topic), let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        return rewriteLinks(text, relativeTo: file.deletingLastPathComponent())
    }

    /// The largest image embedded into a page.
    static let maximumEmbeddedImageBytes = 2_000_000

    func rewriteLinks(_ text: String, relativeTo folder: URL) -> String {
        var out = ""
        var rest = Substring(text)
        // [label](target) and ![alt](target); targets with a scheme or an anchor only stay as they are.
        while let open = rest.firstIndex(of: "[") {
            let isImage = open > rest.startIndex && rest[rest.index(before: open)] == "!"
            guard let close = rest[open...].firstIndex(of: "]"),
                  rest.index(after: close) < rest.endIndex, rest[rest.index(after: close)] == "(",
                  let end = rest[close...].firstIndex(of: ")") else {
                out += rest[...open]
                rest = rest[rest.index(after: open)...]
                continue
            }
            let label = rest[rest.index(after: open)..<close]
            let target = String(rest[rest.index(close, offsetBy: 2)..<end])
            out += rest[..<open]
            out += replacement(label: String(label), target: target, isImage: isImage, folder: folder)
                ?? String(rest[open...end])
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }

    private func replacement(label: String, target: String, isImage: Bool, folder: URL) -> String? {
        if target.contains("://") || target.hasPrefix("#") || target.hasPrefix("data:") || target.hasPrefix("mailto:") {
            return nil
        }
        let path = String(target.split(separator: "#", maxSplits: 1).first ?? "")
        let file = folder.appendingPathComponent(path).standardizedFileURL
        if isImage {
            guard path.lowercased().hasSuffix(".png"),
                  let data = try? Data(contentsOf: file), data.count <= Self.maximumEmbeddedImageBytes else { return nil }
            return "[\(label)](data:image/png;base64,\(data.base64EncodedString()))"
        }
        if let topic = pages.first(where: { $0.file.standardizedFileURL == file })?.topic {
            let short = topics.first { self.file(for: $0)?.standardizedFileURL == file } ?? topic
            return "\(label) (`help(\"\(short)\")`)"
        }
        return label
    }

    /// The documentation to use: `explicit` (a `--docs-dir`) when it holds pages, else
    /// `$GLASSBOX_DOCS_DIR`, else a `docs/` folder with `language.md` next to or above `executable`.
    public static func locate(explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                              executable: String) -> DocumentationLibrary? {
        for candidate in [explicit, environment["GLASSBOX_DOCS_DIR"]].compactMap({ $0 }) where !candidate.isEmpty {
            if let library = DocumentationLibrary(directory: URL(fileURLWithPath: candidate, isDirectory: true)) { return library }
        }
        return checkoutDocs(executable: executable).flatMap { DocumentationLibrary(directory: $0) }
    }

    /// A checkout's `docs/` directory (holding `language.md`) next to or up to six levels above `executable`.
    public static func checkoutDocs(executable: String) -> URL? {
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        for _ in 0..<7 {
            let docs = directory.appendingPathComponent("docs", isDirectory: true)
            if FileManager.default.fileExists(atPath: docs.appendingPathComponent("language.md").path) { return docs }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    /// The files to install with a kernelspec: relative path under `docs/` → contents (the pages
    /// and the PNG images next to them).
    public func installableFiles() -> [String: Data] {
        var files: [String: Data] = [:]
        let manager = FileManager.default
        for (subfolder, extensions) in [("", ["md"]), ("methods", ["md"]), ("methods/figures", ["png"])] {
            let folder = subfolder.isEmpty ? directory : directory.appendingPathComponent(subfolder)
            for name in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
            where extensions.contains(URL(fileURLWithPath: name).pathExtension) {
                if let data = try? Data(contentsOf: folder.appendingPathComponent(name)) {
                    files[(subfolder.isEmpty ? "" : subfolder + "/") + name] = data
                }
            }
        }
        return files
    }
}
