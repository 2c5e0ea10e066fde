import GlassboxEngine

/// The NumPy element types Glassbox reads and writes, little-endian (one-byte types have no order).
public enum NumpyDType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32 = "<f4"
    case float64 = "<f8"
    case uint8 = "|u1"
    case int32 = "<i4"
    case int64 = "<i8"
    case bool = "|b1"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .uint8, .bool: return 1
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        }
    }

    /// NumPy's name of the type ("float32", "bool").
    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        case .uint8: return "uint8"
        case .int32: return "int32"
        case .int64: return "int64"
        case .bool: return "bool"
        }
    }
}

/// An n-dimensional array as NumPy stores it: a shape and its values in row-major (C) order, of one
/// of the element types of `NumpyDType`.
///
/// Made from a `Tensor` (float32) or from integer labels to be written with `NumpyFile` or
/// `NumpyArchive`; read arrays convert to a `Tensor` with `tensor()` or to labels with `integers(name:)`.
public struct NumpyArray: Sendable, Equatable {
    /// The values, in C order, with their element type.
    public enum Values: Sendable, Equatable {
        case float32([Float])
        case float64([Double])
        case uint8([UInt8])
        case int32([Int32])
        case int64([Int64])
        case bool([Bool])

        /// The number of values.
        public var count: Int {
            switch self {
            case .float32(let v): return v.count
            case .float64(let v): return v.count
            case .uint8(let v): return v.count
            case .int32(let v): return v.count
            case .int64(let v): return v.count
            case .bool(let v): return v.count
            }
        }

        /// The element type.
        public var dtype: NumpyDType {
            switch self {
            case .float32: return .float32
            case .float64: return .float64
            case .uint8: return .uint8
            case .int32: return .int32
            case .int64: return .int64
            case .bool: return .bool
            }
        }
    }

    /// The size of each dimension, outermost first; `[]` for a 0-dimensional array (one value).
    public let shape: [Int]
    /// The values, row-major.
    public let values: Values

    /// An array of `shape` holding `values`; throws when the counts differ or a dimension is negative.
    public init(shape: [Int], values: Values) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw DataError.invalidArgument("a NumPy array cannot have a negative dimension, got shape \(shape)")
        }
        guard let expected = NumpyArray.elementCount(of: shape), expected == values.count else {
            throw DataError.invalidArgument("a NumPy array of shape \(shape) needs \(NumpyArray.elementCount(of: shape).map(String.init) ?? "too many") values, got \(values.count)")
        }
        self.shape = shape
        self.values = values
    }

    /// A float32 array with the tensor's shape and values.
    public init(_ tensor: Tensor) {
        shape = tensor.shape
        values = .float32(tensor.scalars)
    }

    /// A one-dimensional int64 array (NumPy's default integer type), e.g. labels.
    public init(integers: [Int]) {
        shape = [integers.count]
        values = .int64(integers.map { Int64($0) })
    }

    /// The element type.
    public var dtype: NumpyDType { values.dtype }
    /// The number of values.
    public var count: Int { values.count }

    /// The values converted to float32 (booleans become 0 and 1).
    public func floats() -> [Float] {
        switch values {
        case .float32(let v): return v
        case .float64(let v): return v.map { Float($0) }
        case .uint8(let v): return v.map { Float($0) }
        case .int32(let v): return v.map { Float($0) }
        case .int64(let v): return v.map { Float($0) }
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        }
    }

    /// The array as a float32 tensor of the same shape.
    public func tensor() -> Tensor {
        Tensor(shape: shape, scalars: floats())
    }

    /// The values as integers, for labels: integer and boolean arrays convert exactly, float arrays
    /// only when every value is a whole number. `name` appears in the error.
    public func integers(name: String) throws -> [Int] {
        func wholeNumbers<F: BinaryFloatingPoint>(_ values: [F]) throws -> [Int] {
            try values.enumerated().map { index, value in
                guard value.rounded() == value, abs(value) < 1e15 else {
                    throw DataError.invalidArgument("\(name): value \(index) is \(value), not a whole number")
                }
                return Int(value)
            }
        }
        switch values {
        case .float32(let v): return try wholeNumbers(v)
        case .float64(let v): return try wholeNumbers(v)
        case .uint8(let v): return v.map { Int($0) }
        case .int32(let v): return v.map { Int($0) }
        case .int64(let v): return v.map { Int($0) }
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        }
    }

    /// The product of the dimensions, nil on overflow.
    static func elementCount(of shape: [Int]) -> Int? {
        var product = 1
        for dimension in shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            product = next
        }
        return product
    }
}
