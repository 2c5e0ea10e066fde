import GlassboxEngine

/// Typed access to the binding value types in a builtin's arguments, with errors that name the
/// builtin and the argument.
extension BoundArguments {
    /// The argument as an object of type `T`, or a TypeError naming what was expected.
    public func object<T: ScriptObject>(_ name: String, as type: T.Type, expected: String) throws -> T {
        let value = value(name)
        if case .object(let object) = value, let typed = object as? T { return typed }
        throw error(.type, name, "must be \(expected), got \(value.typeName) \(value.repr.prefix(60))")
    }

    /// The argument as a model.
    public func model(_ name: String) throws -> ModelValue {
        try object(name, as: ModelValue.self, expected: "a Model (from model(\"mlp-a\"), train(…) or load(…))")
    }

    /// The argument as an image batch; a Dataset stands for its test split when `datasetSplit` is given.
    public func imageBatch(_ name: String, datasetSplit: String? = nil) throws -> ImageBatch {
        let value = value(name)
        switch value {
        case .object(let batch as ImageBatch):
            return batch
        case .object(let dataset as DatasetValue):
            if let datasetSplit, let split = dataset.split(named: datasetSplit) { return split }
            throw error(.type, name, "must be an ImageBatch such as \(dataset.name).test, got the whole Dataset")
        case .tensor(let tensor):
            do {
                return try ImageBatch(tensor: tensor, labels: nil, origin: "a tensor")
            } catch let problem as ScriptError {
                throw error(.value, name, problem.message)
            }
        default:
            throw error(.type, name, "must be an ImageBatch (e.g. mnist.test or mnist.train[0..<10]), got \(value.typeName) \(value.repr.prefix(60))")
        }
    }

    /// A non-negative seed.
    public func seed(_ name: String) throws -> UInt64 {
        let v = try int(name)
        guard v >= 0 else { throw error(.value, name, "must be a non-negative integer, got \(v)") }
        return UInt64(v)
    }

    /// A list of Ints (or one Int, as a one-element list).
    public func intList(_ name: String) throws -> [Int] {
        switch value(name) {
        case .int(let v): return [v]
        case .range(let r): return Array(r.lower..<r.upper)
        case .list(let items):
            return try items.enumerated().map { index, item in
                guard case .int(let v) = item else {
                    throw error(.type, name, "must hold Ints, item \(index) is \(item.typeName) \(item.repr.prefix(30))")
                }
                return v
            }
        case let other:
            throw error(.type, name, "must be an Int or a List of Ints, got \(other.typeName)")
        }
    }

    /// A list of numbers.
    public func numberList(_ name: String) throws -> [Double] {
        guard case .list(let items) = value(name) else {
            throw error(.type, name, "must be a List of numbers, got \(value(name).typeName)")
        }
        return try items.enumerated().map { index, item in
            guard let v = item.numberValue else {
                throw error(.type, name, "must hold numbers, item \(index) is \(item.typeName)")
            }
            return v
        }
    }
}
