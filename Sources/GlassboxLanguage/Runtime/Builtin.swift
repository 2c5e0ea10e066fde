import GlassboxEngine

/// One parameter of a builtin or method.
public struct BuiltinParameter: Sendable {
    /// The argument label callers write (`steps:`), or nil for a positional argument.
    public var label: String?
    /// The name used in help and errors (equals the label when there is one).
    public var name: String
    /// The expected type, as shown in help ("Int", "String", "Model", "Any").
    public var typeName: String
    /// The default value, or nil when the argument is required.
    public var defaultValue: ScriptValue?
    /// Accepts any number of positional values (like `print(items...)`).
    public var variadic: Bool
    /// One line of help.
    public var doc: String

    public init(_ label: String?, name: String? = nil, type: String, default defaultValue: ScriptValue? = nil,
                variadic: Bool = false, doc: String) {
        self.label = label
        self.name = name ?? label ?? "value"
        self.typeName = type
        self.defaultValue = defaultValue
        self.variadic = variadic
        self.doc = doc
    }

    /// `steps: Int = 50`, `_ items: Any...`.
    public var signature: String {
        var text = (label ?? "_") + (label == nil ? " \(name)" : "") + ": " + typeName + (variadic ? "..." : "")
        if let defaultValue { text += " = " + defaultValue.repr }
        return text
    }
}

/// A named function of the language with its documentation and body.
public struct Builtin: Sendable {
    public typealias Body = @Sendable (inout BoundArguments, CallContext) throws -> ScriptValue

    public var name: String
    public var parameters: [BuiltinParameter]
    /// The result type shown in the signature.
    public var returnType: String
    /// One line: what it does.
    public var summary: String
    /// More detail (a paragraph or two).
    public var details: String
    /// An example cell.
    public var example: String
    public var body: Body

    public init(name: String, parameters: [BuiltinParameter], returns returnType: String = "Nil",
                summary: String, details: String = "", example: String, body: @escaping Body) {
        self.name = name
        self.parameters = parameters
        self.returnType = returnType
        self.summary = summary
        self.details = details
        self.example = example
        self.body = body
    }

    /// `print(_ items: Any..., separator: String = " ", terminator: String = "\n") -> Nil`.
    public var signature: String {
        "\(name)(" + parameters.map(\.signature).joined(separator: ", ") + ")"
            + (returnType == "Nil" ? "" : " -> \(returnType)")
    }

    /// The argument labels, for completion.
    public var labels: [String] { parameters.compactMap(\.label) }

    /// The full help text: signature, summary, details, every argument and an example.
    public var helpText: String {
        var lines = [signature, "", summary]
        if !details.isEmpty { lines += ["", details] }
        if !parameters.isEmpty {
            lines += ["", "Arguments:"]
            for p in parameters {
                var line = "  \(p.label.map { "\($0):" } ?? p.name) \(p.typeName)\(p.variadic ? "..." : "")"
                line += p.defaultValue.map { " = \($0.repr)" } ?? (p.variadic ? "" : " (required)")
                line += " — \(p.doc)"
                lines.append(line)
            }
        }
        lines += ["", "Example:", example.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")]
        return lines.joined(separator: "\n")
    }

    /// The help as Markdown (for Shift-Tab).
    public var helpMarkdown: String {
        var text = "```swift\n\(signature)\n```\n\n\(summary)\n"
        if !details.isEmpty { text += "\n\(details)\n" }
        if !parameters.isEmpty {
            text += "\n**Arguments**\n\n"
            for p in parameters {
                text += "- `\(p.label.map { "\($0):" } ?? p.name)` *\(p.typeName)*"
                text += p.defaultValue.map { " = `\($0.repr)`" } ?? (p.variadic ? "" : " (required)")
                text += " — \(p.doc)\n"
            }
        }
        text += "\n**Example**\n\n```swift\n\(example)\n```\n"
        return text
    }

    /// Matches call arguments to parameters; throws a `TypeError` naming the builtin on a mismatch.
    public func bind(_ arguments: [(label: String?, value: ScriptValue, range: SourceRange?)]) throws -> BoundArguments {
        var values: [String: ScriptValue] = [:]
        var ranges: [String: SourceRange] = [:]
        var variadic: [ScriptValue] = []
        var positional = parameters.filter { $0.label == nil }[...]
        for argument in arguments {
            if let label = argument.label {
                guard let parameter = parameters.first(where: { $0.label == label }) else {
                    let options = labels
                    let near = Suggestions.closest(to: label, among: options)
                    let known = options.isEmpty ? "it takes no labelled arguments" : "its labels are " + options.map { "'\($0):'" }.joined(separator: ", ")
                    throw ScriptError(.type, "\(name): unknown argument label '\(label):'; \(known)", at: argument.range,
                                      suggestions: near.map { $0 + ":" })
                }
                if values[parameter.name] != nil {
                    throw ScriptError(.type, "\(name): argument '\(label)' is given twice", at: argument.range)
                }
                values[parameter.name] = argument.value
                ranges[parameter.name] = argument.range
            } else {
                guard let parameter = positional.first else {
                    let hint = labels.isEmpty ? "" : " (the others need labels: " + labels.map { "'\($0):'" }.joined(separator: ", ") + ")"
                    let count = parameters.filter { $0.label == nil }.count
                    throw ScriptError(.type, "\(name): too many unlabelled arguments; it takes \(count)\(hint)", at: argument.range)
                }
                if parameter.variadic {
                    variadic.append(argument.value)
                } else {
                    values[parameter.name] = argument.value
                    ranges[parameter.name] = argument.range
                    positional = positional.dropFirst()
                }
            }
        }
        for parameter in parameters where values[parameter.name] == nil && !parameter.variadic {
            guard let defaultValue = parameter.defaultValue else {
                let how = parameter.label.map { "'\($0):'" } ?? "'\(parameter.name)'"
                throw ScriptError(.type, "\(name): missing argument \(how) (\(parameter.typeName)); signature: \(signature)")
            }
            values[parameter.name] = defaultValue
        }
        return BoundArguments(function: name, values: values, ranges: ranges, variadic: variadic)
    }
}

/// The arguments of one call after matching, with typed accessors that throw clear errors.
public struct BoundArguments: Sendable {
    /// The builtin being called (for messages).
    public let function: String
    public var values: [String: ScriptValue]
    public var ranges: [String: SourceRange]
    /// The values of a variadic parameter.
    public var variadic: [ScriptValue]

    public init(function: String, values: [String: ScriptValue], ranges: [String: SourceRange] = [:], variadic: [ScriptValue] = []) {
        self.function = function
        self.values = values
        self.ranges = ranges
        self.variadic = variadic
    }

    /// A `TypeError`/`ValueError` about argument `name`, located at that argument.
    public func error(_ kind: ScriptError.Kind = .value, _ name: String, _ problem: String) -> ScriptError {
        ScriptError(kind, "\(function): argument '\(name)' \(problem)", at: ranges[name])
    }

    public func value(_ name: String) -> ScriptValue { values[name] ?? .nil }

    public func int(_ name: String) throws -> Int {
        switch value(name) {
        case .int(let v): return v
        case .double(let v) where v.rounded() == v && abs(v) < 9e15: return Int(v)
        case let other: throw error(.type, name, "must be an integer, got \(other.typeName) \(other.repr.prefix(40))")
        }
    }

    public func positiveInt(_ name: String) throws -> Int {
        let v = try int(name)
        guard v > 0 else { throw error(.value, name, "must be a positive integer, got \(v)") }
        return v
    }

    public func double(_ name: String) throws -> Double {
        guard let v = value(name).numberValue else {
            let other = value(name)
            throw error(.type, name, "must be a number, got \(other.typeName) \(other.repr.prefix(40))")
        }
        return v
    }

    public func string(_ name: String) throws -> String {
        guard case .string(let s) = value(name) else {
            let other = value(name)
            throw error(.type, name, "must be a String, got \(other.typeName) \(other.repr.prefix(40))")
        }
        return s
    }

    public func bool(_ name: String) throws -> Bool {
        guard case .bool(let b) = value(name) else {
            let other = value(name)
            throw error(.type, name, "must be a Bool (true or false), got \(other.typeName) \(other.repr.prefix(40))")
        }
        return b
    }

    /// The argument as a tensor (a Tensor, a number, or nested lists of numbers).
    public func tensor(_ name: String) throws -> Tensor {
        switch value(name) {
        case .tensor(let t): return t
        case .int, .double: return Tensor(scalar: Float(value(name).numberValue!))
        case .list:
            do {
                return try TensorConversion.tensor(from: value(name))
            } catch let problem as TensorConversion.Problem {
                throw error(problem.kind, name, problem.message)
            }
        default: break
        }
        let other = value(name)
        throw error(.type, name, "must be a Tensor, got \(other.typeName) \(other.repr.prefix(40))")
    }

    /// The argument as an object of type `T` (named `typeName` in the error).
    public func object<T: ScriptObject>(_ name: String, as type: T.Type, typeName: String) throws -> T {
        if case .object(let object) = value(name), let typed = object as? T { return typed }
        let other = value(name)
        throw error(.type, name, "must be a \(typeName), got \(other.typeName) \(other.repr.prefix(40))")
    }

    /// The argument as an Int, or nil when it was nil.
    public func optionalInt(_ name: String) throws -> Int? { isNil(name) ? nil : try int(name) }
    /// The argument as a Double, or nil when it was nil.
    public func optionalDouble(_ name: String) throws -> Double? { isNil(name) ? nil : try double(name) }
    /// The argument as a String, or nil when it was nil.
    public func optionalString(_ name: String) throws -> String? { isNil(name) ? nil : try string(name) }

    /// The argument as a list of Strings.
    public func strings(_ name: String) throws -> [String] {
        guard case .list(let items) = value(name) else {
            throw error(.type, name, "must be a List of Strings, got \(value(name).typeName)")
        }
        return try items.enumerated().map { index, item in
            guard case .string(let s) = item else {
                throw error(.type, name, "must be a List of Strings; item \(index) is a \(item.typeName)")
            }
            return s
        }
    }

    /// Whether the argument was left at nil.
    public func isNil(_ name: String) -> Bool { if case .nil = value(name) { return true } else { return false } }
}
