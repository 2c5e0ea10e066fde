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
        return text
    }

    /// `document` with the generated section replaced by the registry's current one.
    public static func updating(_ document: String, with registry: BuiltinRegistry) -> String? {
        guard let begin = document.range(of: beginMarker), let end = document.range(of: endMarker),
              begin.upperBound <= end.lowerBound else { return nil }
        return String(document[..<begin.upperBound]) + "\n\n" + builtinsMarkdown(registry) + String(document[end.lowerBound...])
    }
}
