/// Renders a `ScriptError` as the lines of a Jupyter traceback: a header, the source line, a caret
/// under the failing column with `~` under the rest of the token, and suggestions.
public struct TracebackRenderer: Sendable {
    /// Whether to colour with ANSI escapes (Jupyter renders them; terminals too).
    public var colored: Bool

    public init(colored: Bool = true) { self.colored = colored }

    private func paint(_ text: String, _ code: String) -> String {
        colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// The traceback lines for `error` raised by `source`.
    public func lines(for error: ScriptError, source: String) -> [String] {
        var lines: [String] = []
        let header = paint(error.kind.rawValue, "1;31") + ": " + error.message
        lines.append(header)
        if let range = error.range {
            let sourceLines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let lineIndex = range.start.line - 1
            if lineIndex >= 0 && lineIndex < sourceLines.count {
                let text = sourceLines[lineIndex]
                let number = String(range.start.line)
                let gutter = String(repeating: " ", count: number.count)
                lines.append(paint("\(gutter)--> ", "36") + "line \(range.start.line), column \(range.start.column)")
                lines.append(paint("\(number) | ", "36") + text)
                let lineLength = text.unicodeScalars.count
                let column = max(1, min(range.start.column, lineLength + 1))
                var width = 1
                if range.end.line == range.start.line {
                    width = max(1, range.end.column - range.start.column)
                } else {
                    width = max(1, lineLength + 1 - column)
                }
                width = max(1, min(width, lineLength + 1 - column + 1))
                let marker = "^" + String(repeating: "~", count: width - 1)
                lines.append(paint("\(gutter) | ", "36") + String(repeating: " ", count: column - 1) + paint(marker, "1;31"))
            }
        }
        if let suggestion = error.suggestionLine {
            lines.append(paint("help: ", "1;32") + suggestion)
        }
        return lines
    }
}
