import GlassboxMethods

/// What the docs say about the methods, made from `MethodCatalog`: the index table of
/// `docs/methods/README.md`, the method list of the top-level `README.md` and the script that draws every method's docs figure
/// (`glassbox docs-figures`). A test keeps the committed files in step with the catalog.
public enum MethodDocumentation {
    public static let beginMarker = "<!-- BEGIN GENERATED METHOD INDEX (from MethodCatalog; run the docs test with GLASSBOX_UPDATE_DOCS=1) -->"
    public static let endMarker = "<!-- END GENERATED METHOD INDEX -->"

    /// The index: one row per declared method.
    public static func index() -> String {
        var text = "| Page | Method | Builtin | What it computes | Chapters |\n|---|---|---|---|---|\n"
        for d in MethodCatalog.declarations {
            let summary = d.summary.replacingOccurrences(of: "|", with: "\\|")
            text += "| [\(d.page)](\(d.page)) | \(d.title) | `\(d.id)` | \(summary) | \(d.chapters.joined(separator: ", ")) |\n"
        }
        return text
    }

    /// `document` with the index between the markers replaced, or nil when the markers are missing.
    public static func updatingIndex(_ document: String) -> String? {
        replacing(between: beginMarker, and: endMarker, in: document, with: "\n" + index())
    }

    public static let readmeBeginMarker = "<!-- BEGIN GENERATED METHOD LIST (from MethodCatalog; run the docs test with GLASSBOX_UPDATE_DOCS=1) -->"
    public static let readmeEndMarker = "<!-- END GENERATED METHOD LIST -->"

    /// The top-level README's list item of every declared method, linked to its page, with its builtin.
    public static func readmeList() -> String {
        "- **Explanation methods**, each a builtin with a page in [docs/methods/](docs/methods/README.md): "
            + MethodCatalog.declarations.map { "[\($0.title)](docs/methods/\($0.page)) (`\($0.id)`)" }.joined(separator: ", ") + ".\n"
    }

    /// The README `document` with the method list between its markers replaced, or nil when the
    /// markers are missing.
    public static func updatingReadme(_ document: String) -> String? {
        replacing(between: readmeBeginMarker, and: readmeEndMarker, in: document, with: readmeList())
    }

    /// `document` with the text between `begin` and `end` (both kept) replaced by `text`.
    static func replacing(between begin: String, and end: String, in document: String, with text: String) -> String? {
        guard let first = document.range(of: begin), let last = document.range(of: end), first.upperBound <= last.lowerBound else { return nil }
        return String(document[..<first.upperBound]) + "\n" + text + String(document[last.lowerBound...])
    }

    /// The script whose displayed figures, in order, are the declarations' docs figures: the
    /// bundled CNN-MAX-B (chapters 3.2, 3.4) and image 5 of each digit, each drawn by the
    /// declaration's `figure` call.
    public static func figureScript(only ids: Set<String>? = nil) -> String {
        let declarations = figureDeclarations(only: ids)
        var lines = [
            "// The figures of docs/methods/*.md, one per declared method, in catalog order (glassbox docs-figures).",
            "let mnist = dataset(\"mnist\")",
            "let net = model(\"cnn-max-b\")",
            "let xs = mnist.train.perDigit(index: 5)",
        ]
        if declarations.contains(where: { $0.id.hasPrefix("pattern") }) {
            lines.append("let patterns = learnPatterns(net, mnist.train, images: 10000)   // for patternNet and patternAttribution")
        }
        for d in declarations { lines.append("show(\(d.figure), columns: 5)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The declarations whose figures are drawn: all, or those whose id is in `ids`.
    static func figureDeclarations(only ids: Set<String>?) -> [MethodDeclaration] {
        MethodCatalog.declarations.filter { ids?.contains($0.id) ?? true }
    }

    /// The figure files, in the order the script displays them.
    public static func figureFiles(only ids: Set<String>? = nil) -> [String] { figureDeclarations(only: ids).map(\.figureFile) }

    /// The method ids that have a docs figure.
    public static var figureIDs: [String] { MethodCatalog.declarations.map(\.id) }
}
