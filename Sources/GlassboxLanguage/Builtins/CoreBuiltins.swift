import Foundation

/// Printing, input, help, exiting, sleeping and type inspection.
enum CoreBuiltins {
    static var all: [Builtin] { [print, warn, readLine, help, exit, quit, sleep, typeOf] }

    static let print = Builtin(
        name: "print",
        parameters: [
            BuiltinParameter(nil, name: "items", type: "Any", variadic: true, doc: "the values to print"),
            BuiltinParameter("separator", type: "String", default: .string(" "), doc: "text between two items"),
            BuiltinParameter("terminator", type: "String", default: .string("\n"), doc: "text after the last item"),
        ],
        summary: "Writes the items to standard output.",
        details: "Strings are printed without quotes; other values as a cell would show them.",
        example: "print(\"accuracy:\", 0.99)\nprint(1, 2, 3, separator: \", \")"
    ) { args, context in
        let separator = try args.string("separator")
        let terminator = try args.string("terminator")
        context.host.write(args.variadic.map(\.printed).joined(separator: separator) + terminator, to: .stdout)
        return .nil
    }

    static let warn = Builtin(
        name: "warn",
        parameters: [BuiltinParameter(nil, name: "message", type: "Any", doc: "what to warn about")],
        summary: "Writes a message to standard error (shown in red by Jupyter).",
        example: "warn(\"the learning rate looks large\")"
    ) { args, context in
        context.host.write(args.value("message").printed + "\n", to: .stderr)
        return .nil
    }

    static let readLine = Builtin(
        name: "readLine",
        parameters: [
            BuiltinParameter("prompt", type: "String", default: .string(""), doc: "text shown before the input box"),
            BuiltinParameter("password", type: "Bool", default: .bool(false), doc: "hide what is typed"),
        ],
        returns: "String",
        summary: "Asks the user for a line of text and returns it.",
        example: "let name = readLine(prompt: \"Your name: \")\nprint(\"Hello, \\(name)!\")"
    ) { args, context in
        let prompt = try args.string("prompt")
        let password = try args.bool("password")
        do {
            let answer = try context.host.requestInput(prompt: prompt, password: password)
            try context.checkCancellation()
            return .string(answer)
        } catch let error as ScriptError {
            throw error
        } catch {
            try context.checkCancellation()
            throw ScriptError(.runtime, "readLine: no input is available here (\(error))")
        }
    }

    static let help = Builtin(
        name: "help",
        parameters: [BuiltinParameter(nil, name: "topic", type: "Any", default: .nil,
                                      doc: "a builtin (help(print)), its name (help(\"print\")), a documentation page (help(\"language\")) or any value; nothing lists all builtins and pages")],
        summary: "Shows the help of a builtin (signature, every argument with its default, an example), a value's members, or a documentation page.",
        details: "The help is shown as Markdown in a notebook and as text in a console. help(\"language\"), "
            + "help(\"methods\"), help(\"smoothgrad\") and the other page names that help() lists show the "
            + "documentation pages inside the notebook.",
        example: "help(print)\nhelp(\"colormap\")\nhelp(\"language\")\nhelp()"
    ) { args, context in
        context.host.display(try helpOutput(for: args.value("topic"), session: context.session,
                                            documentation: context.host.documentation), displayID: nil)
        return .nil
    }

    /// What `help(topic)` shows: plain text for consoles, Markdown for notebooks.
    static func helpOutput(for topic: ScriptValue, session: LanguageSession,
                           documentation: DocumentationLibrary?) throws -> RichOutput {
        switch topic {
        case .nil:
            return overview(session: session, documentation: documentation)
        case .function(let builtin):
            return RichOutput(text: builtin.helpText, markdown: builtin.helpMarkdown)
        case .string(let name):
            if let builtin = session.registry[name] { return RichOutput(text: builtin.helpText, markdown: builtin.helpMarkdown) }
            if let value = session.value(of: name) { return describe(value) }
            if let page = documentation?.page(name) { return RichOutput(text: page, markdown: page) }
            let topics = documentation?.topics ?? []
            let pages = topics.isEmpty ? "; no documentation pages were found next to the kernel"
                : "; documentation pages: " + topics.map { "\"\($0)\"" }.joined(separator: ", ")
            throw ScriptError(.name, "help: no builtin, variable or documentation page named '\(name)'" + pages,
                              suggestions: Suggestions.closest(to: name, among: session.registry.names + session.variableNames + topics))
        default:
            return describe(topic)
        }
    }

    /// `help()`: every builtin with its summary, and the documentation pages.
    static func overview(session: LanguageSession, documentation: DocumentationLibrary?) -> RichOutput {
        let builtins = session.registry.all
        let width = builtins.map(\.name.count).max() ?? 0
        let lines = builtins.map { $0.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.summary }
        var text = (["Builtins (help(name) for details):"] + lines.map { "  " + $0 }).joined(separator: "\n")
        var markdown = "**Builtins** (`help(name)` for details)\n\n| Builtin | What it does |\n|---|---|\n"
            + builtins.map { "| `\($0.name)` | \(markdownCell($0.summary)) |" }.joined(separator: "\n") + "\n"
        if let topics = documentation?.topics, !topics.isEmpty {
            text += "\n\nDocumentation pages (help(\"page\")): " + topics.joined(separator: ", ")
            markdown += "\n**Documentation pages**: " + topics.map { "`help(\"\($0)\")`" }.joined(separator: ", ") + "\n"
        }
        return RichOutput(text: text, markdown: markdown)
    }

    /// Text safe inside a Markdown table cell.
    static func markdownCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// A value's type, description and members.
    static func describe(_ value: ScriptValue) -> RichOutput {
        let repr = String(value.repr.prefix(300))
        var lines = ["\(value.typeName): \(repr)"]
        var markdown = "**\(value.typeName)**: `\(repr.replacingOccurrences(of: "`", with: "'"))`\n"
        let properties = Members.propertyNames(of: value)
        let methods = Members.methods(of: value)
        if !properties.isEmpty {
            lines.append("Properties: " + properties.joined(separator: ", "))
            markdown += "\n**Properties**: " + properties.map { "`\($0)`" }.joined(separator: ", ") + "\n"
        }
        if !methods.isEmpty {
            lines.append("Methods:")
            lines += methods.map { "  .\($0.signature) — \($0.summary)" }
            markdown += "\n**Methods**\n\n" + methods.map { "- `.\($0.signature)` — \($0.summary)" }.joined(separator: "\n") + "\n"
        }
        return RichOutput(text: lines.joined(separator: "\n"), markdown: markdown)
    }

    /// `exit()` and `quit()`: the same builtin under both names, as in IPython.
    static func exitBuiltin(named name: String) -> Builtin {
        Builtin(
            name: name,
            parameters: [BuiltinParameter("keepKernel", type: "Bool", default: .bool(false),
                                          doc: "close only the console and keep the kernel (and its variables) running")],
            summary: "Ends the session: a console (jupyter console) closes and stops the kernel; notebooks ignore it.",
            details: "A bare `\(name)` as a whole cell does the same. The rest of the cell still runs.",
            example: "\(name)()"
        ) { args, context in
            context.host.requestExit(keepKernel: try args.bool("keepKernel"))
            return .nil
        }
    }

    static let exit = exitBuiltin(named: "exit")
    static let quit = exitBuiltin(named: "quit")

    static let sleep = Builtin(
        name: "sleep",
        parameters: [BuiltinParameter(nil, name: "seconds", type: "Double", doc: "how long to wait, in seconds")],
        summary: "Waits; an interrupt stops the wait within about 10 ms.",
        example: "sleep(0.5)"
    ) { args, context in
        let seconds = try args.double("seconds")
        guard seconds >= 0, seconds.isFinite else {
            throw args.error(.value, "seconds", "must be a non-negative number, got \(args.value("seconds").repr)")
        }
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            try context.checkCancellation()
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { break }
            Thread.sleep(forTimeInterval: min(left, 0.01))
        }
        return .nil
    }

    static let typeOf = Builtin(
        name: "type",
        parameters: [BuiltinParameter("of", name: "of", type: "Any", doc: "any value")],
        returns: "String",
        summary: "The name of the value's type (Int, Double, String, Bool, Nil, List, Range, Tensor, Function, or an object type).",
        example: "type(of: 6 * 7)   // \"Int\"\ntype(of: 1 / 2)   // \"Double\""
    ) { args, _ in
        .string(args.value("of").typeName)
    }
}
