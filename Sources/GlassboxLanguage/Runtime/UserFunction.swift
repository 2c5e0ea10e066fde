/// User-defined functions (`func name(…) { … }`): a function value is a `Builtin` like the
/// library's, so it is called, completed, inspected and documented the same way; its body runs in
/// the interpreter with its own scopes.
enum UserFunction {
    /// The type names the standard values have (objects add theirs: Model, ImageBatch, …).
    static let valueTypes = ["Any", "Int", "Double", "Number", "Bool", "String", "List", "Dictionary", "Range", "Tensor",
                             "Function", "Nil"]

    /// The function value of `declaration`, declared in a cell whose text is `source`; parameter
    /// defaults are evaluated now, by `defaults`.
    static func builtin(for declaration: FunctionDeclaration, source: String,
                        defaults: (Expression) throws -> ScriptValue) throws -> Builtin {
        let parameters = try declaration.parameters.map { p in
            BuiltinParameter(p.label, name: p.name, type: p.type ?? "Any", default: try p.defaultValue.map(defaults),
                             doc: p.type.map { "a \($0)" } ?? "any value")
        }
        let line = source.split(separator: "\n", omittingEmptySubsequences: false)
            .dropFirst(declaration.range.start.line - 1).first.map(String.init) ?? "func \(declaration.name)(…)"
        let summary = declaration.documentation.isEmpty
            ? "A function defined in this notebook (add a /// comment above 'func' to describe it)."
            : declaration.documentation
        return Builtin(name: declaration.name, parameters: parameters, returns: declaration.returnType ?? "Any",
                       summary: summary, details: "Defined by: \(line.trimmingCharacters(in: .whitespaces))",
                       example: callExample(declaration)) { args, context in
            try context.session.callUser(declaration, source: source, arguments: args)
        }
    }

    /// `name(a: …, b: …)`, for the help.
    private static func callExample(_ d: FunctionDeclaration) -> String {
        "\(d.name)(" + d.parameters.map { p in (p.label.map { "\($0): " } ?? "") + p.name }.joined(separator: ", ") + ")"
    }

    /// Throws a TypeError unless `value` is of the declared `type` (nil or "Any": anything; a
    /// Double parameter takes an Int; "Number" takes both).
    static func check(_ value: ScriptValue, against type: String?, what: String, function: String, at range: SourceRange?) throws {
        guard let type, type != "Any" else { return }
        let actual = value.typeName
        if actual == type { return }
        if type == "Double", actual == "Int" { return }
        if type == "Number", actual == "Int" || actual == "Double" { return }
        var suggestions: [String] = []
        if !valueTypes.contains(type) { suggestions = Suggestions.closest(to: type, among: valueTypes + [actual]) }
        throw ScriptError(.type, "\(function): \(what) must be a \(type), got \(actual) \(value.repr.prefix(40))", at: range,
                          suggestions: suggestions)
    }
}
