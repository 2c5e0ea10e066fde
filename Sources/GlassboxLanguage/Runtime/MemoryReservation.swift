import GlassboxEngine

/// Checks of results whose size is known before they are built (products, convolutions, pooling,
/// lists made from tensors, joined text) against the kernel's memory budget: a request that does
/// not fit is a MemoryError for the cell, never an allocation that kills the kernel.
extension Operators {
    /// Throws a MemoryError unless `floats` float32 values fit; `what` names the result, with the
    /// builtin first ("matmul: the product [50000, 50000]").
    static func reserveFloats(_ floats: Int, for what: @autoclosure () -> String, at range: SourceRange? = nil) throws {
        try reserve(WorkingMemory.bytes(floats: floats), for: what(), at: range)
    }

    /// Throws a MemoryError unless a List of `count` items fits.
    static func reserveItems(_ count: Int, for what: @autoclosure () -> String, at range: SourceRange? = nil) throws {
        try reserve(WorkingMemory.product([count, MemoryLayout<ScriptValue>.stride]), for: what(), at: range)
    }

    /// The number of values of a tensor of `shape` (`Int.max` when it overflows), for messages and checks.
    static func valueCount(_ shape: [Int]) -> Int { WorkingMemory.product(shape) }
}
