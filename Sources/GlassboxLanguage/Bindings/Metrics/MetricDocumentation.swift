import GlassboxMethods

/// The generated part of docs/metrics.md, made from `MetricCatalog`: an index table and one section
/// per metric (its formula, paper, procedure and options). A test keeps the committed page in step
/// with the catalog.
public enum MetricDocumentation {
    public static let beginMarker = "<!-- BEGIN GENERATED METRICS (from MetricCatalog; run the docs test with GLASSBOX_UPDATE_DOCS=1) -->"
    public static let endMarker = "<!-- END GENERATED METRICS -->"

    /// The index and the sections, grouped by family.
    public static func generated() -> String {
        var text = "| Family | Metric | Builtin | Better | What it measures |\n|---|---|---|---|---|\n"
        for category in MetricCategory.allCases {
            for metric in MetricCatalog.all where metric.declaration.category == category {
                let d = metric.declaration
                let summary = d.summary.replacingOccurrences(of: "|", with: "\\|")
                text += "| \(category.title) | [\(d.title)](#\(anchor(d))) | `\(d.id)` | \(d.direction.arrow) | \(summary) |\n"
            }
        }
        for category in MetricCategory.allCases {
            text += "\n## \(category.title)\n"
            for metric in MetricCatalog.all where metric.declaration.category == category {
                let d = metric.declaration
                text += "\n### \(d.title) (`\(d.id)`)\n\n\(d.summary)\n\n$$\(d.formula)$$\n\n\(d.details)\n\n"
                text += "*Paper:* \(d.citation). *Direction:* \(d.direction.phrase)"
                text += d.chapters.isEmpty ? ".\n" : ". *Chapters:* \(d.chapters.joined(separator: ", ")).\n"
                if !d.options.isEmpty {
                    text += "\n| Option | Default | Meaning |\n|---|---|---|\n"
                    for option in d.options {
                        text += "| `\(option.name):` | `\(option.defaultValue.literal)` | \(option.documentation.replacingOccurrences(of: "|", with: "\\|")) |\n"
                    }
                }
                text += "\n```swift\n\(d.example)\n```\n"
            }
        }
        return text
    }

    /// The Markdown anchor of a metric's section heading.
    static func anchor(_ d: MetricDeclaration) -> String {
        let heading = "\(d.title) (\(d.id))".lowercased()
        return String(heading.compactMap { c -> Character? in
            if c.isLetter || c.isNumber || c == "-" || c == "_" { return c }
            return c == " " ? "-" : nil
        })
    }

    /// `document` with the generated part between the markers replaced, or nil when the markers
    /// are missing.
    public static func updating(_ document: String) -> String? {
        guard let begin = document.range(of: beginMarker), let end = document.range(of: endMarker),
              begin.upperBound <= end.lowerBound else { return nil }
        return String(document[..<begin.upperBound]) + "\n\n" + generated() + "\n" + String(document[end.lowerBound...])
    }
}
