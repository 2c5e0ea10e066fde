/// Renders a `ScriptError` as the lines of a Jupyter traceback: a header, the source line, a caret
/// under the failing column with `~` under the rest of the token, and suggestions.
public struct TracebackRenderer: Sendable {
    /// Whether to colour with ANSI escapes (Jupyter renders them; terminals too).
    public var colored: Bool

    public init(colored: Bool = true) { self.colored = colored }

    /// Source lines longer than this are shown as a window around the error's column.
    public static let maximumLineWidth = 100

    private func paint(_ text: String, _ code: String) -> String {
        colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// The traceback lines for `error` raised by `source`.
    public func lines(for error: ScriptError, source: String) -> [String] {
        var lines: [String] = []
        let header = paint(error.kind.rawValue, "1;31") + ": " + error.message
        lines.append(header)
        lines += location(error.range, in: source)
        // The call chain through user-defined functions, outermost first.
        for frame in error.frames.reversed() {
            lines.append(paint("in ", "36") + paint(frame.function, "1") + ":")
            lines += location(frame.range, in: frame.source)
        }
        if let suggestion = error.suggestionLine {
            lines.append(paint("help: ", "1;32") + suggestion)
        }
        return lines
    }

    /// The line of `source` at `range` with a caret under it (nothing without a range).
    private func location(_ range: SourceRange?, in source: String) -> [String] {
        var lines: [String] = []
        if let range {
            let sourceLines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let lineIndex = range.start.line - 1
            if lineIndex >= 0 && lineIndex < sourceLines.count {
                let scalars = Array(sourceLines[lineIndex].unicodeScalars)
                let number = String(range.start.line)
                let gutter = String(repeating: " ", count: number.count)
                lines.append(paint("\(gutter)--> ", "36") + "line \(range.start.line), column \(range.start.column)")
                let column = max(1, min(range.start.column, scalars.count + 1))
                var width = range.end.line == range.start.line ? range.end.column - range.start.column : scalars.count + 1 - column
                width = max(1, min(width, scalars.count + 1 - column + 1))
                // Long lines are shown as a window around the column.
                var first = 0
                var last = scalars.count
                if scalars.count > TracebackRenderer.maximumLineWidth {
                    first = max(0, min(column - 1 - TracebackRenderer.maximumLineWidth / 3, scalars.count - TracebackRenderer.maximumLineWidth))
                    last = min(scalars.count, first + TracebackRenderer.maximumLineWidth)
                }
                var shown = String(String.UnicodeScalarView(scalars[first..<last]))
                var caretColumn = column - first
                if first > 0 {
                    shown = "…" + shown
                    caretColumn += 1
                }
                if last < scalars.count { shown += "…" }
                width = max(1, min(width, last - (column - 1) + 1))
                lines.append(paint("\(number) | ", "36") + shown)
                let marker = "^" + String(repeating: "~", count: width - 1)
                lines.append(paint("\(gutter) | ", "36") + String(repeating: " ", count: caretColumn - 1) + paint(marker, "1;31"))
            }
        }
        return lines
    }
}
