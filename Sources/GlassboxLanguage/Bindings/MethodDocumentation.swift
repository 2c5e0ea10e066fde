import GlassboxMethods

/// What the docs say about the methods, made from `MethodCatalog`: the index table of
/// `docs/methods/README.md` and the script that draws every method's docs figure
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
        guard let begin = document.range(of: beginMarker), let end = document.range(of: endMarker),
              begin.upperBound <= end.lowerBound else { return nil }
        return String(document[..<begin.upperBound]) + "\n\n" + index() + "\n" + String(document[end.lowerBound...])
    }

    /// The script whose displayed figures, in order, are the declarations' docs figures: the
    /// bundled CNN-MAX-B (chapters 3.2, 3.4) and image 5 of each digit, each drawn by the
    /// declaration's `figure` call.
    public static func figureScript() -> String {
        var lines = [
            "// The figures of docs/methods/*.md, one per declared method, in catalog order (glassbox docs-figures).",
            "let mnist = dataset(\"mnist\")",
            "let net = model(\"cnn-max-b\")",
            "let xs = mnist.train.perDigit(index: 5)",
        ]
        for d in MethodCatalog.declarations { lines.append("show(\(d.figure), columns: 5)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The figure files, in the order the script displays them.
    public static var figureFiles: [String] { MethodCatalog.declarations.map(\.figureFile) }
}
