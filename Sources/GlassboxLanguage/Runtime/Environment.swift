/// Variables: the cell-spanning global scope and a stack of block scopes.
struct Environment {
    struct Binding {
        var value: ScriptValue
        var mutable: Bool
        var declared: SourceRange?
    }

    private(set) var globals: [String: Binding] = [:]
    private var scopes: [[String: Binding]] = []

    mutating func pushScope() { scopes.append([:]) }
    mutating func popScope() { _ = scopes.popLast() }
    /// Drops block scopes left over by an error.
    mutating func resetScopes() { scopes.removeAll() }

    func lookup(_ name: String) -> Binding? {
        for scope in scopes.reversed() {
            if let binding = scope[name] { return binding }
        }
        return globals[name]
    }

    /// Declares `name` in the innermost scope; re-declaring replaces (cells are re-run).
    mutating func declare(_ name: String, _ binding: Binding) {
        if scopes.isEmpty { globals[name] = binding } else { scopes[scopes.count - 1][name] = binding }
    }

    /// Updates an existing variable; returns false when there is none.
    mutating func assign(_ name: String, _ value: ScriptValue) -> Bool {
        for i in scopes.indices.reversed() where scopes[i][name] != nil {
            scopes[i][name]!.value = value
            return true
        }
        if globals[name] != nil {
            globals[name]!.value = value
            return true
        }
        return false
    }

    /// Every visible name.
    var visibleNames: [String] {
        var names = Set(globals.keys)
        for scope in scopes { names.formUnion(scope.keys) }
        return names.sorted()
    }
}
