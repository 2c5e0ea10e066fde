import GlassboxEngine

/// Nested lists of numbers → `Tensor` (the nesting gives the shape).
enum TensorConversion {
    /// Why a value is not a tensor; the message completes "argument 'x' …".
    struct Problem: Error {
        var kind: ScriptError.Kind
        var message: String
    }

    static func tensor(from value: ScriptValue) throws -> Tensor {
        let shape = try self.shape(of: value, path: "")
        var scalars: [Float] = []
        scalars.reserveCapacity(shape.reduce(1, *))
        flatten(value, into: &scalars)
        return Tensor(shape: shape, scalars: scalars)
    }

    private static func shape(of value: ScriptValue, path: String) throws -> [Int] {
        switch value {
        case .list(let items):
            guard let first = items.first else { return [0] }
            let inner = try shape(of: first, path: path + "[0]")
            for (i, item) in items.enumerated().dropFirst() {
                let s = try shape(of: item, path: path + "[\(i)]")
                guard s == inner else {
                    throw Problem(kind: .value, message: "is ragged: item \(path)[\(i)] has shape \(s), item \(path)[0] has \(inner)")
                }
            }
            return [items.count] + inner
        case let v:
            guard v.numberValue != nil else {
                throw Problem(kind: .type, message: "must hold only numbers; item \(path.isEmpty ? "" : path + " ")is a \(v.typeName)")
            }
            return []
        }
    }

    private static func flatten(_ value: ScriptValue, into scalars: inout [Float]) {
        if case .list(let items) = value {
            for item in items { flatten(item, into: &scalars) }
        } else {
            scalars.append(Float(value.numberValue!))
        }
    }
}
