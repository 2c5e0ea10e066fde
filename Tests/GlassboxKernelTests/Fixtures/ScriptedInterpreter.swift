import Foundation
import GlassboxKernel

/// A test-only interpreter for a tiny line language, enough to drive every kernel path:
/// `print("t")`, `warn("t")`, integers with `+ - *`, `let x = …`, names, `sleep(n)` (interruptible),
/// `readLine(prompt: "p")`, `show(colormap("n"))` (display_data), `colormap("n")` (PNG result),
/// `progress(n)` (display + updates), `clear()`, `help(print)`; an unknown name is a NameError.
final class ScriptedInterpreter: KernelInterpreter, @unchecked Sendable {
    private let lock = NSLock()
    private var interrupted = false
    private var variables: [String: Int] = [:]
    static let builtins = ["print", "warn", "sleep", "readLine", "show", "colormap", "help", "progress", "clear"]
    /// A 1×1 PNG.
    static let pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

    var languageInfo: LanguageInfo {
        LanguageInfo(name: "glassbox", version: "0.1", mimetype: "text/x-glassbox", fileExtension: ".glassbox",
                     codemirrorMode: "swift", pygmentsLexer: "swift")
    }
    var banner: String { "Scripted test interpreter" }
    var helpLinks: [HelpLink] { [HelpLink(text: "Glassbox", url: "https://example.org/glassbox")] }

    func interrupt() { lock.withLock { interrupted = true } }
    private var isInterrupted: Bool { lock.withLock { interrupted } }

    struct Failure: Error { var name: String; var value: String }

    func execute(code: String, context: ExecutionContext) -> ExecutionOutcome {
        lock.withLock { interrupted = false }
        var last: MimeBundle?
        do {
            for raw in code.split(separator: "\n") {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty { continue }
                last = try run(line, context)
                if isInterrupted { return .interrupted }
            }
        } catch let failure as Failure {
            return .error(name: failure.name, value: failure.value, traceback: ["\(failure.name): \(failure.value)"])
        } catch is CancellationError {
            return .interrupted
        } catch {
            return .error(name: "InputError", value: "\(error)", traceback: ["InputError: \(error)"])
        }
        return .ok(result: last)
    }

    private func argument(_ line: String, _ prefix: String) -> String? {
        guard line.hasPrefix(prefix + "("), line.hasSuffix(")") else { return nil }
        return String(line.dropFirst(prefix.count + 1).dropLast())
    }

    private func quoted(_ text: String) throws -> String {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else {
            throw Failure(name: "SyntaxError", value: "expected a string, got \(text)")
        }
        return String(text.dropFirst().dropLast())
    }

    private func run(_ line: String, _ context: ExecutionContext) throws -> MimeBundle? {
        if let text = argument(line, "print") {
            context.stream(try quoted(text) + "\n", to: .stdout)
            return nil
        }
        if let text = argument(line, "warn") {
            context.stream(try quoted(text) + "\n", to: .stderr)
            return nil
        }
        if let text = argument(line, "sleep") {
            let deadline = Date().addingTimeInterval(Double(text) ?? 0)
            while Date() < deadline {
                if isInterrupted { throw CancellationError() }
                Thread.sleep(forTimeInterval: 0.01)
            }
            return nil
        }
        if let text = argument(line, "readLine") {
            let prompt = try quoted(text.replacingOccurrences(of: "prompt: ", with: ""))
            let answer = try context.requestInput(prompt: prompt, password: false)
            return .plainText("\"\(answer)\"")
        }
        if let text = argument(line, "show") {
            guard argument(text, "colormap") != nil else { throw Failure(name: "TypeError", value: "cannot show \(text)") }
            context.display(MimeBundle(data: ["image/png": Self.pixel, "text/plain": "<colormap>"]), displayID: nil)
            return nil
        }
        if argument(line, "colormap") != nil {
            return MimeBundle(data: ["image/png": Self.pixel, "text/plain": "<colormap>"],
                              metadata: ["image/png": ["width": 1, "height": 1]])
        }
        if let text = argument(line, "progress") {
            let steps = Int(text) ?? 1
            context.display(.plainText("0/\(steps)"), displayID: "progress-1")
            for step in 1...max(steps, 1) { context.updateDisplay(.plainText("\(step)/\(steps)"), displayID: "progress-1") }
            return nil
        }
        if line == "clear()" {
            context.clearOutput(wait: false)
            return nil
        }
        if let text = argument(line, "help") {
            return .plainText(help(text) ?? "no help for \(text)")
        }
        if line.hasPrefix("let ") {
            let parts = line.dropFirst(4).split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw Failure(name: "SyntaxError", value: "bad let") }
            variables[parts[0]] = try evaluate(parts[1])
            return nil
        }
        return .plainText(String(try evaluate(line)))
    }

    private func evaluate(_ expression: String) throws -> Int {
        for op in ["+", "-", "*"] {
            if let range = expression.range(of: " \(op) ", options: .backwards) {
                let left = try evaluate(String(expression[..<range.lowerBound]))
                let right = try evaluate(String(expression[range.upperBound...]))
                switch op {
                case "+": return left + right
                case "-": return left - right
                default: return left * right
                }
            }
        }
        let token = expression.trimmingCharacters(in: .whitespaces)
        if let value = Int(token) { return value }
        if let value = variables[token] { return value }
        throw Failure(name: "NameError", value: "name '\(token)' is not defined")
    }

    private func help(_ name: String) -> String? {
        Self.builtins.contains(name) ? "\(name)(…): a builtin of the scripted test language" : nil
    }

    private func word(_ code: String, _ cursor: Int) -> (String, Int) {
        let scalars = Array(code.unicodeScalars.prefix(cursor))
        var start = scalars.count
        while start > 0, CharacterSet.alphanumerics.contains(scalars[start - 1]) || scalars[start - 1] == "_" { start -= 1 }
        return (String(String.UnicodeScalarView(scalars[start...])), start)
    }

    func complete(code: String, cursorPosition: Int) -> CompletionResult {
        let (prefix, start) = word(code, cursorPosition)
        let names = (Self.builtins + variables.keys.sorted()).filter { $0.hasPrefix(prefix) }
        return CompletionResult(matches: names, cursorStart: start, cursorEnd: cursorPosition,
                                types: names.map { CompletionType(text: $0, type: "function") })
    }

    func inspect(code: String, cursorPosition: Int, detailLevel: Int) -> MimeBundle? {
        let (name, _) = word(code, cursorPosition)
        return help(name).map { .plainText($0) }
    }

    func isComplete(code: String) -> CompletenessStatus {
        var depth = 0
        for character in code {
            if "([{".contains(character) { depth += 1 }
            if ")]}".contains(character) { depth -= 1 }
            if depth < 0 { return .invalid }
        }
        if depth > 0 || code.hasSuffix("+ ") || code.hasSuffix("+") { return .incomplete(indent: code.contains("{") ? "    " : "") }
        return .complete
    }
}
