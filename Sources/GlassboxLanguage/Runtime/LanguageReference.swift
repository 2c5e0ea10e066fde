import GlassboxEngine

/// Generates the builtin section of `docs/language.md` from a registry, so the reference cannot
/// drift from the code (a test compares the file with this output).
public enum LanguageReference {
    /// Marks the start of the generated section in the Markdown file.
    public static let beginMarker = "<!-- BEGIN GENERATED BUILTINS (do not edit; run the docs test with GLASSBOX_UPDATE_DOCS=1) -->"
    /// Marks its end.
    public static let endMarker = "<!-- END GENERATED BUILTINS -->"

    /// One Markdown section per builtin: signature, summary, details, arguments and example.
    public static func builtinsMarkdown(_ registry: BuiltinRegistry) -> String {
        var text = ""
        for builtin in registry.all {
            text += "### `\(builtin.name)`\n\n"
            text += builtin.helpMarkdown.replacingOccurrences(of: "**Arguments**", with: "Arguments:")
                .replacingOccurrences(of: "**Example**", with: "Example:")
            text += "\n"
        }
        text += methodsMarkdown()
        return text
    }

    /// Tables of the properties and methods of the built-in value types.
    static func methodsMarkdown() -> String {
        let samples: [(String, ScriptValue)] = [
            ("String", .string("")), ("List", .list([])), ("Range", .range(IntRange(lower: 0, upper: 0, closed: false))),
            ("Tensor", .tensor(Tensor(zeros: [1]))),
        ]
        var text = "### Members of the built-in types\n\n| Type | Member | Description |\n|---|---|---|\n"
        for (type, sample) in samples {
            for property in Members.propertyNames(of: sample) {
                text += "| \(type) | `.\(property)` | property |\n"
            }
            for method in Members.methods(of: sample) {
                text += "| \(type) | `.\(method.signature)` | \(method.summary) Example: `\(method.example)` |\n"
            }
        }
        return text + "\n"
    }

    /// `document` with the generated section replaced by the registry's current one.
    public static func updating(_ document: String, with registry: BuiltinRegistry) -> String? {
        guard let begin = document.range(of: beginMarker), let end = document.range(of: endMarker),
              begin.upperBound <= end.lowerBound else { return nil }
        return String(document[..<begin.upperBound]) + "\n\n" + builtinsMarkdown(registry) + String(document[end.lowerBound...])
    }
}
