/// A compact, stable, parenthesised text form of a syntax tree (for golden tests and debugging).
public enum ASTDump {
    public static func dump(_ statements: [Statement]) -> String {
        statements.map(dump).joined(separator: "\n")
    }

    public static func dump(_ statement: Statement) -> String {
        switch statement {
        case .binding(let name, let mutable, let value, _):
            return "(\(mutable ? "var" : "let") \(name)\(value.map { " " + dump($0) } ?? ""))"
        case .assignment(let target, let op, let value, _):
            return "(\(op)= \(dump(target)) \(dump(value)))"
        case .expression(let e, let silenced):
            return silenced ? "(silent \(dump(e)))" : dump(e)
        case .if(let condition, let then, let otherwise, _):
            var text = "(if \(dump(condition)) \(block(then))"
            if let otherwise { text += " else \(block(otherwise))" }
            return text + ")"
        case .for(let variable, let sequence, let body, _):
            return "(for \(variable) \(dump(sequence)) \(block(body)))"
        case .while(let condition, let body, _):
            return "(while \(dump(condition)) \(block(body)))"
        case .break: return "(break)"
        case .continue: return "(continue)"
        case .return(let value, _): return "(return\(value.map { " " + dump($0) } ?? ""))"
        case .function(let f):
            let parameters = f.parameters.map { p in
                "\(p.label ?? "_") \(p.name)\(p.type.map { ": " + $0 } ?? "")\(p.defaultValue.map { " = " + dump($0) } ?? "")"
            }.joined(separator: ", ")
            return "(func \(f.name) (\(parameters))\(f.returnType.map { " -> " + $0 } ?? "") \(block(f.body)))"
        }
    }

    private static func block(_ statements: [Statement]) -> String {
        "{" + statements.map(dump).joined(separator: "; ") + "}"
    }

    public static func dump(_ expression: Expression) -> String {
        switch expression {
        case .integer(let v, _): return String(v)
        case .float(let v, _): return "\(v)"
        case .string(let parts, _):
            return "\"" + parts.map { part -> String in
                switch part {
                case .text(let t): return t.replacingEscapes()
                case .expression(let e): return "\\(\(dump(e)))"
                }
            }.joined() + "\""
        case .bool(let v, _): return v ? "true" : "false"
        case .nil: return "nil"
        case .identifier(let name, _): return name
        case .list(let items, _): return "[" + items.map(dump).joined(separator: ", ") + "]"
        case .dictionary(let entries, _):
            return entries.isEmpty ? "[:]" : "[" + entries.map { dump($0.key) + ": " + dump($0.value) }.joined(separator: ", ") + "]"
        case .unary(let op, let operand, _): return "(\(op) \(dump(operand)))"
        case .binary(let op, let l, let r, _): return "(\(op) \(dump(l)) \(dump(r)))"
        case .range(let l, let r, let closed, _): return "(\(closed ? "..." : "..<") \(dump(l)) \(dump(r)))"
        case .member(let base, let name, _): return "(. \(dump(base)) \(name))"
        case .index(let base, let index, _): return "([] \(dump(base)) \(dump(index)))"
        case .call(let callee, let args, _):
            let rendered = args.map { ($0.label.map { "\($0): " } ?? "") + dump($0.value) }
            return "(call \(dump(callee))" + rendered.map { " " + $0 }.joined() + ")"
        }
    }
}

extension String {
    func replacingEscapes() -> String {
        var out = ""
        for c in self {
            switch c {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.append(c)
            }
        }
        return out
    }
}
