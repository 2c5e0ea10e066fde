import GlassboxEngine

/// A value given for a method option, before or after validation. The language converts its own
/// values into these (an image batch becomes a tensor, a dictionary literal an ordered table).
public enum OptionValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case tensor(Tensor)
    case list([OptionValue])
    /// Ordered key–value pairs (a dictionary literal of the language).
    case table([OptionEntry])

    /// A short description for messages, e.g. `Int 3`, `String "abc"`.
    public var described: String {
        switch self {
        case .none: return "nil"
        case .bool(let b): return "Bool \(b)"
        case .int(let v): return "Int \(v)"
        case .double(let v): return "Double \(v)"
        case .string(let s): return "String \"\(s.prefix(40))\""
        case .tensor(let t): return "Tensor of shape \(t.shape)"
        case .list(let items): return "List of \(items.count) items"
        case .table(let entries): return "Dictionary of \(entries.count) entries"
        }
    }

    /// How the value is written in the language (for signatures and docs).
    public var literal: String {
        switch self {
        case .none: return "nil"
        case .bool(let b): return b ? "true" : "false"
        case .int(let v): return String(v)
        case .double(let v): return "\(v)"
        case .string(let s): return "\"\(s)\""
        case .tensor(let t): return "Tensor \(t.shape)"
        case .list(let items): return "[" + items.map(\.literal).joined(separator: ", ") + "]"
        case .table(let entries):
            return entries.isEmpty ? "[:]" : "[" + entries.map { "\"\($0.key)\": \($0.value.literal)" }.joined(separator: ", ") + "]"
        }
    }

    var number: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .double(let v): return v
        default: return nil
        }
    }
}

/// One entry of an `OptionValue.table`.
public struct OptionEntry: Sendable, Equatable {
    public var key: String
    public var value: OptionValue
    public init(_ key: String, _ value: OptionValue) {
        self.key = key
        self.value = value
    }
}

/// What kind of value an option takes, with the range or choices validated once, here.
public enum OptionType: Sendable {
    /// true or false.
    case bool
    /// An integer in `min...max` (either bound optional); `even` asks for an even number.
    case integer(min: Int? = nil, max: Int? = nil, even: Bool = false)
    /// A finite number in `min...max` (either bound optional).
    case number(min: Double? = nil, max: Double? = nil)
    /// One of these strings.
    case choice([String])
    /// A list of integers, each in `min...max`, not empty.
    case integers(min: Int? = nil, max: Int? = nil)
    /// A seed: a non-negative integer.
    case seed
    /// A reference input: a number (a constant image), "zeros", "mean" (of the explained images),
    /// or an image tensor ([1] + image shape, or one per image).
    case reference
    /// The id of a method of the catalog (wrappers: SmoothGrad of guided backprop…), restricted to
    /// the methods a wrapper can integrate when `modifiedGradientOnly` is set.
    case method(modifiedGradientOnly: Bool)
    /// A dictionary of another method's options (checked against that method's declaration).
    case methodOptions
    /// A dictionary from a layer selector (a layer name, a kind such as "dense" or "conv", or
    /// "input") to a rule name (LRP rules per layer).
    case rules
    /// The name of a layer of the explained model (checked against the model when the method is
    /// made, with "did you mean" suggestions).
    case layer

    /// The type name shown in signatures and help.
    public var typeName: String {
        switch self {
        case .bool: return "Bool"
        case .integer, .seed: return "Int"
        case .number: return "Double"
        case .choice, .method, .layer: return "String"
        case .integers: return "List"
        case .reference: return "Any"
        case .methodOptions, .rules: return "Dictionary"
        }
    }

    /// What is allowed, for the doc line ("≥ 1", "one of …"), or nil when the doc says it all.
    public var constraint: String? {
        switch self {
        case let .integer(min, max, even):
            let bounds = Self.bounds(min.map(Double.init), max.map(Double.init), integral: true)
            return even ? ["a positive even number", bounds].compactMap { $0 }.first : bounds
        case let .number(min, max): return Self.bounds(min, max, integral: false)
        case let .choice(options): return "one of " + options.map { "\"\($0)\"" }.joined(separator: ", ")
        case let .integers(min, max): return Self.bounds(min.map(Double.init), max.map(Double.init), integral: true).map { "each \($0)" }
        default: return nil
        }
    }

    private static func bounds(_ min: Double?, _ max: Double?, integral: Bool) -> String? {
        func text(_ v: Double) -> String { integral || (v == v.rounded() && abs(v) < 1e15) ? String(Int(v)) : "\(v)" }
        switch (min, max) {
        case let (a?, b?): return "\(text(a))…\(text(b))"
        case let (a?, nil): return "≥ \(text(a))"
        case let (nil, b?): return "≤ \(text(b))"
        default: return nil
        }
    }
}

/// One option of a method: its name (the argument label in the language), type, default and one
/// line of documentation.
public struct MethodOption: Sendable {
    public var name: String
    public var type: OptionType
    /// The value when the option is not given; `.none` means "not set" (an optional option).
    public var defaultValue: OptionValue
    public var doc: String

    public init(_ name: String, _ type: OptionType, default defaultValue: OptionValue, doc: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
    }

    /// The doc line with the allowed values appended, e.g. "intervals on the path (≥ 1)".
    public var documentation: String {
        guard let constraint = type.constraint else { return doc }
        return "\(doc) (\(constraint))"
    }

    /// Checks `value` against the type and returns it normalised (integral Doubles as Int for
    /// integer options, Ints as Double for number options); `.none` stays `.none`.
    func validate(_ value: OptionValue, method: String) throws -> OptionValue {
        func fail(_ problem: String) -> MethodError { .option(method: method, option: name, message: problem, given: nil, candidates: []) }
        if case .none = value { return .none }
        switch type {
        case .bool:
            guard case .bool = value else { throw fail("must be a Bool (true or false), got \(value.described)") }
            return value
        case let .integer(min, max, even):
            guard let v = Self.integer(value) else { throw fail("must be an integer, got \(value.described)") }
            if even, !(v > 0 && v % 2 == 0) { throw fail("must be a positive even number, got \(v)") }
            if let min, v < min { throw fail("must be at least \(min), got \(v)") }
            if let max, v > max { throw fail("must be at most \(max), got \(v)") }
            return .int(v)
        case .seed:
            guard let v = Self.integer(value) else { throw fail("must be an integer, got \(value.described)") }
            guard v >= 0 else { throw fail("must be a non-negative integer, got \(v)") }
            return .int(v)
        case let .number(min, max):
            guard let v = value.number else { throw fail("must be a number, got \(value.described)") }
            guard v.isFinite else { throw fail("must be a finite number, got \(v)") }
            if let min, v < min { throw fail("must be at least \(OptionValue.double(min).literal), got \(OptionValue.double(v).literal)") }
            if let max, v > max { throw fail("must be at most \(OptionValue.double(max).literal), got \(OptionValue.double(v).literal)") }
            return .double(v)
        case let .choice(options):
            guard case .string(let s) = value else { throw fail("must be a String, one of \(type.constraint ?? ""), got \(value.described)") }
            guard options.contains(s) else {
                throw MethodError.option(method: method, option: name, message: "must be \(type.constraint ?? ""), got \"\(s)\"",
                                         given: s, candidates: options)
            }
            return value
        case let .integers(min, max):
            guard case .list(let items) = value, !items.isEmpty else {
                throw fail("must be a non-empty List of integers, got \(value.described)")
            }
            return .list(try items.enumerated().map { index, item in
                guard let v = Self.integer(item) else { throw fail("must hold integers; item \(index) is \(item.described)") }
                if let min, v < min { throw fail("has \(v) at item \(index); each must be at least \(min)") }
                if let max, v > max { throw fail("has \(v) at item \(index); each must be at most \(max)") }
                return .int(v)
            })
        case .reference:
            switch value {
            case .int, .double:
                guard value.number!.isFinite else { throw fail("must be finite, got \(value.number!)") }
                return .double(value.number!)
            case .string(let s):
                guard ["zeros", "mean"].contains(s) else {
                    throw MethodError.option(method: method, option: name,
                                             message: "must be a number, \"zeros\", \"mean\" or an image, got \"\(s)\"",
                                             given: s, candidates: ["zeros", "mean"])
                }
                return value
            case .tensor(let t):
                if let bad = t.scalars.firstIndex(where: { !$0.isFinite }) { throw fail("value \(bad) is \(t.scalars[bad]), not finite") }
                return value
            default:
                throw fail("must be a number, \"zeros\", \"mean\" or an image, got \(value.described)")
            }
        case let .method(modifiedGradientOnly):
            guard case .string(let id) = value else { throw fail("must be a method name (a String), got \(value.described)") }
            let candidates = MethodCatalog.all.filter { !modifiedGradientOnly || $0.declaration.isModifiedGradient }.map { $0.declaration.id }
            guard candidates.contains(id) else {
                let known = MethodCatalog.method(id) != nil
                let why = known ? "'\(id)' cannot be wrapped here: it is not a modified gradient" : "there is no method '\(id)'"
                throw MethodError.option(method: method, option: name,
                                         message: "\(why); choose one of \(candidates.map { "\"\($0)\"" }.joined(separator: ", "))",
                                         given: id, candidates: candidates)
            }
            return value
        case .layer:
            guard case .string(let s) = value, !s.isEmpty else { throw fail("must be a layer name (a String), got \(value.described)") }
            return value
        case .methodOptions, .rules:
            guard case .table = value else { throw fail("must be a Dictionary such as [\"key\": value], got \(value.described)") }
            return value
        }
    }

    private static func integer(_ value: OptionValue) -> Int? {
        switch value {
        case .int(let v): return v
        case .double(let v) where v == v.rounded() && abs(v) < 9e15: return Int(v)
        default: return nil
        }
    }
}

/// A method's options after validation: every declared option has a value (its default when not
/// given), checked against its type. The typed accessors do not fail on a declared option.
public struct MethodOptions: Sendable {
    /// The method's id, for messages.
    public let method: String
    private var values: [String: OptionValue]

    /// Validates `given` against `declaration`: unknown names (with the closest declared ones),
    /// wrong types and values out of range are errors naming the option.
    public init(_ declaration: MethodDeclaration, _ given: [String: OptionValue] = [:]) throws {
        try self.init(id: declaration.id, options: declaration.options, given)
    }

    /// Validates `given` against the `options` of the method or metric `id` (the same checks as
    /// for a method declaration).
    public init(id: String, options: [MethodOption], _ given: [String: OptionValue] = [:]) throws {
        method = id
        let names = options.map(\.name)
        for name in given.keys.sorted() where !names.contains(name) {
            throw MethodError.option(method: id, option: name,
                                     message: "is not an option of \(id); its options are "
                                        + (names.isEmpty ? "none" : names.joined(separator: ", ")),
                                     given: name, candidates: names)
        }
        var values: [String: OptionValue] = [:]
        for option in options {
            values[option.name] = try option.validate(given[option.name] ?? option.defaultValue, method: id)
        }
        self.values = values
    }

    /// The (validated) value of `name`.
    public subscript(name: String) -> OptionValue { values[name] ?? .none }

    public func int(_ name: String) -> Int {
        if case .int(let v) = self[name] { return v }
        return 0
    }

    public func optionalInt(_ name: String) -> Int? {
        if case .int(let v) = self[name] { return v }
        return nil
    }

    public func double(_ name: String) -> Double {
        self[name].number ?? 0
    }

    public func optionalDouble(_ name: String) -> Double? { self[name].number }

    public func float(_ name: String) -> Float { Float(double(name)) }

    public func bool(_ name: String) -> Bool {
        if case .bool(let b) = self[name] { return b }
        return false
    }

    public func string(_ name: String) -> String {
        if case .string(let s) = self[name] { return s }
        return ""
    }

    public func optionalString(_ name: String) -> String? {
        if case .string(let s) = self[name] { return s }
        return nil
    }

    public func integers(_ name: String) -> [Int]? {
        guard case .list(let items) = self[name] else { return nil }
        return items.compactMap { if case .int(let v) = $0 { return v } else { return nil } }
    }

    public func seed(_ name: String) -> UInt64 { UInt64(Swift.max(int(name), 0)) }

    public func table(_ name: String) -> [OptionEntry] {
        if case .table(let entries) = self[name] { return entries }
        return []
    }

    /// The value of a `.reference` option as a baseline.
    public func reference(_ name: String) -> Reference {
        switch self[name] {
        case .double(let v): return .constant(Float(v))
        case .string("mean"): return .meanOfInputs
        case .tensor(let t): return .image(t)
        default: return .zeros
        }
    }
}
