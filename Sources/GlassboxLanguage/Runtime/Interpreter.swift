import GlassboxEngine

/// Walks the syntax tree of a cell. Owned by a `LanguageSession`; one cell at a time.
final class Interpreter {
    var environment = Environment()
    unowned let session: LanguageSession
    var host: (any LanguageHost)!
    private var loopDepth = 0

    init(session: LanguageSession) {
        self.session = session
    }

    enum Flow: Equatable { case normal, breakLoop, continueLoop, returned(ScriptValue) }

    /// The source of the cell being run (user functions keep the source they were declared in).
    var source = ""
    /// How many user-defined function calls are running.
    private var callDepth = 0
    /// The deepest chain of user-defined function calls (recursion included) a cell may make.
    static let maximumCallDepth = 100

    private func checkCancellation(_ range: SourceRange) throws {
        if session.cancellation.isCancelled {
            throw ScriptError(.interrupted, "the cell was interrupted", at: range)
        }
    }

    // MARK: Statements

    /// Runs statements; returns the value of the last one when it is an unsilenced expression.
    func run(_ statements: [Statement]) throws -> ScriptValue? {
        environment.resetScopes()
        loopDepth = 0
        callDepth = 0
        var result: ScriptValue? = nil
        for (i, statement) in statements.enumerated() {
            do {
                try checkCancellation(statement.range)
                if i == statements.count - 1, case .expression(let e, let silenced) = statement {
                    let value = try evaluate(e)
                    result = silenced ? nil : value
                } else {
                    _ = try execute(statement)
                }
            } catch let error as ScriptError {
                // Every error points somewhere: at worst, at its statement.
                throw error.located(statement.range)
            }
        }
        return result
    }

    private func executeBlock(_ statements: [Statement], binding: (String, ScriptValue)? = nil) throws -> Flow {
        environment.pushScope()
        defer { environment.popScope() }
        if let (name, value) = binding { environment.declare(name, .init(value: value, mutable: false, declared: nil)) }
        for statement in statements {
            let flow = try execute(statement)
            if flow != .normal { return flow }
        }
        return .normal
    }

    func execute(_ statement: Statement) throws -> Flow {
        switch statement {
        case .expression(let e, _):
            _ = try evaluate(e)
        case .binding(let name, let mutable, let valueExpression, let range):
            let value = try valueExpression.map(evaluate) ?? .nil
            environment.declare(name, .init(value: value, mutable: mutable, declared: range))
        case .assignment(let target, let op, let valueExpression, let range):
            try assign(target, op: op, valueExpression, range)
        case .if(let condition, let then, let otherwise, _):
            if try evaluate(condition).truth("the condition of 'if'", at: condition.range) {
                return try executeBlock(then)
            } else if let otherwise {
                return try executeBlock(otherwise)
            }
        case .while(let condition, let body, _):
            loopDepth += 1
            defer { loopDepth -= 1 }
            while try evaluate(condition).truth("the condition of 'while'", at: condition.range) {
                try checkCancellation(condition.range)
                let flow = try executeBlock(body)
                if flow == .breakLoop { break }
                if case .returned = flow { return flow }
            }
        case .for(let variable, let sequenceExpression, let body, _):
            let sequence = try evaluate(sequenceExpression)
            loopDepth += 1
            defer { loopDepth -= 1 }
            // A `return` inside the loop ends it and is handed up.
            var returned: Flow?
            func iteration(_ item: ScriptValue) throws -> Bool {
                try checkCancellation(sequenceExpression.range)
                let flow = try executeBlock(body, binding: (variable, item))
                if case .returned = flow { returned = flow }
                return flow != .breakLoop && returned == nil
            }
            switch sequence {
            case .range(let r):
                var i = r.lower
                while i < r.upper {
                    if try !iteration(.int(i)) { break }
                    i += 1
                }
            case .list(let items):
                for item in items where try !iteration(item) { break }
            case .dictionary(let d):
                for key in d.keys where try !iteration(.string(key)) { break }
            case .string(let s):
                for c in s where try !iteration(.string(String(c))) { break }
            case .tensor(let t):
                guard t.rank > 0 else {
                    throw ScriptError(.type, "cannot loop over a rank-0 Tensor", at: sequenceExpression.range)
                }
                for i in 0..<t.shape[0] where try !iteration(.tensor(Operators.slice(t, i..<(i + 1), dropFirst: true))) { break }
            case .object(let object):
                guard let count = object.elementCount else {
                    throw ScriptError(.type, "cannot loop over a \(object.typeName); loop over a List, Range, String or Tensor", at: sequenceExpression.range)
                }
                var i = 0
                while i < count {
                    guard let item = try object.element(at: .int(i)) else { break }
                    if try !iteration(item) { break }
                    i += 1
                }
            default:
                throw ScriptError(.type, "cannot loop over a \(sequence.typeName); loop over a List, Range, String or Tensor", at: sequenceExpression.range)
            }
            if let returned { return returned }
        case .break(let range):
            guard loopDepth > 0 else { throw ScriptError(.syntax, "'break' is only allowed inside a loop", at: range) }
            return .breakLoop
        case .continue(let range):
            guard loopDepth > 0 else { throw ScriptError(.syntax, "'continue' is only allowed inside a loop", at: range) }
            return .continueLoop
        case .return(let value, _):
            return .returned(try value.map(evaluate) ?? .nil)
        case .function(let declaration):
            let function = try UserFunction.builtin(for: declaration, source: source, defaults: { try self.evaluate($0) })
            environment.declare(declaration.name, .init(value: .function(function), mutable: false, declared: declaration.nameRange))
        }
        return .normal
    }

    private func assign(_ target: Expression, op: String, _ valueExpression: Expression, _ range: SourceRange) throws {
        switch target {
        case .identifier(let name, let nameRange):
            guard let binding = environment.lookup(name) else {
                throw ScriptError(.name, "cannot assign to '\(name)': it is not declared; declare it with 'var \(name) = …'",
                                  at: nameRange, suggestions: Suggestions.closest(to: name, among: environment.visibleNames))
            }
            guard binding.mutable else {
                throw ScriptError(.type, "cannot assign to '\(name)': it is a 'let' constant; declare it with 'var' to change it", at: nameRange)
            }
            var value = try evaluate(valueExpression)
            if !op.isEmpty { value = try Operators.binary(op, binding.value, value, at: range) }
            _ = environment.assign(name, value)
        case .index(let base, let indexExpression, _):
            guard case .identifier(let name, let nameRange) = base else {
                throw ScriptError(.type, "can only assign to an element of a variable, like 'xs[0] = 1'", at: base.range)
            }
            guard let binding = environment.lookup(name) else {
                throw ScriptError(.name, "cannot find '\(name)' in scope", at: nameRange,
                                  suggestions: Suggestions.closest(to: name, among: environment.visibleNames))
            }
            guard binding.mutable else {
                throw ScriptError(.type, "cannot change an element of '\(name)': it is a 'let' constant; declare it with 'var'", at: nameRange)
            }
            let index = try evaluate(indexExpression)
            if case .dictionary(var dictionary) = binding.value {
                guard case .string(let key) = index else {
                    throw ScriptError(.type, "a dictionary key must be a String, got \(index.typeName)", at: indexExpression.range)
                }
                var value = try evaluate(valueExpression)
                if !op.isEmpty {
                    guard let old = dictionary[key] else {
                        throw ScriptError(.index, "the dictionary has no key \"\(key)\" to update with '\(op)='", at: indexExpression.range)
                    }
                    value = try Operators.binary(op, old, value, at: range)
                }
                dictionary[key] = value
                let updated = ScriptValue.dictionary(dictionary)
                try updated.checkListNesting(at: range)
                _ = environment.assign(name, updated)
                return
            }
            guard case .list(var items) = binding.value else {
                throw ScriptError(.type, "only List and Dictionary elements can be assigned; '\(name)' is a \(binding.value.typeName)", at: nameRange)
            }
            guard case .int(let i) = index else {
                throw ScriptError(.type, "a List index must be an Int, got \(index.typeName)", at: indexExpression.range)
            }
            try Operators.checkIndex(i, count: items.count, what: "List", at: indexExpression.range)
            var value = try evaluate(valueExpression)
            if !op.isEmpty { value = try Operators.binary(op, items[i], value, at: range) }
            items[i] = value
            let updated = ScriptValue.list(items)
            try updated.checkListNesting(at: range)
            _ = environment.assign(name, updated)
        case .member(let base, let name, _):
            let receiver = try evaluate(base)
            throw ScriptError(.type, "cannot assign to '\(name)': properties of \(receiver.typeName) are read-only", at: target.range)
        default:
            throw ScriptError(.syntax, "cannot assign to this expression", at: target.range)
        }
    }

    // MARK: Expressions

    func evaluate(_ expression: Expression) throws -> ScriptValue {
        switch expression {
        case .integer(let v, _): return .int(v)
        case .float(let v, _): return .double(v)
        case .bool(let v, _): return .bool(v)
        case .nil: return .nil
        case .string(let parts, let range):
            var text = ""
            for part in parts {
                let piece: String
                switch part {
                case .text(let t): piece = t
                case .expression(let e): piece = try evaluate(e).printed
                }
                try Operators.reserve(text.utf8.count + piece.utf8.count, for: "a string of \(text.utf8.count + piece.utf8.count) bytes", at: range)
                text += piece
            }
            return .string(text)
        case .identifier(let name, let range):
            if let binding = environment.lookup(name) { return binding.value }
            if let builtin = session.registry[name] { return .function(builtin) }
            throw ScriptError(.name, "cannot find '\(name)' in scope", at: range,
                              suggestions: Suggestions.closest(to: name, among: environment.visibleNames + session.registry.names))
        case .list(let items, let range):
            let list = ScriptValue.list(try items.map(evaluate))
            try list.checkListNesting(at: range)
            return list
        case .dictionary(let entries, let range):
            var dictionary = ScriptDictionary()
            for entry in entries {
                let key = try evaluate(entry.key)
                guard case .string(let name) = key else {
                    throw ScriptError(.type, "dictionary keys must be Strings, got \(key.typeName) \(key.repr.prefix(40))", at: entry.key.range)
                }
                guard dictionary[name] == nil else {
                    throw ScriptError(.value, "the key \"\(name)\" appears twice in this dictionary", at: entry.key.range)
                }
                dictionary[name] = try evaluate(entry.value)
            }
            let value = ScriptValue.dictionary(dictionary)
            try value.checkListNesting(at: range)
            return value
        case .unary(let op, let operand, let range):
            return try Operators.unary(op, try evaluate(operand), at: range)
        case .binary(let op, let left, let right, let range):
            if op == "&&" || op == "||" {
                let l = try evaluate(left).truth("the left side of '\(op)'", at: left.range)
                if op == "&&" && !l { return .bool(false) }
                if op == "||" && l { return .bool(true) }
                return .bool(try evaluate(right).truth("the right side of '\(op)'", at: right.range))
            }
            let l = try evaluate(left)
            let r = try evaluate(right)
            return try Operators.binary(op, l, r, at: range)
        case .range(let lower, let upper, let closed, let range):
            let l = try evaluate(lower)
            let u = try evaluate(upper)
            guard case .int(let a) = l, case .int(let b) = u else {
                throw ScriptError(.type, "range bounds must be Int, got \(l.typeName) and \(u.typeName)", at: range)
            }
            let end: (Int, Bool) = closed ? { let r = b.addingReportingOverflow(1); return (r.partialValue, r.overflow) }() : (b, false)
            guard !end.1 else {
                throw ScriptError(.value, "range \(a)...\(b) is too large: its upper bound must be below \(Int.max)", at: range)
            }
            guard end.0 >= a else {
                throw ScriptError(.value, "range \(a)\(closed ? "..." : "..<")\(b) has its upper bound below its lower bound", at: range)
            }
            return .range(IntRange(lower: a, upper: end.0, closed: closed))
        case .member(let base, let name, let range):
            let receiver = try evaluate(base)
            return try Members.property(of: receiver, name, at: Interpreter.nameRange(name, endingAt: range))
        case .index(let base, let indexExpression, let range):
            let receiver = try evaluate(base)
            let index = try evaluate(indexExpression)
            return try Operators.index(receiver, index, at: indexExpression.range, whole: range)
        case .call(let callee, let argumentExpressions, let range):
            var arguments: [(label: String?, value: ScriptValue, range: SourceRange?)] = []
            let function: Builtin
            if case .member(let base, let name, let memberRange) = callee {
                let receiver = try evaluate(base)
                function = try Members.method(of: receiver, name, at: Interpreter.nameRange(name, endingAt: memberRange))
            } else {
                let value = try evaluate(callee)
                guard case .function(let f) = value else {
                    throw ScriptError(.type, "cannot call a value of type \(value.typeName); only functions can be called", at: callee.range)
                }
                function = f
            }
            for argument in argumentExpressions {
                let value: ScriptValue
                do {
                    value = try evaluate(argument.value)
                } catch var error as ScriptError {
                    // `round(2.5, digits)`: the user probably meant the label `digits:`.
                    if error.kind == .name, argument.label == nil, case .identifier(let name, _) = argument.value {
                        let labels = Suggestions.closest(to: name, among: function.labels).map { $0 + ":" }
                        if function.labels.contains(name) { error.suggestions.insert("\(name): …", at: 0) }
                        else { error.suggestions = labels + error.suggestions }
                    }
                    throw error
                }
                let argumentRange = argument.labelRange.map { $0.union(argument.value.range) } ?? argument.value.range
                arguments.append((argument.label, value, argumentRange))
            }
            return try call(function, arguments, at: range)
        }
    }

    /// Runs a user-defined function's body with `arguments` bound to its parameters, in scopes of
    /// its own (it sees the globals, not its caller's locals). An error inside gets a call frame
    /// naming the function and where in its cell it happened.
    func callUser(_ declaration: FunctionDeclaration, source functionSource: String, arguments: BoundArguments) throws -> ScriptValue {
        guard callDepth < Interpreter.maximumCallDepth else {
            throw ScriptError(.runtime, "\(declaration.name): more than \(Interpreter.maximumCallDepth) function calls deep; is the recursion missing a base case?")
        }
        callDepth += 1
        let savedLoops = loopDepth
        let savedBase = environment.enterFunction()
        defer {
            environment.leaveFunction(savedBase)
            loopDepth = savedLoops
            callDepth -= 1
        }
        loopDepth = 0
        do {
            for parameter in declaration.parameters {
                var value = arguments.value(parameter.name)
                // As in Swift, an Int given for a Double parameter becomes a Double.
                if parameter.type == "Double", case .int(let i) = value { value = .double(Double(i)) }
                try UserFunction.check(value, against: parameter.type, what: "argument '\(parameter.label ?? parameter.name)'",
                                       function: declaration.name, at: arguments.ranges[parameter.name])
                environment.declare(parameter.name, .init(value: value, mutable: false, declared: parameter.range))
            }
            var result: ScriptValue = .nil
            var returned = false
            for statement in declaration.body {
                try checkCancellation(statement.range)
                do {
                    if case .returned(let value) = try execute(statement) {
                        result = value
                        returned = true
                        break
                    }
                } catch let error as ScriptError {
                    throw error.located(statement.range)
                }
            }
            if let type = declaration.returnType, type != "Nil" {
                guard returned else {
                    throw ScriptError(.type, "\(declaration.name) ended without 'return'; it promises a \(type)", at: declaration.nameRange)
                }
                try UserFunction.check(result, against: type, what: "the result", function: declaration.name, at: declaration.nameRange)
            }
            return result
        } catch var error as ScriptError where error.kind != .interrupted {
            // The error's place is in the function's own cell; the caller locates it at the call.
            error.frames.append(CallFrame(function: declaration.name, source: functionSource, range: error.range))
            error.range = nil
            throw error
        }
    }

    /// The range of the member name at the end of a member expression (for carets under `cont`
    /// in `xs.cont` rather than under the whole expression).
    static func nameRange(_ name: String, endingAt range: SourceRange) -> SourceRange {
        let length = name.unicodeScalars.count
        guard range.end.column > length else { return range }
        let start = SourceLocation(line: range.end.line, column: range.end.column - length, offset: range.end.offset - length)
        return SourceRange(start, range.end)
    }

    func call(_ function: Builtin, _ arguments: [(label: String?, value: ScriptValue, range: SourceRange?)],
              at range: SourceRange) throws -> ScriptValue {
        do {
            var bound = try function.bind(arguments)
            let context = CallContext(host: host, cancellation: session.cancellation, session: session, callRange: range)
            let value: ScriptValue
            do {
                value = try function.body(&bound, context)
            } catch {
                context.endWork(threw: true)
                throw error
            }
            context.endWork(threw: false)
            return value
        } catch let error as ScriptError {
            throw error.located(range)
        } catch is CancellationError {
            throw ScriptError(.interrupted, "the cell was interrupted", at: range)
        } catch let error as MemoryExhausted {
            throw ScriptError(.memory, "\(function.name): \(error.description)", at: range)
        } catch {
            throw ScriptError(.runtime, "\(function.name): \(error)", at: range)
        }
    }
}
