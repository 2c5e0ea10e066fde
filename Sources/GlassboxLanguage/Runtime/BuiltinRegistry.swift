/// The builtins a session knows, by name, in registration order.
public struct BuiltinRegistry: Sendable {
    private var byName: [String: Builtin] = [:]
    /// Names in registration order.
    public private(set) var names: [String] = []

    public init(_ builtins: [Builtin] = []) {
        for builtin in builtins { register(builtin) }
    }

    /// Adds or replaces a builtin.
    public mutating func register(_ builtin: Builtin) {
        if byName[builtin.name] == nil { names.append(builtin.name) }
        byName[builtin.name] = builtin
    }

    public subscript(name: String) -> Builtin? { byName[name] }

    /// All builtins in registration order.
    public var all: [Builtin] { names.compactMap { byName[$0] } }

    /// The core builtins of the language (printing, help, maths, display).
    public static var standard: BuiltinRegistry {
        BuiltinRegistry(CoreBuiltins.all + MathBuiltins.all + TensorBuiltins.all + DisplayBuiltins.all)
    }
}
