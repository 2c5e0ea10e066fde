import Foundation

/// Printing, input, help, sleeping and type inspection.
enum CoreBuiltins {
    static var all: [Builtin] { [print, warn, readLine, help, sleep, typeOf] }

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
                                      doc: "a builtin (help(print)), its name (help(\"print\")) or any value; nothing lists all builtins")],
        summary: "Prints the help of a builtin: its signature, every argument with its default, and an example.",
        example: "help(print)\nhelp(\"colormap\")\nhelp()"
    ) { args, context in
        context.host.write(try helpText(for: args.value("topic"), session: context.session) + "\n", to: .stdout)
        return .nil
    }

    /// The text `help(topic)` prints.
    static func helpText(for topic: ScriptValue, session: LanguageSession) throws -> String {
        switch topic {
        case .nil:
            let builtins = session.registry.all
            let width = builtins.map(\.name.count).max() ?? 0
            let lines = builtins.map { $0.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.summary }
            return (["Builtins (help(name) for details):"] + lines.map { "  " + $0 }).joined(separator: "\n")
        case .function(let builtin):
            return builtin.helpText
        case .string(let name):
            if let builtin = session.registry[name] { return builtin.helpText }
            if let value = session.value(of: name) { return describe(value) }
            throw ScriptError(.name, "help: no builtin or variable named '\(name)'",
                              suggestions: Suggestions.closest(to: name, among: session.registry.names + session.variableNames))
        default:
            return describe(topic)
        }
    }

    /// A value's type, description and members.
    static func describe(_ value: ScriptValue) -> String {
        var lines = ["\(value.typeName): \(value.repr.prefix(300))"]
        let properties = Members.propertyNames(of: value)
        let methods = Members.methods(of: value)
        if !properties.isEmpty { lines.append("Properties: " + properties.joined(separator: ", ")) }
        if !methods.isEmpty {
            lines.append("Methods:")
            lines += methods.map { "  .\($0.signature) — \($0.summary)" }
        }
        return lines.joined(separator: "\n")
    }

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
