/// A rich value that a binding adds to the language (image batches, datasets, models,
/// explanations, figures, tables…). Adding a value type is one conforming type in one file.
public protocol ScriptObject: Sendable {
    /// The type name shown by `type(of:)` and in errors, e.g. "Figure".
    var typeName: String { get }
    /// Properties readable with `value.name`, for completion and `a.b`.
    var propertyNames: [String] { get }
    /// The property `name`, or nil when there is none.
    func property(_ name: String) throws -> ScriptValue?
    /// Methods callable with `value.name(…)`; each is a `Builtin` whose body captures the receiver.
    var methods: [Builtin] { get }
    /// `value[index]` (index is an Int or a Range), or nil when the type cannot be indexed that way.
    /// Throw an `.index` ScriptError for an index out of range.
    func element(at index: ScriptValue) throws -> ScriptValue?
    /// How many elements `for x in value` visits (each fetched with `element(at: .int(i))`),
    /// or nil when the type cannot be iterated.
    var elementCount: Int? { get }
    /// A one-paragraph plain-text description (the `text/plain` of its display).
    var textDescription: String { get }
    /// The rich display (PNG, HTML, …), or nil to show only `textDescription`.
    func richOutput() throws -> RichOutput?
}

extension ScriptObject {
    public var propertyNames: [String] { [] }
    public func property(_ name: String) throws -> ScriptValue? { nil }
    public var methods: [Builtin] { [] }
    public func element(at index: ScriptValue) throws -> ScriptValue? { nil }
    public var elementCount: Int? { nil }
    public func richOutput() throws -> RichOutput? { nil }

    /// The method called `name`, if any.
    public func method(named name: String) -> Builtin? { methods.first { $0.name == name } }
}
