/// Variables: the cell-spanning global scope and a stack of block scopes.
struct Environment {
    struct Binding {
        var value: ScriptValue
        var mutable: Bool
        var declared: SourceRange?
    }

    private(set) var globals: [String: Binding] = [:]
    /// Block scopes; only the first `depth` are live. Popped scopes are emptied but kept, so a
    /// loop does not allocate a dictionary per iteration.
    private var scopes: [[String: Binding]] = []
    private var depth = 0
    /// The first scope a function call sees: its own scopes and the globals, not its caller's.
    private var base = 0

    /// Starts a function call's scopes (its parameters go in the first); returns what
    /// `leaveFunction` restores.
    mutating func enterFunction() -> Int {
        let saved = base
        base = depth
        pushScope()
        return saved
    }

    /// Ends a function call's scopes.
    mutating func leaveFunction(_ saved: Int) {
        while depth > base { popScope() }
        base = saved
    }

    mutating func pushScope() {
        if depth == scopes.count { scopes.append([:]) }
        depth += 1
    }

    mutating func popScope() {
        guard depth > 0 else { return }
        depth -= 1
        if !scopes[depth].isEmpty { scopes[depth].removeAll(keepingCapacity: true) }
    }

    /// Drops block scopes left over by an error.
    mutating func resetScopes() {
        scopes.removeAll()
        depth = 0
        base = 0
    }

    func lookup(_ name: String) -> Binding? {
        var i = depth - 1
        while i >= base {
            if let binding = scopes[i][name] { return binding }
            i -= 1
        }
        return globals[name]
    }

    /// Declares `name` in the innermost scope; re-declaring replaces (cells are re-run).
    mutating func declare(_ name: String, _ binding: Binding) {
        if depth == 0 { globals[name] = binding } else { scopes[depth - 1][name] = binding }
    }

    /// Updates an existing variable; returns false when there is none.
    mutating func assign(_ name: String, _ value: ScriptValue) -> Bool {
        var i = depth - 1
        while i >= base {
            if scopes[i][name] != nil {
                scopes[i][name]!.value = value
                return true
            }
            i -= 1
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
        for scope in scopes[base..<depth] { names.formUnion(scope.keys) }
        return names.sorted()
    }
}
